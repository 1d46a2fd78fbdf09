/*
 * test_comments.c — comments on images (issue 13, API.md "Collaboration"):
 * the thread order a client builds its tree from, pages, who may edit and
 * delete (and that a refused change changes nothing), the placeholder a
 * deleted comment with replies leaves and when it goes, bodies kept byte
 * for byte (no HTML escaping: a stored-XSS filter is the client's, a
 * mangled body is ours), lengths in characters, the hourly cap, the
 * events the image's owner and a parent's author get, and a stranger who
 * learns nothing (404 on every route).
 *
 * Callers other than the owner get their role the way lib/collab/access.c
 * reads it: a share row (migration 015) inserted directly.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/collab/comment.h"
#include "lib/core/util.h"
#include "tests/integration/itest.h"

static const char *
next_source(void)
{
	return it_source(160, 40, 0);
}

typedef struct who {
	char *token;
	char id[40];
	char name[64];
} who;

static void
who_new(who *w, const char *prefix)
{
	char *id;

	w->token = it_new_user(prefix, next_source(), w->name);
	id = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(w->name));
	snprintf(w->id, sizeof(w->id), "%s", id);
	free(id);
}

static void
who_free(who *w)
{
	free(w->token);
}

/* A new image of w (its id, 40 bytes). */
static void
image_of(const who *w, char *out)
{
	char *id = it_psql("WITH i AS (INSERT INTO images (user_id, idx, filename, prompt, provider, model, width, height,"
	    " size_bytes, sha256, mime_type) VALUES ('%s', 0, 'cmt_' || md5(random()::text), 'p', 'builtin', 'm',"
	    " 64, 64, 100, 'x', 'image/png') RETURNING id) SELECT id FROM i", it_sql_safe(w->id));

	snprintf(out, 40, "%s", id);
	free(id);
}

/* Share image with w as role (viewer or editor); live unless state is
 * "revoked" or "expired". */
static void
share(const who *owner, const char *image, const who *w, const char *role, const char *state)
{
	free(it_psql("INSERT INTO shares (owner_id, image_id, with_user_id, role, revoked_at, expires_at)"
	    " VALUES ('%s', '%s', '%s', '%s', %s, %s)", it_sql_safe(owner->id), it_sql_safe(image),
	    it_sql_safe(w->id), it_sql_safe(role), strcmp(state, "revoked") == 0 ? "now()" : "NULL",
	    strcmp(state, "expired") == 0 ? "now() - interval '1 minute'" : "NULL"));
}

static char path_buf[4][256];
static int path_n;

/* /api/collaboration/comments/image[/comment] (static storage; the last
 * four stay valid). */
static const char *
cpath(const char *image, const char *comment)
{
	char *p = path_buf[path_n++ % 4];

	snprintf(p, 256, "/api/collaboration/comments/%s%s%s", image, comment ? "/" : "", comment ? comment : "");
	return p;
}

/* POST a comment with the JSON body raw as w: its status; the created
 * comment's id into id (40 bytes, may be NULL) on 201. */
static long
post_raw(const who *w, const char *image, const char *raw, char *id, it_resp *keep)
{
	it_resp r;
	long st;

	it_json(&r, next_source(), "POST", cpath(image, NULL), w->token, "%s", raw);
	st = r.status;
	if (st == 201 && id != NULL) {
		json_object *o = it_json_body(&r);
		snprintf(id, 40, "%s", it_js(o, "comment.id"));
		json_object_put(o);
	}
	if (keep != NULL)
		*keep = r;
	else
		it_resp_free(&r);
	return st;
}

/* POST the JSON body raw as w: fails unless refused with 400 naming
 * field. */
static void
post_refused(const who *w, const char *image, const char *raw, const char *field)
{
	it_resp r;

	post_raw(w, image, raw, NULL, &r);
	it_expect_error(&r, 400, "invalid_request", field, NULL);
	it_resp_free(&r);
}

/* POST {body, parent_id} (parent NULL: top level) as w; fails unless 201.
 * The id into id (40 bytes). */
