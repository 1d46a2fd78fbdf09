/*
 * test_imaging.c — lib/imaging: the builtin renderer, header probing, PNG
 * text chunks and thumbnails. Each test names the bug or attack it guards.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/core/error.h"
#include "lib/imaging/png.h"
#include "lib/imaging/render.h"
#include "lib/imaging/thumb.h"
#include "tests/unit/ut.h"

/* A bitwise CRC-32, deliberately not png.c's table, so a shared mistake
 * cannot make both agree. */
static uint32_t
test_crc(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
wr32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A small real picture (gradient and a disc) so encoders have content. */
static gdImagePtr
make_image(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			gdImageSetPixel(im, x, y, gdTrueColor(x * 255 / w, y * 255 / h, 120));
	gdImageFilledEllipse(im, w / 2, h / 2, w / 2, h / 2, gdTrueColor(250, 240, 10));
	return im;
}

typedef enum { ENC_PNG, ENC_JPEG, ENC_JPEG_PROGRESSIVE, ENC_WEBP, ENC_WEBP_LOSSLESS } encoding;

/* Encoded bytes in malloc'ed memory; *len set. */
static unsigned char *
encode(int w, int h, encoding e, size_t *len)
{
	gdImagePtr im = make_image(w, h);
	void *p = NULL;
	unsigned char *r;
	int size = 0;

	switch (e) {
	case ENC_PNG: p = gdImagePngPtrEx(im, &size, 6); break;
	case ENC_JPEG: p = gdImageJpegPtr(im, &size, 85); break;
	case ENC_JPEG_PROGRESSIVE:
		gdImageInterlace(im, 1);
		p = gdImageJpegPtr(im, &size, 85);
		break;
	case ENC_WEBP: p = gdImageWebpPtrEx(im, &size, 80); break;
	case ENC_WEBP_LOSSLESS: p = gdImageWebpPtrEx(im, &size, gdWebpLossless); break;
	}
	gdImageDestroy(im);
	ck_assert_ptr_nonnull(p);
	r = malloc((size_t)size);
	memcpy(r, p, (size_t)size);
	gdFree(p);
	*len = (size_t)size;
	return r;
}

static unsigned char *
render(const char *prompt, const char *neg, uint64_t seed, int w, int h, size_t *len)
{
	unsigned char *png = NULL;

	ck_assert_int_eq(ig_render_builtin(prompt, neg, seed, w, h, &png, len, NULL), 0);
	ck_assert_ptr_nonnull(png);
	return png;
}

static int
same(const unsigned char *a, size_t al, const unsigned char *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

/* The cache and the API promise: the same prompt, seed and size give the
 * same bytes; a seed or a word changes the picture. */
START_TEST(render_is_deterministic_and_varies)
{
	size_t l1, l2, l3, l4, l5;
	unsigned char *a = render("misty mountains at sunset", NULL, 42, 256, 192, &l1);
	unsigned char *b = render("misty mountains at sunset", NULL, 42, 256, 192, &l2);
	unsigned char *c = render("misty mountains at sunset", NULL, 43, 256, 192, &l3);
	unsigned char *d = render("misty mountains at sunrise", NULL, 42, 256, 192, &l4);
	unsigned char *e = render("misty mountains at sunset", "red", 42, 256, 192, &l5);

	ck_assert_msg(same(a, l1, b, l2), "same inputs gave different bytes");
	ck_assert_msg(!same(a, l1, c, l3), "another seed gave the same picture");
	ck_assert_msg(!same(a, l1, d, l4), "another prompt gave the same picture");
	ck_assert_msg(!same(a, l1, e, l5), "the negative prompt was ignored");
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
}
END_TEST

START_TEST(render_has_the_requested_size)
{
	static const int sizes[][2] = { { 64, 64 }, { 64, 2048 }, { 2048, 64 }, { 333, 177 },
		{ 512, 768 } };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len;
		ig_img_format fmt;
		int w, h;
		unsigned char *p = render("a city by the sea", NULL, i, sizes[i][0], sizes[i][1], &len);
		ck_assert_int_eq(ig_image_probe(p, len, &fmt, &w, &h), 0);
		ck_assert_int_eq(fmt, IG_IMG_PNG);
		ck_assert_int_eq(w, sizes[i][0]);
		ck_assert_int_eq(h, sizes[i][1]);
		free(p);
	}
}
END_TEST

START_TEST(render_refuses_out_of_range_sizes)
{
	unsigned char *p = NULL;
	size_t len;

	ck_assert_int_eq(ig_render_builtin("x", NULL, 1, 63, 64, &p, &len, NULL), -1);
	ck_assert_int_eq(ig_render_builtin("x", NULL, 1, 64, 2049, &p, &len, NULL), -1);
	ck_assert_int_eq(ig_render_builtin("x", NULL, 1, 0, -5, &p, &len, NULL), -1);
	ck_assert_int_eq(ig_render_builtin(NULL, NULL, 1, 64, 64, &p, &len, NULL), -1);
	ck_assert_ptr_null(p);
}
END_TEST

typedef struct stats {
	int distinct;
	double mean[3];
} stats;

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Distinct colours over a 32×32 sample grid, and the mean colour. */
static stats
sample(const unsigned char *png, size_t len)
{
	gdImagePtr im = gdImageCreateFromPngPtr((int)len, (void *)(uintptr_t)png);
	int px[32 * 32], n = 0;
	stats s = { 0, { 0, 0, 0 } };

	ck_assert_ptr_nonnull(im);
	for (int j = 0; j < 32; j++) {
		for (int i = 0; i < 32; i++) {
			int c = gdImageGetTrueColorPixel(im, i * gdImageSX(im) / 32, j * gdImageSY(im) / 32);
			px[n++] = c;
			s.mean[0] += gdTrueColorGetRed(c) / 1024.0;
			s.mean[1] += gdTrueColorGetGreen(c) / 1024.0;
			s.mean[2] += gdTrueColorGetBlue(c) / 1024.0;
		}
	}
	qsort(px, (size_t)n, sizeof(int), cmp_int);
	for (int i = 0; i < n; i++)
		s.distinct += i == 0 || px[i] != px[i - 1];
	gdImageDestroy(im);
	return s;
}

static const char *const scene_prompts[] = {
	"snowy mountains at sunset", "neon city at night", "ocean waves under a golden sky",
	"a pine forest in fog", "a ringed planet among the stars", "portrait of a woman",
	"abstract flow in purple and gold", "山水画", "",
};

/* The builtin provider once returned a flat fill with a label; a picture has
 * hundreds of colours even on a coarse grid. */
START_TEST(render_is_a_picture_not_a_fill)
{
	size_t len;
	unsigned char *p = render(scene_prompts[_i], NULL, 7, 320, 240, &len);
	stats s = sample(p, len);

	ck_assert_msg(s.distinct > 50, "\"%s\": only %d distinct colours", scene_prompts[_i],
	    s.distinct);
	free(p);
}
END_TEST

/* The prompt must steer the picture, not only the seed. */
START_TEST(render_scene_prompts_differ_in_mean_colour)
{
	size_t l1, l2;
	unsigned char *a = render("mountains at sunset", NULL, 1, 256, 256, &l1);
	unsigned char *b = render("city at night", NULL, 1, 256, 256, &l2);
	stats sa = sample(a, l1), sb = sample(b, l2);
	double d = 0;

	for (int k = 0; k < 3; k++)
		d += sa.mean[k] > sb.mean[k] ? sa.mean[k] - sb.mean[k] : sb.mean[k] - sa.mean[k];
	ck_assert_msg(d > 30, "mean colours differ by only %.1f", d);
	ck_assert_msg(sa.mean[0] + sa.mean[1] + sa.mean[2] > sb.mean[0] + sb.mean[1] + sb.mean[2],
	    "the sunset is darker than the night");
	free(a);
	free(b);
}
END_TEST

static const struct {
	encoding enc;
	ig_img_format fmt;
	int w, h;
} probe_cases[] = {
	{ ENC_PNG, IG_IMG_PNG, 123, 45 },
	{ ENC_JPEG, IG_IMG_JPEG, 77, 300 },
	{ ENC_JPEG_PROGRESSIVE, IG_IMG_JPEG, 200, 10 },
	{ ENC_WEBP, IG_IMG_WEBP, 321, 123 },
	{ ENC_WEBP_LOSSLESS, IG_IMG_WEBP, 99, 1000 },
};

/* Real files from libgd's encoders; every prefix is either refused or gives
 * the true size, so a truncated download can never report wrong dimensions. */
START_TEST(probe_reads_real_headers_and_every_prefix_safely)
{
	size_t len;
	unsigned char *b = encode(probe_cases[_i].w, probe_cases[_i].h, probe_cases[_i].enc, &len);
	ig_img_format fmt;
	int w, h;

	ck_assert_int_eq(ig_image_probe(b, len, &fmt, &w, &h), 0);
	ck_assert_int_eq(fmt, probe_cases[_i].fmt);
	ck_assert_int_eq(w, probe_cases[_i].w);
	ck_assert_int_eq(h, probe_cases[_i].h);
	for (size_t n = 0; n < len; n++) {
		unsigned char *copy = malloc(n + 1);
		memcpy(copy, b, n);
		if (ig_image_probe(copy, n, &fmt, &w, &h) == 0) {
			ck_assert_int_eq(w, probe_cases[_i].w);
			ck_assert_int_eq(h, probe_cases[_i].h);
		} else {
			ck_assert_int_eq(w, 0);
		}
		free(copy);
	}
	free(b);
}
END_TEST

START_TEST(probe_reads_webp_vp8x_canvas)
{
	unsigned char b[30] = { 'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8',
		'X', 10, 0, 0, 0, 0x10, 0, 0, 0 };
	ig_img_format fmt;
	int w, h;

	b[24] = (3000 - 1) & 0xff;
	b[25] = (3000 - 1) >> 8;
	b[27] = (70000 - 1) & 0xff;
	b[28] = ((70000 - 1) >> 8) & 0xff;
	b[29] = (70000 - 1) >> 16;
	ck_assert_int_eq(ig_image_probe(b, sizeof(b), &fmt, &w, &h), 0);
	ck_assert_int_eq(fmt, IG_IMG_WEBP);
	ck_assert_int_eq(w, 3000);
	ck_assert_int_eq(h, 70000);
	ck_assert_int_eq(ig_image_probe(b, 29, &fmt, &w, &h), -1);
}
END_TEST

/* A signature with a broken header after it must not pass as that format. */
START_TEST(probe_refuses_garbage_truncation_and_corruption)
{
	static const unsigned char garbage[] = "GIF89a\x01\x00\x01\x00 not an accepted format";
	static const unsigned char jpeg_loop[] = { 0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff };
	static const unsigned char jpeg_sos_first[] = { 0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xd9 };
	size_t len;
	unsigned char *png = encode(40, 30, ENC_PNG, &len);
	ig_img_format fmt;
	int w, h;

	ck_assert_int_eq(ig_image_probe(NULL, 0, &fmt, &w, &h), -1);
	ck_assert_int_eq(ig_image_probe(garbage, 0, &fmt, &w, &h), -1);
	ck_assert_int_eq(ig_image_probe(garbage, sizeof(garbage), &fmt, &w, &h), -1);
	ck_assert_int_eq(fmt, IG_IMG_UNKNOWN);
	ck_assert_int_eq(ig_image_probe(jpeg_loop, sizeof(jpeg_loop), &fmt, &w, &h), -1);
	ck_assert_int_eq(ig_image_probe(jpeg_sos_first, sizeof(jpeg_sos_first), &fmt, &w, &h), -1);
	png[20] ^= 0x01;
	ck_assert_msg(ig_image_probe(png, len, &fmt, &w, &h) == -1, "IHDR with a bad CRC accepted");
	png[20] ^= 0x01;
	memset(png + 16, 0, 4);
	wr32(png + 29, test_crc(png + 12, 17));
	ck_assert_msg(ig_image_probe(png, len, &fmt, &w, &h) == -1, "zero width accepted");
	free(png);
}
END_TEST

/* Signature, IHDR declaring w×h with a valid CRC, an IDAT of junk, IEND. */
static unsigned char *
forge_png(uint32_t w, uint32_t h, size_t *len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char *b = calloc(1, 8 + 25 + 12 + 64 + 12);
	unsigned char *p = b + 8;

	memcpy(b, sig, 8);
	wr32(p, 13);
	memcpy(p + 4, "IHDR", 4);
	wr32(p + 8, w);
	wr32(p + 12, h);
	p[16] = 8;
	p[17] = 2;
	wr32(p + 21, test_crc(p + 4, 17));
	p += 25;
	wr32(p, 64);
	memcpy(p + 4, "IDAT", 4);
	memset(p + 8, 0x5a, 64);
	wr32(p + 72, test_crc(p + 4, 68));
	p += 76;
	memcpy(p + 4, "IEND", 4);
	wr32(p + 8, test_crc(p + 4, 4));
	*len = (size_t)(p + 12 - b);
	return b;
}

/* The PNG bomb: 746 KB declaring 16000×16000 costs libgd 8.7 s and 1.8 GB
 * to decode. The size is refused from the IHDR alone; the IDAT here is junk,
 * so reaching the decoder would have said invalid_request instead. */
START_TEST(thumbnail_refuses_16000x16000_png_bomb_before_decoding)
{
	size_t len, outlen = 0;
	unsigned char *bomb = forge_png(16000, 16000, &len), *out = NULL;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_thumbnail(bomb, len, 256, 40000000L, &out, &outlen, &err), -1);
	ck_assert_int_eq(err.code, IG_E_PAYLOAD_TOO_LARGE);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err.message, "16000"));
	free(bomb);
}
END_TEST

