/* queue.c — see queue.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/provider_key.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/json.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"
#include "lib/providers/provider.h"

/* Every statement of this module (jobs, runners, and the batch row a job
 * touches; a stored key is opened by lib/auth/provider_key.c). */
#define STATEMENTS(X) \
	X(SQL_JOB_ENQUEUE, \
	    "WITH j AS (INSERT INTO jobs (id, user_id, provider, model, request, key_source, key_id," \
	    " key_nonce, key_sealed, cache_key, priority)" \
	    " VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::bytea, $9::bytea, $10, $11::int) RETURNING provider)" \
	    " SELECT pg_notify('" IG_JOB_CHANNEL_QUEUED "', provider) FROM j") \
	X(SQL_RUNNER_REGISTER, \
	    "INSERT INTO runners (hostname, pid, version) VALUES ($1, $2::int, $3) RETURNING id") \
	X(SQL_RUNNER_UNREGISTER, \
	    "DELETE FROM runners WHERE id = $1") \
	X(SQL_RUNNER_LIVE_ON_HOST, \
	    "SELECT count(*) FROM runners WHERE hostname = $1" \
	    " AND heartbeat_at > now() - make_interval(secs => $2::int)") \
	X(SQL_RUNNER_HEARTBEAT, \
	    "UPDATE runners SET heartbeat_at = now() WHERE id = $1") \
	X(SQL_LEASE_RENEW, \
	    "UPDATE jobs SET lease_until = now() + make_interval(secs => $2::int)" \
	    " WHERE runner_id = $1 AND status = 'running' AND id = ANY ($3::uuid[])") \
	X(SQL_JOBS_REQUEUE_EXPIRED, \
	    "WITH x AS (UPDATE jobs SET status = 'queued', runner_id = NULL, lease_until = NULL," \
	    "  error_code = 'runner_lost', error_message = 'the runner holding this job stopped answering'" \
	    "  WHERE status = 'running' AND lease_until < now() RETURNING provider)" \
	    " SELECT count(*), (SELECT count(pg_notify('" IG_JOB_CHANNEL_QUEUED "', provider)) FROM x) FROM x") \
	X(SQL_RUNNERS_PURGE_STALE, \
	    "DELETE FROM runners WHERE heartbeat_at < now() - interval '1 hour'") \
	X(SQL_JOB_CLAIM, \
	    "UPDATE jobs SET status = 'running', runner_id = $1," \
	    " lease_until = now() + make_interval(secs => $3::int)," \
	    " started_at = coalesce(started_at, now()), attempts = attempts + 1" \
	    " WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= now()" \
	    "  AND NOT (provider = ANY ($2::text[]))" \
	    "  ORDER BY priority DESC, fair_seq, run_after, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)" \
	    " RETURNING id, coalesce(user_id::text, ''), provider, model, request, key_source," \
	    " coalesce(key_id::text, ''), key_nonce, key_sealed, coalesce(cache_key, ''), attempts, max_attempts," \
	    " coalesce(batch_id::text, ''), coalesce(item_index, 0)") \
	X(SQL_BATCH_STARTED, \
	    "UPDATE batches SET started_at = now() WHERE id = $1 AND started_at IS NULL") \
	/* The four below update a job this runner holds and, when it left the \
	 * running state for good, notify the waiting producer. */ \
	X(SQL_JOB_SUCCEED, \
	    "WITH j AS (UPDATE jobs SET status = 'succeeded', finished_at = now()," \
	    " lease_until = NULL, error_code = NULL, error_message = NULL" \
	    " WHERE id = $1 AND runner_id = $2 AND status = 'running' RETURNING id, status)" \
	    " SELECT pg_notify('" IG_JOB_CHANNEL_DONE "', id::text) FROM j" \
	    " WHERE status IN ('succeeded', 'failed', 'canceled')") \
	X(SQL_JOB_FAIL, \
	    "WITH j AS (UPDATE jobs SET status = 'failed', finished_at = now()," \
	    " lease_until = NULL, error_code = $3, error_message = $4" \
	    " WHERE id = $1 AND runner_id = $2 AND status = 'running' RETURNING id, status)" \
	    " SELECT pg_notify('" IG_JOB_CHANNEL_DONE "', id::text) FROM j" \
	    " WHERE status IN ('succeeded', 'failed', 'canceled')") \
	X(SQL_JOB_CANCEL, \
	    "WITH j AS (UPDATE jobs SET status = 'canceled', finished_at = now()," \
	    " lease_until = NULL, error_code = 'canceled', error_message = 'the batch was canceled'" \
	    " WHERE id = $1 AND runner_id = $2 AND status = 'running' RETURNING id, status)" \
	    " SELECT pg_notify('" IG_JOB_CHANNEL_DONE "', id::text) FROM j" \
	    " WHERE status IN ('succeeded', 'failed', 'canceled')") \
	/* Asked for this job, or its batch canceled: a job claimed while the \
	 * batch's cancel ran is neither queued nor running in that statement's \
	 * snapshot, so the cancel marks it not. */ \
	X(SQL_JOB_CANCEL_REQUESTED, \
	    "SELECT j.cancel_requested OR coalesce(b.canceled, false) FROM jobs j" \
	    " LEFT JOIN batches b ON b.id = j.batch_id WHERE j.id = $1") \
	X(SQL_JOB_RELEASE, \
	    "WITH j AS (UPDATE jobs SET status = 'queued', runner_id = NULL, lease_until = NULL," \
	    " attempts = greatest(attempts - 1, 0)" \
	    " WHERE id = $1 AND runner_id = $2 AND status = 'running' RETURNING id, status)" \
	    " SELECT pg_notify('" IG_JOB_CHANNEL_QUEUED "', id::text) FROM j") \
	X(SQL_RUNNERS_LIVE, \
	    "SELECT hostname, pid," \
	    " to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM runners" \
	    " WHERE heartbeat_at > now() - make_interval(secs => $1::int) ORDER BY hostname, pid") \
	X(SQL_JOBS_BY_STATUS, \
	    "SELECT status, count(*) FROM jobs GROUP BY status") \
	X(SQL_JOBS_LAST_OUTCOMES, \
	    "SELECT DISTINCT ON (provider) provider, status, coalesce(error_code, '')," \
	    " to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')" \
	    " FROM jobs WHERE finished_at IS NOT NULL ORDER BY provider, finished_at DESC")
