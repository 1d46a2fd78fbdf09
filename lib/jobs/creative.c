/* creative.c — see creative.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/log.h"
#include "lib/gallery/images.h"
#include "lib/imaging/ops.h"
#include "lib/jobs/creative.h"
#include "lib/jobs/store.h"
#include "lib/store/image_store.h"

/* The largest stored image read back as a source. */
#define SOURCE_MAX_BYTES (1024L * 1024 * 1024)

json_object *
ig_creative_request(const ig_creative *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "operation", json_object_new_string(c->operation));
	json_object_object_add(o, "image_id", json_object_new_string(c->image_id));
	if (strcmp(c->operation, "upscale") == 0) {
		json_object_object_add(o, "scale", json_object_new_int(c->scale));
		json_object_object_add(o, "method", json_object_new_string(c->method));
	} else if (strcmp(c->operation, "style-transfer") == 0) {
		json_object_object_add(o, "style", json_object_new_string(c->style));
		json_object_object_add(o, "strength", json_object_new_double(c->strength));
	} else {
		json_object_object_add(o, "count", json_object_new_int(c->count));
		json_object_object_add(o, "seed", json_object_new_int64(c->seed));
		json_object_object_add(o, "render", json_object_new_boolean(c->render));
		if (c->strength > 0)
			json_object_object_add(o, "strength", json_object_new_double(c->strength));
	}
	return o;
}

static const char *
member_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

int
ig_creative_parse(json_object *request, ig_creative *c)
{
	json_object *o, *v;

	memset(c, 0, sizeof(*c));
	if (!json_object_object_get_ex(request, "creative", &o) || !json_object_is_type(o, json_type_object))
		return 0;
	c->operation = member_str(o, "operation");
	c->image_id = member_str(o, "image_id");
	c->method = member_str(o, "method");
	c->style = member_str(o, "style");
	if (json_object_object_get_ex(o, "scale", &v))
		c->scale = json_object_get_int(v);
	if (json_object_object_get_ex(o, "strength", &v))
		c->strength = json_object_get_double(v);
	if (json_object_object_get_ex(o, "count", &v))
		c->count = json_object_get_int(v);
	if (json_object_object_get_ex(o, "seed", &v))
		c->seed = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "render", &v))
		c->render = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "operations", &v) && json_object_is_type(v, json_type_array))
		c->operations = v;
	c->title = member_str(o, "title");
	return c->operation != NULL && c->image_id != NULL;
}

int
ig_creative_read(const char *id, const char *user_id, unsigned char **buf, size_t *len,
    const char **type, ig_err *err)
{
	ig_image row;
	int got, rc = ig_image_get(id, &row, err);

	if (rc < 0)
		return -1;
	if (rc == 0 || user_id == NULL || strcmp(row.user_id, user_id) != 0)
		return ig_err_set(err, IG_E_NOT_FOUND, "image_id", "no such image");
	got = ig_images_get(row.filename, SOURCE_MAX_BYTES, buf, len, err);
	if (got != 1) {
		ig_logf(IG_LOG_ERROR, "image_read_failed", "%s: %s", row.filename, got == 0 ? "missing" : err->message);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the source image cannot be read");
	}
	*type = strcmp(row.mime_type, "image/jpeg") == 0 ? "image/jpeg" :
	    strcmp(row.mime_type, "image/webp") == 0 ? "image/webp" : "image/png";
	return 0;
}

int
ig_creative_load(const char *id, const char *user_id, long max_pixels,
    gdImagePtr *img, ig_img_format *fmt, ig_err *err)
{
	unsigned char *buf;
	size_t len;
	const char *type;
	ig_err derr;
	int rc;

	if (ig_creative_read(id, user_id, &buf, &len, &type, err) != 0)
		return -1;
	rc = ig_img_decode(buf, len, max_pixels, fmt, img, &derr);
	free(buf);
	if (rc != 0) {
		ig_logf(IG_LOG_ERROR, "image_decode_failed", "image %s: %s", id, derr.message);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "the source image cannot be decoded");
	}
	return 0;
}

