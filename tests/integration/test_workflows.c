/*
 * test_workflows.c — workflows through nginx (API.md "Workflows", issue
 * 14): saved steps checked by their routes' own tables with errors naming
 * steps[i].member, the 10-step cap and the first-step rule, owner-only
 * access, and runs: 3 prompts through generate → upscale → style →
 * add_to_project ending with 3 final images whose lineage is the chain,
 * the ZIP with its manifest, a failing step failing its item only, and a
 * cancel mid-run; the fan-out (a step that makes several images hands
 * each to the next step): every generated image and every variation goes
 * through the remaining steps, one failed branch fails its item only and
 * retry runs that branch alone, a cancel mid-fan-out, and the per-item
 * image cap.
 */
#include "ig_autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

static const char *
next_source(void)
{
	return it_source(200, 20, 140);
}

/* method path as token with the JSON body printf(fmt, ...) (or none):
 * fails unless the status is want; the parsed body (caller puts). */
static json_object *
call(const char *method, const char *path, const char *token, long want, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static json_object *
call(const char *method, const char *path, const char *token, long want, const char *fmt, ...)
{
	it_resp r;
	json_object *o;
	char *body = NULL;

	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		ck_assert(vasprintf(&body, fmt, ap) >= 0);
		va_end(ap);
	}
	if (body != NULL)
		it_json(&r, next_source(), method, path, token, "%s", body);
	else
		it_json(&r, next_source(), method, path, token, NULL);
	free(body);
	IT_EXPECT(&r, want);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* POST /api/workflow with steps: expect a 400 naming field. */
static void
refused(const char *token, const char *steps, const char *field)
{
	it_resp r;

	it_json(&r, next_source(), "POST", "/api/workflow", token, "{\"name\": \"bad\", \"steps\": %s}", steps);
	it_expect_error(&r, 400, "invalid_request", field, NULL);
	it_resp_free(&r);
}

/* A saved workflow's id (37 bytes). */
static void
save(const char *token, const char *steps, char *id)
{
	json_object *o = call("POST", "/api/workflow", token, 201, "{\"name\": \"wf\", \"steps\": %s}", steps);

	snprintf(id, 37, "%s", it_js(o, "workflow.id"));
	json_object_put(o);
}

/* Run workflow id over n fresh prompts: the batch id (37 bytes). */
static void
run(const char *token, const char *id, int n, char *batch)
{
	char path[128], p[96];
	ig_buf body = { 0 };
	json_object *o;

	ig_buf_puts(&body, "{\"prompts\": [");
	for (int i = 0; i < n; i++) {
		it_fresh_prompt(p, sizeof(p), "a workflow lighthouse");
		ig_buf_printf(&body, "%s\"%s\"", i ? ", " : "", p);
	}
	ig_buf_puts(&body, "]}");
	snprintf(path, sizeof(path), "/api/workflow/%s/run", id);
	o = call("POST", path, token, 202, "%s", body.data);
	ig_buf_free(&body);
	snprintf(batch, 37, "%s", it_js(o, "batch_id"));
	ck_assert_str_eq(it_js(o, "run_id"), batch);
	json_object_put(o);
}

/* The batch with its items once it has ended (at most ~90 s). */
static json_object *
wait_done(const char *token, const char *batch)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/batch/%s", batch);
	for (int i = 0; i < 360; i++) {
		json_object *st = call("GET", path, token, 200, NULL);
		const char *s = it_js(st, "status");
		if (strcmp(s, "queued") != 0 && strcmp(s, "processing") != 0)
			return st;
		json_object_put(st);
		it_sleep_ms(250);
	}
	ck_abort_msg("run %s did not finish", batch);
	return NULL;
}

/* Until the runner holds every job of batch queued so far (none left
 * queued, at most 5 s). */
static void
wait_claimed(const char *batch)
{
	for (int i = 0; i < 100; i++) {
		char *queued = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'queued'", batch);
		int none = strcmp(queued, "0") == 0;

		free(queued);
		if (none)
			break;
		it_sleep_ms(50);
	}
}

static const char *const chain_steps =
    "[{\"op\": \"generate\", \"image_size\": \"128x128\"},"
    " {\"op\": \"upscale\", \"scale\": 2},"
    " {\"op\": \"style\", \"style\": \"sepia\"}]";

