/*
 * s3.c — the s3 backend of the object store (store.h): any S3-compatible
 * endpoint, spoken to with libcurl. Requests are signed by libcurl
 * (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3", CURLOPT_USERPWD access:secret)
 * with an explicit x-amz-content-sha256 (the body's digest, or
 * UNSIGNED-PAYLOAD for a body streamed from a file); presigned GET URLs
 * are signed here (SigV4 query-string signing, which libcurl cannot do).
 *
 * Objects carry x-amz-meta-sha256, Content-Type and the store's
 * Cache-Control when it has one (ig_store_s3.cache_control). A put from a file is
 * read twice, never whole into memory: once for its SHA-256 (the metadata
 * goes with the first request), once streamed to S3; above
 * IG_S3_MULTIPART_THRESHOLD bytes it is a multipart upload of
 * IG_S3_PART_SIZE parts (aborted on any failure: all or nothing).
 *
 * Each thread keeps one libcurl handle between its requests (a
 * pthread key; freed when the thread ends), so its connection to the
 * store — TCP and, over https, the TLS session — is reused by the next
 * request instead of made again for each object (a server that closes
 * every connection, as moto's werkzeug does, gains nothing and loses
 * nothing). A reused connection the server has meanwhile closed is sent
 * again on a new one by libcurl, the body rewound (on_seek).
 *
 * Every request is retried (IG_S3_RETRIES more times, back-off doubling
 * from 100 ms up to 5 s, half of it random) after a connection failure, a
 * timeout or a 5xx answer (SlowDown included), never after a 4xx. What
 * still fails is a 503 (IG_E_UNAVAILABLE) naming the S3 error code; the
 * secret key is never logged nor put in a message.
 *
 * Settings (lib/core/config.c): IG_S3_TIMEOUT (seconds a transfer may make
 * no progress; also bounds the connect), IG_S3_RETRIES,
 * IG_S3_MULTIPART_THRESHOLD, IG_S3_PART_SIZE. An ig_cfg() never loaded
 * (zeros) means their defaults.
 */
#include "ig_autoconf.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/auth/token.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/store/store_impl.h"

#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_ERRBODY_MAX 65536                  /* bytes of an error answer kept */
#define S3_MIN_PART ((int64_t)5 * 1024 * 1024) /* S3's smallest part but the last */
#define S3_MAX_PARTS 10000

/* The backend's state: the endpoint taken apart, and the limits. */
typedef struct s3 {
	char *scheme;          /* "http", "https" */
	char *host;            /* the Host of a request: host[:port], with the bucket in front (virtual-host style) */
	char *base;            /* scheme://host + the path up to the key: ".../bucket" or "" + endpoint path */
	char *path_prefix;     /* the canonical URI before the key: "/bucket" or endpoint path */
	char *sigv4;           /* "aws:amz:<region>:s3" */
	char *userpwd;         /* access:secret */
	long timeout_s;
	int retries;
	int64_t threshold;
	int64_t part_size;
} s3;

/* ------------------------------------------------------------------ */
/* Encoding and signing helpers. */

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[IG_SHA256_LEN];

	ig_sha256(p, n, d);
	ig_hex(d, sizeof(d), out);
}

static void
hmac(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32])
{
	crypto_auth_hmacsha256_state h;

	crypto_auth_hmacsha256_init(&h, key, klen);
	crypto_auth_hmacsha256_update(&h, (const unsigned char *)msg, strlen(msg));
	crypto_auth_hmacsha256_final(&h, out);
	sodium_memzero(&h, sizeof(h));
}

/* SigV4's URI encoding: unreserved characters stay, '/' stays when
 * keep_slash, everything else is %XX (upper case). */
static void
uri_encode(ig_buf *b, const char *s, int keep_slash)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~' || (keep_slash && *p == '/'))
			ig_buf_append(b, p, 1);
		else
			ig_buf_printf(b, "%%%02X", *p);
	}
}

/* The object's name in the bucket: the store's prefix and the key. */
static void
object_path(const ig_store *st, const char *key, ig_buf *b)
{
	const s3 *s = st->backend;

	ig_buf_puts(b, s->path_prefix);
	ig_buf_puts(b, "/");
	uri_encode(b, st->root, 1);
	uri_encode(b, key, 1);
}

