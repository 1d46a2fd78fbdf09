/*
 * test_takeover.c — account takeover paths (issue 10, items 3 and 5),
 * driven through nginx against a live stack (tests/support/stack up DIR;
 * source DIR/env) with its SMTP sink and a runner (imagegen-worker), which
 * now sends the mail.
 *
 * Each test names the attack it stops:
 * - an ig_ API key made with a stolen session survived the victim's reset;
 * - a password change left sessions and keys alive, and nothing revoked
 *   everything at once;
 * - a stolen session switched the email silently (no password, no notice),
 *   and the reset mail then went to the thief's address;
 * - concurrent wrong logins all passed the failure check before any was
 *   counted, so a burst evaluated more guesses than IG_LOGIN_MAX_FAILURES;
 * - the reset mail was sent in the request thread: with SMTP down it was
 *   lost.
 *
 * Source addresses are 127.R.200.n (R per run), apart from test_accounts'.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

#define PASSWORD "integration test 1"   /* it_new_user's */
#define NEW_PASSWORD "a fresh passphrase 2"

static int run_id;

static const char *
ip(int n)
{
	static char ips[255][24];

	ck_assert(n > 0 && n < 255);
	snprintf(ips[n], sizeof(ips[n]), "127.%d.200.%d", run_id, n);
	return ips[n];
}

/* A fresh user: name, email (name@example.test), its first access token. */
typedef struct victim {
	char name[64];
	char email[96];
	char *access;
	const char *ip;
} victim;

static void
acct_new(victim *a, const char *source)
{
	a->access = it_new_user("tk", source, a->name);
	snprintf(a->email, sizeof(a->email), "%s@example.test", a->name);
	a->ip = source;
}

/* A new access token for a's name and password. */
static char *
acct_login(const victim *a, const char *password)
{
	it_resp r;
	json_object *o;
	char *tok;

	it_json(&r, a->ip, "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\":\"%s\",\"password\":\"%s\"}", a->name, password);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	tok = ig_xstrdup(it_jstr(o, "access_token", NULL));
	json_object_put(o);
	it_resp_free(&r);
	return tok;
}

/* A personal API key made with bearer (what a thief would make). */
static char *
make_api_key(const char *source, const char *bearer)
{
	it_resp r;
	json_object *o;
	char *key;

	it_json(&r, source, "POST", "/api/keys", bearer,
	    "{\"name\":\"kept\",\"scopes\":[\"read\",\"generate\"]}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	key = ig_xstrdup(it_jstr(o, "key", NULL));
	json_object_put(o);
	it_resp_free(&r);
	return key;
}

static long
status_of_me(const char *source, const char *bearer)
{
	return it_get_status(source, "/api/user", bearer);
}

/* revoked.sessions and revoked.api_keys of a response body. */
static void
revoked_of(const it_resp *r, int *sessions, int *keys)
{
	json_object *o = it_json_body(r);

	*sessions = atoi(it_jstr(o, "revoked", "sessions"));
	*keys = atoi(it_jstr(o, "revoked", "api_keys"));
	json_object_put(o);
}

/* r answered 200 with revoked {sessions, api_keys} as wanted, and every
 * credential of the NULL-terminated list is refused now. */
static void
expect_revoked(const it_resp *r, const char *source, int sessions, int keys, const char *const *creds)
{
	int s, k;

	IT_EXPECT(r, 200);
	for (int i = 0; creds[i] != NULL; i++)
		ck_assert_msg(status_of_me(source, creds[i]) == 401, "credential %d (%.3s…) still works",
		    i, creds[i]);
	revoked_of(r, &s, &k);
	ck_assert_int_eq(s, sessions);
	ck_assert_int_eq(k, keys);
}

/* r is an error of this status naming field. */
static void
expect_field(const it_resp *r, long status, const char *field)
{
	json_object *o;

	IT_EXPECT(r, status);
	o = it_json_body(r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), field);
	json_object_put(o);
}

/* PUT /api/user with change (JSON members) is refused without the current
 * password (400) and with a wrong one (403), both naming current_password. */
static void
refused_without_current_password(const victim *v, const char *change)
{
	it_resp r;

	it_json(&r, v->ip, "PUT", "/api/user", v->access, "{%s}", change);
	expect_field(&r, 400, "current_password");
	it_resp_free(&r);
	it_json(&r, v->ip, "PUT", "/api/user", v->access, "{%s,\"current_password\":\"not the password\"}",
	    change);
	expect_field(&r, 403, "current_password");
	it_resp_free(&r);
}

