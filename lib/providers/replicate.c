/*
 * replicate.c — Replicate predictions (PROVIDERS.md "replicate";
 * replicate.com/docs/reference/http).
 *
 * A call is a little conversation: create the prediction
 * (POST {base}/v1/models/{owner}/{name}/predictions, or POST
 * {base}/v1/predictions with a version), poll it (GET
 * {base}/v1/predictions/{id}, each poll an IG_STEP_NEXT with delay_ms so
 * the runner holds no thread while the model works), then download each
 * output URL (download = 1: no credentials, the runner's host allow-list).
 * output is a list of URLs or one URL string, depending on the model.
 *
 * Polls and cancels go to URLs we build from the prediction id under our
 * own base URL, never to urls.get / urls.cancel from the answer: those
 * requests carry the key, and the answer is not trusted with where it goes.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/providers/adapter.h"

#define RP_POLL_FAST_MS 1000            /* the first polls: most models finish in seconds */
#define RP_POLL_FAST_COUNT 30
#define RP_POLL_SLOW_MS 3000

static const ig_model_decl models[] = {
	{ "black-forest-labs/flux-schnell", "FLUX.1 [schnell]", 1 },
	{ "black-forest-labs/flux-dev", "FLUX.1 [dev]", 0 },
	{ "black-forest-labs/flux-1.1-pro", "FLUX1.1 [pro]", 0 },
	{ "stability-ai/stable-diffusion-3.5-large", "Stable Diffusion 3.5 Large", 0 },
	{ NULL, NULL, 0 },
};

enum rp_phase { RP_CREATE, RP_POLL, RP_DOWNLOAD, RP_FINISHED };

typedef struct rp_state {
	enum rp_phase phase;
	int polls;
	int has_seed;                   /* the seed of a single output, when known */
	int64_t seed;
} rp_state;

/* model is "owner/name" or "owner/name:version"; extra may hold version
 * and input (an object merged into the model's input). */
static int
rp_validate(const ig_gen_request *req, ig_err *err)
{
	const char *colon = strchr(req->model, ':'), *version;
	char name[256];
	json_object *input;

	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - req->model) : 255, req->model);
	if (!ig_model_id_safe(name, 1) || strchr(name, '/') == NULL ||
	    (colon != NULL && !ig_model_id_safe(colon + 1, 0)))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model",
		    "model must be a Replicate model id (owner/name or owner/name:version)");
	if (ig_extra_string(req, "version", 128, &version, err) != 0)
		return -1;
	if (version != NULL && !ig_model_id_safe(version, 0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "version", "version is not a version id");
	if (req->extra && json_object_object_get_ex(req->extra, "input", &input) && input != NULL &&
	    !json_object_is_type(input, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "input", "input must be an object");
	return 0;
}

static json_object *
make_input(const ig_gen_request *req)
{
	json_object *in = json_object_new_object(), *extra_in;

	if (req->extra && json_object_object_get_ex(req->extra, "input", &extra_in) &&
	    json_object_is_type(extra_in, json_type_object)) {
		json_object_object_foreach(extra_in, k, v)
			json_object_object_add(in, k, json_object_get(v));
	}
	/* Ours win over extra.input for the fields we own. */
	json_object_object_add(in, "prompt", json_object_new_string(req->prompt));
	if (req->negative_prompt != NULL && req->negative_prompt[0] != '\0')
		json_object_object_add(in, "negative_prompt", json_object_new_string(req->negative_prompt));
	json_object_object_add(in, "width", json_object_new_int(req->width));
	json_object_object_add(in, "height", json_object_new_int(req->height));
	json_object_object_add(in, "num_outputs", json_object_new_int(req->count));
	if (req->has_seed)
		json_object_object_add(in, "seed", json_object_new_int64(req->seed));
	return in;
}

static int
rp_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	const ig_gen_request *req = call->req;
	const char *colon, *version = NULL;
	json_object *o;

	if (ig_call_begin(call, rp_validate, sizeof(rp_state), err) == NULL)
		return -1;
	colon = strchr(req->model, ':');
	(void)ig_extra_string(req, "version", 128, &version, err);
	if (version == NULL && colon != NULL)
		version = colon + 1;
	o = json_object_new_object();
	if (version != NULL) {
		json_object_object_add(o, "version", json_object_new_string(version));
		ig_http_begin(out, "POST", call->base_url, "/v1/predictions");
	} else {
		ig_http_begin(out, "POST", call->base_url, "/v1/models/%s/predictions", req->model);
	}
	json_object_object_add(o, "input", make_input(req));
	ig_http_bearer(out, req->api_key);
	ig_http_set_json(out, o);
	return 0;
}

