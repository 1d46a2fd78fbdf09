/* analytics.c — see analytics.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/analytics/analytics.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/jobs/batch.h"
#include "lib/prompts/analyze.h"

/* An instant as RFC 3339 UTC with microseconds: exact, so the resolved
 * range goes back into the statements unchanged. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define TSU(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
/* The caller's rows, or everyone's when $1 is NULL (scope=all): planned
 * with the values (IG_DB_PLAN_EACH), so the index of the given one is used. */
#define MINE(t) " (" "$1::uuid IS NULL OR " t "user_id = $1::uuid)"
#define IN_RANGE(t) " " t "created_at >= $2::timestamptz AND " t "created_at < $3::timestamptz"
#define ENDED " status IN ('succeeded', 'failed')"
/* A duration in ms as float8 (extract gives numeric, several times slower
 * to sum and sort over a range's jobs). */
#define MS "date_part('epoch', finished_at - started_at) * 1000"

/* Every statement of this module: read-only aggregates over jobs, images
 * and batches (analytics.h says why they live here). */
enum {
	SQL_TZ_OK,
	SQL_RANGE,
	SQL_USAGE_JOBS,
	SQL_USAGE_IMAGES,
	SQL_USAGE_BATCHES,
	SQL_STORAGE,
	SQL_PROMPTS,
	SQL_TRENDS,
	SQL__MAX
};

