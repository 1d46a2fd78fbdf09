/*
 * test_webhooks.c — batch webhooks through the whole stack: the signing
 * secret endpoint, a completed batch's webhook received by the stack's
 * loopback receiver (tests/fixtures/webhook_receiver.py) with a signature
 * a Standard Webhooks receiver accepts, retries after failures, and
 * callback targets refused at submit.
 *
 * The signature is recomputed here with libsodium directly (not with
 * ig_webhook_sign), so a bug shared by signer and checker cannot hide.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "tests/integration/itest.h"

static int counter;

static const char *
next_source(void)
{
	return it_source(60, 50, 100);
}

static char *
login_new_user(void)
{
	return it_new_user("wh", next_source(), NULL);
}

/* The caller's secret through the API (caller frees). */
static char *
secret_of(const char *token, const char *method, const char *path)
{
	it_resp r;
	json_object *o;
	char *s;

	it_json(&r, next_source(), method, path, token, NULL);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", method, path, r.status, r.body.data);
	o = it_json_body(&r);
	s = ig_xstrdup(it_jstr(o, "secret", NULL));
	ck_assert_str_eq(it_jstr(o, "algorithm", NULL), "HMAC-SHA256");
	ck_assert_str_eq(it_jstr(o, "header_format", NULL), "webhook-signature: v1,<base64>");
	json_object_put(o);
	it_resp_free(&r);
	return s;
}

static void
receiver_fail(int n)
{
	char url[512], body[32];
	const char *hook = it_env("IG_TEST_WEBHOOK_URL");
	it_resp r;

	snprintf(url, sizeof(url), "%.*s/_control", (int)(strrchr(hook, '/') - hook), hook);
	snprintf(body, sizeof(body), "{\"fail\": %d}", n);
	it_http_ex(url, "POST", "", body, strlen(body), NULL, 10, &r);
	ck_assert_int_eq(r.status, 200);
	it_resp_free(&r);
}

static char *
submit(const char *token, const char *callback)
{
	it_resp r;
	json_object *o;
	char *id;
	int n = ++counter;

	it_json(&r, next_source(), "POST", "/api/batch/generate", token,
	    "{\"prompts\": [\"webhook %d-%d a\", \"webhook %d-%d b\"], \"settings\": {\"api_provider\": \"builtin\"},"
	    " \"callback_url\": \"%s\"}", (int)getpid(), n, (int)getpid(), n, callback);
	ck_assert_msg(r.status == 202, "submit: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	id = ig_xstrdup(it_jstr(o, "batch_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
	return id;
}

/* Every received webhook whose body names batch_id, oldest first, as
 * parsed JSON records (NULL-terminated array; caller puts each). */
static int
received(const char *batch_id, json_object **out, int max)
{
	const char *dir = it_env("IG_TEST_WEBHOOK_DIR");
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), got = 0;

	for (int i = 0; i < n; i++) {
		char path[1024];
		json_object *rec;
		if (strstr(names[i]->d_name, ".json") != NULL && names[i]->d_name[0] != '.' && got < max) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			rec = json_object_from_file(path);
			if (rec != NULL && strstr(it_jstr(rec, "body", NULL), batch_id) != NULL)
				out[got++] = rec;
			else
				json_object_put(rec);
		}
		free(names[i]);
	}
	free(names);
	return got;
}

/* Wait until want webhooks of batch_id arrived, the last answered 200. */
static int
wait_received(const char *batch_id, json_object **out, int max, int want, int seconds)
{
	for (int t = 0; t < seconds * 4; t++) {
		int got = received(batch_id, out, max);
		if (got >= want && json_object_get_int(json_object_object_get(out[got - 1], "status")) == 200)
			return got;
		for (int i = 0; i < got; i++)
			json_object_put(out[i]);
		it_sleep_ms(250);
	}
	ck_abort_msg("no delivered webhook for batch %s within %d s", batch_id, seconds);
	return 0;
}

