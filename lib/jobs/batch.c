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
#include "lib/db/page.h"
#include "lib/db/rows.h"
#include "lib/jobs/batch.h"
#include "lib/jobs/webhook.h"
#include "lib/providers/provider.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
/* A chain (a leaf job j of an item: batch_item_jobs) in branch order, and
 * the branch of its image i, dotted: the indexes of the images the chain
 * carried from the first step's on, then i's own ("1.0"; "2" for the
 * third image of a job that is its item's only step). */
#define LEAF_ORDER(j) "coalesce(" j ".request #> '{workflow,branch}', '[]'::jsonb)"
#define BRANCH(j, i) "array_to_string(ARRAY(SELECT jsonb_array_elements_text(" LEAF_ORDER(j) "))" \
	" || " i ".idx::text, '.')"

/*
 * A batch's summary: its row, the counts of its items by status, its
 * derived state (API.md: queued|processing|completed|partial|failed|
 * canceled; a canceled batch whose running items are still being stopped
 * is processing until the last one has ended), and, while it runs, the
 * observed duration of one item: the mean of this batch's finished items,
 * else of the provider's last 50 jobs (the provider's declared typical
 * latency when neither is known). The list filters on the state in SQL,
 * before its LIMIT, so the state has this one definition. completed_at is
 * written just after the last item's own end (the runner's next
 * statement): in between, a batch whose items have all ended takes its
 * last item's end, which is also what the close writes, so an ended batch
 * always has one and it never changes.
 */
#define SUMMARY_COLS \
	"b.id, b.name, b.total, b.canceled, " TS("b.created_at") ", " TS("b.started_at") ", " \
	TS("coalesce(b.completed_at, CASE WHEN n.q + n.r = 0 AND n.d + n.f + n.c > 0 THEN n.last_end END)") \
	", coalesce(b.settings->>'api_provider', ''), n.q, n.r, n.d, n.f, n.c, s.state," \
	" CASE WHEN n.q + n.r > 0 AND NOT b.canceled THEN coalesce(n.avg_s, (SELECT avg(d) FROM" \
	"  (SELECT extract(epoch FROM finished_at - started_at) AS d FROM jobs" \
	"  WHERE provider = b.settings->>'api_provider' AND status = 'succeeded'" \
	"  ORDER BY finished_at DESC LIMIT 50) x)) END," \
	" to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
enum { COL_ID, COL_NAME, COL_TOTAL, COL_CANCELED, COL_CREATED, COL_STARTED, COL_COMPLETED, COL_PROVIDER,
	COL_Q, COL_R, COL_D, COL_F, COL_C, COL_STATE, COL_EACH, COL_KEY };

