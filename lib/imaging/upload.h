/*
 * upload.h — the check an image a user uploads passes before it is stored
 * (POST /api/images; issue 12).
 *
 * The order is the defence, as for provider images (png.h, thumb.h):
 *   1. at most max_upload bytes (IG_MAX_UPLOAD);
 *   2. the format from the magic bytes and the dimensions from the header
 *      alone (ig_image_probe), never from the client's Content-Type;
 *   3. width × height against max_pixels (IG_MAX_IMAGE_PIXELS) before any
 *      decoder runs: a 16000×16000 PNG is refused after reading 33 bytes;
 *   4. the structure is complete (a JPEG reaches its EOI marker, a WebP
 *      holds all the bytes its RIFF header declares: libjpeg decodes a cut
 *      JPEG as grey without failing) and libgd decodes the whole image to
 *      the size the header declared;
 *   5. a JPEG's EXIF GPS is removed: the GPSInfo entry leaves IFD0 and the
 *      GPS IFD with the values it points to is zeroed, all in place, so the
 *      file keeps its length and every other byte (ITU-T T.81 Annex B
 *      markers; Exif 2.32 §4.5.4 APP1, §4.6.2 IFD structure). An Exif
 *      segment too malformed to walk is dropped whole instead. A WebP's
 *      EXIF chunk (RFC 9649 §2.7) is handled the same way in place, a
 *      broken one zeroed rather than dropped so that no size changes.
 * Everything else is stored as received (a PNG's eXIf chunk and XMP
 * packets are not examined).
 */
#ifndef IG_IMAGING_UPLOAD_H
#define IG_IMAGING_UPLOAD_H

#include <stddef.h>

#include "lib/core/error.h"
#include "lib/imaging/png.h"

typedef struct ig_upload_info {
	ig_img_format format;
	int width, height;
	int gps_removed;            /* GPS IFDs removed (or Exif segments dropped,
	                             * WebP EXIF chunks zeroed) */
} ig_upload_info;

/*
 * Check buf (len bytes, an uploaded file) as above. field names the part
 * in errors ("file"). Returns 0 with *info filled and *out set: NULL when
 * buf is to be stored as it is, else a malloc'ed copy with GPS removed
 * (*outlen bytes; the caller frees it). Returns -1 with err:
 * payload_too_large (413) naming field when len is over max_upload, the
 * message naming IG_MAX_UPLOAD; invalid_request (400) naming field for an
 * empty file, wrong magic bytes, a corrupt header, dimensions over
 * max_pixels, a truncated file or one libgd cannot decode.
 */
int ig_upload_check(const unsigned char *buf, size_t len, long max_upload, long max_pixels,
    const char *field, ig_upload_info *info, unsigned char **out, size_t *outlen, ig_err *err);

/*
 * Remove EXIF GPS from a JPEG (step 5 above). Returns the number of GPS
 * IFDs removed or Exif segments dropped (0: *out is NULL, nothing to do),
 * with *out a malloc'ed edited copy of *outlen bytes; -1 when jpeg is not a
 * JPEG whose marker segments can be walked up to its first SOS.
 */
int ig_jpeg_strip_gps(const unsigned char *jpeg, size_t len, unsigned char **out, size_t *outlen);

#endif
