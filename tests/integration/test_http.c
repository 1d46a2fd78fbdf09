/*
 * test_http.c — the foundation driven end to end through nginx with
 * libcurl: /health, the error shapes, the body limit, and the master's
 * supervision (kill -9 of a worker, SIGTERM drain) and database outages.
 *
 * Needs a live stack: tests/support/stack up DIR writes DIR/env, whose
 * IG_TEST_BASE_URL, IG_TEST_HTTPS_URL, IG_TEST_STACK, IG_TEST_STACK_CMD and
 * IG_TLS_CERT this suite reads. scripts/test does all of that.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/core/util.h"

typedef struct resp {
	long status;
	ig_buf body;
	ig_buf headers;
	CURLcode rc;
} resp;

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	ck_assert_msg(v != NULL && *v, "%s is not set: run through scripts/test", name);
	return v;
}

static size_t
collect(char *p, size_t size, size_t n, void *userdata)
{
	ig_buf_append(userdata, p, size * n);
	return size * n;
}

/* One request; body may be NULL. Extra headers: NULL-terminated list. */
static void
http_ex(const char *base, const char *method, const char *path, const char *body, size_t len,
    const char *const *hdrs, long timeout_s, resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[512];

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	h = curl_slist_append(h, "Expect:");
	for (int i = 0; hdrs && hdrs[i]; i++)
		h = curl_slist_append(h, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strncmp(base, "https:", 6) == 0)
		curl_easy_setopt(c, CURLOPT_CAINFO, env("IG_TLS_CERT"));
	r->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body.data == NULL)
		ig_buf_append(&r->body, "", 0);
	if (r->headers.data == NULL)
		ig_buf_append(&r->headers, "", 0);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void
http(const char *method, const char *path, const char *body, size_t len, resp *r)
{
	http_ex(env("IG_TEST_BASE_URL"), method, path, body, len, NULL, 30, r);
}

static void
resp_free(resp *r)
{
	ig_buf_free(&r->body);
	ig_buf_free(&r->headers);
}

/* Value of response header name (case-insensitive), copied into out. */
static int
header(const resp *r, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);

	for (const char *l = r->headers.data; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncasecmp(l, name, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			while (*v == ' ')
				v++;
			size_t vl = strcspn(v, "\r\n");
			snprintf(out, outlen, "%.*s", (int)vl, v);
			return 1;
		}
	}
	return 0;
}

static json_object *
json_body(const resp *r)
{
	json_object *o = json_tokener_parse(r->body.data);

	ck_assert_msg(o != NULL, "not JSON: %s", r->body.data);
	return o;
}

static const char *
jstr(json_object *o, const char *path1, const char *path2)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, path1, &v), "no %s", path1);
	if (path2 != NULL)
		ck_assert_msg(json_object_object_get_ex(v, path2, &v), "no %s.%s", path1, path2);
	return json_object_get_string(v);
}

/* Run tests/support/stack SUBCOMMAND for this stack. */
static void
stack(const char *sub)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >&2", env("IG_TEST_STACK_CMD"), sub, env("IG_TEST_STACK"));
	ck_assert_msg(system(cmd) == 0, "stack %s failed", sub);
}

static pid_t
master_pid(void)
{
	char path[512];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/run/fcgi.pid", env("IG_TEST_STACK"));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

/* The master's current children (its workers), from /proc. */
static int
workers_of(pid_t master, pid_t *out, int max)
{
	char path[128], buf[1024];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)master, (int)master);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		for (char *t = strtok(buf, " \n"); t && n < max; t = strtok(NULL, " \n"))
			out[n++] = (pid_t)atoi(t);
	}
	fclose(f);
	return n;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Poll GET /health until it answers want (or give up after tries). */
static long
wait_health(long want, int tries)
{
	resp r;
	long got = 0;

	for (int i = 0; i < tries; i++) {
		http("GET", "/health", NULL, 0, &r);
		got = r.status;
		resp_free(&r);
		if (got == want)
			break;
		sleep_ms(250);
	}
	return got;
}

