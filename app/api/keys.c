/*
 * keys.c — personal API keys and stored provider keys (API.md "Accounts and
 * keys"). A personal key is shown once and kept as its SHA-256; a provider
 * key is sealed with crypto_secretbox and only its last four characters
 * ever leave the server. The tables are lib/auth/apikey.c's and
 * lib/auth/provider_key.c's; this file reads requests and writes answers.
 */
#include "ig_autoconf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/auth/apikey.h"
#include "lib/auth/provider_key.h"
#include "lib/auth/secretbox.h"
#include "lib/core/json.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"
#include "lib/providers/provider.h"

static const char *const scope_names[] = { "read", "generate", "admin", NULL };

/* A key's JSON object (ig_out_json), in the order of API.md. */
static const ig_out api_key_out[] = {
	IG_OUT(ig_api_key, id), IG_OUT(ig_api_key, name), IG_OUT(ig_api_key, prefix), IG_OUT_CSV(ig_api_key, scopes),
	IG_OUT(ig_api_key, created_at), IG_OUT(ig_api_key, last_used_at), IG_OUT(ig_api_key, expires_at),
	IG_OUT_END
};
static const ig_out provider_key_out[] = {
	IG_OUT(ig_provider_key, id), IG_OUT(ig_provider_key, provider), IG_OUT(ig_provider_key, name),
	IG_OUT(ig_provider_key, last4), IG_OUT(ig_provider_key, created_at), IG_OUT(ig_provider_key, last_used_at),
	IG_OUT_END
};
/* What the caller's activity records of a key made or ended: what names
 * it to its owner, never the secret or its last four. */
static const ig_out api_key_event[] = {
	IG_OUT(ig_api_key, id), IG_OUT(ig_api_key, name), IG_OUT(ig_api_key, prefix), IG_OUT_END
};
static const ig_out provider_key_event[] = {
	IG_OUT(ig_provider_key, id), IG_OUT(ig_provider_key, provider), IG_OUT_END
};

int
ig_api_keys_list(ig_req *req, json_object **out, ig_err *err)
{
	ig_api_key *a;
	ig_provider_key *b;
	int na, nb;
	json_object *la, *lb;

	if (ig_api_key_list(req->caller.user_id, &a, &na, err) != 0)
		return -1;
	if (ig_provider_key_list(req->caller.user_id, &b, &nb, err) != 0) {
		free(a);
		return -1;
	}
	la = json_object_new_array();
	for (int i = 0; i < na; i++)
		json_object_array_add(la, ig_out_json(&a[i], api_key_out));
	lb = json_object_new_array();
	for (int i = 0; i < nb; i++)
		json_object_array_add(lb, ig_out_json(&b[i], provider_key_out));
	*out = ig_ok("api_keys", la);
	json_object_object_add(*out, "provider_keys", lb);
	free(a);
	free(b);
	return 200;
}

#define SCOPES_MSG "scopes must be a non-empty array of read, generate, admin"

/* The body of POST /api/keys. */
struct key_new {
	const char *name;
	json_object *scopes;
	int64_t expires_in;         /* 0: never */
	char csv[64];               /* the scopes, comma-separated */
};

/* scopes: known scope names, each once, into csv (default read+generate). */
static int
check_scopes(void *dst, ig_err *err)
{
	struct key_new *k = dst;
	size_t n = json_object_array_length(k->scopes);

	k->csv[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(k->scopes, i));
		char probe[16], have[sizeof(k->csv) + 2];
		size_t used = strlen(k->csv);
		if (!ig_str_in(v, scope_names))
			return ig_err_set(err, IG_E_INVALID_REQUEST, "scopes", SCOPES_MSG);
		snprintf(probe, sizeof(probe), ",%s,", v);
		snprintf(have, sizeof(have), ",%s,", k->csv);
		if (strstr(have, probe) != NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "scopes", "scope %s is listed twice", v);
		snprintf(k->csv + used, sizeof(k->csv) - used, "%s%s", used ? "," : "", v);
	}
	return 0;
}

