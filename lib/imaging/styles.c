/* styles.c — the builtin style transfers and seeded variations; see ops.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/pixbuf.h"

static void
st_grayscale(ig_pixbuf *pb)
{
	ig_fx_grayscale(pb, 1.0f);
}

static void
st_sepia(ig_pixbuf *pb)
{
	ig_fx_sepia(pb, 1.0f);
}

static void
st_emboss(ig_pixbuf *pb)
{
	ig_fx_emboss(pb, 0.0f);
}

/* Blocks about 1/48 of the shorter side, at least 4 px. */
static void
st_pixelate(ig_pixbuf *pb)
{
	int s = (pb->w < pb->h ? pb->w : pb->h) / 48;

	ig_fx_pixelate(pb, (float)(s < 4 ? 4 : s));
}

static void
posterize(ig_pixbuf *pb, int levels)
{
	float q = (float)(levels - 1);
	size_t n = (size_t)pb->w * (size_t)pb->h * 4;

	for (size_t i = 0; i < n; i += 4)
		for (int c = 0; c < 3; c++) {
			float v = pb->px[i + c] < 0 ? 0 : pb->px[i + c] > 255 ? 255 : pb->px[i + c];
			pb->px[i + c] = roundf(v / 255.0f * q) / q * 255.0f;
		}
}

/* Each pixel of pb mixed with the same pixel of layer (a copy of pb
 * transformed), by mix; frees layer. */
static void
mix_layer(ig_pixbuf *pb, ig_pixbuf *layer, void (*mix)(float *p, const float *l))
{
	size_t n = (size_t)pb->w * (size_t)pb->h * 4;

	for (size_t i = 0; i < n; i += 4)
		mix(pb->px + i, layer->px + i);
	ig_pixbuf_free(layer);
}

static void
st_posterize(ig_pixbuf *pb)
{
	posterize(pb, 4);
}

/* Pencil sketch: grey, then a colour dodge of the grey by its blurred
 * negative — flat areas go white, edges stay dark. */
static void
dodge(float *p, const float *neg)
{
	float d = 255.0f - neg[0], v = d < 1.0f ? 255.0f : p[0] * 255.0f / d;

	p[0] = p[1] = p[2] = v > 255 ? 255 : v;
}

static void
st_sketch(ig_pixbuf *pb)
{
	ig_pixbuf *neg;

	ig_fx_grayscale(pb, 1.0f);
	neg = ig_pixbuf_copy(pb);
	ig_fx_invert(neg, 1.0f);
	ig_pixbuf_blur(neg, 3.0f);
	mix_layer(pb, neg, dodge);
}

/* Faded warm sepia with lowered contrast and a dark vignette. */
static void
st_vintage(ig_pixbuf *pb)
{
	float cx = pb->w / 2.0f, cy = pb->h / 2.0f, r2 = cx * cx + cy * cy;

	ig_fx_sepia(pb, 0.65f);
	ig_fx_contrast(pb, -15.0f);
	for (int y = 0; y < pb->h; y++)
		for (int x = 0; x < pb->w; x++) {
			float *p = pb->px + ((size_t)y * pb->w + x) * 4;
			float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
			float v = 1.0f - 0.45f * (dx * dx + dy * dy) / r2;
			p[0] = (p[0] + 12.0f) * v;
			p[1] = (p[1] + 4.0f) * v;
			p[2] = p[2] * v;
		}
}

/* Oil paint: each pixel takes the mean colour of the most common
 * intensity bin in its neighbourhood (radius 3, 16 bins). */
static void
st_oil_painting(ig_pixbuf *pb)
{
	enum { R = 3, BINS = 16 };
	int w = pb->w, h = pb->h;
	ig_pixbuf *src = ig_pixbuf_copy(pb);
	unsigned char *bin = ig_xmalloc((size_t)w * (size_t)h);

	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		float *q = src->px + i * 4;
		int b = (int)(ig_luma(q[0], q[1], q[2]) * BINS / 256.0f);
		bin[i] = (unsigned char)(b < 0 ? 0 : b >= BINS ? BINS - 1 : b);
	}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int cnt[BINS] = { 0 }, best = 0;
			float sum[BINS][3] = { { 0 } };
			for (int yy = y - R; yy <= y + R; yy++) {
				if (yy < 0 || yy >= h)
					continue;
				for (int xx = x - R; xx <= x + R; xx++) {
					if (xx < 0 || xx >= w)
						continue;
					size_t i = (size_t)yy * w + xx;
					int b = bin[i];
					cnt[b]++;
					sum[b][0] += src->px[i * 4];
					sum[b][1] += src->px[i * 4 + 1];
					sum[b][2] += src->px[i * 4 + 2];
				}
			}
			for (int b = 1; b < BINS; b++)
				if (cnt[b] > cnt[best])
					best = b;
			float *p = pb->px + ((size_t)y * w + x) * 4;
			for (int c = 0; c < 3; c++)
				p[c] = sum[best][c] / (float)cnt[best];
		}
	free(bin);
	ig_pixbuf_free(src);
}

/* Watercolour: soft washes (blur, few tones) with pigment pooling at the
 * edges (darkened by the Sobel magnitude). */
static void
pool_pigment(float *p, const float *edge)
{
	float e = edge[0] * 0.35f;

	for (int c = 0; c < 3; c++)
		p[c] = p[c] - e + 10.0f;
}

