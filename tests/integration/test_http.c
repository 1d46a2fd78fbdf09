/*
 * test_http.c — the foundation driven end to end through nginx with
 * libcurl: /health, the error shapes, the body limit, and the master's
 * supervision (kill -9 of a worker, SIGTERM drain) and database outages.
 *
 * Needs a live stack: tests/support/stack up DIR writes DIR/env, whose
 * IG_TEST_BASE_URL, IG_TEST_HTTPS_URL, IG_TEST_STACK, IG_TEST_STACK_CMD and
 * IG_TLS_CERT this suite reads. scripts/test does all of that. The HTTP,
 * JSON and process helpers (it_*) live in itest.c.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

/* The seed's fields plus database and runners, with their types. */
START_TEST(health_has_the_seed_shape)
{
	it_resp r;
	json_object *o, *d, *v;
	char rid[80];

	it_http("GET", "/health", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "status", NULL), "healthy");
	ck_assert_str_eq(it_jstr(o, "version", NULL), "3.0");
	ck_assert_str_eq(it_jstr(o, "environment", NULL), "test");
	ck_assert(strlen(it_jstr(o, "timestamp", NULL)) >= 20);
	ck_assert(strlen(it_jstr(o, "project_root", NULL)) > 0);
	ck_assert(json_object_object_get_ex(o, "directories", &d));
	ck_assert(json_object_object_get_ex(d, "missing", &v) && json_object_is_type(v, json_type_array));
	ck_assert(json_object_object_get_ex(d, "all_present", &v) && json_object_get_boolean(v));
	ck_assert_str_eq(it_jstr(o, "database", "status"), "up");
	ck_assert(json_object_object_get_ex(o, "database", &d));
	ck_assert(json_object_object_get_ex(d, "latency_ms", &v) && json_object_is_type(v, json_type_double));
	ck_assert(json_object_object_get_ex(o, "runners", &d));
	ck_assert(json_object_object_get_ex(d, "active", &v) && json_object_is_type(v, json_type_int));
	ck_assert(it_header(&r, "X-Request-Id", rid, sizeof(rid)) && strlen(rid) > 0);
	ck_assert(it_header(&r, "Content-Type", rid, sizeof(rid)));
	ck_assert_ptr_nonnull(strstr(rid, "application/json"));
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

/* A client's sane X-Request-Id is kept end to end; a header-injection
 * attempt is replaced, never echoed. */
START_TEST(request_id_is_taken_or_made)
{
	static const char *const good[] = { "X-Request-Id: trace-42.abc", NULL };
	static const char *const bad[] = { "X-Request-Id: a b;c", NULL };
	it_resp r;
	char rid[80];

	it_http_ex(it_env("IG_TEST_BASE_URL"), "GET", "/api/nothing-here", NULL, 0, good, 30, &r);
	ck_assert(it_header(&r, "X-Request-Id", rid, sizeof(rid)));
	ck_assert_str_eq(rid, "trace-42.abc");
	json_object *o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "request_id", NULL), "trace-42.abc");
	json_object_put(o);
	it_resp_free(&r);

	it_http_ex(it_env("IG_TEST_BASE_URL"), "GET", "/health", NULL, 0, bad, 30, &r);
	ck_assert(it_header(&r, "X-Request-Id", rid, sizeof(rid)));
	ck_assert_str_ne(rid, "a b;c");
	ck_assert(strlen(rid) >= 16);
	it_resp_free(&r);
}
END_TEST

/* HTTPS is served with the stack's certificate, verified, not skipped. */
START_TEST(https_serves_health_with_hsts)
{
	it_resp r;
	char v[200];

	it_http_ex(it_env("IG_TEST_HTTPS_URL"), "GET", "/health", NULL, 0, NULL, 30, &r);
	ck_assert_msg(r.rc == CURLE_OK, "TLS request failed: %s", curl_easy_strerror(r.rc));
	ck_assert_int_eq(r.status, 200);
	ck_assert(it_header(&r, "Strict-Transport-Security", v, sizeof(v)));
	it_resp_free(&r);
}
END_TEST

