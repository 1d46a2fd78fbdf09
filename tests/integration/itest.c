/*
 * itest.c — helpers shared by the integration suites; see itest.h.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "itest.h"

const char *
it_env(const char *name)
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

void
it_request(const it_req *q, it_resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	const char *base = q->base ? q->base : it_env("IG_TEST_BASE_URL");
	char *url = ig_xasprintf("%s%s", base, q->path);
	char auth[2048], iface[64];

	memset(r, 0, sizeof(*r));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	if (strcmp(q->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (q->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->len);
	}
	h = curl_slist_append(h, "Expect:");
	if (q->bearer != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", q->bearer);
		h = curl_slist_append(h, auth);
	}
	for (int i = 0; q->headers && q->headers[i]; i++)
		h = curl_slist_append(h, q->headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (q->source_ip != NULL) {
		snprintf(iface, sizeof(iface), "host!%s", q->source_ip);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, q->timeout_s > 0 ? q->timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strncmp(base, "https:", 6) == 0)
		curl_easy_setopt(c, CURLOPT_CAINFO, it_env("IG_TLS_CERT"));
	r->rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body.data == NULL)
		ig_buf_append(&r->body, "", 0);
	if (r->headers.data == NULL)
		ig_buf_append(&r->headers, "", 0);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
}

void
it_batch_zip(const char *token, const char *source_ip, const char *batch, const char *name, char *zpath,
    size_t len)
{
	char path[128];
	it_resp r;
	FILE *f;

	snprintf(path, sizeof(path), "/api/batch/%s/download", batch);
	{
		it_req q = { .method = "GET", .path = path, .bearer = token, .source_ip = source_ip, .timeout_s = 60 };
		it_request(&q, &r);
	}
	ck_assert_int_eq(r.status, 200);
	snprintf(zpath, len, "%s/%s-%d.zip", it_env("IG_TEST_STACK"), name, (int)getpid());
	f = fopen(zpath, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(r.body.data, 1, r.body.len, f), r.body.len);
	fclose(f);
	it_resp_free(&r);
}

void
it_http_ex(const char *base, const char *method, const char *path, const char *body, size_t len,
    const char *const *hdrs, long timeout_s, it_resp *r)
{
	it_req q = { .base = base, .method = method, .path = path, .body = body, .len = len,
		.headers = hdrs, .timeout_s = timeout_s };

	it_request(&q, r);
}

void
it_http(const char *method, const char *path, const char *body, size_t len, it_resp *r)
{
	it_http_ex(NULL, method, path, body, len, NULL, 30, r);
}

void
it_json(it_resp *r, const char *source_ip, const char *method, const char *path,
    const char *bearer, const char *fmt, ...)
{
	static const char *const ct[] = { "Content-Type: application/json", NULL };
	it_req q = { .method = method, .path = path, .bearer = bearer, .source_ip = source_ip };
	char *body = NULL;
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		ck_assert(vasprintf(&body, fmt, ap) >= 0);
		va_end(ap);
		q.body = body;
		q.len = strlen(body);
		q.headers = ct;
	}
	it_request(&q, r);
	free(body);
}

char *
it_batch_submit(const char *source_ip, const char *bearer, const char *fmt, ...)
{
	char *body, *id;
	va_list ap;
	it_resp r;
	json_object *o;

	va_start(ap, fmt);
	ck_assert(vasprintf(&body, fmt, ap) >= 0);
	va_end(ap);
	it_json(&r, source_ip, "POST", "/api/batch/generate", bearer, "%s", body);
	ck_assert_msg(r.status == 202, "batch submit: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	id = ig_xstrdup(it_jstr(o, "batch_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
	free(body);
	return id;
}

void
it_resp_free(it_resp *r)
{
	ig_buf_free(&r->body);
	ig_buf_free(&r->headers);
}

int
it_header(const it_resp *r, const char *name, char *out, size_t outlen)
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

json_object *
it_json_body(const it_resp *r)
{
	json_object *o = json_tokener_parse(r->body.data);

	ck_assert_msg(o != NULL, "not JSON (status %ld): %s", r->status, r->body.data);
	return o;
}

const char *
it_jstr(json_object *o, const char *path1, const char *path2)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(o, path1, &v), "no %s in %s", path1,
	    json_object_to_json_string(o));
	if (path2 != NULL)
		ck_assert_msg(json_object_object_get_ex(v, path2, &v), "no %s.%s in %s", path1,
		    path2, json_object_to_json_string(o));
	return json_object_get_string(v);
}

json_object *
it_jpath(json_object *o, const char *dotted)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", dotted);
	for (char *t = strtok_r(buf, ".", &save); t && o; t = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array)) {
			size_t i = (size_t)atoi(t);
			o = i < json_object_array_length(o) ? json_object_array_get_idx(o, i) : NULL;
		} else if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, t, &o)) {
			o = NULL;
		}
	}
	return o;
}

int
it_jhas(json_object *o, const char *dotted)
{
	char buf[256], *save = NULL, *k, *next;

	snprintf(buf, sizeof(buf), "%s", dotted);
	for (k = strtok_r(buf, ".", &save); k; k = next) {
		next = strtok_r(NULL, ".", &save);
		if (o == NULL || !json_object_object_get_ex(o, k, &o))
			return 0;
	}
	return 1;
}

json_object *
it_jneed(json_object *o, const char *dotted, json_type t)
{
	json_object *v = it_jpath(o, dotted);

	ck_assert_msg(v != NULL, "no %s in %s", dotted, json_object_to_json_string(o));
	ck_assert_msg(json_object_is_type(v, t), "%s has type %s in %s", dotted,
	    json_type_to_name(json_object_get_type(v)), json_object_to_json_string(o));
	return v;
}

const char *
it_js(json_object *o, const char *dotted)
{
	return json_object_get_string(it_jneed(o, dotted, json_type_string));
}

int64_t
it_jint(json_object *o, const char *dotted)
{
	return json_object_get_int64(it_jneed(o, dotted, json_type_int));
}

int
it_jbool(json_object *o, const char *dotted)
{
	return json_object_get_boolean(it_jneed(o, dotted, json_type_boolean));
}

void
it_error_shape(const it_resp *r, json_object *o, const char *code, const char *field)
{
	ck_assert_msg(!it_jbool(o, "success"), "success is not false: %s", r->body.data);
	ck_assert_msg(strcmp(it_js(o, "error.code"), code) == 0, "want code %s: %s", code,
	    r->body.data);
	ck_assert_msg(strlen(it_js(o, "error.message")) > 0, "empty message: %s", r->body.data);
	ck_assert_msg(strlen(it_js(o, "request_id")) > 0, "no request_id: %s", r->body.data);
	if (field != NULL) {
		json_object *f = it_jpath(o, "error.field");
		ck_assert_msg(f != NULL && json_object_is_type(f, json_type_string) &&
		    strcmp(json_object_get_string(f), field) == 0, "want field %s: %s", field,
		    r->body.data);
	}
}

void
it_expect_error(const it_resp *r, long status, const char *code, const char *field,
    json_object **out)
{
	json_object *o;

	IT_EXPECT(r, status);
	o = it_json_body(r);
	it_error_shape(r, o, code, field);
	if (out != NULL)
		*out = o;
	else
		json_object_put(o);
}

void
it_stack(const char *sub)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >&2", it_env("IG_TEST_STACK_CMD"), sub,
	    it_env("IG_TEST_STACK"));
	ck_assert_msg(system(cmd) == 0, "stack %s failed", sub);
}

int
it_stack_quiet(const char *sub)
{
	char cmd[1024];
	const char *st = getenv("IG_TEST_STACK_CMD"), *dir = getenv("IG_TEST_STACK");

	if (st == NULL || dir == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >&2", st, sub, dir);
	return system(cmd) == 0 ? 0 : -1;
}

pid_t
it_runner_start(const char *log_name)
{
	char bin[512], logp[512];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/app/imagegen-worker", it_env("IG_BUILD_DIR"));
	snprintf(logp, sizeof(logp), "%s/log/%s", it_env("IG_TEST_STACK"), log_name);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f = freopen(logp, "a", stderr);
		(void)f;
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int
it_exited(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	FILE *f;
	size_t n;

	if (kill(pid, 0) != 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S …": the state follows the last ')'. */
	close_paren = strrchr(buf, ')');
	return close_paren != NULL && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

