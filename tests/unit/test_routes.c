/* test_routes.c — the route table matcher (404, 405 + Allow, captures). */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/fcgi/routes.h"
#include "tests/unit/ut.h"

static int
h(ig_req *req, json_object **out, ig_err *err)
{
	(void)req;
	(void)out;
	(void)err;
	return 200;
}

static const ig_route table[] = {
	{ "GET", "/api/batch", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, IG_BODY_SMALL, IG_HOLD_SHORT },
	{ "GET", "/api/batch/status/{batch_id}", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, IG_BODY_SMALL, IG_HOLD_SHORT },
	{ "GET", "/api/batch/{batch_id}", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, IG_BODY_SMALL, IG_HOLD_SHORT },
	{ "POST", "/api/batch/{batch_id}/cancel", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, 100, IG_HOLD_SHORT },
	{ "DELETE", "/api/collaboration/comments/{image_id}/{comment_id}", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, IG_BODY_SMALL, IG_HOLD_SHORT },
	{ "PUT", "/api/collaboration/comments/{image_id}/{comment_id}", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, IG_BODY_FULL, IG_HOLD_SHORT },
	{ "POST", "/api/images", h, IG_ACCESS_USER, IG_SCOPE_READ, IG_RATE_GENERAL, NULL, IG_BODY_UPLOAD, IG_HOLD_SHORT },
};
#define N (sizeof(table) / sizeof(table[0]))

START_TEST(captures_parameters)
{
	ig_route_match m;

	ck_assert_int_eq(ig_route_find(table, N, "DELETE", "/api/collaboration/comments/img1/c2", &m), 0);
	ck_assert_ptr_eq(m.route, &table[4]);
	ck_assert_int_eq(m.nparams, 2);
	ck_assert_str_eq(m.names[0], "image_id");
	ck_assert_str_eq(m.values[0], "img1");
	ck_assert_str_eq(m.names[1], "comment_id");
	ck_assert_str_eq(m.values[1], "c2");
}
END_TEST

/* A literal route listed first wins over a capture of the same shape. */
START_TEST(first_matching_row_wins)
{
	ig_route_match m;

	ck_assert_int_eq(ig_route_find(table, N, "GET", "/api/batch/status/abc", &m), 0);
	ck_assert_ptr_eq(m.route, &table[1]);
	ck_assert_int_eq(ig_route_find(table, N, "GET", "/api/batch/abc", &m), 0);
	ck_assert_ptr_eq(m.route, &table[2]);
	ck_assert_str_eq(m.values[0], "abc");
}
END_TEST

