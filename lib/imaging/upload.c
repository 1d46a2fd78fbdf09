/* upload.c — see upload.h. */
#include "ig_autoconf.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "lib/core/util.h"
#include "lib/imaging/png.h"
#include "lib/imaging/upload.h"

#define TAG_GPS_IFD 0x8825

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A TIFF structure inside an Exif segment (TIFF 6.0 §2, Exif 2.32 §4.6.2),
 * read in its own byte order. */
typedef struct tiff {
	unsigned char *p;   /* written only when the caller asked for edits */
	size_t len;
	int le;             /* "II": little-endian */
} tiff;

static uint32_t
t16(const tiff *t, size_t o)
{
	return t->le ? (uint32_t)t->p[o] | (uint32_t)t->p[o + 1] << 8 :
	    (uint32_t)t->p[o] << 8 | t->p[o + 1];
}

static uint32_t
t32(const tiff *t, size_t o)
{
	return t->le ? t16(t, o) | t16(t, o + 2) << 16 : t16(t, o) << 16 | t16(t, o + 2);
}

static void
w16(tiff *t, size_t o, uint32_t v)
{
	t->p[o + (t->le ? 0 : 1)] = (unsigned char)v;
	t->p[o + (t->le ? 1 : 0)] = (unsigned char)(v >> 8);
}

/* The bytes [o, o + 2 + 12n + 4) of an IFD at o hold, or 0 when it does not
 * fit in the TIFF. */
static size_t
ifd_size(const tiff *t, size_t o)
{
	size_t n;

	if (o > t->len || t->len - o < 2)
		return 0;
	n = t16(t, o);
	if ((t->len - o - 2) / 12 < n || t->len - o - 2 - 12 * n < 4)
		return 0;
	return 2 + 12 * n + 4;
}

/* Zero the GPS IFD at g and the values its entries point to. */
static void
zero_gps_ifd(tiff *t, size_t g)
{
	static const unsigned type_size[] = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4 };
	size_t sz = ifd_size(t, g);

	if (sz == 0)
		return;
	for (size_t i = 0, n = t16(t, g); i < n; i++) {
		size_t e = g + 2 + 12 * i;
		uint32_t type = t16(t, e + 2), count = t32(t, e + 4), off = t32(t, e + 8);
		uint64_t bytes;

		if (type >= sizeof(type_size) / sizeof(type_size[0]))
			continue;
		bytes = (uint64_t)type_size[type] * count;
		if (bytes > 4 && off <= t->len && bytes <= t->len - off)
			memset(t->p + off, 0, (size_t)bytes);
	}
	memset(t->p + g, 0, sz);
}

/*
 * Find the GPSInfo entries of IFD0 and, when edit, remove them (the later
 * entries and the next-IFD offset move up, the freed 12 bytes are zeroed)
 * and zero the GPS IFDs they point to. Returns how many there are, or -1
 * when the TIFF header or IFD0 cannot be read.
 */
static int
exif_gps(tiff *t, int edit)
{
	size_t ifd0, sz, n;
	int found = 0;

	if (t->len < 8 || !((t->p[0] == 'I' && t->p[1] == 'I') || (t->p[0] == 'M' && t->p[1] == 'M')))
		return -1;
	t->le = t->p[0] == 'I';
	if (t16(t, 2) != 42)
		return -1;
	ifd0 = t32(t, 4);
	if ((sz = ifd_size(t, ifd0)) == 0)
		return -1;
	n = t16(t, ifd0);
	for (size_t i = 0; i < n;) {
		size_t e = ifd0 + 2 + 12 * i;
		uint32_t gps;

		if (t16(t, e) != TAG_GPS_IFD) {
			i++;
			continue;
		}
		found++;
		if (!edit) {
			i++;
			continue;
		}
		gps = t32(t, e + 8);
		memmove(t->p + e, t->p + e + 12, (n - 1 - i) * 12 + 4);
		memset(t->p + ifd0 + sz - 12, 0, 12);
		n--;
		sz -= 12;
		w16(t, ifd0, (uint32_t)n);
		zero_gps_ifd(t, gps);
		/* A GPS IFD laid over IFD0 by a crafted file may have zeroed the
		 * count: read it again rather than trust n. */
		if (t16(t, ifd0) != n)
			break;
	}
	return found;
}

