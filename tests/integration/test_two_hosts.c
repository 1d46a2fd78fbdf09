/*
 * test_two_hosts.c — several app hosts (issue 14, "Several hosts, proven
 * here"). Beside the stack's own host A, tests/support/stack host2-up starts
 * host B in $IG_TEST_STACK/host2: its own var dir, nginx port,
 * imagegen-fcgi pool and imagegen-worker, sharing A's PostgreSQL, S3
 * server and secrets, as hosts behind one load balancer share them.
 *
 * Both hosts run with IG_IMAGE_BACKEND=s3 (images in the shared bucket):
 * - a session made on A is valid on B (the JWT key is shared);
 * - an image generated through A is listed, fetched and deleted through B;
 * - a 200-prompt batch submitted to A is worked by both runners (each
 *   claims items), and SIGKILL of A's runner while it holds jobs loses
 *   nothing: every item ends succeeded with exactly its images once (A's
 *   jobs come back when their lease, 5 s in the test stack, expires, and
 *   B's runner takes them), and the batch's ZIP downloads from B.
 *
 * The suite puts the stack back after: host B stopped, A's pool and runner
 * restarted with the stack's own settings.
 * Source addresses are 127.230-249.240-249.n.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "tests/integration/itest.h"

#define BATCH_ITEMS 200
#define IT_STR_(x) #x
#define IT_STR(x) IT_STR_(x)

static char host_b[256];

static const char *
next_source(void)
{
	return it_source(230, 20, 240);
}

/* tests/support/stack SUB on host A's var dir (b = 0) or host B's (b = 1). */
static int
stack_on(const char *sub, int b)
{
	char cmd[1024];
	const char *st = getenv("IG_TEST_STACK_CMD"), *dir = getenv("IG_TEST_STACK");

	if (st == NULL || dir == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s%s' >&2", st, sub, dir, b ? "/host2" : "");
	return system(cmd) == 0 ? 0 : -1;
}

/* Host B's base URL: the IG_TEST_HOST2_URL line host2-up added to
 * $IG_TEST_STACK/env ("" when there is none). */
static void
host_b_url(char *out, size_t len)
{
	char path[512], line[512];
	const char *key = "export IG_TEST_HOST2_URL=";
	FILE *f;

	*out = '\0';
	snprintf(path, sizeof(path), "%s/env", it_env("IG_TEST_STACK"));
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%.200s", line + strlen(key));
		}
	fclose(f);
}

/* Both hosts keep images in the one S3 bucket (IG_IMAGE_BACKEND=s3): host
 * B from the start, host A's pool and runner restarted so. */
#define S3_IMAGES "IG_IMAGE_BACKEND=s3"

static void
hosts_up(void)
{
	setenv("IG_STACK_OVERRIDES", S3_IMAGES, 1);
	ck_assert_int_eq(stack_on("pool-start", 0), 0);
	ck_assert_int_eq(stack_on("worker-start", 0), 0);
	ck_assert_int_eq(stack_on("host2-up", 0), 0);
	unsetenv("IG_STACK_OVERRIDES");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
	host_b_url(host_b, sizeof(host_b));
	ck_assert_msg(strncmp(host_b, "http://127.0.0.1:", 17) == 0, "host B's URL: '%s'", host_b);
}

/* Put the stack back for the suites after this one. */
static void
hosts_restore(void)
{
	if (stack_on("host2-down", 0) != 0)
		fprintf(stderr, "test_two_hosts: host2-down failed\n");
	if (stack_on("pool-start", 0) != 0 || stack_on("worker-start", 0) != 0)
		fprintf(stderr, "test_two_hosts: restarting host A's pool and runner failed\n");
	it_wait_health(200, 80);
}

