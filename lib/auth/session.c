/* session.c — see session.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/session.h"
#include "lib/auth/user_row.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

/* Every statement of this module (refresh_tokens, revoked_tokens, and the
 * users row behind an access token). */
#define STATEMENTS(X) \
	/* The user behind a verified JWT: still there, the token not \
	 * revoked by logout, not issued before a password reset. */ \
	X(SQL_CHECK, "SELECT $2::bigint < floor(extract(epoch FROM u.tokens_valid_after))," \
	    " EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $3::uuid), " IG_USER_COLS \
	    " FROM users u WHERE u.id = $1::uuid") \
	X(SQL_START, "INSERT INTO refresh_tokens (user_id, family_id, token_hash, access_jti, expires_at)" \
	    " VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int))") \
	X(SQL_SPEND, "UPDATE refresh_tokens SET spent_at = now() WHERE token_hash = $1" \
	    " AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > now()" \
	    " RETURNING user_id, family_id") \
	X(SQL_SPENT_BEFORE, "SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1" \
	    " AND spent_at IS NOT NULL") \
	/* Revoke every refresh token of a family and the access tokens issued \
	 * with them, so a reuse or a logout ends the whole session at once. */ \
	X(SQL_REVOKE_FAMILY, \
	    "WITH f AS (UPDATE refresh_tokens SET revoked_at = now()" \
	    "  WHERE family_id = $1::uuid AND revoked_at IS NULL RETURNING access_jti, created_at)" \
	    " INSERT INTO revoked_tokens (jti, expires_at)" \
	    " SELECT access_jti, created_at + make_interval(secs => $2::int) FROM f" \
	    " WHERE access_jti IS NOT NULL ON CONFLICT DO NOTHING") \
	X(SQL_REVOKE_ACCESS, "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, to_timestamp($2::bigint))" \
	    " ON CONFLICT DO NOTHING") \
	/* The family of an access token, and that of a refresh token if it \
	 * is the user's. */ \
	X(SQL_FAMILIES_OF, "SELECT DISTINCT family_id FROM refresh_tokens WHERE user_id = $2" \
	    " AND (access_jti = $1::uuid OR token_hash = decode(nullif(substr($3, 3), ''), 'hex'))")
IG_DB_STATEMENTS(STATEMENTS);

int
ig_session_check(const char *sub, int64_t iat, const char *jti, ig_user *u, ig_err *err)
{
	char num[24];
	const char *p[3] = { sub, num, jti };
	PGresult *r;
	int ok;

	snprintf(num, sizeof(num), "%lld", (long long)iat);
	r = ig_db_exec(sql[SQL_CHECK], 3, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL) {
		/* A malformed uuid in a validly signed token cannot happen
		 * unless the secret leaked; treat it as invalid. */
		if (strcmp(ig_db_sqlstate(), "22P02") == 0)
			return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		return -1;
	}
	ok = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "f") == 0 &&
	    strcmp(PQgetvalue(r, 0, 1), "f") == 0;
	if (!ok) {
		PQclear(r);
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "the session has ended; log in again");
	}
	ig_user_from_row(r, 0, 2, u);
	PQclear(r);
	return 0;
}

int
ig_session_start(const char *user_id, const char *family, const char *jti, int ttl_s,
    char refresh[IG_TOKEN_LEN + 1], ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX], fam[IG_UUID_BUF], ttl[16];
	const char *p[5] = { user_id, fam, hex, jti, ttl };

	if (family != NULL)
		snprintf(fam, sizeof(fam), "%s", family);
	else
		ig_uuid4(fam);
	ig_token_new(refresh);
	ig_token_hash_hex(refresh, hex);
	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	if (ig_db_run(sql[SQL_START], 5, p, 0, err) != 0) {
		sodium_memzero(refresh, IG_TOKEN_LEN + 1);
		return -1;
	}
	return 0;
}

static int
revoke_family(const char *family, int access_ttl_s, ig_err *err)
{
	char ttl[16];
	const char *p[2] = { family, ttl };

	snprintf(ttl, sizeof(ttl), "%d", access_ttl_s);
	return ig_db_run(sql[SQL_REVOKE_FAMILY], 2, p, 0, err);
}

int
ig_session_spend(const char *token, int access_ttl_s, char user_id[IG_UUID_BUF], char family[IG_UUID_BUF],
    ig_session_spend_result *result, ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX];
	const char *p[1] = { hex };
	const ig_db_dst spent[] = { { user_id, IG_UUID_BUF }, { family, IG_UUID_BUF }, { NULL, 0 } };
	const ig_db_dst before[] = { { family, IG_UUID_BUF }, { user_id, IG_UUID_BUF }, { NULL, 0 } };
	ig_err ignore;
	int rc;

	ig_token_hash_hex(token, hex);
	rc = ig_db_texts(sql[SQL_SPEND], 1, p, 0, spent, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*result = IG_SESSION_SPENT;
		return 0;
	}
	*result = IG_SESSION_REFUSED;
	/* Whether it was spent before: a failure to tell is a refusal. */
	if (ig_db_texts(sql[SQL_SPENT_BEFORE], 1, p, 0, before, &ignore) == 0) {
		revoke_family(family, access_ttl_s, &ignore);
		ig_logf(IG_LOG_WARN, "refresh_token_reused", "family %s revoked", family);
		*result = IG_SESSION_REUSED;
	}
	return 0;
}

int
ig_session_end(const char *user_id, const char *jti, long long exp, const char *refresh_token,
    int access_ttl_s, ig_err *err)
{
	char num[24], hex[IG_TOKEN_HASH_HEX] = "";
	const char *p[3] = { jti, num, NULL };
	PGresult *r;
	int rc = 0;

	snprintf(num, sizeof(num), "%lld", exp);
	if (ig_db_run(sql[SQL_REVOKE_ACCESS], 2, p, 0, err) != 0)
		return -1;
	if (refresh_token != NULL && ig_token_valid(refresh_token))
		ig_token_hash_hex(refresh_token, hex);
	p[1] = user_id;
	p[2] = hex;
	r = ig_db_exec(sql[SQL_FAMILIES_OF], 3, p, 0, err);
	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = revoke_family(PQgetvalue(r, i, 0), access_ttl_s, err);
	PQclear(r);
	return rc;
}
