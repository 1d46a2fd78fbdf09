/*
 * local_ai.c — an AUTOMATIC1111-compatible server at IG_LOCAL_AI_URL
 * (PROVIDERS.md "local_ai"; the /sdapi/v1 routes of the WebUI's API).
 *
 * One POST {base}/sdapi/v1/txt2img makes the whole count (batch_size).
 * No auth, or HTTP Basic when the configured "key" is user:pass. The
 * answer's info is a JSON document inside a JSON string: it is parsed a
 * second time, strictly, for all_seeds (one per image).
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/core/json.h"
#include "lib/providers/adapter.h"
#include "lib/providers/local_ai.h"

static const ig_model_decl models[] = {
	{ "default", "The checkpoint the server has loaded", 1 },
	{ NULL, NULL, 0 },
};

static int
la_validate(const ig_gen_request *req, ig_err *err)
{
	double d;
	const char *s;

	if (req->width % 8 != 0 || req->height % 8 != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "image_size",
		    "image_size must be multiples of 8 for local_ai");
	if (strlen(req->model) > 200 || strpbrk(req->model, "\r\n") != NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model", "model is not a checkpoint name");
	if (ig_extra_number(req, "steps", 1, 150, 20, &d, err) != 0 ||
	    ig_extra_number(req, "cfg_scale", 1, 30, 7, &d, err) != 0 ||
	    ig_extra_string(req, "sampler_name", 64, &s, err) != 0)
		return -1;
	return 0;
}

/* Basic auth (RFC 7617) when key holds "user:pass"; anything else (or no
 * key) sends no Authorization. */
static void
auth_header(ig_http_req *out, const char *key)
{
	char *b64;

	if (key == NULL || strchr(key, ':') == NULL)
		return;
	b64 = ig_b64_encode((const unsigned char *)key, strlen(key));
	ig_http_add_header(out, "Authorization: Basic %s", b64);
	sodium_memzero(b64, strlen(b64));
	free(b64);
}

static int
la_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	const ig_gen_request *req = call->req;
	json_object *o, *ov;
	double steps, cfg;
	const char *sampler;

	if (la_validate(req, err) != 0)
		return -1;
	(void)ig_extra_number(req, "steps", 1, 150, 20, &steps, err);
	(void)ig_extra_number(req, "cfg_scale", 1, 30, 7, &cfg, err);
	(void)ig_extra_string(req, "sampler_name", 64, &sampler, err);
	o = json_object_new_object();
	json_object_object_add(o, "prompt", json_object_new_string(req->prompt));
	json_object_object_add(o, "negative_prompt",
	    json_object_new_string(req->negative_prompt ? req->negative_prompt : ""));
	json_object_object_add(o, "seed", json_object_new_int64(req->has_seed ? req->seed : -1));
	json_object_object_add(o, "steps", json_object_new_int((int)steps));
	json_object_object_add(o, "cfg_scale", json_object_new_double(cfg));
	json_object_object_add(o, "width", json_object_new_int(req->width));
	json_object_object_add(o, "height", json_object_new_int(req->height));
	json_object_object_add(o, "batch_size", json_object_new_int(req->count));
	json_object_object_add(o, "n_iter", json_object_new_int(1));
	if (sampler != NULL)
		json_object_object_add(o, "sampler_name", json_object_new_string(sampler));
	if (strcmp(req->model, "default") != 0) {
		ov = json_object_new_object();
		json_object_object_add(ov, "sd_model_checkpoint", json_object_new_string(req->model));
		json_object_object_add(o, "override_settings", ov);
	}
	json_object_object_add(o, "send_images", json_object_new_boolean(1));
	json_object_object_add(o, "save_images", json_object_new_boolean(0));
	ig_http_begin(out, "POST", call->base_url, "/sdapi/v1/txt2img");
	auth_header(out, req->api_key);
	ig_http_set_json(out, o);
	return 0;
}

/* Errors: {"error", "detail", "body", "errors"} or FastAPI's 422
 * {"detail": [...]}. */
static ig_step
la_error(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_error_json(resp);
	ig_step step = ig_provider_http_error(call, resp, 0, ig_jstr_any(o, "detail", "errors", "error", NULL), err);

	json_object_put(o);
	return step;
}

/* info: "{\"all_seeds\": [1, 2], …}" — parsed again, strictly. Missing info
 * leaves the images without seeds; info that is not JSON is an error. */
