/*
 * test_fcgi_body.c — the request body read straight off the FastCGI
 * connection (app/fcgi/fcgi_in) against the live stack: a FastCGI client
 * of its own talks to the app's socket (IG_SOCKET) the way nginx could,
 * and nginx carries an upload whose parameters are too big for the
 * worker's first read (so libfcgi reads that body, as before).
 *
 * What it guards: a body cut into 1-byte records with padding and record
 * headers written in two pieces must reach the handler exactly as one
 * record does; a body shorter than CONTENT_LENGTH, or a connection closed
 * mid-body, is a 400 "ended early", never a short body taken as whole.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/auth/token.h"
#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

#define RID 1
#define BOUNDARY "igFcgiBodyBoundary42"

static void
rec(ig_buf *b, int type, const void *p, size_t n, int pad)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, RID, (unsigned char)(n >> 8), (unsigned char)n,
		(unsigned char)pad, 0 };
	static const char zeros[255];

	ig_buf_append(b, (const char *)h, 8);
	if (n > 0)
		ig_buf_append(b, p, n);
	ig_buf_append(b, zeros, (size_t)pad);
}

/* One name-value pair (FastCGI 1.0 §3.4), both shorter than 128 bytes. */
static void
param(ig_buf *b, const char *name, const char *value)
{
	unsigned char l[2] = { (unsigned char)strlen(name), (unsigned char)strlen(value) };

	ig_buf_append(b, (const char *)l, 2);
	ig_buf_append(b, name, strlen(name));
	ig_buf_append(b, value, strlen(value));
}

/* BEGIN_REQUEST and PARAMS of a POST of clen bytes of JSON to path. */
static void
head(ig_buf *w, const char *path, size_t clen)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	ig_buf p = { 0 };
	char n[32];

	snprintf(n, sizeof(n), "%zu", clen);
	param(&p, "REQUEST_METHOD", "POST");
	param(&p, "DOCUMENT_URI", path);
	param(&p, "CONTENT_TYPE", "application/json");
	param(&p, "CONTENT_LENGTH", n);
	param(&p, "REMOTE_ADDR", it_source(210, 20, 70));
	rec(w, 1, begin, 8, 0);
	rec(w, 4, p.data, p.len, (int)((8 - p.len % 8) % 8));
	rec(w, 4, NULL, 0, 0);
	ig_buf_free(&p);
}

static int
app_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", it_env("IG_SOCKET"));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		ck_assert_int_gt(w, 0);
		p += w;
		n -= (size_t)w;
	}
}

/* Read the answer until the app closes: the FCGI_STDOUT content (CGI
 * headers and body) into out. */
static void
answer(int fd, ig_buf *out)
{
	ig_buf raw = { 0 };
	char buf[8192];
	ssize_t n;
	size_t off = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		ig_buf_append(&raw, buf, (size_t)n);
	while (raw.len - off >= 8) {
		const unsigned char *h = (const unsigned char *)raw.data + off;
		size_t len = (size_t)(h[4] << 8 | h[5]);

		ck_assert_uint_ge(raw.len - off - 8, len + h[6]);
		if (h[1] == 6)
			ig_buf_append(out, raw.data + off + 8, len);
		off += 8 + len + h[6];
	}
	ig_buf_append(out, "", 1);
	ig_buf_free(&raw);
}

/* "Status: NNN" of a CGI answer. */
static long
status_of(const ig_buf *a)
{
	ck_assert_ptr_nonnull(a->data);
	ck_assert_int_eq(strncmp(a->data, "Status: ", 8), 0);
	return strtol(a->data + 8, NULL, 10);
}

static const char login_body[] = "{\"username_or_email\": \"fcgi-body-nobody\", \"password\": \"not the password 1\"}";

/* The error code of the JSON body of a CGI answer. */
static char *
code_of(const ig_buf *a)
{
	const char *b = strstr(a->data, "\r\n\r\n");
	json_object *o;
	char *code;

	ck_assert_ptr_nonnull(b);
	o = json_tokener_parse(b + 4);
	ck_assert_ptr_nonnull(o);
	code = strdup(it_js(o, "error.code"));
	json_object_put(o);
	return code;
}

