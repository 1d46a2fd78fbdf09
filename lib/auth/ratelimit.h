/*
 * ratelimit.h — request rate limits shared by every worker on every host:
 * fixed one-minute windows counted in PostgreSQL (rate_limits). Limits
 * under 2000 a minute are counted exactly, one upsert per request. For
 * larger ones a process claims a slice of the window (a thousandth of the
 * limit, at most 256) with one upsert and serves it from memory; slices are
 * disjoint ranges of the shared count, so all processes together never
 * allow more than the limit (a slice parked in an idle process may make it
 * stricter by that slice). Keys are "user:<id>:<class>" or "ip:<addr>:<class>".
 */
#ifndef IG_AUTH_RATELIMIT_H
#define IG_AUTH_RATELIMIT_H

#include "lib/core/error.h"

typedef struct ig_ratelimit {
	int limit;
	int remaining;
	int reset;      /* seconds until the window ends */
	int allowed;    /* 0 when this request is over the limit */
} ig_ratelimit;

/* Count one request against key with limit per minute. 0 with *rl
 * filled, or -1 with err (database unavailable). */
int ig_ratelimit_hit(const char *key, int limit, ig_ratelimit *rl, ig_err *err);

/*
 * Refusals remembered in this process, so that a client over its limit is
 * refused without a database round trip for the rest of the window (the
 * shared count only grows within a window, so every such request would be
 * refused anyway). who names the client as the caller sees it before any
 * authentication work (its credential, or its address when it sent none);
 * generate is 1 for the generation limit, 0 for the general one.
 */
void ig_ratelimit_refusal_note(const char *who, int generate, const ig_ratelimit *rl);
/* 1 with *rl filled (allowed 0, remaining 0) when who was refused within
 * the current window of that class; 0 otherwise. */
int ig_ratelimit_refusal_find(const char *who, int generate, ig_ratelimit *rl);

/* Failed logins for key within window seconds; -1 with err. */
int ig_login_failures(const char *key, int window, int *count, int *retry_after, ig_err *err);
/* Record a failed login for key. */
int ig_login_failure_add(const char *key, ig_err *err);
/* Forget key's failures (after a successful login). */
int ig_login_failures_clear(const char *key, ig_err *err);

#endif
