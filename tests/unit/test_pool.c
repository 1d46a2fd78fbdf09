/*
 * test_pool.c — app/runner/pool, the runner's threads: tasks run beside
 * the caller and come back through the completion queue and its
 * descriptor; a closed pool hands back, unrun, what it never started (the
 * runner releases those jobs) and a stopped one waits for what runs. Each test names
 * the bug it guards.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "app/runner/pool.h"
#include "tests/unit/ut.h"

typedef struct job {
	ig_pool_task task;      /* first */
	int done;
	pthread_t thread;
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int started, release;

static void
run_plain(ig_pool_task *t)
{
	((job *)(void *)t)->done = 1;
	((job *)(void *)t)->thread = pthread_self();
}

/* Says it started, then waits until the test releases it. */
static void
run_held(ig_pool_task *t)
{
	pthread_mutex_lock(&mu);
	started++;
	pthread_cond_broadcast(&cv);
	while (!release)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	run_plain(t);
}

static int
readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void
reset(void)
{
	started = 0;
	release = 0;
}

/* A task run on the caller's thread would block the runner's loop; a lost
 * wake-up would leave a finished job uncollected until the next tick. */
START_TEST(tasks_run_on_threads_and_come_back)
{
	ig_pool *p = ig_pool_new(2);
	job j[5] = { 0 };
	int n = 0;
	ig_pool_task *t;

	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 5; i++) {
		j[i].task.run = run_plain;
		ig_pool_submit(p, &j[i].task);
	}
	ck_assert_int_eq(ig_pool_pending(p), 5);
	while (n < 5) {
		ck_assert_msg(readable(ig_pool_fd(p), 5000), "no completion signalled (%d of 5 collected)", n);
		while ((t = ig_pool_collect(p)) != NULL) {
			ck_assert_int_eq(t->ran, 1);
			ck_assert_int_eq(((job *)(void *)t)->done, 1);
			ck_assert(!pthread_equal(((job *)(void *)t)->thread, pthread_self()));
			n++;
		}
	}
	ck_assert_int_eq(ig_pool_pending(p), 0);
	/* Everything collected: the descriptor is quiet again. */
	ck_assert(!readable(ig_pool_fd(p), 0));
	ig_pool_free(p);
}
END_TEST

/* Two threads run two tasks at once: each waits until both started, which
 * a pool that ran one at a time would never see (the test times out). */
START_TEST(threads_run_tasks_at_once)
{
	ig_pool *p = ig_pool_new(2);
	job j[2] = { 0 };

	reset();
	for (int i = 0; i < 2; i++) {
		j[i].task.run = run_held;
		ig_pool_submit(p, &j[i].task);
	}
	pthread_mutex_lock(&mu);
	while (started < 2)
		pthread_cond_wait(&cv, &mu);
	release = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int n = 0; n < 2;) {
		ck_assert(readable(ig_pool_fd(p), 5000));
		while (ig_pool_collect(p) != NULL)
			n++;
	}
	ck_assert(!pthread_equal(j[0].thread, j[1].thread));
	ig_pool_free(p);
}
END_TEST

/* Closing (the runner's drain deadline) must hand back the queued tasks
 * unrun at once, to be released, without waiting for the running one — the
 * loop must go on heartbeating its job — and stopping must wait for that
 * one, whose job is being written; tasks submitted afterwards come back
 * unrun. */
static void *
stopper(void *arg)
{
	ig_pool_stop(arg);
	return NULL;
}

START_TEST(close_returns_queued_and_stop_waits_for_running)
{
	ig_pool *p = ig_pool_new(1);
	job j[4] = { 0 }, late = { 0 };
	pthread_t st;
	ig_pool_task *t;

	reset();
	j[0].task.run = run_held;
	for (int i = 1; i < 4; i++)
		j[i].task.run = run_plain;
	for (int i = 0; i < 4; i++)
		ig_pool_submit(p, &j[i].task);
	pthread_mutex_lock(&mu);
	while (started < 1)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	ig_pool_close(p);
	for (int i = 1; i < 4; i++) {
		t = ig_pool_collect(p);
		ck_assert_ptr_eq(t, &j[i].task);
		ck_assert_int_eq(t->ran, 0);
		ck_assert_int_eq(j[i].done, 0);
	}
	ck_assert_int_eq(ig_pool_pending(p), 1);
	late.task.run = run_plain;
	ig_pool_submit(p, &late.task);
	t = ig_pool_collect(p);
	ck_assert_ptr_eq(t, &late.task);
	ck_assert_int_eq(t->ran, 0);
	/* stop waits for the running task. */
	ck_assert_int_eq(pthread_create(&st, NULL, stopper, p), 0);
	usleep(100000);
	ck_assert_ptr_null(ig_pool_collect(p));
	pthread_mutex_lock(&mu);
	release = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(st, NULL);
	t = ig_pool_collect(p);
	ck_assert_ptr_eq(t, &j[0].task);
	ck_assert_int_eq(t->ran, 1);
	ck_assert_int_eq(j[0].done, 1);
	ck_assert_ptr_null(ig_pool_collect(p));
	ck_assert_int_eq(ig_pool_pending(p), 0);
	ig_pool_free(p);
}
END_TEST

static Suite *
pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, tasks_run_on_threads_and_come_back);
	tcase_add_test(tc, threads_run_tasks_at_once);
	tcase_add_test(tc, close_returns_queued_and_stop_waits_for_running);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(pool_suite)
