/*
 * test_providers.c — lib/providers: every adapter against canned answers in
 * its provider's exact wire form (PROVIDERS.md). Each test names the trap
 * it guards: what we would send wrong, or what answer we would misread.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/json.h"
#include "lib/core/util.h"
#include "lib/providers/adapter.h"
#include "lib/providers/local_ai.h"
#include "lib/providers/provider.h"
#include "tests/unit/ut.h"

extern const ig_provider_ops ig_provider_openai, ig_provider_stability, ig_provider_gemini,
    ig_provider_huggingface, ig_provider_replicate, ig_provider_local_ai, ig_provider_builtin;

#define KEY "sk-test-SECRET1234567890"
#define BASE "http://127.0.0.1:9/"      /* the trailing slash must not double */
#define PNG_SIG "\x89PNG\r\n\x1a\n"

/* ---- fixtures ---------------------------------------------------------- */

static ig_gen_request
mkreq(const char *model)
{
	ig_gen_request r;

	memset(&r, 0, sizeof(r));
	r.prompt = "A beautiful sunset over mountains";
	r.negative_prompt = "blurry, low quality";
	r.model = model;
	r.width = r.height = 1024;
	r.count = 1;
	r.api_key = KEY;
	return r;
}

static ig_call
mkcall(const ig_gen_request *req)
{
	ig_call c;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.base_url = BASE;
	return c;
}

static ig_http_resp
mkresp(long status, const char *body)
{
	ig_http_resp r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.len = body ? strlen(body) : 0;
	r.content_type = "application/json";
	return r;
}

/* A canned provider image for adapter tests (adapters pass bytes through
 * without decoding): the PNG signature, then tag, so images can be told apart. */
static char canned_png[64];
static size_t canned_png_len;

static const char *
png_bytes(const char *tag)
{
	memcpy(canned_png, PNG_SIG, 8);
	snprintf(canned_png + 8, sizeof(canned_png) - 8, "IHDR-%s", tag);
	canned_png_len = 8 + strlen(canned_png + 8);
	return canned_png;
}

/* The base64 of png_bytes(tag); a static buffer (one at a time). */
static const char *
png_b64(const char *tag)
{
	static char out[128];
	char *e;

	png_bytes(tag);
	e = ig_b64_encode((const unsigned char *)canned_png, canned_png_len);
	snprintf(out, sizeof(out), "%s", e);
	free(e);
	return out;
}

static int
image_is(const ig_gen_image *im, const char *tag)
{
	png_bytes(tag);
	return im->len == canned_png_len && memcmp(im->data, canned_png, canned_png_len) == 0;
}

/* A raw image answer (Hugging Face, downloads). */
static ig_http_resp
image_resp(const char *tag)
{
	ig_http_resp r = mkresp(200, NULL);

	r.body = png_bytes(tag);
	r.len = canned_png_len;
	r.content_type = "image/png";
	return r;
}

/* The value of header name in r, or NULL. */
static const char *
header(const ig_http_req *r, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < r->nheaders; i++)
		if (strncasecmp(r->headers[i], name, n) == 0 && r->headers[i][n] == ':')
			return r->headers[i] + n + 2;
	return NULL;
}

static const char *
part(const ig_http_req *r, const char *name)
{
	for (int i = 0; i < r->nparts; i++)
		if (strcmp(r->parts[i].name, name) == 0)
			return r->parts[i].value;
	return NULL;
}

static json_object *
body(const ig_http_req *r)
{
	ig_err err;
	json_object *o;

	ck_assert_ptr_nonnull(r->body);
	o = ig_json_parse(r->body, r->body_len, 100, &err);
	ck_assert_msg(o != NULL, "request body is not strict JSON: %s", r->body);
	return o;
}

/* A dotted path into a JSON body: "parameters.seed", "instances.0.prompt". */
static json_object *
at(json_object *o, const char *path)
{
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	return o;
}

static const char *
str_at(json_object *o, const char *path)
{
	json_object *v = at(o, path);

	ck_assert_msg(v && json_object_is_type(v, json_type_string), "%s is not a string", path);
	return json_object_get_string(v);
}

static int64_t
int_at(json_object *o, const char *path)
{
	json_object *v = at(o, path);

	ck_assert_msg(v && json_object_is_type(v, json_type_int), "%s is not an integer", path);
	return json_object_get_int64(v);
}

static void
finish(const ig_provider_ops *ops, ig_call *c)
{
	ig_provider_cleanup(ops, c);
	ig_call_free_images(c);
}

/* No secret in the error a caller will see. */
static void
assert_no_key(const ig_err *err)
{
	ck_assert_msg(strstr(err->message, "SECRET") == NULL, "key leaked: %s", err->message);
}

/* Build, check the request's basics, and leave it in *r. */
static void
build_ok(const ig_provider_ops *ops, ig_call *c, ig_http_req *r, const char *method,
    const char *url)
{
	ig_err err;

	memset(r, 0, sizeof(*r));
	ck_assert_msg(ops->build(c, r, &err) == 0, "build failed: %s", err.message);
	ck_assert_str_eq(r->method, method);
	ck_assert_str_eq(r->url, url);
}

/* One parse of a canned answer: returns the step; *next holds any request. */
static ig_step
feed(const ig_provider_ops *ops, ig_call *c, const ig_http_resp *resp, ig_http_req *next,
    ig_err *err)
{
	memset(next, 0, sizeof(*next));
	memset(err, 0, sizeof(*err));
	c->retry_ms = -1;
	return ops->parse(c, resp, next, err);
}

/* Build, then feed one answer; for the error cases shared by all. */
static ig_step
one_answer(const ig_provider_ops *ops, const char *model, long status, const char *retry_after,
    const char *json, ig_call *c, ig_gen_request *req, ig_err *err)
{
	ig_http_req r, next;
	ig_http_resp resp = mkresp(status, json);
	ig_step st;

	*req = mkreq(model);
	*c = mkcall(req);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(ops->build(c, &r, err), 0);
	ig_http_req_free(&r);
	resp.retry_after = retry_after;
	st = feed(ops, c, &resp, &next, err);
	ig_http_req_free(&next);
	assert_no_key(err);
	return st;
}

/* ---- table and helpers ------------------------------------------------- */

/* Seven adapters in PROVIDERS.md's order; each declares exactly one
 * default model (the caller fills req->model from it) and the ops its
 * kind needs, so a missing hook is not found at 3 a.m. */
START_TEST(table_lists_seven_providers_each_complete)
{
	static const char *const names[] = { "gemini", "openai", "stability", "huggingface",
		"replicate", "local_ai", "builtin" };
	size_t i;

	for (i = 0; ig_providers[i] != NULL; i++) {
		const ig_provider_ops *p = ig_providers[i];
		int defaults = 0;

		ck_assert_str_eq(p->name, names[i]);
		ck_assert_ptr_eq(ig_provider_find(names[i]), p);
		for (const ig_model_decl *m = p->models; m->id; m++)
			defaults += m->is_default;
		ck_assert_int_eq(defaults, 1);
		ck_assert_int_gt(p->caps.max_images, 0);
		ck_assert_int_gt(p->caps.latency_s, 0);
		ck_assert(p->caps.sizes != NULL || p->caps.max_side > 0);
		if (p->local == NULL) {
			ck_assert(p->build && p->parse && (p->probe || p->key.probe_path));
			ck_assert_ptr_nonnull(p->default_base_url);
		}
	}
	ck_assert_int_eq(i, 7);
	ck_assert_ptr_null(ig_provider_find("dalle"));
	ck_assert_ptr_null(ig_provider_find(NULL));
	ck_assert_int_eq(ig_provider_builtin.key.required, 0);
	ck_assert_int_eq(ig_provider_local_ai.key.required, 0);
}
END_TEST

/* What the server's own key runs for non-admins (issue 10, item 4): any
 * Replicate or Hugging Face model id and Replicate's free-form version and
 * input once reached the provider on it. Only the listed models and the
 * declared fields are curated; providers with a closed list never are
 * uncurated (their ids are checked against the list anyway). */
START_TEST(uncurated_model_ids_and_free_form_fields)
{
	ig_gen_request req = { .prompt = "p", .model = "black-forest-labs/flux-schnell" };
	json_object *extra = json_object_new_object();

	ck_assert_ptr_null(ig_provider_uncurated(&ig_provider_replicate, &req));
	req.model = "someone/custom-model";
	ck_assert_str_eq(ig_provider_uncurated(&ig_provider_replicate, &req), "model");
	req.model = "black-forest-labs/flux-schnell:0123abcd";
	ck_assert_str_eq(ig_provider_uncurated(&ig_provider_replicate, &req), "model");
	req.model = "someone/custom-model";
	ck_assert_str_eq(ig_provider_uncurated(&ig_provider_huggingface, &req), "model");
	req.model = "stabilityai/stable-diffusion-xl-base-1.0";
	ck_assert_ptr_null(ig_provider_uncurated(&ig_provider_huggingface, &req));

	req.model = "black-forest-labs/flux-schnell";
	req.extra = extra;
	json_object_object_add(extra, "input", json_object_new_object());
	ck_assert_str_eq(ig_provider_uncurated(&ig_provider_replicate, &req), "input");
	json_object_object_del(extra, "input");
	json_object_object_add(extra, "version", json_object_new_string("0123abcd"));
	ck_assert_str_eq(ig_provider_uncurated(&ig_provider_replicate, &req), "version");
	json_object_object_del(extra, "version");
	ck_assert_ptr_null(ig_provider_uncurated(&ig_provider_replicate, &req));
	/* Hugging Face's own fields are bounded numbers, not free-form. */
	req.model = "stabilityai/stable-diffusion-xl-base-1.0";
	json_object_object_add(extra, "num_inference_steps", json_object_new_int(30));
	ck_assert_ptr_null(ig_provider_uncurated(&ig_provider_huggingface, &req));
	req.model = "dall-e-2";
	ck_assert_ptr_null(ig_provider_uncurated(&ig_provider_openai, &req));
	json_object_put(extra);
	ck_assert_int_eq(ig_provider_replicate.open_models, 1);
	ck_assert_int_eq(ig_provider_openai.open_models, 0);
}
END_TEST

