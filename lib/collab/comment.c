/* comment.c — see comment.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/collab/comment.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define TS(col, frac) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS." frac "\"Z\"')"
/* A comment as the list shows it (comment_json), over c (comments) and u
 * (its author, LEFT JOINed); KEY is the cursor's sort key: created_at to
 * the microsecond. */
#define COLS "c.id, coalesce(c.author_id::text, ''), coalesce(u.username, ''), c.body," \
	" coalesce(c.parent_id::text, ''), c.deleted, " TS("c.created_at", "MS") ", " TS("c.updated_at", "MS") "," \
	" " TS("c.created_at", "US")
enum { CC_ID, CC_AUTHOR, CC_USERNAME, CC_BODY, CC_PARENT, CC_DELETED, CC_CREATED, CC_UPDATED, CC_KEY, CC__N };
#define WITH_AUTHOR " c LEFT JOIN users u ON u.id = c.author_id"
#define THE_COMMENT "c.id = " IG_SQL_UUID_OR_NULL("$2") " AND c.image_id = " IG_SQL_UUID_OR_NULL("$1")
#define HAS_REPLIES(c) "EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = " c ".id)"
/* The author's comments of the last hour ($n their id). */
#define LAST_HOUR(n) "FROM comments WHERE author_id = " n "::uuid AND created_at > now() - interval '1 hour'"

/* Every statement of this module. */
#define STATEMENTS(X) \
	X(SQL_REF, "SELECT coalesce(c.author_id::text, ''), c.deleted FROM comments c WHERE " THE_COMMENT) \
	/* $1 image, $2/$3 the cursor's key and id (NULL on the first page), \
	 * $4 limit + 1. */ \
	X(SQL_LIST, "SELECT " COLS " FROM comments" WITH_AUTHOR " WHERE c.image_id = $1::uuid" \
	    " AND ($2::text IS NULL OR (c.created_at, c.id) > ($2::timestamptz, $3::uuid))" \
	    " ORDER BY c.created_at, c.id LIMIT $4::int") \
	/* \
	 * $1 image, $2 author, $3 body, $4 parent (NULL: top level), $5 the \
	 * hourly cap. Inserts only when the parent is a live comment of the \
	 * same image and the author is under the cap; a reply is created \
	 * strictly after its parent (the thread order, comment.h). The last \
	 * column is the parent's author. \
	 */ \
	X(SQL_ADD, "WITH p AS (SELECT created_at, author_id FROM comments" \
	    "  WHERE id = $4::uuid AND image_id = $1::uuid AND NOT deleted)," \
	    " c AS (INSERT INTO comments (image_id, author_id, parent_id, body, created_at)" \
	    "  SELECT $1::uuid, $2::uuid, $4::uuid, $3::text," \
	    "   greatest(now(), (SELECT created_at FROM p) + interval '1 microsecond')" \
	    "  WHERE ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM p))" \
	    "   AND (SELECT count(*) " LAST_HOUR("$2") ") < $5::int RETURNING *)" \
	    " SELECT " COLS ", coalesce((SELECT author_id::text FROM p), '') FROM" WITH_AUTHOR) \
	/* Why SQL_ADD inserted nothing: 1 when the parent ($2, of image $1) \
	 * is fine, and the seconds until the newest $4 comments of author \
	 * $3 leave the hour. */ \
	X(SQL_ADD_REFUSED, "SELECT CASE WHEN $2::uuid IS NULL OR EXISTS (SELECT 1 FROM comments" \
	    "  WHERE id = $2::uuid AND image_id = $1::uuid AND NOT deleted) THEN 1 ELSE 0 END," \
	    " coalesce((SELECT ceil(extract(epoch FROM min(t.created_at) + interval '1 hour' - now()))::int" \
	    "  FROM (SELECT created_at " LAST_HOUR("$3") " ORDER BY created_at DESC LIMIT $4::int) t), 0)") \
	/* $1 image, $2 comment, $3 its author, $4 the new body. */ \
	X(SQL_EDIT, "WITH c AS (UPDATE comments c SET body = $4::text, updated_at = now()" \
	    "  WHERE " THE_COMMENT " AND c.author_id = $3::uuid AND NOT c.deleted RETURNING c.*)" \
	    " SELECT " COLS " FROM" WITH_AUTHOR) \
	/* A comment with replies keeps its place: nothing else of it stays. */ \
	X(SQL_KEEP_AS_DELETED, "UPDATE comments c SET deleted = true, body = NULL, author_id = NULL" \
	    " WHERE " THE_COMMENT " AND NOT c.deleted AND " HAS_REPLIES("c") " RETURNING 1") \
	/* \
	 * A comment without replies goes, and with it each deleted ancestor \
	 * whose only reply is the one going (up the thread, in one \
	 * statement so nothing is left half removed). \
	 */ \
	X(SQL_REMOVE, "WITH RECURSIVE chain(id, parent_id) AS (" \
	    " SELECT c.id, c.parent_id FROM comments c WHERE " THE_COMMENT " AND NOT c.deleted" \
	    "  AND NOT " HAS_REPLIES("c") \
	    " UNION ALL SELECT p.id, p.parent_id FROM chain ch JOIN comments p ON p.id = ch.parent_id" \
	    "  WHERE p.deleted AND (SELECT count(*) FROM comments r WHERE r.parent_id = p.id) = 1)" \
	    " DELETE FROM comments WHERE id IN (SELECT id FROM chain) RETURNING id")
