/*
 * test_jobdata.c — the lib/ modules that hold the generation routes' SQL,
 * called directly against the stack's database: images (ig_image_get,
 * ig_images_of_job, ig_image_add), a job's state, its cache lookup and requested
 * cancellations (lib/jobs/job.h), the assistant's conversations
 * (lib/prompts/conversation.h) and LISTEN for a loop of its own
 * (lib/db/listen.h). Rows come from real generations through the API, or
 * from psql where the API has no way to make them.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/db/db.h"
#include "lib/db/listen.h"
#include "lib/gallery/images.h"
#include "lib/jobs/job.h"
#include "lib/jobs/queue.h"
#include "lib/prompts/conversation.h"
#include "tests/integration/itest.h"

/* Outside the tests (it_env asserts): fails the program when unset. */
static int
init(void)
{
	const char *url = getenv("IG_DATABASE_URL");

	if (url == NULL || *url == '\0') {
		fprintf(stderr, "IG_DATABASE_URL is not set: run through scripts/test\n");
		return 1;
	}
	ig_db_setup(url, 10000, "test_jobdata");
	return 0;
}

/* A generation of count images through the API (builtin provider, a
 * fresh prompt, so not from the cache); its generation_id into job_id and
 * the response's images (put by the caller) into *imgs. */
static void
generate(int count, char job_id[IG_UUID_BUF], json_object **body)
{
	static int n;
	it_resp r;
	char ip[32];

	snprintf(ip, sizeof(ip), "127.%d.9.%d", 60 + (int)(getpid() % 60), 1 + n % 250);
	it_json(&r, ip, "POST", "/api/generate-image", NULL,
	    "{\"prompt\":\"jobdata %d-%d\",\"api_provider\":\"builtin\",\"image_count\":%d,\"seed\":%d}",
	    (int)getpid(), ++n, count, 4242);
	ck_assert_msg(r.status == 200, "status %ld, body %s", r.status, r.body.data);
	*body = it_json_body(&r);
	snprintf(job_id, IG_UUID_BUF, "%s", it_js(*body, "generation_id"));
	it_resp_free(&r);
}

