/* test_jobs.c — lib/jobs pieces that need no database: provider settings,
 * the download host allow-list, and the image store's file writes. */
#include "ig_autoconf.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/core/error.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"
#include "lib/providers/adapter.h"
#include "lib/jobs/store.h"
#include "tests/unit/ut.h"

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

static int
addr_ok(const char *url, const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&ss;
	const char *why = NULL;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1)
		v4->sin_family = AF_INET;
	else {
		ck_assert(inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1);
		v6->sin6_family = AF_INET6;
	}
	return ig_http_download_addr_ok(url, (struct sockaddr *)&ss, &why);
}

/* DNS rebinding and allow-listed names that resolve inward: a download may
 * connect to a public address, or to the very address its URL names (the
 * operator listed it), never to a loopback, private or link-local address
 * reached through a name. */
START_TEST(downloads_connect_to_public_addresses_or_the_named_one)
{
	ck_assert(addr_ok("https://replicate.delivery/x.png", "93.184.216.34"));
	ck_assert(!addr_ok("https://evil.replicate.delivery/x.png", "127.0.0.1"));
	ck_assert(!addr_ok("https://evil.replicate.delivery/x.png", "169.254.169.254"));
	ck_assert(!addr_ok("https://evil.replicate.delivery/x.png", "10.1.2.3"));
	ck_assert(!addr_ok("https://evil.replicate.delivery/x.png", "::ffff:192.168.1.1"));
	ck_assert(!addr_ok("http://localhost:4100/x.png", "127.0.0.1"));
	ck_assert(!addr_ok("http://localhost:4100/x.png", "::1"));
	ck_assert(addr_ok("http://127.0.0.1:4100/x.png", "127.0.0.1"));
	ck_assert(!addr_ok("http://127.0.0.1:4100/x.png", "127.0.0.2"));
	ck_assert(addr_ok("http://[::1]:4100/x.png", "::1"));
	ck_assert(addr_ok("http://192.168.1.5:7860/x.png", "192.168.1.5"));
}
END_TEST

/* A download's redirect is a new download of its target (checked again by
 * ig_http_apply), at most IG_DOWNLOAD_MAX_HOPS in a row; libcurl follows
 * none itself. */
START_TEST(download_redirects_are_followed_hop_by_hop)
{
	ig_call call;
	ig_http_req next;
	ig_http_resp resp;
	ig_err err;

	memset(&call, 0, sizeof(call));
	memset(&resp, 0, sizeof(resp));
	resp.status = 302;
	resp.location = "http://169.254.169.254/latest/meta-data/";
	for (int hop = 1; hop <= IG_DOWNLOAD_MAX_HOPS; hop++) {
		memset(&next, 0, sizeof(next));
		ck_assert_int_eq(ig_provider_download_error(&call, &resp, &next, &err), IG_STEP_NEXT);
		ck_assert_str_eq(next.url, resp.location);
		ck_assert(next.download);
		ck_assert_int_eq(next.hop, hop);
		ig_http_req_free(&next);
	}
	memset(&next, 0, sizeof(next));
	ck_assert_int_eq(ig_provider_download_error(&call, &resp, &next, &err), IG_STEP_FAIL);
	ck_assert_ptr_nonnull(strstr(err.message, "redirects"));
	resp.location = NULL;
	call.redirects = 0;
	ck_assert_int_eq(ig_provider_download_error(&call, &resp, &next, &err), IG_STEP_FAIL);
	ck_assert_ptr_nonnull(strstr(err.message, "Location"));
}
END_TEST

/* The allow-list check names the refused host, and whether it was a
 * redirect's target. */
