/*
 * auth.c — registration, sessions and password reset (API.md "Accounts and
 * keys"). Access tokens are JWTs (lib/auth/jwt.c); refresh tokens are
 * opaque random strings stored as SHA-256, rotated on every use, in
 * families: reusing a spent one revokes the family it belongs to.
 *
 * Two ways to hold the refresh token (login's "session"): "body", the
 * answer carries it (programs); "cookie", for this service's own pages
 * (web/), it rides in an HttpOnly cookie scoped to /api/auth/ that the
 * page's script never sees, and the answer carries a CSRF token instead
 * (lib/auth/cookie.h), also in a cookie the page can read after a reload.
 * A refresh by cookie must send it back in X-CSRF-Token and, when the
 * browser says where it comes from (Origin), come from this service.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/auth/account.h"
#include "lib/auth/cookie.h"
#include "lib/auth/jwt.h"
#include "lib/auth/outbox.h"
#include "lib/auth/password.h"
#include "lib/auth/ratelimit.h"
#include "lib/auth/reset.h"
#include "lib/auth/session.h"
#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/util.h"

#define RESET_TTL_MIN 30

/* The cookies of a cookie session (RFC 6265 §4.1): the refresh token,
 * sent only to /api/auth/ and never readable by a script, and its CSRF
 * token, readable by the page (not HttpOnly) so a reloaded page finds it.
 * Both Secure and SameSite=Strict: no other site's request carries them. */
enum { COOKIE_REFRESH, COOKIE_CSRF };
static const struct {
	const char *name, *path, *flags;
} session_cookies[] = {
	[COOKIE_REFRESH] = { "ig_refresh", "/api/auth/", "HttpOnly; Secure; SameSite=Strict" },
	[COOKIE_CSRF] = { "ig_csrf", "/", "Secure; SameSite=Strict" },
};

/* Set cookie which to value for max_age seconds (0 with "": remove it). */
static void
set_cookie(ig_req *req, int which, const char *value, int max_age)
{
	char line[256];

	snprintf(line, sizeof(line), "%s=%s; Path=%s; Max-Age=%d; %s", session_cookies[which].name, value,
	    session_cookies[which].path, max_age, session_cookies[which].flags);
	ig_req_add_header(req, "Set-Cookie", line);
	sodium_memzero(line, sizeof(line));
}

/* Both cookies removed: logout, and a refresh by cookie that was refused. */
static void
clear_cookies(ig_req *req)
{
	set_cookie(req, COOKIE_REFRESH, "", 0);
	set_cookie(req, COOKIE_CSRF, "", 0);
}

/* The ig_refresh cookie of the request into out: 1 when there is one
 * (whatever its shape), else 0 (none, or a Cookie header ig_cookie_get
 * ignores: then it is as if there were none). */
static int
refresh_cookie(const ig_req *req, char out[IG_TOKEN_LEN + 1])
{
	return ig_cookie_get(ig_req_header(req, "Cookie"), session_cookies[COOKIE_REFRESH].name, out,
	    IG_TOKEN_LEN + 1) == 1;
}

/* A cookie session is for this service's own pages: a request whose
 * browser names another origin (Origin, RFC 6454) is refused with 403.
 * Programs send no Origin. 0 or -1 with err. */
static int
same_origin(const ig_req *req, ig_err *err)
{
	const char *origin = ig_req_header(req, "Origin");

	if (origin == NULL || ig_cookie_same_origin(origin, ig_cfg()->public_url, ig_req_header(req, "Host")))
		return 0;
	return ig_err_set(err, IG_E_FORBIDDEN, "Origin",
	    "a cookie session is only for this service's own pages; the Origin header names another site");
}

/*
 * Issue an access token and a refresh token for user (family: an existing
 * family id when rotating, NULL for a new login). cookie: the refresh
 * token goes into the ig_refresh cookie and the answer carries csrf_token
 * instead (a cookie session); else the answer carries it. Returns the
 * login response body, or NULL with err.
 */
