/*
 * store.h — the object store (DESIGN.md "Images are objects"): one
 * interface over two backends, `local` (a directory; atomic writes:
 * temporary file, fsync, rename, fsync of the directory) and `s3` (any
 * S3-compatible endpoint — AWS, MinIO, Ceph, R2, moto — signed with
 * libcurl's CURLOPT_AWS_SIGV4, path-style or virtual-host style, multipart
 * upload for large objects, retries with back-off on 5xx and SlowDown).
 *
 * A store is a backend plus a namespace: a directory under which keys are
 * files (local), or a key prefix in IG_S3_BUCKET (s3). Generated images use
 * the store IG_IMAGE_BACKEND names, stored files the one
 * IG_STORAGE_BACKEND names (lib/store/files.c). Keys are
 * [A-Za-z0-9._-] segments joined by '/', never "." or "..", at most 512
 * bytes: a key never escapes its namespace, and a user's file name never
 * becomes a key.
 *
 * Every object carries its SHA-256 (hex; x-amz-meta-sha256 on S3, beside it
 * for local) and content type. All functions are safe to call from several
 * threads at once on one store.
 */
#ifndef IG_STORE_STORE_H
#define IG_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core/error.h"

#define IG_STORE_KEY_MAX 512

typedef enum ig_store_kind {
	IG_STORE_LOCAL,
	IG_STORE_S3,
} ig_store_kind;

/* Where an S3 store lives: IG_S3_ENDPOINT, IG_S3_REGION, IG_S3_BUCKET,
 * IG_S3_ACCESS_KEY, IG_S3_SECRET_KEY, IG_S3_PATH_STYLE. */
typedef struct ig_store_s3 {
	const char *endpoint;      /* e.g. https://s3.eu-west-1.amazonaws.com, http://127.0.0.1:9000 */
	const char *region;
	const char *bucket;
	const char *access_key, *secret_key;
	int path_style;            /* 1: endpoint/bucket/key; 0: bucket.endpoint-host/key */
	/* The Cache-Control every object is written with (NULL: none). S3
	 * keeps it with the object and answers it on every GET, presigned
	 * ones included, also from a server that ignores a presigned URL's
	 * response-cache-control (moto). Local stores have none: nginx's
	 * configuration says what their files are sent with. */
	const char *cache_control;
} ig_store_s3;

typedef struct ig_store ig_store;

/* An object as the store describes it. */
typedef struct ig_store_obj {
	int64_t size;
	char sha256[65];           /* hex; "" when the object has none recorded */
	char content_type[128];
	char cache_control[128];   /* the object's Cache-Control; "" when none (always, for local) */
} ig_store_obj;

/* A store of kind: local under directory root (created if missing), or s3
 * under key prefix root ("" for the bucket's top) with s3's settings
 * (copied). NULL with err when the settings are unusable (a missing
 * bucket name, an unreadable directory). */
ig_store *ig_store_new(ig_store_kind kind, const char *root, const ig_store_s3 *s3, ig_err *err);
/* A local store under dir whose objects carry no sidecar: the generated
 * images' directory (lib/store/image_store.h), whose layout predates the store
 * (one file per image, nothing beside it) and which nginx serves as it is.
 * Its head reports sha256 and content type "" (the images table has both). */
ig_store *ig_store_new_plain(const char *dir, ig_err *err);

/* The stores the settings give: the generated images' (IG_IMAGE_BACKEND,
 * lib/store/image_store.h) and the stored files' (IG_STORAGE_BACKEND,
 * lib/store/files.h). */
typedef enum ig_store_use { IG_STORE_IMAGES, IG_STORE_FILES } ig_store_use;

/*
 * The store of use, opened on its first use and kept for the process: s3
 * (IG_S3_*) under the use's key prefix when its backend setting says "s3",
 * else local under its directory. A store that cannot be opened is
 * logged, tried again on the next call, and NULL with err (unavailable,
 * "the image store is unavailable").
 */
ig_store *ig_store_of(ig_store_use use, ig_err *err);
void ig_store_free(ig_store *st);
ig_store_kind ig_store_kind_of(const ig_store *st);
/* "local" or "s3", as API answers name the backend. */
const char *ig_store_backend_name(const ig_store *st);

/* 1 when key is a valid key (above), else 0. */
int ig_store_key_ok(const char *key);

/* Store len bytes under key (replacing what was there) with content_type;
 * sha256_out (may be NULL) gets their hex digest. All or nothing: a
 * failed put leaves no object. 0, or -1 with err (507 when the local disk
 * is full, 503 when the object store refuses or cannot be reached after
 * its retries). */
int ig_store_put(ig_store *st, const char *key, const unsigned char *data, size_t len, const char *content_type,
    char sha256_out[65], ig_err *err);

/* The same from the open file fd (len bytes from its current offset),
 * read in parts: an object larger than the multipart threshold goes to S3
 * as a multipart upload and never whole into memory. */
int ig_store_put_fd(ig_store *st, const char *key, int fd, size_t len, const char *content_type,
    char sha256_out[65], ig_err *err);

/* The bytes under key, at most max (a larger object is an error, 413):
 * *data (the caller frees) and *len. 1, 0 when there is no such object,
 * -1 with err. */
int ig_store_get(ig_store *st, const char *key, size_t max, unsigned char **data, size_t *len, ig_err *err);

/* What is under key: 1 with *out, 0 when nothing, -1 with err. */
int ig_store_head(ig_store *st, const char *key, ig_store_obj *out, ig_err *err);

/* Remove key; a key already gone is not an error. 0, or -1 with err. */
int ig_store_delete(ig_store *st, const char *key, ig_err *err);

/* What a presigned GET's answer says instead of the object's own headers
 * (S3's response-* overrides, signed into the URL); NULL: the object's. */
typedef struct ig_store_reply {
	const char *disposition;          /* Content-Disposition */
	const char *cache_control;        /* Cache-Control */
} ig_store_reply;

/* For s3: a presigned GET URL of key valid for expires_s seconds, whose
 * answer carries the headers of reply (NULL: none overridden), into *url
 * (the caller frees). For local: the key's path under the store's root,
 * for nginx's X-Accel-Redirect. 0, or -1 with err. */
int ig_store_locate(ig_store *st, const char *key, long expires_s, const ig_store_reply *reply, char **url,
    ig_err *err);

#endif
