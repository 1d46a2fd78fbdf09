/* idem.c — see idem.h. All SQL of idempotency_keys lives here. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/jobs/idem.h"

#define EXPIRED "created_at < now() - interval '" IG_IDEM_TTL "'"
#define THIS_KEY "scope = $1 AND route = $2 AND key = $3"

#define STATEMENTS(X) \
	/* The sweep leaves k's own row to the upsert: one statement must not \
	 * modify the same row twice. */ \
	X(SQL_CLAIM, "WITH swept AS (DELETE FROM idempotency_keys WHERE " EXPIRED " AND NOT (" THIS_KEY "))" \
	    " INSERT INTO idempotency_keys (scope, route, key, request_hash) VALUES ($1, $2, $3, $4)" \
	    " ON CONFLICT (scope, route, key) DO UPDATE SET request_hash = EXCLUDED.request_hash," \
	    "  status = NULL, response = NULL, job_id = NULL, cached = false, created_at = now()" \
	    " WHERE idempotency_keys." EXPIRED " RETURNING 1") \
	X(SQL_GET, "SELECT k.request_hash, k.status, k.response, k.job_id, k.cached, j.status," \
	    " coalesce(j.error_code, ''), coalesce(j.error_message, ''), j.provider, j.model" \
	    " FROM idempotency_keys k LEFT JOIN jobs j ON j.id = k.job_id" \
	    " WHERE k.scope = $1 AND k.route = $2 AND k.key = $3 AND NOT k." EXPIRED) \
	X(SQL_BIND, "UPDATE idempotency_keys SET job_id = $4, cached = $5::boolean WHERE " THIS_KEY) \
	X(SQL_STORE, "UPDATE idempotency_keys SET status = $4::int, response = $5::jsonb WHERE " THIS_KEY) \
	X(SQL_FORGET, "DELETE FROM idempotency_keys k WHERE " THIS_KEY \
	    " AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = k.job_id AND j.status IN ('queued', 'running', 'succeeded'))")
IG_DB_STATEMENTS(STATEMENTS);

/* The parameters of k's statements into p: scope, route, key, then a and
 * b when given. Returns their count. */
static int
params(const ig_idemkey *k, const char *a, const char *b, const char *p[5])
{
	p[0] = k->scope;
	p[1] = k->route;
	p[2] = k->key;
	p[3] = a;
	p[4] = b;
	return b ? 5 : a ? 4 : 3;
}

int
ig_idemkey_claim(const ig_idemkey *k, const char *hash, ig_err *err)
{
	const char *p[5];

	return ig_db_any(sql[SQL_CLAIM], params(k, hash, NULL, p), p, 0, err);
}

static void
copy(char *dst, size_t len, PGresult *r, int c)
{
	snprintf(dst, len, "%s", PQgetisnull(r, 0, c) ? "" : PQgetvalue(r, 0, c));
}

int
ig_idemkey_get(const ig_idemkey *k, ig_idem_rec *rec, ig_err *err)
{
	const char *p[5];
	PGresult *r = ig_db_exec(sql[SQL_GET], params(k, NULL, NULL, p), p, 0, err);

	memset(rec, 0, sizeof(*rec));
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	copy(rec->hash, sizeof(rec->hash), r, 0);
	rec->status = PQgetisnull(r, 0, 1) ? 0 : atoi(PQgetvalue(r, 0, 1));
	rec->response = PQgetisnull(r, 0, 2) ? NULL : ig_xstrdup(PQgetvalue(r, 0, 2));
	copy(rec->job_id, sizeof(rec->job_id), r, 3);
	rec->cached = strcmp(PQgetvalue(r, 0, 4), "t") == 0;
	copy(rec->job_status, sizeof(rec->job_status), r, 5);
	copy(rec->job_code, sizeof(rec->job_code), r, 6);
	copy(rec->job_message, sizeof(rec->job_message), r, 7);
	copy(rec->provider, sizeof(rec->provider), r, 8);
	copy(rec->model, sizeof(rec->model), r, 9);
	PQclear(r);
	return 1;
}

int
ig_idemkey_bind_job(const ig_idemkey *k, const char *job_id, int cached, ig_err *err)
{
	const char *p[5];

	return ig_db_run(sql[SQL_BIND], params(k, job_id, cached ? "true" : "false", p), p, 0, err);
}

int
ig_idemkey_store(const ig_idemkey *k, int status, const char *json, ig_err *err)
{
	char st[16];
	const char *p[5];

	snprintf(st, sizeof(st), "%d", status);
	return ig_db_run(sql[SQL_STORE], params(k, st, json, p), p, 0, err);
}

int
ig_idemkey_forget(const ig_idemkey *k, ig_err *err)
{
	const char *p[5];

	return ig_db_run(sql[SQL_FORGET], params(k, NULL, NULL, p), p, 0, err);
}
