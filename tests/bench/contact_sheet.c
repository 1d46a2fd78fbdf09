/*
 * contact_sheet.c — scripts/contact-sheet's program: renders prompts (one a
 * line on stdin; "prompt|negative prompt" for a negative) with the builtin
 * renderer at one size and seed, and lays them out as one PNG grid with
 * each prompt and what the renderer understood as its caption, drawn with
 * IG_FONT_PATH (the watermark's font), so a person can judge the figures at
 * a glance.
 *
 *   contact_sheet OUT.png [SIDE [SEED [COLUMNS]]] < prompts
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/imaging/render.h"

#define MAX_PROMPTS 200
#define CAPTION 40

int
main(int argc, char **argv)
{
	char *prompts[MAX_PROMPTS], line[1024];
	const char *font = getenv("IG_FONT_PATH");
	int n = 0, side = argc > 2 ? atoi(argv[2]) : 256, cols = argc > 4 ? atoi(argv[4]) : 8, rows;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
	gdImagePtr sheet;
	FILE *out;

	if (argc < 2 || side < IG_RENDER_MIN_SIDE || side > IG_RENDER_MAX_SIDE || cols < 1) {
		fprintf(stderr, "usage: contact_sheet OUT.png [SIDE [SEED [COLUMNS]]] < prompts\n");
		return 2;
	}
	if (font == NULL || *font == '\0')
		font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
	while (n < MAX_PROMPTS && fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && line[0] != '#')
			prompts[n++] = strdup(line);
	}
	rows = (n + cols - 1) / cols;
	sheet = gdImageCreateTrueColor(cols * (side + 8) + 8, rows * (side + CAPTION + 8) + 8);
	if (sheet == NULL || n == 0)
		return 1;
	gdImageFilledRectangle(sheet, 0, 0, gdImageSX(sheet), gdImageSY(sheet), gdTrueColor(245, 245, 240));
	for (int i = 0; i < n; i++) {
		char *neg = strchr(prompts[i], '|'), cap[512];
		unsigned char *png;
		size_t len;
		ig_drawn d;
		gdImagePtr im;
		int x = 8 + (i % cols) * (side + 8), y = 8 + (i / cols) * (side + CAPTION + 8), brect[8];
		size_t o;

		if (neg != NULL)
			*neg++ = '\0';
		if (ig_render_builtin(prompts[i], neg, seed, side, side, &png, &len, &d) != 0) {
			fprintf(stderr, "render failed: %s\n", prompts[i]);
			return 1;
		}
		im = gdImageCreateFromPngPtr((int)len, png);
		free(png);
		if (im == NULL)
			return 1;
		gdImageCopy(sheet, im, x, y, 0, 0, side, side);
		gdImageDestroy(im);
		gdImageStringFT(sheet, brect, gdTrueColor(20, 20, 20), (char *)font, 8.5, 0, x, y + side + 13,
		    prompts[i]);
		o = (size_t)snprintf(cap, sizeof(cap), "→ %s:", d.scene);
		for (int k = 0; k < d.nsubjects && o < sizeof(cap); k++)
			o += (size_t)snprintf(cap + o, sizeof(cap) - o, " %d %s", d.counts[k], d.subjects[k]);
		if (d.style != NULL && o < sizeof(cap))
			o += (size_t)snprintf(cap + o, sizeof(cap) - o, ", %s", d.style);
		for (int k = 0; k < d.ncolors && o < sizeof(cap); k++)
			o += (size_t)snprintf(cap + o, sizeof(cap) - o, "%s%s", k ? " " : "; ", d.colors[k]);
		gdImageStringFT(sheet, brect, gdTrueColor(90, 90, 110), (char *)font, 7.5, 0, x, y + side + 28,
		    cap);
	}
	if ((out = fopen(argv[1], "wb")) == NULL)
		return 1;
	gdImagePng(sheet, out);
	fclose(out);
	gdImageDestroy(sheet);
	return 0;
}