static json_object *
issue_session(ig_req *req, const char *user_id, const char *family, int cookie, ig_err *err)
{
	const ig_config *cfg = ig_cfg();
	char *access = NULL, refresh[IG_TOKEN_LEN + 1];
	ig_jwt_claims c;
	ig_user u;
	json_object *o;
	int rc = ig_user_load(user_id, &u, err);

	if (rc != 0) {
		if (rc > 0)
			ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "the account no longer exists");
		return NULL;
	}
	if (ig_jwt_issue(user_id, u.role, &access, &c) != 0) {
		ig_user_free(&u);
		ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		return NULL;
	}
	if (ig_session_start(user_id, family, c.jti, cfg->refresh_ttl, refresh, err) != 0) {
		free(access);
		ig_user_free(&u);
		return NULL;
	}
	o = ig_ok("access_token", json_object_new_string(access));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int(cfg->access_ttl));
	if (cookie) {
		char csrf[IG_CSRF_LEN + 1];

		ig_cookie_csrf(cfg->jwt_secret, refresh, csrf);
		set_cookie(req, COOKIE_REFRESH, refresh, cfg->refresh_ttl);
		set_cookie(req, COOKIE_CSRF, csrf, cfg->refresh_ttl);
		json_object_object_add(o, "csrf_token", json_object_new_string(csrf));
		sodium_memzero(csrf, sizeof(csrf));
	} else {
		json_object_object_add(o, "refresh_token", json_object_new_string(refresh));
	}
	json_object_object_add(o, "refresh_expires_in", json_object_new_int(cfg->refresh_ttl));
	json_object_object_add(o, "user", ig_user_json(&u));
	sodium_memzero(refresh, sizeof(refresh));
	sodium_memzero(access, strlen(access));
	free(access);
	ig_user_free(&u);
	return o;
}

/* POST /api/auth/register; the account's own rules are ig_account_create's. */
struct register_body {
	const char *username, *email, *password, *display_name;
};

static const ig_field register_fields[] = {
	{ "username", IG_F_STRING, IG_F_REQUIRED, 1, 50, .at = IG_AT(struct register_body, username) },
	{ "email", IG_F_STRING, IG_F_REQUIRED, 1, 254, .at = IG_AT(struct register_body, email) },
	{ "password", IG_F_STRING, IG_F_REQUIRED, 1, IG_PASSWORD_MAX_BYTES,
	  .at = IG_AT(struct register_body, password) },
	{ "display_name", IG_F_STRING, 0, 1, 100, .at = IG_AT(struct register_body, display_name) },
	IG_FIELDS_END
};

int
ig_api_register(ig_req *req, json_object **out, ig_err *err)
{
	struct register_body b = { NULL, NULL, NULL, NULL };
	char id[IG_UUID_BUF];
	ig_user u;
	int found;

	if (ig_fields_body(req, register_fields, &b, err) != 0 ||
	    ig_account_create(b.username, b.email, b.password, b.display_name, "user", id, err) != 0)
		return -1;
	found = ig_user_load(id, &u, err);
	if (found != 0)
		return found > 0 ? ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "the account no longer exists") : -1;
	*out = ig_ok("user", ig_user_json(&u));
	ig_user_free(&u);
	ig_activity(req, id, "registered", NULL);
	return 201;
}

/* Reserve one login attempt of key (lib/auth/ratelimit.c) before any
 * password is checked: 429 with Retry-After when the key's window is full. */
int
ig_login_reserve(ig_req *req, const char *key, ig_err *err)
{
	const ig_config *cfg = ig_cfg();
	int allowed, retry;
	char num[16];

	if (ig_login_attempt(key, cfg->login_max_failures, cfg->login_failure_window, &allowed, &retry, err) != 0)
		return -1;
	if (allowed)
		return 0;
	snprintf(num, sizeof(num), "%d", retry);
	ig_req_add_header(req, "Retry-After", num);
	return ig_err_set(err, IG_E_RATE_LIMITED, NULL,
	    "too many failed logins; try again in %d seconds", retry);
}

