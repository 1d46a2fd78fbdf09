/*
 * test_serverkeys.c — the server's own provider keys are the operator's
 * money (issue 10, item 4; lib/jobs/serverkey.h). Before the fix any user
 * could run any Replicate or Hugging Face model id, with any input, on
 * IG_<PROVIDER>_API_KEY, and chat with the server's OpenAI key without
 * limit. Each test restarts the pool and the runner with the server's keys
 * of the mock providers (which accept any key starting "good" after the
 * provider's prefix) and the IG_SERVER_KEYS settings it is about; the
 * teardown puts the stack back as it was for the suites after this one.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/integration/itest.h"

#define SERVER_KEYS "IG_OPENAI_API_KEY=sk-good-server IG_REPLICATE_API_KEY=r8_good-server"

static int counter;

/* 127.250-254.x.x: the other suites use 127.0-239. */
static const char *
next_source(void)
{
	return it_source(250, 5, 0);
}

static void
fresh_prompt(char *out, size_t len, const char *words)
{
	snprintf(out, len, "%s %d-%d", words, (int)getpid(), ++counter);
}

/* Restart the pool and the runner with the server's keys and settings
 * (space-separated IG_NAME=value words). */
static void
stack_with(const char *settings)
{
	char *o = ig_xasprintf("%s %s", SERVER_KEYS, settings);

	setenv("IG_STACK_OVERRIDES", o, 1);
	it_stack("pool-start");
	it_stack("worker-start");
	unsetenv("IG_STACK_OVERRIDES");
	free(o);
	ck_assert_int_eq(it_wait_health(200, 80), 200);
}

/* Unchecked teardown: the stack as the other suites expect it. */
static void
restore_stack(void)
{
	unsetenv("IG_STACK_OVERRIDES");
	if (it_stack_quiet("pool-start") != 0 || it_stack_quiet("worker-start") != 0)
		fprintf(stderr, "test_serverkeys: could not restore the stack\n");
}

typedef struct user {
	char name[64];
	char *tok;
	char ip[32];
} user;

static void
user_new(user *u, int admin)
{
	snprintf(u->ip, sizeof(u->ip), "%s", next_source());
	u->tok = it_new_user("sk", u->ip, u->name);
	if (admin)
		free(it_psql("UPDATE users SET role = 'admin' WHERE username = '%s'", it_sql_safe(u->name)));
}

/* Jobs the user has, and the user's server-key count of kind today. */
static int
jobs_of(const user *u)
{
	char *s = it_psql("SELECT count(*) FROM jobs j JOIN users u ON u.id = j.user_id WHERE u.username = '%s'",
	    it_sql_safe(u->name));
	int n = atoi(s);

	free(s);
	return n;
}

static int
used_of(const user *u, const char *kind)
{
	char *s = it_psql("SELECT coalesce(sum(count), 0) FROM server_key_usage k JOIN users u ON u.id = k.user_id"
	    " WHERE u.username = '%s' AND k.kind = '%s'", it_sql_safe(u->name), it_sql_safe(kind));
	int n = atoi(s);

	free(s);
	return n;
}

/* POST path as u with a fresh prompt; fields are more members ("" or
 * starting with ", "). The caller frees r. */
static void
generate(it_resp *r, const user *u, const char *path, const char *provider, const char *fields)
{
	char prompt[160];

	fresh_prompt(prompt, sizeof(prompt), "server keys: a harbour");
	it_json(r, u->ip, "POST", path, u->tok, "{\"prompt\": \"%s\", \"api_provider\": \"%s\","
	    " \"image_size\": \"512x512\"%s}", prompt, provider, fields);
}

/* Expect status and, for an error, its field and a word of its message. */
static void
expect(it_resp *r, long status, const char *field, const char *needle)
{
	json_object *o;

	ck_assert_msg(r->status == status, "want %ld, got %ld: %s", status, r->status, r->body.data);
	if (field == NULL && needle == NULL)
		return;
	o = it_json_body(r);
	if (field != NULL)
		ck_assert_str_eq(it_jstr(o, "error", "field"), field);
	if (needle != NULL)
		ck_assert_msg(strstr(it_jstr(o, "error", "message"), needle) != NULL, "%s not in %s", needle,
		    r->body.data);
	json_object_put(o);
}

/* POST message to the assistant as u, want status; the answer's source
 * ("" for an error), valid until the next call. */
