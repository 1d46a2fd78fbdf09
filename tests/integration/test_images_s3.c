/*
 * test_images_s3.c — IG_IMAGE_BACKEND=s3 (lib/store/image_store.c) on the
 * stack's S3 server (moto, signing enforced), read back by boto3
 * (tests/fixtures/s3_check.py): a generated image and its thumbnail are
 * objects under images/ (bytes, x-amz-meta-sha256) and not files of
 * IG_IMAGE_DIR; /generated_images/<name> through nginx is a 302 to a
 * presigned URL answering the same bytes; a gallery delete removes both
 * objects (and the URL stops answering); process, a creative tool, the
 * batch ZIP and the PNG metadata read from the bucket; an upload lands in
 * it. The pool and the runner are restarted with the override for the
 * suite and put back after it.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/auth/token.h"
#include "lib/core/util.h"
#include "tests/integration/itest.h"
#include "tests/integration/itest_img.h"

static const char *
src(void)
{
	return it_source(60, 4, 0);
}

static void
s3_pool(void)
{
	setenv("IG_STACK_OVERRIDES", "IG_IMAGE_BACKEND=s3", 1);
	it_stack("pool-start");
	it_stack("worker-start");
	unsetenv("IG_STACK_OVERRIDES");
}

static void
local_pool(void)
{
	unsetenv("IG_STACK_OVERRIDES");
	it_stack_quiet("pool-start");
	it_stack_quiet("worker-start");
}

/* boto3's reading of images/<name>: the JSON of s3_check.py get, or NULL
 * when there is no such object. */
static json_object *
object_of(const char *name)
{
	char *args = ig_xasprintf("get 'images/%s'", name), *out;
	json_object *o = it_s3_check(&out, args) == 0 ? json_tokener_parse(out) : NULL;

	free(args);
	free(out);
	return o;
}

/* Fail unless images/<name> is an object whose bytes hash to sha (when
 * not NULL), which its metadata says too, and no file of IG_IMAGE_DIR. */
static void
assert_object(const char *name, const char *sha)
{
	json_object *o = object_of(name);
	char path[1024];
	struct stat sb;

	ck_assert_msg(o != NULL, "images/%s is not in the bucket", name);
	ck_assert_str_eq(it_js(o, "sha256"), it_js(o, "meta_sha256"));
	if (sha != NULL)
		ck_assert_str_eq(it_js(o, "sha256"), sha);
	json_object_put(o);
	snprintf(path, sizeof(path), "%s/%s", it_env("IG_IMAGE_DIR"), name);
	ck_assert_msg(stat(path, &sb) != 0, "%s is on the local disk", path);
}

static void
assert_no_object(const char *name)
{
	json_object *o = object_of(name);

	ck_assert_msg(o == NULL, "images/%s is still in the bucket", name);
}

/* GET /generated_images/<name> through nginx: a 302 (short
 * Cache-Control) to a URL of the object images/<name> that botocore's
 * signer accepts. The URL signs S3's response-cache-control override, so
 * the bytes S3 answers are cacheable for the URL's life: without it they
 * came with no Cache-Control at all. moto 5 ignores response-* overrides,
 * so the object itself carries the same Cache-Control, written at PUT:
 * the redirect followed to moto answers it (issue 14: it answered none),
 * and so does HeadObject. */
static void
assert_served(const char *name)
{
	char path[512], loc[4096], cc[128], want[600], *args, *out, sha[65];
	unsigned char sum[IG_SHA256_LEN];
	json_object *o;
	it_resp r;

	snprintf(path, sizeof(path), "/generated_images/%s", name);
	it_http("GET", path, NULL, 0, &r);
	ck_assert_msg(r.status == 302, "GET %s: %ld %s", path, r.status, r.body.data);
	ck_assert(it_header(&r, "Location", loc, sizeof(loc)));
	ck_assert(it_header(&r, "Cache-Control", cc, sizeof(cc)));
	ck_assert_str_eq(cc, "private, max-age=300");
	it_resp_free(&r);
	snprintf(want, sizeof(want), "%s/%s/images/%s?", it_env("IG_S3_ENDPOINT"), it_env("IG_S3_BUCKET"), name);
	ck_assert_msg(strncmp(loc, want, strlen(want)) == 0, "%s is not %s…", loc, want);
	ck_assert_msg(strstr(loc, "&response-cache-control=public%2C%20max-age%3D600%2C%20immutable&") != NULL,
	    "%s: no response-cache-control", loc);
	args = ig_xasprintf("presign-verify '%s'", loc);
	ck_assert_msg(it_s3_check(&out, args) == 0, "presign-verify: %s", out);
	free(args);
	free(out);

	/* Followed, as a browser does. moto with signing enforced serves a
	 * presigned GET only when told to let the next request through
	 * unsigned. */
	it_s3_unsigned_next();
	it_http_ex(loc, "GET", "", NULL, 0, NULL, 30, &r);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", loc, r.status, r.body.data);
	ck_assert_msg(it_header(&r, "Cache-Control", cc, sizeof(cc)), "the object's answer has no Cache-Control");
	ck_assert_str_eq(cc, "public, max-age=600, immutable");
	ck_assert(it_header(&r, "Content-Type", cc, sizeof(cc)));
	ck_assert_str_eq(cc, "image/png");
	ig_sha256(r.body.data, r.body.len, sum);
	ig_hex(sum, sizeof(sum), sha);
	it_resp_free(&r);
	o = object_of(name);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(sha, it_js(o, "sha256"));
	json_object_put(o);

	/* HeadObject says the same. */
	args = ig_xasprintf("head 'images/%s'", name);
	ck_assert_msg(it_s3_check(&out, args) == 0, "head: %s", out);
	o = json_tokener_parse(out);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(it_js(o, "cache_control"), "public, max-age=600, immutable");
	ck_assert_str_eq(it_js(o, "content_type"), "image/png");
	json_object_put(o);
	free(args);
	free(out);
}

