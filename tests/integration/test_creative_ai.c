/*
 * test_creative_ai.c — the creative tools' AI paths through nginx (API.md
 * "Creative tools"; issue 12) against the stack's mock providers: each
 * path's request as the mock recorded it (method, path, multipart fields,
 * the image part the source's very bytes), its output stored with
 * parent_id and operation by a job of that provider; its refusals named;
 * a provider's error and a missing key answered as POST /api/generate-image
 * answers them.
 */
#include "ig_autoconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>
#include <sodium.h>

#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

enum { W = IT_QUAD_W, H = IT_QUAD_H };

#define STAB_KEY "sk-good-cai-4321"
#define OA_KEY "sk-good-cai-oa-8765"

static const char *
next_source(void)
{
	return it_source(201, 40, 150);
}

/* A control call to the mock (fails unless 200); the answer's body parsed
 * when want_body, else NULL. The caller puts. */
static json_object *
mock(const char *method, const char *path, const char *body, int want_body)
{
	static const char *const json_hdr[] = { "Content-Type: application/json", NULL };
	json_object *o = NULL;
	it_resp r;

	it_http_ex(it_env("IG_MOCK_URL"), method, path, body, body ? strlen(body) : 0, body ? json_hdr : NULL, 10,
	    &r);
	ck_assert_msg(r.status == 200, "mock %s %s: %ld %s", method, path, r.status, r.body.data);
	if (want_body)
		o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* The mock's POSTs to provider since its reset, oldest first, which must
 * be want of them (want < 0: any number). The caller puts. */
static json_object *
mock_posts(const char *provider, int want)
{
	char path[128];
	json_object *o, *out = json_object_new_array(), *reqs;

	snprintf(path, sizeof(path), "/_control/requests?provider=%s", provider);
	o = mock("GET", path, NULL, 1);
	reqs = it_jneed(o, "requests", json_type_array);
	for (size_t i = 0; i < json_object_array_length(reqs); i++) {
		json_object *q = json_object_array_get_idx(reqs, i);
		if (strcmp(it_js(q, "method"), "POST") == 0)
			json_object_array_add(out, json_object_get(q));
	}
	json_object_put(o);
	if (want >= 0)
		ck_assert_msg((int)json_object_array_length(out) == want, "%s: %d requests, want %d", provider,
		    (int)json_object_array_length(out), want);
	return out;
}

/* Lowercase hex SHA-256 of the stored bytes of image im. */
static void
stored_sha256(json_object *im, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	size_t len;
	char *p = it_img_fetch(im, &len);

	crypto_hash_sha256(h, (const unsigned char *)p, len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	free(p);
}

/* A w×h PNG uploaded as token: its image (caller puts). */
static json_object *
png_of(const char *token, int w, int h)
{
	gdImagePtr g = gdImageCreateTrueColor(w, h);
	json_object *im;
	void *png;
	int n = 0;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			gdImageSetPixel(g, x, y, gdTrueColor(x & 0xff, y & 0xff, 90));
	png = gdImagePngPtr(g, &n);
	gdImageDestroy(g);
	im = it_img_upload(token, png, (size_t)n, NULL, NULL);
	gdFree(png);
	return im;
}

/* POST /api/creative/{tool} with the printf body as token. */
static void
post_tool(it_resp *r, const char *token, const char *tool, const char *fmt, const char *a1, const char *a2)
{
	char path[64], body[512];

	snprintf(path, sizeof(path), "/api/creative/%s", tool);
	snprintf(body, sizeof(body), fmt, a1, a2);
	it_json(r, next_source(), "POST", path, token, "%s", body);
}

/* The job of answer o: provider prov, succeeded, carrying operation op. */
static void
assert_job(json_object *o, const char *prov, const char *op)
{
	char *n = it_psql("SELECT count(*) FROM jobs WHERE id = '%s' AND provider = '%s' AND status = 'succeeded'"
	    " AND request->'creative'->>'operation' = '%s'", it_sql_safe(it_js(o, "generation_id")), prov, op);

	ck_assert_msg(atoi(n) == 1, "job %s: not a succeeded %s job of %s", it_js(o, "generation_id"), prov, op);
	free(n);
}

/* A tool's 201 answer in r (freed here): its body, checked to hold count
 * images (the "images" array, or "image" when count is 0) with parent_id
 * src_id and operation op, made by a succeeded job of prov. Caller puts. */
static json_object *
answer_ok(it_resp *r, int count, const char *src_id, const char *prov, const char *op)
{
	json_object *o;

	ck_assert_msg(r->status == 201, "%ld %s", r->status, r->body.data);
	o = it_json_body(r);
	it_resp_free(r);
	if (count == 0) {
		ck_assert_str_eq(it_js(o, "image.operation"), op);
		ck_assert_str_eq(it_js(o, "image.parent_id"), src_id);
	} else {
		ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "images", json_type_array)), count);
		for (int i = 0; i < count; i++) {
			json_object *im = json_object_array_get_idx(it_jpath(o, "images"), (size_t)i);
			ck_assert_str_eq(it_js(im, "operation"), op);
			ck_assert_str_eq(it_js(im, "parent_id"), src_id);
		}
	}
	assert_job(o, prov, op);
	return o;
}