/* Every statement of this module (batches, and jobs as a batch's items). */
#define STATEMENTS(X) \
	X(SQL_OWNED, "SELECT 1 FROM batches WHERE id = $1 AND user_id = $2") \
	X(SQL_FAILED_ON_SERVER_KEY, \
	    "SELECT coalesce('{' || string_agg(id::text, ',') || '}', '{}')," \
	    " coalesce(sum(coalesce((request->>'count')::int, 1)), 0), coalesce(min(provider), '')" \
	    " FROM jobs WHERE batch_id = $1 AND status = 'failed' AND key_source = 'server'") \
	X(SQL_RETRY_FAILED, \
	    "WITH r AS (UPDATE jobs SET status = 'queued', attempts = 0, run_after = now()," \
	    "  error_code = NULL, error_message = NULL, started_at = NULL, finished_at = NULL, runner_id = NULL," \
	    "  lease_until = NULL, cancel_requested = false" \
	    "  WHERE batch_id = $1 AND status = 'failed' AND (key_source <> 'server' OR id = ANY($2::uuid[]))" \
	    "  RETURNING provider, key_source, coalesce((request->>'count')::int, 1) AS n, item_index)," \
	    " b AS (UPDATE batches SET completed_at = NULL, canceled = false WHERE id = $1 AND EXISTS (SELECT 1 FROM r))" \
	    " SELECT count(DISTINCT item_index), coalesce(sum(n) FILTER (WHERE key_source = 'server'), 0)," \
	    " (SELECT count(pg_notify('" IG_JOB_CHANNEL_QUEUED "', provider)) FROM (SELECT provider FROM r LIMIT 1) x)" \
	    " FROM r") \
	/* Every item with the final images of its succeeded chains. */ \
	X(SQL_ITEMS_OF_BATCH, \
	    "SELECT j.item_index, j.prompt, j.status, j.attempts, j.error_code, j.error_message, " \
	    TS("j.started_at") ", " TS("j.finished_at") "," \
	    " coalesce((SELECT json_agg(json_build_object('id', i.id, 'filename', i.filename," \
	    "  'url', '/generated_images/' || i.filename, 'thumbnail_url', '/generated_images/' || nullif(i.thumbnail, '')," \
	    "  'seed', i.seed, 'branch', " BRANCH("l", "i") ") ORDER BY " LEAF_ORDER("l") ", i.idx)" \
	    "  FROM batch_item_jobs l JOIN images i ON i.job_id = l.id WHERE l.batch_id = j.batch_id" \
	    "  AND l.item_index = j.item_index AND l.status = 'succeeded'), '[]')," \
	    " j.error_step, j.error_branch, j.chains, j.chains_done" \
	    " FROM batch_items j WHERE j.batch_id = $1 ORDER BY j.item_index") \
	X(SQL_STATUS, "SELECT " SUMMARY_COLS IG_BATCH_SUMMARY_FROM " WHERE b.id = $1") \
	/* The caller's batches newest first, the status filter before the \
	 * LIMIT; $3, $4 the (created_at, id) of the page's cursor. */ \
	X(SQL_LIST, "SELECT " SUMMARY_COLS IG_BATCH_SUMMARY_FROM \
	    " WHERE b.user_id = $1 AND ($2::text IS NULL OR s.state = $2::text)" \
	    " AND ($3::timestamptz IS NULL OR (b.created_at, b.id) < ($3::timestamptz, $4::uuid))" \
	    " ORDER BY b.created_at DESC, b.id DESC LIMIT $5::int") \
	/* Close the batch when nothing of it is left to run, and wake its \
	 * listeners either way; last, whether job $2 (of item $3) ended its \
	 * item: the item has ended and no job of it ended after this one. \
	 * Chains of one item ending at once on two runners both see it \
	 * ended; only the later job answers 1. */ \
	X(SQL_ITEM_ENDED, \
	    "WITH c AS (UPDATE batches SET completed_at =" \
	    "  coalesce((SELECT max(finished_at) FROM jobs WHERE batch_id = $1), now())" \
	    "  WHERE id = $1 AND completed_at IS NULL" \
	    "  AND NOT EXISTS (SELECT 1 FROM jobs WHERE batch_id = $1 AND status IN ('queued', 'running'))" \
	    "  RETURNING callback_url, webhook_per_item)" \
	    " SELECT pg_notify('" IG_BATCH_CHANNEL "', $1::text), (SELECT count(*) FROM c)," \
	    " (SELECT callback_url FROM c)," \
	    " coalesce((SELECT webhook_per_item FROM batches WHERE id = $1), false)," \
	    " (SELECT callback_url FROM batches WHERE id = $1)," \
	    " EXISTS (SELECT 1 FROM batch_items i, jobs me WHERE i.batch_id = $1 AND i.item_index = $3::int" \
	    "  AND i.status IN ('succeeded', 'failed', 'canceled') AND me.id = $2::uuid AND NOT EXISTS" \
	    "  (SELECT 1 FROM jobs o WHERE o.batch_id = $1 AND o.item_index = $3::int" \
	    "  AND (o.finished_at, o.id) > (me.finished_at, me.id)))") \
	/* Items, not jobs: a workflow item's chains count once. */ \
	X(SQL_OPEN_ITEMS, \
	    "SELECT count(DISTINCT (batch_id, item_index)) FROM jobs WHERE user_id = $1 AND batch_id IS NOT NULL" \
	    " AND status IN ('queued', 'running')") \
	/* The batch and every item in one statement: all or nothing. */ \
	X(SQL_INSERT, \
	    "WITH b AS (INSERT INTO batches (id, user_id, name, total, settings, callback_url," \
	    "  webhook_per_item) VALUES ($1, $2, $3, $4::int, $5::jsonb, $6, $7::bool) RETURNING id)," \
	    " i AS (INSERT INTO jobs (user_id, provider, model, request, key_source, key_id, key_nonce," \
	    "  key_sealed, priority, batch_id, item_index, fair_seq)" \
	    "  SELECT $2, $9, $10, t.value, $11, $12::uuid, $13::bytea, $14::bytea, 0, (SELECT id FROM b)," \
	    "  (t.ord - 1)::int, (t.ord - 1)::int FROM jsonb_array_elements($8::jsonb) WITH ORDINALITY AS t(value, ord)" \
	    "  RETURNING 1)" \
	    " SELECT pg_notify('" IG_JOB_CHANNEL_QUEUED "', $9) WHERE EXISTS (SELECT 1 FROM i)") \
	X(SQL_CANCEL, \
	    "WITH q AS (UPDATE jobs SET status = 'canceled', finished_at = now(), error_code = 'canceled'," \
	    "  error_message = 'the batch was canceled' WHERE batch_id = $1 AND status = 'queued' RETURNING id, item_index)," \
	    " rn AS (UPDATE jobs SET cancel_requested = true WHERE batch_id = $1 AND status = 'running' RETURNING id, item_index)," \
	    " b AS (UPDATE batches SET canceled = canceled OR EXISTS (SELECT 1 FROM q) OR EXISTS (SELECT 1 FROM rn)," \
	    "  completed_at = CASE WHEN NOT EXISTS (SELECT 1 FROM rn) THEN coalesce(completed_at, now()) END" \
	    "  WHERE id = $1)" \
	    " SELECT (SELECT count(DISTINCT item_index) FROM (SELECT item_index FROM q UNION SELECT item_index FROM rn) x)," \
	    " (SELECT count(pg_notify('" IG_JOB_CHANNEL_CANCEL "', id::text)) FROM rn)," \
	    " pg_notify('" IG_BATCH_CHANNEL "', $1::text)") \
	/* Every item of the batch; ended ones first, in the order they ended. */ \
	X(SQL_STREAM_ITEMS, \
	    "SELECT item_index, status, coalesce(finished_at::text, '-'), error_code, error_message," \
	    " coalesce(error_step, -1), error_branch" \
	    " FROM batch_items WHERE batch_id = $1 ORDER BY finished_at NULLS LAST, item_index") \
	/* The final images of some items: their succeeded chains'. */ \
	X(SQL_IMAGES_OF_ITEMS, \
	    "SELECT l.item_index, i.id, i.filename, i.thumbnail, " BRANCH("l", "i") \
	    " FROM batch_item_jobs l JOIN images i ON i.job_id = l.id" \
	    " WHERE l.batch_id = $1 AND l.item_index = ANY($2::int[]) AND l.status = 'succeeded'" \
	    " ORDER BY l.item_index, " LEAF_ORDER("l") ", i.idx") \
	X(SQL_BATCH_IMAGES, \
	    "SELECT j.item_index, i.filename, i.prompt, i.seed, i.provider, i.model," \
	    " extract(epoch FROM i.created_at)::bigint, l.chain, l.branch" \
	    " FROM images i JOIN batch_item_jobs j ON j.id = i.job_id" \
	    /* Its lineage, first ancestor first (a workflow's chain), and \
	     * the index of each of its images in its job. */ \
	    " CROSS JOIN LATERAL (WITH RECURSIVE c (id, parent_id, operation, filename, idx, depth) AS (" \
	    "  SELECT i.id, i.parent_id, i.operation, i.filename, i.idx, 0" \
	    "  UNION ALL SELECT p.id, p.parent_id, p.operation, p.filename, p.idx, c.depth + 1" \
	    "  FROM images p JOIN c ON p.id = c.parent_id WHERE c.depth < 32)" \
	    "  SELECT json_agg(json_build_object('image_id', id, 'operation', operation, 'filename', filename)" \
	    "  ORDER BY depth DESC)::text AS chain, string_agg(idx::text, '.' ORDER BY depth DESC) AS branch FROM c) l" \
	    " WHERE j.batch_id = $1 AND j.status = 'succeeded'" \
	    " ORDER BY j.item_index, " LEAF_ORDER("j") ", i.idx") \
	/* The next step of an item, one job per request of $4 (per image of \
	 * the step before), queued; or, when its batch was canceled \
	 * meanwhile (the step before ended after the cancel), already \
	 * canceled, so that the item's chains say it was canceled and not \
	 * that it succeeded part way. None when the parent has children \
	 * already. Counts the queued ones. */ \
	X(SQL_ITEM_NEXT, \
	    "WITH i AS (INSERT INTO jobs (user_id, provider, model, request, key_source, priority, batch_id," \
	    "  item_index, fair_seq, parent_job_id, status, finished_at, error_code, error_message)" \
	    "  SELECT p.user_id, $2, $3, r.value, 'none', p.priority, p.batch_id, p.item_index, p.fair_seq, p.id," \
	    "  CASE WHEN b.canceled THEN 'canceled' ELSE 'queued' END, CASE WHEN b.canceled THEN now() END," \
	    "  CASE WHEN b.canceled THEN 'canceled' END, CASE WHEN b.canceled THEN 'the batch was canceled' END" \
	    "  FROM jobs p JOIN batches b ON b.id = p.batch_id CROSS JOIN jsonb_array_elements($4::jsonb) r" \
	    "  WHERE p.id = $1 AND NOT EXISTS (SELECT 1 FROM jobs c WHERE c.parent_job_id = p.id) RETURNING status)" \
	    " SELECT count(*) FILTER (WHERE status = 'queued')," \
	    " (SELECT count(pg_notify('" IG_JOB_CHANNEL_QUEUED "', $2)) FROM (SELECT 1 FROM i WHERE status = 'queued' LIMIT 1) x)" \
	    " FROM i")
