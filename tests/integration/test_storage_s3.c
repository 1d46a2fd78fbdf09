/*
 * test_storage_s3.c — API.md "Storage" routes with IG_STORAGE_BACKEND=s3
 * (lib/store/files.h on lib/store/s3.c) on the stack's S3 server (moto,
 * signing enforced), read back by boto3 (tests/fixtures/s3_check.py):
 * a multipart upload (PNG and arbitrary bytes) answers backend s3, its
 * sha256, size and sniffed type, and is the object files/<user>/<file id>
 * (bytes, x-amz-meta-sha256, Content-Type), not a file of IG_STORAGE_DIR;
 * the JSON {image_id} copy lands there too; the download is a 302 (with
 * nosniff) to a presigned URL of that object (botocore's signer agrees,
 * short expiry, the RFC 6266 Content-Disposition signed in as S3's
 * response-content-disposition) that answers the same bytes, and a Range
 * of them; another user gets 404 and no Location; the list says s3;
 * delete removes the object and a later download is 404; the quota
 * refuses with 413 naming it and leaves no object. The pool is restarted
 * with the override for the suite and put back after it.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/auth/token.h"
#include "lib/core/util.h"
#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

/* The suite's IG_STORAGE_QUOTA_BYTES: small, so the quota test moves
 * little; every other test's user stays well under it. */
#define QUOTA 600000L

static const char *
src(void)
{
	return it_source(200, 20, 160);
}

static void
s3_pool(void)
{
	char ov[128];

	snprintf(ov, sizeof(ov), "IG_STORAGE_BACKEND=s3 IG_STORAGE_QUOTA_BYTES=%ld", QUOTA);
	setenv("IG_STACK_OVERRIDES", ov, 1);
	it_stack("pool-start");
	unsetenv("IG_STACK_OVERRIDES");
}

static void
local_pool(void)
{
	unsetenv("IG_STACK_OVERRIDES");
	it_stack_quiet("pool-start");
}

/* boto3's reading of files/<uid>/<file_id>: the JSON of s3_check.py get,
 * or NULL when there is no such object. */
static json_object *
object_of(const char *uid, const char *file_id)
{
	char *args = ig_xasprintf("get 'files/%s/%s'", it_sql_safe(uid), it_sql_safe(file_id)), *out;
	json_object *o = it_s3_check(&out, args) == 0 ? json_tokener_parse(out) : NULL;

	free(args);
	free(out);
	return o;
}

/* The number of objects under files/<uid>/, as boto3 lists them. */
static long
objects_of(const char *uid)
{
	char *args = ig_xasprintf("count 'files/%s/'", it_sql_safe(uid)), *out;
	long n;

	ck_assert_msg(it_s3_check(&out, args) == 0, "count: %s", out);
	n = atol(out);
	free(args);
	free(out);
	return n;
}

/* Nothing of uid under IG_STORAGE_DIR: the local backend's directory of
 * the user was never made. */
static void
assert_not_on_disk(const char *uid)
{
	char path[1024];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", it_env("IG_STORAGE_DIR"), uid);
	ck_assert_msg(stat(path, &sb) != 0, "%s is on the local disk", path);
}

/* Fail unless the answer o of an upload is the object of its file_id
 * with these bytes (boto3: size, sha256 of the bytes read, the
 * x-amz-meta-sha256, Content-Type the sniffed type). */
static void
assert_object(const char *uid, json_object *o, const void *data, size_t len)
{
	json_object *b = object_of(uid, it_js(o, "file_id"));
	unsigned char sum[IG_SHA256_LEN];
	char sha[65];

	ck_assert_msg(b != NULL, "files/%s/%s is not in the bucket", uid, it_js(o, "file_id"));
	ig_sha256(data, len, sum);
	ig_hex(sum, sizeof(sum), sha);
	ck_assert_int_eq(it_jint(b, "size"), (int64_t)len);
	ck_assert_str_eq(it_js(b, "sha256"), sha);
	ck_assert_str_eq(it_js(b, "meta_sha256"), sha);
	ck_assert_str_eq(it_js(b, "content_type"), it_js(o, "content_type"));
	json_object_put(b);
}

/* POST /api/storage/upload as token of one `file` part named name (sent
 * claiming application/octet-stream). */
static void
upload(it_resp *r, const char *token, const char *name, const void *data, size_t len)
{
	ig_buf b = { 0 };
	const char *hdrs[] = { "Content-Type: multipart/form-data; boundary=" IT_IMG_BOUNDARY, NULL };
	it_req q = { .method = "POST", .path = "/api/storage/upload", .headers = hdrs, .bearer = token,
		.source_ip = src(), .timeout_s = 120 };

	it_img_multipart(&b, &(struct it_part){ "file", name, data, len }, 1);
	q.body = b.data;
	q.len = b.len;
	it_request(&q, r);
	ig_buf_free(&b);
}