/* upscale with stability: one multipart POST to upscale/fast carrying the
 * source's bytes as "image" (PNG) and output_format, the caller's key as
 * the bearer; the answer a 4x image (the mock's 4x) stored with parent_id
 * and operation upscale by a stability job; asked again, the cached image. */
START_TEST(stability_upscale_sends_the_source)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cai", uid), sha[65];
	json_object *src = it_img_source_png(a), *o, *g, *q;
	it_resp r;

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"api_key\":\"%s\"}",
	    it_js(src, "id"), STAB_KEY);
	o = answer_ok(&r, 0, it_js(src, "id"), "stability", "upscale");
	ck_assert_int_eq(it_jint(o, "image.width"), 4 * W);
	ck_assert_int_eq(it_jint(o, "image.height"), 4 * H);
	g = mock_posts("stability", 1);
	q = json_object_array_get_idx(g, 0);
	ck_assert_str_eq(it_js(q, "path"), "/stability/v2beta/stable-image/upscale/fast");
	ck_assert_msg(strncmp(it_js(q, "content_type"), "multipart/form-data", 19) == 0, "sent %s",
	    it_js(q, "content_type"));
	ck_assert_str_eq(it_js(q, "headers.authorization"), "Bearer " STAB_KEY);
	stored_sha256(src, sha);
	ck_assert_str_eq(it_js(q, "multipart.image.sha256"), sha);
	ck_assert_str_eq(it_js(q, "multipart.image.content_type"), "image/png");
	ck_assert_str_eq(it_js(q, "multipart.output_format"), "png");
	it_assert_absent(q, "multipart.prompt");
	ck_assert_int_eq(it_img_rows_of(uid), 2);
	json_object_put(g);
	/* The same request again is answered from the cache, like a
	 * generation: the same image, and no second call to the provider. */
	post_tool(&r, a, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"api_key\":\"%s\"}",
	    it_js(src, "id"), STAB_KEY);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body.data);
	{
		json_object *again = it_json_body(&r);
		ck_assert_str_eq(it_js(again, "image.id"), it_js(o, "image.id"));
		json_object_put(again);
	}
	it_resp_free(&r);
	json_object_put(mock_posts("stability", 1));
	ck_assert_int_eq(it_img_rows_of(uid), 2);
	json_object_put(o);
	json_object_put(src);
	free(a);
}
END_TEST

/* stability's upscale is 4x only, sides 32–1536: scale 2 is a 400 naming
 * scale, a 16x16 or a 1600x40 source a 400 naming image_id, openai a 400
 * naming api_provider; none of them reaches the provider or makes a row. */
START_TEST(stability_upscale_refusals_are_named)
{
	char uid[IG_UUID_BUF], *a = it_img_user("caf", uid);
	json_object *src = it_img_source_png(a), *tiny = png_of(a, 16, 16), *wide = png_of(a, 1600, 40), *g;
	it_resp r;

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"scale\":2,\"api_key\":\"%s\"}",
	    it_js(src, "id"), STAB_KEY);
	it_expect_error(&r, 400, "invalid_request", "scale", NULL);
	it_resp_free(&r);
	post_tool(&r, a, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"api_key\":\"%s\"}",
	    it_js(tiny, "id"), STAB_KEY);
	it_expect_error(&r, 400, "invalid_request", "image_id", NULL);
	it_resp_free(&r);
	post_tool(&r, a, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"api_key\":\"%s\"}",
	    it_js(wide, "id"), STAB_KEY);
	it_expect_error(&r, 400, "invalid_request", "image_id", NULL);
	it_resp_free(&r);
	post_tool(&r, a, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"openai\"%s}", it_js(src, "id"), "");
	it_expect_error(&r, 400, "invalid_request", "api_provider", NULL);
	it_resp_free(&r);
	g = mock_posts("stability", 0);
	ck_assert_int_eq(it_img_rows_of(uid), 3);
	json_object_put(g);
	json_object_put(wide);
	json_object_put(tiny);
	json_object_put(src);
	free(a);
}
END_TEST

