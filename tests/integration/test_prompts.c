/*
 * test_prompts.c — GET /api/prompt-suggestions and POST /api/analyze-prompt
 * end to end through nginx. In the system we replace both were
 * unreachable and the analysis returned invented numbers; here the
 * suggestions come from the library migration, every score is the
 * analyzer's, and the time estimate follows jobs that really ran (against
 * the mock providers, $IG_MOCK_URL).
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

/* Each request from its own loopback address (127.180-239.x.x; other
 * suites use 127.60-179), so IG_RATE_LIMIT never decides a test here. */
static const char *
next_source(void)
{
	return it_source(180, 60, 0);
}

static json_object *
get(const char *path, long want)
{
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "GET", path, NULL, NULL);
	ck_assert_msg(r.status == want, "GET %s: want %ld, got %ld: %s", path, want, r.status, r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* POST /api/analyze-prompt with body printf'ed; wants 200, returns analysis. */
static json_object *
analyze(json_object **whole, const char *body)
{
	it_resp r;
	json_object *o, *a;

	it_json(&r, next_source(), "POST", "/api/analyze-prompt", NULL, "%s", body);
	ck_assert_msg(r.status == 200, "analyze %s: %ld %s", body, r.status, r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	ck_assert(json_object_object_get_ex(o, "analysis", &a));
	*whole = o;
	return a;
}

static int
array_has(json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return 1;
	return 0;
}

static json_object *
element(json_object *analysis, const char *name)
{
	json_object *el, *terms;

	ck_assert(json_object_object_get_ex(analysis, "elements", &el));
	ck_assert(json_object_object_get_ex(el, name, &terms));
	return terms;
}

static double
score(json_object *analysis)
{
	return json_object_get_double(json_object_object_get(analysis, "quality_score"));
}

/* Every listed category and style filters to prompts of exactly that kind,
 * each scored by the analyzer (0-10), and the library holds 300+. */
START_TEST(suggestions_filter_by_category_and_style)
{
	json_object *o, *cats, *styles, *list;
	char path[160];

	o = get("/api/prompt-suggestions", 200);
	ck_assert(json_object_get_boolean(json_object_object_get(o, "success")));
	cats = json_object_object_get(o, "categories");
	styles = json_object_object_get(o, "styles");
	ck_assert_int_ge(json_object_array_length(cats), 8);
	ck_assert_int_ge(json_object_array_length(styles), 8);
	ck_assert(array_has(cats, "sci_fi") && array_has(styles, "3d_render"));
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "suggestions")), 10);
	json_object_get(cats);
	json_object_get(styles);
	json_object_put(o);

	for (size_t i = 0; i < json_object_array_length(cats); i++) {
		const char *c = json_object_get_string(json_object_array_get_idx(cats, i));
		snprintf(path, sizeof(path), "/api/prompt-suggestions?category=%s&limit=50", c);
		o = get(path, 200);
		list = json_object_object_get(o, "suggestions");
		ck_assert_msg(json_object_array_length(list) >= 30, "%s: only %zu", c, json_object_array_length(list));
		for (size_t j = 0; j < json_object_array_length(list); j++) {
			json_object *s = json_object_array_get_idx(list, j);
			double q = json_object_get_double(json_object_object_get(s, "quality_score"));
			ck_assert_str_eq(it_jstr(s, "category", NULL), c);
			ck_assert(strlen(it_jstr(s, "prompt", NULL)) > 20);
			ck_assert_msg(q > 0 && q <= 10, "score %f", q);
		}
		json_object_put(o);
	}
	for (size_t i = 0; i < json_object_array_length(styles); i++) {
		const char *st = json_object_get_string(json_object_array_get_idx(styles, i));
		snprintf(path, sizeof(path), "/api/prompt-suggestions?style=%s&category=food&limit=3", st);
		o = get(path, 200);
		list = json_object_object_get(o, "suggestions");
		ck_assert_int_ge(json_object_array_length(list), 1);
		ck_assert_int_le(json_object_array_length(list), 3);
		for (size_t j = 0; j < json_object_array_length(list); j++) {
			ck_assert_str_eq(it_jstr(json_object_array_get_idx(list, j), "style", NULL), st);
			ck_assert_str_eq(it_jstr(json_object_array_get_idx(list, j), "category", NULL), "food");
		}
		json_object_put(o);
	}
	json_object_put(cats);
	json_object_put(styles);
	{
		char *n = it_psql("SELECT count(*) FROM prompt_library");
		ck_assert_int_ge(atoi(n), 300);
		free(n);
	}
}
END_TEST

