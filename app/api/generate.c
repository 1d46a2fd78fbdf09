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
#include "app/api/generation.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/db/db.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"
#include "lib/jobs/waiter.h"

#define PROMPT_MAX 4000
#define NEGATIVE_MAX 2000
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
	PGresult *r = req->caller_row;
	json_object *prefs, *v;
	ig_err err;
	static __thread char buf[32];
	const char *pj;

	if (r == NULL)
		return NULL;
	pj = PQgetvalue(r, 0, req->caller_col + 7);
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

/* Read the seed's request fields (API.md "Generation") into g; a
 * provider-specific route fixes the provider and adds its own fields
 * (extras, handed to the adapter, which checks them). */
static int
validate(ig_req *req, json_object *b, ig_gen *g, const char *forced, const char *const *extras, ig_err *err)
{
	static const ig_gen_fields fields = { "api_provider", "model", "image_size", "image_count" };
	const char *s = NULL, *model = NULL, *size = NULL;
	int64_t n;
	int rc;

	memset(g, 0, sizeof(*g));
	if (ig_json_string(b, "prompt", 1, 1, PROMPT_MAX, &g->req.prompt, err) < 0)
		return -1;
	if (ig_json_string(b, "negative_prompt", 0, 0, NEGATIVE_MAX, &g->req.negative_prompt, err) < 0)
		return -1;
	if (g->req.negative_prompt != NULL && *g->req.negative_prompt == '\0')
		g->req.negative_prompt = NULL;
	if (ig_json_string(b, "api_provider", 0, 1, 32, &g->provider, err) < 0 ||
	    ig_json_string(b, "model", 0, 1, 200, &model, err) < 0 ||
	    ig_json_string(b, "image_size", 0, 3, 11, &size, err) < 0)
		return -1;
	rc = ig_json_int(b, "image_count", 0, 1, 10, &n, err);
	if (rc < 0)
		return -1;
	g->req.count = rc == 0 ? (int)n : 1;
	rc = ig_json_int(b, "seed", 0, 0, 4294967295LL, &n, err);
	if (rc < 0)
		return -1;
	g->req.has_seed = rc == 0;
	g->req.seed = rc == 0 ? n : 0;
	if (ig_json_string(b, "style", 0, 1, 50, &g->req.style, err) < 0 ||
	    ig_json_string(b, "quality", 0, 1, 50, &g->req.quality, err) < 0)
		return -1;
	rc = ig_json_string(b, "response_format", 0, 1, 16, &s, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && strcmp(s, "url") != 0 && strcmp(s, "b64_json") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "response_format", "response_format must be url or b64_json");
	g->b64 = rc == 0 && strcmp(s, "b64_json") == 0;
	if (ig_json_bool(b, "no_cache", 0, &g->no_cache, err) < 0)
		return -1;
	if (ig_json_string(b, "api_key", 0, 1, IG_PROVIDER_KEY_MAX, &g->api_key, err) < 0 ||
	    (g->api_key != NULL && ig_provider_key_check(g->api_key, err) != 0))
		return -1;
	if (forced != NULL)
		g->provider = forced;
	for (int i = 0; extras && extras[i]; i++) {
		json_object *v;
		if (!json_object_object_get_ex(b, extras[i], &v) || v == NULL)
			continue;
		if (g->req.extra == NULL)
			g->req.extra = json_object_new_object();
		json_object_object_add(g->req.extra, extras[i], json_object_get(v));
	}
	return ig_gen_check(req, g, model, size, &fields, err);
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
    unsigned char **sealed, size_t *sealed_len, char key_id[37], ig_err *err)
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
		const char *p[2] = { req->caller.user_id, g->provider };
		PGresult *r = ig_db_exec("SELECT id FROM provider_keys WHERE user_id = $1 AND provider = $2"
		    " ORDER BY created_at DESC LIMIT 1", 2, p, IG_DB_IDEMPOTENT, err);
		if (r == NULL)
			return -1;
		if (PQntuples(r) == 1) {
			snprintf(key_id, 37, "%s", PQgetvalue(r, 0, 0));
			spec->key_source = "stored";
			spec->key_id = key_id;
			PQclear(r);
			return 0;
		}
		PQclear(r);
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
	return o;
}

/* The seed's response for the images of job_id. */
static int
respond(const ig_gen *g, const char *job_id, int cached, int64_t t0, json_object **out, ig_err *err)
{
	const char *p[1] = { job_id };
	PGresult *r = ig_db_exec("SELECT id, filename, width, height, seed, mime_type FROM images"
	    " WHERE job_id = $1 ORDER BY idx", 1, p, IG_DB_IDEMPOTENT, err);
	json_object *o, *imgs, *stats;
	ig_buf used = { 0 };

	if (r == NULL)
		return -1;
	imgs = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_object *im = json_object_new_object();
		char *url = ig_xasprintf("/generated_images/%s", PQgetvalue(r, i, 1));
		json_object_object_add(im, "id", ig_pg_string(r, i, 0));
		json_object_object_add(im, "filename", ig_pg_string(r, i, 1));
		json_object_object_add(im, "url", json_object_new_string(url));
		json_object_object_add(im, "base64", g->b64 ? ig_image_b64(PQgetvalue(r, i, 1)) : NULL);
		json_object_object_add(im, "width", json_object_new_int(atoi(PQgetvalue(r, i, 2))));
		json_object_object_add(im, "height", json_object_new_int(atoi(PQgetvalue(r, i, 3))));
		json_object_object_add(im, "seed", PQgetisnull(r, i, 4) ? NULL :
		    json_object_new_int64(strtoll(PQgetvalue(r, i, 4), NULL, 10)));
		json_object_object_add(im, "mime_type", ig_pg_string(r, i, 5));
		json_object_array_add(imgs, im);
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
	json_object_object_add(stats, "success_count", json_object_new_int(PQntuples(r)));
	json_object_object_add(stats, "failed_count", json_object_new_int(g->req.count > PQntuples(r) ? g->req.count - PQntuples(r) : 0));
	json_object_object_add(stats, "total_time_ms", json_object_new_int64(ig_now_ms() - t0));
	json_object_object_add(o, "statistics", stats);
	ig_buf_free(&used);
	PQclear(r);
	*out = o;
	return 200;
}

