/*
 * test_analytics.c — GET /api/analytics/usage-stats, popular-prompts and
 * generation-trends (API.md "Analytics"): every figure checked against
 * what the test itself made (real generations on the builtin provider and
 * the mock's OpenAI, one refused by the mock, a batch; jobs inserted or
 * moved back in time with psql where a fixed calendar is needed), the
 * series continuous across an empty day, buckets shifting with tz,
 * scope=all an admin's only, and every bad parameter a 400 naming it.
 */
#include "ig_autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/util.h"
#include "tests/integration/itest.h"

/* 127.10-49.230+.x: no other suite's range. */
static const char *
src(void)
{
	return it_source(10, 40, 230);
}

/* GET path as token; fails unless want. The body (caller puts). */
static json_object *
get(const char *token, const char *path, long want)
{
	it_resp r;
	json_object *o;

	it_json(&r, src(), "GET", path, token, NULL);
	ck_assert_msg(r.status == want, "GET %s: want %ld, got %ld: %s", path, want, r.status, r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* POST /api/generate-image with body; fails unless want. */
static void
generate(const char *token, long want, const char *body)
{
	it_resp r;

	it_json(&r, src(), "POST", "/api/generate-image", token, "%s", body);
	ck_assert_msg(r.status == want, "generate: want %ld, got %ld: %s (%s)", want, r.status, r.body.data, body);
	it_resp_free(&r);
}

static char *
user_id_of(const char *name)
{
	return it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
}

/* The by_provider element of provider in o's list (fails when absent). */
static json_object *
provider_of(json_object *o, const char *provider)
{
	json_object *a = it_jneed(o, "by_provider", json_type_array);

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (strcmp(it_js(e, "provider"), provider) == 0)
			return e;
	}
	ck_abort_msg("no %s in %s", provider, json_object_to_json_string(o));
	return NULL;
}

/* A number member (null: NAN). */
static double
num(json_object *o, const char *key)
{
	json_object *v = it_jpath(o, key);

	return v == NULL || json_object_is_type(v, json_type_null) ? NAN : json_object_get_double(v);
}

/* The durations (ms) of uid's succeeded jobs of provider, ascending, from
 * psql's raw rows; mean and nearest-rank 95th percentile computed here. */
static void
durations(const char *uid, const char *provider, double *avg, double *p95)
{
	char *rows = it_psql("SELECT string_agg((extract(epoch FROM finished_at - started_at) * 1000)::text, ' ')"
	    " FROM jobs WHERE user_id = '%s' AND provider = '%s' AND status = 'succeeded'", it_sql_safe(uid),
	    it_sql_safe(provider));
	double v[64], sum = 0, t;
	int n = 0;

	for (char *p = rows, *end; n < 64 && (t = strtod(p, &end), end != p); p = end)
		v[n++] = t;
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
	for (int i = 0; i < n; i++)
		sum += v[i];
	*avg = sum / n;
	*p95 = v[(int)ceil(0.95 * n) - 1];
	free(rows);
}

/* The answers round to 0.1 ms. */
static void
near(double got, double want, const char *what)
{
	ck_assert_msg(fabs(got - want) <= 0.051, "%s: got %.3f, want %.3f", what, got, want);
}

/* Real generations, then every figure of usage-stats: builtin 2 + 1
 * images, the mock's OpenAI 2 images and one refused key (a failed job),
 * a batch of two builtin prompts (2 images, one completed batch). */
START_TEST(usage_stats_count_what_was_generated)
{
	char name[64], body[512], path[128], *token = it_new_user("anal", src(), name), *uid = user_id_of(name);
	char *bid, *files;
	/* Made above: 6 generations, 5 succeeded, 7 images, one batch. */
	static const struct {
		const char *key;
		long long n;
	} want[] = { { "total_generations", 6 }, { "succeeded", 5 }, { "failed", 1 }, { "canceled", 0 },
		{ "in_progress", 0 }, { "total_images", 7 }, { "batches.completed", 1 }, { "batches.failed", 0 },
		{ "batches.partial", 0 }, { "batches.queued", 0 }, { "batches.processing", 0 },
		{ "batches.canceled", 0 } };
	static const struct {
		const char *name;
		int generations, images, failures;
	} provs[] = { { "builtin", 4, 5, 0 }, { "openai", 2, 2, 1 } };
	json_object *o;
	long long storage = 0;
	double avg, p95;
	int pid = (int)getpid();

	snprintf(body, sizeof(body), "{\"prompt\": \"usage a %d\", \"image_count\": 2, \"image_size\": \"128x128\"}", pid);
	generate(token, 200, body);
	snprintf(body, sizeof(body), "{\"prompt\": \"usage b %d\", \"image_size\": \"128x128\"}", pid);
	generate(token, 200, body);
	snprintf(body, sizeof(body), "{\"prompt\": \"usage c %d\", \"api_provider\": \"openai\","
	    " \"api_key\": \"sk-good-openai-test\", \"image_size\": \"256x256\", \"image_count\": 2}", pid);
	generate(token, 200, body);
	snprintf(body, sizeof(body), "{\"prompt\": \"usage d %d\", \"api_provider\": \"openai\","
	    " \"api_key\": \"sk-bad-openai-test\", \"image_size\": \"256x256\"}", pid);
	generate(token, 401, body);
	bid = it_batch_submit(src(), token, "{\"prompts\": [\"usage e %d\", \"usage f %d\"],"
	    " \"settings\": {\"image_size\": \"128x128\"}}", pid, pid);
	snprintf(path, sizeof(path), "/api/batch/status/%s", bid);
	for (int tries = 0;; tries++) {
		o = get(token, path, 200);
		int done = strcmp(it_js(o, "status"), "completed") == 0;
		json_object_put(o);
		if (done)
			break;
		ck_assert_msg(tries < 240, "batch %s did not complete", bid);
		it_sleep_ms(250);
	}

	o = get(token, "/api/analytics/usage-stats", 200);
	ck_assert_str_eq(it_js(o, "scope"), "own");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(it_jint(o, want[i].key) == want[i].n, "%s: want %lld in %s", want[i].key,
		    want[i].n, json_object_to_json_string(o));
	near(num(o, "success_rate"), 5.0 / 6.0, "success_rate");
	for (size_t i = 0; i < sizeof(provs) / sizeof(provs[0]); i++) {
		json_object *e = provider_of(o, provs[i].name);
		ck_assert_msg(it_jint(e, "generations") == provs[i].generations && it_jint(e, "images") ==
		    provs[i].images && it_jint(e, "failures") == provs[i].failures, "%s: want %d, %d, %d: %s",
		    provs[i].name, provs[i].generations, provs[i].images, provs[i].failures,
		    json_object_to_json_string(e));
		durations(uid, provs[i].name, &avg, &p95);
		near(num(e, "avg_time_ms"), avg, "avg_time_ms");
		near(num(e, "p95_time_ms"), p95, "p95_time_ms");
	}
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "by_provider")), 2);

	/* Storage: the stored files' own sizes, read from the image directory. */
	files = it_psql("SELECT string_agg(filename, ' ') FROM images WHERE user_id = '%s'", it_sql_safe(uid));
	for (char *f = strtok(files, " "); f; f = strtok(NULL, " ")) {
		char fp[1024];
		struct stat st;
		snprintf(fp, sizeof(fp), "%s/%s", it_env("IG_IMAGE_DIR"), f);
		ck_assert_msg(stat(fp, &st) == 0, "%s", fp);
		storage += (long long)st.st_size;
	}
	ck_assert_int_eq(it_jint(o, "storage_bytes"), storage);
	json_object_put(o);

	/* A range before all of it: nothing, and no rate to invent. */
	o = get(token, "/api/analytics/usage-stats?from=2001-01-01&to=2001-02-01", 200);
	ck_assert_int_eq(it_jint(o, "total_generations"), 0);
	ck_assert_msg(json_object_is_type(it_jpath(o, "success_rate"), json_type_null), "%s",
	    json_object_to_json_string(o));
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "by_provider")), 0);
	ck_assert_str_eq(it_js(o, "from"), "2001-01-01T00:00:00.000000Z");
	ck_assert_str_eq(it_js(o, "to"), "2001-02-01T00:00:00.000000Z");
	ck_assert_int_eq(it_jint(o, "storage_bytes"), storage);
	json_object_put(o);
	free(files);
	free(bid);
	free(uid);
	free(token);
}
END_TEST

