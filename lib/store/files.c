/* files.c — see files.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/store/files.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define COLS "id, user_id, filename, content_type, size, sha256, backend, object_key, " TS("created_at")

enum { COL_ID, COL_USER, COL_NAME, COL_TYPE, COL_SIZE, COL_SHA, COL_BACKEND, COL_KEY, COL_CREATED, COL_PAGE_KEY };

/* Every statement of this module (files, file_usage). */
#define STATEMENTS(X) \
	X(SQL_USAGE, "SELECT coalesce((SELECT bytes FROM file_usage WHERE user_id = $1::uuid), 0)") \
	/* The quota and the row in one statement: the upsert takes the \
	 * user's usage row (inserting it for a first file) and adds the size \
	 * only when the total stays within $9; a concurrent add waits for \
	 * that row and then tests its own size against the total this one \
	 * left (ON CONFLICT DO UPDATE reads the latest row version). No usage \
	 * row back, no file row. */ \
	X(SQL_ADD, \
	    "WITH q AS (INSERT INTO file_usage AS u (user_id, bytes)" \
	    "  SELECT $2::uuid, $5::bigint WHERE $5::bigint <= $9::bigint" \
	    "  ON CONFLICT (user_id) DO UPDATE SET bytes = u.bytes + EXCLUDED.bytes" \
	    "  WHERE u.bytes + EXCLUDED.bytes <= $9::bigint RETURNING 1)" \
	    " INSERT INTO files (id, user_id, filename, content_type, size, sha256, backend, object_key)" \
	    " SELECT $1::uuid, $2::uuid, $3, $4, $5::bigint, $6, $7, $8 FROM q" \
	    " RETURNING " TS("created_at")) \
	X(SQL_GET, "SELECT " COLS " FROM files WHERE id = " IG_SQL_UUID_OR_NULL("$1") " AND user_id = $2::uuid") \
	X(SQL_REMOVE, \
	    "WITH d AS (DELETE FROM files WHERE id = " IG_SQL_UUID_OR_NULL("$1") " AND user_id = $2::uuid RETURNING *)," \
	    " u AS (UPDATE file_usage SET bytes = bytes - (SELECT size FROM d)" \
	    "  WHERE user_id = $2::uuid AND EXISTS (SELECT 1 FROM d))" \
	    " SELECT " COLS " FROM d") \
	/* The caller's files newest first; $2, $3 the (created_at, id) of \
	 * the page's cursor. */ \
	X(SQL_LIST, \
	    "SELECT " COLS ", to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" \
	    " FROM files WHERE user_id = $1::uuid" \
	    " AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))" \
	    " ORDER BY created_at DESC, id DESC LIMIT $4::int")
IG_DB_STATEMENTS(STATEMENTS);

/* ---- The store ------------------------------------------------------ */

ig_store *
ig_files_store(ig_err *err)
{
	return ig_store_of(IG_STORE_FILES, err);
}

void
ig_file_key(const char *user_id, const char *file_id, char out[IG_STORE_KEY_MAX + 1])
{
	snprintf(out, IG_STORE_KEY_MAX + 1, "%s/%s", user_id, file_id);
}

/* ---- Content types -------------------------------------------------- */

/* 1 when data is text: UTF-8 without NUL or control characters but tab,
 * LF, FF and CR; a sequence cut by the end counts when !complete. */
static int
is_text(const unsigned char *d, size_t len, int complete)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = ig_utf8_decode(d + i, len - i, &cp);

		if (n == 0)
			return !complete && len - i < 4 && (d[i] & 0xc0) == 0xc0;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\f' && cp != '\r') || cp == 0x7f)
			return 0;
		i += n;
	}
	return 1;
}