/* The image parts of recorded requests g all carry the bytes of src. */
static void
assert_image_parts(json_object *g, json_object *src)
{
	char sha[65];

	stored_sha256(src, sha);
	for (size_t i = 0; i < json_object_array_length(g); i++) {
		json_object *q = json_object_array_get_idx(g, i);
		ck_assert_str_eq(it_js(q, "path"), "/stability/v2beta/stable-image/generate/sd3");
		ck_assert_str_eq(it_js(q, "headers.authorization"), "Bearer " STAB_KEY);
		ck_assert_str_eq(it_js(q, "multipart.mode"), "image-to-image");
		ck_assert_str_eq(it_js(q, "multipart.image.sha256"), sha);
		ck_assert_str_eq(it_js(q, "multipart.image.content_type"), "image/png");
		ck_assert_str_eq(it_js(q, "multipart.output_format"), "png");
	}
}

/* style-transfer with stability: sd3 image-to-image with the prompt and
 * the strength and the source as "image"; the result stored with
 * parent_id and operation style-transfer. Without a prompt: a 400 naming
 * prompt, no request sent. */
START_TEST(stability_style_transfer_is_image_to_image)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cas", uid);
	json_object *src = it_img_source_png(a), *o, *g;
	it_resp r;

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "style-transfer", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"strength\":0.6,"
	    "\"prompt\":\"as a fresco\",\"api_key\":\"%s\"}", it_js(src, "id"), STAB_KEY);
	o = answer_ok(&r, 0, it_js(src, "id"), "stability", "style-transfer");
	g = mock_posts("stability", 1);
	assert_image_parts(g, src);
	ck_assert_str_eq(it_js(json_object_array_get_idx(g, 0), "multipart.prompt"), "as a fresco");
	ck_assert_str_eq(it_js(json_object_array_get_idx(g, 0), "multipart.strength"), "0.6");
	json_object_put(g);
	json_object_put(o);
	post_tool(&r, a, "style-transfer", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"api_key\":\"%s\"}",
	    it_js(src, "id"), STAB_KEY);
	it_expect_error(&r, 400, "invalid_request", "prompt", NULL);
	it_resp_free(&r);
	g = mock_posts("stability", 1);
	json_object_put(g);
	ck_assert_int_eq(it_img_rows_of(uid), 2);
	json_object_put(src);
	free(a);
}
END_TEST

/* variations with stability, count 3: one image-to-image call per
 * variation at strength 0.4, each with its own seed, the source (an upload,
 * no prompt of its own) as "image"; three images with parent_id and
 * operation variation. */
START_TEST(stability_variations_one_call_each_with_its_seed)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cav", uid);
	json_object *src = it_img_source_png(a), *o, *g;
	it_resp r;

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "variations", "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"count\":3,"
	    "\"api_key\":\"%s\"}", it_js(src, "id"), STAB_KEY);
	o = answer_ok(&r, 3, it_js(src, "id"), "stability", "variation");
	g = mock_posts("stability", 3);
	assert_image_parts(g, src);
	for (int i = 0; i < 3; i++) {
		json_object *q = json_object_array_get_idx(g, (size_t)i);
		ck_assert_str_eq(it_js(q, "multipart.strength"), "0.4");
		ck_assert_str_eq(it_js(q, "multipart.prompt"), "a variation of this image");
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(it_js(q, "multipart.seed"),
			    it_js(json_object_array_get_idx(g, (size_t)j), "multipart.seed"));
	}
	ck_assert_int_eq(it_img_rows_of(uid), 4);
	json_object_put(g);
	json_object_put(o);
	json_object_put(src);
	free(a);
}
END_TEST

/* The recorded OpenAI POSTs g: each to path, multipart, the source src's
 * bytes as "image", dall-e-2, b64_json, size. */
