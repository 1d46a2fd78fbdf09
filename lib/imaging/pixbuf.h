/*
 * pixbuf.h — lib/imaging's internal working form: a float RGBA buffer
 * (channels 0–255, alpha 0–255 = opaque, not premultiplied) that filters
 * and styles read and write, and the conversions to and from libgd's
 * packed true-colour pixels (7-bit alpha, 127 = transparent). Not for
 * callers outside lib/imaging.
 */
#ifndef IG_IMAGING_PIXBUF_H
#define IG_IMAGING_PIXBUF_H

#include <gd.h>

typedef struct ig_pixbuf {
	int w, h;
	float *px;              /* w * h * 4 floats, row-major RGBA */
} ig_pixbuf;

/* A w × h buffer, zeroed (transparent black). Aborts on out of memory. */
ig_pixbuf *ig_pixbuf_new(int w, int h);
/* src's pixels (palette images read through their palette). */
ig_pixbuf *ig_pixbuf_from_gd(gdImagePtr src);
/* A new true-colour gd image of pb, alpha kept; NULL if gd cannot allocate. */
gdImagePtr ig_pixbuf_to_gd(const ig_pixbuf *pb);
void ig_pixbuf_free(ig_pixbuf *pb);
/* A copy of pb. */
ig_pixbuf *ig_pixbuf_copy(const ig_pixbuf *pb);

/* A new true-colour w × h image with alpha saved and blending off, so
 * writes replace pixels; NULL if gd cannot allocate. */
gdImagePtr ig_img_new(int w, int h);

/* Pixel (x, y) of src as packed true colour, palette or not. */
static inline int
ig_img_pixel(gdImagePtr src, int x, int y)
{
	int i;

	if (gdImageTrueColor(src))
		return src->tpixels[y][x];
	i = src->pixels[y][x];
	return gdTrueColorAlpha(src->red[i], src->green[i], src->blue[i], src->alpha[i]);
}

/* Clamp and round v to 0…255. */
static inline int
ig_clamp255(float v)
{
	return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (int)(v + 0.5f);
}

/* Mix: a + (b - a) * t. */
static inline float
ig_mix(float a, float b, float t)
{
	return a + (b - a) * t;
}

/* Rec. 601 luma of an RGB triple (what grayscale keeps). */
static inline float
ig_luma(float r, float g, float b)
{
	return 0.299f * r + 0.587f * g + 0.114f * b;
}

/* Gaussian blur of pb in place, sigma in pixels (separable, edges
 * clamped). */
void ig_pixbuf_blur(ig_pixbuf *pb, float sigma);

/* The filters of ops.h on a pixbuf in place (filters.c), shared with the
 * styles (styles.c); amount as ops.h documents it, already range-checked. */
void ig_fx_grayscale(ig_pixbuf *pb, float amount);
void ig_fx_sepia(ig_pixbuf *pb, float amount);
void ig_fx_invert(ig_pixbuf *pb, float amount);
void ig_fx_brightness(ig_pixbuf *pb, float amount);
void ig_fx_contrast(ig_pixbuf *pb, float amount);
void ig_fx_blur(ig_pixbuf *pb, float sigma);
void ig_fx_sharpen(ig_pixbuf *pb, float gain);
void ig_fx_emboss(ig_pixbuf *pb, float unused);
void ig_fx_edge(ig_pixbuf *pb, float unused);
void ig_fx_pixelate(ig_pixbuf *pb, float block);

#endif
