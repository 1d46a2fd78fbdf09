/*
 * test_creative.c — the builtin creative tools through nginx (API.md
 * "Creative tools"; issue 12): POST /api/creative/upscale, style-transfer
 * and variations on an uploaded 64×32 quadrants image (itest_img.h),
 * checked at sample pixels; the lineage of process → upscale →
 * variations; another user's image is a 404; every bad field is named;
 * and each request's work ran as a job of the runner (its row claimed by a
 * registered runner, carrying the creative operation).
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gd.h>

#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

enum { W = IT_QUAD_W, H = IT_QUAD_H };

static const char *
next_source(void)
{
	return it_source(200, 20, 150);
}

/* POST /api/creative/{tool} with body as token: the answer in r. */
static void
post_tool(it_resp *r, const char *token, const char *tool, const char *body)
{
	char path[64];

	snprintf(path, sizeof(path), "/api/creative/%s", tool);
	it_json(r, next_source(), "POST", path, token, "%s", body);
}

/* A tool's 201 answer: its body (caller puts); r is freed. */
static json_object *
tool_ok(it_resp *r)
{
	json_object *o;

	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body.data);
	o = it_json_body(r);
	it_resp_free(r);
	return o;
}

/* The job behind a tool's answer o ran on a runner: its row is the
 * builtin provider's, succeeded, claimed by a registered runner, and
 * carries the creative operation op with the source src. */
static void
assert_ran_on_runner(json_object *o, const char *op, const char *src)
{
	char *n = it_psql("SELECT count(*) FROM jobs j JOIN runners r ON r.id = j.runner_id"
	    " WHERE j.id = '%s' AND j.provider = 'builtin' AND j.status = 'succeeded'"
	    " AND j.request->'creative'->>'operation' = '%s' AND j.request->'creative'->>'image_id' = '%s'",
	    it_sql_safe(it_js(o, "generation_id")), op, it_sql_safe(src));

	ck_assert_msg(atoi(n) == 1, "job %s of %s: no runner's row", it_js(o, "generation_id"), op);
	free(n);
}

/* A W×H gradient PNG uploaded as token (no flat blocks, which some
 * styles, pixelate first, leave as they are): its image (caller puts). */
static json_object *
gradient_png(const char *token)
{
	gdImagePtr g = gdImageCreateTrueColor(W, H);
	json_object *im;
	void *png;
	int n = 0;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			gdImageSetPixel(g, x, y, gdTrueColor(x * 4, y * 8, (x * y) & 0xff));
	png = gdImagePngPtr(g, &n);
	gdImageDestroy(g);
	im = it_img_upload(token, png, (size_t)n, NULL, NULL);
	gdFree(png);
	return im;
}

/* 1 when a and b differ in size or in any pixel. */
static int
differ(gdImagePtr a, gdImagePtr b)
{
	if (gdImageSX(a) != gdImageSX(b) || gdImageSY(a) != gdImageSY(b))
		return 1;
	for (int y = 0; y < gdImageSY(a); y++)
		for (int x = 0; x < gdImageSX(a); x++)
			if (gdImageGetTrueColorPixel(a, x, y) != gdImageGetTrueColorPixel(b, x, y))
				return 1;
	return 0;
}

/* Upscale 2× (Lanczos, the default): the size doubles, each quadrant keeps
 * its colour well inside it; 4× bicubic: four times; both new images of
 * the caller with parent_id the source, made on the runner. */
