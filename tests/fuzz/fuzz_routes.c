/*
 * fuzz_routes.c — libFuzzer target for the route matcher: any method and
 * path (the path is attacker-controlled) must match safely, and captures
 * must stay within their buffers. Build and run with tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/fcgi/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH" };
	char *path;
	ig_route_match m;

	if (size < 1)
		return 0;
	path = malloc(size);
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	ig_route_find(ig_routes, ig_nroutes, methods[data[0] % 6], path, &m);
	free(path);
	return 0;
}
