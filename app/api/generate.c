/*
 * generate.c — POST /api/generate-image (API.md "Generation", seed shape):
 * validate against the provider's declaration, answer from the cache when
 * an identical request already produced images the caller may see, else
 * enqueue a job for imagegen-worker and wait for it (bounded by
 * IG_GENERATE_TIMEOUT) on this process's LISTEN connection.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/generation.h"
#include "app/api/projects.h"
#include "lib/auth/provider_key.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/gallery/images.h"
#include "lib/jobs/job.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"
#include "lib/jobs/waiter.h"

#define SYNC_PRIORITY 10

static int
parse_size(const char *s, int *w, int *h)
{
	char tail;

	return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && strspn(s, "0123456789x") == strlen(s) ? 0 : -1;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* The caller's preferred provider (preferences), if any. */
static const char *
preferred_provider(ig_req *req)
{
	const char *pj = req->user.preferences;
	json_object *prefs, *v;
	ig_err err;
	static __thread char buf[32];

	if (pj == NULL)
		return NULL;
	prefs = ig_json_parse(pj, strlen(pj), 100, &err);
	buf[0] = '\0';
	if (prefs && json_object_object_get_ex(prefs, "default_provider", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	json_object_put(prefs);
	return buf[0] ? buf : NULL;
}

int
ig_gen_check(ig_req *req, ig_gen *g, const char *model, const char *size, const ig_gen_fields *f, ig_err *err)
{
	int w, h;
	const ig_model_decl *m;

	if (g->provider == NULL)
		g->provider = preferred_provider(req);
	if (g->provider == NULL)
		g->provider = ig_cfg()->default_provider;
	g->fields = f;
	g->ops = ig_provider_find(g->provider);
	if (g->ops == NULL) {
		char names[256];
		return ig_err_set(err, IG_E_INVALID_REQUEST, f->provider, "%s must name one of %s", f->provider,
		    ig_provider_names(names, sizeof(names), 0));
	}
	g->provider = g->ops->name;
	if (model == NULL) {
		for (m = g->ops->models; m && m->id; m++)
			if (m->is_default)
				g->req.model = m->id;
		if (g->req.model == NULL && g->ops->models)
			g->req.model = g->ops->models[0].id;
	} else {
		g->req.model = model;
		if (!g->ops->open_models) {
			for (m = g->ops->models; m && m->id && strcmp(m->id, model) != 0; m++)
				;
			if (m == NULL || m->id == NULL)
				return ig_err_set(err, IG_E_INVALID_REQUEST, f->model,
				    "%s has no model %s (see GET /api/settings/api-providers)", g->provider, model);
		}
	}
	snprintf(g->size, sizeof(g->size), "%s", size ? size : "1024x1024");
	if (parse_size(g->size, &w, &h) != 0 || w < 64 || h < 64 ||
	    (g->ops->caps.max_side > 0 && (w > g->ops->caps.max_side || h > g->ops->caps.max_side)))
		return ig_err_set(err, IG_E_INVALID_REQUEST, f->size,
		    "%s must be WIDTHxHEIGHT, each 64 to %d for %s", f->size, g->ops->caps.max_side ? g->ops->caps.max_side : 4096,
		    g->provider);
	if (g->ops->caps.sizes != NULL && !in_list(g->size, g->ops->caps.sizes))
		return ig_err_set(err, IG_E_INVALID_REQUEST, f->size, "%s does not offer %s", g->provider, g->size);
	g->req.width = w;
	g->req.height = h;
	if (g->req.count < 1)
		g->req.count = 1;
	if (g->req.count > g->ops->caps.max_images)
		return ig_err_set(err, IG_E_INVALID_REQUEST, f->count, "%s makes at most %d image(s) per request",
		    g->provider, g->ops->caps.max_images);
	if (g->req.has_seed && !g->ops->caps.seed)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "seed", "%s does not take a seed", g->provider);
	if (g->ops->validate != NULL && g->ops->validate(&g->req, err) != 0)
		return -1;
	return 0;
}

/* The seed's request fields (API.md "Generation"), and a provider-specific
 * route's own (extras: up to GEN_EXTRAS, handed to the adapter as given,
 * which checks them). */
#define GEN_EXTRAS 3
struct gen_body {
	const char *prompt, *negative_prompt, *provider, *model, *size, *style, *quality, *format, *api_key;
	const char *project_id;
	json_object *tags;
	int64_t count, seed;
	int has_seed, no_cache;
	json_object *extra[GEN_EXTRAS];
};

static int
check_format(void *dst, ig_err *err)
{
	const char *s = ((struct gen_body *)dst)->format;

	if (strcmp(s, "url") != 0 && strcmp(s, "b64_json") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "response_format", "response_format must be url or b64_json");
	return 0;
}

static int
check_api_key(void *dst, ig_err *err)
{
	return ig_provider_key_check(((struct gen_body *)dst)->api_key, err);
}

/* The rows of every generation route, in the order they are checked;
 * generate-image adds api_provider between them. */
#define GEN_HEAD \
	{ "prompt", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROMPT_MAX, .at = IG_AT(struct gen_body, prompt) }, \
	{ "negative_prompt", IG_F_STRING, 0, 0, IG_NEGATIVE_PROMPT_MAX, .at = IG_AT(struct gen_body, negative_prompt) }
#define GEN_TAIL \
	{ "model", IG_F_STRING, 0, 1, 200, .at = IG_AT(struct gen_body, model) }, \
	{ "image_size", IG_F_STRING, 0, 3, 11, .at = IG_AT(struct gen_body, size) }, \
	{ "image_count", IG_F_INT, 0, 1, 10, .at = IG_AT(struct gen_body, count) }, \
	{ "seed", IG_F_INT, 0, 0, 4294967295LL, .at = IG_AT(struct gen_body, seed), \
	  .has = IG_HAS(struct gen_body, has_seed) }, \
	{ "style", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct gen_body, style) }, \
	{ "quality", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct gen_body, quality) }, \
	{ "response_format", IG_F_STRING, 0, 1, 16, .at = IG_AT(struct gen_body, format), .check = check_format }, \
	{ "no_cache", IG_F_BOOL, 0, 0, 0, .at = IG_AT(struct gen_body, no_cache) }, \
	{ "project_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct gen_body, project_id) }, \
	{ "tags", IG_F_STRINGS, 0, 0, IG_GALLERY_TAGS_MAX, .at = IG_AT(struct gen_body, tags) }, \
	{ "api_key", IG_F_STRING, 0, 1, IG_PROVIDER_KEY_MAX, .at = IG_AT(struct gen_body, api_key), \
	  .check = check_api_key }
#define GEN_EXTRA(i, name) { name, IG_F_JSON, 0, 0, 0, .at = IG_AT(struct gen_body, extra[i]) }

/* validate for an object already parsed (obj; prefix before the names of
 * its members in errors, or NULL). Strings stay valid while obj does. */
static int
validate_object(ig_req *req, json_object *obj, const char *prefix, const ig_field *table, ig_gen *g,
    const char *forced, ig_err *err)
{
	static const ig_gen_fields fields = { "api_provider", "model", "image_size", "image_count" };
	struct gen_body b = { .count = 1 };
	const char **tags = NULL;
	int ne = 0, ntags = 0;

	memset(g, 0, sizeof(*g));
	if (ig_fields_object(obj, table, &b, prefix, err) != 0 || ig_api_tags(b.tags, "tags", &tags, &ntags, err) != 0)
		return -1;
	free(tags);
	g->tags = ntags > 0 ? b.tags : NULL;
	g->req.prompt = b.prompt;
	g->req.negative_prompt = b.negative_prompt != NULL && *b.negative_prompt != '\0' ? b.negative_prompt : NULL;
	g->provider = forced != NULL ? forced : b.provider;
	g->req.count = (int)b.count;
	g->req.has_seed = b.has_seed;
	g->req.seed = b.has_seed ? b.seed : 0;
	g->req.style = b.style;
	g->req.quality = b.quality;
	g->b64 = b.format != NULL && strcmp(b.format, "b64_json") == 0;
	/* Images for a project, or with tags, are new rows: a cached job's
	 * images stay as they are, so the cache is not asked. */
	g->no_cache = b.no_cache || b.project_id != NULL || g->tags != NULL;
	g->api_key = b.api_key;
	g->project_id = b.project_id;
	if (ig_api_project_writable(req, b.project_id, err) != 0)
		return -1;
	for (const ig_field *f = table; f->name != NULL; f++) {
		if (f->type != IG_F_JSON)
			continue;
		if (b.extra[ne] != NULL) {
			if (g->req.extra == NULL)
				g->req.extra = json_object_new_object();
			json_object_object_add(g->req.extra, f->name, json_object_get(b.extra[ne]));
		}
		ne++;
	}
	return ig_gen_check(req, g, b.model, b.size, &fields, err);
}

/* The fields read into g, checked against the provider's declaration; a
 * provider-specific route fixes the provider (forced) and takes the JSON
 * rows after the seed's as its extras. */
static int
validate(ig_req *req, const ig_field *table, ig_gen *g, const char *forced, ig_err *err)
{
	json_object *body = ig_body_object(req, NULL, err);

	if (body == NULL)
		return -1;
	ig_fields_keep(req, body);
	return validate_object(req, body, NULL, table, g, forced, err);
}

/* The cache identity: every field that changes the picture, each length-
 * prefixed so no two requests share a key by concatenation. */
static void
cache_key(ig_gen *g)
{
	ig_buf b = { 0 };
	unsigned char h[IG_SHA256_LEN];
	const char *parts[6] = { g->provider, g->req.model, g->req.prompt, g->req.negative_prompt ? g->req.negative_prompt : "",
		g->size, g->req.style ? g->req.style : "" };

	for (int i = 0; i < 6; i++)
		ig_buf_printf(&b, "%zu:%s|", strlen(parts[i]), parts[i]);
	ig_buf_printf(&b, "n=%d|seed=%s%lld", g->req.count, g->req.has_seed ? "" : "none", g->req.has_seed ? (long long)g->req.seed : 0LL);
	/* A creative job's operation, source image and parameters: an image's
	 * bytes never change, so its id stands for them. */
	if (g->job_extra != NULL) {
		const char *x = json_object_to_json_string_ext(g->job_extra, JSON_C_TO_STRING_PLAIN);
		ig_buf_printf(&b, "|%zu:%s", strlen(x), x);
	}
	ig_sha256(b.data, b.len, h);
	ig_hex(h, sizeof(h), g->cache_key);
	ig_buf_free(&b);
}

/* Where the runner will find the key (API.md: the request's, else the
 * caller's stored one, else the server's, when lib/jobs/serverkey.h lets
 * the caller spend it: 401/403 naming the field when not, 429 when images
 * more would pass the caller's daily cap). */
int
ig_gen_resolve_key(ig_req *req, ig_gen *g, int images, ig_job_spec *spec, unsigned char nonce[IG_SECRETBOX_NONCE],
    unsigned char **sealed, size_t *sealed_len, char key_id[IG_UUID_BUF], ig_err *err)
{
	ig_sk_caller who = { req->caller.authenticated ? req->caller.user_id : NULL, req->caller.is_admin };
	int metered, retry_after;

	spec->key_source = "none";
	g->charged = 0;
	if (!g->ops->key.required && g->api_key == NULL)
		return 0;
	if (g->api_key != NULL) {
		if (ig_secretbox_seal(g->api_key, strlen(g->api_key), nonce, sealed, sealed_len) != 0)
			return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		spec->key_source = "request";
		spec->key_nonce = nonce;
		spec->key_nonce_len = IG_SECRETBOX_NONCE;
		spec->key_sealed = *sealed;
		spec->key_sealed_len = *sealed_len;
		return 0;
	}
	if (req->caller.authenticated) {
		int none = ig_provider_key_newest(req->caller.user_id, g->provider, key_id, err);
		if (none < 0)
			return -1;
		if (!none) {
			spec->key_source = "stored";
			spec->key_id = key_id;
			return 0;
		}
	}
	if (ig_server_key_authorize(&who, g->ops, &g->req, &metered, err) != 0) {
		if (strcmp(err->field, "model") == 0 && g->fields != NULL)
			snprintf(err->field, sizeof(err->field), "%s", g->fields->model);
		return -1;
	}
	if (metered && ig_server_key_charge(who.user_id, IG_SK_IMAGES, images,
	    g->fields ? g->fields->count : "image_count", &retry_after, err) != 0) {
		if (retry_after > 0) {
			char ra[16];
			snprintf(ra, sizeof(ra), "%d", retry_after);
			ig_req_add_header(req, "Retry-After", ra);
		}
		return -1;
	}
	g->charged = metered ? images : 0;
	spec->key_source = "server";
	return 0;
}

void
ig_gen_uncharge(ig_req *req, ig_gen *g)
{
	ig_err e;

	if (g->charged > 0 && ig_server_key_refund(req->caller.user_id, IG_SK_IMAGES, g->charged, &e) != 0)
		ig_logf(IG_LOG_WARN, "server_key_refund_failed", "%d images of user %s not given back: %s", g->charged,
		    req->caller.user_id, e.message);
	g->charged = 0;
}

json_object *
ig_gen_job_request(const ig_gen *g)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "prompt", json_object_new_string(g->req.prompt));
	json_object_object_add(o, "negative_prompt", g->req.negative_prompt ? json_object_new_string(g->req.negative_prompt) : NULL);
	json_object_object_add(o, "width", json_object_new_int(g->req.width));
	json_object_object_add(o, "height", json_object_new_int(g->req.height));
	json_object_object_add(o, "count", json_object_new_int(g->req.count));
	json_object_object_add(o, "seed", g->req.has_seed ? json_object_new_int64(g->req.seed) : NULL);
	json_object_object_add(o, "style", g->req.style ? json_object_new_string(g->req.style) : NULL);
	json_object_object_add(o, "quality", g->req.quality ? json_object_new_string(g->req.quality) : NULL);
	json_object_object_add(o, "extra", g->req.extra ? json_object_get(g->req.extra) : NULL);
	if (g->project_id != NULL)
		json_object_object_add(o, "project_id", json_object_new_string(g->project_id));
	if (g->tags != NULL)
		json_object_object_add(o, "tags", json_object_get(g->tags));
	if (g->job_extra != NULL) {
		json_object_object_foreach(g->job_extra, k, v)
			json_object_object_add(o, k, json_object_get(v));
	}
	return o;
}

