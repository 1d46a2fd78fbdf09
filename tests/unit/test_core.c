/*
 * test_core.c — lib/core: configuration, strict JSON, metrics, utilities.
 * Each test names the bug it guards.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/metrics.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/page.h"
#include "tests/unit/ut.h"

static void
clear_env(void)
{
	const char *vars[] = { "IG_VAR_DIR", "IG_WORKERS", "IG_THREADS", "IG_SOCKET", "IG_MAX_BODY",
		"IG_ENVIRONMENT", "IG_SOCKET_MODE", "IG_IMAGE_DIR", "IG_LOG_LEVEL", "IG_SERVER_KEYS",
		"IG_SERVER_KEY_DAILY_IMAGES", "IG_SERVER_KEY_DAILY_CHATS", "IG_SOCKET_ANY_ADDRESS", NULL };
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

/* Defaults derive from IG_VAR_DIR, so moving the var dir moves the socket
 * and the images with it. */
START_TEST(config_defaults_follow_var_dir)
{
	char err[256];

	clear_env();
	setenv("IG_VAR_DIR", "/srv/ig", 1);
	ck_assert_int_eq(ig_config_load(err, sizeof(err)), 0);
	ck_assert_str_eq(ig_cfg()->socket, "/srv/ig/run/imagegen.sock");
	ck_assert_str_eq(ig_cfg()->image_dir, "/srv/ig/images");
	ck_assert_int_eq(ig_cfg()->workers, 2);
	ck_assert_int_eq(ig_cfg()->socket_mode, 0660);
	/* A TCP IG_SOCKET stays on loopback unless the operator says so. */
	ck_assert_int_eq(ig_cfg()->socket_any_addr, 0);
	ck_assert_int_eq(ig_cfg()->max_body, 10485760);
	/* The server's provider keys are the operator's money: without a
	 * setting only administrators spend them (issue 10, item 4). */
	ck_assert_str_eq(ig_cfg()->server_keys, "admins");
	ck_assert_int_eq(ig_cfg()->server_key_daily_images, 50);
	ck_assert_int_eq(ig_cfg()->server_key_daily_chats, 100);
}
END_TEST

/* A bad value must stop the program with a message naming the variable,
 * not fall back silently (IG_WORKERS=abc once meant one worker). */
