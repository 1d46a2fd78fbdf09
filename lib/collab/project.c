/* project.c — see project.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/collab/project.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The caller's ($U) role on project p as ig_role's value, by the rule of
 * lib/collab/access.c (owner; else the best of a member row and a live
 * user share). A list has to select by it, so it is an expression here;
 * a single project's access is still decided by ig_access_project. */
#define ROLE_OF(col) "CASE " col " WHEN 'editor' THEN 2 ELSE 1 END"
#define ROLE(U) "CASE WHEN p.owner_id = " U " THEN 3 ELSE greatest(0," \
	" (SELECT " ROLE_OF("m.role") " FROM project_members m WHERE m.project_id = p.id AND m.user_id = " U ")," \
	" (SELECT max(" ROLE_OF("s.role") ") FROM shares s WHERE s.project_id = p.id AND s.with_user_id = " U \
	"  AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now()))) END"

/* The columns of an ig_project, in project_row's order. */
#define COLS(U) "p.id, p.name, p.description, " ROLE(U) ", p.owner_id, u.username," \
	" 1 + (SELECT count(*) FROM project_members m WHERE m.project_id = p.id)," \
	" (SELECT count(*) FROM images i WHERE i.project_id = p.id), " TS("p.created_at") ", " TS("p.updated_at") "," \
	" to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
enum { C_ID, C_NAME, C_DESC, C_ROLE, C_OWNER, C_OWNER_NAME, C_MEMBERS, C_IMAGES, C_CREATED, C_UPDATED, C_KEY };

/* Every statement of this module (projects, project_members). */
#define STATEMENTS(X) \
	/* No row when $1 already owns the most projects. */ \
	X(SQL_CREATE, "INSERT INTO projects (owner_id, name, description) SELECT $1::uuid, $2, $3" \
	    " WHERE (SELECT count(*) FROM projects WHERE owner_id = $1::uuid) < " STR(IG_PROJECTS_PER_USER_MAX) \
	    " RETURNING id") \
	X(SQL_GET, "SELECT " COLS("$2::uuid") " FROM projects p JOIN users u ON u.id = p.owner_id" \
	    " WHERE p.id = " IG_SQL_UUID_OR_NULL("$1")) \
	/* Every project $1 may see (owner, member, live user share), newest \
	 * first, after the cursor ($2 created_at, $3 id). */ \
	X(SQL_LIST, "SELECT " COLS("$1::uuid") " FROM projects p JOIN users u ON u.id = p.owner_id" \
	    " WHERE p.id IN (SELECT id FROM projects WHERE owner_id = $1::uuid" \
	    "  UNION SELECT project_id FROM project_members WHERE user_id = $1::uuid" \
	    "  UNION SELECT project_id FROM shares s WHERE s.with_user_id = $1::uuid AND s.project_id IS NOT NULL" \
	    "   AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now()))" \
	    " AND ($2::timestamptz IS NULL OR (p.created_at, p.id) < ($2::timestamptz, $3::uuid))" \
	    " ORDER BY p.created_at DESC, p.id DESC LIMIT $4::int") \
	X(SQL_UPDATE, "UPDATE projects SET name = CASE WHEN $2::bool THEN $3 ELSE name END," \
	    " description = CASE WHEN $4::bool THEN $5 ELSE description END, updated_at = now()" \
	    " WHERE id = " IG_SQL_UUID_OR_NULL("$1") " RETURNING 1") \
	X(SQL_DELETE, "DELETE FROM projects WHERE id = " IG_SQL_UUID_OR_NULL("$1") " RETURNING 1") \
	X(SQL_MEMBERS, "SELECT m.user_id, u.username, m.role, " TS("m.created_at") \
	    " FROM project_members m JOIN users u ON u.id = m.user_id" \
	    " WHERE m.project_id = " IG_SQL_UUID_OR_NULL("$1") " ORDER BY m.created_at, u.username") \
	/* \
	 * One statement: the user named by $2 (username) or $3 (email); the \
	 * row is added (or its role changed) unless that user owns the \
	 * project, or the project is full and they are not a member yet. \
	 * Answers: the user's id and name (NULL: no such user), whether they \
	 * own it, whether a row was written and whether it is new. \
	 */ \
	X(SQL_MEMBER_SET, \
	    "WITH t AS (SELECT u.id, u.username FROM users u" \
	    "  WHERE ($2::text IS NOT NULL AND lower(u.username) = lower($2::text))" \
	    "  OR ($3::text IS NOT NULL AND lower(u.email) = lower($3::text)) LIMIT 1)," \
	    " p AS (SELECT owner_id FROM projects WHERE id = $1::uuid)," \
	    " w AS (INSERT INTO project_members (project_id, user_id, role, added_by)" \
	    "  SELECT $1::uuid, t.id, $4, $5::uuid FROM t, p WHERE t.id <> p.owner_id" \
	    "  AND ((SELECT count(*) FROM project_members WHERE project_id = $1::uuid) < " STR(IG_PROJECT_MEMBERS_MAX) \
	    "   OR EXISTS (SELECT 1 FROM project_members WHERE project_id = $1::uuid AND user_id = t.id))" \
	    "  ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role" \
	    "  RETURNING role, " TS("created_at") " AS created_at, (xmax = 0) AS added)" \
	    " SELECT (SELECT id::text FROM t), (SELECT username FROM t), coalesce((SELECT t.id = p.owner_id FROM t, p), false)," \
	    " (SELECT role FROM w), (SELECT 1 FROM w)" ", (SELECT added FROM w), (SELECT created_at FROM w)") \
	X(SQL_MEMBER_REMOVE, "DELETE FROM project_members WHERE project_id = " IG_SQL_UUID_OR_NULL("$1") \
	    " AND user_id = " IG_SQL_UUID_OR_NULL("$2") " RETURNING 1")