/* 405 must list every method of every row whose pattern matched, once. */
START_TEST(wrong_method_is_405_with_allow)
{
	ig_route_match m;

	ck_assert_int_eq(ig_route_find(table, N, "POST", "/api/collaboration/comments/a/b", &m),
	    IG_E_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "DELETE, PUT");
	ck_assert_int_eq(ig_route_find(table, N, "DELETE", "/api/batch", &m), IG_E_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(m.allow, "GET, HEAD");
}
END_TEST

START_TEST(head_is_served_by_get)
{
	ig_route_match m;

	ck_assert_int_eq(ig_route_find(table, N, "HEAD", "/api/batch", &m), 0);
	ck_assert_ptr_eq(m.route, &table[0]);
}
END_TEST

/* Empty segments, trailing slashes and extra segments do not match a
 * capture: "/api/batch//cancel" once matched with an empty batch id. */
START_TEST(unknown_paths_are_404)
{
	static const char *const paths[] = {
		"/api/batch/", "/api/batch//cancel", "/api/batch/x/cancel/more", "/api", "/",
		"/api/batchx", "/API/batch",
	};
	ig_route_match m;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		ck_assert_msg(ig_route_find(table, N, "GET", paths[i], &m) == IG_E_NOT_FOUND, "%s", paths[i]);
}
END_TEST

START_TEST(application_table_has_health)
{
	ig_route_match m;

	ck_assert_int_eq(ig_route_find(ig_routes, ig_nroutes, "GET", "/health", &m), 0);
	ck_assert_int_eq(m.route->access, IG_ACCESS_PUBLIC);
	ck_assert_int_eq(ig_route_find(ig_routes, ig_nroutes, "POST", "/health", &m), IG_E_METHOD_NOT_ALLOWED);
}
END_TEST

/* Issue 10: every route took IG_MAX_BODY (10 MB), so an unauthenticated
 * login could hand a worker 10 MB to parse. A row's own limit applies,
 * never above IG_MAX_BODY; an unmatched request gets the small default. */
START_TEST(body_limit_is_the_rows_capped_by_max_body)
{
	ck_assert_int_eq(ig_route_body_limit(&table[3], 10485760, 20971520), 100);
	ck_assert_int_eq(ig_route_body_limit(&table[3], 50, 20971520), 50);
	ck_assert_int_eq(ig_route_body_limit(&table[5], 10485760, 20971520), 10485760);
	ck_assert_int_eq(ig_route_body_limit(&table[0], 10485760, 20971520), IG_BODY_SMALL);
	ck_assert_int_eq(ig_route_body_limit(&table[0], 2048, 20971520), 2048);
	ck_assert_int_eq(ig_route_body_limit(NULL, 10485760, 20971520), IG_BODY_SMALL);
}
END_TEST

/* Issue 12: an upload row capped by IG_MAX_BODY (10 MiB by default) would
 * refuse the 20 MiB file IG_MAX_UPLOAD promises. Its limit is IG_MAX_UPLOAD
 * plus the multipart overhead, whatever IG_MAX_BODY says: a body carrying a
 * file of exactly IG_MAX_UPLOAD bytes passes, one a byte over the whole
 * limit does not. */
START_TEST(upload_rows_take_max_upload_plus_overhead)
{
	long limit = ig_route_body_limit(&table[6], 10485760, 20971520);

	ck_assert_int_eq(limit, 20971520 + IG_UPLOAD_OVERHEAD);
	ck_assert_int_eq(ig_route_body_limit(&table[6], 1048576, 20971520), limit);
	ck_assert_int_eq(ig_route_body_limit(&table[6], 10485760, 1024), 1024 + IG_UPLOAD_OVERHEAD);
	/* The overhead holds a browser's framing of the file and of a title
	 * and tags at their longest, with room to spare. */
	ck_assert_int_ge(IG_UPLOAD_OVERHEAD, 4 * 4096 + 4 * 1024);
	/* nginx's client_max_body_size (64m) stays above the largest setting. */
	ck_assert_int_le(ig_route_body_limit(&table[6], 10485760, 67043328), 64L * 1024 * 1024);
	/* Other rows are unchanged by IG_MAX_UPLOAD. */
	ck_assert_int_eq(ig_route_body_limit(&table[5], 10485760, 67043328), 10485760);
	ck_assert_int_eq(ig_route_body_limit(NULL, 10485760, 67043328), IG_BODY_SMALL);
}
END_TEST

/* The application's table: the login of the attack is small, a batch's
 * prompts may take the whole IG_MAX_BODY, and no row says 0 bytes by
 * mistake (IG_BODY_FULL is the only non-positive value). */
START_TEST(application_table_body_limits)
{
	ig_route_match m;

	ck_assert_int_eq(ig_route_find(ig_routes, ig_nroutes, "POST", "/api/auth/login", &m), 0);
	ck_assert_int_eq(ig_route_body_limit(m.route, 10485760, 20971520), IG_BODY_SMALL);
	ck_assert_int_eq(ig_route_find(ig_routes, ig_nroutes, "POST", "/api/batch/generate", &m), 0);
	ck_assert_int_eq(ig_route_body_limit(m.route, 10485760, 20971520), 10485760);
	for (size_t i = 0; i < ig_nroutes; i++)
		ck_assert_msg(ig_routes[i].max_body == IG_BODY_FULL ||
		    ig_routes[i].max_body == IG_BODY_UPLOAD || ig_routes[i].max_body >= 1024,
		    "%s %s: body limit %ld", ig_routes[i].method, ig_routes[i].pattern, ig_routes[i].max_body);
}
END_TEST

/* The hold column: the streams, the routes that wait for a generation and
 * the assistant's LLM chat are long; the ordinary routes next to them are
 * not (a long row is capped per user, a short one never is). */
START_TEST(application_table_long_rows)
{
	static const char *const rows[][3] = {
		{ "GET", "/api/batch/00000000-0000-4000-8000-000000000000/events", "long" },
		{ "GET", "/api/batch/00000000-0000-4000-8000-000000000000/download", "long" },
		{ "POST", "/api/generate-image", "long" },
		{ "POST", "/api/replicate/generate", "long" },
		{ "POST", "/v1/images/generations", "long" },
		{ "POST", "/api/assistant/chat", "long" },
		{ "GET", "/api/user", "short" },
		{ "GET", "/health", "short" },
		{ "POST", "/api/batch/generate", "short" },
		{ "GET", "/api/batch/status/00000000-0000-4000-8000-000000000000", "short" },
	};
	ig_route_match m;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ck_assert_int_eq(ig_route_find(ig_routes, ig_nroutes, rows[i][0], rows[i][1], &m), 0);
		ck_assert_msg((m.route->hold == IG_HOLD_LONG) == (strcmp(rows[i][2], "long") == 0),
		    "%s %s should be %s", rows[i][0], rows[i][1], rows[i][2]);
	}
	/* Every streamed answer but the Prometheus scrape, a stored file's
	 * download and a generated image on S3 (headers only: nginx or S3
	 * sends the bytes) holds its thread. */
	for (size_t i = 0; i < ig_nroutes; i++)
		ck_assert_msg(ig_routes[i].stream == NULL || strcmp(ig_routes[i].pattern, "/metrics") == 0 ||
		    strcmp(ig_routes[i].pattern, "/api/storage/download/{file_id}") == 0 ||
		    strcmp(ig_routes[i].pattern, "/generated_images/{name}") == 0 ||
		    ig_routes[i].hold == IG_HOLD_LONG, "%s is streamed but not long", ig_routes[i].pattern);
}
END_TEST

