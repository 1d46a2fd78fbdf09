/* codec.c — decode with limits, encode; see ops.h. */
#include "ig_autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

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

int
ig_img_decode(const unsigned char *buf, size_t len, long max_pixels, ig_img_format *fmt,
    gdImagePtr *img, ig_err *err)
{
	static gdImagePtr (*const decoders[IG_IMG__MAX])(int, void *) = {
		[IG_IMG_PNG] = gdImageCreateFromPngPtr,
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
		gdImageSaveAlpha(img, 1);
		data = gdImagePngPtrEx(img, &size, IG_PNG_LEVEL);
		break;
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
