/*
 * comments.c — comments on images (API.md "Collaboration"). Whoever may
 * see the image may read its comments and add to them; an author edits
 * and deletes their own; the image's owner may delete any (moderation).
 * Each route decides through lib/collab/access.h: 404 when the caller may
 * not see the image (the same as no image), 403 when they may see it but
 * not do this. The rows are lib/collab/comment.c's.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/collab/comment.h"
#include "lib/core/util.h"
/* app/fcgi/http.h has an ig_access of its own (a route's access level):
 * the access rule's struct is named apart here. */
#define ig_access ig_collab_access
#include "lib/collab/access.h"
#undef ig_access

static int
no_image(ig_err *err)
{
	return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such image");
}

static int
no_comment(ig_err *err)
{
	return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such comment");
}

/*
 * The caller's role on the route's image, allowed to do action: 0 with
 * *acc, or -1 with err (404 when they may not see it or there is none,
 * 403 when they may see it but not do this).
 */
static int
image_allows(ig_req *req, ig_action action, ig_collab_access *acc, ig_err *err)
{
	int rc = ig_access_image(ig_req_param(req, "image_id"), req->caller.user_id, acc, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return no_image(err);
	switch (ig_access_status(acc->role, action)) {
	case 0:
		return 0;
	case 403:
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "you may not do this with this image's comments");
	default:
		return no_image(err);
	}
}

/* GET /api/collaboration/comments/{image_id} */
int
ig_api_comments_list(ig_req *req, json_object **out, ig_err *err)
{
	const char *image_id = ig_req_param(req, "image_id");
	ig_collab_access acc;
	json_object *items;
	char scope[64], *next = NULL;
	ig_page pg;

	if (image_allows(req, IG_ACT_SEE, &acc, err) != 0)
		return -1;
	ig_comment_scope(image_id, scope);
	if (ig_fields_page(req, scope, 50, &pg, err) != 0 ||
	    ig_comment_list(image_id, &pg, &items, &next, err) != 0)
		return -1;
	*out = ig_ok_page("comments", items, next);
	return 200;
}

/* The body of POST and PUT: the one text row both read, and POST's
 * parent_id (a reply); an edit cannot move a comment. */
struct comment_body {
	const char *body, *parent_id;
};
#define COMMENT_TEXT_FIELD \
	{ "body", IG_F_STRING, IG_F_REQUIRED, 1, IG_COMMENT_BODY_MAX, .at = IG_AT(struct comment_body, body) }

static const ig_field add_fields[] = {
	COMMENT_TEXT_FIELD,
	{ "parent_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct comment_body, parent_id) },
	IG_FIELDS_END
};

static const ig_field edit_fields[] = {
	COMMENT_TEXT_FIELD,
	IG_FIELDS_END
};

/*
 * Read a comment's body by table into b. The JSON reader refuses invalid
 * UTF-8 and NUL (a raw byte or \u0000) in any body; here the only free
 * text is the comment's body, so such a refusal names it.
 */
static int
read_body(ig_req *req, const ig_field *table, struct comment_body *b, ig_err *err)
{
	if (ig_fields_body(req, table, b, err) == 0)
		return 0;
	if (err->code == IG_E_INVALID_JSON && req->body != NULL &&
	    (!ig_utf8_valid(req->body, req->body_len) || memchr(req->body, '\0', req->body_len) != NULL ||
	    strstr(err->message, "\\u0000") != NULL))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "body",
		    "body must be valid UTF-8 text without NUL characters");
	return -1;
}

/* Tell user_id (unless "" or the commenter) of comment c on image_id:
 * an event of kind in their activity, without the commenter's address. */
static void
tell(const ig_req *req, const char *user_id, const char *kind, const char *image_id, json_object *c)
{
	json_object *d;

	if (user_id[0] == '\0' || strcmp(user_id, req->caller.user_id) == 0)
		return;
	d = json_object_new_object();
	json_object_object_add(d, "image_id", json_object_new_string(image_id));
	json_object_object_add(d, "comment_id", json_object_get(json_object_object_get(c, "id")));
	json_object_object_add(d, "parent_id", json_object_get(json_object_object_get(c, "parent_id")));
	json_object_object_add(d, "author", json_object_get(json_object_object_get(c, "author")));
	ig_activity_told(user_id, kind, d);
}