static const char *const sql[SQL__MAX] = {
	/* ig_tz_ok (migration 017): the zone name is known to the database. */
	[SQL_TZ_OK] = "SELECT ig_tz_ok($1)",
	/* $1/$2 from as a date or a time, $3/$4 to likewise (NULL when not
	 * that form or absent), $5 tz, $6 the interval or NULL: the range's
	 * ends, whether from < to, and the buckets it spans in tz's wall
	 * clock (the series of SQL_TRENDS, counted without making it). */
	[SQL_RANGE] =
	"WITH t AS (SELECT coalesce($3::date::timestamp AT TIME ZONE $5, $4::timestamptz, now()) AS t),"
	" r AS (SELECT coalesce($1::date::timestamp AT TIME ZONE $5, $2::timestamptz,"
	"  t.t - make_interval(days => " STR(IG_ANALYTICS_DEFAULT_DAYS) ")) AS f, t.t FROM t)"
	" SELECT " TSU("r.f") ", " TSU("r.t") ", r.f < r.t,"
	" CASE WHEN $6::text IS NULL OR r.f >= r.t THEN 0 ELSE"
	"  ceil(extract(epoch FROM (r.t AT TIME ZONE $5) - date_trunc($6, r.f AT TIME ZONE $5))"
	"  / extract(epoch FROM ('1 ' || $6)::interval))::bigint END FROM r",
	/* Hashed by provider, the succeeded durations of each gathered in an
	 * array and sorted there for the p95: an ordered-set aggregate would
	 * sort every job of the range by provider first (82,000 rows at
	 * 1,000,000 jobs, spilling to disk). */
	[SQL_USAGE_JOBS] =
	"SELECT provider, d, f, c, o, round(avg_ms::numeric, 1),"
	" round((SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY x) FROM unnest(a) x)::numeric, 1)"
	" FROM (SELECT provider, count(*) FILTER (WHERE status = 'succeeded') AS d,"
	"  count(*) FILTER (WHERE status = 'failed') AS f, count(*) FILTER (WHERE status = 'canceled') AS c,"
	"  count(*) FILTER (WHERE status IN ('queued', 'running')) AS o,"
	"  avg(ms) FILTER (WHERE status = 'succeeded') AS avg_ms, array_agg(ms) FILTER (WHERE status = 'succeeded') AS a"
	"  FROM (SELECT provider, status, " MS " AS ms FROM jobs WHERE" MINE("") " AND" IN_RANGE("") ") j"
	"  GROUP BY provider) s ORDER BY provider",
	[SQL_USAGE_IMAGES] =
	"SELECT provider, count(*) FROM images WHERE" MINE("") " AND job_id IS NOT NULL AND" IN_RANGE("")
	" GROUP BY provider ORDER BY provider",
	[SQL_USAGE_BATCHES] =
	"SELECT s.state, count(*)" IG_BATCH_SUMMARY_FROM " WHERE" MINE("b.") " AND" IN_RANGE("b.")
	" GROUP BY s.state",
	/* image_bytes (migration 022): each owner's sum of images.size_bytes,
	 * kept by triggers on images in the statement that changes them. */
	[SQL_STORAGE] =
	"SELECT coalesce(sum(bytes), 0)::bigint FROM image_bytes WHERE ($1::uuid IS NULL OR owner = $1::uuid)",
	/* The distinct prompts of the range's generations, most used first
	 * (ties: the latest use, then the text), $4 of them. Counted by
	 * prompt_md5 (migration 022: the digest of the exact text, NULL for
	 * none) from the indexes alone, the $4 first with their ties; then the
	 * text of each from its latest job, a heap row per prompt. */
	[SQL_PROMPTS] =
	"WITH g AS (SELECT prompt_md5 AS h, count(*) AS n, max(created_at) AS last FROM jobs WHERE" MINE("")
	" AND" IN_RANGE("") " AND" ENDED " AND prompt_md5 IS NOT NULL"
	" GROUP BY 1 ORDER BY 2 DESC, 3 DESC FETCH FIRST ($4::int) ROWS WITH TIES)"
	" SELECT (SELECT request->>'prompt' FROM jobs WHERE created_at = g.last AND prompt_md5 = g.h AND" MINE("")
	" LIMIT 1), n, to_char(last AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM g"
	" ORDER BY 2 DESC, last DESC, 1 LIMIT $4::int",
	/* $4 tz, $5 interval: every bucket from the one holding $2 to the one
	 * holding the last instant before $3 (b, in tz's wall clock), with its
	 * generations and images by provider (none: one row, provider NULL);
	 * the bucket named by its start with tz's offset then. */
	[SQL_TRENDS] =
	"WITH b AS (SELECT s AS lb FROM generate_series(date_trunc($5, $2::timestamptz AT TIME ZONE $4),"
	"  $3::timestamptz AT TIME ZONE $4, ('1 ' || $5)::interval) s WHERE s < $3::timestamptz AT TIME ZONE $4),"
	" j AS (SELECT date_trunc($5, created_at AT TIME ZONE $4) AS lb, provider,"
	"  count(*) FILTER (WHERE status = 'failed') AS f, count(*) FILTER (WHERE status = 'succeeded') AS d,"
	"  sum(" MS ") FILTER (WHERE status = 'succeeded') AS ms"
	"  FROM jobs WHERE" MINE("") " AND" IN_RANGE("") " AND" ENDED " GROUP BY 1, 2),"
	" i AS (SELECT date_trunc($5, created_at AT TIME ZONE $4) AS lb, provider, count(*) AS n"
	"  FROM images WHERE" MINE("") " AND job_id IS NOT NULL AND" IN_RANGE("") " GROUP BY 1, 2),"
	" x AS (SELECT coalesce(j.lb, i.lb) AS lb, coalesce(j.provider, i.provider) AS provider,"
	"  coalesce(i.n, 0) AS n, coalesce(j.f, 0) AS f, coalesce(j.d, 0) AS d, j.ms"
	"  FROM j FULL JOIN i ON i.lb = j.lb AND i.provider = j.provider)"
	" SELECT to_char(b.lb, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN z.m < 0 THEN '-' ELSE '+' END"
	"  || lpad((abs(z.m) / 60)::text, 2, '0') || ':' || lpad((abs(z.m) % 60)::text, 2, '0'),"
	"  x.provider, x.n, x.f, x.d, x.ms"
	" FROM b CROSS JOIN LATERAL (SELECT round(extract(epoch FROM b.lb"
	"  - ((b.lb AT TIME ZONE $4) AT TIME ZONE 'UTC')) / 60)::int AS m) z"
	" LEFT JOIN x ON x.lb = b.lb ORDER BY b.lb, x.provider",
};

/* The range of q resolved: its ends as RFC 3339 UTC (exact) and, for
 * trends, the count of its buckets. */
typedef struct range {
	char from[40], to[40], tz[64];
} range;

