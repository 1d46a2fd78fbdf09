/* account.c — see account.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/account.h"
#include "lib/auth/password.h"
#include "lib/db/db.h"

int
ig_account_check_username(const char *s, const char *field, ig_err *err)
{
	size_t n = strlen(s);

	if (n < 3 || n > 50)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be 3 to 50 characters long", field);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "%s may contain only letters, digits and underscores", field);
	}
	return 0;
}

int
ig_account_check_email(const char *s, const char *field, ig_err *err)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || at[1] == '.' || s[n - 1] == '.')
		return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be a valid email address", field);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"')
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be a valid email address", field);
	}
	return 0;
}

int
ig_account_create(const char *username, const char *email, const char *password,
    const char *display_name, const char *role, char out_id[IG_UUID_BUF], ig_err *err)
{
	char hash[IG_PASSWORD_HASH_MAX];
	const char *p[5];
	PGresult *r;

	if (ig_account_check_username(username, "username", err) ||
	    ig_account_check_email(email, "email", err) ||
	    ig_password_policy(password, username, email, "password", err))
		return -1;
	/* Hash first, also for names that turn out taken: the answer takes
	 * the same time either way. */
	if (ig_password_hash(password, hash) != 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
	p[0] = username;
	p[1] = email;
	p[2] = hash;
	p[3] = display_name;
	p[4] = role;
	/* The registration address is the confirmed one (account.h). */
	r = ig_db_exec("INSERT INTO users (username, email, confirmed_email, password_hash, display_name, role)"
	    " VALUES ($1, $2, $2, $3, $4, $5) RETURNING id", 5, p, 0, err);
	sodium_memzero(hash, sizeof(hash));
	if (r == NULL) {
		if (strcmp(ig_db_sqlstate(), "23505") == 0)
			return ig_err_set(err, IG_E_CONFLICT, NULL, "that username or email address is already registered");
		return -1;
	}
	snprintf(out_id, IG_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static const char *const end_credentials_sql =
    "WITH u AS (UPDATE users SET password_hash = coalesce($2, password_hash),"
    "  tokens_valid_after = now(), updated_at = now() WHERE id = $1::uuid RETURNING id),"
    " f AS (UPDATE refresh_tokens SET revoked_at = now()"
    "  WHERE user_id = $1::uuid AND revoked_at IS NULL"
    "  RETURNING family_id, access_jti, created_at, spent_at IS NULL AND expires_at > now() AS live),"
    " j AS (INSERT INTO revoked_tokens (jti, expires_at)"
    "  SELECT access_jti, created_at + make_interval(secs => $3::int) FROM f"
    "  WHERE access_jti IS NOT NULL ON CONFLICT DO NOTHING),"
    " k AS (UPDATE api_keys SET revoked_at = now() WHERE user_id = $1::uuid AND revoked_at IS NULL"
    "  RETURNING expires_at IS NULL OR expires_at > now() AS live)"
    " SELECT (SELECT count(*) FROM u), (SELECT count(DISTINCT family_id) FROM f WHERE live),"
    " (SELECT count(*) FROM k WHERE live)";

int
ig_account_end_credentials(const char *user_id, const char *password, int access_ttl_s,
    ig_revoked *out, ig_err *err)
{
	char hash[IG_PASSWORD_HASH_MAX], ttl[16];
	const char *p[3] = { user_id, NULL, ttl };
	PGresult *r;
	int rc = -1;

	if (password != NULL) {
		if (ig_password_hash(password, hash) != 0)
			return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		p[1] = hash;
	}
	snprintf(ttl, sizeof(ttl), "%d", access_ttl_s);
	r = ig_db_exec(end_credentials_sql, 3, p, 0, err);
	sodium_memzero(hash, sizeof(hash));
	if (r == NULL)
		return -1;
	if (atoi(PQgetvalue(r, 0, 0)) != 1) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
		goto out;
	}
	out->sessions = atoi(PQgetvalue(r, 0, 1));
	out->api_keys = atoi(PQgetvalue(r, 0, 2));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
ig_account_password_ok(const char *user_id, const char *password, ig_err *err)
{
	const char *p[1] = { user_id };
	PGresult *r = ig_db_exec("SELECT password_hash FROM users WHERE id = $1::uuid", 1, p,
	    IG_DB_IDEMPOTENT, err);
	int ok;

	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		ok = ig_password_verify(PQgetvalue(r, 0, 0), password);
	} else {
		ig_password_verify_dummy(password);
		ok = 0;
	}
	PQclear(r);
	return ok;
}

/* Lock the row, remember the old address, set the new one; the confirmed
 * address stays. */
static const char *const change_email_sql =
    "WITH old AS (SELECT id, email, confirmed_email FROM users WHERE id = $1::uuid FOR UPDATE)"
    " UPDATE users u SET email = $2, updated_at = now() FROM old WHERE u.id = old.id"
    " RETURNING old.email, lower(old.email) = lower($2),"
    " lower(coalesce(old.confirmed_email, '')) = lower($2)";

int
ig_account_change_email(const char *user_id, const char *email, char old[IG_EMAIL_BUF],
    char token[IG_TOKEN_LEN + 1], int *pending, ig_err *err)
{
	const char *p[3] = { user_id, email, NULL };
	char hex[IG_TOKEN_HASH_HEX], ttl[16];
	const char *q[4] = { hex, user_id, email, ttl };
	PGresult *r;
	int same;

	*pending = 0;
	r = ig_db_exec(change_email_sql, 2, p, 0, err);
	if (r == NULL) {
		if (strcmp(ig_db_sqlstate(), "23505") == 0)
			ig_err_set(err, IG_E_CONFLICT, "email", "that email address is already registered");
		return -1;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
	}
	snprintf(old, IG_EMAIL_BUF, "%s", PQgetvalue(r, 0, 0));
	same = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	*pending = strcmp(PQgetvalue(r, 0, 2), "t") != 0;
	PQclear(r);
	if (same) {
		*pending = 0;
		return 1;
	}
	if (!*pending)
		return 0;
	ig_token_new(token);
	ig_token_hash_hex(token, hex);
	snprintf(ttl, sizeof(ttl), "%d", IG_EMAIL_CONFIRM_TTL);
	return ig_db_run("INSERT INTO email_confirmations (token_hash, user_id, email, expires_at)"
	    " VALUES ($1, $2, $3, now() + make_interval(secs => $4::int))", 4, q, 0, err);
}

/* Spend the token and confirm its address in one statement; a token whose
 * address is no longer the account's is spent without effect. */
static const char *const confirm_email_sql =
    "WITH t AS (UPDATE email_confirmations SET used_at = now() WHERE token_hash = $1"
    "  AND used_at IS NULL AND expires_at > now() RETURNING user_id, email)"
    " UPDATE users u SET confirmed_email = u.email, updated_at = now() FROM t"
    " WHERE u.id = t.user_id AND lower(u.email) = lower(t.email) RETURNING u.id";

int
ig_account_confirm_email(const char *token, char user_id[IG_UUID_BUF], ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX];
	const char *p[1] = { hex };
	PGresult *r;

	if (!ig_token_valid(token))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "token", "invalid or expired token");
	ig_token_hash_hex(token, hex);
	r = ig_db_exec(confirm_email_sql, 1, p, 0, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ig_err_set(err, IG_E_INVALID_REQUEST, "token",
		    "invalid or expired token, or the account's address changed since it was sent");
	}
	snprintf(user_id, IG_UUID_BUF, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}
