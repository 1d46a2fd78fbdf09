/*
 * routes.h — the route table and its matcher (DESIGN.md "Request path").
 * One static array in routes.c, each row {method, pattern, handler, access,
 * scope, rate class, stream, body limit, hold};
 * `{name}` segments of a pattern capture that path segment.
 */
#ifndef IG_FCGI_ROUTES_H
#define IG_FCGI_ROUTES_H

#include <stddef.h>

#include "app/fcgi/http.h"

/*
 * The max_body column: the largest request body a row takes, in bytes,
 * enforced from CONTENT_LENGTH before the body is read (413). Most bodies
 * are a few fields: the largest, a 4000-character prompt with a negative
 * prompt and settings, is under 40 KB even with every character \u-escaped.
 * IG_BODY_FULL marks the rows whose bodies grow with their content (a batch's
 * prompts, images in Replicate's free-form input): they take IG_MAX_BODY.
 * No row takes more than IG_MAX_BODY, except the upload rows: IG_BODY_UPLOAD
 * marks the routes that take one file of up to IG_MAX_UPLOAD bytes in a
 * multipart/form-data body (POST /api/images, POST /api/storage/upload);
 * they take IG_MAX_UPLOAD plus IG_UPLOAD_OVERHEAD for the multipart framing
 * and the small text parts beside the file (title, tags), whatever
 * IG_MAX_BODY says, so that a 20 MiB file passes with the defaults. The
 * handler still refuses a file part over IG_MAX_UPLOAD (413).
 */
#define IG_BODY_SMALL (64L * 1024)
#define IG_BODY_FULL 0L
#define IG_BODY_UPLOAD (-1L)
#define IG_UPLOAD_OVERHEAD (64L * 1024)

/*
 * The hold column: how long a row's requests hold their FastCGI thread.
 * IG_HOLD_LONG rows (streams, waits for a generation, LLM calls) may hold
 * it for minutes: the pipeline counts them per caller across the host
 * (IG_MAX_LONG_PER_USER, 429) and for the host (at most three quarters of
 * IG_WORKERS x IG_THREADS, 503), so that a few callers cannot hold every
 * thread; streams from before their handler runs, the others from when
 * their handler is about to wait (ig_req_hold). Rows leave the column out for IG_HOLD_SHORT.
 */
typedef enum ig_hold {
	IG_HOLD_SHORT = 0,
	IG_HOLD_LONG,
} ig_hold;

struct ig_route {
	const char *method;
	const char *pattern;
	ig_handler handler;
	ig_route_access access;
	int scope;                  /* IG_SCOPE_* an API key needs */
	ig_rate_class rate;
	ig_handler stream;          /* instead of handler on a streamed row: the
	                             * same handler type, answering through
	                             * req->stream; NULL on JSON rows */
	long max_body;              /* bytes, or IG_BODY_FULL */
	ig_hold hold;               /* IG_HOLD_SHORT when left out */
};

#define IG_ROUTE_MAX_PARAMS 8

typedef struct ig_route_match {
	const ig_route *route;      /* NULL when nothing matched */
	int nparams;
	char names[IG_ROUTE_MAX_PARAMS][32];
	char values[IG_ROUTE_MAX_PARAMS][256];
	char allow[128];            /* methods whose pattern matched the path */
} ig_route_match;

/*
 * Find the route for method and path in table (n rows). Returns 0 with
 * m->route set; IG_E_METHOD_NOT_ALLOWED when the path matches but the method
 * does not (m->allow lists the methods, "GET, HEAD, POST"); IG_E_NOT_FOUND
 * when no pattern matches. HEAD is served by GET routes.
 */
int ig_route_find(const ig_route *table, size_t n, const char *method,
    const char *path, ig_route_match *m);

/* The body limit of route (NULL: a request no row matched, which nothing
 * reads: IG_BODY_SMALL), given IG_MAX_BODY as max_body and IG_MAX_UPLOAD as
 * max_upload: the row's value, never above max_body; for an IG_BODY_UPLOAD
 * row max_upload + IG_UPLOAD_OVERHEAD. */
long ig_route_body_limit(const ig_route *route, long max_body, long max_upload);

/* The application's table. */
extern const ig_route ig_routes[];
extern const size_t ig_nroutes;

#endif
