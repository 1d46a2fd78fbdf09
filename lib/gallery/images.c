/* images.c — see images.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/gallery/images.h"
#include "lib/store/image_store.h"

#define COLS "id, coalesce(user_id::text, ''), coalesce(job_id::text, ''), idx, filename, provider, model," \
	" width, height, seed, mime_type," \
	" to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
enum { COL_ID, COL_USER, COL_JOB, COL_IDX, COL_FILENAME, COL_PROVIDER, COL_MODEL, COL_WIDTH, COL_HEIGHT,
	COL_SEED, COL_MIME, COL_CREATED };

#define STR_(x) #x
#define STR(x) STR_(x)


/* The gallery's item (API.md "Images, gallery and files"), read by
 * item_json; KEY is the keyset cursor's sort key of both orders:
 * "rating/created_at" (microseconds). */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define ITEM_COLS "i.id, i.filename, coalesce(i.thumbnail, ''), i.prompt, i.negative_prompt, i.provider," \
	" i.model, i.width, i.height, i.size_bytes, i.seed, " TS("i.created_at") ", to_json(i.tags)::text," \
	" i.rating, i.favorite, i.folder, i.project_id, i.title, i.parent_id, i.operation," \
	" i.rating || '/' || to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
enum { IC_ID, IC_FILENAME, IC_THUMB, IC_PROMPT, IC_NEG, IC_PROVIDER, IC_MODEL, IC_WIDTH, IC_HEIGHT, IC_SIZE,
	IC_SEED, IC_CREATED, IC_TAGS, IC_RATING, IC_FAVORITE, IC_FOLDER, IC_PROJECT, IC_TITLE, IC_PARENT,
	IC_OPERATION, IC_KEY, IC__N };

/* The gallery's filters, $1..$10 (ig_gallery_list's order), all before
 * the LIMIT; q ($8) is lowered by the caller's statement. With a project
 * ($3) every image of it, whoever made it; else the user's ($1). */
#define FILTERS " FROM images i WHERE ($3::uuid IS NULL AND i.user_id = $1::uuid OR i.project_id = $3::uuid)" \
	" AND ($2::text IS NULL OR i.provider = $2::text)" \
	" AND ($4::text IS NULL OR i.folder = $4::text)" \
	" AND ($5::jsonb IS NULL OR i.tags @> ARRAY(SELECT jsonb_array_elements_text($5::jsonb)))" \
	" AND ($6::bool IS NULL OR i.favorite = $6::bool)" \
	" AND ($7::int IS NULL OR i.rating >= $7::int)" \
	" AND ($8::text IS NULL OR (i.search_bigrams @> ig_bigrams(lower($8::text))" \
	"  AND strpos(i.search_doc, lower($8::text)) > 0))" \
	" AND ($9::timestamptz IS NULL OR i.created_at >= $9::timestamptz)" \
	" AND ($10::timestamptz IS NULL OR i.created_at <= $10::timestamptz)"
/* The cursor's (rating, created_at) from its key, $11; its id $12. */
#define AFTER_R "split_part($11::text, '/', 1)::int"
#define AFTER_T "split_part($11::text, '/', 2)::timestamptz"
#define LIST(after, order) "SELECT " ITEM_COLS FILTERS \
	" AND ($11::text IS NULL OR " after ") ORDER BY " order " LIMIT $13::int"

/* Set a column when its flag ($n) is true. */
#define SET_IF(col, flag, val) col " = CASE WHEN " flag "::bool THEN " val " ELSE " col " END"
/* Distinct, sorted tags of a jsonb array of strings. */
#define TAGS_OF(j) "ARRAY(SELECT DISTINCT tg.v FROM jsonb_array_elements_text(" j ") AS tg(v) ORDER BY tg.v)"

