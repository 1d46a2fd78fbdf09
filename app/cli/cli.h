/* cli.h — commands of the imagegen CLI that live in their own files. */
#ifndef IG_CLI_CLI_H
#define IG_CLI_CLI_H

#define IG_CLI_BATCH_HELP \
	"usage: imagegen batch submit FILE [--name NAME] [--provider P] [--size WxH] [--watch]\n" \
	"       imagegen batch watch BATCH_ID\n\n" \
	"submit sends FILE (one prompt per line, '#' lines skipped; or JSON: an array of\n" \
	"prompts or a whole POST /api/batch/generate body; - reads stdin) as one batch and\n" \
	"prints its id; --watch then follows it. watch draws a progress bar until the\n" \
	"batch ends; the exit status is 0 when every item completed, 1 otherwise.\n\n" \
	"The service is IG_API_URL (default http://127.0.0.1:8080); the caller is\n" \
	"IG_API_TOKEN, an API key (ig_...) with the generate scope or an access token.\n"

int ig_cli_batch(int argc, char **argv);

/* One option of a subcommand: a flag (*flag = 1) when value is NULL,
 * otherwise one taking the next argument (*value). */
typedef struct ig_cli_opt {
	const char *name;               /* "--watch" */
	int *flag;
	const char **value;
} ig_cli_opt;
/*
 * Read argv[from..] by opts (ended by a NULL name). An argument that is no
 * option ("-" or not starting with '-') goes to *positional when that is
 * given and still NULL. 0, or 2 after "<bad> ARG" and help (when not NULL,
 * after a blank line) on stderr.
 */
int ig_cli_options(int argc, char **argv, int from, const ig_cli_opt *opts, const char **positional,
    const char *bad, const char *help);

#define IG_CLI_HEALTH_HELP \
	"usage: imagegen health [--fcgi] [--runner]\n\n" \
	"Prints the same report as GET /health plus the number of pending\n" \
	"migrations. Exits 0 when the service can run (healthy or degraded, no\n" \
	"pending migrations), 1 otherwise.\n\n" \
	"--fcgi    also send GET /health over FastCGI to IG_SOCKET and require a 200\n" \
	"          within 4 s: proof that a worker answers requests (the app\n" \
	"          container's health check).\n" \
	"--runner  also require an imagegen-worker on this host (same hostname) whose\n" \
	"          heartbeat is younger than IG_JOB_LEASE seconds (the worker\n" \
	"          container's health check).\n"

int ig_cli_health(int argc, char **argv);

#endif
