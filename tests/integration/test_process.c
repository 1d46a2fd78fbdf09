/*
 * test_process.c — POST /api/images (uploads) and POST /api/image/process
 * through nginx (API.md "Images, gallery and files"; issue 12).
 *
 * Uploads: PNG, JPEG and WebP made here with libgd are stored as sent, with
 * a thumbnail, and answered as GET /api/images/{id} answers them. Every
 * refusal the issue lists (wrong magic, truncated, a 16000×16000 header
 * bomb, two file parts, no file part, no boundary) is a 400 naming file and
 * leaves neither a row nor a file; a file over IG_MAX_UPLOAD is a 413
 * naming file and the setting, whether the pipeline (Content-Length) or the
 * handler (the file part alone) sees it.
 *
 * Process: each operation is checked at sample pixels of a known input (a
 * 64×32 image of four coloured quadrants), not only "an image came back";
 * lineage across two steps; another user's source is a 404; a bad
 * parameter names operations[i].field and stores nothing.
 */
#include "ig_autoconf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <gd.h>

#include "lib/core/util.h"
#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

enum { W = IT_QUAD_W, H = IT_QUAD_H };

static const char *
next_source(void)
{
	return it_source(170, 30, 100);
}

/* --- images made here ---------------------------------------------------- */

/* The quadrants PNG with its IHDR changed to declare w × h (the CRC
 * made again): what a decompression bomb looks like from its header.
 * *len bytes (gdFree). */
static unsigned char *
png_declaring(uint32_t w, uint32_t h, size_t *len)
{
	unsigned char *png = it_img_encoded("png", len);
	uint32_t be[3] = { htonl(w), htonl(h), 0 };

	/* signature (8), IHDR length and type (8), width and height, the
	 * other 5 fields, then the CRC over type and data (PNG §5.3). */
	memcpy(png + 16, be, 8);
	be[2] = htonl(ig_crc32(0, png + 12, 17));
	memcpy(png + 29, &be[2], 4);
	return png;
}

/* --- requests ------------------------------------------------------------ */

/* POST /api/image/process with {"image_id": id, "operations": ops} as
 * token: the answer in r. */
static void
post_process(it_resp *r, const char *token, const char *id, const char *ops)
{
	it_json(r, next_source(), "POST", "/api/image/process", token, "{\"image_id\":\"%s\",\"operations\":%s}", id,
	    ops);
}

/* process as token, 201: the new image (caller puts). */
static json_object *
process(const char *token, const char *id, const char *ops)
{
	it_resp r;

	post_process(&r, token, id, ops);
	return it_img_created(&r);
}

/* The number of files in the image store that uploads and processes
 * make (upload_*, process_*: other suites' generations may still be
 * writing thumbnails of their own). */
static long
store_files(void)
{
	DIR *d = opendir(it_env("IG_IMAGE_DIR"));
	struct dirent *e;
	long n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, "upload_", 7) == 0 || strncmp(e->d_name, "process_", 8) == 0;
	closedir(d);
	return n;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* --- uploads ------------------------------------------------------------- */

/* Each format is stored byte for byte (no GPS in these), with its type,
 * size, title and tags (trimmed, empty ones skipped, sorted), operation
 * upload, no parent and a thumbnail that is served; GET answers the same
 * object. */