/* The seed's fields plus database and runners, with their types. */
START_TEST(health_has_the_seed_shape)
{
	resp r;
	json_object *o, *d, *v;
	char rid[80];

	http("GET", "/health", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	o = json_body(&r);
	ck_assert_str_eq(jstr(o, "status", NULL), "healthy");
	ck_assert_str_eq(jstr(o, "version", NULL), "3.0");
	ck_assert_str_eq(jstr(o, "environment", NULL), "test");
	ck_assert(strlen(jstr(o, "timestamp", NULL)) >= 20);
	ck_assert(strlen(jstr(o, "project_root", NULL)) > 0);
	ck_assert(json_object_object_get_ex(o, "directories", &d));
	ck_assert(json_object_object_get_ex(d, "missing", &v) && json_object_is_type(v, json_type_array));
	ck_assert(json_object_object_get_ex(d, "all_present", &v) && json_object_get_boolean(v));
	ck_assert_str_eq(jstr(o, "database", "status"), "up");
	ck_assert(json_object_object_get_ex(o, "database", &d));
	ck_assert(json_object_object_get_ex(d, "latency_ms", &v) && json_object_is_type(v, json_type_double));
	ck_assert(json_object_object_get_ex(o, "runners", &d));
	ck_assert(json_object_object_get_ex(d, "active", &v) && json_object_is_type(v, json_type_int));
	ck_assert(header(&r, "X-Request-Id", rid, sizeof(rid)) && strlen(rid) > 0);
	ck_assert(header(&r, "Content-Type", rid, sizeof(rid)));
	ck_assert_ptr_nonnull(strstr(rid, "application/json"));
	json_object_put(o);
	resp_free(&r);
}
END_TEST

/* A client's sane X-Request-Id is kept end to end; a header-injection
 * attempt is replaced, never echoed. */
START_TEST(request_id_is_taken_or_made)
{
	static const char *const good[] = { "X-Request-Id: trace-42.abc", NULL };
	static const char *const bad[] = { "X-Request-Id: a b;c", NULL };
	resp r;
	char rid[80];

	http_ex(env("IG_TEST_BASE_URL"), "GET", "/api/nothing-here", NULL, 0, good, 30, &r);
	ck_assert(header(&r, "X-Request-Id", rid, sizeof(rid)));
	ck_assert_str_eq(rid, "trace-42.abc");
	json_object *o = json_body(&r);
	ck_assert_str_eq(jstr(o, "request_id", NULL), "trace-42.abc");
	json_object_put(o);
	resp_free(&r);

	http_ex(env("IG_TEST_BASE_URL"), "GET", "/health", NULL, 0, bad, 30, &r);
	ck_assert(header(&r, "X-Request-Id", rid, sizeof(rid)));
	ck_assert_str_ne(rid, "a b;c");
	ck_assert(strlen(rid) >= 16);
	resp_free(&r);
}
END_TEST

/* HTTPS is served with the stack's certificate, verified, not skipped. */
START_TEST(https_serves_health_with_hsts)
{
	resp r;
	char v[200];

	http_ex(env("IG_TEST_HTTPS_URL"), "GET", "/health", NULL, 0, NULL, 30, &r);
	ck_assert_msg(r.rc == CURLE_OK, "TLS request failed: %s", curl_easy_strerror(r.rc));
	ck_assert_int_eq(r.status, 200);
	ck_assert(header(&r, "Strict-Transport-Security", v, sizeof(v)));
	resp_free(&r);
}
END_TEST

START_TEST(unknown_route_is_json_404)
{
	resp r;
	json_object *o;

	http("GET", "/api/does-not-exist", NULL, 0, &r);
	ck_assert_int_eq(r.status, 404);
	o = json_body(&r);
	ck_assert(!json_object_get_boolean(json_object_object_get(o, "success")));
	ck_assert_str_eq(jstr(o, "error", "code"), "not_found");
	ck_assert(strlen(jstr(o, "error", "message")) > 0);
	ck_assert(strlen(jstr(o, "request_id", NULL)) > 0);
	json_object_put(o);
	resp_free(&r);
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
	resp r;
	char allow[100];
	json_object *o;

	http("DELETE", "/health", NULL, 0, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert(header(&r, "Allow", allow, sizeof(allow)));
	ck_assert_str_eq(allow, "GET, HEAD");
	o = json_body(&r);
	ck_assert_str_eq(jstr(o, "error", "code"), "method_not_allowed");
	json_object_put(o);
	resp_free(&r);
}
END_TEST

START_TEST(head_answers_without_body)
{
	resp r;

	http("HEAD", "/health", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.body.len, 0);
	resp_free(&r);
}
END_TEST

/* IG_MAX_BODY is 1 MiB in the test stack: one byte more is a JSON 413 from
 * the application, and a body at the limit goes through to routing. */
START_TEST(oversized_body_is_413)
{
	long limit = atol(env("IG_MAX_BODY"));
	char *big = ig_xmalloc((size_t)limit + 1);
	resp r;
	json_object *o;

	memset(big, 'x', (size_t)limit + 1);
	http("POST", "/api/health", big, (size_t)limit + 1, &r);
	ck_assert_int_eq(r.status, 413);
	o = json_body(&r);
	ck_assert_str_eq(jstr(o, "error", "code"), "payload_too_large");
	json_object_put(o);
	resp_free(&r);

	http("POST", "/api/health", big, (size_t)limit, &r);
	ck_assert_int_eq(r.status, 405);
	resp_free(&r);
	free(big);
}
END_TEST

/* Beyond nginx's own client_max_body_size the answer is still JSON. */
START_TEST(nginx_body_limit_answers_json)
{
	size_t n = 65 * 1024 * 1024;
	char *big = ig_xmalloc(n);
	resp r;

	memset(big, 'x', n);
	http("POST", "/api/health", big, n, &r);
	ck_assert_int_eq(r.status, 413);
	json_object *o = json_body(&r);
	ck_assert_str_eq(jstr(o, "error", "code"), "payload_too_large");
	json_object_put(o);
	resp_free(&r);
	free(big);
}
END_TEST

typedef struct flow {
	int stop;
	int ok, failed;
} flow;

static void *
flow_main(void *arg)
{
	flow *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		resp r;
		http("GET", "/health", NULL, 0, &r);
		if (r.status == 200)
			f->ok++;
		else
			f->failed++;
		resp_free(&r);
	}
	return NULL;
}

/* kill -9 of a worker while requests flow: the master replaces it within
 * a second and every later request succeeds. */
START_TEST(killed_worker_is_replaced)
{
	pid_t master = master_pid(), before[64], after[64];
	int n, m = 0, ok_after = 0;
	flow f = { 0 };
	pthread_t t;
	int64_t t0;

	n = workers_of(master, before, 64);
	ck_assert_int_eq(n, atoi(env("IG_WORKERS")));
	pthread_create(&t, NULL, flow_main, &f);
	sleep_ms(200);
	ck_assert_int_eq(kill(before[0], SIGKILL), 0);
	t0 = ig_now_ms();
	while (ig_now_ms() - t0 < 1000) {
		m = workers_of(master, after, 64);
		int replaced = m == n;
		for (int i = 0; i < m; i++)
			if (after[i] == before[0])
				replaced = 0;
		if (replaced)
			break;
		sleep_ms(10);
	}
	ck_assert_msg(ig_now_ms() - t0 < 1000, "the pool was not whole again within 1 s");
	ck_assert_int_eq(m, n);
	sleep_ms(300);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert(f.ok > 0);
	for (int i = 0; i < 50; i++) {
		resp r;
		http("GET", "/health", NULL, 0, &r);
		ok_after += r.status == 200;
		resp_free(&r);
	}
	ck_assert_int_eq(ok_after, 50);
}
END_TEST

/* SIGHUP re-executes the master: same pid, a whole new set of workers,
 * and not one request refused while requests flow. */
START_TEST(sighup_replaces_workers_without_dropping_requests)
{
	pid_t master = master_pid(), before[64], after[64];
	int n = workers_of(master, before, 64), m = 0, fresh = 0;
	flow f = { 0 };
	pthread_t t;

	pthread_create(&t, NULL, flow_main, &f);
	sleep_ms(200);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	for (int tries = 0; tries < 100 && !fresh; tries++) {
		sleep_ms(100);
		m = workers_of(master, after, 64);
		fresh = m == n;
		for (int i = 0; i < m && fresh; i++)
			for (int j = 0; j < n; j++)
				if (after[i] == before[j])
					fresh = 0;
	}
	sleep_ms(300);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert_msg(fresh, "workers were not replaced after SIGHUP");
	ck_assert_int_eq(kill(master, 0), 0);
	ck_assert_int_eq(master_pid(), master);
	ck_assert(f.ok > 0);
	ck_assert_int_eq(f.failed, 0);
}
END_TEST

/* /health says 503 "unhealthy" while PostgreSQL is down and 200 once it is
 * back, with no worker restarted in between (transparent reconnection). */
START_TEST(health_follows_database_outage)
{
	pid_t master = master_pid(), before[64], after[64];
	int n = workers_of(master, before, 64);
	resp r;
	json_object *o;

	ck_assert_int_eq(wait_health(200, 20), 200);
	stack("pg-stop");
	ck_assert_int_eq(wait_health(503, 40), 503);
	http("GET", "/health", NULL, 0, &r);
	o = json_body(&r);
	ck_assert_str_eq(jstr(o, "status", NULL), "unhealthy");
	ck_assert_str_eq(jstr(o, "database", "status"), "down");
	json_object_put(o);
	resp_free(&r);
	stack("pg-start");
	ck_assert_int_eq(wait_health(200, 60), 200);
	ck_assert_int_eq(workers_of(master, after, 64), n);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(after[i], before[i]);
}
END_TEST

typedef struct slow {
	resp r;
} slow;

static void *
slow_main(void *arg)
{
	slow *s = arg;

	http("GET", "/health", NULL, 0, &s->r);
	return NULL;
}

/* Signal every process of the stack's PostgreSQL (postmaster + backends). */
static void
signal_postgres(int sig)
{
	char path[512], cmd[700];
	FILE *f;
	int pm = 0;

	snprintf(path, sizeof(path), "%s/pg/data/postmaster.pid", env("IG_TEST_STACK"));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pm), 1);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "pkill -%d -P %d; kill -%d %d", sig, pm, sig, pm);
	ck_assert_int_eq(system(cmd), 0);
}

