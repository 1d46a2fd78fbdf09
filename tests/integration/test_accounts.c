/*
 * test_accounts.c — accounts and keys (API.md "Accounts and keys") driven
 * end to end through nginx: registration, login and its brute-force
 * limits, the user's profile, activity and preferences, API keys and
 * provider keys (hashed / encrypted at rest, owner-only) and the admin
 * boundary. Sessions and forged tokens are in test_tokens.c, rate limits
 * in test_ratelimits.c, CORS in test_cors.c.
 *
 * Needs a live stack (tests/support/stack up DIR; source DIR/env), with its
 * SMTP sink (IG_TEST_MAIL_DIR) and the settings the test stack sets:
 * IG_PUBLIC_URL, IG_MAX_BODY, IG_BUILD_DIR, IG_DATABASE_URL.
 *
 * Users and source addresses: itest_users.h.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "itest_users.h"

/* Substitute the placeholders of a bad-field case: "$N" the fresh name, "$E"
 * its email, "$P" a good password, "$L" a 51-char name, "$UN" / "$UE" the
 * name / email upper-cased; NULL omits the field. */
static const char *
subst(const char *v, const user *u, const char *up_name, const char *up_email, const char *lng)
{
	if (v == NULL || v[0] != '$')
		return v;
	if (strcmp(v, "$N") == 0)
		return u->name;
	if (strcmp(v, "$E") == 0)
		return u->email;
	if (strcmp(v, "$P") == 0)
		return PASSWORD;
	if (strcmp(v, "$L") == 0)
		return lng;
	if (strcmp(v, "$UN") == 0)
		return up_name;
	return up_email;
}

static void
upcase(char *dst, size_t n, const char *src)
{
	if (dst != src)
		snprintf(dst, n, "%s", src);
	for (char *p = dst; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
}

/* ---------------------------------------------------------------- register */

/* The user shape of a fresh account; no password or hash ever leaks. */
START_TEST(register_returns_user_without_password_material)
{
	user u;
	it_resp r;
	json_object *o;

	user_names(&u, ip(1));
	it_json(&r, u.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\",\"display_name\":\"Tess T\"}",
	    u.name, u.email, u.password);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	ck_assert(strlen(it_js(o, "user.id")) > 0);
	ck_assert_str_eq(it_js(o, "user.username"), u.name);
	ck_assert_str_eq(it_js(o, "user.email"), u.email);
	ck_assert_str_eq(it_js(o, "user.role"), "user");
	ck_assert_str_eq(it_js(o, "user.display_name"), "Tess T");
	ck_assert(strlen(it_js(o, "user.created_at")) >= 20);
	ck_assert_msg(it_jhas(o, "user.last_login_at"), "no last_login_at: %s", r.body.data);
	it_jneed(o, "user.preferences", json_type_object);
	ck_assert_ptr_null(strstr(r.body.data, PASSWORD));
	ck_assert_ptr_null(strstr(r.body.data, "argon2"));
	ck_assert_ptr_null(it_jpath(o, "user.password"));
	ck_assert_ptr_null(it_jpath(o, "user.password_hash"));
	json_object_put(o);
	it_resp_free(&r);
	/* The password is stored hashed, not as sent. */
	char *n = it_psql("SELECT count(*) FROM users WHERE username = '%s' AND "
	    "password_hash NOT LIKE '%%%s%%'", it_sql_safe(u.name), "correct horse");
	ck_assert_str_eq(n, "1");
	free(n);
}
END_TEST

/* "Alice" must not be registrable next to "alice" (impersonation), and the
 * 409 must not tell an enumerator whether the username or the email hit. */
START_TEST(register_taken_username_or_email_is_409_without_saying_which)
{
	user a, b;
	it_resp r;
	json_object *o1, *o2;
	char upper[64];

	user_names(&a, ip(2));
	user_register(&a);
	snprintf(upper, sizeof(upper), "%s", a.name);
	upper[0] = 'T';	/* names start with 't' */
	user_names(&b, ip(2));
	it_json(&r, b.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\"}", upper, b.email, PASSWORD);
	it_expect_error(&r, 409, "conflict", NULL, &o1);
	it_resp_free(&r);
	it_json(&r, b.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\"}", b.name, a.email, PASSWORD);
	it_expect_error(&r, 409, "conflict", NULL, &o2);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o1, "error.message"), it_js(o2, "error.message"));
	json_object_put(o1);
	json_object_put(o2);
	/* The same email in other case is taken too. */
	upcase(a.email, sizeof(a.email), a.email);
	it_json(&r, b.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\"}", b.name, a.email, PASSWORD);
	it_expect_error(&r, 409, "conflict", NULL, NULL);
	it_resp_free(&r);
}
END_TEST

/* Each bad field is refused by name, before anything is stored; a password
 * equal to the username or email (in any case) is refused. */
