/* ratelimit.c — see ratelimit.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/auth/ratelimit.h"
#include "lib/core/util.h"
#include "lib/db/db.h"

/* The count after this request and the seconds left in its window. Old
 * windows are swept now and then by the same statement's caller. */
static const char *const hit_sql =
    "INSERT INTO rate_limits AS r (key, window_start, count)"
    " VALUES ($1, date_trunc('minute', now()), 1)"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1"
    " RETURNING count, ceil(extract(epoch FROM r.window_start + interval '1 minute' - now()))::int";

static const char *const sweep_sql =
    "DELETE FROM rate_limits WHERE window_start < now() - interval '2 minutes'";

int
ig_ratelimit_hit(const char *key, int limit, ig_ratelimit *rl, ig_err *err)
{
	const char *p[1] = { key };
	PGresult *r = ig_db_exec(hit_sql, 1, p, 0, err);
	int count;
	unsigned char dice;

	if (r == NULL)
		return -1;
	count = atoi(PQgetvalue(r, 0, 0));
	rl->limit = limit;
	rl->reset = atoi(PQgetvalue(r, 0, 1));
	if (rl->reset < 1)
		rl->reset = 1;
	rl->remaining = count >= limit ? 0 : limit - count;
	rl->allowed = count <= limit;
	PQclear(r);
	/* About one request in 256 clears expired windows. */
	ig_random_bytes(&dice, 1);
	if (dice == 0)
		PQclear(ig_db_exec(sweep_sql, 0, NULL, 0, err));
	return 0;
}

int
ig_login_failures(const char *key, int window, int *count, int *retry_after, ig_err *err)
{
	char w[16];
	const char *p[2] = { key, w };
	PGresult *r;

	snprintf(w, sizeof(w), "%d", window);
	r = ig_db_exec("SELECT count(*), coalesce(ceil(extract(epoch FROM"
	    " min(at) + make_interval(secs => $2::int) - now()))::int, 0)"
	    " FROM login_failures WHERE key = $1 AND at > now() - make_interval(secs => $2::int)",
	    2, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	*count = atoi(PQgetvalue(r, 0, 0));
	*retry_after = atoi(PQgetvalue(r, 0, 1));
	if (*retry_after < 1)
		*retry_after = 1;
	PQclear(r);
	return 0;
}

int
ig_login_failure_add(const char *key, ig_err *err)
{
	const char *p[1] = { key };
	PGresult *r = ig_db_exec("INSERT INTO login_failures (key) VALUES ($1)", 1, p, 0, err);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
ig_login_failures_clear(const char *key, ig_err *err)
{
	const char *p[1] = { key };
	PGresult *r = ig_db_exec("DELETE FROM login_failures WHERE key = $1", 1, p, 0, err);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}
