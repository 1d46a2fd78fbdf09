/*
 * batch.h — batches (API.md "Batches"): one batches row and one job per
 * prompt (jobs.batch_id, item_index); a batch's state and counters are
 * derived from its jobs, never stored twice.
 */
#ifndef IG_JOBS_BATCH_H
#define IG_JOBS_BATCH_H

#include <time.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/db/page.h"
#include "lib/jobs/queue.h"

/*
 * The one definition of a batch's state (the status of ig_batch_status):
 * " FROM batches b" with n (its items' counts by status: q, r, d, f, c;
 * avg_s, last_end) and s.state, for a statement to append its WHERE to.
 * Used by batch.c's statements and by lib/analytics (batches by status).
 * An item is a row of batch_items (migration 026): every job of its
 * item_index, a workflow's steps and their fan-out included, its status
 * derived from its chains.
 */
#define IG_BATCH_SUMMARY_FROM \
	" FROM batches b CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE status = 'queued') AS q," \
	"  count(*) FILTER (WHERE status = 'running') AS r, count(*) FILTER (WHERE status = 'succeeded') AS d," \
	"  count(*) FILTER (WHERE status = 'failed') AS f, count(*) FILTER (WHERE status = 'canceled') AS c," \
	"  avg(extract(epoch FROM finished_at - started_at)) FILTER (WHERE status = 'succeeded') AS avg_s," \
	"  max(finished_at) AS last_end" \
	"  FROM batch_items WHERE batch_id = b.id) n" \
	" CROSS JOIN LATERAL (SELECT CASE" \
	"  WHEN n.q + n.r > 0 THEN CASE WHEN n.r + n.d + n.f + n.c > 0 THEN 'processing' ELSE 'queued' END" \
	"  WHEN b.canceled OR (n.c > 0 AND n.d + n.f = 0) THEN 'canceled'" \
	"  WHEN n.f = 0 THEN 'completed' WHEN n.d > 0 THEN 'partial' ELSE 'failed' END AS state) s"

/* 1 when batch_id (any string) names a batch of user_id, 0 when not (a
 * malformed id, another user's batch, no such batch), -1 with err. */
int ig_batch_owned(const char *batch_id, const char *user_id, ig_err *err);

/*
 * The status of API.md (seed shape plus ours): {batch_id, name, status:
 * queued|processing|completed|partial|failed|canceled, progress:
 * {completed, failed, canceled, running, queued, total, percentage},
 * estimated_completion, created_at, started_at, completed_at}; with_items
 * adds items: [{index, prompt, status, attempts, images: [{id, filename,
 * url, thumbnail_url, seed, branch}], error: {code, message, step?,
 * branch?} | null, chains: {total, succeeded}, started_at, finished_at}]:
 * an item's images are the final images of its succeeded chains (a
 * workflow's fan-out: lib/workflow/workflow.h) in branch order; a
 * workflow item's error names the step and branch of the chain that ended
 * it. NULL with err (not_found when there is no such batch).
 */
json_object *ig_batch_status(const char *batch_id, int with_items, ig_err *err);

/* The scope of the batch list's cursors (lib/db/page.h). */
#define IG_BATCH_PAGE_SCOPE "batches"

/*
 * A page of user_id's batches, newest first, as an array of the status
 * objects of ig_batch_status (without items); status (NULL or "" for
 * any) keeps only batches in that state, applied before the page's limit.
 * *next_cursor gets the malloc'ed cursor of the next page, or NULL on the
 * last one. NULL with err.
 */
json_object *ig_batch_list(const char *user_id, const char *status, const ig_page *pg, char **next_cursor,
    ig_err *err);

/*
 * The failed items of batch_id that run on the server's key (key_source
 * 'server'), for the retry to count them against the caller's daily cap
 * first: *ids gets them as a PostgreSQL uuid[] literal ("{}" when none;
 * the caller frees), *images the images they ask for, provider (32 bytes)
 * their provider. 0 or -1 with err.
 */
int ig_batch_failed_on_server_key(const char *batch_id, char **ids, int *images, char provider[IG_PROVIDER_BUF], ig_err *err);

/*
 * Put the failed items of batch_id back in the queue, those on the
 * server's key only when their id is in server_ids (a uuid[] literal, from
 * ig_batch_failed_on_server_key: items that failed since were not counted
 * and stay failed). *retried gets how many went back, *server_images the
 * images of those on the server's key. 0 or -1 with err.
 */
int ig_batch_retry_failed(const char *batch_id, const char *server_ids, int *retried, int *server_images,
    ig_err *err);