/* The seed's response for the images of job_id. */
static int
respond(const ig_gen *g, const char *job_id, int cached, int64_t t0, json_object **out, ig_err *err)
{
	ig_image *im;
	int n;
	json_object *o, *imgs, *stats;
	ig_buf used = { 0 };

	if (ig_images_of_job(job_id, &im, &n, err) != 0)
		return -1;
	imgs = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *j = json_object_new_object();
		char *url = ig_xasprintf("/generated_images/%s", im[i].filename);
		json_object_object_add(j, "id", json_object_new_string(im[i].id));
		json_object_object_add(j, "filename", json_object_new_string(im[i].filename));
		json_object_object_add(j, "url", json_object_new_string(url));
		json_object_object_add(j, "base64", g->b64 ? ig_image_b64(im[i].filename) : NULL);
		json_object_object_add(j, "width", json_object_new_int(im[i].width));
		json_object_object_add(j, "height", json_object_new_int(im[i].height));
		json_object_object_add(j, "seed", im[i].has_seed ? json_object_new_int64(im[i].seed) : NULL);
		json_object_object_add(j, "mime_type", json_object_new_string(im[i].mime_type));
		json_object_array_add(imgs, j);
		free(url);
	}
	ig_buf_puts(&used, g->req.prompt);
	if (g->req.negative_prompt != NULL)
		ig_buf_printf(&used, " --no %s", g->req.negative_prompt);
	o = ig_ok("images", imgs);
	json_object_object_add(o, "provider", json_object_new_string(g->provider));
	json_object_object_add(o, "model", json_object_new_string(g->req.model));
	json_object_object_add(o, "prompt_used", json_object_new_string(used.data));
	json_object_object_add(o, "cached", json_object_new_boolean(cached));
	json_object_object_add(o, "generation_id", json_object_new_string(job_id));
	stats = json_object_new_object();
	json_object_object_add(stats, "success_count", json_object_new_int(n));
	json_object_object_add(stats, "failed_count", json_object_new_int(g->req.count > n ? g->req.count - n : 0));
	json_object_object_add(stats, "total_time_ms", json_object_new_int64(ig_now_ms() - t0));
	json_object_object_add(o, "statistics", stats);
	ig_buf_free(&used);
	free(im);
	*out = o;
	return 200;
}

