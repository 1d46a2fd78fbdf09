/* render.c — see render.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/core/util.h"
#include "lib/imaging/render.h"

typedef struct rgb {
	float r, g, b;
} rgb;

enum scene { SC_MOUNTAINS, SC_CITY, SC_SEA, SC_FOREST, SC_SPACE, SC_PORTRAIT, SC_ABSTRACT, SC__MAX };

enum mood_flag { F_NIGHT = 1, F_SUN = 2, F_NEON = 4, F_MIST = 8, F_SNOW = 16 };

static const struct {
	const char *word;
	enum scene scene;
} scene_words[] = {
	{ "mountain", SC_MOUNTAINS }, { "hill", SC_MOUNTAINS }, { "valley", SC_MOUNTAINS },
	{ "landscape", SC_MOUNTAINS }, { "peak", SC_MOUNTAINS }, { "alps", SC_MOUNTAINS },
	{ "city", SC_CITY }, { "skyline", SC_CITY }, { "town", SC_CITY }, { "street", SC_CITY },
	{ "building", SC_CITY }, { "skyscraper", SC_CITY }, { "urban", SC_CITY },
	{ "sea", SC_SEA }, { "ocean", SC_SEA }, { "wave", SC_SEA }, { "beach", SC_SEA },
	{ "lake", SC_SEA }, { "water", SC_SEA }, { "coast", SC_SEA }, { "harbor", SC_SEA },
	{ "forest", SC_FOREST }, { "tree", SC_FOREST }, { "wood", SC_FOREST },
	{ "jungle", SC_FOREST }, { "pine", SC_FOREST },
	{ "space", SC_SPACE }, { "star", SC_SPACE }, { "galaxy", SC_SPACE }, { "planet", SC_SPACE },
	{ "nebula", SC_SPACE }, { "cosmos", SC_SPACE }, { "universe", SC_SPACE },
	{ "portrait", SC_PORTRAIT }, { "face", SC_PORTRAIT }, { "person", SC_PORTRAIT },
	{ "woman", SC_PORTRAIT }, { "man", SC_PORTRAIT }, { "head", SC_PORTRAIT },
	{ "abstract", SC_ABSTRACT }, { "pattern", SC_ABSTRACT }, { "geometric", SC_ABSTRACT },
	{ "fractal", SC_ABSTRACT }, { "swirl", SC_ABSTRACT }, { "flow", SC_ABSTRACT },
};

/* hue in degrees (< 0: the word sets no hue); sat and val multiply the
 * palette's saturation and brightness. */
static const struct {
	const char *word;
	float hue, sat, val;
	unsigned flags;
} colour_words[] = {
	{ "sunset", 18, 1.15f, 1.0f, F_SUN }, { "sunrise", 32, 1.0f, 1.05f, F_SUN },
	{ "dawn", 35, 0.8f, 1.0f, F_SUN }, { "dusk", 280, 0.9f, 0.75f, F_SUN },
	{ "ocean", 200, 1.0f, 1.0f, 0 }, { "sea", 195, 1.0f, 1.0f, 0 },
	{ "forest", 125, 0.9f, 0.85f, 0 }, { "neon", 305, 1.4f, 1.0f, F_NEON | F_NIGHT },
	{ "cyberpunk", 290, 1.4f, 1.0f, F_NEON | F_NIGHT }, { "night", 230, 0.8f, 0.5f, F_NIGHT },
	{ "midnight", 235, 0.8f, 0.4f, F_NIGHT }, { "moon", -1, 0.8f, 0.7f, F_NIGHT },
	{ "gold", 45, 1.1f, 1.05f, 0 }, { "golden", 42, 1.1f, 1.05f, F_SUN },
	{ "red", 0, 1.2f, 1.0f, 0 }, { "crimson", 350, 1.2f, 0.9f, 0 },
	{ "orange", 28, 1.2f, 1.0f, 0 }, { "yellow", 55, 1.1f, 1.05f, 0 },
	{ "green", 120, 1.1f, 0.95f, 0 }, { "emerald", 145, 1.2f, 0.9f, 0 },
	{ "blue", 220, 1.1f, 1.0f, 0 }, { "azure", 205, 1.0f, 1.05f, 0 },
	{ "cyan", 185, 1.1f, 1.0f, 0 }, { "teal", 175, 1.0f, 0.9f, 0 },
	{ "turquoise", 172, 1.0f, 1.0f, 0 }, { "purple", 275, 1.1f, 0.9f, 0 },
	{ "violet", 265, 1.0f, 0.95f, 0 }, { "magenta", 310, 1.2f, 1.0f, 0 },
	{ "pink", 335, 0.8f, 1.1f, 0 }, { "brown", 28, 0.7f, 0.6f, 0 },
	{ "white", -1, 0.3f, 1.15f, 0 }, { "black", -1, 0.6f, 0.35f, 0 },
	{ "dark", -1, 0.9f, 0.5f, 0 }, { "bright", -1, 1.1f, 1.15f, 0 },
	{ "pastel", -1, 0.45f, 1.1f, 0 }, { "vivid", -1, 1.35f, 1.05f, 0 },
	{ "autumn", 25, 1.1f, 0.95f, 0 }, { "fire", 12, 1.3f, 1.0f, 0 },
	{ "lava", 8, 1.3f, 0.9f, 0 }, { "desert", 36, 0.75f, 1.0f, F_SUN },
	{ "spring", 95, 0.9f, 1.05f, 0 }, { "winter", 205, 0.35f, 1.1f, F_SNOW },
	{ "snow", 210, 0.3f, 1.15f, F_SNOW }, { "ice", 195, 0.5f, 1.1f, F_SNOW },
	{ "fog", -1, 0.4f, 1.0f, F_MIST }, { "foggy", -1, 0.4f, 1.0f, F_MIST },
	{ "mist", -1, 0.45f, 1.0f, F_MIST }, { "misty", -1, 0.45f, 1.0f, F_MIST },
	{ "storm", 220, 0.4f, 0.55f, F_MIST }, { "silver", 220, 0.15f, 1.0f, 0 },
};

#define MAX_ORDER 16

/* What the words asked for. */
typedef struct mood {
	float hx, hy;
	float sat, val;
	unsigned flags, neg_flags;
	unsigned banned;
	int order[MAX_ORDER], norder;
	uint64_t hash;
} mood;

