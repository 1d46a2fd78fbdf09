/*
 * test_runner_pool.c — the runner's loop never blocks (issue 10, item 2).
 *
 * Two runners (the stack's and one started here) share a batch of 12
 * prompts × 4 builtin images at 2048×2048 (48 renders of ~0.8 s each)
 * with per-item webhooks to a receiver that answers each after 6 s, under
 * the test stack's 5 s lease (IG_JOB_LEASE). A runner whose loop renders,
 * stores or sends webhooks itself stops heartbeating for seconds at a
 * time: its leases run out, the other runner re-queues its jobs and they
 * run twice. With the runner's pool none of that happens:
 *
 *   - every item ends exactly once: 50 jobs succeeded, 4 images each;
 *   - no job is claimed twice: jobs.attempts, which each claim counts
 *     (UPDATE … attempts = attempts + 1 in ig_job_claim; builtin jobs are
 *     never retried, and no runner is stopped here), is 1 for every item;
 *   - each runner's heartbeat keeps its period: runners.heartbeat_at is
 *     sampled every 100 ms all through the batch and the largest gap
 *     between two heartbeats (or from the last one to the end) stays
 *     below the lease.
 *
 * The figures (largest gap per runner, claims, the batch's time, webhooks
 * sent meanwhile) are printed. IG_TEST_POOL_PROMPTS (default 30) sets the
 * batch's size.
 *
 * The workload is the smallest that still fails on a runner without the
 * pool (the loop doing the work itself, as before app/runner/pool.c): 8
 * prompts there gave heartbeat gaps of 19-22 s against the 5 s lease, each
 * receiver answer alone (6 s) is longer than the lease, and a runner holds
 * more than one job's renders (4 x 0.8 s) back to back. The batch must last
 * longer than the first item plus one receiver answer, so that a webhook is
 * sent while it runs: 12 prompts did (about 15 s on an idle 2-core machine)
 * until the renderer got about three times faster (issue 16: a 2048 render
 * is ~0.25 s of CPU), when the batch took 7.8 s and no webhook ended within
 * it; 30 prompts keep it near 15 s. The suite used 50 prompts and a 9 s
 * receiver (about 60-140 s of batch).
 *
 * And with renders on the pool, a batch's cancellation still stops them
 * and SIGTERM still drains: every job ends once, none is left running
 * under a runner that is gone.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tests/integration/itest.h"

#define IMAGES 4
#define SIDE "2048x2048"
#define RECEIVER_DELAY_S 6
#define MAX_RUNNERS 8
/* sigterm_drains_the_pool's batch: enough for both runners to hold jobs
 * (each holds at most IG_RUNNER_THREADS), few enough that the stack's
 * runner finishes the rest quickly (it was 12). */
#define DRAIN_PROMPTS 6

/* POST body to the webhook receiver's /_control. */
static void
receiver_control(const char *body)
{
	char url[512], *slash;
	it_resp r;

	snprintf(url, sizeof(url), "%s", it_env("IG_TEST_WEBHOOK_URL"));
	slash = strstr(url + strlen("http://"), "/");
	ck_assert_ptr_nonnull(slash);
	snprintf(slash, sizeof(url) - (size_t)(slash - url), "/_control");
	it_http_ex(url, "POST", "", body, strlen(body), (const char *const[]){ "Content-Type: application/json", NULL },
	    10, &r);
	ck_assert_msg(r.status == 200, "receiver control: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
}

/* What is known of one runner's heartbeats. */
typedef struct beats {
	char id[40];
	double last;       /* heartbeat_at of the last one seen (epoch s) */
	double max_gap;    /* between two seen, or the last one and now */
	int seen;          /* distinct heartbeats observed */
} beats;

/* One sample of both runners' heartbeat_at (rows with those pids). */
static void
sample(PGconn *db, const char *pids, beats *b, int *nb)
{
	const char *p[1] = { pids };
	PGresult *r = PQexecParams(db, "SELECT id::text, extract(epoch FROM heartbeat_at)::float8,"
	    " extract(epoch FROM clock_timestamp())::float8 FROM runners WHERE pid = ANY ($1::int[])",
	    1, NULL, p, NULL, NULL, 0);

	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "sample: %s", PQerrorMessage(db));
	for (int i = 0; i < PQntuples(r); i++) {
		const char *id = PQgetvalue(r, i, 0);
		double hb = atof(PQgetvalue(r, i, 1)), now = atof(PQgetvalue(r, i, 2));
		beats *x = NULL;

		for (int j = 0; j < *nb; j++)
			if (strcmp(b[j].id, id) == 0)
				x = &b[j];
		if (x == NULL) {
			ck_assert_int_lt(*nb, MAX_RUNNERS);
			x = &b[(*nb)++];
			snprintf(x->id, sizeof(x->id), "%s", id);
			x->last = hb;
		}
		if (hb > x->last) {
			if (hb - x->last > x->max_gap)
				x->max_gap = hb - x->last;
			x->last = hb;
			x->seen++;
		}
		/* A runner that stopped beating shows it before its next beat. */
		if (now - x->last > x->max_gap)
			x->max_gap = now - x->last;
	}
	PQclear(r);
}

