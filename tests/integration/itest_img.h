/*
 * itest_img.h — helpers of the suites that upload images and read their
 * pixels back (test_process, test_creative): a user, the 64×32 quadrants
 * image (top-left red, top-right green, bottom-left blue, bottom-right
 * white) in each format, multipart uploads to POST /api/images, an image
 * object's stored file fetched through nginx and decoded, and a pixel
 * check.
 */
#ifndef IG_ITEST_IMG_H
#define IG_ITEST_IMG_H

#include <stddef.h>

#include <gd.h>
#include <json-c/json.h>

#include "lib/core/util.h"
#include "tests/integration/itest.h"

enum { IT_QUAD_W = 64, IT_QUAD_H = 32 };
#define RED 0xff0000
#define GREEN 0x00ff00
#define BLUE 0x0000ff
#define WHITE 0xffffff

/* One part of a multipart/form-data body. */
struct it_part {
	const char *name, *filename;
	const void *data;
	size_t len;
};

#define IT_IMG_BOUNDARY "igtestBoundary7MA4YWxk"

/* A new user: its token (caller frees) and id (uid, 37 bytes), which
 * GET /api/user says. */
char *it_img_user(const char *prefix, char *uid);

/* 64×32, quadrants: top-left red, top-right green, bottom-left blue,
 * bottom-right white. */
gdImagePtr it_img_quadrants(void);

/* The quadrants image encoded as fmt ("png", "jpeg", "webp"): *len bytes
 * (gdFree). */
unsigned char *it_img_encoded(const char *fmt, size_t *len);

/* A multipart/form-data body of the n parts (RFC 7578). */
void it_img_multipart(ig_buf *b, const struct it_part *parts, int n);

/* POST /api/images with body (ctype as its Content-Type) as token. */
void it_img_post_upload(it_resp *r, const char *token, const char *ctype, const char *body, size_t len);

/* Upload the n parts as token: the answer. */
void it_img_upload_parts(it_resp *r, const char *token, const struct it_part *parts, int n);

/* The image of a 201 answer (caller puts); r is freed. */
json_object *it_img_created(it_resp *r);

/* Upload data as file (with title and tags when not NULL) as token; 201
 * and the image object (caller puts). */
json_object *it_img_upload(const char *token, const void *data, size_t len, const char *title, const char *tags);

/* The stored file of image object im, fetched through nginx: its bytes
 * (caller frees) and *len. */
char *it_img_fetch(json_object *im, size_t *len);

/* The stored image of im decoded (caller destroys). */
gdImagePtr it_img_pixels(json_object *im);

/* Fail unless the pixel at x, y of g is within tol of rgb (each channel). */
void it_img_assert_pixel(gdImagePtr g, int x, int y, int rgb, int tol, const char *what);

/* The quadrants PNG uploaded as token: its image (caller puts). */
json_object *it_img_source_png(const char *token);

/* The number of uid's rows in images. */
long it_img_rows_of(const char *uid);

#endif
