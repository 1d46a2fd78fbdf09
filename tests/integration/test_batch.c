/*
 * test_batch.c — batches through nginx against the mock providers: a
 * 50-prompt batch, partial failure and retry, cancel, limits, ownership and
 * fairness between a batch and a single request.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/itest.h"

static int counter;

static const char *
next_source(void)
{
	return it_source(120, 60, 100);
}

typedef struct user {
	char name[64];
	char *token;
} user;

static void
user_new(user *u)
{
	u->token = it_new_user("bt", next_source(), u->name);
}

/* n prompts as a JSON array of strings, each unique to this run. */
static char *
prompts(int n, const char *word)
{
	ig_buf b = { 0 };

	ig_buf_puts(&b, "[");
	for (int i = 0; i < n; i++)
		ig_buf_printf(&b, "%s\"%s %d-%d #%d\"", i ? ", " : "", word, (int)getpid(), counter, i);
	ig_buf_puts(&b, "]");
	return b.data;
}

/* Submit; returns the batch id (caller frees). */
static char *
submit(const user *u, const char *prompt_list, const char *settings)
{
	it_resp r;
	json_object *o;
	char *id;

	it_json(&r, next_source(), "POST", "/api/batch/generate", u->token, "{\"prompts\": %s, \"settings\": %s}",
	    prompt_list, settings);
	ck_assert_msg(r.status == 202, "submit: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "status", NULL), "queued");
	id = ig_xstrdup(it_jstr(o, "batch_id", NULL));
	{
		char want[128];
		snprintf(want, sizeof(want), "/api/batch/status/%s", id);
		ck_assert_str_eq(it_jstr(o, "status_url", NULL), want);
	}
	json_object_put(o);
	it_resp_free(&r);
	return id;
}

static json_object *
status(const user *u, const char *id)
{
	char path[128];
	it_resp r;
	json_object *o;

	snprintf(path, sizeof(path), "/api/batch/status/%s", id);
	it_json(&r, next_source(), "GET", path, u->token, NULL);
	ck_assert_msg(r.status == 200, "status: %ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

static int
progress(json_object *st, const char *key)
{
	return json_object_get_int(json_object_object_get(json_object_object_get(st, "progress"), key));
}

/* Poll until the batch is no longer queued/processing (at most ~60 s). */
static json_object *
wait_done(const user *u, const char *id)
{
	for (int i = 0; i < 240; i++) {
		json_object *st = status(u, id);
		const char *s = it_jstr(st, "status", NULL);
		if (strcmp(s, "queued") != 0 && strcmp(s, "processing") != 0)
			return st;
		json_object_put(st);
		it_sleep_ms(250);
	}
	ck_abort_msg("batch %s did not finish", id);
	return NULL;
}

static const char *const mock_settings =
    "{\"api_provider\": \"openai\", \"api_key\": \"sk-good-batch\", \"model\": \"dall-e-2\", \"image_size\": \"256x256\"}";

/* 50 prompts: every image stored, the counters right, items listed. */
START_TEST(fifty_prompt_batch_completes)
{
	user u;
	char *list, *id, path[128];
	json_object *st, *items;
	it_resp r;

	user_new(&u);
	it_mock_post("/_control/reset", "{}");
	list = prompts(50, "fifty");
	id = submit(&u, list, mock_settings);
	st = wait_done(&u, id);
	ck_assert_str_eq(it_jstr(st, "status", NULL), "completed");
	ck_assert_int_eq(progress(st, "completed"), 50);
	ck_assert_int_eq(progress(st, "total"), 50);
	ck_assert_int_eq(progress(st, "failed"), 0);
	ck_assert(json_object_get_double(json_object_object_get(json_object_object_get(st, "progress"), "percentage")) == 100.0);
	ck_assert(json_object_object_get(st, "completed_at") != NULL);
	json_object_put(st);
	char *n = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'",
	    it_sql_safe(id));
	ck_assert_str_eq(n, "50");
	free(n);
	snprintf(path, sizeof(path), "/api/batch/%s", id);
	it_json(&r, next_source(), "GET", path, u.token, NULL);
	ck_assert_int_eq(r.status, 200);
	st = it_json_body(&r);
	ck_assert(json_object_object_get_ex(st, "items", &items));
	ck_assert_int_eq(json_object_array_length(items), 50);
	json_object *it7 = json_object_array_get_idx(items, 7);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(it7, "index")), 7);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(it7, "status")), "succeeded");
	ck_assert_int_eq(json_object_array_length(json_object_object_get(it7, "images")), 1);
	json_object_put(st);
	it_resp_free(&r);
	/* It is listed among the caller's batches. */
	it_json(&r, next_source(), "GET", "/api/batch?limit=5", u.token, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body.data, id));
	it_resp_free(&r);
	free(list);
	free(id);
	free(u.token);
}
END_TEST