START_TEST(crud_and_owner_only)
{
	char *a = it_new_user("wfa", next_source(), NULL), *b = it_new_user("wfb", next_source(), NULL);
	char id[37], path[128];
	json_object *o, *list;
	int found = 0;

	o = call("POST", "/api/workflow", a, 201, "{\"name\": \"poster\", \"steps\": %s}", chain_steps);
	snprintf(id, sizeof(id), "%s", it_js(o, "workflow.id"));
	ck_assert_str_eq(it_js(o, "workflow.name"), "poster");
	ck_assert_int_eq(json_object_array_length(it_jneed(o, "workflow.steps", json_type_array)), 3);
	ck_assert_str_eq(it_js(o, "workflow.steps.1.op"), "upscale");
	ck_assert_int_eq(it_jint(o, "workflow.steps.1.scale"), 2);
	it_js(o, "workflow.created_at");
	it_js(o, "workflow.updated_at");
	json_object_put(o);

	snprintf(path, sizeof(path), "/api/workflow/%s", id);
	o = call("GET", path, a, 200, NULL);
	ck_assert_str_eq(it_js(o, "workflow.id"), id);
	json_object_put(o);
	list = call("GET", "/api/workflow?limit=5", a, 200, NULL);
	for (size_t i = 0; i < json_object_array_length(it_jneed(list, "workflows", json_type_array)); i++)
		found += strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(
		    json_object_object_get(list, "workflows"), i), "id")), id) == 0;
	ck_assert_int_eq(found, 1);
	json_object_put(list);
	/* Another user's list does not hold it; their GET, PUT, DELETE and run are 404. */
	list = call("GET", "/api/workflow", b, 200, NULL);
	ck_assert_int_eq(json_object_array_length(it_jneed(list, "workflows", json_type_array)), 0);
	json_object_put(list);
	json_object_put(call("GET", path, b, 404, NULL));
	json_object_put(call("PUT", path, b, 404, "{\"name\": \"mine\"}"));
	json_object_put(call("DELETE", path, b, 404, NULL));
	{
		char rpath[160];
		snprintf(rpath, sizeof(rpath), "%s/run", path);
		json_object_put(call("POST", rpath, b, 404, "{\"prompts\": [\"x\"]}"));
	}
	/* PUT changes what it names, checks steps like POST. */
	o = call("PUT", path, a, 200, "{\"name\": \"renamed\"}");
	ck_assert_str_eq(it_js(o, "workflow.name"), "renamed");
	ck_assert_int_eq(json_object_array_length(it_jneed(o, "workflow.steps", json_type_array)), 3);
	json_object_put(o);
	json_object_put(call("PUT", path, a, 400, "{\"steps\": [{\"op\": \"upscale\"}]}"));
	o = call("PUT", path, a, 200, "{\"steps\": [{\"op\": \"generate\"}, {\"op\": \"variations\", \"count\": 2}]}");
	ck_assert_str_eq(it_js(o, "workflow.steps.1.op"), "variations");
	json_object_put(o);
	json_object_put(call("DELETE", path, a, 200, NULL));
	json_object_put(call("GET", path, a, 404, NULL));
	json_object_put(call("GET", "/api/workflow/not-a-uuid", a, 404, NULL));
	free(a);
	free(b);
}
END_TEST

START_TEST(steps_are_checked_by_their_routes)
{
	char *a = it_new_user("wfv", next_source(), NULL), *b = it_new_user("wfw", next_source(), NULL);
	char pid[37];
	ig_buf ten = { 0 };
	json_object *o;

	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"upscale\"}, {\"op\": \"upscale\", \"scale\": 3}]", "steps[2].scale");
	refused(a, "[{\"op\": \"upscale\"}]", "steps[0].op");
	refused(a, "[{\"image_size\": \"128x128\"}]", "steps[0].op");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"generate\"}]", "steps[1].op");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"blur\"}]", "steps[1].op");
	refused(a, "[{\"op\": \"generate\", \"image_count\": 11}]", "steps[0].image_count");
	refused(a, "[{\"op\": \"generate\", \"image_size\": \"7x7\"}]", "steps[0].image_size");
	refused(a, "[{\"op\": \"generate\", \"prompt\": \"p\"}]", "steps[0].prompt");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"style\", \"style\": \"cubist\"}]", "steps[1].style");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"style\", \"strength\": 2, \"style\": \"sepia\"}]",
	    "steps[1].strength");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"upscale\", \"image_id\": \"00000000-0000-4000-8000-000000000000\"}]",
	    "steps[1].image_id");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"variations\", \"count\": 9}]", "steps[1].count");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"upscale\", \"api_provider\": \"stability\"}]",
	    "steps[1].api_provider");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"process\", \"operations\": [{\"op\": \"flip\", \"direction\": \"up\"}]}]",
	    "steps[1].operations[0].direction");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"process\", \"operations\": [{\"op\": \"resize\", \"width\": 0}]}]",
	    "steps[1].operations[0].width");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"add_to_project\"}]", "steps[1].project_id");
	refused(a, "[{\"op\": \"generate\"}, {\"op\": \"upscale\", \"colour\": 1}]", "steps[1].colour");
	refused(a, "[{\"op\": \"generate\"}, 7]", "steps[1]");
	refused(a, "[]", "steps");

	/* At most 10 steps. */
	ig_buf_puts(&ten, "[{\"op\": \"generate\"}");
	for (int i = 1; i < 10; i++)
		ig_buf_puts(&ten, ", {\"op\": \"style\", \"style\": \"sepia\"}");
	o = call("POST", "/api/workflow", a, 201, "{\"name\": \"ten\", \"steps\": %s]}", ten.data);
	json_object_put(o);
	ig_buf_puts(&ten, ", {\"op\": \"style\", \"style\": \"sepia\"}]");
	refused(a, ten.data, "steps");
	ig_buf_free(&ten);

	/* add_to_project: a project the caller may add to; another's is 404. */
	o = call("POST", "/api/collaboration/projects", b, 201, "{\"name\": \"theirs\"}");
	snprintf(pid, sizeof(pid), "%s", it_js(o, "project.id"));
	json_object_put(o);
	{
		char steps[200];
		it_resp r;
		snprintf(steps, sizeof(steps), "[{\"op\": \"generate\"}, {\"op\": \"add_to_project\", \"project_id\": \"%s\"}]", pid);
		it_json(&r, next_source(), "POST", "/api/workflow", a, "{\"name\": \"x\", \"steps\": %s}", steps);
		it_expect_error(&r, 404, "not_found", "steps[1].project_id", NULL);
		it_resp_free(&r);
		json_object_put(call("POST", "/api/workflow", b, 201, "{\"name\": \"x\", \"steps\": %s}", steps));
		/* Checked again when run: the project gone, the run is refused. */
		{
			char wid[37], path[128];
			save(b, steps, wid);
			snprintf(path, sizeof(path), "/api/collaboration/projects/%s", pid);
			json_object_put(call("DELETE", path, b, 200, NULL));
			snprintf(path, sizeof(path), "/api/workflow/%s/run", wid);
			it_json(&r, next_source(), "POST", path, b, "{\"prompts\": [\"a cat\"]}");
			it_expect_error(&r, 404, "not_found", "steps[1].project_id", NULL);
			it_resp_free(&r);
		}
	}
	free(a);
	free(b);
}
END_TEST

