/*
 * test_access.c — issue 13's access table as a generated matrix: every
 * collaboration, gallery and image route, tried by each kind of caller,
 * each expecting its status; a refused write must change nothing.
 *
 * The callers (in the order of a row's expected statuses):
 *   owner      owns the project P and the image I (in P)
 *   editor     an editor member of P
 *   viewer     a viewer member of P
 *   recipient  holds a live editor share of P (a user share)
 *   expired    holds an editor share of P that has expired
 *   revoked    holds an editor share of P that was revoked
 *   link       anonymous, holding P's public link token ({token} rows use
 *              it; elsewhere it has no Bearer token, like anonymous)
 *   stranger   a user with nothing to do with P or I
 *   anonymous  no Bearer token
 * A row's path and body name the fixture with {image} (I), {project} (P),
 * {token} (P's public link token, made through POST
 * /api/collaboration/share by the owner when a row first needs it),
 * {owner}, {editor}, {viewer}, {stranger} (user ids) and {new}: what the
 * row's setup SQL printed, run again before each caller's try (a fresh
 * image to delete, a comment to edit). The project, its members and the
 * three user shares are written with SQL (migration 015), so the matrix
 * tries the routes, not the routes that make the fixture.
 *
 * A refused try (4xx) runs the row's state SQL before and after: the two
 * answers must be equal. Rows are grouped in one section per part of the
 * issue so that branches add to different lines.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/util.h"
#include "tests/integration/itest.h"

enum { OWNER, EDITOR, VIEWER, RECIPIENT, EXPIRED, REVOKED, LINK, STRANGER, ANONYMOUS, NCALLERS };
static const char *const caller_names[NCALLERS] = { "owner", "editor", "viewer", "recipient", "expired",
	"revoked", "link", "stranger", "anonymous" };

typedef struct acc_row {
	const char *method;
	const char *path;
	const char *body;          /* NULL: none */
	const char *expect;        /* NCALLERS statuses, space-separated, in caller order */
	const char *state_sql;     /* NULL: a read; else what a refused try must leave as it was */
	const char *setup_sql;     /* NULL: none; else run before each try, its output is {new} */
} acc_row;