/* The outcome of a handler (http.h), as the pipeline reads it: the status
 * answered, sent (the stream carried it) and the error it answers. */
static int
outcome(int rc, int begun, const char *fill, ig_err *err, int *sent)
{
	memset(err, 0, sizeof(*err));
	if (fill != NULL)
		ig_err_set(err, IG_E_NOT_FOUND, "batch_id", "%s", fill);
	return ig_handler_outcome(rc, begun, begun ? 200 : 0, err, sent);
}

START_TEST(handler_outcomes_are_explicit)
{
	ig_err err;
	int sent;

	/* A status is the JSON answer. */
	ck_assert_int_eq(outcome(201, 0, NULL, &err, &sent), 201);
	ck_assert_int_eq(sent, 0);
	/* IG_FAILED answers the handler's error. */
	ck_assert_int_eq(outcome(IG_FAILED, 0, "no such batch", &err, &sent), IG_FAILED);
	ck_assert_int_eq(sent, 0);
	ck_assert_int_eq(err.code, IG_E_NOT_FOUND);
	ck_assert_str_eq(err.message, "no such batch");
	/* IG_FAILED with err left empty is an internal error, not a 200. */
	ck_assert_int_eq(outcome(IG_FAILED, 0, NULL, &err, &sent), IG_FAILED);
	ck_assert_int_eq(err.code, IG_E_INTERNAL);
	/* A begun stream carried the answer, whether it ended well or early. */
	ck_assert_int_eq(outcome(IG_STREAMED, 1, NULL, &err, &sent), 200);
	ck_assert_int_eq(sent, 1);
	ck_assert_int_eq(outcome(IG_FAILED, 1, NULL, &err, &sent), 200);
	ck_assert_int_eq(sent, 1);
}
END_TEST

/* Handler bugs get a proper JSON error (ig_error_body), not 500 with {}:
 * the old pipeline answered a stream handler that returned 0 without
 * beginning its stream with status 500 and an empty object. */
START_TEST(handler_bugs_answer_a_json_error)
{
	static const int bugs[] = { IG_STREAMED, 0, 1, 42, 600, -3 };
	ig_req req;
	ig_err err;
	int sent;

	memset(&req, 0, sizeof(req));
	snprintf(req.request_id, sizeof(req.request_id), "rid-1");
	for (size_t i = 0; i < sizeof(bugs) / sizeof(bugs[0]); i++) {
		json_object *b, *e;
		ck_assert_int_eq(outcome(bugs[i], 0, NULL, &err, &sent), IG_FAILED);
		ck_assert_int_eq(sent, 0);
		ck_assert_int_eq(err.code, IG_E_INTERNAL);
		ck_assert_int_eq(ig_err_status(err.code), 500);
		b = ig_error_body(&req, &err);
		ck_assert(json_object_object_get_ex(b, "error", &e));
		ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "code")), "internal");
		ck_assert_str_eq(json_object_get_string(json_object_object_get(b, "request_id")), "rid-1");
		json_object_put(b);
	}
}
END_TEST

