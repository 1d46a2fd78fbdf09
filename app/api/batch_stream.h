/*
 * batch_stream.h — the streamed batch routes (app/api/batch_stream.c):
 *
 *   GET /api/batch/{batch_id}/events    ig_api_batch_events
 *   GET /api/batch/{batch_id}/download  ig_api_batch_download
 *
 * Both: user access, IG_SCOPE_READ, IG_RATE_GENERAL, in the route table's
 * .stream column: they answer through req->stream and return IG_STREAMED
 * once it is begun (http.h). Another user's batch is a 404.
 */
#ifndef IG_API_BATCH_STREAM_H
#define IG_API_BATCH_STREAM_H

#include "app/fcgi/http.h"

/*
 * Server-Sent Events (WHATWG HTML, "Server-sent events") of one batch:
 * every ended item once, in order of (finished_at, item_index), as
 *   event: item.completed | item.failed | item.canceled
 *   id: <item_index>
 *   data: {"batch_id", "index", "status", "images": [{id, filename, url}],
 *          "error": {code, message} | null}
 * then `event: batch.finished` with the batch status when no item is queued
 * or running, and the stream ends. A reconnecting EventSource sends the
 * last id it saw (Last-Event-ID); the items up to and including that one in
 * the same order are not sent again. ": keep-alive" comments every 15 s;
 * the stream ends after an hour at most (the browser reconnects and
 * resumes).
 */
int ig_api_batch_events(ig_req *req, json_object **out, ig_err *err);

/*
 * The batch's images as a ZIP (application/zip, attachment
 * "batch-<id>.zip"), stored entries named as the files are stored, then
 * manifest.json: [{"index", "prompt", "seed", "provider", "model",
 * "file"}], "file" null for an image whose file is gone. Streamed while it
 * is built; no file or archive is held in memory beyond one chunk.
 */
int ig_api_batch_download(ig_req *req, json_object **out, ig_err *err);

#endif