/* ------------------------------------------------------------------ */
/* Opening: the endpoint taken apart. */

static char *
url_part(CURLU *u, CURLUPart part)
{
	char *v = NULL, *out;

	if (curl_url_get(u, part, &v, 0) != CURLUE_OK)
		return NULL;
	out = ig_xstrdup(v);
	curl_free(v);
	return out;
}

static void
s3_close(ig_store *st)
{
	s3 *s = st->backend;

	if (s == NULL)
		return;
	free(s->scheme);
	free(s->host);
	free(s->base);
	free(s->path_prefix);
	free(s->sigv4);
	if (s->userpwd != NULL) {
		sodium_memzero(s->userpwd, strlen(s->userpwd));
		free(s->userpwd);
	}
	free(s);
	st->backend = NULL;
}

static int
s3_open(ig_store *st, ig_err *err)
{
	const ig_store_s3 *c = &st->s3;
	const ig_config *cfg = ig_cfg();
	CURLU *u;
	char *host = NULL, *port = NULL, *path = NULL;
	s3 *s;
	size_t plen;

	if (c->endpoint == NULL || c->endpoint[0] == '\0')
		return ig_err_set(err, IG_E_INTERNAL, "IG_S3_ENDPOINT", "object store: IG_S3_ENDPOINT is not set");
	if (c->bucket == NULL || c->bucket[0] == '\0')
		return ig_err_set(err, IG_E_INTERNAL, "IG_S3_BUCKET", "object store: IG_S3_BUCKET is not set");
	if (c->access_key == NULL || c->access_key[0] == '\0' || c->secret_key == NULL || c->secret_key[0] == '\0')
		return ig_err_set(err, IG_E_INTERNAL, "IG_S3_ACCESS_KEY",
		    "object store: IG_S3_ACCESS_KEY and IG_S3_SECRET_KEY must both be set");
	for (const char *p = c->bucket; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return ig_err_set(err, IG_E_INTERNAL, "IG_S3_BUCKET",
			    "object store: IG_S3_BUCKET may hold only a-z, 0-9, '-' and '.'");
	if (st->root[0] != '\0' && st->root[strlen(st->root) - 1] != '/')
		return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: an s3 prefix must end in '/'");
	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, c->endpoint, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return ig_err_set(err, IG_E_INTERNAL, "IG_S3_ENDPOINT", "object store: IG_S3_ENDPOINT is not a URL");
	}
	s = ig_xcalloc(1, sizeof(*s));
	s->scheme = url_part(u, CURLUPART_SCHEME);
	host = url_part(u, CURLUPART_HOST);
	port = url_part(u, CURLUPART_PORT);
	path = url_part(u, CURLUPART_PATH);
	curl_url_cleanup(u);
	st->backend = s;
	if (s->scheme == NULL || host == NULL || (strcmp(s->scheme, "http") != 0 && strcmp(s->scheme, "https") != 0)) {
		free(host);
		free(port);
		free(path);
		return ig_err_set(err, IG_E_INTERNAL, "IG_S3_ENDPOINT",
		    "object store: IG_S3_ENDPOINT must be an http:// or https:// URL");
	}
	/* The endpoint's own path (a gateway under a prefix), without its
	 * trailing '/'. */
	plen = path != NULL ? strlen(path) : 0;
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	if (c->path_style) {
		s->host = port != NULL ? ig_xasprintf("%s:%s", host, port) : ig_xstrdup(host);
		s->path_prefix = ig_xasprintf("%.*s/%s", (int)plen, path != NULL ? path : "", c->bucket);
	} else {
		s->host = port != NULL ? ig_xasprintf("%s.%s:%s", c->bucket, host, port) :
		    ig_xasprintf("%s.%s", c->bucket, host);
		s->path_prefix = ig_xasprintf("%.*s", (int)plen, path != NULL ? path : "");
	}
	s->base = ig_xasprintf("%s://%s", s->scheme, s->host);
	s->sigv4 = ig_xasprintf("aws:amz:%s:s3", c->region != NULL && c->region[0] != '\0' ? c->region : "us-east-1");
	s->userpwd = ig_xasprintf("%s:%s", c->access_key, c->secret_key);
	s->timeout_s = cfg->s3_timeout > 0 ? cfg->s3_timeout : 30;
	s->retries = cfg->s3_retries > 0 || cfg->s3_timeout > 0 ? cfg->s3_retries : 4;
	s->threshold = cfg->s3_multipart_threshold > 0 ? cfg->s3_multipart_threshold : 16 * 1024 * 1024;
	s->part_size = cfg->s3_part_size >= S3_MIN_PART ? cfg->s3_part_size : 8 * 1024 * 1024;
	free(host);
	free(port);
	free(path);
	return 0;
}

