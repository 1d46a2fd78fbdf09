/*
 * test_secrets.c — secrets stay out of what the stack writes and shows
 * (issue 10, item 6): nginx's access log redacts ?ticket= and ?token= and is
 * buffered, `imagegen config` masks passwords in URLs and never prints a
 * provider key, and /api/local_ai/status names the server only to
 * administrators.
 *
 * Needs a live stack (tests/support/stack up DIR; scripts/test does it):
 * IG_TEST_BASE_URL, IG_TEST_STACK (its log/nginx-access.log), IG_BUILD_DIR
 * (app/imagegen), IG_MOCK_URL and IG_LOCAL_AI_URL.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

#define ACCESS_LOG_NAME "nginx-access.log"

/* A value unique to this run, so that a line or a secret found in the log
 * can only be this run's. */
static void
unique(char *out, size_t len, const char *prefix)
{
	static int n;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, len, "%s%d%ld%d", prefix, (int)getpid(), (long)ts.tv_nsec, ++n);
}

/* The whole access log of the stack (caller frees); "" when it is empty. */
static char *
access_log(void)
{
	return it_stack_log(ACCESS_LOG_NAME);
}

/* The access-log line with request id rid (caller frees), polling up to
 * timeout_ms: the log is buffered and written out within about a second.
 * NULL when it did not appear in time. */
static char *
log_line_wait(const char *rid, long timeout_ms)
{
	char *needle = ig_xasprintf("\"request_id\":\"%s\"", rid);

	for (long waited = 0;; waited += 100) {
		char *all = access_log(), *hit = strstr(all, needle), *line = NULL;
		if (hit != NULL) {
			char *start = hit, *end = strchr(hit, '\n');
			while (start > all && start[-1] != '\n')
				start--;
			line = ig_xstrndup(start, end ? (size_t)(end - start) : strlen(start));
		}
		free(all);
		if (line != NULL || waited >= timeout_ms) {
			free(needle);
			return line;
		}
		it_sleep_ms(100);
	}
}

/* GET path with X-Request-Id rid; the status. */
static long
get_with_id(const char *path, const char *rid)
{
	char hdr[128];
	const char *const hdrs[] = { hdr, NULL };
	it_resp r;
	long status;

	snprintf(hdr, sizeof(hdr), "X-Request-Id: %s", rid);
	it_http_ex(it_env("IG_TEST_BASE_URL"), "GET", path, NULL, 0, hdrs, 30, &r);
	status = r.status;
	it_resp_free(&r);
	return status;
}

/* An EventSource sends the SSE ticket in the URL and the reset mail's link
 * carries its token there: both used to land verbatim in nginx's access log
 * (a log reader could replay the reset link). The values are replaced by
 * [REDACTED], other parameters are kept, and a ticket smuggled past the
 * first stage (a second one, a stray '?', an encoded name) takes the whole
 * query with it. */
START_TEST(access_log_redacts_tickets_and_tokens)
{
	static const struct {
		const char *path_fmt;   /* %s: the secret */
		const char *logged;     /* what the log's "uri" must hold */
	} cases[] = {
		{ "/api/batch/x/events?ticket=%s", "\"uri\":\"/api/batch/x/events?ticket=[REDACTED]\"" },
		{ "/reset-password?token=%s&lang=en", "\"uri\":\"/reset-password?token=[REDACTED]&lang=en\"" },
		{ "/api/batch/x/events?limit=5&Ticket=%s", "\"uri\":\"/api/batch/x/events?limit=5&Ticket=[REDACTED]\"" },
		{ "/api/batch/x/events?ticket=a&ticket=b&ticket=%s", "\"uri\":\"/api/batch/x/events?[REDACTED]\"" },
		{ "/api/batch/x/events?a=b?ticket=%s", "\"uri\":\"/api/batch/x/events?[REDACTED]\"" },
		{ "/api/batch/x/events?tick%%65t=%s", "\"uri\":\"/api/batch/x/events?[REDACTED]\"" },
	};
	char secret[64], rid[64], path[256], *line, *all;
	char secrets[sizeof(cases) / sizeof(cases[0])][64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unique(secret, sizeof(secret), "SECRET");
		unique(rid, sizeof(rid), "redact-");
		snprintf(secrets[i], sizeof(secrets[i]), "%s", secret);
		snprintf(path, sizeof(path), cases[i].path_fmt, secret);
		ck_assert_int_ne(get_with_id(path, rid), 0);
		line = log_line_wait(rid, 5000);
		ck_assert_msg(line != NULL, "no access-log line for %s", path);
		ck_assert_msg(strstr(line, cases[i].logged) != NULL, "%s logged as %s", path, line);
		ck_assert_msg(strstr(line, secret) == NULL, "the secret of %s is in the log: %s", path, line);
		free(line);
	}
	/* Nowhere else in the log either (no second line, no other field). */
	all = access_log();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(strstr(all, secrets[i]) == NULL, "%s is in the access log", secrets[i]);
	free(all);
	/* An ordinary query is logged as it came. */
	unique(rid, sizeof(rid), "plain-");
	get_with_id("/api/prompt-suggestions?limit=2&category=nature", rid);
	line = log_line_wait(rid, 5000);
	ck_assert_ptr_nonnull(line);
	ck_assert_msg(strstr(line, "\"uri\":\"/api/prompt-suggestions?limit=2&category=nature\"") != NULL, "%s", line);
	free(line);
}
END_TEST