/* Every statement of this module; the readers return the columns of COLS. */
#define STATEMENTS(X) \
	X(SQL_GET, "SELECT " COLS " FROM images WHERE id = " IG_SQL_UUID_OR_NULL("$1")) \
	X(SQL_OF_JOB, "SELECT " COLS " FROM images WHERE job_id = $1 ORDER BY idx") \
	/* A project deleted while the job waited: the image is stored \
	 * without one (as deleting it would have left it). */ \
	X(SQL_ADD, "INSERT INTO images (user_id, job_id, idx, filename, thumbnail, prompt," \
	    " negative_prompt, provider, model, width, height, seed, size_bytes, sha256, mime_type, cache_key, project_id," \
	    " tags) VALUES ($1, $2, $3::int, $4, $5, $6, $7, $8, $9, $10::int, $11::int, $12::bigint, $13::bigint," \
	    " $14, $15, $16, (SELECT id FROM projects WHERE id = $17::uuid), " TAGS_OF("$18::jsonb") ")" \
	    " ON CONFLICT (job_id, idx) DO NOTHING RETURNING id") \
	X(SQL_SET_THUMBNAIL, "UPDATE images SET thumbnail = $2 WHERE filename = $1") \
	/* $1 is the image's file name, or its thumbnail's (that name less \
	 * IG_THUMB_SUFFIX is then the image's): both probe the unique index. */ \
	X(SQL_KNOWN, "SELECT count(*) FROM images WHERE filename IN ($1, left($1, -length('" IG_THUMB_SUFFIX "')))" \
	    " AND $1 IN (filename, thumbnail)") \
	X(SQL_LIST_CREATED_DESC, LIST("(i.created_at, i.id) < (" AFTER_T ", $12::uuid)", \
	        "i.created_at DESC, i.id DESC")) \
	X(SQL_LIST_CREATED_ASC, LIST("(i.created_at, i.id) > (" AFTER_T ", $12::uuid)", \
	        "i.created_at, i.id")) \
	X(SQL_LIST_RATING_DESC, LIST("(i.rating, i.created_at, i.id) < (" AFTER_R ", " AFTER_T ", $12::uuid)", \
	        "i.rating DESC, i.created_at DESC, i.id DESC")) \
	X(SQL_LIST_RATING_ASC, LIST("(i.rating, i.created_at, i.id) > (" AFTER_R ", " AFTER_T ", $12::uuid)", \
	        "i.rating, i.created_at, i.id")) \
	/* Exact up to the cap: counting stops one row past it. */ \
	X(SQL_COUNT, "SELECT count(*) FROM (SELECT 1" FILTERS " LIMIT " STR(IG_GALLERY_TOTAL_EXACT) " + 1) x") \
	X(SQL_DETAIL, "SELECT " ITEM_COLS ", j.request::text," \
	    " (SELECT coalesce(json_agg(c.id ORDER BY c.created_at, c.id), '[]') FROM images c" \
	    "  WHERE c.parent_id = i.id AND c.user_id = $2::uuid)::text" \
	    " FROM images i LEFT JOIN jobs j ON j.id = i.job_id" \
	    " WHERE i.id = " IG_SQL_UUID_OR_NULL("$1") " AND ($3::bool OR i.user_id = $2::uuid)") \
	X(SQL_UPDATE, "UPDATE images SET " SET_IF("title", "$2", "$3::text") ", " \
	    SET_IF("rating", "$4", "$5::smallint") ", " SET_IF("favorite", "$6", "$7::bool") ", " \
	    SET_IF("tags", "$8", TAGS_OF("$9::jsonb")) ", " SET_IF("folder", "$10", "$11::text") \
	    " WHERE id = " IG_SQL_UUID_OR_NULL("$1") " RETURNING 1") \
	/* \
	 * All or nothing in one statement: the first listed id that is not one \
	 * of $1's images (in the list's order), else the first that adding \
	 * tags would take past the cap; the update runs only when there is \
	 * neither. $2 the ids (jsonb), $3 tags_add, $4 tags_remove, $5/$6 \
	 * folder, $7/$8 favorite, $9/$10 rating, $11/$12 project_id. \
	 */ \
	X(SQL_ORGANIZE, \
	    "WITH l AS (SELECT t.v AS id, t.ord FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS t(v, ord))," \
	    " bad AS (SELECT l.id FROM l LEFT JOIN images i ON i.id = " IG_SQL_UUID_OR_NULL("l.id") " AND i.user_id = $1::uuid" \
	    "  WHERE i.id IS NULL ORDER BY l.ord LIMIT 1)," \
	    " nt AS (SELECT i.id, ARRAY(SELECT DISTINCT x.v FROM unnest(i.tags || " TAGS_OF("$3::jsonb") ") AS x(v)" \
	    "  WHERE x.v <> ALL(" TAGS_OF("$4::jsonb") ") ORDER BY x.v) AS tags" \
	    "  FROM l JOIN images i ON i.id = " IG_SQL_UUID_OR_NULL("l.id") " AND i.user_id = $1::uuid)," \
	    " over AS (SELECT l.id FROM l JOIN nt ON nt.id::text = lower(l.id)" \
	    "  WHERE cardinality(nt.tags) > " STR(IG_GALLERY_TAGS_MAX) " ORDER BY l.ord LIMIT 1)," \
	    " u AS (UPDATE images i SET tags = nt.tags, " SET_IF("folder", "$5", "$6::text") ", " \
	    SET_IF("favorite", "$7", "$8::bool") ", " SET_IF("rating", "$9", "$10::smallint") ", " \
	    SET_IF("project_id", "$11", "$12::uuid") \
	    "  FROM nt WHERE i.id = nt.id AND NOT EXISTS (SELECT 1 FROM bad) AND NOT EXISTS (SELECT 1 FROM over)" \
	    "  RETURNING 1)" \
	    " SELECT (SELECT id FROM bad), (SELECT id FROM over), (SELECT count(*) FROM u)") \
	X(SQL_DELETE, "DELETE FROM images WHERE id = " IG_SQL_UUID_OR_NULL("$1") " AND user_id = $2::uuid" \
	    " RETURNING filename, coalesce(thumbnail, '')") \
	/* An upload ($11 NULL) or an image made from $11, which must be one \
	 * of $1's: no row otherwise. The text columns come from the parent; \
	 * an upload has no prompt and the provider "upload". */ \
	X(SQL_ADD_OWN, "INSERT INTO images (user_id, job_id, idx, filename, prompt, negative_prompt, provider, model," \
	    " width, height, size_bytes, sha256, mime_type, title, tags, parent_id, operation)" \
	    " SELECT $1::uuid, $12::uuid, $13::int, $2, coalesce(p.prompt, ''), p.negative_prompt, coalesce(p.provider, 'upload')," \
	    " coalesce(p.model, ''), $3::int, $4::int, $5::bigint, $6, $7, $8, " TAGS_OF("$9::jsonb") ", p.id, $10" \
	    " FROM (SELECT 1) one LEFT JOIN images p ON p.id = $11::uuid AND p.user_id = $1::uuid" \
	    " WHERE $11::uuid IS NULL OR p.id IS NOT NULL ON CONFLICT (job_id, idx) DO NOTHING RETURNING id")
