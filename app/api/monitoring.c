/*
 * monitoring.c — GET /api/monitoring/performance-metrics (admin): figures
 * from the shared metrics block, so they count every worker on this host;
 * GET /api/monitoring/system-stats (admin): the host's CPU (sampled by the
 * master), memory, image-disk usage and load. api-health, events and
 * /metrics live in monitoring_health.c, monitoring_events.c and
 * monitoring_prom.c.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/api/api.h"
#include "app/api/monitoring.h"
#include "app/fcgi/pipeline.h"
#include "lib/core/config.h"
#include "lib/core/sysstat.h"

int
ig_monitoring_loopback(const ig_req *req)
{
	const char *a = req->remote_addr;

	return a != NULL && (strcmp(a, "127.0.0.1") == 0 || strcmp(a, "::1") == 0);
}

json_object *
ig_monitoring_num(double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.2f", v);
	return json_object_new_double_s(v, buf);
}

/* The seed's "5 days, 14 hours"; finer units for a young process. */
static void
uptime_text(int64_t s, char *out, size_t len)
{
	int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;

	if (d > 0)
		snprintf(out, len, "%lld day%s, %lld hour%s", (long long)d, d == 1 ? "" : "s",
		    (long long)h, h == 1 ? "" : "s");
	else if (h > 0)
		snprintf(out, len, "%lld hour%s, %lld minute%s", (long long)h, h == 1 ? "" : "s",
		    (long long)m, m == 1 ? "" : "s");
	else
		snprintf(out, len, "%lld minute%s, %lld second%s", (long long)m, m == 1 ? "" : "s",
		    (long long)sec, sec == 1 ? "" : "s");
}

#define ms ig_monitoring_num

int
ig_api_performance_metrics(ig_req *req, json_object **out, ig_err *err)
{
	const ig_metrics *m = ig_pipeline_metrics();
	uint64_t total = __atomic_load_n(&m->requests, __ATOMIC_RELAXED), errors = 0;
	uint64_t sum = __atomic_load_n(&m->latency_sum_us, __ATOMIC_RELAXED);
	int64_t up = (int64_t)time(NULL) - m->started;
	json_object *o = json_object_new_object(), *by = json_object_new_object(), *workers;
	char text[64];

	(void)req;
	(void)err;
	for (int s = 100; s < 600; s++) {
		uint64_t n = __atomic_load_n(&m->by_status[s], __ATOMIC_RELAXED);
		char key[8];
		if (n == 0)
			continue;
		if (s >= 500)
			errors += n;
		snprintf(key, sizeof(key), "%d", s);
		json_object_object_add(by, key, json_object_new_int64((int64_t)n));
	}
	uptime_text(up, text, sizeof(text));
	json_object_object_add(o, "avg_response_time", ms(total ? (double)sum / (double)total / 1000.0 : 0));
	json_object_object_add(o, "total_requests", json_object_new_int64((int64_t)total));
	/* Server errors (5xx) over all answered requests. */
	json_object_object_add(o, "error_rate", json_object_new_double(total ? (double)errors / (double)total : 0));
	json_object_object_add(o, "uptime", json_object_new_string(text));
	json_object_object_add(o, "uptime_seconds", json_object_new_int64(up));
	json_object_object_add(o, "p50_ms", ms(ig_metrics_percentile_ms(m, 0.50)));
	json_object_object_add(o, "p95_ms", ms(ig_metrics_percentile_ms(m, 0.95)));
	json_object_object_add(o, "p99_ms", ms(ig_metrics_percentile_ms(m, 0.99)));
	json_object_object_add(o, "by_status", by);
	json_object_object_add(o, "in_flight", json_object_new_int64((int64_t)__atomic_load_n(&m->in_flight, __ATOMIC_RELAXED)));
	json_object_object_add(o, "worker_restarts",
	    json_object_new_int64((int64_t)__atomic_load_n(&m->worker_restarts, __ATOMIC_RELAXED)));
	workers = json_object_new_array();
	for (int i = 0; i < IG_METRICS_MAX_WORKERS; i++) {
		json_object *w;
		if (m->workers[i].pid == 0)
			continue;
		w = json_object_new_object();
		json_object_object_add(w, "pid", json_object_new_int(m->workers[i].pid));
		json_object_object_add(w, "requests", json_object_new_int64((int64_t)m->workers[i].requests));
		json_object_array_add(workers, w);
	}
	json_object_object_add(o, "workers", workers);
	*out = o;
	return 200;
}

/* A percentage, or null when the figure could not be read. */
static json_object *
pct_or_null(double v)
{
	return v < 0 ? NULL : ig_monitoring_num(v > 100 ? 100 : v);
}

/*
 * GET /api/monitoring/system-stats. cpu_usage is the master's last
 * one-second sample (null for the first second after a start, and when the
 * sample is older than 10 s: a stuck master must not report a stale
 * figure); memory_usage is (MemTotal - MemAvailable) / MemTotal; disk_usage
 * is the share of IG_IMAGE_DIR's file system in use (as df counts it).
 */
int
ig_api_system_stats(ig_req *req, json_object **out, ig_err *err)
{
	const ig_metrics *m = ig_pipeline_metrics();
	int64_t at = __atomic_load_n(&m->cpu_sampled_at, __ATOMIC_RELAXED);
	double cpu = -1, disk = -1, load[3];
	uint64_t mem_total = 0, fr, tot;
	json_object *o, *la;
	char ts[40];

	(void)req;
	(void)err;
	if (at != 0 && (int64_t)time(NULL) - at <= 10)
		cpu = (double)__atomic_load_n(&m->cpu_centi, __ATOMIC_RELAXED) / 100.0;
	if (ig_sys_disk(ig_cfg()->image_dir, &fr, &tot) == 0 && tot > 0)
		disk = 100.0 * (double)(tot - fr) / (double)tot;
	ig_rfc3339_now(ts, sizeof(ts));
	o = ig_ok(NULL, NULL);
	json_object_object_add(o, "cpu_usage", pct_or_null(cpu));
	json_object_object_add(o, "memory_usage", pct_or_null(ig_sys_mem_percent(&mem_total)));
	json_object_object_add(o, "disk_usage", pct_or_null(disk));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	if (ig_sys_loadavg(load) == 0) {
		la = json_object_new_array();
		for (int i = 0; i < 3; i++)
			json_object_array_add(la, ig_monitoring_num(load[i]));
	} else {
		la = NULL;
	}
	json_object_object_add(o, "load_average", la);
	json_object_object_add(o, "memory_total_bytes", json_object_new_int64((int64_t)mem_total));
	*out = o;
	return 200;
}
