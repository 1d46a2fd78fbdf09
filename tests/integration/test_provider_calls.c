/*
 * test_provider_calls.c — POST /api/generate-image against the six networked
 * providers, end to end through nginx, imagegen-fcgi and imagegen-worker,
 * with every provider pointed at the mock providers
 * (tests/fixtures/mock_providers.py, $IG_MOCK_URL).
 *
 * Each test resets the mock (scripts and recordings), asks for images, and
 * checks both sides: our answer (status, error code, stored and served
 * images) and what the mock recorded (auth header, body field by field),
 * because a gateway that answers 200 while sending the provider the wrong
 * size, a negative prompt it does not take, or the key in the wrong header
 * is broken in a way only the provider's bill shows.
 *
 * The stack (tests/support/stack) runs with IG_PROVIDER_TIMEOUT=6 and
 * IG_JOB_LEASE=5 so the timeout and lease tests take seconds.
 */
#include "ig_autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

/* ------------------------------------------------------------ helpers */

/* Each request from its own loopback address: these tests are about the
 * providers, not about IG_GENERATE_RATE_LIMIT (10 a minute per address in
 * the test stack). 127.120-179.x.x: test_generate uses 127.60-119. */
static const char *
next_source(void)
{
	return it_source(120, 60, 0);
}

/* A control call to the mock; fails the test unless it answers 200. */
static void
mock_call(const char *method, const char *path, const char *body, it_resp *r)
{
	static const char *const json_hdr[] = { "Content-Type: application/json", NULL };

	it_http_ex(it_env("IG_MOCK_URL"), method, path, body, body ? strlen(body) : 0,
	    body ? json_hdr : NULL, 10, r);
	ck_assert_msg(r->status == 200, "mock %s %s: %ld %s", method, path, r->status, r->body.data);
}

static void
mock_reset(void)
{
	it_resp r;

	mock_call("POST", "/_control/reset", "{}", &r);
	it_resp_free(&r);
}

/* Queue responses (a JSON array of script entries) for provider. */
static void
mock_script(const char *provider, const char *entries)
{
	char body[2048];
	it_resp r;

	snprintf(body, sizeof(body), "{\"provider\": \"%s\", \"responses\": %s}", provider, entries);
	mock_call("POST", "/_control/script", body, &r);
	it_resp_free(&r);
}

/* The mock's recordings for provider, oldest first; the caller puts. */
static json_object *
mock_requests(const char *provider)
{
	char path[128];
	it_resp r;
	json_object *o, *reqs;

	snprintf(path, sizeof(path), "/_control/requests?provider=%s", provider);
	mock_call("GET", path, NULL, &r);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert(json_object_object_get_ex(o, "requests", &reqs));
	json_object_get(reqs);
	json_object_put(o);
	return reqs;
}

/* The generation requests among them: every POST but a cancel (replicate's
 * polls are GETs, output downloads are GETs). The caller puts. */
static json_object *
mock_generations(const char *provider)
{
	json_object *all = mock_requests(provider), *out = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *q = json_object_array_get_idx(all, i);
		const char *m = json_object_get_string(json_object_object_get(q, "method"));
		const char *p = json_object_get_string(json_object_object_get(q, "path"));
		if (strcmp(m, "POST") == 0 && strstr(p, "/cancel") == NULL)
			json_object_array_add(out, json_object_get(q));
	}
	json_object_put(all);
	return out;
}

static int
mock_generation_count(const char *provider)
{
	json_object *g = mock_generations(provider);
	int n = (int)json_object_array_length(g);

	json_object_put(g);
	return n;
}

/* POST /api/generate-image from a fresh address with the printf body;
 * bearer may be NULL (anonymous). Fails unless the status is want. */
