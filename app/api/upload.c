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

/* What a request's parts hold, read: the parsed body (views into it),
 * the text parts' copies and the row they fill. */
struct upload {
	ig_multipart mp;
	char *title, *tagtext;     /* malloc'ed, NULL when not sent */
	const char *tags[IG_GALLERY_TAGS_MAX];
	ig_image_own row;
};

static void
upload_free(struct upload *u)
{
	free(u->title);
	free(u->tagtext);
	free(u);
}

/* The parts besides the file: title and tags into u->row, refusing any
 * other part. 0, or -1 with err naming the part. */
static int
text_parts(struct upload *u, ig_err *err)
{
	const ig_mp_part *p;

	for (size_t i = 0; i < u->mp.nparts; i++) {
		const char *name = u->mp.parts[i].name;
		if (strcmp(name, "file") != 0 && strcmp(name, "title") != 0 && strcmp(name, "tags") != 0)
			return ig_err_set(err, IG_E_INVALID_REQUEST, name, "unknown part %s (file, title, tags)", name);
	}
	if ((p = ig_multipart_get(&u->mp, "title")) != NULL) {
		if ((u->title = part_text(p, err)) == NULL)
			return -1;
		if (ig_utf8_len(u->title) > IG_GALLERY_TITLE_LEN)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "title", "title must be at most %d characters long",
			    IG_GALLERY_TITLE_LEN);
		u->row.title = *u->title ? u->title : NULL;
	}
	if ((p = ig_multipart_get(&u->mp, "tags")) != NULL) {
		if ((u->tagtext = part_text(p, err)) == NULL || split_tags(u->tagtext, u->tags, &u->row.ntags, err) != 0)
			return -1;
		u->row.tags = u->tags;
	}
	return 0;
}

/* Check and store the file part: 1 with id, or 0 with err (nothing
 * stored). */
static int
store_file(struct upload *u, const ig_mp_part *file, char id[IG_UUID_BUF], ig_err *err)
{
	const ig_config *cfg = ig_cfg();
	unsigned char *clean = NULL;
	size_t cleanlen = 0;
	ig_upload_info info;
	int stored;

	ig_image_work_begin();
	stored = ig_upload_check(file->data, file->len, cfg->max_upload, cfg->max_image_pixels, "file", &info,
	    &clean, &cleanlen, err) == 0 &&
	    ig_store_own(&u->row, clean ? clean : file->data, clean ? cleanlen : file->len,
	    info.format, info.width, info.height, cfg->max_image_pixels, id, err) == 1;
	ig_image_work_end();
	free(clean);
	return stored;
}

/* POST /api/images */
int
ig_api_image_upload(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const single[] = { "file", "title", "tags", NULL };
	struct upload *u = ig_xcalloc(1, sizeof(*u));
	const ig_mp_part *file;
	json_object *im;
	char id[IG_UUID_BUF];
	int rc = IG_FAILED;

	u->row.user_id = req->caller.user_id;
	u->row.operation = "upload";
	if (ig_multipart_parse(req->content_type, (const unsigned char *)req->body, req->body_len, single, "file",
	    &u->mp, err) != 0 || text_parts(u, err) != 0)
		goto out;
	if ((file = ig_multipart_get(&u->mp, "file")) == NULL) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "file", "file is required: a PNG, JPEG or WebP image");
		goto out;
	}
	if (!store_file(u, file, id, err))
		goto out;
	if ((rc = ig_api_image_json(id, req->caller.user_id, &im, err)) == 1) {
		*out = ig_ok("image", im);
		rc = 201;
	} else {
		if (rc == 0)
			ig_err_set(err, IG_E_NOT_FOUND, NULL, "the image was deleted meanwhile");
		rc = IG_FAILED;
	}
out:
	upload_free(u);
	return rc;
}
