/* projects.h — the access glue of app/api/projects.c (issue 13), used by
 * every route that touches an image or a project; its handlers are in api.h. */
#ifndef IG_API_PROJECTS_H
#define IG_API_PROJECTS_H

#include "app/fcgi/http.h"
#include "lib/collab/access.h"
#include "lib/core/error.h"

/* The caller's access to the image (the project) id for action
 * (lib/collab/access.h): 0 with *acc when allowed, else -1 with err: a 404
 * "no such image" ("project") when they may not see it or it does not
 * exist, a 403 when they may see it but not do this, or the lookup's own
 * error. */
int ig_api_image_allowed(const ig_req *req, const char *id, ig_action action, ig_access *acc, ig_err *err);
int ig_api_project_allowed(const ig_req *req, const char *id, ig_action action, ig_access *acc, ig_err *err);

/* May the caller put their images in project_id (NULL: no project)? 0
 * when they are its editor or owner, else -1 with err naming project_id:
 * 404 when they may not see it (anonymous callers included), 403 when
 * they may see it but not change it (a viewer). */
int ig_api_project_writable(const ig_req *req, const char *project_id, ig_err *err);

#endif
