/*
 * creative.c — the builtin creative tools (API.md "Creative tools", issue
 * 12): POST /api/creative/upscale, /style-transfer and /variations. Each
 * takes one of the caller's images (404 otherwise, never 403), checks its
 * fields here, and runs as a job of the builtin provider on the runner's
 * pool threads (lib/jobs/creative.h says what the job carries), waited for
 * like a generation (ig_gen_run: the hold, the timeout, the failures'
 * mapping). The new images have parent_id the source and operation
 * upscale | style-transfer | variation; the answer is 201 with {image}
 * ({images} for variations) and the job's generation_id.
 *
 * The AI paths: upscale with api_provider stability (its upscale/fast,
 * always 4x, sides 32–1536) runs as a job of that provider, its key
 * resolved like a generation's; the runner reads the source's bytes and the
 * adapter sends them. Other tools' AI paths are not built yet: a 400 naming
 * api_provider.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/generation.h"
#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/gallery/images.h"
#include "lib/jobs/creative.h"

/* Where a builtin render's seeds may start: the builtin provider takes
 * 0 … 2^53-17 and gives image i seed + i. */
#define RENDER_SEED_MAX ((INT64_C(1) << 53) - 1 - 16 - IG_CREATIVE_VARIATIONS_MAX)

struct creative_body {
	const char *image_id, *method, *style, *provider, *prompt, *api_key;
	int64_t scale, count;
	double strength;
};

/* Stability's upscale/fast: always 4x, input sides 32–1536 px. */
#define STAB_UPSCALE_SCALE 4
#define STAB_UPSCALE_MIN_SIDE 32
#define STAB_UPSCALE_MAX_SIDE 1536
/* Stability's seeds: 0 … 4294967294. */
#define STAB_SEED_MAX INT64_C(4294967294)
/* Stability variations: image-to-image at a moderate strength. */
#define STAB_VARIATION_STRENGTH 0.4
#define STAB_IMG2IMG_MODEL "sd3"
/* The prompt of a variation of an image that has none. */
#define VARIATION_PROMPT "a variation of this image"
/* OpenAI's edits and variations: dall-e-2, a square PNG source, outputs
 * of 256, 512 or 1024 px a side. */
#define OA_CREATIVE_MODEL "dall-e-2"

static int
check_scale(void *dst, ig_err *err)
{
	int64_t s = ((struct creative_body *)dst)->scale;

	if (s != 2 && s != 4)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "scale", "scale must be 2 or 4");
	return 0;
}

static int
check_ai_provider(void *dst, ig_err *err)
{
	const char *p = ((struct creative_body *)dst)->provider;

	if (strcmp(p, "builtin") != 0 && strcmp(p, "stability") != 0 && strcmp(p, "openai") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "api_provider",
		    "api_provider must be builtin, stability or openai");
	return 0;
}

static int
check_upscale_provider(void *dst, ig_err *err)
{
	const char *p = ((struct creative_body *)dst)->provider;

	if (strcmp(p, "builtin") != 0 && strcmp(p, "stability") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "api_provider",
		    "api_provider must be builtin or stability for upscale");
	return 0;
}


static int
check_api_key(void *dst, ig_err *err)
{
	return ig_provider_key_check(((struct creative_body *)dst)->api_key, err);
}

static const char *const methods[] = { "lanczos", "bicubic", NULL };
static const char *const styles[] = { "grayscale", "sepia", "sketch", "emboss", "pixelate", "posterize", "vintage",
	"oil_painting", "watercolor", NULL };

#define IMAGE_ROW { "image_id", IG_F_UUID, IG_F_REQUIRED, 0, 0, .at = IG_AT(struct creative_body, image_id) }
#define API_KEY_ROW { "api_key", IG_F_STRING, 0, 1, IG_PROVIDER_KEY_MAX, \
	.at = IG_AT(struct creative_body, api_key), .check = check_api_key }
#define AI_PROVIDER_ROW { "api_provider", IG_F_STRING, 0, 1, 32, .at = IG_AT(struct creative_body, provider), \
	.check = check_ai_provider }

static const ig_field upscale_fields[] = {
	IMAGE_ROW,
	{ "scale", IG_F_INT, 0, 2, 4, .at = IG_AT(struct creative_body, scale), .check = check_scale },
	{ "method", IG_F_ENUM, 0, 0, 0, .values = methods, .at = IG_AT(struct creative_body, method) },
	{ "api_provider", IG_F_STRING, 0, 1, 32, .at = IG_AT(struct creative_body, provider),
	    .check = check_upscale_provider },
	API_KEY_ROW,
	IG_FIELDS_END
};

