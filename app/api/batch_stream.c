/* batch_stream.c — the streamed batch routes; see batch_stream.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/batch_stream.h"
#include "lib/auth/ticket.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/zip.h"
#include "lib/jobs/batch.h"
#include "lib/jobs/waiter.h"
#include "lib/store/image_store.h"

#define POLL_MS        2000            /* re-scan even without a notification */
#define KEEPALIVE_MS   15000           /* comment line, so proxies keep the stream */
#define MIN_SCAN_MS    200             /* coalesce bursts of item notifications */
#define LIFETIME_MS    (3600 * 1000)   /* a stream never holds a thread longer */
#define MAX_DB_FAILS   5               /* consecutive failed scans that end it */
#define FINISH_WAITS   3               /* scans to wait for the batch to be closed */
#define MAX_ITEMS      100000          /* item_index bound for the sent table */
#define CHUNK          65536

/* ?ticket= of POST /api/batch/{batch_id}/events-ticket. */
struct ticket_query {
	const char *ticket;
};

static const ig_field ticket_query[] = {
	{ "ticket", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct ticket_query, ticket), .bytes = IG_TICKET_MAX - 1 },
	IG_FIELDS_END
};

/* The {batch_id} of the route when the caller owns it; NULL with err
 * (404 for a malformed id or another user's batch, as everywhere). */
static const char *
owned_batch(ig_req *req, ig_err *err)
{
	const char *id = ig_req_param(req, "batch_id");
	struct ticket_query q = { NULL };
	int rc;

	if (id == NULL || !ig_is_uuid(id)) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
		return NULL;
	}
	/* A browser's EventSource cannot send Authorization: it brings the
	 * ticket of POST /api/batch/{id}/events-ticket instead. */
	if (!req->caller.authenticated) {
		if (ig_fields_query(req, ticket_query, &q, err) != 0 || q.ticket == NULL ||
		    ig_ticket_check(q.ticket, "batch-events", id, (int64_t)time(NULL), req->caller.user_id) != 0) {
			ig_err_set(err, IG_E_UNAUTHORIZED, NULL,
			    "send Authorization: Bearer, or ?ticket= from POST /api/batch/{batch_id}/events-ticket");
			return NULL;
		}
		/* The pipeline counted the stream against the address: the
		 * ticket names the user it counts against. */
		if (ig_req_hold_as_user(req, err) != 0)
			return NULL;
	}
	rc = ig_batch_owned(id, req->caller.user_id, err);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such batch");
		return NULL;
	}
	return id;
}

/* ---- Server-Sent Events ---------------------------------------------- */

typedef struct sse {
	ig_stream *s;
	const char *batch_id;
	char (*sent)[48];       /* per item_index: "status|finished_at" last sent */
	int nsent;
	int64_t last_write_ms;
	long resume_after;      /* Last-Event-ID, or -1 */
	int db_fails;
	int finish_waits;       /* scans that found no item left, batch not closed */
} sse;

static int
sse_write(sse *e, const char *text, size_t n)
{
	if (ig_stream_write(e->s, text, n) != 0)
		return -1;
	e->last_write_ms = ig_now_ms();
	return 0;
}

/* One event (WHATWG HTML 9.2.6: "event", "id", "data" fields, a blank line
 * ends it). data is one line: JSON text never holds a raw newline. */
