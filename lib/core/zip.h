/*
 * zip.h — a streaming ZIP writer (PKWARE APPNOTE.TXT 6.3.x).
 *
 * Entries are stored (method 0: our images are PNG/JPEG/WebP, compressed
 * already) and written as they come: each local header carries general
 * purpose bit 3, so its CRC-32 and sizes follow the data in a data
 * descriptor (APPNOTE 4.3.9) and nothing needs to be known up front. Names
 * are UTF-8 (bit 11). Only the central directory records are kept in
 * memory (about 60 bytes plus the name per entry); they are written by
 * ig_zip_finish together with the end record.
 *
 * No ZIP64: an archive of more than 65535 entries, or whose entries or
 * offsets would reach 4 GiB, is refused with IG_ZIP_ELIMIT before any byte
 * past the limit is written (the archive is then unusable, as after any
 * error: every later call returns the same error).
 */
#ifndef IG_CORE_ZIP_H
#define IG_CORE_ZIP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct ig_zip ig_zip;

/* Where the archive's bytes go: 0 when all n bytes were taken, nonzero when
 * the sink failed (a client gone); the writer then stops. */
typedef int (*ig_zip_sink)(void *ctx, const void *p, size_t n);

/* Errors; 0 is success. */
#define IG_ZIP_EIO    (-1)  /* the sink failed */
#define IG_ZIP_ELIMIT (-2)  /* more than 65535 entries, or 4 GiB reached */
#define IG_ZIP_ENAME  (-3)  /* empty, too long, not UTF-8, absolute or ".." name */
#define IG_ZIP_ESTATE (-4)  /* call out of order (write with no entry open, ...) */

/* A new writer sending its bytes to sink(ctx, ...). Never NULL; free it
 * with ig_zip_free whether or not the archive was finished. */
ig_zip *ig_zip_new(ig_zip_sink sink, void *ctx);
void ig_zip_free(ig_zip *z);

/* Start an entry (closing none: the previous one must have been ended)
 * named name (UTF-8, "/"-separated, relative) modified at mtime (unix
 * seconds; written as an MS-DOS UTC time and an extended-timestamp field).
 * 0 or an IG_ZIP_E* code. */
int ig_zip_begin_entry(ig_zip *z, const char *name, time_t mtime);
/* Append n bytes to the open entry. 0 or an IG_ZIP_E* code. */
int ig_zip_write(ig_zip *z, const void *p, size_t n);
/* End the open entry (writes its data descriptor). 0 or IG_ZIP_E*. */
int ig_zip_end_entry(ig_zip *z);
/* Write the central directory and the end record; the archive is complete
 * when this returns 0. An entry still open is an IG_ZIP_ESTATE error. */
int ig_zip_finish(ig_zip *z);

/* Bytes handed to the sink so far. */
uint64_t ig_zip_bytes(const ig_zip *z);
/* A short text for an IG_ZIP_E* code. */
const char *ig_zip_strerror(int code);


#endif
