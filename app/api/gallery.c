/*
 * gallery.c — the gallery (API.md "Images, gallery and files"): a user's
 * images listed with filters and search, one image with its parameters,
 * PNG metadata and lineage, PATCH, organize and delete. The rows are
 * lib/gallery/images.c's; an image the caller may not see is a 404, the
 * same as one that does not exist.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/projects.h"
#include "lib/collab/access.h"
#include "lib/collab/project.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/util.h"
#include "lib/gallery/images.h"
#include "lib/imaging/png.h"
#include "lib/store/image_store.h"

static int
not_found(ig_err *err)
{
	return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such image");
}

int
ig_api_image_source(const ig_req *req, const char *id, ig_err *err)
{
	ig_access acc;
	int found = ig_access_image(id, req->caller.user_id, &acc, err);

	if (found < 0)
		return -1;
	if (found == 0 || !ig_access_may(acc.role, IG_ACT_SEE))
		return ig_err_set(err, IG_E_NOT_FOUND, "image_id", "no such image");
	if (req->caller.user_id[0] == '\0' || strcmp(acc.owner_id, req->caller.user_id) != 0)
		return ig_err_set(err, IG_E_FORBIDDEN, "image_id",
		    "only the image's owner may make new images or files from it");
	return 0;
}

int
ig_api_tags(json_object *a, const char *field, const char ***out, int *n, ig_err *err)
{
	size_t len = a ? json_object_array_length(a) : 0;

	*out = ig_xcalloc(len + 1, sizeof(**out));
	*n = (int)len;
	for (size_t i = 0; i < len; i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(a, i));
		size_t cp = ig_utf8_len(t);
		if (cp < 1 || cp > IG_GALLERY_TAG_LEN || strchr(t, ',') != NULL) {
			free(*out);
			*out = NULL;
			return ig_err_set(err, IG_E_INVALID_REQUEST, field,
			    "%s[%zu] must be 1 to %d characters long, without a comma", field, i, IG_GALLERY_TAG_LEN);
		}
		(*out)[i] = t;
	}
	return 0;
}

/* GET /api/files/gallery */
struct gallery_query {
	int64_t limit, min_rating;
	int favorite;
	const char *cursor, *provider, *project_id, *folder, *q, *from, *to, *sort, *order;
};

static const char *const sorts[] = { "created_at", "rating", NULL };
static const char *const orders[] = { "desc", "asc", NULL };

static const ig_field gallery_query[] = {
	{ "limit", IG_F_INT, 0, 1, 100, .at = IG_AT(struct gallery_query, limit), .bytes = 15 },
	{ "cursor", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct gallery_query, cursor), .bytes = IG_PAGE_CURSOR_MAX - 1 },
	{ "provider", IG_F_STRING, 0, 1, 64, .at = IG_AT(struct gallery_query, provider), .bytes = 255 },
	{ "project_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct gallery_query, project_id), .bytes = 63 },
	{ "folder", IG_F_STRING, 0, 1, IG_GALLERY_FOLDER_LEN, .at = IG_AT(struct gallery_query, folder),
	  .bytes = 4 * IG_GALLERY_FOLDER_LEN },
	{ "favorite", IG_F_BOOL, 0, 0, 0, .at = IG_AT(struct gallery_query, favorite), .bytes = 7 },
	{ "min_rating", IG_F_INT, 0, 0, IG_GALLERY_RATING_MAX, .at = IG_AT(struct gallery_query, min_rating),
	  .bytes = 7 },
	{ "q", IG_F_STRING, 0, 1, IG_GALLERY_Q_LEN, .at = IG_AT(struct gallery_query, q),
	  .bytes = 4 * IG_GALLERY_Q_LEN },
	{ "from", IG_F_STRING, IG_F_MSG_VALUE, 0, 0, .at = IG_AT(struct gallery_query, from), .bytes = 63,
	  .valid = ig_rfc3339_ok, .msg = IG_F_RFC3339_MSG },
	{ "to", IG_F_STRING, IG_F_MSG_VALUE, 0, 0, .at = IG_AT(struct gallery_query, to), .bytes = 63,
	  .valid = ig_rfc3339_ok, .msg = IG_F_RFC3339_MSG },
	{ "sort", IG_F_ENUM, 0, 0, 0, .values = sorts, .at = IG_AT(struct gallery_query, sort), .bytes = 15 },
	{ "order", IG_F_ENUM, 0, 0, 0, .values = orders, .at = IG_AT(struct gallery_query, order), .bytes = 7 },
	IG_FIELDS_END
};

