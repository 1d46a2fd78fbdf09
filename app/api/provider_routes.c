/*
 * provider_routes.c — the provider-specific model and status routes of
 * API.md "Generation": /api/huggingface/models and /api/replicate/models
 * from the adapters' declarations, /api/local_ai/models and
 * /api/local_ai/status from the AUTOMATIC1111 server IG_LOCAL_AI_URL
 * points at (asked now, not remembered). The server's address is an
 * internal detail of the deployment (often a host on a private network,
 * sometimes with credentials): only administrators see it, with its
 * password masked; everyone else sees whether it answers.
 */
#include "ig_autoconf.h"

#include "app/api/api.h"
#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"
#include "lib/providers/local_ai.h"

#define LOCAL_AI_TIMEOUT_MS 5000

/* An administrator acting as one: a session, or a key with the admin scope
 * (as the admin routes require). */
#define SEES_URL(req) ((req)->caller.is_admin && ((req)->caller.scopes & IG_SCOPE_ADMIN))
#define LOCAL_AI_MAX_BYTES (4L * 1024 * 1024)

static int
declared_models(const char *name, json_object **out)
{
	const ig_provider_ops *ops = ig_provider_find(name);
	json_object *list = json_object_new_array();

	for (const ig_model_decl *m = ops ? ops->models : NULL; m && m->id; m++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_string(m->id));
		json_object_object_add(e, "name", json_object_new_string(m->name ? m->name : m->id));
		json_object_object_add(e, "default", json_object_new_boolean(m->is_default));
		json_object_array_add(list, e);
	}
	*out = ig_ok("models", list);
	return 200;
}

int
ig_api_huggingface_models(ig_req *req, json_object **out, ig_err *err)
{
	(void)req;
	(void)err;
	return declared_models(ig_provider_huggingface.name, out);
}

int
ig_api_replicate_models(ig_req *req, json_object **out, ig_err *err)
{
	(void)req;
	(void)err;
	return declared_models(ig_provider_replicate.name, out);
}

/* Ask the local server for its checkpoints; *models gets the list or NULL
 * with err. *latency_ms gets the round trip. err names the server's
 * address only when show_url (the caller is an administrator). */
static int
local_models(json_object **models, double *latency_ms, int show_url, ig_err *err)
{
	const ig_pconf *pc = ig_pconf_get(ig_provider_local_ai.name);
	ig_http_req h = { 0 };
	ig_http_resp resp;
	ig_buf buf = { 0 };
	char ctype[128], *where = NULL;
	int64_t t0;
	int rc = -1;

	*models = NULL;
	if (pc == NULL || ig_provider_probe(pc->ops, pc->base_url, pc->api_key, &h) != 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "%s cannot be probed", ig_provider_local_ai.name);
	t0 = ig_now_us();
	if (ig_http_fetch(&h, pc, LOCAL_AI_TIMEOUT_MS, LOCAL_AI_MAX_BYTES, &resp, &buf, ctype, err) != 0)
		goto out;
	*latency_ms = (double)(ig_now_us() - t0) / 1000.0;
	if (resp.status != 200) {
		where = show_url ? ig_config_mask(pc->base_url) : NULL;
		ig_err_set(err, resp.timed_out ? IG_E_PROVIDER_TIMEOUT : IG_E_PROVIDER_ERROR, NULL,
		    resp.status ? "the local server%s%s answered %ld" : "the local server%s%s is not reachable",
		    where ? " at " : "", where ? where : "", resp.status);
		goto out;
	}
	*models = ig_local_ai_models(&resp, err);
	rc = *models ? 0 : -1;
out:
	free(where);
	ig_http_req_free(&h);
	ig_buf_free(&buf);
	return rc;
}

int
ig_api_local_ai_models(ig_req *req, json_object **out, ig_err *err)
{
	json_object *models;
	double latency;

	if (local_models(&models, &latency, SEES_URL(req), err) != 0)
		return -1;
	*out = ig_ok("models", models);
	return 200;
}

/* {reachable, models, latency_ms, error}, and for administrators url (its
 * password masked). */
int
ig_api_local_ai_status(ig_req *req, json_object **out, ig_err *err)
{
	const ig_pconf *pc = ig_pconf_get(ig_provider_local_ai.name);
	json_object *models;
	double latency = 0;
	ig_err why = { 0 };
	int up;

	(void)err;
	up = local_models(&models, &latency, SEES_URL(req), &why) == 0;
	*out = ig_ok("reachable", json_object_new_boolean(up));
	if (SEES_URL(req)) {
		char *url = ig_config_mask(pc ? pc->base_url : "");
		json_object_object_add(*out, "url", json_object_new_string(url));
		free(url);
	}
	json_object_object_add(*out, "models", up ? models : json_object_new_array());
	json_object_object_add(*out, "latency_ms", up ? json_object_new_double(latency) : NULL);
	json_object_object_add(*out, "error", up ? NULL : json_object_new_string(why.message));
	return 200;
}