IG_DB_STATEMENTS(STATEMENTS);

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

	if (!is_uuid(batch_id) || user_id == NULL || *user_id == '\0')
		return 0;
	return ig_db_any(sql[SQL_OWNED], 2, p, IG_DB_IDEMPOTENT, err);
}

int
ig_batch_failed_on_server_key(const char *batch_id, char **ids, int *images, char provider[IG_PROVIDER_BUF], ig_err *err)
{
	const char *p[1] = { batch_id };
	PGresult *r = ig_db_exec(sql[SQL_FAILED_ON_SERVER_KEY], 1, p,
	    IG_DB_IDEMPOTENT, err);

	*ids = NULL;
	if (r == NULL)
		return -1;
	*ids = ig_xstrdup(PQgetvalue(r, 0, 0));
	*images = atoi(PQgetvalue(r, 0, 1));
	snprintf(provider, IG_PROVIDER_BUF, "%s", PQgetvalue(r, 0, 2));
	PQclear(r);
	return 0;
}

int
ig_batch_retry_failed(const char *batch_id, const char *server_ids, int *retried, int *server_images,
    ig_err *err)
{
	const char *p[2] = { batch_id, server_ids };
	PGresult *r = ig_db_exec(sql[SQL_RETRY_FAILED], 2, p, 0, err);

	if (r == NULL)
		return -1;
	*retried = atoi(PQgetvalue(r, 0, 0));
	*server_images = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

/* Row i of a summary statement as the status object of batch.h. */
static json_object *
summary_json(PGresult *r, int i)
{
	json_object *o, *pr;
	int queued = atoi(PQgetvalue(r, i, COL_Q)), running = atoi(PQgetvalue(r, i, COL_R));
	int done = atoi(PQgetvalue(r, i, COL_D)), failed = atoi(PQgetvalue(r, i, COL_F));
	int canceled = atoi(PQgetvalue(r, i, COL_C)), total = atoi(PQgetvalue(r, i, COL_TOTAL));

	o = json_object_new_object();
	json_object_object_add(o, "batch_id", json_object_new_string(PQgetvalue(r, i, COL_ID)));
	json_object_object_add(o, "name", PQgetisnull(r, i, COL_NAME) ? NULL :
	    json_object_new_string(PQgetvalue(r, i, COL_NAME)));
	json_object_object_add(o, "status", json_object_new_string(PQgetvalue(r, i, COL_STATE)));
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
	if (queued + running > 0 && strcmp(PQgetvalue(r, i, COL_CANCELED), "t") != 0) {
		/* Remaining items over the concurrency this batch is getting,
		 * at the duration its items (or the provider's) are taking. */
		const ig_provider_ops *ops = ig_provider_find(PQgetvalue(r, i, COL_PROVIDER));
		double each = PQgetisnull(r, i, COL_EACH) ? (ops ? ops->caps.latency_s : 10) :
		    atof(PQgetvalue(r, i, COL_EACH));
		int lanes = running > 0 ? running : 1;
		time_t eta;
		struct tm tm;
		char buf[40];
		if (each <= 0.001)
			each = 0.001;
		eta = time(NULL) + (time_t)(each * ((queued + running + lanes - 1) / lanes) + 0.5);
		gmtime_r(&eta, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_object_add(o, "estimated_completion", json_object_new_string(buf));
	} else {
		json_object_object_add(o, "estimated_completion", NULL);
	}
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, i, COL_CREATED)));
	json_object_object_add(o, "started_at", PQgetisnull(r, i, COL_STARTED) ? NULL :
	    json_object_new_string(PQgetvalue(r, i, COL_STARTED)));
	json_object_object_add(o, "completed_at", PQgetisnull(r, i, COL_COMPLETED) ? NULL :
	    json_object_new_string(PQgetvalue(r, i, COL_COMPLETED)));
	return o;
}