/* RFC 7807 {type, title, status, detail}. A 429's detail says "Expected
 * available in N second(s)", a hint when Retry-After is absent. */
static ig_step
rp_error(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_error_json(resp);
	const char *detail = ig_jstr(o, "detail"), *p;
	ig_step step;
	long secs;

	step = ig_provider_http_error(call, resp, 0, ig_jstr_any(o, "detail", "title", NULL), err);
	if (step == IG_STEP_RETRY && resp->status == 429 && call->retry_ms == 0 && detail != NULL &&
	    (p = strstr(detail, "available in ")) != NULL &&
	    sscanf(p + 13, "%ld", &secs) == 1 && secs > 0 && secs <= 3600)
		call->retry_ms = secs * 1000;
	json_object_put(o);
	return step;
}

/* A terminal failure: error is a string (or anything else) in the
 * prediction. Safety checkers fail a prediction with an "NSFW" text. */
static ig_step
prediction_failed(ig_call *call, json_object *pred, const char *status, ig_err *err)
{
	json_object *e;
	const char *text = ig_jstr(pred, "error");

	if (text == NULL && json_object_object_get_ex(pred, "error", &e) && e != NULL)
		text = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN);
	if (text != NULL && strstr(text, "NSFW") != NULL)
		return ig_provider_fail(call, IG_E_CONTENT_FILTERED,
		    "Replicate's safety checker refused the output", text, err);
	if (strcmp(status, "failed") == 0)
		return ig_provider_fail(call, IG_E_PROVIDER_ERROR, "the Replicate prediction failed", text, err);
	return ig_provider_fail(call, IG_E_PROVIDER_ERROR, "the Replicate prediction was canceled",
	    text ? text : status, err);
}

/* The seed a Cog model logs ("Using seed: 1234"), or the request's. */
static void
find_seed(ig_call *call, json_object *pred)
{
	rp_state *st = call->state;
	const char *logs = ig_jstr(pred, "logs"), *p;
	long long s;

	st->has_seed = 0;
	if (logs != NULL && (p = strstr(logs, "Using seed: ")) != NULL && sscanf(p + 12, "%lld", &s) == 1) {
		st->has_seed = 1;
		st->seed = s;
	} else if (call->req->has_seed) {
		st->has_seed = 1;
		st->seed = call->req->seed;
	}
}

/* Add an output: a data: URI is decoded in place, a URL is queued. */
static int
take_output(ig_call *call, const char *out, ig_err *err)
{
	const char *b64;

	if (strncmp(out, "data:", 5) == 0) {
		if ((b64 = strstr(out, ";base64,")) == NULL)
			return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "a Replicate data: output is not base64");
		return ig_call_add_b64_image(call, b64 + 8, 0, 0, err);
	}
	ig_download_add(call, out, NULL);
	return 0;
}

static ig_step
next_download(ig_call *call, ig_http_req *next)
{
	rp_state *st = call->state;

	if (ig_download_next(call, next)) {
		st->phase = RP_DOWNLOAD;
		return IG_STEP_NEXT;
	}
	st->phase = RP_FINISHED;
	return IG_STEP_DONE;
}