/* How many of user_id's batch items are waiting or running (the per-user
 * cap of IG_BATCH_MAX_QUEUED), into *n. 0 or -1 with err. */
int ig_batch_open_items(const char *user_id, int *n, ig_err *err);

/* A batch to insert: its row and one queued job per element of items. */
typedef struct ig_batch_new {
	const char *id;             /* chosen by the caller (uuid) */
	const char *user_id;
	const char *name;           /* NULL for none */
	int total;                  /* the items' count */
	json_object *settings;      /* the batch's settings, as stored */
	const char *callback_url;   /* NULL for none */
	int webhook_per_item;
	json_object *items;         /* array of job requests, item_index order */
	const char *provider;
	const char *model;
	const ig_job_spec *key;     /* key_source, key_id, key_nonce, key_sealed */
} ig_batch_new;

/* Insert the batch and every item in one statement (all or nothing) and
 * wake the runners. 0 or -1 with err. */
int ig_batch_insert(const ig_batch_new *b, ig_err *err);

/* Cancel batch_id: waiting items end now; running ones are flagged and
 * their runners told (NOTIFY), which abandon the provider call; a batch
 * with nothing left running is closed. *n gets the items canceled or
 * flagged. 0 or -1 with err. */
int ig_batch_cancel(const char *batch_id, int *n, ig_err *err);

/* An item of a batch as its event stream sees it (a row of batch_items). */
typedef struct ig_batch_item {
	int index;                /* item_index */
	char status[16];          /* the item's status */
	char finished_at[32];     /* when it ended, as text; "-" while it has not */
	char *error_code;         /* NULL when none */
	char *error_message;      /* NULL when none */
	int error_step;           /* the workflow step of the chain that ended it; -1 when none */
	char *error_branch;       /* that chain's branch ("1.2"); NULL when none */
} ig_batch_item;

/* Every item of batch_id: the ended ones first, in the order they ended,
 * then the others by index. *items (free with ig_batch_items_free) and *n;
 * 0 or -1 with err. */
int ig_batch_items(const char *batch_id, ig_batch_item **items, int *n, ig_err *err);
void ig_batch_items_free(ig_batch_item *items, int n);

/* The final images of the n items (item_index values) of batch_id, those
 * of their succeeded chains: an object from the index (as text) to the
 * array of its images [{id, filename, url, thumbnail_url (null until
 * made), branch}] in branch order (items without images are absent). A
 * new reference, or NULL with err. */
json_object *ig_batch_images_of_items(const char *batch_id, const int *indexes, int n, ig_err *err);

/* An image of a batch, for its ZIP and manifest. */
typedef struct ig_batch_image {
	int index;                /* the item's item_index */
	char *filename;
	char *prompt;             /* NULL when none */
	int has_seed;
	long long seed;
	char *provider;           /* NULL when none */
	char *model;              /* NULL when none */
	time_t created;
	char *chain;              /* its lineage as JSON text: [{image_id, operation,
	                           * filename}], first ancestor first */
	char *branch;             /* the index of each image of the lineage in its
	                           * job, dotted, first ancestor first: "1.2.0" */
} ig_batch_image;

/* Every final image of batch_id (those of its succeeded chains) by item,
 * then branch: *ims (free with ig_batch_images_free) and *n; 0 or -1
 * with err. */
int ig_batch_images(const char *batch_id, ig_batch_image **ims, int *n, ig_err *err);
void ig_batch_images_free(ig_batch_image *ims, int n);

/* Queue the next step of parent's item (a workflow run, lib/workflow):
 * one job of provider and model per element of requests (an array, one
 * per image parent made), in parent's batch and item, whose parent is
 * parent; when the batch was canceled meanwhile, they are recorded
 * canceled instead, so the item ends canceled and not part way. Nothing
 * is queued when parent already has children (its step ran twice: the
 * first run's stand). *queued gets how many were queued. Called before
 * parent is recorded succeeded, so the item is never seen ended in
 * between. 0 or -1 with err. */
int ig_batch_item_next(const ig_job *parent, const char *provider, const char *model, json_object *requests,
    int *queued, ig_err *err);

/* A batch job ended (succeeded, failed or canceled): wake its listeners
 * (NOTIFY ig_batch_event), close the batch when no item is left, and queue
 * its webhooks (the per-item one once, by the job whose end ended its
 * item). Errors are logged, not returned: the job's own state is
 * already recorded. */
void ig_batch_item_ended(const ig_job *job);

#endif