static void
comment(const who *w, const char *image, const char *body, const char *parent, char *id)
{
	char raw[1024];
	it_resp r;

	if (parent != NULL)
		snprintf(raw, sizeof(raw), "{\"body\":\"%s\",\"parent_id\":\"%s\"}", body, parent);
	else
		snprintf(raw, sizeof(raw), "{\"body\":\"%s\"}", body);
	ck_assert_msg(post_raw(w, image, raw, id, &r) == 201, "comment: %ld %s", r.status, r.body.data);
	it_resp_free(&r);
}

/* The status of method path as w, with body fmt (NULL: none). */
static long
status_of(const who *w, const char *method, const char *path, const char *body)
{
	it_resp r;
	long st;

	if (body != NULL)
		it_json(&r, next_source(), method, path, w->token, "%s", body);
	else
		it_json(&r, next_source(), method, path, w->token, NULL);
	st = r.status;
	it_resp_free(&r);
	return st;
}

/* Every row of image's comments as text, to compare before and after a
 * refused change (caller frees). */
static char *
rows_of(const char *image)
{
	return it_psql("SELECT coalesce(string_agg(concat_ws('|', id, author_id, parent_id, body, deleted,"
	    " created_at, updated_at), E'\\n' ORDER BY created_at, id), '') FROM comments WHERE image_id = '%s'",
	    it_sql_safe(image));
}

/* GET the whole thread of image as w, limit per page: the ids joined by
 * ',' into out; the pages it took. */
static int
thread_ids(const who *w, const char *image, int limit, char *out, size_t outlen)
{
	char cursor[512] = "", path[1024];
	int pages = 0;

	out[0] = '\0';
	do {
		json_object *o, *list, *next;
		it_resp r;

		snprintf(path, sizeof(path), "%s?limit=%d%s%s", cpath(image, NULL), limit, cursor[0] ? "&cursor=" : "",
		    cursor);
		it_json(&r, next_source(), "GET", path, w->token, NULL);
		IT_EXPECT(&r, 200);
		o = it_json_body(&r);
		list = it_jneed(o, "comments", json_type_array);
		ck_assert_int_le((int)json_object_array_length(list), limit);
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			size_t n = strlen(out);
			snprintf(out + n, outlen - n, "%s%s", n ? "," : "", it_js(json_object_array_get_idx(list, i), "id"));
		}
		next = it_jpath(o, "next_cursor");
		ck_assert_msg(it_jhas(o, "next_cursor"), "next_cursor must be sent");
		snprintf(cursor, sizeof(cursor), "%s", next ? json_object_get_string(next) : "");
		json_object_put(o);
		it_resp_free(&r);
		pages++;
		ck_assert_int_lt(pages, 100);
	} while (cursor[0] != '\0');
	return pages;
}

/* The comment id of image's thread as w sees it (caller puts), or NULL
 * when it is not listed. */