static int
resolve(const ig_analytics_q *q, range *r, ig_err *err)
{
	const char *tz = q->tz ? q->tz : "UTC";
	char ok[8] = "", before[8] = "", buckets[24] = "0";
	const char *from_date = NULL, *from_ts = NULL, *to_date = NULL, *to_ts = NULL;

	if (ig_db_value(sql[SQL_TZ_OK], 1, &tz, 0, ok, sizeof(ok), err) < 0)
		return -1;
	if (strcmp(ok, "t") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "tz",
		    "tz must be a time zone name of the IANA database, e.g. UTC or Europe/Berlin");
	if (q->from)
		*(strlen(q->from) == 10 ? &from_date : &from_ts) = q->from;
	if (q->to)
		*(strlen(q->to) == 10 ? &to_date : &to_ts) = q->to;
	const char *p[] = { from_date, from_ts, to_date, to_ts, tz, q->interval };
	const ig_db_dst dst[] = { { r->from, sizeof(r->from) }, { r->to, sizeof(r->to) },
		{ before, sizeof(before) }, { buckets, sizeof(buckets) }, { NULL, 0 } };
	if (ig_db_texts(sql[SQL_RANGE], 6, p, IG_DB_PLAN_EACH, dst, err) < 0)
		return -1;
	if (strcmp(before, "t") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "from", "from must be before to");
	if (atoll(buckets) > IG_ANALYTICS_MAX_BUCKETS)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "interval",
		    "the range from %s to %s holds %s %s buckets, at most %d are answered: a shorter range or a "
		    "longer interval", r->from, r->to, buckets, q->interval, IG_ANALYTICS_MAX_BUCKETS);
	snprintf(r->tz, sizeof(r->tz), "%s", tz);
	return 0;
}

static json_object *
answer(const range *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "from", json_object_new_string(r->from));
	json_object_object_add(o, "to", json_object_new_string(r->to));
	json_object_object_add(o, "tz", json_object_new_string(r->tz));
	return o;
}

/* A numeric column: its text as a JSON number (kept as PostgreSQL wrote
 * it), null for NULL. */
static json_object *
num_or_null(PGresult *res, int i, int c)
{
	if (PQgetisnull(res, i, c))
		return NULL;
	return json_object_new_double_s(strtod(PQgetvalue(res, i, c), NULL), PQgetvalue(res, i, c));
}

static int64_t
i64(PGresult *res, int i, int c)
{
	return strtoll(PQgetvalue(res, i, c), NULL, 10);
}

/* The by_provider element of provider in a (appended when new). */
static json_object *
provider_entry(json_object *a, const char *provider)
{
	size_t n = json_object_array_length(a);
	json_object *e;

	for (size_t k = 0; k < n; k++) {
		e = json_object_array_get_idx(a, k);
		if (strcmp(json_object_get_string(json_object_object_get(e, "provider")), provider) == 0)
			return e;
	}
	e = json_object_new_object();
	json_object_object_add(e, "provider", json_object_new_string(provider));
	json_object_object_add(e, "generations", json_object_new_int64(0));
	json_object_object_add(e, "images", json_object_new_int64(0));
	json_object_object_add(e, "failures", json_object_new_int64(0));
	json_object_object_add(e, "avg_time_ms", NULL);
	json_object_object_add(e, "p95_time_ms", NULL);
	json_object_array_add(a, e);
	return e;
}

static int
by_name(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;

	return strcmp(json_object_get_string(json_object_object_get(x, "provider")),
	    json_object_get_string(json_object_object_get(y, "provider")));
}