static const char *
chat(const user *u, const char *message, long status)
{
	static char source[32];
	it_resp r;
	json_object *o;

	it_json(&r, u->ip, "POST", "/api/assistant/chat", u->tok, "{\"message\": \"%s\"}", message);
	ck_assert_msg(r.status == status, "chat: want %ld, got %ld: %s", status, r.status, r.body.data);
	o = it_json_body(&r);
	snprintf(source, sizeof(source), "%s", status == 200 ? it_jstr(o, "source", NULL) : "");
	json_object_put(o);
	it_resp_free(&r);
	return source;
}

/* The catalogue entry of provider for u (NULL: anonymous); *doc to put. */
static json_object *
catalogue_entry(const user *u, const char *provider, json_object **doc)
{
	it_resp r;
	json_object *list;

	it_json(&r, u ? u->ip : next_source(), "GET", "/api/settings/api-providers", u ? u->tok : NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	*doc = it_json_body(&r);
	it_resp_free(&r);
	ck_assert(json_object_object_get_ex(*doc, "providers", &list));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *p = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(json_object_object_get(p, "name")), provider) == 0)
			return p;
	}
	ck_abort_msg("no %s in the catalogue", provider);
	return NULL;
}

static const char *
jstr_or_null(json_object *o, const char *key)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "%s: %s", key, json_object_to_json_string(o));
	return v == NULL ? NULL : json_object_get_string(v);
}

/* admins (the default; tests/unit/test_core checks that it is): a user is refused the server's key with a 403
 * naming the setting, and nothing is queued; an administrator is served;
 * the user's own key always works; the assistant answers the user with
 * its built-in engine, not on the server's OpenAI key; the catalogue
 * tells each which it may use and why not. */
START_TEST(admins_only_by_default)
{
	user u, a;
	it_resp r;
	json_object *doc, *p;

	stack_with("IG_SERVER_KEYS=admins");
	user_new(&u, 0);
	user_new(&a, 1);

	generate(&r, &u, "/api/generate-image", "openai", "");
	expect(&r, 403, "api_key", "IG_SERVER_KEYS=admins");
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/batch/generate", u.tok,
	    "{\"prompts\": [\"a\", \"b\"], \"settings\": {\"api_provider\": \"replicate\"}}");
	expect(&r, 403, "api_key", "IG_SERVER_KEYS=admins");
	it_resp_free(&r);
	ck_assert_int_eq(jobs_of(&u), 0);

	generate(&r, &u, "/api/generate-image", "openai", ", \"api_key\": \"sk-good-own\"");
	expect(&r, 200, NULL, NULL);
	it_resp_free(&r);
	generate(&r, &a, "/api/generate-image", "openai", "");
	expect(&r, 200, NULL, NULL);
	it_resp_free(&r);
	/* An administrator may run any model id on the server's key. */
	{
		char prompt[160];
		fresh_prompt(prompt, sizeof(prompt), "server keys: admin's own model");
		it_json(&r, a.ip, "POST", "/api/replicate/generate", a.tok, "{\"prompt\": \"%s\","
		    " \"model\": \"someone/custom-model\", \"image_size\": \"512x512\", \"input\": {\"steps\": 4}}", prompt);
		expect(&r, 200, NULL, NULL);
		it_resp_free(&r);
	}

	ck_assert_str_eq(chat(&u, "a castle at dusk", 200), "builtin");
	ck_assert_str_eq(chat(&a, "a castle at dusk", 200), "openai");

	p = catalogue_entry(&u, "replicate", &doc);
	ck_assert(!it_jbool(p, "available"));
	ck_assert_str_eq(jstr_or_null(p, "key_source"), "none");
	ck_assert_ptr_nonnull(strstr(jstr_or_null(p, "unavailable_reason"), "IG_SERVER_KEYS=admins"));
	ck_assert(it_jbool(p, "open_models") && !it_jbool(p, "open_models_allowed"));
	ck_assert_str_eq(it_jstr(doc, "server_keys", "policy"), "admins");
	json_object_put(doc);
	p = catalogue_entry(&u, "stability", &doc);
	ck_assert(!it_jbool(p, "available"));
	ck_assert_ptr_nonnull(strstr(jstr_or_null(p, "unavailable_reason"), "IG_STABILITY_API_KEY"));
	json_object_put(doc);
	p = catalogue_entry(&u, "builtin", &doc);
	ck_assert(it_jbool(p, "available"));
	ck_assert_str_eq(jstr_or_null(p, "key_source"), "none");
	ck_assert_ptr_null(jstr_or_null(p, "unavailable_reason"));
	json_object_put(doc);
	p = catalogue_entry(&a, "replicate", &doc);
	ck_assert(it_jbool(p, "available") && it_jbool(p, "open_models_allowed"));
	ck_assert_str_eq(jstr_or_null(p, "key_source"), "server");
	json_object_put(doc);
	p = catalogue_entry(NULL, "openai", &doc);
	ck_assert(!it_jbool(p, "available"));
	ck_assert_ptr_nonnull(strstr(jstr_or_null(p, "unavailable_reason"), "IG_SERVER_KEYS=admins"));
	json_object_put(doc);
	free(u.tok);
	free(a.tok);
}
END_TEST