/* A request to host B: method path as token, the body printf'd JSON or none. */
static void
on_b(it_resp *r, const char *method, const char *path, const char *token, const char *body, long timeout_s)
{
	char auth[2048];
	const char *hdrs[3] = { "Content-Type: application/json", NULL, NULL };
	it_req q = { .base = host_b, .method = method, .path = path, .body = body, .len = body ? strlen(body) : 0,
		.headers = hdrs, .source_ip = next_source(), .timeout_s = timeout_s };

	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		hdrs[1] = auth;
	}
	it_request(&q, r);
}

/* The pid in a pid file of host A (b = 0) or B (b = 1); 0 when none. */
static pid_t
pid_of(const char *file, int b)
{
	char path[512];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s/run/%s", it_env("IG_TEST_STACK"), b ? "/host2" : "", file);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/* The runners row of the imagegen-worker of host A (b = 0) or B (b = 1):
 * its pid from the pid file, its id from the row it registered (waiting
 * for it a few seconds). out gets the uuid. */
static void
runner_id_of(int b, char *out, size_t len)
{
	pid_t pid = pid_of("worker.pid", b);

	ck_assert_msg(pid > 0, "host %c runs no imagegen-worker", b ? 'B' : 'A');
	for (int i = 0; i < 100; i++) {
		char *id = it_psql("SELECT coalesce((SELECT id::text FROM runners WHERE pid = %d"
		    " ORDER BY started_at DESC LIMIT 1), '')", (int)pid);
		if (*id != '\0') {
			snprintf(out, len, "%s", id);
			free(id);
			return;
		}
		free(id);
		it_sleep_ms(100);
	}
	ck_abort_msg("host %c's runner (pid %d) registered no runners row", b ? 'B' : 'A', (int)pid);
}

/* The number a counting query (printf(fmt, ...)) answers. */
static long __attribute__((format(printf, 1, 2)))
count_of(const char *fmt, ...)
{
	va_list ap;
	char *sql, *s;
	long n;

	va_start(ap, fmt);
	ck_assert(vasprintf(&sql, fmt, ap) >= 0);
	va_end(ap);
	s = it_psql("%s", sql);
	n = atol(s);
	free(s);
	free(sql);
	return n;
}

/* A session made on host A works on host B (one IG_JWT_SECRET), and its
 * refresh on B gives a token A accepts. */
START_TEST(session_from_a_is_valid_on_b)
{
	char name[64];
	char *tok = it_new_user("th", next_source(), name);
	it_resp r;
	json_object *o;

	ck_assert_int_eq((int)it_get_status(next_source(), "/api/user", tok), 200);
	on_b(&r, "GET", "/api/user", tok, NULL, 30);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "user.username"), name);
	json_object_put(o);
	it_resp_free(&r);
	/* A forged token (one byte of the signature changed) is refused by B. */
	{
		char *bad = ig_xstrdup(tok);
		size_t n = strlen(bad);
		bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
		on_b(&r, "GET", "/api/user", bad, NULL, 30);
		ck_assert_int_eq((int)r.status, 401);
		it_resp_free(&r);
		free(bad);
	}
	free(tok);
}
END_TEST

/* The Location of GET path from base (NULL: host A), which must answer a
 * 302 (IG_IMAGE_BACKEND=s3: a presigned URL of the object); out gets it. */
static void
redirect_of(const char *base, const char *path, char *out, size_t len)
{
	it_resp r;

	it_http_ex(base != NULL ? base : it_env("IG_TEST_BASE_URL"), "GET", path, NULL, 0, NULL, 30, &r);
	ck_assert_msg(r.status == 302, "GET %s%s: want 302, got %ld: %s", base ? base : "(A)", path, r.status,
	    r.body.data);
	ck_assert(it_header(&r, "Location", out, len));
	it_resp_free(&r);
}

/* tests/fixtures/s3_check.py (boto3, the stack's S3 key) with args a and b;
 * its exit status, its first line of output in out. */