/* ------------------------------------------------------------------ */
/* One request, retried. */

typedef struct s3_req {
	const char *method;            /* GET, HEAD, PUT, POST, DELETE */
	char *path;                    /* the canonical URI, encoded */
	const char *query;             /* encoded, sorted (libcurl signs it as it is); NULL: none */
	struct curl_slist *hdrs;       /* the caller's headers */
	const char *payload_hash;      /* x-amz-content-sha256 */
	ig_upload src; /* the body */
	/* The answer. max: the largest 2xx body kept (0: none wanted). */
	size_t max;
	long status;
	ig_buf body;
	int64_t content_length;
	int too_large;
	char sha256[65];
	char content_type[128];
	char cache_control[128];
	char etag[128];
} s3_req;

static void
header_value(const char *line, size_t n, char *out, size_t outlen)
{
	const char *v = memchr(line, ':', n);
	size_t m;

	if (v == NULL)
		return;
	v++;
	m = n - (size_t)(v - line);
	while (m > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		m--;
	}
	while (m > 0 && (v[m - 1] == '\r' || v[m - 1] == '\n' || v[m - 1] == ' '))
		m--;
	if (m >= outlen)
		m = outlen - 1;
	memcpy(out, v, m);
	out[m] = '\0';
}

static int
header_is(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

static size_t
on_header(char *line, size_t size, size_t nmemb, void *ud)
{
	s3_req *r = ud;
	size_t n = size * nmemb;
	char v[128];

	if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);

		r->status = sp != NULL ? strtol(sp + 1, NULL, 10) : 0;
		r->content_length = -1;
		r->sha256[0] = r->content_type[0] = r->cache_control[0] = r->etag[0] = '\0';
	} else if (header_is(line, n, "Content-Length")) {
		v[0] = '\0';
		header_value(line, n, v, sizeof(v));
		r->content_length = strtoll(v, NULL, 10);
		/* An object larger than the caller takes is refused before its
		 * bytes are read. */
		if (r->status / 100 == 2 && strcmp(r->method, "GET") == 0 &&
		    r->content_length > (int64_t)r->max) {
			r->too_large = 1;
			return 0;
		}
	} else if (header_is(line, n, "x-amz-meta-sha256")) {
		header_value(line, n, r->sha256, sizeof(r->sha256));
	} else if (header_is(line, n, "Content-Type")) {
		header_value(line, n, r->content_type, sizeof(r->content_type));
	} else if (header_is(line, n, "Cache-Control")) {
		header_value(line, n, r->cache_control, sizeof(r->cache_control));
	} else if (header_is(line, n, "ETag")) {
		header_value(line, n, r->etag, sizeof(r->etag));
	}
	return n;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	s3_req *r = ud;
	size_t n = size * nmemb;

	if (r->status / 100 == 2 && strcmp(r->method, "GET") == 0) {
		/* And while reading, should the length not have been given. */
		if (r->body.len + n > r->max) {
			r->too_large = 1;
			return 0;
		}
	} else if (r->body.len + n > S3_ERRBODY_MAX) {
		return n;               /* enough of an XML answer */
	}
	ig_buf_append(&r->body, p, n);
	return n;
}

