/*
 * workflow.c — API.md "Workflows" (issue 14): a user's named list of steps
 * {op: generate|upscale|style|variations|process|add_to_project, ...},
 * each step's parameters those of its route, read by that route's own
 * table (generate.c, creative.c, process.c) with errors naming
 * steps[i].member; at most IG_WORKFLOW_MAX_STEPS, the first a generate.
 * add_to_project {project_id} needs the caller to be allowed to add to the
 * project (ig_api_project_writable) when saved and again when run (the
 * runner asks lib/collab/access.h). A run is a batch of one generation per
 * prompt whose items go through every step in the runner
 * (lib/workflow/workflow.h).
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/generation.h"
#include "app/api/projects.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/jobs/batch.h"
#include "lib/workflow/workflow.h"

/* The prompt a generate step is checked with when saved. */
#define CHECK_PROMPT "a workflow"

static const char *const ops[] = { "generate", "upscale", "style", "variations", "process", "add_to_project", NULL };

struct step_op {
	const char *op;
};

static const ig_field op_only[] = {
	{ "op", IG_F_ENUM, IG_F_REQUIRED, 0, 0, .values = ops, .at = IG_AT(struct step_op, op) },
	IG_FIELDS_END
};

/* add_to_project's parameters. */
struct project_step {
	const char *op, *project_id;
};

static const ig_field project_fields[] = {
	{ "op", IG_F_ENUM, IG_F_REQUIRED, 0, 0, .values = ops, .at = IG_AT(struct project_step, op) },
	{ "project_id", IG_F_UUID, IG_F_REQUIRED, 0, 0, .at = IG_AT(struct project_step, project_id) },
	IG_FIELDS_END
};

/* The op of step (an object) into *op: 0, or -1 with err naming
 * prefix + "op". */
static int
step_op(json_object *step, const char *prefix, const char **op, ig_err *err)
{
	struct step_op s = { NULL };
	json_object *o = json_object_new_object(), *v;
	int rc;

	if (json_object_object_get_ex(step, "op", &v))
		json_object_object_add(o, "op", json_object_get(v));
	rc = ig_fields_object(o, op_only, &s, prefix, err);
	json_object_put(o);
	*op = s.op;
	return rc;
}

/* The creative tool of an op, NULL for the others. */
static const char *
tool_of(const char *op)
{
	return strcmp(op, "upscale") == 0 ? "upscale" : strcmp(op, "style") == 0 ? "style-transfer" :
	    strcmp(op, "variations") == 0 ? "variation" : NULL;
}

/*
 * Count the images step i makes, count of them for each image of the step
 * before (the fan-out), into *width (the images the step makes) and
 * *total (all the item's so far): past IG_WORKFLOW_MAX_IMAGES, -1 with err
 * naming steps[i].name (steps[i] when name is "": a step without a count).
 */
static int
count_images(size_t i, const char *name, int count, int *width, int *total, ig_err *err)
{
	char field[48];

	*width *= count;
	*total += *width;
	if (*total <= IG_WORKFLOW_MAX_IMAGES)
		return 0;
	snprintf(field, sizeof(field), *name ? "steps[%zu].%s" : "steps[%zu]", i, name);
	return ig_err_set(err, IG_E_INVALID_REQUEST, field,
	    "%s: an item would make %d images by this step, at most %d (IG_WORKFLOW_MAX_IMAGES): each step makes"
	    " one result per image of the step before, count (or image_count) of them", field, *total,
	    IG_WORKFLOW_MAX_IMAGES);
}

/*
 * Check every step of steps; with next (a run), also build the job
 * requests of the steps after the first into next and the generation of
 * the first with prompt into *g. 0, or -1 with err naming steps[i].member
 * (the images an item would make, IG_WORKFLOW_MAX_IMAGES, too).
 */
