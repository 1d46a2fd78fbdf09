/* batch.c — see batch.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/jobs/batch.h"
#include "lib/providers/provider.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static int
is_uuid(const char *s)
{
	static const char hex[] = "0123456789abcdefABCDEF";

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr(hex, s[i]) == NULL) {
			return 0;
		}
	}
	return 1;
}

int
ig_batch_owned(const char *batch_id, const char *user_id, ig_err *err)
{
	const char *p[2] = { batch_id, user_id };
	PGresult *r;
	int owned;

	if (!is_uuid(batch_id) || user_id == NULL || *user_id == '\0')
		return 0;
	r = ig_db_exec("SELECT 1 FROM batches WHERE id = $1 AND user_id = $2", 2, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	owned = PQntuples(r) == 1;
	PQclear(r);
	return owned;
}

int
ig_batch_failed_on_server_key(const char *batch_id, char **ids, int *images, char provider[32], ig_err *err)
{
	const char *p[1] = { batch_id };
	PGresult *r = ig_db_exec("SELECT coalesce('{' || string_agg(id::text, ',') || '}', '{}'),"
	    " coalesce(sum(coalesce((request->>'count')::int, 1)), 0), coalesce(min(provider), '')"
	    " FROM jobs WHERE batch_id = $1 AND status = 'failed' AND key_source = 'server'", 1, p,
	    IG_DB_IDEMPOTENT, err);

	*ids = NULL;
	if (r == NULL)
		return -1;
	*ids = ig_xstrdup(PQgetvalue(r, 0, 0));
	*images = atoi(PQgetvalue(r, 0, 1));
	snprintf(provider, 32, "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	return 0;
}

int
ig_batch_retry_failed(const char *batch_id, const char *server_ids, int *retried, int *server_images,
    ig_err *err)
{
	const char *p[2] = { batch_id, server_ids };
	PGresult *r = ig_db_exec(
	    "WITH r AS (UPDATE jobs SET status = 'queued', attempts = 0, run_after = now(),"
	    "  error_code = NULL, error_message = NULL, started_at = NULL, finished_at = NULL, runner_id = NULL,"
	    "  lease_until = NULL, cancel_requested = false"
	    "  WHERE batch_id = $1 AND status = 'failed' AND (key_source <> 'server' OR id = ANY($2::uuid[]))"
	    "  RETURNING provider, key_source, coalesce((request->>'count')::int, 1) AS n),"
	    " b AS (UPDATE batches SET completed_at = NULL, canceled = false WHERE id = $1 AND EXISTS (SELECT 1 FROM r))"
	    " SELECT count(*), coalesce(sum(n) FILTER (WHERE key_source = 'server'), 0),"
	    " (SELECT count(pg_notify('" IG_JOB_CHANNEL_QUEUED "', provider)) FROM (SELECT provider FROM r LIMIT 1) x)"
	    " FROM r", 2, p, 0, err);

	if (r == NULL)
		return -1;
	*retried = atoi(PQgetvalue(r, 0, 0));
	*server_images = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

/*
 * The observed duration of one item: the mean of this batch's finished
 * items, else of the provider's last 50 jobs, else the provider's declared
 * typical latency. Seconds.
 */
static double
item_seconds(const char *batch_id, const char *provider, ig_err *err)
{
	const char *p[2] = { batch_id, provider };
	PGresult *r = ig_db_exec(
	    "SELECT (SELECT avg(extract(epoch FROM finished_at - started_at)) FROM jobs"
	    "  WHERE batch_id = $1 AND status = 'succeeded'),"
	    " (SELECT avg(d) FROM (SELECT extract(epoch FROM finished_at - started_at) AS d FROM jobs"
	    "  WHERE provider = $2 AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 50) x)",
	    2, p, IG_DB_IDEMPOTENT, err);
	const ig_provider_ops *ops = ig_provider_find(provider);
	double d = ops ? ops->typical_latency_s : 10;

	if (r != NULL) {
		if (!PQgetisnull(r, 0, 0))
			d = atof(PQgetvalue(r, 0, 0));
		else if (!PQgetisnull(r, 0, 1))
			d = atof(PQgetvalue(r, 0, 1));
		PQclear(r);
	}
	return d > 0.001 ? d : 0.001;
}

/* The derived state of API.md from the counts of each job status. */
static const char *
state(int queued, int running, int done, int failed, int canceled, int batch_canceled)
{
	/* A canceled batch whose running items are still being stopped is
	 * processing until the last one has ended. */
	if (queued + running > 0)
		return running + done + failed + canceled > 0 ? "processing" : "queued";
	if (batch_canceled || (canceled > 0 && done + failed == 0))
		return "canceled";
	if (failed == 0)
		return "completed";
	return done > 0 ? "partial" : "failed";
}

