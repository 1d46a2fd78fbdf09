/*
 * test_store_local.c — the local backend of the object store
 * (lib/store/local.c) through store.h: atomic put (no temporary file left,
 * the sidecar's digest and type), put_fd's streamed SHA-256, get's max,
 * head, delete, locate, and keys that would leave the directory refused.
 */
#include "ig_autoconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "lib/auth/token.h"
#include "lib/store/store.h"
#include "tests/unit/ut.h"

static char root[256];

static void
setup(void)
{
	char base[] = "/tmp/ut-store-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(base));
	/* The store makes its directory itself. */
	snprintf(root, sizeof(root), "%s/files", base);
}

static ig_store *
open_store(void)
{
	ig_err err = { 0 };
	ig_store *st = ig_store_new(IG_STORE_LOCAL, root, NULL, &err);

	ck_assert_msg(st != NULL, "%s", err.message);
	return st;
}

/* Files under dir (recursively) whose name starts with prefix. */
static int
count_named(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char p[1024];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			n += count_named(p, prefix);
		else if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
hex_of(const unsigned char *d, size_t n, char out[65])
{
	unsigned char sum[IG_SHA256_LEN];

	ig_sha256((const char *)d, n, sum);
	ig_hex(sum, sizeof(sum), out);
}

START_TEST(put_get_head_delete)
{
	ig_store *st = open_store();
	ig_err err = { 0 };
	const char *data = "hello, store";
	char sha[65], want[65], path[512];
	unsigned char *got;
	size_t len;
	ig_store_obj obj;
	struct stat sb;

	ck_assert_int_eq(stat(root, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0750);
	ck_assert_str_eq(ig_store_backend_name(st), "local");
	ck_assert_int_eq(ig_store_put(st, "u1/f1", (const unsigned char *)data, strlen(data), "text/plain", sha, &err), 0);
	hex_of((const unsigned char *)data, strlen(data), want);
	ck_assert_str_eq(sha, want);
	snprintf(path, sizeof(path), "%s/u1", root);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0750);
	ck_assert_int_eq(count_named(root, ".tmp-"), 0);

	ck_assert_int_eq(ig_store_get(st, "u1/f1", 1024, &got, &len, &err), 1);
	ck_assert_uint_eq(len, strlen(data));
	ck_assert_int_eq(memcmp(got, data, len), 0);
	free(got);
	/* Over max: refused, 413. */
	ck_assert_int_eq(ig_store_get(st, "u1/f1", 4, &got, &len, &err), -1);
	ck_assert_int_eq(err.code, IG_E_PAYLOAD_TOO_LARGE);
	ck_assert_ptr_null(got);

	ck_assert_int_eq(ig_store_head(st, "u1/f1", &obj, &err), 1);
	ck_assert_int_eq(obj.size, (int64_t)strlen(data));
	ck_assert_str_eq(obj.sha256, want);
	ck_assert_str_eq(obj.content_type, "text/plain");

	{
		char *url;
		ck_assert_int_eq(ig_store_locate(st, "u1/f1", 60, NULL, &url, &err), 0);
		ck_assert_str_eq(url, "u1/f1");
		free(url);
	}

	ck_assert_int_eq(ig_store_delete(st, "u1/f1", &err), 0);
	ck_assert_int_eq(ig_store_head(st, "u1/f1", &obj, &err), 0);
	ck_assert_int_eq(ig_store_get(st, "u1/f1", 1024, &got, &len, &err), 0);
	snprintf(path, sizeof(path), "%s/u1/f1", root);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(count_named(root, "f1"), 0);   /* the sidecar went too */
	/* Already gone: not an error. */
	ck_assert_int_eq(ig_store_delete(st, "u1/f1", &err), 0);
	ck_assert_int_eq(ig_store_delete(st, "never/was", &err), 0);
	ig_store_free(st);
}
END_TEST

/* A replaced object: the new bytes and digest, nothing else left over. */
START_TEST(put_replaces)
{
	ig_store *st = open_store();
	ig_err err = { 0 };
	char sha[65], want[65];
	ig_store_obj obj;

	ck_assert_int_eq(ig_store_put(st, "k", (const unsigned char *)"one", 3, "a/b", sha, &err), 0);
	ck_assert_int_eq(ig_store_put(st, "k", (const unsigned char *)"second", 6, "c/d", sha, &err), 0);
	hex_of((const unsigned char *)"second", 6, want);
	ck_assert_int_eq(ig_store_head(st, "k", &obj, &err), 1);
	ck_assert_int_eq(obj.size, 6);
	ck_assert_str_eq(obj.sha256, want);
	ck_assert_str_eq(obj.content_type, "c/d");
	ck_assert_int_eq(count_named(root, ".tmp-"), 0);
	ig_store_free(st);
}
END_TEST

/* put_fd: 3 MiB + 17 bytes from a file's current offset, read in parts; the
 * digest is that of exactly those bytes. */
START_TEST(put_fd_sha)
{
	ig_store *st = open_store();
	ig_err err = { 0 };
	size_t n = 3 * 1024 * 1024 + 17, skip = 5;
	unsigned char *data = malloc(n + skip), *got;
	char sha[65], want[65], tmpl[] = "/tmp/ut-store-src-XXXXXX";
	int fd = mkstemp(tmpl);
	size_t len;

	ck_assert_int_ge(fd, 0);
	unlink(tmpl);
	randombytes_buf(data, n + skip);
	ck_assert_int_eq(write(fd, data, n + skip), (ssize_t)(n + skip));
	ck_assert_int_eq(lseek(fd, (off_t)skip, SEEK_SET), (off_t)skip);
	ck_assert_int_eq(ig_store_put_fd(st, "u2/big", fd, n, "application/octet-stream", sha, &err), 0);
	hex_of(data + skip, n, want);
	ck_assert_str_eq(sha, want);
	ck_assert_int_eq(ig_store_get(st, "u2/big", n, &got, &len, &err), 1);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(memcmp(got, data + skip, n), 0);
	free(got);

	/* A source shorter than len: nothing stored, no temporary file. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(ig_store_put_fd(st, "u2/short", fd, n + skip + 1, "x/y", sha, &err), -1);
	{
		ig_store_obj obj;
		ck_assert_int_eq(ig_store_head(st, "u2/short", &obj, &err), 0);
	}
	ck_assert_int_eq(count_named(root, ".tmp-"), 0);
	close(fd);
	free(data);
	ig_store_free(st);
}
END_TEST

/* Keys that would leave the directory, or are not keys, are refused
 * before anything is written. */
START_TEST(keys_rejected)
{
	static const char *const bad[] = {
		"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a/", ".", "..", "a b", "a\\b", "ü",
		"a,meta", "x\n", NULL
	};
	ig_store *st = open_store();
	ig_err err = { 0 };
	char sha[65];
	unsigned char *got;
	size_t len;
	ig_store_obj obj;
	char *url;

	for (int i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(!ig_store_key_ok(bad[i]), "key %s accepted", bad[i]);
		ck_assert_int_eq(ig_store_put(st, bad[i], (const unsigned char *)"x", 1, "a/b", sha, &err), -1);
		ck_assert_int_eq(ig_store_get(st, bad[i], 10, &got, &len, &err), -1);
		ck_assert_int_eq(ig_store_head(st, bad[i], &obj, &err), -1);
		ck_assert_int_eq(ig_store_delete(st, bad[i], &err), -1);
		ck_assert_int_eq(ig_store_locate(st, bad[i], 60, NULL, &url, &err), -1);
	}
	ck_assert_int_eq(count_named(root, ""), 0);
	ck_assert(ig_store_key_ok("files/0a1b/c-d_e.f"));
	ig_store_free(st);
}
END_TEST

/* A root that cannot be a directory: the store is refused. */
START_TEST(bad_root)
{
	ig_err err = { 0 };

	ck_assert_ptr_null(ig_store_new(IG_STORE_LOCAL, "/dev/null/x", NULL, &err));
	ck_assert_int_ne(err.code, IG_E_NONE);
}
END_TEST

/* A full file system: 507 (insufficient_storage) for put and put_fd,
 * and nothing left behind. Needs root for a 64 KiB tmpfs, mounted in a
 * mount namespace of this test's own (Check forks each test), so it goes
 * when the test ends however it ends. */
START_TEST(disk_full_507)
{
	size_t n = 256 * 1024;
	unsigned char *data = calloc(1, n);
	char sha[65], tmpl[] = "/tmp/ut-store-src-XXXXXX";
	ig_store *st;
	ig_err err = { 0 };
	int fd;

	if (geteuid() != 0) {
		printf("disk_full_507: skipped, needs root to mount a small tmpfs\n");
		free(data);
		return;
	}
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mkdir(root, 0750), 0);
	ck_assert_int_eq(mount("tmpfs", root, "tmpfs", 0, "size=64k"), 0);
	st = open_store();
	ck_assert_int_eq(ig_store_put(st, "u/full", data, n, "a/b", sha, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INSUFFICIENT_STORAGE);
	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	unlink(tmpl);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(ig_store_put_fd(st, "u/full2", fd, n, "a/b", sha, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INSUFFICIENT_STORAGE);
	ck_assert_int_eq(count_named(root, ""), 0);
	/* A small object still fits. */
	ck_assert_int_eq(ig_store_put(st, "u/small", data, 100, "a/b", sha, &err), 0);
	close(fd);
	ig_store_free(st);
	free(data);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("store_local");
	TCase *tc = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, put_get_head_delete);
	tcase_add_test(tc, put_replaces);
	tcase_add_test(tc, put_fd_sha);
	tcase_add_test(tc, keys_rejected);
	tcase_add_test(tc, bad_root);
	tcase_add_test(tc, disk_full_507);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