static json_object *
items_json(const char *batch_id, ig_err *err)
{
	const char *p[1] = { batch_id };
	PGresult *r = ig_db_exec(sql[SQL_ITEMS_OF_BATCH], 1, p, IG_DB_IDEMPOTENT, err);
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
			/* A workflow's: the step and branch of the chain that ended it. */
			if (!PQgetisnull(r, i, 9)) {
				json_object_object_add(e, "step", json_object_new_int(atoi(PQgetvalue(r, i, 9))));
				json_object_object_add(e, "branch", json_object_new_string(PQgetvalue(r, i, 10)));
			}
		}
		json_object_object_add(it, "error", e);
		{
			json_object *ch = json_object_new_object();
			json_object_object_add(ch, "total", json_object_new_int(atoi(PQgetvalue(r, i, 11))));
			json_object_object_add(ch, "succeeded", json_object_new_int(atoi(PQgetvalue(r, i, 12))));
			json_object_object_add(it, "chains", ch);
		}
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
	json_object *o;

	if (!is_uuid(batch_id)) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
		return NULL;
	}
	r = ig_db_exec(sql[SQL_STATUS], 1, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
		return NULL;
	}
	o = summary_json(r, 0);
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

json_object *
ig_batch_list(const char *user_id, const char *status, const ig_page *pg, char **next_cursor, ig_err *err)
{
	const char *p[5] = { user_id, status && *status ? status : NULL, pg->has_after ? pg->after_key : NULL,
		pg->has_after ? pg->after_id : NULL, pg->limit_plus_one };

	return ig_page_run(pg, IG_BATCH_PAGE_SCOPE, sql[SQL_LIST], 5, p, summary_json, COL_KEY, COL_ID, next_cursor,
	    err);
}

