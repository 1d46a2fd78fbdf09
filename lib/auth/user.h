/*
 * user.h — the users table (sql/migrations/002, 010): a user's row as a
 * struct with named fields, its API.md JSON, and the statements on users
 * that are not about credentials (those are in account.h).
 *
 * The access check fills one ig_user for the caller (app/fcgi/http.h
 * req->user), so handlers about the caller need no second query.
 */
#ifndef IG_AUTH_USER_H
#define IG_AUTH_USER_H

#include <json-c/json.h>

#include "lib/auth/password.h"
#include "lib/core/error.h"
#include "lib/core/util.h"

#define IG_USERNAME_BUF 51       /* bytes of a username (3 to 50 characters), with the NUL */
#define IG_EMAIL_BUF 255         /* bytes of an email address (at most 254), with the NUL */
#define IG_USER_TS_LEN 40        /* bytes of an RFC 3339 timestamp, with the NUL */

typedef struct ig_user {
	char id[IG_UUID_BUF];        /* "" when no row was read */
	char username[IG_USERNAME_BUF];
	char email[IG_EMAIL_BUF];
	char role[16];               /* "user" or "admin" */
	char *display_name;          /* NULL when not set (malloc'ed) */
	char created_at[IG_USER_TS_LEN];     /* RFC 3339 UTC, milliseconds */
	char last_login_at[IG_USER_TS_LEN];  /* "" when never */
	char *preferences;           /* the stored JSON object's text (malloc'ed) */
	int email_confirmed;         /* email is the last confirmed address */
} ig_user;

/* What ending every credential of a user took away: sessions (refresh
 * families with a live token, each with its access tokens) and personal
 * API keys that still worked. */
typedef struct ig_revoked {
	int sessions;
	int api_keys;
} ig_revoked;

/* Free what u holds and empty it; safe on an emptied or zeroed ig_user. */
void ig_user_free(ig_user *u);

/* 1 when admin. */
int ig_user_is_admin(const ig_user *u);

/* The user object of API.md: {id, username, email, email_confirmed, role,
 * display_name, created_at, last_login_at, preferences}. New reference. */
json_object *ig_user_json(const ig_user *u);

/* Read user id into *u (ig_user_free it). 0, 1 when there is no such user
 * (err untouched), or -1 with err. */
int ig_user_load(const char *id, ig_user *u, ig_err *err);

/* The account a login names (username or email, case-insensitive): 1 with
 * id and its password hash, 0 when none, -1 with err. */
int ig_user_by_login(const char *username_or_email, char id[IG_UUID_BUF], char hash[IG_PASSWORD_HASH_MAX],
    ig_err *err);

/* Create a user (lib/auth/account.h validates and hashes first): id gets
 * the new id. The registration address is the confirmed one. 0, or -1
 * with err: conflict when the username or email is taken (without saying
 * which). */
int ig_user_insert(const char *username, const char *email, const char *password_hash,
    const char *display_name, const char *role, char id[IG_UUID_BUF], ig_err *err);

/* The password hash of user id: 1, 0 when there is no such user, -1 with err. */
int ig_user_password_hash(const char *id, char hash[IG_PASSWORD_HASH_MAX], ig_err *err);

/*
 * End every session and every personal API key of user id in one
 * statement: refresh tokens revoked, their access tokens listed in
 * revoked_tokens for access_ttl_s seconds, tokens_valid_after moved to now
 * (a JWT issued earlier is refused, lib/auth/session.h), api_keys revoked;
 * with password_hash non-NULL the password becomes it. 0 with *out, or -1
 * with err (not_found when the user is gone).
 */
int ig_user_end_credentials(const char *id, const char *password_hash, int access_ttl_s, ig_revoked *out,
    ig_err *err);

/*
 * Set the email of user id, the row locked; the confirmed address
 * (users.confirmed_email, sql/migrations/010) stays. old gets the address
 * before; *same is 1 when email already was it (case-insensitive), and
 * *confirmed when email is the confirmed address. 0, or -1 with err:
 * conflict naming email when another account has it, not_found.
 */
int ig_user_set_email(const char *id, const char *email, char old[IG_EMAIL_BUF], int *same, int *confirmed,
    ig_err *err);

/* Note a successful login (last_login_at). 0 or -1 with err. */
int ig_user_logged_in(const char *id, ig_err *err);

/* Set or (NULL) clear the display name. 0 or -1 with err. */
int ig_user_set_display_name(const char *id, const char *display_name, ig_err *err);

/* Delete the user; keys, sessions, activity and images go with the row
 * (ON DELETE CASCADE). 0 or -1 with err. */
int ig_user_delete(const char *id, ig_err *err);

/* The stored preferences (a JSON object's text, malloc'ed) into *json: 0,
 * 1 when there is no such user, or -1 with err. */
int ig_user_prefs(const char *id, char **json, ig_err *err);

/* Merge the keys of the JSON object text json into the stored preferences.
 * 0 or -1 with err. */
int ig_user_prefs_merge(const char *id, const char *json, ig_err *err);

#endif
