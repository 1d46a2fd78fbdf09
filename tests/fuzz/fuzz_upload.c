/*
 * fuzz_upload.c — libFuzzer target for the EXIF walk of uploaded JPEGs
 * (lib/imaging/upload.c, ig_jpeg_strip_gps): the input is placed as the
 * TIFF structure of an APP1 Exif segment, so every run exercises the IFD
 * walk, whose offsets and counts come from the uploader. The strip may not
 * crash, read or write outside the file, or change its length unless it
 * drops the whole segment; and a stripped file has nothing left to strip.
 * The raw input also goes through ig_upload_check as an uploaded file
 * (the JPEG walk to EOI, the WebP RIFF size, libgd), with a small pixel
 * limit so that runs stay fast.
 * Build and run with tests/fuzz/run.
 */
#include "ig_autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/error.h"
#include "lib/imaging/upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t seg = 2 + 6 + size, len = 2 + 2 + seg + 2, outlen, again_len;
	unsigned char *jpeg, *out, *again;
	ig_upload_info info;
	ig_err err;
	int n;

	if (ig_upload_check(data, size, 1L << 20, 65536, "file", &info, &out, &outlen, &err) == 0)
		free(out);

	if (seg > 65535)
		return 0;
	jpeg = malloc(len);
	memcpy(jpeg, "\xff\xd8\xff\xe1", 4);
	jpeg[4] = (unsigned char)(seg >> 8);
	jpeg[5] = (unsigned char)seg;
	memcpy(jpeg + 6, "Exif\0\0", 6);
	memcpy(jpeg + 12, data, size);
	memcpy(jpeg + 12 + size, "\xff\xd9", 2);
	n = ig_jpeg_strip_gps(jpeg, len, &out, &outlen);
	if (n < 0 || (n == 0) != (out == NULL))
		abort();
	if (out != NULL) {
		if (outlen != len && outlen != 4)
			abort();
		if (ig_jpeg_strip_gps(out, outlen, &again, &again_len) != 0)
			abort();
		free(out);
	}
	free(jpeg);
	return 0;
}