START_TEST(register_rejects_bad_fields_by_name)
{
	static const struct { const char *name, *email, *pass, *field; } cases[] = {
		{ "ab", "$E", "$P", "username" },
		{ "$L", "$E", "$P", "username" },
		{ "bad-name", "$E", "$P", "username" },
		{ "bad name", "$E", "$P", "username" },
		{ "b\u00e4d_name", "$E", "$P", "username" },
		{ NULL, "$E", "$P", "username" },
		{ "$N", "not-an-email", "$P", "email" },
		{ "$N", "", "$P", "email" },
		{ "$N", NULL, "$P", "email" },
		{ "$N", "$E", "short9chr", "password" },
		{ "$N", "$E", NULL, "password" },
		{ "$N", "$E", "$UN", "password" },
		{ "$N", "$E", "$UE", "password" },
	};
	user u;
	it_resp r;
	char lng[52], up_name[64], up_email[96];

	user_names(&u, ip(3));
	memset(lng, 'a', 51);
	lng[51] = '\0';
	upcase(up_name, sizeof(up_name), u.name);
	upcase(up_email, sizeof(up_email), u.email);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *vals[3] = { subst(cases[i].name, &u, up_name, up_email, lng),
			subst(cases[i].email, &u, up_name, up_email, lng),
			subst(cases[i].pass, &u, up_name, up_email, lng) };
		static const char *const keys[3] = { "username", "email", "password" };
		ig_buf b = { 0 };

		ig_buf_puts(&b, "{");
		for (int k = 0; k < 3; k++)
			if (vals[k] != NULL)
				ig_buf_printf(&b, "%s\"%s\":\"%s\"", b.len > 1 ? "," : "", keys[k],
				    vals[k]);
		ig_buf_puts(&b, "}");
		it_json(&r, u.ip, "POST", "/api/auth/register", NULL, "%s", b.data);
		ck_assert_msg(r.status == 400, "case %zu %s: got %ld: %s", i, b.data, r.status,
		    r.body.data);
		json_object *o = it_json_body(&r);
		ck_assert_msg(strcmp(it_js(o, "error.code"), "invalid_request") == 0 && it_jpath(o,
		    "error.field") && strcmp(it_js(o, "error.field"), cases[i].field) == 0,
		    "case %zu %s: want field %s: %s", i, b.data, cases[i].field, r.body.data);
		json_object_put(o);
		it_resp_free(&r);
		ig_buf_free(&b);
	}
	/* None of them created the account. */
	char *n = it_psql("SELECT count(*) FROM users WHERE lower(username) = lower('%s')",
	    it_sql_safe(u.name));
	ck_assert_str_eq(n, "0");
	free(n);
}
END_TEST

/* Mass assignment: a client may not make itself admin, nor slip in any
 * field the handler did not declare. */
START_TEST(register_refuses_unknown_fields_such_as_role)
{
	user u;
	it_resp r;

	user_names(&u, ip(4));
	it_json(&r, u.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\",\"role\":\"admin\"}",
	    u.name, u.email, PASSWORD);
	it_expect_error(&r, 400, "invalid_request", "role", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\",\"nickname\":\"x\"}",
	    u.name, u.email, PASSWORD);
	IT_EXPECT(&r, 400);
	json_object *o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "error.field"), "nickname");
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Broken or mistyped JSON is a 400 naming the problem, never a 500. */
START_TEST(malformed_or_mistyped_json_is_400)
{
	static const char *const bad[] = {
		"{", "{\"username\": }", "not json", "[]", "{\"a\":1} trailing", "\"str\"",
	};
	user u;
	it_resp r;

	user_names(&u, ip(5));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		it_json(&r, u.ip, "POST", "/api/auth/register", NULL, "%s", bad[i]);
		ck_assert_msg(r.status == 400, "%s: %ld %s", bad[i], r.status, r.body.data);
		json_object *o = it_json_body(&r);
		const char *code = it_js(o, "error.code");
		/* A top-level non-object is valid JSON: either code is fine. */
		if (i < 3 || i == 4)
			ck_assert_msg(strcmp(code, "invalid_json") == 0, "%s: %s", bad[i], r.body.data);
		else
			ck_assert_msg(strcmp(code, "invalid_json") == 0 ||
			    strcmp(code, "invalid_request") == 0, "%s: %s", bad[i], r.body.data);
		json_object_put(o);
		it_resp_free(&r);
		it_json(&r, u.ip, "POST", "/api/auth/login", NULL, "%s", bad[i]);
		ck_assert_msg(r.status == 400, "login %s: %ld %s", bad[i], r.status, r.body.data);
		it_resp_free(&r);
	}
	it_json(&r, u.ip, "POST", "/api/auth/login", NULL, "{");
	it_expect_error(&r, 400, "invalid_json", NULL, NULL);
	it_resp_free(&r);
	/* Wrong types name the field. */
	it_json(&r, u.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":5,\"email\":\"%s\",\"password\":\"%s\"}", u.email, PASSWORD);
	it_expect_error(&r, 400, "invalid_request", "username", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":[],\"password\":\"%s\"}", u.name, PASSWORD);
	it_expect_error(&r, 400, "invalid_request", "email", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\":\"%s\",\"password\":true}", u.name);
	it_expect_error(&r, 400, "invalid_request", "password", NULL);
	it_resp_free(&r);
}
END_TEST

/* A body over IG_MAX_BODY is refused before parsing, on the auth routes too. */
START_TEST(oversized_register_body_is_413)
{
	long limit = atol(it_env("IG_MAX_BODY"));
	char *big = ig_xmalloc((size_t)limit + 2);
	it_resp r;

	memset(big, ' ', (size_t)limit + 1);
	big[0] = '{';
	big[limit] = '}';
	big[limit + 1] = '\0';
	it_json(&r, ip(6), "POST", "/api/auth/register", NULL, "%s", big);
	it_expect_error(&r, 413, "payload_too_large", NULL, NULL);
	it_resp_free(&r);
	free(big);
}
END_TEST

/* ------------------------------------------------------------------- login */

