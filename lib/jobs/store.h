/*
 * store.h — the image store: each image an object of the image object
 * store (lib/store/image_store.h: a file under IG_IMAGE_DIR, written atomically
 * — temporary file, fsync, rename, fsync of the directory — or an object
 * under "images/" of IG_S3_BUCKET, IG_IMAGE_BACKEND) with
 * an unguessable name in the seed's pattern
 * {provider}_{unix}_{n}_{random}.{ext}, a 256-px PNG thumbnail beside it
 * ({name}.thumb.png), the generation parameters in PNG text chunks
 * (`parameters` in AUTOMATIC1111's text form and `imagegen` as JSON, added
 * without re-encoding the provider's pixels), and a row in images.
 */
#ifndef IG_JOBS_STORE_H
#define IG_JOBS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/core/error.h"
#include "lib/gallery/images.h"
#include "lib/imaging/png.h"
#include "lib/jobs/queue.h"
#include "lib/providers/provider.h"

#define IG_THUMB_SIDE 256

/* Store image number idx (0-based) of job. The bytes are checked (PNG, JPEG
 * or WebP by their magic, at most max_pixels) before anything is written.
 * A second store of the same (job, idx) — a job re-run after a lost lease —
 * keeps the first and removes the new files. name_out (may be NULL) gets
 * the stored file's name, "" when an earlier run had stored it. Returns 0,
 * or -1 with err. */
int ig_store_image(const ig_job *job, int idx, const ig_gen_image *img, long max_pixels, char name_out[256],
    ig_err *err);

/* Make and record the 256-px thumbnail of stored image name from its bytes.
 * Called once the job is answered: it is most of a job's CPU time and the
 * caller need not wait for it. 0 or -1 with err (logged; the image stays). */
int ig_store_thumbnail(const char *name, const unsigned char *data, size_t len, long max_pixels, ig_err *err);

/* Write len bytes to dir/name atomically: the name appears complete or not
 * at all, and a failed write leaves no file behind (the temporary file is
 * removed). 0 or -1 (errno kept). */
int ig_store_write_atomic(const char *dir, const char *name, const unsigned char *data, size_t len);

/* Fill err for a failed write of the image store with errno value errnum:
 * insufficient_storage (507) when the file system is full or the quota is
 * spent (ENOSPC, EDQUOT), else unavailable (503). Returns -1. */
int ig_store_write_error(ig_err *err, int errnum);

/*
 * Store an image a user adds (an upload, or one made from another of
 * theirs): len bytes of format fmt, width × height (already checked by the
 * caller), written atomically as {operation}_{unix}_1_{random}.{ext}, its
 * row added (ig_image_add_own: row's user, parent, operation, title and
 * tags; the file's name, size, digest, type and size are filled here) and
 * its thumbnail made. All or nothing: on any failure neither a file nor a
 * row stays. 1 with id_out, 0 when row->parent_id is not the user's
 * (nothing stored), -1 with err.
 */
int ig_store_own(const ig_image_own *row, const unsigned char *data, size_t len, ig_img_format fmt, int width,
    int height, long max_pixels, char id_out[IG_UUID_BUF], ig_err *err);

/* Read dir/name (a stored image) whole into *out (malloc'ed, the caller
 * frees) and *len: 0, or -1 with errno (ENOENT when it is gone, EFBIG over
 * max bytes). */
int ig_store_read(const char *dir, const char *name, size_t max, unsigned char **out, size_t *len);

#endif
