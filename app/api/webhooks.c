/*
 * webhooks.c — the caller's webhook signing secret. Batch webhooks are
 * signed the Standard Webhooks way (lib/jobs/webhook.h); a receiver needs
 * the secret to verify them, so it is shown to its owner on request (it is
 * created on first request), and rotating it makes every later delivery
 * use the new one. Admin scope: a secret lets its holder forge webhooks.
 */
#include "ig_autoconf.h"

#include <sodium.h>

#include "app/api/api.h"
#include "lib/jobs/webhook.h"

static json_object *
secret_answer(const char *secret)
{
	json_object *o = ig_ok("secret", json_object_new_string(secret));

	json_object_object_add(o, "algorithm", json_object_new_string("HMAC-SHA256"));
	json_object_object_add(o, "header_format", json_object_new_string("webhook-signature: v1,<base64>"));
	return o;
}

/* The caller's secret (made or rotated as mode says) as the answer: 200 or
 * -1 with err. The secret does not outlive the answer's JSON. */
static int
secret_reply(ig_req *req, int mode, json_object **out, ig_err *err)
{
	char secret[IG_WEBHOOK_SECRET_MAX];

	if (ig_webhook_secret(req->caller.user_id, mode, secret, err) != 0)
		return -1;
	*out = secret_answer(secret);
	sodium_memzero(secret, sizeof(secret));
	return 200;
}

/* GET /api/batch/webhook-secret: the secret, made on first request. */
int
ig_api_batch_webhook_secret(ig_req *req, json_object **out, ig_err *err)
{
	return secret_reply(req, IG_WEBHOOK_SECRET_CREATE, out, err);
}

/* POST /api/batch/webhook-secret/rotate: a new secret replaces the old one
 * at once (deliveries still queued are signed with the new one). */
int
ig_api_batch_webhook_secret_rotate(ig_req *req, json_object **out, ig_err *err)
{
	if (secret_reply(req, IG_WEBHOOK_SECRET_ROTATE, out, err) != 200)
		return -1;
	ig_activity(req, req->caller.user_id, "webhook_secret_rotated", NULL);
	return 200;
}
