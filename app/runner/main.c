/*
 * main.c — imagegen-worker, the job runner (DESIGN.md "Every generation is
 * a job").
 *
 * One loop and one curl_multi handle: it claims queued jobs (FOR UPDATE
 * SKIP LOCKED), drives each provider adapter's HTTP exchanges concurrently,
 * retries what PROVIDERS.md calls retryable with exponential back-off and
 * full jitter (honouring Retry-After and the providers' hints), and hands
 * what takes CPU or may block to a small pool of threads (pool.h): builtin
 * renders, storing the images (checks, PNG metadata, fsync'ed writes,
 * thumbnails) and finishing the job, which NOTIFYs the waiting API request,
 * and the periodic tasks (webhook sends). So the loop never waits for more
 * than one short database statement: a heartbeat renews its leases on time
 * however busy the pool is; jobs of a runner that died are re-queued by any
 * runner once their lease runs out.
 *
 * The pool has IG_RUNNER_THREADS threads for jobs and one per periodic
 * task, so a slow webhook receiver holds no render. The loop claims a local
 * (builtin) job only while fewer than IG_RUNNER_THREADS are in hand: it
 * never claims work that would wait for a thread while its lease runs.
 * Pool threads write to the database themselves, through lib/db's
 * per-process pool (a statement borrows a connection for its own
 * duration, never two threads on one connection), sized so that the loop
 * never waits for a connection either.
 *
 * SIGTERM: stop claiming; calls in flight and pool work (queued or
 * running) go on until IG_DRAIN_TIMEOUT; then work the pool has not started
 * and the calls still in flight are released, and the loop goes on (and
 * heartbeats, so no lease of theirs runs out) until the pool's running
 * tasks (a render, a store: seconds) came back; last it waits for a
 * periodic task's current unit (one webhook send).
 */
#include "ig_autoconf.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "app/runner/pool.h"
#include "app/runner/transfer.h"
#include "lib/auth/outbox.h"
#include "lib/auth/secretbox.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/listen.h"
#include "lib/jobs/batch.h"
#include "lib/jobs/creative.h"
#include "lib/jobs/job.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/store.h"
#include "lib/jobs/webhook.h"

#define HEARTBEAT_MS 5000
#define IDLE_CLAIM_MS 1000
#define WEBHOOK_EVERY_MS 1000
#define WEBHOOK_BATCH 16
#define MAX_CALL_RETRIES 4
#define BACKOFF_BASE_MS 500
#define BACKOFF_CAP_MS 60000

static volatile sig_atomic_t stopping;
static char runner_id[IG_UUID_BUF];
static ig_pool *pool;

#define ACTIVE_OF(t) ((ig_active *)(void *)((char *)(t) - offsetof(ig_active, task)))

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * How often to renew leases: every 5 s, but at most a third of the lease.
 * A heartbeat as long as the lease (IG_JOB_LEASE=5 is allowed) lets a
 * live runner's leases lapse before each renewal, and another runner's
 * requeue then hands its jobs out a second time.
 */
static int64_t
heartbeat_ms(int lease_s)
{
	int64_t third = (int64_t)lease_s * 1000 / 3;

	return third < HEARTBEAT_MS ? third : HEARTBEAT_MS;
}

/* Full jitter (AWS architecture blog): uniform in [0, min(cap, base·2^n)]. */
static long
backoff_ms(int attempt)
{
	long ceiling = BACKOFF_BASE_MS;
	uint32_t r;

	for (int i = 0; i < attempt && ceiling < BACKOFF_CAP_MS; i++)
		ceiling *= 2;
	if (ceiling > BACKOFF_CAP_MS)
		ceiling = BACKOFF_CAP_MS;
	r = randombytes_uniform((uint32_t)ceiling + 1);
	return (long)r;
}