void
ig_batch_item_ended(const ig_job *job)
{
	const char *p[3];
	char idx[16];
	PGresult *r;
	ig_err err;
	int closed;

	if (job->batch_id[0] == '\0')
		return;
	snprintf(idx, sizeof(idx), "%d", job->item_index);
	p[0] = job->batch_id;
	p[1] = job->id;
	p[2] = idx;
	/* Close the batch when nothing of it is left to run, and wake its
	 * listeners either way. */
	r = ig_db_exec(sql[SQL_ITEM_ENDED], 3, p, 0, &err);
	if (r == NULL) {
		ig_logf(IG_LOG_WARN, "batch_update_failed", "batch %s: %s", job->batch_id, err.message);
		return;
	}
	closed = atoi(PQgetvalue(r, 0, 1)) > 0;
	if (!PQgetisnull(r, 0, 4) && strcmp(PQgetvalue(r, 0, 3), "t") == 0 && strcmp(PQgetvalue(r, 0, 5), "t") == 0) {
		/* Per-item webhook: the item's own state, once it ended. */
		(void)ig_webhook_queue_item(job->batch_id, job->item_index, &err);
	}
	if (closed && !PQgetisnull(r, 0, 2)) {
		json_object *st = ig_batch_status(job->batch_id, 0, &err);
		if (st != NULL) {
			json_object *payload = json_object_new_object();
			json_object_object_add(payload, "type", json_object_new_string("batch.completed"));
			json_object_object_add(payload, "data", st);
			(void)ig_webhook_queue_completed(job->batch_id, payload, &err);
			json_object_put(payload);
		}
	}
	PQclear(r);
}