/* Only PNG, JPEG and WebP reach a decoder, judged by bytes; GIF and text
 * are refused, and so is a PNG whose data is junk. */
START_TEST(thumbnail_refuses_other_formats_and_undecodable_data)
{
	gdImagePtr im = make_image(20, 20);
	int gsize = 0;
	void *gif = gdImageGifPtr(im, &gsize);
	size_t len, outlen;
	unsigned char *junk = forge_png(20, 20, &len), *out = NULL;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_thumbnail(gif, (size_t)gsize, 256, 1000000, &out, &outlen, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "PNG, JPEG or WebP"));
	ck_assert_int_eq(ig_thumbnail((const unsigned char *)"<html>", 6, 256, 1000000, &out, &outlen,
	    &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_int_eq(ig_thumbnail(junk, 20, 256, 1000000, &out, &outlen, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_ptr_nonnull(strstr(err.message, "png header"));
	ck_assert_int_eq(ig_thumbnail(junk, len, 256, 1000000, &out, &outlen, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_ptr_null(out);
	gdFree(gif);
	gdImageDestroy(im);
	free(junk);
}
END_TEST

static const struct {
	encoding enc;
	int w, h, tw, th;
} thumb_cases[] = {
	{ ENC_PNG, 800, 400, 256, 128 },
	{ ENC_JPEG, 300, 900, 85, 256 },
	{ ENC_WEBP, 1000, 1000, 256, 256 },
	{ ENC_WEBP_LOSSLESS, 513, 257, 256, 128 },
	{ ENC_PNG, 100, 50, 100, 50 },
};

START_TEST(thumbnail_longer_side_256_keeps_aspect_never_upscales)
{
	size_t len, outlen;
	unsigned char *b = encode(thumb_cases[_i].w, thumb_cases[_i].h, thumb_cases[_i].enc, &len);
	unsigned char *out = NULL;
	ig_err err = { 0 };
	ig_img_format fmt;
	int w, h;

	ck_assert_int_eq(ig_thumbnail(b, len, 256, 1000000, &out, &outlen, &err), 0);
	ck_assert_int_eq(ig_image_probe(out, outlen, &fmt, &w, &h), 0);
	ck_assert_int_eq(fmt, IG_IMG_PNG);
	ck_assert_int_eq(w, thumb_cases[_i].tw);
	ck_assert_int_eq(h, thumb_cases[_i].th);
	free(out);
	free(b);
}
END_TEST

typedef struct chunk_view {
	char type[5];
	size_t off, len;
} chunk_view;

/* Split a well-formed PNG into its chunks, checking every CRC. */
static size_t
chunks(const unsigned char *p, size_t len, chunk_view *v, size_t max)
{
	size_t off = 8, n = 0;

	while (off + 12 <= len && n < max) {
		uint32_t l = rd32(p + off);
		ck_assert_uint_le(off + 12 + l, len);
		ck_assert_msg(test_crc(p + off + 4, l + 4) == rd32(p + off + 8 + l), "bad CRC on %.4s",
		    p + off + 4);
		memcpy(v[n].type, p + off + 4, 4);
		v[n].type[4] = '\0';
		v[n].off = off;
		v[n].len = 12 + l;
		n++;
		off += 12 + l;
	}
	ck_assert_uint_eq(off, len);
	return n;
}

/* Concatenation of every IDAT chunk, whole. */
static size_t
idat(const unsigned char *p, size_t len, unsigned char *out)
{
	chunk_view v[64];
	size_t n = chunks(p, len, v, 64), t = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].type, "IDAT") == 0) {
			memcpy(out + t, p + v[i].off, v[i].len);
			t += v[i].len;
		}
	}
	return t;
}

/* Metadata must be readable back (issue 4, "PNG chunks readable back") and
 * adding it must not re-encode the picture. */
START_TEST(png_text_round_trips_and_leaves_idat_untouched)
{
	static const char *const kv[] = { "prompt", "a red fox in the snow", "Title",
		"山水画 — mountains and water", "empty", "" };
	size_t len, outlen, n;
	unsigned char *png = render("a red fox in the snow", NULL, 3, 200, 120, &len), *out = NULL;
	unsigned char *before = malloc(len), *after = malloc(len);
	chunk_view v[64];
	char *val = NULL;

	ck_assert_int_eq(ig_png_add_text(png, len, kv, 3, &out, &outlen), 0);
	n = chunks(out, outlen, v, 64);
	ck_assert_str_eq(v[n - 1].type, "IEND");
	ck_assert_str_eq(v[n - 4].type, "tEXt");
	ck_assert_str_eq(v[n - 3].type, "iTXt");
	ck_assert_str_eq(v[n - 2].type, "tEXt");
	ck_assert_uint_eq(idat(png, len, before), idat(out, outlen, after));
	ck_assert_msg(memcmp(before, after, idat(png, len, before)) == 0, "IDAT changed");
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(ig_png_get_text(out, outlen, kv[2 * i], &val), 0);
		ck_assert_str_eq(val, kv[2 * i + 1]);
		free(val);
	}
	ck_assert_int_eq(ig_png_get_text(out, outlen, "Author", &val), 1);
	ck_assert_int_eq(ig_png_get_text(out, outlen, "title", &val), 1);
	ck_assert_int_eq(ig_png_get_text(png, len, "prompt", &val), 1);
	free(out);
	free(before);
	free(after);
	free(png);
}
END_TEST

