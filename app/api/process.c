/*
 * process.c — POST /api/image/process (API.md "Images, gallery and
 * files"; issue 12): {image_id, operations: [...], title?} makes a new
 * gallery image from one of the caller's, with parent_id the source and
 * operation `process`; the source is never changed.
 *
 * Each operation is an object whose `op` chooses the table its parameters
 * are read by (declared fields, errors naming "operations[2].width"); all
 * of them are read before any pixel is touched, then applied in order with
 * ig_img_apply_ops (lib/imaging/chain.c, which a workflow's process step
 * runs too), whose own refusals (a crop outside the image, an
 * output over IG_MAX_IMAGE_PIXELS) get the same prefix. The output keeps
 * the source's format unless a `convert` says otherwise (the last one
 * wins). Synchronous: a 5-operation chain on a 1024×1024 image takes tens
 * of milliseconds (scripts/bench).
 */
#include "ig_autoconf.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/gallery/images.h"
#include "lib/imaging/ops.h"
#include "lib/jobs/creative.h"
#include "lib/jobs/store.h"

/* Operations in one request. */
#define PROCESS_MAX_OPS IG_CREATIVE_PROCESS_MAX_OPS

static const char *const op_names[] = { "resize", "crop", "rotate", "flip", "filter", "watermark", "convert",
	NULL };
static const char *const fits[] = { "contain", "cover", "fill", NULL };
static const char *const directions[] = { "horizontal", "vertical", NULL };
static const char *const filters[] = { "grayscale", "sepia", "blur", "sharpen", "invert", "brightness", "contrast",
	"emboss", "edge", "pixelate", NULL };
static const char *const positions[] = { "top-left", "top", "top-right", "left", "center", "right", "bottom-left",
	"bottom", "bottom-right", NULL };
static const char *const formats[] = { "png", "jpeg", "webp", NULL };

static int
check_quality(void *dst, ig_err *err)
{
	if (strcmp(((ig_img_op *)dst)->format, "png") == 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "quality", "quality applies to jpeg and webp only");
	return 0;
}

#define OP_ROW { "op", IG_F_ENUM, IG_F_REQUIRED, 0, 0, .values = op_names, .at = IG_AT(ig_img_op, op) }

static const ig_field resize_fields[] = {
	OP_ROW,
	{ "width", IG_F_INT, 0, 1, 65535, .at = IG_AT(ig_img_op, width) },
	{ "height", IG_F_INT, 0, 1, 65535, .at = IG_AT(ig_img_op, height) },
	{ "fit", IG_F_ENUM, 0, 0, 0, .values = fits, .at = IG_AT(ig_img_op, fit) },
	IG_FIELDS_END
};
static const ig_field crop_fields[] = {
	OP_ROW,
	{ "x", IG_F_INT, IG_F_REQUIRED, 0, 65535, .at = IG_AT(ig_img_op, x) },
	{ "y", IG_F_INT, IG_F_REQUIRED, 0, 65535, .at = IG_AT(ig_img_op, y) },
	{ "width", IG_F_INT, IG_F_REQUIRED, 1, 65535, .at = IG_AT(ig_img_op, width) },
	{ "height", IG_F_INT, IG_F_REQUIRED, 1, 65535, .at = IG_AT(ig_img_op, height) },
	IG_FIELDS_END
};
static const ig_field rotate_fields[] = {
	OP_ROW,
	{ "degrees", IG_F_NUMBER, IG_F_REQUIRED, -360, 360, .at = IG_AT(ig_img_op, degrees) },
	{ "background", IG_F_STRING, 0, 1, 32, .at = IG_AT(ig_img_op, background) },
	IG_FIELDS_END
};
static const ig_field flip_fields[] = {
	OP_ROW,
	{ "direction", IG_F_ENUM, IG_F_REQUIRED, 0, 0, .values = directions, .at = IG_AT(ig_img_op, direction) },
	IG_FIELDS_END
};
/* amount's range depends on the filter: ig_img_filter checks it. */
static const ig_field filter_fields[] = {
	OP_ROW,
	{ "name", IG_F_ENUM, IG_F_REQUIRED, 0, 0, .values = filters, .at = IG_AT(ig_img_op, name) },
	{ "amount", IG_F_NUMBER, 0, 0, 0, .at = IG_AT(ig_img_op, amount) },
	IG_FIELDS_END
};
static const ig_field watermark_fields[] = {
	OP_ROW,
	{ "text", IG_F_STRING, IG_F_REQUIRED, 1, IG_WATERMARK_MAX_CHARS, .at = IG_AT(ig_img_op, text) },
	{ "position", IG_F_ENUM, 0, 0, 0, .values = positions, .at = IG_AT(ig_img_op, position) },
	{ "opacity", IG_F_NUMBER, 0, 0, 1, .at = IG_AT(ig_img_op, opacity) },
	IG_FIELDS_END
};
static const ig_field convert_fields[] = {
	OP_ROW,
	{ "format", IG_F_ENUM, IG_F_REQUIRED, 0, 0, .values = formats, .at = IG_AT(ig_img_op, format) },
	{ "quality", IG_F_INT, 0, 1, 100, .at = IG_AT(ig_img_op, quality), .has = IG_HAS(ig_img_op, has_quality),
	  .check = check_quality },
	IG_FIELDS_END
};

