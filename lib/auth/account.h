/*
 * account.h — user accounts: the validation rules of usernames and email
 * addresses, and creating a user (shared by POST /api/auth/register and
 * `imagegen user create`).
 */
#ifndef IG_AUTH_ACCOUNT_H
#define IG_AUTH_ACCOUNT_H

#include "lib/core/error.h"

/* 3–50 characters of [A-Za-z0-9_]. 0 or -1 with err naming field. */
int ig_account_check_username(const char *s, const char *field, ig_err *err);
/* A plausible address: one '@', non-empty local part and a dotted domain,
 * no spaces or control characters, at most 254 bytes. */
int ig_account_check_email(const char *s, const char *field, ig_err *err);

/* Validate and create a user with role "user" or "admin"; out_id (37
 * bytes) gets the new id. Returns 0, or -1 with err: invalid_request naming
 * the field, conflict when the username or email is taken (without saying
 * which), unavailable/internal for database trouble. */
int ig_account_create(const char *username, const char *email, const char *password,
    const char *display_name, const char *role, char out_id[37], ig_err *err);

#endif
