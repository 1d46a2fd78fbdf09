/*
 * stability.c — Stability AI (PROVIDERS.md "stability";
 * platform.stability.ai/docs/api-reference).
 *
 * v2beta: POST {base}/v2beta/stable-image/generate/{core|ultra|sd3}, always
 * multipart/form-data even without a file, Accept: application/json, one
 * image per call (a count loops, a fixed seed advancing by one per image),
 * the size given as the nearest allowed aspect ratio. A 200 whose
 * finish_reason (body or header) is CONTENT_FILTERED is a safety refusal.
 *
 * v1 (legacy engines, ids "stable-diffusion-…"):
 * POST {base}/v1/generation/{engine}/text-to-image, JSON with text_prompts
 * (the negative prompt has weight -1), width/height multiples of 64 and
 * samples = count in one call.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/providers/adapter.h"

#define STAB_SEED_MOD 4294967295LL      /* seeds are 0 .. 4294967294 */

static const ig_model_decl models[] = {
	{ "core", "Stable Image Core", 1 },
	{ "ultra", "Stable Image Ultra", 0 },
	{ "sd3.5-large", "Stable Diffusion 3.5 Large", 0 },
	{ "sd3.5-large-turbo", "Stable Diffusion 3.5 Large Turbo", 0 },
	{ "sd3.5-medium", "Stable Diffusion 3.5 Medium", 0 },
	{ "stable-diffusion-xl-1024-v1-0", "SDXL 1.0 (v1 API)", 0 },
	{ NULL, NULL, 0 },
};

static const char *const v2_ratios[] = { "16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4",
	"9:16", "9:21", NULL };

typedef struct stab_state {
	int v1;
	int index;                      /* v2: image being made */
} stab_state;

static int
is_v1(const char *model)
{
	return strncmp(model, "stable-diffusion-", 17) == 0;
}

static int
stab_validate(const ig_gen_request *req, ig_err *err)
{
	double d;

	if (!ig_model_id_safe(req->model, 0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model", "model is not a Stability model id");
	if (is_v1(req->model)) {
		if (req->width % 64 != 0 || req->height % 64 != 0 || req->width < 128 ||
		    req->height < 128 || req->width > 2048 || req->height > 2048)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "image_size",
			    "image_size must be multiples of 64 between 128 and 2048 for %s", req->model);
		if (ig_extra_number(req, "steps", 10, 50, 30, &d, err) != 0)
			return -1;
	} else if (strcmp(req->model, "core") != 0 && strcmp(req->model, "ultra") != 0 &&
	    strncmp(req->model, "sd3", 3) != 0) {
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model",
		    "model must be core, ultra, an sd3 model or a v1 engine");
	}
	if (req->has_seed && (req->seed < 0 || req->seed >= STAB_SEED_MOD))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "seed",
		    "seed must be between 0 and 4294967294 for Stability");
	return ig_extra_number(req, "cfg_scale", 0, 35, 7, &d, err);
}

static void
auth_headers(ig_http_req *out, const char *key)
{
	ig_http_bearer(out, key);
	ig_http_add_header(out, "Accept: application/json");
}

/* The multipart request for image st->index of the count. */
static void
v2_request(ig_call *call, ig_http_req *out)
{
	const ig_gen_request *req = call->req;
	stab_state *st = call->state;
	const char *endpoint = req->model;
	char num[32];
	double cfg;
	ig_err ignored;

	if (strncmp(req->model, "sd3", 3) == 0)
		endpoint = "sd3";
	ig_http_begin(out, "POST", call->base_url, "/v2beta/stable-image/generate/%s", endpoint);
	auth_headers(out, req->api_key);
	ig_http_add_part(out, "prompt", req->prompt);
	if (req->negative_prompt != NULL && req->negative_prompt[0] != '\0')
		ig_http_add_part(out, "negative_prompt", req->negative_prompt);
	ig_http_add_part(out, "aspect_ratio", ig_nearest_aspect(req->width, req->height, v2_ratios));
	if (req->has_seed) {
		snprintf(num, sizeof(num), "%lld", (long long)ig_seed_at(req, st->index, STAB_SEED_MOD));
		ig_http_add_part(out, "seed", num);
	}
	ig_http_add_part(out, "output_format", "png");
	if (req->style != NULL)
		ig_http_add_part(out, "style_preset", req->style);
	if (strcmp(endpoint, "sd3") == 0) {
		if (strcmp(req->model, "sd3") != 0)
			ig_http_add_part(out, "model", req->model);
		ig_http_add_part(out, "mode", "text-to-image");
		if (ig_extra_number(req, "cfg_scale", 0, 35, 0, &cfg, &ignored) == 0 && cfg > 0) {
			snprintf(num, sizeof(num), "%g", cfg);
			ig_http_add_part(out, "cfg_scale", num);
		}
	}
}

