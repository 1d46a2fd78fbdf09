/*
 * resample.c — separable resampling (resize, upscale) with a Lanczos-3 or
 * Catmull-Rom kernel; see ops.h.
 *
 * Two 1-D passes with the weights precomputed once per output column and
 * once per output row. Source rows are filtered horizontally one at a time
 * and pushed into the few output rows whose vertical window holds them, so
 * no full-size intermediate image exists: besides the source and the
 * result, a 2× upscale of 1024² holds about a dozen rows of floats.
 * Colour is premultiplied by alpha while it is filtered, so transparent
 * pixels do not bleed their colour into their neighbours.
 */
#include "ig_autoconf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/pixbuf.h"

/* Largest side any operation produces (gd's own int arithmetic and the
 * weights tables stay far from overflow). */
#define MAX_SIDE 65535

static double
sinc(double x)
{
	if (fabs(x) < 1e-9)
		return 1.0;
	x *= M_PI;
	return sin(x) / x;
}

static double
k_lanczos3(double x)
{
	return fabs(x) < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
}

/* Keys' cubic convolution with a = -0.5 (Catmull-Rom). */
static double
k_bicubic(double x)
{
	const double a = -0.5;

	x = fabs(x);
	if (x < 1.0)
		return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
	if (x < 2.0)
		return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
	return 0.0;
}

static const struct {
	double (*fn)(double);
	double support;
} kernels[IG_KERNEL__MAX] = {
	[IG_KERNEL_LANCZOS3] = { k_lanczos3, 3.0 },
	[IG_KERNEL_BICUBIC] = { k_bicubic, 2.0 },
};

/* The weights of one axis: output i reads source samples start[i] …
 * start[i] + n[i] - 1 with weights w[i * taps …]. Taps outside the source
 * are folded onto its edge samples (edge replication). */
typedef struct axis {
	int *start, *n;
	float *w;
	int taps;
} axis;

static void
axis_free(axis *ax)
{
	free(ax->start);
	free(ax->n);
	free(ax->w);
}

static void
axis_init(axis *ax, int sn, int dn, ig_kernel k)
{
	double scale = (double)dn / sn, fs = scale < 1.0 ? scale : 1.0;
	double support = kernels[k].support / fs;
	int maxtaps = (int)ceil(2.0 * support) + 2;
	double *tw = ig_xmalloc((size_t)maxtaps * sizeof(double));

	ax->start = ig_xmalloc((size_t)dn * sizeof(int));
	ax->n = ig_xmalloc((size_t)dn * sizeof(int));
	ax->taps = maxtaps < sn ? maxtaps : sn;
	ax->w = ig_xcalloc((size_t)dn * (size_t)ax->taps, sizeof(float));
	for (int i = 0; i < dn; i++) {
		double c = (i + 0.5) / scale - 0.5, sum = 0.0;
		int lo = (int)ceil(c - support), hi = (int)floor(c + support);
		int s0 = lo < 0 ? 0 : lo, s1 = hi > sn - 1 ? sn - 1 : hi;
		float *w = ax->w + (size_t)i * (size_t)ax->taps;

		if (s0 > sn - 1)
			s0 = sn - 1;
		if (s1 < s0)
			s1 = s0;
		memset(tw, 0, (size_t)maxtaps * sizeof(double));
		for (int j = lo; j <= hi; j++) {
			int q = j < s0 ? s0 : j > s1 ? s1 : j;
			double v = kernels[k].fn((j - c) * fs);
			tw[q - s0] += v;
			sum += v;
		}
		/* Trim zero weights at both ends (the kernel's roots). */
		while (s1 > s0 && tw[s1 - s0] == 0.0)
			s1--;
		int first = 0;
		while (s0 + first < s1 && tw[first] == 0.0)
			first++;
		ax->start[i] = s0 + first;
		ax->n[i] = s1 - s0 - first + 1;
		if (sum == 0.0)
			sum = 1.0;
		for (int j = 0; j < ax->n[i]; j++)
			w[j] = (float)(tw[first + j] / sum);
	}
	free(tw);
}

/* One RGBA pixel as a GCC/Clang vector: one SSE register on x86-64, NEON
 * on arm64; plain scalar code elsewhere. The filters are 4-wide per tap. */
typedef float v4f __attribute__((vector_size(16)));

