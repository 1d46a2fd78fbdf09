/*
 * fcgi_in.h — the request body read straight off the FastCGI connection.
 *
 * libfcgi reads its input stream in fixed 8 KB read()s and copies each
 * record's content out of that buffer: ~2,470 read()s and a second copy
 * for a 20 MB upload. Here the connection is read in large chunks straight
 * into the caller's buffer, and the FCGI_STDIN record headers and padding
 * (FastCGI 1.0 §3.3, §5.3) are squeezed out of it in place.
 *
 * libfcgi still parses FCGI_BEGIN_REQUEST and FCGI_PARAMS (FCGX_Accept_r)
 * and writes the answer: the worker reads the BEGIN_REQUEST and PARAMS
 * records off the connection itself (ig_fcgi_prefix_len says how many
 * bytes they take), hands exactly those bytes to FCGX_Accept_r through a
 * pipe, and then points the request at the connection again. So libfcgi
 * never buffers a byte of FCGI_STDIN, and the body starts at the
 * connection's next byte.
 */
#ifndef IG_FCGI_IN_H
#define IG_FCGI_IN_H

#include <stddef.h>
#include <sys/types.h>

/* Reading state of one request's FCGI_STDIN stream. */
typedef struct ig_fcgi_in {
	int fd;                 /* the connection */
	int request_id;         /* from FCGI_BEGIN_REQUEST */
	unsigned char hdr[8];   /* a record header split across reads */
	unsigned hdr_have;
	size_t content_left;    /* of the current record */
	size_t pad_left;
	int eof;                /* the empty FCGI_STDIN record was read */
	int error;              /* a bad record, a read error or the peer closed */
	long reads;             /* read() calls made */
} ig_fcgi_in;

/*
 * The length of the FCGI_BEGIN_REQUEST record and the FCGI_PARAMS records
 * through the empty one that ends them at the start of buf (n bytes);
 * *request_id is the request's id. 0 when buf does not hold them whole;
 * -1 when buf starts with anything else (a management record, another
 * version, a record of another request, FCGI_STDIN before the end of the
 * parameters): the caller then lets libfcgi read the connection, which
 * answers or refuses those as it always did.
 */
long ig_fcgi_prefix_len(const unsigned char *buf, size_t n, int *request_id);

/* Start reading request_id's FCGI_STDIN on fd. */
void ig_fcgi_in_init(ig_fcgi_in *in, int fd, int request_id);

/*
 * Decode n raw bytes of the connection held in buf: the content bytes of
 * FCGI_STDIN records are moved to the front of buf in order; headers and
 * padding are taken out (a header split across calls is kept in in).
 * Returns the number of content bytes now at buf. Sets in->eof at the
 * empty record (bytes after it are dropped) and in->error at a record
 * that is not this request's FCGI_STDIN of version 1.
 */
size_t ig_fcgi_in_decode(ig_fcgi_in *in, unsigned char *buf, size_t n);

/*
 * Read up to cap body bytes into dst, reading the connection in chunks of
 * up to cap bytes (at most 1 MiB) straight into dst. Returns the number of
 * bytes (> 0), 0 at the end of the body, -1 after a read error, a bad
 * record or a connection closed before the end (in->error).
 */
ssize_t ig_fcgi_in_read(ig_fcgi_in *in, void *dst, size_t cap);

#endif