/* 3 prompts through generate → upscale → style → add_to_project: 3 final
 * images whose lineage is the chain, in the project, and the ZIP. */
START_TEST(run_goes_through_every_step)
{
	char *a = it_new_user("wfr", next_source(), NULL);
	char id[37], batch[37], pid[37], steps[600], zpath[256], cmd[900];
	json_object *st, *items, *o;

	o = call("POST", "/api/collaboration/projects", a, 201, "{\"name\": \"runs\"}");
	snprintf(pid, sizeof(pid), "%s", it_js(o, "project.id"));
	json_object_put(o);
	snprintf(steps, sizeof(steps), "[{\"op\": \"generate\", \"image_size\": \"128x128\"},"
	    " {\"op\": \"upscale\", \"scale\": 2}, {\"op\": \"style\", \"style\": \"sepia\"},"
	    " {\"op\": \"add_to_project\", \"project_id\": \"%s\"}]", pid);
	save(a, steps, id);
	{
		int64_t t0 = ig_now_ms();
		run(a, id, 3, batch);
		st = wait_done(a, batch);
		printf("workflow run: 3 prompts x (generate 128x128, upscale 2x, sepia, add_to_project) in %lld ms"
		    " (polled every 250 ms)\n", (long long)(ig_now_ms() - t0));
	}
	ck_assert_msg(strcmp(it_js(st, "status"), "completed") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.total"), 3);
	ck_assert_int_eq(it_jint(st, "progress.completed"), 3);
	items = it_jneed(st, "items", json_type_array);
	ck_assert_int_eq(json_object_array_length(items), 3);
	for (int i = 0; i < 3; i++) {
		char key[32];
		const char *img;
		char *ops, *jobs, *size, *proj;
		snprintf(key, sizeof(key), "items.%d.images.0.id", i);
		img = it_js(st, key);
		it_sql_safe(img);
		/* The lineage: style-transfer ← upscale ← generate. */
		ops = it_psql("SELECT c.operation || '<' || p.operation || '<' || g.operation || ':' ||"
		    " coalesce(g.parent_id::text, 'root') FROM images c JOIN images p ON p.id = c.parent_id"
		    " JOIN images g ON g.id = p.parent_id WHERE c.id = '%s'", img);
		ck_assert_str_eq(ops, "style-transfer<upscale<generate:root");
		/* Each step a job whose parent is the previous step's job. */
		jobs = it_psql("SELECT count(*) FROM jobs c JOIN jobs p ON p.id = c.parent_job_id"
		    " JOIN jobs g ON g.id = p.parent_job_id WHERE g.parent_job_id IS NULL"
		    " AND c.id = (SELECT job_id FROM images WHERE id = '%s')", img);
		ck_assert_str_eq(jobs, "1");
		size = it_psql("SELECT width || 'x' || height FROM images WHERE id = '%s'", img);
		ck_assert_str_eq(size, "256x256");
		proj = it_psql("SELECT coalesce(project_id::text, '') FROM images WHERE id = '%s'", img);
		ck_assert_str_eq(proj, pid);
		free(ops);
		free(jobs);
		free(size);
		free(proj);
	}
	json_object_put(st);

	/* The ZIP: each item's final image, the manifest listing the chain. */
	it_batch_zip(a, next_source(), batch, "workflow", zpath, sizeof(zpath));
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
	    " assert z.testzip() is None; m = json.loads(z.read(\"manifest.json\"));"
	    " assert len(m) == 3, m; assert len(z.namelist()) == 4, z.namelist();"
	    " assert all(e[\"file\"] in z.namelist() for e in m);"
	    " assert sorted(e[\"index\"] for e in m) == [0, 1, 2], m;"
	    " assert all([c[\"operation\"] for c in e[\"chain\"]] == [\"generate\", \"upscale\", \"style-transfer\"] for e in m), m;"
	    " assert all(e[\"chain\"][-1][\"filename\"] == e[\"file\"] for e in m), m' '%s'", zpath);
	ck_assert_int_eq(system(cmd), 0);
	unlink(zpath);
	free(a);
}
END_TEST