int
ig_batch_open_items(const char *user_id, int *n, ig_err *err)
{
	const char *p[1] = { user_id };
	int64_t v;

	if (ig_db_int64(sql[SQL_OPEN_ITEMS], 1, p, IG_DB_IDEMPOTENT, &v, err) != 0)
		return -1;
	*n = (int)v;
	return 0;
}

int
ig_batch_insert(const ig_batch_new *b, ig_err *err)
{
	char total[24];
	const char *p[14] = { b->id, b->user_id, b->name, total,
		json_object_to_json_string_ext(b->settings, JSON_C_TO_STRING_PLAIN), b->callback_url,
		b->webhook_per_item ? "t" : "f", json_object_to_json_string_ext(b->items, JSON_C_TO_STRING_PLAIN),
		b->provider, b->model };

	snprintf(total, sizeof(total), "%d", b->total);
	return ig_job_run_keyed(sql[SQL_INSERT], 14, p, 10, b->key, err);
}

int
ig_batch_cancel(const char *batch_id, int *n, ig_err *err)
{
	const char *p[1] = { batch_id };
	int64_t v;

	if (ig_db_int64(sql[SQL_CANCEL], 1, p, 0, &v, err) != 0)
		return -1;
	*n = (int)v;
	return 0;
}

int
ig_batch_item_next(const ig_job *parent, const char *provider, const char *model, json_object *requests,
    int *queued, ig_err *err)
{
	const char *p[4] = { parent->id, provider, model, json_object_to_json_string_ext(requests, JSON_C_TO_STRING_PLAIN) };
	int64_t v;

	if (ig_db_int64(sql[SQL_ITEM_NEXT], 4, p, 0, &v, err) != 0)
		return -1;
	*queued = (int)v;
	return 0;
}

static char *
dup_or_null(PGresult *r, int i, int c)
{
	return PQgetisnull(r, i, c) ? NULL : ig_xstrdup(PQgetvalue(r, i, c));
}

static void
item_row(PGresult *r, int i, void *elem)
{
	ig_batch_item *it = elem;

	it->index = (int)strtol(PQgetvalue(r, i, 0), NULL, 10);
	snprintf(it->status, sizeof(it->status), "%s", PQgetvalue(r, i, 1));
	snprintf(it->finished_at, sizeof(it->finished_at), "%s", PQgetvalue(r, i, 2));
	it->error_code = dup_or_null(r, i, 3);
	it->error_message = dup_or_null(r, i, 4);
	it->error_step = atoi(PQgetvalue(r, i, 5));
	it->error_branch = dup_or_null(r, i, 6);
}

int
ig_batch_items(const char *batch_id, ig_batch_item **items, int *n, ig_err *err)
{
	return IG_DB_ARRAY_OF(sql[SQL_STREAM_ITEMS], batch_id, item_row, items, n, err);
}