static json_object *
listed(const who *w, const char *image, const char *id)
{
	json_object *o, *found = NULL, *list;
	it_resp r;

	it_json(&r, next_source(), "GET", cpath(image, NULL), w->token, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	list = it_jneed(o, "comments", json_type_array);
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (strcmp(it_js(json_object_array_get_idx(list, i), "id"), id) == 0)
			found = json_object_get(json_object_array_get_idx(list, i));
	json_object_put(o);
	it_resp_free(&r);
	return found;
}

/* The thread is oldest first, and a reply always comes after its parent,
 * across pages: a parent whose clock ran ahead (created_at a minute in
 * the future) still precedes the replies made now. Without the reply's
 * created_at taken after its parent's, the replies sorted first and a
 * client building the tree met a reply before its parent. */
START_TEST(thread_order_and_pages)
{
	who a, v;
	char img[40], other[40], c1[40], c2[40], c3[40], r1[40], r2[40], want[512], got[512], path[1024];
	char *w;
	it_resp r;
	json_object *o;

	who_new(&a, "cmo");
	who_new(&v, "cmv");
	image_of(&a, img);
	image_of(&a, other);
	share(&a, img, &v, "viewer", "live");
	comment(&a, img, "first", NULL, c1);
	free(it_psql("UPDATE comments SET created_at = now() + interval '1 minute' WHERE id = '%s'", c1));
	comment(&v, img, "second", NULL, c2);
	comment(&v, img, "reply to first", c1, r1);
	comment(&a, img, "reply to the reply", r1, r2);
	comment(&a, img, "third", NULL, c3);
	snprintf(want, sizeof(want), "%s,%s,%s,%s,%s", c2, c3, c1, r1, r2);
	ck_assert_int_eq(thread_ids(&v, img, 2, got, sizeof(got)), 3);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(thread_ids(&a, img, 50, got, sizeof(got)), 1);
	ck_assert_str_eq(got, want);
	/* The listed order is the table's (created_at, id). */
	w = it_psql("SELECT string_agg(id::text, ',' ORDER BY created_at, id) FROM comments WHERE image_id = '%s'", img);
	ck_assert_str_eq(w, want);
	free(w);
	/* The seed's shape. */
	o = listed(&v, img, r1);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(it_js(o, "author.id"), v.id);
	ck_assert_str_eq(it_js(o, "author.username"), v.name);
	ck_assert_str_eq(it_js(o, "body"), "reply to first");
	ck_assert_str_eq(it_js(o, "parent_id"), c1);
	ck_assert_int_eq(it_jbool(o, "deleted"), 0);
	ck_assert_msg(it_jhas(o, "updated_at") && it_jpath(o, "updated_at") == NULL, "updated_at null until edited");
	ck_assert_msg(strlen(it_js(o, "created_at")) == 24, "created_at RFC 3339: %s", it_js(o, "created_at"));
	json_object_put(o);
	o = listed(&v, img, c2);
	ck_assert_msg(it_jhas(o, "parent_id") && it_jpath(o, "parent_id") == NULL, "top level: parent_id null");
	json_object_put(o);
	/* A cursor of one image's thread is not one of another's. */
	it_json(&r, next_source(), "GET", cpath(img, NULL), a.token, NULL);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "%s?limit=1", cpath(img, NULL));
	it_json(&r, next_source(), "GET", path, a.token, NULL);
	o = it_json_body(&r);
	snprintf(path, sizeof(path), "%s?cursor=%s", cpath(other, NULL), it_js(o, "next_cursor"));
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "GET", path, a.token, NULL);
	it_expect_error(&r, 400, "invalid_request", "cursor", NULL);
	it_resp_free(&r);
	/* limit is bounded. */
	snprintf(path, sizeof(path), "%s?limit=101", cpath(img, NULL));
	it_json(&r, next_source(), "GET", path, a.token, NULL);
	it_expect_error(&r, 400, "invalid_request", "limit", NULL);
	it_resp_free(&r);
	who_free(&a);
	who_free(&v);
}
END_TEST

/* The author edits (updated_at set); anyone else — the image's owner and
 * an editor too — is refused with 403 and the row does not change. */
START_TEST(edit_by_author_only)
{
	who a, v, e;
	char img[40], c[40];
	char *before, *after;
	it_resp r;
	json_object *o;

	who_new(&a, "cmo");
	who_new(&v, "cmv");
	who_new(&e, "cme");
	image_of(&a, img);
	share(&a, img, &v, "viewer", "live");
	share(&a, img, &e, "editor", "live");
	comment(&v, img, "typo hre", NULL, c);
	before = rows_of(img);
	ck_assert_int_eq(status_of(&a, "PUT", cpath(img, c), "{\"body\":\"owner rewrote it\"}"), 403);
	ck_assert_int_eq(status_of(&e, "PUT", cpath(img, c), "{\"body\":\"editor rewrote it\"}"), 403);
	after = rows_of(img);
	ck_assert_str_eq(after, before);
	free(after);
	free(before);
	it_json(&r, next_source(), "PUT", cpath(img, c), v.token, "{\"body\":\"typo here\"}");
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "comment.body"), "typo here");
	ck_assert_str_eq(it_js(o, "comment.id"), c);
	ck_assert_msg(strlen(it_js(o, "comment.updated_at")) == 24, "updated_at set");
	json_object_put(o);
	it_resp_free(&r);
	o = listed(&a, img, c);
	ck_assert_str_eq(it_js(o, "body"), "typo here");
	ck_assert_msg(it_jpath(o, "updated_at") != NULL, "updated_at listed");
	json_object_put(o);
	/* The body is checked as on POST; no other field is taken. */
	it_json(&r, next_source(), "PUT", cpath(img, c), v.token, "{\"body\":\"\"}");
	it_expect_error(&r, 400, "invalid_request", "body", NULL);
	it_resp_free(&r);
	it_json(&r, next_source(), "PUT", cpath(img, c), v.token, "{\"body\":\"x\",\"parent_id\":\"%s\"}", c);
	it_expect_error(&r, 400, "invalid_request", "parent_id", NULL);
	it_resp_free(&r);
	/* An unknown comment id, or one of another image: 404. */
	ck_assert_int_eq(status_of(&v, "PUT", cpath(img, "00000000-0000-4000-8000-000000000000"), "{\"body\":\"x\"}"),
	    404);
	ck_assert_int_eq(status_of(&v, "PUT", cpath(img, "not-a-uuid"), "{\"body\":\"x\"}"), 404);
	who_free(&a);
	who_free(&v);
	who_free(&e);
}
END_TEST

