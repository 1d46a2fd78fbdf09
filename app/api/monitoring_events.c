/*
 * monitoring_events.c — client events: POST /api/monitoring/log-event
 * (any signed-in user; stored with the caller's id) and
 * GET /api/monitoring/events (admin; filtered, newest first, paged by id).
 * Table: events (sql/migrations/006_monitoring.sql, 008_event_types.sql).
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "lib/core/json.h"
#include "lib/core/events.h"

#define MESSAGE_MAX_CHARS 2000
#define METADATA_MAX_BYTES 16384

#define EVENT_TYPE_MAX 50

/*
 * The common vocabulary of event types (API.md, the README): what the web
 * UI sends and what admins filter on. Clients may send any other short
 * snake_case word (the seed's own example sends user_action), so the list
 * only names examples in the 400; the rule is type_ok's, and the CHECK of
 * sql/migrations/008_event_types.sql holds the same rule.
 */
static const char *const event_types[] = {
	"client_error",         /* an error the client caught (JS exception, failed call) */
	"ui_action",            /* something the user did in the interface */
	"user_action",          /* the same, as the seed's example names it */
	"generation_feedback",  /* the user's verdict on a result */
	"performance",          /* a timing the client measured */
	"security",             /* something suspicious the client noticed */
	"other",
	NULL,
};

/* 1 when t is 1 to EVENT_TYPE_MAX characters of [a-z][a-z0-9_]*. */
static int
type_ok(const char *t)
{
	size_t n = strlen(t);

	if (n < 1 || n > EVENT_TYPE_MAX || !(t[0] >= 'a' && t[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
			return 0;
	return 1;
}

static int
bad_type(ig_err *err)
{
	char list[200] = "";

	for (int i = 0; event_types[i] != NULL; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", event_types[i]);
	return ig_err_set(err, IG_E_INVALID_REQUEST, "event_type",
	    "event_type must be a snake_case word of 1 to %d characters ([a-z][a-z0-9_]*), such as %s",
	    EVENT_TYPE_MAX, list);
}

/* POST /api/monitoring/log-event {event_type, message, metadata}. */
struct log_body {
	const char *type, *message;
	json_object *metadata;
};

static int
check_type(void *dst, ig_err *err)
{
	return type_ok(((struct log_body *)dst)->type) ? 0 : bad_type(err);
}

static int
check_message(void *dst, ig_err *err)
{
	if (ig_utf8_len(((struct log_body *)dst)->message) > MESSAGE_MAX_CHARS)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "message", "message is longer than %d characters",
		    MESSAGE_MAX_CHARS);
	return 0;
}

static int
check_metadata(void *dst, ig_err *err)
{
	const char *meta = json_object_to_json_string_ext(((struct log_body *)dst)->metadata, JSON_C_TO_STRING_PLAIN);

	if (strlen(meta) > METADATA_MAX_BYTES)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "metadata",
		    "metadata is %zu bytes serialized; the limit is %d", strlen(meta), METADATA_MAX_BYTES);
	return 0;
}

static const ig_field log_fields[] = {
	{ "event_type", IG_F_STRING, IG_F_REQUIRED, 0, 0, .at = IG_AT(struct log_body, type),
	  .msg = "event_type is required (a string)", .check = check_type },
	{ "message", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct log_body, message), .check = check_message },
	{ "metadata", IG_F_OBJECT, 0, 0, 0, .at = IG_AT(struct log_body, metadata), .check = check_metadata },
	IG_FIELDS_END
};

int
ig_api_log_event(ig_req *req, json_object **out, ig_err *err)
{
	struct log_body b = { NULL, "", NULL };
	const char *meta = "{}";
	int64_t id;

	if (ig_fields_body(req, log_fields, &b, err) != 0)
		return -1;
	if (b.metadata != NULL)
		meta = json_object_to_json_string_ext(b.metadata, JSON_C_TO_STRING_PLAIN);
	if (ig_event_add(req->caller.user_id, b.type, b.message, meta, req->request_id, &id, err) != 0)
		return -1;
	*out = ig_ok("event_id", json_object_new_int64(id));
	return 201;
}

/* GET /api/monitoring/events?event_type=&user_id=&since=&limit=&cursor= */
struct events_query {
	int64_t limit;
	const char *type, *user_id, *since, *cursor;
};

static int
check_query_type(void *dst, ig_err *err)
{
	return type_ok(((struct events_query *)dst)->type) ? 0 : bad_type(err);
}

static const ig_field events_query[] = {
	{ "limit", IG_F_INT, 0, 1, 200, .at = IG_AT(struct events_query, limit), .bytes = 15 },
	{ "event_type", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct events_query, type), .bytes = EVENT_TYPE_MAX,
	  .check = check_query_type },
	{ "user_id", IG_F_UUID, 0, 0, 0, .at = IG_AT(struct events_query, user_id), .bytes = 63 },
	{ "since", IG_F_STRING, IG_F_MSG_VALUE, 0, 0, .at = IG_AT(struct events_query, since), .bytes = 63,
	  .valid = ig_rfc3339_ok, .msg = IG_F_RFC3339_MSG },
	{ "cursor", IG_F_STRING, 0, 0, 0, .at = IG_AT(struct events_query, cursor), .bytes = IG_PAGE_CURSOR_MAX - 1 },
	IG_FIELDS_END
};

int
ig_api_monitoring_events(ig_req *req, json_object **out, ig_err *err)
{
	struct events_query q = { 50, NULL, NULL, NULL, NULL };
	char *next = NULL;
	ig_event_filter f;
	ig_page pg;
	json_object *list;

	if (ig_fields_query(req, events_query, &q, err) != 0 ||
	    ig_page_open(&pg, IG_EVENTS_PAGE_SCOPE, (int)q.limit, q.cursor, err) != 0)
		return -1;
	f.event_type = q.type;
	f.user_id = q.user_id;
	f.since = q.since;
	list = ig_event_list(&f, &pg, &next, err);
	if (list == NULL)
		return -1;
	*out = ig_ok_page("events", list, next);
	return 200;
}
