/* serverkey.c — see serverkey.h. */
#include "ig_autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/serverkey.h"

/* The UTC day the counts belong to. */
#define TODAY "(now() AT TIME ZONE 'UTC')::date"

enum sk_stmt { SK_CHARGE, SK_USED_ONE, SK_REFUND, SK_USED, SK_SWEEP, SK__MAX };

static const char *const sk_sql[SK__MAX] = {
	/* $1 user, $2 kind, $3 n, $4 cap: the row grows by n only while it
	 * stays within the cap (the conflicting row is locked for the update,
	 * so concurrent charges queue here); no row back: it does not fit. */
	[SK_CHARGE] = "INSERT INTO server_key_usage AS u (user_id, day, kind, count)"
	    " SELECT $1::uuid, " TODAY ", $2, $3::int WHERE $3::int <= $4::int"
	    " ON CONFLICT (user_id, day, kind) DO UPDATE SET count = u.count + excluded.count"
	    " WHERE u.count + excluded.count <= $4::int RETURNING count",
	[SK_USED_ONE] = "SELECT count FROM server_key_usage WHERE user_id = $1::uuid AND day = " TODAY
	    " AND kind = $2",
	[SK_REFUND] = "UPDATE server_key_usage SET count = greatest(count - $3::int, 0)"
	    " WHERE user_id = $1::uuid AND day = " TODAY " AND kind = $2",
	[SK_USED] = "SELECT kind, count FROM server_key_usage WHERE user_id = $1::uuid AND day = " TODAY,
	[SK_SWEEP] = "DELETE FROM server_key_usage WHERE day < " TODAY " - 1",
};

static const struct {
	const char *name;               /* server_key_usage.kind */
	const char *setting;
	const char *what;               /* for messages */
} kinds[IG_SK__MAX] = {
	[IG_SK_IMAGES] = { "images", "IG_SERVER_KEY_DAILY_IMAGES", "images" },
	[IG_SK_CHATS] = { "chats", "IG_SERVER_KEY_DAILY_CHATS", "assistant chats" },
};

#define OWN_KEY_HINT "send your own api_key or store one with POST /api/keys/providers"

int
ig_server_key_cap(ig_sk_kind kind)
{
	return kind == IG_SK_CHATS ? ig_cfg()->server_key_daily_chats : ig_cfg()->server_key_daily_images;
}

/* IG_<PROVIDER>_API_KEY of provider into out. */
static void
key_var(char *out, size_t len, const char *provider)
{
	size_t o = (size_t)snprintf(out, len, "IG_");

	for (const char *p = provider; *p && o + 1 < len; p++)
		out[o++] = (char)toupper((unsigned char)*p);
	snprintf(out + o, len - o, "_API_KEY");
}

ig_sk_verdict
ig_server_key_allowed(const ig_sk_caller *caller, const char *provider, ig_sk_kind kind, char *why, size_t whylen)
{
	const ig_pconf *pc = ig_pconf_get(provider);
	const char *who = ig_cfg()->server_keys;
	char var[64];

	why[0] = '\0';
	key_var(var, sizeof(var), provider);
	if (pc == NULL || pc->api_key == NULL) {
		snprintf(why, whylen, "the server has no %s key (%s): " OWN_KEY_HINT, provider, var);
		return IG_SK_DENIED;
	}
	if (strcmp(who, "none") == 0) {
		snprintf(why, whylen, "the server's %s key is not shared (IG_SERVER_KEYS=none): " OWN_KEY_HINT, provider);
		return IG_SK_DENIED;
	}
	if (caller->user_id != NULL && caller->is_admin)
		return IG_SK_FREE;
	if (strcmp(who, "users") != 0) {
		snprintf(why, whylen, "the server's %s key is for administrators only (IG_SERVER_KEYS=%s): " OWN_KEY_HINT,
		    provider, who);
		return IG_SK_DENIED;
	}
	if (caller->user_id == NULL) {
		snprintf(why, whylen, "the server's %s key is for signed-in users only: sign in, or send your own api_key",
		    provider);
		return IG_SK_DENIED;
	}
	if (ig_server_key_cap(kind) == 0) {
		snprintf(why, whylen, "the server's %s key makes no %s for users (%s=0): " OWN_KEY_HINT, provider,
		    kinds[kind].what, kinds[kind].setting);
		return IG_SK_DENIED;
	}
	return IG_SK_METERED;
}

