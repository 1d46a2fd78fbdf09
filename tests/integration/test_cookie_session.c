/*
 * test_cookie_session.c — the browser's cookie session mode (issue 15;
 * app/api/auth.c, lib/auth/cookie.h) end to end through nginx: login with
 * session "cookie" sets the refresh token in a Secure, HttpOnly,
 * SameSite=Strict cookie scoped to /api/auth/ and answers a CSRF token;
 * a refresh by cookie needs that token in X-CSRF-Token (a missing or wrong
 * one is refused and spends nothing) and an Origin of this service's when
 * the browser names one; rotation and reuse detection work as in body
 * mode; logout ends the cookie's family and removes both cookies; body
 * mode answers exactly as before; the cookies never reach a log.
 *
 * Cookies are sent by hand (a Cookie header), not by curl's cookie engine,
 * so each test says exactly what a browser would send, Secure cookies over
 * the test stack's plain HTTP included.
 *
 * Needs a live stack (tests/support/stack up DIR; source DIR/env):
 * IG_TEST_BASE_URL, IG_PUBLIC_URL. Users and source addresses:
 * itest_users.h (slots 140-149).
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "itest_users.h"
#include "lib/auth/cookie.h"

#define TOKEN_LEN 43

/* A cookie session as the page holds it: the access token in memory, the
 * refresh token in the browser's cookie jar, the CSRF token readable. */
typedef struct sess {
	char access[2048];
	char refresh[64];
	char csrf[64];
} sess;

/* What a request carries besides its body, each NULL for none. */
typedef struct extra {
	const char *bearer, *cookie, *csrf, *origin, *request_id;
} extra;

/* POST path from source with body (NULL: none) and the headers of x. */
static void
post(it_resp *r, const char *source, const char *path, const char *body, const extra *x)
{
	const struct {
		const char *name, *value;
	} extras[] = {
		{ "Cookie", x->cookie }, { "X-CSRF-Token", x->csrf }, { "Origin", x->origin },
		{ "X-Request-Id", x->request_id },
	};
	char lines[4][1024];
	const char *h[6];
	int n = 0;

	h[n++] = "Content-Type: application/json";
	for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++)
		if (extras[i].value != NULL) {
			snprintf(lines[i], sizeof(lines[i]), "%s: %s", extras[i].name, extras[i].value);
			h[n++] = lines[i];
		}
	h[n] = NULL;
	{
		it_req q = { .method = "POST", .path = path, .body = body, .len = body ? strlen(body) : 0,
			.headers = h, .bearer = x->bearer, .source_ip = source };
		it_request(&q, r);
	}
}

/* How many Set-Cookie lines of r set cookie name; the last one's value
 * (after "Set-Cookie: ") into out. */
static int
set_cookie_of(const it_resp *r, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	int count = 0;

	out[0] = '\0';
	for (const char *l = r->headers.data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *v;

		if (strncasecmp(l, "Set-Cookie:", 11) != 0)
			continue;
		for (v = l + 11; *v == ' '; v++)
			;
		if (strncmp(v, name, n) == 0 && v[n] == '=') {
			snprintf(out, outlen, "%.*s", (int)strcspn(v, "\r\n"), v);
			count++;
		}
	}
	return count;
}

/* No Set-Cookie at all in r (a body-mode answer). */
static void
expect_no_cookies(const it_resp *r)
{
	char v[512];

	ck_assert_msg(!it_header(r, "Set-Cookie", v, sizeof(v)), "a body-mode answer set a cookie: %s", v);
}

/*
 * A cookie session's 200 answer (login or refresh by cookie): the body has
 * the access token and csrf_token and no refresh_token; the two cookies
 * are set once each with exactly these attributes, ig_csrf's value being
 * csrf_token and both living refresh_expires_in seconds. Fills s.
 */
