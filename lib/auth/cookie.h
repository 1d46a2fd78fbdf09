/*
 * cookie.h — the browser's session mode (API.md "Accounts and keys",
 * POST /api/auth/login with session "cookie"): the refresh token rides in
 * an HttpOnly cookie, so a refresh needs proof that the page itself asked,
 * not another site riding on the cookie. That proof is a CSRF token the
 * page reads from its own (non-HttpOnly) cookie and sends back in a header:
 * derived from the refresh token under a key of the server's (HMAC-SHA-256,
 * key from IG_JWT_SECRET), so nothing more is stored and it rotates with
 * the refresh token. Also here: reading one cookie out of a Cookie header
 * (untrusted bytes) and telling whether an Origin header is this service's.
 * Pure functions: no state, no I/O.
 */
#ifndef IG_AUTH_COOKIE_H
#define IG_AUTH_COOKIE_H

#include <stddef.h>

#include "lib/auth/token.h"

/* A Cookie header longer than this is ignored whole (browsers send at
 * most about 4 KB a cookie; nginx caps a header line at 8 KB). */
#define IG_COOKIE_HEADER_MAX 8192
/* The CSRF token: base64url of an HMAC-SHA-256, as long as a refresh token. */
#define IG_CSRF_LEN IG_TOKEN_LEN

/*
 * The value of cookie name in header, a Cookie request header (RFC 6265
 * §4.2.1: pairs "name=value" separated by ";" and spaces), into out
 * (outlen bytes, NUL-terminated). A value in double quotes loses them.
 * Pairs without "=" are skipped; names compare exactly (case-sensitive).
 * Returns 1 found, 0 absent, -1 ignored: header longer than
 * IG_COOKIE_HEADER_MAX or holding a control character, the name given
 * twice (a cookie "tossed" in from a sibling host or a narrower path would
 * otherwise be chosen by order), or the value not cookie-octets or not
 * fitting out. out is "" unless 1 is returned.
 */
int ig_cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* The CSRF token of refresh token refresh under secret (IG_JWT_SECRET)
 * into out (IG_CSRF_LEN + 1 bytes). */
void ig_cookie_csrf(const char *secret, const char *refresh, char out[IG_CSRF_LEN + 1]);

/* 1 when given (may be NULL) is the CSRF token of refresh under secret,
 * compared in constant time; 0 otherwise. */
int ig_cookie_csrf_ok(const char *secret, const char *refresh, const char *given);

/*
 * 1 when origin, an Origin request header (RFC 6454 §7: scheme "://" host
 * [":" port], or "null"), is the origin of public_url (IG_PUBLIC_URL;
 * scheme, host and port, its path ignored), or names host, the request's
 * Host header: its host, and its port when it has one. The Host says
 * nothing of the scheme, and Debian's nginx passes it without the port
 * ($host): a page on another port or scheme of the same host passes that
 * way, which gives it nothing it lacks, since cookies are not kept apart
 * by port (RFC 6265 §8.5) and ig_csrf is readable there. Hosts compare
 * case-insensitively, default ports (http 80, https 443) are filled in.
 * Anything malformed, "null" included, is 0. public_url and host may be
 * NULL.
 */
int ig_cookie_same_origin(const char *origin, const char *public_url, const char *host);

#endif