/* Ask for a reset of address; the mail that arrives for `to`, or NULL. */
static char *
request_reset(const char *source, const char *address, const char *to, long timeout_ms)
{
	it_resp r;
	long last = it_mail_last();

	it_json(&r, source, "POST", "/api/auth/password-reset/request", NULL, "{\"email\":\"%s\"}",
	    address);
	IT_EXPECT(&r, 202);
	it_resp_free(&r);
	return it_mail_wait(to, last, timeout_ms, NULL);
}

/* A thief with a stolen session makes an API key; the victim resets the
 * password by mail: the key, the thief's session and the victim's old one
 * all stop working, and the answer says what was revoked. */
START_TEST(reset_revokes_api_keys_made_with_a_stolen_session)
{
	victim v;
	char *thief, *key, *mail, token[128];
	it_resp r;

	acct_new(&v, ip(1));
	thief = acct_login(&v, PASSWORD);
	key = make_api_key(v.ip, thief);
	ck_assert_int_eq(status_of_me(v.ip, key), 200);
	mail = request_reset(v.ip, v.email, v.email, 20000);
	ck_assert_msg(mail != NULL, "no reset mail for %s", v.email);
	it_mail_token(mail, token, sizeof(token));
	free(mail);
	it_json(&r, v.ip, "POST", "/api/auth/password-reset/confirm", NULL,
	    "{\"token\":\"%s\",\"new_password\":\"%s\"}", token, NEW_PASSWORD);
	expect_revoked(&r, v.ip, 2, 1, (const char *[]){ key, thief, v.access, NULL });
	it_resp_free(&r);
	free(key);
	free(thief);
	free(v.access);
	v.access = acct_login(&v, NEW_PASSWORD);
	ck_assert_int_eq(status_of_me(v.ip, v.access), 200);
	free(v.access);
}
END_TEST

/* PUT /api/user {current_password, new_password}: without or with a wrong
 * current password nothing changes; with it every session (this one too)
 * and every personal key ends. */
START_TEST(password_change_needs_current_password_and_revokes_everything)
{
	victim v;
	char *other, *key;
	it_resp r;

	acct_new(&v, ip(2));
	other = acct_login(&v, PASSWORD);
	key = make_api_key(v.ip, other);
	refused_without_current_password(&v, "\"new_password\":\"" NEW_PASSWORD "\"");
	ck_assert_int_eq(status_of_me(v.ip, key), 200);

	it_json(&r, v.ip, "PUT", "/api/user", v.access,
	    "{\"current_password\":\"%s\",\"new_password\":\"%s\"}", PASSWORD, NEW_PASSWORD);
	expect_revoked(&r, v.ip, 2, 1, (const char *[]){ key, other, v.access, NULL });
	it_resp_free(&r);
	free(v.access);
	v.access = acct_login(&v, NEW_PASSWORD);
	ck_assert_int_eq(status_of_me(v.ip, v.access), 200);
	free(v.access);
	free(other);
	free(key);
}
END_TEST

/* POST /api/auth/logout-all: one call ends every session and key. */
START_TEST(logout_all_revokes_every_session_and_key)
{
	victim v;
	char *other, *key1, *key2;
	it_resp r;

	acct_new(&v, ip(3));
	other = acct_login(&v, PASSWORD);
	key1 = make_api_key(v.ip, other);
	key2 = make_api_key(v.ip, v.access);
	it_json(&r, v.ip, "POST", "/api/auth/logout-all", v.access, NULL);
	expect_revoked(&r, v.ip, 2, 2, (const char *[]){ key1, key2, other, v.access, NULL });
	it_resp_free(&r);
	/* The password still works: this is a logout, not a lock. */
	free(v.access);
	v.access = acct_login(&v, PASSWORD);
	ck_assert_int_eq(status_of_me(v.ip, v.access), 200);
	it_json(&r, v.ip, "POST", "/api/auth/logout-all", NULL, NULL);
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
	free(v.access);
	free(other);
	free(key1);
	free(key2);
}
END_TEST

/* A stolen session cannot switch the email silently: the current password
 * is needed, the old address is told, the new one stays unconfirmed until
 * its link is followed, and reset mail goes only to the confirmed address
 * (so the thief's address never receives a reset token). */