/* Retry-After is seconds or an IMF-fixdate (RFC 9110 §10.2.3); a hostile
 * value must not park a job for days, and garbage must not read as 0. */
START_TEST(retry_after_seconds_dates_and_caps)
{
	char date[64];
	time_t t = time(NULL) + 30;
	struct tm tm;
	long ms;

	ck_assert_int_eq(ig_retry_after_ms("120"), 120000);
	ck_assert_int_eq(ig_retry_after_ms(" 5 "), 5000);
	ck_assert_int_eq(ig_retry_after_ms("0"), 0);
	ck_assert_int_eq(ig_retry_after_ms("999999999999999999999"), 3600000);
	ck_assert_int_eq(ig_retry_after_ms(NULL), -1);
	ck_assert_int_eq(ig_retry_after_ms(""), -1);
	ck_assert_int_eq(ig_retry_after_ms("-5"), -1);
	ck_assert_int_eq(ig_retry_after_ms("1.5"), -1);
	ck_assert_int_eq(ig_retry_after_ms("soon"), -1);
	ck_assert_int_eq(ig_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT"), 0);
	ck_assert_int_eq(ig_retry_after_ms("Sun, 06 Foo 1994 08:49:37 GMT"), -1);
	ck_assert_int_eq(ig_retry_after_ms("Sun, 06 Nov 1994 08:49:37 PST"), -1);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	ms = ig_retry_after_ms(date);
	ck_assert_msg(ms >= 28000 && ms <= 30000, "%s gave %ld", date, ms);
	t = time(NULL) + 86400 * 3;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	ck_assert_int_eq(ig_retry_after_ms(date), 3600000);
}
END_TEST

/* Provider images arrive as base64: a lenient decoder would turn a
 * truncated or corrupted answer into a broken file on disk. */
START_TEST(b64_decode_is_strict)
{
	unsigned char *out;
	size_t n;

	ck_assert_int_eq(ig_b64_decode("aGk=", 4, &out, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert(memcmp(out, "hi", 2) == 0);
	free(out);
	ck_assert_int_eq(ig_b64_decode("aGVs\r\nbG8=", 10, &out, &n), 0);
	ck_assert(n == 5 && memcmp(out, "hello", 5) == 0);
	free(out);
	ck_assert_int_eq(ig_b64_decode("aGk", 3, &out, &n), -1);        /* no padding */
	ck_assert_int_eq(ig_b64_decode("aG!=", 4, &out, &n), -1);       /* bad char */
	ck_assert_int_eq(ig_b64_decode("aG-_", 4, &out, &n), -1);       /* base64url */
	ck_assert_int_eq(ig_b64_decode("a===", 4, &out, &n), -1);
	ck_assert_int_eq(ig_b64_decode("aGk=aGk=", 8, &out, &n), -1);   /* data after padding */
	ck_assert_int_eq(ig_b64_decode("", 0, &out, &n), -1);
	ck_assert_int_eq(ig_b64_decode("====", 4, &out, &n), -1);
}
END_TEST

/* PROVIDERS.md's retry rule, status by status: retrying a 400 burns
 * quota, not retrying a 503 fails jobs that would have worked, and a
 * quota-exhausted 429 never clears by waiting. */
START_TEST(http_error_rule_per_status)
{
	static const struct {
		long status;
		int quota;
		ig_step step;
		ig_errcode code;
		const char *message;
	} cases[] = {
		{ 400, 0, IG_STEP_FAIL, IG_E_PROVIDER_ERROR, "the provider refused the request (HTTP 400): m" },
		{ 401, 0, IG_STEP_FAIL, IG_E_PROVIDER_AUTH_FAILED, "the provider refused the API key (HTTP 401): m" },
		{ 402, 0, IG_STEP_FAIL, IG_E_RATE_LIMITED, "the provider account is out of credit: m" },
		{ 403, 0, IG_STEP_FAIL, IG_E_PROVIDER_AUTH_FAILED, "the provider refused the API key (HTTP 403): m" },
		{ 404, 0, IG_STEP_FAIL, IG_E_PROVIDER_ERROR, "the provider refused the request (HTTP 404): m" },
		{ 408, 0, IG_STEP_RETRY, IG_E_PROVIDER_TIMEOUT, "the provider timed out (HTTP 408): m" },
		{ 422, 0, IG_STEP_FAIL, IG_E_PROVIDER_ERROR, "the provider refused the request (HTTP 422): m" },
		{ 429, 0, IG_STEP_RETRY, IG_E_RATE_LIMITED, "the provider's rate limit: m" },
		{ 429, 1, IG_STEP_FAIL, IG_E_RATE_LIMITED, "the provider's rate limit (quota exhausted): m" },
		{ 500, 0, IG_STEP_RETRY, IG_E_PROVIDER_ERROR, "the provider failed (HTTP 500): m" },
		{ 502, 0, IG_STEP_RETRY, IG_E_PROVIDER_ERROR, "the provider failed (HTTP 502): m" },
		{ 503, 0, IG_STEP_RETRY, IG_E_PROVIDER_ERROR, "the provider failed (HTTP 503): m" },
		{ 504, 0, IG_STEP_RETRY, IG_E_PROVIDER_TIMEOUT, "the provider timed out (HTTP 504): m" },
	};
	ig_gen_request req = mkreq("x");
	ig_call c = mkcall(&req);
	ig_http_resp resp;
	ig_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		resp = mkresp(cases[i].status, "{}");
		resp.retry_after = "7";
		ck_assert_int_eq(ig_provider_http_error(&c, &resp, cases[i].quota, "m", &err), cases[i].step);
		ck_assert_msg(err.code == cases[i].code, "HTTP %ld: %s", cases[i].status,
		    ig_err_name(err.code));
		ck_assert_str_eq(err.message, cases[i].message);
		if (cases[i].step == IG_STEP_RETRY)
			ck_assert_int_eq(c.retry_ms, 7000);
	}
	resp = mkresp(0, NULL);
	resp.transport_error = 1;
	ck_assert_int_eq(ig_provider_http_error(&c, &resp, 0, NULL, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 0);
	resp = mkresp(0, NULL);
	resp.timed_out = 1;
	ck_assert_int_eq(ig_provider_http_error(&c, &resp, 0, NULL, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_TIMEOUT);
}
END_TEST

/* Providers echo keys in their errors ("Incorrect API key provided:
 * sk-…"); our error text reaches users and logs, so keys are scrubbed. */
START_TEST(error_text_never_carries_a_key)
{
	ig_gen_request req = mkreq("x");
	ig_call c = mkcall(&req);
	ig_http_resp resp = mkresp(401, "{}");
	ig_err err;

	ig_provider_http_error(&c, &resp, 0, "Incorrect API key provided: " KEY ". See docs.", &err);
	assert_no_key(&err);
	ck_assert_ptr_nonnull(strstr(err.message, "[redacted]"));
	ck_assert_ptr_nonnull(strstr(err.message, "See docs"));
	req.api_key = "some-opaque-key-value";
	ig_provider_http_error(&c, &resp, 0, "bad: hf_AbCdEf123 and r8_Zz9 and some-opaque-key-value",
	    &err);
	ck_assert_ptr_null(strstr(err.message, "hf_AbCdEf123"));
	ck_assert_ptr_null(strstr(err.message, "r8_Zz9"));
	ck_assert_ptr_null(strstr(err.message, "opaque-key"));
}
END_TEST

/* Sizes map to the nearest allowed ratio (log scale, so 2:1 is as far
 * from 1:1 as 1:2). */
START_TEST(nearest_aspect_ratio)
{
	static const char *const r[] = { "16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4",
		"9:16", "9:21", NULL };

	ck_assert_str_eq(ig_nearest_aspect(1024, 1024, r), "1:1");
	ck_assert_str_eq(ig_nearest_aspect(1792, 1024, r), "16:9");
	ck_assert_str_eq(ig_nearest_aspect(1024, 1792, r), "9:16");
	ck_assert_str_eq(ig_nearest_aspect(832, 1216, r), "2:3");
	ck_assert_str_eq(ig_nearest_aspect(2560, 1080, r), "21:9");
	ck_assert_str_eq(ig_nearest_aspect(640, 1536, r), "9:21");
	ck_assert_str_eq(ig_nearest_aspect(1100, 1024, r), "1:1");
}
END_TEST

/* A model id goes into a URL path; "../" would walk to another endpoint
 * with the caller's key attached. */
START_TEST(model_ids_cannot_traverse_paths)
{
	ck_assert(ig_model_id_safe("stabilityai/stable-diffusion-xl-base-1.0", 1));
	ck_assert(!ig_model_id_safe("a/b/c", 1));
	ck_assert(!ig_model_id_safe("../admin", 1));
	ck_assert(!ig_model_id_safe("a/..", 1));
	ck_assert(!ig_model_id_safe("a//b", 2));
	ck_assert(!ig_model_id_safe("a?b", 0));
	ck_assert(!ig_model_id_safe("a%2f", 0));
	ck_assert(!ig_model_id_safe("", 0));
}
END_TEST

/* ---- openai ------------------------------------------------------------ */

/* dall-e-2 request: Bearer auth, b64_json asked for, and the negative
 * prompt not sent anywhere (the API has none; API.md folds it into
 * prompt_used only). */
START_TEST(openai_request_sends_no_negative_prompt)
{
	ig_gen_request req = mkreq("dall-e-2");
	ig_call c = mkcall(&req);
	ig_http_req r;
	json_object *b;

	req.count = 2;
	req.quality = "standard";
	req.style = "vivid";   /* dall-e-3 only: not sent to dall-e-2 */
	build_ok(&ig_provider_openai, &c, &r, "POST", "http://127.0.0.1:9/v1/images/generations");
	ck_assert_str_eq(header(&r, "Authorization"), "Bearer " KEY);
	ck_assert_str_eq(header(&r, "Content-Type"), "application/json");
	b = body(&r);
	ck_assert_str_eq(str_at(b, "model"), "dall-e-2");
	ck_assert_str_eq(str_at(b, "prompt"), "A beautiful sunset over mountains");
	ck_assert_int_eq(int_at(b, "n"), 2);
	ck_assert_str_eq(str_at(b, "size"), "1024x1024");
	ck_assert_str_eq(str_at(b, "quality"), "standard");
	ck_assert_str_eq(str_at(b, "response_format"), "b64_json");
	ck_assert_ptr_null(at(b, "style"));
	ck_assert_ptr_null(strstr(r.body, "blurry"));
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_openai, &c);
}
END_TEST

/* gpt-image rejects response_format (it always answers b64); dall-e-3
 * makes one image per request, so a count of 2 is two requests. */
START_TEST(openai_model_rules_gpt_image_and_dalle3)
{
	ig_gen_request req = mkreq("gpt-image-1");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	json_object *b;
	char json[512];

	req.width = 1536;
	build_ok(&ig_provider_openai, &c, &r, "POST", "http://127.0.0.1:9/v1/images/generations");
	b = body(&r);
	ck_assert_ptr_null(at(b, "response_format"));
	ck_assert_str_eq(str_at(b, "size"), "1536x1024");
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_openai, &c);

	req = mkreq("dall-e-3");
	req.count = 2;
	req.style = "natural";
	c = mkcall(&req);
	build_ok(&ig_provider_openai, &c, &r, "POST", "http://127.0.0.1:9/v1/images/generations");
	b = body(&r);
	ck_assert_int_eq(int_at(b, "n"), 1);
	ck_assert_str_eq(str_at(b, "style"), "natural");
	json_object_put(b);
	ig_http_req_free(&r);
	snprintf(json, sizeof(json), "{\"created\": 1713833628, \"data\": [{\"b64_json\": \"%s\", "
	    "\"revised_prompt\": \"A vivid sunset\"}]}", png_b64("one"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_openai, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.url, "http://127.0.0.1:9/v1/images/generations");
	ck_assert_int_eq(next.download, 0);
	ig_http_req_free(&next);
	snprintf(json, sizeof(json), "{\"created\": 1713833629, \"data\": [{\"b64_json\": \"%s\"}]}",
	    png_b64("two"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_openai, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);
	ck_assert(image_is(&c.images[0], "one") && image_is(&c.images[1], "two"));
	ck_assert_str_eq(c.images[0].revised_prompt, "A vivid sunset");
	finish(&ig_provider_openai, &c);
}
END_TEST

/* Each model has its own sizes: 512x512 is dall-e-2 only, so dall-e-3
 * must 400 on image_size before a paid call. */
START_TEST(openai_validate_sizes_per_model)
{
	ig_gen_request req = mkreq("dall-e-3");
	ig_err err;

	req.width = req.height = 512;
	ck_assert_int_eq(ig_provider_openai.validate(&req, &err), -1);
	ck_assert_str_eq(err.field, "image_size");
	req.model = "dall-e-2";
	ck_assert_int_eq(ig_provider_openai.validate(&req, &err), 0);
	req.model = "midjourney";
	ck_assert_int_eq(ig_provider_openai.validate(&req, &err), -1);
	ck_assert_str_eq(err.field, "model");
}
END_TEST

/* A url answer expires after an hour: it is downloaded at once, as a
 * download (allow-list, no key sent to the storage host). */
START_TEST(openai_url_answer_is_downloaded_without_the_key)
{
	ig_gen_request req = mkreq("dall-e-2");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;

	build_ok(&ig_provider_openai, &c, &r, "POST", "http://127.0.0.1:9/v1/images/generations");
	ig_http_req_free(&r);
	resp = mkresp(200, "{\"created\": 1, \"data\": [{\"url\": "
	    "\"https://oaidalleapiprodscus.blob.core.windows.net/private/img-1.png?sig=x\", "
	    "\"revised_prompt\": \"rp\"}]}");
	ck_assert_int_eq(feed(&ig_provider_openai, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.method, "GET");
	ck_assert_str_eq(next.url, "https://oaidalleapiprodscus.blob.core.windows.net/private/img-1.png?sig=x");
	ck_assert_int_eq(next.download, 1);
	ck_assert_int_eq(next.nheaders, 0);
	ig_http_req_free(&next);
	resp = mkresp(503, "busy");
	ck_assert_int_eq(feed(&ig_provider_openai, &c, &resp, &next, &err), IG_STEP_RETRY);
	resp = image_resp("dl");
	ck_assert_int_eq(feed(&ig_provider_openai, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 1);
	ck_assert(image_is(&c.images[0], "dl"));
	ck_assert_str_eq(c.images[0].revised_prompt, "rp");
	finish(&ig_provider_openai, &c);
}
END_TEST

/* The error answers, each in OpenAI's {"error": {...}} shape. */
START_TEST(openai_errors_map_to_our_codes)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;

	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 401, NULL,
	    "{\"error\": {\"message\": \"Incorrect API key provided: " KEY ". You can find your API "
	    "key at https://platform.openai.com/account/api-keys.\", \"type\": "
	    "\"invalid_request_error\", \"param\": null, \"code\": \"invalid_api_key\"}}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_openai, &c);

	/* insufficient_quota is a 429 that waiting never fixes. */
	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 429, "20",
	    "{\"error\": {\"message\": \"You exceeded your current quota\", \"type\": "
	    "\"insufficient_quota\", \"param\": null, \"code\": \"insufficient_quota\"}}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_RATE_LIMITED);
	finish(&ig_provider_openai, &c);

	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 429, "20",
	    "{\"error\": {\"message\": \"Rate limit reached for images per minute\", \"type\": "
	    "\"requests\", \"param\": null, \"code\": \"rate_limit_exceeded\"}}",
	    &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 20000);
	ck_assert_int_eq(err.code, IG_E_RATE_LIMITED);
	finish(&ig_provider_openai, &c);

	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 400, NULL,
	    "{\"error\": {\"message\": \"Your request was rejected as a result of our safety "
	    "system.\", \"type\": \"invalid_request_error\", \"param\": null, \"code\": "
	    "\"content_policy_violation\"}}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_openai, &c);

	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 400, NULL,
	    "{\"error\": {\"message\": \"Invalid size\", \"type\": \"invalid_request_error\", "
	    "\"param\": \"size\", \"code\": null}}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_openai, &c);

	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 500, NULL,
	    "{\"error\": {\"message\": \"The server had an error\", \"type\": \"server_error\"}}",
	    &c, &req, &err), IG_STEP_RETRY);
	finish(&ig_provider_openai, &c);

	/* A 200 that is not JSON is the provider's fault, not the caller's. */
	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 200, NULL,
	    "{\"created\": 1, \"data\": [", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_openai, &c);

	/* A 200 whose image is not base64 of an image. */
	ck_assert_int_eq(one_answer(&ig_provider_openai, "dall-e-2", 200, NULL,
	    "{\"created\": 1, \"data\": [{\"b64_json\": \"bm90IGFuIGltYWdl\"}]}", &c, &req, &err),
	    IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_openai, &c);
}
END_TEST

START_TEST(openai_probe_is_an_authenticated_get)
{
	ig_http_req r;
	ig_http_resp ok = mkresp(200, "{}"), bad = mkresp(401, "{}");

	ck_assert_int_eq(ig_provider_probe(&ig_provider_openai, "https://api.openai.com", KEY, &r), 0);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.url, "https://api.openai.com/v1/models");
	ck_assert_str_eq(header(&r, "Authorization"), "Bearer " KEY);
	ig_http_req_free(&r);
	ck_assert(ig_provider_probe_ok(&ig_provider_openai, &ok));
	ck_assert(!ig_provider_probe_ok(&ig_provider_openai, &bad));
}
END_TEST