/* Source row y as premultiplied float RGBA (0–255, alpha 0–255). */
static void
load_row(gdImagePtr src, int y, v4f *out)
{
	static const float a255 = 255.0f / gdAlphaMax;
	int w = gdImageSX(src);

	for (int x = 0; x < w; x++) {
		int c = ig_img_pixel(src, x, y);
		float a = (float)(gdAlphaMax - gdTrueColorGetAlpha(c)) * a255, m = a * (1.0f / 255.0f);
		v4f p = { (float)gdTrueColorGetRed(c), (float)gdTrueColorGetGreen(c),
			(float)gdTrueColorGetBlue(c), 255.0f };
		out[x] = p * m;
	}
}

static void
filter_row(const axis *ax, int dw, const v4f *in, v4f *out)
{
	for (int i = 0; i < dw; i++) {
		const float *w = ax->w + (size_t)i * (size_t)ax->taps;
		const v4f *s = in + ax->start[i];
		v4f sum = { 0, 0, 0, 0 };
		for (int k = 0; k < ax->n[i]; k++)
			sum += w[k] * s[k];
		out[i] = sum;
	}
}

static void
accumulate(v4f *restrict acc, const v4f *restrict row, float w, int n)
{
	for (int i = 0; i < n; i++)
		acc[i] += w * row[i];
}

static void
store_row(const v4f *acc, int dw, int *row)
{
	for (int x = 0; x < dw; x++) {
		v4f p = acc[x];
		float a = p[3];
		if (a < 0.5f) {
			row[x] = gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent);
			continue;
		}
		if (a < 254.5f)
			p *= 255.0f / a;
		int ga = gdAlphaMax - (ig_clamp255(a) * gdAlphaMax + 127) / 255;
		row[x] = gdTrueColorAlpha(ig_clamp255(p[0]), ig_clamp255(p[1]), ig_clamp255(p[2]),
		    ga);
	}
}

/* The most output rows whose windows are open at once. */
static int
open_rows(const axis *ay, int sh, int dh)
{
	int lo = 0, hi = 0, most = 1;

	for (int j = 0; j < sh; j++) {
		while (hi < dh && ay->start[hi] <= j)
			hi++;
		if (hi - lo > most)
			most = hi - lo;
		while (lo < hi && ay->start[lo] + ay->n[lo] - 1 <= j)
			lo++;
	}
	return most;
}

/* src resampled to exactly dw × dh. */
static gdImagePtr
resample(gdImagePtr src, int dw, int dh, ig_kernel k)
{
	int sw = gdImageSX(src), sh = gdImageSY(src), nacc, lo = 0, hi = 0;
	size_t rowf = (size_t)dw;
	axis ax, ay;
	v4f *in, *hrow, *acc;
	gdImagePtr dst = ig_img_new(dw, dh);

	if (dst == NULL)
		return NULL;
	axis_init(&ax, sw, dw, k);
	axis_init(&ay, sh, dh, k);
	nacc = open_rows(&ay, sh, dh);
	in = ig_xmalloc((size_t)sw * sizeof(v4f));
	hrow = ig_xmalloc(rowf * sizeof(v4f));
	acc = ig_xmalloc((size_t)nacc * rowf * sizeof(v4f));
	for (int j = 0; j < sh && lo < dh; j++) {
		if (ay.start[hi < dh ? hi : dh - 1] > j && lo == hi)
			continue;       /* no output row reads this source row */
		load_row(src, j, in);
		filter_row(&ax, dw, in, hrow);
		while (hi < dh && ay.start[hi] <= j) {
			memset(acc + (size_t)(hi % nacc) * rowf, 0, rowf * sizeof(v4f));
			hi++;
		}
		for (int y = lo; y < hi; y++) {
			int t = j - ay.start[y];
			if (t < ay.n[y])
				accumulate(acc + (size_t)(y % nacc) * rowf, hrow,
				    ay.w[(size_t)y * (size_t)ay.taps + (size_t)t], dw);
		}
		while (lo < hi && ay.start[lo] + ay.n[lo] - 1 <= j) {
			store_row(acc + (size_t)(lo % nacc) * rowf, dw, dst->tpixels[lo]);
			lo++;
		}
	}
	free(acc);
	free(hrow);
	free(in);
	axis_free(&ax);
	axis_free(&ay);
	return dst;
}