typedef struct palette {
	rgb sky_top, sky_low, sun, far, near, accent, light;
} palette;

typedef struct canvas {
	gdImagePtr im;
	int w, h;
	float u;
	uint64_t rng;
	palette pal;
	unsigned flags, scenes;
	float sun_x, sun_y;
} canvas;

/* splitmix64 (Steele, Lea, Flood 2014): the only randomness used here. */
static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t
rnext(canvas *c)
{
	return mix64(c->rng += 0x9e3779b97f4a7c15ull);
}

static float
rf(canvas *c, float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnext(c) >> 40) * (1.0f / 16777216.0f);
}

static float
clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static rgb
mix(rgb a, rgb b, float t)
{
	return (rgb){ a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

static rgb
scale(rgb a, float k)
{
	return (rgb){ a.r * k, a.g * k, a.b * k };
}

static rgb
hsv(float h, float s, float v)
{
	float f, p, q, t;
	int i;

	h = fmodf(h, 360.0f);
	if (h < 0)
		h += 360.0f;
	s = clampf(s, 0, 1);
	v = clampf(v, 0, 1) * 255.0f;
	i = (int)(h / 60.0f) % 6;
	f = h / 60.0f - floorf(h / 60.0f);
	p = v * (1 - s);
	q = v * (1 - s * f);
	t = v * (1 - s * (1 - f));
	switch (i) {
	case 0: return (rgb){ v, t, p };
	case 1: return (rgb){ q, v, p };
	case 2: return (rgb){ p, v, t };
	case 3: return (rgb){ p, q, v };
	case 4: return (rgb){ t, p, v };
	default: return (rgb){ v, p, q };
	}
}

static int
to8(float v)
{
	if (!(v > 0))
		return 0;
	return v >= 255 ? 255 : (int)(v + 0.5f);
}

static int
pack(rgb k)
{
	return gdTrueColor(to8(k.r), to8(k.g), to8(k.b));
}

/* A libgd colour with opacity a in [0, 1] (gd counts 127 as transparent). */
static int
gdcol(rgb k, float a)
{
	return gdTrueColorAlpha(to8(k.r), to8(k.g), to8(k.b), 127 - (int)(clampf(a, 0, 1) * 127));
}

static void
blend(canvas *c, int x, int y, rgb k, float a)
{
	int *p, o;

	if ((unsigned)x >= (unsigned)c->w || (unsigned)y >= (unsigned)c->h || a <= 0)
		return;
	a = a > 1 ? 1 : a;
	p = &c->im->tpixels[y][x];
	o = *p;
	*p = gdTrueColor(to8(gdTrueColorGetRed(o) + (k.r - gdTrueColorGetRed(o)) * a),
	    to8(gdTrueColorGetGreen(o) + (k.g - gdTrueColorGetGreen(o)) * a),
	    to8(gdTrueColorGetBlue(o) + (k.b - gdTrueColorGetBlue(o)) * a));
}

/* Value noise on an integer lattice, smoothstep-interpolated, in [0, 1). */
static float
lattice(uint64_t seed, int x, int y)
{
	uint64_t h = mix64(seed ^ (uint64_t)(uint32_t)x * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)(uint32_t)y * 0xc2b2ae3d27d4eb4full);
	return (float)(h >> 40) * (1.0f / 16777216.0f);
}

static float
vnoise(uint64_t seed, float x, float y)
{
	float fx = floorf(x), fy = floorf(y), tx = x - fx, ty = y - fy;
	int ix = (int)fx, iy = (int)fy;
	float a = lattice(seed, ix, iy), b = lattice(seed, ix + 1, iy);
	float c = lattice(seed, ix, iy + 1), d = lattice(seed, ix + 1, iy + 1);

	tx = tx * tx * (3 - 2 * tx);
	ty = ty * ty * (3 - 2 * ty);
	return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
}

static float
fbm(uint64_t seed, float x, float y, int octaves)
{
	float sum = 0, amp = 0.5f, norm = 0;

	for (int o = 0; o < octaves; o++) {
		sum += amp * vnoise(seed + (uint64_t)o, x, y);
		norm += amp;
		amp *= 0.5f;
		x *= 2.03f;
		y *= 2.03f;
	}
	return sum / norm;
}

/* fbm sampled every `step` pixels and bilinearly interpolated: smooth fields
 * (nebulae, flow, texture) at a fraction of the cost. The caller frees v. */
typedef struct field {
	float *v;
	int gw, gh, step;
} field;

static void
field_init(field *f, canvas *c, uint64_t seed, float period, int octaves, int step)
{
	f->step = step;
	f->gw = c->w / step + 2;
	f->gh = c->h / step + 2;
	f->v = ig_xmalloc((size_t)f->gw * (size_t)f->gh * sizeof(float));
	for (int j = 0; j < f->gh; j++)
		for (int i = 0; i < f->gw; i++)
			f->v[j * f->gw + i] =
			    fbm(seed, (float)(i * step) / period, (float)(j * step) / period, octaves);
}

static float
field_at(const field *f, float x, float y)
{
	float gx = clampf(x / (float)f->step, 0, (float)(f->gw - 2));
	float gy = clampf(y / (float)f->step, 0, (float)(f->gh - 2));
	int i = (int)gx, j = (int)gy;
	float tx = gx - (float)i, ty = gy - (float)j;
	const float *r0 = f->v + j * f->gw + i, *r1 = r0 + f->gw;

	return (r0[0] + (r0[1] - r0[0]) * tx) * (1 - ty) + (r1[0] + (r1[1] - r1[0]) * tx) * ty;
}

/* A filled ellipse whose edge fades over `feather` pixels (1 for a crisp,
 * antialiased edge; tens of pixels for clouds and glows). */
static void
ellipse(canvas *c, float cx, float cy, float rx, float ry, rgb k, float a, float feather)
{
	int x0 = (int)floorf(cx - rx - 1), x1 = (int)ceilf(cx + rx + 1);
	int y0 = (int)floorf(cy - ry - 1), y1 = (int)ceilf(cy + ry + 1);
	float m = fminf(rx, ry);

	if (rx < 0.5f || ry < 0.5f)
		return;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 >= c->w ? c->w - 1 : x1;
	y1 = y1 >= c->h ? c->h - 1 : y1;
	for (int y = y0; y <= y1; y++) {
		float dy = ((float)y + 0.5f - cy) / ry;
		for (int x = x0; x <= x1; x++) {
			float dx = ((float)x + 0.5f - cx) / rx;
			float d = sqrtf(dx * dx + dy * dy);
			if (d < 1)
				blend(c, x, y, k, a * clampf((1 - d) * m / feather, 0, 1));
		}
	}
}

/* Radial glow: opacity a at the centre falling to 0 at radius r. */
static void
glow(canvas *c, float cx, float cy, float r, rgb k, float a)
{
	int x0 = (int)(cx - r), x1 = (int)(cx + r), y0 = (int)(cy - r), y1 = (int)(cy + r);

	for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < c->h; y++) {
		for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < c->w; x++) {
			float dx = (float)x - cx, dy = (float)y - cy;
			float t = 1 - sqrtf(dx * dx + dy * dy) / r;
			if (t > 0)
				blend(c, x, y, k, a * t * t);
		}
	}
}