/* ---- stability --------------------------------------------------------- */

/* v2beta is multipart even with no file (a JSON body is a 400 there),
 * Accept: application/json, the size as the nearest aspect ratio. */
START_TEST(stability_v2_is_multipart_with_aspect_ratio)
{
	ig_gen_request req = mkreq("core");
	ig_call c = mkcall(&req);
	ig_http_req r;

	req.width = 1792;
	req.has_seed = 1;
	req.seed = 42;
	req.style = "photographic";
	build_ok(&ig_provider_stability, &c, &r, "POST",
	    "http://127.0.0.1:9/v2beta/stable-image/generate/core");
	ck_assert_ptr_null(r.body);
	ck_assert_int_gt(r.nparts, 0);
	ck_assert_str_eq(header(&r, "Authorization"), "Bearer " KEY);
	ck_assert_str_eq(header(&r, "Accept"), "application/json");
	ck_assert_ptr_null(header(&r, "Content-Type"));   /* the runner sets the boundary */
	ck_assert_str_eq(part(&r, "prompt"), "A beautiful sunset over mountains");
	ck_assert_str_eq(part(&r, "negative_prompt"), "blurry, low quality");
	ck_assert_str_eq(part(&r, "aspect_ratio"), "16:9");
	ck_assert_str_eq(part(&r, "seed"), "42");
	ck_assert_str_eq(part(&r, "output_format"), "png");
	ck_assert_str_eq(part(&r, "style_preset"), "photographic");
	ck_assert_ptr_null(part(&r, "model"));
	ig_http_req_free(&r);
	finish(&ig_provider_stability, &c);

	req = mkreq("sd3.5-large");
	req.negative_prompt = NULL;
	req.width = 832;
	req.height = 1216;
	c = mkcall(&req);
	build_ok(&ig_provider_stability, &c, &r, "POST",
	    "http://127.0.0.1:9/v2beta/stable-image/generate/sd3");
	ck_assert_str_eq(part(&r, "model"), "sd3.5-large");
	ck_assert_str_eq(part(&r, "mode"), "text-to-image");
	ck_assert_str_eq(part(&r, "aspect_ratio"), "2:3");
	ck_assert_ptr_null(part(&r, "negative_prompt"));
	ck_assert_ptr_null(part(&r, "seed"));
	ig_http_req_free(&r);
	finish(&ig_provider_stability, &c);
}
END_TEST

