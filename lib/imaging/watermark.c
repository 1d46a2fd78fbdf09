/*
 * watermark.c — text watermarks in any script; see ops.h.
 *
 * FreeType (through libgd's gdImageStringFTEx) renders the text once, white
 * on an opaque black layer with anti-aliasing, so the layer's red channel
 * is the glyph coverage whatever gd's own alpha handling; the coverage is
 * then composited onto a copy of the source twice: a dark shadow offset
 * down-right, then the white text, both scaled by opacity. The font is one
 * file (IG_FONT_PATH, by default WenQuanYi Micro Hei, which covers Latin,
 * Simplified and Traditional Chinese, Japanese kana and Korean Hangul).
 */
#include "ig_autoconf.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H

#include "lib/core/util.h"
#include "lib/imaging/ops.h"
#include "lib/imaging/pixbuf.h"

/* The next code point of valid UTF-8 at *p (advancing it). */
static unsigned
utf8_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	int len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : 4;
	unsigned cp = len == 1 ? s[0] : s[0] & (0x7fu >> len);

	for (int i = 1; i < len; i++)
		cp = cp << 6 | (s[i] & 0x3fu);
	*p += len;
	return cp;
}

/*
 * Check that the font has a glyph for every character of text (valid
 * UTF-8), the way libgd will look it up: face 0 of the file, its Unicode
 * charmap. A font without one draws the missing-glyph box ("tofu"), which
 * must be a clear error rather than a watermark of boxes. Opening a CJK
 * font costs milliseconds, so the face of the last path is kept (FreeType
 * faces are not thread-safe: one lock). Returns 0 when all are there; 1
 * with *missing set; -1 when FreeType cannot open the font, with *why set
 * to a static reason.
 */
static struct {
	pthread_mutex_t lock;
	FT_Library lib;
	FT_Face face;
	char *path;
} ft = { .lock = PTHREAD_MUTEX_INITIALIZER };

static const char *
ft_open(const char *font)
{
	if (ft.face != NULL && strcmp(ft.path, font) == 0)
		return NULL;
	if (ft.face != NULL) {
		FT_Done_Face(ft.face);
		ft.face = NULL;
	}
	free(ft.path);
	ft.path = NULL;
	if (ft.lib == NULL && FT_Init_FreeType(&ft.lib) != 0) {
		ft.lib = NULL;
		return "FreeType cannot start";
	}
	if (FT_New_Face(ft.lib, font, 0, &ft.face) != 0) {
		ft.face = NULL;
		return "no such file, or not a font FreeType reads";
	}
	if (FT_Select_Charmap(ft.face, FT_ENCODING_UNICODE) != 0) {
		FT_Done_Face(ft.face);
		ft.face = NULL;
		return "the font has no Unicode character map";
	}
	ft.path = ig_xstrdup(font);
	return NULL;
}

static int
font_covers(const char *font, const char *text, unsigned *missing, const char **why)
{
	int rc = 0;

	pthread_mutex_lock(&ft.lock);
	if ((*why = ft_open(font)) != NULL)
		rc = -1;
	while (rc == 0 && *text != 0) {
		unsigned cp = utf8_next(&text);
		if (FT_Get_Char_Index(ft.face, cp) == 0) {
			*missing = cp;
			rc = 1;
		}
	}
	pthread_mutex_unlock(&ft.lock);
	return rc;
}

/* Count the code points of s if it is valid UTF-8 (RFC 3629: shortest
 * form, no surrogates, at most U+10FFFF) without control characters;
 * -1 otherwise. */
static long
utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p != 0) {
		unsigned c = *p, cp;
		int len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		    (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len == 0)
			return -1;
		cp = len == 1 ? c : c & (0x7fu >> len);
		for (int i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (p[i] & 0x3fu);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0x20 || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0))
			return -1;
		p += len;
		n++;
	}
	return n;
}

static const struct {
	const char *name;
	float hx, hy;           /* where the text sits: 0 left/top … 1 right/bottom */
} positions[] = {
	{ "top-left", 0, 0 }, { "top", 0.5f, 0 }, { "top-right", 1, 0 },
	{ "left", 0, 0.5f }, { "center", 0.5f, 0.5f }, { "right", 1, 0.5f },
	{ "bottom-left", 0, 1 }, { "bottom", 0.5f, 1 }, { "bottom-right", 1, 1 },
};

static pthread_once_t font_once = PTHREAD_ONCE_INIT;

/* gd's font cache is set up lazily and without a lock; do it once. */
static void
font_cache_setup(void)
{
	gdFontCacheSetup();
}

/* Blend colour (r, g, b) into dst pixel (x, y) with coverage k (0–1). */
static void
blend(gdImagePtr dst, int x, int y, int r, int g, int b, float k)
{
	int c = dst->tpixels[y][x];
	float sa = (float)(gdAlphaMax - gdTrueColorGetAlpha(c)) / gdAlphaMax;
	float oa = k + sa * (1 - k);

	if (oa <= 0)
		return;
	dst->tpixels[y][x] = gdTrueColorAlpha(
	    ig_clamp255((r * k + gdTrueColorGetRed(c) * sa * (1 - k)) / oa),
	    ig_clamp255((g * k + gdTrueColorGetGreen(c) * sa * (1 - k)) / oa),
	    ig_clamp255((b * k + gdTrueColorGetBlue(c) * sa * (1 - k)) / oa),
	    gdAlphaMax - (int)(oa * gdAlphaMax + 0.5f));
}