IG_DB_STATEMENTS(STATEMENTS);

/* Run a statement that answers at most one row: 1 when it did, 0 when
 * not, -1 with err. */
static int
one_row(int stmt, int n, const char *const *p, int flags, ig_err *err)
{
	PGresult *r = ig_db_exec(sql[stmt], n, p, flags, err);
	int found;

	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	PQclear(r);
	return found;
}

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
	const char *p[18];

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
	p[16] = im->project_id;
	p[17] = im->tags;
	return one_row(SQL_ADD, 18, p, 0, err);
}

int
ig_image_set_thumbnail(const char *filename, const char *thumbnail, ig_err *err)
{
	return ig_db_run(sql[SQL_SET_THUMBNAIL], IG_DB_ARGS(filename, thumbnail), 0, err);
}

int
ig_image_known(const char *name, ig_err *err)
{
	const char *p[1] = { name };
	int64_t n;

	if (ig_db_int64(sql[SQL_KNOWN], 1, p, IG_DB_IDEMPOTENT, &n, err) != 0)
		return -1;
	return n > 0;
}

void
ig_gallery_scope(const ig_gallery_filter *f, char out[32])
{
	snprintf(out, 32, "gallery:%s:%s", f->by_rating ? "rating" : "created_at", f->ascending ? "asc" : "desc");
}