START_TEST(a_refused_redirect_is_named)
{
	char err_s[256];
	const ig_pconf *pc;
	ig_http_req h;
	ig_err err;
	struct curl_slist *hdrs;
	curl_mime *mime;
	CURL *e = curl_easy_init();

	setenv("IG_OPENAI_BASE_URL", "http://127.0.0.1:4100/openai", 1);
	ck_assert_int_eq(ig_pconf_load(err_s, sizeof(err_s)), 0);
	pc = ig_pconf_get("openai");
	memset(&h, 0, sizeof(h));
	h.method = "GET";
	h.url = "http://127.0.0.1:4100/openai/files/a.png";
	h.download = 1;
	ck_assert_int_eq(ig_http_apply(e, &h, pc, 1000, &hdrs, &mime, &err), 0);
	curl_slist_free_all(hdrs);
	h.url = "http://169.254.169.254/latest/meta-data/";
	h.hop = 1;
	ck_assert_int_eq(ig_http_apply(e, &h, pc, 1000, &hdrs, &mime, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "redirected (hop 1) to 169.254.169.254"));
	curl_easy_cleanup(e);
	unsetenv("IG_OPENAI_BASE_URL");
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

/* Entries of dir other than . and .., names into list (may be NULL). */
static int
dir_entries(const char *dir, char list[][64], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (list != NULL && n < max)
			snprintf(list[n], 64, "%.63s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* A full image directory (scripts/chaos disk-full) answered 503
 * "unavailable", as if the store were down, instead of saying what is
 * wrong: full is 507 insufficient_storage, with its own wire name. */
START_TEST(a_full_file_system_is_insufficient_storage)
{
	ig_err err;

	ck_assert_int_eq(ig_store_write_error(&err, ENOSPC), -1);
	ck_assert_int_eq(err.code, IG_E_INSUFFICIENT_STORAGE);
	ck_assert_int_eq(ig_err_status(err.code), 507);
	ck_assert_str_eq(ig_err_name(err.code), "insufficient_storage");
	ck_assert_int_eq(ig_err_from_name("insufficient_storage"), IG_E_INSUFFICIENT_STORAGE);
	ck_assert(strstr(err.message, "full") != NULL);
	ig_store_write_error(&err, EDQUOT);
	ck_assert_int_eq(err.code, IG_E_INSUFFICIENT_STORAGE);
	ig_store_write_error(&err, EACCES);
	ck_assert_int_eq(err.code, IG_E_UNAVAILABLE);
	ck_assert_int_eq(ig_err_status(err.code), 503);
}
END_TEST

/* A write that runs out of room half-way must leave nothing in the image
 * directory (nginx serves it): no partial image under its name, and no
 * temporary file either. RLIMIT_FSIZE makes the write fail with EFBIG
 * half-way, as ENOSPC would, without a small file system to fill. */
START_TEST(a_failed_write_leaves_no_file)
{
	char dir[] = "/tmp/ig-test-store.XXXXXX", names[4][64], path[512];
	static unsigned char data[65536];
	struct rlimit old, small = { 16384, 16384 };
	struct stat st;
	int rc, e;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(data, 0xab, sizeof(data));
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	small.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = ig_store_write_atomic(dir, "big.png", data, sizeof(data));
	e = errno;
	setrlimit(RLIMIT_FSIZE, &old);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e, EFBIG);
	ck_assert_int_eq(dir_entries(dir, NULL, 0), 0);
	/* With room, the whole file appears under its name, and only it. */
	ck_assert_int_eq(ig_store_write_atomic(dir, "big.png", data, sizeof(data)), 0);
	ck_assert_int_eq(dir_entries(dir, names, 4), 1);
	ck_assert_str_eq(names[0], "big.png");
	snprintf(path, sizeof(path), "%s/big.png", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(data));
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("pconf");

	tcase_add_test(tc, download_hosts_default_to_api_and_delivery_hosts);
	tcase_add_test(tc, download_hosts_from_the_environment_include_the_port);
	tcase_add_test(tc, bad_provider_settings_name_the_variable);
	suite_add_tcase(s, tc);
	tc = tcase_create("downloads");
	tcase_add_test(tc, downloads_connect_to_public_addresses_or_the_named_one);
	tcase_add_test(tc, download_redirects_are_followed_hop_by_hop);
	tcase_add_test(tc, a_refused_redirect_is_named);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_test(tc, a_full_file_system_is_insufficient_storage);
	tcase_add_test(tc, a_failed_write_leaves_no_file);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