static long
comment_rows(const char *where_id)
{
	char *n = it_psql("SELECT count(*) FROM comments WHERE id = '%s'", it_sql_safe(where_id));
	long v = atol(n);

	free(n);
	return v;
}

/* Who may delete, and what stays: the author and the image's owner may;
 * another viewer (or an editor) may not (403, nothing changes). A comment
 * with replies stays as deleted (body and author null) and can no longer
 * be edited nor replied to; when its last reply goes, it goes too. */
START_TEST(delete_rules)
{
	who a, v, w, e;
	char img[40], c[40], p[40], r1[40], r2[40], lone[40], mod[40];
	char *before, *after, raw[256];
	it_resp r;
	json_object *o;

	who_new(&a, "cmo");
	who_new(&v, "cmv");
	who_new(&w, "cmw");
	who_new(&e, "cme");
	image_of(&a, img);
	share(&a, img, &v, "viewer", "live");
	share(&a, img, &w, "viewer", "live");
	share(&a, img, &e, "editor", "live");
	comment(&v, img, "mine to delete", NULL, c);
	comment(&v, img, "the owner will moderate this", NULL, mod);
	comment(&v, img, "a parent", NULL, p);
	comment(&w, img, "first reply", p, r1);
	comment(&a, img, "second reply", p, r2);
	comment(&w, img, "lone", NULL, lone);

	/* Refused: another viewer, an editor; nothing changes. */
	before = rows_of(img);
	ck_assert_int_eq(status_of(&w, "DELETE", cpath(img, c), NULL), 403);
	ck_assert_int_eq(status_of(&e, "DELETE", cpath(img, c), NULL), 403);
	ck_assert_int_eq(status_of(&e, "DELETE", cpath(img, p), NULL), 403);
	after = rows_of(img);
	ck_assert_str_eq(after, before);
	free(after);
	free(before);

	/* The author: a comment without replies is gone. */
	it_json(&r, next_source(), "DELETE", cpath(img, c), v.token, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_int_eq(it_jbool(o, "kept_as_deleted"), 0);
	json_object_put(o);
	it_resp_free(&r);
	ck_assert_int_eq(comment_rows(c), 0);
	ck_assert_int_eq(status_of(&v, "DELETE", cpath(img, c), NULL), 404);
	/* The image's owner deletes anyone's. */
	ck_assert_int_eq(status_of(&a, "DELETE", cpath(img, mod), NULL), 200);
	ck_assert_int_eq(comment_rows(mod), 0);

	/* With replies: kept as deleted. */
	it_json(&r, next_source(), "DELETE", cpath(img, p), v.token, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_int_eq(it_jbool(o, "kept_as_deleted"), 1);
	json_object_put(o);
	it_resp_free(&r);
	o = listed(&w, img, p);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(it_jbool(o, "deleted"), 1);
	ck_assert_msg(it_jhas(o, "body") && it_jpath(o, "body") == NULL, "a deleted comment's body is null");
	ck_assert_msg(it_jhas(o, "author") && it_jpath(o, "author") == NULL, "a deleted comment's author is null");
	json_object_put(o);
	/* A deleted comment is no longer there to change or answer. */
	ck_assert_int_eq(status_of(&v, "PUT", cpath(img, p), "{\"body\":\"back\"}"), 404);
	ck_assert_int_eq(status_of(&v, "DELETE", cpath(img, p), NULL), 404);
	snprintf(raw, sizeof(raw), "{\"body\":\"late\",\"parent_id\":\"%s\"}", p);
	post_refused(&w, img, raw, "parent_id");
	/* One reply goes: the placeholder stays for the other. */
	ck_assert_int_eq(status_of(&w, "DELETE", cpath(img, r1), NULL), 200);
	ck_assert_int_eq(comment_rows(p), 1);
	/* The last reply goes (its author is the owner): so does the
	 * placeholder, which held nothing any more. */
	ck_assert_int_eq(status_of(&a, "DELETE", cpath(img, r2), NULL), 200);
	ck_assert_int_eq(comment_rows(r2), 0);
	ck_assert_int_eq(comment_rows(p), 0);
	ck_assert_int_eq(comment_rows(lone), 1);
	who_free(&a);
	who_free(&v);
	who_free(&w);
	who_free(&e);
}
END_TEST

/* A body is stored and answered exactly as sent: markup is not escaped
 * (the response is JSON, Content-Type application/json; escaping is the
 * renderer's), whitespace is not trimmed. */
START_TEST(body_kept_byte_for_byte)
{
	static const char json_body[] = "{\"body\":\"  <script>alert(\\\"x\\\")</script> &amp; <b>é</b>\\n\\t'q' \"}";
	static const char want[] = "  <script>alert(\"x\")</script> &amp; <b>\xc3\xa9</b>\n\t'q' ";
	who a;
	char img[40], id[40];
	char *stored;
	it_resp r;
	json_object *o;

	who_new(&a, "cmo");
	image_of(&a, img);
	ck_assert_int_eq(post_raw(&a, img, json_body, id, &r), 201);
	ck_assert_msg(strstr(r.body.data, "<script>alert(\\\"x\\\")</script>") != NULL, "raw answer: %s", r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "comment.body"), want);
	json_object_put(o);
	it_resp_free(&r);
	o = listed(&a, img, id);
	ck_assert_str_eq(it_js(o, "body"), want);
	json_object_put(o);
	stored = it_psql("SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM comments WHERE id = '%s'", id);
	{
		char hex[256] = "";
		for (size_t i = 0; i < strlen(want); i++)
			snprintf(hex + 2 * i, 3, "%02x", (unsigned char)want[i]);
		ck_assert_str_eq(stored, hex);
	}
	free(stored);
	who_free(&a);
}
END_TEST

/* A body of n copies of the UTF-8 character ch, as a JSON request. */
static char *
body_of(const char *ch, int n)
{
	size_t l = strlen(ch);
	char *s = ig_xmalloc(n * l + 32), *p = s;

	p += sprintf(p, "{\"body\":\"");
	for (int i = 0; i < n; i++, p += l)
		memcpy(p, ch, l);
	strcpy(p, "\"}");
	return s;
}

/* 1 to 4000 characters, counted as code points: 4000 two- or four-byte
 * characters pass (8000 and 16000 bytes), 4001 of any do not. Empty,
 * missing, invalid UTF-8 and NUL are refused naming body. */
START_TEST(body_length_in_characters)
{
	static const char *const chars[] = { "a", "\xc3\xa9", "\xe6\xbc\xa2", "\xf0\x9f\x98\x80" };
	/* {body, the field the 400 names} */
	static const char *const refused[][2] = {
		{ "{\"body\":\"\"}", "body" },
		{ "{}", "body" },
		{ "{\"body\":\"bad \xff\xfe bytes\"}", "body" },
		{ "{\"body\":\"nul \\u0000 here\"}", "body" },
		{ "{\"body\":\"x\",\"extra\":1}", "extra" },
	};
	who a;
	char img[40], id[40], *s, *len;

	who_new(&a, "cmo");
	image_of(&a, img);
	for (size_t k = 0; k < sizeof(chars) / sizeof(chars[0]); k++) {
		s = body_of(chars[k], IG_COMMENT_BODY_MAX);
		ck_assert_msg(post_raw(&a, img, s, id, NULL) == 201, "4000 of %s", chars[k]);
		free(s);
		len = it_psql("SELECT length(body) FROM comments WHERE id = '%s'", id);
		ck_assert_str_eq(len, "4000");
		free(len);
		s = body_of(chars[k], IG_COMMENT_BODY_MAX + 1);
		post_refused(&a, img, s, "body");
		free(s);
	}
	for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
		post_refused(&a, img, refused[k][0], refused[k][1]);
	/* A raw NUL byte in the body's string. */
	{
		static const char nul[] = "{\"body\":\"raw \0 nul\"}";
		static const char *const h[] = { "Content-Type: application/json", NULL };
		it_req q = { .method = "POST", .path = cpath(img, NULL), .body = nul, .len = sizeof(nul) - 1,
			.headers = h, .bearer = a.token, .source_ip = next_source() };
		it_resp r;

		it_request(&q, &r);
		it_expect_error(&r, 400, "invalid_request", "body", NULL);
		it_resp_free(&r);
	}
	len = it_psql("SELECT count(*) FROM comments WHERE image_id = '%s'", img);
	ck_assert_str_eq(len, "4");
	free(len);
	who_free(&a);
}
END_TEST

/* parent_id must be a comment of the same image: not a UUID, an unknown
 * one, and one of another image (even the caller's own) are refused
 * naming parent_id, and nothing is added. */
START_TEST(bad_parent_id)
{
	who a;
	char img[40], other[40], theirs[40], raw[256], *n;

	who_new(&a, "cmo");
	image_of(&a, img);
	image_of(&a, other);
	comment(&a, other, "on the other image", NULL, theirs);
	post_refused(&a, img, "{\"body\":\"x\",\"parent_id\":\"nope\"}", "parent_id");
	post_refused(&a, img, "{\"body\":\"x\",\"parent_id\":\"00000000-0000-4000-8000-000000000000\"}", "parent_id");
	snprintf(raw, sizeof(raw), "{\"body\":\"x\",\"parent_id\":\"%s\"}", theirs);
	post_refused(&a, img, raw, "parent_id");
	n = it_psql("SELECT count(*) FROM comments WHERE image_id = '%s'", img);
	ck_assert_str_eq(n, "0");
	free(n);
	/* The database refuses it too, whatever a later change to the
	 * code might let through. */
	n = it_psql("SELECT count(*) FROM pg_constraint WHERE conname = 'comments_parent_same_image'");
	ck_assert_str_eq(n, "1");
	free(n);
	who_free(&a);
}
END_TEST

/* One who may not see the image gets 404 on every route, the same as for
 * an image that does not exist — a stranger, a revoked share, an expired
 * one — and nothing changes. */
START_TEST(stranger_404_everywhere)
{
	who a, s, rv, ex;
	who *const them[] = { &s, &rv, &ex };
	char img[40], c[40], *before, *after;

	who_new(&a, "cmo");
	who_new(&s, "cms");
	who_new(&rv, "cmr");
	who_new(&ex, "cmx");
	image_of(&a, img);
	share(&a, img, &rv, "editor", "revoked");
	share(&a, img, &ex, "editor", "expired");
	comment(&a, img, "private", NULL, c);
	before = rows_of(img);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(status_of(them[i], "GET", cpath(img, NULL), NULL), 404);
		ck_assert_int_eq(status_of(them[i], "POST", cpath(img, NULL), "{\"body\":\"hi\"}"), 404);
		ck_assert_int_eq(status_of(them[i], "PUT", cpath(img, c), "{\"body\":\"hi\"}"), 404);
		ck_assert_int_eq(status_of(them[i], "DELETE", cpath(img, c), NULL), 404);
	}
	after = rows_of(img);
	ck_assert_str_eq(after, before);
	free(after);
	free(before);
	/* No image at all, or a malformed id: the same 404. */
	ck_assert_int_eq(status_of(&a, "GET", cpath("00000000-0000-4000-8000-000000000000", NULL), NULL), 404);
	ck_assert_int_eq(status_of(&a, "GET", cpath("nope", NULL), NULL), 404);
	ck_assert_int_eq(status_of(&a, "POST", cpath("nope", NULL), "{\"body\":\"x\"}"), 404);
	/* No token: 401. */
	ck_assert_int_eq(it_get_status(next_source(), cpath(img, NULL), NULL), 401);
	who_free(&a);
	who_free(&s);
	who_free(&rv);
	who_free(&ex);
}
END_TEST

