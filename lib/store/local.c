/*
 * local.c — the `local` backend of the object store (store.h): a directory.
 *
 * A key "a/b/c" is the file ROOT/a/b/c; its directories are made on
 * demand, 0750 (the root too, when missing). Writes are atomic: the bytes
 * go to a temporary file in the key's directory, which is fsync'ed and
 * renamed over the key, and the directory is fsync'ed (the image store's
 * ig_store_write_atomic does exactly that for a buffer; put_fd does the
 * same for bytes read in parts from a descriptor, hashing them as they
 * pass, so a file never sits whole in memory).
 *
 * The object's SHA-256 and content type live in a sidecar file beside it,
 * "KEY,meta" (two lines: the hex digest, the content type), written the
 * same atomic way after the object. A sidecar rather than an extended
 * attribute: xattrs are not kept by every file system a store directory
 * may sit on (NFS without v4.2, some overlay and tmpfs setups) nor by a
 * plain cp, rsync or tar of the directory, whereas a sidecar moves with
 * the files. ',' is not a key character (store.h), so no key can name a
 * sidecar, and nginx only ever serves the keys the app redirects it to.
 * A plain store (ig_store_new_plain: the generated images) writes none.
 */
#include "ig_autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/auth/token.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/jobs/store.h"
#include "lib/store/store_impl.h"

#define META_SUFFIX ",meta"
#define CHUNK (256 * 1024)
#define DIR_BUF 4096
#define NAME_BUF (IG_STORE_KEY_MAX + 1)
#define META_BUF (NAME_BUF + sizeof(META_SUFFIX))
#define PATH_BUF (DIR_BUF + 1 + META_BUF)

static int
local_open(ig_store *st, ig_err *err)
{
	struct stat sb;

	if (*st->root == '\0')
		return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: no directory given");
	if (mkdir(st->root, 0750) != 0 && errno != EEXIST)
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "object store: cannot create %s: %s", st->root,
		    strerror(errno));
	if (stat(st->root, &sb) != 0 || !S_ISDIR(sb.st_mode) || access(st->root, R_OK | W_OK | X_OK) != 0)
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "object store: %s is not a writable directory", st->root);
	return 0;
}

static void
local_close(ig_store *st)
{
	(void)st;
}

/* The key's directory and file name: dir = ROOT[/a/b], name = c. */
static void
split_key(const ig_store *st, const char *key, char dir[DIR_BUF], char name[NAME_BUF])
{
	const char *slash = strrchr(key, '/');

	if (slash == NULL) {
		snprintf(dir, DIR_BUF, "%s", st->root);
		snprintf(name, NAME_BUF, "%s", key);
	} else {
		snprintf(dir, DIR_BUF, "%s/%.*s", st->root, (int)(slash - key), key);
		snprintf(name, NAME_BUF, "%s", slash + 1);
	}
}

/* mkdir -p of dir below the root (which exists), 0750. 0 or -1 (errno). */
static int
make_dirs(const ig_store *st, const char *dir)
{
	char path[DIR_BUF];
	size_t rootlen = strlen(st->root);

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + rootlen + 1; p <= path + strlen(path); p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int
write_failed(ig_err *err, const char *what, int errnum)
{
	ig_logf(IG_LOG_ERROR, "store_write_failed", "%s: %s", what, strerror(errnum));
	return ig_store_write_error(err, errnum);
}

/* The sidecar of dir/name: sha and content type. 0 or -1 (errno). */
static int
write_meta(const char *dir, const char *name, const char *sha, const char *content_type)
{
	char meta[META_BUF], text[300];
	int n;

	snprintf(meta, sizeof(meta), "%s" META_SUFFIX, name);
	n = snprintf(text, sizeof(text), "%s\n%s\n", sha, content_type != NULL ? content_type : "");
	return ig_store_write_atomic(dir, meta, (const unsigned char *)text, (size_t)n);
}

/* Remove dir/name and its sidecar. */
static void
remove_object(const char *dir, const char *name)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s" META_SUFFIX, dir, name);
	unlink(path);
}

/* The object is in place: add its sidecar, or take the object back. */
static int
finish_put(const char *dir, const char *name, const char *sha, const char *content_type, ig_err *err)
{
	if (write_meta(dir, name, sha, content_type) != 0) {
		int saved = errno;
		remove_object(dir, name);
		return write_failed(err, name, saved);
	}
	return 0;
}

static int
local_put(ig_store *st, const char *key, const unsigned char *data, size_t len, const char *content_type,
    char sha256_out[65], ig_err *err)
{
	char dir[DIR_BUF], name[NAME_BUF];
	unsigned char sum[IG_SHA256_LEN];

	split_key(st, key, dir, name);
	ig_sha256((const char *)data, len, sum);
	ig_hex(sum, sizeof(sum), sha256_out);
	if (make_dirs(st, dir) != 0 || ig_store_write_atomic(dir, name, data, len) != 0)
		return write_failed(err, key, errno);
	return st->plain ? 0 : finish_put(dir, name, sha256_out, content_type, err);
}

