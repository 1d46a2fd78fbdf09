/*
 * password.h — password policy and argon2id hashing (libargon2).
 * The cost parameters live in password.c, in one place; the encoded hash
 * carries them, so raising them later keeps old hashes verifiable.
 */
#ifndef IG_AUTH_PASSWORD_H
#define IG_AUTH_PASSWORD_H

#include <stddef.h>

#include "lib/core/error.h"

#define IG_PASSWORD_MIN 10       /* characters (code points) */
#define IG_PASSWORD_MAX_BYTES 1024
#define IG_PASSWORD_HASH_MAX 128

/* Check pw against the policy: at least IG_PASSWORD_MIN characters, at most
 * IG_PASSWORD_MAX_BYTES bytes, and not the username or the email
 * (case-insensitively). field names the request field in err. Returns 0 or
 * -1 with err (invalid_request). */
int ig_password_policy(const char *pw, const char *username, const char *email,
    const char *field, ig_err *err);

/* Hash pw with argon2id and a random salt into out (encoded form,
 * "$argon2id$v=19$m=…"). Returns 0, or -1 on failure. */
int ig_password_hash(const char *pw, char out[IG_PASSWORD_HASH_MAX]);

/* 1 when pw matches encoded, 0 when not (or encoded is malformed). */
int ig_password_verify(const char *encoded, const char *pw);

/* Spend the same time as a verification against a real hash, for logins
 * of unknown users, so response time does not reveal who exists. */
void ig_password_verify_dummy(const char *pw);

#endif