static int
remaining(PGconn *db, const char *batch)
{
	const char *p[1] = { batch };
	PGresult *r = PQexecParams(db, "SELECT count(*) FROM jobs WHERE batch_id = $1::uuid"
	    " AND status IN ('queued', 'running')", 1, NULL, p, NULL, NULL, 0);
	int n;

	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "remaining: %s", PQerrorMessage(db));
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

/* Submit n builtin prompts of count images at side (a batch) from token;
 * extra is more of the body (may be ""). Returns the batch id. */
static char *
submit_builtin(const char *token, int n, const char *side, int count, const char *extra)
{
	ig_buf list = { 0 };
	it_resp r;
	json_object *o;
	char *id;
	static int seq;

	ig_buf_puts(&list, "[");
	for (int i = 0; i < n; i++)
		ig_buf_printf(&list, "%s\"pool %d-%d #%d\"", i ? ", " : "", (int)getpid(), seq, i);
	ig_buf_puts(&list, "]");
	seq++;
	it_json(&r, "127.0.66.1", "POST", "/api/batch/generate", token,
	    "{\"prompts\": %s, \"settings\": {\"api_provider\": \"builtin\", \"image_size\": \"%s\","
	    " \"image_count\": %d}%s}", list.data, side, count, extra);
	ck_assert_msg(r.status == 202, "submit: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	id = ig_xstrdup(it_sql_safe(it_jstr(o, "batch_id", NULL)));
	json_object_put(o);
	it_resp_free(&r);
	free(list.data);
	return id;
}

/* Wait (10 minutes at most) until no item of batch is queued or running. */
static void
wait_ended(PGconn *db, const char *batch)
{
	for (int i = 0; remaining(db, batch) > 0; i++) {
		ck_assert_msg(i < 2400, "batch %s did not end in 10 minutes", batch);
		it_sleep_ms(250);
	}
}

/* No job of batch was claimed twice (a canceled one may never have been),
 * and each has its images: count if it succeeded, none otherwise. */
static void
assert_each_once(const char *batch, int count)
{
	char *v = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND attempts > 1", batch);

	ck_assert_msg(strcmp(v, "0") == 0, "%s job(s) of batch %s claimed more than once", v, batch);
	free(v);
	v = it_psql("SELECT count(*) FROM (SELECT j.id FROM jobs j LEFT JOIN images i ON i.job_id = j.id"
	    " WHERE j.batch_id = '%s' GROUP BY j.id, j.status"
	    " HAVING count(i.id) <> CASE WHEN j.status = 'succeeded' THEN %d ELSE 0 END) x", batch, count);
	ck_assert_msg(strcmp(v, "0") == 0, "%s item(s) of batch %s with the wrong number of images", v, batch);
	free(v);
}

/* The runners row of the runner with pid, waiting for it to register. */
static char *
runner_of(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		char *v = it_psql("SELECT coalesce(max(id::text), '') FROM runners WHERE pid = %d", (int)pid);
		if (v[0] != '\0')
			return v;
		free(v);
		it_sleep_ms(100);
	}
	ck_abort_msg("runner %d did not register", (int)pid);
	return NULL;
}