START_TEST(email_change_needs_password_notifies_old_address_and_reset_waits_for_confirmation)
{
	victim v;
	char newaddr[128], change[160], token[128], *mail;
	it_resp r;
	json_object *o;
	long last;

	acct_new(&v, ip(4));
	snprintf(newaddr, sizeof(newaddr), "thief_%s", v.email);
	snprintf(change, sizeof(change), "\"email\":\"%s\"", newaddr);
	refused_without_current_password(&v, change);

	last = it_mail_last();
	it_json(&r, v.ip, "PUT", "/api/user", v.access,
	    "{\"email\":\"%s\",\"current_password\":\"%s\"}", newaddr, PASSWORD);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "user", "email"), newaddr);
	ck_assert_str_eq(it_jstr(o, "user", "email_confirmed"), "false");
	json_object_put(o);
	it_resp_free(&r);
	mail = it_mail_wait(v.email, last, 20000, NULL);
	ck_assert_msg(mail != NULL, "no notice to the old address %s", v.email);
	ck_assert_msg(strstr(mail, newaddr) != NULL, "the notice does not name the new address:\n%s", mail);
	free(mail);
	mail = it_mail_wait(newaddr, last, 20000, NULL);
	ck_assert_msg(mail != NULL, "no confirmation mail to %s", newaddr);
	it_mail_token(mail, token, sizeof(token));
	free(mail);

	/* Unconfirmed: a reset asked for by the new address goes to the old,
	 * confirmed one, and nothing reaches the new address. */
	last = it_mail_last();
	mail = request_reset(v.ip, newaddr, v.email, 20000);
	ck_assert_msg(mail != NULL, "no reset mail to the confirmed address %s", v.email);
	free(mail);
	mail = it_mail_wait(newaddr, last, 3000, NULL);
	ck_assert_msg(mail == NULL, "a reset mail went to the unconfirmed address:\n%s", mail);

	it_json(&r, v.ip, "POST", "/api/auth/email/confirm", NULL, "{\"token\":\"%s\"}", token);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	it_json(&r, v.ip, "POST", "/api/auth/email/confirm", NULL, "{\"token\":\"%s\"}", token);
	expect_field(&r, 400, "token");
	it_resp_free(&r);
	it_json(&r, v.ip, "GET", "/api/user", v.access, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "user", "email_confirmed"), "true");
	json_object_put(o);
	it_resp_free(&r);
	mail = request_reset(v.ip, newaddr, newaddr, 20000);
	ck_assert_msg(mail != NULL, "no reset mail to the confirmed new address %s", newaddr);
	free(mail);
	free(v.access);
}
END_TEST

/*
 * N wrong passwords for one account at once, from N addresses (so no
 * address limit plays): the old check (count, then verify, then insert)
 * let every request in flight pass while the count was under the limit.
 * Observable: the number of 401s (guesses whose password was evaluated)
 * never exceeds IG_LOGIN_MAX_FAILURES, the stored count equals it, and the
 * right password is then refused.
 */
#define BURST 40

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

