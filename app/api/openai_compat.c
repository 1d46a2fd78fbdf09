/*
 * openai_compat.c — the OpenAI-compatible surface (API.md "Generation"):
 * POST /v1/images/generations and GET /v1/models, in OpenAI's request,
 * response and error shapes, so the official OpenAI SDKs work with their
 * base URL pointed at us. model is "provider/model" (e.g.
 * "stability/core", "replicate/owner/name") or a bare model id that one
 * provider declares ("dall-e-3").
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/generation.h"
#include "app/fcgi/pipeline.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/gallery/images.h"

/* Split "provider/model" or find the provider declaring a bare model. */
static int
resolve_model(const char *spec, ig_gen *g, const char **model, char *buf, size_t buflen, ig_err *err)
{
	const char *slash;

	*model = NULL;
	if (spec == NULL)
		return 0;
	slash = strchr(spec, '/');
	if (slash != NULL && (size_t)(slash - spec) < buflen) {
		snprintf(buf, buflen, "%.*s", (int)(slash - spec), spec);
		if (ig_provider_find(buf) != NULL) {
			g->provider = buf;
			*model = slash + 1;
			return 0;
		}
	}
	for (int i = 0; ig_providers[i] != NULL; i++) {
		for (const ig_model_decl *m = ig_providers[i]->models; m && m->id; m++) {
			if (strcmp(m->id, spec) == 0) {
				g->provider = ig_providers[i]->name;
				*model = m->id;
				return 0;
			}
		}
	}
	return ig_err_set(err, IG_E_INVALID_REQUEST, "model",
	    "unknown model %s: use provider/model (GET /v1/models lists them)", spec);
}

static int
respond(const ig_gen *g, const char *job_id, json_object **out, ig_err *err)
{
	ig_image *im;
	int n;
	json_object *o, *data;

	if (ig_images_of_job(job_id, &im, &n, err) != 0)
		return IG_FAILED;
	data = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *d = json_object_new_object();
		if (g->b64) {
			json_object_object_add(d, "b64_json", ig_image_b64(im[i].filename));
		} else {
			char *url = ig_xasprintf("%s/generated_images/%s", ig_cfg()->public_url, im[i].filename);
			json_object_object_add(d, "url", json_object_new_string(url));
			free(url);
		}
		json_object_object_add(d, "revised_prompt", json_object_new_string(g->req.prompt));
		json_object_array_add(data, d);
	}
	free(im);
	o = json_object_new_object();
	json_object_object_add(o, "created", json_object_new_int64((int64_t)time(NULL)));
	json_object_object_add(o, "data", data);
	*out = o;
	return 200;
}

/* POST /v1/images/generations: OpenAI's fields. */
struct v1_body {
	const char *prompt, *model, *size, *format, *quality, *style, *user;
	int64_t n;
};

static const ig_field v1_fields[] = {
	{ "prompt", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROMPT_MAX, .at = IG_AT(struct v1_body, prompt) },
	{ "model", IG_F_STRING, 0, 1, 200, .at = IG_AT(struct v1_body, model) },
	{ "size", IG_F_STRING, 0, 1, 16, .at = IG_AT(struct v1_body, size) },
	{ "response_format", IG_F_STRING, 0, 1, 16, .at = IG_AT(struct v1_body, format) },
	{ "quality", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct v1_body, quality) },
	{ "style", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct v1_body, style) },
	{ "user", IG_F_STRING, 0, 1, 256, .at = IG_AT(struct v1_body, user) },
	{ "n", IG_F_INT, 0, 1, 10, .at = IG_AT(struct v1_body, n) },
	IG_FIELDS_END
};

int
ig_api_v1_images_generations(ig_req *req, json_object **out, ig_err *err)
{
	static const ig_gen_fields fields = { "model", "model", "size", "n" };
	struct v1_body b = { .n = 1 };
	ig_gen g;
	const char *model = NULL, *size;
	char pbuf[32], job_id[IG_UUID_BUF];
	int cached;

	/* Its clients parse OpenAI's error object (ig_error_body). */
	req->error_shape = IG_ERRORS_OPENAI;
	if (ig_gen_allowed(req, err) != 0)
		return IG_FAILED;
	if (ig_fields_body(req, v1_fields, &b, err) != 0)
		return IG_FAILED;
	memset(&g, 0, sizeof(g));
	g.req.prompt = b.prompt;
	g.req.quality = b.quality;
	g.req.style = b.style;
	g.req.count = (int)b.n;
	/* The format's values are checked once every field has been read. */
	if (b.format != NULL && strcmp(b.format, "url") != 0 && strcmp(b.format, "b64_json") != 0) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "response_format", "response_format must be url or b64_json");
		return IG_FAILED;
	}
	g.b64 = b.format != NULL && strcmp(b.format, "b64_json") == 0;
	size = b.size != NULL && strcmp(b.size, "auto") == 0 ? NULL : b.size;
	if (resolve_model(b.model, &g, &model, pbuf, sizeof(pbuf), err) != 0 ||
	    ig_gen_check(req, &g, model, size, &fields, err) != 0 ||
	    ig_gen_run(req, &g, job_id, &cached, err) != 0)
		return IG_FAILED;
	return respond(&g, job_id, out, err);
}

int
ig_api_v1_models(ig_req *req, json_object **out, ig_err *err)
{
	json_object *o = json_object_new_object(), *data = json_object_new_array();
	/* A model is offered here since this server started. */
	int64_t since = ig_pipeline_metrics()->started;

	(void)req;
	(void)err;
	for (int i = 0; ig_providers[i] != NULL; i++) {
		for (const ig_model_decl *m = ig_providers[i]->models; m && m->id; m++) {
			json_object *e = json_object_new_object();
			char *id = ig_xasprintf("%s/%s", ig_providers[i]->name, m->id);
			json_object_object_add(e, "id", json_object_new_string(id));
			json_object_object_add(e, "object", json_object_new_string("model"));
			json_object_object_add(e, "created", json_object_new_int64(since));
			json_object_object_add(e, "owned_by", json_object_new_string(ig_providers[i]->name));
			json_object_array_add(data, e);
			free(id);
		}
	}
	json_object_object_add(o, "object", json_object_new_string("list"));
	json_object_object_add(o, "data", data);
	*out = o;
	return 200;
}
