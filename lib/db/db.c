/* db.c — see db.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"

static char *db_conninfo;
static char *db_appname;
static int db_timeout_ms = 5000;

static __thread PGconn *conn;
static __thread char sqlstate[6];

/* Statements prepared on this thread's connection, by their text: parsing
 * and planning then happen once per connection instead of once per
 * request. */
#define PREPARED_MAX 256
static __thread char *prepared_text[PREPARED_MAX];
static __thread int nprepared;

void
ig_db_setup(const char *conninfo, int timeout_ms, const char *application_name)
{
	free(db_conninfo);
	free(db_appname);
	db_conninfo = ig_xstrdup(conninfo);
	db_appname = ig_xstrdup(application_name);
	db_timeout_ms = timeout_ms;
}

const char *
ig_db_sqlstate(void)
{
	return sqlstate;
}

void
ig_db_close(void)
{
	if (conn != NULL)
		PQfinish(conn);
	conn = NULL;
	for (int i = 0; i < nprepared; i++)
		free(prepared_text[i]);
	nprepared = 0;
}

/* libpq's own first line of an error message, without the newline. */
static void
log_pq_error(const char *event, const char *msg)
{
	char line[256];
	size_t n;

	snprintf(line, sizeof(line), "%s", msg ? msg : "");
	n = strcspn(line, "\n");
	line[n] = '\0';
	ig_logf(IG_LOG_WARN, event, "%s", line);
}

PGconn *
ig_db_conn(ig_err *err)
{
	char timeout[16];
	const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *vals[] = { db_conninfo, timeout, db_appname, NULL };

	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return conn;
	ig_db_close();
	if (db_conninfo == NULL) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "database not configured");
		return NULL;
	}
	/* libpq's connect_timeout is whole seconds, at least 2. */
	snprintf(timeout, sizeof(timeout), "%d", db_timeout_ms < 2000 ? 2 : (db_timeout_ms + 999) / 1000);
	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		log_pq_error("db_connect_failed", conn ? PQerrorMessage(conn) : "out of memory");
		ig_db_close();
		ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the database is unavailable");
		return NULL;
	}
	return conn;
}

/*
 * Collect the results of what was sent on c, waiting until deadline.
 * Returns the last result (caller clears), or NULL when the connection
 * failed or timed out; *broken says whether the connection is unusable.
 */
static PGresult *
collect(PGconn *c, int64_t deadline, int *broken)
{
	PGresult *last = NULL, *r;

	for (;;) {
		while (PQisBusy(c)) {
			struct pollfd pfd = { .fd = PQsocket(c), .events = POLLIN };
			int64_t left = deadline - ig_now_ms();
			int pr;

			if (left <= 0) {
				ig_logf(IG_LOG_WARN, "db_timeout", "no answer from the database in %d ms", db_timeout_ms);
				PQclear(last);
				*broken = 1;
				return NULL;
			}
			pr = poll(&pfd, 1, (int)left);
			if (pr < 0 && errno != EINTR) {
				PQclear(last);
				*broken = 1;
				return NULL;
			}
			if (pr > 0 && !PQconsumeInput(c)) {
				log_pq_error("db_read_failed", PQerrorMessage(c));
				PQclear(last);
				*broken = 1;
				return NULL;
			}
		}
		r = PQgetResult(c);
		if (r == NULL)
			break;
		PQclear(last);
		last = r;
	}
	if (PQstatus(c) != CONNECTION_OK)
		*broken = 1;
	return last;
}

/* The prepared name of sql on this connection, preparing it first if
 * needed; NULL to run it unprepared (cache full, or preparing failed). */
static const char *
prepare(PGconn *c, const char *sql, int nparams, int64_t deadline, int *broken, char name[24])
{
	PGresult *r;
	int i;

	for (i = 0; i < nprepared; i++)
		if (strcmp(prepared_text[i], sql) == 0)
			break;
	snprintf(name, 24, "ig%d", i);
	if (i < nprepared)
		return name;
	if (nprepared == PREPARED_MAX)
		return NULL;
	if (!PQsendPrepare(c, name, sql, nparams, NULL)) {
		*broken = PQstatus(c) != CONNECTION_OK;
		return NULL;
	}
	r = collect(c, deadline, broken);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		return NULL;
	}
	PQclear(r);
	prepared_text[nprepared++] = ig_xstrdup(sql);
	return name;
}

/* Send one statement and collect its result within db_timeout_ms. */
static PGresult *
exec_once(PGconn *c, const char *sql, int nparams, const char *const *params, int *broken)
{
	int64_t deadline = ig_now_ms() + db_timeout_ms;
	char namebuf[24];
	const char *name;
	int sent;

	*broken = 0;
	name = prepare(c, sql, nparams, deadline, broken, namebuf);
	if (*broken)
		return NULL;
	sent = name ? PQsendQueryPrepared(c, name, nparams, params, NULL, NULL, 0) :
	    PQsendQueryParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	if (!sent) {
		*broken = PQstatus(c) != CONNECTION_OK;
		log_pq_error("db_send_failed", PQerrorMessage(c));
		return NULL;
	}
	return collect(c, deadline, broken);
}

PGresult *
ig_db_exec(const char *sql, int nparams, const char *const *params, int flags, ig_err *err)
{
	int attempts = (flags & IG_DB_IDEMPOTENT) ? 2 : 1;

	sqlstate[0] = '\0';
	for (int i = 0; i < attempts; i++) {
		int broken;
		PGconn *c = ig_db_conn(err);
		PGresult *r;
		ExecStatusType st;

		if (c == NULL)
			return NULL;
		r = exec_once(c, sql, nparams, params, &broken);
		if (broken) {
			PQclear(r);
			ig_db_close();
			continue;
		}
		if (r == NULL) {
			ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
			return NULL;
		}
		st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			return r;
		{
			const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			snprintf(sqlstate, sizeof(sqlstate), "%s", s ? s : "");
		}
		log_pq_error("db_statement_failed", PQresultErrorMessage(r));
		PQclear(r);
		ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		return NULL;
	}
	ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the database is unavailable");
	return NULL;
}

int
ig_db_run(const char *sql, int nparams, const char *const *params, int flags, ig_err *err)
{
	PGresult *r = ig_db_exec(sql, nparams, params, flags, err);

	if (r == NULL)
		return -1;
	PQclear(r);
	return 0;
}

int
ig_db_ping(double *latency_ms, ig_err *err)
{
	int64_t t0 = ig_now_us();
	PGresult *r = ig_db_exec("SELECT 1", 0, NULL, IG_DB_IDEMPOTENT, err);

	if (r == NULL)
		return -1;
	PQclear(r);
	*latency_ms = (double)(ig_now_us() - t0) / 1000.0;
	return 0;
}
