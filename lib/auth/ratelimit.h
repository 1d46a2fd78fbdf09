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

/* Failed logins for key within window seconds; -1 with err. */
int ig_login_failures(const char *key, int window, int *count, int *retry_after, ig_err *err);
/* Record a failed login for key. */
int ig_login_failure_add(const char *key, ig_err *err);
/* Forget key's failures (after a successful login). */
int ig_login_failures_clear(const char *key, ig_err *err);

#endif
