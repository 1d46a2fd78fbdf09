/*
 * test_imgops.c — lib/imaging/ops.h: each operation on a known synthetic
 * image, checked at sample pixels and sizes, and each bad parameter named.
 * Each test says what would be wrong if it failed.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/core/error.h"
#include "lib/imaging/ops.h"

#define RED gdTrueColorAlpha(255, 0, 0, 0)
#define WHITE gdTrueColorAlpha(255, 255, 255, 0)
#define MAXPX 16777216L
#define FONT_DEFAULT "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

static gdImagePtr
solid(int w, int h, int c)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	ck_assert_ptr_nonnull(im);
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] = c;
	return im;
}

/* Every pixel distinct: red = x, green = y. */
static gdImagePtr
coords(int w, int h)
{
	gdImagePtr im = solid(w, h, 0);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			im->tpixels[y][x] = gdTrueColorAlpha(x & 255, y & 255, 7, 0);
	return im;
}

/* Something with texture for the styles: gradients and a disc. */
static gdImagePtr
scene(int w, int h)
{
	gdImagePtr im = solid(w, h, 0);

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int dx = x - w / 2, dy = y - h / 2, in = dx * dx + dy * dy < w * h / 16;
			im->tpixels[y][x] = gdTrueColorAlpha(in ? 230 : x * 255 / w, y * 255 / h,
			    in ? 40 : 128, 0);
		}
	return im;
}

static int
px(gdImagePtr im, int x, int y)
{
	return im->tpixels[y][x];
}

static long
ndiff(gdImagePtr a, gdImagePtr b, int x0, int y0, int x1, int y1)
{
	long n = 0;

	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++)
			n += px(a, x, y) != px(b, x, y);
	return n;
}

static long
ndiff_all(gdImagePtr a, gdImagePtr b)
{
	ck_assert_int_eq(gdImageSX(a), gdImageSX(b));
	ck_assert_int_eq(gdImageSY(a), gdImageSY(b));
	return ndiff(a, b, 0, 0, gdImageSX(a), gdImageSY(a));
}

#define ASSERT_RGBA(c, r, g, b, a) do { \
	ck_assert_int_eq(gdTrueColorGetRed(c), (r)); \
	ck_assert_int_eq(gdTrueColorGetGreen(c), (g)); \
	ck_assert_int_eq(gdTrueColorGetBlue(c), (b)); \
	ck_assert_int_eq(gdTrueColorGetAlpha(c), (a)); \
} while (0)

#define ASSERT_FIELD(call, fld) do { \
	ig_err e_ = { 0 }; \
	gdImagePtr r_ = (call); \
	(void)e_; \
	ck_assert_ptr_null(r_); \
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST); \
	ck_assert_str_eq(err.field, (fld)); \
	memset(&err, 0, sizeof(err)); \
} while (0)

static void
destroy(gdImagePtr im)
{
	ck_assert_ptr_nonnull(im);
	gdImageDestroy(im);
}

/* --- resize -------------------------------------------------------------- */

/* Red left half, blue right half. */
static gdImagePtr
halves(int w, int h)
{
	gdImagePtr im = solid(w, h, RED);

	for (int y = 0; y < h; y++)
		for (int x = w / 2; x < w; x++)
			im->tpixels[y][x] = gdTrueColorAlpha(0, 0, 255, 0);
	return im;
}

/* Resizes of a 200×100 red | blue image: the size, and a pixel that must be
 * red and one that must be blue (x < 0: not checked). */
static const struct {
	int width, height;
	const char *fit;
	ig_kernel kernel;
	int w, h, rx, ry, bx, by;
} resize_cases[] = {
	/* contain: inside the box, ratio kept; NULL is contain */
	{ 100, 100, "contain", IG_KERNEL_LANCZOS3, 100, 50, 10, 25, 90, 25 },
	{ 100, 100, NULL, IG_KERNEL_BICUBIC, 100, 50, 10, 25, 90, 25 },
	/* cover: exactly the box from the centred 100×100, boundary in the middle */
	{ 100, 100, "cover", IG_KERNEL_LANCZOS3, 100, 100, 10, 50, 90, 50 },
	/* cover of a tall box: the 50-wide middle from x = 75, 25 red then 25
	 * blue, scaled ×2 */
	{ 100, 200, "cover", IG_KERNEL_LANCZOS3, 100, 200, 20, 100, 80, 100 },
	/* fill: stretched to exactly the box */
	{ 30, 90, "fill", IG_KERNEL_LANCZOS3, 30, 90, 2, 45, 28, 45 },
	/* one side given: the ratio decides the other, whatever the fit */
	{ 50, 0, "cover", IG_KERNEL_LANCZOS3, 50, 25, -1, 0, -1, 0 },
	{ 0, 300, NULL, IG_KERNEL_LANCZOS3, 600, 300, 100, 150, 500, 150 },
};

