/*
 * json.h — strict JSON input over json-c.
 *
 * json-c is lenient by default: trailing commas, comments and trailing
 * garbage parse "successfully", and json_object_get_int coerces ("12abc" → 12,
 * true → 1, 3e9 → INT32_MAX). Everything that reads a request body goes
 * through these helpers instead, which parse with JSON_TOKENER_STRICT |
 * JSON_TOKENER_VALIDATE_UTF8, demand that the whole body is one value, reject
 * strings holding \u0000, cap depth and array lengths, and check each field's
 * type and range before reading it.
 */
#ifndef IG_CORE_JSON_H
#define IG_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"

#define IG_JSON_MAX_DEPTH 32

/* Parse len bytes as exactly one JSON value. Arrays longer than max_array
 * elements are refused. Returns a new reference (the caller puts it), or
 * NULL with err filled (code invalid_json). */
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
