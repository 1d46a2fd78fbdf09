/*
 * images.h — the images table (migrations 003_generation.sql and
 * 014_gallery.sql) and its one owner: one row per stored image, added by
 * the runner's image store (lib/jobs/store.c), read as structs, and the
 * gallery over it (a user's list with its filters and search, one image
 * with its lineage, organizing, deleting). Its statements live in
 * images.c (a batch's listing and archive join them to their jobs in
 * lib/jobs/batch.c).
 */
#ifndef IG_GALLERY_IMAGES_H
#define IG_GALLERY_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/db/page.h"

/* An image as its row holds it. */
typedef struct ig_image {
	char id[IG_UUID_BUF];
	char user_id[IG_UUID_BUF];         /* "" when anonymous */
	char job_id[IG_UUID_BUF];          /* "" when its job is gone */
	int idx;                  /* its place among its job's images, from 0 */
	char filename[256];       /* under IG_IMAGE_DIR, served at /generated_images/ */
	char provider[IG_PROVIDER_BUF];
	char model[128];
	int width, height;
	int has_seed;
	int64_t seed;
	char mime_type[32];
	char created_at[32];      /* RFC 3339, UTC, milliseconds */
} ig_image;

/* The image with this id: 1 with *out filled, 0 when there is none (id
 * malformed or unknown), -1 with err. */
int ig_image_get(const char *id, ig_image *out, ig_err *err);

/* The images of job_id in their order (idx): *out (the caller frees; NULL
 * when none) and *n. 0 or -1 with err. */
int ig_images_of_job(const char *job_id, ig_image **out, int *n, ig_err *err);

/* A new image's row: what ig_image_add writes. */
typedef struct ig_image_new {
	const char *user_id;      /* NULL when anonymous */
	const char *job_id;
	int idx;
	const char *filename;
	const char *prompt, *negative_prompt;   /* negative_prompt may be NULL */
	const char *provider, *model;
	int width, height;
	int has_seed;
	int64_t seed;
	size_t size_bytes;
	const char *sha256;       /* hex of the stored bytes */
	const char *mime_type;
	const char *cache_key;    /* NULL when none */
	const char *project_id;   /* the project it goes in (the job's request's), NULL when none;
	                           * one deleted since is none */
	const char *tags;         /* its tags, a JSON array of strings (the job's request's,
	                           * checked when it was made), NULL when none */
} ig_image_new;

/* Add the row of a stored image, without a thumbnail: 1 when added, 0 when
 * its job already has an image at idx (a job re-run after a lost lease; the
 * first stays), -1 with err. */
int ig_image_add(const ig_image_new *im, ig_err *err);

/* An image a user adds from their own means: an upload, or one made from
 * another of theirs (process, the creative tools). */
typedef struct ig_image_own {
	const char *user_id;
	const char *parent_id;    /* NULL for an upload */
	const char *operation;    /* "upload", "process", … (014_gallery.sql) */
	const char *filename;
	const char *title;        /* NULL: none */
	const char *const *tags;  /* ntags tags (deduplicated and sorted here) */
	int ntags;
	int width, height;
	size_t size_bytes;
	const char *sha256;       /* hex of the stored bytes */
	const char *mime_type;
	const char *job_id;       /* NULL, or the job (a creative tool's) that made it */
	int idx;                  /* its place among that job's images */
} ig_image_own;

/* Add the row of such an image, without a thumbnail. An upload has an
 * empty prompt and the provider "upload"; an image made from parent_id
 * takes its prompt, negative prompt, provider and model, and parent_id must
 * be one of user_id's images. 1 with id_out, 0 when parent_id is not (or no
 * longer) user_id's or job_id already has an image at idx (a job re-run
 * after a lost lease: the first stays), -1 with err. */
int ig_image_add_own(const ig_image_own *im, char id_out[IG_UUID_BUF], ig_err *err);

/* The name of an image's thumbnail: its file name and this suffix
 * (lib/jobs/store.c), so a thumbnail's image is found by file name. */
#define IG_THUMB_SUFFIX ".thumb.png"

/* Record the thumbnail (a file name beside it) of the image stored as
 * filename. 0 or -1 with err. */
int ig_image_set_thumbnail(const char *filename, const char *thumbnail, ig_err *err);

/* Whether name is the file name or the thumbnail of an image of the table
 * (one lookup on the unique filename index): 1 yes, 0 no, -1 with err. */
int ig_image_known(const char *name, ig_err *err);

/* Limits of what a user organizes an image by (the table's CHECKs hold the
 * tag count and the rating too). */
