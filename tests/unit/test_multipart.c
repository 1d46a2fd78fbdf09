/*
 * test_multipart.c — lib/core/multipart: the multipart/form-data reader every
 * upload route parses untrusted bodies with. Each test names the fault or
 * attack it guards: a body that lies about its structure must be refused
 * with a 400 naming the field, never read past its end or half-accepted.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/error.h"
#include "lib/core/multipart.h"
#include "tests/unit/ut.h"

#define CT "multipart/form-data; boundary=XyZ"

static const char *const file_single[] = { "file", NULL };

static int
parse(const char *ct, const char *body, ig_multipart *mp, ig_err *err)
{
	memset(err, 0, sizeof(*err));
	return ig_multipart_parse(ct, (const unsigned char *)body, strlen(body), file_single,
	    "file", mp, err);
}

/* The refusal is a 400 naming field, with a message holding word. */
static void
expect_refused(const char *ct, const char *body, const char *field, const char *word)
{
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(parse(ct, body, &mp, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_int_eq(ig_err_status(err.code), 400);
	ck_assert_str_eq(err.field, field);
	if (strstr(err.message, word) == NULL)
		ck_abort_msg("message \"%s\" lacks \"%s\"", err.message, word);
}

START_TEST(parses_a_browser_style_body_into_views)
{
	/* What a browser sends: preamble-free, a text field then a file with
	 * binary bytes (CR, LF, NUL) inside. */
	static const unsigned char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
	    "Sunset\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
	    "Content-Type: image/png\r\n\r\n"
	    "\x89PNG\r\n\x1a\n\0\r\n-XyZ\r\n"
	    "--XyZ--\r\n";
	ig_multipart mp;
	ig_err err;
	const ig_mp_part *f;

	ck_assert_int_eq(ig_multipart_parse(CT, body, sizeof(body) - 1, file_single, "file", &mp,
	    &err), 0);
	ck_assert_uint_eq(mp.nparts, 2);
	ck_assert_str_eq(mp.parts[0].name, "title");
	ck_assert_int_eq(mp.parts[0].has_filename, 0);
	ck_assert_uint_eq(mp.parts[0].len, 6);
	ck_assert(memcmp(mp.parts[0].data, "Sunset", 6) == 0);
	f = ig_multipart_get(&mp, "file");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->filename, "a.png");
	ck_assert_int_eq(f->has_filename, 1);
	ck_assert_str_eq(f->content_type, "image/png");
	ck_assert_uint_eq(f->len, 15);
	/* Zero-copy: the view points into the body. */
	ck_assert(f->data > body && f->data + f->len < body + sizeof(body));
	ck_assert(memcmp(f->data, "\x89PNG\r\n\x1a\n\0\r\n-XyZ", 15) == 0);
	ck_assert_ptr_null(ig_multipart_get(&mp, "tags"));
}
END_TEST

START_TEST(boundary_forms_of_the_content_type)
{
	char b[IG_MP_BOUNDARY_MAX + 1];
	char ct[160];
	ig_err err;

	ck_assert_int_eq(ig_multipart_boundary("multipart/form-data; boundary=abc", b, "file", &err), 0);
	ck_assert_str_eq(b, "abc");
	/* Case-insensitive type and parameter name, other parameters, a
	 * quoted boundary with a space and a colon. */
	ck_assert_int_eq(ig_multipart_boundary(
	    "Multipart/Form-Data ;charset=utf-8; BOUNDARY=\"a b:c\"", b, "file", &err), 0);
	ck_assert_str_eq(b, "a b:c");
	/* 70 characters is the most RFC 2046 allows; 71 is refused. */
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%070d", 7);
	ck_assert_int_eq(ig_multipart_boundary(ct, b, "file", &err), 0);
	ck_assert_uint_eq(strlen(b), 70);
	snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%071d", 7);
	ck_assert_int_eq(ig_multipart_boundary(ct, b, "file", &err), -1);
	ck_assert_str_eq(err.field, "file");
}
END_TEST

/* Issue 12: "no boundary: 400 naming file". */
START_TEST(refuses_a_missing_or_bad_boundary_naming_file)
{
	expect_refused("multipart/form-data", "--XyZ--\r\n", "file", "no boundary");
	expect_refused("multipart/form-data; charset=utf-8", "--XyZ--\r\n", "file", "no boundary");
	expect_refused("multipart/form-data; boundary=", "--XyZ--\r\n", "file", "malformed");
	expect_refused("multipart/form-data; boundary=\"\"", "--XyZ--\r\n", "file", "1-70");
	expect_refused("multipart/form-data; boundary=\"ab \"", "--ab --\r\n", "file", "1-70");
	expect_refused("multipart/form-data; boundary=\"a;b\"", "--a;b--\r\n", "file", "RFC 2046");
	expect_refused("multipart/form-data; boundary=a; boundary=b", "--a--\r\n", "file", "two");
	expect_refused("application/json", "{}", "file", "multipart/form-data");
	expect_refused(NULL, "--XyZ--\r\n", "file", "multipart/form-data");
	/* "multipart/form-dataX" is another type, not ours. */
	expect_refused("multipart/form-dataX; boundary=XyZ", "--XyZ--\r\n", "file", "multipart");
}
END_TEST

/* A cut-off upload must not be stored as if it were whole. */
START_TEST(refuses_a_body_without_its_closing_delimiter)
{
	static const char *const cuts[] = {
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ",
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ\r\n",
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--XyZ-",
		"--XyZ\r\nContent-Disposition: form-data; na",
		"--XyZ",
		"--XyZ\r",
	};

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		expect_refused(CT, cuts[i], "file", "truncated");
	expect_refused(CT, "", "file", "no delimiter");
	expect_refused(CT, "just some bytes", "file", "no delimiter");
}
END_TEST

START_TEST(refuses_a_part_without_a_name)
{
	expect_refused(CT, "--XyZ\r\nContent-Type: image/png\r\n\r\nabc\r\n--XyZ--", "file", "no name");
	expect_refused(CT, "--XyZ\r\n\r\nabc\r\n--XyZ--", "file", "no name");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; filename=\"a.png\"\r\n\r\n"
	    "abc\r\n--XyZ--", "file", "no name");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n"
	    "abc\r\n--XyZ--", "file", "name must be");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\n"
	    "abc\r\n--XyZ--", "file", "form-data");
}
END_TEST

