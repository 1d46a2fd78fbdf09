/*
 * main.c — imagegen-fcgi, the FastCGI master.
 *
 * Opens the listening socket, maps the shared metrics block, forks
 * IG_WORKERS workers and supervises them: a worker that dies is replaced
 * at once; SIGTERM/SIGINT drain every worker and exit. SIGHUP re-executes
 * the master's binary (a rebuilt or reinstalled one is picked up) keeping
 * the listening socket, the metrics block and the old workers, which the
 * new master retires once its own workers run: no request is refused.
 * The metrics block also holds the host's table of long requests per
 * caller; the master frees a dead worker's entries when it reaps it.
 */
#include "ig_autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "app/fcgi/worker.h"
#include "lib/auth/jwt.h"
#include "lib/auth/secretbox.h"
#include "lib/auth/ticket.h"
#include "lib/jobs/pconf.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/metrics.h"
#include "lib/core/sysstat.h"
#include "lib/core/util.h"

/* A slot whose worker died this soon after starting is restarted after a
 * short pause, so a crash loop does not spin. */
#define CRASH_WINDOW_MS 1000
#define CRASH_PAUSE_MS 200

typedef struct slot {
	pid_t pid;
	int64_t started_ms;
	int64_t respawn_at_ms;  /* 0 = no respawn pending */
} slot;

static slot *slots;
static int nslots;
/* Workers of an earlier generation still draining after SIGHUP. */
static pid_t retiring[IG_METRICS_MAX_WORKERS];
static int listen_fd = -1;
static int metrics_fd = -1;
static ig_metrics *metrics;
/* The binary to re-execute on SIGHUP, resolved at start: the path, not
 * /proc/self/exe, so a rebuilt file at that path is what runs next. */
static char self_path[4096];

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: imagegen-fcgi [--help] [--version]\n"
	    "\n"
	    "The imagegen FastCGI application server. It listens on IG_SOCKET (a unix\n"
	    "socket path, or 127.0.0.1:PORT), runs IG_WORKERS processes of IG_THREADS\n"
	    "threads and serves /health, /api/* and /v1/* to nginx. All settings are\n"
	    "IG_* environment variables (see the README).\n"
	    "\n"
	    "Signals: SIGTERM/SIGINT drain in-flight requests and exit; SIGHUP replaces\n"
	    "the workers gracefully.\n");
}

static int
fail(const char *event, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg, strerror(errno));
	ig_logf(IG_LOG_ERROR, event, "%s", msg);
	fprintf(stderr, "imagegen-fcgi: %s\n", msg);
	return -1;
}

/* Resolve IG_SOCKET_GROUP (a name or a numeric gid). */
static int
socket_gid(const char *group, gid_t *gid)
{
	int64_t n;
	struct group *g;

	if (ig_parse_int64(group, 0, 2147483647, &n) == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	g = getgrnam(group);
	if (g == NULL)
		return -1;
	*gid = g->gr_gid;
	return 0;
}

static int
open_unix(const ig_config *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(c->socket) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return fail("socket_failed", "IG_SOCKET: path %s is too long for a unix socket (%s)", c->socket);
	}
	strcpy(sa.sun_path, c->socket);
	/* Remove a stale socket from an earlier run, never another file. */
	if (lstat(c->socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			return fail("socket_failed", "IG_SOCKET: %s exists and is not a socket (%s)", c->socket);
		}
		unlink(c->socket);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket_failed", "IG_SOCKET: socket(%s): %s", c->socket);
	/* Create it private, then open it to nginx's group. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		close(fd);
		return fail("socket_failed", "IG_SOCKET: cannot bind %s: %s", c->socket);
	}
	if (c->socket_group[0] != '\0') {
		gid_t gid;
		if (socket_gid(c->socket_group, &gid) != 0) {
			errno = ENOENT;
			close(fd);
			return fail("socket_failed", "IG_SOCKET_GROUP: no group named %s (%s)", c->socket_group);
		}
		if (chown(c->socket, (uid_t)-1, gid) != 0) {
			char msg[600];
			/* EPERM: an unprivileged owner may only give a file to a
			 * group it belongs to; name the fix, not just the errno. */
			snprintf(msg, sizeof(msg), "IG_SOCKET_GROUP: cannot give %s to group %s (gid %d): %s%s",
			    c->socket, c->socket_group, (int)gid, strerror(errno), errno == EPERM ?
			    "; the user running imagegen-fcgi must be a member of that group" : "");
			ig_logf(IG_LOG_ERROR, "socket_failed", "%s", msg);
			fprintf(stderr, "imagegen-fcgi: %s\n", msg);
			close(fd);
			return -1;
		}
	}
	if (chmod(c->socket, (mode_t)c->socket_mode) != 0) {
		close(fd);
		return fail("socket_failed", "IG_SOCKET_MODE: chmod %s: %s", c->socket);
	}
	return fd;
}

