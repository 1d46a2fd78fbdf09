/*
 * test_store_s3.c — the s3 backend of the object store (lib/store/s3.c)
 * against the stack's real S3 server (moto with request signing enforced,
 * tests/fixtures/s3_server.py), read back by another client (boto3,
 * tests/fixtures/s3_check.py): put, put from a file (single and multipart),
 * get with its limit, head, delete, presigned URLs, path-style and
 * virtual-host style, a wrong secret, and the retries through a proxy that
 * fails on demand (tests/fixtures/s3_flaky.py, IG_TEST_S3_FLAKY_URL).
 */
#include "ig_autoconf.h"

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/store/store.h"
#include "tests/integration/itest.h"

/* This run's keys live under a prefix of their own. */
static char prefix[64];

static int
init(void)
{
	char err[256];
	unsigned char r[4];

	if (ig_config_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	ig_random_bytes(r, sizeof(r));
	snprintf(prefix, sizeof(prefix), "s3test-%d-%02x%02x%02x%02x/", (int)getpid(), r[0], r[1], r[2], r[3]);
	return 0;
}

/* Reload the configuration after a setenv (the test's own fork). */
static void
reload(void)
{
	char err[256];

	ck_assert_msg(ig_config_load(err, sizeof(err)) == 0, "config: %s", err);
}

/* A store on endpoint (NULL: the stack's) with secret (NULL: the right
 * one), whose objects are written with Cache-Control cc (NULL: none). */
static ig_store *
store_cc(const char *endpoint, int path_style, const char *secret, const char *cc)
{
	ig_store_s3 c = {
		.endpoint = endpoint != NULL ? endpoint : it_env("IG_S3_ENDPOINT"),
		.region = it_env("IG_S3_REGION"),
		.bucket = it_env("IG_S3_BUCKET"),
		.access_key = it_env("IG_S3_ACCESS_KEY"),
		.secret_key = secret != NULL ? secret : it_env("IG_S3_SECRET_KEY"),
		.path_style = path_style,
		.cache_control = cc,
	};
	ig_err err = { 0 };
	ig_store *st = ig_store_new(IG_STORE_S3, prefix, &c, &err);

	ck_assert_msg(st != NULL, "ig_store_new: %s", err.message);
	ck_assert_str_eq(ig_store_backend_name(st), "s3");
	return st;
}

static ig_store *
store_at(const char *endpoint, int path_style, const char *secret)
{
	return store_cc(endpoint, path_style, secret, NULL);
}

/* Run s3_check.py with args; its stdout (the caller frees) and exit status. */
static char *
check_run(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *
check_run(int *status, const char *fmt, ...)
{
	char *args, *out;
	va_list ap;

	va_start(ap, fmt);
	args = ig_xvasprintf(fmt, ap);
	va_end(ap);
	*status = it_s3_check(&out, args);
	free(args);
	return out;
}

/* boto3's reading of key (under this run's prefix). */
static json_object *
boto3_get(const char *key)
{
	int status;
	char *out = check_run(&status, "get '%s%s'", prefix, key);
	json_object *o = json_tokener_parse(out);

	ck_assert_msg(status == 0 && o != NULL, "s3_check get %s: %d %s", key, status, out);
	free(out);
	return o;
}

/* boto3's reading of key, checked: size bytes whose SHA-256 is sha, which
 * is also the object's metadata, of content type ctype. The caller frees
 * it (and may look at its "etag"). */
static json_object *
boto3_expect(const char *key, size_t size, const char *sha, const char *ctype)
{
	json_object *o = boto3_get(key);

	ck_assert_int_eq(it_jint(o, "size"), (int64_t)size);
	ck_assert_str_eq(it_js(o, "sha256"), sha);
	ck_assert_str_eq(it_js(o, "meta_sha256"), sha);
	ck_assert_str_eq(it_js(o, "content_type"), ctype);
	return o;
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, p, n);
	sodium_bin2hex(out, 65, d, sizeof(d));
}

static unsigned char *
random_bytes(size_t n)
{
	unsigned char *p = ig_xmalloc(n);

	randombytes_buf(p, n);
	return p;
}

/* A temporary file holding pad bytes of junk and then data. */
static int
temp_file(const unsigned char *data, size_t n, size_t pad)
{
	char path[] = "/tmp/test_store_s3.XXXXXX";
	int fd = mkstemp(path);
	unsigned char *junk = random_bytes(pad + 1);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert(write(fd, junk, pad) == (ssize_t)pad);
	ck_assert(write(fd, data, n) == (ssize_t)n);
	ck_assert(lseek(fd, (off_t)pad, SEEK_SET) == (off_t)pad);
	free(junk);
	return fd;
}

/* --- the flaky proxy's control API --- */

static size_t
sink(char *p, size_t size, size_t n, void *ud)
{
	ig_buf_append(ud, p, size * n);
	return size * n;
}

/* POST body (or GET when NULL) to url; the answer's body (the caller frees). */
static char *
http_plain(const char *url, const char *body, long *status)
{
	CURL *e = curl_easy_init();
	ig_buf out = { 0 };
	/* Not a form: werkzeug (moto) would take a form's body away. */
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain");

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	if (body != NULL)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	ck_assert_int_eq(curl_easy_perform(e), CURLE_OK);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	return out.data != NULL ? out.data : ig_xstrdup("");
}

static void
flaky_set(const char *json)
{
	char *url = ig_xasprintf("%s/_control", it_env("IG_TEST_S3_FLAKY_URL"));
	long status;
	char *out = http_plain(url, json, &status);

	ck_assert_msg(status == 200, "flaky control: %ld %s", status, out);
	free(out);
	free(url);
}

/* The proxy's count named what ("requests" it saw, client "connections"
 * that carried them) since the last flaky_set. */
static int64_t
flaky_count(const char *what)
{
	char *url = ig_xasprintf("%s/_control", it_env("IG_TEST_S3_FLAKY_URL"));
	long status;
	char *out = http_plain(url, NULL, &status);
	json_object *o = json_tokener_parse(out);
	int64_t n;

	ck_assert_msg(status == 200 && o != NULL, "flaky control: %ld %s", status, out);
	n = it_jint(o, what);
	json_object_put(o);
	free(out);
	free(url);
	return n;
}

/* Requests the proxy saw since the last flaky_set. */
static int64_t
flaky_seen(void)
{
	return flaky_count("requests");
}

/* --- the tests --- */

/* put, head, get (and its limit), boto3's reading, delete (twice). */
START_TEST(put_get_head_delete)
{
	ig_store *st = store_at(NULL, 1, NULL);
	static const char text[] = "hello from imagegen's s3 backend\n";
	char sha[65], want[65];
	unsigned char *data;
	size_t len;
	ig_store_obj obj;
	ig_err err = { 0 };

	sha256_hex(text, strlen(text), want);
	ck_assert_int_eq(ig_store_put(st, "a/hello.txt", (const unsigned char *)text, strlen(text), "text/plain",
	    sha, &err), 0);
	ck_assert_str_eq(sha, want);
	ck_assert_int_eq(ig_store_head(st, "a/hello.txt", &obj, &err), 1);
	ck_assert_int_eq(obj.size, (int64_t)strlen(text));
	ck_assert_str_eq(obj.sha256, want);
	ck_assert_str_eq(obj.content_type, "text/plain");
	ck_assert_int_eq(ig_store_get(st, "a/hello.txt", 1024, &data, &len, &err), 1);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert(memcmp(data, text, len) == 0);
	free(data);

	/* The limit: exactly the size passes, one byte less is a 413. */
	ck_assert_int_eq(ig_store_get(st, "a/hello.txt", strlen(text), &data, &len, &err), 1);
	free(data);
	ck_assert_int_eq(ig_store_get(st, "a/hello.txt", strlen(text) - 1, &data, &len, &err), -1);
	ck_assert_int_eq(err.code, IG_E_PAYLOAD_TOO_LARGE);
	ck_assert_ptr_null(data);

	/* Another client reads what this one wrote. */
	json_object_put(boto3_expect("a/hello.txt", strlen(text), want, "text/plain"));

	/* Replaced in place. */
	ck_assert_int_eq(ig_store_put(st, "a/hello.txt", (const unsigned char *)"x", 1, "image/png", sha, &err), 0);
	ck_assert_int_eq(ig_store_head(st, "a/hello.txt", &obj, &err), 1);
	ck_assert_int_eq(obj.size, 1);
	ck_assert_str_eq(obj.content_type, "image/png");

	ck_assert_int_eq(ig_store_delete(st, "a/hello.txt", &err), 0);
	ck_assert_int_eq(ig_store_head(st, "a/hello.txt", &obj, &err), 0);
	ck_assert_int_eq(ig_store_get(st, "a/hello.txt", 1024, &data, &len, &err), 0);
	ck_assert_int_eq(ig_store_delete(st, "a/hello.txt", &err), 0);
	ig_store_free(st);
}
END_TEST

/* An empty object and one from a file under the multipart threshold,
 * read from the file's current offset. */
START_TEST(put_fd_single)
{
	ig_store *st = store_at(NULL, 1, NULL);
	size_t n = 300 * 1024 + 7;
	unsigned char *data = random_bytes(n);
	int fd = temp_file(data, n, 1000);
	char sha[65], want[65];
	ig_err err = { 0 };
	json_object *o;
	ig_store_obj obj;

	sha256_hex(data, n, want);
	ck_assert_int_eq(ig_store_put_fd(st, "fd/single.bin", fd, n, "application/octet-stream", sha, &err), 0);
	ck_assert_str_eq(sha, want);
	o = boto3_expect("fd/single.bin", n, want, "application/octet-stream");
	ck_assert_msg(strchr(it_js(o, "etag"), '-') == NULL, "a single put's ETag: %s", it_js(o, "etag"));
	json_object_put(o);

	ck_assert_int_eq(ig_store_put(st, "fd/empty", (const unsigned char *)"", 0, "text/plain", sha, &err), 0);
	ck_assert_int_eq(ig_store_head(st, "fd/empty", &obj, &err), 1);
	ck_assert_int_eq(obj.size, 0);
	ck_assert_str_eq(obj.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	close(fd);
	free(data);
	ig_store_free(st);
}
END_TEST

/* Above IG_S3_MULTIPART_THRESHOLD: a multipart upload of IG_S3_PART_SIZE
 * parts, whole and right as boto3 reads it, its ETag saying 3 parts. */
START_TEST(put_fd_multipart)
{
	ig_store *st;
	size_t n = 12 * 1024 * 1024 + 12345;
	unsigned char *data = random_bytes(n);
	int fd = temp_file(data, n, 77);
	char sha[65], want[65];
	ig_err err = { 0 };
	ig_store_obj obj;
	json_object *o;
	const char *etag;
	int64_t t0;
	struct rusage ru;
	long rss0;

	setenv("IG_S3_MULTIPART_THRESHOLD", "6291456", 1);
	setenv("IG_S3_PART_SIZE", "5242880", 1);
	reload();
	st = store_at(NULL, 1, NULL);
	sha256_hex(data, n, want);
	getrusage(RUSAGE_SELF, &ru);
	rss0 = ru.ru_maxrss;
	t0 = ig_now_ms();
	ck_assert_msg(ig_store_put_fd(st, "mp/big.bin", fd, n, "image/png", sha, &err) == 0, "%s", err.message);
	getrusage(RUSAGE_SELF, &ru);
	printf("multipart put of %zu bytes in 3 parts: %lld ms, peak RSS +%ld KiB\n", n,
	    (long long)(ig_now_ms() - t0), ru.ru_maxrss - rss0);
	/* Streamed from the file: the peak grows by far less than the object
	 * (the test's own copy of it is already counted). */
	ck_assert_int_lt(ru.ru_maxrss - rss0, (long)(n / 1024 / 4));
	ck_assert_str_eq(sha, want);
	o = boto3_expect("mp/big.bin", n, want, "image/png");
	etag = it_js(o, "etag");
	ck_assert_msg(strstr(etag, "-3\"") != NULL, "a 3-part upload's ETag: %s", etag);
	json_object_put(o);
	ck_assert_int_eq(ig_store_head(st, "mp/big.bin", &obj, &err), 1);
	ck_assert_int_eq(obj.size, (int64_t)n);
	ck_assert_str_eq(obj.sha256, want);
	ck_assert_int_eq(ig_store_delete(st, "mp/big.bin", &err), 0);
	close(fd);
	free(data);
	ig_store_free(st);
}
END_TEST

/* boto3's HeadObject of key (under this run's prefix): Cache-Control
 * cc ("" for none) and content type ctype. */
static void
boto3_head_expect(const char *key, const char *cc, const char *ctype)
{
	int status;
	char *out = check_run(&status, "head '%s%s'", prefix, key);
	json_object *o = json_tokener_parse(out);

	ck_assert_msg(status == 0 && o != NULL, "s3_check head %s: %d %s", key, status, out);
	ck_assert_str_eq(it_js(o, "cache_control"), cc);
	ck_assert_str_eq(it_js(o, "content_type"), ctype);
	json_object_put(o);
	free(out);
}

/* The Cache-Control of the store's objects (the generated images', so that
 * a presigned GET of one answers it from any S3 server, moto included,
 * which ignores the URL's response-cache-control; issue 14): written by a
 * single put, a put from a file and a multipart upload, kept by S3 (boto3's
 * HeadObject and GetObject), answered to a presigned GET, and reported by
 * ig_store_head. A store without one writes none. */
START_TEST(cache_control)
{
	static const char cc[] = "public, max-age=600, immutable";
	size_t n = 6 * 1024 * 1024 + 5;
	unsigned char *data = random_bytes(n);
	int fd = temp_file(data, n, 3);
	ig_store *st, *plain;
	ig_store_obj obj;
	ig_err err = { 0 };
	char sha[65], *url, *reset, hdr[4096];
	json_object *o;
	long http;
	CURL *e;
	ig_buf head = { 0 }, body = { 0 };

	setenv("IG_S3_MULTIPART_THRESHOLD", "5242880", 1);
	setenv("IG_S3_PART_SIZE", "5242880", 1);
	reload();
	st = store_cc(NULL, 1, NULL, cc);
	plain = store_at(NULL, 1, NULL);
	ck_assert_int_eq(ig_store_put(st, "cc/one.png", data, 1000, "image/png", sha, &err), 0);
	ck_assert_int_eq(ig_store_put_fd(st, "cc/big.png", fd, n, "image/png", sha, &err), 0);
	ck_assert_int_eq(ig_store_put(plain, "cc/plain.txt", data, 10, "text/plain", sha, &err), 0);
	boto3_head_expect("cc/one.png", cc, "image/png");
	boto3_head_expect("cc/big.png", cc, "image/png");
	boto3_head_expect("cc/plain.txt", "", "text/plain");
	o = boto3_get("cc/big.png");
	ck_assert_msg(strstr(it_js(o, "etag"), "-2\"") != NULL, "not a 2-part upload: %s", it_js(o, "etag"));
	ck_assert_str_eq(it_js(o, "cache_control"), cc);
	json_object_put(o);
	ck_assert_int_eq(ig_store_head(st, "cc/one.png", &obj, &err), 1);
	ck_assert_str_eq(obj.cache_control, cc);
	ck_assert_str_eq(obj.content_type, "image/png");
	ck_assert_int_eq(ig_store_head(st, "cc/plain.txt", &obj, &err), 1);
	ck_assert_str_eq(obj.cache_control, "");

	/* A presigned GET (no response-* override) answers the object's. */
	ck_assert_int_eq(ig_store_locate(st, "cc/one.png", 60, NULL, &url, &err), 0);
	reset = ig_xasprintf("%s/moto-api/reset-auth", it_env("IG_S3_ENDPOINT"));
	free(http_plain(reset, "1", &http));
	ck_assert_int_eq(http, 200);
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &head);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	ck_assert_int_eq(curl_easy_perform(e), CURLE_OK);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_cleanup(e);
	ig_buf_append(&head, "", 1);
	ck_assert_msg(http == 200 && body.len == 1000 && memcmp(body.data, data, 1000) == 0, "%ld, %zu bytes", http,
	    body.len);
	snprintf(hdr, sizeof(hdr), "\r\nCache-Control: %s\r\n", cc);
	ck_assert_msg(strcasestr(head.data, hdr) != NULL, "%s", head.data);
	ck_assert_msg(strcasestr(head.data, "\r\nContent-Type: image/png\r\n") != NULL, "%s", head.data);

	ck_assert_int_eq(ig_store_delete(st, "cc/one.png", &err), 0);
	ck_assert_int_eq(ig_store_delete(st, "cc/big.png", &err), 0);
	ck_assert_int_eq(ig_store_delete(st, "cc/plain.txt", &err), 0);
	ig_buf_free(&head);
	ig_buf_free(&body);
	free(reset);
	free(url);
	close(fd);
	free(data);
	ig_store_free(st);
	ig_store_free(plain);
}
END_TEST

/* A multipart upload failing at its second part (a 403 through the proxy)
 * leaves nothing: no object, no upload in progress. */
START_TEST(multipart_all_or_nothing)
{
	ig_store *st, *direct;
	size_t n = 11 * 1024 * 1024;
	unsigned char *data = random_bytes(n);
	int fd = temp_file(data, n, 0), status;
	char sha[65], *out;
	ig_err err = { 0 };
	ig_store_obj obj;

	setenv("IG_S3_MULTIPART_THRESHOLD", "6291456", 1);
	setenv("IG_S3_PART_SIZE", "5242880", 1);
	reload();
	st = store_at(it_env("IG_TEST_S3_FLAKY_URL"), 1, NULL);
	direct = store_at(NULL, 1, NULL);
	/* Create and part 1 pass, part 2 is refused. */
	flaky_set("{\"after\": 2, \"fail\": 1, \"status\": 403, \"code\": \"AccessDenied\"}");
	ck_assert_int_eq(ig_store_put_fd(st, "mp/failed.bin", fd, n, "image/png", sha, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ck_assert_msg(strstr(err.message, "AccessDenied") != NULL, "%s", err.message);
	/* create, part 1, part 2 (refused, not retried), abort */
	ck_assert_int_eq(flaky_seen(), 4);
	ck_assert_int_eq(ig_store_head(direct, "mp/failed.bin", &obj, &err), 0);
	out = check_run(&status, "uploads '%smp/'", prefix);
	ck_assert_msg(status == 0 && atoi(out) == 0, "multipart uploads left: %s", out);
	free(out);
	close(fd);
	free(data);
	ig_store_free(st);
	ig_store_free(direct);
}
END_TEST

/* A wrong secret is refused by the server: -1 with a 503 naming S3's
 * error, after one request (a 4xx is never retried). */
START_TEST(wrong_secret)
{
	ig_store *st = store_at(it_env("IG_TEST_S3_FLAKY_URL"), 1, "not-the-secret-key-of-this-user");
	ig_err err = { 0 };
	ig_store_obj obj;
	char sha[65];
	unsigned char *data;
	size_t len;

	flaky_set("{}");
	ck_assert_int_eq(ig_store_put(st, "w/x", (const unsigned char *)"x", 1, "text/plain", sha, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ck_assert_msg(strstr(err.message, "403") != NULL && strstr(err.message, "SignatureDoesNotMatch") != NULL,
	    "%s", err.message);
	ck_assert_msg(strstr(err.message, "not-the-secret") == NULL, "the secret in a message: %s", err.message);
	ck_assert_int_eq(flaky_seen(), 1);
	ck_assert_int_eq(ig_store_get(st, "w/x", 10, &data, &len, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ig_store_head(st, "w/x", &obj, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ig_store_free(st);
}
END_TEST

/* Retries: 503 SlowDown and 500 twice, then through; a 4xx once, not
 * retried; more failures than IG_S3_RETRIES: a 503; nothing listening. */
START_TEST(retries)
{
	ig_store *st;
	ig_err err = { 0 };
	char sha[65];
	unsigned char *data;
	size_t len;
	int64_t t0;

	setenv("IG_S3_RETRIES", "2", 1);
	reload();
	st = store_at(it_env("IG_TEST_S3_FLAKY_URL"), 1, NULL);
	flaky_set("{\"fail\": 2, \"status\": 503, \"code\": \"SlowDown\"}");
	t0 = ig_now_ms();
	ck_assert_msg(ig_store_put(st, "r/x", (const unsigned char *)"abc", 3, "text/plain", sha, &err) == 0, "%s",
	    err.message);
	printf("put after 2 SlowDown answers: %lld ms (3 tries)\n", (long long)(ig_now_ms() - t0));
	ck_assert_int_eq(flaky_seen(), 3);

	flaky_set("{\"fail\": 2, \"status\": 500, \"code\": \"InternalError\"}");
	ck_assert_int_eq(ig_store_get(st, "r/x", 10, &data, &len, &err), 1);
	ck_assert_uint_eq(len, 3);
	free(data);
	ck_assert_int_eq(flaky_seen(), 3);

	flaky_set("{\"fail\": 5, \"status\": 400, \"code\": \"InvalidRequest\"}");
	ck_assert_int_eq(ig_store_put(st, "r/x", (const unsigned char *)"abc", 3, "text/plain", sha, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ck_assert_int_eq(flaky_seen(), 1);

	flaky_set("{\"fail\": 5, \"status\": 503, \"code\": \"SlowDown\"}");
	ck_assert_int_eq(ig_store_delete(st, "r/x", &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ck_assert_msg(strstr(err.message, "SlowDown") != NULL, "%s", err.message);
	ck_assert_int_eq(flaky_seen(), 3);
	flaky_set("{}");
	ck_assert_int_eq(ig_store_delete(st, "r/x", &err), 0);
	ig_store_free(st);

	/* Nothing listens: a 503 after the retries, no crash. */
	st = store_at("http://127.0.0.1:1", 1, NULL);
	ck_assert_int_eq(ig_store_put(st, "r/x", (const unsigned char *)"abc", 3, "text/plain", sha, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ck_assert_msg(strstr(err.message, "unreachable") != NULL && strstr(err.message, "3 tries") != NULL, "%s",
	    err.message);
	ig_store_free(st);
}
END_TEST

/* Presigned URLs: botocore signs them the same way, plain libcurl fetches
 * one (no signing), a tampered or an expired one is refused. */
START_TEST(presigned)
{
	ig_store *st = store_at(NULL, 1, NULL);
	ig_err err = { 0 };
	char sha[65], *url, *bad, *out, *reset, *p;
	int status;
	long http;
	long long t0;

	ck_assert_int_eq(ig_store_put(st, "p/file.txt", (const unsigned char *)"presigned!", 10, "text/plain", sha,
	    &err), 0);
	ck_assert_int_eq(ig_store_locate(st, "p/file.txt", 60,
	    &(ig_store_reply){ .disposition = "attachment; filename=\"r\xc3\xa9sum\xc3\xa9 1.txt\"" }, &url, &err), 0);
	ck_assert_msg(strstr(url, "X-Amz-Expires=60&") != NULL, "%s", url);
	ck_assert_msg(strstr(url, "response-content-disposition=attachment%3B%20filename%3D%22r%C3%A9sum%C3%A9%201.txt%22") !=
	    NULL, "%s", url);
	out = check_run(&status, "presign-verify '%s'", url);
	ck_assert_msg(status == 0, "%s: %s", url, out);
	free(out);

	/* Both overrides: signed in the byte order of their names
	 * (response-cache-control before response-content-disposition), as
	 * botocore signs them. */
	{
		char *both;
		ck_assert_int_eq(ig_store_locate(st, "p/file.txt", 60, &(ig_store_reply){ .disposition = "attachment",
		    .cache_control = "public, max-age=60, immutable" }, &both, &err), 0);
		ck_assert_msg(strstr(both, "&response-cache-control=public%2C%20max-age%3D60%2C%20immutable"
		    "&response-content-disposition=attachment&") != NULL, "%s", both);
		out = check_run(&status, "presign-verify '%s'", both);
		ck_assert_msg(status == 0, "%s: %s", both, out);
		free(out);
		free(both);
	}

	/* A path changed, or a signature changed: refused. */
	bad = ig_xstrdup(url);
	p = strstr(bad, "file.txt");
	p[0] = 'F';
	out = check_run(&status, "presign-verify '%s'", bad);
	ck_assert_msg(status == 1 && strstr(out, "signature mismatch") != NULL, "%s", out);
	free(out);
	free(bad);
	bad = ig_xstrdup(url);
	p = strstr(bad, "X-Amz-Signature=") + 16;
	p[0] = p[0] == '0' ? '1' : '0';
	out = check_run(&status, "presign-verify '%s'", bad);
	ck_assert_msg(status == 1 && strstr(out, "signature mismatch") != NULL, "%s", out);
	free(out);
	free(bad);

	/* Fetched with plain libcurl. moto cannot serve a presigned URL while
	 * it enforces signing (it wants an Authorization header): it is told
	 * to let the next one request through unsigned. */
	reset = ig_xasprintf("%s/moto-api/reset-auth", it_env("IG_S3_ENDPOINT"));
	free(http_plain(reset, "1", &http));
	ck_assert_int_eq(http, 200);
	out = http_plain(url, NULL, &http);
	ck_assert_msg(http == 200 && strcmp(out, "presigned!") == 0, "%ld %s", http, out);
	free(out);
	free(reset);
	free(url);

	/* Valid for its 5 seconds, refused after them (judged at a given
	 * time: the checker's own start may take seconds on a busy machine). */
	t0 = (long long)time(NULL);
	ck_assert_int_eq(ig_store_locate(st, "p/file.txt", 5, NULL, &url, &err), 0);
	out = check_run(&status, "presign-verify '%s' %lld", url, t0 + 4);
	ck_assert_msg(status == 0, "%s: %s", url, out);
	free(out);
	out = check_run(&status, "presign-verify '%s' %lld", url, t0 + 7);
	ck_assert_msg(status == 1 && strstr(out, "expired") != NULL, "%s", out);
	free(out);
	free(url);
	ck_assert_int_eq(ig_store_locate(st, "p/file.txt", 0, NULL, &url, &err), -1);
	ck_assert_int_eq(ig_store_delete(st, "p/file.txt", &err), 0);
	ig_store_free(st);
}
END_TEST

/* Virtual-host style: the bucket in the host name (<bucket>.localhost,
 * which libcurl resolves to loopback; moto takes the bucket from the Host). */
START_TEST(virtual_host)
{
	const char *ep = it_env("IG_S3_ENDPOINT");
	const char *port = strrchr(ep, ':') + 1;
	char *vep = ig_xasprintf("http://localhost:%s", port), *url, *out;
	ig_store *st = store_at(vep, 0, NULL), *path_style = store_at(NULL, 1, NULL);
	ig_err err = { 0 };
	char sha[65];
	unsigned char *data;
	size_t len;
	ig_store_obj obj;
	json_object *o;
	int status;

	ck_assert_int_eq(ig_store_put(st, "v/host.txt", (const unsigned char *)"vhost", 5, "text/plain", sha, &err),
	    0);
	ck_assert_int_eq(ig_store_head(st, "v/host.txt", &obj, &err), 1);
	ck_assert_int_eq(obj.size, 5);
	ck_assert_int_eq(ig_store_get(st, "v/host.txt", 100, &data, &len, &err), 1);
	ck_assert(len == 5 && memcmp(data, "vhost", 5) == 0);
	free(data);
	/* The same object, path-style, and boto3's. */
	ck_assert_int_eq(ig_store_head(path_style, "v/host.txt", &obj, &err), 1);
	ck_assert_str_eq(obj.sha256, sha);
	o = boto3_get("v/host.txt");
	ck_assert_str_eq(it_js(o, "meta_sha256"), sha);
	json_object_put(o);
	ck_assert_int_eq(ig_store_locate(st, "v/host.txt", 60, NULL, &url, &err), 0);
	ck_assert_msg(strncmp(url, "http://imagegen-test.localhost:", 31) == 0, "%s", url);
	out = check_run(&status, "presign-verify '%s'", url);
	ck_assert_msg(status == 0, "%s: %s", url, out);
	free(out);
	free(url);
	ck_assert_int_eq(ig_store_delete(st, "v/host.txt", &err), 0);
	ck_assert_int_eq(ig_store_head(path_style, "v/host.txt", &obj, &err), 0);
	ig_store_free(st);
	ig_store_free(path_style);
	free(vep);
}
END_TEST

/* One thread's requests share one connection to a server that keeps it
 * open (the proxy does; moto closes each): a put, head, get and delete of
 * several objects on one connection, not one each (issue 14: a new
 * connection, and over https a new TLS handshake, for every object). A
 * connection the server closed meanwhile is replaced without an error. */
START_TEST(connection_reuse)
{
	ig_store *st = store_at(it_env("IG_TEST_S3_FLAKY_URL"), 1, NULL);
	ig_err err = { 0 };
	char sha[65], key[32];
	unsigned char *data;
	size_t len;
	ig_store_obj obj;

	flaky_set("{}");
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "c/%d.txt", i);
		ck_assert_int_eq(ig_store_put(st, key, (const unsigned char *)"keep", 4, "text/plain", sha, &err), 0);
		ck_assert_int_eq(ig_store_head(st, key, &obj, &err), 1);
		ck_assert_int_eq(ig_store_get(st, key, 10, &data, &len, &err), 1);
		ck_assert(len == 4 && memcmp(data, "keep", 4) == 0);
		free(data);
		ck_assert_int_eq(ig_store_delete(st, key, &err), 0);
	}
	ck_assert_int_eq(flaky_seen(), 16);
	ck_assert_int_eq(flaky_count("connections"), 1);

	/* The proxy closes the connection after a failure: the retry and
	 * what follows go on new ones. */
	flaky_set("{\"fail\": 1, \"status\": 503, \"code\": \"SlowDown\"}");
	ck_assert_int_eq(ig_store_put(st, "c/x.txt", (const unsigned char *)"again", 5, "text/plain", sha, &err), 0);
	ck_assert_int_eq(ig_store_head(st, "c/x.txt", &obj, &err), 1);
	ck_assert_int_eq(ig_store_delete(st, "c/x.txt", &err), 0);
	ck_assert_int_eq(flaky_seen(), 4);
	ck_assert_int_eq(flaky_count("connections"), 2);
	ig_store_free(st);
}
END_TEST

/* `imagegen config` says the secret key is set, and never what it is; the
 * access key and the rest are shown. */
START_TEST(secret_not_shown)
{
	char *cmd = ig_xasprintf("'%s/app/imagegen' config", it_env("IG_BUILD_DIR")), line[1024];
	ig_buf out = { 0 };
	FILE *f = popen(cmd, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		ig_buf_puts(&out, line);
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_msg(strstr(out.data, "IG_S3_SECRET_KEY=(set)\n") != NULL, "%s", out.data);
	ck_assert_msg(strstr(out.data, it_env("IG_S3_SECRET_KEY")) == NULL, "the secret shown");
	ck_assert_msg(strstr(out.data, it_env("IG_S3_ACCESS_KEY")) != NULL, "%s", out.data);
	ck_assert_msg(strstr(out.data, "IG_S3_PATH_STYLE=1\n") != NULL, "%s", out.data);
	ig_buf_free(&out);
	free(cmd);
}
END_TEST

IT_MAIN("store_s3", init,
    IT_TCASE("objects", 120, &put_get_head_delete, &put_fd_single, &put_fd_multipart, &multipart_all_or_nothing,
	&cache_control),
    IT_TCASE("refusals", 120, &wrong_secret, &retries, &secret_not_shown),
    IT_TCASE("urls", 120, &presigned, &virtual_host),
    IT_TCASE("connections", 60, &connection_reuse));
