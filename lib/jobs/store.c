/* store.c — see store.h. */
#include "ig_autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/auth/token.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/imaging/png.h"
#include "lib/imaging/thumb.h"
#include "lib/gallery/images.h"
#include "lib/jobs/store.h"
#include "lib/store/image_store.h"

int
ig_store_write_atomic(const char *dir, const char *name, const unsigned char *data, size_t len)
{
	char tmp[4096], path[4096];
	int fd, dfd, saved, rc;
	size_t off = 0;
	unsigned char rnd[6];
	char hex[13];

	ig_random_bytes(rnd, sizeof(rnd));
	ig_hex(rnd, sizeof(rnd), hex);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, hex);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	/* A full file system may only say so here (delayed allocation). The
	 * descriptor is closed either way: fail closes it when fsync failed. */
	if (fsync(fd) != 0)
		goto fail;
	rc = close(fd);
	fd = -1;
	if (rc != 0)
		goto fail;
	if (rename(tmp, path) != 0)
		goto fail;
	/* The rename itself must survive a crash. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
ig_store_write_error(ig_err *err, int errnum)
{
	if (errnum == ENOSPC || errnum == EDQUOT)
		return ig_err_set(err, IG_E_INSUFFICIENT_STORAGE, NULL,
		    "the image store is full; the image could not be saved");
	return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the image store is unavailable");
}

static const char *
req_str(json_object *req, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(req, key, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* AUTOMATIC1111's "parameters" text: prompt, a negative line, then
 * "Key: value" pairs — what image tools read back. */
static char *
a1111_parameters(const ig_job *job, const ig_gen_image *img, int w, int h)
{
	const char *prompt = req_str(job->request, "prompt"), *neg = req_str(job->request, "negative_prompt");
	ig_buf b = { 0 };

	ig_buf_printf(&b, "%s\n", prompt ? prompt : "");
	if (neg != NULL && *neg)
		ig_buf_printf(&b, "Negative prompt: %s\n", neg);
	if (img->has_seed)
		ig_buf_printf(&b, "Seed: %lld, ", (long long)img->seed);
	ig_buf_printf(&b, "Size: %dx%d, Model: %s, Provider: %s", w, h, job->model, job->provider);
	return b.data;
}