/* An unknown category or style is a 400 naming the field and listing the
 * valid values, never an empty list that looks like "no prompts". */
START_TEST(suggestions_refuse_unknown_filters)
{
	json_object *o;
	const char *msg;

	o = get("/api/prompt-suggestions?category=scifi", 400);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "category");
	msg = it_jstr(o, "error", "message");
	ck_assert_msg(strstr(msg, "sci_fi") && strstr(msg, "landscape"), "message %s", msg);
	json_object_put(o);
	o = get("/api/prompt-suggestions?category=food&style=vaporwave", 400);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "style");
	ck_assert(strstr(it_jstr(o, "error", "message"), "pixel_art") != NULL);
	json_object_put(o);
	o = get("/api/prompt-suggestions?limit=0", 400);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "limit");
	json_object_put(o);
	o = get("/api/prompt-suggestions?limit=51", 400);
	json_object_put(o);
	o = get("/api/prompt-suggestions?limit=50", 200);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(o, "suggestions")), 50);
	json_object_put(o);
}
END_TEST

/* English: the seed's shape, elements found, and adding a missing element
 * (lighting) raises the score and drops its suggestion. */
START_TEST(analysis_of_an_english_prompt)
{
	json_object *o1, *o2, *a, *b;

	a = analyze(&o1, "{\"prompt\": \"a lighthouse on a cliff, watercolor, wide shot, moody\"}");
	ck_assert_str_eq(it_jstr(o1, "prompt", NULL), "a lighthouse on a cliff, watercolor, wide shot, moody");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(a, "word_count")), 9);
	ck_assert(array_has(element(a, "subject"), "lighthouse"));
	ck_assert(array_has(element(a, "style"), "watercolor"));
	ck_assert(array_has(element(a, "composition"), "wide shot"));
	ck_assert(array_has(element(a, "mood"), "moody"));
	ck_assert_int_eq(json_object_array_length(element(a, "lighting")), 0);
	ck_assert_int_eq(json_object_array_length(element(a, "quality_modifiers")), 0);
	ck_assert_msg(strstr(json_object_to_json_string(json_object_object_get(a, "suggestions")), "lighting"),
	    "suggestions %s", json_object_to_json_string(a));
	ck_assert(json_object_get_string(json_object_object_get(a, "complexity")) != NULL);
	ck_assert(strstr(it_jstr(a, "estimated_generation_time", NULL), " seconds") != NULL);

	b = analyze(&o2, "{\"prompt\": \"a lighthouse on a cliff, watercolor, wide shot, moody, moonlight\"}");
	ck_assert(array_has(element(b, "lighting"), "moonlight"));
	ck_assert_msg(score(b) > score(a), "%.1f then %.1f", score(a), score(b));
	ck_assert(!strstr(json_object_to_json_string(json_object_object_get(b, "suggestions")), "lighting"));
	json_object_put(o1);
	json_object_put(o2);
}
END_TEST

/* Chinese: characters are words, the Chinese lexicon finds the elements,
 * and adding a style (油画) never lowers the score. */
START_TEST(analysis_of_a_chinese_prompt)
{
	json_object *o1, *o2, *a, *b;

	a = analyze(&o1, "{\"prompt\": \"夕阳下的雪山和湖泊，特写，宁静\"}");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(a, "word_count")), 13);
	ck_assert(array_has(element(a, "subject"), "雪山"));
	ck_assert(array_has(element(a, "subject"), "湖泊"));
	ck_assert(array_has(element(a, "lighting"), "夕阳"));
	ck_assert(array_has(element(a, "composition"), "特写"));
	ck_assert(array_has(element(a, "mood"), "宁静"));
	ck_assert_int_eq(json_object_array_length(element(a, "style")), 0);
	b = analyze(&o2, "{\"prompt\": \"夕阳下的雪山和湖泊，特写，宁静，油画\"}");
	ck_assert(array_has(element(b, "style"), "油画"));
	ck_assert_msg(score(b) > score(a), "%.1f then %.1f", score(a), score(b));
	json_object_put(o1);
	json_object_put(o2);
}
END_TEST

