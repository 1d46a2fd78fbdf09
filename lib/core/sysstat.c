/* sysstat.c — see sysstat.h. Field meanings: proc(5). */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "lib/core/sysstat.h"

/* Read a small /proc file into buf (NUL-terminated): buf, or NULL when it
 * cannot be read or is empty. The parsers below take NULL as "no text". */
static const char *
slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0 ? buf : NULL;
}

int
ig_sys_cpu_parse(const char *text, ig_cpu_times *out)
{
	unsigned long long v[8] = { 0 };
	int n;

	if (text == NULL || strncmp(text, "cpu ", 4) != 0)
		return -1;
	/* user nice system idle iowait irq softirq steal (guest time is
	 * already inside user and nice). */
	n = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return -1;
	out->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	out->total = out->busy + v[3] + v[4];
	return 0;
}

int
ig_sys_cpu_read(ig_cpu_times *out)
{
	char buf[512];

	/* The aggregate line comes first; 511 bytes hold it. */
	return ig_sys_cpu_parse(slurp("/proc/stat", buf, sizeof(buf)), out);
}

/* part of whole in percent, part capped at whole (> 0). */
static double
percent(uint64_t part, uint64_t whole)
{
	return 100.0 * (double)(part < whole ? part : whole) / (double)whole;
}

double
ig_sys_cpu_percent(const ig_cpu_times *prev, const ig_cpu_times *cur)
{
	if (cur->total <= prev->total || cur->busy < prev->busy)
		return -1;
	return percent(cur->busy - prev->busy, cur->total - prev->total);
}

/* Value in kB of "name:" in meminfo text; -1 when absent. */
static long long
meminfo_kb(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ':')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

double
ig_sys_mem_parse(const char *text, uint64_t *total_bytes)
{
	long long total = meminfo_kb(text, "MemTotal"), avail = meminfo_kb(text, "MemAvailable");

	if (total <= 0 || avail < 0)
		return -1;
	if (total_bytes != NULL)
		*total_bytes = (uint64_t)total * 1024;
	return percent(avail < total ? (uint64_t)(total - avail) : 0, (uint64_t)total);
}

double
ig_sys_mem_percent(uint64_t *total_bytes)
{
	char buf[8192];

	return ig_sys_mem_parse(slurp("/proc/meminfo", buf, sizeof(buf)), total_bytes);
}

int
ig_sys_disk(const char *path, uint64_t *free_bytes, uint64_t *total_bytes)
{
	struct statvfs st;

	if (statvfs(path, &st) != 0)
		return -1;
	*free_bytes = (uint64_t)st.f_bavail * st.f_frsize;
	*total_bytes = (uint64_t)st.f_blocks * st.f_frsize;
	return 0;
}

int
ig_sys_loadavg(double out[3])
{
	char buf[128];

	if (slurp("/proc/loadavg", buf, sizeof(buf)) == NULL)
		return -1;
	return sscanf(buf, "%lf %lf %lf", &out[0], &out[1], &out[2]) == 3 ? 0 : -1;
}