/* GET /generated_images/<name> through nginx: 404 in the API's JSON error
 * shape, not a 302 to the store's XML 404. */
static void
assert_unknown(const char *name)
{
	char path[512];
	json_object *o;
	it_resp r;

	snprintf(path, sizeof(path), "/generated_images/%s", name);
	it_http("GET", path, NULL, 0, &r);
	ck_assert_msg(r.status == 404, "GET %s: %ld %s", path, r.status, r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "error.code"), "not_found");
	json_object_put(o);
	it_resp_free(&r);
}

/* Generate with builtin: image and thumbnail are objects, not files; the
 * URL answers the same bytes; the metadata is read from the object; a
 * delete removes both objects and the URL stops answering. */
START_TEST(generate_serve_delete)
{
	char uid[IG_UUID_BUF], *a = it_img_user("is3", uid), prompt[128], path[128];
	char *name, *thumb, *rowsha;
	json_object *gen, *o;
	it_resp r;

	it_fresh_prompt(prompt, sizeof(prompt), "a red kite over the sea");
	it_json(&r, src(), "POST", "/api/generate-image", a,
	    "{\"prompt\":\"%s\",\"api_provider\":\"builtin\",\"image_size\":\"128x128\",\"seed\":7}", prompt);
	IT_EXPECT(&r, 200);
	gen = it_json_body(&r);
	it_resp_free(&r);
	name = it_psql("SELECT filename FROM images WHERE id = '%s'", it_sql_safe(it_js(gen, "images.0.id")));
	rowsha = it_psql("SELECT sha256 FROM images WHERE id = '%s'", it_sql_safe(it_js(gen, "images.0.id")));
	thumb = it_thumbnail_of(it_js(gen, "images.0.id"));
	assert_object(name, rowsha);
	assert_object(thumb, NULL);

	assert_served(name);
	assert_served(thumb);

	/* GET /api/images/{id} reads the PNG's text chunk from the object. */
	snprintf(path, sizeof(path), "/api/images/%s", it_js(gen, "images.0.id"));
	it_json(&r, src(), "GET", path, a, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "image.metadata.provider"), "builtin");
	json_object_put(o);
	it_resp_free(&r);

	snprintf(path, sizeof(path), "/api/files/delete/%s", it_js(gen, "images.0.id"));
	it_json(&r, src(), "DELETE", path, a, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	assert_no_object(name);
	assert_no_object(thumb);
	/* Gone from the table too: its names are unknown, no redirect. */
	assert_unknown(name);
	assert_unknown(thumb);
	free(name);
	free(thumb);
	free(rowsha);
	json_object_put(gen);
	free(a);
}
END_TEST

/* A name that is no image of the table answers 404 without asking the
 * bucket: one never made, a thumbnail's name for an image that has none
 * of that name, and an object in the bucket that no row names (a guess
 * at another prefix's key could otherwise be redirected to). */
START_TEST(unknown_names)
{
	char name[128], *out, *args;

	snprintf(name, sizeof(name), "builtin_1700000000_0_%08x.png", (unsigned)getpid());
	assert_unknown(name);
	snprintf(name, sizeof(name), "builtin_1700000000_0_%08x.png.thumb.png", (unsigned)getpid());
	assert_unknown(name);
	assert_unknown(".thumb.png");
	/* An object under images/ that no row names. */
	snprintf(name, sizeof(name), "stray_%d.png", (int)getpid());
	args = ig_xasprintf("put 'images/%s'", name);
	ck_assert_msg(it_s3_check(&out, args) == 0, "put: %s", out);
	free(out);
	free(args);
	assert_unknown(name);
}
END_TEST

