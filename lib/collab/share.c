/* share.c — see share.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/collab/access.h"
#include "lib/collab/share.h"
#include "lib/core/json.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
/* The keyset cursor's sort key: created_at to the microsecond. */
#define KEY(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define LIVE "s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now())"

/* The columns of an ig_share, in its order. */
#define SHARE_COLS "s.id, coalesce(s.image_id::text, ''), coalesce(s.project_id::text, '')," \
	" coalesce(s.with_user_id::text, ''), " TS("s.expires_at")

/* What a link shows of an image: no owner, no job, no organizing. */
#define VIEW_COLS "i.id, i.filename, coalesce(i.thumbnail, ''), i.width, i.height, i.prompt, i.negative_prompt," \
	" i.provider, i.model, " TS("i.created_at") ", " KEY("i.created_at")
enum { VC_ID, VC_FILENAME, VC_THUMB, VC_WIDTH, VC_HEIGHT, VC_PROMPT, VC_NEG, VC_PROVIDER, VC_MODEL, VC_CREATED,
	VC_KEY };

/* Every statement of this module (shares). The views read images and
 * projects through a live link only, as lib/jobs/batch.c reads a batch's
 * images: what a share shows is this module's answer. */
#define STATEMENTS(X) \
	/* No row when the owner already holds the cap of live shares. */ \
	X(SQL_CREATE, "INSERT INTO shares AS s (owner_id, image_id, project_id, with_user_id, token_hash, role, expires_at)" \
	    " SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::bytea, $6::text, now() + make_interval(secs => $7::int)" \
	    " WHERE (SELECT count(*) FROM shares s WHERE s.owner_id = $1::uuid AND " LIVE ") < " \
	    STR(IG_SHARES_LIVE_MAX) " RETURNING " SHARE_COLS) \
	/* $2, $3: the cursor's (created_at, id). */ \
	X(SQL_LIST, "SELECT s.id, coalesce(s.image_id::text, ''), coalesce(s.project_id::text, '')," \
	    " coalesce(s.with_user_id::text, ''), coalesce(u.username, ''), s.token_hash IS NOT NULL, s.role," \
	    " " TS("s.created_at") ", " TS("s.expires_at") ", " TS("s.revoked_at") "," \
	    " CASE WHEN s.revoked_at IS NOT NULL THEN 'revoked' WHEN s.expires_at <= now() THEN 'expired'" \
	    "  ELSE 'live' END, " KEY("s.created_at") \
	    " FROM shares s LEFT JOIN users u ON u.id = s.with_user_id WHERE s.owner_id = $1::uuid" \
	    " AND ($5::uuid IS NULL OR s.image_id = $5::uuid) AND ($6::uuid IS NULL OR s.project_id = $6::uuid)" \
	    " AND ($2::timestamptz IS NULL OR (s.created_at, s.id) < ($2::timestamptz, $3::uuid))" \
	    " ORDER BY s.created_at DESC, s.id DESC LIMIT $4::int") \
	X(SQL_REVOKE, "UPDATE shares s SET revoked_at = now() WHERE s.id = " IG_SQL_UUID_OR_NULL("$1") \
	    " AND s.owner_id = $2::uuid AND s.revoked_at IS NULL RETURNING " SHARE_COLS) \
	/* A live link by its token's hash; the hash comes back for the \
	 * constant-time comparison. */ \
	X(SQL_BY_TOKEN, "SELECT s.token_hash::text, coalesce(s.image_id::text, ''), coalesce(s.project_id::text, '')" \
	    " FROM shares s WHERE s.token_hash = $1::bytea AND " LIVE) \
	X(SQL_VIEW_IMAGE, "SELECT " VIEW_COLS " FROM images i WHERE i.id = $1::uuid") \
	X(SQL_VIEW_PROJECT, "SELECT p.id, p.name, p.description, " TS("p.created_at") \
	    " FROM projects p WHERE p.id = $1::uuid") \
	/* $2, $3: the cursor's (created_at, id). */ \
	X(SQL_VIEW_PROJECT_IMAGES, "SELECT " VIEW_COLS " FROM images i WHERE i.project_id = $1::uuid" \
	    " AND ($2::timestamptz IS NULL OR (i.created_at, i.id) < ($2::timestamptz, $3::uuid))" \
	    " ORDER BY i.created_at DESC, i.id DESC LIMIT $4::int")
IG_DB_STATEMENTS(STATEMENTS);
enum { LC_ID, LC_IMAGE, LC_PROJECT, LC_WITH, LC_USERNAME, LC_LINK, LC_ROLE, LC_CREATED, LC_EXPIRES, LC_REVOKED,
	LC_STATUS, LC_KEY };