/* Turn a job's stored request into the adapter's view. */
static void
request_from_job(ig_active *a)
{
	json_object *r = a->job.request, *v;
	ig_gen_request *q = &a->req;

	memset(q, 0, sizeof(*q));
	q->model = a->job.model;
	if (json_object_object_get_ex(r, "prompt", &v))
		q->prompt = json_object_get_string(v);
	if (json_object_object_get_ex(r, "negative_prompt", &v) && v != NULL)
		q->negative_prompt = json_object_get_string(v);
	if (json_object_object_get_ex(r, "style", &v) && v != NULL)
		q->style = json_object_get_string(v);
	if (json_object_object_get_ex(r, "quality", &v) && v != NULL)
		q->quality = json_object_get_string(v);
	q->width = json_object_object_get_ex(r, "width", &v) ? json_object_get_int(v) : 1024;
	q->height = json_object_object_get_ex(r, "height", &v) ? json_object_get_int(v) : 1024;
	q->count = json_object_object_get_ex(r, "count", &v) ? json_object_get_int(v) : 1;
	if (json_object_object_get_ex(r, "seed", &v) && v != NULL) {
		q->has_seed = 1;
		q->seed = json_object_get_int64(v);
	}
	if (json_object_object_get_ex(r, "extra", &v) && v != NULL)
		q->extra = v;
	q->api_key = a->key;
}

/* Record how a job ended (failed, canceled): the job row, the log, its
 * batch. On the loop or a pool thread; the caller forgets the call. */
static void
record_fail(ig_active *a, const ig_err *err)
{
	ig_err e;

	ig_logf(IG_LOG_WARN, "job_failed", "job %s (%s): %s: %s", a->job.id, a->job.provider,
	    ig_err_name(err->code), err->message);
	ig_job_fail(&a->job, runner_id, ig_err_name(err->code), err->message, &e);
	ig_batch_item_ended(&a->job);
}

/* A call whose batch was canceled: stop the upstream work (a request to
 * the provider, up to 5 s: on the pool), record the job canceled. */
static void
record_cancel(ig_active *a)
{
	ig_err e;

	ig_runner_cancel_upstream(a);
	ig_job_cancel(&a->job, runner_id, &e);
	ig_logf(IG_LOG_INFO, "job_canceled", "job %s (batch %s)", a->job.id, a->job.batch_id);
	ig_batch_item_ended(&a->job);
}

void
ig_runner_fail(ig_runner *rn, ig_active *a, const ig_err *err)
{
	record_fail(a, err);
	ig_runner_drop(rn, a);
}

/* Hand a to the pool: run(&a->task) on a pool thread records how the job
 * ended; the loop forgets the call when the task comes back (collect). */
static void
to_pool(ig_runner *rn, ig_active *a, void (*run)(ig_pool_task *))
{
	ig_runner_park(rn, a);
	a->on_pool = 1;
	a->task.run = run;
	ig_pool_submit(pool, &a->task);
}

static void
run_cancel(ig_pool_task *t)
{
	record_cancel(ACTIVE_OF(t));
}

/* Act on cancellations requested for calls this runner holds. A call on
 * the pool already sees them: its task looks before it stores anything. */
static void
check_cancels(ig_runner *rn)
{
	char (*ids)[IG_UUID_BUF];
	int n;
	ig_err e;

	if (ig_jobs_cancel_asked(runner_id, &ids, &n, &e) != 0)
		return;
	for (int i = 0; i < n; i++) {
		ig_active *a = ig_runner_find(rn, ids[i]);
		if (a != NULL && !a->on_pool)
			to_pool(rn, a, run_cancel);
	}
	free(ids);
}

/* 1 when a's batch was canceled (then the job is recorded canceled). */
static int
canceled_now(ig_active *a)
{
	ig_err err;

	if (a->job.batch_id[0] == '\0' || ig_job_cancel_requested(&a->job, &err) != 1)
		return 0;
	record_cancel(a);
	return 1;
}

/* On a pool thread: store the call's images, finish the job, make the
 * thumbnails. */