START_TEST(resize_fits_give_the_documented_sizes_and_pixels)
{
	ig_err err = { 0 };
	gdImagePtr src = halves(200, 100), r;

	r = ig_img_resize(src, resize_cases[_i].width, resize_cases[_i].height,
	    resize_cases[_i].fit, resize_cases[_i].kernel, MAXPX, &err);
	ck_assert_msg(r != NULL, "%s", err.message);
	ck_assert_int_eq(gdImageSX(r), resize_cases[_i].w);
	ck_assert_int_eq(gdImageSY(r), resize_cases[_i].h);
	if (resize_cases[_i].rx >= 0) {
		ASSERT_RGBA(px(r, resize_cases[_i].rx, resize_cases[_i].ry), 255, 0, 0, 0);
		ASSERT_RGBA(px(r, resize_cases[_i].bx, resize_cases[_i].by), 0, 0, 255, 0);
	}
	destroy(r);
	gdImageDestroy(src);
}
END_TEST

START_TEST(resize_is_lanczos_not_a_box_filter)
{
	/* A flat grey stays exactly that grey (weights sum to one), and an
	 * edge between 50 and 200 rings: Lanczos-3 overshoots below 50 just
	 * beside the edge, which a box, bilinear or gd's resampler never do. */
	ig_err err = { 0 };
	gdImagePtr src = solid(16, 16, gdTrueColorAlpha(50, 50, 50, 0)), r;
	int lo = 255, hi = 0;

	r = ig_img_upscale(src, 4, NULL, MAXPX, &err);
	ck_assert_int_eq(gdImageSX(r), 64);
	for (int x = 0; x < 64; x++)
		ASSERT_RGBA(px(r, x, 31), 50, 50, 50, 0);
	destroy(r);
	for (int y = 0; y < 16; y++)
		for (int x = 8; x < 16; x++)
			src->tpixels[y][x] = gdTrueColorAlpha(200, 200, 200, 0);
	r = ig_img_upscale(src, 2, "lanczos", MAXPX, &err);
	for (int x = 0; x < 32; x++) {
		int v = gdTrueColorGetRed(px(r, x, 16));
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	ck_assert_int_lt(lo, 50);
	ck_assert_int_gt(hi, 200);
	/* Far from the edge, the values are the source's. */
	ck_assert_int_eq(gdTrueColorGetRed(px(r, 2, 16)), 50);
	ck_assert_int_eq(gdTrueColorGetRed(px(r, 29, 16)), 200);
	destroy(r);
	gdImageDestroy(src);
}
END_TEST

START_TEST(resize_keeps_alpha_without_colour_bleed)
{
	/* Transparent pixels' colour must not leak into opaque neighbours:
	 * left half transparent *green*, right half opaque red. */
	ig_err err = { 0 };
	gdImagePtr src = solid(20, 20, RED), r;

	for (int y = 0; y < 20; y++)
		for (int x = 0; x < 10; x++)
			src->tpixels[y][x] = gdTrueColorAlpha(0, 255, 0, gdAlphaTransparent);
	r = ig_img_resize(src, 40, 40, "fill", IG_KERNEL_LANCZOS3, MAXPX, &err);
	ck_assert_int_eq(gdTrueColorGetAlpha(px(r, 2, 20)), gdAlphaTransparent);
	ASSERT_RGBA(px(r, 37, 20), 255, 0, 0, 0);
	for (int x = 18; x < 24; x++)
		if (gdTrueColorGetAlpha(px(r, x, 20)) < gdAlphaTransparent)
			ck_assert_int_lt(gdTrueColorGetGreen(px(r, x, 20)), 8);
	destroy(r);
	gdImageDestroy(src);
}
END_TEST

START_TEST(resize_and_upscale_name_the_bad_field)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(100, 100, RED);

	ASSERT_FIELD(ig_img_resize(src, -1, 10, NULL, 0, MAXPX, &err), "width");
	ASSERT_FIELD(ig_img_resize(src, 10, 70000, NULL, 0, MAXPX, &err), "height");
	ASSERT_FIELD(ig_img_resize(src, 0, 0, NULL, 0, MAXPX, &err), "width");
	ASSERT_FIELD(ig_img_resize(src, 10, 10, "stretch", 0, MAXPX, &err), "fit");
	ASSERT_FIELD(ig_img_resize(src, 5000, 5000, "fill", 0, MAXPX, &err), "width");
	ASSERT_FIELD(ig_img_upscale(src, 3, NULL, MAXPX, &err), "scale");
	ASSERT_FIELD(ig_img_upscale(src, 4, NULL, 100L * 100 * 16 - 1, &err), "scale");
	ASSERT_FIELD(ig_img_upscale(src, 2, "nearest", MAXPX, &err), "method");
	gdImageDestroy(src);
}
END_TEST

/* --- crop, rotate, flip -------------------------------------------------- */