/* upload, expecting 201 with backend s3, the size, the sha256 of the
 * bytes and content type want: the answer (caller puts). */
static json_object *
upload_ok(const char *token, const char *name, const void *data, size_t len, const char *want)
{
	unsigned char sum[IG_SHA256_LEN];
	char sha[65];
	json_object *o;
	it_resp r;

	upload(&r, token, name, data, len);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	it_resp_free(&r);
	ig_sha256(data, len, sum);
	ig_hex(sum, sizeof(sum), sha);
	ck_assert_str_eq(it_js(o, "backend"), "s3");
	ck_assert_int_eq(it_jint(o, "size"), (int64_t)len);
	ck_assert_str_eq(it_js(o, "sha256"), sha);
	ck_assert_msg(strcmp(it_js(o, "content_type"), want) == 0, "%s: %s, want %s", name,
	    it_js(o, "content_type"), want);
	ck_assert_str_eq(it_js(o, "filename"), name);
	return o;
}

static void
download(it_resp *r, const char *token, const char *file_id)
{
	char path[128];
	it_req q = { .method = "GET", .path = path, .bearer = token, .source_ip = src(), .timeout_s = 60 };

	snprintf(path, sizeof(path), "/api/storage/download/%s", file_id);
	it_request(&q, r);
}

/* The value of query parameter name of url, percent-decoded, into out;
 * 0 when url has none. */
static int
query_param(const char *url, const char *name, char *out, size_t outlen)
{
	const char *q = strchr(url, '?');
	size_t nlen = strlen(name);

	while (q != NULL) {
		q++;
		if (strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
			size_t n = 0;
			for (q += nlen + 1; *q && *q != '&' && n + 1 < outlen; q++) {
				unsigned int c;
				if (*q == '%' && sscanf(q + 1, "%2x", &c) == 1) {
					out[n++] = (char)c;
					q += 2;
				} else {
					out[n++] = *q;
				}
			}
			out[n] = '\0';
			return 1;
		}
		q = strchr(q, '&');
	}
	return 0;
}

/* GET /api/storage/files as token: n files (the answer; caller puts). */
static json_object *
listed(const char *token, size_t n)
{
	json_object *l;
	it_resp r;

	it_json(&r, src(), "GET", "/api/storage/files", token, NULL);
	IT_EXPECT(&r, 200);
	l = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_uint_eq(json_object_array_length(it_jneed(l, "files", json_type_array)), n);
	return l;
}

/* GET the download of file o as token: a 302 with nosniff to a presigned
 * URL of files/<uid>/<file_id> that botocore's signer accepts, valid for a
 * short while, carrying disposition as response-content-disposition. The
 * URL (caller frees). */
static char *
presigned(const char *token, const char *uid, json_object *o, const char *disposition)
{
	char loc[4096], h[1024], want[1024], *args, *out;
	long expires;
	it_resp r;

	download(&r, token, it_js(o, "file_id"));
	ck_assert_msg(r.status == 302, "download: %ld %s", r.status, r.body.data);
	/* The reason phrase the app gives (nginx passes it on) is 302's. */
	ck_assert_msg(strncmp(r.headers.data, "HTTP/1.1 302 Found\r\n", 20) == 0, "%.40s", r.headers.data);
	ck_assert_msg(it_header(&r, "Location", loc, sizeof(loc)), "no Location: %s", r.headers.data);
	ck_assert(it_header(&r, "X-Content-Type-Options", h, sizeof(h)));
	ck_assert_str_eq(h, "nosniff");
	/* Once: nginx adds it to every response and hides the app's copy. */
	ck_assert_msg(strcasestr(strcasestr(r.headers.data, "X-Content-Type-Options:") + 1, "X-Content-Type-Options:") ==
	    NULL, "X-Content-Type-Options twice: %s", r.headers.data);
	ck_assert(it_header(&r, "Content-Disposition", h, sizeof(h)));
	ck_assert_str_eq(h, disposition);
	it_resp_free(&r);
	snprintf(want, sizeof(want), "%s/%s/files/%s/%s?", it_env("IG_S3_ENDPOINT"), it_env("IG_S3_BUCKET"), uid,
	    it_js(o, "file_id"));
	ck_assert_msg(strncmp(loc, want, strlen(want)) == 0, "%s is not %s…", loc, want);
	args = ig_xasprintf("presign-verify '%s'", loc);
	ck_assert_msg(it_s3_check(&out, args) == 0, "presign-verify %s: %s", loc, out);
	free(args);
	free(out);
	ck_assert(query_param(loc, "X-Amz-Expires", h, sizeof(h)));
	expires = atol(h);
	printf("storage_s3: the presigned URL lives %ld s\n", expires);
	ck_assert_msg(expires > 0 && expires <= 900, "X-Amz-Expires=%ld is not short", expires);
	ck_assert_msg(query_param(loc, "response-content-disposition", h, sizeof(h)),
	    "%s: no response-content-disposition", loc);
	ck_assert_str_eq(h, disposition);
	return ig_xstrdup(loc);
}

