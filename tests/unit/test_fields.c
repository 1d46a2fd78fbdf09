/* test_fields.c — the declared-fields reader (app/api/fields.h): body and
 * query tables, unknown keys, the default and declared messages, nested
 * tables, presence flags and the one return convention. */
#include "ig_autoconf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/fields.h"
#include "lib/core/util.h"
#include "tests/unit/ut.h"

struct d {
	const char *name, *mode, *id, *opt;
	int64_t count;
	int flag, has_name, has_opt;
	json_object *tags, *meta, *list;
	const char *s_model;
	int64_t s_n;
	const char *code;
};

static const char *const modes[] = { "fast", "slow", NULL };

static int
no_x(void *dst, ig_err *err)
{
	struct d *d = dst;
	return strchr(d->name, 'x') ? ig_err_set(err, IG_E_INVALID_REQUEST, "name", "name may not hold x") : 0;
}

/* A .valid rule: only lowercase letters. */
static int
lowercase(const char *s)
{
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return 0;
	return 1;
}

static const ig_field settings[] = {
	{ "model", IG_F_STRING, 0, 1, 20, .at = IG_AT(struct d, s_model) },
	{ "n", IG_F_INT, 0, 1, 10, .at = IG_AT(struct d, s_n) },
	IG_FIELDS_END
};