START_TEST(config_rejects_bad_values_naming_the_variable)
{
	static const char *const cases[][2] = {
		{ "IG_WORKERS", "abc" }, { "IG_WORKERS", "0" }, { "IG_WORKERS", "4x" },
		{ "IG_THREADS", "-1" }, { "IG_MAX_BODY", "12" }, { "IG_ENVIRONMENT", "staging" },
		{ "IG_SOCKET_MODE", "0999" }, { "IG_SOCKET", "" }, { "IG_LOG_LEVEL", "loud" },
		{ "IG_SERVER_KEYS", "everyone" }, { "IG_SERVER_KEY_DAILY_IMAGES", "-1" },
		{ "IG_SERVER_KEY_DAILY_CHATS", "lots" }, { "IG_SOCKET_ANY_ADDRESS", "2" },
		{ "IG_SOCKET_ANY_ADDRESS", "yes" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear_env();
		setenv(cases[i][0], cases[i][1], 1);
		ck_assert_int_eq(ig_config_load(err, sizeof(err)), -1);
		ck_assert_msg(strncmp(err, cases[i][0], strlen(cases[i][0])) == 0,
		    "message for %s=%s does not name it: %s", cases[i][0], cases[i][1], err);
	}
	clear_env();
}
END_TEST

/* `imagegen config` once printed IG_SMTP_URL's password as it was, and the
 * database URL not at all: the masker keeps every value readable and
 * leaves no password of either libpq form, a mail URL or a provider URL. */
START_TEST(config_mask_hides_passwords_in_urls)
{
	static const char *const cases[][2] = {
		{ "postgresql://ig:S3cr3t@db.example/imagegen", "postgresql://ig:****@db.example/imagegen" },
		{ "postgres://ig:p@ss/w@h1:5432,h2/imagegen?sslmode=require&password=S3cr3t",
		  "postgres://ig:****@h1:5432,h2/imagegen?sslmode=require&password=****" },
		{ "postgresql://ig@db/imagegen", "postgresql://ig@db/imagegen" },
		{ "host=/run/pg port=5433 dbname=imagegen user=ig password=S3cr3t",
		  "host=/run/pg port=5433 dbname=imagegen user=ig password=****" },
		{ "dbname=imagegen password = 'S3 cr\\'et' sslpassword=S3cr3t user=ig",
		  "dbname=imagegen password=**** sslpassword=**** user=ig" },
		{ "smtps://mailer:S3cr3t@smtp.example:465", "smtps://mailer:****@smtp.example:465" },
		{ "http://sd:S3cr3t@10.0.0.5:7860", "http://sd:****@10.0.0.5:7860" },
		{ "https://api.example/v1?api_key=S3cr3t#x", "https://api.example/v1?api_key=****#x" },
		{ "https://api.openai.com", "https://api.openai.com" },
		{ "dbname=imagegen", "dbname=imagegen" },
		{ "imagegen <noreply@localhost>", "imagegen <noreply@localhost>" },
		{ "not a conninfo password S3cr3t=", "(set, not shown)" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = ig_config_mask(cases[i][0]);
		ck_assert_msg(strcmp(m, cases[i][1]) == 0, "%s -> %s", cases[i][0], m);
		ck_assert_msg(strstr(m, "S3") == NULL, "%s leaks in %s", cases[i][0], m);
		free(m);
	}
}
END_TEST

static json_object *
parse(const char *s, ig_err *err)
{
	return ig_json_parse(s, strlen(s), 100, err);
}

/* json-c's lenient defaults accept all of these; a body must not. */
START_TEST(json_strict_rejects_lenient_inputs)
{
	static const char *const bad[] = {
		"{\"a\": 1,}",              /* trailing comma */
		"{\"a\": 1} /* c */",       /* comment */
		"{\"a\": 1} garbage",       /* trailing data */
		"{\"a\": 1}{\"b\": 2}",     /* two values */
		"{\"a\": \"x\\u0000y\"}",   /* NUL inside a string */
		"{\"a\\u0000\": 1}",        /* NUL inside a key */
		"{\"a\": \"\xff\"}",        /* invalid UTF-8 */
		"{\"a\": 'x'}",             /* single quotes */
		"{\"a\": 1",                /* truncated */
		"",                         /* empty */
		"{\"a\": \"line\nbreak\"}", /* raw control character */
	};
	ig_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *o = parse(bad[i], &err);
		ck_assert_msg(o == NULL, "accepted: %s", bad[i]);
		ck_assert_int_eq(err.code, IG_E_INVALID_JSON);
	}
}
END_TEST

START_TEST(json_accepts_valid_documents)
{
	ig_err err;
	json_object *o = parse("  {\"a\": [1, 2, {\"b\": \"\\u00e9\\\\u0000\"}]}\r\n", &err);

	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	o = parse("42", &err);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_get_int(o), 42);
	json_object_put(o);
}
END_TEST

/* Depth past 32 and oversized arrays are refused before a handler walks them. */
START_TEST(json_caps_depth_and_arrays)
{
	ig_err err;
	char deep[200];
	size_t n = 0;
	json_object *o;

	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	for (int i = 0; i < 40; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	ck_assert_ptr_null(parse(deep, &err));

	o = ig_json_parse("[1,2,3,4]", 9, 3, &err);
	ck_assert_ptr_null(o);
	ck_assert_ptr_nonnull(strstr(err.message, "4 elements"));
}
END_TEST

/*
 * Issue 10: a 4.5 MB login body {"username_or_email":[{},{},…]} took a
 * worker to 1.1 GB because json-c built all 1.5 million objects before the
 * array length was checked. ig_json_scan counts before json-c runs; these
 * tests pin what it counts and where each limit falls (exactly at the
 * limit passes, one more is refused and the message names the limit).
 */
static const ig_json_limits small_limits = { 3, 8, 4, 3, 2 };

static int
scan(const char *s, const ig_json_limits *lim, ig_err *err)
{
	memset(err, 0, sizeof(*err));
	return ig_json_scan(s, strlen(s), lim, err);
}

/* n copies of unit between head and tail, units separated by commas. */
static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	ig_buf b = { 0 };

	ig_buf_puts(&b, head);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			ig_buf_puts(&b, ",");
		ig_buf_puts(&b, unit);
	}
	ig_buf_puts(&b, tail);
	return b.data;
}