static void
st_watercolor(ig_pixbuf *pb)
{
	ig_pixbuf *edge;

	ig_pixbuf_blur(pb, 2.0f);
	edge = ig_pixbuf_copy(pb);
	ig_fx_edge(edge, 0.0f);
	posterize(pb, 8);
	mix_layer(pb, edge, pool_pigment);
}

static const struct {
	const char *name;
	void (*fn)(ig_pixbuf *);
} styles[] = {
	{ "grayscale", st_grayscale }, { "sepia", st_sepia }, { "sketch", st_sketch },
	{ "emboss", st_emboss }, { "pixelate", st_pixelate }, { "posterize", st_posterize },
	{ "vintage", st_vintage }, { "oil_painting", st_oil_painting },
	{ "watercolor", st_watercolor },
};

gdImagePtr
ig_img_style(gdImagePtr src, const char *style, double strength, ig_err *err)
{
	void (*fn)(ig_pixbuf *) = NULL;
	ig_pixbuf *orig, *pb;
	gdImagePtr out;
	float t;

	for (size_t i = 0; style != NULL && i < sizeof(styles) / sizeof(styles[0]); i++)
		if (strcmp(style, styles[i].name) == 0)
			fn = styles[i].fn;
	if (fn == NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "style",
		    "style must be grayscale, sepia, sketch, emboss, pixelate, posterize, vintage, "
		    "oil_painting or watercolor"), NULL;
	if (strength == IG_IMG_DEFAULT)
		strength = 1.0;
	if (!(strength >= 0.0 && strength <= 1.0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "strength", "strength must be 0–1"),
		    NULL;
	t = (float)strength;
	orig = ig_pixbuf_from_gd(src);
	pb = ig_pixbuf_copy(orig);
	fn(pb);
	for (size_t i = 0, n = (size_t)pb->w * (size_t)pb->h * 4; i < n; i += 4) {
		for (int c = 0; c < 3; c++)
			pb->px[i + c] = ig_mix(orig->px[i + c], pb->px[i + c], t);
		pb->px[i + 3] = orig->px[i + 3];
	}
	out = ig_pixbuf_to_gd(pb);
	ig_pixbuf_free(pb);
	ig_pixbuf_free(orig);
	if (out == NULL)
		ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image");
	return out;
}

/* SplitMix64 (Steele, Lea, Flood 2014): a seed's stream of numbers. */
static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static double
uniform(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Rotate hue by deg degrees about the grey axis (the hue-rotate matrix of
 * the W3C Filter Effects spec), then scale exposure. */
static void
hue_exposure(ig_pixbuf *pb, double deg, float gain)
{
	float c = (float)cos(deg * M_PI / 180.0), s = (float)sin(deg * M_PI / 180.0);
	float m[9] = {
		0.213f + c * 0.787f - s * 0.213f, 0.715f - c * 0.715f - s * 0.715f,
		0.072f - c * 0.072f + s * 0.928f,
		0.213f - c * 0.213f + s * 0.143f, 0.715f + c * 0.285f + s * 0.140f,
		0.072f - c * 0.072f - s * 0.283f,
		0.213f - c * 0.213f - s * 0.787f, 0.715f - c * 0.715f + s * 0.715f,
		0.072f + c * 0.928f + s * 0.072f,
	};

	for (size_t i = 0, n = (size_t)pb->w * (size_t)pb->h * 4; i < n; i += 4) {
		float r = pb->px[i], g = pb->px[i + 1], b = pb->px[i + 2];
		for (int k = 0; k < 3; k++)
			pb->px[i + k] = gain * (m[k * 3] * r + m[k * 3 + 1] * g + m[k * 3 + 2] * b);
	}
}

gdImagePtr
ig_img_variation(gdImagePtr src, uint64_t seed, ig_err *err)
{
	uint64_t s = seed;
	int w = gdImageSX(src), h = gdImageSY(src);
	double zoom = uniform(&s, 0.80, 0.94), fx = uniform(&s, 0, 1), fy = uniform(&s, 0, 1);
	double hue = uniform(&s, 12, 40) * ((splitmix(&s) & 1) ? 1 : -1);
	float gain = (float)uniform(&s, 0.92, 1.08);
	int mirror = (int)(splitmix(&s) & 1);
	int cw = (int)(w * zoom), ch = (int)(h * zoom);
	gdImagePtr part, big, out;
	ig_pixbuf *pb;

	cw = cw < 1 ? 1 : cw;
	ch = ch < 1 ? 1 : ch;
	if ((part = ig_img_crop(src, (int)((w - cw) * fx), (int)((h - ch) * fy), cw, ch, err)) == NULL)
		return NULL;
	big = ig_img_resize(part, w, h, "fill", IG_KERNEL_LANCZOS3, (long)w * h, err);
	gdImageDestroy(part);
	if (big == NULL)
		return NULL;
	if (mirror) {
		out = ig_img_flip(big, "horizontal", err);
		gdImageDestroy(big);
		if ((big = out) == NULL)
			return NULL;
	}
	pb = ig_pixbuf_from_gd(big);
	gdImageDestroy(big);
	hue_exposure(pb, hue, gain);
	out = ig_pixbuf_to_gd(pb);
	ig_pixbuf_free(pb);
	if (out == NULL)
		ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image");
	return out;
}