/* A succeeded job of the same request whose images the caller owns. */
static int
cached_job(ig_req *req, const ig_gen *g, char job_id[IG_UUID_BUF], ig_err *err)
{
	return ig_job_cached(g->cache_key, req->caller.authenticated ? req->caller.user_id : NULL, g->req.count,
	    job_id, err);
}

/* Wait for job_id to end; its status and error into *st. */
static int
await(const char *job_id, ig_wait *w, ig_job_state *st, ig_err *err)
{
	int64_t deadline = ig_now_ms() + (int64_t)ig_cfg()->generate_timeout * 1000;

	for (;;) {
		/* Notifications wake us at once; the periodic look covers a
		 * listener that was reconnecting. */
		int64_t slice = ig_now_ms() + 2000;
		int found;
		ig_waiter_wait(w, slice < deadline ? slice : deadline);
		found = ig_job_state_get(job_id, st, err);
		if (found < 0)
			return -1;
		if (found == 0) {
			snprintf(st->status, sizeof(st->status), "failed");
			snprintf(st->code, sizeof(st->code), "internal");
			snprintf(st->message, sizeof(st->message), "the job vanished");
		}
		if (strcmp(st->status, "queued") != 0 && strcmp(st->status, "running") != 0)
			return 0;
		if (ig_now_ms() >= deadline)
			return ig_err_set(err, IG_E_GATEWAY_TIMEOUT, NULL,
			    "the generation did not finish within %d s (IG_GENERATE_TIMEOUT); it goes on as %s",
			    ig_cfg()->generate_timeout, job_id);
	}
}

