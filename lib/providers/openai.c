/*
 * openai.c — OpenAI Images: POST {base}/v1/images/generations
 * (PROVIDERS.md "openai"; platform.openai.com/docs/api-reference/images).
 *
 * dall-e answers are asked for as b64_json; an answer that still carries
 * a url (it expires after an hour) is downloaded in a further exchange.
 * dall-e-3 makes one image per request, so a count loops. There is no
 * negative prompt on this API: it is folded into prompt_used by the
 * caller only, never into what we send.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/json.h"
#include "lib/providers/adapter.h"

typedef struct oa_family {
	const char *prefix;             /* model id, or its prefix when is_prefix */
	int is_prefix;
	int max_n;                      /* images per request */
	int b64_param;                  /* takes response_format (dall-e only) */
	int takes_style;
	const char *const *sizes;
} oa_family;

static const char *const dalle2_sizes[] = { "256x256", "512x512", "1024x1024", NULL };
static const char *const dalle3_sizes[] = { "1024x1024", "1792x1024", "1024x1792", NULL };
static const char *const gptimage_sizes[] = { "1024x1024", "1536x1024", "1024x1536", NULL };

static const oa_family families[] = {
	{ "dall-e-2", 0, 10, 1, 0, dalle2_sizes },
	{ "dall-e-3", 0, 1, 1, 1, dalle3_sizes },
	{ "gpt-image-", 1, 10, 0, 0, gptimage_sizes },
};

static const ig_model_decl models[] = {
	{ "dall-e-2", "DALL·E 2", 1 },
	{ "dall-e-3", "DALL·E 3", 0 },
	{ "gpt-image-1", "GPT Image 1", 0 },
	{ NULL, NULL, 0 },
};

/* Union of every family's sizes; validate narrows it per model. */
static const char *const sizes[] = { "256x256", "512x512", "1024x1024", "1792x1024",
	"1024x1792", "1536x1024", "1024x1536", NULL };

typedef struct oa_state {
	const oa_family *fam;
	int asked;                      /* images requested so far */
} oa_state;

static const oa_family *
family_of(const char *model)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const oa_family *f = &families[i];
		if (f->is_prefix ? strncmp(model, f->prefix, strlen(f->prefix)) == 0 :
		    strcmp(model, f->prefix) == 0)
			return f;
	}
	return NULL;
}

