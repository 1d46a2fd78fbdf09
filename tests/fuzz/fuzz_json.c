/*
 * fuzz_json.c — libFuzzer target for the strict JSON reader every request
 * body goes through (lib/core/json.c): it must never crash, leak or read
 * out of bounds, and whatever it accepts must be a complete JSON value.
 * Build and run with tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stddef.h>
#include <stdint.h>

#include "lib/core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ig_err err;
	json_object *o = ig_json_parse((const char *)data, size, 1000, &err);

	if (o != NULL) {
		const char *s;
		int64_t v;
		int b;
		ig_json_string(o, "prompt", 0, 0, 4000, &s, &err);
		ig_json_int(o, "image_count", 0, 1, 10, &v, &err);
		ig_json_bool(o, "no_cache", 0, &b, &err);
		json_object_put(o);
	}
	return 0;
}
