/* webhook_send.c — the users' signing secrets and the sends of due
 * webhooks (see webhook.h). */
#include "ig_autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <netinet/in.h>

#include <curl/curl.h>
#include <sodium.h>

#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/jobs/webhook.h"

#define SEND_TIMEOUT_MS 10000L
#define CONNECT_TIMEOUT_MS 5000L
/* How long a claimed row stays out of the others' reach: past one send's
 * timeout, so a live runner always records its outcome first. */
#define CLAIM_SECONDS "60"

/* Every statement of this module (tables webhook_secrets and
 * webhook_deliveries). */
#define STATEMENTS(X) \
	X(SQL_SECRET_REPLACE, \
	    "INSERT INTO webhook_secrets (user_id, nonce, ciphertext) VALUES ($1::uuid, $2, $3)" \
	    " ON CONFLICT (user_id) DO UPDATE SET nonce = EXCLUDED.nonce," \
	    " ciphertext = EXCLUDED.ciphertext, created_at = now()") \
	X(SQL_SECRET_CREATE, \
	    "INSERT INTO webhook_secrets (user_id, nonce, ciphertext) VALUES ($1::uuid, $2, $3)" \
	    " ON CONFLICT (user_id) DO NOTHING") \
	X(SQL_SECRET_READ, "SELECT nonce, ciphertext FROM webhook_secrets WHERE user_id = $1::uuid") \
	X(SQL_RECORD_FAILURE, \
	    "UPDATE webhook_deliveries SET attempts = attempts + 1," \
	    " last_error = CASE WHEN attempts + 1 >= $3::int" \
	    "   THEN 'gave up after ' || (attempts + 1) || ' attempts; last: ' || $2 ELSE $2 END," \
	    " next_at = CASE WHEN attempts + 1 >= $3::int THEN 'infinity'::timestamptz" \
	    "   ELSE now() + $4::bigint * interval '1 millisecond' END" \
	    " WHERE id = $1::uuid") \
	X(SQL_CLAIM, \
	    "WITH due AS (SELECT id FROM webhook_deliveries" \
	    "   WHERE delivered_at IS NULL AND next_at <= now()" \
	    "   ORDER BY next_at LIMIT 1 FOR UPDATE SKIP LOCKED)" \
	    " UPDATE webhook_deliveries d SET next_at = now() + interval '" CLAIM_SECONDS " seconds'" \
	    " FROM due, batches b WHERE d.id = due.id AND b.id = d.batch_id" \
	    " RETURNING d.id, d.payload::text, d.attempts, b.callback_url, b.user_id, d.event") \
	X(SQL_DELIVERED, \
	    "UPDATE webhook_deliveries SET delivered_at = now(), attempts = attempts + 1," \
	    " last_error = NULL WHERE id = $1::uuid") \
	/* The item's own state (batch_items: all its chains), read when it \
	 * is queued. */ \
	X(SQL_QUEUE_ITEM, \
	    "INSERT INTO webhook_deliveries (batch_id, event, payload)" \
	    " SELECT $1::uuid, 'batch.item', json_build_object('type', 'batch.item', 'batch_id', $1::uuid::text," \
	    "  'index', $2::int, 'status', status, 'error', error_code) FROM batch_items" \
	    " WHERE batch_id = $1::uuid AND item_index = $2::int") \
	X(SQL_QUEUE_COMPLETED, \
	    "INSERT INTO webhook_deliveries (batch_id, event, payload) VALUES ($1, 'batch.completed', $2::jsonb)")
IG_DB_STATEMENTS(STATEMENTS);

/* ------------------------------------------------------------------ */
/* Secrets */

/* A new "whsec_" + base64(32 CSPRNG bytes) secret into out. */
static void
secret_new(char out[IG_WEBHOOK_SECRET_MAX])
{
	unsigned char raw[32];
	size_t plen = sizeof(IG_WEBHOOK_SECRET_PREFIX) - 1;

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, IG_WEBHOOK_SECRET_PREFIX, plen);
	sodium_bin2base64(out + plen, IG_WEBHOOK_SECRET_MAX - plen, raw, sizeof(raw),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(raw, sizeof(raw));
}

/* Open the sealed secret of row 0 of r into out. 0 or -1 with err. */
static int
secret_open(PGresult *r, char out[IG_WEBHOOK_SECRET_MAX], ig_err *err)
{
	size_t nl = 0, cl = 0;
	unsigned char *nonce = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &nl);
	unsigned char *ct = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 1), &cl);
	char *plain = NULL;
	int rc = -1;

	if (nonce != NULL && ct != NULL && nl == IG_SECRETBOX_NONCE &&
	    ig_secretbox_open(nonce, ct, cl, &plain) == 0 && strlen(plain) < IG_WEBHOOK_SECRET_MAX) {
		snprintf(out, IG_WEBHOOK_SECRET_MAX, "%s", plain);
		rc = 0;
	} else {
		ig_err_set(err, IG_E_INTERNAL, NULL, "the stored webhook secret cannot be opened");
	}
	ig_secretbox_free(plain);
	PQfreemem(nonce);
	PQfreemem(ct);
	return rc;
}

