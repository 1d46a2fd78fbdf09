/*
 * test_monitoring.c — the monitoring endpoints against a live stack
 * (API.md "Health and monitoring"): performance-metrics counts exactly
 * what was asked of it, system-stats stays within 0–100, api-health sees a
 * provider go down, /metrics is valid Prometheus text, only admins (and
 * loopback for /metrics) get in, and client events are stored with their
 * sender. Each test names the bug it guards.
 *
 * The stack is shared with the other suites, which run one after another:
 * while this suite runs, only its own requests reach the app.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/itest_users.h"

/* An administrator made with the CLI (password on stdin), logged in. */
static void
admin_new(user *u, const char *source)
{
	char *cmd;
	FILE *p;
	int st;

	user_names(u, source);
	cmd = ig_xasprintf("'%s/app/imagegen' user create --admin --username '%s' "
	    "--email '%s' --password-stdin >&2", it_env("IG_BUILD_DIR"), it_sql_safe(u->name),
	    it_sql_safe(u->email));
	p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	fprintf(p, "%s\n", u->password);
	st = pclose(p);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed", cmd);
	free(cmd);
	user_login(u);
}

/* GET path as u (200 expected); the body as JSON. */
static json_object *
get_json(const user *u, const char *path)
{
	it_resp r;
	json_object *o;

	it_json(&r, u->ip, "GET", path, u->access, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

static int64_t
total_requests(const user *a)
{
	json_object *o = get_json(a, "/api/monitoring/performance-metrics");
	int64_t n = json_object_get_int64(it_jpath(o, "total_requests"));

	json_object_put(o);
	return n;
}

/* Invented figures (the system we replace returned constants) or a count
 * of one worker only would not move by exactly what was asked: N requests
 * plus the first read itself (a request is counted when it ends, so a read
 * never counts itself). */
START_TEST(performance_metrics_counts_exactly_our_requests)
{
	user a;
	int64_t before, after;
	const int n = 7;

	admin_new(&a, ip(1));
	before = total_requests(&a);
	for (int i = 0; i < n; i++) {
		it_resp r;
		it_json(&r, a.ip, "GET", "/health", NULL, NULL);
		IT_EXPECT(&r, 200);
		it_resp_free(&r);
	}
	after = total_requests(&a);
	ck_assert_msg(after - before == n + 1, "before %lld after %lld: want +%d",
	    (long long)before, (long long)after, n + 1);
}
END_TEST

static void
percent_in_range(json_object *o, const char *key)
{
	json_object *v = it_jpath(o, key);

	ck_assert_msg(v != NULL && (json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int)), "%s: %s", key, json_object_to_json_string(o));
	ck_assert_msg(json_object_get_double(v) >= 0 && json_object_get_double(v) <= 100, "%s out of range: %s",
	    key, json_object_to_json_string(o));
}

/* A percentage from a bad formula (ticks over jiffies, free over total
 * reversed) lands outside 0–100; CPU must come from the master's sample,
 * so it is there within a couple of seconds without the request waiting. */
START_TEST(system_stats_within_bounds)
{
	user a;
	json_object *o = NULL, *la;

	admin_new(&a, ip(2));
	for (int i = 0; i < 30; i++) {
		json_object_put(o);
		o = get_json(&a, "/api/monitoring/system-stats");
		if (it_jpath(o, "cpu_usage") != NULL && !json_object_is_type(it_jpath(o, "cpu_usage"), json_type_null))
			break;
		it_sleep_ms(200);
	}
	percent_in_range(o, "cpu_usage");
	percent_in_range(o, "memory_usage");
	percent_in_range(o, "disk_usage");
	ck_assert(strlen(it_jstr(o, "timestamp", NULL)) >= 20);
	la = it_jpath(o, "load_average");
	ck_assert_msg(la && json_object_is_type(la, json_type_array) && json_object_array_length(la) == 3,
	    "load_average: %s", json_object_to_json_string(o));
	for (size_t i = 0; i < 3; i++)
		ck_assert(json_object_get_double(json_object_array_get_idx(la, i)) >= 0);
	json_object_put(o);
}
END_TEST

/* Monitoring leaks the host's state and everyone's events: a signed-in
 * non-admin must get 403, no token 401, on every route; /metrics from
 * another address than 127.0.0.1 is no exception. */
START_TEST(monitoring_refuses_non_admins)
{
	static const char *const paths[] = { "/api/monitoring/system-stats",
		"/api/monitoring/performance-metrics", "/api/monitoring/api-health",
		"/api/monitoring/events", "/metrics" };
	user u;
	it_resp r;

	user_new(&u, ip(3));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		it_json(&r, u.ip, "GET", paths[i], u.access, NULL);
		IT_EXPECT(&r, 403);
		it_resp_free(&r);
		it_json(&r, u.ip, "GET", paths[i], NULL, NULL);
		IT_EXPECT(&r, 401);
		it_resp_free(&r);
	}
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", NULL, "{\"event_type\":\"other\"}");
	IT_EXPECT(&r, 401);
	it_resp_free(&r);
}
END_TEST

