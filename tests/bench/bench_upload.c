/*
 * bench_upload.c — figures for the upload path of issue 12, measured in
 * process on the functions POST /api/images is built from (the route itself
 * comes with the gallery work; the bar "refused in under 100 ms, worker RSS
 * growth under 16 MB" is about that route):
 *   1. a real PNG bomb (16000 × 16000, valid deflate data, ~750 KB) inside a
 *      multipart body: ig_multipart_parse + ig_upload_check time (p50, max
 *      over the runs) and the peak RSS growth (VmHWM after minus VmRSS
 *      before, the bomb's own bytes already allocated);
 *   2. ig_multipart_parse of a body carrying a 20 MiB file;
 *   3. ig_upload_check of a JPEG at the pixel limit (4096 × 4096): what an
 *      admitted upload costs, as the decode must read it whole.
 * Prints figures only; scripts/bench runs it.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <malloc.h>

#include <gd.h>
#include <zlib.h>

#include "lib/core/error.h"
#include "lib/core/multipart.h"
#include "lib/core/util.h"
#include "lib/imaging/upload.h"

#define MAX_UPLOAD (20L * 1024 * 1024)
#define MAX_PIXELS 16777216L
#define CT "multipart/form-data; boundary=----benchBoundary7MA4YWxk"
#define RUNS 50

/* VmRSS or VmHWM of this process, in KiB. */
static long
vm_kib(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

/* Give freed heap back (setting up a step frees large buffers the step
 * would otherwise reuse unseen) and reset VmHWM to the current RSS (Linux:
 * "5" to clear_refs), so that each figure is the peak of its own step. */
static void
reset_hwm(void)
{
	FILE *f;

	malloc_trim(0);
	f = fopen("/proc/self/clear_refs", "w");

	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
}

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
chunk(ig_buf *b, const char *type, const unsigned char *data, size_t n)
{
	unsigned char hdr[8], crc[4];
	uLong c = crc32(0, (const Bytef *)type, 4);

	be32(hdr, (uint32_t)n);
	memcpy(hdr + 4, type, 4);
	ig_buf_append(b, hdr, 8);
	ig_buf_append(b, data, n);
	be32(crc, (uint32_t)crc32(c, data, (uInt)n));
	ig_buf_append(b, crc, 4);
}

/* A genuine 16000 × 16000 RGB PNG of black rows, deflated at level 9. */
static void
make_bomb(ig_buf *png)
{
	static unsigned char row[1 + 16000 * 3], out[1 << 16];
	unsigned char ihdr[13] = { 0 };
	ig_buf idat = { 0 };
	z_stream z = { 0 };

	ig_buf_append(png, "\x89PNG\r\n\x1a\n", 8);
	be32(ihdr, 16000);
	be32(ihdr + 4, 16000);
	ihdr[8] = 8;
	ihdr[9] = 2;
	chunk(png, "IHDR", ihdr, 13);
	deflateInit(&z, 9);
	for (int y = 0; y < 16000; y++) {
		z.next_in = row;
		z.avail_in = sizeof(row);
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			deflate(&z, y == 15999 ? Z_FINISH : Z_NO_FLUSH);
			ig_buf_append(&idat, out, sizeof(out) - z.avail_out);
		} while (z.avail_out == 0);
	}
	deflateEnd(&z);
	chunk(png, "IDAT", (unsigned char *)idat.data, idat.len);
	chunk(png, "IEND", (const unsigned char *)"", 0);
	ig_buf_free(&idat);
}

static void
multipart_body(ig_buf *body, const void *file, size_t n)
{
	ig_buf_puts(body, "------benchBoundary7MA4YWxk\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n\r\nbench\r\n"
	    "------benchBoundary7MA4YWxk\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n");
	ig_buf_append(body, file, n);
	ig_buf_puts(body, "\r\n------benchBoundary7MA4YWxk--\r\n");
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	static const char *const single[] = { "file", NULL };
	ig_buf png = { 0 }, body = { 0 }, big = { 0 };
	ig_multipart mp;
	ig_upload_info info;
	ig_err err;
	unsigned char *out;
	size_t outlen;
	long long us[RUNS];
	long rss0, hwm;
	int rc = 0;

	make_bomb(&png);
	multipart_body(&body, png.data, png.len);
	reset_hwm();
	rss0 = vm_kib("VmRSS:");
	for (int i = 0; i < RUNS; i++) {
		int64_t t0 = ig_now_us();

		if (ig_multipart_parse(CT, (unsigned char *)body.data, body.len, single, "file", &mp,
		    &err) != 0 || ig_upload_check(ig_multipart_get(&mp, "file")->data,
		    ig_multipart_get(&mp, "file")->len, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
		    &outlen, &err) != -1 || strcmp(err.field, "file") != 0) {
			fprintf(stderr, "bench_upload: the bomb was not refused naming file\n");
			return 1;
		}
		us[i] = ig_now_us() - t0;
	}
	hwm = vm_kib("VmHWM:");
	qsort(us, RUNS, sizeof(us[0]), cmp_ll);
	printf("PNG bomb 16000x16000 (%zu bytes) in a multipart body: refused (%s)\n", png.len,
	    err.message);
	printf("  parse + check: p50 %.3f ms, max %.3f ms over %d runs (bar: < 100 ms via the route)\n",
	    (double)us[RUNS / 2] / 1000.0, (double)us[RUNS - 1] / 1000.0, RUNS);
	printf("  peak RSS growth: %ld KiB (bar: < 16 MB of worker RSS via the route)\n", hwm - rss0);

	/* A 20 MiB file part: the parser is one memmem over the data. */
	ig_buf_free(&body);
	big.data = ig_xcalloc(1, (size_t)MAX_UPLOAD + 1);
	big.len = (size_t)MAX_UPLOAD;
	for (size_t i = 0; i < big.len; i++)
		big.data[i] = (char)(i * 2654435761u >> 13);
	multipart_body(&body, big.data, big.len);
	{
		int64_t t0 = ig_now_us();

		rc |= ig_multipart_parse(CT, (unsigned char *)body.data, body.len, single, "file", &mp,
		    &err) != 0 || ig_multipart_get(&mp, "file")->len != (size_t)MAX_UPLOAD;
		printf("multipart parse of a %zu-byte body (20 MiB file): %.3f ms\n", body.len,
		    (double)(ig_now_us() - t0) / 1000.0);
	}
	ig_buf_free(&body);
	free(big.data);

	/* An admitted image at the pixel limit: it is decoded whole once. */
	{
		gdImagePtr im = gdImageCreateTrueColor(4096, 4096);
		int size = 0;
		void *jpeg;
		int64_t t0;

		for (int y = 0; y < 4096; y += 64)
			gdImageFilledRectangle(im, 0, y, 4095, y + 31, gdTrueColor(y / 16, 80, 200));
		jpeg = gdImageJpegPtr(im, &size, 85);
		gdImageDestroy(im);
		reset_hwm();
		rss0 = vm_kib("VmRSS:");
		t0 = ig_now_us();
		rc |= ig_upload_check(jpeg, (size_t)size, MAX_UPLOAD, MAX_PIXELS, "file", &info, &out,
		    &outlen, &err) != 0;
		printf("check of a 4096x4096 JPEG (%d bytes): %.3f ms, peak RSS growth %ld KiB\n", size,
		    (double)(ig_now_us() - t0) / 1000.0, vm_kib("VmHWM:") - rss0);
		free(out);
		gdFree(jpeg);
	}
	ig_buf_free(&png);
	return rc;
}