START_TEST(login_returns_bearer_pair_by_username_or_email)
{
	user u;
	it_resp r;
	json_object *o;

	user_names(&u, ip(7));
	user_register(&u);
	ck_assert_int_eq(login_as(&r, u.ip, u.name, PASSWORD), 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	ck_assert_str_eq(it_js(o, "token_type"), "Bearer");
	ck_assert(json_object_get_int64(it_jneed(o, "expires_in", json_type_int)) > 0);
	ck_assert(strlen(it_js(o, "refresh_token")) >= 20);
	ck_assert_str_eq(it_js(o, "user.id"), u.id);
	ck_assert_str_eq(it_js(o, "user.username"), u.name);
	const char *at = it_js(o, "access_token");
	ck_assert_msg(strchr(at, '.') && strchr(strchr(at, '.') + 1, '.'), "not a JWT: %s", at);
	ck_assert_int_eq(status_of_me(u.ip, at), 200);
	json_object_put(o);
	it_resp_free(&r);
	/* By email, in any case. */
	ck_assert_int_eq(login_as(&r, u.ip, u.email, PASSWORD), 200);
	it_resp_free(&r);
	/* GET /api/user with it answers the same user, last_login_at now set. */
	user_login(&u);
	it_json(&r, u.ip, "GET", "/api/user", u.access, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "user.id"), u.id);
	it_jneed(o, "user.last_login_at", json_type_string);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* User enumeration: a wrong password and an unknown user look the same. */
START_TEST(login_wrong_password_and_unknown_user_answer_alike)
{
	user u;
	it_resp r;
	json_object *o1, *o2;

	user_names(&u, ip(8));
	user_register(&u);
	login_as(&r, u.ip, u.name, "wrong password!");
	it_expect_error(&r, 401, "unauthorized", NULL, &o1);
	it_resp_free(&r);
	login_as(&r, u.ip, "nobody_by_this_name_x", "wrong password!");
	it_expect_error(&r, 401, "unauthorized", NULL, &o2);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o1, "error.message"), it_js(o2, "error.message"));
	json_object_put(o1);
	json_object_put(o2);
}
END_TEST

/* Online guessing of one account from many addresses: after
 * IG_LOGIN_MAX_FAILURES failures the account answers 429 even to the right
 * password, while another account on the same addresses is unaffected. */
START_TEST(login_locks_account_after_max_failures_from_any_address)
{
	int max = atoi(getenv("IG_LOGIN_MAX_FAILURES") ? getenv("IG_LOGIN_MAX_FAILURES") : "10");
	user u, other;
	it_resp r;
	char ra[32];

	user_names(&u, ip(9));
	user_register(&u);
	user_names(&other, ip(10));
	user_register(&other);
	for (int i = 0; i < max; i++) {
		/* Spread over 5 addresses so no one address reaches the limit. */
		login_as(&r, ip(10 + i % 5), u.name, "wrong password!");
		ck_assert_msg(r.status == 401, "failure %d: %ld %s", i + 1, r.status, r.body.data);
		it_resp_free(&r);
	}
	login_as(&r, ip(15), u.name, PASSWORD);
	it_expect_error(&r, 429, "rate_limited", NULL, NULL);
	ck_assert_msg(it_header(&r, "Retry-After", ra, sizeof(ra)), "no Retry-After");
	ck_assert(atoi(ra) > 0);
	it_resp_free(&r);
	/* By email too: the account is locked, not the spelling. */
	login_as(&r, ip(15), u.email, PASSWORD);
	IT_EXPECT(&r, 429);
	it_resp_free(&r);
	/* The addresses used are not blocked for other accounts. */
	ck_assert_int_eq(login_as(&r, ip(10), other.name, PASSWORD), 200);
	it_resp_free(&r);
}
END_TEST

/* Password spraying from one address across many accounts: after
 * IG_LOGIN_MAX_FAILURES failures that address gets 429, even with a right
 * password, while another address still logs the same user in. */
START_TEST(login_blocks_address_after_max_failures_across_accounts)
{
	int max = atoi(getenv("IG_LOGIN_MAX_FAILURES") ? getenv("IG_LOGIN_MAX_FAILURES") : "10");
	user us[5];
	it_resp r;
	char ra[32];

	for (int i = 0; i < 5; i++) {
		user_names(&us[i], ip(20));
		user_register(&us[i]);
	}
	for (int i = 0; i < max; i++) {
		login_as(&r, ip(21), us[i % 5].name, "wrong password!");
		ck_assert_msg(r.status == 401, "failure %d: %ld %s", i + 1, r.status, r.body.data);
		it_resp_free(&r);
	}
	login_as(&r, ip(21), us[0].name, PASSWORD);
	it_expect_error(&r, 429, "rate_limited", NULL, NULL);
	ck_assert_msg(it_header(&r, "Retry-After", ra, sizeof(ra)), "no Retry-After");
	ck_assert(atoi(ra) > 0);
	it_resp_free(&r);
	ck_assert_int_eq(login_as(&r, ip(22), us[0].name, PASSWORD), 200);
	it_resp_free(&r);
}
END_TEST

/* -------------------------------------------------------------------- user */

START_TEST(user_routes_require_a_token)
{
	it_resp r;

	it_json(&r, ip(50), "GET", "/api/user", NULL, NULL);
	it_expect_error(&r, 401, "unauthorized", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, ip(50), "PUT", "/api/user", NULL, "{\"display_name\":\"x\"}");
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	it_json(&r, ip(50), "DELETE", "/api/user", NULL, "{\"password\":\"%s\"}", PASSWORD);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	it_json(&r, ip(50), "GET", "/api/keys", NULL, NULL);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	it_json(&r, ip(50), "GET", "/api/user", "", NULL);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
}
END_TEST

/* Profile updates; an email already used by someone else is a 409, so no two
 * accounts can share a reset address. */
START_TEST(user_update_changes_profile_and_refuses_taken_email)
{
	user a, b;
	it_resp r;
	json_object *o;
	char email[96];

	user_new(&a, ip(51));
	user_new(&b, ip(51));
	snprintf(email, sizeof(email), "new_%s", a.email);
	/* The email needs the current password (test_takeover has the rest). */
	it_json(&r, a.ip, "PUT", "/api/user", a.access,
	    "{\"display_name\":\"Renamed\",\"email\":\"%s\"}", email);
	it_expect_error(&r, 400, "invalid_request", "current_password", NULL);
	it_resp_free(&r);
	it_json(&r, a.ip, "PUT", "/api/user", a.access,
	    "{\"display_name\":\"Renamed\",\"email\":\"%s\",\"current_password\":\"%s\"}",
	    email, PASSWORD);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	ck_assert_str_eq(it_js(o, "user.display_name"), "Renamed");
	ck_assert_str_eq(it_js(o, "user.email"), email);
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, a.ip, "GET", "/api/user", a.access, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "user.display_name"), "Renamed");
	ck_assert_str_eq(it_js(o, "user.email"), email);
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, a.ip, "PUT", "/api/user", a.access, "{\"email\":\"%s\",\"current_password\":\"%s\"}",
	    b.email, PASSWORD);
	it_expect_error(&r, 409, "conflict", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, a.ip, "PUT", "/api/user", a.access, "{\"email\":\"nope\"}");
	it_expect_error(&r, 400, "invalid_request", "email", NULL);
	it_resp_free(&r);
	/* Mass assignment: the role is not the user's to set. */
	it_json(&r, a.ip, "PUT", "/api/user", a.access, "{\"role\":\"admin\"}");
	ck_assert_msg(r.status == 400 || r.status == 200, "%ld %s", r.status, r.body.data);
	if (r.status == 400)
		it_expect_error(&r, 400, "invalid_request", "role", NULL);
	it_resp_free(&r);
	it_json(&r, a.ip, "GET", "/api/user", a.access, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "user.role"), "user");
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* A stolen session cannot guess the password through DELETE /api/user faster
 * than at the login: wrong passwords count against the account's login
 * attempts, and past IG_LOGIN_MAX_FAILURES the right one is refused too (429
 * with Retry-After) and the account stays. */
