/*
 * db.h — PostgreSQL access through libpq.
 *
 * Statements borrow a connection from a small per-process pool (IG_DB_POOL)
 * for their own duration, so threads that wait hold none. Connections open
 * on first use and reopen transparently after they break (a PostgreSQL
 * restart costs the next query a reconnect, never a worker restart). Every
 * statement is parameterized; no value is ever pasted into SQL text. A
 * statement is prepared once per connection (PQsendPrepare, remembered by
 * its text) and then run with PQsendQueryPrepared; only when a connection's
 * cache of prepared statements is full, or preparing fails, does it run
 * unprepared (PQsendQueryParams). Each call is bounded by the configured
 * timeout: a server that stops answering makes the call fail with
 * `unavailable` and the connection is dropped.
 */
#ifndef IG_DB_DB_H
#define IG_DB_DB_H

#include <stdint.h>

#include <libpq-fe.h>

#include "lib/core/error.h"

/* Remember the conninfo (libpq keywords or URI) and the per-call timeout.
 * Call once per process before any thread queries. */
void ig_db_setup(const char *conninfo, int timeout_ms, const char *application_name);

/* Flags for ig_db_exec. */
/* SQL of parameter p as a uuid, NULL when it is not one: a malformed id
 * in a request finds nothing rather than failing the cast. */
#define IG_SQL_UUID_OR_NULL(p) "CASE WHEN " p " ~" \
	" '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN " p "::uuid END"

/*
 * A module's statements (DESIGN.md: an enum plus an array of their text),
 * each named once. The module lists them as LIST(X), one X(SQL_NAME, "text")
 * each, and IG_DB_STATEMENTS(LIST) declares the enum SQL_NAME, …, SQL__MAX
 * and the array sql[] indexed by it:
 *
 *   #define STATEMENTS(X) \
 *   	X(SQL_GET, "SELECT … WHERE id = $1") \
 *   	X(SQL_DELETE, "DELETE FROM … WHERE id = $1")
 *   IG_DB_STATEMENTS(STATEMENTS);
 *
 * and runs one as ig_db_exec(sql[SQL_GET], …).
 */
#define IG_DB_SQL_ENUM_(name, text) name,
#define IG_DB_SQL_TEXT_(name, text) [name] = text,
#define IG_DB_STATEMENTS(LIST) \
	enum { LIST(IG_DB_SQL_ENUM_) SQL__MAX }; \
	static const char *const sql[SQL__MAX] = { LIST(IG_DB_SQL_TEXT_) }

#define IG_DB_IDEMPOTENT 0x1 /* safe to run again on a fresh connection */
/* Not prepared: planned on each call with its values. For a statement of
 * optional filters ("$2 IS NULL OR col = $2"), whose cached generic plan
 * cannot fold the absent ones nor use the index of the given ones. */
#define IG_DB_PLAN_EACH 0x2

/*
 * Run one parameterized statement on this thread's connection.
 * Returns the result (PGRES_TUPLES_OK or PGRES_COMMAND_OK; the caller
 * PQclear()s it), or NULL with err filled: `unavailable` when the database
 * cannot be reached in time, `internal` for a failed statement (its SQLSTATE
 * is then in ig_db_sqlstate()). With IG_DB_IDEMPOTENT, a statement that
 * failed because the connection had broken is retried once on a new one.
 */
PGresult *ig_db_exec(const char *sql, int nparams, const char *const *params,
    int flags, ig_err *err);

/*
 * The nparams and params arguments of ig_db_exec and of every function
 * that runs a statement like it, written as the list of the parameters
 * (each a const char *) and counted by the compiler, so the count cannot
 * drift from the list:
 *
 *   return ig_db_run(sql[SQL_DELETE], IG_DB_ARGS(id, user_id), 0, err);
 *
 * The list is evaluated once (sizeof does not evaluate its operand).
 */
#define IG_DB_ARGS(...) \
	(int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)), \
	    (const char *const[]){ __VA_ARGS__ }

/* ig_db_exec for statements whose rows are not needed: 0 or -1 with err. */
int ig_db_run(const char *sql, int nparams, const char *const *params, int flags, ig_err *err);

/* ig_db_exec for a statement whose answer is one integer: the first
 * column of its first row (0 when it has none) into *out (NULL: not
 * wanted, as ig_db_run). 0 or -1 with err. */
int ig_db_int64(const char *sql, int nparams, const char *const *params, int flags, int64_t *out, ig_err *err);

/* SQLSTATE of this thread's last failed statement ("" if none). */
const char *ig_db_sqlstate(void);

/* Round-trip a trivial query; 0 with the latency in ms, or -1 with err. */
int ig_db_ping(double *latency_ms, ig_err *err);

/* The most pooled connections this process opens (default 8). */
void ig_db_set_pool(int max);

/* This thread's own connection, outside the pool, connecting if needed;
 * NULL with err filled. For what must stay on one session (migrations,
 * LISTEN). */
PGconn *ig_db_conn(ig_err *err);

/* Close this thread's own connection. */
void ig_db_close(void);

#endif
