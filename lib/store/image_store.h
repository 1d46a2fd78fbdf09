/*
 * image_store.h — the image object store (DESIGN.md "Images are objects"):
 * every generated image, upload and thumbnail is written, read and removed
 * through it. IG_IMAGE_BACKEND names its backend: `local` (default) is
 * IG_IMAGE_DIR as it always was — one file per image, named by the image's
 * file name, no sidecar (ig_store_new_plain) — and nginx serves it at
 * /generated_images/; `s3` is the prefix "images/" of IG_S3_BUCKET, and
 * /generated_images/{name} is answered by the app with a 302 to a
 * presigned URL (app/api/image_files.c). The key of an image is its file
 * name (images.filename, images.thumbnail), one segment.
 */
#ifndef IG_STORE_IMAGE_STORE_H
#define IG_STORE_IMAGE_STORE_H

#include "lib/core/error.h"
#include "lib/store/store.h"

/* A guard on reading an image back whole (a source of a creative tool or
 * of process, the metadata of a PNG, a batch ZIP's entry, a copy to
 * storage): far above any image IG_MAX_IMAGE_PIXELS lets in. */
#define IG_IMAGE_READ_MAX ((size_t)256 << 20)

/* How long the presigned URL of an image on s3 lasts
 * (app/api/image_files.c), and the Cache-Control its bytes are answered
 * with. An image's name is never reused for other bytes, so a copy is good
 * for as long as anyone can hold that URL: its life. Not nginx's year for
 * the files of IG_IMAGE_DIR (nginx/imagegen.conf.template): a client that
 * asks /generated_images/ again after the redirect's 300 seconds gets a
 * new URL (a new cache key), so a longer max-age would gain nothing and
 * only keep a deleted image in caches longer. public: the route is public
 * and the name the only secret, as for the local files. Written on each
 * object (lib/store/store.c; S3 answers it on every GET) and signed into
 * each URL as S3's response-cache-control, so a server that honours that
 * override and one that ignores it (moto) answer the same. */
#define IG_IMAGE_URL_TTL 600
#define IG_IMAGE_STR_(x) #x
#define IG_IMAGE_STR(x) IG_IMAGE_STR_(x)
#define IG_IMAGE_CACHE_CONTROL "public, max-age=" IG_IMAGE_STR(IG_IMAGE_URL_TTL) ", immutable"

/* The process's image store, made on first use (thread-safe). NULL with
 * err (503) when it cannot be opened. */
ig_store *ig_images_store(ig_err *err);

/* Read image (or thumbnail) name whole, at most max bytes: 1 with *data
 * (the caller frees) and *len, 0 when there is no such object, -1 with err
 * (413 when it is larger). */
int ig_images_get(const char *name, size_t max, unsigned char **data, size_t *len, ig_err *err);

/* Remove image (or thumbnail) name; one already gone is fine. 0 or -1. */
int ig_images_delete(const char *name, ig_err *err);

#endif