/* Follow url (a presigned GET) as a browser does, with an extra header
 * line when not NULL. */
static void
follow(it_resp *r, const char *url, const char *header)
{
	const char *hdrs[] = { header, NULL };

	it_s3_unsigned_next();
	it_http_ex(url, "GET", "", NULL, 0, header != NULL ? hdrs : NULL, 60, r);
}

/* A PNG and arbitrary bytes (named in UTF-8), each sent claiming
 * application/octet-stream: backend s3, the sniffed type, sha256 and
 * size; boto3 reads the objects; nothing lands on the local disk. */
START_TEST(upload_objects)
{
	char uid[IG_UUID_BUF], *token = it_img_user("sts3u", uid);
	size_t plen, n = 70000;
	unsigned char *png = it_img_encoded("png", &plen), *bin = malloc(n);
	json_object *a, *b;

	randombytes_buf(bin, n);
	bin[0] = 0; /* not text, whatever the random bytes */
	a = upload_ok(token, "picture.png", png, plen, "image/png");
	b = upload_ok(token, "d\xc3\xa4ten \xe4\xb8\x96.bin", bin, n, "application/octet-stream");
	assert_object(uid, a, png, plen);
	assert_object(uid, b, bin, n);
	ck_assert_int_eq(objects_of(uid), 2);
	assert_not_on_disk(uid);
	json_object_put(a);
	json_object_put(b);
	free(bin);
	gdFree(png);
	free(token);
}
END_TEST

/* JSON {image_id}: the gallery image's bytes copied to the bucket. */
START_TEST(copy_gallery_image)
{
	char uid[IG_UUID_BUF], *token = it_img_user("sts3c", uid), *stored;
	size_t plen, flen;
	unsigned char *png = it_img_encoded("png", &plen);
	json_object *im = it_img_upload(token, png, plen, NULL, NULL), *o;
	it_resp r;

	stored = it_img_fetch(im, &flen);
	it_json(&r, src(), "POST", "/api/storage/upload", token, "{\"image_id\": \"%s\"}", it_js(im, "id"));
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "backend"), "s3");
	ck_assert_str_eq(it_js(o, "content_type"), "image/png");
	ck_assert_int_eq(it_jint(o, "size"), (int64_t)flen);
	assert_object(uid, o, stored, flen);
	ck_assert_int_eq(objects_of(uid), 1);
	assert_not_on_disk(uid);
	json_object_put(o);
	json_object_put(im);
	free(stored);
	gdFree(png);
	free(token);
}
END_TEST

/* The download: a presigned redirect whose URL answers the bytes (the
 * type the object has), a Range of them with 206, the object's
 * Content-Type; the bytes never came through the app. */
START_TEST(download_redirect_range)
{
	char uid[IG_UUID_BUF], *token = it_img_user("sts3d", uid), *url, sha[65], want[65], h[256];
	unsigned char sum[IG_SHA256_LEN];
	size_t n = 300 * 1024;
	unsigned char *data = malloc(n);
	json_object *o;
	it_resp r;

	randombytes_buf(data, n);
	data[0] = 0;
	o = upload_ok(token, "R\xc3\xa9sum\xc3\xa9 \xe4\xb8\x96\xe7\x95\x8c.bin", data, n, "application/octet-stream");
	url = presigned(token, uid, o, "attachment; filename=\"R_sum_ __.bin\"; "
	    "filename*=UTF-8''R%C3%A9sum%C3%A9%20%E4%B8%96%E7%95%8C.bin");

	follow(&r, url, NULL);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", url, r.status, r.body.data);
	ck_assert_uint_eq(r.body.len, n);
	ig_sha256(r.body.data, r.body.len, sum);
	ig_hex(sum, sizeof(sum), sha);
	ig_sha256((const char *)data, n, sum);
	ig_hex(sum, sizeof(sum), want);
	ck_assert_str_eq(sha, want);
	ck_assert(it_header(&r, "Content-Type", h, sizeof(h)));
	ck_assert_str_eq(h, "application/octet-stream");
	it_resp_free(&r);

	/* Resumable: a Range of the same URL. */
	follow(&r, url, "Range: bytes=1000-1999");
	ck_assert_msg(r.status == 206, "Range GET %s: %ld %s", url, r.status, r.body.data);
	ck_assert_uint_eq(r.body.len, 1000);
	ck_assert_int_eq(memcmp(r.body.data, data + 1000, 1000), 0);
	ck_assert(it_header(&r, "Content-Range", h, sizeof(h)));
	ck_assert_str_eq(h, "bytes 1000-1999/307200");
	it_resp_free(&r);
	free(url);

	/* A plain ASCII name: only filename="…". */
	json_object_put(o);
	o = upload_ok(token, "report-2026.txt", "plain words\n", 12, "text/plain; charset=utf-8");
	url = presigned(token, uid, o, "attachment; filename=\"report-2026.txt\"");
	follow(&r, url, NULL);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", url, r.status, r.body.data);
	ck_assert_uint_eq(r.body.len, 12);
	ck_assert_int_eq(memcmp(r.body.data, "plain words\n", 12), 0);
	ck_assert(it_header(&r, "Content-Type", h, sizeof(h)));
	ck_assert_str_eq(h, "text/plain; charset=utf-8");
	it_resp_free(&r);
	free(url);
	json_object_put(o);
	free(data);
	free(token);
}
END_TEST

