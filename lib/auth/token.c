/* token.c — see token.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "lib/auth/token.h"
#include "lib/core/util.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
ig_b64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
	}
	out[o] = '\0';
}

static int
b64val(char c)
{
	const char *p = c ? strchr(b64url, c) : NULL;

	return p ? (int)(p - b64url) : -1;
}

int
ig_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero: one encoding per value. */
	if (acc != 0)
		return -1;
	return (int)o;
}

void
ig_token_new(char out[IG_TOKEN_LEN + 1])
{
	unsigned char raw[32];

	ig_random_bytes(raw, sizeof(raw));
	ig_b64url_encode(raw, sizeof(raw), out);
	sodium_memzero(raw, sizeof(raw));
}

int
ig_token_valid(const char *s)
{
	unsigned char raw[33];

	return s != NULL && strlen(s) == IG_TOKEN_LEN &&
	    ig_b64url_decode(s, IG_TOKEN_LEN, raw, sizeof(raw)) == 32;
}

void
ig_sha256(const char *s, size_t len, unsigned char out[IG_SHA256_LEN])
{
	if (EVP_Digest(s, len, out, NULL, EVP_sha256(), NULL) != 1)
		abort();
}

ig_sha256_ctx *
ig_sha256_begin(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		abort();
	return (ig_sha256_ctx *)c;
}

void
ig_sha256_add(ig_sha256_ctx *c, const void *p, size_t len)
{
	if (EVP_DigestUpdate((EVP_MD_CTX *)c, p, len) != 1)
		abort();
}

void
ig_sha256_end(ig_sha256_ctx *c, unsigned char out[IG_SHA256_LEN])
{
	if (EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, NULL) != 1)
		abort();
	EVP_MD_CTX_free((EVP_MD_CTX *)c);
}

void
ig_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
ig_bytea_hex(const unsigned char *in, size_t n, char *out)
{
	out[0] = '\\';
	out[1] = 'x';
	ig_hex(in, n, out + 2);
}

char *
ig_bytea_text(const unsigned char *in, size_t n)
{
	char *s;

	if (in == NULL)
		return NULL;
	s = ig_xmalloc(2 * n + 3);
	ig_bytea_hex(in, n, s);
	return s;
}

void
ig_token_hash_hex(const char *token, char out[IG_TOKEN_HASH_HEX])
{
	unsigned char h[IG_SHA256_LEN];

	ig_sha256(token, strlen(token), h);
	ig_bytea_hex(h, sizeof(h), out);
}

void
ig_apikey_new(char key[IG_APIKEY_LEN + 1], char prefix[IG_APIKEY_PREFIX_LEN + 1])
{
	memcpy(key, "ig_", 3);
	ig_token_new(key + 3);
	memcpy(prefix, key, IG_APIKEY_PREFIX_LEN);
	prefix[IG_APIKEY_PREFIX_LEN] = '\0';
}

int
ig_apikey_valid(const char *s)
{
	return s != NULL && strncmp(s, "ig_", 3) == 0 && ig_token_valid(s + 3);
}
