/*
 * test_tokens.c — the tokens of an account (API.md "Accounts and keys")
 * end to end through nginx: refresh-token rotation and reuse detection,
 * logout, password reset by mail, and forged JWTs (wrong claims, algorithm,
 * key or signature).
 *
 * Needs a live stack (tests/support/stack up DIR; source DIR/env), with its
 * SMTP sink (IG_TEST_MAIL_DIR) and the settings the test stack sets:
 * IG_JWT_SECRET, IG_PUBLIC_URL, IG_DATABASE_URL.
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

/* The body of r without request_id, as a JSON string (caller frees). */
static char *
body_sans_request_id(const it_resp *r)
{
	json_object *o = it_json_body(r);
	char *s;

	json_object_object_del(o, "request_id");
	s = ig_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* ------------------------------------------------------- refresh and logout */

/* A stolen refresh token replayed after the owner used it: the replay is
 * refused and the whole family dies, so the thief's newer token dies too. */
START_TEST(refresh_rotates_and_reuse_of_spent_token_revokes_family)
{
	user u;
	it_resp r;
	json_object *o;
	char r2[512], a2[2048];

	user_new(&u, ip(30));
	refresh(&r, u.ip, u.refresh);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "token_type"), "Bearer");
	ck_assert(json_object_get_int64(it_jneed(o, "expires_in", json_type_int)) > 0);
	ck_assert_str_eq(it_js(o, "user.id"), u.id);
	snprintf(r2, sizeof(r2), "%s", it_js(o, "refresh_token"));
	snprintf(a2, sizeof(a2), "%s", it_js(o, "access_token"));
	ck_assert_str_ne(r2, u.refresh);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(status_of_me(u.ip, a2), 200);
	/* Replay of the spent one. */
	refresh(&r, u.ip, u.refresh);
	it_expect_error(&r, 401, "unauthorized", NULL, NULL);
	it_resp_free(&r);
	/* Its family is gone: the newest member no longer refreshes. */
	refresh(&r, u.ip, r2);
	it_expect_error(&r, 401, "unauthorized", NULL, NULL);
	it_resp_free(&r);
}
END_TEST

START_TEST(refresh_with_garbage_or_access_token_is_401)
{
	user u;
	it_resp r;

	user_new(&u, ip(31));
	refresh(&r, u.ip, "not-a-refresh-token");
	it_expect_error(&r, 401, "unauthorized", NULL, NULL);
	it_resp_free(&r);
	/* An access token is no refresh token (too long for one is a 400 too). */
	refresh(&r, u.ip, u.access);
	ck_assert_msg(r.status == 401 || r.status == 400, "%ld %s", r.status, r.body.data);
	if (r.status == 400)
		it_expect_error(&r, 400, "invalid_request", "refresh_token", NULL);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/auth/refresh", NULL, "{}");
	IT_EXPECT(&r, 400);
	it_resp_free(&r);
}
END_TEST

/* Logout must end the session at once, not when the JWT expires: the access
 * token and every refresh token of its family stop working. */
START_TEST(logout_revokes_access_token_and_refresh_family)
{
	user u;
	it_resp r;
	json_object *o;
	char r1[512], a2[2048], r2[512];

	user_new(&u, ip(32));
	snprintf(r1, sizeof(r1), "%s", u.refresh);
	refresh(&r, u.ip, r1);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	snprintf(r2, sizeof(r2), "%s", it_js(o, "refresh_token"));
	snprintf(a2, sizeof(a2), "%s", it_js(o, "access_token"));
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, u.ip, "POST", "/api/auth/logout", a2, "{\"refresh_token\":\"%s\"}", r2);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jneed(o, "success", json_type_boolean)));
	json_object_put(o);
	it_resp_free(&r);
	expect_refused(u.ip, a2);
	refresh(&r, u.ip, r2);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	refresh(&r, u.ip, r1);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
}
END_TEST

