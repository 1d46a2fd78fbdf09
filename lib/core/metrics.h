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
/* Long requests a host can hold at once: more than IG_WORKERS x IG_THREADS
 * can ever be (64 x 256). */
#define IG_LONG_SLOTS 16384

typedef struct ig_metrics_worker {
	pid_t pid;          /* 0 when the slot is free */
	int64_t started;    /* unix seconds */
	uint64_t requests;
} ig_metrics_worker;

/* One long request (a stream, a generation wait, an LLM call) held by a
 * worker process: who it counts against (key, never 0 while held) and
 * which process holds it (pid, 0 when the slot is free). */
typedef struct ig_long_slot {
	pid_t pid;
	uint64_t key;
} ig_long_slot;

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
	/* The long requests held on this host, counted per caller across
	 * every worker process (ig_long_claim). */
	ig_long_slot long_slots[IG_LONG_SLOTS];
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

/*
 * Claim a long-request slot for caller key (nonzero) held by process pid,
 * unless the host already holds cap requests of that key. Returns the slot
 * number (1 or more); 0 when over cap (*held gets the number held, the new
 * one not counted); -1 when the table is full. Lock-free across processes:
 * the slot is published first and the key's slots counted after, so two
 * racing claims can both be refused but never both pass the cap.
 */
int ig_long_claim(ig_metrics *m, uint64_t key, pid_t pid, int cap, int *held);
/* Free slot n of ig_long_claim. */
void ig_long_release(ig_metrics *m, int n);
/* Free every slot pid holds (the master, when a worker process died: a
 * crashed worker never leaks slots); returns how many. */
int ig_long_release_pid(ig_metrics *m, pid_t pid);
/* Slots held now (for /metrics): all of them when key is 0. */
int ig_long_count(const ig_metrics *m, uint64_t key);

/* Upper bound in microseconds of histogram bucket i. */
double ig_metrics_bucket_bound(int i);
/* Estimate the q-quantile (0 < q < 1) in milliseconds from the histogram;
 * 0 when nothing was recorded. */
double ig_metrics_percentile_ms(const ig_metrics *m, double q);

#endif