START_TEST(deleting_account_password_guesses_are_limited)
{
	int max = atoi(getenv("IG_LOGIN_MAX_FAILURES") ? getenv("IG_LOGIN_MAX_FAILURES") : "10");
	user u;
	it_resp r;
	char after[32];

	user_new(&u, ip(53));
	for (int i = 0; i < max; i++) {
		it_json(&r, u.ip, "DELETE", "/api/user", u.access, "{\"password\":\"guess number %d\"}", i);
		it_expect_error(&r, 403, "forbidden", "password", NULL);
		it_resp_free(&r);
	}
	it_json(&r, u.ip, "DELETE", "/api/user", u.access, "{\"password\":\"%s\"}", PASSWORD);
	IT_EXPECT(&r, 429);
	ck_assert_msg(it_header(&r, "Retry-After", after, sizeof(after)) == 1 && atoi(after) > 0,
	    "429 without a Retry-After");
	it_resp_free(&r);
	ck_assert_int_eq(status_of_me(u.ip, u.access), 200);
	ck_assert_int_eq(login_as(&r, u.ip, u.name, PASSWORD), 429);
	it_resp_free(&r);
}
END_TEST

/* Deleting an account needs its password (a stolen token alone cannot), and
 * afterwards nothing of it authenticates: password, JWT, refresh, API key. */
START_TEST(deleting_account_needs_password_and_kills_every_credential)
{
	user u;
	it_resp r;
	json_object *o;
	char key[128];

	user_new(&u, ip(52));
	it_json(&r, u.ip, "POST", "/api/keys", u.access, "{\"name\":\"doomed\"}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(key, sizeof(key), "%s", it_js(o, "key"));
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, u.ip, "DELETE", "/api/user", u.access, "{\"password\":\"wrong password!\"}");
	it_expect_error(&r, 403, "forbidden", "password", NULL);
	it_resp_free(&r);
	ck_assert_int_eq(status_of_me(u.ip, u.access), 200);

	it_json(&r, u.ip, "DELETE", "/api/user", u.access, "{\"password\":\"%s\"}", PASSWORD);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(login_as(&r, u.ip, u.name, PASSWORD), 401);
	it_resp_free(&r);
	expect_refused(u.ip, u.access);
	expect_refused(u.ip, key);
	refresh(&r, u.ip, u.refresh);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
}
END_TEST

/* ---------------------------------------------------------------- activity */

static void
do_or_die(it_resp *r, long want)
{
	IT_EXPECT(r, want);
	it_resp_free(r);
}

/* The kinds in activity (an array), skipping kinds not in keep, joined by ','. */
static void
kinds_of(json_object *activity, const char *keep, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(activity); i++) {
		const char *k = it_js(json_object_array_get_idx(activity, i), "kind");
		char probe[64];
		snprintf(probe, sizeof(probe), ",%s,", k);
		if (strstr(keep, probe) == NULL)
			continue;
		size_t n = strlen(out);
		snprintf(out + n, outlen - n, "%s%s", n ? "," : "", k);
	}
}

/* What the user did shows up, newest first, from the address it came from;
 * paging with next_cursor neither repeats nor skips. */