static const ig_field key_new_body[] = {
	{ "name", IG_F_STRING, IG_F_REQUIRED, 1, IG_KEY_NAME_MAX, .at = IG_AT(struct key_new, name) },
	{ "scopes", IG_F_STRINGS, 0, 1, 3, .at = IG_AT(struct key_new, scopes), .msg = SCOPES_MSG,
	  .check = check_scopes },
	{ "expires_in", IG_F_INT, 0, 60, 31536000, .at = IG_AT(struct key_new, expires_in) },
	IG_FIELDS_END
};

int
ig_api_keys_create(ig_req *req, json_object **out, ig_err *err)
{
	struct key_new b = { .csv = "read,generate" };
	char key[IG_APIKEY_LEN + 1];
	ig_api_key made;
	json_object *k;

	if (ig_fields_body(req, key_new_body, &b, err) != 0 ||
	    ig_api_key_create(req->caller.user_id, b.name, b.csv, (long long)b.expires_in, key, &made, err) != 0)
		return -1;
	k = ig_out_json(&made, api_key_out);
	json_object_object_add(k, "success", json_object_new_boolean(1));
	json_object_object_add(k, "key", json_object_new_string(key));
	*out = k;
	ig_activity(req, req->caller.user_id, "api_key_created", ig_out_json(&made, api_key_event));
	sodium_memzero(key, sizeof(key));
	return 201;
}

/* The route's {id}, when it can name a key; else 404 in err. */
static const char *
key_param(ig_req *req, ig_err *err)
{
	const char *id = ig_req_param(req, "id");

	if (!ig_is_uuid(id)) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such key");
		return NULL;
	}
	return id;
}

/* A lib answer of 0, 1 (no such key of the caller's: 404) or -1. */
static int
found(int rc, ig_err *err)
{
	return rc == 1 ? ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such key") : rc;
}

/*
 * The end of a DELETE of one of the caller's keys, either kind. rc is the
 * lib's answer: 0, the key is gone and filled in; 1, no such key of the
 * caller's (404); -1 with err. On 0 the caller's activity records kind with
 * the key's event members, and the answer is {success: true}. 200 or -1.
 */
static int
key_gone(ig_req *req, int rc, const char *kind, const void *key, const ig_out *event, json_object **out,
    ig_err *err)
{
	if (found(rc, err) != 0)
		return -1;
	ig_activity(req, req->caller.user_id, kind, ig_out_json(key, event));
	*out = ig_ok(NULL, NULL);
	return 200;
}

int
ig_api_keys_delete(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = key_param(req, err);
	ig_api_key k;
	int rc = id == NULL ? -1 : ig_api_key_revoke(id, req->caller.user_id, &k, err);

	return key_gone(req, rc, "api_key_revoked", &k, api_key_event, out, err);
}

/* The body of POST /api/keys/providers. */
struct provider_key_new {
	const char *provider, *api_key, *name;
};

static int
check_provider(void *dst, ig_err *err)
{
	char names[256];

	if (ig_provider_takes_key(ig_provider_find(((struct provider_key_new *)dst)->provider)))
		return 0;
	return ig_err_set(err, IG_E_INVALID_REQUEST, "provider", "provider must be one of %s",
	    ig_provider_names(names, sizeof(names), 1));
}

static int
check_key(void *dst, ig_err *err)
{
	return ig_provider_key_check(((struct provider_key_new *)dst)->api_key, err);
}

static const ig_field provider_key_new_body[] = {
	{ "provider", IG_F_STRING, IG_F_REQUIRED, 1, 32, .at = IG_AT(struct provider_key_new, provider),
	  .check = check_provider },
	{ "api_key", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROVIDER_KEY_MAX, .at = IG_AT(struct provider_key_new, api_key),
	  .check = check_key },
	{ "name", IG_F_STRING, 0, 1, IG_KEY_NAME_MAX, .at = IG_AT(struct provider_key_new, name) },
	IG_FIELDS_END
};

