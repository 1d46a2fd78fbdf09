/* png.c — see png.h. */
#include "ig_autoconf.h"

#include <stdint.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/imaging/png.h"

static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* PNG §5.3: chunk lengths are limited to 2^31-1. */
#define PNG_CHUNK_MAX 0x7fffffffu

static const struct {
	const char *mime;
	const char *ext;
} formats[IG_IMG__MAX] = {
	[IG_IMG_UNKNOWN] = { "application/octet-stream", "bin" },
	[IG_IMG_PNG] = { "image/png", "png" },
	[IG_IMG_JPEG] = { "image/jpeg", "jpg" },
	[IG_IMG_WEBP] = { "image/webp", "webp" },
};

const char *
ig_image_mime(ig_img_format fmt)
{
	return formats[(unsigned)fmt < IG_IMG__MAX ? fmt : IG_IMG_UNKNOWN].mime;
}

const char *
ig_image_ext(ig_img_format fmt)
{
	return formats[(unsigned)fmt < IG_IMG__MAX ? fmt : IG_IMG_UNKNOWN].ext;
}

/* The n-byte (1 to 4) unsigned integer at p, most significant byte first. */
static uint32_t
be(const unsigned char *p, int n)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The same, least significant byte first. */
static uint32_t
le(const unsigned char *p, int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int
probe_png(const unsigned char *b, size_t len, int *w, int *h)
{
	uint32_t pw, ph;

	if (len < 33 || be(b + 8, 4) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
		return -1;
	if (ig_crc32(0, b + 12, 17) != be(b + 29, 4))
		return -1;
	pw = be(b + 16, 4);
	ph = be(b + 20, 4);
	if (pw == 0 || ph == 0 || pw > PNG_CHUNK_MAX || ph > PNG_CHUNK_MAX)
		return -1;
	*w = (int)pw;
	*h = (int)ph;
	return 0;
}

/* T.81 Table B.1: SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
static int
is_sof(unsigned m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/* Walk the marker segments after SOI until the first frame header. A scan
 * (SOS) or EOI before any SOFn means there is no size to read. */
static int
probe_jpeg(const unsigned char *b, size_t len, int *w, int *h)
{
	size_t pos = 2;

	while (pos < len) {
		unsigned m, seglen;

		if (b[pos] != 0xff)
			return -1;
		while (pos < len && b[pos] == 0xff)
			pos++;
		if (pos >= len)
			return -1;
		m = b[pos++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;
		if (m == 0x00 || m == 0xd8 || m == 0xd9 || m == 0xda)
			return -1;
		if (len - pos < 2)
			return -1;
		seglen = be(b + pos, 2);
		if (seglen < 2 || len - pos < seglen)
			return -1;
		if (is_sof(m)) {
			if (seglen < 8)
				return -1;
			*h = (int)be(b + pos + 3, 2);
			*w = (int)be(b + pos + 5, 2);
			return (*w > 0 && *h > 0) ? 0 : -1;
		}
		pos += seglen;
	}
	return -1;
}

/* RFC 9649 §2.5 (VP8: RFC 6386 §9.1 frame header), §2.6 (VP8L), §2.7 (VP8X). */
static int
probe_webp(const unsigned char *b, size_t len, int *w, int *h)
{
	const unsigned char *d = b + 20;
	uint32_t csize;

	if (len < 20 || memcmp(b + 8, "WEBP", 4) != 0)
		return -1;
	csize = le(b + 16, 4);
	if (memcmp(b + 12, "VP8 ", 4) == 0) {
		if (len < 30 || csize < 10 || (d[0] & 1) != 0 || d[3] != 0x9d || d[4] != 0x01 ||
		    d[5] != 0x2a)
			return -1;
		*w = (int)(le(d + 6, 2) & 0x3fff);
		*h = (int)(le(d + 8, 2) & 0x3fff);
		if (*w == 0 || *h == 0)
			return -1;
	} else if (memcmp(b + 12, "VP8L", 4) == 0) {
		uint32_t bits;
		if (len < 25 || csize < 5 || d[0] != 0x2f)
			return -1;
		bits = le(d + 1, 4);
		if ((bits >> 29) != 0)
			return -1;
		*w = (int)(bits & 0x3fff) + 1;
		*h = (int)((bits >> 14) & 0x3fff) + 1;
	} else if (memcmp(b + 12, "VP8X", 4) == 0) {
		if (len < 30 || csize < 10)
			return -1;
		*w = (int)le(d + 4, 3) + 1;
		*h = (int)le(d + 7, 3) + 1;
	} else {
		return -1;
	}
	return 0;
}

int
ig_image_probe(const unsigned char *buf, size_t len, ig_img_format *fmt, int *width,
    int *height)
{
	ig_img_format f = IG_IMG_UNKNOWN;
	int w = 0, h = 0, rc = -1;

	if (buf == NULL)
		len = 0;
	if (len >= 8 && memcmp(buf, png_sig, 8) == 0) {
		f = IG_IMG_PNG;
		rc = probe_png(buf, len, &w, &h);
	} else if (len >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff) {
		f = IG_IMG_JPEG;
		rc = probe_jpeg(buf, len, &w, &h);
	} else if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WEBP", 4) == 0) {
		f = IG_IMG_WEBP;
		rc = probe_webp(buf, len, &w, &h);
	}
	*fmt = f;
	*width = rc == 0 ? w : 0;
	*height = rc == 0 ? h : 0;
	return rc;
}

typedef struct chunk {
	const unsigned char *type;
	const unsigned char *data;
	uint32_t len;
} chunk;

static int
chunk_type_ok(const unsigned char *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

/* Read the chunk at *off and advance past it; 0, or -1 when it does not fit. */
static int
chunk_next(const unsigned char *p, size_t len, size_t *off, chunk *c)
{
	size_t rest = len - *off;

	if (rest < 12)
		return -1;
	c->len = be(p + *off, 4);
	c->type = p + *off + 4;
	c->data = p + *off + 8;
	if (c->len > PNG_CHUNK_MAX || rest - 12 < c->len || !chunk_type_ok(c->type))
		return -1;
	*off += 12 + (size_t)c->len;
	return 0;
}

/* Validate the chunk stream (not the CRCs of chunks nobody reads): signature,
 * IHDR first with length 13, every chunk within len, IEND last with nothing
 * after it. Stores the offset of IEND. */
static int
png_validate(const unsigned char *p, size_t len, size_t *iend)
{
	size_t off = 8;
	chunk c;

	if (p == NULL || len < 8 || memcmp(p, png_sig, 8) != 0)
		return -1;
	for (int first = 1;; first = 0) {
		size_t at = off;
		if (chunk_next(p, len, &off, &c) != 0)
			return -1;
		if (first && (memcmp(c.type, "IHDR", 4) != 0 || c.len != 13))
			return -1;
		if (memcmp(c.type, "IEND", 4) == 0) {
			if (c.len != 0 || off != len)
				return -1;
			*iend = at;
			return 0;
		}
	}
}

/* Strict UTF-8 (ig_utf8_valid). NUL is refused too, as text chunks cannot
 * hold it. */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	return memchr(s, 0, n) == NULL && ig_utf8_valid((const char *)s, n);
}

/* PNG §11.3.4.2: 1–79 Latin-1 printable bytes, no leading, trailing or
 * consecutive spaces. We accept the ASCII subset. */
static int
keyword_valid(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > IG_PNG_KEYWORD_MAX || k[0] == ' ' || k[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (k[i] < 0x20 || k[i] > 0x7e)
			return 0;
		if (k[i] == ' ' && k[i + 1] == ' ')
			return 0;
	}
	return 1;
}

static int
plain_ascii(const char *v)
{
	for (; *v; v++)
		if ((*v < 0x20 || *v > 0x7e) && *v != '\n')
			return 0;
	return 1;
}

/* Data length of the chunk holding (k, v), or 0 when it would exceed the PNG
 * chunk limit. iTXt adds compression flag, method and two empty strings. */
static size_t
text_chunk_len(const char *k, const char *v, int itxt)
{
	size_t kl = strlen(k), vl = strlen(v);
	size_t extra = itxt ? 5 : 1;

	if (vl > PNG_CHUNK_MAX - kl - extra)
		return 0;
	return kl + extra + vl;
}

static unsigned char *
write_text_chunk(unsigned char *o, const char *k, const char *v, int itxt)
{
	size_t kl = strlen(k), vl = strlen(v), dlen = kl + (itxt ? 5 : 1) + vl;
	unsigned char *type = o + 4;

	put_be32(o, (uint32_t)dlen);
	memcpy(type, itxt ? "iTXt" : "tEXt", 4);
	o += 8;
	memcpy(o, k, kl);
	o += kl;
	*o++ = 0;
	if (itxt) {
		memset(o, 0, 4);
		o += 4;
	}
	memcpy(o, v, vl);
	o += vl;
	put_be32(o, ig_crc32(0, type, dlen + 4));
	return o + 4;
}

int
ig_png_add_text(const unsigned char *png, size_t len, const char *const *kv, size_t npairs,
    unsigned char **out, size_t *outlen)
{
	size_t iend, total, dlen;
	unsigned char *buf, *o;

	if (png_validate(png, len, &iend) != 0)
		return -1;
	total = len;
	for (size_t i = 0; i < npairs; i++) {
		const char *k = kv[2 * i], *v = kv[2 * i + 1];
		if (k == NULL || v == NULL || !keyword_valid(k))
			return -2;
		if (!plain_ascii(v) && !utf8_valid((const unsigned char *)v, strlen(v)))
			return -2;
		if ((dlen = text_chunk_len(k, v, !plain_ascii(v))) == 0)
			return -2;
		if (total > SIZE_MAX - 12 - dlen)
			return -2;
		total += 12 + dlen;
	}
	buf = ig_xmalloc(total);
	memcpy(buf, png, iend);
	o = buf + iend;
	for (size_t i = 0; i < npairs; i++) {
		o = write_text_chunk(o, kv[2 * i], kv[2 * i + 1], !plain_ascii(kv[2 * i + 1]));
	}
	memcpy(o, png + iend, len - iend);
	*out = buf;
	*outlen = total;
	return 0;
}

/* tEXt text is Latin-1 (PNG §11.3.4.3); hand it back as UTF-8. */
static char *
latin1_to_utf8(const unsigned char *s, size_t n)
{
	char *r = ig_xmalloc(2 * n + 1), *o = r;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x80) {
			*o++ = (char)s[i];
		} else {
			*o++ = (char)(0xc0 | s[i] >> 6);
			*o++ = (char)(0x80 | (s[i] & 0x3f));
		}
	}
	*o = '\0';
	return r;
}