IG_DB_STATEMENTS(STATEMENTS);

/* One comment as comment.h's item. */
static const ig_page_field comment_fields[] = {
	{ "id", CC_ID, IG_PAGE_STR },
	{ "author", CC_AUTHOR, IG_PAGE_USER },
	{ "body", CC_BODY, IG_PAGE_STR_OR_NULL },
	{ "parent_id", CC_PARENT, IG_PAGE_NONEMPTY },
	{ "deleted", CC_DELETED, IG_PAGE_BOOL },
	{ "created_at", CC_CREATED, IG_PAGE_STR },
	{ "updated_at", CC_UPDATED, IG_PAGE_STR_OR_NULL },
};

_Static_assert(CC_USERNAME == CC_AUTHOR + 1, "IG_PAGE_USER reads the username from the column after the id");

IG_PAGE_ROW_WRITER(comment_json, comment_fields)

int
ig_comment_ref_get(const char *image_id, const char *comment_id, ig_comment_ref *out, ig_err *err)
{
	const char *p[2] = { image_id, comment_id };
	char deleted[4] = "";
	ig_db_dst dst[] = { { out->author_id, sizeof(out->author_id) }, { deleted, sizeof(deleted) }, { NULL, 0 } };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ig_db_texts(sql[SQL_REF], 2, p, IG_DB_IDEMPOTENT, dst, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	out->deleted = deleted[0] == 't';
	return 1;
}

void
ig_comment_scope(const char *image_id, char out[64])
{
	snprintf(out, 64, "comments:%s", image_id);
}

int
ig_comment_list(const char *image_id, const ig_page *pg, json_object **items, char **next, ig_err *err)
{
	char scope[64];

	ig_comment_scope(image_id, scope);
	*items = ig_page_run_of(pg, scope, sql[SQL_LIST], image_id, comment_json, CC_KEY, CC_ID, next, err);
	return *items != NULL ? 0 : -1;
}

/* Why SQL_ADD added nothing for in: err filled, -1. */
static int
add_refused(const ig_comment_new *in, int *retry_after, ig_err *err)
{
	const char *p[4] = { in->image_id, in->parent_id, in->author_id, STR(IG_COMMENTS_PER_HOUR) };
	char parent_ok[4] = "", wait[16] = "";
	ig_db_dst dst[] = { { parent_ok, sizeof(parent_ok) }, { wait, sizeof(wait) }, { NULL, 0 } };

	if (ig_db_texts(sql[SQL_ADD_REFUSED], 4, p, IG_DB_IDEMPOTENT, dst, err) < 0)
		return -1;
	if (parent_ok[0] != '1')
		return ig_err_set(err, IG_E_INVALID_REQUEST, "parent_id",
		    "parent_id must be a comment of this image that is not deleted");
	*retry_after = atoi(wait) > 0 ? atoi(wait) : 1;
	return ig_err_set(err, IG_E_RATE_LIMITED, NULL, "at most %d comments an hour; try again in %d seconds",
	    IG_COMMENTS_PER_HOUR, *retry_after);
}

int
ig_comment_add(const ig_comment_new *in, json_object **out, char *parent_author, int *retry_after, ig_err *err)
{
	const char *p[5] = { in->image_id, in->author_id, in->body, in->parent_id, STR(IG_COMMENTS_PER_HOUR) };
	PGresult *r;

	*out = NULL;
	parent_author[0] = '\0';
	*retry_after = 0;
	r = ig_db_exec(sql[SQL_ADD], 5, p, 0, err);
	if (r == NULL) {
		/* The parent removed (or the image deleted) between the
		 * check and the insert: the foreign keys refused it. */
		if (strcmp(ig_db_sqlstate(), "23503") == 0)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "parent_id",
			    "parent_id must be a comment of this image that is not deleted");
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return add_refused(in, retry_after, err);
	}
	*out = comment_json(r, 0);
	snprintf(parent_author, IG_UUID_BUF, "%s", PQgetvalue(r, 0, CC__N));
	PQclear(r);
	return 0;
}

int
ig_comment_edit(const char *image_id, const char *comment_id, const char *author_id, const char *body,
    json_object **out, ig_err *err)
{
	const char *p[4] = { image_id, comment_id, author_id, body };
	PGresult *r = ig_db_exec(sql[SQL_EDIT], 4, p, 0, err);
	int found;

	*out = NULL;
	if (r == NULL)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		*out = comment_json(r, 0);
	PQclear(r);
	return found;
}

int
ig_comment_delete(const char *image_id, const char *comment_id, ig_err *err)
{
	const char *p[2] = { image_id, comment_id };
	int rc;

	/* Twice at most: a reply may land between the two statements, and
	 * then the comment is kept as deleted on the second round. */
	for (int round = 0; round < 2; round++) {
		rc = ig_db_any(sql[SQL_KEEP_AS_DELETED], 2, p, 0, err);
		if (rc != 0)
			return rc < 0 ? -1 : 2;
		rc = ig_db_any(sql[SQL_REMOVE], 2, p, 0, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}
