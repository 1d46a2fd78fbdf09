/*
 * test_render.c — issue 16: the builtin renderer draws what the prompt asks
 * for. Every subject word of the vocabulary (English, Chinese, Japanese) is
 * understood and recorded; every figure covers a plausible share of its
 * picture in every pose; counts, colours, scenes, styles and the negative
 * prompt are read; CJK's longest word wins; rendering stays deterministic.
 * (The render time is a figure of scripts/bench, not an assertion here.)
 */
#include "ig_autoconf.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/imaging/figures.h"
#include "lib/imaging/render.h"
#include "lib/imaging/vocab.h"
#include "tests/unit/ut.h"

static size_t
n_subject_words(void)
{
	size_t n = 0;
	int s;

	while (ig_vocab_subject_word(n, &s) != NULL)
		n++;
	return n;
}

static int
drew(const ig_drawn *d, const char *name)
{
	for (int i = 0; i < d->nsubjects; i++)
		if (strcmp(d->subjects[i], name) == 0)
			return i;
	return -1;
}

static unsigned char *
render(const char *prompt, const char *neg, uint64_t seed, int side, size_t *len, ig_drawn *d)
{
	unsigned char *png = NULL;

	ck_assert_int_eq(ig_render_builtin(prompt, neg, seed, side, side, &png, len, d), 0);
	return png;
}

/* Every subject word of the table, alone in a prompt ("a robot", 機器人),
 * is drawn as its subject and recorded under its English name. */
START_TEST(every_subject_word_is_understood_and_recorded)
{
	int subject;
	const char *word = ig_vocab_subject_word((size_t)_i, &subject);
	char prompt[128];
	unsigned char *png;
	size_t len;
	ig_drawn d;

	ck_assert_ptr_nonnull(word);
	snprintf(prompt, sizeof(prompt), (unsigned char)word[0] < 0x80 ? "a %s, detailed" : "%s", word);
	png = render(prompt, NULL, 7, 96, &len, &d);
	ck_assert_msg(drew(&d, ig_subject_name(subject)) >= 0, "\"%s\" drew %d subjects, not %s", prompt,
	    d.nsubjects, ig_subject_name(subject));
	free(png);
}
END_TEST

/* Share of a w × h white canvas a figure (box as large as fits, centred)
 * changes. */
static double
coverage(int subject, uint64_t seed, int style, int pose, int w, int h, const float *col)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	float a = ig_figure_aspect(subject), bw = (float)w * 0.9f, bh = bw / a;
	ig_fig f;
	long n = 0;

	if (bh > (float)h * 0.9f) {
		bh = (float)h * 0.9f;
		bw = bh * a;
	}
	gdImageFilledRectangle(im, 0, 0, w - 1, h - 1, gdTrueColor(255, 255, 255));
	memset(&f, 0, sizeof(f));
	f.im = im;
	f.x = ((float)w - bw) / 2;
	f.y = ((float)h - bh) / 2;
	f.w = bw;
	f.h = bh;
	f.seed = seed;
	f.style = style;
	f.pose = pose;
	if (col != NULL) {
		f.coloured = 1;
		memcpy(f.col, col, sizeof(f.col));
	}
	ig_figure_draw(subject, &f);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			n += im->tpixels[y][x] != gdTrueColor(255, 255, 255);
	gdImageDestroy(im);
	return (double)n / ((double)w * (double)h);
}

/* A figure is a figure: in every pose and style it covers between 5 % and
 * 80 % of a picture it is fitted into (not a speck, not a fill). */
START_TEST(every_figure_covers_a_plausible_share)
{
	for (uint64_t seed = 1; seed <= 6; seed++) {
		int style = (int)(seed % IG_ST__MAX);
		int pose = seed % 3 == 0 ? IG_PO_SLEEP : seed % 3 == 1 ? IG_PO_FLY | IG_PO_RUN : 0;
		double c = coverage(_i, seed, style, pose, 200, 200, NULL);
		ck_assert_msg(c > 0.05 && c < 0.8, "%s (seed %d, style %d) covers %.1f %%",
		    ig_subject_name(_i), (int)seed, style, c * 100);
	}
}
END_TEST

/* The figure follows its box at any size: a small one and a large one
 * cover the same share, give or take the outline. */
START_TEST(figures_scale_with_their_box)
{
	for (int s = 0; s < IG_SU__MAX; s++) {
		double small = coverage(s, 3, IG_ST_NONE, 0, 120, 120, NULL);
		double large = coverage(s, 3, IG_ST_NONE, 0, 480, 480, NULL);
		ck_assert_msg(fabs(small - large) < 0.08, "%s: %.1f %% at 120 px, %.1f %% at 480 px",
		    ig_subject_name(s), small * 100, large * 100);
	}
}
END_TEST

