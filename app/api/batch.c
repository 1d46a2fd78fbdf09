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
#include "app/api/fields.h"
#include "app/api/generation.h"
#include "app/api/projects.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/jobs/batch.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"
#include "lib/jobs/webhook.h"
#include "lib/auth/ticket.h"
#include <time.h>

/* One prompt of the list given as an object (a string is just the prompt). */
struct item {
	const char *prompt, *negative_prompt;
	int64_t seed;
	int has_seed;
};

static const ig_field item_fields[] = {
	{ "prompt", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROMPT_MAX, .at = IG_AT(struct item, prompt) },
	{ "negative_prompt", IG_F_STRING, 0, 0, IG_NEGATIVE_PROMPT_MAX, .at = IG_AT(struct item, negative_prompt),
	  .msg = "{field} must be a string of at most {max} characters" },
	{ "seed", IG_F_INT, 0, 0, 4294967295LL, .at = IG_AT(struct item, seed), .has = IG_HAS(struct item, has_seed),
	  .msg = "{field} must be an integer from {min} to {max}" },
	IG_FIELDS_END
};

/* One prompt of the list: a string, or {prompt, negative_prompt, seed}. */
static int
read_item(json_object *v, size_t i, const ig_gen *g, json_object **req, ig_err *err)
{
	char field[96], prefix[32];
	struct item it = { NULL, g->req.negative_prompt, g->req.seed, g->req.has_seed };

	snprintf(prefix, sizeof(prefix), "prompts[%zu].", i);
	if (json_object_is_type(v, json_type_string)) {
		it.prompt = json_object_get_string(v);
		if (ig_utf8_len(it.prompt) < 1 || ig_utf8_len(it.prompt) > IG_PROMPT_MAX)
			goto bad_prompt;
	} else if (json_object_is_type(v, json_type_object)) {
		int had_seed = it.has_seed;
		it.has_seed = 0;
		if (ig_fields_object(v, item_fields, &it, prefix, err) != 0) {
			/* A bad prompt is the item's fault as a whole. */
			snprintf(field, sizeof(field), "%sprompt", prefix);
			if (strcmp(err->field, field) == 0)
				goto bad_prompt;
			return -1;
		}
		if (it.has_seed && !g->ops->caps.seed) {
			snprintf(field, sizeof(field), "%sseed", prefix);
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s does not take a seed", g->provider);
		}
		it.has_seed |= had_seed;
	} else {
		goto bad_prompt;
	}
	{
		ig_gen item = *g;
		item.req.prompt = it.prompt;
		item.req.negative_prompt = it.negative_prompt && *it.negative_prompt ? it.negative_prompt : NULL;
		item.req.has_seed = it.has_seed;
		item.req.seed = it.seed;
		*req = ig_gen_job_request(&item);
	}
	return 0;
bad_prompt:
	snprintf(field, sizeof(field), "prompts[%zu]", i);
	return ig_err_set(err, IG_E_INVALID_REQUEST, field,
	    "%s must be a prompt of 1 to %d characters, or {\"prompt\", \"negative_prompt\", \"seed\"}", field,
	    IG_PROMPT_MAX);
}

/* POST /api/batch/generate: the batch, and in settings the generate-image
 * fields that apply to every prompt. */
struct batch_body {
	json_object *prompts;
	const char *name, *callback_url;
	int per_item;
	/* settings */
	const char *provider, *model, *size, *api_key, *negative_prompt, *style, *quality, *project_id;
	int64_t count, seed;
	int has_seed;
};

/* prompts: 1 to IG_BATCH_MAX_PROMPTS. */
static int
check_prompts(void *dst, ig_err *err)
{
	size_t n = json_object_array_length(((struct batch_body *)dst)->prompts);
	int max = ig_cfg()->batch_max_prompts;

	if (n < 1 || n > (size_t)max)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "prompts",
		    "a batch has 1 to %d prompts (IG_BATCH_MAX_PROMPTS); this one has %zu", max, n);
	return 0;
}

static int
check_callback(void *dst, ig_err *err)
{
	return ig_batch_check_callback(((struct batch_body *)dst)->callback_url, err);
}

static int
check_api_key(void *dst, ig_err *err)
{
	return ig_provider_key_check(((struct batch_body *)dst)->api_key, err);
}

static const ig_field settings_fields[] = {
	{ "api_provider", IG_F_STRING, 0, 1, 32, .at = IG_AT(struct batch_body, provider) },
	{ "model", IG_F_STRING, 0, 1, 200, .at = IG_AT(struct batch_body, model) },
	{ "image_size", IG_F_STRING, 0, 3, 11, .at = IG_AT(struct batch_body, size) },
	{ "api_key", IG_F_STRING, 0, 1, IG_PROVIDER_KEY_MAX, .at = IG_AT(struct batch_body, api_key),
	  .check = check_api_key },
	{ "negative_prompt", IG_F_STRING, 0, 0, IG_NEGATIVE_PROMPT_MAX, .at = IG_AT(struct batch_body, negative_prompt) },
	{ "style", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct batch_body, style) },
	{ "quality", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct batch_body, quality) },
	{ "image_count", IG_F_INT, 0, 1, 10, .at = IG_AT(struct batch_body, count) },
	{ "project_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct batch_body, project_id) },
	{ "seed", IG_F_INT, 0, 0, 4294967295LL, .at = IG_AT(struct batch_body, seed),
	  .has = IG_HAS(struct batch_body, has_seed) },
	IG_FIELDS_END
};