/* none: not even an administrator spends the server's key; own keys work. */
START_TEST(none_refuses_everyone)
{
	user a;
	it_resp r;

	stack_with("IG_SERVER_KEYS=none");
	user_new(&a, 1);
	generate(&r, &a, "/api/generate-image", "openai", "");
	expect(&r, 403, "api_key", "IG_SERVER_KEYS=none");
	it_resp_free(&r);
	ck_assert_int_eq(jobs_of(&a), 0);
	generate(&r, &a, "/api/generate-image", "openai", ", \"api_key\": \"sk-good-own\"");
	expect(&r, 200, NULL, NULL);
	it_resp_free(&r);
	free(a.tok);
}
END_TEST

/* users with a cap of 2 images a day: two images pass, the third is a 429
 * naming the cap with Retry-After up to the next UTC midnight, and a batch
 * that does not fit is refused whole; the catalogue counts down; the
 * user's own key still works past the cap; an administrator is not
 * counted. */
START_TEST(users_capped_per_day)
{
	user u, b, a;
	it_resp r;
	json_object *doc, *p;
	char ra[32];

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_IMAGES=2");
	user_new(&u, 0);
	user_new(&b, 0);
	user_new(&a, 1);

	p = catalogue_entry(&u, "openai", &doc);
	ck_assert(it_jbool(p, "available"));
	ck_assert_str_eq(jstr_or_null(p, "key_source"), "server");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "server_key_remaining")), 2);
	json_object_put(doc);

	for (int i = 0; i < 2; i++) {
		generate(&r, &u, "/api/generate-image", "openai", "");
		expect(&r, 200, NULL, NULL);
		it_resp_free(&r);
	}
	generate(&r, &u, "/api/generate-image", "openai", "");
	expect(&r, 429, "image_count", "IG_SERVER_KEY_DAILY_IMAGES");
	ck_assert(it_header(&r, "Retry-After", ra, sizeof(ra)));
	ck_assert_msg(atoi(ra) >= 1 && atoi(ra) <= 86400, "Retry-After %s", ra);
	it_resp_free(&r);
	ck_assert_int_eq(jobs_of(&u), 2);
	ck_assert_int_eq(used_of(&u, "images"), 2);

	p = catalogue_entry(&u, "openai", &doc);
	ck_assert(!it_jbool(p, "available"));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "server_key_remaining")), 0);
	ck_assert_ptr_nonnull(strstr(jstr_or_null(p, "unavailable_reason"), "IG_SERVER_KEY_DAILY_IMAGES"));
	ck_assert_str_eq(it_jstr(doc, "server_keys", "policy"), "users");
	{
		json_object *sk = json_object_object_get(doc, "server_keys");
		json_object *im = json_object_object_get(sk, "images");
		ck_assert(it_jbool(sk, "metered"));
		ck_assert_int_eq(json_object_get_int(json_object_object_get(im, "used")), 2);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(im, "remaining")), 0);
	}
	json_object_put(doc);

	/* Nobody to count against: anonymous callers never use the server's key. */
	p = catalogue_entry(NULL, "openai", &doc);
	ck_assert(!it_jbool(p, "available"));
	ck_assert_ptr_nonnull(strstr(jstr_or_null(p, "unavailable_reason"), "signed-in"));
	json_object_put(doc);
	{
		char prompt[160];
		fresh_prompt(prompt, sizeof(prompt), "server keys: anonymous");
		it_json(&r, next_source(), "POST", "/api/generate-image", NULL,
		    "{\"prompt\": \"%s\", \"api_provider\": \"openai\", \"image_size\": \"512x512\"}", prompt);
		expect(&r, 403, "api_key", "signed-in");
		it_resp_free(&r);
	}

	/* Own key past the cap. */
	generate(&r, &u, "/api/generate-image", "openai", ", \"api_key\": \"sk-good-own\"");
	expect(&r, 200, NULL, NULL);
	it_resp_free(&r);

	/* A batch counts every image: 3 prompts do not fit in 2, and nothing
	 * of it is queued; 2 prompts do, and then a single image does not. */
	it_json(&r, b.ip, "POST", "/api/batch/generate", b.tok,
	    "{\"prompts\": [\"a %d\", \"b\", \"c\"], \"settings\": {\"api_provider\": \"openai\"}}", ++counter);
	expect(&r, 429, NULL, "IG_SERVER_KEY_DAILY_IMAGES");
	it_resp_free(&r);
	ck_assert_int_eq(jobs_of(&b), 0);
	ck_assert_int_eq(used_of(&b, "images"), 0);
	it_json(&r, b.ip, "POST", "/api/batch/generate", b.tok,
	    "{\"prompts\": [\"a %d\", \"b\"], \"settings\": {\"api_provider\": \"openai\"}}", ++counter);
	expect(&r, 202, NULL, NULL);
	it_resp_free(&r);
	generate(&r, &b, "/api/generate-image", "openai", "");
	expect(&r, 429, NULL, "IG_SERVER_KEY_DAILY_IMAGES");
	it_resp_free(&r);

	for (int i = 0; i < 3; i++) {
		generate(&r, &a, "/api/generate-image", "openai", "");
		expect(&r, 200, NULL, NULL);
		it_resp_free(&r);
	}
	ck_assert_int_eq(used_of(&a, "images"), 0);
	free(u.tok);
	free(b.tok);
	free(a.tok);
}
END_TEST

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/* Many requests of one user at once cannot pass the cap together: the
 * count is one conditional upsert, not a read and a write. */
