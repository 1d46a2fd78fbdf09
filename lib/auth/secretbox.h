/*
 * secretbox.h — sealing stored provider keys at rest with libsodium's
 * crypto_secretbox (XSalsa20-Poly1305), a random nonce per value, under
 * the 32-byte master key IG_SECRET_KEY.
 */
#ifndef IG_AUTH_SECRETBOX_H
#define IG_AUTH_SECRETBOX_H

#include <stddef.h>

#include <sodium.h>

#include "lib/core/error.h"

#define IG_SECRETBOX_NONCE crypto_secretbox_NONCEBYTES
#define IG_SECRETBOX_MAC crypto_secretbox_MACBYTES

/* Use key (32 bytes, copied into locked memory). Returns 0 or -1. */
int ig_secretbox_setup(const unsigned char key[32]);

/* Seal len bytes of plain: nonce gets a fresh random nonce, *ct a malloc'ed
 * ciphertext of len + IG_SECRETBOX_MAC bytes. Returns 0 or -1. */
int ig_secretbox_seal(const char *plain, size_t len, unsigned char nonce[IG_SECRETBOX_NONCE],
    unsigned char **ct, size_t *ctlen);

/* Open a sealed value: *plain is a NUL-terminated buffer the caller must
 * release with ig_secretbox_free (it wipes it). Returns 0, or -1 when the
 * ciphertext was tampered with or the key is wrong. */
int ig_secretbox_open(const unsigned char nonce[IG_SECRETBOX_NONCE], const unsigned char *ct,
    size_t ctlen, char **plain);
void ig_secretbox_free(char *plain);

/* A value sealed for a pair of bytea columns: nonce and ciphertext as
 * bytea text ("\\x…"), ready to be statement parameters. */
typedef struct ig_sealed_text {
	char nonce[2 * IG_SECRETBOX_NONCE + 3];
	char *ct;                       /* malloc'ed */
} ig_sealed_text;

/* Seal plain (NUL-terminated) into out. 0, or -1 with err (internal);
 * release with ig_sealed_text_free. */
int ig_secretbox_seal_text(const char *plain, ig_sealed_text *out, ig_err *err);
void ig_sealed_text_free(ig_sealed_text *s);

#endif
