/* pipeline.c — see pipeline.h. */
#include "ig_autoconf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app/fcgi/http.h"
#include "app/fcgi/pipeline.h"
#include "app/fcgi/routes.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"

/* Bodies larger than this are not even drained on a 413: the connection is
 * closed instead (nginx's client_max_body_size stops them earlier anyway). */
#define DRAIN_LIMIT (64L * 1024 * 1024)

const char *
ig_req_header(const ig_req *req, const char *name)
{
	char key[128];
	size_t o = 5;

	memcpy(key, "HTTP_", 5);
	for (const char *p = name; *p && o < sizeof(key) - 1; p++)
		key[o++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	key[o] = '\0';
	return FCGX_GetParam(key, ((FCGX_Request *)req->fcgi)->envp);
}

const char *
ig_req_param(const ig_req *req, const char *name)
{
	for (int i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

void
ig_req_add_header(ig_req *req, const char *name, const char *value)
{
	ig_buf_printf(&req->resp_headers, "%s: %s\r\n", name, value);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 507: return "Insufficient Storage";
	default: return status < 300 ? "Success" : status < 400 ? "Redirection" : status < 500 ? "Client Error" :
	    "Server Error";
	}
}

json_object *
ig_error_body(const ig_req *req, const ig_err *err)
{
	json_object *o = json_object_new_object(), *e = json_object_new_object();

	if (req->error_shape == IG_ERRORS_OPENAI) {
		int status = ig_err_status(err->code);
		const char *type = status == 401 ? "authentication_error" : status == 429 ? "rate_limit_error" :
		    status >= 500 ? "server_error" : "invalid_request_error";

		json_object_object_add(e, "message", json_object_new_string(err->message));
		json_object_object_add(e, "type", json_object_new_string(type));
		json_object_object_add(e, "param", err->field[0] ? json_object_new_string(err->field) : NULL);
		json_object_object_add(e, "code", json_object_new_string(ig_err_name(err->code)));
		json_object_object_add(o, "error", e);
		return o;
	}
	json_object_object_add(e, "code", json_object_new_string(ig_err_name(err->code)));
	json_object_object_add(e, "message", json_object_new_string(err->message));
	json_object_object_add(e, "field", err->field[0] ? json_object_new_string(err->field) : NULL);
	json_object_object_add(o, "success", json_object_new_boolean(0));
	json_object_object_add(o, "error", e);
	json_object_object_add(o, "request_id", json_object_new_string(req->request_id));
	return o;
}

/* Where the body comes from: the connection itself (in, fcgi_in.h) or
 * libfcgi's stream. */
typedef struct body_src {
	FCGX_Request *r;
	ig_fcgi_in *in;
} body_src;

/* Up to n body bytes into p: the count, 0 at the end, -1 on an error
 * (which ends the body too). */
static long
body_get(const body_src *src, char *p, size_t n)
{
	if (src->in != NULL)
		return (long)ig_fcgi_in_read(src->in, p, n);
	return FCGX_GetStr(p, n > 65536 ? 65536 : (int)n, src->r->in);
}

static void
drain_body(const body_src *src, long len)
{
	char scratch[16384];

	if (len > DRAIN_LIMIT)
		return;
	while (body_get(src, scratch, sizeof(scratch)) > 0)
		;
}

/* A body of at least this many bytes (known from CONTENT_LENGTH) is read
 * into memory in transparent huge pages where the kernel allows them
 * (madvise mode): a 20 MB upload otherwise takes ~5,000 page faults, a
 * quarter of its CPU time in a VM. */
#define BIG_BODY ((size_t)2 << 20)

/*
 * The largest big body buffer freed so far in this process, kept for the
 * next big body: faulting in and zeroing 20 MB of fresh pages costs an
 * upload ~5-7 ms of CPU even in huge pages, a third of what is left of
 * it. It costs a worker process that has taken an upload that much
 * resident memory (at most the upload route's body limit, IG_MAX_UPLOAD
 * and its multipart framing); concurrent uploads allocate their own.
 */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static char *spare;
static size_t spare_size;

/* A buffer of at least n bytes; *size is its real size (for body_free). */
static char *
body_alloc(size_t n, size_t *size)
{
	void *p = NULL;

	*size = n;
	if (n < BIG_BODY)
		return ig_xmalloc(n);
	*size = (n + BIG_BODY - 1) & ~(BIG_BODY - 1);
	pthread_mutex_lock(&spare_lock);
	if (spare != NULL && spare_size >= *size) {
		p = spare;
		*size = spare_size;
		spare = NULL;
	}
	pthread_mutex_unlock(&spare_lock);
	if (p != NULL)
		return p;
	if (posix_memalign(&p, BIG_BODY, *size) != 0)
		return ig_xmalloc(*size);
	(void)madvise(p, *size, MADV_HUGEPAGE);
	return p;
}

/* Free b (size bytes, from body_alloc), or keep it as the spare. */
static void
body_free(char *b, size_t size)
{
	if (b != NULL && size >= BIG_BODY) {
		pthread_mutex_lock(&spare_lock);
		if (spare == NULL || spare_size < size) {
			char *old = spare;

			spare = b;
			spare_size = size;
			b = old;
		}
		pthread_mutex_unlock(&spare_lock);
	}
	free(b);
}

/*
 * Read the body into a new NUL-terminated buffer (*out, the caller frees;
 * NULL when there is none), never holding more than limit bytes: a
 * CONTENT_LENGTH over limit is refused before a byte is read, and without
 * one (has_len 0) the stream is read only until it passes limit. A
 * CONTENT_LENGTH larger than what arrives is a 400; bytes past a smaller one
 * are not kept. Returns 0, or -1 with err (413 payload_too_large, 400).
 */
static int
read_body(const body_src *src, int has_len, int64_t clen, long limit, char **out, size_t *outlen,
    size_t *outsize, ig_err *err)
{
	size_t cap, got = 0, size;
	char *b;
	long n;

	*out = NULL;
	*outlen = 0;
	if (has_len && clen > limit) {
		drain_body(src, (long)clen);
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, NULL,
		    "the request body is %lld bytes; the limit here is %ld", (long long)clen, limit);
	}
	/* nginx passes an empty CONTENT_LENGTH when there is no body. */
	cap = has_len ? (size_t)clen : (size_t)limit + 1 < 16384 ? (size_t)limit + 1 : 16384;
	b = body_alloc(cap + 1, &size);
	for (;;) {
		size_t want = cap - got;

		if (want == 0) {
			if (has_len || got > (size_t)limit)
				break;
			/* No CONTENT_LENGTH: grow, one byte past the limit at most. */
			cap = cap * 2 > (size_t)limit + 1 ? (size_t)limit + 1 : cap * 2;
			b = ig_xrealloc(b, cap + 1);
			size = cap + 1;
			continue;
		}
		if ((n = body_get(src, b + got, want)) <= 0)
			break;
		got += (size_t)n;
	}
	/* Read the record that ends the body, so that the connection can be
	 * closed at once (worker.c finish). */
	if (src->in != NULL && !src->in->eof && has_len && got == cap) {
		char end[16];
		(void)ig_fcgi_in_read(src->in, end, sizeof(end));
	}
	if (!has_len && got > (size_t)limit) {
		body_free(b, size);
		drain_body(src, 0);
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, NULL,
		    "the request body is over %ld bytes, the limit here", limit);
	}
	if (has_len && got != (size_t)clen) {
		body_free(b, size);
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the request body ended early");
	}
	if (got == 0) {
		body_free(b, size);
		return 0;
	}
	b[got] = '\0';
	*out = b;
	*outlen = got;
	*outsize = size;
	return 0;
}