/* Insert a raw chunk before IEND (the test's own writer). */
static unsigned char *
with_chunk(const unsigned char *png, size_t len, const char *type, const void *data, size_t dlen,
    size_t *outlen)
{
	unsigned char *o = malloc(len + 12 + dlen);

	memcpy(o, png, len - 12);
	wr32(o + len - 12, (uint32_t)dlen);
	memcpy(o + len - 8, type, 4);
	memcpy(o + len - 4, data, dlen);
	wr32(o + len - 4 + dlen, test_crc(o + len - 8, dlen + 4));
	memcpy(o + len + dlen, png + len - 12, 12);
	*outlen = len + 12 + dlen;
	return o;
}

/* tEXt is Latin-1 by spec; handing its bytes on raw would put invalid UTF-8
 * into JSON. Compressed iTXt is skipped, and a text chunk with a bad CRC or
 * a NUL in its text is malformed. */
START_TEST(png_get_text_converts_latin1_skips_compressed_checks_crc)
{
	size_t len, l2;
	unsigned char *png = encode(16, 16, ENC_PNG, &len), *p;
	char *val = NULL;

	p = with_chunk(png, len, "tEXt", "Comment\0caf\xe9", 12, &l2);
	ck_assert_int_eq(ig_png_get_text(p, l2, "Comment", &val), 0);
	ck_assert_str_eq(val, "caf\xc3\xa9");
	free(val);
	p[l2 - 13] ^= 0x20;
	ck_assert_int_eq(ig_png_get_text(p, l2, "Comment", &val), -1);
	free(p);
	p = with_chunk(png, len, "tEXt", "Comment\0a\0b", 11, &l2);
	ck_assert_int_eq(ig_png_get_text(p, l2, "Comment", &val), -1);
	free(p);
	p = with_chunk(png, len, "iTXt", "Comment\0\1\0\0\0x\x9c", 14, &l2);
	ck_assert_int_eq(ig_png_get_text(p, l2, "Comment", &val), 1);
	free(p);
	p = with_chunk(png, len, "iTXt", "Comment\0\0\0\0\0\xff\xfe", 14, &l2);
	ck_assert_int_eq(ig_png_get_text(p, l2, "Comment", &val), -1);
	free(p);
	free(png);
}
END_TEST

