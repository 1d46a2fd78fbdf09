/*
 * config.h — the process configuration, read once from IG_* environment
 * variables and validated as a whole (a bad value stops the program with a
 * message naming the variable). The table of settings in config.c is the one
 * place a setting, its default and its bounds are declared; the README's
 * table mirrors it.
 */
#ifndef IG_CORE_CONFIG_H
#define IG_CORE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct ig_config {
	char *var_dir;
	char *database_url;
	char *socket;
	char *socket_group;
	int socket_mode;
	int socket_any_addr;        /* IG_SOCKET_ANY_ADDRESS: HOST:PORT need not be loopback */
	int workers;
	int threads;
	int listen_backlog;
	long max_body;
	char *image_dir;
	char *image_backend;            /* local | s3: where generated images live (lib/store/image_store.h) */
	char *migrations_dir;
	char *openapi_path;        /* the OpenAPI document GET /api/openapi.json serves */
	char *environment;
	char *log_level;
	char *project_root;
	int db_timeout_ms;
	int db_pool;
	int drain_timeout;
	int health_cache_ms;
	char *jwt_secret;
	unsigned char secret_key[32];
	int secret_key_set;
	int access_ttl;
	int refresh_ttl;
	char *jwt_issuer;
	char *jwt_audience;
	int rate_limit;
	int generate_rate_limit;
	int login_max_failures;
	int login_failure_window;
	char *smtp_url;
	char *smtp_from;
	char *public_url;
	char *cors_origins;
	int allow_anonymous;
	char *default_provider;
	int generate_timeout;
	int provider_timeout;
	int job_lease;
	int runner_concurrency;
	int runner_threads;             /* the runner's pool: renders, image stores */
	long max_image_pixels;
	char *font_path;                /* the watermark font (lib/imaging/watermark.c) */
	long max_download;
	long max_upload;                /* bytes of one uploaded file */
	char *storage_backend;          /* local | s3: where stored files live */
	char *storage_dir;              /* their directory when local */
	long storage_quota_bytes;       /* what one user may keep */
	int batch_max_prompts;
	int batch_max_queued;
	char *webhook_allow_hosts;
	int webhook_max_attempts;
	char *server_keys;         /* none | admins | users: who may use IG_<PROVIDER>_API_KEY */
	int server_key_daily_images;
	int server_key_daily_chats;
	int max_long_per_user;
	int stream_write_timeout;
	int zip_max_seconds;
	/* The S3 object store (lib/store/s3.c). */
	char *s3_endpoint;
	char *s3_region;
	char *s3_bucket;
	char *s3_access_key;
	char *s3_secret_key;
	int s3_path_style;
	int s3_timeout;                 /* seconds a transfer may make no progress */
	int s3_retries;                 /* retries after a 5xx, SlowDown or connection failure */
	long s3_multipart_threshold;    /* bytes above which put_fd is a multipart upload */
	long s3_part_size;              /* bytes of one part */
} ig_config;

/* Read and validate every setting from the environment into the process-wide
 * configuration. Returns 0, or -1 with a message naming the variable in err.
 * Safe to call again (tests do); the previous values are freed. */
int ig_config_load(char *err, size_t errlen);
/*
 * The start of every program of ours (imagegen-fcgi, imagegen-worker, the
 * imagegen CLI): name itself as program in the log, ig_config_load, and log
 * at IG_LOG_LEVEL. 0, or -1 after "<program>: configuration error: ..." on
 * stderr (the program then exits 2).
 */
int ig_config_start(const char *program);
/*
 * The arguments of a daemon, which takes none but --help/-h (usage on
 * stdout) and --version ("<program> <version>"). -1 when argv has none of
 * them and the program goes on; otherwise the status main returns: 0 after
 * --help or --version, 2 after anything else (said on stderr with usage).
 */
int ig_daemon_args(const char *program, int argc, char **argv, void (*usage)(FILE *f));
/* The loaded configuration (valid after a successful ig_config_load). */
const ig_config *ig_cfg(void);
/* Print "NAME=value" of every setting, for `imagegen config`: secrets as
 * "(set)" or "(not set)", strings through ig_config_mask. */
void ig_config_dump(void);
/*
 * value with its secrets replaced by "****", for display: in a URI
 * (scheme://...) the userinfo's password and the query values whose names
 * hold "pass", "secret", "token" or "key"; in libpq's keyword = value form
 * the values of such keywords. Anything else is returned as it is, unless
 * it is in neither form and mentions such a word ("(set, not shown)").
 * Returns a new string the caller frees.
 */
char *ig_config_mask(const char *value);

#endif
