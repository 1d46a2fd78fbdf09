/*
 * session.h — sessions: refresh tokens (opaque, stored as SHA-256, rotated
 * on every use, in families: reusing a spent one revokes its family) and
 * the access tokens (JWTs, lib/auth/jwt.h) listed in revoked_tokens when
 * their session ends early (sql/migrations/002).
 */
#ifndef IG_AUTH_SESSION_H
#define IG_AUTH_SESSION_H

#include <stdint.h>

#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/core/error.h"

/*
 * The user behind a verified access token (sub, iat, jti): still there,
 * the token not revoked by a logout, not issued before a password reset or
 * a logout of every session. 0 with *u filled (ig_user_free it), or -1
 * with err (unauthorized: "the session has ended; log in again").
 */
int ig_session_check(const char *sub, int64_t iat, const char *jti, ig_user *u, ig_err *err);

/*
 * Store a new refresh token of user_id, issued with the access token jti,
 * valid ttl_s seconds, in family (NULL: a new family, for a login).
 * refresh (IG_TOKEN_LEN + 1 bytes) gets the token. 0 or -1 with err.
 */
int ig_session_start(const char *user_id, const char *family, const char *jti, int ttl_s,
    char refresh[IG_TOKEN_LEN + 1], ig_err *err);

typedef enum ig_session_spend_result {
	IG_SESSION_SPENT,            /* user_id and family of the token */
	IG_SESSION_REFUSED,          /* unknown, expired or revoked */
	IG_SESSION_REUSED,           /* spent before: its family (user_id's) is now revoked */
} ig_session_spend_result;

/*
 * Spend refresh token atomically (of two concurrent uses one succeeds).
 * A spent token that comes back means someone holds a copy: its whole
 * family is revoked (the legitimate holder's newest token too), the access
 * tokens issued with it listed as revoked for access_ttl_s seconds. user_id
 * and family get the token's. -1 with err.
 */
int ig_session_spend(const char *token, int access_ttl_s, char user_id[IG_UUID_BUF], char family[IG_UUID_BUF],
    ig_session_spend_result *result, ig_err *err);

/*
 * Logout: revoke access token jti (expiring at exp, unix seconds) and end
 * the families of it and of refresh_token (NULL or not a token: none; a
 * token of another user: ignored), their access tokens listed as revoked
 * for access_ttl_s seconds. 0 or -1 with err.
 */
int ig_session_end(const char *user_id, const char *jti, long long exp, const char *refresh_token,
    int access_ttl_s, ig_err *err);

#endif