/* The error of a job that ended without images, as its caller sees it. */
static int
job_failed(ig_req *req, const char *provider, const char *code, const char *message, ig_err *err)
{
	ig_errcode ec = ig_err_from_name(code);

	if (ec == IG_E_RATE_LIMITED)
		ig_req_add_header(req, "Retry-After", "30");
	return ig_err_set(err, ec, NULL, "%s: %s", provider, message);
}

int
ig_gen_run(ig_req *req, ig_gen *g, char job_id[IG_UUID_BUF], int *cached, ig_err *err)
{
	ig_job_spec spec;
	unsigned char nonce[IG_SECRETBOX_NONCE], *sealed = NULL;
	size_t sealed_len = 0;
	char key_id[IG_UUID_BUF];
	ig_job_state st;
	ig_wait w;
	int rc = -1;

	*cached = 0;
	cache_key(g);
	if (!g->no_cache) {
		int hit = cached_job(req, g, job_id, err);
		if (hit != 0) {
			*cached = hit > 0;
			if (hit > 0)
				ig_idem_bind(g->idem, job_id, 1);
			return hit > 0 ? 0 : -1;
		}
	}
	/* Waiting for the job is what holds a thread; a cache hit did not. */
	if (ig_req_hold(req, err) != 0)
		goto out;
	memset(&spec, 0, sizeof(spec));
	if (ig_gen_resolve_key(req, g, g->req.count, &spec, nonce, &sealed, &sealed_len, key_id, err) != 0)
		goto out;
	ig_uuid4(job_id);
	spec.id = job_id;
	spec.user_id = req->caller.authenticated ? req->caller.user_id : NULL;
	spec.provider = g->provider;
	spec.model = g->req.model;
	spec.request = ig_gen_job_request(g);
	spec.cache_key = g->cache_key;
	spec.priority = SYNC_PRIORITY;
	/* Listen before the job exists: it may finish before we would. */
	ig_waiter_register(&w, job_id);
	rc = ig_job_enqueue(&spec, err);
	json_object_put(spec.request);
	if (rc != 0)
		ig_gen_uncharge(req, g);
	if (rc == 0) {
		/* From here on a retry with the key finds this job. */
		ig_idem_bind(g->idem, job_id, 0);
		rc = await(job_id, &w, &st, err);
	}
	ig_waiter_unregister(&w);
	if (rc != 0) {
		rc = -1;
		goto out;
	}
	if (strcmp(st.status, "succeeded") != 0) {
		rc = job_failed(req, g->provider, st.code, st.message, err);
		goto out;
	}
	rc = 0;
out:
	if (sealed != NULL) {
		sodium_memzero(sealed, sealed_len);
		free(sealed);
	}
	return rc;
}