/* / is the static page of web/, with the same security headers as the API. */
START_TEST(root_serves_the_web_page)
{
	it_resp r;
	char v[256];

	it_http("GET", "/", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(it_header(&r, "Content-Type", v, sizeof(v)));
	ck_assert_msg(strncmp(v, "text/html", 9) == 0, "Content-Type %s", v);
	ck_assert(it_header(&r, "Content-Security-Policy", v, sizeof(v)));
	ig_buf_append(&r.body, "", 1);
	ck_assert_ptr_nonnull(strstr(r.body.data, "/api/openapi.json"));
	it_resp_free(&r);
}
END_TEST

START_TEST(unknown_route_is_json_404)
{
	it_resp r;
	json_object *o;

	it_http("GET", "/api/does-not-exist", NULL, 0, &r);
	ck_assert_int_eq(r.status, 404);
	o = it_json_body(&r);
	ck_assert(!json_object_get_boolean(json_object_object_get(o, "success")));
	ck_assert_str_eq(it_jstr(o, "error", "code"), "not_found");
	ck_assert(strlen(it_jstr(o, "error", "message")) > 0);
	ck_assert(strlen(it_jstr(o, "request_id", NULL)) > 0);
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
	it_resp r;
	char allow[100];
	json_object *o;

	it_http("DELETE", "/health", NULL, 0, &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert(it_header(&r, "Allow", allow, sizeof(allow)));
	ck_assert_str_eq(allow, "GET, HEAD");
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "code"), "method_not_allowed");
	json_object_put(o);
	it_resp_free(&r);
}
END_TEST

START_TEST(head_answers_without_body)
{
	it_resp r;

	it_http("HEAD", "/health", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.body.len, 0);
	it_resp_free(&r);
}
END_TEST

/* IG_MAX_BODY is 1 MiB in the test stack: on batch submit, whose row takes
 * all of it, one byte more is a JSON 413 from the application, and a body at
 * the limit goes through to authentication. Routes with a smaller limit
 * (and paths no route takes) answer 413 past theirs: test_limits. */
START_TEST(oversized_body_is_413)
{
	long limit = atol(it_env("IG_MAX_BODY"));
	char *big = ig_xmalloc((size_t)limit + 1);
	it_resp r;
	json_object *o;

	memset(big, 'x', (size_t)limit + 1);
	it_http("POST", "/api/batch/generate", big, (size_t)limit + 1, &r);
	ck_assert_int_eq(r.status, 413);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "code"), "payload_too_large");
	json_object_put(o);
	it_resp_free(&r);

	it_http("POST", "/api/batch/generate", big, (size_t)limit, &r);
	ck_assert_int_eq(r.status, 401);
	it_resp_free(&r);
	it_http("POST", "/api/health", big, 64 * 1024 + 1, &r);
	ck_assert_int_eq(r.status, 413);
	it_resp_free(&r);
	it_http("POST", "/api/health", big, 64 * 1024, &r);
	ck_assert_int_eq(r.status, 405);
	it_resp_free(&r);
	free(big);
}
END_TEST

/* Beyond nginx's own client_max_body_size the answer is still JSON. */
START_TEST(nginx_body_limit_answers_json)
{
	size_t n = 65 * 1024 * 1024;
	char *big = ig_xmalloc(n);
	it_resp r;

	memset(big, 'x', n);
	it_http("POST", "/api/health", big, n, &r);
	ck_assert_int_eq(r.status, 413);
	json_object *o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "code"), "payload_too_large");
	json_object_put(o);
	it_resp_free(&r);
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
		it_resp r;
		it_http("GET", "/health", NULL, 0, &r);
		if (r.status == 200)
			f->ok++;
		else
			f->failed++;
		it_resp_free(&r);
	}
	return NULL;
}

/* kill -9 of a worker while requests flow: the master replaces it and
 * every later request succeeds. How fast is a figure of scripts/chaos
 * (worker-kill), not a bar here: a timing assertion is flaky on a busy
 * machine, so this waits up to 10 s. */