/* Logging used to cost every request its own write(2) to the access log.
 * Buffered, a line reaches the file only with its buffer (about a second
 * later, or when 4 KB have gathered), yet it does arrive without further
 * traffic. The suite's own earlier requests are left to flush first, so
 * the line starts a buffer of its own. */
START_TEST(access_log_is_buffered_and_flushed)
{
	char rid[64], *line, *all, *conf_path, *conf;
	FILE *f;
	ig_buf b = { 0 };
	char chunk[4096];
	size_t n;

	/* The rendered configuration says so... */
	conf_path = ig_xasprintf("%s/nginx/imagegen.conf", it_env("IG_TEST_STACK"));
	f = fopen(conf_path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", conf_path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ig_buf_append(&b, chunk, n);
	ig_buf_append(&b, "", 0);
	fclose(f);
	conf = b.data;
	ck_assert_msg(strstr(conf, " imagegen buffer=") != NULL && strstr(conf, " flush=") != NULL,
	    "access_log in %s is not buffered", conf_path);
	free(conf);
	free(conf_path);

	/* ...and nginx does it: not written at once, written within seconds. */
	it_sleep_ms(2500);
	unique(rid, sizeof(rid), "buffered-");
	ck_assert_int_eq(get_with_id("/health", rid), 200);
	it_sleep_ms(150);
	all = access_log();
	ck_assert_msg(strstr(all, rid) == NULL, "the line of %s was written at once: the log is not buffered", rid);
	free(all);
	line = log_line_wait(rid, 5000);
	ck_assert_msg(line != NULL, "the buffered line of %s never reached the log", rid);
	free(line);
}
END_TEST

/* Run `imagegen config` with the extra environment assignments env (a shell
 * fragment of VAR='value' words made by this test) and return its standard
 * output (caller frees); fails unless it exits 0. */
static char *
run_config(const char *env)
{
	char *cmd = ig_xasprintf("env %s '%s/app/imagegen' config", env, it_env("IG_BUILD_DIR"));
	FILE *p = popen(cmd, "r");
	ig_buf b = { 0 };
	char chunk[4096];
	size_t n;
	int st;

	ck_assert_ptr_nonnull(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		ig_buf_append(&b, chunk, n);
	ig_buf_append(&b, "", 0);
	st = pclose(p);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed: %s", cmd, b.data);
	free(cmd);
	return b.data;
}

/* `imagegen config` printed IG_SMTP_URL with its password, and nothing of
 * the providers; an operator pasting its output into a ticket leaked the
 * mail password. Every URL form is shown with its password masked, every
 * provider key only as (set). */
START_TEST(config_masks_passwords_and_keys)
{
	static const char *const want[] = {
		"IG_DATABASE_URL=postgresql://ig:****@db.internal:5432/imagegen?sslmode=require&password=****\n",
		"IG_SMTP_URL=smtps://mailer:****@smtp.example:465\n",
		"IG_LOCAL_AI_URL=http://sd:****@10.1.2.3:7860\n",
		"IG_OPENAI_API_KEY=(set)\n",
		"IG_REPLICATE_API_KEY=(set)\n",
		"IG_STABILITY_API_KEY=(not set)\n",
		"IG_JWT_SECRET=(set)\n",
	};
	char *out;

	out = run_config("IG_DATABASE_URL='postgresql://ig:DbPw1@db.internal:5432/imagegen?sslmode=require&password=DbPw2' "
	    "IG_SMTP_URL='smtps://mailer:MailPw3@smtp.example:465' "
	    "IG_LOCAL_AI_URL='http://sd:SdPw4@10.1.2.3:7860' "
	    "IG_OPENAI_API_KEY='sk-KeyPw5' IG_REPLICATE_API_KEY='r8_KeyPw6' IG_STABILITY_API_KEY= "
	    "IG_JWT_SECRET='JwtPw7-0123456789abcdef0123456789abcdef'");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(out, want[i]) != NULL, "no %s in:\n%s", want[i], out);
	for (int i = 1; i <= 7; i++) {
		char pw[8];
		snprintf(pw, sizeof(pw), "Pw%d", i);
		ck_assert_msg(strstr(out, pw) == NULL, "secret %s printed:\n%s", pw, out);
	}
	free(out);

	/* libpq's keyword form, as the local stack writes it. */
	out = run_config("IG_DATABASE_URL=\"host=/run/pg port=5433 dbname=imagegen user=ig password='Db Pw8'\"");
	ck_assert_msg(strstr(out, "IG_DATABASE_URL=host=/run/pg port=5433 dbname=imagegen user=ig password=****\n") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "Pw8") == NULL, "%s", out);
	free(out);
}
END_TEST