/* A creative tool's request (issue 12) for image st->index: the source
 * as the multipart "image" part; upscale through upscale/fast (always 4x),
 * style-transfer and variations as sd3 image-to-image with the strength
 * (variations: each with its own seed). */
static void
creative_request(ig_call *call, ig_http_req *out)
{
	const ig_gen_request *req = call->req;
	stab_state *st = call->state;
	char num[32];

	if (strcmp(req->creative, "upscale") == 0) {
		ig_http_begin(out, "POST", call->base_url, "/v2beta/stable-image/upscale/fast");
	} else {
		ig_http_begin(out, "POST", call->base_url, "/v2beta/stable-image/generate/sd3");
		ig_http_add_part(out, "prompt", req->prompt);
		ig_http_add_part(out, "mode", "image-to-image");
		snprintf(num, sizeof(num), "%g", req->strength);
		ig_http_add_part(out, "strength", num);
		if (req->has_seed) {
			snprintf(num, sizeof(num), "%lld", (long long)ig_seed_at(req, st->index, STAB_SEED_MOD));
			ig_http_add_part(out, "seed", num);
		}
	}
	auth_headers(out, req->api_key);
	ig_http_add_file(out, "image", req->src, req->src_len, "image", req->src_type);
	ig_http_add_part(out, "output_format", "png");
}

/* The creative paths' bounds (the API checked them first). */
static int
creative_validate(const ig_gen_request *req, ig_err *err)
{
	if (req->src == NULL || req->src_len == 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "the creative job has no source image");
	if (strcmp(req->creative, "upscale") != 0 && (req->prompt == NULL || req->prompt[0] == '\0'))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt", "prompt is required for Stability image-to-image");
	if (req->has_seed && (req->seed < 0 || req->seed >= STAB_SEED_MOD))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "seed",
		    "seed must be between 0 and 4294967294 for Stability");
	return 0;
}

static void
v1_request(ig_call *call, ig_http_req *out)
{
	const ig_gen_request *req = call->req;
	json_object *o = json_object_new_object(), *tp = json_object_new_array(), *p;
	double cfg, steps;
	ig_err ignored;

	p = json_object_new_object();
	json_object_object_add(p, "text", json_object_new_string(req->prompt));
	json_object_object_add(p, "weight", json_object_new_int(1));
	json_object_array_add(tp, p);
	if (req->negative_prompt != NULL && req->negative_prompt[0] != '\0') {
		p = json_object_new_object();
		json_object_object_add(p, "text", json_object_new_string(req->negative_prompt));
		json_object_object_add(p, "weight", json_object_new_int(-1));
		json_object_array_add(tp, p);
	}
	json_object_object_add(o, "text_prompts", tp);
	if (ig_extra_number(req, "cfg_scale", 0, 35, 7, &cfg, &ignored) != 0)
		cfg = 7;
	if (ig_extra_number(req, "steps", 10, 50, 30, &steps, &ignored) != 0)
		steps = 30;
	json_object_object_add(o, "cfg_scale", json_object_new_double(cfg));
	json_object_object_add(o, "width", json_object_new_int(req->width));
	json_object_object_add(o, "height", json_object_new_int(req->height));
	json_object_object_add(o, "samples", json_object_new_int(req->count));
	json_object_object_add(o, "steps", json_object_new_int((int)steps));
	if (req->has_seed)
		json_object_object_add(o, "seed", json_object_new_int64(req->seed));
	ig_http_begin(out, "POST", call->base_url, "/v1/generation/%s/text-to-image", req->model);
	auth_headers(out, req->api_key);
	ig_http_set_json(out, o);
}

static int
stab_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	stab_state *st;

	if (call->req->creative != NULL) {
		if (ig_call_begin(call, creative_validate, sizeof(*st), err) == NULL)
			return -1;
		creative_request(call, out);
		return 0;
	}
	if ((st = ig_call_begin(call, stab_validate, sizeof(*st), err)) == NULL)
		return -1;
	st->v1 = is_v1(call->req->model);
	if (st->v1)
		v1_request(call, out);
	else
		v2_request(call, out);
	return 0;
}

/* Errors: v2 {"id", "name", "errors": ["…"]}, v1 {"id", "name", "message"}.
 * A 403 named content_moderation is the safety filter, not the key. A 429
 * without Retry-After waits out the documented 60 s lock-out. */
