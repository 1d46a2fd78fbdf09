/*
 * test_generate.c — POST /api/generate-image end to end through nginx:
 * the job queue, imagegen-worker, the image store and the cache, with the
 * offline builtin provider (the default) so nothing here needs a network.
 * Provider wire formats are tested against the mock providers in
 * test_providers.c.
 */
#include "ig_autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

static int counter;

/* Each request from its own loopback address: these tests are about
 * generation, not about IG_GENERATE_RATE_LIMIT (10 a minute per address
 * in the test stack). */
static const char *
next_source(void)
{
	return it_source(60, 60, 0);
}

static json_object *
generate(it_resp *r, long want_status, const char *fmt_body)
{
	json_object *o;

	it_json(r, next_source(), "POST", "/api/generate-image", NULL, "%s", fmt_body);
	ck_assert_msg(r->status == want_status, "status %ld, body %s", r->status, r->body.data);
	o = it_json_body(r);
	return o;
}

static json_object *
first_image(json_object *o)
{
	json_object *imgs;

	ck_assert(json_object_object_get_ex(o, "images", &imgs));
	ck_assert_int_ge(json_object_array_length(imgs), 1);
	return json_object_array_get_idx(imgs, 0);
}

/* Find a tEXt or iTXt chunk's value in a PNG held in buf. */
static char *
png_text(const unsigned char *buf, size_t len, const char *keyword)
{
	size_t off = 8, kl = strlen(keyword);

	if (len < 8 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8) != 0)
		return NULL;
	while (off + 12 <= len) {
		uint32_t n;
		memcpy(&n, buf + off, 4);
		n = ntohl(n);
		const unsigned char *type = buf + off + 4, *data = buf + off + 8;
		if (off + 12 + n > len)
			return NULL;
		if ((memcmp(type, "tEXt", 4) == 0 || memcmp(type, "iTXt", 4) == 0) && n > kl &&
		    memcmp(data, keyword, kl) == 0 && data[kl] == 0) {
			const unsigned char *v = data + kl + 1, *end = data + n;
			if (memcmp(type, "iTXt", 4) == 0) {
				v += 2;                           /* compression flag and method */
				v = memchr(v, 0, (size_t)(end - v)) + 1;    /* language tag */
				v = memchr(v, 0, (size_t)(end - v)) + 1;    /* translated keyword */
			}
			return ig_xstrndup((const char *)v, (size_t)(end - v));
		}
		off += 12 + n;
	}
	return NULL;
}

/* The seed's request shape with the default provider: one stored image,
 * served by nginx, named in the seed's pattern, with its thumbnail. */
