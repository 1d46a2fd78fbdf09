/*
 * huggingface.c — Hugging Face Inference (PROVIDERS.md "huggingface";
 * huggingface.co/docs/inference-providers/tasks/text-to-image).
 *
 * POST {base}/models/{model_id} with a JSON body; a 200 is the raw image.
 * One image per call, so a count loops (a fixed seed advances by one per
 * image). The API caches answers to identical inputs, which would hand a
 * count of unseeded images back as copies of one: x-use-cache: false.
 * While a cold model loads the answer is a 503 with estimated_time
 * (seconds): that becomes a RETRY after exactly that long.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/providers/adapter.h"

#define HF_SEED_MOD 4294967296LL

static const ig_model_decl models[] = {
	{ "stabilityai/stable-diffusion-xl-base-1.0", "Stable Diffusion XL 1.0", 1 },
	{ "black-forest-labs/FLUX.1-schnell", "FLUX.1 [schnell]", 0 },
	{ "black-forest-labs/FLUX.1-dev", "FLUX.1 [dev]", 0 },
	{ "stabilityai/stable-diffusion-3.5-large", "Stable Diffusion 3.5 Large", 0 },
	{ NULL, NULL, 0 },
};

typedef struct hf_state {
	int index;                      /* image being made */
} hf_state;

static int
hf_validate(const ig_gen_request *req, ig_err *err)
{
	double d;

	if (!ig_model_id_safe(req->model, 1))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model",
		    "model must be a Hugging Face model id (owner/name)");
	if (ig_extra_number(req, "num_inference_steps", 1, 150, 0, &d, err) != 0 ||
	    ig_extra_number(req, "guidance_scale", 0, 50, 0, &d, err) != 0)
		return -1;
	return 0;
}

/* The request for image st->index. */
static void
request(ig_call *call, ig_http_req *out)
{
	const ig_gen_request *req = call->req;
	hf_state *st = call->state;
	json_object *o = json_object_new_object(), *p = json_object_new_object(), *v;

	json_object_object_add(o, "inputs", json_object_new_string(req->prompt));
	if (req->negative_prompt != NULL && req->negative_prompt[0] != '\0')
		json_object_object_add(p, "negative_prompt", json_object_new_string(req->negative_prompt));
	json_object_object_add(p, "width", json_object_new_int(req->width));
	json_object_object_add(p, "height", json_object_new_int(req->height));
	/* Validated numbers, copied as given (an int stays an int). */
	if (req->extra && json_object_object_get_ex(req->extra, "num_inference_steps", &v) && v)
		json_object_object_add(p, "num_inference_steps", json_object_get(v));
	if (req->extra && json_object_object_get_ex(req->extra, "guidance_scale", &v) && v)
		json_object_object_add(p, "guidance_scale", json_object_get(v));
	if (req->has_seed)
		json_object_object_add(p, "seed",
		    json_object_new_int64(ig_seed_at(req, st->index, HF_SEED_MOD)));
	json_object_object_add(o, "parameters", p);
	ig_http_begin(out, "POST", call->base_url, "/models/%s", req->model);
	ig_http_bearer(out, req->api_key);
	ig_http_add_header(out, "Accept: image/png");
	ig_http_add_header(out, "x-use-cache: false");
	ig_http_set_json(out, o);
}

static int
hf_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	if (ig_call_begin(call, hf_validate, sizeof(hf_state), err) == NULL)
		return -1;
	request(call, out);
	return 0;
}

/* {"error": "…"} or {"error": ["…"]}, plus estimated_time on a 503. */
static ig_step
hf_error(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_error_json(resp), *e, *est;
	const char *msg = ig_jstr(o, "error");
	ig_step step;

	if (msg == NULL && (e = ig_jget(o, "error", json_type_array)) != NULL &&
	    json_object_array_length(e) > 0 &&
	    json_object_is_type(json_object_array_get_idx(e, 0), json_type_string))
		msg = json_object_get_string(json_object_array_get_idx(e, 0));
	if (resp->status == 400 && msg != NULL && strstr(msg, "NSFW") != NULL) {
		/* The pipeline's safety checker: "Potential NSFW content was detected". */
		step = ig_provider_fail(call, IG_E_CONTENT_FILTERED,
		    "the model's safety checker refused the image", msg, err);
		json_object_put(o);
		return step;
	}
	step = ig_provider_http_error(call, resp, 0, msg, err);
	est = ig_jget(o, "estimated_time", json_type_double);
	if (est == NULL)
		est = ig_jget(o, "estimated_time", json_type_int);
	if (step == IG_STEP_RETRY && resp->status == 503 && est != NULL) {
		double secs = json_object_get_double(est);

		if (secs > 0)
			call->retry_ms = secs >= 3600 ? 3600L * 1000 : (long)(secs * 1000);
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
		    "the model was still loading on Hugging Face when we gave up");
	}
	json_object_put(o);
	return step;
}

static ig_step
hf_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	const ig_gen_request *req = call->req;
	hf_state *st = call->state;

	if (resp->status < 200 || resp->status >= 300)
		return hf_error(call, resp, err);
	if (ig_call_add_raw_image(call, resp, req->has_seed,
	    ig_seed_at(req, st->index, HF_SEED_MOD), err) != 0)
		return IG_STEP_FAIL;
	if (++st->index < req->count) {
		request(call, next);
		return IG_STEP_NEXT;
	}
	return IG_STEP_DONE;
}

/* 1 when url's host is huggingface.co or a subdomain of it. */
static int
on_hf_host(const char *url)
{
	const char *h = url ? strstr(url, "://") : NULL;
	size_t n;

	if (h == NULL)
		return 0;
	h += 3;
	n = strcspn(h, "/:?#");
	return (n == 14 && strncmp(h, "huggingface.co", 14) == 0) ||
	    (n > 15 && strncmp(h + n - 15, ".huggingface.co", 15) == 0);
}

/* whoami lives on the Hub (huggingface.co), not on the inference host; a
 * base elsewhere (the mock) answers it under the base. */
static int
hf_probe(const char *base_url, const char *api_key, ig_http_req *out)
{
	if (on_hf_host(base_url))
		ig_http_begin(out, "GET", "https://huggingface.co", "/api/whoami-v2");
	else
		ig_http_begin(out, "GET", base_url, "/api/whoami-v2");
	ig_http_bearer(out, api_key);
	return 0;
}

static const char *const key_prefixes[] = { "hf_", NULL };

const ig_provider_ops ig_provider_huggingface = {
	.name = "huggingface",
	.display_name = "Hugging Face",
	.default_base_url = "https://router.huggingface.co/hf-inference",
	.models = models,
	.open_models = 1,
	.caps = { .max_side = 2048, .max_images = 4, .negative_prompt = 1, .seed = 1, .latency_s = 20 },
	.key = { .required = 1, .prefixes = key_prefixes },
	.settings = { IG_PROVIDER_SETTINGS("IG_HUGGINGFACE") },
	.validate = hf_validate,
	.build = hf_build,
	.parse = hf_parse,
	.probe = hf_probe,
};