static const ig_field style_fields[] = {
	IMAGE_ROW,
	{ "style", IG_F_ENUM, 0, 0, 0, .values = styles, .at = IG_AT(struct creative_body, style) },
	{ "strength", IG_F_NUMBER, 0, 0, 1, .at = IG_AT(struct creative_body, strength) },
	AI_PROVIDER_ROW,
	API_KEY_ROW,
	{ "prompt", IG_F_STRING, 0, 1, IG_PROMPT_MAX, .at = IG_AT(struct creative_body, prompt) },
	IG_FIELDS_END
};

static const ig_field variation_fields[] = {
	IMAGE_ROW,
	{ "count", IG_F_INT, 0, 1, IG_CREATIVE_VARIATIONS_MAX, .at = IG_AT(struct creative_body, count) },
	AI_PROVIDER_ROW,
	API_KEY_ROW,
	IG_FIELDS_END
};

/* Member key of o, or NULL when absent or null. */
static json_object *
member(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int64_t
int_member(json_object *o, const char *key)
{
	return json_object_get_int64(member(o, key));
}

/* A random seed in 0 … max. */
static int64_t
random_seed(int64_t max)
{
	uint64_t r;

	ig_random_bytes(&r, sizeof(r));
	return (int64_t)(r % ((uint64_t)max + 1));
}

/*
 * Run c as a job for the caller and answer with its images (src: the
 * source as ig_api_image_json gives it). A render (variations of a builtin
 * generation) is the source's prompt, size and model with count new seeds,
 * none of them the source's.
 */
static int
run(ig_req *req, const struct creative_body *b, ig_creative *c, json_object *src, json_object **out, ig_err *err)
{
	static const ig_gen_fields fields = { "api_provider", "model", "image_size", "count" };
	ig_gen g;
	ig_image *im = NULL;
	char job_id[IG_UUID_BUF], size[24];
	int cached, n = 0, rc = IG_FAILED;
	json_object *images = NULL;

	memset(&g, 0, sizeof(g));
	g.provider = ig_provider_builtin.name;
	g.no_cache = 1;
	snprintf(size, sizeof(size), "%dx%d", (int)int_member(src, "width"), (int)int_member(src, "height"));
	if (c->provider != NULL && strcmp(c->provider, ig_provider_builtin.name) != 0) {
		/* An AI path: a job of that provider, its key resolved by ig_gen_run,
		 * answered from the cache like a generation when the same caller
		 * asks the same of the same image again (variations draw new seeds,
		 * so they never repeat a request). */
		g.provider = c->provider;
		g.no_cache = 0;
		g.api_key = b->api_key;
		g.fields = &fields;
		if ((g.ops = ig_provider_find(c->provider)) == NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "api_provider", "unknown api_provider %s",
			    c->provider);
		g.req.model = c->model;
		g.req.prompt = c->prompt != NULL ? c->prompt : "";
		g.req.count = c->count > 0 ? c->count : 1;
		if (strcmp(c->operation, "variation") == 0) {
			g.req.has_seed = 1;
			g.req.seed = random_seed(STAB_SEED_MAX - IG_CREATIVE_VARIATIONS_MAX);
		}
		if (c->size != NULL)
			snprintf(size, sizeof(size), "%s", c->size);
		g.req.width = c->size != NULL ? atoi(c->size) : (int)int_member(src, "width");
		g.req.height = c->size != NULL ? atoi(c->size) : (int)int_member(src, "height");
		snprintf(g.size, sizeof(g.size), "%s", size);
	} else if (c->render) {
		json_object *seed = member(src, "seed"), *neg = member(src, "negative_prompt");
		int64_t old = seed != NULL ? json_object_get_int64(seed) : -1;
		g.req.prompt = json_object_get_string(member(src, "prompt"));
		g.req.negative_prompt = neg != NULL ? json_object_get_string(neg) : NULL;
		g.req.count = c->count;
		g.req.has_seed = 1;
		do
			g.req.seed = random_seed(RENDER_SEED_MAX);
		while (old >= g.req.seed && old < g.req.seed + c->count);
		if (ig_gen_check(req, &g, json_object_get_string(member(src, "model")), size, &fields, err) != 0)
			return IG_FAILED;
	} else {
		g.ops = &ig_provider_builtin;
		g.req.model = c->operation;
		g.req.prompt = "";
		g.req.count = c->count > 0 ? c->count : 1;
		snprintf(g.size, sizeof(g.size), "%s", size);
	}
	g.job_extra = json_object_new_object();
	json_object_object_add(g.job_extra, "creative", ig_creative_request(c));
	if (ig_gen_run(req, &g, job_id, &cached, err) != 0 || ig_images_of_job(job_id, &im, &n, err) != 0)
		goto out;
	images = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *one;
		int found = ig_api_image_json(im[i].id, req->caller.user_id, &one, err);
		if (found < 0)
			goto out;
		if (found)
			json_object_array_add(images, one);
	}
	if (json_object_array_length(images) == 0) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "the new images were deleted meanwhile");
		goto out;
	}
	if (strcmp(c->operation, "variation") == 0) {
		*out = ig_ok("images", json_object_get(images));
	} else {
		*out = ig_ok("image", json_object_get(json_object_array_get_idx(images, 0)));
	}
	json_object_object_add(*out, "generation_id", json_object_new_string(job_id));
	rc = 201;
