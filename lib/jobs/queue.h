/*
 * queue.h — the job queue in PostgreSQL (jobs table, migration 003).
 *
 * Producers (the HTTP API) enqueue and are woken by NOTIFY ig_job_done;
 * runners claim with FOR UPDATE SKIP LOCKED, hold a lease they renew with
 * a heartbeat, and finish, fail, retry later or release what they hold.
 * A runner that dies stops renewing: any runner re-queues jobs whose lease
 * ran out, so any number of runners on any number of hosts may share one
 * database.
 */
#ifndef IG_JOBS_QUEUE_H
#define IG_JOBS_QUEUE_H

#include <stddef.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"

#define IG_JOB_CHANNEL_QUEUED "ig_job_queued"
#define IG_JOB_CHANNEL_DONE "ig_job_done"
/* Payload: a batch id, whenever one of its items ends or the batch does. */
#define IG_BATCH_CHANNEL "ig_batch_event"
/* Payload: a job id whose cancellation runners must act on. */
#define IG_JOB_CHANNEL_CANCEL "ig_job_cancel"

/* A claimed job. request is owned (put by ig_job_free). */
typedef struct ig_job {
	char id[IG_UUID_BUF];
	char user_id[IG_UUID_BUF];               /* "" when anonymous */
	char provider[IG_PROVIDER_BUF];
	char model[128];
	json_object *request;
	char key_source[8];
	char key_id[IG_UUID_BUF];
	unsigned char *key_nonce;       /* 'request' keys only */
	size_t key_nonce_len;
	unsigned char *key_sealed;
	size_t key_sealed_len;
	char cache_key[65];
	char batch_id[IG_UUID_BUF];              /* "" when not part of a batch */
	int item_index;
	int attempts;                   /* including this one */
	int max_attempts;
} ig_job;

void ig_job_free(ig_job *j);

/* What a producer asks for. */
typedef struct ig_job_spec {
	const char *id;                 /* chosen by the producer (uuid) */
	const char *user_id;            /* NULL for anonymous */
	const char *provider;
	const char *model;
	json_object *request;
	const char *key_source;         /* none | server | stored | request */
	const char *key_id;             /* stored */
	const unsigned char *key_nonce; /* request */
	size_t key_nonce_len;
	const unsigned char *key_sealed;
	size_t key_sealed_len;
	const char *cache_key;
	int priority;
} ig_job_spec;

/* Insert a queued job and wake the runners. 0 or -1 with err. */
int ig_job_enqueue(const ig_job_spec *spec, ig_err *err);

/*
 * Run statement as ig_db_run does, for the statements that store a job's
 * key (a job, a batch's items): of its n parameters p, the four at p[at]
 * onward are filled here from key's key_source, key_id and sealed request
 * key (its nonce and ciphertext as bytea text, NULL when it has none); the
 * ciphertext's text is wiped before this returns. 0 or -1 with err.
 */
int ig_job_run_keyed(const char *statement, int n, const char **p, int at, const ig_job_spec *key, ig_err *err);

/* Runners. */
int ig_runner_register(const char *hostname, int pid, const char *version, char id[IG_UUID_BUF], ig_err *err);
int ig_runner_unregister(const char *runner_id, ig_err *err);
/* How many runners registered from hostname beat within the last max_age_s
 * seconds (`imagegen health --runner`); -1 with err. */
int ig_runner_live_on_host(const char *hostname, int max_age_s, ig_err *err);

/* A runner as monitoring shows it. */
typedef struct ig_runner_seen {
	char hostname[256];
	int pid;
	char heartbeat_at[32];   /* RFC 3339, UTC, milliseconds */
} ig_runner_seen;

/* The runners with a heartbeat within the last max_age_s seconds, by
 * hostname and pid: *out (the caller frees) and *n. 0 or -1 with err. */
int ig_runners_live(int max_age_s, ig_runner_seen **out, int *n, ig_err *err);

/* How many jobs are in each of the n statuses, into counts[n]. 0 or -1
 * with err. */
int ig_jobs_by_status(const char *const *statuses, int n, long long *counts, ig_err *err);

/* How each provider's latest finished job ended (the provider catalogue's
 * status); error_code "" for none. */
typedef struct ig_job_outcome {
	char provider[IG_PROVIDER_BUF];
	char status[16];
	char error_code[64];
	char finished_at[32];    /* RFC 3339, UTC, milliseconds */
} ig_job_outcome;
/* One per provider that has finished a job, into *out (malloc'ed, the
 * caller frees) and *n. 0 or -1 with err. */
int ig_jobs_last_outcomes(ig_job_outcome **out, int *n, ig_err *err);

/* Renew the runner's heartbeat and the leases of the jobs it holds: those
 * of held (a NULL-terminated list of job ids) only. A job the runner has let
 * go without recording how it ended (the database was down when it tried)
 * is still 'running' under its id; its lease must run out so that it is
 * re-queued, not be renewed for as long as the runner lives. */
int ig_runner_heartbeat(const char *runner_id, const char *const *held, int lease_s, ig_err *err);
/* Put jobs whose lease ran out back in the queue; returns how many. */
int ig_jobs_requeue_expired(ig_err *err);

/* Claim the next runnable job, skipping the providers listed in busy
 * (NULL-terminated; providers at their concurrency cap). 1 with *job
 * filled, 0 when there is none, -1 with err. */
int ig_job_claim(const char *runner_id, const char *const *busy, int lease_s, ig_job *job, ig_err *err);

/* Finish a job this runner holds; NOTIFY the waiting producer. */
int ig_job_succeed(const ig_job *job, const char *runner_id, ig_err *err);
int ig_job_fail(const ig_job *job, const char *runner_id, const char *code, const char *message, ig_err *err);
/* Mark a held job canceled (its batch was canceled); NOTIFY like the rest. */
int ig_job_cancel(const ig_job *job, const char *runner_id, ig_err *err);
/* 1 when cancellation of job was requested or its batch is canceled, 0
 * when not, -1 with err. */
int ig_job_cancel_requested(const ig_job *job, ig_err *err);
/* Back to the queue now, the attempt not counted (runner shutting down). */
int ig_job_release(const ig_job *job, const char *runner_id, ig_err *err);

/* The provider key of a job in the clear: *key is malloc'ed and must be
 * wiped by the caller (sodium_memzero + free); NULL when the job needs none.
 * server_key is the server's IG_<PROVIDER>_API_KEY (may be NULL). */
int ig_job_key(const ig_job *job, const char *server_key, char **key, ig_err *err);

#endif
