/*
 * thumb.h — thumbnails of images that came from outside.
 *
 * The order is the defence (see png.h): probe the header, refuse formats
 * other than PNG, JPEG and WebP and refuse more than max_pixels, and only
 * then let libgd decode. A 16000×16000 PNG bomb is refused after reading
 * 33 bytes instead of costing seconds and gigabytes.
 */
#ifndef IG_IMAGING_THUMB_H
#define IG_IMAGING_THUMB_H

#include <stddef.h>

#include "lib/core/error.h"

/* Scale buf so its longer side is max_side (never upscaling; the aspect
 * ratio is kept) and encode the result as PNG. max_pixels is the largest
 * width × height allowed to reach the decoder (IG_MAX_IMAGE_PIXELS).
 * Returns 0 with *png (malloc'ed, the caller frees it) and *pnglen set, or
 * -1 with err filled: invalid_request when buf is not PNG, JPEG or WebP, its
 * header is corrupt, max_side or max_pixels is not positive, or libgd cannot
 * decode it; payload_too_large when the declared size exceeds max_pixels or
 * buf is over 2 GiB; internal when encoding fails. */
int ig_thumbnail(const unsigned char *buf, size_t len, int max_side, long max_pixels,
    unsigned char **png, size_t *pnglen, ig_err *err);

#endif
