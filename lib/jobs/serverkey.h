/*
 * serverkey.h — who may spend the server's own provider keys
 * (IG_<PROVIDER>_API_KEY, lib/jobs/pconf.h), and how much: the operator's
 * money. One decision for every place a request may fall back to such a
 * key (generate-image, batches, the OpenAI-compatible route, the
 * assistant's chat) and for the catalogue that tells each caller what it
 * may use.
 *
 * IG_SERVER_KEYS: none (nobody; callers bring their own key), admins (the
 * default: administrators only) or users (every signed-in user; each
 * non-admin capped per UTC day by IG_SERVER_KEY_DAILY_IMAGES and
 * IG_SERVER_KEY_DAILY_CHATS, 0 meaning none of that kind). Anonymous
 * callers never use them: there is nobody to count against. A caller's own
 * key (the request's api_key, a stored provider key) always works and is
 * never counted; providers that need no key (builtin, local_ai) are not
 * concerned. Open model ids and free-form fields (ig_provider_uncurated)
 * run on the server's key for administrators only.
 *
 * Counts live in server_key_usage (migration 011), owned by this module:
 * one upsert that adds n only while count + n stays within the cap, so
 * concurrent requests on any number of hosts cannot pass it together. A
 * charge is made when the work is accepted (a job enqueued, a chat about to
 * be sent) and given back only when it never reached a provider (the
 * enqueue failed); a job that fails at the provider keeps its count, since
 * the provider may have billed it.
 */
#ifndef IG_JOBS_SERVERKEY_H
#define IG_JOBS_SERVERKEY_H

#include <stddef.h>

#include "lib/core/error.h"
#include "lib/providers/provider.h"

typedef enum ig_sk_kind {
	IG_SK_IMAGES,
	IG_SK_CHATS,
	IG_SK__MAX
} ig_sk_kind;

/* The caller, as the HTTP layer authenticated it. */
typedef struct ig_sk_caller {
	const char *user_id;            /* NULL: anonymous */
	int is_admin;
} ig_sk_caller;

typedef enum ig_sk_verdict {
	IG_SK_DENIED,                   /* why says why, and what to do instead */
	IG_SK_FREE,                     /* an administrator: allowed, not counted */
	IG_SK_METERED,                  /* allowed, counted against the daily cap */
} ig_sk_verdict;

/*
 * May caller use the server's key of provider for kind of work? DENIED when
 * the server has none, IG_SERVER_KEYS leaves the caller out, or the cap of
 * kind is 0; why (whylen bytes) then holds a sentence naming the setting.
 * The daily count is not looked at (ig_server_key_charge does).
 */
ig_sk_verdict ig_server_key_allowed(const ig_sk_caller *caller, const char *provider, ig_sk_kind kind,
    char *why, size_t whylen);

/*
 * The whole check of one generation about to run on the server's key of
 * ops: ig_server_key_allowed (403 forbidden, field "api_key"), then, for a
 * non-admin, whatever of req lies outside the registry's curated lists (403
 * naming "model", "input" or "version"). 0 with *metered (1: charge it), or
 * -1 with err.
 */
int ig_server_key_authorize(const ig_sk_caller *caller, const ig_provider_ops *ops, const ig_gen_request *req,
    int *metered, ig_err *err);

/*
 * The runner's last word before it opens the server's key of provider for
 * a queued job: with IG_SERVER_KEYS=none nothing runs on it, jobs queued
 * before the setting changed included (the operator's stop switch). The
 * caller was checked when the job was queued; who it was is not known
 * here, so admins/users are not told apart. 0, or -1 with err forbidden.
 */
int ig_server_key_runnable(const char *provider, ig_err *err);

/*
 * Count n more of kind for user_id today (UTC), all or nothing. 0 when they
 * fit; -1 with err: 429 rate_limited naming the cap's setting and field
 * (may be NULL), *retry_after set to the seconds until the next UTC
 * midnight, or a database error (*retry_after 0).
 */
int ig_server_key_charge(const char *user_id, ig_sk_kind kind, int n, const char *field, int *retry_after,
    ig_err *err);
/* Give back n of kind charged today, for work that never reached a
 * provider. 0 or -1 with err. */
int ig_server_key_refund(const char *user_id, ig_sk_kind kind, int n, ig_err *err);
/* Today's counts of user_id, per kind. 0 or -1 with err. */
int ig_server_key_used(const char *user_id, int used[IG_SK__MAX], ig_err *err);
/* The daily cap of kind (IG_SERVER_KEY_DAILY_*). */
int ig_server_key_cap(ig_sk_kind kind);
/* Seconds from now to the next UTC midnight, when the counts start over
 * (1..86400); the time itself as RFC 3339 into out (at least 21 bytes). */
int ig_server_key_reset_in(char *out, size_t outlen);

#endif
