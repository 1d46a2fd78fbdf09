/*
 * http.h — one HTTP request as a handler sees it, and the handler contract.
 *
 * A handler validates its input (app/api/fields.h), does its work through
 * lib/, and ends with one outcome (ig_handler below): a status with its JSON
 * body, a failure with err, or, on a streamed row, its stream. The JSON
 * error shape is built in one place, ig_error_body (DESIGN.md "Request
 * path").
 */
#ifndef IG_FCGI_HTTP_H
#define IG_FCGI_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/auth/user.h"
#include "lib/core/error.h"
#include "lib/core/util.h"

typedef enum ig_route_access {
	IG_ACCESS_PUBLIC,
	IG_ACCESS_USER,
	IG_ACCESS_ADMIN,
} ig_route_access;

/* What a personal API key may do; a session (JWT) may do everything. */
typedef enum ig_scope {
	IG_SCOPE_READ = 1,          /* read the caller's own data */
	IG_SCOPE_GENERATE = 2,      /* start generations and batches */
	IG_SCOPE_ADMIN = 4,         /* manage the account, keys, admin routes */
} ig_scope;

#define IG_SCOPE_ALL (IG_SCOPE_READ | IG_SCOPE_GENERATE | IG_SCOPE_ADMIN)

/* Which rate-limit bucket a route counts against. */
typedef enum ig_rate_class {
	IG_RATE_NONE,               /* not limited (/health) */
	IG_RATE_GENERAL,            /* IG_RATE_LIMIT */
	IG_RATE_GENERATE,           /* IG_GENERATE_RATE_LIMIT, and the general one */
} ig_rate_class;

typedef struct ig_stream ig_stream;

/* Who is calling; filled by the access check. */
typedef struct ig_caller {
	int authenticated;
	char user_id[IG_UUID_BUF];
	int is_admin;
	int scopes;                 /* IG_SCOPE_* bits */
	int via_api_key;
	char api_key_id[IG_UUID_BUF];
	char jti[IG_UUID_BUF];      /* the access token's id (sessions) */
	long long token_exp;        /* its expiry, unix seconds */
} ig_caller;

/* Which error shape a request's IG_FAILED is answered in: API.md's, or
 * OpenAI's {"error": {message, type, param, code}} for the OpenAI-compatible
 * routes, whose clients parse that one. */
typedef enum ig_error_shape {
	IG_ERRORS_API = 0,
	IG_ERRORS_OPENAI,
} ig_error_shape;

typedef struct ig_req {
	const char *method;
	const char *path;
	const char *query;
	const char *content_type;
	const char *remote_addr;
	char request_id[65];
	const char *body;           /* NUL-terminated, body_len bytes */
	size_t body_len;
	json_object *fields;        /* what app/api/fields.h's readers parsed,
	                             * kept until the answer is sent */
	ig_stream *stream;          /* a streamed row's answer (ig_handler); NULL
	                             * on JSON rows */
	int nparams;
	const char *param_names[8];
	const char *param_values[8];
	ig_caller caller;
	/* The caller's users row as the access check read it, so handlers
	 * about the caller need no second query (id "" when none); freed by
	 * the pipeline. */
	ig_user user;
	ig_buf resp_headers;        /* extra "Name: value\r\n" lines */
	void *fcgi;                 /* the FCGX_Request, for header lookups */
	int hold_slot;              /* the long-request slot held (routes.h
	                             * hold column), 0 for none */
	ig_error_shape error_shape; /* set by a handler before it fails; errors
	                             * of the access check keep API.md's */
} ig_req;

/*
 * The one handler type, for JSON and streamed rows (routes.h), and its
 * outcome, one of:
 *   a status (100..599)  the answer: *out is its JSON body (ownership passes
 *                        to the pipeline; NULL answers {}).
 *   IG_FAILED            err is filled; the pipeline answers the JSON error
 *                        (ig_error_body) with err's status. An empty err is
 *                        an internal error.
 *   IG_STREAMED          a streamed row's handler has begun its stream
 *                        (ig_stream_begin on req->stream) and written its
 *                        answer, whole or until the client left.
 * Streamed rows (Server-Sent Events, ZIP downloads, Prometheus text) write
 * their answer as it is produced through req->stream (NULL on JSON rows).
 * Until ig_stream_begin they may end like any handler (a status with *out,
 * or IG_FAILED); after it the answer is out, and IG_FAILED only says the
 * stream ended early. Anything else (IG_STREAMED without a begun stream, a
 * status after one, a value that is none of these) is a handler bug: the
 * pipeline logs it and answers 500 with the JSON error when it still can.
 */