static int generate(ig_req *req, const ig_field *table, const char *forced, json_object **out, ig_err *err);

/* POST /api/generate-image's fields (a workflow's generate step too). */
static const ig_field generate_image_fields[] = {
	GEN_HEAD,
	{ "api_provider", IG_F_STRING, 0, 1, 32, .at = IG_AT(struct gen_body, provider) },
	GEN_TAIL,
	IG_FIELDS_END
};

int
ig_gen_step(ig_req *req, json_object *step, const char *prompt, const char *prefix, ig_gen *g, ig_err *err)
{
	json_object *o = ig_fields_part(step, "op", "prompt", "prompt", prompt, prefix, err);
	int rc;

	if (o == NULL)
		return -1;
	ig_fields_keep(req, o);
	rc = validate_object(req, o, prefix, generate_image_fields, g, NULL, err);
	/* ig_gen_check names its fields bare: put the step's path before. */
	if (rc != 0)
		ig_fields_prefix(err, prefix);
	return rc;
}

int
ig_api_generate_image(ig_req *req, json_object **out, ig_err *err)
{
	return generate(req, generate_image_fields, NULL, out, err);
}

/* The provider-specific routes of API.md: the generate-image fields plus
 * that provider's own. */
int
ig_api_huggingface_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const ig_field table[] = {
		GEN_HEAD, GEN_TAIL,
		GEN_EXTRA(0, "num_inference_steps"), GEN_EXTRA(1, "guidance_scale"),
		IG_FIELDS_END
	};

	return generate(req, table, ig_provider_huggingface.name, out, err);
}

