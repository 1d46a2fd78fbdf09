/*
 * bench_hello.c — scripts/bench's FastCGI reference: the smallest libfcgi
 * responder (two processes, one request at a time each, a fixed answer).
 * What nginx plus libfcgi cost with no application at all; /health is
 * measured beside it. Built and run by scripts/bench only, never installed.
 *
 *   bench_hello SOCKET_PATH
 */
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

int
main(int argc, char **argv)
{
	int sock;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_hello SOCKET_PATH\n");
		return 2;
	}
	if (FCGX_Init() != 0 || (sock = FCGX_OpenSocket(argv[1], 1024)) < 0) {
		fprintf(stderr, "bench_hello: cannot listen on %s\n", argv[1]);
		return 1;
	}
	/* nginx's workers run as another user. */
	chmod(argv[1], 0666);
	for (int i = 0; i < 2; i++) {
		if (fork() == 0) {
			FCGX_Request r;

			FCGX_InitRequest(&r, sock, 0);
			while (FCGX_Accept_r(&r) >= 0) {
				FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n"
				    "{\"status\":\"ok\"}", r.out);
				FCGX_Finish_r(&r);
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