START_TEST(builtin_generates_a_stored_image)
{
	char prompt[128], body[512], path[300];
	it_resp r, img, th;
	json_object *o, *im;
	const char *fn;

	it_fresh_prompt(prompt, sizeof(prompt), "A beautiful sunset over mountains");
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"negative_prompt\": \"blurry, low quality\","
	    " \"image_size\": \"512x384\", \"image_count\": 2, \"seed\": 42}", prompt);
	o = generate(&r, 200, body);
	ck_assert(json_object_get_boolean(json_object_object_get(o, "success")));
	ck_assert_str_eq(it_jstr(o, "provider", NULL), "builtin");
	ck_assert(!json_object_get_boolean(json_object_object_get(o, "cached")));
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "images")), 2);
	{
		char want[256];
		snprintf(want, sizeof(want), "%s --no blurry, low quality", prompt);
		ck_assert_str_eq(it_jstr(o, "prompt_used", NULL), want);
	}
	ck_assert_int_eq(json_object_get_int(json_object_object_get(json_object_object_get(o, "statistics"),
	    "success_count")), 2);
	im = first_image(o);
	fn = json_object_get_string(json_object_object_get(im, "filename"));
	ck_assert_msg(strncmp(fn, "builtin_", 8) == 0 && strstr(fn, "_1_") != NULL, "name %s", fn);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(im, "width")), 512);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(im, "height")), 384);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(im, "seed")), 42);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(im, "mime_type")), "image/png");
	ck_assert(json_object_object_get(im, "base64") == NULL);
	snprintf(path, sizeof(path), "%s", json_object_get_string(json_object_object_get(im, "url")));
	it_http("GET", path, NULL, 0, &img);
	ck_assert_int_eq(img.status, 200);
	ck_assert(img.body.len > 1000 && memcmp(img.body.data, "\x89PNG", 4) == 0);
	/* The generation parameters travel in the file. */
	char *params = png_text((unsigned char *)img.body.data, img.body.len, "parameters");
	ck_assert_ptr_nonnull(params);
	ck_assert_ptr_nonnull(strstr(params, prompt));
	ck_assert_ptr_nonnull(strstr(params, "Negative prompt: blurry, low quality"));
	ck_assert_ptr_nonnull(strstr(params, "Seed: 42"));
	free(params);
	char *meta = png_text((unsigned char *)img.body.data, img.body.len, "imagegen");
	ck_assert_ptr_nonnull(meta);
	ck_assert_ptr_nonnull(strstr(meta, it_jstr(o, "generation_id", NULL)));
	/* issue 16: what the builtin renderer understood travels with it */
	ck_assert_msg(strstr(meta, "\"drawn\":{\"subjects\":[],\"counts\":[],\"scene\":\"mountains\"") != NULL,
	    "imagegen metadata: %s", meta);
	free(meta);
	/* The thumbnail follows the answer by a few milliseconds. */
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ".thumb.png");
	for (int tries = 0; tries < 50; tries++) {
		it_http("GET", path, NULL, 0, &th);
		if (th.status == 200)
			break;
		it_resp_free(&th);
		it_sleep_ms(100);
	}
	ck_assert_int_eq(th.status, 200);
	ck_assert(memcmp(th.body.data, "\x89PNG", 4) == 0);
	/* One row per image, tied to the job. */
	char *rows = it_psql("SELECT count(*) FROM images WHERE job_id = '%s'",
	    it_sql_safe(it_jstr(o, "generation_id", NULL)));
	ck_assert_str_eq(rows, "2");
	free(rows);
	it_resp_free(&th);
	it_resp_free(&img);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* The seed's performance note: the same prompt answers from the cache;
 * no_cache forces a new generation. */
START_TEST(identical_request_is_cached)
{
	char prompt[128], body[512];
	it_resp r1, r2, r3;
	json_object *a, *b, *c;

	it_fresh_prompt(prompt, sizeof(prompt), "cache me: a red fox in snow");
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"image_size\": \"256x256\"}", prompt);
	a = generate(&r1, 200, body);
	b = generate(&r2, 200, body);
	ck_assert(!json_object_get_boolean(json_object_object_get(a, "cached")));
	ck_assert(json_object_get_boolean(json_object_object_get(b, "cached")));
	ck_assert_str_eq(it_jstr(a, "generation_id", NULL), it_jstr(b, "generation_id", NULL));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(first_image(a), "id")),
	    json_object_get_string(json_object_object_get(first_image(b), "id")));
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"image_size\": \"256x256\", \"no_cache\": true}", prompt);
	c = generate(&r3, 200, body);
	ck_assert(!json_object_get_boolean(json_object_object_get(c, "cached")));
	ck_assert_str_ne(it_jstr(a, "generation_id", NULL), it_jstr(c, "generation_id", NULL));
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
	it_resp_free(&r1);
	it_resp_free(&r2);
	it_resp_free(&r3);
}
END_TEST

/* response_format b64_json fills base64 with exactly the served file. */
START_TEST(b64_json_fills_base64)
{
	char prompt[128], body[512];
	it_resp r, f;
	json_object *o, *im;
	const char *b64;

	it_fresh_prompt(prompt, sizeof(prompt), "b64: a lighthouse at night");
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"image_size\": \"128x128\", \"response_format\": \"b64_json\"}", prompt);
	o = generate(&r, 200, body);
	im = first_image(o);
	b64 = json_object_get_string(json_object_object_get(im, "base64"));
	ck_assert_ptr_nonnull(b64);
	it_http("GET", json_object_get_string(json_object_object_get(im, "url")), NULL, 0, &f);
	ck_assert_int_eq(f.status, 200);
	{
		char *enc = ig_base64_encode((const unsigned char *)f.body.data, f.body.len);
		ck_assert_str_eq(enc, b64);
		free(enc);
	}
	it_resp_free(&f);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Bad input is a 400 naming the field, and nothing is queued. */