static void
gradient_rows(canvas *c, rgb top, rgb low, float horizon)
{
	for (int y = 0; y < c->h; y++) {
		float t = clampf((float)y / horizon, 0, 1);
		int v = pack(mix(top, low, powf(t, 1.4f)));
		for (int x = 0; x < c->w; x++)
			c->im->tpixels[y][x] = v;
	}
}

/* Sun (or moon at night) with its halo; remembers where it is for
 * reflections on water. */
static void
sky_light(canvas *c, float horizon)
{
	int night = (c->flags & F_NIGHT) != 0;
	float r = c->u * (night ? rf(c, 0.035f, 0.06f) : rf(c, 0.045f, 0.085f));
	float lo = (c->flags & F_SUN) ? 0.72f : 0.3f;

	c->sun_x = (float)c->w * rf(c, 0.15f, 0.85f);
	c->sun_y = horizon * rf(c, lo, lo + 0.22f);
	glow(c, c->sun_x, c->sun_y, r * (night ? 4.0f : 7.0f), c->pal.sun, night ? 0.35f : 0.6f);
	ellipse(c, c->sun_x, c->sun_y, r, r, night ? c->pal.light : mix(c->pal.sun, c->pal.light, 0.6f),
	    1, 1.2f);
	if (night)
		for (int i = 0; i < 4; i++)
			ellipse(c, c->sun_x + r * rf(c, -0.6f, 0.6f), c->sun_y + r * rf(c, -0.6f, 0.6f),
			    r * rf(c, 0.08f, 0.2f), r * rf(c, 0.08f, 0.2f), c->pal.far, 0.25f, 2);
}

static void
stars(canvas *c, float ymax, float density)
{
	int n = (int)((float)c->w * ymax * density);

	for (int i = 0; i < n; i++) {
		float x = rf(c, 0, (float)c->w), y = rf(c, 0, ymax), b = rf(c, 0, 1);
		rgb k = mix(c->pal.light, (rgb){ 255, 255, 255 }, rf(c, 0, 1));
		b = b * b * b;
		blend(c, (int)x, (int)y, k, 0.3f + 0.7f * b);
		if (b > 0.6f)
			glow(c, x, y, c->u * 0.006f * (1 + b), k, 0.6f * b);
	}
}

static void
clouds(canvas *c, float ymax)
{
	int n = 2 + (int)(rnext(c) % 5);
	rgb k = mix(c->pal.light, c->pal.sky_low, (c->flags & F_NIGHT) ? 0.7f : 0.25f);

	for (int i = 0; i < n; i++) {
		float cx = rf(c, 0, (float)c->w), cy = rf(c, 0.1f, 0.8f) * ymax;
		float s = c->u * rf(c, 0.1f, 0.28f);
		for (int p = 0; p < 7; p++) {
			float ry = s * rf(c, 0.1f, 0.2f);
			ellipse(c, cx + s * rf(c, -0.9f, 0.9f), cy + s * rf(c, -0.08f, 0.08f),
			    s * rf(c, 0.25f, 0.55f), ry, k, 0.3f, ry * 0.8f);
		}
	}
}

static void
sky(canvas *c, float horizon)
{
	gradient_rows(c, c->pal.sky_top, c->pal.sky_low, horizon);
	if ((c->flags & F_NIGHT) || (c->scenes & 1u << SC_SPACE))
		stars(c, horizon, (c->flags & F_NIGHT) ? 0.004f : 0.0015f);
	sky_light(c, horizon);
	if (!(c->flags & F_NIGHT) || rf(c, 0, 1) < 0.3f)
		clouds(c, horizon * 0.8f);
}

/* A ridgeline: sharp-crested fbm along x, base - amp * ridge(x). */
typedef struct ridge {
	uint64_t seed;
	float base, amp, period;
} ridge;

static float
ridge_y(const ridge *r, float x)
{
	float sum = 0, a = 0.5f, f = 1 / r->period;

	for (int o = 0; o < 5; o++) {
		float v = vnoise(r->seed + (uint64_t)o, x * f, 0.5f);
		sum += a * (1 - fabsf(2 * v - 1));
		a *= 0.5f;
		f *= 2.1f;
	}
	return r->base - r->amp * sum;
}

/* Fill below a ridgeline, shading top to bottom; pixels above snowline
 * (a y, or < 0 for none) are snow. */
static void
fill_ridge(canvas *c, const ridge *r, rgb top, rgb bottom, float snowline)
{
	for (int x = 0; x < c->w; x++) {
		float ry = ridge_y(r, (float)x), span = (float)c->h - ry + 1;
		int y0 = (int)ceilf(ry);
		float snow = snowline + r->amp * 0.3f * (fbm(r->seed ^ 7, (float)x / (c->u * 0.07f), 0, 3) - 0.5f);
		for (int y = y0 < 0 ? 0 : y0; y < c->h; y++) {
			rgb k = mix(top, bottom, ((float)y - ry) / span);
			if (snowline >= 0 && (float)y < snow + r->amp * 0.05f)
				k = mix(k, c->pal.light, 0.85f * clampf((snow + r->amp * 0.05f - (float)y) / (r->amp * 0.05f), 0, 1));
			c->im->tpixels[y][x] = pack(k);
		}
		if (y0 >= 1 && y0 <= c->h)
			blend(c, x, y0 - 1, top, (float)y0 - ry);
	}
}