static void
take_session(const it_resp *r, sess *s)
{
	char line[512], want[512];
	json_object *o;
	int64_t ttl;
	size_t vl;

	IT_EXPECT(r, 200);
	o = it_json_body(r);
	it_assert_absent(o, "refresh_token");
	ck_assert_str_eq(it_js(o, "token_type"), "Bearer");
	snprintf(s->access, sizeof(s->access), "%s", it_js(o, "access_token"));
	snprintf(s->csrf, sizeof(s->csrf), "%s", it_js(o, "csrf_token"));
	ck_assert_uint_eq(strlen(s->csrf), TOKEN_LEN);
	ttl = it_jint(o, "refresh_expires_in");
	ck_assert(ttl > 0);
	json_object_put(o);

	ck_assert_int_eq(set_cookie_of(r, "ig_refresh", line, sizeof(line)), 1);
	vl = strcspn(line + 11, ";");
	ck_assert_uint_eq(vl, TOKEN_LEN);
	snprintf(s->refresh, sizeof(s->refresh), "%.*s", (int)vl, line + 11);
	snprintf(want, sizeof(want), "ig_refresh=%s; Path=/api/auth/; Max-Age=%lld; HttpOnly; Secure; SameSite=Strict",
	    s->refresh, (long long)ttl);
	ck_assert_str_eq(line, want);
	ck_assert_int_eq(set_cookie_of(r, "ig_csrf", line, sizeof(line)), 1);
	snprintf(want, sizeof(want), "ig_csrf=%s; Path=/; Max-Age=%lld; Secure; SameSite=Strict", s->csrf,
	    (long long)ttl);
	ck_assert_str_eq(line, want);
	ck_assert_str_ne(s->refresh, s->csrf);
}

/* Fail unless r removes both cookies (Max-Age=0, the same Path and
 * attributes, so the browser matches the cookie it holds). */