static void
assert_openai_parts(json_object *g, const char *path, json_object *src, const char *size)
{
	char sha[65];

	stored_sha256(src, sha);
	for (size_t i = 0; i < json_object_array_length(g); i++) {
		json_object *q = json_object_array_get_idx(g, i);
		ck_assert_str_eq(it_js(q, "path"), path);
		ck_assert_msg(strncmp(it_js(q, "content_type"), "multipart/form-data", 19) == 0, "sent %s",
		    it_js(q, "content_type"));
		ck_assert_str_eq(it_js(q, "headers.authorization"), "Bearer " OA_KEY);
		ck_assert_str_eq(it_js(q, "multipart.image.sha256"), sha);
		ck_assert_str_eq(it_js(q, "multipart.image.content_type"), "image/png");
		ck_assert_str_eq(it_js(q, "multipart.model"), "dall-e-2");
		ck_assert_str_eq(it_js(q, "multipart.response_format"), "b64_json");
		ck_assert_str_eq(it_js(q, "multipart.size"), size);
	}
}

/* style-transfer with openai: /v1/images/edits with the prompt and the
 * square PNG source (64x64: 256x256 out); variations with openai: one
 * /v1/images/variations call with n = count; the results stored with
 * parent_id and operation by openai jobs. A source that is not square is
 * a 400 naming image_id, nothing sent. */
START_TEST(openai_edits_and_variations)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cao", uid);
	json_object *src = png_of(a, 64, 64), *rect = it_img_source_png(a), *o, *g;
	it_resp r;

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "style-transfer", "{\"image_id\":\"%s\",\"api_provider\":\"openai\","
	    "\"prompt\":\"as a mosaic\",\"api_key\":\"%s\"}", it_js(src, "id"), OA_KEY);
	o = answer_ok(&r, 0, it_js(src, "id"), "openai", "style-transfer");
	ck_assert_int_eq(it_jint(o, "image.width"), 256);
	json_object_put(o);
	g = mock_posts("openai", 1);
	assert_openai_parts(g, "/openai/v1/images/edits", src, "256x256");
	ck_assert_str_eq(it_js(json_object_array_get_idx(g, 0), "multipart.prompt"), "as a mosaic");
	ck_assert_str_eq(it_js(json_object_array_get_idx(g, 0), "multipart.n"), "1");
	json_object_put(g);

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "variations", "{\"image_id\":\"%s\",\"api_provider\":\"openai\",\"count\":2,"
	    "\"api_key\":\"%s\"}", it_js(src, "id"), OA_KEY);
	o = answer_ok(&r, 2, it_js(src, "id"), "openai", "variation");
	json_object_put(o);
	g = mock_posts("openai", 1);
	assert_openai_parts(g, "/openai/v1/images/variations", src, "256x256");
	ck_assert_str_eq(it_js(json_object_array_get_idx(g, 0), "multipart.n"), "2");
	it_assert_absent(json_object_array_get_idx(g, 0), "multipart.prompt");
	json_object_put(g);

	mock("POST", "/_control/reset", "{}", 0);
	post_tool(&r, a, "variations", "{\"image_id\":\"%s\",\"api_provider\":\"openai\",\"api_key\":\"%s\"}",
	    it_js(rect, "id"), OA_KEY);
	it_expect_error(&r, 400, "invalid_request", "image_id", NULL);
	it_resp_free(&r);
	g = mock_posts("openai", 0);
	json_object_put(g);
	ck_assert_int_eq(it_img_rows_of(uid), 5);
	json_object_put(rect);
	json_object_put(src);
	free(a);
}
END_TEST

typedef struct bg_tool {
	pthread_t t;
	const char *token;
	char body[256];
	it_resp r;
} bg_tool;

static void *
bg_upscale(void *arg)
{
	bg_tool *c = arg;

	it_json(&c->r, next_source(), "POST", "/api/creative/upscale", c->token, "%s", c->body);
	return NULL;
}

/* The source deleted while the provider works: the job fails (a 404 that
 * says so, as the builtin path answers) instead of succeeding with nothing
 * stored. */