static void
fog(canvas *c, float y, float height, float a)
{
	for (int yy = (int)(y - height); yy < (int)(y + height); yy++) {
		float t = 1 - fabsf((float)yy - y) / height;
		for (int x = 0; x < c->w; x++)
			blend(c, x, yy, c->pal.sky_low, a * t * t);
	}
}

/* Mirror everything above `top` into the rows below it, rippled and tinted,
 * for lakes and harbours. */
static void
reflect(canvas *c, float top)
{
	int t0 = (int)top;
	uint64_t seed = rnext(c);
	float amp = c->u * 0.012f;
	rgb water = mix(c->pal.sky_top, c->pal.near, 0.5f);

	for (int y = t0; y < c->h; y++) {
		float d = (float)(y - t0) / (float)(c->h - t0 + 1);
		int sy = 2 * t0 - y - 1;
		int off = (int)(amp * (1 + 3 * d) * (vnoise(seed, (float)y * 0.2f, 0) - 0.5f));
		if (sy < 0)
			sy = 0;
		for (int x = 0; x < c->w; x++) {
			int sx = x + off;
			sx = sx < 0 ? 0 : sx >= c->w ? c->w - 1 : sx;
			c->im->tpixels[y][x] = c->im->tpixels[sy][sx];
			blend(c, x, y, water, 0.3f + 0.4f * d);
		}
	}
}

static void
conifer(canvas *c, float x, float base, float ht, rgb k)
{
	int col = gdcol(k, 1), trunk = gdcol(scale(k, 0.6f), 1);
	float tw = fmaxf(1, ht * 0.04f);

	gdImageFilledRectangle(c->im, (int)(x - tw), (int)(base - ht * 0.2f), (int)(x + tw),
	    (int)base, trunk);
	for (int i = 0; i < 4; i++) {
		float top = base - ht + (float)i * ht * 0.18f, half = ht * (0.12f + 0.06f * (float)i);
		gdPoint p[3] = { { (int)x, (int)top }, { (int)(x - half), (int)(top + ht * 0.38f) },
			{ (int)(x + half), (int)(top + ht * 0.38f) } };
		gdImageFilledPolygon(c->im, p, 3, col);
	}
}

static void
broadleaf(canvas *c, float x, float base, float ht, rgb k)
{
	float tw = fmaxf(1, ht * 0.05f);

	gdImageFilledRectangle(c->im, (int)(x - tw), (int)(base - ht * 0.5f), (int)(x + tw),
	    (int)base, gdcol(scale(k, 0.55f), 1));
	for (int i = 0; i < 5; i++) {
		float r = ht * rf(c, 0.18f, 0.28f);
		ellipse(c, x + ht * rf(c, -0.2f, 0.2f), base - ht * rf(c, 0.55f, 0.8f), r, r * 0.85f,
		    scale(k, rf(c, 0.85f, 1.15f)), 1, 1);
	}
}

static void
tree_row(canvas *c, const ridge *ground, float ht, rgb k, float gap)
{
	for (float x = rf(c, -ht, 0); x < (float)c->w + ht; x += ht * rf(c, gap * 0.5f, gap)) {
		float h = ht * rf(c, 0.7f, 1.25f), y = ridge_y(ground, x) + h * 0.05f;
		if (rf(c, 0, 1) < 0.75f)
			conifer(c, x, y, h, k);
		else
			broadleaf(c, x, y, h, k);
	}
}

static void
scene_mountains(canvas *c)
{
	float horizon = (float)c->h * rf(c, 0.5f, 0.66f);
	int n = 3 + (int)(rnext(c) % 3);
	rgb haze = mix(c->pal.far, c->pal.sky_low, 0.45f);
	ridge r = { 0, 0, 0, 0 };

	sky(c, horizon);
	for (int i = 0; i < n; i++) {
		float t = (float)i / (float)(n - 1);
		rgb k = mix(haze, c->pal.near, t);
		r = (ridge){ rnext(c), horizon + t * ((float)c->h - horizon) * 0.55f,
			(float)c->h * (0.32f - 0.2f * t), (float)c->w * rf(c, 0.25f, 0.45f) };
		fill_ridge(c, &r, k, scale(k, 0.7f),
		    i == 0 && ((c->flags & F_SNOW) || rf(c, 0, 1) < 0.5f) ? r.base - r.amp * 0.62f : -1);
		if (i < n - 1)
			fog(c, r.base, (float)c->h * 0.04f, (c->flags & F_MIST) ? 0.6f : 0.25f);
	}
	if (c->scenes & 1u << SC_FOREST)
		tree_row(c, &r, c->u * 0.08f, scale(c->pal.near, 0.6f), 0.6f);
	if (c->scenes & 1u << SC_SEA)
		reflect(c, (float)c->h * rf(c, 0.78f, 0.86f));
}

typedef struct blocks {
	float ground, hmin, hmax, wmin, wmax, lit, win;
	rgb k;
} blocks;

static void
windows(canvas *c, float x0, float top, float x1, const blocks *b, rgb k)
{
	float ws = b->win * c->u, gap = ws * rf(c, 1.0f, 1.8f);
	rgb on = (c->flags & F_NEON) ? c->pal.accent : mix(c->pal.sun, c->pal.light, 0.5f);

	for (float y = top + gap; y + ws < b->ground - gap; y += ws + gap) {
		for (float x = x0 + gap; x + ws < x1 - gap * 0.5f; x += ws + gap) {
			rgb w = rf(c, 0, 1) < b->lit ? scale(on, rf(c, 0.7f, 1.1f)) : scale(k, 0.75f);
			gdImageFilledRectangle(c->im, (int)x, (int)y, (int)(x + ws) - 1, (int)(y + ws) - 1,
			    gdcol(w, 1));
		}
	}
}

