/* itest_img.c — see itest_img.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest_img.h"

static const char *
next_source(void)
{
	return it_source(170, 30, 100);
}

/* A new user: its token (caller frees) and id (uid, 37 bytes), which
 * GET /api/user says. */
char *
it_img_user(const char *prefix, char *uid)
{
	char *token = it_new_user(prefix, next_source(), NULL);
	json_object *o;
	it_resp r;

	it_json(&r, next_source(), "GET", "/api/user", token, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	snprintf(uid, 37, "%s", it_js(o, "user.id"));
	json_object_put(o);
	it_resp_free(&r);
	return token;
}


/* 64×32, quadrants: top-left red, top-right green, bottom-left blue,
 * bottom-right white. */
gdImagePtr
it_img_quadrants(void)
{
	gdImagePtr im = gdImageCreateTrueColor(IT_QUAD_W, IT_QUAD_H);

	gdImageFilledRectangle(im, 0, 0, IT_QUAD_W / 2 - 1, IT_QUAD_H / 2 - 1, gdTrueColor(255, 0, 0));
	gdImageFilledRectangle(im, IT_QUAD_W / 2, 0, IT_QUAD_W - 1, IT_QUAD_H / 2 - 1, gdTrueColor(0, 255, 0));
	gdImageFilledRectangle(im, 0, IT_QUAD_H / 2, IT_QUAD_W / 2 - 1, IT_QUAD_H - 1, gdTrueColor(0, 0, 255));
	gdImageFilledRectangle(im, IT_QUAD_W / 2, IT_QUAD_H / 2, IT_QUAD_W - 1, IT_QUAD_H - 1, gdTrueColor(255, 255, 255));
	return im;
}

/* The quadrants image encoded as fmt ("png", "jpeg", "webp"): *len bytes
 * (gdFree). */
unsigned char *
it_img_encoded(const char *fmt, size_t *len)
{
	gdImagePtr im = it_img_quadrants();
	int n = 0;
	void *p = strcmp(fmt, "png") == 0 ? gdImagePngPtr(im, &n) :
	    strcmp(fmt, "jpeg") == 0 ? gdImageJpegPtr(im, &n, 95) : gdImageWebpPtrEx(im, &n, 95);

	gdImageDestroy(im);
	ck_assert_msg(p != NULL && n > 0, "libgd could not encode %s", fmt);
	*len = (size_t)n;
	return p;
}


/* A multipart/form-data body of the n parts (RFC 7578). */
void
it_img_multipart(ig_buf *b, const struct it_part *parts, int n)
{
	for (int i = 0; i < n; i++) {
		ig_buf_printf(b, "--" IT_IMG_BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"", parts[i].name);
		if (parts[i].filename)
			ig_buf_printf(b, "; filename=\"%s\"\r\nContent-Type: application/octet-stream", parts[i].filename);
		ig_buf_puts(b, "\r\n\r\n");
		ig_buf_append(b, parts[i].data, parts[i].len);
		ig_buf_puts(b, "\r\n");
	}
	ig_buf_puts(b, "--" IT_IMG_BOUNDARY "--\r\n");
}

/* POST /api/images with body (ctype as its Content-Type) as token. */
void
it_img_post_upload(it_resp *r, const char *token, const char *ctype, const char *body, size_t len)
{
	char h[256];
	const char *hdrs[] = { h, NULL };
	it_req q = { .method = "POST", .path = "/api/images", .body = body, .len = len, .headers = hdrs,
		.bearer = token, .source_ip = next_source(), .timeout_s = 60 };

	snprintf(h, sizeof(h), "Content-Type: %s", ctype);
	it_request(&q, r);
}

/* Upload the n parts as token: the answer. */
void
it_img_upload_parts(it_resp *r, const char *token, const struct it_part *parts, int n)
{
	ig_buf b = { 0 };

	it_img_multipart(&b, parts, n);
	it_img_post_upload(r, token, "multipart/form-data; boundary=" IT_IMG_BOUNDARY, b.data, b.len);
	ig_buf_free(&b);
}

/* The image of a 201 answer (caller puts); r is freed. */
json_object *
it_img_created(it_resp *r)
{
	json_object *o, *im;

	IT_EXPECT(r, 201);
	o = it_json_body(r);
	im = json_object_get(it_jneed(o, "image", json_type_object));
	json_object_put(o);
	it_resp_free(r);
	return im;
}

/* Upload data as file (with title and tags when not NULL) as token; 201
 * and the image object (caller puts). */
json_object *
it_img_upload(const char *token, const void *data, size_t len, const char *title, const char *tags)
{
	struct it_part parts[3] = { { "file", "in.bin", data, len } };
	int n = 1;
	it_resp r;

	if (title)
		parts[n++] = (struct it_part){ "title", NULL, title, strlen(title) };
	if (tags)
		parts[n++] = (struct it_part){ "tags", NULL, tags, strlen(tags) };
	it_img_upload_parts(&r, token, parts, n);
	return it_img_created(&r);
}

/* The stored file of image object im, fetched through nginx: its bytes
 * (caller frees) and *len. */
char *
it_img_fetch(json_object *im, size_t *len)
{
	it_resp r;
	char *p;

	it_http("GET", it_js(im, "url"), NULL, 0, &r);
	IT_EXPECT(&r, 200);
	*len = r.body.len;
	p = ig_xmalloc(r.body.len + 1);
	memcpy(p, r.body.data, r.body.len);
	it_resp_free(&r);
	return p;
}

/* The stored image of im decoded (caller destroys). */
gdImagePtr
it_img_pixels(json_object *im)
{
	size_t len;
	char *p = it_img_fetch(im, &len);
	const char *mime = it_js(im, "mime_type");
	gdImagePtr g = strcmp(mime, "image/png") == 0 ? gdImageCreateFromPngPtr((int)len, p) :
	    strcmp(mime, "image/jpeg") == 0 ? gdImageCreateFromJpegPtr((int)len, p) : gdImageCreateFromWebpPtr((int)len, p);

	free(p);
	ck_assert_msg(g != NULL, "the stored %s does not decode", mime);
	ck_assert_int_eq(gdImageSX(g), (int)it_jint(im, "width"));
	ck_assert_int_eq(gdImageSY(g), (int)it_jint(im, "height"));
	return g;
}

/* Fail unless the pixel at x, y of g is within tol of rgb (each channel). */
void
it_img_assert_pixel(gdImagePtr g, int x, int y, int rgb, int tol, const char *what)
{
	int c = gdImageGetTrueColorPixel(g, x, y);
	int dr = abs(gdTrueColorGetRed(c) - (rgb >> 16)), dg = abs(gdTrueColorGetGreen(c) - ((rgb >> 8) & 0xff)),
	    db = abs(gdTrueColorGetBlue(c) - (rgb & 0xff));

	ck_assert_msg(dr <= tol && dg <= tol && db <= tol, "%s: pixel (%d,%d) is #%02x%02x%02x, want #%06x", what, x, y,
	    gdTrueColorGetRed(c), gdTrueColorGetGreen(c), gdTrueColorGetBlue(c), rgb);
}

/* The quadrants PNG uploaded as token: its image (caller puts). */
json_object *
it_img_source_png(const char *token)
{
	size_t len;
	unsigned char *png = it_img_encoded("png", &len);
	json_object *im = it_img_upload(token, png, len, NULL, NULL);

	gdFree(png);
	return im;
}

/* The number of uid's rows in images. */
long
it_img_rows_of(const char *uid)
{
	char *n = it_psql("SELECT count(*) FROM images WHERE user_id = '%s'", it_sql_safe(uid));
	long v = atol(n);

	free(n);
	return v;
}
