/*
 * test_gallery.c — the gallery through nginx (API.md "Images, gallery and
 * files"): GET /api/files/gallery with its filters, search in English and
 * Chinese, cursor pages and total; GET and PATCH /api/images/{id} with
 * parameters, PNG metadata and lineage; POST /api/files/organize all or
 * nothing; DELETE /api/files/delete/{file_id} taking the file and its
 * thumbnail. Every route is tried by another user too: 404 (400 naming the
 * id for organize), and the row unchanged.
 *
 * Rows the filters and pages need are inserted with SQL (one statement
 * each); images whose files matter are generated with the builtin
 * provider. Lineage is set with SQL (parent_id, operation) until
 * POST /api/image/process exists to make it.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/util.h"
#include "tests/integration/itest.h"

static const char *
next_source(void)
{
	static char ip[32];
	static int n;

	snprintf(ip, sizeof(ip), "127.%d.%d.%d", 110 + (int)(getpid() % 50), 100 + n / 250, 1 + n % 250);
	n++;
	return ip;
}

/* A new user: its token (caller frees) and id (uid, 37 bytes). */
static char *
user(const char *prefix, char *uid)
{
	char name[64], *token = it_new_user(prefix, next_source(), name), *id;

	id = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
	snprintf(uid, 37, "%s", id);
	free(id);
	return token;
}

/* Insert n images of uid with SQL: prompt, and for the g-th (1..n) the
 * extra columns of cols_sql (an SQL expression list over g, e.g.
 * "ARRAY['a'], g % 6"), created g minutes ago. */
static void
insert_rows(const char *uid, int n, const char *prompt_sql, const char *extra_cols, const char *extra_vals)
{
	free(it_psql("INSERT INTO images (user_id, idx, filename, prompt, provider, model, width, height, size_bytes,"
	    " sha256, mime_type, created_at%s%s)"
	    " SELECT '%s', 0, 'gal_' || md5(random()::text || g), %s, CASE WHEN g %% 2 = 0 THEN 'openai' ELSE 'builtin' END,"
	    " 'm', 64, 64, 100, 'x', 'image/png', now() - make_interval(mins => g)%s%s"
	    " FROM generate_series(1, %d) g",
	    *extra_cols ? ", " : "", extra_cols, it_sql_safe(uid), prompt_sql, *extra_vals ? ", " : "", extra_vals, n));
}

/* GET path as token: status want, the body parsed (caller puts). */
static json_object *
get_json(const char *path, const char *token, long want)
{
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "GET", path, token, NULL);
	ck_assert_msg(r.status == want, "GET %s: want %ld, got %ld: %s", path, want, r.status, r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* GET path as token: an error answer of this status, code and field (NULL:
 * any). */
static void
get_error(const char *path, const char *token, long status, const char *code, const char *field)
{
	it_resp r;

	it_json(&r, next_source(), "GET", path, token, NULL);
	it_expect_error(&r, status, code, field, NULL);
	it_resp_free(&r);
}

/* The ids of a gallery answer, joined with "," into out. */
static int
ids_of(json_object *o, char *out, size_t outlen)
{
	json_object *list = it_jneed(o, "images", json_type_array);
	size_t n = json_object_array_length(list), used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? "," : "",
		    it_js(json_object_array_get_idx(list, i), "id"));
	return (int)n;
}

/* Generate count builtin images as token; their ids in idx order joined
 * with "," (caller frees). */
static char *
generate(const char *token, const char *prompt, int count)
{
	it_resp r;
	json_object *o;
	char *ids;

	it_json(&r, next_source(), "POST", "/api/generate-image", token,
	    "{\"prompt\":\"%s\",\"api_provider\":\"builtin\",\"image_count\":%d,\"seed\":7}", prompt, count);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ids = it_psql("SELECT string_agg(id::text, ',' ORDER BY idx) FROM images WHERE job_id = '%s'",
	    it_sql_safe(it_js(o, "generation_id")));
	json_object_put(o);
	it_resp_free(&r);
	return ids;
}

static int
file_exists(const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", it_env("IG_IMAGE_DIR"), name);
	return stat(path, &st) == 0;
}

/* The caller's generated images are listed with their fields and a
 * thumbnail_url that serves the 256-px thumbnail; another user sees none
 * of them. */
