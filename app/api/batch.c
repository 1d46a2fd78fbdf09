/*
 * batch.c — the "Batches" part of API.md: submit (every prompt checked
 * first, then the batch and all its jobs inserted by one statement), status,
 * the items, the caller's batches, cancel and retry. Events and the ZIP
 * download are in batch_stream.c; the runners do the work.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/generation.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/jobs/batch.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"
#include "lib/jobs/webhook.h"
#include "lib/auth/ticket.h"
#include <time.h>

#define PROMPT_MAX 4000
#define NEGATIVE_MAX 2000

/* One prompt of the list: a string, or {prompt, negative_prompt, seed}. */
static int
read_item(json_object *v, size_t i, const ig_gen *g, json_object **req, ig_err *err)
{
	static const char *const keys[] = { "prompt", "negative_prompt", "seed", NULL };
	char field[96];
	const char *prompt = NULL, *neg = g->req.negative_prompt;
	int64_t seed = g->req.seed;
	int has_seed = g->req.has_seed, rc;

	if (json_object_is_type(v, json_type_string)) {
		prompt = json_object_get_string(v);
		if (ig_utf8_len(prompt) < 1 || ig_utf8_len(prompt) > PROMPT_MAX)
			goto bad_prompt;
	} else if (json_object_is_type(v, json_type_object)) {
		if (ig_json_only_keys(v, keys, err) != 0) {
			snprintf(field, sizeof(field), "prompts[%zu].%.30s", i, err->field);
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "unknown field %s", field);
		}
		if (ig_json_string(v, "prompt", 1, 1, PROMPT_MAX, &prompt, err) < 0)
			goto bad_prompt;
		if ((rc = ig_json_string(v, "negative_prompt", 0, 0, NEGATIVE_MAX, &neg, err)) < 0) {
			snprintf(field, sizeof(field), "prompts[%zu].negative_prompt", i);
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be a string of at most %d characters",
			    field, NEGATIVE_MAX);
		}
		if ((rc = ig_json_int(v, "seed", 0, 0, 4294967295LL, &seed, err)) < 0) {
			snprintf(field, sizeof(field), "prompts[%zu].seed", i);
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be an integer from 0 to 4294967295", field);
		}
		if (rc == 0) {
			has_seed = 1;
			if (!g->ops->caps.seed) {
				snprintf(field, sizeof(field), "prompts[%zu].seed", i);
				return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s does not take a seed", g->provider);
			}
		}
	} else {
		goto bad_prompt;
	}
	{
		ig_gen item = *g;
		item.req.prompt = prompt;
		item.req.negative_prompt = neg && *neg ? neg : NULL;
		item.req.has_seed = has_seed;
		item.req.seed = seed;
		*req = ig_gen_job_request(&item);
	}
	return 0;
bad_prompt:
	snprintf(field, sizeof(field), "prompts[%zu]", i);
	return ig_err_set(err, IG_E_INVALID_REQUEST, field,
	    "%s must be a prompt of 1 to %d characters, or {\"prompt\", \"negative_prompt\", \"seed\"}", field, PROMPT_MAX);
}