START_TEST(source_deleted_while_the_provider_works)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cad", uid), path[96], *n;
	json_object *src = it_img_source_png(a), *g = NULL;
	bg_tool c;
	it_resp r;
	int seen = 0;

	mock("POST", "/_control/reset", "{}", 0);
	mock("POST", "/_control/script", "{\"provider\":\"stability\",\"responses\":[{\"mode\":\"slow\",\"delay\":3}]}",
	    0);
	memset(&c, 0, sizeof(c));
	c.token = a;
	snprintf(c.body, sizeof(c.body), "{\"image_id\":\"%s\",\"api_provider\":\"stability\",\"api_key\":\"%s\"}",
	    it_js(src, "id"), STAB_KEY);
	ck_assert_int_eq(pthread_create(&c.t, NULL, bg_upscale, &c), 0);
	for (int i = 0; i < 100 && seen == 0; i++) {
		it_sleep_ms(100);
		g = mock_posts("stability", -1);
		seen = (int)json_object_array_length(g);
		json_object_put(g);
	}
	ck_assert_msg(seen == 1, "the runner never called the provider");
	snprintf(path, sizeof(path), "/api/files/delete/%s", it_js(src, "id"));
	it_json(&r, next_source(), "DELETE", path, a, NULL);
	ck_assert_msg(r.status == 200 || r.status == 204, "delete: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
	pthread_join(c.t, NULL);
	it_expect_error(&c.r, 404, "not_found", NULL, NULL);
	ck_assert_msg(strstr(c.r.body.data, "deleted while the job ran") != NULL, "%s", c.r.body.data);
	it_resp_free(&c.r);
	n = it_psql("SELECT count(*) FROM jobs WHERE user_id = '%s' AND status = 'failed'", it_sql_safe(uid));
	ck_assert_int_eq(atoi(n), 1);
	free(n);
	ck_assert_int_eq(it_img_rows_of(uid), 0);
	json_object_put(src);
	free(a);
}
END_TEST

/* The answer to POST /api/generate-image with stability and key (NULL:
 * none) as token, and to the stability upscale of src the same way: the
 * same status, error code and field. */
static void
same_error_as_generate(const char *token, const char *src_id, const char *key, long want)
{
	char keypart[96] = "";
	json_object *og, *oc, *field;
	it_resp r;
	long gs;

	if (key != NULL)
		snprintf(keypart, sizeof(keypart), ",\"api_key\":\"%s\"", key);
	it_json(&r, next_source(), "POST", "/api/generate-image", token,
	    "{\"prompt\":\"cai: a lighthouse\",\"api_provider\":\"stability\"%s}", keypart);
	gs = r.status;
	og = it_json_body(&r);
	it_resp_free(&r);
	post_tool(&r, token, "upscale", "{\"image_id\":\"%s\",\"api_provider\":\"stability\"%s}", src_id, keypart);
	oc = it_json_body(&r);
	ck_assert_msg(gs == want && r.status == want, "generate %ld, upscale %ld (want %ld): %s", gs, r.status, want,
	    r.body.data);
	field = it_jpath(og, "error.field");
	it_error_shape(&r, oc, it_js(og, "error.code"), field != NULL ? json_object_get_string(field) : NULL);
	ck_assert_msg((field == NULL) == (it_jpath(oc, "error.field") == NULL), "fields differ: %s", r.body.data);
	printf("creative_ai: stability with %s: %ld %s\n", key ? "a refused key" : "no key", r.status, r.body.data);
	it_resp_free(&r);
	json_object_put(og);
	json_object_put(oc);
}

/* A key the provider refuses: 401 provider_auth_failed for the upscale as
 * for a generation; no key at all (none given, none stored, none on the
 * server): the 401 a generation gets, naming the same field. */
START_TEST(provider_errors_and_no_key_as_generate)
{
	char uid[IG_UUID_BUF], *a = it_img_user("cae", uid);
	json_object *src = it_img_source_png(a);

	mock("POST", "/_control/reset", "{}", 0);
	mock("POST", "/_control/script", "{\"provider\":\"stability\",\"responses\":"
	    "[{\"mode\":\"bad_key\"},{\"mode\":\"bad_key\"}]}", 0);
	same_error_as_generate(a, it_js(src, "id"), STAB_KEY, 401);
	same_error_as_generate(a, it_js(src, "id"), NULL, 401);
	ck_assert_int_eq(it_img_rows_of(uid), 1);
	json_object_put(src);
	free(a);
}
END_TEST

IT_MAIN("creative_ai", NULL,
    IT_TCASE("stability", 180, &stability_upscale_sends_the_source, &stability_upscale_refusals_are_named,
	&stability_style_transfer_is_image_to_image, &stability_variations_one_call_each_with_its_seed,
	&provider_errors_and_no_key_as_generate, &source_deleted_while_the_provider_works),
    IT_TCASE("openai", 180, &openai_edits_and_variations))