static int
read_steps(ig_req *req, json_object *steps, const char *prompt, ig_gen *g, json_object *next, ig_err *err)
{
	size_t n = json_object_array_length(steps);
	int width = 1, total = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *step = json_object_array_get_idx(steps, i), *cr = NULL;
		char prefix[32], field[48];
		const char *op;

		snprintf(prefix, sizeof(prefix), "steps[%zu].", i);
		snprintf(field, sizeof(field), "steps[%zu]", i);
		if (!json_object_is_type(step, json_type_object))
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be an object", field);
		if (step_op(step, prefix, &op, err) != 0)
			return -1;
		if ((i == 0) != (strcmp(op, "generate") == 0)) {
			snprintf(field, sizeof(field), "steps[%zu].op", i);
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, i == 0 ?
			    "steps[0].op must be generate: a workflow starts with a generation" :
			    "%s: only the first step is a generate", field);
		}
		if (i == 0) {
			ig_gen first;
			ig_gen *gi = g != NULL ? g : &first;
			if (ig_gen_step(req, step, prompt != NULL ? prompt : CHECK_PROMPT, prefix, gi, err) != 0)
				return -1;
			if (g == NULL)
				json_object_put(first.req.extra);
			if (count_images(i, "image_count", gi->req.count > 0 ? gi->req.count : 1, &width, &total, err) != 0)
				return -1;
		} else if (tool_of(op) != NULL) {
			int count;
			if (ig_api_creative_step(tool_of(op), step, prefix, &cr, err) != 0)
				return -1;
			count = strcmp(op, "variations") == 0 ? json_object_get_int(json_object_object_get(cr, "count")) : 1;
			if (count_images(i, strcmp(op, "variations") == 0 ? "count" : "", count, &width, &total, err) != 0) {
				json_object_put(cr);
				return -1;
			}
			if (next != NULL) {
				json_object *r = json_object_new_object();
				json_object_object_add(r, "prompt", json_object_new_string(""));
				json_object_object_add(r, "count", json_object_new_int(count));
				json_object_object_add(r, "creative", cr);
				json_object_array_add(next, r);
			} else {
				json_object_put(cr);
			}
		} else if (strcmp(op, "process") == 0) {
			if (ig_api_process_step(step, prefix, err) != 0 || count_images(i, "", 1, &width, &total, err) != 0)
				return -1;
			/* A creative job of the builtin provider (lib/jobs/creative.h)
			 * with the operations the route just checked. */
			if (next != NULL) {
				json_object *r = json_object_new_object(), *c = json_object_new_object(), *v;
				json_object_object_add(c, "operation", json_object_new_string("process"));
				json_object_object_get_ex(step, "operations", &v);
				json_object_object_add(c, "operations", json_object_get(v));
				if (json_object_object_get_ex(step, "title", &v) && json_object_get_string_len(v) > 0)
					json_object_object_add(c, "title", json_object_get(v));
				json_object_object_add(r, "prompt", json_object_new_string(""));
				json_object_object_add(r, "count", json_object_new_int(1));
				json_object_object_add(r, "creative", c);
				json_object_array_add(next, r);
			}
		} else {
			struct project_step ps = { NULL, NULL };
			if (ig_fields_object(step, project_fields, &ps, prefix, err) != 0)
				return -1;
			if (ig_api_project_writable(req, ps.project_id, err) != 0) {
				snprintf(err->field, sizeof(err->field), "%sproject_id", prefix);
				return -1;
			}
			if (next != NULL) {
				json_object *r = json_object_new_object();
				json_object_object_add(r, "add_to_project", json_object_new_string(ps.project_id));
				json_object_array_add(next, r);
			}
		}
	}
	return 0;
}

struct wf_body {
	const char *name;
	json_object *steps;
	int has_name, has_steps;
};

static const ig_field wf_fields[] = {
	{ "name", IG_F_STRING, IG_F_REQUIRED, 1, 200, .at = IG_AT(struct wf_body, name),
	  .has = IG_HAS(struct wf_body, has_name) },
	{ "steps", IG_F_ARRAY, IG_F_REQUIRED, 1, IG_WORKFLOW_MAX_STEPS, .at = IG_AT(struct wf_body, steps),
	  .has = IG_HAS(struct wf_body, has_steps) },
	IG_FIELDS_END
};

/* PUT changes what it names. */
static const ig_field wf_put_fields[] = {
	{ "name", IG_F_STRING, 0, 1, 200, .at = IG_AT(struct wf_body, name), .has = IG_HAS(struct wf_body, has_name) },
	{ "steps", IG_F_ARRAY, 0, 1, IG_WORKFLOW_MAX_STEPS, .at = IG_AT(struct wf_body, steps),
	  .has = IG_HAS(struct wf_body, has_steps) },
	IG_FIELDS_END
};

/* GET /api/workflow */
int
ig_api_workflow_list(ig_req *req, json_object **out, ig_err *err)
{
	return ig_fields_list(req, IG_WORKFLOW_PAGE_SCOPE, ig_workflow_list, "workflows", out, err);
}

/* POST /api/workflow */
int
ig_api_workflow_create(ig_req *req, json_object **out, ig_err *err)
{
	struct wf_body b = { NULL, NULL, 0, 0 };
	json_object *wf;

	if (ig_fields_body(req, wf_fields, &b, err) != 0 || read_steps(req, b.steps, NULL, NULL, NULL, err) != 0 ||
	    ig_workflow_create(req->caller.user_id, b.name, b.steps, &wf, err) != 0)
		return -1;
	*out = ig_ok("workflow", wf);
	return 201;
}

