/*
 * catalogue.c — GET /api/settings/api-providers: every provider as its
 * adapter declares it (models, sizes, limits, capabilities), whether the
 * server has a key (configured), whether the caller has one stored
 * (user_key, with a token), and the outcome of its latest job.
 */
#include "ig_autoconf.h"

#include <string.h>

#include "app/api/api.h"
#include "lib/db/db.h"
#include "lib/jobs/pconf.h"

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
	if (ops->sizes != NULL) {
		sizes = json_object_new_array();
		for (const char *const *s = ops->sizes; *s; s++)
			json_object_array_add(sizes, json_object_new_string(*s));
	}
	json_object_object_add(p, "name", json_object_new_string(ops->name));
	json_object_object_add(p, "display_name", json_object_new_string(ops->display_name));
	json_object_object_add(p, "models", models);
	json_object_object_add(p, "sizes", sizes);
	json_object_object_add(p, "max_side", json_object_new_int(ops->max_side));
	json_object_object_add(p, "max_images", json_object_new_int(ops->max_images));
	json_object_object_add(p, "supports_negative_prompt", json_object_new_boolean(ops->supports_negative_prompt));
	json_object_object_add(p, "supports_seed", json_object_new_boolean(ops->supports_seed));
	json_object_object_add(p, "needs_key", json_object_new_boolean(ops->needs_key));
	return p;
}

int
ig_api_providers_catalogue(ig_req *req, json_object **out, ig_err *err)
{
	const char *p[1] = { req->caller.authenticated ? req->caller.user_id : NULL };
	PGresult *last, *keys;
	json_object *list = json_object_new_array();

	last = ig_db_exec("SELECT DISTINCT ON (provider) provider, status, coalesce(error_code, ''), "
	    IG_SQL_TS("finished_at") " FROM jobs WHERE finished_at IS NOT NULL"
	    " ORDER BY provider, finished_at DESC", 0, NULL, IG_DB_IDEMPOTENT, err);
	if (last == NULL) {
		json_object_put(list);
		return -1;
	}
	keys = ig_db_exec("SELECT DISTINCT provider FROM provider_keys WHERE user_id = $1::uuid", 1, p,
	    IG_DB_IDEMPOTENT, err);
	if (keys == NULL) {
		PQclear(last);
		json_object_put(list);
		return -1;
	}
	for (int i = 0; ig_providers[i] != NULL; i++) {
		const ig_provider_ops *ops = ig_providers[i];
		const ig_pconf *pc = ig_pconf_get(ops->name);
		json_object *e = declared(ops), *st = json_object_new_object();
		int user_key = 0;

		for (int k = 0; k < PQntuples(keys); k++)
			user_key |= strcmp(PQgetvalue(keys, k, 0), ops->name) == 0;
		json_object_object_add(e, "configured", json_object_new_boolean(!ops->needs_key ||
		    (pc != NULL && pc->api_key != NULL)));
		json_object_object_add(e, "user_key", req->caller.authenticated ? json_object_new_boolean(user_key) : NULL);
		json_object_object_add(st, "last_job", NULL);
		json_object_object_add(st, "last_error", NULL);
		json_object_object_add(st, "at", NULL);
		for (int j = 0; j < PQntuples(last); j++) {
			if (strcmp(PQgetvalue(last, j, 0), ops->name) != 0)
				continue;
			json_object_object_add(st, "last_job", ig_pg_string(last, j, 1));
			json_object_object_add(st, "last_error", *PQgetvalue(last, j, 2) ? ig_pg_string(last, j, 2) : NULL);
			json_object_object_add(st, "at", ig_pg_string(last, j, 3));
		}
		json_object_object_add(e, "status", st);
		json_object_array_add(list, e);
	}
	PQclear(last);
	PQclear(keys);
	*out = ig_ok("providers", list);
	return 200;
}
