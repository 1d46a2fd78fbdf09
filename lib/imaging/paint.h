/*
 * paint.h — the colour arithmetic the builtin renderer (render.c) and its
 * figures (figures.c) share: RGB triples in 0–255 floats, mixing, HSV,
 * packing into libgd's true colour, blending a pixel, and splitmix64, the
 * only randomness they use. Internal to lib/imaging.
 */
#ifndef IG_IMAGING_PAINT_H
#define IG_IMAGING_PAINT_H

#include <math.h>
#include <stdint.h>

#include <gd.h>

typedef struct rgb {
	float r, g, b;
} rgb;

/* splitmix64 (Steele, Lea, Flood 2014): the only randomness used here. */
static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline float
clampf(float v, float lo, float hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static inline rgb
mix(rgb a, rgb b, float t)
{
	return (rgb){ a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

static inline rgb
scale(rgb a, float k)
{
	return (rgb){ a.r * k, a.g * k, a.b * k };
}

static inline rgb
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

static inline int
to8(float v)
{
	if (!(v > 0))
		return 0;
	return v >= 255 ? 255 : (int)(v + 0.5f);
}

static inline int
pack(rgb k)
{
	return gdTrueColor(to8(k.r), to8(k.g), to8(k.b));
}

/* A libgd colour with opacity a in [0, 1] (gd counts 127 as transparent). */
static inline int
gdcol(rgb k, float a)
{
	return gdTrueColorAlpha(to8(k.r), to8(k.g), to8(k.b), 127 - (int)(clampf(a, 0, 1) * 127));
}

/* Blend k over pixel (x, y) of im at opacity a (outside the image: nothing). */
static inline void
paint_blend(gdImagePtr im, int x, int y, rgb k, float a)
{
	int *p, o;

	if ((unsigned)x >= (unsigned)gdImageSX(im) || (unsigned)y >= (unsigned)gdImageSY(im) || a <= 0)
		return;
	a = a > 1 ? 1 : a;
	p = &im->tpixels[y][x];
	o = *p;
	*p = gdTrueColor(to8((float)gdTrueColorGetRed(o) + (k.r - (float)gdTrueColorGetRed(o)) * a),
	    to8((float)gdTrueColorGetGreen(o) + (k.g - (float)gdTrueColorGetGreen(o)) * a),
	    to8((float)gdTrueColorGetBlue(o) + (k.b - (float)gdTrueColorGetBlue(o)) * a));
}

#endif
