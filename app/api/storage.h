/* storage.h — the Storage routes of API.md (storage.c): stored files of
 * any type in the object store IG_STORAGE_BACKEND names. */
#ifndef IG_API_STORAGE_H
#define IG_API_STORAGE_H

#include "app/fcgi/http.h"

/* POST /api/storage/upload: multipart/form-data with a `file` part, or
 * JSON {image_id} copying one of the caller's gallery images. */
int ig_api_storage_upload(ig_req *req, json_object **out, ig_err *err);
/* GET /api/storage/download/{file_id} (streamed row: the answer is only
 * headers, X-Accel-Redirect for local files, a redirect for S3). */
int ig_api_storage_download(ig_req *req, json_object **out, ig_err *err);
/* DELETE /api/storage/delete/{file_id} */
int ig_api_storage_delete(ig_req *req, json_object **out, ig_err *err);
/* GET /api/storage/files?limit=&cursor= */
int ig_api_storage_list(ig_req *req, json_object **out, ig_err *err);

/* The Content-Disposition value of an attachment named name (UTF-8):
 * RFC 6266's attachment; filename="ASCII fallback" with every character
 * that is not printable ASCII, and '"', '\\', '%', '/', replaced by '_'
 * (a leading '.' too), then filename*=UTF-8''percent-encoded when the
 * name needed any of that; control characters, '/' and '\\' never reach
 * either form. Malloc'ed. */
char *ig_storage_disposition(const char *name);

#endif
