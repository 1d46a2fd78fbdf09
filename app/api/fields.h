/*
 * fields.h — declared request fields: a handler describes its body fields
 * and its query fields as a static table, and one reader applies it.
 *
 * The table is data: each row names a field, its type, whether it is
 * required, its bounds or allowed values, and where its value goes (an
 * offset into a struct of the handler's). The reader refuses unknown body
 * keys (the allowed list is the table itself), checks each field, stores
 * it, and on failure fills err with a 400 that names the field. Body and
 * query readers return the same way: 0, or -1 with err.
 *
 *     struct analyze { const char *prompt, *provider; };
 *     static const ig_field analyze_fields[] = {
 *         { "prompt", IG_F_STRING, IG_F_REQUIRED, 1, IG_PROMPT_MAX, .at = IG_AT(struct analyze, prompt) },
 *         { "api_provider", IG_F_STRING, 0, 1, 64, .at = IG_AT(struct analyze, provider) },
 *         IG_FIELDS_END
 *     };
 *     ...
 *     struct analyze a = { NULL, NULL };          (defaults: absent fields keep them)
 *     if (ig_fields_body(req, analyze_fields, &a, err) != 0)
 *         return -1;
 *     (a.prompt is set; a.provider is NULL when not given)
 *
 * Query fields work the same with ig_fields_query:
 *
 *     struct list { int64_t limit; const char *cursor, *status; };
 *     static const ig_field list_query[] = {
 *         { "limit", IG_F_INT, 0, 1, 100, .at = IG_AT(struct list, limit) },
 *         { "cursor", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct list, cursor),
 *           .bytes = IG_PAGE_CURSOR_MAX - 1 },
 *         IG_FIELDS_END
 *     };
 *     struct list l = { 20, NULL, NULL };
 *     if (ig_fields_query(req, list_query, &l, err) != 0)
 *         return -1;
 *
 * Destinations, by type (the member IG_AT points at):
 *   IG_F_STRING   const char *  (min/max: length in code points; max 0: no upper bound)
 *   IG_F_INT      int64_t       (min/max: the value, always checked)
 *   IG_F_NUMBER   double        (any JSON number; min/max: the value, checked
 *                                unless both are 0, when the caller checks it)
 *   IG_F_BOOL     int           (0 or 1)
 *   IG_F_ENUM     const char *  (one of .values, a NULL-terminated list; the
 *                                pointer stored is the list's entry)
 *   IG_F_UUID     const char *  (a canonical UUID, 36 characters)
 *   IG_F_STRINGS  json_object * (an array of strings; min/max: element count,
 *                                max 0: no upper bound; borrowed)
 *   IG_F_ARRAY    json_object * (an array of anything; min/max as STRINGS)
 *   IG_F_OBJECT   json_object * (an object; borrowed). With .sub set, the
 *                                object's members are read by that table into
 *                                the same destination struct instead, their
 *                                errors naming "name.member".
 *   IG_F_JSON     json_object * (any JSON value, raw; borrowed)
 * Strings and JSON values stay valid until the answer is sent: the request
 * keeps what the reader parsed (req->fields, released by the pipeline with
 * ig_fields_release).
 *
 * Absent fields (and JSON null, unless IG_F_NULL) leave the destination as
 * the handler initialised it, so defaults are set before the call. Where a
 * handler must tell "absent" from "given" (a PUT that changes only what it
 * names), .has = IG_HAS(struct, has_member) points at an int member (not
 * the value's own) set to 1 when the field was given (also when given as
 * null with IG_F_NULL).
 *
 * Messages. The defaults are today's wording of the API ({name} is the
 * member's name, bounds as declared):
 *   required and absent       "{name} is required"
 *   STRING wrong type         "{name} must be a string"
 *   STRING length             "{name} must be between {min} and {max} characters long"
 *   INT wrong type            "{name} must be an integer"
 *   INT range                 "{name} must be between {min} and {max}"
 *   NUMBER wrong type, range  "{name} must be a number", as INT's range
 *   BOOL                      "{name} must be true or false"
 *   ENUM wrong type           "{name} must be a string"
 *   ENUM not one of values    "{name} must be one of {values}"   (values joined by ", ")
 *   UUID                      "{name} must be a UUID"
 *   STRINGS                   "{name} must be an array of strings"
 *   ARRAY / OBJECT            "{name} must be an array" / "{name} must be an object"
 *   array length              "{name} must have between {min} and {max} elements"
 *   unknown body key          "unknown field {field}"
 * and for query parameters (text, so INT is one check):
 *   bad %-escape              "{name} is not URL-encoded correctly"
 *   longer than .bytes, or a NUL      "{name} is too long or holds a NUL"
 *   INT                       "{name} must be an integer between {min} and {max}"
 * A row's .msg replaces every message of that field (absent, wrong type, out
 * of bounds, not one of the values; not the query's escape and length
 * ones) with its own text, where {name},
 * {field}, {min}, {max} and {values} are replaced; {field} is the name with
 * the prefix of a nested read ("settings.model", "prompts[3].seed"), which
 * err->field always carries. A row's .check runs after the field is stored
 * (only when it was given), with the whole destination struct, for rules
 * beyond bounds (a provider key's shape, a pattern); a string's rule of its
 * own text alone is its .valid instead, refused with the row's .msg (with
 * IG_F_MSG_VALUE when the other messages stay the defaults). .check returns 0, or -1
 * with err filled by the handler's own words (in a nested read, the prefix
 * is put before the err->field it sets: "settings." + "api_key").
 *
 * Query parameters are text: min/max mean what they mean in bodies (INT
 * parses the whole text as base 10), BOOL takes true/false/1/0, and .bytes
 * caps the URL-decoded text of any type ("{name} is too long or holds a
 * NUL"), as the fixed buffers of the old ig_query_param did. Unknown query
 * parameters are ignored, as they always were.
 *
 * Fuller examples: app/api/batch.c (a nested settings object, the items of
 * an array read one by one with a prefix, checks, declared messages) and
 * app/api/monitoring_events.c (checks on body and query rows).
 */