static json_object *
generate(it_resp *r, long want, const char *bearer, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static json_object *
generate(it_resp *r, long want, const char *bearer, const char *fmt, ...)
{
	char body[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	it_json(r, next_source(), "POST", "/api/generate-image", bearer, "%s", body);
	ck_assert_msg(r->status == want, "want %ld, got %ld: %s (request %s)", want, r->status,
	    r->body.data, body);
	return it_json_body(r);
}

/* Width and height from a PNG's IHDR; 0 when buf is not a PNG. */
static int
png_dims(const unsigned char *buf, size_t len, uint32_t *w, uint32_t *h)
{
	if (len < 24 || memcmp(buf, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(buf + 12, "IHDR", 4) != 0)
		return 0;
	memcpy(w, buf + 16, 4);
	memcpy(h, buf + 20, 4);
	*w = ntohl(*w);
	*h = ntohl(*h);
	return 1;
}

/* A successful answer with count images of w×h: each served by nginx as a
 * PNG of that size, one images row each, tied to the job. */
static void
check_images(json_object *o, const char *provider, int count, int w, int h)
{
	json_object *imgs = it_jpath(o, "images");
	char *rows;

	ck_assert(json_object_get_boolean(json_object_object_get(o, "success")));
	ck_assert_str_eq(it_js(o, "provider"), provider);
	ck_assert_msg(imgs != NULL && (int)json_object_array_length(imgs) == count, "want %d images: %s",
	    count, json_object_to_json_string(o));
	ck_assert_int_eq(it_jint(o, "statistics.success_count"), count);
	for (int i = 0; i < count; i++) {
		json_object *im = json_object_array_get_idx(imgs, (size_t)i);
		char ctype[64];
		uint32_t pw, ph;
		it_resp f;

		ck_assert_str_eq(it_js(im, "mime_type"), "image/png");
		ck_assert_int_eq(it_jint(im, "width"), w);
		ck_assert_int_eq(it_jint(im, "height"), h);
		ck_assert_msg(strncmp(it_js(im, "filename"), provider, strlen(provider)) == 0 &&
		    it_js(im, "filename")[strlen(provider)] == '_', "name %s", it_js(im, "filename"));
		it_http("GET", it_js(im, "url"), NULL, 0, &f);
		ck_assert_msg(f.status == 200, "GET %s: %ld", it_js(im, "url"), f.status);
		ck_assert(it_header(&f, "Content-Type", ctype, sizeof(ctype)));
		ck_assert_str_eq(ctype, "image/png");
		ck_assert_msg(png_dims((const unsigned char *)f.body.data, f.body.len, &pw, &ph),
		    "%s is not a PNG", it_js(im, "url"));
		ck_assert_int_eq(pw, w);
		ck_assert_int_eq(ph, h);
		it_resp_free(&f);
	}
	rows = it_psql("SELECT count(*) FROM images WHERE job_id = '%s' AND provider = '%s'"
	    " AND mime_type = 'image/png'", it_sql_safe(it_js(o, "generation_id")), it_sql_safe(provider));
	ck_assert_int_eq(atoi(rows), count);
	free(rows);
}

static const char *
header(json_object *rec, const char *name)
{
	json_object *v = it_jpath(it_jpath(rec, "headers"), name);

	return v ? json_object_get_string(v) : NULL;
}

#define ck_assert_header(rec, name, want) do { \
	const char *h_ = header((rec), (name)); \
	ck_assert_msg(h_ != NULL && strcmp(h_, (want)) == 0, "%s: want %s, sent %s", (name), (want), \
	    h_ ? h_ : "(none)"); \
} while (0)

/* ------------------------------------------------------ the providers */

/* What the per-provider loop tests need to know of each provider. */
typedef struct prov {
	const char *name;
	const char *good_key;           /* NULL: local_ai takes none */
	const char *bad_key;            /* NULL: the mock's bad_key mode stands in */
	const char *size;               /* an image_size it offers */
	int w, h;                       /* what comes back for it */
} prov;

static const prov provs[] = {
	{ "openai", "sk-good-openai-test", "sk-bad-openai-test", "256x256", 256, 256 },
	{ "stability", "sk-good-stability-test", "sk-bad-stability-test", "1024x1024", 1024, 1024 },
	{ "gemini", "AIzagood-gemini-test", "AIzaBAD-gemini-test", "1024x1024", 1024, 1024 },
	{ "huggingface", "hf_good-hf-test", "hf_bad-hf-test", "256x256", 256, 256 },
	{ "replicate", "r8_good-replicate-test", "r8_bad-replicate-test", "256x256", 256, 256 },
	{ "local_ai", NULL, NULL, "256x256", 256, 256 },
};
#define NPROVS ((int)(sizeof(provs) / sizeof(provs[0])))

/* The "api_key": "…", member for p's key (empty for local_ai). */
static void
key_member(char *out, size_t len, const char *key)
{
	if (key == NULL)
		out[0] = '\0';
	else
		snprintf(out, len, "\"api_key\": \"%s\", ", key);
}

/* One image of p with its good key and a fresh prompt; want the status. */
static json_object *
generate_one(it_resp *r, long want, const prov *p, const char *key, const char *words)
{
	char prompt[160], km[256];

	it_fresh_prompt(prompt, sizeof(prompt), words);
	key_member(km, sizeof(km), key);
	return generate(r, want, NULL, "{\"prompt\": \"%s\", \"api_provider\": \"%s\", %s"
	    "\"image_size\": \"%s\"}", prompt, p->name, km, p->size);
}

/* ------------------------------------ success, recorded field by field */

/* openai: a key in Authorization: Bearer, n and size as asked, b64 asked
 * for, and no negative prompt (the API has none: it must not leak into
 * the prompt either, only into our prompt_used). */
START_TEST(openai_success_sends_what_openai_takes)
{
	char prompt[160], used[256];
	it_resp r;
	json_object *o, *g, *q;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "openai: a lighthouse");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"negative_prompt\": \"fog, rain\","
	    " \"api_provider\": \"openai\", \"api_key\": \"sk-good-openai-1234\","
	    " \"image_size\": \"512x512\", \"image_count\": 2}", prompt);
	check_images(o, "openai", 2, 512, 512);
	ck_assert_str_eq(it_js(o, "model"), "dall-e-2");
	snprintf(used, sizeof(used), "%s --no fog, rain", prompt);
	ck_assert_str_eq(it_js(o, "prompt_used"), used);
	g = mock_generations("openai");
	ck_assert_int_eq(json_object_array_length(g), 1);
	q = json_object_array_get_idx(g, 0);
	ck_assert_str_eq(it_js(q, "path"), "/openai/v1/images/generations");
	ck_assert_header(q, "authorization", "Bearer sk-good-openai-1234");
	ck_assert_str_eq(it_js(q, "json.model"), "dall-e-2");
	ck_assert_str_eq(it_js(q, "json.prompt"), prompt);
	ck_assert_int_eq(it_jint(q, "json.n"), 2);
	ck_assert_str_eq(it_js(q, "json.size"), "512x512");
	ck_assert_str_eq(it_js(q, "json.response_format"), "b64_json");
	it_assert_absent(q, "json.negative_prompt");
	it_assert_absent(q, "json.seed");
	ck_assert_msg(strstr(json_object_to_json_string(it_jpath(q, "json")), "fog") == NULL,
	    "the negative prompt leaked: %s", json_object_to_json_string(q));
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* stability: always multipart (even with no file), image_size mapped to
 * the nearest aspect ratio, one image per call with the seed advancing,
 * the negative prompt as its own field. */
START_TEST(stability_success_sends_multipart_with_aspect_ratio)
{
	char prompt[160];
	it_resp r;
	json_object *o, *g;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "stability: a harbour");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"negative_prompt\": \"blurry\","
	    " \"api_provider\": \"stability\", \"api_key\": \"sk-good-stab-5678\","
	    " \"image_size\": \"1344x768\", \"image_count\": 2, \"seed\": 42}", prompt);
	check_images(o, "stability", 2, 1344, 768);
	g = mock_generations("stability");
	ck_assert_int_eq(json_object_array_length(g), 2);
	for (int i = 0; i < 2; i++) {
		json_object *q = json_object_array_get_idx(g, (size_t)i);
		char seed[16];

		ck_assert_str_eq(it_js(q, "path"), "/stability/v2beta/stable-image/generate/core");
		ck_assert_header(q, "authorization", "Bearer sk-good-stab-5678");
		ck_assert_header(q, "accept", "application/json");
		ck_assert_msg(strncmp(it_js(q, "content_type"), "multipart/form-data", 19) == 0, "sent %s",
		    it_js(q, "content_type"));
		ck_assert_str_eq(it_js(q, "multipart.prompt"), prompt);
		ck_assert_str_eq(it_js(q, "multipart.negative_prompt"), "blurry");
		ck_assert_str_eq(it_js(q, "multipart.aspect_ratio"), "16:9");
		ck_assert_str_eq(it_js(q, "multipart.output_format"), "png");
		snprintf(seed, sizeof(seed), "%d", 42 + i);
		ck_assert_str_eq(it_js(q, "multipart.seed"), seed);
		it_assert_absent(q, "multipart.width");
		it_assert_absent(q, "multipart.samples");
	}
	ck_assert_int_eq(it_jint(it_jpath(o, "images.0"), "seed"), 42);
	ck_assert_int_eq(it_jint(it_jpath(o, "images.1"), "seed"), 43);
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* gemini (generateContent): the key in x-goog-api-key and nowhere else,
 * the aspect ratio in imageConfig, one image per call; neither the
 * negative prompt nor a seed exists on this API. */