START_TEST(logout_without_token_is_401)
{
	user u;
	it_resp r;

	user_new(&u, ip(33));
	it_json(&r, u.ip, "POST", "/api/auth/logout", NULL, "{\"refresh_token\":\"%s\"}", u.refresh);
	it_expect_error(&r, 401, "unauthorized", NULL, NULL);
	it_resp_free(&r);
	/* Nothing was revoked by the refused call. */
	ck_assert_int_eq(status_of_me(u.ip, u.access), 200);
}
END_TEST

/* A user must not be able to log out someone else's session by sending their
 * refresh token with his own access token. */
START_TEST(logout_cannot_revoke_another_users_refresh_token)
{
	user a, b;
	it_resp r;

	user_new(&a, ip(34));
	user_new(&b, ip(34));
	it_json(&r, b.ip, "POST", "/api/auth/logout", b.access, "{\"refresh_token\":\"%s\"}",
	    a.refresh);
	ck_assert_msg(r.status != 500, "%s", r.body.data);
	it_resp_free(&r);
	refresh(&r, a.ip, a.refresh);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
}
END_TEST

/* ---------------------------------------------------------- password reset */

/* Account enumeration through the reset form: known and unknown addresses
 * get the same 202 and body; only the known one receives a mail. */
START_TEST(password_reset_request_does_not_reveal_whether_email_exists)
{
	user u;
	it_resp r;
	char *known, *unknown, *mail, ghost[96];
	long last = it_mail_last();

	user_new(&u, ip(40));
	snprintf(ghost, sizeof(ghost), "ghost_%s@example.test", u.name);
	it_json(&r, u.ip, "POST", "/api/auth/password-reset/request", NULL, "{\"email\":\"%s\"}",
	    u.email);
	IT_EXPECT(&r, 202);
	known = body_sans_request_id(&r);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/auth/password-reset/request", NULL, "{\"email\":\"%s\"}",
	    ghost);
	IT_EXPECT(&r, 202);
	unknown = body_sans_request_id(&r);
	it_resp_free(&r);
	ck_assert_str_eq(known, unknown);
	mail = it_mail_wait(u.email, last, 15000, NULL);
	ck_assert_msg(mail != NULL, "no reset mail for %s", u.email);
	free(mail);
	mail = it_mail_wait(ghost, last, 1500, NULL);
	ck_assert_msg(mail == NULL, "a mail went to an unknown address:\n%s", mail);
	free(known);
	free(unknown);
}
END_TEST

/* The mailed token resets the password once; every earlier session dies
 * (a thief holding an old token is locked out), and the token cannot be
 * replayed. */
START_TEST(password_reset_token_works_once_and_revokes_every_session)
{
	user u;
	it_resp r;
	char token[256], *mail, *link;
	long last = it_mail_last();
	const char *newpw = "a brand new passphrase";

	user_new(&u, ip(41));
	it_json(&r, u.ip, "POST", "/api/auth/password-reset/request", NULL, "{\"email\":\"%s\"}",
	    u.email);
	IT_EXPECT(&r, 202);
	it_resp_free(&r);
	mail = it_mail_wait(u.email, last, 15000, NULL);
	ck_assert_msg(mail != NULL, "no reset mail for %s", u.email);
	it_mail_token(mail, token, sizeof(token));
	link = ig_xasprintf("%s/reset-password?token=%s", it_env("IG_PUBLIC_URL"), token);
	ck_assert_msg(strstr(mail, link) != NULL, "no link %s in mail:\n%s", link, mail);
	free(link);
	free(mail);
	/* The token is not stored in the clear. */
	char *n = it_psql("SELECT count(*) FROM password_resets t WHERE position('%s' in t::text) > 0",
	    it_sql_safe(token));
	ck_assert_str_eq(n, "0");
	free(n);

	it_json(&r, u.ip, "POST", "/api/auth/password-reset/confirm", NULL,
	    "{\"token\":\"%s\",\"new_password\":\"%s\"}", token, newpw);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	ck_assert_int_eq(login_as(&r, u.ip, u.name, PASSWORD), 401);
	it_resp_free(&r);
	ck_assert_int_eq(login_as(&r, u.ip, u.name, newpw), 200);
	it_resp_free(&r);
	expect_refused(u.ip, u.access);
	refresh(&r, u.ip, u.refresh);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/auth/password-reset/confirm", NULL,
	    "{\"token\":\"%s\",\"new_password\":\"another passphrase\"}", token);
	it_expect_error(&r, 400, "invalid_request", "token", NULL);
	it_resp_free(&r);
	ck_assert_int_eq(login_as(&r, u.ip, u.name, newpw), 200);
	json_object *o = it_json_body(&r);
	snprintf(u.access, sizeof(u.access), "%s", it_js(o, "access_token"));
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, u.ip, "GET", "/api/user/activity?limit=50", u.access, NULL);
	IT_EXPECT(&r, 200);
	ck_assert_msg(strstr(r.body.data, "\"password_changed\""), "no password_changed: %s",
	    r.body.data);
	it_resp_free(&r);
}
END_TEST

