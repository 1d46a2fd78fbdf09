/*
 * ut.h — what every unit suite (tests/unit/test_*.c) shares: its main().
 *
 * A suite builds its Suite in a function (its TCases, fixtures, timeouts
 * and tests, with Check's own calls) and ends with UT_MAIN(that_function);
 * running it and turning the failures into the exit status is written
 * once, here.
 */
#ifndef IG_TESTS_UT_H
#define IG_TESTS_UT_H

#include <stdlib.h>

#include <check.h>

/* Run every test of s (CK_NORMAL) and free it. EXIT_SUCCESS when none failed. */
static inline int
ut_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The suite's main(): UT_MAIN(function returning the suite). */
#define UT_MAIN(suite_fn_) \
	int main(void); \
	int main(void) { return ut_run(suite_fn_()); }

#endif