START_TEST(concurrent_wrong_logins_never_evaluate_more_than_the_limit)
{
	int max = atoi(getenv("IG_LOGIN_MAX_FAILURES") ? getenv("IG_LOGIN_MAX_FAILURES") : "10");
	victim v;
	CURLM *m = curl_multi_init();
	CURL *e[BURST];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char body[256], iface[BURST][48], *url, *n, id[64];
	int running, n401 = 0, n429 = 0, other = 0;
	it_resp r;
	json_object *o;

	acct_new(&v, ip(5));
	it_json(&r, v.ip, "GET", "/api/user", v.access, NULL);
	o = it_json_body(&r);
	snprintf(id, sizeof(id), "%s", it_jstr(o, "user", "id"));
	json_object_put(o);
	it_resp_free(&r);
	url = ig_xasprintf("%s/api/auth/login", it_env("IG_TEST_BASE_URL"));
	snprintf(body, sizeof(body), "{\"username_or_email\":\"%s\",\"password\":\"wrong password!\"}", v.name);
	for (int i = 0; i < BURST; i++) {
		e[i] = curl_easy_init();
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h);
		snprintf(iface[i], sizeof(iface[i]), "host!127.%d.201.%d", run_id, i + 1);
		curl_easy_setopt(e[i], CURLOPT_INTERFACE, iface[i]);
		curl_easy_setopt(e[i], CURLOPT_TIMEOUT, 60L);
		curl_easy_setopt(e[i], CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, discard);
		curl_multi_add_handle(m, e[i]);
	}
	do {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running);
	for (int i = 0; i < BURST; i++) {
		long st = 0;
		curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &st);
		n401 += st == 401;
		n429 += st == 429;
		other += st != 401 && st != 429;
		curl_multi_remove_handle(m, e[i]);
		curl_easy_cleanup(e[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	free(url);
	printf("burst of %d concurrent wrong logins, limit %d: %d evaluated (401), %d refused (429), %d other\n",
	    BURST, max, n401, n429, other);
	ck_assert_int_eq(other, 0);
	ck_assert_msg(n401 <= max, "%d guesses were evaluated, the limit is %d", n401, max);
	ck_assert_int_eq(n401 + n429, BURST);
	n = it_psql("SELECT least(count, %d) FROM login_attempts WHERE key = 'user:%s'", max, it_sql_safe(id));
	ck_assert_int_eq(atoi(n), max);
	free(n);
	it_json(&r, ip(6), "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\":\"%s\",\"password\":\"%s\"}", v.name, PASSWORD);
	IT_EXPECT(&r, 429);
	it_resp_free(&r);
	free(v.access);
}
END_TEST

/* SMTP down when the reset is asked for: the request still answers 202, the
 * mail waits in the outbox (sealed, failures recorded) and goes out once
 * the server is back; then its body is wiped. */
START_TEST(reset_mail_survives_smtp_outage_and_body_is_wiped_after_sending)
{
	victim v;
	it_resp r;
	char *n, *mail, token[128];
	long last;
	int64_t t0;

	acct_new(&v, ip(7));
	it_stack("smtp-stop");
	last = it_mail_last();
	t0 = ig_now_ms();
	it_json(&r, v.ip, "POST", "/api/auth/password-reset/request", NULL, "{\"email\":\"%s\"}", v.email);
	printf("reset request with SMTP down answered %ld in %lld ms\n", r.status,
	    (long long)(ig_now_ms() - t0));
	IT_EXPECT(&r, 202);
	it_resp_free(&r);
	/* The runner tries, fails, and keeps it. */
	for (int i = 0; i < 60; i++) {
		n = it_psql("SELECT count(*) FROM mail_outbox WHERE to_addr = '%s' AND attempts > 0"
		    " AND last_error IS NOT NULL AND sent_at IS NULL", it_sql_safe(v.email));
		if (atoi(n) == 1) {
			free(n);
			break;
		}
		free(n);
		ck_assert_msg(i < 59, "no failed attempt recorded for the queued mail");
		it_sleep_ms(500);
	}
	n = it_psql("SELECT count(*) FROM mail_outbox WHERE to_addr = '%s'"
	    " AND position('Token:'::bytea IN body) > 0", it_sql_safe(v.email));
	ck_assert_str_eq(n, "0");
	free(n);
	it_stack("smtp-start");
	mail = it_mail_wait(v.email, last, 60000, NULL);
	ck_assert_msg(mail != NULL, "the queued reset mail never arrived after SMTP came back");
	it_mail_token(mail, token, sizeof(token));
	free(mail);
	n = it_psql("SELECT count(*) FROM mail_outbox WHERE to_addr = '%s' AND sent_at IS NOT NULL"
	    " AND body IS NULL AND nonce IS NULL", it_sql_safe(v.email));
	ck_assert_str_eq(n, "1");
	free(n);
	n = it_psql("SELECT count(*) FROM mail_outbox o WHERE position('%s' in o::text) > 0",
	    it_sql_safe(token));
	ck_assert_str_eq(n, "0");
	free(n);
	free(v.access);
}
END_TEST

/* Whatever the outbox test did, the suites after this one get their SMTP
 * sink back (it runs once, in the runner process, after the test case). */
static void
smtp_back(void)
{
	it_stack("smtp-start");
}

/* Before any test runs. */
static int
init(void)
{
	run_id = 20 + (int)(getpid() % 200);
	return 0;
}

IT_MAIN("takeover", init,
	IT_TCASE("credentials", 0,
	    &reset_revokes_api_keys_made_with_a_stolen_session,
	    &password_change_needs_current_password_and_revokes_everything,
	    &logout_all_revokes_every_session_and_key),
	IT_TCASE("email", 0,
	    &email_change_needs_password_notifies_old_address_and_reset_waits_for_confirmation),
	IT_TCASE("login", 0,
	    &concurrent_wrong_logins_never_evaluate_more_than_the_limit),
	{ .name = "outbox", .timeout_s = 0, .setup = NULL, .teardown = smtp_back,
	    .tests = IT_TESTS(&reset_mail_survives_smtp_outage_and_body_is_wiped_after_sending)
	}
);