/* POST /api/auth/login */
struct login_body {
	const char *who, *password, *session;
};

static const char *const session_modes[] = { "body", "cookie", NULL };

static const ig_field login_fields[] = {
	{ "username_or_email", IG_F_STRING, IG_F_REQUIRED, 1, 254, .at = IG_AT(struct login_body, who) },
	{ "password", IG_F_STRING, IG_F_REQUIRED, 1, IG_PASSWORD_MAX_BYTES, .at = IG_AT(struct login_body, password) },
	{ "session", IG_F_ENUM, 0, .values = session_modes, .at = IG_AT(struct login_body, session) },
	IG_FIELDS_END
};

int
ig_api_login(ig_req *req, json_object **out, ig_err *err)
{
	struct login_body b = { NULL, NULL, session_modes[0] };
	const char *who, *password;
	char acct_key[300], ip_key[80], client[64], lower[256], id[IG_UUID_BUF], hash[IG_PASSWORD_HASH_MAX];
	int rc = -1, found, ok, cookie;

	if (ig_fields_body(req, login_fields, &b, err) != 0)
		return -1;
	/* Before any password is checked or attempt counted. */
	cookie = b.session == session_modes[1];
	if (cookie && same_origin(req, err) != 0)
		return -1;
	who = b.who;
	password = b.password;
	found = ig_user_by_login(who, id, hash, err);
	if (found < 0)
		goto out;
	/* Failures count per account, whichever name it was reached by;
	 * names that match no account count as typed. */
	if (found) {
		snprintf(acct_key, sizeof(acct_key), "user:%s", id);
	} else {
		snprintf(lower, sizeof(lower), "%s", who);
		for (char *c = lower; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		snprintf(acct_key, sizeof(acct_key), "name:%s", lower);
	}
	ig_client_key(req->remote_addr, client, sizeof(client));
	snprintf(ip_key, sizeof(ip_key), "ip:%s", client);
	/* Both reservations come first: concurrent guesses cannot all see
	 * a count under the limit and then all be checked. */
	if (ig_login_reserve(req, acct_key, err) != 0)
		goto out;
	if (ig_login_reserve(req, ip_key, err) != 0) {
		ig_err ignore;
		ig_login_attempt_undo(acct_key, &ignore);
		goto out;
	}
	/* Unknown users cost one verification too: timing does not tell. */
	if (found)
		ok = ig_password_verify(hash, password);
	else
		ig_password_verify_dummy(password), ok = 0;
	if (!ok) {
		/* The reserved attempts stay counted: they were failures. */
		if (found)
			ig_activity(req, id, "login_failed", NULL);
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "wrong username, email or password");
		goto out;
	}
	{
		ig_err ignore;

		ig_login_attempts_clear(acct_key, &ignore);
		ig_login_attempt_undo(ip_key, &ignore);
		ig_user_logged_in(id, &ignore);
		*out = issue_session(req, id, NULL, cookie, err);
		if (*out == NULL)
			goto out;
		ig_activity(req, id, "login", NULL);
	}
	rc = 200;
out:
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* The body of POST /api/auth/refresh and /logout: refresh_token, which a
 * refresh needs unless the ig_refresh cookie came. */
struct refresh_body {
	const char *token;
};

static const ig_field refresh_fields[] = {
	{ "refresh_token", IG_F_STRING, 0, 1, 128, .at = IG_AT(struct refresh_body, token) },
	IG_FIELDS_END
};

/* Spend refresh token and answer a new session (cookie: a cookie
 * session's, whose cookies are removed when the token is refused).
 * A status, or -1 with err. */
static int
refresh_with(ig_req *req, const char *token, int cookie, json_object **out, ig_err *err)
{
	char user[IG_UUID_BUF], fam[IG_UUID_BUF];
	ig_session_spend_result spent;

	if (!ig_token_valid(token)) {
		ig_err_set(err, IG_E_UNAUTHORIZED, "refresh_token", "invalid refresh token");
		goto refused;
	}
	/* Spend it atomically: of two concurrent uses only one succeeds. */
	if (ig_session_spend(token, ig_cfg()->access_ttl + IG_JWT_SKEW, user, fam, &spent, err) != 0)
		return -1;
	if (spent != IG_SESSION_SPENT) {
		/* A spent token came back: someone holds a copy, and the whole
		 * family has ended, the legitimate holder's newest token too. */
		if (spent == IG_SESSION_REUSED)
			ig_activity(req, user, "refresh_token_reused", NULL);
		ig_err_set(err, IG_E_UNAUTHORIZED, "refresh_token", "invalid, expired or already used refresh token");
		goto refused;
	}
	*out = issue_session(req, user, fam, cookie, err);
	return *out ? 200 : -1;
refused:
	if (cookie)
		clear_cookies(req);
	return -1;
}

int
ig_api_refresh(ig_req *req, json_object **out, ig_err *err)
{
	struct refresh_body b = { NULL };
	char cookie[IG_TOKEN_LEN + 1];
	int rc;

	/* The body may be empty when the cookie carries the token. */
	if (req->body_len > 0 && ig_fields_body(req, refresh_fields, &b, err) != 0)
		return -1;
	/* A token in the body wins: body mode, as it always was. */
	if (b.token != NULL)
		return refresh_with(req, b.token, 0, out, err);
	if (!refresh_cookie(req, cookie))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "refresh_token",
		    "refresh_token is required (or the ig_refresh cookie of a cookie session)");
	/* By cookie: the page must show it can read its CSRF token, which
	 * another site's page cannot; refused, the token is not spent. */
	if (same_origin(req, err) != 0)
		rc = -1;
	else if (!ig_cookie_csrf_ok(ig_cfg()->jwt_secret, cookie, ig_req_header(req, "X-CSRF-Token")))
		rc = ig_err_set(err, IG_E_FORBIDDEN, "X-CSRF-Token",
		    "a refresh by cookie needs the header X-CSRF-Token: the session's csrf_token "
		    "(also in the ig_csrf cookie)");
	else
		rc = refresh_with(req, cookie, 1, out, err);
	sodium_memzero(cookie, sizeof(cookie));
	return rc;
}

