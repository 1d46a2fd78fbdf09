/* geometry.c — crop, rotate, flip; see ops.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/imaging/ops.h"
#include "lib/imaging/pixbuf.h"

gdImagePtr
ig_img_crop(gdImagePtr src, int x, int y, int width, int height, ig_err *err)
{
	int sw = gdImageSX(src), sh = gdImageSY(src);
	gdImagePtr dst;

	if (x < 0 || x >= sw)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "x", "x must be 0–%d", sw - 1), NULL;
	if (y < 0 || y >= sh)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "y", "y must be 0–%d", sh - 1), NULL;
	if (width < 1 || width > sw - x)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "width",
		    "width must be 1–%d (the image is %d wide, x is %d)", sw - x, sw, x), NULL;
	if (height < 1 || height > sh - y)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "height",
		    "height must be 1–%d (the image is %d high, y is %d)", sh - y, sh, y), NULL;
	if ((dst = ig_img_new(width, height)) == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image"), NULL;
	for (int j = 0; j < height; j++)
		for (int i = 0; i < width; i++)
			dst->tpixels[j][i] = ig_img_pixel(src, x + i, y + j);
	return dst;
}

gdImagePtr
ig_img_flip(gdImagePtr src, const char *direction, ig_err *err)
{
	int w = gdImageSX(src), h = gdImageSY(src), horiz;
	gdImagePtr dst;

	if (direction != NULL && strcmp(direction, "horizontal") == 0)
		horiz = 1;
	else if (direction != NULL && strcmp(direction, "vertical") == 0)
		horiz = 0;
	else
		return ig_err_set(err, IG_E_INVALID_REQUEST, "direction",
		    "direction must be horizontal or vertical"), NULL;
	if ((dst = ig_img_new(w, h)) == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image"), NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			dst->tpixels[y][x] = horiz ? ig_img_pixel(src, w - 1 - x, y) :
			    ig_img_pixel(src, x, h - 1 - y);
	return dst;
}

/* Quarter turns clockwise (1, 2, 3): pixels moved, nothing resampled. */
static gdImagePtr
rotate_quarter(gdImagePtr src, int q)
{
	int w = gdImageSX(src), h = gdImageSY(src);
	gdImagePtr dst = ig_img_new(q == 2 ? w : h, q == 2 ? h : w);

	if (dst == NULL)
		return NULL;
	for (int y = 0; y < gdImageSY(dst); y++)
		for (int x = 0; x < gdImageSX(dst); x++)
			dst->tpixels[y][x] = q == 1 ? ig_img_pixel(src, y, h - 1 - x) :
			    q == 2 ? ig_img_pixel(src, w - 1 - x, h - 1 - y) :
			    ig_img_pixel(src, w - 1 - y, x);
	return dst;
}

/* "#rrggbb" → packed opaque colour, "transparent" (or NULL) → transparent
 * black; -1 for anything else. */
static int
parse_background(const char *s)
{
	unsigned r, g, b;
	char tail;

	if (s == NULL || strcmp(s, "transparent") == 0)
		return gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent);
	if (strlen(s) != 7 || s[0] != '#' || strspn(s + 1, "0123456789abcdefABCDEF") != 6 ||
	    sscanf(s, "#%2x%2x%2x%c", &r, &g, &b, &tail) != 3)
		return -1;
	return gdTrueColorAlpha((int)r, (int)g, (int)b, 0);
}

/* One bilinear sample of src at (fx, fy) in pixel-centre coordinates, as
 * premultiplied float RGBA; points outside read the background. */
