/* pixbuf.c — see pixbuf.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/core/util.h"
#include "lib/imaging/pixbuf.h"

/* Buffers of at least this many bytes are aligned to 2 MiB and asked to
 * be backed by transparent huge pages (madvise): a 1024x1024 buffer is
 * 16 MiB, 4096 page faults in 4 KiB pages (each zeroing its page) but 8 in
 * 2 MiB ones. The FastCGI workers pin glibc's mmap threshold at 256 KiB
 * (app/fcgi/worker.c), so every such buffer is a fresh mapping there, and
 * without this a process chain in a worker took 3-4x its time in a process
 * whose threshold had grown (scripts/bench, POST /api/image/process). */
#define HUGE_PAGE (2UL * 1024 * 1024)

ig_pixbuf *
ig_pixbuf_new(int w, int h)
{
	ig_pixbuf *pb = ig_xmalloc(sizeof(*pb));
	size_t n = (size_t)w * (size_t)h * 4 * sizeof(float);

	pb->w = w;
	pb->h = h;
	pb->px = NULL;
	if (n >= HUGE_PAGE && (pb->px = aligned_alloc(HUGE_PAGE, (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE)) != NULL) {
		madvise(pb->px, n, MADV_HUGEPAGE);      /* a hint: 4 KiB pages if refused */
		memset(pb->px, 0, n);
	}
	if (pb->px == NULL)
		pb->px = ig_xcalloc((size_t)w * (size_t)h * 4, sizeof(float));
	return pb;
}

void
ig_pixbuf_free(ig_pixbuf *pb)
{
	if (pb == NULL)
		return;
	free(pb->px);
	free(pb);
}

ig_pixbuf *
ig_pixbuf_copy(const ig_pixbuf *pb)
{
	ig_pixbuf *c = ig_pixbuf_new(pb->w, pb->h);

	memcpy(c->px, pb->px, (size_t)pb->w * (size_t)pb->h * 4 * sizeof(float));
	return c;
}

ig_pixbuf *
ig_pixbuf_from_gd(gdImagePtr src)
{
	int w = gdImageSX(src), h = gdImageSY(src);
	ig_pixbuf *pb = ig_pixbuf_new(w, h);

	for (int y = 0; y < h; y++) {
		float *p = pb->px + (size_t)y * (size_t)w * 4;
		for (int x = 0; x < w; x++, p += 4) {
			int c = ig_img_pixel(src, x, y);
			p[0] = (float)gdTrueColorGetRed(c);
			p[1] = (float)gdTrueColorGetGreen(c);
			p[2] = (float)gdTrueColorGetBlue(c);
			p[3] = (float)(gdAlphaMax - gdTrueColorGetAlpha(c)) * (255.0f / gdAlphaMax);
		}
	}
	return pb;
}

gdImagePtr
ig_img_new(int w, int h)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);

	if (im == NULL)
		return NULL;
	gdImageAlphaBlending(im, 0);
	gdImageSaveAlpha(im, 1);
	return im;
}

gdImagePtr
ig_pixbuf_to_gd(const ig_pixbuf *pb)
{
	gdImagePtr im = ig_img_new(pb->w, pb->h);

	if (im == NULL)
		return NULL;
	for (int y = 0; y < pb->h; y++) {
		const float *p = pb->px + (size_t)y * (size_t)pb->w * 4;
		int *row = im->tpixels[y];
		for (int x = 0; x < pb->w; x++, p += 4) {
			int a = gdAlphaMax - (ig_clamp255(p[3]) * gdAlphaMax + 127) / 255;
			row[x] = gdTrueColorAlpha(ig_clamp255(p[0]), ig_clamp255(p[1]),
			    ig_clamp255(p[2]), a);
		}
	}
	return im;
}

/* One 1-D pass of the blur: n samples stride apart, through tmp. */
static void
blur_line(float *line, size_t stride, int n, const float *k, int r, float *tmp)
{
	for (int i = 0; i < n; i++)
		memcpy(tmp + (size_t)i * 4, line + (size_t)i * stride, 4 * sizeof(float));
	for (int i = 0; i < n; i++) {
		float s[4] = { 0, 0, 0, 0 };
		for (int j = -r; j <= r; j++) {
			int q = i + j < 0 ? 0 : i + j >= n ? n - 1 : i + j;
			const float *t = tmp + (size_t)q * 4;
			float wt = k[j + r];
			/* Colour weighted by alpha, so transparent pixels do
			 * not bleed their (meaningless) colour. */
			s[0] += wt * t[0] * t[3];
			s[1] += wt * t[1] * t[3];
			s[2] += wt * t[2] * t[3];
			s[3] += wt * t[3];
		}
		float *o = line + (size_t)i * stride;
		if (s[3] > 1e-3f) {
			o[0] = s[0] / s[3];
			o[1] = s[1] / s[3];
			o[2] = s[2] / s[3];
		}
		o[3] = s[3];
	}
}

void
ig_pixbuf_blur(ig_pixbuf *pb, float sigma)
{
	int r = (int)ceilf(sigma * 3.0f), n = pb->w > pb->h ? pb->w : pb->h;
	float *k = ig_xmalloc((size_t)(2 * r + 1) * sizeof(float)), sum = 0;
	float *tmp = ig_xmalloc((size_t)n * 4 * sizeof(float));

	for (int j = -r; j <= r; j++)
		sum += k[j + r] = expf(-(float)(j * j) / (2.0f * sigma * sigma));
	for (int j = 0; j <= 2 * r; j++)
		k[j] /= sum;
	for (int y = 0; y < pb->h; y++)
		blur_line(pb->px + (size_t)y * (size_t)pb->w * 4, 4, pb->w, k, r, tmp);
	for (int x = 0; x < pb->w; x++)
		blur_line(pb->px + (size_t)x * 4, (size_t)pb->w * 4, pb->h, k, r, tmp);
	free(tmp);
	free(k);
}