START_TEST(concurrent_requests_cannot_pass_the_cap)
{
	enum { N = 8 };
	user u;
	CURLM *m = curl_multi_init();
	CURL *h[N];
	struct curl_slist *hdr = NULL;
	char *bodies[N], auth[4096];
	int running, ok = 0, limited = 0;

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_IMAGES=2");
	user_new(&u, 0);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", u.tok);
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	for (int i = 0; i < N; i++) {
		char prompt[160], *url = ig_xasprintf("%s/api/generate-image", it_env("IG_TEST_BASE_URL"));
		fresh_prompt(prompt, sizeof(prompt), "server keys: together");
		bodies[i] = ig_xasprintf("{\"prompt\": \"%s\", \"api_provider\": \"openai\", \"image_size\": \"512x512\"}",
		    prompt);
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, url);
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, bodies[i]);
		curl_easy_setopt(h[i], CURLOPT_INTERFACE, u.ip);
		curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, discard);
		curl_multi_add_handle(m, h[i]);
		free(url);
	}
	do {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	} while (running);
	for (int i = 0; i < N; i++) {
		long st = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &st);
		ok += st == 200;
		limited += st == 429;
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		free(bodies[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hdr);
	printf("concurrent_requests_cannot_pass_the_cap: %d requests at once, %d answered 200, %d answered 429\n", N,
	    ok, limited);
	ck_assert_int_eq(ok, 2);
	ck_assert_int_eq(limited, N - 2);
	ck_assert_int_eq(jobs_of(&u), 2);
	ck_assert_int_eq(used_of(&u, "images"), 2);
	free(u.tok);
}
END_TEST

/* Open model ids and free-form fields run on the server's key for
 * administrators only: a user gets a 403 naming model, version or input,
 * nothing is queued or counted; the same with the user's own key runs,
 * and a listed model on the server's key runs. */