/* succeeded: output is one URL string or a list of them. */
static ig_step
prediction_succeeded(ig_call *call, json_object *pred, ig_http_req *next, ig_err *err)
{
	rp_state *st = call->state;
	json_object *out;
	size_t n;

	if (!json_object_object_get_ex(pred, "output", &out) || out == NULL) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the Replicate prediction succeeded with no output");
		return IG_STEP_FAIL;
	}
	if (json_object_is_type(out, json_type_string)) {
		if (take_output(call, json_object_get_string(out), err) != 0)
			return IG_STEP_FAIL;
	} else if (json_object_is_type(out, json_type_array) && (n = json_object_array_length(out)) > 0) {
		for (size_t i = 0; i < n && (int)i < call->req->count; i++) {
			json_object *u = json_object_array_get_idx(out, i);
			if (!json_object_is_type(u, json_type_string)) {
				ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "a Replicate output is not a URL");
				return IG_STEP_FAIL;
			}
			if (take_output(call, json_object_get_string(u), err) != 0)
				return IG_STEP_FAIL;
		}
	} else {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the Replicate output is neither a URL nor a list");
		return IG_STEP_FAIL;
	}
	if (call->downloads.n + call->nimages == 1)
		find_seed(call, pred);
	for (int i = 0; i < call->nimages; i++) {
		call->images[i].has_seed = st->has_seed;
		call->images[i].seed = st->seed;
	}
	return next_download(call, next);
}

/* A prediction from the create or a poll. */
static ig_step
prediction(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	rp_state *st = call->state;
	json_object *pred = ig_provider_json(resp, err);
	const char *id, *status;
	ig_step step;

	if (pred == NULL)
		return IG_STEP_FAIL;
	id = ig_jstr(pred, "id");
	status = ig_jstr(pred, "status");
	if (id == NULL || status == NULL || strlen(id) >= sizeof(call->upstream_id) ||
	    !ig_model_id_safe(id, 0) || strchr(id, '.') != NULL) {
		json_object_put(pred);
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "Replicate's answer has no usable id and status");
		return IG_STEP_FAIL;
	}
	snprintf(call->upstream_id, sizeof(call->upstream_id), "%s", id);
	if (strcmp(status, "succeeded") == 0) {
		step = prediction_succeeded(call, pred, next, err);
	} else if (strcmp(status, "failed") == 0 || strcmp(status, "canceled") == 0 ||
	    strcmp(status, "aborted") == 0) {
		st->phase = RP_FINISHED;
		step = prediction_failed(call, pred, status, err);
	} else {
		st->phase = RP_POLL;
		ig_http_begin(next, "GET", call->base_url, "/v1/predictions/%s", call->upstream_id);
		ig_http_bearer(next, call->req->api_key);
		next->delay_ms = st->polls++ < RP_POLL_FAST_COUNT ? RP_POLL_FAST_MS : RP_POLL_SLOW_MS;
		step = IG_STEP_NEXT;
	}
	json_object_put(pred);
	return step;
}

static ig_step
rp_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	rp_state *st = call->state;
	int ok = resp->status >= 200 && resp->status < 300;

	if (st->phase == RP_DOWNLOAD) {
		if (!ok)
			return ig_provider_download_error(call, resp, next, err);
		if (ig_download_take(call, resp, st->has_seed, st->seed, err) != 0)
			return IG_STEP_FAIL;
		return next_download(call, next);
	}
	if (!ok)
		return rp_error(call, resp, err);
	return prediction(call, resp, next, err);
}

/* 1 with *out filled while a prediction may still be running upstream;
 * 0 when there is nothing to cancel. */
static int
rp_cancel(ig_call *call, ig_http_req *out)
{
	rp_state *st = call->state;

	if (st == NULL || call->upstream_id[0] == '\0' ||
	    (st->phase != RP_CREATE && st->phase != RP_POLL))
		return 0;
	ig_http_begin(out, "POST", call->base_url, "/v1/predictions/%s/cancel", call->upstream_id);
	ig_http_bearer(out, call->req->api_key);
	return 1;
}

/* version pins any prediction version; input goes to the model as it is. */
static const char *const free_form[] = { "version", "input", NULL };

static const char *const key_prefixes[] = { "r8_", NULL };

const ig_provider_ops ig_provider_replicate = {
	.name = "replicate",
	.display_name = "Replicate",
	.default_base_url = "https://api.replicate.com",
	.models = models,
	.open_models = 1,
	.free_form = free_form,
	.caps = { .max_side = 2048, .max_images = 4, .negative_prompt = 1, .seed = 1, .latency_s = 10 },
	.key = { .required = 1, .prefixes = key_prefixes, .probe_path = "/v1/account" },
	.settings = { IG_PROVIDER_SETTINGS("IG_REPLICATE"), .delivery_hosts = ".replicate.delivery" },
	.validate = rp_validate,
	.build = rp_build,
	.parse = rp_parse,
	.cancel = rp_cancel,
};
