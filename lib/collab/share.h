/*
 * share.h — the shares table (sql/migrations/015_collaboration.sql): a
 * share of one image or one project, either to a user or as a public link
 * (API.md "Collaboration"). Who may share and what a live user share
 * gives its recipient is lib/collab/access.c's; this module makes,
 * lists, revokes and resolves shares, and reads what a link shows.
 *
 * A link's token is 256 random bits (libsodium randombytes_buf) in
 * base64url, shown once when it is made and stored only as its SHA-256
 * (token_hash); a lookup goes by that hash and the hash found is compared
 * again in constant time. No token is logged or kept.
 */
#ifndef IG_COLLAB_SHARE_H
#define IG_COLLAB_SHARE_H

#include <json-c/json.h>

#include "lib/auth/token.h"
#include "lib/auth/user.h"
#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/db/page.h"

/* Live shares (not revoked, not expired) a user may hold. Counted in the
 * inserting statement itself, so parallel requests of one user that each
 * see the count below the cap may pass it by their number. */
#define IG_SHARES_LIVE_MAX 100
#define IG_SHARE_TTL_MAX (90 * 86400)           /* the longest expires_in, seconds */
#define IG_SHARE_LINK_TTL_DEFAULT (7 * 86400)   /* a link's expires_in when none is given */
#define IG_SHARE_TOKEN_LEN IG_TOKEN_LEN         /* base64url of 32 random bytes, no padding */
#define IG_SHARES_PAGE_SCOPE "shares"           /* cursor scope of the owner's list */
#define IG_SHARED_PAGE_SCOPE "shared-project"   /* cursor scope of a shared project's images */

/* A new share: exactly one of image_id and project_id; with_user_id for a
 * user share, NULL for a public link. */
typedef struct ig_share_new {
	const char *owner_id;
	const char *image_id, *project_id;
	const char *with_user_id;
	const char *role;           /* "viewer" or "editor" (a link: viewer) */
	long long expires_in;       /* seconds from now; 0: never (a user share only) */
} ig_share_new;

/* A share as its owner sees it; "" for what is not set. */
typedef struct ig_share {
	char id[IG_UUID_BUF];
	char image_id[IG_UUID_BUF];
	char project_id[IG_UUID_BUF];
	char with_user_id[IG_UUID_BUF];
	char expires_at[32];        /* RFC 3339 UTC with milliseconds */
} ig_share;

/*
 * May user_id share the item (image_id, or project_id when image_id is
 * NULL)? The access rule says: its owner only. 0, or -1 with err:
 * not_found when the caller may not see it (or there is no such item),
 * forbidden when they may see it but not share it.
 */
int ig_share_allowed(const char *image_id, const char *project_id, const char *user_id, ig_err *err);

/*
 * Make a share. For a link (with_user_id NULL) token gets the token in the
 * clear (to show once; the caller wipes it), for a user share "". out gets
 * the stored row. 0, or -1 with err: conflict when owner_id already holds
 * IG_SHARES_LIVE_MAX live shares.
 */
int ig_share_create(const ig_share_new *in, char token[IG_SHARE_TOKEN_LEN + 1], ig_share *out, ig_err *err);

/*
 * One page of owner_id's shares (of the image image_id, of the project
 * project_id, when not NULL), newest first (revoked and expired ones
 * included, so the owner sees what ended): an array of {share_id,
 * image_id, project_id, with_user: {id, username} or null, public_link,
 * role, status (live, expired, revoked), created_at, expires_at,
 * revoked_at}. Never a token: only its hash is stored. *next_cursor
 * (malloc'ed) or NULL on the last page. NULL with err.
 */
json_object *ig_share_list(const char *owner_id, const char *image_id, const char *project_id, const ig_page *pg,
    char **next_cursor, ig_err *err);

/* Revoke owner_id's share id at once (revoked_at = now); out gets it.
 * 0, 1 when owner_id has no such share not yet revoked (a malformed id
 * included), or -1 with err. */
int ig_share_revoke(const char *id, const char *owner_id, ig_share *out, ig_err *err);

/*
 * What a public link's token shows, read-only, without private fields:
 * {image: {id, url, thumbnail_url, width, height, prompt,
 * negative_prompt, provider, model, created_at}} or {project: {id, name,
 * description, created_at, images: [one page of its images, newest first,
 * pg]}, next_cursor}. 1 with *out (a new object), 0 when the token is
 * malformed, unknown, expired or revoked, -1 with err.
 */
int ig_share_view(const char *token, const ig_page *pg, json_object **out, ig_err *err);

#endif