START_TEST(uploads_each_format)
{
	static const char *const fmts[] = { "png", "jpeg", "webp" };
	static const char *const mimes[] = { "image/png", "image/jpeg", "image/webp" };
	char uid[IG_UUID_BUF], *a = it_img_user("pua", uid);

	for (int i = 0; i < 3; i++) {
		size_t len, got;
		unsigned char *data = it_img_encoded(fmts[i], &len);
		json_object *im = it_img_upload(a, data, len, "Quadrants 四象限", " b , a,,c ,"), *o;
		char *bytes, path[128];
		gdImagePtr g;
		it_resp r;

		ck_assert_str_eq(it_js(im, "operation"), "upload");
		ck_assert_str_eq(it_js(im, "mime_type"), mimes[i]);
		ck_assert_str_eq(it_js(im, "provider"), "upload");
		ck_assert_str_eq(it_js(im, "title"), "Quadrants 四象限");
		ck_assert_str_eq(json_object_to_json_string_ext(it_jneed(im, "tags", json_type_array), JSON_C_TO_STRING_PLAIN),
		    "[\"a\",\"b\",\"c\"]");
		ck_assert(json_object_is_type(it_jpath(im, "parent_id"), json_type_null));
		ck_assert_int_eq(it_jint(im, "width"), W);
		ck_assert_int_eq(it_jint(im, "height"), H);
		ck_assert_int_eq(it_jint(im, "size_bytes"), (int64_t)len);
		bytes = it_img_fetch(im, &got);
		ck_assert_msg(got == len && memcmp(bytes, data, len) == 0, "%s not stored as sent", fmts[i]);
		free(bytes);
		ck_assert_int_eq((int)it_get_status(next_source(), it_js(im, "thumbnail_url"), NULL), 200);
		g = it_img_pixels(im);
		it_img_assert_pixel(g, 4, 4, RED, 40, fmts[i]);
		it_img_assert_pixel(g, W - 4, H - 4, WHITE, 40, fmts[i]);
		gdImageDestroy(g);
		snprintf(path, sizeof(path), "/api/images/%s", it_js(im, "id"));
		it_json(&r, next_source(), "GET", path, a, NULL);
		IT_EXPECT(&r, 200);
		o = it_json_body(&r);
		/* GET adds the caller's role (the uploader owns it); the rest is
		 * the upload's answer, field for field. */
		ck_assert_str_eq(it_js(it_jpath(o, "image"), "role"), "owner");
		json_object_object_del(it_jpath(o, "image"), "role");
		ck_assert_str_eq(json_object_to_json_string(it_jpath(o, "image")), json_object_to_json_string(im));
		json_object_put(o);
		it_resp_free(&r);
		json_object_put(im);
		gdFree(data);
	}
	ck_assert_int_eq(it_img_rows_of(uid), 3);
	free(a);
}
END_TEST

/* One refused upload: status, code and the field named, and neither a row
 * of uid nor a file in the store added. */
static void
refused(const char *what, const char *token, const char *uid, const char *ctype, const char *body, size_t len,
    long status, const char *code, const char *msg_part)
{
	long rows = it_img_rows_of(uid), files = store_files();
	double t0 = now_ms();
	json_object *o;
	it_resp r;

	it_img_post_upload(&r, token, ctype, body, len);
	printf("upload refused (%s): %ld in %.1f ms\n", what, r.status, now_ms() - t0);
	it_expect_error(&r, status, code, "file", &o);
	if (msg_part)
		ck_assert_msg(strstr(it_js(o, "error.message"), msg_part) != NULL, "%s: %s", what, r.body.data);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_msg(it_img_rows_of(uid) == rows, "%s: a row was stored", what);
	ck_assert_msg(store_files() == files, "%s: a file was stored", what);
}

static void
refused_parts(const char *what, const char *token, const char *uid, const struct it_part *parts, int n)
{
	ig_buf b = { 0 };

	it_img_multipart(&b, parts, n);
	refused(what, token, uid, "multipart/form-data; boundary=" IT_IMG_BOUNDARY, b.data, b.len, 400, "invalid_request",
	    NULL);
	ig_buf_free(&b);
}

/* Issue 12's list: wrong magic bytes, a truncated file, dimensions over
 * IG_MAX_IMAGE_PIXELS (a 16000×16000 header: refused before any decoder
 * runs, the time printed), two file parts, no file part, no boundary, an
 * empty file: each 400 naming file, nothing stored. */
