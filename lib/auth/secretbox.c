/* secretbox.c — see secretbox.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/util.h"

static unsigned char *master;

int
ig_secretbox_setup(const unsigned char key[32])
{
	if (sodium_init() < 0)
		return -1;
	if (master == NULL) {
		master = sodium_malloc(crypto_secretbox_KEYBYTES);
		if (master == NULL)
			return -1;
	}
	memcpy(master, key, crypto_secretbox_KEYBYTES);
	return 0;
}

int
ig_secretbox_seal(const char *plain, size_t len, unsigned char nonce[IG_SECRETBOX_NONCE],
    unsigned char **ct, size_t *ctlen)
{
	if (master == NULL)
		return -1;
	randombytes_buf(nonce, IG_SECRETBOX_NONCE);
	*ctlen = len + IG_SECRETBOX_MAC;
	*ct = ig_xmalloc(*ctlen);
	crypto_secretbox_easy(*ct, (const unsigned char *)plain, len, nonce, master);
	return 0;
}

int
ig_secretbox_open(const unsigned char nonce[IG_SECRETBOX_NONCE], const unsigned char *ct,
    size_t ctlen, char **plain)
{
	size_t len;
	char *p;

	*plain = NULL;
	if (master == NULL || ctlen < IG_SECRETBOX_MAC)
		return -1;
	len = ctlen - IG_SECRETBOX_MAC;
	p = ig_xmalloc(len + 1);
	if (crypto_secretbox_open_easy((unsigned char *)p, ct, ctlen, nonce, master) != 0) {
		free(p);
		return -1;
	}
	p[len] = '\0';
	*plain = p;
	return 0;
}

void
ig_secretbox_free(char *plain)
{
	if (plain == NULL)
		return;
	sodium_memzero(plain, strlen(plain));
	free(plain);
}

int
ig_secretbox_seal_text(const char *plain, ig_sealed_text *out, ig_err *err)
{
	unsigned char *ct = NULL;
	unsigned char nonce[IG_SECRETBOX_NONCE];
	size_t ctlen;

	out->ct = NULL;
	if (ig_secretbox_seal(plain, strlen(plain), nonce, &ct, &ctlen) != 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
	ig_bytea_hex(nonce, sizeof(nonce), out->nonce);
	out->ct = ig_bytea_text(ct, ctlen);
	free(ct);
	return 0;
}

void
ig_sealed_text_free(ig_sealed_text *s)
{
	free(s->ct);
	s->ct = NULL;
}
