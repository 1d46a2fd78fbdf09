/*
 * batch.h — batches (API.md "Batches"): one batches row and one job per
 * prompt (jobs.batch_id, item_index); a batch's state and counters are
 * derived from its jobs, never stored twice.
 */
#ifndef IG_JOBS_BATCH_H
#define IG_JOBS_BATCH_H

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/jobs/queue.h"

/* 1 when batch_id (any string) names a batch of user_id, 0 when not (a
 * malformed id, another user's batch, no such batch), -1 with err. */
int ig_batch_owned(const char *batch_id, const char *user_id, ig_err *err);

/*
 * The status of API.md (seed shape plus ours): {batch_id, name, status:
 * queued|processing|completed|partial|failed|canceled, progress:
 * {completed, failed, canceled, running, queued, total, percentage},
 * estimated_completion, created_at, started_at, completed_at}; with_items
 * adds items: [{index, prompt, status, attempts, images: [{id, filename,
 * url, seed}], error: {code, message} | null, started_at, finished_at}].
 * NULL with err (not_found when there is no such batch).
 */
json_object *ig_batch_status(const char *batch_id, int with_items, ig_err *err);

/* A batch job ended (succeeded, failed or canceled): wake its listeners
 * (NOTIFY ig_batch_event), close the batch when no item is left, and queue
 * its webhooks. Errors are logged, not returned: the job's own state is
 * already recorded. */
void ig_batch_item_ended(const ig_job *job);

#endif
