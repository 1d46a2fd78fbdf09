/* test_analyze.c — lib/prompts: the analyzer (word counts, elements, the
 * score formula of analyze.h) and the estimate range. */
#include "ig_autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prompts/analyze.h"
#include "lib/prompts/lexicon.h"
#include "lib/prompts/library.h"
#include "tests/unit/ut.h"

static int
has_term(const ig_analysis *a, ig_element e, const char *term)
{
	for (int i = 0; i < a->nterms[e]; i++)
		if (strcmp(a->terms[e][i], term) == 0)
			return 1;
	return 0;
}

static int
suggests(const ig_analysis *a, const char *word)
{
	for (int i = 0; i < a->nsuggestions; i++)
		if (strstr(a->suggestions[i], word) != NULL)
			return 1;
	return 0;
}

/* The old system counted bytes split on spaces; an English prompt counts
 * its words and finds each element, case-insensitively, plurals too. */
START_TEST(english_prompt_elements)
{
	ig_analysis a;

	ck_assert_int_eq(ig_analyze_prompt("A red Fox in snowy Mountains at golden hour, close-up, "
	    "oil painting, serene mood, highly detailed", &a), 0);
	ck_assert_uint_eq(a.word_count, 16);
	ck_assert(has_term(&a, IG_EL_SUBJECT, "fox"));
	ck_assert(has_term(&a, IG_EL_SUBJECT, "mountain"));
	ck_assert(has_term(&a, IG_EL_STYLE, "oil painting"));
	ck_assert(has_term(&a, IG_EL_LIGHTING, "golden hour"));
	ck_assert(has_term(&a, IG_EL_COMPOSITION, "close-up"));
	ck_assert(has_term(&a, IG_EL_MOOD, "serene"));
	ck_assert(has_term(&a, IG_EL_QUALITY, "highly detailed"));
	ck_assert(!has_term(&a, IG_EL_QUALITY, "detailed"));    /* inside "highly detailed" */
	ck_assert_int_eq(a.nsuggestions, 0);
	ck_assert_str_eq(ig_complexity_name(a.complexity), "complex");
	/* 2 + 1.5 + 1.5 + 1.5 + 1 + 0.5 + 1.5 */
	ck_assert_double_eq_tol(a.quality_score, 9.5, 1e-9);
}
END_TEST

/* Word boundaries: "cat" is not found inside "catalogue", nor "lit" in "split". */
START_TEST(english_terms_match_whole_words)
{
	ig_analysis a;

	ck_assert_int_eq(ig_analyze_prompt("a catalogue split open", &a), 0);
	ck_assert_int_eq(a.nterms[IG_EL_SUBJECT], 0);
	ck_assert_int_eq(a.nterms[IG_EL_LIGHTING], 0);
	ck_assert_str_eq(ig_complexity_name(a.complexity), "simple");
	ck_assert(suggests(&a, "subject"));
	ck_assert(suggests(&a, "lighting"));
}
END_TEST

/* Chinese writes no spaces: each Han character is a word, punctuation is
 * none, and the Chinese lexicon finds the elements. */
START_TEST(chinese_prompt_counts_characters)
{
	ig_analysis a;

	/* 夕阳下的雪山，油画，特写，宁静，高清 : 5+1+2+2+2+2 = 14 characters */
	ck_assert_int_eq(ig_analyze_prompt("夕阳下的雪山，油画，特写，宁静，高清", &a), 0);
	ck_assert_uint_eq(a.word_count, 14);
	ck_assert(has_term(&a, IG_EL_SUBJECT, "雪山"));
	ck_assert(!has_term(&a, IG_EL_SUBJECT, "山"));          /* inside 雪山 */
	ck_assert(has_term(&a, IG_EL_STYLE, "油画"));
	ck_assert(has_term(&a, IG_EL_LIGHTING, "夕阳"));
	ck_assert(has_term(&a, IG_EL_COMPOSITION, "特写"));
	ck_assert(has_term(&a, IG_EL_MOOD, "宁静"));
	ck_assert(has_term(&a, IG_EL_QUALITY, "高清"));
	ck_assert_int_eq(a.nsuggestions, 0);
}
END_TEST

