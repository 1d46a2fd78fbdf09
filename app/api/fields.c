/* fields.c — the declared-fields reader; see fields.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/core/json.h"
#include "lib/core/util.h"

void
ig_fields_keep(ig_req *req, json_object *o)
{
	if (req->fields == NULL)
		req->fields = json_object_new_array();
	json_object_array_add(req->fields, o);
}

void
ig_fields_release(ig_req *req)
{
	json_object_put(req->fields);
	req->fields = NULL;
}

/* The message of row f: its own (.msg) or the default, with {name},
 * {field}, {min}, {max} and {values} replaced; err names prefix+name. A
 * value message (bounds, values) is replaced by .msg always, the others
 * unless IG_F_MSG_VALUE. Returns -1. */
static int
fail(const ig_field *f, const char *prefix, int value_msg, const char *deflt, ig_err *err)
{
	char field[sizeof(err->field)], msg[sizeof(err->message)];
	const char *t = f->msg != NULL && (value_msg || !(f->flags & IG_F_MSG_VALUE)) ? f->msg : deflt;
	size_t n = 0;

	snprintf(field, sizeof(field), "%s%s", prefix ? prefix : "", f->name);
	msg[0] = '\0';
	while (*t && n + 1 < sizeof(msg)) {
		char rep[sizeof(msg)];
		const char *r = NULL;
		size_t skip = 0;

		if (strncmp(t, "{name}", 6) == 0)
			r = f->name, skip = 6;
		else if (strncmp(t, "{field}", 7) == 0)
			r = field, skip = 7;
		else if (strncmp(t, "{min}", 5) == 0)
			snprintf(rep, sizeof(rep), "%lld", (long long)f->min), r = rep, skip = 5;
		else if (strncmp(t, "{max}", 5) == 0)
			snprintf(rep, sizeof(rep), "%lld", (long long)f->max), r = rep, skip = 5;
		else if (strncmp(t, "{values}", 8) == 0) {
			rep[0] = '\0';
			for (const char *const *v = f->values; v && *v; v++)
				snprintf(rep + strlen(rep), sizeof(rep) - strlen(rep), "%s%s", v == f->values ? "" : ", ", *v);
			r = rep, skip = 8;
		}
		if (r != NULL) {
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", r);
			if (n >= sizeof(msg))
				n = sizeof(msg) - 1;
			t += skip;
		} else {
			msg[n++] = *t++;
			msg[n] = '\0';
		}
	}
	return ig_err_set(err, IG_E_INVALID_REQUEST, field, "%s", msg);
}

#define SLOT(dst, f, type) (*(type *)(void *)((char *)(dst) + (f)->at))

static void
mark(void *dst, const ig_field *f)
{
	if (f->has != 0)
		*(int *)(void *)((char *)dst + f->has - 1) = 1;
}