/* Another user: 404 without a Location on download, 404 on delete (the
 * object stays), an empty list. */
START_TEST(other_user_404)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], path[256], h[64];
	char *token = it_img_user("sts3o", uid), *other = it_img_user("sts3o", uid2);
	json_object *o = upload_ok(token, "mine.txt", "mine", 4, "text/plain; charset=utf-8");
	it_resp r;

	download(&r, other, it_js(o, "file_id"));
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	ck_assert_msg(!it_header(&r, "Location", h, sizeof(h)), "another user was redirected: %s", r.headers.data);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/storage/delete/%s", it_js(o, "file_id"));
	it_json(&r, src(), "DELETE", path, other, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	json_object_put(listed(other, 0));
	assert_object(uid, o, "mine", 4);
	json_object_put(o);
	free(token);
	free(other);
}
END_TEST

/* The list says s3; delete removes the object (boto3 sees none), a later
 * download is 404 and the list is empty. */
START_TEST(list_delete)
{
	char uid[IG_UUID_BUF], path[256];
	char *token = it_img_user("sts3l", uid);
	json_object *o = upload_ok(token, "gone.txt", "bye", 3, "text/plain; charset=utf-8"), *l, *f, *gone;
	it_resp r;

	l = listed(token, 1);
	f = it_jpath(l, "files.0");
	ck_assert_str_eq(it_js(f, "file_id"), it_js(o, "file_id"));
	ck_assert_str_eq(it_js(f, "backend"), "s3");
	ck_assert_str_eq(it_js(f, "sha256"), it_js(o, "sha256"));
	ck_assert_int_eq(it_jint(f, "size"), 3);
	json_object_put(l);
	ck_assert_int_eq(objects_of(uid), 1);

	snprintf(path, sizeof(path), "/api/storage/delete/%s", it_js(o, "file_id"));
	it_json(&r, src(), "DELETE", path, token, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	gone = object_of(uid, it_js(o, "file_id"));
	ck_assert_msg(gone == NULL, "the object is still in the bucket");
	ck_assert_int_eq(objects_of(uid), 0);
	download(&r, token, it_js(o, "file_id"));
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	json_object_put(listed(token, 0));
	json_object_put(o);
	free(token);
}
END_TEST

/* The quota (QUOTA through the override): a file that would pass it is a
 * 413 naming quota and IG_STORAGE_QUOTA_BYTES, and leaves no object; one
 * that fits is stored. */
START_TEST(quota_exceeded)
{
	char uid[IG_UUID_BUF];
	char *token = it_img_user("sts3q", uid);
	size_t n = (size_t)QUOTA / 2 + 1;
	char *data = malloc(n);
	json_object *a, *o;
	it_resp r;

	memset(data, 'q', n);
	a = upload_ok(token, "one.txt", data, n, "text/plain; charset=utf-8");
	upload(&r, token, "two.txt", data, n);
	it_expect_error(&r, 413, "payload_too_large", "quota", &o);
	ck_assert(strstr(it_js(o, "error.message"), "IG_STORAGE_QUOTA_BYTES") != NULL);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(objects_of(uid), 1);
	o = object_of(uid, it_js(a, "file_id"));
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	/* What is left of the quota still fits. */
	json_object_put(a);
	a = upload_ok(token, "three.txt", data, (size_t)QUOTA - n, "text/plain; charset=utf-8");
	ck_assert_int_eq(objects_of(uid), 2);
	json_object_put(a);
	free(data);
	free(token);
}
END_TEST

IT_MAIN("storage_s3", NULL,
    { .name = "s3", .timeout_s = 120, .setup = s3_pool, .teardown = local_pool,
      .tests = IT_TESTS(&upload_objects, &copy_gallery_image, &download_redirect_range, &other_user_404,
          &list_delete, &quota_exceeded) });