/* Japanese: kana count one each; mixed with Latin words. */
START_TEST(japanese_and_mixed_counts)
{
	ig_analysis a;

	ck_assert_int_eq(ig_analyze_prompt("桜の木とネオン", &a), 0);
	ck_assert_uint_eq(a.word_count, 7);
	ck_assert(has_term(&a, IG_EL_SUBJECT, "桜"));
	ck_assert(has_term(&a, IG_EL_LIGHTING, "ネオン"));
	ck_assert_int_eq(ig_analyze_prompt("anime 少女 in the rain", &a), 0);
	ck_assert_uint_eq(a.word_count, 6);
	ck_assert(has_term(&a, IG_EL_STYLE, "anime"));
	ck_assert(has_term(&a, IG_EL_SUBJECT, "少女"));
}
END_TEST

/* The documented formula is monotone: adding a missing element (at the end
 * or the start) never lowers the score, and raises it by its points. */
START_TEST(adding_an_element_never_lowers_the_score)
{
	static const char *const additions[] = {
		"a lighthouse", "watercolor", "moonlight", "aerial view", "melancholic",
		"highly detailed", "8k", "灯塔 夕阳", "油画", "特写",
	};
	const char *base[] = { "", "x", "a cat", "misty cliffs above a stormy sea", "夜のまち" };
	ig_analysis a, b;
	char buf[512];

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
		ck_assert_int_eq(ig_analyze_prompt(base[i], &a), 0);
		for (size_t j = 0; j < sizeof(additions) / sizeof(additions[0]); j++) {
			snprintf(buf, sizeof(buf), "%s, %s", base[i], additions[j]);
			ck_assert_int_eq(ig_analyze_prompt(buf, &b), 0);
			ck_assert_msg(b.quality_score >= a.quality_score, "'%s' %.1f < '%s' %.1f",
			    buf, b.quality_score, base[i], a.quality_score);
			snprintf(buf, sizeof(buf), "%s %s", additions[j], base[i]);
			ck_assert_int_eq(ig_analyze_prompt(buf, &b), 0);
			ck_assert(b.quality_score >= a.quality_score);
		}
	}
	ck_assert_int_eq(ig_analyze_prompt("a cat", &a), 0);
	ck_assert_int_eq(ig_analyze_prompt("a cat, soft lighting", &b), 0);
	ck_assert_double_eq_tol(b.quality_score - a.quality_score, 1.5 + 0.5, 1e-9);  /* lighting, 4 words */
	ck_assert(suggests(&a, "lighting") && !suggests(&b, "lighting"));
}
END_TEST

/* Invalid UTF-8 is refused, never split or guessed: truncated sequences,
 * overlong forms, surrogates, bytes above U+10FFFF. */
START_TEST(invalid_utf8_is_refused)
{
	static const char *const bad[] = {
		"cat \xE5\xA4", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
		"\xFF", "a\x80", "\xF0\x9F\x98",
	};
	ig_analysis a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(ig_analyze_prompt(bad[i], &a), -1);
	ck_assert_int_eq(ig_analyze_prompt("cat \xF0\x9F\x98\xBA", &a), 0);       /* U+1F63A */
	ck_assert_uint_eq(a.word_count, 2);
}
END_TEST

START_TEST(empty_and_oversized)
{
	ig_analysis a;
	char *big = malloc(IG_ANALYZE_MAX_BYTES + 2);

	ck_assert_int_eq(ig_analyze_prompt("", &a), 0);
	ck_assert_uint_eq(a.word_count, 0);
	ck_assert_double_eq(a.quality_score, 0);
	ck_assert_int_eq(a.nsuggestions, IG_EL__MAX + 1);
	ck_assert_str_eq(ig_complexity_name(a.complexity), "simple");
	ck_assert_int_eq(ig_analyze_prompt(" ，。!? ", &a), 0);
	ck_assert_uint_eq(a.word_count, 0);
	memset(big, 'a', IG_ANALYZE_MAX_BYTES + 1);
	big[IG_ANALYZE_MAX_BYTES + 1] = '\0';
	ck_assert_int_eq(ig_analyze_prompt(big, &a), -2);
	free(big);
}
END_TEST

