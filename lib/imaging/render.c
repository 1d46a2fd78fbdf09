/* render.c — see render.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/core/util.h"
#include "lib/imaging/figures.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/paint.h"
#include "lib/imaging/render.h"
#include "lib/imaging/vocab.h"

/* The scenes are vocab.h's (enum ig_scene); their words live in its table. */
enum scene {
	SC_MOUNTAINS = IG_SC_MOUNTAINS, SC_CITY = IG_SC_CITY, SC_SEA = IG_SC_SEA,
	SC_FOREST = IG_SC_FOREST, SC_SPACE = IG_SC_SPACE, SC_PORTRAIT = IG_SC_PORTRAIT,
	SC_ABSTRACT = IG_SC_ABSTRACT, SC_ROOM = IG_SC_ROOM, SC_MEADOW = IG_SC_MEADOW,
	SC_UNDERWATER = IG_SC_UNDERWATER, SC__MAX = IG_SC__MAX
};

/* The seven scenes drawn before subjects existed: a prompt that names
 * neither scene nor subject still gets one of these. */
#define SC__OLD (SC_ABSTRACT + 1)

enum mood_flag { F_NIGHT = 1, F_SUN = 2, F_NEON = 4, F_MIST = 8, F_SNOW = 16 };

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
	unsigned season, weather, pose; /* vocab.h's bits */
	int subjects;                   /* subjects will be drawn over the scene */
	int table, sofa;                /* a room's furniture */
	float horizon, ground_y, waterline;  /* where subjects stand or float; 0: unset */
} canvas;

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

