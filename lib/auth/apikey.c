/* apikey.c — see apikey.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/apikey.h"
#include "lib/auth/user_row.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The columns of an ig_api_key, in its order. */
#define KEY_COLS "id, name, prefix, array_to_string(scopes, ','), " TS("created_at") ", " \
	TS("last_used_at") ", " TS("expires_at")

/* Every statement of this module (api_keys). */
#define STATEMENTS(X) \
	X(SQL_LIST, "SELECT " KEY_COLS " FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL" \
	    " ORDER BY created_at DESC") \
	X(SQL_COUNT_ACTIVE, "SELECT count(*) FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL" \
	    " AND (expires_at IS NULL OR expires_at > now())") \
	X(SQL_INSERT, "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, expires_at)" \
	    " VALUES ($1, $2, $3, $4, string_to_array($5, ',')," \
	    " now() + make_interval(secs => $6::int)) RETURNING " KEY_COLS) \
	X(SQL_REVOKE, "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND user_id = $2" \
	    " AND revoked_at IS NULL RETURNING " KEY_COLS) \
	/* One indexed query per key request. */ \
	X(SQL_FIND, "SELECT k.id, k.user_id, array_to_string(k.scopes, ','), u.role," \
	    " (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute'), " IG_USER_COLS \
	    " FROM api_keys k JOIN users u ON u.id = k.user_id" \
	    " WHERE k.key_hash = $1 AND k.revoked_at IS NULL" \
	    " AND (k.expires_at IS NULL OR k.expires_at > now())") \
	X(SQL_TOUCH, "UPDATE api_keys SET last_used_at = now() WHERE id = $1")
IG_DB_STATEMENTS(STATEMENTS);
enum { FIND_ID, FIND_USER, FIND_SCOPES, FIND_ROLE, FIND_STALE, FIND_USER_COLS };

/* Where the columns of KEY_COLS go. */
#define C(member) IG_DB_COL(ig_api_key, member)
static const ig_db_col key_cols[] = { C(id), C(name), C(prefix), C(scopes), C(created_at),
	C(last_used_at), C(expires_at), IG_DB_COLS_END };
#undef C

int
ig_api_key_list(const char *user_id, ig_api_key **out, int *n, ig_err *err)
{
	return IG_DB_ROWS_OF(sql[SQL_LIST], user_id, key_cols, out, n, err);
}

int
ig_api_key_create(const char *user_id, const char *name, const char *scopes, long long expires_in,
    char key[IG_APIKEY_LEN + 1], ig_api_key *out, ig_err *err)
{
	const char *p[6];
	char prefix[IG_APIKEY_PREFIX_LEN + 1], hex[2 * IG_SHA256_LEN + 3], exp[24];
	unsigned char h[IG_SHA256_LEN];
	int64_t count;

	p[0] = user_id;
	if (ig_db_int64(sql[SQL_COUNT_ACTIVE], 1, p, IG_DB_IDEMPOTENT, &count, err) != 0)
		return -1;
	if (count >= IG_API_KEYS_MAX)
		return ig_err_set(err, IG_E_CONFLICT, NULL, "at most %d active API keys; revoke one first",
		    IG_API_KEYS_MAX);
	ig_apikey_new(key, prefix);
	ig_sha256(key, strlen(key), h);
	ig_bytea_hex(h, sizeof(h), hex);
	snprintf(exp, sizeof(exp), "%lld", expires_in);
	p[1] = name;
	p[2] = prefix;
	p[3] = hex;
	p[4] = scopes;
	p[5] = expires_in > 0 ? exp : NULL;
	if (ig_db_row(sql[SQL_INSERT], 6, p, 0, sizeof(*out), key_cols, out, err) != 0) {
		sodium_memzero(key, IG_APIKEY_LEN + 1);
		return -1;
	}
	return 0;
}

int
ig_api_key_revoke(const char *id, const char *user_id, ig_api_key *out, ig_err *err)
{
	return ig_db_row(sql[SQL_REVOKE], IG_DB_ARGS(id, user_id), 0, sizeof(*out), key_cols, out, err);
}

/* SQL_FIND's row: the caller, and whether its last_used_at is stale. */
typedef struct found {
	ig_api_key_caller *caller;
	int stale;
} found;

static void
found_row(PGresult *r, int i, void *v)
{
	found *f = v;
	ig_api_key_caller *out = f->caller;

	ig_db_text(r, i, FIND_ID, out->key_id, sizeof(out->key_id));
	ig_db_text(r, i, FIND_USER, out->user_id, sizeof(out->user_id));
	ig_db_text(r, i, FIND_SCOPES, out->scopes, sizeof(out->scopes));
	out->is_admin = strcmp(PQgetvalue(r, i, FIND_ROLE), "admin") == 0;
	f->stale = strcmp(PQgetvalue(r, i, FIND_STALE), "t") == 0;
	ig_user_from_row(r, i, FIND_USER_COLS, &out->user);
}

int
ig_api_key_find(const char *key, ig_api_key_caller *out, ig_err *err)
{
	unsigned char h[IG_SHA256_LEN];
	char hex[2 * IG_SHA256_LEN + 3];
	const char *p[1] = { hex };
	found f = { out, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ig_apikey_valid(key))
		return 1;
	ig_sha256(key, strlen(key), h);
	ig_bytea_hex(h, sizeof(h), hex);
	rc = ig_db_one(sql[SQL_FIND], 1, p, IG_DB_IDEMPOTENT, found_row, &f, err);
	if (rc == 0 && f.stale) {
		const char *q[1] = { out->key_id };
		ig_err ignore;
		ig_db_run(sql[SQL_TOUCH], 1, q, 0, &ignore);
	}
	return rc;
}