/* One image per call: a count of 2 is two calls, the fixed seed moving
 * on by one, or both images would be the same picture. */
START_TEST(stability_v2_loops_for_count_with_seeds)
{
	ig_gen_request req = mkreq("ultra");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	char json[256];

	req.count = 2;
	req.has_seed = 1;
	req.seed = 343940597;
	build_ok(&ig_provider_stability, &c, &r, "POST",
	    "http://127.0.0.1:9/v2beta/stable-image/generate/ultra");
	ig_http_req_free(&r);
	snprintf(json, sizeof(json), "{\"image\": \"%s\", \"finish_reason\": \"SUCCESS\", "
	    "\"seed\": 343940597}", png_b64("a"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_stability, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.url, "http://127.0.0.1:9/v2beta/stable-image/generate/ultra");
	ck_assert_str_eq(part(&next, "seed"), "343940598");
	ig_http_req_free(&next);
	/* The same answer as bytes with headers (Accept: image/png). */
	resp = image_resp("b");
	resp.finish_reason = "SUCCESS";
	resp.seed = "343940598";
	ck_assert_int_eq(feed(&ig_provider_stability, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);
	ck_assert(image_is(&c.images[0], "a") && image_is(&c.images[1], "b"));
	ck_assert(c.images[0].has_seed && c.images[0].seed == 343940597);
	ck_assert(c.images[1].has_seed && c.images[1].seed == 343940598);
	finish(&ig_provider_stability, &c);
}
END_TEST

/* CONTENT_FILTERED arrives on a 200 (in the body or the finish-reason
 * header): treating it as success stores a blurred placeholder. */
START_TEST(stability_200_content_filtered_is_a_refusal)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;
	ig_http_req next;
	ig_http_resp resp;
	char json[256];

	snprintf(json, sizeof(json), "{\"image\": \"%s\", \"finish_reason\": \"CONTENT_FILTERED\", "
	    "\"seed\": 1}", png_b64("blur"));
	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 200, NULL, json, &c, &req, &err),
	    IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	ck_assert_int_eq(c.nimages, 0);
	finish(&ig_provider_stability, &c);

	req = mkreq("core");
	c = mkcall(&req);
	memset(&next, 0, sizeof(next));
	ck_assert_int_eq(ig_provider_stability.build(&c, &next, &err), 0);
	ig_http_req_free(&next);
	resp = image_resp("blur");
	resp.finish_reason = "CONTENT_FILTERED";
	ck_assert_int_eq(feed(&ig_provider_stability, &c, &resp, &next, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_stability, &c);

	/* 403 content_moderation is the filter, not a bad key. */
	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 403, NULL,
	    "{\"id\": \"ed14fa5ce4\", \"name\": \"content_moderation\", \"errors\": [\"Your request "
	    "was flagged by our content moderation system.\"]}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_stability, &c);
}
END_TEST

START_TEST(stability_errors_map_to_our_codes)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;

	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 401, NULL,
	    "{\"id\": \"9160aa70\", \"name\": \"unauthorized\", \"errors\": [\"Incorrect API key "
	    "provided: " KEY "\"]}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_stability, &c);

	/* 150 requests per 10 s, then a 60 s lock-out: without Retry-After
	 * wait the lock-out out, not a back-off that hits it again. */
	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 429, NULL,
	    "{\"id\": \"1\", \"name\": \"rate_limit_exceeded\", \"errors\": [\"You have exceeded "
	    "the rate limit\"]}", &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 60000);
	finish(&ig_provider_stability, &c);
	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 429, "10",
	    "{\"id\": \"1\", \"name\": \"rate_limit_exceeded\", \"errors\": [\"slow down\"]}",
	    &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 10000);
	finish(&ig_provider_stability, &c);

	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 500, NULL,
	    "{\"id\": \"1\", \"name\": \"internal_error\", \"errors\": [\"oops\"]}", &c, &req, &err),
	    IG_STEP_RETRY);
	finish(&ig_provider_stability, &c);
	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 400, NULL,
	    "{\"id\": \"1\", \"name\": \"bad_request\", \"errors\": [\"prompt: required\"]}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	ck_assert_ptr_nonnull(strstr(err.message, "prompt: required"));
	finish(&ig_provider_stability, &c);
	ck_assert_int_eq(one_answer(&ig_provider_stability, "core", 200, NULL, "{\"image\": ",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_stability, &c);
}
END_TEST

/* Legacy engines speak v1 JSON: the negative prompt is a text_prompt of
 * weight -1 (sending it as negative_prompt is silently ignored), sides are
 * multiples of 64, and samples carries the count in one call. */
START_TEST(stability_v1_engine_uses_weighted_text_prompts)
{
	ig_gen_request req = mkreq("stable-diffusion-xl-1024-v1-0");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	json_object *b;
	char json[512], a1[128];

	req.count = 3;
	req.has_seed = 1;
	req.seed = 7;
	build_ok(&ig_provider_stability, &c, &r, "POST",
	    "http://127.0.0.1:9/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image");
	ck_assert_int_eq(r.nparts, 0);
	ck_assert_str_eq(header(&r, "Accept"), "application/json");
	b = body(&r);
	ck_assert_str_eq(str_at(b, "text_prompts.0.text"), "A beautiful sunset over mountains");
	ck_assert_int_eq(int_at(b, "text_prompts.0.weight"), 1);
	ck_assert_str_eq(str_at(b, "text_prompts.1.text"), "blurry, low quality");
	ck_assert_int_eq(int_at(b, "text_prompts.1.weight"), -1);
	ck_assert_int_eq(int_at(b, "width"), 1024);
	ck_assert_int_eq(int_at(b, "height"), 1024);
	ck_assert_int_eq(int_at(b, "samples"), 3);
	ck_assert_int_eq(int_at(b, "seed"), 7);
	ck_assert_ptr_nonnull(at(b, "cfg_scale"));
	ck_assert_ptr_null(at(b, "negative_prompt"));
	json_object_put(b);
	ig_http_req_free(&r);
	snprintf(a1, sizeof(a1), "%s", png_b64("v1a"));
	snprintf(json, sizeof(json), "{\"artifacts\": [{\"base64\": \"%s\", \"seed\": 7, "
	    "\"finishReason\": \"SUCCESS\"}, {\"base64\": \"%s\", \"seed\": 8, \"finishReason\": "
	    "\"CONTENT_FILTERED\"}, {\"base64\": \"%s\", \"seed\": 9, \"finishReason\": \"SUCCESS\"}]}",
	    a1, a1, png_b64("v1c"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_stability, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);       /* the filtered (blurred) one is dropped */
	ck_assert(c.images[0].seed == 7 && c.images[1].seed == 9);
	ck_assert(image_is(&c.images[1], "v1c"));
	finish(&ig_provider_stability, &c);

	req.width = 1000;
	ck_assert_int_eq(ig_provider_stability.validate(&req, &err), -1);
	ck_assert_str_eq(err.field, "image_size");

	snprintf(json, sizeof(json), "{\"artifacts\": [{\"base64\": \"%s\", \"seed\": 8, "
	    "\"finishReason\": \"CONTENT_FILTERED\"}]}", a1);
	ck_assert_int_eq(one_answer(&ig_provider_stability, "stable-diffusion-xl-1024-v1-0", 200, NULL,
	    json, &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_stability, &c);
}
END_TEST

/* ---- gemini ------------------------------------------------------------ */

/* generateContent: the key in x-goog-api-key (never a Bearer header or a
 * ?key= URL that lands in logs), IMAGE modality, aspect ratio mapped; no
 * negative prompt in the text. */
START_TEST(gemini_generate_content_request)
{
	ig_gen_request req = mkreq("gemini-2.5-flash-image");
	ig_call c = mkcall(&req);
	ig_http_req r;
	json_object *b;

	req.width = 1920;
	req.height = 1080;
	build_ok(&ig_provider_gemini, &c, &r, "POST",
	    "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash-image:generateContent");
	ck_assert_str_eq(header(&r, "x-goog-api-key"), KEY);
	ck_assert_ptr_null(header(&r, "Authorization"));
	ck_assert_ptr_null(strstr(r.url, "key="));
	b = body(&r);
	ck_assert_str_eq(str_at(b, "contents.0.role"), "user");
	ck_assert_str_eq(str_at(b, "contents.0.parts.0.text"), "A beautiful sunset over mountains");
	ck_assert_str_eq(str_at(b, "generationConfig.responseModalities.0"), "IMAGE");
	ck_assert_str_eq(str_at(b, "generationConfig.imageConfig.aspectRatio"), "16:9");
	ck_assert_ptr_null(strstr(r.body, "blurry"));
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_gemini, &c);
}
END_TEST

/* Imagen models use :predict with instances/parameters, sampleCount ≤ 4,
 * Imagen's own ratios, and no negative prompt or seed. The seed's own
 * example asks for "imagen-2" with a count of 2. */
START_TEST(gemini_imagen_uses_predict)
{
	ig_gen_request req = mkreq("imagen-4.0-generate-001");
	ig_call c = mkcall(&req);
	ig_http_req r;
	json_object *b;

	req.width = 768;
	req.count = 2;
	req.has_seed = 1;
	req.seed = 5;
	build_ok(&ig_provider_gemini, &c, &r, "POST",
	    "http://127.0.0.1:9/v1beta/models/imagen-4.0-generate-001:predict");
	ck_assert_str_eq(header(&r, "x-goog-api-key"), KEY);
	b = body(&r);
	ck_assert_str_eq(str_at(b, "instances.0.prompt"), "A beautiful sunset over mountains");
	ck_assert_int_eq(int_at(b, "parameters.sampleCount"), 2);
	ck_assert_str_eq(str_at(b, "parameters.aspectRatio"), "3:4");
	ck_assert_ptr_null(at(b, "parameters.seed"));
	ck_assert_ptr_null(at(b, "parameters.negativePrompt"));
	ck_assert_ptr_null(strstr(r.body, "blurry"));
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_gemini, &c);

	req = mkreq("imagen-2");
	req.count = 2;
	c = mkcall(&req);
	build_ok(&ig_provider_gemini, &c, &r, "POST",
	    "http://127.0.0.1:9/v1beta/models/imagen-4.0-generate-001:predict");
	ig_http_req_free(&r);
	finish(&ig_provider_gemini, &c);
}
END_TEST

