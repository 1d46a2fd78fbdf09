/*
 * test_limits.c — hostile request bodies (issue 10, item 1), end to end
 * through nginx.
 *
 * The attack: three concurrent unauthenticated POST /api/auth/login bodies
 * of 4.5 MB, {"username_or_email":[{},{},…]}, took one worker from 5 MB to
 * 2 GB RSS and kept 3.4 GB afterwards, because every route accepted
 * IG_MAX_BODY and json-c built the whole tree before any limit was checked.
 * Two fixes are pinned here: each route's body limit (the max_body column of
 * app/fcgi/routes.c, 413 before the body is read) and the pre-parse scan of
 * lib/core/json.c (tokens, containers, depth and container sizes, 400 before
 * json-c allocates). Each attack runs while a thread polls /health and
 * another samples the workers' RSS; the growth must stay under 32 MB and
 * every /health must answer. Durations are printed, never asserted (timing
 * assertions are flaky on a busy machine).
 *
 * Also: a client past its rate limit is refused without a database write.
 *
 * Needs a live stack (tests/support/stack up DIR; IG_MAX_BODY is 1 MiB there).
 */
#include "ig_autoconf.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "itest.h"

#define RSS_BUDGET_KB (32L * 1024)
#define MAX_WORKERS 64

/* A field of /proc/PID/status in kB (VmRSS, VmHWM); 0 when unreadable. */
static long
status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = atol(line + flen + 1);
			break;
		}
	fclose(f);
	return kb;
}

/* Reset a worker's peak RSS (VmHWM) to its current RSS; 0 when done (root). */
static int
reset_peak(pid_t pid)
{
	char path[64];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fputs("5", f) < 0;
	return fclose(f) != 0 || rc ? -1 : 0;
}

/* The watch kept during one attack: the workers' RSS and /health. */
typedef struct watch {
	int stop;
	int n;
	pid_t pid[MAX_WORKERS];
	long base_kb[MAX_WORKERS], peak_kb[MAX_WORKERS];
	int hwm_reset[MAX_WORKERS];
	int health_ok, health_failed;
	pthread_t sampler, poller;
} watch;

static void *
sampler_main(void *arg)
{
	watch *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < w->n; i++) {
			long kb = status_kb(w->pid[i], "VmRSS");
			if (kb > w->peak_kb[i])
				w->peak_kb[i] = kb;
		}
		it_sleep_ms(5);
	}
	return NULL;
}

static void *
poller_main(void *arg)
{
	watch *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		it_resp r;
		it_http_ex(NULL, "GET", "/health", NULL, 0, NULL, 10, &r);
		if (r.status == 200)
			w->health_ok++;
		else
			w->health_failed++;
		it_resp_free(&r);
		it_sleep_ms(20);
	}
	return NULL;
}

static void
watch_start(watch *w)
{
	memset(w, 0, sizeof(*w));
	w->n = it_workers_of(it_master_pid(), w->pid, MAX_WORKERS);
	ck_assert_int_gt(w->n, 0);
	for (int i = 0; i < w->n; i++) {
		w->base_kb[i] = w->peak_kb[i] = status_kb(w->pid[i], "VmRSS");
		w->hwm_reset[i] = reset_peak(w->pid[i]) == 0;
	}
	pthread_create(&w->sampler, NULL, sampler_main, w);
	pthread_create(&w->poller, NULL, poller_main, w);
	it_sleep_ms(100);
}

/* Stop the watch and assert: the same workers (none died), each grew less
 * than RSS_BUDGET_KB at its peak, and /health answered every time. */
static void
watch_end(watch *w, const char *what)
{
	pid_t now[MAX_WORKERS];
	int n;

	it_sleep_ms(100);
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
	pthread_join(w->sampler, NULL);
	pthread_join(w->poller, NULL);
	n = it_workers_of(it_master_pid(), now, MAX_WORKERS);
	ck_assert_int_eq(n, w->n);
	for (int i = 0; i < w->n; i++) {
		long peak = w->peak_kb[i], hwm = status_kb(w->pid[i], "VmHWM");
		ck_assert_msg(now[i] == w->pid[i], "%s: worker %d was replaced", what, (int)w->pid[i]);
		/* The kernel's own peak, when it could be reset before the attack,
		 * catches a spike between two samples. */
		if (w->hwm_reset[i] && hwm > peak)
			peak = hwm;
		printf("%s: worker %d RSS %ld kB before, peak %ld kB (%s)\n", what, (int)w->pid[i],
		    w->base_kb[i], peak, w->hwm_reset[i] ? "VmHWM" : "sampled");
		ck_assert_msg(peak - w->base_kb[i] < RSS_BUDGET_KB,
		    "%s: worker %d grew %ld kB (from %ld kB); the budget is %ld kB",
		    what, (int)w->pid[i], peak - w->base_kb[i], w->base_kb[i], RSS_BUDGET_KB);
	}
	printf("%s: /health answered %d times during it, %d failed\n", what, w->health_ok,
	    w->health_failed);
	ck_assert_int_gt(w->health_ok, 0);
	ck_assert_int_eq(w->health_failed, 0);
}

