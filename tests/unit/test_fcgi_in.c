/*
 * test_fcgi_in.c — app/fcgi/fcgi_in: the request body read straight off the
 * FastCGI connection. What it guards: a body that arrives cut at any byte
 * (a record header split across reads, 1-byte records, padding split or
 * 255 bytes long, a 65,535-byte record) must come out byte for byte, no
 * header or padding byte in it, nothing past the empty record; a record
 * that is not this request's FCGI_STDIN ends the body as an error; and the
 * worker hands libfcgi exactly the BEGIN_REQUEST and PARAMS records.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/fcgi/fcgi_in.h"
#include "tests/unit/ut.h"

#define RID 1

typedef struct wire {
	unsigned char *p;
	size_t len, cap;
} wire;

static void
put(wire *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->p = realloc(w->p, w->cap);
		ck_assert_ptr_nonnull(w->p);
	}
	memcpy(w->p + w->len, p, n);
	w->len += n;
}

/* One record: header, content, pad bytes of padding (0xEE: never content). */
static void
record(wire *w, int type, int rid, const unsigned char *content, size_t len, int pad)
{
	unsigned char h[8] = { 1, (unsigned char)type, (unsigned char)(rid >> 8), (unsigned char)rid,
		(unsigned char)(len >> 8), (unsigned char)len, (unsigned char)pad, 0 };
	unsigned char padding[255];

	memset(padding, 0xEE, sizeof(padding));
	put(w, h, sizeof(h));
	put(w, content, len);
	put(w, padding, (size_t)pad);
}

/* The body's bytes: 0..250 repeating, so a shifted or dropped byte shows. */
static unsigned char *
body_bytes(size_t n)
{
	unsigned char *b = malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i % 251);
	return b;
}

/* FCGI_STDIN of a body: with big, a full-size record (65,535 bytes,
 * padding 1) and one of 4,465 (padding 7) first; then two 1-byte records
 * (padding 7 and 0), a 3-byte one padded by 255 and a 100-byte one; the
 * empty record, then junk. *len is the body's length. */