IG_DB_STATEMENTS(STATEMENTS);

void
ig_job_free(ig_job *j)
{
	json_object_put(j->request);
	free(j->key_nonce);
	free(j->key_sealed);
	memset(j, 0, sizeof(*j));
}

int
ig_job_run_keyed(const char *statement, int n, const char **p, int at, const ig_job_spec *key, ig_err *err)
{
	char *nonce = ig_bytea_text(key->key_nonce, key->key_nonce_len);
	char *sealed = ig_bytea_text(key->key_sealed, key->key_sealed_len);
	int rc;

	p[at] = key->key_source;
	p[at + 1] = key->key_id;
	p[at + 2] = nonce;
	p[at + 3] = sealed;
	rc = ig_db_run(statement, n, p, 0, err);
	if (sealed != NULL)
		sodium_memzero(sealed, strlen(sealed));
	free(sealed);
	free(nonce);
	return rc;
}

int
ig_job_enqueue(const ig_job_spec *s, ig_err *err)
{
	char prio[16];
	const char *p[11] = { s->id, s->user_id, s->provider, s->model,
		json_object_to_json_string_ext(s->request, JSON_C_TO_STRING_PLAIN), [9] = s->cache_key, [10] = prio };

	snprintf(prio, sizeof(prio), "%d", s->priority);
	return ig_job_run_keyed(sql[SQL_JOB_ENQUEUE], 11, p, 5, s, err);
}

int
ig_runner_register(const char *hostname, int pid, const char *version, char id[IG_UUID_BUF], ig_err *err)
{
	char spid[16];
	const char *p[3] = { hostname, spid, version };

	snprintf(spid, sizeof(spid), "%d", pid);
	return ig_db_value(sql[SQL_RUNNER_REGISTER], 3, p, 0, id, IG_UUID_BUF, err) < 0 ? -1 : 0;
}

int
ig_runner_unregister(const char *runner_id, ig_err *err)
{
	const char *p[1] = { runner_id };

	return ig_db_run(sql[SQL_RUNNER_UNREGISTER], 1, p, 0, err);
}