START_TEST(gallery_lists_own_images_with_thumbnails)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = user("gla", uid), *b = user("glb", uid2), *ids, *thumb, path[512];
	json_object *o, *it;

	ids = generate(a, "a lighthouse at dusk", 2);
	thumb = it_thumbnail_of(strchr(ids, ',') + 1);
	ids[36] = '\0';
	free(it_thumbnail_of(ids));
	o = get_json("/api/files/gallery", a, 200);
	ck_assert_int_eq(it_jint(o, "total"), 2);
	ck_assert_int_eq(it_jbool(o, "total_is_estimate"), 0);
	ck_assert(json_object_is_type(it_jpath(o, "next_cursor"), json_type_null) || !it_jpath(o, "next_cursor"));
	it = it_jneed(o, "images.0", json_type_object);
	ck_assert_str_eq(it_js(it, "prompt"), "a lighthouse at dusk");
	ck_assert_str_eq(it_js(it, "provider"), "builtin");
	ck_assert_str_eq(it_js(it, "operation"), "generate");
	ck_assert_int_eq(it_jint(it, "rating"), 0);
	ck_assert_int_eq(it_jbool(it, "favorite"), 0);
	ck_assert_int_eq((int)json_object_array_length(it_jneed(it, "tags", json_type_array)), 0);
	ck_assert(it_jint(it, "size_bytes") > 0);
	/* Seeds 7 and 8: the job's seed, then one more per image. */
	ck_assert(it_jint(it, "seed") == 7 || it_jint(it, "seed") == 8);
	snprintf(path, sizeof(path), "/generated_images/%s", it_js(it, "filename"));
	ck_assert_str_eq(it_js(it, "url"), path);
	ck_assert_int_eq((int)it_get_status(next_source(), it_js(it, "url"), NULL), 200);
	/* The thumbnail of each is served. */
	for (int i = 0; i < 2; i++) {
		char key[32];
		snprintf(key, sizeof(key), "images.%d.thumbnail_url", i);
		ck_assert_msg(strstr(it_js(o, key), ".thumb.png") != NULL, "%s", it_js(o, key));
		ck_assert_int_eq((int)it_get_status(next_source(), it_js(o, key), NULL), 200);
	}
	ck_assert(strstr(it_js(o, "images.0.thumbnail_url"), thumb) != NULL ||
	    strstr(it_js(o, "images.1.thumbnail_url"), thumb) != NULL);
	json_object_put(o);
	o = get_json("/api/files/gallery", b, 200);
	ck_assert_int_eq(it_jint(o, "total"), 0);
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "images", json_type_array)), 0);
	json_object_put(o);
	ck_assert_int_eq((int)it_get_status(next_source(), "/api/files/gallery", NULL), 401);
	free(ids);
	free(thumb);
	free(a);
	free(b);
}
END_TEST

/* GET the gallery with q (URL-encoded) as token: exactly the one image of
 * this prompt, or none when prompt is NULL. */
static void
search(const char *token, const char *q, const char *prompt)
{
	char path[512], got[4096];
	json_object *o;

	snprintf(path, sizeof(path), "/api/files/gallery?q=%s", q);
	o = get_json(path, token, 200);
	ck_assert_int_eq(ids_of(o, got, sizeof(got)), prompt ? 1 : 0);
	ck_assert_int_eq(it_jint(o, "total"), prompt ? 1 : 0);
	if (prompt)
		ck_assert_str_eq(it_js(o, "images.0.prompt"), prompt);
	json_object_put(o);
}

/* q is a case-insensitive substring over prompt, negative prompt, title
 * and tags, in any script: 夕陽 finds 山上的夕陽 (a word-based parser
 * would not split it), one character finds too, and another user's
 * matching rows stay out. */