/* The events of kind in w's activity about comment id. */
static int
events(const who *w, const char *kind, const char *id)
{
	json_object *o, *list;
	it_resp r;
	int n = 0;

	it_json(&r, next_source(), "GET", "/api/user/activity?limit=100", w->token, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	list = it_jneed(o, "activity", json_type_array);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i), *cid = it_jpath(e, "details.comment_id");
		if (strcmp(it_js(e, "kind"), kind) == 0 && cid != NULL && strcmp(json_object_get_string(cid), id) == 0)
			n++;
	}
	json_object_put(o);
	it_resp_free(&r);
	return n;
}

/* A comment on someone else's image tells its owner; a reply tells the
 * parent's author; nobody hears of their own comments, and the owner
 * hears of a reply to them once. The event names the image, the comment
 * and its author but not the commenter's address. */
START_TEST(activity_events)
{
	who a, v, w;
	char img[40], c1[40], c2[40], c3[40], c4[40], *ip;
	json_object *o, *list;
	it_resp r;

	who_new(&a, "cmo");
	who_new(&v, "cmv");
	who_new(&w, "cmw");
	image_of(&a, img);
	share(&a, img, &v, "viewer", "live");
	share(&a, img, &w, "viewer", "live");
	comment(&v, img, "nice", NULL, c1);
	ck_assert_int_eq(events(&a, "comment_on_image", c1), 1);
	comment(&w, img, "agreed", c1, c2);
	ck_assert_int_eq(events(&v, "comment_reply", c2), 1);
	ck_assert_int_eq(events(&a, "comment_on_image", c2), 1);
	comment(&v, img, "replying to myself", c1, c3);
	ck_assert_int_eq(events(&v, "comment_reply", c3), 0);
	ck_assert_int_eq(events(&a, "comment_on_image", c3), 1);
	comment(&a, img, "thanks", c1, c4);
	ck_assert_int_eq(events(&v, "comment_reply", c4), 1);
	ck_assert_int_eq(events(&a, "comment_on_image", c4), 0);
	ck_assert_int_eq(events(&a, "comment_reply", c4), 0);
	/* The details and no address. */
	it_json(&r, next_source(), "GET", "/api/user/activity?limit=100", v.token, NULL);
	o = it_json_body(&r);
	list = it_jneed(o, "activity", json_type_array);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		if (strcmp(it_js(e, "kind"), "comment_reply") != 0 || strcmp(it_js(e, "details.comment_id"), c4) != 0)
			continue;
		ck_assert_str_eq(it_js(e, "details.image_id"), img);
		ck_assert_str_eq(it_js(e, "details.parent_id"), c1);
		ck_assert_str_eq(it_js(e, "details.author.username"), a.name);
		ck_assert_msg(it_jpath(e, "ip") == NULL, "the commenter's address is not the recipient's to see: %s",
		    json_object_to_json_string(e));
	}
	json_object_put(o);
	it_resp_free(&r);
	ip = it_psql("SELECT count(*) FROM user_activity WHERE kind LIKE 'comment_%%' AND ip IS NOT NULL"
	    " AND user_id IN ('%s', '%s')", a.id, v.id);
	ck_assert_str_eq(ip, "0");
	free(ip);
	who_free(&a);
	who_free(&v);
	who_free(&w);
}
END_TEST

