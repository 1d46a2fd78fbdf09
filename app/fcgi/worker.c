/* worker.c — see worker.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app/fcgi/pipeline.h"
#include "app/fcgi/worker.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/db/db.h"
#include "lib/jobs/waiter.h"

/* How often an idle thread looks at the stop flag. */
#define ACCEPT_POLL_MS 200

static int listen_sock;
static ig_metrics *metrics;
static int slot_index;
static int stopping;
/* One thread at a time waits in poll/accept: the others would only wake
 * for a connection they cannot all take. */
static pthread_mutex_t accept_mu = PTHREAD_MUTEX_INITIALIZER;

/*
 * A write to nginx that moves no byte for IG_STREAM_WRITE_TIMEOUT seconds
 * fails (EAGAIN), which ends the answer and frees the thread. Only streams
 * can meet it: nginx buffers every other answer, but passes a stream on
 * unbuffered and stops reading it when the client stops reading. libfcgi
 * retries a partial write, so the timeout is "no progress", not "slow".
 */
static void
set_write_timeout(int fd)
{
	struct timeval tv = { .tv_sec = ig_cfg()->stream_write_timeout };

	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		ig_logf(IG_LOG_WARN, "sndtimeo_failed", "setsockopt: errno %d", errno);
}

/*
 * Wait for and accept one connection; -1 once the worker is stopping.
 *
 * We accept ourselves instead of letting FCGX_Accept_r do it: after a
 * SIGTERM libfcgi's accept loop returns a negative value forever, and a
 * thread blocked in its accept() cannot notice a stop request. The
 * listening socket is non-blocking, so a connection another process took
 * first costs an EAGAIN, not a hang.
 */
static int
accept_one(void)
{
	int fd = -1;

	pthread_mutex_lock(&accept_mu);
	while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = listen_sock, .events = POLLIN };
		int pr = poll(&p, 1, ACCEPT_POLL_MS);

		if (pr <= 0)
			continue;
		fd = accept4(listen_sock, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			set_write_timeout(fd);
			break;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED) {
			ig_logf(IG_LOG_ERROR, "accept_failed", "accept: errno %d", errno);
			usleep(10000);
		}
	}
	pthread_mutex_unlock(&accept_mu);
	return fd;
}

static void *
thread_main(void *arg)
{
	FCGX_Request r;

	(void)arg;
	FCGX_InitRequest(&r, listen_sock, 0);
	for (;;) {
		int fd = accept_one();
		if (fd < 0)
			break;
		/* Hand libfcgi the connection. keepConnection=1 stops the
		 * FCGX_Finish_r inside FCGX_Accept_r from closing it; the begin
		 * record then sets the real value. */
		r.ipcFd = fd;
		r.keepConnection = 1;
		if (FCGX_Accept_r(&r) < 0) {
			/* A malformed record: libfcgi closed the connection. */
			FCGX_Finish_r(&r);
			continue;
		}
		ig_pipeline_handle(&r, metrics);
		__atomic_add_fetch(&metrics->workers[slot_index].requests, 1, __ATOMIC_RELAXED);
		/* nginx does not keep FastCGI connections: close each one. */
		r.keepConnection = 0;
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	ig_db_close();
	return NULL;
}

int
ig_worker_run(int listen_fd, ig_metrics *m, int slot, pid_t master)
{
	const ig_config *c = ig_cfg();
	sigset_t set;
	pthread_t *threads;
	int sig;

	listen_sock = listen_fd;
	metrics = m;
	slot_index = slot;
	/* Die with the master rather than linger as an orphan. The master may
	 * have died between fork() and prctl(): then our parent is no longer
	 * the master. Comparing with 1 instead would be wrong twice over: in a
	 * container the master is pid 1, and a subreaper adopts orphans. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		return 1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Pin glibc's mmap threshold: otherwise freeing one argon2 work area
	 * (19 MiB) raises it, later ones come from the heap and an idle
	 * worker keeps them resident. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	FCGX_Init();
	ig_db_setup(c->database_url, c->db_timeout_ms, "imagegen-fcgi");
	ig_db_set_pool(c->db_pool);
	/* One LISTEN connection per process wakes every waiting request. */
	if (ig_waiter_start(c->database_url) != 0)
		return 1;

	threads = calloc((size_t)c->threads, sizeof(*threads));
	if (threads == NULL)
		return 1;
	for (int i = 0; i < c->threads; i++) {
		if (pthread_create(&threads[i], NULL, thread_main, NULL) != 0) {
			ig_logf(IG_LOG_ERROR, "thread_create_failed", "thread %d", i);
			return 1;
		}
	}
	ig_logf(IG_LOG_INFO, "worker_started", "slot %d, %d threads", slot, c->threads);

	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGTERM && sig != SIGINT && sig != SIGHUP);
	ig_logf(IG_LOG_INFO, "worker_draining", "signal %d: finishing in-flight requests", sig);
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < c->threads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	ig_logf(IG_LOG_INFO, "worker_stopped", "slot %d", slot);
	return 0;
}