START_TEST(gemini_success_sends_key_header_and_aspect_ratio)
{
	char prompt[160];
	it_resp r;
	json_object *o, *g;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "gemini: a glacier");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"negative_prompt\": \"people\","
	    " \"api_provider\": \"gemini\", \"api_key\": \"AIzagood-gem-9012\","
	    " \"image_size\": \"1344x768\", \"image_count\": 2}", prompt);
	check_images(o, "gemini", 2, 1344, 768);
	ck_assert_str_eq(it_js(o, "model"), "gemini-2.5-flash-image");
	g = mock_generations("gemini");
	ck_assert_int_eq(json_object_array_length(g), 2);
	for (int i = 0; i < 2; i++) {
		json_object *q = json_object_array_get_idx(g, (size_t)i);

		ck_assert_str_eq(it_js(q, "path"), "/gemini/v1beta/models/gemini-2.5-flash-image:generateContent");
		ck_assert_header(q, "x-goog-api-key", "AIzagood-gem-9012");
		ck_assert_msg(header(q, "authorization") == NULL, "Authorization sent to Gemini");
		ck_assert_msg(it_jpath(q, "query.key") == NULL, "key in the query string");
		ck_assert_str_eq(it_js(q, "json.contents.0.role"), "user");
		ck_assert_str_eq(it_js(q, "json.contents.0.parts.0.text"), prompt);
		ck_assert_str_eq(it_js(q, "json.generationConfig.responseModalities.0"), "IMAGE");
		ck_assert_str_eq(it_js(q, "json.generationConfig.imageConfig.aspectRatio"), "16:9");
		ck_assert_msg(strstr(json_object_to_json_string(it_jpath(q, "json")), "people") == NULL &&
		    strstr(json_object_to_json_string(it_jpath(q, "json")), "seed") == NULL,
		    "negative prompt or seed sent: %s", json_object_to_json_string(q));
	}
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* huggingface: inputs and parameters, one image per call with the seed
 * advancing (else a count comes back as copies), raw bytes back. */
START_TEST(huggingface_success_sends_inputs_and_parameters)
{
	char prompt[160];
	it_resp r;
	json_object *o, *g;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "huggingface: a meadow");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"negative_prompt\": \"cars\","
	    " \"api_provider\": \"huggingface\", \"api_key\": \"hf_good-hf-3456\","
	    " \"image_size\": \"512x384\", \"image_count\": 2, \"seed\": 7}", prompt);
	check_images(o, "huggingface", 2, 512, 384);
	g = mock_generations("huggingface");
	ck_assert_int_eq(json_object_array_length(g), 2);
	for (int i = 0; i < 2; i++) {
		json_object *q = json_object_array_get_idx(g, (size_t)i);

		ck_assert_str_eq(it_js(q, "path"), "/huggingface/models/stabilityai/stable-diffusion-xl-base-1.0");
		ck_assert_header(q, "authorization", "Bearer hf_good-hf-3456");
		ck_assert_str_eq(it_js(q, "json.inputs"), prompt);
		ck_assert_str_eq(it_js(q, "json.parameters.negative_prompt"), "cars");
		ck_assert_int_eq(it_jint(q, "json.parameters.width"), 512);
		ck_assert_int_eq(it_jint(q, "json.parameters.height"), 384);
		ck_assert_int_eq(it_jint(q, "json.parameters.seed"), 7 + i);
	}
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* replicate: a prediction created with the input fields, polled at
 * urls.get until it succeeded, its list of output URLs downloaded. */
START_TEST(replicate_success_creates_polls_and_downloads)
{
	char prompt[160], poll[160];
	it_resp r;
	json_object *o, *g, *all, *q;
	int polls = 0;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "replicate: a canyon");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"negative_prompt\": \"haze\","
	    " \"api_provider\": \"replicate\", \"api_key\": \"r8_good-rep-7890\","
	    " \"model\": \"stability-ai/stable-diffusion-3.5-large\","
	    " \"image_size\": \"512x384\", \"image_count\": 2, \"seed\": 11}", prompt);
	check_images(o, "replicate", 2, 512, 384);
	g = mock_generations("replicate");
	ck_assert_int_eq(json_object_array_length(g), 1);
	q = json_object_array_get_idx(g, 0);
	ck_assert_str_eq(it_js(q, "path"), "/replicate/v1/models/stability-ai/stable-diffusion-3.5-large/predictions");
	ck_assert_header(q, "authorization", "Bearer r8_good-rep-7890");
	ck_assert_str_eq(it_js(q, "json.input.prompt"), prompt);
	ck_assert_str_eq(it_js(q, "json.input.negative_prompt"), "haze");
	ck_assert_int_eq(it_jint(q, "json.input.width"), 512);
	ck_assert_int_eq(it_jint(q, "json.input.height"), 384);
	ck_assert_int_eq(it_jint(q, "json.input.num_outputs"), 2);
	ck_assert_int_eq(it_jint(q, "json.input.seed"), 11);
	/* The polls: GETs of one prediction, with the key. */
	all = mock_requests("replicate");
	poll[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		json_object *x = json_object_array_get_idx(all, i);
		const char *path = it_js(x, "path");
		if (strcmp(it_js(x, "method"), "GET") != 0 || strncmp(path, "/replicate/v1/predictions/", 26) != 0)
			continue;
		if (poll[0] == '\0')
			snprintf(poll, sizeof(poll), "%s", path);
		ck_assert_str_eq(path, poll);
		ck_assert_header(x, "authorization", "Bearer r8_good-rep-7890");
		polls++;
	}
	ck_assert_msg(polls >= 2, "want the prediction polled until it ended (mock: 2 polls), saw %d", polls);
	json_object_put(all);
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* local_ai (AUTOMATIC1111): no Authorization without a user:pass key,
 * the whole count in one batch, the seed and negative prompt as fields. */
