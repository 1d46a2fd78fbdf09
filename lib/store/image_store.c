/* image_store.c — see image_store.h. */
#include "ig_autoconf.h"

#include "lib/store/image_store.h"

ig_store *
ig_images_store(ig_err *err)
{
	return ig_store_of(IG_STORE_IMAGES, err);
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