START_TEST(crop_keeps_the_right_pixels_and_names_the_bad_field)
{
	ig_err err = { 0 };
	gdImagePtr src = coords(40, 30), r = ig_img_crop(src, 3, 4, 5, 6, &err);

	ck_assert_int_eq(gdImageSX(r), 5);
	ck_assert_int_eq(gdImageSY(r), 6);
	ASSERT_RGBA(px(r, 0, 0), 3, 4, 7, 0);
	ASSERT_RGBA(px(r, 4, 5), 7, 9, 7, 0);
	destroy(r);
	r = ig_img_crop(src, 0, 0, 40, 30, &err);
	ck_assert_int_eq(ndiff_all(r, src), 0);
	destroy(r);
	ASSERT_FIELD(ig_img_crop(src, -1, 0, 5, 5, &err), "x");
	ASSERT_FIELD(ig_img_crop(src, 40, 0, 1, 1, &err), "x");
	ASSERT_FIELD(ig_img_crop(src, 0, 30, 1, 1, &err), "y");
	ASSERT_FIELD(ig_img_crop(src, 36, 0, 5, 5, &err), "width");
	ASSERT_FIELD(ig_img_crop(src, 0, 0, 0, 5, &err), "width");
	ASSERT_FIELD(ig_img_crop(src, 0, 25, 5, 6, &err), "height");
	gdImageDestroy(src);
}
END_TEST

START_TEST(rotate_quarter_turns_move_the_corner_clockwise)
{
	static const struct {
		double deg;
		int w, h, x, y;
	} cases[] = {
		{ 90, 20, 40, 19, 0 }, { 180, 40, 20, 39, 19 }, { 270, 20, 40, 0, 39 },
		{ -90, 20, 40, 0, 39 }, { 360, 40, 20, 0, 0 },
	};
	ig_err err = { 0 };
	gdImagePtr src = solid(40, 20, WHITE);

	src->tpixels[0][0] = RED;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gdImagePtr r = ig_img_rotate(src, cases[i].deg, NULL, MAXPX, &err);
		ck_assert_int_eq(gdImageSX(r), cases[i].w);
		ck_assert_int_eq(gdImageSY(r), cases[i].h);
		ck_assert_int_eq(px(r, cases[i].x, cases[i].y), RED);
		/* Exactly one red pixel: a pure move, nothing resampled. */
		long reds = 0;
		for (int y = 0; y < cases[i].h; y++)
			for (int x = 0; x < cases[i].w; x++)
				reds += px(r, x, y) == RED;
		ck_assert_int_eq(reds, 1);
		destroy(r);
	}
	gdImageDestroy(src);
}
END_TEST

START_TEST(rotate_any_angle_grows_the_canvas_and_fills_the_background)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(60, 20, WHITE), r;

	/* A red block at the right-middle: a clockwise turn moves it down. */
	for (int y = 8; y < 12; y++)
		for (int x = 52; x < 60; x++)
			src->tpixels[y][x] = RED;
	r = ig_img_rotate(src, 30, "#00ff00", MAXPX, &err);
	/* 60 cos 30 + 20 sin 30 = 61.96, 60 sin 30 + 20 cos 30 = 47.3 */
	ck_assert_int_eq(gdImageSX(r), 62);
	ck_assert_int_eq(gdImageSY(r), 48);
	ASSERT_RGBA(px(r, 0, 0), 0, 255, 0, 0);
	ASSERT_RGBA(px(r, 31, 24), 255, 255, 255, 0);
	/* The block's centre (25, 0) from the middle goes to (21.7, 12.5). */
	ASSERT_RGBA(px(r, 31 + 21, 24 + 12), 255, 0, 0, 0);
	destroy(r);
	r = ig_img_rotate(src, -30, "transparent", MAXPX, &err);
	ck_assert_int_eq(gdTrueColorGetAlpha(px(r, 0, 0)), gdAlphaTransparent);
	ASSERT_RGBA(px(r, 31 + 21, 24 - 13), 255, 0, 0, 0);
	destroy(r);
	ASSERT_FIELD(ig_img_rotate(src, 400, NULL, MAXPX, &err), "degrees");
	ASSERT_FIELD(ig_img_rotate(src, 45, "#12345", MAXPX, &err), "background");
	ASSERT_FIELD(ig_img_rotate(src, 45, "red", MAXPX, &err), "background");
	ASSERT_FIELD(ig_img_rotate(src, 45, NULL, 1000, &err), "degrees");
	gdImageDestroy(src);
}
END_TEST

/* The chain (chain.c) read from JSON as a workflow's process step is:
 * applied in order, the last convert choosing the encoding; a refusal
 * says which operation. */