static int
s3_check(const char *a, const char *b, char *out, size_t len)
{
	char cmd[4096];
	FILE *f;
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 '%s/tests/fixtures/s3_check.py' %s '%s'", it_env("IG_PROJECT_ROOT"), a, b);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	*out = '\0';
	if (fgets(out, (int)len, f) == NULL)
		*out = '\0';
	while (fgetc(f) != EOF)
		;
	rc = pclose(f);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* 1 when the image dir of host A (b = 0) or B (b = 1) holds name. */
static int
on_disk(const char *name, int b)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s/images/%s", it_env("IG_TEST_STACK"), b ? "/host2" : "", name);
	return access(path, F_OK) == 0;
}

/* An image generated through A is listed, fetched and deleted through B.
 * Fetched: B answers its URL with a presigned URL of the object in the
 * shared bucket (botocore signs it the same), A with the same object, and
 * the object holds the image's bytes (its sha256 and size); neither host's
 * image dir has it. (moto, with signing enforced, cannot serve presigned
 * URLs: tests/fixtures/s3_server.py; boto3 reads the object instead.)
 * Deleted through B: A has no row, the bucket no object. */
START_TEST(image_from_a_listed_fetched_deleted_on_b)
{
	char *tok = it_new_user("th", next_source(), NULL), *id, *name, *want, path[256], url[512], key[512];
	char loc_a[2048], loc_b[2048], out[4096];
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "POST", "/api/generate-image", tok,
	    "{\"prompt\": \"two hosts one image %d\", \"api_provider\": \"builtin\", \"image_count\": 1}", (int)getpid());
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	id = it_psql("SELECT id FROM images WHERE job_id = '%s'", it_sql_safe(it_js(o, "generation_id")));
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_msg(strlen(id) == 36, "generation made no image row: '%s'", id);
	name = it_psql("SELECT filename FROM images WHERE id = '%s'", id);
	want = it_psql("SELECT size_bytes || ' ' || sha256 FROM images WHERE id = '%s'", id);

	/* Listed through B. */
	on_b(&r, "GET", "/api/files/gallery", tok, NULL, 30);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_int_eq(it_jint(o, "total"), 1);
	ck_assert_str_eq(it_js(o, "images.0.id"), id);
	ck_assert_str_eq(it_js(o, "images.0.filename"), name);
	snprintf(url, sizeof(url), "%s", it_js(o, "images.0.url"));
	json_object_put(o);
	it_resp_free(&r);

	/* Fetched through B: the object in the bucket, as through A. */
	redirect_of(host_b, url, loc_b, sizeof(loc_b));
	redirect_of(NULL, url, loc_a, sizeof(loc_a));
	snprintf(key, sizeof(key), "%s/%s/images/%s?", it_env("IG_S3_ENDPOINT"), it_env("IG_S3_BUCKET"), name);
	ck_assert_msg(strncmp(loc_b, key, strlen(key)) == 0, "B sends %s, not the object %s", loc_b, key);
	ck_assert_msg(strncmp(loc_a, key, strlen(key)) == 0, "A sends %s, not the object %s", loc_a, key);
	ck_assert_msg(s3_check("presign-verify", loc_b, out, sizeof(out)) == 0, "B's presigned URL: %s", out);
	snprintf(key, sizeof(key), "images/%s", name);
	ck_assert_msg(s3_check("get", key, out, sizeof(out)) == 0, "no object %s: %s", key, out);
	o = json_tokener_parse(out);
	ck_assert_ptr_nonnull(o);
	{
		char got[160];
		snprintf(got, sizeof(got), "%lld %s", (long long)it_jint(o, "size"), it_js(o, "sha256"));
		ck_assert_str_eq(got, want);
	}
	json_object_put(o);
	ck_assert_msg(!on_disk(name, 0) && !on_disk(name, 1), "%s is in a host's image dir", name);

	/* Deleted through B: gone for A, and from the bucket. */
	snprintf(path, sizeof(path), "/api/files/delete/%s", id);
	on_b(&r, "DELETE", path, tok, NULL, 30);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/images/%s", id);
	ck_assert_int_eq((int)it_get_status(next_source(), path, tok), 404);
	ck_assert_msg(s3_check("get", key, out, sizeof(out)) == 1, "the deleted image's object stays: %s", out);
	free(want);
	free(name);
	free(id);
	free(tok);
}
END_TEST