static int
sse_event(sse *e, const char *event, long id, json_object *data)
{
	ig_buf b = { 0 };
	int rc;

	ig_buf_printf(&b, "event: %s\n", event);
	if (id >= 0)
		ig_buf_printf(&b, "id: %ld\n", id);
	ig_buf_printf(&b, "data: %s\n\n", json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	rc = sse_write(e, b.data, b.len);
	ig_buf_free(&b);
	return rc;
}

static int
ended(const char *status)
{
	return strcmp(status, "succeeded") == 0 || strcmp(status, "failed") == 0 ||
	    strcmp(status, "canceled") == 0;
}

/* The sent-table slot of item index idx, growing the table; NULL for an
 * index out of bounds (never sent, so at worst re-sent). */
static char *
sent_slot(sse *e, int idx)
{
	if (idx < 0 || idx >= MAX_ITEMS)
		return NULL;
	if (idx >= e->nsent) {
		int n = idx + 64;
		e->sent = ig_xrealloc(e->sent, (size_t)n * sizeof(*e->sent));
		memset(e->sent + e->nsent, 0, (size_t)(n - e->nsent) * sizeof(*e->sent));
		e->nsent = n;
	}
	return e->sent[idx];
}

static void
sent_key(const ig_batch_item *it, char out[48])
{
	snprintf(out, 48, "%s|%s", it->status, it->finished_at);
}

/*
 * A reconnecting EventSource sends the id of the last event it saw: treat
 * every ended item up to and including that one, in the stream's order, as
 * sent. An id that names no ended item resumes nothing (all is re-sent:
 * duplicates are better than gaps).
 */
static void
apply_resume(sse *e, const ig_batch_item *items, int n)
{
	int found = -1;

	for (int i = 0; i < n && ended(items[i].status); i++) {
		if (items[i].index == e->resume_after) {
			found = i;
			break;
		}
	}
	for (int i = 0; i <= found; i++) {
		char *slot = sent_slot(e, items[i].index);
		if (slot != NULL)
			sent_key(&items[i], slot);
	}
	e->resume_after = -1;
}

static json_object *
string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* The item event of it; its images from images (item index -> array). */
static json_object *
item_json(const sse *e, const ig_batch_item *it, json_object *images)
{
	json_object *o = json_object_new_object(), *imgs = NULL;
	char key[16];

	snprintf(key, sizeof(key), "%d", it->index);
	if (images == NULL || !json_object_object_get_ex(images, key, &imgs) || imgs == NULL)
		imgs = json_object_new_array();
	else
		json_object_get(imgs);
	json_object_object_add(o, "batch_id", json_object_new_string(e->batch_id));
	json_object_object_add(o, "index", json_object_new_int(it->index));
	json_object_object_add(o, "status", json_object_new_string(it->status));
	json_object_object_add(o, "images", imgs);
	if (it->error_code != NULL) {
		json_object *er = json_object_new_object();
		json_object_object_add(er, "code", json_object_new_string(it->error_code));
		json_object_object_add(er, "message", string_or_null(it->error_message));
		if (it->error_step >= 0) {
			json_object_object_add(er, "step", json_object_new_int(it->error_step));
			json_object_object_add(er, "branch", string_or_null(it->error_branch));
		}
		json_object_object_add(o, "error", er);
	} else {
		json_object_object_add(o, "error", NULL);
	}
	return o;
}

/* Send the events of the items in unsent (positions in items, in order). */
static int
send_items(sse *e, const ig_batch_item *items, const int *unsent, int n)
{
	int *indexes = ig_xcalloc((size_t)n + 1, sizeof(*indexes));
	json_object *images;
	ig_err err;
	int rc = 0;

	for (int k = 0; k < n; k++)
		indexes[k] = items[unsent[k]].index;
	images = ig_batch_images_of_items(e->batch_id, indexes, n, &err);
	free(indexes);
	if (images == NULL) {
		/* Nothing marked sent: the next scan tries these again. */
		ig_logf(IG_LOG_WARN, "batch_events_db", "%s", err.message);
		return 0;
	}
	for (int k = 0; k < n && rc == 0; k++) {
		const ig_batch_item *it = &items[unsent[k]];
		const char *ev = strcmp(it->status, "succeeded") == 0 ? "item.completed" :
		    strcmp(it->status, "failed") == 0 ? "item.failed" : "item.canceled";
		json_object *o = item_json(e, it, images);
		char *slot = sent_slot(e, it->index);

		rc = sse_event(e, ev, it->index, o);
		json_object_put(o);
		if (rc == 0 && slot != NULL)
			sent_key(it, slot);
	}
	json_object_put(images);
	return rc;
}

/*
 * One look at the batch: send every ended item not yet sent (again when an
 * item ended anew after a retry), then batch.finished when no item is
 * queued or running. 1 when the stream is over, 0 to keep waiting, -1 when
 * the client is gone.
 */
static int
scan(sse *e)
{
	ig_err err;
	ig_batch_item *items = NULL;
	int n = 0, *unsent, nunsent = 0, pending = 0, rc;

	if (ig_batch_items(e->batch_id, &items, &n, &err) != 0) {
		ig_logf(IG_LOG_WARN, "batch_events_db", "%s", err.message);
		return ++e->db_fails >= MAX_DB_FAILS ? -1 : 0;
	}
	e->db_fails = 0;
	if (e->resume_after >= 0)
		apply_resume(e, items, n);
	unsent = ig_xcalloc((size_t)n + 1, sizeof(*unsent));
	for (int i = 0; i < n; i++) {
		char key[48], *slot;

		if (!ended(items[i].status)) {
			pending++;
			continue;
		}
		sent_key(&items[i], key);
		slot = sent_slot(e, items[i].index);
		if (slot == NULL || strcmp(slot, key) != 0)
			unsent[nunsent++] = i;
	}
	rc = nunsent > 0 ? send_items(e, items, unsent, nunsent) : 0;
	free(unsent);
	if (rc == 0 && pending == 0 && n > 0) {
		/* Every ended item was sent above (or the scan before): the
		 * status read now cannot be older than them. */
		json_object *st = ig_batch_status(e->batch_id, 0, &err), *done = NULL;
		if (st == NULL) {
			ig_logf(IG_LOG_WARN, "batch_events_db", "%s", err.message);
		} else if ((!json_object_object_get_ex(st, "completed_at", &done) || done == NULL) &&
		    e->finish_waits++ < FINISH_WAITS) {
			/* The last item's state is committed a moment before the
			 * runner closes the batch (ig_batch_item_ended), whose
			 * notification wakes us again: wait for it, so the final
			 * status carries completed_at, but not forever. */
			json_object_put(st);
		} else {
			rc = sse_event(e, "batch.finished", -1, st);
			json_object_put(st);
			if (rc == 0)
				rc = 1;
		}
	}
	ig_batch_items_free(items, n);
	if (rc >= 0 && ig_stream_flush(e->s) != 0)
		rc = -1;
	return rc;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The wait loop: scan, then sleep until a notification of this batch, the
 * poll interval or the next keep-alive, whichever comes first. */
static int
sse_run(sse *e)
{
	int64_t end = ig_now_ms() + LIFETIME_MS, last_scan = 0;
	ig_wait w;
	int rc = 0;

	/* Registered before the first scan: an item ending between the scan
	 * and the wait still wakes it. */
	ig_waiter_register(&w, e->batch_id);
	for (;;) {
		int64_t now = ig_now_ms(), until;

		if (now - last_scan < MIN_SCAN_MS)
			sleep_ms(last_scan + MIN_SCAN_MS - now);
		last_scan = ig_now_ms();
		if ((rc = scan(e)) != 0)
			break;
		now = ig_now_ms();
		if (now >= end) {
			/* The browser reconnects with Last-Event-ID and resumes. */
			rc = sse_write(e, ": stream lifetime reached\n\n", 27);
			break;
		}
		until = now + POLL_MS;
		if (until > e->last_write_ms + KEEPALIVE_MS)
			until = e->last_write_ms + KEEPALIVE_MS;
		if (until > end)
			until = end;
		ig_waiter_wait(&w, until);
		if (ig_now_ms() - e->last_write_ms >= KEEPALIVE_MS &&
		    (sse_write(e, ": keep-alive\n\n", 14) != 0 || ig_stream_flush(e->s) != 0)) {
			rc = -1;
			break;
		}
	}
	ig_waiter_unregister(&w);
	return rc < 0 ? -1 : 0;
}

int
ig_api_batch_events(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const headers[] = { NULL };
	const char *id = owned_batch(req, err), *last;
	sse e = { .s = req->stream, .resume_after = -1 };
	int64_t v;
	int rc;

	(void)out;
	if (id == NULL)
		return IG_FAILED;
	e.batch_id = id;
	last = ig_req_header(req, "Last-Event-ID");
	if (last != NULL && ig_parse_int64(last, 0, MAX_ITEMS - 1, &v) == 0)
		e.resume_after = (long)v;
	rc = ig_stream_begin(req->stream, 200, "text/event-stream; charset=utf-8", headers);
	if (rc == 0 && strcmp(req->method, "HEAD") != 0) {
		/* retry: how long a browser waits before reconnecting (ms). */
		rc = sse_write(&e, "retry: 3000\n\n", 13);
		if (rc == 0)
			(void)sse_run(&e);
	}
	free(e.sent);
	return IG_STREAMED;
}

/* ---- ZIP download ---------------------------------------------------- */

/* The archive's sink: the stream, until IG_ZIP_MAX_SECONDS after the
 * start (a reader slow enough to take longer loses the rest; a reader that
 * takes nothing for IG_STREAM_WRITE_TIMEOUT is dropped by the write). */
typedef struct zip_out {
	ig_stream *s;
	int64_t end_ms;
} zip_out;

static int
zip_to_stream(void *ctx, const void *p, size_t n)
{
	zip_out *o = ctx;

	if (ig_now_ms() >= o->end_ms) {
		ig_logf(IG_LOG_WARN, "batch_zip_lifetime", "IG_ZIP_MAX_SECONDS (%d s) reached",
		    ig_cfg()->zip_max_seconds);
		return -1;
	}
	return ig_stream_write(o->s, p, n);
}

/* Copy filename from the image store into a new entry, CHUNK bytes at a
 * write. 1 when the image is not there (no entry written), 0 when copied,
 * -1 when the archive cannot go on (client gone, store unreadable: a
 * truncated archive is refused by every reader, a silently missing image
 * would not be). */
static int
zip_file(ig_zip *z, const char *filename, time_t mtime)
{
	unsigned char *data = NULL;
	size_t len, off;
	ig_err err;
	int rc = 0, got;

	/* Stored names are flat; anything else is not ours to read. */
	if (filename[0] == '.' || strchr(filename, '/') != NULL)
		return 1;
	got = ig_images_get(filename, IG_IMAGE_READ_MAX, &data, &len, &err);
	if (got < 0)
		ig_logf(IG_LOG_ERROR, "batch_zip_read", "%s: %s", filename, err.message);
	if (got != 1 || ig_zip_begin_entry(z, filename, mtime) != 0) {
		free(data);
		return got < 0 ? -1 : 1;
	}
	for (off = 0; rc == 0 && off < len; off += CHUNK)
		rc = ig_zip_write(z, data + off, len - off < CHUNK ? len - off : CHUNK) == 0 ? 0 : -1;
	free(data);
	if (rc == 0 && ig_zip_end_entry(z) != 0)
		rc = -1;
	return rc;
}

static json_object *
manifest_row(const ig_batch_image *im, int present)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "index", json_object_new_int(im->index));
	json_object_object_add(m, "prompt", string_or_null(im->prompt));
	json_object_object_add(m, "seed", im->has_seed ? json_object_new_int64(im->seed) : NULL);
	json_object_object_add(m, "provider", string_or_null(im->provider));
	json_object_object_add(m, "model", string_or_null(im->model));
	json_object_object_add(m, "file", present ? string_or_null(im->filename) : NULL);
	json_object_object_add(m, "branch", string_or_null(im->branch));
	if (im->chain != NULL) {
		ig_err perr;
		json_object_object_add(m, "chain", ig_json_parse(im->chain, strlen(im->chain), 64, &perr));
	}
	return m;
}