#define IG_FAILED (-1)
#define IG_STREAMED (-2)

typedef int (*ig_handler)(ig_req *req, json_object **out, ig_err *err);

/* The error body of API.md: {"success": false, "error": {code, message,
 * field}, "request_id"}, or OpenAI's when req->error_shape says so; the one
 * place error bodies are built. New reference. */
json_object *ig_error_body(const ig_req *req, const ig_err *err);

/*
 * The pipeline's reading of a handler's outcome rc (above): stream_begun
 * and stream_status tell whether the row's stream was begun and with what
 * status. Returns the status answered; *sent is 1 when the stream carried
 * the answer, 0 when the pipeline must send a JSON body (the handler's,
 * or, when the return is IG_FAILED, the error of err: err filled by the
 * handler, or IG_E_INTERNAL for a handler bug).
 */
int ig_handler_outcome(int rc, int stream_begun, int stream_status, ig_err *err, int *sent);

/* Send the status line and headers (Content-Type, then extra_headers:
 * "Name: value" lines, NULL-terminated; X-Request-Id is added). nginx is
 * told not to buffer (X-Accel-Buffering: no). 0, or -1 when the client is
 * gone. */
int ig_stream_begin(ig_stream *s, int status, const char *content_type, const char *const *extra_headers);
/* Write n bytes / flush them to the client; -1 when the client is gone. */
int ig_stream_write(ig_stream *s, const void *p, size_t n);
int ig_stream_flush(ig_stream *s);

/*
 * A handler of a long route (routes.h hold column) that is about to wait
 * (for a generation, for an LLM) takes its long-request slot with this
 * first, so that what it answers at once (a cache hit, a refusal) holds
 * none: 0, or -1 with err (429 naming IG_MAX_LONG_PER_USER, 503 when this
 * process's threads for long requests are busy; both with Retry-After).
 * Streamed long routes hold theirs from before the handler runs.
 */
int ig_req_hold(ig_req *req, ig_err *err);

/*
 * A long request (routes.h hold column) counts against its caller from
 * before the handler runs: the user when the access check authenticated
 * one, the client's address otherwise. A handler that identifies the user
 * itself (the events stream's ticket: req->caller.user_id set, not
 * authenticated) moves the request to that user's count with this; 0, or
 * -1 with err (429 naming IG_MAX_LONG_PER_USER, with Retry-After). A no-op
 * for a request that holds no slot.
 */
int ig_req_hold_as_user(ig_req *req, ig_err *err);

/* The route a request matched, as the access check sees it. */
typedef struct ig_route ig_route;

/* Value of request header name ("Authorization"), or NULL. */
const char *ig_req_header(const ig_req *req, const char *name);
/* Value of path parameter name captured by the route, or NULL. */
const char *ig_req_param(const ig_req *req, const char *name);
/* Add a response header line. */
void ig_req_add_header(ig_req *req, const char *name, const char *value);

/*
 * The access check of the pipeline (app/fcgi/access.c): authenticates the
 * Bearer credential if there is one, enforces the route's access level and
 * scope, fills req->caller, and counts the request against the rate limits
 * (adding the RateLimit-* headers). Returns 0, or -1 with err (401, 403,
 * 429 with Retry-After, 503).
 */
int ig_access_check(ig_req *req, const ig_route *route, ig_err *err);

/* Count the request against the caller's rate-limit bucket (the client's
 * address when anonymous) and add the RateLimit-* headers; -1 with err
 * (429 with Retry-After, or 503) when refused. */
int ig_rate_limit(ig_req *req, ig_rate_class rc, ig_err *err);

/* Apply CORS for the request's Origin (IG_CORS_ORIGINS): adds the response
 * headers when the origin is allowed. For a preflight (OPTIONS with
 * Access-Control-Request-Method) allow lists the route's methods. */
void ig_cors_headers(ig_req *req, const char *allow, int preflight);

#endif