/* Items the provider refuses fail (not retried: a refusal is final); the
 * batch ends partial, and retry runs those again to completion. */
START_TEST(partial_batch_then_retry_completes)
{
	user u;
	char *list, *id, path[128];
	json_object *st;
	it_resp r;

	user_new(&u);
	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/script", "{\"provider\": \"openai\", \"responses\": [{\"mode\": \"refusal\", \"times\": 3}]}");
	list = prompts(8, "partial");
	id = submit(&u, list, mock_settings);
	st = wait_done(&u, id);
	ck_assert_str_eq(it_jstr(st, "status", NULL), "partial");
	ck_assert_int_eq(progress(st, "failed"), 3);
	ck_assert_int_eq(progress(st, "completed"), 5);
	json_object_put(st);
	snprintf(path, sizeof(path), "/api/batch/%s/retry", id);
	it_json(&r, next_source(), "POST", path, u.token, NULL);
	ck_assert_int_eq(r.status, 200);
	st = it_json_body(&r);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(st, "retried")), 3);
	json_object_put(st);
	it_resp_free(&r);
	st = wait_done(&u, id);
	ck_assert_str_eq(it_jstr(st, "status", NULL), "completed");
	ck_assert_int_eq(progress(st, "completed"), 8);
	json_object_put(st);
	free(list);
	free(id);
	free(u.token);
}
END_TEST

/* Cancel mid-batch: waiting items end at once, running ones stop, no
 * item is left running and no image is written afterwards. */
START_TEST(cancel_stops_the_batch)
{
	user u;
	char *list, *id, path[128], *before, *after;
	json_object *st;
	it_resp r;

	user_new(&u);
	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/config", "{\"delay\": 1}");
	list = prompts(30, "cancel");
	id = submit(&u, list, mock_settings);
	it_sleep_ms(1500);
	snprintf(path, sizeof(path), "/api/batch/%s/cancel", id);
	it_json(&r, next_source(), "POST", path, u.token, NULL);
	ck_assert_int_eq(r.status, 200);
	it_resp_free(&r);
	st = wait_done(&u, id);
	ck_assert_str_eq(it_jstr(st, "status", NULL), "canceled");
	ck_assert_int_eq(progress(st, "running"), 0);
	ck_assert_int_eq(progress(st, "queued"), 0);
	ck_assert(progress(st, "canceled") > 0);
	json_object_put(st);
	before = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'", it_sql_safe(id));
	it_sleep_ms(2500);
	after = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'", it_sql_safe(id));
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	it_mock_post("/_control/config", "{\"delay\": 0}");
	free(list);
	free(id);
	free(u.token);
}
END_TEST

