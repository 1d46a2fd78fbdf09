/* codec.c — decode with limits, encode; see ops.h. */
#include "ig_autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <png.h>

#include "lib/core/util.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/pixbuf.h"

ig_img_format
ig_img_format_from_name(const char *name)
{
	static const struct {
		const char *name;
		ig_img_format fmt;
	} names[] = {
		{ "png", IG_IMG_PNG }, { "jpeg", IG_IMG_JPEG }, { "jpg", IG_IMG_JPEG },
		{ "webp", IG_IMG_WEBP },
	};

	for (size_t i = 0; name != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].fmt;
	return IG_IMG_UNKNOWN;
}

/*
 * PNG through libpng directly (PNG 2nd ed. §11.2.2 IHDR, §9 filtering).
 * libgd's writer first copies the whole image into its own RGBA rows (16 MB
 * more for 2048²) and tries every filter on every row; here each row is
 * packed into one small buffer as it is written, with one filter (Up,
 * §9.2: as cheap as Sub, and 27 % smaller on a smooth upscale, about what
 * trying every filter gives at twice the time), and RGB instead of RGBA
 * when no pixel is translucent. libgd's reader converts pixel by pixel through its
 * palette logic; libpng's simplified reader fills one RGBA buffer that is
 * packed into gd's rows.
 */
typedef struct membuf {
	unsigned char *p;
	size_t len, cap;
} membuf;

static void
mem_write(png_structp png, png_bytep data, size_t n)
{
	membuf *mb = png_get_io_ptr(png);

	if (mb->len + n > mb->cap) {
		mb->cap = (mb->len + n) * 2;
		mb->p = ig_xrealloc(mb->p, mb->cap);
	}
	memcpy(mb->p + mb->len, data, n);
	mb->len += n;
}

static void
mem_flush(png_structp png)
{
	(void)png;
}

static int
all_opaque(gdImagePtr img)
{
	for (int y = 0; y < gdImageSY(img); y++)
		for (int x = 0; x < gdImageSX(img); x++)
			if (gdTrueColorGetAlpha(ig_img_pixel(img, x, y)) != 0)
				return 0;
	return 1;
}

/* The state a longjmp from libpng must find intact. */
typedef struct pngw {
	png_structp png;
	png_infop info;
	membuf mb;
	unsigned char *row;
	int opaque;
} pngw;

/* Write img through s; -1 when libpng fails (it longjmps here). */
static int
encode_rows(pngw *s, gdImagePtr img)
{
	if (setjmp(png_jmpbuf(s->png)))
		return -1;
	png_set_write_fn(s->png, &s->mb, mem_write, mem_flush);
	png_set_IHDR(s->png, s->info, (png_uint_32)gdImageSX(img), (png_uint_32)gdImageSY(img), 8,
	    s->opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(s->png, IG_PNG_LEVEL);
	png_set_filter(s->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
	png_write_info(s->png, s->info);
	for (int y = 0; y < gdImageSY(img); y++) {
		unsigned char *o = s->row;
		for (int x = 0; x < gdImageSX(img); x++, o += s->opaque ? 3 : 4) {
			int c = ig_img_pixel(img, x, y), a = gdTrueColorGetAlpha(c);
			o[0] = (unsigned char)gdTrueColorGetRed(c);
			o[1] = (unsigned char)gdTrueColorGetGreen(c);
			o[2] = (unsigned char)gdTrueColorGetBlue(c);
			if (!s->opaque)    /* libgd's own 7- to 8-bit mapping */
				o[3] = (unsigned char)(255 - ((a << 1) + (a >> 6)));
		}
		png_write_row(s->png, s->row);
	}
	png_write_end(s->png, NULL);
	return 0;
}

static int
encode_png(gdImagePtr img, unsigned char **out, size_t *outlen)
{
	pngw *s = ig_xcalloc(1, sizeof(*s));
	int rc = -1;

	s->opaque = all_opaque(img);
	s->row = ig_xmalloc((size_t)gdImageSX(img) * 4);
	s->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (s->png != NULL && (s->info = png_create_info_struct(s->png)) != NULL &&
	    encode_rows(s, img) == 0) {
		*out = s->mb.p;
		*outlen = s->mb.len;
		s->mb.p = NULL;
		rc = 0;
	}
	png_destroy_write_struct(&s->png, &s->info);
	free(s->mb.p);
	free(s->row);
	free(s);
	return rc;
}

static gdImagePtr
decode_png(const unsigned char *buf, size_t len)
{
	png_image pi;
	unsigned char *px = NULL;
	gdImagePtr im = NULL;

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, buf, len))
		return NULL;
	pi.format = PNG_FORMAT_RGBA;
	px = ig_xmalloc(PNG_IMAGE_SIZE(pi));
	if (!png_image_finish_read(&pi, NULL, px, 0, NULL) ||
	    (im = ig_img_new((int)pi.width, (int)pi.height)) == NULL) {
		png_image_free(&pi);
		free(px);
		return NULL;
	}
	for (int y = 0; y < (int)pi.height; y++) {
		const unsigned char *p = px + (size_t)y * pi.width * 4;
		for (int x = 0; x < (int)pi.width; x++, p += 4)
			im->tpixels[y][x] = gdTrueColorAlpha(p[0], p[1], p[2], 127 - (p[3] >> 1));
	}
	free(px);
	return im;
}