START_TEST(search_in_english_and_chinese)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = user("gqa", uid), *b = user("gqb", uid2);

	insert_rows(uid, 1, "'山上的夕陽'", "", "");
	insert_rows(uid, 1, "'A red Fox in snow'", "negative_prompt", "'blurry 汚れ'");
	insert_rows(uid, 1, "'abc'", "title, tags", "'Sunset Study', ARRAY['海辺', 'beach']");
	insert_rows(uid2, 1, "'山上的夕陽 too'", "", "");
	search(a, "%E5%A4%95%E9%99%BD", "山上的夕陽");      /* 夕陽 */
	search(a, "%E9%99%BD", "山上的夕陽");               /* 陽: one character */
	search(a, "%E5%A4%95%E6%97%A5", NULL);              /* 夕日: not there */
	search(a, "red+FOX", "A red Fox in snow");
	search(a, "%E6%B1%9A%E3%82%8C", "A red Fox in snow");  /* 汚れ, in the negative prompt */
	search(a, "sunset", "abc");                         /* the title */
	search(a, "%E6%B5%B7%E8%BE%BA", "abc");             /* 海辺, a tag */
	search(b, "%E5%A4%95%E9%99%BD", "山上的夕陽 too");   /* only b's own */
	get_error("/api/files/gallery?q=", a, 400, "invalid_request", "q");
	free(a);
	free(b);
}
END_TEST

/* Walk every page of query (limit within it): each page but the last is
 * full, ids never repeat; the ids in order joined into out, the number of
 * pages into *pages. */
static int
walk(const char *token, const char *query, int limit, char *out, size_t outlen, int *pages)
{
	char path[1024], *cursor = NULL, got[8192];
	int total = 0, used = 0;

	out[0] = '\0';
	*pages = 0;
	for (;;) {
		json_object *o, *next;
		int n;
		snprintf(path, sizeof(path), "/api/files/gallery?%s&limit=%d%s%s", query, limit, cursor ? "&cursor=" : "",
		    cursor ? cursor : "");
		free(cursor);
		cursor = NULL;
		o = get_json(path, token, 200);
		n = ids_of(o, got, sizeof(got));
		(*pages)++;
		ck_assert_int_lt(*pages, 100);
		next = it_jpath(o, "next_cursor");
		if (next != NULL && json_object_is_type(next, json_type_string)) {
			ck_assert_msg(n == limit, "a page of %d rows while more exist (%s)", n, path);
			cursor = ig_xstrdup(json_object_get_string(next));
		}
		if (n > 0)
			used += snprintf(out + used, outlen - (size_t)used, "%s%s", total ? "," : "", got);
		total += n;
		json_object_put(o);
		if (cursor == NULL)
			return total;
	}
}

/* Each filter applies in SQL before the LIMIT: with limit=4 every page
 * but the last is full, the pages hold exactly the rows SQL selects, in
 * the order asked; tag is repeatable and all must match. */