/* A succeeded job of the same request whose images the caller owns. */
static int
cached_job(ig_req *req, const ig_gen *g, char job_id[37], ig_err *err)
{
	char count[16];
	const char *p[3] = { g->cache_key, req->caller.authenticated ? req->caller.user_id : NULL, count };
	PGresult *r;
	int found;

	snprintf(count, sizeof(count), "%d", g->req.count);
	r = ig_db_exec("SELECT j.id FROM jobs j WHERE j.cache_key = $1 AND j.status = 'succeeded'"
	    " AND j.user_id IS NOT DISTINCT FROM $2::uuid"
	    " AND (SELECT count(*) FROM images i WHERE i.job_id = j.id) = $3::int"
	    " ORDER BY j.finished_at DESC LIMIT 1", 3, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found)
		snprintf(job_id, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

/* Wait for job_id to end; its status and error into the outputs. */
static int
await(const char *job_id, ig_wait *w, char status[16], char code[64], char message[256], ig_err *err)
{
	int64_t deadline = ig_now_ms() + (int64_t)ig_cfg()->generate_timeout * 1000;
	const char *p[1] = { job_id };

	for (;;) {
		/* Notifications wake us at once; the periodic look covers a
		 * listener that was reconnecting. */
		int64_t slice = ig_now_ms() + 2000;
		ig_waiter_wait(w, slice < deadline ? slice : deadline);
		PGresult *r = ig_db_exec("SELECT status, coalesce(error_code, ''), coalesce(error_message, '')"
		    " FROM jobs WHERE id = $1", 1, p, IG_DB_IDEMPOTENT, err);
		if (r == NULL)
			return -1;
		snprintf(status, 16, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "failed");
		snprintf(code, 64, "%s", PQntuples(r) ? PQgetvalue(r, 0, 1) : "internal");
		snprintf(message, 256, "%s", PQntuples(r) ? PQgetvalue(r, 0, 2) : "the job vanished");
		PQclear(r);
		if (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0)
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
ig_gen_run(ig_req *req, ig_gen *g, char job_id[37], int *cached, ig_err *err)
{
	ig_job_spec spec;
	unsigned char nonce[IG_SECRETBOX_NONCE], *sealed = NULL;
	size_t sealed_len = 0;
	char key_id[37], status[16], code[64], message[256];
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
		rc = await(job_id, &w, status, code, message, err);
	}
	ig_waiter_unregister(&w);
	if (rc != 0) {
		rc = -1;
		goto out;
	}
	if (strcmp(status, "succeeded") != 0) {
		rc = job_failed(req, g->provider, code, message, err);
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

#define SEED_KEYS "prompt", "negative_prompt", "image_size", "image_count", "api_key", "model", "seed", \
	"style", "quality", "response_format", "no_cache"

static int generate(ig_req *req, const char *const *keys, const char *forced, const char *const *extras,
    json_object **out, ig_err *err);

int
ig_api_generate_image(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { SEED_KEYS, "api_provider", NULL };

	return generate(req, keys, NULL, NULL, out, err);
}

/* The provider-specific routes of API.md: the generate-image fields plus
 * that provider's own. */
int
ig_api_huggingface_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { SEED_KEYS, "num_inference_steps", "guidance_scale", NULL };
	static const char *const extras[] = { "num_inference_steps", "guidance_scale", NULL };

	return generate(req, keys, ig_provider_huggingface.name, extras, out, err);
}

int
ig_api_replicate_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { SEED_KEYS, "version", "input", NULL };
	static const char *const extras[] = { "version", "input", NULL };

	return generate(req, keys, ig_provider_replicate.name, extras, out, err);
}

int
ig_api_local_ai_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { SEED_KEYS, "steps", "cfg_scale", "sampler_name", NULL };
	static const char *const extras[] = { "steps", "cfg_scale", "sampler_name", NULL };

	return generate(req, keys, ig_provider_local_ai.name, extras, out, err);
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
generate(ig_req *req, const char *const *keys, const char *forced, const char *const *extras,
    json_object **out, ig_err *err)
{
	int64_t t0 = ig_now_ms();
	json_object *b = NULL;
	ig_gen g;
	ig_idem id;
	char job_id[37];
	int cached, rc = -1, replay, status = 0;

	if (ig_gen_allowed(req, err) != 0)
		return -1;
	memset(&g, 0, sizeof(g));
	b = ig_body_object(req, keys, err);
	if (b == NULL || validate(req, b, &g, forced, extras, err) != 0)
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
	json_object_put(b);
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