/* settings: the generate-image fields that apply to every prompt. */
static int
read_settings(ig_req *req, json_object *s, ig_gen *g, ig_err *err)
{
	static const char *const keys[] = { "image_size", "api_provider", "api_key", "model", "image_count",
		"negative_prompt", "seed", "style", "quality", NULL };
	static const ig_gen_fields fields = { "settings.api_provider", "settings.model", "settings.image_size",
		"settings.image_count" };
	const char *model = NULL, *size = NULL;
	int64_t n;
	int rc;

	memset(g, 0, sizeof(*g));
	g->req.count = 1;
	if (s == NULL)
		return ig_gen_check(req, g, NULL, NULL, &fields, err);
	if (!json_object_is_type(s, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "settings", "settings must be an object");
	if (ig_json_only_keys(s, keys, err) != 0) {
		char f[64];
		snprintf(f, sizeof(f), "settings.%.40s", err->field);
		return ig_err_set(err, IG_E_INVALID_REQUEST, f, "unknown field %s", f);
	}
	if (ig_json_string(s, "api_provider", 0, 1, 32, &g->provider, err) < 0 ||
	    ig_json_string(s, "model", 0, 1, 200, &model, err) < 0 ||
	    ig_json_string(s, "image_size", 0, 3, 11, &size, err) < 0 ||
	    ig_json_string(s, "api_key", 0, 1, IG_PROVIDER_KEY_MAX, &g->api_key, err) < 0 ||
	    (g->api_key != NULL && ig_provider_key_check(g->api_key, err) != 0) ||
	    ig_json_string(s, "negative_prompt", 0, 0, NEGATIVE_MAX, &g->req.negative_prompt, err) < 0 ||
	    ig_json_string(s, "style", 0, 1, 50, &g->req.style, err) < 0 ||
	    ig_json_string(s, "quality", 0, 1, 50, &g->req.quality, err) < 0)
		goto prefix;
	if ((rc = ig_json_int(s, "image_count", 0, 1, 10, &n, err)) < 0)
		goto prefix;
	g->req.count = rc == 0 ? (int)n : 1;
	if ((rc = ig_json_int(s, "seed", 0, 0, 4294967295LL, &n, err)) < 0)
		goto prefix;
	g->req.has_seed = rc == 0;
	g->req.seed = rc == 0 ? n : 0;
	return ig_gen_check(req, g, model, size, &fields, err);
prefix:
	{
		char f[sizeof(err->field)];
		snprintf(f, sizeof(f), "settings.%.40s", err->field);
		memcpy(err->field, f, sizeof(f));
	}
	return -1;
}

int
ig_batch_check_callback(const char *url, ig_err *err)
{
	/* The full rule (scheme, every resolved address public, the allow
	 * list) lives with the sender, which applies it again at delivery. */
	return ig_webhook_check_url(url, err);
}

static int batch_generate(ig_req *req, json_object **out, ig_err *err);

int
ig_api_batch_generate(ig_req *req, json_object **out, ig_err *err)
{
	ig_idem id;
	int status = 0, rc = ig_idem_begin(req, &id, &status, out, err);

	if (rc != 0)
		return rc > 0 ? status : -1;
	rc = batch_generate(req, out, err);
	ig_idem_end(req, &id, rc, rc >= 0 ? *out : NULL, err);
	return rc;
}

static int
batch_generate(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "prompts", "settings", "name", "callback_url", "webhook_per_item", NULL };
	const ig_config *c = ig_cfg();
	json_object *b = ig_body_object(req, keys, err), *prompts, *settings = NULL, *items = NULL;
	const char *name = NULL, *callback = NULL;
	int per_item = 0, open = 0, rc = -1;
	size_t n;
	ig_gen g;
	ig_job_spec spec;
	unsigned char nonce[IG_SECRETBOX_NONCE], *sealed = NULL;
	size_t sealed_len = 0;
	char key_id[37], batch_id[37];

	if (b == NULL)
		return -1;
	if (!json_object_object_get_ex(b, "prompts", &prompts) || prompts == NULL ||
	    !json_object_is_type(prompts, json_type_array)) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "prompts", "prompts must be an array of prompts");
		goto out;
	}
	n = json_object_array_length(prompts);
	if (n < 1 || n > (size_t)c->batch_max_prompts) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "prompts", "a batch has 1 to %d prompts (IG_BATCH_MAX_PROMPTS); this one has %zu",
		    c->batch_max_prompts, n);
		goto out;
	}
	if (ig_json_string(b, "name", 0, 1, 200, &name, err) < 0 ||
	    ig_json_string(b, "callback_url", 0, 8, 2000, &callback, err) < 0 ||
	    ig_json_bool(b, "webhook_per_item", 0, &per_item, err) < 0)
		goto out;
	if (callback != NULL && ig_batch_check_callback(callback, err) != 0)
		goto out;
	json_object_object_get_ex(b, "settings", &settings);
	if (read_settings(req, settings, &g, err) != 0)
		goto out;
	items = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *ir = NULL;
		if (read_item(json_object_array_get_idx(prompts, i), i, &g, &ir, err) != 0)
			goto out;
		json_object_array_add(items, ir);
	}
	if (ig_batch_open_items(req->caller.user_id, &open, err) != 0)
		goto out;
	if (open + (int)n > c->batch_max_queued) {
		ig_req_add_header(req, "Retry-After", "60");
		ig_err_set(err, IG_E_RATE_LIMITED, "prompts",
		    "you have %d batch items waiting or running; %zu more would pass the limit of %d (IG_BATCH_MAX_QUEUED)",
		    open, n, c->batch_max_queued);
		goto out;
	}
	memset(&spec, 0, sizeof(spec));
	if (ig_gen_resolve_key(req, &g, (int)n * g.req.count, &spec, nonce, &sealed, &sealed_len, key_id, err) != 0)
		goto out;
	ig_uuid4(batch_id);
	{
		json_object *st = json_object_new_object();
		ig_batch_new nb = { batch_id, req->caller.user_id, name, (int)n, st, callback, per_item, items,
			g.provider, g.req.model, &spec };
		json_object_object_add(st, "api_provider", json_object_new_string(g.provider));
		json_object_object_add(st, "model", json_object_new_string(g.req.model));
		json_object_object_add(st, "image_size", json_object_new_string(g.size));
		json_object_object_add(st, "image_count", json_object_new_int(g.req.count));
		rc = ig_batch_insert(&nb, err);
		json_object_put(st);
		if (rc != 0) {
			ig_gen_uncharge(req, &g);
			goto out;
		}
	}
	{
		char *url = ig_xasprintf("/api/batch/status/%s", batch_id);
		*out = ig_ok("batch_id", json_object_new_string(batch_id));
		json_object_object_add(*out, "status", json_object_new_string("queued"));
		json_object_object_add(*out, "total", json_object_new_int((int)n));
		json_object_object_add(*out, "status_url", json_object_new_string(url));
		free(url);
	}
	rc = 202;