out:
	json_object_put(images);
	json_object_put(g.job_extra);
	free(im);
	return rc;
}

/* The caller's image b->image_id as ig_api_image_json gives it, into
 * *src: 0, or -1 with err naming image_id (ig_api_image_source: 404 when
 * they may not see it, 403 when they may but it is not theirs). */
static int
source(ig_req *req, const struct creative_body *b, json_object **src, ig_err *err)
{
	int found;

	if (ig_api_image_source(req, b->image_id, err) != 0)
		return -1;
	found = ig_api_image_json(b->image_id, req->caller.user_id, src, err);
	if (found < 0)
		return -1;
	if (found == 0)
		return ig_err_set(err, IG_E_NOT_FOUND, "image_id", "no such image");
	return 0;
}

/* Read the body by table into *b and the caller's source, let fill put b
 * into *c (or refuse it), and run c. */
static int
tool(ig_req *req, const ig_field *table, struct creative_body *b, ig_creative *c,
    int (*fill)(const struct creative_body *b, json_object *src, ig_creative *c, ig_err *err), json_object **out,
    ig_err *err)
{
	json_object *src = NULL;
	int rc = IG_FAILED;

	if (ig_fields_body(req, table, b, err) == 0 && source(req, b, &src, err) == 0 && fill(b, src, c, err) == 0) {
		c->image_id = b->image_id;
		rc = run(req, b, c, src, out, err);
	}
	json_object_put(src);
	return rc;
}

/* Refused here, before a job: an output over IG_MAX_IMAGE_PIXELS; with
 * stability, a scale but 4 (400 naming scale; it is the default there) or a
 * source side outside 32–1536 (400 naming image_id). */
static int
fill_upscale(const struct creative_body *b, json_object *src, ig_creative *c, ig_err *err)
{
	int sw = (int)int_member(src, "width"), sh = (int)int_member(src, "height");
	int64_t scale = b->scale;
	long w, h;

	if (strcmp(b->provider, "stability") == 0) {
		if (scale == 0)
			scale = STAB_UPSCALE_SCALE;
		if (scale != STAB_UPSCALE_SCALE)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "scale",
			    "scale must be 4 with api_provider stability (its upscale is always 4x)");
		if (sw < STAB_UPSCALE_MIN_SIDE || sh < STAB_UPSCALE_MIN_SIDE || sw > STAB_UPSCALE_MAX_SIDE ||
		    sh > STAB_UPSCALE_MAX_SIDE)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "image_id",
			    "image_id is %dx%d: stability upscales sides of %d to %d px only", sw, sh,
			    STAB_UPSCALE_MIN_SIDE, STAB_UPSCALE_MAX_SIDE);
		c->provider = "stability";
		c->model = "upscale-fast";
	} else if (scale == 0) {
		scale = 2;
	}
	w = (long)sw * scale;
	h = (long)sh * scale;

	if (w * h > ig_cfg()->max_image_pixels)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "scale",
		    "scale %d would make %ldx%ld, over IG_MAX_IMAGE_PIXELS (%ld)", (int)scale, w, h,
		    ig_cfg()->max_image_pixels);
	c->scale = (int)scale;
	c->method = b->method;
	return 0;
}

/* OpenAI's edits and variations take a square PNG: c gets that path's
 * provider, model and output size (the source's side rounded up to 256,
 * 512 or 1024), or a 400 naming image_id. */
static int
openai_source(json_object *src, ig_creative *c, ig_err *err)
{
	int w = (int)int_member(src, "width"), h = (int)int_member(src, "height");
	const char *mime = json_object_get_string(member(src, "mime_type"));

	if (mime == NULL || strcmp(mime, "image/png") != 0 || w != h)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "image_id",
		    "image_id must be a square PNG for api_provider openai (this one is a %dx%d %s)", w, h,
		    mime != NULL ? mime : "image");
	c->provider = "openai";
	c->model = OA_CREATIVE_MODEL;
	c->size = w <= 256 ? "256x256" : w <= 512 ? "512x512" : "1024x1024";
	return 0;
}

/* builtin: a style and no prompt; stability: image-to-image with the
 * prompt (required) at strength. */
