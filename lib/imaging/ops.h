/*
 * ops.h — operations on decoded images: the image-processing chain of
 * POST /api/image/process and the builtin creative tools (upscale, style
 * transfer, variations). API.md "Images, gallery and files" and "Creative
 * tools" name the parameters; the functions here take them by the same
 * names and, on a bad value, fill err with IG_E_INVALID_REQUEST and the
 * field's bare name ("width", "degrees"…), which the route prefixes with
 * the operation's place ("operations[2].width").
 *
 * Every image in and out is a libgd true-colour image with its alpha kept
 * (gd's 7-bit alpha: 0 opaque … 127 transparent; gdImageSaveAlpha set).
 * Every operation leaves its source untouched and returns a new image the
 * caller destroys with gdImageDestroy, or NULL with err filled. Palette
 * sources are accepted and read through their palette.
 *
 * Bytes from outside reach libgd only through ig_img_decode, which probes
 * the header first (png.h): a decompression bomb is refused before any
 * decoder runs.
 */
#ifndef IG_IMAGING_OPS_H
#define IG_IMAGING_OPS_H

#include <stddef.h>
#include <stdint.h>

#include <gd.h>
#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/imaging/png.h"

/* Passed as an optional numeric parameter (amount, strength) to mean "the
 * documented default". */
#define IG_IMG_DEFAULT (-1e300)

/* --- bytes in and out (codec.c) ----------------------------------------- */

/* Probe buf (ig_image_probe), refuse it unless it is PNG, JPEG or WebP of at
 * most max_pixels pixels, then decode it. Returns 0 with *img (true colour,
 * alpha kept) and *fmt set; -1 with err: invalid_request for an unknown
 * format, a corrupt header or undecodable data, payload_too_large for more
 * than max_pixels pixels or over 2 GiB of bytes. */
int ig_img_decode(const unsigned char *buf, size_t len, long max_pixels, ig_img_format *fmt,
    gdImagePtr *img, ig_err *err);

/* Zlib level of the PNGs ig_img_encode writes (with the Up filter). On a
 * 2048×2048 Lanczos upscale of a builtin render: level 1 43 ms, 749 KB;
 * 2 47 ms, 712 KB; 3 73 ms, 666 KB; zlib's default 6 184 ms, 514 KB.
 * libgd's own writer (all filters tried per row) took 184 ms at level 2
 * and 469 ms at 6. */
#define IG_PNG_LEVEL 2

/* Encode img as fmt. quality (1–100, else error naming "quality") applies to
 * JPEG and WebP; 0 means the default 90; PNG ignores it. JPEG has no alpha:
 * translucent pixels are flattened onto white. Returns 0 with *out
 * (malloc'ed, the caller frees it) and *outlen; -1 with err. */
int ig_img_encode(gdImagePtr img, ig_img_format fmt, int quality, unsigned char **out,
    size_t *outlen, ig_err *err);

/* "png", "jpeg" (also "jpg"), "webp" → the format; IG_IMG_UNKNOWN for any
 * other name. */
ig_img_format ig_img_format_from_name(const char *name);

/* --- geometry (resample.c, geometry.c) ----------------------------------- */

/* Resampling kernels. Lanczos-3 (sinc windowed by sinc, 3 lobes) is the
 * default; bicubic is Catmull-Rom (Keys a = -0.5). */
typedef enum ig_kernel {
	IG_KERNEL_LANCZOS3 = 0,
	IG_KERNEL_BICUBIC,
	IG_KERNEL__MAX
} ig_kernel;

/* Resize to width × height. Either may be 0 to keep the source's ratio (not
 * both). fit (NULL = "contain"): "contain" fits inside the box keeping the
 * ratio (the result may be smaller on one side), "cover" scales to cover the
 * box and crops the centred overflow (exactly width × height), "fill"
 * stretches to exactly width × height. The result may hold at most
 * max_pixels pixels. Errors name "width", "height" (negative, over 65535,
 * both 0, or an output over max_pixels) or "fit". */
gdImagePtr ig_img_resize(gdImagePtr src, int width, int height, const char *fit,
    ig_kernel kernel, long max_pixels, ig_err *err);

/* Upscale by scale (2 or 4) with method "lanczos" (NULL: the default) or
 * "bicubic". Errors name "scale" (another value, or an output over
 * max_pixels) or "method". */
gdImagePtr ig_img_upscale(gdImagePtr src, int scale, const char *method, long max_pixels,
    ig_err *err);

/* The rectangle x, y, width × height, which must lie inside the image
 * (errors name "x", "y", "width" or "height"). */