/* generate → process (resize, flip, grayscale, convert to JPEG, a title):
 * the final image is the chain's result stored as POST /api/image/process
 * stores it (operation process, parent the generation), and the ZIP's. */
START_TEST(process_step_runs)
{
	char *a = it_new_user("wfp", next_source(), NULL);
	char id[37], batch[37], zpath[256], cmd[700];
	const char *img;
	char *row, *jobs;
	json_object *st;

	save(a, "[{\"op\": \"generate\", \"image_size\": \"128x128\"},"
	    " {\"op\": \"process\", \"title\": \"wf processed\", \"operations\": ["
	    "{\"op\": \"resize\", \"width\": 200, \"height\": 100, \"fit\": \"fill\"},"
	    " {\"op\": \"flip\", \"direction\": \"vertical\"}, {\"op\": \"filter\", \"name\": \"grayscale\"},"
	    " {\"op\": \"convert\", \"format\": \"jpeg\", \"quality\": 80}]}]", id);
	run(a, id, 1, batch);
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "completed") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.completed"), 1);
	img = it_sql_safe(it_js(st, "items.0.images.0.id"));
	row = it_psql("SELECT c.operation || '<' || p.operation || ':' || coalesce(p.parent_id::text, 'root') || ' '"
	    " || c.width || 'x' || c.height || ' ' || c.mime_type || ' ' || coalesce(c.title, '')"
	    " FROM images c JOIN images p ON p.id = c.parent_id WHERE c.id = '%s'", img);
	ck_assert_str_eq(row, "process<generate:root 200x100 image/jpeg wf processed");
	/* The process step is a job whose parent is the generation's. */
	jobs = it_psql("SELECT count(*) FROM jobs c JOIN jobs g ON g.id = c.parent_job_id"
	    " WHERE g.parent_job_id IS NULL AND c.id = (SELECT job_id FROM images WHERE id = '%s')", img);
	ck_assert_str_eq(jobs, "1");
	free(row);
	free(jobs);
	json_object_put(st);

	it_batch_zip(a, next_source(), batch, "workflow-p", zpath, sizeof(zpath));
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
	    " assert z.testzip() is None; m = json.loads(z.read(\"manifest.json\"));"
	    " assert len(m) == 1, m; f = m[0][\"file\"]; d = z.read(f);"
	    " assert d[:3] == bytes([255, 216, 255]), f;"
	    " assert [c[\"operation\"] for c in m[0][\"chain\"]] == [\"generate\", \"process\"], m' '%s'", zpath);
	ck_assert_int_eq(system(cmd), 0);
	unlink(zpath);
	free(a);
}
END_TEST

static const char *const mock_generate =
    "{\"op\": \"generate\", \"api_provider\": \"openai\", \"api_key\": \"sk-good-workflow\", \"model\": \"dall-e-2\","
    " \"image_size\": \"256x256\"}";

/* The provider refusing one generation fails that item only; the others
 * go through every step. */
START_TEST(a_failed_step_fails_its_item_only)
{
	char *a = it_new_user("wff", next_source(), NULL);
	char id[37], batch[37], steps[400];
	json_object *st;
	int failed = 0, done = 0;

	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/script", "{\"provider\": \"openai\", \"responses\": [{\"mode\": \"refusal\", \"times\": 1}]}");
	snprintf(steps, sizeof(steps), "[%s, {\"op\": \"style\", \"style\": \"grayscale\"}]", mock_generate);
	save(a, steps, id);
	run(a, id, 3, batch);
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "partial") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.failed"), 1);
	ck_assert_int_eq(it_jint(st, "progress.completed"), 2);
	for (int i = 0; i < 3; i++) {
		char key[48];
		snprintf(key, sizeof(key), "items.%d.status", i);
		if (strcmp(it_js(st, key), "failed") == 0) {
			failed++;
			snprintf(key, sizeof(key), "items.%d.images", i);
			ck_assert_int_eq(json_object_array_length(it_jneed(st, key, json_type_array)), 0);
		} else {
			char *op;
			done++;
			snprintf(key, sizeof(key), "items.%d.images.0.id", i);
			op = it_psql("SELECT operation FROM images WHERE id = '%s'", it_sql_safe(it_js(st, key)));
			ck_assert_str_eq(op, "style-transfer");
			free(op);
		}
	}
	ck_assert_int_eq(failed, 1);
	ck_assert_int_eq(done, 2);
	json_object_put(st);
	/* Retry: the failed item goes through every step too. */
	{
		char path[128];
		snprintf(path, sizeof(path), "/api/batch/%s/retry", batch);
		json_object_put(call("POST", path, a, 200, NULL));
	}
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "completed") == 0, "%s", json_object_to_json_string(st));
	{
		char *n = it_psql("SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id"
		    " WHERE j.batch_id = '%s' AND i.operation = 'style-transfer'", batch);
		ck_assert_str_eq(n, "3");
		free(n);
	}
	json_object_put(st);
	free(a);
}
END_TEST

