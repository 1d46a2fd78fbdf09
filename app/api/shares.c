/*
 * shares.c — sharing an image or a project with a user or as a public
 * link (API.md "Collaboration"). The table is lib/collab/share.c's; who
 * may share is lib/collab/access.c's rule (the item's owner only), asked
 * through ig_share_allowed; this file reads requests and writes answers. A link's token is in the answer
 * that makes it and nowhere else: not in the list, not in a log line.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/collab/share.h"
#include "lib/core/config.h"

static const char *const roles[] = { "viewer", "editor", NULL };

/* The body of POST /api/collaboration/share (seed). */
struct share_body {
	const char *image_id, *project_id, *with_user, *role;
	int64_t expires_in;
	int has_expires_in;
	int public_link;
};

static const ig_field share_fields[] = {
	{ "image_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct share_body, image_id) },
	{ "project_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct share_body, project_id) },
	{ "with_user", IG_F_STRING, 0, 1, IG_EMAIL_BUF - 1, .at = IG_AT(struct share_body, with_user) },
	{ "role", IG_F_ENUM, 0, 0, 0, roles, .at = IG_AT(struct share_body, role) },
	{ "expires_in", IG_F_INT, 0, 1, IG_SHARE_TTL_MAX, .at = IG_AT(struct share_body, expires_in),
	  .has = IG_HAS(struct share_body, has_expires_in) },
	{ "public_link", IG_F_BOOL, 0, 0, 0, .at = IG_AT(struct share_body, public_link) },
	IG_FIELDS_END
};

/* The combinations the table cannot say: exactly one target, exactly one
 * of a user and a link, a link read-only. 0 or -1 with err. */
static int
check_share(const struct share_body *b, ig_err *err)
{
	if ((b->image_id == NULL) == (b->project_id == NULL))
		return ig_err_set(err, IG_E_INVALID_REQUEST, b->image_id ? "project_id" : "image_id",
		    "give exactly one of image_id and project_id");
	if (b->public_link && b->with_user != NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "with_user",
		    "a public link is for anyone: give with_user or public_link: true, not both");
	if (!b->public_link && b->with_user == NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "with_user",
		    "with_user is required unless public_link is true");
	if (b->public_link && strcmp(b->role, "viewer") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "role", "a public link is read-only: role must be viewer");
	return 0;
}

/* The user with_user names (username or email): its id, not the caller.
 * 0 or -1 with err naming with_user. */
static int
recipient(const char *with_user, const char *caller_id, char id[IG_UUID_BUF], ig_err *err)
{
	char hash[IG_PASSWORD_HASH_MAX];
	int rc = ig_user_by_login(with_user, id, hash, err);

	sodium_memzero(hash, sizeof(hash));
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ig_err_set(err, IG_E_NOT_FOUND, "with_user", "no user %s", with_user);
	if (strcmp(id, caller_id) == 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "with_user", "you cannot share with yourself");
	return 0;
}

/* The recipient's activity says who shared what; not the sharer's
 * address (ip NULL), which is none of the recipient's business. */
static void
tell_recipient(const ig_req *req, const ig_share *s, const char *role)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "share_id", json_object_new_string(s->id));
	json_object_object_add(d, "image_id", *s->image_id ? json_object_new_string(s->image_id) : NULL);
	json_object_object_add(d, "project_id", *s->project_id ? json_object_new_string(s->project_id) : NULL);
	json_object_object_add(d, "from", json_object_new_string(req->user.username));
	json_object_object_add(d, "role", json_object_new_string(role));
	ig_activity_told(s->with_user_id, "share_received", d);
}

