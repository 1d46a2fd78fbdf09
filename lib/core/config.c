/* config.c — see config.h. */
#include "ig_autoconf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"

#ifndef IG_PKGDATADIR
#define IG_PKGDATADIR "/usr/local/share/imagegen"
#endif

/* T_SECRET: a string of min..max bytes (or empty), never printed.
 * T_HEXKEY: empty, or exactly 2*min hex digits, decoded; never printed. */
typedef enum setting_type { T_STRING, T_INT, T_OCTAL, T_ENUM, T_SECRET, T_HEXKEY } setting_type;

typedef struct setting {
	const char *name;
	setting_type type;
	/* Default; "{var}" at its start stands for the value of IG_VAR_DIR and
	 * "{cwd}" for the working directory. */
	const char *def;
	int64_t min, max;        /* T_INT, T_OCTAL */
	const char *const *values; /* T_ENUM, NULL-terminated */
	size_t offset;
	int nonempty;
} setting;

static const char *const environments[] = { "development", "production", "test", NULL };
static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };
static const char *const server_key_users[] = { "none", "admins", "users", NULL };
static const char *const storage_backends[] = { "local", "s3", NULL };

#define OFF(f) offsetof(ig_config, f)

/* IG_VAR_DIR comes first: other defaults are derived from it. */
static const setting settings[] = {
	{ "IG_VAR_DIR", T_STRING, "./var", 0, 0, NULL, OFF(var_dir), 1 },
	{ "IG_DATABASE_URL", T_STRING, "dbname=imagegen", 0, 0, NULL, OFF(database_url), 1 },
	{ "IG_SOCKET", T_STRING, "{var}/run/imagegen.sock", 0, 0, NULL, OFF(socket), 1 },
	{ "IG_SOCKET_GROUP", T_STRING, "www-data", 0, 0, NULL, OFF(socket_group), 0 },
	{ "IG_SOCKET_MODE", T_OCTAL, "0660", 0600, 0777, NULL, OFF(socket_mode), 1 },
	{ "IG_SOCKET_ANY_ADDRESS", T_INT, "0", 0, 1, NULL, OFF(socket_any_addr), 1 },
	{ "IG_WORKERS", T_INT, "2", 1, 64, NULL, OFF(workers), 1 },
	{ "IG_THREADS", T_INT, "8", 1, 256, NULL, OFF(threads), 1 },
	{ "IG_LISTEN_BACKLOG", T_INT, "1024", 16, 65535, NULL, OFF(listen_backlog), 1 },
	{ "IG_MAX_BODY", T_INT, "10485760", 1024, 1073741824, NULL, OFF(max_body), 1 },
	{ "IG_IMAGE_DIR", T_STRING, "{var}/images", 0, 0, NULL, OFF(image_dir), 1 },
	{ "IG_IMAGE_BACKEND", T_ENUM, "local", 0, 0, storage_backends, OFF(image_backend), 1 },
	{ "IG_MIGRATIONS_DIR", T_STRING, IG_PKGDATADIR "/migrations", 0, 0, NULL, OFF(migrations_dir), 1 },
	{ "IG_OPENAPI_PATH", T_STRING, IG_PKGDATADIR "/openapi.json", 0, 0, NULL, OFF(openapi_path), 1 },
	{ "IG_ENVIRONMENT", T_ENUM, "development", 0, 0, environments, OFF(environment), 1 },
	{ "IG_LOG_LEVEL", T_ENUM, "info", 0, 0, log_levels, OFF(log_level), 1 },
	{ "IG_PROJECT_ROOT", T_STRING, "{cwd}", 0, 0, NULL, OFF(project_root), 1 },
	{ "IG_DB_TIMEOUT_MS", T_INT, "5000", 100, 600000, NULL, OFF(db_timeout_ms), 1 },
	{ "IG_DB_POOL", T_INT, "8", 1, 512, NULL, OFF(db_pool), 1 },
	{ "IG_HEALTH_CACHE_MS", T_INT, "1000", 0, 60000, NULL, OFF(health_cache_ms), 1 },
	{ "IG_DRAIN_TIMEOUT", T_INT, "30", 1, 3600, NULL, OFF(drain_timeout), 1 },
	/* Accounts and keys. The two secrets default to empty; programs that
	 * need them (imagegen-fcgi) refuse to start without them. */
	{ "IG_JWT_SECRET", T_SECRET, "", 32, 4096, NULL, OFF(jwt_secret), 0 },
	{ "IG_SECRET_KEY", T_HEXKEY, "", 32, 32, NULL, OFF(secret_key), 0 },
	{ "IG_ACCESS_TTL", T_INT, "900", 60, 86400, NULL, OFF(access_ttl), 1 },
	{ "IG_REFRESH_TTL", T_INT, "2592000", 300, 31536000, NULL, OFF(refresh_ttl), 1 },
	{ "IG_JWT_ISSUER", T_STRING, "imagegen", 0, 0, NULL, OFF(jwt_issuer), 1 },
	{ "IG_JWT_AUDIENCE", T_STRING, "imagegen-api", 0, 0, NULL, OFF(jwt_audience), 1 },
	{ "IG_RATE_LIMIT", T_INT, "120", 1, 1000000, NULL, OFF(rate_limit), 1 },
	{ "IG_GENERATE_RATE_LIMIT", T_INT, "10", 1, 1000000, NULL, OFF(generate_rate_limit), 1 },
	{ "IG_LOGIN_MAX_FAILURES", T_INT, "10", 1, 1000, NULL, OFF(login_max_failures), 1 },
	{ "IG_LOGIN_FAILURE_WINDOW", T_INT, "900", 10, 86400, NULL, OFF(login_failure_window), 1 },
	{ "IG_SMTP_URL", T_STRING, "", 0, 0, NULL, OFF(smtp_url), 0 },
	{ "IG_SMTP_FROM", T_STRING, "imagegen <noreply@localhost>", 0, 0, NULL, OFF(smtp_from), 1 },
	{ "IG_PUBLIC_URL", T_STRING, "https://localhost:8443", 0, 0, NULL, OFF(public_url), 1 },
	{ "IG_CORS_ORIGINS", T_STRING, "", 0, 0, NULL, OFF(cors_origins), 0 },
	/* Long-held requests (streams, generation waits, LLM calls). */
	{ "IG_MAX_LONG_PER_USER", T_INT, "4", 1, 10000, NULL, OFF(max_long_per_user), 1 },
	{ "IG_STREAM_WRITE_TIMEOUT", T_INT, "60", 1, 3600, NULL, OFF(stream_write_timeout), 1 },
	{ "IG_ZIP_MAX_SECONDS", T_INT, "600", 1, 86400, NULL, OFF(zip_max_seconds), 1 },
	/* Generation. */
	{ "IG_ALLOW_ANONYMOUS", T_INT, "0", 0, 1, NULL, OFF(allow_anonymous), 1 },
	{ "IG_DEFAULT_PROVIDER", T_STRING, "builtin", 0, 0, NULL, OFF(default_provider), 1 },
	{ "IG_GENERATE_TIMEOUT", T_INT, "120", 1, 3600, NULL, OFF(generate_timeout), 1 },
	{ "IG_PROVIDER_TIMEOUT", T_INT, "300", 1, 3600, NULL, OFF(provider_timeout), 1 },
	{ "IG_JOB_LEASE", T_INT, "30", 5, 3600, NULL, OFF(job_lease), 1 },
	{ "IG_RUNNER_CONCURRENCY", T_INT, "16", 1, 1024, NULL, OFF(runner_concurrency), 1 },
	{ "IG_RUNNER_THREADS", T_INT, "2", 1, 64, NULL, OFF(runner_threads), 1 },
	{ "IG_MAX_IMAGE_PIXELS", T_INT, "16777216", 4096, 268435456, NULL, OFF(max_image_pixels), 1 },
	/* A CJK-capable font for watermarks (Debian's fonts-wqy-microhei). */
	{ "IG_FONT_PATH", T_STRING, "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, 0, NULL,
	    OFF(font_path), 1 },
	{ "IG_BATCH_MAX_PROMPTS", T_INT, "500", 1, 100000, NULL, OFF(batch_max_prompts), 1 },
	{ "IG_BATCH_MAX_QUEUED", T_INT, "2000", 1, 10000000, NULL, OFF(batch_max_queued), 1 },
	{ "IG_MAX_DOWNLOAD", T_INT, "52428800", 65536, 1073741824, NULL, OFF(max_download), 1 },
	/* One uploaded file; its route takes this plus IG_UPLOAD_OVERHEAD
	 * (app/fcgi/routes.h), which must stay under nginx's 64 MB
	 * client_max_body_size: 64 MiB - 64 KiB at most. */
	{ "IG_MAX_UPLOAD", T_INT, "20971520", 1024, 67043328, NULL, OFF(max_upload), 1 },
	/* Stored files (lib/store/files.c, API.md "Storage"): the object
	 * store they live in, its directory when local, and what each user
	 * may keep (1 GiB by default, 1 TiB at most). */
	{ "IG_STORAGE_BACKEND", T_ENUM, "local", 0, 0, storage_backends, OFF(storage_backend), 1 },
	{ "IG_STORAGE_DIR", T_STRING, "{var}/files", 0, 0, NULL, OFF(storage_dir), 1 },
	{ "IG_STORAGE_QUOTA_BYTES", T_INT, "1073741824", 0, 1099511627776, NULL, OFF(storage_quota_bytes), 1 },
	/* Batch webhooks: hosts exempt from the address rule (the tests'
	 * loopback receiver), and how many sends before a delivery is given up. */
	{ "IG_WEBHOOK_ALLOW_HOSTS", T_STRING, "", 0, 0, NULL, OFF(webhook_allow_hosts), 0 },
	{ "IG_WEBHOOK_MAX_ATTEMPTS", T_INT, "8", 1, 100, NULL, OFF(webhook_max_attempts), 1 },
	/* Who may spend the server's own provider keys, and how much a
	 * non-admin may per UTC day with "users" (0: none of that kind);
	 * lib/jobs/serverkey.h. */
	{ "IG_SERVER_KEYS", T_ENUM, "admins", 0, 0, server_key_users, OFF(server_keys), 1 },
	{ "IG_SERVER_KEY_DAILY_IMAGES", T_INT, "50", 0, 1000000, NULL, OFF(server_key_daily_images), 1 },
	{ "IG_SERVER_KEY_DAILY_CHATS", T_INT, "100", 0, 1000000, NULL, OFF(server_key_daily_chats), 1 },
	/* The S3 object store (lib/store/s3.c); a part is 5 MiB at least
	 * (S3's smallest but the last), and 10000 parts at most. */
	{ "IG_S3_ENDPOINT", T_STRING, "", 0, 0, NULL, OFF(s3_endpoint), 0 },
	{ "IG_S3_REGION", T_STRING, "us-east-1", 0, 0, NULL, OFF(s3_region), 1 },
	{ "IG_S3_BUCKET", T_STRING, "", 0, 0, NULL, OFF(s3_bucket), 0 },
	{ "IG_S3_ACCESS_KEY", T_STRING, "", 0, 0, NULL, OFF(s3_access_key), 0 },
	{ "IG_S3_SECRET_KEY", T_SECRET, "", 1, 4096, NULL, OFF(s3_secret_key), 0 },
	{ "IG_S3_PATH_STYLE", T_INT, "1", 0, 1, NULL, OFF(s3_path_style), 1 },
	{ "IG_S3_TIMEOUT", T_INT, "30", 1, 3600, NULL, OFF(s3_timeout), 1 },
	{ "IG_S3_RETRIES", T_INT, "4", 0, 20, NULL, OFF(s3_retries), 1 },
	{ "IG_S3_MULTIPART_THRESHOLD", T_INT, "16777216", 5242880, 5368709120, NULL, OFF(s3_multipart_threshold), 1 },
	{ "IG_S3_PART_SIZE", T_INT, "8388608", 5242880, 5368709120, NULL, OFF(s3_part_size), 1 },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static ig_config cfg;

/* The T_INT settings held in a long rather than an int. */
static int
is_long(const setting *s)
{
	return s->offset == OFF(max_body) || s->offset == OFF(max_image_pixels) ||
	    s->offset == OFF(max_download) || s->offset == OFF(max_upload) ||
	    s->offset == OFF(s3_multipart_threshold) || s->offset == OFF(s3_part_size) ||
	    s->offset == OFF(storage_quota_bytes);
}

const ig_config *
ig_cfg(void)
{
	return &cfg;
}

static char *
expand_default(const char *def)
{
	if (strncmp(def, "{var}", 5) == 0)
		return ig_xasprintf("%s%s", cfg.var_dir, def + 5);
	if (strcmp(def, "{cwd}") == 0) {
		char *cwd = getcwd(NULL, 0);
		return cwd ? cwd : ig_xstrdup(".");
	}
	return ig_xstrdup(def);
}

static int
set_one(const setting *s, const char *val, char *err, size_t errlen)
{
	char *base = (char *)&cfg + s->offset;
	int64_t v;

	switch (s->type) {
	case T_STRING:
		if (s->nonempty && *val == '\0') {
			snprintf(err, errlen, "%s: must not be empty", s->name);
			return -1;
		}
		*(char **)base = ig_xstrdup(val);
		return 0;
	case T_SECRET:
		if (*val != '\0' && (strlen(val) < (size_t)s->min || strlen(val) > (size_t)s->max)) {
			snprintf(err, errlen, "%s: must be at least %lld bytes long", s->name, (long long)s->min);
			return -1;
		}
		*(char **)base = ig_xstrdup(val);
		return 0;
	case T_HEXKEY: {
		unsigned char *key = (unsigned char *)base;
		size_t n = strlen(val);
		if (n == 0)
			return 0;
		if (n != (size_t)s->min * 2) {
			snprintf(err, errlen, "%s: must be exactly %lld hex digits (%lld bytes)",
			    s->name, (long long)s->min * 2, (long long)s->min);
			return -1;
		}
		for (size_t i = 0; i < n; i += 2) {
			unsigned byte;
			if (!isxdigit((unsigned char)val[i]) || !isxdigit((unsigned char)val[i + 1]) ||
			    sscanf(val + i, "%2x", &byte) != 1) {
				snprintf(err, errlen, "%s: must be hex digits only", s->name);
				return -1;
			}
			key[i / 2] = (unsigned char)byte;
		}
		cfg.secret_key_set = 1;
		return 0;
	}
	case T_ENUM:
		for (const char *const *p = s->values; *p; p++) {
			if (strcmp(*p, val) == 0) {
				*(char **)base = ig_xstrdup(val);
				return 0;
			}
		}
		snprintf(err, errlen, "%s: \"%.64s\" is not one of the allowed values", s->name, val);
		return -1;
	case T_OCTAL: {
		char *end;
		long o = strtol(val, &end, 8);
		if (*val == '\0' || *end != '\0' || o < s->min || o > s->max) {
			snprintf(err, errlen, "%s: must be an octal file mode between %llo and %llo (got \"%.64s\")",
			    s->name, (unsigned long long)s->min, (unsigned long long)s->max, val);
			return -1;
		}
		*(int *)base = (int)o;
		return 0;
	}
	case T_INT:
		if (ig_parse_int64(val, s->min, s->max, &v) != 0) {
			snprintf(err, errlen, "%s: must be an integer between %lld and %lld (got \"%.64s\")",
			    s->name, (long long)s->min, (long long)s->max, val);
			return -1;
		}
		if (is_long(s))
			*(long *)base = (long)v;
		else
			*(int *)base = (int)v;
		return 0;
	}
	return -1;
}

static void
free_strings(void)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == T_STRING || settings[i].type == T_ENUM ||
		    settings[i].type == T_SECRET) {
			char **p = (char **)((char *)&cfg + settings[i].offset);
			if (*p != NULL && settings[i].type == T_SECRET)
				sodium_memzero(*p, strlen(*p));
			free(*p);
			*p = NULL;
		}
	}
}