void
ig_batch_items_free(ig_batch_item *items, int n)
{
	static const size_t strs[] = { IG_DB_STR(ig_batch_item, error_code),
		IG_DB_STR(ig_batch_item, error_message), IG_DB_STR(ig_batch_item, error_branch), IG_DB_STRS_END };

	ig_db_array_free(items, n, sizeof(*items), strs);
}

json_object *
ig_batch_images_of_items(const char *batch_id, const int *indexes, int n, ig_err *err)
{
	ig_buf ids = { 0 };
	const char *p[2];
	PGresult *r;
	json_object *map;

	ig_buf_puts(&ids, "{");
	for (int k = 0; k < n; k++)
		ig_buf_printf(&ids, "%s%d", k ? "," : "", indexes[k]);
	ig_buf_puts(&ids, "}");
	p[0] = batch_id;
	p[1] = ids.data;
	r = ig_db_exec(sql[SQL_IMAGES_OF_ITEMS], 2, p, IG_DB_IDEMPOTENT, err);
	ig_buf_free(&ids);
	if (r == NULL)
		return NULL;
	map = json_object_new_object();
	for (int k = 0; k < PQntuples(r); k++) {
		json_object *list = NULL, *m = json_object_new_object();
		char *url = ig_xasprintf("/generated_images/%s", PQgetvalue(r, k, 2));
		if (!json_object_object_get_ex(map, PQgetvalue(r, k, 0), &list)) {
			list = json_object_new_array();
			json_object_object_add(map, PQgetvalue(r, k, 0), list);
		}
		json_object_object_add(m, "id", PQgetisnull(r, k, 1) ? NULL : json_object_new_string(PQgetvalue(r, k, 1)));
		json_object_object_add(m, "filename", PQgetisnull(r, k, 2) ? NULL :
		    json_object_new_string(PQgetvalue(r, k, 2)));
		json_object_object_add(m, "url", json_object_new_string(url));
		free(url);
		url = PQgetisnull(r, k, 3) || *PQgetvalue(r, k, 3) == '\0' ? NULL :
		    ig_xasprintf("/generated_images/%s", PQgetvalue(r, k, 3));
		json_object_object_add(m, "thumbnail_url", url ? json_object_new_string(url) : NULL);
		json_object_object_add(m, "branch", json_object_new_string(PQgetvalue(r, k, 4)));
		json_object_array_add(list, m);
		free(url);
	}
	PQclear(r);
	return map;
}

static void
image_row(PGresult *r, int i, void *elem)
{
	ig_batch_image *im = elem;

	im->index = atoi(PQgetvalue(r, i, 0));
	im->filename = ig_xstrdup(PQgetvalue(r, i, 1));
	im->prompt = dup_or_null(r, i, 2);
	im->has_seed = !PQgetisnull(r, i, 3);
	im->seed = im->has_seed ? strtoll(PQgetvalue(r, i, 3), NULL, 10) : 0;
	im->provider = dup_or_null(r, i, 4);
	im->model = dup_or_null(r, i, 5);
	im->created = (time_t)strtoll(PQgetvalue(r, i, 6), NULL, 10);
	im->chain = dup_or_null(r, i, 7);
	im->branch = dup_or_null(r, i, 8);
}

int
ig_batch_images(const char *batch_id, ig_batch_image **ims, int *n, ig_err *err)
{
	return IG_DB_ARRAY_OF(sql[SQL_BATCH_IMAGES], batch_id, image_row, ims, n, err);
}

void
ig_batch_images_free(ig_batch_image *ims, int n)
{
	static const size_t strs[] = { IG_DB_STR(ig_batch_image, filename), IG_DB_STR(ig_batch_image, prompt),
		IG_DB_STR(ig_batch_image, provider), IG_DB_STR(ig_batch_image, model), IG_DB_STR(ig_batch_image, chain),
		IG_DB_STR(ig_batch_image, branch), IG_DB_STRS_END };

	ig_db_array_free(ims, n, sizeof(*ims), strs);
}
