/* pool.c — see pool.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sys/eventfd.h>

#include "app/runner/pool.h"
#include "lib/core/util.h"

struct ig_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ig_pool_task *queue, **queue_tail;  /* waiting to run */
	ig_pool_task *done, **done_tail;    /* finished, waiting to be collected */
	int pending;                        /* submitted, not collected (loop only) */
	int stop, joined;
	int efd;
	int nthreads;
	pthread_t *threads;
};

static void
push(ig_pool_task ***tail, ig_pool_task *t)
{
	t->next = NULL;
	**tail = t;
	*tail = &t->next;
}

/* Hand t back to the loop (mu held). */
static void
finish(ig_pool *p, ig_pool_task *t, int ran)
{
	uint64_t one = 1;

	t->ran = ran;
	push(&p->done_tail, t);
	while (write(p->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void *
worker(void *arg)
{
	ig_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		ig_pool_task *t;

		while (p->queue == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		t = p->queue;
		p->queue = t->next;
		if (p->queue == NULL)
			p->queue_tail = &p->queue;
		pthread_mutex_unlock(&p->mu);
		t->run(t);
		pthread_mutex_lock(&p->mu);
		finish(p, t, 1);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

ig_pool *
ig_pool_new(int nthreads)
{
	ig_pool *p = ig_xcalloc(1, sizeof(*p));
	sigset_t all, old;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->queue_tail = &p->queue;
	p->done_tail = &p->done;
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	p->threads = ig_xcalloc((size_t)nthreads, sizeof(*p->threads));
	if (p->efd < 0) {
		ig_pool_free(p);
		return NULL;
	}
	/* Signals (SIGTERM) go to the loop's thread, whose poll they cut short;
	 * the threads inherit a mask that blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads == 0) {
		ig_pool_free(p);
		return NULL;
	}
	return p;
}

void
ig_pool_submit(ig_pool *p, ig_pool_task *t)
{
	pthread_mutex_lock(&p->mu);
	p->pending++;
	if (p->stop)
		finish(p, t, 0);
	else
		push(&p->queue_tail, t);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

int
ig_pool_fd(const ig_pool *p)
{
	return p->efd;
}

ig_pool_task *
ig_pool_collect(ig_pool *p)
{
	ig_pool_task *t;
	uint64_t n;

	pthread_mutex_lock(&p->mu);
	t = p->done;
	if (t != NULL) {
		p->done = t->next;
		if (p->done == NULL)
			p->done_tail = &p->done;
		p->pending--;
	} else {
		/* Nothing left: let the descriptor go quiet until the next one. */
		while (read(p->efd, &n, sizeof(n)) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(&p->mu);
	return t;
}

int
ig_pool_pending(const ig_pool *p)
{
	return p->pending;
}

void
ig_pool_close(ig_pool *p)
{
	ig_pool_task *t;

	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	while ((t = p->queue) != NULL) {
		p->queue = t->next;
		finish(p, t, 0);
	}
	p->queue_tail = &p->queue;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void
ig_pool_stop(ig_pool *p)
{
	ig_pool_close(p);
	if (p->joined)
		return;
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	p->joined = 1;
}

void
ig_pool_free(ig_pool *p)
{
	if (p == NULL)
		return;
	ig_pool_stop(p);
	if (p->efd >= 0)
		close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}