/* Where the columns of SHARE_COLS go. */
#define C(member) IG_DB_COL(ig_share, member)
static const ig_db_col share_cols[] = { C(id), C(image_id), C(project_id), C(with_user_id), C(expires_at),
	IG_DB_COLS_END };
#undef C

int
ig_share_allowed(const char *image_id, const char *project_id, const char *user_id, ig_err *err)
{
	ig_access acc;
	const char *what = image_id ? "image" : "project";
	int rc = image_id ? ig_access_image(image_id, user_id, &acc, err) :
	    ig_access_project(project_id, user_id, &acc, err);

	if (rc < 0)
		return -1;
	switch (rc == 0 ? 404 : ig_access_status(acc.role, IG_ACT_MANAGE)) {
	case 0:
		return 0;
	case 403:
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "only the %s's owner may share it", what);
	default:
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such %s", what);
	}
}

int
ig_share_create(const ig_share_new *in, char token[IG_SHARE_TOKEN_LEN + 1], ig_share *out, ig_err *err)
{
	unsigned char raw[32], h[IG_SHA256_LEN];
	char hex[IG_TOKEN_HASH_HEX], exp[24];
	const char *p[7];
	int rc;

	token[0] = '\0';
	if (in->with_user_id == NULL) {
		randombytes_buf(raw, sizeof(raw));
		ig_b64url_encode(raw, sizeof(raw), token);
		sodium_memzero(raw, sizeof(raw));
		ig_sha256(token, strlen(token), h);
		ig_bytea_hex(h, sizeof(h), hex);
	}
	snprintf(exp, sizeof(exp), "%lld", in->expires_in);
	p[0] = in->owner_id;
	p[1] = in->image_id;
	p[2] = in->project_id;
	p[3] = in->with_user_id;
	p[4] = in->with_user_id == NULL ? hex : NULL;
	p[5] = in->role;
	p[6] = in->expires_in > 0 ? exp : NULL;
	rc = ig_db_row(sql[SQL_CREATE], 7, p, 0, sizeof(*out), share_cols, out, err);
	if (rc == 0)
		return 0;
	sodium_memzero(token, IG_SHARE_TOKEN_LEN + 1);
	if (rc > 0)
		return ig_err_set(err, IG_E_CONFLICT, NULL, "at most %d live shares; revoke one first",
		    IG_SHARES_LIVE_MAX);
	return -1;
}

/* A share as the owner's list shows it (LIST_COLS). */
static const ig_page_field share_fields[] = {
	{ "share_id", LC_ID, IG_PAGE_STR },
	{ "image_id", LC_IMAGE, IG_PAGE_NONEMPTY },
	{ "project_id", LC_PROJECT, IG_PAGE_NONEMPTY },
	{ "with_user", LC_WITH, IG_PAGE_USER },
	{ "public_link", LC_LINK, IG_PAGE_BOOL },
	{ "role", LC_ROLE, IG_PAGE_STR },
	{ "status", LC_STATUS, IG_PAGE_STR },
	{ "created_at", LC_CREATED, IG_PAGE_STR },
	{ "expires_at", LC_EXPIRES, IG_PAGE_STR_OR_NULL },
	{ "revoked_at", LC_REVOKED, IG_PAGE_STR_OR_NULL },
};

_Static_assert(LC_USERNAME == LC_WITH + 1, "IG_PAGE_USER reads the username from the column after the id");

IG_PAGE_ROW_WRITER(share_json, share_fields)

json_object *
ig_share_list(const char *owner_id, const char *image_id, const char *project_id, const ig_page *pg,
    char **next_cursor, ig_err *err)
{
	const char *p[6] = { owner_id, pg->has_after ? pg->after_key : NULL, pg->has_after ? pg->after_id : NULL,
		pg->limit_plus_one, image_id, project_id };

	return ig_page_run(pg, IG_SHARES_PAGE_SCOPE, sql[SQL_LIST], 6, p, share_json, LC_KEY, LC_ID, next_cursor, err);
}

int
ig_share_revoke(const char *id, const char *owner_id, ig_share *out, ig_err *err)
{
	return ig_db_row(sql[SQL_REVOKE], IG_DB_ARGS(id, owner_id), 0, sizeof(*out), share_cols, out, err);
}

