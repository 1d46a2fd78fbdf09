/*
 * page.h — the one cursor-paging helper of every list (DESIGN.md "Data").
 *
 * A list is ordered by (sort key, id), newest first; a page asks the
 * owning module for limit + 1 rows after the cursor, with every filter in
 * the SQL before the LIMIT, so a page is never short while more rows
 * exist. The cursor is opaque and tamper-evident: base64url of
 * "key\nid" "." base64url of an HMAC-SHA256 over the list's scope and
 * that pair, keyed from IG_SECRET_KEY. A cursor of another list, an
 * edited one or a made-up one is refused (400 naming `cursor`).
 */
#ifndef IG_DB_PAGE_H
#define IG_DB_PAGE_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "lib/core/error.h"

#define IG_PAGE_PART_MAX 64      /* bytes of a sort key or id, with the NUL */
#define IG_PAGE_CURSOR_MAX 256   /* bytes of a cursor, with the NUL */

typedef struct ig_page {
	int limit;                        /* rows a page holds (1..) */
	int has_after;                    /* a cursor was given */
	char after_key[IG_PAGE_PART_MAX]; /* the last row's sort key, as text */
	char after_id[IG_PAGE_PART_MAX];  /* the last row's id, as text */
	char limit_plus_one[16];          /* limit + 1, as a statement parameter */
} ig_page;

/*
 * Open a page of the list named scope: limit rows after cursor (NULL or ""
 * for the first page). 0, or -1 with err (invalid_request naming `cursor`
 * for a cursor this server did not give out for this list).
 */
int ig_page_open(ig_page *pg, const char *scope, int limit, const char *cursor, ig_err *err);

/*
 * The next_cursor of a page that fetched nrows (up to limit + 1) rows
 * whose last shown row has (key, id): a malloc'ed cursor when nrows says
 * more rows exist, NULL when this page is the last one.
 */
char *ig_page_next(const ig_page *pg, const char *scope, int nrows, const char *key, const char *id);

/* The cursor of (key, id) in the list named scope, into out. 0, or -1
 * when a part is too long. */
int ig_page_cursor(const char *scope, const char *key, const char *id, char out[IG_PAGE_CURSOR_MAX]);

/*
 * For owning modules: run a page's statement (its last parameter the
 * page's limit_plus_one) and answer the array of row(r, i) of up to
 * pg->limit rows; *next_cursor gets the cursor of the last one shown
 * (its columns key_col, id_col) when the statement returned more, else
 * NULL. NULL with err.
 */
json_object *ig_page_run(const ig_page *pg, const char *scope, const char *sql, int nparams,
    const char *const *params, json_object *(*row)(PGresult *r, int i), int key_col, int id_col,
    char **next_cursor, ig_err *err);

/*
 * ig_page_run of the usual list statement: the rows of one owner ($1: a
 * user, an image, a project) after the page's cursor ($2 sort key, $3 id,
 * both NULL on the first page), at most $4 = limit + 1 of them.
 */
json_object *ig_page_run_of(const ig_page *pg, const char *scope, const char *sql, const char *owner_id,
    json_object *(*row)(PGresult *r, int i), int key_col, int id_col, char **next_cursor, ig_err *err);

/* How ig_page_row_json writes a column. */
typedef enum ig_page_json {
	IG_PAGE_STR,         /* the text */
	IG_PAGE_STR_OR_NULL, /* the text; null when SQL NULL */
	IG_PAGE_NONEMPTY,    /* the text; null when empty */
	IG_PAGE_INT64,       /* the text as an integer */
	IG_PAGE_BOOL,        /* true when "t" */
	IG_PAGE_USER,        /* {"id": col, "username": col + 1}; null when col is empty */
} ig_page_json;

/* One member of a row's object: its name, the column it comes from, how. */
typedef struct ig_page_field {
	const char *name;
	int col;
	ig_page_json how;
} ig_page_field;

/* Row i of r as an object of the n fields, in their order (a row
 * writer of ig_page_run declares its fields and answers this). */
json_object *ig_page_row_json(PGresult *r, int i, const ig_page_field *fields, size_t n);

/* Define the row writer name(r, i) of ig_page_run for a list whose rows
 * are the fields of the array fields, as they are. */
#define IG_PAGE_ROW_WRITER(name, fields) \
	static json_object *name(PGresult *r, int i) \
	{ \
		return ig_page_row_json(r, i, fields, sizeof(fields) / sizeof((fields)[0])); \
	}

#endif
