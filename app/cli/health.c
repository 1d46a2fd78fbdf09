/*
 * health.c — `imagegen health`: the service's health as GET /health reports
 * it, plus the pending migrations; with --fcgi also one FastCGI round trip
 * on IG_SOCKET (proof that a worker answers requests, which a database probe
 * alone cannot give), with --runner also a live job runner on this host.
 *
 * The FastCGI client speaks just enough of the protocol (FastCGI 1.0,
 * responder role) to send GET /health and read the Status line back.
 */
#include "ig_autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app/cli/cli.h"
#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/health.h"
#include "lib/db/migrate.h"
#include "lib/jobs/queue.h"

/* The whole round trip (connect, send, read the answer) must fit in this. */
#define FCGI_TIMEOUT_MS 4000
/* Enough of the answer to hold its headers; the body is read and dropped. */
#define FCGI_HEAD_MAX 4096

enum {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
	FCGI_RESPONDER = 1,
	FCGI_REQUEST_ID = 1,
};

static void
record(ig_buf *b, int type, const void *data, size_t len)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, FCGI_REQUEST_ID,
		(unsigned char)(len >> 8), (unsigned char)(len & 0xff), 0, 0 };

	ig_buf_append(b, h, sizeof(h));
	if (len > 0)
		ig_buf_append(b, data, len);
}

/* A name-value pair of the PARAMS stream; both are short here (< 128). */
static void
param(ig_buf *b, const char *name, const char *value)
{
	unsigned char l[2] = { (unsigned char)strlen(name), (unsigned char)strlen(value) };

	ig_buf_append(b, l, 2);
	ig_buf_append(b, name, strlen(name));
	ig_buf_append(b, value, strlen(value));
}