/* An image as a link shows it (VIEW_COLS). */
static json_object *
view_image_json(PGresult *r, int i)
{
	json_object *o = json_object_new_object();
	char url[512];

	json_object_object_add(o, "id", json_object_new_string(PQgetvalue(r, i, VC_ID)));
	snprintf(url, sizeof(url), "/generated_images/%s", PQgetvalue(r, i, VC_FILENAME));
	json_object_object_add(o, "url", json_object_new_string(url));
	snprintf(url, sizeof(url), "/generated_images/%s", PQgetvalue(r, i, VC_THUMB));
	json_object_object_add(o, "thumbnail_url", *PQgetvalue(r, i, VC_THUMB) ? json_object_new_string(url) : NULL);
	json_object_object_add(o, "width", json_object_new_int(atoi(PQgetvalue(r, i, VC_WIDTH))));
	json_object_object_add(o, "height", json_object_new_int(atoi(PQgetvalue(r, i, VC_HEIGHT))));
	json_object_object_add(o, "prompt", json_object_new_string(PQgetvalue(r, i, VC_PROMPT)));
	json_object_object_add(o, "negative_prompt", PQgetisnull(r, i, VC_NEG) ? NULL :
	    json_object_new_string(PQgetvalue(r, i, VC_NEG)));
	json_object_object_add(o, "provider", json_object_new_string(PQgetvalue(r, i, VC_PROVIDER)));
	json_object_object_add(o, "model", json_object_new_string(PQgetvalue(r, i, VC_MODEL)));
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, i, VC_CREATED)));
	return o;
}

/* The live link of token: 1 with its image or project id, 0 when there
 * is none (the token malformed, unknown, expired, revoked), -1 with err. */
static int
resolve(const char *token, char image_id[IG_UUID_BUF], char project_id[IG_UUID_BUF], ig_err *err)
{
	char hex[IG_TOKEN_HASH_HEX], found[IG_TOKEN_HASH_HEX] = "";
	ig_db_dst dst[] = { { found, sizeof(found) }, { image_id, IG_UUID_BUF }, { project_id, IG_UUID_BUF },
		{ NULL, 0 } };
	const char *p[1] = { hex };
	int rc;

	if (!ig_token_valid(token))
		return 0;
	ig_token_hash_hex(token, hex);
	rc = ig_db_texts(sql[SQL_BY_TOKEN], 1, p, IG_DB_IDEMPOTENT, dst, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* The index found it by hash; say so again without a data-dependent
	 * early exit. */
	return strlen(found) == strlen(hex) && sodium_memcmp(found, hex, strlen(hex)) == 0;
}

/* One row of a single-row view statement as row() makes it: 1 with *o,
 * 0 when there is none, -1 with err. */
static int
view_one(int stmt, const char *id, json_object *(*row)(PGresult *r, int i), json_object **o, ig_err *err)
{
	const char *p[1] = { id };
	PGresult *r = ig_db_exec(sql[stmt], 1, p, IG_DB_IDEMPOTENT, err);

	if (r == NULL)
		return -1;
	*o = PQntuples(r) == 1 ? row(r, 0) : NULL;
	PQclear(r);
	return *o != NULL;
}

static json_object *
view_project_json(PGresult *r, int i)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(PQgetvalue(r, i, 0)));
	json_object_object_add(o, "name", json_object_new_string(PQgetvalue(r, i, 1)));
	json_object_object_add(o, "description", json_object_new_string(PQgetvalue(r, i, 2)));
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, i, 3)));
	return o;
}

int
ig_share_view(const char *token, const ig_page *pg, json_object **out, ig_err *err)
{
	char image_id[IG_UUID_BUF] = "", project_id[IG_UUID_BUF] = "", *next = NULL;
	json_object *item, *images;
	int rc;

	*out = NULL;
	rc = resolve(token, image_id, project_id, err);
	if (rc <= 0)
		return rc;
	if (*image_id) {
		rc = view_one(SQL_VIEW_IMAGE, image_id, view_image_json, &item, err);
		if (rc <= 0)
			return rc;
		*out = json_object_new_object();
		json_object_object_add(*out, "image", item);
		return 1;
	}
	rc = view_one(SQL_VIEW_PROJECT, project_id, view_project_json, &item, err);
	if (rc <= 0)
		return rc;
	images = ig_page_run_of(pg, IG_SHARED_PAGE_SCOPE, sql[SQL_VIEW_PROJECT_IMAGES], project_id, view_image_json,
	    VC_KEY, VC_ID, &next, err);
	if (images == NULL) {
		json_object_put(item);
		return -1;
	}
	json_object_object_add(item, "images", images);
	*out = json_object_new_object();
	json_object_object_add(*out, "project", item);
	json_object_object_add(*out, "next_cursor", next ? json_object_new_string(next) : NULL);
	free(next);
	return 1;
}
