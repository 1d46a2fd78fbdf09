/*
 * outbox.h — mail that leaves the request thread (issue 10, item 5). A
 * request queues a message in mail_outbox (sql/migrations/010) and answers
 * at once; the runner (imagegen-worker) sends what is due through
 * lib/core/mail.c, retrying with back-off while the SMTP server is down or
 * refuses. Nothing is dropped for a failed send: a message leaves the queue
 * only when it was sent, or when its content expired (a reset link past its
 * lifetime is worth nothing). Bodies are sealed under IG_SECRET_KEY
 * (lib/auth/secretbox.c) while queued, because they may hold a reset token,
 * and wiped from the row once sent or expired.
 */
#ifndef IG_AUTH_OUTBOX_H
#define IG_AUTH_OUTBOX_H

#include "lib/core/error.h"

/* First retry after this many seconds, doubling per failed attempt, at most
 * IG_OUTBOX_BACKOFF_MAX. */
#define IG_OUTBOX_BACKOFF_BASE 5
#define IG_OUTBOX_BACKOFF_MAX 300

/* Queue one message to the bare address to. ttl_s > 0: the message is
 * dropped (and its body wiped) when still unsent after ttl_s seconds; 0:
 * it waits for as long as it takes. Header fields must hold no CR or LF.
 * The secret box must be set up (ig_secretbox_setup). Returns 0, or -1
 * with err (invalid_request for a header with CR/LF, internal when sealing
 * fails, unavailable for the database). */
int ig_outbox_add(const char *to, const char *subject, const char *body, int ttl_s, ig_err *err);

/*
 * Send up to max due messages, one at a time, through smtp_url from from (the runner calls
 * this about once a second). A claimed message's next attempt is pushed
 * back before sending, so a runner that dies mid-send only delays it and
 * two runners never send the same message at once. A failed send records
 * the error and the back-off; the round stops at the first failure (the
 * server is likely down for the rest too). Also expires messages past
 * their ttl, drops one whose body cannot be opened (sealed under another
 * IG_SECRET_KEY) and forgets sent ones after a week. Returns how many were sent
 * (0..max), or -1 with err when the database failed.
 */
int ig_outbox_send_due(const char *smtp_url, const char *from, int max, ig_err *err);

#endif
