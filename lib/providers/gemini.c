/*
 * gemini.c — Google's Gemini API (PROVIDERS.md "gemini";
 * ai.google.dev/api/generate-content, ai.google.dev/api/models#method:-models.predict).
 *
 * Gemini image models: POST {base}/v1beta/models/{model}:generateContent,
 * one image per call (a count loops). Imagen models (ids "imagen…"):
 * POST {base}/v1beta/models/{model}:predict with sampleCount ≤ 4; filtered
 * images are simply missing, so a short batch ends the call with what came
 * back. Neither API takes a negative prompt or a seed here: they are not
 * sent (the caller folds the negative into prompt_used only).
 *
 * Traps: a refusal is a 200 (finishReason IMAGE_SAFETY & co., or
 * promptFeedback.blockReason); a bad key is a 400 whose details carry
 * reason API_KEY_INVALID; a 429 says how long to wait in RetryInfo.retryDelay
 * (and without one, beside a QuotaFailure, that the quota is spent).
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/json.h"
#include "lib/providers/adapter.h"

#define IMAGEN_MAX_SAMPLES 4

static const ig_model_decl models[] = {
	{ "gemini-2.5-flash-image", "Gemini 2.5 Flash Image", 1 },
	{ "imagen-4.0-generate-001", "Imagen 4", 0 },
	{ "imagen-4.0-fast-generate-001", "Imagen 4 Fast", 0 },
	{ "imagen-4.0-ultra-generate-001", "Imagen 4 Ultra", 0 },
	{ "imagen-2", "Imagen (legacy id; served by Imagen 4)", 0 },
	{ NULL, NULL, 0 },
};

/* Retired Imagen ids (the seed's own example asks for imagen-2) and the
 * model that serves them now. */
static const struct {
	const char *legacy, *current;
} aliases[] = {
	{ "imagen-2", "imagen-4.0-generate-001" },
	{ "imagen-3", "imagen-4.0-generate-001" },
};

static const char *const gc_ratios[] = { "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4",
	"9:16", "16:9", "21:9", NULL };
static const char *const imagen_ratios[] = { "1:1", "3:4", "4:3", "9:16", "16:9", NULL };

/* finishReason values that mean the model refused to draw. */
static const char *const refusals[] = { "SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT",
	"IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_RECITATION",
	"NO_IMAGE", "IMAGE_OTHER", NULL };

typedef struct gm_state {
	int imagen;
	const char *model;              /* after aliasing */
	int asked;                      /* images requested so far */
	int last_batch;                 /* sampleCount of the last :predict */
} gm_state;

static const char *
resolve(const char *model)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(model, aliases[i].legacy) == 0)
			return aliases[i].current;
	return model;
}