START_TEST(json_scan_depth)
{
	ig_err err;
	char doc[2 * IG_JSON_MAX_DEPTH + 8];
	json_object *o;
	size_t n = 0;

	ck_assert_int_eq(scan("[[[]]]", &small_limits, &err), 0);
	ck_assert_int_eq(scan("[[[[]]]]", &small_limits, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_JSON);
	ck_assert_ptr_nonnull(strstr(err.message, "deeper than 3 levels"));
	ck_assert_int_eq(scan("{\"a\":{\"b\":[1]}}", &small_limits, &err), 0);
	ck_assert_int_eq(scan("{\"a\":{\"b\":[{}]}}", &small_limits, &err), -1);

	/* The real limit, through the parser: 32 levels parse, 33 do not. */
	for (int i = 0; i < IG_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (int i = 0; i < IG_JSON_MAX_DEPTH; i++)
		doc[n++] = ']';
	o = ig_json_parse(doc, n, 10, &err);
	ck_assert_msg(o != NULL, "32 levels refused: %s", err.message);
	json_object_put(o);
	memmove(doc + 1, doc, n);
	doc[0] = '[';
	doc[++n] = ']';
	n++;
	ck_assert_ptr_null(ig_json_parse(doc, n, 10, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "deeper than 32 levels"));
}
END_TEST

START_TEST(json_scan_tokens)
{
	ig_err err;
	ig_buf b = { 0 };
	json_object *o;
	size_t left;

	/* Containers, keys, strings, numbers and literals are one token each. */
	ck_assert_int_eq(scan("[[1,true],[null]]", &small_limits, &err), 0);        /* 6 */
	ck_assert_int_eq(scan("{\"a\":[\"x\",-1.5e3]}", &small_limits, &err), 0);   /* 5 */
	ck_assert_int_eq(scan("[[1,2],[3,4],[5]]", &small_limits, &err), -1);       /* 9 */
	ck_assert_ptr_nonnull(strstr(err.message, "more than 8 tokens"));

	/* IG_JSON_MAX_TOKENS exactly: an array of arrays of zeros. */
	left = IG_JSON_MAX_TOKENS - 1;
	ig_buf_puts(&b, "[");
	while (left > 0) {
		size_t k = left - 1 > 1000 ? 1000 : left - 1;
		ig_buf_puts(&b, b.len > 1 ? ",[" : "[");
		for (size_t i = 0; i < k; i++)
			ig_buf_puts(&b, i ? ",0" : "0");
		ig_buf_puts(&b, "]");
		left -= k + 1;
	}
	ig_buf_puts(&b, "]");
	o = ig_json_parse(b.data, b.len, 1000, &err);
	ck_assert_msg(o != NULL, "%d tokens refused: %s", IG_JSON_MAX_TOKENS, err.message);
	json_object_put(o);
	b.data[b.len - 2] = ',';   /* the last zero array gets one more */
	b.data[b.len - 1] = '0';
	ig_buf_puts(&b, "]]");
	ck_assert_ptr_null(ig_json_parse(b.data, b.len, 1000, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "more than 100000 tokens"));
	ig_buf_free(&b);
}
END_TEST

START_TEST(json_scan_container_sizes)
{
	ig_err err;
	char *s;
	json_object *o;

	ck_assert_int_eq(scan("[1,2,3]", &small_limits, &err), 0);
	ck_assert_int_eq(scan("[1,2,3,4]", &small_limits, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "at most 3 are allowed"));
	ck_assert_int_eq(scan("[[],[],[]]", &small_limits, &err), 0);
	ck_assert_int_eq(scan("{\"a\":1,\"b\":2}", &small_limits, &err), 0);
	ck_assert_int_eq(scan("{\"a\":1,\"b\":2,\"c\":3}", &small_limits, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "an object has at least 3 members"));
	/* Each container counts its own: an array of 3 in an object of 1. */
	ck_assert_int_eq(scan("{\"a\":[1,2,3]}", &small_limits, &err), 0);

	/* The real limits through the parser: max_array elements, then one
	 * more; IG_JSON_MAX_MEMBERS members, then one more. */
	s = repeat("[", "{}", 1000, "]");
	o = ig_json_parse(s, strlen(s), 1000, &err);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	ck_assert_ptr_null(ig_json_parse(s, strlen(s), 999, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "at least 1000 elements"));
	free(s);
	{
		ig_buf b = { 0 };
		ig_buf_puts(&b, "{");
		for (int i = 0; i < IG_JSON_MAX_MEMBERS; i++)
			ig_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
		ig_buf_puts(&b, "}");
		o = ig_json_parse(b.data, b.len, 10, &err);
		ck_assert_msg(o != NULL, "%d members refused: %s", IG_JSON_MAX_MEMBERS, err.message);
		ck_assert_int_eq(json_object_object_length(o), IG_JSON_MAX_MEMBERS);
		json_object_put(o);
		b.len--;
		ig_buf_puts(&b, ",\"one_more\":0}");
		ck_assert_ptr_null(ig_json_parse(b.data, b.len, 10, &err));
		ck_assert_ptr_nonnull(strstr(err.message, "at most 10000 are allowed"));
		ig_buf_free(&b);
	}
	/* Containers in the whole document: 9999 [] in one array is 10000. */
	s = repeat("[", "[]", IG_JSON_MAX_CONTAINERS - 1, "]");
	o = ig_json_parse(s, strlen(s), IG_JSON_MAX_CONTAINERS, &err);
	ck_assert_msg(o != NULL, "%d containers refused: %s", IG_JSON_MAX_CONTAINERS, err.message);
	json_object_put(o);
	free(s);
	s = repeat("[", "[]", IG_JSON_MAX_CONTAINERS, "]");
	ck_assert_ptr_null(ig_json_parse(s, strlen(s), IG_JSON_MAX_CONTAINERS, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "more than 10000 arrays and objects"));
	free(s);
}
END_TEST

/* Brackets, commas and quotes inside strings are text: they neither nest,
 * nor count, nor end the string early. */
START_TEST(json_scan_strings_are_opaque)
{
	static const ig_json_limits one = { 1, 3, 1, 1, 1 };
	static const char *const ok[] = {
		"{\"a\":\"[[[[{{{,,,]]]}}}\"}",
		"[\"\\\",]]]\"]",                   /* an escaped quote, then brackets */
		"[\"\\\\\"]",                       /* an escaped backslash ends it */
		"{\"k,[{\":\"\\u005b\\u007b\\\"\"}",
		"[\"\xc3\xa9,\xe2\x82\xac]\"]",     /* UTF-8 holding a comma and a bracket */
	};
	ig_err err;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		json_object *o;
		ck_assert_msg(scan(ok[i], &one, &err) == 0, "%s: %s", ok[i], err.message);
		o = ig_json_parse(ok[i], strlen(ok[i]), 1, &err);
		ck_assert_msg(o != NULL, "%s: %s", ok[i], err.message);
		json_object_put(o);
	}
	/* One quote escaped, the next one real: two elements. */
	ck_assert_int_eq(scan("[\"a\\\"\",\"b\"]", &one, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "at least 2 elements"));
	/* Closers of the wrong kind or closing nothing end the scan. */
	ck_assert_int_eq(scan("[}", &small_limits, &err), -1);
	ck_assert_int_eq(scan("]", &small_limits, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "malformed JSON"));
}
END_TEST

/* The scan leaves UTF-8 to json-c (JSON_TOKENER_VALIDATE_UTF8): invalid
 * sequences are still refused, in strings, keys and outside them. */
START_TEST(json_scan_leaves_utf8_to_the_parser)
{
	static const char *const bad[] = {
		"{\"a\": \"\xff\"}", "{\"\xc3\": 1}", "[\"\xe2\x82\"]", "[1,\xc3\xa9]",
	};
	ig_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(scan(bad[i], &small_limits, &err), 0);
		ck_assert_ptr_null(ig_json_parse(bad[i], strlen(bad[i]), 10, &err));
		ck_assert_int_eq(err.code, IG_E_INVALID_JSON);
	}
}
END_TEST

