/*
 * images.h — the images table (migration 003_generation.sql): one row per
 * stored image, written by the runner (lib/jobs/store.c) and read here as
 * structs. The statements of the table's readers live in images.c.
 */
#ifndef IG_JOBS_IMAGES_H
#define IG_JOBS_IMAGES_H

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

#endif
