/* analyze.c — the prompt analyzer; the rules are in analyze.h. */
#include "ig_autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/prompts/analyze.h"
#include "lib/prompts/lexicon.h"

/* Points of the score formula (analyze.h), per element. */
static const double element_points[IG_EL__MAX] = {
	[IG_EL_SUBJECT] = 2.0,
	[IG_EL_STYLE] = 1.5,
	[IG_EL_LIGHTING] = 1.5,
	[IG_EL_COMPOSITION] = 1.5,
	[IG_EL_MOOD] = 1.0,
	[IG_EL_QUALITY] = 0.0,          /* per term instead, below */
};
#define QUALITY_POINTS_PER_TERM 0.5
#define QUALITY_POINTS_MAX 1.0

static const char *const complexity_names[] = { "simple", "medium", "complex" };

const char *
ig_element_name(ig_element e)
{
	return e < IG_EL__MAX ? ig_lexicons[e].name : "";
}

const char *
ig_complexity_name(ig_complexity c)
{
	return complexity_names[c];
}

/* Han ideographs and kana: one word each (analyze.h). */
static int
is_cjk_word(uint32_t c)
{
	return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
	    (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F) ||
	    (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) || (c >= 0x31F0 && c <= 0x31FF) ||
	    (c >= 0xFF66 && c <= 0xFF9F);
}

/* Separators: whitespace and punctuation, ASCII, CJK and full-width.
 * An apostrophe or hyphen inside a word keeps it one word. */
static int
is_separator(uint32_t c)
{
	if (c < 0x80)
		return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '\'' || c == '-');
	return (c >= 0x2000 && c <= 0x206F) ||      /* general punctuation, spaces */
	    (c >= 0x3000 && c <= 0x303F) ||         /* CJK symbols and punctuation */
	    c == 0x30FB ||                          /* katakana middle dot */
	    (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
	    (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) ||
	    c == 0x00A0 || c == 0x00B7 || c == 0xFEFF;
}

void
ig_prompt_words(const char *prompt, size_t len, void (*word)(const char *w, size_t wlen, void *ctx), void *ctx)
{
	const unsigned char *s = (const unsigned char *)prompt;
	size_t start = 0;
	int in_word = 0;
	uint32_t c;

	for (size_t i = 0; i < len;) {
		size_t at = i;
		i += ig_utf8_decode(s + i, len - i, &c);
		if (in_word && (is_cjk_word(c) || is_separator(c))) {
			word(prompt + start, at - start, ctx);
			in_word = 0;
		}
		if (is_cjk_word(c)) {
			word(prompt + at, i - at, ctx);
		} else if (!is_separator(c) && !in_word) {
			start = at;
			in_word = 1;
		}
	}
	if (in_word)
		word(prompt + start, len - start, ctx);
}

static void
count_one(const char *w, size_t wlen, void *ctx)
{
	(void)w;
	(void)wlen;
	(*(size_t *)ctx)++;
}

/* Words of a valid UTF-8 string (analyze.h). */
static size_t
count_words(const char *s, size_t len)
{
	size_t words = 0;

	ig_prompt_words(s, len, count_one, &words);
	return words;
}

/* Stop words (ig_prompt_stop_word): English function words, and the Chinese
 * and Japanese function characters the tokenizer makes words of. Sorted
 * (strcmp) for bsearch. */
static const char *const stop_words[] = {
	"a", "about", "above", "after", "all", "an", "and", "any", "are", "as", "at", "be", "been", "but",
	"by", "can", "do", "for", "from", "has", "have", "he", "her", "his", "how", "i", "if", "in",
	"into", "is", "it", "its", "me", "my", "no", "not", "of", "off", "on", "or", "our", "out",
	"over", "she", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these",
	"they", "this", "those", "to", "too", "under", "up", "very", "was", "we", "were", "what", "when",
	"where", "which", "while", "who", "with", "you", "your",
	"\xe3\x81\x8c",     /* が */
	"\xe3\x81\xa7",     /* で */
	"\xe3\x81\xa8",     /* と */
	"\xe3\x81\xab",     /* に */
	"\xe3\x81\xae",     /* の */
	"\xe3\x81\xaf",     /* は */
	"\xe3\x82\x82",     /* も */
	"\xe3\x82\x92",     /* を */
	"\xe4\xb8\x80",     /* 一 */
	"\xe4\xb8\x8e",     /* 与 */
	"\xe4\xb8\xaa",     /* 个 */
	"\xe4\xba\x86",     /* 了 */
	"\xe5\x92\x8c",     /* 和 */
	"\xe5\x9c\xa8",     /* 在 */
	"\xe6\x98\xaf",     /* 是 */
	"\xe7\x9a\x84",     /* 的 */
};