/*
 * TCP only on loopback: libfcgi 2.4.2 still aborts on a crafted PARAMS
 * record, so the socket must never be reachable from outside the host.
 * IG_SOCKET_ANY_ADDRESS=1 allows another address for a container network
 * that stays inside the host (deploy/scaled.yml: app:9000, reached by the
 * compose project's nginx only, never published).
 */
static int
open_tcp(const ig_config *c)
{
	char host[256];
	const char *colon = strrchr(c->socket, ':');
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	int fd, one = 1;

	if (colon == NULL || colon == c->socket || (size_t)(colon - c->socket) >= sizeof(host)) {
		errno = EINVAL;
		return fail("socket_failed", "IG_SOCKET: %s is neither a socket path nor HOST:PORT (%s)", c->socket);
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - c->socket), c->socket);
	if (!c->socket_any_addr && strcmp(host, "127.0.0.1") != 0 && strcmp(host, "localhost") != 0 &&
	    strcmp(host, "[::1]") != 0) {
		errno = EPERM;
		return fail("socket_failed",
		    "IG_SOCKET: %s is not a loopback address; use a unix socket, or IG_SOCKET_ANY_ADDRESS=1 on a "
		    "network only nginx reaches (%s)", c->socket);
	}
	if (strcmp(host, "[::1]") == 0)
		strcpy(host, "::1");
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
		errno = EINVAL;
		return fail("socket_failed", "IG_SOCKET: cannot resolve %s (%s)", c->socket);
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return fail("socket_failed", "IG_SOCKET: cannot bind %s: %s", c->socket);
	}
	freeaddrinfo(ai);
	return fd;
}

static int
open_listener(const ig_config *c)
{
	int fd = strchr(c->socket, '/') ? open_unix(c) : open_tcp(c);

	if (fd < 0)
		return -1;
	if (listen(fd, c->listen_backlog) != 0) {
		close(fd);
		return fail("socket_failed", "IG_SOCKET: listen on %s: %s", c->socket);
	}
	/* Workers poll, then accept; non-blocking so a lost race is EAGAIN. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static pid_t
spawn(int i)
{
	pid_t master = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		ig_logf(IG_LOG_ERROR, "fork_failed", "slot %d: errno %d", i, errno);
		slots[i].respawn_at_ms = ig_now_ms() + CRASH_PAUSE_MS;
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int rc = ig_worker_run(listen_fd, metrics, i, master);
#if defined(__SANITIZE_ADDRESS__)
		/* _exit skips LeakSanitizer's exit-time check: run it here, so
		 * the sanitizer build checks a drained worker for leaks too. */
		__lsan_do_leak_check();
#endif
		_exit(rc);
	}
	slots[i].pid = pid;
	slots[i].started_ms = ig_now_ms();
	slots[i].respawn_at_ms = 0;
	metrics->workers[i].pid = pid;
	metrics->workers[i].started = (int64_t)time(NULL);
	metrics->workers[i].requests = 0;
	return pid;
}

static void
reap(int shutting_down)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/* A worker that died holding long requests (killed mid-stream)
		 * leaves them in the host's table: they end with it. */
		int i, held = ig_long_release_pid(metrics, pid);
		if (held > 0)
			ig_logf(IG_LOG_WARN, "long_requests_released", "pid %d held %d long requests",
			    (int)pid, held);
		for (i = 0; i < nslots && slots[i].pid != pid; i++)
			;
		if (i == nslots) {
			for (int j = 0; j < IG_METRICS_MAX_WORKERS; j++)
				if (retiring[j] == pid)
					retiring[j] = 0;
			continue;
		}
		slots[i].pid = 0;
		metrics->workers[i].pid = 0;
		if (shutting_down)
			continue;
		ig_logf(IG_LOG_WARN, "worker_died", "slot %d pid %d %s %d; restarting", i, (int)pid,
		    WIFSIGNALED(status) ? "killed by signal" : "exited with", WIFSIGNALED(status) ?
		    WTERMSIG(status) : WEXITSTATUS(status));
		__atomic_add_fetch(&metrics->worker_restarts, 1, __ATOMIC_RELAXED);
		if (ig_now_ms() - slots[i].started_ms < CRASH_WINDOW_MS)
			slots[i].respawn_at_ms = ig_now_ms() + CRASH_PAUSE_MS;
		else
			spawn(i);
	}
}

static void
retire(pid_t pid)
{
	for (int j = 0; j < IG_METRICS_MAX_WORKERS; j++) {
		if (retiring[j] == 0) {
			retiring[j] = pid;
			return;
		}
	}
}