START_TEST(refused_uploads_store_nothing)
{
	char uid[IG_UUID_BUF], *a = it_img_user("pub", uid);
	size_t len;
	unsigned char *png = it_img_encoded("png", &len), *jpeg, *bomb;
	size_t jlen, blen;
	static const char text[] = "GIF89a not an image we take";
	ig_buf b = { 0 };

	jpeg = it_img_encoded("jpeg", &jlen);
	bomb = png_declaring(16000, 16000, &blen);
	refused_parts("wrong magic", a, uid, (struct it_part[]){ { "file", "x.png", text, sizeof(text) - 1 } }, 1);
	refused_parts("truncated png", a, uid, (struct it_part[]){ { "file", "x.png", png, len / 2 } }, 1);
	refused_parts("truncated jpeg", a, uid, (struct it_part[]){ { "file", "x.jpg", jpeg, jlen - 40 } }, 1);
	refused_parts("16000x16000 header", a, uid, (struct it_part[]){ { "file", "bomb.png", bomb, blen } }, 1);
	refused_parts("two file parts", a, uid,
	    (struct it_part[]){ { "file", "a.png", png, len }, { "file", "b.png", png, len } }, 2);
	refused_parts("no file part", a, uid, (struct it_part[]){ { "title", NULL, "t", 1 } }, 1);
	refused_parts("empty file", a, uid, (struct it_part[]){ { "file", "e.png", "", 0 } }, 1);
	it_img_multipart(&b, (struct it_part[]){ { "file", "a.png", png, len } }, 1);
	refused("no boundary", a, uid, "multipart/form-data", b.data, b.len, 400, "invalid_request", NULL);
	refused("not multipart", a, uid, "image/png", (const char *)png, len, 400, "invalid_request", NULL);
	ig_buf_free(&b);
	/* The same PNG whole is taken: the refusals were about the bytes. */
	json_object_put(it_img_upload(a, png, len, NULL, NULL));
	ck_assert_int_eq(it_img_rows_of(uid), 1);
	gdFree(png);
	gdFree(jpeg);
	gdFree(bomb);
	free(a);
}
END_TEST

/* Over IG_MAX_UPLOAD (20 MiB on the stack): a file part one byte too long
 * in a body the pipeline still takes is refused by the handler; a body
 * past the upload row's limit is refused from its Content-Length. Both
 * 413 naming file and the setting, nothing stored. */
START_TEST(oversize_uploads_are_413)
{
	char uid[IG_UUID_BUF], *a = it_img_user("puc", uid);
	size_t max = 20u * 1024 * 1024, len;
	unsigned char *png = it_img_encoded("png", &len), *big = ig_xcalloc(1, max + 200 * 1024);
	ig_buf b = { 0 };

	memcpy(big, png, len);
	it_img_multipart(&b, (struct it_part[]){ { "file", "big.png", big, max + 1 } }, 1);
	refused("file 1 byte over IG_MAX_UPLOAD", a, uid, "multipart/form-data; boundary=" IT_IMG_BOUNDARY, b.data, b.len, 413,
	    "payload_too_large", "IG_MAX_UPLOAD");
	ig_buf_free(&b);
	it_img_multipart(&b, (struct it_part[]){ { "file", "big.png", big, max + 200 * 1024 } }, 1);
	refused("body past the upload limit", a, uid, "multipart/form-data; boundary=" IT_IMG_BOUNDARY, b.data, b.len, 413,
	    "payload_too_large", "IG_MAX_UPLOAD");
	ig_buf_free(&b);
	free(big);
	gdFree(png);
	free(a);
}
END_TEST

/* Text parts are checked too: a title too long, a tag too long, an
 * unknown part, each named. */
START_TEST(upload_text_parts_are_checked)
{
	char uid[IG_UUID_BUF], *a = it_img_user("pud", uid), title[300], tag[80];
	size_t len;
	unsigned char *png = it_img_encoded("png", &len);
	static const char *const fields[] = { "title", "tags", "caption" };
	const char *values[3];
	it_resp r;

	memset(title, 'x', 201);
	title[201] = '\0';
	memset(tag, 't', 65);
	tag[65] = '\0';
	values[0] = title;
	values[1] = tag;
	values[2] = "hello";
	for (int i = 0; i < 3; i++) {
		it_img_upload_parts(&r, a, (struct it_part[]){ { "file", "a.png", png, len }, { fields[i], NULL, values[i],
		    strlen(values[i]) } }, 2);
		it_expect_error(&r, 400, "invalid_request", fields[i], NULL);
		it_resp_free(&r);
	}
	ck_assert_int_eq(it_img_rows_of(uid), 0);
	gdFree(png);
	free(a);
}
END_TEST

/* --- process ------------------------------------------------------------- */