/* Move job id to at (its start and end and its images by as much). */
static void
move_job(const char *id, const char *at)
{
	free(it_psql("WITH j AS (SELECT id, '%s'::timestamptz - created_at AS d FROM jobs WHERE id = '%s'),"
	    " i AS (UPDATE images SET created_at = images.created_at + j.d FROM j WHERE images.job_id = j.id)"
	    " UPDATE jobs SET created_at = jobs.created_at + j.d, started_at = jobs.started_at + j.d,"
	    " finished_at = jobs.finished_at + j.d FROM j WHERE jobs.id = j.id", at, it_sql_safe(id)));
}

/* One bucket as a trends answer must hold it. */
typedef struct bucket {
	const char *name;
	int images, failures;
} bucket;

/* GET generation-trends?query as token: its series must be the n buckets
 * of want, in order. The answer (caller puts). */
static json_object *
series_is(const char *token, const char *query, int n, const bucket *want)
{
	char path[256];
	json_object *o, *s;

	snprintf(path, sizeof(path), "/api/analytics/generation-trends?%s", query);
	o = get(token, path, 200);
	s = it_jneed(o, "series", json_type_array);
	ck_assert_msg((int)json_object_array_length(s) == n, "%s: want %d buckets: %s", query, n,
	    json_object_to_json_string(s));
	for (int i = 0; i < n; i++) {
		json_object *b = json_object_array_get_idx(s, (size_t)i);
		ck_assert_str_eq(it_js(b, "bucket"), want[i].name);
		ck_assert_msg(it_jint(b, "images") == want[i].images && it_jint(b, "failures") == want[i].failures,
		    "bucket %s: want %d images, %d failures: %s", want[i].name, want[i].images, want[i].failures,
		    json_object_to_json_string(b));
	}
	return o;
}

