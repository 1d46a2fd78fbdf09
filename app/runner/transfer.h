/*
 * transfer.h — the runner's calls in flight and the curl_multi handle that
 * performs their HTTP exchanges, with the transport rules of PROVIDERS.md:
 * only the base URL's scheme, no redirects for API calls (three for output
 * downloads, same scheme), downloads only from IG_<PROVIDER>_DOWNLOAD_HOSTS,
 * a byte cap in the write callback, connect and total timeouts.
 */
#ifndef IG_RUNNER_TRANSFER_H
#define IG_RUNNER_TRANSFER_H

#include <stdint.h>

#include <curl/curl.h>

#include "app/runner/pool.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/queue.h"
#include "lib/providers/provider.h"

typedef struct ig_active {
	ig_job job;
	const ig_provider_ops *ops;
	const ig_pconf *pconf;
	ig_call call;
	ig_gen_request req;
	char *key;                      /* the provider key in the clear; wiped on drop */
	unsigned char *src;             /* a creative AI job's source image bytes (req.src) */
	ig_http_req hreq;               /* the exchange in flight or scheduled */
	int retries;                    /* of the current exchange */
	int64_t started_ms;
	int64_t wake_at_ms;             /* scheduled: start the exchange then */
	int scheduled, in_flight;
	CURL *easy;
	struct curl_slist *hdrs;
	curl_mime *mime;
	ig_buf body;
	long max_bytes;
	int too_big;
	char content_type[128], retry_after[64], finish_reason[64], seed[32];
	/* Handed to the runner's pool (render, store, cancel): until the task
	 * comes back, only the pool thread touches the call; the loop reads
	 * its job's id (heartbeats) and provider (counts) and nothing else. */
	ig_pool_task task;
	int on_pool;
	struct ig_active *next;
} ig_active;

typedef struct ig_runner ig_runner;

ig_runner *ig_runner_new(void);
void ig_runner_free(ig_runner *rn);
/* Track a claimed job (moved into the new entry). */
ig_active *ig_runner_add(ig_runner *rn, ig_job *job);
/* Forget a call: free its adapter state, images and transfer, wipe its key. */
void ig_runner_drop(ig_runner *rn, ig_active *a);
/* Calls in flight, for provider (NULL: all). */
int ig_runner_count(ig_runner *rn, const char *provider);
/* End a's transfer and unschedule it (before it goes to the pool). */
void ig_runner_park(ig_runner *rn, ig_active *a);
/* Perform a->hreq after delay_ms. */
void ig_runner_schedule(ig_runner *rn, ig_active *a, long delay_ms);
/* Start due exchanges, wait up to max_wait_ms for transfers or for one of
 * the nfds descriptors in fds (-1 entries are skipped) to be readable, and
 * deliver finished exchanges to ig_runner_response. */
void ig_runner_poll(ig_runner *rn, const int *fds, int nfds, int max_wait_ms);
/* The ids of the jobs in hand, NULL-terminated: a malloc'ed array (free
 * it) of strings owned by the calls, valid until the next drop. */
const char **ig_runner_held(ig_runner *rn);
/* The call of job_id, or NULL. */
ig_active *ig_runner_find(ig_runner *rn, const char *job_id);
/* Ask the provider to stop the work of a's call (Replicate), bounded to 5 s. */
void ig_runner_cancel_upstream(ig_active *a);
/* Shutdown: give every held job back to the queue (cancelling upstream
 * where the adapter can), except those on the pool (their tasks own them). */
void ig_runner_release_all(ig_runner *rn, const char *runner_id);

/* Called by ig_runner_poll with each finished exchange, and with calls
 * that failed before or outside the adapter (main.c). Both may drop a. */
void ig_runner_response(ig_runner *rn, ig_active *a, const ig_http_resp *resp);
void ig_runner_fail(ig_runner *rn, ig_active *a, const ig_err *err);

#endif