static ig_step
stab_error(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_json(resp, err), *errs;
	const char *name = ig_jstr(o, "name"), *msg = ig_jstr(o, "message");
	ig_step step;

	errs = ig_jget(o, "errors", json_type_array);
	if (msg == NULL && errs != NULL && json_object_array_length(errs) > 0 &&
	    json_object_is_type(json_object_array_get_idx(errs, 0), json_type_string))
		msg = json_object_get_string(json_object_array_get_idx(errs, 0));
	if (name != NULL && strcmp(name, "content_moderation") == 0) {
		step = ig_provider_fail(call, IG_E_CONTENT_FILTERED,
		    "Stability's content moderation refused the prompt", msg, err);
	} else {
		step = ig_provider_http_error(call, resp, 0, msg ? msg : name, err);
		if (step == IG_STEP_RETRY && resp->status == 429 && call->retry_ms == 0)
			call->retry_ms = 60000;
	}
	json_object_put(o);
	return step;
}

static int
filtered(const char *reason)
{
	return reason != NULL && strcmp(reason, "CONTENT_FILTERED") == 0;
}

/* One v2 image: JSON {"image", "finish_reason", "seed"} or raw bytes with
 * finish-reason and seed headers. */
static ig_step
v2_done(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	stab_state *st = call->state;
	json_object *o, *seedv;
	int64_t seed = 0;
	int has_seed = 0, rc;

	if (filtered(resp->finish_reason))
		return ig_provider_fail(call, IG_E_CONTENT_FILTERED,
		    "Stability filtered the image (finish-reason CONTENT_FILTERED)", NULL, err);
	if (resp->content_type != NULL && strncmp(resp->content_type, "image/", 6) == 0) {
		has_seed = resp->seed != NULL &&
		    ig_parse_int64(resp->seed, 0, STAB_SEED_MOD - 1, &seed) == 0;
		if (ig_call_add_raw_image(call, resp, has_seed, seed, err) != 0)
			return IG_STEP_FAIL;
	} else {
		if ((o = ig_provider_json(resp, err)) == NULL)
			return IG_STEP_FAIL;
		if (filtered(ig_jstr(o, "finish_reason"))) {
			json_object_put(o);
			return ig_provider_fail(call, IG_E_CONTENT_FILTERED,
			    "Stability filtered the image (finish_reason CONTENT_FILTERED)", NULL, err);
		}
		if ((seedv = ig_jget(o, "seed", json_type_int)) != NULL) {
			has_seed = 1;
			seed = json_object_get_int64(seedv);
		}
		rc = ig_call_add_b64_image(call, ig_jstr(o, "image"), has_seed, seed, err);
		json_object_put(o);
		if (rc != 0)
			return IG_STEP_FAIL;
	}
	if (++st->index < call->req->count) {
		if (call->req->creative != NULL)
			creative_request(call, next);
		else
			v2_request(call, next);
		return IG_STEP_NEXT;
	}
	return IG_STEP_DONE;
}

/* v1: {"artifacts": [{"base64", "seed", "finishReason"}]}; filtered
 * artifacts (blurred images) are dropped, and all of them filtered is a
 * refusal. */
static ig_step
v1_done(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_json(resp, err), *arts;
	size_t n, nfiltered = 0;
	ig_step step = IG_STEP_FAIL;

	if (o == NULL)
		return IG_STEP_FAIL;
	arts = ig_jget(o, "artifacts", json_type_array);
	n = arts ? json_object_array_length(arts) : 0;
	for (size_t i = 0; i < n && call->nimages < call->req->count; i++) {
		json_object *a = json_object_array_get_idx(arts, i), *sv;

		if (filtered(ig_jstr(a, "finishReason"))) {
			nfiltered++;
			continue;
		}
		sv = ig_jget(a, "seed", json_type_int);
		if (ig_call_add_b64_image(call, ig_jstr(a, "base64"), sv != NULL,
		    sv ? json_object_get_int64(sv) : 0, err) != 0)
			goto out;
	}
	if (call->nimages > 0)
		step = IG_STEP_DONE;
	else if (nfiltered > 0)
		ig_provider_fail(call, IG_E_CONTENT_FILTERED,
		    "Stability filtered every image (finishReason CONTENT_FILTERED)", NULL, err);
	else
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "Stability's answer has no images");
out:
	json_object_put(o);
	return step;
}

static ig_step
stab_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	stab_state *st = call->state;

	if (resp->status < 200 || resp->status >= 300)
		return stab_error(call, resp, err);
	return st->v1 ? v1_done(call, resp, err) : v2_done(call, resp, next, err);
}

static const char *const key_prefixes[] = { "sk-", "sk_", NULL };

const ig_provider_ops ig_provider_stability = {
	.name = "stability",
	.display_name = "Stability AI",
	.default_base_url = "https://api.stability.ai",
	.models = models,
	.caps = { .max_side = 2048, .max_images = 10, .negative_prompt = 1, .seed = 1, .latency_s = 8 },
	.key = { .required = 1, .prefixes = key_prefixes, .probe_path = "/v1/user/account" },
	.settings = { IG_PROVIDER_SETTINGS("IG_STABILITY") },
	.validate = stab_validate,
	.build = stab_build,
	.parse = stab_parse,
};
