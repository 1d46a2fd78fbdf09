/*
 * test_projects.c — projects, members and images in projects through nginx
 * (API.md "Collaboration", issue 13): create, list, get, rename, delete;
 * members added by username or email, their role changed, removed by the
 * owner or leaving; member_count and image_count; images put in a project
 * by generate, batch and organize only by its editors and owner; a
 * project's gallery listing every member's images; GET, PATCH and DELETE of
 * an image by its project's roles; the limits; bad fields named.
 *
 * Every refusal is checked for its status (404 for who may not see, 403
 * for who may see but not change) and for the rows it must not change.
 */
#include "ig_autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

#define NONE "00000000-0000-4000-8000-000000000000"

static const char *
src(void)
{
	return it_source(200, 20, 0);
}

/* A new user: its token (caller frees), id (37 bytes) and name (64). */
static char *
user(const char *prefix, char *uid, char *name)
{
	char buf[64], *token = it_new_user(prefix, src(), buf), *id;

	id = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(buf));
	snprintf(uid, 37, "%s", id);
	free(id);
	if (name != NULL)
		snprintf(name, 64, "%s", buf);
	return token;
}

/* A request with a JSON body (fmt may be NULL): status want, the body
 * parsed (caller puts). */
static json_object *
call(const char *method, const char *path, const char *token, long want, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static json_object *
call(const char *method, const char *path, const char *token, long want, const char *fmt, ...)
{
	char body[4096];
	it_resp r;
	json_object *o;
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(body, sizeof(body), fmt, ap);
		va_end(ap);
	}
	it_json(&r, src(), method, path, token, fmt ? "%s" : NULL, body);
	ck_assert_msg(r.status == want, "%s %s: want %ld, got %ld: %s", method, path, want, r.status, r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* A request that must fail with status, code and field (NULL: any). */
static void
fails(const char *method, const char *path, const char *token, long status, const char *code, const char *field,
    const char *body)
{
	it_resp r;

	it_json(&r, src(), method, path, token, body ? "%s" : NULL, body);
	it_expect_error(&r, status, code, field, NULL);
	it_resp_free(&r);
}

/* Create a project named name as token; its id into id (37 bytes). */
static void
project(const char *token, const char *name, char *id)
{
	json_object *o = call("POST", "/api/collaboration/projects", token, 201,
	    "{\"name\":\"%s\",\"description\":\"about %s\"}", name, name);

	snprintf(id, 37, "%s", it_js(o, "project.id"));
	json_object_put(o);
}

static void
add_member(const char *pid, const char *owner, const char *key, const char *who, const char *role, long want)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members", pid);
	json_object_put(call("POST", path, owner, want, "{\"%s\":\"%s\",\"role\":\"%s\"}", key, who, role));
}

/* The project pid as token sees it (status 200), caller puts. */
static json_object *
get_project(const char *pid, const char *token)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
	return call("GET", path, token, 200, NULL);
}