/* At most IG_COMMENTS_PER_HOUR comments an author adds in an hour, over
 * every image: the next is a 429 with Retry-After until the oldest of
 * them is an hour old. */
START_TEST(hourly_cap)
{
	who a;
	char img[40], hdr[32], *n;
	it_resp r;

	who_new(&a, "cmo");
	image_of(&a, img);
	/* All but one of the hour's comments, half an hour ago. */
	free(it_psql("INSERT INTO comments (image_id, author_id, body, created_at) SELECT '%s', '%s', 'old ' || g,"
	    " now() - interval '30 minutes' FROM generate_series(1, %d) g", img, a.id, IG_COMMENTS_PER_HOUR - 1));
	ck_assert_int_eq(post_raw(&a, img, "{\"body\":\"the last of the hour\"}", NULL, NULL), 201);
	ck_assert_int_eq(post_raw(&a, img, "{\"body\":\"one too many\"}", NULL, &r), 429);
	it_expect_error(&r, 429, "rate_limited", NULL, NULL);
	ck_assert_msg(it_header(&r, "Retry-After", hdr, sizeof(hdr)), "Retry-After");
	printf("hourly cap %d: Retry-After %s s\n", IG_COMMENTS_PER_HOUR, hdr);
	ck_assert_int_gt(atoi(hdr), 1700);
	ck_assert_int_le(atoi(hdr), 1801);
	it_resp_free(&r);
	n = it_psql("SELECT count(*) FROM comments WHERE author_id = '%s'", a.id);
	ck_assert_int_eq(atoi(n), IG_COMMENTS_PER_HOUR);
	free(n);
	/* An hour on, they no longer count. */
	free(it_psql("UPDATE comments SET created_at = created_at - interval '31 minutes' WHERE author_id = '%s'"
	    " AND body LIKE 'old %%'", a.id));
	ck_assert_int_eq(post_raw(&a, img, "{\"body\":\"later\"}", NULL, NULL), 201);
	who_free(&a);
}
END_TEST

