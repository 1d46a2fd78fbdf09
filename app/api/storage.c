/*
 * storage.c — API.md "Storage" (issue 14): a user's files of any type in
 * the object store (lib/store/files.h).
 *
 * Upload takes one `file` part (at most IG_MAX_UPLOAD bytes: 413 naming
 * file) or JSON {image_id} to copy one of the caller's gallery images; the
 * content type is told from the bytes (ig_file_sniff), never taken from
 * the client; the bytes are stored under "<user>/<file id>" first and the
 * row is added by the statement that checks the quota
 * (IG_STORAGE_QUOTA_BYTES: 413 naming quota), which takes the object back
 * when it refuses. The file's name is data: it reaches a response only
 * through ig_storage_disposition.
 *
 * The bytes never pass through a FastCGI thread on the way out: a local
 * file is answered with X-Accel-Redirect to nginx's internal location
 * /_storage/ (which aliases IG_STORAGE_DIR; nginx then serves Range
 * requests), an S3 one with a 302 to a presigned URL valid for
 * STORAGE_URL_TTL seconds.
 */
#include "ig_autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/storage.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/multipart.h"
#include "lib/gallery/images.h"
#include "lib/store/files.h"
#include "lib/store/image_store.h"

/* Seconds a presigned download URL lives: long enough to start the
 * transfer (which may then run as long as it needs), short enough that a
 * leaked URL is soon worthless. */
#define STORAGE_URL_TTL 300L
/* nginx's internal location aliasing IG_STORAGE_DIR
 * (nginx/imagegen.conf.template). */
#define STORAGE_ACCEL_PREFIX "/_storage/"
#define SNIFF_BYTES 512

static int
not_found(ig_err *err)
{
	return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such file");
}

/* ---- Content-Disposition (RFC 6266, RFC 8187) ------------------------ */

/* RFC 8187's attr-char: what filename* carries unencoded. */
static int
attr_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    strchr("!#$&+-.^_`|~", c) != NULL;
}

char *
ig_storage_disposition(const char *name)
{
	ig_buf safe = { 0 }, ascii = { 0 }, out = { 0 };
	const unsigned char *s = (const unsigned char *)name;
	size_t n = strlen(name), i = 0;
	int changed = 0;

	/* safe: the UTF-8 name without control characters, slashes or a
	 * leading dot; ascii: safe with anything a quoted filename should
	 * not hold replaced, one '_' per character. */
	while (i < n) {
		uint32_t cp;
		size_t len = ig_utf8_decode(s + i, n - i, &cp);

		if (len == 0) {
			len = 1;
			cp = 0xfffd;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == '/' || cp == '\\' ||
		    (cp == '.' && safe.len == 0) || cp == 0xfffd) {
			ig_buf_append(&safe, "_", 1);
			ig_buf_append(&ascii, "_", 1);
			changed = 1;
		} else {
			ig_buf_append(&safe, (const char *)s + i, len);
			if (cp >= 0x80 || cp == '"' || cp == '%') {
				ig_buf_append(&ascii, "_", 1);
				changed = 1;
			} else {
				ig_buf_append(&ascii, (const char *)s + i, 1);
			}
		}
		i += len;
	}
	if (safe.len == 0) {
		ig_buf_append(&safe, "download", 8);
		ig_buf_append(&ascii, "download", 8);
	}
	ig_buf_printf(&out, "attachment; filename=\"%s\"", ascii.data);
	if (changed) {
		ig_buf_printf(&out, "; filename*=UTF-8''");
		for (i = 0; i < safe.len; i++) {
			unsigned char c = (unsigned char)safe.data[i];
			if (attr_char(c))
				ig_buf_append(&out, (const char *)&c, 1);
			else
				ig_buf_printf(&out, "%%%02X", c);
		}
	}
	free(safe.data);
	free(ascii.data);
	return out.data;
}

/* ---- Upload ---------------------------------------------------------- */

/* 413 naming file when len is over IG_MAX_UPLOAD; 413 naming quota when
 * the caller's files and len would pass IG_STORAGE_QUOTA_BYTES (the early
 * answer: ig_file_add decides). 0 or -1 with err. */
static int
check_limits(const char *user_id, int64_t len, ig_err *err)
{
	const ig_config *c = ig_cfg();
	int64_t used;

	if (len > c->max_upload)
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, "file",
		    "the file is %lld bytes; at most %ld may be stored (IG_MAX_UPLOAD)", (long long)len, c->max_upload);
	if (ig_files_usage(user_id, &used, err) != 0)
		return -1;
	if (used + len > c->storage_quota_bytes)
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, "quota",
		    "storing %lld more bytes would pass your storage quota of %ld bytes (IG_STORAGE_QUOTA_BYTES); "
		    "%lld are in use", (long long)len, c->storage_quota_bytes, (long long)used);
	return 0;
}

/* The object of f is stored: add its row within the quota, or take the
 * object back. 0, or -1 with err. */