int
ig_api_logout(ig_req *req, json_object **out, ig_err *err)
{
	struct refresh_body b = { NULL };
	char cookie[IG_TOKEN_LEN + 1];
	int rc;

	if (req->caller.via_api_key)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL,
		    "logout ends a session; revoke an API key with DELETE /api/keys/{id}");
	/* The body is optional. */
	if (req->body_len > 0 && ig_fields_body(req, refresh_fields, &b, err) != 0)
		return -1;
	/* Without one in the body, a cookie session's refresh token. */
	if (b.token == NULL && refresh_cookie(req, cookie))
		b.token = cookie;
	/* This access token, its family, and that of the refresh token
	 * given (if it is the caller's). */
	rc = ig_session_end(req->caller.user_id, req->caller.jti, req->caller.token_exp, b.token,
	    ig_cfg()->access_ttl + IG_JWT_SKEW, err);
	sodium_memzero(cookie, sizeof(cookie));
	if (rc != 0)
		return -1;
	/* Whichever way the session was held, the browser drops its cookies. */
	clear_cookies(req);
	ig_activity(req, req->caller.user_id, "logout", NULL);
	*out = ig_ok(NULL, NULL);
	return 200;
}
/* Queue a mail for the runner (lib/auth/outbox.c): the request does not
 * wait for SMTP. ttl_s: how long its content is worth sending (0: always).
 * Takes body (malloc'ed) and wipes it: it may hold a token. */