/* Three real builtin generations moved to 2003-03-10 10:00Z, 2003-03-12
 * 22:30Z and 23:30Z (one of two images), and one refused by the mock at
 * 23:40Z: by day in UTC the 11th is an empty bucket between two full ones;
 * in Tokyo (+09:00) the two late ones fall on the 13th; in New York
 * (-05:00) on the 12th; by hour, every hour is there. */
START_TEST(trends_are_continuous_and_follow_tz)
{
	char name[64], body[256], *token = it_new_user("anal", src(), name), *uid = user_id_of(name), *ids;
	const char *at[] = { "2003-03-10T10:00:00Z", "2003-03-12T22:30:00Z", "2003-03-12T23:30:00Z",
		"2003-03-12T23:40:00Z" };
	json_object *o, *s, *bp;
	int k = 0, pid = (int)getpid();

	for (int i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"prompt\": \"trend %d %d\", \"image_count\": %d,"
		    " \"image_size\": \"128x128\"}", i, pid, i == 2 ? 2 : 1);
		generate(token, 200, body);
	}
	snprintf(body, sizeof(body), "{\"prompt\": \"trend x %d\", \"api_provider\": \"openai\","
	    " \"api_key\": \"sk-bad-openai-test\", \"image_size\": \"256x256\"}", pid);
	generate(token, 401, body);
	ids = it_psql("SELECT string_agg(id::text, ' ' ORDER BY created_at) FROM jobs WHERE user_id = '%s'",
	    it_sql_safe(uid));
	for (char *id = strtok(ids, " "); id; id = strtok(NULL, " "))
		move_job(id, at[k++]);
	ck_assert_int_eq(k, 4);

	static const bucket utc[] = { { "2003-03-10T00:00:00+00:00", 1, 0 }, { "2003-03-11T00:00:00+00:00", 0, 0 },
		{ "2003-03-12T00:00:00+00:00", 3, 1 } };
	static const bucket tokyo[] = { { "2003-03-10T00:00:00+09:00", 1, 0 }, { "2003-03-11T00:00:00+09:00", 0, 0 },
		{ "2003-03-12T00:00:00+09:00", 0, 0 }, { "2003-03-13T00:00:00+09:00", 3, 1 } };
	static const bucket new_york[] = { { "2003-03-10T00:00:00-05:00", 1, 0 },
		{ "2003-03-11T00:00:00-05:00", 0, 0 }, { "2003-03-12T00:00:00-05:00", 3, 1 } };
	/* By hour from a time inside an hour: the first bucket is the hour
	 * holding from; 22:00–23:59 hold 1 and 2 + 1 failure. */
	static const bucket hours[] = { { "2003-03-12T21:00:00+00:00", 0, 0 }, { "2003-03-12T22:00:00+00:00", 1, 0 },
		{ "2003-03-12T23:00:00+00:00", 2, 1 } };
	/* By week: Monday 2003-03-10 holds them all. */
	static const bucket weeks[] = { { "2003-03-03T00:00:00+00:00", 0, 0 }, { "2003-03-10T00:00:00+00:00", 4, 1 } };

	o = series_is(token, "interval=day&from=2003-03-10&to=2003-03-13", 3, utc);
	ck_assert_str_eq(it_js(o, "interval"), "day");
	s = it_jpath(o, "series");
	ck_assert(json_object_is_type(it_jpath(json_object_array_get_idx(s, 1), "avg_time_ms"), json_type_null));
	bp = it_jpath(json_object_array_get_idx(s, 2), "by_provider");
	ck_assert_int_eq(it_jint(bp, "builtin.images"), 3);
	ck_assert_int_eq(it_jint(bp, "builtin.succeeded"), 2);
	ck_assert_int_eq(it_jint(bp, "openai.failures"), 1);
	ck_assert_int_eq(it_jint(bp, "openai.images"), 0);
	{
		char *want = it_psql("SELECT round(avg(extract(epoch FROM finished_at - started_at) * 1000), 1)"
		    " FROM jobs WHERE user_id = '%s' AND status = 'succeeded' AND created_at >= '2003-03-12'",
		    it_sql_safe(uid));
		near(num(json_object_array_get_idx(s, 2), "avg_time_ms"), strtod(want, NULL), "bucket avg_time_ms");
		free(want);
	}
	json_object_put(o);
	o = series_is(token, "interval=day&from=2003-03-10&to=2003-03-14&tz=Asia/Tokyo", 4, tokyo);
	ck_assert_str_eq(it_js(o, "from"), "2003-03-09T15:00:00.000000Z");
	json_object_put(o);
	json_object_put(series_is(token, "interval=day&from=2003-03-10&to=2003-03-13&tz=America/New_York", 3,
	    new_york));
	json_object_put(series_is(token, "interval=hour&from=2003-03-12T21:15:00Z&to=2003-03-13T00:00:00Z", 3,
	    hours));
	json_object_put(series_is(token, "interval=week&from=2003-03-03&to=2003-03-17", 2, weeks));
	free(ids);
	free(uid);
	free(token);
}
END_TEST

