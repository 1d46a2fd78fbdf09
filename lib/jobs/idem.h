/*
 * idem.h — the idempotency_keys table (migrations 003 and 013; the
 * Idempotency-Key header of draft-ietf-httpapi-idempotency-key-header).
 *
 * A key belongs to one caller scope ("user:<id>" or "ip:<addr>") and one
 * route: the same key from another caller or on another route is another
 * key. The first request with a key claims it; it then either binds the key
 * to the generation job it started (the answer is rebuilt from that job on
 * every replay, so no image bytes are ever kept here) or stores its small
 * JSON answer (batch submit, errors before a job existed). Keys live
 * IG_IDEM_TTL; every claim sweeps the expired ones of all callers (one
 * statement, on the index of created_at), so no runner task is needed.
 */
#ifndef IG_JOBS_IDEM_H
#define IG_JOBS_IDEM_H

#include "lib/core/error.h"
#include "lib/core/util.h"

#define IG_IDEM_TTL "24 hours"

/* Which key: all three are compared exactly. */
typedef struct ig_idemkey {
	const char *scope;
	const char *route;
	const char *key;
} ig_idemkey;

/* A key's row, and the job it is bound to. */
typedef struct ig_idem_rec {
	char hash[65];                  /* SHA-256 hex of the first request's body */
	int status;                     /* the stored answer's status; 0: none */
	char *response;                 /* its JSON text or NULL; free() it */
	char job_id[IG_UUID_BUF];                /* "" when not bound to a job */
	int cached;                     /* the bound job was a cache hit */
	char job_status[16];            /* queued | running | succeeded | failed | canceled */
	char job_code[64], job_message[256];
	char provider[IG_PROVIDER_BUF], model[128];
} ig_idem_rec;

/* Sweep expired keys, then claim k for a request whose body hashes to hash
 * (an expired row of k itself is taken over). 1: claimed, this request
 * runs; 0: k exists and is live (read it with ig_idemkey_get); -1: err. */
int ig_idemkey_claim(const ig_idemkey *k, const char *hash, ig_err *err);
/* k's row into rec. 1, 0 when there is none (it expired or was forgotten
 * since), -1 with err. */
int ig_idemkey_get(const ig_idemkey *k, ig_idem_rec *rec, ig_err *err);
/* Bind k to job_id (cached: a cache hit, not a job started here). */
int ig_idemkey_bind_job(const ig_idemkey *k, const char *job_id, int cached, ig_err *err);
/* Keep k's answer (status and JSON text). */
int ig_idemkey_store(const ig_idemkey *k, int status, const char *json, ig_err *err);
/* Free k for a fresh attempt — unless it is bound to a job that is still
 * queued or running, or that succeeded: then the key stays with that job
 * (its answer can always be rebuilt; a retry must not pay again). */
int ig_idemkey_forget(const ig_idemkey *k, ig_err *err);

#endif
