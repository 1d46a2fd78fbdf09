/*
 * analytics.c — usage statistics, popular prompts and generation trends
 * (API.md "Analytics"). The figures are lib/analytics' (its header defines
 * them); here the query is read and checked, and scope=all is an admin's
 * only (a 403 for anyone else).
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/analytics/analytics.h"

struct analytics_query {
	int64_t limit;
	const char *from, *to, *tz, *scope, *interval;
};

/* A date YYYY-MM-DD that exists (the calendar's days of its month), or an
 * RFC 3339 date-time on such a date. */
static int
time_ok(const char *v)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, n = 0;

	if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || y < 1970 || m < 1 || m > 12 || d < 1)
		return 0;
	if (d > days[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return v[10] == '\0' || ig_rfc3339_ok(v);
}

#define TIME_MSG "{name} must be a date (2024-01-20) or an RFC 3339 date-time (2024-01-20T10:30:00Z)"

/* The shape of an IANA zone name (Area/Location, UTC, Etc/GMT+5): letters,
 * digits and _ + - /; whether the database knows it is lib/analytics'
 * check. */
static int
check_tz(void *dst, ig_err *err)
{
	const char *tz = ((struct analytics_query *)dst)->tz;

	if (tz[0] == '\0' || tz[0] == '/' || strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_+-/") != strlen(tz))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "tz",
		    "tz must be a time zone name of the IANA database, e.g. UTC or Europe/Berlin");
	return 0;
}

static const char *const scopes[] = { "own", "all", NULL };
static const char *const intervals[] = { "hour", "day", "week", NULL };

static const ig_field analytics_query[] = {
	{ "limit", IG_F_INT, 0, 1, IG_ANALYTICS_LIMIT_MAX, .at = IG_AT(struct analytics_query, limit), .bytes = 15 },
	{ "from", IG_F_STRING, IG_F_MSG_VALUE, 0, 0, .at = IG_AT(struct analytics_query, from), .bytes = 63,
	  .valid = time_ok, .msg = TIME_MSG },
	{ "to", IG_F_STRING, IG_F_MSG_VALUE, 0, 0, .at = IG_AT(struct analytics_query, to), .bytes = 63,
	  .valid = time_ok, .msg = TIME_MSG },
	{ "tz", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct analytics_query, tz), .bytes = 63, .check = check_tz },
	{ "scope", IG_F_ENUM, 0, 0, 0, .values = scopes, .at = IG_AT(struct analytics_query, scope), .bytes = 15 },
	{ "interval", IG_F_ENUM, 0, 0, 0, .values = intervals, .at = IG_AT(struct analytics_query, interval),
	  .bytes = 15 },
	IG_FIELDS_END
};

typedef int (*analytics_fn)(const ig_analytics_q *q, json_object **out, ig_err *err);

/* Read the query, decide the scope, answer fn's figures. */
static int
answer(ig_req *req, analytics_fn fn, json_object **out, ig_err *err)
{
	struct analytics_query a = { IG_ANALYTICS_LIMIT_DEFAULT, NULL, NULL, NULL, "own", "day" };
	ig_analytics_q q;
	json_object *o;

	if (ig_fields_query(req, analytics_query, &a, err) != 0)
		return -1;
	if (strcmp(a.scope, "all") == 0 && !req->caller.is_admin)
		return ig_err_set(err, IG_E_FORBIDDEN, "scope", "scope=all is for administrators");
	memset(&q, 0, sizeof(q));
	q.user_id = strcmp(a.scope, "all") == 0 ? NULL : req->caller.user_id;
	q.from = a.from;
	q.to = a.to;
	q.tz = a.tz;
	/* Only the trends have buckets (and their cap). */
	q.interval = fn == ig_analytics_trends ? a.interval : NULL;
	q.limit = (int)a.limit;
	if (fn(&q, &o, err) != 0)
		return -1;
	*out = ig_ok("scope", json_object_new_string(a.scope));
	json_object_object_foreach(o, key, val)
		json_object_object_add(*out, key, json_object_get(val));
	json_object_put(o);
	return 200;
}

/* GET /api/analytics/usage-stats */
int
ig_api_analytics_usage(ig_req *req, json_object **out, ig_err *err)
{
	return answer(req, ig_analytics_usage, out, err);
}

/* GET /api/analytics/popular-prompts */
int
ig_api_analytics_prompts(ig_req *req, json_object **out, ig_err *err)
{
	return answer(req, ig_analytics_prompts, out, err);
}

/* GET /api/analytics/generation-trends */
int
ig_api_analytics_trends(ig_req *req, json_object **out, ig_err *err)
{
	return answer(req, ig_analytics_trends, out, err);
}
