/* fcgi_in.c — see fcgi_in.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "app/fcgi/fcgi_in.h"

/* FastCGI 1.0 §8: record types and the header's length. */
#define FCGI_VERSION_1 1
#define FCGI_BEGIN_REQUEST 1
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_HEADER_LEN 8

/* A read into the caller's buffer is at most this long, so that the bytes
 * are still in the cache when their record headers are squeezed out. */
#define RAW_MAX ((size_t)1 << 20)

long
ig_fcgi_prefix_len(const unsigned char *buf, size_t n, int *request_id)
{
	size_t off = 0;
	int seen_begin = 0;

	for (;;) {
		const unsigned char *h = buf + off;
		size_t len;
		int type, rid;

		if (n - off < FCGI_HEADER_LEN)
			return 0;
		type = h[1];
		rid = h[2] << 8 | h[3];
		len = (size_t)(h[4] << 8 | h[5]);
		if (h[0] != FCGI_VERSION_1 || rid == 0)
			return -1;
		if (!seen_begin) {
			if (type != FCGI_BEGIN_REQUEST)
				return -1;
			seen_begin = 1;
			*request_id = rid;
		} else if (type != FCGI_PARAMS || rid != *request_id) {
			return -1;
		}
		if (n - off - FCGI_HEADER_LEN < len + h[6])
			return 0;
		off += FCGI_HEADER_LEN + len + h[6];
		if (type == FCGI_PARAMS && len == 0)
			return (long)off;
	}
}

void
ig_fcgi_in_init(ig_fcgi_in *in, int fd, int request_id)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->request_id = request_id;
}

/* The header in in->hdr is whole: start its record. */
static void
record_begin(ig_fcgi_in *in)
{
	const unsigned char *h = in->hdr;

	in->hdr_have = 0;
	if (h[0] != FCGI_VERSION_1 || h[1] != FCGI_STDIN || (h[2] << 8 | h[3]) != in->request_id) {
		in->error = 1;
		return;
	}
	in->content_left = (size_t)(h[4] << 8 | h[5]);
	in->pad_left = h[6];
	if (in->content_left == 0)
		in->eof = 1;
}

size_t
ig_fcgi_in_decode(ig_fcgi_in *in, unsigned char *buf, size_t n)
{
	size_t i = 0, out = 0;

	while (i < n && !in->eof && !in->error) {
		size_t k;

		if (in->content_left > 0) {
			k = in->content_left < n - i ? in->content_left : n - i;
			if (out != i)
				memmove(buf + out, buf + i, k);
			out += k;
			in->content_left -= k;
		} else if (in->pad_left > 0) {
			k = in->pad_left < n - i ? in->pad_left : n - i;
			in->pad_left -= k;
		} else {
			k = FCGI_HEADER_LEN - in->hdr_have < n - i ? FCGI_HEADER_LEN - in->hdr_have : n - i;
			memcpy(in->hdr + in->hdr_have, buf + i, k);
			in->hdr_have += (unsigned)k;
			if (in->hdr_have == FCGI_HEADER_LEN)
				record_begin(in);
		}
		i += k;
	}
	return out;
}

ssize_t
ig_fcgi_in_read(ig_fcgi_in *in, void *dst, size_t cap)
{
	if (cap == 0)
		return 0;
	while (!in->eof && !in->error) {
		ssize_t n = read(in->fd, dst, cap < RAW_MAX ? cap : RAW_MAX);
		size_t got;

		if (n < 0 && errno == EINTR)
			continue;
		in->reads++;
		if (n <= 0) {
			in->error = 1;
			break;
		}
		got = ig_fcgi_in_decode(in, dst, (size_t)n);
		if (got > 0)
			return (ssize_t)got;
	}
	return in->error ? -1 : 0;
}