START_TEST(images_of_a_job_are_its_rows_in_order)
{
	char job[IG_UUID_BUF];
	json_object *b, *imgs;
	ig_image *im, one;
	int n;
	ig_err err;

	generate(3, job, &b);
	imgs = it_jneed(b, "images", json_type_array);
	ck_assert_int_eq(ig_images_of_job(job, &im, &n, &err), 0);
	ck_assert_int_eq(n, 3);
	for (int i = 0; i < n; i++) {
		json_object *j = json_object_array_get_idx(imgs, (size_t)i);
		ck_assert_str_eq(im[i].id, it_js(j, "id"));
		ck_assert_str_eq(im[i].filename, it_js(j, "filename"));
		ck_assert_str_eq(im[i].job_id, job);
		ck_assert_int_eq(im[i].idx, i);
		ck_assert_int_eq(im[i].width, it_jint(j, "width"));
		ck_assert_int_eq(im[i].height, it_jint(j, "height"));
		ck_assert_str_eq(im[i].mime_type, it_js(j, "mime_type"));
		ck_assert_int_eq(im[i].has_seed, 1);
		ck_assert_int_eq(im[i].seed, it_jint(j, "seed"));
		ck_assert_str_eq(im[i].provider, "builtin");
		ck_assert_str_eq(im[i].user_id, "");
		ck_assert_int_eq((int)strlen(im[i].created_at), 24);
	}
	ck_assert_int_eq(ig_image_get(im[1].id, &one, &err), 1);
	ck_assert_int_eq(memcmp(&one, &im[1], sizeof(one)), 0);
	free(im);
	json_object_put(b);
	/* A job without images, and no such job: none, not an error. */
	ck_assert_int_eq(ig_images_of_job("00000000-0000-4000-8000-000000000000", &im, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(im);
}
END_TEST

START_TEST(image_get_finds_nothing_for_unknown_or_malformed_ids)
{
	static const char *const ids[] = { "00000000-0000-4000-8000-000000000000", "not-a-uuid", "",
		"------------------------------------", "00000000-0000-4000-8000-00000000000g", "'; SELECT 1; --" };
	ig_image im;
	ig_err err;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		ck_assert_msg(ig_image_get(ids[i], &im, &err) == 0, "id \"%s\"", ids[i]);
	ck_assert_int_eq(ig_image_get(NULL, &im, &err), 0);
}
END_TEST

START_TEST(image_add_keeps_the_first_of_a_job_index)
{
	char *job = it_psql("WITH j AS (INSERT INTO jobs (provider, model, request) VALUES ('builtin', 'm', '{}')"
	    " RETURNING id) SELECT id FROM j"), name[64], name2[64], *thumb;
	ig_image_new row = { .job_id = job, .idx = 0, .prompt = "a lighthouse", .provider = "builtin",
		.model = "m", .width = 64, .height = 32, .has_seed = 1, .seed = 4294967295LL, .size_bytes = 123,
		.sha256 = "ab", .mime_type = "image/png" };
	ig_image *im;
	int n;
	ig_err err;

	snprintf(name, sizeof(name), "jobdata_%d_a.png", (int)getpid());
	snprintf(name2, sizeof(name2), "jobdata_%d_b.png", (int)getpid());
	row.filename = name;
	ck_assert_int_eq(ig_image_add(&row, &err), 1);
	row.filename = name2;
	ck_assert_int_eq(ig_image_add(&row, &err), 0);
	ck_assert_int_eq(ig_images_of_job(job, &im, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(im[0].filename, name);
	ck_assert_int_eq(im[0].seed, 4294967295LL);
	ck_assert_int_eq(im[0].width, 64);
	ck_assert_int_eq(im[0].height, 32);
	ck_assert_str_eq(im[0].user_id, "");
	free(im);
	ck_assert_int_eq(ig_image_set_thumbnail(name, "t.png", &err), 0);
	thumb = it_psql("SELECT thumbnail || ' ' || size_bytes || ' ' || sha256 || ' ' || (cache_key IS NULL)"
	    " || ' ' || (negative_prompt IS NULL) FROM images WHERE filename = '%s'", it_sql_safe(name));
	ck_assert_str_eq(thumb, "t.png 123 ab true true");
	free(thumb);
	free(it_psql("DELETE FROM jobs WHERE id = '%s'", it_sql_safe(job)));
	free(job);
}
END_TEST

START_TEST(job_state_and_cache)
{
	char job[IG_UUID_BUF], hit[IG_UUID_BUF], *key;
	json_object *b;
	ig_job_state st;
	ig_err err;

	generate(2, job, &b);
	json_object_put(b);
	ck_assert_int_eq(ig_job_state_get(job, &st, &err), 1);
	ck_assert_str_eq(st.status, "succeeded");
	ck_assert_str_eq(st.code, "");
	ck_assert_str_eq(st.message, "");
	ck_assert_int_eq(ig_job_state_get("00000000-0000-4000-8000-000000000000", &st, &err), 0);
	key = it_psql("SELECT cache_key FROM jobs WHERE id = '%s'", it_sql_safe(job));
	ck_assert_int_eq(ig_job_cached(key, NULL, 2, hit, &err), 1);
	ck_assert_str_eq(hit, job);
	/* Another image count, or another owner: not this job. */
	ck_assert_int_eq(ig_job_cached(key, NULL, 1, hit, &err), 0);
	ck_assert_int_eq(ig_job_cached(key, "00000000-0000-4000-8000-000000000000", 2, hit, &err), 0);
	free(key);
	/* A failed job's error. */
	free(it_psql("UPDATE jobs SET status = 'failed', error_code = 'provider_error', error_message = 'boom'"
	    " WHERE id = '%s'", it_sql_safe(job)));
	ck_assert_int_eq(ig_job_state_get(job, &st, &err), 1);
	ck_assert_str_eq(st.status, "failed");
	ck_assert_str_eq(st.code, "provider_error");
	ck_assert_str_eq(st.message, "boom");
}
END_TEST

START_TEST(cancellations_asked_of_a_runner)
{
	char runner[IG_UUID_BUF], other[IG_UUID_BUF], (*ids)[IG_UUID_BUF], *a, *b, *c;
	int n;
	ig_err err;

	ck_assert_int_eq(ig_runner_register("jobdata-host", 1, "test", runner, &err), 0);
	ck_assert_int_eq(ig_runner_register("jobdata-host", 2, "test", other, &err), 0);
	ck_assert_int_eq(ig_jobs_cancel_asked(runner, &ids, &n, &err), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(ids);
	/* Running and asked (listed); running, not asked; another runner's. */
	a = it_psql("WITH j AS (INSERT INTO jobs (provider, model, request, status, runner_id, cancel_requested)"
	    " VALUES ('builtin', 'm', '{}', 'running', '%s', true) RETURNING id) SELECT id FROM j", it_sql_safe(runner));
	b = it_psql("WITH j AS (INSERT INTO jobs (provider, model, request, status, runner_id, cancel_requested)"
	    " VALUES ('builtin', 'm', '{}', 'running', '%s', false) RETURNING id) SELECT id FROM j", it_sql_safe(runner));
	c = it_psql("WITH j AS (INSERT INTO jobs (provider, model, request, status, runner_id, cancel_requested)"
	    " VALUES ('builtin', 'm', '{}', 'running', '%s', true) RETURNING id) SELECT id FROM j", it_sql_safe(other));
	ck_assert_int_eq(ig_jobs_cancel_asked(runner, &ids, &n, &err), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(ids[0], a);
	free(ids);
	free(it_psql("DELETE FROM jobs WHERE id IN ('%s', '%s', '%s')", a, b, c));
	ig_runner_unregister(runner, &err);
	ig_runner_unregister(other, &err);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(conversation_turns)
{
	char conv[IG_UUID_BUF], name[64], name2[64], *user, *other;
	ig_conv_turn *t;
	int n;
	ig_err err;

	free(it_new_user("jobdata", "127.0.9.250", name));
	free(it_new_user("jobdata", "127.0.9.251", name2));
	user = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name));
	other = it_psql("SELECT id FROM users WHERE username = '%s'", it_sql_safe(name2));
	ck_assert_str_ne(user, other);
	snprintf(conv, sizeof(conv), "%08x-0000-4000-8000-%012x", (unsigned)getpid(), 1u);
	ck_assert_int_eq(ig_conv_owned(conv, user, &err), 0);
	for (int i = 0; i < 5; i++) {
		char text[32];
		snprintf(text, sizeof(text), "turn %d", i);
		ck_assert_int_eq(ig_conv_append(conv, user, i % 2 ? "assistant" : "user", text,
		    i % 2 ? "builtin" : "user", &err), 0);
	}
	ck_assert_int_eq(ig_conv_owned(conv, user, &err), 1);
	ck_assert_int_eq(ig_conv_owned(conv, other, &err), 0);
	/* The last 3, oldest first. */
	ck_assert_int_eq(ig_conv_history(conv, 3, &t, &n, &err), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(t[0].content, "turn 2");
	ck_assert_str_eq(t[0].role, "user");
	ck_assert_str_eq(t[1].content, "turn 3");
	ck_assert_str_eq(t[1].role, "assistant");
	ck_assert_str_eq(t[2].content, "turn 4");
	ig_conv_turns_free(t, n);
	/* A role the table refuses fails the append. */
	ck_assert_int_eq(ig_conv_append(conv, user, "system", "x", "user", &err), -1);
	free(user);
	free(other);
}
END_TEST

/* Wait up to 5 s for l's socket to be readable. */
static void
wait_readable(ig_listener *l)
{
	struct pollfd p = { .fd = ig_listen_fd(l), .events = POLLIN };

	ck_assert_int_ge(p.fd, 0);
	ck_assert_int_eq(poll(&p, 1, 5000), 1);
}

/* Drain l until every bit of want was seen (5 s at most), then let it go
 * and close this thread's own connection. */
static void
drain_until(ig_listener *l, unsigned want)
{
	wait_readable(l);
	for (unsigned seen = 0, i = 0; seen != want; i++) {
		ck_assert_uint_lt(i, 50);
		seen |= ig_listen_drain(l);
		if (seen != want)
			it_sleep_ms(100);
	}
	ig_listen_free(l);
	ig_db_close();
}

START_TEST(listener_reports_each_channel)
{
	static const char *const channels[] = { "jobdata_a", "jobdata_b", NULL };
	ig_listener *l = ig_listen_new(channels);

	ck_assert_int_eq(ig_listen_fd(l), -1);
	ck_assert_int_eq(ig_listen_drain(l), 0);
	ck_assert_int_eq(ig_listen_ensure(l), 1);
	ck_assert_int_eq(ig_listen_ensure(l), 1);
	free(it_psql("SELECT pg_notify('jobdata_b', 'x')"));
	wait_readable(l);
	ck_assert_uint_eq(ig_listen_drain(l), 2);
	ck_assert_uint_eq(ig_listen_drain(l), 0);
	free(it_psql("SELECT pg_notify('jobdata_a', ''), pg_notify('jobdata_b', 'y'), pg_notify('jobdata_c', '')"));
	/* Both may not have arrived with the first read. */
	drain_until(l, 3);
}
END_TEST

/* A listener whose connection is killed (as a PostgreSQL restart would):
 * the drain notices, and the next ensure listens again on a new one. */
START_TEST(listener_listens_again_after_its_connection_died)
{
	static const char *const channels[] = { "jobdata_again", NULL };
	ig_listener *l = ig_listen_new(channels);
	char *killed;
	int fd;

	ck_assert_int_eq(ig_listen_ensure(l), 1);
	fd = ig_listen_fd(l);
	killed = it_psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
	    " WHERE application_name = 'test_jobdata' AND query LIKE 'LISTEN %%jobdata_again%%'");
	ck_assert_str_eq(killed, "1");
	free(killed);
	/* The loop's drains see the connection end (the server's goodbye,
	 * then the end of the stream): no socket to poll any more. */
	for (int i = 0; i < 50 && ig_listen_fd(l) >= 0; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 100);
		ck_assert_uint_eq(ig_listen_drain(l), 0);
	}
	ck_assert_int_eq(ig_listen_fd(l), -1);
	ck_assert_int_eq(ig_listen_ensure(l), 1);
	free(it_psql("SELECT pg_notify('jobdata_again', '')"));
	drain_until(l, 1);
}
END_TEST

IT_MAIN("jobdata", init,
	IT_TCASE("images", 60, &images_of_a_job_are_its_rows_in_order, &image_get_finds_nothing_for_unknown_or_malformed_ids,
	    &image_add_keeps_the_first_of_a_job_index),
	IT_TCASE("jobs", 60, &job_state_and_cache, &cancellations_asked_of_a_runner),
	IT_TCASE("conversations", 60, &conversation_turns),
	IT_TCASE("listen", 30, &listener_reports_each_channel, &listener_listens_again_after_its_connection_died)
);
