/*
 * sysstat.h — the host's figures for GET /api/monitoring/system-stats and
 * /metrics, read from Linux's /proc (proc(5)) and statvfs(3). Parsers take
 * the file's text so they can be tested without a /proc.
 */
#ifndef IG_CORE_SYSSTAT_H
#define IG_CORE_SYSSTAT_H

#include <stdint.h>

/* Cumulative CPU time of the "cpu" line of /proc/stat, in clock ticks. */
typedef struct ig_cpu_times {
	uint64_t busy;      /* user + nice + system + irq + softirq + steal */
	uint64_t total;     /* busy + idle + iowait */
} ig_cpu_times;

/* Parse the aggregate "cpu " line of /proc/stat text. 0, or -1 when absent
 * or malformed (or stat_text is NULL: unreadable). */
int ig_sys_cpu_parse(const char *stat_text, ig_cpu_times *out);
/* Read /proc/stat. 0 or -1. */
int ig_sys_cpu_read(ig_cpu_times *out);
/* Busy share between two readings in percent (0–100); -1 when no time
 * passed or the counters went backwards. */
double ig_sys_cpu_percent(const ig_cpu_times *prev, const ig_cpu_times *cur);

/* Used memory in percent, (MemTotal − MemAvailable) / MemTotal, from
 * /proc/meminfo text; -1 when the fields are missing (or meminfo_text is
 * NULL: unreadable). */
double ig_sys_mem_parse(const char *meminfo_text, uint64_t *total_bytes);
/* The same from /proc/meminfo; -1 when unreadable. */
double ig_sys_mem_percent(uint64_t *total_bytes);

/* The file system holding path: bytes free to unprivileged users and its
 * size. 0 or -1 (errno from statvfs). */
int ig_sys_disk(const char *path, uint64_t *free_bytes, uint64_t *total_bytes);

/* The three load averages of /proc/loadavg. 0 or -1. */
int ig_sys_loadavg(double out[3]);

#endif