/* Cancel mid-run: the items end canceled, no step is queued after. */
START_TEST(cancel_mid_run)
{
	char *a = it_new_user("wfc", next_source(), NULL);
	char id[37], batch[37], steps[400], path[128];
	json_object *st, *o;
	char *open;

	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/config", "{\"delay\": 1}");
	snprintf(steps, sizeof(steps), "[%s, {\"op\": \"upscale\"}, {\"op\": \"style\", \"style\": \"sepia\"}]",
	    mock_generate);
	save(a, steps, id);
	run(a, id, 3, batch);
	/* Cancel once the runner holds the first steps: a step that ends
	 * after the cancel must leave its item canceled too, not succeeded
	 * part way. */
	wait_claimed(batch);
	snprintf(path, sizeof(path), "/api/batch/%s/cancel", batch);
	o = call("POST", path, a, 200, NULL);
	json_object_put(o);
	st = wait_done(a, batch);
	it_mock_post("/_control/config", "{\"delay\": 0}");
	ck_assert_msg(strcmp(it_js(st, "status"), "canceled") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.canceled"), 3);
	json_object_put(st);
	it_sleep_ms(1500);
	open = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND (status IN ('queued', 'running')"
	    " OR parent_job_id IS NOT NULL)", batch);
	ck_assert_str_eq(open, "0");
	free(open);
	free(a);
}
END_TEST

/* The item event of item idx in the events stream of batch (ended): its
 * data (caller puts). */
static json_object *
item_event(const char *token, const char *batch, int idx)
{
	char path[128], head[64];
	const char *p, *end;
	it_resp r;
	json_object *o;
	char *text;

	snprintf(path, sizeof(path), "/api/batch/%s/events", batch);
	{
		it_req q = { .method = "GET", .path = path, .bearer = token, .source_ip = next_source(), .timeout_s = 60 };
		it_request(&q, &r);
	}
	ck_assert_int_eq(r.status, 200);
	snprintf(head, sizeof(head), "\nid: %d\ndata: ", idx);
	p = strstr(r.body.data, head);
	ck_assert_msg(p != NULL, "no event of item %d in %s", idx, r.body.data);
	p += strlen(head);
	end = strchr(p, '\n');
	ck_assert_ptr_nonnull(end);
	text = strndup(p, (size_t)(end - p));
	o = json_tokener_parse(text);
	ck_assert_msg(o != NULL, "%s", text);
	free(text);
	it_resp_free(&r);
	return o;
}

/* The branches of the images of an array (item images), joined by ",". */
static void
branches(json_object *images, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(images) && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," : "",
		    json_object_get_string(json_object_object_get(json_object_array_get_idx(images, i), "branch")));
}

/* The ZIP of batch: its manifest holds n entries, each a file of the
 * archive, and per item want (its branches, sorted, joined by ","), each
 * chain's operations ops (a Python list literal). */
static void
zip_holds(const char *token, const char *batch, int items, int n, const char *want, const char *ops)
{
	char zpath[256], cmd[1400];

	it_batch_zip(token, next_source(), batch, "workflow-fan", zpath, sizeof(zpath));
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]);"
	    " assert z.testzip() is None; m = json.loads(z.read(\"manifest.json\"));"
	    " assert len(m) == %d, m; assert len(z.namelist()) == %d, z.namelist();"
	    " assert all(e[\"file\"] in z.namelist() for e in m), m;"
	    " b = [\",\".join(sorted(e[\"branch\"] for e in m if e[\"index\"] == i)) for i in range(%d)];"
	    " assert all(x == \"%s\" for x in b), b;"
	    " assert all([c[\"operation\"] for c in e[\"chain\"]] == %s for e in m), m;"
	    " assert all(e[\"chain\"][-1][\"filename\"] == e[\"file\"] for e in m), m' '%s'",
	    n, n + 1, items, want, ops, zpath);
	ck_assert_int_eq(system(cmd), 0);
	unlink(zpath);
}

/* Today's bug: a step that made several images passed only the first on.
 * generate image_count=2 → upscale → style: each item ends with 2 final
 * images, one per generated image, in its status, its event and the ZIP. */