static void
finish_done(ig_active *a)
{
	const ig_config *c = ig_cfg();
	ig_err err = { 0 };

	char (*names)[256];

	/* A batch canceled while the provider worked: keep nothing of it. */
	if (canceled_now(a))
		return;
	names = ig_xcalloc((size_t)(a->call.nimages ? a->call.nimages : 1), 256);

	for (int i = 0; i < a->call.nimages; i++) {
		ig_creative cr;
		int bad = a->req.creative != NULL && ig_creative_parse(a->job.request, &cr) ?
		    ig_creative_store(&a->job, &cr, i, a->call.images[i].data, a->call.images[i].len,
			c->max_image_pixels, &err) != 0 :
		    ig_store_image(&a->job, i, &a->call.images[i], c->max_image_pixels, names[i], &err) != 0;
		if (bad) {
			free(names);
			record_fail(a, &err);
			return;
		}
	}
	if (a->call.nimages == 0) {
		free(names);
		ig_err_set(&err, IG_E_CONTENT_FILTERED, NULL, "the provider returned no image (filtered)");
		record_fail(a, &err);
		return;
	}
	/* A creative AI job whose source was deleted meanwhile stored nothing. */
	if (a->req.creative != NULL && ig_creative_finish(&a->job, a->call.nimages, &err) != 0) {
		free(names);
		record_fail(a, &err);
		return;
	}
	ig_job_succeed(&a->job, runner_id, &err);
	ig_batch_item_ended(&a->job);
	/* The caller has its answer; the thumbnails follow. */
	for (int i = 0; i < a->call.nimages; i++)
		if (names[i][0] != '\0')
			ig_store_thumbnail(names[i], a->call.images[i].data, a->call.images[i].len,
			    c->max_image_pixels, &err);
	free(names);
	ig_logf(IG_LOG_INFO, "job_succeeded", "job %s (%s): %d image(s) in %lld ms", a->job.id,
	    a->job.provider, a->call.nimages, (long long)(ig_now_ms() - a->started_ms));
}

static void
run_finish(ig_pool_task *t)
{
	finish_done(ACTIVE_OF(t));
}

/* On a pool thread: a local (builtin) job, rendered here. */
static void
run_local(ig_pool_task *t)
{
	ig_active *a = ACTIVE_OF(t);
	ig_err err = { 0 };

	if (canceled_now(a))
		return;
	if (a->ops->local(&a->call, &err) != 0)
		record_fail(a, &err);
	else
		finish_done(a);
}

/* On a pool thread: a creative tool's job (lib/jobs/creative.h): the
 * source transformed, or (a builtin image's variations) its prompt
 * rendered anew; the results stored with their lineage. */
static void
run_creative(ig_pool_task *t)
{
	ig_active *a = ACTIVE_OF(t);
	const ig_config *c = ig_cfg();
	ig_creative cr;
	ig_err err = { 0 };
	int n = 1;

	if (canceled_now(a))
		return;
	ig_creative_parse(a->job.request, &cr);
	if (cr.render) {
		if (a->ops->local(&a->call, &err) != 0)
			goto fail;
		for (int i = 0; i < a->call.nimages; i++)
			if (ig_creative_store(&a->job, &cr, i, a->call.images[i].data, a->call.images[i].len,
			    c->max_image_pixels, &err) != 0)
				goto fail;
		n = a->call.nimages;
	} else {
		if (ig_creative_transform(&a->job, &cr, c->max_image_pixels, &err) != 0)
			goto fail;
		n = strcmp(cr.operation, "variation") == 0 ? cr.count : 1;
	}
	if (ig_creative_finish(&a->job, n, &err) != 0 || ig_job_succeed(&a->job, runner_id, &err) != 0)
		goto fail;
	ig_logf(IG_LOG_INFO, "job_succeeded", "job %s (%s %s): %d image(s) in %lld ms", a->job.id, cr.operation,
	    cr.image_id, n, (long long)(ig_now_ms() - a->started_ms));
	return;
fail:
	record_fail(a, &err);
}

/* Act on an adapter's verdict. */
static void
advance(ig_runner *rn, ig_active *a, ig_step step, ig_http_req *next, ig_err *err)
{
	switch (step) {
	case IG_STEP_DONE:
		to_pool(rn, a, run_finish);
		return;
	case IG_STEP_NEXT:
		ig_http_req_free(&a->hreq);
		a->hreq = *next;
		memset(next, 0, sizeof(*next));
		a->retries = 0;
		ig_runner_schedule(rn, a, a->hreq.delay_ms);
		return;
	case IG_STEP_RETRY: {
		long delay = backoff_ms(a->retries);
		long deadline_left = (long)(a->started_ms + (int64_t)ig_cfg()->provider_timeout * 1000 - ig_now_ms());
		if (a->call.retry_ms > delay)
			delay = a->call.retry_ms;
		a->retries++;
		if (err->code == IG_E_NONE)
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider kept failing");
		if (a->retries > MAX_CALL_RETRIES || delay >= deadline_left) {
			ig_runner_fail(rn, a, err);
			return;
		}
		ig_logf(IG_LOG_INFO, "job_retry", "job %s (%s): %s; retry %d in %ld ms", a->job.id,
		    a->job.provider, err->message, a->retries, delay);
		a->call.retry_ms = 0;
		ig_runner_schedule(rn, a, delay);
		return;
	}
	case IG_STEP_FAIL:
	default:
		if (err->code == IG_E_NONE)
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider failed");
		ig_runner_fail(rn, a, err);
		return;
	}
}

