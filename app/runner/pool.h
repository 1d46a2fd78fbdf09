/*
 * pool.h — the runner's threads for work that must not hold its loop:
 * builtin renders, image checks and stores, thumbnails, webhook sends.
 *
 * The loop submits tasks; a fixed set of threads runs them in order; each
 * finished task comes back on a completion queue, and a file descriptor
 * (an eventfd) becomes readable so the loop, which polls it beside its
 * curl_multi transfers, collects it. A task is a struct the caller embeds
 * in its own (container_of style); the pool never frees it.
 */
#ifndef IG_RUNNER_POOL_H
#define IG_RUNNER_POOL_H

typedef struct ig_pool ig_pool;

typedef struct ig_pool_task {
	void (*run)(struct ig_pool_task *t); /* on a pool thread */
	int ran;                            /* set when collected: 0 if the pool stopped first */
	struct ig_pool_task *next;          /* the pool's */
} ig_pool_task;

/* Start nthreads threads; NULL when none could be started. */
ig_pool *ig_pool_new(int nthreads);
/* Queue t; t->run must be set. */
void ig_pool_submit(ig_pool *p, ig_pool_task *t);
/* Readable while finished tasks wait to be collected. */
int ig_pool_fd(const ig_pool *p);
/* The next finished task (oldest first), NULL when none. */
ig_pool_task *ig_pool_collect(ig_pool *p);
/* Tasks submitted and not yet collected. */
int ig_pool_pending(const ig_pool *p);
/* Start no further task: the queued ones, and any submitted later, come
 * back through ig_pool_collect with ran = 0 at once; the running ones
 * finish and come back as usual. Does not wait. */
void ig_pool_close(ig_pool *p);
/* ig_pool_close, then wait for the running tasks (threads are joined). */
void ig_pool_stop(ig_pool *p);
/* ig_pool_stop, then free the pool (collect the tasks first). */
void ig_pool_free(ig_pool *p);

#endif