/* Each operation on the quadrants image, checked at sample pixels. */
START_TEST(each_operation_gives_its_pixels)
{
	char uid[IG_UUID_BUF], *a = it_img_user("ppa", uid);
	json_object *src = it_img_source_png(a), *im;
	const char *id = it_js(src, "id");
	gdImagePtr g;
	size_t len;
	char *bytes;

	/* rotate 90 clockwise: 32×64, the red top-left goes top-right, blue
	 * bottom-left comes top-left. */
	im = process(a, id, "[{\"op\":\"rotate\",\"degrees\":90}]");
	g = it_img_pixels(im);
	ck_assert_int_eq(gdImageSX(g), H);
	ck_assert_int_eq(gdImageSY(g), W);
	it_img_assert_pixel(g, H - 4, 4, RED, 0, "rotate 90");
	it_img_assert_pixel(g, 4, 4, BLUE, 0, "rotate 90");
	it_img_assert_pixel(g, 4, W - 4, WHITE, 0, "rotate 90");
	ck_assert_str_eq(it_js(im, "mime_type"), "image/png");
	gdImageDestroy(g);
	json_object_put(im);
	/* crop the green quadrant's corner */
	im = process(a, id, "[{\"op\":\"crop\",\"x\":36,\"y\":2,\"width\":16,\"height\":8}]");
	g = it_img_pixels(im);
	ck_assert_int_eq(gdImageSX(g), 16);
	ck_assert_int_eq(gdImageSY(g), 8);
	it_img_assert_pixel(g, 0, 0, GREEN, 0, "crop");
	it_img_assert_pixel(g, 15, 7, GREEN, 0, "crop");
	gdImageDestroy(g);
	json_object_put(im);
	/* flip horizontal: red top-right */
	im = process(a, id, "[{\"op\":\"flip\",\"direction\":\"horizontal\"}]");
	g = it_img_pixels(im);
	it_img_assert_pixel(g, W - 4, 4, RED, 0, "flip");
	it_img_assert_pixel(g, 4, H - 4, WHITE, 0, "flip");
	gdImageDestroy(g);
	json_object_put(im);
	/* grayscale: red becomes a grey (r = g = b, Rec. 601 luma about 76) */
	im = process(a, id, "[{\"op\":\"filter\",\"name\":\"grayscale\"}]");
	g = it_img_pixels(im);
	{
		int c = gdImageGetTrueColorPixel(g, 4, 4);
		ck_assert_int_eq(gdTrueColorGetRed(c), gdTrueColorGetGreen(c));
		ck_assert_int_eq(gdTrueColorGetGreen(c), gdTrueColorGetBlue(c));
		ck_assert_msg(gdTrueColorGetRed(c) > 40 && gdTrueColorGetRed(c) < 110, "grey %d", gdTrueColorGetRed(c));
	}
	it_img_assert_pixel(g, W - 4, H - 4, WHITE, 0, "grayscale");
	gdImageDestroy(g);
	json_object_put(im);
	/* invert: red becomes cyan */
	im = process(a, id, "[{\"op\":\"filter\",\"name\":\"invert\"}]");
	g = it_img_pixels(im);
	it_img_assert_pixel(g, 4, 4, 0x00ffff, 0, "invert");
	gdImageDestroy(g);
	json_object_put(im);
	/* convert to jpeg: JPEG bytes, type and extension; colours kept */
	im = process(a, id, "[{\"op\":\"convert\",\"format\":\"jpeg\",\"quality\":95}]");
	ck_assert_str_eq(it_js(im, "mime_type"), "image/jpeg");
	ck_assert_msg(strstr(it_js(im, "filename"), ".jpg") != NULL, "%s", it_js(im, "filename"));
	bytes = it_img_fetch(im, &len);
	ck_assert(len > 3 && memcmp(bytes, "\xff\xd8\xff", 3) == 0);
	free(bytes);
	g = it_img_pixels(im);
	it_img_assert_pixel(g, 4, 4, RED, 40, "convert jpeg");
	gdImageDestroy(g);
	json_object_put(im);
	/* watermark: the size stays, pixels near the bottom-right change, the
	 * top-left does not; Chinese text renders (the font has the glyphs) */
	im = process(a, id, "[{\"op\":\"watermark\",\"text\":\"水印 ok\",\"position\":\"top-left\",\"opacity\":1}]");
	g = it_img_pixels(im);
	ck_assert_int_eq(gdImageSX(g), W);
	it_img_assert_pixel(g, W - 2, H - 2, WHITE, 0, "watermark elsewhere");
	{
		int changed = 0;
		for (int y = 0; y < H / 2; y++)
			for (int x = 0; x < W / 2; x++)
				changed += gdImageGetTrueColorPixel(g, x, y) != 0xff0000;
		ck_assert_msg(changed > 10, "the watermark changed %d pixels of the red quadrant", changed);
	}
	gdImageDestroy(g);
	json_object_put(im);
	json_object_put(src);
	free(a);
}
END_TEST

