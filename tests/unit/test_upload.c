/*
 * test_upload.c — lib/imaging/upload: the check an uploaded image passes
 * before it is stored (issue 12, POST /api/images). Each test names the
 * fault or attack it guards: a file that is not what it claims, a cut-off
 * file, a decompression bomb, an oversize file, and a photo that would
 * publish where its owner lives (EXIF GPS).
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>
#include <zlib.h>

#include "lib/core/error.h"
#include "lib/imaging/png.h"
#include "lib/imaging/upload.h"
#include "tests/unit/ut.h"

#define MAX_UPLOAD (20L * 1024 * 1024)
#define MAX_PIXELS 16777216L

static unsigned char *
encode(ig_img_format fmt, int w, int h, size_t *len)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	unsigned char *copy;
	void *p;
	int size = 0;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			gdImageSetPixel(im, x, y, gdTrueColor(x * 255 / w, y * 255 / h, 90));
	p = fmt == IG_IMG_PNG ? gdImagePngPtr(im, &size) :
	    fmt == IG_IMG_JPEG ? gdImageJpegPtr(im, &size, 90) : gdImageWebpPtr(im, &size);
	gdImageDestroy(im);
	ck_assert_ptr_nonnull(p);
	copy = malloc((size_t)size);
	memcpy(copy, p, (size_t)size);
	gdFree(p);
	*len = (size_t)size;
	return copy;
}

/* Write v at p in either byte order (TIFF's II / MM; PNG's is MM). */
static void
tput16(unsigned char *p, int le, unsigned v)
{
	p[le ? 0 : 1] = (unsigned char)v;
	p[le ? 1 : 0] = (unsigned char)(v >> 8);
}

static void
tput32(unsigned char *p, int le, uint32_t v)
{
	tput16(p + (le ? 0 : 2), le, v & 0xffff);
	tput16(p + (le ? 2 : 0), le, v >> 16);
}

/* A PNG whose IHDR declares w × h and whose one IDAT is idat (n bytes),
 * with correct CRCs (zlib's crc32, not png.c's). */
static unsigned char *
forge_png(uint32_t w, uint32_t h, const unsigned char *idat, size_t n, size_t *len)
{
	unsigned char *b = malloc(8 + 25 + 12 + n + 12), *p = b;

	memcpy(p, "\x89PNG\r\n\x1a\n", 8);
	p += 8;
	tput32(p, 0, 13);
	memcpy(p + 4, "IHDR", 4);
	tput32(p + 8, 0, w);
	tput32(p + 12, 0, h);
	memcpy(p + 16, "\x08\x02\x00\x00\x00", 5);
	tput32(p + 21, 0, (uint32_t)crc32(0, p + 4, 17));
	p += 25;
	tput32(p, 0, (uint32_t)n);
	memcpy(p + 4, "IDAT", 4);
	memcpy(p + 8, idat, n);
	tput32(p + 8 + n, 0, (uint32_t)crc32(0, p + 4, (uInt)(n + 4)));
	p += 12 + n;
	tput32(p, 0, 0);
	memcpy(p + 4, "IEND", 4);
	tput32(p + 8, 0, (uint32_t)crc32(0, p + 4, 4));
	*len = (size_t)(p + 12 - b);
	return b;
}

/* A well-formed PNG of w x h whose one IDAT is 64 bytes of junk. */
static unsigned char *
junk_png(uint32_t w, uint32_t h, size_t *len)
{
	unsigned char junk[64];

	memset(junk, 0x5a, sizeof(junk));
	return forge_png(w, h, junk, sizeof(junk), len);
}

static void
expect_refused(const unsigned char *buf, size_t len, long max_upload, ig_errcode code,
    const char *word)
{
	ig_upload_info info;
	unsigned char *out = (unsigned char *)1;
	size_t outlen = 1;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_upload_check(buf, len, max_upload, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), -1);
	ck_assert_int_eq(err.code, code);
	ck_assert_str_eq(err.field, "file");
	ck_assert_ptr_null(out);
	if (strstr(err.message, word) == NULL)
		ck_abort_msg("message \"%s\" lacks \"%s\"", err.message, word);
}