START_TEST(chain_applies_in_order_and_says_which_failed)
{
	ig_err err = { 0 };
	ig_img_op ops[3];
	ig_img_format fmt = IG_IMG_PNG;
	int quality = 0, failed = -1;
	gdImagePtr im = solid(10, 6, WHITE);
	json_object *list = json_tokener_parse("[{\"op\": \"flip\", \"direction\": \"vertical\"},"
	    " {\"op\": \"crop\", \"x\": 0, \"y\": 0, \"width\": 4, \"height\": 3},"
	    " {\"op\": \"convert\", \"format\": \"jpeg\", \"quality\": 70}]");

	im->tpixels[5][0] = RED;
	for (int i = 0; i < 3; i++)
		ig_img_op_from_json(json_object_array_get_idx(list, i), &ops[i]);
	ck_assert_int_eq(ig_img_apply_ops(&im, ops, 3, &fmt, &quality, &failed, &err), 0);
	ck_assert_int_eq(gdImageSX(im), 4);
	ck_assert_int_eq(gdImageSY(im), 3);
	ck_assert_int_eq(px(im, 0, 0), RED);
	ck_assert_int_eq(fmt, IG_IMG_JPEG);
	ck_assert_int_eq(quality, 70);
	/* A crop outside the (cropped) image: the second operation fails. */
	ops[1].x = 2;
	ops[1].width = 3;
	ck_assert_int_eq(ig_img_apply_ops(&im, ops, 2, &fmt, &quality, &failed, &err), -1);
	ck_assert_ptr_null(im);
	ck_assert_int_eq(failed, 1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	json_object_put(list);
}
END_TEST

START_TEST(flip_mirrors_and_names_direction)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(10, 6, WHITE), r;

	src->tpixels[0][0] = RED;
	r = ig_img_flip(src, "horizontal", &err);
	ck_assert_int_eq(px(r, 9, 0), RED);
	ck_assert_int_eq(px(r, 0, 0), WHITE);
	destroy(r);
	r = ig_img_flip(src, "vertical", &err);
	ck_assert_int_eq(px(r, 0, 5), RED);
	destroy(r);
	ASSERT_FIELD(ig_img_flip(src, "diagonal", &err), "direction");
	ASSERT_FIELD(ig_img_flip(src, NULL, &err), "direction");
	gdImageDestroy(src);
}
END_TEST

/* --- filters ------------------------------------------------------------- */

static int
filtered(int c, const char *name, double amount)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(8, 8, c), r = ig_img_filter(src, name, amount, &err);
	int out;

	ck_assert_msg(r != NULL, "%s: %s", name, err.message);
	out = px(r, 4, 4);
	gdImageDestroy(r);
	gdImageDestroy(src);
	return out;
}

START_TEST(filters_give_the_expected_values)
{
	/* Rec. 601 luma of pure red is 0.299 × 255 = 76.2. */
	ASSERT_RGBA(filtered(RED, "grayscale", IG_IMG_DEFAULT), 76, 76, 76, 0);
	ASSERT_RGBA(filtered(RED, "grayscale", 0), 255, 0, 0, 0);
	/* Sepia of white: the matrix rows sum to 1.351, 1.203, 0.937. */
	ASSERT_RGBA(filtered(WHITE, "sepia", IG_IMG_DEFAULT), 255, 255, 239, 0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(10, 20, 30, 0), "invert", 1), 245, 235, 225, 0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(100, 100, 100, 0), "brightness", 20), 151, 151, 151,
	    0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(100, 100, 100, 0), "brightness", -100), 0, 0, 0, 0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(100, 200, 128, 0), "contrast", 100), 73, 255, 129,
	    0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(100, 200, 128, 0), "contrast", -100), 128, 128, 128,
	    0);
	/* Flat areas: no edges, emboss keeps the grey, blur and sharpen keep
	 * the colour; alpha is kept. */
	ASSERT_RGBA(filtered(gdTrueColorAlpha(90, 90, 90, 40), "edge", IG_IMG_DEFAULT), 0, 0, 0,
	    40);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(90, 90, 90, 0), "emboss", IG_IMG_DEFAULT), 90, 90,
	    90, 0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(90, 30, 60, 0), "blur", 3), 90, 30, 60, 0);
	ASSERT_RGBA(filtered(gdTrueColorAlpha(90, 30, 60, 0), "sharpen", 2), 90, 30, 60, 0);
	ASSERT_RGBA(filtered(RED, "grayscale", 1) | 0, 76, 76, 76, 0);
}
END_TEST

START_TEST(filters_act_on_structure)
{
	ig_err err = { 0 };
	gdImagePtr dot = solid(21, 21, gdTrueColorAlpha(0, 0, 0, 0)), r, src = coords(16, 16);

	dot->tpixels[10][10] = WHITE;
	/* blur spreads the dot */
	r = ig_img_filter(dot, "blur", 1, &err);
	ck_assert_int_lt(gdTrueColorGetRed(px(r, 10, 10)), 255);
	ck_assert_int_gt(gdTrueColorGetRed(px(r, 11, 10)), 0);
	ck_assert_int_eq(gdTrueColorGetRed(px(r, 0, 0)), 0);
	destroy(r);
	/* sharpen makes it stand out more against a darker ring */
	r = ig_img_filter(dot, "edge", IG_IMG_DEFAULT, &err);
	ck_assert_int_gt(gdTrueColorGetRed(px(r, 11, 10)), 200);
	ck_assert_int_eq(gdTrueColorGetRed(px(r, 5, 5)), 0);
	destroy(r);
	/* pixelate 4: every 4×4 block is one colour, the average of its
	 * source (x 0–3 → red 1.5 → 2). */
	r = ig_img_filter(src, "pixelate", 4, &err);
	ck_assert_int_eq(px(r, 0, 0), px(r, 3, 3));
	ck_assert_int_ne(px(r, 3, 3), px(r, 4, 3));
	ASSERT_RGBA(px(r, 1, 1), 2, 2, 7, 0);
	destroy(r);
	gdImageDestroy(src);
	gdImageDestroy(dot);
}
END_TEST

