/* jwt.c — see jwt.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>
#include <sodium.h>

#include "lib/auth/jwt.h"
#include "lib/auth/token.h"
#include "lib/core/json.h"
#include "lib/core/util.h"

static unsigned char *jwt_key;
static size_t jwt_key_len;
static char *jwt_iss, *jwt_aud;
static int jwt_ttl = 900;

/*
 * Tokens already verified, by SHA-256 of their bytes: a client sends the
 * same token for its whole lifetime, and the signature and claims of the
 * same bytes verify the same way every time. Only the time checks depend
 * on the moment, so they run again on every hit. Direct-mapped, per
 * process.
 */
#define CACHE_SLOTS 512

typedef struct cached {
	unsigned char hash[crypto_hash_sha256_BYTES];
	ig_jwt_claims claims;
	int used;
} cached;

static cached cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;


int
ig_jwt_setup(const char *key, const char *issuer, const char *audience, int ttl)
{
	size_t n = key ? strlen(key) : 0;

	if (n < 32)
		return -1;
	if (jwt_key != NULL) {
		sodium_memzero(jwt_key, jwt_key_len);
		free(jwt_key);
	}
	jwt_key = (unsigned char *)ig_xstrndup(key, n);
	/* Verdicts under another key or issuer no longer hold. */
	pthread_mutex_lock(&cache_mu);
	memset(cache, 0, sizeof(cache));
	pthread_mutex_unlock(&cache_mu);
	jwt_key_len = n;
	free(jwt_iss);
	free(jwt_aud);
	jwt_iss = ig_xstrdup(issuer);
	jwt_aud = ig_xstrdup(audience);
	jwt_ttl = ttl;
	return 0;
}

int
ig_jwt_issue(const char *sub, const char *role, char **token, ig_jwt_claims *c)
{
	jwt_t *j = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	if (jwt_key == NULL)
		return -1;
	memset(c, 0, sizeof(*c));
	snprintf(c->sub, sizeof(c->sub), "%s", sub);
	snprintf(c->role, sizeof(c->role), "%s", role);
	ig_uuid4(c->jti);
	c->iat = c->nbf = now;
	c->exp = now + jwt_ttl;
	if (jwt_new(&j) != 0)
		return -1;
	if (jwt_add_grant(j, "sub", c->sub) || jwt_add_grant(j, "role", c->role) ||
	    jwt_add_grant(j, "jti", c->jti) || jwt_add_grant(j, "iss", jwt_iss) ||
	    jwt_add_grant(j, "aud", jwt_aud) || jwt_add_grant_int(j, "iat", (long)c->iat) ||
	    jwt_add_grant_int(j, "nbf", (long)c->nbf) || jwt_add_grant_int(j, "exp", (long)c->exp) ||
	    jwt_set_alg(j, JWT_ALG_HS256, jwt_key, (int)jwt_key_len))
		goto out;
	*token = jwt_encode_str(j);
	rc = *token ? 0 : -1;
out:
	jwt_free(j);
	return rc;
}

/* The header must decode to a JSON object whose alg is exactly "HS256",
 * checked before libjwt sees the token. */
static int
header_is_hs256(const char *token)
{
	const char *dot = strchr(token, '.');
	unsigned char raw[512];
	int n;
	ig_err err;
	json_object *h;
	const char *alg = NULL;
	int ok;

	if (dot == NULL || dot - token > 680)
		return 0;
	n = ig_b64url_decode(token, (size_t)(dot - token), raw, sizeof(raw));
	if (n <= 0)
		return 0;
	h = ig_json_parse((const char *)raw, (size_t)n, 8, &err);
	ok = h != NULL && ig_json_string(h, "alg", 1, 1, 16, &alg, &err) == 0 &&
	    strcmp(alg, "HS256") == 0;
	json_object_put(h);
	return ok;
}

static int
claim_int(json_object *o, const char *k, int64_t *v)
{
	ig_err err;

	return ig_json_int(o, k, 1, 0, INT64_MAX, v, &err) == 0 ? 0 : -1;
}

static int
claim_str(json_object *o, const char *k, char *out, size_t outlen)
{
	ig_err err;
	const char *s;

	if (ig_json_string(o, k, 1, 1, outlen - 1, &s, &err) != 0 || strlen(s) >= outlen)
		return -1;
	snprintf(out, outlen, "%s", s);
	return 0;
}

static int
times_ok(const ig_jwt_claims *c, int64_t now, ig_err *err)
{
	if (c->nbf > now + IG_JWT_SKEW || c->iat > now + IG_JWT_SKEW)
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
	if (c->exp + IG_JWT_SKEW < now)
		return ig_err_set(err, IG_E_TOKEN_EXPIRED, NULL, "the access token has expired");
	return 0;
}

static int verify_uncached(const char *token, int64_t now, ig_jwt_claims *c, ig_err *err);

int
ig_jwt_verify(const char *token, int64_t now, ig_jwt_claims *c, ig_err *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	cached *slot;
	int hit;

	memset(c, 0, sizeof(*c));
	if (jwt_key == NULL || token == NULL || strlen(token) > IG_JWT_MAX_LEN)
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	slot = &cache[(h[0] | (unsigned)h[1] << 8) % CACHE_SLOTS];
	pthread_mutex_lock(&cache_mu);
	hit = slot->used && sodium_memcmp(slot->hash, h, sizeof(h)) == 0;
	if (hit)
		*c = slot->claims;
	pthread_mutex_unlock(&cache_mu);
	if (hit)
		return times_ok(c, now, err);
	if (verify_uncached(token, now, c, err) != 0)
		return -1;
	pthread_mutex_lock(&cache_mu);
	memcpy(slot->hash, h, sizeof(h));
	slot->claims = *c;
	slot->used = 1;
	pthread_mutex_unlock(&cache_mu);
	return 0;
}

static int
verify_uncached(const char *token, int64_t now, ig_jwt_claims *c, ig_err *err)
{
	jwt_t *j = NULL;
	char *grants = NULL;
	json_object *o = NULL;
	char iss[256], aud[256];
	int rc = -1;

	if (!header_is_hs256(token))
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
	if (jwt_decode(&j, token, jwt_key, (int)jwt_key_len) != 0 || j == NULL ||
	    jwt_get_alg(j) != JWT_ALG_HS256) {
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		goto out;
	}
	/* libjwt verified the signature over these exact bytes: read the
	 * claims from the payload segment with the strict parser. */
	{
		const char *p1 = strchr(token, '.') + 1, *p2 = strchr(p1, '.');
		size_t plen = (size_t)(p2 - p1);
		grants = ig_xmalloc(plen);
		int n = ig_b64url_decode(p1, plen, (unsigned char *)grants, plen);
		o = n > 0 ? ig_json_parse(grants, (size_t)n, 16, err) : NULL;
	}
	if (o == NULL || claim_str(o, "sub", c->sub, sizeof(c->sub)) ||
	    claim_str(o, "role", c->role, sizeof(c->role)) ||
	    claim_str(o, "jti", c->jti, sizeof(c->jti)) ||
	    claim_str(o, "iss", iss, sizeof(iss)) || claim_str(o, "aud", aud, sizeof(aud)) ||
	    claim_int(o, "iat", &c->iat) || claim_int(o, "nbf", &c->nbf) ||
	    claim_int(o, "exp", &c->exp)) {
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		goto out;
	}
	if (strcmp(iss, jwt_iss) != 0 || strcmp(aud, jwt_aud) != 0) {
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		goto out;
	}
	rc = times_ok(c, now, err);
out:
	json_object_put(o);
	free(grants);
	jwt_free(j);
	return rc;
}