/* The operations: each name's parameter table (lib/imaging/chain.c
 * applies them). */
static const struct op_kind {
	const char *name;
	const ig_field *fields;
} op_kinds[] = {
	{ "resize", resize_fields },
	{ "crop", crop_fields },
	{ "rotate", rotate_fields },
	{ "flip", flip_fields },
	{ "filter", filter_fields },
	{ "watermark", watermark_fields },
	{ "convert", convert_fields },
};

/* Say operation i's place in err: "operations[i]." before the member err
 * names (the field reader has put it in err->field already; ops.h names
 * the bare member) and before the message when it begins with the
 * member, so that both read "operations[2].width must be …" (other
 * messages get "operations[2]: " before them). */
static void
place_err(ig_err *err, int i)
{
	char prefix[32], field[sizeof(err->field)], msg[sizeof(err->message)];
	const char *bare = err->field;
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "operations[%d].", i), blen;

	if (err->field[0] == '\0')
		return;
	if (strncmp(err->field, prefix, plen) == 0)
		bare += plen;
	blen = strlen(bare);
	/* A message too long for the prefix is cut at its end. */
	if (strncmp(err->message, bare, blen) == 0)
		snprintf(msg, sizeof(msg), "%s%.*s", prefix, (int)(sizeof(msg) - plen - 1), err->message);
	else
		snprintf(msg, sizeof(msg), "operations[%d]: %.*s", i, (int)(sizeof(msg) - plen - 3), err->message);
	memcpy(err->message, msg, sizeof(msg));
	if (bare == err->field) {
		snprintf(field, sizeof(field), "%s%.*s", prefix, (int)(sizeof(field) - plen - 1), err->field);
		memcpy(err->field, field, sizeof(field));
	}
}

/* Read operation i (o) into a with its kind into *kind. 0, or -1 with err
 * naming operations[i] or one of its members. */