/* Insert n ended generations of uid with prompt p at minute m of
 * 2004-05-06 UTC (status st). */
static void
insert_jobs(const char *uid, int n, const char *p, int m, const char *st)
{
	free(it_psql("INSERT INTO jobs (user_id, provider, model, request, status, created_at, started_at, finished_at)"
	    " SELECT '%s', 'builtin', 'builtin-procedural-v1', jsonb_build_object('prompt', '%s'), '%s',"
	    " t, t + interval '1 second', t + interval '2 seconds'"
	    " FROM generate_series(1, %d) g, LATERAL (SELECT '2004-05-06T00:00:00Z'::timestamptz"
	    " + make_interval(mins => %d, secs => g) AS t) x", it_sql_safe(uid), p, st, n, m));
}

/* Prompts counted by exact text, most used first, and terms from the
 * analyzer's tokenizer: each Chinese character a word, ASCII folded,
 * stop words (the, in, a, and, 的) dropped, a word counted once per
 * generation; canceled jobs are not generations. */
START_TEST(popular_prompts_and_terms)
{
	char name[64], *token = it_new_user("anal", src(), name), *uid = user_id_of(name);
	static const char *const want_terms[][2] = { { "fox", "3" }, { "sunset", "3" },
		{ "\xe4\xb8\x8a", "3" }, { "\xe5\xa4\x95", "3" }, { "\xe5\xb1\xb1", "3" }, { "\xe9\x99\xbd", "3" },
		{ "red", "2" }, { "snow", "2" }, { "hound", "1" } };
	json_object *o, *pr, *te;

	insert_jobs(uid, 3, "\xe5\xb1\xb1\xe4\xb8\x8a\xe7\x9a\x84\xe5\xa4\x95\xe9\x99\xbd sunset", 0, "succeeded");
	insert_jobs(uid, 1, "a red fox in the snow", 10, "failed");
	insert_jobs(uid, 1, "A RED fox in the snow", 20, "succeeded");
	insert_jobs(uid, 1, "The fox and the hound", 30, "succeeded");
	insert_jobs(uid, 4, "canceled ones", 40, "canceled");

	o = get(token, "/api/analytics/popular-prompts?from=2004-05-06&to=2004-05-07&limit=20", 200);
	pr = it_jneed(o, "prompts", json_type_array);
	ck_assert_int_eq(json_object_array_length(pr), 4);
	ck_assert_str_eq(it_js(json_object_array_get_idx(pr, 0), "prompt"),
	    "\xe5\xb1\xb1\xe4\xb8\x8a\xe7\x9a\x84\xe5\xa4\x95\xe9\x99\xbd sunset");
	ck_assert_int_eq(it_jint(json_object_array_get_idx(pr, 0), "count"), 3);
	ck_assert_str_eq(it_js(json_object_array_get_idx(pr, 0), "last_used"), "2004-05-06T00:00:03.000Z");
	/* Ties: the latest use first. */
	ck_assert_str_eq(it_js(json_object_array_get_idx(pr, 1), "prompt"), "The fox and the hound");
	ck_assert_str_eq(it_js(json_object_array_get_idx(pr, 2), "prompt"), "A RED fox in the snow");
	ck_assert_str_eq(it_js(json_object_array_get_idx(pr, 3), "prompt"), "a red fox in the snow");
	ck_assert_int_eq(it_jint(json_object_array_get_idx(pr, 3), "count"), 1);
	te = it_jneed(o, "terms", json_type_array);
	ck_assert_msg(json_object_array_length(te) == sizeof(want_terms) / sizeof(want_terms[0]), "%s",
	    json_object_to_json_string(te));
	for (size_t i = 0; i < sizeof(want_terms) / sizeof(want_terms[0]); i++) {
		json_object *t = json_object_array_get_idx(te, i);
		ck_assert_str_eq(it_js(t, "term"), want_terms[i][0]);
		ck_assert_int_eq(it_jint(t, "count"), atoi(want_terms[i][1]));
	}
	ck_assert(it_jbool(o, "terms_complete"));
	json_object_put(o);

	o = get(token, "/api/analytics/popular-prompts?from=2004-05-06&to=2004-05-07&limit=2", 200);
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "prompts")), 2);
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "terms")), 2);
	json_object_put(o);
	free(uid);
	free(token);
}
END_TEST