static void
sample(gdImagePtr src, const float bg[4], double fx, double fy, float out[4])
{
	int w = gdImageSX(src), h = gdImageSY(src), x0 = (int)floor(fx), y0 = (int)floor(fy);
	float tx = (float)(fx - x0), ty = (float)(fy - y0);

	out[0] = out[1] = out[2] = out[3] = 0;
	for (int k = 0; k < 4; k++) {
		int x = x0 + (k & 1), y = y0 + (k >> 1);
		float wt = ((k & 1) ? tx : 1 - tx) * ((k >> 1) ? ty : 1 - ty), p[4];
		if (wt == 0)
			continue;
		if (x < 0 || y < 0 || x >= w || y >= h) {
			memcpy(p, bg, sizeof(p));
		} else {
			int c = ig_img_pixel(src, x, y);
			p[3] = (float)(gdAlphaMax - gdTrueColorGetAlpha(c)) / gdAlphaMax;
			p[0] = (float)gdTrueColorGetRed(c) * p[3];
			p[1] = (float)gdTrueColorGetGreen(c) * p[3];
			p[2] = (float)gdTrueColorGetBlue(c) * p[3];
		}
		for (int i = 0; i < 4; i++)
			out[i] += wt * p[i];
	}
}

/* Any angle: each output pixel maps back into the source (inverse rotation
 * about the centres) and is sampled bilinearly. */
static gdImagePtr
rotate_free(gdImagePtr src, double rad, int bgc, long max_pixels, ig_err *err)
{
	int w = gdImageSX(src), h = gdImageSY(src);
	double c = cos(rad), s = sin(rad);
	double nw = ceil(fabs(w * c) + fabs(h * s) - 1e-6), nh = ceil(fabs(w * s) + fabs(h * c) - 1e-6);
	float bg[4];
	gdImagePtr dst;

	if (nw * nh > (double)max_pixels || nw > 65535 || nh > 65535)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "degrees",
		    "the turned image would be %.0f x %.0f pixels; at most %ld are allowed", nw,
		    nh, max_pixels), NULL;
	if ((dst = ig_img_new((int)nw, (int)nh)) == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image"), NULL;
	bg[3] = (float)(gdAlphaMax - gdTrueColorGetAlpha(bgc)) / gdAlphaMax;
	bg[0] = (float)gdTrueColorGetRed(bgc) * bg[3];
	bg[1] = (float)gdTrueColorGetGreen(bgc) * bg[3];
	bg[2] = (float)gdTrueColorGetBlue(bgc) * bg[3];
	for (int y = 0; y < (int)nh; y++) {
		double dy = y + 0.5 - nh / 2;
		for (int x = 0; x < (int)nw; x++) {
			double dx = x + 0.5 - nw / 2;
			/* Clockwise on screen (y down) is (x, y) → (x c - y s,
			 * x s + y c); its inverse reads the source. */
			double sx = dx * c + dy * s + w / 2.0 - 0.5, sy = -dx * s + dy * c + h / 2.0 - 0.5;
			float p[4];
			sample(src, bg, sx, sy, p);
			float m = p[3] > 1e-4f ? 1.0f / p[3] : 0.0f;
			dst->tpixels[y][x] = gdTrueColorAlpha(ig_clamp255(p[0] * m),
			    ig_clamp255(p[1] * m), ig_clamp255(p[2] * m),
			    gdAlphaMax - (int)(p[3] * gdAlphaMax + 0.5f));
		}
	}
	return dst;
}

gdImagePtr
ig_img_rotate(gdImagePtr src, double degrees, const char *background, long max_pixels,
    ig_err *err)
{
	int bgc = parse_background(background);
	double d;
	gdImagePtr dst;

	if (!isfinite(degrees) || degrees < -360.0 || degrees > 360.0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "degrees",
		    "degrees must be -360–360"), NULL;
	if (bgc == -1)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "background",
		    "background must be #rrggbb or transparent"), NULL;
	d = fmod(degrees, 360.0);
	if (d < 0)
		d += 360.0;
	if (d == 0.0 || d == 90.0 || d == 180.0 || d == 270.0) {
		dst = d == 0.0 ? ig_img_crop(src, 0, 0, gdImageSX(src), gdImageSY(src), err) :
		    rotate_quarter(src, (int)(d / 90.0));
		if (dst == NULL && d != 0.0)
			ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image");
		return dst;
	}
	return rotate_free(src, d * M_PI / 180.0, bgc, max_pixels, err);
}