/* Limits and validation: nothing is queued when any prompt is bad. */
START_TEST(bad_batches_are_refused_whole)
{
	user u;
	char *list;
	it_resp r;
	json_object *o;
	char *before, *after;

	user_new(&u);
	before = it_psql("SELECT count(*) FROM batches");
	list = prompts(501, "toomany");
	it_json(&r, next_source(), "POST", "/api/batch/generate", u.token, "{\"prompts\": %s}", list);
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "prompts");
	json_object_put(o);
	it_resp_free(&r);
	free(list);
	it_json(&r, next_source(), "POST", "/api/batch/generate", u.token,
	    "{\"prompts\": [\"fine\", {\"prompt\": \"\"}, \"also fine\"]}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "prompts[1]");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/batch/generate", u.token,
	    "{\"prompts\": [\"a\", {\"prompt\": \"b\", \"seed\": \"7\"}]}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "prompts[1].seed");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/batch/generate", u.token,
	    "{\"prompts\": [\"a\"], \"settings\": {\"image_count\": 11}}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "settings.image_count");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/batch/generate", u.token,
	    "{\"prompts\": [\"a\"], \"callback_url\": \"http://10.0.0.5/hook\"}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "callback_url");
	json_object_put(o);
	it_resp_free(&r);
	after = it_psql("SELECT count(*) FROM batches");
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	free(u.token);
}
END_TEST

/* Another user's batch is a 404 everywhere (ids do not leak). */
START_TEST(other_users_batch_is_404)
{
	user a, b;
	char *id, path[160];
	static const char *const fmts[][2] = {
		{ "GET", "/api/batch/status/%s" }, { "GET", "/api/batch/%s" },
		{ "POST", "/api/batch/%s/cancel" }, { "POST", "/api/batch/%s/retry" },
	};

	user_new(&a);
	user_new(&b);
	id = submit(&a, "[\"mine only\"]", "{}");
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		it_resp r;
		snprintf(path, sizeof(path), fmts[i][1], id);
		it_json(&r, next_source(), fmts[i][0], path, b.token, NULL);
		ck_assert_msg(r.status == 404, "%s %s: %ld", fmts[i][0], path, r.status);
		it_resp_free(&r);
	}
	free(id);
	free(a.token);
	free(b.token);
}
END_TEST

/* Fairness: a single request made while a large batch waits for the same
 * provider is claimed before the batch's waiting items (it is not
 * measured in seconds: the order of claims says it). */
START_TEST(single_request_overtakes_a_waiting_batch)
{
	user u;
	char *list, *id, *started_before, *sync_first, body[256];
	it_resp r;
	json_object *o;

	user_new(&u);
	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/config", "{\"delay\": 0.5}");
	list = prompts(60, "fair");
	id = submit(&u, list, mock_settings);
	it_sleep_ms(700);
	started_before = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND started_at IS NOT NULL", it_sql_safe(id));
	snprintf(body, sizeof(body), "{\"prompt\": \"fair single %d-%d\", \"api_provider\": \"openai\","
	    " \"api_key\": \"sk-good-single\", \"model\": \"dall-e-2\", \"image_size\": \"256x256\"}", (int)getpid(), counter);
	it_json(&r, next_source(), "POST", "/api/generate-image", u.token, "%s", body);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	/* Batch items that started after the request was made but before it. */
	sync_first = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND started_at IS NOT NULL"
	    " AND started_at < (SELECT started_at FROM jobs WHERE id = '%s')", it_sql_safe(id),
	    it_sql_safe(it_jstr(o, "generation_id", NULL)));
	/* At most the calls already in flight ended and were replaced while
	 * the request was being queued: the per-provider cap (4). */
	ck_assert_msg(atoi(sync_first) <= atoi(started_before) + 4, "started before: %s, overtook it: %s",
	    started_before, sync_first);
	json_object_put(o);
	it_resp_free(&r);
	{
		char path[128];
		snprintf(path, sizeof(path), "/api/batch/%s/cancel", id);
		it_json(&r, next_source(), "POST", path, u.token, NULL);
		it_resp_free(&r);
	}
	it_mock_post("/_control/config", "{\"delay\": 0}");
	free(started_before);
	free(sync_first);
	free(list);
	free(id);
	free(u.token);
}
END_TEST