/* Every `tag` parameter (repeatable: all must match), URL-decoded, each 1
 * to IG_GALLERY_TAG_LEN characters, at most IG_GALLERY_TAGS_MAX of them,
 * into bufs. 0, or -1 with err naming `tag`. */
static int
query_tags(const ig_req *req, char bufs[][4 * IG_GALLERY_TAG_LEN + 1], const char **tags, int *n, ig_err *err)
{
	ig_req one;

	*n = 0;
	memset(&one, 0, sizeof(one));
	for (const char *p = req->query; p && *p;) {
		size_t len = strcspn(p, "&");
		if (len >= 4 && strncmp(p, "tag=", 4) == 0) {
			size_t cp;
			if (*n == IG_GALLERY_TAGS_MAX)
				return ig_err_set(err, IG_E_INVALID_REQUEST, "tag", "tag may be given at most %d times",
				    IG_GALLERY_TAGS_MAX);
			/* ig_query_param answers the first match from here:
			 * this one. */
			one.query = p;
			if (ig_query_param(&one, "tag", bufs[*n], sizeof(bufs[*n]), err) < 0)
				return -1;
			cp = ig_utf8_len(bufs[*n]);
			if (cp < 1 || cp > IG_GALLERY_TAG_LEN)
				return ig_err_set(err, IG_E_INVALID_REQUEST, "tag", "tag must be between 1 and %d characters long",
				    IG_GALLERY_TAG_LEN);
			tags[*n] = bufs[*n];
			(*n)++;
		}
		p += len;
		p += *p == '&';
	}
	return 0;
}

int
ig_api_gallery_list(ig_req *req, json_object **out, ig_err *err)
{
	struct gallery_query q = { 50, -1, -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "created_at", "desc" };
	char (*bufs)[4 * IG_GALLERY_TAG_LEN + 1] = NULL, scope[32], *next = NULL;
	const char *tags[IG_GALLERY_TAGS_MAX];
	ig_gallery_filter f;
	json_object *items;
	ig_page pg;
	long total;
	int estimate, rc = -1;

	if (ig_fields_query(req, gallery_query, &q, err) != 0)
		return -1;
	/* A project's gallery: every image of it, for whoever may see it. */
	if (q.project_id != NULL) {
		ig_access acc;
		if (ig_api_project_allowed(req, q.project_id, IG_ACT_SEE, &acc, err) != 0) {
			snprintf(err->field, sizeof(err->field), "project_id");
			return -1;
		}
	}
	memset(&f, 0, sizeof(f));
	bufs = ig_xcalloc(IG_GALLERY_TAGS_MAX, sizeof(*bufs));
	if (query_tags(req, bufs, tags, &f.ntags, err) != 0)
		goto out;
	f.user_id = req->caller.user_id;
	f.provider = q.provider;
	f.project_id = q.project_id;
	f.folder = q.folder;
	f.tags = tags;
	f.favorite = q.favorite;
	f.min_rating = (int)q.min_rating;
	f.q = q.q;
	f.from = q.from;
	f.to = q.to;
	f.by_rating = strcmp(q.sort, "rating") == 0;
	f.ascending = strcmp(q.order, "asc") == 0;
	ig_gallery_scope(&f, scope);
	if (ig_page_open(&pg, scope, (int)q.limit, q.cursor, err) != 0 ||
	    ig_gallery_list(&f, &pg, &items, &next, &total, &estimate, err) != 0)
		goto out;
	*out = ig_ok_page("images", items, next);
	next = NULL;   /* ig_ok_page freed it */
	json_object_object_add(*out, "total", json_object_new_int64(total));
	json_object_object_add(*out, "total_is_estimate", json_object_new_boolean(estimate));
	rc = 200;
out:
	free(next);
	free(bufs);
	return rc;
}