static const struct {
	const char *prompt;
	const char *subject;
	int count;
} counts[] = {
	{ "three birds in the sky", "bird", 3 },
	{ "2 cats on a sofa", "cat", 2 },
	{ "a cat", "cat", 1 },
	{ "birds", "bird", 3 },
	{ "a bouquet of roses", "rose", 5 },
	{ "five small red apples", "apple", 5 },
	{ "12 horses", "horse", IG_VOCAB_MAX_COUNT },
	{ "三隻貓", "cat", 3 },
	{ "两只狐狸在雪中", "fox", 2 },
	{ "一隻貓", "cat", 1 },
	{ "一束玫瑰", "rose", 5 },
	{ "4台の車", "car", 4 },
	{ "三匹の猫", "cat", 3 },
};

START_TEST(counts_are_read)
{
	ig_vparse v;

	ig_vocab_parse(counts[_i].prompt, &v);
	ck_assert_int_ge(v.nsubj, 1);
	ck_assert_str_eq(ig_subject_name(v.subj[0].id), counts[_i].subject);
	ck_assert_msg(v.subj[0].count == counts[_i].count, "\"%s\": %d, not %d", counts[_i].prompt,
	    v.subj[0].count, counts[_i].count);
}
END_TEST

static const struct {
	const char *prompt;
	const char *subjects[3];
} longest[] = {
	{ "自行車", { "bicycle" } }, { "自行车", { "bicycle" } }, { "自転車", { "bicycle" } },
	{ "貓頭鷹", { "owl" } }, { "猫头鹰", { "owl" } }, { "風車", { "windmill" } },
	{ "風车", { "car" } }, { "機器人", { "robot" } }, { "仙人掌", { "cactus" } },
	{ "燈塔", { "lighthouse" } }, { "一隻貓和一條狗", { "cat", "dog" } },
	{ "a spaceship near a planet", { "rocket" } }, { "a cat and a dog", { "cat", "dog" } },
	{ "a cathedral", { NULL } }, { "a woman's portrait", { "portrait" } },
	{ "a pink flamingo", { NULL } }, { "foxes", { "fox" } }, { "butterflies", { "butterfly" } },
};

/* Overlapping words: the longest wins, English words match whole (a
 * cathedral holds no cat), and plurals are words too. */
START_TEST(longest_and_whole_words_win)
{
	ig_vparse v;
	int n = 0;

	ig_vocab_parse(longest[_i].prompt, &v);
	while (n < 3 && longest[_i].subjects[n] != NULL)
		n++;
	ck_assert_msg(v.nsubj == n, "\"%s\": %d subjects, not %d", longest[_i].prompt, v.nsubj, n);
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(ig_subject_name(v.subj[i].id), longest[_i].subjects[i]);
}
END_TEST

/* Mean hue of a figure's saturated pixels, and their share of all it drew. */
static double
red_share(int subject, const char *colour_prompt, double want_hue)
{
	ig_vparse v;
	float h, s, val, col[3];
	gdImagePtr im = gdImageCreateTrueColor(240, 240);
	ig_fig f;
	long drawn = 0, near = 0;

	ig_vocab_parse(colour_prompt, &v);
	ck_assert_int_eq(v.nsubj, 1);
	ck_assert_int_eq(v.subj[0].id, subject);
	ck_assert_int_ge(v.subj[0].colour, 0);
	ig_colour_hsv(v.subj[0].colour, &h, &s, &val);
	{
		/* the named colour's RGB, as render.c converts it */
		float c = val * s, x = c * (1 - fabsf(fmodf(h / 60.0f, 2) - 1)), m = val - c, r, g, b;
		int sec = (int)(h / 60.0f) % 6;
		r = sec == 0 || sec == 5 ? c : sec == 1 || sec == 4 ? x : 0;
		g = sec == 1 || sec == 2 ? c : sec == 0 || sec == 3 ? x : 0;
		b = sec == 3 || sec == 4 ? c : sec == 2 || sec == 5 ? x : 0;
		col[0] = (r + m) * 255;
		col[1] = (g + m) * 255;
		col[2] = (b + m) * 255;
	}
	gdImageFilledRectangle(im, 0, 0, 239, 239, gdTrueColor(255, 255, 255));
	memset(&f, 0, sizeof(f));
	f.im = im;
	f.w = 216;
	f.h = 216 / ig_figure_aspect(subject);
	f.x = 12;
	f.y = (240 - f.h) / 2;
	f.seed = 5;
	f.coloured = 1;
	memcpy(f.col, col, sizeof(col));
	ig_figure_draw(subject, &f);
	for (int y = 0; y < 240; y++)
		for (int x = 0; x < 240; x++) {
			int p = im->tpixels[y][x];
			double R = gdTrueColorGetRed(p), G = gdTrueColorGetGreen(p), B = gdTrueColorGetBlue(p);
			double mx = fmax(R, fmax(G, B)), mn = fmin(R, fmin(G, B)), hue;
			if (p == gdTrueColor(255, 255, 255))
				continue;
			drawn++;
			if (mx - mn < 0.35 * mx || mx < 40)
				continue;
			hue = mx == R ? 60 * fmod((G - B) / (mx - mn) + 6, 6)
			    : mx == G ? 60 * ((B - R) / (mx - mn) + 2) : 60 * ((R - G) / (mx - mn) + 4);
			near += fabs(remainder(hue - want_hue, 360)) < 25;
		}
	gdImageDestroy(im);
	return drawn ? (double)near / (double)drawn : 0;
}

