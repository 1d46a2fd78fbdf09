/*
 * user.c — the caller's own account: profile, deletion, activity and
 * preferences (API.md "Accounts and keys", "Settings").
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "lib/auth/account.h"
#include "lib/auth/activity.h"
#include "lib/auth/jwt.h"
#include "lib/auth/password.h"
#include "lib/auth/ratelimit.h"
#include "lib/auth/user.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/providers/provider.h"

static int
respond_user(const char *id, json_object **out, ig_err *err)
{
	ig_user u;
	int rc = ig_user_load(id, &u, err);

	if (rc < 0)
		return -1;
	if (rc > 0)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
	*out = ig_ok("user", ig_user_json(&u));
	ig_user_free(&u);
	return 200;
}

int
ig_api_user_get(ig_req *req, json_object **out, ig_err *err)
{
	/* The access check already read the caller's row. */
	if (req->user.id[0] != '\0') {
		*out = ig_ok("user", ig_user_json(&req->user));
		return 200;
	}
	return respond_user(req->caller.user_id, out, err);
}

/*
 * The current password, for changes that hand over the account (email,
 * password): 400 naming current_password when absent, 403 naming it when
 * wrong. Guesses count against the account's login attempts, so a stolen
 * session cannot try passwords here faster than at the login.
 */
static int
check_current_password(ig_req *req, const char *pw, ig_err *err)
{
	char key[64];
	ig_err ignore;
	int ok;

	if (pw == NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "current_password",
		    "current_password is required to change the email or the password");
	snprintf(key, sizeof(key), "user:%s", req->caller.user_id);
	if (ig_login_reserve(req, key, err) != 0)
		return -1;
	ok = ig_account_password_ok(req->caller.user_id, pw, err);
	if (ok < 0)
		return -1;
	if (!ok)
		return ig_err_set(err, IG_E_FORBIDDEN, "current_password", "current_password is wrong");
	ig_login_attempts_clear(key, &ignore);
	return 0;
}

/* Email change: the old address gets a notice, the new one a link; until
 * it is followed, reset mail goes to the last confirmed address. */
static int
change_email(ig_req *req, const char *username, const char *email, ig_err *err)
{
	char old[255], token[IG_TOKEN_LEN + 1];
	int pending, rc = ig_account_change_email(req->caller.user_id, email, old, token, &pending, err);
	json_object *d;

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	ig_auth_mail_email_changed(old, username, email);
	if (pending) {
		ig_auth_mail_confirm(email, username, token);
		sodium_memzero(token, sizeof(token));
	}
	d = json_object_new_object();
	json_object_object_add(d, "email", json_object_new_string(email));
	json_object_object_add(d, "confirmed", json_object_new_boolean(!pending));
	ig_activity(req, req->caller.user_id, "email_changed", d);
	return 0;
}

/* A new password ends every session and API key, the caller's too.
 * Returns the answer's "revoked" object, or NULL with err. */
static json_object *
change_password(ig_req *req, const char *pw, ig_err *err)
{
	ig_revoked rv;
	json_object *d;

	if (ig_account_end_credentials(req->caller.user_id, pw, ig_cfg()->access_ttl + IG_JWT_SKEW, &rv, err) != 0)
		return NULL;
	d = json_object_new_object();
	json_object_object_add(d, "via", json_object_new_string("change"));
	json_object_object_add(d, "revoked", ig_auth_revoked_json(&rv));
	ig_activity(req, req->caller.user_id, "password_changed", d);
	return ig_auth_revoked_json(&rv);
}

int
ig_api_user_put(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "display_name", "email", "current_password", "new_password", NULL };
	json_object *b = ig_body_object(req, keys, err), *v, *revoked = NULL;
	const char *display = NULL, *email = NULL, *current = NULL, *newpw = NULL;
	const char *username = req->user.username, *cur_email = req->user.email;
	int has_display, rc = -1;

	if (b == NULL)
		return -1;
	has_display = json_object_object_get_ex(b, "display_name", &v);
	if ((has_display && v != NULL && ig_json_string(b, "display_name", 0, 1, 100, &display, err) < 0) ||
	    ig_json_string(b, "email", 0, 1, 254, &email, err) < 0 ||
	    (email && ig_account_check_email(email, "email", err) != 0) ||
	    ig_json_string(b, "current_password", 0, 1, IG_PASSWORD_MAX_BYTES, &current, err) < 0 ||
	    ig_json_string(b, "new_password", 0, 1, IG_PASSWORD_MAX_BYTES, &newpw, err) < 0)
		goto out;
	if (newpw != NULL && ig_password_policy(newpw, username, email ? email : cur_email, "new_password", err) != 0)
		goto out;
	if ((email != NULL || newpw != NULL) && check_current_password(req, current, err) != 0)
		goto out;
	if (email != NULL && change_email(req, username, email, err) != 0)
		goto out;
	if (has_display) {
		if (ig_user_set_display_name(req->caller.user_id, display, err) != 0)
			goto out;
		ig_activity(req, req->caller.user_id, "profile_updated", NULL);
	}
	if (newpw != NULL && (revoked = change_password(req, newpw, err)) == NULL)
		goto out;
	rc = respond_user(req->caller.user_id, out, err);
	if (rc == 200 && revoked != NULL) {
		json_object_object_add(*out, "revoked", revoked);
		revoked = NULL;
	}
out:
	json_object_put(revoked);
	json_object_put(b);
	return rc;
}

