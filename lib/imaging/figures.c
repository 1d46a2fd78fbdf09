/* figures.c — see figures.h. Coordinates of every part are fractions of the
 * figure's box (0,0 top left, 1,1 bottom right), so a figure draws at any
 * size; a mirrored figure flips x. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/imaging/figures.h"
#include "lib/imaging/paint.h"
#include "lib/imaging/vocab.h"

enum shading { SH_SOFT, SH_REAL, SH_CEL, SH_FLAT };

/* A figure being drawn. */
typedef struct fx {
	const ig_fig *f;
	gdImagePtr im;
	int flip;
	float ow;               /* outline width, pixels */
	float ok;               /* outline darkness: colour × ok */
	enum shading sh;
	uint64_t rng;
} fx;

static float
rf(fx *d, float lo, float hi)
{
	d->rng += 0x9e3779b97f4a7c15ull;
	return lo + (hi - lo) * (float)(mix64(d->rng) >> 40) * (1.0f / 16777216.0f);
}

static int
ri(fx *d, int n)
{
	return (int)rf(d, 0, (float)n - 0.001f);
}

static rgb
RGB(float r, float g, float b)
{
	return (rgb){ r, g, b };
}

/* The colour the prompt named for the figure's main part, else natural. */
static rgb
main_col(fx *d, rgb natural)
{
	const ig_fig *f = d->f;

	return f->coloured ? RGB(f->col[0], f->col[1], f->col[2]) : natural;
}

static float
X(fx *d, float u)
{
	return d->f->x + (d->flip ? 1 - u : u) * d->f->w;
}

static float
Y(fx *d, float v)
{
	return d->f->y + v * d->f->h;
}

static void
put(fx *d, int x, int y, rgb k)
{
	if ((unsigned)x < (unsigned)gdImageSX(d->im) && (unsigned)y < (unsigned)gdImageSY(d->im))
		d->im->tpixels[y][x] = pack(k);
}

static void
blend(fx *d, int x, int y, rgb k, float a)
{
	paint_blend(d->im, x, y, k, a);
}

/* Brightness of a surface point lit from the upper left, by style: lam is
 * 0 (turned away) … 1 (facing the light). */
static rgb
lit(fx *d, rgb k, float lam)
{
	switch (d->sh) {
	case SH_REAL: {
		rgb c = scale(k, 0.42f + 0.78f * lam);
		return lam > 0.92f ? mix(c, RGB(255, 255, 255), (lam - 0.92f) * 5) : c;
	}
	case SH_CEL: return scale(k, lam > 0.42f ? 1.0f : 0.72f);
	case SH_FLAT: return k;
	default: return scale(k, 0.74f + 0.36f * lam);
	}
}

static rgb
dark(fx *d, rgb k)
{
	return scale(k, d->ok);
}

/* Filled ellipse at (cx, cy) (box fractions), radii rx × w and ry × h,
 * turned by rot degrees; shaded as a dome, outlined. */
static void
el(fx *d, float cx, float cy, float rx, float ry, float rot, rgb k)
{
	float px = X(d, cx), py = Y(d, cy), ax = rx * d->f->w, ay = ry * d->f->h;
	float th = (d->flip ? -rot : rot) * 0.0174533f, cs = cosf(th), sn = sinf(th);
	float ext = fmaxf(ax, ay) + 1, m = fminf(ax, ay), edge = d->ow > 0 ? 1 - d->ow / m : 2;
	rgb o = dark(d, k);

	if (ax < 0.5f || ay < 0.5f)
		return;
	for (int y = (int)(py - ext); y <= (int)(py + ext); y++) {
		for (int x = (int)(px - ext); x <= (int)(px + ext); x++) {
			float dx = (float)x + 0.5f - px, dy = (float)y + 0.5f - py;
			float lx = (dx * cs + dy * sn) / ax, ly = (-dx * sn + dy * cs) / ay;
			float d2 = lx * lx + ly * ly, r, nx, ny, nz;
			if (d2 >= 1)
				continue;
			r = sqrtf(d2);
			if (r > edge) {
				put(d, x, y, o);
				continue;
			}
			nx = dx / ext;
			ny = dy / ext;
			nz = sqrtf(fmaxf(0, 1 - d2));
			put(d, x, y, lit(d, k, clampf(-0.45f * nx - 0.55f * ny + 0.72f * nz, 0, 1)));
		}
	}
}

/* Ellipse without outline or shading (eyes, spots, highlights). */
static void
dot(fx *d, float cx, float cy, float rx, float ry, rgb k)
{
	float px = X(d, cx), py = Y(d, cy), ax = rx * d->f->w, ay = ry * d->f->h;

	if (ax < 0.5f)
		ax = 0.5f;
	if (ay < 0.5f)
		ay = 0.5f;
	for (int y = (int)(py - ay); y <= (int)(py + ay) + 1; y++)
		for (int x = (int)(px - ax); x <= (int)(px + ax) + 1; x++) {
			float dx = ((float)x + 0.5f - px) / ax, dy = ((float)y + 0.5f - py) / ay;
			if (dx * dx + dy * dy < 1)
				put(d, x, y, k);
		}
}

/* A soft translucent glow (lamp light, flames, spray). */
static void
glow(fx *d, float cx, float cy, float r, rgb k, float a)
{
	float px = X(d, cx), py = Y(d, cy), R = r * fminf(d->f->w, d->f->h);

	for (int y = (int)(py - R); y <= (int)(py + R); y++)
		for (int x = (int)(px - R); x <= (int)(px + R); x++) {
			float dx = (float)x - px, dy = (float)y - py, t = 1 - sqrtf(dx * dx + dy * dy) / R;
			if (t > 0)
				blend(d, x, y, k, a * t * t);
		}
}

#define MAXPTS 64

/* Filled polygon of n points (x0, y0, x1, y1 … in box fractions), shaded
 * across its bounding box, outlined. */
static void
poly(fx *d, const float *pts, int n, rgb k)
{
	float xs[MAXPTS], ys[MAXPTS], x0 = 1e9f, x1 = -1e9f, y0 = 1e9f, y1 = -1e9f;
	gdPoint gp[MAXPTS];

	if (n < 3 || n > MAXPTS)
		return;
	for (int i = 0; i < n; i++) {
		xs[i] = X(d, pts[2 * i]);
		ys[i] = Y(d, pts[2 * i + 1]);
		x0 = fminf(x0, xs[i]);
		x1 = fmaxf(x1, xs[i]);
		y0 = fminf(y0, ys[i]);
		y1 = fmaxf(y1, ys[i]);
		gp[i] = (gdPoint){ (int)lroundf(xs[i]), (int)lroundf(ys[i]) };
	}
	for (int y = (int)floorf(y0); y <= (int)ceilf(y1); y++) {
		float sy = (float)y + 0.5f, cross[MAXPTS];
		int nc = 0;
		for (int i = 0, j = n - 1; i < n; j = i++) {
			if ((ys[i] > sy) != (ys[j] > sy))
				cross[nc++] = xs[j] + (sy - ys[j]) * (xs[i] - xs[j]) / (ys[i] - ys[j]);
		}
		for (int a = 1; a < nc; a++)
			for (int b = a; b > 0 && cross[b] < cross[b - 1]; b--) {
				float t = cross[b];
				cross[b] = cross[b - 1];
				cross[b - 1] = t;
			}
		for (int c = 0; c + 1 < nc; c += 2)
			for (int x = (int)ceilf(cross[c] - 0.5f); x <= (int)floorf(cross[c + 1] - 0.5f); x++) {
				float tx = ((float)x - x0) / (x1 - x0 + 1), ty = (sy - y0) / (y1 - y0 + 1);
				put(d, x, y, lit(d, k, clampf(1.0f - 0.5f * tx - 0.6f * ty, 0, 1)));
			}
	}
	if (d->ow >= 1) {
		gdImageSetThickness(d->im, (int)lroundf(d->ow));
		gdImagePolygon(d->im, gp, n, pack(dark(d, k)));
		gdImageSetThickness(d->im, 1);
	}
}

static void
rect(fx *d, float x0, float y0, float x1, float y1, rgb k)
{
	float p[8] = { x0, y0, x1, y0, x1, y1, x0, y1 };

	poly(d, p, 4, k);
}

static void
tri(fx *d, float ax, float ay, float bx, float by, float cx, float cy, rgb k)
{
	float p[6] = { ax, ay, bx, by, cx, cy };

	poly(d, p, 3, k);
}

/* A thick stroke from (x0, y0) to (x1, y1), width wd × the box's shorter
 * side, outlined. */
static void
stroke(fx *d, float x0, float y0, float x1, float y1, float wd, rgb k)
{
	float t = wd * fminf(d->f->w, d->f->h);
	int a = (int)lroundf(X(d, x0)), b = (int)lroundf(Y(d, y0));
	int c = (int)lroundf(X(d, x1)), e = (int)lroundf(Y(d, y1));

	if (d->ow >= 1) {
		gdImageSetThickness(d->im, (int)fmaxf(1, t + 2 * d->ow));
		gdImageLine(d->im, a, b, c, e, pack(dark(d, k)));
	}
	gdImageSetThickness(d->im, (int)fmaxf(1, t));
	gdImageLine(d->im, a, b, c, e, pack(k));
	gdImageSetThickness(d->im, 1);
}

/* A thin line (whiskers, strings, hands), width wd × the shorter side. */
static void
line(fx *d, float x0, float y0, float x1, float y1, float wd, rgb k)
{
	gdImageSetThickness(d->im, (int)fmaxf(1, wd * fminf(d->f->w, d->f->h)));
	gdImageLine(d->im, (int)lroundf(X(d, x0)), (int)lroundf(Y(d, y0)), (int)lroundf(X(d, x1)),
	    (int)lroundf(Y(d, y1)), pack(k));
	gdImageSetThickness(d->im, 1);
}

/* Part of an ellipse's outline from a0 to a1 degrees (0 = right, 90 = down). */
static void
arc(fx *d, float cx, float cy, float rx, float ry, float a0, float a1, float wd, rgb k)
{
	float step = (a1 - a0) / 24;

	for (int i = 0; i < 24; i++) {
		float t0 = (a0 + step * (float)i) * 0.0174533f, t1 = (a0 + step * (float)(i + 1)) * 0.0174533f;
		line(d, cx + rx * cosf(t0), cy + ry * sinf(t0), cx + rx * cosf(t1), cy + ry * sinf(t1), wd, k);
	}
}

/* The upper half of an ellipse as a polygon (caps, domes, bowls with
 * down = 1 for the lower half). */
static void
half_el(fx *d, float cx, float cy, float rx, float ry, int down, rgb k)
{
	float p[2 * 26];

	for (int i = 0; i <= 24; i++) {
		float t = 3.14159265f * (float)i / 24;
		p[2 * i] = cx - rx * cosf(t);
		p[2 * i + 1] = cy + (down ? 1 : -1) * ry * sinf(t);
	}
	poly(d, p, 25, k);
}

static const rgb WHITE = { 250, 250, 248 }, BLACK = { 20, 20, 24 }, PINK = { 240, 150, 160 };

/* ---- animals ---- */

static rgb
coat(fx *d, const rgb *natural, int n)
{
	return main_col(d, natural[ri(d, n)]);
}

static void
eye(fx *d, float x, float y, float r, rgb iris)
{
	float ar = d->f->w / d->f->h;

	dot(d, x, y, r, r * ar, BLACK);
	dot(d, x, y, r * 0.8f, r * 0.8f * ar, iris);
	dot(d, x, y, r * 0.4f, r * 0.7f * ar, BLACK);
	dot(d, x - r * 0.3f, y - r * 0.3f * ar, r * 0.22f, r * 0.22f * ar, WHITE);
}

/* Closed eyes: a short downward arc. */
static void
shut_eye(fx *d, float x, float y, float r)
{
	arc(d, x, y, r, r * 0.6f, 20, 160, 0.012f, BLACK);
}

/* A tail of overlapping discs along a curve, outlines first so they join
 * into one shape: centre (x(t), y(t)) for t in 0…1, radius r. */
static void
tail_curve(fx *d, float x0, float y0, float x1, float y1, float bulge, float r, rgb k)
{
	float ar = d->f->w / d->f->h;

	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i <= 16; i++) {
			float t = (float)i / 16, rr = r + (pass ? 0 : d->ow / d->f->w);
			float x = x0 + (x1 - x0) * t, y = y0 + (y1 - y0) * t + bulge * 4 * t * (1 - t);
			dot(d, x, y, rr, rr * ar, pass ? lit(d, k, 0.7f) : dark(d, k));
		}
}