static int
add_row(ig_store *st, ig_file *f, ig_err *err)
{
	int added = ig_file_add(f, ig_cfg()->storage_quota_bytes, err);

	if (added == 1)
		return 0;
	{
		ig_err derr = { 0 };
		if (ig_store_delete(st, f->object_key, &derr) != 0)
			ig_logf(IG_LOG_ERROR, "storage_orphan", "%s: %s", f->object_key, derr.message);
	}
	if (added == 0)
		ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, "quota",
		    "storing %lld more bytes would pass your storage quota of %ld bytes (IG_STORAGE_QUOTA_BYTES)",
		    (long long)f->size, ig_cfg()->storage_quota_bytes);
	return -1;
}

/* A new file row of the caller: id, key and backend. */
static void
file_begin(ig_req *req, ig_store *st, ig_file *f)
{
	memset(f, 0, sizeof(*f));
	ig_uuid4(f->id);
	snprintf(f->user_id, sizeof(f->user_id), "%s", req->caller.user_id);
	ig_file_key(f->user_id, f->id, f->object_key);
	snprintf(f->backend, sizeof(f->backend), "%s", ig_store_backend_name(st));
}

/* multipart/form-data with one `file` part. */
static int
upload_part(ig_req *req, ig_store *st, ig_file *f, ig_err *err)
{
	static const char *const single[] = { "file", NULL };
	ig_multipart *mp = ig_xcalloc(1, sizeof(*mp));
	const ig_mp_part *p;
	int rc = -1;

	if (ig_multipart_parse(req->content_type, (const unsigned char *)req->body, req->body_len, single, "file",
	    mp, err) != 0)
		goto out;
	for (size_t i = 0; i < mp->nparts; i++)
		if (strcmp(mp->parts[i].name, "file") != 0) {
			ig_err_set(err, IG_E_INVALID_REQUEST, mp->parts[i].name, "unknown part %s (file)",
			    mp->parts[i].name);
			goto out;
		}
	if ((p = ig_multipart_get(mp, "file")) == NULL) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "file", "file is required");
		goto out;
	}
	if (!ig_utf8_valid(p->filename, strlen(p->filename)) || ig_utf8_len(p->filename) > IG_FILE_NAME_MAX) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "file", "the file's name must be UTF-8, at most %d characters",
		    IG_FILE_NAME_MAX);
		goto out;
	}
	if (check_limits(f->user_id, (int64_t)p->len, err) != 0)
		goto out;
	snprintf(f->filename, sizeof(f->filename), "%s", p->filename[0] ? p->filename : "upload");
	snprintf(f->content_type, sizeof(f->content_type), "%s", ig_file_sniff(p->data, p->len, 1));
	f->size = (int64_t)p->len;
	if (ig_store_put(st, f->object_key, p->data, p->len, f->content_type, f->sha256, err) != 0)
		goto out;
	rc = add_row(st, f, err);
out:
	free(mp);
	return rc;
}

/* JSON {image_id}: a copy of one of the caller's gallery images, read
 * from the image store (lib/store/image_store.h). */
struct copy_body {
	const char *image_id;
};

static const ig_field copy_fields[] = {
	{ "image_id", IG_F_UUID, IG_F_REQUIRED, 0, 0, .at = IG_AT(struct copy_body, image_id) },
	IG_FIELDS_END
};

static int
upload_copy(ig_req *req, ig_store *st, ig_file *f, ig_err *err)
{
	struct copy_body b = { NULL };
	ig_image im;
	unsigned char *data = NULL;
	size_t len;
	int rc = -1, found;

	if (ig_fields_body(req, copy_fields, &b, err) != 0 || ig_api_image_source(req, b.image_id, err) != 0)
		return -1;
	if ((found = ig_image_get(b.image_id, &im, err)) < 0)
		return -1;
	if (found == 0 || strcmp(im.user_id, f->user_id) != 0)
		return ig_err_set(err, IG_E_NOT_FOUND, "image_id", "no such image");
	/* Stored names are the store's own ({provider}_{unix}_{n}_{hex}.ext). */
	if (strchr(im.filename, '/') != NULL || im.filename[0] == '.')
		return ig_err_set(err, IG_E_INTERNAL, NULL, "an image row names an unsafe file");
	if ((found = ig_images_get(im.filename, IG_IMAGE_READ_MAX, &data, &len, err)) <= 0) {
		if (found == 0)
			return ig_err_set(err, IG_E_NOT_FOUND, "image_id", "the image's file is gone");
		ig_logf(IG_LOG_ERROR, "image_read_failed", "%s: %s", im.filename, err->message);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the image store is unavailable");
	}
	if (check_limits(f->user_id, (int64_t)len, err) != 0)
		goto out;
	snprintf(f->filename, sizeof(f->filename), "%s", im.filename);
	snprintf(f->content_type, sizeof(f->content_type), "%s",
	    ig_file_sniff(data, len < SNIFF_BYTES ? len : SNIFF_BYTES, len <= SNIFF_BYTES));
	f->size = (int64_t)len;
	if (ig_store_put(st, f->object_key, data, len, f->content_type, f->sha256, err) != 0)
		goto out;
	rc = add_row(st, f, err);
out:
	free(data);
	return rc;
}