/* A part's refusal names it by number, in both forms of the message. */
START_TEST(part_errors_name_the_part_by_number)
{
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(parse(CT, "--XyZ\r\n\r\nabc\r\n--XyZ--", &mp, &err), -1);
	ck_assert_str_eq(err.message, "multipart part 1 has no name (no headers)");
	ck_assert_int_eq(parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n"
	    "--XyZ\r\nContent-Disposition: attachment; name=\"file\"\r\n\r\nB\r\n--XyZ--", &mp, &err), -1);
	ck_assert_str_eq(err.message, "multipart part 2: Content-Disposition must be form-data");
}
END_TEST

/* Issue 12: "two file parts: 400 naming file"; a repeated name the caller
 * did not declare single (tags, say) is kept, both parts in order. */
START_TEST(refuses_two_parts_of_a_single_name)
{
	static const char two_files[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nA\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.png\"\r\n\r\nB\r\n"
	    "--XyZ--\r\n";
	static const char two_tags[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nA\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nB\r\n"
	    "--XyZ--\r\n";
	ig_multipart mp;
	ig_err err;

	expect_refused(CT, two_files, "file", "one part");
	ck_assert_int_eq(parse(CT, two_tags, &mp, &err), 0);
	ck_assert_uint_eq(mp.nparts, 2);
	ck_assert(mp.parts[1].data[0] == 'B');
}
END_TEST

/* The boundary text inside data is data unless it starts a line as
 * CRLF "--" boundary; there it must be a real delimiter. */
START_TEST(boundary_inside_data_without_crlf_dashes_is_data)
{
	static const char body[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
	    "XyZ --XyZ\r\nXyZ\r\n-XyZ\n--XyZ\r--XyZ"
	    "\r\n--XyZ--";
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(parse(CT, body, &mp, &err), 0);
	ck_assert_uint_eq(mp.nparts, 1);
	ck_assert_uint_eq(mp.parts[0].len, strlen("XyZ --XyZ\r\nXyZ\r\n-XyZ\n--XyZ\r--XyZ"));
	/* A line starting with the boundary and more: the sender chose a
	 * boundary its data holds. */
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
	    "a\r\n--XyZabc\r\n--XyZ--", "file", "inside a part");
}
END_TEST

/* Line ends are CRLF only. A LF-only body is refused consistently: its
 * headers end in bare LF (refused), and it has no CRLF delimiter. */
START_TEST(lf_only_line_ends_are_refused)
{
	expect_refused(CT, "--XyZ\nContent-Disposition: form-data; name=\"file\"\n\nabc\n--XyZ--\n",
	    "file", "bare LF");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\n"
	    "Content-Type: image/png\r\n\r\nabc\r\n--XyZ--", "file", "CRLF");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
	    "abc\n--XyZ--\n", "file", "truncated");
}
END_TEST

