/*
 * upload.c — POST /api/images (API.md "Images, gallery and files"): a user
 * uploads their own picture into the gallery as multipart/form-data, one
 * `file` part and optional `title` and `tags` (comma-separated) parts.
 *
 * The bytes pass lib/imaging/upload.h's check (size, magic bytes, the
 * header's dimensions before any decoding, a complete decode, EXIF GPS
 * removed) and are stored by the image store (lib/jobs/store.h
 * ig_store_own) with their thumbnail and a row of operation `upload`. Any
 * fault is a 400 (413 for size) naming the part, and nothing is stored.
 */
#include "ig_autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/multipart.h"
#include "lib/core/util.h"
#include "lib/gallery/images.h"
#include "lib/imaging/upload.h"
#include "lib/jobs/store.h"

/* A text part as a NUL-terminated copy (malloc'ed): valid UTF-8 without
 * NUL; NULL with err naming the part otherwise. */
static char *
part_text(const ig_mp_part *p, ig_err *err)
{
	char *s;

	if (!ig_utf8_valid((const char *)p->data, p->len) || memchr(p->data, '\0', p->len) != NULL) {
		ig_err_set(err, IG_E_INVALID_REQUEST, p->name, "%s must be UTF-8 text", p->name);
		return NULL;
	}
	s = ig_xmalloc(p->len + 1);
	memcpy(s, p->data, p->len);
	s[p->len] = '\0';
	return s;
}

/* Split text (modified in place) at commas into tags: each trimmed of
 * spaces, empty ones skipped, 1 to IG_GALLERY_TAG_LEN characters, at most
 * IG_GALLERY_TAGS_MAX. 0, or -1 with err naming tags. */
static int
split_tags(char *text, const char **tags, int *n, ig_err *err)
{
	*n = 0;
	for (char *t = strtok(text, ","); t != NULL; t = strtok(NULL, ",")) {
		char *end;
		size_t cp;

		t += strspn(t, " \t");
		end = t + strlen(t);
		while (end > t && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*t == '\0')
			continue;
		cp = ig_utf8_len(t);
		if (cp > IG_GALLERY_TAG_LEN)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "tags", "each tag must be 1 to %d characters long",
			    IG_GALLERY_TAG_LEN);
		if (*n == IG_GALLERY_TAGS_MAX)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "tags", "tags may hold at most %d tags",
			    IG_GALLERY_TAGS_MAX);
		tags[(*n)++] = t;
	}
	return 0;
}

/* The parts besides the file: title and tags into row (pointing into
 * *title and *tagtext, malloc'ed; the caller frees), refusing any other
 * part. 0, or -1 with err naming the part. */
static int
text_parts(const ig_multipart *mp, ig_image_own *row, const char **tags, char **title, char **tagtext,
    ig_err *err)
{
	const ig_mp_part *p;

	for (size_t i = 0; i < mp->nparts; i++) {
		const char *name = mp->parts[i].name;
		if (strcmp(name, "file") != 0 && strcmp(name, "title") != 0 && strcmp(name, "tags") != 0)
			return ig_err_set(err, IG_E_INVALID_REQUEST, name, "unknown part %s (file, title, tags)", name);
	}
	if ((p = ig_multipart_get(mp, "title")) != NULL) {
		if ((*title = part_text(p, err)) == NULL)
			return -1;
		if (ig_utf8_len(*title) > IG_GALLERY_TITLE_LEN)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "title", "title must be at most %d characters long",
			    IG_GALLERY_TITLE_LEN);
		row->title = **title ? *title : NULL;
	}
	if ((p = ig_multipart_get(mp, "tags")) != NULL) {
		if ((*tagtext = part_text(p, err)) == NULL || split_tags(*tagtext, tags, &row->ntags, err) != 0)
			return -1;
		row->tags = tags;
	}
	return 0;
}

/* POST /api/images */
int
ig_api_image_upload(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const single[] = { "file", "title", "tags", NULL };
	const ig_config *cfg = ig_cfg();
	ig_multipart *mp = ig_xcalloc(1, sizeof(*mp));
	const char *tags[IG_GALLERY_TAGS_MAX];
	char *title = NULL, *tagtext = NULL, id[37];
	unsigned char *clean = NULL;
	size_t cleanlen = 0;
	const ig_mp_part *file;
	ig_upload_info info;
	ig_image_own row;
	json_object *im;
	int stored, rc = IG_FAILED;

	memset(&row, 0, sizeof(row));
	row.user_id = req->caller.user_id;
	row.operation = "upload";
	if (ig_multipart_parse(req->content_type, (const unsigned char *)req->body, req->body_len, single, "file",
	    mp, err) != 0 || text_parts(mp, &row, tags, &title, &tagtext, err) != 0)
		goto out;
	if ((file = ig_multipart_get(mp, "file")) == NULL) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "file", "file is required: a PNG, JPEG or WebP image");
		goto out;
	}
	ig_image_work_begin();
	stored = ig_upload_check(file->data, file->len, cfg->max_upload, cfg->max_image_pixels, "file", &info,
	    &clean, &cleanlen, err) == 0 &&
	    ig_store_own(cfg->image_dir, &row, clean ? clean : file->data, clean ? cleanlen : file->len, info.format,
	    info.width, info.height, cfg->max_image_pixels, id, err) == 1;
	ig_image_work_end();
	if (!stored)
		goto out;
	if ((rc = ig_api_image_json(id, req->caller.user_id, &im, err)) != 1) {
		if (rc == 0)
			ig_err_set(err, IG_E_NOT_FOUND, NULL, "the image was deleted meanwhile");
		rc = IG_FAILED;
		goto out;
	}
	*out = ig_ok("image", im);
	rc = 201;
out:
	free(clean);
	free(title);
	free(tagtext);
	free(mp);
	return rc;
}
