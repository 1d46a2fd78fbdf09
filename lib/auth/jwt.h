/*
 * jwt.h — access tokens: JWTs (RFC 7519) signed HS256 with IG_JWT_SECRET,
 * through libjwt 1.10.
 *
 * libjwt 1.10 trusts the token's header for the algorithm, accepts unsigned
 * tokens when the key is empty, and checks no time claims. So verification
 * here pins HS256 before and after decoding, refuses to run without a key
 * of at least 32 bytes, and checks exp, nbf, iat, iss and aud itself with a
 * small clock skew; a token without exp is invalid. Revocation (jti) and
 * the user's state are the caller's database checks.
 */
#ifndef IG_AUTH_JWT_H
#define IG_AUTH_JWT_H

#include <stdint.h>

#include "lib/core/error.h"
#include "lib/core/util.h"

#define IG_JWT_SKEW 30           /* seconds of clock skew tolerated */
#define IG_JWT_MAX_LEN 4096

typedef struct ig_jwt_claims {
	char sub[IG_UUID_BUF];
	char role[8];
	char jti[IG_UUID_BUF];
	int64_t iat, nbf, exp;
} ig_jwt_claims;

/* Key, issuer, audience and lifetime; the key is copied. Returns -1 when
 * the key is shorter than 32 bytes. */
int ig_jwt_setup(const char *key, const char *issuer, const char *audience, int ttl);

/* Issue a token for user sub with role. *token is malloc'ed (caller
 * frees); claims gets what was signed (jti, iat, exp). 0 or -1. */
int ig_jwt_issue(const char *sub, const char *role, char **token, ig_jwt_claims *claims);

/* Verify token at time now (unix seconds). 0 with claims filled, or -1
 * with err: token_expired for a token past exp, unauthorized for anything
 * else (bad shape, algorithm, signature, issuer, audience, nbf, iat). */
int ig_jwt_verify(const char *token, int64_t now, ig_jwt_claims *claims, ig_err *err);

#endif