/* Header names are case-insensitive; folded lines are unfolded. */
START_TEST(header_names_any_case_and_folded_lines)
{
	static const char body[] =
	    "--XyZ\r\n"
	    "CONTENT-disposition: form-data;\r\n"
	    "\tname=\"file\";\r\n"
	    "  filename=\"x.jpg\"\r\n"
	    "content-TYPE:   image/jpeg  \r\n"
	    "X-Other: ignored\r\n"
	    "Content-Transfer-Encoding: BINARY\r\n"
	    "\r\n"
	    "data\r\n--XyZ--";
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(parse(CT, body, &mp, &err), 0);
	ck_assert_str_eq(mp.parts[0].name, "file");
	ck_assert_str_eq(mp.parts[0].filename, "x.jpg");
	ck_assert_str_eq(mp.parts[0].content_type, "image/jpeg");
	/* A continuation line with nothing to continue, a header without a
	 * colon, one with a space in its name, a repeated disposition, an
	 * encoding the reader does not decode. */
	expect_refused(CT, "--XyZ\r\n Content-Disposition: form-data; name=\"file\"\r\n\r\n"
	    "a\r\n--XyZ--", "file", "malformed header");
	expect_refused(CT, "--XyZ\r\nContent-Disposition form-data\r\n\r\na\r\n--XyZ--", "file",
	    "malformed header");
	expect_refused(CT, "--XyZ\r\nContent Disposition: form-data; name=a\r\n\r\na\r\n--XyZ--",
	    "file", "malformed header");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	    "content-disposition: form-data; name=b\r\n\r\na\r\n--XyZ--", "file", "repeats");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nYQ==\r\n--XyZ--", "file", "binary");
}
END_TEST

/* RFC 8187 filename* (UTF-8 only) wins over filename; raw UTF-8 in a
 * quoted filename (what browsers send) is kept; bad UTF-8 is refused. */
START_TEST(filenames_plain_quoted_and_extended)
{
	static const char body[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fallback.png\"; "
	    "filename*=UTF-8''%E5%B1%B1%20%22x%22.png\r\n\r\nA\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=b; filename=\"\xe5\xa4\x95 \\\"q\\\".png\"\r\n\r\nB\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=c; filename=\"\"\r\n\r\nC\r\n"
	    "--XyZ--";
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(parse(CT, body, &mp, &err), 0);
	ck_assert_str_eq(mp.parts[0].filename, "\xe5\xb1\xb1 \"x\".png");
	ck_assert_str_eq(mp.parts[1].filename, "\xe5\xa4\x95 \"q\".png");
	ck_assert_int_eq(mp.parts[2].has_filename, 1);
	ck_assert_str_eq(mp.parts[2].filename, "");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; "
	    "filename*=ISO-8859-1''%E9.png\r\n\r\nA\r\n--XyZ--", "file", "filename");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; "
	    "filename*=UTF-8''%FF.png\r\n\r\nA\r\n--XyZ--", "file", "filename");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; "
	    "filename*=UTF-8''%0A.png\r\n\r\nA\r\n--XyZ--", "file", "filename");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; "
	    "filename*=UTF-8''%4.png\r\n\r\nA\r\n--XyZ--", "file", "filename");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; "
	    "filename=\"\xc0\xaf.png\"\r\n\r\nA\r\n--XyZ--", "file", "filename");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; filename=a; "
	    "filename=b\r\n\r\nA\r\n--XyZ--", "file", "repeats");
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=f; filename=\"a\r\n\r\n"
	    "A\r\n--XyZ--", "file", "malformed");
}
END_TEST

START_TEST(preamble_and_epilogue_are_ignored)
{
	static const char body[] =
	    "This is the preamble --XyZ not yet.\r\n"
	    "--XyZ  \t\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n"
	    "--XyZ-- \r\nthe epilogue\r\n--XyZ\r\nContent-Disposition: form-data; name=x\r\n\r\n";
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(parse(CT, body, &mp, &err), 0);
	ck_assert_uint_eq(mp.nparts, 1);
	ck_assert_uint_eq(mp.parts[0].len, 3);
	/* After the close delimiter: only padding, then CRLF or the end. */
	expect_refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nA\r\n--XyZ--junk",
	    "file", "epilogue");
}
END_TEST

/* A one-part body whose Content-Disposition parameters are params with %s
 * replaced by limit + 1 'x's is refused (message holding word); with limit
 * 'x's it is read, the value kept whole. */
