/* metrics.c — see metrics.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "lib/core/metrics.h"
#include "lib/core/sysstat.h"
#include "lib/core/util.h"

ig_metrics *
ig_metrics_map(int *fd_out)
{
	int fd = memfd_create("imagegen-metrics", MFD_CLOEXEC);
	ig_metrics *m;

	if (fd < 0 || ftruncate(fd, sizeof(ig_metrics)) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	m = ig_metrics_map_fd(fd);
	if (m == NULL) {
		close(fd);
		return NULL;
	}
	m->started = (int64_t)time(NULL);
	*fd_out = fd;
	return m;
}

ig_metrics *
ig_metrics_map_fd(int fd)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) != 0 || st.st_size <= 0)
		return NULL;
	/* Growing a memfd zero-fills; the old workers keep their shorter map. */
	if ((size_t)st.st_size < sizeof(ig_metrics) && ftruncate(fd, sizeof(ig_metrics)) != 0)
		return NULL;
	p = mmap(NULL, sizeof(ig_metrics), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

ig_metrics *
ig_metrics_local(void)
{
	ig_metrics *m = ig_xcalloc(1, sizeof(*m));

	m->started = (int64_t)time(NULL);
	return m;
}

void
ig_metrics_cpu_sample(ig_metrics *m, struct ig_cpu_times *prev)
{
	ig_cpu_times cur;
	double pct;

	if (ig_sys_cpu_read(&cur) != 0)
		return;
	if (prev->total != 0 && (pct = ig_sys_cpu_percent(prev, &cur)) >= 0) {
		__atomic_store_n(&m->cpu_centi, (int64_t)(pct * 100.0 + 0.5), __ATOMIC_RELAXED);
		__atomic_store_n(&m->cpu_sampled_at, (int64_t)time(NULL), __ATOMIC_RELAXED);
	}
	*prev = cur;
}

int
ig_long_count(const ig_metrics *m, uint64_t key)
{
	int n = 0;

	for (int i = 0; i < IG_LONG_SLOTS; i++) {
		uint64_t k = __atomic_load_n(&m->long_slots[i].key, __ATOMIC_SEQ_CST);
		n += k != 0 && (key == 0 || k == key);
	}
	return n;
}

int
ig_long_claim(ig_metrics *m, uint64_t key, pid_t pid, int cap, int *held)
{
	int slot = -1, n;

	for (int i = 0; i < IG_LONG_SLOTS && slot < 0; i++) {
		pid_t free_pid = 0;
		if (__atomic_compare_exchange_n(&m->long_slots[i].pid, &free_pid, pid, 0,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			slot = i;
	}
	if (slot < 0)
		return -1;
	/* Publish, then count: this claim and any racing one each see the
	 * other (sequentially consistent), so the cap is never passed. */
	__atomic_store_n(&m->long_slots[slot].key, key, __ATOMIC_SEQ_CST);
	n = ig_long_count(m, key);
	if (n > cap) {
		ig_long_release(m, slot + 1);
		*held = n - 1;
		return 0;
	}
	*held = n;
	return slot + 1;
}

void
ig_long_release(ig_metrics *m, int n)
{
	if (n < 1 || n > IG_LONG_SLOTS)
		return;
	__atomic_store_n(&m->long_slots[n - 1].key, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&m->long_slots[n - 1].pid, 0, __ATOMIC_SEQ_CST);
}

int
ig_long_release_pid(ig_metrics *m, pid_t pid)
{
	int n = 0;

	for (int i = 0; i < IG_LONG_SLOTS; i++) {
		if (pid > 0 && __atomic_load_n(&m->long_slots[i].pid, __ATOMIC_SEQ_CST) == pid) {
			ig_long_release(m, i + 1);
			n++;
		}
	}
	return n;
}

double
ig_metrics_bucket_bound(int i)
{
	return 50.0 * pow(1.5, i);
}

void
ig_metrics_begin(ig_metrics *m)
{
	__atomic_add_fetch(&m->in_flight, 1, __ATOMIC_RELAXED);
}

void
ig_metrics_end(ig_metrics *m, int status, int64_t us)
{
	int b = 0;

	if (us < 0)
		us = 0;
	while (b < IG_METRICS_BUCKETS - 1 && (double)us > ig_metrics_bucket_bound(b))
		b++;
	__atomic_sub_fetch(&m->in_flight, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->requests, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->latency_sum_us, (uint64_t)us, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->buckets[b], 1, __ATOMIC_RELAXED);
	if (status >= 100 && status < 600)
		__atomic_add_fetch(&m->by_status[status], 1, __ATOMIC_RELAXED);
}

double
ig_metrics_percentile_ms(const ig_metrics *m, double q)
{
	uint64_t counts[IG_METRICS_BUCKETS], total = 0;
	double rank, seen = 0;

	for (int i = 0; i < IG_METRICS_BUCKETS; i++) {
		counts[i] = __atomic_load_n(&m->buckets[i], __ATOMIC_RELAXED);
		total += counts[i];
	}
	if (total == 0)
		return 0;
	rank = q * (double)total;
	for (int i = 0; i < IG_METRICS_BUCKETS; i++) {
		if (counts[i] == 0)
			continue;
		if (seen + (double)counts[i] >= rank) {
			/* Interpolate linearly inside the bucket. */
			double lo = i == 0 ? 0 : ig_metrics_bucket_bound(i - 1);
			double hi = ig_metrics_bucket_bound(i);
			double frac = (rank - seen) / (double)counts[i];
			return (lo + (hi - lo) * frac) / 1000.0;
		}
		seen += (double)counts[i];
	}
	return ig_metrics_bucket_bound(IG_METRICS_BUCKETS - 1) / 1000.0;
}