/* The attack itself is refused by the scan, before json-c sees a byte. */
START_TEST(json_scan_refuses_the_issue_10_body)
{
	static const ig_json_limits body = { IG_JSON_MAX_DEPTH, IG_JSON_MAX_TOKENS,
		IG_JSON_MAX_CONTAINERS, 1000, IG_JSON_MAX_MEMBERS };
	char *s = repeat("{\"username_or_email\":[", "{}", 333330, "]}");
	ig_err err;

	ck_assert_uint_gt(strlen(s), 999000);
	ck_assert_int_eq(ig_json_scan(s, strlen(s), &body, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "an array has at least 1001 elements"));
	ck_assert_ptr_null(ig_json_parse(s, strlen(s), 1000, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "an array has at least 1001 elements"));
	free(s);
}
END_TEST

/* json_object_get_int coerces "12abc" to 12, true to 1 and 3e9 to INT32_MAX;
 * the typed readers refuse each and name the field. */
START_TEST(json_typed_readers_do_not_coerce)
{
	ig_err err;
	int64_t v;
	const char *s;
	int b;
	json_object *o = parse("{\"s\": \"12abc\", \"t\": true, \"d\": 3e9, \"big\": 9223372036854775808,"
	    " \"n\": 7, \"str\": \"h\\u00e9llo\", \"nul\": null}", &err);

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(ig_json_int(o, "s", 1, 0, 100, &v, &err), -1);
	ck_assert_str_eq(err.field, "s");
	ck_assert_int_eq(ig_json_int(o, "t", 1, 0, 100, &v, &err), -1);
	ck_assert_int_eq(ig_json_int(o, "d", 1, 0, INT64_MAX, &v, &err), -1);
	ck_assert_int_eq(ig_json_int(o, "big", 1, 0, INT64_MAX, &v, &err), -1);
	ck_assert_int_eq(ig_json_int(o, "n", 1, 0, 5, &v, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.message, "between 0 and 5"));
	ck_assert_int_eq(ig_json_int(o, "n", 1, 0, 10, &v, &err), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(ig_json_int(o, "missing", 0, 0, 10, &v, &err), 1);
	ck_assert_int_eq(ig_json_int(o, "nul", 0, 0, 10, &v, &err), 1);
	ck_assert_int_eq(ig_json_int(o, "missing", 1, 0, 10, &v, &err), -1);
	ck_assert_str_eq(err.field, "missing");
	/* Lengths count code points, not bytes: "héllo" is 5. */
	ck_assert_int_eq(ig_json_string(o, "str", 1, 5, 5, &s, &err), 0);
	ck_assert_int_eq(ig_json_string(o, "n", 1, 0, 5, &s, &err), -1);
	ck_assert_int_eq(ig_json_bool(o, "s", 1, &b, &err), -1);
	ck_assert_int_eq(ig_json_bool(o, "t", 1, &b, &err), 0);
	ck_assert_int_eq(b, 1);
	json_object_put(o);
}
END_TEST

START_TEST(json_only_keys_names_the_unknown_field)
{
	static const char *const allowed[] = { "theme", "language", NULL };
	ig_err err;
	json_object *o = parse("{\"theme\": \"dark\", \"colour\": 1}", &err);

	ck_assert_int_eq(ig_json_only_keys(o, allowed, &err), -1);
	ck_assert_str_eq(err.field, "colour");
	json_object_put(o);
}
END_TEST

/* Percentiles come from the shared histogram: with 90 fast and 10 slow
 * requests p50 must sit in the fast bucket and p99 in the slow one. */
START_TEST(metrics_percentiles_follow_the_histogram)
{
	ig_metrics *m = ig_metrics_local();

	ck_assert(ig_metrics_percentile_ms(m, 0.5) == 0);
	for (int i = 0; i < 90; i++) {
		ig_metrics_begin(m);
		ig_metrics_end(m, 200, 1000);    /* 1 ms */
	}
	for (int i = 0; i < 10; i++) {
		ig_metrics_begin(m);
		ig_metrics_end(m, 503, 200000);  /* 200 ms */
	}
	ck_assert_uint_eq(m->requests, 100);
	ck_assert_uint_eq(m->by_status[200], 90);
	ck_assert_uint_eq(m->by_status[503], 10);
	ck_assert_uint_eq(m->in_flight, 0);
	double p50 = ig_metrics_percentile_ms(m, 0.5), p99 = ig_metrics_percentile_ms(m, 0.99);
	ck_assert_msg(p50 > 0.6 && p50 <= 1.6, "p50 %f", p50);
	ck_assert_msg(p99 > 130 && p99 <= 300, "p99 %f", p99);
	free(m);
}
END_TEST

/* The host's long-request table: a key gets cap slots and no more, other
 * keys are counted apart, a slot freed is free again, and the slots of a
 * process that died are freed by pid, also when that process claimed
 * them through the shared block after fork. */
START_TEST(long_requests_capped_per_key_across_processes)
{
	int fd, held = -1, s[4];
	ig_metrics *m = ig_metrics_map(&fd);
	pid_t child;
	int status;

	ck_assert_ptr_nonnull(m);
	s[0] = ig_long_claim(m, 11, 100, 2, &held);
	ck_assert_int_gt(s[0], 0);
	ck_assert_int_eq(held, 1);
	s[1] = ig_long_claim(m, 11, 100, 2, &held);
	ck_assert_int_gt(s[1], 0);
	ck_assert_int_eq(ig_long_claim(m, 11, 100, 2, &held), 0);
	ck_assert_int_eq(held, 2);
	s[2] = ig_long_claim(m, 22, 100, 2, &held);
	ck_assert_int_gt(s[2], 0);
	ck_assert_int_eq(ig_long_count(m, 11), 2);
	ck_assert_int_eq(ig_long_count(m, 0), 3);
	ig_long_release(m, s[0]);
	ck_assert_int_eq(ig_long_count(m, 11), 1);

	/* A child process takes the key's last slot through the shared
	 * block and dies holding it. */
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		int h;
		_exit(ig_long_claim(m, 11, getpid(), 2, &h) > 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_eq(ig_long_claim(m, 11, 100, 2, &held), 0);
	ck_assert_int_eq(ig_long_release_pid(m, child), 1);
	s[3] = ig_long_claim(m, 11, 100, 2, &held);
	ck_assert_int_gt(s[3], 0);
	ck_assert_int_eq(ig_long_release_pid(m, 100), 3);
	ck_assert_int_eq(ig_long_count(m, 0), 0);
	munmap(m, sizeof(*m));
	close(fd);
}
END_TEST

START_TEST(util_parse_int_and_request_ids)
{
	int64_t v;

	ck_assert_int_eq(ig_parse_int64("123", 0, 1000, &v), 0);
	ck_assert_int_eq(v, 123);
	ck_assert_int_eq(ig_parse_int64("", 0, 1000, &v), -1);
	ck_assert_int_eq(ig_parse_int64("12 ", 0, 1000, &v), -1);
	ck_assert_int_eq(ig_parse_int64("99999999999999999999", 0, INT64_MAX, &v), -1);
	ck_assert(ig_request_id_valid("abc-123_x.y"));
	ck_assert(!ig_request_id_valid(""));
	ck_assert(!ig_request_id_valid("a b"));
	ck_assert(!ig_request_id_valid("a\r\nSet-Cookie: x"));  /* header injection */
	char longid[80];
	memset(longid, 'a', 79);
	longid[79] = '\0';
	ck_assert(!ig_request_id_valid(longid));
	char u[IG_UUID_BUF];
	ig_uuid4(u);
	ck_assert_int_eq(strlen(u), 36);
	ck_assert_int_eq(u[14], '4');
}
END_TEST

/* ig_page cursors: a cursor round-trips its (sort key, id); any edited
 * character, another list's scope or another IG_SECRET_KEY refuses it
 * with invalid_request naming cursor; next_cursor only while rows remain. */
START_TEST(page_cursor_is_tamper_evident)
{
	char err[256], c[IG_PAGE_CURSOR_MAX], long_key[IG_PAGE_PART_MAX + 1], *next;
	ig_page pg;
	ig_err e;

	clear_env();
	setenv("IG_SECRET_KEY", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1);
	ck_assert_int_eq(ig_config_load(err, sizeof(err)), 0);
	ck_assert_int_eq(ig_page_cursor("batches", "2026-12-01T18:00:00.123456Z", "6f1c1b52-4d7a-4e7b-9c1e-0b6a0f7e8d21",
	    c), 0);
	ck_assert_int_eq(ig_page_open(&pg, "batches", 20, c, &e), 0);
	ck_assert(pg.has_after);
	ck_assert_str_eq(pg.after_key, "2026-12-01T18:00:00.123456Z");
	ck_assert_str_eq(pg.after_id, "6f1c1b52-4d7a-4e7b-9c1e-0b6a0f7e8d21");
	ck_assert_str_eq(pg.limit_plus_one, "21");
	for (size_t i = 0; i < strlen(c); i++) {
		char t[IG_PAGE_CURSOR_MAX];
		strcpy(t, c);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		memset(&e, 0, sizeof(e));
		ck_assert_msg(ig_page_open(&pg, "batches", 20, t, &e) == -1, "edited at %zu: accepted", i);
		ck_assert_str_eq(e.field, "cursor");
		ck_assert_int_eq(e.code, IG_E_INVALID_REQUEST);
	}
	ck_assert_int_eq(ig_page_open(&pg, "events", 20, c, &e), -1);
	ck_assert_int_eq(ig_page_open(&pg, "batches", 20, "6f1c1b52-4d7a-4e7b-9c1e-0b6a0f7e8d21", &e), -1);
	ck_assert_int_eq(ig_page_open(&pg, "batches", 20, "", &e), 0);
	ck_assert(!pg.has_after);
	setenv("IG_SECRET_KEY", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", 1);
	ck_assert_int_eq(ig_config_load(err, sizeof(err)), 0);
	ck_assert_int_eq(ig_page_open(&pg, "batches", 20, c, &e), -1);
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	ck_assert_int_eq(ig_page_cursor("batches", long_key, "1", c), -1);
	ck_assert_int_eq(ig_page_open(&pg, "batches", 2, NULL, &e), 0);
	ck_assert_ptr_null(ig_page_next(&pg, "batches", 2, "k", "1"));
	next = ig_page_next(&pg, "batches", 3, "k", "1");
	ck_assert_ptr_nonnull(next);
	ck_assert_int_eq(ig_page_open(&pg, "batches", 2, next, &e), 0);
	ck_assert_str_eq(pg.after_key, "k");
	free(next);
	unsetenv("IG_SECRET_KEY");
}
END_TEST

/* ig_upload_read, the body reader of the mail and S3 uploads: len bytes
 * from memory or from a file at an offset, in the pieces libcurl asks
 * for, 0 at the end; a failed read of the file aborts and says so. */
START_TEST(upload_reader_serves_memory_and_file_ranges)
{
	static const char text[] = "0123456789abcdef";
	char buf[8], path[] = "/tmp/ig-upload-XXXXXX";
	ig_upload u = { .mem = (const unsigned char *)text, .fd = -1, .len = 10 };
	int fd;

	ck_assert_uint_eq(ig_upload_read(buf, 1, 4, &u), 4);
	ck_assert(memcmp(buf, "0123", 4) == 0);
	ck_assert_uint_eq(ig_upload_read(buf, 2, 4, &u), 6);
	ck_assert(memcmp(buf, "456789", 6) == 0);
	ck_assert_uint_eq(ig_upload_read(buf, 1, sizeof(buf), &u), 0);
	ck_assert_uint_eq(u.sent, 10);
	ck_assert_int_eq(u.read_failed, 0);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, text, 16), 16);
	u = (ig_upload){ .fd = fd, .off = 3, .len = 9 };
	ck_assert_uint_eq(ig_upload_read(buf, 1, sizeof(buf), &u), 8);
	ck_assert(memcmp(buf, "3456789a", 8) == 0);
	ck_assert_uint_eq(ig_upload_read(buf, 1, sizeof(buf), &u), 1);
	ck_assert_int_eq(buf[0], 'b');
	ck_assert_uint_eq(ig_upload_read(buf, 1, sizeof(buf), &u), 0);
	/* Past the file's end: the read fails rather than sending short. */
	u = (ig_upload){ .fd = fd, .off = 16, .len = 4 };
	ck_assert_uint_ne(ig_upload_read(buf, 1, sizeof(buf), &u), 0);
	ck_assert_int_eq(u.read_failed, 1);
	ck_assert_uint_eq(u.sent, 0);
	close(fd);
}
END_TEST

/* What a statement runner receives from IG_DB_ARGS: the count it is
 * given. */
static int
args_seen(int n, const char *const *p, const char **last)
{
	*last = n > 0 ? p[n - 1] : "";
	return n;
}

/* IG_DB_ARGS replaced "const char *p[N] = {...}; f(sql, N, p, ...)",
 * where N was written twice: a parameter added to the list but not to the
 * count is never sent (the statement fails, or a NULL is bound where a
 * value was meant). The count is the list's own, NULLs included. */
START_TEST(db_args_count_themselves)
{
	const char *last, *id = "u1";

	ck_assert_int_eq(args_seen(IG_DB_ARGS(id), &last), 1);
	ck_assert_str_eq(last, "u1");
	ck_assert_int_eq(args_seen(IG_DB_ARGS(id, NULL, "3", id), &last), 4);
	ck_assert_str_eq(last, "u1");
	ck_assert_int_eq(args_seen(IG_DB_ARGS("a", NULL), &last), 2);
	ck_assert_ptr_null(last);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, config_defaults_follow_var_dir);
	tcase_add_test(tc, config_rejects_bad_values_naming_the_variable);
	tcase_add_test(tc, config_mask_hides_passwords_in_urls);
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_test(tc, json_strict_rejects_lenient_inputs);
	tcase_add_test(tc, json_accepts_valid_documents);
	tcase_add_test(tc, json_caps_depth_and_arrays);
	tcase_add_test(tc, json_scan_depth);
	tcase_add_test(tc, json_scan_tokens);
	tcase_add_test(tc, json_scan_container_sizes);
	tcase_add_test(tc, json_scan_strings_are_opaque);
	tcase_add_test(tc, json_scan_leaves_utf8_to_the_parser);
	tcase_add_test(tc, json_scan_refuses_the_issue_10_body);
	tcase_add_test(tc, json_typed_readers_do_not_coerce);
	tcase_add_test(tc, json_only_keys_names_the_unknown_field);
	suite_add_tcase(s, tc);
	tc = tcase_create("metrics");
	tcase_add_test(tc, metrics_percentiles_follow_the_histogram);
	tcase_add_test(tc, long_requests_capped_per_key_across_processes);
	suite_add_tcase(s, tc);
	tc = tcase_create("util");
	tcase_add_test(tc, util_parse_int_and_request_ids);
	tcase_add_test(tc, page_cursor_is_tamper_evident);
	tcase_add_test(tc, db_args_count_themselves);
	tcase_add_test(tc, upload_reader_serves_memory_and_file_ranges);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