out:
	if (sealed != NULL) {
		sodium_memzero(sealed, sealed_len);
		free(sealed);
	}
	if (req->body != NULL)
		sodium_memzero((void *)req->body, req->body_len);
	json_object_put(items);
	json_object_put(b);
	return rc;
}

/* 404 unless the batch in the path is the caller's (never 403: ids do not leak). */
static int
own(ig_req *req, const char **id, ig_err *err)
{
	int rc;

	*id = ig_req_param(req, "batch_id");
	rc = ig_batch_owned(*id, req->caller.user_id, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
	return 0;
}

static int
status_of(ig_req *req, int with_items, json_object **out, ig_err *err)
{
	const char *id;
	json_object *st;

	if (own(req, &id, err) != 0)
		return -1;
	st = ig_batch_status(id, with_items, err);
	if (st == NULL)
		return -1;
	json_object_object_add(st, "success", json_object_new_boolean(1));
	*out = st;
	return 200;
}

int
ig_api_batch_status(ig_req *req, json_object **out, ig_err *err)
{
	return status_of(req, 0, out, err);
}

int
ig_api_batch_get(ig_req *req, json_object **out, ig_err *err)
{
	return status_of(req, 1, out, err);
}

int
ig_api_batch_list(ig_req *req, json_object **out, ig_err *err)
{
	char cursor[IG_PAGE_CURSOR_MAX], status[16] = "", *next = NULL;
	int limit, rc;
	ig_page pg;
	json_object *list;

	if (ig_query_limit(req, 20, 100, &limit, err) != 0)
		return -1;
	if ((rc = ig_query_param(req, "cursor", cursor, sizeof(cursor), err)) < 0)
		return -1;
	if (ig_page_open(&pg, IG_BATCH_PAGE_SCOPE, limit, rc == 1 ? cursor : NULL, err) != 0)
		return -1;
	if (ig_query_param(req, "status", status, sizeof(status), err) < 0)
		return -1;
	list = ig_batch_list(req->caller.user_id, status, &pg, &next, err);
	if (list == NULL)
		return -1;
	*out = ig_ok("batches", list);
	json_object_object_add(*out, "next_cursor", next ? json_object_new_string(next) : NULL);
	free(next);
	return 200;
}

/* Waiting items end now; running ones are flagged and their runners told
 * (NOTIFY), which abandon the provider call and keep nothing; a batch with
 * nothing left running is closed here. A finished batch stays as it was. */
int
ig_api_batch_cancel(ig_req *req, json_object **out, ig_err *err)
{
	const char *id;
	int n;

	if (own(req, &id, err) != 0 || ig_batch_cancel(id, &n, err) != 0)
		return -1;
	*out = ig_ok("canceled", json_object_new_int(n));
	json_object_object_add(*out, "batch_id", json_object_new_string(id));
	return 200;
}

/* Failed items only go back to the queue. Those on the server's key run
 * on it again, so they are counted again (lib/jobs/serverkey.h): refused
 * whole (403, 429) when the caller may no longer use it or they do not
 * fit in the day's cap. */
int
ig_api_batch_retry(ig_req *req, json_object **out, ig_err *err)
{
	ig_sk_caller who = { req->caller.user_id, req->caller.is_admin };
	const char *id;
	char *ids = NULL, provider[32], why[256];
	int images = 0, charged = 0, retried = 0, server_images = 0, retry_after, rc = -1;

	if (own(req, &id, err) != 0)
		return -1;
	if (ig_batch_failed_on_server_key(id, &ids, &images, provider, err) != 0)
		return -1;
	if (images > 0) {
		ig_sk_verdict v = ig_server_key_allowed(&who, provider, IG_SK_IMAGES, why, sizeof(why));
		if (v == IG_SK_DENIED) {
			ig_err_set(err, IG_E_FORBIDDEN, "api_key", "%s", why);
			goto out;
		}
		if (v == IG_SK_METERED) {
			if (ig_server_key_charge(who.user_id, IG_SK_IMAGES, images, NULL, &retry_after, err) != 0) {
				if (retry_after > 0) {
					char ra[16];
					snprintf(ra, sizeof(ra), "%d", retry_after);
					ig_req_add_header(req, "Retry-After", ra);
				}
				goto out;
			}
			charged = images;
		}
	}
	if (ig_batch_retry_failed(id, ids, &retried, &server_images, err) != 0)
		goto out;
	/* Another retry may have taken some of them first. */
	if (charged > server_images)
		(void)ig_server_key_refund(who.user_id, IG_SK_IMAGES, charged - server_images, &(ig_err){ 0 });
	charged = 0;
	*out = ig_ok("retried", json_object_new_int(retried));
	json_object_object_add(*out, "batch_id", json_object_new_string(id));
	rc = 200;
out:
	if (charged > 0)
		(void)ig_server_key_refund(who.user_id, IG_SK_IMAGES, charged, &(ig_err){ 0 });
	free(ids);
	return rc;
}

/* POST /api/batch/{batch_id}/events-ticket: a 60-second ticket for the
 * batch's event stream, for a browser's EventSource (which cannot send
 * Authorization). */
int
ig_api_batch_events_ticket(ig_req *req, json_object **out, ig_err *err)
{
	const char *id;
	char ticket[IG_TICKET_MAX];
	char *url;

	if (own(req, &id, err) != 0)
		return -1;
	if (ig_ticket_make("batch-events", id, req->caller.user_id, (int64_t)time(NULL), 60, ticket) != 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
	url = ig_xasprintf("/api/batch/%s/events?ticket=%s", id, ticket);
	*out = ig_ok("ticket", json_object_new_string(ticket));
	json_object_object_add(*out, "expires_in", json_object_new_int(60));
	json_object_object_add(*out, "url", json_object_new_string(url));
	free(url);
	return 201;
}