/* The <Code> of an S3 error answer into out ("" when there is none). */
static void
xml_field(const ig_buf *b, const char *tag, char *out, size_t outlen)
{
	char open[64], close[64];
	const char *p, *q;

	out[0] = '\0';
	if (b->data == NULL)
		return;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	p = strstr(b->data, open);
	if (p == NULL)
		return;
	p += strlen(open);
	q = strstr(p, close);
	if (q == NULL)
		return;
	snprintf(out, outlen, "%.*s", (int)(q - p), p);
}

static int
curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* The pause before retry number attempt (1, 2, …): 100 ms doubling, at
 * most 5 s, its second half random. */
static void
backoff(int attempt)
{
	long ms = 100L << (attempt - 1 < 6 ? attempt - 1 : 6);
	uint32_t rnd;
	struct timespec ts;

	if (ms > 5000)
		ms = 5000;
	ig_random_bytes(&rnd, sizeof(rnd));
	ms = ms / 2 + (long)(rnd % (uint32_t)(ms / 2 + 1));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The calling thread's handle (its connections kept; perform_once resets
 * its options after each request); NULL when libcurl cannot make one. */
static pthread_key_t easy_key;
static pthread_once_t easy_once = PTHREAD_ONCE_INIT;

static void
easy_free(void *e)
{
	curl_easy_cleanup(e);
}

static void
easy_key_make(void)
{
	if (pthread_key_create(&easy_key, easy_free) != 0)
		abort();
}

static CURL *
thread_easy(void)
{
	CURL *e;

	pthread_once(&easy_once, easy_key_make);
	e = pthread_getspecific(easy_key);
	if (e != NULL)
		return e;
	e = curl_easy_init();
	if (e != NULL && pthread_setspecific(easy_key, e) != 0) {
		curl_easy_cleanup(e);
		e = NULL;
	}
	return e;
}

/* libcurl rewinding a body to send it again (a reused connection found
 * closed): only to a place in it. */
static int
on_seek(void *ud, curl_off_t offset, int origin)
{
	ig_upload *u = ud;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > (uint64_t)u->len)
		return CURL_SEEKFUNC_CANTSEEK;
	u->sent = (size_t)offset;
	return CURL_SEEKFUNC_OK;
}

static CURLcode
perform_once(const s3 *s, s3_req *r, char *curlerr)
{
	CURL *e = thread_easy();
	struct curl_slist *h = NULL;
	char line[160];
	char *url;
	CURLcode rc;

	if (e == NULL)
		return CURLE_OUT_OF_MEMORY;
	url = ig_xasprintf("%s%s%s%s", s->base, r->path, r->query != NULL ? "?" : "", r->query != NULL ? r->query : "");
	for (const struct curl_slist *p = r->hdrs; p != NULL; p = p->next)
		h = curl_slist_append(h, p->data);
	snprintf(line, sizeof(line), "x-amz-content-sha256: %s", r->payload_hash);
	h = curl_slist_append(h, line);
	r->src.sent = 0;
	r->src.read_failed = 0;
	r->status = 0;
	r->too_large = 0;
	r->content_length = -1;
	ig_buf_free(&r->body);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "imagegen/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, s->timeout_s < 10 ? s->timeout_s : 10L);
	/* No byte for IG_S3_TIMEOUT seconds ends a transfer; a large one
	 * that moves is never cut off. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, s->timeout_s);
	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, s->sigv4);
	curl_easy_setopt(e, CURLOPT_USERPWD, s->userpwd);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curlerr);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	if (strcmp(r->method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "PUT") == 0) {
		curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, ig_upload_read);
		curl_easy_setopt(e, CURLOPT_READDATA, &r->src);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, &r->src);
		curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->src.len);
		/* libcurl's "Expect: 100-continue" stays (an empty "Expect:" to
		 * drop it would be signed as a header). */
		curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 1000L);
	} else if (strcmp(r->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->src.len > 0 ? (const char *)r->src.mem : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->src.len);
	} else if (strcmp(r->method, "DELETE") == 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curlerr[0] = '\0';
	rc = curl_easy_perform(e);
	/* The handle stays with the thread, its connections too; nothing of
	 * this request (the key, pointers to its buffers) stays in it. */
	curl_easy_reset(e);
	curl_slist_free_all(h);
	free(url);
	return rc;
}

