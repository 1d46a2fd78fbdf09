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

/* ig_db_rows for a statement of at most one row, read into out (size
 * bytes, zeroed first). 0, 1 when there is no row, or -1 with err. */
int ig_db_row(const char *sql, int nparams, const char *const *params, int flags, size_t size,
    const ig_db_col *cols, void *out, ig_err *err);

/* Run sql as ig_db_exec does and tell whether a row came back: 1, 0 when
 * none did, or -1 with err. */
int ig_db_any(const char *sql, int nparams, const char *const *params, int flags, ig_err *err);

/* Run sql as ig_db_exec does and read the first column of its first row
 * into dst (len bytes, truncated, "" for NULL). 0, 1 when there is no row
 * (dst ""), or -1 with err. */
int ig_db_value(const char *sql, int nparams, const char *const *params, int flags, char *dst, size_t len,
    ig_err *err);

#endif
