/*
 * projects.c — projects and their members (API.md "Collaboration"). The
 * rows are lib/collab/project.c's; who may do what is lib/collab/access.h's
 * one rule: a project the caller may not see is a 404, a change refused to
 * one who may see it a 403, and a refused change changes nothing.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/projects.h"
#include "lib/collab/access.h"
#include "lib/collab/project.h"

/* The outcome of the access rule for action, found and acc as
 * ig_access_image / ig_access_project gave them, on a `what`. */
static int
outcome(int found, const ig_access *acc, ig_action action, const char *what, ig_err *err)
{
	int status;

	if (found < 0)
		return -1;
	status = found == 0 ? 404 : ig_access_status(acc->role, action);
	if (status == 404)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such %s", what);
	if (status == 403)
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "your role on this %s does not allow this", what);
	return 0;
}

/* A 404 of a project that went while we looked. */
static int
refuse(ig_err *err)
{
	return outcome(0, NULL, IG_ACT_SEE, "project", err);
}

int
ig_api_image_allowed(const ig_req *req, const char *id, ig_action action, ig_access *acc, ig_err *err)
{
	return outcome(ig_access_image(id, req->caller.user_id, acc, err), acc, action, "image", err);
}

int
ig_api_project_allowed(const ig_req *req, const char *id, ig_action action, ig_access *acc, ig_err *err)
{
	return outcome(ig_access_project(id, req->caller.user_id, acc, err), acc, action, "project", err);
}

int
ig_api_project_writable(const ig_req *req, const char *project_id, ig_err *err)
{
	ig_access acc;

	if (project_id == NULL)
		return 0;
	if (!req->caller.authenticated)
		return refuse(err);
	if (ig_api_project_allowed(req, project_id, IG_ACT_ORGANIZE, &acc, err) == 0)
		return 0;
	snprintf(err->field, sizeof(err->field), "project_id");
	return -1;
}

static json_object *
project_json(const ig_project *p)
{
	json_object *o = json_object_new_object(), *owner = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(p->id));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "description", json_object_new_string(p->description));
	json_object_object_add(o, "role", json_object_new_string(ig_role_name(p->role)));
	json_object_object_add(owner, "id", json_object_new_string(p->owner_id));
	json_object_object_add(owner, "username", json_object_new_string(p->owner_username));
	json_object_object_add(o, "owner", owner);
	json_object_object_add(o, "member_count", json_object_new_int64(p->member_count));
	json_object_object_add(o, "image_count", json_object_new_int64(p->image_count));
	json_object_object_add(o, "created_at", json_object_new_string(p->created_at));
	json_object_object_add(o, "updated_at", json_object_new_string(p->updated_at));
	return o;
}

/* A member's JSON object (ig_out_json): every member is set. */
static const ig_out member_out[] = {
	IG_OUT(ig_project_member, user_id), IG_OUT(ig_project_member, username), IG_OUT(ig_project_member, role),
	IG_OUT_AS("added_at", ig_project_member, created_at), IG_OUT_END
};

/* The project id with its members, as the caller sees it: 200 into *out, or
 * -1 with err. */
static int
answer_project(const ig_req *req, const char *id, int status, json_object **out, ig_err *err)
{
	ig_project p;
	ig_project_member *m;
	json_object *o, *a;
	int n, rc = ig_project_get(id, req->caller.user_id, &p, err);

	if (rc <= 0)
		return rc < 0 ? -1 : refuse(err);
	if (ig_project_members(id, &m, &n, err) != 0)
		return -1;
	o = project_json(&p);
	a = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(a, ig_out_json(&m[i], member_out));
	free(m);
	json_object_object_add(o, "members", a);
	*out = ig_ok("project", o);
	return status;
}

/* GET /api/collaboration/projects */
int
ig_api_projects_list(ig_req *req, json_object **out, ig_err *err)
{
	ig_project *rows;
	ig_page pg;
	char *next = NULL;
	json_object *a;
	int n;

	if (ig_fields_page(req, IG_PROJECT_PAGE_SCOPE, 20, &pg, err) != 0 ||
	    ig_project_list(req->caller.user_id, &pg, &rows, &n, &next, err) != 0)
		return -1;
	a = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(a, project_json(&rows[i]));
	free(rows);
	*out = ig_ok_page("projects", a, next);
	return 200;
}

/* POST /api/collaboration/projects, PUT /api/collaboration/projects/{id} */
struct project_body {
	const char *name, *description;
	int has_name, has_description;
};

static const ig_field create_fields[] = {
	{ "name", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROJECT_NAME_MAX, .at = IG_AT(struct project_body, name) },
	{ "description", IG_F_STRING, 0, 0, IG_PROJECT_DESC_MAX, .at = IG_AT(struct project_body, description) },
	IG_FIELDS_END
};

