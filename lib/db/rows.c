/* rows.c — see rows.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

void
ig_db_text(PGresult *r, int row, int c, char *dst, size_t len)
{
	snprintf(dst, len, "%s", PQgetisnull(r, row, c) ? "" : PQgetvalue(r, row, c));
}

/* How element i of an array is filled from row i of r: by a column table
 * or by the caller's function. */
typedef struct filler {
	const ig_db_col *cols;
	void (*row)(PGresult *r, int i, void *elem);
} filler;

/* The one loop: r's rows (r cleared) into a new zeroed array. */
static void *
read_rows(PGresult *r, size_t size, const filler *f, int *n)
{
	char *out;

	*n = 0;
	if (r == NULL)
		return NULL;
	*n = PQntuples(r);
	out = ig_xcalloc((size_t)*n + 1, size);
	for (int i = 0; i < *n; i++) {
		char *elem = out + (size_t)i * size;

		if (f->row != NULL)
			f->row(r, i, elem);
		for (int c = 0; f->cols != NULL && f->cols[c].len > 0 && c < PQnfields(r); c++)
			ig_db_text(r, i, c, elem + f->cols[c].at, f->cols[c].len);
	}
	PQclear(r);
	return out;
}

void *
ig_db_array(PGresult *r, size_t size, void (*row)(PGresult *r, int i, void *elem), int *n)
{
	const filler f = { NULL, row };

	return read_rows(r, size, &f, n);
}

void *
ig_db_rows(const char *sql, int nparams, const char *const *params, int flags, size_t size,
    const ig_db_col *cols, int *n, ig_err *err)
{
	const filler f = { cols, NULL };

	return read_rows(ig_db_exec(sql, nparams, params, flags, err), size, &f, n);
}

int
ig_db_row(const char *sql, int nparams, const char *const *params, int flags, size_t size,
    const ig_db_col *cols, void *out, ig_err *err)
{
	int n;
	char *rows = ig_db_rows(sql, nparams, params, flags, size, cols, &n, err);

	if (rows == NULL)
		return -1;
	memcpy(out, rows, size);
	free(rows);
	return n > 0 ? 0 : 1;
}

int
ig_db_any(const char *sql, int nparams, const char *const *params, int flags, ig_err *err)
{
	const ig_db_dst none[] = { { NULL, 0 } };
	int rc = ig_db_texts(sql, nparams, params, flags, none, err);

	return rc < 0 ? -1 : rc == 0;
}

int
ig_db_one(const char *sql, int nparams, const char *const *params, int flags,
    void (*row)(PGresult *r, int i, void *out), void *out, ig_err *err)
{
	PGresult *r = ig_db_exec(sql, nparams, params, flags, err);
	int rc;

	if (r == NULL)
		return -1;
	rc = PQntuples(r) > 0 ? 0 : 1;
	if (rc == 0)
		row(r, 0, out);
	PQclear(r);
	return rc;
}

/* ig_db_texts' row: its columns into the buffers. */
struct texts {
	const ig_db_dst *dst;
};

static void
texts_row(PGresult *r, int i, void *out)
{
	const ig_db_dst *dst = ((struct texts *)out)->dst;

	for (int c = 0; dst[c].dst != NULL && c < PQnfields(r); c++)
		ig_db_text(r, i, c, dst[c].dst, dst[c].len);
}

int
ig_db_texts(const char *sql, int nparams, const char *const *params, int flags, const ig_db_dst *dst,
    ig_err *err)
{
	struct texts t = { dst };

	return ig_db_one(sql, nparams, params, flags, texts_row, &t, err);
}

int
ig_db_value(const char *sql, int nparams, const char *const *params, int flags, char *dst, size_t len,
    ig_err *err)
{
	const ig_db_dst one[] = { { dst, len }, { NULL, 0 } };

	return ig_db_texts(sql, nparams, params, flags, one, err);
}

void
ig_db_array_free(void *rows, int n, size_t size, const size_t *strs)
{
	for (int i = 0; rows != NULL && i < n; i++)
		for (const size_t *s = strs; *s != IG_DB_STRS_END; s++)
			free(*(char **)((char *)rows + (size_t)i * size + *s));
	free(rows);
}