/* A cat curled up asleep. */
static void
cat_asleep(fx *d, rgb k)
{
	el(d, 0.52f, 0.74f, 0.42f, 0.22f, 0, k);
	el(d, 0.36f, 0.82f, 0.16f, 0.13f, 0, k);
	tail_curve(d, 0.9f, 0.84f, 0.35f, 0.94f, 0.06f, 0.045f, k);
	tri(d, 0.14f, 0.6f, 0.16f, 0.44f, 0.26f, 0.56f, k);
	tri(d, 0.3f, 0.55f, 0.38f, 0.42f, 0.41f, 0.58f, k);
	el(d, 0.27f, 0.7f, 0.17f, 0.15f, 0, k);
	shut_eye(d, 0.21f, 0.7f, 0.035f);
	shut_eye(d, 0.33f, 0.7f, 0.035f);
	tri(d, 0.255f, 0.76f, 0.285f, 0.76f, 0.27f, 0.78f, PINK);
}

static void
fig_cat(fx *d)
{
	static const rgb coats[] = { { 230, 140, 60 }, { 120, 120, 128 }, { 40, 38, 42 },
		{ 235, 232, 225 }, { 160, 110, 70 } };
	rgb k = coat(d, coats, 5), eyes = ri(d, 2) ? RGB(120, 200, 80) : RGB(230, 190, 50);
	float tail = rf(d, 0.2f, 0.45f);

	if (d->f->pose & IG_PO_SLEEP) {
		cat_asleep(d, k);
		return;
	}

	tail_curve(d, 0.22f, 0.9f, 0.1f, tail, -0.08f, 0.04f, k);
	el(d, 0.42f, 0.7f, 0.3f, 0.27f, 0, k);
	el(d, 0.3f, 0.8f, 0.16f, 0.19f, 0, k);
	rect(d, 0.53f, 0.58f, 0.61f, 0.97f, k);
	rect(d, 0.64f, 0.58f, 0.72f, 0.97f, k);
	el(d, 0.57f, 0.97f, 0.06f, 0.03f, 0, k);
	el(d, 0.68f, 0.97f, 0.06f, 0.03f, 0, k);
	el(d, 0.62f, 0.56f, 0.14f, 0.2f, 0, mix(k, WHITE, 0.25f));
	tri(d, 0.5f, 0.26f, 0.53f, 0.02f, 0.66f, 0.17f, k);
	tri(d, 0.72f, 0.16f, 0.85f, 0.01f, 0.87f, 0.26f, k);
	tri(d, 0.535f, 0.22f, 0.545f, 0.08f, 0.62f, 0.17f, PINK);
	tri(d, 0.76f, 0.16f, 0.84f, 0.07f, 0.845f, 0.22f, PINK);
	el(d, 0.68f, 0.3f, 0.2f, 0.19f, 0, k);
	eye(d, 0.61f, 0.27f, 0.04f, eyes);
	eye(d, 0.77f, 0.27f, 0.04f, eyes);
	tri(d, 0.665f, 0.36f, 0.715f, 0.36f, 0.69f, 0.39f, PINK);
	for (int i = 0; i < 3; i++) {
		float dy = 0.02f * (float)(i - 1);
		line(d, 0.62f, 0.4f + dy, 0.45f, 0.37f + 2 * dy, 0.006f, WHITE);
		line(d, 0.76f, 0.4f + dy, 0.93f, 0.37f + 2 * dy, 0.006f, WHITE);
	}
}

/* A dog or a fox lying asleep, head on its paws. */
static void
dog_asleep(fx *d, rgb k, int fox)
{
	float ar = d->f->w / d->f->h;

	if (fox)
		tail_curve(d, 0.12f, 0.8f, 0.55f, 0.95f, 0.05f, 0.07f, k);
	el(d, 0.45f, 0.76f, 0.36f, 0.2f, 0, k);
	el(d, 0.82f, 0.92f, 0.12f, 0.05f, 0, fox ? scale(k, 0.4f) : mix(k, WHITE, 0.2f));
	el(d, 0.8f, 0.75f, 0.12f, 0.12f * ar, 0, k);
	if (fox) {
		tri(d, 0.72f, 0.68f, 0.74f, 0.5f, 0.8f, 0.64f, k);
		tri(d, 0.82f, 0.65f, 0.87f, 0.5f, 0.9f, 0.66f, k);
		tri(d, 0.86f, 0.72f, 1.0f, 0.82f, 0.86f, 0.85f, k);
	} else {
		el(d, 0.92f, 0.8f, 0.08f, 0.06f, 0, mix(k, WHITE, 0.2f));
		el(d, 0.74f, 0.77f, 0.04f, 0.11f, 15, scale(k, 0.6f));
	}
	shut_eye(d, 0.83f, 0.73f, 0.03f);
	dot(d, fox ? 0.99f : 0.99f, fox ? 0.82f : 0.79f, 0.02f, 0.025f, BLACK);
}

static void
dog_like(fx *d, rgb k, int fox)
{
	rgb belly = fox ? WHITE : mix(k, WHITE, 0.35f), legs = fox ? scale(k, 0.35f) : k;
	float wag = rf(d, 0.1f, 0.35f);

	if (d->f->pose & IG_PO_SLEEP) {
		dog_asleep(d, k, fox);
		return;
	}

	if (fox) {
		float tp[] = { 0.2f, 0.45f, 0.02f, 0.5f + wag * 0.3f, 0.0f, 0.72f, 0.08f, 0.8f, 0.22f, 0.58f };
		poly(d, tp, 5, k);
		el(d, 0.03f, 0.73f, 0.04f, 0.07f, 0, WHITE);
	} else {
		stroke(d, 0.2f, 0.45f, 0.07f, wag, 0.05f, k);
	}
	rect(d, 0.22f, 0.55f, 0.29f, 0.96f, scale(legs, 0.85f));
	rect(d, 0.6f, 0.55f, 0.67f, 0.96f, scale(legs, 0.85f));
	el(d, 0.45f, 0.5f, 0.3f, 0.17f, 0, k);
	el(d, 0.5f, 0.58f, 0.2f, 0.08f, 0, belly);
	rect(d, 0.3f, 0.55f, 0.37f, 0.98f, legs);
	rect(d, 0.68f, 0.55f, 0.75f, 0.98f, legs);
	el(d, 0.72f, 0.42f, 0.1f, 0.16f, 25, k);
	if (fox) {
		tri(d, 0.7f, 0.22f, 0.74f, 0.0f, 0.8f, 0.18f, k);
		tri(d, 0.8f, 0.2f, 0.86f, 0.0f, 0.88f, 0.2f, k);
		tri(d, 0.735f, 0.18f, 0.745f, 0.06f, 0.78f, 0.17f, BLACK);
	}
	el(d, 0.8f, 0.26f, 0.12f, 0.13f, 0, k);
	if (fox) {
		tri(d, 0.84f, 0.2f, 1.0f, 0.33f, 0.82f, 0.38f, k);
		tri(d, 0.86f, 0.3f, 0.99f, 0.34f, 0.84f, 0.38f, belly);
	} else {
		el(d, 0.91f, 0.31f, 0.08f, 0.065f, 0, mix(k, WHITE, 0.2f));
		el(d, 0.71f, 0.28f, 0.045f, 0.13f, 15, scale(k, 0.6f));
		line(d, 0.9f, 0.36f, 0.95f, 0.35f, 0.008f, BLACK);
	}
	dot(d, fox ? 0.99f : 0.98f, fox ? 0.335f : 0.29f, 0.022f, 0.03f, BLACK);
	eye(d, 0.83f, 0.23f, 0.025f, RGB(90, 60, 30));
}

static void
fig_dog(fx *d)
{
	static const rgb coats[] = { { 200, 150, 90 }, { 120, 80, 50 }, { 235, 225, 200 },
		{ 60, 55, 55 } };

	dog_like(d, coat(d, coats, 4), 0);
}

static void
fig_fox(fx *d)
{
	dog_like(d, main_col(d, RGB(225, 110, 35)), 1);
}

static void
fig_bird(fx *d)
{
	static const rgb coats[] = { { 70, 130, 210 }, { 210, 60, 50 }, { 240, 200, 60 },
		{ 150, 110, 80 } };
	rgb k = coat(d, coats, 4), beak = RGB(240, 160, 40);
	int flying = ri(d, 2) || (d->f->pose & IG_PO_FLY);

	if (flying)
		tri(d, 0.3f, 0.45f, 0.55f, 0.45f, 0.25f, 0.0f, scale(k, 0.75f));
	if (!flying) {
		line(d, 0.42f, 0.66f, 0.4f, 0.9f, 0.02f, beak);
		line(d, 0.52f, 0.66f, 0.54f, 0.9f, 0.02f, beak);
	}
	tri(d, 0.22f, 0.5f, 0.0f, 0.42f, 0.02f, 0.66f, scale(k, 0.8f));
	el(d, 0.45f, 0.52f, 0.28f, 0.2f, -10, k);
	el(d, 0.5f, 0.6f, 0.18f, 0.1f, 0, mix(k, WHITE, 0.5f));
	el(d, 0.72f, 0.34f, 0.15f, 0.16f, 0, k);
	tri(d, 0.84f, 0.3f, 1.0f, 0.37f, 0.84f, 0.41f, beak);
	if (flying)
		tri(d, 0.32f, 0.48f, 0.6f, 0.46f, 0.42f, 0.02f, scale(k, 0.9f));
	else
		el(d, 0.4f, 0.5f, 0.2f, 0.11f, -15, scale(k, 0.8f));
	eye(d, 0.76f, 0.3f, 0.035f, BLACK);
}

static void
fig_fish(fx *d)
{
	static const rgb coats[] = { { 245, 130, 30 }, { 60, 150, 220 }, { 240, 200, 50 } };
	rgb k = coat(d, coats, 3);

	tri(d, 0.2f, 0.5f, 0.0f, 0.15f, 0.0f, 0.85f, scale(k, 0.85f));
	tri(d, 0.4f, 0.3f, 0.55f, 0.02f, 0.65f, 0.28f, scale(k, 0.85f));
	el(d, 0.5f, 0.5f, 0.34f, 0.3f, 0, k);
	for (int i = 0; i < 3; i++)
		arc(d, 0.3f + 0.12f * (float)i, 0.5f, 0.05f, 0.25f, -80, 80, 0.025f, WHITE);
	tri(d, 0.45f, 0.6f, 0.6f, 0.62f, 0.48f, 0.8f, scale(k, 0.8f));
	eye(d, 0.7f, 0.42f, 0.05f, RGB(30, 30, 30));
	arc(d, 0.8f, 0.6f, 0.04f, 0.04f, 90, 180, 0.015f, BLACK);
}

static void
horse_like(fx *d, rgb k, rgb mane, int unicorn)
{
	float head = rf(d, -0.04f, 0.04f);

	stroke(d, 0.18f, 0.38f, 0.06f, 0.7f, 0.06f, mane);
	if (d->f->pose & IG_PO_RUN) {
		/* a gallop: forelegs reaching forward, hind legs pushing back */
		stroke(d, 0.28f, 0.5f, 0.08f, 0.86f, 0.055f, scale(k, 0.85f));
		stroke(d, 0.66f, 0.5f, 0.9f, 0.78f, 0.055f, scale(k, 0.85f));
		el(d, 0.43f, 0.45f, 0.28f, 0.16f, 0, k);
		stroke(d, 0.34f, 0.52f, 0.16f, 0.92f, 0.055f, k);
		stroke(d, 0.72f, 0.52f, 0.98f, 0.66f, 0.055f, k);
	} else {
		rect(d, 0.22f, 0.5f, 0.28f, 0.93f, scale(k, 0.85f));
		rect(d, 0.62f, 0.5f, 0.68f, 0.93f, scale(k, 0.85f));
		el(d, 0.43f, 0.45f, 0.28f, 0.16f, 0, k);
		rect(d, 0.3f, 0.5f, 0.36f, 0.95f, k);
		rect(d, 0.7f, 0.5f, 0.76f, 0.95f, k);
		rect(d, 0.3f, 0.93f, 0.36f, 0.99f, BLACK);
		rect(d, 0.7f, 0.93f, 0.76f, 0.99f, BLACK);
	}
	{
		float np[] = { 0.58f, 0.45f, 0.72f, 0.1f + head, 0.84f, 0.14f + head, 0.74f, 0.5f };
		poly(d, np, 4, k);
	}
	el(d, 0.85f, 0.2f + head, 0.11f, 0.07f, 35, k);
	el(d, 0.93f, 0.27f + head, 0.05f, 0.05f, 0, scale(k, 0.8f));
	tri(d, 0.74f, 0.12f + head, 0.76f, 0.0f + head, 0.8f, 0.1f + head, k);
	{
		float mp[] = { 0.74f, 0.08f + head, 0.58f, 0.42f, 0.62f, 0.44f, 0.77f, 0.12f + head };
		poly(d, mp, 4, mane);
	}
	if (unicorn) {
		tri(d, 0.8f, 0.08f + head, 0.86f, 0.1f + head, 0.92f, -0.16f + head, RGB(240, 200, 80));
		line(d, 0.83f, 0.04f + head, 0.87f, 0.05f + head, 0.008f, RGB(180, 130, 40));
		line(d, 0.85f, -0.03f + head, 0.88f, -0.02f + head, 0.008f, RGB(180, 130, 40));
	}
	eye(d, 0.84f, 0.17f + head, 0.02f, RGB(60, 40, 30));
}