START_TEST(killed_worker_is_replaced)
{
	pid_t master = it_master_pid(), before[64], after[64];
	int n, m = 0, ok_after = 0;
	flow f = { 0 };
	pthread_t t;
	int64_t t0;

	n = it_workers_of(master, before, 64);
	ck_assert_int_eq(n, atoi(it_env("IG_WORKERS")));
	pthread_create(&t, NULL, flow_main, &f);
	it_sleep_ms(200);
	ck_assert_int_eq(kill(before[0], SIGKILL), 0);
	t0 = ig_now_ms();
	while (ig_now_ms() - t0 < 10000) {
		m = it_workers_of(master, after, 64);
		int replaced = m == n;
		for (int i = 0; i < m; i++)
			if (after[i] == before[0])
				replaced = 0;
		if (replaced)
			break;
		it_sleep_ms(10);
	}
	ck_assert_msg(ig_now_ms() - t0 < 10000, "the pool was not whole again within 10 s");
	ck_assert_int_eq(m, n);
	it_sleep_ms(300);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert(f.ok > 0);
	for (int i = 0; i < 50; i++) {
		it_resp r;
		it_http("GET", "/health", NULL, 0, &r);
		ok_after += r.status == 200;
		it_resp_free(&r);
	}
	ck_assert_int_eq(ok_after, 50);
}
END_TEST

/* SIGHUP re-executes the master: same pid, a whole new set of workers,
 * and not one request refused while requests flow. */
START_TEST(sighup_replaces_workers_without_dropping_requests)
{
	pid_t master = it_master_pid(), before[64], after[64];
	int n = it_workers_of(master, before, 64), m = 0, fresh = 0;
	flow f = { 0 };
	pthread_t t;

	pthread_create(&t, NULL, flow_main, &f);
	it_sleep_ms(200);
	ck_assert_int_eq(kill(master, SIGHUP), 0);
	for (int tries = 0; tries < 100 && !fresh; tries++) {
		it_sleep_ms(100);
		m = it_workers_of(master, after, 64);
		fresh = m == n;
		for (int i = 0; i < m && fresh; i++)
			for (int j = 0; j < n; j++)
				if (after[i] == before[j])
					fresh = 0;
	}
	it_sleep_ms(300);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert_msg(fresh, "workers were not replaced after SIGHUP");
	ck_assert_int_eq(kill(master, 0), 0);
	ck_assert_int_eq(it_master_pid(), master);
	ck_assert(f.ok > 0);
	ck_assert_int_eq(f.failed, 0);
}
END_TEST

/* /health says 503 "unhealthy" while PostgreSQL is down and 200 once it is
 * back, with no worker restarted in between (transparent reconnection). */
START_TEST(health_follows_database_outage)
{
	pid_t master = it_master_pid(), before[64], after[64];
	int n = it_workers_of(master, before, 64);
	it_resp r;
	json_object *o;

	ck_assert_int_eq(it_wait_health(200, 20), 200);
	it_stack("pg-stop");
	ck_assert_int_eq(it_wait_health(503, 40), 503);
	it_http("GET", "/health", NULL, 0, &r);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "status", NULL), "unhealthy");
	ck_assert_str_eq(it_jstr(o, "database", "status"), "down");
	json_object_put(o);
	it_resp_free(&r);
	it_stack("pg-start");
	ck_assert_int_eq(it_wait_health(200, 60), 200);
	ck_assert_int_eq(it_workers_of(master, after, 64), n);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(after[i], before[i]);
}
END_TEST

typedef struct slow {
	it_resp r;
} slow;

static void *
slow_main(void *arg)
{
	slow *s = arg;

	it_http("GET", "/health", NULL, 0, &s->r);
	return NULL;
}

