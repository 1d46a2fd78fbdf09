/*
 * keys.c — personal API keys and stored provider keys (API.md "Accounts and
 * keys"). A personal key is shown once and kept as its SHA-256; a provider
 * key is sealed with crypto_secretbox and only its last four characters
 * ever leave the server.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/json.h"
#include "lib/db/db.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"
#include "lib/providers/provider.h"

#define MAX_API_KEYS 50
#define MAX_PROVIDER_KEYS 20

static const char *const scope_names[] = { "read", "generate", "admin", NULL };

static int
in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static json_object *
scopes_json(const char *csv)
{
	json_object *a = json_object_new_array();
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", csv);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		json_object_array_add(a, json_object_new_string(t));
	return a;
}

#define API_KEY_COLS "id, name, prefix, array_to_string(scopes, ','), " IG_SQL_TS("created_at") ", " \
	IG_SQL_TS("last_used_at") ", " IG_SQL_TS("expires_at")
#define PROVIDER_KEY_COLS "id, provider, name, last4, " IG_SQL_TS("created_at") ", " IG_SQL_TS("last_used_at")

static json_object *
api_key_json(PGresult *r, int i)
{
	json_object *k = json_object_new_object();

	json_object_object_add(k, "id", ig_pg_string(r, i, 0));
	json_object_object_add(k, "name", ig_pg_string(r, i, 1));
	json_object_object_add(k, "prefix", ig_pg_string(r, i, 2));
	json_object_object_add(k, "scopes", scopes_json(PQgetvalue(r, i, 3)));
	json_object_object_add(k, "created_at", ig_pg_string(r, i, 4));
	json_object_object_add(k, "last_used_at", ig_pg_string(r, i, 5));
	json_object_object_add(k, "expires_at", ig_pg_string(r, i, 6));
	return k;
}

static json_object *
provider_key_json(PGresult *r, int i)
{
	json_object *k = json_object_new_object();

	json_object_object_add(k, "id", ig_pg_string(r, i, 0));
	json_object_object_add(k, "provider", ig_pg_string(r, i, 1));
	json_object_object_add(k, "name", ig_pg_string(r, i, 2));
	json_object_object_add(k, "last4", ig_pg_string(r, i, 3));
	json_object_object_add(k, "created_at", ig_pg_string(r, i, 4));
	json_object_object_add(k, "last_used_at", ig_pg_string(r, i, 5));
	return k;
}

int
ig_api_keys_list(ig_req *req, json_object **out, ig_err *err)
{
	const char *p[1] = { req->caller.user_id };
	PGresult *a, *b;
	json_object *la, *lb;

	a = ig_db_exec("SELECT " API_KEY_COLS " FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL"
	    " ORDER BY created_at DESC", 1, p, IG_DB_IDEMPOTENT, err);
	if (a == NULL)
		return -1;
	b = ig_db_exec("SELECT " PROVIDER_KEY_COLS " FROM provider_keys WHERE user_id = $1"
	    " ORDER BY created_at DESC", 1, p, IG_DB_IDEMPOTENT, err);
	if (b == NULL) {
		PQclear(a);
		return -1;
	}
	la = json_object_new_array();
	for (int i = 0; i < PQntuples(a); i++)
		json_object_array_add(la, api_key_json(a, i));
	lb = json_object_new_array();
	for (int i = 0; i < PQntuples(b); i++)
		json_object_array_add(lb, provider_key_json(b, i));
	*out = ig_ok("api_keys", la);
	json_object_object_add(*out, "provider_keys", lb);
	PQclear(a);
	PQclear(b);
	return 200;
}

/* scopes: an array of known scope names, each once; default read+generate. */
static int
read_scopes(json_object *b, char *csv, size_t len, ig_err *err)
{
	json_object *a;
	size_t n;

	if (!json_object_object_get_ex(b, "scopes", &a) || a == NULL) {
		snprintf(csv, len, "read,generate");
		return 0;
	}
	if (!json_object_is_type(a, json_type_array) || (n = json_object_array_length(a)) == 0 || n > 3)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "scopes",
		    "scopes must be a non-empty array of read, generate, admin");
	csv[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(a, i);
		const char *v = json_object_is_type(s, json_type_string) ? json_object_get_string(s) : "";
		char probe[16];
		if (!in_set(v, scope_names))
			return ig_err_set(err, IG_E_INVALID_REQUEST, "scopes",
			    "scopes must be a non-empty array of read, generate, admin");
		snprintf(probe, sizeof(probe), ",%s,", v);
		char have[64];
		snprintf(have, sizeof(have), ",%s,", csv);
		if (strstr(have, probe) != NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "scopes", "scope %s is listed twice", v);
		size_t used = strlen(csv);
		snprintf(csv + used, len - used, "%s%s", used ? "," : "", v);
	}
	return 0;
}