struct ig_stream {
	FCGX_Request *r;
	ig_req *req;
	int begun;
	int status;
	int64_t bytes;
};

int
ig_stream_begin(ig_stream *s, int status, const char *content_type, const char *const *extra)
{
	int own_cache = 0;

	/* no-store unless the handler says otherwise (a redirect to an
	 * image on S3 may be kept a while). */
	for (int i = 0; extra && extra[i]; i++)
		own_cache |= strncasecmp(extra[i], "Cache-Control:", 14) == 0;
	FCGX_FPrintF(s->r->out, "Status: %d %s\r\nContent-Type: %s\r\n%s"
	    "X-Accel-Buffering: no\r\nX-Request-Id: %s\r\n%s", status, reason(status), content_type,
	    own_cache ? "" : "Cache-Control: no-store\r\n", s->req->request_id,
	    s->req->resp_headers.data ? s->req->resp_headers.data : "");
	for (int i = 0; extra && extra[i]; i++)
		FCGX_FPrintF(s->r->out, "%s\r\n", extra[i]);
	FCGX_PutS("\r\n", s->r->out);
	s->begun = 1;
	s->status = status;
	return ig_stream_flush(s);
}

int
ig_stream_write(ig_stream *s, const void *p, size_t n)
{
	while (n > 0) {
		int chunk = n > 65536 ? 65536 : (int)n;
		if (FCGX_PutStr(p, chunk, s->r->out) != chunk)
			return -1;
		p = (const char *)p + chunk;
		n -= (size_t)chunk;
		s->bytes += chunk;
	}
	return FCGX_GetError(s->r->out) == 0 ? 0 : -1;
}

