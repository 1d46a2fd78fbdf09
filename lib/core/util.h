/*
 * util.h — memory, strings, time and random ids shared by every module.
 *
 * Out-of-memory policy (STYLE.md 7): the ig_x* allocators never return NULL;
 * they log one line and abort, so no caller checks malloc ad hoc.
 */
#ifndef IG_CORE_UTIL_H
#define IG_CORE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits shared by every module that takes the same input, named once. */
#define IG_UUID_BUF 37                /* a canonical UUID's 36 characters and the NUL */
#define IG_PROVIDER_BUF 32            /* a provider's name (ig_provider_ops.name) and the NUL */
#define IG_PROMPT_MAX 4000            /* a prompt, in characters (code points) */
#define IG_NEGATIVE_PROMPT_MAX 2000   /* a negative prompt, in characters */

void *ig_xmalloc(size_t n);
void *ig_xcalloc(size_t n, size_t size);
void *ig_xrealloc(void *p, size_t n);
char *ig_xstrdup(const char *s);
char *ig_xstrndup(const char *s, size_t n);
/* printf into a new string; the caller frees it. */
char *ig_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ig_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer; always NUL-terminated after ig_buf_* calls. */
typedef struct ig_buf {
	char *data;
	size_t len;
	size_t cap;
} ig_buf;

void ig_buf_append(ig_buf *b, const void *p, size_t n);
void ig_buf_puts(ig_buf *b, const char *s);
void ig_buf_printf(ig_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ig_buf_free(ig_buf *b);

/* Monotonic clock in microseconds / milliseconds. */
int64_t ig_now_us(void);
int64_t ig_now_ms(void);
/* RFC 3339 UTC with millisecond precision ("2024-01-20T10:30:00.123Z") of
 * the wall clock into out (at least 32 bytes). */
void ig_rfc3339_now(char *out, size_t outlen);

/* Fill p with n bytes from the kernel CSPRNG (getrandom). Aborts on failure. */
void ig_random_bytes(void *p, size_t n);

/* FNV-1a, 64 bits: fold the bytes of s into h (start from
 * IG_FNV1A64_INIT). Not keyed: for spreading and seeding, not secrets. */
#define IG_FNV1A64_INIT UINT64_C(14695981039346656037)
uint64_t ig_fnv1a64(uint64_t h, const char *s);
/* A random RFC 4122 version-4 UUID, 36 chars + NUL into out[IG_UUID_BUF]. */
void ig_uuid4(char out[IG_UUID_BUF]);

/* Standard base64 (RFC 4648 §4, with padding) of n bytes; malloc'ed. */
char *ig_base64_encode(const unsigned char *in, size_t n);

/* Parse a whole base-10 integer in [min, max]. Returns 0 and stores it, or
 * -1 when s is empty, has trailing bytes, or is out of range. */
int ig_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* 1 when s is a usable request id: 1..64 chars of [A-Za-z0-9._-]. */
int ig_request_id_valid(const char *s);

/* Decode the code point at s (n > 0 bytes left) per RFC 3629: no overlong
 * forms, surrogates or code points past U+10FFFF. Returns its length, or 0
 * when the bytes are not a valid UTF-8 sequence. */
size_t ig_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 when s (len bytes) is valid UTF-8 as ig_utf8_decode reads it. Any
 * code point is allowed, NUL and control characters too: callers that
 * refuse them say so themselves. */
int ig_utf8_valid(const char *s, size_t len);
/* 1 when s (len bytes) is valid UTF-8 (ig_utf8_valid) holding no control
 * character (below 0x20, or 0x7f): a name or label to show or store. */
int ig_utf8_text(const char *s, size_t len);

/* 1 when s is one of set's strings (set ends with NULL), else 0. */
int ig_str_in(const char *s, const char *const *set);

/* CRC-32 of ISO-HDLC, ZIP and PNG (reflected, polynomial 0xEDB88320):
 * continue crc (0 to start) over n bytes. */
uint32_t ig_crc32(uint32_t crc, const void *p, size_t n);

/*
 * A request body that libcurl reads (CURLOPT_READFUNCTION ig_upload_read,
 * CURLOPT_READDATA the ig_upload): len bytes from mem, or from fd at off
 * when fd >= 0. sent counts what was handed over; a failed read of fd sets
 * read_failed and aborts the transfer.
 */
typedef struct ig_upload {
	const unsigned char *mem;
	int fd;
	off_t off;
	size_t len;
	size_t sent;
	int read_failed;
} ig_upload;

size_t ig_upload_read(char *out, size_t size, size_t nmemb, void *arg);

#endif
