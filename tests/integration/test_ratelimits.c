/*
 * test_ratelimits.c — the per-user API rate limit (API.md "Rate limits")
 * end to end through nginx: the RateLimit-* headers on every answer, 429
 * with Retry-After past IG_RATE_LIMIT, and service again after the wait.
 *
 * Needs a live stack (tests/support/stack up DIR; source DIR/env) with
 * IG_RATE_LIMIT set. Users and source addresses: itest_users.h.
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

/* ------------------------------------------------------------- rate limits */

START_TEST(every_api_response_carries_ratelimit_headers)
{
	user u;
	it_resp r;
	char v[64];
	static const char *const names[] = { "RateLimit-Limit", "RateLimit-Remaining",
		"RateLimit-Reset" };

	ig_buf missing = { 0 };

	user_new(&u, ip(120));
	for (int i = 0; i < 4; i++) {
		switch (i) {
		case 0: it_json(&r, u.ip, "GET", "/api/user", u.access, NULL); break;
		case 1: it_json(&r, u.ip, "GET", "/api/does-not-exist", NULL, NULL); break;
		case 2: it_json(&r, u.ip, "POST", "/api/auth/login", NULL, "{"); break;
		default: it_json(&r, u.ip, "GET", "/api/user", NULL, NULL); break;
		}
		for (size_t k = 0; k < 3; k++)
			if (!it_header(&r, names[k], v, sizeof(v)) || !*v ||
			    strspn(v, "0123456789") != strlen(v))
				ig_buf_printf(&missing, "request %d (%ld): %s missing or not a number\n",
				    i, r.status, names[k]);
		if (i == 0) {
			it_header(&r, "RateLimit-Limit", v, sizeof(v));
			ck_assert_str_eq(v, it_env("IG_RATE_LIMIT"));
			it_header(&r, "RateLimit-Remaining", v, sizeof(v));
			ck_assert(atol(v) < atol(it_env("IG_RATE_LIMIT")));
		}
		it_resp_free(&r);
	}
	ck_assert_msg(missing.data == NULL, "%s", missing.data);
}
END_TEST

/* One user may not flood the API: past IG_RATE_LIMIT requests a minute it
 * gets 429 with Retry-After, and after that wait it is served again. */
START_TEST(user_over_rate_limit_gets_429_then_recovers)
{
	long limit = atol(it_env("IG_RATE_LIMIT")), ok = 0, i;
	user u;
	it_resp r;
	char ra[32], rem[32];

	user_new(&u, ip(121));
	for (i = 0; i < 2 * limit + 2; i++) {
		it_json(&r, u.ip, "GET", "/api/user", u.access, NULL);
		if (r.status != 200)
			break;
		ok++;
		it_resp_free(&r);
	}
	/* A fixed window may turn over once during the burst, never twice. */
	ck_assert_msg(ok >= limit && ok <= 2 * limit, "429 after %ld requests (limit %ld)", ok, limit);
	it_expect_error(&r, 429, "rate_limited", NULL, NULL);
	ck_assert_msg(it_header(&r, "Retry-After", ra, sizeof(ra)), "no Retry-After");
	ck_assert_msg(atol(ra) >= 1 && atol(ra) <= 60, "Retry-After: %s", ra);
	ck_assert(it_header(&r, "RateLimit-Remaining", rem, sizeof(rem)));
	ck_assert_str_eq(rem, "0");
	it_resp_free(&r);
	it_sleep_ms(atol(ra) * 1000 + 500);
	ck_assert_int_eq(status_of_me(u.ip, u.access), 200);
}
END_TEST

IT_MAIN("ratelimits", it_users_init,
	IT_TCASE("ratelimits", 120,
	    &every_api_response_carries_ratelimit_headers,
	    &user_over_rate_limit_gets_429_then_recovers)
);
