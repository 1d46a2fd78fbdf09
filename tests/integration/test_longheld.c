/*
 * test_longheld.c — long-held threads (issue 10, item 5), end to end
 * through nginx.
 *
 * Streams (batch events, the batch ZIP), waits for a generation and LLM
 * calls hold a FastCGI thread for up to an hour; before the fix one user
 * could open one per thread and hold the pool, and a ZIP reader that
 * stopped reading held its thread with no end. Pinned here:
 * - one user opening more event streams than the pool has threads gets
 *   IG_MAX_LONG_PER_USER of them and a 429 naming the cap for the rest
 *   (also for a generation wait and a ticket-authenticated stream), while
 *   another user's requests and streams still answer;
 * - a ZIP reader that reads nothing loses the stream after
 *   IG_STREAM_WRITE_TIMEOUT, and one that trickles loses it after
 *   IG_ZIP_MAX_SECONDS: both free the thread, seen as the user's one
 *   long-request slot coming free again.
 * - a worker killed while holding a stream leaves no slot behind.
 * Durations are printed, never asserted beyond generous bounds.
 *
 * Needs a live stack (tests/support/stack up DIR: 2 workers x 4 threads).
 * Each test restarts the pool with the IG_STACK_OVERRIDES it needs and may
 * stop the runner for a while; the tcase's teardown restores both once.
 */
#include "ig_autoconf.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "itest.h"

/* The stack's pool: IG_WORKERS x IG_THREADS (tests/support/stack up). */
#define POOL_THREADS 8
/* The archive: stored entries, so this many bytes cross every buffer. */
#define BIG_FILE (48L * 1024 * 1024)

static const char *
source(void)
{
	static char ip[32];
	static int n;

	snprintf(ip, sizeof(ip), "127.%d.%d.%d", 60 + (int)(getpid() % 60), 30 + n / 250, 1 + n % 250);
	n++;
	return ip;
}

static void
pool_start(const char *overrides)
{
	if (overrides != NULL)
		setenv("IG_STACK_OVERRIDES", overrides, 1);
	it_stack("pool-start");
	unsetenv("IG_STACK_OVERRIDES");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
}

/* A connection to nginx from source address ip (the receive buffer set
 * to rcvbuf bytes when not 0, before connecting) with one GET sent. */
static int
raw_get(const char *ip, const char *path, const char *bearer, int rcvbuf)
{
	const char *base = it_env("IG_TEST_BASE_URL");
	const char *port = strrchr(base, ':');
	struct sockaddr_in to = { .sin_family = AF_INET }, from = { .sin_family = AF_INET };
	char req[2048];
	int fd = socket(AF_INET, SOCK_STREAM, 0), n;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(port);
	to.sin_port = htons((uint16_t)atoi(port + 1));
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	inet_pton(AF_INET, ip, &from.sin_addr);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n%s%s%s\r\n", path,
	    bearer ? "Authorization: Bearer " : "", bearer ? bearer : "", bearer ? "\r\n" : "");
	ck_assert_int_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
	return fd;
}

/*
 * Read the answer's head (and, unless it is a 200, its JSON body) into out,
 * waiting up to 10 s; returns the status. A 200 stream's body is left
 * unread (a stalled reader reads nothing more).
 */
