/* ticket.c — see ticket.h. Format: base64url("user_id.expiry") "."
 * base64url(HMAC-SHA256(key, "purpose|subject|user_id.expiry")). */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/ticket.h"
#include "lib/auth/token.h"

static unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
static int have_key;

int
ig_ticket_setup(const char *secret)
{
	if (secret == NULL || strlen(secret) < 32)
		return -1;
	/* A key of its own: a ticket can never pass for a JWT or back. */
	crypto_generichash(key, sizeof(key), (const unsigned char *)"imagegen ticket v1", 18,
	    (const unsigned char *)secret, strlen(secret) > crypto_generichash_KEYBYTES_MAX ?
	    crypto_generichash_KEYBYTES_MAX : strlen(secret));
	have_key = 1;
	return 0;
}

static void
mac(const char *purpose, const char *subject, const char *body, unsigned char out[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"|", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)subject, strlen(subject));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"|", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
	crypto_auth_hmacsha256_final(&st, out);
}

int
ig_ticket_make(const char *purpose, const char *subject, const char *user_id, int64_t now, int ttl,
    char out[IG_TICKET_MAX])
{
	char body[64], b64[90];
	unsigned char m[crypto_auth_hmacsha256_BYTES];
	char mb64[48];

	if (!have_key || strlen(user_id) != 36)
		return -1;
	snprintf(body, sizeof(body), "%s.%lld", user_id, (long long)(now + ttl));
	mac(purpose, subject, body, m);
	ig_b64url_encode((const unsigned char *)body, strlen(body), b64);
	ig_b64url_encode(m, sizeof(m), mb64);
	snprintf(out, IG_TICKET_MAX, "%s.%s", b64, mb64);
	return 0;
}

int
ig_ticket_check(const char *ticket, const char *purpose, const char *subject, int64_t now, char user_id[IG_UUID_BUF])
{
	const char *dot = ticket ? strchr(ticket, '.') : NULL;
	unsigned char body[64], got[40], want[crypto_auth_hmacsha256_BYTES];
	int bl, ml;
	char *end;
	long long exp;

	if (!have_key || dot == NULL || strlen(ticket) >= IG_TICKET_MAX)
		return -1;
	bl = ig_b64url_decode(ticket, (size_t)(dot - ticket), body, sizeof(body) - 1);
	ml = ig_b64url_decode(dot + 1, strlen(dot + 1), got, sizeof(got));
	if (bl < 38 || ml != (int)sizeof(want))
		return -1;
	body[bl] = '\0';
	mac(purpose, subject, (const char *)body, want);
	if (sodium_memcmp(got, want, sizeof(want)) != 0 || body[36] != '.')
		return -1;
	exp = strtoll((const char *)body + 37, &end, 10);
	if (*end != '\0' || exp < now)
		return -1;
	memcpy(user_id, body, 36);
	user_id[36] = '\0';
	return 0;
}