static const char *
enum_value(const ig_field *f, const char *s)
{
	for (const char *const *v = f->values; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return *v;
	return NULL;
}

/* min/max of a length or count; max 0: no upper bound. */
static int
out_of(const ig_field *f, size_t n)
{
	return (int64_t)n < f->min || (f->max > 0 && (int64_t)n > f->max);
}

/* One member v (not NULL) of a body object by row f. */
static int
read_value(json_object *v, const ig_field *f, void *dst, const char *prefix, ig_err *err)
{
	char sub[sizeof(err->field)];

	switch (f->type) {
	case IG_F_STRING:
		if (!json_object_is_type(v, json_type_string))
			return fail(f, prefix, 0, "{name} must be a string", err);
		if (out_of(f, ig_utf8_len(json_object_get_string(v))))
			return fail(f, prefix, 1, "{name} must be between {min} and {max} characters long", err);
		if (f->valid != NULL && !f->valid(json_object_get_string(v)))
			return fail(f, prefix, 1, "{name} is not valid", err);
		SLOT(dst, f, const char *) = json_object_get_string(v);
		break;
	case IG_F_INT: {
		int64_t n;
		if (!json_object_is_type(v, json_type_int))
			return fail(f, prefix, 0, "{name} must be an integer", err);
		/* json-c keeps large positive values as uint64 and clamps the
		 * int64 view: 2^63 must not read as INT64_MAX. */
		n = json_object_get_int64(v);
		if (json_object_get_uint64(v) > (uint64_t)INT64_MAX || n < f->min || n > f->max)
			return fail(f, prefix, 1, "{name} must be between {min} and {max}", err);
		SLOT(dst, f, int64_t) = n;
		break;
	}
	case IG_F_NUMBER: {
		double d;
		if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
			return fail(f, prefix, 0, "{name} must be a number", err);
		d = json_object_get_double(v);
		if ((f->min != 0 || f->max != 0) && (d < (double)f->min || d > (double)f->max))
			return fail(f, prefix, 1, "{name} must be between {min} and {max}", err);
		SLOT(dst, f, double) = d;
		break;
	}
	case IG_F_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return fail(f, prefix, 0, "{name} must be true or false", err);
		SLOT(dst, f, int) = json_object_get_boolean(v);
		break;
	case IG_F_ENUM: {
		const char *e;
		if (!json_object_is_type(v, json_type_string))
			return fail(f, prefix, 0, "{name} must be a string", err);
		if ((e = enum_value(f, json_object_get_string(v))) == NULL)
			return fail(f, prefix, 1, "{name} must be one of {values}", err);
		SLOT(dst, f, const char *) = e;
		break;
	}
	case IG_F_UUID:
		if (!json_object_is_type(v, json_type_string))
			return fail(f, prefix, 0, "{name} must be a UUID", err);
		if (!ig_is_uuid(json_object_get_string(v)))
			return fail(f, prefix, 1, "{name} must be a UUID", err);
		SLOT(dst, f, const char *) = json_object_get_string(v);
		break;
	case IG_F_STRINGS:
	case IG_F_ARRAY:
		if (f->type == IG_F_STRINGS) {
			int strings = json_object_is_type(v, json_type_array);
			for (size_t i = 0; strings && i < json_object_array_length(v); i++)
				strings = json_object_is_type(json_object_array_get_idx(v, i), json_type_string);
			if (!strings)
				return fail(f, prefix, 0, "{name} must be an array of strings", err);
		} else if (!json_object_is_type(v, json_type_array)) {
			return fail(f, prefix, 0, "{name} must be an array", err);
		}
		if (out_of(f, json_object_array_length(v)))
			return fail(f, prefix, 1, "{name} must have between {min} and {max} elements", err);
		SLOT(dst, f, json_object *) = v;
		break;
	case IG_F_OBJECT:
		if (!json_object_is_type(v, json_type_object))
			return fail(f, prefix, 0, "{name} must be an object", err);
		if (f->sub != NULL) {
			snprintf(sub, sizeof(sub), "%s%s.", prefix ? prefix : "", f->name);
			return ig_fields_object(v, f->sub, dst, sub, err);
		}
		SLOT(dst, f, json_object *) = v;
		break;
	case IG_F_JSON:
		SLOT(dst, f, json_object *) = v;
		break;
	}
	return 0;
}

int
ig_fields_object(json_object *obj, const ig_field *table, void *dst, const char *prefix, ig_err *err)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the request body must be a JSON object");
	/* Unknown members first, as the allowed-key lists did. */
	json_object_object_foreach(obj, k, val) {
		const ig_field *f;
		(void)val;
		for (f = table; f->name != NULL; f++)
			if (strcmp(f->name, k) == 0)
				break;
		if (f->name == NULL) {
			char field[sizeof(err->field)];
			snprintf(field, sizeof(field), "%s%s", prefix ? prefix : "", k);
			return ig_err_set(err, IG_E_INVALID_REQUEST, field, "unknown field %s", field);
		}
	}
	for (const ig_field *f = table; f->name != NULL; f++) {
		json_object *v = NULL;
		int found = json_object_object_get_ex(obj, f->name, &v);

		if (found && v == NULL && (f->flags & IG_F_NULL)) {
			if (f->type == IG_F_INT)
				SLOT(dst, f, int64_t) = 0;
			else if (f->type == IG_F_NUMBER)
				SLOT(dst, f, double) = 0;
			else if (f->type == IG_F_BOOL)
				SLOT(dst, f, int) = 0;
			else if (f->type != IG_F_OBJECT || f->sub == NULL)
				SLOT(dst, f, void *) = NULL;
			mark(dst, f);
			continue;
		}
		if (!found || v == NULL) {
			if (f->flags & IG_F_REQUIRED)
				return fail(f, prefix, 0, "{name} is required", err);
			continue;
		}
		if (read_value(v, f, dst, prefix, err) != 0)
			return -1;
		mark(dst, f);
		if (f->check != NULL && f->check(dst, err) != 0) {
			/* A check names the member; a nested read adds its path. */
			if (prefix != NULL)
				ig_fields_prefix(err, prefix);
			return -1;
		}
	}
	return 0;
}

void
ig_fields_prefix(ig_err *err, const char *prefix)
{
	char field[sizeof(err->field)];

	if (err->field[0] == '\0' || strncmp(err->field, prefix, strlen(prefix)) == 0)
		return;
	snprintf(field, sizeof(field), "%s%s", prefix, err->field);
	memcpy(err->field, field, sizeof(field));
}

json_object *
ig_fields_part(json_object *obj, const char *drop, const char *refuse, const char *add, const char *add_value,
    const char *prefix, ig_err *err)
{
	json_object *o;

	if (refuse != NULL && json_object_object_get_ex(obj, refuse, NULL)) {
		char field[sizeof(err->field)];
		snprintf(field, sizeof(field), "%s%s", prefix ? prefix : "", refuse);
		ig_err_set(err, IG_E_INVALID_REQUEST, field, "unknown field %s", field);
		return NULL;
	}
	o = json_object_new_object();
	json_object_object_foreach(obj, k, v)
		if (drop == NULL || strcmp(k, drop) != 0)
			json_object_object_add(o, k, json_object_get(v));
	if (add != NULL)
		json_object_object_add(o, add, json_object_new_string(add_value));
	return o;
}