static int
read_head(int fd, char *out, size_t outlen)
{
	size_t got = 0;
	int status = 0;
	int64_t end = ig_now_ms() + 10000;

	out[0] = '\0';
	while (ig_now_ms() < end && got < outlen - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const char *rid;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		/* Byte by byte up to the head's end: not one body byte more. */
		n = recv(fd, out + got, status == 0 ? 1 : outlen - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		out[got] = '\0';
		if (status == 0 && strstr(out, "\r\n\r\n") != NULL) {
			status = atoi(out + 9);
			if (status == 200)
				break;
		}
		if (status != 0 && (rid = strstr(out, "\"request_id\"")) != NULL && strchr(rid, '}') != NULL)
			break;
	}
	return status;
}

typedef struct user {
	char name[64];
	char *token;
} user;

/* A one-prompt batch of the builtin provider; its id (caller frees). */
static char *
batch(const user *u)
{
	return it_batch_submit(source(), u->token,
	    "{\"prompts\": [\"longheld %d %lld\"], \"settings\": {\"image_size\": \"128x128\"}}",
	    (int)getpid(), (long long)ig_now_ms());
}

static long
get(const user *u, const char *path, it_resp *r)
{
	it_req q = { .method = "GET", .path = path, .bearer = u ? u->token : NULL, .source_ip = source(),
		.timeout_s = 20 };

	it_request(&q, r);
	return r->status;
}

/* More event streams than the pool has threads, from one user. */
START_TEST(one_user_cannot_hold_every_thread)
{
	user a, b;
	char *ida, *idb, path[256], head[8192];
	int fds[POOL_THREADS + 2], bfds[2], ok = 0, capped = 0, other = 0;
	it_resp r;
	int64_t t0;

	pool_start("IG_MAX_LONG_PER_USER=2");
	/* Without the runner the batches stay queued and their streams open. */
	it_stack("worker-stop");
	a.token = it_new_user("lh", source(), a.name);
	b.token = it_new_user("lh", source(), b.name);
	ida = batch(&a);
	idb = batch(&b);

	snprintf(path, sizeof(path), "/api/batch/%s/events", ida);
	for (int i = 0; i < POOL_THREADS + 2; i++) {
		int st;
		fds[i] = raw_get(source(), path, a.token, 0);
		st = read_head(fds[i], head, sizeof(head));
		if (st == 200) {
			ok++;
		} else if (st == 429 && strstr(head, "IG_MAX_LONG_PER_USER") != NULL &&
		    strstr(head, "at most 2 long requests") != NULL && strcasestr(head, "Retry-After:") != NULL) {
			capped++;
		} else {
			other++;
			fprintf(stderr, "stream %d: %d\n%s\n", i, st, head);
		}
	}
	printf("one user, %d streams: %d open, %d refused with 429, %d other\n", POOL_THREADS + 2, ok, capped, other);
	ck_assert_int_eq(ok, 2);
	ck_assert_int_eq(capped, POOL_THREADS);
	ck_assert_int_eq(other, 0);

	/* A generation wait counts against the same cap. */
	it_json(&r, source(), "POST", "/api/generate-image", a.token, "{\"prompt\": \"longheld wait\"}");
	ck_assert_msg(r.status == 429 && strstr(r.body.data, "IG_MAX_LONG_PER_USER") != NULL,
	    "generate-image at the cap: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
	/* So does a stream a browser opens with a ticket (no Authorization). */
	snprintf(path, sizeof(path), "/api/batch/%s/events-ticket", ida);
	it_json(&r, source(), "POST", path, a.token, NULL);
	ck_assert_int_eq(r.status, 201);
	{
		json_object *o = it_json_body(&r);
		snprintf(path, sizeof(path), "%s", it_jstr(o, "url", NULL));
		json_object_put(o);
	}
	it_resp_free(&r);
	ck_assert_int_eq(get(NULL, path, &r), 429);
	ck_assert_ptr_nonnull(strstr(r.body.data, "IG_MAX_LONG_PER_USER"));
	it_resp_free(&r);

	/* Another user: ordinary requests answer at once, and its own
	 * streams open. */
	t0 = ig_now_ms();
	ck_assert_int_eq(get(&b, "/api/user", &r), 200);
	it_resp_free(&r);
	ck_assert_int_eq(get(NULL, "/health", &r), 200);
	it_resp_free(&r);
	printf("another user's GET /api/user and /health while held: %lld ms\n", (long long)(ig_now_ms() - t0));
	snprintf(path, sizeof(path), "/api/batch/%s/events", idb);
	for (int i = 0; i < 2; i++) {
		bfds[i] = raw_get(source(), path, b.token, 0);
		ck_assert_int_eq(read_head(bfds[i], head, sizeof(head)), 200);
	}

	for (int i = 0; i < POOL_THREADS + 2; i++)
		close(fds[i]);
	for (int i = 0; i < 2; i++)
		close(bfds[i]);
	/* The runner ends the batches, which ends their streams. */
	it_stack("worker-start");
	free(ida);
	free(idb);
	free(a.token);
	free(b.token);
}
END_TEST

/*
 * The host keeps a quarter of its threads for ordinary requests: with the
 * per-user cap out of the way, one user's streams get three quarters of
 * IG_WORKERS x IG_THREADS and then 503s, and /health and another user are
 * answered meanwhile. Counted for the host: a process whose threads all
 * hold streams takes no connection (its threads are not waiting for one),
 * so a per-process count refused streams the other process could serve.
 */
START_TEST(the_host_keeps_a_quarter_of_its_threads)
{
	user a, b;
	char *ida, path[256], head[8192];
	int fds[POOL_THREADS], ok = 0, busy = 0, other = 0;
	it_resp r;

	pool_start("IG_MAX_LONG_PER_USER=100");
	it_stack("worker-stop");
	a.token = it_new_user("lq", source(), a.name);
	b.token = it_new_user("lq", source(), b.name);
	ida = batch(&a);
	snprintf(path, sizeof(path), "/api/batch/%s/events", ida);
	for (int i = 0; i < POOL_THREADS; i++) {
		int st;
		fds[i] = raw_get(source(), path, a.token, 0);
		st = read_head(fds[i], head, sizeof(head));
		if (st == 200) {
			ok++;
		} else if (st == 503 && strstr(head, "threads for long requests are all busy") != NULL &&
		    strcasestr(head, "Retry-After:") != NULL) {
			busy++;
		} else {
			other++;
			fprintf(stderr, "stream %d: %d\n%s\n", i, st, head);
		}
	}
	printf("one user, %d streams on %d threads: %d open, %d refused with 503, %d other\n",
	    POOL_THREADS, POOL_THREADS, ok, busy, other);
	ck_assert_int_eq(ok, POOL_THREADS * 3 / 4);
	ck_assert_int_eq(busy, POOL_THREADS - POOL_THREADS * 3 / 4);
	ck_assert_int_eq(other, 0);
	ck_assert_int_eq(get(&b, "/api/user", &r), 200);
	it_resp_free(&r);
	ck_assert_int_eq(get(NULL, "/health", &r), 200);
	it_resp_free(&r);
	for (int i = 0; i < POOL_THREADS; i++)
		close(fds[i]);
	it_stack("worker-start");
	free(ida);
	free(a.token);
	free(b.token);
}
END_TEST

/* imagegen_long_requests of /metrics (loopback may scrape it). */
static int
long_gauge(void)
{
	it_resp r;
	const char *p;
	int n;

	it_http("GET", "/metrics", NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	p = strstr(r.body.data, "\nimagegen_long_requests ");
	ck_assert_ptr_nonnull(p);
	n = atoi(p + strlen("\nimagegen_long_requests "));
	it_resp_free(&r);
	return n;
}

/* A worker killed while it holds a stream: the master frees the stream's
 * slot when it reaps the worker, so the user is not locked out. */
START_TEST(a_dead_worker_leaks_no_slot)
{
	user u;
	char *id, path[256], head[8192];
	pid_t workers[64];
	int fd, n, again;
	it_resp r;

	pool_start("IG_MAX_LONG_PER_USER=1");
	it_stack("worker-stop");
	u.token = it_new_user("lk", source(), u.name);
	id = batch(&u);
	snprintf(path, sizeof(path), "/api/batch/%s/events", id);
	fd = raw_get(source(), path, u.token, 0);
	ck_assert_int_eq(read_head(fd, head, sizeof(head)), 200);
	ck_assert_int_eq(get(&u, path, &r), 429);
	it_resp_free(&r);
	ck_assert_int_eq(long_gauge(), 1);
	n = it_workers_of(it_master_pid(), workers, 64);
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++)
		kill(workers[i], SIGKILL);
	close(fd);
	ck_assert_int_eq(it_wait_health(200, 80), 200);
	/* The replacement workers answer; the slot must be free. */
	again = raw_get(source(), path, u.token, 0);
	ck_assert_int_eq(read_head(again, head, sizeof(head)), 200);
	printf("after kill -9 of %d workers holding a stream: a new stream opens\n", n);
	close(again);
	it_stack("worker-start");
	free(id);
	free(u.token);
}
END_TEST

/* A finished one-prompt batch whose image is BIG_FILE bytes on disk. */
static char *
big_batch(const user *u)
{
	char *id, *file = NULL, path[1024];
	FILE *f;
	char *chunk;

	/* (Re)start the runner: a failed test above may have left it stopped. */
	it_stack("worker-start");
	id = batch(u);

	for (int i = 0; i < 240; i++) {
		file = it_psql("SELECT i.filename FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'"
		    " AND (SELECT completed_at FROM batches WHERE id = j.batch_id) IS NOT NULL", it_sql_safe(id));
		if (file[0] != '\0')
			break;
		free(file);
		file = NULL;
		it_sleep_ms(250);
	}
	ck_assert_msg(file != NULL, "batch %s did not finish", id);
	snprintf(path, sizeof(path), "%s/%s", it_env("IG_IMAGE_DIR"), it_sql_safe(file));
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	chunk = ig_xmalloc(1 << 20);
	for (long i = 0; i < (1 << 20); i++)
		chunk[i] = (char)(i * 7919 >> 3);
	for (long n = 0; n < BIG_FILE; n += 1 << 20)
		ck_assert_int_eq(fwrite(chunk, 1, 1 << 20, f), 1 << 20);
	ck_assert_int_eq(fclose(f), 0);
	free(chunk);
	free(file);
	return id;
}

/*
 * Poll the user's one long-request slot (IG_MAX_LONG_PER_USER=1) with the
 * batch's events stream, which a finished batch answers at once: 429
 * while the ZIP holds the slot, 200 once its thread let go. Between
 * polls, trickle (when not 0) reads that many bytes of the ZIP from fd.
 * Returns the milliseconds until 200, or -1 after limit_ms.
 */
static long
until_slot_free(const user *u, const char *id, int fd, size_t trickle, long limit_ms, long *read_bytes)
{
	char path[256], buf[65536];
	int64_t t0 = ig_now_ms();
	int polls = 0;

	snprintf(path, sizeof(path), "/api/batch/%s/events", id);
	while (ig_now_ms() - t0 < limit_ms) {
		it_resp r;
		long st;

		if (trickle > 0) {
			ssize_t n = recv(fd, buf, trickle, MSG_DONTWAIT);
			if (n > 0)
				*read_bytes += n;
		}
		st = get(u, path, &r);
		ck_assert_msg(st == 200 || st == 429, "events: %ld %s", st, r.body.data);
		/* The first look must find the slot taken by the ZIP. */
		ck_assert_msg(polls++ > 0 || st == 429, "the open ZIP stream holds no slot: %s",
		    r.body.data);
		it_resp_free(&r);
		if (st == 200)
			return (long)(ig_now_ms() - t0);
		it_sleep_ms(200);
	}
	return -1;
}

/*
 * Start the pool with overrides, open the ZIP of a BIG_FILE batch with a
 * receive buffer of rcvbuf bytes (0: the kernel's) and read it as
 * until_slot_free does; the milliseconds until its thread let go (-1:
 * not within limit_ms), *got the bytes read.
 */
static long
zip_reader(const char *overrides, int rcvbuf, size_t trickle, long limit_ms, long *got)
{
	user u;
	char *id, path[256], head[8192];
	long ms;
	int fd;

	pool_start(overrides);
	u.token = it_new_user("lz", source(), u.name);
	id = big_batch(&u);
	snprintf(path, sizeof(path), "/api/batch/%s/download", id);
	fd = raw_get(source(), path, u.token, rcvbuf);
	ck_assert_int_eq(read_head(fd, head, sizeof(head)), 200);
	*got = 0;
	ms = until_slot_free(&u, id, fd, trickle, limit_ms, got);
	close(fd);
	free(id);
	free(u.token);
	return ms;
}

/* A ZIP reader that reads nothing after the head: dropped after
 * IG_STREAM_WRITE_TIMEOUT (2 s here) once the buffers between are full. */
START_TEST(stalled_zip_reader_is_dropped)
{
	long got, ms = zip_reader("IG_MAX_LONG_PER_USER=1 IG_STREAM_WRITE_TIMEOUT=2", 4096, 0, 30000, &got);

	printf("stalled ZIP reader (%ld MB archive): thread free after %ld ms\n", BIG_FILE >> 20, ms);
	ck_assert_msg(ms >= 0, "the stalled ZIP stream still holds its thread after 30 s");
}
END_TEST

/* A ZIP reader that keeps reading, too slowly to ever finish: the stream
 * ends after IG_ZIP_MAX_SECONDS (4 s here); the write timeout (120 s
 * here) is out of reach. */
START_TEST(zip_stream_has_a_lifetime)
{
	long got, ms = zip_reader("IG_MAX_LONG_PER_USER=1 IG_STREAM_WRITE_TIMEOUT=120 IG_ZIP_MAX_SECONDS=4", 0,
	    16384, 40000, &got);

	printf("trickling ZIP reader: thread free after %ld ms, %ld of %ld bytes read\n", ms, got, BIG_FILE);
	ck_assert_msg(ms >= 0, "the trickled ZIP stream still holds its thread after 40 s");
	ck_assert_int_lt(got, BIG_FILE);
}
END_TEST

/* Unchecked teardown: the pool and the runner as the other suites expect
 * them. Each test starts the pool with the settings it needs, so the pool
 * is put back once, here, not after every test. */
static void
restore_stack(void)
{
	unsetenv("IG_STACK_OVERRIDES");
	if (it_stack_quiet("pool-start") != 0 || it_stack_quiet("worker-start") != 0 || it_wait_health(200, 80) != 200)
		fprintf(stderr, "test_longheld: could not restore the stack\n");
}

IT_MAIN("longheld", NULL,
	{ .name = "longheld", .timeout_s = 240, .teardown = restore_stack,
	    .tests = IT_TESTS(
		&one_user_cannot_hold_every_thread,
		&the_host_keeps_a_quarter_of_its_threads,
		&a_dead_worker_leaks_no_slot,
		&stalled_zip_reader_is_dropped,
		&zip_stream_has_a_lifetime) }
);
