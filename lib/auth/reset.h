/*
 * reset.h — password resets (sql/migrations/002 password_resets): a token
 * mailed to the account's last confirmed address, stored as SHA-256, good
 * once within its lifetime.
 */
#ifndef IG_AUTH_RESET_H
#define IG_AUTH_RESET_H

#include "lib/auth/token.h"
#include "lib/core/error.h"

/*
 * A reset of the account whose address, or last confirmed address, email
 * is (case-insensitive), valid ttl_s seconds: 1 with token (IG_TOKEN_LEN +
 * 1 bytes), user_id (37), username (51) and to (255: the confirmed address,
 * the only one a reset is mailed to, so an address set by someone holding a
 * stolen session never receives one); 0 when no such account has a
 * confirmed address; -1 with err.
 */
int ig_reset_start(const char *email, int ttl_s, char token[IG_TOKEN_LEN + 1], char user_id[37],
    char username[51], char to[255], ig_err *err);

/* The account of an unused, unexpired reset token: 1 with user_id (37),
 * username (51) and email (255), 0 when none, -1 with err. */
int ig_reset_find(const char *token, char user_id[37], char username[51], char email[255], ig_err *err);

/* Use reset token (once): 1 when it was spent now, 0 when it already was
 * (or is unknown), -1 with err. */
int ig_reset_spend(const char *token, ig_err *err);

#endif