/* Two runners share one batch; kill -9 of one mid-batch: its items come
 * back after the lease and the batch completes on the other, with exactly
 * one image per item (no duplicate from the dead runner's attempt). */
START_TEST(two_runners_share_a_batch_and_survive_kill9)
{
	user u;
	char *list, *id, *n;
	json_object *st;
	pid_t other = it_runner_start("worker2.log");

	user_new(&u);
	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/config", "{\"delay\": 0.3}");
	list = prompts(40, "tworunners");
	id = submit(&u, list, mock_settings);
	it_sleep_ms(1200);
	it_stack("worker-kill9");
	st = wait_done(&u, id);
	ck_assert_str_eq(it_jstr(st, "status", NULL), "completed");
	ck_assert_int_eq(progress(st, "completed"), 40);
	json_object_put(st);
	n = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '%s'", it_sql_safe(id));
	ck_assert_str_eq(n, "40");
	free(n);
	n = it_psql("SELECT count(*) FROM (SELECT job_id FROM images i JOIN jobs j ON j.id = i.job_id"
	    " WHERE j.batch_id = '%s' GROUP BY job_id HAVING count(*) > 1) d", it_sql_safe(id));
	ck_assert_str_eq(n, "0");
	free(n);
	n = it_psql("SELECT count(DISTINCT runner_id) FROM jobs WHERE batch_id = '%s'", it_sql_safe(id));
	ck_assert_msg(atoi(n) >= 2, "one runner did all the work (%s)", n);
	free(n);
	it_mock_post("/_control/config", "{\"delay\": 0}");
	it_stack("worker-start");
	kill(other, SIGTERM);
	waitpid(other, NULL, 0);
	free(list);
	free(id);
	free(u.token);
}
END_TEST

/* The live events of a batch: one event per item, each index once, and
 * batch.finished last; then the ZIP opens and matches its manifest. */
START_TEST(events_stream_and_zip_download)
{
	user u;
	char *list, *id, path[400], zpath[256], cmd[600];
	it_resp r;
	json_object *st;
	int seen[5] = { 0 };
	const char *p, *fin;

	user_new(&u);
	list = prompts(5, "stream");
	id = submit(&u, list, "{\"image_size\": \"128x128\"}");
	snprintf(path, sizeof(path), "/api/batch/%s/events", id);
	{
		it_req q = { .method = "GET", .path = path, .bearer = u.token, .source_ip = next_source(), .timeout_s = 60 };
		it_request(&q, &r);
	}
	ck_assert_int_eq(r.status, 200);
	{
		char ct[100];
		ck_assert(it_header(&r, "Content-Type", ct, sizeof(ct)));
		ck_assert_ptr_nonnull(strstr(ct, "text/event-stream"));
	}
	for (p = r.body.data; (p = strstr(p, "event: item.completed\nid: ")) != NULL; p++) {
		int idx = atoi(p + strlen("event: item.completed\nid: "));
		ck_assert(idx >= 0 && idx < 5);
		seen[idx]++;
	}
	for (int i = 0; i < 5; i++)
		ck_assert_msg(seen[i] == 1, "item %d seen %d times in %s", i, seen[i], r.body.data);
	fin = strstr(r.body.data, "event: batch.finished");
	ck_assert_ptr_nonnull(fin);
	ck_assert_ptr_null(strstr(fin, "event: item."));
	it_resp_free(&r);
	st = wait_done(&u, id);
	ck_assert_str_eq(it_jstr(st, "status", NULL), "completed");
	json_object_put(st);

	/* A browser's EventSource sends no Authorization: it uses a ticket. */
	snprintf(path, sizeof(path), "/api/batch/%s/events", id);
	it_json(&r, next_source(), "GET", path, NULL, NULL);
	ck_assert_int_eq(r.status, 401);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/batch/%s/events-ticket", id);
	it_json(&r, next_source(), "POST", path, u.token, NULL);
	ck_assert_int_eq(r.status, 201);
	st = it_json_body(&r);
	snprintf(path, sizeof(path), "%s", it_jstr(st, "url", NULL));
	json_object_put(st);
	it_resp_free(&r);
	it_json(&r, next_source(), "GET", path, NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body.data, "event: batch.finished"));
	it_resp_free(&r);

	it_batch_zip(u.token, next_source(), id, "batch", zpath, sizeof(zpath));
	/* Every manifest entry is a file of the archive, and the archive tests clean. */
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
	    " assert z.testzip() is None; m = json.loads(z.read(\"manifest.json\"));"
	    " assert len(m) == 5, m; assert all(e[\"file\"] in z.namelist() for e in m);"
	    " assert sorted(e[\"index\"] for e in m) == list(range(5))' '%s'", zpath);
	ck_assert_int_eq(system(cmd), 0);
	free(list);
	free(id);
	free(u.token);
}
END_TEST