/* One image per generateContent: a count loops. */
START_TEST(gemini_generate_content_success_loops)
{
	ig_gen_request req = mkreq("gemini-2.5-flash-image");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	char json[512];

	req.count = 2;
	build_ok(&ig_provider_gemini, &c, &r, "POST",
	    "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash-image:generateContent");
	ig_http_req_free(&r);
	snprintf(json, sizeof(json), "{\"candidates\": [{\"content\": {\"role\": \"model\", \"parts\": "
	    "[{\"text\": \"Here is your image\"}, {\"inlineData\": {\"mimeType\": \"image/png\", "
	    "\"data\": \"%s\"}}]}, \"finishReason\": \"STOP\", \"index\": 0}], "
	    "\"usageMetadata\": {\"promptTokenCount\": 7}}", png_b64("g1"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_gemini, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.url,
	    "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash-image:generateContent");
	ig_http_req_free(&next);
	snprintf(json, sizeof(json), "{\"candidates\": [{\"content\": {\"parts\": [{\"inlineData\": "
	    "{\"mimeType\": \"image/png\", \"data\": \"%s\"}}]}, \"finishReason\": \"STOP\"}]}",
	    png_b64("g2"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_gemini, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);
	ck_assert(image_is(&c.images[0], "g1") && image_is(&c.images[1], "g2"));
	finish(&ig_provider_gemini, &c);
}
END_TEST

/* Imagen drops filtered images from the answer: fewer than asked come
 * back, which ends the call with what we have rather than looping; all
 * of them filtered is a refusal. Counts above 4 take several calls. */
START_TEST(gemini_imagen_fewer_images_and_batches)
{
	ig_gen_request req = mkreq("imagen-4.0-generate-001");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	json_object *b;
	char json[1024], p1[128];

	req.count = 6;
	build_ok(&ig_provider_gemini, &c, &r, "POST",
	    "http://127.0.0.1:9/v1beta/models/imagen-4.0-generate-001:predict");
	b = body(&r);
	ck_assert_int_eq(int_at(b, "parameters.sampleCount"), 4);
	json_object_put(b);
	ig_http_req_free(&r);
	snprintf(p1, sizeof(p1), "%s", png_b64("i"));
	snprintf(json, sizeof(json), "{\"predictions\": [{\"bytesBase64Encoded\": \"%s\", \"mimeType\": "
	    "\"image/png\"}, {\"bytesBase64Encoded\": \"%s\", \"mimeType\": \"image/png\"}, "
	    "{\"bytesBase64Encoded\": \"%s\", \"mimeType\": \"image/png\"}, {\"bytesBase64Encoded\": "
	    "\"%s\", \"mimeType\": \"image/png\"}]}", p1, p1, p1, p1);
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_gemini, &c, &resp, &next, &err), IG_STEP_NEXT);
	b = body(&next);
	ck_assert_int_eq(int_at(b, "parameters.sampleCount"), 2);
	json_object_put(b);
	ig_http_req_free(&next);
	snprintf(json, sizeof(json), "{\"predictions\": [{\"bytesBase64Encoded\": \"%s\", \"mimeType\": "
	    "\"image/png\"}, {\"raiFilteredReason\": \"filtered for safety\"}]}", p1);
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_gemini, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 5);
	finish(&ig_provider_gemini, &c);

	ck_assert_int_eq(one_answer(&ig_provider_gemini, "imagen-4.0-generate-001", 200, NULL,
	    "{\"predictions\": [{\"raiFilteredReason\": \"Unable to show generated images.\"}]}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_gemini, &c);
	ck_assert_int_eq(one_answer(&ig_provider_gemini, "imagen-4.0-generate-001", 200, NULL, "{}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_gemini, &c);
}
END_TEST

/* Gemini refuses with a 200: finishReason IMAGE_SAFETY and friends, or a
 * promptFeedback.blockReason with no candidates at all. */
START_TEST(gemini_200_refusals_are_content_filtered)
{
	static const char *const bodies[] = {
		"{\"candidates\": [{\"finishReason\": \"IMAGE_SAFETY\", \"index\": 0}]}",
		"{\"candidates\": [{\"content\": {\"parts\": []}, \"finishReason\": "
		"\"IMAGE_PROHIBITED_CONTENT\"}]}",
		"{\"candidates\": [{\"finishReason\": \"NO_IMAGE\"}]}",
		"{\"candidates\": [{\"finishReason\": \"SAFETY\", \"safetyRatings\": []}]}",
		"{\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"}}",
		"{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"I can't draw that.\"}]}, "
		"\"finishReason\": \"STOP\"}]}",
	};
	ig_gen_request req;
	ig_call c;
	ig_err err;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 200, NULL,
		    bodies[i], &c, &req, &err), IG_STEP_FAIL);
		ck_assert_msg(err.code == IG_E_CONTENT_FILTERED, "%s: %s", bodies[i], err.message);
		finish(&ig_provider_gemini, &c);
	}
}
END_TEST

/* A bad Gemini key is a 400, not a 401: read as a 400 it would become a
 * "bad request" the user cannot fix by changing their request. */
START_TEST(gemini_errors_map_to_our_codes)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;

	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 400, NULL,
	    "{\"error\": {\"code\": 400, \"message\": \"API key not valid. Please pass a valid API "
	    "key.\", \"status\": \"INVALID_ARGUMENT\", \"details\": [{\"@type\": "
	    "\"type.googleapis.com/google.rpc.ErrorInfo\", \"reason\": \"API_KEY_INVALID\", "
	    "\"domain\": \"googleapis.com\", \"metadata\": {\"service\": "
	    "\"generativelanguage.googleapis.com\"}}]}}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_gemini, &c);

	/* RetryInfo.retryDelay is the wait; no Retry-After header is sent. */
	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 429, NULL,
	    "{\"error\": {\"code\": 429, \"message\": \"You exceeded your current quota.\", "
	    "\"status\": \"RESOURCE_EXHAUSTED\", \"details\": [{\"@type\": "
	    "\"type.googleapis.com/google.rpc.QuotaFailure\", \"violations\": []}, {\"@type\": "
	    "\"type.googleapis.com/google.rpc.RetryInfo\", \"retryDelay\": \"41s\"}]}}",
	    &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 41000);
	ck_assert_int_eq(err.code, IG_E_RATE_LIMITED);
	finish(&ig_provider_gemini, &c);

	/* A QuotaFailure without RetryInfo: the daily quota is spent, and
	 * retrying only burns the job's time budget. */
	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 429, NULL,
	    "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded for metric: "
	    "generate_content_free_tier_requests, limit: 0\", \"status\": \"RESOURCE_EXHAUSTED\", "
	    "\"details\": [{\"@type\": \"type.googleapis.com/google.rpc.QuotaFailure\", "
	    "\"violations\": [{\"quotaMetric\": \"m\", \"quotaId\": \"PerDay\"}]}]}}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_RATE_LIMITED);
	finish(&ig_provider_gemini, &c);

	/* A missing or unusable key can also be a 403 PERMISSION_DENIED. */
	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 403, NULL,
	    "{\"error\": {\"code\": 403, \"message\": \"Method doesn't allow unregistered callers\", "
	    "\"status\": \"PERMISSION_DENIED\"}}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_gemini, &c);

	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 503, NULL,
	    "{\"error\": {\"code\": 503, \"message\": \"The model is overloaded.\", \"status\": "
	    "\"UNAVAILABLE\"}}", &c, &req, &err), IG_STEP_RETRY);
	finish(&ig_provider_gemini, &c);

	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 400, NULL,
	    "{\"error\": {\"code\": 400, \"message\": \"Invalid JSON payload\", \"status\": "
	    "\"INVALID_ARGUMENT\"}}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_gemini, &c);

	ck_assert_int_eq(one_answer(&ig_provider_gemini, "gemini-2.5-flash-image", 200, NULL,
	    "{\"candidates\": [}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_gemini, &c);
}
END_TEST

/* ---- huggingface ------------------------------------------------------- */

/* inputs + parameters from the request and its extra fields; the cache
 * is bypassed or a count of unseeded images comes back as copies. */
START_TEST(huggingface_request_fields)
{
	ig_gen_request req = mkreq("stabilityai/stable-diffusion-xl-base-1.0");
	ig_call c = mkcall(&req);
	ig_http_req r;
	ig_err err;
	json_object *b;

	req.width = 768;
	req.has_seed = 1;
	req.seed = 42;
	req.extra = json_tokener_parse("{\"num_inference_steps\": 30, \"guidance_scale\": 7.5}");
	build_ok(&ig_provider_huggingface, &c, &r, "POST",
	    "http://127.0.0.1:9/models/stabilityai/stable-diffusion-xl-base-1.0");
	ck_assert_str_eq(header(&r, "Authorization"), "Bearer " KEY);
	ck_assert_str_eq(header(&r, "x-use-cache"), "false");
	b = body(&r);
	ck_assert_str_eq(str_at(b, "inputs"), "A beautiful sunset over mountains");
	ck_assert_str_eq(str_at(b, "parameters.negative_prompt"), "blurry, low quality");
	ck_assert_int_eq(int_at(b, "parameters.width"), 768);
	ck_assert_int_eq(int_at(b, "parameters.height"), 1024);
	ck_assert_int_eq(int_at(b, "parameters.num_inference_steps"), 30);
	ck_assert(json_object_get_double(at(b, "parameters.guidance_scale")) == 7.5);
	ck_assert_int_eq(int_at(b, "parameters.seed"), 42);
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_huggingface, &c);
	json_object_put(req.extra);

	req.extra = json_tokener_parse("{\"guidance_scale\": \"high\"}");
	ck_assert_int_eq(ig_provider_huggingface.validate(&req, &err), -1);
	ck_assert_str_eq(err.field, "guidance_scale");
	json_object_put(req.extra);
	req.extra = NULL;
	req.model = "../../api/whoami-v2";
	ck_assert_int_eq(ig_provider_huggingface.validate(&req, &err), -1);
	ck_assert_str_eq(err.field, "model");
}
END_TEST