int
ig_runner_live_on_host(const char *hostname, int max_age_s, ig_err *err)
{
	char age[16];
	const char *p[2] = { hostname, age };
	PGresult *r;
	int n;

	snprintf(age, sizeof(age), "%d", max_age_s);
	r = ig_db_exec(sql[SQL_RUNNER_LIVE_ON_HOST], 2, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

/* "{a,b}" text array literal of a NULL-terminated list of plain names. */
static char *
text_array(const char *const *list)
{
	ig_buf b = { 0 };

	ig_buf_puts(&b, "{");
	for (int i = 0; list && list[i]; i++)
		ig_buf_printf(&b, "%s%s", i ? "," : "", list[i]);
	ig_buf_puts(&b, "}");
	return b.data;
}

int
ig_runner_heartbeat(const char *runner_id, const char *const *held, int lease_s, ig_err *err)
{
	char lease[16], *ids;
	const char *p[3] = { runner_id, lease, NULL };
	int rc;

	snprintf(lease, sizeof(lease), "%d", lease_s);
	if (ig_db_run(sql[SQL_RUNNER_HEARTBEAT], 1, p, 0, err) != 0)
		return -1;
	ids = text_array(held);
	p[2] = ids;
	rc = ig_db_run(sql[SQL_LEASE_RENEW], 3, p, 0, err);
	free(ids);
	return rc;
}

int
ig_jobs_requeue_expired(ig_err *err)
{
	PGresult *r = ig_db_exec(sql[SQL_JOBS_REQUEUE_EXPIRED], 0, NULL, 0, err);
	int n;

	if (r == NULL)
		return -1;
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	/* Stale runner rows go too (an hour without a heartbeat). */
	PQclear(ig_db_exec(sql[SQL_RUNNERS_PURGE_STALE], 0, NULL, 0, err));
	return n;
}

static void
copy_bytea(PGresult *r, int c, unsigned char **out, size_t *len)
{
	size_t n;
	unsigned char *u;

	*out = NULL;
	*len = 0;
	if (PQgetisnull(r, 0, c))
		return;
	u = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, c), &n);
	if (u == NULL)
		return;
	*out = ig_xmalloc(n ? n : 1);
	memcpy(*out, u, n);
	*len = n;
	sodium_memzero(u, n);
	PQfreemem(u);
}

int
ig_job_claim(const char *runner_id, const char *const *busy, int lease_s, ig_job *job, ig_err *err)
{
	char lease[16], *skip = text_array(busy);
	const char *p[3] = { runner_id, skip, lease };
	PGresult *r;
	ig_err perr;
	const char *req;

	snprintf(lease, sizeof(lease), "%d", lease_s);
	r = ig_db_exec(sql[SQL_JOB_CLAIM], 3, p, 0, err);
	free(skip);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	memset(job, 0, sizeof(*job));
	snprintf(job->id, sizeof(job->id), "%s", PQgetvalue(r, 0, 0));
	snprintf(job->user_id, sizeof(job->user_id), "%s", PQgetvalue(r, 0, 1));
	snprintf(job->provider, sizeof(job->provider), "%s", PQgetvalue(r, 0, 2));
	snprintf(job->model, sizeof(job->model), "%s", PQgetvalue(r, 0, 3));
	req = PQgetvalue(r, 0, 4);
	job->request = ig_json_parse(req, strlen(req), 10000, &perr);
	snprintf(job->key_source, sizeof(job->key_source), "%s", PQgetvalue(r, 0, 5));
	snprintf(job->key_id, sizeof(job->key_id), "%s", PQgetvalue(r, 0, 6));
	copy_bytea(r, 7, &job->key_nonce, &job->key_nonce_len);
	copy_bytea(r, 8, &job->key_sealed, &job->key_sealed_len);
	snprintf(job->cache_key, sizeof(job->cache_key), "%s", PQgetvalue(r, 0, 9));
	job->attempts = atoi(PQgetvalue(r, 0, 10));
	job->max_attempts = atoi(PQgetvalue(r, 0, 11));
	snprintf(job->batch_id, sizeof(job->batch_id), "%s", PQgetvalue(r, 0, 12));
	job->item_index = atoi(PQgetvalue(r, 0, 13));
	if (job->batch_id[0] != '\0') {
		const char *q[1] = { job->batch_id };
		ig_db_run(sql[SQL_BATCH_STARTED], 1, q, 0, err);
	}
	PQclear(r);
	if (job->request == NULL) {
		ig_job_fail(job, runner_id, "internal", "the stored request is unreadable", err);
		ig_job_free(job);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "job request unreadable");
	}
	return 1;
}


int
ig_job_succeed(const ig_job *job, const char *runner_id, ig_err *err)
{
	const char *p[2] = { job->id, runner_id };

	return ig_db_run(sql[SQL_JOB_SUCCEED], 2, p, 0, err);
}

int
ig_job_fail(const ig_job *job, const char *runner_id, const char *code, const char *message, ig_err *err)
{
	const char *p[4] = { job->id, runner_id, code, message };

	return ig_db_run(sql[SQL_JOB_FAIL], 4, p, 0, err);
}

int
ig_job_cancel(const ig_job *job, const char *runner_id, ig_err *err)
{
	const char *p[2] = { job->id, runner_id };

	return ig_db_run(sql[SQL_JOB_CANCEL], 2, p, 0, err);
}

