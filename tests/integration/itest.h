/*
 * itest.h — helpers shared by every integration suite
 * (tests/integration/test_*.c): HTTP through nginx with libcurl, JSON
 * bodies and dotted paths into them, the error shape, the stack's
 * processes, its mail sink, its database, and the suite's main()
 * (IT_MAIN).
 *
 * Every helper fails the running Check test (ck_assert) instead of
 * returning an error when the stack or the environment is not usable, so
 * a test reads as a list of requests and assertions.
 *
 * Environment (written by tests/support/stack up DIR into DIR/env):
 * IG_TEST_BASE_URL, IG_TEST_HTTPS_URL, IG_TEST_STACK, IG_TEST_STACK_CMD,
 * IG_TLS_CERT, IG_DATABASE_URL, IG_TEST_MAIL_DIR.
 */
#ifndef IG_TESTS_ITEST_H
#define IG_TESTS_ITEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/core/util.h"

/* One response. body and headers are always NUL-terminated (empty when
 * nothing came); rc is libcurl's result (CURLE_OK when a response came). */
typedef struct it_resp {
	long status;
	ig_buf body;
	ig_buf headers;
	CURLcode rc;
} it_resp;

/*
 * One request, every field optional except method and path:
 *   base       URL prefix; NULL is $IG_TEST_BASE_URL
 *   body, len  request body; NULL sends none
 *   headers    extra "Name: value" lines, NULL-terminated
 *   bearer     sends "Authorization: Bearer <bearer>"
 *   source_ip  local address to send from (CURLOPT_INTERFACE), e.g.
 *              "127.0.0.7": the whole 127/8 is local on Linux and nginx
 *              sees it as $remote_addr, which isolates per-IP limits
 *   timeout_s  0 means 30
 */
typedef struct it_req {
	const char *base;
	const char *method;
	const char *path;
	const char *body;
	size_t len;
	const char *const *headers;
	const char *bearer;
	const char *source_ip;
	long timeout_s;
} it_req;

/* Value of $name; fails the test when it is unset or empty. */
const char *it_env(const char *name);

/* Send q and fill r (which the caller frees with it_resp_free). */
void it_request(const it_req *q, it_resp *r);
/* GET /api/batch/{batch}/download as token from source_ip (200 or the test
 * fails), its bytes written to $IG_TEST_STACK/name-PID.zip, whose path goes
 * to zpath (len bytes); the caller unlinks it. */
void it_batch_zip(const char *token, const char *source_ip, const char *batch, const char *name, char *zpath,
    size_t len);
/* One request to base; body may be NULL; hdrs NULL-terminated or NULL. */
void it_http_ex(const char *base, const char *method, const char *path, const char *body,
    size_t len, const char *const *hdrs, long timeout_s, it_resp *r);
/* it_http_ex on $IG_TEST_BASE_URL, no extra headers, 30 s. */
void it_http(const char *method, const char *path, const char *body, size_t len, it_resp *r);
/*
 * A JSON request from source_ip (NULL: the default 127.0.0.1) with an
 * optional bearer token; the body is printf(fmt, ...) sent with
 * "Content-Type: application/json", or none when fmt is NULL.
 */