/* Fail unless psql's answer to the SQL printf(fmt, ...) is want. */
static void
sql_is(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
sql_is(const char *want, const char *fmt, ...)
{
	char q[1024], *v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	v = it_psql("%s", q);
	ck_assert_msg(strcmp(v, want) == 0, "%s: want [%s], got [%s]", q, want, v);
	free(v);
}

/* psql's one value as a long. */
static long
sql_long(const char *q)
{
	char *v = it_psql("%s", q);
	long n = atol(v);

	free(v);
	return n;
}

/* The project with id in a list answer, or NULL. */
static json_object *
in_list(json_object *o, const char *id)
{
	json_object *a = it_jneed(o, "projects", json_type_array);

	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (strcmp(it_js(json_object_array_get_idx(a, i), "id"), id) == 0)
			return json_object_array_get_idx(a, i);
	return NULL;
}

START_TEST(test_lifecycle)
{
	char a_id[37], s_id[37], pid[37], path[160], q[256];
	char *a = user("pja", a_id, NULL), *s = user("pjs", s_id, NULL);
	json_object *o, *p;

	o = call("POST", "/api/collaboration/projects", a, 201, "{\"name\":\"Launch\",\"description\":\"the art\"}");
	p = it_jneed(o, "project", json_type_object);
	snprintf(pid, sizeof(pid), "%s", it_js(p, "id"));
	ck_assert_str_eq(it_js(p, "name"), "Launch");
	ck_assert_str_eq(it_js(p, "description"), "the art");
	ck_assert_str_eq(it_js(p, "role"), "owner");
	ck_assert_str_eq(it_js(p, "owner.id"), a_id);
	ck_assert_int_eq(it_jint(p, "member_count"), 1);
	ck_assert_int_eq(it_jint(p, "image_count"), 0);
	it_js(p, "created_at");
	json_object_put(o);

	/* Listed for its owner, not for a stranger. */
	o = call("GET", "/api/collaboration/projects", a, 200, NULL);
	ck_assert_msg(in_list(o, pid) != NULL, "the owner's list lacks the project");
	ck_assert_str_eq(it_js(in_list(o, pid), "role"), "owner");
	ck_assert(it_jhas(o, "next_cursor"));
	json_object_put(o);
	o = call("GET", "/api/collaboration/projects", s, 200, NULL);
	ck_assert(in_list(o, pid) == NULL);
	json_object_put(o);

	snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
	o = call("PUT", path, a, 200, "{\"name\":\"Relaunch\"}");
	ck_assert_str_eq(it_js(o, "project.name"), "Relaunch");
	ck_assert_str_eq(it_js(o, "project.description"), "the art");
	json_object_put(o);

	/* A stranger sees nothing and changes nothing. */
	fails("GET", path, s, 404, "not_found", NULL, NULL);
	fails("PUT", path, s, 404, "not_found", NULL, "{\"name\":\"Mine\"}");
	fails("DELETE", path, s, 404, "not_found", NULL, NULL);
	fails("GET", path, NULL, 401, "unauthorized", NULL, NULL);
	snprintf(q, sizeof(q), "SELECT name FROM projects WHERE id = '%s'", pid);
	{
		char *name = it_psql("%s", q);
		ck_assert_str_eq(name, "Relaunch");
		free(name);
	}
	fails("GET", "/api/collaboration/projects/" NONE, a, 404, "not_found", NULL, NULL);
	fails("GET", "/api/collaboration/projects/not-a-uuid", a, 404, "not_found", NULL, NULL);

	json_object_put(call("DELETE", path, a, 200, NULL));
	fails("GET", path, a, 404, "not_found", NULL, NULL);
	free(a);
	free(s);
}
END_TEST

START_TEST(test_members)
{
	char a_id[37], b_id[37], c_id[37], s_id[37], b_name[64], c_name[64], a_name[64], pid[37], path[200];
	char *a = user("pma", a_id, a_name), *b = user("pmb", b_id, b_name), *c = user("pmc", c_id, c_name),
	     *s = user("pms", s_id, NULL), *c_email;
	json_object *o;
	it_resp r;
	long before;

	project(a, "Members", pid);
	c_email = it_psql("SELECT email FROM users WHERE id = '%s'", c_id);
	add_member(pid, a, "username", b_name, "viewer", 201);
	add_member(pid, a, "email", c_email, "editor", 201);

	o = get_project(pid, a);
	ck_assert_int_eq(it_jint(o, "project.member_count"), 3);
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "project.members", json_type_array)), 2);
	/* A member is its user_id, username, role and added_at, in that
	 * order (pinned when member objects came to be declared as data). */
	{
		json_object *ms = it_jneed(o, "project.members", json_type_array), *m = NULL;
		char keys[128] = "";

		for (size_t i = 0; i < json_object_array_length(ms); i++)
			if (strcmp(it_js(json_object_array_get_idx(ms, i), "user_id"), b_id) == 0)
				m = json_object_array_get_idx(ms, i);
		ck_assert_msg(m != NULL, "no member %s in %s", b_id, json_object_to_json_string(ms));
		json_object_object_foreach(m, k, v) {
			(void)v;
			snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s", *keys ? "," : "", k);
		}
		ck_assert_str_eq(keys, "user_id,username,role,added_at");
		ck_assert_str_eq(it_js(m, "username"), b_name);
		ck_assert_str_eq(it_js(m, "role"), "viewer");
		ck_assert(strlen(it_js(m, "added_at")) >= 20);
	}
	json_object_put(o);

	/* The member sees it in their list with their role, and the addition
	 * in their activity. */
	o = call("GET", "/api/collaboration/projects", b, 200, NULL);
	ck_assert_msg(in_list(o, pid) != NULL, "the member's list lacks the project");
	ck_assert_str_eq(it_js(in_list(o, pid), "role"), "viewer");
	ck_assert_int_eq(it_jint(in_list(o, pid), "member_count"), 3);
	ck_assert_str_eq(it_js(in_list(o, pid), "owner.username"), a_name);
	json_object_put(o);
	o = call("GET", "/api/user/activity?limit=20", b, 200, NULL);
	ck_assert_msg(strstr(json_object_to_json_string(o), "project_member_added") != NULL,
	    "no project_member_added in %s", json_object_to_json_string(o));
	ck_assert_msg(strstr(json_object_to_json_string(o), pid) != NULL, "the event does not name the project");
	json_object_put(o);

	/* Adding again changes the role. */
	add_member(pid, a, "username", b_name, "editor", 200);
	sql_is("editor", "SELECT role FROM project_members WHERE project_id = '%s' AND user_id = '%s'", pid, b_id);
	add_member(pid, a, "username", b_name, "viewer", 200);

	/* The owner is no member; unknown users are named by their field. */
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members", pid);
	{
		char body[200];
		snprintf(body, sizeof(body), "{\"username\":\"%s\"}", a_name);
		fails("POST", path, a, 409, "conflict", "username", body);
	}
	fails("POST", path, a, 404, "not_found", "username", "{\"username\":\"nobody_here_at_all_x\"}");
	fails("POST", path, a, 404, "not_found", "email", "{\"email\":\"nobody@nowhere.invalid\"}");
	fails("POST", path, a, 400, "invalid_request", "role", "{\"username\":\"x1\",\"role\":\"owner\"}");
	fails("POST", path, a, 400, "invalid_request", NULL, "{\"username\":\"x1\",\"email\":\"x@y.z\"}");
	fails("POST", path, a, 400, "invalid_request", "username", "{\"role\":\"viewer\"}");

	/* Members may not manage members: the editor 403, the stranger 404,
	 * and nothing changes. */
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members", pid);
	before = sql_long("SELECT count(*) FROM project_members");
	{
		char body[200];
		snprintf(body, sizeof(body), "{\"username\":\"%s\",\"role\":\"editor\"}", b_name);
		fails("POST", path, c, 403, "forbidden", NULL, body);
		fails("POST", path, s, 404, "not_found", NULL, body);
	}
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members/%s", pid, b_id);
	fails("DELETE", path, c, 403, "forbidden", NULL, NULL);
	fails("DELETE", path, s, 404, "not_found", NULL, NULL);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM project_members"), before);

	/* The editor renames; the viewer may not, nor delete. */
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
	json_object_put(call("PUT", path, c, 200, "{\"description\":\"by the editor\"}"));
	fails("PUT", path, b, 403, "forbidden", NULL, "{\"name\":\"viewer was here\"}");
	fails("DELETE", path, b, 403, "forbidden", NULL, NULL);
	fails("DELETE", path, c, 403, "forbidden", NULL, NULL);
	sql_is("Members/by the editor", "SELECT name || '/' || description FROM projects WHERE id = '%s'", pid);

	/* The viewer leaves; then sees nothing. */
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members/%s", pid, b_id);
	json_object_put(call("DELETE", path, b, 200, NULL));
	fails("DELETE", path, b, 404, "not_found", NULL, NULL);
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
	fails("GET", path, b, 404, "not_found", NULL, NULL);

	/* The owner removes the editor. */
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members/%s", pid, c_id);
	json_object_put(call("DELETE", path, a, 200, NULL));
	o = get_project(pid, a);
	ck_assert_int_eq(it_jint(o, "project.member_count"), 1);
	json_object_put(o);

	it_json(&r, src(), "GET", "/api/collaboration/projects?limit=0", a, NULL);
	it_expect_error(&r, 400, "invalid_request", "limit", NULL);
	it_resp_free(&r);
	free(c_email);
	free(a);
	free(b);
	free(c);
	free(s);
}
END_TEST