START_TEST(every_generated_image_goes_through_every_step)
{
	char *a = it_new_user("wfn", next_source(), NULL);
	char id[37], batch[37], key[64], got[128];
	json_object *st, *ev;

	save(a, "[{\"op\": \"generate\", \"image_size\": \"128x128\", \"image_count\": 2},"
	    " {\"op\": \"upscale\", \"scale\": 2}, {\"op\": \"style\", \"style\": \"sepia\"}]", id);
	{
		int64_t t0 = ig_now_ms();
		run(a, id, 2, batch);
		st = wait_done(a, batch);
		printf("workflow fan-out: 2 prompts x (generate 2 images, upscale, sepia) = 4 chains in %lld ms\n",
		    (long long)(ig_now_ms() - t0));
	}
	ck_assert_msg(strcmp(it_js(st, "status"), "completed") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.total"), 2);
	ck_assert_int_eq(it_jint(st, "progress.completed"), 2);
	for (int i = 0; i < 2; i++) {
		char *n;
		snprintf(key, sizeof(key), "items.%d.images", i);
		branches(it_jneed(st, key, json_type_array), got, sizeof(got));
		ck_assert_str_eq(got, "0.0.0,1.0.0");
		snprintf(key, sizeof(key), "items.%d.chains.total", i);
		ck_assert_int_eq(it_jint(st, key), 2);
		snprintf(key, sizeof(key), "items.%d.chains.succeeded", i);
		ck_assert_int_eq(it_jint(st, key), 2);
		/* Each final image is style ← upscale ← a generated image of
		 * its own: the item's two chains start at its two images. */
		for (int b = 0; b < 2; b++) {
			char *ops;
			snprintf(key, sizeof(key), "items.%d.images.%d.id", i, b);
			ops = it_psql("SELECT c.operation || '<' || p.operation || '<' || g.operation || ':' || g.idx"
			    " || ' ' || c.width || 'x' || c.height FROM images c JOIN images p ON p.id = c.parent_id"
			    " JOIN images g ON g.id = p.parent_id WHERE c.id = '%s'", it_sql_safe(it_js(st, key)));
			snprintf(got, sizeof(got), "style-transfer<upscale<generate:%d 256x256", b);
			ck_assert_str_eq(ops, got);
			free(ops);
		}
		/* The jobs: one generate, two upscales whose parent it is, a
		 * style under each upscale. */
		n = it_psql("SELECT count(*) FILTER (WHERE parent_job_id IS NULL) || ' ' ||"
		    " count(*) FILTER (WHERE model = 'upscale' AND parent_job_id = (SELECT id FROM jobs WHERE"
		    "  batch_id = '%s' AND item_index = %d AND parent_job_id IS NULL)) || ' ' ||"
		    " count(*) FILTER (WHERE model = 'style-transfer' AND parent_job_id IN (SELECT id FROM jobs"
		    "  WHERE batch_id = '%s' AND item_index = %d AND model = 'upscale')) || ' ' || count(*)"
		    " FROM jobs WHERE batch_id = '%s' AND item_index = %d", batch, i, batch, i, batch, i);
		ck_assert_str_eq(n, "1 2 2 5");
		free(n);
	}
	/* The item's event carries both final images. */
	ev = item_event(a, batch, 1);
	ck_assert_str_eq(it_js(ev, "status"), "succeeded");
	branches(it_jneed(ev, "images", json_type_array), got, sizeof(got));
	ck_assert_str_eq(got, "0.0.0,1.0.0");
	json_object_put(ev);
	json_object_put(st);
	zip_holds(a, batch, 2, 4, "0.0.0,1.0.0", "[\"generate\", \"upscale\", \"style-transfer\"]");
	free(a);
}
END_TEST

/* variations count=3 fans out: 3 style jobs, 3 final images. */
START_TEST(variations_fan_out)
{
	char *a = it_new_user("wfx", next_source(), NULL);
	char id[37], batch[37], got[128];
	json_object *st;
	char *n;

	save(a, "[{\"op\": \"generate\", \"image_size\": \"128x128\"}, {\"op\": \"variations\", \"count\": 3},"
	    " {\"op\": \"style\", \"style\": \"grayscale\"}]", id);
	run(a, id, 1, batch);
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "completed") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.completed"), 1);
	branches(it_jneed(st, "items.0.images", json_type_array), got, sizeof(got));
	ck_assert_str_eq(got, "0.0.0,0.1.0,0.2.0");
	ck_assert_int_eq(it_jint(st, "items.0.chains.total"), 3);
	n = it_psql("SELECT count(*) FROM jobs s JOIN jobs v ON v.id = s.parent_job_id"
	    " WHERE s.batch_id = '%s' AND s.model = 'style-transfer' AND v.model = 'variation'", batch);
	ck_assert_str_eq(n, "3");
	free(n);
	json_object_put(st);
	zip_holds(a, batch, 1, 3, "0.0.0,0.1.0,0.2.0", "[\"generate\", \"variation\", \"style-transfer\"]");
	free(a);
}
END_TEST

/* Hold a run of workflow steps (mock generate, 3 s) over 2 prompts
 * between its first step and the rest: the runner is stopped once it holds
 * both generations, which end (its drain) and queue their next steps, that
 * nothing runs until worker-start. The 3 s leave worker-stop time to
 * deliver its SIGTERM before the generations end (with 1 s, a runner
 * still claiming took the first chains at times). */