static json_object *
items_json(const char *batch_id, ig_err *err)
{
	const char *p[1] = { batch_id };
	PGresult *r = ig_db_exec(
	    "SELECT j.item_index, j.request->>'prompt', j.status, j.attempts, j.error_code, j.error_message, "
	    TS("j.started_at") ", " TS("j.finished_at") ","
	    " coalesce((SELECT json_agg(json_build_object('id', i.id, 'filename', i.filename,"
	    "  'url', '/generated_images/' || i.filename, 'seed', i.seed) ORDER BY i.idx)"
	    "  FROM images i WHERE i.job_id = j.id), '[]')"
	    " FROM jobs j WHERE j.batch_id = $1 ORDER BY j.item_index", 1, p, IG_DB_IDEMPOTENT, err);
	json_object *list;

	if (r == NULL)
		return NULL;
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_object *it = json_object_new_object(), *e = NULL, *imgs;
		ig_err perr;
		const char *ij = PQgetvalue(r, i, 8);
		json_object_object_add(it, "index", json_object_new_int(atoi(PQgetvalue(r, i, 0))));
		json_object_object_add(it, "prompt", json_object_new_string(PQgetvalue(r, i, 1)));
		json_object_object_add(it, "status", json_object_new_string(PQgetvalue(r, i, 2)));
		json_object_object_add(it, "attempts", json_object_new_int(atoi(PQgetvalue(r, i, 3))));
		imgs = ig_json_parse(ij, strlen(ij), 100, &perr);
		json_object_object_add(it, "images", imgs ? imgs : json_object_new_array());
		if (!PQgetisnull(r, i, 4) && strcmp(PQgetvalue(r, i, 2), "succeeded") != 0) {
			e = json_object_new_object();
			json_object_object_add(e, "code", json_object_new_string(PQgetvalue(r, i, 4)));
			json_object_object_add(e, "message", json_object_new_string(PQgetvalue(r, i, 5)));
		}
		json_object_object_add(it, "error", e);
		json_object_object_add(it, "started_at", PQgetisnull(r, i, 6) ? NULL : json_object_new_string(PQgetvalue(r, i, 6)));
		json_object_object_add(it, "finished_at", PQgetisnull(r, i, 7) ? NULL : json_object_new_string(PQgetvalue(r, i, 7)));
		json_object_array_add(list, it);
	}
	PQclear(r);
	return list;
}

json_object *
ig_batch_status(const char *batch_id, int with_items, ig_err *err)
{
	const char *p[1] = { batch_id };
	PGresult *r;
	json_object *o, *pr;
	int queued, running, done, failed, canceled, total, bcanceled;
	const char *st;

	if (!is_uuid(batch_id)) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
		return NULL;
	}
	/* completed_at is written just after the last item's own end (the
	 * runner's next statement): in between, a batch whose items have all
	 * ended takes its last item's end, so an ended batch always has one. */
	r = ig_db_exec("SELECT b.name, b.total, b.canceled, " TS("b.created_at") ", " TS("b.started_at") ", "
	    TS("coalesce(b.completed_at, CASE WHEN count(j.*) > 0 AND count(j.*) FILTER"
	    " (WHERE j.status IN ('queued', 'running')) = 0 THEN max(j.finished_at) END)")
	    ", b.settings->>'api_provider',"
	    " count(j.*) FILTER (WHERE j.status = 'queued'), count(j.*) FILTER (WHERE j.status = 'running'),"
	    " count(j.*) FILTER (WHERE j.status = 'succeeded'), count(j.*) FILTER (WHERE j.status = 'failed'),"
	    " count(j.*) FILTER (WHERE j.status = 'canceled')"
	    " FROM batches b LEFT JOIN jobs j ON j.batch_id = b.id WHERE b.id = $1 GROUP BY b.id",
	    1, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
		return NULL;
	}
	total = atoi(PQgetvalue(r, 0, 1));
	bcanceled = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	queued = atoi(PQgetvalue(r, 0, 7));
	running = atoi(PQgetvalue(r, 0, 8));
	done = atoi(PQgetvalue(r, 0, 9));
	failed = atoi(PQgetvalue(r, 0, 10));
	canceled = atoi(PQgetvalue(r, 0, 11));
	st = state(queued, running, done, failed, canceled, bcanceled);

	o = json_object_new_object();
	json_object_object_add(o, "batch_id", json_object_new_string(batch_id));
	json_object_object_add(o, "name", PQgetisnull(r, 0, 0) ? NULL : json_object_new_string(PQgetvalue(r, 0, 0)));
	json_object_object_add(o, "status", json_object_new_string(st));
	pr = json_object_new_object();
	json_object_object_add(pr, "completed", json_object_new_int(done));
	json_object_object_add(pr, "failed", json_object_new_int(failed));
	json_object_object_add(pr, "canceled", json_object_new_int(canceled));
	json_object_object_add(pr, "running", json_object_new_int(running));
	json_object_object_add(pr, "queued", json_object_new_int(queued));
	json_object_object_add(pr, "total", json_object_new_int(total));
	/* Ended items over all: failed and canceled ones are done too. */
	json_object_object_add(pr, "percentage", json_object_new_double(
	    total ? (double)(int)(1000.0 * (done + failed + canceled) / total) / 10.0 : 0));
	json_object_object_add(o, "progress", pr);
	if (queued + running > 0 && !bcanceled) {
		/* Remaining items over the concurrency this batch is getting,
		 * at the duration its items (or the provider's) are taking. */
		double each = item_seconds(batch_id, PQgetvalue(r, 0, 6), err);
		int lanes = running > 0 ? running : 1;
		time_t eta = time(NULL) + (time_t)(each * ((queued + running + lanes - 1) / lanes) + 0.5);
		struct tm tm;
		char buf[40];
		gmtime_r(&eta, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_object_add(o, "estimated_completion", json_object_new_string(buf));
	} else {
		json_object_object_add(o, "estimated_completion", NULL);
	}
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, 0, 3)));
	json_object_object_add(o, "started_at", PQgetisnull(r, 0, 4) ? NULL : json_object_new_string(PQgetvalue(r, 0, 4)));
	json_object_object_add(o, "completed_at", PQgetisnull(r, 0, 5) ? NULL : json_object_new_string(PQgetvalue(r, 0, 5)));
	PQclear(r);
	if (with_items) {
		json_object *items = items_json(batch_id, err);
		if (items == NULL) {
			json_object_put(o);
			return NULL;
		}
		json_object_object_add(o, "items", items);
	}
	return o;
}

