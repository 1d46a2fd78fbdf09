/* provider_key.c — see provider_key.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/auth/provider_key.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The columns of an ig_provider_key, in its order. */
#define KEY_COLS "id, provider, name, last4, " TS("created_at") ", " TS("last_used_at")

/* Every statement of this module (provider_keys). */
#define STATEMENTS(X) \
	X(SQL_LIST, "SELECT " KEY_COLS " FROM provider_keys WHERE user_id = $1 ORDER BY created_at DESC") \
	X(SQL_COUNT, "SELECT count(*) FROM provider_keys WHERE user_id = $1") \
	X(SQL_INSERT, "INSERT INTO provider_keys (user_id, provider, name, nonce, ciphertext, last4)" \
	    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " KEY_COLS) \
	X(SQL_DELETE, "DELETE FROM provider_keys WHERE id = $1 AND user_id = $2 RETURNING " KEY_COLS) \
	X(SQL_HELD, "SELECT DISTINCT provider FROM provider_keys WHERE user_id = $1::uuid") \
	X(SQL_NEWEST, "SELECT id FROM provider_keys WHERE user_id = $1 AND provider = $2" \
	    " ORDER BY created_at DESC LIMIT 1") \
	X(SQL_NEWEST_SEALED, "SELECT nonce, ciphertext FROM provider_keys WHERE user_id = $1 AND provider = $2" \
	    " ORDER BY created_at DESC LIMIT 1") \
	X(SQL_USE, "UPDATE provider_keys SET last_used_at = now()" \
	    " WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2::uuid) RETURNING nonce, ciphertext, provider")
IG_DB_STATEMENTS(STATEMENTS);

/* Where the columns of KEY_COLS go. */
#define C(member) IG_DB_COL(ig_provider_key, member)
static const ig_db_col key_cols[] = { C(id), C(provider), C(name), C(last4), C(created_at),
	C(last_used_at), IG_DB_COLS_END };
#undef C

int
ig_provider_key_list(const char *user_id, ig_provider_key **out, int *n, ig_err *err)
{
	return IG_DB_ROWS_OF(sql[SQL_LIST], user_id, key_cols, out, n, err);
}

int
ig_provider_key_add(const char *user_id, const char *provider, const char *name, const char *key,
    ig_provider_key *out, ig_err *err)
{
	ig_sealed_text st;
	char last4[5];
	const char *p[6] = { user_id };
	int64_t count;
	int rc;

	if (ig_db_int64(sql[SQL_COUNT], 1, p, IG_DB_IDEMPOTENT, &count, err) != 0)
		return -1;
	if (count >= IG_PROVIDER_KEYS_MAX)
		return ig_err_set(err, IG_E_CONFLICT, NULL, "at most %d stored provider keys; delete one first",
		    IG_PROVIDER_KEYS_MAX);
	if (ig_secretbox_seal_text(key, &st, err) != 0)
		return -1;
	snprintf(last4, sizeof(last4), "%s", key + strlen(key) - 4);
	p[1] = provider;
	p[2] = name ? name : provider;
	p[3] = st.nonce;
	p[4] = st.ct;
	p[5] = last4;
	rc = ig_db_row(sql[SQL_INSERT], 6, p, 0, sizeof(*out), key_cols, out, err);
	ig_sealed_text_free(&st);
	return rc;
}

int
ig_provider_key_delete(const char *id, const char *user_id, ig_provider_key *out, ig_err *err)
{
	return ig_db_row(sql[SQL_DELETE], IG_DB_ARGS(id, user_id), 0, sizeof(*out), key_cols, out, err);
}

int
ig_provider_key_held(const char *user_id, int has[IG_PROVIDERS_MAX], ig_err *err)
{
	const char *p[1] = { user_id };
	PGresult *r;

	memset(has, 0, IG_PROVIDERS_MAX * sizeof(*has));
	if (user_id == NULL)
		return 0;
	r = ig_db_exec(sql[SQL_HELD], 1, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	for (int i = 0; i < IG_PROVIDERS_MAX && ig_providers[i] != NULL; i++)
		for (int k = 0; k < PQntuples(r); k++)
			has[i] |= strcmp(PQgetvalue(r, k, 0), ig_providers[i]->name) == 0;
	PQclear(r);
	return 0;
}

int
ig_provider_key_newest(const char *user_id, const char *provider, char id[IG_UUID_BUF], ig_err *err)
{
	const char *p[2] = { user_id, provider };

	return ig_db_value(sql[SQL_NEWEST], 2, p, IG_DB_IDEMPOTENT, id, IG_UUID_BUF, err);
}

int
ig_provider_key_unseal(const char *nonce_text, const char *ct_text, char **secret)
{
	unsigned char *nonce, *ct;
	size_t nl, cl;
	int rc;

	*secret = NULL;
	nonce = PQunescapeBytea((const unsigned char *)nonce_text, &nl);
	ct = PQunescapeBytea((const unsigned char *)ct_text, &cl);
	rc = nonce != NULL && ct != NULL && nl == IG_SECRETBOX_NONCE ? ig_secretbox_open(nonce, ct, cl, secret) : -1;
	PQfreemem(nonce);
	PQfreemem(ct);
	return rc;
}

/* The key of the one row of r (nonce, ciphertext first) into *secret: 0,
 * 1 when r has no row, -1 with err when it cannot be opened. Clears r. */
static int
open_row(PGresult *r, char provider[33], char **secret, ig_err *err)
{
	int rc = 1;

	*secret = NULL;
	if (PQntuples(r) == 1) {
		if (provider != NULL)
			ig_db_text(r, 0, 2, provider, 33);
		rc = ig_provider_key_unseal(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), secret) == 0 ? 0 :
		    ig_err_set(err, IG_E_INTERNAL, NULL, "the stored key cannot be opened");
	}
	PQclear(r);
	return rc;
}

int
ig_provider_key_open(const char *user_id, const char *provider, char **secret, ig_err *err)
{
	const char *p[2] = { user_id, provider };
	PGresult *r = ig_db_exec(sql[SQL_NEWEST_SEALED], 2, p, IG_DB_IDEMPOTENT, err);

	*secret = NULL;
	if (r == NULL)
		return -1;
	return open_row(r, NULL, secret, err);
}

int
ig_provider_key_open_id(const char *id, const char *user_id, char provider[33], char **secret, ig_err *err)
{
	const char *p[2] = { id, user_id };
	PGresult *r = ig_db_exec(sql[SQL_USE], 2, p, 0, err);

	*secret = NULL;
	if (r == NULL)
		return -1;
	return open_row(r, provider, secret, err);
}