START_TEST(filters_and_cursor_pages)
{
	char uid[IG_UUID_BUF], *a = user("gfa", uid), got[8192], *want, q[512];
	int n, pages;
	json_object *o;

	/* 40 rows: tags a (g%2), b (g%3), rating g%6, favorite g%4=0,
	 * folder f1 for g%5=0, provider openai for even g. */
	insert_rows(uid, 40, "'p' || g", "tags, rating, favorite, folder",
	    "array_remove(ARRAY[CASE WHEN g % 2 = 0 THEN 'a' END, CASE WHEN g % 3 = 0 THEN 'b' END], NULL),"
	    " g % 6, g % 4 = 0, CASE WHEN g % 5 = 0 THEN 'f1' END");
	struct {
		const char *query, *where, *order;
	} cases[] = {
		{ "tag=a&tag=b", "tags @> ARRAY['a','b']", "created_at DESC, id DESC" },
		{ "tag=a", "'a' = ANY(tags)", "created_at DESC, id DESC" },
		{ "min_rating=4", "rating >= 4", "created_at DESC, id DESC" },
		{ "favorite=true", "favorite", "created_at DESC, id DESC" },
		{ "favorite=false", "NOT favorite", "created_at DESC, id DESC" },
		{ "folder=f1", "folder = 'f1'", "created_at DESC, id DESC" },
		{ "provider=openai&tag=b", "provider = 'openai' AND 'b' = ANY(tags)", "created_at DESC, id DESC" },
		{ "sort=rating", "true", "rating DESC, created_at DESC, id DESC" },
		{ "sort=rating&order=asc&tag=a", "'a' = ANY(tags)", "rating, created_at, id" },
		{ "order=asc&min_rating=1", "rating >= 1", "created_at, id" },
		{ "q=p1", "prompt LIKE 'p1%'", "created_at DESC, id DESC" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		want = it_psql("SELECT coalesce(string_agg(id::text, ',' ORDER BY %s), '') FROM images"
		    " WHERE user_id = '%s' AND %s", cases[c].order, uid, cases[c].where);
		n = walk(a, cases[c].query, 4, got, sizeof(got), &pages);
		ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", cases[c].query, got, want);
		printf("filter %-30s %2d rows in %d pages\n", cases[c].query, n, pages);
		snprintf(q, sizeof(q), "/api/files/gallery?%s&limit=1", cases[c].query);
		o = get_json(q, a, 200);
		ck_assert_int_eq(it_jint(o, "total"), n);
		json_object_put(o);
		free(want);
	}
	/* from/to: the rows created between 10 and 20 minutes ago. */
	want = it_psql("SELECT string_agg(id::text, ',' ORDER BY created_at DESC, id DESC) FROM images"
	    " WHERE user_id = '%s' AND created_at BETWEEN now() - interval '20 min 30 s' AND now() - interval '9 min 30 s'",
	    uid);
	{
		char *from = it_psql("SELECT to_char((now() - interval '20 min 30 s') AT TIME ZONE 'UTC',"
		    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
		char *to = it_psql("SELECT to_char((now() - interval '9 min 30 s') AT TIME ZONE 'UTC',"
		    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
		snprintf(q, sizeof(q), "from=%s&to=%s", from, to);
		walk(a, q, 4, got, sizeof(got), &pages);
		ck_assert_str_eq(got, want);
		free(from);
		free(to);
	}
	free(want);
	/* A cursor of one order is refused by another; bad values name their
	 * parameter. */
	o = get_json("/api/files/gallery?limit=2", a, 200);
	snprintf(q, sizeof(q), "/api/files/gallery?limit=2&sort=rating&cursor=%s", it_js(o, "next_cursor"));
	json_object_put(o);
	get_error(q, a, 400, "invalid_request", "cursor");
	{
		const char *bad[][2] = { { "min_rating=6", "min_rating" }, { "sort=size", "sort" }, { "order=up", "order" },
			{ "from=yesterday", "from" }, { "to=2024-13-01T00:00:00Z", "to" }, { "limit=101", "limit" },
			{ "project_id=x", "project_id" }, { "favorite=maybe", "favorite" }, { "tag=", "tag" } };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(q, sizeof(q), "/api/files/gallery?%s", bad[i][0]);
			get_error(q, a, 400, "invalid_request", bad[i][1]);
		}
	}
	free(a);
}
END_TEST

/* Past 10,000 matching rows the total stops counting: 10,000 with
 * total_is_estimate; at 10,000 exactly it is exact. */
START_TEST(total_is_exact_up_to_ten_thousand)
{
	char uid[IG_UUID_BUF], *a = user("gta", uid);
	json_object *o;

	insert_rows(uid, 10000, "'t'", "", "");
	o = get_json("/api/files/gallery?limit=1", a, 200);
	ck_assert_int_eq(it_jint(o, "total"), 10000);
	ck_assert_int_eq(it_jbool(o, "total_is_estimate"), 0);
	json_object_put(o);
	insert_rows(uid, 5, "'t'", "", "");
	o = get_json("/api/files/gallery?limit=1", a, 200);
	ck_assert_int_eq(it_jint(o, "total"), 10000);
	ck_assert_int_eq(it_jbool(o, "total_is_estimate"), 1);
	json_object_put(o);
	free(a);
}
END_TEST

/* The organize columns of id, as text, to compare before and after. */
static char *
state_of(const char *id)
{
	return it_psql("SELECT concat_ws('|', title, tags::text, rating, favorite, folder, project_id)"
	    " FROM images WHERE id = '%s'", it_sql_safe(id));
}

/* Every id must be the caller's or nothing changes (400 naming the first
 * that is not, in the list's order); then each change applies to all. */
START_TEST(organize_all_or_nothing)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = user("goa", uid), *b = user("gob", uid2), *mine, *theirs, *s1, *s2, *t1, *t2;
	char m1[IG_UUID_BUF], m2[IG_UUID_BUF];
	it_resp r;
	json_object *o;

	insert_rows(uid, 2, "'o'", "tags", "ARRAY['keep', 'old']");
	insert_rows(uid2, 1, "'o'", "", "");
	mine = it_psql("SELECT string_agg(id::text, ',' ORDER BY created_at DESC) FROM images WHERE user_id = '%s'", uid);
	theirs = it_psql("SELECT id FROM images WHERE user_id = '%s'", uid2);
	snprintf(m1, sizeof(m1), "%.36s", mine);
	snprintf(m2, sizeof(m2), "%.36s", mine + 37);
	s1 = state_of(m1);
	s2 = state_of(m2);
	t1 = state_of(theirs);
	/* Another's id in the middle: 400 naming it, nothing changed. */
	it_json(&r, next_source(), "POST", "/api/files/organize", a,
	    "{\"image_ids\":[\"%s\",\"%s\",\"%s\"],\"folder\":\"x\",\"tags_add\":[\"new\"],\"rating\":5}", m1, theirs, m2);
	it_expect_error(&r, 400, "invalid_request", "image_ids", &o);
	ck_assert_msg(strstr(it_js(o, "error.message"), theirs) != NULL, "%s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);
	/* An unknown id and a malformed one: the first is named. */
	it_json(&r, next_source(), "POST", "/api/files/organize", a,
	    "{\"image_ids\":[\"%s\",\"nope\",\"00000000-0000-4000-8000-000000000000\"],\"favorite\":true}", m1);
	it_expect_error(&r, 400, "invalid_request", "image_ids", &o);
	ck_assert_msg(strstr(it_js(o, "error.message"), "nope") != NULL, "%s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);
	t2 = state_of(m1);
	ck_assert_str_eq(t2, s1);
	free(t2);
	t2 = state_of(m2);
	ck_assert_str_eq(t2, s2);
	free(t2);
	t2 = state_of(theirs);
	ck_assert_str_eq(t2, t1);
	free(t2);
	/* The other user cannot organize the first's images either. */
	it_json(&r, next_source(), "POST", "/api/files/organize", b, "{\"image_ids\":[\"%s\"],\"rating\":1}", m1);
	it_expect_error(&r, 400, "invalid_request", "image_ids", NULL);
	it_resp_free(&r);
	t2 = state_of(m1);
	ck_assert_str_eq(t2, s1);
	free(t2);
	/* All mine: each change on both (into a project of a's own: issue 13
	 * lets only its editors and owner put images in it). */
	free(it_psql("INSERT INTO projects (id, owner_id, name) VALUES ('11111111-1111-4111-8111-111111111111', '%s', 'trips')"
	    " ON CONFLICT (id) DO UPDATE SET owner_id = EXCLUDED.owner_id", uid));
	it_json(&r, next_source(), "POST", "/api/files/organize", a,
	    "{\"image_ids\":[\"%s\",\"%s\"],\"folder\":\"trips\",\"tags_add\":[\"new\",\"旅行\"],"
	    "\"tags_remove\":[\"old\"],\"favorite\":true,\"rating\":4,"
	    "\"project_id\":\"11111111-1111-4111-8111-111111111111\"}", m1, m2);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_int_eq(it_jint(o, "updated"), 2);
	json_object_put(o);
	it_resp_free(&r);
	t2 = state_of(m1);
	ck_assert_str_eq(t2, "{keep,new,旅行}|4|t|trips|11111111-1111-4111-8111-111111111111");
	free(t2);
	t2 = state_of(m2);
	ck_assert_str_eq(t2, "{keep,new,旅行}|4|t|trips|11111111-1111-4111-8111-111111111111");
	free(t2);
	/* folder null takes them out; what is not named stays. */
	it_json(&r, next_source(), "POST", "/api/files/organize", a,
	    "{\"image_ids\":[\"%s\"],\"folder\":null,\"project_id\":null}", m1);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	t2 = state_of(m1);
	ck_assert_str_eq(t2, "{keep,new,旅行}|4|t");
	free(t2);
	/* Adding past 32 tags: 400 naming tags_add, nothing changed. */
	{
		char body[2048];
		int used = snprintf(body, sizeof(body), "{\"image_ids\":[\"%s\",\"%s\"],\"tags_add\":[", m2, m1);
		for (int i = 0; i < 30; i++)
			used += snprintf(body + used, sizeof(body) - (size_t)used, "%s\"t%d\"", i ? "," : "", i);
		snprintf(body + used, sizeof(body) - (size_t)used, "]}");
		it_json(&r, next_source(), "POST", "/api/files/organize", a, "%s", body);
		it_expect_error(&r, 400, "invalid_request", "tags_add", NULL);
		it_resp_free(&r);
		t2 = state_of(m1);
		ck_assert_str_eq(t2, "{keep,new,旅行}|4|t");
		free(t2);
	}
	/* Bounds name their field. */
	{
		const char *bad[][2] = { { "{\"image_ids\":[]}", "image_ids" }, { "{\"rating\":1}", "image_ids" },
			{ "{\"image_ids\":[\"%s\"],\"rating\":6}", "rating" },
			{ "{\"image_ids\":[\"%s\"],\"tags_add\":[\"\"]}", "tags_add" },
			{ "{\"image_ids\":[\"%s\"],\"tags_remove\":[\"a,b\"]}", "tags_remove" },
			{ "{\"image_ids\":[\"%s\"],\"folder\":\"\"}", "folder" },
			{ "{\"image_ids\":[\"%s\"],\"project_id\":\"p\"}", "project_id" },
			{ "{\"image_ids\":[\"%s\"],\"color\":\"red\"}", "color" } };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char body[512];
			snprintf(body, sizeof(body), bad[i][0], m1);
			it_json(&r, next_source(), "POST", "/api/files/organize", a, "%s", body);
			it_expect_error(&r, 400, "invalid_request", bad[i][1], NULL);
			it_resp_free(&r);
		}
	}
	free(s1);
	free(s2);
	free(t1);
	free(mine);
	free(theirs);
	free(a);
	free(b);
}
END_TEST

/* GET /api/images/{id}: the row, the job's parameters, the PNG's imagegen
 * chunk, lineage both ways; another user (and a made-up id) gets 404. */
START_TEST(image_detail_and_lineage)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = user("gda", uid), *b = user("gdb", uid2), *ids, path[256], c[IG_UUID_BUF];
	json_object *o;

	ids = generate(a, "a paper boat", 2);
	snprintf(c, sizeof(c), "%s", strchr(ids, ',') + 1);
	ids[36] = '\0';
	snprintf(path, sizeof(path), "/api/images/%s", ids);
	o = get_json(path, a, 200);
	ck_assert_str_eq(it_js(o, "image.id"), ids);
	ck_assert_str_eq(it_js(o, "image.prompt"), "a paper boat");
	ck_assert_str_eq(it_js(o, "image.parameters.prompt"), "a paper boat");
	ck_assert_str_eq(it_js(o, "image.metadata.provider"), "builtin");
	ck_assert_int_eq(it_jint(o, "image.metadata.seed"), 7);
	ck_assert_str_eq(it_js(o, "image.mime_type"), "image/png");
	ck_assert_str_eq(it_js(o, "image.operation"), "generate");
	ck_assert(json_object_is_type(it_jpath(o, "image.parent_id"), json_type_null));
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "image.children", json_type_array)), 0);
	json_object_put(o);
	/* Lineage as POST /api/image/process will write it (set here with
	 * SQL until that route exists). */
	free(it_psql("UPDATE images SET parent_id = '%s', operation = 'process' WHERE id = '%s'", ids, c));
	o = get_json(path, a, 200);
	ck_assert_str_eq(it_js(o, "image.children.0"), c);
	ck_assert_int_eq((int)json_object_array_length(it_jneed(o, "image.children", json_type_array)), 1);
	json_object_put(o);
	snprintf(path, sizeof(path), "/api/images/%s", c);
	o = get_json(path, a, 200);
	ck_assert_str_eq(it_js(o, "image.parent_id"), ids);
	ck_assert_str_eq(it_js(o, "image.operation"), "process");
	json_object_put(o);
	/* Another user, a made-up id, a malformed one: 404. */
	get_error(path, b, 404, "not_found", NULL);
	get_error("/api/images/00000000-0000-4000-8000-000000000000", a, 404, "not_found", NULL);
	get_error("/api/images/nope", a, 404, "not_found", NULL);
	free(ids);
	free(a);
	free(b);
}
END_TEST

