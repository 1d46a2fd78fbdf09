/*
 * metrics.h — request counters shared by every worker process on a host.
 *
 * The master maps one shared block before it forks, so every
 * worker (and every replacement worker) adds to the same counters with
 * atomic operations and the monitoring endpoints can read the whole host's
 * figures from any worker. Latencies go into a fixed log-scale histogram
 * (bucket i ends at 50 µs · 1.5^i), from which percentiles are estimated.
 */
#ifndef IG_CORE_METRICS_H
#define IG_CORE_METRICS_H

#include <stdint.h>
#include <sys/types.h>

#define IG_METRICS_BUCKETS 42
#define IG_METRICS_MAX_WORKERS 130

typedef struct ig_metrics_worker {
	pid_t pid;          /* 0 when the slot is free */
	int64_t started;    /* unix seconds */
	uint64_t requests;
} ig_metrics_worker;

typedef struct ig_metrics {
	int64_t started;            /* unix seconds the master mapped the block */
	uint64_t requests;
	uint64_t in_flight;
	uint64_t latency_sum_us;
	uint64_t by_status[600];    /* index = HTTP status */
	uint64_t buckets[IG_METRICS_BUCKETS];
	uint64_t worker_restarts;
	ig_metrics_worker workers[IG_METRICS_MAX_WORKERS];
	/* Fields are only ever appended: a re-executed master of a newer
	 * build grows an inherited older block (see ig_metrics_map_fd). */
	/* Host CPU busy share over the last second, in hundredths of a
	 * percent, written by the master (ig_metrics_cpu_sample) so a request
	 * never has to sleep between two /proc/stat readings. */
	int64_t cpu_centi;
	int64_t cpu_sampled_at;     /* unix seconds of cpu_centi; 0 = not yet */
} ig_metrics;

/* Map a zeroed block shared through a memfd; NULL on failure. Must happen
 * before fork() so children share it. *fd gets the memfd (close-on-exec),
 * which a re-executed master maps again with ig_metrics_map_fd so the
 * counters survive a SIGHUP. */
ig_metrics *ig_metrics_map(int *fd);
/* Map the block of fd; a smaller block (an older build's) is grown, the
 * new fields zeroed. NULL on failure. */
ig_metrics *ig_metrics_map_fd(int fd);
/* A private block for programs and tests that do not fork. */
ig_metrics *ig_metrics_local(void);

void ig_metrics_begin(ig_metrics *m);
/* Count one finished request with its status and duration. */
void ig_metrics_end(ig_metrics *m, int status, int64_t duration_us);

/* The master's once-a-second CPU sample: read /proc/stat, store the busy
 * share since *prev into m, and keep the reading in *prev (zeroed before
 * the first call, which only records it). */
struct ig_cpu_times;
void ig_metrics_cpu_sample(ig_metrics *m, struct ig_cpu_times *prev);

/* Upper bound in microseconds of histogram bucket i. */
double ig_metrics_bucket_bound(int i);
/* Estimate the q-quantile (0 < q < 1) in milliseconds from the histogram;
 * 0 when nothing was recorded. */
double ig_metrics_percentile_ms(const ig_metrics *m, double q);

#endif