int
ig_job_cancel_requested(const ig_job *job, ig_err *err)
{
	const char *p[1] = { job->id };
	PGresult *r = ig_db_exec(sql[SQL_JOB_CANCEL_REQUESTED], 1, p, IG_DB_IDEMPOTENT, err);
	int yes;

	if (r == NULL)
		return -1;
	yes = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return yes;
}

int
ig_job_release(const ig_job *job, const char *runner_id, ig_err *err)
{
	const char *p[2] = { job->id, runner_id };

	return ig_db_run(sql[SQL_JOB_RELEASE], 2, p, 0, err);
}

/* The key in the clear from where the job says it is (ig_job_key). */
static int
job_key_open(const ig_job *job, const char *server_key, char **key, ig_err *err)
{
	*key = NULL;
	if (strcmp(job->key_source, "server") == 0) {
		if (ig_server_key_runnable(job->provider, err) != 0)
			return -1;
		if (server_key == NULL || *server_key == '\0')
			return ig_err_set(err, IG_E_PROVIDER_AUTH_FAILED, NULL, "the server has no key for %s", job->provider);
		*key = ig_xstrdup(server_key);
		return 0;
	}
	if (strcmp(job->key_source, "request") == 0) {
		if (job->key_nonce_len != IG_SECRETBOX_NONCE ||
		    ig_secretbox_open(job->key_nonce, job->key_sealed, job->key_sealed_len, key) != 0)
			return ig_err_set(err, IG_E_INTERNAL, NULL, "the job's key cannot be opened");
		return 0;
	}
	if (strcmp(job->key_source, "stored") == 0) {
		int rc = ig_provider_key_open_id(job->key_id, NULL, NULL, key, err);

		if (rc == 1)
			return ig_err_set(err, IG_E_PROVIDER_AUTH_FAILED, NULL, "the stored %s key was deleted", job->provider);
		return rc;
	}
	return 0;
}

/* The last check before a key goes into a header line: whatever its
 * source, a key that ig_provider_key_check refuses fails the job. */
int
ig_job_key(const ig_job *job, const char *server_key, char **key, ig_err *err)
{
	ig_err kerr;

	if (job_key_open(job, server_key, key, err) != 0)
		return -1;
	if (*key == NULL)
		return 0;
	if (ig_provider_key_check(*key, &kerr) != 0) {
		sodium_memzero(*key, strlen(*key));
		free(*key);
		*key = NULL;
		return ig_err_set(err, IG_E_PROVIDER_AUTH_FAILED, NULL,
		    "the %s key (%s) is malformed: %s", job->provider, job->key_source, kerr.message);
	}
	return 0;
}

int
ig_runners_live(int max_age_s, ig_runner_seen **out, int *n, ig_err *err)
{
	char age[16];
	const char *p[1] = { age };
	PGresult *r;

	*out = NULL;
	*n = 0;
	snprintf(age, sizeof(age), "%d", max_age_s);
	r = ig_db_exec(sql[SQL_RUNNERS_LIVE], 1, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	*n = PQntuples(r);
	*out = ig_xcalloc((size_t)*n + 1, sizeof(**out));
	for (int i = 0; i < *n; i++) {
		snprintf((*out)[i].hostname, sizeof((*out)[i].hostname), "%s", PQgetvalue(r, i, 0));
		(*out)[i].pid = atoi(PQgetvalue(r, i, 1));
		snprintf((*out)[i].heartbeat_at, sizeof((*out)[i].heartbeat_at), "%s", PQgetvalue(r, i, 2));
	}
	PQclear(r);
	return 0;
}

int
ig_jobs_by_status(const char *const *statuses, int n, long long *counts, ig_err *err)
{
	PGresult *r = ig_db_exec(sql[SQL_JOBS_BY_STATUS], 0, NULL,
	    IG_DB_IDEMPOTENT, err);

	if (r == NULL)
		return -1;
	for (int s = 0; s < n; s++) {
		counts[s] = 0;
		for (int i = 0; i < PQntuples(r); i++)
			if (strcmp(PQgetvalue(r, i, 0), statuses[s]) == 0)
				counts[s] = atoll(PQgetvalue(r, i, 1));
	}
	PQclear(r);
	return 0;
}

/* Where the columns of SQL_JOBS_LAST_OUTCOMES go. */
#define C(member) IG_DB_COL(ig_job_outcome, member)
static const ig_db_col outcome_cols[] = { C(provider), C(status), C(error_code), C(finished_at), IG_DB_COLS_END };
#undef C

int
ig_jobs_last_outcomes(ig_job_outcome **out, int *n, ig_err *err)
{
	*out = ig_db_rows(sql[SQL_JOBS_LAST_OUTCOMES], 0, NULL, IG_DB_IDEMPOTENT, sizeof(**out), outcome_cols, n, err);
	return *out != NULL ? 0 : -1;
}