static void
buildings(canvas *c, const blocks *b)
{
	float W = (float)c->w, H = (float)c->h;

	for (float x = -W * rf(c, 0, b->wmax); x < W;) {
		float bw = W * rf(c, b->wmin, b->wmax), top = b->ground - H * rf(c, b->hmin, b->hmax);
		rgb k = scale(b->k, rf(c, 0.85f, 1.12f));
		int col = gdcol(k, 1);
		gdImageFilledRectangle(c->im, (int)x, (int)top, (int)(x + bw), (int)b->ground, col);
		if (rf(c, 0, 1) < 0.3f) {
			float sw = bw * rf(c, 0.3f, 0.6f), sh = H * rf(c, 0.02f, 0.06f);
			gdImageFilledRectangle(c->im, (int)(x + (bw - sw) / 2), (int)(top - sh),
			    (int)(x + (bw + sw) / 2), (int)top, col);
			top -= sh;
		}
		if (rf(c, 0, 1) < 0.25f)
			gdImageLine(c->im, (int)(x + bw / 2), (int)top, (int)(x + bw / 2),
			    (int)(top - H * rf(c, 0.02f, 0.07f)), col);
		if (b->win * c->u >= 1)
			windows(c, x, top, x + bw, b, k);
		x += bw + W * rf(c, 0, b->wmax * 0.3f);
	}
}

static void
scene_city(canvas *c)
{
	float ground = (float)c->h * rf(c, 0.8f, 0.9f);
	float lit = (c->flags & F_NIGHT) ? 0.55f : 0.18f;
	rgb haze = mix(c->pal.far, c->pal.sky_low, 0.4f);
	static const float lay[3][5] = {
		{ 0.3f, 0.62f, 0.03f, 0.07f, 0.004f },
		{ 0.18f, 0.45f, 0.05f, 0.1f, 0.006f },
		{ 0.08f, 0.32f, 0.07f, 0.15f, 0.009f },
	};

	sky(c, ground);
	for (int i = 0; i < 3; i++) {
		blocks b = { ground, lay[i][0], lay[i][1], lay[i][2], lay[i][3], lit, lay[i][4],
			mix(haze, c->pal.near, (float)i / 2) };
		buildings(c, &b);
		if (i < 2)
			fog(c, ground, (float)c->h * 0.12f, (c->flags & F_MIST) ? 0.5f : 0.2f);
	}
	gdImageFilledRectangle(c->im, 0, (int)ground, c->w - 1, c->h - 1,
	    gdcol(scale(c->pal.near, 0.5f), 1));
	if (c->scenes & 1u << SC_SEA)
		reflect(c, ground);
	else
		for (float x = rf(c, 0, 0.1f) * (float)c->w; x < (float)c->w; x += (float)c->w * 0.12f)
			glow(c, x, ground + ((float)c->h - ground) * 0.3f, c->u * 0.03f, c->pal.sun, 0.5f);
}

static void
water(canvas *c, float horizon)
{
	uint64_t seed = rnext(c);
	rgb deep = mix(mix(c->pal.sky_top, c->pal.near, 0.5f), hsv(208, 0.7f, 0.4f), 0.35f);
	rgb shore = mix(c->pal.sky_low, c->pal.far, 0.4f);
	rgb glint = mix(c->pal.sun, c->pal.light, 0.5f);
	float W = (float)c->w, H = (float)c->h;

	for (int y = (int)ceilf(horizon); y < c->h; y++) {
		float t = ((float)y - horizon) / (H - horizon), p = 0.04f + t;
		float sw = W * (0.02f + 0.2f * t), fy = ((float)y - horizon) / (H * 0.004f * p);
		rgb base = mix(shore, deep, sqrtf(t));
		for (int x = 0; x < c->w; x++) {
			float n = vnoise(seed, (float)x / (W * 0.05f * p), fy);
			float dx = fabsf((float)x - c->sun_x) / sw;
			rgb k = scale(base, 0.85f + 0.3f * n);
			if (n > 0.75f)
				k = mix(k, c->pal.light, (n - 0.75f) * 2);
			if (dx < 1)
				k = mix(k, glint, (1 - dx) * (1 - dx) * (n > 0.5f ? 0.9f : 0.25f));
			c->im->tpixels[y][x] = pack(k);
		}
	}
}

#define SWELL_PTS 160

/* Foreground swells with a foam line along each crest. */
static void
swells(canvas *c)
{
	int n = 2 + (int)(rnext(c) % 2);
	gdPoint p[SWELL_PTS + 2];
	float W = (float)c->w;
	rgb k = mix(c->pal.near, c->pal.sky_top, 0.35f);

	for (int i = 0; i < n; i++) {
		float y0 = (float)c->h * (0.8f + 0.07f * (float)i), a = c->u * rf(c, 0.01f, 0.03f);
		float f = rf(c, 2, 5) * 6.2832f / W, ph = rf(c, 0, 6.2832f);
		for (int j = 0; j < SWELL_PTS; j++) {
			float x = W * (float)j / (SWELL_PTS - 1);
			p[j] = (gdPoint){ (int)x,
				(int)(y0 + a * sinf(x * f + ph) + a * 0.4f * sinf(x * f * 2.7f + ph * 1.3f)) };
		}
		p[SWELL_PTS] = (gdPoint){ c->w, c->h };
		p[SWELL_PTS + 1] = (gdPoint){ 0, c->h };
		gdImageFilledPolygon(c->im, p, SWELL_PTS + 2, gdcol(k, 0.55f));
		gdImageSetThickness(c->im, (int)fmaxf(1, c->u * 0.003f));
		gdImageOpenPolygon(c->im, p, SWELL_PTS, gdcol(c->pal.light, 0.5f));
		gdImageSetThickness(c->im, 1);
	}
}

static void
scene_sea(canvas *c)
{
	float horizon = (float)c->h * rf(c, 0.4f, 0.58f);

	sky(c, horizon);
	if (c->scenes & 1u << SC_MOUNTAINS) {
		ridge r = { rnext(c), horizon, (float)c->h * 0.15f, (float)c->w * 0.3f };
		rgb k = mix(c->pal.far, c->pal.sky_low, 0.35f);
		fill_ridge(c, &r, k, k, -1);
	}
	water(c, horizon);
	swells(c);
}

static void
scene_forest(canvas *c)
{
	float horizon = (float)c->h * rf(c, 0.42f, 0.58f), H = (float)c->h;
	rgb haze = mix(c->pal.far, c->pal.sky_low, 0.5f);

	sky(c, horizon);
	for (int i = 0; i < 4; i++) {
		float t = (float)i / 3;
		rgb k = mix(haze, c->pal.near, t);
		ridge g = { rnext(c), horizon + t * (H - horizon) * 0.75f, H * 0.06f, (float)c->w * 0.5f };
		fill_ridge(c, &g, k, scale(k, 0.8f), -1);
		tree_row(c, &g, c->u * (0.07f + 0.16f * t), scale(k, 0.8f), 0.9f - 0.3f * t);
		if (i < 3)
			fog(c, g.base, H * 0.035f, (c->flags & F_MIST) ? 0.55f : 0.2f);
	}
	if (c->scenes & 1u << SC_SEA)
		reflect(c, H * 0.88f);
}

