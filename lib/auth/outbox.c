/* outbox.c — see outbox.h. Table: mail_outbox (sql/migrations/010). */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/outbox.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/token.h"
#include "lib/core/log.h"
#include "lib/core/mail.h"
#include "lib/core/util.h"
#include "lib/db/db.h"

#define STATEMENTS(X) \
	X(S_ADD, "INSERT INTO mail_outbox (to_addr, subject, nonce, body, expires_at)" \
	    " VALUES ($1, $2, $3, $4, CASE WHEN $5::int > 0" \
	    " THEN now() + make_interval(secs => $5::int) END)") \
	/* Claim due messages and push their next attempt back by the \
	 * back-off at once: that is both the lease of this send and the \
	 * retry time should it fail. */ \
	X(S_CLAIM, "UPDATE mail_outbox o SET attempts = o.attempts + 1," \
	    " next_attempt_at = now() + make_interval(secs => least($2::int," \
	    "  $3::int * power(2, least(o.attempts, 16))::int))" \
	    " FROM (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND expired_at IS NULL" \
	    "  AND next_attempt_at <= now() AND (expires_at IS NULL OR expires_at > now())" \
	    "  ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED) d" \
	    " WHERE o.id = d.id RETURNING o.id, o.to_addr, o.subject, o.nonce, o.body, o.attempts") \
	X(S_SENT, "UPDATE mail_outbox SET sent_at = now(), nonce = NULL, body = NULL, last_error = NULL" \
	    " WHERE id = $1") \
	X(S_FAILED, "UPDATE mail_outbox SET last_error = $2 WHERE id = $1") \
	X(S_EXPIRE, "UPDATE mail_outbox SET expired_at = now(), nonce = NULL, body = NULL" \
	    " WHERE sent_at IS NULL AND expired_at IS NULL AND expires_at <= now() RETURNING id") \
	X(S_DROP, "UPDATE mail_outbox SET expired_at = now(), nonce = NULL, body = NULL, last_error = $2" \
	    " WHERE id = $1") \
	X(S_FORGET, "DELETE FROM mail_outbox WHERE coalesce(sent_at, expired_at) < now() - interval '7 days'")
IG_DB_STATEMENTS(STATEMENTS);

int
ig_outbox_add(const char *to, const char *subject, const char *body, int ttl_s, ig_err *err)
{
	ig_sealed_text st;
	char ttl[16];
	const char *p[5];
	int rc;

	if (strpbrk(to, "\r\n") != NULL || strpbrk(subject, "\r\n") != NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "a mail header holds CR or LF");
	if (ig_secretbox_seal_text(body, &st, err) != 0)
		return -1;
	snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	p[0] = to;
	p[1] = subject;
	p[2] = st.nonce;
	p[3] = st.ct;
	p[4] = ttl;
	rc = ig_db_run(sql[S_ADD], 5, p, 0, err);
	ig_sealed_text_free(&st);
	return rc;
}

/* The opened body of claimed row i (caller: ig_secretbox_free), or NULL
 * when it cannot be opened (another IG_SECRET_KEY, or tampered with). */
static char *
open_body(PGresult *r, int i)
{
	size_t nl = 0, cl = 0;
	unsigned char *nonce = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 3), &nl);
	unsigned char *ct = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 4), &cl);
	char *plain = NULL;

	if (nonce == NULL || ct == NULL || nl != IG_SECRETBOX_NONCE ||
	    ig_secretbox_open(nonce, ct, cl, &plain) != 0)
		plain = NULL;
	PQfreemem(nonce);
	PQfreemem(ct);
	return plain;
}

/* Wipe what is past its lifetime; now and then forget old rows. */
static void
sweep(void)
{
	ig_err e;
	PGresult *r = ig_db_exec(sql[S_EXPIRE], 0, NULL, 0, &e);
	unsigned char dice;

	if (r != NULL && PQntuples(r) > 0)
		ig_logf(IG_LOG_WARN, "mail_expired", "%d queued mail(s) expired unsent", PQntuples(r));
	PQclear(r);
	ig_random_bytes(&dice, 1);
	if (dice < 4)
		PQclear(ig_db_exec(sql[S_FORGET], 0, NULL, 0, &e));
}

/* Send claimed row 0 of r: 0 sent, 1 dropped (its body cannot be opened),
 * -1 failed (recorded for the retry). */
static int
send_one(PGresult *r, const char *smtp_url, const char *from)
{
	const char *id = PQgetvalue(r, 0, 0);
	char *body = open_body(r, 0);
	ig_err e = { 0 }, ignore;
	const char *q[2] = { id, NULL };

	if (body == NULL) {
		/* Sealed under another IG_SECRET_KEY (or altered): no retry
		 * can send it, and it says nothing about the SMTP server. */
		q[1] = "the queued body cannot be opened (IG_SECRET_KEY changed?)";
		ig_logf(IG_LOG_WARN, "mail_dropped", "mail %s: %s", id, q[1]);
		ig_db_run(sql[S_DROP], 2, q, 0, &ignore);
		return 1;
	}
	if (ig_mail_send(smtp_url, from, PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), body, &e) == 0) {
		ig_secretbox_free(body);
		if (ig_db_run(sql[S_SENT], 1, q, 0, &e) != 0)
			ig_logf(IG_LOG_WARN, "mail_mark_failed", "mail %s sent, not marked: %s", id, e.message);
		return 0;
	}
	ig_secretbox_free(body);
	q[1] = e.message;
	ig_logf(IG_LOG_WARN, "mail_failed", "mail %s, attempt %s: %s; kept for a retry", id,
	    PQgetvalue(r, 0, 5), e.message);
	ig_db_run(sql[S_FAILED], 2, q, 0, &ignore);
	return -1;
}

int
ig_outbox_send_due(const char *smtp_url, const char *from, int max, ig_err *err)
{
	char cap[16], base[16];
	const char *p[3] = { "1", cap, base };
	int sent = 0;

	sweep();
	snprintf(cap, sizeof(cap), "%d", IG_OUTBOX_BACKOFF_MAX);
	snprintf(base, sizeof(base), "%d", IG_OUTBOX_BACKOFF_BASE);
	/* One at a time: a message is claimed only when it is about to be
	 * sent, so those left after a failure keep their turn. */
	for (int round = 0; round < max; round++) {
		PGresult *r = ig_db_exec(sql[S_CLAIM], 3, p, 0, err);
		int rc;

		if (r == NULL)
			return sent > 0 ? sent : -1;
		if (PQntuples(r) == 0) {
			PQclear(r);
			break;
		}
		rc = send_one(r, smtp_url, from);
		PQclear(r);
		/* A failure most likely means the server is down: the rest
		 * waits for the next round rather than fail the same way. */
		if (rc < 0)
			break;
		sent += rc == 0;
	}
	return sent;
}