/* Generate one builtin image as token into project pid (NULL: none):
 * status want; the image's id into id (37 bytes) on 200. */
static void
gen(const char *token, const char *pid, long want, const char *field, char *id)
{
	char prompt[96], body[512], *v;
	it_resp r;
	json_object *o;

	it_fresh_prompt(prompt, sizeof(prompt), "project lighthouse");
	if (pid != NULL)
		snprintf(body, sizeof(body), "{\"prompt\":\"%s\",\"api_provider\":\"builtin\",\"project_id\":\"%s\"}",
		    prompt, pid);
	else
		snprintf(body, sizeof(body), "{\"prompt\":\"%s\",\"api_provider\":\"builtin\"}", prompt);
	it_json(&r, src(), "POST", "/api/generate-image", token, "%s", body);
	if (want != 200) {
		it_expect_error(&r, want, want == 403 ? "forbidden" : want == 404 ? "not_found" : "invalid_request", field, NULL);
		it_resp_free(&r);
		return;
	}
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	v = it_psql("SELECT id FROM images WHERE job_id = '%s'", it_sql_safe(it_js(o, "generation_id")));
	snprintf(id, 37, "%s", v);
	free(v);
	json_object_put(o);
	it_resp_free(&r);
}

START_TEST(test_images)
{
	char a_id[37], b_id[37], c_id[37], s_id[37], b_name[64], c_name[64], pid[37], path[200], ia[37], ib[37],
	    ic[37], body[512];
	char *a = user("pia", a_id, NULL), *b = user("pib", b_id, b_name), *c = user("pic", c_id, c_name),
	     *s = user("pis", s_id, NULL);
	json_object *o;
	long before;

	project(a, "Pictures", pid);
	add_member(pid, a, "username", b_name, "editor", 201);
	add_member(pid, a, "username", c_name, "viewer", 201);

	/* Into the project: the owner and the editor; the viewer 403, the
	 * stranger 404, naming project_id, and no job for either. */
	gen(a, pid, 200, NULL, ia);
	gen(b, pid, 200, NULL, ib);
	before = sql_long("SELECT count(*) FROM jobs");
	gen(c, pid, 403, "project_id", NULL);
	gen(s, pid, 404, "project_id", NULL);
	gen(s, NONE, 404, "project_id", NULL);
	ck_assert_int_eq(sql_long("SELECT count(*) FROM jobs"), before);
	sql_is("2", "SELECT count(*) FROM images WHERE project_id = '%s'", pid);
	gen(c, NULL, 200, NULL, ic);

	/* A batch's settings.project_id: the same rule. */
	snprintf(body, sizeof(body), "{\"prompts\":[\"a\"],\"settings\":{\"api_provider\":\"builtin\",\"project_id\":\"%s\"}}",
	    pid);
	fails("POST", "/api/batch/generate", c, 403, "forbidden", "settings.project_id", body);
	fails("POST", "/api/batch/generate", s, 404, "not_found", "settings.project_id", body);
	{
		char *bid = it_batch_submit(src(), b, "%s", body);
		sql_is("1", "SELECT count(*) FROM jobs WHERE batch_id = '%s' AND request->>'project_id' = '%s'", bid, pid);
		free(bid);
	}

	/* The project's gallery: every member's images, for each who may
	 * see it; 404 for a stranger. */
	snprintf(path, sizeof(path), "/api/files/gallery?project_id=%s", pid);
	o = call("GET", path, c, 200, NULL);
	ck_assert_msg(strstr(json_object_to_json_string(o), ia) && strstr(json_object_to_json_string(o), ib),
	    "the viewer's project gallery lacks an image: %s", json_object_to_json_string(o));
	json_object_put(o);
	fails("GET", path, s, 404, "not_found", "project_id", NULL);
	o = get_project(pid, c);
	ck_assert_int_ge(it_jint(o, "project.image_count"), 2);
	json_object_put(o);

	/* One image: seen by the viewer, not by the stranger; PATCH by the
	 * editor and the owner, not the viewer; DELETE by its owner only. */
	snprintf(path, sizeof(path), "/api/images/%s", ib);
	o = call("GET", path, c, 200, NULL);
	ck_assert_str_eq(it_js(o, "image.project_id"), pid);
	json_object_put(o);
	fails("GET", path, s, 404, "not_found", NULL, NULL);
	fails("PATCH", path, c, 403, "forbidden", NULL, "{\"title\":\"viewer\"}");
	fails("PATCH", path, s, 404, "not_found", NULL, "{\"title\":\"stranger\"}");
	sql_is("-", "SELECT coalesce(title, '-') FROM images WHERE id = '%s'", ib);
	snprintf(path, sizeof(path), "/api/images/%s", ia);
	json_object_put(call("PATCH", path, b, 200, "{\"title\":\"by the editor\"}"));
	snprintf(path, sizeof(path), "/api/files/delete/%s", ib);
	fails("DELETE", path, c, 403, "forbidden", NULL, NULL);
	fails("DELETE", path, s, 404, "not_found", NULL, NULL);
	snprintf(path, sizeof(path), "/api/files/delete/%s", ia);
	fails("DELETE", path, b, 403, "forbidden", NULL, NULL);
	sql_is("2", "SELECT count(*) FROM images WHERE id = '%s' OR id = '%s'", ia, ib);

	/* organize: the viewer may not put their own image in; a stranger's
	 * try is a 404; the editor takes their own image out. */
	snprintf(body, sizeof(body), "{\"image_ids\":[\"%s\"],\"project_id\":\"%s\"}", ic, pid);
	fails("POST", "/api/files/organize", c, 403, "forbidden", "project_id", body);
	fails("POST", "/api/files/organize", s, 404, "not_found", "project_id", body);
	sql_is("-", "SELECT coalesce(project_id::text, '-') FROM images WHERE id = '%s'", ic);
	snprintf(body, sizeof(body), "{\"image_ids\":[\"%s\"],\"project_id\":null}", ia);
	fails("POST", "/api/files/organize", b, 400, "invalid_request", "image_ids", body);
	json_object_put(call("POST", "/api/files/organize", b, 200, "{\"image_ids\":[\"%s\"],\"project_id\":null}", ib));
	sql_is("-", "SELECT coalesce(project_id::text, '-') FROM images WHERE id = '%s'", ib);
	json_object_put(call("POST", "/api/files/organize", b, 200, "{\"image_ids\":[\"%s\"],\"project_id\":\"%s\"}",
	    ib, pid));

	/* Deleting the project leaves the images with their owners. */
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
	json_object_put(call("DELETE", path, a, 200, NULL));
	sql_is("2/0", "SELECT count(*) || '/' || count(project_id) FROM images WHERE id IN ('%s', '%s')", ia, ib);
	snprintf(path, sizeof(path), "/api/images/%s", ib);
	fails("GET", path, c, 404, "not_found", NULL, NULL);
	json_object_put(call("GET", path, b, 200, NULL));
	free(a);
	free(b);
	free(c);
	free(s);
}
END_TEST