static void
fig_horse(fx *d)
{
	static const rgb coats[] = { { 140, 85, 45 }, { 90, 60, 40 }, { 200, 190, 175 },
		{ 40, 35, 35 } };
	rgb k = coat(d, coats, 4);

	horse_like(d, k, scale(k, 0.4f), 0);
}

static void
fig_unicorn(fx *d)
{
	rgb k = main_col(d, RGB(248, 246, 250));
	static const rgb manes[] = { { 230, 120, 200 }, { 140, 120, 230 }, { 120, 200, 230 } };

	horse_like(d, k, manes[ri(d, 3)], 1);
}

static void
fig_rabbit(fx *d)
{
	static const rgb coats[] = { { 200, 180, 160 }, { 245, 245, 240 }, { 140, 110, 85 } };
	rgb k = coat(d, coats, 3);
	float ear = rf(d, -12, 12);

	el(d, 0.56f, 0.14f, 0.06f, 0.17f, -12 + ear, k);
	el(d, 0.7f, 0.14f, 0.06f, 0.17f, 12 + ear, k);
	el(d, 0.56f, 0.15f, 0.03f, 0.12f, -12 + ear, PINK);
	el(d, 0.7f, 0.15f, 0.03f, 0.12f, 12 + ear, PINK);
	el(d, 0.17f, 0.68f, 0.08f, 0.08f, 0, WHITE);
	el(d, 0.42f, 0.7f, 0.28f, 0.26f, 0, k);
	el(d, 0.58f, 0.93f, 0.13f, 0.05f, 0, k);
	el(d, 0.64f, 0.4f, 0.17f, 0.16f, 0, k);
	eye(d, 0.7f, 0.36f, 0.03f, RGB(60, 30, 20));
	dot(d, 0.79f, 0.44f, 0.02f, 0.015f, PINK);
}

static void
fig_owl(fx *d)
{
	rgb k = main_col(d, RGB(140, 100, 65)), face = mix(k, WHITE, 0.6f);

	rect(d, -0.1f, 0.93f, 1.1f, 1.0f, RGB(90, 60, 35));
	tri(d, 0.18f, 0.2f, 0.2f, 0.0f, 0.36f, 0.16f, k);
	tri(d, 0.82f, 0.2f, 0.8f, 0.0f, 0.64f, 0.16f, k);
	el(d, 0.5f, 0.55f, 0.36f, 0.42f, 0, k);
	el(d, 0.5f, 0.66f, 0.24f, 0.28f, 0, mix(k, WHITE, 0.45f));
	for (int i = 0; i < 6; i++) {
		float x = 0.38f + 0.08f * (float)(i % 3) + 0.04f * (float)(i / 3), y = 0.58f + 0.1f * (float)(i / 3);
		line(d, x - 0.02f, y, x, y + 0.025f, 0.01f, scale(k, 0.6f));
		line(d, x, y + 0.025f, x + 0.02f, y, 0.01f, scale(k, 0.6f));
	}
	el(d, 0.17f, 0.6f, 0.09f, 0.26f, 10, scale(k, 0.75f));
	el(d, 0.83f, 0.6f, 0.09f, 0.26f, -10, scale(k, 0.75f));
	el(d, 0.36f, 0.33f, 0.15f, 0.13f, 0, face);
	el(d, 0.64f, 0.33f, 0.15f, 0.13f, 0, face);
	eye(d, 0.36f, 0.33f, 0.09f, RGB(245, 190, 30));
	eye(d, 0.64f, 0.33f, 0.09f, RGB(245, 190, 30));
	tri(d, 0.46f, 0.42f, 0.54f, 0.42f, 0.5f, 0.52f, RGB(220, 160, 40));
	el(d, 0.42f, 0.95f, 0.05f, 0.03f, 0, RGB(220, 160, 40));
	el(d, 0.58f, 0.95f, 0.05f, 0.03f, 0, RGB(220, 160, 40));
}

static void
fig_whale(fx *d)
{
	rgb k = main_col(d, RGB(70, 100, 140));
	float bp[] = { 0.12f, 0.5f, 0.3f, 0.3f, 0.6f, 0.22f, 0.88f, 0.3f, 0.99f, 0.55f, 0.9f, 0.8f,
		0.55f, 0.85f, 0.25f, 0.7f };

	for (int i = 0; i < 4; i++)
		line(d, 0.72f, 0.22f, 0.62f + 0.07f * (float)i, 0.0f, 0.015f, RGB(200, 225, 245));
	tri(d, 0.16f, 0.52f, 0.0f, 0.25f, 0.08f, 0.5f, k);
	tri(d, 0.16f, 0.52f, 0.0f, 0.75f, 0.08f, 0.52f, k);
	poly(d, bp, 8, k);
	{
		float belly[] = { 0.5f, 0.72f, 0.85f, 0.66f, 0.96f, 0.6f, 0.9f, 0.8f, 0.55f, 0.85f };
		poly(d, belly, 5, mix(k, WHITE, 0.55f));
	}
	for (int i = 0; i < 4; i++)
		line(d, 0.6f + 0.07f * (float)i, 0.76f, 0.66f + 0.07f * (float)i, 0.72f - 0.02f * (float)i,
		    0.008f, scale(k, 0.7f));
	tri(d, 0.55f, 0.68f, 0.68f, 0.7f, 0.5f, 0.95f, scale(k, 0.8f));
	eye(d, 0.83f, 0.55f, 0.025f, BLACK);
}

static void
fig_butterfly(fx *d)
{
	static const rgb coats[] = { { 245, 140, 30 }, { 50, 110, 230 }, { 240, 210, 60 },
		{ 200, 80, 200 } };
	rgb k = coat(d, coats, 4), k2 = scale(k, 0.8f);

	el(d, 0.3f, 0.33f, 0.24f, 0.28f, 25, k);
	el(d, 0.7f, 0.33f, 0.24f, 0.28f, -25, k);
	el(d, 0.33f, 0.7f, 0.15f, 0.2f, -25, k2);
	el(d, 0.67f, 0.7f, 0.15f, 0.2f, 25, k2);
	dot(d, 0.22f, 0.25f, 0.05f, 0.05f, WHITE);
	dot(d, 0.78f, 0.25f, 0.05f, 0.05f, WHITE);
	dot(d, 0.3f, 0.72f, 0.04f, 0.04f, BLACK);
	dot(d, 0.7f, 0.72f, 0.04f, 0.04f, BLACK);
	el(d, 0.5f, 0.52f, 0.035f, 0.3f, 0, BLACK);
	line(d, 0.49f, 0.25f, 0.4f, 0.05f, 0.012f, BLACK);
	line(d, 0.51f, 0.25f, 0.6f, 0.05f, 0.012f, BLACK);
}

/* ---- people ---- */

static const rgb skins[] = { { 240, 200, 170 }, { 200, 150, 110 }, { 140, 95, 65 }, { 90, 60, 45 } };
static const rgb hairs[] = { { 40, 30, 25 }, { 110, 70, 40 }, { 220, 180, 100 }, { 160, 60, 30 } };
static const rgb clothes[] = { { 60, 90, 160 }, { 180, 50, 60 }, { 70, 130, 90 }, { 230, 180, 60 },
	{ 110, 80, 140 } };

static void
fig_portrait(fx *d)
{
	rgb skin = skins[ri(d, 4)], hair = hairs[ri(d, 4)], cl = coat(d, clothes, 5);
	int longhair = ri(d, 2);

	if (longhair)
		el(d, 0.5f, 0.55f, 0.3f, 0.34f, 0, hair);
	half_el(d, 0.5f, 1.02f, 0.5f, 0.3f, 0, cl);
	rect(d, 0.43f, 0.6f, 0.57f, 0.78f, scale(skin, 0.9f));
	half_el(d, 0.5f, 0.78f, 0.1f, 0.05f, 1, scale(skin, 0.9f));
	el(d, 0.25f, 0.44f, 0.04f, 0.06f, 0, skin);
	el(d, 0.75f, 0.44f, 0.04f, 0.06f, 0, skin);
	el(d, 0.5f, 0.36f, 0.28f, 0.27f, 0, hair);
	el(d, 0.5f, 0.42f, 0.24f, 0.26f, 0, skin);
	{
		/* a fringe over the forehead, its lower edge in locks */
		float fr[2 * 13];
		for (int i = 0; i <= 8; i++) {
			float t = 3.14159265f * (float)i / 8;
			fr[2 * i] = 0.5f - 0.25f * cosf(t);
			fr[2 * i + 1] = 0.3f - 0.15f * sinf(t);
		}
		fr[18] = 0.66f, fr[19] = 0.36f;
		fr[20] = 0.55f, fr[21] = 0.3f;
		fr[22] = 0.42f, fr[23] = 0.33f;
		fr[24] = 0.32f, fr[25] = 0.38f;
		poly(d, fr, 13, hair);
	}
	eye(d, 0.41f, 0.42f, 0.035f, RGB(70, 110, 150));
	eye(d, 0.59f, 0.42f, 0.035f, RGB(70, 110, 150));
	line(d, 0.36f, 0.36f, 0.45f, 0.35f, 0.015f, scale(hair, 0.8f));
	line(d, 0.55f, 0.35f, 0.64f, 0.36f, 0.015f, scale(hair, 0.8f));
	line(d, 0.5f, 0.44f, 0.48f, 0.52f, 0.01f, scale(skin, 0.7f));
	line(d, 0.48f, 0.52f, 0.52f, 0.52f, 0.01f, scale(skin, 0.7f));
	arc(d, 0.5f, 0.55f, 0.07f, 0.03f, 10, 170, 0.015f, RGB(190, 80, 80));
	dot(d, 0.37f, 0.52f, 0.04f, 0.025f, mix(skin, RGB(230, 120, 120), 0.3f));
	dot(d, 0.63f, 0.52f, 0.04f, 0.025f, mix(skin, RGB(230, 120, 120), 0.3f));
}

/* A standing person in a box about 0.4 wide. */
static void
person(fx *d, rgb cl, rgb skin, rgb hair, float step)
{
	rgb trousers = scale(mix(cl, RGB(40, 50, 80), 0.6f), 0.9f);

	stroke(d, 0.45f, 0.58f, 0.42f - step, 0.97f, 0.12f, trousers);
	stroke(d, 0.55f, 0.58f, 0.58f + step, 0.97f, 0.12f, trousers);
	stroke(d, 0.3f, 0.27f, 0.22f - step * 0.5f, 0.55f, 0.1f, cl);
	stroke(d, 0.7f, 0.27f, 0.78f + step * 0.5f, 0.55f, 0.1f, cl);
	dot(d, 0.22f - step * 0.5f, 0.57f, 0.05f, 0.02f, skin);
	dot(d, 0.78f + step * 0.5f, 0.57f, 0.05f, 0.02f, skin);
	{
		float body[] = { 0.28f, 0.25f, 0.72f, 0.25f, 0.66f, 0.62f, 0.34f, 0.62f };
		poly(d, body, 4, cl);
	}
	el(d, 0.5f, 0.13f, 0.17f, 0.085f, 0, skin);
	half_el(d, 0.5f, 0.11f, 0.18f, 0.07f, 0, hair);
}

static void
fig_figure(fx *d)
{
	person(d, coat(d, clothes, 5), skins[ri(d, 4)], hairs[ri(d, 4)], rf(d, 0, 0.08f));
}