/* Streamed rows use the one handler type in the .stream column; the hold
 * logic reads the column as the row's flag. */
START_TEST(streamed_rows_are_flagged)
{
	static const char *const streamed[][2] = {
		{ "GET", "/metrics" },
		{ "GET", "/api/batch/00000000-0000-4000-8000-000000000000/events" },
		{ "GET", "/api/batch/00000000-0000-4000-8000-000000000000/download" },
		{ "GET", "/api/storage/download/00000000-0000-4000-8000-000000000000" },
		{ "GET", "/generated_images/openai_1700000000_1_0123456789abcdef.png" },
	};
	ig_route_match m;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(streamed) / sizeof(streamed[0]); i++) {
		ck_assert_int_eq(ig_route_find(ig_routes, ig_nroutes, streamed[i][0], streamed[i][1], &m), 0);
		ck_assert_ptr_nonnull(m.route->stream);
		ck_assert_ptr_null(m.route->handler);
	}
	for (size_t i = 0; i < ig_nroutes; i++) {
		ck_assert_msg((ig_routes[i].stream == NULL) != (ig_routes[i].handler == NULL),
		    "%s %s needs exactly one of handler and stream", ig_routes[i].method, ig_routes[i].pattern);
		n += ig_routes[i].stream != NULL;
	}
	ck_assert_int_eq((int)n, 5);
}
END_TEST

/* The one place error bodies are built gives the OpenAI-compatible routes
 * OpenAI's shape when their handler asked for it, and API.md's otherwise. */
START_TEST(error_shapes)
{
	static const struct { ig_errcode code; const char *type; } cases[] = {
		{ IG_E_INVALID_REQUEST, "invalid_request_error" },
		{ IG_E_UNAUTHORIZED, "authentication_error" },
		{ IG_E_RATE_LIMITED, "rate_limit_error" },
		{ IG_E_INTERNAL, "server_error" },
	};
	ig_req req;

	memset(&req, 0, sizeof(req));
	snprintf(req.request_id, sizeof(req.request_id), "rid-2");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ig_err err = { 0 };
		json_object *b, *e;

		ig_err_set(&err, cases[i].code, "model", "bad model");
		req.error_shape = IG_ERRORS_OPENAI;
		b = ig_error_body(&req, &err);
		ck_assert(json_object_object_get_ex(b, "error", &e));
		ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "type")), cases[i].type);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "param")), "model");
		ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "message")), "bad model");
		ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "code")), ig_err_name(cases[i].code));
		ck_assert(!json_object_object_get_ex(b, "success", NULL));
		json_object_put(b);
		req.error_shape = IG_ERRORS_API;
		b = ig_error_body(&req, &err);
		ck_assert(json_object_object_get_ex(b, "error", &e));
		ck_assert_str_eq(json_object_get_string(json_object_object_get(e, "field")), "model");
		ck_assert(!json_object_get_boolean(json_object_object_get(b, "success")));
		ck_assert_str_eq(json_object_get_string(json_object_object_get(b, "request_id")), "rid-2");
		json_object_put(b);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("routes");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, captures_parameters);
	tcase_add_test(tc, first_matching_row_wins);
	tcase_add_test(tc, wrong_method_is_405_with_allow);
	tcase_add_test(tc, head_is_served_by_get);
	tcase_add_test(tc, unknown_paths_are_404);
	tcase_add_test(tc, application_table_has_health);
	tcase_add_test(tc, body_limit_is_the_rows_capped_by_max_body);
	tcase_add_test(tc, application_table_body_limits);
	tcase_add_test(tc, upload_rows_take_max_upload_plus_overhead);
	tcase_add_test(tc, application_table_long_rows);
	tcase_add_test(tc, handler_outcomes_are_explicit);
	tcase_add_test(tc, handler_bugs_answer_a_json_error);
	tcase_add_test(tc, streamed_rows_are_flagged);
	tcase_add_test(tc, error_shapes);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
