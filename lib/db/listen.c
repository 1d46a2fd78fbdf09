/* listen.c — see listen.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/listen.h"

struct ig_listener {
	const char *const *channels;
	int n;
	PGconn *conn;   /* the connection listened on; NULL when none */
};

ig_listener *
ig_listen_new(const char *const *channels)
{
	ig_listener *l = ig_xcalloc(1, sizeof(*l));

	l->channels = channels;
	while (channels[l->n] != NULL && l->n < IG_LISTEN_MAX)
		l->n++;
	return l;
}

void
ig_listen_free(ig_listener *l)
{
	free(l);
}

/* "LISTEN a; LISTEN b" for the listener's channels, each quoted as an
 * identifier; malloc'ed, NULL when quoting failed. */
static char *
listen_sql(const ig_listener *l, PGconn *c)
{
	ig_buf b = { 0 };

	for (int i = 0; i < l->n; i++) {
		char *id = PQescapeIdentifier(c, l->channels[i], strlen(l->channels[i]));
		if (id == NULL) {
			ig_buf_free(&b);
			return NULL;
		}
		ig_buf_printf(&b, "%sLISTEN %s", i ? "; " : "", id);
		PQfreemem(id);
	}
	return b.data;
}

int
ig_listen_ensure(ig_listener *l)
{
	ig_err err;
	PGconn *c;
	PGresult *r;
	char *sql;

	/* ig_db_conn replaces a broken connection, freeing it: forget ours
	 * before that, or the caller would poll and read a freed PGconn (a
	 * double free when PostgreSQL restarted under the runner). */
	if (l->conn != NULL && PQstatus(l->conn) != CONNECTION_OK)
		l->conn = NULL;
	c = ig_db_conn(&err);
	if (c == NULL) {
		l->conn = NULL;
		return 0;
	}
	if (c == l->conn)
		return 1;
	/* On this thread's own connection: statements go through the pool,
	 * and notifications arrive where LISTEN was said. */
	sql = listen_sql(l, c);
	if (sql == NULL)
		return 0;
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		l->conn = c;
	PQclear(r);
	free(sql);
	return l->conn == c;
}

int
ig_listen_fd(const ig_listener *l)
{
	return l->conn != NULL ? PQsocket(l->conn) : -1;
}

unsigned
ig_listen_drain(ig_listener *l)
{
	PGnotify *n;
	unsigned woke = 0;

	if (l->conn == NULL || !PQconsumeInput(l->conn))
		return 0;
	while ((n = PQnotifies(l->conn)) != NULL) {
		for (int i = 0; i < l->n; i++)
			if (strcmp(n->relname, l->channels[i]) == 0)
				woke |= 1u << i;
		PQfreemem(n);
	}
	return woke;
}
