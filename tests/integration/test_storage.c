/*
 * test_storage.c — API.md "Storage" against the live stack, local backend
 * (IG_STORAGE_DIR; the stack's IG_STORAGE_QUOTA_BYTES is 30 MiB): uploads
 * of several types whose content type is sniffed whatever the client
 * claims, a gallery image copied, downloads through nginx (X-Accel-Redirect)
 * with their bytes, digest, Range, nosniff and a safe Content-Disposition
 * for ASCII, UTF-8 and hostile names, the list's pages, delete (the object
 * leaves the disk), 404 for every other user on every route, and the two
 * limits (IG_MAX_UPLOAD, the quota, also under two concurrent uploads)
 * storing nothing when they refuse.
 */
#include "ig_autoconf.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/auth/token.h"
#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

#define BOUNDARY "igStorageBoundary0zQ"
#define MIB (1024L * 1024L)

static const char *
src(void)
{
	return it_source(200, 20, 60);
}

static void
sha_hex(const void *d, size_t n, char out[65])
{
	unsigned char sum[IG_SHA256_LEN];

	ig_sha256(d, n, sum);
	ig_hex(sum, sizeof(sum), out);
}

/* RFC 8187 percent-encoding of s. */
static void
pct(ig_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			ig_buf_append(b, (const char *)p, 1);
		else
			ig_buf_printf(b, "%%%02X", *p);
	}
}

/* POST /api/storage/upload as token of one `file` part named name (sent
 * as filename*, so any bytes travel) claiming Content-Type claimed. */