/* Resize fits on the 64×32 input: contain into 32×32 gives 32×16, cover
 * 32×32 exactly (cropping the sides: top-left stays red, as the centre
 * crop keeps x 16..47 of the scaled 64), fill 10×40 exactly, a width alone
 * keeps the ratio. */
START_TEST(resize_fits_give_their_sizes)
{
	static const struct {
		const char *ops;
		int w, h;
	} cases[] = {
		{ "[{\"op\":\"resize\",\"width\":32,\"height\":32}]", 32, 16 },
		{ "[{\"op\":\"resize\",\"width\":32,\"height\":32,\"fit\":\"contain\"}]", 32, 16 },
		{ "[{\"op\":\"resize\",\"width\":32,\"height\":32,\"fit\":\"cover\"}]", 32, 32 },
		{ "[{\"op\":\"resize\",\"width\":10,\"height\":40,\"fit\":\"fill\"}]", 10, 40 },
		{ "[{\"op\":\"resize\",\"width\":32}]", 32, 16 },
		{ "[{\"op\":\"resize\",\"height\":64}]", 128, 64 },
	};
	char uid[IG_UUID_BUF], *a = it_img_user("ppb", uid);
	json_object *src = it_img_source_png(a);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *im = process(a, it_js(src, "id"), cases[i].ops);
		gdImagePtr g = it_img_pixels(im);

		ck_assert_msg(gdImageSX(g) == cases[i].w && gdImageSY(g) == cases[i].h, "%s: %dx%d, want %dx%d",
		    cases[i].ops, gdImageSX(g), gdImageSY(g), cases[i].w, cases[i].h);
		it_img_assert_pixel(g, 1, 1, RED, 24, cases[i].ops);
		it_img_assert_pixel(g, gdImageSX(g) - 2, gdImageSY(g) - 2, WHITE, 24, cases[i].ops);
		gdImageDestroy(g);
		json_object_put(im);
	}
	json_object_put(src);
	free(a);
}
END_TEST

/* Operations apply in order, the output keeps the source's format (a JPEG
 * stays a JPEG), and a chain of two processes is a lineage: each child's
 * parent_id, the sources' children lists, and the source unchanged. */