#define SMALL_AT 2
static wire
stdin_stream(int big, size_t *len)
{
	static const size_t sizes[] = { 65535, 4465, 1, 1, 3, 100 };
	static const int pads[] = { 1, 7, 7, 0, 255, 4 };
	size_t total = 0, off = 0, first = big ? 0 : SMALL_AT;
	unsigned char *b;
	wire w = { 0 };

	for (size_t i = first; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		total += sizes[i];
	b = body_bytes(total);
	for (size_t i = first; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		record(&w, 5, RID, b + off, sizes[i], pads[i]);
		off += sizes[i];
	}
	record(&w, 5, RID, NULL, 0, 0);
	put(&w, "JUNKJUNK", 8);
	free(b);
	*len = total;
	return w;
}

/* Decode w cut into pieces at the offsets cuts[0..ncuts) (ascending), as
 * reads returning those pieces would; the body out. */
static unsigned char *
decode_cut(const wire *w, const size_t *cuts, size_t ncuts, size_t *outlen, ig_fcgi_in *in)
{
	unsigned char *copy = malloc(w->len), *out = malloc(w->len);
	size_t from = 0, o = 0;

	memcpy(copy, w->p, w->len);
	ig_fcgi_in_init(in, -1, RID);
	for (size_t i = 0; i <= ncuts && !in->eof; i++) {
		size_t to = i < ncuts ? cuts[i] : w->len, got;

		got = ig_fcgi_in_decode(in, copy + from, to - from);
		memcpy(out + o, copy + from, got);
		o += got;
		from = to;
	}
	free(copy);
	*outlen = o;
	return out;
}

static void
assert_body(const unsigned char *out, size_t outlen, size_t len, const ig_fcgi_in *in)
{
	unsigned char *want = body_bytes(len);

	ck_assert_int_eq(in->error, 0);
	ck_assert_int_eq(in->eof, 1);
	ck_assert_uint_eq(outlen, len);
	ck_assert_int_eq(memcmp(out, want, len), 0);
	free(want);
}

/* Two pieces, cut at every byte except inside the big record's content
 * (cut there at its first and last 600 bytes only). */
START_TEST(split_at_every_byte_in_two)
{
	size_t len, outlen;
	wire w = stdin_stream(1, &len);

	for (size_t cut = 0; cut <= w.len; cut++) {
		ig_fcgi_in in;
		unsigned char *out;

		if (cut == 600)
			cut = 8 + 65535 - 600;
		out = decode_cut(&w, &cut, 1, &outlen, &in);
		assert_body(out, outlen, len, &in);
		free(out);
	}
	free(w.p);
}
END_TEST

/* Three pieces, both cuts at every byte, of the small records. */
START_TEST(split_in_three_at_every_pair)
{
	size_t len, outlen;
	wire w = stdin_stream(0, &len);

	for (size_t a = 0; a <= w.len; a++)
		for (size_t b = a; b <= w.len; b++) {
			size_t cuts[2] = { a, b };
			ig_fcgi_in in;
			unsigned char *out = decode_cut(&w, cuts, 2, &outlen, &in);

			assert_body(out, outlen, len, &in);
			free(out);
		}
	free(w.p);
}
END_TEST

START_TEST(one_byte_reads)
{
	size_t len, outlen, n;
	wire w = stdin_stream(1, &len);
	size_t *cuts;
	ig_fcgi_in in;
	unsigned char *out;

	n = w.len - 1;
	cuts = malloc(n * sizeof(*cuts));
	for (size_t i = 0; i < n; i++)
		cuts[i] = i + 1;
	out = decode_cut(&w, cuts, n, &outlen, &in);
	assert_body(out, outlen, len, &in);
	free(out);
	free(cuts);
	free(w.p);
}
END_TEST

/* A record of another type (FCGI_ABORT_REQUEST, FCGI_DATA), of another
 * request or version ends the body as an error: its bytes are not body. */
START_TEST(foreign_records_are_errors)
{
	static const unsigned char hdrs[][8] = {
		{ 1, 2, 0, RID, 0, 0, 0, 0 },  /* FCGI_ABORT_REQUEST */
		{ 1, 8, 0, RID, 0, 4, 0, 0 },  /* FCGI_DATA */
		{ 1, 5, 0, RID + 1, 0, 4, 0, 0 },  /* another request */
		{ 2, 5, 0, RID, 0, 4, 0, 0 },  /* another version */
	};

	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		wire w = { 0 };
		ig_fcgi_in in;
		size_t got;

		record(&w, 5, RID, (const unsigned char *)"ab", 2, 6);
		put(&w, hdrs[i], 8);
		put(&w, "cdef", 4);
		ig_fcgi_in_init(&in, -1, RID);
		got = ig_fcgi_in_decode(&in, w.p, w.len);
		ck_assert_uint_eq(got, 2);
		ck_assert_int_eq(in.error, 1);
		ck_assert_int_eq(in.eof, 0);
		free(w.p);
	}
}
END_TEST

struct writer {
	int fd;
	wire w;
	size_t upto;   /* bytes written, then the socket is shut */
};