/* Check every line of a Prometheus 0.0.4 text exposition; every sample's
 * metric family must have been declared by a # TYPE line before it. */
static void
check_exposition(const char *text)
{
	regex_t comment, sample;
	char *copy = strdup(text), *save = NULL, types[8192] = " ";
	int nsamples = 0;

	ck_assert_int_eq(regcomp(&comment, "^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
	    "(counter|gauge|histogram|summary|untyped))$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_int_eq(regcomp(&sample, "^[a-zA-Z_:][a-zA-Z0-9_:]*"
	    "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\")*\\})?"
	    " (-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)( -?[0-9]+)?$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(text[0] != '\0' && text[strlen(text) - 1] == '\n', "must end with a newline");
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128], key[140];
		size_t n;
		if (line[0] == '#') {
			ck_assert_msg(regexec(&comment, line, 0, NULL, 0) == 0, "bad comment line: %s", line);
			if (strncmp(line, "# TYPE ", 7) == 0 && sscanf(line + 7, "%127s", name) == 1) {
				snprintf(key, sizeof(key), "%s ", name);
				strncat(types, key, sizeof(types) - strlen(types) - 1);
			}
			continue;
		}
		ck_assert_msg(regexec(&sample, line, 0, NULL, 0) == 0, "bad sample line: %s", line);
		n = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)n, line);
		for (const char *suf = NULL, *const *s = (const char *const[]){ "_bucket", "_sum", "_count", NULL };
		    (suf = *s) != NULL; s++) {
			size_t sl = strlen(suf);
			snprintf(key, sizeof(key), " %s ", name);
			if (strstr(types, key) == NULL && n > sl && strcmp(name + n - sl, suf) == 0)
				name[n - sl] = '\0';
		}
		snprintf(key, sizeof(key), " %s ", name);
		ck_assert_msg(strstr(types, key) != NULL, "no # TYPE before %s", line);
		nsamples++;
	}
	ck_assert_int_gt(nsamples, 10);
	regfree(&comment);
	regfree(&sample);
	free(copy);
}

/* A JSON error body, a missing +Inf bucket or a label without quotes makes
 * a Prometheus scrape fail as a whole. */
START_TEST(metrics_is_prometheus_text)
{
	static const char *const needed[] = { "imagegen_http_requests_total{status=\"200\"} ",
		"imagegen_http_request_duration_seconds_bucket{le=\"+Inf\"} ",
		"imagegen_http_request_duration_seconds_sum ", "imagegen_http_request_duration_seconds_count ",
		"imagegen_http_requests_in_flight ", "imagegen_workers ", "imagegen_worker_restarts_total ",
		"imagegen_uptime_seconds ", "imagegen_jobs{status=\"queued\"} ", "imagegen_runners_active " };
	const char *const hdrs[] = { NULL };
	user a;
	it_resp r;
	it_req q = { .method = "GET", .path = "/metrics", .headers = hdrs, .source_ip = "127.0.0.1" };
	char ctype[128];

	/* A scraper on the host: loopback, no token. */
	it_request(&q, &r);
	IT_EXPECT(&r, 200);
	ck_assert(it_header(&r, "Content-Type", ctype, sizeof(ctype)));
	ck_assert_msg(strncmp(ctype, "text/plain; version=0.0.4", 25) == 0, "Content-Type: %s", ctype);
	check_exposition(r.body.data);
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		ck_assert_msg(strstr(r.body.data, needed[i]) != NULL, "missing %s", needed[i]);
	it_resp_free(&r);

	/* An administrator from elsewhere. */
	admin_new(&a, ip(4));
	q.source_ip = a.ip;
	q.bearer = a.access;
	it_request(&q, &r);
	IT_EXPECT(&r, 200);
	check_exposition(r.body.data);
	it_resp_free(&r);
}
END_TEST

static json_object *
provider(json_object *health, const char *name)
{
	json_object *list = it_jpath(health, "providers");

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *p = json_object_array_get_idx(list, i);
		if (strcmp(json_object_get_string(it_jpath(p, "name")), name) == 0)
			return p;
	}
	ck_abort_msg("no provider %s in %s", name, json_object_to_json_string(health));
	return NULL;
}

/* A health page that reports providers "up" from configuration alone says
 * nothing when one is down: the probe must call it, and see it gone when
 * the mock stops. Unconfigured providers are not called at all. */