gdImagePtr ig_img_crop(gdImagePtr src, int x, int y, int width, int height, ig_err *err);

/* Turn by degrees (positive = clockwise, -360…360). 90, 180 and 270 (and
 * their negatives) are exact pixel moves; any other angle resamples
 * bilinearly onto a canvas grown to hold the whole turned image, the
 * corners filled with background: "#rrggbb" or "transparent" (NULL =
 * transparent). Errors name "degrees" or "background". */
gdImagePtr ig_img_rotate(gdImagePtr src, double degrees, const char *background,
    long max_pixels, ig_err *err);

/* Mirror: direction "horizontal" (left ↔ right) or "vertical" (top ↔
 * bottom); errors name "direction". */
gdImagePtr ig_img_flip(gdImagePtr src, const char *direction, ig_err *err);

/* --- filters and styles (filters.c, styles.c) ---------------------------- */

/* Apply the filter name (errors name "name") with amount (IG_IMG_DEFAULT for
 * the default; errors name "amount"):
 *   grayscale, sepia, invert  amount 0–1, how much of the effect (default 1)
 *   blur                      amount 0.5–50: Gaussian sigma in px (default 2)
 *   sharpen                   amount 0–5: unsharp-mask gain, sigma 1 (default 1)
 *   brightness                amount -100–100: % of full scale added (default 20)
 *   contrast                  amount -100–100: % stretch about mid-grey (default 20)
 *   pixelate                  amount 2–256: block side in px (default 8)
 *   emboss, edge              no amount (giving one is an error) */
gdImagePtr ig_img_filter(gdImagePtr src, const char *name, double amount, ig_err *err);

/* A builtin style (errors name "style"): grayscale, sepia, sketch, emboss,
 * pixelate, posterize, vintage, oil_painting, watercolor; the styled image
 * blended over the source by strength 0–1 (IG_IMG_DEFAULT: 1; errors name
 * "strength"). */
gdImagePtr ig_img_style(gdImagePtr src, const char *style, double strength, ig_err *err);

/* A seeded local variation: a hue shift, a crop-zoom, sometimes a mirror and
 * a small exposure change, all drawn from seed. The same seed gives the same
 * image; another seed gives another one; none equals the source. */
gdImagePtr ig_img_variation(gdImagePtr src, uint64_t seed, ig_err *err);

/* --- watermark (watermark.c) --------------------------------------------- */

/* Longest watermark text, in characters (Unicode code points). */
#define IG_WATERMARK_MAX_CHARS 100

/* Draw text (1–100 characters of valid UTF-8; errors name "text") at
 * position (NULL = "bottom-right"; top-left, top, top-right, left, center,
 * right, bottom-left, bottom, bottom-right; errors name "position") with
 * opacity 0–1 (IG_IMG_DEFAULT: 0.5; errors name "opacity"): white glyphs
 * with a dark shadow, sized to the image, rendered by FreeType from the
 * font file font_path (IG_FONT_PATH). A character the font has no glyph
 * for is an error naming "text" (it would be drawn as a box); a font that
 * cannot be opened is an internal error naming the file; nothing is drawn
 * with a fallback. */
gdImagePtr ig_img_watermark(gdImagePtr src, const char *text, const char *position,
    double opacity, const char *font_path, ig_err *err);

/* --- a chain of operations (chain.c) ------------------------------------ */

/* One operation of POST /api/image/process's chain (and a workflow's
 * process step) with its parameters; ig_img_op_init's defaults for the
 * absent ones. op: resize, crop, rotate, flip, filter, watermark or
 * convert (which touches no pixel: it chooses the output's encoding). */
typedef struct ig_img_op {
	const char *op;
	int64_t width, height, x, y, quality;
	double degrees, amount, opacity;
	const char *fit, *background, *direction, *name, *text, *position, *format;
	int has_quality;
} ig_img_op;

/* Clear *o to the defaults (amount and opacity IG_IMG_DEFAULT). */
void ig_img_op_init(ig_img_op *o);

/* An operation object already checked by its route's field table (its
 * strings borrowed from obj) into *o. */
void ig_img_op_from_json(json_object *obj, ig_img_op *o);

/* Apply the n operations to *img in order (replacing it; NULL after a
 * failure), setting *fmt and *quality from the last convert; output sizes
 * over IG_MAX_IMAGE_PIXELS are refused. 0, or -1 with err naming the bare
 * field and *failed the operation's index. */
int ig_img_apply_ops(gdImagePtr *img, const ig_img_op *ops, int n, ig_img_format *fmt, int *quality,
    int *failed, ig_err *err);

#endif
