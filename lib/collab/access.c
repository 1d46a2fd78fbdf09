/* access.c — see access.h. */
#include "ig_autoconf.h"

#include <string.h>

#include "lib/collab/access.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

/* The role a member row or a live share gives: 1 viewer, 2 editor (ig_role). */
#define ROLE_OF(col) "CASE " col " WHEN 'editor' THEN 2 ELSE 1 END"
#define LIVE_SHARE "s.with_user_id = $2::uuid AND s.revoked_at IS NULL" \
	" AND (s.expires_at IS NULL OR s.expires_at > now())"

enum { SQL_IMAGE, SQL_PROJECT, SQL__MAX };

/* Both read: role (0..3, ig_role's values), owner, project. greatest()
 * skips NULLs, so a caller with no member row or share gets 0; $2 NULL
 * (anonymous) matches nothing. */
static const char *const sql[SQL__MAX] = {
	[SQL_IMAGE] = "SELECT CASE WHEN i.user_id = $2::uuid OR p.owner_id = $2::uuid THEN 3 ELSE greatest(0,"
	" (SELECT " ROLE_OF("m.role") " FROM project_members m"
	"  WHERE m.project_id = i.project_id AND m.user_id = $2::uuid),"
	" (SELECT max(" ROLE_OF("s.role") ") FROM shares s WHERE " LIVE_SHARE
	"  AND (s.image_id = i.id OR s.project_id = i.project_id))) END,"
	" coalesce(i.user_id::text, ''), coalesce(i.project_id::text, '')"
	" FROM images i LEFT JOIN projects p ON p.id = i.project_id WHERE i.id = " IG_SQL_UUID_OR_NULL("$1"),
	[SQL_PROJECT] = "SELECT CASE WHEN p.owner_id = $2::uuid THEN 3 ELSE greatest(0,"
	" (SELECT " ROLE_OF("m.role") " FROM project_members m"
	"  WHERE m.project_id = p.id AND m.user_id = $2::uuid),"
	" (SELECT max(" ROLE_OF("s.role") ") FROM shares s WHERE " LIVE_SHARE " AND s.project_id = p.id)) END,"
	" p.owner_id::text, p.id::text"
	" FROM projects p WHERE p.id = " IG_SQL_UUID_OR_NULL("$1"),
};

static int
role_of(int stmt, const char *id, const char *user_id, ig_access *out, ig_err *err)
{
	const char *p[2] = { id, user_id != NULL && user_id[0] != '\0' ? user_id : NULL };
	char role[4] = "";
	ig_db_dst dst[] = { { role, sizeof(role) }, { out->owner_id, sizeof(out->owner_id) },
		{ out->project_id, sizeof(out->project_id) }, { NULL, 0 } };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ig_db_texts(sql[stmt], 2, p, IG_DB_IDEMPOTENT, dst, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	out->role = role[0] >= '0' && role[0] <= '3' ? (ig_role)(role[0] - '0') : IG_ROLE_NONE;
	return 1;
}

int
ig_access_image(const char *image_id, const char *user_id, ig_access *out, ig_err *err)
{
	return role_of(SQL_IMAGE, image_id, user_id, out, err);
}

int
ig_access_project(const char *project_id, const char *user_id, ig_access *out, ig_err *err)
{
	return role_of(SQL_PROJECT, project_id, user_id, out, err);
}

int
ig_access_may(ig_role role, ig_action action)
{
	switch (action) {
	case IG_ACT_SEE:
	case IG_ACT_COMMENT:
		return role >= IG_ROLE_VIEWER;
	case IG_ACT_ORGANIZE:
		return role >= IG_ROLE_EDITOR;
	case IG_ACT_MODERATE:
	case IG_ACT_MANAGE:
		return role == IG_ROLE_OWNER;
	}
	return 0;
}

int
ig_access_status(ig_role role, ig_action action)
{
	if (!ig_access_may(role, IG_ACT_SEE))
		return 404;
	return ig_access_may(role, action) ? 0 : 403;
}