START_TEST(api_health_sees_provider_go_down)
{
	user a;
	json_object *o, *p;

	setenv("IG_STACK_OVERRIDES", "IG_OPENAI_API_KEY=sk-good-monitor", 1);
	it_stack("pool-start");
	unsetenv("IG_STACK_OVERRIDES");
	ck_assert_int_eq(it_wait_health(200, 80), 200);
	admin_new(&a, ip(5));

	o = get_json(&a, "/api/monitoring/api-health?fresh=1");
	p = provider(o, "openai");
	ck_assert(it_jbool(p, "configured") && it_jbool(p, "reachable") && it_jbool(p, "key_valid"));
	ck_assert(json_object_get_double(it_jpath(p, "latency_ms")) >= 0);
	p = provider(o, "stability");
	ck_assert(!it_jbool(p, "configured"));
	ck_assert(json_object_is_type(it_jpath(p, "reachable"), json_type_null));
	ck_assert_ptr_nonnull(strstr(json_object_get_string(it_jpath(p, "last_error")), "not configured"));
	p = provider(o, "builtin");
	ck_assert(it_jbool(p, "configured") && it_jbool(p, "reachable"));
	ck_assert_str_eq(json_object_get_string(it_jpath(o, "database.status")), "up");
	ck_assert(json_object_get_int64(it_jpath(o, "storage.free_bytes")) > 0);
	ck_assert(json_object_is_type(it_jpath(o, "runners.list"), json_type_array));
	json_object_put(o);

	/* (The cache is per worker process, so which answer a plain request
	 * gets depends on the worker it reaches: only ?fresh=1 is certain.) */
	it_stack("mock-stop");
	/* A fresh probe sees it down. */
	o = get_json(&a, "/api/monitoring/api-health?fresh=1");
	p = provider(o, "openai");
	ck_assert(it_jbool(p, "configured"));
	ck_assert_msg(!it_jbool(p, "reachable"), "%s", json_object_to_json_string(o));
	ck_assert(json_object_is_type(it_jpath(p, "last_error"), json_type_string));
	ck_assert(it_jbool(provider(o, "builtin"), "reachable"));
	json_object_put(o);
}
END_TEST

/* Unchecked teardown (runs in the runner's process even when the test
 * failed): the mock back on its port, the pool without the key, so the
 * suites after this one find the stack as it was. */
static void
restore_stack(void)
{
	char cmd[1024];
	const char *st = getenv("IG_TEST_STACK_CMD"), *dir = getenv("IG_TEST_STACK");

	if (st == NULL || dir == NULL)
		return;
	unsetenv("IG_STACK_OVERRIDES");
	snprintf(cmd, sizeof(cmd), "'%s' mock-start '%s' >&2 && '%s' pool-start '%s' >&2", st, dir, st, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_monitoring: restoring the stack failed: %s\n", cmd);
}

/* Events without their sender are useless for support; unknown types and
 * unbounded metadata let one client fill the table. */
START_TEST(log_event_stored_with_user_and_bounded)
{
	user u, a;
	it_resp r;
	json_object *o, *list, *e;
	char *big, path[256];
	int64_t id;

	user_new(&u, ip(6));
	admin_new(&a, ip(7));
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access,
	    "{\"event_type\":\"ui_action\",\"message\":\"clicked generate\",\"metadata\":{\"button\":\"go\",\"n\":3}}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	ck_assert(json_object_get_boolean(it_jpath(o, "success")));
	id = json_object_get_int64(it_jpath(o, "event_id"));
	ck_assert_int_gt(id, 0);
	json_object_put(o);
	it_resp_free(&r);

	snprintf(path, sizeof(path), "/api/monitoring/events?user_id=%s&event_type=ui_action&since=2020-01-01T00:00:00Z", u.id);
	o = get_json(&a, path);
	list = it_jpath(o, "events");
	ck_assert_msg(list && json_object_array_length(list) == 1, "%s", json_object_to_json_string(o));
	e = json_object_array_get_idx(list, 0);
	ck_assert_int_eq(json_object_get_int64(it_jpath(e, "id")), id);
	ck_assert_str_eq(json_object_get_string(it_jpath(e, "user_id")), u.id);
	ck_assert_str_eq(json_object_get_string(it_jpath(e, "message")), "clicked generate");
	ck_assert_int_eq(json_object_get_int(it_jpath(e, "metadata.n")), 3);
	json_object_put(o);
	/* Other filters leave it out. */
	snprintf(path, sizeof(path), "/api/monitoring/events?user_id=%s&event_type=security", u.id);
	o = get_json(&a, path);
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "events")), 0);
	json_object_put(o);

	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access, "{\"event_type\":\"Made-Up\"}");
	IT_EXPECT(&r, 400);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"field\":\"event_type\""));
	ck_assert_ptr_nonnull(strstr(r.body.data, "client_error"));
	it_resp_free(&r);

	big = malloc(17000);
	memset(big, 'x', 16990);
	big[16990] = '\0';
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access,
	    "{\"event_type\":\"other\",\"metadata\":{\"blob\":\"%s\"}}", big);
	IT_EXPECT(&r, 400);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"field\":\"metadata\""));
	it_resp_free(&r);
	big[2001] = '\0';
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access,
	    "{\"event_type\":\"other\",\"message\":\"%s\"}", big);
	IT_EXPECT(&r, 400);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"field\":\"message\""));
	it_resp_free(&r);
	free(big);

	/* Admin filter validation. */
	it_json(&r, a.ip, "GET", "/api/monitoring/events?since=yesterday", a.access, NULL);
	IT_EXPECT(&r, 400);
	it_resp_free(&r);
}
END_TEST

