/* images.c — see images.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/gallery/images.h"

/* Every statement of this module; the readers return the columns of COLS. */
enum {
	SQL_GET,
	SQL_OF_JOB,
	SQL_ADD,
	SQL_SET_THUMBNAIL,
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
	[SQL_ADD] = "INSERT INTO images (user_id, job_id, idx, filename, thumbnail, prompt,"
	" negative_prompt, provider, model, width, height, seed, size_bytes, sha256, mime_type, cache_key)"
	" VALUES ($1, $2, $3::int, $4, $5, $6, $7, $8, $9, $10::int, $11::int, $12::bigint, $13::bigint,"
	" $14, $15, $16) ON CONFLICT (job_id, idx) DO NOTHING RETURNING id",
	[SQL_SET_THUMBNAIL] = "UPDATE images SET thumbnail = $2 WHERE filename = $1",
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

int
ig_image_add(const ig_image_new *im, ig_err *err)
{
	char sidx[16], sw[16], sh[16], sseed[24], ssize[24];
	const char *p[16];
	PGresult *r;
	int added;

	snprintf(sidx, sizeof(sidx), "%d", im->idx);
	snprintf(sw, sizeof(sw), "%d", im->width);
	snprintf(sh, sizeof(sh), "%d", im->height);
	snprintf(sseed, sizeof(sseed), "%lld", (long long)im->seed);
	snprintf(ssize, sizeof(ssize), "%zu", im->size_bytes);
	p[0] = im->user_id;
	p[1] = im->job_id;
	p[2] = sidx;
	p[3] = im->filename;
	p[4] = NULL;
	p[5] = im->prompt;
	p[6] = im->negative_prompt;
	p[7] = im->provider;
	p[8] = im->model;
	p[9] = sw;
	p[10] = sh;
	p[11] = im->has_seed ? sseed : NULL;
	p[12] = ssize;
	p[13] = im->sha256;
	p[14] = im->mime_type;
	p[15] = im->cache_key;
	r = ig_db_exec(sql[SQL_ADD], 16, p, 0, err);
	if (r == NULL)
		return -1;
	added = PQntuples(r) == 1;
	PQclear(r);
	return added;
}

int
ig_image_set_thumbnail(const char *filename, const char *thumbnail, ig_err *err)
{
	const char *p[2] = { filename, thumbnail };

	return ig_db_run(sql[SQL_SET_THUMBNAIL], 2, p, 0, err);
}