/*
 * Walk jpeg's marker segments up to the first SOS and handle each Exif APP1
 * segment: with out NULL only count what would change; else append the
 * edited file to out. Returns the count of changes, or -1 when the markers
 * cannot be walked.
 */
static int
walk_exif(const unsigned char *b, size_t len, ig_buf *out)
{
	size_t pos = 2, copied = 0;
	int changes = 0;

	if (len < 4 || b[0] != 0xff || b[1] != 0xd8)
		return -1;
	while (pos + 4 <= len) {
		unsigned m = b[pos + 1];
		size_t seglen;

		if (b[pos] != 0xff)
			return -1;
		if (m == 0xff) {
			pos++;
			continue;
		}
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			pos += 2;
			continue;
		}
		if (m == 0xda || m == 0xd9)
			break;
		seglen = be16(b + pos + 2);
		if (seglen < 2 || len - pos - 2 < seglen)
			return -1;
		if (m == 0xe1 && seglen >= 2 + 6 && memcmp(b + pos + 4, "Exif\0\0", 6) == 0) {
			tiff t = { (unsigned char *)(uintptr_t)(b + pos + 10), seglen - 8, 0 };
			int rc = exif_gps(&t, 0);

			if (rc != 0 && out != NULL) {
				ig_buf_append(out, b + copied, pos - copied);
				copied = pos + 2 + seglen;
				if (rc > 0) {
					size_t at = out->len;

					ig_buf_append(out, b + pos, 2 + seglen);
					t.p = (unsigned char *)out->data + at + 10;
					exif_gps(&t, 1);
					/* A crafted file can lay the GPS IFD over the
					 * header or IFD0 and leave the walk broken or
					 * another GPSInfo entry behind: drop it whole. */
					if (exif_gps(&t, 0) != 0)
						out->len = at;
				}
			}
			changes += rc < 0 ? 1 : rc;
		}
		pos += 2 + seglen;
	}
	if (out != NULL)
		ig_buf_append(out, b + copied, len - copied);
	return changes;
}

int
ig_jpeg_strip_gps(const unsigned char *jpeg, size_t len, unsigned char **out, size_t *outlen)
{
	ig_buf b = { 0 };
	int n;

	*out = NULL;
	*outlen = 0;
	if ((n = walk_exif(jpeg, len, NULL)) <= 0)
		return n;
	walk_exif(jpeg, len, &b);
	*out = (unsigned char *)b.data;
	*outlen = b.len;
	return n;
}

/*
 * The same for a WebP (RFC 9649 §2.7): an extended file's EXIF chunk holds
 * a TIFF structure (some writers put "Exif\0\0" before it). GPS is removed
 * in place; a chunk too broken to walk, or left broken, is zeroed whole
 * (its size, and so the RIFF sizes, stay). Returns what ig_jpeg_strip_gps
 * does; a chunk list that runs past len ends the walk.
 */
static int
webp_strip_gps(const unsigned char *b, size_t len, unsigned char **out, size_t *outlen)
{
	size_t pos = 12;
	int changes = 0;

	while (len - pos >= 8) {
		size_t size = (size_t)b[pos + 4] | (size_t)b[pos + 5] << 8 | (size_t)b[pos + 6] << 16 |
		    (size_t)b[pos + 7] << 24;
		size_t skip;

		if (size > len - pos - 8)
			break;
		skip = size >= 6 && memcmp(b + pos + 8, "Exif\0\0", 6) == 0 ? 6 : 0;
		if (memcmp(b + pos, "EXIF", 4) == 0) {
			tiff t = { (unsigned char *)(uintptr_t)(b + pos + 8 + skip), size - skip, 0 };
			int rc = exif_gps(&t, 0);

			if (rc != 0) {
				if (*out == NULL) {
					*out = ig_xmalloc(len);
					memcpy(*out, b, len);
					*outlen = len;
				}
				t.p = *out + pos + 8 + skip;
				if (rc > 0)
					exif_gps(&t, 1);
				if (rc < 0 || exif_gps(&t, 0) != 0)
					memset(*out + pos + 8, 0, size);
				changes += rc < 0 ? 1 : rc;
			}
		}
		pos += 8 + size + (size & 1);
		if (pos > len)
			break;
	}
	return changes;
}

/* Whether a JPEG's entropy-coded data runs to an EOI marker (T.81 B.1.1.5:
 * inside a scan 0xFF is followed by 0x00 stuffing, RSTn or fill bytes; any
 * other marker ends the scan). libjpeg pads a cut file with grey and only
 * warns, so the decoder alone would accept it. */