/* DELETE /api/files/delete/{file_id}: its owner (IG_ACT_MANAGE). */
int
ig_api_gallery_delete(ig_req *req, json_object **out, ig_err *err)
{
	ig_access acc;
	int rc;

	if (ig_api_image_allowed(req, ig_req_param(req, "file_id"), IG_ACT_MANAGE, &acc, err) != 0)
		return -1;
	rc = ig_image_delete(ig_req_param(req, "file_id"), acc.owner_id, err);
	return ig_ok_found(rc, "image", "deleted", json_object_new_string(ig_req_param(req, "file_id")), out, err);
}

/* The marks POST /api/files/organize and PATCH /api/images/{id} both set,
 * one rule each, as rows of the body struct T (its members folder, rating,
 * favorite and their has_ flags). */
#define FOLDER_ROW(T) { "folder", IG_F_STRING, IG_F_NULL, 1, IG_GALLERY_FOLDER_LEN, .at = IG_AT(T, folder), \
	.has = IG_HAS(T, has_folder) }
#define FAVORITE_ROW(T) { "favorite", IG_F_BOOL, 0, 0, 0, .at = IG_AT(T, favorite), .has = IG_HAS(T, has_favorite) }
#define RATING_ROW(T) { "rating", IG_F_INT, 0, 0, IG_GALLERY_RATING_MAX, .at = IG_AT(T, rating), \
	.has = IG_HAS(T, has_rating) }

/* POST /api/files/organize */
struct organize_body {
	json_object *ids, *tags_add, *tags_remove;
	const char *folder, *project_id;
	int favorite;
	int64_t rating;
	int has_folder, has_project, has_favorite, has_rating;
};

static const ig_field organize_fields[] = {
	{ "image_ids", IG_F_STRINGS, IG_F_REQUIRED, 1, IG_GALLERY_ORGANIZE_MAX,
	  .at = IG_AT(struct organize_body, ids) },
	{ "tags_add", IG_F_STRINGS, 0, 0, IG_GALLERY_TAGS_MAX, .at = IG_AT(struct organize_body, tags_add) },
	{ "tags_remove", IG_F_STRINGS, 0, 0, IG_GALLERY_TAGS_MAX, .at = IG_AT(struct organize_body, tags_remove) },
	FOLDER_ROW(struct organize_body),
	{ "project_id", IG_F_UUID, IG_F_NULL, 0, 0, .at = IG_AT(struct organize_body, project_id),
	  .has = IG_HAS(struct organize_body, has_project) },
	FAVORITE_ROW(struct organize_body),
	RATING_ROW(struct organize_body),
	IG_FIELDS_END
};

int
ig_api_gallery_organize(ig_req *req, json_object **out, ig_err *err)
{
	struct organize_body b;
	ig_image_organize o;
	const char **ids = NULL, **add = NULL, **rm = NULL;
	int nids = 0, updated, rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&o, 0, sizeof(o));
	if (ig_fields_body(req, organize_fields, &b, err) != 0)
		return -1;
	/* Into a project: the caller's own images (below), only where they
	 * are an editor or the owner. Out of one (null): their own, always. */
	if (b.has_project && ig_api_project_writable(req, b.project_id, err) != 0)
		return -1;
	if (ig_api_tags(b.tags_add, "tags_add", &add, &o.ntags_add, err) != 0 ||
	    ig_api_tags(b.tags_remove, "tags_remove", &rm, &o.ntags_remove, err) != 0)
		goto out;
	nids = (int)json_object_array_length(b.ids);
	ids = ig_xcalloc((size_t)nids + 1, sizeof(*ids));
	for (int i = 0; i < nids; i++)
		ids[i] = json_object_get_string(json_object_array_get_idx(b.ids, i));
	o.ids = ids;
	o.nids = nids;
	o.tags_add = add;
	o.tags_remove = rm;
	o.has_folder = b.has_folder;
	o.folder = b.folder;
	o.has_project = b.has_project;
	o.project_id = b.project_id;
	o.has_favorite = b.has_favorite;
	o.favorite = b.favorite;
	o.has_rating = b.has_rating;
	o.rating = (int)b.rating;
	if (ig_images_organize(req->caller.user_id, &o, &updated, err) != 0)
		goto out;
	*out = ig_ok("updated", json_object_new_int(updated));
	rc = 200;
out:
	free(ids);
	free(add);
	free(rm);
	return rc;
}

/* The imagegen text chunk of a stored PNG as JSON, or NULL (not a PNG, no
 * chunk, unreadable). */