/* A chunk length pointing past the buffer (or past 2^31-1) must be refused
 * before anything is copied — the classic out-of-bounds read in hand-rolled
 * chunk walkers. */
START_TEST(png_text_refuses_corrupt_chunk_structure)
{
	static const char *const kv[] = { "k", "v" };
	static const uint32_t lengths[] = { 0x7ffffff0u, 0x80000000u, 0xffffffffu, 1000000 };
	size_t len, outlen;
	unsigned char *png = encode(16, 16, ENC_PNG, &len), *out = NULL;
	chunk_view v[16];
	size_t n = chunks(png, len, v, 16), idat_off = 0;
	char *val = NULL;

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].type, "IDAT") == 0)
			idat_off = v[i].off;
	ck_assert_uint_ne(idat_off, 0);
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		unsigned char *bad = malloc(len);
		memcpy(bad, png, len);
		wr32(bad + idat_off, lengths[i]);
		ck_assert_int_eq(ig_png_add_text(bad, len, kv, 1, &out, &outlen), -1);
		ck_assert_int_eq(ig_png_get_text(bad, len, "k", &val), -1);
		free(bad);
	}
	ck_assert_msg(ig_png_add_text(png, len - 12, kv, 1, &out, &outlen) == -1, "no IEND accepted");
	ck_assert_msg(ig_png_add_text(png, len - 1, kv, 1, &out, &outlen) == -1, "cut IEND accepted");
	ck_assert_int_eq(ig_png_add_text(png + 1, len - 1, kv, 1, &out, &outlen), -1);
	ck_assert_int_eq(ig_png_add_text(png, 8, kv, 1, &out, &outlen), -1);
	ck_assert_int_eq(ig_png_add_text(png, 0, kv, 1, &out, &outlen), -1);
	ck_assert_ptr_null(out);
	free(png);
}
END_TEST