static void
fig_crowd(fx *d)
{
	const ig_fig *f = d->f;

	for (int row = 0; row < 2; row++) {
		int n = row == 0 ? 6 : 5;
		for (int i = 0; i < n; i++) {
			ig_fig g = *f;
			fx e = *d;
			float s = row == 0 ? 0.75f : 1.0f, h = f->h * s * rf(d, 0.85f, 1.0f);
			g.h = h;
			g.w = h * 0.4f;
			g.x = f->x + f->w * ((float)i + 0.5f * (float)row + rf(d, 0, 0.3f)) / (float)n -
			    g.w * 0.5f + f->w * 0.04f;
			g.y = f->y + f->h * (row == 0 ? 0.0f : 1 - s) + (f->h - h) * (row == 0 ? 0.25f : 0);
			e.f = &g;
			e.flip = 0;
			person(&e, f->coloured && i % 2 == 0 ? main_col(d, WHITE) : clothes[ri(d, 5)],
			    skins[ri(d, 4)], hairs[ri(d, 4)], rf(d, 0, 0.06f));
		}
	}
}

/* ---- vehicles ---- */

static void
wheel(fx *d, float cx, float cy, float r)
{
	float ar = d->f->w / d->f->h;

	el(d, cx, cy, r, r * ar, 0, RGB(35, 35, 38));
	el(d, cx, cy, r * 0.5f, r * 0.5f * ar, 0, RGB(180, 180, 185));
}

static void
fig_car(fx *d)
{
	static const rgb paints[] = { { 200, 40, 40 }, { 40, 90, 180 }, { 230, 230, 230 },
		{ 40, 40, 45 }, { 240, 190, 40 } };
	rgb k = coat(d, paints, 5), glass = RGB(150, 200, 230);
	float sp = rf(d, 0, 0.06f);
	float body[] = { 0.02f, 0.8f, 0.02f, 0.55f, 0.22f, 0.47f, 0.36f + sp, 0.2f, 0.66f, 0.2f,
		0.8f, 0.45f, 0.97f, 0.52f, 0.99f, 0.8f };
	float win1[] = { 0.26f, 0.48f, 0.39f + sp, 0.26f, 0.5f, 0.26f, 0.5f, 0.48f };
	float win2[] = { 0.54f, 0.48f, 0.54f, 0.26f, 0.64f, 0.26f, 0.75f, 0.48f };

	poly(d, body, 8, k);
	poly(d, win1, 4, glass);
	poly(d, win2, 4, glass);
	line(d, 0.52f, 0.5f, 0.52f, 0.78f, 0.01f, scale(k, 0.5f));
	line(d, 0.05f, 0.62f, 0.97f, 0.62f, 0.006f, scale(k, 0.7f));
	dot(d, 0.955f, 0.58f, 0.02f, 0.04f, RGB(255, 240, 170));
	dot(d, 0.035f, 0.6f, 0.015f, 0.04f, RGB(220, 30, 30));
	wheel(d, 0.23f, 0.8f, 0.1f);
	wheel(d, 0.78f, 0.8f, 0.1f);
}

static void
fig_bicycle(fx *d)
{
	rgb k = main_col(d, RGB(40, 120, 200)), tyre = RGB(30, 30, 30);
	float ar = d->f->w / d->f->h;

	for (int i = 0; i < 2; i++) {
		float cx = i ? 0.78f : 0.22f;
		arc(d, cx, 0.68f, 0.2f, 0.2f * ar, 0, 360, 0.028f, tyre);
		for (int s = 0; s < 6; s++) {
			float a = (float)s * 0.5236f;
			line(d, cx, 0.68f, cx + 0.19f * cosf(a), 0.68f + 0.19f * ar * sinf(a), 0.006f,
			    RGB(170, 170, 170));
		}
	}
	stroke(d, 0.22f, 0.68f, 0.45f, 0.68f, 0.05f, k);
	stroke(d, 0.45f, 0.68f, 0.38f, 0.3f, 0.05f, k);
	stroke(d, 0.22f, 0.68f, 0.38f, 0.3f, 0.05f, k);
	stroke(d, 0.38f, 0.3f, 0.7f, 0.3f, 0.05f, k);
	stroke(d, 0.45f, 0.68f, 0.7f, 0.3f, 0.05f, k);
	stroke(d, 0.78f, 0.68f, 0.68f, 0.15f, 0.05f, k);
	stroke(d, 0.68f, 0.15f, 0.6f, 0.12f, 0.025f, BLACK);
	stroke(d, 0.38f, 0.3f, 0.36f, 0.2f, 0.025f, k);
	el(d, 0.36f, 0.18f, 0.08f, 0.03f, 0, BLACK);
	el(d, 0.45f, 0.68f, 0.04f, 0.04f * ar, 0, RGB(120, 120, 120));
}

static void
fig_boat(fx *d)
{
	rgb k = main_col(d, RGB(150, 80, 45)), sail = RGB(248, 245, 235);
	float hull[] = { 0.0f, 0.58f, 1.0f, 0.58f, 0.84f, 0.97f, 0.16f, 0.97f };

	stroke(d, 0.5f, 0.03f, 0.5f, 0.6f, 0.025f, RGB(90, 60, 35));
	tri(d, 0.53f, 0.05f, 0.53f, 0.54f, 0.88f, 0.54f, sail);
	tri(d, 0.47f, 0.12f, 0.47f, 0.54f, 0.18f, 0.54f, scale(sail, 0.93f));
	poly(d, hull, 4, k);
	line(d, 0.06f, 0.66f, 0.94f, 0.66f, 0.012f, WHITE);
}

static void
fig_ship(fx *d)
{
	rgb k = main_col(d, RGB(40, 45, 60));
	float hull[] = { 0.0f, 0.55f, 1.0f, 0.55f, 0.92f, 0.95f, 0.06f, 0.95f };

	glow(d, 0.3f, 0.05f, 0.12f, RGB(160, 160, 160), 0.6f);
	rect(d, 0.22f, 0.12f, 0.3f, 0.4f, RGB(200, 50, 40));
	rect(d, 0.22f, 0.12f, 0.3f, 0.18f, BLACK);
	rect(d, 0.4f, 0.12f, 0.48f, 0.4f, RGB(200, 50, 40));
	rect(d, 0.4f, 0.12f, 0.48f, 0.18f, BLACK);
	rect(d, 0.12f, 0.38f, 0.8f, 0.56f, WHITE);
	rect(d, 0.2f, 0.28f, 0.7f, 0.4f, WHITE);
	poly(d, hull, 4, k);
	rect(d, 0.07f, 0.86f, 0.93f, 0.95f, RGB(170, 40, 40));
	for (int i = 0; i < 10; i++)
		dot(d, 0.16f + 0.065f * (float)i, 0.47f, 0.015f, 0.025f, RGB(60, 80, 110));
	for (int i = 0; i < 12; i++)
		dot(d, 0.1f + 0.07f * (float)i, 0.68f, 0.012f, 0.02f, RGB(230, 230, 220));
}

static void
fig_train(fx *d)
{
	rgb k = main_col(d, RGB(30, 90, 60)), red = RGB(180, 40, 35);
	float ar = d->f->w / d->f->h;

	rect(d, 0.0f, 0.3f, 0.36f, 0.82f, mix(k, WHITE, 0.15f));
	for (int i = 0; i < 3; i++)
		rect(d, 0.04f + 0.11f * (float)i, 0.38f, 0.12f + 0.11f * (float)i, 0.55f, RGB(240, 220, 150));
	rect(d, 0.38f, 0.12f, 0.56f, 0.82f, k);
	rect(d, 0.35f, 0.08f, 0.59f, 0.14f, red);
	rect(d, 0.42f, 0.2f, 0.52f, 0.4f, RGB(240, 220, 150));
	rect(d, 0.56f, 0.35f, 0.9f, 0.82f, k);
	el(d, 0.9f, 0.58f, 0.03f, 0.23f, 0, scale(k, 0.8f));
	rect(d, 0.75f, 0.1f, 0.82f, 0.36f, BLACK);
	rect(d, 0.73f, 0.06f, 0.84f, 0.12f, BLACK);
	rect(d, 0.6f, 0.22f, 0.66f, 0.36f, RGB(200, 170, 60));
	tri(d, 0.9f, 0.7f, 1.0f, 0.94f, 0.88f, 0.94f, red);
	for (int i = 0; i < 3; i++)
		wheel(d, 0.45f + 0.15f * (float)i, 0.86f, 0.055f);
	for (int i = 0; i < 2; i++)
		wheel(d, 0.08f + 0.2f * (float)i, 0.88f, 0.04f);
	line(d, 0.45f, 0.86f, 0.75f, 0.86f, 0.015f, RGB(150, 150, 150));
	glow(d, 0.76f, 0.0f, 0.1f * (ar > 1 ? 1 : ar), RGB(220, 220, 220), 0.7f);
}

static void
fig_airplane(fx *d)
{
	rgb k = main_col(d, RGB(235, 238, 242)), tail = RGB(200, 50, 50);
	float far[] = { 0.44f, 0.45f, 0.56f, 0.45f, 0.5f, 0.1f, 0.44f, 0.1f };
	float near[] = { 0.42f, 0.52f, 0.58f, 0.52f, 0.42f, 0.95f, 0.34f, 0.95f };

	poly(d, far, 4, scale(k, 0.8f));
	tri(d, 0.06f, 0.47f, 0.2f, 0.47f, 0.05f, 0.1f, tail);
	el(d, 0.5f, 0.5f, 0.47f, 0.1f, 0, k);
	poly(d, near, 4, k);
	el(d, 0.44f, 0.75f, 0.06f, 0.05f, 0, RGB(150, 150, 160));
	for (int i = 0; i < 10; i++)
		dot(d, 0.25f + 0.05f * (float)i, 0.47f, 0.012f, 0.02f, RGB(60, 90, 130));
	dot(d, 0.92f, 0.46f, 0.03f, 0.025f, RGB(40, 60, 90));
	line(d, 0.1f, 0.52f, 0.96f, 0.52f, 0.008f, tail);
}

static void
fig_rocket(fx *d)
{
	rgb k = main_col(d, RGB(235, 235, 240)), red = RGB(210, 50, 45);
	float ar = d->f->w / d->f->h;

	glow(d, 0.5f, 0.92f, 0.45f, RGB(255, 160, 40), 0.8f);
	el(d, 0.5f, 0.88f, 0.13f, 0.1f, 0, RGB(255, 180, 40));
	el(d, 0.5f, 0.85f, 0.07f, 0.06f, 0, RGB(255, 240, 160));
	tri(d, 0.3f, 0.55f, 0.04f, 0.82f, 0.3f, 0.78f, red);
	tri(d, 0.7f, 0.55f, 0.96f, 0.82f, 0.7f, 0.78f, red);
	rect(d, 0.36f, 0.7f, 0.64f, 0.8f, RGB(90, 90, 100));
	{
		float b[] = { 0.5f, 0.0f, 0.62f, 0.1f, 0.7f, 0.25f, 0.7f, 0.76f, 0.3f, 0.76f, 0.3f, 0.25f,
			0.38f, 0.1f };
		poly(d, b, 7, k);
	}
	tri(d, 0.5f, 0.0f, 0.62f, 0.1f, 0.38f, 0.1f, red);
	el(d, 0.5f, 0.35f, 0.11f, 0.11f * ar, 0, RGB(90, 90, 100));
	el(d, 0.5f, 0.35f, 0.08f, 0.08f * ar, 0, RGB(110, 180, 230));
	tri(d, 0.47f, 0.55f, 0.53f, 0.55f, 0.5f, 0.78f, red);
}

/* ---- plants and food ---- */

static void
fig_tree(fx *d)
{
	const ig_fig *f = d->f;
	rgb leaf = RGB(60, 140, 60), bark = RGB(110, 75, 45);
	float ar = f->w / f->h;

	if (f->season & IG_SE_AUTUMN)
		leaf = RGB(220, 120, 40);
	else if (f->season & IG_SE_SPRING)
		leaf = RGB(240, 170, 200);
	else if (f->season & IG_SE_WINTER)
		leaf = RGB(235, 240, 245);
	leaf = main_col(d, leaf);
	if (ri(d, 3) == 0 && !(f->season & (IG_SE_AUTUMN | IG_SE_SPRING))) {
		rect(d, 0.45f, 0.82f, 0.55f, 1.0f, bark);
		for (int i = 0; i < 4; i++) {
			float top = 0.02f + 0.19f * (float)i, half = 0.2f + 0.08f * (float)i;
			tri(d, 0.5f, top, 0.5f - half, top + 0.3f, 0.5f + half, top + 0.3f,
			    scale(leaf, 0.75f + 0.05f * (float)i));
		}
		return;
	}
	{
		float tp[] = { 0.44f, 1.0f, 0.46f, 0.55f, 0.3f, 0.38f, 0.34f, 0.36f, 0.5f, 0.48f,
			0.66f, 0.34f, 0.7f, 0.36f, 0.54f, 0.55f, 0.56f, 1.0f };
		poly(d, tp, 9, bark);
	}
	for (int i = 0; i < 7; i++) {
		float a = (float)i * 0.9f + rf(d, 0, 0.5f), r = rf(d, 0.2f, 0.26f);
		el(d, 0.5f + 0.24f * cosf(a), 0.34f + 0.17f * sinf(a), r, r * ar, 0,
		    scale(leaf, rf(d, 0.85f, 1.1f)));
	}
	el(d, 0.5f, 0.32f, 0.26f, 0.26f * ar, 0, leaf);
}