int
ig_api_provider_key_add(ig_req *req, json_object **out, ig_err *err)
{
	struct provider_key_new b = { NULL, NULL, NULL };
	ig_provider_key k;
	int rc = -1;

	if (ig_fields_body(req, provider_key_new_body, &b, err) != 0 ||
	    ig_provider_key_add(req->caller.user_id, b.provider, b.name, b.api_key, &k, err) != 0)
		goto out;
	*out = ig_ok("provider_key", ig_out_json(&k, provider_key_out));
	ig_activity(req, req->caller.user_id, "provider_key_added", ig_out_json(&k, provider_key_event));
	rc = 201;
out:
	/* The request body held the plaintext key: wipe it. */
	if (req->body != NULL)
		sodium_memzero((void *)req->body, req->body_len);
	if (b.api_key != NULL)
		sodium_memzero((void *)b.api_key, strlen(b.api_key));
	return rc;
}

int
ig_api_provider_key_delete(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = key_param(req, err);
	ig_provider_key k;
	int rc = id == NULL ? -1 : ig_provider_key_delete(id, req->caller.user_id, &k, err);

	return key_gone(req, rc, "provider_key_deleted", &k, provider_key_event, out, err);
}

#define PROBE_TIMEOUT_MS 15000
#define PROBE_MAX_BYTES (1L * 1024 * 1024)

/*
 * POST /api/keys/providers/{id}/test: the provider's cheapest authenticated
 * call (its adapter's probe: a models or account GET) with the stored key,
 * under the runner's transport rules. valid is what the provider said; a
 * provider that could not be reached is a 502/504, not a verdict on the key.
 */
int
ig_api_provider_key_test(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = key_param(req, err);
	const ig_pconf *pc;
	ig_http_req h = { 0 };
	ig_http_resp resp;
	ig_buf buf = { 0 };
	char ctype[128], *key = NULL, ts[40], provider[33];
	int rc = -1, valid;

	if (id == NULL || found(ig_provider_key_open_id(id, req->caller.user_id, provider, &key, err), err) != 0)
		return -1;
	if ((pc = ig_pconf_get(provider)) == NULL) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "the stored key cannot be opened");
		goto out;
	}
	/* Stored before keys were checked on the way in: never into a header. */
	if (ig_provider_key_check(key, err) != 0)
		goto out;
	if (ig_provider_probe(pc->ops, pc->base_url, key, &h) != 0) {
		ig_err_set(err, IG_E_NOT_IMPLEMENTED, NULL, "%s has no key test", pc->ops->name);
		goto out;
	}
	if (ig_http_fetch(&h, pc, PROBE_TIMEOUT_MS, PROBE_MAX_BYTES, &resp, &buf, ctype, err) != 0)
		goto out;
	if (resp.status == 0) {
		ig_err_set(err, resp.timed_out ? IG_E_PROVIDER_TIMEOUT : IG_E_PROVIDER_ERROR, NULL,
		    "%s could not be reached to test the key", pc->ops->name);
		goto out;
	}
	if (resp.status >= 500) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "%s answered %ld; the key was not judged",
		    pc->ops->name, resp.status);
		goto out;
	}
	valid = ig_provider_probe_ok(pc->ops, &resp);
	ig_rfc3339_now(ts, sizeof(ts));
	*out = ig_ok("valid", json_object_new_boolean(valid));
	json_object_object_add(*out, "provider", json_object_new_string(pc->ops->name));
	json_object_object_add(*out, "checked_at", json_object_new_string(ts));
	json_object_object_add(*out, "status", json_object_new_int((int)resp.status));
	rc = 200;
out:
	ig_http_req_free(&h);
	ig_buf_free(&buf);
	ig_secretbox_free(key);
	return rc;
}