START_TEST(chain_and_lineage)
{
	char uid[IG_UUID_BUF], *a = it_img_user("ppc", uid), path[128], *sha_before, *sha_after;
	size_t jlen;
	unsigned char *jpeg = it_img_encoded("jpeg", &jlen);
	json_object *src = it_img_upload(a, jpeg, jlen, NULL, NULL), *b, *c, *o;
	gdImagePtr g;
	it_resp r;

	sha_before = it_psql("SELECT sha256 FROM images WHERE id = '%s'", it_sql_safe(it_js(src, "id")));
	/* crop the left half (red over blue), then turn it 180: blue on top */
	b = process(a, it_js(src, "id"),
	    "[{\"op\":\"crop\",\"x\":0,\"y\":0,\"width\":32,\"height\":32},{\"op\":\"rotate\",\"degrees\":180}]");
	ck_assert_str_eq(it_js(b, "mime_type"), "image/jpeg");
	ck_assert_str_eq(it_js(b, "operation"), "process");
	ck_assert_str_eq(it_js(b, "parent_id"), it_js(src, "id"));
	g = it_img_pixels(b);
	it_img_assert_pixel(g, 16, 4, BLUE, 40, "crop then rotate");
	it_img_assert_pixel(g, 16, 28, RED, 40, "crop then rotate");
	gdImageDestroy(g);
	it_json(&r, next_source(), "POST", "/api/image/process", a,
	    "{\"image_id\":\"%s\",\"operations\":[{\"op\":\"flip\",\"direction\":\"vertical\"}],\"title\":\"second\"}",
	    it_js(b, "id"));
	c = it_img_created(&r);
	ck_assert_str_eq(it_js(c, "parent_id"), it_js(b, "id"));
	ck_assert_str_eq(it_js(c, "title"), "second");
	g = it_img_pixels(c);
	it_img_assert_pixel(g, 16, 4, RED, 40, "flip back");
	gdImageDestroy(g);
	snprintf(path, sizeof(path), "/api/images/%s", it_js(src, "id"));
	it_json(&r, next_source(), "GET", path, a, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "image.children", json_type_array)), 1);
	ck_assert_str_eq(it_js(o, "image.children.0"), it_js(b, "id"));
	ck_assert_int_eq(it_jint(o, "image.width"), W);
	json_object_put(o);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/images/%s", it_js(b, "id"));
	it_json(&r, next_source(), "GET", path, a, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "image.children.0"), it_js(c, "id"));
	json_object_put(o);
	it_resp_free(&r);
	sha_after = it_psql("SELECT sha256 FROM images WHERE id = '%s'", it_sql_safe(it_js(src, "id")));
	ck_assert_str_eq(sha_before, sha_after);
	ck_assert_int_eq(it_img_rows_of(uid), 3);
	free(sha_before);
	free(sha_after);
	json_object_put(src);
	json_object_put(b);
	json_object_put(c);
	gdFree(jpeg);
	free(a);
}
END_TEST

/* Another user's image, an unknown id: 404 (never 403), nothing made. */
START_TEST(another_users_source_is_404)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = it_img_user("ppd", uid), *b = it_img_user("ppe", uid2);
	json_object *src = it_img_source_png(a);
	it_resp r;

	post_process(&r, b, it_js(src, "id"), "[{\"op\":\"flip\",\"direction\":\"vertical\"}]");
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	post_process(&r, b, "00000000-0000-4000-8000-000000000000", "[{\"op\":\"flip\",\"direction\":\"vertical\"}]");
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	post_process(&r, NULL, it_js(src, "id"), "[{\"op\":\"flip\",\"direction\":\"vertical\"}]");
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	ck_assert_int_eq(it_img_rows_of(uid), 1);
	ck_assert_int_eq(it_img_rows_of(uid2), 0);
	json_object_put(src);
	free(a);
	free(b);
}
END_TEST

/* Both routes change the gallery: an API key needs the generate scope,
 * as for PATCH (a read-only key is a 403), and nothing is stored. */