/* Every image, then manifest.json; 0 when the archive is complete. */
static int
zip_batch(ig_zip *z, const ig_batch_image *ims, int n)
{
	json_object *manifest = json_object_new_array();
	const char *text;
	size_t len;
	int rc = 0;

	for (int i = 0; i < n && rc >= 0; i++) {
		rc = zip_file(z, ims[i].filename, ims[i].created);
		if (rc == 1)
			ig_logf(IG_LOG_WARN, "batch_zip_missing", "%s is not in the image store", ims[i].filename);
		if (rc >= 0)
			json_object_array_add(manifest, manifest_row(&ims[i], rc == 0));
	}
	if (rc >= 0) {
		text = json_object_to_json_string_length(manifest, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		rc = ig_zip_begin_entry(z, "manifest.json", time(NULL)) == 0 &&
		    ig_zip_write(z, text, len) == 0 && ig_zip_end_entry(z) == 0 &&
		    ig_zip_finish(z) == 0 ? 0 : -1;
	}
	json_object_put(manifest);
	return rc < 0 ? -1 : 0;
}

int
ig_api_batch_download(ig_req *req, json_object **out, ig_err *err)
{
	ig_stream *s = req->stream;
	const char *id = owned_batch(req, err);
	char disposition[128];
	const char *headers[2] = { disposition, NULL };
	ig_batch_image *ims = NULL;
	ig_zip *z;
	int n = 0, rc;

	(void)out;
	if (id == NULL)
		return IG_FAILED;
	/* The rows (names, prompts) are read before the answer starts, so a
	 * database error is still a JSON error; no connection is held while
	 * the archive is written. */
	if (ig_batch_images(id, &ims, &n, err) != 0)
		return IG_FAILED;
	/* id is a UUID (owned_batch): nothing in it can break the header. */
	snprintf(disposition, sizeof(disposition), "Content-Disposition: attachment; filename=\"batch-%s.zip\"", id);
	rc = ig_stream_begin(s, 200, "application/zip", headers);
	if (rc == 0 && strcmp(req->method, "HEAD") != 0) {
		zip_out o = { s, ig_now_ms() + (int64_t)ig_cfg()->zip_max_seconds * 1000 };
		z = ig_zip_new(zip_to_stream, &o);
		rc = zip_batch(z, ims, n);
		if (rc != 0)
			ig_logf(IG_LOG_WARN, "batch_zip_incomplete", "batch %s: stopped after %llu bytes",
			    id, (unsigned long long)ig_zip_bytes(z));
		ig_zip_free(z);
	}
	ig_batch_images_free(ims, n);
	return IG_STREAMED;
}
