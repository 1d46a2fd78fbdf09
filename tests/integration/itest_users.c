/*
 * itest_users.c — accounts for the account suites; see itest_users.h.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "itest_users.h"

int it_users_run;

int
it_users_init(void)
{
	it_users_run = 1 + (int)(getpid() % 250);
	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return -1;
	}
	return 0;
}

/* Fresh names for u (not yet registered): unique per process, call and run. */
void
user_names(user *u, const char *source)
{
	static int counter;
	unsigned char rnd[3];

	memset(u, 0, sizeof(*u));
	ig_random_bytes(rnd, sizeof(rnd));
	snprintf(u->name, sizeof(u->name), "t%d_%d_%02x%02x%02x", (int)getpid(), ++counter,
	    rnd[0], rnd[1], rnd[2]);
	snprintf(u->email, sizeof(u->email), "%s@example.test", u->name);
	snprintf(u->password, sizeof(u->password), "%s", PASSWORD);
	u->ip = source;
}

void
user_register(user *u)
{
	it_resp r;
	json_object *o;

	it_json(&r, u->ip, "POST", "/api/auth/register", NULL,
	    "{\"username\":\"%s\",\"email\":\"%s\",\"password\":\"%s\"}", u->name, u->email,
	    u->password);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(u->id, sizeof(u->id), "%s", it_js(o, "user.id"));
	json_object_put(o);
	it_resp_free(&r);
}

void
user_login(user *u)
{
	it_resp r;
	json_object *o;

	it_json(&r, u->ip, "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\":\"%s\",\"password\":\"%s\"}", u->name, u->password);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	snprintf(u->access, sizeof(u->access), "%s", it_js(o, "access_token"));
	snprintf(u->refresh, sizeof(u->refresh), "%s", it_js(o, "refresh_token"));
	json_object_put(o);
	it_resp_free(&r);
}

void
user_new(user *u, const char *source)
{
	user_names(u, source);
	user_register(u);
	user_login(u);
}

long
status_of_me(const char *source, const char *token)
{
	return it_get_status(source, "/api/user", token);
}

void
expect_refused(const char *source, const char *token)
{
	it_resp r;
	json_object *o;

	it_json(&r, source, "GET", "/api/user", token, NULL);
	ck_assert_msg(r.status == 401, "token accepted (%ld): %s\ntoken: %s", r.status,
	    r.body.data, token);
	o = it_json_body(&r);
	const char *code = it_js(o, "error.code");
	ck_assert_msg(strcmp(code, "unauthorized") == 0 || strcmp(code, "token_expired") == 0,
	    "code %s", code);
	json_object_put(o);
	it_resp_free(&r);
}

long
login_as(it_resp *r, const char *source, const char *who, const char *password)
{
	it_json(r, source, "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\":\"%s\",\"password\":\"%s\"}", who, password);
	return r->status;
}

void
refresh(it_resp *r, const char *source, const char *token)
{
	it_json(r, source, "POST", "/api/auth/refresh", NULL, "{\"refresh_token\":\"%s\"}", token);
}

const char *
ip(int n)
{
	static char ips[255][24];

	ck_assert(n > 0 && n < 255);
	snprintf(ips[n], sizeof(ips[n]), "127.%d.0.%d", it_users_run, n);
	return ips[n];
}
