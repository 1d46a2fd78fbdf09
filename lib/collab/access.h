/*
 * access.h — who may do what with an image, a project or a comment: the
 * one access rule of issue 13, read from images, projects,
 * project_members and shares (sql/migrations/015_collaboration.sql).
 * Every route that touches an image, a project or a comment asks here.
 *
 * A caller's role on an image:
 *   owner   — its owner, or the owner of its project
 *   editor  — an editor of its project, or holds an editor share of the
 *             image or of its project (live: not expired, not revoked)
 *   viewer  — the same with the viewer role
 *   none    — anyone else, anonymous callers included
 * and on a project: owner (projects.owner_id), editor or viewer (member
 * row, or a live share of the project), none. A public link (a token) is
 * not a role here: GET /api/collaboration/shared/{token} answers its one
 * item read-only and nothing else.
 *
 * What a role may do is ig_access_may; a resource the caller may not see
 * is a 404 (never a 403 that confirms it exists), a change refused to one
 * who may see it a 403: ig_access_status says which.
 */
#ifndef IG_COLLAB_ACCESS_H
#define IG_COLLAB_ACCESS_H

#include "lib/core/error.h"
#include "lib/core/util.h"

typedef enum ig_role {
	IG_ROLE_NONE = 0,
	IG_ROLE_VIEWER,
	IG_ROLE_EDITOR,
	IG_ROLE_OWNER,
} ig_role;

typedef enum ig_action {
	IG_ACT_SEE,             /* read it, its comments and (a project) its images */
	IG_ACT_COMMENT,         /* add a comment; edit or delete one's own */
	IG_ACT_ORGANIZE,        /* tags, folder, rating, title of a project's image; rename a project;
	                           add or remove one's own images in it */
	IG_ACT_MODERATE,        /* delete anyone's comment on the image */
	IG_ACT_MANAGE,          /* delete it, share it, a project's members */
} ig_action;

/* What the caller's role on a resource says of one thing they ask. */
typedef struct ig_access {
	ig_role role;
	char owner_id[IG_UUID_BUF];    /* the image's or project's owner ("" for an anonymous image) */
	char project_id[IG_UUID_BUF];  /* an image's project, "" when none; a project's own id */
} ig_access;

/* user_id's role on the image image_id (user_id NULL or "" for anonymous):
 * 1 with *out, 0 when there is no such image (a malformed id included),
 * -1 with err. */
int ig_access_image(const char *image_id, const char *user_id, ig_access *out, ig_err *err);

/* The same for the project project_id. */
int ig_access_project(const char *project_id, const char *user_id, ig_access *out, ig_err *err);

/* 1 when role may do action, else 0. */
int ig_access_may(ig_role role, ig_action action);

/* The HTTP status of asking action with role: 0 when allowed, 404 when
 * the role may not even see the resource, 403 when it may see but not do
 * this. */
int ig_access_status(ig_role role, ig_action action);

#endif