static void
nebula(canvas *c)
{
	field f1, f2;
	rgb top = scale(c->pal.sky_top, 0.15f), bottom = scale(c->pal.near, 0.3f);
	rgb n1 = mix(c->pal.sky_low, c->pal.accent, 0.2f), n2 = c->pal.accent;

	field_init(&f1, c, rnext(c), c->u * 0.45f, 5, 4);
	field_init(&f2, c, rnext(c), c->u * 0.2f, 4, 4);
	for (int y = 0; y < c->h; y++) {
		rgb bg = mix(top, bottom, (float)y / (float)c->h);
		for (int x = 0; x < c->w; x++) {
			float a = clampf((field_at(&f1, (float)x, (float)y) - 0.45f) * 4, 0, 1);
			float b = clampf((field_at(&f2, (float)x, (float)y) - 0.5f) * 5, 0, 1);
			rgb k = mix(bg, n1, a * a * 0.75f);
			c->im->tpixels[y][x] = pack(mix(k, n2, b * b * a * 0.8f));
		}
	}
	free(f1.v);
	free(f2.v);
}

/* A lit ellipsoid: Lambert shading from light direction (lx, ly, toward the
 * viewer), optional latitude bands, antialiased edge. */
typedef struct orb {
	float cx, cy, rx, ry;
	rgb a, b;
	float lx, ly, bands, ambient;
} orb;

static void
shade_orb(canvas *c, const orb *o, uint64_t seed)
{
	float lz = sqrtf(fmaxf(0, 1 - o->lx * o->lx - o->ly * o->ly)), m = fminf(o->rx, o->ry);

	for (int y = (int)(o->cy - o->ry) - 1; y <= (int)(o->cy + o->ry) + 1; y++) {
		float dy = ((float)y + 0.5f - o->cy) / o->ry;
		for (int x = (int)(o->cx - o->rx) - 1; x <= (int)(o->cx + o->rx) + 1; x++) {
			float dx = ((float)x + 0.5f - o->cx) / o->rx, d2 = dx * dx + dy * dy, z, lam, t;
			if (d2 >= 1)
				continue;
			z = sqrtf(1 - d2);
			lam = clampf(dx * o->lx + dy * o->ly + z * lz, 0, 1);
			t = o->bands > 0 ? 0.5f + 0.5f * sinf(dy * o->bands + 2 * vnoise(seed, dx * 2, dy * 9))
					 : 0.5f;
			blend(c, x, y, scale(mix(o->a, o->b, t), o->ambient + (1 - o->ambient) * lam),
			    clampf((1 - sqrtf(d2)) * m, 0, 1));
		}
	}
}

static void
rings(canvas *c, const orb *o, float rx, float ry, int front)
{
	gdImageSetThickness(c->im, (int)fmaxf(1, o->rx * 0.03f));
	for (int i = 0; i < 4; i++) {
		float k = 1 + 0.09f * (float)i;
		gdImageArc(c->im, (int)o->cx, (int)o->cy, (int)(2 * rx * k), (int)(2 * ry * k),
		    front ? 0 : 180, front ? 180 : 360, gdcol(mix(o->b, c->pal.light, 0.2f * (float)i), 1));
	}
	gdImageSetThickness(c->im, 1);
}

static void
scene_space(canvas *c)
{
	float r = c->u * rf(c, 0.12f, 0.26f), lx = rf(c, -0.8f, 0.8f), ly = rf(c, -0.6f, 0.1f);
	orb p = { (float)c->w * rf(c, 0.25f, 0.75f), (float)c->h * rf(c, 0.3f, 0.7f), r, r,
		c->pal.far, c->pal.accent, lx, ly, rf(c, 6, 16), 0.05f };
	orb moon = { p.cx + r * rf(c, 1.4f, 2.2f) * (lx < 0 ? 1 : -1), p.cy - r * rf(c, 0.6f, 1.2f),
		r * 0.18f, r * 0.18f, c->pal.light, c->pal.far, lx, ly, 0, 0.04f };
	int ringed = rf(c, 0, 1) < 0.55f;
	float rrx = r * rf(c, 1.6f, 2.1f), rry = rrx * rf(c, 0.15f, 0.3f);

	nebula(c);
	stars(c, (float)c->h, 0.003f);
	glow(c, p.cx, p.cy, r * 1.3f, c->pal.accent, 0.35f);
	if (ringed)
		rings(c, &p, rrx, rry, 0);
	shade_orb(c, &p, rnext(c));
	if (ringed)
		rings(c, &p, rrx, rry, 1);
	shade_orb(c, &moon, rnext(c));
}

static void
backdrop(canvas *c, float cx, float cy)
{
	rgb in = mix(c->pal.sky_low, c->pal.light, 0.2f), out = scale(c->pal.sky_top, 0.45f);

	for (int y = 0; y < c->h; y++) {
		for (int x = 0; x < c->w; x++) {
			float dx = (float)x - cx, dy = (float)y - cy;
			float d = clampf(sqrtf(dx * dx + dy * dy) / (c->u * 0.85f), 0, 1);
			c->im->tpixels[y][x] = pack(mix(in, out, d * d * (3 - 2 * d)));
		}
	}
	for (int i = 0; i < 12; i++) {
		float br = c->u * rf(c, 0.02f, 0.08f);
		ellipse(c, rf(c, 0, (float)c->w), rf(c, 0, (float)c->h), br, br,
		    mix(c->pal.accent, c->pal.light, rf(c, 0, 1)), rf(c, 0.1f, 0.3f), br * 0.3f);
	}
}

/* A stylised, featureless bust: rim-lit silhouette with a shaded face. Each
 * part is drawn first in rim colour, offset toward the light, then in body
 * colour on top, leaving a crescent of light along one edge. */