START_TEST(password_reset_with_forged_token_is_400)
{
	it_resp r;

	it_json(&r, ip(42), "POST", "/api/auth/password-reset/confirm", NULL,
	    "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"new_password\":\"whatever pass\"}");
	it_expect_error(&r, 400, "invalid_request", "token", NULL);
	it_resp_free(&r);
}
END_TEST

/* --------------------------------------------------------------------- JWT */

static char *
b64url(const void *p, size_t n)
{
	size_t m = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *o = ig_xmalloc(m);

	sodium_bin2base64(o, m, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return o;
}

/*
 * A JWT (RFC 7519) with header {"alg": alg, "typ": "JWT"} and payload,
 * signed by HMAC with key (HS256 or HS512 per alg) or with an empty
 * signature when key is NULL. Caller frees.
 */
static char *
jwt_craft(const char *alg, const char *payload, const char *key)
{
	char *hdr = ig_xasprintf("{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
	char *h = b64url(hdr, strlen(hdr)), *p = b64url(payload, strlen(payload));
	char *input = ig_xasprintf("%s.%s", h, p), *sig, *out;
	unsigned char mac[crypto_auth_hmacsha512_BYTES];
	size_t maclen = 0;

	if (key != NULL && strcmp(alg, "HS512") == 0) {
		crypto_auth_hmacsha512_state st;
		crypto_auth_hmacsha512_init(&st, (const unsigned char *)key, strlen(key));
		crypto_auth_hmacsha512_update(&st, (const unsigned char *)input, strlen(input));
		crypto_auth_hmacsha512_final(&st, mac);
		maclen = crypto_auth_hmacsha512_BYTES;
	} else if (key != NULL) {
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, strlen(input));
		crypto_auth_hmacsha256_final(&st, mac);
		maclen = crypto_auth_hmacsha256_BYTES;
	}
	sig = maclen ? b64url(mac, maclen) : ig_xstrdup("");
	out = ig_xasprintf("%s.%s", input, sig);
	free(hdr);
	free(h);
	free(p);
	free(input);
	free(sig);
	return out;
}

static const char *
issuer(void)
{
	const char *v = getenv("IG_JWT_ISSUER");
	return v && *v ? v : "imagegen";
}

static const char *
audience(void)
{
	const char *v = getenv("IG_JWT_AUDIENCE");
	return v && *v ? v : "imagegen-api";
}

/*
 * Claims the server would issue for u, as JSON (caller frees), with one
 * claim changed: claim set to value (a JSON literal), or removed when value
 * is NULL; claim NULL changes nothing.
 */
static char *
claims_for(const user *u, const char *claim, const char *value)
{
	long now = (long)time(NULL);
	char jti[IG_UUID_BUF];
	json_object *o = json_object_new_object(), *v;
	char *s;

	ig_uuid4(jti);
	json_object_object_add(o, "sub", json_object_new_string(u->id));
	json_object_object_add(o, "role", json_object_new_string("user"));
	json_object_object_add(o, "iat", json_object_new_int64(now));
	json_object_object_add(o, "nbf", json_object_new_int64(now));
	json_object_object_add(o, "exp", json_object_new_int64(now + 600));
	json_object_object_add(o, "iss", json_object_new_string(issuer()));
	json_object_object_add(o, "aud", json_object_new_string(audience()));
	json_object_object_add(o, "jti", json_object_new_string(jti));
	if (claim != NULL) {
		json_object_object_del(o, claim);
		if (value != NULL) {
			v = json_tokener_parse(value);
			ck_assert_ptr_nonnull(v);
			json_object_object_add(o, claim, v);
		}
	}
	s = ig_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* Fail unless GET /api/user with a token crafted for u (alg, one claim
 * changed as in claims_for, signed with key or unsigned when key is NULL)
 * answers want. */
static void
expect_crafted(const user *u, const char *alg, const char *claim, const char *value,
    const char *key, long want)
{
	char *payload = claims_for(u, claim, value), *tok = jwt_craft(alg, payload, key);
	it_resp r;

	it_json(&r, u->ip, "GET", "/api/user", tok, NULL);
	ck_assert_msg(r.status == want, "alg %s, claims %s: want %ld, got %ld: %s", alg, payload,
	    want, r.status, r.body.data);
	it_resp_free(&r);
	free(payload);
	free(tok);
}

/* The control for every forged-token test below: a token built here with the
 * right key and claims is accepted, so their 401s are for the one thing each
 * gets wrong, not for how this file builds tokens. */
START_TEST(crafted_token_with_right_claims_is_accepted)
{
	user u;

	user_new(&u, ip(110));
	expect_crafted(&u, "HS256", NULL, NULL, it_env("IG_JWT_SECRET"), 200);
}
END_TEST

START_TEST(expired_token_is_refused)
{
	user u;
	char exp[32];

	user_new(&u, ip(111));
	snprintf(exp, sizeof(exp), "%ld", (long)time(NULL) - 3600);
	expect_crafted(&u, "HS256", "exp", exp, it_env("IG_JWT_SECRET"), 401);
}
END_TEST

START_TEST(token_without_exp_is_refused)
{
	user u;

	user_new(&u, ip(112));
	expect_crafted(&u, "HS256", "exp", NULL, it_env("IG_JWT_SECRET"), 401);
}
END_TEST

START_TEST(token_not_yet_valid_is_refused)
{
	user u;
	char nbf[32];

	user_new(&u, ip(113));
	snprintf(nbf, sizeof(nbf), "%ld", (long)time(NULL) + 3600);
	expect_crafted(&u, "HS256", "nbf", nbf, it_env("IG_JWT_SECRET"), 401);
}
END_TEST

/* A token minted for another service sharing the key must not work here. */
START_TEST(token_for_other_issuer_or_audience_is_refused)
{
	user u;

	user_new(&u, ip(114));
	expect_crafted(&u, "HS256", "iss", "\"evil\"", it_env("IG_JWT_SECRET"), 401);
	expect_crafted(&u, "HS256", "aud", "\"other-api\"", it_env("IG_JWT_SECRET"), 401);
	expect_crafted(&u, "HS256", "iss", NULL, it_env("IG_JWT_SECRET"), 401);
	expect_crafted(&u, "HS256", "aud", NULL, it_env("IG_JWT_SECRET"), 401);
}
END_TEST

/* CVE-2015-9235 style: "alg": "none" with no signature must not pass. */
START_TEST(unsigned_alg_none_token_is_refused)
{
	user u;

	user_new(&u, ip(115));
	expect_crafted(&u, "none", NULL, NULL, NULL, 401);
	expect_crafted(&u, "NONE", NULL, NULL, NULL, 401);
	/* Nor an HS256 header with the signature stripped. */
	expect_crafted(&u, "HS256", NULL, NULL, NULL, 401);
}
END_TEST

/* The algorithm is pinned to HS256: a token whose header picks another one
 * is refused even when correctly signed with the right key. */
START_TEST(token_with_other_algorithm_is_refused)
{
	user u;

	user_new(&u, ip(116));
	expect_crafted(&u, "HS512", NULL, NULL, it_env("IG_JWT_SECRET"), 401);
}
END_TEST

START_TEST(token_signed_with_another_key_is_refused)
{
	user u;

	user_new(&u, ip(117));
	expect_crafted(&u, "HS256", NULL, NULL,
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 401);
}
END_TEST

/* A real token whose payload is edited (role: admin, or another user's sub)
 * and not re-signed must not pass: privilege escalation and impersonation. */
START_TEST(tampered_token_payload_is_refused)
{
	static const char *const edits[][2] = { { "role", "admin" }, { "sub", NULL } };
	user u, victim;
	it_resp r;

	user_new(&u, ip(118));
	user_new(&victim, ip(118));
	for (size_t i = 0; i < 2; i++) {
		char *dot1 = strchr(u.access, '.'), *dot2 = strrchr(u.access, '.');
		unsigned char bin[2048];
		size_t binlen;

		ck_assert(dot1 && dot2 && dot1 < dot2);
		ck_assert_int_eq(sodium_base642bin(bin, sizeof(bin) - 1, dot1 + 1, (size_t)(dot2 - dot1 - 1),
		    NULL, &binlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
		bin[binlen] = '\0';
		json_object *o = json_tokener_parse((char *)bin);
		ck_assert_ptr_nonnull(o);
		json_object_object_add(o, edits[i][0],
		    json_object_new_string(edits[i][1] ? edits[i][1] : victim.id));
		const char *np = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		char *p = b64url(np, strlen(np));
		char *tok = ig_xasprintf("%.*s.%s%s", (int)(dot1 - u.access), u.access, p, dot2);
		expect_refused(u.ip, tok);
		it_json(&r, u.ip, "GET", "/api/monitoring/performance-metrics", tok, NULL);
		IT_EXPECT(&r, 401);
		it_resp_free(&r);
		free(tok);
		free(p);
		json_object_put(o);
	}
	/* The untouched token still works: the edits were the only difference. */
	ck_assert_int_eq(status_of_me(u.ip, u.access), 200);
}
END_TEST

START_TEST(garbage_bearer_tokens_are_refused)
{
	static const char *const junk[] = {
		"x", "a.b.c", "..", "...", "eyJ.eyJ.", "ig_", "ig_short",
		"ig_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"eyJhbGciOiJIUzI1NiJ9.e30.", "null", "Bearer", "%00", "' OR '1'='1",
	};
	char *longtok = ig_xmalloc(8001);
	it_resp r;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		expect_refused(ip(119), junk[i]);
	memset(longtok, 'A', 8000);
	longtok[8000] = '\0';
	it_json(&r, ip(119), "GET", "/api/user", longtok, NULL);
	ck_assert_msg(r.status == 401 || r.status == 400 || r.status == 431 || r.status == 494,
	    "%ld %s", r.status, r.body.data);
	it_resp_free(&r);
	free(longtok);
	/* Another scheme is no token at all. */
	static const char *const basic[] = { "Authorization: Basic dXNlcjpwYXNz", NULL };
	it_req q = { .method = "GET", .path = "/api/user", .headers = basic, .source_ip = ip(119) };
	it_request(&q, &r);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
}
END_TEST

IT_MAIN("tokens", it_users_init,
	IT_TCASE("sessions", 120,
	    &refresh_rotates_and_reuse_of_spent_token_revokes_family,
	    &refresh_with_garbage_or_access_token_is_401,
	    &logout_revokes_access_token_and_refresh_family,
	    &logout_without_token_is_401,
	    &logout_cannot_revoke_another_users_refresh_token,
	    &password_reset_request_does_not_reveal_whether_email_exists,
	    &password_reset_token_works_once_and_revokes_every_session,
	    &password_reset_with_forged_token_is_400),
	IT_TCASE("jwt", 120,
	    &crafted_token_with_right_claims_is_accepted,
	    &expired_token_is_refused,
	    &token_without_exp_is_refused,
	    &token_not_yet_valid_is_refused,
	    &token_for_other_issuer_or_audience_is_refused,
	    &unsigned_alg_none_token_is_refused,
	    &token_with_other_algorithm_is_refused,
	    &token_signed_with_another_key_is_refused,
	    &tampered_token_payload_is_refused,
	    &garbage_bearer_tokens_are_refused)
);