int
ig_fields_body(ig_req *req, const ig_field *table, void *dst, ig_err *err)
{
	json_object *b = ig_body_object(req, NULL, err);

	if (b == NULL)
		return -1;
	ig_fields_keep(req, b);
	return ig_fields_object(b, table, dst, NULL, err);
}

/* The first ?name= of the query, URL-decoded (ig_query_param, whose
 * errors are the messages of fields.h) into a new string (*out), or NULL
 * when absent. 0, or -1 with err. */
static int
query_text(const char *query, const ig_field *f, json_object **out, ig_err *err)
{
	/* Decoding never lengthens: the whole query bounds an uncapped value. */
	size_t len = f->bytes > 0 ? f->bytes + 1 : (query ? strlen(query) : 0) + 1;
	char *buf = ig_xmalloc(len);
	ig_req q = { .query = query };
	int rc = ig_query_param(&q, f->name, buf, len, err);

	*out = rc == 1 ? json_object_new_string(buf) : NULL;
	free(buf);
	return rc < 0 ? -1 : 0;
}

/* One query value s by row f. */
static int
read_text(const char *s, const ig_field *f, void *dst, ig_err *err)
{
	switch (f->type) {
	case IG_F_STRING:
		if (out_of(f, ig_utf8_len(s)))
			return fail(f, NULL, 1, "{name} must be between {min} and {max} characters long", err);
		if (f->valid != NULL && !f->valid(s))
			return fail(f, NULL, 1, "{name} is not valid", err);
		SLOT(dst, f, const char *) = s;
		return 0;
	case IG_F_INT: {
		int64_t n;
		if (ig_parse_int64(s, f->min, f->max, &n) != 0)
			return fail(f, NULL, 1, "{name} must be an integer between {min} and {max}", err);
		SLOT(dst, f, int64_t) = n;
		return 0;
	}
	case IG_F_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			SLOT(dst, f, int) = 1;
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			SLOT(dst, f, int) = 0;
		else
			return fail(f, NULL, 1, "{name} must be true or false", err);
		return 0;
	case IG_F_ENUM: {
		const char *e = enum_value(f, s);
		if (e == NULL)
			return fail(f, NULL, 1, "{name} must be one of {values}", err);
		SLOT(dst, f, const char *) = e;
		return 0;
	}
	case IG_F_UUID:
		if (!ig_is_uuid(s))
			return fail(f, NULL, 1, "{name} must be a UUID", err);
		SLOT(dst, f, const char *) = s;
		return 0;
	default:
		/* Arrays, objects and raw JSON have no query form. */
		return ig_err_set(err, IG_E_INTERNAL, f->name, "internal error");
	}
}

int
ig_fields_query(ig_req *req, const ig_field *table, void *dst, ig_err *err)
{
	for (const ig_field *f = table; f->name != NULL; f++) {
		json_object *t;

		if (query_text(req->query, f, &t, err) != 0)
			return -1;
		if (t == NULL) {
			if (f->flags & IG_F_REQUIRED)
				return fail(f, NULL, 0, "{name} is required", err);
			continue;
		}
		ig_fields_keep(req, t);
		if (read_text(json_object_get_string(t), f, dst, err) != 0)
			return -1;
		mark(dst, f);
		if (f->check != NULL && f->check(dst, err) != 0)
			return -1;
	}
	return 0;
}

/* ig_fields_page's query. */
struct page_query {
	int64_t limit;
	const char *cursor;
};

static const ig_field page_query[] = {
	{ "limit", IG_F_INT, 0, 1, 100, .at = IG_AT(struct page_query, limit), .bytes = 15 },
	{ "cursor", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct page_query, cursor), .bytes = IG_PAGE_CURSOR_MAX - 1 },
	IG_FIELDS_END
};

int
ig_fields_page(ig_req *req, const char *scope, int def, ig_page *pg, ig_err *err)
{
	struct page_query q = { def, NULL };

	if (ig_fields_query(req, page_query, &q, err) != 0)
		return -1;
	return ig_page_open(pg, scope, (int)q.limit, q.cursor, err);
}

int
ig_fields_list(ig_req *req, const char *scope, ig_caller_list *list, const char *key, json_object **out,
    ig_err *err)
{
	char *next = NULL;
	ig_page pg;
	json_object *rows;

	if (ig_fields_page(req, scope, 20, &pg, err) != 0 ||
	    (rows = list(req->caller.user_id, &pg, &next, err)) == NULL)
		return IG_FAILED;
	*out = ig_ok_page(key, rows, next);
	return 200;
}