int
ig_analytics_usage(const ig_analytics_q *q, json_object **out, ig_err *err)
{
	static const char *const states[] = { "queued", "processing", "completed", "partial", "failed", "canceled" };
	int64_t succeeded = 0, failed = 0, canceled = 0, open = 0, images = 0, storage = 0;
	json_object *o, *prov, *batches;
	PGresult *res;
	range r;

	if (resolve(q, &r, err) != 0)
		return -1;
	const char *p[] = { q->user_id, r.from, r.to };
	prov = json_object_new_array();
	batches = json_object_new_object();
	o = answer(&r);
	json_object_object_add(o, "by_provider", prov);
	json_object_object_add(o, "batches", batches);

	if ((res = ig_db_exec(sql[SQL_USAGE_JOBS], 3, p, IG_DB_PLAN_EACH, err)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++) {
		json_object *e = provider_entry(prov, PQgetvalue(res, i, 0));
		int64_t d = i64(res, i, 1), f = i64(res, i, 2);
		succeeded += d;
		failed += f;
		canceled += i64(res, i, 3);
		open += i64(res, i, 4);
		json_object_object_add(e, "generations", json_object_new_int64(d + f));
		json_object_object_add(e, "failures", json_object_new_int64(f));
		json_object_object_add(e, "avg_time_ms", num_or_null(res, i, 5));
		json_object_object_add(e, "p95_time_ms", num_or_null(res, i, 6));
	}
	PQclear(res);

	if ((res = ig_db_exec(sql[SQL_USAGE_IMAGES], 3, p, IG_DB_PLAN_EACH, err)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++) {
		json_object *e = provider_entry(prov, PQgetvalue(res, i, 0));
		images += i64(res, i, 1);
		json_object_object_add(e, "images", json_object_new_int64(i64(res, i, 1)));
	}
	PQclear(res);
	json_object_array_sort(prov, by_name);

	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
		json_object_object_add(batches, states[k], json_object_new_int64(0));
	if ((res = ig_db_exec(sql[SQL_USAGE_BATCHES], 3, p, IG_DB_PLAN_EACH, err)) == NULL)
		goto fail;
	for (int i = 0; i < PQntuples(res); i++)
		json_object_object_add(batches, PQgetvalue(res, i, 0), json_object_new_int64(i64(res, i, 1)));
	PQclear(res);

	if (ig_db_int64(sql[SQL_STORAGE], 1, p, IG_DB_PLAN_EACH, &storage, err) != 0)
		goto fail;

	json_object_object_add(o, "total_generations", json_object_new_int64(succeeded + failed));
	json_object_object_add(o, "succeeded", json_object_new_int64(succeeded));
	json_object_object_add(o, "failed", json_object_new_int64(failed));
	json_object_object_add(o, "canceled", json_object_new_int64(canceled));
	json_object_object_add(o, "in_progress", json_object_new_int64(open));
	json_object_object_add(o, "success_rate", succeeded + failed == 0 ? NULL :
	    json_object_new_double((double)succeeded / (double)(succeeded + failed)));
	json_object_object_add(o, "total_images", json_object_new_int64(images));
	json_object_object_add(o, "storage_bytes", json_object_new_int64(storage));
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return -1;
}

/* ---------------------------------------------------------- popular prompts */

/* One word of one prompt, weighted by the prompt's uses. */
typedef struct term {
	char *word;
	int64_t count;
} term;

typedef struct terms {
	term *v;
	size_t n, cap, first;       /* first: where the current prompt's words begin */
	int64_t weight;
} terms;

static void
add_word(const char *w, size_t wlen, void *ctx)
{
	terms *t = ctx;
	char *lower;
	int letter = 0;

	lower = ig_xmalloc(wlen + 1);
	for (size_t k = 0; k < wlen; k++) {
		unsigned char c = (unsigned char)w[k];
		lower[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		letter |= c != '\'' && c != '-';
	}
	lower[wlen] = '\0';
	/* The tokenizer keeps apostrophes and hyphens in words: one made of
	 * them alone says nothing. */
	if (!letter || ig_prompt_stop_word(lower)) {
		free(lower);
		return;
	}
	/* Once per prompt: count = generations whose prompt holds the word. */
	for (size_t k = t->first; k < t->n; k++)
		if (strcmp(t->v[k].word, lower) == 0) {
			free(lower);
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->v = ig_xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n].word = lower;
	t->v[t->n].count = t->weight;
	t->n++;
}

static int
by_word(const void *a, const void *b)
{
	return strcmp(((const term *)a)->word, ((const term *)b)->word);
}

static int
by_count(const void *a, const void *b)
{
	const term *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->word, y->word);
}

/* The limit most used terms of the prompts of res (text, count) as
 * [{term, count}]. */
static json_object *
top_terms(PGresult *res, int rows, int limit)
{
	json_object *a = json_object_new_array();
	terms t = { NULL, 0, 0, 0, 0 };
	size_t m = 0;

	for (int i = 0; i < rows; i++) {
		const char *p = PQgetvalue(res, i, 0);
		size_t len = (size_t)PQgetlength(res, i, 0);
		if (!ig_utf8_valid(p, len))
			continue;
		t.first = t.n;
		t.weight = i64(res, i, 1);
		ig_prompt_words(p, len, add_word, &t);
	}
	/* Merge the equal words, then the most counted first. */
	if (t.n > 0) {
		qsort(t.v, t.n, sizeof(*t.v), by_word);
		for (size_t k = 1; k < t.n; k++) {
			if (strcmp(t.v[k].word, t.v[m].word) == 0) {
				t.v[m].count += t.v[k].count;
				free(t.v[k].word);
			} else {
				t.v[++m] = t.v[k];
			}
		}
		m++;
		qsort(t.v, m, sizeof(*t.v), by_count);
	}
	for (size_t k = 0; k < m; k++) {
		if ((int)k < limit) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "term", json_object_new_string(t.v[k].word));
			json_object_object_add(e, "count", json_object_new_int64(t.v[k].count));
			json_object_array_add(a, e);
		}
		free(t.v[k].word);
	}
	free(t.v);
	return a;
}