static json_object *
text_or_null(PGresult *r, int i, int c)
{
	return PQgetisnull(r, i, c) ? NULL : json_object_new_string(PQgetvalue(r, i, c));
}

/* One image as API.md's item: the row, its URLs, its lineage fields. */
static json_object *
item_json(PGresult *r, int i)
{
	json_object *o = json_object_new_object(), *tags;
	const char *v = PQgetvalue(r, i, IC_TAGS);
	char url[512];
	ig_err perr;

	json_object_object_add(o, "id", json_object_new_string(PQgetvalue(r, i, IC_ID)));
	json_object_object_add(o, "filename", json_object_new_string(PQgetvalue(r, i, IC_FILENAME)));
	snprintf(url, sizeof(url), "/generated_images/%s", PQgetvalue(r, i, IC_FILENAME));
	json_object_object_add(o, "url", json_object_new_string(url));
	if (*PQgetvalue(r, i, IC_THUMB) != '\0') {
		snprintf(url, sizeof(url), "/generated_images/%s", PQgetvalue(r, i, IC_THUMB));
		json_object_object_add(o, "thumbnail_url", json_object_new_string(url));
	} else {
		json_object_object_add(o, "thumbnail_url", NULL);   /* not made yet */
	}
	json_object_object_add(o, "title", text_or_null(r, i, IC_TITLE));
	json_object_object_add(o, "prompt", json_object_new_string(PQgetvalue(r, i, IC_PROMPT)));
	json_object_object_add(o, "negative_prompt", text_or_null(r, i, IC_NEG));
	json_object_object_add(o, "provider", json_object_new_string(PQgetvalue(r, i, IC_PROVIDER)));
	json_object_object_add(o, "model", json_object_new_string(PQgetvalue(r, i, IC_MODEL)));
	json_object_object_add(o, "width", json_object_new_int(atoi(PQgetvalue(r, i, IC_WIDTH))));
	json_object_object_add(o, "height", json_object_new_int(atoi(PQgetvalue(r, i, IC_HEIGHT))));
	json_object_object_add(o, "size_bytes",
	    json_object_new_int64(strtoll(PQgetvalue(r, i, IC_SIZE), NULL, 10)));
	json_object_object_add(o, "seed", PQgetisnull(r, i, IC_SEED) ? NULL :
	    json_object_new_int64(strtoll(PQgetvalue(r, i, IC_SEED), NULL, 10)));
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, i, IC_CREATED)));
	tags = ig_json_parse(v, strlen(v), 2 * IG_GALLERY_TAGS_MAX, &perr);
	json_object_object_add(o, "tags", tags ? tags : json_object_new_array());
	json_object_object_add(o, "rating", json_object_new_int(atoi(PQgetvalue(r, i, IC_RATING))));
	json_object_object_add(o, "favorite", json_object_new_boolean(*PQgetvalue(r, i, IC_FAVORITE) == 't'));
	json_object_object_add(o, "folder", text_or_null(r, i, IC_FOLDER));
	json_object_object_add(o, "project_id", text_or_null(r, i, IC_PROJECT));
	json_object_object_add(o, "parent_id", text_or_null(r, i, IC_PARENT));
	json_object_object_add(o, "operation", json_object_new_string(PQgetvalue(r, i, IC_OPERATION)));
	return o;
}

/* A jsonb parameter of n strings (NULL when n is 0 and none_is_null),
 * malloc'ed. */
static char *
strings_param(const char *const *v, int n, int none_is_null)
{
	json_object *a;
	char *s;

	if (n == 0 && none_is_null)
		return NULL;
	a = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	s = ig_xstrdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return s;
}