int
ig_stream_flush(ig_stream *s)
{
	return FCGX_FFlush(s->r->out) == 0 && FCGX_GetError(s->r->out) == 0 ? 0 : -1;
}

/* ---- Long requests (routes.h hold column) ------------------------------ */

/* Seconds a refused long request is told to wait: long requests last from
 * seconds (an LLM reply) to an hour (an events stream); a few seconds is a
 * polite retry interval for either. */
#define HOLD_RETRY_AFTER "5"

static ig_metrics *pipeline_metrics;

/* The caller's key in the host's long-request table: FNV-1a of "u:" and
 * the user id, or "a:" and the client's address; never 0. */
static uint64_t
hold_key(const char *kind, const char *id)
{
	uint64_t h = ig_fnv1a64(ig_fnv1a64(ig_fnv1a64(IG_FNV1A64_INIT, kind), ":"), id ? id : "-");

	return h == 0 ? 1 : h;
}

/* Claim a slot for key; the slot number, or -1 with err (429, 503). */
static int
hold_claim(ig_req *req, uint64_t key, ig_err *err)
{
	int cap = ig_cfg()->max_long_per_user, held = 0;
	int slot = ig_long_claim(pipeline_metrics, key, getpid(), cap, &held);

	if (slot > 0)
		return slot;
	ig_req_add_header(req, "Retry-After", HOLD_RETRY_AFTER);
	if (slot < 0)
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL,
		    "this server holds as many long requests as it can; try again shortly");
	return ig_err_set(err, IG_E_RATE_LIMITED, NULL,
	    "at most %d long requests (event streams, ZIP downloads, waits for a generation, "
	    "assistant chats) at a time per %s (IG_MAX_LONG_PER_USER); %d are open: "
	    "finish one, then try again", cap, req->caller.user_id[0] ? "user" : "client address", held);
}

/*
 * Take a long-request slot for req: a streamed route's before its handler
 * runs, a handler's when it is about to wait (ig_req_hold). One of the
 * caller's IG_MAX_LONG_PER_USER on this host (429), and one of three
 * quarters of the host's threads (IG_WORKERS x IG_THREADS; 503), so the
 * other quarter always answers ordinary requests however many streams are
 * open. Counted for the host, not per process: a connection goes to a
 * thread that waits for one (EPOLLEXCLUSIVE skips busy ones), so a process
 * full of streams takes none while another has threads free, and a
 * per-process count would refuse long requests that the other could
 * serve. Published, then counted, like the per-user cap: racing claims
 * may both be refused, never both pass.
 */
static int
hold_begin(ig_req *req, ig_err *err)
{
	const ig_config *c = ig_cfg();
	int limit = c->workers * c->threads * 3 / 4;
	int slot;

	if (limit < 1)
		limit = 1;
	slot = hold_claim(req, req->caller.user_id[0] ? hold_key("u", req->caller.user_id) :
	    hold_key("a", req->remote_addr), err);
	if (slot < 0)
		return -1;
	if (ig_long_count(pipeline_metrics, 0) > limit) {
		ig_long_release(pipeline_metrics, slot);
		ig_req_add_header(req, "Retry-After", HOLD_RETRY_AFTER);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL,
		    "this server's threads for long requests are all busy; try again shortly");
	}
	req->hold_slot = slot;
	return 0;
}

static void
hold_end(ig_req *req)
{
	if (req->hold_slot == 0)
		return;
	ig_long_release(pipeline_metrics, req->hold_slot);
	req->hold_slot = 0;
}

int
ig_req_hold(ig_req *req, ig_err *err)
{
	return req->hold_slot != 0 ? 0 : hold_begin(req, err);
}

int
ig_req_hold_as_user(ig_req *req, ig_err *err)
{
	int slot;

	if (req->hold_slot == 0 || req->caller.user_id[0] == '\0')
		return 0;
	slot = hold_claim(req, hold_key("u", req->caller.user_id), err);
	if (slot < 0)
		return -1;
	ig_long_release(pipeline_metrics, req->hold_slot);
	req->hold_slot = slot;
	return 0;
}