/* Comments live as long as their image: deleting it (the gallery's route)
 * takes its thread along. A removed account's comments stay in the
 * threads with author null, and the replies under them stay too (a
 * CASCADE on the author would have taken other people's replies). */
START_TEST(comments_follow_image_and_account)
{
	who a, v;
	char img[40], c[40], r1[40], path[128], *n;
	json_object *o;

	who_new(&a, "cmo");
	who_new(&v, "cmv");
	image_of(&a, img);
	share(&a, img, &v, "viewer", "live");
	comment(&v, img, "soon without an account", NULL, c);
	comment(&a, img, "a reply that stays", c, r1);
	free(it_psql("DELETE FROM users WHERE id = '%s'", it_sql_safe(v.id)));
	o = listed(&a, img, c);
	ck_assert_ptr_nonnull(o);
	ck_assert_msg(it_jhas(o, "author") && it_jpath(o, "author") == NULL, "author null once the account is gone");
	ck_assert_str_eq(it_js(o, "body"), "soon without an account");
	json_object_put(o);
	o = listed(&a, img, r1);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	/* The owner may still moderate it: kept as deleted for the reply. */
	ck_assert_int_eq(status_of(&a, "DELETE", cpath(img, c), NULL), 200);
	snprintf(path, sizeof(path), "/api/files/delete/%s", img);
	ck_assert_int_eq(status_of(&a, "DELETE", path, NULL), 200);
	n = it_psql("SELECT count(*) FROM comments WHERE image_id = '%s'", img);
	ck_assert_str_eq(n, "0");
	free(n);
	who_free(&a);
	who_free(&v);
}
END_TEST

