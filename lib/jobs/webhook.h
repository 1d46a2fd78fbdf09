/*
 * webhook.h — batch webhooks signed the Standard Webhooks way
 * (https://www.standardwebhooks.com, spec v1): each POST carries
 *
 *   webhook-id: <the delivery's id>          (stable across retries)
 *   webhook-timestamp: <unix seconds>
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">
 *
 * under a per-user secret "whsec_" + base64(32 random bytes), stored sealed
 * with IG_SECRET_KEY (crypto_secretbox) in webhook_secrets.
 *
 * A callback URL is a request the server makes on a user's behalf, so it is
 * an SSRF vector: its host must resolve only to public addresses (no
 * loopback, private, link-local, CGNAT, unspecified, multicast, reserved or
 * cloud-metadata address) unless the host is in IG_WEBHOOK_ALLOW_HOSTS. The
 * check runs at submit time and again at each send, and the send connects
 * to the very address that was checked, so a DNS answer that changes
 * between check and connect (rebinding) cannot redirect it.
 */
#ifndef IG_JOBS_WEBHOOK_H
#define IG_JOBS_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <json-c/json.h>

#include "lib/core/error.h"

#define IG_WEBHOOK_SECRET_PREFIX "whsec_"
#define IG_WEBHOOK_SECRET_MAX 64

/* What ig_webhook_secret does when the user has no secret yet, or has one. */
#define IG_WEBHOOK_SECRET_GET 0    /* return the stored one; not_found if none */
#define IG_WEBHOOK_SECRET_CREATE 1 /* return the stored one, or make it */
#define IG_WEBHOOK_SECRET_ROTATE 2 /* replace it with a new one */

/* A checked callback target: the URL's host and port, and the address the
 * send must connect to (text form, and as a socket address). */
typedef struct ig_webhook_target {
	char host[256];            /* as in the URL; IPv6 literals without [] */
	long port;
	char addr[64];             /* numeric form of the pinned address */
	struct sockaddr_storage sa;
	socklen_t salen;
} ig_webhook_target;

/*
 * 1 when the address may be the target of a webhook: a public unicast
 * address. 0 for loopback (127/8, ::1), private (10/8, 172.16/12,
 * 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), CGNAT
 * (100.64/10), unspecified, "this network" (0/8), multicast, broadcast and
 * reserved (240/4) addresses, the metadata addresses 169.254.169.254 and
 * fd00:ec2::254, and IPv6 forms embedding a refused IPv4 address
 * (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d). why (may be NULL) gets a
 * short name of the range refused.
 */
int ig_webhook_addr_public(const struct sockaddr *sa, const char **why);

/*
 * Parse url (http or https only, no userinfo, a host), resolve its host once
 * (getaddrinfo) and check every address with ig_webhook_addr_public, unless
 * "host" or "host:port" is listed in allow_hosts (comma-separated; NULL or
 * "" lists none). Fills t with the first address, the one to connect to.
 * Returns 0, or -1 with err: invalid_request on field "callback_url" naming
 * why (a bad URL, a host that does not resolve, a refused address).
 */
int ig_webhook_resolve(const char *url, const char *allow_hosts, ig_webhook_target *t, ig_err *err);

/* ig_webhook_resolve with IG_WEBHOOK_ALLOW_HOSTS, for submit time. */
int ig_webhook_check_url(const char *url, ig_err *err);

/*
 * The Standard Webhooks signature of one message: "v1," + base64 of
 * HMAC-SHA256 over "id.timestamp.body", keyed with the base64-decoded part
 * of secret after "whsec_". out needs 64 bytes. Returns 0, or -1 when the
 * secret is malformed.
 */
int ig_webhook_sign(const char *secret, const char *id, int64_t timestamp, const char *body,
    size_t body_len, char out[64]);

/*
 * The user's signing secret into out (NUL-terminated; the caller wipes it
 * with sodium_memzero when done). mode is one of IG_WEBHOOK_SECRET_*.
 * Returns 0, or -1 with err: not_found (GET and none stored), internal
 * (the stored value cannot be opened), unavailable.
 */
int ig_webhook_secret(const char *user_id, int mode, char out[IG_WEBHOOK_SECRET_MAX], ig_err *err);

/* Queue the batch.item webhook of item item_index of batch_id: {type,
 * batch_id, index, status, error} as the item (all its chains) stands
 * now. 0 or -1 with err. */
int ig_webhook_queue_item(const char *batch_id, int item_index, ig_err *err);

/* Queue the batch.completed webhook of batch_id with payload. 0 or -1
 * with err. */
int ig_webhook_queue_completed(const char *batch_id, json_object *payload, ig_err *err);

/*
 * Send up to max due webhooks (webhook_deliveries with next_at <= now(),
 * not delivered), one at a time: each row is claimed with FOR UPDATE SKIP
 * LOCKED and its next_at pushed past the send's timeout before the send, so
 * two runners never send one at once. A 2xx answer records delivered_at;
 * anything else counts an attempt, records last_error and schedules the
 * next try with back-off and jitter, or gives up after
 * IG_WEBHOOK_MAX_ATTEMPTS (next_at = infinity, last_error says so).
 * Delivery is at least once: a runner dying between send and record sends
 * again after the claim runs out (receivers dedupe on webhook-id).
 * Blocks for each send, up to 10 s. Returns how many were sent (whatever
 * the answer), or -1 with err when the database failed.
 */
int ig_webhook_deliver_due(const char *runner_id, int max, ig_err *err);

/* The delay before try number attempts+1 after attempts failed ones, in
 * ms, jittered by ±20 %: 5 s, 30 s, 2 min, 10 min, 1 h, then doubling up
 * to 12 h. */
long ig_webhook_backoff_ms(int attempts);

#endif