/* PATCH changes what it names, bounds name their field, another user gets
 * 404 and the row stays as it was. */
START_TEST(patch_image)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = user("gpa", uid), *b = user("gpb", uid2), *id, *s0, *s1, path[256];
	char long_title[202];
	it_resp r;
	json_object *o;

	insert_rows(uid, 1, "'x'", "", "");
	id = it_psql("SELECT id FROM images WHERE user_id = '%s'", uid);
	snprintf(path, sizeof(path), "/api/images/%s", id);
	it_json(&r, next_source(), "PATCH", path, a,
	    "{\"title\":\"海の朝\",\"rating\":5,\"favorite\":true,\"tags\":[\"b\",\"a\",\"b\"],\"folder\":\"f\"}");
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "image.title"), "海の朝");
	ck_assert_int_eq(it_jint(o, "image.rating"), 5);
	ck_assert_int_eq(it_jbool(o, "image.favorite"), 1);
	ck_assert_str_eq(it_js(o, "image.tags.0"), "a");
	ck_assert_str_eq(it_js(o, "image.tags.1"), "b");
	ck_assert_str_eq(it_js(o, "image.folder"), "f");
	json_object_put(o);
	it_resp_free(&r);
	/* Only what is named changes; null clears title. */
	it_json(&r, next_source(), "PATCH", path, a, "{\"title\":null,\"rating\":0}");
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	s0 = state_of(id);
	ck_assert_str_eq(s0, "{a,b}|0|t|f");
	/* Bounds. */
	memset(long_title, 'x', 201);
	long_title[201] = '\0';
	{
		char body[1024];
		const char *bad[][2] = { { "{\"rating\":6}", "rating" }, { "{\"rating\":-1}", "rating" },
			{ "{\"rating\":\"5\"}", "rating" }, { "{\"favorite\":1}", "favorite" }, { "{\"tags\":[\"\"]}", "tags" },
			{ "{\"tags\":[1]}", "tags" }, { "{\"folder\":\"\"}", "folder" }, { "{\"owner\":\"me\"}", "owner" },
			{ NULL, "title" }, { NULL, "tags" } };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (bad[i][0] != NULL) {
				snprintf(body, sizeof(body), "%s", bad[i][0]);
			} else if (strcmp(bad[i][1], "title") == 0) {
				snprintf(body, sizeof(body), "{\"title\":\"%s\"}", long_title);
			} else {
				int used = snprintf(body, sizeof(body), "{\"tags\":[");
				for (int t = 0; t < 33; t++)
					used += snprintf(body + used, sizeof(body) - (size_t)used, "%s\"t%d\"", t ? "," : "", t);
				snprintf(body + used, sizeof(body) - (size_t)used, "]}");
			}
			it_json(&r, next_source(), "PATCH", path, a, "%s", body);
			it_expect_error(&r, 400, "invalid_request", bad[i][1], NULL);
			it_resp_free(&r);
		}
	}
	/* 200 characters is still a title; 32 tags still fit. */
	long_title[200] = '\0';
	it_json(&r, next_source(), "PATCH", path, a, "{\"title\":\"%s\"}", long_title);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	it_json(&r, next_source(), "PATCH", path, a, "{\"title\":null}");
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	s1 = state_of(id);
	ck_assert_str_eq(s1, s0);
	free(s1);
	/* Another user: 404, the row unchanged. */
	it_json(&r, next_source(), "PATCH", path, b, "{\"rating\":3,\"title\":\"mine\"}");
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	s1 = state_of(id);
	ck_assert_str_eq(s1, s0);
	free(s1);
	free(s0);
	free(id);
	free(a);
	free(b);
}
END_TEST