static json_object *
png_metadata(const char *filename, const char *mime)
{
	char *text = NULL;
	unsigned char *buf = NULL;
	size_t len;
	json_object *o = NULL;
	ig_err perr;

	if (strcmp(mime, "image/png") != 0 || strchr(filename, '/') != NULL)
		return NULL;
	if (ig_images_get(filename, IG_IMAGE_READ_MAX, &buf, &len, &perr) == 1 && len > 0 &&
	    ig_png_get_text(buf, len, "imagegen", &text) == 0) {
		o = ig_json_parse(text, strlen(text), 100, &perr);
		free(text);
	}
	free(buf);
	return o;
}

/* ig_api_image_json, of user_id's image or (seen) of one ig_access_image
 * let user_id see. */
static int
image_json(const char *id, const char *user_id, int seen, json_object **image, ig_err *err)
{
	json_object *im;
	ig_image row;
	int rc = seen ? ig_image_detail_seen(id, user_id, &im, err) : ig_image_detail(id, user_id, &im, err);

	if (rc <= 0)
		return rc;
	if (ig_image_get(id, &row, err) < 0) {
		json_object_put(im);
		return -1;
	}
	json_object_object_add(im, "mime_type", json_object_new_string(row.mime_type));
	json_object_object_add(im, "metadata", png_metadata(row.filename, row.mime_type));
	*image = im;
	return 1;
}

int
ig_api_image_json(const char *id, const char *user_id, json_object **image, ig_err *err)
{
	return image_json(id, user_id, 0, image, err);
}

/* GET /api/images/{id}: whoever may see it (its owner, its project's
 * members, a share's recipient), with the caller's role on it (what they
 * may do: lib/collab/access.h). */
int
ig_api_image_get(ig_req *req, json_object **out, ig_err *err)
{
	json_object *im = NULL;
	ig_access acc;
	int rc;

	if (ig_api_image_allowed(req, ig_req_param(req, "id"), IG_ACT_SEE, &acc, err) != 0)
		return -1;
	rc = image_json(ig_req_param(req, "id"), req->caller.user_id, 1, &im, err);
	if (rc > 0)
		json_object_object_add(im, "role", json_object_new_string(ig_role_name(acc.role)));
	return ig_ok_found(rc, "image", "image", im, out, err);
}

/* PATCH /api/images/{id} */
struct patch_body {
	const char *title, *folder;
	int64_t rating;
	int favorite;
	json_object *tags;
	int has_title, has_folder, has_rating, has_favorite, has_tags;
};

static const ig_field patch_fields[] = {
	{ "title", IG_F_STRING, IG_F_NULL, 0, IG_GALLERY_TITLE_LEN, .at = IG_AT(struct patch_body, title),
	  .has = IG_HAS(struct patch_body, has_title) },
	RATING_ROW(struct patch_body),
	FAVORITE_ROW(struct patch_body),
	{ "tags", IG_F_STRINGS, 0, 0, IG_GALLERY_TAGS_MAX, .at = IG_AT(struct patch_body, tags),
	  .has = IG_HAS(struct patch_body, has_tags) },
	FOLDER_ROW(struct patch_body),
	IG_FIELDS_END
};

int
ig_api_image_patch(ig_req *req, json_object **out, ig_err *err)
{
	struct patch_body b;
	ig_image_patch pt;
	const char **tags = NULL, *id = ig_req_param(req, "id");
	ig_access acc;
	int rc;

	memset(&b, 0, sizeof(b));
	memset(&pt, 0, sizeof(pt));
	if (ig_api_image_allowed(req, id, IG_ACT_ORGANIZE, &acc, err) != 0 || ig_fields_body(req, patch_fields, &b, err) != 0)
		return -1;
	if (b.has_tags && ig_api_tags(b.tags, "tags", &tags, &pt.ntags, err) != 0)
		return -1;
	pt.has_title = b.has_title;
	pt.title = b.title;
	pt.has_rating = b.has_rating;
	pt.rating = (int)b.rating;
	pt.has_favorite = b.has_favorite;
	pt.favorite = b.favorite;
	pt.has_tags = b.has_tags;
	pt.tags = tags;
	pt.has_folder = b.has_folder;
	pt.folder = b.folder;
	rc = ig_image_update(id, &pt, err);
	free(tags);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return not_found(err);
	return ig_api_image_get(req, out, err);
}
