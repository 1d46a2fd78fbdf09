/*
 * chain.c — a chain of image operations (ops.h "a chain of operations"):
 * what POST /api/image/process (app/api/process.c, which reads each
 * operation with its field table) and a workflow's process step (the
 * runner, lib/jobs/creative.c, reading the operations the route checked
 * when the run was made) both apply.
 */
#include "ig_autoconf.h"

#include <string.h>

#include "lib/core/config.h"
#include "lib/imaging/ops.h"

void
ig_img_op_init(ig_img_op *o)
{
	memset(o, 0, sizeof(*o));
	o->amount = IG_IMG_DEFAULT;
	o->opacity = IG_IMG_DEFAULT;
}

static const char *
str_of(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static void
int_of(json_object *obj, const char *key, int64_t *dst, int *has)
{
	json_object *v;

	if (json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_int)) {
		*dst = json_object_get_int64(v);
		if (has != NULL)
			*has = 1;
	}
}

static void
num_of(json_object *obj, const char *key, double *dst)
{
	json_object *v;

	if (json_object_object_get_ex(obj, key, &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		*dst = json_object_get_double(v);
}

void
ig_img_op_from_json(json_object *obj, ig_img_op *o)
{
	ig_img_op_init(o);
	o->op = str_of(obj, "op");
	int_of(obj, "width", &o->width, NULL);
	int_of(obj, "height", &o->height, NULL);
	int_of(obj, "x", &o->x, NULL);
	int_of(obj, "y", &o->y, NULL);
	int_of(obj, "quality", &o->quality, &o->has_quality);
	num_of(obj, "degrees", &o->degrees);
	num_of(obj, "amount", &o->amount);
	num_of(obj, "opacity", &o->opacity);
	o->fit = str_of(obj, "fit");
	o->background = str_of(obj, "background");
	o->direction = str_of(obj, "direction");
	o->name = str_of(obj, "name");
	o->text = str_of(obj, "text");
	o->position = str_of(obj, "position");
	o->format = str_of(obj, "format");
}

/* One operation that touches pixels: the new image, or NULL with err. */
static gdImagePtr
apply_one(gdImagePtr s, const ig_img_op *a, ig_err *err)
{
	const ig_config *c = ig_cfg();

	if (strcmp(a->op, "resize") == 0)
		return ig_img_resize(s, (int)a->width, (int)a->height, a->fit, IG_KERNEL_LANCZOS3,
		    c->max_image_pixels, err);
	if (strcmp(a->op, "crop") == 0)
		return ig_img_crop(s, (int)a->x, (int)a->y, (int)a->width, (int)a->height, err);
	if (strcmp(a->op, "rotate") == 0)
		return ig_img_rotate(s, a->degrees, a->background, c->max_image_pixels, err);
	if (strcmp(a->op, "flip") == 0)
		return ig_img_flip(s, a->direction, err);
	if (strcmp(a->op, "filter") == 0)
		return ig_img_filter(s, a->name, a->amount, err);
	if (strcmp(a->op, "watermark") == 0)
		return ig_img_watermark(s, a->text, a->position, a->opacity, c->font_path, err);
	ig_err_set(err, IG_E_INVALID_REQUEST, "op", "op must be one of the operations");
	return NULL;
}

int
ig_img_apply_ops(gdImagePtr *img, const ig_img_op *ops, int n, ig_img_format *fmt, int *quality,
    int *failed, ig_err *err)
{
	for (int i = 0; i < n; i++) {
		gdImagePtr next;

		if (ops[i].op == NULL) {
			*failed = i;
			return ig_err_set(err, IG_E_INVALID_REQUEST, "op", "op is required");
		}
		if (strcmp(ops[i].op, "convert") == 0) {
			*fmt = ig_img_format_from_name(ops[i].format);
			*quality = ops[i].has_quality ? (int)ops[i].quality : 0;
			continue;
		}
		next = apply_one(*img, &ops[i], err);
		gdImageDestroy(*img);
		*img = next;
		if (next == NULL) {
			*failed = i;
			return -1;
		}
	}
	return 0;
}