START_TEST(png_text_refuses_bad_keywords_and_values)
{
	static const char *const bad[][2] = {
		{ "", "v" }, { " lead", "v" }, { "trail ", "v" }, { "dou  ble", "v" },
		{ "t\xc3\xa9", "v" }, { "tab\tkey", "v" }, { "k", "\xff\xfe" }, { "k", "\xed\xa0\x80" },
		{ "k", "\xc0\xaf" }, { "k", "\xe4\xb8" },
		{ "01234567890123456789012345678901234567890123456789012345678901234567890123456789",
		    "v" },
	};
	size_t len, outlen;
	unsigned char *png = encode(16, 16, ENC_PNG, &len), *out = NULL;
	const char *ok[2] = { "012345678901234567890123456789012345678901234567890123456789"
			      "0123456789012345678",
		"v" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ig_png_add_text(png, len, bad[i], 1, &out, &outlen) == -2,
		    "pair %zu accepted", i);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(ig_png_add_text(png, len, ok, 1, &out, &outlen), 0);
	free(out);
	free(png);
}
END_TEST

START_TEST(format_names)
{
	ck_assert_str_eq(ig_image_mime(IG_IMG_PNG), "image/png");
	ck_assert_str_eq(ig_image_mime(IG_IMG_JPEG), "image/jpeg");
	ck_assert_str_eq(ig_image_mime(IG_IMG_WEBP), "image/webp");
	ck_assert_str_eq(ig_image_ext(IG_IMG_PNG), "png");
	ck_assert_str_eq(ig_image_ext(IG_IMG_JPEG), "jpg");
	ck_assert_str_eq(ig_image_ext(IG_IMG_WEBP), "webp");
	ck_assert_str_eq(ig_image_ext(IG_IMG_UNKNOWN), "bin");
}
END_TEST