/*
 * Send r, retrying what may pass on a second try. 0 with r->status and
 * r->body (any status the server answered: the caller decides what a 404
 * means), or -1 with err: the store unreachable or failing after the
 * retries (503), the answer too large (413), the file unreadable (500).
 */
static int
perform(const ig_store *st, s3_req *r, const char *what, ig_err *err)
{
	const s3 *s = st->backend;
	char curlerr[CURL_ERROR_SIZE], code[64];

	for (int attempt = 0;; attempt++) {
		CURLcode rc;

		if (attempt > 0)
			backoff(attempt);
		rc = perform_once(s, r, curlerr);
		if (r->too_large)
			return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, NULL,
			    "object store: %s is larger than %zu bytes", what, r->max);
		if (r->src.read_failed)
			return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: %s: reading the file failed", what);
		if (rc == CURLE_OK && r->status / 100 != 5)
			return 0;
		if (rc != CURLE_OK && !curl_retryable(rc)) {
			ig_logf(IG_LOG_WARN, "s3_request_failed", "%s %s: %s", r->method, what,
			    curlerr[0] != '\0' ? curlerr : curl_easy_strerror(rc));
			return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "object store: %s %s failed: %s", r->method, what,
			    curl_easy_strerror(rc));
		}
		xml_field(&r->body, "Code", code, sizeof(code));
		if (attempt >= s->retries) {
			ig_logf(IG_LOG_WARN, "s3_request_failed", "%s %s: %s after %d tries", r->method, what,
			    rc != CURLE_OK ? (curlerr[0] != '\0' ? curlerr : curl_easy_strerror(rc)) : code,
			    attempt + 1);
			if (rc != CURLE_OK)
				return ig_err_set(err, IG_E_UNAVAILABLE, NULL,
				    "object store unreachable: %s %s: %s (%d tries)", r->method, what,
				    curl_easy_strerror(rc), attempt + 1);
			return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "object store: %s %s answered %ld %s (%d tries)",
			    r->method, what, r->status, code, attempt + 1);
		}
		ig_logf(IG_LOG_INFO, "s3_retry", "%s %s: %s; try %d of %d", r->method, what,
		    rc != CURLE_OK ? curl_easy_strerror(rc) : (code[0] != '\0' ? code : "5xx"), attempt + 2,
		    s->retries + 1);
	}
}

/* err for an answer the caller did not expect: 503 naming S3's code. */
static int
unexpected(const s3_req *r, const char *what, ig_err *err)
{
	char code[64];

	xml_field(&r->body, "Code", code, sizeof(code));
	ig_logf(IG_LOG_WARN, "s3_refused", "%s %s: %ld %s", r->method, what, r->status, code);
	return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "object store refused %s %s: %ld %s", r->method, what,
	    r->status, code[0] != '\0' ? code : "");
}

static void
req_init(s3_req *r, const ig_store *st, const char *method, const char *key)
{
	ig_buf p = { 0 };

	memset(r, 0, sizeof(*r));
	r->method = method;
	r->src.fd = -1;
	r->payload_hash = S3_EMPTY_SHA256;
	object_path(st, key, &p);
	r->path = p.data;
}

static void
req_free(s3_req *r)
{
	free(r->path);
	curl_slist_free_all(r->hdrs);
	ig_buf_free(&r->body);
}

/* The headers an object is written with (PutObject, CreateMultipartUpload):
 * S3 keeps them with it and answers them on every GET. */
static void
object_headers(const ig_store *st, s3_req *r, const char *content_type, const char *sha)
{
	char line[256];

	snprintf(line, sizeof(line), "Content-Type: %s",
	    content_type != NULL && content_type[0] != '\0' ? content_type : "application/octet-stream");
	r->hdrs = curl_slist_append(r->hdrs, line);
	snprintf(line, sizeof(line), "x-amz-meta-sha256: %s", sha);
	r->hdrs = curl_slist_append(r->hdrs, line);
	if (st->s3.cache_control != NULL && st->s3.cache_control[0] != '\0') {
		snprintf(line, sizeof(line), "Cache-Control: %s", st->s3.cache_control);
		r->hdrs = curl_slist_append(r->hdrs, line);
	}
}

