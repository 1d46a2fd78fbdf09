/*
 * main.c — imagegen, the admin command line: migrate the database, check
 * health, show the configuration. Every command answers --help.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <string.h>

#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "app/cli/cli.h"
#include "lib/auth/account.h"
#include "lib/auth/password.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/db/db.h"
#include "lib/db/migrate.h"
#include "lib/jobs/pconf.h"

typedef struct command {
	const char *name;
	const char *summary;
	const char *help;
	int (*run)(int argc, char **argv);
} command;

static int
cmd_migrate(int argc, char **argv)
{
	const ig_config *c = ig_cfg();
	ig_err err;
	PGconn *conn;
	int applied;

	(void)argc;
	(void)argv;
	conn = ig_db_conn(&err);
	if (conn == NULL) {
		fprintf(stderr, "imagegen migrate: %s (IG_DATABASE_URL)\n", err.message);
		return 1;
	}
	if (ig_migrate(conn, c->migrations_dir, &applied, &err) != 0) {
		fprintf(stderr, "imagegen migrate: %s\n", err.message);
		return 1;
	}
	printf("migrations: %d applied now, database is up to date (%s)\n", applied, c->migrations_dir);
	return 0;
}

/* Read a password: from stdin with --password-stdin, else prompted on the
 * terminal without echo. Returns 0 with buf filled (newline stripped). */
static int
read_password(int from_stdin, char *buf, size_t len)
{
	struct termios old, quiet;
	int tty = !from_stdin && isatty(STDIN_FILENO);

	if (!from_stdin && !tty) {
		fprintf(stderr, "imagegen user create: no terminal to ask for the password; use --password-stdin\n");
		return -1;
	}
	if (tty) {
		fprintf(stderr, "password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	char *ok = fgets(buf, (int)len, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (ok == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int
ig_cli_options(int argc, char **argv, int from, const ig_cli_opt *opts, const char **positional,
    const char *bad, const char *help)
{
	for (int i = from; i < argc; i++) {
		const ig_cli_opt *o = opts;

		while (o->name != NULL && strcmp(argv[i], o->name) != 0)
			o++;
		if (o->name != NULL && o->value == NULL)
			*o->flag = 1;
		else if (o->name != NULL && i + 1 < argc)
			*o->value = argv[++i];
		else if (o->name == NULL && positional != NULL && *positional == NULL &&
		    (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
			*positional = argv[i];
		else {
			fprintf(stderr, "%s %s\n%s%s", bad, argv[i], help ? "\n" : "", help ? help : "");
			return 2;
		}
	}
	return 0;
}

static int
cmd_user(int argc, char **argv)
{
	const char *username = NULL, *email = NULL, *display = NULL;
	int admin = 0, from_stdin = 0, rc;
	char pw[IG_PASSWORD_MAX_BYTES + 2], id[IG_UUID_BUF];
	ig_err err;

	if (argc < 3 || strcmp(argv[2], "create") != 0) {
		fprintf(stderr, "imagegen user: the only subcommand is create (see imagegen user --help)\n");
		return 2;
	}
	if ((rc = ig_cli_options(argc, argv, 3, (const ig_cli_opt[]) {
		{ "--admin", &admin, NULL },
		{ "--password-stdin", &from_stdin, NULL },
		{ "--username", NULL, &username },
		{ "--email", NULL, &email },
		{ "--display-name", NULL, &display },
		{ NULL, NULL, NULL },
	    }, NULL, "imagegen user create: unknown or incomplete argument", NULL)) != 0)
		return rc;
	if (username == NULL || email == NULL) {
		fprintf(stderr, "imagegen user create: --username and --email are required\n");
		return 2;
	}
	if (read_password(from_stdin, pw, sizeof(pw)) != 0)
		return 2;
	rc = ig_account_create(username, email, pw, display, admin ? "admin" : "user", id, &err);
	sodium_memzero(pw, sizeof(pw));
	if (rc != 0) {
		fprintf(stderr, "imagegen user create: %s\n", err.message);
		return 1;
	}
	printf("created %s %s (%s)\n", admin ? "administrator" : "user", username, id);
	return 0;
}

static int
cmd_config(int argc, char **argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	ig_config_dump();
	if (ig_pconf_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "imagegen config: configuration error: %s\n", err);
		return 2;
	}
	ig_pconf_dump();
	return 0;
}

static const command commands[] = {
	{ "migrate", "apply pending database migrations",
	    "usage: imagegen migrate\n\n"
	    "Applies every migration of IG_MIGRATIONS_DIR not yet recorded in the\n"
	    "database (IG_DATABASE_URL), in order, each in its own transaction. Safe\n"
	    "to run from several processes at once: an advisory lock serialises them.\n",
	    cmd_migrate },
	{ "health", "check the database, migrations, and optionally the FastCGI pool or runner",
	    IG_CLI_HEALTH_HELP, ig_cli_health },
	{ "user", "create a user or the first administrator",
	    "usage: imagegen user create --username NAME --email ADDRESS [--admin]\n"
	    "                            [--display-name TEXT] [--password-stdin]\n\n"
	    "Creates an account with the same rules as POST /api/auth/register\n"
	    "(username 3-50 of [A-Za-z0-9_], password of at least 10 characters that is\n"
	    "not the username or email). --admin gives it the admin role. The password\n"
	    "is asked on the terminal, or read from the first line of stdin with\n"
	    "--password-stdin; it is never taken from the command line.\n",
	    cmd_user },
	{ "batch", "submit a file of prompts as a batch, or watch one",
	    IG_CLI_BATCH_HELP, ig_cli_batch },
	{ "config", "print the effective IG_* configuration",
	    "usage: imagegen config\n\n"
	    "Prints every IG_* setting with the value in effect (defaults included),\n"
	    "the providers' too. Secrets never appear: IG_JWT_SECRET, IG_SECRET_KEY\n"
	    "and IG_<PROVIDER>_API_KEY print as (set) or (not set), and passwords in\n"
	    "URLs (user:****@host, password=****) are masked.\n",
	    cmd_config },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: imagegen COMMAND [--help]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nSettings come from IG_* environment variables (see the README).\n");
}

int
main(int argc, char **argv)
{
	const command *cmd = NULL;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("imagegen %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "imagegen: unknown command %s\n\n", argv[1]);
		usage(stderr);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(cmd->help, stdout);
			return 0;
		}
		if (cmd->run != cmd_user && cmd->run != ig_cli_batch && cmd->run != ig_cli_health) {
			fprintf(stderr, "imagegen %s: unknown argument %s\n\n%s", cmd->name, argv[i], cmd->help);
			return 2;
		}
	}
	if (ig_config_start("imagegen") != 0)
		return 2;
	ig_db_setup(ig_cfg()->database_url, ig_cfg()->db_timeout_ms, "imagegen-cli");
	return cmd->run(argc, argv);
}