/* A 200 is raw image bytes, one per call; seeds advance per image. */
START_TEST(huggingface_raw_bytes_loop_for_count)
{
	ig_gen_request req = mkreq("black-forest-labs/FLUX.1-schnell");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	json_object *b;

	req.count = 2;
	req.has_seed = 1;
	req.seed = 42;
	build_ok(&ig_provider_huggingface, &c, &r, "POST",
	    "http://127.0.0.1:9/models/black-forest-labs/FLUX.1-schnell");
	ig_http_req_free(&r);
	resp = image_resp("h1");
	ck_assert_int_eq(feed(&ig_provider_huggingface, &c, &resp, &next, &err), IG_STEP_NEXT);
	b = body(&next);
	ck_assert_int_eq(int_at(b, "parameters.seed"), 43);
	json_object_put(b);
	ig_http_req_free(&next);
	resp = image_resp("h2");
	ck_assert_int_eq(feed(&ig_provider_huggingface, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);
	ck_assert(image_is(&c.images[1], "h2"));
	ck_assert(c.images[0].seed == 42 && c.images[1].seed == 43);
	finish(&ig_provider_huggingface, &c);

	/* A 200 that is JSON, not an image, is not stored as a picture. */
	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "black-forest-labs/FLUX.1-schnell", 200,
	    NULL, "{\"error\": \"oops\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_huggingface, &c);
}
END_TEST

/* A cold model answers 503 with estimated_time: wait exactly that, not
 * the generic back-off that gives up before the model is warm. */
START_TEST(huggingface_503_loading_waits_estimated_time)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;

	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    503, NULL, "{\"error\": \"Model stabilityai/stable-diffusion-xl-base-1.0 is currently "
	    "loading\", \"estimated_time\": 20.0}", &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 20000);
	finish(&ig_provider_huggingface, &c);
	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    503, NULL, "{\"error\": \"loading\", \"estimated_time\": 1e9}", &c, &req, &err),
	    IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 3600000);
	finish(&ig_provider_huggingface, &c);

	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    401, NULL, "{\"error\": \"Invalid credentials in Authorization header\"}", &c, &req, &err),
	    IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_huggingface, &c);
	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    429, "3", "{\"error\": \"Rate limit reached\"}", &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 3000);
	finish(&ig_provider_huggingface, &c);
	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    500, NULL, "<html>Internal Server Error</html>", &c, &req, &err), IG_STEP_RETRY);
	finish(&ig_provider_huggingface, &c);
	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    400, NULL, "{\"error\": [\"Error in `parameters.width`: must be a multiple of 8\"]}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	ck_assert_ptr_nonnull(strstr(err.message, "multiple of 8"));
	finish(&ig_provider_huggingface, &c);
}
END_TEST

/* The pipeline's safety checker answers a 400 naming NSFW: a refusal
 * (422 to our caller), not a malformed request. */
START_TEST(huggingface_nsfw_400_is_content_filtered)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;

	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    400, NULL, "{\"error\": \"Potential NSFW content was detected in one or more images. "
	    "A black image will be returned instead.\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_huggingface, &c);
	/* Out of credit (402) is final: no wait refills it. */
	ck_assert_int_eq(one_answer(&ig_provider_huggingface, "stabilityai/stable-diffusion-xl-base-1.0",
	    402, NULL, "{\"error\": \"You have exceeded your monthly included credits\"}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_RATE_LIMITED);
	finish(&ig_provider_huggingface, &c);
}
END_TEST

/* ---- replicate --------------------------------------------------------- */

#define PRED(status, output) \
	"{\"id\": \"gm3qorzdhgbfurvjtvhg6dckhu\", \"model\": \"black-forest-labs/flux-schnell\", " \
	"\"version\": \"dp-4d0bcc010b3049749a251855f12800be\", \"input\": {\"prompt\": \"x\"}, " \
	"\"logs\": \"\", \"output\": " output ", \"data_removed\": false, \"error\": null, " \
	"\"status\": \"" status "\", \"created_at\": \"2024-01-20T10:30:00.000Z\", \"urls\": " \
	"{\"cancel\": \"https://evil.example/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel\", " \
	"\"get\": \"https://evil.example/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu\"}}"

/* Create by model name, then poll (with a delay, never at urls.get which
 * the answer controls and which would receive our key), then download
 * each output of a list. */
START_TEST(replicate_create_poll_download_list)
{
	ig_gen_request req = mkreq("black-forest-labs/flux-schnell");
	ig_call c = mkcall(&req);
	ig_http_req r, next, cancel;
	ig_http_resp resp;
	ig_err err;
	json_object *b;

	req.count = 2;
	req.has_seed = 1;
	req.seed = 9;
	build_ok(&ig_provider_replicate, &c, &r, "POST",
	    "http://127.0.0.1:9/v1/models/black-forest-labs/flux-schnell/predictions");
	ck_assert_str_eq(header(&r, "Authorization"), "Bearer " KEY);
	b = body(&r);
	ck_assert_str_eq(str_at(b, "input.prompt"), "A beautiful sunset over mountains");
	ck_assert_str_eq(str_at(b, "input.negative_prompt"), "blurry, low quality");
	ck_assert_int_eq(int_at(b, "input.width"), 1024);
	ck_assert_int_eq(int_at(b, "input.height"), 1024);
	ck_assert_int_eq(int_at(b, "input.num_outputs"), 2);
	ck_assert_int_eq(int_at(b, "input.seed"), 9);
	ck_assert_ptr_null(at(b, "version"));
	json_object_put(b);
	ig_http_req_free(&r);

	resp = mkresp(201, PRED("starting", "null"));
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(c.upstream_id, "gm3qorzdhgbfurvjtvhg6dckhu");
	ck_assert_str_eq(next.method, "GET");
	ck_assert_str_eq(next.url, "http://127.0.0.1:9/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu");
	ck_assert_str_eq(header(&next, "Authorization"), "Bearer " KEY);
	ck_assert_int_gt(next.delay_ms, 0);
	ig_http_req_free(&next);

	/* Still running: it can be canceled, at our base URL. */
	ck_assert_int_eq(ig_provider_replicate.cancel(&c, &cancel), 1);
	ck_assert_str_eq(cancel.method, "POST");
	ck_assert_str_eq(cancel.url,
	    "http://127.0.0.1:9/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel");
	ig_http_req_free(&cancel);

	resp = mkresp(200, PRED("processing", "null"));
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_int_gt(next.delay_ms, 0);
	ig_http_req_free(&next);

	resp = mkresp(200, PRED("succeeded", "[\"https://replicate.delivery/xezq/a/out-0.webp\", "
	    "\"https://replicate.delivery/xezq/a/out-1.webp\"]"));
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.url, "https://replicate.delivery/xezq/a/out-0.webp");
	ck_assert_int_eq(next.download, 1);
	ck_assert_int_eq(next.nheaders, 0);
	ig_http_req_free(&next);
	resp = image_resp("r0");
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.url, "https://replicate.delivery/xezq/a/out-1.webp");
	ig_http_req_free(&next);
	resp = image_resp("r1");
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);
	ck_assert(image_is(&c.images[0], "r0") && image_is(&c.images[1], "r1"));
	/* Finished: nothing left to cancel. */
	ck_assert_int_eq(ig_provider_replicate.cancel(&c, &cancel), 0);
	finish(&ig_provider_replicate, &c);
}
END_TEST

/* Some models answer a single URL string, not a list: reading only lists
 * loses their image. A version from extra goes to /v1/predictions. */
START_TEST(replicate_string_output_and_version)
{
	ig_gen_request req = mkreq("stability-ai/sdxl");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	json_object *b;

	req.negative_prompt = NULL;
	req.extra = json_tokener_parse("{\"version\": \"39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525"
	    "255b1aa35c5565e08b\", \"input\": {\"scheduler\": \"K_EULER\", \"prompt\": \"overridden\"}}");
	build_ok(&ig_provider_replicate, &c, &r, "POST", "http://127.0.0.1:9/v1/predictions");
	b = body(&r);
	ck_assert_str_eq(str_at(b, "version"),
	    "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b");
	ck_assert_str_eq(str_at(b, "input.scheduler"), "K_EULER");
	ck_assert_str_eq(str_at(b, "input.prompt"), "A beautiful sunset over mountains");
	ck_assert_ptr_null(at(b, "input.negative_prompt"));
	ck_assert_ptr_null(at(b, "input.seed"));
	json_object_put(b);
	ig_http_req_free(&r);
	resp = mkresp(201, "{\"id\": \"abc123\", \"status\": \"succeeded\", \"logs\": "
	    "\"Using seed: 31337\\nDone\", \"output\": \"https://replicate.delivery/pbxt/out.png\", "
	    "\"error\": null, \"urls\": {}}");
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_NEXT);
	ck_assert_str_eq(next.url, "https://replicate.delivery/pbxt/out.png");
	ck_assert_int_eq(next.download, 1);
	ig_http_req_free(&next);
	resp = image_resp("s");
	ck_assert_int_eq(feed(&ig_provider_replicate, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 1);
	ck_assert(c.images[0].has_seed && c.images[0].seed == 31337);
	finish(&ig_provider_replicate, &c);
	json_object_put(req.extra);
}
END_TEST

