/* waiter.c — see waiter.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/waiter.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static ig_wait *waiting;
static char *listen_conninfo;

static void
wake(const char *job_id)
{
	pthread_mutex_lock(&mu);
	for (ig_wait *w = waiting; w; w = w->next) {
		if (strcmp(w->job_id, job_id) == 0) {
			w->notified = 1;
			pthread_cond_signal(&w->cond);
		}
	}
	pthread_mutex_unlock(&mu);
}

/* Wake everyone: after a reconnect, notifications may have been missed,
 * and waiters then re-check their job in the database. */
static void
wake_all(void)
{
	pthread_mutex_lock(&mu);
	for (ig_wait *w = waiting; w; w = w->next) {
		w->notified = 1;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&mu);
}

static void *
listener(void *arg)
{
	(void)arg;
	for (;;) {
		const char *keys[] = { "dbname", "application_name", NULL };
		const char *vals[] = { listen_conninfo, "imagegen-fcgi-listener", NULL };
		PGconn *c = PQconnectdbParams(keys, vals, 1);
		PGresult *r;

		if (PQstatus(c) != CONNECTION_OK) {
			PQfinish(c);
			sleep(1);
			continue;
		}
		r = PQexec(c, "LISTEN " IG_JOB_CHANNEL_DONE "; LISTEN " IG_BATCH_CHANNEL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			PQclear(r);
			PQfinish(c);
			sleep(1);
			continue;
		}
		PQclear(r);
		wake_all();
		for (;;) {
			struct pollfd p = { .fd = PQsocket(c), .events = POLLIN };
			PGnotify *n;

			if (poll(&p, 1, 5000) < 0 && errno != EINTR)
				break;
			if (!PQconsumeInput(c))
				break;
			while ((n = PQnotifies(c)) != NULL) {
				wake(n->extra);
				PQfreemem(n);
			}
			if (PQstatus(c) != CONNECTION_OK)
				break;
		}
		ig_logf(IG_LOG_WARN, "listener_reconnect", "lost the LISTEN connection; reconnecting");
		PQfinish(c);
		wake_all();
		sleep(1);
	}
	return NULL;
}

int
ig_waiter_start(const char *conninfo)
{
	pthread_t t;
	pthread_attr_t attr;

	listen_conninfo = ig_xstrdup(conninfo);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, listener, NULL) != 0)
		return -1;
	pthread_attr_destroy(&attr);
	return 0;
}

void
ig_waiter_register(ig_wait *w, const char *job_id)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof(*w));
	snprintf(w->job_id, sizeof(w->job_id), "%s", job_id);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&mu);
	w->next = waiting;
	waiting = w;
	pthread_mutex_unlock(&mu);
}

int
ig_waiter_wait(ig_wait *w, int64_t deadline_ms)
{
	struct timespec ts = { deadline_ms / 1000, (deadline_ms % 1000) * 1000000 };
	int got;

	pthread_mutex_lock(&mu);
	while (!w->notified) {
		if (pthread_cond_timedwait(&w->cond, &mu, &ts) == ETIMEDOUT)
			break;
	}
	got = w->notified;
	w->notified = 0;
	pthread_mutex_unlock(&mu);
	return got;
}

void
ig_waiter_unregister(ig_wait *w)
{
	pthread_mutex_lock(&mu);
	for (ig_wait **pp = &waiting; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	pthread_cond_destroy(&w->cond);
}