static void
scene_portrait(canvas *c)
{
	float cx = (float)c->w * rf(c, 0.44f, 0.56f), hy = (float)c->h * rf(c, 0.38f, 0.44f);
	float hr = c->u * rf(c, 0.15f, 0.18f), side = rf(c, 0, 1) < 0.5f ? -1.0f : 1.0f;
	float off = hr * 0.07f * side;
	rgb rim = mix(c->pal.sun, c->pal.light, 0.4f), body = scale(c->pal.near, 0.9f);
	rgb hair = scale(c->pal.near, 0.5f), skin = mix(hsv(24, 0.45f, 0.85f), c->pal.sun, 0.25f);
	const float parts[3][4] = {
		{ 0, ((float)c->h * 1.04f - hy) / hr, 2.6f, 1.7f },
		{ 0, 1.2f, 0.36f, 0.7f },
		{ 0, -0.12f, 1.1f, 1.2f },
	};
	orb face = { cx, hy, hr * 0.82f, hr, skin, skin, side * 0.6f, -0.3f, 0, 0.35f };

	backdrop(c, cx, hy);
	for (int i = 0; i < 3; i++) {
		float px = cx + parts[i][0] * hr, py = hy + parts[i][1] * hr;
		ellipse(c, px + off, py - fabsf(off), parts[i][2] * hr, parts[i][3] * hr, rim, 1, 1.5f);
		ellipse(c, px, py, parts[i][2] * hr, parts[i][3] * hr, i == 2 ? hair : body, 1, 1.5f);
	}
	shade_orb(c, &face, rnext(c));
	ellipse(c, cx, hy - hr * 0.62f, hr * 0.95f, hr * 0.5f, hair, 1, 1.5f);
}

static void
shapes(canvas *c, const rgb *cols, int ncols)
{
	int n = 5 + (int)(rnext(c) % 6);

	for (int i = 0; i < n; i++) {
		rgb k = cols[rnext(c) % (uint64_t)ncols];
		float x = rf(c, 0, (float)c->w), y = rf(c, 0, (float)c->h), s = c->u * rf(c, 0.06f, 0.25f);
		float a = rf(c, 0.25f, 0.7f), th = rf(c, 0, 6.2832f);
		gdPoint p[4];
		if (rnext(c) % 3 == 0) {
			ellipse(c, x, y, s, s, k, a, 1.5f);
			continue;
		}
		for (int j = 0; j < 4; j++)
			p[j] = (gdPoint){ (int)(x + s * cosf(th + (float)j * 1.5708f)),
				(int)(y + s * sinf(th + (float)j * 1.5708f)) };
		gdImageFilledPolygon(c->im, p, rnext(c) % 2 ? 4 : 3, gdcol(k, a));
	}
}

/* Particles traced through an fbm angle field. */
static void
flow(canvas *c, const rgb *cols, int ncols)
{
	field f;
	int n = c->w * c->h / 1400 + 20, steps = 70;
	float len = c->u * 0.005f + 0.5f;

	field_init(&f, c, rnext(c), c->u * 0.35f, 3, 8);
	for (int i = 0; i < n; i++) {
		float x = rf(c, 0, (float)c->w), y = rf(c, 0, (float)c->h);
		int col = gdcol(cols[rnext(c) % (uint64_t)ncols], rf(c, 0.25f, 0.6f));
		gdImageSetThickness(c->im, rnext(c) % 4 == 0 ? 2 : 1);
		for (int s = 0; s < steps; s++) {
			float ang = field_at(&f, x, y) * 12.566f, nx = x + cosf(ang) * len,
			      ny = y + sinf(ang) * len;
			if (nx < 0 || ny < 0 || nx >= (float)c->w || ny >= (float)c->h)
				break;
			gdImageLine(c->im, (int)x, (int)y, (int)nx, (int)ny, col);
			x = nx;
			y = ny;
		}
	}
	gdImageSetThickness(c->im, 1);
	free(f.v);
}

static void
scene_abstract(canvas *c)
{
	rgb cols[5] = { c->pal.accent, c->pal.sun, c->pal.light, c->pal.far, c->pal.sky_low };
	float W = (float)c->w, H = (float)c->h;

	for (int y = 0; y < c->h; y++)
		for (int x = 0; x < c->w; x++)
			c->im->tpixels[y][x] = pack(mix(c->pal.sky_top, scale(c->pal.near, 1.5f),
			    ((float)x / W + (float)y / H) * 0.5f));
	shapes(c, cols, 5);
	flow(c, cols, 5);
	shapes(c, cols, 3);
}

/* Last pass over every scene: seeded fbm mottling and a vignette, so no
 * region is a flat fill. (Per-pixel grain was tried: it doubled the time
 * zlib spends and the PNG's size.) */
static void
texture(canvas *c)
{
	field f;
	float cx = (float)c->w * 0.5f, cy = (float)c->h * 0.5f, inv = 1 / (cx * cx + cy * cy);

	field_init(&f, c, rnext(c), c->u * 0.2f, 3, 4);
	for (int y = 0; y < c->h; y++) {
		float dy2 = ((float)y - cy) * ((float)y - cy);
		for (int x = 0; x < c->w; x++) {
			int *p = &c->im->tpixels[y][x], o = *p;
			float dx = (float)x - cx;
			float k = (0.92f + 0.16f * field_at(&f, (float)x, (float)y)) *
			    (1 - 0.3f * (dx * dx + dy2) * inv);
			*p = gdTrueColor(to8((float)gdTrueColorGetRed(o) * k),
			    to8((float)gdTrueColorGetGreen(o) * k), to8((float)gdTrueColorGetBlue(o) * k));
		}
	}
	free(f.v);
}

static int
word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch >= 0x80;
}

/* Index of w (or its singular: "cities" → "city", "stars" → "star") in a
 * table of structs whose first member is the word. */
static int
lookup(const char *w, const void *table, size_t n, size_t stride)
{
	char stem[32];
	size_t len = strlen(w);

	stem[0] = '\0';
	if (len > 4 && strcmp(w + len - 3, "ies") == 0)
		snprintf(stem, sizeof(stem), "%.*sy", (int)(len - 3), w);
	else if (len > 3 && w[len - 1] == 's')
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - 1), w);
	for (size_t i = 0; i < n; i++) {
		const char *t = *(const char *const *)((const char *)table + i * stride);
		if (strcmp(t, w) == 0 || strcmp(t, stem) == 0)
			return (int)i;
	}
	return -1;
}

static void
hue_vote(mood *m, float deg, float weight)
{
	m->hx += weight * cosf(deg * 0.0174533f);
	m->hy += weight * sinf(deg * 0.0174533f);
}

