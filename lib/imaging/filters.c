/* filters.c — the process chain's filters; see ops.h for names and ranges. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/pixbuf.h"

#define EACH_PIXEL(pb, p) \
	for (float *p = (pb)->px, *p##_end = p + (size_t)(pb)->w * (size_t)(pb)->h * 4; \
	    p < p##_end; p += 4)

void
ig_fx_grayscale(ig_pixbuf *pb, float amount)
{
	EACH_PIXEL(pb, p) {
		float l = ig_luma(p[0], p[1], p[2]);
		for (int i = 0; i < 3; i++)
			p[i] = ig_mix(p[i], l, amount);
	}
}

void
ig_fx_sepia(ig_pixbuf *pb, float amount)
{
	/* The common sepia matrix (as in CSS Filter Effects' sepia()). */
	EACH_PIXEL(pb, p) {
		float r = 0.393f * p[0] + 0.769f * p[1] + 0.189f * p[2];
		float g = 0.349f * p[0] + 0.686f * p[1] + 0.168f * p[2];
		float b = 0.272f * p[0] + 0.534f * p[1] + 0.131f * p[2];
		p[0] = ig_mix(p[0], r > 255 ? 255 : r, amount);
		p[1] = ig_mix(p[1], g > 255 ? 255 : g, amount);
		p[2] = ig_mix(p[2], b > 255 ? 255 : b, amount);
	}
}

void
ig_fx_invert(ig_pixbuf *pb, float amount)
{
	EACH_PIXEL(pb, p)
		for (int i = 0; i < 3; i++)
			p[i] = ig_mix(p[i], 255.0f - p[i], amount);
}

void
ig_fx_brightness(ig_pixbuf *pb, float amount)
{
	float add = amount * 2.55f;

	EACH_PIXEL(pb, p)
		for (int i = 0; i < 3; i++)
			p[i] += add;
}

void
ig_fx_contrast(ig_pixbuf *pb, float amount)
{
	/* -100 flattens to mid-grey, +100 doubles the distance from it. */
	float f = (100.0f + amount) / 100.0f;

	EACH_PIXEL(pb, p)
		for (int i = 0; i < 3; i++)
			p[i] = (p[i] - 127.5f) * f + 127.5f;
}

void
ig_fx_blur(ig_pixbuf *pb, float sigma)
{
	ig_pixbuf_blur(pb, sigma);
}

void
ig_fx_sharpen(ig_pixbuf *pb, float gain)
{
	ig_pixbuf *soft = ig_pixbuf_copy(pb);
	size_t n = (size_t)pb->w * (size_t)pb->h * 4;

	ig_pixbuf_blur(soft, 1.0f);
	for (size_t i = 0; i < n; i += 4)
		for (int c = 0; c < 3; c++)
			pb->px[i + c] += gain * (pb->px[i + c] - soft->px[i + c]);
	ig_pixbuf_free(soft);
}

/* The luma of pb, one float a pixel. */
static float *
luma_plane(const ig_pixbuf *pb)
{
	size_t n = (size_t)pb->w * (size_t)pb->h;
	float *l = ig_xmalloc(n * sizeof(float));

	for (size_t i = 0; i < n; i++)
		l[i] = ig_luma(pb->px[i * 4], pb->px[i * 4 + 1], pb->px[i * 4 + 2]);
	return l;
}

/* A 3×3 kernel over the luma (edges clamped), written back as grey:
 * offset + the response (emboss), or its magnitude with a second kernel
 * (Sobel edges). */
static void
convolve_grey(ig_pixbuf *pb, const float k1[9], const float *k2, float offset)
{
	float *l = luma_plane(pb);
	int w = pb->w, h = pb->h;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			float s1 = 0, s2 = 0, v;
			for (int j = -1; j <= 1; j++)
				for (int i = -1; i <= 1; i++) {
					int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
					int yy = y + j < 0 ? 0 : y + j >= h ? h - 1 : y + j;
					float q = l[(size_t)yy * w + xx];
					s1 += k1[(j + 1) * 3 + i + 1] * q;
					if (k2 != NULL)
						s2 += k2[(j + 1) * 3 + i + 1] * q;
				}
			v = k2 != NULL ? sqrtf(s1 * s1 + s2 * s2) : s1 + offset;
			float *p = pb->px + ((size_t)y * w + x) * 4;
			p[0] = p[1] = p[2] = v;
		}
	free(l);
}

