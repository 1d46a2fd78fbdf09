/*
 * images.h — the images table (migrations 003_generation.sql and 014_gallery.sql): one row per
 * stored image, added by the runner's image store (lib/jobs/store.c) and
 * read as structs. Its statements live in images.c (a batch's listing and
 * archive join them to their jobs in lib/jobs/batch.c).
 */
#ifndef IG_GALLERY_IMAGES_H
#define IG_GALLERY_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core/error.h"

/* An image as its row holds it. */
typedef struct ig_image {
	char id[37];
	char user_id[37];         /* "" when anonymous */
	char job_id[37];          /* "" when its job is gone */
	int idx;                  /* its place among its job's images, from 0 */
	char filename[256];       /* under IG_IMAGE_DIR, served at /generated_images/ */
	char provider[32];
	char model[128];
	int width, height;
	int has_seed;
	int64_t seed;
	char mime_type[32];
	char created_at[32];      /* RFC 3339, UTC, milliseconds */
} ig_image;

/* The image with this id: 1 with *out filled, 0 when there is none (id
 * malformed or unknown), -1 with err. */
int ig_image_get(const char *id, ig_image *out, ig_err *err);

/* The images of job_id in their order (idx): *out (the caller frees; NULL
 * when none) and *n. 0 or -1 with err. */
int ig_images_of_job(const char *job_id, ig_image **out, int *n, ig_err *err);

/* A new image's row: what ig_image_add writes. */
typedef struct ig_image_new {
	const char *user_id;      /* NULL when anonymous */
	const char *job_id;
	int idx;
	const char *filename;
	const char *prompt, *negative_prompt;   /* negative_prompt may be NULL */
	const char *provider, *model;
	int width, height;
	int has_seed;
	int64_t seed;
	size_t size_bytes;
	const char *sha256;       /* hex of the stored bytes */
	const char *mime_type;
	const char *cache_key;    /* NULL when none */
} ig_image_new;

/* Add the row of a stored image, without a thumbnail: 1 when added, 0 when
 * its job already has an image at idx (a job re-run after a lost lease; the
 * first stays), -1 with err. */
int ig_image_add(const ig_image_new *im, ig_err *err);

/* Record the thumbnail (a file name beside it) of the image stored as
 * filename. 0 or -1 with err. */
int ig_image_set_thumbnail(const char *filename, const char *thumbnail, ig_err *err);

#endif