START_TEST(analysis_refuses_bad_input)
{
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "POST", "/api/analyze-prompt", NULL, "{\"prompt\": \"\"}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "prompt");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/analyze-prompt", NULL, "{\"prompt\": \"a cat\", \"api_provider\": \"dalle\"}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "api_provider");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/analyze-prompt", NULL, "{\"prompt\": \"a cat\", \"colour\": 1}");
	ck_assert_int_eq(r.status, 400);
	it_resp_free(&r);
	/* Invalid UTF-8 in the body (a lone continuation byte). */
	it_json(&r, next_source(), "POST", "/api/analyze-prompt", NULL, "{\"prompt\": \"a \x80 cat\"}");
	ck_assert_int_eq(r.status, 400);
	it_resp_free(&r);
}
END_TEST

static void
mock_config(const char *body)
{
	static const char *const hdr[] = { "Content-Type: application/json", NULL };
	it_resp r;

	it_http_ex(it_env("IG_MOCK_URL"), "POST", "/_control/config", body, strlen(body), hdr, 10, &r);
	ck_assert_msg(r.status == 200, "mock config: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
}

static json_object *
openai_estimate(void)
{
	json_object *o, *a, *e;

	a = analyze(&o, "{\"prompt\": \"a cat\", \"api_provider\": \"openai\"}");
	ck_assert(json_object_object_get_ex(a, "estimate", &e));
	ck_assert_str_eq(it_jstr(e, "provider", NULL), "openai");
	json_object_get(e);
	json_object_object_add(e, "words", json_object_new_string(it_jstr(a, "estimated_generation_time", NULL)));
	json_object_put(o);
	return e;
}

/* The estimate is measured: after five openai jobs that each took ~2 s at
 * the mock (its "delay"), the estimate is observed and says 2-3 seconds
 * (on a fresh stack; with older openai history it must at least count the
 * new jobs). Before any history it is openai's declared 15 s, halved to
 * doubled. */
START_TEST(estimate_follows_observed_durations)
{
	json_object *before, *after;
	int prior, samples;
	char *n;

	n = it_psql("SELECT count(*) FROM jobs WHERE provider = 'openai' AND status = 'succeeded'");
	prior = atoi(n);
	free(n);
	before = openai_estimate();
	if (prior < 5) {
		ck_assert_str_eq(it_jstr(before, "basis", NULL), "declared");
		ck_assert_str_eq(it_jstr(before, "words", NULL), "7-30 seconds");
	}
	mock_config("{\"delay\": 2}");
	for (int i = 0; i < 5; i++) {
		it_resp r;
		it_json(&r, next_source(), "POST", "/api/generate-image", NULL,
		    "{\"prompt\": \"estimate probe %d-%d\", \"api_provider\": \"openai\","
		    " \"api_key\": \"sk-good-openai-estimate\", \"image_size\": \"256x256\"}", (int)getpid(), i);
		ck_assert_msg(r.status == 200, "generate %d: %ld %s", i, r.status, r.body.data);
		it_resp_free(&r);
	}
	mock_config("{\"delay\": 0}");
	after = openai_estimate();
	ck_assert_str_eq(it_jstr(after, "basis", NULL), "observed");
	samples = json_object_get_int(json_object_object_get(after, "samples"));
	ck_assert_int_eq(samples, prior + 5 > 200 ? 200 : prior + 5);
	if (prior == 0) {
		double p25 = json_object_get_double(json_object_object_get(after, "p25_s"));
		ck_assert_msg(p25 >= 2.0 && p25 < 3.0, "p25 %.2f", p25);
		ck_assert_str_eq(it_jstr(after, "words", NULL), "2-3 seconds");
	}
	json_object_put(before);
	json_object_put(after);
}
END_TEST

IT_MAIN("prompts", NULL,
	IT_TCASE("prompts", 120,
	    &suggestions_filter_by_category_and_style,
	    &suggestions_refuse_unknown_filters,
	    &analysis_of_an_english_prompt,
	    &analysis_of_a_chinese_prompt,
	    &analysis_refuses_bad_input,
	    &estimate_follows_observed_durations)
);