START_TEST(tiny_records_read_as_one)
{
	size_t n = strlen(login_body);
	ig_buf one = { 0 }, tiny = { 0 }, a1 = { 0 }, a2 = { 0 };
	char *c1, *c2;
	int fd;

	head(&one, "/api/auth/login", n);
	rec(&one, 5, login_body, n, 0);
	rec(&one, 5, NULL, 0, 0);
	fd = app_connect();
	send_all(fd, one.data, one.len);
	answer(fd, &a1);
	close(fd);

	/* 1-byte records, padded by 0..7 and 255 in turn, each header
	 * written in two pieces. */
	head(&tiny, "/api/auth/login", n);
	fd = app_connect();
	send_all(fd, tiny.data, tiny.len);
	for (size_t i = 0; i < n; i++) {
		ig_buf r = { 0 };
		int pad = i % 9 == 8 ? 255 : (int)(i % 9);

		rec(&r, 5, login_body + i, 1, pad);
		send_all(fd, r.data, 3);
		send_all(fd, r.data + 3, r.len - 3);
		ig_buf_free(&r);
	}
	send_all(fd, "\1\5\0\1\0\0\0\0", 8);
	answer(fd, &a2);
	close(fd);

	/* The wrong password is refused the same way both times: the body
	 * arrived whole and equal. */
	ck_assert_int_eq(status_of(&a1), 401);
	ck_assert_int_eq(status_of(&a2), status_of(&a1));
	c1 = code_of(&a1);
	c2 = code_of(&a2);
	ck_assert_str_eq(c2, c1);
	free(c1);
	free(c2);
	ig_buf_free(&one);
	ig_buf_free(&tiny);
	ig_buf_free(&a1);
	ig_buf_free(&a2);
}
END_TEST

/* CONTENT_LENGTH promises 10 bytes more than the records carry (ended by
 * the empty record), or the connection's write side closes mid-body. */
START_TEST(short_body_is_400)
{
	size_t n = strlen(login_body);

	for (int closed = 0; closed <= 1; closed++) {
		ig_buf w = { 0 }, a = { 0 };
		int fd = app_connect();

		head(&w, "/api/auth/login", closed ? n : n + 10);
		rec(&w, 5, login_body, closed ? n / 2 : n, 0);
		if (!closed)
			rec(&w, 5, NULL, 0, 0);
		send_all(fd, w.data, w.len);
		if (closed)
			shutdown(fd, SHUT_WR);
		answer(fd, &a);
		close(fd);
		ck_assert_int_eq(status_of(&a), 400);
		ck_assert_ptr_nonnull(strstr(a.data, "ended early"));
		ig_buf_free(&w);
		ig_buf_free(&a);
	}
}
END_TEST

/* Three 7,000-byte headers make nginx's parameters longer than what the
 * worker peeks (16 KB): libfcgi reads that connection, body and all, and
 * the upload is stored byte for byte. */
START_TEST(big_parameters_upload_intact)
{
	char uid[64], want[65], *token = it_img_user("fcgibig", uid), *pad = malloc(7000 + 16);
	char *h[4];
	size_t n = 1000003;
	unsigned char *data = malloc(n), sum[crypto_hash_sha256_BYTES];
	ig_buf b = { 0 }, ct = { 0 };
	const char *hdrs[5];
	json_object *o;
	it_resp r;

	randombytes_buf(data, n);
	crypto_hash_sha256(sum, data, n);
	ig_hex(sum, sizeof(sum), want);
	memset(pad, 'a', 7000);
	pad[7000] = '\0';
	for (int i = 0; i < 3; i++) {
		h[i] = malloc(7100);
		snprintf(h[i], 7100, "X-Pad-%d: %s", i, pad);
		hdrs[i] = h[i];
	}
	ig_buf_printf(&ct, "Content-Type: multipart/form-data; boundary=%s", BOUNDARY);
	hdrs[3] = ct.data;
	hdrs[4] = NULL;
	ig_buf_printf(&b, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n", BOUNDARY);
	ig_buf_append(&b, (const char *)data, n);
	ig_buf_printf(&b, "\r\n--%s--\r\n", BOUNDARY);
	{
		it_req q = { .method = "POST", .path = "/api/storage/upload", .body = b.data, .len = b.len,
			.headers = hdrs, .bearer = token, .source_ip = it_source(210, 20, 71), .timeout_s = 120 };
		it_request(&q, &r);
	}
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "sha256"), want);
	ck_assert_int_eq(it_jint(o, "size"), (int64_t)n);
	json_object_put(o);
	it_resp_free(&r);
	for (int i = 0; i < 3; i++)
		free(h[i]);
	ig_buf_free(&b);
	ig_buf_free(&ct);
	free(pad);
	free(data);
	free(token);
}
END_TEST

IT_MAIN("fcgi_body", NULL,
    IT_TCASE("body", 120, &tiny_records_read_as_one, &short_body_is_400, &big_parameters_upload_intact))