static int
jpeg_complete(const unsigned char *b, size_t len)
{
	size_t pos = 2;

	while (pos + 2 <= len) {
		unsigned m;

		if (b[pos] != 0xff)
			return 0;
		m = b[pos + 1];
		if (m == 0xff) {
			pos++;
			continue;
		}
		if (m == 0xd9)
			return 1;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			pos += 2;
			continue;
		}
		if (pos + 4 > len || be16(b + pos + 2) < 2 || len - pos - 2 < be16(b + pos + 2))
			return 0;
		pos += 2 + be16(b + pos + 2);
		if (m != 0xda)
			continue;
		for (;;) {
			const unsigned char *ff = memchr(b + pos, 0xff, len - pos);

			if (ff == NULL || (size_t)(ff - b) + 1 >= len)
				return 0;
			pos = (size_t)(ff - b);
			if (b[pos + 1] == 0x00 || (b[pos + 1] >= 0xd0 && b[pos + 1] <= 0xd7) ||
			    b[pos + 1] == 0xff) {
				pos += b[pos + 1] == 0xff ? 1 : 2;
				continue;
			}
			break;
		}
	}
	return 0;
}

/* A WebP holds the bytes its RIFF header declares (RFC 9649 §2.4). */
static int
webp_complete(const unsigned char *b, size_t len)
{
	uint32_t riff;

	if (len < 12)
		return 0;
	riff = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
	return riff >= 4 && (uint64_t)riff + 8 <= len;
}

/* Decode the whole image once; Ptr decoders read exactly len bytes. gd
 * reads a PNG through png_read_end, so a PNG cut anywhere, even inside
 * IEND's CRC, fails here. */
static int
decodes_to(ig_img_format fmt, const unsigned char *buf, size_t len, int w, int h)
{
	gdImagePtr im = NULL;
	int ok;

	if (fmt == IG_IMG_PNG)
		im = gdImageCreateFromPngPtr((int)len, (void *)(uintptr_t)buf);
	else if (fmt == IG_IMG_JPEG)
		im = gdImageCreateFromJpegPtr((int)len, (void *)(uintptr_t)buf);
	else if (fmt == IG_IMG_WEBP)
		im = gdImageCreateFromWebpPtr((int)len, (void *)(uintptr_t)buf);
	if (im == NULL)
		return 0;
	ok = gdImageSX(im) == w && gdImageSY(im) == h;
	gdImageDestroy(im);
	return ok;
}

int
ig_upload_check(const unsigned char *buf, size_t len, long max_upload, long max_pixels,
    const char *field, ig_upload_info *info, unsigned char **out, size_t *outlen, ig_err *err)
{
	ig_img_format fmt;
	int w, h, complete;

	*out = NULL;
	*outlen = 0;
	memset(info, 0, sizeof(*info));
	if (len > (size_t)max_upload || len > INT_MAX)
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, field,
		    "%s is %zu bytes; IG_MAX_UPLOAD allows %ld", field, len, max_upload);
	if (len == 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s is empty", field);
	if (ig_image_probe(buf, len, &fmt, &w, &h) != 0) {
		if (fmt == IG_IMG_UNKNOWN)
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "%s is not a PNG, JPEG or WebP image (judged by its leading bytes)", field);
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s: the %s header is truncated or corrupt", field, ig_image_ext(fmt));
	}
	if ((int64_t)w * h > (int64_t)max_pixels)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s is %d x %d pixels; IG_MAX_IMAGE_PIXELS allows %ld", field, w, h, max_pixels);
	complete = fmt == IG_IMG_JPEG ? jpeg_complete(buf, len) :
	    fmt == IG_IMG_WEBP ? webp_complete(buf, len) : 1;
	if (!complete || !decodes_to(fmt, buf, len, w, h))
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s: the %s image is truncated or cannot be decoded", field, ig_image_ext(fmt));
	info->format = fmt;
	info->width = w;
	info->height = h;
	if (fmt == IG_IMG_JPEG && (info->gps_removed = ig_jpeg_strip_gps(buf, len, out, outlen)) < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s: the JPEG marker segments are corrupt", field);
	if (fmt == IG_IMG_WEBP)
		info->gps_removed = webp_strip_gps(buf, len, out, outlen);
	return 0;
}
