/* account.c — see account.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/account.h"
#include "lib/auth/password.h"
#include "lib/auth/user.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

/* Every statement of this module: email_confirmations (the users row
 * itself is lib/auth/user.c's). */
#define STATEMENTS(X) \
	X(SQL_CONFIRMATION_ADD, "INSERT INTO email_confirmations (token_hash, user_id, email, expires_at)" \
	    " VALUES ($1, $2, $3, now() + make_interval(secs => $4::int))") \
	/* Spend the token and confirm its address in one statement; a token \
	 * whose address is no longer the account's is spent without effect. */ \
	X(SQL_CONFIRM, \
	    "WITH t AS (UPDATE email_confirmations SET used_at = now() WHERE token_hash = $1" \
	    "  AND used_at IS NULL AND expires_at > now() RETURNING user_id, email)" \
	    " UPDATE users u SET confirmed_email = u.email, updated_at = now() FROM t" \
	    " WHERE u.id = t.user_id AND lower(u.email) = lower(t.email) RETURNING u.id")
IG_DB_STATEMENTS(STATEMENTS);

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
	int rc;

	if (ig_account_check_username(username, "username", err) ||
	    ig_account_check_email(email, "email", err) ||
	    ig_password_policy(password, username, email, "password", err))
		return -1;
	/* Hash first, also for names that turn out taken: the answer takes
	 * the same time either way. */
	if (ig_password_hash(password, hash) != 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
	rc = ig_user_insert(username, email, hash, display_name, role, out_id, err);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int
ig_account_end_credentials(const char *user_id, const char *password, int access_ttl_s,
    ig_revoked *out, ig_err *err)
{
	char hash[IG_PASSWORD_HASH_MAX];
	int rc;

	if (password != NULL && ig_password_hash(password, hash) != 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
	rc = ig_user_end_credentials(user_id, password != NULL ? hash : NULL, access_ttl_s, out, err);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int
ig_account_password_ok(const char *user_id, const char *password, ig_err *err)
{
	char hash[IG_PASSWORD_HASH_MAX];
	int found = ig_user_password_hash(user_id, hash, err), ok;

	if (found < 0)
		return -1;
	if (found) {
		ok = ig_password_verify(hash, password);
	} else {
		ig_password_verify_dummy(password);
		ok = 0;
	}
	sodium_memzero(hash, sizeof(hash));
	return ok;
}

int
ig_account_change_email(const char *user_id, const char *email, char old[IG_EMAIL_BUF],
    char token[IG_TOKEN_LEN + 1], int *pending, ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX], ttl[16];
	const char *q[4] = { hex, user_id, email, ttl };
	int same, confirmed;

	*pending = 0;
	if (ig_user_set_email(user_id, email, old, &same, &confirmed, err) != 0)
		return -1;
	if (same)
		return 1;
	*pending = !confirmed;
	if (!*pending)
		return 0;
	ig_token_new(token);
	ig_token_hash_hex(token, hex);
	snprintf(ttl, sizeof(ttl), "%d", IG_EMAIL_CONFIRM_TTL);
	return ig_db_run(sql[SQL_CONFIRMATION_ADD], 4, q, 0, err);
}

int
ig_account_confirm_email(const char *token, char user_id[IG_UUID_BUF], ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX];
	const char *p[1] = { hex };
	int rc;

	if (!ig_token_valid(token))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "token", "invalid or expired token");
	ig_token_hash_hex(token, hex);
	rc = ig_db_value(sql[SQL_CONFIRM], 1, p, 0, user_id, IG_UUID_BUF, err);
	if (rc == 1)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "token",
		    "invalid or expired token, or the account's address changed since it was sent");
	return rc;
}