/* Fallback of SIGHUP when exec fails: new workers from this image. */
static void
replace_all(void)
{
	ig_logf(IG_LOG_INFO, "workers_replacing", "starting %d new workers", nslots);
	for (int i = 0; i < nslots; i++) {
		pid_t old = slots[i].pid;
		slots[i].pid = 0;
		if (old > 0)
			retire(old);
		spawn(i);
		if (old > 0)
			kill(old, SIGTERM);
	}
}

static void
set_cloexec(int fd, int on)
{
	int fl = fcntl(fd, F_GETFD);

	fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/*
 * SIGHUP: exec the binary again, handing over the listening socket, the
 * metrics memfd and the pids of the running workers through IG_INHERIT_*.
 * The workers stay children of this pid across exec, so the new image
 * reaps them. Only returns when exec failed.
 */
static void
reexec(char **argv)
{
	char num[32];
	ig_buf pids = { 0 };

	for (int i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			ig_buf_printf(&pids, "%s%d", pids.len ? "," : "", (int)slots[i].pid);
	for (int j = 0; j < IG_METRICS_MAX_WORKERS; j++)
		if (retiring[j] > 0)
			ig_buf_printf(&pids, "%s%d", pids.len ? "," : "", (int)retiring[j]);
	snprintf(num, sizeof(num), "%d", listen_fd);
	setenv("IG_INHERIT_LISTEN_FD", num, 1);
	snprintf(num, sizeof(num), "%d", metrics_fd);
	setenv("IG_INHERIT_METRICS_FD", num, 1);
	setenv("IG_INHERIT_WORKERS", pids.data ? pids.data : "", 1);
	ig_buf_free(&pids);
	set_cloexec(listen_fd, 0);
	set_cloexec(metrics_fd, 0);
	ig_logf(IG_LOG_INFO, "reexec", "SIGHUP: re-executing %s", self_path);
	execv(self_path, argv);
	ig_logf(IG_LOG_ERROR, "reexec_failed", "exec %s: errno %d; replacing workers in place",
	    self_path, errno);
	set_cloexec(listen_fd, 1);
	set_cloexec(metrics_fd, 1);
	unsetenv("IG_INHERIT_LISTEN_FD");
	unsetenv("IG_INHERIT_METRICS_FD");
	unsetenv("IG_INHERIT_WORKERS");
	replace_all();
}

/*
 * Take over what a re-executing master handed down, if anything: the
 * listening socket, the metrics block, and the old workers to retire.
 * Returns 1 when inherited, 0 for a fresh start, -1 on a bad hand-over.
 */
static int
inherit(void)
{
	const char *lfd = getenv("IG_INHERIT_LISTEN_FD"), *mfd = getenv("IG_INHERIT_METRICS_FD");
	const char *old = getenv("IG_INHERIT_WORKERS");
	int64_t l, m;
	int type = 0;
	socklen_t tl = sizeof(type);

	if (lfd == NULL || mfd == NULL)
		return 0;
	if (ig_parse_int64(lfd, 0, 65535, &l) != 0 || ig_parse_int64(mfd, 0, 65535, &m) != 0 ||
	    getsockopt((int)l, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM ||
	    (metrics = ig_metrics_map_fd((int)m)) == NULL) {
		fprintf(stderr, "imagegen-fcgi: IG_INHERIT_*: not a valid hand-over from a master\n");
		return -1;
	}
	listen_fd = (int)l;
	metrics_fd = (int)m;
	set_cloexec(listen_fd, 1);
	set_cloexec(metrics_fd, 1);
	for (const char *p = old ? old : ""; *p;) {
		retire((pid_t)atoi(p));
		p += strcspn(p, ",");
		p += *p == ',';
	}
	unsetenv("IG_INHERIT_LISTEN_FD");
	unsetenv("IG_INHERIT_METRICS_FD");
	unsetenv("IG_INHERIT_WORKERS");
	return 1;
}

static int
alive_count(void)
{
	int n = 0;

	for (int i = 0; i < nslots; i++)
		n += slots[i].pid > 0;
	for (int j = 0; j < IG_METRICS_MAX_WORKERS; j++)
		n += retiring[j] > 0;
	return n;
}

static void
signal_all(int sig)
{
	for (int i = 0; i < nslots; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
	for (int j = 0; j < IG_METRICS_MAX_WORKERS; j++)
		if (retiring[j] > 0)
			kill(retiring[j], sig);
}

/* SIGTERM: let every worker finish its requests, then exit. */
static int
drain(const ig_config *c, sigset_t *set)
{
	int64_t deadline = ig_now_ms() + (int64_t)c->drain_timeout * 1000;

	ig_logf(IG_LOG_INFO, "draining", "waiting up to %d s for in-flight requests", c->drain_timeout);
	signal_all(SIGTERM);
	while (alive_count() > 0 && ig_now_ms() < deadline) {
		struct timespec ts = { 0, 100 * 1000000 };
		sigtimedwait(set, NULL, &ts);
		reap(1);
	}
	if (alive_count() > 0) {
		ig_logf(IG_LOG_WARN, "drain_timeout", "killing %d workers still busy", alive_count());
		signal_all(SIGKILL);
		while (alive_count() > 0) {
			struct timespec ts = { 0, 50 * 1000000 };
			sigtimedwait(set, NULL, &ts);
			reap(1);
		}
	}
	if (strchr(c->socket, '/'))
		unlink(c->socket);
	ig_logf(IG_LOG_INFO, "stopped", "all workers finished");
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig; /* delivered through sigtimedwait; the handler only exists
		    * so SIGCHLD is not discarded */
}

int
main(int argc, char **argv)
{
	char err[512];
	const ig_config *c;
	sigset_t set;
	int inherited, rc;

	if ((rc = ig_daemon_args("imagegen-fcgi", argc, argv, usage)) >= 0)
		return rc;
	if (ig_config_start("imagegen-fcgi") != 0)
		return 2;
	c = ig_cfg();
	if (ig_pconf_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "imagegen-fcgi: configuration error: %s\n", err);
		return 2;
	}
	if (ig_provider_find(c->default_provider) == NULL) {
		fprintf(stderr, "imagegen-fcgi: IG_DEFAULT_PROVIDER: no provider named %s\n", c->default_provider);
		return 2;
	}
	if (c->workers > IG_METRICS_MAX_WORKERS / 2) {
		fprintf(stderr, "imagegen-fcgi: IG_WORKERS: at most %d\n", IG_METRICS_MAX_WORKERS / 2);
		return 2;
	}
	/* Without a key libjwt accepts unsigned tokens: refuse to start. */
	if (c->jwt_secret[0] == '\0' || ig_jwt_setup(c->jwt_secret, c->jwt_issuer, c->jwt_audience,
		c->access_ttl) != 0) {
		fprintf(stderr, "imagegen-fcgi: IG_JWT_SECRET: required, at least 32 bytes\n");
		return 2;
	}
	if (ig_ticket_setup(c->jwt_secret) != 0)
		return 2;
	if (!c->secret_key_set || ig_secretbox_setup(c->secret_key) != 0) {
		fprintf(stderr, "imagegen-fcgi: IG_SECRET_KEY: required, 64 hex digits (32 bytes)\n");
		return 2;
	}
	if (mkdir(c->image_dir, 0755) != 0 && errno != EEXIST)
		ig_logf(IG_LOG_WARN, "image_dir_missing", "cannot create IG_IMAGE_DIR %s", c->image_dir);

	{
		char *rp = realpath("/proc/self/exe", NULL);
		snprintf(self_path, sizeof(self_path), "%s", rp ? rp : argv[0]);
		free(rp);
	}
	inherited = inherit();
	if (inherited < 0)
		return 2;
	if (!inherited) {
		metrics = ig_metrics_map(&metrics_fd);
		if (metrics == NULL) {
			fprintf(stderr, "imagegen-fcgi: cannot map the shared metrics block\n");
			return 1;
		}
		listen_fd = open_listener(c);
		if (listen_fd < 0)
			return 1;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGCHLD, on_signal);
	signal(SIGPIPE, SIG_IGN);

	nslots = c->workers;
	slots = ig_xcalloc((size_t)nslots, sizeof(*slots));
	for (int i = 0; i < nslots; i++)
		spawn(i);
	/* After a re-exec, the old generation finishes what it holds and goes. */
	for (int j = 0; j < IG_METRICS_MAX_WORKERS; j++)
		if (retiring[j] > 0)
			kill(retiring[j], SIGTERM);
	ig_logf(IG_LOG_INFO, "started", "%s %s with %d workers of %d threads",
	    inherited ? "re-executed, still listening on" : "listening on", c->socket, c->workers, c->threads);

	/* CPU usage for system-stats: sampled here about once a second. */
	ig_cpu_times cpu_prev = { 0 };
	int64_t cpu_next_ms = 0;

	for (;;) {
		struct timespec ts = { 0, 100 * 1000000 };
		int sig = sigtimedwait(&set, NULL, &ts);

		if (ig_now_ms() >= cpu_next_ms) {
			ig_metrics_cpu_sample(metrics, &cpu_prev);
			cpu_next_ms = ig_now_ms() + 1000;
		}

		if (sig == SIGTERM || sig == SIGINT)
			return drain(c, &set);
		if (sig == SIGHUP)
			reexec(argv);
		reap(0);
		for (int i = 0; i < nslots; i++)
			if (slots[i].pid == 0 && slots[i].respawn_at_ms != 0 &&
			    ig_now_ms() >= slots[i].respawn_at_ms)
				spawn(i);
	}
}
