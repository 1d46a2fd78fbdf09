/*
 * access.c — the access step of the pipeline: authentication of the
 * Bearer credential (a personal API key when it starts with "ig_", else a
 * JWT), the route's access level and scope, the rate limits, and CORS.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/fcgi/http.h"
#include "app/fcgi/routes.h"
#include "lib/auth/apikey.h"
#include "lib/auth/jwt.h"
#include "lib/auth/ratelimit.h"
#include "lib/auth/session.h"
#include "lib/auth/token.h"
#include "lib/core/config.h"

static int
scopes_from(const char *list)
{
	int s = 0;
	char buf[128];

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "read") == 0)
			s |= IG_SCOPE_READ;
		else if (strcmp(t, "generate") == 0)
			s |= IG_SCOPE_GENERATE;
		else if (strcmp(t, "admin") == 0)
			s |= IG_SCOPE_ADMIN;
	}
	return s;
}

static int
auth_api_key(ig_req *req, const char *key, ig_err *err)
{
	ig_api_key_caller k;
	int rc;

	if (!ig_apikey_valid(key))
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid API key");
	if ((rc = ig_api_key_find(key, &k, err)) < 0)
		return -1;
	if (rc == 1)
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL, "invalid, expired or revoked API key");
	req->caller.authenticated = 1;
	req->caller.via_api_key = 1;
	snprintf(req->caller.api_key_id, sizeof(req->caller.api_key_id), "%s", k.key_id);
	snprintf(req->caller.user_id, sizeof(req->caller.user_id), "%s", k.user_id);
	req->caller.scopes = scopes_from(k.scopes);
	req->caller.is_admin = k.is_admin;
	req->user = k.user;
	return 0;
}

static int
auth_jwt(ig_req *req, const char *token, ig_err *err)
{
	ig_jwt_claims c;

	if (ig_jwt_verify(token, (int64_t)time(NULL), &c, err) != 0)
		return -1;
	if (ig_session_check(c.sub, c.iat, c.jti, &req->user, err) != 0)
		return -1;
	req->caller.authenticated = 1;
	req->caller.scopes = IG_SCOPE_ALL;
	/* The role comes from the database, not the token: a demoted admin's
	 * old tokens lose admin at once. */
	req->caller.is_admin = ig_user_is_admin(&req->user);
	snprintf(req->caller.user_id, sizeof(req->caller.user_id), "%s", c.sub);
	snprintf(req->caller.jti, sizeof(req->caller.jti), "%s", c.jti);
	req->caller.token_exp = (long long)c.exp;
	return 0;
}

static int
authenticate(ig_req *req, const char *header, ig_err *err)
{
	const char *token;

	if (strncasecmp(header, "Bearer ", 7) != 0)
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL,
		    "the Authorization header must be \"Bearer <token or API key>\"");
	token = header + 7;
	while (*token == ' ')
		token++;
	if (strncmp(token, "ig_", 3) == 0)
		return auth_api_key(req, token, err);
	return auth_jwt(req, token, err);
}

static void
add_int_header(ig_req *req, const char *name, int v)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", v);
	ig_req_add_header(req, name, num);
}

/* The RateLimit-* headers of rl; on a refusal also Retry-After, and -1 with
 * the 429 in err. */
static int
rate_answer(ig_req *req, const ig_ratelimit *rl, ig_err *err)
{
	add_int_header(req, "RateLimit-Limit", rl->limit);
	add_int_header(req, "RateLimit-Remaining", rl->remaining);
	add_int_header(req, "RateLimit-Reset", rl->reset);
	if (rl->allowed)
		return 0;
	add_int_header(req, "Retry-After", rl->reset);
	return ig_err_set(err, IG_E_RATE_LIMITED, NULL,
	    "rate limit of %d requests per minute reached; retry in %d s", rl->limit, rl->reset);
}

/* The client as seen before any authentication work: the credential it
 * sent, or its address (IPv6 by /64, as counted) when it sent none; NULL
 * when too long to be a key. */
