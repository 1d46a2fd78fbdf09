/* projects.h — the access glue of app/api/projects.c (issue 13), used by
 * every route that touches an image or a project; its handlers are in api.h. */
#ifndef IG_API_PROJECTS_H
#define IG_API_PROJECTS_H

#include "app/fcgi/http.h"
#include "lib/collab/access.h"
#include "lib/core/error.h"

/* The outcome of the access rule for action, found and acc as
 * ig_access_image / ig_access_project gave them, on a `what` ("image",
 * "project"): 0 when allowed, else -1 with err: found < 0 (err already
 * set), a 404 "no such <what>" when the caller may not see it (or found is
 * 0), a 403 when they may see it but not do this. */
int ig_api_access(int found, const ig_access *acc, ig_action action, const char *what, ig_err *err);

/* May the caller put their images in project_id (NULL: no project)? 0
 * when they are its editor or owner, else -1 with err naming project_id:
 * 404 when they may not see it (anonymous callers included), 403 when
 * they may see it but not change it (a viewer). */
int ig_api_project_writable(const ig_req *req, const char *project_id, ig_err *err);

#endif