/* ------------------------------------------------------------------ */
/* The operations. */

/* Send the single PUT r and free it: 0, or -1 with err. */
static int
put_once(const ig_store *st, s3_req *r, const char *key, ig_err *err)
{
	int rc = perform(st, r, key, err);

	if (rc == 0 && r->status / 100 != 2)
		rc = unexpected(r, key, err);
	req_free(r);
	return rc;
}

static int
s3_put(ig_store *st, const char *key, const unsigned char *data, size_t len, const char *content_type,
    char sha256_out[65], ig_err *err)
{
	s3_req r;

	sha256_hex(data, len, sha256_out);
	req_init(&r, st, "PUT", key);
	object_headers(st, &r, content_type, sha256_out);
	r.src.mem = data;
	r.src.len = len;
	r.payload_hash = sha256_out;  /* the body's digest: S3 checks what it got */
	return put_once(st, &r, key, err);
}

/* The SHA-256 of len bytes of fd from off, read in pieces. */
static int
fd_sha256(int fd, off_t off, size_t len, char out[65], ig_err *err)
{
	ig_sha256_ctx *h = ig_sha256_begin();
	unsigned char buf[65536], d[IG_SHA256_LEN];
	size_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(buf) ? len - done : sizeof(buf);
		ssize_t n = pread(fd, buf, want, off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n == 0 ? 0 : errno;

			ig_sha256_end(h, d);
			return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: reading the file failed: %s",
			    e == 0 ? "it is shorter than said" : strerror(e));
		}
		ig_sha256_add(h, buf, (size_t)n);
		done += (size_t)n;
	}
	ig_sha256_end(h, d);
	ig_hex(d, sizeof(d), out);
	return 0;
}

/* A multipart upload of len bytes of fd from off (S3's
 * CreateMultipartUpload, UploadPart…, CompleteMultipartUpload), aborted on
 * any failure. */
static int
put_multipart(ig_store *st, const char *key, int fd, off_t off, size_t len, const char *content_type,
    const char *sha, ig_err *err)
{
	const s3 *s = st->backend;
	int64_t part = s->part_size;
	size_t nparts;
	s3_req r;
	ig_buf q = { 0 }, done = { 0 };
	char upload_id[512], *path = NULL, hash[65];
	int rc = -1;

	if ((len + (size_t)part - 1) / (size_t)part > S3_MAX_PARTS)
		part = (int64_t)((len + S3_MAX_PARTS - 1) / S3_MAX_PARTS);
	nparts = (len + (size_t)part - 1) / (size_t)part;
	req_init(&r, st, "POST", key);
	object_headers(st, &r, content_type, sha);
	r.query = "uploads=";
	if (perform(st, &r, key, err) != 0 || (r.status / 100 != 2 && unexpected(&r, key, err) != 0)) {
		req_free(&r);
		return -1;
	}
	xml_field(&r.body, "UploadId", upload_id, sizeof(upload_id));
	path = r.path;
	r.path = NULL;
	req_free(&r);
	if (upload_id[0] == '\0') {
		free(path);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "object store: %s: no UploadId in the answer", key);
	}
	ig_buf_puts(&done, "<CompleteMultipartUpload>");
	for (size_t i = 0; i < nparts; i++) {
		size_t plen = i + 1 < nparts ? (size_t)part : len - i * (size_t)part;

		q.len = 0;
		ig_buf_printf(&q, "partNumber=%zu&uploadId=", i + 1);
		uri_encode(&q, upload_id, 0);
		req_init(&r, st, "PUT", key);
		r.query = q.data;
		r.src.fd = fd;
		r.src.off = off + (off_t)(i * (size_t)part);
		r.src.len = plen;
		r.payload_hash = "UNSIGNED-PAYLOAD";
		if (perform(st, &r, key, err) != 0 || (r.status / 100 != 2 && unexpected(&r, key, err) != 0) ||
		    (r.etag[0] == '\0' && ig_err_set(err, IG_E_UNAVAILABLE, NULL,
		    "object store: %s: part %zu has no ETag", key, i + 1) != 0)) {
			req_free(&r);
			goto abort;
		}
		ig_buf_printf(&done, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>", i + 1, r.etag);
		req_free(&r);
	}
	ig_buf_puts(&done, "</CompleteMultipartUpload>");
	q.len = 0;
	ig_buf_puts(&q, "uploadId=");
	uri_encode(&q, upload_id, 0);
	req_init(&r, st, "POST", key);
	r.query = q.data;
	r.src.mem = (const unsigned char *)done.data;
	r.src.len = done.len;
	sha256_hex(done.data, done.len, hash);
	r.payload_hash = hash;
	r.hdrs = curl_slist_append(r.hdrs, "Content-Type: application/xml");
	/* CompleteMultipartUpload may answer 200 with an <Error> body. */
	if (perform(st, &r, key, err) != 0 || r.status / 100 != 2 ||
	    (r.body.data != NULL && strstr(r.body.data, "<Error>") != NULL)) {
		if (r.status != 0)
			unexpected(&r, key, err);
		req_free(&r);
		goto abort;
	}
	req_free(&r);
	rc = 0;
	goto out;
abort:
	/* All or nothing: the parts sent are dropped (best effort; a bucket
	 * lifecycle rule should clean what an abort that fails leaves). */
	{
		ig_err aerr;

		q.len = 0;
		ig_buf_puts(&q, "uploadId=");
		uri_encode(&q, upload_id, 0);
		req_init(&r, st, "DELETE", key);
		r.query = q.data;
		if (perform(st, &r, key, &aerr) != 0 || (r.status / 100 != 2 && r.status != 404))
			ig_logf(IG_LOG_WARN, "s3_abort_failed", "abort of the multipart upload of %s: %ld", key,
			    r.status);
		req_free(&r);
	}
out:
	free(path);
	ig_buf_free(&q);
	ig_buf_free(&done);
	return rc;
}

