/* workflow.c — see workflow.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/json.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/collab/access.h"
#include "lib/gallery/images.h"
#include "lib/jobs/batch.h"
#include "lib/providers/provider.h"
#include "lib/workflow/workflow.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define COLS "id, name, steps::text, " TS("created_at") ", " TS("updated_at") "," \
	" to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
enum { COL_ID, COL_NAME, COL_STEPS, COL_CREATED, COL_UPDATED, COL_KEY };

#define STATEMENTS(X) \
	X(SQL_CREATE, "INSERT INTO workflows (user_id, name, steps) VALUES ($1, $2, $3::jsonb) RETURNING " COLS) \
	X(SQL_GET, "SELECT " COLS " FROM workflows WHERE id = $1 AND user_id = $2") \
	X(SQL_UPDATE, "UPDATE workflows SET name = coalesce($3, name), steps = coalesce($4::jsonb, steps)," \
	    " updated_at = now() WHERE id = $1 AND user_id = $2 RETURNING " COLS) \
	X(SQL_DELETE, "DELETE FROM workflows WHERE id = $1 AND user_id = $2") \
	/* $2, $3 the (created_at, id) of the page's cursor. */ \
	X(SQL_LIST, "SELECT " COLS " FROM workflows WHERE user_id = $1" \
	    " AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))" \
	    " ORDER BY created_at DESC, id DESC LIMIT $4::int")
IG_DB_STATEMENTS(STATEMENTS);

static json_object *
row_json(PGresult *r, int i)
{
	json_object *o = json_object_new_object(), *steps;
	const char *s = PQgetvalue(r, i, COL_STEPS);
	ig_err perr;

	steps = ig_json_parse(s, strlen(s), IG_WORKFLOW_MAX_STEPS, &perr);
	json_object_object_add(o, "id", json_object_new_string(PQgetvalue(r, i, COL_ID)));
	json_object_object_add(o, "name", json_object_new_string(PQgetvalue(r, i, COL_NAME)));
	json_object_object_add(o, "steps", steps != NULL ? steps : json_object_new_array());
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, i, COL_CREATED)));
	json_object_object_add(o, "updated_at", json_object_new_string(PQgetvalue(r, i, COL_UPDATED)));
	return o;
}

/* Run a statement answering at most one workflow row: 1 with *out, 0 when
 * none, -1 with err. */
static int
one(int stmt, int n, const char *const *p, int flags, json_object **out, ig_err *err)
{
	PGresult *r = ig_db_exec(sql[stmt], n, p, flags, err);
	int found;

	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found && out != NULL)
		*out = row_json(r, 0);
	PQclear(r);
	return found;
}

static const char *
text(json_object *o)
{
	return o != NULL ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
}

int
ig_workflow_create(const char *user_id, const char *name, json_object *steps, json_object **out, ig_err *err)
{
	const char *p[3] = { user_id, name, text(steps) };

	return one(SQL_CREATE, 3, p, 0, out, err) < 0 ? -1 : 0;
}

int
ig_workflow_get(const char *id, const char *user_id, json_object **out, ig_err *err)
{
	const char *p[2] = { id, user_id };

	return one(SQL_GET, 2, p, IG_DB_IDEMPOTENT, out, err);
}

int
ig_workflow_update(const char *id, const char *user_id, const char *name, json_object *steps,
    json_object **out, ig_err *err)
{
	const char *p[4] = { id, user_id, name, text(steps) };

	return one(SQL_UPDATE, 4, p, 0, out, err);
}

int
ig_workflow_delete(const char *id, const char *user_id, ig_err *err)
{
	const char *p[2] = { id, user_id };
	PGresult *r;
	int n;

	if ((r = ig_db_exec(sql[SQL_DELETE], 2, p, 0, err)) == NULL)
		return -1;
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	return n > 0;
}

json_object *
ig_workflow_list(const char *user_id, const ig_page *pg, char **next_cursor, ig_err *err)
{
	return ig_page_run_of(pg, IG_WORKFLOW_PAGE_SCOPE, sql[SQL_LIST], user_id, row_json, COL_KEY, COL_ID,
	    next_cursor, err);
}

/* An add_to_project step at the runner: job's user must still be allowed
 * to add to the project (lib/collab/access.h), then the n images of im go
 * in it. */