START_TEST(invalid_requests_name_the_field)
{
	static const struct {
		const char *body;
		const char *field;
	} cases[] = {
		{ "{}", "prompt" },
		{ "{\"prompt\": \"\"}", "prompt" },
		{ "{\"prompt\": \"x\", \"image_count\": 11}", "image_count" },
		{ "{\"prompt\": \"x\", \"image_count\": \"2\"}", "image_count" },
		{ "{\"prompt\": \"x\", \"image_size\": \"big\"}", "image_size" },
		{ "{\"prompt\": \"x\", \"image_size\": \"10x10\"}", "image_size" },
		{ "{\"prompt\": \"x\", \"api_provider\": \"dalle\"}", "api_provider" },
		{ "{\"prompt\": \"x\", \"model\": \"no-such-model\"}", "model" },
		{ "{\"prompt\": \"x\", \"seed\": -1}", "seed" },
		{ "{\"prompt\": \"x\", \"response_format\": \"jpeg\"}", "response_format" },
		{ "{\"prompt\": \"x\", \"no_cache\": 1}", "no_cache" },
		{ "{\"prompt\": \"x\", \"colour\": \"red\"}", "colour" },
	};
	char *before = it_psql("SELECT count(*) FROM jobs"), *after;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		it_resp r;
		json_object *o = generate(&r, 400, cases[i].body);
		ck_assert_msg(strcmp(it_jstr(o, "error", "field"), cases[i].field) == 0, "%s: field %s",
		    cases[i].body, it_jstr(o, "error", "field"));
		json_object_put(o);
		it_resp_free(&r);
	}
	{
		char big[4100 + 40];
		it_resp r;
		memset(big, 'a', sizeof(big));
		memcpy(big, "{\"prompt\": \"", 12);
		memcpy(big + 12 + 4001, "\"}", 3);
		json_object *o = generate(&r, 400, big);
		ck_assert_str_eq(it_jstr(o, "error", "field"), "prompt");
		json_object_put(o);
		it_resp_free(&r);
	}
	after = it_psql("SELECT count(*) FROM jobs");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

/* A request needing a key that nobody has is a 401 naming the provider,
 * before anything is queued. */
START_TEST(missing_provider_key_is_401)
{
	it_resp r;
	json_object *o = generate(&r, 401, "{\"prompt\": \"x\", \"api_provider\": \"openai\"}");

	ck_assert_str_eq(it_jstr(o, "error", "field"), "api_key");
	ck_assert_ptr_nonnull(strstr(it_jstr(o, "error", "message"), "openai"));
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* The OpenAI-compatible endpoint answers in OpenAI's shapes, so OpenAI
 * SDKs pointed at us work: data[].url for url, b64_json otherwise, and
 * OpenAI's error object. */
START_TEST(openai_compatible_generations_and_models)
{
	char body[512], prompt[128];
	it_resp r;
	json_object *o, *data;
	const char *tok;

	char *jwt = it_new_user("oa", next_source(), NULL);

	it_json(&r, next_source(), "GET", "/v1/models", jwt, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "object", NULL), "list");
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"builtin/builtin-procedural-v1\""));
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"openai/dall-e-3\""));
	json_object_put(o);
	it_resp_free(&r);

	it_fresh_prompt(prompt, sizeof(prompt), "openai sdk: a harbour at dawn");
	snprintf(body, sizeof(body), "{\"model\": \"builtin/builtin-procedural-v1\", \"prompt\": \"%s\","
	    " \"n\": 2, \"size\": \"256x256\", \"response_format\": \"b64_json\"}", prompt);
	it_json(&r, next_source(), "POST", "/v1/images/generations", jwt, "%s", body);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	ck_assert(json_object_object_get_ex(o, "data", &data));
	ck_assert_int_eq(json_object_array_length(data), 2);
	tok = json_object_get_string(json_object_object_get(json_object_array_get_idx(data, 0), "b64_json"));
	ck_assert_ptr_nonnull(tok);
	ck_assert(strncmp(tok, "iVBORw0KGgo", 11) == 0);   /* base64 of the PNG signature */
	ck_assert(json_object_get_int64(json_object_object_get(o, "created")) > 1700000000);
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, next_source(), "POST", "/v1/images/generations", jwt, "{\"prompt\": \"x\", \"model\": \"nope\"}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "type"), "invalid_request_error");
	ck_assert_str_eq(it_jstr(o, "error", "param"), "model");
	json_object_put(o);
	it_resp_free(&r);

	/* User access: no token, OpenAI's 401. */
	it_json(&r, next_source(), "POST", "/v1/images/generations", NULL, "{\"prompt\": \"x\"}");
	ck_assert_int_eq(r.status, 401);
	it_resp_free(&r);
	free(jwt);
}
END_TEST