const char *
ig_file_sniff(const unsigned char *d, size_t len, int complete)
{
	static const struct {
		const char *magic;
		size_t len, at;
		const char *type;
	} magics[] = {
		{ "\x89PNG\r\n\x1a\n", 8, 0, "image/png" },
		{ "\xff\xd8\xff", 3, 0, "image/jpeg" },
		{ "GIF87a", 6, 0, "image/gif" },
		{ "GIF89a", 6, 0, "image/gif" },
		{ "%PDF-", 5, 0, "application/pdf" },
		{ "PK\x03\x04", 4, 0, "application/zip" },
		{ "PK\x05\x06", 4, 0, "application/zip" },     /* an empty archive */
	};

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].at + magics[i].len && memcmp(d + magics[i].at, magics[i].magic, magics[i].len) == 0)
			return magics[i].type;
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (len > 0 && is_text(d, len, complete))
		return "text/plain; charset=utf-8";
	return "application/octet-stream";
}

/* ---- Rows ----------------------------------------------------------- */

static void
file_row(PGresult *r, int i, void *out)
{
	ig_file *f = out;

	ig_db_text(r, i, COL_ID, f->id, sizeof(f->id));
	ig_db_text(r, i, COL_USER, f->user_id, sizeof(f->user_id));
	ig_db_text(r, i, COL_NAME, f->filename, sizeof(f->filename));
	ig_db_text(r, i, COL_TYPE, f->content_type, sizeof(f->content_type));
	f->size = strtoll(PQgetvalue(r, i, COL_SIZE), NULL, 10);
	ig_db_text(r, i, COL_SHA, f->sha256, sizeof(f->sha256));
	ig_db_text(r, i, COL_BACKEND, f->backend, sizeof(f->backend));
	ig_db_text(r, i, COL_KEY, f->object_key, sizeof(f->object_key));
	ig_db_text(r, i, COL_CREATED, f->created_at, sizeof(f->created_at));
}

int
ig_files_usage(const char *user_id, int64_t *bytes, ig_err *err)
{
	const char *p[1] = { user_id };

	return ig_db_int64(sql[SQL_USAGE], 1, p, IG_DB_IDEMPOTENT, bytes, err);
}

int
ig_file_add(ig_file *f, int64_t quota, ig_err *err)
{
	char size[24], q[24];
	const char *p[9] = { f->id, f->user_id, f->filename, f->content_type, size, f->sha256, f->backend,
		f->object_key, q };
	int rc;

	snprintf(size, sizeof(size), "%lld", (long long)f->size);
	snprintf(q, sizeof(q), "%lld", (long long)quota);
	rc = ig_db_value(sql[SQL_ADD], 9, p, 0, f->created_at, sizeof(f->created_at), err);
	return rc < 0 ? -1 : rc == 0;
}

int
ig_file_get(const char *id, const char *user_id, ig_file *out, ig_err *err)
{
	const char *p[2] = { id, user_id };
	int rc = ig_db_one(sql[SQL_GET], 2, p, IG_DB_IDEMPOTENT, file_row, out, err);

	return rc < 0 ? -1 : rc == 0;
}

int
ig_file_remove(const char *id, const char *user_id, ig_file *out, ig_err *err)
{
	const char *p[2] = { id, user_id };
	int rc = ig_db_one(sql[SQL_REMOVE], 2, p, 0, file_row, out, err);

	return rc < 0 ? -1 : rc == 0;
}

/* A file as the list shows it. */
static const ig_page_field list_fields[] = {
	{ "file_id", COL_ID, IG_PAGE_STR },
	{ "filename", COL_NAME, IG_PAGE_STR },
	{ "content_type", COL_TYPE, IG_PAGE_STR },
	{ "size", COL_SIZE, IG_PAGE_INT64 },
	{ "sha256", COL_SHA, IG_PAGE_STR },
	{ "backend", COL_BACKEND, IG_PAGE_STR },
	{ "created_at", COL_CREATED, IG_PAGE_STR },
};

IG_PAGE_ROW_WRITER(list_row, list_fields)

json_object *
ig_files_list(const char *user_id, const ig_page *pg, char **next_cursor, ig_err *err)
{
	return ig_page_run_of(pg, IG_FILES_PAGE_SCOPE, sql[SQL_LIST], user_id, list_row, COL_PAGE_KEY, COL_ID,
	    next_cursor, err);
}