START_TEST(read_only_keys_cannot_write)
{
	char uid[IG_UUID_BUF], *a = it_img_user("ppg", uid), key[256];
	json_object *src = it_img_source_png(a), *o;
	size_t len;
	unsigned char *png = it_img_encoded("png", &len);
	it_resp r;

	it_json(&r, next_source(), "POST", "/api/keys", a, "{\"name\":\"ro\",\"scopes\":[\"read\"]}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(key, sizeof(key), "%s", it_js(o, "key"));
	json_object_put(o);
	it_resp_free(&r);
	post_process(&r, key, it_js(src, "id"), "[{\"op\":\"flip\",\"direction\":\"vertical\"}]");
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	it_img_upload_parts(&r, key, (struct it_part[]){ { "file", "a.png", png, len } }, 1);
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	ck_assert_int_eq(it_img_rows_of(uid), 1);
	gdFree(png);
	json_object_put(src);
	free(a);
}
END_TEST

/* A bad parameter names its operation's place and member, whether the
 * field reader or the operation refuses it; nothing is stored. */
START_TEST(bad_parameters_name_the_operation)
{
	static const struct {
		const char *ops, *field;
	} cases[] = {
		{ "[{\"op\":\"flip\",\"direction\":\"vertical\"},{\"op\":\"resize\",\"width\":0}]", "operations[1].width" },
		{ "[{\"op\":\"crop\",\"x\":60,\"y\":0,\"width\":10,\"height\":5}]", "operations[0].width" },
		{ "[{\"op\":\"crop\",\"x\":64,\"y\":0,\"width\":1,\"height\":1}]", "operations[0].x" },
		{ "[{\"op\":\"crop\",\"x\":0,\"y\":0,\"width\":4}]", "operations[0].height" },
		{ "[{\"op\":\"spin\"}]", "operations[0].op" },
		{ "[{\"degrees\":90}]", "operations[0].op" },
		{ "[{\"op\":\"rotate\",\"degrees\":\"90\"}]", "operations[0].degrees" },
		{ "[{\"op\":\"rotate\",\"degrees\":45,\"background\":\"red\"}]", "operations[0].background" },
		{ "[{\"op\":\"flip\",\"direction\":\"up\"}]", "operations[0].direction" },
		{ "[{\"op\":\"flip\",\"direction\":\"vertical\",\"angle\":3}]", "operations[0].angle" },
		{ "[{\"op\":\"filter\",\"name\":\"blur\",\"amount\":100}]", "operations[0].amount" },
		{ "[{\"op\":\"filter\",\"name\":\"emboss\",\"amount\":1}]", "operations[0].amount" },
		{ "[{\"op\":\"watermark\",\"text\":\"hi\",\"opacity\":2}]", "operations[0].opacity" },
		{ "[{\"op\":\"watermark\",\"text\":\"\"}]", "operations[0].text" },
		{ "[{\"op\":\"convert\",\"format\":\"gif\"}]", "operations[0].format" },
		{ "[{\"op\":\"convert\",\"format\":\"png\",\"quality\":80}]", "operations[0].quality" },
		{ "[{\"op\":\"resize\",\"width\":40000,\"height\":40000,\"fit\":\"fill\"}]", "operations[0].width" },
		{ "[1]", "operations[0]" },
		{ "[]", "operations" },
		{ "[{\"op\":\"flip\",\"direction\":\"vertical\"},{\"op\":\"flip\",\"direction\":\"vertical\"},"
		  "{\"op\":\"flip\",\"direction\":\"vertical\"},{\"op\":\"flip\",\"direction\":\"vertical\"},"
		  "{\"op\":\"flip\",\"direction\":\"vertical\"},{\"op\":\"flip\",\"direction\":\"vertical\"},"
		  "{\"op\":\"flip\",\"direction\":\"vertical\"},{\"op\":\"flip\",\"direction\":\"vertical\"},"
		  "{\"op\":\"flip\",\"direction\":\"vertical\"},{\"op\":\"flip\",\"direction\":\"vertical\"},"
		  "{\"op\":\"flip\",\"direction\":\"vertical\"}]", "operations" },
	};
	char uid[IG_UUID_BUF], *a = it_img_user("ppf", uid);
	json_object *src = it_img_source_png(a), *o;
	long files = store_files();
	it_resp r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		post_process(&r, a, it_js(src, "id"), cases[i].ops);
		ck_assert_msg(r.status == 400, "%s: %ld %s", cases[i].ops, r.status, r.body.data);
		it_expect_error(&r, 400, "invalid_request", cases[i].field, &o);
		/* The message says the place too, not the bare member. */
		if (strchr(cases[i].field, '['))
			ck_assert_msg(strstr(it_js(o, "error.message"), "operations[") != NULL, "%s", r.body.data);
		json_object_put(o);
		it_resp_free(&r);
	}
	ck_assert_int_eq(it_img_rows_of(uid), 1);
	ck_assert_int_eq(store_files(), files);
	json_object_put(src);
	free(a);
}
END_TEST

IT_MAIN("process", NULL,
    IT_TCASE("uploads", 120, &uploads_each_format, &refused_uploads_store_nothing, &oversize_uploads_are_413,
	&upload_text_parts_are_checked),
    IT_TCASE("process", 120, &each_operation_gives_its_pixels, &resize_fits_give_their_sizes, &chain_and_lineage,
	&another_users_source_is_404, &read_only_keys_cannot_write, &bad_parameters_name_the_operation))
