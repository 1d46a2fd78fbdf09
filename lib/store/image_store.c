/* image_store.c — see image_store.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/store/image_store.h"

static pthread_mutex_t images_mu = PTHREAD_MUTEX_INITIALIZER;
static ig_store *images_store;

ig_store *
ig_images_store(ig_err *err)
{
	const ig_config *c = ig_cfg();
	ig_store *st;

	pthread_mutex_lock(&images_mu);
	if (images_store == NULL) {
		/* 0755 as the app always made it: nginx reads it. */
		if (strcmp(c->image_backend, "s3") != 0 && mkdir(c->image_dir, 0755) != 0 && errno != EEXIST)
			ig_logf(IG_LOG_WARN, "image_dir_missing", "cannot create IG_IMAGE_DIR %s", c->image_dir);
		images_store = ig_store_configured(strcmp(c->image_backend, "s3") == 0, "images/", c->image_dir, 1,
		    err);
		if (images_store == NULL)
			ig_logf(IG_LOG_ERROR, "image_store_unavailable", "IG_IMAGE_BACKEND=%s: %s", c->image_backend,
			    err->message);
	}
	st = images_store;
	pthread_mutex_unlock(&images_mu);
	if (st == NULL)
		ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the image store is unavailable");
	return st;
}

int
ig_images_get(const char *name, size_t max, unsigned char **data, size_t *len, ig_err *err)
{
	ig_store *st = ig_images_store(err);

	*data = NULL;
	*len = 0;
	if (st == NULL)
		return -1;
	if (!ig_store_key_ok(name))
		return 0;
	return ig_store_get(st, name, max, data, len, err);
}

int
ig_images_delete(const char *name, ig_err *err)
{
	ig_store *st = ig_images_store(err);

	if (st == NULL)
		return -1;
	if (!ig_store_key_ok(name))
		return 0;
	return ig_store_delete(st, name, err);
}