void
ig_batch_item_ended(const ig_job *job)
{
	const char *p[3];
	PGresult *r;
	ig_err err;
	int closed;

	if (job->batch_id[0] == '\0')
		return;
	p[0] = job->batch_id;
	/* Close the batch when nothing of it is left to run, and wake its
	 * listeners either way. */
	/* completed_at is the last item's end, as ig_batch_status reports it
	 * in the moment before this runs. */
	r = ig_db_exec("WITH c AS (UPDATE batches SET completed_at ="
	    "  coalesce((SELECT max(finished_at) FROM jobs WHERE batch_id = $1), now())"
	    "  WHERE id = $1 AND completed_at IS NULL"
	    "  AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = $1 AND status IN ('queued', 'running'))"
	    "  RETURNING callback_url, webhook_per_item)"
	    " SELECT pg_notify('" IG_BATCH_CHANNEL "', $1::text), (SELECT count(*) FROM c),"
	    " (SELECT callback_url FROM c),"
	    " coalesce((SELECT webhook_per_item FROM batches WHERE id = $1), false),"
	    " (SELECT callback_url FROM batches WHERE id = $1)", 1, p, 0, &err);
	if (r == NULL) {
		ig_logf(IG_LOG_WARN, "batch_update_failed", "batch %s: %s", job->batch_id, err.message);
		return;
	}
	closed = atoi(PQgetvalue(r, 0, 1)) > 0;
	if (!PQgetisnull(r, 0, 4) && strcmp(PQgetvalue(r, 0, 3), "t") == 0) {
		/* Per-item webhook: the item's own state. */
		char idx[16];
		snprintf(idx, sizeof(idx), "%d", job->item_index);
		p[1] = job->id;
		p[2] = idx;
		ig_db_run("INSERT INTO webhook_deliveries (batch_id, event, payload)"
		    " SELECT $1::uuid, 'batch.item', json_build_object('type', 'batch.item', 'batch_id', $1::uuid::text,"
		    "  'index', $3::int, 'status', status, 'error', error_code) FROM jobs WHERE id = $2::uuid",
		    3, p, 0, &err);
	}
	if (closed && !PQgetisnull(r, 0, 2)) {
		json_object *st = ig_batch_status(job->batch_id, 0, &err);
		if (st != NULL) {
			json_object *payload = json_object_new_object();
			json_object_object_add(payload, "type", json_object_new_string("batch.completed"));
			json_object_object_add(payload, "data", st);
			p[1] = json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN);
			ig_db_run("INSERT INTO webhook_deliveries (batch_id, event, payload) VALUES ($1, 'batch.completed', $2::jsonb)",
			    2, p, 0, &err);
			json_object_put(payload);
		}
	}
	PQclear(r);
}
