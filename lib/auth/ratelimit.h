/*
 * ratelimit.h — request rate limits shared by every worker on every host:
 * fixed one-minute windows counted in PostgreSQL (rate_limits). Limits
 * under 2000 a minute are counted exactly, one upsert per request. For
 * larger ones a process claims a slice of the window (a thousandth of the
 * limit, at most 256) with one upsert and serves it from memory; slices are
 * disjoint ranges of the shared count, so all processes together never
 * allow more than the limit (a slice parked in an idle process may make it
 * stricter by that slice). Keys are "user:<id>:<class>" or "ip:<client key>:<class>" (ig_client_key).
 */
#ifndef IG_AUTH_RATELIMIT_H
#define IG_AUTH_RATELIMIT_H

#include <stddef.h>

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

/* Login attempts, counted per key ("user:<id>", "name:<typed>", "ip:<client
 * key>") BEFORE the password is checked (issue 10, item 3): reserve one
 * attempt of key's window of window seconds. *allowed is 1 when it is
 * among the first max of the window (then check the password), 0 when
 * over (answer 429 with *retry_after seconds, the rest of the window).
 * Concurrent calls serialize on one row, so at most max attempts of a
 * window are ever allowed. Returns 0, or -1 with err. */
int ig_login_attempt(const char *key, int max, int window, int *allowed, int *retry_after, ig_err *err);
/* Give back an allowed attempt that was not a failed guess (the right
 * password, or refused by another key's limit). */
int ig_login_attempt_undo(const char *key, ig_err *err);
/* Forget key's attempts (after a successful login to that account). */
int ig_login_attempts_clear(const char *key, ig_err *err);

/* The rate-limit key of a client address, into out: an IPv4 address as
 * is, an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address,
 * any other IPv6 address as its /64 prefix ("2001:db8:1:2::/64"), since
 * one host or subscriber usually holds a whole /64. Returns 0, or -1 when
 * addr is not an address (out then gets addr itself, or "unknown" for
 * NULL or empty). */
int ig_client_key(const char *addr, char *out, size_t outlen);

#endif