START_TEST(local_ai_success_sends_one_batch_without_auth)
{
	char prompt[160];
	it_resp r;
	json_object *o, *g, *q;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "local_ai: a windmill");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"negative_prompt\": \"text\","
	    " \"api_provider\": \"local_ai\", \"image_size\": \"512x384\", \"image_count\": 2,"
	    " \"seed\": 99}", prompt);
	check_images(o, "local_ai", 2, 512, 384);
	g = mock_generations("local_ai");
	ck_assert_int_eq(json_object_array_length(g), 1);
	q = json_object_array_get_idx(g, 0);
	ck_assert_str_eq(it_js(q, "path"), "/local_ai/sdapi/v1/txt2img");
	ck_assert_msg(header(q, "authorization") == NULL, "Authorization sent without a key");
	ck_assert_str_eq(it_js(q, "json.prompt"), prompt);
	ck_assert_str_eq(it_js(q, "json.negative_prompt"), "text");
	ck_assert_int_eq(it_jint(q, "json.seed"), 99);
	ck_assert_int_eq(it_jint(q, "json.width"), 512);
	ck_assert_int_eq(it_jint(q, "json.height"), 384);
	ck_assert_int_eq(it_jint(q, "json.batch_size"), 2);
	ck_assert_int_eq(it_jint(q, "json.n_iter"), 1);
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* -------------------------------- failure modes, one loop per provider */

/* A key the provider refuses is the caller's problem (401), not a
 * gateway failure (502), and is never retried. local_ai: the mock's
 * bad_key answer (401) stands in, since it takes no key by default. */
