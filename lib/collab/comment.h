/*
 * comment.h — comments on images (sql/migrations/016_comments.sql): the
 * one module that holds their statements. Who may read, add, edit or
 * delete them is not decided here but by lib/collab/access.h over the
 * image; these functions only do what they are asked, with the author
 * condition in the SQL where the caller passes one.
 *
 * The order of a thread (GET /api/collaboration/comments/{image_id}):
 * oldest first by (created_at, id), over the whole image. A reply is
 * always created strictly after its parent, so every parent comes before
 * its replies, on the same page or an earlier one: a client builds the
 * tree in one pass, attaching each comment to its parent_id.
 *
 * Deleting: a comment with replies stays in the thread as a placeholder
 * (deleted true, body and author null); one without replies is removed,
 * and so is each deleted ancestor that this leaves without replies, up
 * the thread (a placeholder exists only to hold replies).
 *
 * Bodies are stored and answered exactly as given (no escaping, no
 * trimming): the HTTP layer answers them as JSON strings.
 */
#ifndef IG_COLLAB_COMMENT_H
#define IG_COLLAB_COMMENT_H

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/db/page.h"

#define IG_COMMENT_BODY_MAX 4000     /* characters (code points) of a body */
/* Comments one author may add in any hour, over every image: a flood of
 * comments is refused with 429 until the oldest of them is an hour old.
 * Counted in the inserting statement: requests of one author running at
 * the same moment each see the others' rows only once committed, so a
 * parallel burst may pass the cap by a few. */
#define IG_COMMENTS_PER_HOUR 60

/* What a comment is, for deciding who may change it. */
typedef struct ig_comment_ref {
	char author_id[IG_UUID_BUF];  /* "" once deleted or when the account is gone */
	int deleted;
} ig_comment_ref;

/* A new comment: author_id adds body on image_id, as a reply to parent_id
 * (NULL for a top-level comment). */
typedef struct ig_comment_new {
	const char *image_id, *author_id, *body, *parent_id;
} ig_comment_new;

/*
 * The comment comment_id of image_id into *out: 1, 0 when there is none
 * (a malformed id, or one of another image, included), -1 with err.
 */
int ig_comment_ref_get(const char *image_id, const char *comment_id, ig_comment_ref *out, ig_err *err);

/*
 * A page of image_id's comments in thread order (above), each {id,
 * author: {id, username} or null, body or null, parent_id or null,
 * deleted, created_at, updated_at or null}, into *items (new array);
 * *next gets the next page's cursor (malloc'ed) or NULL on the last one.
 * pg is opened on ig_comment_scope(image_id). 0, or -1 with err.
 */
int ig_comment_list(const char *image_id, const ig_page *pg, json_object **items, char **next, ig_err *err);

/* The page scope of image_id's comments (a cursor of one image's thread
 * is refused for another's), into out. */
void ig_comment_scope(const char *image_id, char out[64]);

/*
 * Add in's comment: *out gets it as the list shows it (new object), and
 * parent_author (IG_UUID_BUF bytes) the parent's author id ("" for none,
 * a placeholder's or a gone account's). 0, or -1 with err:
 * invalid_request naming parent_id when it is not a live comment of the
 * image; rate_limited when in->author_id has added IG_COMMENTS_PER_HOUR
 * in the last hour (*retry_after gets the seconds until one more is
 * allowed).
 */
int ig_comment_add(const ig_comment_new *in, json_object **out, char *parent_author, int *retry_after,
    ig_err *err);

/*
 * Replace the body of comment_id (of image_id, written by author_id, not
 * deleted) with body and set updated_at: *out gets the comment. 1, 0
 * when no such comment of that author exists (nothing changed), -1 with
 * err.
 */
int ig_comment_edit(const char *image_id, const char *comment_id, const char *author_id, const char *body,
    json_object **out, ig_err *err);

/*
 * Delete comment_id of image_id as the header says: 1 when it was
 * removed (with any deleted ancestors left without replies), 2 when it
 * stays as a placeholder (it has replies), 0 when there is no such live
 * comment, -1 with err.
 */
int ig_comment_delete(const char *image_id, const char *comment_id, ig_err *err);

#endif