/* Seal secret and store it for user_id: insert it when the user has none,
 * or (replace) overwrite the stored one. 0, or -1 with err. */
static int
secret_store(const char *user_id, const char *secret, int replace, ig_err *err)
{
	ig_sealed_text st;
	const char *p[3];
	int rc;

	if (ig_secretbox_seal_text(secret, &st, err) != 0)
		return -1;
	p[0] = user_id;
	p[1] = st.nonce;
	p[2] = st.ct;
	rc = ig_db_run(sql[replace ? SQL_SECRET_REPLACE : SQL_SECRET_CREATE], 3, p, 0, err);
	ig_sealed_text_free(&st);
	return rc;
}

int
ig_webhook_secret(const char *user_id, int mode, char out[IG_WEBHOOK_SECRET_MAX], ig_err *err)
{
	const char *p[1] = { user_id };
	PGresult *r;
	int rc;

	if (mode == IG_WEBHOOK_SECRET_ROTATE) {
		secret_new(out);
		if (secret_store(user_id, out, 1, err) != 0) {
			sodium_memzero(out, IG_WEBHOOK_SECRET_MAX);
			return -1;
		}
		return 0;
	}
	/* Two tries: a first request that finds none stores one (a concurrent
	 * one may win; its secret is then read back, so both answer the same). */
	for (int round = 0; round < 2; round++) {
		r = ig_db_exec(sql[SQL_SECRET_READ], 1, p, IG_DB_IDEMPOTENT, err);
		if (r == NULL)
			return -1;
		if (PQntuples(r) == 1) {
			rc = secret_open(r, out, err);
			PQclear(r);
			return rc;
		}
		PQclear(r);
		if (mode != IG_WEBHOOK_SECRET_CREATE || round > 0)
			break;
		secret_new(out);
		rc = secret_store(user_id, out, 0, err);
		sodium_memzero(out, IG_WEBHOOK_SECRET_MAX);
		if (rc != 0)
			return -1;
	}
	return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no webhook secret yet");
}

/* ------------------------------------------------------------------ */
/* Sends */

long
ig_webhook_backoff_ms(int attempts)
{
	static const long steps_s[] = { 5, 30, 120, 600, 3600 };
	const int nsteps = (int)(sizeof(steps_s) / sizeof(steps_s[0]));
	long s;

	if (attempts < 1)
		attempts = 1;
	if (attempts <= nsteps) {
		s = steps_s[attempts - 1];
	} else {
		s = steps_s[nsteps - 1];
		for (int i = nsteps; i < attempts && s < 12 * 3600; i++)
			s *= 2;
		if (s > 12 * 3600)
			s = 12 * 3600;
	}
	/* ±20 %: receivers that failed together are not retried together. */
	return s * 800 + (long)randombytes_uniform((uint32_t)(s * 400 + 1));
}

static size_t
discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

/*
 * libcurl's socket opener: only the address that was checked may be
 * connected to. CURLOPT_RESOLVE already pins it; this refuses anything
 * else should curl ever look the name up by itself.
 */
static curl_socket_t
open_pinned(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	const ig_webhook_target *t = clientp;
	int same = 0;

	(void)purpose;
	if (a->family == AF_INET && t->sa.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->addr, *y = (const void *)&t->sa;
		same = x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	} else if (a->family == AF_INET6 && t->sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->addr, *y = (const void *)&t->sa;
		same = memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0 &&
		    x->sin6_port == y->sin6_port;
	}
	if (!same) {
		ig_logf(IG_LOG_WARN, "webhook_refused", "connect to an address other than the checked one");
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/*
 * POST body to url, signed. 0 with the HTTP status in *status (0 when no
 * answer came), or -1 with why in errbuf (the target was refused).
 */
static int
send_one(const char *url, const char *id, const char *secret, const char *body,
    long *status, char *errbuf, size_t errlen)
{
	ig_webhook_target t;
	struct curl_slist *hdrs = NULL, *pin = NULL;
	char sig[64], line[400], cerr[CURL_ERROR_SIZE] = "";
	int64_t ts = (int64_t)time(NULL);
	ig_err e = { 0 };
	CURL *c;
	CURLcode rc;

	*status = 0;
	if (ig_webhook_resolve(url, ig_cfg()->webhook_allow_hosts, &t, &e) != 0) {
		snprintf(errbuf, errlen, "%s", e.message);
		return -1;
	}
	if (ig_webhook_sign(secret, id, ts, body, strlen(body), sig) != 0) {
		snprintf(errbuf, errlen, "the webhook secret is malformed");
		return -1;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(errbuf, errlen, "internal error");
		return -1;
	}
	snprintf(line, sizeof(line), "%s:%ld:%s%s%s", t.host, t.port,
	    t.sa.ss_family == AF_INET6 ? "[" : "", t.addr, t.sa.ss_family == AF_INET6 ? "]" : "");
	pin = curl_slist_append(pin, line);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	snprintf(line, sizeof(line), "webhook-id: %s", id);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof(line), "webhook-timestamp: %lld", (long long)ts);
	hdrs = curl_slist_append(hdrs, line);
	snprintf(line, sizeof(line), "webhook-signature: %s", sig);
	hdrs = curl_slist_append(hdrs, line);

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	/* A proxy would connect to the target by itself, unchecked. */
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_pinned);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &t);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, SEND_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "imagegen-webhooks/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else
		snprintf(errbuf, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	curl_slist_free_all(pin);
	sodium_memzero(sig, sizeof(sig));
	return 0;
}

