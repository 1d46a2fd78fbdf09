/*
 * reset.h — password resets (sql/migrations/002 password_resets): a token
 * mailed to the account's last confirmed address, stored as SHA-256, good
 * once within its lifetime.
 */
#ifndef IG_AUTH_RESET_H
#define IG_AUTH_RESET_H

#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/core/error.h"

/*
 * A reset of the account whose address, or last confirmed address, email
 * is (case-insensitive), valid ttl_s seconds: 1 with token, user_id,
 * username and to (the confirmed address,
 * the only one a reset is mailed to, so an address set by someone holding a
 * stolen session never receives one); 0 when no such account has a
 * confirmed address; -1 with err.
 */
int ig_reset_start(const char *email, int ttl_s, char token[IG_TOKEN_LEN + 1], char user_id[IG_UUID_BUF],
    char username[IG_USERNAME_BUF], char to[IG_EMAIL_BUF], ig_err *err);

/* The account of an unused, unexpired reset token: 1 with user_id,
 * username and email, 0 when none, -1 with err. */
int ig_reset_find(const char *token, char user_id[IG_UUID_BUF], char username[IG_USERNAME_BUF],
    char email[IG_EMAIL_BUF], ig_err *err);

/* Use reset token (once): 1 when it was spent now, 0 when it already was
 * (or is unknown), -1 with err. */
int ig_reset_spend(const char *token, ig_err *err);

#endif
