/* ratelimit.c — see ratelimit.h. */
#include "ig_autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/auth/ratelimit.h"
#include "lib/core/util.h"
#include "lib/db/db.h"

/*
 * Claim n more requests of key's current window: the shared count grows by
 * n atomically and comes back with the window's end, so every process on
 * every host gets a disjoint slice [count - n, count) of the window's
 * numbers; only the part of the slice below the limit is granted.
 */
static const char *const claim_sql =
    "INSERT INTO rate_limits AS r (key, window_start, count)"
    " VALUES ($1, date_trunc('minute', now()), $2::int)"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + $2::int"
    " RETURNING count, extract(epoch FROM r.window_start)::bigint + 60,"
    " ceil(extract(epoch FROM r.window_start + interval '1 minute' - now()))::int";

static const char *const sweep_sql =
    "DELETE FROM rate_limits WHERE window_start < now() - interval '2 minutes'";

/* A process keeps the unused part of its last slice per key, so a busy
 * key costs the database one write per slice, not one per request. */
#define SLOTS 1024

typedef struct slot {
	char key[96];
	int64_t window_end;     /* unix seconds */
	int left;               /* granted, not yet used */
	int count;              /* the shared count at the last claim */
} slot;

static slot slots[SLOTS];
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;

/* How many requests one claim takes: one at a time (exact) for limits
 * under 2000 a minute, where a write per request is cheap; for larger ones
 * a slice of a thousandth of the limit (at most 256), so what slices parked
 * in other processes can cost stays under 0.1% per process. Near the end
 * of a window (known_count close to the limit) it is one at a time again. */
static int
slice_for(int limit, int known_count)
{
	int n = limit / 1000;

	if (n <= 1 || known_count > limit - 16 * n)
		return 1;
	return n > 256 ? 256 : n;
}

/* A keyed hash of s, so clients cannot pick keys that collide. */
static uint64_t
key_hash(const char *s)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, (const unsigned char *)s, strlen(s),
	    (const unsigned char *)"imagegen-ratelim");
	return h;
}

static slot *
slot_of(const char *key)
{
	return &slots[key_hash(key) % SLOTS];
}

int
ig_ratelimit_hit(const char *key, int limit, ig_ratelimit *rl, ig_err *err)
{
	int64_t now = (int64_t)time(NULL);
	char n[16];
	const char *p[2] = { key, n };
	PGresult *r;
	slot *s = slot_of(key);
	int count, want, granted;
	unsigned char dice;

	rl->limit = limit;
	int known = 0;

	pthread_mutex_lock(&slots_mu);
	if (strcmp(s->key, key) == 0 && now < s->window_end) {
		if (s->left > 0) {
			s->left--;
			rl->allowed = 1;
			rl->remaining = (limit > s->count ? limit - s->count : 0) + s->left;
			rl->reset = (int)(s->window_end - now);
			pthread_mutex_unlock(&slots_mu);
			return 0;
		}
		known = s->count;
	}
	pthread_mutex_unlock(&slots_mu);

	want = slice_for(limit, known);
	snprintf(n, sizeof(n), "%d", want);
	r = ig_db_exec(claim_sql, 2, p, 0, err);
	if (r == NULL)
		return -1;
	count = atoi(PQgetvalue(r, 0, 0));
	granted = limit - (count - want);
	granted = granted < 0 ? 0 : granted > want ? want : granted;
	rl->reset = atoi(PQgetvalue(r, 0, 2));
	if (rl->reset < 1)
		rl->reset = 1;
	rl->allowed = granted > 0;
	pthread_mutex_lock(&slots_mu);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->window_end = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	s->left = granted > 0 ? granted - 1 : 0;
	s->count = count;
	rl->remaining = (limit > count ? limit - count : 0) + s->left;
	pthread_mutex_unlock(&slots_mu);
	PQclear(r);
	/* About one claim in 256 clears expired windows. */
	ig_random_bytes(&dice, 1);
	if (dice == 0)
		PQclear(ig_db_exec(sweep_sql, 0, NULL, 0, err));
	return 0;
}

/* A refusal: who (hashed), which limit, and until when. Collisions only
 * evict; a false match needs the same 64-bit keyed hash. */
typedef struct refusal {
	uint64_t who;
	int generate;
	int limit;
	int64_t until;          /* unix seconds: the window's end */
} refusal;

static refusal refusals[SLOTS];

static refusal *
refusal_of(uint64_t h, int generate)
{
	return &refusals[(h + (uint64_t)generate) % SLOTS];
}