/* Signal every process of the stack's PostgreSQL (postmaster + backends). */
static void
signal_postgres(int sig)
{
	char path[512], cmd[700];
	FILE *f;
	int pm = 0;

	snprintf(path, sizeof(path), "%s/pg/data/postmaster.pid", it_env("IG_TEST_STACK"));
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
	pid_t master = it_master_pid();
	slow s;
	pthread_t t;
	json_object *o;

	ck_assert_int_eq(it_wait_health(200, 20), 200);
	signal_postgres(SIGSTOP);
	/* Let the cached probe expire so the next request asks the database. */
	it_sleep_ms(atoi(getenv("IG_HEALTH_CACHE_MS") ? getenv("IG_HEALTH_CACHE_MS") : "1000") + 300);
	pthread_create(&t, NULL, slow_main, &s);
	it_sleep_ms(400);
	ck_assert_int_eq(kill(master, SIGTERM), 0);
	it_sleep_ms(300);
	/* Still draining: the request holds a worker. */
	ck_assert_int_eq(kill(master, 0), 0);
	pthread_join(t, NULL);
	signal_postgres(SIGCONT);
	ck_assert_msg(s.r.rc == CURLE_OK, "request failed: %s", curl_easy_strerror(s.r.rc));
	ck_assert_int_eq(s.r.status, 503);
	o = it_json_body(&s.r);
	ck_assert_str_eq(it_jstr(o, "database", "status"), "down");
	json_object_put(o);
	it_resp_free(&s.r);
	/* The master exits once drained. */
	for (int i = 0; i < 100 && kill(master, 0) == 0; i++)
		it_sleep_ms(100);
	ck_assert_int_ne(kill(master, 0), 0);
	it_stack("pool-start");
	ck_assert_int_eq(it_wait_health(200, 40), 200);
}
END_TEST

