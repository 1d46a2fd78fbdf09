/* jwt.c — see jwt.h. */
#include "ig_autoconf.h"

#include <errno.h>
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

int
ig_jwt_verify(const char *token, int64_t now, ig_jwt_claims *c, ig_err *err)
{
	jwt_t *j = NULL;
	char *grants = NULL;
	json_object *o = NULL;
	char iss[256], aud[256];
	int rc = -1;

	memset(c, 0, sizeof(*c));
	if (jwt_key == NULL || token == NULL || strlen(token) > IG_JWT_MAX_LEN || !header_is_hs256(token))
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
	if (jwt_decode(&j, token, jwt_key, (int)jwt_key_len) != 0 || j == NULL ||
	    jwt_get_alg(j) != JWT_ALG_HS256) {
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		goto out;
	}
	grants = jwt_get_grants_json(j, NULL);
	o = grants ? ig_json_parse(grants, strlen(grants), 16, err) : NULL;
	if (o == NULL || claim_str(o, "sub", c->sub, sizeof(c->sub)) ||
	    claim_str(o, "role", c->role, sizeof(c->role)) ||
	    claim_str(o, "jti", c->jti, sizeof(c->jti)) ||
	    claim_str(o, "iss", iss, sizeof(iss)) || claim_str(o, "aud", aud, sizeof(aud)) ||
	    claim_int(o, "iat", &c->iat) || claim_int(o, "nbf", &c->nbf) ||
	    claim_int(o, "exp", &c->exp)) {
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		goto out;
	}
	if (strcmp(iss, jwt_iss) != 0 || strcmp(aud, jwt_aud) != 0 ||
	    c->nbf > now + IG_JWT_SKEW || c->iat > now + IG_JWT_SKEW) {
		ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid token");
		goto out;
	}
	if (c->exp + IG_JWT_SKEW < now) {
		ig_err_set(err, IG_E_TOKEN_EXPIRED, NULL, "the access token has expired");
		goto out;
	}
	rc = 0;
out:
	json_object_put(o);
	free(grants);
	jwt_free(j);
	return rc;
}
