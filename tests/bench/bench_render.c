/*
 * bench_render.c — scripts/bench's figures for the builtin renderer (issue
 * 16), in process and on one thread: the time of ig_render_builtin at
 * 1024×1024 (PNG encoding included) over varied prompts with subjects,
 * styles and weather, beside two baselines measured in the same run: the
 * same renderer on scene-only prompts (the picture before subjects), and a
 * flat fill encoded the same way (libgd's PNG encoder alone). p50 and p99
 * of each; the target is p99 < 300 ms.
 *
 *   bench_render [ROUNDS]
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gd.h>

#include "lib/imaging/render.h"

static const char *const subject_prompts[] = {
	"a cat sleeping on a sofa", "a red sports car on a highway", "a bouquet of roses",
	"a medieval castle on a hill", "a cute robot", "a bowl of fruit, still life",
	"a red fox in the snow, watercolor", "three birds in the sky", "a whale in the ocean",
	"portrait of a woman, oil painting", "a crowd in the city", "a steam train in the mountains",
	"a rocket in space", "a lighthouse by the sea at night", "a dragon flying over mountains",
	"a unicorn in a meadow, anime", "兩隻狐狸在雪中", "机器人，像素", "a house, low poly",
	"a cat, pencil sketch", "a horse in the rain", "a castle in fog", "a windmill, photorealistic",
	"a cup of coffee on a table",
};

static const char *const scene_prompts[] = {
	"snowy mountains at sunset", "neon city at night", "ocean waves under a golden sky",
	"a pine forest in fog", "a ringed planet among the stars", "abstract flow in purple and gold",
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
report(const char *label, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(double), cmp);
	printf("  %-52s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (n=%d)\n", label, t[n / 2],
	    t[(int)((double)(n - 1) * 0.99)], t[n - 1], n);
}

static double
one(const char *prompt, uint64_t seed)
{
	unsigned char *png;
	size_t len;
	double t0 = now_ms();

	if (ig_render_builtin(prompt, NULL, seed, 1024, 1024, &png, &len, NULL) != 0) {
		fprintf(stderr, "render failed: %s\n", prompt);
		exit(1);
	}
	free(png);
	return now_ms() - t0;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	int ns = (int)(sizeof(subject_prompts) / sizeof(subject_prompts[0]));
	int nc = (int)(sizeof(scene_prompts) / sizeof(scene_prompts[0]));
	double *ts = malloc(sizeof(double) * (size_t)(ns * rounds));
	double *tc = malloc(sizeof(double) * (size_t)(nc * rounds));
	double *tf = malloc(sizeof(double) * (size_t)(nc * rounds));
	int k = 0;

	if (rounds < 1 || ts == NULL || tc == NULL || tf == NULL)
		return 2;
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < ns; i++)
			ts[r * ns + i] = one(subject_prompts[i], (uint64_t)(r + 1));
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < nc; i++)
			tc[r * nc + i] = one(scene_prompts[i], (uint64_t)(r + 1));
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < nc; i++, k++) {
			double t0 = now_ms();
			gdImagePtr im = gdImageCreateTrueColor(1024, 1024);
			int size;
			void *p;
			gdImageFill(im, 0, 0, gdTrueColor(40 + k % 200, 90, 160));
			p = gdImagePngPtrEx(im, &size, 6);
			gdFree(p);
			gdImageDestroy(im);
			tf[k] = now_ms() - t0;
		}
	report("subjects, styles, weather (24 prompts)", ts, ns * rounds);
	report("baseline: scene-only prompts (the pre-issue-16 path)", tc, nc * rounds);
	report("baseline: gdImageFill + the same PNG encoding", tf, nc * rounds);
	printf("  target: p99 < 300 ms per 1024x1024 picture on one core\n");
	free(ts);
	free(tc);
	free(tf);
	return 0;
}