/* "A red car" is red: most of the figure takes the colour named before it
 * (in English, Chinese or Japanese), and the colour is recorded. */
START_TEST(named_colours_colour_the_subject)
{
	static const struct {
		int subject;
		const char *prompt;
		double hue;
	} cases[] = {
		{ IG_SU_CAR, "a red sports car on a highway", 0 },
		{ IG_SU_CAR, "紅色的車", 0 },
		{ IG_SU_CAR, "a blue car", 218 },
		{ IG_SU_BICYCLE, "a green bicycle", 120 },
		{ IG_SU_HOUSE, "a yellow house", 52 },
		{ IG_SU_CAT, "an orange cat", 28 },
		{ IG_SU_ROBOT, "a purple robot", 275 },
		{ IG_SU_BOAT, "青いボート", 218 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double share = red_share(cases[i].subject, cases[i].prompt, cases[i].hue);
		ck_assert_msg(share > 0.5, "\"%s\": only %.0f %% of the figure has the hue", cases[i].prompt,
		    share * 100);
	}
	{
		ig_drawn d;
		size_t len;
		unsigned char *p = render("a red sports car on a highway", NULL, 1, 96, &len, &d);
		ck_assert_int_eq(d.ncolors, 1);
		ck_assert_str_eq(d.colors[0], "red");
		ck_assert_str_eq(d.subjects[0], "car");
		ck_assert_str_eq(d.scene, "city");
		free(p);
	}
}
END_TEST

static const struct {
	const char *prompt, *neg, *scene, *style, *subject;
} understood[] = {
	{ "a red fox in the snow, watercolor", NULL, "forest", "watercolor", "fox" },
	{ "a cat sleeping on a sofa", NULL, "room", NULL, "cat" },
	{ "a bouquet of roses", NULL, "room", NULL, "rose" },
	{ "一束玫瑰", NULL, "room", NULL, "rose" },
	{ "a medieval castle on a hill", NULL, "mountains", NULL, "castle" },
	{ "a bowl of fruit, still life", NULL, "room", NULL, "fruit bowl" },
	{ "城堡，水彩", NULL, "mountains", "watercolor", "castle" },
	{ "油畫 向日葵", NULL, "meadow", "oil painting", "sunflower" },
	{ "ねこ、アニメ", NULL, "room", "anime", "cat" },
	{ "a robot, pixel art", NULL, "city", "pixel art", "robot" },
	{ "a house, low poly", NULL, "meadow", "low poly", "house" },
	{ "a cat, pencil sketch", NULL, "room", "sketch", "cat" },
	{ "a car, photorealistic", NULL, "city", "realistic", "car" },
	{ "a fish in the ocean", NULL, "sea", NULL, "fish" },
	{ "a whale", "sea", "underwater", NULL, "whale" },
	{ "a cat and a dog", "cat", "meadow", NULL, "dog" },
	{ "a dragon, watercolor", "watercolor", "mountains", NULL, "dragon" },
	{ "misty mountains at sunset", NULL, "mountains", NULL, NULL },
};

/* Scene, style and subject as the prompt says; the negative prompt rules
 * out scenes, subjects and style. */
START_TEST(scene_style_and_negative_are_read)
{
	ig_drawn d;
	size_t len;
	unsigned char *p = render(understood[_i].prompt, understood[_i].neg, 3, 96, &len, &d);

	ck_assert_str_eq(d.scene, understood[_i].scene);
	if (understood[_i].style == NULL)
		ck_assert_ptr_null(d.style);
	else
		ck_assert_str_eq(d.style, understood[_i].style);
	if (understood[_i].subject == NULL) {
		ck_assert_int_eq(d.nsubjects, 0);
	} else {
		ck_assert_int_eq(d.nsubjects, 1);
		ck_assert_str_eq(d.subjects[0], understood[_i].subject);
	}
	free(p);
}
END_TEST

/* The cache's promise holds with subjects, styles and weather: the same
 * prompt, seed and size give the same bytes, another seed another pose. */
START_TEST(subject_pictures_are_deterministic)
{
	static const char *const prompts[] = { "three red birds over a castle in the rain, watercolor",
		"兩隻狐狸在雪中", "a robot, low poly", "a unicorn in a meadow, anime",
		"a cup of coffee, oil painting", "a horse, pixel art" };

	for (size_t i = 0; i < sizeof(prompts) / sizeof(prompts[0]); i++) {
		size_t l1, l2, l3;
		unsigned char *a = render(prompts[i], NULL, 11, 160, &l1, NULL);
		unsigned char *b = render(prompts[i], NULL, 11, 160, &l2, NULL);
		unsigned char *c = render(prompts[i], NULL, 12, 160, &l3, NULL);
		ck_assert_msg(l1 == l2 && memcmp(a, b, l1) == 0, "\"%s\" is not deterministic", prompts[i]);
		ck_assert_msg(l1 != l3 || memcmp(a, c, l1) != 0, "\"%s\": the seed changes nothing", prompts[i]);
		free(a);
		free(b);
		free(c);
	}
}
END_TEST

/* Pose words reach the figures that have the pose: a sleeping cat is drawn
 * curled up (another picture than the sitting cat of the same seed), in
 * English, Chinese and Japanese. */
START_TEST(pose_words_change_the_figure)
{
	static const struct {
		const char *prompt;
		unsigned pose;
	} cases[] = {
		{ "a cat sleeping on a sofa", IG_PO_SLEEP }, { "睡覺的貓", IG_PO_SLEEP },
		{ "寝ている猫", IG_PO_SLEEP }, { "a flying bird", IG_PO_FLY },
		{ "a horse galloping", IG_PO_RUN }, { "a cat on a sofa", 0 },
		{ "一束玫瑰", IG_PO_BOUQUET }, { "a vase of tulips", IG_PO_BOUQUET },
	};
	gdImagePtr a = gdImageCreateTrueColor(160, 160), b = gdImageCreateTrueColor(160, 160);
	ig_fig f;
	long diff = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ig_vparse v;
		ig_vocab_parse(cases[i].prompt, &v);
		ck_assert_msg(v.pose == cases[i].pose, "\"%s\": pose %u", cases[i].prompt, v.pose);
	}
	gdImageFilledRectangle(a, 0, 0, 159, 159, gdTrueColor(255, 255, 255));
	gdImageFilledRectangle(b, 0, 0, 159, 159, gdTrueColor(255, 255, 255));
	memset(&f, 0, sizeof(f));
	f.x = f.y = 10;
	f.w = f.h = 140;
	f.seed = 4;
	f.im = a;
	ig_figure_draw(IG_SU_CAT, &f);
	f.im = b;
	f.pose = IG_PO_SLEEP;
	ig_figure_draw(IG_SU_CAT, &f);
	for (int y = 0; y < 160; y++)
		for (int x = 0; x < 160; x++)
			diff += a->tpixels[y][x] != b->tpixels[y][x];
	ck_assert_msg(diff > 160 * 160 / 10, "the sleeping cat differs in only %ld pixels", diff);
	gdImageDestroy(a);
	gdImageDestroy(b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("render");
	TCase *t = tcase_create("vocabulary");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, every_subject_word_is_understood_and_recorded, 0, (int)n_subject_words());
	tcase_add_loop_test(t, counts_are_read, 0, (int)(sizeof(counts) / sizeof(counts[0])));
	tcase_add_loop_test(t, longest_and_whole_words_win, 0, (int)(sizeof(longest) / sizeof(longest[0])));
	tcase_add_loop_test(t, scene_style_and_negative_are_read, 0,
	    (int)(sizeof(understood) / sizeof(understood[0])));
	suite_add_tcase(s, t);
	t = tcase_create("figures");
	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, every_figure_covers_a_plausible_share, 0, IG_SU__MAX);
	tcase_add_test(t, figures_scale_with_their_box);
	tcase_add_test(t, named_colours_colour_the_subject);
	tcase_add_test(t, pose_words_change_the_figure);
	tcase_add_test(t, subject_pictures_are_deterministic);
	suite_add_tcase(s, t);
	return s;
}

UT_MAIN(suite)