int
ig_gallery_list(const ig_gallery_filter *f, const ig_page *pg, json_object **items, char **next_cursor,
    long *total, int *total_is_estimate, ig_err *err)
{
	static const int which[2][2] = { { SQL_LIST_CREATED_DESC, SQL_LIST_CREATED_ASC },
		{ SQL_LIST_RATING_DESC, SQL_LIST_RATING_ASC } };
	char fav[8], rating[8], scope[32], *tags = strings_param(f->tags, f->ntags, 1);
	const char *p[13];
	PGresult *r = NULL;
	int64_t n = 0;
	int nrows, rc = -1;

	*items = NULL;
	*next_cursor = NULL;
	snprintf(fav, sizeof(fav), "%s", f->favorite ? "true" : "false");
	snprintf(rating, sizeof(rating), "%d", f->min_rating);
	p[0] = f->user_id;
	p[1] = f->provider;
	p[2] = f->project_id;
	p[3] = f->folder;
	p[4] = tags;
	p[5] = f->favorite < 0 ? NULL : fav;
	p[6] = f->min_rating < 0 ? NULL : rating;
	p[7] = f->q && *f->q ? f->q : NULL;
	p[8] = f->from;
	p[9] = f->to;
	p[10] = pg->has_after ? pg->after_key : NULL;
	p[11] = pg->has_after ? pg->after_id : NULL;
	p[12] = pg->limit_plus_one;
	/* Planned with its values: a generic plan of the optional filters
	 * read every row of the caller (8-12 ms against 0.6 ms). The total
	 * (below) counts only when the page does not show it. */
	r = ig_db_exec(sql[which[f->by_rating != 0][f->ascending != 0]], 13, p, IG_DB_IDEMPOTENT | IG_DB_PLAN_EACH,
	    err);
	if (r == NULL)
		goto out;
	nrows = PQntuples(r);
	/* A first page that holds every match is its own count. */
	if (!pg->has_after && nrows <= pg->limit)
		n = nrows;
	else if (ig_db_int64(sql[SQL_COUNT], 10, p, IG_DB_IDEMPOTENT | IG_DB_PLAN_EACH, &n, err) != 0)
		goto out;
	*total_is_estimate = n > IG_GALLERY_TOTAL_EXACT;
	*total = *total_is_estimate ? IG_GALLERY_TOTAL_EXACT : (long)n;
	*items = json_object_new_array();
	for (int i = 0; i < nrows && i < pg->limit; i++)
		json_object_array_add(*items, item_json(r, i));
	ig_gallery_scope(f, scope);
	if (nrows > pg->limit)
		*next_cursor = ig_page_next(pg, scope, nrows, PQgetvalue(r, pg->limit - 1, IC_KEY),
		    PQgetvalue(r, pg->limit - 1, IC_ID));
	rc = 0;
out:
	PQclear(r);
	free(tags);
	return rc;
}