START_TEST(activity_lists_events_newest_first_and_pages_without_overlap)
{
	user u;
	it_resp r;
	json_object *o, *all, *a;
	char kid[64], pid[64], kinds[512], path[1024];

	user_names(&u, ip(60));
	user_register(&u);
	login_as(&r, u.ip, u.name, "wrong password!");
	do_or_die(&r, 401);
	user_login(&u);
	it_json(&r, u.ip, "POST", "/api/keys", u.access, "{\"name\":\"k\"}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(kid, sizeof(kid), "%s", it_js(o, "id"));
	json_object_put(o);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/keys/%s", kid);
	it_json(&r, u.ip, "DELETE", path, u.access, NULL);
	do_or_die(&r, 200);
	it_json(&r, u.ip, "POST", "/api/keys/providers", u.access,
	    "{\"provider\":\"openai\",\"api_key\":\"sk-activity-0000000000\",\"name\":\"p\"}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(pid, sizeof(pid), "%s", it_js(o, "provider_key.id"));
	json_object_put(o);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/keys/providers/%s", pid);
	it_json(&r, u.ip, "DELETE", path, u.access, NULL);
	do_or_die(&r, 200);
	it_json(&r, u.ip, "POST", "/api/auth/logout", u.access, "{\"refresh_token\":\"%s\"}",
	    u.refresh);
	do_or_die(&r, 200);
	user_login(&u);

	it_json(&r, u.ip, "GET", "/api/user/activity?limit=100", u.access, NULL);
	IT_EXPECT(&r, 200);
	all = it_json_body(&r);
	it_resp_free(&r);
	a = it_jneed(all, "activity", json_type_array);
	kinds_of(a, ",login,login_failed,api_key_created,api_key_revoked,provider_key_added,"
	    "provider_key_deleted,logout,", kinds, sizeof(kinds));
	ck_assert_str_eq(kinds, "login,logout,provider_key_deleted,provider_key_added,"
	    "api_key_revoked,api_key_created,login,login_failed");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		ck_assert_ptr_nonnull(it_jpath(e, "id"));
		ck_assert(it_jhas(e, "details") && it_jhas(e, "ip"));
		ck_assert(strlen(it_js(e, "created_at")) >= 20);
		if (strcmp(it_js(e, "kind"), "login") == 0)
			ck_assert_str_eq(it_js(e, "ip"), u.ip);
		if (i > 0)
			ck_assert_msg(strcmp(it_js(json_object_array_get_idx(a, i - 1), "created_at"),
			    it_js(e, "created_at")) >= 0, "not newest first: %s",
			    json_object_to_json_string(a));
	}

	/* Pages of 3 put together are the whole list, in order. */
	size_t n = json_object_array_length(a), seen = 0;
	char cursor[256] = "";
	for (int page = 0; page < 20; page++) {
		snprintf(path, sizeof(path), "/api/user/activity?limit=3%s%s", *cursor ? "&cursor=" : "",
		    cursor);
		it_json(&r, u.ip, "GET", path, u.access, NULL);
		IT_EXPECT(&r, 200);
		o = it_json_body(&r);
		it_resp_free(&r);
		json_object *p = it_jneed(o, "activity", json_type_array);
		ck_assert(json_object_array_length(p) <= 3);
		for (size_t i = 0; i < json_object_array_length(p); i++, seen++) {
			ck_assert_msg(seen < n, "more items paged than listed");
			const char *got = json_object_get_string(
			    it_jpath(json_object_array_get_idx(p, i), "id"));
			const char *want = json_object_get_string(
			    it_jpath(json_object_array_get_idx(a, seen), "id"));
			ck_assert_msg(got && want && strcmp(got, want) == 0,
			    "page %d item %zu is %s, the full list has %s there", page, i, got, want);
		}
		json_object *nc = it_jpath(o, "next_cursor");
		if (nc == NULL || json_object_is_type(nc, json_type_null)) {
			json_object_put(o);
			break;
		}
		char *esc = curl_easy_escape(NULL, json_object_get_string(nc), 0);
		snprintf(cursor, sizeof(cursor), "%s", esc);
		curl_free(esc);
		json_object_put(o);
	}
	ck_assert_int_eq(seen, n);
	json_object_put(all);
}
END_TEST

/* ------------------------------------------------------------- preferences */

START_TEST(preferences_merge_a_subset_of_keys)
{
	static const char *const keys[] = { "default_provider", "default_model",
		"default_image_size", "default_image_count", "theme", "language" };
	user u;
	it_resp r;
	json_object *o;

	user_new(&u, ip(70));
	it_json(&r, u.ip, "GET", "/api/settings/user-preferences", u.access, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(it_jhas(it_jneed(o, "preferences", json_type_object), keys[i]),
		    "no %s: %s", keys[i], r.body.data);
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, u.ip, "PUT", "/api/settings/user-preferences", u.access,
	    "{\"theme\":\"dark\",\"default_image_count\":3}");
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	it_json(&r, u.ip, "PUT", "/api/settings/user-preferences", u.access,
	    "{\"default_provider\":\"openai\",\"language\":\"de\"}");
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "preferences.theme"), "dark");
	ck_assert_int_eq(json_object_get_int(it_jneed(o, "preferences.default_image_count", json_type_int)), 3);
	ck_assert_str_eq(it_js(o, "preferences.default_provider"), "openai");
	ck_assert_str_eq(it_js(o, "preferences.language"), "de");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, u.ip, "GET", "/api/settings/user-preferences", u.access, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "preferences.theme"), "dark");
	ck_assert_str_eq(it_js(o, "preferences.default_provider"), "openai");
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* Strict preferences: unknown keys and wrong types are refused by name, and
 * a refused PUT changes nothing (no half-applied update). */
START_TEST(preferences_reject_unknown_keys_and_wrong_types_by_name)
{
	static const char *const bad[][2] = {
		{ "{\"colour\":\"red\"}", "colour" },
		{ "{\"default_image_count\":\"3\"}", "default_image_count" },
		{ "{\"default_image_count\":0}", "default_image_count" },
		{ "{\"default_image_count\":11}", "default_image_count" },
		{ "{\"default_image_count\":2.5}", "default_image_count" },
		{ "{\"theme\":\"blue\"}", "theme" },
		{ "{\"theme\":1}", "theme" },
		{ "{\"default_provider\":\"acme\"}", "default_provider" },
		{ "{\"language\":[]}", "language" },
		{ "{\"theme\":\"light\",\"default_image_count\":\"3\"}", "default_image_count" },
	};
	user u;
	it_resp r;
	json_object *o;

	user_new(&u, ip(71));
	it_json(&r, u.ip, "PUT", "/api/settings/user-preferences", u.access, "{\"theme\":\"dark\"}");
	do_or_die(&r, 200);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		it_json(&r, u.ip, "PUT", "/api/settings/user-preferences", u.access, "%s", bad[i][0]);
		ck_assert_msg(r.status == 400, "%s: %ld %s", bad[i][0], r.status, r.body.data);
		o = it_json_body(&r);
		ck_assert_msg(it_jpath(o, "error.field") && strcmp(it_js(o, "error.field"), bad[i][1]) == 0,
		    "%s: want field %s: %s", bad[i][0], bad[i][1], r.body.data);
		json_object_put(o);
		it_resp_free(&r);
	}
	it_json(&r, u.ip, "GET", "/api/settings/user-preferences", u.access, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "preferences.theme"), "dark");
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* --------------------------------------------------------------- API keys */

