/* json.c — see json.h. */
#include "ig_autoconf.h"

#include <string.h>

#include "lib/core/json.h"

/*
 * The string starting at buf[i] (the opening quote): refuses a raw NUL, a raw
 * control byte and a \u0000 escape (it would end a C string early, so two
 * readers could see two different values). Returns the offset of the closing
 * quote (len when there is none: json-c reports that), or -1 with err set.
 */
static long
scan_string(const char *buf, size_t len, size_t i, ig_err *err)
{
	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '"')
			return (long)i;
		if (c == 0)
			return ig_err_set(err, IG_E_INVALID_JSON, NULL, "request body contains a NUL byte");
		if (c < 0x20)
			return ig_err_set(err, IG_E_INVALID_JSON, NULL,
			    "unescaped control character in a string at byte %zu", i);
		if (c == '\\' && i + 1 < len) {
			if (buf[i + 1] == 'u' && i + 5 < len && memcmp(buf + i + 2, "0000", 4) == 0)
				return ig_err_set(err, IG_E_INVALID_JSON, NULL,
				    "strings must not contain \\u0000");
			i++; /* the escaped character */
		}
	}
	return (long)len;
}

/* A byte that ends a number or a literal (true, false, null, or garbage
 * json-c will refuse). */
static int
ends_word(unsigned char c)
{
	return c == 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':' ||
	    c == '[' || c == ']' || c == '{' || c == '}' || c == '"';
}

/* The n-th element of an array (kind ']') or member of an object ('}'),
 * counted at byte i. */
static int
check_size(char kind, size_t n, const ig_json_limits *lim, size_t i, ig_err *err)
{
	if (kind == ']' && n > lim->max_array)
		return ig_err_set(err, IG_E_INVALID_JSON, NULL,
		    "an array has at least %zu elements (at byte %zu); at most %zu are allowed",
		    n, i, lim->max_array);
	if (kind == '}' && n > lim->max_members)
		return ig_err_set(err, IG_E_INVALID_JSON, NULL,
		    "an object has at least %zu members (at byte %zu); at most %zu are allowed",
		    n, i, lim->max_members);
	return 0;
}

/*
 * Counting rule: each container open, string (keys included), number and
 * literal is a token; a container's first token and each comma directly in
 * it count one element (array) or member (object). Every byte is looked at
 * once, and the state is the stack of open containers: O(len) time, no
 * allocation.
 */
int
ig_json_scan(const char *buf, size_t len, const ig_json_limits *lim, ig_err *err)
{
	char close[IG_JSON_DEPTH_CAP];
	size_t count[IG_JSON_DEPTH_CAP];
	size_t depth = 0, tokens = 0, containers = 0;
	size_t max_depth = lim->max_depth < IG_JSON_DEPTH_CAP ? lim->max_depth : IG_JSON_DEPTH_CAP;
	int fresh = 0; /* the innermost container has had no token yet */

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		switch (c) {
		case ' ': case '\t': case '\n': case '\r': case ':':
			continue;
		case 0:
			return ig_err_set(err, IG_E_INVALID_JSON, NULL, "request body contains a NUL byte");
		case ']': case '}':
			if (depth == 0 || close[depth - 1] != (char)c)
				return ig_err_set(err, IG_E_INVALID_JSON, NULL,
				    "malformed JSON: unexpected '%c' at byte %zu", c, i);
			depth--;
			fresh = 0;
			continue;
		case ',':
			fresh = 0;
			if (depth > 0 && check_size(close[depth - 1], ++count[depth - 1], lim, i, err) != 0)
				return -1;
			continue;
		default:
			break;
		}
		if (fresh) {
			fresh = 0;
			count[depth - 1] = 1;
			if (check_size(close[depth - 1], 1, lim, i, err) != 0)
				return -1;
		}
		if (++tokens > lim->max_tokens)
			return ig_err_set(err, IG_E_INVALID_JSON, NULL,
			    "the JSON document has more than %zu tokens (at byte %zu)", lim->max_tokens, i);
		if (c == '[' || c == '{') {
			if (depth >= max_depth)
				return ig_err_set(err, IG_E_INVALID_JSON, NULL,
				    "the JSON document nests deeper than %zu levels (at byte %zu)", max_depth, i);
			if (++containers > lim->max_containers)
				return ig_err_set(err, IG_E_INVALID_JSON, NULL,
				    "the JSON document has more than %zu arrays and objects (at byte %zu)",
				    lim->max_containers, i);
			close[depth] = c == '[' ? ']' : '}';
			count[depth] = 0;
			depth++;
			fresh = 1;
			continue;
		}
		if (c == '"') {
			long end = scan_string(buf, len, i, err);
			if (end < 0)
				return -1;
			i = (size_t)end;
			continue;
		}
		while (i + 1 < len && !ends_word((unsigned char)buf[i + 1]))
			i++;
	}
	return 0;
}