int
ig_creative_store(const ig_job *job, const ig_creative *c, int idx, const unsigned char *data, size_t len,
    long max_pixels, ig_err *err)
{
	ig_image_own row;
	ig_img_format fmt;
	int w, h;
	char id[IG_UUID_BUF];

	if (ig_image_probe(data, len, &fmt, &w, &h) != 0 || (long)w * (long)h > max_pixels)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "the %s result is not a storable image", c->operation);
	memset(&row, 0, sizeof(row));
	row.user_id = job->user_id;
	row.parent_id = c->image_id;
	row.operation = c->operation;
	row.title = c->title;
	row.job_id = job->id;
	row.idx = idx;
	return ig_store_own(&row, data, len, fmt, w, h, max_pixels, id, err) < 0 ? -1 : 0;
}

/* c applied to src: result i of the job (variations differ by seed). */
static gdImagePtr
apply(gdImagePtr src, const ig_creative *c, int i, long max_pixels, ig_err *err)
{
	if (strcmp(c->operation, "upscale") == 0)
		return ig_img_upscale(src, c->scale, c->method, max_pixels, err);
	if (strcmp(c->operation, "style-transfer") == 0)
		return ig_img_style(src, c->style, c->strength, err);
	if (strcmp(c->operation, "variation") == 0)
		return ig_img_variation(src, (uint64_t)c->seed + (uint64_t)i, err);
	ig_err_set(err, IG_E_INTERNAL, NULL, "unknown creative operation %s", c->operation);
	return NULL;
}

/* A process step: c's operations applied to src (consumed) in order,
 * stored as the job's one result. 0, or -1 with err naming the operation
 * ("operations[2]: ..."). */
static int
process(const ig_job *job, const ig_creative *c, gdImagePtr src, ig_img_format fmt, long max_pixels,
    ig_err *err)
{
	ig_img_op ops[IG_CREATIVE_PROCESS_MAX_OPS];
	size_t n = c->operations != NULL ? json_object_array_length(c->operations) : 0;
	unsigned char *bytes = NULL;
	size_t len;
	int quality = 0, failed = 0, rc = -1;

	if (n == 0 || n > IG_CREATIVE_PROCESS_MAX_OPS) {
		gdImageDestroy(src);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "a process step has no operations to apply");
	}
	for (size_t i = 0; i < n; i++)
		ig_img_op_from_json(json_object_array_get_idx(c->operations, i), &ops[i]);
	if (ig_img_apply_ops(&src, ops, (int)n, &fmt, &quality, &failed, err) != 0) {
		char msg[sizeof(err->message)];
		snprintf(msg, sizeof(msg), "operations[%d]: %.*s", failed, (int)sizeof(msg) - 24, err->message);
		memcpy(err->message, msg, sizeof(msg));
		err->field[0] = '\0';
		goto done;
	}
	if (ig_img_encode(src, fmt, quality, &bytes, &len, err) == 0 &&
	    ig_creative_store(job, c, 0, bytes, len, max_pixels, err) == 0)
		rc = 0;
done:
	if (src != NULL)
		gdImageDestroy(src);
	free(bytes);
	return rc;
}

int
ig_creative_transform(const ig_job *job, const ig_creative *c, long max_pixels,
    ig_err *err)
{
	gdImagePtr src = NULL;
	ig_img_format fmt;
	int n = strcmp(c->operation, "variation") == 0 ? c->count : 1, rc = -1;

	if (ig_creative_load(c->image_id, job->user_id, max_pixels, &src, &fmt, err) != 0)
		return -1;
	if (strcmp(c->operation, "process") == 0)
		return process(job, c, src, fmt, max_pixels, err);
	for (int i = 0; i < n; i++) {
		unsigned char *bytes = NULL;
		size_t len;
		gdImagePtr out = apply(src, c, i, max_pixels, err);
		int stored;

		if (out == NULL)
			goto done;
		stored = ig_img_encode(out, fmt, 0, &bytes, &len, err) == 0 &&
		    ig_creative_store(job, c, i, bytes, len, max_pixels, err) == 0;
		gdImageDestroy(out);
		free(bytes);
		if (!stored)
			goto done;
	}
	rc = 0;
done:
	gdImageDestroy(src);
	return rc;
}

int
ig_creative_finish(const ig_job *job, int n, ig_err *err)
{
	ig_image *im;
	int have;

	if (ig_images_of_job(job->id, &im, &have, err) != 0)
		return -1;
	free(im);
	if (have < n)
		return ig_err_set(err, IG_E_NOT_FOUND, "image_id", "the source image was deleted while the job ran");
	return 0;
}