/* POST /api/keys as u with body; the new key's id and secret. */
static void
key_create(const user *u, const char *body, char *id, size_t idlen, char *key, size_t keylen)
{
	it_resp r;
	json_object *o;

	it_json(&r, u->ip, "POST", "/api/keys", u->access, "%s", body);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(id, idlen, "%s", it_js(o, "id"));
	snprintf(key, keylen, "%s", it_js(o, "key"));
	json_object_put(o);
	it_resp_free(&r);
}

/* The key is shown once, in the documented form, and works as a bearer. */
START_TEST(api_key_is_shown_once_and_authenticates)
{
	user u;
	it_resp r;
	json_object *o, *list;
	char id[64], key[128], prefix[64];

	user_new(&u, ip(80));
	it_json(&r, u.ip, "POST", "/api/keys", u.access,
	    "{\"name\":\"ci\",\"scopes\":[\"read\",\"generate\"],\"expires_in\":86400}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	snprintf(id, sizeof(id), "%s", it_js(o, "id"));
	snprintf(key, sizeof(key), "%s", it_js(o, "key"));
	snprintf(prefix, sizeof(prefix), "%s", it_js(o, "prefix"));
	ck_assert_str_eq(it_js(o, "name"), "ci");
	ck_assert_int_eq(json_object_array_length(it_jneed(o, "scopes", json_type_array)), 2);
	it_jneed(o, "expires_at", json_type_string);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_msg(strlen(key) == 46 && strncmp(key, "ig_", 3) == 0 &&
	    strspn(key + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43,
	    "bad key form: %s", key);
	ck_assert_msg(strlen(prefix) < strlen(key) && strncmp(key, prefix, strlen(prefix)) == 0,
	    "prefix %s is not a short prefix of the key", prefix);

	ck_assert_int_eq(status_of_me(u.ip, key), 200);
	it_json(&r, u.ip, "GET", "/api/keys", u.access, NULL);
	IT_EXPECT(&r, 200);
	ck_assert_msg(strstr(r.body.data, key) == NULL, "GET /api/keys shows the key");
	ck_assert_msg(strstr(r.body.data, key + strlen(prefix)) == NULL, "the secret part shows");
	o = it_json_body(&r);
	list = it_jneed(o, "api_keys", json_type_array);
	it_jneed(o, "provider_keys", json_type_array);
	ck_assert_int_eq(json_object_array_length(list), 1);
	json_object *k = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(it_js(k, "id"), id);
	ck_assert_str_eq(it_js(k, "name"), "ci");
	ck_assert_str_eq(it_js(k, "prefix"), prefix);
	it_jneed(k, "scopes", json_type_array);
	it_jneed(k, "created_at", json_type_string);
	it_jneed(k, "expires_at", json_type_string);
	ck_assert_msg(it_jpath(k, "last_used_at") && json_object_is_type(it_jpath(k, "last_used_at"),
	    json_type_string), "last_used_at not set after use: %s", r.body.data);
	ck_assert_ptr_null(it_jpath(k, "key"));
	json_object_put(o);
	it_resp_free(&r);
	/* Without expires_in it has none. */
	it_json(&r, u.ip, "POST", "/api/keys", u.access, "{\"name\":\"forever\"}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	ck_assert(it_jpath(o, "expires_at") == NULL || json_object_is_type(it_jpath(o, "expires_at"),
	    json_type_null));
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* A database dump must not hand out working keys: only a hash is stored. */
START_TEST(api_key_is_stored_only_as_a_hash)
{
	user u;
	char id[64], key[128], *n;

	user_new(&u, ip(81));
	key_create(&u, "{\"name\":\"at-rest\"}", id, sizeof(id), key, sizeof(key));
	n = it_psql("SELECT count(*) FROM api_keys WHERE key_hash::text LIKE '%%' || '%s' || '%%'",
	    it_sql_safe(key));
	ck_assert_str_eq(n, "0");
	free(n);
	n = it_psql("SELECT count(*) FROM api_keys t WHERE id = '%s' AND (position('%s' in t::text) > 0 "
	    "OR position('%s' in t::text) > 0 OR position(convert_to('%s', 'UTF8') in key_hash) > 0)",
	    it_sql_safe(id), key, key + 3, key);
	ck_assert_str_eq(n, "0");
	free(n);
	n = it_psql("SELECT count(*) FROM api_keys WHERE id = '%s'", id);
	ck_assert_str_eq(n, "1");
	free(n);
	/* Nor anywhere else in the database. */
	n = it_psql("SELECT count(*) FROM user_activity t WHERE position('%s' in t::text) > 0", key + 3);
	ck_assert_str_eq(n, "0");
	free(n);
}
END_TEST

START_TEST(revoked_api_key_is_refused_on_the_next_request)
{
	user u;
	it_resp r;
	char id[64], key[128], path[128];

	user_new(&u, ip(82));
	key_create(&u, "{\"name\":\"revoke-me\"}", id, sizeof(id), key, sizeof(key));
	ck_assert_int_eq(status_of_me(u.ip, key), 200);
	snprintf(path, sizeof(path), "/api/keys/%s", id);
	it_json(&r, u.ip, "DELETE", path, u.access, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	expect_refused(u.ip, key);
	it_json(&r, u.ip, "GET", "/api/keys", u.access, NULL);
	ck_assert_msg(strstr(r.body.data, id) == NULL, "revoked key still listed: %s", r.body.data);
	it_resp_free(&r);
}
END_TEST

/* Privilege escalation: a leaked read-only key must not mint keys (which
 * could then carry any scope). */
START_TEST(read_only_api_key_cannot_create_keys)
{
	user u;
	it_resp r;
	char id[64], key[128];

	user_new(&u, ip(83));
	key_create(&u, "{\"name\":\"ro\",\"scopes\":[\"read\"]}", id, sizeof(id), key, sizeof(key));
	ck_assert_int_eq(status_of_me(u.ip, key), 200);
	it_json(&r, u.ip, "POST", "/api/keys", key, "{\"name\":\"escalated\",\"scopes\":[\"admin\"]}");
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/keys", key, "{\"name\":\"escalated\"}");
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	/* A key with the admin scope may. */
	key_create(&u, "{\"name\":\"adm\",\"scopes\":[\"admin\"]}", id, sizeof(id), key, sizeof(key));
	it_json(&r, u.ip, "POST", "/api/keys", key, "{\"name\":\"child\",\"scopes\":[\"read\"]}");
	IT_EXPECT(&r, 201);
	it_resp_free(&r);
}
END_TEST

START_TEST(api_key_create_rejects_bad_fields_by_name)
{
	user u;
	it_resp r;

	user_new(&u, ip(84));
	it_json(&r, u.ip, "POST", "/api/keys", u.access, "{\"name\":\"x\",\"scopes\":[\"root\"]}");
	it_expect_error(&r, 400, "invalid_request", "scopes", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/keys", u.access, "{\"scopes\":[\"read\"]}");
	it_expect_error(&r, 400, "invalid_request", "name", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/keys", u.access, "{\"name\":\"x\",\"expires_in\":\"soon\"}");
	it_expect_error(&r, 400, "invalid_request", "expires_in", NULL);
	it_resp_free(&r);
}
END_TEST

/* ----------------------------------------------------------- provider keys */

/* POST /api/keys/providers as u; the new provider key's id. */
static void
provider_create(const user *u, const char *secret, char *id, size_t idlen)
{
	it_resp r;
	json_object *o;

	it_json(&r, u->ip, "POST", "/api/keys/providers", u->access,
	    "{\"provider\":\"openai\",\"api_key\":\"%s\",\"name\":\"mine\"}", secret);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(id, idlen, "%s", it_js(o, "provider_key.id"));
	json_object_put(o);
	it_resp_free(&r);
}

/* A stolen database must not yield users' provider keys: the row holds only
 * ciphertext, and the API only ever shows the last four characters. */
START_TEST(provider_key_is_encrypted_at_rest_and_shown_as_last4)
{
	user u;
	it_resp r;
	json_object *o;
	char secret[64], id[64], *n;
	unsigned char rnd[8];

	user_new(&u, ip(90));
	ig_random_bytes(rnd, sizeof(rnd));
	snprintf(secret, sizeof(secret), "sk-test-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
	    rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	it_json(&r, u.ip, "POST", "/api/keys/providers", u.access,
	    "{\"provider\":\"openai\",\"api_key\":\"%s\",\"name\":\"my openai\"}", secret);
	IT_EXPECT(&r, 201);
	ck_assert_msg(strstr(r.body.data, secret) == NULL, "response shows the key");
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	snprintf(id, sizeof(id), "%s", it_js(o, "provider_key.id"));
	ck_assert_str_eq(it_js(o, "provider_key.provider"), "openai");
	ck_assert_str_eq(it_js(o, "provider_key.name"), "my openai");
	ck_assert_str_eq(it_js(o, "provider_key.last4"), secret + strlen(secret) - 4);
	it_jneed(o, "provider_key.created_at", json_type_string);
	ck_assert_msg(it_jhas(o, "provider_key.last_used_at"), "%s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, u.ip, "GET", "/api/keys", u.access, NULL);
	IT_EXPECT(&r, 200);
	ck_assert_msg(strstr(r.body.data, secret) == NULL, "GET /api/keys shows the key");
	o = it_json_body(&r);
	json_object *list = it_jneed(o, "provider_keys", json_type_array);
	ck_assert_int_eq(json_object_array_length(list), 1);
	ck_assert_str_eq(it_js(json_object_array_get_idx(list, 0), "id"), id);
	ck_assert_str_eq(it_js(json_object_array_get_idx(list, 0), "last4"), secret + strlen(secret) - 4);
	json_object_put(o);
	it_resp_free(&r);

	n = it_psql("SELECT position(convert_to('%s', 'UTF8') in ciphertext) FROM provider_keys "
	    "WHERE id = '%s'", it_sql_safe(secret), it_sql_safe(id));
	ck_assert_str_eq(n, "0");
	free(n);
	n = it_psql("SELECT count(*) FROM provider_keys t WHERE id = '%s' AND "
	    "(position('%s' in t::text) > 0 OR position('%s' in encode(ciphertext, 'escape')) > 0)",
	    id, secret, secret + 3);
	ck_assert_str_eq(n, "0");
	free(n);
	n = it_psql("SELECT count(*) FROM user_activity t WHERE position('%s' in t::text) > 0", secret);
	ck_assert_str_eq(n, "0");
	free(n);
}
END_TEST

/* The key test asks the provider (the mock OpenAI here): a key it refuses
 * is valid: false, one it accepts valid: true; the stored key is sent. */
START_TEST(provider_key_test_asks_the_provider_and_delete_removes_it)
{
	user u;
	it_resp r;
	char id[64], good[64], path[160];
	json_object *o;

	user_new(&u, ip(91));
	provider_create(&u, "sk-test-deleteme-1234", id, sizeof(id));
	snprintf(path, sizeof(path), "/api/keys/providers/%s/test", id);
	it_json(&r, u.ip, "POST", path, u.access, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert(!json_object_get_boolean(json_object_object_get(o, "valid")));
	ck_assert(strlen(it_jstr(o, "checked_at", NULL)) >= 20);
	json_object_put(o);
	it_resp_free(&r);
	provider_create(&u, "sk-good-keytest-5678", good, sizeof(good));
	snprintf(path, sizeof(path), "/api/keys/providers/%s/test", good);
	it_json(&r, u.ip, "POST", path, u.access, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(json_object_object_get(o, "valid")));
	json_object_put(o);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/keys/providers/%s/test", id);
	snprintf(path, sizeof(path), "/api/keys/providers/%s", id);
	it_json(&r, u.ip, "DELETE", path, u.access, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	it_json(&r, u.ip, "GET", "/api/keys", u.access, NULL);
	ck_assert_msg(strstr(r.body.data, id) == NULL, "deleted key still listed: %s", r.body.data);
	it_resp_free(&r);
	it_json(&r, u.ip, "DELETE", path, u.access, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/keys/providers", u.access,
	    "{\"provider\":\"acme\",\"api_key\":\"sk-x-12345678\",\"name\":\"n\"}");
	it_expect_error(&r, 400, "invalid_request", "provider", NULL);
	it_resp_free(&r);
}
END_TEST

/* IDOR: another user's key ids answer 404 (never 403: ids do not leak) and
 * the keys are untouched. */
START_TEST(other_users_key_ids_are_404_and_keys_survive)
{
	user a, b;
	it_resp r;
	char kid[64], key[128], pid[64], path[160];

	user_new(&a, ip(92));
	user_new(&b, ip(92));
	key_create(&a, "{\"name\":\"a-key\"}", kid, sizeof(kid), key, sizeof(key));
	provider_create(&a, "sk-test-owned-by-a-9999", pid, sizeof(pid));

	snprintf(path, sizeof(path), "/api/keys/%s", kid);
	it_json(&r, b.ip, "DELETE", path, b.access, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/keys/providers/%s", pid);
	it_json(&r, b.ip, "DELETE", path, b.access, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/keys/providers/%s/test", pid);
	it_json(&r, b.ip, "POST", path, b.access, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	/* B's key listing shows nothing of A's. */
	it_json(&r, b.ip, "GET", "/api/keys", b.access, NULL);
	ck_assert_msg(strstr(r.body.data, kid) == NULL && strstr(r.body.data, pid) == NULL,
	    "B sees A's keys: %s", r.body.data);
	it_resp_free(&r);

	ck_assert_int_eq(status_of_me(a.ip, key), 200);
	it_json(&r, a.ip, "GET", "/api/keys", a.access, NULL);
	ck_assert_msg(strstr(r.body.data, kid) && strstr(r.body.data, pid), "A lost a key: %s",
	    r.body.data);
	it_resp_free(&r);
	/* Ids that exist nowhere, and ones that are not ids, are 404 as well. */
	it_json(&r, b.ip, "DELETE", "/api/keys/00000000-0000-4000-8000-000000000000", b.access, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, b.ip, "DELETE", "/api/keys/not-a-uuid", b.access, NULL);
	ck_assert_msg(r.status == 404 || r.status == 400, "%ld %s", r.status, r.body.data);
	it_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------------- admin */

START_TEST(monitoring_is_admin_only)
{
	user u;
	it_resp r;

	user_new(&u, ip(100));
	it_json(&r, u.ip, "GET", "/api/monitoring/performance-metrics", NULL, NULL);
	it_expect_error(&r, 401, "unauthorized", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "GET", "/api/monitoring/performance-metrics", u.access, NULL);
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
}
END_TEST

/* Run the CLI to make an admin account for u (password on stdin). */
static void
cli_create_admin(const user *u)
{
	char *cmd = ig_xasprintf("'%s/app/imagegen' user create --admin --username '%s' "
	    "--email '%s' --password-stdin >&2", it_env("IG_BUILD_DIR"), it_sql_safe(u->name),
	    it_sql_safe(u->email));
	FILE *p = popen(cmd, "w");
	int st;

	ck_assert_ptr_nonnull(p);
	fprintf(p, "%s\n", u->password);
	st = pclose(p);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed", cmd);
	free(cmd);
}

START_TEST(admin_from_cli_reads_performance_metrics)
{
	static const char *const nums[] = { "avg_response_time", "error_rate", "uptime_seconds",
		"p50_ms", "p95_ms", "p99_ms" };
	user u;
	it_resp r;
	json_object *o;

	user_names(&u, ip(101));
	cli_create_admin(&u);
	user_login(&u);
	it_json(&r, u.ip, "GET", "/api/user", u.access, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "user.role"), "admin");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, u.ip, "GET", "/api/monitoring/performance-metrics", u.access, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		json_object *v = it_jpath(o, nums[i]);
		ck_assert_msg(v && (json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_int)), "%s: %s", nums[i], r.body.data);
	}
	ck_assert(json_object_get_int64(it_jneed(o, "total_requests", json_type_int)) > 0);
	ck_assert(strlen(it_js(o, "uptime")) > 0);
	it_jneed(o, "by_status", json_type_object);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

IT_MAIN("accounts", it_users_init,
	IT_TCASE("register_login", 120,
	    &register_returns_user_without_password_material,
	    &register_taken_username_or_email_is_409_without_saying_which,
	    &register_rejects_bad_fields_by_name,
	    &register_refuses_unknown_fields_such_as_role,
	    &malformed_or_mistyped_json_is_400,
	    &oversized_register_body_is_413,
	    &login_returns_bearer_pair_by_username_or_email,
	    &login_wrong_password_and_unknown_user_answer_alike,
	    &login_locks_account_after_max_failures_from_any_address,
	    &login_blocks_address_after_max_failures_across_accounts),
	IT_TCASE("user", 120,
	    &user_routes_require_a_token,
	    &user_update_changes_profile_and_refuses_taken_email,
	    &deleting_account_needs_password_and_kills_every_credential,
	    &deleting_account_password_guesses_are_limited,
	    &activity_lists_events_newest_first_and_pages_without_overlap,
	    &preferences_merge_a_subset_of_keys,
	    &preferences_reject_unknown_keys_and_wrong_types_by_name),
	IT_TCASE("keys", 120,
	    &api_key_is_shown_once_and_authenticates,
	    &api_key_is_stored_only_as_a_hash,
	    &revoked_api_key_is_refused_on_the_next_request,
	    &read_only_api_key_cannot_create_keys,
	    &api_key_create_rejects_bad_fields_by_name,
	    &provider_key_is_encrypted_at_rest_and_shown_as_last4,
	    &provider_key_test_asks_the_provider_and_delete_removes_it,
	    &other_users_key_ids_are_404_and_keys_survive,
	    &monitoring_is_admin_only,
	    &admin_from_cli_reads_performance_metrics)
);