static int
gm_validate(const ig_gen_request *req, ig_err *err)
{
	if (!ig_model_id_safe(req->model, 0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model", "model is not a Gemini model id");
	return 0;
}

static void
request(ig_call *call, ig_http_req *out)
{
	const ig_gen_request *req = call->req;
	gm_state *st = call->state;
	json_object *o = json_object_new_object(), *a, *b, *c;

	if (st->imagen) {
		int n = req->count - st->asked;

		if (n > IMAGEN_MAX_SAMPLES)
			n = IMAGEN_MAX_SAMPLES;
		st->last_batch = n;
		st->asked += n;
		a = json_object_new_array();
		b = json_object_new_object();
		json_object_object_add(b, "prompt", json_object_new_string(req->prompt));
		json_object_array_add(a, b);
		json_object_object_add(o, "instances", a);
		b = json_object_new_object();
		json_object_object_add(b, "sampleCount", json_object_new_int(n));
		json_object_object_add(b, "aspectRatio", json_object_new_string(
		    ig_nearest_aspect(req->width, req->height, imagen_ratios)));
		json_object_object_add(o, "parameters", b);
	} else {
		st->asked++;
		c = json_object_new_object();
		json_object_object_add(c, "text", json_object_new_string(req->prompt));
		b = json_object_new_array();
		json_object_array_add(b, c);
		c = json_object_new_object();
		json_object_object_add(c, "role", json_object_new_string("user"));
		json_object_object_add(c, "parts", b);
		a = json_object_new_array();
		json_object_array_add(a, c);
		json_object_object_add(o, "contents", a);
		a = json_object_new_array();
		json_object_array_add(a, json_object_new_string("IMAGE"));
		b = json_object_new_object();
		json_object_object_add(b, "responseModalities", a);
		c = json_object_new_object();
		json_object_object_add(c, "aspectRatio", json_object_new_string(
		    ig_nearest_aspect(req->width, req->height, gc_ratios)));
		json_object_object_add(b, "imageConfig", c);
		json_object_object_add(o, "generationConfig", b);
	}
	ig_http_begin(out, "POST", call->base_url, "/v1beta/models/%s:%s", st->model,
	    st->imagen ? "predict" : "generateContent");
	ig_http_add_header(out, "x-goog-api-key: %s", req->api_key ? req->api_key : "");
	ig_http_set_json(out, o);
}

static int
gm_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	gm_state *st;

	if ((st = ig_call_begin(call, gm_validate, sizeof(*st), err)) == NULL)
		return -1;
	st->model = resolve(call->req->model);
	st->imagen = strncmp(st->model, "imagen", 6) == 0;
	request(call, out);
	return 0;
}

/* "41s" or "1.5s" (google.protobuf.Duration in JSON) → ms, capped at an
 * hour; -1 when unparseable. */
static long
duration_ms(const char *s)
{
	double secs;
	int used = 0;

	if (s == NULL || sscanf(s, "%lf%n", &secs, &used) != 1 || strcmp(s + used, "s") != 0 ||
	    !(secs >= 0))
		return -1;
	return secs >= 3600 ? 3600L * 1000 : (long)(secs * 1000);
}

/* {"error": {"code", "message", "status", "details": [{"@type", "reason"} |
 * {"@type", "retryDelay"}]}}. */
static ig_step
gm_error(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_json(resp, err), *e, *details;
	const char *msg, *reason = NULL, *delay = NULL;
	int quota_failure = 0;
	ig_step step;

	e = ig_jget(o, "error", json_type_object);
	msg = ig_jstr(e, "message");
	details = ig_jget(e, "details", json_type_array);
	for (size_t i = 0; details && i < json_object_array_length(details); i++) {
		json_object *d = json_object_array_get_idx(details, i);
		if (ig_jstr(d, "reason") != NULL)
			reason = ig_jstr(d, "reason");
		if (ig_jstr(d, "retryDelay") != NULL)
			delay = ig_jstr(d, "retryDelay");
		if (ig_jstr(d, "@type") != NULL && strstr(ig_jstr(d, "@type"), "QuotaFailure") != NULL)
			quota_failure = 1;
	}
	if (reason != NULL && strcmp(reason, "API_KEY_INVALID") == 0) {
		step = ig_provider_fail(call, IG_E_PROVIDER_AUTH_FAILED,
		    "Google refused the API key (API_KEY_INVALID)", msg, err);
	} else if (resp->status == 400 && msg != NULL && strstr(msg, "Responsible AI") != NULL) {
		/* Imagen refuses a prompt with a 400 citing its RAI practices. */
		step = ig_provider_fail(call, IG_E_CONTENT_FILTERED, "Google refused the prompt", msg, err);
	} else {
		/* A QuotaFailure with no RetryInfo is a spent daily quota: no
		 * wait will clear it. With RetryInfo it is a per-minute limit. */
		step = ig_provider_http_error(call, resp, quota_failure && delay == NULL, msg, err);
		if (step == IG_STEP_RETRY && call->retry_ms == 0 && duration_ms(delay) > 0)
			call->retry_ms = duration_ms(delay);
	}
	json_object_put(o);
	return step;
}

static int
is_refusal(const char *reason)
{
	for (size_t i = 0; reason != NULL && refusals[i] != NULL; i++)
		if (strcmp(reason, refusals[i]) == 0)
			return 1;
	return 0;
}

/* One generateContent answer: the first inlineData image of the first
 * candidate, unless the prompt or the candidate was refused. */
static ig_step
content_done(ig_call *call, json_object *o, ig_http_req *next, ig_err *err)
{
	json_object *cands = ig_jget(o, "candidates", json_type_array), *cand, *parts;
	const char *block = ig_jstr(ig_jget(o, "promptFeedback", json_type_object), "blockReason");
	const char *reason;

	if (block != NULL)
		return ig_provider_fail(call, IG_E_CONTENT_FILTERED, "Gemini blocked the prompt", block, err);
	if (cands == NULL || json_object_array_length(cands) == 0) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "Gemini's answer has no candidates");
		return IG_STEP_FAIL;
	}
	cand = json_object_array_get_idx(cands, 0);
	reason = ig_jstr(cand, "finishReason");
	if (is_refusal(reason))
		return ig_provider_fail(call, IG_E_CONTENT_FILTERED, "Gemini refused to draw", reason, err);
	parts = ig_jget(ig_jget(cand, "content", json_type_object), "parts", json_type_array);
	for (size_t i = 0; parts && i < json_object_array_length(parts); i++) {
		json_object *inl = ig_jget(json_object_array_get_idx(parts, i), "inlineData",
		    json_type_object);
		if (inl == NULL)
			continue;
		if (ig_call_add_b64_image(call, ig_jstr(inl, "data"), 0, 0, err) != 0)
			return IG_STEP_FAIL;
		if (call->nimages < call->req->count) {
			request(call, next);
			return IG_STEP_NEXT;
		}
		return IG_STEP_DONE;
	}
	/* Text only: the model answered in words instead of drawing, which
	 * is how it declines without a refusal reason. */
	return ig_provider_fail(call, IG_E_CONTENT_FILTERED, "Gemini returned no image",
	    reason ? reason : "NO_IMAGE", err);
}