void
ig_runner_response(ig_runner *rn, ig_active *a, const ig_http_resp *resp)
{
	ig_http_req next = { 0 };
	ig_err err = { 0 };
	ig_step step = a->ops->parse(&a->call, resp, &next, &err);

	advance(rn, a, step, &next, &err);
	ig_http_req_free(&next);
}

/* Start a claimed job: key, adapter, first exchange (or local render). */
static void
start_job(ig_runner *rn, ig_job *job)
{
	ig_active *a = ig_runner_add(rn, job);
	const ig_pconf *pc = ig_pconf_get(a->job.provider);
	ig_err err = { 0 };
	ig_http_req first = { 0 };
	ig_creative cr;

	if (pc == NULL) {
		ig_err_set(&err, IG_E_INVALID_REQUEST, NULL, "unknown provider %s", a->job.provider);
		ig_runner_fail(rn, a, &err);
		return;
	}
	a->ops = pc->ops;
	a->pconf = pc;
	if (ig_job_key(&a->job, pc->api_key, &a->key, &err) != 0) {
		ig_runner_fail(rn, a, &err);
		return;
	}
	request_from_job(a);
	a->call.req = &a->req;
	a->call.base_url = pc->base_url;
	if (a->ops->local != NULL) {
		to_pool(rn, a, ig_creative_parse(a->job.request, &cr) ? run_creative : run_local);
		return;
	}
	if (ig_creative_parse(a->job.request, &cr)) {
		/* An AI path: the adapter sends the source's bytes. */
		if (ig_creative_read(cr.image_id, a->job.user_id, &a->src, &a->req.src_len,
		    &a->req.src_type, &err) != 0) {
			ig_runner_fail(rn, a, &err);
			return;
		}
		a->req.creative = cr.operation;
		a->req.src = a->src;
		a->req.strength = cr.strength;
	}
	if (a->ops->build(&a->call, &first, &err) != 0) {
		ig_http_req_free(&first);
		ig_runner_fail(rn, a, &err);
		return;
	}
	a->hreq = first;
	ig_runner_schedule(rn, a, 0);
}

/* Claim while there is room. Returns 1 when work may still be waiting
 * (it stopped at a cap, not at an empty queue), so the loop claims again
 * as soon as a call ends instead of waiting for the next tick. */
static int
claim_jobs(ig_runner *rn)
{
	const ig_config *c = ig_cfg();
	const char *busy[32];
	ig_err err;

	while (!stopping) {
		ig_job job;
		int nb = 0, rc, local = 0;

		/* Local jobs run on the pool: no more in hand than its threads. */
		for (int i = 0; ig_providers[i] != NULL; i++)
			if (ig_providers[i]->local != NULL)
				local += ig_runner_count(rn, ig_providers[i]->name);
		for (int i = 0; ig_providers[i] != NULL && nb < 31; i++) {
			const ig_pconf *pc = ig_pconf_get(ig_providers[i]->name);
			if ((pc != NULL && ig_runner_count(rn, ig_providers[i]->name) >= pc->concurrency) ||
			    (ig_providers[i]->local != NULL && local >= c->runner_threads))
				busy[nb++] = ig_providers[i]->name;
		}
		busy[nb] = NULL;
		if (ig_runner_count(rn, NULL) >= c->runner_concurrency)
			return 1;
		rc = ig_job_claim(runner_id, busy, c->job_lease, &job, &err);
		if (rc <= 0)
			return rc == 0 && nb > 0;
		ig_logf(IG_LOG_INFO, "job_claimed", "job %s (%s), attempt %d", job.id, job.provider, job.attempts);
		start_job(rn, &job);
	}
	return 0;
}

/* What the loop listens for, and the bits of ig_listen_drain. */
static const char *const channels[] = { IG_JOB_CHANNEL_QUEUED, IG_JOB_CHANNEL_CANCEL, NULL };
#define WOKE_QUEUED 1
#define WOKE_CANCEL 2