/* The catalogue comes from the adapters' declarations and real job
 * outcomes, not a fixed list. */
START_TEST(provider_catalogue_is_declared_and_observed)
{
	it_resp r;
	json_object *o, *list;
	int seen = 0;

	it_json(&r, next_source(), "GET", "/api/settings/api-providers", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert(json_object_object_get_ex(o, "providers", &list));
	ck_assert_int_eq(json_object_array_length(list), 7);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *p = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(json_object_object_get(p, "name")), "builtin") != 0)
			continue;
		seen = 1;
		ck_assert(json_object_get_boolean(json_object_object_get(p, "configured")));
		ck_assert(json_object_get_boolean(json_object_object_get(p, "supports_seed")));
		ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "max_images")), 10);
	}
	ck_assert(seen);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

typedef struct bg_call {
	char body[256];
	const char *key_header;
	const char *ip;
	it_resp r;
} bg_call;

static void *
bg_main(void *arg)
{
	bg_call *c = arg;
	const char *hdrs[3] = { "Content-Type: application/json", c->key_header, NULL };
	it_req q = { .method = "POST", .path = "/api/generate-image", .body = c->body,
		.len = strlen(c->body), .headers = hdrs, .source_ip = c->ip, .timeout_s = 120 };

	it_request(&q, &c->r);
	return NULL;
}

/* Idempotency-Key: a repeat gets the first answer (same generation, no
 * second job), another body with the same key is a 422, and a repeat while
 * the first still runs is a 409. */
START_TEST(idempotency_key_replays_the_first_answer)
{
	char prompt[128], key[80], hdr[120], ip[32];
	bg_call a, b, c;
	pthread_t t;
	json_object *o1, *o2;
	char *jobs_before, *jobs_after;

	it_fresh_prompt(prompt, sizeof(prompt), "idempotent: a windmill in a storm");
	snprintf(key, sizeof(key), "idem-%d-%d", (int)getpid(), ++counter);
	snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
	snprintf(ip, sizeof(ip), "%s", next_source());
	memset(&a, 0, sizeof(a));
	snprintf(a.body, sizeof(a.body), "{\"prompt\": \"%s\", \"image_count\": 10, \"image_size\": \"1024x1024\"}", prompt);
	a.key_header = hdr;
	a.ip = ip;
	b = a;
	c = a;
	snprintf(c.body, sizeof(c.body), "{\"prompt\": \"%s, but blue\"}", prompt);

	pthread_create(&t, NULL, bg_main, &a);
	it_sleep_ms(300);
	bg_main(&b);                     /* the first is still rendering */
	ck_assert_msg(b.r.status == 409, "in flight: %ld %s", b.r.status, b.r.body.data);
	it_resp_free(&b.r);
	pthread_join(t, NULL);
	ck_assert_msg(a.r.status == 200, "%s", a.r.body.data);
	jobs_before = it_psql("SELECT count(*) FROM jobs");
	bg_main(&b);                     /* a repeat after it finished */
	ck_assert_int_eq(b.r.status, 200);
	o1 = it_json_body(&a.r);
	o2 = it_json_body(&b.r);
	ck_assert_str_eq(it_jstr(o1, "generation_id", NULL), it_jstr(o2, "generation_id", NULL));
	jobs_after = it_psql("SELECT count(*) FROM jobs");
	ck_assert_str_eq(jobs_before, jobs_after);
	bg_main(&c);                     /* same key, another body */
	ck_assert_int_eq(c.r.status, 422);
	json_object *e = it_json_body(&c.r);
	ck_assert_str_eq(it_jstr(e, "error", "code"), "idempotency_mismatch");
	json_object_put(e);
	json_object_put(o1);
	json_object_put(o2);
	free(jobs_before);
	free(jobs_after);
	it_resp_free(&a.r);
	it_resp_free(&b.r);
	it_resp_free(&c.r);
}
END_TEST

/* The local server's status and checkpoints are asked of it (the mock's
 * AUTOMATIC1111 API here), and /api/local_ai/generate passes its own
 * fields through to the txt2img call. */
