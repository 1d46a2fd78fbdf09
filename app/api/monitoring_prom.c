/*
 * monitoring_prom.c — GET /metrics: the host's figures in the Prometheus
 * text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * "# HELP" and "# TYPE" lines, then "name{label="value"} number" samples.
 *
 * The pipeline answers JSON only, so this is a streamed handler
 * (ig_stream_begin/write): it builds the whole text, then sends it once.
 * Who may read it: a request nginx received on loopback (a scraper on the
 * host), or an administrator's token from anywhere; nginx passes every
 * /metrics request here and this check decides.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/api/api.h"
#include "app/api/monitoring.h"
#include "app/fcgi/pipeline.h"
#include "lib/jobs/queue.h"

static void
header(ig_buf *b, const char *name, const char *type, const char *help)
{
	ig_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
requests(ig_buf *b, const ig_metrics *m)
{
	uint64_t counts[IG_METRICS_BUCKETS], cum = 0;
	double sum_s = (double)__atomic_load_n(&m->latency_sum_us, __ATOMIC_RELAXED) / 1e6;

	header(b, "imagegen_http_requests_total", "counter", "HTTP requests answered by the app, by status.");
	for (int s = 100; s < 600; s++) {
		uint64_t n = __atomic_load_n(&m->by_status[s], __ATOMIC_RELAXED);
		if (n != 0)
			ig_buf_printf(b, "imagegen_http_requests_total{status=\"%d\"} %llu\n", s, (unsigned long long)n);
	}
	/* The last bucket of the shared histogram is open-ended: it is +Inf.
	 * _count is the buckets' own total, so the histogram stays consistent
	 * while other workers count. */
	for (int i = 0; i < IG_METRICS_BUCKETS; i++)
		counts[i] = __atomic_load_n(&m->buckets[i], __ATOMIC_RELAXED);
	header(b, "imagegen_http_request_duration_seconds", "histogram",
	    "Time from reading a request to its last byte, in seconds.");
	for (int i = 0; i < IG_METRICS_BUCKETS - 1; i++) {
		cum += counts[i];
		ig_buf_printf(b, "imagegen_http_request_duration_seconds_bucket{le=\"%.6g\"} %llu\n",
		    ig_metrics_bucket_bound(i) / 1e6, (unsigned long long)cum);
	}
	cum += counts[IG_METRICS_BUCKETS - 1];
	ig_buf_printf(b, "imagegen_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	ig_buf_printf(b, "imagegen_http_request_duration_seconds_sum %.6f\n", sum_s);
	ig_buf_printf(b, "imagegen_http_request_duration_seconds_count %llu\n", (unsigned long long)cum);
}

static void
process_figures(ig_buf *b, const ig_metrics *m)
{
	int workers = 0;

	for (int i = 0; i < IG_METRICS_MAX_WORKERS; i++)
		workers += m->workers[i].pid != 0;
	header(b, "imagegen_http_requests_in_flight", "gauge", "Requests being served now.");
	ig_buf_printf(b, "imagegen_http_requests_in_flight %llu\n",
	    (unsigned long long)__atomic_load_n(&m->in_flight, __ATOMIC_RELAXED));
	header(b, "imagegen_long_requests", "gauge",
	    "Long requests (streams, generation waits, LLM calls) held now on this host.");
	ig_buf_printf(b, "imagegen_long_requests %d\n", ig_long_count(m, 0));
	header(b, "imagegen_workers", "gauge", "FastCGI worker processes running.");
	ig_buf_printf(b, "imagegen_workers %d\n", workers);
	header(b, "imagegen_worker_restarts_total", "counter", "Workers that died and were replaced.");
	ig_buf_printf(b, "imagegen_worker_restarts_total %llu\n",
	    (unsigned long long)__atomic_load_n(&m->worker_restarts, __ATOMIC_RELAXED));
	header(b, "imagegen_uptime_seconds", "gauge", "Seconds since the master mapped the metrics block.");
	ig_buf_printf(b, "imagegen_uptime_seconds %lld\n", (long long)((int64_t)time(NULL) - m->started));
	if (__atomic_load_n(&m->cpu_sampled_at, __ATOMIC_RELAXED) != 0) {
		header(b, "imagegen_host_cpu_usage_percent", "gauge", "Host CPU busy share over the last second.");
		ig_buf_printf(b, "imagegen_host_cpu_usage_percent %.2f\n",
		    (double)__atomic_load_n(&m->cpu_centi, __ATOMIC_RELAXED) / 100.0);
	}
}

/* Jobs by status and live runners, from the database; left out (not
 * reported as zero) when it cannot be asked. */
static void
database_figures(ig_buf *b)
{
	static const char *const statuses[] = { "queued", "running", "succeeded", "failed", "canceled" };
	enum { NSTATUS = sizeof(statuses) / sizeof(statuses[0]) };
	long long counts[NSTATUS];
	ig_runner_seen *rs = NULL;
	ig_err err;
	int n = 0, db_ok;

	if (ig_jobs_by_status(statuses, NSTATUS, counts, &err) == 0) {
		header(b, "imagegen_jobs", "gauge", "Generation jobs in the database, by status.");
		for (size_t s = 0; s < NSTATUS; s++)
			ig_buf_printf(b, "imagegen_jobs{status=\"%s\"} %lld\n", statuses[s], counts[s]);
	}
	db_ok = ig_runners_live(30, &rs, &n, &err) == 0;
	if (db_ok) {
		header(b, "imagegen_runners_active", "gauge", "Job runners with a heartbeat in the last 30 s.");
		ig_buf_printf(b, "imagegen_runners_active %d\n", n);
	}
	free(rs);
	header(b, "imagegen_database_up", "gauge", "1 when the last database query of this scrape worked.");
	ig_buf_printf(b, "imagegen_database_up %d\n", db_ok);
}

int
ig_api_metrics(ig_req *req, json_object **out, ig_err *err)
{
	const ig_metrics *m = ig_pipeline_metrics();
	ig_buf b = { 0 };

	(void)out;

	if (!ig_monitoring_loopback(req) && !req->caller.is_admin) {
		if (!req->caller.authenticated) {
			ig_req_add_header(req, "WWW-Authenticate", "Bearer");
			return ig_err_set(err, IG_E_UNAUTHORIZED, NULL,
			    "/metrics needs an administrator's token from outside this host");
		}
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "/metrics is for administrators");
	}
	requests(&b, m);
	process_figures(&b, m);
	database_figures(&b);
	if (ig_stream_begin(req->stream, 200, "text/plain; version=0.0.4; charset=utf-8", NULL) == 0 &&
	    strcmp(req->method, "HEAD") != 0)
		(void)ig_stream_write(req->stream, b.data, b.len);
	ig_buf_free(&b);
	return IG_STREAMED;
}
