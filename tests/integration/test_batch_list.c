/*
 * test_batch_list.c — GET /api/batch pages with lib/db/page.h: the status
 * filter applies before the page's limit (a page is full while more
 * matching batches exist, and next_cursor leads to the rest), and a
 * cursor that was edited is refused with 400 naming `cursor`; the admin's
 * event list pages with the same helper.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/util.h"
#include "tests/integration/itest.h"

static const char *
next_source(void)
{
	return it_source(60, 50, 100);
}

/* One page of the caller's batches: its ids appended to seen (count in
 * *nseen), its next_cursor (NULL on the last page; caller frees). */
static char *
page(const char *token, const char *query, char seen[][40], int *nseen, int *nrows)
{
	char path[512];
	it_resp r;
	json_object *o, *list, *next;
	char *cursor = NULL;

	snprintf(path, sizeof(path), "/api/batch?%s", query);
	it_json(&r, next_source(), "GET", path, token, NULL);
	ck_assert_msg(r.status == 200, "list: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	ck_assert(json_object_object_get_ex(o, "batches", &list));
	ck_assert(json_object_object_get_ex(o, "next_cursor", &next));
	*nrows = (int)json_object_array_length(list);
	for (int i = 0; i < *nrows; i++) {
		json_object *b = json_object_array_get_idx(list, (size_t)i);
		ck_assert_str_eq(it_jstr(b, "status", NULL), "completed");
		snprintf(seen[(*nseen)++], 40, "%s", it_jstr(b, "batch_id", NULL));
	}
	if (next != NULL)
		cursor = ig_xstrdup(json_object_get_string(next));
	json_object_put(o);
	it_resp_free(&r);
	return cursor;
}

/* Five finished batches, then three newer canceled ones: with
 * status=completed and limit=2 the pages hold 2, 2 and 1 batches, every
 * finished one once, newest first. (Filtering after the LIMIT gave an
 * empty first page.) */
START_TEST(filter_applies_before_the_limit)
{
	char name[64], *token, *uid, *cursor, query[512], seen[16][40];
	int nseen = 0, n;
	char *want;

	token = it_new_user("bl", next_source(), name);
	uid = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
	free(it_psql("INSERT INTO batches (user_id, name, total, settings, canceled, created_at, completed_at)"
	    " SELECT '%s', 'b' || g, 1, '{\"api_provider\": \"openai\"}', g > 5,"
	    " now() - make_interval(mins => 10 - g), now() FROM generate_series(1, 8) g", it_sql_safe(uid)));
	cursor = page(token, "limit=2&status=completed", seen, &nseen, &n);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(cursor);
	for (int pages = 1; cursor != NULL; pages++) {
		char *c = cursor;
		ck_assert_int_lt(pages, 5);
		snprintf(query, sizeof(query), "limit=2&status=completed&cursor=%s", c);
		cursor = page(token, query, seen, &nseen, &n);
		ck_assert_int_eq(n, cursor != NULL ? 2 : 1);
		free(c);
	}
	ck_assert_int_eq(nseen, 5);
	want = it_psql("SELECT string_agg(id::text, ',' ORDER BY created_at DESC) FROM batches"
	    " WHERE user_id = '%s' AND NOT canceled", it_sql_safe(uid));
	{
		char got[512] = "";
		for (int i = 0; i < nseen; i++) {
			strcat(got, i ? "," : "");
			strcat(got, seen[i]);
		}
		ck_assert_str_eq(got, want);
	}
	/* Without the filter the canceled ones come first, in pages of 3. */
	nseen = 0;
	{
		char *c = NULL;
		it_resp r;
		snprintf(query, sizeof(query), "/api/batch?limit=3");
		it_json(&r, next_source(), "GET", query, token, NULL);
		ck_assert_int_eq(r.status, 200);
		json_object *o = it_json_body(&r);
		json_object *list = json_object_object_get(o, "batches");
		ck_assert_int_eq(json_object_array_length(list), 3);
		ck_assert_str_eq(it_jstr(json_object_array_get_idx(list, 0), "status", NULL), "canceled");
		ck_assert_ptr_nonnull(json_object_object_get(o, "next_cursor"));
		c = ig_xstrdup(json_object_get_string(json_object_object_get(o, "next_cursor")));
		json_object_put(o);
		it_resp_free(&r);
		snprintf(query, sizeof(query), "limit=3&cursor=%s", c);
		free(c);
		c = page(token, query, seen, &nseen, &n);
		ck_assert_int_eq(n, 3);
		ck_assert_ptr_nonnull(c);
		free(c);
	}
	free(want);
	free(uid);
	free(token);
}
END_TEST

/* An edited cursor, a made-up one and a batch id (the old cursor) are
 * refused with 400 naming cursor. */
START_TEST(tampered_cursor_is_400)
{
	char name[64], *token, *uid, *cursor, path[512], seen[16][40];
	const char *bad[4];
	int nseen = 0, n;
	it_resp r;

	token = it_new_user("bl", next_source(), name);
	uid = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
	free(it_psql("INSERT INTO batches (user_id, total, settings, created_at)"
	    " SELECT '%s', 1, '{}', now() - make_interval(mins => g) FROM generate_series(1, 3) g", it_sql_safe(uid)));
	cursor = page(token, "limit=1", seen, &nseen, &n);
	ck_assert_ptr_nonnull(cursor);
	/* Flip one character of the (sort key, id) part. */
	{
		char *edited = ig_xstrdup(cursor), *forged;
		edited[3] = edited[3] == 'A' ? 'B' : 'A';
		forged = ig_xstrdup(cursor);
		forged[strlen(forged) - 2] = forged[strlen(forged) - 2] == 'A' ? 'B' : 'A';
		bad[0] = edited;
		bad[1] = forged;
		bad[2] = seen[0];
		bad[3] = "bm90IGEgY3Vyc29y.AAAA";
		for (int i = 0; i < 4; i++) {
			json_object *o;
			snprintf(path, sizeof(path), "/api/batch?limit=1&cursor=%s", bad[i]);
			it_json(&r, next_source(), "GET", path, token, NULL);
			ck_assert_msg(r.status == 400, "cursor %s: %ld %s", bad[i], r.status, r.body.data);
			o = it_json_body(&r);
			ck_assert_str_eq(it_jstr(o, "error", "field"), "cursor");
			json_object_put(o);
			it_resp_free(&r);
		}
		free(edited);
		free(forged);
	}
	/* The real one still works. */
	snprintf(path, sizeof(path), "/api/batch?limit=1&cursor=%s", cursor);
	it_json(&r, next_source(), "GET", path, token, NULL);
	ck_assert_int_eq(r.status, 200);
	it_resp_free(&r);
	free(cursor);
	free(uid);
	free(token);
}
END_TEST

/* The admin's event list pages with the same helper: five events of one
 * user in pages of 2, 2 and 1, newest first; an edited cursor or a bare
 * event id is a 400 naming cursor. */
START_TEST(event_list_pages)
{
	char name[64], *token, *uid, *cursor = NULL, path[512], seen[16][40], *want;
	int nseen = 0;

	token = it_new_user("bl", next_source(), name);
	uid = it_psql("WITH a AS (UPDATE users SET role = 'admin' WHERE username = '%s' RETURNING id) SELECT id FROM a",
	    it_sql_safe(name));
	free(it_psql("INSERT INTO events (user_id, event_type, message, metadata)"
	    " SELECT '%s', 'ui_action', 'e' || g, '{}' FROM generate_series(1, 5) g", it_sql_safe(uid)));
	for (int pages = 0; pages == 0 || cursor != NULL; pages++) {
		it_resp r;
		json_object *o, *list, *next;
		int n;
		ck_assert_int_lt(pages, 4);
		snprintf(path, sizeof(path), "/api/monitoring/events?user_id=%s&limit=2%s%s", uid,
		    cursor ? "&cursor=" : "", cursor ? cursor : "");
		it_json(&r, next_source(), "GET", path, token, NULL);
		ck_assert_msg(r.status == 200, "events: %ld %s", r.status, r.body.data);
		o = it_json_body(&r);
		list = json_object_object_get(o, "events");
		n = (int)json_object_array_length(list);
		for (int i = 0; i < n; i++)
			snprintf(seen[nseen++], 40, "%s", json_object_get_string(
			    json_object_object_get(json_object_array_get_idx(list, (size_t)i), "message")));
		ck_assert(json_object_object_get_ex(o, "next_cursor", &next));
		if (pages == 0 && next != NULL) {
			/* An edited cursor and a bare id are refused. */
			const char *c = json_object_get_string(next);
			char *edited = ig_xstrdup(c);
			edited[1] = edited[1] == 'A' ? 'B' : 'A';
			for (int k = 0; k < 2; k++) {
				it_resp b;
				json_object *bo;
				snprintf(path, sizeof(path), "/api/monitoring/events?user_id=%s&limit=2&cursor=%s", uid,
				    k == 0 ? edited : "999999999");
				it_json(&b, next_source(), "GET", path, token, NULL);
				ck_assert_msg(b.status == 400, "cursor %d: %ld %s", k, b.status, b.body.data);
				bo = it_json_body(&b);
				ck_assert_str_eq(it_jstr(bo, "error", "field"), "cursor");
				json_object_put(bo);
				it_resp_free(&b);
			}
			free(edited);
		}
		free(cursor);
		cursor = next != NULL ? ig_xstrdup(json_object_get_string(next)) : NULL;
		ck_assert_int_eq(n, cursor != NULL ? 2 : 1);
		json_object_put(o);
		it_resp_free(&r);
	}
	ck_assert_int_eq(nseen, 5);
	want = it_psql("SELECT string_agg(message, ',' ORDER BY id DESC) FROM events WHERE user_id = '%s'",
	    it_sql_safe(uid));
	{
		char got[256] = "";
		for (int i = 0; i < nseen; i++) {
			strcat(got, i ? "," : "");
			strcat(got, seen[i]);
		}
		ck_assert_str_eq(got, want);
	}
	free(want);
	free(uid);
	free(token);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("batch_list");
	TCase *tc = tcase_create("batch_list");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_applies_before_the_limit);
	tcase_add_test(tc, tampered_cursor_is_400);
	tcase_add_test(tc, event_list_pages);
	suite_add_tcase(s, tc);
	return it_run(s);
}
