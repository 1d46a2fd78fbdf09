/*
 * http.h — one HTTP request as a handler sees it, and the handler contract.
 *
 * A handler validates its input, does its work through lib/, and returns
 * the HTTP status with *out set to the JSON body (ownership passes to the
 * pipeline), or -1 with err filled. It never writes to the stream; the
 * pipeline serializes the one response (DESIGN.md "Request path").
 */
#ifndef IG_FCGI_HTTP_H
#define IG_FCGI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"

typedef enum ig_access {
	IG_ACCESS_PUBLIC,
	IG_ACCESS_USER,
	IG_ACCESS_ADMIN,
} ig_access;

/* Who is calling; filled by the access check. */
typedef struct ig_caller {
	int authenticated;
	char user_id[37];
	int is_admin;
} ig_caller;

typedef struct ig_req {
	const char *method;
	const char *path;
	const char *query;
	const char *content_type;
	const char *remote_addr;
	char request_id[65];
	const char *body;           /* NUL-terminated, body_len bytes */
	size_t body_len;
	int nparams;
	const char *param_names[8];
	const char *param_values[8];
	ig_caller caller;
	ig_buf resp_headers;        /* extra "Name: value\r\n" lines */
	void *fcgi;                 /* the FCGX_Request, for header lookups */
} ig_req;

typedef int (*ig_handler)(ig_req *req, json_object **out, ig_err *err);

/* Value of request header name ("Authorization"), or NULL. */
const char *ig_req_header(const ig_req *req, const char *name);
/* Value of path parameter name captured by the route, or NULL. */
const char *ig_req_param(const ig_req *req, const char *name);
/* Add a response header line. */
void ig_req_add_header(ig_req *req, const char *name, const char *value);

/*
 * The access check of the pipeline: decides whether the caller may use a
 * route of the given level and fills req->caller. Returns 0, or -1 with err
 * (401/403). The accounts module installs the real check; until then only
 * public routes are reachable.
 */
typedef int (*ig_access_fn)(ig_req *req, ig_access level, ig_err *err);
extern ig_access_fn ig_access_check;

#endif