START_TEST(upscale_gives_the_size_and_keeps_colours)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cru", uid), body[128];
	json_object *src = it_img_source_png(a), *o;
	gdImagePtr g;
	it_resp r;

	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"scale\":2}", it_js(src, "id"));
	post_tool(&r, a, "upscale", body);
	o = tool_ok(&r);
	ck_assert_int_eq(it_jint(o, "image.width"), 2 * W);
	ck_assert_int_eq(it_jint(o, "image.height"), 2 * H);
	ck_assert_str_eq(it_js(o, "image.operation"), "upscale");
	ck_assert_str_eq(it_js(o, "image.parent_id"), it_js(src, "id"));
	ck_assert_str_eq(it_js(o, "image.mime_type"), "image/png");
	assert_ran_on_runner(o, "upscale", it_js(src, "id"));
	g = it_img_pixels(it_jpath(o, "image"));
	it_img_assert_pixel(g, 2, 2, RED, 2, "upscale 2x top-left corner");
	it_img_assert_pixel(g, 2 * W - 3, 2, GREEN, 2, "upscale 2x top-right corner");
	it_img_assert_pixel(g, 2, 2 * H - 3, BLUE, 2, "upscale 2x bottom-left corner");
	it_img_assert_pixel(g, 2 * W - 3, 2 * H - 3, WHITE, 2, "upscale 2x bottom-right corner");
	gdImageDestroy(g);
	json_object_put(o);

	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"scale\":4,\"method\":\"bicubic\"}", it_js(src, "id"));
	post_tool(&r, a, "upscale", body);
	o = tool_ok(&r);
	g = it_img_pixels(it_jpath(o, "image"));
	ck_assert_int_eq(gdImageSX(g), 4 * W);
	ck_assert_int_eq(gdImageSY(g), 4 * H);
	it_img_assert_pixel(g, 4 * W - 5, 4 * H - 5, WHITE, 2, "upscale 4x bottom-right corner");
	gdImageDestroy(g);
	json_object_put(o);
	ck_assert_int_eq(it_img_rows_of(uid), 3);
	json_object_put(src);
	free(a);
}
END_TEST

/* grayscale at full strength: every pixel r == g == b, the size kept;
 * every other builtin style makes an image of a gradient's size that is
 * not the gradient. */
START_TEST(styles_give_their_pixels)
{
	static const char *const others[] = { "sepia", "sketch", "emboss", "pixelate", "posterize", "vintage",
		"oil_painting", "watercolor" };
	char uid[IG_UUID_BUF], *a = it_img_user("crs", uid), body[160];
	json_object *src = it_img_source_png(a), *o;
	gdImagePtr g, s;
	it_resp r;

	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"style\":\"grayscale\",\"strength\":1}", it_js(src, "id"));
	post_tool(&r, a, "style-transfer", body);
	o = tool_ok(&r);
	ck_assert_str_eq(it_js(o, "image.operation"), "style-transfer");
	ck_assert_str_eq(it_js(o, "image.parent_id"), it_js(src, "id"));
	assert_ran_on_runner(o, "style-transfer", it_js(src, "id"));
	g = it_img_pixels(it_jpath(o, "image"));
	ck_assert_int_eq(gdImageSX(g), W);
	ck_assert_int_eq(gdImageSY(g), H);
	for (int y = 0; y < H; y += 3)
		for (int x = 0; x < W; x += 3) {
			int c = gdImageGetTrueColorPixel(g, x, y);
			ck_assert_msg(gdTrueColorGetRed(c) == gdTrueColorGetGreen(c) && gdTrueColorGetGreen(c) == gdTrueColorGetBlue(c),
			    "grayscale pixel (%d,%d) is #%06x", x, y, c & 0xffffff);
		}
	gdImageDestroy(g);
	json_object_put(o);
	json_object_put(src);
	src = gradient_png(a);
	s = it_img_pixels(src);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"style\":\"%s\"}", it_js(src, "id"), others[i]);
		post_tool(&r, a, "style-transfer", body);
		o = tool_ok(&r);
		g = it_img_pixels(it_jpath(o, "image"));
		ck_assert_msg(gdImageSX(g) == W && gdImageSY(g) == H, "%s: %dx%d", others[i], gdImageSX(g), gdImageSY(g));
		ck_assert_msg(differ(g, s), "%s left the source as it was", others[i]);
		gdImageDestroy(g);
		json_object_put(o);
	}
	gdImageDestroy(s);
	json_object_put(src);
	free(a);
}
END_TEST

/* The images of a variations answer o: count of them, each a variation of
 * src_id, each different from the source's pixels s and from the others. */