/*
 * Periodic tasks: each runs on a pool thread of its own every every_ms at
 * most, one run at a time, never while draining. A new one (mail to send,
 * a sweep) is one function and one line in the table; it may block (each
 * has its thread) but should look at `stopping` between units of work so
 * a drain does not wait for a whole round.
 */
typedef struct periodic {
	ig_pool_task task;      /* first: collect tells periodic tasks apart by it */
	const char *name;
	int every_ms;
	void (*fn)(void);
	int64_t last_ms;
	int busy;
} periodic;

/* Due webhooks, one send at a time (up to 10 s each, DNS included). */
static void
send_webhooks(void)
{
	ig_err e;

	for (int i = 0; i < WEBHOOK_BATCH && !stopping; i++) {
		int sent = ig_webhook_deliver_due(runner_id, 1, &e);
		if (sent < 0)
			ig_logf(IG_LOG_WARN, "webhooks_failed", "%s", e.message);
		if (sent <= 0)
			return;
	}
}

/* Mail queued by requests (lib/auth/outbox.c: password resets, email
 * changes), one message at a time. An SMTP server that is down costs one
 * failed attempt a round (the round stops at a failure), then the message
 * waits for its back-off. */
#define MAIL_EVERY_MS 1000
#define MAIL_BATCH 10

static void
send_mail(void)
{
	const ig_config *c = ig_cfg();
	ig_err e;

	if (c->smtp_url == NULL || c->smtp_url[0] == '\0')
		return;
	for (int i = 0; i < MAIL_BATCH && !stopping; i++) {
		int sent = ig_outbox_send_due(c->smtp_url, c->smtp_from, 1, &e);
		if (sent < 0)
			ig_logf(IG_LOG_WARN, "mail_round_failed", "%s", e.message);
		if (sent <= 0)
			return;
	}
}

static periodic periodics[] = {
	{ .name = "webhooks", .every_ms = WEBHOOK_EVERY_MS, .fn = send_webhooks },
	{ .name = "mail", .every_ms = MAIL_EVERY_MS, .fn = send_mail },
};
#define NPERIODIC ((int)(sizeof(periodics) / sizeof(periodics[0])))

static void
run_periodic(ig_pool_task *t)
{
	((periodic *)(void *)t)->fn();
}

static void
start_periodic(int64_t now)
{
	for (int i = 0; i < NPERIODIC; i++) {
		periodic *pt = &periodics[i];
		if (pt->busy || now - pt->last_ms < pt->every_ms)
			continue;
		pt->busy = 1;
		pt->task.run = run_periodic;
		ig_pool_submit(pool, &pt->task);
	}
}

/* Take back what the pool finished: forget the calls whose job it
 * recorded; release the ones it never started (the pool stopped). */
static void
collect(ig_runner *rn)
{
	ig_pool_task *t;
	ig_err e;

	while ((t = ig_pool_collect(pool)) != NULL) {
		ig_active *a;
		if (t->run == run_periodic) {
			((periodic *)(void *)t)->busy = 0;
			((periodic *)(void *)t)->last_ms = ig_now_ms();
			continue;
		}
		a = ACTIVE_OF(t);
		if (!t->ran) {
			ig_logf(IG_LOG_INFO, "job_released", "job %s back to the queue", a->job.id);
			ig_job_release(&a->job, runner_id, &e);
		}
		ig_runner_drop(rn, a);
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: imagegen-worker [--help] [--version]\n\n"
	    "The imagegen job runner: claims generation jobs from PostgreSQL\n"
	    "(IG_DATABASE_URL), calls the providers, stores images in the image store (IG_IMAGE_BACKEND).\n"
	    "Run any number of them, on any number of hosts. SIGTERM finishes what is\n"
	    "in flight (up to IG_DRAIN_TIMEOUT seconds) and releases the rest.\n");
}

