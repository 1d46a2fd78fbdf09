/* image_files.c — see image_files.h. */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "app/api/image_files.h"
#include "lib/core/util.h"
#include "lib/gallery/images.h"
#include "lib/store/image_store.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* What the object's answer says through the presigned URL (S3's
 * response-cache-control, signed into it). An image's name is never
 * reused for other bytes, so a copy is good as long as anyone can hold
 * this URL: its life. A cache may keep the copy longer than the URL can be
 * fetched, which is harmless for bytes that never change; a longer max-age
 * would gain nothing, since a client that asks /generated_images/ again
 * after the redirect's 300 seconds gets a new URL (a new cache key), and
 * would only keep a deleted image in caches longer. public: the route is
 * public and the name the only secret, as for the local files. */
#define IMAGE_CACHE_CONTROL "public, max-age=" STR(IG_IMAGE_URL_TTL) ", immutable"

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
	if (ig_store_locate(st, name, IG_IMAGE_URL_TTL, &(ig_store_reply){ .cache_control = IMAGE_CACHE_CONTROL },
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