/* head, then unit repeated (comma-separated) until the body is about
 * size bytes, then tail. */
static char *
hostile_body(const char *head, const char *unit, size_t size, const char *tail, size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), o = 0;
	char *b = ig_xmalloc(size + ul + hl + tl + 2);

	memcpy(b, head, hl);
	o = hl;
	while (o + ul + 1 + tl < size) {
		if (o > hl)
			b[o++] = ',';
		memcpy(b + o, unit, ul);
		o += ul;
	}
	memcpy(b + o, tail, tl);
	o += tl;
	b[o] = '\0';
	*len = o;
	return b;
}

/* Send body to path (bearer may be NULL) while watching; the answer must
 * be want_status (0: 400 or 413) with a JSON error code of those two. */
static void
attack(const char *what, const char *path, const char *bearer, const char *body, size_t len,
    const char *source_ip, long want_status)
{
	static const char *const hdrs[] = { "Content-Type: application/json", NULL };
	it_req q = { .method = "POST", .path = path, .body = body, .len = len, .headers = hdrs,
		.bearer = bearer, .source_ip = source_ip, .timeout_s = 60 };
	const char *code;
	it_resp r;
	watch w;
	json_object *o;
	int64_t t0;

	watch_start(&w);
	t0 = ig_now_us();
	it_request(&q, &r);
	printf("%s: %zu bytes answered %ld in %.1f ms\n", what, len, r.status,
	    (double)(ig_now_us() - t0) / 1000.0);
	watch_end(&w, what);
	ck_assert_msg(r.rc == CURLE_OK, "%s: %s", what, curl_easy_strerror(r.rc));
	if (want_status != 0)
		ck_assert_int_eq(r.status, want_status);
	else
		ck_assert_msg(r.status == 400 || r.status == 413, "%s: answered %ld", what, r.status);
	o = it_json_body(&r);
	code = it_jstr(o, "error", "code");
	printf("%s: %s: %s\n", what, code, it_jstr(o, "error", "message"));
	ck_assert_msg(strcmp(code, r.status == 413 ? "payload_too_large" : "invalid_json") == 0,
	    "%s: error code %s", what, code);
	json_object_put(o);
	it_resp_free(&r);
}

/* The body of the issue at 1 MB (under the stack's IG_MAX_BODY of 1 MiB, so
 * before the fix it reached json-c: 250 MB) and at 10 MB: refused, small. */
START_TEST(login_array_of_empty_objects)
{
	static const size_t sizes[] = { 1000000, 10000000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char what[64];
		size_t len;
		char *b = hostile_body("{\"username_or_email\":[", "{}", sizes[i], "]}", &len);

		snprintf(what, sizeof(what), "login %zu MB", sizes[i] / 1000000);
		attack(what, "/api/auth/login", NULL, b, len, "127.0.0.61", 0);
		free(b);
	}
}
END_TEST

/* A route that takes the whole IG_MAX_BODY (batch submit) gets the same
 * bodies past its authentication: the scan refuses them, json-c never runs.
 * Before the fix the first built 333k objects; the second passed the old
 * per-array check (1000 each) and built 300k; the third is one object of
 * 100k members (duplicate keys: cheap for json-c, refused by count alone). */
START_TEST(batch_bodies_are_refused_by_the_scan)
{
	char *token = it_new_user("lim", "127.0.0.62", NULL), *inner, *b;
	size_t len, ilen;

	b = hostile_body("{\"prompts\":[", "{}", 1000000, "]}", &len);
	attack("batch array of 333k {}", "/api/batch/generate", token, b, len, "127.0.0.62", 400);
	free(b);

	inner = hostile_body("[", "{}", 3002, "]", &ilen);   /* 1000 {} */
	b = hostile_body("{\"prompts\":[", inner, 1000000, "]}", &len);
	attack("batch 300 arrays of 1000 {}", "/api/batch/generate", token, b, len, "127.0.0.62", 400);
	free(inner);
	free(b);

	b = hostile_body("{\"prompts\":[\"a\"],\"settings\":{", "\"k\":0", 700000, "}}", &len);
	attack("batch object of 100k members", "/api/batch/generate", token, b, len, "127.0.0.62", 400);
	free(b);
	free(token);
}
END_TEST