/* Look at one text chunk: 1 when it is not the keyword (or is compressed
 * iTXt), 0 with *value set when it is, -1 when it is but is malformed. */
static int
text_chunk_match(const chunk *c, const char *keyword, size_t klen, char **value)
{
	const unsigned char *d = c->data, *end = c->data + c->len, *p;
	int itxt = memcmp(c->type, "iTXt", 4) == 0;

	if (c->len < klen + 1 || memcmp(d, keyword, klen) != 0 || d[klen] != 0)
		return 1;
	if (ig_crc32(0, c->type, (size_t)c->len + 4) != be(c->data + c->len, 4))
		return -1;
	p = d + klen + 1;
	if (!itxt) {
		if (memchr(p, 0, (size_t)(end - p)) != NULL)
			return -1;
		*value = latin1_to_utf8(p, (size_t)(end - p));
		return 0;
	}
	if (end - p < 2)
		return -1;
	if (p[0] != 0)
		return 1;
	p += 2;
	for (int i = 0; i < 2; i++) {
		const unsigned char *nul = memchr(p, 0, (size_t)(end - p));
		if (nul == NULL)
			return -1;
		p = nul + 1;
	}
	if (!utf8_valid(p, (size_t)(end - p)))
		return -1;
	*value = ig_xstrndup((const char *)p, (size_t)(end - p));
	return 0;
}

int
ig_png_get_text(const unsigned char *png, size_t len, const char *keyword, char **value)
{
	size_t iend, off = 8, klen = strlen(keyword);
	chunk c;

	if (png_validate(png, len, &iend) != 0)
		return -1;
	if (klen == 0 || klen > IG_PNG_KEYWORD_MAX)
		return 1;
	while (off < iend) {
		int rc;
		chunk_next(png, len, &off, &c);
		if (memcmp(c.type, "tEXt", 4) != 0 && memcmp(c.type, "iTXt", 4) != 0)
			continue;
		if ((rc = text_chunk_match(&c, keyword, klen, value)) <= 0)
			return rc;
	}
	return 1;
}