static int
s3_put_fd(ig_store *st, const char *key, int fd, size_t len, const char *content_type, char sha256_out[65],
    ig_err *err)
{
	const s3 *s = st->backend;
	off_t off = lseek(fd, 0, SEEK_CUR);
	s3_req r;

	if (off < 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: put_fd needs a file it can seek: %s",
		    strerror(errno));
	if (fd_sha256(fd, off, len, sha256_out, err) != 0)
		return -1;
	if ((int64_t)len > s->threshold)
		return put_multipart(st, key, fd, off, len, content_type, sha256_out, err);
	req_init(&r, st, "PUT", key);
	object_headers(st, &r, content_type, sha256_out);
	r.src.fd = fd;
	r.src.off = off;
	r.src.len = len;
	r.payload_hash = "UNSIGNED-PAYLOAD";
	return put_once(st, &r, key, err);
}

/* Send the GET or HEAD r: 1 when the object is there, 0 when S3 answers
 * 404, -1 with err. */
static int
read_object(const ig_store *st, s3_req *r, const char *key, ig_err *err)
{
	if (perform(st, r, key, err) != 0)
		return -1;
	if (r->status == 404)
		return 0;
	if (r->status / 100 != 2)
		return unexpected(r, key, err);
	return 1;
}

static int
s3_get(ig_store *st, const char *key, size_t max, unsigned char **data, size_t *len, ig_err *err)
{
	s3_req r;
	int rc;

	req_init(&r, st, "GET", key);
	r.max = max;
	rc = read_object(st, &r, key, err);
	if (rc == 1) {
		*len = r.body.len;
		*data = r.body.data != NULL ? (unsigned char *)r.body.data : ig_xcalloc(1, 1);
		r.body.data = NULL;
	}
	req_free(&r);
	return rc;
}