/*
 * 200 builtin prompts submitted to A: both runners claim items; A's runner
 * is frozen (SIGSTOP) once the batch is under way, and killed (SIGKILL)
 * only at a moment it holds running jobs (else it is let go and tried
 * again), so the jobs it held must come back through their lease. Then:
 * every item succeeded, exactly one image per item (none lost, none
 * doubled), the items A held at its death were finished by B, and the ZIP
 * downloads from B with all 200 images.
 */
START_TEST(batch_on_a_worked_by_both_and_survives_a_runner_kill)
{
	char *tok = it_new_user("th", next_source(), NULL), *id, *s, path[256];
	char runner_a[IG_UUID_BUF], runner_b[IG_UUID_BUF];
	ig_buf list = { 0 };
	pid_t pid_a;
	long orphans = 0, done_at_kill = -1, claimed_a, claimed_b, n;
	int tries = 0;
	it_resp r;

	runner_id_of(0, runner_a, sizeof(runner_a));
	runner_id_of(1, runner_b, sizeof(runner_b));
	ck_assert_str_ne(runner_a, runner_b);
	pid_a = pid_of("worker.pid", 0);
	ig_buf_puts(&list, "[");
	for (int i = 0; i < BATCH_ITEMS; i++)
		ig_buf_printf(&list, "%s\"two hosts %d #%d\"", i ? ", " : "", (int)getpid(), i);
	ig_buf_puts(&list, "]");
	id = it_batch_submit(next_source(), tok,
	    "{\"prompts\": %s, \"settings\": {\"api_provider\": \"builtin\", \"image_size\": \"256x256\"}}", list.data);
	ig_buf_free(&list);
	it_sql_safe(id);

	/* Mid-batch: some done, many still queued; A frozen while it holds jobs. */
	for (;;) {
		long ok = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'succeeded'", id);
		long queued = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'queued'", id);
		ck_assert_msg(queued > 20, "the batch ran out (%ld succeeded) before A's runner was caught holding a job"
		    " (%d tries)", ok, tries);
		if (ok < 20) {
			it_sleep_ms(20);
			continue;
		}
		tries++;
		ck_assert_int_eq(kill(pid_a, SIGSTOP), 0);
		it_sleep_ms(50);
		orphans = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'running'"
		    " AND runner_id = '%s'", id, runner_a);
		if (orphans > 0) {
			done_at_kill = ok;
			break;
		}
		ck_assert_int_eq(kill(pid_a, SIGCONT), 0);
		it_sleep_ms(10);
	}
	/* While both ran, both claimed items of the batch. */
	claimed_a = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND runner_id = '%s'", id, runner_a);
	claimed_b = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND runner_id = '%s'", id, runner_b);
	printf("two hosts: items claimed before the kill: by A's runner %ld, by B's %ld\n", claimed_a, claimed_b);
	ck_assert_msg(claimed_b > 0, "host B's runner claimed none of the batch's items while both ran");
	/* SIGKILL of the runner's process group (stack worker-kill9). */
	ck_assert_int_eq(stack_on("worker-kill9", 0), 0);
	ck_assert_msg(it_exited(pid_a), "A's runner %d outlived worker-kill9", (int)pid_a);
	printf("two hosts: A's runner killed after %ld of %d items, holding %ld running (%d tries)\n", done_at_kill,
	    BATCH_ITEMS, orphans, tries);

	/* B alone finishes: A's jobs come back when their lease runs out. */
	for (int i = 0;; i++) {
		n = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status IN ('queued', 'running')", id);
		if (n == 0)
			break;
		ck_assert_msg(i < 1200, "%ld items of batch %s still waiting or running after 120 s", n, id);
		it_sleep_ms(100);
	}
	s = it_psql("SELECT string_agg(status || '=' || n, ' ' ORDER BY status) FROM"
	    " (SELECT status, count(*) AS n FROM jobs WHERE batch_id = '%s' GROUP BY status) x", id);
	ck_assert_msg(strcmp(s, "succeeded=200") == 0, "batch items by status: %s", s);
	free(s);
	/* Every item exactly once, with exactly its one image. */
	n = count_of("SELECT count(DISTINCT item_index) FROM jobs WHERE batch_id = '%s'", id);
	ck_assert_int_eq(n, BATCH_ITEMS);
	n = count_of("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'", id);
	ck_assert_msg(n == BATCH_ITEMS, "%ld images for %d items", n, BATCH_ITEMS);
	n = count_of("SELECT count(*) FROM jobs j WHERE j.batch_id = '%s'"
	    " AND (SELECT count(*) FROM images i WHERE i.job_id = j.id) <> 1", id);
	ck_assert_msg(n == 0, "%ld items without exactly one image", n);
	/* Both runners claimed items; those A held at its death, B finished. */
	claimed_a = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND runner_id = '%s'", id, runner_a);
	claimed_b = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND runner_id = '%s'", id, runner_b);
	n = count_of("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND attempts > 1 AND runner_id = '%s'", id, runner_b);
	printf("two hosts: items finished by A's runner %ld, by B's %ld, re-claimed after A's death %ld\n", claimed_a,
	    claimed_b, n);
	ck_assert_msg(claimed_a > 0, "host A's runner finished no item");
	ck_assert_msg(claimed_b > 0, "host B's runner finished no item");
	ck_assert_int_eq(claimed_a + claimed_b, BATCH_ITEMS);
	ck_assert_msg(n >= orphans, "%ld items re-claimed by B, A held %ld", n, orphans);

	/* The batch's ZIP from host B: 200 images, each entry readable. */
	snprintf(path, sizeof(path), "/api/batch/%s/download", id);
	on_b(&r, "GET", path, tok, NULL, 120);
	IT_EXPECT(&r, 200);
	/* Read from stdin by Python's zipfile: every manifest entry a non-empty
	 * file of the archive, the CRCs right, the indexes 0..199. */
	{
		FILE *py;

		signal(SIGPIPE, SIG_IGN);	/* a checker that stops reading fails below, not here */
		py = popen("python3 -c 'import io, json, sys, zipfile;"
		    " z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())); bad = z.testzip();"
		    " m = json.loads(z.read(\"manifest.json\")); names = set(z.namelist());"
		    " miss = [e[\"index\"] for e in m if e[\"file\"] not in names or z.getinfo(e[\"file\"]).file_size == 0];"
		    " print(\"zip from B:\", len(m), \"entries,\", len(miss), \"without an image, bad member:\", bad);"
		    " sys.exit(0 if bad is None and not miss and sorted(e[\"index\"] for e in m) == list(range("
		    IT_STR(BATCH_ITEMS) ")) else 1)'", "w");
		ck_assert_ptr_nonnull(py);
		ck_assert_int_eq(fwrite(r.body.data, 1, r.body.len, py), r.body.len);
		ck_assert_msg(pclose(py) == 0, "the ZIP from host B is not the batch's %d images", BATCH_ITEMS);
	}
	it_resp_free(&r);
	free(id);
	free(tok);
}
END_TEST

IT_MAIN("two_hosts", NULL,
	{ .name = "two_hosts", .timeout_s = 300, .setup = hosts_up, .teardown = hosts_restore,
	    .tests = IT_TESTS(&session_from_a_is_valid_on_b, &image_from_a_listed_fetched_deleted_on_b,
	        &batch_on_a_worked_by_both_and_survives_a_runner_kill)
	}
);
