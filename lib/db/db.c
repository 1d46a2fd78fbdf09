/* db.c — see db.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/db.h"

static char *db_conninfo;
static char *db_appname;
static int db_timeout_ms = 5000;

static int db_pool_max = 8;
static __thread char sqlstate[6];

/*
 * A connection and the statements prepared on it, by their text: parsing
 * and planning then happen once per connection instead of once per request.
 */
#define PREPARED_MAX 256

typedef struct dbconn {
	PGconn *pg;
	char *prepared_text[PREPARED_MAX];
	int nprepared;
	struct dbconn *next;
} dbconn;

/*
 * The per-process pool behind ig_db_exec: a statement borrows a connection
 * for its own duration only, so a thread that waits (for a job, for a slow
 * client) holds none, and a process needs IG_DB_POOL connections however
 * many threads it runs.
 */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static dbconn *pool_idle;
static int pool_open;

/* The thread's own connection, for what must stay on one session (LISTEN,
 * migrations under an advisory lock). */
static __thread dbconn *dedicated;

void
ig_db_setup(const char *conninfo, int timeout_ms, const char *application_name)
{
	free(db_conninfo);
	free(db_appname);
	db_conninfo = ig_xstrdup(conninfo);
	db_appname = ig_xstrdup(application_name);
	db_timeout_ms = timeout_ms;
}

void
ig_db_set_pool(int max)
{
	db_pool_max = max < 1 ? 1 : max;
}

const char *
ig_db_sqlstate(void)
{
	return sqlstate;
}

static void
conn_reset(dbconn *c)
{
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
	for (int i = 0; i < c->nprepared; i++)
		free(c->prepared_text[i]);
	c->nprepared = 0;
}

void
ig_db_close(void)
{
	if (dedicated != NULL) {
		conn_reset(dedicated);
		free(dedicated);
		dedicated = NULL;
	}
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

/* Make sure c holds a working connection; -1 with err when it cannot. */
static int
conn_open(dbconn *c, ig_err *err)
{
	char timeout[16];
	const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *vals[] = { db_conninfo, timeout, db_appname, NULL };

	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	conn_reset(c);
	if (db_conninfo == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "database not configured");
	/* libpq's connect_timeout is whole seconds, at least 2. */
	snprintf(timeout, sizeof(timeout), "%d", db_timeout_ms < 2000 ? 2 : (db_timeout_ms + 999) / 1000);
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
		log_pq_error("db_connect_failed", c->pg ? PQerrorMessage(c->pg) : "out of memory");
		conn_reset(c);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the database is unavailable");
	}
	return 0;
}

PGconn *
ig_db_conn(ig_err *err)
{
	if (dedicated == NULL)
		dedicated = ig_xcalloc(1, sizeof(*dedicated));
	return conn_open(dedicated, err) == 0 ? dedicated->pg : NULL;
}

/* Borrow a pooled connection (opened lazily), waiting up to the timeout
 * when all are busy; NULL with err (unavailable). */
static dbconn *
pool_get(ig_err *err)
{
	struct timespec ts;
	dbconn *c = NULL;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += db_timeout_ms / 1000;
	ts.tv_nsec += (long)(db_timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&pool_mu);
	while (pool_idle == NULL && pool_open >= db_pool_max) {
		if (pthread_cond_timedwait(&pool_cv, &pool_mu, &ts) != 0)
			break;
	}
	if (pool_idle != NULL) {
		c = pool_idle;
		pool_idle = c->next;
	} else if (pool_open < db_pool_max) {
		c = ig_xcalloc(1, sizeof(*c));
		pool_open++;
	}
	pthread_mutex_unlock(&pool_mu);
	if (c == NULL) {
		ig_logf(IG_LOG_WARN, "db_pool_exhausted", "all %d connections busy for %d ms", db_pool_max, db_timeout_ms);
		ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the database is busy; retry");
	}
	return c;
}

static void
pool_put(dbconn *c)
{
	pthread_mutex_lock(&pool_mu);
	c->next = pool_idle;
	pool_idle = c;
	pthread_cond_signal(&pool_cv);
	pthread_mutex_unlock(&pool_mu);
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
prepare(dbconn *dc, const char *sql, int nparams, int64_t deadline, int *broken, char name[24])
{
	PGresult *r;
	int i;

	for (i = 0; i < dc->nprepared; i++)
		if (strcmp(dc->prepared_text[i], sql) == 0)
			break;
	snprintf(name, 24, "ig%d", i);
	if (i < dc->nprepared)
		return name;
	if (dc->nprepared == PREPARED_MAX)
		return NULL;
	if (!PQsendPrepare(dc->pg, name, sql, nparams, NULL)) {
		*broken = PQstatus(dc->pg) != CONNECTION_OK;
		return NULL;
	}
	r = collect(dc->pg, deadline, broken);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		return NULL;
	}
	PQclear(r);
	dc->prepared_text[dc->nprepared++] = ig_xstrdup(sql);
	return name;
}

/* Send one statement and collect its result within db_timeout_ms. */
static PGresult *
exec_once(dbconn *dc, const char *sql, int nparams, const char *const *params, int flags, int *broken)
{
	int64_t deadline = ig_now_ms() + db_timeout_ms;
	char namebuf[24];
	const char *name;
	int sent;

	*broken = 0;
	name = (flags & IG_DB_PLAN_EACH) ? NULL : prepare(dc, sql, nparams, deadline, broken, namebuf);
	if (*broken)
		return NULL;
	sent = name ? PQsendQueryPrepared(dc->pg, name, nparams, params, NULL, NULL, 0) :
	    PQsendQueryParams(dc->pg, sql, nparams, NULL, params, NULL, NULL, 0);
	if (!sent) {
		*broken = PQstatus(dc->pg) != CONNECTION_OK;
		log_pq_error("db_send_failed", PQerrorMessage(dc->pg));
		return NULL;
	}
	return collect(dc->pg, deadline, broken);
}

PGresult *
ig_db_exec(const char *sql, int nparams, const char *const *params, int flags, ig_err *err)
{
	int attempts = (flags & IG_DB_IDEMPOTENT) ? 2 : 1;
	dbconn *dc = pool_get(err);
	PGresult *r = NULL;

	sqlstate[0] = '\0';
	if (dc == NULL)
		return NULL;
	for (int i = 0; i < attempts; i++) {
		int broken;
		ExecStatusType st;

		if (conn_open(dc, err) != 0)
			break;
		r = exec_once(dc, sql, nparams, params, flags, &broken);
		if (broken) {
			/* A restarted or hung server: a fresh connection, and
			 * one more try when the statement may run twice. */
			PQclear(r);
			r = NULL;
			conn_reset(dc);
			ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the database is unavailable");
			continue;
		}
		if (r == NULL) {
			ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
			break;
		}
		st = PQresultStatus(r);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			break;
		{
			const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			snprintf(sqlstate, sizeof(sqlstate), "%s", s ? s : "");
		}
		log_pq_error("db_statement_failed", PQresultErrorMessage(r));
		PQclear(r);
		r = NULL;
		ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
		break;
	}
	pool_put(dc);
	return r;
}

int
ig_db_run(const char *sql, int nparams, const char *const *params, int flags, ig_err *err)
{
	return ig_db_int64(sql, nparams, params, flags, NULL, err);
}

int
ig_db_int64(const char *sql, int nparams, const char *const *params, int flags, int64_t *out, ig_err *err)
{
	PGresult *r = ig_db_exec(sql, nparams, params, flags, err);

	if (r == NULL)
		return -1;
	if (out != NULL)
		*out = PQntuples(r) > 0 && PQnfields(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
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