/* Record a failed try of delivery id: count it, keep why, and schedule
 * the next one or give up. */
static void
record_failure(const char *id, int attempts, const char *why)
{
	const ig_config *c = ig_cfg();
	char max[16], delay[24];
	const char *p[4] = { id, why, max, delay };
	ig_err e;

	snprintf(max, sizeof(max), "%d", c->webhook_max_attempts);
	snprintf(delay, sizeof(delay), "%ld", ig_webhook_backoff_ms(attempts + 1));
	if (ig_db_run(sql[SQL_RECORD_FAILURE], 4, p, 0, &e) != 0) {
		ig_logf(IG_LOG_WARN, "webhook_record_failed", "delivery %s: %s", id, e.message);
		return;
	}
	if (attempts + 1 >= c->webhook_max_attempts)
		ig_logf(IG_LOG_WARN, "webhook_gave_up", "delivery %s after %d attempts: %s", id, attempts + 1, why);
	else
		ig_logf(IG_LOG_INFO, "webhook_retry", "delivery %s attempt %d failed: %s; retry in %s ms",
		    id, attempts + 1, why, delay);
}

/* Claim one due delivery; 1 with *r holding it, 0 when none is due, -1. */
static int
claim_one(PGresult **r, ig_err *err)
{
	*r = ig_db_exec(sql[SQL_CLAIM], 0, NULL, 0, err);
	if (*r == NULL)
		return -1;
	if (PQntuples(*r) == 0) {
		PQclear(*r);
		*r = NULL;
		return 0;
	}
	return 1;
}

int
ig_webhook_deliver_due(const char *runner_id, int max, ig_err *err)
{
	int sent = 0;

	for (int i = 0; i < max; i++) {
		PGresult *r;
		char secret[IG_WEBHOOK_SECRET_MAX], why[256] = "";
		const char *id, *body, *url, *user;
		int attempts, got;
		long status = 0;
		ig_err e = { 0 };

		if ((got = claim_one(&r, err)) <= 0)
			return got < 0 ? -1 : sent;
		id = PQgetvalue(r, 0, 0);
		body = PQgetvalue(r, 0, 1);
		attempts = atoi(PQgetvalue(r, 0, 2));
		url = PQgetisnull(r, 0, 3) ? NULL : PQgetvalue(r, 0, 3);
		user = PQgetvalue(r, 0, 4);
		if (url == NULL) {
			snprintf(why, sizeof(why), "the batch has no callback_url");
		} else if (ig_webhook_secret(user, IG_WEBHOOK_SECRET_CREATE, secret, &e) != 0) {
			snprintf(why, sizeof(why), "%s", e.message);
		} else {
			if (send_one(url, id, secret, body, &status, why, sizeof(why)) == 0)
				sent++;
			sodium_memzero(secret, sizeof(secret));
		}
		if (status >= 200 && status < 300) {
			const char *p[1] = { id };
			if (ig_db_run(sql[SQL_DELIVERED], 1, p, 0, &e) != 0)
				ig_logf(IG_LOG_WARN, "webhook_record_failed", "delivery %s: %s", id, e.message);
			else
				ig_logf(IG_LOG_INFO, "webhook_delivered", "delivery %s (%s) by runner %s: %ld",
				    id, PQgetvalue(r, 0, 5), runner_id, status);
		} else {
			if (status != 0)
				snprintf(why, sizeof(why), "the receiver answered HTTP %ld", status);
			record_failure(id, attempts, why);
		}
		PQclear(r);
	}
	return sent;
}

int
ig_webhook_queue_item(const char *batch_id, int item_index, ig_err *err)
{
	char idx[16];
	const char *p[2] = { batch_id, idx };

	snprintf(idx, sizeof(idx), "%d", item_index);
	return ig_db_run(sql[SQL_QUEUE_ITEM], 2, p, 0, err);
}

int
ig_webhook_queue_completed(const char *batch_id, json_object *payload, ig_err *err)
{
	const char *p[2] = { batch_id, json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN) };

	return ig_db_run(sql[SQL_QUEUE_COMPLETED], 2, p, 0, err);
}