START_TEST(test_limits)
{
	char a_id[37], b_id[37], b_name[64], pid[37], path[200], body[256];
	char *a = user("pla", a_id, NULL), *b = user("plb", b_id, b_name);
	json_object *o;

	/* Projects per user: the last one allowed, then 409. */
	free(it_psql("INSERT INTO projects (owner_id, name) SELECT '%s', 'p' || g FROM generate_series(1, 99) g", a_id));
	project(a, "Hundredth", pid);
	fails("POST", "/api/collaboration/projects", a, 409, "conflict", "name", "{\"name\":\"one too many\"}");
	sql_is("100", "SELECT count(*) FROM projects WHERE owner_id = '%s'", a_id);

	/* Members per project: 50 besides the owner, then 409; a member's
	 * role still changes. */
	free(it_psql("WITH u AS (INSERT INTO users (username, email, password_hash)"
	    " SELECT 'plm' || md5(random()::text || g), 'plm' || md5(random()::text || g) || '@example.org', 'x'"
	    " FROM generate_series(1, 49) g RETURNING id)"
	    " INSERT INTO project_members (project_id, user_id, role) SELECT '%s', id, 'viewer' FROM u", pid));
	add_member(pid, a, "username", b_name, "viewer", 201);
	o = get_project(pid, a);
	ck_assert_int_eq(it_jint(o, "project.member_count"), 51);
	json_object_put(o);
	{
		char c_id[37], c_name[64], *c = user("plc", c_id, c_name);
		snprintf(path, sizeof(path), "/api/collaboration/projects/%s/members", pid);
		snprintf(body, sizeof(body), "{\"username\":\"%s\"}", c_name);
		fails("POST", path, a, 409, "conflict", "username", body);
		sql_is("0", "SELECT count(*) FROM project_members WHERE user_id = '%s'", c_id);
		free(c);
	}
	add_member(pid, a, "username", b_name, "editor", 200);

	/* Paging the list: limit and cursor, no project twice. */
	{
		char cursor[300] = "", seen[8192] = "";
		int pages = 0, total = 0;
		do {
			json_object *a_;
			o = call("GET", *cursor ? path : "/api/collaboration/projects?limit=40", a, 200, NULL);
			a_ = it_jneed(o, "projects", json_type_array);
			for (size_t i = 0; i < json_object_array_length(a_); i++) {
				const char *id = it_js(json_object_array_get_idx(a_, i), "id");
				ck_assert_msg(strstr(seen, id) == NULL, "project %s listed twice", id);
				if (strlen(seen) + 40 < sizeof(seen))
					strcat(strcat(seen, id), ",");
				total++;
			}
			json_object *nc = it_jpath(o, "next_cursor");
			if (nc != NULL && json_object_is_type(nc, json_type_string)) {
				snprintf(cursor, sizeof(cursor), "%s", json_object_get_string(nc));
				snprintf(path, sizeof(path), "/api/collaboration/projects?limit=40&cursor=%s", cursor);
			} else {
				cursor[0] = '\0';
			}
			json_object_put(o);
			pages++;
		} while (*cursor && pages < 10);
		ck_assert_int_eq(total, 100);
		ck_assert_int_eq(pages, 3);
	}
	fails("GET", "/api/collaboration/projects?cursor=bogus", a, 400, "invalid_request", "cursor", NULL);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_bad_fields)
{
	char a_id[37], pid[37], path[160], longname[260], body[3000];
	char *a = user("pfa", a_id, NULL);

	fails("POST", "/api/collaboration/projects", a, 400, "invalid_request", "name", "{\"name\":\"\"}");
	fails("POST", "/api/collaboration/projects", a, 400, "invalid_request", "name", "{\"description\":\"x\"}");
	memset(longname, 'n', 201);
	longname[201] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", longname);
	fails("POST", "/api/collaboration/projects", a, 400, "invalid_request", "name", body);
	longname[200] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", longname);
	project(a, longname, pid);
	snprintf(body, sizeof(body), "{\"name\":\"ok\",\"description\":\"%2001d\"}", 7);
	fails("POST", "/api/collaboration/projects", a, 400, "invalid_request", "description", body);
	fails("POST", "/api/collaboration/projects", a, 400, "invalid_request", "colour", "{\"name\":\"x\",\"colour\":1}");
	snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
	fails("PUT", path, a, 400, "invalid_request", "name", "{\"name\":\"\"}");
	fails("PUT", path, a, 400, "invalid_request", "name", "{\"name\":7}");
	fails("POST", "/api/generate-image", a, 400, "invalid_request", "project_id",
	    "{\"prompt\":\"x\",\"api_provider\":\"builtin\",\"project_id\":\"nope\"}");
	free(a);
}
END_TEST