static void
assert_variations(json_object *o, int count, const char *src_id, gdImagePtr s)
{
	json_object *arr = it_jneed(o, "images", json_type_array);
	gdImagePtr g[4];

	ck_assert_int_eq((int)json_object_array_length(arr), count);
	for (int i = 0; i < count; i++) {
		json_object *im = json_object_array_get_idx(arr, i);
		ck_assert_str_eq(it_js(im, "operation"), "variation");
		ck_assert_str_eq(it_js(im, "parent_id"), src_id);
		g[i] = it_img_pixels(im);
		ck_assert_msg(differ(g[i], s), "variation %d is the source", i);
		for (int j = 0; j < i; j++)
			ck_assert_msg(differ(g[i], g[j]), "variations %d and %d are the same", j, i);
	}
	for (int i = 0; i < count; i++)
		gdImageDestroy(g[i]);
}

/* Variations of an upload: seeded local transforms; of a builtin
 * generation: the same prompt with new seeds (builtin renders). */
START_TEST(variations_differ_from_the_source_and_each_other)
{
	char uid[IG_UUID_BUF], *a = it_img_user("crv", uid), body[160], prompt[96];
	json_object *src = it_img_source_png(a), *o, *gen;
	gdImagePtr s = it_img_pixels(src);
	it_resp r;

	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"count\":4,\"api_provider\":\"builtin\"}", it_js(src, "id"));
	post_tool(&r, a, "variations", body);
	o = tool_ok(&r);
	assert_variations(o, 4, it_js(src, "id"), s);
	assert_ran_on_runner(o, "variation", it_js(src, "id"));
	json_object_put(o);
	gdImageDestroy(s);

	it_fresh_prompt(prompt, sizeof(prompt), "a lighthouse at dusk");
	it_json(&r, next_source(), "POST", "/api/generate-image", a,
	    "{\"prompt\":\"%s\",\"api_provider\":\"builtin\",\"image_size\":\"128x128\",\"seed\":7}", prompt);
	IT_EXPECT(&r, 200);
	gen = it_json_body(&r);
	it_resp_free(&r);
	s = it_img_pixels(it_jpath(gen, "images.0"));
	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"count\":2}", it_js(gen, "images.0.id"));
	post_tool(&r, a, "variations", body);
	o = tool_ok(&r);
	assert_variations(o, 2, it_js(gen, "images.0.id"), s);
	for (int i = 0; i < 2; i++) {
		json_object *im = json_object_array_get_idx(it_jpath(o, "images"), i);
		ck_assert_str_eq(it_js(im, "prompt"), prompt);
		ck_assert_str_eq(it_js(im, "provider"), "builtin");
		ck_assert_int_eq(it_jint(im, "width"), 128);
	}
	assert_ran_on_runner(o, "variation", it_js(gen, "images.0.id"));
	json_object_put(o);
	gdImageDestroy(s);
	json_object_put(gen);
	json_object_put(src);
	free(a);
}
END_TEST

/* process → upscale → variations: each parent_id the step before, each
 * source's children the step after. */
