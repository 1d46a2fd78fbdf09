/* multipart.c — see multipart.h. */
#include "ig_autoconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/error.h"
#include "lib/core/multipart.h"
#include "lib/core/util.h"

/* A parameter value after decoding: the longest is a filename* of 255 UTF-8
 * bytes, each percent-encoded. */
#define VALUE_MAX (IG_MP_MAX_FILENAME * 3 + 32)

static int
is_tchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 2046 §5.1.1 bcharsnospace, plus the space. */
static int
is_bchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

static const char *
skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Read the next `; name=value` parameter (RFC 9110 §5.6.6) from *p. name is
 * lower-cased; a quoted-string value is unquoted (quoted-pairs resolved).
 * Returns 1 with the parameter, 0 at the end, -1 when malformed or longer
 * than the buffers. *vlen is the value's length (it may hold NUL bytes,
 * which the callers refuse).
 */
static int
param_next(const char **p, const char *end, char name[32], char *value, size_t *vlen)
{
	const char *s = skip_ows(*p, end);
	size_t n = 0, v = 0;

	if (s == end)
		return 0;
	if (*s != ';')
		return -1;
	s = skip_ows(s + 1, end);
	while (s < end && is_tchar((unsigned char)*s)) {
		if (n >= 31)
			return -1;
		name[n++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
		s++;
	}
	name[n] = '\0';
	if (n == 0 || s == end || *s != '=')
		return -1;
	s++;
	if (s < end && *s == '"') {
		for (s++;; s++) {
			if (s == end)
				return -1;
			if (*s == '"')
				break;
			if (*s == '\\' && ++s == end)
				return -1;
			if (v >= VALUE_MAX)
				return -1;
			value[v++] = *s;
		}
		s++;
	} else {
		while (s < end && is_tchar((unsigned char)*s)) {
			if (v >= VALUE_MAX)
				return -1;
			value[v++] = *s++;
		}
		if (v == 0)
			return -1;
	}
	value[v] = '\0';
	*vlen = v;
	*p = s;
	return 1;
}

/* Whether [s, end) starts with the token tok (case-insensitive) followed by
 * OWS, ';' or the end; *p is set past it. */
static int
leading_token(const char *s, const char *end, const char *tok, const char **p)
{
	size_t n = strlen(tok);

	s = skip_ows(s, end);
	if ((size_t)(end - s) < n || strncasecmp(s, tok, n) != 0)
		return 0;
	s += n;
	if (s < end && *s != ';' && *s != ' ' && *s != '\t')
		return 0;
	*p = s;
	return 1;
}

int
ig_multipart_boundary(const char *content_type, char out[IG_MP_BOUNDARY_MAX + 1],
    const char *field, ig_err *err)
{
	char name[32], value[VALUE_MAX + 1];
	const char *p, *end;
	size_t vlen;
	int found = 0, rc;

	if (content_type == NULL || !leading_token(content_type,
	    content_type + strlen(content_type), "multipart/form-data", &p))
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "%s must be sent as multipart/form-data", field);
	end = content_type + strlen(content_type);
	while ((rc = param_next(&p, end, name, value, &vlen)) == 1) {
		if (strcmp(name, "boundary") != 0)
			continue;
		if (found)
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "the multipart/form-data Content-Type has two boundary parameters");
		found = 1;
		if (vlen < 1 || vlen > IG_MP_BOUNDARY_MAX || value[vlen - 1] == ' ')
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "the multipart boundary must be 1-70 characters, not ending in a space");
		for (size_t i = 0; i < vlen; i++)
			if (!is_bchar((unsigned char)value[i]))
				return ig_err_set(err, IG_E_INVALID_REQUEST, field,
				    "the multipart boundary holds a character RFC 2046 does not allow");
		memcpy(out, value, vlen + 1);
	}
	if (rc < 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "the multipart/form-data Content-Type has a malformed parameter");
	if (!found)
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "the multipart/form-data Content-Type has no boundary parameter");
	return 0;
}

