/* test_migrate.c — migration file discovery and ordering. (Applying them
 * against a real PostgreSQL is covered by the integration stack, which
 * migrates twice and concurrently.) */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/db/migrate.h"
#include "tests/unit/ut.h"

static char dir[64];

static void
touch(const char *name)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SELECT 1;\n", f);
	fclose(f);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ig-migrate-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* readdir order is arbitrary: 010 must run after 002 however the
 * directory lists them, and stray files must be ignored, not run. */
START_TEST(lists_in_numeric_order_ignoring_strays)
{
	ig_migration *m;
	ig_err err;
	int n;

	touch("010_later.sql");
	touch("002_second.sql");
	touch("001_first.sql");
	touch("README.md");
	touch("003_Bad-Name.sql");
	touch("004_backup.sql~");
	n = ig_migrations_list(dir, &m, &err);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(m[0].name, "001_first.sql");
	ck_assert_str_eq(m[1].name, "002_second.sql");
	ck_assert_str_eq(m[2].name, "010_later.sql");
	ck_assert_int_eq(m[2].version, 10);
	ig_migrations_free(m, n);
}
END_TEST

/* Two files with one number would apply in an arbitrary order. */
START_TEST(duplicate_numbers_are_an_error)
{
	ig_migration *m;
	ig_err err;

	touch("001_a.sql");
	touch("001_b.sql");
	ck_assert_int_eq(ig_migrations_list(dir, &m, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "001"));
}
END_TEST

START_TEST(missing_directory_is_an_error)
{
	ig_migration *m;
	ig_err err;

	ck_assert_int_eq(ig_migrations_list("/nonexistent/migrations", &m, &err), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("migrate");
	TCase *tc = tcase_create("list");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lists_in_numeric_order_ignoring_strays);
	tcase_add_test(tc, duplicate_numbers_are_an_error);
	tcase_add_test(tc, missing_directory_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