static void
blend(canvas *c, int x, int y, rgb k, float a)
{
	paint_blend(c->im, x, y, k, a);
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
	c->horizon = horizon;
	gradient_rows(c, c->pal.sky_top, c->pal.sky_low, horizon);
	if ((c->flags & F_NIGHT) || (c->scenes & 1u << SC_SPACE))
		stars(c, horizon, (c->flags & F_NIGHT) ? 0.004f : 0.0015f);
	sky_light(c, horizon);
	if (!(c->flags & F_NIGHT) || rf(c, 0, 1) < 0.3f)
		clouds(c, horizon * 0.8f);
	if (c->weather & (IG_WE_CLOUDY | IG_WE_RAIN | IG_WE_STORM))
		for (int i = 0; i < 3; i++)
			clouds(c, horizon * 0.7f);
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
	if (c->subjects)
		return;  /* the portrait figure sits in front of the backdrop */
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
	int ci;

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
	if (negative) {
		if (ci >= 0 && colour_words[ci].hue >= 0)
			hue_vote(m, colour_words[ci].hue, -0.6f);
		if (ci >= 0)
			m->neg_flags |= colour_words[ci].flags;
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

/* Where a subject lives when the prompt names no scene, where it stands in
 * the picture, and its height as a share of the picture's. */
enum place { P_GROUND, P_SKY, P_WATER, P_SWIM, P_TABLE, P_CENTER };

#define HABIT(id, name, figure, aspect, home, place, height) [IG_SU_##id] = { IG_SC_##home, P_##place, height },
static const struct {
	unsigned char home, place;
	float height;
} habits[IG_SU__MAX] = { IG_SUBJECTS(HABIT) };
#undef HABIT

/* The first scene the prompt names that the negative prompt does not; with
 * none named, the first subject's home; with no subject, one of the old
 * seven chosen by prompt and seed. Sets c->scenes to every scene named and
 * allowed, so a base scene can add lakes, trees or stars. */
static enum scene
choose_scene(canvas *c, const mood *m, const ig_vparse *v, uint64_t seed)
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
	for (int i = 0; i < v->nsubj; i++) {
		int id = v->subj[i].id;
		if ((v->pose & IG_PO_BOUQUET) && (id == IG_SU_ROSE || id == IG_SU_FLOWER ||
		    id == IG_SU_SUNFLOWER) && !(m->banned & 1u << SC_ROOM))
			return SC_ROOM;  /* a bouquet stands in a vase on a table */
		if (!(m->banned & 1u << habits[id].home))
			return (enum scene)habits[id].home;
		if ((id == IG_SU_WHALE || id == IG_SU_FISH) && !(m->banned & 1u << SC_UNDERWATER))
			return SC_UNDERWATER;
	}
	if (v->nsubj > 0 && !(m->banned & 1u << SC_MEADOW))
		return SC_MEADOW;
	for (int s = 0; s < SC__OLD; s++)
		allowed += !(m->banned & 1u << s);
	if (allowed == 0)
		return SC_ABSTRACT;
	k = (int)(mix64(m->hash ^ seed) % (uint64_t)allowed);
	for (int s = 0; s < SC__OLD; s++)
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

/* Fold what the vocabulary read into the mood: the scenes named in order
 * (the negative prompt's are ruled out), times of day, weather and seasons
 * as flags (also from Chinese and Japanese words), and the negative
 * prompt's subjects dropped. */
static void
understood(mood *m, ig_vparse *v, const ig_vparse *nv)
{
	for (int i = 0; i < v->nscenes && m->norder < MAX_ORDER; i++)
		m->order[m->norder++] = v->scenes[i];
	for (int i = 0; i < nv->nscenes; i++)
		m->banned |= 1u << nv->scenes[i];
	m->flags |= (v->time & IG_TI_NIGHT ? F_NIGHT : 0) | (v->time & IG_TI_SUNSET ? F_SUN : 0) |
	    (v->weather & (IG_WE_FOG | IG_WE_STORM) ? F_MIST : 0) |
	    (v->weather & IG_WE_SNOW || v->season & IG_SE_WINTER ? F_SNOW : 0);
	m->neg_flags |= (nv->time & IG_TI_NIGHT ? F_NIGHT : 0) | (nv->time & IG_TI_SUNSET ? F_SUN : 0) |
	    (nv->weather & IG_WE_FOG ? F_MIST : 0) | (nv->weather & IG_WE_SNOW ? F_SNOW : 0);
	for (int i = 0; i < v->nsubj; i++) {
		if (v->subj[i].id == IG_SU_SNOWMAN || v->subj[i].id == IG_SU_PENGUIN)
			m->flags |= F_SNOW;  /* they stand in snow */
		if (v->subj[i].id == IG_SU_ICE_CREAM && !(v->weather & IG_WE_SNOW) &&
		    !(v->season & IG_SE_WINTER))
			m->flags &= ~(unsigned)F_SNOW;  /* the "ice" of ice cream is no winter */
	}
	for (int i = 0; i < v->nsubj;) {
		int gone = 0;
		for (int k = 0; k < nv->nsubj; k++)
			gone |= nv->subj[k].id == v->subj[i].id;
		if (gone) {
			memmove(&v->subj[i], &v->subj[i + 1], sizeof(v->subj[0]) * (size_t)(v->nsubj - i - 1));
			v->nsubj--;
		} else {
			i++;
		}
	}
}

/* ---- scenes for subjects: a meadow, a room, under water ---- */

/* The ground's colours for the season and the time of day. */
static void
ground_colours(const canvas *c, rgb *top, rgb *bottom)
{
	float night = (c->flags & F_NIGHT) ? 0.35f : 1.0f;

	if ((c->flags & F_SNOW) || (c->season & IG_SE_WINTER)) {
		*top = hsv(210, 0.06f, 0.95f * night);
		*bottom = hsv(215, 0.12f, 0.82f * night);
	} else if (c->season & IG_SE_AUTUMN) {
		*top = hsv(32, 0.6f, 0.7f * night);
		*bottom = hsv(22, 0.65f, 0.45f * night);
	} else {
		*top = hsv(95, 0.5f, 0.68f * night);
		*bottom = hsv(110, 0.6f, 0.4f * night);
	}
	*top = mix(*top, c->pal.sky_low, 0.15f);
}

/* A rolling strip of ground whose top is near y. */
static void
ground_band(canvas *c, float y, rgb top, rgb bottom)
{
	ridge r = { rnext(c), y + c->u * 0.02f, c->u * 0.03f, (float)c->w * 0.6f };

	fill_ridge(c, &r, top, bottom, -1);
}

static void
scene_meadow(canvas *c)
{
	float H = (float)c->h, horizon = H * rf(c, 0.5f, 0.6f);
	rgb top, bottom, haze = mix(c->pal.far, c->pal.sky_low, 0.5f);
	ridge hills = { rnext(c), horizon, H * 0.08f, (float)c->w * 0.35f };

	sky(c, horizon);
	fill_ridge(c, &hills, haze, haze, -1);
	ground_colours(c, &top, &bottom);
	ground_band(c, horizon, top, bottom);
	if (!(c->flags & F_SNOW) && !(c->season & (IG_SE_WINTER | IG_SE_AUTUMN)))
		for (int i = 0; i < 60; i++) {
			float y = rf(c, horizon + c->u * 0.06f, H), r = c->u * 0.004f * (1 + 2 * y / H);
			rgb k = hsv(rf(c, 0, 1) < 0.5f ? 50 : rf(c, 280, 360), 0.6f, 0.95f);
			ellipse(c, rf(c, 0, (float)c->w), y, r, r, k, 0.9f, 1);
		}
	c->ground_y = H * 0.9f;
}

static void
scene_room(canvas *c)
{
	float W = (float)c->w, H = (float)c->h, floor_y = H * 0.72f;
	float night = (c->flags & F_NIGHT) ? 0.55f : 1.0f;
	rgb wall = scale(mix(hsv(35, 0.25f, 0.88f), c->pal.sky_low, 0.25f), night);
	rgb wood = scale(hsv(28, 0.55f, 0.55f), night);
	float wx0 = W * rf(c, 0.06f, 0.5f), wx1 = wx0 + W * 0.3f, wy0 = H * 0.1f, wy1 = H * 0.48f;

	for (int y = 0; y < c->h; y++) {
		rgb k = (float)y < floor_y ? scale(wall, 1.05f - 0.15f * (float)y / floor_y)
					   : scale(wood, 0.8f + 0.3f * ((float)y - floor_y) / (H - floor_y));
		int v = pack(k);
		for (int x = 0; x < c->w; x++)
			c->im->tpixels[y][x] = v;
	}
	for (int i = 1; i < 6; i++) {
		float y = floor_y + (H - floor_y) * (float)(i * i) / 30.0f;
		gdImageLine(c->im, 0, (int)y, c->w, (int)y, gdcol(scale(wood, 0.7f), 1));
	}
	gdImageFilledRectangle(c->im, 0, (int)floor_y - (int)(c->u * 0.02f), c->w, (int)floor_y,
	    gdcol(scale(wall, 0.8f), 1));
	/* a window onto the sky of the time of day */
	for (int y = (int)wy0; y < (int)wy1; y++) {
		int v = pack(mix(c->pal.sky_top, c->pal.sky_low, ((float)y - wy0) / (wy1 - wy0)));
		for (int x = (int)wx0; x < (int)wx1; x++)
			c->im->tpixels[y][x] = v;
	}
	ellipse(c, wx0 + (wx1 - wx0) * 0.7f, wy0 + (wy1 - wy0) * 0.35f, c->u * 0.04f, c->u * 0.04f,
	    c->pal.light, 1, 1.5f);
	gdImageSetThickness(c->im, (int)fmaxf(2, c->u * 0.015f));
	gdImageRectangle(c->im, (int)wx0, (int)wy0, (int)wx1, (int)wy1, gdcol(scale(wood, 1.2f), 1));
	gdImageLine(c->im, (int)((wx0 + wx1) / 2), (int)wy0, (int)((wx0 + wx1) / 2), (int)wy1,
	    gdcol(scale(wood, 1.2f), 1));
	gdImageLine(c->im, (int)wx0, (int)((wy0 + wy1) / 2), (int)wx1, (int)((wy0 + wy1) / 2),
	    gdcol(scale(wood, 1.2f), 1));
	gdImageSetThickness(c->im, 1);
	c->ground_y = H * 0.93f;
	if (c->table) {
		rgb t = scale(hsv(25, 0.5f, 0.45f), night);
		gdImageFilledRectangle(c->im, (int)(W * 0.08f), (int)(H * 0.66f), (int)(W * 0.92f),
		    (int)(H * 0.72f), gdcol(t, 1));
		gdImageFilledRectangle(c->im, (int)(W * 0.12f), (int)(H * 0.72f), (int)(W * 0.16f), c->h,
		    gdcol(scale(t, 0.8f), 1));
		gdImageFilledRectangle(c->im, (int)(W * 0.84f), (int)(H * 0.72f), (int)(W * 0.88f), c->h,
		    gdcol(scale(t, 0.8f), 1));
		c->ground_y = H * 0.665f;
	} else if (c->sofa) {
		rgb s = scale(hsv(rf(c, 0, 360), 0.45f, 0.6f), night);
		gdImageFilledRectangle(c->im, (int)(W * 0.04f), (int)(H * 0.46f), (int)(W * 0.96f),
		    (int)(H * 0.72f), gdcol(scale(s, 0.85f), 1));
		gdImageFilledRectangle(c->im, (int)(W * 0.04f), (int)(H * 0.7f), (int)(W * 0.96f),
		    (int)(H * 0.9f), gdcol(s, 1));
		gdImageFilledRectangle(c->im, (int)(W * 0.0f), (int)(H * 0.6f), (int)(W * 0.08f),
		    (int)(H * 0.92f), gdcol(scale(s, 0.75f), 1));
		gdImageFilledRectangle(c->im, (int)(W * 0.92f), (int)(H * 0.6f), (int)W, (int)(H * 0.92f),
		    gdcol(scale(s, 0.75f), 1));
		c->ground_y = H * 0.74f;
	}
}

static void
scene_underwater(canvas *c)
{
	float W = (float)c->w, H = (float)c->h;
	rgb top = hsv(190, 0.55f, 0.8f), deep = hsv(222, 0.85f, 0.22f);
	ridge sand = { rnext(c), H * 0.9f, H * 0.05f, W * 0.4f };

	for (int y = 0; y < c->h; y++) {
		int v = pack(mix(top, deep, (float)y / H));
		for (int x = 0; x < c->w; x++)
			c->im->tpixels[y][x] = v;
	}
	for (int i = 0; i < 5; i++) {
		float x = rf(c, 0, W), s = W * rf(c, 0.03f, 0.08f);
		gdPoint p[4] = { { (int)x, 0 }, { (int)(x + s), 0 }, { (int)(x + s * 3), (int)(H * 0.8f) },
			{ (int)(x + s * 1.5f), (int)(H * 0.8f) } };
		gdImageFilledPolygon(c->im, p, 4, gdcol((rgb){ 230, 250, 255 }, 0.12f));
	}
	fill_ridge(c, &sand, hsv(40, 0.35f, 0.75f), hsv(35, 0.4f, 0.5f), -1);
	for (int i = 0; i < 7; i++) {
		float x = rf(c, 0, W), y = H * 0.93f, ht = H * rf(c, 0.15f, 0.35f), ph = rf(c, 0, 6);
		gdImageSetThickness(c->im, (int)fmaxf(2, c->u * 0.012f));
		for (int j = 0; j < 12; j++) {
			float y0 = y - ht * (float)j / 12, y1 = y - ht * (float)(j + 1) / 12;
			gdImageLine(c->im, (int)(x + c->u * 0.02f * sinf(ph + (float)j * 0.7f)), (int)y0,
			    (int)(x + c->u * 0.02f * sinf(ph + (float)(j + 1) * 0.7f)), (int)y1,
			    gdcol(hsv(120, 0.6f, 0.45f), 1));
		}
		gdImageSetThickness(c->im, 1);
	}
	for (int i = 0; i < 25; i++) {
		float r = c->u * rf(c, 0.004f, 0.015f);
		ellipse(c, rf(c, 0, W), rf(c, 0, H * 0.85f), r, r, (rgb){ 220, 245, 255 }, 0.45f, r * 0.5f);
	}
	c->horizon = 0;
	c->ground_y = H * 0.93f;
}

/* ---- composition ---- */

typedef struct inst {
	int subject, colour;
	int bouquet;            /* > 0: a vase of this many of subject */
	float h;                /* height in pixels */
	uint64_t seed;
} inst;

static float
inst_aspect(const inst *in)
{
	return in->bouquet ? IG_BOUQUET_ASPECT : ig_figure_aspect(in->subject);
}

static void
figure(const inst *in, const ig_fig *f)
{
	if (in->bouquet)
		ig_figure_bouquet(f, in->subject, in->bouquet);
	else
		ig_figure_draw(in->subject, f);
}

static void
draw_inst(canvas *c, const inst *in, float x, float bottom, int style)
{
	ig_fig f;
	float w = in->h * inst_aspect(in);

	memset(&f, 0, sizeof(f));
	f.im = c->im;
	f.x = x - w / 2;
	f.y = bottom - in->h;
	f.w = w;
	f.h = in->h;
	f.seed = in->seed;
	f.style = style;
	f.season = c->season;
	f.pose = (int)c->pose;
	if (in->colour >= 0) {
		float hh, ss, vv;
		rgb k;
		ig_colour_hsv(in->colour, &hh, &ss, &vv);
		k = hsv(hh, ss, vv);
		f.coloured = 1;
		f.col[0] = k.r;
		f.col[1] = k.g;
		f.col[2] = k.b;
	}
	if (!(c->flags & (F_NIGHT | F_SUN))) {
		figure(in, &f);
		return;
	}
	/* under the moon or a low sun the figure takes the scene's light: the
	 * pixels it changed (its box and a margin for glows) are tinted */
	{
		int x0 = (int)fmaxf(0, f.x - f.w * 0.3f), x1 = (int)fminf((float)c->w, f.x + f.w * 1.3f);
		int y0 = (int)fmaxf(0, f.y - f.h * 0.3f), y1 = (int)fminf((float)c->h, f.y + f.h * 1.3f);
		int bw = x1 - x0, *before;
		int night = (c->flags & F_NIGHT) != 0;
		rgb tint = night ? scale(c->pal.sky_top, 0.8f) : c->pal.sun;

		if (bw <= 0 || y1 <= y0) {
			figure(in, &f);
			return;
		}
		before = ig_xmalloc(sizeof(int) * (size_t)bw * (size_t)(y1 - y0));
		for (int y = y0; y < y1; y++)
			memcpy(before + (size_t)(y - y0) * (size_t)bw, &c->im->tpixels[y][x0], sizeof(int) * (size_t)bw);
		figure(in, &f);
		for (int y = y0; y < y1; y++)
			for (int px = x0; px < x1; px++) {
				int *p = &c->im->tpixels[y][px];
				if (*p == before[(size_t)(y - y0) * (size_t)bw + (size_t)(px - x0)])
					continue;
				if (night) {
					rgb k = { (float)gdTrueColorGetRed(*p), (float)gdTrueColorGetGreen(*p),
						(float)gdTrueColorGetBlue(*p) };
					*p = pack(mix(scale(k, 0.5f), tint, 0.25f));
				} else {
					blend(c, px, y, tint, 0.18f);
				}
			}
		free(before);
	}
}

/* Lay n instances out in a row across the picture (shrunk to fit) and
 * draw them: place decides the height each stands at. */
static void
draw_row(canvas *c, inst *row, int n, int place, int style)
{
	float W = (float)c->w, H = (float)c->h, total = 0, gap, x;

	if (n == 0)
		return;
	for (int i = 0; i < n; i++) {
		if (n > 1)
			row[i].h *= fmaxf(0.5f, 1.15f / sqrtf((float)n));
		total += row[i].h * inst_aspect(&row[i]);
	}
	gap = total * 0.12f / (float)n;
	if (total + gap * (float)n > W * 0.94f) {
		float k = W * 0.94f / (total + gap * (float)n);
		for (int i = 0; i < n; i++)
			row[i].h *= k;
		total *= k;
		gap *= k;
	}
	x = (W - total - gap * (float)n) / 2 + gap / 2 + rf(c, -0.5f, 0.5f) * (W * 0.94f - total - gap * (float)n) * 0.5f;
	if (x < 0)
		x = gap / 2;
	for (int i = 0; i < n; i++) {
		float w = row[i].h * inst_aspect(&row[i]), bottom;
		switch (place) {
		case P_SKY: bottom = H * rf(c, 0.12f, 0.4f) + row[i].h; break;
		case P_WATER: bottom = c->waterline + row[i].h * 0.12f; break;
		case P_SWIM:
			bottom = rf(c, fmaxf(c->horizon + H * 0.05f, H * 0.15f) + row[i].h, H * 0.92f);
			break;
		case P_CENTER: bottom = row[i].subject == IG_SU_PORTRAIT ? H : (H + row[i].h) / 2; break;
		default: bottom = c->ground_y - (n > 2 && i % 2 ? H * 0.03f : 0); break;
		}
		draw_inst(c, &row[i], x + w / 2, bottom, style);
		x += w + gap;
	}
}

#define MAX_INST 12

static int
is_flower(int subject)
{
	return subject == IG_SU_ROSE || subject == IG_SU_FLOWER || subject == IG_SU_SUNFLOWER;
}

static void
compose(canvas *c, const ig_vparse *v, enum scene sc, int style)
{
	inst rows[6][MAX_INST];
	int nrow[6] = { 0 }, total = 0;
	float H = (float)c->h;

	for (int i = 0; i < v->nsubj; i++) {
		const ig_vsubject *s = &v->subj[i];
		int place = habits[s->id].place;
		if (place == P_TABLE && !(sc == SC_ROOM && c->table))
			place = P_GROUND;
		if (place == P_CENTER && s->id != IG_SU_PORTRAIT && sc != SC_SPACE)
			place = s->id == IG_SU_ASTRONAUT ? P_GROUND : P_SKY;
		if (s->id == IG_SU_WHALE && sc == SC_UNDERWATER)
			place = P_SWIM;
		if (s->id == IG_SU_FISH && sc != SC_UNDERWATER && sc != SC_SEA)
			place = P_WATER;
		if ((c->pose & IG_PO_BOUQUET) && is_flower(s->id)) {
			/* one vase of them, on the table or the ground */
			inst *in = &rows[sc == SC_ROOM && c->table ? P_TABLE : P_GROUND][nrow[sc == SC_ROOM &&
			    c->table ? P_TABLE : P_GROUND]++];
			in->subject = s->id;
			in->colour = s->colour;
			in->bouquet = s->count < 3 ? 5 : s->count;
			in->h = H * 0.55f;
			in->seed = rnext(c);
			total++;
			continue;
		}
		for (int k = 0; k < s->count && total < MAX_INST; k++, total++) {
			inst *in = &rows[place][nrow[place]++];
			in->subject = s->id;
			in->bouquet = 0;
			in->colour = s->colour;
			in->h = habits[s->id].height * H * (i == 0 ? 1.0f : 0.85f);
			in->seed = rnext(c) ^ (uint64_t)k;
			if (place == P_TABLE)
				in->h *= 0.9f;
		}
	}
	if (nrow[P_WATER] > 0 && sc != SC_SEA) {
		/* a strip of water to float on */
		rgb w = mix(c->pal.sky_top, hsv(205, 0.6f, 0.55f), 0.6f);
		for (int y = (int)(H * 0.8f); y < c->h; y++)
			for (int x = 0; x < c->w; x++)
				blend(c, x, y, scale(w, 1 - 0.3f * ((float)y - H * 0.8f) / (H * 0.2f)), 0.9f);
		c->waterline = H * 0.86f;
	}
	if ((nrow[P_GROUND] > 0 || nrow[P_TABLE] > 0) && c->ground_y <= 0) {
		rgb top, bottom;
		ground_colours(c, &top, &bottom);
		if (sc == SC_CITY) {
			top = scale((rgb){ 90, 90, 95 }, (c->flags & F_NIGHT) ? 0.5f : 1);
			bottom = scale(top, 0.7f);
		} else if (sc == SC_SEA && !(c->flags & F_SNOW)) {
			top = hsv(42, 0.35f, (c->flags & F_NIGHT) ? 0.35f : 0.85f);
			bottom = scale(top, 0.8f);
		} else if (sc == SC_SPACE) {
			top = (rgb){ 150, 150, 155 };
			bottom = (rgb){ 80, 80, 85 };
		}
		if (sc != SC_ABSTRACT && sc != SC_PORTRAIT)
			ground_band(c, H * 0.8f, top, bottom);
		if (sc == SC_CITY)
			for (int x = 0; x < c->w; x += (int)(c->u * 0.12f) + 1)
				gdImageFilledRectangle(c->im, x, (int)(H * 0.91f), x + (int)(c->u * 0.06f),
				    (int)(H * 0.915f) + 1, gdcol((rgb){ 240, 230, 180 }, 1));
		c->ground_y = H * 0.92f;
	}
	draw_row(c, rows[P_SKY], nrow[P_SKY], P_SKY, style);
	draw_row(c, rows[P_CENTER], nrow[P_CENTER], P_CENTER, style);
	draw_row(c, rows[P_WATER], nrow[P_WATER], P_WATER, style);
	draw_row(c, rows[P_SWIM], nrow[P_SWIM], P_SWIM, style);
	draw_row(c, rows[P_GROUND], nrow[P_GROUND], P_GROUND, style);
	draw_row(c, rows[P_TABLE], nrow[P_TABLE], P_TABLE, style);
}

/* ---- weather ---- */

static void
weather(canvas *c, unsigned w)
{
	float W = (float)c->w, H = (float)c->h;

	if (w & IG_WE_STORM) {
		float x = rf(c, 0.2f, 0.8f) * W, y = 0;
		for (int y2 = 0; y2 < c->h; y2++)
			for (int x2 = 0; x2 < c->w; x2++)
				blend(c, x2, y2, (rgb){ 30, 35, 50 }, 0.3f);
		gdImageSetThickness(c->im, (int)fmaxf(2, c->u * 0.006f));
		while (y < H * 0.55f) {
			float nx = x + rf(c, -0.05f, 0.05f) * W, ny = y + rf(c, 0.04f, 0.1f) * H;
			gdImageLine(c->im, (int)x, (int)y, (int)nx, (int)ny, gdcol((rgb){ 255, 255, 230 }, 1));
			x = nx;
			y = ny;
		}
		gdImageSetThickness(c->im, 1);
	}
	if (w & (IG_WE_RAIN | IG_WE_STORM)) {
		int n = (int)(W * H / 700);
		int col = gdcol((rgb){ 210, 220, 235 }, 0.45f);
		for (int i = 0; i < n; i++) {
			float x = rf(c, 0, W), y = rf(c, 0, H), l = c->u * rf(c, 0.02f, 0.05f);
			gdImageLine(c->im, (int)x, (int)y, (int)(x - l * 0.25f), (int)(y + l), col);
		}
	}
	if (w & IG_WE_SNOW) {
		int n = (int)(W * H / 1200);
		for (int i = 0; i < n; i++) {
			float r = c->u * rf(c, 0.002f, 0.006f);
			ellipse(c, rf(c, 0, W), rf(c, 0, H), r, r, (rgb){ 255, 255, 255 }, 0.85f, 1);
		}
	}
	/* the scenes veil their own distances in fog (F_MIST); this veils the
	 * subjects drawn over them */
	if ((w & IG_WE_FOG) && c->subjects)
		for (int y = 0; y < c->h; y++)
			for (int x = 0; x < c->w; x++)
				blend(c, x, y, c->pal.sky_low, 0.12f + 0.12f * (float)y / H);
}

/* ---- styles ---- */

/* Low poly: a jittered triangle grid, each triangle one flat colour (the
 * picture's at its centroid). */
static gdImagePtr
low_poly(canvas *c)
{
	int n = 36, gw, gh;
	float cell = c->u / (float)n;
	gdImagePtr out = gdImageCreateTrueColor(c->w, c->h);
	gdPoint *v;

	if (out == NULL)
		return NULL;
	gw = (int)((float)c->w / cell) + 2;
	gh = (int)((float)c->h / cell) + 2;
	v = ig_xmalloc(sizeof(gdPoint) * (size_t)gw * (size_t)gh);
	for (int j = 0; j < gh; j++)
		for (int i = 0; i < gw; i++) {
			float jx = (i == 0 || i == gw - 1) ? 0 : rf(c, -0.35f, 0.35f);
			float jy = (j == 0 || j == gh - 1) ? 0 : rf(c, -0.35f, 0.35f);
			v[j * gw + i] = (gdPoint){ (int)(((float)i + jx) * cell), (int)(((float)j + jy) * cell) };
		}
	for (int j = 0; j + 1 < gh; j++)
		for (int i = 0; i + 1 < gw; i++) {
			gdPoint a = v[j * gw + i], b = v[j * gw + i + 1], d = v[(j + 1) * gw + i],
				e = v[(j + 1) * gw + i + 1];
			gdPoint t[2][3] = { { a, b, e }, { a, e, d } };
			for (int k = 0; k < 2; k++) {
				int cx = (t[k][0].x + t[k][1].x + t[k][2].x) / 3;
				int cy = (t[k][0].y + t[k][1].y + t[k][2].y) / 3;
				cx = cx < 0 ? 0 : cx >= c->w ? c->w - 1 : cx;
				cy = cy < 0 ? 0 : cy >= c->h ? c->h - 1 : cy;
				gdImageFilledPolygon(out, t[k], 3, c->im->tpixels[cy][cx]);
			}
		}
	free(v);
	return out;
}

/* A neighbourhood filter of styles.c run at half size above 512 px and
 * scaled back: the strokes and washes grow with the picture, the time does
 * not grow fourfold. */
static gdImagePtr
half_size_style(canvas *c, const char *name)
{
	gdImagePtr small, done, out;
	ig_err err;
	int w = c->w / 2, h = c->h / 2;

	if (c->w <= 512 && c->h <= 512)
		return ig_img_style(c->im, name, 1.0, &err);
	if ((small = gdImageCreateTrueColor(w, h)) == NULL)
		return NULL;
	gdImageCopyResampled(small, c->im, 0, 0, 0, 0, w, h, c->w, c->h);
	done = ig_img_style(small, name, 1.0, &err);
	gdImageDestroy(small);
	if (done == NULL)
		return NULL;
	if ((out = gdImageCreateTrueColor(c->w, c->h)) != NULL)
		gdImageCopyResampled(out, done, 0, 0, 0, 0, c->w, c->h, w, h);
	gdImageDestroy(done);
	return out;
}

static void
apply_style(canvas *c, int style)
{
	gdImagePtr out = NULL, mid;
	ig_err err;

	switch (style) {
	case IG_ST_WATERCOLOR: out = half_size_style(c, "watercolor"); break;
	case IG_ST_OIL: out = half_size_style(c, "oil_painting"); break;
	case IG_ST_SKETCH: out = half_size_style(c, "sketch"); break;
	case IG_ST_ANIME: out = ig_img_style(c->im, "posterize", 0.5, &err); break;
	case IG_ST_PIXEL:
		mid = ig_img_style(c->im, "pixelate", 1.0, &err);
		if (mid != NULL) {
			out = ig_img_style(mid, "posterize", 0.8, &err);
			gdImageDestroy(mid);
		}
		break;
	case IG_ST_LOWPOLY: out = low_poly(c); break;
	default: return;
	}
	if (out == NULL)
		return;
	gdImageSaveAlpha(out, 0);
	gdImageDestroy(c->im);
	c->im = out;
}

int
ig_render_builtin(const char *prompt, const char *negative_prompt, uint64_t seed, int width,
    int height, unsigned char **png, size_t *len, ig_drawn *drawn)
{
	static void (*const draw[SC__MAX])(canvas *) = {
		[SC_MOUNTAINS] = scene_mountains, [SC_CITY] = scene_city, [SC_SEA] = scene_sea,
		[SC_FOREST] = scene_forest, [SC_SPACE] = scene_space, [SC_PORTRAIT] = scene_portrait,
		[SC_ABSTRACT] = scene_abstract, [SC_ROOM] = scene_room, [SC_MEADOW] = scene_meadow,
		[SC_UNDERWATER] = scene_underwater,
	};
	mood m = { .sat = 1, .val = 1 };
	ig_vparse v, nv;
	canvas c;
	enum scene sc;
	ig_err err;
	int rc, style;

	if (prompt == NULL || width < IG_RENDER_MIN_SIDE || width > IG_RENDER_MAX_SIDE ||
	    height < IG_RENDER_MIN_SIDE || height > IG_RENDER_MAX_SIDE)
		return -1;
	read_words(&m, prompt, 0);
	ig_vocab_parse(prompt, &v);
	ig_vocab_parse(negative_prompt, &nv);
	if (negative_prompt != NULL)
		read_words(&m, negative_prompt, 1);
	understood(&m, &v, &nv);
	memset(&c, 0, sizeof(c));
	c.w = width;
	c.h = height;
	c.u = (float)(width < height ? width : height);
	c.rng = mix64(m.hash ^ mix64(seed));
	c.flags = m.flags & ~m.neg_flags;
	c.season = v.season & ~nv.season;
	c.weather = v.weather & ~nv.weather;
	c.pose = v.pose & ~nv.pose;
	c.subjects = v.nsubj;
	style = v.style == nv.style ? IG_ST_NONE : v.style;
	sc = choose_scene(&c, &m, &v, seed);
	for (int i = 0; i < v.nsubj; i++) {
		c.table |= habits[v.subj[i].id].place == P_TABLE ||
		    ((c.pose & IG_PO_BOUQUET) && is_flower(v.subj[i].id));
		c.sofa |= habits[v.subj[i].id].place == P_GROUND;
	}
	make_palette(&c, &m);
	if ((c.im = gdImageCreateTrueColor(width, height)) == NULL)
		return -1;
	draw[sc](&c);
	if (c.waterline <= 0)
		c.waterline = c.horizon > 0 ? c.horizon + ((float)c.h - c.horizon) * 0.4f : (float)c.h * 0.8f;
	compose(&c, &v, sc, style);
	weather(&c, c.weather);
	texture(&c);
	apply_style(&c, style);
	/* libpng row by row at zlib level 2 (ops.h): a third of the time of
	 * libgd's level 6 for a slightly larger file */
	rc = ig_img_encode(c.im, IG_IMG_PNG, 0, png, len, &err);
	gdImageDestroy(c.im);
	if (rc != 0)
		return -1;
	if (drawn != NULL) {
		memset(drawn, 0, sizeof(*drawn));
		for (int i = 0; i < v.nsubj; i++) {
			drawn->subjects[i] = ig_subject_name(v.subj[i].id);
			drawn->counts[i] = v.subj[i].count;
		}
		drawn->nsubjects = v.nsubj;
		drawn->scene = ig_scene_name(sc);
		drawn->style = ig_style_name(style);
		for (int i = 0; i < v.ncolours; i++)
			drawn->colors[i] = ig_colour_name(v.colours[i]);
		drawn->ncolors = v.ncolours;
	}
	return 0;
}
