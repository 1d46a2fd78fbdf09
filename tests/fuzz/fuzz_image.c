/*
 * fuzz_image.c — libFuzzer target for the code that reads image bytes from
 * outside before any decoder does (lib/imaging/png.c): the header probe,
 * the PNG chunk walker and the text-chunk reader and writer. None may crash,
 * leak or read past the input, whatever the chunk lengths claim.
 * Build and run with tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/imaging/png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kv[] = { "prompt", "fuzz", "Title", "\xe5\xb1\xb1" };
	ig_img_format fmt;
	int w, h;
	char *value = NULL;
	unsigned char *out = NULL;
	size_t outlen;

	if (ig_image_probe(data, size, &fmt, &w, &h) == 0 && (w <= 0 || h <= 0))
		abort();
	if (ig_png_get_text(data, size, "prompt", &value) == 0)
		free(value);
	if (ig_png_add_text(data, size, kv, 2, &out, &outlen) == 0) {
		if (ig_png_get_text(out, outlen, "Title", &value) == 0)
			free(value);
		free(out);
	}
	return 0;
}