int
ig_server_key_authorize(const ig_sk_caller *caller, const ig_provider_ops *ops, const ig_gen_request *req,
    int *metered, ig_err *err)
{
	const ig_pconf *pc = ig_pconf_get(ops->name);
	char why[sizeof(err->message)];
	const char *field;
	ig_sk_verdict v;

	*metered = 0;
	v = ig_server_key_allowed(caller, ops->name, IG_SK_IMAGES, why, sizeof(why));
	if (v == IG_SK_DENIED)
		/* No key at all stays what it was: 401, the caller must bring one. */
		return ig_err_set(err, pc == NULL || pc->api_key == NULL ? IG_E_UNAUTHORIZED : IG_E_FORBIDDEN,
		    "api_key", "%s", why);
	if (v == IG_SK_METERED && (field = ig_provider_uncurated(ops, req)) != NULL) {
		if (strcmp(field, "model") == 0)
			return ig_err_set(err, IG_E_FORBIDDEN, field,
			    "model %.80s is not in %s's list (GET /api/settings/api-providers): only administrators may "
			    "run it on the server's key; send your own api_key", req->model, ops->name);
		return ig_err_set(err, IG_E_FORBIDDEN, field,
		    "%s reaches %s as written: only administrators may send it on the server's key; " OWN_KEY_HINT,
		    field, ops->name);
	}
	*metered = v == IG_SK_METERED;
	return 0;
}

int
ig_server_key_runnable(const char *provider, ig_err *err)
{
	if (strcmp(ig_cfg()->server_keys, "none") == 0)
		return ig_err_set(err, IG_E_FORBIDDEN, NULL,
		    "the server's %s key is not shared any more (IG_SERVER_KEYS=none); nothing was sent", provider);
	return 0;
}

int
ig_server_key_reset_in(char *out, size_t outlen)
{
	time_t now = time(NULL), next = now - now % 86400 + 86400;
	struct tm tm;

	gmtime_r(&next, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return (int)(next - now);
}

int
ig_server_key_charge(const char *user_id, ig_sk_kind kind, int n, const char *field, int *retry_after,
    ig_err *err)
{
	char ns[16], caps[16], at[32];
	const char *p[4] = { user_id, kinds[kind].name, ns, caps };
	int64_t used = 0;
	int fits, cap = ig_server_key_cap(kind);
	unsigned char dice;

	*retry_after = 0;
	snprintf(ns, sizeof(ns), "%d", n);
	snprintf(caps, sizeof(caps), "%d", cap);
	if ((fits = ig_db_any(sk_sql[SK_CHARGE], 4, p, 0, err)) < 0)
		return -1;
	/* About one charge in 256 clears the days gone by. */
	ig_random_bytes(&dice, 1);
	if (dice == 0)
		PQclear(ig_db_exec(sk_sql[SK_SWEEP], 0, NULL, IG_DB_IDEMPOTENT, &(ig_err){ 0 }));
	if (fits)
		return 0;
	if (ig_db_int64(sk_sql[SK_USED_ONE], 2, p, IG_DB_IDEMPOTENT, &used, err) != 0)
		return -1;
	*retry_after = ig_server_key_reset_in(at, sizeof(at));
	return ig_err_set(err, IG_E_RATE_LIMITED, field,
	    "the server's keys allow you %d %s a day (%s); %d used today, this needs %d more; "
	    "the count starts over at %s, or send your own api_key", cap, kinds[kind].what, kinds[kind].setting,
	    (int)used, n, at);
}

int
ig_server_key_refund(const char *user_id, ig_sk_kind kind, int n, ig_err *err)
{
	char ns[16];
	const char *p[3] = { user_id, kinds[kind].name, ns };

	snprintf(ns, sizeof(ns), "%d", n);
	return ig_db_run(sk_sql[SK_REFUND], 3, p, 0, err);
}

int
ig_server_key_used(const char *user_id, int used[IG_SK__MAX], ig_err *err)
{
	const char *p[1] = { user_id };
	PGresult *r;

	for (int k = 0; k < IG_SK__MAX; k++)
		used[k] = 0;
	r = ig_db_exec(sk_sql[SK_USED], 1, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		for (int k = 0; k < IG_SK__MAX; k++)
			if (strcmp(PQgetvalue(r, i, 0), kinds[k].name) == 0)
				used[k] = atoi(PQgetvalue(r, i, 1));
	PQclear(r);
	return 0;
}