#define IG_GALLERY_TAGS_MAX 32        /* tags of one image */
#define IG_GALLERY_TAG_LEN 64         /* characters of one tag */
#define IG_GALLERY_FOLDER_LEN 255     /* characters of a folder name */
#define IG_GALLERY_TITLE_LEN 200      /* characters of a title */
#define IG_GALLERY_RATING_MAX 5
#define IG_GALLERY_ORGANIZE_MAX 500   /* ids of one organize */
#define IG_GALLERY_Q_LEN 200          /* characters of a search */
#define IG_GALLERY_TOTAL_EXACT 10000  /* a total counted exactly up to this */

/* The gallery's filters: NULL (or -1 for the numbers) when not given. */
typedef struct ig_gallery_filter {
	const char *user_id;
	const char *provider, *project_id, *folder;
	const char *const *tags;  /* ntags tags, all of which must match */
	int ntags;
	int favorite;             /* -1, 0 or 1 */
	int min_rating;           /* -1 or 0..5 */
	const char *q;            /* search text, any script, case-insensitive */
	const char *from, *to;    /* created_at bounds (RFC 3339), inclusive */
	int by_rating;            /* sort: 0 created_at, 1 rating (then newest) */
	int ascending;            /* order: 0 desc, 1 asc */
} ig_gallery_filter;

/* The cursor scope of a gallery in the given sort and order, into out (a
 * cursor of one order is refused by another). */
void ig_gallery_scope(const ig_gallery_filter *f, char out[32]);

/*
 * One page of f->user_id's images matching f, in f's order (with
 * f->project_id, every image of that project, whoever made it: the caller
 * has asked ig_access_project whether f->user_id may see it): *items (an
 * array of image objects, API.md's item shape), *next_cursor (malloc'ed,
 * or NULL on the last page), *total (exact up to IG_GALLERY_TOTAL_EXACT;
 * past it IG_GALLERY_TOTAL_EXACT with *total_is_estimate 1). Every filter
 * is in SQL before the LIMIT. 0, or -1 with err.
 */
int ig_gallery_list(const ig_gallery_filter *f, const ig_page *pg, json_object **items, char **next_cursor,
    long *total, int *total_is_estimate, ig_err *err);

/*
 * The image id of user_id with its generation parameters (the job's
 * request), lineage (parent_id, operation, children: the ids of user_id's
 * images made from it, oldest first) into *out (a new object, API.md's
 * item shape plus those); 1, 0 when user_id has no such image (malformed
 * id, another's, unknown), -1 with err.
 */
int ig_image_detail(const char *id, const char *user_id, json_object **out, ig_err *err);

/* ig_image_detail of the image id whoever owns it, for a user_id that
 * ig_access_image let see it (children: user_id's images made from it). */
int ig_image_detail_seen(const char *id, const char *user_id, json_object **out, ig_err *err);

/* PATCH of an image: each member changes only when its has_ flag is set
 * (title and folder NULL to clear). */
typedef struct ig_image_patch {
	int has_title, has_rating, has_favorite, has_tags, has_folder;
	const char *title, *folder;
	int rating, favorite;
	const char *const *tags;
	int ntags;
} ig_image_patch;

/* Apply patch to the image id, whoever owns it (the caller has asked
 * ig_access_image: its owner or an editor of its project). 1, 0 when there
 * is no such image, -1 with err. */
int ig_image_update(const char *id, const ig_image_patch *patch, ig_err *err);

/* organize: what changes on every listed image (as ig_image_patch, plus
 * tags added and removed and the project). */
typedef struct ig_image_organize {
	const char *const *ids;
	int nids;
	const char *const *tags_add, *const *tags_remove;
	int ntags_add, ntags_remove;
	int has_folder, has_favorite, has_rating, has_project;
	const char *folder, *project_id;   /* NULL to clear */
	int favorite, rating;
} ig_image_organize;

/*
 * Change every image of o->ids, all or nothing, in one statement: each id
 * must be one of user_id's images, else nothing changes and err is a 400
 * naming image_ids and the first id that is not (or tags_add, when adding
 * would give an image more than IG_GALLERY_TAGS_MAX tags). *updated gets
 * the number of rows changed. 0, or -1 with err.
 */
int ig_images_organize(const char *user_id, const ig_image_organize *o, int *updated, ig_err *err);

/*
 * Delete the image id of user_id: the row (its children keep theirs, with
 * parent_id set to null), then its file and thumbnail in the image store.
 * 1, 0 when user_id has no such image, -1 with err.
 */
int ig_image_delete(const char *id, const char *user_id, ig_err *err);

#endif