#ifndef IG_API_FIELDS_H
#define IG_API_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "app/fcgi/http.h"
#include "lib/core/error.h"
#include "lib/db/page.h"

typedef enum ig_field_type {
	IG_F_STRING = 1,
	IG_F_INT,
	IG_F_BOOL,
	IG_F_ENUM,
	IG_F_UUID,
	IG_F_STRINGS,
	IG_F_ARRAY,
	IG_F_OBJECT,
	IG_F_JSON,
	IG_F_NUMBER,
} ig_field_type;

/* Row flags. */
#define IG_F_REQUIRED 1     /* absent (or null) is a 400 */
#define IG_F_NULL 2         /* JSON null is a value: stores NULL (or 0) and sets .has */
#define IG_F_MSG_VALUE 4    /* .msg replaces only the value messages (bounds,
                             * not one of the values), not "is required" and
                             * the wrong-type ones */

typedef struct ig_field ig_field;
struct ig_field {
	const char *name;           /* NULL ends the table (IG_FIELDS_END) */
	ig_field_type type;
	int flags;                  /* IG_F_REQUIRED, IG_F_NULL */
	int64_t min, max;           /* bounds, by type (above) */
	const char *const *values;  /* IG_F_ENUM: the allowed values, NULL-terminated */
	size_t at;                  /* IG_AT(struct, member): where the value goes */
	size_t has;                 /* IG_HAS(struct, member) of an int, or 0 for none */
	const char *msg;            /* replaces every message of the field, or NULL */
	int (*check)(void *dst, ig_err *err);   /* extra rule when given, or NULL */
	const ig_field *sub;        /* IG_F_OBJECT: the members' table, or NULL */
	size_t bytes;               /* query only: most bytes of the decoded
	                             * text, any type ("too long"); 0: none */
	int (*valid)(const char *s);    /* IG_F_STRING: the text's own rule (a
	                                 * date, say), 1 when s keeps it; a value
	                                 * it refuses fails with the value
	                                 * message (.msg), or NULL */
};

#define IG_AT(type, member) offsetof(type, member)
#define IG_HAS(type, member) (offsetof(type, member) + 1)
#define IG_FIELDS_END { NULL, 0, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL, 0, NULL }

/* The .msg of a row whose .valid is ig_rfc3339_ok (api.h). */
#define IG_F_RFC3339_MSG "{name} must be an RFC 3339 date-time, e.g. 2024-01-20T10:30:00Z"

/*
 * The request body, strictly parsed (415 for a non-JSON Content-Type, 400
 * for malformed JSON or a non-object), read by table into dst. 0, or -1
 * with err naming the field.
 */
int ig_fields_body(ig_req *req, const ig_field *table, void *dst, ig_err *err);

/* The query string's parameters read by table into dst (first occurrence
 * of each). 0, or -1 with err naming the parameter. */
int ig_fields_query(ig_req *req, const ig_field *table, void *dst, ig_err *err);

/*
 * Read the members of an already-parsed object obj (a member of a body, one
 * element of an array) by table into dst; prefix ("prompts[3].", or NULL)
 * is put before the member names in err->field and in {field}. Refuses
 * members not in the table. The values stay valid while obj does. 0, or -1
 * with err.
 */
int ig_fields_object(json_object *obj, const ig_field *table, void *dst, const char *prefix, ig_err *err);

/*
 * For a part of a larger body read by another route's table (a workflow's
 * step): a new object with obj's members but drop (sharing their values),
 * and add (when not NULL) set to the string add_value; NULL with err (400
 * naming prefix + refuse, "unknown field") when obj has the member refuse
 * (NULL: none), which the part must not carry.
 */
json_object *ig_fields_part(json_object *obj, const char *drop, const char *refuse, const char *add,
    const char *add_value, const char *prefix, ig_err *err);

/* Put prefix before the field err names, unless it is there already or
 * err names none. */
void ig_fields_prefix(ig_err *err, const char *prefix);

/* Keep o (a reference the caller gives up) for the life of the request,
 * as the readers keep what they parsed. */
void ig_fields_keep(ig_req *req, json_object *o);

/* Release what the readers kept for the request (the pipeline calls it
 * after the answer; a second call does nothing). */
void ig_fields_release(ig_req *req);

/*
 * The query of every paged list, `limit` (1..100, default def) and
 * `cursor`, read as declared fields and opened as a page of the list named
 * scope (lib/db/page.h). 0, or -1 with err naming the field.
 */
int ig_fields_page(ig_req *req, const char *scope, int def, ig_page *pg, ig_err *err);

/* A list of the caller's (lib/: shares, stored files, workflows) one page
 * at a time: the rows on pg of user_id's list, a new array with
 * *next_cursor (malloc'ed, NULL on the last page), or NULL with err. */
typedef json_object *ig_caller_list(const char *user_id, const ig_page *pg, char **next_cursor, ig_err *err);

/* The whole handler of such a list's route: the page the query asks
 * (ig_fields_page, 20 rows by default) of the list named scope, answered
 * as {"success": true, key: [rows], "next_cursor"} (ig_ok_page). 200, or
 * IG_FAILED with err. */
int ig_fields_list(ig_req *req, const char *scope, ig_caller_list *list, const char *key, json_object **out,
    ig_err *err);

#endif