static int
cmp_stop(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

int
ig_prompt_stop_word(const char *lower)
{
	return bsearch(lower, stop_words, sizeof(stop_words) / sizeof(stop_words[0]), sizeof(stop_words[0]),
	    cmp_stop) != NULL;
}

static int
is_alnum_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * First match of term in lower (the prompt with ASCII folded to lower case)
 * at or after from that is not wholly inside claimed bytes; its start in
 * *at and length in *mlen. Returns 1 when found.
 */
static int
find_term(const char *lower, size_t len, const char *term, const unsigned char *claimed,
    size_t *at, size_t *mlen)
{
	size_t tl = strlen(term);
	int ascii = 1;

	for (const char *t = term; *t; t++)
		if ((unsigned char)*t >= 0x80)
			ascii = 0;
	for (const char *p = lower; (p = strstr(p, term)) != NULL; p++) {
		size_t start = (size_t)(p - lower), end = start + tl, i;
		if (ascii) {
			if (start > 0 && is_alnum_byte((unsigned char)lower[start - 1]))
				continue;
			if (end < len && lower[end] == 's')
				end++;
			else if (end + 1 < len && lower[end] == 'e' && lower[end + 1] == 's')
				end += 2;
			if (end < len && is_alnum_byte((unsigned char)lower[end]))
				continue;
		}
		for (i = start; i < end && claimed[i]; i++)
			;
		if (i == end)
			continue;
		*at = start;
		*mlen = end - start;
		return 1;
	}
	return 0;
}

/* Record the terms of lexicon e found in lower. */
static void
find_elements(const char *lower, size_t len, ig_element e, unsigned char *claimed, ig_analysis *out)
{
	size_t at, mlen;

	memset(claimed, 0, len + 1);
	for (const char *const *t = ig_lexicons[e].terms; *t; t++) {
		if (!find_term(lower, len, *t, claimed, &at, &mlen))
			continue;
		memset(claimed + at, 1, mlen);
		if (out->nterms[e] < IG_ANALYZE_MAX_TERMS)
			out->terms[e][out->nterms[e]++] = *t;
	}
}

static double
detail_points(size_t words)
{
	return words >= 15 ? 1.5 : words >= 8 ? 1.0 : words >= 4 ? 0.5 : 0.0;
}

int
ig_analyze_prompt(const char *prompt, ig_analysis *out)
{
	size_t len = strlen(prompt);
	char *lower;
	unsigned char *claimed;
	double score = 0, q;
	int kinds = 0;

	memset(out, 0, sizeof(*out));
	if (len > IG_ANALYZE_MAX_BYTES)
		return -2;
	if (!ig_utf8_valid(prompt, len))
		return -1;
	lower = ig_xmalloc(len + 1);
	claimed = ig_xmalloc(len + 1);
	for (size_t i = 0; i <= len; i++)
		lower[i] = (prompt[i] >= 'A' && prompt[i] <= 'Z') ? (char)(prompt[i] + 32) : prompt[i];
	out->word_count = count_words(prompt, len);
	for (int e = 0; e < IG_EL__MAX; e++) {
		find_elements(lower, len, (ig_element)e, claimed, out);
		if (out->nterms[e] > 0) {
			kinds++;
			score += element_points[e];
		} else {
			out->suggestions[out->nsuggestions++] = ig_lexicons[e].suggestion;
		}
	}
	free(lower);
	free(claimed);
	q = out->nterms[IG_EL_QUALITY] * QUALITY_POINTS_PER_TERM;
	score += q > QUALITY_POINTS_MAX ? QUALITY_POINTS_MAX : q;
	score += detail_points(out->word_count);
	if (out->word_count < 8)
		out->suggestions[out->nsuggestions++] =
		    "Add more detail: a short prompt leaves most choices to the model.";
	out->quality_score = (double)(long)(score * 10 + 0.5) / 10;
	if (out->word_count >= 30 || kinds >= 5)
		out->complexity = IG_COMPLEX;
	else if (out->word_count < 10 && kinds <= 2)
		out->complexity = IG_SIMPLE;
	else
		out->complexity = IG_MEDIUM;
	return 0;
}
