/*
 * catalogue.c — GET /api/settings/api-providers: every provider as its
 * adapter declares it (models, sizes, limits, capabilities), whether the
 * server has a key (configured), whether the caller has one stored
 * (user_key, with a token), and the outcome of its latest job; and, to
 * this caller, whether it may use the provider without sending api_key and
 * why not (lib/jobs/serverkey.h: available, key_source, unavailable_reason,
 * open_models_allowed, server_key_remaining), with the caller's daily
 * server-key counts in server_keys.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "lib/auth/provider_key.h"
#include "lib/core/config.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"

static json_object *
declared(const ig_provider_ops *ops)
{
	json_object *p = json_object_new_object(), *models = json_object_new_array(), *sizes = NULL;

	for (const ig_model_decl *m = ops->models; m && m->id; m++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_string(m->id));
		json_object_object_add(e, "name", json_object_new_string(m->name ? m->name : m->id));
		json_object_object_add(e, "default", json_object_new_boolean(m->is_default));
		json_object_array_add(models, e);
	}
	if (ops->caps.sizes != NULL) {
		sizes = json_object_new_array();
		for (const char *const *s = ops->caps.sizes; *s; s++)
			json_object_array_add(sizes, json_object_new_string(*s));
	}
	json_object_object_add(p, "name", json_object_new_string(ops->name));
	json_object_object_add(p, "display_name", json_object_new_string(ops->display_name));
	json_object_object_add(p, "models", models);
	json_object_object_add(p, "sizes", sizes);
	json_object_object_add(p, "max_side", json_object_new_int(ops->caps.max_side));
	json_object_object_add(p, "max_images", json_object_new_int(ops->caps.max_images));
	json_object_object_add(p, "supports_negative_prompt", json_object_new_boolean(ops->caps.negative_prompt));
	json_object_object_add(p, "supports_seed", json_object_new_boolean(ops->caps.seed));
	json_object_object_add(p, "needs_key", json_object_new_boolean(ops->key.required));
	json_object_object_add(p, "open_models", json_object_new_boolean(ops->open_models));
	return p;
}

/* What a request of this caller without api_key would use for ops, and
 * whether it may (used: today's server-key counts, for a metered caller). */
static void
access_of(const ig_provider_ops *ops, const ig_sk_caller *who, int user_key, const int used[IG_SK__MAX],
    json_object *e)
{
	const char *source = "none";
	char why[256] = "";
	int available = 1, open_ok = 1, remaining = -1;

	if (!ops->key.required) {
		/* builtin, local_ai: no key of anyone's. */
	} else if (user_key) {
		source = "own";
	} else {
		ig_sk_verdict v = ig_server_key_allowed(who, ops->name, IG_SK_IMAGES, why, sizeof(why));
		if (v == IG_SK_DENIED) {
			available = open_ok = 0;
		} else {
			source = "server";
			if (v == IG_SK_METERED) {
				int cap = ig_server_key_cap(IG_SK_IMAGES);
				open_ok = 0;
				remaining = used[IG_SK_IMAGES] < cap ? cap - used[IG_SK_IMAGES] : 0;
				available = remaining > 0;
				if (!available)
					snprintf(why, sizeof(why), "you have used today's %d images on the server's keys "
					    "(IG_SERVER_KEY_DAILY_IMAGES); send your own api_key or wait for 00:00 UTC", cap);
			}
		}
	}
	json_object_object_add(e, "available", json_object_new_boolean(available));
	json_object_object_add(e, "key_source", json_object_new_string(source));
	json_object_object_add(e, "unavailable_reason", available ? NULL : json_object_new_string(why));
	json_object_object_add(e, "open_models_allowed", json_object_new_boolean(ops->open_models && open_ok));
	json_object_object_add(e, "server_key_remaining", remaining >= 0 ? json_object_new_int(remaining) : NULL);
}

/* {policy, metered, images, chats, resets_at}: IG_SERVER_KEYS and, for a
 * metered caller, {limit, used, remaining} of each daily cap. */
static json_object *
server_keys_of(int metered, const int used[IG_SK__MAX])
{
	json_object *o = json_object_new_object();
	char at[32];

	ig_server_key_reset_in(at, sizeof(at));
	json_object_object_add(o, "policy", json_object_new_string(ig_cfg()->server_keys));
	json_object_object_add(o, "metered", json_object_new_boolean(metered));
	for (int k = 0; k < IG_SK__MAX; k++) {
		json_object *c = NULL;
		if (metered) {
			int cap = ig_server_key_cap((ig_sk_kind)k);
			c = json_object_new_object();
			json_object_object_add(c, "limit", json_object_new_int(cap));
			json_object_object_add(c, "used", json_object_new_int(used[k]));
			json_object_object_add(c, "remaining", json_object_new_int(used[k] < cap ? cap - used[k] : 0));
		}
		json_object_object_add(o, k == IG_SK_IMAGES ? "images" : "chats", c);
	}
	json_object_object_add(o, "resets_at", json_object_new_string(at));
	return o;
}

json_object *
ig_catalogue_providers(const ig_req *req, const int has[], const int used[], const ig_job_outcome *last, int nlast)
{
	const char *user = req->caller.authenticated ? req->caller.user_id : NULL;
	ig_sk_caller who = { user, req->caller.is_admin };
	json_object *list = json_object_new_array();

	for (int i = 0; ig_providers[i] != NULL; i++) {
		const ig_provider_ops *ops = ig_providers[i];
		const ig_pconf *pc = ig_pconf_get(ops->name);
		json_object *e = declared(ops), *st = json_object_new_object();

		json_object_object_add(e, "configured", json_object_new_boolean(!ops->key.required ||
		    (pc != NULL && pc->api_key != NULL)));
		json_object_object_add(e, "user_key", req->caller.authenticated ? json_object_new_boolean(has[i]) : NULL);
		access_of(ops, &who, has[i], used, e);
		json_object_object_add(st, "last_job", NULL);
		json_object_object_add(st, "last_error", NULL);
		json_object_object_add(st, "at", NULL);
		for (int j = 0; j < nlast; j++) {
			if (strcmp(last[j].provider, ops->name) != 0)
				continue;
			json_object_object_add(st, "last_job", json_object_new_string(last[j].status));
			json_object_object_add(st, "last_error", *last[j].error_code ?
			    json_object_new_string(last[j].error_code) : NULL);
			json_object_object_add(st, "at", json_object_new_string(last[j].finished_at));
		}
		json_object_object_add(e, "status", st);
		json_object_array_add(list, e);
	}
	return list;
}

int
ig_api_providers_catalogue(ig_req *req, json_object **out, ig_err *err)
{
	const char *user = req->caller.authenticated ? req->caller.user_id : NULL;
	int used[IG_SK__MAX] = { 0 }, has[IG_PROVIDERS_MAX];
	int metered = user != NULL && !req->caller.is_admin && strcmp(ig_cfg()->server_keys, "users") == 0;
	ig_job_outcome *last;
	int nlast;

	if (metered && ig_server_key_used(user, used, err) != 0)
		return -1;
	if (ig_jobs_last_outcomes(&last, &nlast, err) != 0)
		return -1;
	if (ig_provider_key_held(user, has, err) != 0) {
		free(last);
		return -1;
	}
	*out = ig_ok("providers", ig_catalogue_providers(req, has, used, last, nlast));
	free(last);
	json_object_object_add(*out, "server_keys", server_keys_of(metered, used));
	return 200;
}