START_TEST(busy_runners_keep_their_leases)
{
	const char *env_n = getenv("IG_TEST_POOL_PROMPTS");
	int n = env_n != NULL && atoi(env_n) > 0 ? atoi(env_n) : 30, lease = atoi(it_env("IG_JOB_LEASE")), nb = 0;
	char name[64], pids[64], *token, *id, *v, extra[512];
	beats b[MAX_RUNNERS];
	PGconn *db;
	pid_t other;
	FILE *f;
	long stack_pid = 0, hooks_before = 0, hooks_during;
	int64_t t0, t1;

	memset(b, 0, sizeof(b));
	db = PQconnectdb(it_env("IG_DATABASE_URL"));
	ck_assert_msg(PQstatus(db) == CONNECTION_OK, "database: %s", PQerrorMessage(db));
	snprintf(name, sizeof(name), "%s/run/worker.pid", it_env("IG_TEST_STACK"));
	f = fopen(name, "r");
	ck_assert_msg(f != NULL && fscanf(f, "%ld", &stack_pid) == 1, "no runner in the stack (%s)", name);
	fclose(f);
	other = it_runner_start("worker-pool.log");
	snprintf(pids, sizeof(pids), "{%ld,%ld}", stack_pid, (long)other);

	snprintf(name, sizeof(name), "{\"delay\": %d}", RECEIVER_DELAY_S);
	receiver_control(name);
	token = it_new_user("rp", "127.0.66.1", name);
	v = it_psql("SELECT count(*) FROM webhook_deliveries WHERE attempts > 0");
	hooks_before = atol(v);
	free(v);

	/* Both runners beat before the batch arrives. */
	for (int i = 0; i < 100 && nb < 2; i++) {
		sample(db, pids, b, &nb);
		it_sleep_ms(100);
	}
	ck_assert_msg(nb == 2, "the second runner did not register (%d runner(s) seen)", nb);
	for (int i = 0; i < nb; i++)
		b[i].max_gap = 0;

	t0 = ig_now_ms();
	snprintf(extra, sizeof(extra), ", \"callback_url\": \"%s\", \"webhook_per_item\": true",
	    it_env("IG_TEST_WEBHOOK_URL"));
	id = submit_builtin(token, n, SIDE, IMAGES, extra);

	/* Sample until every item ended (20 minutes at most). */
	while (remaining(db, id) > 0) {
		ck_assert_msg(ig_now_ms() - t0 < 1200 * 1000, "batch %s did not end in 20 minutes", id);
		sample(db, pids, b, &nb);
		it_sleep_ms(100);
	}
	t1 = ig_now_ms();
	sample(db, pids, b, &nb);
	v = it_psql("SELECT count(*) FROM webhook_deliveries WHERE attempts > 0");
	hooks_during = atol(v) - hooks_before;
	free(v);
	/* The stack as it was before any assertion can end the test. */
	receiver_control("{\"delay\": 0}");
	kill(other, SIGTERM);
	waitpid(other, NULL, 0);

	/* The figures first, so that a failure shows them too. */
	{
		char *claims = it_psql("SELECT coalesce(sum(attempts), 0) FROM jobs WHERE batch_id = '%s'", id);
		char *twice = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND attempts > 1", id);
		char *per_runner = it_psql("SELECT string_agg(c::text, '+') FROM (SELECT count(*) c FROM jobs"
		    " WHERE batch_id = '%s' GROUP BY runner_id) x", id);

		printf("runner pool: %d prompts x %d images at " SIDE ", receiver delay %d s, lease %d s:"
		    " batch %.1f s; claims %s for %d items (%s claimed twice); items per runner %s;"
		    " webhooks sent meanwhile %ld\n", n, IMAGES, RECEIVER_DELAY_S, lease, (double)(t1 - t0) / 1000.0,
		    claims, n, twice, per_runner ? per_runner : "?", hooks_during);
		for (int i = 0; i < nb; i++)
			printf("runner pool: runner %s: %d heartbeats, max gap %.2f s (lease %d s)\n", b[i].id, b[i].seen,
			    b[i].max_gap, lease);
		fflush(stdout);
		ck_assert_msg(strcmp(twice, "0") == 0, "%s job(s) claimed twice (claims %s for %d items)", twice, claims, n);
		free(claims);
		free(twice);
		free(per_runner);
	}
	for (int i = 0; i < nb; i++)
		ck_assert_msg(b[i].max_gap < lease, "runner %s went %.2f s without a heartbeat (lease %d s)", b[i].id,
		    b[i].max_gap, lease);

	/* Every item ended exactly once, with all its images. */
	v = it_psql("SELECT count(*) FILTER (WHERE status = 'succeeded') || '/' || count(*) FROM jobs"
	    " WHERE batch_id = '%s'", id);
	{
		char want[32];
		snprintf(want, sizeof(want), "%d/%d", n, n);
		ck_assert_str_eq(v, want);
	}
	free(v);
	assert_each_once(id, IMAGES);
	v = it_psql("SELECT count(*) FROM batches WHERE id = '%s' AND completed_at IS NOT NULL", id);
	ck_assert_str_eq(v, "1");
	free(v);
	/* The slow receiver was being served while the batch ran. */
	ck_assert_msg(hooks_during > 0, "no webhook was sent during the batch");
	PQfinish(db);
	free(id);
	free(token);
}
END_TEST

/* A batch canceled while its renders run on the pool: the items not yet
 * rendered end canceled, none keeps running, none runs twice, and no
 * image is stored after the cancellation. */
