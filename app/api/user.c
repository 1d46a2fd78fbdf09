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
#include "app/api/fields.h"
#include "lib/auth/account.h"
#include "lib/auth/activity.h"
#include "lib/auth/jwt.h"
#include "lib/auth/password.h"
#include "lib/auth/ratelimit.h"
#include "lib/auth/user.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/providers/provider.h"

/* rc of an ig_user_* read: 0 when the user was there, else -1 with err
 * (the read's own, or "no such user"). */
static int
found(int rc, ig_err *err)
{
	if (rc > 0)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
	return rc < 0 ? -1 : 0;
}

static int
respond_user(const char *id, json_object **out, ig_err *err)
{
	ig_user u;

	if (found(ig_user_load(id, &u, err), err) != 0)
		return -1;
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
 * The caller's password, asked again before a change that hands over or ends
 * the account: 403 naming FIELD when wrong. Guesses count against the
 * account's login attempts (429 past IG_LOGIN_MAX_FAILURES), so a stolen
 * session cannot try passwords here faster than at the login.
 */
static int
check_password(ig_req *req, const char *field, const char *pw, ig_err *err)
{
	char key[64];
	ig_err ignore;
	int ok;

	snprintf(key, sizeof(key), "user:%s", req->caller.user_id);
	if (ig_login_reserve(req, key, err) != 0)
		return -1;
	ok = ig_account_password_ok(req->caller.user_id, pw, err);
	if (ok < 0)
		return -1;
	if (!ok)
		return ig_err_set(err, IG_E_FORBIDDEN, field, "%s is wrong", field);
	ig_login_attempts_clear(key, &ignore);
	return 0;
}

/* Email change: the old address gets a notice, the new one a link; until
 * it is followed, reset mail goes to the last confirmed address. */
static int
change_email(ig_req *req, const char *username, const char *email, ig_err *err)
{
	char old[IG_EMAIL_BUF], token[IG_TOKEN_LEN + 1];
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

/* PUT /api/user: only what it names changes; display_name null clears it. */
struct user_put_body {
	const char *display_name, *email, *current_password, *new_password;
	int has_display_name;
};

static int
check_new_email(void *dst, ig_err *err)
{
	return ig_account_check_email(((struct user_put_body *)dst)->email, "email", err);
}

static const ig_field user_put_fields[] = {
	{ "display_name", IG_F_STRING, IG_F_NULL, 1, 100, .at = IG_AT(struct user_put_body, display_name),
	  .has = IG_HAS(struct user_put_body, has_display_name) },
	{ "email", IG_F_STRING, 0, 1, 254, .at = IG_AT(struct user_put_body, email), .check = check_new_email },
	{ "current_password", IG_F_STRING, 0, 1, IG_PASSWORD_MAX_BYTES,
	  .at = IG_AT(struct user_put_body, current_password) },
	{ "new_password", IG_F_STRING, 0, 1, IG_PASSWORD_MAX_BYTES, .at = IG_AT(struct user_put_body, new_password) },
	IG_FIELDS_END
};

int
ig_api_user_put(ig_req *req, json_object **out, ig_err *err)
{
	struct user_put_body b = { NULL, NULL, NULL, NULL, 0 };
	const char *username = req->user.username, *cur_email = req->user.email, *email, *newpw;
	json_object *revoked = NULL;
	int rc = -1;

	if (ig_fields_body(req, user_put_fields, &b, err) != 0)
		return -1;
	email = b.email;
	newpw = b.new_password;
	if (newpw != NULL && ig_password_policy(newpw, username, email ? email : cur_email, "new_password", err) != 0)
		goto out;
	if ((email != NULL || newpw != NULL) && b.current_password == NULL) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "current_password",
		    "current_password is required to change the email or the password");
		goto out;
	}
	if ((email != NULL || newpw != NULL) && check_password(req, "current_password", b.current_password, err) != 0)
		goto out;
	if (email != NULL && change_email(req, username, email, err) != 0)
		goto out;
	if (b.has_display_name) {
		if (ig_user_set_display_name(req->caller.user_id, b.display_name, err) != 0)
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
	return rc;
}

/* DELETE /api/user */
struct user_delete_body {
	const char *password;
};

static const ig_field user_delete_fields[] = {
	{ "password", IG_F_STRING, IG_F_REQUIRED, 1, IG_PASSWORD_MAX_BYTES,
	  .at = IG_AT(struct user_delete_body, password) },
	IG_FIELDS_END
};

int
ig_api_user_delete(ig_req *req, json_object **out, ig_err *err)
{
	struct user_delete_body b = { NULL };

	if (ig_fields_body(req, user_delete_fields, &b, err) != 0)
		return -1;
	if (check_password(req, "password", b.password, err) != 0)
		return -1;
	/* Keys, sessions, activity and (later) images go with the row
	 * (ON DELETE CASCADE); its tokens stop working as the user is gone. */
	if (ig_user_delete(req->caller.user_id, err) != 0)
		return -1;
	*out = ig_ok(NULL, NULL);
	return 200;
}

/* GET /api/user/activity?limit=&cursor= (cursor: a next_cursor, an id) */
struct activity_query {
	int64_t limit, cursor;
};

static const ig_field activity_query[] = {
	{ "limit", IG_F_INT, 0, 1, 100, .at = IG_AT(struct activity_query, limit), .bytes = 15 },
	{ "cursor", IG_F_INT, 0, 1, INT64_MAX, .at = IG_AT(struct activity_query, cursor),
	  .msg = "{name} must be a next_cursor value", .bytes = 23 },
	IG_FIELDS_END
};

int
ig_api_user_activity(ig_req *req, json_object **out, ig_err *err)
{
	struct activity_query q = { 20, 0 };
	char next[24];
	json_object *list;

	if (ig_fields_query(req, activity_query, &q, err) != 0 ||
	    ig_activity_list(req->caller.user_id, q.cursor, (int)q.limit, &list, next, err) != 0)
		return -1;
	*out = ig_ok("activity", list);
	json_object_object_add(*out, "next_cursor", next[0] ? json_object_new_string(next) : NULL);
	return 200;
}

/* Preferences: ig_api_prefs_put checks each key in turn; defaults() holds their defaults. */
static const char *const themes[] = { "light", "dark", "system", NULL };

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

	if (found(ig_user_prefs(user_id, &pj, err), err) != 0)
		return -1;
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

/*
 * PUT /api/user/preferences: each key given is checked and stored; null
 * stores null (the default shows again only for keys never set). With
 * IG_F_NULL a null default_image_count reads as 0, which no valid count is.
 */
struct prefs_body {
	const char *provider, *model, *size, *theme, *language;
	int64_t count;
	int has_provider, has_model, has_size, has_count, has_theme, has_language;
};

static int
check_provider(void *dst, ig_err *err)
{
	char names[256];

	if (ig_provider_find(((struct prefs_body *)dst)->provider) != NULL)
		return 0;
	return ig_err_set(err, IG_E_INVALID_REQUEST, "default_provider", "default_provider must be one of %s",
	    ig_provider_names(names, sizeof(names), 0));
}

static int
check_size(void *dst, ig_err *err)
{
	if (valid_size(((struct prefs_body *)dst)->size))
		return 0;
	return ig_err_set(err, IG_E_INVALID_REQUEST, "default_image_size",
	    "default_image_size must be WIDTHxHEIGHT, each 64 to 4096");
}

static int
check_theme(void *dst, ig_err *err)
{
	if (ig_str_in(((struct prefs_body *)dst)->theme, themes))
		return 0;
	return ig_err_set(err, IG_E_INVALID_REQUEST, "theme", "theme must be light, dark or system");
}

static int
check_language(void *dst, ig_err *err)
{
	if (valid_language(((struct prefs_body *)dst)->language))
		return 0;
	return ig_err_set(err, IG_E_INVALID_REQUEST, "language", "language must be a language tag such as en or zh-TW");
}

#define PREF(name, type, min, max, member, chk) \
	{ name, type, IG_F_NULL, min, max, .at = IG_AT(struct prefs_body, member), \
	  .has = IG_HAS(struct prefs_body, has_##member), .check = chk }
static const ig_field prefs_fields[] = {
	PREF("default_provider", IG_F_STRING, 1, 32, provider, check_provider),
	PREF("default_model", IG_F_STRING, 1, 200, model, NULL),
	PREF("default_image_size", IG_F_STRING, 1, 16, size, check_size),
	PREF("default_image_count", IG_F_INT, 1, 10, count, NULL),
	PREF("theme", IG_F_STRING, 1, 16, theme, check_theme),
	PREF("language", IG_F_STRING, 2, 35, language, check_language),
	IG_FIELDS_END
};
#undef PREF

static void
add_string(json_object *o, const char *key, int given, const char *v)
{
	if (given)
		json_object_object_add(o, key, v != NULL ? json_object_new_string(v) : NULL);
}

int
ig_api_prefs_put(ig_req *req, json_object **out, ig_err *err)
{
	struct prefs_body b;
	json_object *set;
	int rc;

	memset(&b, 0, sizeof(b));
	if (ig_fields_body(req, prefs_fields, &b, err) != 0)
		return -1;
	/* What was given, nulls too, merged over what is stored. */
	set = json_object_new_object();
	add_string(set, "default_provider", b.has_provider, b.provider);
	add_string(set, "default_model", b.has_model, b.model);
	add_string(set, "default_image_size", b.has_size, b.size);
	if (b.has_count)
		json_object_object_add(set, "default_image_count", b.count != 0 ? json_object_new_int64(b.count) : NULL);
	add_string(set, "theme", b.has_theme, b.theme);
	add_string(set, "language", b.has_language, b.language);
	rc = ig_user_prefs_merge(req->caller.user_id, json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN), err);
	json_object_put(set);
	if (rc != 0)
		return -1;
	return respond_prefs(req->caller.user_id, out, err);
}