static const ig_field update_fields[] = {
	{ "name", IG_F_STRING, 0, 1, IG_PROJECT_NAME_MAX, .at = IG_AT(struct project_body, name),
	  .has = IG_HAS(struct project_body, has_name) },
	{ "description", IG_F_STRING, 0, 0, IG_PROJECT_DESC_MAX, .at = IG_AT(struct project_body, description),
	  .has = IG_HAS(struct project_body, has_description) },
	IG_FIELDS_END
};

int
ig_api_projects_create(ig_req *req, json_object **out, ig_err *err)
{
	struct project_body b = { NULL, "", 0, 0 };
	ig_project p;

	if (ig_fields_body(req, create_fields, &b, err) != 0 ||
	    ig_project_create(req->caller.user_id, b.name, b.description, &p, err) != 0)
		return -1;
	return answer_project(req, p.id, 201, out, err);
}

/* GET /api/collaboration/projects/{id} */
int
ig_api_project_get(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = ig_req_param(req, "id");
	ig_access acc;

	if (ig_api_project_allowed(req, id, IG_ACT_SEE, &acc, err) != 0)
		return -1;
	return answer_project(req, id, 200, out, err);
}

/* PUT /api/collaboration/projects/{id}: editor or owner. */
int
ig_api_project_put(ig_req *req, json_object **out, ig_err *err)
{
	struct project_body b = { NULL, NULL, 0, 0 };
	const char *id = ig_req_param(req, "id");
	ig_access acc;
	int rc;

	if (ig_api_project_allowed(req, id, IG_ACT_ORGANIZE, &acc, err) != 0 || ig_fields_body(req, update_fields, &b, err) != 0)
		return -1;
	rc = ig_project_update(id, b.has_name, b.name, b.has_description, b.description, err);
	if (rc <= 0)
		return rc < 0 ? -1 : refuse(err);
	return answer_project(req, id, 200, out, err);
}

/* DELETE /api/collaboration/projects/{id}: the owner only. */
int
ig_api_project_delete(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = ig_req_param(req, "id");
	ig_access acc;
	int rc;

	if (ig_api_project_allowed(req, id, IG_ACT_MANAGE, &acc, err) != 0)
		return -1;
	rc = ig_project_delete(id, err);
	if (rc <= 0)
		return rc < 0 ? -1 : refuse(err);
	*out = ig_ok("deleted", json_object_new_string(id));
	return 200;
}

/* POST /api/collaboration/projects/{id}/members: the owner only. */
struct member_body {
	const char *username, *email, *role;
};

static const char *const member_roles[] = { "viewer", "editor", NULL };

static const ig_field member_fields[] = {
	{ "username", IG_F_STRING, 0, 1, 50, .at = IG_AT(struct member_body, username) },
	{ "email", IG_F_STRING, 0, 3, 254, .at = IG_AT(struct member_body, email) },
	{ "role", IG_F_ENUM, 0, 0, 0, .values = member_roles, .at = IG_AT(struct member_body, role) },
	IG_FIELDS_END
};

int
ig_api_project_member_add(ig_req *req, json_object **out, ig_err *err)
{
	struct member_body b = { NULL, NULL, "viewer" };
	const char *id = ig_req_param(req, "id");
	ig_project_member m;
	ig_access acc;
	json_object *d;
	int added, rc;

	if (ig_api_project_allowed(req, id, IG_ACT_MANAGE, &acc, err) != 0 || ig_fields_body(req, member_fields, &b, err) != 0)
		return -1;
	if ((b.username == NULL) == (b.email == NULL))
		return ig_err_set(err, IG_E_INVALID_REQUEST, b.username ? "email" : "username",
		    "give either username or email of the user to add");
	rc = ig_project_member_set(id, b.username, b.email, b.role, req->caller.user_id, &m, &added, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ig_err_set(err, IG_E_NOT_FOUND, b.username ? "username" : "email", "no user has this %s",
		    b.username ? "username" : "email");
	if (added) {
		d = json_object_new_object();
		json_object_object_add(d, "project_id", json_object_new_string(id));
		json_object_object_add(d, "role", json_object_new_string(m.role));
		json_object_object_add(d, "added_by", json_object_new_string(req->caller.user_id));
		ig_activity(req, m.user_id, "project_member_added", d);
	}
	*out = ig_ok("member", ig_out_json(&m, member_out));
	return added ? 201 : 200;
}

/* DELETE /api/collaboration/projects/{id}/members/{user_id}: the owner, or
 * the member themselves (leaving). */
int
ig_api_project_member_remove(ig_req *req, json_object **out, ig_err *err)
{
	const char *id = ig_req_param(req, "id"), *user_id = ig_req_param(req, "user_id");
	int self = user_id != NULL && strcmp(user_id, req->caller.user_id) == 0, rc;
	ig_access acc;

	if (ig_api_project_allowed(req, id, self ? IG_ACT_SEE : IG_ACT_MANAGE, &acc, err) != 0)
		return -1;
	rc = ig_project_member_remove(id, user_id, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ig_err_set(err, IG_E_NOT_FOUND, "user_id", "this user is not a member of the project");
	*out = ig_ok("removed", json_object_new_string(user_id));
	return 200;
}