/* Copy len bytes from fd to the new file out, hashing them into h. 0, or
 * -1 with errno (EIO when fd ends early). */
static int
copy_fd(int fd, int out, size_t len, ig_sha256_ctx *h)
{
	unsigned char *buf = ig_xmalloc(CHUNK);
	size_t left = len;
	int rc = -1;

	while (left > 0) {
		ssize_t r = read(fd, buf, left < CHUNK ? left : CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			goto out;
		}
		ig_sha256_add(h, buf, (size_t)r);
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				goto out;
			off += w;
		}
		left -= (size_t)r;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int
local_put_fd(ig_store *st, const char *key, int fd, size_t len, const char *content_type, char sha256_out[65],
    ig_err *err)
{
	char dir[DIR_BUF], name[NAME_BUF], tmp[DIR_BUF + 32], path[PATH_BUF], hex[13];
	unsigned char rnd[6], sum[IG_SHA256_LEN];
	ig_sha256_ctx *h;
	int out, dfd, saved;

	split_key(st, key, dir, name);
	if (make_dirs(st, dir) != 0)
		return write_failed(err, key, errno);
	ig_random_bytes(rnd, sizeof(rnd));
	ig_hex(rnd, sizeof(rnd), hex);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, hex);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return write_failed(err, key, errno);
	h = ig_sha256_begin();
	if (copy_fd(fd, out, len, h) != 0 || fsync(out) != 0)
		goto fail;
	saved = close(out);
	out = -1;
	if (saved != 0 || rename(tmp, path) != 0)
		goto fail;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ig_sha256_end(h, sum);
	ig_hex(sum, sizeof(sum), sha256_out);
	return st->plain ? 0 : finish_put(dir, name, sha256_out, content_type, err);
fail:
	saved = errno;
	ig_sha256_end(h, sum);
	if (out >= 0)
		close(out);
	unlink(tmp);
	if (saved == EIO)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "object store: the source ended before %zu bytes", len);
	return write_failed(err, key, saved);
}

static int
local_get(ig_store *st, const char *key, size_t max, unsigned char **data, size_t *len, ig_err *err)
{
	char dir[DIR_BUF], name[NAME_BUF];

	split_key(st, key, dir, name);
	if (ig_store_read(dir, name, max, data, len) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	if (errno == EFBIG)
		return ig_err_set(err, IG_E_PAYLOAD_TOO_LARGE, NULL, "the object is over %zu bytes", max);
	ig_logf(IG_LOG_ERROR, "store_read_failed", "%s: %s", key, strerror(errno));
	return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the object store is unavailable");
}

static int
local_head(ig_store *st, const char *key, ig_store_obj *out, ig_err *err)
{
	char path[PATH_BUF], text[300];
	struct stat sb;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", st->root, key);
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		ig_logf(IG_LOG_ERROR, "store_read_failed", "%s: %s", key, strerror(errno));
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the object store is unavailable");
	}
	if (!S_ISREG(sb.st_mode))
		return 0;
	out->size = (int64_t)sb.st_size;
	snprintf(path, sizeof(path), "%s/%s" META_SUFFIX, st->root, key);
	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(text, sizeof(text), f) != NULL && strlen(text) == 65 && text[64] == '\n')
			snprintf(out->sha256, sizeof(out->sha256), "%.64s", text);
		if (fgets(text, sizeof(text), f) != NULL) {
			text[strcspn(text, "\n")] = '\0';
			snprintf(out->content_type, sizeof(out->content_type), "%s", text);
		}
		fclose(f);
	}
	return 1;
}

static int
local_del(ig_store *st, const char *key, ig_err *err)
{
	char path[PATH_BUF];

	snprintf(path, sizeof(path), "%s/%s", st->root, key);
	if (unlink(path) != 0 && errno != ENOENT && errno != ENOTDIR) {
		ig_logf(IG_LOG_ERROR, "store_delete_failed", "%s: %s", key, strerror(errno));
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the object store is unavailable");
	}
	snprintf(path, sizeof(path), "%s/%s" META_SUFFIX, st->root, key);
	unlink(path);
	return 0;
}

/* The path nginx's internal location (which aliases the root) takes: the
 * key itself. No expiry or disposition: the app's answer carries those. */
static int
local_locate(ig_store *st, const char *key, long expires_s, const ig_store_reply *reply, char **url, ig_err *err)
{
	(void)st;
	(void)expires_s;
	(void)reply;
	(void)err;
	*url = ig_xasprintf("%s", key);
	return 0;
}

const ig_store_ops ig_store_local_ops = {
	.name = "local",
	.open = local_open,
	.close = local_close,
	.put = local_put,
	.put_fd = local_put_fd,
	.get = local_get,
	.head = local_head,
	.del = local_del,
	.locate = local_locate,
};
