/*
 * account.h — user accounts: the validation rules of usernames and email
 * addresses, and creating a user (shared by POST /api/auth/register and
 * `imagegen user create`).
 */
#ifndef IG_AUTH_ACCOUNT_H
#define IG_AUTH_ACCOUNT_H

#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/core/error.h"

/* 3–50 characters of [A-Za-z0-9_]. 0 or -1 with err naming field. */
int ig_account_check_username(const char *s, const char *field, ig_err *err);
/* A plausible address: one '@', non-empty local part and a dotted domain,
 * no spaces or control characters, at most 254 bytes. */
int ig_account_check_email(const char *s, const char *field, ig_err *err);

/* Validate and create a user with role "user" or "admin"; out_id gets the
 * new id. Returns 0, or -1 with err: invalid_request naming
 * the field, conflict when the username or email is taken (without saying
 * which), unavailable/internal for database trouble. */
int ig_account_create(const char *username, const char *email, const char *password,
    const char *display_name, const char *role, char out_id[IG_UUID_BUF], ig_err *err);

/*
 * End every session and every personal API key of user_id at once
 * (ig_user_end_credentials: one statement). With password non-NULL the
 * password is set to it (hashed here) in the same statement, so no
 * credential of the old password outlives it. Returns 0 with *out, or -1
 * with err (not_found when the user is gone).
 */
int ig_account_end_credentials(const char *user_id, const char *password, int access_ttl_s,
    ig_revoked *out, ig_err *err);

/* 1 when password is user_id's, 0 when not (or no such user), -1 with err. */
int ig_account_password_ok(const char *user_id, const char *password, ig_err *err);

/*
 * Set user_id's email to email. The confirmed address (users.
 * confirmed_email, sql/migrations/010) does not follow: unless email is
 * that address again, token gets a fresh link token (stored hashed, valid
 * 24 hours) to mail to the new address, and *pending is 1. old gets the
 * address before the change. Returns 0, 1 when email already was
 * the address (nothing changed), or -1 with err: conflict naming email
 * when another account has it.
 */
int ig_account_change_email(const char *user_id, const char *email, char old[IG_EMAIL_BUF],
    char token[IG_TOKEN_LEN + 1], int *pending, ig_err *err);

/* Follow an email confirmation link: the address the token was mailed to
 * becomes the confirmed one, if it still is the account's email. user_id
 * gets the account. Returns 0, or -1 with err: invalid_request
 * naming token when it is unknown, used, expired or its address was
 * changed again since. */
int ig_account_confirm_email(const char *token, char user_id[IG_UUID_BUF], ig_err *err);

#define IG_EMAIL_CONFIRM_TTL (24 * 3600)

#endif