int
ig_api_replicate_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const ig_field table[] = {
		GEN_HEAD, GEN_TAIL,
		GEN_EXTRA(0, "version"), GEN_EXTRA(1, "input"),
		IG_FIELDS_END
	};

	return generate(req, table, ig_provider_replicate.name, out, err);
}

int
ig_api_local_ai_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const ig_field table[] = {
		GEN_HEAD, GEN_TAIL,
		GEN_EXTRA(0, "steps"), GEN_EXTRA(1, "cfg_scale"), GEN_EXTRA(2, "sampler_name"),
		IG_FIELDS_END
	};

	return generate(req, table, ig_provider_local_ai.name, out, err);
}

/* A repeat of a request whose Idempotency-Key is bound to a job (the first
 * one is still waiting, or answered 504): answered from that job, never by
 * a second one. */
static int
replay_job(ig_req *req, ig_gen *g, ig_idem *id, int64_t t0, json_object **out, ig_err *err)
{
	const ig_idem_rec *rec = &id->rec;

	if (strcmp(rec->job_status, "queued") == 0 || strcmp(rec->job_status, "running") == 0)
		return ig_idem_busy(req, rec->job_id, out);
	if (strcmp(rec->job_status, "succeeded") == 0) {
		g->provider = rec->provider;
		g->req.model = rec->model;
		return respond(g, rec->job_id, rec->cached, t0, out, err);
	}
	return job_failed(req, rec->provider, rec->job_code, rec->job_message, err);
}

static int
generate(ig_req *req, const ig_field *table, const char *forced, json_object **out, ig_err *err)
{
	int64_t t0 = ig_now_ms();
	ig_gen g;
	ig_idem id;
	char job_id[IG_UUID_BUF];
	int cached, rc = -1, replay, status = 0;

	if (ig_gen_allowed(req, err) != 0)
		return -1;
	memset(&g, 0, sizeof(g));
	if (validate(req, table, &g, forced, err) != 0)
		goto out;
	replay = ig_idem_begin(req, &id, &status, out, err);
	if (replay == 2) {
		rc = replay_job(req, &g, &id, t0, out, err);
	} else if (replay != 0) {
		rc = replay > 0 ? status : -1;
		goto out;
	} else {
		g.idem = &id;
		if (ig_gen_run(req, &g, job_id, &cached, err) == 0)
			rc = respond(&g, job_id, cached, t0, out, err);
	}
	ig_idem_end(req, &id, rc, rc >= 0 ? *out : NULL, err);
out:
	if (req->body != NULL)
		sodium_memzero((void *)req->body, req->body_len);
	json_object_put(g.req.extra);
	return rc;
}

int
ig_gen_allowed(ig_req *req, ig_err *err)
{
	if (req->caller.authenticated || ig_cfg()->allow_anonymous)
		return 0;
	ig_req_add_header(req, "WWW-Authenticate", "Bearer");
	return ig_err_set(err, IG_E_UNAUTHORIZED, NULL,
	    "generation needs Authorization: Bearer <access token or API key> (anonymous use is off)");
}