static const char *
refusal_who(const ig_req *req, char *buf, size_t len)
{
	const char *auth = ig_req_header(req, "Authorization");
	char client[64];
	int n;

	if (auth != NULL && *auth != '\0') {
		n = snprintf(buf, len, "h:%s", auth);
	} else {
		ig_client_key(req->remote_addr, client, sizeof(client));
		n = snprintf(buf, len, "ip:%s", client);
	}
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/*
 * A client refused earlier in this window is refused again at once, before
 * its credential is verified or the database is asked: the window's count
 * only grows, so the answer could not differ, and a client hammering past
 * its limit then costs less than one within it. (A credential revoked
 * meanwhile gets this 429 rather than a 401 until the window ends.)
 */
static int
refused_before(ig_req *req, ig_rate_class rc, ig_err *err)
{
	char buf[2048];
	const char *who;
	ig_ratelimit rl;

	if (rc == IG_RATE_NONE || (who = refusal_who(req, buf, sizeof(buf))) == NULL)
		return 0;
	if (!ig_ratelimit_refusal_find(who, 0, &rl) &&
	    !(rc == IG_RATE_GENERATE && ig_ratelimit_refusal_find(who, 1, &rl)))
		return 0;
	return rate_answer(req, &rl, err);
}

int
ig_rate_limit(ig_req *req, ig_rate_class rc, ig_err *err)
{
	const ig_config *cfg = ig_cfg();
	char key[128], buf[2048], client[64];
	const char *who = req->caller.authenticated ? "user" : "ip";
	const char *id = req->caller.user_id;
	const char *auth = ig_req_header(req, "Authorization");
	const char *refused_who;
	ig_ratelimit rl, gen;

	if (rc == IG_RATE_NONE)
		return 0;
	/* Anonymous callers by address, IPv6 ones by their /64. */
	if (!req->caller.authenticated) {
		ig_client_key(req->remote_addr, client, sizeof(client));
		id = client;
	}
	snprintf(key, sizeof(key), "%s:%s:all", who, id);
	if (ig_ratelimit_hit(key, cfg->rate_limit, &rl, err) != 0)
		return -1;
	gen.allowed = 1;
	if (rc == IG_RATE_GENERATE) {
		snprintf(key, sizeof(key), "%s:%s:generate", who, id);
		if (ig_ratelimit_hit(key, cfg->generate_rate_limit, &gen, err) != 0)
			return -1;
	}
	/* Remembered only when the credential held or none was sent: an
	 * invalid one is counted against the address, which says nothing about
	 * the same credential sent from elsewhere. */
	if ((req->caller.authenticated || auth == NULL || *auth == '\0') &&
	    (refused_who = refusal_who(req, buf, sizeof(buf))) != NULL) {
		if (!rl.allowed)
			ig_ratelimit_refusal_note(refused_who, 0, &rl);
		else if (!gen.allowed)
			ig_ratelimit_refusal_note(refused_who, 1, &gen);
	}
	/* Report the tighter of the two. */
	if (rc == IG_RATE_GENERATE && rl.allowed && (!gen.allowed || gen.remaining < rl.remaining))
		rl = gen;
	return rate_answer(req, &rl, err);
}

/* Authentication and authorization; 0 or -1 with err (401/403/503). */
static int
authorize(ig_req *req, const ig_route *route, ig_err *err)
{
	const char *auth = ig_req_header(req, "Authorization");

	if (auth != NULL && *auth != '\0') {
		if (authenticate(req, auth, err) != 0)
			return -1;
	} else if (route->access != IG_ACCESS_PUBLIC) {
		ig_req_add_header(req, "WWW-Authenticate", "Bearer");
		return ig_err_set(err, IG_E_UNAUTHORIZED, NULL,
		    "this endpoint needs Authorization: Bearer <access token or API key>");
	}
	if (route->access == IG_ACCESS_ADMIN && !req->caller.is_admin)
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "this endpoint is for administrators");
	if (req->caller.authenticated && (req->caller.scopes & route->scope) != route->scope)
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "this API key lacks the %s scope",
		    (route->scope & IG_SCOPE_ADMIN) ? "admin" :
		    (route->scope & IG_SCOPE_GENERATE) ? "generate" : "read");
	return 0;
}

int
ig_access_check(ig_req *req, const ig_route *route, ig_err *err)
{
	ig_err auth_err = { 0 };
	int rc;

	memset(&req->caller, 0, sizeof(req->caller));
	if (refused_before(req, route->rate, err) != 0)
		return -1;
	rc = authorize(req, route, &auth_err);
	/* Refused requests count too (guessing tokens is traffic), against
	 * the client's address when the credential did not hold. */
	if (rc != 0 && auth_err.code != IG_E_FORBIDDEN)
		memset(&req->caller, 0, sizeof(req->caller));
	if (ig_rate_limit(req, route->rate, err) != 0)
		return -1;
	if (rc != 0)
		*err = auth_err;
	return rc;
}

/* 1 when origin is listed in IG_CORS_ORIGINS (comma-separated, exact). */
static int
origin_allowed(const char *origin, int *wildcard)
{
	const char *list = ig_cfg()->cors_origins;
	size_t n = strlen(origin);

	*wildcard = 0;
	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		const char *s = p;
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 1 && *s == '*') {
			*wildcard = 1;
			return 1;
		}
		if (len == n && strncmp(s, origin, n) == 0)
			return 1;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return 0;
}

void
ig_cors_headers(ig_req *req, const char *allow, int preflight)
{
	const char *origin = ig_req_header(req, "Origin");
	int wildcard;

	if (origin == NULL || *origin == '\0' || strpbrk(origin, "\r\n") != NULL)
		return;
	ig_req_add_header(req, "Vary", "Origin");
	if (!origin_allowed(origin, &wildcard))
		return;
	/* Bearer tokens, not cookies: credentials are never allowed, so a
	 * wildcard stays a plain "*". */
	ig_req_add_header(req, "Access-Control-Allow-Origin", wildcard ? "*" : origin);
	if (preflight) {
		ig_req_add_header(req, "Access-Control-Allow-Methods", allow ? allow : "GET");
		ig_req_add_header(req, "Access-Control-Allow-Headers",
		    "Authorization, Content-Type, Idempotency-Key, X-Request-Id");
		ig_req_add_header(req, "Access-Control-Max-Age", "600");
	} else {
		ig_req_add_header(req, "Access-Control-Expose-Headers",
		    "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id");
	}
}