/* The id of the path when it is a UUID (else a 404 comes from 0 rows). */
static const char *
path_id(ig_req *req)
{
	const char *id = ig_req_param(req, "id");

	return id != NULL && ig_is_uuid(id) ? id : NULL;
}

static int
not_found(ig_err *err)
{
	return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such workflow");
}

/* GET /api/workflow/{id} */
int
ig_api_workflow_get(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = path_id(req);
	json_object *wf = NULL;
	int rc = id ? ig_workflow_get(id, req->caller.user_id, &wf, err) : 0;

	return ig_ok_found(rc, "workflow", "workflow", wf, out, err);
}

/* PUT /api/workflow/{id} */
int
ig_api_workflow_update(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = path_id(req);
	struct wf_body b = { NULL, NULL, 0, 0 };
	json_object *wf = NULL;
	int rc;

	if (id == NULL || (rc = ig_workflow_get(id, req->caller.user_id, NULL, err)) == 0)
		return not_found(err);
	if (rc < 0 || ig_fields_body(req, wf_put_fields, &b, err) != 0 ||
	    (b.has_steps && read_steps(req, b.steps, NULL, NULL, NULL, err) != 0))
		return -1;
	rc = ig_workflow_update(id, req->caller.user_id, b.name, b.has_steps ? b.steps : NULL, &wf, err);
	return ig_ok_found(rc, "workflow", "workflow", wf, out, err);
}

/* DELETE /api/workflow/{id} */
int
ig_api_workflow_delete(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = path_id(req);
	int rc = id ? ig_workflow_delete(id, req->caller.user_id, err) : 0;

	return ig_ok_found(rc, "workflow", "deleted", json_object_new_boolean(1), out, err);
}

struct run_body {
	json_object *prompts;
};

static const ig_field run_fields[] = {
	{ "prompts", IG_F_STRINGS, IG_F_REQUIRED, 1, 0, .at = IG_AT(struct run_body, prompts) },
	IG_FIELDS_END
};

/* POST /api/workflow/{id}/run: the saved steps checked again (a project
 * may have closed to the caller since), one item per prompt. */
int
ig_api_workflow_run(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = path_id(req);
	struct run_body b = { NULL };
	json_object *wf = NULL, *steps, *items = NULL, *next = NULL;
	ig_gen g;
	size_t n;
	char batch_id[IG_UUID_BUF];
	int rc = -1, found;

	memset(&g, 0, sizeof(g));
	found = id ? ig_workflow_get(id, req->caller.user_id, &wf, err) : 0;
	if (found <= 0)
		return found < 0 ? -1 : not_found(err);
	if (ig_fields_body(req, run_fields, &b, err) != 0)
		goto out;
	n = json_object_array_length(b.prompts);
	if (n > (size_t)ig_cfg()->batch_max_prompts) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "prompts", "a run has 1 to %d prompts (IG_BATCH_MAX_PROMPTS); this one has %zu",
		    ig_cfg()->batch_max_prompts, n);
		goto out;
	}
	steps = json_object_object_get(wf, "steps");
	items = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *r, *w;
		const char *prompt = json_object_get_string(json_object_array_get_idx(b.prompts, i));
		json_object_put(g.req.extra);
		json_object_put(next);
		next = json_object_new_array();
		if (ig_utf8_len(prompt) < 1 || ig_utf8_len(prompt) > IG_PROMPT_MAX) {
			char field[32];
			snprintf(field, sizeof(field), "prompts[%zu]", i);
			ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be a prompt of 1 to %d characters", field,
			    IG_PROMPT_MAX);
			goto out;
		}
		if (read_steps(req, steps, prompt, &g, next, err) != 0)
			goto out;
		r = ig_gen_job_request(&g);
		w = json_object_new_object();
		json_object_object_add(w, "workflow_id", json_object_new_string(id));
		json_object_object_add(w, "next", json_object_get(next));
		json_object_object_add(r, "workflow", w);
		json_object_array_add(items, r);
	}
	if (ig_batch_queue(req, &g, json_object_get_string(json_object_object_get(wf, "name")), NULL, 0, items,
	    "workflow_id", json_object_new_string(id), batch_id, err) != 0)
		goto out;
	/* One run is one batch: the run's id is the batch's. */
	*out = ig_ok("run_id", json_object_new_string(batch_id));
	json_object_object_add(*out, "batch_id", json_object_new_string(batch_id));
	rc = 202;
out:
	json_object_put(g.req.extra);
	json_object_put(next);
	json_object_put(items);
	json_object_put(wf);
	return rc;
}