static void *
write_all(void *arg)
{
	struct writer *wr = arg;

	for (size_t off = 0; off < wr->upto;) {
		ssize_t n = write(wr->fd, wr->w.p + off, wr->upto - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(wr->fd, SHUT_WR);
	return NULL;
}

/* Read the stream off a socket with reads of at most cap bytes; the body's
 * length and in's state after the last read. */
static size_t
read_socket(size_t upto, size_t cap, ig_fcgi_in *in, int *last)
{
	int sv[2];
	struct writer wr;
	pthread_t t;
	size_t len, got = 0;
	unsigned char *out, *want;
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	wr.w = stdin_stream(1, &len);
	wr.fd = sv[1];
	wr.upto = upto ? upto : wr.w.len;
	ck_assert_int_eq(pthread_create(&t, NULL, write_all, &wr), 0);
	out = malloc(len + cap);
	ig_fcgi_in_init(in, sv[0], RID);
	while ((n = ig_fcgi_in_read(in, out + got, cap)) > 0)
		got += (size_t)n;
	*last = (int)n;
	pthread_join(t, NULL);
	want = body_bytes(len);
	ck_assert_uint_le(got, len);
	ck_assert_int_eq(memcmp(out, want, got), 0);
	free(want);
	free(out);
	free(wr.w.p);
	close(sv[0]);
	close(sv[1]);
	return got;
}

START_TEST(reads_a_socket_at_any_size)
{
	static const size_t caps[] = { 1, 7, 8, 9, 4096, 65536, 1 << 20 };
	size_t len;
	wire w = stdin_stream(1, &len);

	free(w.p);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		ig_fcgi_in in;
		int last;

		ck_assert_uint_eq(read_socket(0, caps[i], &in, &last), len);
		ck_assert_int_eq(last, 0);
		ck_assert_int_eq(in.eof, 1);
		ck_assert_int_eq(in.error, 0);
		ck_assert_int_gt(in.reads, 0);
	}
}
END_TEST

/* nginx gone mid-body (the connection closed before the empty record):
 * -1, not a short body that looks whole. */
START_TEST(closed_connection_is_an_error)
{
	ig_fcgi_in in;
	int last;

	ck_assert_uint_lt(read_socket(40000, 65536, &in, &last), 40000);
	ck_assert_int_eq(last, -1);
	ck_assert_int_eq(in.error, 1);
	ck_assert_int_eq(in.eof, 0);
}
END_TEST

/* What FCGX_Accept_r is handed: BEGIN_REQUEST and PARAMS through the empty
 * PARAMS record, not one byte of FCGI_STDIN; nothing when they are cut. */
START_TEST(prefix_is_begin_and_params_exactly)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	unsigned char params[300];
	wire w = { 0 };
	size_t want;
	int rid = 0;

	memset(params, 'p', sizeof(params));
	record(&w, 1, 7, begin, sizeof(begin), 0);
	record(&w, 4, 7, params, sizeof(params), 4);
	record(&w, 4, 7, params, 10, 6);
	record(&w, 4, 7, NULL, 0, 0);
	want = w.len;
	record(&w, 5, 7, (const unsigned char *)"body", 4, 4);
	ck_assert_int_eq(ig_fcgi_prefix_len(w.p, w.len, &rid), (long)want);
	ck_assert_int_eq(rid, 7);
	ck_assert_int_eq(ig_fcgi_prefix_len(w.p, want, &rid), (long)want);
	for (size_t n = 0; n < want; n++)
		ck_assert_int_eq(ig_fcgi_prefix_len(w.p, n, &rid), 0);
	free(w.p);
}
END_TEST

/* Anything but BEGIN_REQUEST then PARAMS of the same request is left to
 * libfcgi (-1): a management record, STDIN before the parameters end,
 * another request's PARAMS, another version. */
START_TEST(prefix_refuses_what_nginx_does_not_send)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };
	wire w;
	int rid;

	w = (wire){ 0 };
	record(&w, 9, 0, (const unsigned char *)"\0\0", 2, 6);  /* FCGI_GET_VALUES */
	ck_assert_int_eq(ig_fcgi_prefix_len(w.p, w.len, &rid), -1);
	free(w.p);
	w = (wire){ 0 };
	record(&w, 1, 1, begin, 8, 0);
	record(&w, 5, 1, (const unsigned char *)"x", 1, 7);
	ck_assert_int_eq(ig_fcgi_prefix_len(w.p, w.len, &rid), -1);
	free(w.p);
	w = (wire){ 0 };
	record(&w, 1, 1, begin, 8, 0);
	record(&w, 4, 2, NULL, 0, 0);
	ck_assert_int_eq(ig_fcgi_prefix_len(w.p, w.len, &rid), -1);
	free(w.p);
	w = (wire){ 0 };
	record(&w, 1, 1, begin, 8, 0);
	w.p[0] = 2;
	ck_assert_int_eq(ig_fcgi_prefix_len(w.p, w.len, &rid), -1);
	free(w.p);
}
END_TEST

static Suite *
fcgi_in_suite(void)
{
	Suite *s = suite_create("fcgi_in");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, split_at_every_byte_in_two);
	tcase_add_test(tc, split_in_three_at_every_pair);
	tcase_add_test(tc, one_byte_reads);
	tcase_add_test(tc, foreign_records_are_errors);
	tcase_add_test(tc, reads_a_socket_at_any_size);
	tcase_add_test(tc, closed_connection_is_an_error);
	tcase_add_test(tc, prefix_is_begin_and_params_exactly);
	tcase_add_test(tc, prefix_refuses_what_nginx_does_not_send);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(fcgi_in_suite)
