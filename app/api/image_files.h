/* image_files.h — GET /generated_images/{name} when the images live on S3
 * (image_files.c; IG_IMAGE_BACKEND, lib/store/image_store.h). */
#ifndef IG_API_IMAGE_FILES_H
#define IG_API_IMAGE_FILES_H

#include "app/fcgi/http.h"

/* How long the presigned URL of an image lasts, and how long a client may
 * keep the redirect to it (well within the URL's life). The image's bytes
 * fetched through that URL say "Cache-Control: public, max-age=<the URL's
 * life>, immutable" (image_files.c). */
#define IG_IMAGE_URL_TTL 600
#define IG_IMAGE_REDIRECT_MAX_AGE "300"

/* GET /generated_images/{name} (streamed row: only headers). nginx serves
 * IG_IMAGE_DIR itself and hands the app only the names it has no file for
 * (its location's 404): with the local backend those are 404 here too;
 * with s3 the answer is a 302 to a presigned URL of the object (nginx
 * never streams it, nor does a FastCGI thread) when name is an image or a
 * thumbnail of the images table, else 404. */
int ig_api_generated_image(ig_req *req, json_object **out, ig_err *err);

#endif
