/*
 * creative.h — the builtin creative tools (API.md "Creative tools", issue
 * 12) as jobs: POST /api/creative/{upscale,style-transfer,variations}
 * enqueue a job of the builtin provider whose request carries a
 * "creative" member (ig_creative_request); the runner (app/runner/main.c)
 * sees it (ig_creative_parse) and runs it on a pool thread: the caller's
 * source image decoded, the operation of lib/imaging/ops.h applied, the
 * results stored with lineage (ig_store_own: parent_id the source,
 * operation upscale | style-transfer | variation, job_id and idx this job
 * and the result's place) so the request answers from ig_images_of_job.
 * A workflow's process step is such a job too (operation process): the
 * chain of lib/imaging/chain.c applied to the source, the result in the
 * format of its last convert (else the source's), as POST
 * /api/image/process stores it.
 * A variation of a builtin generation is instead a builtin render of the
 * source's prompt with new seeds (render set): the runner renders it with
 * the provider's local function and stores the bytes here.
 */
#ifndef IG_JOBS_CREATIVE_H
#define IG_JOBS_CREATIVE_H

#include <stddef.h>
#include <stdint.h>

#include <gd.h>
#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/imaging/png.h"
#include "lib/jobs/queue.h"

/* Most variations one request makes. */
#define IG_CREATIVE_VARIATIONS_MAX 4
/* Most operations in one process chain (POST /api/image/process's limit). */
#define IG_CREATIVE_PROCESS_MAX_OPS 10

typedef struct ig_creative {
	const char *operation;    /* "upscale", "style-transfer", "variation" or "process" */
	const char *image_id;     /* the source, one of the job's user's images */
	int scale;                /* upscale: 2 or 4 */
	const char *method;       /* upscale: "lanczos" or "bicubic" */
	const char *style;        /* style-transfer: a builtin style */
	double strength;          /* style-transfer: 0–1; an AI variation's image-to-image strength */
	int count;                /* variation: 1–IG_CREATIVE_VARIATIONS_MAX */
	int64_t seed;             /* variation: result i uses seed + i */
	int render;               /* variation: re-render the source's prompt */
	json_object *operations;  /* process (a workflow's step): POST /api/image/process's
	                           * operations, checked by its route (borrowed) */
	const char *title;        /* process: the result's title, or NULL */
	const char *provider;     /* API side only: an AI path's provider, or NULL (builtin) */
	const char *model;        /* API side only: that provider's model for the job */
	const char *prompt;       /* API side only: an AI path's prompt (the job's prompt) */
	const char *size;         /* API side only: an AI path's output "WxH", or NULL (the source's) */
} ig_creative;

/* The bytes of image id (one of user_id's: 404 naming image_id otherwise)
 * into *buf (caller frees), its media type into *type (a constant), for an
 * AI path's request. 0, or -1 with err. */
int ig_creative_read(const char *id, const char *user_id, unsigned char **buf, size_t *len,
    const char **type, ig_err *err);

/* c as the job request's "creative" member (a new object). */
json_object *ig_creative_request(const ig_creative *c);

/* The creative member of a job's request into *c (strings borrowed from
 * request): 1 when the job is a creative tool's, 0 when not. */
int ig_creative_parse(json_object *request, ig_creative *c);

/* The image id when it is user_id's, decoded into *img with its format:
 * 0, or -1 with err (not_found naming image_id when it is not user_id's
 * or gone; unavailable or internal when it cannot be read or decoded). */
int ig_creative_load(const char *id, const char *user_id, long max_pixels,
    gdImagePtr *img, ig_img_format *fmt, ig_err *err);

/* Store result idx of job (bytes of a PNG, JPEG or WebP) with c's lineage.
 * 0 (also when a first run of the job stored it, or the source went
 * meanwhile: ig_creative_finish tells), or -1 with err. */
int ig_creative_store(const ig_job *job, const ig_creative *c, int idx, const unsigned char *data, size_t len,
    long max_pixels, ig_err *err);

/* Run a transform job (not render): decode the source, apply c, encode in
 * the source's format, store each result. 0, or -1 with err. */
int ig_creative_transform(const ig_job *job, const ig_creative *c, long max_pixels,
    ig_err *err);

/* After the results were stored: 0 when job has all n of them, else -1
 * with err (not_found: the source was deleted while the job ran). */
int ig_creative_finish(const ig_job *job, int n, ig_err *err);

#endif