void
ig_ratelimit_refusal_note(const char *who, int generate, const ig_ratelimit *rl)
{
	uint64_t h = key_hash(who);
	refusal *f = refusal_of(h, generate);

	pthread_mutex_lock(&slots_mu);
	f->who = h;
	f->generate = generate;
	f->limit = rl->limit;
	f->until = (int64_t)time(NULL) + rl->reset;
	pthread_mutex_unlock(&slots_mu);
}

int
ig_ratelimit_refusal_find(const char *who, int generate, ig_ratelimit *rl)
{
	uint64_t h = key_hash(who);
	refusal *f = refusal_of(h, generate);
	int64_t now = (int64_t)time(NULL);
	int found = 0;

	pthread_mutex_lock(&slots_mu);
	if (f->who == h && f->generate == generate && now < f->until) {
		found = 1;
		rl->limit = f->limit;
		rl->remaining = 0;
		rl->reset = (int)(f->until - now);
		rl->allowed = 0;
	}
	pthread_mutex_unlock(&slots_mu);
	return found;
}

/*
 * One upsert reserves an attempt: the row lock serializes concurrent
 * attempts of a key, and each sees the count the one before it left. The
 * count stops at max + 1, so "count <= max" says whether this attempt got a
 * place; a window older than $2 seconds starts again at 1.
 */
static const char *const attempt_sql =
    "INSERT INTO login_attempts AS a (key, count, window_start) VALUES ($1, 1, now())"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN a.window_start <= now() - make_interval(secs => $2::int) THEN 1"
    "  ELSE least(a.count + 1, $3::int + 1) END,"
    " window_start = CASE WHEN a.window_start <= now() - make_interval(secs => $2::int)"
    "  THEN now() ELSE a.window_start END"
    " RETURNING count, ceil(extract(epoch FROM"
    "  window_start + make_interval(secs => $2::int) - now()))::int";

int
ig_login_attempt(const char *key, int max, int window, int *allowed, int *retry_after, ig_err *err)
{
	char w[16], m[16];
	const char *p[3] = { key, w, m };
	PGresult *r;
	unsigned char dice;

	snprintf(w, sizeof(w), "%d", window);
	snprintf(m, sizeof(m), "%d", max);
	r = ig_db_exec(attempt_sql, 3, p, 0, err);
	if (r == NULL)
		return -1;
	*allowed = atoi(PQgetvalue(r, 0, 0)) <= max;
	*retry_after = atoi(PQgetvalue(r, 0, 1));
	if (*retry_after < 1)
		*retry_after = 1;
	PQclear(r);
	/* About one attempt in 256 forgets windows that have passed (names
	 * typed by guessers would otherwise stay forever). */
	ig_random_bytes(&dice, 1);
	if (dice == 0) {
		ig_err ignore;
		PQclear(ig_db_exec("DELETE FROM login_attempts"
		    " WHERE window_start < now() - make_interval(secs => $1::int)", 1, p + 1, 0, &ignore));
	}
	return 0;
}

int
ig_login_attempt_undo(const char *key, ig_err *err)
{
	const char *p[1] = { key };

	return ig_db_run("UPDATE login_attempts SET count = count - 1 WHERE key = $1 AND count > 0",
	    1, p, 0, err);
}

int
ig_login_attempts_clear(const char *key, ig_err *err)
{
	return ig_db_run("DELETE FROM login_attempts WHERE key = $1", IG_DB_ARGS(key), 0, err);
}

int
ig_client_key(const char *addr, char *out, size_t outlen)
{
	struct in6_addr a6;
	struct in_addr a4;
	char text[INET6_ADDRSTRLEN];

	if (addr == NULL || *addr == '\0') {
		snprintf(out, outlen, "unknown");
		return -1;
	}
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		inet_ntop(AF_INET, &a4, text, sizeof(text));
		snprintf(out, outlen, "%s", text);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(out, outlen, "%s", addr);
		return -1;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		inet_ntop(AF_INET, &a4, text, sizeof(text));
		snprintf(out, outlen, "%s", text);
		return 0;
	}
	/* One host usually holds a whole /64 (SLAAC, privacy addresses):
	 * counting its addresses apart would give it 2^64 budgets. */
	memset(&a6.s6_addr[8], 0, 8);
	inet_ntop(AF_INET6, &a6, text, sizeof(text));
	snprintf(out, outlen, "%s/64", text);
	return 0;
}