static int
fill_style(const struct creative_body *b, json_object *src, ig_creative *c, ig_err *err)
{
	if (strcmp(b->provider, "builtin") == 0) {
		if (b->prompt != NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt",
			    "prompt is for an AI restyle (api_provider stability), not the builtin styles");
		if (b->style == NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "style", "style is required for the builtin styles");
	} else {
		if (b->prompt == NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "prompt",
			    "prompt is required with api_provider %s", b->provider);
		if (strcmp(b->provider, "openai") == 0) {
			if (openai_source(src, c, err) != 0)
				return -1;
		} else {
			c->provider = b->provider;
			c->model = STAB_IMG2IMG_MODEL;
		}
		c->prompt = b->prompt;
	}
	c->style = b->style != NULL ? b->style : "";
	c->strength = b->strength;
	return 0;
}

/* A builtin generation: its prompt with new seeds. Any other image:
 * seeded local transforms. */
static int
fill_variations(const struct creative_body *b, json_object *src, ig_creative *c, ig_err *err)
{
	const char *prov = json_object_get_string(member(src, "provider"));
	const char *op = json_object_get_string(member(src, "operation"));

	c->count = (int)b->count;
	if (strcmp(b->provider, "openai") == 0)
		return openai_source(src, c, err);
	if (strcmp(b->provider, "builtin") != 0) {
		json_object *p = member(src, "prompt");
		c->provider = b->provider;
		c->model = STAB_IMG2IMG_MODEL;
		c->strength = STAB_VARIATION_STRENGTH;
		c->prompt = p != NULL && json_object_get_string_len(p) > 0 ? json_object_get_string(p) :
		    VARIATION_PROMPT;
		return 0;
	}
	c->render = prov != NULL && op != NULL && strcmp(prov, ig_provider_builtin.name) == 0 &&
	    strcmp(op, "generate") == 0;
	c->seed = random_seed(INT64_MAX - IG_CREATIVE_VARIATIONS_MAX);
	return 0;
}

/* POST /api/creative/upscale */
int
ig_api_creative_upscale(ig_req *req, json_object **out, ig_err *err)
{
	struct creative_body b = { .method = "lanczos", .provider = "builtin" };
	ig_creative c = { .operation = "upscale" };

	return tool(req, upscale_fields, &b, &c, fill_upscale, out, err);
}

/* POST /api/creative/style-transfer */
int
ig_api_creative_style(ig_req *req, json_object **out, ig_err *err)
{
	struct creative_body b = { .strength = 1, .provider = "builtin" };
	ig_creative c = { .operation = "style-transfer" };

	return tool(req, style_fields, &b, &c, fill_style, out, err);
}

/* POST /api/creative/variations */
int
ig_api_creative_variations(ig_req *req, json_object **out, ig_err *err)
{
	struct creative_body b = { .count = 1, .provider = "builtin" };
	ig_creative c = { .operation = "variation" };

	return tool(req, variation_fields, &b, &c, fill_variations, out, err);
}

/* A workflow's upscale, style or variations step (app/api/workflow.c):
 * step's members but op read by that route's table with the route's
 * defaults, the source being the previous step's image (image_id is not a
 * step's: "unknown field"). Workflows run the builtin tools: another
 * api_provider is a 400 naming it. *creative gets the job's creative
 * member, its image_id "" until the runner sets it. 0, or -1 with err. */
int
ig_api_creative_step(const char *tool, json_object *step, const char *prefix, json_object **creative, ig_err *err)
{
	struct creative_body b = { .method = "lanczos", .provider = "builtin", .strength = 1, .count = 1 };
	ig_creative c = { .operation = tool };
	const ig_field *table = strcmp(tool, "upscale") == 0 ? upscale_fields :
	    strcmp(tool, "style-transfer") == 0 ? style_fields : variation_fields;
	char field[sizeof(err->field)];
	json_object *o;
	int rc;

	*creative = NULL;
	/* The source is the previous step's image: image_id is not a step's. */
	if ((o = ig_fields_part(step, "op", "image_id", "image_id", IG_STEP_NO_IMAGE, prefix, err)) == NULL)
		return -1;
	rc = ig_fields_object(o, table, &b, prefix, err);
	if (rc == 0 && strcmp(b.provider, "builtin") != 0) {
		snprintf(field, sizeof(field), "%sapi_provider", prefix);
		rc = ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s must be builtin in a workflow step", field);
	}
	if (rc == 0) {
		if (strcmp(tool, "upscale") == 0) {
			c.scale = b.scale != 0 ? (int)b.scale : 2;
			c.method = b.method;
		} else if (strcmp(tool, "style-transfer") == 0) {
			if (fill_style(&b, NULL, &c, err) != 0) {
				ig_fields_prefix(err, prefix);
				rc = -1;
			}
		} else {
			c.count = (int)b.count;
			c.seed = random_seed(INT64_MAX - IG_CREATIVE_VARIATIONS_MAX);
		}
	}
	if (rc == 0) {
		c.image_id = "";
		*creative = ig_creative_request(&c);
	}
	json_object_put(o);
	return rc;
}
