/* test_webhook.c — lib/jobs/webhook without a database or a network: the
 * address rule a callback URL must pass, the URL checks, the Standard
 * Webhooks signature and the retry back-off. Literal IP addresses only, so
 * getaddrinfo needs no DNS. */
#include "ig_autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/config.h"
#include "lib/jobs/webhook.h"
#include "tests/unit/ut.h"

/* A callback URL is fetched by the server on the user's behalf: each of
 * these would let a user make the runner POST into our own network (SSRF:
 * the cloud metadata service, the database host, an admin port on
 * loopback, a neighbour in the VPC). */
static const char *const refused_urls[] = {
	"http://127.0.0.1/hook",
	"http://127.1.2.3:8080/hook",
	"http://[::1]/hook",
	"http://10.0.0.5/hook",
	"http://172.16.0.1/hook",
	"http://172.31.255.255/hook",
	"http://192.168.1.1/hook",
	"http://[fc00::1]/hook",
	"http://[fd12:3456::1]/hook",
	"http://169.254.1.1/hook",
	"http://[fe80::1]/hook",
	"http://100.64.0.1/hook",
	"http://100.127.255.254/hook",
	"http://0.0.0.0/hook",
	"http://[::]/hook",
	"http://224.0.0.1/hook",
	"http://[ff02::1]/hook",
	"http://255.255.255.255/hook",
	"http://169.254.169.254/latest/meta-data/",
	"http://[fd00:ec2::254]/latest/meta-data/",
	/* IPv4 inside IPv6: the same hosts by another name. */
	"http://[::ffff:127.0.0.1]/hook",
	"http://[::ffff:169.254.169.254]/hook",
	"http://[64:ff9b::10.0.0.1]/hook",
	"http://[2002:c0a8:0101::1]/hook",
	/* Other spellings of loopback that inet_aton accepts. */
	"http://2130706433/hook",
	"http://0x7f000001/hook",
	"http://127.1/hook",
	NULL,
};

static const char *const allowed_urls[] = {
	"http://93.184.216.34/hook",
	"https://93.184.216.34:8443/a/b?c=d",
	"https://8.8.8.8/hook",
	"http://172.32.0.1/hook",        /* just past 172.16/12 */
	"http://100.128.0.1/hook",       /* just past 100.64/10 */
	"http://[2606:4700:4700::1111]/hook",
	NULL,
};

START_TEST(private_loopback_link_local_and_metadata_targets_are_refused)
{
	const char *url = refused_urls[_i];
	ig_webhook_target t;
	ig_err err = { 0 };

	ck_assert_msg(ig_webhook_resolve(url, NULL, &t, &err) == -1, "%s was allowed", url);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_str_eq(err.field, "callback_url");
	ck_assert_msg(strstr(err.message, "may not reach") != NULL, "%s: %s", url, err.message);
}
END_TEST

START_TEST(the_refusal_names_the_range)
{
	ig_webhook_target t;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_webhook_resolve("http://169.254.169.254/", NULL, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "metadata"));
	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.1/", NULL, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "loopback"));
	ck_assert_int_eq(ig_webhook_resolve("http://10.1.1.1/", NULL, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "private"));
	ck_assert_int_eq(ig_webhook_resolve("http://100.64.1.1/", NULL, &t, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "CGNAT"));
}
END_TEST

START_TEST(public_addresses_are_allowed_and_pinned)
{
	const char *url = allowed_urls[_i];
	ig_webhook_target t;
	ig_err err = { 0 };

	ck_assert_msg(ig_webhook_resolve(url, NULL, &t, &err) == 0, "%s: %s", url, err.message);
	ck_assert(t.addr[0] != '\0');
	ck_assert(t.port == 80 || t.port == 443 || t.port == 8443);
}
END_TEST

START_TEST(the_pinned_address_is_the_checked_one)
{
	ig_webhook_target t;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_webhook_resolve("https://93.184.216.34:8443/x", NULL, &t, &err), 0);
	ck_assert_str_eq(t.host, "93.184.216.34");
	ck_assert_str_eq(t.addr, "93.184.216.34");
	ck_assert_int_eq(t.port, 8443);
	ck_assert_int_eq(ig_webhook_resolve("http://[2606:4700:4700::1111]/", NULL, &t, &err), 0);
	ck_assert_str_eq(t.host, "2606:4700:4700::1111");
	ck_assert_int_eq(t.port, 80);
}
END_TEST

/* The tests' own receiver listens on loopback: IG_WEBHOOK_ALLOW_HOSTS
 * lets exactly the listed host (or host:port) through, nothing near it. */
START_TEST(the_allow_list_exempts_exactly_its_entries)
{
	ig_webhook_target t;
	ig_err err = { 0 };

	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.1:8099/hook", "127.0.0.1:8099", &t, &err), 0);
	ck_assert_str_eq(t.addr, "127.0.0.1");
	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.1:8099/hook", " a.test , 127.0.0.1:8099 ", &t, &err), 0);
	ck_assert_int_eq(ig_webhook_resolve("http://10.0.0.7/hook", "10.0.0.7", &t, &err), 0);
	ck_assert_int_eq(ig_webhook_resolve("http://[::1]:9000/hook", "[::1]:9000", &t, &err), 0);
	/* Another port of a host:port entry, another host, a prefix. */
	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.1:8100/hook", "127.0.0.1:8099", &t, &err), -1);
	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.2:8099/hook", "127.0.0.1:8099", &t, &err), -1);
	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.1/hook", "127.0.0.1:80x", &t, &err), -1);
	ck_assert_int_eq(ig_webhook_resolve("http://127.0.0.1/hook", "", &t, &err), -1);
}
END_TEST

