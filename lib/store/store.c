/* store.c — see store.h: key checks and dispatch to the backend. */
#include "ig_autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/store/image_store.h"
#include "lib/store/store_impl.h"

int
ig_store_key_ok(const char *key)
{
	size_t n = key != NULL ? strlen(key) : 0, seg = 0;

	if (n == 0 || n > IG_STORE_KEY_MAX)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		char c = key[i];

		if (c == '/' || c == '\0') {
			/* An empty, "." or ".." segment (a leading, doubled or
			 * trailing '/' included) would leave the namespace. */
			if (seg == 0 || (seg == 1 && key[i - 1] == '.') ||
			    (seg == 2 && key[i - 1] == '.' && key[i - 2] == '.'))
				return 0;
			seg = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '_' || c == '-'))
			return 0;
		seg++;
	}
	return 1;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

ig_store *
ig_store_new(ig_store_kind kind, const char *root, const ig_store_s3 *s3, ig_err *err)
{
	ig_store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	st->kind = kind;
	st->ops = kind == IG_STORE_S3 ? &ig_store_s3_ops : &ig_store_local_ops;
	st->root = strdup(root != NULL ? root : "");
	if (kind == IG_STORE_S3 && s3 != NULL) {
		st->s3.endpoint = dup_or_null(s3->endpoint);
		st->s3.region = dup_or_null(s3->region);
		st->s3.bucket = dup_or_null(s3->bucket);
		st->s3.access_key = dup_or_null(s3->access_key);
		st->s3.secret_key = dup_or_null(s3->secret_key);
		st->s3.path_style = s3->path_style;
		st->s3.cache_control = dup_or_null(s3->cache_control);
	}
	if (st->root == NULL || st->ops->open(st, err) != 0) {
		if (st->root == NULL)
			ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
		st->ops = NULL;
		ig_store_free(st);
		return NULL;
	}
	return st;
}

ig_store *
ig_store_new_plain(const char *dir, ig_err *err)
{
	ig_store *st;

	/* 0755 as the app always made it: nginx reads it. */
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		ig_logf(IG_LOG_WARN, "image_dir_missing", "cannot create IG_IMAGE_DIR %s", dir);
	st = ig_store_new(IG_STORE_LOCAL, dir, NULL, err);
	if (st != NULL)
		st->plain = 1;
	return st;
}

/* The store the settings give: s3 (IG_S3_*) under key prefix, its objects
 * written with Cache-Control cache_control (NULL: none), when s3, else
 * local under dir (plain: ig_store_new_plain). NULL with err. */
static ig_store *
configured(int s3, const char *prefix, const char *cache_control, const char *dir, int plain, ig_err *err)
{
	const ig_config *c = ig_cfg();
	ig_store_s3 conf = {
		.endpoint = c->s3_endpoint, .region = c->s3_region, .bucket = c->s3_bucket,
		.access_key = c->s3_access_key, .secret_key = c->s3_secret_key, .path_style = c->s3_path_style,
		.cache_control = cache_control,
	};

	if (s3)
		return ig_store_new(IG_STORE_S3, prefix, &conf, err);
	return plain ? ig_store_new_plain(dir, err) : ig_store_new(IG_STORE_LOCAL, dir, NULL, err);
}

/* Each use's store: the setting naming its backend (for the log), its key
 * prefix and its objects' Cache-Control under s3, whether it is plain under
 * local, the log event and the words of its failure; its lock and the
 * store once open. Stored files have no Cache-Control of their own: their
 * downloads say theirs (app/api/storage.c). */
static struct {
	const char *backend_var, *prefix, *cache_control;
	int plain;
	const char *event, *what;
	pthread_mutex_t mu;
	ig_store *st;
} uses[] = {
	[IG_STORE_IMAGES] = { "IG_IMAGE_BACKEND", "images/", IG_IMAGE_CACHE_CONTROL, 1, "image_store_unavailable", "image store",
		PTHREAD_MUTEX_INITIALIZER, NULL },
	[IG_STORE_FILES] = { "IG_STORAGE_BACKEND", "files/", NULL, 0, "storage_unavailable", "file store",
		PTHREAD_MUTEX_INITIALIZER, NULL },
};