int
main(int argc, char **argv)
{
	char err[512], host[256] = "unknown";
	const ig_config *c;
	ig_runner *rn;
	ig_err e;
	int64_t last_beat = 0, last_claim = 0, drain_deadline = 0;
	ig_listener *listening;
	int more_waiting = 0, claimed_count = 0, fds[2], closed = 0, rc;

	if ((rc = ig_daemon_args("imagegen-worker", argc, argv, usage)) >= 0)
		return rc;
	if (ig_config_start("imagegen-worker") != 0)
		return 2;
	if (ig_pconf_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "imagegen-worker: configuration error: %s\n", err);
		return 2;
	}
	c = ig_cfg();
	if (!c->secret_key_set || ig_secretbox_setup(c->secret_key) != 0) {
		fprintf(stderr, "imagegen-worker: IG_SECRET_KEY: required, 64 hex digits (32 bytes)\n");
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	gethostname(host, sizeof(host) - 1);
	ig_db_setup(c->database_url, c->db_timeout_ms, "imagegen-worker");
	/* A pooled connection for each thread that runs statements (the loop,
	 * the pool's), so none waits for another's; the loop has one more of
	 * its own for LISTEN. */
	ig_db_set_pool(1 + c->runner_threads + NPERIODIC);
	/* Wait for the database rather than die at boot (docker-compose). */
	while (ig_runner_register(host, (int)getpid(), PACKAGE_VERSION, runner_id, &e) != 0) {
		if (stopping)
			return 0;
		ig_logf(IG_LOG_WARN, "register_failed", "%s; retrying", e.message);
		sleep(2);
	}
	pool = ig_pool_new(c->runner_threads + NPERIODIC);
	if (pool == NULL) {
		fprintf(stderr, "imagegen-worker: cannot start the runner's threads\n");
		ig_runner_unregister(runner_id, &e);
		return 1;
	}
	rn = ig_runner_new();
	listening = ig_listen_new(channels);
	ig_logf(IG_LOG_INFO, "started", "runner %s on %s, %d calls at most, %d threads", runner_id, host,
	    c->runner_concurrency, c->runner_threads);

	for (;;) {
		int64_t now = ig_now_ms(), wait;
		int woke;

		if (stopping && drain_deadline == 0) {
			drain_deadline = now + (int64_t)c->drain_timeout * 1000;
			ig_logf(IG_LOG_INFO, "draining", "%d call(s) in flight", ig_runner_count(rn, NULL));
		}
		if (stopping && !closed && now >= drain_deadline) {
			/* Past the deadline: release what has not started; what runs
			 * on the pool ends, under heartbeats, and comes back. */
			closed = 1;
			ig_pool_close(pool);
			ig_runner_release_all(rn, runner_id);
		}
		if (stopping && ig_runner_count(rn, NULL) == 0)
			break;
		if (now - last_beat >= heartbeat_ms(c->job_lease)) {
			const char **held = ig_runner_held(rn);
			if (ig_runner_heartbeat(runner_id, held, c->job_lease, &e) == 0)
				ig_jobs_requeue_expired(&e);
			free(held);
			ig_listen_ensure(listening);
			last_beat = now;
		}
		woke = (int)ig_listen_drain(listening);
		if ((woke & WOKE_CANCEL) || now - last_beat == 0)
			check_cancels(rn);
		if (!stopping && ((woke & WOKE_QUEUED) || now - last_claim >= IDLE_CLAIM_MS ||
		    (more_waiting && ig_runner_count(rn, NULL) < claimed_count))) {
			more_waiting = claim_jobs(rn);
			claimed_count = ig_runner_count(rn, NULL);
			last_claim = ig_now_ms();
		}
		/* Webhook sends and other periodic work: on the pool. */
		if (!stopping)
			start_periodic(now);
		fds[0] = ig_listen_fd(listening);
		fds[1] = ig_pool_fd(pool);
		/* Wake for the next heartbeat on time, not up to a claim tick late. */
		wait = last_beat + heartbeat_ms(c->job_lease) - ig_now_ms();
		ig_runner_poll(rn, fds, 2, wait < 0 ? 0 : wait < IDLE_CLAIM_MS ? (int)wait : IDLE_CLAIM_MS);
		collect(rn);
	}
	/* Nothing is held any more; a periodic task may still be in its
	 * current send. */
	ig_pool_stop(pool);
	collect(rn);
	ig_pool_free(pool);
	ig_runner_free(rn);
	ig_listen_free(listening);
	ig_runner_unregister(runner_id, &e);
	ig_db_close();
	curl_global_cleanup();
	ig_logf(IG_LOG_INFO, "stopped", "runner %s", runner_id);
	return 0;
}
