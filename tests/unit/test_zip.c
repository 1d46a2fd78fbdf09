/*
 * test_zip.c — lib/core/zip: the streaming ZIP writer behind
 * GET /api/batch/{id}/download. Archives are checked by an independent
 * reader (Python's zipfile) as well as byte by byte here. Each test names
 * the bug it guards.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/util.h"
#include "lib/core/zip.h"
#include "tests/unit/ut.h"

static int
to_buf(void *ctx, const void *p, size_t n)
{
	ig_buf_append(ctx, p, n);
	return 0;
}

static int
discard(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* Fails once *ctx bytes have gone through: a client that hangs up. */
static int
fail_after(void *ctx, const void *p, size_t n)
{
	size_t *left = ctx;

	(void)p;
	if (n > *left)
		return -1;
	*left -= n;
	return 0;
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned
rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	ig_buf b = { 0 };
	char chunk[4096];
	size_t n;

	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ig_buf_append(&b, chunk, n);
	fclose(f);
	ig_buf_append(&b, "", 0);
	return b.data;
}

/* The CRC must be the ZIP one (reflected 0xEDB88320): with any other
 * variant every reader reports every entry as corrupt. */
START_TEST(crc32_check_value)
{
	ck_assert_uint_eq(ig_crc32(0, "123456789", 9), 0xCBF43926u);
	ck_assert_uint_eq(ig_crc32(0, "", 0), 0);
	/* Streaming in pieces gives the same value as one call. */
	ck_assert_uint_eq(ig_crc32(ig_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}
END_TEST

/*
 * Three entries — one empty, one binary (every byte value, NULs included,
 * written in uneven pieces), one with a non-ASCII name — must survive an
 * independent reader: `python3 -m zipfile -t`, then names, contents and
 * dates read back by zipfile. Guards the data-descriptor layout (bit 3),
 * the UTF-8 flag (bit 11: without it the name reads as CP437 mojibake) and
 * the DOS date (a wrong field order gives dates in 2044).
 */
START_TEST(three_entries_round_trip_through_python)
{
	static const char *utf8_name = "caf\xc3\xa9-\xe7\x8c\xab.txt";
	char dir[] = "/tmp/test_zip.XXXXXX", zpath[256], script[2048], outpath[256];
	unsigned char bin[1000];
	ig_buf out = { 0 };
	ig_zip *z = ig_zip_new(to_buf, &out);
	char *report;
	int rc;

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7);
	ck_assert_int_eq(ig_zip_begin_entry(z, "empty.bin", 1705746600), 0);  /* 2024-01-20T10:30:00Z */
	ck_assert_int_eq(ig_zip_end_entry(z), 0);
	ck_assert_int_eq(ig_zip_begin_entry(z, "dir/binary.png", 1705746601), 0);
	ck_assert_int_eq(ig_zip_write(z, bin, 1), 0);
	ck_assert_int_eq(ig_zip_write(z, bin + 1, 0), 0);
	ck_assert_int_eq(ig_zip_write(z, bin + 1, 500), 0);
	ck_assert_int_eq(ig_zip_write(z, bin + 501, sizeof(bin) - 501), 0);
	ck_assert_int_eq(ig_zip_end_entry(z), 0);
	ck_assert_int_eq(ig_zip_begin_entry(z, utf8_name, 1705746600), 0);
	ck_assert_int_eq(ig_zip_write(z, "hello\n", 6), 0);
	ck_assert_int_eq(ig_zip_end_entry(z), 0);
	ck_assert_int_eq(ig_zip_finish(z), 0);
	ck_assert_uint_eq(ig_zip_bytes(z), out.len);
	ig_zip_free(z);

	/* The end record: 3 entries, and a directory offset inside the file. */
	ck_assert_uint_ge(out.len, 22);
	ck_assert_uint_eq(rd32((unsigned char *)out.data + out.len - 22), 0x06054b50u);
	ck_assert_uint_eq(rd16((unsigned char *)out.data + out.len - 12), 3);
	ck_assert_uint_lt(rd32((unsigned char *)out.data + out.len - 6), out.len);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(zpath, sizeof(zpath), "%s/a.zip", dir);
	snprintf(outpath, sizeof(outpath), "%s/report", dir);
	write_file(zpath, out.data, out.len);
	snprintf(script, sizeof(script), "python3 -m zipfile -t %s >/dev/null", zpath);
	ck_assert_msg(system(script) == 0, "python3 -m zipfile -t refused the archive");
	snprintf(script, sizeof(script),
	    "PYTHONUTF8=1 PYTHONIOENCODING=utf-8 python3 -c 'import sys, zipfile, hashlib\n"
	    "z = zipfile.ZipFile(sys.argv[1])\n"
	    "for i in z.infolist():\n"
	    "    d = z.read(i)\n"
	    "    print(i.filename, len(d), hashlib.sha256(d).hexdigest()[:16], i.date_time, i.flag_bits & 0x808, i.compress_type)\n"
	    "' %s > %s", zpath, outpath);
	rc = system(script);
	ck_assert_int_eq(rc, 0);
	report = read_file(outpath);
	{
		char expect[512];
		/* The binary entry's bytes are compared after extraction below. */
		ck_assert_msg(strstr(report, "empty.bin 0 e3b0c44298fc1c14 (2024, 1, 20, 10, 30, 0) 2056 0\n") == report,
		    "unexpected report: %s", report);
		ck_assert_msg(strstr(report, "dir/binary.png 1000 ") != NULL, "binary entry wrong: %s", report);
		snprintf(expect, sizeof(expect), "%s 6 5891b5b522d5df08 (2024, 1, 20, 10, 30, 0) 2056 0\n", utf8_name);
		ck_assert_msg(strstr(report, expect) != NULL, "UTF-8 entry wrong: %s", report);
	}
	free(report);

	/* The binary entry extracts byte for byte. */
	snprintf(script, sizeof(script), "cd %s && PYTHONUTF8=1 python3 -m zipfile -e a.zip x", dir);
	ck_assert_int_eq(system(script), 0);
	snprintf(outpath, sizeof(outpath), "%s/x/dir/binary.png", dir);
	{
		FILE *f = fopen(outpath, "rb");
		unsigned char back[1100];
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fread(back, 1, sizeof(back), f), sizeof(bin));
		fclose(f);
		ck_assert_int_eq(memcmp(back, bin, sizeof(bin)), 0);
	}
	snprintf(script, sizeof(script), "rm -rf %s", dir);
	ck_assert_int_eq(system(script), 0);
	ig_buf_free(&out);
}
END_TEST