int
ig_api_share_create(ig_req *req, json_object **out, ig_err *err)
{
	struct share_body b = { .role = roles[0] };
	char with_id[IG_UUID_BUF], token[IG_SHARE_TOKEN_LEN + 1];
	ig_share s;
	ig_share_new in;
	json_object *d;

	if (ig_fields_body(req, share_fields, &b, err) != 0 || check_share(&b, err) != 0 ||
	    ig_share_allowed(b.image_id, b.project_id, req->caller.user_id, err) != 0 ||
	    (!b.public_link && recipient(b.with_user, req->caller.user_id, with_id, err) != 0))
		return -1;
	in = (ig_share_new){ .owner_id = req->caller.user_id, .image_id = b.image_id, .project_id = b.project_id,
		.with_user_id = b.public_link ? NULL : with_id, .role = b.role,
		.expires_in = b.has_expires_in ? (long long)b.expires_in :
		    b.public_link ? IG_SHARE_LINK_TTL_DEFAULT : 0 };
	if (ig_share_create(&in, token, &s, err) != 0)
		return -1;
	*out = ig_ok("share_id", json_object_new_string(s.id));
	if (b.public_link) {
		char *url = ig_xasprintf("%s/api/collaboration/shared/%s", ig_cfg()->public_url, token);
		json_object_object_add(*out, "token", json_object_new_string(token));
		json_object_object_add(*out, "url", json_object_new_string(url));
		sodium_memzero(url, strlen(url));
		free(url);
		sodium_memzero(token, sizeof(token));
	} else {
		json_object_object_add(*out, "token", NULL);
		json_object_object_add(*out, "url", NULL);
	}
	json_object_object_add(*out, "expires_at", *s.expires_at ? json_object_new_string(s.expires_at) : NULL);
	d = json_object_new_object();
	json_object_object_add(d, "share_id", json_object_new_string(s.id));
	json_object_object_add(d, "public_link", json_object_new_boolean(b.public_link));
	ig_activity(req, req->caller.user_id, "share_created", d);
	if (!b.public_link)
		tell_recipient(req, &s, b.role);
	return 201;
}

/* GET /api/collaboration/shared/{token}: public. Any failure to find a
 * live link is the same 404, malformed tokens included. */
int
ig_api_shared_get(ig_req *req, json_object **out, ig_err *err)
{
	ig_page pg;
	int rc;

	if (ig_fields_page(req, IG_SHARED_PAGE_SCOPE, 50, &pg, err) != 0)
		return -1;
	rc = ig_share_view(ig_req_param(req, "token"), &pg, out, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such share, or it has expired or been revoked");
	json_object_object_add(*out, "success", json_object_new_boolean(1));
	return 200;
}

/* GET /api/collaboration/shares: the caller's, of one image or project
 * when the query names it (the page's limit and cursor are
 * ig_fields_page's). */
struct shares_query {
	const char *image_id, *project_id;
};

static const ig_field shares_query[] = {
	{ "image_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct shares_query, image_id), .bytes = 63 },
	{ "project_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct shares_query, project_id), .bytes = 63 },
	IG_FIELDS_END
};

int
ig_api_shares_list(ig_req *req, json_object **out, ig_err *err)
{
	struct shares_query q = { NULL, NULL };
	char *next = NULL;
	ig_page pg;
	json_object *rows;

	if (ig_fields_query(req, shares_query, &q, err) != 0 || ig_fields_page(req, IG_SHARES_PAGE_SCOPE, 20, &pg, err) != 0)
		return -1;
	if (q.image_id != NULL && q.project_id != NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "project_id", "give at most one of image_id and project_id");
	rows = ig_share_list(req->caller.user_id, q.image_id, q.project_id, &pg, &next, err);
	if (rows == NULL)
		return -1;
	*out = ig_ok_page("shares", rows, next);
	return 200;
}

/* DELETE /api/collaboration/share/{share_id}: the share's owner only; a
 * share already revoked is a 404 like one that never was. */
int
ig_api_share_revoke(ig_req *req, json_object **out, ig_err *err)
{
	ig_share s;
	json_object *d;
	int rc = ig_share_revoke(ig_req_param(req, "share_id"), req->caller.user_id, &s, err);

	if (rc < 0)
		return -1;
	if (rc > 0)
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such share");
	d = json_object_new_object();
	json_object_object_add(d, "share_id", json_object_new_string(s.id));
	ig_activity(req, req->caller.user_id, "share_revoked", d);
	*out = ig_ok(NULL, NULL);
	return 200;
}