static void
stem_leaves(fx *d, float top, rgb green)
{
	stroke(d, 0.5f, top, 0.5f, 1.0f, 0.05f, green);
	el(d, 0.35f, 0.7f, 0.15f, 0.04f, -30, green);
	el(d, 0.65f, 0.8f, 0.15f, 0.04f, 30, green);
}

static void
petals(fx *d, float cx, float cy, float r, int n, rgb k, float rot)
{
	float ar = d->f->w / d->f->h;

	for (int i = 0; i < n; i++) {
		float a = rot + 6.2832f * (float)i / (float)n;
		el(d, cx + r * 0.55f * cosf(a), cy + r * 0.55f * ar * sinf(a), r * 0.5f, r * 0.2f * ar,
		    a * 57.2958f, k);
	}
}

static void
fig_flower(fx *d)
{
	static const rgb cols[] = { { 230, 60, 90 }, { 250, 200, 50 }, { 160, 90, 210 },
		{ 250, 250, 250 }, { 250, 140, 180 } };
	rgb k = coat(d, cols, 5);
	float ar = d->f->w / d->f->h;

	stem_leaves(d, 0.25f, RGB(70, 150, 60));
	petals(d, 0.5f, 0.22f, 0.5f, 6 + ri(d, 3), k, rf(d, 0, 1));
	el(d, 0.5f, 0.22f, 0.12f, 0.12f * ar, 0, RGB(245, 190, 40));
}

static void
fig_rose(fx *d)
{
	rgb k = main_col(d, RGB(200, 20, 40)), green = RGB(50, 120, 50);
	float ar = d->f->w / d->f->h;

	stem_leaves(d, 0.3f, green);
	for (int i = 0; i < 3; i++)
		tri(d, 0.5f, 0.45f + 0.15f * (float)i, 0.56f, 0.48f + 0.15f * (float)i, 0.5f,
		    0.5f + 0.15f * (float)i, green);
	tri(d, 0.3f, 0.3f, 0.5f, 0.38f, 0.7f, 0.3f, green);
	el(d, 0.5f, 0.2f, 0.34f, 0.16f * ar * 0.8f, 0, scale(k, 0.85f));
	half_el(d, 0.5f, 0.2f, 0.34f, 0.2f * ar, 1, k);
	el(d, 0.5f, 0.16f, 0.22f, 0.12f * ar, 0, scale(k, 0.9f));
	arc(d, 0.5f, 0.17f, 0.13f, 0.07f * ar, 200, 520, 0.02f, scale(k, 0.5f));
	arc(d, 0.5f, 0.17f, 0.06f, 0.035f * ar, 0, 300, 0.02f, scale(k, 0.5f));
	half_el(d, 0.5f, 0.2f, 0.2f, 0.1f * ar, 1, scale(k, 1.05f));
}

static void
fig_sunflower(fx *d)
{
	rgb k = main_col(d, RGB(250, 200, 30));
	float ar = d->f->w / d->f->h;

	stroke(d, 0.5f, 0.25f, 0.5f, 1.0f, 0.06f, RGB(80, 140, 50));
	el(d, 0.3f, 0.62f, 0.22f, 0.07f, -25, RGB(70, 140, 50));
	el(d, 0.7f, 0.75f, 0.22f, 0.07f, 25, RGB(70, 140, 50));
	petals(d, 0.5f, 0.23f, 0.5f, 14, scale(k, 0.9f), 0.2f);
	petals(d, 0.5f, 0.23f, 0.42f, 14, k, 0.0f);
	el(d, 0.5f, 0.23f, 0.2f, 0.2f * ar, 0, RGB(100, 60, 25));
	for (int i = 0; i < 12; i++) {
		float a = (float)i * 2.4f, r = 0.15f * sqrtf((float)i / 12);
		dot(d, 0.5f + r * cosf(a), 0.23f + r * ar * sinf(a), 0.015f, 0.015f * ar, RGB(60, 35, 15));
	}
}

static void
fig_cactus(fx *d)
{
	rgb k = main_col(d, RGB(70, 150, 80)), pot = RGB(200, 110, 70);
	float ar = d->f->w / d->f->h;
	float arm = rf(d, 0.3f, 0.45f);

	rect(d, 0.1f, 0.4f + arm * 0.3f, 0.22f, 0.6f, k);
	el(d, 0.16f, 0.4f + arm * 0.3f, 0.06f, 0.06f * ar, 0, k);
	rect(d, 0.1f, 0.54f, 0.4f, 0.62f, k);
	rect(d, 0.78f, arm, 0.9f, 0.5f, k);
	el(d, 0.84f, arm, 0.06f, 0.06f * ar, 0, k);
	rect(d, 0.6f, 0.44f, 0.9f, 0.52f, k);
	rect(d, 0.36f, 0.1f, 0.64f, 0.85f, k);
	half_el(d, 0.5f, 0.1f, 0.14f, 0.14f * ar, 0, k);
	for (int i = 0; i < 3; i++)
		line(d, 0.43f + 0.07f * (float)i, 0.08f, 0.43f + 0.07f * (float)i, 0.83f, 0.008f,
		    scale(k, 0.6f));
	dot(d, 0.5f, 0.0f + 0.02f, 0.05f, 0.03f, RGB(240, 110, 160));
	{
		float pp[] = { 0.22f, 0.8f, 0.78f, 0.8f, 0.7f, 1.0f, 0.3f, 1.0f };
		poly(d, pp, 4, pot);
	}
}

static void
fig_mushroom(fx *d)
{
	rgb k = main_col(d, RGB(210, 40, 35));
	float stem[] = { 0.4f, 0.5f, 0.6f, 0.5f, 0.64f, 1.0f, 0.36f, 1.0f };

	poly(d, stem, 4, RGB(240, 230, 210));
	half_el(d, 0.5f, 0.55f, 0.48f, 0.5f, 0, k);
	el(d, 0.5f, 0.55f, 0.47f, 0.04f, 0, RGB(230, 215, 190));
	dot(d, 0.35f, 0.3f, 0.07f, 0.06f, WHITE);
	dot(d, 0.62f, 0.2f, 0.06f, 0.05f, WHITE);
	dot(d, 0.75f, 0.42f, 0.05f, 0.04f, WHITE);
	dot(d, 0.2f, 0.45f, 0.04f, 0.04f, WHITE);
	dot(d, 0.5f, 0.42f, 0.05f, 0.04f, WHITE);
}

static void
fruit(fx *d, float cx, float cy, float r, rgb k)
{
	float ar = d->f->w / d->f->h;

	el(d, cx, cy, r, r * ar * 0.95f, 0, k);
	dot(d, cx - r * 0.35f, cy - r * 0.4f * ar, r * 0.2f, r * 0.15f * ar, mix(k, WHITE, 0.6f));
}

static void
fig_fruit_bowl(fx *d)
{
	rgb bowl = main_col(d, RGB(170, 110, 60));

	el(d, 0.4f, 0.38f, 0.26f, 0.07f, -20, RGB(245, 210, 60));
	fruit(d, 0.3f, 0.42f, 0.13f, RGB(220, 40, 40));
	fruit(d, 0.7f, 0.42f, 0.13f, RGB(245, 140, 30));
	for (int i = 0; i < 6; i++)
		fruit(d, 0.5f + 0.05f * (float)(i % 3), 0.3f + 0.08f * (float)(i / 3), 0.045f,
		    RGB(110, 50, 130));
	fruit(d, 0.5f, 0.48f, 0.14f, RGB(120, 190, 60));
	half_el(d, 0.5f, 0.5f, 0.48f, 0.42f, 1, bowl);
	el(d, 0.5f, 0.5f, 0.48f, 0.05f, 0, scale(bowl, 1.15f));
	rect(d, 0.38f, 0.9f, 0.62f, 1.0f, scale(bowl, 0.8f));
}

static void
fig_apple(fx *d)
{
	rgb k = main_col(d, RGB(200, 30, 35));

	stroke(d, 0.5f, 0.25f, 0.54f, 0.04f, 0.04f, RGB(100, 70, 40));
	el(d, 0.66f, 0.1f, 0.14f, 0.05f, -25, RGB(70, 150, 50));
	el(d, 0.38f, 0.58f, 0.3f, 0.37f, 0, k);
	el(d, 0.62f, 0.58f, 0.3f, 0.37f, 0, k);
	dot(d, 0.32f, 0.42f, 0.06f, 0.1f, mix(k, WHITE, 0.55f));
}

static void
fig_cake(fx *d)
{
	rgb k = main_col(d, RGB(245, 190, 200)), sponge = RGB(240, 220, 180);

	el(d, 0.5f, 0.95f, 0.5f, 0.05f, 0, RGB(235, 235, 240));
	rect(d, 0.08f, 0.55f, 0.92f, 0.93f, sponge);
	rect(d, 0.08f, 0.55f, 0.92f, 0.68f, k);
	for (int i = 0; i < 7; i++)
		el(d, 0.14f + 0.12f * (float)i, 0.68f, 0.06f, 0.05f, 0, k);
	rect(d, 0.08f, 0.76f, 0.92f, 0.8f, RGB(200, 60, 80));
	el(d, 0.5f, 0.55f, 0.42f, 0.06f, 0, mix(k, WHITE, 0.3f));
	for (int i = 0; i < 3; i++) {
		float x = 0.3f + 0.2f * (float)i;
		rect(d, x - 0.02f, 0.3f, x + 0.02f, 0.53f, i % 2 ? RGB(120, 170, 230) : RGB(250, 230, 120));
		glow(d, x, 0.24f, 0.08f, RGB(255, 200, 80), 0.8f);
		el(d, x, 0.25f, 0.02f, 0.045f, 0, RGB(255, 170, 40));
		el(d, x + 0.12f, 0.5f, 0.035f, 0.035f, 0, RGB(200, 20, 40));
	}
}

static void
fig_coffee(fx *d)
{
	rgb k = main_col(d, RGB(245, 245, 240));
	float cup[] = { 0.15f, 0.4f, 0.75f, 0.4f, 0.68f, 0.88f, 0.22f, 0.88f };

	el(d, 0.45f, 0.92f, 0.44f, 0.07f, 0, scale(k, 0.95f));
	arc(d, 0.78f, 0.58f, 0.12f, 0.12f, -80, 80, 0.05f, scale(k, 0.85f));
	poly(d, cup, 4, k);
	el(d, 0.45f, 0.4f, 0.3f, 0.07f, 0, scale(k, 0.9f));
	el(d, 0.45f, 0.41f, 0.26f, 0.05f, 0, RGB(100, 60, 30));
	for (int i = 0; i < 3; i++) {
		float x = 0.33f + 0.12f * (float)i;
		arc(d, x, 0.26f, 0.03f, 0.06f, 90, 270, 0.012f, RGB(230, 230, 230));
		arc(d, x, 0.14f, 0.03f, 0.06f, -90, 90, 0.012f, RGB(230, 230, 230));
	}
}

/* ---- buildings and places ---- */

static void
window(fx *d, float x0, float y0, float x1, float y1, rgb lit_k)
{
	rect(d, x0, y0, x1, y1, lit_k);
	line(d, (x0 + x1) / 2, y0, (x0 + x1) / 2, y1, 0.01f, RGB(90, 70, 50));
	line(d, x0, (y0 + y1) / 2, x1, (y0 + y1) / 2, 0.01f, RGB(90, 70, 50));
}

static void
fig_house(fx *d)
{
	static const rgb walls[] = { { 240, 225, 190 }, { 200, 110, 80 }, { 230, 230, 230 } };
	rgb k = coat(d, walls, 3), roof = RGB(170, 50, 40), glass = RGB(250, 220, 130);
	float rp[] = { 0.0f, 0.45f, 0.5f, 0.05f, 1.0f, 0.45f };

	rect(d, 0.68f, 0.08f, 0.78f, 0.3f, RGB(130, 80, 60));
	rect(d, 0.08f, 0.42f, 0.92f, 1.0f, k);
	poly(d, rp, 3, roof);
	rect(d, 0.42f, 0.65f, 0.58f, 1.0f, RGB(120, 70, 40));
	dot(d, 0.55f, 0.83f, 0.012f, 0.012f, RGB(230, 200, 80));
	window(d, 0.15f, 0.55f, 0.33f, 0.75f, glass);
	window(d, 0.67f, 0.55f, 0.85f, 0.75f, glass);
	window(d, 0.44f, 0.28f, 0.56f, 0.4f, glass);
}