static int
s3_head(ig_store *st, const char *key, ig_store_obj *out, ig_err *err)
{
	s3_req r;
	int rc;

	req_init(&r, st, "HEAD", key);
	rc = read_object(st, &r, key, err);
	if (rc == 1) {
		out->size = r.content_length;
		snprintf(out->sha256, sizeof(out->sha256), "%s", r.sha256);
		snprintf(out->content_type, sizeof(out->content_type), "%s", r.content_type);
		snprintf(out->cache_control, sizeof(out->cache_control), "%s", r.cache_control);
	}
	req_free(&r);
	return rc;
}

static int
s3_delete(ig_store *st, const char *key, ig_err *err)
{
	s3_req r;
	int rc;

	req_init(&r, st, "DELETE", key);
	rc = perform(st, &r, key, err);
	if (rc == 0 && r.status / 100 != 2 && r.status != 404)
		rc = unexpected(&r, key, err);
	req_free(&r);
	return rc;
}

/* A presigned GET URL (SigV4 query-string signing): the canonical request
 * of GET path with the X-Amz-* parameters (and the response-* overrides
 * of reply, so they are signed too), host the one signed header, UNSIGNED-PAYLOAD; the
 * string to sign over its digest; the signature with the key derived from
 * the secret, date, region and "s3". */
static int
s3_locate(ig_store *st, const char *key, long expires_s, const ig_store_reply *reply, char **url, ig_err *err)
{
	const s3 *s = st->backend;
	const char *region = st->s3.region != NULL && st->s3.region[0] != '\0' ? st->s3.region : "us-east-1";
	ig_buf path = { 0 }, q = { 0 }, canon = { 0 }, sts = { 0 }, scope = { 0 };
	unsigned char k[32];
	char amzdate[17], day[9], digest[65], sig[65];
	ig_buf secret = { 0 };
	struct tm tm;
	time_t now = time(NULL);

	if (expires_s < 1 || expires_s > 604800)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: a presigned URL lasts 1 to 604800 seconds");
	gmtime_r(&now, &tm);
	strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	object_path(st, key, &path);
	ig_buf_printf(&scope, "%s/%s/s3/aws4_request", day, region);
	/* The parameters in byte order of their names: X-Amz-* before the
	 * lower-case response-* (cache-control before content-disposition). */
	ig_buf_puts(&q, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
	uri_encode(&q, st->s3.access_key, 0);
	ig_buf_puts(&q, "%2F");
	uri_encode(&q, scope.data, 0);
	ig_buf_printf(&q, "&X-Amz-Date=%s&X-Amz-Expires=%ld&X-Amz-SignedHeaders=host", amzdate, expires_s);
	if (reply != NULL && reply->cache_control != NULL) {
		ig_buf_puts(&q, "&response-cache-control=");
		uri_encode(&q, reply->cache_control, 0);
	}
	if (reply != NULL && reply->disposition != NULL) {
		ig_buf_puts(&q, "&response-content-disposition=");
		uri_encode(&q, reply->disposition, 0);
	}
	ig_buf_printf(&canon, "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD", path.data, q.data, s->host);
	sha256_hex(canon.data, canon.len, digest);
	ig_buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amzdate, scope.data, digest);
	ig_buf_printf(&secret, "AWS4%s", st->s3.secret_key);
	hmac((const unsigned char *)secret.data, secret.len, day, k);
	sodium_memzero(secret.data, secret.len);
	hmac(k, sizeof(k), region, k);
	hmac(k, sizeof(k), "s3", k);
	hmac(k, sizeof(k), "aws4_request", k);
	hmac(k, sizeof(k), sts.data, k);
	ig_hex(k, sizeof(k), sig);
	sodium_memzero(k, sizeof(k));
	*url = ig_xasprintf("%s%s?%s&X-Amz-Signature=%s", s->base, path.data, q.data, sig);
	ig_buf_free(&path);
	ig_buf_free(&q);
	ig_buf_free(&canon);
	ig_buf_free(&sts);
	ig_buf_free(&scope);
	ig_buf_free(&secret);
	return 0;
}

const ig_store_ops ig_store_s3_ops = {
	.name = "s3",
	.open = s3_open,
	.close = s3_close,
	.put = s3_put,
	.put_fd = s3_put_fd,
	.get = s3_get,
	.head = s3_head,
	.del = s3_delete,
	.locate = s3_locate,
};