void it_json(it_resp *r, const char *source_ip, const char *method, const char *path,
    const char *bearer, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void it_resp_free(it_resp *r);
/* The status of GET path from source_ip with an optional bearer token. */
long it_get_status(const char *source_ip, const char *path, const char *bearer);
/* POST /api/batch/generate with the JSON body printf(fmt, ...) from
 * source_ip as bearer; fails unless 202. The batch_id (caller frees). */
char *it_batch_submit(const char *source_ip, const char *bearer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copy the value of response header name (case-insensitive) into out.
 * Returns 1 when present, 0 when absent. */
int it_header(const it_resp *r, const char *name, char *out, size_t outlen);
/* The body parsed as JSON (fails the test when it is not); caller puts it. */
json_object *it_json_body(const it_resp *r);
/* o.path1 or o.path1.path2 as a string (owned by o); fails when absent. */
const char *it_jstr(json_object *o, const char *path1, const char *path2);

/* Fail unless r has status want; shows the body when it has not. */
#define IT_EXPECT(r, want) \
	ck_assert_msg((r)->status == (want), "want %d, got %ld: %s", (int)(want), \
	    (r)->status, (r)->body.data)

/*
 * Dotted paths into a JSON document: "a.b.c" steps through objects by key
 * and through arrays by index ("data.0.url").
 */
/* The value at dotted, or NULL when any step is absent. */
json_object *it_jpath(json_object *o, const char *dotted);
/* 1 when o has the dotted path (its value may be JSON null). */
int it_jhas(json_object *o, const char *dotted);
/* The value at dotted, which must exist and be of type t (fails the test
 * otherwise). */
json_object *it_jneed(json_object *o, const char *dotted, json_type t);
/* it_jneed for a string, an integer, a boolean. */
const char *it_js(json_object *o, const char *dotted);
int64_t it_jint(json_object *o, const char *dotted);
int it_jbool(json_object *o, const char *dotted);
/* Fail when dotted is present in o (a field that must not be sent). */
#define it_assert_absent(o, dotted) \
	ck_assert_msg(it_jpath((o), (dotted)) == NULL, "%s must not be sent: %s", (dotted), \
	    json_object_to_json_string(o))

/*
 * The error shape (API.md "Errors"): fail unless o, parsed from r, is
 * {success: false, error: {code, message, field?}, request_id} with this
 * code, a message and a request_id, and (when field is not NULL)
 * error.field equal to field.
 */
void it_error_shape(const it_resp *r, json_object *o, const char *code, const char *field);
/* IT_EXPECT(r, status) and it_error_shape on r's body. The parsed body
 * goes to *out (the caller puts it) when out is not NULL. */
void it_expect_error(const it_resp *r, long status, const char *code, const char *field,
    json_object **out);

/* Run tests/support/stack SUB for this stack (pg-stop, pool-start, …). */
void it_stack(const char *sub);
/* Start one more imagegen-worker ($IG_BUILD_DIR/app/imagegen-worker) with
 * the test's environment (the stack's settings), its stderr appended to
 * $IG_TEST_STACK/log/<log_name>; returns its pid (SIGTERM and waitpid it). */
pid_t it_runner_start(const char *log_name);
/* The same outside a test (an unchecked teardown putting the stack back):
 * 0 when it worked; never fails a test. */
int it_stack_quiet(const char *sub);
/* The FastCGI master's pid, from the stack's run/fcgi.pid. */
pid_t it_master_pid(void);
/* 1 when process pid has exited: gone, or a zombie its parent has not
 * reaped yet (the stack's servers are orphans, reaped by init when it gets
 * to it; the stack's stop commands do not wait for that). */
int it_exited(pid_t pid);
/* The master's current children (its workers), from /proc; returns how
 * many were stored in out (at most max). */
int it_workers_of(pid_t master, pid_t *out, int max);
/* Run every test of s (libcurl set up around them) and return the
 * program's exit status: EXIT_SUCCESS when none failed. */
int it_run(Suite *s);

/*
 * A suite as data. One test case: its name, its timeout (0 keeps Check's
 * default), an optional unchecked fixture, its tests (IT_TESTS(&a, &b…),
 * run in that order) and then its loop tests (each run for i in 0..end-1).
 */
typedef struct it_loop {
	const TTest *const *test;
	int end;
} it_loop;
typedef struct it_tcase {
	const char *name;
	int timeout_s;
	SFun setup, teardown;
	const TTest *const *const *tests;
	const it_loop *loops;
} it_tcase;
#define IT_TESTS(...) ((const TTest *const *const[]){ __VA_ARGS__, NULL })
#define IT_LOOPS(...) ((const it_loop[]){ __VA_ARGS__, { NULL, 0 } })
/* The common case: a name, a timeout and its tests. */
#define IT_TCASE(name_, timeout_, ...) \
	{ .name = (name_), .timeout_s = (timeout_), .tests = IT_TESTS(__VA_ARGS__) }
/*
 * Build the suite from tcases (ended by one with a NULL name) and run it
 * (it_run). init (may be NULL) runs first; a non-zero return fails the
 * program. stdout is line-buffered so figures a test prints before it
 * fails are not lost in its forked child's buffer.
 */
int it_main(const char *suite, int (*init)(void), const it_tcase *tcases);
/* The suite's main(): IT_MAIN("name", init_or_NULL, IT_TCASE(…), {…}…). */
#define IT_MAIN(suite_, init_, ...) \
	static const it_tcase it_tcases_[] = { __VA_ARGS__, { .name = NULL } }; \
	int main(void); \
	int main(void) { return it_main((suite_), (init_), it_tcases_); }
void it_sleep_ms(long ms);
/*
 * A fresh loopback source address per call, so per-address limits never
 * carry from one request into the next: 127.A.B.C with A = first + pid %
 * span (each suite its own range: suites run side by side against one
 * stack), B = (third + n / 250) % 250 and C = 1 + n % 250 for the n-th
 * call. Static storage; the last four stay valid.
 */
const char *it_source(int first, int span, int third);
/* A prompt no other test or run has used ("<words> <pid>-<n>"), so the
 * image cache starts cold. */
void it_fresh_prompt(char *out, size_t len, const char *words);
/* Poll GET /health until it answers want or tries x 250 ms have passed
 * (every 50 ms); returns the last status seen. */
long it_wait_health(long want, int tries);

/*
 * The newest mail in $IG_TEST_MAIL_DIR (NNNNNN.eml files written atomically
 * by the SMTP sink, each starting with "X-Envelope-To: <addr>" headers)
 * addressed to `to` (case-insensitive) and numbered above `after`, waiting
 * up to timeout_ms for one to arrive. Returns the whole file, caller frees;
 * NULL when none arrived in time. *num (may be NULL) gets its number.
 */
char *it_mail_wait(const char *to, long after, long timeout_ms, long *num);
/* POST the JSON body to the mock providers' path ($IG_MOCK_URL + path,
 * e.g. "/_control/config"); fails the test unless it answers 200. */
void it_mock_post(const char *path, const char *body);
/* Number of the newest mail in the sink now (0 when none): pass it as
 * `after` to wait only for mail sent after this point. */
long it_mail_last(void);
/* The value of a mail's "Token: X" line (reset, email confirmation) into
 * out; fails the test when there is none. */
void it_mail_token(const char *mail, char *out, size_t outlen);

/*
 * Run `psql "$IG_DATABASE_URL" -Atc SQL` and return its standard output
 * with the trailing newline removed (caller frees); fails the test when
 * psql fails. The SQL travels in the environment, never through the shell.
 * Values pasted into sql must be ones the test made itself; see
 * it_sql_safe.
 */
char *it_psql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Fails the test unless s is only [A-Za-z0-9_.@+-] (safe to paste into a
 * quoted SQL literal in a test); returns s. */
const char *it_sql_safe(const char *s);

/* The whole of the stack's log/<name> (nginx-access.log, fcgi.log, …),
 * NUL-terminated, "" when it is empty (caller frees); fails the test when
 * it cannot be read. */
char *it_stack_log(const char *name);
/* Poll the stack's log/<name> every 100 ms for up to timeout_ms until it
 * holds needle (nginx writes its access log about once a second): 1 when
 * it does, 0 when it never did. */
int it_log_has(const char *name, const char *needle, long timeout_ms);

/* Register a fresh user (prefix + pid + a counter + random; unique) from
 * source_ip and log it in. Returns its access token (caller frees); name
 * (64 bytes, may be NULL) gets the username. */
char *it_new_user(const char *prefix, const char *source_ip, char *name);

/* Wait (bounded) until image id has its thumbnail; its file name (caller
 * frees). */
char *it_thumbnail_of(const char *id);

/* Run tests/fixtures/s3_check.py args (boto3's view of the stack's S3
 * server): its exit status, its stdout into *out (the caller frees). */
int it_s3_check(char **out, const char *args);
/* Let the next request to the stack's moto through unsigned: with signing
 * enforced it serves a presigned GET only then. */
void it_s3_unsigned_next(void);

#endif
