/* lexicon.h — the analyzer's word lists (lexicon.c), one per element of
 * analyze.h, and what to suggest when an element is missing. Internal to
 * lib/prompts. */
#ifndef IG_PROMPTS_LEXICON_H
#define IG_PROMPTS_LEXICON_H

#include "lib/prompts/analyze.h"

typedef struct ig_lexicon {
	const char *name;               /* JSON name of the element */
	const char *suggestion;         /* said when nothing of it is found */
	const char *const *terms;       /* NULL-terminated; longer terms before
	                                 * the shorter ones they contain */
} ig_lexicon;

/* Indexed by ig_element. */
extern const ig_lexicon ig_lexicons[IG_EL__MAX];

#endif