START_TEST(replicate_failures_map_to_our_codes)
{
	ig_gen_request req;
	ig_call c;
	ig_err err;

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 200, NULL,
	    "{\"id\": \"p1\", \"status\": \"failed\", \"output\": null, \"error\": \"CUDA out of "
	    "memory\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	ck_assert_ptr_nonnull(strstr(err.message, "CUDA out of memory"));
	finish(&ig_provider_replicate, &c);

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 200, NULL,
	    "{\"id\": \"p1\", \"status\": \"failed\", \"output\": null, \"error\": \"NSFW content "
	    "detected in one or more images. Try running it again, or try a different prompt.\"}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_replicate, &c);

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 200, NULL,
	    "{\"id\": \"p1\", \"status\": \"canceled\", \"output\": null, \"error\": null}",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_replicate, &c);

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 401, NULL,
	    "{\"type\": \"https://replicate.com/docs/errors#unauthenticated\", \"title\": "
	    "\"Unauthenticated\", \"status\": 401, \"detail\": \"You did not pass a valid "
	    "authentication token\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_replicate, &c);

	/* The throttle hint lives in the detail text when no header says. */
	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 429, NULL,
	    "{\"title\": \"Request was throttled\", \"status\": 429, \"detail\": \"Request was "
	    "throttled. Expected available in 1 second.\"}", &c, &req, &err), IG_STEP_RETRY);
	ck_assert_int_eq(c.retry_ms, 1000);
	finish(&ig_provider_replicate, &c);

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 422, NULL,
	    "{\"title\": \"Input validation failed\", \"status\": 422, \"detail\": "
	    "\"- input.width: Must be less than or equal to 1440\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_replicate, &c);

	/* A prediction id with a path in it would steer our polls. */
	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 201, NULL,
	    "{\"id\": \"../../v1/account\", \"status\": \"starting\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_replicate, &c);

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 200, NULL,
	    "{\"id\": \"p1\", \"status\": \"succ", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_replicate, &c);

	ck_assert_int_eq(one_answer(&ig_provider_replicate, "black-forest-labs/flux-schnell", 502, NULL,
	    "<html>Bad Gateway</html>", &c, &req, &err), IG_STEP_RETRY);
	finish(&ig_provider_replicate, &c);
}
END_TEST

/* ---- local_ai ---------------------------------------------------------- */

/* No key: no Authorization; "user:pass": HTTP Basic. seed -1 asks for a
 * random one; batch_size carries the count. */
START_TEST(local_ai_request_fields_and_basic_auth)
{
	ig_gen_request req = mkreq("default");
	ig_call c = mkcall(&req);
	ig_http_req r;
	json_object *b;

	req.api_key = NULL;
	req.count = 3;
	req.width = 512;
	req.height = 768;
	req.extra = json_tokener_parse("{\"steps\": 30, \"cfg_scale\": 6.5, \"sampler_name\": \"Euler a\"}");
	build_ok(&ig_provider_local_ai, &c, &r, "POST", "http://127.0.0.1:9/sdapi/v1/txt2img");
	ck_assert_ptr_null(header(&r, "Authorization"));
	b = body(&r);
	ck_assert_str_eq(str_at(b, "prompt"), "A beautiful sunset over mountains");
	ck_assert_str_eq(str_at(b, "negative_prompt"), "blurry, low quality");
	ck_assert_int_eq(int_at(b, "seed"), -1);
	ck_assert_int_eq(int_at(b, "steps"), 30);
	ck_assert(json_object_get_double(at(b, "cfg_scale")) == 6.5);
	ck_assert_str_eq(str_at(b, "sampler_name"), "Euler a");
	ck_assert_int_eq(int_at(b, "width"), 512);
	ck_assert_int_eq(int_at(b, "height"), 768);
	ck_assert_int_eq(int_at(b, "batch_size"), 3);
	ck_assert_int_eq(int_at(b, "n_iter"), 1);
	ck_assert_ptr_null(at(b, "override_settings"));
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_local_ai, &c);
	json_object_put(req.extra);
	req.extra = NULL;

	req.api_key = "user:pass";
	req.has_seed = 1;
	req.seed = 1234;
	req.model = "v1-5-pruned-emaonly.safetensors";
	c = mkcall(&req);
	build_ok(&ig_provider_local_ai, &c, &r, "POST", "http://127.0.0.1:9/sdapi/v1/txt2img");
	ck_assert_str_eq(header(&r, "Authorization"), "Basic dXNlcjpwYXNz");
	b = body(&r);
	ck_assert_int_eq(int_at(b, "seed"), 1234);
	ck_assert_str_eq(str_at(b, "override_settings.sd_model_checkpoint"),
	    "v1-5-pruned-emaonly.safetensors");
	json_object_put(b);
	ig_http_req_free(&r);
	finish(&ig_provider_local_ai, &c);

	ck_assert_int_eq(ig_provider_local_ai.probe("http://127.0.0.1:7860/", NULL, &r), 0);
	ck_assert_str_eq(r.url, "http://127.0.0.1:7860/sdapi/v1/sd-models");
	ig_http_req_free(&r);
}
END_TEST

/* info is JSON inside a JSON string: read once it is just a string and
 * the seeds are lost; it must be parsed again for all_seeds. */