ig_store *
ig_store_of(ig_store_use use, ig_err *err)
{
	const ig_config *c = ig_cfg();
	const char *backend = use == IG_STORE_IMAGES ? c->image_backend : c->storage_backend;
	const char *dir = use == IG_STORE_IMAGES ? c->image_dir : c->storage_dir;
	ig_store *st;

	pthread_mutex_lock(&uses[use].mu);
	if (uses[use].st == NULL) {
		uses[use].st = configured(strcmp(backend, "s3") == 0, uses[use].prefix, uses[use].cache_control, dir,
		    uses[use].plain, err);
		if (uses[use].st == NULL)
			ig_logf(IG_LOG_ERROR, uses[use].event, "%s=%s: %s", uses[use].backend_var, backend, err->message);
	}
	st = uses[use].st;
	pthread_mutex_unlock(&uses[use].mu);
	if (st == NULL)
		ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the %s is unavailable", uses[use].what);
	return st;
}

void
ig_store_free(ig_store *st)
{
	if (st == NULL)
		return;
	if (st->ops != NULL)
		st->ops->close(st);
	free(st->root);
	free((char *)st->s3.endpoint);
	free((char *)st->s3.region);
	free((char *)st->s3.bucket);
	free((char *)st->s3.cache_control);
	if (st->s3.secret_key != NULL)
		sodium_memzero((char *)st->s3.secret_key, strlen(st->s3.secret_key));
	free((char *)st->s3.access_key);
	free((char *)st->s3.secret_key);
	free(st);
}

ig_store_kind
ig_store_kind_of(const ig_store *st)
{
	return st->kind;
}

const char *
ig_store_backend_name(const ig_store *st)
{
	return st->ops->name;
}

/* The checks every call shares: a valid key. */
static int
key_check(const char *key, ig_err *err)
{
	if (ig_store_key_ok(key))
		return 0;
	ig_err_set(err, IG_E_INTERNAL, NULL, "object store: invalid key");
	return -1;
}

int
ig_store_put(ig_store *st, const char *key, const unsigned char *data, size_t len, const char *content_type,
    char sha256_out[65], ig_err *err)
{
	char sha[65];

	if (key_check(key, err) != 0)
		return -1;
	return st->ops->put(st, key, data, len, content_type, sha256_out != NULL ? sha256_out : sha, err);
}

int
ig_store_put_fd(ig_store *st, const char *key, int fd, size_t len, const char *content_type,
    char sha256_out[65], ig_err *err)
{
	char sha[65];

	if (key_check(key, err) != 0)
		return -1;
	return st->ops->put_fd(st, key, fd, len, content_type, sha256_out != NULL ? sha256_out : sha, err);
}

int
ig_store_get(ig_store *st, const char *key, size_t max, unsigned char **data, size_t *len, ig_err *err)
{
	*data = NULL;
	*len = 0;
	if (key_check(key, err) != 0)
		return -1;
	return st->ops->get(st, key, max, data, len, err);
}

int
ig_store_head(ig_store *st, const char *key, ig_store_obj *out, ig_err *err)
{
	memset(out, 0, sizeof(*out));
	if (key_check(key, err) != 0)
		return -1;
	return st->ops->head(st, key, out, err);
}

int
ig_store_delete(ig_store *st, const char *key, ig_err *err)
{
	if (key_check(key, err) != 0)
		return -1;
	return st->ops->del(st, key, err);
}

int
ig_store_locate(ig_store *st, const char *key, long expires_s, const ig_store_reply *reply, char **url,
    ig_err *err)
{
	*url = NULL;
	if (key_check(key, err) != 0)
		return -1;
	return st->ops->locate(st, key, expires_s, reply, url, err);
}