json_object *
ig_json_parse(const char *buf, size_t len, size_t max_array, ig_err *err)
{
	const ig_json_limits lim = { IG_JSON_MAX_DEPTH, IG_JSON_MAX_TOKENS, IG_JSON_MAX_CONTAINERS,
		max_array, IG_JSON_MAX_MEMBERS };
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	if (len == 0) {
		ig_err_set(err, IG_E_INVALID_JSON, NULL, "request body is empty; a JSON object is required");
		return NULL;
	}
	if (ig_json_scan(buf, len, &lim, err) != 0)
		return NULL;
	/* The scan has bounded the nesting; json-c counts the top level as one
	 * more. */
	tok = json_tokener_new_ex(IG_JSON_MAX_DEPTH + 1);
	if (tok == NULL) {
		ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number at the very end needs the terminator to finish. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	} else {
		end = json_tokener_get_parse_end(tok);
	}
	if (jerr != json_tokener_success || obj == NULL) {
		ig_err_set(err, IG_E_INVALID_JSON, NULL, "malformed JSON: %s",
		    jerr == json_tokener_continue ? "unexpected end of input" :
		    json_tokener_error_desc(jerr));
		json_object_put(obj);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	for (; end < len; end++) {
		char c = buf[end];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			ig_err_set(err, IG_E_INVALID_JSON, NULL,
			    "malformed JSON: unexpected data after the value at byte %zu", end);
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

/* Shared start of every field reader: 0 found and of type type, 1
 * absent/null, -1 missing or of another type ("<key> must be <what>"). */
static int
lookup(json_object *obj, const char *key, int required, json_type type, const char *what,
    json_object **val, ig_err *err)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the request body must be a JSON object");
	if (!json_object_object_get_ex(obj, key, val) || *val == NULL) {
		if (required)
			return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s is required", key);
		return 1;
	}
	if (!json_object_is_type(*val, type))
		return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s must be %s", key, what);
	return 0;
}

int
ig_json_string(json_object *obj, const char *key, int required, size_t minlen,
    size_t maxlen, const char **out, ig_err *err)
{
	json_object *v;
	int rc = lookup(obj, key, required, json_type_string, "a string", &v, err);
	size_t n;

	if (rc != 0)
		return rc;
	n = ig_utf8_len(json_object_get_string(v));
	if (n < minlen || n > maxlen)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be between %zu and %zu characters long", key, minlen, maxlen);
	*out = json_object_get_string(v);
	return 0;
}

int
ig_json_int(json_object *obj, const char *key, int required, int64_t min,
    int64_t max, int64_t *out, ig_err *err)
{
	json_object *v;
	int rc = lookup(obj, key, required, json_type_int, "an integer", &v, err);
	int64_t n;

	if (rc != 0)
		return rc;
	/* json-c stores large positive values as uint64 and clamps the int64
	 * view; compare through the unsigned view so 2^63 is not INT64_MAX. */
	if (json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be between %lld and %lld", key, (long long)min, (long long)max);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be between %lld and %lld", key, (long long)min, (long long)max);
	*out = n;
	return 0;
}

int
ig_json_bool(json_object *obj, const char *key, int required, int *out, ig_err *err)
{
	json_object *v;
	int rc = lookup(obj, key, required, json_type_boolean, "true or false", &v, err);

	if (rc != 0)
		return rc;
	*out = json_object_get_boolean(v);
	return 0;
}

int
ig_json_only_keys(json_object *obj, const char *const *allowed, ig_err *err)
{
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the request body must be a JSON object");
	json_object_object_foreach(obj, k, v) {
		const char *const *a;
		(void)v;
		for (a = allowed; *a; a++)
			if (strcmp(*a, k) == 0)
				break;
		if (*a == NULL)
			return ig_err_set(err, IG_E_INVALID_REQUEST, k, "unknown field %s", k);
	}
	return 0;
}

size_t
ig_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}
