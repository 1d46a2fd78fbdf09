/* thumb.c — see thumb.h. */
#include "ig_autoconf.h"

#include <stdint.h>
#include <string.h>

#include <gd.h>

#include "lib/core/util.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/thumb.h"

/*
 * Average each destination pixel's source rectangle (a box filter). For a
 * thumbnail several times smaller than its source this looks like
 * gdImageCopyResampled at a fraction of the cost, which mattered: the
 * thumbnail was most of the job path's time. dst is true colour, src true
 * colour or palette; alpha is gd's 7-bit value.
 */
static void
box_downscale(gdImagePtr src, gdImagePtr dst)
{
	int w = gdImageSX(src), h = gdImageSY(src), tw = gdImageSX(dst), th = gdImageSY(dst);

	for (int y = 0; y < th; y++) {
		int y0 = (int)((int64_t)y * h / th), y1 = (int)((int64_t)(y + 1) * h / th);
		if (y1 <= y0)
			y1 = y0 + 1;
		for (int x = 0; x < tw; x++) {
			int x0 = (int)((int64_t)x * w / tw), x1 = (int)((int64_t)(x + 1) * w / tw);
			uint64_t r = 0, g = 0, b = 0, a = 0, n;
			if (x1 <= x0)
				x1 = x0 + 1;
			for (int sy = y0; sy < y1; sy++) {
				for (int sx = x0; sx < x1; sx++) {
					/* Palette images are read through their palette
					 * rather than converted first. */
					int c = gdImageTrueColor(src) ? src->tpixels[sy][sx] :
					    gdTrueColorAlpha(src->red[src->pixels[sy][sx]], src->green[src->pixels[sy][sx]],
						src->blue[src->pixels[sy][sx]], src->alpha[src->pixels[sy][sx]]);
					r += (uint64_t)gdTrueColorGetRed(c);
					g += (uint64_t)gdTrueColorGetGreen(c);
					b += (uint64_t)gdTrueColorGetBlue(c);
					a += (uint64_t)gdTrueColorGetAlpha(c);
				}
			}
			n = (uint64_t)(y1 - y0) * (uint64_t)(x1 - x0);
			dst->tpixels[y][x] = gdTrueColorAlpha((int)(r / n), (int)(g / n), (int)(b / n), (int)(a / n));
		}
	}
}

int
ig_thumbnail(const unsigned char *buf, size_t len, int max_side, long max_pixels,
    unsigned char **png, size_t *pnglen, ig_err *err)
{
	ig_img_format fmt;
	int w, h, tw, th, rc = -1;
	gdImagePtr src = NULL, dst = NULL;

	if (max_side <= 0 || max_pixels <= 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "thumbnail limits must be positive");
	if (ig_img_decode(buf, len, max_pixels, &fmt, &src, err) != 0)
		return -1;
	w = gdImageSX(src);
	h = gdImageSY(src);
	tw = w;
	th = h;
	if (w >= h && w > max_side) {
		tw = max_side;
		th = (int)(((int64_t)h * max_side + w / 2) / w);
	} else if (h > w && h > max_side) {
		th = max_side;
		tw = (int)(((int64_t)w * max_side + h / 2) / h);
	}
	tw = tw < 1 ? 1 : tw;
	th = th < 1 ? 1 : th;
	if ((dst = gdImageCreateTrueColor(tw, th)) == NULL) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the thumbnail");
		goto out;
	}
	gdImageAlphaBlending(dst, 0);
	gdImageSaveAlpha(dst, 1);
	box_downscale(src, dst);
	/* ops.h's PNG writer (IG_PNG_LEVEL): libgd's at level 6 took 10-20 ms
	 * of a 256-px thumbnail, most of the store's time in
	 * POST /api/image/process. */
	if (ig_img_encode(dst, IG_IMG_PNG, 0, png, pnglen, err) != 0)
		goto out;
	rc = 0;
out:
	if (dst != NULL)
		gdImageDestroy(dst);
	if (src != NULL)
		gdImageDestroy(src);
	return rc;
}
