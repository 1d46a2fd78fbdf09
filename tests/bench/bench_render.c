/*
 * bench_render.c — scripts/bench's figures for the builtin renderer (issue
 * 16), in process and on one thread: the time of ig_render_builtin at
 * 1024×1024 (PNG encoding included) over varied prompts with subjects,
 * styles and weather, beside two baselines measured in the same run: the
 * same renderer on scene-only prompts (the picture before subjects), and a
 * flat fill encoded the same way (libgd's PNG encoder alone). p50 and p99
 * of each, as wall time and as the thread's CPU time (the machine may be
 * shared: CPU time is what one core spends); the target is p99 < 300 ms.
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
ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct times {
	double *wall, *cpu;
} times;

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
report(const char *label, times *t, int n)
{
	qsort(t->wall, (size_t)n, sizeof(double), cmp);
	qsort(t->cpu, (size_t)n, sizeof(double), cmp);
	printf("  %-48s wall p50 %6.1f p99 %6.1f ms; cpu p50 %6.1f p99 %6.1f ms (n=%d)\n", label,
	    t->wall[n / 2], t->wall[(int)((double)(n - 1) * 0.99)], t->cpu[n / 2],
	    t->cpu[(int)((double)(n - 1) * 0.99)], n);
}

static void
one(const char *prompt, uint64_t seed, times *t, int i)
{
	unsigned char *png;
	size_t len;
	double w0 = ms(CLOCK_MONOTONIC), c0 = ms(CLOCK_THREAD_CPUTIME_ID);

	if (prompt != NULL) {
		if (ig_render_builtin(prompt, NULL, seed, 1024, 1024, &png, &len, NULL) != 0) {
			fprintf(stderr, "render failed: %s\n", prompt);
			exit(1);
		}
		free(png);
	} else {
		gdImagePtr im = gdImageCreateTrueColor(1024, 1024);
		int size;
		void *p;

		gdImageFill(im, 0, 0, gdTrueColor(40 + (int)(seed % 200), 90, 160));
		p = gdImagePngPtrEx(im, &size, 2);
		gdFree(p);
		gdImageDestroy(im);
	}
	t->wall[i] = ms(CLOCK_MONOTONIC) - w0;
	t->cpu[i] = ms(CLOCK_THREAD_CPUTIME_ID) - c0;
}

static times
alloc_times(int n)
{
	times t = { malloc(sizeof(double) * (size_t)n), malloc(sizeof(double) * (size_t)n) };

	if (t.wall == NULL || t.cpu == NULL)
		exit(2);
	return t;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	int ns = (int)(sizeof(subject_prompts) / sizeof(subject_prompts[0]));
	int nc = (int)(sizeof(scene_prompts) / sizeof(scene_prompts[0]));
	times ts, tc, tf;

	if (rounds < 1)
		return 2;
	ts = alloc_times(ns * rounds);
	tc = alloc_times(nc * rounds);
	tf = alloc_times(nc * rounds);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < ns; i++)
			one(subject_prompts[i], (uint64_t)(r + 1), &ts, r * ns + i);
		for (int i = 0; i < nc; i++) {
			one(scene_prompts[i], (uint64_t)(r + 1), &tc, r * nc + i);
			one(NULL, (uint64_t)(r * nc + i), &tf, r * nc + i);
		}
	}
	report("subjects, styles, weather (24 prompts)", &ts, ns * rounds);
	report("baseline: scene-only prompts (no subject)", &tc, nc * rounds);
	report("baseline: gdImageFill + PNG encoding", &tf, nc * rounds);
	printf("  target: p99 < 300 ms per 1024x1024 picture on one core\n");
	free(ts.wall);
	free(ts.cpu);
	free(tc.wall);
	free(tc.cpu);
	free(tf.wall);
	free(tf.cpu);
	return 0;
}