START_TEST(bad_key_is_401_provider_auth_failed)
{
	const prov *p = &provs[_i];
	it_resp r;
	json_object *o;

	mock_reset();
	if (p->bad_key == NULL)
		mock_script(p->name, "[{\"mode\": \"bad_key\"}]");
	o = generate_one(&r, 401, p, p->bad_key, "bad key: a tree");
	it_error_shape(&r, o, "provider_auth_failed", NULL);
	ck_assert_msg(strstr(r.body.data, p->bad_key ? p->bad_key : "\x01") == NULL, "key echoed: %s",
	    r.body.data);
	ck_assert_int_eq(mock_generation_count(p->name), 1);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Each provider refuses in its own form (a 400 code, a 200 with a finish
 * reason, a failed prediction, an empty list): all are 422. */
START_TEST(safety_refusal_is_422_content_filtered)
{
	const prov *p = &provs[_i];
	it_resp r;
	json_object *o;

	mock_reset();
	mock_script(p->name, "[{\"mode\": \"refusal\"}]");
	o = generate_one(&r, 422, p, p->good_key, "refusal: a river");
	it_error_shape(&r, o, "content_filtered", NULL);
	ck_assert_int_eq(mock_generation_count(p->name), 1);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* A 429 with Retry-After (or the provider's own hint) is waited out and
 * retried once: the caller sees a 200, the provider two requests. */
START_TEST(rate_limit_is_retried_then_succeeds)
{
	const prov *p = &provs[_i];
	it_resp r;
	json_object *o;

	mock_reset();
	mock_script(p->name, "[{\"mode\": \"rate_limit\", \"retry_after\": 1}, {\"mode\": \"ok\"}]");
	o = generate_one(&r, 200, p, p->good_key, "rate limit: a bridge");
	check_images(o, p->name, 1, p->w, p->h);
	ck_assert_int_eq(mock_generation_count(p->name), 2);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* A provider that keeps answering 500 outlasts the retries: 502, and the
 * retries did happen (more than one request, at most the limit). */
START_TEST(permanent_5xx_is_502_provider_error)
{
	const prov *p = &provs[_i];
	it_resp r;
	json_object *o;
	int n;

	mock_reset();
	mock_script(p->name, "[{\"mode\": \"error_5xx\", \"status\": 500, \"times\": 12}]");
	o = generate_one(&r, 502, p, p->good_key, "5xx: a castle");
	it_error_shape(&r, o, "provider_error", NULL);
	n = mock_generation_count(p->name);
	ck_assert_msg(n >= 2 && n <= 6, "want a few retries, saw %d requests", n);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* The runner's IG_PROVIDER_TIMEOUT in the "timeouts" tcase (the stack's is 6). */
#define HANG_TIMEOUT_S "2"

/* A provider that never answers ends at IG_PROVIDER_TIMEOUT (HANG_TIMEOUT_S
 * in this tcase) with 504, not at the caller's IG_GENERATE_TIMEOUT. */
START_TEST(hang_is_504_provider_timeout)
{
	const prov *p = &provs[_i];
	it_resp r;
	json_object *o;

	mock_reset();
	mock_script(p->name, "[{\"mode\": \"hang\", \"seconds\": 30}]");
	o = generate_one(&r, 504, p, p->good_key, "hang: a tower");
	it_error_shape(&r, o, "provider_timeout", NULL);
	ck_assert_int_eq(mock_generation_count(p->name), 1);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Unchecked fixture of the "timeouts" tcase: the hang tests wait out the
 * runner's whole provider timeout, so the runner runs them with
 * IG_PROVIDER_TIMEOUT=2 (the stack's 6 s made them 6 x 6 s of waiting);
 * the teardown puts the stack's runner back. */
static void
runner_short_timeout(void)
{
	setenv("IG_STACK_OVERRIDES", "IG_PROVIDER_TIMEOUT=" HANG_TIMEOUT_S, 1);
	if (it_stack_quiet("worker-start") != 0)
		fprintf(stderr, "test_provider_calls: could not restart the runner with IG_PROVIDER_TIMEOUT="
		    HANG_TIMEOUT_S "\n");
	unsetenv("IG_STACK_OVERRIDES");
}

static void
runner_restore(void)
{
	unsetenv("IG_STACK_OVERRIDES");
	if (it_stack_quiet("worker-start") != 0)
		fprintf(stderr, "test_provider_calls: could not restore the runner\n");
}

/* ------------------------------------------------- provider specifics */

/* Replicate's output is a single URL string for some models (flux-schnell)
 * and a list for others: both must give images. */
START_TEST(replicate_string_output_gives_an_image)
{
	char prompt[160];
	it_resp r;
	json_object *o;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "replicate string: a fjord");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"api_provider\": \"replicate\","
	    " \"api_key\": \"r8_good-rep-str\", \"model\": \"black-forest-labs/flux-schnell\","
	    " \"image_size\": \"256x256\"}", prompt);
	check_images(o, "replicate", 1, 256, 256);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

START_TEST(replicate_list_output_gives_every_image)
{
	char prompt[160];
	it_resp r;
	json_object *o;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "replicate list: a dune");
	o = generate(&r, 200, NULL, "{\"prompt\": \"%s\", \"api_provider\": \"replicate\","
	    " \"api_key\": \"r8_good-rep-list\", \"model\": \"black-forest-labs/flux-dev\","
	    " \"image_size\": \"256x256\", \"image_count\": 3}", prompt);
	check_images(o, "replicate", 3, 256, 256);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Hugging Face answers 503 with estimated_time while a model loads: wait
 * about that long and ask again, instead of failing or hammering. */
START_TEST(huggingface_503_loading_waits_then_succeeds)
{
	const prov *p = &provs[3];
	it_resp r;
	json_object *o, *g;
	double t0, t1;

	mock_reset();
	mock_script("huggingface", "[{\"mode\": \"loading\", \"estimated_time\": 1.5}]");
	o = generate_one(&r, 200, p, p->good_key, "loading: an orchard");
	check_images(o, "huggingface", 1, p->w, p->h);
	g = mock_generations("huggingface");
	ck_assert_int_eq(json_object_array_length(g), 2);
	ck_assert_int_eq(it_jint(json_object_array_get_idx(g, 0), "status"), 503);
	t0 = json_object_get_double(it_jpath(json_object_array_get_idx(g, 0), "time"));
	t1 = json_object_get_double(it_jpath(json_object_array_get_idx(g, 1), "time"));
	ck_assert_msg(t1 - t0 >= 1.2, "retried after %.2f s, estimated_time was 1.5", t1 - t0);
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Gemini says a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID: a
 * 400 must not become "your request is invalid" but 401. */
START_TEST(gemini_400_api_key_invalid_is_401)
{
	const prov *p = &provs[2];
	it_resp r;
	json_object *o, *g;

	mock_reset();
	o = generate_one(&r, 401, p, "AIzaWRONG-key-0000", "gemini bad key: a moor");
	it_error_shape(&r, o, "provider_auth_failed", NULL);
	g = mock_generations("gemini");
	ck_assert_int_eq(json_object_array_length(g), 1);
	ck_assert_int_eq(it_jint(json_object_array_get_idx(g, 0), "status"), 400);
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* ------------------------------------------------- the seed's examples */

/* The seed's Python and JavaScript examples, verbatim: no Authorization,
 * a placeholder key the provider refuses. The answer is JSON in the
 * seed's error shape, 401. (A second run on the same stack would still be
 * a 401: nothing succeeded, so nothing is cached.) */
START_TEST(seed_client_example_gets_json_error)
{
	it_resp r;
	json_object *o;

	mock_reset();
	it_json(&r, next_source(), "POST", "/api/generate-image", NULL, "%s",
	    "{\"prompt\": \"A beautiful sunset\", \"api_provider\": \"gemini\", \"api_key\": \"your-key\"}");
	ck_assert_msg(r.status == 401, "status %ld: %s", r.status, r.body.data);
	o = it_json_body(&r);
	it_error_shape(&r, o, "provider_auth_failed", NULL);
	ck_assert_msg(strstr(r.body.data, "your-key") == NULL, "key echoed: %s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* API.md's seed request, verbatim (Imagen through the legacy id). */
START_TEST(seed_api_request_gets_two_images)
{
	it_resp r;
	json_object *o, *g;

	mock_reset();
	it_json(&r, next_source(), "POST", "/api/generate-image", NULL, "%s",
	    "{\"prompt\": \"A beautiful sunset over mountains\", \"negative_prompt\": \"blurry, low quality\","
	    " \"image_size\": \"1024x1024\", \"image_count\": 2, \"api_provider\": \"gemini\","
	    " \"api_key\": \"AIzagood-seed\", \"model\": \"imagen-2\"}");
	ck_assert_msg(r.status == 200, "status %ld: %s", r.status, r.body.data);
	o = it_json_body(&r);
	check_images(o, "gemini", 2, 1024, 1024);
	ck_assert_str_eq(it_js(o, "prompt_used"), "A beautiful sunset over mountains --no blurry, low quality");
	ck_assert_str_eq(it_js(o, "model"), "imagen-2");
	g = mock_generations("gemini");
	if (!json_object_get_boolean(json_object_object_get(o, "cached"))) {
		json_object *q;

		ck_assert_int_eq(json_object_array_length(g), 1);
		q = json_object_array_get_idx(g, 0);
		ck_assert_str_eq(it_js(q, "path"), "/gemini/v1beta/models/imagen-4.0-generate-001:predict");
		ck_assert_header(q, "x-goog-api-key", "AIzagood-seed");
		ck_assert_str_eq(it_js(q, "json.instances.0.prompt"), "A beautiful sunset over mountains");
		ck_assert_int_eq(it_jint(q, "json.parameters.sampleCount"), 2);
		ck_assert_str_eq(it_js(q, "json.parameters.aspectRatio"), "1:1");
		ck_assert_msg(strstr(json_object_to_json_string(it_jpath(q, "json")), "blurry") == NULL,
		    "Imagen has no negative prompt: %s", json_object_to_json_string(q));
	} else {
		ck_assert_int_eq(json_object_array_length(g), 0);
	}
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------ the cache */

/* The seed's performance note: an identical call is answered from the
 * stored images and never reaches (nor bills) the provider. */
START_TEST(identical_call_is_cached_without_reaching_provider)
{
	char prompt[160], body[512];
	it_resp r1, r2;
	json_object *a, *b;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "cache: a mill pond");
	snprintf(body, sizeof(body), "{\"prompt\": \"%s\", \"api_provider\": \"openai\","
	    " \"api_key\": \"sk-good-cache-0001\", \"image_size\": \"256x256\"}", prompt);
	a = generate(&r1, 200, NULL, "%s", body);
	ck_assert(!json_object_get_boolean(json_object_object_get(a, "cached")));
	ck_assert_int_eq(mock_generation_count("openai"), 1);
	b = generate(&r2, 200, NULL, "%s", body);
	ck_assert(json_object_get_boolean(json_object_object_get(b, "cached")));
	ck_assert_str_eq(it_js(a, "generation_id"), it_js(b, "generation_id"));
	ck_assert_str_eq(it_js(a, "images.0.url"), it_js(b, "images.0.url"));
	ck_assert_int_eq(json_object_array_length(it_jpath(b, "images")), 1);
	ck_assert_int_eq(mock_generation_count("openai"), 1);
	json_object_put(a);
	json_object_put(b);
	it_resp_free(&r1);
	it_resp_free(&r2);
}
END_TEST

/* ------------------------------------------------------ key resolution */

typedef struct user {
	char name[64], ip[32], access[2048];
} user;

static void
user_new(user *u)
{
	char *tok;

	snprintf(u->ip, sizeof(u->ip), "%s", next_source());
	tok = it_new_user("pc", u->ip, u->name);
	snprintf(u->access, sizeof(u->access), "%s", tok);
	free(tok);
}

/* API.md: without api_key in the request, the caller's stored key for the
 * provider is the one sent (not the server's, not none). */
START_TEST(stored_key_is_used_when_request_has_none)
{
	user u;
	char prompt[160];
	it_resp r;
	json_object *o, *g;

	mock_reset();
	user_new(&u);
	it_json(&r, u.ip, "POST", "/api/keys/providers", u.access,
	    "{\"provider\":\"stability\",\"api_key\":\"sk-good-stored-%d\",\"name\":\"mine\"}", (int)getpid());
	ck_assert_msg(r.status == 201, "store key: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
	it_fresh_prompt(prompt, sizeof(prompt), "stored key: a quarry");
	o = generate(&r, 200, u.access, "{\"prompt\": \"%s\", \"api_provider\": \"stability\","
	    " \"image_size\": \"1024x1024\"}", prompt);
	check_images(o, "stability", 1, 1024, 1024);
	g = mock_generations("stability");
	ck_assert_int_eq(json_object_array_length(g), 1);
	{
		char want[64];
		snprintf(want, sizeof(want), "Bearer sk-good-stored-%d", (int)getpid());
		ck_assert_header(json_object_array_get_idx(g, 0), "authorization", want);
	}
	json_object_put(g);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* No key in the request, none stored, none on the server: 401 naming the
 * provider, and the provider is never called with an empty key. */
START_TEST(no_key_anywhere_is_401_naming_provider)
{
	char prompt[160];
	it_resp r;
	json_object *o;

	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), "no key: a marsh");
	o = generate(&r, 401, NULL, "{\"prompt\": \"%s\", \"api_provider\": \"replicate\"}", prompt);
	it_error_shape(&r, o, "unauthorized", NULL);
	ck_assert_str_eq(it_js(o, "error.field"), "api_key");
	ck_assert_msg(strstr(it_js(o, "error.message"), "replicate") != NULL, "%s", r.body.data);
	{
		json_object *all = mock_requests("replicate");
		ck_assert_int_eq(json_object_array_length(all), 0);
		json_object_put(all);
	}
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/*
 * Issue 10, item 3: an api_key sent in a request goes into a header line of
 * our request to the provider ("Authorization: Bearer <key>"), so before
 * the fix "sk-good…\r\nX-Injected: 1" reached the provider as an extra
 * header of the caller's choosing. Every route that takes an api_key
 * (generate-image, the provider-specific routes, batch settings) now
 * refuses a key with CR, LF, other control bytes, spaces, non-ASCII bytes
 * or a silly length with 400 naming api_key, like a key being stored, and
 * no provider hears of it.
 */
static const char *const bad_keys[] = {
	"sk-good-openai-1234\\r\\nX-Injected: 1",
	"sk-good-openai-1234\\nX-Injected: 1",
	"sk-good-openai-1234\\r",
	"sk-good\\topenai-1234",
	"sk-good-openai-1234\\u0001tail",
	"sk-good-openai-1234\\u007f",
	"sk-good-openai-\\u00e9t\\u00e9",
	"sk-good openai 1234",
	"sk-1234",
};
#define NBAD ((int)(sizeof(bad_keys) / sizeof(bad_keys[0])))

static const struct {
	const char *path, *provider, *field;
} key_routes[] = {
	{ "/api/generate-image", "openai", "api_key" },
	{ "/api/generate-image", "stability", "api_key" },
	{ "/api/huggingface/generate", "huggingface", "api_key" },
	{ "/api/replicate/generate", "replicate", "api_key" },
	{ "/api/local_ai/generate", "local_ai", "api_key" },
	{ "/api/batch/generate", "openai", "settings.api_key" },
};
#define NKEYROUTES ((int)(sizeof(key_routes) / sizeof(key_routes[0])))

/* The callers of the key tests: one account per route (made once, by the
 * tcase's unchecked fixture, for its NBAD requests: two password hashes
 * per request made this loop the suite's slowest part), each request from
 * a fresh source address. */
static user key_users[NKEYROUTES];
/* The prompts' words (it_fresh_prompt adds " <pid>-<n>"). */
#define KEY_WORDS "key injection: a weir"

static void
key_users_new(void)
{
	for (int i = 0; i < NKEYROUTES; i++)
		user_new(&key_users[i]);
}

START_TEST(request_api_key_with_control_bytes_is_400_and_never_sent)
{
	int route = _i / NBAD, k = _i % NBAD;
	const user *u = &key_users[route];
	const char *path = key_routes[route].path, *pname = key_routes[route].provider, *ip = next_source();
	char prompt[160], *jobs;
	it_resp r;
	json_object *o, *all;

	ck_assert_msg(u->access[0] != '\0', "no account for %s (the tcase's fixture failed)", path);
	mock_reset();
	it_fresh_prompt(prompt, sizeof(prompt), KEY_WORDS);
	if (strcmp(path, "/api/batch/generate") == 0)
		it_json(&r, ip, "POST", path, u->access, "{\"prompts\": [\"%s\"], \"settings\": {\"api_provider\": \"%s\","
		    " \"api_key\": \"%s\", \"image_size\": \"256x256\"}}", prompt, pname, bad_keys[k]);
	else if (strcmp(path, "/api/generate-image") == 0)
		it_json(&r, ip, "POST", path, u->access, "{\"prompt\": \"%s\", \"api_provider\": \"%s\","
		    " \"api_key\": \"%s\", \"image_size\": \"1024x1024\"}", prompt, pname, bad_keys[k]);
	else
		it_json(&r, ip, "POST", path, u->access, "{\"prompt\": \"%s\", \"api_key\": \"%s\","
		    " \"image_size\": \"256x256\"}", prompt, bad_keys[k]);
	o = it_json_body(&r);
	ck_assert_msg(r.status == 400, "%s with key %s: want 400, got %ld: %s", path, bad_keys[k], r.status,
	    r.body.data);
	it_error_shape(&r, o, "invalid_request", NULL);
	ck_assert_msg(strcmp(it_js(o, "error.field"), key_routes[route].field) == 0, "%s: field: %s", path,
	    r.body.data);
	ck_assert_msg(strstr(r.body.data, "X-Injected") == NULL && strstr(r.body.data, "sk-good") == NULL,
	    "the key is echoed: %s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);
	/* Nothing was queued that could reach the mock later (a batch's items
	 * run after the answer): no job carries this prompt. */
	jobs = it_psql("SELECT count(*) FROM jobs WHERE request->>'prompt' = '" KEY_WORDS " %s'",
	    it_sql_safe(prompt + strlen(KEY_WORDS " ")));
	ck_assert_msg(strcmp(jobs, "0") == 0, "%s: %s job(s) queued with the refused key", path, jobs);
	free(jobs);
	ck_assert_int_eq(mock_generation_count(pname), 0);
	all = mock_requests(pname);
	ck_assert_msg(strstr(json_object_to_json_string(all), "X-Injected") == NULL &&
	    strstr(json_object_to_json_string(all), "x-injected") == NULL,
	    "the provider saw the injected header: %s", json_object_to_json_string(all));
	json_object_put(all);
}
END_TEST

/* POST /api/keys/providers/{id}/test must ask the provider with the stored
 * key (its cheapest authenticated call) and report what it said: a good
 * key valid, a refused one (Gemini: 400 API_KEY_INVALID) not valid. */
START_TEST(stored_key_test_asks_the_provider)
{
	const prov *p = &provs[_i];
	user u;
	int pass;

	if (p->good_key == NULL)
		return;                 /* local_ai stores no key of ours to test */
	mock_reset();
	user_new(&u);
	for (pass = 0; pass < 2; pass++) {
		const char *key = pass == 0 ? p->good_key : p->bad_key;
		char path[160], id[64];
		it_resp r;
		json_object *o, *all, *q;

		it_json(&r, u.ip, "POST", "/api/keys/providers", u.access,
		    "{\"provider\":\"%s\",\"api_key\":\"%s\"}", p->name, key);
		ck_assert_msg(r.status == 201, "store key: %ld %s", r.status, r.body.data);
		o = it_json_body(&r);
		snprintf(id, sizeof(id), "%s", it_js(o, "provider_key.id"));
		json_object_put(o);
		it_resp_free(&r);
		snprintf(path, sizeof(path), "/api/keys/providers/%s/test", id);
		it_json(&r, u.ip, "POST", path, u.access, NULL);
		ck_assert_msg(r.status == 200, "%s key test: %ld %s", p->name, r.status, r.body.data);
		o = it_json_body(&r);
		ck_assert(json_object_get_boolean(json_object_object_get(o, "success")));
		ck_assert_msg(json_object_get_boolean(it_jpath(o, "valid")) == (pass == 0), "%s key %s: %s",
		    p->name, key, r.body.data);
		ck_assert_msg(strlen(it_js(o, "checked_at")) >= 20, "%s", r.body.data);
		ck_assert_msg(strstr(r.body.data, key) == NULL, "key echoed: %s", r.body.data);
		all = mock_requests(p->name);
		ck_assert_int_eq(json_object_array_length(all), pass + 1);
		q = json_object_array_get_idx(all, (size_t)pass);
		ck_assert_str_eq(it_js(q, "method"), "GET");
		if (strcmp(p->name, "gemini") == 0) {
			ck_assert_header(q, "x-goog-api-key", key);
		} else {
			char want[128];
			snprintf(want, sizeof(want), "Bearer %s", key);
			ck_assert_header(q, "authorization", want);
		}
		json_object_put(all);
		json_object_put(o);
		it_resp_free(&r);
	}
}
END_TEST

/* ------------------------------------------------ a runner that dies */

typedef struct bg_call {
	pthread_t t;
	char body[1024];
	char source[32];
	it_resp r;
} bg_call;

static void *
bg_run(void *arg)
{
	bg_call *c = arg;

	it_json(&c->r, c->source, "POST", "/api/generate-image", NULL, "%s", c->body);
	return NULL;
}

/* kill -9 of the runner mid-call: the job's lease runs out, another runner
 * claims it and finishes it, the waiting caller still gets its 200, and
 * the images are stored once (no duplicate rows from the dead attempt). */
START_TEST(runner_killed_mid_job_is_replaced_after_lease)
{
	bg_call c;
	char prompt[160];
	json_object *o;
	char *rows, *attempts;
	int seen = 0;

	mock_reset();
	mock_script("openai", "[{\"mode\": \"slow\", \"delay\": 8}]");
	it_fresh_prompt(prompt, sizeof(prompt), "kill -9: a signal box");
	memset(&c, 0, sizeof(c));
	snprintf(c.source, sizeof(c.source), "%s", next_source());
	snprintf(c.body, sizeof(c.body), "{\"prompt\": \"%s\", \"api_provider\": \"openai\","
	    " \"api_key\": \"sk-good-kill9\", \"image_size\": \"256x256\", \"image_count\": 2}", prompt);
	ck_assert_int_eq(pthread_create(&c.t, NULL, bg_run, &c), 0);
	for (int i = 0; i < 100 && seen == 0; i++) {
		it_sleep_ms(100);
		seen = mock_generation_count("openai");
	}
	ck_assert_msg(seen == 1, "the runner never called the provider");
	it_stack("worker-kill9");
	it_stack("worker-start");
	pthread_join(c.t, NULL);
	ck_assert_msg(c.r.status == 200, "status %ld: %s", c.r.status, c.r.body.data);
	o = it_json_body(&c.r);
	check_images(o, "openai", 2, 256, 256);
	rows = it_psql("SELECT count(*) FROM images WHERE job_id = '%s'", it_sql_safe(it_js(o, "generation_id")));
	ck_assert_str_eq(rows, "2");
	attempts = it_psql("SELECT attempts FROM jobs WHERE id = '%s'", it_sql_safe(it_js(o, "generation_id")));
	ck_assert_str_eq(attempts, "2");
	ck_assert_int_eq(mock_generation_count("openai"), 2);
	free(rows);
	free(attempts);
	json_object_put(o);
	it_resp_free(&c.r);
}
END_TEST

/* ----------------------------------------------------- anonymous off */

/* docker-compose runs with IG_ALLOW_ANONYMOUS=0: then a request without
 * Authorization must be refused before anything is queued or any
 * provider (and its bill) is reached. The pool is restarted with the
 * setting off and restored before any assertion can end the test. */
START_TEST(anonymous_generation_refused_when_setting_off)
{
	char prompt[160];
	it_resp r;
	long st, health;
	char *before, *after;

	mock_reset();
	before = it_psql("SELECT count(*) FROM jobs");
	setenv("IG_STACK_OVERRIDES", "IG_ALLOW_ANONYMOUS=0", 1);
	it_stack("pool-start");
	unsetenv("IG_STACK_OVERRIDES");
	health = it_wait_health(200, 80);
	it_fresh_prompt(prompt, sizeof(prompt), "anonymous: a kiln");
	it_json(&r, next_source(), "POST", "/api/generate-image", NULL,
	    "{\"prompt\": \"%s\", \"api_provider\": \"openai\", \"api_key\": \"sk-good-anon\","
	    " \"image_size\": \"256x256\"}", prompt);
	st = r.status;
	after = it_psql("SELECT count(*) FROM jobs");
	it_stack("pool-start");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
	ck_assert_int_eq(health, 200);
	ck_assert_msg(st == 401, "status %ld: %s", st, r.body.data);
	{
		json_object *o = it_json_body(&r);
		it_error_shape(&r, o, "unauthorized", NULL);
		json_object_put(o);
	}
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(mock_generation_count("openai"), 0);
	free(before);
	free(after);
	it_resp_free(&r);
}
END_TEST

IT_MAIN("provider_calls", NULL,
	IT_TCASE("success", 120,
	    &openai_success_sends_what_openai_takes,
	    &stability_success_sends_multipart_with_aspect_ratio,
	    &gemini_success_sends_key_header_and_aspect_ratio,
	    &huggingface_success_sends_inputs_and_parameters,
	    &replicate_success_creates_polls_and_downloads,
	    &local_ai_success_sends_one_batch_without_auth),
	{ .name = "failures", .timeout_s = 120,
	    .loops = IT_LOOPS(
		{ &bad_key_is_401_provider_auth_failed, NPROVS },
		{ &safety_refusal_is_422_content_filtered, NPROVS },
		{ &rate_limit_is_retried_then_succeeds, NPROVS },
		{ &permanent_5xx_is_502_provider_error, NPROVS })
	},
	{ .name = "timeouts", .timeout_s = 120, .setup = runner_short_timeout, .teardown = runner_restore,
	    .loops = IT_LOOPS({ &hang_is_504_provider_timeout, NPROVS })
	},
	{ .name = "specifics", .timeout_s = 120,
	    .tests = IT_TESTS(
		&replicate_string_output_gives_an_image,
		&replicate_list_output_gives_every_image,
		&huggingface_503_loading_waits_then_succeeds,
		&gemini_400_api_key_invalid_is_401,
		&seed_client_example_gets_json_error,
		&seed_api_request_gets_two_images,
		&identical_call_is_cached_without_reaching_provider,
		&stored_key_is_used_when_request_has_none,
		&no_key_anywhere_is_401_naming_provider),
	    .loops = IT_LOOPS({ &stored_key_test_asks_the_provider, NPROVS })
	},
	{ .name = "key_injection", .timeout_s = 120, .setup = key_users_new,
	    .loops = IT_LOOPS({ &request_api_key_with_control_bytes_is_400_and_never_sent, NKEYROUTES * NBAD })
	},
	IT_TCASE("operations", 180,
	    &runner_killed_mid_job_is_replaced_after_lease,
	    &anonymous_generation_refused_when_setting_off)
);
