/* worker.c — see worker.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app/fcgi/fcgi_in.h"
#include "app/fcgi/pipeline.h"
#include "app/fcgi/worker.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/db/db.h"
#include "lib/jobs/waiter.h"

static int listen_sock;
static ig_metrics *metrics;
static int slot_index;
static int stopping;
/* Readable (and stays so) once the worker is stopping: it wakes every
 * thread waiting for a connection. */
static int stop_fd = -1;

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
 * Each thread waits in an epoll set of its own holding the listening
 * socket with EPOLLEXCLUSIVE (so a connection wakes one waiter of all the
 * threads of all the workers, not every one of them) and stop_fd. There is
 * no lock to hand over and no timeout to poll with: a connection costs one
 * wake-up and one accept4(). We accept ourselves instead of letting
 * FCGX_Accept_r do it: after a SIGTERM libfcgi's accept loop returns a
 * negative value forever, and a thread blocked in its accept() cannot
 * notice a stop request. The listening socket is non-blocking, so a
 * connection another thread took first costs an EAGAIN, not a hang.
 */
static int
accept_one(int ep)
{
	while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev;
		int n = epoll_wait(ep, &ev, 1, -1), fd;

		if (n < 0 && errno != EINTR) {
			ig_logf(IG_LOG_ERROR, "accept_failed", "epoll_wait: errno %d", errno);
			usleep(10000);
		}
		if (n <= 0 || ev.data.fd != listen_sock)
			continue;
		fd = accept4(listen_sock, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			set_write_timeout(fd);
			return fd;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED) {
			ig_logf(IG_LOG_ERROR, "accept_failed", "accept: errno %d", errno);
			usleep(10000);
		}
	}
	return -1;
}

/* The thread's epoll set: the listening socket (exclusive) and stop_fd;
 * -1 on failure. */
static int
waitset_open(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event l = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_sock };
	struct epoll_event s = { .events = EPOLLIN, .data.fd = stop_fd };

	if (ep < 0)
		return -1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, listen_sock, &l) != 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd, &s) != 0) {
		close(ep);
		return -1;
	}
	return ep;
}

/*
 * End the connection. libfcgi's own close shuts down the write side and
 * then waits (up to 2 s, in poll and read) for nginx to close first, so
 * that unread input cannot turn into a reset that loses the answer. When
 * the request's input has been read to its end there is nothing left to
 * reset: detach, and libfcgi closes at once, saving a wake-up and three
 * system calls per request.
 */
static void
finish(FCGX_Request *r, const ig_fcgi_in *in)
{
	if (in != NULL ? in->eof : r->in != NULL && FCGX_HasSeenEOF(r->in) == EOF)
		FCGX_Detach(r);
	r->keepConnection = 0;
	FCGX_Finish_r(r);
}

/* What FCGX_Accept_r reads of a connection at most through a pipe: nginx's
 * parameters (the request's headers) fit many times over. */
#define PREFIX_MAX 16384

/*
 * Take the FCGI_BEGIN_REQUEST and FCGI_PARAMS records off the new
 * connection fd and put exactly those bytes into a pipe (*pipe_rd), for
 * FCGX_Accept_r to parse without buffering any of the body (fcgi_in.h).
 * Returns 1 with *pipe_rd and *request_id; 0 when the records did not
 * arrive whole in one read or are not what nginx sends (libfcgi then reads
 * the connection itself, as before); -1 when the connection failed.
 */
static int
handoff(int fd, int *pipe_rd, int *request_id)
{
	unsigned char buf[PREFIX_MAX];
	ssize_t n;
	long len;
	int p[2];

	do
		n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? -1 : 0;
	if ((len = ig_fcgi_prefix_len(buf, (size_t)n, request_id)) <= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) != 0)
		return 0;
	/* The bytes were peeked: this read returns them at once. */
	if (recv(fd, buf, (size_t)len, MSG_WAITALL) != len || write(p[1], buf, (size_t)len) != len) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	*pipe_rd = p[0];
	return 1;
}

static void *
thread_main(void *arg)
{
	FCGX_Request r;
	ig_fcgi_in in;
	int ep = waitset_open();

	(void)arg;
	if (ep < 0) {
		ig_logf(IG_LOG_ERROR, "accept_failed", "epoll set: errno %d", errno);
		ig_db_close();
		return NULL;
	}
	FCGX_InitRequest(&r, listen_sock, 0);
	for (;;) {
		int fd = accept_one(ep), pipe_rd = -1, rid = 0, direct;

		if (fd < 0)
			break;
		if ((direct = handoff(fd, &pipe_rd, &rid)) < 0) {
			close(fd);
			continue;
		}
		/* Hand libfcgi the connection (or the pipe holding its first
		 * records). keepConnection=1 stops the FCGX_Finish_r inside
		 * FCGX_Accept_r from closing it; the begin record then sets the
		 * real value. */
		r.ipcFd = direct ? pipe_rd : fd;
		r.keepConnection = 1;
		if (FCGX_Accept_r(&r) < 0) {
			/* A malformed record: libfcgi closed what it was given. */
			FCGX_Finish_r(&r);
			if (direct)
				close(fd);
			continue;
		}
		if (direct && r.ipcFd != pipe_rd) {
			/* libfcgi refused the records, closed the pipe and
			 * accepted another connection itself: serve that one. */
			close(fd);
			direct = 0;
		}
		if (direct) {
			/* libfcgi writes the answer to, and closes, r.ipcFd. */
			close(pipe_rd);
			r.ipcFd = fd;
			ig_fcgi_in_init(&in, fd, rid);
		}
		ig_pipeline_handle(&r, direct ? &in : NULL, metrics);
		__atomic_add_fetch(&metrics->workers[slot_index].requests, 1, __ATOMIC_RELAXED);
		/* nginx does not keep FastCGI connections: close each one. */
		finish(&r, direct ? &in : NULL);
	}
	FCGX_Free(&r, 1);
	close(ep);
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

	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (stop_fd < 0)
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
	{
		uint64_t one = 1;
		if (write(stop_fd, &one, sizeof(one)) != sizeof(one))
			ig_logf(IG_LOG_ERROR, "worker_stop_wake_failed", "errno %d", errno);
	}
	for (int i = 0; i < c->threads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	ig_logf(IG_LOG_INFO, "worker_stopped", "slot %d", slot);
	return 0;
}
