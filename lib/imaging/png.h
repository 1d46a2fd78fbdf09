/*
 * png.h — image bytes from outside, examined without decoding them.
 *
 * libgd decodes a 746 KB PNG that declares 16000×16000 in 8.7 s and 1.8 GB,
 * so nothing that came from a provider or a client reaches a decoder before
 * ig_image_probe has read its format from the magic bytes (never from a
 * Content-Type) and its dimensions from the header alone:
 *   PNG   — ISO/IEC 15948 (PNG 2nd ed.) §5.2 signature, §11.2.2 IHDR;
 *   JPEG  — ITU-T T.81 Annex B: marker segments up to the first SOFn;
 *   WebP  — RFC 9649: RIFF header, then a VP8, VP8L or VP8X chunk.
 *
 * ig_png_add_text / ig_png_get_text handle PNG text chunks (§11.3.4.3 tEXt,
 * §11.3.4.5 iTXt) by copying chunks as opaque bytes: the image data is never
 * inflated or re-encoded.
 */
#ifndef IG_IMAGING_PNG_H
#define IG_IMAGING_PNG_H

#include <stddef.h>

typedef enum ig_img_format {
	IG_IMG_UNKNOWN = 0,
	IG_IMG_PNG,
	IG_IMG_JPEG,
	IG_IMG_WEBP,
	IG_IMG__MAX
} ig_img_format;

/* Identify buf by its magic bytes and read its width and height from the
 * header. Returns 0 with *fmt, *width and *height set (both ≥ 1), or -1 when
 * the bytes are not PNG, JPEG or WebP, or the header is truncated, corrupt
 * or declares a zero dimension; *fmt then holds what the magic bytes claim
 * (IG_IMG_UNKNOWN when none matched), for error messages only, and *width
 * and *height are 0. Reads at most len bytes and allocates nothing. */
int ig_image_probe(const unsigned char *buf, size_t len, ig_img_format *fmt, int *width,
    int *height);

/* "image/png", "image/jpeg", "image/webp"; "application/octet-stream" for
 * IG_IMG_UNKNOWN. Static strings. */
const char *ig_image_mime(ig_img_format fmt);
/* File extension without the dot: "png", "jpg", "webp"; "bin" for
 * IG_IMG_UNKNOWN. Static strings. */
const char *ig_image_ext(ig_img_format fmt);

/* Longest keyword a PNG text chunk may carry (§11.3.4.2). */
#define IG_PNG_KEYWORD_MAX 79

/* Copy png with one text chunk per pair inserted right before IEND; every
 * other chunk is copied byte for byte. kv holds 2 * npairs strings: keyword,
 * value, keyword, value… A keyword is 1–79 printable ASCII bytes without
 * leading, trailing or doubled spaces. A value of printable ASCII (plus
 * newline) goes into tEXt; any other value must be valid UTF-8 and goes into
 * an uncompressed iTXt with empty language tag and translated keyword.
 * Returns 0 with *out (malloc'ed, the caller frees it) and *outlen set;
 * -1 when png is not a well-formed chunk stream (see ig_png_get_text);
 * -2 when a keyword or value is invalid. *out is untouched on failure. */
int ig_png_add_text(const unsigned char *png, size_t len, const char *const *kv, size_t npairs,
    unsigned char **out, size_t *outlen);

/* Find the first tEXt or uncompressed iTXt chunk whose keyword is keyword and
 * return its text as UTF-8 (tEXt's Latin-1 is converted). Returns 0 with
 * *value malloc'ed (the caller frees it), 1 when no such chunk exists, -1
 * when png is malformed: bad signature, a chunk running past len or longer
 * than 2^31-1, IHDR not first, no IEND or bytes after it, or a text chunk
 * with the keyword that has a bad CRC, no separator or a NUL in its text. */
int ig_png_get_text(const unsigned char *png, size_t len, const char *keyword, char **value);

#endif