int
ig_api_user_delete(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "password", NULL };
	json_object *b = ig_body_object(req, keys, err);
	const char *pw = NULL;
	int rc = -1, ok;

	if (b == NULL)
		return -1;
	if (ig_json_string(b, "password", 1, 1, IG_PASSWORD_MAX_BYTES, &pw, err) < 0)
		goto out;
	ok = ig_account_password_ok(req->caller.user_id, pw, err);
	if (ok < 0)
		goto out;
	if (!ok) {
		ig_err_set(err, IG_E_UNAUTHORIZED, "password", "wrong password");
		goto out;
	}
	/* Keys, sessions, activity and (later) images go with the row
	 * (ON DELETE CASCADE); its tokens stop working as the user is gone. */
	if (ig_user_delete(req->caller.user_id, err) != 0)
		goto out;
	*out = ig_ok(NULL, NULL);
	rc = 200;
out:
	json_object_put(b);
	return rc;
}

int
ig_api_user_activity(ig_req *req, json_object **out, ig_err *err)
{
	char cursor[24], next[24];
	int64_t cur = 0;
	int limit, rc;
	json_object *list;

	if (ig_query_limit(req, 20, 100, &limit, err) != 0)
		return -1;
	rc = ig_query_param(req, "cursor", cursor, sizeof(cursor), err);
	if (rc < 0)
		return -1;
	if (rc == 1 && ig_parse_int64(cursor, 1, INT64_MAX, &cur) != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "cursor", "cursor must be a next_cursor value");
	if (ig_activity_list(req->caller.user_id, cur, limit, &list, next, err) != 0)
		return -1;
	*out = ig_ok("activity", list);
	json_object_object_add(*out, "next_cursor", next[0] ? json_object_new_string(next) : NULL);
	return 200;
}

/* Preferences: ig_api_prefs_put checks each key in turn; defaults() holds their defaults. */
static const char *const themes[] = { "light", "dark", "system", NULL };

static int
one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static int
valid_size(const char *s)
{
	unsigned w, h;
	char tail;

	return sscanf(s, "%ux%u%c", &w, &h, &tail) == 2 && w >= 64 && w <= 4096 && h >= 64 && h <= 4096 &&
	    strspn(s, "0123456789x") == strlen(s);
}

static int
valid_language(const char *s)
{
	/* BCP 47-ish: 2–3 letters, then -subtags of 2–8 alphanumerics. */
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");

	if (n < 2 || n > 3)
		return 0;
	for (s += n; *s;) {
		size_t k;
		if (*s != '-')
			return 0;
		s++;
		k = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (k < 2 || k > 8)
			return 0;
		s += k;
	}
	return 1;
}

static json_object *
defaults(void)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "default_provider", json_object_new_string(ig_provider_builtin.name));
	json_object_object_add(d, "default_model", NULL);
	json_object_object_add(d, "default_image_size", json_object_new_string("1024x1024"));
	json_object_object_add(d, "default_image_count", json_object_new_int(1));
	json_object_object_add(d, "theme", json_object_new_string("system"));
	json_object_object_add(d, "language", json_object_new_string("en"));
	return d;
}

static int
respond_prefs(const char *user_id, json_object **out, ig_err *err)
{
	char *pj = NULL;
	json_object *d, *stored;
	ig_err e;
	int rc = ig_user_prefs(user_id, &pj, err);

	if (rc < 0)
		return -1;
	if (rc > 0)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
	d = defaults();
	stored = ig_json_parse(pj, strlen(pj), 1000, &e);
	if (stored != NULL) {
		json_object_object_foreach(stored, k, v) {
			json_object_object_add(d, k, json_object_get(v));
		}
		json_object_put(stored);
	}
	free(pj);
	*out = ig_ok("preferences", d);
	return 200;
}

int
ig_api_prefs_get(ig_req *req, json_object **out, ig_err *err)
{
	return respond_prefs(req->caller.user_id, out, err);
}

int
ig_api_prefs_put(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const keys[] = { "default_provider", "default_model", "default_image_size",
		"default_image_count", "theme", "language", NULL };
	json_object *b = ig_body_object(req, keys, err), *v;
	const char *s;
	int64_t n;
	int rc = -1;

	if (b == NULL)
		return -1;
	if (ig_json_string(b, "default_provider", 0, 1, 32, &s, err) == 0 && ig_provider_find(s) == NULL) {
		char names[256];
		ig_err_set(err, IG_E_INVALID_REQUEST, "default_provider", "default_provider must be one of %s",
		    ig_provider_names(names, sizeof(names), 0));
		goto out;
	}
	if (err->field[0])
		goto out;
	/* default_model may be null to clear it. */
	if (json_object_object_get_ex(b, "default_model", &v) && v != NULL &&
	    ig_json_string(b, "default_model", 0, 1, 200, &s, err) < 0)
		goto out;
	if (ig_json_string(b, "default_image_size", 0, 1, 16, &s, err) == 0 && !valid_size(s)) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "default_image_size",
		    "default_image_size must be WIDTHxHEIGHT, each 64 to 4096");
		goto out;
	}
	if (err->field[0] || ig_json_int(b, "default_image_count", 0, 1, 10, &n, err) < 0)
		goto out;
	if (ig_json_string(b, "theme", 0, 1, 16, &s, err) == 0 && !one_of(s, themes)) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "theme", "theme must be light, dark or system");
		goto out;
	}
	if (err->field[0])
		goto out;
	if (ig_json_string(b, "language", 0, 2, 35, &s, err) == 0 && !valid_language(s)) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "language", "language must be a language tag such as en or zh-TW");
		goto out;
	}
	if (err->field[0])
		goto out;
	if (ig_user_prefs_merge(req->caller.user_id, json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN),
		err) != 0)
		goto out;
	rc = respond_prefs(req->caller.user_id, out, err);
out:
	json_object_put(b);
	return rc;
}