/* ig_image_detail, of user_id's image or (any_owner) of any. */
static int
detail(const char *id, const char *user_id, int any_owner, json_object **out, ig_err *err)
{
	const char *p[3] = { id, user_id, any_owner ? "true" : "false" };
	PGresult *r;
	json_object *o, *v;
	ig_err perr;
	const char *t;

	*out = NULL;
	if (id == NULL || user_id == NULL || *user_id == '\0')
		return 0;
	r = ig_db_exec(sql[SQL_DETAIL], 3, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	o = item_json(r, 0);
	t = PQgetvalue(r, 0, IC__N);
	v = PQgetisnull(r, 0, IC__N) ? NULL : ig_json_parse(t, strlen(t), 1000, &perr);
	json_object_object_add(o, "parameters", v);
	t = PQgetvalue(r, 0, IC__N + 1);
	v = ig_json_parse(t, strlen(t), 1000000, &perr);
	json_object_object_add(o, "children", v ? v : json_object_new_array());
	PQclear(r);
	*out = o;
	return 1;
}

/* The parameters of a SET_IF: p[i] its flag, p[i + 1] its value. */
static void
set_if(const char **p, int i, int has, const char *value)
{
	p[i] = has ? "true" : "false";
	p[i + 1] = value;
}

int
ig_image_detail(const char *id, const char *user_id, json_object **out, ig_err *err)
{
	return detail(id, user_id, 0, out, err);
}

int
ig_image_detail_seen(const char *id, const char *user_id, json_object **out, ig_err *err)
{
	return detail(id, user_id, 1, out, err);
}

int
ig_image_update(const char *id, const ig_image_patch *pt, ig_err *err)
{
	char rating[8], *tags = strings_param(pt->tags, pt->ntags, 0);
	const char *p[11];
	int found;

	if (id == NULL) {
		free(tags);
		return 0;
	}
	snprintf(rating, sizeof(rating), "%d", pt->rating);
	p[0] = id;
	set_if(p, 1, pt->has_title, pt->title);
	set_if(p, 3, pt->has_rating, rating);
	set_if(p, 5, pt->has_favorite, pt->favorite ? "true" : "false");
	set_if(p, 7, pt->has_tags, tags);
	set_if(p, 9, pt->has_folder, pt->folder);
	found = one_row(SQL_UPDATE, 11, p, 0, err);
	free(tags);
	return found;
}

int
ig_images_organize(const char *user_id, const ig_image_organize *o, int *updated, ig_err *err)
{
	char rating[8], *ids = strings_param(o->ids, o->nids, 0), *add = strings_param(o->tags_add, o->ntags_add, 0),
	    *rm = strings_param(o->tags_remove, o->ntags_remove, 0);
	const char *p[12];
	PGresult *r;
	int rc = -1;

	*updated = 0;
	snprintf(rating, sizeof(rating), "%d", o->rating);
	p[0] = user_id;
	p[1] = ids;
	p[2] = add;
	p[3] = rm;
	set_if(p, 4, o->has_folder, o->folder);
	set_if(p, 6, o->has_favorite, o->favorite ? "true" : "false");
	set_if(p, 8, o->has_rating, rating);
	set_if(p, 10, o->has_project, o->project_id);
	r = ig_db_exec(sql[SQL_ORGANIZE], 12, p, 0, err);
	if (r == NULL)
		goto out;
	if (!PQgetisnull(r, 0, 0))
		ig_err_set(err, IG_E_INVALID_REQUEST, "image_ids", "image %s is not one of your images",
		    PQgetvalue(r, 0, 0));
	else if (!PQgetisnull(r, 0, 1))
		ig_err_set(err, IG_E_INVALID_REQUEST, "tags_add", "image %s would have more than %d tags",
		    PQgetvalue(r, 0, 1), IG_GALLERY_TAGS_MAX);
	else {
		*updated = atoi(PQgetvalue(r, 0, 2));
		rc = 0;
	}
	PQclear(r);
out:
	free(ids);
	free(add);
	free(rm);
	return rc;
}

/* Remove image (or thumbnail) name from the image store; one already gone
 * is fine. */
static void
remove_file(const char *name)
{
	ig_err err;

	if (*name == '\0' || strchr(name, '/') != NULL)
		return;
	if (ig_images_delete(name, &err) != 0)
		ig_logf(IG_LOG_WARN, "image_unlink_failed", "%s: %s", name, err.message);
}

int
ig_image_delete(const char *id, const char *user_id, ig_err *err)
{
	const char *p[2] = { id, user_id };
	PGresult *r;
	int found;

	if (id == NULL || user_id == NULL || *user_id == '\0')
		return 0;
	r = ig_db_exec(sql[SQL_DELETE], 2, p, 0, err);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found) {
		remove_file(PQgetvalue(r, 0, 0));
		remove_file(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return found;
}

int
ig_image_add_own(const ig_image_own *im, char id_out[IG_UUID_BUF], ig_err *err)
{
	char w[16], h[16], size[24], idx[16], *tags = strings_param(im->tags, im->ntags, 0);
	const char *p[] = { im->user_id, im->filename, w, h, size, im->sha256, im->mime_type, im->title, tags,
		im->operation, im->parent_id, im->job_id, idx };
	PGresult *r;
	int added;

	snprintf(w, sizeof(w), "%d", im->width);
	snprintf(h, sizeof(h), "%d", im->height);
	snprintf(size, sizeof(size), "%zu", im->size_bytes);
	snprintf(idx, sizeof(idx), "%d", im->idx);
	r = ig_db_exec(sql[SQL_ADD_OWN], 13, p, 0, err);
	free(tags);
	if (r == NULL)
		return -1;
	added = PQntuples(r) == 1;
	if (added)
		snprintf(id_out, 37, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return added;
}