/* Measure text at size pt into brect; NULL, or libgd's error. */
static const char *
measure(const char *font, double pt, const char *text, int brect[8])
{
	return gdImageStringFTEx(NULL, brect, 0xffffff, (char *)font, pt, 0, 0, 0, (char *)text,
	    NULL);
}

/* Check the parameters (see ops.h); the index of the position in
 * positions[], or -1 with err filled. */
static int
check_args(const char *text, const char *position, double opacity, const char *font_path,
    ig_err *err)
{
	long nchars = text == NULL ? -1 : utf8_chars(text);
	unsigned cp = 0;
	const char *why = NULL;
	int pos = -1, cov;

	if (nchars < 1 || nchars > IG_WATERMARK_MAX_CHARS)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "text",
		    "text must be 1–%d characters of valid UTF-8 without control characters",
		    IG_WATERMARK_MAX_CHARS);
	for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++)
		if (strcmp(position == NULL ? "bottom-right" : position, positions[i].name) == 0)
			pos = (int)i;
	if (pos < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "position",
		    "position must be top-left, top, top-right, left, center, right, "
		    "bottom-left, bottom or bottom-right");
	if (!(opacity >= 0.0 && opacity <= 1.0))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "opacity", "opacity must be 0–1");
	if ((cov = font_covers(font_path, text, &cp, &why)) < 0)
		return ig_err_set(err, IG_E_INTERNAL, NULL,
		    "watermark font %s (IG_FONT_PATH) cannot be used: %s", font_path, why);
	if (cov > 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "text",
		    "the watermark font has no glyph for U+%04X; it would be drawn as a box", cp);
	return pos;
}

/* The coverage layer of text for a w × h image: white glyphs on opaque
 * black, about 1/14 of the shorter side high (gd renders at 96 dpi),
 * shrunk to fit 90 % of the width; *pt gets the size. NULL with err. */
static gdImagePtr
text_layer(const char *text, const char *font, int w, int h, double *pt, ig_err *err)
{
	int brect[8];
	const char *e;
	gdImagePtr layer;

	*pt = fmax(6.0, (w < h ? w : h) / 14.0 * 72.0 / 96.0);
	if ((e = measure(font, *pt, text, brect)) == NULL && brect[2] - brect[6] > w * 0.9 &&
	    *pt > 6.0) {
		*pt = fmax(6.0, *pt * w * 0.9 / (brect[2] - brect[6]));
		e = measure(font, *pt, text, brect);
	}
	if (e != NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "watermark: %s", e), NULL;
	layer = gdImageCreateTrueColor(brect[2] - brect[6] + 1, brect[3] - brect[7] + 1);
	if (layer == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot allocate the image"), NULL;
	gdImageAlphaBlending(layer, 1);
	e = gdImageStringFTEx(layer, brect, gdTrueColor(255, 255, 255), (char *)font, *pt, 0,
	    -brect[6], -brect[7], (char *)text, NULL);
	if (e != NULL) {
		gdImageDestroy(layer);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "watermark: %s", e), NULL;
	}
	return layer;
}

gdImagePtr
ig_img_watermark(gdImagePtr src, const char *text, const char *position, double opacity,
    const char *font_path, ig_err *err)
{
	int w = gdImageSX(src), h = gdImageSY(src), margin = (w < h ? w : h) / 40 + 2;
	int pos, tw, th, ox, oy, sh;
	double pt;
	gdImagePtr layer, dst;

	if (opacity == IG_IMG_DEFAULT)
		opacity = 0.5;
	if ((pos = check_args(text, position, opacity, font_path, err)) < 0)
		return NULL;
	pthread_once(&font_once, font_cache_setup);
	if ((layer = text_layer(text, font_path, w, h, &pt, err)) == NULL)
		return NULL;
	if ((dst = ig_img_crop(src, 0, 0, w, h, err)) == NULL) {
		gdImageDestroy(layer);
		return NULL;
	}
	tw = gdImageSX(layer);
	th = gdImageSY(layer);
	sh = (int)(pt / 12) + 1;        /* shadow offset */
	ox = margin + (int)(positions[pos].hx * (float)(w - 2 * margin - tw - sh));
	oy = margin + (int)(positions[pos].hy * (float)(h - 2 * margin - th - sh));
	/* The shadow (dark, offset) first, then the white text over it. */
	for (int pass = 0; pass < 2; pass++) {
		int d = pass == 0 ? sh : 0, v = pass == 0 ? 0 : 255;
		float k = (float)opacity * (pass == 0 ? 0.6f : 1.0f);
		for (int y = 0; y < th; y++)
			for (int x = 0; x < tw; x++) {
				int dx = ox + x + d, dy = oy + y + d;
				float cov = (float)gdTrueColorGetRed(layer->tpixels[y][x]) / 255.0f;
				if (cov > 0 && dx >= 0 && dy >= 0 && dx < w && dy < h)
					blend(dst, dx, dy, v, v, v, cov * k);
			}
	}
	gdImageDestroy(layer);
	return dst;
}