static int
read_op(json_object *o, int i, ig_img_op *a, const struct op_kind **kind, ig_err *err)
{
	char prefix[32], field[48];
	json_object *name = NULL;
	int has_op;

	snprintf(prefix, sizeof(prefix), "operations[%d].", i);
	snprintf(field, sizeof(field), "operations[%d]", i);
	if (!json_object_is_type(o, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be an object", field);
	ig_img_op_init(a);
	*kind = NULL;
	has_op = json_object_object_get_ex(o, "op", &name);
	if (has_op && json_object_is_type(name, json_type_string))
		for (size_t k = 0; k < sizeof(op_kinds) / sizeof(op_kinds[0]); k++)
			if (strcmp(op_kinds[k].name, json_object_get_string(name)) == 0)
				*kind = &op_kinds[k];
	/* No kind matched: a table of op alone reads it to word the error
	 * (required, a string, one of the names) as the reader does. */
	if (*kind == NULL) {
		static const ig_field op_only[] = { OP_ROW, IG_FIELDS_END };
		json_object *just_op = json_object_new_object();
		if (has_op)
			json_object_object_add(just_op, "op", json_object_get(name));
		ig_fields_object(just_op, op_only, a, prefix, err);
		json_object_put(just_op);
		place_err(err, i);
		return -1;
	}
	if (ig_fields_object(o, (*kind)->fields, a, prefix, err) != 0) {
		place_err(err, i);
		return -1;
	}
	return 0;
}

/*
 * Image work frees and allocates buffers of megabytes, operation after
 * operation. The workers pin glibc's mmap threshold (app/fcgi/worker.c),
 * which leaves the trim threshold at its 128 KiB: each freed image shrinks
 * the heap and the next one faults its pages in again, 4096 faults for
 * 16 MiB, and a 5-operation chain took 3-4x its time outside a worker
 * (scripts/bench). While any image request runs, freed memory stays (up to
 * 64 MiB at an arena's top); when the last ends, the threshold comes back
 * and the main arena is trimmed. A thread's own arena keeps its top (about
 * 10 MiB after a 1024x1024 chain) until that thread next frees a chunk
 * beside it, as a later request on it usually does; keeping it is worth it:
 * giving it back at once (a free beside the top) made back-to-back chains
 * 149 ms against 78 ms (p50 of 20, scripts/bench_process.py), the page
 * faults of this machine's VM being that dear.
 */
static pthread_mutex_t heap_mu = PTHREAD_MUTEX_INITIALIZER;
static int heap_users;

#define TRIM_DEFAULT (128 * 1024)
#define TRIM_IMAGES (64 * 1024 * 1024)

void
ig_image_work_begin(void)
{
	pthread_mutex_lock(&heap_mu);
	if (heap_users++ == 0)
		mallopt(M_TRIM_THRESHOLD, TRIM_IMAGES);
	pthread_mutex_unlock(&heap_mu);
}

void
ig_image_work_end(void)
{
	pthread_mutex_lock(&heap_mu);
	if (--heap_users == 0) {
		mallopt(M_TRIM_THRESHOLD, TRIM_DEFAULT);
		malloc_trim(0);
	}
	pthread_mutex_unlock(&heap_mu);
}

struct process_body {
	const char *image_id, *title;
	json_object *ops;
};

static const ig_field process_fields[] = {
	{ "image_id", IG_F_UUID, IG_F_REQUIRED, 0, 0, .at = IG_AT(struct process_body, image_id) },
	{ "operations", IG_F_ARRAY, IG_F_REQUIRED, 1, PROCESS_MAX_OPS, .at = IG_AT(struct process_body, ops) },
	{ "title", IG_F_STRING, 0, 0, IG_GALLERY_TITLE_LEN, .at = IG_AT(struct process_body, title) },
	IG_FIELDS_END
};

/* POST /api/image/process */
int
ig_api_image_process(ig_req *req, json_object **out, ig_err *err)
{
	struct process_body b = { NULL, NULL, NULL };
	ig_img_op args[PROCESS_MAX_OPS];
	const struct op_kind *kinds[PROCESS_MAX_OPS];
	gdImagePtr img = NULL;
	ig_img_format fmt;
	unsigned char *bytes = NULL;
	size_t len;
	int n, quality = 0, failed = 0, stored, rc = IG_FAILED;
	char id[IG_UUID_BUF];
	ig_image_own row;
	json_object *im;

	if (ig_fields_body(req, process_fields, &b, err) != 0)
		return IG_FAILED;
	n = (int)json_object_array_length(b.ops);
	for (int i = 0; i < n; i++)
		if (read_op(json_object_array_get_idx(b.ops, i), i, &args[i], &kinds[i], err) != 0)
			return IG_FAILED;
	if (ig_api_image_source(req, b.image_id, err) != 0)
		return IG_FAILED;
	ig_image_work_begin();
	if (ig_creative_load(b.image_id, req->caller.user_id, ig_cfg()->max_image_pixels, &img,
	    &fmt, err) != 0)
		goto out;
	if (ig_img_apply_ops(&img, args, n, &fmt, &quality, &failed, err) != 0) {
		place_err(err, failed);
		goto out;
	}
	if (ig_img_encode(img, fmt, quality, &bytes, &len, err) != 0)
		goto out;
	memset(&row, 0, sizeof(row));
	row.user_id = req->caller.user_id;
	row.parent_id = b.image_id;
	row.operation = "process";
	row.title = b.title && *b.title ? b.title : NULL;
	stored = ig_store_own(&row, bytes, len, fmt, gdImageSX(img), gdImageSY(img),
	    ig_cfg()->max_image_pixels, id, err);
	if (stored == 0)
		ig_err_set(err, IG_E_NOT_FOUND, "image_id", "no such image");
	if (stored != 1)
		goto out;
	if ((stored = ig_api_image_json(id, req->caller.user_id, &im, err)) != 1) {
		if (stored == 0)
			ig_err_set(err, IG_E_NOT_FOUND, NULL, "the new image was deleted meanwhile");
		goto out;
	}
	*out = ig_ok("image", im);
	rc = 201;
out:
	if (img != NULL)
		gdImageDestroy(img);
	free(bytes);
	ig_image_work_end();
	return rc;
}

int
ig_api_process_step(json_object *step, const char *prefix, ig_err *err)
{
	struct process_body b = { NULL, NULL, NULL };
	ig_img_op a;
	const struct op_kind *kind;
	json_object *o;
	int rc;

	/* The source is the previous step's image: image_id is not a step's. */
	if ((o = ig_fields_part(step, "op", "image_id", "image_id", IG_STEP_NO_IMAGE, prefix, err)) == NULL)
		return -1;
	rc = ig_fields_object(o, process_fields, &b, prefix, err);
	for (size_t i = 0; rc == 0 && i < json_object_array_length(b.ops); i++) {
		if ((rc = read_op(json_object_array_get_idx(b.ops, i), (int)i, &a, &kind, err)) != 0)
			ig_fields_prefix(err, prefix);
	}
	json_object_put(o);
	return rc;
}