static void
crenels(fx *d, float x0, float x1, float y, float h, rgb k)
{
	int n = 5;
	float w = (x1 - x0) / (float)(2 * n - 1);

	for (int i = 0; i < n; i++)
		rect(d, x0 + w * (float)(2 * i), y - h, x0 + w * (float)(2 * i + 1), y + 0.01f, k);
}

static void
fig_castle(fx *d)
{
	rgb k = main_col(d, RGB(175, 170, 160)), roof = RGB(60, 70, 130), dk = scale(k, 0.85f);

	rect(d, 0.32f, 0.15f, 0.68f, 1.0f, dk);
	crenels(d, 0.32f, 0.68f, 0.15f, 0.05f, dk);
	rect(d, 0.1f, 0.5f, 0.9f, 1.0f, k);
	crenels(d, 0.1f, 0.9f, 0.5f, 0.05f, k);
	for (int i = 0; i < 2; i++) {
		float x = i ? 0.78f : 0.02f;
		rect(d, x, 0.28f, x + 0.2f, 1.0f, k);
		tri(d, x - 0.03f, 0.29f, x + 0.1f, 0.0f, x + 0.23f, 0.29f, roof);
		stroke(d, x + 0.1f, 0.0f, x + 0.1f, -0.06f, 0.01f, BLACK);
		tri(d, x + 0.1f, -0.06f, x + 0.17f, -0.045f, x + 0.1f, -0.03f, RGB(210, 40, 40));
		rect(d, x + 0.08f, 0.4f, x + 0.12f, 0.5f, BLACK);
	}
	rect(d, 0.42f, 0.78f, 0.58f, 1.0f, RGB(70, 45, 30));
	half_el(d, 0.5f, 0.78f, 0.08f, 0.06f, 0, RGB(70, 45, 30));
	for (int i = 0; i < 3; i++)
		rect(d, 0.38f + 0.1f * (float)i, 0.25f, 0.42f + 0.1f * (float)i, 0.35f, BLACK);
}

static void
fig_lighthouse(fx *d)
{
	rgb k = main_col(d, RGB(210, 40, 40));
	float ar = d->f->w / d->f->h;

	{
		float beam[] = { 0.5f, 0.17f, -1.5f, 0.05f, -1.5f, 0.3f };
		gdPoint p[3];
		for (int i = 0; i < 3; i++)
			p[i] = (gdPoint){ (int)X(d, beam[2 * i]), (int)Y(d, beam[2 * i + 1]) };
		gdImageFilledPolygon(d->im, p, 3, gdTrueColorAlpha(255, 240, 170, 80));
	}
	el(d, 0.5f, 0.97f, 0.5f, 0.06f, 0, RGB(110, 105, 100));
	for (int i = 0; i < 5; i++) {
		float y0 = 0.3f + 0.13f * (float)i, y1 = y0 + 0.13f;
		float w0 = 0.18f + 0.12f * (y0 - 0.3f) / 0.65f * 1.6f, w1 = 0.18f + 0.12f * (y1 - 0.3f) / 0.65f * 1.6f;
		float b[] = { 0.5f - w0, y0, 0.5f + w0, y0, 0.5f + w1, y1, 0.5f - w1, y1 };
		poly(d, b, 4, i % 2 ? WHITE : k);
	}
	rect(d, 0.26f, 0.26f, 0.74f, 0.31f, BLACK);
	rect(d, 0.34f, 0.12f, 0.66f, 0.26f, RGB(255, 230, 130));
	glow(d, 0.5f, 0.19f, 0.4f, RGB(255, 240, 170), 0.5f);
	half_el(d, 0.5f, 0.12f, 0.18f, 0.08f, 0, k);
	dot(d, 0.5f, 0.03f, 0.03f, 0.03f * ar, BLACK);
	rect(d, 0.45f, 0.8f, 0.55f, 0.95f, RGB(80, 60, 40));
}

static void
fig_bridge(fx *d)
{
	rgb k = main_col(d, RGB(200, 70, 45));

	for (int i = 0; i < 2; i++) {
		float x = i ? 0.74f : 0.2f;
		rect(d, x, 0.05f, x + 0.06f, 1.0f, k);
		rect(d, x - 0.01f, 0.15f, x + 0.07f, 0.2f, k);
		rect(d, x - 0.01f, 0.4f, x + 0.07f, 0.45f, k);
	}
	for (int s = 0; s < 3; s++) {
		float a = s == 0 ? -0.3f : s == 1 ? 0.23f : 0.77f, b = s == 0 ? 0.23f : s == 1 ? 0.77f : 1.3f;
		float px = a, py = 0;

		for (int j = 0; j <= 16; j++) {
			float t = (float)j / 16, x = a + (b - a) * t;
			float y = s == 0 ? 0.56f - 0.5f * t : s == 1 ? 0.56f - 2 * (t - 0.5f) * (t - 0.5f)
								  : 0.06f + 0.5f * t;
			if (j > 0) {
				line(d, px, py, x, y, 0.012f, k);
				if (j % 2 == 0)
					line(d, x, y, x, 0.6f, 0.004f, k);
			}
			px = x;
			py = y;
		}
	}
	rect(d, -0.05f, 0.6f, 1.05f, 0.67f, scale(k, 0.7f));
}

static void
fig_tower(fx *d)
{
	rgb k = main_col(d, RGB(120, 95, 70));
	float left[] = { 0.02f, 1.0f, 0.44f, 0.12f, 0.48f, 0.12f, 0.2f, 1.0f };
	float right[] = { 0.98f, 1.0f, 0.56f, 0.12f, 0.52f, 0.12f, 0.8f, 1.0f };

	poly(d, left, 4, k);
	poly(d, right, 4, k);
	half_el(d, 0.5f, 1.0f, 0.3f, 0.22f, 0, scale(k, 0.45f));
	rect(d, 0.08f, 0.7f, 0.92f, 0.74f, k);
	rect(d, 0.3f, 0.42f, 0.7f, 0.45f, k);
	rect(d, 0.42f, 0.2f, 0.58f, 0.22f, k);
	for (int i = 0; i < 8; i++) {
		float y = 0.15f + 0.1f * (float)i, w = 0.05f + 0.06f * (float)i;
		line(d, 0.5f - w, y, 0.5f + w, y + 0.1f, 0.008f, scale(k, 0.8f));
		line(d, 0.5f + w, y, 0.5f - w, y + 0.1f, 0.008f, scale(k, 0.8f));
	}
	stroke(d, 0.5f, 0.13f, 0.5f, 0.0f, 0.03f, k);
}

static void
fig_temple(fx *d)
{
	rgb k = main_col(d, RGB(235, 228, 210));

	if (ri(d, 2)) {
		/* a pagoda */
		rgb wall = RGB(200, 60, 40), roof = main_col(d, RGB(60, 60, 70));
		for (int i = 0; i < 3; i++) {
			float y = 0.25f + 0.25f * (float)i, w = 0.22f + 0.07f * (float)i;
			rect(d, 0.5f - w * 0.7f, y, 0.5f + w * 0.7f, y + 0.25f, wall);
			float r[] = { 0.5f - w - 0.1f, y + 0.04f, 0.5f - w * 0.6f, y - 0.06f,
				0.5f + w * 0.6f, y - 0.06f, 0.5f + w + 0.1f, y + 0.04f };
			poly(d, r, 4, roof);
		}
		stroke(d, 0.5f, 0.2f, 0.5f, 0.02f, 0.02f, RGB(200, 170, 60));
		rect(d, 0.44f, 0.82f, 0.56f, 1.0f, RGB(60, 30, 20));
		return;
	}
	rect(d, 0.0f, 0.9f, 1.0f, 1.0f, scale(k, 0.9f));
	rect(d, 0.04f, 0.84f, 0.96f, 0.9f, k);
	for (int i = 0; i < 6; i++) {
		float x = 0.1f + 0.16f * (float)i;
		rect(d, x, 0.42f, x + 0.08f, 0.84f, k);
		line(d, x + 0.04f, 0.44f, x + 0.04f, 0.82f, 0.008f, scale(k, 0.75f));
	}
	rect(d, 0.04f, 0.34f, 0.96f, 0.42f, k);
	tri(d, 0.02f, 0.34f, 0.5f, 0.1f, 0.98f, 0.34f, k);
	tri(d, 0.16f, 0.31f, 0.5f, 0.15f, 0.84f, 0.31f, scale(k, 0.85f));
}

static void
fig_windmill(fx *d)
{
	rgb k = main_col(d, RGB(235, 225, 205)), sail = RGB(240, 240, 235), wood = RGB(120, 80, 50);
	float body[] = { 0.3f, 0.35f, 0.7f, 0.35f, 0.8f, 1.0f, 0.2f, 1.0f };
	float a0 = rf(d, 0, 1.57f);

	poly(d, body, 4, k);
	half_el(d, 0.5f, 0.36f, 0.22f, 0.12f, 0, RGB(170, 60, 40));
	rect(d, 0.43f, 0.8f, 0.57f, 1.0f, wood);
	rect(d, 0.45f, 0.5f, 0.55f, 0.6f, RGB(100, 150, 200));
	for (int i = 0; i < 4; i++) {
		float a = a0 + 1.5708f * (float)i, c = cosf(a), s = sinf(a) * d->f->w / d->f->h;
		float b[] = { 0.5f + 0.05f * c - 0.04f * s, 0.3f + 0.05f * s + 0.04f * c,
			0.5f + 0.48f * c - 0.07f * s, 0.3f + 0.48f * s + 0.07f * c,
			0.5f + 0.48f * c, 0.3f + 0.48f * s, 0.5f + 0.05f * c, 0.3f + 0.05f * s };
		poly(d, b, 4, sail);
		line(d, 0.5f, 0.3f, 0.5f + 0.48f * c, 0.3f + 0.48f * s, 0.012f, wood);
	}
	dot(d, 0.5f, 0.3f, 0.035f, 0.025f, wood);
}

/* ---- objects ---- */

static void
fig_robot(fx *d)
{
	rgb k = main_col(d, RGB(175, 185, 195)), eye_k = RGB(80, 230, 255);
	float ar = d->f->w / d->f->h;
	float wave = rf(d, 0, 0.15f);

	stroke(d, 0.5f, 0.06f, 0.5f, 0.0f, 0.02f, BLACK);
	dot(d, 0.5f, 0.0f + 0.01f, 0.03f, 0.03f * ar, RGB(230, 50, 50));
	rect(d, 0.3f, 0.06f, 0.7f, 0.3f, k);
	el(d, 0.4f, 0.17f, 0.06f, 0.06f * ar, 0, BLACK);
	el(d, 0.6f, 0.17f, 0.06f, 0.06f * ar, 0, BLACK);
	dot(d, 0.4f, 0.17f, 0.04f, 0.04f * ar, eye_k);
	dot(d, 0.6f, 0.17f, 0.04f, 0.04f * ar, eye_k);
	rect(d, 0.4f, 0.24f, 0.6f, 0.27f, RGB(60, 60, 70));
	rect(d, 0.45f, 0.3f, 0.55f, 0.34f, scale(k, 0.7f));
	stroke(d, 0.22f, 0.38f, 0.1f, 0.62f - wave * 2, 0.08f, scale(k, 0.85f));
	stroke(d, 0.78f, 0.38f, 0.9f, 0.62f, 0.08f, scale(k, 0.85f));
	el(d, 0.1f, 0.64f - wave * 2, 0.06f, 0.06f * ar, 0, scale(k, 0.7f));
	el(d, 0.9f, 0.64f, 0.06f, 0.06f * ar, 0, scale(k, 0.7f));
	rect(d, 0.22f, 0.34f, 0.78f, 0.72f, k);
	rect(d, 0.32f, 0.42f, 0.68f, 0.62f, scale(k, 0.75f));
	dot(d, 0.4f, 0.52f, 0.03f, 0.03f * ar, RGB(240, 80, 70));
	dot(d, 0.5f, 0.52f, 0.03f, 0.03f * ar, RGB(250, 210, 60));
	dot(d, 0.6f, 0.52f, 0.03f, 0.03f * ar, RGB(100, 220, 100));
	rect(d, 0.3f, 0.72f, 0.44f, 0.95f, scale(k, 0.85f));
	rect(d, 0.56f, 0.72f, 0.7f, 0.95f, scale(k, 0.85f));
	rect(d, 0.26f, 0.93f, 0.46f, 1.0f, scale(k, 0.6f));
	rect(d, 0.54f, 0.93f, 0.74f, 1.0f, scale(k, 0.6f));
}

