/*
 * token.h — random tokens, hashes and encodings shared by the auth modules:
 * refresh tokens, password-reset tokens and personal API keys.
 *
 * Personal API key format: "ig_" + base64url (no padding) of 32 random
 * bytes = 46 characters. Stored as SHA-256 of the whole string, with a
 * visible prefix of its first 10 characters so a user can tell keys apart.
 */
#ifndef IG_AUTH_TOKEN_H
#define IG_AUTH_TOKEN_H

#include <stddef.h>

#define IG_TOKEN_LEN 43          /* base64url of 32 bytes, no padding */
#define IG_APIKEY_LEN 46         /* "ig_" + IG_TOKEN_LEN */
#define IG_APIKEY_PREFIX_LEN 10
#define IG_SHA256_LEN 32

/* base64url without padding of n bytes into out (at least 4*n/3+2 bytes). */
void ig_b64url_encode(const unsigned char *in, size_t n, char *out);
/* Decode base64url without padding; returns the byte count, or -1 on a bad
 * character, bad length or more than outlen bytes. */
int ig_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen);

/* A fresh random token: base64url of 32 CSPRNG bytes into out[IG_TOKEN_LEN+1]. */
void ig_token_new(char out[IG_TOKEN_LEN + 1]);
/* 1 when s has the shape of a token from ig_token_new. */
int ig_token_valid(const char *s);

/* SHA-256 of s. OpenSSL's libcrypto computes it (SHA-NI or AVX2 where the
 * CPU has them: about 1 ms a MB less than libsodium's portable C, which
 * matters for the object store's 20 MB uploads). */
void ig_sha256(const char *s, size_t len, unsigned char out[IG_SHA256_LEN]);
/* The same in pieces: begin, add any number of times, end (which frees
 * the state). Out of memory aborts, as ig_xmalloc does. */
typedef struct ig_sha256_ctx ig_sha256_ctx;
ig_sha256_ctx *ig_sha256_begin(void);
void ig_sha256_add(ig_sha256_ctx *c, const void *p, size_t len);
void ig_sha256_end(ig_sha256_ctx *c, unsigned char out[IG_SHA256_LEN]);
/* Lower-case hex of n bytes, and its "\\x…" bytea form for PostgreSQL. */
void ig_hex(const unsigned char *in, size_t n, char *out);
void ig_bytea_hex(const unsigned char *in, size_t n, char *out);
/* ig_bytea_hex into a new string (the caller frees); NULL for NULL. */
char *ig_bytea_text(const unsigned char *in, size_t n);

/* Bytes of ig_token_hash_hex's text, with the NUL. */
#define IG_TOKEN_HASH_HEX (2 * IG_SHA256_LEN + 3)
/* The SHA-256 of a secret token in the bytea text form its token_hash
 * column holds (refresh tokens, password resets, email confirmations). */
void ig_token_hash_hex(const char *token, char out[IG_TOKEN_HASH_HEX]);

/* A new personal API key and its visible prefix. */
void ig_apikey_new(char key[IG_APIKEY_LEN + 1], char prefix[IG_APIKEY_PREFIX_LEN + 1]);
/* 1 when s has the exact shape of a personal API key. */
int ig_apikey_valid(const char *s);

#endif
