/*
 * apikey.h — personal API keys (table api_keys; API.md "Accounts and
 * keys"). A key is shown once, when it is made, and kept as its SHA-256
 * (lib/auth/token.h has its format); it works until revoked or expired.
 */
#ifndef IG_AUTH_APIKEY_H
#define IG_AUTH_APIKEY_H

#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/core/error.h"
#include "lib/core/util.h"

#define IG_API_KEYS_MAX 50       /* active keys a user may hold */
#define IG_KEY_NAME_MAX 100      /* a key's name, in characters */

/* A key as its owner sees it; "" for a timestamp that is not set. */
typedef struct ig_api_key {
	char id[IG_UUID_BUF];
	char name[4 * IG_KEY_NAME_MAX + 1];
	char prefix[IG_APIKEY_PREFIX_LEN + 1];
	char scopes[32];            /* comma-separated: read, generate, admin */
	char created_at[32];        /* RFC 3339 UTC with milliseconds */
	char last_used_at[32];
	char expires_at[32];
} ig_api_key;

/* user_id's keys that are not revoked (expired ones included), newest
 * first: *out (malloc'ed, the caller frees) gets *n of them. 0 or -1 with
 * err. */
int ig_api_key_list(const char *user_id, ig_api_key **out, int *n, ig_err *err);

/*
 * Make a key for user_id named name with scopes (comma-separated) that
 * expires expires_in seconds from now (0: never). key gets the key in the
 * clear (to show once; the caller wipes it), out the stored row. 0, or -1
 * with err: conflict when the user has IG_API_KEYS_MAX active keys.
 */
int ig_api_key_create(const char *user_id, const char *name, const char *scopes, long long expires_in,
    char key[IG_APIKEY_LEN + 1], ig_api_key *out, ig_err *err);

/* Revoke user_id's key id (a uuid); out gets it as it was.
 * 0, 1 when the user has no such live key, or -1 with err. */
int ig_api_key_revoke(const char *id, const char *user_id, ig_api_key *out, ig_err *err);

/*
 * Who a request made with key is (one indexed query): the key, its owner,
 * and the owner's users row. last_used_at is refreshed at most once a
 * minute, so a busy key does not rewrite its row on every request.
 */
typedef struct ig_api_key_caller {
	char key_id[IG_UUID_BUF];
	char user_id[IG_UUID_BUF];
	char scopes[32];            /* comma-separated */
	int is_admin;               /* the owner's role now, not when the key was made */
	ig_user user;               /* the owner's users row (ig_user_free it) */
} ig_api_key_caller;

/* 0 with *out, 1 when key is malformed, unknown, expired or revoked, or
 * -1 with err. */
int ig_api_key_find(const char *key, ig_api_key_caller *out, ig_err *err);

#endif
