/* cookie.c — see cookie.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "lib/auth/cookie.h"
#include "lib/auth/token.h"

#define HOST_MAX 256

/* RFC 6265 §4.1.1 cookie-octet: visible ASCII but DQUOTE , ; and \. */
static int
cookie_octet(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\';
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Store the value v (n bytes, spaces trimmed already) of the cookie found:
 * 0, or -1 when it is not cookie-octets or does not fit. */
static int
store_value(const char *v, size_t n, char *out, size_t outlen)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		v++, n -= 2;
	if (n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!cookie_octet((unsigned char)v[i]))
			return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int
ig_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name), hlen;
	int found = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (header == NULL)
		return 0;
	hlen = strnlen(header, IG_COOKIE_HEADER_MAX + 1);
	if (hlen > IG_COOKIE_HEADER_MAX)
		return -1;
	for (size_t i = 0; i < hlen; i++)
		if (((unsigned char)header[i] < 0x20 && header[i] != '\t') || header[i] == 0x7f)
			return -1;
	for (const char *p = header; *p; ) {
		const char *end = strchr(p, ';'), *eq, *k, *v, *ve;
		size_t klen;

		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			for (k = p; k < eq && is_space(*k); k++)
				;
			for (klen = (size_t)(eq - k); klen > 0 && is_space(k[klen - 1]); klen--)
				;
			if (klen == nlen && memcmp(k, name, nlen) == 0) {
				for (v = eq + 1; v < end && is_space(*v); v++)
					;
				for (ve = end; ve > v && is_space(ve[-1]); ve--)
					;
				if (found || store_value(v, (size_t)(ve - v), out, outlen) != 0) {
					out[0] = '\0';
					return -1;
				}
				found = 1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return found;
}

/* The key of CSRF tokens: its own, derived from the whole secret, so a
 * CSRF token is worth nothing as any other credential (tickets, JWTs). */
static void
csrf_key(const char *secret, unsigned char key[crypto_auth_hmacsha256_KEYBYTES])
{
	static const char label[] = "imagegen csrf v1";
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, crypto_auth_hmacsha256_KEYBYTES);
	crypto_generichash_update(&st, (const unsigned char *)label, sizeof(label));
	crypto_generichash_update(&st, (const unsigned char *)secret, strlen(secret));
	crypto_generichash_final(&st, key, crypto_auth_hmacsha256_KEYBYTES);
}

void
ig_cookie_csrf(const char *secret, const char *refresh, char out[IG_CSRF_LEN + 1])
{
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES], mac[crypto_auth_hmacsha256_BYTES];

	csrf_key(secret, key);
	crypto_auth_hmacsha256(mac, (const unsigned char *)refresh, strlen(refresh), key);
	ig_b64url_encode(mac, sizeof(mac), out);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(mac, sizeof(mac));
}

int
ig_cookie_csrf_ok(const char *secret, const char *refresh, const char *given)
{
	char want[IG_CSRF_LEN + 1];
	int ok;

	/* The length is no secret: every token has this one. */
	if (given == NULL || strnlen(given, IG_CSRF_LEN + 1) != IG_CSRF_LEN)
		return 0;
	ig_cookie_csrf(secret, refresh, want);
	ok = sodium_memcmp(want, given, IG_CSRF_LEN) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}

/* host[:port] (n bytes) into host (lower case) and *port (def when none):
 * 0, or -1 when malformed (userinfo, path, a bad port, empty). */
static int
authority(const char *s, size_t n, int def, char host[HOST_MAX], int *port)
{
	const char *colon = NULL;
	size_t hn;

	if (n == 0 || n >= HOST_MAX)
		return -1;
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (rb == NULL)
			return -1;
		if ((size_t)(rb + 1 - s) < n) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', n);
	}
	hn = colon ? (size_t)(colon - s) : n;
	if (hn == 0)
		return -1;
	for (size_t i = 0; i < hn; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("@/?#\\\"<>", c) != NULL)
			return -1;
		host[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	host[hn] = '\0';
	*port = def;
	if (colon != NULL) {
		size_t pn = n - hn - 1;
		int p = 0;

		if (pn == 0 || pn > 5)
			return -1;
		for (size_t i = 0; i < pn; i++) {
			if (colon[1 + i] < '0' || colon[1 + i] > '9')
				return -1;
			p = p * 10 + (colon[1 + i] - '0');
		}
		if (p < 1 || p > 65535)
			return -1;
		*port = p;
	}
	return 0;
}

/* An http(s) URL's origin: *https, host, *port. path_ok: whether a path,
 * query or fragment may follow (a URL) or not (an Origin header). */
static int
origin_of(const char *url, int path_ok, int *https, char host[HOST_MAX], int *port)
{
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		*https = 1, url += 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		*https = 0, url += 7;
	else
		return -1;
	n = strcspn(url, "/?#");
	if (!path_ok && url[n] != '\0')
		return -1;
	return authority(url, n, *https ? 443 : 80, host, port);
}

int
ig_cookie_same_origin(const char *origin, const char *public_url, const char *host)
{
	char oh[HOST_MAX], h[HOST_MAX];
	int os, op, s, p;

	if (origin == NULL || origin_of(origin, 0, &os, oh, &op) != 0)
		return 0;
	if (public_url != NULL && origin_of(public_url, 1, &s, h, &p) == 0 &&
	    s == os && p == op && strcmp(h, oh) == 0)
		return 1;
	/* A Host without a port (Debian's nginx passes $host, which drops
	 * it) compares by name: cookies are not kept apart by port anyway. */
	return host != NULL && authority(host, strlen(host), 0, h, &p) == 0 && strcmp(h, oh) == 0 &&
	    (p == 0 || p == op);
}