/* POST /api/storage/upload */
int
ig_api_storage_upload(ig_req *req, json_object **out, ig_err *err)
{
	ig_store *st = ig_files_store(err);
	ig_file *f;
	char url[128];
	int rc;

	if (st == NULL)
		return IG_FAILED;
	f = ig_xmalloc(sizeof(*f));
	file_begin(req, st, f);
	if (req->content_type != NULL && strncasecmp(req->content_type, "multipart/", 10) == 0)
		rc = upload_part(req, st, f, err);
	else
		rc = upload_copy(req, st, f, err);
	if (rc != 0) {
		free(f);
		return IG_FAILED;
	}
	snprintf(url, sizeof(url), "/api/storage/download/%s", f->id);
	*out = ig_ok("file_id", json_object_new_string(f->id));
	json_object_object_add(*out, "filename", json_object_new_string(f->filename));
	json_object_object_add(*out, "content_type", json_object_new_string(f->content_type));
	json_object_object_add(*out, "size", json_object_new_int64(f->size));
	json_object_object_add(*out, "sha256", json_object_new_string(f->sha256));
	json_object_object_add(*out, "backend", json_object_new_string(f->backend));
	json_object_object_add(*out, "url", json_object_new_string(url));
	json_object_object_add(*out, "created_at", json_object_new_string(f->created_at));
	free(f);
	return 201;
}

/* ---- Download, delete, list ----------------------------------------- */

/* The caller's file of the route's {file_id} and the store holding it:
 * 1, 0 with err (404, or 503 when it lives in a backend this server does
 * not use), -1 with err. */
static int
owned_file(ig_req *req, ig_file *f, ig_store **st, ig_err *err)
{
	int rc = ig_file_get(ig_req_param(req, "file_id"), req->caller.user_id, f, err);

	if (rc <= 0)
		return rc == 0 ? (not_found(err), 0) : -1;
	if ((*st = ig_files_store(err)) == NULL)
		return -1;
	if (strcmp(f->backend, ig_store_backend_name(*st)) != 0) {
		ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the file is kept in the %s store, which this server does not use",
		    f->backend);
		return -1;
	}
	return 1;
}

/* GET /api/storage/download/{file_id} (streamed row) */
int
ig_api_storage_download(ig_req *req, json_object **out, ig_err *err)
{
	ig_file *f = ig_xmalloc(sizeof(*f));
	ig_store *st;
	char *disp = NULL, *where = NULL, *h_disp = NULL, *h_where = NULL;
	const char *headers[4];
	int rc = IG_FAILED;

	(void)out;
	if (owned_file(req, f, &st, err) != 1)
		goto out;
	disp = ig_storage_disposition(f->filename);
	if (ig_store_locate(st, f->object_key, STORAGE_URL_TTL, &(ig_store_reply){ .disposition = disp }, &where,
	    err) != 0)
		goto out;
	h_disp = ig_xasprintf("Content-Disposition: %s", disp);
	headers[0] = h_disp;
	headers[1] = "X-Content-Type-Options: nosniff";
	if (ig_store_kind_of(st) == IG_STORE_LOCAL) {
		/* nginx sends the file (its Content-Type, Content-Disposition
		 * and Cache-Control are kept across the internal redirect). */
		h_where = ig_xasprintf("X-Accel-Redirect: " STORAGE_ACCEL_PREFIX "%s", where);
		headers[2] = h_where;
		headers[3] = NULL;
		ig_stream_begin(req->stream, 200, f->content_type, headers);
	} else {
		h_where = ig_xasprintf("Location: %s", where);
		headers[2] = h_where;
		headers[3] = NULL;
		ig_stream_begin(req->stream, 302, "text/plain; charset=utf-8", headers);
	}
	rc = IG_STREAMED;
out:
	free(disp);
	free(where);
	free(h_disp);
	free(h_where);
	free(f);
	return rc;
}

/* DELETE /api/storage/delete/{file_id}: the row first (the file is gone
 * for every reader at once), then the object. */
int
ig_api_storage_delete(ig_req *req, json_object **out, ig_err *err)
{
	ig_file *f = ig_xmalloc(sizeof(*f));
	ig_store *st;
	ig_err derr = { 0 };
	int rc;

	if ((st = ig_files_store(err)) == NULL) {
		free(f);
		return IG_FAILED;
	}
	rc = ig_file_remove(ig_req_param(req, "file_id"), req->caller.user_id, f, err);
	if (rc <= 0) {
		free(f);
		return rc == 0 ? not_found(err) : IG_FAILED;
	}
	if (strcmp(f->backend, ig_store_backend_name(st)) != 0 || ig_store_delete(st, f->object_key, &derr) != 0)
		ig_logf(IG_LOG_ERROR, "storage_orphan", "%s (%s): %s", f->object_key, f->backend,
		    derr.message[0] ? derr.message : "kept in a store this server does not use");
	free(f);
	*out = ig_ok(NULL, NULL);
	return 200;
}

/* GET /api/storage/files?limit=&cursor= */
int
ig_api_storage_list(ig_req *req, json_object **out, ig_err *err)
{
	return ig_fields_list(req, IG_FILES_PAGE_SCOPE, ig_files_list, "files", out, err);
}
