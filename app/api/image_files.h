/* image_files.h — GET /generated_images/{name} when the images live on S3
 * (image_files.c; IG_IMAGE_BACKEND, lib/store/image_store.h). */
#ifndef IG_API_IMAGE_FILES_H
#define IG_API_IMAGE_FILES_H

#include "app/fcgi/http.h"

/* How long a client may keep the redirect to an image's presigned URL (well
 * within the URL's life, IG_IMAGE_URL_TTL of lib/store/image_store.h, whose
 * bytes say IG_IMAGE_CACHE_CONTROL). */
#define IG_IMAGE_REDIRECT_MAX_AGE "300"

/* GET /generated_images/{name} (streamed row: only headers). nginx serves
 * IG_IMAGE_DIR itself and hands the app only the names it has no file for
 * (its location's 404): with the local backend those are 404 here too;
 * with s3 the answer is a 302 to a presigned URL of the object (nginx
 * never streams it, nor does a FastCGI thread) when name is an image or a
 * thumbnail of the images table, else 404. */
int ig_api_generated_image(ig_req *req, json_object **out, ig_err *err);

#endif