static const ig_field body[] = {
	{ "name", IG_F_STRING, IG_F_REQUIRED, 1, 5, .at = IG_AT(struct d, name), .has = IG_HAS(struct d, has_name),
	  .check = no_x },
	{ "count", IG_F_INT, 0, 1, 10, .at = IG_AT(struct d, count) },
	{ "flag", IG_F_BOOL, 0, 0, 0, .at = IG_AT(struct d, flag) },
	{ "mode", IG_F_ENUM, 0, 0, 0, .values = modes, .at = IG_AT(struct d, mode) },
	{ "id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct d, id) },
	{ "tags", IG_F_STRINGS, 0, 1, 3, .at = IG_AT(struct d, tags) },
	{ "meta", IG_F_OBJECT, 0, 0, 0, .at = IG_AT(struct d, meta) },
	{ "list", IG_F_ARRAY, 0, 0, 0, .at = IG_AT(struct d, list), .msg = "{field} must be a list of things" },
	{ "opt", IG_F_STRING, IG_F_NULL | IG_F_MSG_VALUE, 0, 10, .at = IG_AT(struct d, opt), .has = IG_HAS(struct d, has_opt),
	  .msg = "{name} is at most {max} long" },
	{ "settings", IG_F_OBJECT, 0, 0, 0, .sub = settings },
	{ "code", IG_F_STRING, IG_F_MSG_VALUE, 1, 8, .at = IG_AT(struct d, code), .valid = lowercase,
	  .msg = "{name} must be lowercase letters" },
	IG_FIELDS_END
};

static ig_req
req_with(const char *b, const char *q)
{
	ig_req r;

	memset(&r, 0, sizeof(r));
	r.content_type = "application/json";
	r.body = b;
	r.body_len = b ? strlen(b) : 0;
	r.query = q;
	return r;
}

/* Read b by the body table; the return, with err and d filled. */
static int
rb(const char *b, struct d *d, ig_err *err)
{
	ig_req r = req_with(b, NULL);
	int rc;

	memset(d, 0, sizeof(*d));
	d->count = 7;
	memset(err, 0, sizeof(*err));
	rc = ig_fields_body(&r, body, d, err);
	ig_fields_release(&r);
	ck_assert_ptr_null(r.fields);
	return rc;
}

START_TEST(body_reads_every_type)
{
	ig_req r = req_with("{\"name\":\"ab\",\"count\":3,\"flag\":true,\"mode\":\"slow\","
	    "\"id\":\"01234567-89ab-cdef-0123-456789abcdef\",\"tags\":[\"a\",\"b\"],\"meta\":{\"k\":1},"
	    "\"list\":[1,\"x\"],\"settings\":{\"model\":\"m1\",\"n\":4}}", NULL);
	struct d d;
	ig_err err = { 0 };

	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(ig_fields_body(&r, body, &d, &err), 0);
	ck_assert_str_eq(d.name, "ab");
	ck_assert_int_eq(d.has_name, 1);
	ck_assert_int_eq(d.count, 3);
	ck_assert_int_eq(d.flag, 1);
	ck_assert_str_eq(d.mode, "slow");
	ck_assert_ptr_eq(d.mode, modes[1]);
	ck_assert_str_eq(d.id, "01234567-89ab-cdef-0123-456789abcdef");
	ck_assert_int_eq((int)json_object_array_length(d.tags), 2);
	ck_assert(json_object_is_type(d.meta, json_type_object));
	ck_assert_int_eq((int)json_object_array_length(d.list), 2);
	ck_assert_str_eq(d.s_model, "m1");
	ck_assert_int_eq(d.s_n, 4);
	ck_assert_int_eq(d.has_opt, 0);
	ig_fields_release(&r);
	ig_fields_release(&r);
}
END_TEST

START_TEST(absent_fields_keep_defaults_and_null_is_absent)
{
	struct d d;
	ig_err err;

	ck_assert_int_eq(rb("{\"name\":\"ab\",\"count\":null}", &d, &err), 0);
	ck_assert_int_eq(d.count, 7);
	ck_assert_ptr_null(d.mode);
	ck_assert_int_eq(d.has_opt, 0);
	/* IG_F_NULL: null is given, as NULL. */
	ck_assert_int_eq(rb("{\"name\":\"ab\",\"opt\":null}", &d, &err), 0);
	ck_assert_int_eq(d.has_opt, 1);
	ck_assert_ptr_null(d.opt);
}
END_TEST

struct q {
	int64_t limit;
	const char *cursor, *mode, *id, *word;
	int fresh, has_cursor;
};

static int rq(const char *s, struct q *d, ig_err *err);
static int rq_word(const char *s, char *word, size_t n, ig_err *err);

/* err's field and message after reading body b, or query q when b is
 * NULL, which must fail. */
static void
refused_either(const char *b, const char *q, const char *field, const char *msg)
{
	struct d d;
	struct q dq;
	ig_err err;

	ck_assert_int_eq(b != NULL ? rb(b, &d, &err) : rq(q, &dq, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_str_eq(err.field, field);
	ck_assert_str_eq(err.message, msg);
}

#define refused(b, field, msg) refused_either(b, NULL, field, msg)
#define qrefused(q, field, msg) refused_either(NULL, q, field, msg)

START_TEST(default_messages_name_the_field)
{
	refused("{}", "name", "name is required");
	refused("{\"name\":null}", "name", "name is required");
	refused("{\"name\":1}", "name", "name must be a string");
	refused("{\"name\":\"abcdef\"}", "name", "name must be between 1 and 5 characters long");
	refused("{\"name\":\"\"}", "name", "name must be between 1 and 5 characters long");
	refused("{\"name\":\"a\",\"count\":\"3\"}", "count", "count must be an integer");
	refused("{\"name\":\"a\",\"count\":1.0}", "count", "count must be an integer");
	refused("{\"name\":\"a\",\"count\":11}", "count", "count must be between 1 and 10");
	refused("{\"name\":\"a\",\"count\":9223372036854775808}", "count", "count must be between 1 and 10");
	refused("{\"name\":\"a\",\"flag\":1}", "flag", "flag must be true or false");
	refused("{\"name\":\"a\",\"mode\":1}", "mode", "mode must be a string");
	refused("{\"name\":\"a\",\"mode\":\"medium\"}", "mode", "mode must be one of fast, slow");
	refused("{\"name\":\"a\",\"id\":\"01234567-89ab-cdef-0123-456789abcdeg\"}", "id", "id must be a UUID");
	refused("{\"name\":\"a\",\"tags\":[\"a\",2]}", "tags", "tags must be an array of strings");
	refused("{\"name\":\"a\",\"tags\":[]}", "tags", "tags must have between 1 and 3 elements");
	refused("{\"name\":\"a\",\"meta\":[]}", "meta", "meta must be an object");
	refused("{\"name\":\"a\",\"settings\":1}", "settings", "settings must be an object");
}
END_TEST

START_TEST(unknown_keys_come_from_the_table)
{
	refused("{\"name\":\"a\",\"nmae\":1}", "nmae", "unknown field nmae");
	refused("{\"name\":\"a\",\"settings\":{\"model\":\"m\",\"size\":1}}", "settings.size",
	    "unknown field settings.size");
}
END_TEST

START_TEST(nested_errors_carry_the_prefix)
{
	/* The message names the member; the field its full path. */
	refused("{\"name\":\"a\",\"settings\":{\"n\":0}}", "settings.n", "n must be between 1 and 10");
}
END_TEST

START_TEST(declared_messages_and_checks)
{
	refused("{\"name\":\"a\",\"list\":{}}", "list", "list must be a list of things");
	/* IG_F_MSG_VALUE: the declared text for bounds only. */
	refused("{\"name\":\"a\",\"opt\":\"12345678901\"}", "opt", "opt is at most 10 long");
	refused("{\"name\":\"a\",\"opt\":5}", "opt", "opt must be a string");
	refused("{\"name\":\"axe\"}", "name", "name may not hold x");
}
END_TEST

/* .valid, a string's rule of its own text (the gallery's, analytics' and
 * events' dates): refused with the row's message in bodies and queries;
 * the type and length messages stay the defaults with IG_F_MSG_VALUE. */
START_TEST(valid_rules_of_strings)
{
	ig_req r = req_with("{\"name\":\"a\",\"code\":\"abc\"}", NULL);
	struct d d;
	ig_err err = { 0 };

	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(ig_fields_body(&r, body, &d, &err), 0);
	ck_assert_str_eq(d.code, "abc");
	ig_fields_release(&r);
	refused("{\"name\":\"a\",\"code\":\"aBc\"}", "code", "code must be lowercase letters");
	refused("{\"name\":\"a\",\"code\":5}", "code", "code must be a string");
	/* rq() releases the request, and with it the value: rq_word copies it. */
	{
		char word[16];

		ck_assert_int_eq(rq_word("word=abc", word, sizeof(word), &err), 0);
		ck_assert_str_eq(word, "abc");
	}
	qrefused("word=ab1", "word", "word must be lowercase letters");
	qrefused("word=abcdefghijklmnopq", "word", "word is too long or holds a NUL");
}
END_TEST

START_TEST(object_reader_prefixes)
{
	json_object *o = json_tokener_parse("{\"model\":\"m\",\"n\":\"x\"}");
	struct d d;
	ig_err err = { 0 };

	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(ig_fields_object(o, settings, &d, "prompts[3].", &err), -1);
	ck_assert_str_eq(err.field, "prompts[3].n");
	json_object_put(o);
	/* A check's field gets the prefix too. */
	o = json_tokener_parse("{\"name\":\"x\"}");
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(ig_fields_object(o, body, &d, "outer.", &err), -1);
	ck_assert_str_eq(err.field, "outer.name");
	ck_assert_str_eq(err.message, "name may not hold x");
	json_object_put(o);
}
END_TEST

/* IG_F_NUMBER (issue 12: the process operations' degrees, amount,
 * opacity): integers and fractions both read as double; bounds checked
 * unless both are 0; a string or a boolean is not a number. */
struct nums {
	double a, b;
};

static const ig_field num_fields[] = {
	{ "a", IG_F_NUMBER, 0, 0, 1, .at = IG_AT(struct nums, a) },
	{ "b", IG_F_NUMBER, 0, 0, 0, .at = IG_AT(struct nums, b) },
	IG_FIELDS_END
};

static int
read_nums(const char *text, struct nums *n, ig_err *err)
{
	json_object *o = json_tokener_parse(text);
	int rc;

	n->a = n->b = 42;
	memset(err, 0, sizeof(*err));
	rc = ig_fields_object(o, num_fields, n, NULL, err);
	json_object_put(o);
	return rc;
}

START_TEST(numbers_read_as_double)
{
	struct nums n;
	ig_err err;

	ck_assert_int_eq(read_nums("{\"a\":0.25,\"b\":-1e6}", &n, &err), 0);
	ck_assert(n.a == 0.25 && n.b == -1e6);
	ck_assert_int_eq(read_nums("{\"a\":1}", &n, &err), 0);
	ck_assert(n.a == 1.0 && n.b == 42);
	ck_assert_int_eq(read_nums("{\"a\":1.5}", &n, &err), -1);
	ck_assert_str_eq(err.field, "a");
	ck_assert_str_eq(err.message, "a must be between 0 and 1");
	ck_assert_int_eq(read_nums("{\"b\":\"3\"}", &n, &err), -1);
	ck_assert_str_eq(err.message, "b must be a number");
	ck_assert_int_eq(read_nums("{\"b\":true}", &n, &err), -1);
	ck_assert_str_eq(err.field, "b");
}
END_TEST

START_TEST(body_must_be_json_object)
{
	struct d d;
	ig_err err;
	ig_req r = req_with("{\"name\":\"a\"}", NULL);

	ck_assert_int_eq(rb("[1]", &d, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_REQUEST);
	ck_assert_int_eq(rb("{\"name\":\"a\",}", &d, &err), -1);
	ck_assert_int_eq(err.code, IG_E_INVALID_JSON);
	r.content_type = "text/plain";
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(ig_fields_body(&r, body, &d, &err), -1);
	ck_assert_int_eq(err.code, IG_E_UNSUPPORTED_MEDIA_TYPE);
	ig_fields_release(&r);
}
END_TEST

static const ig_field query[] = {
	{ "limit", IG_F_INT, 0, 1, 100, .at = IG_AT(struct q, limit), .bytes = 15 },
	{ "cursor", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct q, cursor), .has = IG_HAS(struct q, has_cursor), .bytes = 8 },
	{ "mode", IG_F_ENUM, 0, 0, 0, .values = modes, .at = IG_AT(struct q, mode),
	  .msg = "unknown {name}; valid values: {values}" },
	{ "id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct q, id) },
	{ "fresh", IG_F_BOOL, 0, 0, 0, .at = IG_AT(struct q, fresh) },
	{ "word", IG_F_STRING, IG_F_MSG_VALUE, 0, 0, .at = IG_AT(struct q, word), .bytes = 15, .valid = lowercase,
	  .msg = "{name} must be lowercase letters" },
	IG_FIELDS_END
};

/* Read query s; the return, err filled. */
static int
rq(const char *s, struct q *d, ig_err *err)
{
	ig_req r = req_with(NULL, s);
	int rc;

	memset(d, 0, sizeof(*d));
	d->limit = 20;
	memset(err, 0, sizeof(*err));
	rc = ig_fields_query(&r, query, d, err);
	ig_fields_release(&r);
	return rc;
}

/* rq, keeping a copy of the word read (the request's memory is released). */
static int
rq_word(const char *s, char *word, size_t n, ig_err *err)
{
	ig_req r = req_with(NULL, s);
	struct q d;
	int rc;

	memset(&d, 0, sizeof(d));
	memset(err, 0, sizeof(*err));
	rc = ig_fields_query(&r, query, &d, err);
	snprintf(word, n, "%s", d.word != NULL ? d.word : "");
	ig_fields_release(&r);
	return rc;
}

START_TEST(query_reads_and_returns_like_the_body)
{
	ig_req r = req_with(NULL, "x=1&limit=5&cursor=a%20b+c&mode=fast&fresh=1&limit=9");
	struct q d;
	ig_err err = { 0 };

	memset(&d, 0, sizeof(d));
	/* 0 for success, as the body reader: not 1 for "found". */
	ck_assert_int_eq(ig_fields_query(&r, query, &d, &err), 0);
	ck_assert_int_eq(d.limit, 5);
	ck_assert_str_eq(d.cursor, "a b c");
	ck_assert_int_eq(d.has_cursor, 1);
	ck_assert_str_eq(d.mode, "fast");
	ck_assert_int_eq(d.fresh, 1);
	ck_assert_ptr_null(d.id);
	ig_fields_release(&r);
	ck_assert_int_eq(rq(NULL, &d, &err), 0);
	ck_assert_int_eq(d.limit, 20);
	ck_assert_int_eq(d.has_cursor, 0);
	/* Given empty is given. */
	r = req_with(NULL, "cursor=");
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(ig_fields_query(&r, query, &d, &err), 0);
	ck_assert_int_eq(d.has_cursor, 1);
	ck_assert_str_eq(d.cursor, "");
	ig_fields_release(&r);
}
END_TEST

START_TEST(query_messages)
{
	qrefused("limit=0", "limit", "limit must be an integer between 1 and 100");
	qrefused("limit=5x", "limit", "limit must be an integer between 1 and 100");
	qrefused("limit=1234567890123456", "limit", "limit is too long or holds a NUL");
	qrefused("cursor=123456789", "cursor", "cursor is too long or holds a NUL");
	qrefused("cursor=a%00", "cursor", "cursor is too long or holds a NUL");
	qrefused("cursor=a%2", "cursor", "cursor is not URL-encoded correctly");
	qrefused("mode=medium", "mode", "unknown mode; valid values: fast, slow");
	qrefused("id=nope", "id", "id must be a UUID");
	qrefused("fresh=2", "fresh", "fresh must be true or false");
}
END_TEST

START_TEST(shared_limits_are_named)
{
	char id[IG_UUID_BUF];

	ig_uuid4(id);
	ck_assert_int_eq((int)strlen(id), IG_UUID_BUF - 1);
	ck_assert_int_eq(IG_PROMPT_MAX, 4000);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fields");
	TCase *tc = tcase_create("fields");

	tcase_add_test(tc, body_reads_every_type);
	tcase_add_test(tc, absent_fields_keep_defaults_and_null_is_absent);
	tcase_add_test(tc, default_messages_name_the_field);
	tcase_add_test(tc, unknown_keys_come_from_the_table);
	tcase_add_test(tc, nested_errors_carry_the_prefix);
	tcase_add_test(tc, declared_messages_and_checks);
	tcase_add_test(tc, valid_rules_of_strings);
	tcase_add_test(tc, object_reader_prefixes);
	tcase_add_test(tc, body_must_be_json_object);
	tcase_add_test(tc, numbers_read_as_double);
	tcase_add_test(tc, query_reads_and_returns_like_the_body);
	tcase_add_test(tc, query_messages);
	tcase_add_test(tc, shared_limits_are_named);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