static void
expect_cleared(const it_resp *r)
{
	char line[512];

	ck_assert_int_eq(set_cookie_of(r, "ig_refresh", line, sizeof(line)), 1);
	ck_assert_str_eq(line, "ig_refresh=; Path=/api/auth/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
	ck_assert_int_eq(set_cookie_of(r, "ig_csrf", line, sizeof(line)), 1);
	ck_assert_str_eq(line, "ig_csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict");
}

/* POST /api/auth/login as u from u->ip with session (NULL: none sent)
 * and origin in Origin (NULL: none). r kept for the caller. */
static void
login_post(it_resp *r, const user *u, const char *session, const char *origin)
{
	char body[512];
	extra x = { .origin = origin };

	if (session != NULL)
		snprintf(body, sizeof(body), "{\"username_or_email\":\"%s\",\"password\":\"%s\",\"session\":\"%s\"}",
		    u->name, u->password, session);
	else
		snprintf(body, sizeof(body), "{\"username_or_email\":\"%s\",\"password\":\"%s\"}", u->name,
		    u->password);
	post(r, u->ip, "/api/auth/login", body, &x);
}

/* A registered user logged in with session "cookie" (origin: the login
 * request's Origin, NULL for none); s filled. */
static void
cookie_login(const user *u, const char *origin, sess *s)
{
	it_resp r;

	login_post(&r, u, "cookie", origin);
	take_session(&r, s);
	it_resp_free(&r);
}

/* A fresh user with a cookie session from source. */
static void
cookie_user(user *u, const char *source, sess *s)
{
	user_names(u, source);
	user_register(u);
	cookie_login(u, NULL, s);
}

/* POST /api/auth/refresh as a reloaded page does: no body, the ig_refresh
 * cookie (with other cookies around it), csrf in X-CSRF-Token (NULL: not
 * sent) and origin in Origin (NULL: not sent). r kept for the caller. */
static void
cookie_refresh(it_resp *r, const char *source, const char *refresh, const char *csrf, const char *origin)
{
	char cookie[256];
	extra x = { .cookie = cookie, .csrf = csrf, .origin = origin };

	snprintf(cookie, sizeof(cookie), "theme=dark; ig_csrf=%s; ig_refresh=%s", csrf ? csrf : "x", refresh);
	post(r, source, "/api/auth/refresh", NULL, &x);
}

/* This service's origin as the test reaches it (the Host nginx is asked). */
static void
own_origin(char *out, size_t len)
{
	const char *base = it_env("IG_TEST_BASE_URL");
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(out, len, "%.*s", (int)n, base);
}

/* ------------------------------------------------------------------ login */

/* The refresh token must never be readable by the page's script (an XSS
 * would carry it off): in cookie mode it is only in the HttpOnly cookie,
 * exactly scoped, and the access token it comes with works. */
START_TEST(login_in_cookie_mode_sets_exact_cookies)
{
	user u;
	sess s;
	it_resp r;

	cookie_user(&u, ip(140), &s);
	ck_assert_int_eq(status_of_me(u.ip, s.access), 200);
	/* session is one of two words. */
	login_post(&r, &u, "jar", NULL);
	it_expect_error(&r, 400, "invalid_request", "session", NULL);
	expect_no_cookies(&r);
	it_resp_free(&r);
}
END_TEST

/* ---------------------------------------------------------------- refresh */

/* Cross-site request forgery: another site's page can make the browser
 * send the cookie (were SameSite ever bypassed) but cannot read the CSRF
 * token. Without the header, with a wrong one, with one of another session
 * or with the refresh token itself: 403 naming X-CSRF-Token, and the token
 * is not spent (the page's next, right refresh still works). */
START_TEST(refresh_by_cookie_needs_the_csrf_header)
{
	user u;
	sess s, other;
	it_resp r;
	const char *const wrong[] = { NULL, "", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL };
	const char *tries[5];

	cookie_user(&u, ip(141), &s);
	cookie_login(&u, NULL, &other);
	memcpy(tries, wrong, sizeof(tries));
	tries[3] = other.csrf;
	tries[4] = s.refresh;
	for (int i = 0; i < 5; i++) {
		json_object *o;

		cookie_refresh(&r, u.ip, s.refresh, tries[i], NULL);
		it_expect_error(&r, 403, "forbidden", "X-CSRF-Token", &o);
		json_object_put(o);
		ck_assert_int_eq(set_cookie_of(&r, "ig_refresh", (char[512]){ 0 }, 512), 0);
		it_resp_free(&r);
	}
	cookie_refresh(&r, u.ip, s.refresh, s.csrf, NULL);
	take_session(&r, &s);
	it_resp_free(&r);
	ck_assert_int_eq(status_of_me(u.ip, s.access), 200);
}
END_TEST

/* Rotation: each refresh by cookie answers new cookies and a new CSRF
 * token; the old CSRF token does not pass with the new cookie. */
START_TEST(refresh_by_cookie_rotates)
{
	user u;
	sess s1, s2, s3;
	it_resp r;

	cookie_user(&u, ip(142), &s1);
	cookie_refresh(&r, u.ip, s1.refresh, s1.csrf, NULL);
	take_session(&r, &s2);
	it_resp_free(&r);
	ck_assert_str_ne(s2.refresh, s1.refresh);
	ck_assert_str_ne(s2.csrf, s1.csrf);
	ck_assert_str_ne(s2.access, s1.access);
	ck_assert_int_eq(status_of_me(u.ip, s2.access), 200);
	cookie_refresh(&r, u.ip, s2.refresh, s1.csrf, NULL);
	it_expect_error(&r, 403, "forbidden", "X-CSRF-Token", NULL);
	it_resp_free(&r);
	cookie_refresh(&r, u.ip, s2.refresh, s2.csrf, NULL);
	take_session(&r, &s3);
	it_resp_free(&r);
	ck_assert_str_ne(s3.refresh, s2.refresh);
}
END_TEST

/* A stolen cookie replayed after the page used it: refused, the whole
 * family ends (the page's newest cookie too), and the answer removes the
 * dead cookies, as body mode's reuse detection does. */
START_TEST(reuse_of_spent_cookie_revokes_family)
{
	user u;
	sess s1, s2;
	it_resp r;

	cookie_user(&u, ip(143), &s1);
	cookie_refresh(&r, u.ip, s1.refresh, s1.csrf, NULL);
	take_session(&r, &s2);
	it_resp_free(&r);
	cookie_refresh(&r, u.ip, s1.refresh, s1.csrf, NULL);
	it_expect_error(&r, 401, "unauthorized", "refresh_token", NULL);
	expect_cleared(&r);
	it_resp_free(&r);
	cookie_refresh(&r, u.ip, s2.refresh, s2.csrf, NULL);
	it_expect_error(&r, 401, "unauthorized", "refresh_token", NULL);
	expect_cleared(&r);
	it_resp_free(&r);
	/* A cookie that is no token at all, with the CSRF token the server
	 * derives for it (from IG_JWT_SECRET), so only its shape refuses it. */
	{
		char csrf[IG_CSRF_LEN + 1];

		ig_cookie_csrf(it_env("IG_JWT_SECRET"), "not-a-token", csrf);
		cookie_refresh(&r, u.ip, "not-a-token", csrf, NULL);
		it_expect_error(&r, 401, "unauthorized", "refresh_token", NULL);
		expect_cleared(&r);
		it_resp_free(&r);
	}
}
END_TEST

/* A page of another origin (Origin header) is refused whatever it sends,
 * and spends nothing; this service's own origin, by the Host asked or by
 * IG_PUBLIC_URL, passes. Login in cookie mode is held to the same rule. */
START_TEST(foreign_origin_is_refused)
{
	const char *const foreign[] = { "https://evil.example", "null", "http://localhost", "http://127.0.0.1.evil.example",
		"file://" };
	char own[256];
	user u;
	sess s;
	it_resp r;

	own_origin(own, sizeof(own));
	cookie_user(&u, ip(144), &s);
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		cookie_refresh(&r, u.ip, s.refresh, s.csrf, foreign[i]);
		it_expect_error(&r, 403, "forbidden", "Origin", NULL);
		it_resp_free(&r);
	}
	cookie_refresh(&r, u.ip, s.refresh, s.csrf, own);
	take_session(&r, &s);
	it_resp_free(&r);
	cookie_refresh(&r, u.ip, s.refresh, s.csrf, it_env("IG_PUBLIC_URL"));
	take_session(&r, &s);
	it_resp_free(&r);
	login_post(&r, &u, "cookie", foreign[0]);
	it_expect_error(&r, 403, "forbidden", "Origin", NULL);
	expect_no_cookies(&r);
	it_resp_free(&r);
	cookie_login(&u, own, &s);
}
END_TEST

