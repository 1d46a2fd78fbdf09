/*
 * builtin.c — the offline provider (PROVIDERS.md "builtin"): no network,
 * no key; each image is drawn by the procedural renderer in
 * lib/imaging/render.c. It is not AI and its model name says so.
 *
 * Deterministic end to end: image i is rendered with seed + i, and a call
 * without a seed uses one derived from the prompt (so the same prompt and
 * size give the same picture), recorded on every image so it can be asked
 * for again.
 */
#include "ig_autoconf.h"

#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/core/util.h"
#include "lib/imaging/render.h"
#include "lib/providers/adapter.h"

/* Seeds stay JSON-safe integers (≤ 2^53 - 1) even after adding the index. */
#define BI_MAX_SEED ((INT64_C(1) << 53) - 1 - 16)

static const ig_model_decl models[] = {
	{ "builtin-procedural-v1", "Built-in procedural renderer (offline, not AI)", 1 },
	{ NULL, NULL, 0 },
};

static int
bi_validate(const ig_gen_request *req, ig_err *err)
{
	if (strcmp(req->model, "builtin-procedural-v1") != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "model",
		    "model must be builtin-procedural-v1");
	if (req->width < IG_RENDER_MIN_SIDE || req->width > IG_RENDER_MAX_SIDE ||
	    req->height < IG_RENDER_MIN_SIDE || req->height > IG_RENDER_MAX_SIDE)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "image_size",
		    "image_size sides must be between %d and %d", IG_RENDER_MIN_SIDE, IG_RENDER_MAX_SIDE);
	if (req->count < 1 || req->count > 10)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "image_count",
		    "image_count must be between 1 and 10");
	if (req->has_seed && (req->seed < 0 || req->seed > BI_MAX_SEED))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "seed",
		    "seed must be between 0 and %lld", (long long)BI_MAX_SEED);
	return 0;
}

/* What the renderer understood, as the "drawn" object the PNG's imagegen
 * metadata carries (lib/jobs/store.c): canonical English names, so 「一隻貓」
 * records "cat". Malloc'ed JSON text. */
static char *
drawn_json(const ig_drawn *d)
{
	json_object *o = json_object_new_object(), *subjects = json_object_new_array();
	json_object *counts = json_object_new_array(), *colors = json_object_new_array();
	char *s;

	for (int i = 0; i < d->nsubjects; i++) {
		json_object_array_add(subjects, json_object_new_string(d->subjects[i]));
		json_object_array_add(counts, json_object_new_int(d->counts[i]));
	}
	for (int i = 0; i < d->ncolors; i++)
		json_object_array_add(colors, json_object_new_string(d->colors[i]));
	json_object_object_add(o, "subjects", subjects);
	json_object_object_add(o, "counts", counts);
	json_object_object_add(o, "scene", d->scene ? json_object_new_string(d->scene) : NULL);
	json_object_object_add(o, "style", d->style ? json_object_new_string(d->style) : NULL);
	json_object_object_add(o, "colors", colors);
	s = ig_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* FNV-1a over the prompt, cut to 32 bits: the seed of an unseeded call. */
static int64_t
prompt_seed(const char *prompt)
{
	return (int64_t)(ig_fnv1a64(IG_FNV1A64_INIT, prompt) & UINT32_MAX);
}

static int
bi_local(ig_call *call, ig_err *err)
{
	const ig_gen_request *req = call->req;
	int64_t base;

	if (bi_validate(req, err) != 0)
		return -1;
	base = req->has_seed ? req->seed : prompt_seed(req->prompt);
	for (int i = 0; i < req->count; i++) {
		unsigned char *png;
		size_t len;
		ig_drawn drawn;

		if (ig_render_builtin(req->prompt, req->negative_prompt, (uint64_t)(base + i),
		    req->width, req->height, &png, &len, &drawn) != 0) {
			ig_call_free_images(call);
			return ig_err_set(err, IG_E_INTERNAL, NULL, "the built-in renderer failed");
		}
		ig_call_add_image(call, png, len, 1, base + i);
		call->images[call->nimages - 1].drawn = drawn_json(&drawn);
	}
	return 0;
}

const ig_provider_ops ig_provider_builtin = {
	.name = "builtin",
	.display_name = "Built-in (offline)",
	.models = models,
	.caps = { .max_side = IG_RENDER_MAX_SIDE, .max_images = 10, .negative_prompt = 1, .seed = 1,
	    .latency_s = 1 },
	.key = { .none = 1 },
	.settings = { .prefix = "IG_BUILTIN" },
	.local = bi_local,
	.validate = bi_validate,
};