int
ig_handler_outcome(int rc, int begun, int stream_status, ig_err *err, int *sent)
{
	*sent = begun;
	if (begun) {
		/* The answer is out: IG_FAILED only says it ended early. */
		if (rc != IG_STREAMED && rc != IG_FAILED)
			ig_logf(IG_LOG_ERROR, "handler_bug", "returned %d after beginning its stream", rc);
		return stream_status;
	}
	if (rc == IG_FAILED) {
		if (err->code == IG_E_NONE)
			ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		return IG_FAILED;
	}
	if (rc >= 100 && rc <= 599)
		return rc;
	if (rc == IG_STREAMED)
		ig_logf(IG_LOG_ERROR, "handler_bug", "IG_STREAMED without a begun stream");
	else
		ig_logf(IG_LOG_ERROR, "handler_bug", "returned %d: neither a status, IG_FAILED nor IG_STREAMED", rc);
	return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
}

/* The path as the request log shows it: a route's pattern instead when it
 * captures a {token} (a share link's token is its credential, API.md
 * "Collaboration"), whatever the method asked and in any case (a client's
 * /API/…/SHARED/{token} is a 404 that still carries a live token). */
static const char *
log_path(const char *path)
{
	const char *shown = path;
	char *lower;
	ig_route_match m;

	if (path == NULL)
		return "-";
	lower = ig_xstrdup(path);
	for (char *c = lower; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (size_t i = 0; i < ig_nroutes && shown == path; i++)
		if (strstr(ig_routes[i].pattern, "{token}") != NULL &&
		    ig_route_find(&ig_routes[i], 1, ig_routes[i].method, lower, &m) == 0)
			shown = ig_routes[i].pattern;
	free(lower);
	return shown;
}

/* Steps up to the handler; returns the status and sets *body, or sets
 * *streamed when the stream carried the answer. */
static int
process(ig_req *req, const body_src *src, json_object **body, int *streamed, ig_err *err)
{
	FCGX_Request *r = src->r;
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", r->envp);
	int64_t clen = 0;
	ig_route_match m;
	char *buf = NULL;
	size_t buf_size = 0;
	int rc, status;

	if (req->method == NULL || req->path == NULL || req->path[0] != '/')
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "malformed request line");
	if (cl != NULL && *cl != '\0' && ig_parse_int64(cl, 0, INT64_MAX, &clen) != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "invalid Content-Length");
	/* The row says how much body it takes (413 before reading past it);
	 * the 404 / 405 below still wait until the body is read. */
	rc = ig_route_find(ig_routes, ig_nroutes, req->method, req->path, &m);
	if (read_body(src, cl != NULL && *cl != '\0', clen, ig_route_body_limit(rc == 0 ? m.route : NULL,
	    ig_cfg()->max_body, ig_cfg()->max_upload), &buf, &req->body_len, &buf_size, err) != 0) {
		if (err->code == IG_E_PAYLOAD_TOO_LARGE && rc == 0 && m.route->max_body == IG_BODY_UPLOAD)
			ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, "file",
			    "the upload is larger than IG_MAX_UPLOAD (%ld bytes a file)", ig_cfg()->max_upload);
		return -1;
	}
	req->body = buf;

	if (rc == IG_E_METHOD_NOT_ALLOWED && strcmp(req->method, "OPTIONS") == 0) {
		/* OPTIONS, and CORS preflight, for any routed path. */
		int preflight = ig_req_header(req, "Access-Control-Request-Method") != NULL;
		ig_req_add_header(req, "Allow", m.allow);
		ig_cors_headers(req, m.allow, preflight);
		status = 204;
		goto out;
	}
	ig_cors_headers(req, NULL, 0);
	/* Unrouted API requests are traffic too: counted per client address. */
	if (rc != 0 && ig_rate_limit(req, IG_RATE_GENERAL, err) != 0) {
		status = -1;
		goto out;
	}
	if (rc == IG_E_METHOD_NOT_ALLOWED) {
		ig_req_add_header(req, "Allow", m.allow);
		status = ig_err_set(err, IG_E_METHOD_NOT_ALLOWED, NULL,
		    "%s is not allowed on %s; allowed: %s", req->method, req->path, m.allow);
		goto out;
	}
	if (rc != 0) {
		status = ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such endpoint: %s", req->path);
		goto out;
	}
	req->nparams = m.nparams;
	for (int i = 0; i < m.nparams; i++) {
		req->param_names[i] = m.names[i];
		req->param_values[i] = m.values[i];
	}
	if (ig_access_check(req, m.route, err) != 0 ||
	    (m.route->hold == IG_HOLD_LONG && m.route->stream != NULL && hold_begin(req, err) != 0)) {
		status = -1;
		goto out;
	}
	{
		ig_stream st = { .r = r, .req = req };
		int sent;

		req->stream = m.route->stream != NULL ? &st : NULL;
		rc = (m.route->stream != NULL ? m.route->stream : m.route->handler)(req, body, err);
		req->stream = NULL;
		status = ig_handler_outcome(rc, st.begun, st.status, err, &sent);
		/* Streamed: the answer is out already. */
		if (sent)
			*streamed = 1;
	}
