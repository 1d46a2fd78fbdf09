/*
 * json.h — strict JSON input over json-c.
 *
 * json-c is lenient by default: trailing commas, comments and trailing
 * garbage parse "successfully", and json_object_get_int coerces ("12abc" → 12,
 * true → 1, 3e9 → INT32_MAX). Everything that reads a request body goes
 * through these helpers instead, which parse with JSON_TOKENER_STRICT |
 * JSON_TOKENER_VALIDATE_UTF8, demand that the whole body is one value, reject
 * strings holding \u0000, bound depth, tokens and container sizes before
 * json-c allocates anything, and check each field's type and range before
 * reading it.
 */
#ifndef IG_CORE_JSON_H
#define IG_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"

/*
 * Limits every document meets before json-c builds anything. json-c spends
 * about 750 bytes on an empty object, so a 4.5 MB body of {},{},… became
 * 1.1 GB before any check ran (issue 10). ig_json_scan counts in one linear
 * pass over the bytes, with no allocation, and refuses past these; no
 * legitimate body comes near them (the largest, a batch of 1000 prompts as
 * {prompt, negative_prompt, seed}, is about 7000 tokens and 1000 objects).
 * The most they let through costs json-c about 8 MB (10000 empty objects, or
 * 100000 numbers or empty strings).
 */
#define IG_JSON_MAX_DEPTH 32           /* arrays and objects nested in each other */
#define IG_JSON_MAX_TOKENS 100000      /* values and member names, containers included */
#define IG_JSON_MAX_CONTAINERS 10000   /* arrays and objects in the whole document */
#define IG_JSON_MAX_MEMBERS 10000      /* members of one object */
#define IG_JSON_DEPTH_CAP 64           /* ig_json_scan never nests deeper than this */

typedef struct ig_json_limits {
	size_t max_depth;        /* capped at IG_JSON_DEPTH_CAP */
	size_t max_tokens;
	size_t max_containers;
	size_t max_array;        /* elements of one array */
	size_t max_members;      /* members of one object */
} ig_json_limits;

/*
 * One pass over len bytes, before any parser: counts tokens, containers,
 * nesting and the elements of each array and members of each object, and
 * refuses what json-c would let through unsafely (a NUL byte, a raw control
 * byte in a string, \u0000). It does not check the grammar (json-c does); a
 * bracket that closes nothing, or the wrong kind, ends it early. Returns 0,
 * or -1 with err (invalid_json) naming the limit and the byte offset.
 */
int ig_json_scan(const char *buf, size_t len, const ig_json_limits *lim, ig_err *err);

/* Parse len bytes as exactly one JSON value, after ig_json_scan with the
 * IG_JSON_MAX_* limits and arrays of at most max_array elements. Returns a
 * new reference (the caller puts it), or NULL with err filled (code
 * invalid_json). */
json_object *ig_json_parse(const char *buf, size_t len, size_t max_array, ig_err *err);

/* Field readers. Each returns 0 when the field is present and valid, 1 when
 * it is absent (or JSON null) and not required, and -1 with err naming the
 * field otherwise. */
int ig_json_string(json_object *obj, const char *key, int required, size_t minlen,
    size_t maxlen, const char **out, ig_err *err);
int ig_json_int(json_object *obj, const char *key, int required, int64_t min,
    int64_t max, int64_t *out, ig_err *err);
int ig_json_bool(json_object *obj, const char *key, int required, int *out, ig_err *err);

/* Refuse any key of obj not in the NULL-terminated allowed list (strict
 * bodies). Returns 0, or -1 with err naming the unknown field. */
int ig_json_only_keys(json_object *obj, const char *const *allowed, ig_err *err);

/* Length of a UTF-8 string in code points. */
size_t ig_utf8_len(const char *s);

#endif
