/*
 * rows.h — reading a statement's rows into the plain structs a lib/ module
 * hands out. A module declares, as data, which member each column of its
 * statement goes to; the loop, the allocation and the NULL handling are
 * written once, here.
 */
#ifndef IG_DB_ROWS_H
#define IG_DB_ROWS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "lib/core/error.h"

/*
 * Two ways to say where a row goes, one reader:
 *  - ig_db_rows / ig_db_row: every column is text into a char array
 *    member, declared as a column table (IG_DB_COL). Use these whenever
 *    the struct holds only fixed-size text.
 *  - ig_db_array: a function fills each element, for rows that need more
 *    than text copies (numbers, malloc'ed strings, NULL kept apart from "").
 * Both give a new array of *n + 1 zeroed elements (the last stays zero).
 */

/* Where a column goes: a char array member of the row's struct, filled
 * with the column's text (truncated to fit), "" for NULL. */
typedef struct ig_db_col {
	size_t at, len;
} ig_db_col;
#define IG_DB_COL(type, member) { offsetof(type, member), sizeof(((type *)0)->member) }
#define IG_DB_COLS_END { 0, 0 }

/* Column c of row `row` of r into dst (len bytes, truncated), "" for NULL. */
void ig_db_text(PGresult *r, int row, int c, char *dst, size_t len);

/*
 * Run sql as ig_db_exec does and read each row into an element (size
 * bytes, zeroed first) of a new array, column i into cols[i] (cols ends
 * with IG_DB_COLS_END; further columns are not read). Returns the array
 * (the caller frees; one spare zeroed element, so never NULL on success)
 * with *n rows, or NULL with err (*n 0).
 */
void *ig_db_rows(const char *sql, int nparams, const char *const *params, int flags, size_t size,
    const ig_db_col *cols, int *n, ig_err *err);

/*
 * The rows of r (which it clears) as a new array of *n + 1 zeroed elements
 * of size bytes, element i filled by row(r, i, element); the last stays
 * zero. The caller frees the array. NULL with *n 0 when r is NULL (a
 * failed ig_db_exec, whose err says why).
 */
void *ig_db_array(PGresult *r, size_t size, void (*row)(PGresult *r, int i, void *elem), int *n);

/* The malloc'ed string members of a row struct (ig_db_array's rows that
 * hold more than fixed-size text), declared as data: IG_DB_STR(type,
 * member), …, IG_DB_STRS_END. */
#define IG_DB_STR(type, member) offsetof(type, member)
#define IG_DB_STRS_END ((size_t)-1)

/* Free an array of n rows (size bytes each), such as ig_db_array gives: each
 * row's strs members (NULL or malloc'ed), then the array. rows may be
 * NULL. */
void ig_db_array_free(void *rows, int n, size_t size, const size_t *strs);

/* ig_db_rows for a statement of at most one row, read into out (size
 * bytes, zeroed first). 0, 1 when there is no row, or -1 with err. */
int ig_db_row(const char *sql, int nparams, const char *const *params, int flags, size_t size,
    const ig_db_col *cols, void *out, ig_err *err);

/* Run sql as ig_db_exec does and tell whether a row came back: 1, 0 when
 * none did, or -1 with err. */
int ig_db_any(const char *sql, int nparams, const char *const *params, int flags, ig_err *err);

/* ig_db_array for a statement of at most one row: its first row handed to
 * row(r, 0, out). 0, 1 when there is no row (out left as it is), or -1
 * with err. */
int ig_db_one(const char *sql, int nparams, const char *const *params, int flags,
    void (*row)(PGresult *r, int i, void *out), void *out, ig_err *err);

/* A buffer for one column of ig_db_texts. */
typedef struct ig_db_dst {
	char *dst;
	size_t len;
} ig_db_dst;

/* Run sql as ig_db_exec does and read its first row's columns into
 * dst[0], dst[1], … (ended by { NULL, 0 }) as ig_db_text does. 0, 1 when
 * there is no row (the buffers are left as they are), or -1 with err. */
int ig_db_texts(const char *sql, int nparams, const char *const *params, int flags, const ig_db_dst *dst,
    ig_err *err);

/* ig_db_texts for one column: the first row's first column into dst (len
 * bytes, truncated, "" for NULL). 0, 1 when there is no row (dst left as
 * it is), or -1 with err. */
int ig_db_value(const char *sql, int nparams, const char *const *params, int flags, char *dst, size_t len,
    ig_err *err);

/*
 * The body of a list function: the rows of sql run with the one parameter
 * param ($1), idempotent, into *out (the list's array pointer, whose
 * element type gives the row size), *n of them, read by the column table
 * cols (IG_DB_ROWS_OF, as ig_db_rows) or by the function row
 * (IG_DB_ARRAY_OF, as ig_db_array). 0, or -1 with err. IG_DB_ARRAY_OF
 * needs lib/db/db.h.
 */
#define IG_DB_ROWS_OF(sql, param, cols, out, n, err) \
	((*(out) = ig_db_rows((sql), 1, (const char *const[]){ (param) }, IG_DB_IDEMPOTENT, sizeof(**(out)), \
	    (cols), (n), (err))) != NULL ? 0 : -1)
#define IG_DB_ARRAY_OF(sql, param, row, out, n, err) \
	((*(out) = ig_db_array(ig_db_exec((sql), 1, (const char *const[]){ (param) }, IG_DB_IDEMPOTENT, (err)), \
	    sizeof(**(out)), (row), (n))) != NULL ? 0 : -1)

#endif
