/* webhooks.h — the batch webhook signing secret (API.md "Batches"):
 * handlers of the route table for GET /api/batch/webhook-secret and
 * POST /api/batch/webhook-secret/rotate (user access, admin scope). */
#ifndef IG_API_WEBHOOKS_H
#define IG_API_WEBHOOKS_H

#include "app/fcgi/http.h"

int ig_api_batch_webhook_secret(ig_req *req, json_object **out, ig_err *err);
int ig_api_batch_webhook_secret_rotate(ig_req *req, json_object **out, ig_err *err);

#endif
