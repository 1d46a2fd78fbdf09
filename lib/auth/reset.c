/* reset.c — see reset.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/reset.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

/* Every statement of this module (password_resets, and the users row a
 * reset is for). */
#define STATEMENTS(X) \
	X(SQL_TARGET, "SELECT id, username, confirmed_email FROM users" \
	    " WHERE lower(email) = lower($1) OR lower(confirmed_email) = lower($1)" \
	    " ORDER BY lower(email) = lower($1) DESC LIMIT 1") \
	X(SQL_INSERT, "INSERT INTO password_resets (token_hash, user_id, expires_at)" \
	    " VALUES ($1, $2, now() + make_interval(secs => $3::int))") \
	X(SQL_FIND, "SELECT u.id, u.username, u.email FROM password_resets pr JOIN users u ON u.id = pr.user_id" \
	    " WHERE pr.token_hash = $1 AND pr.used_at IS NULL AND pr.expires_at > now()") \
	X(SQL_SPEND, "UPDATE password_resets SET used_at = now() WHERE token_hash = $1" \
	    " AND used_at IS NULL RETURNING user_id")
IG_DB_STATEMENTS(STATEMENTS);

int
ig_reset_start(const char *email, int ttl_s, char token[IG_TOKEN_LEN + 1], char user_id[IG_UUID_BUF],
    char username[IG_USERNAME_BUF], char to[IG_EMAIL_BUF], ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX], ttl[16];
	const char *p[3] = { email, NULL, NULL };
	PGresult *r = ig_db_exec(sql[SQL_TARGET], 1, p, IG_DB_IDEMPOTENT, err);

	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 2)) {
		PQclear(r);
		return 0;
	}
	snprintf(user_id, IG_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	snprintf(username, IG_USERNAME_BUF, "%s", PQgetvalue(r, 0, 1));
	snprintf(to, IG_EMAIL_BUF, "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	ig_token_new(token);
	ig_token_hash_hex(token, hex);
	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	p[0] = hex;
	p[1] = user_id;
	p[2] = ttl;
	if (ig_db_run(sql[SQL_INSERT], 3, p, 0, err) != 0) {
		sodium_memzero(token, IG_TOKEN_LEN + 1);
		return -1;
	}
	return 1;
}

int
ig_reset_find(const char *token, char user_id[IG_UUID_BUF], char username[IG_USERNAME_BUF],
    char email[IG_EMAIL_BUF], ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX];
	const char *p[1] = { hex };
	const ig_db_dst out[] = { { user_id, IG_UUID_BUF }, { username, IG_USERNAME_BUF }, { email, IG_EMAIL_BUF },
		{ NULL, 0 } };
	int rc;

	ig_token_hash_hex(token, hex);
	rc = ig_db_texts(sql[SQL_FIND], 1, p, 0, out, err);
	return rc < 0 ? -1 : rc == 0;
}

int
ig_reset_spend(const char *token, ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX];
	const char *p[1] = { hex };

	ig_token_hash_hex(token, hex);
	return ig_db_any(sql[SQL_SPEND], 1, p, 0, err);
}