IG_DB_STATEMENTS(STATEMENTS);

const char *
ig_role_name(ig_role role)
{
	static const char *const names[] = { "none", "viewer", "editor", "owner" };

	return role >= IG_ROLE_NONE && role <= IG_ROLE_OWNER ? names[role] : "none";
}

static void
project_row(PGresult *r, int i, void *elem)
{
	ig_project *p = elem;
	int role = atoi(PQgetvalue(r, i, C_ROLE));

	ig_db_text(r, i, C_ID, p->id, sizeof(p->id));
	ig_db_text(r, i, C_NAME, p->name, sizeof(p->name));
	ig_db_text(r, i, C_DESC, p->description, sizeof(p->description));
	p->role = role >= IG_ROLE_NONE && role <= IG_ROLE_OWNER ? (ig_role)role : IG_ROLE_NONE;
	ig_db_text(r, i, C_OWNER, p->owner_id, sizeof(p->owner_id));
	ig_db_text(r, i, C_OWNER_NAME, p->owner_username, sizeof(p->owner_username));
	p->member_count = atol(PQgetvalue(r, i, C_MEMBERS));
	p->image_count = atol(PQgetvalue(r, i, C_IMAGES));
	ig_db_text(r, i, C_CREATED, p->created_at, sizeof(p->created_at));
	ig_db_text(r, i, C_UPDATED, p->updated_at, sizeof(p->updated_at));
	ig_db_text(r, i, C_KEY, p->key, sizeof(p->key));
}

int
ig_project_create(const char *owner_id, const char *name, const char *description, ig_project *out,
    ig_err *err)
{
	const char *p[3] = { owner_id, name, description != NULL ? description : "" };
	char id[IG_UUID_BUF] = "";
	int rc = ig_db_value(sql[SQL_CREATE], 3, p, 0, id, sizeof(id), err);

	if (rc < 0)
		return -1;
	if (rc == 1)
		return ig_err_set(err, IG_E_CONFLICT, "name", "you own %d projects, the most one user may; delete one first",
		    IG_PROJECTS_PER_USER_MAX);
	rc = ig_project_get(id, owner_id, out, err);
	if (rc == 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "the new project vanished");
	return rc < 0 ? -1 : 0;
}