/* Each route's own limit (routes.c): login takes 64 KiB, a byte more is a
 * 413 before the body is read; batch submit takes IG_MAX_BODY. */
START_TEST(route_body_limits)
{
	long max_body = atol(it_env("IG_MAX_BODY"));
	size_t n = 64 * 1024;
	char *b = ig_xmalloc((size_t)max_body + 2);
	it_resp r;
	json_object *o;

	/* {"username_or_email":"nobody","password":"x"} padded to exactly n. */
	memset(b, ' ', (size_t)max_body + 1);
	memcpy(b, "{\"username_or_email\":\"nobody\",\"password\":\"x\"", 44);
	b[n - 1] = '}';
	it_json(&r, "127.0.0.63", "POST", "/api/auth/login", NULL, "%.*s", (int)n, b);
	ck_assert_int_eq(r.status, 401);
	it_resp_free(&r);
	b[n - 1] = ' ';
	b[n] = '}';
	it_json(&r, "127.0.0.63", "POST", "/api/auth/login", NULL, "%.*s", (int)n + 1, b);
	ck_assert_int_eq(r.status, 413);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "code"), "payload_too_large");
	ck_assert_ptr_nonnull(strstr(it_jstr(o, "error", "message"), "the limit here is 65536"));
	json_object_put(o);
	it_resp_free(&r);

	/* Batch submit: far past 64 KiB is still read (401 without a token),
	 * IG_MAX_BODY + 1 is not. */
	b[n] = ' ';
	b[max_body - 1] = '}';
	it_json(&r, "127.0.0.63", "POST", "/api/batch/generate", NULL, "%.*s", (int)max_body, b);
	ck_assert_int_eq(r.status, 401);
	it_resp_free(&r);
	b[max_body - 1] = ' ';
	b[max_body] = '}';
	it_json(&r, "127.0.0.63", "POST", "/api/batch/generate", NULL, "%.*s", (int)max_body + 1, b);
	ck_assert_int_eq(r.status, 413);
	it_resp_free(&r);
	free(b);
}
END_TEST

/* ---------------------------------------------- FastCGI, without nginx */

/* nginx always passes CONTENT_LENGTH (it buffers a chunked body first), so
 * these speak FastCGI 1.0 to the pool's socket directly: a record is
 * {version 1, type, request id, content length, padding} then the content. */
static void
fcgi_record(ig_buf *b, int type, const void *p, size_t n)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, 1, (unsigned char)(n >> 8),
		(unsigned char)n, 0, 0 };

	ig_buf_append(b, h, sizeof(h));
	ig_buf_append(b, p, n);
}

static void
fcgi_param(ig_buf *params, const char *name, const char *value)
{
	unsigned char l[2] = { (unsigned char)strlen(name), (unsigned char)strlen(value) };

	ig_buf_append(params, l, 2);
	ig_buf_puts(params, name);
	ig_buf_puts(params, value);
}

/* POST body (len bytes) to /api/auth/login with content_length as the
 * CONTENT_LENGTH param (NULL: none); returns the FastCGI stdout the
 * application wrote (headers and body; caller frees). */
static char *
fcgi_login(const char *content_length, const char *body, size_t len)
{
	static const unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };  /* responder */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ig_buf req = { 0 }, params = { 0 }, out = { 0 };
	unsigned char h[8];
	int fd, done = 0;

	fcgi_record(&req, 1, begin, sizeof(begin));
	fcgi_param(&params, "REQUEST_METHOD", "POST");
	fcgi_param(&params, "DOCUMENT_URI", "/api/auth/login");
	fcgi_param(&params, "CONTENT_TYPE", "application/json");
	fcgi_param(&params, "REMOTE_ADDR", "127.0.0.64");
	if (content_length != NULL)
		fcgi_param(&params, "CONTENT_LENGTH", content_length);
	fcgi_record(&req, 4, params.data, params.len);
	fcgi_record(&req, 4, "", 0);
	for (size_t o = 0; o < len; o += 32768)
		fcgi_record(&req, 5, body + o, len - o > 32768 ? 32768 : len - o);
	fcgi_record(&req, 5, "", 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/imagegen.sock", it_env("IG_TEST_STACK"));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s", sa.sun_path);
	for (size_t o = 0; o < req.len;) {
		ssize_t n = write(fd, req.data + o, req.len - o);
		if (n <= 0)
			break; /* the application may answer and close before reading all */
		o += (size_t)n;
	}
	while (!done && read(fd, h, 8) == 8) {
		size_t n = ((size_t)h[4] << 8 | h[5]) + h[6];
		char *c = ig_xmalloc(n + 1);
		size_t got = 0;
		ssize_t k;

		while (got < n && (k = read(fd, c + got, n - got)) > 0)
			got += (size_t)k;
		if (h[1] == 6)
			ig_buf_append(&out, c, (size_t)h[4] << 8 | h[5]);
		done = h[1] == 3;
		free(c);
	}
	close(fd);
	ig_buf_append(&out, "", 0);
	ig_buf_free(&req);
	ig_buf_free(&params);
	return out.data;
}