START_TEST(filters_name_the_bad_field)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(8, 8, RED);

	ASSERT_FIELD(ig_img_filter(src, "vignette", IG_IMG_DEFAULT, &err), "name");
	ASSERT_FIELD(ig_img_filter(src, NULL, IG_IMG_DEFAULT, &err), "name");
	ASSERT_FIELD(ig_img_filter(src, "blur", 0, &err), "amount");
	ASSERT_FIELD(ig_img_filter(src, "blur", 51, &err), "amount");
	ASSERT_FIELD(ig_img_filter(src, "brightness", 101, &err), "amount");
	ASSERT_FIELD(ig_img_filter(src, "pixelate", 1, &err), "amount");
	ASSERT_FIELD(ig_img_filter(src, "grayscale", 1.5, &err), "amount");
	ASSERT_FIELD(ig_img_filter(src, "edge", 1, &err), "amount");
	gdImageDestroy(src);
}
END_TEST

/* --- watermark ----------------------------------------------------------- */

static const char *
font(void)
{
	const char *f = getenv("IG_FONT_PATH");

	return f != NULL && *f != 0 ? f : FONT_DEFAULT;
}

/* The watermark of text, centred with opacity 1, on a 200×100 grey image. */
static gdImagePtr
mark(gdImagePtr src, const char *text, const char *pos)
{
	ig_err err = { 0 };
	gdImagePtr r = ig_img_watermark(src, text, pos, 1.0, font(), &err);

	ck_assert_msg(r != NULL, "watermark: %s", err.message);
	return r;
}

START_TEST(watermark_chinese_draws_in_the_right_corner)
{
	gdImagePtr src = solid(400, 200, gdTrueColorAlpha(60, 90, 120, 0)), r;

	r = mark(src, "水印测试", "bottom-right");
	ck_assert_int_gt(ndiff(src, r, 200, 100, 400, 200), 200);
	ck_assert_int_eq(ndiff(src, r, 0, 0, 200, 100), 0);
	ck_assert_int_eq(ndiff(src, r, 0, 100, 200, 200), 0);
	destroy(r);
	r = mark(src, "水印测试", "top-left");
	ck_assert_int_gt(ndiff(src, r, 0, 0, 200, 100), 200);
	ck_assert_int_eq(ndiff(src, r, 200, 100, 400, 200), 0);
	destroy(r);
	r = mark(src, "透かし", "center");
	ck_assert_int_gt(ndiff(src, r, 100, 50, 300, 150), 200);
	ck_assert_int_eq(ndiff(src, r, 0, 0, 400, 30), 0);
	destroy(r);
	gdImageDestroy(src);
}
END_TEST

/* Ink of text drawn by libgd straight from the font at 40 pt. */
static gdImagePtr
gd_text(const char *text)
{
	gdImagePtr im = solid(120, 120, gdTrueColorAlpha(0, 0, 0, 0));
	int brect[8];
	char *e;

	gdImageAlphaBlending(im, 1);
	e = gdImageStringFTEx(im, brect, WHITE, font(), 40, 0, 20, 90, (char *)text, NULL);
	ck_assert_msg(e == NULL, "%s", e);
	return im;
}

START_TEST(watermark_glyphs_are_not_tofu)
{
	/* A font without CJK draws every Chinese character as the same
	 * missing-glyph box: 水 would look like U+10FFFD (private use, in no
	 * font) drawn from the same font, and 水 and 火 would be the same
	 * picture. */
	ig_err err = { 0 };
	gdImagePtr src = solid(200, 200, gdTrueColorAlpha(0, 0, 0, 0));
	gdImagePtr g_water = gd_text("水"), g_tofu = gd_text("\xf4\x8f\xbf\xbd");
	gdImagePtr g_kana = gd_text("か");
	gdImagePtr water = mark(src, "水", "center"), fire = mark(src, "火", "center");
	gdImagePtr trad = mark(src, "體", "center"), simp = mark(src, "体", "center");

	ck_assert_int_gt(ndiff_all(g_water, g_tofu), 100);
	ck_assert_int_gt(ndiff_all(g_kana, g_tofu), 100);
	ck_assert_int_gt(ndiff_all(water, fire), 100);
	ck_assert_int_gt(ndiff_all(trad, simp), 100);
	/* and the watermark refuses what the font lacks instead of a box */
	ASSERT_FIELD(ig_img_watermark(src, "水\xf4\x8f\xbf\xbd", NULL, 1, font(), &err), "text");
	ig_img_watermark(src, "水\xf4\x8f\xbf\xbd", NULL, 1, font(), &err);
	ck_assert_ptr_nonnull(strstr(err.message, "U+10FFFD"));
	gdImageDestroy(g_water);
	gdImageDestroy(g_tofu);
	gdImageDestroy(g_kana);
	gdImageDestroy(water);
	gdImageDestroy(fire);
	gdImageDestroy(trad);
	gdImageDestroy(simp);
	gdImageDestroy(src);
}
END_TEST