START_TEST(local_ai_info_is_decoded_twice_for_seeds)
{
	ig_gen_request req = mkreq("default");
	ig_call c = mkcall(&req);
	ig_http_req r, next;
	ig_http_resp resp;
	ig_err err;
	char json[1024], a[128];

	req.count = 2;
	build_ok(&ig_provider_local_ai, &c, &r, "POST", "http://127.0.0.1:9/sdapi/v1/txt2img");
	ig_http_req_free(&r);
	snprintf(a, sizeof(a), "%s", png_b64("l1"));
	snprintf(json, sizeof(json), "{\"images\": [\"%s\", \"%s\"], \"parameters\": {\"prompt\": "
	    "\"x\", \"seed\": -1}, \"info\": \"{\\\"prompt\\\": \\\"x\\\", \\\"all_prompts\\\": "
	    "[\\\"x\\\", \\\"x\\\"], \\\"seed\\\": 3735928559, \\\"all_seeds\\\": [3735928559, "
	    "3735928560], \\\"sampler_name\\\": \\\"Euler a\\\"}\"}", a, png_b64("l2"));
	resp = mkresp(200, json);
	ck_assert_int_eq(feed(&ig_provider_local_ai, &c, &resp, &next, &err), IG_STEP_DONE);
	ck_assert_int_eq(c.nimages, 2);
	ck_assert(image_is(&c.images[0], "l1") && image_is(&c.images[1], "l2"));
	ck_assert(c.images[0].has_seed && c.images[0].seed == 3735928559LL);
	ck_assert(c.images[1].has_seed && c.images[1].seed == 3735928560LL);
	finish(&ig_provider_local_ai, &c);

	snprintf(json, sizeof(json), "{\"images\": [\"%s\"], \"info\": \"{not json\"}", a);
	ck_assert_int_eq(one_answer(&ig_provider_local_ai, "default", 200, NULL, json, &c, &req, &err),
	    IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_local_ai, &c);
	ck_assert_int_eq(one_answer(&ig_provider_local_ai, "default", 200, NULL, "{\"images\": [",
	    &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_local_ai, &c);
	/* NSFW-filter scripts leave a 200 with no images: a refusal. */
	ck_assert_int_eq(one_answer(&ig_provider_local_ai, "default", 200, NULL,
	    "{\"images\": [], \"parameters\": {}, \"info\": \"{}\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_CONTENT_FILTERED);
	finish(&ig_provider_local_ai, &c);
	ck_assert_int_eq(one_answer(&ig_provider_local_ai, "default", 401, NULL,
	    "{\"detail\": \"Incorrect username or password\"}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_AUTH_FAILED);
	finish(&ig_provider_local_ai, &c);
	ck_assert_int_eq(one_answer(&ig_provider_local_ai, "default", 500, NULL,
	    "{\"error\": \"RuntimeError\", \"detail\": \"\", \"body\": \"\", \"errors\": \"CUDA out of "
	    "memory\"}", &c, &req, &err), IG_STEP_RETRY);
	finish(&ig_provider_local_ai, &c);
	ck_assert_int_eq(one_answer(&ig_provider_local_ai, "default", 422, NULL,
	    "{\"detail\": [{\"loc\": [\"body\", \"width\"], \"msg\": \"value is not a valid "
	    "integer\"}]}", &c, &req, &err), IG_STEP_FAIL);
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	finish(&ig_provider_local_ai, &c);
}
END_TEST

/* /api/local_ai/models lists what the server has: "default" first, then
 * each checkpoint by the name override_settings accepts. */
START_TEST(local_ai_models_from_sd_models)
{
	ig_http_resp resp = mkresp(200, "[{\"title\": \"v1-5-pruned-emaonly.safetensors [6ce0161689]\", "
	    "\"model_name\": \"v1-5-pruned-emaonly\", \"hash\": \"6ce0161689\", \"sha256\": \"x\", "
	    "\"filename\": \"/models/Stable-diffusion/v1-5-pruned-emaonly.safetensors\", "
	    "\"config\": null}]");
	ig_err err;
	json_object *m = ig_local_ai_models(&resp, &err);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(json_object_array_length(m), 2);
	ck_assert_str_eq(str_at(m, "0.id"), "default");
	ck_assert(json_object_get_boolean(at(m, "0.default")));
	ck_assert_str_eq(str_at(m, "1.id"), "v1-5-pruned-emaonly");
	ck_assert_str_eq(str_at(m, "1.name"), "v1-5-pruned-emaonly.safetensors [6ce0161689]");
	json_object_put(m);
	resp = mkresp(200, "{\"detail\": \"Not Found\"}");
	ck_assert_ptr_null(ig_local_ai_models(&resp, &err));
	ck_assert_int_eq(err.code, IG_E_PROVIDER_ERROR);
	resp = mkresp(401, "{\"detail\": \"Not authenticated\"}");
	ck_assert_ptr_null(ig_local_ai_models(&resp, &err));
}
END_TEST

/* ---- keys -------------------------------------------------------------- */

/* Issue 10: a request's api_key went into "Authorization: Bearer <key>"
 * unchecked, so "sk-…\r\nX-Injected: 1" added a header of the caller's
 * choosing. ig_provider_key_check is the one check every key passes
 * (requests, stored keys, the runner's last look). */
START_TEST(provider_key_check_refuses_header_breaking_keys)
{
	static const char *const bad[] = { "sk-abcdefgh\r\nX-Injected: 1", "sk-abcdefgh\n", "sk-abc\tdefgh",
		"sk-abcdefgh\x01", "sk-abcdefgh\x7f", "sk-abc defgh", "sk-abc\xc3\xa9" "defgh", "sk-1234", "", NULL };
	static const char *const good[] = { "sk-abcdefgh", "r8_0123456789", "hf_AbC~!{}|", "AIzaSyA-b_c.d", NULL };
	char *huge = malloc(IG_PROVIDER_KEY_MAX + 2);
	ig_err err;

	for (int i = 0; bad[i] != NULL; i++) {
		memset(&err, 0, sizeof(err));
		ck_assert_msg(ig_provider_key_check(bad[i], &err) == -1, "accepted bad key %d", i);
		ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
		ck_assert_str_eq(err.field, "api_key");
	}
	ck_assert_int_eq(ig_provider_key_check(NULL, &err), -1);
	for (int i = 0; good[i] != NULL; i++)
		ck_assert_msg(ig_provider_key_check(good[i], &err) == 0, "refused %s: %s", good[i], err.message);
	memset(huge, 'k', IG_PROVIDER_KEY_MAX);
	huge[IG_PROVIDER_KEY_MAX] = '\0';
	ck_assert_int_eq(ig_provider_key_check(huge, &err), 0);
	huge[IG_PROVIDER_KEY_MAX] = 'k';
	huge[IG_PROVIDER_KEY_MAX + 1] = '\0';
	ck_assert_int_eq(ig_provider_key_check(huge, &err), -1);
	free(huge);
}
END_TEST

/* ---- builtin ----------------------------------------------------------- */

/* The default provider must be reproducible: the same prompt, seed and
 * size give the same bytes; an unseeded call records the seed it used so
 * the picture can be asked for again; image i uses seed + i. */
START_TEST(builtin_is_deterministic_through_local_hook)
{
	ig_gen_request req = mkreq("builtin-procedural-v1");
	ig_call a = mkcall(&req), b = mkcall(&req);
	ig_err err;
	int64_t seed0;

	req.api_key = NULL;
	req.width = req.height = 128;
	req.count = 2;
	a.base_url = b.base_url = NULL;
	ck_assert_int_eq(ig_provider_builtin.local(&a, &err), 0);
	ck_assert_int_eq(ig_provider_builtin.local(&b, &err), 0);
	ck_assert_int_eq(a.nimages, 2);
	ck_assert(ig_image_magic_ok(a.images[0].data, a.images[0].len));
	ck_assert(a.images[0].len == b.images[0].len &&
	    memcmp(a.images[0].data, b.images[0].data, a.images[0].len) == 0);
	ck_assert(a.images[0].has_seed && a.images[1].has_seed);
	seed0 = a.images[0].seed;
	ck_assert(a.images[1].seed == seed0 + 1);
	ck_assert(a.images[0].len != a.images[1].len ||
	    memcmp(a.images[0].data, a.images[1].data, a.images[0].len) != 0);
	ig_call_free_images(&b);

	/* Asking for the recorded seed gives the same picture back. */
	req.has_seed = 1;
	req.seed = seed0;
	req.count = 1;
	ck_assert_int_eq(ig_provider_builtin.local(&b, &err), 0);
	ck_assert(b.images[0].len == a.images[0].len &&
	    memcmp(b.images[0].data, a.images[0].data, a.images[0].len) == 0);
	ck_assert(b.images[0].seed == seed0);
	ig_call_free_images(&a);
	ig_call_free_images(&b);

	req.width = 32;
	ck_assert_int_eq(ig_provider_builtin.local(&a, &err), -1);
	ck_assert_str_eq(err.field, "image_size");
	ck_assert_int_eq(a.nimages, 0);
}
END_TEST

/* Issue 16: each builtin image carries what the renderer understood, for
 * the PNG's imagegen metadata, in canonical English names: 「一隻貓」 is a
 * cat; the negative prompt's subjects and style are not drawn. */
START_TEST(builtin_records_what_it_drew)
{
	ig_gen_request req = mkreq("builtin-procedural-v1");
	ig_call a = mkcall(&req);
	ig_err err;
	json_object *d, *v;

	req.api_key = NULL;
	req.width = req.height = 96;
	req.prompt = "一隻貓和三隻紅色的鳥，水彩";
	req.negative_prompt = NULL;
	a.base_url = NULL;
	ck_assert_int_eq(ig_provider_builtin.local(&a, &err), 0);
	ck_assert_ptr_nonnull(a.images[0].drawn);
	d = json_tokener_parse(a.images[0].drawn);
	ck_assert_ptr_nonnull(d);
	v = json_object_object_get(d, "subjects");
	ck_assert_int_eq((int)json_object_array_length(v), 2);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "cat");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "bird");
	v = json_object_object_get(d, "counts");
	ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(v, 1)), 3);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(d, "style")), "watercolor");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(d, "scene")), "room");
	v = json_object_object_get(d, "colors");
	ck_assert_int_eq((int)json_object_array_length(v), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "red");
	json_object_put(d);
	ig_call_free_images(&a);

	req.negative_prompt = "cat, watercolor";
	ck_assert_int_eq(ig_provider_builtin.local(&a, &err), 0);
	d = json_tokener_parse(a.images[0].drawn);
	ck_assert_ptr_nonnull(d);
	v = json_object_object_get(d, "subjects");
	ck_assert_int_eq((int)json_object_array_length(v), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "bird");
	ck_assert(json_object_object_get(d, "style") == NULL);
	json_object_put(d);
	ig_call_free_images(&a);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("providers");
	TCase *tc;

	tc = tcase_create("common");
	tcase_add_test(tc, table_lists_seven_providers_each_complete);
	tcase_add_test(tc, retry_after_seconds_dates_and_caps);
	tcase_add_test(tc, b64_decode_is_strict);
	tcase_add_test(tc, http_error_rule_per_status);
	tcase_add_test(tc, error_text_never_carries_a_key);
	tcase_add_test(tc, nearest_aspect_ratio);
	tcase_add_test(tc, model_ids_cannot_traverse_paths);
	suite_add_tcase(s, tc);

	tc = tcase_create("openai");
	tcase_add_test(tc, openai_request_sends_no_negative_prompt);
	tcase_add_test(tc, openai_model_rules_gpt_image_and_dalle3);
	tcase_add_test(tc, openai_validate_sizes_per_model);
	tcase_add_test(tc, openai_url_answer_is_downloaded_without_the_key);
	tcase_add_test(tc, openai_errors_map_to_our_codes);
	tcase_add_test(tc, openai_probe_is_an_authenticated_get);
	suite_add_tcase(s, tc);

	tc = tcase_create("stability");
	tcase_add_test(tc, stability_v2_is_multipart_with_aspect_ratio);
	tcase_add_test(tc, stability_v2_loops_for_count_with_seeds);
	tcase_add_test(tc, stability_200_content_filtered_is_a_refusal);
	tcase_add_test(tc, stability_errors_map_to_our_codes);
	tcase_add_test(tc, stability_v1_engine_uses_weighted_text_prompts);
	suite_add_tcase(s, tc);

	tc = tcase_create("gemini");
	tcase_add_test(tc, gemini_generate_content_request);
	tcase_add_test(tc, gemini_imagen_uses_predict);
	tcase_add_test(tc, gemini_generate_content_success_loops);
	tcase_add_test(tc, gemini_imagen_fewer_images_and_batches);
	tcase_add_test(tc, gemini_200_refusals_are_content_filtered);
	tcase_add_test(tc, gemini_errors_map_to_our_codes);
	suite_add_tcase(s, tc);

	tc = tcase_create("huggingface");
	tcase_add_test(tc, huggingface_request_fields);
	tcase_add_test(tc, huggingface_raw_bytes_loop_for_count);
	tcase_add_test(tc, huggingface_503_loading_waits_estimated_time);
	tcase_add_test(tc, huggingface_nsfw_400_is_content_filtered);
	suite_add_tcase(s, tc);

	tc = tcase_create("replicate");
	tcase_add_test(tc, replicate_create_poll_download_list);
	tcase_add_test(tc, replicate_string_output_and_version);
	tcase_add_test(tc, replicate_failures_map_to_our_codes);
	suite_add_tcase(s, tc);

	tc = tcase_create("local_ai");
	tcase_add_test(tc, local_ai_request_fields_and_basic_auth);
	tcase_add_test(tc, local_ai_info_is_decoded_twice_for_seeds);
	tcase_add_test(tc, local_ai_models_from_sd_models);
	suite_add_tcase(s, tc);

	tc = tcase_create("builtin");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, builtin_is_deterministic_through_local_hook);
	tcase_add_test(tc, builtin_records_what_it_drew);
	tcase_add_test(tc, provider_key_check_refuses_header_breaking_keys);
	tcase_add_test(tc, uncurated_model_ids_and_free_form_fields);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