out:
	hold_end(req);
	/* The captures live in m: the handler has run, so drop the pointers. */
	req->nparams = 0;
	req->body = NULL;
	body_free(buf, buf_size);
	return status;
}

static void
respond(FCGX_Request *r, ig_req *req, int status, json_object *body)
{
	size_t len = 0;
	const char *text = status == 204 ? "" : json_object_to_json_string_length(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	FCGX_FPrintF(r->out,
	    "Status: %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n",
	    status, reason(status), req->request_id,
	    req->resp_headers.data ? req->resp_headers.data : "");
	if (strcmp(req->method ? req->method : "", "HEAD") != 0 && status != 204)
		FCGX_PutStr(text, (int)len, r->out);
}

const ig_metrics *
ig_pipeline_metrics(void)
{
	static ig_metrics empty;

	return pipeline_metrics ? pipeline_metrics : &empty;
}

void
ig_pipeline_handle(FCGX_Request *r, ig_fcgi_in *in, ig_metrics *m)
{
	const body_src src = { .r = r, .in = in };
	int64_t t0 = ig_now_us();
	ig_req req;
	ig_err err = { 0 };
	json_object *body = NULL;
	const char *rid;
	int status, streamed = 0;

	memset(&req, 0, sizeof(req));
	req.fcgi = r;
	req.method = FCGX_GetParam("REQUEST_METHOD", r->envp);
	req.path = FCGX_GetParam("DOCUMENT_URI", r->envp);
	req.query = FCGX_GetParam("QUERY_STRING", r->envp);
	req.content_type = FCGX_GetParam("CONTENT_TYPE", r->envp);
	req.remote_addr = FCGX_GetParam("REMOTE_ADDR", r->envp);
	if (req.path == NULL)
		req.path = FCGX_GetParam("SCRIPT_NAME", r->envp);
	/* nginx passes its chosen id as REQUEST_ID (the client's X-Request-Id
	 * when it sent a sane one); anything unusable is replaced. */
	rid = FCGX_GetParam("REQUEST_ID", r->envp);
	if (!ig_request_id_valid(rid))
		rid = FCGX_GetParam("HTTP_X_REQUEST_ID", r->envp);
	if (ig_request_id_valid(rid))
		snprintf(req.request_id, sizeof(req.request_id), "%s", rid);
	else
		ig_uuid4(req.request_id);
	ig_log_set_request_id(req.request_id);
	pipeline_metrics = m;
	ig_metrics_begin(m);

	status = process(&req, &src, &body, &streamed, &err);
	if (streamed) {
		/* A streamed answer, already sent: only count and log it. */
		json_object_put(body);
		body = NULL;
	} else if (status < 0) {
		if (err.code == IG_E_NONE)
			ig_err_set(&err, IG_E_INTERNAL, NULL, "internal error");
		status = ig_err_status(err.code);
		json_object_put(body);
		body = ig_error_body(&req, &err);
	} else if (body == NULL) {
		body = json_object_new_object();
	}
	if (body != NULL)
		respond(r, &req, status, body);
	json_object_put(body);

	int64_t us = ig_now_us() - t0;
	ig_metrics_end(m, status, us);
	{
		json_object *f = json_object_new_object();
		json_object_object_add(f, "method", json_object_new_string(req.method ? req.method : "-"));
		json_object_object_add(f, "path", json_object_new_string(log_path(req.path)));
		json_object_object_add(f, "status", json_object_new_int(status));
		json_object_object_add(f, "duration_ms", json_object_new_double((double)us / 1000.0));
		if (status >= 500)
			json_object_object_add(f, "error", json_object_new_string(err.message));
		ig_log(status >= 500 ? IG_LOG_WARN : IG_LOG_INFO, "request", f);
	}
	ig_buf_free(&req.resp_headers);
	/* What app/api/fields.h's readers kept (ig_fields_release). */
	json_object_put(req.fields);
	ig_user_free(&req.user);
	ig_log_set_request_id(NULL);
}