/* scope=all: 403 for a user (naming scope), everyone's for an admin —
 * two users' jobs in an hour of 2002 no other test writes in. */
START_TEST(scope_all_is_for_admins)
{
	char a_name[64], b_name[64], path[256], hour[40];
	char *a = it_new_user("anal", src(), a_name), *b = it_new_user("anal", src(), b_name);
	char *a_id = user_id_of(a_name), *b_id = user_id_of(b_name);
	it_resp r;
	json_object *o;

	it_json(&r, src(), "GET", "/api/analytics/usage-stats?scope=all", a, NULL);
	it_expect_error(&r, 403, "forbidden", "scope", NULL);
	it_resp_free(&r);
	it_json(&r, src(), "GET", "/api/analytics/generation-trends?scope=all", a, NULL);
	it_expect_error(&r, 403, "forbidden", "scope", NULL);
	it_resp_free(&r);

	snprintf(hour, sizeof(hour), "2002-01-01T00:00:00Z");
	{
		char *h = it_psql("SELECT to_char('2002-01-01'::timestamp + make_interval(hours => %d),"
		    " 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')", (int)(getpid() % 8000));
		snprintf(hour, sizeof(hour), "%s", h);
		free(h);
	}
	free(it_psql("INSERT INTO jobs (user_id, provider, model, request, status, created_at, started_at, finished_at)"
	    " SELECT CASE WHEN g <= 3 THEN '%s'::uuid ELSE '%s'::uuid END, 'builtin', 'm',"
	    " '{\"prompt\": \"scope\"}', CASE WHEN g = 5 THEN 'failed' ELSE 'succeeded' END,"
	    " '%s'::timestamptz + make_interval(secs => g), now(), now() FROM generate_series(1, 5) g",
	    it_sql_safe(a_id), it_sql_safe(b_id), hour));
	free(it_psql("UPDATE users SET role = 'admin' WHERE id = '%s'", it_sql_safe(a_id)));
	snprintf(path, sizeof(path), "/api/analytics/usage-stats?scope=all&from=%s&to=%.13s:59:59Z", hour, hour);
	o = get(a, path, 200);
	ck_assert_str_eq(it_js(o, "scope"), "all");
	ck_assert_int_eq(it_jint(o, "total_generations"), 5);
	ck_assert_int_eq(it_jint(o, "failed"), 1);
	json_object_put(o);
	/* Without scope, the admin's own. */
	snprintf(path, sizeof(path), "/api/analytics/usage-stats?from=%s&to=%.13s:59:59Z", hour, hour);
	o = get(a, path, 200);
	ck_assert_int_eq(it_jint(o, "total_generations"), 3);
	json_object_put(o);
	snprintf(path, sizeof(path), "/api/analytics/popular-prompts?scope=all&from=%s&to=%.13s:59:59Z", hour, hour);
	o = get(a, path, 200);
	ck_assert_int_eq(it_jint(json_object_array_get_idx(it_jpath(o, "prompts"), 0), "count"), 5);
	json_object_put(o);
	free(a_id);
	free(b_id);
	free(a);
	free(b);
}
END_TEST