/* The Cookie header is read as browsers write it (several cookies,
 * spaces, a quoted value); one that names ig_refresh twice (a cookie
 * tossed in by a sibling host) is not guessed from: as if none came. */
START_TEST(cookie_header_is_read_robustly)
{
	user u;
	sess s;
	it_resp r;
	char cookie[512];
	extra x = { .cookie = cookie };

	cookie_user(&u, ip(145), &s);
	x.csrf = s.csrf;
	snprintf(cookie, sizeof(cookie), "ig_refresh=%s; ig_refresh=%s", s.refresh, s.refresh);
	post(&r, u.ip, "/api/auth/refresh", NULL, &x);
	it_expect_error(&r, 400, "invalid_request", "refresh_token", NULL);
	it_resp_free(&r);
	snprintf(cookie, sizeof(cookie), "a=1;b=\"two words\";  ig_refresh = \"%s\" ;ig_csrf=%s;theme", s.refresh,
	    s.csrf);
	post(&r, u.ip, "/api/auth/refresh", "{}", &x);
	take_session(&r, &s);
	it_resp_free(&r);
}
END_TEST

/* ----------------------------------------------------------------- logout */

/* Logout by a cookie page: its Bearer access token, no body; the family
 * of the cookie's refresh token ends (here a second session's, so only
 * the cookie can have named it) and the answer removes both cookies. */
