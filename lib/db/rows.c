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

void *
ig_db_rows(const char *sql, int nparams, const char *const *params, int flags, size_t size,
    const ig_db_col *cols, int *n, ig_err *err)
{
	PGresult *r = ig_db_exec(sql, nparams, params, flags, err);
	char *out;

	*n = 0;
	if (r == NULL)
		return NULL;
	*n = PQntuples(r);
	out = ig_xcalloc((size_t)*n + 1, size);
	for (int i = 0; i < *n; i++)
		for (int c = 0; cols[c].len > 0 && c < PQnfields(r); c++)
			ig_db_text(r, i, c, out + (size_t)i * size + cols[c].at, cols[c].len);
	PQclear(r);
	return out;
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
	PGresult *r = ig_db_exec(sql, nparams, params, flags, err);
	int any;

	if (r == NULL)
		return -1;
	any = PQntuples(r) > 0;
	PQclear(r);
	return any;
}

int
ig_db_value(const char *sql, int nparams, const char *const *params, int flags, char *dst, size_t len,
    ig_err *err)
{
	const ig_db_col col[] = { { 0, len }, IG_DB_COLS_END };

	return ig_db_row(sql, nparams, params, flags, len, col, dst, err);
}
