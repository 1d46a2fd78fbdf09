/*
 * job.h — a job as the API and the runner look at it between its enqueue
 * and its end (lib/jobs/queue.h moves it through its states): where it
 * stands, a finished one to answer a repeated request from, the
 * cancellations a runner must act on. The statements live in job.c.
 */
#ifndef IG_JOBS_JOB_H
#define IG_JOBS_JOB_H

#include "lib/core/error.h"
#include "lib/core/util.h"

/* Where a job stands: status queued|running|succeeded|failed|canceled,
 * and, once it failed, its error ("" when none). */
typedef struct ig_job_state {
	char status[16];
	char code[64];
	char message[256];
} ig_job_state;

/* The state of job_id: 1 with *st filled, 0 when there is no such job,
 * -1 with err. */
int ig_job_state_get(const char *job_id, ig_job_state *st, ig_err *err);

/* The latest succeeded job of the request cache_key that belongs to user_id
 * (NULL: an anonymous one) and produced exactly count images: 1 with its id
 * in job_id, 0 when none, -1 with err. */
int ig_job_cached(const char *cache_key, const char *user_id, int count, char job_id[IG_UUID_BUF], ig_err *err);

/* The running jobs of runner_id whose cancellation was asked for: *ids
 * (the caller frees; NULL when none) and *n. 0 or -1 with err. */
int ig_jobs_cancel_asked(const char *runner_id, char (**ids)[IG_UUID_BUF], int *n, ig_err *err);

#endif
