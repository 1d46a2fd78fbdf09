/* job.c — see job.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/jobs/job.h"

/* Every statement of this module. */
#define STATEMENTS(X) \
	X(SQL_STATE, "SELECT status, coalesce(error_code, ''), coalesce(error_message, '') FROM jobs WHERE id = $1") \
	X(SQL_CACHED, "SELECT j.id FROM jobs j WHERE j.cache_key = $1 AND j.status = 'succeeded'" \
	    " AND j.user_id IS NOT DISTINCT FROM $2::uuid" \
	    " AND (SELECT count(*) FROM images i WHERE i.job_id = j.id) = $3::int" \
	    " ORDER BY j.finished_at DESC LIMIT 1") \
	X(SQL_CANCEL_ASKED, "SELECT id FROM jobs WHERE runner_id = $1 AND status = 'running' AND cancel_requested")
IG_DB_STATEMENTS(STATEMENTS);

/* Where the columns of SQL_STATE go. */
#define C(member) IG_DB_COL(ig_job_state, member)
static const ig_db_col state_cols[] = { C(status), C(code), C(message), IG_DB_COLS_END };
#undef C

int
ig_job_state_get(const char *job_id, ig_job_state *st, ig_err *err)
{
	const char *p[1] = { job_id };
	int rc = ig_db_row(sql[SQL_STATE], 1, p, IG_DB_IDEMPOTENT, sizeof(*st), state_cols, st, err);

	return rc < 0 ? -1 : rc == 0;
}

int
ig_job_cached(const char *cache_key, const char *user_id, int count, char job_id[IG_UUID_BUF], ig_err *err)
{
	char n[16];
	const char *p[3] = { cache_key, user_id, n };
	int rc;

	snprintf(n, sizeof(n), "%d", count);
	rc = ig_db_value(sql[SQL_CACHED], 3, p, IG_DB_IDEMPOTENT, job_id, IG_UUID_BUF, err);
	return rc < 0 ? -1 : rc == 0;
}

int
ig_jobs_cancel_asked(const char *runner_id, char (**ids)[IG_UUID_BUF], int *n, ig_err *err)
{
	const char *p[1] = { runner_id };
	PGresult *r = ig_db_exec(sql[SQL_CANCEL_ASKED], 1, p, 0, err);

	*ids = NULL;
	*n = 0;
	if (r == NULL)
		return -1;
	*n = PQntuples(r);
	if (*n > 0)
		*ids = ig_xcalloc((size_t)*n, sizeof(**ids));
	for (int i = 0; i < *n; i++)
		snprintf((*ids)[i], sizeof((*ids)[i]), "%s", PQgetvalue(r, i, 0));
	PQclear(r);
	return 0;
}