START_TEST(lineage_chain)
{
	char uid[IG_UUID_BUF], *a = it_img_user("crl", uid), body[160], path[96];
	json_object *src = it_img_source_png(a), *p, *u, *v, *o;
	const char *vid[2];
	it_resp r;

	it_json(&r, next_source(), "POST", "/api/image/process", a,
	    "{\"image_id\":\"%s\",\"operations\":[{\"op\":\"flip\",\"direction\":\"horizontal\"}]}", it_js(src, "id"));
	p = it_img_created(&r);
	snprintf(body, sizeof(body), "{\"image_id\":\"%s\"}", it_js(p, "id"));
	post_tool(&r, a, "upscale", body);
	u = tool_ok(&r);
	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"count\":2}", it_js(u, "image.id"));
	post_tool(&r, a, "variations", body);
	v = tool_ok(&r);
	ck_assert_str_eq(it_js(p, "parent_id"), it_js(src, "id"));
	ck_assert_str_eq(it_js(u, "image.parent_id"), it_js(p, "id"));
	vid[0] = it_js(v, "images.0.id");
	vid[1] = it_js(v, "images.1.id");
	ck_assert_str_eq(it_js(v, "images.0.parent_id"), it_js(u, "image.id"));
	ck_assert_str_eq(it_js(v, "images.1.parent_id"), it_js(u, "image.id"));

	snprintf(path, sizeof(path), "/api/images/%s", it_js(p, "id"));
	it_json(&r, next_source(), "GET", path, a, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "image.children", json_type_array)), 1);
	ck_assert_str_eq(it_js(o, "image.children.0"), it_js(u, "image.id"));
	json_object_put(o);

	snprintf(path, sizeof(path), "/api/images/%s", it_js(u, "image.id"));
	it_json(&r, next_source(), "GET", path, a, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(o, "image.operation"), "upscale");
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "image.children", json_type_array)), 2);
	for (int i = 0; i < 2; i++)
		ck_assert_msg(strcmp(it_js(o, i ? "image.children.1" : "image.children.0"), vid[0]) == 0 ||
		    strcmp(it_js(o, i ? "image.children.1" : "image.children.0"), vid[1]) == 0, "child %d is no variation", i);
	json_object_put(o);
	json_object_put(v);
	json_object_put(u);
	json_object_put(p);
	json_object_put(src);
	free(a);
}
END_TEST

/* Another user's image (and an unknown one) is a 404 naming image_id on
 * every tool, never a 403; nothing is stored for either user. */
START_TEST(another_users_image_is_404)
{
	static const char *const tools[][2] = { { "upscale", "" }, { "style-transfer", ",\"style\":\"sepia\"" },
		{ "variations", ",\"count\":1" } };
	char ua[IG_UUID_BUF], ub[IG_UUID_BUF], *a = it_img_user("cra", ua), *b = it_img_user("crb", ub), body[160];
	json_object *src = it_img_source_png(a);
	it_resp r;

	for (size_t i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"image_id\":\"%s\"%s}", it_js(src, "id"), tools[i][1]);
		post_tool(&r, b, tools[i][0], body);
		it_expect_error(&r, 404, "not_found", "image_id", NULL);
		it_resp_free(&r);
		snprintf(body, sizeof(body), "{\"image_id\":\"00000000-0000-4000-8000-000000000000\"%s}", tools[i][1]);
		post_tool(&r, a, tools[i][0], body);
		it_expect_error(&r, 404, "not_found", "image_id", NULL);
		it_resp_free(&r);
	}
	ck_assert_msg(it_img_rows_of(ua) == 1 && it_img_rows_of(ub) == 0, "a refused request stored an image");
	json_object_put(src);
	free(a);
	free(b);
}
END_TEST

/* Each bad field is a 400 naming it, and nothing is stored: scale 3, a
 * 4× of a 2048×2048 image (over IG_MAX_IMAGE_PIXELS), an unknown method,
 * strength 2, an unknown style, count 5, count 0, an api_provider the tool
 * does not offer (the message says which providers it supports), a prompt for an AI restyle, an unknown field. */
