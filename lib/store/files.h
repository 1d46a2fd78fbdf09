/*
 * files.h — stored files (API.md "Storage"; issue 14): the files table's
 * one owning module, the per-user quota, the object store stored files
 * live in (IG_STORAGE_BACKEND), and the content types told from the bytes.
 *
 * A file's bytes are the object of the store under "<user id>/<file id>"
 * (files_key): a client's file name is a column and never part of a key
 * or path. With the local backend the store is IG_STORAGE_DIR; with s3 it
 * is the prefix "files/" of IG_S3_BUCKET.
 */
#ifndef IG_STORE_FILES_H
#define IG_STORE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/db/page.h"
#include "lib/store/store.h"

#define IG_FILE_NAME_MAX 255            /* characters of a file's name */
#define IG_FILES_PAGE_SCOPE "files"

/* One stored file as its row holds it. */
typedef struct ig_file {
	char id[IG_UUID_BUF];
	char user_id[IG_UUID_BUF];
	char filename[IG_FILE_NAME_MAX * 4 + 1];   /* UTF-8, as the client named it */
	char content_type[64];                     /* sniffed (ig_file_sniff) */
	int64_t size;
	char sha256[65];
	char backend[8];                           /* local | s3 */
	char object_key[IG_STORE_KEY_MAX + 1];
	char created_at[40];                       /* RFC 3339, UTC, milliseconds */
} ig_file;

/* The store of stored files, made on first use from the settings and kept
 * for the process (safe from several threads). NULL with err (503) when
 * it cannot be opened. */
ig_store *ig_files_store(ig_err *err);

/* The object key of file_id of user_id into out: "<user>/<file>". */
void ig_file_key(const char *user_id, const char *file_id, char out[IG_STORE_KEY_MAX + 1]);

/* The content type of data (len bytes, the file's first bytes or all of
 * them) by its magic: image/png, image/jpeg, image/webp, image/gif,
 * application/pdf, application/zip, "text/plain; charset=utf-8" (UTF-8
 * without NUL or control characters other than tab, CR, LF, FF; complete
 * is 0 when data is only the start of the file, so a character cut at its
 * end is not held against it), else application/octet-stream. */
const char *ig_file_sniff(const unsigned char *data, size_t len, int complete);

/* Bytes user_id keeps now. 0 or -1 with err. */
int ig_files_usage(const char *user_id, int64_t *bytes, ig_err *err);

/* Add f's row (every member but created_at, which is filled) if user
 * f->user_id's files stay within quota bytes with it: the check and the
 * insert are one statement that locks the user's usage row, so concurrent
 * adds cannot pass together a quota only one fits. 1 added, 0 over the
 * quota (nothing added), -1 with err. */
int ig_file_add(ig_file *f, int64_t quota, ig_err *err);

/* File id of user_id: 1 with *out, 0 when there is none (malformed id,
 * unknown, another user's), -1 with err. */
int ig_file_get(const char *id, const char *user_id, ig_file *out, ig_err *err);

/* Remove file id of user_id's row (its usage goes down with it): 1 with
 * *out the row that was (to remove its object), 0 when there is none,
 * -1 with err. */
int ig_file_remove(const char *id, const char *user_id, ig_file *out, ig_err *err);

/* One page of user_id's files, newest first: [{file_id, filename,
 * content_type, size, sha256, backend, created_at}] and *next_cursor
 * (malloc'ed, NULL on the last page). NULL with err. */
json_object *ig_files_list(const char *user_id, const ig_page *pg, char **next_cursor, ig_err *err);

#endif
