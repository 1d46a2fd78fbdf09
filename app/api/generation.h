/*
 * generation.h — the generation request shared by POST /api/generate-image
 * (generate.c) and the OpenAI-compatible POST /v1/images/generations
 * (openai_compat.c): checked against the provider's declaration, answered
 * from the cache or run as a job the caller waits for.
 */
#ifndef IG_API_GENERATION_H
#define IG_API_GENERATION_H

#include "app/fcgi/http.h"
#include "lib/auth/secretbox.h"
#include "lib/jobs/idem.h"
#include "lib/jobs/queue.h"
#include "lib/providers/provider.h"

typedef struct ig_gen_fields ig_gen_fields;

typedef struct ig_gen {
	const ig_provider_ops *ops;
	const ig_gen_fields *fields;    /* the route's field names (ig_gen_check) */
	int charged;                    /* images counted against the caller's daily
	                                 * server-key cap (ig_gen_resolve_key) */
	ig_gen_request req;
	const char *provider;           /* NULL: the caller's preference, else IG_DEFAULT_PROVIDER */
	const char *api_key;
	int b64;
	int no_cache;
	char size[24];
	char cache_key[65];
	struct ig_idem *idem;           /* bound to the job ig_gen_run starts; may be NULL */
	json_object *job_extra;         /* members added to the job's request (a creative
	                                 * tool's "creative": lib/jobs/creative.h); may be NULL */
	const char *project_id;         /* the project its images go in (the caller is its
	                                 * editor or owner: ig_api_project_writable); NULL */
	json_object *tags;              /* the tags its images get (ig_api_tags checked them;
	                                 * borrowed from the request); NULL when none */
} ig_gen;

/* Request field names, for errors: the seed API and OpenAI's differ. */
struct ig_gen_fields {
	const char *provider, *model, *size, *count;
};

/* 401 unless the caller is authenticated or IG_ALLOW_ANONYMOUS=1. */
int ig_gen_allowed(ig_req *req, ig_err *err);
/* Resolve g's provider, model (NULL: the default), size (NULL: 1024x1024),
 * count and seed against the provider's declaration; -1 with err naming
 * the field. */
int ig_gen_check(ig_req *req, ig_gen *g, const char *model, const char *size,
    const ig_gen_fields *f, ig_err *err);
/* Where the runner will find g's provider key (the request's, sealed into
 * *sealed; the caller's stored one, into key_id; the server's), set in
 * spec; 401 naming the provider when there is none. The server's key only
 * as lib/jobs/serverkey.h allows (403 naming api_key, model or input), with
 * images (the job's or batch's total) counted against a metered caller's
 * daily cap (429 with Retry-After; g->charged then holds them until
 * ig_gen_uncharge). The caller wipes and frees *sealed. */
int ig_gen_resolve_key(ig_req *req, ig_gen *g, int images, ig_job_spec *spec,
    unsigned char nonce[IG_SECRETBOX_NONCE], unsigned char **sealed, size_t *sealed_len, char key_id[IG_UUID_BUF],
    ig_err *err);
/* Give back g->charged when the work was never enqueued. */
void ig_gen_uncharge(ig_req *req, ig_gen *g);
/* The job's stored request (never the key). New reference. */
json_object *ig_gen_job_request(const ig_gen *g);

/* Queue a batch (app/api/batch.c; a workflow's run is one too): the
 * caller's items (job requests, one per item) generated as g says, name
 * and callback_url NULL for none. Its stored settings are g's provider,
 * model and size, then key with value (consumed). Refused with 429 naming
 * prompts when the caller's waiting and running items would pass
 * IG_BATCH_MAX_QUEUED; the key is resolved for every item's images and
 * given back if the insert fails. 0 with batch_id, or -1 with err. */
int ig_batch_queue(ig_req *req, ig_gen *g, const char *name, const char *callback_url, int per_item, json_object *items,
    const char *key, json_object *value, char batch_id[IG_UUID_BUF], ig_err *err);

/* A workflow's generate step (app/api/workflow.c): step's members but op,
 * with prompt, read by POST /api/generate-image's table into g as that
 * route does, errors naming prefix + the member ("steps[0].image_size").
 * g->req.extra is the caller's to put. 0, or -1 with err. */
int ig_gen_step(ig_req *req, json_object *step, const char *prompt, const char *prefix, ig_gen *g, ig_err *err);
/* Answer from the cache or enqueue and wait. 0 with job_id (and *cached),
 * or -1 with err (the job's own error when it failed). */
int ig_gen_run(ig_req *req, ig_gen *g, char job_id[IG_UUID_BUF], int *cached, ig_err *err);

/*
 * Idempotency-Key (app/api/idempotency.c; lib/jobs/idem.h), shared by the
 * generation routes and batch submit: per caller and route, the first
 * request with a key runs; a repeat with the same body gets its answer,
 * another body 422, a repeat while it still runs 409 with Retry-After. A
 * generation binds the key to its job (ig_idem_bind), and every repeat is
 * answered from that job: its images once it succeeded, 409 naming it while
 * it runs (also after the first request answered 504), never a second job.
 */
typedef struct ig_idem {
	int active;                     /* this request claimed the key */
	int bound;                      /* the key is bound to a job (rec.job_id) */
	ig_idemkey k;
	char scope[80];
	char hash[65];
	ig_idem_rec rec;                /* the key's row when another request claimed it */
} ig_idem;

/* 0: go ahead (this request owns the key, or sent none); 1: *status and
 * *out hold the stored answer; 2: the key is bound to the job id->rec.job_id
 * (its status in id->rec), answer from it; -1: err (409, 422, 400). */
int ig_idem_begin(ig_req *req, ig_idem *id, int *status, json_object **out, ig_err *err);
/* Bind the key id owns (if any; id may be NULL) to job_id. */
void ig_idem_bind(ig_idem *id, const char *job_id, int cached);
/* The 409 of a key whose job still runs: Retry-After, the job's id as
 * generation_id. Returns 409 with *out. */
int ig_idem_busy(ig_req *req, const char *job_id, json_object **out);
/* Keep the answer of the request that owns the key (status < 0: err), or
 * free the key after a 5xx. */
void ig_idem_end(ig_req *req, const ig_idem *id, int status, json_object *body, const ig_err *err);

#endif