/* How many rows sql (one $1 = user id, returning a count) finds. */
static int
count_rows(const char *sql, const char *user, int *n, ig_err *err)
{
	const char *p[1] = { user };
	PGresult *r = ig_db_exec(sql, 1, p, IG_DB_IDEMPOTENT, err);

	if (r == NULL)
		return -1;
	*n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

int
ig_api_keys_create(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "name", "scopes", "expires_in", NULL };
	json_object *b = ig_body_object(req, keys, err), *k;
	const char *name = NULL;
	char scopes[64], key[IG_APIKEY_LEN + 1], prefix[IG_APIKEY_PREFIX_LEN + 1];
	unsigned char h[IG_SHA256_LEN];
	char hex[2 * IG_SHA256_LEN + 3], exp[24];
	int64_t expires_in = 0;
	int have_exp, count, rc = -1;
	const char *p[6];
	PGresult *r;

	if (b == NULL)
		return -1;
	if (ig_json_string(b, "name", 1, 1, 100, &name, err) < 0 ||
	    read_scopes(b, scopes, sizeof(scopes), err) != 0 ||
	    (have_exp = ig_json_int(b, "expires_in", 0, 60, 31536000, &expires_in, err)) < 0)
		goto out;
	if (count_rows("SELECT count(*) FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL"
		" AND (expires_at IS NULL OR expires_at > now())", req->caller.user_id, &count, err) != 0)
		goto out;
	if (count >= MAX_API_KEYS) {
		ig_err_set(err, IG_E_CONFLICT, NULL, "at most %d active API keys; revoke one first", MAX_API_KEYS);
		goto out;
	}
	ig_apikey_new(key, prefix);
	ig_sha256(key, strlen(key), h);
	ig_bytea_hex(h, sizeof(h), hex);
	snprintf(exp, sizeof(exp), "%lld", (long long)expires_in);
	p[0] = req->caller.user_id;
	p[1] = name;
	p[2] = prefix;
	p[3] = hex;
	p[4] = scopes;
	p[5] = have_exp == 0 ? exp : NULL;
	r = ig_db_exec("INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, expires_at)"
	    " VALUES ($1, $2, $3, $4, string_to_array($5, ','),"
	    " now() + make_interval(secs => $6::int)) RETURNING " API_KEY_COLS, 6, p, 0, err);
	if (r == NULL)
		goto out;
	k = api_key_json(r, 0);
	json_object_object_add(k, "success", json_object_new_boolean(1));
	json_object_object_add(k, "key", json_object_new_string(key));
	*out = k;
	{
		json_object *d = json_object_new_object();
		json_object_object_add(d, "id", ig_pg_string(r, 0, 0));
		json_object_object_add(d, "name", json_object_new_string(name));
		json_object_object_add(d, "prefix", json_object_new_string(prefix));
		ig_activity(req, req->caller.user_id, "api_key_created", d);
	}
	PQclear(r);
	sodium_memzero(key, sizeof(key));
	rc = 201;
out:
	json_object_put(b);
	return rc;
}

/* Run sql with ($1 = id, $2 = user); 404 when it touches no row. */
static int
owned(ig_req *req, const char *sql, PGresult **res, ig_err *err)
{
	const char *id = ig_req_param(req, "id");
	const char *p[2] = { id, req->caller.user_id };
	PGresult *r;

	if (!ig_is_uuid(id))
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such key");
	r = ig_db_exec(sql, 2, p, 0, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such key");
	}
	*res = r;
	return 0;
}

int
ig_api_keys_delete(ig_req *req, json_object **out, ig_err *err)
{
	PGresult *r;
	json_object *d;

	if (owned(req, "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND user_id = $2"
		" AND revoked_at IS NULL RETURNING id, name, prefix", &r, err) != 0)
		return -1;
	d = json_object_new_object();
	json_object_object_add(d, "id", ig_pg_string(r, 0, 0));
	json_object_object_add(d, "name", ig_pg_string(r, 0, 1));
	json_object_object_add(d, "prefix", ig_pg_string(r, 0, 2));
	ig_activity(req, req->caller.user_id, "api_key_revoked", d);
	PQclear(r);
	*out = ig_ok(NULL, NULL);
	return 200;
}

