/*
 * test_idempotency.c — Idempotency-Key after a 504 (issue 10, item 6):
 * with IG_GENERATE_TIMEOUT=2 and the mock OpenAI answering after 5 s, the
 * first request answers 504 while its job goes on. Before the fix the 504
 * freed the key, so the client's retry started a second paid provider job;
 * now the key stays bound to the job: 409 with the job's id while it runs,
 * its images once it is done, one provider call in all. Keys are per caller
 * and per route (the same key on batch submit used to be a 422), they are
 * swept after 24 hours (the row's created_at is moved back to show it), and
 * the stored row holds no image bytes.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

static int counter;

static const char *
next_source(void)
{
	return it_source(180, 40, 100);
}

static void
mock(const char *method, const char *path, const char *body, it_resp *r)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", it_env("IG_MOCK_URL"), path);
	it_http_ex(url, method, "", body, body ? strlen(body) : 0,
	    (const char *const[]){ "Content-Type: application/json", NULL }, 10, r);
	ck_assert_msg(r->status == 200, "mock %s: %ld %s", path, r->status, r->body.data);
}

static void
mock_post(const char *path, const char *body)
{
	it_resp r;

	mock("POST", path, body, &r);
	it_resp_free(&r);
}

/* How many image generations the mock OpenAI was asked for since reset. */
static int
openai_generations(void)
{
	it_resp r;
	json_object *o, *reqs;
	int n = 0;

	mock("GET", "/_control/requests?provider=openai", NULL, &r);
	o = it_json_body(&r);
	reqs = json_object_object_get(o, "requests");
	for (size_t i = 0; i < json_object_array_length(reqs); i++) {
		json_object *q = json_object_array_get_idx(reqs, i);
		if (strcmp(json_object_get_string(json_object_object_get(q, "method")), "POST") == 0 &&
		    strstr(json_object_get_string(json_object_object_get(q, "path")), "/images/generations"))
			n++;
	}
	json_object_put(o);
	it_resp_free(&r);
	return n;
}

static void wait_job(const char *job_id);

/* POST body to path with the key, as the user with token. */
static void
post(it_resp *r, const char *path, const char *token, const char *key, const char *body)
{
	char hdr[300];
	const char *hdrs[3] = { "Content-Type: application/json", hdr, NULL };
	it_req q = { .method = "POST", .path = path, .body = body, .len = strlen(body), .headers = hdrs,
		.bearer = token, .source_ip = next_source(), .timeout_s = 60 };

	snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
	it_request(&q, r);
	printf("  %s (%s) -> %ld\n", path, key, r->status);
}

/* post until the generation is done: a 504 or 409 (the machine is slow,
 * IG_GENERATE_TIMEOUT is 2 s) waits for the key's job and asks again. */
static void
post_done(it_resp *r, const char *token, const char *key, const char *body)
{
	for (int i = 0; i < 5; i++) {
		post(r, "/api/generate-image", token, key, body);
		if (r->status != 504 && r->status != 409)
			return;
		it_resp_free(r);
		char *job = it_psql("SELECT job_id FROM idempotency_keys WHERE key = '%s' ORDER BY created_at DESC LIMIT 1",
		    it_sql_safe(key));
		if (*job != '\0')
			wait_job(job);
		free(job);
	}
	ck_abort_msg("no answer for key %s", key);
}