START_TEST(open_models_and_input_need_own_key)
{
	user u;
	it_resp r;
	char prompt[160];

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_IMAGES=20");
	user_new(&u, 0);
	generate(&r, &u, "/api/generate-image", "replicate", ", \"model\": \"someone/custom-model\"");
	expect(&r, 403, "model", "someone/custom-model");
	it_resp_free(&r);
	generate(&r, &u, "/api/generate-image", "replicate", ", \"model\": \"black-forest-labs/flux-schnell:0123abcd\"");
	expect(&r, 403, "model", "administrators");
	it_resp_free(&r);
	fresh_prompt(prompt, sizeof(prompt), "server keys: free-form input");
	it_json(&r, u.ip, "POST", "/api/replicate/generate", u.tok, "{\"prompt\": \"%s\", \"image_size\": \"512x512\","
	    " \"input\": {\"num_inference_steps\": 500}}", prompt);
	expect(&r, 403, "input", "administrators");
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/replicate/generate", u.tok, "{\"prompt\": \"%s\", \"image_size\": \"512x512\","
	    " \"version\": \"0123abcd\"}", prompt);
	expect(&r, 403, "version", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/batch/generate", u.tok,
	    "{\"prompts\": [\"a\"], \"settings\": {\"api_provider\": \"replicate\", \"model\": \"someone/model\"}}");
	expect(&r, 403, "settings.model", NULL);
	it_resp_free(&r);
	ck_assert_int_eq(jobs_of(&u), 0);
	ck_assert_int_eq(used_of(&u, "images"), 0);

	it_json(&r, u.ip, "POST", "/api/replicate/generate", u.tok, "{\"prompt\": \"%s\", \"image_size\": \"512x512\","
	    " \"model\": \"someone/custom-model\", \"input\": {\"steps\": 4}, \"api_key\": \"r8_good-own\"}", prompt);
	expect(&r, 200, NULL, NULL);
	it_resp_free(&r);
	generate(&r, &u, "/api/generate-image", "replicate", ", \"model\": \"black-forest-labs/flux-dev\"");
	expect(&r, 200, NULL, NULL);
	it_resp_free(&r);
	ck_assert_int_eq(used_of(&u, "images"), 1);
	free(u.tok);
}
END_TEST

/* The assistant's chat on the server's OpenAI key is capped per user and
 * day: the third chat with a cap of 2 is a 429 naming the cap; a stored
 * key of the user's own still answers. */
START_TEST(chat_capped_per_day)
{
	user u;
	it_resp r;
	char ra[32];

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_CHATS=2");
	user_new(&u, 0);
	ck_assert_str_eq(chat(&u, "a windmill", 200), "openai");
	ck_assert_str_eq(chat(&u, "a windmill again", 200), "openai");
	it_json(&r, u.ip, "POST", "/api/assistant/chat", u.tok, "{\"message\": \"a windmill, third\"}");
	expect(&r, 429, NULL, "IG_SERVER_KEY_DAILY_CHATS");
	ck_assert(it_header(&r, "Retry-After", ra, sizeof(ra)));
	it_resp_free(&r);
	ck_assert_int_eq(used_of(&u, "chats"), 2);

	it_json(&r, u.ip, "POST", "/api/keys/providers", u.tok, "{\"provider\": \"openai\", \"api_key\": \"sk-good-own\"}");
	ck_assert_int_eq(r.status, 201);
	it_resp_free(&r);
	ck_assert_str_eq(chat(&u, "a windmill, own key", 200), "openai");
	ck_assert_int_eq(used_of(&u, "chats"), 2);
	free(u.tok);
}
END_TEST

/* A control call to the mock providers (body NULL: a GET); its answer,
 * which the caller puts. */
