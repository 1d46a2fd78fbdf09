/* image_files.c — see image_files.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "app/api/image_files.h"
#include "lib/core/util.h"
#include "lib/gallery/images.h"
#include "lib/store/image_store.h"

int
ig_api_generated_image(ig_req *req, json_object **out, ig_err *err)
{
	const char *name = ig_req_param(req, "name");
	ig_store *st = ig_images_store(err);
	char *url = NULL, *h_where;
	const char *headers[3];
	int known;

	(void)out;
	if (st == NULL)
		return IG_FAILED;
	if (ig_store_kind_of(st) != IG_STORE_S3 || name == NULL || !ig_store_key_ok(name) || strchr(name, '/') != NULL)
	{
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such image");
		return IG_FAILED;
	}
	/* Only a name of ours goes to the bucket: any other would be a 302
	 * to the store's own 404 (XML, and a signed URL for a guess). */
	if ((known = ig_image_known(name, err)) != 1) {
		if (known == 0)
			ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such image");
		return IG_FAILED;
	}
	if (ig_store_locate(st, name, IG_IMAGE_URL_TTL, &(ig_store_reply){ .cache_control = IG_IMAGE_CACHE_CONTROL },
	    &url, err) != 0)
		return IG_FAILED;
	h_where = ig_xasprintf("Location: %s", url);
	headers[0] = h_where;
	headers[1] = "Cache-Control: private, max-age=" IG_IMAGE_REDIRECT_MAX_AGE;
	headers[2] = NULL;
	ig_stream_begin(req->stream, 302, "text/plain; charset=utf-8", headers);
	free(url);
	free(h_where);
	return IG_STREAMED;
}