/* Without CONTENT_LENGTH the body is still read, but only until it passes
 * the route's limit (413); a CONTENT_LENGTH larger than the body is a 400,
 * and bytes past a smaller one are not read. Before the fix a body without
 * CONTENT_LENGTH was ignored (400 "request body is empty"). */
START_TEST(content_length_missing_or_lying)
{
	static const char login[] = "{\"username_or_email\":\"nobody\",\"password\":\"x\"}";
	size_t n = 200 * 1024;
	char *big = ig_xmalloc(n), *out;

	memset(big, ' ', n);
	memcpy(big, login, sizeof(login) - 1);

	out = fcgi_login(NULL, login, sizeof(login) - 1);
	ck_assert_msg(strncmp(out, "Status: 401", 11) == 0, "no CONTENT_LENGTH, small body: %.200s", out);
	free(out);
	out = fcgi_login(NULL, big, n);
	ck_assert_msg(strncmp(out, "Status: 413", 11) == 0, "no CONTENT_LENGTH, 200 KiB: %.200s", out);
	ck_assert_ptr_nonnull(strstr(out, "payload_too_large"));
	free(out);
	out = fcgi_login("1000", login, sizeof(login) - 1);
	ck_assert_msg(strncmp(out, "Status: 400", 11) == 0, "CONTENT_LENGTH past the body: %.200s", out);
	ck_assert_ptr_nonnull(strstr(out, "ended early"));
	free(out);
	out = fcgi_login("60", big, n);   /* the login object and 15 of the spaces */
	ck_assert_msg(strncmp(out, "Status: 401", 11) == 0, "CONTENT_LENGTH short of the body: %.200s", out);
	free(out);
	free(big);
}
END_TEST

/*
 * Refusing must be cheaper than serving (item 8): once a user is over
 * IG_RATE_LIMIT, each worker process remembers the refusal for the rest of
 * the window and answers 429 before verifying the token or asking the
 * database. Observable: the shared count in rate_limits grows by one per
 * request served, but not by one per request refused (before the fix it
 * grew by every refused request too). Each worker process may still learn
 * of the refusal from the database once, and the window may turn over once.
 */
START_TEST(refusals_past_the_limit_skip_the_database)
{
	long limit = atol(it_env("IG_RATE_LIMIT")), ok = 0, refused = 0, extra = 100;
	char name[64], *token = it_new_user("rl", "127.0.0.63", name), *id, *sum;
	json_object *me;
	it_resp r;

	it_json(&r, "127.0.0.63", "GET", "/api/user", token, NULL);
	ck_assert_int_eq(r.status, 200);
	me = it_json_body(&r);
	id = strdup(it_sql_safe(it_jstr(me, "user", "id")));
	json_object_put(me);
	it_resp_free(&r);
	ok = 1;
	while (refused < extra && ok + refused < 3 * limit + extra) {
		it_json(&r, "127.0.0.63", "GET", "/api/user", token, NULL);
		if (r.status == 200)
			ok++;
		else if (r.status == 429)
			refused++;
		else
			ck_abort_msg("GET /api/user answered %ld", r.status);
		it_resp_free(&r);
	}
	ck_assert_int_eq(refused, extra);
	sum = it_psql("SELECT coalesce(sum(count), 0) FROM rate_limits WHERE key = 'user:%s:all'", id);
	printf("rate limit %ld: %ld served, %ld refused, shared count %s\n", limit, ok, refused, sum);
	/* The served ones, plus at most a few refusals per process (IG_WORKERS
	 * 2 here) and window: far from the 100 refused. */
	ck_assert_msg(atol(sum) <= ok + 8, "the shared count %s grew with the refusals (%ld served)",
	    sum, ok);
	free(sum);
	free(id);
	free(token);
}
END_TEST

/* it_main line-buffers stdout: the figures printed by a test that then
 * fails are not lost in its forked child's buffer. */
IT_MAIN("limits", NULL,
	IT_TCASE("hostile_bodies", 300,
	    &route_body_limits,
	    &login_array_of_empty_objects,
	    &batch_bodies_are_refused_by_the_scan,
	    &content_length_missing_or_lying,
	    &refusals_past_the_limit_skip_the_database)
);