START_TEST(check_url_reads_the_allow_list_setting)
{
	char msg[256];
	ig_err err = { 0 };

	setenv("IG_WEBHOOK_ALLOW_HOSTS", "127.0.0.1:7001", 1);
	ck_assert_int_eq(ig_config_load(msg, sizeof(msg)), 0);
	ck_assert_int_eq(ig_webhook_check_url("http://127.0.0.1:7001/hook", &err), 0);
	ck_assert_int_eq(ig_webhook_check_url("http://127.0.0.1:7002/hook", &err), -1);
	unsetenv("IG_WEBHOOK_ALLOW_HOSTS");
	ck_assert_int_eq(ig_config_load(msg, sizeof(msg)), 0);
	ck_assert_int_eq(ig_webhook_check_url("http://127.0.0.1:7001/hook", &err), -1);
}
END_TEST

/* Credentials in the URL would be sent in an Authorization header we did
 * not mean to send, and file:, gopher: or dict: would reach what http
 * cannot; neither is a webhook. */
START_TEST(malformed_urls_userinfo_and_other_schemes_are_refused)
{
	static const char *const bad[] = {
		"", "hook", "/hook", "93.184.216.34/hook", "http://", "http:///hook",
		"ftp://93.184.216.34/", "file:///etc/passwd", "gopher://93.184.216.34/",
		"http://user@93.184.216.34/hook", "http://user:pass@93.184.216.34/hook",
		"https://:pass@93.184.216.34/hook", "http://93.184.216.34:0/hook",
		"http://93.184.216.34:99999/hook", "http://[fe80::1%25eth0]/hook",
		"http://no-such-host.invalid/hook", NULL,
	};
	ig_webhook_target t;

	for (int i = 0; bad[i] != NULL; i++) {
		ig_err err = { 0 };
		ck_assert_msg(ig_webhook_resolve(bad[i], "no-such-host.invalid", &t, &err) == -1,
		    "%s was allowed", bad[i]);
		ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
		ck_assert_str_eq(err.field, "callback_url");
	}
	ck_assert_int_eq(ig_webhook_resolve(NULL, NULL, &t, &(ig_err){ 0 }), -1);
}
END_TEST

/* The example of the Standard Webhooks README (and its reference
 * libraries), checked independently with python3's hmac module:
 * base64(HMAC-SHA256(b64decode(secret), "id.timestamp.body")). A receiver
 * using any of those libraries must accept what we send. */
START_TEST(signature_matches_the_standard_webhooks_example)
{
	char sig[64];
	const char *body = "{\"test\": 2432232314}";

	ck_assert_int_eq(ig_webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig), 0);
	ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* Any change of id, time or body changes it. */
	ck_assert_int_eq(ig_webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, strlen(body), sig), 0);
	ck_assert_str_ne(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}
END_TEST

START_TEST(malformed_secrets_do_not_sign)
{
	char sig[64];

	ck_assert_int_eq(ig_webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a", 1, "{}", 2, sig), -1);
	ck_assert_int_eq(ig_webhook_sign("whsec_", "a", 1, "{}", 2, sig), -1);
	ck_assert_int_eq(ig_webhook_sign("whsec_!!!!", "a", 1, "{}", 2, sig), -1);
}
END_TEST

START_TEST(backoff_grows_with_jitter_and_is_capped)
{
	static const long base_s[] = { 5, 30, 120, 600, 3600, 7200, 14400, 28800, 43200, 43200 };

	for (int n = 1; n <= 10; n++) {
		for (int k = 0; k < 50; k++) {
			long d = ig_webhook_backoff_ms(n);
			ck_assert_msg(d >= base_s[n - 1] * 800 && d <= base_s[n - 1] * 1200,
			    "attempt %d: %ld ms", n, d);
		}
	}
	ck_assert(ig_webhook_backoff_ms(100) <= 43200L * 1200);
}
END_TEST

static Suite *
webhook_suite(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("core");
	int nrefused = 0, nallowed = 0;

	while (refused_urls[nrefused] != NULL)
		nrefused++;
	while (allowed_urls[nallowed] != NULL)
		nallowed++;
	tcase_add_loop_test(tc, private_loopback_link_local_and_metadata_targets_are_refused, 0, nrefused);
	tcase_add_test(tc, the_refusal_names_the_range);
	tcase_add_loop_test(tc, public_addresses_are_allowed_and_pinned, 0, nallowed);
	tcase_add_test(tc, the_pinned_address_is_the_checked_one);
	tcase_add_test(tc, the_allow_list_exempts_exactly_its_entries);
	tcase_add_test(tc, check_url_reads_the_allow_list_setting);
	tcase_add_test(tc, malformed_urls_userinfo_and_other_schemes_are_refused);
	tcase_add_test(tc, signature_matches_the_standard_webhooks_example);
	tcase_add_test(tc, malformed_secrets_do_not_sign);
	tcase_add_test(tc, backoff_grows_with_jitter_and_is_capped);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(webhook_suite)