/* Run `imagegen health --fcgi` with IG_SOCKET=sock; its exit status. */
static int
health_fcgi(const char *sock)
{
	char cmd[1500];
	int rc;

	snprintf(cmd, sizeof(cmd), "IG_SOCKET='%s' '%s/app/imagegen' health --fcgi >/dev/null 2>&1", sock,
	    it_env("IG_BUILD_DIR"));
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Start imagegen-fcgi in the background, in a session of its own, after the
 * shell assignments env and behind wrap (a command that execs it, or ""),
 * logging to the stack's log/<name>.log; the pid of the process started
 * (wrap's when there is one). */
static int
start_master(const char *env, const char *wrap, const char *name)
{
	char pidf[512], cmd[2500];
	FILE *f;
	int pid = 0;

	snprintf(pidf, sizeof(pidf), "%s/run/%s.pid", it_env("IG_TEST_STACK"), name);
	snprintf(cmd, sizeof(cmd), "%s setsid %s '%s/app/imagegen-fcgi' >>'%s/log/%s.log' 2>&1 </dev/null & echo $! >'%s'",
	    env, wrap, it_env("IG_BUILD_DIR"), it_env("IG_TEST_STACK"), name, pidf);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(pidf, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return pid;
}

static int
wait_socket(const char *path, int present, int tries)
{
	for (int i = 0; i < tries; i++) {
		if ((access(path, F_OK) == 0) == present)
			return 1;
		it_sleep_ms(100);
	}
	return 0;
}

/*
 * The master as pid 1 of its pid namespace, as in a container: its workers
 * must not take "my parent is pid 1" for "my master died". Started with
 * unshare(1) on a socket of its own; every health round trip must succeed
 * well after start (a worker exiting at birth answers nothing), and
 * SIGTERM through unshare still drains and removes the socket.
 */
START_TEST(master_as_pid1_keeps_its_workers)
{
	char sock[512], env[600], cmd[2500];

	snprintf(sock, sizeof(sock), "%s/run/pid1.sock", it_env("IG_TEST_STACK"));
	unlink(sock);
	snprintf(env, sizeof(env), "IG_SOCKET='%s'", sock);
	int upid = start_master(env, "unshare --pid --fork --mount-proc --kill-child=TERM", "pid1");
	int made = wait_socket(sock, 1, 100), answered = 0;
	/* Past the master's crash window, so a worker dying at birth shows. */
	it_sleep_ms(1500);
	for (int i = 0; made && i < 5; i++)
		answered += health_fcgi(sock) == 0;
	/* What `docker stop` does: SIGTERM to pid 1 from outside its
	 * namespace (unshare itself ignores SIGTERM while it waits). Sent
	 * before any assertion, so a failure leaves no master behind. */
	snprintf(cmd, sizeof(cmd), "pkill -TERM -P %d", upid);
	int termed = system(cmd) == 0, drained = wait_socket(sock, 0, 400);
	if (!drained) {
		snprintf(cmd, sizeof(cmd), "pkill -KILL -P %d", upid);
		(void)system(cmd);
	}
	ck_assert_msg(made, "the pid-1 master made no socket (log/pid1.log)");
	ck_assert_int_eq(answered, 5);
	ck_assert(termed);
	ck_assert_msg(drained, "the pid-1 master did not drain on SIGTERM");
}
END_TEST

/* --fcgi fails on a socket that accepts and never answers (what nginx met
 * when every worker had died) and on no socket at all. */
START_TEST(health_fcgi_needs_an_answer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/silent.sock", it_env("IG_TEST_STACK"));
	unlink(sa.sun_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(health_fcgi(sa.sun_path), 1);
	close(fd);
	unlink(sa.sun_path);
	ck_assert_int_eq(health_fcgi(sa.sun_path), 1);
	ck_assert_int_eq(health_fcgi(it_env("IG_SOCKET")), 0);
}
END_TEST

/* pid runs (a zombie, which an init that does not reap leaves, does not). */
static int
alive(int pid)
{
	char path[64], state = 'Z';
	FILE *f;

	if (kill(pid, 0) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 'Z';
	fclose(f);
	return state != 'Z';
}

/*
 * A TCP IG_SOCKET off loopback (0.0.0.0:PORT) is refused with a message
 * naming IG_SOCKET_ANY_ADDRESS; with IG_SOCKET_ANY_ADDRESS=1 (what
 * deploy/scaled.yml sets for app:9000) the master serves on it and drains
 * on SIGTERM.
 */
START_TEST(tcp_socket_off_loopback_needs_any_address)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	char sock[64], where[64], env[128], cmd[2500], *log;
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc, pid, answered = 0, gone = 0;

	/* A free port: the kernel's pick, given back at once. */
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(sock, sizeof(sock), "0.0.0.0:%d", ntohs(sa.sin_port));
	snprintf(where, sizeof(where), "127.0.0.1:%d", ntohs(sa.sin_port));
	snprintf(cmd, sizeof(cmd), "IG_SOCKET='%s' IG_SOCKET_ANY_ADDRESS=0 timeout 30 '%s/app/imagegen-fcgi'"
	    " >'%s/log/anyaddr.log' 2>&1 </dev/null", sock, it_env("IG_BUILD_DIR"), it_env("IG_TEST_STACK"));
	rc = system(cmd);
	ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "imagegen-fcgi on %s: status %d", sock, rc);
	log = it_stack_log("anyaddr.log");
	ck_assert_msg(strstr(log, "IG_SOCKET: 0.0.0.0:") && strstr(log, "IG_SOCKET_ANY_ADDRESS=1"),
	    "the refusal does not name the settings: %s", log);
	free(log);

	snprintf(env, sizeof(env), "IG_SOCKET='%s' IG_SOCKET_ANY_ADDRESS=1", sock);
	pid = start_master(env, "", "anyaddr");
	for (int i = 0; i < 100 && !answered && alive(pid); i++) {
		answered = health_fcgi(where) == 0;
		if (!answered)
			it_sleep_ms(100);
	}
	/* Stopped before any assertion, so a failure leaves no master. */
	kill(pid, SIGTERM);
	for (int i = 0; i < 400 && !gone; i++) {
		gone = !alive(pid);
		if (!gone)
			it_sleep_ms(100);
	}
	if (!gone)
		kill(-pid, SIGKILL);
	ck_assert_msg(answered, "no FastCGI answer on %s (log/anyaddr.log)", where);
	ck_assert_msg(gone, "the master on %s did not drain on SIGTERM", sock);
}
END_TEST

IT_MAIN("http", NULL,
	IT_TCASE("pipeline", 120,
	    &health_has_the_seed_shape,
	    &request_id_is_taken_or_made,
	    &https_serves_health_with_hsts,
	    &root_serves_the_web_page,
	    &unknown_route_is_json_404,
	    &wrong_method_is_405_with_allow,
	    &head_answers_without_body,
	    &oversized_body_is_413,
	    &nginx_body_limit_answers_json,
	    &health_fcgi_needs_an_answer,
	    &tcp_socket_off_loopback_needs_any_address,
	    &master_as_pid1_keeps_its_workers),
	/* These change the stack's processes: they run after the others, in
	 * this order, each leaving the stack whole again. */
	IT_TCASE("supervision", 120,
	    &killed_worker_is_replaced,
	    &sighup_replaces_workers_without_dropping_requests,
	    &health_follows_database_outage,
	    &sigterm_drains_in_flight_request)
);