/* ------------------------------------------------------------------ rows */
static const acc_row rows[] = {
	/* Images and the gallery (lib/collab/access.c on app/api/gallery.c). */
	{ "GET", "/api/images/{image}", NULL, "200 200 200 200 404 404 401 404 401", NULL, NULL },
	{ "PATCH", "/api/images/{image}", "{\"rating\":3}", "200 200 403 200 404 404 401 404 401",
	  "SELECT rating FROM images WHERE id = '{image}'",
	  "UPDATE images SET rating = 0 WHERE id = '{image}' RETURNING 'x'" },
	{ "DELETE", "/api/files/delete/{new}", NULL, "200 403 403 403 404 404 401 404 401",
	  "SELECT count(*) FROM images WHERE id = '{new}'",
	  "INSERT INTO images (user_id, idx, filename, prompt, provider, model, width, height, size_bytes, sha256,"
	  " mime_type, project_id) VALUES ('{owner}', 0, 'acc_' || md5(random()::text), 'victim', 'builtin', 'm',"
	  " 8, 8, 1, 'x', 'image/png', '{project}') RETURNING id" },
	{ "GET", "/api/files/gallery?project_id={project}", NULL, "200 200 200 200 404 404 401 404 401", NULL, NULL },

	/* Routes that make something new of an image (process, the creative
	 * tools, a copy into stored files): its owner only; one who may see it
	 * (a member, a share's recipient) gets 403, anyone else 404. */
	{ "POST", "/api/image/process", "{\"image_id\":\"{image}\",\"operations\":[{\"op\":\"flip\",\"direction\":\"vertical\"}]}",
	  "201 403 403 403 404 404 401 404 401", "SELECT count(*) FROM images WHERE parent_id = '{image}'", NULL },
	{ "POST", "/api/creative/upscale", "{\"image_id\":\"{image}\",\"scale\":2}",
	  "201 403 403 403 404 404 401 404 401", "SELECT count(*) FROM images WHERE parent_id = '{image}'", NULL },
	{ "POST", "/api/storage/upload", "{\"image_id\":\"{image}\"}",
	  "201 403 403 403 404 404 401 404 401", "SELECT count(*) FROM files", NULL },

	/* Projects and members (app/api/projects.c). A user made by setup SQL
	 * is {new} where a row needs one more; a project to delete is made
	 * with P's two members (no shares: those callers then see nothing). */
#define ACC_NEW_USER "INSERT INTO users (username, email, password_hash) SELECT 'accm' || h, 'accm' || h || '@example.org', 'x'" \
	" FROM (SELECT substr(md5(random()::text), 1, 16) AS h) x RETURNING "
	{ "GET", "/api/collaboration/projects", NULL, "200 200 200 200 200 200 401 200 401", NULL, NULL },
	{ "POST", "/api/collaboration/projects", "{\"name\":\"matrix made\"}", "201 201 201 201 201 201 401 201 401",
	  NULL, NULL },
	{ "GET", "/api/collaboration/projects/{project}", NULL, "200 200 200 200 404 404 401 404 401", NULL, NULL },
	{ "PUT", "/api/collaboration/projects/{project}", "{\"description\":\"renamed by the matrix\"}",
	  "200 200 403 200 404 404 401 404 401",
	  "SELECT name || '/' || description FROM projects WHERE id = '{project}'",
	  "UPDATE projects SET description = '' WHERE id = '{project}' RETURNING 'x'" },
	{ "DELETE", "/api/collaboration/projects/{new}", NULL, "200 403 403 404 404 404 401 404 401",
	  "SELECT count(*) FROM projects WHERE id = '{new}'",
	  "WITH p AS (INSERT INTO projects (owner_id, name) VALUES ('{owner}', 'matrix victim') RETURNING id),"
	  " m AS (INSERT INTO project_members (project_id, user_id, role) SELECT id, '{editor}'::uuid, 'editor' FROM p"
	  "  UNION ALL SELECT id, '{viewer}'::uuid, 'viewer' FROM p)"
	  " SELECT id FROM p" },
	{ "POST", "/api/collaboration/projects/{project}/members", "{\"username\":\"{new}\",\"role\":\"viewer\"}",
	  "201 403 403 403 404 404 401 404 401",
	  "SELECT count(*) FROM project_members WHERE project_id = '{project}'", ACC_NEW_USER "username" },
	{ "DELETE", "/api/collaboration/projects/{project}/members/{new}", NULL, "200 403 403 403 404 404 401 404 401",
	  "SELECT count(*) FROM project_members WHERE project_id = '{project}'",
	  "WITH u AS (" ACC_NEW_USER "id), m AS (INSERT INTO project_members (project_id, user_id, role)"
	  " SELECT '{project}', id, 'viewer' FROM u) SELECT id FROM u" },
	/* A member leaves (the viewer); setup puts them back for the next. */
	{ "DELETE", "/api/collaboration/projects/{project}/members/{viewer}", NULL, "200 403 200 403 404 404 401 404 401",
	  "SELECT count(*) FROM project_members WHERE project_id = '{project}' AND user_id = '{viewer}'",
	  "INSERT INTO project_members (project_id, user_id, role) VALUES ('{project}', '{viewer}', 'viewer')"
	  " ON CONFLICT (project_id, user_id) DO UPDATE SET role = 'viewer' RETURNING 'x'" },
	/* Images into P: its editors and owner (generate, a batch's settings). */
	{ "POST", "/api/generate-image", "{\"prompt\":\"matrix\",\"api_provider\":\"builtin\",\"project_id\":\"{project}\"}",
	  "200 200 403 200 404 404 404 404 404",
	  "SELECT count(*) FROM jobs WHERE request->>'project_id' = '{project}'", NULL },
	{ "POST", "/api/batch/generate",
	  "{\"prompts\":[\"matrix\"],\"settings\":{\"api_provider\":\"builtin\",\"project_id\":\"{project}\"}}",
	  "202 202 403 202 404 404 401 404 401",
	  "SELECT count(*) FROM jobs WHERE request->>'project_id' = '{project}'", NULL },
#undef ACC_NEW_USER

	/* Shares (app/api/shares.c). Only an owner shares (a member or a
	 * recipient may see, so 403); only the share's owner revokes (404 for
	 * anyone else); a link shows its item to anyone, token or not. */
	{ "POST", "/api/collaboration/share", "{\"project_id\":\"{project}\",\"public_link\":true}",
	  "201 403 403 403 404 404 401 404 401", "SELECT count(*) FROM shares WHERE project_id = '{project}'", NULL },
	{ "POST", "/api/collaboration/share", "{\"image_id\":\"{image}\",\"public_link\":true}",
	  "201 403 403 403 404 404 401 404 401", "SELECT count(*) FROM shares WHERE image_id = '{image}'", NULL },
	{ "GET", "/api/collaboration/shared/{token}", NULL, "200 200 200 200 200 200 200 200 200", NULL, NULL },
	{ "GET", "/api/collaboration/shared/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
	  "404 404 404 404 404 404 404 404 404", NULL, NULL },
	{ "GET", "/api/collaboration/shares", NULL, "200 200 200 200 200 200 401 200 401", NULL, NULL },
	{ "DELETE", "/api/collaboration/share/{new}", NULL, "200 404 404 404 404 404 401 404 401",
	  "SELECT revoked_at IS NULL FROM shares WHERE id = '{new}'",
	  "INSERT INTO shares (owner_id, project_id, token_hash, expires_at) VALUES ('{owner}', '{project}',"
	  " sha256(random()::text::bytea), now() + interval '1 day') RETURNING id" },

	/* Comments (app/api/comments.c). */
	/* Comments (app/api/comments.c): everyone who may see the image reads
	 * and adds; the author edits; the author or the image's owner
	 * deletes. {new} is a comment of the viewer's (of the editor's in
	 * the last row). */
	{ "GET", "/api/collaboration/comments/{image}", NULL, "200 200 200 200 404 404 401 404 401", NULL, NULL },
	{ "POST", "/api/collaboration/comments/{image}", "{\"body\":\"matrix\"}", "201 201 201 201 404 404 401 404 401",
	  "SELECT count(*) FROM comments WHERE image_id = '{image}'", NULL },
	{ "PUT", "/api/collaboration/comments/{image}/{new}", "{\"body\":\"rewritten\"}",
	  "403 403 200 403 404 404 401 404 401",
	  "SELECT concat_ws('|', body, updated_at) FROM comments WHERE id = '{new}'",
	  "INSERT INTO comments (image_id, author_id, body) VALUES ('{image}', '{viewer}', 'the viewer''s') RETURNING id" },
	{ "DELETE", "/api/collaboration/comments/{image}/{new}", NULL, "200 403 200 403 404 404 401 404 401",
	  "SELECT count(*) FROM comments WHERE id = '{new}'",
	  "INSERT INTO comments (image_id, author_id, body) VALUES ('{image}', '{viewer}', 'the viewer''s') RETURNING id" },
	{ "DELETE", "/api/collaboration/comments/{image}/{new}", NULL, "200 200 403 403 404 404 401 404 401",
	  "SELECT count(*) FROM comments WHERE id = '{new}'",
	  "INSERT INTO comments (image_id, author_id, body) VALUES ('{image}', '{editor}', 'the editor''s') RETURNING id" },

	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

/* --------------------------------------------------------------- fixture */
static char tokens[NCALLERS][1024];          /* "" for link and anonymous */
static char ids[NCALLERS][IG_UUID_BUF];
static char image_id[IG_UUID_BUF], project_id[IG_UUID_BUF], link_token[256];

static const char *
source(void)
{
	return it_source(80, 20, 0);
}

/* SQL's one-line answer into out. */
static void
psql_into(char *out, size_t len, const char *sql)
{
	char *v = it_psql("%s", sql);

	v[strcspn(v, "\n")] = '\0';
	snprintf(out, len, "%s", v);
	free(v);
}

static void
fixture(void)
{
	char name[64], sql[1024];
	it_resp r;
	json_object *o;

	for (int c = 0; c < NCALLERS; c++) {
		char *t;

		if (c == LINK || c == ANONYMOUS)
			continue;
		t = it_new_user("acc", source(), name);
		snprintf(tokens[c], sizeof(tokens[c]), "%s", t);
		free(t);
		snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
		psql_into(ids[c], sizeof(ids[c]), sql);
	}
	snprintf(sql, sizeof(sql), "INSERT INTO projects (owner_id, name) VALUES ('%s', 'matrix') RETURNING id",
	    ids[OWNER]);
	psql_into(project_id, sizeof(project_id), sql);
	free(it_psql("INSERT INTO project_members (project_id, user_id, role) VALUES ('%s', '%s', 'editor'),"
	    " ('%s', '%s', 'viewer')", project_id, ids[EDITOR], project_id, ids[VIEWER]));
	free(it_psql("INSERT INTO shares (owner_id, project_id, with_user_id, role, expires_at, revoked_at) VALUES"
	    " ('%s', '%s', '%s', 'editor', NULL, NULL), ('%s', '%s', '%s', 'editor', now() - interval '1 minute', NULL),"
	    " ('%s', '%s', '%s', 'editor', NULL, now() - interval '1 minute')",
	    ids[OWNER], project_id, ids[RECIPIENT], ids[OWNER], project_id, ids[EXPIRED],
	    ids[OWNER], project_id, ids[REVOKED]));

	/* The image: generated (a real file and job), then put in P. */
	it_json(&r, source(), "POST", "/api/generate-image", tokens[OWNER],
	    "{\"prompt\":\"access matrix %d\",\"api_provider\":\"builtin\",\"image_count\":1,\"seed\":3}",
	    (int)getpid());
	ck_assert_msg(r.status == 200, "fixture: generate-image answered %ld: %s", r.status, r.body.data);
	o = it_json_body(&r);
	snprintf(sql, sizeof(sql), "SELECT id FROM images WHERE job_id = '%s'", it_sql_safe(it_js(o, "generation_id")));
	json_object_put(o);
	it_resp_free(&r);
	psql_into(image_id, sizeof(image_id), sql);
	free(it_psql("UPDATE images SET project_id = '%s' WHERE id = '%s'", project_id, image_id));
}

/* P's public link, made by its owner the first time a row needs it. */
static const char *
link_of_project(void)
{
	it_resp r;
	json_object *o;

	if (link_token[0] != '\0')
		return link_token;
	it_json(&r, source(), "POST", "/api/collaboration/share", tokens[OWNER],
	    "{\"project_id\":\"%s\",\"public_link\":true}", project_id);
	ck_assert_msg(r.status == 201, "making the link: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	snprintf(link_token, sizeof(link_token), "%s", it_js(o, "token"));
	json_object_put(o);
	it_resp_free(&r);
	return link_token;
}

/* s with the fixture's placeholders filled (caller frees). */
static char *
fill(const char *s, const char *new_value)
{
	static const char *const names[] = { "{image}", "{project}", "{token}", "{owner}", "{editor}", "{viewer}",
		"{stranger}", "{new}" };
	size_t cap = strlen(s) * 2 + 512, n = 0;
	char *out = malloc(cap);

	ck_assert_ptr_nonnull(out);
	while (*s != '\0') {
		const char *v = NULL;
		size_t klen = 0;

		for (size_t k = 0; *s == '{' && k < sizeof(names) / sizeof(names[0]); k++) {
			klen = strlen(names[k]);
			if (strncmp(s, names[k], klen) != 0)
				continue;
			switch (k) {
			case 0: v = image_id; break;
			case 1: v = project_id; break;
			case 2: v = link_of_project(); break;
			case 3: v = ids[OWNER]; break;
			case 4: v = ids[EDITOR]; break;
			case 5: v = ids[VIEWER]; break;
			case 6: v = ids[STRANGER]; break;
			default: v = new_value; break;
			}
			break;
		}
		if (v != NULL) {
			size_t vlen = strlen(v);

			if (n + vlen + 1 > cap) {
				cap = (n + vlen + 1) * 2;
				out = realloc(out, cap);
				ck_assert_ptr_nonnull(out);
			}
			memcpy(out + n, v, vlen);
			n += vlen;
			s += klen;
			continue;
		}
		if (n + 2 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		out[n++] = *s++;
	}
	out[n] = '\0';
	return out;
}

/* The answer of SQL sql (filled), caller frees. */
static char *
state_of(const char *sql, const char *new_value)
{
	char *q = fill(sql, new_value), *v = it_psql("%s", q);

	free(q);
	return v;
}

static const char *const json_type_header[] = { "Content-Type: application/json", NULL };

/* Row i, tried by every caller. */
START_TEST(matrix_row)
{
	const acc_row *row = &rows[_i];
	const char *e = row->expect;
	char *end;

	for (int c = 0; c < NCALLERS; c++) {
		long want = strtol(e, &end, 10);
		char new_value[256] = "", *path, *body = NULL, *before = NULL, *after;
		it_req q = { 0 };
		it_resp r;

		ck_assert_msg(end != e, "row %d (%s %s): fewer statuses than callers", _i, row->method, row->path);
		e = end;
		if (row->setup_sql != NULL) {
			char *v = state_of(row->setup_sql, "");

			v[strcspn(v, "\n")] = '\0';   /* an INSERT … RETURNING's own line after it */
			snprintf(new_value, sizeof(new_value), "%s", v);
			free(v);
		}
		path = fill(row->path, new_value);
		if (row->body != NULL)
			body = fill(row->body, new_value);
		if (row->state_sql != NULL)
			before = state_of(row->state_sql, new_value);
		q.source_ip = source();
		q.method = row->method;
		q.path = path;
		q.bearer = tokens[c][0] != '\0' ? tokens[c] : NULL;
		q.body = body;
		q.len = body != NULL ? strlen(body) : 0;
		q.headers = body != NULL ? json_type_header : NULL;
		it_request(&q, &r);
		ck_assert_msg(r.status == want, "%s %s as %s: want %ld, got %ld: %s", row->method, path,
		    caller_names[c], want, r.status, r.body.data);
		if (before != NULL && want >= 400) {
			after = state_of(row->state_sql, new_value);
			ck_assert_msg(strcmp(before, after) == 0, "%s %s as %s (%ld) changed [%s] to [%s]", row->method,
			    path, caller_names[c], want, before, after);
			free(after);
		}
		printf("access: %-6s %-60s %-9s %ld\n", row->method, row->path, caller_names[c], r.status);
		free(before);
		free(path);
		free(body);
		it_resp_free(&r);
	}
}
END_TEST

IT_MAIN("access", NULL,
    { .name = "matrix", .timeout_s = 300, .setup = fixture,
      .loops = IT_LOOPS({ &matrix_row, (int)(sizeof(rows) / sizeof(rows[0])) - 1 }) });
