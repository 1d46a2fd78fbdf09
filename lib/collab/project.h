/*
 * project.h — projects and their members (tables projects and
 * project_members, sql/migrations/015_collaboration.sql; API.md
 * "Collaboration"). This module holds their statements and nothing else
 * decides who may do what with them: the handlers ask lib/collab/access.h
 * first and call here only for what the rule allowed.
 *
 * The owner is not a member row; member_count counts the owner too.
 * Deleting a project leaves its images with their owners (images.project_id
 * is cleared by the foreign key).
 */
#ifndef IG_COLLAB_PROJECT_H
#define IG_COLLAB_PROJECT_H

#include "lib/collab/access.h"
#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/db/page.h"

#define IG_PROJECT_NAME_MAX 200        /* characters of a name (the table's CHECK too) */
#define IG_PROJECT_DESC_MAX 2000       /* characters of a description (the CHECK too) */
#define IG_PROJECTS_PER_USER_MAX 100   /* projects one user may own */
#define IG_PROJECT_MEMBERS_MAX 50      /* members of one project, the owner not counted */
#define IG_PROJECT_PAGE_SCOPE "projects"

/* A project as a caller sees it. */
typedef struct ig_project {
	char id[IG_UUID_BUF];
	char name[4 * IG_PROJECT_NAME_MAX + 1];
	char description[4 * IG_PROJECT_DESC_MAX + 1];
	ig_role role;                  /* the caller's (ig_access_project's rule) */
	char owner_id[IG_UUID_BUF];
	char owner_username[64];
	long member_count;             /* members + the owner */
	long image_count;
	char created_at[32];           /* RFC 3339 UTC with milliseconds */
	char updated_at[32];
	char key[40];                  /* the list's sort key (created_at, microseconds) */
} ig_project;

/* A member as the project's page shows them. */
typedef struct ig_project_member {
	char user_id[IG_UUID_BUF];
	char username[64];
	char role[8];                  /* viewer or editor */
	char created_at[32];
} ig_project_member;

/* "owner", "editor", "viewer" or "none". */
const char *ig_role_name(ig_role role);

/*
 * Make a project owned by owner_id; *out gets it as its owner sees it.
 * 0, or -1 with err: conflict naming `name` when owner_id already owns
 * IG_PROJECTS_PER_USER_MAX projects.
 */
int ig_project_create(const char *owner_id, const char *name, const char *description, ig_project *out,
    ig_err *err);

/* The project id as user_id sees it (role included; user_id may be NULL).
 * 1 with *out, 0 when there is no such project, -1 with err. It does not
 * decide access: ask ig_access_project first. */
int ig_project_get(const char *id, const char *user_id, ig_project *out, ig_err *err);

/*
 * One page of the projects user_id owns, is a member of, or holds a live
 * user share of, newest first: *out (malloc'ed, the caller frees) gets *n
 * of them, *next_cursor (malloc'ed) the next page's cursor or NULL. 0, or
 * -1 with err.
 */
int ig_project_list(const char *user_id, const ig_page *pg, ig_project **out, int *n, char **next_cursor,
    ig_err *err);

/* Rename the project id and/or change its description (each only when its
 * has_ flag is set). 1, 0 when there is no such project, -1 with err. */
int ig_project_update(const char *id, int has_name, const char *name, int has_description,
    const char *description, ig_err *err);

/* Delete the project id (its members and shares go with it; its images
 * stay with their owners). 1, 0 when there is no such project, -1 with
 * err. */
int ig_project_delete(const char *id, ig_err *err);

/* The members of project id (at most IG_PROJECT_MEMBERS_MAX), oldest
 * first: *out (malloc'ed, the caller frees) and *n. 0 or -1 with err. */
int ig_project_members(const char *id, ig_project_member **out, int *n, ig_err *err);

/*
 * Make the user named by username or by email (exactly one non-NULL;
 * case-insensitive) a member of project id with role (viewer or editor),
 * added by added_by; a member already there gets the new role. *out gets
 * the member, *added 1 when the row is new. 1, 0 when no user has that
 * name or address, or -1 with err: conflict naming field (the one given)
 * when the user owns the project, or when the project already has
 * IG_PROJECT_MEMBERS_MAX members.
 */
int ig_project_member_set(const char *id, const char *username, const char *email, const char *role,
    const char *added_by, ig_project_member *out, int *added, ig_err *err);

/* Remove user_id from project id's members. 1, 0 when they are not one,
 * -1 with err. */
int ig_project_member_remove(const char *id, const char *user_id, ig_err *err);

#endif