START_TEST(watermark_opacity_and_bad_fields)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(300, 100, gdTrueColorAlpha(60, 90, 120, 0)), r;
	char longtext[3 * 101 + 1] = "";

	r = ig_img_watermark(src, "hello", NULL, 0, font(), &err);
	ck_assert_int_eq(ndiff_all(src, r), 0);
	destroy(r);
	for (int i = 0; i < 100; i++)
		strcat(longtext, "字");
	r = ig_img_watermark(src, longtext, NULL, IG_IMG_DEFAULT, font(), &err);
	ck_assert_msg(r != NULL, "%s", err.message);
	destroy(r);
	strcat(longtext, "字");
	ASSERT_FIELD(ig_img_watermark(src, longtext, NULL, 1, font(), &err), "text");
	ASSERT_FIELD(ig_img_watermark(src, "", NULL, 1, font(), &err), "text");
	ASSERT_FIELD(ig_img_watermark(src, NULL, NULL, 1, font(), &err), "text");
	ASSERT_FIELD(ig_img_watermark(src, "bad \xc3", NULL, 1, font(), &err), "text");
	ASSERT_FIELD(ig_img_watermark(src, "over\xc0\xaflong", NULL, 1, font(), &err), "text");
	ASSERT_FIELD(ig_img_watermark(src, "two\nlines", NULL, 1, font(), &err), "text");
	ASSERT_FIELD(ig_img_watermark(src, "x", "middle", 1, font(), &err), "position");
	ASSERT_FIELD(ig_img_watermark(src, "x", NULL, 1.5, font(), &err), "opacity");
	ASSERT_FIELD(ig_img_watermark(src, "x", NULL, -0.1, font(), &err), "opacity");
	gdImageDestroy(src);
}
END_TEST

START_TEST(watermark_without_its_font_fails_clearly)
{
	/* A missing font must not fall back to boxes or nothing: the error
	 * names the file and the setting. */
	ig_err err = { 0 };
	gdImagePtr src = solid(100, 100, WHITE);

	ck_assert_ptr_null(ig_img_watermark(src, "水印", NULL, 1, "/nonexistent/font.ttf", &err));
	ck_assert_int_eq(err.code, IG_E_INTERNAL);
	ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/font.ttf"));
	ck_assert_ptr_nonnull(strstr(err.message, "IG_FONT_PATH"));
	gdImageDestroy(src);
}
END_TEST

/* --- codec --------------------------------------------------------------- */

START_TEST(encode_decode_round_trips_each_format)
{
	ig_err err = { 0 };
	gdImagePtr src = coords(32, 16), back = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	ig_img_format fmt;

	src->tpixels[3][3] = gdTrueColorAlpha(1, 2, 3, 100);
	ck_assert_int_eq(ig_img_encode(src, IG_IMG_PNG, 0, &buf, &len, &err), 0);
	ck_assert_int_eq(ig_img_decode(buf, len, MAXPX, &fmt, &back, &err), 0);
	ck_assert_int_eq(fmt, IG_IMG_PNG);
	ck_assert_int_eq(ndiff_all(src, back), 0);
	gdImageDestroy(back);
	free(buf);
	ck_assert_int_eq(ig_img_encode(src, IG_IMG_JPEG, 95, &buf, &len, &err), 0);
	ck_assert_int_eq(ig_img_decode(buf, len, MAXPX, &fmt, &back, &err), 0);
	ck_assert_int_eq(fmt, IG_IMG_JPEG);
	ck_assert_int_eq(gdImageSX(back), 32);
	/* the translucent pixel went onto white: much lighter than (1,2,3) */
	ck_assert_int_gt(gdTrueColorGetRed(px(back, 3, 3)), 100);
	gdImageDestroy(back);
	free(buf);
	ck_assert_int_eq(ig_img_encode(src, IG_IMG_WEBP, 80, &buf, &len, &err), 0);
	ck_assert_int_eq(ig_img_decode(buf, len, MAXPX, &fmt, &back, &err), 0);
	ck_assert_int_eq(fmt, IG_IMG_WEBP);
	ck_assert_int_eq(gdImageSY(back), 16);
	gdImageDestroy(back);
	free(buf);
	ck_assert_int_eq(ig_img_encode(src, IG_IMG_JPEG, 101, &buf, &len, &err), -1);
	ck_assert_str_eq(err.field, "quality");
	ck_assert_int_eq(ig_img_encode(src, IG_IMG_UNKNOWN, 50, &buf, &len, &err), -1);
	ck_assert_str_eq(err.field, "format");
	ck_assert_int_eq(ig_img_format_from_name("jpg"), IG_IMG_JPEG);
	ck_assert_int_eq(ig_img_format_from_name("gif"), IG_IMG_UNKNOWN);
	gdImageDestroy(src);
}
END_TEST

