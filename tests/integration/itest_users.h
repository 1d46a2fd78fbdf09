/*
 * itest_users.h — the accounts the account suites (test_accounts,
 * test_tokens, test_ratelimits, test_cors) make and log in with, and the
 * loopback source address each of their tests sends from.
 *
 * Every test makes its own users (unique names) and sends from its own
 * loopback address (127.R.0.N, R fixed per run, N fixed per test across
 * the four suites), so per-account and per-IP limits never leak from one
 * test into another, nor from an earlier run against the same stack.
 */
#ifndef IG_TESTS_ITEST_USERS_H
#define IG_TESTS_ITEST_USERS_H

#include "itest.h"

#define PASSWORD "correct horse battery"

/* One account as the tests see it. */
typedef struct user {
	char name[51];
	char email[80];
	char password[64];
	char id[64];
	char access[2048];
	char refresh[512];
	const char *ip;
} user;

/* Second octet of every source address of this run (it_users_init). */
extern int it_users_run;
/* Before any test: picks it_users_run, starts libsodium; -1 when that
 * fails. Pass it as IT_MAIN's init. */
int it_users_init(void);

/* The source address 127.R.0.n of test slot n (1..254), R = it_users_run. */
const char *ip(int n);
/* Fresh names for u (not yet registered): unique per process, call and run. */
void user_names(user *u, const char *source);
/* POST /api/auth/register for u (user_names); fills u->id. */
void user_register(user *u);
/* Log u in with its password from u->ip; fills access and refresh. */
void user_login(user *u);
/* A registered, logged-in user sending from source. */
void user_new(user *u, const char *source);
/* Status of GET /api/user with bearer token from source. */
long status_of_me(const char *source, const char *token);
/* Fail unless GET /api/user with token is 401 with the error shape. */
void expect_refused(const char *source, const char *token);
/* POST /api/auth/login; returns the status, r kept for the caller. */
long login_as(it_resp *r, const char *source, const char *who, const char *password);
/* POST /api/auth/refresh; r kept for the caller. */
void refresh(it_resp *r, const char *source, const char *token);

#endif