/* post_done, which must end 200; its generation_id into id. */
static void
generated(const char *token, const char *key, const char *body, char id[40])
{
	it_resp r;
	json_object *o;

	post_done(&r, token, key, body);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	snprintf(id, 40, "%s", it_jstr(o, "generation_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
}

static void
new_key(char *key, size_t len)
{
	snprintf(key, len, "idem-%d-%d", (int)getpid(), ++counter);
}

/* A one-image OpenAI request unique to this run; b64 so the answer carries
 * image bytes that the key's row must not. */
static void
openai_body(char *body, size_t len, const char *words, int no_cache)
{
	snprintf(body, len, "{\"prompt\": \"%s %d-%d\", \"api_provider\": \"openai\", \"api_key\": \"sk-good-idem\","
	    " \"model\": \"dall-e-2\", \"image_size\": \"256x256\", \"response_format\": \"b64_json\"%s}",
	    words, (int)getpid(), ++counter, no_cache ? ", \"no_cache\": true" : "");
}

/* Wait (through the database, not the rate-limited API) for a job to end. */
static void
wait_job(const char *job_id)
{
	for (int i = 0; i < 120; i++) {
		char *st = it_psql("SELECT status FROM jobs WHERE id = '%s'", it_sql_safe(job_id));
		int done = strcmp(st, "queued") != 0 && strcmp(st, "running") != 0;
		free(st);
		if (done)
			return;
		it_sleep_ms(250);
	}
	ck_abort_msg("job %s did not end", job_id);
}

/* "id:b64-length" of every image, in order. Caller frees. */
static char *
images_of(json_object *o)
{
	json_object *imgs = json_object_object_get(o, "images");
	ig_buf b = { 0 };

	for (size_t i = 0; i < json_object_array_length(imgs); i++) {
		json_object *im = json_object_array_get_idx(imgs, i);
		const char *b64 = json_object_get_string(json_object_object_get(im, "base64"));
		ig_buf_printf(&b, "%s:%zu,", json_object_get_string(json_object_object_get(im, "id")),
		    b64 ? strlen(b64) : 0);
	}
	ig_buf_puts(&b, "");
	return b.data;
}

static void
slow_pool(void)
{
	setenv("IG_STACK_OVERRIDES", "IG_GENERATE_TIMEOUT=2 IG_GENERATE_RATE_LIMIT=1000", 1);
	it_stack("pool-start");
	unsetenv("IG_STACK_OVERRIDES");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
}

static void
restore_pool(void)
{
	it_stack("pool-start");
	it_wait_health(200, 80);
}

/* The attack on the operator's money: a client that retries its 504 got a
 * second provider job each time. */
START_TEST(retry_after_504_is_the_same_job)
{
	char *tok = it_new_user("idm", next_source(), NULL), key[64], body[512], retry_after[16];
	char *first_images, *again_images, *n;
	it_resp r;
	json_object *o;
	char job[40];

	mock_post("/_control/reset", "{}");
	mock_post("/_control/script", "{\"provider\": \"openai\", \"responses\": [{\"mode\": \"slow\", \"delay\": 5}]}");
	new_key(key, sizeof(key));
	openai_body(body, sizeof(body), "idempotent: a lighthouse at dusk", 0);

	post(&r, "/api/generate-image", tok, key, body);
	ck_assert_msg(r.status == 504, "first: %ld %s", r.status, r.body.data);
	it_resp_free(&r);

	post(&r, "/api/generate-image", tok, key, body);   /* the job still runs */
	ck_assert_msg(r.status == 409, "retry while running: %ld %s", r.status, r.body.data);
	ck_assert(it_header(&r, "Retry-After", retry_after, sizeof(retry_after)));
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "code"), "conflict");
	snprintf(job, sizeof(job), "%s", it_jstr(o, "generation_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
	n = it_psql("SELECT count(*) FROM idempotency_keys WHERE key = '%s' AND job_id = '%s'", key, it_sql_safe(job));
	ck_assert_str_eq(n, "1");
	free(n);

	wait_job(job);
	post(&r, "/api/generate-image", tok, key, body);   /* done: its answer */
	ck_assert_msg(r.status == 200, "retry when done: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "generation_id", NULL), job);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "images")), 1);
	first_images = images_of(o);
	ck_assert_msg(strstr(first_images, ":0,") == NULL, "base64 missing: %s", first_images);
	json_object_put(o);
	it_resp_free(&r);

	post(&r, "/api/generate-image", tok, key, body);   /* and again: the same images */
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	again_images = images_of(o);
	ck_assert_str_eq(again_images, first_images);
	json_object_put(o);
	it_resp_free(&r);

	ck_assert_int_eq(openai_generations(), 1);
	/* The row keeps the job, never the images (the answer had base64). */
	n = it_psql("SELECT count(*) FROM idempotency_keys WHERE key = '%s' AND response IS NULL AND job_id = '%s'",
	    key, job);
	ck_assert_str_eq(n, "1");
	free(n);
	n = it_psql("SELECT count(*) FROM idempotency_keys WHERE length(coalesce(response::text, '')) > 4096");
	ck_assert_str_eq(n, "0");
	free(n);
	free(first_images);
	free(again_images);
	free(tok);
}
END_TEST

/* A key is the caller's and the route's: another user, or batch submit,
 * with the same key is not a replay (nor a 422) of the first. */
START_TEST(key_is_per_user_and_route)
{
	char *a = it_new_user("idm", next_source(), NULL), *b = it_new_user("idm", next_source(), NULL);
	char key[64], body[512], ja[40], jb[40];
	it_resp r;

	mock_post("/_control/reset", "{}");
	new_key(key, sizeof(key));
	openai_body(body, sizeof(body), "idempotent: a fox in snow", 0);
	generated(a, key, body, ja);
	generated(b, key, body, jb);                       /* another user */
	ck_assert_str_ne(ja, jb);
	ck_assert_int_eq(openai_generations(), 2);

	post(&r, "/api/batch/generate", a, key, "{\"prompts\": [\"idempotent: another route\"]}");
	ck_assert_msg(r.status == 202, "same key on batch submit: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
	free(a);
	free(b);
}
END_TEST

/* Keys live 24 hours: an aged key runs afresh, and claiming any key sweeps
 * every caller's expired ones (there is no other sweeper). */
START_TEST(keys_are_swept_after_a_day)
{
	char *a = it_new_user("idm", next_source(), NULL), *b = it_new_user("idm", next_source(), NULL);
	char ka[64], kb[64], body[512], first[40], again[40], *n;
	it_resp r;

	mock_post("/_control/reset", "{}");
	new_key(ka, sizeof(ka));
	new_key(kb, sizeof(kb));
	post(&r, "/api/batch/generate", b, kb, "{\"prompts\": [\"idempotent: swept later\"]}");
	ck_assert_int_eq(r.status, 202);
	it_resp_free(&r);
	openai_body(body, sizeof(body), "idempotent: a kite over dunes", 1);
	generated(a, ka, body, first);

	free(it_psql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key IN ('%s', '%s')",
	    ka, kb));
	generated(a, ka, body, again);                     /* a day later: a new request */
	ck_assert_str_ne(again, first);
	ck_assert_int_eq(openai_generations(), 2);
	n = it_psql("SELECT count(*) FROM idempotency_keys WHERE key = '%s'", kb);
	ck_assert_str_eq(n, "0");                          /* b's, swept by a's request */
	free(n);
	n = it_psql("SELECT count(*) FROM idempotency_keys WHERE key = '%s' AND created_at > now() - interval '1 hour'", ka);
	ck_assert_str_eq(n, "1");
	free(n);
	free(a);
	free(b);
}
END_TEST

IT_MAIN("idempotency", NULL,
	{ .name = "idempotency", .timeout_s = 120, .setup = slow_pool, .teardown = restore_pool,
	    .tests = IT_TESTS(&retry_after_504_is_the_same_job, &key_is_per_user_and_route, &keys_are_swept_after_a_day)
	}
);