START_TEST(png_opaque_and_palette_images_round_trip)
{
	/* An opaque image is written as RGB (colour type 2, IHDR byte 25),
	 * one with alpha as RGBA (6); a palette PNG from elsewhere comes back
	 * true colour with its colours and its transparent index. */
	ig_err err = { 0 };
	gdImagePtr src = coords(20, 10), back = NULL, pal = gdImageCreate(6, 4);
	unsigned char *buf = NULL;
	size_t len = 0;
	ig_img_format fmt;
	int size = 0, green, clear;
	void *pbuf;

	ck_assert_int_eq(ig_img_encode(src, IG_IMG_PNG, 0, &buf, &len, &err), 0);
	ck_assert_int_eq(buf[25], 2);
	ck_assert_int_eq(ig_img_decode(buf, len, MAXPX, &fmt, &back, &err), 0);
	ck_assert_int_eq(ndiff_all(src, back), 0);
	gdImageDestroy(back);
	free(buf);
	src->tpixels[9][19] = gdTrueColorAlpha(9, 9, 9, gdAlphaTransparent);
	ck_assert_int_eq(ig_img_encode(src, IG_IMG_PNG, 0, &buf, &len, &err), 0);
	ck_assert_int_eq(buf[25], 6);
	free(buf);
	green = gdImageColorAllocate(pal, 0, 200, 0);
	clear = gdImageColorAllocate(pal, 1, 2, 3);
	gdImageColorTransparent(pal, clear);
	gdImageFilledRectangle(pal, 0, 0, 5, 3, green);
	gdImageSetPixel(pal, 5, 3, clear);
	pbuf = gdImagePngPtr(pal, &size);
	ck_assert_int_eq(ig_img_decode(pbuf, (size_t)size, MAXPX, &fmt, &back, &err), 0);
	ck_assert(gdImageTrueColor(back));
	ASSERT_RGBA(px(back, 0, 0), 0, 200, 0, 0);
	ck_assert_int_eq(gdTrueColorGetAlpha(px(back, 5, 3)), gdAlphaTransparent);
	gdImageDestroy(back);
	gdFree(pbuf);
	gdImageDestroy(pal);
	gdImageDestroy(src);
}
END_TEST