static void
length_limit(const char *params, size_t limit, const char *word)
{
	char value[IG_MP_MAX_FILENAME + 2], disp[IG_MP_MAX_FILENAME + 64], body[1024];
	ig_multipart mp;
	ig_err err;

	for (size_t n = limit + 1; n >= limit; n--) {
		memset(value, 'x', n);
		value[n] = '\0';
		snprintf(disp, sizeof(disp), params, value);
		snprintf(body, sizeof(body), "--XyZ\r\nContent-Disposition: form-data; %s\r\n\r\n"
		    "A\r\n--XyZ--", disp);
		if (n > limit) {
			expect_refused(CT, body, "file", word);
		} else {
			ck_assert_int_eq(parse(CT, body, &mp, &err), 0);
			ck_assert(strstr(mp.parts[0].name, value) != NULL ||
			    strcmp(mp.parts[0].filename, value) == 0);
		}
	}
}

/* Limits: a body of many tiny parts, a part with huge headers, an
 * over-long name or filename are refused, not allocated for. */
START_TEST(limits_on_parts_headers_and_names)
{
	char body[IG_MP_MAX_HEADER * 2 + 4096];
	size_t o = 0;
	ig_multipart mp;
	ig_err err;

	for (int i = 0; i < IG_MP_MAX_PARTS; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o,
		    "--XyZ\r\nContent-Disposition: form-data; name=p%d\r\n\r\nv\r\n", i);
	snprintf(body + o, sizeof(body) - o, "--XyZ--");
	ck_assert_int_eq(parse(CT, body, &mp, &err), 0);
	ck_assert_uint_eq(mp.nparts, IG_MP_MAX_PARTS);
	snprintf(body + o, sizeof(body) - o,
	    "--XyZ\r\nContent-Disposition: form-data; name=one_more\r\n\r\nv\r\n--XyZ--");
	expect_refused(CT, body, "file", "more than 16 parts");

	o = (size_t)snprintf(body, sizeof(body),
	    "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Pad: ");
	memset(body + o, 'p', IG_MP_MAX_HEADER);
	o += IG_MP_MAX_HEADER;
	snprintf(body + o, sizeof(body) - o, "\r\n\r\nA\r\n--XyZ--");
	expect_refused(CT, body, "file", "headers longer");

	length_limit("name=%s", IG_MP_MAX_NAME, "name must be");
	length_limit("name=a; filename=\"%s\"", IG_MP_MAX_FILENAME, "filename");
}
END_TEST

/* Every prefix of a valid body is refused (none reads past its end, which
 * the sanitizer build would catch): truncation at any byte is detected. */
START_TEST(every_prefix_of_a_body_is_refused)
{
	static const char body[] =
	    "pre\r\n--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\nhello\r\n"
	    "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a.png\r\n"
	    "Content-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--";
	size_t n = sizeof(body) - 1;
	ig_multipart mp;
	ig_err err;

	ck_assert_int_eq(ig_multipart_parse(CT, (const unsigned char *)body, n, file_single, "file",
	    &mp, &err), 0);
	for (size_t cut = 0; cut < n - 2; cut++) {
		unsigned char *copy = malloc(cut + 1);

		memcpy(copy, body, cut);
		ck_assert_int_eq(ig_multipart_parse(CT, copy, cut, file_single, "file", &mp, &err), -1);
		ck_assert_str_eq(err.field, "file");
		free(copy);
	}
}
END_TEST

static Suite *
multipart_suite(void)
{
	Suite *s = suite_create("multipart");
	TCase *t = tcase_create("parse");

	tcase_add_test(t, parses_a_browser_style_body_into_views);
	tcase_add_test(t, boundary_forms_of_the_content_type);
	tcase_add_test(t, refuses_a_missing_or_bad_boundary_naming_file);
	tcase_add_test(t, refuses_a_body_without_its_closing_delimiter);
	tcase_add_test(t, refuses_a_part_without_a_name);
	tcase_add_test(t, part_errors_name_the_part_by_number);
	tcase_add_test(t, refuses_two_parts_of_a_single_name);
	tcase_add_test(t, boundary_inside_data_without_crlf_dashes_is_data);
	tcase_add_test(t, lf_only_line_ends_are_refused);
	tcase_add_test(t, header_names_any_case_and_folded_lines);
	tcase_add_test(t, filenames_plain_quoted_and_extended);
	tcase_add_test(t, preamble_and_epilogue_are_ignored);
	tcase_add_test(t, limits_on_parts_headers_and_names);
	tcase_add_test(t, every_prefix_of_a_body_is_refused);
	suite_add_tcase(s, t);
	return s;
}

UT_MAIN(multipart_suite)
