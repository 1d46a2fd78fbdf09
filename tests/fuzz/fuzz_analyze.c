/*
 * fuzz_analyze.c — libFuzzer target for the prompt analyzer
 * (lib/prompts/analyze.c): any bytes a client posts to /api/analyze-prompt
 * must be refused or analysed without crashing, leaking or reading out of
 * bounds (the UTF-8 walk and the lexicon matching). Build and run with
 * tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prompts/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	ig_analysis a;

	memcpy(s, data, size);
	s[size] = '\0';
	/* No ownership in the result: nothing to free. */
	if (ig_analyze_prompt(s, &a) == 0 && a.quality_score > 10.0)
		abort();
	free(s);
	return 0;
}