static int
add_to_project(const ig_job *job, const char *project_id, const ig_image *im, int n, ig_err *err)
{
	ig_access acc;
	ig_image_organize o;
	const char **ids;
	int rc = ig_access_project(project_id, job->user_id, &acc, err), moved;

	if (rc < 0)
		return -1;
	if (rc == 0 || !ig_access_may(acc.role, IG_ACT_ORGANIZE))
		return ig_err_set(err, IG_E_FORBIDDEN, "project_id", "the workflow's owner may not add images to project %s",
		    project_id);
	ids = ig_xcalloc((size_t)n, sizeof(*ids));
	for (int i = 0; i < n; i++)
		ids[i] = im[i].id;
	memset(&o, 0, sizeof(o));
	o.ids = ids;
	o.nids = n;
	o.has_project = 1;
	o.project_id = project_id;
	rc = ig_images_organize(job->user_id, &o, &moved, err);
	free(ids);
	return rc;
}

/* The int member name of o, or dflt. */
static int
int_of(json_object *o, const char *name, int dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, name, &v) && v != NULL ? json_object_get_int(v) : dflt;
}

/*
 * The job request of the step next[k] for one image (im) of job, whose
 * own workflow member is wf: a deep copy of the step, its source im, its
 * "workflow" {next: the steps after k, step: the workflow's index of this
 * step, branch: wf's branch and im's index}. NULL when the step is
 * malformed.
 */
static json_object *
step_request(json_object *wf, json_object *next, size_t k, const ig_image *im)
{
	json_object *req = NULL, *cr, *w, *rest, *branch, *old;
	size_t len = json_object_array_length(next);

	if (json_object_deep_copy(json_object_array_get_idx(next, k), &req, NULL) != 0 ||
	    !json_object_object_get_ex(req, "creative", &cr)) {
		json_object_put(req);
		return NULL;
	}
	json_object_object_add(cr, "image_id", json_object_new_string(im->id));
	rest = json_object_new_array();
	for (size_t j = k + 1; j < len; j++)
		json_object_array_add(rest, json_object_get(json_object_array_get_idx(next, j)));
	branch = json_object_new_array();
	if (json_object_object_get_ex(wf, "branch", &old) && json_object_is_type(old, json_type_array))
		for (size_t j = 0; j < json_object_array_length(old); j++)
			json_object_array_add(branch, json_object_get(json_object_array_get_idx(old, j)));
	json_object_array_add(branch, json_object_new_int(im->idx));
	w = json_object_new_object();
	json_object_object_add(w, "next", rest);
	json_object_object_add(w, "step", json_object_new_int(int_of(wf, "step", 0) + 1 + (int)k));
	json_object_object_add(w, "branch", branch);
	json_object_object_add(req, "workflow", w);
	return req;
}

int
ig_workflow_advance(const ig_job *job, int *more, ig_err *err)
{
	json_object *wf, *next, *reqs = NULL, *proj, *op = NULL;
	ig_image *im = NULL;
	int n = 0, rc = -1, want;
	size_t len, k = 0;

	*more = 0;
	if (!json_object_object_get_ex(job->request, "workflow", &wf) ||
	    !json_object_object_get_ex(wf, "next", &next) || !json_object_is_type(next, json_type_array) ||
	    (len = json_object_array_length(next)) == 0)
		return 0;
	if (ig_images_of_job(job->id, &im, &n, err) != 0)
		return -1;
	if (n == 0) {
		free(im);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "the step made no image to pass on");
	}
	/* Every image the step asked for goes on, never more: the item's
	 * images stay within what the saved workflow was checked for
	 * (IG_WORKFLOW_MAX_IMAGES). */
	want = int_of(job->request, "count", 1);
	if (n > want)
		n = want > 0 ? want : 1;
	/* add_to_project steps act on this job's images here; the first step
	 * after them that makes an image is the item's next job, one per
	 * image (the fan-out). */
	for (; k < len; k++) {
		json_object *step = json_object_array_get_idx(next, k);
		if (!json_object_object_get_ex(step, "add_to_project", &proj))
			break;
		if (add_to_project(job, json_object_get_string(proj), im, n, err) != 0)
			goto out;
	}
	if (k == len) {
		rc = 0;
		goto out;
	}
	reqs = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *req = step_request(wf, next, k, &im[i]);
		if (req == NULL) {
			ig_err_set(err, IG_E_INTERNAL, NULL, "a workflow step's request is malformed");
			goto out;
		}
		json_object_array_add(reqs, req);
	}
	json_object_object_get_ex(json_object_object_get(json_object_array_get_idx(reqs, 0), "creative"), "operation",
	    &op);
	rc = ig_batch_item_next(job, ig_provider_builtin.name, json_object_get_string(op), reqs, more, err);
out:
	json_object_put(reqs);
	free(im);
	return rc;
}
