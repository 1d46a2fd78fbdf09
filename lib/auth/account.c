/* account.c — see account.h. */
#include "ig_autoconf.h"

#include <stdio.h>
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
    const char *display_name, const char *role, char out_id[37], ig_err *err)
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
	r = ig_db_exec("INSERT INTO users (username, email, password_hash, display_name, role)"
	    " VALUES ($1, $2, $3, $4, $5) RETURNING id", 5, p, 0, err);
	sodium_memzero(hash, sizeof(hash));
	if (r == NULL) {
		if (strcmp(ig_db_sqlstate(), "23505") == 0)
			return ig_err_set(err, IG_E_CONFLICT, NULL, "that username or email address is already registered");
		return -1;
	}
	snprintf(out_id, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}