START_TEST(logout_ends_cookie_family_and_clears_cookies)
{
	user u;
	sess s1, s2;
	it_resp r;
	char cookie[256];
	extra x = { .cookie = cookie };

	cookie_user(&u, ip(146), &s1);
	cookie_login(&u, NULL, &s2);
	x.bearer = s1.access;
	snprintf(cookie, sizeof(cookie), "ig_csrf=%s; ig_refresh=%s", s2.csrf, s2.refresh);
	post(&r, u.ip, "/api/auth/logout", NULL, &x);
	IT_EXPECT(&r, 200);
	expect_cleared(&r);
	it_resp_free(&r);
	expect_refused(u.ip, s1.access);
	cookie_refresh(&r, u.ip, s2.refresh, s2.csrf, NULL);
	it_expect_error(&r, 401, "unauthorized", "refresh_token", NULL);
	it_resp_free(&r);
	cookie_refresh(&r, u.ip, s1.refresh, s1.csrf, NULL);
	it_expect_error(&r, 401, "unauthorized", "refresh_token", NULL);
	it_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------- body mode as was */

/* Programs keep the answers they parse (API.md): a login without session
 * or with "body", and a refresh with refresh_token in the body, answer
 * the same fields in the same order and set no cookie; a body token wins
 * over a cookie sent beside it (which stays unspent); neither is a 400
 * naming refresh_token. Logout in body mode still removes the cookies. */
START_TEST(body_mode_is_unchanged)
{
	static const char *const keys[] = { "success", "access_token", "token_type", "expires_in", "refresh_token",
		"refresh_expires_in", "user", NULL };
	const char *const modes[] = { NULL, "body" };
	user u;
	sess s;
	it_resp r;
	char body[512], cookie[256], rt[64] = "";
	extra none = { 0 }, x = { .cookie = cookie };

	cookie_user(&u, ip(147), &s);
	for (int m = 0; m < 3; m++) {
		json_object *o;
		int k = 0;

		if (m < 2) {
			login_post(&r, &u, modes[m], NULL);
		} else {
			/* A body token and a cookie: the body's is spent. */
			snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", rt);
			snprintf(cookie, sizeof(cookie), "ig_refresh=%s", s.refresh);
			x.csrf = s.csrf;
			post(&r, u.ip, "/api/auth/refresh", body, &x);
		}
		IT_EXPECT(&r, 200);
		expect_no_cookies(&r);
		o = it_json_body(&r);
		json_object_object_foreach(o, key, val) {
			(void)val;
			ck_assert_msg(keys[k] != NULL && strcmp(key, keys[k]) == 0, "field %d is %s, want %s", k, key,
			    keys[k] ? keys[k] : "(none)");
			k++;
		}
		ck_assert_ptr_null(keys[k]);
		snprintf(rt, sizeof(rt), "%s", it_js(o, "refresh_token"));
		json_object_put(o);
		it_resp_free(&r);
	}
	/* The cookie's token was not spent by the body-mode refresh. */
	cookie_refresh(&r, u.ip, s.refresh, s.csrf, NULL);
	take_session(&r, &s);
	it_resp_free(&r);
	/* Neither a body token nor a cookie, with a body and without one
	 * (a reloaded page that never logged in). */
	post(&r, u.ip, "/api/auth/refresh", "{}", &none);
	it_expect_error(&r, 400, "invalid_request", "refresh_token", NULL);
	expect_no_cookies(&r);
	it_resp_free(&r);
	post(&r, u.ip, "/api/auth/refresh", NULL, &none);
	it_expect_error(&r, 400, "invalid_request", "refresh_token", NULL);
	it_resp_free(&r);
	/* Logout in body mode. */
	none.bearer = s.access;
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", rt);
	post(&r, u.ip, "/api/auth/logout", body, &none);
	IT_EXPECT(&r, 200);
	expect_cleared(&r);
	it_resp_free(&r);
	refresh(&r, u.ip, rt);
	it_expect_error(&r, 401, "unauthorized", "refresh_token", NULL);
	it_resp_free(&r);
}
END_TEST

/* --------------------------------------------------------------- the logs */

/* The cookies are credentials: neither nginx's access log nor the
 * application's log may hold a refresh or CSRF token, nor the Cookie
 * header that carries them. */
START_TEST(cookies_never_reach_the_logs)
{
	user u;
	sess s1, s2;
	it_resp r;
	char rid[64], needle[128], cookie[256];
	extra x = { .cookie = cookie, .request_id = rid };
	const char *const logs[] = { "nginx-access.log", "fcgi.log" };

	cookie_user(&u, ip(148), &s1);
	cookie_refresh(&r, u.ip, s1.refresh, s1.csrf, NULL);
	take_session(&r, &s2);
	it_resp_free(&r);
	/* A refused one too, and the logout, marked to find their lines. */
	snprintf(cookie, sizeof(cookie), "ig_csrf=%s; ig_refresh=%s", s2.csrf, s2.refresh);
	snprintf(rid, sizeof(rid), "cookielog%d", (int)getpid());
	post(&r, u.ip, "/api/auth/refresh", NULL, &x);
	IT_EXPECT(&r, 403);
	it_resp_free(&r);
	x.bearer = s2.access;
	post(&r, u.ip, "/api/auth/logout", NULL, &x);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	snprintf(needle, sizeof(needle), "\"request_id\":\"%s\"", rid);
	ck_assert_msg(it_log_has("nginx-access.log", needle, 5000), "no access-log line for %s", rid);
	ck_assert_msg(it_log_has("fcgi.log", rid, 5000), "no request-log line for %s", rid);
	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char *all = it_stack_log(logs[i]);
		const char *const secrets[] = { s1.refresh, s1.csrf, s2.refresh, s2.csrf, "ig_refresh", "ig_csrf" };

		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
			ck_assert_msg(strstr(all, secrets[k]) == NULL, "%s holds %s", logs[i], secrets[k]);
		free(all);
	}
}
END_TEST

IT_MAIN("cookie_session", it_users_init,
	IT_TCASE("login", 60, &login_in_cookie_mode_sets_exact_cookies),
	IT_TCASE("refresh", 120,
	    &refresh_by_cookie_needs_the_csrf_header,
	    &refresh_by_cookie_rotates,
	    &reuse_of_spent_cookie_revokes_family,
	    &foreign_origin_is_refused,
	    &cookie_header_is_read_robustly),
	IT_TCASE("logout", 60, &logout_ends_cookie_family_and_clears_cookies),
	IT_TCASE("body mode", 60, &body_mode_is_unchanged),
	IT_TCASE("logs", 60, &cookies_never_reach_the_logs))