static json_object *
mock(const char *path, const char *body)
{
	char url[512];
	it_resp r;
	json_object *o;

	snprintf(url, sizeof(url), "%s%s", it_env("IG_MOCK_URL"), path);
	it_http_ex(url, body ? "POST" : "GET", "", body, body ? strlen(body) : 0,
	    (const char *const[]){ "Content-Type: application/json", NULL }, 10, &r);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* The batch's status as u sees it, once it is no longer queued or running. */
static char *
batch_settled(const user *u, const char *id)
{
	char path[128], *st = NULL;

	snprintf(path, sizeof(path), "/api/batch/status/%s", id);
	for (int i = 0; i < 120 && st == NULL; i++) {
		it_resp r;
		json_object *o;
		it_json(&r, u->ip, "GET", path, u->tok, NULL);
		ck_assert_int_eq(r.status, 200);
		o = it_json_body(&r);
		if (strcmp(it_jstr(o, "status", NULL), "queued") != 0 && strcmp(it_jstr(o, "status", NULL), "processing") != 0)
			st = ig_xstrdup(it_jstr(o, "status", NULL));
		json_object_put(o);
		it_resp_free(&r);
		if (st == NULL)
			it_sleep_ms(250);
	}
	ck_assert_msg(st != NULL, "batch %s did not settle", id);
	return st;
}

/* A retry runs failed items on the server's key again, so it counts them
 * again: refused whole past the cap (nothing re-queued), served once the
 * cap has room (the counts are in the database: a restart keeps them). */
START_TEST(batch_retry_counts_again)
{
	user u;
	it_resp r;
	json_object *o;
	char id[64], path[128], *st;

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_IMAGES=3");
	user_new(&u, 0);
	json_object_put(mock("/_control/reset", "{}"));
	json_object_put(mock("/_control/script",
	    "{\"provider\": \"openai\", \"responses\": [{\"mode\": \"refusal\", \"times\": 2}]}"));
	it_json(&r, u.ip, "POST", "/api/batch/generate", u.tok,
	    "{\"prompts\": [\"a retry %d\", \"b\"], \"settings\": {\"api_provider\": \"openai\"}}", ++counter);
	expect(&r, 202, NULL, NULL);
	o = it_json_body(&r);
	snprintf(id, sizeof(id), "%s", it_jstr(o, "batch_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
	st = batch_settled(&u, id);
	ck_assert_str_eq(st, "failed");
	free(st);
	ck_assert_int_eq(used_of(&u, "images"), 2);

	snprintf(path, sizeof(path), "/api/batch/%s/retry", id);
	it_json(&r, u.ip, "POST", path, u.tok, NULL);
	expect(&r, 429, NULL, "IG_SERVER_KEY_DAILY_IMAGES");
	it_resp_free(&r);
	{
		char *q = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'failed'", it_sql_safe(id));
		ck_assert_str_eq(q, "2");
		free(q);
	}
	ck_assert_int_eq(used_of(&u, "images"), 2);

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_IMAGES=4");
	it_json(&r, u.ip, "POST", path, u.tok, NULL);
	expect(&r, 200, NULL, NULL);
	o = it_json_body(&r);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "retried")), 2);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(used_of(&u, "images"), 4);
	st = batch_settled(&u, id);
	ck_assert_str_eq(st, "completed");
	free(st);
	free(u.tok);
}
END_TEST

/* IG_SERVER_KEYS=none is the operator's stop switch: jobs queued on the
 * server's key before it was set fail at the runner (forbidden), and the
 * provider never hears of them. */
START_TEST(none_stops_jobs_already_queued)
{
	user u;
	it_resp r;
	json_object *o, *reqs;
	char id[64], *st, *codes, *env;

	stack_with("IG_SERVER_KEYS=users IG_SERVER_KEY_DAILY_IMAGES=10");
	user_new(&u, 0);
	it_stack("worker-stop");
	json_object_put(mock("/_control/reset", "{}"));
	it_json(&r, u.ip, "POST", "/api/batch/generate", u.tok,
	    "{\"prompts\": [\"a stop %d\", \"b\"], \"settings\": {\"api_provider\": \"openai\"}}", ++counter);
	expect(&r, 202, NULL, NULL);
	o = it_json_body(&r);
	snprintf(id, sizeof(id), "%s", it_jstr(o, "batch_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
	env = ig_xasprintf("%s IG_SERVER_KEYS=none", SERVER_KEYS);
	setenv("IG_STACK_OVERRIDES", env, 1);
	it_stack("worker-start");
	unsetenv("IG_STACK_OVERRIDES");
	free(env);
	st = batch_settled(&u, id);
	ck_assert_str_eq(st, "failed");
	free(st);
	codes = it_psql("SELECT string_agg(DISTINCT error_code, ',') FROM jobs WHERE batch_id = '%s'", it_sql_safe(id));
	ck_assert_str_eq(codes, "forbidden");
	free(codes);
	o = mock("/_control/requests?provider=openai", NULL);
	ck_assert(json_object_object_get_ex(o, "requests", &reqs));
	ck_assert_int_eq(json_object_array_length(reqs), 0);
	json_object_put(o);
	free(u.tok);
}
END_TEST

IT_MAIN("serverkeys", NULL,
	{ .name = "serverkeys", .timeout_s = 120, .setup = NULL, .teardown = restore_stack,
	    .tests = IT_TESTS(&admins_only_by_default, &none_refuses_everyone, &users_capped_per_day, &concurrent_requests_cannot_pass_the_cap, &open_models_and_input_need_own_key, &chat_capped_per_day, &batch_retry_counts_again, &none_stops_jobs_already_queued)
	}
);