static const ig_img_format formats[] = { IG_IMG_PNG, IG_IMG_JPEG, IG_IMG_WEBP };

/* Each format is admitted with its size read right and stored as sent. */
START_TEST(each_format_is_admitted_unchanged)
{
	size_t len, outlen;
	unsigned char *img = encode(formats[_i], 40, 30, &len), *out;
	ig_upload_info info;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_upload_check(img, len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	ck_assert_int_eq(info.format, formats[_i]);
	ck_assert_int_eq(info.width, 40);
	ck_assert_int_eq(info.height, 30);
	ck_assert_int_eq(info.gps_removed, 0);
	ck_assert_ptr_null(out);
	free(img);
}
END_TEST

/* A cut-off upload (the connection dropped, a client bug) must not be
 * stored: libjpeg pads a cut JPEG with grey and only warns, so without the
 * walk to EOI a half photo would be stored as whole. Cuts at several
 * places, including the last byte or two (JPEG's EOI, PNG's IEND CRC). */
START_TEST(truncated_files_are_refused)
{
	size_t len;
	unsigned char *img = encode(formats[_i], 64, 48, &len);
	size_t cuts[] = { len - 2, len - 1, len * 3 / 4, len / 2 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		unsigned char *cut = malloc(cuts[i]);

		memcpy(cut, img, cuts[i]);
		expect_refused(cut, cuts[i], MAX_UPLOAD, IG_E_INVALID_REQUEST, "truncated");
		free(cut);
	}
	free(img);
}
END_TEST

START_TEST(wrong_magic_and_empty_files_are_refused)
{
	static const unsigned char gif[] = "GIF89a\x10\x00\x10\x00\x80\x00\x00";
	static const unsigned char text[] = "<svg xmlns='http://www.w3.org/2000/svg'/>";
	size_t len;
	unsigned char *png = encode(IG_IMG_PNG, 8, 8, &len);

	expect_refused(gif, sizeof(gif) - 1, MAX_UPLOAD, IG_E_INVALID_REQUEST, "not a PNG");
	expect_refused(text, sizeof(text) - 1, MAX_UPLOAD, IG_E_INVALID_REQUEST, "not a PNG");
	expect_refused(gif, 0, MAX_UPLOAD, IG_E_INVALID_REQUEST, "empty");
	/* A PNG signature with a broken IHDR CRC. */
	png[29] ^= 0xff;
	expect_refused(png, len, MAX_UPLOAD, IG_E_INVALID_REQUEST, "corrupt");
	free(png);
}
END_TEST

/* A well-formed PNG whose pixel data is junk reaches the decoder, which
 * refuses it: nothing undecodable is stored. */
START_TEST(undecodable_data_is_refused)
{
	size_t len;
	unsigned char *png = junk_png(16, 16, &len);

	expect_refused(png, len, MAX_UPLOAD, IG_E_INVALID_REQUEST, "cannot be decoded");
	free(png);
}
END_TEST

/* The bomb: a small PNG declaring 16000 x 16000 (256 M pixels; libgd needs
 * 1 GB and seconds for it). It is refused from the IHDR alone: its IDAT is
 * junk, so had it reached the decoder the message would say "cannot be
 * decoded", not the size. */
START_TEST(png_bomb_is_refused_before_decoding)
{
	size_t len;
	unsigned char *bomb = junk_png(16000, 16000, &len);

	expect_refused(bomb, len, MAX_UPLOAD, IG_E_INVALID_REQUEST, "16000 x 16000 pixels");
	free(bomb);
	/* One pixel over the limit is refused too; the limit is inclusive. */
	bomb = junk_png(4097, 4096, &len);
	expect_refused(bomb, len, MAX_UPLOAD, IG_E_INVALID_REQUEST, "IG_MAX_IMAGE_PIXELS");
	free(bomb);
}
END_TEST

/* More than IG_MAX_UPLOAD bytes is a 413 naming the setting; exactly the
 * limit passes. */
START_TEST(oversize_is_413_naming_max_upload)
{
	size_t len, outlen;
	unsigned char *png = encode(IG_IMG_PNG, 30, 30, &len), *out;
	ig_upload_info info;
	ig_err err = { 0 };

	expect_refused(png, len, (long)len - 1, IG_E_PAYLOAD_TOO_LARGE, "IG_MAX_UPLOAD");
	ck_assert_int_eq(ig_err_status(IG_E_PAYLOAD_TOO_LARGE), 413);
	ck_assert_int_eq(ig_upload_check(png, len, (long)len, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	free(png);
}
END_TEST

/* A TIFF in either byte order: IFD0 {Make, GPSInfo, Orientation}, the Make
 * string, the GPS IFD {LatitudeRef "N", Latitude 3 RATIONALs} and the
 * rationals 35/1 41/1 5087/100. Offsets are those noted. */
#define TIFF_LEN 110
#define IFD0 8
#define GPS_IFD 56
#define LAT 86

static void
entry(unsigned char *p, int le, unsigned tag, unsigned type, uint32_t count, uint32_t value)
{
	tput16(p, le, tag);
	tput16(p + 2, le, type);
	tput32(p + 4, le, count);
	if (type == 3 && count == 1) {
		tput16(p + 8, le, value);
		tput16(p + 10, le, 0);
	} else {
		tput32(p + 8, le, value);
	}
}

static void
make_tiff(unsigned char *t, int le)
{
	memset(t, 0, TIFF_LEN);
	memcpy(t, le ? "II" : "MM", 2);
	tput16(t + 2, le, 42);
	tput32(t + 4, le, IFD0);
	tput16(t + IFD0, le, 3);
	entry(t + IFD0 + 2, le, 0x010f, 2, 6, 50);
	entry(t + IFD0 + 14, le, 0x8825, 4, 1, GPS_IFD);
	entry(t + IFD0 + 26, le, 0x0112, 3, 1, 1);
	memcpy(t + 50, "Canon", 6);
	tput16(t + GPS_IFD, le, 2);
	entry(t + GPS_IFD + 2, le, 0x0001, 2, 2, 0);
	memcpy(t + GPS_IFD + 10, "N", 2);
	entry(t + GPS_IFD + 14, le, 0x0002, 5, 3, LAT);
	tput32(t + LAT, le, 35);
	tput32(t + LAT + 4, le, 1);
	tput32(t + LAT + 8, le, 41);
	tput32(t + LAT + 12, le, 1);
	tput32(t + LAT + 16, le, 5087);
	tput32(t + LAT + 20, le, 100);
}

/* jpeg with an APP1 Exif segment holding tiff (tlen bytes) after its SOI. */
static unsigned char *
with_exif(const unsigned char *jpeg, size_t len, const unsigned char *tiff, size_t tlen,
    size_t *outlen)
{
	size_t seg = 2 + 2 + 6 + tlen;
	unsigned char *b = malloc(len + seg);

	memcpy(b, jpeg, 2);
	b[2] = 0xff;
	b[3] = 0xe1;
	b[4] = (unsigned char)((seg - 2) >> 8);
	b[5] = (unsigned char)(seg - 2);
	memcpy(b + 6, "Exif\0\0", 6);
	memcpy(b + 12, tiff, tlen);
	memcpy(b + 2 + seg, jpeg + 2, len - 2);
	*outlen = len + seg;
	return b;
}

/* Issue 12: "stored as received, except that EXIF GPS is stripped from a
 * JPEG". A phone photo carries where it was taken; uploading it to a shared
 * gallery must not publish that. The GPSInfo entry leaves IFD0 and the GPS
 * IFD and its values are zeroed; every other byte is the one sent. */
START_TEST(jpeg_gps_is_stripped_in_place)
{
	int le = _i;
	size_t jlen, len, outlen;
	unsigned char tiff[TIFF_LEN];
	unsigned char *jpeg = encode(IG_IMG_JPEG, 48, 32, &jlen), *img, *out;
	const unsigned char *t;
	ig_upload_info info;
	ig_err err = { 0 };
	gdImagePtr im;

	make_tiff(tiff, le);
	img = with_exif(jpeg, jlen, tiff, TIFF_LEN, &len);
	ck_assert_int_eq(ig_upload_check(img, len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	ck_assert_int_eq(info.gps_removed, 1);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(outlen, len);
	t = out + 12;
	/* Everything outside IFD0 and the GPS IFD and its values is unchanged:
	 * the markers, the Make string, the image data. */
	ck_assert(memcmp(out, img, 12 + IFD0) == 0);
	ck_assert(memcmp(out + 12 + 50, img + 12 + 50, 6) == 0);
	ck_assert(memcmp(out + 12 + TIFF_LEN, img + 12 + TIFF_LEN, len - 12 - TIFF_LEN) == 0);
	/* IFD0: Make then Orientation, next-IFD 0, the freed entry zeroed. */
	ck_assert_uint_eq(le ? t[IFD0] : t[IFD0 + 1], 2);
	ck_assert(memcmp(t + IFD0 + 2, tiff + IFD0 + 2, 12) == 0);
	ck_assert(memcmp(t + IFD0 + 14, tiff + IFD0 + 26, 12) == 0);
	for (int i = IFD0 + 26; i < 50; i++)
		ck_assert_uint_eq(t[i], 0);
	/* The GPS IFD and the latitude are gone. */
	for (int i = GPS_IFD; i < TIFF_LEN; i++)
		ck_assert_uint_eq(t[i], 0);
	/* Still the same picture. */
	im = gdImageCreateFromJpegPtr((int)outlen, out);
	ck_assert_ptr_nonnull(im);
	ck_assert_int_eq(gdImageSX(im), 48);
	gdImageDestroy(im);
	/* The stripped file has nothing left to strip. */
	free(img);
	ck_assert_int_eq(ig_jpeg_strip_gps(out, outlen, &img, &len), 0);
	free(out);
	free(jpeg);
}
END_TEST

/* An Exif segment too broken to walk could hide GPS where the walk cannot
 * see: it is dropped whole and the rest of the file kept. A JPEG without
 * GPS is stored untouched. */
START_TEST(jpeg_broken_exif_is_dropped_without_gps_kept)
{
	size_t jlen, len, outlen;
	unsigned char tiff[TIFF_LEN];
	unsigned char *jpeg = encode(IG_IMG_JPEG, 16, 16, &jlen), *img, *out;
	ig_upload_info info;
	ig_err err = { 0 };

	make_tiff(tiff, 0);
	tput32(tiff + 4, 0, 0xfff0);          /* IFD0 past the end */
	img = with_exif(jpeg, jlen, tiff, TIFF_LEN, &len);
	ck_assert_int_eq(ig_upload_check(img, len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	ck_assert_int_eq(info.gps_removed, 1);
	ck_assert_uint_eq(outlen, jlen);
	ck_assert(memcmp(out, jpeg, jlen) == 0);
	free(out);
	free(img);

	/* Found by fuzz_upload: a GPS entry whose value lies over the TIFF
	 * header (LatitudeRef, 8 bytes at offset 0). Zeroing it broke the
	 * header, so the output still held an Exif segment that a second
	 * strip would drop; the segment is dropped at once instead. */
	make_tiff(tiff, 0);
	entry(tiff + GPS_IFD + 2, 0, 0x0001, 2, 8, 0);
	img = with_exif(jpeg, jlen, tiff, TIFF_LEN, &len);
	ck_assert_int_eq(ig_jpeg_strip_gps(img, len, &out, &outlen), 1);
	ck_assert_uint_eq(outlen, jlen);
	ck_assert(memcmp(out, jpeg, jlen) == 0);
	free(img);
	ck_assert_int_eq(ig_jpeg_strip_gps(out, outlen, &img, &len), 0);
	free(out);

	/* IFD0 without a GPSInfo entry: nothing changes. */
	make_tiff(tiff, 1);
	tput16(tiff + IFD0 + 14, 1, 0x0110);  /* the GPS entry becomes Model */
	img = with_exif(jpeg, jlen, tiff, TIFF_LEN, &len);
	ck_assert_int_eq(ig_upload_check(img, len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	ck_assert_int_eq(info.gps_removed, 0);
	ck_assert_ptr_null(out);
	free(img);
	free(jpeg);
}
END_TEST

/* An extended WebP (VP8X with the EXIF flag) of webp's image with an EXIF
 * chunk holding tiff (tlen bytes, even). */
static unsigned char *
webp_with_exif(const unsigned char *webp, size_t len, int w, int h, const unsigned char *tiff,
    size_t tlen, size_t *outlen)
{
	size_t n = 12 + 18 + (len - 12) + 8 + tlen;
	unsigned char *b = calloc(1, n), *p = b;

	memcpy(p, "RIFF", 4);
	tput32(p + 4, 1, (uint32_t)(n - 8));
	memcpy(p + 8, "WEBPVP8X", 8);
	tput32(p + 16, 1, 10);
	p[20] = 0x08;
	p[24] = (unsigned char)(w - 1);
	p[27] = (unsigned char)(h - 1);
	p += 30;
	memcpy(p, webp + 12, len - 12);
	p += len - 12;
	memcpy(p, "EXIF", 4);
	tput32(p + 4, 1, (uint32_t)tlen);
	memcpy(p + 8, tiff, tlen);
	*outlen = n;
	return b;
}

/* The same leak through WebP: a phone or editor's WebP carries its EXIF in
 * an EXIF chunk. GPS is removed in place there too. */
START_TEST(webp_exif_gps_is_stripped_in_place)
{
	size_t wlen, len, outlen, at;
	unsigned char tiff[TIFF_LEN];
	unsigned char *webp = encode(IG_IMG_WEBP, 40, 20, &wlen), *img, *out;
	ig_upload_info info;
	ig_err err = { 0 };

	make_tiff(tiff, 1);
	img = webp_with_exif(webp, wlen, 40, 20, tiff, TIFF_LEN, &len);
	at = len - TIFF_LEN;
	ck_assert_int_eq(ig_upload_check(img, len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	ck_assert_int_eq(info.format, IG_IMG_WEBP);
	ck_assert_int_eq(info.width, 40);
	ck_assert_int_eq(info.gps_removed, 1);
	ck_assert_uint_eq(outlen, len);
	ck_assert(memcmp(out, img, at + IFD0) == 0);
	ck_assert_uint_eq(out[at + IFD0], 2);
	for (int i = GPS_IFD; i < TIFF_LEN; i++)
		ck_assert_uint_eq(out[at + i], 0);
	free(out);
	free(img);

	/* A broken EXIF chunk is zeroed, its size kept. */
	tput32(tiff + 4, 1, 0xfff0);
	img = webp_with_exif(webp, wlen, 40, 20, tiff, TIFF_LEN, &len);
	ck_assert_int_eq(ig_upload_check(img, len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
	    &outlen, &err), 0);
	ck_assert_int_eq(info.gps_removed, 1);
	ck_assert(memcmp(out, img, at) == 0);
	for (size_t i = at; i < len; i++)
		ck_assert_uint_eq(out[i], 0);
	free(out);
	free(img);
	free(webp);
}
END_TEST

static Suite *
upload_suite(void)
{
	Suite *s = suite_create("upload");
	TCase *c = tcase_create("check"), *g = tcase_create("gps");

	tcase_set_timeout(c, 60);
	tcase_add_loop_test(c, each_format_is_admitted_unchanged, 0, 3);
	tcase_add_loop_test(c, truncated_files_are_refused, 0, 3);
	tcase_add_test(c, wrong_magic_and_empty_files_are_refused);
	tcase_add_test(c, undecodable_data_is_refused);
	tcase_add_test(c, png_bomb_is_refused_before_decoding);
	tcase_add_test(c, oversize_is_413_naming_max_upload);
	suite_add_tcase(s, c);
	tcase_add_loop_test(g, jpeg_gps_is_stripped_in_place, 0, 2);
	tcase_add_test(g, jpeg_broken_exif_is_dropped_without_gps_kept);
	tcase_add_test(g, webp_exif_gps_is_stripped_in_place);
	suite_add_tcase(s, g);
	return s;
}

UT_MAIN(upload_suite)
