/*
 * test_cors.c — CORS end to end through nginx: the configured origin gets
 * its preflight and its echo (never "*"), any other origin gets no
 * Access-Control-Allow-Origin.
 *
 * Needs a live stack (tests/support/stack up DIR; source DIR/env) with
 * IG_CORS_ORIGINS=https://app.example.test. Users and source addresses:
 * itest_users.h.
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

#define ORIGIN "https://app.example.test"

/* -------------------------------------------------------------------- CORS */

START_TEST(cors_preflight_allows_configured_origin_with_authorization)
{
	static const char *const pre[] = { "Origin: " ORIGIN, "Access-Control-Request-Method: GET",
		"Access-Control-Request-Headers: authorization, content-type", NULL };
	it_req q = { .method = "OPTIONS", .path = "/api/user", .headers = pre, .source_ip = ip(130) };
	it_resp r;
	char v[512], cred[32];

	ck_assert_msg(strstr(it_env("IG_CORS_ORIGINS"), ORIGIN) != NULL, "stack lacks " ORIGIN);
	it_request(&q, &r);
	ck_assert_msg(r.status == 204, "got %ld:\n%s%s", r.status, r.headers.data, r.body.data);
	ck_assert(it_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	ck_assert_str_eq(v, ORIGIN);
	ck_assert_msg(it_header(&r, "Access-Control-Allow-Methods", v, sizeof(v)) && strstr(v, "GET"),
	    "%s", r.headers.data);
	ck_assert_msg(it_header(&r, "Access-Control-Allow-Headers", v, sizeof(v)) &&
	    strcasestr(v, "authorization"), "%s", r.headers.data);
	it_resp_free(&r);

	/* The actual request echoes the origin, never "*". */
	user u;
	static const char *const get[] = { "Origin: " ORIGIN, NULL };
	user_new(&u, ip(130));
	it_req g = { .method = "GET", .path = "/api/user", .headers = get, .bearer = u.access,
		.source_ip = u.ip };
	it_request(&g, &r);
	IT_EXPECT(&r, 200);
	ck_assert(it_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	ck_assert_str_eq(v, ORIGIN);
	if (it_header(&r, "Access-Control-Allow-Credentials", cred, sizeof(cred)))
		ck_assert_str_ne(v, "*");
	it_resp_free(&r);
}
END_TEST

/* A site not in IG_CORS_ORIGINS gets no Access-Control-Allow-Origin, so a
 * browser will not let it read a user's data; and never a wildcard. */
START_TEST(cors_unknown_origin_gets_no_allow_origin)
{
	static const char *const pre[] = { "Origin: https://evil.example.test",
		"Access-Control-Request-Method: GET", "Access-Control-Request-Headers: authorization",
		NULL };
	static const char *const get[] = { "Origin: https://evil.example.test", NULL };
	static const char *const sub[] = { "Origin: https://app.example.test.evil.test", NULL };
	it_req q = { .method = "OPTIONS", .path = "/api/user", .headers = pre, .source_ip = ip(131) };
	it_resp r;
	char v[512];
	user u;

	it_request(&q, &r);
	ck_assert_msg(!it_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "ACAO %s", v);
	it_resp_free(&r);
	user_new(&u, ip(131));
	it_req g = { .method = "GET", .path = "/api/user", .headers = get, .bearer = u.access,
		.source_ip = u.ip };
	it_request(&g, &r);
	ck_assert_msg(!it_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "ACAO %s", v);
	it_resp_free(&r);
	g.headers = sub;
	it_request(&g, &r);
	ck_assert_msg(!it_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "ACAO %s", v);
	it_resp_free(&r);
}
END_TEST

IT_MAIN("cors", it_users_init,
	IT_TCASE("cors", 120,
	    &cors_preflight_allows_configured_origin_with_authorization,
	    &cors_unknown_origin_gets_no_allow_origin)
);