int
ig_api_provider_key_add(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "provider", "api_key", "name", NULL };
	json_object *b = ig_body_object(req, keys, err);
	const char *provider = NULL, *key = NULL, *name = NULL;
	unsigned char nonce[IG_SECRETBOX_NONCE], *ct = NULL;
	size_t ctlen;
	char *nonce_hex = NULL, *ct_hex = NULL, last4[5];
	const char *p[6];
	PGresult *r;
	int count, rc = -1;

	if (b == NULL)
		return -1;
	if (ig_json_string(b, "provider", 1, 1, 32, &provider, err) < 0)
		goto out;
	if (!ig_provider_takes_key(ig_provider_find(provider))) {
		char names[256];
		ig_err_set(err, IG_E_INVALID_REQUEST, "provider", "provider must be one of %s",
		    ig_provider_names(names, sizeof(names), 1));
		goto out;
	}
	if (ig_json_string(b, "api_key", 1, 1, IG_PROVIDER_KEY_MAX, &key, err) < 0 ||
	    ig_provider_key_check(key, err) != 0 ||
	    ig_json_string(b, "name", 0, 1, 100, &name, err) < 0)
		goto out;
	if (count_rows("SELECT count(*) FROM provider_keys WHERE user_id = $1", req->caller.user_id,
		&count, err) != 0)
		goto out;
	if (count >= MAX_PROVIDER_KEYS) {
		ig_err_set(err, IG_E_CONFLICT, NULL, "at most %d stored provider keys; delete one first",
		    MAX_PROVIDER_KEYS);
		goto out;
	}
	if (ig_secretbox_seal(key, strlen(key), nonce, &ct, &ctlen) != 0) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		goto out;
	}
	snprintf(last4, sizeof(last4), "%s", key + strlen(key) - 4);
	nonce_hex = ig_xmalloc(2 * sizeof(nonce) + 3);
	ig_bytea_hex(nonce, sizeof(nonce), nonce_hex);
	ct_hex = ig_xmalloc(2 * ctlen + 3);
	ig_bytea_hex(ct, ctlen, ct_hex);
	p[0] = req->caller.user_id;
	p[1] = provider;
	p[2] = name ? name : provider;
	p[3] = nonce_hex;
	p[4] = ct_hex;
	p[5] = last4;
	r = ig_db_exec("INSERT INTO provider_keys (user_id, provider, name, nonce, ciphertext, last4)"
	    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " PROVIDER_KEY_COLS, 6, p, 0, err);
	if (r == NULL)
		goto out;
	*out = ig_ok("provider_key", provider_key_json(r, 0));
	{
		json_object *d = json_object_new_object();
		json_object_object_add(d, "id", ig_pg_string(r, 0, 0));
		json_object_object_add(d, "provider", json_object_new_string(provider));
		ig_activity(req, req->caller.user_id, "provider_key_added", d);
	}
	PQclear(r);
	rc = 201;
out:
	free(ct);
	free(ct_hex);
	free(nonce_hex);
	/* The request body held the plaintext key: wipe it. */
	if (req->body != NULL)
		sodium_memzero((void *)req->body, req->body_len);
	if (key != NULL)
		sodium_memzero((void *)key, strlen(key));
	json_object_put(b);
	return rc;
}

int
ig_api_provider_key_delete(ig_req *req, json_object **out, ig_err *err)
{
	PGresult *r;
	json_object *d;

	if (owned(req, "DELETE FROM provider_keys WHERE id = $1 AND user_id = $2 RETURNING id, provider",
		&r, err) != 0)
		return -1;
	d = json_object_new_object();
	json_object_object_add(d, "id", ig_pg_string(r, 0, 0));
	json_object_object_add(d, "provider", ig_pg_string(r, 0, 1));
	ig_activity(req, req->caller.user_id, "provider_key_deleted", d);
	PQclear(r);
	*out = ig_ok(NULL, NULL);
	return 200;
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
	PGresult *r;
	const ig_pconf *pc;
	ig_http_req h = { 0 };
	ig_http_resp resp;
	ig_buf buf = { 0 };
	char ctype[128], *key = NULL, ts[40];
	unsigned char *nonce, *ct;
	size_t nl, cl;
	int rc = -1, valid;

	if (owned(req, "UPDATE provider_keys SET last_used_at = now() WHERE id = $1 AND user_id = $2"
		" RETURNING provider, nonce, ciphertext", &r, err) != 0)
		return -1;
	pc = ig_pconf_get(PQgetvalue(r, 0, 0));
	nonce = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &nl);
	ct = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 2), &cl);
	PQclear(r);
	if (pc == NULL || nonce == NULL || ct == NULL || nl != IG_SECRETBOX_NONCE ||
	    ig_secretbox_open(nonce, ct, cl, &key) != 0) {
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
	PQfreemem(nonce);
	PQfreemem(ct);
	ig_http_req_free(&h);
	ig_buf_free(&buf);
	ig_secretbox_free(key);
	return rc;
}