static void
run_held(const char *token, const char *steps, char *id, char *batch)
{
	it_mock_post("/_control/reset", "{}");
	it_mock_post("/_control/config", "{\"delay\": 3}");
	save(token, steps, id);
	run(token, id, 2, batch);
	wait_claimed(batch);
	it_stack("worker-stop");
	it_mock_post("/_control/config", "{\"delay\": 0}");
}

static const char *const held_steps =
    "[{\"op\": \"generate\", \"api_provider\": \"openai\", \"api_key\": \"sk-good-workflow\", \"model\": \"dall-e-2\","
    " \"image_size\": \"256x256\", \"image_count\": 2}, {\"op\": \"style\", \"style\": \"sepia\"},"
    " {\"op\": \"upscale\", \"scale\": 2}]";

/* One branch of a fanned item failing fails that item only, naming the
 * step and branch; the other chain keeps its image. Retry runs the failed
 * chain again (not the one that succeeded), and the item then has both. */
START_TEST(a_failed_branch_fails_its_item_then_retry)
{
	char *a = it_new_user("wfb", next_source(), NULL);
	char wid[37], batch[37], src[37], got[128], path[128];
	json_object *st, *o, *ev;
	char *v;

	run_held(a, held_steps, wid, batch);
	v = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND status = 'queued' AND parent_job_id IS NOT NULL",
	    batch);
	ck_assert_str_eq(v, "4");
	free(v);
	/* The source of item 0's second chain becomes unreadable. */
	v = it_psql("SELECT request #>> '{creative,image_id}' FROM jobs WHERE batch_id = '%s' AND item_index = 0"
	    " AND request #>> '{workflow,branch}' = '[1]'", batch);
	snprintf(src, sizeof(src), "%s", it_sql_safe(v));
	free(v);
	free(it_psql("UPDATE images SET filename = 'gone-' || filename WHERE id = '%s'", src));
	it_stack("worker-start");
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "partial") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.failed"), 1);
	ck_assert_int_eq(it_jint(st, "progress.completed"), 1);
	ck_assert_int_eq(it_jint(st, "progress.total"), 2);
	ck_assert_str_eq(it_js(st, "items.0.status"), "failed");
	ck_assert_str_eq(it_js(st, "items.0.error.code"), "unavailable");
	ck_assert_int_eq(it_jint(st, "items.0.error.step"), 1);
	ck_assert_str_eq(it_js(st, "items.0.error.branch"), "1");
	branches(it_jneed(st, "items.0.images", json_type_array), got, sizeof(got));
	ck_assert_str_eq(got, "0.0.0");
	ck_assert_int_eq(it_jint(st, "items.0.chains.succeeded"), 1);
	ck_assert_str_eq(it_js(st, "items.1.status"), "succeeded");
	branches(it_jneed(st, "items.1.images", json_type_array), got, sizeof(got));
	ck_assert_str_eq(got, "0.0.0,1.0.0");
	json_object_put(st);
	ev = item_event(a, batch, 0);
	ck_assert_str_eq(it_js(ev, "status"), "failed");
	ck_assert_int_eq(it_jint(ev, "error.step"), 1);
	ck_assert_str_eq(it_js(ev, "error.branch"), "1");
	json_object_put(ev);

	/* Retry: the one failed chain (one item) runs again and goes on. */
	free(it_psql("UPDATE images SET filename = substr(filename, 6) WHERE id = '%s'", src));
	snprintf(path, sizeof(path), "/api/batch/%s/retry", batch);
	o = call("POST", path, a, 200, NULL);
	ck_assert_int_eq(it_jint(o, "retried"), 1);
	json_object_put(o);
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "completed") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.completed"), 2);
	branches(it_jneed(st, "items.0.images", json_type_array), got, sizeof(got));
	ck_assert_str_eq(got, "0.0.0,1.0.0");
	ck_assert_ptr_null(it_jpath(st, "items.0.error"));
	/* The chain that had succeeded did not run again. */
	v = it_psql("SELECT count(*) || ' ' || sum(attempts) FROM jobs WHERE batch_id = '%s' AND item_index = 0", batch);
	ck_assert_str_eq(v, "5 5");
	free(v);
	json_object_put(st);
	zip_holds(a, batch, 2, 4, "0.0.0,1.0.0", "[\"generate\", \"style-transfer\", \"upscale\"]");
	free(a);
}
END_TEST

/* Cancel once the items have fanned out: every chain's step still queued
 * ends canceled, no step is queued after, the items count canceled (and
 * the cancel answers items, not chains). Before it, the open items
 * IG_BATCH_MAX_QUEUED counts are items too. */