/* A fresh administrator made with the CLI, logged in from source_ip;
 * returns its access token (caller frees). */
static char *
new_admin(const char *source_ip)
{
	char name[64], *cmd, *tok;
	FILE *p;
	int st;
	it_resp r;
	json_object *o;

	unique(name, sizeof(name), "secadm");
	cmd = ig_xasprintf("'%s/app/imagegen' user create --admin --username '%s' "
	    "--email '%s@example.test' --password-stdin >&2", it_env("IG_BUILD_DIR"), it_sql_safe(name),
	    it_sql_safe(name));
	p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fprintf(p, "integration test 1\n");
	st = pclose(p);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed", cmd);
	free(cmd);
	it_json(&r, source_ip, "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\": \"%s\", \"password\": \"integration test 1\"}", name);
	ck_assert_msg(r.status == 200, "login %s: %ld %s", name, r.status, r.body.data);
	o = it_json_body(&r);
	tok = ig_xstrdup(it_jstr(o, "access_token", NULL));
	json_object_put(o);
	it_resp_free(&r);
	return tok;
}

/* Script the mock's local_ai to answer its next request with a 500. */
static void
local_ai_fails_once(void)
{
	static const char body[] =
	    "{\"provider\": \"local_ai\", \"responses\": [{\"mode\": \"error_5xx\", \"status\": 500}]}";
	static const char *const json[] = { "Content-Type: application/json", NULL };
	char url[512];
	it_resp r;

	snprintf(url, sizeof(url), "%s/_control/script", it_env("IG_MOCK_URL"));
	it_http_ex(url, "POST", "", body, strlen(body), json, 10, &r);
	ck_assert_int_eq(r.status, 200);
	it_resp_free(&r);
}

/* Any user could read IG_LOCAL_AI_URL — an address inside the operator's
 * network, possibly with credentials — from /api/local_ai/status, and from
 * the error of a failing probe. Users now see whether it answers; an
 * administrator also sees the URL, its password masked. */
START_TEST(local_ai_status_shows_url_only_to_admins)
{
	const char *server = it_env("IG_LOCAL_AI_URL");
	char *user = it_new_user("secuser", "127.0.77.1", NULL), *admin = new_admin("127.0.77.2");
	it_resp r;
	json_object *o, *v;

	it_json(&r, "127.0.77.1", "GET", "/api/local_ai/status", user, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(json_object_object_get(o, "reachable")));
	ck_assert_msg(!json_object_object_get_ex(o, "url", &v), "a user sees url: %s", r.body.data);
	ck_assert_msg(strstr(r.body.data, server) == NULL, "a user sees the server: %s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);

	local_ai_fails_once();
	it_json(&r, "127.0.77.1", "GET", "/api/local_ai/status", user, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert(!json_object_get_boolean(json_object_object_get(o, "reachable")));
	ck_assert_ptr_nonnull(strstr(it_jstr(o, "error", NULL), "500"));
	ck_assert_msg(strstr(r.body.data, server) == NULL, "the error names the server: %s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);

	local_ai_fails_once();
	it_json(&r, "127.0.77.1", "GET", "/api/local_ai/models", user, NULL);
	ck_assert_int_ge(r.status, 500);
	ck_assert_msg(strstr(r.body.data, server) == NULL, "the error names the server: %s", r.body.data);
	it_resp_free(&r);

	it_json(&r, "127.0.77.2", "GET", "/api/local_ai/status", admin, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(json_object_object_get(o, "reachable")));
	ck_assert_str_eq(it_jstr(o, "url", NULL), server);
	json_object_put(o);
	it_resp_free(&r);

	local_ai_fails_once();
	it_json(&r, "127.0.77.2", "GET", "/api/local_ai/status", admin, NULL);
	o = it_json_body(&r);
	ck_assert_ptr_nonnull(strstr(it_jstr(o, "error", NULL), server));
	json_object_put(o);
	it_resp_free(&r);
	free(user);
	free(admin);
}
END_TEST

IT_MAIN("secrets", NULL,
	IT_TCASE("logs", 60,
	    &access_log_redacts_tickets_and_tokens,
	    &access_log_is_buffered_and_flushed),
	IT_TCASE("config", 60,
	    &config_masks_passwords_and_keys,
	    &local_ai_status_shows_url_only_to_admins)
);