START_TEST(cancel_reaches_renders_on_the_pool)
{
	char name[64], path[128], *token, *id, *v, *before, *after;
	PGconn *db = PQconnectdb(it_env("IG_DATABASE_URL"));
	it_resp r;

	ck_assert_msg(PQstatus(db) == CONNECTION_OK, "database: %s", PQerrorMessage(db));
	receiver_control("{\"delay\": 0}");
	token = it_new_user("rc", "127.0.66.2", name);
	id = submit_builtin(token, 16, SIDE, IMAGES, "");
	for (int i = 0;; i++) {
		ck_assert_msg(i < 1200, "no item of batch %s succeeded in 5 minutes", id);
		v = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'succeeded'", id);
		if (strcmp(v, "0") != 0)
			break;
		free(v);
		it_sleep_ms(250);
	}
	free(v);
	snprintf(path, sizeof(path), "/api/batch/%s/cancel", id);
	it_json(&r, "127.0.66.2", "POST", path, token, NULL);
	ck_assert_int_eq(r.status, 200);
	it_resp_free(&r);
	wait_ended(db, id);
	v = it_psql("SELECT count(*) FILTER (WHERE status = 'canceled') > 0 AND"
	    " count(*) FILTER (WHERE status NOT IN ('succeeded', 'canceled')) = 0 FROM jobs WHERE batch_id = '%s'", id);
	ck_assert_msg(strcmp(v, "t") == 0, "batch %s: not canceled, or items neither succeeded nor canceled", id);
	free(v);
	assert_each_once(id, IMAGES);
	before = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'", id);
	it_sleep_ms(2500);
	after = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'", id);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	PQfinish(db);
	free(id);
	free(token);
}
END_TEST

/* SIGTERM to a runner with renders on its pool (IG_DRAIN_TIMEOUT=2, so
 * the deadline passes while they run): it exits, leaves no job running
 * under its id, and every item of the batch ends once (the rest on the
 * stack's runner). */
START_TEST(sigterm_drains_the_pool)
{
	char name[64], *token, *id, *rid, *v;
	PGconn *db = PQconnectdb(it_env("IG_DATABASE_URL"));
	pid_t other;
	int64_t t0;
	int status;

	ck_assert_msg(PQstatus(db) == CONNECTION_OK, "database: %s", PQerrorMessage(db));
	receiver_control("{\"delay\": 0}");
	snprintf(name, sizeof(name), "%s", it_env("IG_DRAIN_TIMEOUT"));
	setenv("IG_DRAIN_TIMEOUT", "2", 1);
	other = it_runner_start("worker-drain.log");
	setenv("IG_DRAIN_TIMEOUT", name, 1);
	rid = runner_of(other);
	token = it_new_user("rd", "127.0.66.3", name);
	id = submit_builtin(token, DRAIN_PROMPTS, SIDE, IMAGES, "");
	for (int i = 0;; i++) {
		ck_assert_msg(i < 1200, "runner %s took no job of batch %s in 5 minutes", rid, id);
		v = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND runner_id = '%s' AND status = 'running'",
		    id, rid);
		if (strcmp(v, "0") != 0)
			break;
		free(v);
		it_sleep_ms(100);
	}
	free(v);
	t0 = ig_now_ms();
	kill(other, SIGTERM);
	ck_assert_int_eq(waitpid(other, &status, 0), other);
	printf("runner pool: SIGTERM with renders on the pool: exited %d after %.1f s (IG_DRAIN_TIMEOUT=2)\n",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1, (double)(ig_now_ms() - t0) / 1000.0);
	fflush(stdout);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the runner did not exit cleanly");
	v = it_psql("SELECT count(*) FROM jobs WHERE runner_id = '%s' AND status = 'running'", rid);
	ck_assert_msg(strcmp(v, "0") == 0, "%s job(s) left running under the stopped runner", v);
	free(v);
	v = it_psql("SELECT count(*) FROM runners WHERE id = '%s'", rid);
	ck_assert_str_eq(v, "0");
	free(v);
	wait_ended(db, id);
	v = it_psql("SELECT count(*) FILTER (WHERE status = 'succeeded') FROM jobs WHERE batch_id = '%s'", id);
	ck_assert_int_eq(atoi(v), DRAIN_PROMPTS);
	free(v);
	assert_each_once(id, IMAGES);
	PQfinish(db);
	free(rid);
	free(id);
	free(token);
}
END_TEST

IT_MAIN("runner_pool", NULL,
	IT_TCASE("two_busy_runners", 1500,
	    &busy_runners_keep_their_leases,
	    &cancel_reaches_renders_on_the_pool,
	    &sigterm_drains_the_pool)
);
