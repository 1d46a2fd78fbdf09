/*
 * fuzz_cookie.c — libFuzzer target for the Cookie header reader and the
 * Origin check (lib/auth/cookie.c): any header bytes must be read safely,
 * a value found must fit its buffer and be cookie-octets only, and the
 * Origin comparison must not read past its strings. Build and run with
 * tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/auth/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), value[IG_TOKEN_LEN + 1];
	const char *nl;

	memcpy(text, data, size);
	text[size] = '\0';
	if (ig_cookie_get(text, "ig_refresh", value, sizeof(value)) == 1) {
		if (strlen(value) > IG_TOKEN_LEN)
			abort();
		for (const char *c = value; *c; c++)
			if (*c <= ' ' || *c == '"' || *c == ',' || *c == ';' || *c == '\\' || *c == 0x7f)
				abort();
	}
	/* The first line is an Origin, the rest a Host. */
	nl = strchr(text, '\n');
	if (nl != NULL) {
		text[nl - text] = '\0';
		ig_cookie_same_origin(text, "https://img.example.org:8443/base", text + (nl - text) + 1);
	}
	free(text);
	return 0;
}