/* Terms are matched against the prompt with ASCII folded to lower case:
 * an upper-case term ("8K", "3D渲染") would silently never match. */
START_TEST(lexicon_terms_are_lower_case_utf8)
{
	for (int e = 0; e < IG_EL__MAX; e++) {
		ck_assert_str_eq(ig_element_name((ig_element)e), ig_lexicons[e].name);
		for (const char *const *t = ig_lexicons[e].terms; *t; t++) {
			ck_assert_msg(**t != '\0' && ig_utf8_valid(*t, strlen(*t)), "%s: empty or bad term", ig_lexicons[e].name);
			for (const char *c = *t; *c; c++)
				ck_assert_msg(!(*c >= 'A' && *c <= 'Z'), "%s: term '%s' has upper case", ig_lexicons[e].name, *t);
		}
	}
}
END_TEST

/* Estimates: history once there are 5 samples, the declaration before. */
START_TEST(estimate_ranges)
{
	int lo, hi;

	ck_assert_int_eq(ig_estimate_range(4, 2.1, 2.3, 15, &lo, &hi), 0);
	ck_assert_int_eq(lo, 7);
	ck_assert_int_eq(hi, 30);
	ck_assert_int_eq(ig_estimate_range(5, 2.1, 2.3, 15, &lo, &hi), 1);
	ck_assert_int_eq(lo, 2);
	ck_assert_int_eq(hi, 3);
	ck_assert_int_eq(ig_estimate_range(9, 2.0, 2.0, 15, &lo, &hi), 1);
	ck_assert(lo == 2 && hi == 3);
	ck_assert_int_eq(ig_estimate_range(0, 0, 0, 1, &lo, &hi), 0);
	ck_assert(lo == 1 && hi == 2);
}
END_TEST

/* The tokenizer the word count uses, word by word (lib/analytics counts
 * terms with it): a hyphenated word is one, each Han character one,
 * punctuation none; and the stop words. */
static void
collect(const char *w, size_t wlen, void *ctx)
{
	char *out = ctx;

	strcat(out, "|");
	strncat(out, w, wlen);
}

START_TEST(tokenizer_words_and_stop_words)
{
	char got[256] = "";
	const char *p = "A red-fox, \xe5\xb1\xb1\xe4\xb8\x8a\xe7\x9a\x84 sea!";

	ig_prompt_words(p, strlen(p), collect, got);
	ck_assert_str_eq(got, "|A|red-fox|\xe5\xb1\xb1|\xe4\xb8\x8a|\xe7\x9a\x84|sea");
	ck_assert(ig_prompt_stop_word("the"));
	ck_assert(ig_prompt_stop_word("a"));
	ck_assert(ig_prompt_stop_word("\xe7\x9a\x84"));
	ck_assert(ig_prompt_stop_word("\xe3\x81\xae"));
	ck_assert(!ig_prompt_stop_word("fox"));
	ck_assert(!ig_prompt_stop_word("\xe5\xb1\xb1"));
	ck_assert(!ig_prompt_stop_word("The"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("analyze");
	TCase *tc = tcase_create("analyze");

	tcase_add_test(tc, english_prompt_elements);
	tcase_add_test(tc, english_terms_match_whole_words);
	tcase_add_test(tc, chinese_prompt_counts_characters);
	tcase_add_test(tc, japanese_and_mixed_counts);
	tcase_add_test(tc, adding_an_element_never_lowers_the_score);
	tcase_add_test(tc, invalid_utf8_is_refused);
	tcase_add_test(tc, empty_and_oversized);
	tcase_add_test(tc, lexicon_terms_are_lower_case_utf8);
	tcase_add_test(tc, estimate_ranges);
	tcase_add_test(tc, tokenizer_words_and_stop_words);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