/* One :predict answer: {"predictions": [{"bytesBase64Encoded", "mimeType"} |
 * {"raiFilteredReason"}]}. */
static ig_step
predict_done(ig_call *call, json_object *o, ig_http_req *next, ig_err *err)
{
	gm_state *st = call->state;
	json_object *preds = ig_jget(o, "predictions", json_type_array);
	const char *rai = NULL;
	int got = 0;

	for (size_t i = 0; preds && i < json_object_array_length(preds); i++) {
		json_object *p = json_object_array_get_idx(preds, i);
		const char *b64 = ig_jstr(p, "bytesBase64Encoded");

		if (b64 == NULL) {
			if (ig_jstr(p, "raiFilteredReason") != NULL)
				rai = ig_jstr(p, "raiFilteredReason");
			continue;
		}
		if (call->nimages >= call->req->count)
			break;
		if (ig_call_add_b64_image(call, b64, 0, 0, err) != 0)
			return IG_STEP_FAIL;
		got++;
	}
	if (call->nimages == 0)
		return ig_provider_fail(call, IG_E_CONTENT_FILTERED, "Imagen filtered every image",
		    rai ? rai : "no predictions", err);
	if (got == st->last_batch && st->asked < call->req->count) {
		request(call, next);
		return IG_STEP_NEXT;
	}
	return IG_STEP_DONE;
}

static ig_step
gm_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	gm_state *st = call->state;
	json_object *o;
	ig_step step;

	if (resp->status < 200 || resp->status >= 300)
		return gm_error(call, resp, err);
	if ((o = ig_provider_json(resp, err)) == NULL)
		return IG_STEP_FAIL;
	step = st->imagen ? predict_done(call, o, next, err) : content_done(call, o, next, err);
	json_object_put(o);
	return step;
}

/* The assistant's chat: generateContent of a Flash model; earlier turns of
 * the assistant are the "model" role. */
#define CHAT_MODEL "gemini-2.5-flash"
#define CHAT_MAX_ARRAY 10000

static int
gm_chat_build(const char *base_url, const char *api_key, const char *system, const ig_chat_turn *turns,
    int nturns, ig_http_req *out)
{
	json_object *body = json_object_new_object(), *contents = json_object_new_array();
	json_object *si = json_object_new_object(), *parts = json_object_new_array(), *v;

	v = json_object_new_object();
	json_object_object_add(v, "text", json_object_new_string(system));
	json_object_array_add(parts, v);
	json_object_object_add(si, "parts", parts);
	for (int i = 0; i < nturns; i++) {
		json_object *c = json_object_new_object(), *ps = json_object_new_array(), *t = json_object_new_object();
		json_object_object_add(t, "text", json_object_new_string(turns[i].content));
		json_object_array_add(ps, t);
		json_object_object_add(c, "role", json_object_new_string(strcmp(turns[i].role, "user") == 0 ? "user" : "model"));
		json_object_object_add(c, "parts", ps);
		json_object_array_add(contents, c);
	}
	json_object_object_add(body, "system_instruction", si);
	json_object_object_add(body, "contents", contents);
	ig_http_begin(out, "POST", base_url, "/v1beta/models/%s:generateContent", CHAT_MODEL);
	ig_http_add_header(out, "x-goog-api-key: %s", api_key);
	ig_http_set_json(out, body);
	return 0;
}

static char *
gm_chat_parse(const ig_http_resp *resp)
{
	ig_err err;
	json_object *o = ig_json_parse(resp->body, resp->len, CHAT_MAX_ARRAY, &err), *parts = NULL;
	json_object *cands = ig_jget(o, "candidates", json_type_array);
	ig_buf t = { 0 };

	if (cands != NULL && json_object_array_length(cands) > 0)
		parts = ig_jget(ig_jget(json_object_array_get_idx(cands, 0), "content", json_type_object), "parts",
		    json_type_array);
	for (size_t i = 0; parts != NULL && i < json_object_array_length(parts); i++) {
		const char *text = ig_jstr(json_object_array_get_idx(parts, i), "text");
		if (text != NULL)
			ig_buf_puts(&t, text);
	}
	json_object_put(o);
	return t.data;
}

static const char *const key_prefixes[] = { "AIza", NULL };

const ig_provider_ops ig_provider_gemini = {
	.name = "gemini",
	.display_name = "Google Gemini / Imagen",
	.default_base_url = "https://generativelanguage.googleapis.com",
	.models = models,
	.caps = { .max_side = 2048, .max_images = 8, .latency_s = 10 },
	.key = { .required = 1, .prefixes = key_prefixes, .probe_path = "/v1beta/models?pageSize=1",
	    .header = "x-goog-api-key" },
	.settings = { IG_PROVIDER_SETTINGS("IG_GEMINI") },
	.chat = { .build = gm_chat_build, .parse = gm_chat_parse, .order = 2 },
	.validate = gm_validate,
	.build = gm_build,
	.parse = gm_parse,
};