START_TEST(bad_fields_are_named)
{
	static const struct { const char *tool, *rest, *field; } cases[] = {
		{ "upscale", ",\"scale\":3", "scale" },
		{ "upscale", ",\"scale\":8", "scale" },
		{ "upscale", ",\"method\":\"nearest\"", "method" },
		{ "upscale", ",\"scale\":4,\"api_provider\":\"openai\"", "api_provider" },
		{ "style-transfer", ",\"style\":\"sepia\",\"strength\":2", "strength" },
		{ "style-transfer", ",\"style\":\"cubist\"", "style" },
		{ "style-transfer", "", "style" },
		{ "style-transfer", ",\"style\":\"sepia\",\"api_provider\":\"gemini\"", "api_provider" },
		{ "style-transfer", ",\"style\":\"sepia\",\"prompt\":\"as a fresco\"", "prompt" },
		{ "variations", ",\"count\":5", "count" },
		{ "variations", ",\"count\":0", "count" },
		{ "variations", ",\"api_provider\":\"replicate\"", "api_provider" },
		{ "variations", ",\"colour\":1", "colour" },
	};
	char uid[IG_UUID_BUF], *a = NULL, body[200];
	json_object *src = NULL, *big, *o;
	gdImagePtr im = gdImageCreateTrueColor(2048, 2048);
	int n = 0;
	void *png;
	it_resp r;

	/* A new user every few cases: refusals count against the generate
	 * rate limit (IG_RATE_GENERATE) too. */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (i % 6 == 0) {
			if (a != NULL)
				ck_assert_int_eq(it_img_rows_of(uid), 1);
			json_object_put(src);
			free(a);
			a = it_img_user("crf", uid);
			src = it_img_source_png(a);
		}
		snprintf(body, sizeof(body), "{\"image_id\":\"%s\"%s}", it_js(src, "id"), cases[i].rest);
		post_tool(&r, a, cases[i].tool, body);
		ck_assert_msg(r.status == 400, "%s %s: %ld %s", cases[i].tool, cases[i].rest, r.status, r.body.data);
		it_expect_error(&r, 400, "invalid_request", cases[i].field, &o);
		if (strcmp(cases[i].field, "api_provider") == 0)
			ck_assert_msg(strstr(it_js(o, "error.message"), "builtin") != NULL, "%s", r.body.data);
		json_object_put(o);
		it_resp_free(&r);
	}
	png = gdImagePngPtr(im, &n);
	gdImageDestroy(im);
	big = it_img_upload(a, png, (size_t)n, NULL, NULL);
	gdFree(png);
	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"scale\":4}", it_js(big, "id"));
	post_tool(&r, a, "upscale", body);
	it_expect_error(&r, 400, "invalid_request", "scale", &o);
	ck_assert_msg(strstr(it_js(o, "error.message"), "IG_MAX_IMAGE_PIXELS") != NULL, "%s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(it_img_rows_of(uid), 2);
	json_object_put(big);
	json_object_put(src);
	free(a);
}
END_TEST

/* Figures, not assertions: a 2× Lanczos upscale of a 1024×1024 gradient
 * PNG to 2048×2048, the request's wall time through nginx and the job's
 * time on the runner (claim to finish). */
START_TEST(upscale_figures)
{
	char uid[IG_UUID_BUF], *a = it_img_user("crx", uid), body[128], *job_ms;
	gdImagePtr g = gdImageCreateTrueColor(1024, 1024);
	json_object *src, *o;
	struct timespec t0, t1;
	void *png;
	int n = 0;
	it_resp r;

	for (int y = 0; y < 1024; y++)
		for (int x = 0; x < 1024; x++)
			gdImageSetPixel(g, x, y, gdTrueColor(x / 4, y / 4, (x ^ y) & 0xff));
	png = gdImagePngPtr(g, &n);
	gdImageDestroy(g);
	src = it_img_upload(a, png, (size_t)n, NULL, NULL);
	gdFree(png);
	snprintf(body, sizeof(body), "{\"image_id\":\"%s\",\"scale\":2}", it_js(src, "id"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	post_tool(&r, a, "upscale", body);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	o = tool_ok(&r);
	ck_assert_int_eq(it_jint(o, "image.width"), 2048);
	job_ms = it_psql("SELECT round(extract(epoch FROM finished_at - started_at) * 1000) FROM jobs WHERE id = '%s'",
	    it_sql_safe(it_js(o, "generation_id")));
	printf("creative upscale 2x 1024x1024 -> 2048x2048 PNG: request %.0f ms, job on the runner %s ms\n",
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, job_ms);
	free(job_ms);
	json_object_put(o);
	json_object_put(src);
	free(a);
}
END_TEST

IT_MAIN("creative", NULL,
    IT_TCASE("tools", 180, &upscale_gives_the_size_and_keeps_colours, &styles_give_their_pixels,
	&variations_differ_from_the_source_and_each_other, &lineage_chain, &upscale_figures),
    IT_TCASE("refusals", 120, &another_users_image_is_404, &bad_fields_are_named))