static int
oa_validate(const ig_gen_request *req, ig_err *err)
{
	const oa_family *f = family_of(req->model);
	char size[32];

	if (f == NULL || !ig_model_id_safe(req->model, 0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model",
		    "model must be dall-e-2, dall-e-3 or a gpt-image model");
	snprintf(size, sizeof(size), "%dx%d", req->width, req->height);
	for (size_t i = 0; f->sizes[i] != NULL; i++)
		if (strcmp(f->sizes[i], size) == 0)
			return 0;
	return ig_err_set(err, IG_E_INVALID_REQUEST, "image_size",
	    "image_size %s is not offered by %s", size, req->model);
}

/* The largest source DALL·E 2's edits and variations take. */
#define OA_SOURCE_MAX_BYTES (4L * 1024 * 1024)

/* A creative tool's request (issue 12): multipart with the source as the
 * "image" part; style-transfer is /v1/images/edits with the prompt,
 * variation /v1/images/variations. dall-e-2, b64_json. */
static void
creative_request(ig_call *call, ig_http_req *out, int n, const char *size)
{
	const ig_gen_request *req = call->req;
	char num[16];

	if (strcmp(req->creative, "style-transfer") == 0) {
		ig_http_begin(out, "POST", call->base_url, "/v1/images/edits");
		ig_http_add_part(out, "prompt", req->prompt);
	} else {
		ig_http_begin(out, "POST", call->base_url, "/v1/images/variations");
	}
	ig_http_bearer(out, req->api_key);
	ig_http_add_file(out, "image", req->src, req->src_len, "image.png", "image/png");
	ig_http_add_part(out, "model", req->model);
	snprintf(num, sizeof(num), "%d", n);
	ig_http_add_part(out, "n", num);
	ig_http_add_part(out, "size", size);
	ig_http_add_part(out, "response_format", "b64_json");
}

/* The creative paths' bounds: dall-e-2, a PNG source under 4 MB (the API
 * checked the PNG, the square and the size first). */
static int
creative_validate(const ig_gen_request *req, ig_err *err)
{
	if (strcmp(req->model, "dall-e-2") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model", "OpenAI's edits and variations take dall-e-2");
	if (req->src == NULL || req->src_len == 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "the creative job has no source image");
	if (req->src_type == NULL || strcmp(req->src_type, "image/png") != 0 || req->src_len >= OA_SOURCE_MAX_BYTES)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "image_id",
		    "image_id must be a PNG under 4 MB for OpenAI's edits and variations (this one has %zu bytes)",
		    req->src_len);
	if (strcmp(req->creative, "style-transfer") == 0 && (req->prompt == NULL || req->prompt[0] == '\0'))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt", "prompt is required for OpenAI's edits");
	return oa_validate(req, err);
}

/* The generation request for the next batch of images. */
static void
generation(ig_call *call, ig_http_req *out)
{
	const ig_gen_request *req = call->req;
	oa_state *st = call->state;
	json_object *o;
	int n = req->count - st->asked;
	char size[32];

	if (n > st->fam->max_n)
		n = st->fam->max_n;
	st->asked += n;
	snprintf(size, sizeof(size), "%dx%d", req->width, req->height);
	if (req->creative != NULL) {
		creative_request(call, out, n, size);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "model", json_object_new_string(req->model));
	json_object_object_add(o, "prompt", json_object_new_string(req->prompt));
	json_object_object_add(o, "n", json_object_new_int(n));
	json_object_object_add(o, "size", json_object_new_string(size));
	if (req->quality != NULL)
		json_object_object_add(o, "quality", json_object_new_string(req->quality));
	if (req->style != NULL && st->fam->takes_style)
		json_object_object_add(o, "style", json_object_new_string(req->style));
	if (st->fam->b64_param)
		json_object_object_add(o, "response_format", json_object_new_string("b64_json"));
	ig_http_begin(out, "POST", call->base_url, "/v1/images/generations");
	ig_http_bearer(out, req->api_key);
	ig_http_set_json(out, o);
}

static int
oa_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	oa_state *st;

	if ((st = ig_call_begin(call, call->req->creative != NULL ? creative_validate : oa_validate, sizeof(*st),
	    err)) == NULL)
		return -1;
	st->fam = family_of(call->req->model);
	generation(call, out);
	return 0;
}

/* What comes after the images collected so far: a download, another
 * batch, or the end. */
static ig_step
advance(ig_call *call, ig_http_req *next)
{
	oa_state *st = call->state;

	if (ig_download_next(call, next))
		return IG_STEP_NEXT;
	if (call->nimages < call->req->count && st->asked < call->req->count) {
		generation(call, next);
		return IG_STEP_NEXT;
	}
	return IG_STEP_DONE;
}

static ig_step
oa_error(ig_call *call, const ig_http_resp *resp, ig_err *err)
{
	json_object *o = ig_provider_json(resp, err);
	json_object *e = ig_jget(o, "error", json_type_object);
	const char *msg = ig_jstr(e, "message"), *code = ig_jstr(e, "code"), *type = ig_jstr(e, "type");
	int quota;
	ig_step step;

	quota = resp->status == 429 && ((code && strcmp(code, "insufficient_quota") == 0) ||
	    (type && strcmp(type, "insufficient_quota") == 0));
	if (code && (strcmp(code, "content_policy_violation") == 0 ||
	    strcmp(code, "moderation_blocked") == 0))
		step = ig_provider_fail(call, IG_E_CONTENT_FILTERED,
		    "OpenAI's safety system refused the prompt", msg, err);
	else
		step = ig_provider_http_error(call, resp, quota, msg, err);
	json_object_put(o);
	return step;
}