/* imagegen batch submit FILE --watch, as a terminal user runs it: one
 * prompt per line, comments skipped, the batch id printed, exit 0. */
START_TEST(cli_submits_and_watches_a_batch)
{
	user u;
	char file[256], cmd[1024], out[128] = "";
	it_resp r;
	json_object *o;
	FILE *f, *pipe;
	int rc;

	user_new(&u);
	it_json(&r, next_source(), "POST", "/api/keys", u.token, "{\"name\": \"cli\", \"scopes\": [\"read\", \"generate\"]}");
	ck_assert_int_eq(r.status, 201);
	o = it_json_body(&r);
	setenv("IG_API_TOKEN", it_jstr(o, "key", NULL), 1);
	json_object_put(o);
	it_resp_free(&r);
	setenv("IG_API_URL", it_env("IG_TEST_BASE_URL"), 1);
	snprintf(file, sizeof(file), "%s/prompts-%d.txt", it_env("IG_TEST_STACK"), (int)getpid());
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "# three prompts\na quiet harbour %d\n\na neon alley %d\na snowy pass %d\n", (int)getpid(),
	    (int)getpid(), (int)getpid());
	fclose(f);
	snprintf(cmd, sizeof(cmd), "'%s/app/imagegen' batch submit '%s' --size 128x128 --watch 2>/dev/null",
	    it_env("IG_BUILD_DIR"), file);
	pipe = popen(cmd, "r");
	ck_assert_ptr_nonnull(pipe);
	ck_assert_ptr_nonnull(fgets(out, sizeof(out), pipe));
	rc = pclose(pipe);
	ck_assert_int_eq(WEXITSTATUS(rc), 0);
	out[strcspn(out, "\n")] = '\0';
	{
		json_object *st = status(&u, out);
		ck_assert_str_eq(it_jstr(st, "status", NULL), "completed");
		ck_assert_int_eq(progress(st, "total"), 3);
		json_object_put(st);
	}
	free(u.token);
}
END_TEST

/* Idempotency-Key on submit: a retried submission is the same batch, not
 * a second one. */
START_TEST(idempotent_submit_is_one_batch)
{
	user u;
	char key[80], body[256], *before, *after;
	const char *hdrs[3];
	it_resp a, b;
	json_object *oa, *ob;

	user_new(&u);
	snprintf(key, sizeof(key), "Idempotency-Key: batch-%d-%d", (int)getpid(), ++counter);
	snprintf(body, sizeof(body), "{\"prompts\": [\"idem one %d\", \"idem two %d\"]}", (int)getpid(), counter);
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = key;
	hdrs[2] = NULL;
	before = it_psql("SELECT count(*) FROM batches");
	{
		it_req q = { .method = "POST", .path = "/api/batch/generate", .body = body, .len = strlen(body),
			.headers = hdrs, .bearer = u.token, .source_ip = next_source() };
		it_request(&q, &a);
		it_request(&q, &b);
	}
	ck_assert_int_eq(a.status, 202);
	ck_assert_int_eq(b.status, 202);
	oa = it_json_body(&a);
	ob = it_json_body(&b);
	ck_assert_str_eq(it_jstr(oa, "batch_id", NULL), it_jstr(ob, "batch_id", NULL));
	after = it_psql("SELECT count(*) FROM batches");
	ck_assert_int_eq(atoi(after), atoi(before) + 1);
	json_object_put(oa);
	json_object_put(ob);
	it_resp_free(&a);
	it_resp_free(&b);
	free(before);
	free(after);
	free(u.token);
}
END_TEST