int
ig_store_image(const ig_job *job, int idx, const ig_gen_image *img, long max_pixels, char name_out[256],
    ig_err *err)
{
	ig_store *st;
	ig_img_format fmt;
	int w, h, rc = -1;
	unsigned char *data = NULL, sum[IG_SHA256_LEN], rnd[8];
	size_t len;
	char name[256], hex[17], sumhex[65], *params = NULL;
	json_object *meta = NULL;
	const unsigned char *bytes = img->data;

	if (ig_image_probe(img->data, img->len, &fmt, &w, &h) != 0)
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider returned something that is not a PNG, JPEG or WebP image");
	if ((long)w * (long)h > max_pixels)
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider returned a %dx%d image, over IG_MAX_IMAGE_PIXELS", w, h);
	len = img->len;
	if (fmt == IG_IMG_PNG) {
		const char *kv[4];
		meta = json_object_new_object();
		json_object_object_add(meta, "prompt", json_object_new_string(req_str(job->request, "prompt") ?: ""));
		json_object_object_add(meta, "negative_prompt", req_str(job->request, "negative_prompt") ?
		    json_object_new_string(req_str(job->request, "negative_prompt")) : NULL);
		json_object_object_add(meta, "provider", json_object_new_string(job->provider));
		json_object_object_add(meta, "model", json_object_new_string(job->model));
		json_object_object_add(meta, "width", json_object_new_int(w));
		json_object_object_add(meta, "height", json_object_new_int(h));
		json_object_object_add(meta, "seed", img->has_seed ? json_object_new_int64(img->seed) : NULL);
		json_object_object_add(meta, "generation_id", json_object_new_string(job->id));
		if (img->drawn != NULL)
			json_object_object_add(meta, "drawn", json_tokener_parse(img->drawn));
		params = a1111_parameters(job, img, w, h);
		kv[0] = "parameters";
		kv[1] = params;
		kv[2] = "imagegen";
		kv[3] = json_object_to_json_string_ext(meta, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (ig_png_add_text(img->data, img->len, kv, 2, &data, &len) != 0) {
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider's PNG is malformed");
			goto out;
		}
		bytes = data;
	}
	ig_random_bytes(rnd, sizeof(rnd));
	ig_hex(rnd, sizeof(rnd), hex);
	snprintf(name, sizeof(name), "%s_%lld_%d_%s.%s", job->provider, (long long)time(NULL), idx + 1, hex,
	    ig_image_ext(fmt));
	ig_sha256((const char *)bytes, len, sum);
	ig_hex(sum, sizeof(sum), sumhex);
	if ((st = ig_images_store(err)) == NULL || ig_store_put(st, name, bytes, len, ig_image_mime(fmt), NULL, err) != 0)
		goto out;
	/* The thumbnail is made after the job is answered (ig_store_thumbnail):
	 * the row starts without one. */
	{
		json_object *tags;
		ig_image_new row = {
			.user_id = job->user_id[0] ? job->user_id : NULL, .job_id = job->id, .idx = idx, .filename = name,
			.prompt = req_str(job->request, "prompt"), .negative_prompt = req_str(job->request, "negative_prompt"),
			.provider = job->provider, .model = job->model, .width = w, .height = h,
			.has_seed = img->has_seed, .seed = img->seed, .size_bytes = len, .sha256 = sumhex,
			.mime_type = ig_image_mime(fmt), .cache_key = job->cache_key[0] ? job->cache_key : NULL,
			.project_id = req_str(job->request, "project_id"),
			.tags = json_object_object_get_ex(job->request, "tags", &tags) &&
			    json_object_is_type(tags, json_type_array) ?
			    json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN) : NULL,
		};
		int added = ig_image_add(&row, err);

		if (added == 1 && name_out != NULL)
			snprintf(name_out, 256, "%s", name);
		if (added != 1) {
			/* Failed, or this image of the job was stored by an
			 * earlier run: keep no orphan files. */
			ig_err derr;
			if (ig_store_delete(st, name, &derr) != 0)
				ig_logf(IG_LOG_ERROR, "image_orphaned", "%s: %s", name, derr.message);
			if (added < 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(data);
	free(params);
	json_object_put(meta);
	return rc;
}

int
ig_store_thumbnail(const char *name, const unsigned char *data, size_t len, long max_pixels, ig_err *err)
{
	ig_store *st;
	unsigned char *thumb = NULL;
	size_t tlen;
	char tname[300];
	int rc = -1;

	snprintf(tname, sizeof(tname), "%s" IG_THUMB_SUFFIX, name);
	if (ig_thumbnail(data, len, IG_THUMB_SIDE, max_pixels, &thumb, &tlen, err) != 0)
		goto out;
	if ((st = ig_images_store(err)) == NULL || ig_store_put(st, tname, thumb, tlen, "image/png", NULL, err) != 0)
		goto out;
	rc = ig_image_set_thumbnail(name, tname, err);
out:
	if (rc != 0)
		ig_logf(IG_LOG_WARN, "thumbnail_failed", "%s: %s", name, err->message);
	free(thumb);
	return rc;
}

int
ig_store_own(const ig_image_own *row, const unsigned char *data, size_t len, ig_img_format fmt, int width,
    int height, long max_pixels, char id_out[IG_UUID_BUF], ig_err *err)
{
	ig_image_own r = *row;
	unsigned char sum[IG_SHA256_LEN], rnd[8];
	char name[256], hex[17], sumhex[65];
	int added;
	ig_store *st = ig_images_store(err);

	if (st == NULL)
		return -1;
	ig_random_bytes(rnd, sizeof(rnd));
	ig_hex(rnd, sizeof(rnd), hex);
	snprintf(name, sizeof(name), "%s_%lld_1_%s.%s", row->operation, (long long)time(NULL), hex, ig_image_ext(fmt));
	ig_sha256((const char *)data, len, sum);
	ig_hex(sum, sizeof(sum), sumhex);
	if (ig_store_put(st, name, data, len, ig_image_mime(fmt), NULL, err) != 0)
		return -1;
	r.filename = name;
	r.width = width;
	r.height = height;
	r.size_bytes = len;
	r.sha256 = sumhex;
	r.mime_type = ig_image_mime(fmt);
	added = ig_image_add_own(&r, id_out, err);
	if (added != 1) {
		ig_err derr;
		if (ig_store_delete(st, name, &derr) != 0)
			ig_logf(IG_LOG_ERROR, "image_orphaned", "%s: %s", name, derr.message);
		return added;
	}
	/* The gallery shows thumbnails: an image that cannot have one is not
	 * stored (the row goes, and with it the file and any thumbnail). */
	if (ig_store_thumbnail(name, data, len, max_pixels, err) != 0) {
		ig_err derr;
		if (ig_image_delete(id_out, row->user_id, &derr) < 0)
			ig_logf(IG_LOG_ERROR, "image_orphaned", "%s: %s", name, derr.message);
		return -1;
	}
	return 1;
}

int
ig_store_read(const char *dir, const char *name, size_t max, unsigned char **out, size_t *len)
{
	char path[4096];
	struct stat st;
	size_t off = 0;
	int fd, saved;

	*out = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	*out = ig_xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, *out + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;    /* shorter than its size said */
			goto fail;
		}
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return 0;
fail:
	saved = errno;
	free(*out);
	*out = NULL;
	close(fd);
	errno = saved;
	return -1;
}