START_TEST(decode_refuses_a_bomb_before_decoding)
{
	/* A 16000×16000 declaration must be refused from its header. */
	ig_err err = { 0 };
	gdImagePtr src = solid(4, 4, RED), back = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	ig_img_format fmt;

	ck_assert_int_eq(ig_img_encode(src, IG_IMG_PNG, 0, &buf, &len, &err), 0);
	ck_assert_int_eq(ig_img_decode(buf, len, 15, &fmt, &back, &err), -1);
	ck_assert_int_eq(err.code, IG_E_PAYLOAD_TOO_LARGE);
	buf[16] = 0, buf[17] = 0, buf[18] = 0x3e, buf[19] = 0x80;      /* width 16000 */
	buf[20] = 0, buf[21] = 0, buf[22] = 0x3e, buf[23] = 0x80;
	{
		/* the IHDR CRC (type and data, bytes 12–28), bitwise */
		uint32_t crc = 0xffffffffu;
		for (int i = 12; i < 29; i++) {
			crc ^= buf[i];
			for (int k = 0; k < 8; k++)
				crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
		}
		crc = ~crc;
		buf[29] = (unsigned char)(crc >> 24), buf[30] = (unsigned char)(crc >> 16);
		buf[31] = (unsigned char)(crc >> 8), buf[32] = (unsigned char)crc;
	}
	ck_assert_int_eq(ig_img_decode(buf, len, MAXPX, &fmt, &back, &err), -1);
	ck_assert_int_eq(err.code, IG_E_PAYLOAD_TOO_LARGE);
	ck_assert_int_eq(ig_img_decode((const unsigned char *)"GIF89a....", 10, MAXPX, &fmt,
	    &back, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_ptr_null(back);
	free(buf);
	gdImageDestroy(src);
}
END_TEST

/* --- styles and variations ----------------------------------------------- */

static const char *const style_names[] = {
	"grayscale", "sepia", "sketch", "emboss", "pixelate", "posterize", "vintage",
	"oil_painting", "watercolor",
};

START_TEST(each_style_changes_the_image_and_strength_zero_does_not)
{
	ig_err err = { 0 };
	const char *name = style_names[_i];
	gdImagePtr src = scene(96, 64), full, none, half;

	full = ig_img_style(src, name, 1, &err);
	ck_assert_msg(full != NULL, "%s: %s", name, err.message);
	none = ig_img_style(src, name, 0, &err);
	half = ig_img_style(src, name, 0.5, &err);
	ck_assert_int_eq(ndiff_all(src, none), 0);
	ck_assert_int_gt(ndiff_all(src, full), 96 * 64 / 4);
	/* halfway sits between the source and the full style */
	{
		int s = gdTrueColorGetRed(px(src, 10, 10)), f = gdTrueColorGetRed(px(full, 10, 10));
		int h = gdTrueColorGetRed(px(half, 10, 10));
		ck_assert_int_le(abs(h - (s + f) / 2), 1);
	}
	gdImageDestroy(full);
	gdImageDestroy(none);
	gdImageDestroy(half);
	gdImageDestroy(src);
}
END_TEST

static int
styled(int c, const char *name, int x, int y)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(64, 64, c), r = ig_img_style(src, name, IG_IMG_DEFAULT, &err);
	int out;

	ck_assert_msg(r != NULL, "%s: %s", name, err.message);
	ck_assert_int_eq(gdImageSX(r), 64);
	out = px(r, x, y);
	gdImageDestroy(r);
	gdImageDestroy(src);
	return out;
}

START_TEST(styles_give_the_expected_values)
{
	int grey = gdTrueColorAlpha(100, 100, 100, 0);

	ASSERT_RGBA(styled(RED, "grayscale", 5, 5), 76, 76, 76, 0);
	ASSERT_RGBA(styled(WHITE, "sepia", 5, 5), 255, 255, 239, 0);
	/* 4 levels: 100/255 × 3 = 1.18 → level 1 = 85 */
	ASSERT_RGBA(styled(grey, "posterize", 5, 5), 85, 85, 85, 0);
	/* a flat area has no strokes: the sketch is white paper */
	ASSERT_RGBA(styled(grey, "sketch", 32, 32), 255, 255, 255, 0);
	ASSERT_RGBA(styled(grey, "emboss", 5, 5), 100, 100, 100, 0);
	ASSERT_RGBA(styled(grey, "oil_painting", 5, 5), 100, 100, 100, 0);
	ASSERT_RGBA(styled(grey, "pixelate", 5, 5), 100, 100, 100, 0);
	/* vintage: the corners darker than the centre */
	ck_assert_int_lt(gdTrueColorGetRed(styled(grey, "vintage", 0, 0)),
	    gdTrueColorGetRed(styled(grey, "vintage", 32, 32)) - 20);
}
END_TEST

START_TEST(style_names_the_bad_field)
{
	ig_err err = { 0 };
	gdImagePtr src = solid(8, 8, RED);

	ASSERT_FIELD(ig_img_style(src, "cubism", 1, &err), "style");
	ASSERT_FIELD(ig_img_style(src, "sepia", 1.01, &err), "strength");
	ASSERT_FIELD(ig_img_style(src, "sepia", -0.5, &err), "strength");
	gdImageDestroy(src);
}
END_TEST

START_TEST(variations_are_seeded_and_all_differ)
{
	ig_err err = { 0 };
	gdImagePtr src = scene(80, 60), v[4], again;

	for (int i = 0; i < 4; i++) {
		v[i] = ig_img_variation(src, (uint64_t)i + 1, &err);
		ck_assert_ptr_nonnull(v[i]);
		ck_assert_int_gt(ndiff_all(src, v[i]), 80 * 60 / 2);
		for (int j = 0; j < i; j++)
			ck_assert_int_gt(ndiff_all(v[i], v[j]), 80 * 60 / 2);
	}
	again = ig_img_variation(src, 3, &err);
	ck_assert_int_eq(ndiff_all(again, v[2]), 0);
	gdImageDestroy(again);
	for (int i = 0; i < 4; i++)
		gdImageDestroy(v[i]);
	gdImageDestroy(src);
}
END_TEST

static Suite *
imgops_suite(void)
{
	Suite *s = suite_create("imgops");
	TCase *g = tcase_create("geometry"), *f = tcase_create("filters");
	TCase *w = tcase_create("watermark"), *c = tcase_create("codec");
	TCase *st = tcase_create("styles");

	tcase_add_loop_test(g, resize_fits_give_the_documented_sizes_and_pixels, 0,
	    (int)(sizeof(resize_cases) / sizeof(resize_cases[0])));
	tcase_add_test(g, resize_is_lanczos_not_a_box_filter);
	tcase_add_test(g, resize_keeps_alpha_without_colour_bleed);
	tcase_add_test(g, resize_and_upscale_name_the_bad_field);
	tcase_add_test(g, crop_keeps_the_right_pixels_and_names_the_bad_field);
	tcase_add_test(g, rotate_quarter_turns_move_the_corner_clockwise);
	tcase_add_test(g, rotate_any_angle_grows_the_canvas_and_fills_the_background);
	tcase_add_test(g, flip_mirrors_and_names_direction);
	suite_add_tcase(s, g);
	tcase_add_test(f, filters_give_the_expected_values);
	tcase_add_test(f, filters_act_on_structure);
	tcase_add_test(f, filters_name_the_bad_field);
	suite_add_tcase(s, f);
	tcase_set_timeout(w, 60);
	tcase_add_test(w, watermark_chinese_draws_in_the_right_corner);
	tcase_add_test(w, watermark_glyphs_are_not_tofu);
	tcase_add_test(w, watermark_opacity_and_bad_fields);
	tcase_add_test(w, watermark_without_its_font_fails_clearly);
	suite_add_tcase(s, w);
	tcase_add_test(c, encode_decode_round_trips_each_format);
	tcase_add_test(c, chain_applies_in_order_and_says_which_failed);
	tcase_add_test(c, png_opaque_and_palette_images_round_trip);
	tcase_add_test(c, decode_refuses_a_bomb_before_decoding);
	suite_add_tcase(s, c);
	tcase_set_timeout(st, 60);
	tcase_add_loop_test(st, each_style_changes_the_image_and_strength_zero_does_not, 0,
	    (int)(sizeof(style_names) / sizeof(style_names[0])));
	tcase_add_test(st, styles_give_the_expected_values);
	tcase_add_test(st, style_names_the_bad_field);
	tcase_add_test(st, variations_are_seeded_and_all_differ);
	suite_add_tcase(s, st);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(imgops_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