static void
upload(it_resp *r, const char *token, const char *name, const char *claimed, const void *data, size_t len)
{
	ig_buf b = { 0 };
	const char *hdrs[] = { "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL };
	it_req q = { .method = "POST", .path = "/api/storage/upload", .headers = hdrs, .bearer = token,
		.source_ip = src(), .timeout_s = 120 };

	ig_buf_puts(&b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''");
	pct(&b, name);
	ig_buf_printf(&b, "\r\nContent-Type: %s\r\n\r\n", claimed);
	ig_buf_append(&b, data, len);
	ig_buf_puts(&b, "\r\n--" BOUNDARY "--\r\n");
	q.body = b.data;
	q.len = b.len;
	it_request(&q, r);
	ig_buf_free(&b);
}

/* upload, expecting 201: the answer (caller puts). */
static json_object *
upload_ok(const char *token, const char *name, const char *claimed, const void *data, size_t len)
{
	it_resp r;
	json_object *o;

	upload(&r, token, name, claimed, data, len);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* GET path as token, with an extra header line when not NULL. */
static void
get(it_resp *r, const char *token, const char *path, const char *header)
{
	const char *hdrs[] = { header, NULL };
	it_req q = { .method = "GET", .path = path, .headers = header ? hdrs : NULL, .bearer = token,
		.source_ip = src(), .timeout_s = 120 };

	it_request(&q, r);
}

static void
download(it_resp *r, const char *token, const char *file_id, const char *header)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/storage/download/%s", file_id);
	get(r, token, path, header);
}

/* method path as token: a 404 in the error shape. */
static void
expect_404(const char *token, const char *method, const char *path)
{
	it_resp r;

	it_json(&r, src(), method, path, token, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
}

/* Regular files under IG_STORAGE_DIR/uid that are objects (not sidecars
 * or temporary files). */
static int
objects_of(const char *uid)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s", it_env("IG_STORAGE_DIR"), uid);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && strstr(e->d_name, ",meta") == NULL)
			n++;
	closedir(d);
	return n;
}

static long
rows_of(const char *uid)
{
	char *s = it_psql("SELECT count(*) FROM files WHERE user_id = '%s'", it_sql_safe(uid));
	long n = atol(s);

	free(s);
	return n;
}

/* Several types, each sent claiming another type: the answer's type is
 * the sniffed one, and so is the download's, with the same bytes. */
START_TEST(upload_types_sniffed)
{
	static const char pdf[] = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
	static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
	    "\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
	static const char zip[] = "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	static const char text[] = "h\xc3\xa9llo, \xe4\xb8\x96\xe7\x95\x8c\r\n\tsecond line\n";
	static const char bin[] = "\x00\x01\x02 binary \xff\xfe";
	static const char html[] = "<html><script>alert(1)</script>\x01</html>";
	size_t plen, jlen, wlen;
	unsigned char *png = it_img_encoded("png", &plen), *jpg = it_img_encoded("jpeg", &jlen),
	    *webp = it_img_encoded("webp", &wlen);
	const struct {
		const char *name, *claimed;
		const void *data;
		size_t len;
		const char *want;
	} cases[] = {
		{ "a.png", "text/html", png, plen, "image/png" },
		{ "b.jpg", "image/png", jpg, jlen, "image/jpeg" },
		{ "c.webp", "image/gif", webp, wlen, "image/webp" },
		{ "d.gif", "text/html", gif, sizeof(gif) - 1, "image/gif" },
		{ "e.pdf", "text/html", pdf, sizeof(pdf) - 1, "application/pdf" },
		{ "f.zip", "text/plain", zip, sizeof(zip) - 1, "application/zip" },
		{ "g.txt", "image/png", text, sizeof(text) - 1, "text/plain; charset=utf-8" },
		{ "h.bin", "text/plain", bin, sizeof(bin) - 1, "application/octet-stream" },
		{ "i.html", "text/html", html, sizeof(html) - 1, "application/octet-stream" },
	};
	char uid[64], sha[65], h[256];
	char *token = it_img_user("stty", uid);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = upload_ok(token, cases[i].name, cases[i].claimed, cases[i].data, cases[i].len);
		char url[128];
		it_resp r;

		sha_hex(cases[i].data, cases[i].len, sha);
		ck_assert_msg(strcmp(it_js(o, "content_type"), cases[i].want) == 0, "%s: %s", cases[i].name,
		    it_js(o, "content_type"));
		ck_assert_str_eq(it_js(o, "filename"), cases[i].name);
		ck_assert_int_eq(it_jint(o, "size"), (int64_t)cases[i].len);
		ck_assert_str_eq(it_js(o, "sha256"), sha);
		ck_assert_str_eq(it_js(o, "backend"), "local");
		snprintf(url, sizeof(url), "/api/storage/download/%s", it_js(o, "file_id"));
		ck_assert_str_eq(it_js(o, "url"), url);

		download(&r, token, it_js(o, "file_id"), NULL);
		IT_EXPECT(&r, 200);
		ck_assert_uint_eq(r.body.len, cases[i].len);
		ck_assert_int_eq(memcmp(r.body.data, cases[i].data, cases[i].len), 0);
		ck_assert(it_header(&r, "Content-Type", h, sizeof(h)));
		ck_assert_str_eq(h, cases[i].want);
		ck_assert(it_header(&r, "X-Content-Type-Options", h, sizeof(h)));
		ck_assert_str_eq(h, "nosniff");
		ck_assert(it_header(&r, "Content-Disposition", h, sizeof(h)));
		ck_assert_msg(strncmp(h, "attachment;", 11) == 0, "%s", h);
		it_resp_free(&r);
		json_object_put(o);
	}
	ck_assert_int_eq(rows_of(uid), (long)(sizeof(cases) / sizeof(cases[0])));
	ck_assert_int_eq(objects_of(uid), (int)(sizeof(cases) / sizeof(cases[0])));
	gdFree(png);
	gdFree(jpg);
	gdFree(webp);
	free(token);
}
END_TEST

/* JSON {image_id}: a copy of the caller's gallery image, its bytes
 * those of the image's stored file; another user's image is 404. */
START_TEST(copy_gallery_image)
{
	char uid[64], uid2[64], sha[65], body[128];
	char *token = it_img_user("stcp", uid), *other = it_img_user("stcp", uid2);
	size_t plen, flen;
	unsigned char *png = it_img_encoded("png", &plen);
	json_object *im = it_img_upload(token, png, plen, NULL, NULL), *o;
	char *stored = it_img_fetch(im, &flen);
	it_resp r;

	snprintf(body, sizeof(body), "{\"image_id\": \"%s\"}", it_js(im, "id"));
	it_json(&r, src(), "POST", "/api/storage/upload", other, "%s", body);
	it_expect_error(&r, 404, "not_found", "image_id", NULL);
	it_resp_free(&r);
	ck_assert_int_eq(rows_of(uid2), 0);

	it_json(&r, src(), "POST", "/api/storage/upload", token, "%s", body);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	it_resp_free(&r);
	sha_hex(stored, flen, sha);
	ck_assert_str_eq(it_js(o, "content_type"), "image/png");
	ck_assert_str_eq(it_js(o, "sha256"), sha);
	ck_assert_int_eq(it_jint(o, "size"), (int64_t)flen);
	ck_assert_str_eq(it_js(o, "filename"), it_js(im, "filename"));
	download(&r, token, it_js(o, "file_id"), NULL);
	IT_EXPECT(&r, 200);
	ck_assert_uint_eq(r.body.len, flen);
	ck_assert_int_eq(memcmp(r.body.data, stored, flen), 0);
	it_resp_free(&r);

	it_json(&r, src(), "POST", "/api/storage/upload", token, "{\"image_id\": \"%s\"}",
	    "00000000-0000-4000-8000-000000000000");
	it_expect_error(&r, 404, "not_found", "image_id", NULL);
	it_resp_free(&r);
	it_json(&r, src(), "POST", "/api/storage/upload", token, "{\"image_id\": \"x\"}");
	it_expect_error(&r, 400, "invalid_request", "image_id", NULL);
	it_resp_free(&r);
	json_object_put(o);
	json_object_put(im);
	free(stored);
	gdFree(png);
	free(token);
	free(other);
}
END_TEST

/* A Range request: 206 with exactly those bytes (nginx serves them). */
START_TEST(download_range)
{
	char uid[64], h[128];
	char *token = it_img_user("strg", uid);
	size_t n = 300 * 1024;
	unsigned char *data = malloc(n);
	json_object *o;
	it_resp r;

	randombytes_buf(data, n);
	o = upload_ok(token, "big.bin", "application/octet-stream", data, n);
	download(&r, token, it_js(o, "file_id"), "Range: bytes=1000-1999");
	IT_EXPECT(&r, 206);
	ck_assert_uint_eq(r.body.len, 1000);
	ck_assert_int_eq(memcmp(r.body.data, data + 1000, 1000), 0);
	ck_assert(it_header(&r, "Content-Range", h, sizeof(h)));
	ck_assert_str_eq(h, "bytes 1000-1999/307200");
	it_resp_free(&r);
	/* A suffix range: the last 10 bytes. */
	download(&r, token, it_js(o, "file_id"), "Range: bytes=-10");
	IT_EXPECT(&r, 206);
	ck_assert_uint_eq(r.body.len, 10);
	ck_assert_int_eq(memcmp(r.body.data, data + n - 10, 10), 0);
	it_resp_free(&r);
	json_object_put(o);
	free(data);
	free(token);
}
END_TEST

/* The Content-Disposition of a name: exactly want. */
static void
expect_disposition(const char *token, const char *name, const char *want)
{
	json_object *o = upload_ok(token, name, "text/plain", "x", 1);
	char h[1024];
	it_resp r;

	/* The name is kept as data, as sent. */
	ck_assert_str_eq(it_js(o, "filename"), name);
	download(&r, token, it_js(o, "file_id"), NULL);
	IT_EXPECT(&r, 200);
	ck_assert(it_header(&r, "Content-Disposition", h, sizeof(h)));
	ck_assert_msg(strcmp(h, want) == 0, "name %s: got %s, want %s", name, h, want);
	ck_assert_msg(strstr(r.headers.data, "X-Evil") == NULL, "a header was injected: %s", r.headers.data);
	ck_assert_uint_eq(r.body.len, 1);
	it_resp_free(&r);
	json_object_put(o);
}

START_TEST(content_disposition)
{
	char uid[64];
	char *token = it_img_user("stcd", uid);

	expect_disposition(token, "report-2026.pdf", "attachment; filename=\"report-2026.pdf\"");
	expect_disposition(token, "R\xc3\xa9sum\xc3\xa9 \xe4\xb8\x96\xe7\x95\x8c.txt",
	    "attachment; filename=\"R_sum_ __.txt\"; "
	    "filename*=UTF-8''R%C3%A9sum%C3%A9%20%E4%B8%96%E7%95%8C.txt");
	expect_disposition(token, "a\"b; filename=evil.exe",
	    "attachment; filename=\"a_b; filename=evil.exe\"; filename*=UTF-8''a%22b%3B%20filename%3Devil.exe");
	expect_disposition(token, "../../etc/passwd",
	    "attachment; filename=\"_._.._etc_passwd\"; filename*=UTF-8''_._.._etc_passwd");
	expect_disposition(token, "..", "attachment; filename=\"_.\"; filename*=UTF-8''_.");
	expect_disposition(token, "C:\\dir\\100%.txt",
	    "attachment; filename=\"C:_dir_100_.txt\"; filename*=UTF-8''C%3A_dir_100%25.txt");
	/* A name with CR/LF (or any control character) does not get in. */
	{
		it_resp r;
		upload(&r, token, "a\r\nX-Evil: 1.txt", "text/plain", "x", 1);
		it_expect_error(&r, 400, "invalid_request", "file", NULL);
		it_resp_free(&r);
	}
	/* The object's key is the ids, never the name. */
	ck_assert_int_eq(objects_of(uid), 6);
	free(token);
}
END_TEST

START_TEST(list_pages)
{
	char uid[64], ids[5][64], path[512];
	char *token = it_img_user("stls", uid);
	const char *cursor = NULL;
	json_object *o = NULL;
	int seen = 0;
	it_resp r;

	for (int i = 0; i < 5; i++) {
		char name[16];
		json_object *f;
		snprintf(name, sizeof(name), "n%d.txt", i);
		f = upload_ok(token, name, "text/plain", name, strlen(name));
		snprintf(ids[i], sizeof(ids[i]), "%s", it_js(f, "file_id"));
		json_object_put(f);
	}
	/* Pages of 2, newest first: 4 3 | 2 1 | 0. */
	for (int page = 0; page < 3; page++) {
		json_object *files, *next;
		if (cursor)
			snprintf(path, sizeof(path), "/api/storage/files?limit=2&cursor=%s", cursor);
		else
			snprintf(path, sizeof(path), "/api/storage/files?limit=2");
		get(&r, token, path, NULL);
		IT_EXPECT(&r, 200);
		json_object_put(o);
		o = it_json_body(&r);
		it_resp_free(&r);
		files = it_jneed(o, "files", json_type_array);
		for (size_t i = 0; i < json_object_array_length(files); i++) {
			json_object *f = json_object_array_get_idx(files, i);
			ck_assert_str_eq(it_js(f, "file_id"), ids[4 - seen]);
			ck_assert_str_eq(it_js(f, "content_type"), "text/plain; charset=utf-8");
			ck_assert_int_eq(it_jint(f, "size"), 6);
			ck_assert_int_eq(strlen(it_js(f, "sha256")), 64);
			ck_assert_str_eq(it_js(f, "backend"), "local");
			ck_assert(strlen(it_js(f, "created_at")) > 0);
			ck_assert(strlen(it_js(f, "filename")) > 0);
			seen++;
		}
		next = it_jpath(o, "next_cursor");
		cursor = next && json_object_is_type(next, json_type_string) ? json_object_get_string(next) : NULL;
		ck_assert_int_eq(cursor == NULL, page == 2);
	}
	ck_assert_int_eq(seen, 5);
	json_object_put(o);
	get(&r, token, "/api/storage/files?cursor=bogus", NULL);
	it_expect_error(&r, 400, "invalid_request", "cursor", NULL);
	it_resp_free(&r);
	get(&r, token, "/api/storage/files?limit=0", NULL);
	it_expect_error(&r, 400, "invalid_request", "limit", NULL);
	it_resp_free(&r);
	free(token);
}
END_TEST

/* Delete: the row and the object (and its sidecar) go; again is 404. */
START_TEST(delete_removes_object)
{
	char uid[64], path[1024], rpath[128];
	char *token = it_img_user("stdl", uid);
	json_object *o = upload_ok(token, "gone.txt", "text/plain", "bye", 3), *b;
	it_resp r;

	snprintf(path, sizeof(path), "%s/%s/%s", it_env("IG_STORAGE_DIR"), uid, it_js(o, "file_id"));
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(rpath, sizeof(rpath), "/api/storage/delete/%s", it_js(o, "file_id"));
	it_json(&r, src(), "DELETE", rpath, token, NULL);
	IT_EXPECT(&r, 200);
	b = it_json_body(&r);
	ck_assert(it_jbool(b, "success"));
	json_object_put(b);
	it_resp_free(&r);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(objects_of(uid), 0);
	strcat(path, ",meta");
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(rows_of(uid), 0);
	expect_404(token, "DELETE", rpath);
	snprintf(rpath, sizeof(rpath), "/api/storage/download/%s", it_js(o, "file_id"));
	expect_404(token, "GET", rpath);
	json_object_put(o);
	free(token);
}
END_TEST

/* Another user: 404 on download and delete (the file stays), absent from
 * their list; nginx's internal location is not reachable from outside. */
START_TEST(other_user_404)
{
	char uid[64], uid2[64], path[256];
	char *token = it_img_user("stou", uid), *other = it_img_user("stou", uid2);
	json_object *o = upload_ok(token, "mine.txt", "text/plain", "mine", 4), *l;
	const char *id = it_js(o, "file_id");
	it_resp r;

	snprintf(path, sizeof(path), "/api/storage/download/%s", id);
	expect_404(other, "GET", path);
	expect_404(other, "GET", "/api/storage/download/not-a-uuid");
	snprintf(path, sizeof(path), "/api/storage/delete/%s", id);
	expect_404(other, "DELETE", path);
	get(&r, other, "/api/storage/files", NULL);
	IT_EXPECT(&r, 200);
	l = it_json_body(&r);
	ck_assert_int_eq(json_object_array_length(it_jneed(l, "files", json_type_array)), 0);
	json_object_put(l);
	it_resp_free(&r);
	/* Still the owner's. */
	download(&r, token, id, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	ck_assert_int_eq(rows_of(uid), 1);
	/* No token: 401; the internal location: 404 from nginx. */
	download(&r, NULL, id, NULL);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/_storage/%s/%s", uid, id);
	get(&r, token, path, NULL);
	IT_EXPECT(&r, 404);
	ck_assert(strstr(r.body.data, "mine") == NULL);
	it_resp_free(&r);
	json_object_put(o);
	free(token);
	free(other);
}
END_TEST

/* Over IG_MAX_UPLOAD (20 MiB): 413 naming file, nothing stored. */
START_TEST(file_too_large)
{
	char uid[64];
	char *token = it_img_user("stbig", uid);
	size_t n = 20 * MIB + 1;
	char *data = calloc(1, n);
	it_resp r;
	json_object *o;

	upload(&r, token, "big.bin", "application/octet-stream", data, n);
	it_expect_error(&r, 413, "payload_too_large", "file", &o);
	ck_assert(strstr(it_js(o, "error.message"), "IG_MAX_UPLOAD") != NULL);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(rows_of(uid), 0);
	ck_assert_int_eq(objects_of(uid), 0);
	free(data);
	free(token);
}
END_TEST

/* The quota (30 MiB in the stack): a second 16 MiB file is refused (413
 * naming quota, nothing stored); after a delete it fits again. */
START_TEST(quota_exceeded)
{
	char uid[64], path[128];
	char *token = it_img_user("stq", uid);
	size_t n = 16 * MIB;
	char *data = malloc(n);
	json_object *a, *o;
	it_resp r;

	memset(data, 'q', n);
	a = upload_ok(token, "one.txt", "text/plain", data, n);
	upload(&r, token, "two.txt", "text/plain", data, n);
	it_expect_error(&r, 413, "payload_too_large", "quota", &o);
	ck_assert(strstr(it_js(o, "error.message"), "IG_STORAGE_QUOTA_BYTES") != NULL);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(rows_of(uid), 1);
	ck_assert_int_eq(objects_of(uid), 1);
	snprintf(path, sizeof(path), "/api/storage/delete/%s", it_js(a, "file_id"));
	it_json(&r, src(), "DELETE", path, token, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	json_object_put(a);
	a = upload_ok(token, "two.txt", "text/plain", data, n);
	ck_assert_int_eq(rows_of(uid), 1);
	json_object_put(a);
	free(data);
	free(token);
}
END_TEST

struct racer {
	const char *token;
	const char *data;
	size_t len;
	long status;
	char field[32];
};

static void *
race_one(void *arg)
{
	struct racer *rc = arg;
	it_resp r;

	upload(&r, rc->token, "race.bin", "application/octet-stream", rc->data, rc->len);
	rc->status = r.status;
	if (r.status == 413) {
		json_object *o = it_json_body(&r);
		snprintf(rc->field, sizeof(rc->field), "%s", it_js(o, "error.field"));
		json_object_put(o);
	}
	it_resp_free(&r);
	return NULL;
}

/* Two 16 MiB uploads at once against a 30 MiB quota: both pass the early
 * check (nothing is stored yet), and exactly one may be kept. */
START_TEST(quota_race)
{
	size_t n = 16 * MIB;
	char *data = malloc(n);

	memset(data, 'r', n);
	for (int round = 0; round < 3; round++) {
		char uid[64];
		char *token = it_img_user("strace", uid);
		struct racer a = { token, data, n, 0, "" }, b = { token, data, n, 0, "" };
		pthread_t ta, tb;

		pthread_create(&ta, NULL, race_one, &a);
		pthread_create(&tb, NULL, race_one, &b);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		printf("quota_race round %d: %ld and %ld\n", round, a.status, b.status);
		ck_assert_msg((a.status == 201 && b.status == 413) || (a.status == 413 && b.status == 201),
		    "want one 201 and one 413, got %ld and %ld", a.status, b.status);
		ck_assert_str_eq(a.status == 413 ? a.field : b.field, "quota");
		ck_assert_int_eq(rows_of(uid), 1);
		ck_assert_int_eq(objects_of(uid), 1);
		free(token);
	}
	free(data);
}
END_TEST

/* A body over 2 MB is read into huge-page memory (app/fcgi/pipeline.c's
 * body_alloc): a 5 MiB + 7 byte file (not a whole number of 2 MB pages)
 * with the boundary's text inside it (not at a line's start) comes back whole, and the answer's
 * sha256 is the FIPS one (computed here independently, by libsodium). */
START_TEST(upload_big_body_intact)
{
	char uid[64], want[65];
	char *token = it_img_user("sthuge", uid);
	size_t n = 5 * MIB + 7;
	unsigned char *data = malloc(n), sum[crypto_hash_sha256_BYTES];
	json_object *o;
	it_resp r;

	randombytes_buf(data, n);
	memcpy(data + 3 * MIB, "x--" BOUNDARY "\r\n", strlen(BOUNDARY) + 5);
	crypto_hash_sha256(sum, data, n);
	ig_hex(sum, sizeof(sum), want);
	o = upload_ok(token, "huge.bin", "application/octet-stream", data, n);
	ck_assert_str_eq(it_js(o, "sha256"), want);
	ck_assert_int_eq(it_jint(o, "size"), (int64_t)n);
	download(&r, token, it_js(o, "file_id"), NULL);
	IT_EXPECT(&r, 200);
	ck_assert_uint_eq(r.body.len, n);
	ck_assert_int_eq(memcmp(r.body.data, data, n), 0);
	it_resp_free(&r);
	json_object_put(o);
	free(data);
	free(token);
}
END_TEST

START_TEST(upload_refusals)
{
	char uid[64];
	char *token = it_img_user("stbad", uid);
	const char *hdrs[] = { "Content-Type: multipart/form-data; boundary=" BOUNDARY, NULL };
	const char *body = "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--" BOUNDARY "--\r\n";
	it_req q = { .method = "POST", .path = "/api/storage/upload", .headers = hdrs, .bearer = token,
		.source_ip = src(), .body = body, .len = strlen(body) };
	it_resp r;

	it_request(&q, &r);
	it_expect_error(&r, 400, "invalid_request", "other", NULL);
	it_resp_free(&r);
	it_json(&r, src(), "POST", "/api/storage/upload", token, "{}");
	it_expect_error(&r, 400, "invalid_request", "image_id", NULL);
	it_resp_free(&r);
	ck_assert_int_eq(rows_of(uid), 0);
	free(token);
}
END_TEST

IT_MAIN("storage", NULL,
    IT_TCASE("upload", 120, &upload_types_sniffed, &copy_gallery_image, &upload_refusals,
        &upload_big_body_intact),
    IT_TCASE("download", 120, &download_range, &content_disposition, &other_user_404),
    IT_TCASE("list_delete", 120, &list_pages, &delete_removes_object),
    IT_TCASE("limits", 300, &file_too_large, &quota_exceeded, &quota_race))