/* A personal API key with the read scope reads a thread but may not
 * write to it (403, nothing added): comments are changes, as the
 * gallery's are (scope generate). */
START_TEST(read_scope_key_reads_only)
{
	who a, k;
	char img[40], c[40], *before, *after;
	it_resp r;
	json_object *o;

	who_new(&a, "cmo");
	image_of(&a, img);
	comment(&a, img, "readable", NULL, c);
	it_json(&r, next_source(), "POST", "/api/keys", a.token, "{\"name\":\"ro\",\"scopes\":[\"read\"]}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	k = a;
	k.token = ig_xstrdup(it_js(o, "key"));
	json_object_put(o);
	it_resp_free(&r);
	before = rows_of(img);
	ck_assert_int_eq(status_of(&k, "GET", cpath(img, NULL), NULL), 200);
	ck_assert_int_eq(status_of(&k, "POST", cpath(img, NULL), "{\"body\":\"x\"}"), 403);
	ck_assert_int_eq(status_of(&k, "PUT", cpath(img, c), "{\"body\":\"x\"}"), 403);
	ck_assert_int_eq(status_of(&k, "DELETE", cpath(img, c), NULL), 403);
	after = rows_of(img);
	ck_assert_str_eq(after, before);
	free(after);
	free(before);
	who_free(&k);
	who_free(&a);
}
END_TEST

IT_MAIN("comments", NULL,
    IT_TCASE("comments", 120, &thread_order_and_pages, &edit_by_author_only, &delete_rules,
	&body_kept_byte_for_byte, &body_length_in_characters, &bad_parent_id, &stranger_404_everywhere,
	&activity_events, &hourly_cap, &comments_follow_image_and_account,
	&read_scope_key_reads_only))
