/*
 * fuzz_multipart.c — libFuzzer target for lib/core/multipart.c, the reader
 * of upload bodies (POST /api/images, POST /api/storage/upload). The first
 * input byte picks a boundary; the rest is the body. Whatever the body
 * claims, the parser may not crash or read past it, and every part it
 * returns must be a view inside the body with a non-empty name.
 * Build and run with tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/error.h"
#include "lib/core/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"multipart/form-data; boundary=XyZ",
		"multipart/form-data; boundary=\"a b\"",
		"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
		"multipart/form-data; boundary=-",
	};
	static const char *const single[] = { "file", NULL };
	ig_multipart mp;
	ig_err err;
	unsigned char *body;

	if (size == 0)
		return 0;
	/* A copy of exactly the body's length, so ASan sees any overread. */
	body = malloc(size - 1 ? size - 1 : 1);
	memcpy(body, data + 1, size - 1);
	if (ig_multipart_parse(types[data[0] % 4], body, size - 1, single, "file", &mp, &err) == 0) {
		for (size_t i = 0; i < mp.nparts; i++) {
			const ig_mp_part *p = &mp.parts[i];

			if (p->name[0] == '\0' || p->data < body || p->data + p->len > body + size - 1)
				abort();
		}
	}
	free(body);
	return 0;
}