START_TEST(local_ai_routes_ask_the_server)
{
	char *tok = it_new_user("pr", next_source(), NULL), prompt[128], url[512];
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "GET", "/api/local_ai/status", tok, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(json_object_object_get(o, "reachable")));
	ck_assert_int_ge(json_object_array_length(json_object_object_get(o, "models")), 1);
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, next_source(), "GET", "/api/huggingface/models", tok, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"default\":true"));
	it_resp_free(&r);

	snprintf(url, sizeof(url), "%s/_control/reset", it_env("IG_MOCK_URL"));
	it_http_ex(url, "POST", "", "{}", 2, NULL, 10, &r);
	it_resp_free(&r);
	it_fresh_prompt(prompt, sizeof(prompt), "local: a tea house in rain");
	it_json(&r, next_source(), "POST", "/api/local_ai/generate", tok,
	    "{\"prompt\": \"%s\", \"image_size\": \"64x64\", \"steps\": 5, \"cfg_scale\": 6.5,"
	    " \"sampler_name\": \"Euler a\"}", prompt);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "provider", NULL), "local_ai");
	json_object_put(o);
	it_resp_free(&r);
	snprintf(url, sizeof(url), "%s/_control/requests?provider=local_ai", it_env("IG_MOCK_URL"));
	it_http_ex(url, "GET", "", NULL, 0, NULL, 10, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"steps\": 5"));
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"sampler_name\": \"Euler a\""));
	it_resp_free(&r);

	/* Their own fields are checked by the adapter, the field named. */
	it_json(&r, next_source(), "POST", "/api/local_ai/generate", tok, "{\"prompt\": \"x\", \"steps\": 0}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "steps");
	json_object_put(o);
	it_resp_free(&r);
	free(tok);
}
END_TEST

/* tags (API.md "Generation"; PATCH /api/images/{id}'s rules) go on every
 * image the runner makes for the request, deduplicated and sorted; an
 * identical request made before without them is not answered from the
 * cache (its images keep theirs). A bad tag list is a 400 naming tags. */
START_TEST(tags_go_on_every_image)
{
	char prompt[128], body[1024], many[512] = "";
	it_resp r;
	json_object *o;
	char *rows;

	it_fresh_prompt(prompt, sizeof(prompt), "A lighthouse in fog");
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"image_count\": 2}", prompt);
	json_object_put(generate(&r, 200, body));
	it_resp_free(&r);
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"image_count\": 2, \"tags\": [\"sea\", \"Fog\", \"sea\"]}",
	    prompt);
	o = generate(&r, 200, body);
	it_resp_free(&r);
	ck_assert(!it_jbool(o, "cached"));
	rows = it_psql("SELECT string_agg(array_to_string(tags, ','), ';' ORDER BY idx) FROM images WHERE job_id = '%s'",
	    it_sql_safe(it_js(o, "generation_id")));
	ck_assert_str_eq(rows, "Fog,sea;Fog,sea");
	free(rows);
	json_object_put(o);

	static const char *const bad[] = { "\"tags\": \"sea\"", "\"tags\": [\"\"]", "\"tags\": [\"a,b\"]", "\"tags\": [7]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"prompt\": \"%s\", %s}", prompt, bad[i]);
		it_json(&r, next_source(), "POST", "/api/generate-image", NULL, "%s", body);
		it_expect_error(&r, 400, "invalid_request", "tags", NULL);
		it_resp_free(&r);
	}
	for (int i = 0; i < 33; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"t%d\"", i ? "," : "", i);
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"tags\": [%s]}", prompt, many);
	it_json(&r, next_source(), "POST", "/api/generate-image", NULL, "%s", body);
	it_expect_error(&r, 400, "invalid_request", "tags", NULL);
	it_resp_free(&r);
}
END_TEST

IT_MAIN("generate", NULL,
	IT_TCASE("builtin", 120,
	    &builtin_generates_a_stored_image,
	    &identical_request_is_cached,
	    &b64_json_fills_base64,
	    &invalid_requests_name_the_field,
	    &missing_provider_key_is_401,
	    &openai_compatible_generations_and_models,
	    &provider_catalogue_is_declared_and_observed,
	    &idempotency_key_replays_the_first_answer,
	    &local_ai_routes_ask_the_server,
	    &tags_go_on_every_image)
);