/* Decode an RFC 8187 ext-value (UTF-8'lang'pct-encoded) into out. */
static int
decode_ext_value(const char *v, size_t vlen, char *out, size_t outsz)
{
	const char *end = v + vlen, *q;
	size_t o = 0;

	if (vlen < 7 || strncasecmp(v, "utf-8'", 6) != 0)
		return -1;
	if ((q = memchr(v + 6, '\'', (size_t)(end - (v + 6)))) == NULL)
		return -1;
	for (q++; q < end; q++) {
		int c = (unsigned char)*q;

		if (c == '%') {
			char hex[3];

			if (end - q < 3 || !isxdigit((unsigned char)q[1]) || !isxdigit((unsigned char)q[2]))
				return -1;
			hex[0] = q[1];
			hex[1] = q[2];
			hex[2] = '\0';
			c = (int)strtol(hex, NULL, 16);
			q += 2;
		} else if (!is_tchar(c) || c == '*' || c == '\'' || c == '%') {
			return -1;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

/* The 400 of a malformed part: "multipart part <index + 1>" followed by
 * what is wrong with it (fmt begins ": …" or " has …"). Returns -1. */
static int __attribute__((format(printf, 4, 5)))
part_error(ig_err *err, const char *field, size_t index, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ig_err_set(err, IG_E_INVALID_REQUEST, field, "multipart part %zu%s", index + 1, what);
}

/* Content-Disposition: form-data; name=...; filename=...; filename*=... */
static int
parse_disposition(const char *v, const char *end, ig_mp_part *part, const char *field,
    size_t index, ig_err *err)
{
	char name[32], value[VALUE_MAX + 1];
	char fname[IG_MP_MAX_FILENAME + 2];
	const char *p;
	size_t vlen;
	int rc, seen_name = 0, seen_file = 0, seen_ext = 0;

	if (!leading_token(v, end, "form-data", &p))
		return part_error(err, field, index, ": Content-Disposition must be form-data");
	while ((rc = param_next(&p, end, name, value, &vlen)) == 1) {
		if (strcmp(name, "name") == 0) {
			if (seen_name++)
				goto dup;
			if (vlen == 0 || vlen > IG_MP_MAX_NAME || !ig_utf8_text(value, vlen))
				return part_error(err, field, index,
				    ": the name must be 1-%d characters of UTF-8 text", IG_MP_MAX_NAME);
			memcpy(part->name, value, vlen + 1);
		} else if (strcmp(name, "filename") == 0) {
			if (seen_file++)
				goto dup;
			if (seen_ext)
				continue;
			if (vlen > IG_MP_MAX_FILENAME || !ig_utf8_text(value, vlen))
				goto bad_filename;
			memcpy(part->filename, value, vlen + 1);
			part->has_filename = 1;
		} else if (strcmp(name, "filename*") == 0) {
			int n;

			if (seen_ext++)
				goto dup;
			n = decode_ext_value(value, vlen, fname, sizeof(fname));
			if (n < 0 || n > IG_MP_MAX_FILENAME || !ig_utf8_text(fname, (size_t)n))
				goto bad_filename;
			memcpy(part->filename, fname, (size_t)n + 1);
			part->has_filename = 1;
		}
	}
	if (rc < 0)
		return part_error(err, field, index, ": malformed Content-Disposition parameters");
	if (!seen_name)
		return part_error(err, field, index, " has no name in its Content-Disposition");
	return 0;
dup:
	return part_error(err, field, index, ": Content-Disposition repeats the parameter %s", name);
bad_filename:
	return part_error(err, field, index,
	    ": the filename must be at most %d bytes of UTF-8 text "
	    "(filename* in UTF-8 only)", IG_MP_MAX_FILENAME);
}

/*
 * Unfold the header block [h, h + n) (its lines end in CRLF, the last one
 * included) into buf with lines separated by '\n', then read the headers
 * this reader knows. A bare CR or LF or a NUL is refused.
 */
static int
parse_headers(const unsigned char *h, size_t n, ig_mp_part *part, const char *field,
    size_t index, ig_err *err)
{
	char buf[IG_MP_MAX_HEADER + 1];
	size_t o = 0;
	int seen_cd = 0, seen_ct = 0;

	for (size_t i = 0; i < n; i++) {
		if (h[i] == '\r') {
			if (i + 1 >= n || h[i + 1] != '\n')
				goto bad_eol;
			i++;
			if (i + 1 < n && (h[i + 1] == ' ' || h[i + 1] == '\t')) {
				if (o == 0)
					goto bad_line;
				buf[o++] = ' ';
			} else {
				buf[o++] = '\n';
			}
		} else if (h[i] == '\n') {
			goto bad_eol;
		} else if (h[i] == '\0') {
			goto bad_line;
		} else {
			buf[o++] = (char)h[i];
		}
	}
	for (char *line = buf, *nl; line < buf + o; line = nl + 1) {
		char *colon, *v, *end;

		nl = memchr(line, '\n', (size_t)(buf + o - line));
		colon = memchr(line, ':', (size_t)(nl - line));
		if (colon == NULL || colon == line)
			goto bad_line;
		for (char *c = line; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				goto bad_line;
		v = (char *)skip_ows(colon + 1, nl);
		end = nl;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (colon - line == 19 && strncasecmp(line, "content-disposition", 19) == 0) {
			if (seen_cd++)
				goto dup;
			if (parse_disposition(v, end, part, field, index, err) != 0)
				return -1;
		} else if (colon - line == 12 && strncasecmp(line, "content-type", 12) == 0) {
			if (seen_ct++)
				goto dup;
			if (end - v > IG_MP_MAX_CTYPE)
				return part_error(err, field, index, ": Content-Type longer than %d bytes",
				    IG_MP_MAX_CTYPE);
			memcpy(part->content_type, v, (size_t)(end - v));
			part->content_type[end - v] = '\0';
		} else if (colon - line == 25 && strncasecmp(line, "content-transfer-encoding", 25) == 0) {
			size_t l = (size_t)(end - v);

			if (!((l == 4 && strncasecmp(v, "7bit", 4) == 0) ||
			    (l == 4 && strncasecmp(v, "8bit", 4) == 0) ||
			    (l == 6 && strncasecmp(v, "binary", 6) == 0)))
				return part_error(err, field, index,
				    ": Content-Transfer-Encoding must be binary");
		}
	}
	if (!seen_cd)
		return part_error(err, field, index, " has no name (no Content-Disposition header)");
	return 0;
bad_eol:
	return part_error(err, field, index, ": header lines must end in CRLF");
bad_line:
	return part_error(err, field, index, ": malformed header line");
dup:
	return part_error(err, field, index, " repeats a Content-Disposition or Content-Type header");
}

static int
is_single(const char *const *single, const char *name)
{
	for (; single != NULL && *single != NULL; single++)
		if (strcmp(*single, name) == 0)
			return 1;
	return 0;
}

static int
truncated(const char *field, ig_err *err)
{
	return ig_err_set(err, IG_E_INVALID_REQUEST, field,
	    "the multipart body ends without its closing delimiter (truncated)");
}

/*
 * Read the part whose headers start at body[pos] into part: headers up to
 * the empty line, data up to the next CRLF "--" boundary. Sets *next to the
 * offset of that delimiter's "--". Returns 0 or -1 with err.
 */
static int
read_part(const unsigned char *body, size_t len, size_t pos, const char *delim, size_t dlen,
    ig_mp_part *part, size_t index, const char *field, size_t *next, ig_err *err)
{
	size_t window = len - pos, hlen;
	const unsigned char *hend, *d;

	memset(part, 0, sizeof(*part));
	if (window >= 2 && body[pos] == '\r' && body[pos + 1] == '\n')
		return part_error(err, field, index, " has no name (no headers)");
	if (window > IG_MP_MAX_HEADER + 4)
		window = IG_MP_MAX_HEADER + 4;
	hend = memmem(body + pos, window, "\r\n\r\n", 4);
	if (hend == NULL) {
		if (pos + window == len)
			return truncated(field, err);
		return part_error(err, field, index, ": headers longer than %d bytes", IG_MP_MAX_HEADER);
	}
	hlen = (size_t)(hend - (body + pos)) + 2;
	if (hlen > IG_MP_MAX_HEADER)
		return part_error(err, field, index, ": headers longer than %d bytes", IG_MP_MAX_HEADER);
	if (parse_headers(body + pos, hlen, part, field, index, err) != 0)
		return -1;
	pos += hlen + 2;
	d = memmem(body + pos, len - pos, delim, dlen);
	if (d == NULL)
		return truncated(field, err);
	part->data = body + pos;
	part->len = (size_t)(d - (body + pos));
	*next = (size_t)(d - body) + 2;
	return 0;
}

int
ig_multipart_parse(const char *content_type, const unsigned char *body, size_t len,
    const char *const *single, const char *field, ig_multipart *mp, ig_err *err)
{
	char boundary[IG_MP_BOUNDARY_MAX + 1];
	char delim[IG_MP_BOUNDARY_MAX + 5];
	size_t blen, dlen, pos;
	const unsigned char *first;

	mp->nparts = 0;
	if (ig_multipart_boundary(content_type, boundary, field, err) != 0)
		return -1;
	blen = strlen(boundary);
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	/* The first delimiter may open the body; otherwise it ends a preamble. */
	if (len >= blen + 2 && memcmp(body, delim + 2, blen + 2) == 0)
		pos = 0;
	else if (body != NULL && (first = memmem(body, len, delim, dlen)) != NULL)
		pos = (size_t)(first - body) + 2;
	else
		return ig_err_set(err, IG_E_INVALID_REQUEST, field,
		    "the multipart body holds no delimiter of its boundary");
	for (;;) {
		size_t q = pos + 2 + blen;

		if (len - q >= 2 && body[q] == '-' && body[q + 1] == '-') {
			q += 2;
			while (q < len && (body[q] == ' ' || body[q] == '\t'))
				q++;
			if (q < len && (len - q < 2 || body[q] != '\r' || body[q + 1] != '\n'))
				return ig_err_set(err, IG_E_INVALID_REQUEST, field,
				    "the multipart close delimiter is followed by more than an epilogue");
			break;
		}
		while (q < len && (body[q] == ' ' || body[q] == '\t'))
			q++;
		if (len - q < 2)
			return truncated(field, err);
		if (body[q] == '\n')
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "multipart delimiter lines must end in CRLF, not a bare LF");
		if (body[q] != '\r' || body[q + 1] != '\n')
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "the multipart boundary occurs inside a part (a line starts with it)");
		if (mp->nparts == IG_MP_MAX_PARTS)
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "the multipart body has more than %d parts", IG_MP_MAX_PARTS);
		if (read_part(body, len, q + 2, delim, dlen, &mp->parts[mp->nparts], mp->nparts,
		    field, &pos, err) != 0)
			return -1;
		if (is_single(single, mp->parts[mp->nparts].name) &&
		    ig_multipart_get(mp, mp->parts[mp->nparts].name) != NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, mp->parts[mp->nparts].name,
			    "%s: send one part of this name, not several", mp->parts[mp->nparts].name);
		mp->nparts++;
	}
	return 0;
}

const ig_mp_part *
ig_multipart_get(const ig_multipart *mp, const char *name)
{
	for (size_t i = 0; i < mp->nparts; i++)
		if (strcmp(mp->parts[i].name, name) == 0)
			return &mp->parts[i];
	return NULL;
}