static void
queue_mail(const char *to, const char *subject, int ttl_s, char *body)
{
	const ig_config *cfg = ig_cfg();
	ig_err err;

	if (cfg->smtp_url == NULL || cfg->smtp_url[0] == '\0')
		ig_logf(IG_LOG_WARN, "mail_disabled", "IG_SMTP_URL is not set: \"%s\" not sent", subject);
	else if (ig_outbox_add(to, subject, body, ttl_s, &err) != 0)
		ig_logf(IG_LOG_WARN, "mail_queue_failed", "\"%s\": %s", subject, err.message);
	sodium_memzero(body, strlen(body));
	free(body);
}

static void
send_reset_mail(const char *to, const char *username, const char *token)
{
	queue_mail(to, "Reset your imagegen password", RESET_TTL_MIN * 60, ig_xasprintf(
	    "Someone asked to reset the password of the imagegen account \"%s\".\n\n"
	    "Token: %s\n\n"
	    "Or open this link:\n%s/reset-password?token=%s\n\n"
	    "The token works once, within %d minutes. If you did not ask for this,\n"
	    "ignore this mail: your password stays as it is.\n",
	    username, token, ig_cfg()->public_url, token, RESET_TTL_MIN));
}

void
ig_auth_mail_email_changed(const char *old_to, const char *username, const char *new_email)
{
	queue_mail(old_to, "Your imagegen email address was changed", 0, ig_xasprintf(
	    "The email address of the imagegen account \"%s\" was changed\n"
	    "from %s to %s.\n\n"
	    "Password-reset mail keeps going to the last confirmed address until the\n"
	    "new one is confirmed. If you did not make this change, reset your\n"
	    "password now: that ends every session and API key of the account.\n",
	    username, old_to, new_email));
}

void
ig_auth_mail_confirm(const char *to, const char *username, const char *token)
{
	queue_mail(to, "Confirm your imagegen email address", IG_EMAIL_CONFIRM_TTL, ig_xasprintf(
	    "Confirm that this address belongs to the imagegen account \"%s\".\n\n"
	    "Token: %s\n\n"
	    "Or open this link:\n%s/confirm-email?token=%s\n\n"
	    "The token works once, within %d hours. Until then, password-reset\n"
	    "mail goes to the account's previous, confirmed address.\n",
	    username, token, ig_cfg()->public_url, token, IG_EMAIL_CONFIRM_TTL / 3600));
}

json_object *
ig_auth_revoked_json(const ig_revoked *rv)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "sessions", json_object_new_int(rv->sessions));
	json_object_object_add(o, "api_keys", json_object_new_int(rv->api_keys));
	return o;
}

/* POST /api/auth/password-reset/request */
struct reset_request_body {
	const char *email;
};

static int
check_reset_email(void *dst, ig_err *err)
{
	return ig_account_check_email(((struct reset_request_body *)dst)->email, "email", err);
}

static const ig_field reset_request_fields[] = {
	{ "email", IG_F_STRING, IG_F_REQUIRED, 1, 254, .at = IG_AT(struct reset_request_body, email),
	  .check = check_reset_email },
	IG_FIELDS_END
};

int
ig_api_reset_request(ig_req *req, json_object **out, ig_err *err)
{
	struct reset_request_body b = { NULL };
	char token[IG_TOKEN_LEN + 1], user[IG_UUID_BUF], username[IG_USERNAME_BUF], to[IG_EMAIL_BUF];
	int started;

	if (ig_fields_body(req, reset_request_fields, &b, err) != 0)
		return -1;
	/* The mail goes only to the account's confirmed address (reset.h). */
	started = ig_reset_start(b.email, RESET_TTL_MIN * 60, token, user, username, to, err);
	if (started < 0)
		return -1;
	if (started) {
		send_reset_mail(to, username, token);
		ig_activity(req, user, "password_reset_requested", NULL);
		sodium_memzero(token, sizeof(token));
	}
	/* The same answer whether or not the address is registered. */
	*out = ig_ok("message", json_object_new_string(
	    "if that address belongs to an account, a reset token is on its way"));
	return 202;
}