static int
connect_socket(const char *where, char *why, size_t whylen)
{
	int fd;

	if (strchr(where, '/') != NULL) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (strlen(where) >= sizeof(sa.sun_path)) {
			snprintf(why, whylen, "socket path too long");
			return -1;
		}
		strcpy(sa.sun_path, where);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
	} else {
		char host[256];
		const char *colon = strrchr(where, ':');
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
		if (colon == NULL || (size_t)(colon - where) >= sizeof(host)) {
			snprintf(why, whylen, "IG_SOCKET is neither a path nor HOST:PORT");
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - where), where);
		if (host[0] == '[') {
			memmove(host, host + 1, strlen(host));
			host[strcspn(host, "]")] = '\0';
		}
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
			snprintf(why, whylen, "cannot resolve %s", where);
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
		freeaddrinfo(ai);
		if (ok)
			return fd;
	}
	snprintf(why, whylen, "connect: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Wait for fd to become ready for events until deadline; 0 when ready. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - ig_now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		if (left <= 0)
			return -1;
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * GET /health over FastCGI on IG_SOCKET. Returns the HTTP status the app
 * answered (200 when it is well), or -1 with why filled when no answer came.
 */
static int
fcgi_health(const char *where, char *why, size_t whylen)
{
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
	ig_buf req = { 0 }, params = { 0 }, head = { 0 };
	int64_t deadline = ig_now_ms() + FCGI_TIMEOUT_MS;
	int fd, status = -1, ended = 0;
	size_t off = 0;
	unsigned char hdr[8];
	size_t hdr_have = 0, content_left = 0, pad_left = 0;
	int type = 0;

	fd = connect_socket(where, why, whylen);
	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	param(&params, "REQUEST_METHOD", "GET");
	param(&params, "DOCUMENT_URI", "/health");
	param(&params, "SCRIPT_NAME", "/health");
	param(&params, "REQUEST_URI", "/health");
	param(&params, "QUERY_STRING", "");
	param(&params, "SERVER_PROTOCOL", "HTTP/1.1");
	param(&params, "REMOTE_ADDR", "127.0.0.1");
	param(&params, "REQUEST_ID", "imagegen-health-check");
	record(&req, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	record(&req, FCGI_PARAMS, params.data, params.len);
	record(&req, FCGI_PARAMS, NULL, 0);
	record(&req, FCGI_STDIN, NULL, 0);
	ig_buf_free(&params);

	while (off < req.len) {
		ssize_t n = write(fd, req.data + off, req.len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(why, whylen, "write: %s", strerror(errno));
			goto out;
		}
		if (wait_fd(fd, POLLOUT, deadline) != 0) {
			snprintf(why, whylen, "timed out sending the request");
			goto out;
		}
	}

	/* Read records until END_REQUEST; keep the start of STDOUT. */
	while (!ended) {
		unsigned char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n == 0) {
			snprintf(why, whylen, "the connection closed before the answer ended");
			goto out;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				snprintf(why, whylen, "read: %s", strerror(errno));
				goto out;
			}
			if (wait_fd(fd, POLLIN, deadline) != 0) {
				snprintf(why, whylen, "no answer within %d ms", FCGI_TIMEOUT_MS);
				goto out;
			}
			continue;
		}
		for (ssize_t i = 0; i < n;) {
			if (hdr_have < sizeof(hdr)) {
				hdr[hdr_have++] = chunk[i++];
				if (hdr_have == sizeof(hdr)) {
					type = hdr[1];
					content_left = ((size_t)hdr[4] << 8) | hdr[5];
					pad_left = hdr[6];
					if (hdr[0] != 1) {
						snprintf(why, whylen, "not a FastCGI answer");
						goto out;
					}
				}
				continue;
			}
			size_t take = (size_t)(n - i);
			if (content_left > 0) {
				if (take > content_left)
					take = content_left;
				if (type == FCGI_STDOUT && head.len < FCGI_HEAD_MAX)
					ig_buf_append(&head, chunk + i, take);
				content_left -= take;
			} else {
				if (take > pad_left)
					take = pad_left;
				pad_left -= take;
			}
			i += (ssize_t)take;
			if (content_left == 0 && pad_left == 0) {
				if (type == FCGI_END_REQUEST)
					ended = 1;
				hdr_have = 0;
			}
		}
		/* A record with no content and no padding ends at its header. */
		if (hdr_have == sizeof(hdr) && content_left == 0 && pad_left == 0) {
			if (type == FCGI_END_REQUEST)
				ended = 1;
			hdr_have = 0;
		}
	}
	/* CGI answer: "Status: 200 OK" among the headers; none means 200. */
	ig_buf_append(&head, "", 1);
	status = 200;
	for (const char *p = head.data; p && *p && *p != '\r' && *p != '\n';) {
		if (strncasecmp(p, "Status:", 7) == 0) {
			status = atoi(p + 7);
			break;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (status < 100 || status > 599) {
		snprintf(why, whylen, "the answer has no valid Status header");
		status = -1;
	}
out:
	close(fd);
	ig_buf_free(&req);
	ig_buf_free(&head);
	return status;
}

int
ig_cli_health(int argc, char **argv)
{
	const ig_config *c = ig_cfg();
	ig_health_status st;
	json_object *o;
	ig_err err;
	PGconn *conn;
	int pending = -1, want_fcgi = 0, want_runner = 0, ok;

	if (ig_cli_options(argc, argv, 2, (const ig_cli_opt[]) {
		{ "--fcgi", &want_fcgi, NULL },
		{ "--runner", &want_runner, NULL },
		{ NULL, NULL, NULL },
	    }, NULL, "imagegen health: unknown argument", IG_CLI_HEALTH_HELP) != 0)
		return 2;
	o = ig_health_collect(&st, 0);
	if (st != IG_UNHEALTHY && (conn = ig_db_conn(&err)) != NULL)
		pending = ig_migrate_pending(conn, c->migrations_dir, &err);
	json_object_object_add(o, "pending_migrations", pending >= 0 ? json_object_new_int(pending) : NULL);
	ok = st != IG_UNHEALTHY && pending == 0;

	if (want_fcgi) {
		char why[256] = "";
		int64_t t0 = ig_now_ms();
		int code = fcgi_health(c->socket, why, sizeof(why));
		json_object *f = json_object_new_object();
		json_object_object_add(f, "socket", json_object_new_string(c->socket));
		json_object_object_add(f, "status", code > 0 ? json_object_new_int(code) : NULL);
		json_object_object_add(f, "ms", json_object_new_int64(ig_now_ms() - t0));
		if (code != 200)
			json_object_object_add(f, "error", json_object_new_string(code > 0 ?
			    "GET /health did not answer 200" : why));
		json_object_object_add(o, "fastcgi", f);
		ok = ok && code == 200;
	}
	if (want_runner) {
		char host[256] = "";
		int live = -1;
		json_object *r = json_object_new_object();
		gethostname(host, sizeof(host) - 1);
		if (st != IG_UNHEALTHY)
			live = ig_runner_live_on_host(host, c->job_lease, &err);
		json_object_object_add(r, "hostname", json_object_new_string(host));
		json_object_object_add(r, "live", live >= 0 ? json_object_new_int(live) : NULL);
		json_object_object_add(o, "runner", r);
		ok = ok && live > 0;
	}
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return ok ? 0 : 1;
}