/* DELETE takes the row, the file and its thumbnail (their URLs answer 404
 * after); a child keeps its row with parent_id null; another user gets
 * 404 and the image, its file and its thumbnail stay. */
START_TEST(delete_removes_row_file_and_thumbnail)
{
	char uid[IG_UUID_BUF], uid2[IG_UUID_BUF], *a = user("gxa", uid), *b = user("gxb", uid2), *ids, *file, *thumb, *n, path[256];
	char url[512], turl[512], c[IG_UUID_BUF];
	it_resp r;
	json_object *o;

	ids = generate(a, "a kite", 2);
	snprintf(c, sizeof(c), "%s", strchr(ids, ',') + 1);
	ids[36] = '\0';
	thumb = it_thumbnail_of(ids);
	free(it_thumbnail_of(c));
	file = it_psql("SELECT filename FROM images WHERE id = '%s'", ids);
	free(it_psql("UPDATE images SET parent_id = '%s', operation = 'variation' WHERE id = '%s'", ids, c));
	snprintf(url, sizeof(url), "/generated_images/%s", file);
	snprintf(turl, sizeof(turl), "/generated_images/%s", thumb);
	ck_assert_int_eq((int)it_get_status(next_source(), url, NULL), 200);
	ck_assert_int_eq((int)it_get_status(next_source(), turl, NULL), 200);
	snprintf(path, sizeof(path), "/api/files/delete/%s", ids);
	/* Another user: 404, everything stays. */
	it_json(&r, next_source(), "DELETE", path, b, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	n = it_psql("SELECT count(*) FROM images WHERE id = '%s'", ids);
	ck_assert_str_eq(n, "1");
	free(n);
	ck_assert(file_exists(file) && file_exists(thumb));
	/* The owner. */
	it_json(&r, next_source(), "DELETE", path, a, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "deleted"), ids);
	json_object_put(o);
	it_resp_free(&r);
	n = it_psql("SELECT count(*) FROM images WHERE id = '%s'", ids);
	ck_assert_str_eq(n, "0");
	free(n);
	ck_assert(!file_exists(file));
	ck_assert(!file_exists(thumb));
	ck_assert_int_eq((int)it_get_status(next_source(), url, NULL), 404);
	ck_assert_int_eq((int)it_get_status(next_source(), turl, NULL), 404);
	/* The child keeps its pixels, without a parent. */
	n = it_psql("SELECT coalesce(parent_id::text, 'null') || ' ' || operation FROM images WHERE id = '%s'", c);
	ck_assert_str_eq(n, "null variation");
	free(n);
	snprintf(path, sizeof(path), "/api/images/%s", c);
	o = get_json(path, a, 200);
	ck_assert_int_eq((int)it_get_status(next_source(), it_js(o, "image.url"), NULL), 200);
	json_object_put(o);
	/* Gone is gone: a second delete and a GET are 404. */
	snprintf(path, sizeof(path), "/api/files/delete/%s", ids);
	it_json(&r, next_source(), "DELETE", path, a, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/images/%s", ids);
	get_error(path, a, 404, "not_found", NULL);
	free(file);
	free(thumb);
	free(ids);
	free(a);
	free(b);
}
END_TEST

/* API keys: read lists and shows; changes need generate (a read-only key
 * gets 403 and the row stays). */
START_TEST(api_key_scopes)
{
	char uid[IG_UUID_BUF], *a = user("gka", uid), *id, *s0, *s1, path[256], key[128];
	it_resp r;
	json_object *o;

	insert_rows(uid, 1, "'scoped'", "", "");
	id = it_psql("SELECT id FROM images WHERE user_id = '%s'", uid);
	it_json(&r, next_source(), "POST", "/api/keys", a, "{\"name\":\"ro\",\"scopes\":[\"read\"]}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	snprintf(key, sizeof(key), "%s", it_js(o, "key"));
	json_object_put(o);
	it_resp_free(&r);
	o = get_json("/api/files/gallery", key, 200);
	ck_assert_int_eq(it_jint(o, "total"), 1);
	json_object_put(o);
	snprintf(path, sizeof(path), "/api/images/%s", id);
	o = get_json(path, key, 200);
	json_object_put(o);
	s0 = state_of(id);
	it_json(&r, next_source(), "PATCH", path, key, "{\"rating\":4}");
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/files/organize", key, "{\"image_ids\":[\"%s\"],\"rating\":4}", id);
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/files/delete/%s", id);
	it_json(&r, next_source(), "DELETE", path, key, NULL);
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	s1 = state_of(id);
	ck_assert_str_eq(s1, s0);
	free(s0);
	free(s1);
	free(id);
	free(a);
}
END_TEST

IT_MAIN("gallery", NULL,
    IT_TCASE("gallery", 120, &gallery_lists_own_images_with_thumbnails, &search_in_english_and_chinese,
	&filters_and_cursor_pages, &total_is_exact_up_to_ten_thousand, &organize_all_or_nothing,
	&image_detail_and_lineage, &patch_image, &delete_removes_row_file_and_thumbnail, &api_key_scopes))
