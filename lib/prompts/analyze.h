/*
 * analyze.h — the prompt analyzer behind POST /api/analyze-prompt and the
 * quality_score of every library suggestion. Pure computation over the
 * prompt's bytes and the lexicons of lexicon.c; no I/O.
 *
 * Words (UTF-8 aware). The prompt must be valid UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF); anything else is
 * refused, so no code point is ever split or guessed at. Then:
 *   - each Han ideograph (U+3400–4DBF, U+4E00–9FFF, U+F900–FAFF,
 *     U+20000–3134F) and each Hiragana or Katakana character (U+3040–30FF,
 *     U+31F0–31FF, U+FF66–FF9F) is one word, since Chinese and Japanese
 *     write no spaces and a character is the closest unit a reader counts;
 *   - any other run of letters, digits, apostrophes and hyphens (Latin,
 *     Cyrillic, Hangul, …) is one word;
 *   - spaces, ASCII punctuation, CJK punctuation (U+3000–303F) and
 *     full-width punctuation separate words and count as nothing.
 *
 * Elements. Six lexicons (subject, style, lighting, composition, mood,
 * quality modifiers) list English terms and common Chinese and Japanese
 * ones. An ASCII term matches case-insensitively on word boundaries, with
 * an optional plural "s"/"es"; a non-ASCII term matches as a substring
 * (CJK has no word boundaries; UTF-8 substring matches always fall on code
 * point boundaries). A term lying wholly inside the match of an earlier,
 * longer term of the same lexicon ("光" inside "阳光") is not reported again.
 *
 * Quality score (0–10, one decimal):
 *     2.0 if a subject is found
 *   + 1.5 if a style is found
 *   + 1.5 if lighting is found
 *   + 1.5 if composition is found
 *   + 1.0 if a mood is found
 *   + 0.5 per distinct quality modifier, at most 1.0
 *   + detail: 0 below 4 words, 0.5 for 4–7, 1.0 for 8–14, 1.5 for 15 or more
 * Every term is a sum of non-decreasing functions of what the prompt holds,
 * with no penalty for length, so adding a missing element (or any words)
 * never lowers the score.
 *
 * Complexity: "complex" with 30 or more words or 5 or more element kinds
 * found; "simple" with fewer than 10 words and at most 2 kinds; "medium"
 * otherwise.
 */
#ifndef IG_PROMPTS_ANALYZE_H
#define IG_PROMPTS_ANALYZE_H

#include <stddef.h>

#include "lib/core/util.h"  /* ig_utf8_valid: the prompt's UTF-8 check */

/* The element kinds, in the order of the lexicons and of the JSON. */
typedef enum ig_element {
	IG_EL_SUBJECT,
	IG_EL_STYLE,
	IG_EL_LIGHTING,
	IG_EL_COMPOSITION,
	IG_EL_MOOD,
	IG_EL_QUALITY,
	IG_EL__MAX
} ig_element;

/* Terms reported per element; more matches are counted but not listed. */
#define IG_ANALYZE_MAX_TERMS 12
/* The longest prompt analyzed, in bytes (API.md's 4000 characters of up to
 * four bytes each). */
#define IG_ANALYZE_MAX_BYTES 16000

typedef enum ig_complexity {
	IG_SIMPLE,
	IG_MEDIUM,
	IG_COMPLEX,
} ig_complexity;

typedef struct ig_analysis {
	size_t word_count;
	ig_complexity complexity;
	double quality_score;
	/* Lexicon terms found, per element; the pointers are the lexicon's
	 * static strings (no ownership). */
	const char *terms[IG_EL__MAX][IG_ANALYZE_MAX_TERMS];
	int nterms[IG_EL__MAX];
	/* Suggestions naming what is missing: static strings. */
	const char *suggestions[IG_EL__MAX + 1];
	int nsuggestions;
} ig_analysis;

/*
 * Analyze prompt (NUL-terminated). Returns 0 with *out filled; -1 when the
 * prompt is not valid UTF-8; -2 when it is longer than
 * IG_ANALYZE_MAX_BYTES. An empty prompt analyzes to zero words, score 0,
 * and every suggestion.
 */
int ig_analyze_prompt(const char *prompt, ig_analysis *out);

/*
 * The tokenizer of the word count above, for callers that need the words
 * themselves (lib/analytics: the most used terms): word(w, wlen, ctx) for
 * each word of prompt (len bytes of valid UTF-8), in order; w points into
 * prompt (not NUL-terminated). A Han or kana character is a word of its own.
 */
void ig_prompt_words(const char *prompt, size_t len, void (*word)(const char *w, size_t wlen, void *ctx),
    void *ctx);

/* 1 when lower (a word of ig_prompt_words with ASCII folded to lower case,
 * NUL-terminated) is a stop word: an English function word ("the", "of",
 * "with", …) or a Chinese or Japanese function character (的, 了, 和, の, は, …),
 * which say nothing about what was asked for. */
int ig_prompt_stop_word(const char *lower);

/* JSON names: "subject", …, "quality_modifiers"; "simple", … */
const char *ig_element_name(ig_element e);
const char *ig_complexity_name(ig_complexity c);

#endif
