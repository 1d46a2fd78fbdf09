/*
 * figures.h — the builtin renderer's subjects (vocab.h's enum ig_subject)
 * as vector figures drawn with libgd: a silhouette of filled ellipses and
 * polygons, a few shaded parts and an outline, at any size. Internal to
 * lib/imaging (render.c and the unit tests).
 *
 * One draw function per subject takes the figure (canvas, box, colour,
 * seed, style): the box is where it goes (its proportions should be the
 * subject's ig_figure_aspect), col its main colour when the prompt named
 * one (else its natural colours), the seed picks pose and variation (a
 * mirrored figure, a tail's curve, a coat), the style the shading and the
 * outline. Deterministic: the same figure gives the same pixels.
 */
#ifndef IG_IMAGING_FIGURES_H
#define IG_IMAGING_FIGURES_H

#include <stdint.h>

#include <gd.h>

typedef struct ig_fig {
	gdImagePtr im;          /* true colour */
	float x, y, w, h;       /* the box, in pixels; its bottom edge is the ground */
	int coloured;           /* col holds the colour the prompt named */
	float col[3];           /* 0–255 RGB */
	uint64_t seed;
	int style;              /* enum ig_style */
	int season;             /* enum ig_season bits (a tree's leaves) */
	int pose;               /* enum ig_pose bits the figure honours, else its own */
} ig_fig;

/* A vase of n (1…9) flowers of subject flower (a rose, a flower, a
 * sunflower) in a box about 0.8 wide for 1 high. */
#define IG_BOUQUET_ASPECT 0.8f
void ig_figure_bouquet(const ig_fig *f, int flower, int n);

/* Width over height of the subject's box. */
float ig_figure_aspect(int subject);
/* Draw subject (enum ig_subject) as f says; an unknown subject draws nothing. */
void ig_figure_draw(int subject, const ig_fig *f);

#endif
