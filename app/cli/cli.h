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

#endif
