/*
 * provider_key.h — a user's stored provider keys (table provider_keys;
 * API.md "Accounts and keys"). A key is sealed with crypto_secretbox under
 * IG_SECRET_KEY (lib/auth/secretbox.h); only its last four characters ever
 * leave the server, and this module is the one place that opens it.
 */
#ifndef IG_AUTH_PROVIDER_KEY_H
#define IG_AUTH_PROVIDER_KEY_H

#include "lib/auth/apikey.h"
#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/providers/provider.h"

#define IG_PROVIDER_KEYS_MAX 20  /* stored keys a user may hold */

/* A stored key as its owner sees it; "" for a timestamp that is not set. */
typedef struct ig_provider_key {
	char id[IG_UUID_BUF];
	char provider[33];
	char name[4 * IG_KEY_NAME_MAX + 1];
	char last4[5];
	char created_at[32];        /* RFC 3339 UTC with milliseconds */
	char last_used_at[32];
} ig_provider_key;

/* user_id's keys, newest first: *out (malloc'ed, the caller frees) gets
 * *n of them. 0 or -1 with err. */
int ig_provider_key_list(const char *user_id, ig_provider_key **out, int *n, ig_err *err);

/*
 * Seal key (checked by the caller) and store it for user_id under
 * provider, named name (NULL: the provider's name); out gets the row. 0,
 * or -1 with err: conflict when the user has IG_PROVIDER_KEYS_MAX keys.
 */
int ig_provider_key_add(const char *user_id, const char *provider, const char *name, const char *key,
    ig_provider_key *out, ig_err *err);

/* Delete user_id's key id (a uuid); out gets it as it was. 0, 1
 * when the user has no such key, or -1 with err. */
int ig_provider_key_delete(const char *id, const char *user_id, ig_provider_key *out, ig_err *err);

/* Which providers user_id has a key for: has[i] for ig_providers[i]
 * (all 0 for user_id NULL). 0 or -1 with err. */
int ig_provider_key_held(const char *user_id, int has[IG_PROVIDERS_MAX], ig_err *err);

/* The id (IG_UUID_BUF bytes) of user_id's newest key for provider. 0, 1 when there
 * is none, or -1 with err. */
int ig_provider_key_newest(const char *user_id, const char *provider, char id[IG_UUID_BUF], ig_err *err);

/*
 * The newest key of user_id for provider, in the clear: *secret gets a
 * buffer to release with ig_secretbox_free. 0, 1 when there is none, or -1
 * with err (internal: "the stored key cannot be opened").
 */
int ig_provider_key_open(const char *user_id, const char *provider, char **secret, ig_err *err);

/*
 * Key id in the clear, for a use of it (its last_used_at is set to now):
 * only when it is user_id's (user_id NULL: whoever's). provider (33 bytes,
 * may be NULL) gets its provider, *secret as for ig_provider_key_open. 0, 1
 * when there is no such key, or -1 with err.
 */
int ig_provider_key_open_id(const char *id, const char *user_id, char provider[33], char **secret,
    ig_err *err);

/*
 * Open a sealed key as the database returns it: nonce and ciphertext in
 * PostgreSQL's bytea text form ("\\x…"). What every function above that
 * hands out a key in the clear uses. 0 with *secret, or -1 (a malformed
 * value, a nonce of the wrong length, a tampered ciphertext or another
 * IG_SECRET_KEY).
 */
int ig_provider_key_unseal(const char *nonce, const char *ciphertext, char **secret);

#endif