/* The centred crop of src with the ratio bw : bh (for "cover"). */
static gdImagePtr
crop_to_ratio(gdImagePtr src, int bw, int bh, ig_err *err)
{
	int sw = gdImageSX(src), sh = gdImageSY(src), cw = sw, ch = sh;

	if ((int64_t)sw * bh > (int64_t)sh * bw)
		cw = (int)(((int64_t)sh * bw + bh / 2) / bh);
	else
		ch = (int)(((int64_t)sw * bh + bw / 2) / bw);
	cw = cw < 1 ? 1 : cw;
	ch = ch < 1 ? 1 : ch;
	return ig_img_crop(src, (sw - cw) / 2, (sh - ch) / 2, cw, ch, err);
}

static const char *const fits[] = { "contain", "cover", "fill" };
enum { FIT_CONTAIN, FIT_COVER, FIT_FILL, FIT__MAX };

static int
round_side(double v)
{
	return v < 1.0 ? 1 : v > MAX_SIDE ? MAX_SIDE : (int)(v + 0.5);
}

gdImagePtr
ig_img_resize(gdImagePtr src, int width, int height, const char *fit, ig_kernel kernel,
    long max_pixels, ig_err *err)
{
	int sw = gdImageSX(src), sh = gdImageSY(src), f = FIT__MAX, dw = width, dh = height;
	gdImagePtr box, out;

	if (width < 0 || width > MAX_SIDE)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "width", "width must be 0–%d", MAX_SIDE),
		    NULL;
	if (height < 0 || height > MAX_SIDE)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "height", "height must be 0–%d",
		    MAX_SIDE), NULL;
	if (width == 0 && height == 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "width",
		    "give width, height or both"), NULL;
	for (int i = 0; i < FIT__MAX; i++)
		if (fit == NULL || strcmp(fit, fits[i]) == 0) {
			f = fit == NULL ? FIT_CONTAIN : i;
			break;
		}
	if (f == FIT__MAX)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "fit",
		    "fit must be contain, cover or fill"), NULL;
	if ((unsigned)kernel >= IG_KERNEL__MAX)
		kernel = IG_KERNEL_LANCZOS3;
	if (width == 0 || height == 0) {
		/* One side given: the ratio decides the other, whatever fit. */
		if (width == 0)
			dw = round_side((double)sw * height / sh);
		else
			dh = round_side((double)sh * width / sw);
		f = FIT_FILL;
	} else if (f == FIT_CONTAIN) {
		double s = fmin((double)width / sw, (double)height / sh);
		dw = round_side(sw * s);
		dh = round_side(sh * s);
	}
	if ((int64_t)dw * dh > (int64_t)max_pixels)
		return ig_err_set(err, IG_E_INVALID_REQUEST, width ? "width" : "height",
		    "the result would be %d x %d pixels; at most %ld are allowed", dw, dh,
		    max_pixels), NULL;
	if (f != FIT_COVER)
		return resample(src, dw, dh, kernel);
	if ((box = crop_to_ratio(src, dw, dh, err)) == NULL)
		return NULL;
	out = resample(box, dw, dh, kernel);
	gdImageDestroy(box);
	return out;
}

gdImagePtr
ig_img_upscale(gdImagePtr src, int scale, const char *method, long max_pixels, ig_err *err)
{
	static const char *const methods[IG_KERNEL__MAX] = {
		[IG_KERNEL_LANCZOS3] = "lanczos", [IG_KERNEL_BICUBIC] = "bicubic",
	};
	int k = method == NULL ? IG_KERNEL_LANCZOS3 : -1;
	int64_t dw = (int64_t)gdImageSX(src) * scale, dh = (int64_t)gdImageSY(src) * scale;

	for (int i = 0; method != NULL && i < IG_KERNEL__MAX; i++)
		if (strcmp(method, methods[i]) == 0)
			k = i;
	if (k < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "method",
		    "method must be lanczos or bicubic"), NULL;
	if (scale != 2 && scale != 4)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "scale", "scale must be 2 or 4"), NULL;
	if (dw > MAX_SIDE || dh > MAX_SIDE || dw * dh > (int64_t)max_pixels)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "scale",
		    "%d x upscale gives %lld x %lld pixels; at most %ld are allowed", scale,
		    (long long)dw, (long long)dh, max_pixels), NULL;
	return resample(src, (int)dw, (int)dh, (ig_kernel)k);
}