pid_t
it_master_pid(void)
{
	char path[512];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/run/fcgi.pid", it_env("IG_TEST_STACK"));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

int
it_workers_of(pid_t master, pid_t *out, int max)
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

int
it_run(Suite *s)
{
	SRunner *sr;
	int failed;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	curl_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int
it_main(const char *suite, int (*init)(void), const it_tcase *tcases)
{
	Suite *s;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (init != NULL && init() != 0)
		return EXIT_FAILURE;
	s = suite_create(suite);
	for (const it_tcase *c = tcases; c->name != NULL; c++) {
		TCase *tc = tcase_create(c->name);

		if (c->timeout_s > 0)
			tcase_set_timeout(tc, c->timeout_s);
		if (c->setup != NULL || c->teardown != NULL)
			tcase_add_unchecked_fixture(tc, c->setup, c->teardown);
		for (int i = 0; c->tests && c->tests[i]; i++)
			tcase_add_test(tc, *c->tests[i]);
		for (int i = 0; c->loops && c->loops[i].test; i++)
			tcase_add_loop_test(tc, *c->loops[i].test, 0, c->loops[i].end);
		suite_add_tcase(s, tc);
	}
	return it_run(s);
}

const char *
it_source(int first, int span, int third)
{
	static char ip[4][32];
	static int n;
	char *p = ip[n % 4];

	snprintf(p, sizeof(ip[0]), "127.%d.%d.%d", first + (int)(getpid() % span), (third + n / 250) % 250,
	    1 + n % 250);
	n++;
	return p;
}

void
it_fresh_prompt(char *out, size_t len, const char *words)
{
	static int n;

	snprintf(out, len, "%s %d-%d", words, (int)getpid(), ++n);
}

void
it_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

long
it_wait_health(long want, int tries)
{
	it_resp r;
	long got = 0;

	/* Every 50 ms (a restarted pool answers sooner than a 250 ms tick),
	 * for as long as tries x 250 ms allowed. */
	for (int i = 0; i < tries * 5; i++) {
		it_http("GET", "/health", NULL, 0, &r);
		got = r.status;
		it_resp_free(&r);
		if (got == want)
			break;
		it_sleep_ms(50);
	}
	return got;
}

/* Whole file into a new string (caller frees), or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ig_buf b = { 0 };
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ig_buf_append(&b, chunk, n);
	fclose(f);
	if (b.data == NULL)
		ig_buf_append(&b, "", 0);
	return b.data;
}

/* Number of a sink file name "NNNNNN.eml", or -1 for anything else. */
static long
mail_number(const char *name)
{
	size_t n = strspn(name, "0123456789");

	if (n == 0 || strcmp(name + n, ".eml") != 0)
		return -1;
	return atol(name);
}

/* 1 when one of the X-Envelope-To headers at the top of mail is `to`. */
static int
mail_is_for(const char *mail, const char *to)
{
	static const char hdr[] = "X-Envelope-To:";
	size_t tl = strlen(to);

	for (const char *l = mail; l && *l && *l != '\r' && *l != '\n';
	    l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncasecmp(l, hdr, sizeof(hdr) - 1) != 0)
			continue;
		const char *v = l + sizeof(hdr) - 1;
		while (*v == ' ' || *v == '<')
			v++;
		if (strncasecmp(v, to, tl) == 0 && strchr(">\r\n ", v[tl]) != NULL)
			return 1;
	}
	return 0;
}

long
it_get_status(const char *source_ip, const char *path, const char *bearer)
{
	it_resp r;
	long st;

	it_json(&r, source_ip, "GET", path, bearer, NULL);
	st = r.status;
	it_resp_free(&r);
	return st;
}

void
it_mail_token(const char *mail, char *out, size_t outlen)
{
	const char *t = strstr(mail, "\nToken: ");

	ck_assert_msg(t != NULL, "no Token: line in mail:\n%s", mail);
	t += strlen("\nToken: ");
	snprintf(out, outlen, "%.*s", (int)strcspn(t, "\r\n "), t);
	ck_assert(strlen(out) >= 16);
}

long
it_mail_last(void)
{
	DIR *d = opendir(it_env("IG_TEST_MAIL_DIR"));
	struct dirent *e;
	long last = 0;

	ck_assert_msg(d != NULL, "cannot open IG_TEST_MAIL_DIR");
	while ((e = readdir(d)) != NULL) {
		long n = mail_number(e->d_name);
		if (n > last)
			last = n;
	}
	closedir(d);
	return last;
}

char *
it_mail_wait(const char *to, long after, long timeout_ms, long *num)
{
	const char *dir = it_env("IG_TEST_MAIL_DIR");
	int64_t t0 = ig_now_ms();

	do {
		DIR *d = opendir(dir);
		struct dirent *e;
		char *best = NULL;
		long bestn = after;

		ck_assert_msg(d != NULL, "cannot open %s", dir);
		while ((e = readdir(d)) != NULL) {
			long n = mail_number(e->d_name);
			if (n <= bestn)
				continue;
			char *path = ig_xasprintf("%s/%s", dir, e->d_name);
			char *mail = slurp(path);
			free(path);
			if (mail != NULL && mail_is_for(mail, to)) {
				free(best);
				best = mail;
				bestn = n;
			} else {
				free(mail);
			}
		}
		closedir(d);
		if (best != NULL) {
			if (num != NULL)
				*num = bestn;
			return best;
		}
		it_sleep_ms(100);
	} while (ig_now_ms() - t0 < timeout_ms);
	return NULL;
}

const char *
it_sql_safe(const char *s)
{
	for (const char *p = s; *p; p++)
		ck_assert_msg(isalnum((unsigned char)*p) || strchr("_.@+-", *p) != NULL,
		    "not safe to paste into SQL: %s", s);
	return s;
}

char *
it_stack_log(const char *name)
{
	char *path = ig_xasprintf("%s/log/%s", it_env("IG_TEST_STACK"), name);
	FILE *f = fopen(path, "r");
	ig_buf b = { 0 };
	char chunk[65536];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ig_buf_append(&b, chunk, n);
	ig_buf_append(&b, "", 0);
	fclose(f);
	free(path);
	return b.data;
}

int
it_log_has(const char *name, const char *needle, long timeout_ms)
{
	for (long waited = 0; waited <= timeout_ms; waited += 100) {
		char *all = it_stack_log(name);
		int hit = strstr(all, needle) != NULL;

		free(all);
		if (hit)
			return 1;
		it_sleep_ms(100);
	}
	return 0;
}

int
it_s3_check(char **out, const char *args)
{
	const char *cmd = it_env("IG_TEST_STACK_CMD"), *end = strstr(cmd, "support/stack");
	char *run, line[4096];
	ig_buf b = { 0 };
	FILE *f;
	int rc;

	ck_assert_ptr_nonnull(end);
	run = ig_xasprintf("python3 '%.*sfixtures/s3_check.py' %s", (int)(end - cmd), cmd, args);
	f = popen(run, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		ig_buf_puts(&b, line);
	rc = pclose(f);
	free(run);
	*out = b.data != NULL ? b.data : ig_xstrdup("");
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void
it_s3_unsigned_next(void)
{
	it_resp r;

	it_http_ex(it_env("IG_S3_ENDPOINT"), "POST", "/moto-api/reset-auth", "1", 1,
	    (const char *const[]){ "Content-Type: text/plain", NULL }, 30, &r);
	ck_assert_msg(r.status == 200, "reset-auth: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
}

/* One connection a process (Check forks each test: the child's first call
 * connects; a connection inherited over fork() is never used, its socket
 * belongs to the parent's session too). */
static PGconn *psql_conn;
static pid_t psql_pid;

/* psql -Atc's text of a result: columns joined by '|', rows by '\n', NULL
 * as the empty string. */
static void
psql_text(PGresult *res, ig_buf *out)
{
	int rows = PQntuples(res), cols = PQnfields(res);

	for (int i = 0; i < rows; i++) {
		for (int j = 0; j < cols; j++) {
			const char *v = PQgetvalue(res, i, j);

			if (j > 0)
				ig_buf_append(out, "|", 1);
			ig_buf_append(out, v, strlen(v));
		}
		ig_buf_append(out, "\n", 1);
	}
}

char *
it_psql(const char *fmt, ...)
{
	ig_buf out = { 0 };
	char *sql = NULL;
	PGresult *res;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&sql, fmt, ap) >= 0);
	va_end(ap);
	if (psql_conn == NULL || psql_pid != getpid()) {
		psql_conn = PQconnectdb(it_env("IG_DATABASE_URL"));
		psql_pid = getpid();
		ck_assert_msg(PQstatus(psql_conn) == CONNECTION_OK, "database: %s", PQerrorMessage(psql_conn));
	}
	/* Several statements in one string answer with every one's rows, as
	 * psql 15's -c does (not its command tags); an error fails the test. */
	ck_assert_msg(PQsendQuery(psql_conn, sql) == 1, "%s: %s", sql, PQerrorMessage(psql_conn));
	while ((res = PQgetResult(psql_conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "SQL failed: %s: %s", sql,
		    PQresultErrorMessage(res));
		psql_text(res, &out);
		PQclear(res);
	}
	free(sql);
	if (out.data == NULL)
		ig_buf_append(&out, "", 0);
	while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
		out.data[--out.len] = '\0';
	return out.data;
}

char *
it_new_user(const char *prefix, const char *source_ip, char *name)
{
	static int counter;
	char user[64];
	unsigned char rnd[3];
	it_resp r;
	json_object *o;
	char *tok;

	/* pid and counter alone repeat when a suite runs again on the same
	 * stack (each test is a fork with the counter at its start value). */
	ig_random_bytes(rnd, sizeof(rnd));
	snprintf(user, sizeof(user), "%s%d_%d_%02x%02x%02x", prefix, (int)getpid(), ++counter, rnd[0], rnd[1],
	    rnd[2]);
	it_json(&r, source_ip, "POST", "/api/auth/register", NULL,
	    "{\"username\": \"%s\", \"email\": \"%s@example.test\", \"password\": \"integration test 1\"}",
	    user, user);
	ck_assert_msg(r.status == 201, "register %s: %ld %s", user, r.status, r.body.data);
	it_resp_free(&r);
	it_json(&r, source_ip, "POST", "/api/auth/login", NULL,
	    "{\"username_or_email\": \"%s\", \"password\": \"integration test 1\"}", user);
	ck_assert_msg(r.status == 200, "login %s: %ld %s", user, r.status, r.body.data);
	o = it_json_body(&r);
	tok = ig_xstrdup(it_jstr(o, "access_token", NULL));
	json_object_put(o);
	it_resp_free(&r);
	if (name != NULL)
		snprintf(name, 64, "%s", user);
	return tok;
}

/* Wait (bounded) until image id has its thumbnail; its file name (caller
 * frees). */
char *
it_thumbnail_of(const char *id)
{
	for (int i = 0; i < 200; i++) {
		char *t = it_psql("SELECT coalesce(thumbnail, '') FROM images WHERE id = '%s'", it_sql_safe(id));
		if (*t != '\0')
			return t;
		free(t);
		it_sleep_ms(50);
	}
	ck_abort_msg("image %s got no thumbnail", id);
	return NULL;
}

void
it_mock_post(const char *path, const char *body)
{
	char url[512];
	it_resp r;

	snprintf(url, sizeof(url), "%s%s", it_env("IG_MOCK_URL"), path);
	it_http_ex(url, "POST", "", body, strlen(body), (const char *const[]){ "Content-Type: application/json", NULL },
	    10, &r);
	ck_assert_msg(r.status == 200, "mock %s: %ld %s", path, r.status, r.body.data);
	it_resp_free(&r);
}
