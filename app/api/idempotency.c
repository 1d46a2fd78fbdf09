/*
 * idempotency.c — the Idempotency-Key header (draft-ietf-httpapi-
 * idempotency-key-header) of generate-image, the provider generate routes
 * and batch submit (API.md): the glue between a request and lib/jobs/idem.
 * Per caller and per route, the first request with a key runs; a repeat
 * with another body gets 422; a repeat while the first still runs 409 with
 * Retry-After (and the job's id once there is one); a later repeat the
 * first one's answer — for a generation, rebuilt from its job, so a retry
 * after a 504 never starts a second paid job. Keys live 24 hours. A 5xx
 * answer frees the key for a fresh attempt, unless it is bound to a job
 * that still runs or succeeded.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/generation.h"
#include "lib/auth/token.h"
#include "lib/core/json.h"
#include "lib/core/log.h"

#define BUSY_RETRY_AFTER "5"

int
ig_idem_busy(ig_req *req, const char *job_id, json_object **out)
{
	ig_err e;

	ig_err_set(&e, IG_E_CONFLICT, NULL, "the first request with this Idempotency-Key is still running as job %s;"
	    " retry later", job_id);
	ig_req_add_header(req, "Retry-After", BUSY_RETRY_AFTER);
	*out = ig_error_body(req, &e);
	json_object_object_add(*out, "generation_id", json_object_new_string(job_id));
	return 409;
}

int
ig_idem_begin(ig_req *req, ig_idem *id, int *status, json_object **out, ig_err *err)
{
	const char *key = ig_req_header(req, "Idempotency-Key");
	unsigned char h[IG_SHA256_LEN];
	int rc;

	memset(id, 0, sizeof(*id));
	if (key == NULL)
		return 0;
	if (*key == '\0' || strlen(key) > 255)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "Idempotency-Key", "Idempotency-Key must be 1 to 255 characters");
	snprintf(id->scope, sizeof(id->scope), "%s:%s", req->caller.authenticated ? "user" : "ip",
	    req->caller.authenticated ? req->caller.user_id : (req->remote_addr ? req->remote_addr : "-"));
	id->k.scope = id->scope;
	id->k.route = req->path;
	id->k.key = key;
	ig_sha256(req->body ? req->body : "", req->body_len, h);
	ig_hex(h, sizeof(h), id->hash);
	rc = ig_idemkey_claim(&id->k, id->hash, err);
	if (rc != 0) {
		id->active = rc > 0;
		return rc > 0 ? 0 : -1;
	}
	rc = ig_idemkey_get(&id->k, &id->rec, err);
	if (rc <= 0) {
		if (rc == 0) {
			/* Freed between the two statements: in flight elsewhere. */
			ig_req_add_header(req, "Retry-After", BUSY_RETRY_AFTER);
			ig_err_set(err, IG_E_CONFLICT, NULL, "a request with this Idempotency-Key is in flight; retry later");
		}
		return -1;
	}
	if (strcmp(id->rec.hash, id->hash) != 0)
		return ig_err_set(err, IG_E_IDEMPOTENCY_MISMATCH, "Idempotency-Key",
		    "this Idempotency-Key was used with a different request body");
	if (id->rec.job_id[0] != '\0') {
		id->bound = 1;
		ig_req_add_header(req, "Idempotent-Replayed", "true");
		return 2;
	}
	if (id->rec.status == 0) {
		ig_req_add_header(req, "Retry-After", BUSY_RETRY_AFTER);
		return ig_err_set(err, IG_E_CONFLICT, NULL, "the first request with this Idempotency-Key is still running");
	}
	*status = id->rec.status;
	*out = ig_json_parse(id->rec.response ? id->rec.response : "", id->rec.response ? strlen(id->rec.response) : 0,
	    100000, err);
	free(id->rec.response);
	id->rec.response = NULL;
	if (*out == NULL)
		return -1;
	ig_req_add_header(req, "Idempotent-Replayed", "true");
	return 1;
}

void
ig_idem_bind(ig_idem *id, const char *job_id, int cached)
{
	ig_err e;

	if (id == NULL || !id->active)
		return;
	if (ig_idemkey_bind_job(&id->k, job_id, cached, &e) != 0) {
		ig_logf(IG_LOG_WARN, "idempotency_bind_failed", "job %s: %s", job_id, e.message);
		return;
	}
	id->bound = 1;
}

void
ig_idem_end(ig_req *req, const ig_idem *id, int status, json_object *body, const ig_err *err)
{
	ig_err e;
	json_object *kept = body;

	if (!id->active && !id->bound)
		return;
	if (status < 0)
		status = ig_err_status(err->code);
	if (id->bound) {
		/* The job answers every replay; only its failure frees the key. */
		if (status >= 500)
			ig_idemkey_forget(&id->k, &e);
		return;
	}
	/* A failure, or a refusal to retry later (429), is not the answer. */
	if (status >= 500 || status == 429 || (status < 400 && body == NULL)) {
		ig_idemkey_forget(&id->k, &e);
		return;
	}
	if (status >= 400)
		kept = ig_error_body(req, err);
	ig_idemkey_store(&id->k, status, json_object_to_json_string_ext(kept,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), &e);
	if (kept != body)
		json_object_put(kept);
}
