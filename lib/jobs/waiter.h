/*
 * waiter.h — waking the threads that wait for a job, without a database
 * connection per waiting request: one listener thread per process holds a
 * connection that LISTENs on ig_job_done and signals the thread waiting
 * for the job named in the notification.
 */
#ifndef IG_JOBS_WAITER_H
#define IG_JOBS_WAITER_H

#include <pthread.h>
#include <stdint.h>

#include "lib/core/util.h"

typedef struct ig_wait {
	char job_id[IG_UUID_BUF];
	int notified;
	pthread_cond_t cond;
	struct ig_wait *next;
} ig_wait;

/* Start the listener thread of this process (once, after fork). */
int ig_waiter_start(const char *conninfo);
/* Announce interest in job_id before enqueueing it. */
void ig_waiter_register(ig_wait *w, const char *job_id);
/* Wait until notified or until deadline_ms (monotonic); 1 when notified. */
int ig_waiter_wait(ig_wait *w, int64_t deadline_ms);
void ig_waiter_unregister(ig_wait *w);

#endif