START_TEST(cancel_mid_fan_out)
{
	char *a = it_new_user("wfk", next_source(), NULL);
	char wid[37], batch[37], second[37], path[128];
	json_object *st, *o;
	char *v;

	run_held(a, held_steps, wid, batch);
	/* IG_BATCH_MAX_QUEUED counts items, not their chains: 2 items (4
	 * chains) are open, so 1 more fits a cap of 3, 2 more do not. */
	setenv("IG_STACK_OVERRIDES", "IG_BATCH_MAX_QUEUED=3", 1);
	it_stack("pool-start");
	unsetenv("IG_STACK_OVERRIDES");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
	run(a, wid, 1, second);
	{
		it_resp r;
		snprintf(path, sizeof(path), "/api/workflow/%s/run", wid);
		it_json(&r, next_source(), "POST", path, a, "{\"prompts\": [\"one\", \"two\"]}");
		it_expect_error(&r, 429, "rate_limited", "prompts", NULL);
		it_resp_free(&r);
	}
	it_stack("pool-start");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
	snprintf(path, sizeof(path), "/api/batch/%s/cancel", second);
	json_object_put(call("POST", path, a, 200, NULL));
	snprintf(path, sizeof(path), "/api/batch/%s/cancel", batch);
	o = call("POST", path, a, 200, NULL);
	ck_assert_int_eq(it_jint(o, "canceled"), 2);
	json_object_put(o);
	it_stack("worker-start");
	st = wait_done(a, batch);
	ck_assert_msg(strcmp(it_js(st, "status"), "canceled") == 0, "%s", json_object_to_json_string(st));
	ck_assert_int_eq(it_jint(st, "progress.canceled"), 2);
	ck_assert_int_eq(it_jint(st, "progress.total"), 2);
	for (int i = 0; i < 2; i++) {
		char key[48];
		snprintf(key, sizeof(key), "items.%d.chains.total", i);
		ck_assert_int_eq(it_jint(st, key), 2);
		snprintf(key, sizeof(key), "items.%d.status", i);
		ck_assert_str_eq(it_js(st, key), "canceled");
	}
	json_object_put(st);
	it_sleep_ms(1000);
	v = it_psql("SELECT string_agg(model || ':' || status, ' ' ORDER BY model, status) FROM ("
	    "SELECT model, status, count(*) FROM jobs WHERE batch_id = '%s' GROUP BY model, status) x", batch);
	ck_assert_str_eq(v, "dall-e-2:succeeded style-transfer:canceled");
	free(v);
	v = it_psql("SELECT count(*) FROM jobs WHERE batch_id = '%s' AND model = 'style-transfer' AND status = 'canceled'",
	    batch);
	ck_assert_str_eq(v, "4");
	free(v);
	free(a);
}
END_TEST

/* An item's images over all steps are capped (IG_WORKFLOW_MAX_IMAGES, 100):
 * 10 + 40 + 40 passes, a fourth step making 40 more is refused naming it,
 * a second variations naming its count (3 + 12 + 48 + 48: the process
 * step), on POST and PUT. */
START_TEST(item_image_cap)
{
	char *a = it_new_user("wfm", next_source(), NULL);
	char id[37], path[128];
	it_resp r;
	json_object *o;

	save(a, "[{\"op\": \"generate\", \"image_count\": 10}, {\"op\": \"variations\", \"count\": 4},"
	    " {\"op\": \"upscale\"}]", id);
	refused(a, "[{\"op\": \"generate\", \"image_count\": 10}, {\"op\": \"variations\", \"count\": 4},"
	    " {\"op\": \"upscale\"}, {\"op\": \"style\", \"style\": \"sepia\"}]", "steps[3]");
	refused(a, "[{\"op\": \"generate\", \"image_count\": 10}, {\"op\": \"variations\", \"count\": 4},"
	    " {\"op\": \"variations\", \"count\": 2}]", "steps[2].count");
	refused(a, "[{\"op\": \"generate\", \"image_count\": 3}, {\"op\": \"variations\", \"count\": 4},"
	    " {\"op\": \"variations\", \"count\": 4}, {\"op\": \"process\", \"operations\": [{\"op\": \"flip\","
	    " \"direction\": \"vertical\"}]}]", "steps[3]");
	snprintf(path, sizeof(path), "/api/workflow/%s", id);
	it_json(&r, next_source(), "PUT", path, a, "{\"steps\": [{\"op\": \"generate\", \"image_count\": 10},"
	    " {\"op\": \"variations\", \"count\": 4}, {\"op\": \"variations\", \"count\": 4}]}");
	it_expect_error(&r, 400, "invalid_request", "steps[2].count", &o);
	ck_assert_msg(strstr(it_js(o, "error.message"), "IG_WORKFLOW_MAX_IMAGES") != NULL, "%s",
	    json_object_to_json_string(o));
	json_object_put(o);
	it_resp_free(&r);
	free(a);
}
END_TEST

IT_MAIN("workflows", NULL,
	IT_TCASE("workflows", 240,
	    &crud_and_owner_only,
	    &steps_are_checked_by_their_routes,
	    &run_goes_through_every_step, &process_step_runs,
	    &a_failed_step_fails_its_item_only,
	    &cancel_mid_run,
	    &every_generated_image_goes_through_every_step, &variations_fan_out,
	    &a_failed_branch_fails_its_item_then_retry, &cancel_mid_fan_out,
	    &item_image_cap)
);