/*
 * Issue 10, item 7: the seed's own log-event example ("event_type":
 * "user_action") was a 400, because only six fixed types were allowed (in
 * the handler and in 006's CHECK). Any snake_case word of 1-50 characters
 * is a type now, stored as sent and found by the admin filter; anything
 * else is still a 400 naming event_type, so one client cannot fill the
 * type index with arbitrary text.
 */
START_TEST(log_event_takes_the_seeds_example_and_any_snake_case_type)
{
	static const char *const bad[] = { "\"\"", "\"User_Action\"", "\"user-action\"", "\"1st_try\"",
		"\"_private\"", "\"user action\"", "\"caf\\u00e9\"", "\"x23456789_123456789_123456789_123456789_12345678901\"",
		"42", "null", NULL };
	user u, a;
	it_resp r;
	json_object *o, *list;
	char path[256], fifty[51];
	int64_t id;

	user_new(&u, ip(8));
	admin_new(&a, ip(9));
	/* The seed's example, word for word. */
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access,
	    "{\"event_type\": \"user_action\", \"message\": \"User generated batch of 5 images\","
	    " \"metadata\": {\"user_id\": \"user123\", \"image_count\": 5, \"provider\": \"gemini\"}}");
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	id = json_object_get_int64(it_jpath(o, "event_id"));
	ck_assert_int_gt(id, 0);
	json_object_put(o);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/monitoring/events?user_id=%s&event_type=user_action", u.id);
	o = get_json(&a, path);
	list = it_jpath(o, "events");
	ck_assert_msg(list && json_object_array_length(list) == 1, "%s", json_object_to_json_string(o));
	ck_assert_int_eq(json_object_get_int64(it_jpath(json_object_array_get_idx(list, 0), "id")), id);
	ck_assert_str_eq(json_object_get_string(it_jpath(json_object_array_get_idx(list, 0), "event_type")),
	    "user_action");
	json_object_put(o);

	/* Any other short snake_case word, up to 50 characters. */
	memset(fifty, 'z', 50);
	fifty[50] = '\0';
	fifty[1] = '_';
	fifty[2] = '9';
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access, "{\"event_type\": \"%s\"}", fifty);
	IT_EXPECT(&r, 201);
	it_resp_free(&r);
	it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access, "{\"event_type\": \"a\"}");
	IT_EXPECT(&r, 201);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/monitoring/events?user_id=%s&event_type=%s", u.id, fifty);
	o = get_json(&a, path);
	ck_assert_int_eq(json_object_array_length(it_jpath(o, "events")), 1);
	json_object_put(o);

	for (int i = 0; bad[i] != NULL; i++) {
		it_json(&r, u.ip, "POST", "/api/monitoring/log-event", u.access, "{\"event_type\": %s}", bad[i]);
		ck_assert_msg(r.status == 400, "event_type %s: %ld %s", bad[i], r.status, r.body.data);
		ck_assert_msg(strstr(r.body.data, "\"field\":\"event_type\"") != NULL, "event_type %s: %s", bad[i],
		    r.body.data);
		it_resp_free(&r);
	}
	/* The admin filter takes the same rule. */
	it_json(&r, a.ip, "GET", "/api/monitoring/events?event_type=Not-Snake", a.access, NULL);
	IT_EXPECT(&r, 400);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"field\":\"event_type\""));
	it_resp_free(&r);
}
END_TEST

IT_MAIN("monitoring", it_users_init,
	IT_TCASE("monitoring", 120,
	    &performance_metrics_counts_exactly_our_requests,
	    &system_stats_within_bounds,
	    &monitoring_refuses_non_admins,
	    &metrics_is_prometheus_text,
	    &log_event_stored_with_user_and_bounded,
	    &log_event_takes_the_seeds_example_and_any_snake_case_type),
	/* Last: it restarts the pool and the mock. */
	{ .name = "provider_down", .timeout_s = 120, .setup = NULL, .teardown = restore_stack,
	    .tests = IT_TESTS(&api_health_sees_provider_go_down)
	}
);