int
ig_analytics_prompts(const ig_analytics_q *q, json_object **out, ig_err *err)
{
	char most[16];
	json_object *o, *prompts;
	PGresult *res;
	range r;
	int rows;

	if (resolve(q, &r, err) != 0)
		return -1;
	snprintf(most, sizeof(most), "%d", IG_ANALYTICS_TERM_PROMPTS + 1);
	const char *p[] = { q->user_id, r.from, r.to, most };
	if ((res = ig_db_exec(sql[SQL_PROMPTS], 4, p, IG_DB_PLAN_EACH, err)) == NULL)
		return -1;
	rows = PQntuples(res);
	o = answer(&r);
	prompts = json_object_new_array();
	for (int i = 0; i < rows && i < q->limit; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "prompt", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(e, "count", json_object_new_int64(i64(res, i, 1)));
		json_object_object_add(e, "last_used", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_array_add(prompts, e);
	}
	json_object_object_add(o, "prompts", prompts);
	json_object_object_add(o, "terms", top_terms(res, rows > IG_ANALYTICS_TERM_PROMPTS ?
	    IG_ANALYTICS_TERM_PROMPTS : rows, q->limit));
	json_object_object_add(o, "terms_complete", json_object_new_boolean(rows <= IG_ANALYTICS_TERM_PROMPTS));
	PQclear(res);
	*out = o;
	return 0;
}

/* ------------------------------------------------------------------- trends */

/* Count c of row i added to member key of o. */
static void
add_count(json_object *o, const char *key, PGresult *res, int i, int c)
{
	int64_t v = json_object_get_int64(json_object_object_get(o, key));

	json_object_object_add(o, key, json_object_new_int64(v + i64(res, i, c)));
}

/* A bucket's or provider's counters, zero, added to o (returned). */
static json_object *
counters(json_object *o)
{
	json_object_object_add(o, "images", json_object_new_int64(0));
	json_object_object_add(o, "failures", json_object_new_int64(0));
	json_object_object_add(o, "succeeded", json_object_new_int64(0));
	json_object_object_add(o, "avg_time_ms", NULL);
	return o;
}

/* avg_time_ms of o from its succeeded count and ms, the sum of their
 * durations: one decimal, null when none succeeded. */
static void
set_avg(json_object *o, double ms)
{
	int64_t d = json_object_get_int64(json_object_object_get(o, "succeeded"));
	char text[32];

	if (d == 0)
		return;
	snprintf(text, sizeof(text), "%.1f", ms / (double)d);
	json_object_object_add(o, "avg_time_ms", json_object_new_double_s(strtod(text, NULL), text));
}

int
ig_analytics_trends(const ig_analytics_q *q, json_object **out, ig_err *err)
{
	json_object *o, *series, *bucket = NULL;
	double bucket_ms = 0;
	PGresult *res;
	range r;

	if (resolve(q, &r, err) != 0)
		return -1;
	const char *p[] = { q->user_id, r.from, r.to, r.tz, q->interval };
	if ((res = ig_db_exec(sql[SQL_TRENDS], 5, p, IG_DB_PLAN_EACH, err)) == NULL)
		return -1;
	o = answer(&r);
	json_object_object_add(o, "interval", json_object_new_string(q->interval));
	series = json_object_new_array();
	json_object_object_add(o, "series", series);
	for (int i = 0; i < PQntuples(res); i++) {
		const char *name = PQgetvalue(res, i, 0);
		if (bucket == NULL || strcmp(json_object_get_string(json_object_object_get(bucket, "bucket")), name) != 0) {
			if (bucket)
				set_avg(bucket, bucket_ms);
			bucket = json_object_new_object();
			bucket_ms = 0;
			json_object_object_add(bucket, "bucket", json_object_new_string(name));
			counters(bucket);
			json_object_object_add(bucket, "by_provider", json_object_new_object());
			json_object_array_add(series, bucket);
		}
		if (PQgetisnull(res, i, 1))
			continue;
		json_object *pv = counters(json_object_new_object());
		double ms = PQgetisnull(res, i, 5) ? 0 : strtod(PQgetvalue(res, i, 5), NULL);
		json_object_object_add(json_object_object_get(bucket, "by_provider"), PQgetvalue(res, i, 1), pv);
		add_count(pv, "images", res, i, 2);
		add_count(pv, "failures", res, i, 3);
		add_count(pv, "succeeded", res, i, 4);
		set_avg(pv, ms);
		add_count(bucket, "images", res, i, 2);
		add_count(bucket, "failures", res, i, 3);
		add_count(bucket, "succeeded", res, i, 4);
		bucket_ms += ms;
	}
	if (bucket)
		set_avg(bucket, bucket_ms);
	PQclear(res);
	*out = o;
	return 0;
}