/* A 2xx generation answer: {"created", "data": [{"b64_json"} | {"url"}, "revised_prompt"]}. */
static ig_step
generation_done(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	json_object *o = ig_provider_json(resp, err), *data;
	size_t n;
	ig_step step = IG_STEP_FAIL;

	if (o == NULL)
		return IG_STEP_FAIL;
	data = ig_jget(o, "data", json_type_array);
	if (data == NULL || (n = json_object_array_length(data)) == 0) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "OpenAI's answer has no images");
		goto out;
	}
	for (size_t i = 0; i < n && call->nimages + call->downloads.n < call->req->count; i++) {
		json_object *d = json_object_array_get_idx(data, i);
		const char *b64 = ig_jstr(d, "b64_json"), *url = ig_jstr(d, "url");
		const char *rp = ig_jstr(d, "revised_prompt");

		if (b64 != NULL) {
			if (ig_call_add_b64_image(call, b64, 0, 0, err) != 0)
				goto out;
			if (rp != NULL)
				call->images[call->nimages - 1].revised_prompt = ig_xstrdup(rp);
		} else if (url != NULL) {
			ig_download_add(call, url, rp);
		} else {
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "an OpenAI image has neither b64_json nor url");
			goto out;
		}
	}
	step = advance(call, next);
out:
	json_object_put(o);
	return step;
}

static ig_step
oa_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	int ok = resp->status >= 200 && resp->status < 300;

	if (ig_download_pending(call)) {        /* the answer to a download */
		if (!ok)
			return ig_provider_download_error(call, resp, next, err);
		if (ig_download_take(call, resp, 0, 0, err) != 0)
			return IG_STEP_FAIL;
		return advance(call, next);
	}
	if (!ok)
		return oa_error(call, resp, err);
	return generation_done(call, resp, next, err);
}


/* The assistant's chat: Chat Completions with a small model. */
#define CHAT_MODEL "gpt-4o-mini"
#define CHAT_MAX_ARRAY 10000

static int
oa_chat_build(const char *base_url, const char *api_key, const char *system, const ig_chat_turn *turns,
    int nturns, ig_http_req *out)
{
	json_object *body = json_object_new_object(), *msgs = json_object_new_array(), *m;

	m = json_object_new_object();
	json_object_object_add(m, "role", json_object_new_string("system"));
	json_object_object_add(m, "content", json_object_new_string(system));
	json_object_array_add(msgs, m);
	for (int i = 0; i < nturns; i++) {
		m = json_object_new_object();
		json_object_object_add(m, "role", json_object_new_string(turns[i].role));
		json_object_object_add(m, "content", json_object_new_string(turns[i].content));
		json_object_array_add(msgs, m);
	}
	json_object_object_add(body, "model", json_object_new_string(CHAT_MODEL));
	json_object_object_add(body, "messages", msgs);
	ig_http_begin(out, "POST", base_url, "/v1/chat/completions");
	ig_http_bearer(out, api_key);
	ig_http_set_json(out, body);
	return 0;
}

static char *
oa_chat_parse(const ig_http_resp *resp)
{
	ig_err err;
	json_object *o = ig_json_parse(resp->body, resp->len, CHAT_MAX_ARRAY, &err);
	json_object *choices = ig_jget(o, "choices", json_type_array);
	const char *content = NULL;
	char *reply;

	if (choices != NULL && json_object_array_length(choices) > 0)
		content = ig_jstr(ig_jget(json_object_array_get_idx(choices, 0), "message", json_type_object), "content");
	reply = content != NULL ? ig_xstrdup(content) : NULL;
	json_object_put(o);
	return reply;
}

static const char *const key_prefixes[] = { "sk-", NULL };

const ig_provider_ops ig_provider_openai = {
	.name = "openai",
	.display_name = "OpenAI",
	.default_base_url = "https://api.openai.com",
	.models = models,
	.caps = { .sizes = sizes, .max_side = 1792, .max_images = 10, .latency_s = 15 },
	.key = { .required = 1, .prefixes = key_prefixes, .probe_path = "/v1/models" },
	.settings = { IG_PROVIDER_SETTINGS("IG_OPENAI"),
	    .delivery_hosts = "oaidalleapiprodscus.blob.core.windows.net" },
	.chat = { .build = oa_chat_build, .parse = oa_chat_parse, .order = 1 },
	.validate = oa_validate,
	.build = oa_build,
	.parse = oa_parse,
};