/* storage_bytes is read from totals the database keeps per owner
 * (migration 022's triggers on images): they follow every change of the
 * images, made by the routes or by any statement, and scope=all is the sum
 * of every image. */
static long long
storage_of(const char *token, const char *query)
{
	char path[128];
	json_object *o;
	long long n;

	snprintf(path, sizeof(path), "/api/analytics/usage-stats%s", query);
	o = get(token, path, 200);
	n = it_jint(o, "storage_bytes");
	json_object_put(o);
	return n;
}

static long long
sql_ll(const char *fmt, const char *arg)
{
	char *v = it_psql(fmt, arg);
	long long n = atoll(v);

	free(v);
	return n;
}

START_TEST(storage_follows_every_change_of_images)
{
	char a_name[64], b_name[64], body[256], path[128];
	char *a = it_new_user("anal", src(), a_name), *b = it_new_user("anal", src(), b_name);
	char *a_id = user_id_of(a_name), *b_id = user_id_of(b_name), *img, *two;
	static const char sum[] = "SELECT coalesce(sum(size_bytes), 0) FROM images WHERE user_id = '%s'";
	long long a0;
	it_resp r;

	snprintf(body, sizeof(body), "{\"prompt\": \"storage %d\", \"image_count\": 3, \"image_size\": \"128x128\"}",
	    (int)getpid());
	generate(a, 200, body);
	a0 = sql_ll(sum, a_id);
	ck_assert_int_gt(a0, 0);
	ck_assert_int_eq(storage_of(a, ""), a0);
	ck_assert_int_eq(storage_of(b, ""), 0);

	/* A size changed, an image given to b, two rows of one statement. */
	img = it_psql("SELECT id FROM images WHERE user_id = '%s' ORDER BY id LIMIT 1", it_sql_safe(a_id));
	two = it_psql("SELECT id FROM images WHERE user_id = '%s' ORDER BY id DESC LIMIT 1", it_sql_safe(a_id));
	free(it_psql("UPDATE images SET size_bytes = size_bytes + 1000 WHERE id = '%s'", it_sql_safe(img)));
	ck_assert_int_eq(storage_of(a, ""), a0 + 1000);
	free(it_psql("UPDATE images SET user_id = '%s', size_bytes = size_bytes + 7 WHERE id = '%s'",
	    it_sql_safe(b_id), it_sql_safe(two)));
	ck_assert_int_eq(storage_of(a, ""), sql_ll(sum, a_id));
	ck_assert_int_eq(storage_of(b, ""), sql_ll(sum, b_id));
	ck_assert_int_gt(sql_ll(sum, b_id), 7);
	free(it_psql("UPDATE images SET rating = 3 WHERE user_id IN ('%s', '%s')", it_sql_safe(a_id),
	    it_sql_safe(b_id)));
	ck_assert_int_eq(storage_of(a, ""), sql_ll(sum, a_id));
	ck_assert_int_eq(storage_of(b, ""), sql_ll(sum, b_id));

	/* Deleted through the route: no longer counted. */
	snprintf(path, sizeof(path), "/api/files/delete/%s", img);
	it_json(&r, src(), "DELETE", path, a, NULL);
	ck_assert_msg(r.status == 200 || r.status == 204, "delete: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
	ck_assert_int_eq(sql_ll("SELECT count(*) FROM images WHERE id = '%s'", img), 0);
	ck_assert_int_eq(storage_of(a, ""), sql_ll(sum, a_id));
	ck_assert_int_lt(storage_of(a, ""), a0);

	/* Everyone's: every image, anonymous ones included. */
	free(it_psql("UPDATE users SET role = 'admin' WHERE id = '%s'", it_sql_safe(a_id)));
	ck_assert_int_eq(storage_of(a, "?scope=all"), sql_ll("SELECT coalesce(sum(size_bytes), 0) FROM images%s", ""));
	free(it_psql("UPDATE users SET role = 'user' WHERE id = '%s'", it_sql_safe(a_id)));
	free(img);
	free(two);
	free(a_id);
	free(b_id);
	free(a);
	free(b);
}
END_TEST

/* Every bad parameter is a 400 naming it. */
START_TEST(bad_parameters_are_named)
{
	static const char *const bad[][2] = {
		{ "usage-stats?from=yesterday", "from" },
		{ "usage-stats?from=2024-02-30", "from" },
		{ "usage-stats?to=2024-13-01T00:00:00Z", "to" },
		{ "usage-stats?to=2024-01-01T00:00:00", "to" },
		{ "usage-stats?tz=Mars/Olympus_Mons", "tz" },
		{ "usage-stats?tz=..%2Fetc", "tz" },
		{ "usage-stats?from=2024-01-02&to=2024-01-02", "from" },
		{ "usage-stats?from=2024-01-03&to=2024-01-02", "from" },
		{ "usage-stats?scope=everyone", "scope" },
		{ "popular-prompts?limit=0", "limit" },
		{ "popular-prompts?limit=101", "limit" },
		{ "generation-trends?interval=month", "interval" },
		{ "generation-trends?interval=hour&from=2024-01-01&to=2024-03-01", "interval" },
		{ "generation-trends?interval=day&from=2020-01-01&to=2024-01-01", "interval" },
	};
	char name[64], path[256], *token = it_new_user("anal", src(), name);
	json_object *o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		it_resp r;
		snprintf(path, sizeof(path), "/api/analytics/%s", bad[i][0]);
		it_json(&r, src(), "GET", path, token, NULL);
		it_expect_error(&r, 400, "invalid_request", bad[i][1], NULL);
		it_resp_free(&r);
	}
	/* The edges: 1000 hours answer (1000 buckets), as does a week by day. */
	o = get(token, "/api/analytics/generation-trends?interval=hour&from=2024-01-01T00:00:00Z"
	    "&to=2024-02-11T16:00:00Z", 200);
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "series")), 1000);
	json_object_put(o);
	o = get(token, "/api/analytics/generation-trends?interval=hour&from=2024-01-01T00:00:00Z"
	    "&to=2024-02-11T16:00:01Z", 400);
	json_object_put(o);
	/* Usage and prompts have no buckets: a long range is fine. */
	json_object_put(get(token, "/api/analytics/usage-stats?from=2000-01-01&to=2026-01-01", 200));
	json_object_put(get(token, "/api/analytics/popular-prompts?from=2000-01-01&to=2026-01-01&interval=hour", 200));
	/* Defaults: the last 30 days, by day (30 or 31 buckets: the first
	 * holds from, part of a day). */
	o = get(token, "/api/analytics/generation-trends", 200);
	ck_assert_str_eq(it_js(o, "interval"), "day");
	ck_assert_str_eq(it_js(o, "tz"), "UTC");
	ck_assert_int_ge(json_object_array_length(it_jpath(o, "series")), 30);
	ck_assert_int_le(json_object_array_length(it_jpath(o, "series")), 31);
	json_object_put(o);
	free(token);
}
END_TEST

IT_MAIN("analytics", NULL,
    IT_TCASE("analytics", 120, &usage_stats_count_what_was_generated, &trends_are_continuous_and_follow_tz,
	&popular_prompts_and_terms, &scope_all_is_for_admins, &storage_follows_every_change_of_images,
	&bad_parameters_are_named));