/* Every item image says its thumbnail_url, as the gallery's do: in GET
 * /api/batch/{id} and in the events stream's item events; null while
 * there is no thumbnail. */
START_TEST(item_images_have_thumbnail_url)
{
	user u;
	char *list, *id, *thumb, path[400], want[400], img[37];
	it_resp r;
	json_object *st;

	user_new(&u);
	list = prompts(2, "thumbs");
	id = submit(&u, list, "{\"image_size\": \"128x128\"}");
	json_object_put(wait_done(&u, id));
	snprintf(path, sizeof(path), "/api/batch/%s", id);
	it_json(&r, next_source(), "GET", path, u.token, NULL);
	ck_assert_int_eq(r.status, 200);
	st = it_json_body(&r);
	it_resp_free(&r);
	snprintf(img, sizeof(img), "%s", it_js(st, "items.0.images.0.id"));
	json_object_put(st);
	thumb = it_thumbnail_of(img);
	snprintf(want, sizeof(want), "/generated_images/%s", thumb);

	it_json(&r, next_source(), "GET", path, u.token, NULL);
	ck_assert_int_eq(r.status, 200);
	st = it_json_body(&r);
	it_resp_free(&r);
	ck_assert_str_eq(it_js(st, "items.0.images.0.thumbnail_url"), want);
	json_object_put(st);
	snprintf(path, sizeof(path), "/api/batch/%s/events", id);
	{
		it_req q = { .method = "GET", .path = path, .bearer = u.token, .source_ip = next_source(), .timeout_s = 60 };
		it_request(&q, &r);
	}
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body.data, "\"thumbnail_url\"") != NULL && strstr(r.body.data, thumb) != NULL,
	    "no thumbnail_url %s in the stream: %s", thumb, r.body.data);
	it_resp_free(&r);

	/* Without a thumbnail (not made yet): null, not absent. */
	free(it_psql("UPDATE images SET thumbnail = NULL WHERE id = '%s'", img));
	snprintf(path, sizeof(path), "/api/batch/%s", id);
	it_json(&r, next_source(), "GET", path, u.token, NULL);
	st = it_json_body(&r);
	it_resp_free(&r);
	ck_assert(it_jhas(it_jneed(st, "items.0.images.0", json_type_object), "thumbnail_url"));
	ck_assert_ptr_null(it_jpath(st, "items.0.images.0.thumbnail_url"));
	json_object_put(st);
	snprintf(path, sizeof(path), "/api/batch/%s/events", id);
	{
		it_req q = { .method = "GET", .path = path, .bearer = u.token, .source_ip = next_source(), .timeout_s = 60 };
		it_request(&q, &r);
	}
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body.data, "\"thumbnail_url\":null") != NULL, "no null thumbnail_url: %s", r.body.data);
	it_resp_free(&r);
	free(thumb);
	free(list);
	free(id);
	free(u.token);
}
END_TEST

IT_MAIN("batch", NULL,
	IT_TCASE("batch", 180,
	    &fifty_prompt_batch_completes,
	    &partial_batch_then_retry_completes,
	    &cancel_stops_the_batch,
	    &bad_batches_are_refused_whole,
	    &other_users_batch_is_404,
	    &single_request_overtakes_a_waiting_batch,
	    &two_runners_share_a_batch_and_survive_kill9,
	    &events_stream_and_zip_download,
	    &cli_submits_and_watches_a_batch,
	    &idempotent_submit_is_one_batch,
	    &item_images_have_thumbnail_url)
);