static void
fig_clock(fx *d)
{
	rgb k = main_col(d, RGB(140, 90, 50));
	float hr = rf(d, 0, 6.2832f), mn = rf(d, 0, 6.2832f);

	el(d, 0.5f, 0.5f, 0.5f, 0.5f, 0, k);
	el(d, 0.5f, 0.5f, 0.42f, 0.42f, 0, RGB(250, 248, 240));
	for (int i = 0; i < 12; i++) {
		float a = (float)i * 0.5236f, c = cosf(a), s = sinf(a);
		line(d, 0.5f + 0.34f * c, 0.5f + 0.34f * s, 0.5f + 0.4f * c, 0.5f + 0.4f * s,
		    i % 3 ? 0.01f : 0.025f, BLACK);
	}
	stroke(d, 0.5f, 0.5f, 0.5f + 0.2f * cosf(hr), 0.5f + 0.2f * sinf(hr), 0.03f, BLACK);
	stroke(d, 0.5f, 0.5f, 0.5f + 0.32f * cosf(mn), 0.5f + 0.32f * sinf(mn), 0.018f, BLACK);
	dot(d, 0.5f, 0.5f, 0.03f, 0.03f, RGB(200, 40, 40));
}

static void
fig_book(fx *d)
{
	rgb k = main_col(d, RGB(150, 40, 40)), page = RGB(250, 245, 230);
	float cover[] = { 0.0f, 0.2f, 0.5f, 0.28f, 1.0f, 0.2f, 1.0f, 0.95f, 0.5f, 1.0f, 0.0f, 0.95f };
	float lp[] = { 0.04f, 0.12f, 0.25f, 0.1f, 0.5f, 0.2f, 0.5f, 0.92f, 0.25f, 0.84f, 0.04f, 0.87f };
	float rp[] = { 0.96f, 0.12f, 0.75f, 0.1f, 0.5f, 0.2f, 0.5f, 0.92f, 0.75f, 0.84f, 0.96f, 0.87f };

	poly(d, cover, 6, k);
	poly(d, lp, 6, page);
	poly(d, rp, 6, scale(page, 0.95f));
	for (int i = 0; i < 8; i++) {
		float y = 0.25f + 0.075f * (float)i;
		line(d, 0.1f, y, 0.44f, y + 0.04f, 0.008f, RGB(150, 150, 150));
		line(d, 0.56f, y + 0.04f, 0.9f, y, 0.008f, RGB(150, 150, 150));
	}
}

static void
fig_lamp(fx *d)
{
	rgb k = main_col(d, RGB(240, 210, 150)), metal = RGB(90, 80, 70);
	float shade[] = { 0.28f, 0.05f, 0.72f, 0.05f, 0.92f, 0.42f, 0.08f, 0.42f };

	glow(d, 0.5f, 0.45f, 0.9f, RGB(255, 225, 150), 0.5f);
	el(d, 0.5f, 0.95f, 0.28f, 0.05f, 0, metal);
	stroke(d, 0.5f, 0.42f, 0.5f, 0.94f, 0.05f, metal);
	poly(d, shade, 4, k);
	el(d, 0.5f, 0.43f, 0.42f, 0.03f, 0, RGB(255, 245, 200));
}

static void
fig_guitar(fx *d)
{
	rgb k = main_col(d, RGB(200, 120, 50)), wood = RGB(90, 55, 30);
	float ar = d->f->w / d->f->h;

	rect(d, 0.42f, 0.0f, 0.58f, 0.1f, wood);
	rect(d, 0.44f, 0.08f, 0.56f, 0.55f, wood);
	for (int i = 0; i < 6; i++)
		line(d, 0.44f, 0.14f + 0.06f * (float)i, 0.56f, 0.14f + 0.06f * (float)i, 0.008f,
		    RGB(200, 200, 200));
	el(d, 0.5f, 0.78f, 0.46f, 0.46f * ar, 0, k);
	el(d, 0.5f, 0.52f, 0.34f, 0.34f * ar, 0, k);
	el(d, 0.5f, 0.58f, 0.12f, 0.12f * ar, 0, BLACK);
	rect(d, 0.38f, 0.8f, 0.62f, 0.83f, wood);
	for (int i = 0; i < 4; i++)
		line(d, 0.47f + 0.02f * (float)i, 0.03f, 0.47f + 0.02f * (float)i, 0.81f, 0.004f,
		    RGB(230, 230, 220));
}

/* ---- fantasy ---- */

static void
fig_dragon(fx *d)
{
	rgb k = main_col(d, RGB(50, 140, 70)), wing = scale(k, 0.7f), belly = RGB(230, 200, 120);
	int fire = ri(d, 2);
	float wing_up = rf(d, 0, 0.1f);

	{
		float wp[] = { 0.4f, 0.42f, 0.3f, 0.0f + wing_up, 0.55f, 0.12f + wing_up, 0.72f, 0.02f,
			0.62f, 0.42f };
		poly(d, wp, 5, scale(wing, 0.85f));
	}
	for (int i = 0; i < 8; i++) {
		float t = (float)i / 7;
		el(d, 0.3f - 0.25f * t, 0.62f + 0.25f * t * t, 0.08f * (1 - 0.7f * t), 0.06f * (1 - 0.7f * t), 0, k);
	}
	tri(d, 0.02f, 0.82f, 0.0f, 0.97f, 0.1f, 0.9f, k);
	rect(d, 0.32f, 0.6f, 0.4f, 0.95f, scale(k, 0.85f));
	rect(d, 0.6f, 0.6f, 0.68f, 0.95f, scale(k, 0.85f));
	el(d, 0.48f, 0.58f, 0.24f, 0.17f, 0, k);
	el(d, 0.5f, 0.65f, 0.16f, 0.08f, 0, belly);
	for (int i = 0; i < 5; i++)
		tri(d, 0.3f + 0.08f * (float)i, 0.44f, 0.34f + 0.08f * (float)i, 0.36f,
		    0.38f + 0.08f * (float)i, 0.44f, scale(k, 0.6f));
	{
		float np[] = { 0.62f, 0.5f, 0.74f, 0.22f, 0.84f, 0.24f, 0.74f, 0.58f };
		poly(d, np, 4, k);
	}
	tri(d, 0.76f, 0.18f, 0.72f, 0.04f, 0.8f, 0.16f, RGB(230, 220, 190));
	tri(d, 0.82f, 0.17f, 0.84f, 0.03f, 0.86f, 0.18f, RGB(230, 220, 190));
	el(d, 0.82f, 0.22f, 0.09f, 0.07f, 0, k);
	float sn[] = { 0.84f, 0.17f, 0.99f, 0.24f, 0.97f, 0.3f, 0.82f, 0.29f };
	poly(d, sn, 4, k);
	eye(d, 0.83f, 0.2f, 0.02f, RGB(250, 200, 30));
	if (fire) {
		glow(d, 1.08f, 0.3f, 0.22f, RGB(255, 150, 30), 0.9f);
		for (int i = 0; i < 5; i++) {
			float t = (float)i / 4;
			dot(d, 1.0f + 0.2f * t, 0.28f + rf(d, -0.04f, 0.04f), 0.03f + 0.05f * t, 0.03f + 0.06f * t,
			    mix(RGB(255, 240, 150), RGB(240, 90, 20), t));
		}
	}
	{
		float wp[] = { 0.45f, 0.5f, 0.2f, 0.05f + wing_up, 0.42f, 0.2f + wing_up, 0.62f,
			0.08f + wing_up, 0.58f, 0.5f };
		poly(d, wp, 5, wing);
	}
}


/* ---- more ---- */

static void
fig_penguin(fx *d)
{
	rgb k = main_col(d, RGB(30, 32, 40)), orange = RGB(245, 160, 40);
	float ar = d->f->w / d->f->h, flap = rf(d, -15, 15);

	el(d, 0.4f, 0.96f, 0.12f, 0.04f, 0, orange);
	el(d, 0.6f, 0.96f, 0.12f, 0.04f, 0, orange);
	el(d, 0.15f, 0.55f, 0.08f, 0.25f, 20 + flap, k);
	el(d, 0.85f, 0.55f, 0.08f, 0.25f, -20 - flap, k);
	el(d, 0.5f, 0.58f, 0.34f, 0.38f, 0, k);
	el(d, 0.5f, 0.63f, 0.24f, 0.31f, 0, WHITE);
	el(d, 0.5f, 0.22f, 0.24f, 0.24f * ar, 0, k);
	dot(d, 0.42f, 0.22f, 0.08f, 0.07f, WHITE);
	dot(d, 0.58f, 0.22f, 0.08f, 0.07f, WHITE);
	eye(d, 0.43f, 0.21f, 0.035f, BLACK);
	eye(d, 0.57f, 0.21f, 0.035f, BLACK);
	tri(d, 0.44f, 0.27f, 0.56f, 0.27f, 0.5f, 0.35f, orange);
}

static void
fig_elephant(fx *d)
{
	rgb k = main_col(d, RGB(150, 150, 158));
	float ar = d->f->w / d->f->h, swing = rf(d, -0.04f, 0.04f);

	stroke(d, 0.14f, 0.4f, 0.06f, 0.62f, 0.02f, scale(k, 0.7f));
	rect(d, 0.2f, 0.55f, 0.3f, 0.95f, scale(k, 0.85f));
	rect(d, 0.55f, 0.55f, 0.65f, 0.95f, scale(k, 0.85f));
	el(d, 0.42f, 0.45f, 0.3f, 0.27f, 0, k);
	rect(d, 0.28f, 0.55f, 0.38f, 0.98f, k);
	rect(d, 0.63f, 0.55f, 0.73f, 0.98f, k);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i <= 14; i++) {
			float t = (float)i / 14, r = 0.05f - 0.02f * t + (pass ? 0 : d->ow / d->f->w);
			dot(d, 0.86f + 0.06f * t + swing * t * t, 0.45f + 0.45f * t - 0.1f * t * t * t, r, r * ar,
			    pass ? lit(d, k, 0.6f) : dark(d, k));
		}
	el(d, 0.8f, 0.33f, 0.14f, 0.18f, 0, k);
	el(d, 0.7f, 0.36f, 0.12f, 0.22f, 0, scale(k, 0.85f));
	tri(d, 0.86f, 0.5f, 0.9f, 0.5f, 0.99f, 0.62f, RGB(245, 240, 225));
	eye(d, 0.84f, 0.3f, 0.02f, RGB(50, 40, 30));
}

static void
fig_bear(fx *d)
{
	static const rgb coats[] = { { 110, 70, 40 }, { 70, 50, 35 }, { 200, 150, 90 } };
	rgb k = coat(d, coats, 3);
	float ar = d->f->w / d->f->h;

	rect(d, 0.2f, 0.6f, 0.32f, 0.95f, scale(k, 0.85f));
	rect(d, 0.58f, 0.6f, 0.7f, 0.95f, scale(k, 0.85f));
	el(d, 0.45f, 0.55f, 0.33f, 0.27f, 0, k);
	rect(d, 0.3f, 0.62f, 0.42f, 0.98f, k);
	rect(d, 0.66f, 0.62f, 0.78f, 0.98f, k);
	el(d, 0.72f, 0.22f, 0.05f, 0.05f * ar, 0, k);
	el(d, 0.88f, 0.22f, 0.05f, 0.05f * ar, 0, k);
	el(d, 0.8f, 0.36f, 0.14f, 0.14f * ar, 0, k);
	el(d, 0.9f, 0.42f, 0.07f, 0.06f * ar, 0, mix(k, WHITE, 0.4f));
	dot(d, 0.95f, 0.4f, 0.025f, 0.02f * ar, BLACK);
	eye(d, 0.81f, 0.32f, 0.02f, BLACK);
}

static void
fig_snowman(fx *d)
{
	rgb scarf = main_col(d, RGB(210, 40, 40)), snow = RGB(248, 250, 255), twig = RGB(100, 70, 40);
	float ar = d->f->w / d->f->h, wave = rf(d, 0, 0.1f);

	stroke(d, 0.3f, 0.45f, 0.02f, 0.3f - wave, 0.02f, twig);
	stroke(d, 0.7f, 0.45f, 0.98f, 0.32f, 0.02f, twig);
	el(d, 0.5f, 0.76f, 0.42f, 0.42f * ar * 0.6f, 0, snow);
	el(d, 0.5f, 0.47f, 0.3f, 0.3f * ar * 0.6f, 0, snow);
	el(d, 0.5f, 0.24f, 0.22f, 0.22f * ar * 0.6f, 0, snow);
	rect(d, 0.34f, 0.33f, 0.66f, 0.38f, scarf);
	rect(d, 0.56f, 0.35f, 0.64f, 0.52f, scarf);
	rect(d, 0.26f, 0.12f, 0.74f, 0.15f, BLACK);
	rect(d, 0.34f, 0.0f, 0.66f, 0.13f, BLACK);
	dot(d, 0.43f, 0.21f, 0.025f, 0.025f * ar, BLACK);
	dot(d, 0.57f, 0.21f, 0.025f, 0.025f * ar, BLACK);
	tri(d, 0.5f, 0.24f, 0.5f, 0.28f, 0.7f, 0.27f, RGB(245, 130, 30));
	for (int i = 0; i < 3; i++)
		dot(d, 0.5f, 0.45f + 0.07f * (float)i, 0.025f, 0.025f * ar, BLACK);
}