/*
 * SIGTERM with a slow request in flight: the request finishes with a full
 * response and the master exits only afterwards. The slow request is real:
 * PostgreSQL is frozen with SIGSTOP, so /health waits for its database
 * timeout (IG_DB_TIMEOUT_MS) and then answers 503.
 */
START_TEST(sigterm_drains_in_flight_request)
{
	pid_t master = master_pid();
	slow s;
	pthread_t t;
	json_object *o;

	ck_assert_int_eq(wait_health(200, 20), 200);
	signal_postgres(SIGSTOP);
	/* Let the cached probe expire so the next request asks the database. */
	sleep_ms(atoi(getenv("IG_HEALTH_CACHE_MS") ? getenv("IG_HEALTH_CACHE_MS") : "1000") + 300);
	pthread_create(&t, NULL, slow_main, &s);
	sleep_ms(400);
	ck_assert_int_eq(kill(master, SIGTERM), 0);
	sleep_ms(300);
	/* Still draining: the request holds a worker. */
	ck_assert_int_eq(kill(master, 0), 0);
	pthread_join(t, NULL);
	signal_postgres(SIGCONT);
	ck_assert_msg(s.r.rc == CURLE_OK, "request failed: %s", curl_easy_strerror(s.r.rc));
	ck_assert_int_eq(s.r.status, 503);
	o = json_body(&s.r);
	ck_assert_str_eq(jstr(o, "database", "status"), "down");
	json_object_put(o);
	resp_free(&s.r);
	/* The master exits once drained. */
	for (int i = 0; i < 100 && kill(master, 0) == 0; i++)
		sleep_ms(100);
	ck_assert_int_ne(kill(master, 0), 0);
	stack("pool-start");
	ck_assert_int_eq(wait_health(200, 40), 200);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tc = tcase_create("pipeline");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, health_has_the_seed_shape);
	tcase_add_test(tc, request_id_is_taken_or_made);
	tcase_add_test(tc, https_serves_health_with_hsts);
	tcase_add_test(tc, unknown_route_is_json_404);
	tcase_add_test(tc, wrong_method_is_405_with_allow);
	tcase_add_test(tc, head_answers_without_body);
	tcase_add_test(tc, oversized_body_is_413);
	tcase_add_test(tc, nginx_body_limit_answers_json);
	suite_add_tcase(s, tc);
	/* These change the stack's processes: they run after the others, in
	 * this order, each leaving the stack whole again. */
	tc = tcase_create("supervision");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, killed_worker_is_replaced);
	tcase_add_test(tc, sighup_replaces_workers_without_dropping_requests);
	tcase_add_test(tc, health_follows_database_outage);
	tcase_add_test(tc, sigterm_drains_in_flight_request);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
