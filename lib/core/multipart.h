/*
 * multipart.h — a strict multipart/form-data reader (RFC 7578 over
 * RFC 2046 §5.1) for a request body already in memory. It serves every
 * upload route (POST /api/images, POST /api/storage/upload): they differ
 * only in which part names they take, which the caller checks.
 *
 * What it accepts, and refuses, on purpose:
 *   - The boundary comes from the Content-Type's boundary parameter, a token
 *     or a quoted-string, 1–70 bchars (RFC 2046 §5.1.1), not ending in a
 *     space.
 *   - Lines are CRLF. A delimiter is CRLF "--" boundary at the start of a
 *     line (or at the very start of the body); a header line ending in a bare
 *     LF, or a body with LF-only line ends, is refused (it has no
 *     delimiter, so it reads as truncated). Inside part data, LF and CR are
 *     bytes like any other.
 *   - After a delimiter only optional spaces/tabs then CRLF (another part)
 *     or "--" (the close delimiter) may follow; "--boundaryX" at the start
 *     of a line is refused: the sender picked a boundary that occurs in its
 *     data. The boundary string elsewhere (not after CRLF "--") is data.
 *   - A preamble before the first delimiter and an epilogue after the close
 *     delimiter are ignored. No close delimiter: refused as truncated.
 *   - Part header names are case-insensitive; folded header lines
 *     (continuation lines starting with a space or tab, RFC 5322 §2.2.3) are
 *     accepted and unfolded. Content-Disposition must be form-data with a
 *     name; filename* (RFC 5987/8187, UTF-8 only) wins over filename;
 *     Content-Transfer-Encoding other than 7bit, 8bit or binary is refused
 *     (RFC 7578 §4.7). Other headers are ignored.
 *   - Limits: IG_MP_MAX_PARTS parts, IG_MP_MAX_HEADER bytes of headers per
 *     part, names up to IG_MP_MAX_NAME bytes, filenames up to
 *     IG_MP_MAX_FILENAME bytes of UTF-8 after decoding.
 *
 * Part data are views into the caller's body (zero-copy): they live as long
 * as the body does.
 */
#ifndef IG_CORE_MULTIPART_H
#define IG_CORE_MULTIPART_H

#include <stddef.h>

#include "lib/core/error.h"

#define IG_MP_BOUNDARY_MAX 70
#define IG_MP_MAX_PARTS 16
#define IG_MP_MAX_HEADER 4096
#define IG_MP_MAX_NAME 64
#define IG_MP_MAX_FILENAME 255
#define IG_MP_MAX_CTYPE 127

typedef struct ig_mp_part {
	char name[IG_MP_MAX_NAME + 1];
	char filename[IG_MP_MAX_FILENAME + 1]; /* UTF-8; "" when none was sent */
	int has_filename;                      /* a filename or filename* was sent */
	char content_type[IG_MP_MAX_CTYPE + 1]; /* as sent, trimmed; "" when none */
	const unsigned char *data;             /* into the body */
	size_t len;
} ig_mp_part;

typedef struct ig_multipart {
	ig_mp_part parts[IG_MP_MAX_PARTS];
	size_t nparts;
} ig_multipart;

/*
 * Read the boundary from a Content-Type value into out. Returns 0, or -1
 * with err (400, naming field) when content_type is NULL, not
 * multipart/form-data, has no boundary parameter, or the boundary is empty,
 * longer than 70 characters or holds a character outside bchars.
 */
int ig_multipart_boundary(const char *content_type, char out[IG_MP_BOUNDARY_MAX + 1],
    const char *field, ig_err *err);

/*
 * Parse body (len bytes) sent with content_type into mp. field is the name
 * an error about the body's structure names (the route's main part, e.g.
 * "file"). single is NULL or a NULL-terminated list of names that may occur
 * at most once; a second part with such a name is an error naming it.
 * Returns 0, or -1 with err (IG_E_INVALID_REQUEST) naming field — or the
 * part's own name when the fault is in a named part's headers or a repeated
 * single name. mp's views point into body.
 */
int ig_multipart_parse(const char *content_type, const unsigned char *body, size_t len,
    const char *const *single, const char *field, ig_multipart *mp, ig_err *err);

/* The first part called name, or NULL. */
const ig_mp_part *ig_multipart_get(const ig_multipart *mp, const char *name);

#endif