/* An empty batch downloads as a ZIP with no entry but the manifest; an
 * archive with no entry at all must still be a valid (22-byte) ZIP. */
START_TEST(empty_archive_is_valid)
{
	ig_buf out = { 0 };
	ig_zip *z = ig_zip_new(to_buf, &out);

	ck_assert_int_eq(ig_zip_finish(z), 0);
	ig_zip_free(z);
	ck_assert_uint_eq(out.len, 22);
	ck_assert_uint_eq(rd32((unsigned char *)out.data), 0x06054b50u);
	ig_buf_free(&out);
}
END_TEST

/* Zip slip: a stored file name like "../../etc/cron.d/x" must never become
 * an entry name that an extractor writes outside its directory. */
START_TEST(unsafe_names_are_refused)
{
	static const char *const bad[] = {
		"", "/etc/passwd", "../x", "a/../../x", "a/..", "a\\b", "a//b", "tab\there",
		"\xc3\x28", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", NULL,
	};
	ig_zip *z = ig_zip_new(discard, NULL);

	for (int i = 0; bad[i]; i++)
		ck_assert_msg(ig_zip_begin_entry(z, bad[i], 0) == IG_ZIP_ENAME, "accepted name %d", i);
	/* A refused name leaves the writer usable. */
	ck_assert_int_eq(ig_zip_begin_entry(z, "ok..name/..x", 0), 0);
	ck_assert_int_eq(ig_zip_end_entry(z), 0);
	ck_assert_int_eq(ig_zip_finish(z), 0);
	ig_zip_free(z);
}
END_TEST