int
ig_config_load(char *err, size_t errlen)
{
	free_strings();
	sodium_memzero(&cfg, sizeof(cfg));
	for (size_t i = 0; i < NSETTINGS; i++) {
		const setting *s = &settings[i];
		const char *env = getenv(s->name);
		int rc;

		if (env != NULL) {
			rc = set_one(s, env, err, errlen);
		} else {
			char *def = expand_default(s->def);
			rc = set_one(s, def, err, errlen);
			free(def);
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* What a masked secret prints as. */
#define MASK "****"

/* 1 when a URI query parameter or libpq keyword of n bytes names a secret:
 * "password", "sslpassword", "passfile", "api_key", "token", "secret"…
 * Masking a harmless one (sslkey is a path) costs nothing. */
static int
names_secret(const char *name, size_t n)
{
	static const char *const words[] = { "pass", "secret", "token", "key", NULL };

	for (const char *const *w = words; *w; w++) {
		size_t wl = strlen(*w);
		for (size_t i = 0; i + wl <= n; i++)
			if (strncasecmp(name + i, *w, wl) == 0)
				return 1;
	}
	return 0;
}

/* scheme://user:pass@host/path?query#fragment (RFC 3986 §3): the password
 * of the userinfo and the value of every query parameter that names a
 * secret become MASK. The userinfo ends at the last '@' before the query, so
 * a password holding an unencoded '@' or '/' is still covered. */
static void
mask_uri(const char *v, ig_buf *out)
{
	const char *auth = strstr(v, "://") + 3, *at = NULL, *p;
	size_t region = strcspn(auth, "?#");

	ig_buf_append(out, v, (size_t)(auth - v));
	for (p = auth; p < auth + region; p++)
		if (*p == '@')
			at = p;
	p = auth;
	if (at != NULL) {
		const char *colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL) {
			ig_buf_append(out, auth, (size_t)(colon + 1 - auth));
			ig_buf_puts(out, MASK);
			p = at;
		}
	}
	ig_buf_append(out, p, (size_t)(auth + region - p));
	p = auth + region;
	if (*p == '?') {
		ig_buf_append(out, "?", 1);
		p++;
		while (*p != '\0' && *p != '#') {
			size_t seg = strcspn(p, "&#"), name = strcspn(p, "=&#");
			if (name < seg && names_secret(p, name)) {
				ig_buf_append(out, p, name + 1);
				ig_buf_puts(out, MASK);
			} else {
				ig_buf_append(out, p, seg);
			}
			p += seg;
			if (*p == '&') {
				ig_buf_append(out, "&", 1);
				p++;
			}
		}
	}
	ig_buf_puts(out, p);
}

/* libpq's keyword = value form (PostgreSQL docs, "Connection Strings"):
 * values are bare words or single-quoted with backslash escapes. A value
 * whose keyword names a secret becomes MASK. -1 when v is not in that form. */
static int
mask_conninfo(const char *v, ig_buf *out)
{
	static const char ws[] = " \t\n\r\f\v";
	const char *p = v;

	while (*p != '\0') {
		const char *key, *val;
		size_t n = strspn(p, ws), klen;

		ig_buf_append(out, p, n);
		p += n;
		if (*p == '\0')
			break;
		key = p;
		klen = strcspn(p, "= \t\n\r\f\v");
		p += klen;
		n = strspn(p, ws);
		p += n;
		if (klen == 0 || *p != '=')
			return -1;
		p++;
		p += strspn(p, ws);
		val = p;
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p != '\'')
				return -1;
			p++;
		} else {
			for (; *p != '\0' && strchr(ws, *p) == NULL; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
		}
		ig_buf_append(out, key, klen);
		ig_buf_append(out, "=", 1);
		if (names_secret(key, klen))
			ig_buf_puts(out, MASK);
		else
			ig_buf_append(out, val, (size_t)(p - val));
	}
	return 0;
}

char *
ig_config_mask(const char *value)
{
	ig_buf out = { 0 };

	if (strstr(value, "://") != NULL) {
		mask_uri(value, &out);
	} else if (strchr(value, '=') == NULL) {
		ig_buf_puts(&out, value);
	} else if (mask_conninfo(value, &out) != 0) {
		/* Neither form: show it only when it cannot hold a secret. */
		ig_buf_free(&out);
		memset(&out, 0, sizeof(out));
		ig_buf_puts(&out, names_secret(value, strlen(value)) ? "(set, not shown)" : value);
	}
	ig_buf_append(&out, "", 0);
	return out.data;
}

void
ig_config_dump(void)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const setting *s = &settings[i];
		const char *base = (const char *)&cfg + s->offset;
		char *masked;

		switch (s->type) {
		case T_SECRET:
			printf("%s=%s\n", s->name, **(char *const *)base ? "(set)" : "(not set)");
			break;
		case T_HEXKEY:
			printf("%s=%s\n", s->name, cfg.secret_key_set ? "(set)" : "(not set)");
			break;
		case T_STRING:
			/* URLs may hold passwords (IG_DATABASE_URL in either libpq
			 * form, IG_SMTP_URL's userinfo): print them masked. */
			masked = ig_config_mask(*(char *const *)base);
			printf("%s=%s\n", s->name, masked);
			free(masked);
			break;
		case T_ENUM:
			printf("%s=%s\n", s->name, *(char *const *)base);
			break;
		case T_OCTAL:
			printf("%s=%04o\n", s->name, (unsigned)*(const int *)base);
			break;
		case T_INT:
			if (is_long(s))
				printf("%s=%ld\n", s->name, *(const long *)base);
			else
				printf("%s=%d\n", s->name, *(const int *)base);
			break;
		}
	}
}

int
ig_config_start(const char *program)
{
	char err[512];

	ig_log_set_program(program);
	if (ig_config_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: configuration error: %s\n", program, err);
		return -1;
	}
	ig_log_set_level((ig_log_level)ig_log_level_parse(ig_cfg()->log_level));
	return 0;
}

int
ig_daemon_args(const char *program, int argc, char **argv, void (*usage)(FILE *f))
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", program, PACKAGE_VERSION);
			return 0;
		}
		fprintf(stderr, "%s: unknown argument %s\n", program, argv[i]);
		usage(stderr);
		return 2;
	}
	return -1;
}
