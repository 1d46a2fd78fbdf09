/* images.c — see images.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/jobs/images.h"

/* Every statement of this module; each returns the columns of COLS. */
enum {
	SQL_GET,
	SQL_OF_JOB,
	SQL__MAX
};

#define COLS "id, coalesce(user_id::text, ''), coalesce(job_id::text, ''), idx, filename, provider, model," \
	" width, height, seed, mime_type," \
	" to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
enum { COL_ID, COL_USER, COL_JOB, COL_IDX, COL_FILENAME, COL_PROVIDER, COL_MODEL, COL_WIDTH, COL_HEIGHT,
	COL_SEED, COL_MIME, COL_CREATED };

static const char *const sql[SQL__MAX] = {
	/* A malformed id finds nothing rather than failing the cast. */
	[SQL_GET] = "SELECT " COLS " FROM images WHERE id = CASE WHEN $1 ~"
	" '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN $1::uuid END",
	[SQL_OF_JOB] = "SELECT " COLS " FROM images WHERE job_id = $1 ORDER BY idx",
};

static void
row(PGresult *r, int i, ig_image *im)
{
	memset(im, 0, sizeof(*im));
	snprintf(im->id, sizeof(im->id), "%s", PQgetvalue(r, i, COL_ID));
	snprintf(im->user_id, sizeof(im->user_id), "%s", PQgetvalue(r, i, COL_USER));
	snprintf(im->job_id, sizeof(im->job_id), "%s", PQgetvalue(r, i, COL_JOB));
	im->idx = atoi(PQgetvalue(r, i, COL_IDX));
	snprintf(im->filename, sizeof(im->filename), "%s", PQgetvalue(r, i, COL_FILENAME));
	snprintf(im->provider, sizeof(im->provider), "%s", PQgetvalue(r, i, COL_PROVIDER));
	snprintf(im->model, sizeof(im->model), "%s", PQgetvalue(r, i, COL_MODEL));
	im->width = atoi(PQgetvalue(r, i, COL_WIDTH));
	im->height = atoi(PQgetvalue(r, i, COL_HEIGHT));
	im->has_seed = !PQgetisnull(r, i, COL_SEED);
	im->seed = im->has_seed ? strtoll(PQgetvalue(r, i, COL_SEED), NULL, 10) : 0;
	snprintf(im->mime_type, sizeof(im->mime_type), "%s", PQgetvalue(r, i, COL_MIME));
	snprintf(im->created_at, sizeof(im->created_at), "%s", PQgetvalue(r, i, COL_CREATED));
}

int
ig_image_get(const char *id, ig_image *out, ig_err *err)
{
	const char *p[1] = { id };
	PGresult *r;
	int found;

	if (id == NULL)
		return 0;
	r = ig_db_exec(sql[SQL_GET], 1, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found)
		row(r, 0, out);
	PQclear(r);
	return found;
}

int
ig_images_of_job(const char *job_id, ig_image **out, int *n, ig_err *err)
{
	const char *p[1] = { job_id };
	PGresult *r = ig_db_exec(sql[SQL_OF_JOB], 1, p, IG_DB_IDEMPOTENT, err);

	*out = NULL;
	*n = 0;
	if (r == NULL)
		return -1;
	*n = PQntuples(r);
	if (*n > 0)
		*out = ig_xcalloc((size_t)*n, sizeof(**out));
	for (int i = 0; i < *n; i++)
		row(r, i, &(*out)[i]);
	PQclear(r);
	return 0;
}