/* POST /api/auth/password-reset/confirm */
struct reset_confirm_body {
	const char *token, *new_password;
};

static const ig_field reset_confirm_fields[] = {
	{ "token", IG_F_STRING, IG_F_REQUIRED, 1, 128, .at = IG_AT(struct reset_confirm_body, token) },
	{ "new_password", IG_F_STRING, IG_F_REQUIRED, 1, IG_PASSWORD_MAX_BYTES,
	  .at = IG_AT(struct reset_confirm_body, new_password) },
	IG_FIELDS_END
};

int
ig_api_reset_confirm(ig_req *req, json_object **out, ig_err *err)
{
	struct reset_confirm_body b = { NULL, NULL };
	char user[IG_UUID_BUF], username[IG_USERNAME_BUF], email[IG_EMAIL_BUF];
	ig_revoked rv;
	int n;

	if (ig_fields_body(req, reset_confirm_fields, &b, err) != 0)
		return -1;
	if (!ig_token_valid(b.token))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "token", "invalid or expired token");
	n = ig_reset_find(b.token, user, username, email, err);
	if (n <= 0)
		return n < 0 ? -1 : ig_err_set(err, IG_E_INVALID_REQUEST, "token", "invalid or expired token");
	/* Check the new password before spending the token. */
	if (ig_password_policy(b.new_password, username, email, "new_password", err) != 0)
		return -1;
	n = ig_reset_spend(b.token, err);
	if (n <= 0)
		return n < 0 ? -1 : ig_err_set(err, IG_E_INVALID_REQUEST, "token", "invalid or expired token");
	/* Whoever took over the account loses every session and key with
	 * the old password, in the same statement that replaces it. */
	if (ig_account_end_credentials(user, b.new_password, ig_cfg()->access_ttl + IG_JWT_SKEW, &rv, err) != 0)
		return -1;
	{
		json_object *d = json_object_new_object();
		json_object_object_add(d, "via", json_object_new_string("reset"));
		json_object_object_add(d, "revoked", ig_auth_revoked_json(&rv));
		ig_activity(req, user, "password_changed", d);
	}
	*out = ig_ok("revoked", ig_auth_revoked_json(&rv));
	return 200;
}

int
ig_api_logout_all(ig_req *req, json_object **out, ig_err *err)
{
	ig_revoked rv;
	json_object *d;

	if (ig_account_end_credentials(req->caller.user_id, NULL, ig_cfg()->access_ttl + IG_JWT_SKEW,
		&rv, err) != 0)
		return -1;
	d = json_object_new_object();
	json_object_object_add(d, "revoked", ig_auth_revoked_json(&rv));
	ig_activity(req, req->caller.user_id, "logout_all", d);
	*out = ig_ok("revoked", ig_auth_revoked_json(&rv));
	return 200;
}

/* POST /api/auth/email/confirm */
struct email_confirm_body {
	const char *token;
};

static const ig_field email_confirm_fields[] = {
	{ "token", IG_F_STRING, IG_F_REQUIRED, 1, 128, .at = IG_AT(struct email_confirm_body, token) },
	IG_FIELDS_END
};

int
ig_api_email_confirm(ig_req *req, json_object **out, ig_err *err)
{
	struct email_confirm_body b = { NULL };
	char user[IG_UUID_BUF];

	if (ig_fields_body(req, email_confirm_fields, &b, err) != 0 ||
	    ig_account_confirm_email(b.token, user, err) != 0)
		return -1;
	ig_activity(req, user, "email_confirmed", NULL);
	*out = ig_ok("email_confirmed", json_object_new_boolean(1));
	return 200;
}