void
ig_fx_emboss(ig_pixbuf *pb, float unused)
{
	static const float k[9] = { -2, -1, 0, -1, 1, 1, 0, 1, 2 };

	(void)unused;
	/* The kernel sums to 1: a flat area keeps its grey. */
	convolve_grey(pb, k, NULL, 0.0f);
}

void
ig_fx_edge(ig_pixbuf *pb, float unused)
{
	static const float gx[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
	static const float gy[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };

	(void)unused;
	convolve_grey(pb, gx, gy, 0.0f);
}

void
ig_fx_pixelate(ig_pixbuf *pb, float block)
{
	int b = (int)block, w = pb->w, h = pb->h;

	for (int y0 = 0; y0 < h; y0 += b)
		for (int x0 = 0; x0 < w; x0 += b) {
			int y1 = y0 + b < h ? y0 + b : h, x1 = x0 + b < w ? x0 + b : w;
			float s[4] = { 0, 0, 0, 0 }, n = (float)((y1 - y0) * (x1 - x0));
			for (int y = y0; y < y1; y++)
				for (int x = x0; x < x1; x++)
					for (int c = 0; c < 4; c++)
						s[c] += pb->px[((size_t)y * w + x) * 4 + c];
			for (int y = y0; y < y1; y++)
				for (int x = x0; x < x1; x++)
					for (int c = 0; c < 4; c++)
						pb->px[((size_t)y * w + x) * 4 + c] = s[c] / n;
		}
}

/* The filter table: name, function, amount range and default; lo > hi
 * means the filter takes no amount. */
static const struct filter {
	const char *name;
	void (*fn)(ig_pixbuf *, float);
	float lo, hi, def;
} filters[] = {
	{ "grayscale", ig_fx_grayscale, 0, 1, 1 },
	{ "sepia", ig_fx_sepia, 0, 1, 1 },
	{ "blur", ig_fx_blur, 0.5f, 50, 2 },
	{ "sharpen", ig_fx_sharpen, 0, 5, 1 },
	{ "invert", ig_fx_invert, 0, 1, 1 },
	{ "brightness", ig_fx_brightness, -100, 100, 20 },
	{ "contrast", ig_fx_contrast, -100, 100, 20 },
	{ "emboss", ig_fx_emboss, 1, 0, 0 },
	{ "edge", ig_fx_edge, 1, 0, 0 },
	{ "pixelate", ig_fx_pixelate, 2, 256, 8 },
};

gdImagePtr
ig_img_filter(gdImagePtr src, const char *name, double amount, ig_err *err)
{
	const struct filter *f = NULL;
	ig_pixbuf *pb;
	gdImagePtr out;
	int given = amount != IG_IMG_DEFAULT;

	for (size_t i = 0; name != NULL && i < sizeof(filters) / sizeof(filters[0]); i++)
		if (strcmp(name, filters[i].name) == 0)
			f = &filters[i];
	if (f == NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "name",
		    "name must be grayscale, sepia, blur, sharpen, invert, brightness, contrast, "
		    "emboss, edge or pixelate"), NULL;
	if (given && f->lo > f->hi)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "amount",
		    "filter %s takes no amount", f->name), NULL;
	if (given && !(amount >= f->lo && amount <= f->hi))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "amount",
		    "amount of %s must be %g–%g", f->name, (double)f->lo, (double)f->hi), NULL;
	pb = ig_pixbuf_from_gd(src);
	f->fn(pb, given ? (float)amount : f->def);
	out = ig_pixbuf_to_gd(pb);
	ig_pixbuf_free(pb);
	if (out == NULL)
		ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image");
	return out;
}