/* The Standard Webhooks check a receiver makes. */
static void
assert_signed(json_object *rec, const char *secret)
{
	json_object *h = json_object_object_get(rec, "headers");
	const char *id = it_jstr(h, "webhook-id", NULL), *ts = it_jstr(h, "webhook-timestamp", NULL);
	const char *sig = it_jstr(h, "webhook-signature", NULL), *body = it_jstr(rec, "body", NULL);
	unsigned char key[64], mac[crypto_auth_hmacsha256_BYTES];
	char want[64] = "v1,";
	size_t keylen;
	crypto_auth_hmacsha256_state st;
	long long t = atoll(ts);

	ck_assert_str_eq(it_jstr(h, "content-type", NULL), "application/json");
	ck_assert_msg(llabs(t - (long long)time(NULL)) < 120, "webhook-timestamp %s is not now", ts);
	ck_assert_int_eq(strncmp(secret, "whsec_", 6), 0);
	ck_assert_int_eq(sodium_base642bin(key, sizeof(key), secret + 6, strlen(secret + 6), NULL, &keylen, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	ck_assert_uint_eq(keylen, 32);
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(want + 3, sizeof(want) - 3, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	ck_assert_str_eq(sig, want);
}

/* The secret is made on first request, stays the same, and rotating it
 * replaces it. */
START_TEST(secret_is_stable_until_rotated)
{
	char *token = login_new_user();
	char *a = secret_of(token, "GET", "/api/batch/webhook-secret");
	char *b = secret_of(token, "GET", "/api/batch/webhook-secret");
	char *c, *d;
	char *other = login_new_user(), *theirs;

	ck_assert_int_eq(strncmp(a, "whsec_", 6), 0);
	ck_assert_uint_eq(strlen(a), 50);
	ck_assert_str_eq(a, b);
	c = secret_of(token, "POST", "/api/batch/webhook-secret/rotate");
	ck_assert_str_ne(a, c);
	d = secret_of(token, "GET", "/api/batch/webhook-secret");
	ck_assert_str_eq(c, d);
	theirs = secret_of(other, "GET", "/api/batch/webhook-secret");
	ck_assert_str_ne(theirs, d);
	/* Never stored in the clear. */
	char *n = it_psql("SELECT count(*) FROM webhook_secrets WHERE position('whsec' in encode(ciphertext, 'escape')) > 0");
	ck_assert_str_eq(n, "0");
	free(n);
	free(a), free(b), free(c), free(d), free(theirs), free(token), free(other);
}
END_TEST

/* A completed batch POSTs batch.completed to its callback, signed with the
 * owner's secret; webhook-id is the delivery's id. */
START_TEST(completed_batch_webhook_is_received_and_verifies)
{
	char *token = login_new_user(), *secret, *id;
	json_object *recs[16];
	int got;

	secret = secret_of(token, "GET", "/api/batch/webhook-secret");
	id = submit(token, it_env("IG_TEST_WEBHOOK_URL"));
	got = wait_received(id, recs, 16, 1, 60);
	assert_signed(recs[got - 1], secret);
	ck_assert_ptr_nonnull(strstr(it_jstr(recs[got - 1], "body", NULL), "batch.completed"));
	{
		char *dl = it_psql("SELECT id FROM webhook_deliveries WHERE batch_id = '%s' AND event = 'batch.completed'"
		    " AND delivered_at IS NOT NULL", it_sql_safe(id));
		ck_assert_str_eq(dl, it_jstr(json_object_object_get(recs[got - 1], "headers"), "webhook-id", NULL));
		free(dl);
	}
	for (int i = 0; i < got; i++)
		json_object_put(recs[i]);
	free(secret), free(id), free(token);
}
END_TEST

/* A receiver that fails gets the same webhook again (same webhook-id, a
 * fresh signature) after the back-off, until it answers 2xx. */
START_TEST(failed_webhook_is_retried_with_the_same_id)
{
	char *token = login_new_user(), *secret, *id;
	json_object *recs[16];
	int got;

	secret = secret_of(token, "GET", "/api/batch/webhook-secret");
	receiver_fail(1);
	id = submit(token, it_env("IG_TEST_WEBHOOK_URL"));
	got = wait_received(id, recs, 16, 2, 60);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(recs[0], "status")), 500);
	ck_assert_str_eq(it_jstr(json_object_object_get(recs[0], "headers"), "webhook-id", NULL),
	    it_jstr(json_object_object_get(recs[got - 1], "headers"), "webhook-id", NULL));
	assert_signed(recs[0], secret);
	assert_signed(recs[got - 1], secret);
	{
		char *n = it_psql("SELECT attempts FROM webhook_deliveries WHERE batch_id = '%s' AND event = 'batch.completed'",
		    it_sql_safe(id));
		ck_assert_str_eq(n, "2");
		free(n);
	}
	for (int i = 0; i < got; i++)
		json_object_put(recs[i]);
	free(secret), free(id), free(token);
}
END_TEST

/* SSRF: a callback into our own network is refused at submit, and
 * nothing is queued. */
START_TEST(private_and_metadata_callbacks_are_refused_at_submit)
{
	static const char *const bad[] = {
		"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:1/hook", "http://[::1]/hook",
		"http://192.168.0.10/hook", "http://user:pw@93.184.216.34/hook", "ftp://93.184.216.34/", NULL,
	};
	char *token = login_new_user();

	for (int i = 0; bad[i] != NULL; i++) {
		it_resp r;
		json_object *o;
		it_json(&r, next_source(), "POST", "/api/batch/generate", token,
		    "{\"prompts\": [\"refused\"], \"callback_url\": \"%s\"}", bad[i]);
		ck_assert_msg(r.status == 400, "%s: %ld %s", bad[i], r.status, r.body.data);
		o = it_json_body(&r);
		ck_assert_str_eq(it_jstr(o, "error", "field"), "callback_url");
		json_object_put(o);
		it_resp_free(&r);
	}
	free(token);
}
END_TEST

/* Before any test runs. */
static int
init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

IT_MAIN("webhooks", init,
	IT_TCASE("stack", 120,
	    &secret_is_stable_until_rotated,
	    &completed_batch_webhook_is_received_and_verifies,
	    &failed_webhook_is_retried_with_the_same_id,
	    &private_and_metadata_callbacks_are_refused_at_submit)
);