static gdImagePtr
decode_png_gd(int len, void *buf)
{
	return decode_png(buf, (size_t)len);
}

int
ig_img_decode(const unsigned char *buf, size_t len, long max_pixels, ig_img_format *fmt,
    gdImagePtr *img, ig_err *err)
{
	static gdImagePtr (*const decoders[IG_IMG__MAX])(int, void *) = {
		[IG_IMG_PNG] = decode_png_gd,
		[IG_IMG_JPEG] = gdImageCreateFromJpegPtr,
		[IG_IMG_WEBP] = gdImageCreateFromWebpPtr,
	};
	int w, h;
	gdImagePtr im;

	if (ig_image_probe(buf, len, fmt, &w, &h) != 0 && *fmt == IG_IMG_UNKNOWN)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL,
		    "image is not PNG, JPEG or WebP (judged by its leading bytes)");
	if (w == 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL,
		    "%s header is truncated or corrupt", ig_image_ext(*fmt));
	if ((int64_t)w * (int64_t)h > (int64_t)max_pixels)
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, NULL,
		    "image is %d x %d pixels; at most %ld are allowed", w, h, max_pixels);
	if (len > INT_MAX)
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, NULL, "image is over 2 GiB");
	if ((im = decoders[*fmt]((int)len, (void *)(uintptr_t)buf)) == NULL)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "%s image could not be decoded",
		    ig_image_ext(*fmt));
	if (gdImageSX(im) != w || gdImageSY(im) != h) {
		gdImageDestroy(im);
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL,
		    "image header and data disagree on size");
	}
	if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
		gdImageDestroy(im);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot convert the palette image");
	}
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	*img = im;
	return 0;
}

/* img over white, opaque (JPEG has no alpha channel). */
static gdImagePtr
flatten(gdImagePtr img)
{
	int w = gdImageSX(img), h = gdImageSY(img);
	gdImagePtr out = ig_img_new(w, h);

	if (out == NULL)
		return NULL;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			int c = ig_img_pixel(img, x, y), a = gdAlphaMax - gdTrueColorGetAlpha(c);
			int inv = (gdAlphaMax - a) * 255;
			out->tpixels[y][x] = gdTrueColorAlpha(
			    (gdTrueColorGetRed(c) * a + inv + 63) / gdAlphaMax,
			    (gdTrueColorGetGreen(c) * a + inv + 63) / gdAlphaMax,
			    (gdTrueColorGetBlue(c) * a + inv + 63) / gdAlphaMax, 0);
		}
	return out;
}

int
ig_img_encode(gdImagePtr img, ig_img_format fmt, int quality, unsigned char **out,
    size_t *outlen, ig_err *err)
{
	void *data = NULL;
	int size = 0;
	gdImagePtr flat = NULL;

	if (quality == 0)
		quality = 90;
	if (quality < 1 || quality > 100)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "quality", "quality must be 1–100");
	switch (fmt) {
	case IG_IMG_PNG:
		if (encode_png(img, out, outlen) != 0)
			return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot encode the image as png");
		return 0;
	case IG_IMG_JPEG:
		if ((flat = flatten(img)) != NULL)
			data = gdImageJpegPtr(flat, &size, quality);
		break;
	case IG_IMG_WEBP:
		gdImageSaveAlpha(img, 1);
		data = gdImageWebpPtrEx(img, &size, quality);
		break;
	default:
		return ig_err_set(err, IG_E_INVALID_REQUEST, "format",
		    "format must be png, jpeg or webp");
	}
	if (flat != NULL)
		gdImageDestroy(flat);
	if (data == NULL || size <= 0) {
		gdFree(data);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot encode the image as %s",
		    ig_image_ext(fmt));
	}
	*out = ig_xmalloc((size_t)size);
	memcpy(*out, data, (size_t)size);
	*outlen = (size_t)size;
	gdFree(data);
	return 0;
}