static void
fig_balloon(fx *d)
{
	static const rgb cols[] = { { 220, 50, 50 }, { 240, 190, 40 }, { 60, 120, 210 } };
	rgb k = coat(d, cols, 3), k2 = main_col(d, RGB(250, 245, 235));
	float neck[] = { 0.12f, 0.5f, 0.88f, 0.5f, 0.62f, 0.8f, 0.38f, 0.8f };

	line(d, 0.4f, 0.8f, 0.42f, 0.9f, 0.008f, RGB(90, 70, 50));
	line(d, 0.6f, 0.8f, 0.58f, 0.9f, 0.008f, RGB(90, 70, 50));
	rect(d, 0.4f, 0.88f, 0.6f, 1.0f, RGB(150, 100, 55));
	poly(d, neck, 4, k);
	el(d, 0.5f, 0.38f, 0.46f, 0.38f, 0, k);
	el(d, 0.5f, 0.38f, 0.28f, 0.38f, 0, k2);
	el(d, 0.5f, 0.38f, 0.1f, 0.38f, 0, k);
}

static void
fig_astronaut(fx *d)
{
	rgb suit = main_col(d, RGB(240, 240, 242)), visor = RGB(40, 60, 110);
	float ar = d->f->w / d->f->h, arm = rf(d, -0.1f, 0.1f);

	rect(d, 0.14f, 0.28f, 0.34f, 0.6f, RGB(200, 200, 205));
	stroke(d, 0.42f, 0.6f, 0.36f, 0.93f, 0.16f, suit);
	stroke(d, 0.58f, 0.6f, 0.64f, 0.93f, 0.16f, suit);
	el(d, 0.34f, 0.96f, 0.1f, 0.04f, 0, RGB(160, 160, 165));
	el(d, 0.66f, 0.96f, 0.1f, 0.04f, 0, RGB(160, 160, 165));
	stroke(d, 0.3f, 0.35f, 0.14f, 0.55f + arm, 0.14f, suit);
	stroke(d, 0.7f, 0.35f, 0.86f, 0.5f - arm, 0.14f, suit);
	el(d, 0.5f, 0.48f, 0.24f, 0.2f, 0, suit);
	rect(d, 0.4f, 0.42f, 0.6f, 0.52f, RGB(190, 190, 200));
	dot(d, 0.45f, 0.47f, 0.02f, 0.015f, RGB(220, 60, 50));
	dot(d, 0.52f, 0.47f, 0.02f, 0.015f, RGB(60, 120, 220));
	el(d, 0.5f, 0.2f, 0.24f, 0.24f * ar, 0, suit);
	el(d, 0.52f, 0.21f, 0.17f, 0.14f * ar, 0, visor);
	dot(d, 0.46f, 0.17f, 0.05f, 0.03f * ar, RGB(170, 200, 240));
}

static void
fig_dinosaur(fx *d)
{
	rgb k = main_col(d, RGB(90, 150, 70)), belly = RGB(220, 210, 150);
	float ar = d->f->w / d->f->h, jaw = rf(d, 0, 0.04f);

	tail_curve(d, 0.35f, 0.55f, 0.0f, 0.8f, -0.04f, 0.07f, k);
	rect(d, 0.36f, 0.6f, 0.46f, 0.97f, scale(k, 0.85f));
	el(d, 0.45f, 0.52f, 0.22f, 0.17f, -20, k);
	el(d, 0.5f, 0.6f, 0.12f, 0.08f, -20, belly);
	rect(d, 0.5f, 0.6f, 0.6f, 0.98f, k);
	el(d, 0.55f, 0.98f, 0.08f, 0.025f, 0, scale(k, 0.8f));
	{
		float np[] = { 0.55f, 0.42f, 0.66f, 0.16f, 0.76f, 0.18f, 0.66f, 0.5f };
		poly(d, np, 4, k);
	}
	el(d, 0.76f, 0.16f, 0.16f, 0.09f, 0, k);
	tri(d, 0.66f, 0.2f + jaw, 0.95f, 0.22f + jaw, 0.7f, 0.27f + jaw, scale(k, 0.85f));
	for (int i = 0; i < 5; i++)
		tri(d, 0.74f + 0.04f * (float)i, 0.2f, 0.76f + 0.04f * (float)i, 0.23f, 0.78f + 0.04f * (float)i,
		    0.2f, WHITE);
	stroke(d, 0.62f, 0.4f, 0.72f, 0.48f, 0.03f, k);
	eye(d, 0.8f, 0.13f, 0.02f * ar, RGB(230, 180, 30));
	for (int i = 0; i < 5; i++)
		tri(d, 0.28f + 0.07f * (float)i, 0.43f - 0.04f * (float)i, 0.32f + 0.07f * (float)i,
		    0.34f - 0.04f * (float)i, 0.35f + 0.07f * (float)i, 0.42f - 0.04f * (float)i, scale(k, 0.7f));
}

static void
fig_turtle(fx *d)
{
	rgb shell = main_col(d, RGB(110, 140, 60)), skin = RGB(150, 180, 100);

	el(d, 0.25f, 0.82f, 0.09f, 0.14f, 0, skin);
	el(d, 0.72f, 0.82f, 0.09f, 0.14f, 0, skin);
	el(d, 0.88f, 0.58f, 0.12f, 0.14f, 0, skin);
	tri(d, 0.1f, 0.7f, 0.0f, 0.78f, 0.12f, 0.8f, skin);
	half_el(d, 0.48f, 0.76f, 0.4f, 0.6f, 0, shell);
	rect(d, 0.08f, 0.74f, 0.88f, 0.8f, scale(shell, 0.7f));
	for (int i = 0; i < 3; i++)
		el(d, 0.32f + 0.16f * (float)i, 0.52f - (i == 1 ? 0.12f : 0), 0.07f, 0.12f, 0, scale(shell, 0.8f));
	eye(d, 0.92f, 0.54f, 0.025f, BLACK);
}

static void
fig_ice_cream(fx *d)
{
	static const rgb scoops[] = { { 250, 190, 200 }, { 250, 245, 225 }, { 120, 75, 45 },
		{ 170, 220, 150 } };
	rgb cone = RGB(215, 160, 90), k = coat(d, scoops, 4), k2 = scoops[ri(d, 4)];
	float ar = d->f->w / d->f->h;

	tri(d, 0.22f, 0.45f, 0.78f, 0.45f, 0.5f, 1.0f, cone);
	for (int i = 0; i < 4; i++) {
		line(d, 0.28f + 0.12f * (float)i, 0.46f, 0.5f - 0.05f * (float)i, 0.95f - 0.1f * (float)i, 0.01f,
		    scale(cone, 0.7f));
		line(d, 0.72f - 0.12f * (float)i, 0.46f, 0.5f + 0.05f * (float)i, 0.95f - 0.1f * (float)i, 0.01f,
		    scale(cone, 0.7f));
	}
	el(d, 0.5f, 0.4f, 0.3f, 0.3f * ar * 0.55f, 0, k2);
	el(d, 0.5f, 0.22f, 0.26f, 0.26f * ar * 0.55f, 0, k);
	dot(d, 0.5f, 0.07f, 0.05f, 0.05f * ar * 0.55f, RGB(200, 20, 40));
}

static void
fig_umbrella(fx *d)
{
	static const rgb cols[] = { { 210, 40, 50 }, { 40, 90, 190 }, { 240, 190, 40 } };
	rgb k = coat(d, cols, 3);
	float tilt = rf(d, -0.05f, 0.05f);

	stroke(d, 0.5f + tilt, 0.3f, 0.5f, 0.9f, 0.03f, RGB(60, 50, 45));
	arc(d, 0.43f, 0.9f, 0.07f, 0.06f, 0, 180, 0.03f, RGB(60, 50, 45));
	half_el(d, 0.5f + tilt, 0.38f, 0.48f, 0.34f, 0, k);
	for (int i = 0; i < 4; i++) {
		float x = 0.02f + 0.24f * (float)i + tilt;
		half_el(d, x + 0.12f, 0.38f, 0.12f, 0.05f, 1, scale(k, 0.85f));
	}
	for (int i = 1; i < 4; i++)
		line(d, 0.5f + tilt, 0.05f, 0.02f + 0.24f * (float)i + tilt, 0.38f, 0.01f, scale(k, 0.6f));
	stroke(d, 0.5f + tilt, 0.04f, 0.5f + tilt, 0.0f, 0.02f, RGB(60, 50, 45));
}

#define FIGURE(id, name, figure, aspect, ...) [IG_SU_##id] = { fig_##figure, aspect },
static const struct {
	void (*draw)(fx *);
	float aspect;
} figures[IG_SU__MAX] = { IG_SUBJECTS(FIGURE) };
#undef FIGURE

static void
fx_init(fx *d, const ig_fig *f, int subject)
{
	float m = fminf(f->w, f->h);

	memset(d, 0, sizeof(*d));
	d->f = f;
	d->im = f->im;
	d->rng = mix64(f->seed ^ (uint64_t)subject * 0x9e3779b97f4a7c15ull);
	d->flip = (int)(mix64(d->rng) & 1);
	d->ok = 0.3f;
	d->sh = SH_SOFT;
	d->ow = fmaxf(1, m * 0.012f);
	switch (f->style) {
	case IG_ST_REALISTIC:
		d->sh = SH_REAL;
		d->ow = m * 0.004f;
		d->ok = 0.55f;
		break;
	case IG_ST_ANIME: d->sh = SH_CEL; d->ow = fmaxf(1.5f, m * 0.02f); d->ok = 0.12f; break;
	case IG_ST_PIXEL:
	case IG_ST_LOWPOLY: d->sh = SH_FLAT; break;
	case IG_ST_SKETCH: d->ow = fmaxf(1, m * 0.015f); d->ok = 0.1f; break;
	default: break;
	}
	gdImageAlphaBlending(f->im, 1);
}

void
ig_figure_bouquet(const ig_fig *f, int flower, int n)
{
	static const rgb vases[] = { { 70, 110, 170 }, { 235, 235, 240 }, { 190, 120, 80 } };
	fx d;
	rgb vase;

	if (flower < 0 || flower >= IG_SU__MAX || figures[flower].draw == NULL || fminf(f->w, f->h) < 2)
		return;
	fx_init(&d, f, IG_SU__MAX);
	vase = vases[ri(&d, 3)];
	n = n < 1 ? 1 : n > 9 ? 9 : n;
	for (int i = 0; i < n; i++) {
		/* each flower in its own box, fanned out, its stem down into the vase */
		float off = (float)i - (float)(n - 1) / 2, h = 0.72f * f->h, w = h * figures[flower].aspect;
		ig_fig g = *f;
		fx e;
		g.w = w;
		g.h = h;
		g.x = f->x + f->w * (0.5f + off * 0.11f) - w / 2;
		g.y = f->y + f->h * (0.02f + 0.05f * fabsf(off)) + rf(&d, 0, 0.03f) * f->h;
		g.seed = f->seed + (uint64_t)i * 7919;
		fx_init(&e, &g, flower);
		figures[flower].draw(&e);
	}
	el(&d, 0.5f, 0.8f, 0.26f, 0.19f, 0, vase);
	rect(&d, 0.38f, 0.55f, 0.62f, 0.68f, vase);
	el(&d, 0.5f, 0.56f, 0.16f, 0.03f, 0, scale(vase, 0.8f));
}

float
ig_figure_aspect(int subject)
{
	return subject >= 0 && subject < IG_SU__MAX && figures[subject].draw ? figures[subject].aspect
									     : 1.0f;
}

void
ig_figure_draw(int subject, const ig_fig *f)
{
	fx d;

	if (subject < 0 || subject >= IG_SU__MAX || figures[subject].draw == NULL ||
	    fminf(f->w, f->h) < 2)
		return;
	fx_init(&d, f, subject);
	figures[subject].draw(&d);
}
