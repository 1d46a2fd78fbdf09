/*
 * test_storage_names.c — the Content-Disposition of a stored file's name
 * (app/api/storage.c ig_storage_disposition, RFC 6266 / RFC 8187): what
 * the integration suite cannot send (control characters never pass the
 * multipart reader) and the edge cases.
 */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "app/api/storage.h"
#include "tests/unit/ut.h"

static void
expect(const char *name, const char *want)
{
	char *got = ig_storage_disposition(name);

	ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", name, got, want);
	ck_assert(strchr(got, '\r') == NULL && strchr(got, '\n') == NULL);
	free(got);
}

START_TEST(names)
{
	expect("plain.txt", "attachment; filename=\"plain.txt\"");
	expect("a\r\nX-Evil: 1", "attachment; filename=\"a__X-Evil: 1\"; filename*=UTF-8''a__X-Evil%3A%201");
	expect("tab\there\x7f", "attachment; filename=\"tab_here_\"; filename*=UTF-8''tab_here_");
	expect("", "attachment; filename=\"download\"");
	expect("/", "attachment; filename=\"_\"; filename*=UTF-8''_");
	expect(".hidden", "attachment; filename=\"_hidden\"; filename*=UTF-8''_hidden");
	expect("q\"uote\\s", "attachment; filename=\"q_uote_s\"; filename*=UTF-8''q%22uote_s");
	/* Invalid UTF-8 bytes are replaced, not passed on. */
	expect("x\xff\xfey", "attachment; filename=\"x__y\"; filename*=UTF-8''x__y");
	/* A C1 control character (U+0085, NEL). */
	expect("n\xc2\x85l", "attachment; filename=\"n_l\"; filename*=UTF-8''n_l");
	expect("\xe6\x97\xa5\xe6\x9c\xac.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("storage_names");
	TCase *tc = tcase_create("disposition");

	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