static int
seeds_from_info(json_object *o, json_object **info, json_object **seeds, ig_err *err)
{
	const char *s = ig_jstr(o, "info");

	*info = NULL;
	*seeds = NULL;
	if (s == NULL)
		return 0;
	if ((*info = ig_provider_json_text(s, strlen(s), err)) == NULL)
		return -1;
	*seeds = ig_jget(*info, "all_seeds", json_type_array);
	return 0;
}

static ig_step
la_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	json_object *o, *images, *info, *seeds;
	ig_step step = IG_STEP_FAIL;
	size_t n;

	(void)next;
	if (resp->status < 200 || resp->status >= 300)
		return la_error(call, resp, err);
	if ((o = ig_provider_json(resp, err)) == NULL)
		return IG_STEP_FAIL;
	if (seeds_from_info(o, &info, &seeds, err) != 0)
		goto out;
	images = ig_jget(o, "images", json_type_array);
	if (images == NULL) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the local server's answer has no images");
		goto out;
	}
	if ((n = json_object_array_length(images)) == 0) {
		/* A 200 with an empty list is what NSFW-filter scripts leave. */
		ig_err_set(err, IG_E_CONTENT_FILTERED, NULL, "the local server returned no image (filtered)");
		goto out;
	}
	/* Extensions (ControlNet) append their own images after the batch. */
	for (size_t i = 0; i < n && call->nimages < call->req->count; i++) {
		json_object *im = json_object_array_get_idx(images, i);
		json_object *sv = seeds && i < json_object_array_length(seeds) ?
		    json_object_array_get_idx(seeds, i) : NULL;
		int has_seed = sv != NULL && json_object_is_type(sv, json_type_int);

		if (!json_object_is_type(im, json_type_string)) {
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "a local server image is not a string");
			goto out;
		}
		if (ig_call_add_b64_image(call, json_object_get_string(im), has_seed,
		    has_seed ? json_object_get_int64(sv) : 0, err) != 0)
			goto out;
	}
	step = IG_STEP_DONE;
out:
	json_object_put(info);
	json_object_put(o);
	return step;
}

static int
la_probe(const char *base_url, const char *api_key, ig_http_req *out)
{
	ig_http_begin(out, "GET", base_url, "/sdapi/v1/sd-models");
	auth_header(out, api_key);
	return 0;
}

json_object *
ig_local_ai_models(const ig_http_resp *resp, ig_err *err)
{
	json_object *list = NULL, *out, *m;
	ig_err jerr;

	if (resp->status == 200 && resp->body != NULL && resp->len > 0)
		list = ig_json_parse(resp->body, resp->len, IG_PROVIDER_MAX_ARRAY, &jerr);
	if (list == NULL || !json_object_is_type(list, json_type_array)) {
		json_object_put(list);
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
		    "the local server did not list its models (HTTP %ld)", resp->status);
		return NULL;
	}
	out = json_object_new_array();
	m = json_object_new_object();
	json_object_object_add(m, "id", json_object_new_string("default"));
	json_object_object_add(m, "name", json_object_new_string(models[0].name));
	json_object_object_add(m, "default", json_object_new_boolean(1));
	json_object_array_add(out, m);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *id = ig_jstr(e, "model_name"), *title = ig_jstr(e, "title");

		if (id == NULL || strlen(id) > 200 || strpbrk(id, "\r\n") != NULL)
			continue;
		m = json_object_new_object();
		json_object_object_add(m, "id", json_object_new_string(id));
		json_object_object_add(m, "name", json_object_new_string(title ? title : id));
		json_object_object_add(m, "default", json_object_new_boolean(0));
		json_object_array_add(out, m);
	}
	json_object_put(list);
	return out;
}

const ig_provider_ops ig_provider_local_ai = {
	.name = "local_ai",
	.display_name = "Local Stable Diffusion (AUTOMATIC1111)",
	.default_base_url = "http://127.0.0.1:7860",
	.models = models,
	.open_models = 1,
	.caps = { .max_side = 2048, .max_images = 8, .negative_prompt = 1, .seed = 1, .latency_s = 30 },
	.settings = { .prefix = "IG_LOCAL_AI", .base_url_var = "IG_LOCAL_AI_URL",
	    .api_key_var = "IG_LOCAL_AI_API_KEY" },
	.validate = la_validate,
	.build = la_build,
	.parse = la_parse,
	.probe = la_probe,
};