/* A project deleted while its batch waited for a runner: the image is
 * stored without a project (as deleting the project leaves images), not
 * lost to the foreign key with the item failed. */
START_TEST(test_project_gone_before_stored)
{
	char a_id[37], pid[37], body[512], *bid, *v = NULL;
	char *a = user("pga", a_id, NULL);

	project(a, "Gone", pid);
	it_stack("worker-stop");
	snprintf(body, sizeof(body),
	    "{\"prompts\":[\"gone %d\"],\"settings\":{\"api_provider\":\"builtin\",\"project_id\":\"%s\"}}",
	    (int)getpid(), pid);
	bid = it_batch_submit(src(), a, "%s", body);
	free(it_psql("DELETE FROM projects WHERE id = '%s'", pid));
	it_stack("worker-start");
	for (int i = 0; i < 120; i++) {
		v = it_psql("SELECT status FROM jobs WHERE batch_id = '%s'", it_sql_safe(bid));
		if (strcmp(v, "queued") != 0 && strcmp(v, "running") != 0)
			break;
		free(v);
		v = NULL;
		it_sleep_ms(250);
	}
	ck_assert_msg(v != NULL, "the batch's job did not end");
	ck_assert_str_eq(v, "succeeded");
	free(v);
	sql_is("1/0", "SELECT count(*) || '/' || count(i.project_id) FROM images i JOIN jobs j ON j.id = i.job_id"
	    " WHERE j.batch_id = '%s'", it_sql_safe(bid));
	free(bid);
	free(a);
}
END_TEST

static void
restore_worker(void)
{
	it_stack("worker-start");
}

IT_MAIN("projects", NULL,
    IT_TCASE("lifecycle", 60, &test_lifecycle),
    IT_TCASE("members", 60, &test_members),
    IT_TCASE("images", 120, &test_images),
    IT_TCASE("limits", 60, &test_limits),
    IT_TCASE("bad_fields", 60, &test_bad_fields),
    { .name = "gone", .timeout_s = 120, .teardown = restore_worker, .tests = IT_TESTS(&test_project_gone_before_stored) });