static Suite *
imaging_suite(void)
{
	Suite *s = suite_create("imaging");
	TCase *r = tcase_create("render"), *p = tcase_create("probe"), *t = tcase_create("thumb");
	TCase *x = tcase_create("text");

	tcase_set_timeout(r, 60);
	tcase_add_test(r, render_is_deterministic_and_varies);
	tcase_add_test(r, render_has_the_requested_size);
	tcase_add_test(r, render_refuses_out_of_range_sizes);
	tcase_add_loop_test(r, render_is_a_picture_not_a_fill, 0,
	    (int)(sizeof(scene_prompts) / sizeof(scene_prompts[0])));
	tcase_add_test(r, render_scene_prompts_differ_in_mean_colour);
	suite_add_tcase(s, r);
	tcase_set_timeout(p, 60);
	tcase_add_loop_test(p, probe_reads_real_headers_and_every_prefix_safely, 0,
	    (int)(sizeof(probe_cases) / sizeof(probe_cases[0])));
	tcase_add_test(p, probe_reads_webp_vp8x_canvas);
	tcase_add_test(p, probe_refuses_garbage_truncation_and_corruption);
	tcase_add_test(p, format_names);
	suite_add_tcase(s, p);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, thumbnail_refuses_16000x16000_png_bomb_before_decoding);
	tcase_add_test(t, thumbnail_refuses_other_formats_and_undecodable_data);
	tcase_add_loop_test(t, thumbnail_longer_side_256_keeps_aspect_never_upscales, 0,
	    (int)(sizeof(thumb_cases) / sizeof(thumb_cases[0])));
	suite_add_tcase(s, t);
	tcase_add_test(x, png_text_round_trips_and_leaves_idat_untouched);
	tcase_add_test(x, png_get_text_converts_latin1_skips_compressed_checks_crc);
	tcase_add_test(x, png_text_refuses_corrupt_chunk_structure);
	tcase_add_test(x, png_text_refuses_bad_keywords_and_values);
	suite_add_tcase(s, x);
	return s;
}

UT_MAIN(imaging_suite)