static void
take_word(mood *m, const char *w, size_t n, int negative)
{
	char buf[32];
	uint64_t h = 0xcbf29ce484222325ull;
	int ci, si;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)w[i]) * 0x100000001b3ull;
	m->hash = mix64(m->hash ^ h ^ (negative ? 0x6e6567ull : 0));
	if (n >= sizeof(buf))
		return;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
	buf[n] = '\0';
	ci = lookup(buf, colour_words, sizeof(colour_words) / sizeof(colour_words[0]),
	    sizeof(colour_words[0]));
	si = lookup(buf, scene_words, sizeof(scene_words) / sizeof(scene_words[0]),
	    sizeof(scene_words[0]));
	if (negative) {
		if (ci >= 0 && colour_words[ci].hue >= 0)
			hue_vote(m, colour_words[ci].hue, -0.6f);
		if (ci >= 0)
			m->neg_flags |= colour_words[ci].flags;
		if (si >= 0)
			m->banned |= 1u << scene_words[si].scene;
		return;
	}
	if (ci >= 0) {
		if (colour_words[ci].hue >= 0)
			hue_vote(m, colour_words[ci].hue, 1);
		m->sat *= colour_words[ci].sat;
		m->val *= colour_words[ci].val;
		m->flags |= colour_words[ci].flags;
	} else {
		hue_vote(m, (float)(h % 360), 0.12f);
	}
	if (si >= 0 && m->norder < MAX_ORDER)
		m->order[m->norder++] = (int)scene_words[si].scene;
}

static void
read_words(mood *m, const char *s, int negative)
{
	while (*s) {
		const char *b;
		while (*s && !word_char((unsigned char)*s))
			s++;
		for (b = s; *s && word_char((unsigned char)*s); s++)
			;
		if (s > b)
			take_word(m, b, (size_t)(s - b), negative);
	}
}

/* The first scene the prompt names that the negative prompt does not; with
 * none named, one chosen by prompt and seed. Sets c->scenes to every scene
 * named and allowed, so a base scene can add lakes, trees or stars. */
static enum scene
choose_scene(canvas *c, const mood *m, uint64_t seed)
{
	int first = -1, allowed = 0, k;

	for (int i = 0; i < m->norder; i++) {
		if (m->banned & 1u << m->order[i])
			continue;
		c->scenes |= 1u << m->order[i];
		if (first < 0)
			first = m->order[i];
	}
	if (first >= 0)
		return (enum scene)first;
	for (int s = 0; s < SC__MAX; s++)
		allowed += !(m->banned & 1u << s);
	if (allowed == 0)
		return SC_ABSTRACT;
	k = (int)(mix64(m->hash ^ seed) % (uint64_t)allowed);
	for (int s = 0; s < SC__MAX; s++)
		if (!(m->banned & 1u << s) && k-- == 0)
			return (enum scene)s;
	return SC_ABSTRACT;
}

static void
make_palette(canvas *c, const mood *m)
{
	static const float offsets[] = { -40, -70, -110, 150, 180, 35 };
	palette *p = &c->pal;
	float hue = hypotf(m->hx, m->hy) > 0.05f ? atan2f(m->hy, m->hx) * 57.29578f : rf(c, 0, 360);
	float off = offsets[rnext(c) % (sizeof(offsets) / sizeof(offsets[0]))];
	float s = clampf(0.7f * m->sat + rf(c, -0.05f, 0.05f), 0.04f, 1);
	float v = clampf(0.9f * m->val, 0.15f, 1);
	int night = (c->flags & F_NIGHT) != 0;

	hue += rf(c, -12, 12);
	p->sky_top = hsv(hue + off, 0.6f * s + 0.1f, night ? 0.16f * v + 0.04f : 0.6f * v + 0.15f);
	p->sky_low = hsv(hue, 0.65f * s, night ? 0.32f * v + 0.05f : 0.98f * v);
	p->sun = hsv(hue + 12, 0.55f * s + 0.1f, 1);
	p->far = hsv(hue + off + 20, 0.35f * s, 0.55f * v + 0.1f);
	p->near = hsv(hue + off + 50, 0.55f * s + 0.1f, night ? 0.12f : 0.26f * v + 0.04f);
	p->accent = hsv(hue + 180 + off * 0.3f, (c->flags & F_NEON) ? 1 : 0.85f * s + 0.1f, 0.95f);
	p->light = hsv(hue + 30, 0.15f * s, 1);
}

int
ig_render_builtin(const char *prompt, const char *negative_prompt, uint64_t seed, int width,
    int height, unsigned char **png, size_t *len)
{
	static void (*const draw[SC__MAX])(canvas *) = {
		[SC_MOUNTAINS] = scene_mountains, [SC_CITY] = scene_city, [SC_SEA] = scene_sea,
		[SC_FOREST] = scene_forest, [SC_SPACE] = scene_space, [SC_PORTRAIT] = scene_portrait,
		[SC_ABSTRACT] = scene_abstract,
	};
	mood m = { .sat = 1, .val = 1 };
	canvas c;
	enum scene sc;
	void *out;
	int size = 0;

	if (prompt == NULL || width < IG_RENDER_MIN_SIDE || width > IG_RENDER_MAX_SIDE ||
	    height < IG_RENDER_MIN_SIDE || height > IG_RENDER_MAX_SIDE)
		return -1;
	read_words(&m, prompt, 0);
	if (negative_prompt != NULL)
		read_words(&m, negative_prompt, 1);
	memset(&c, 0, sizeof(c));
	c.w = width;
	c.h = height;
	c.u = (float)(width < height ? width : height);
	c.rng = mix64(m.hash ^ mix64(seed));
	c.flags = m.flags & ~m.neg_flags;
	sc = choose_scene(&c, &m, seed);
	make_palette(&c, &m);
	if ((c.im = gdImageCreateTrueColor(width, height)) == NULL)
		return -1;
	draw[sc](&c);
	texture(&c);
	out = gdImagePngPtrEx(c.im, &size, 6);
	gdImageDestroy(c.im);
	if (out == NULL || size <= 0) {
		gdFree(out);
		return -1;
	}
	*png = ig_xmalloc((size_t)size);
	memcpy(*png, out, (size_t)size);
	*len = (size_t)size;
	gdFree(out);
	return 0;
}
