/* test_jobs.c — lib/jobs pieces that need no database: provider settings
 * and the download host allow-list. */
#include "ig_autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jobs/pconf.h"

/* Output URLs are fetched only from allowed hosts: a provider that hands
 * back http://127.0.0.1/… or a look-alike domain must not make the runner
 * fetch it (SSRF through a hostile or compromised provider). */
START_TEST(download_hosts_default_to_api_and_delivery_hosts)
{
	char err[256];
	const ig_pconf *r;

	unsetenv("IG_REPLICATE_BASE_URL");
	unsetenv("IG_REPLICATE_DOWNLOAD_HOSTS");
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), 0);
	r = ig_pconf_get("replicate");
	ck_assert_ptr_nonnull(r);
	ck_assert(ig_pconf_download_allowed(r, "https://replicate.delivery/a.png"));
	ck_assert(ig_pconf_download_allowed(r, "https://pbxt.replicate.delivery/x/out-0.png"));
	ck_assert(ig_pconf_download_allowed(r, "https://api.replicate.com/v1/files/1"));
	ck_assert(!ig_pconf_download_allowed(r, "https://evilreplicate.delivery/a.png"));
	ck_assert(!ig_pconf_download_allowed(r, "http://127.0.0.1/a.png"));
	ck_assert(!ig_pconf_download_allowed(r, "http://169.254.169.254/latest/meta-data"));
	ck_assert(!ig_pconf_download_allowed(r, "not a url"));
}
END_TEST

START_TEST(download_hosts_from_the_environment_include_the_port)
{
	char err[256];
	const ig_pconf *r;

	setenv("IG_REPLICATE_BASE_URL", "http://127.0.0.1:4100/replicate/", 1);
	setenv("IG_REPLICATE_DOWNLOAD_HOSTS", "127.0.0.1:4100", 1);
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), 0);
	r = ig_pconf_get("replicate");
	/* The trailing slash of a base URL is dropped. */
	ck_assert_str_eq(r->base_url, "http://127.0.0.1:4100/replicate");
	ck_assert(ig_pconf_download_allowed(r, "http://127.0.0.1:4100/replicate/delivery/x.png"));
	ck_assert(!ig_pconf_download_allowed(r, "http://127.0.0.1:5432/x"));
	ck_assert(!ig_pconf_download_allowed(r, "http://127.0.0.1/x"));
	unsetenv("IG_REPLICATE_BASE_URL");
	unsetenv("IG_REPLICATE_DOWNLOAD_HOSTS");
}
END_TEST

/* A bad value stops the program naming the variable. */
START_TEST(bad_provider_settings_name_the_variable)
{
	char err[256];

	setenv("IG_OPENAI_BASE_URL", "file:///etc/passwd", 1);
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), -1);
	ck_assert(strncmp(err, "IG_OPENAI_BASE_URL", 18) == 0);
	unsetenv("IG_OPENAI_BASE_URL");
	setenv("IG_GEMINI_CONCURRENCY", "0", 1);
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), -1);
	ck_assert(strncmp(err, "IG_GEMINI_CONCURRENCY", 21) == 0);
	unsetenv("IG_GEMINI_CONCURRENCY");
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), 0);
	ck_assert_int_eq(ig_pconf_get("gemini")->concurrency, 4);
	ck_assert_ptr_null(ig_pconf_get("nope"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("pconf");
	int failed;

	tcase_add_test(tc, download_hosts_default_to_api_and_delivery_hosts);
	tcase_add_test(tc, download_hosts_from_the_environment_include_the_port);
	tcase_add_test(tc, bad_provider_settings_name_the_variable);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