int
ig_project_get(const char *id, const char *user_id, ig_project *out, ig_err *err)
{
	const char *p[2] = { id, user_id != NULL && *user_id ? user_id : NULL };
	int rc;

	memset(out, 0, sizeof(*out));
	if (id == NULL)
		return 0;
	rc = ig_db_one(sql[SQL_GET], 2, p, IG_DB_IDEMPOTENT, project_row, out, err);
	return rc < 0 ? -1 : rc == 0;
}

int
ig_project_list(const char *user_id, const ig_page *pg, ig_project **out, int *n, char **next_cursor,
    ig_err *err)
{
	const char *p[4] = { user_id, pg->has_after ? pg->after_key : NULL, pg->has_after ? pg->after_id : NULL,
		pg->limit_plus_one };
	PGresult *r;
	int rows;

	*next_cursor = NULL;
	r = ig_db_exec(sql[SQL_LIST], 4, p, IG_DB_IDEMPOTENT, err);
	*out = ig_db_array(r, sizeof(**out), project_row, &rows);
	if (*out == NULL)
		return -1;
	*n = rows > pg->limit ? pg->limit : rows;
	if (rows > pg->limit)
		*next_cursor = ig_page_next(pg, IG_PROJECT_PAGE_SCOPE, rows, (*out)[pg->limit - 1].key,
		    (*out)[pg->limit - 1].id);
	return 0;
}

int
ig_project_update(const char *id, int has_name, const char *name, int has_description,
    const char *description, ig_err *err)
{
	const char *p[5] = { id, has_name ? "true" : "false", name, has_description ? "true" : "false",
		description != NULL ? description : "" };

	return ig_db_any(sql[SQL_UPDATE], 5, p, 0, err);
}

int
ig_project_delete(const char *id, ig_err *err)
{
	return ig_db_any(sql[SQL_DELETE], IG_DB_ARGS(id), 0, err);
}

#define M(member) IG_DB_COL(ig_project_member, member)
static const ig_db_col member_cols[] = { M(user_id), M(username), M(role), M(created_at), IG_DB_COLS_END };
#undef M

int
ig_project_members(const char *id, ig_project_member **out, int *n, ig_err *err)
{
	return IG_DB_ROWS_OF(sql[SQL_MEMBERS], id, member_cols, out, n, err);
}

int
ig_project_member_set(const char *id, const char *username, const char *email, const char *role,
    const char *added_by, ig_project_member *out, int *added, ig_err *err)
{
	const char *p[5] = { id, username, email, role, added_by }, *field = username != NULL ? "username" : "email";
	PGresult *r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*added = 0;
	r = ig_db_exec(sql[SQL_MEMBER_SET], 5, p, 0, err);
	if (r == NULL)
		return -1;
	if (PQgetisnull(r, 0, 0))
		rc = 0;
	else if (*PQgetvalue(r, 0, 2) == 't')
		ig_err_set(err, IG_E_CONFLICT, field, "%s names the project's owner, who is not a member", field);
	else if (PQgetisnull(r, 0, 4))
		ig_err_set(err, IG_E_CONFLICT, field, "a project has at most %d members besides its owner",
		    IG_PROJECT_MEMBERS_MAX);
	else {
		ig_db_text(r, 0, 0, out->user_id, sizeof(out->user_id));
		ig_db_text(r, 0, 1, out->username, sizeof(out->username));
		ig_db_text(r, 0, 3, out->role, sizeof(out->role));
		ig_db_text(r, 0, 6, out->created_at, sizeof(out->created_at));
		*added = *PQgetvalue(r, 0, 5) == 't';
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
ig_project_member_remove(const char *id, const char *user_id, ig_err *err)
{
	return ig_db_any(sql[SQL_MEMBER_REMOVE], IG_DB_ARGS(id, user_id), 0, err);
}