/* POST /api/collaboration/comments/{image_id} */
int
ig_api_comment_add(ig_req *req, json_object **out, ig_err *err)
{
	struct comment_body b = { NULL, NULL };
	ig_comment_new in;
	ig_collab_access acc;
	json_object *c;
	char parent_author[IG_UUID_BUF], num[16];
	int retry;

	if (image_allows(req, IG_ACT_COMMENT, &acc, err) != 0 || read_body(req, add_fields, &b, err) != 0)
		return -1;
	in.image_id = ig_req_param(req, "image_id");
	in.author_id = req->caller.user_id;
	in.body = b.body;
	in.parent_id = b.parent_id;
	if (ig_comment_add(&in, &c, parent_author, &retry, err) != 0) {
		if (err->code == IG_E_RATE_LIMITED) {
			snprintf(num, sizeof(num), "%d", retry);
			ig_req_add_header(req, "Retry-After", num);
		}
		return -1;
	}
	/* A reply tells the parent's author; the image's owner hears of
	 * every comment on their image once (a reply to them is the one). */
	tell(req, parent_author, "comment_reply", in.image_id, c);
	if (strcmp(acc.owner_id, parent_author) != 0)
		tell(req, acc.owner_id, "comment_on_image", in.image_id, c);
	*out = ig_ok("comment", c);
	return 201;
}

/*
 * The route's comment, live, and whether the caller wrote it: 0 with
 * *mine, or -1 with err (404 for none, a deleted one included).
 */
static int
the_comment(ig_req *req, int *mine, ig_err *err)
{
	ig_comment_ref ref;
	int rc = ig_comment_ref_get(ig_req_param(req, "image_id"), ig_req_param(req, "comment_id"), &ref, err);

	if (rc < 0)
		return -1;
	if (rc == 0 || ref.deleted)
		return no_comment(err);
	*mine = strcmp(ref.author_id, req->caller.user_id) == 0;
	return 0;
}

/* PUT /api/collaboration/comments/{image_id}/{comment_id} */
int
ig_api_comment_edit(ig_req *req, json_object **out, ig_err *err)
{
	struct comment_body b = { NULL, NULL };
	ig_collab_access acc;
	json_object *c;
	int mine, rc;

	if (image_allows(req, IG_ACT_COMMENT, &acc, err) != 0 || the_comment(req, &mine, err) != 0)
		return -1;
	if (!mine)
		return ig_err_set(err, IG_E_FORBIDDEN, NULL, "only its author may edit a comment");
	if (read_body(req, edit_fields, &b, err) != 0)
		return -1;
	rc = ig_comment_edit(ig_req_param(req, "image_id"), ig_req_param(req, "comment_id"), req->caller.user_id,
	    b.body, &c, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return no_comment(err);
	*out = ig_ok("comment", c);
	return 200;
}

/* DELETE /api/collaboration/comments/{image_id}/{comment_id} */
int
ig_api_comment_delete(ig_req *req, json_object **out, ig_err *err)
{
	const char *comment_id = ig_req_param(req, "comment_id");
	ig_collab_access acc;
	int mine, rc;

	if (image_allows(req, IG_ACT_SEE, &acc, err) != 0 || the_comment(req, &mine, err) != 0)
		return -1;
	/* One's own comment with the right to comment; anyone's with the
	 * right to moderate. */
	if (ig_access_status(acc.role, mine ? IG_ACT_COMMENT : IG_ACT_MODERATE) != 0)
		return ig_err_set(err, IG_E_FORBIDDEN, NULL,
		    "only its author or the image's owner may delete a comment");
	rc = ig_comment_delete(ig_req_param(req, "image_id"), comment_id, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return no_comment(err);
	*out = ig_ok("deleted", json_object_new_string(comment_id));
	json_object_object_add(*out, "kept_as_deleted", json_object_new_boolean(rc == 2));
	return 200;
}