/* An upload lands in the bucket; process and a creative tool read it from
 * there and store their results there; a copy to storage reads it too. */
START_TEST(upload_process_creative)
{
	char uid[IG_UUID_BUF], *a = it_img_user("is3u", uid), body[200], *rowsha;
	size_t len;
	unsigned char *png = it_img_encoded("png", &len);
	json_object *up = it_img_upload(a, png, len, NULL, NULL), *p, *u, *o;
	it_resp r;

	gdFree(png);
	rowsha = it_psql("SELECT sha256 FROM images WHERE id = '%s'", it_sql_safe(it_js(up, "id")));
	assert_object(it_js(up, "filename"), rowsha);
	assert_served(it_js(up, "filename"));

	it_json(&r, src(), "POST", "/api/image/process", a,
	    "{\"image_id\":\"%s\",\"operations\":[{\"op\":\"flip\",\"direction\":\"horizontal\"}]}", it_js(up, "id"));
	p = it_img_created(&r);
	assert_object(it_js(p, "filename"), NULL);
	assert_served(it_js(p, "filename"));
	/* The upscale reads the processed image back from the bucket. */
	snprintf(body, sizeof(body), "{\"image_id\":\"%s\"}", it_js(p, "id"));
	it_json(&r, src(), "POST", "/api/creative/upscale", a, "%s", body);
	ck_assert_msg(r.status == 201, "upscale: %ld %s", r.status, r.body.data);
	u = it_json_body(&r);
	it_resp_free(&r);
	assert_object(it_js(u, "image.filename"), NULL);

	it_json(&r, src(), "POST", "/api/storage/upload", a, "{\"image_id\": \"%s\"}", it_js(up, "id"));
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "sha256"), rowsha);
	json_object_put(o);
	free(rowsha);
	it_resp_free(&r);

	json_object_put(u);
	json_object_put(p);
	json_object_put(up);
	free(a);
}
END_TEST

/* The batch ZIP reads each image from the bucket. */
START_TEST(batch_zip)
{
	char uid[IG_UUID_BUF], *a = it_img_user("is3b", uid), *id, path[128];
	it_resp r;

	id = it_batch_submit(src(), a, "{\"prompts\": [\"a boat %d\", \"a tree %d\"], \"settings\": "
	    "{\"api_provider\": \"builtin\", \"image_size\": \"128x128\"}}", (int)getpid(), (int)getpid());
	snprintf(path, sizeof(path), "/api/batch/status/%s", id);
	for (int i = 0; i < 240; i++) {
		json_object *st;
		const char *s;
		it_json(&r, src(), "GET", path, a, NULL);
		IT_EXPECT(&r, 200);
		st = it_json_body(&r);
		it_resp_free(&r);
		s = it_jstr(st, "status", NULL);
		if (strcmp(s, "queued") != 0 && strcmp(s, "processing") != 0) {
			ck_assert_str_eq(s, "completed");
			json_object_put(st);
			break;
		}
		json_object_put(st);
		it_sleep_ms(250);
	}
	/* Its images are objects only, so the ZIP below read them there. */
	{
		char *names = it_psql("SELECT string_agg(filename, ' ') FROM images WHERE user_id = '%s'", uid);
		int n = 0;
		for (char *t = strtok(names, " "); t != NULL; t = strtok(NULL, " "), n++)
			assert_object(t, NULL);
		ck_assert_int_eq(n, 2);
		free(names);
	}
	snprintf(path, sizeof(path), "/api/batch/%s/download", id);
	{
		it_req q = { .method = "GET", .path = path, .bearer = a, .source_ip = src(), .timeout_s = 60 };
		it_request(&q, &r);
	}
	IT_EXPECT(&r, 200);
	/* Both images are in the archive, each a PNG (python reads it from
	 * its stdin). */
	{
		FILE *py = popen("python3 -c 'import io, json, sys, zipfile;"
		    " z = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())); assert z.testzip() is None;"
		    " m = json.loads(z.read(\"manifest.json\")); assert len(m) == 2 and all(e[\"file\"] for e in m), m;"
		    " assert all(z.read(e[\"file\"])[:4] == b\"\\x89PNG\" for e in m)'", "w");
		ck_assert_ptr_nonnull(py);
		ck_assert_uint_eq(fwrite(r.body.data, 1, r.body.len, py), r.body.len);
		ck_assert_int_eq(pclose(py), 0);
	}
	it_resp_free(&r);
	free(id);
	free(a);
}
END_TEST

IT_MAIN("images_s3", NULL,
    { .name = "s3", .timeout_s = 120, .setup = s3_pool, .teardown = local_pool,
      .tests = IT_TESTS(&generate_serve_delete, &unknown_names, &upload_process_creative, &batch_zip) });