/* Calls out of order must fail rather than write a broken archive. */
START_TEST(calls_out_of_order_are_refused)
{
	ig_zip *z = ig_zip_new(discard, NULL);

	ck_assert_int_eq(ig_zip_write(z, "x", 1), IG_ZIP_ESTATE);
	ck_assert_int_eq(ig_zip_end_entry(z), IG_ZIP_ESTATE);
	ck_assert_int_eq(ig_zip_begin_entry(z, "a", 0), 0);
	ck_assert_int_eq(ig_zip_begin_entry(z, "b", 0), IG_ZIP_ESTATE);
	ck_assert_int_eq(ig_zip_finish(z), IG_ZIP_ESTATE);
	ig_zip_free(z);
}
END_TEST

/* A client that hangs up mid-download: the first failed write stops the
 * writer, and it never calls the sink again (the handler stops reading
 * files instead of writing into a dead connection). */
START_TEST(sink_failure_is_sticky)
{
	size_t left = 100;
	ig_zip *z = ig_zip_new(fail_after, &left);
	char chunk[64] = { 0 };
	int rc = 0;

	ck_assert_int_eq(ig_zip_begin_entry(z, "a.png", 0), 0);
	for (int i = 0; i < 10 && rc == 0; i++)
		rc = ig_zip_write(z, chunk, sizeof(chunk));
	ck_assert_int_eq(rc, IG_ZIP_EIO);
	left = 1 << 20;
	ck_assert_int_eq(ig_zip_write(z, chunk, 1), IG_ZIP_EIO);
	ck_assert_int_eq(ig_zip_end_entry(z), IG_ZIP_EIO);
	ck_assert_int_eq(ig_zip_finish(z), IG_ZIP_EIO);
	ck_assert_uint_eq(left, 1 << 20);
	ig_zip_free(z);
}
END_TEST

/* Without ZIP64 the 16-bit entry count wraps after 65535: the 65536th
 * entry must be refused, not silently written into an archive whose end
 * record lies. */
START_TEST(entry_limit_without_zip64)
{
	ig_zip *z = ig_zip_new(discard, NULL);

	for (unsigned i = 0; i < 65535; i++) {
		ck_assert_int_eq(ig_zip_begin_entry(z, "e", 0), 0);
		ck_assert_int_eq(ig_zip_end_entry(z), 0);
	}
	ck_assert_int_eq(ig_zip_begin_entry(z, "e", 0), IG_ZIP_ELIMIT);
	ck_assert_int_eq(ig_zip_finish(z), IG_ZIP_ELIMIT);
	ig_zip_free(z);
}
END_TEST

/* Without ZIP64 a size or offset of 4 GiB does not fit: the write that
 * would reach it is refused before the sink sees it (checked with a sink
 * that discards, so no 4 GiB is held). */
START_TEST(size_limit_without_zip64)
{
	ig_zip *z = ig_zip_new(discard, NULL);
	size_t chunk = 64u << 20;
	char *buf = ig_xcalloc(1, chunk);
	int rc = 0;
	uint64_t before;

	ck_assert_int_eq(ig_zip_begin_entry(z, "big", 0), 0);
	while (rc == 0) {
		before = ig_zip_bytes(z);
		rc = ig_zip_write(z, buf, chunk);
	}
	ck_assert_int_eq(rc, IG_ZIP_ELIMIT);
	ck_assert_uint_eq(ig_zip_bytes(z), before);
	ck_assert_uint_le(before, 0xFFFFFFFEull);
	ck_assert_int_eq(ig_zip_end_entry(z), IG_ZIP_ELIMIT);
	free(buf);
	ig_zip_free(z);
}
END_TEST

static Suite *
zip_suite(void)
{
	Suite *s = suite_create("zip");
	TCase *tc = tcase_create("writer");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, crc32_check_value);
	tcase_add_test(tc, three_entries_round_trip_through_python);
	tcase_add_test(tc, empty_archive_is_valid);
	tcase_add_test(tc, unsafe_names_are_refused);
	tcase_add_test(tc, calls_out_of_order_are_refused);
	tcase_add_test(tc, sink_failure_is_sticky);
	tcase_add_test(tc, entry_limit_without_zip64);
	tcase_add_test(tc, size_limit_without_zip64);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(zip_suite)