static const ig_field batch_fields[] = {
	{ "prompts", IG_F_ARRAY, IG_F_REQUIRED, 0, 0, .at = IG_AT(struct batch_body, prompts),
	  .msg = "prompts must be an array of prompts", .check = check_prompts },
	{ "name", IG_F_STRING, 0, 1, 200, .at = IG_AT(struct batch_body, name) },
	{ "callback_url", IG_F_STRING, 0, 8, 2000, .at = IG_AT(struct batch_body, callback_url),
	  .check = check_callback },
	{ "webhook_per_item", IG_F_BOOL, 0, 0, 0, .at = IG_AT(struct batch_body, per_item) },
	{ "settings", IG_F_OBJECT, 0, 0, 0, .sub = settings_fields },
	IG_FIELDS_END
};

/* The settings read into g, checked against the provider's declaration. */
static int
settings_gen(ig_req *req, const struct batch_body *b, ig_gen *g, ig_err *err)
{
	static const ig_gen_fields fields = { "settings.api_provider", "settings.model", "settings.image_size",
		"settings.image_count" };

	memset(g, 0, sizeof(*g));
	g->provider = b->provider;
	g->api_key = b->api_key;
	g->req.negative_prompt = b->negative_prompt;
	g->req.style = b->style;
	g->req.quality = b->quality;
	g->req.count = (int)b->count;
	g->req.has_seed = b->has_seed;
	g->req.seed = b->has_seed ? b->seed : 0;
	g->project_id = b->project_id;
	if (ig_api_project_writable(req, b->project_id, err) != 0) {
		snprintf(err->field, sizeof(err->field), "settings.project_id");
		return -1;
	}
	return ig_gen_check(req, g, b->model, b->size, &fields, err);
}

int
ig_batch_check_callback(const char *url, ig_err *err)
{
	/* The full rule (scheme, every resolved address public, the allow
	 * list) lives with the sender, which applies it again at delivery. */
	return ig_webhook_check_url(url, err);
}

int
ig_batch_queue(ig_req *req, ig_gen *g, const char *name, const char *callback_url, int per_item, json_object *items,
    const char *key, json_object *value, char batch_id[IG_UUID_BUF], ig_err *err)
{
	int n = (int)json_object_array_length(items), open = 0, rc = -1;
	json_object *st = json_object_new_object();
	ig_job_spec spec;
	unsigned char nonce[IG_SECRETBOX_NONCE], *sealed = NULL;
	size_t sealed_len = 0;
	char key_id[IG_UUID_BUF];

	json_object_object_add(st, "api_provider", json_object_new_string(g->provider));
	json_object_object_add(st, "model", json_object_new_string(g->req.model));
	json_object_object_add(st, "image_size", json_object_new_string(g->size));
	json_object_object_add(st, key, value);
	if (ig_batch_open_items(req->caller.user_id, &open, err) != 0)
		goto out;
	if (open + n > ig_cfg()->batch_max_queued) {
		ig_req_add_header(req, "Retry-After", "60");
		ig_err_set(err, IG_E_RATE_LIMITED, "prompts",
		    "you have %d batch items waiting or running; %d more would pass the limit of %d (IG_BATCH_MAX_QUEUED)",
		    open, n, ig_cfg()->batch_max_queued);
		goto out;
	}
	memset(&spec, 0, sizeof(spec));
	if (ig_gen_resolve_key(req, g, n * g->req.count, &spec, nonce, &sealed, &sealed_len, key_id, err) != 0)
		goto out;
	ig_uuid4(batch_id);
	{
		ig_batch_new nb = { batch_id, req->caller.user_id, name, n, st, callback_url, per_item, items,
			g->provider, g->req.model, &spec };
		rc = ig_batch_insert(&nb, err);
	}
	if (rc != 0)
		ig_gen_uncharge(req, g);
out:
	if (sealed != NULL) {
		sodium_memzero(sealed, sealed_len);
		free(sealed);
	}
	json_object_put(st);
	return rc;
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
	struct batch_body b = { .count = 1 };
	json_object *items = NULL;
	int rc = -1;
	size_t n;
	ig_gen g;
	char batch_id[IG_UUID_BUF];

	if (ig_fields_body(req, batch_fields, &b, err) != 0 || settings_gen(req, &b, &g, err) != 0)
		goto out;
	n = json_object_array_length(b.prompts);
	items = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *ir = NULL;
		if (read_item(json_object_array_get_idx(b.prompts, i), i, &g, &ir, err) != 0)
			goto out;
		json_object_array_add(items, ir);
	}
	if (ig_batch_queue(req, &g, b.name, b.callback_url, b.per_item, items, "image_count",
	    json_object_new_int(g.req.count), batch_id, err) != 0)
		goto out;
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
	if (req->body != NULL)
		sodium_memzero((void *)req->body, req->body_len);
	json_object_put(items);
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

/* GET /api/batch?status=&limit=&cursor= */
struct list_query {
	int64_t limit;
	const char *cursor, *status;
};

static const ig_field list_query[] = {
	{ "limit", IG_F_INT, 0, 1, 100, .at = IG_AT(struct list_query, limit), .bytes = 15 },
	{ "cursor", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct list_query, cursor), .bytes = IG_PAGE_CURSOR_MAX - 1 },
	{ "status", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct list_query, status), .bytes = 15 },
	IG_FIELDS_END
};

int
ig_api_batch_list(ig_req *req, json_object **out, ig_err *err)
{
	struct list_query q = { 20, NULL, "" };
	char *next = NULL;
	ig_page pg;
	json_object *list;

	if (ig_fields_query(req, list_query, &q, err) != 0 ||
	    ig_page_open(&pg, IG_BATCH_PAGE_SCOPE, (int)q.limit, q.cursor, err) != 0)
		return -1;
	list = ig_batch_list(req->caller.user_id, q.status, &pg, &next, err);
	if (list == NULL)
		return -1;
	*out = ig_ok_page("batches", list, next);
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
	char *ids = NULL, provider[IG_PROVIDER_BUF], why[256];
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
