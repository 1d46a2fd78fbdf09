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

/* Code points in the UTF-8 string s (the body parser has checked it). */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* POST /api/monitoring/log-event {event_type, message, metadata}. */
int
ig_api_log_event(ig_req *req, json_object **out, ig_err *err)
{
	static const char *const allowed[] = { "event_type", "message", "metadata", NULL };
	json_object *b, *v;
	const char *type, *msg = "", *meta = "{}";
	int64_t id;
	int rc = -1;

	if ((b = ig_body_object(req, allowed, err)) == NULL)
		return -1;
	if (!json_object_object_get_ex(b, "event_type", &v) || !json_object_is_type(v, json_type_string)) {
		ig_err_set(err, IG_E_INVALID_REQUEST, "event_type", "event_type is required (a string)");
		goto out;
	}
	type = json_object_get_string(v);
	if (!type_ok(type)) {
		bad_type(err);
		goto out;
	}
	if (json_object_object_get_ex(b, "message", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_string)) {
			ig_err_set(err, IG_E_INVALID_REQUEST, "message", "message must be a string");
			goto out;
		}
		msg = json_object_get_string(v);
		if (utf8_chars(msg) > MESSAGE_MAX_CHARS) {
			ig_err_set(err, IG_E_INVALID_REQUEST, "message", "message is longer than %d characters",
			    MESSAGE_MAX_CHARS);
			goto out;
		}
	}
	if (json_object_object_get_ex(b, "metadata", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_object)) {
			ig_err_set(err, IG_E_INVALID_REQUEST, "metadata", "metadata must be an object");
			goto out;
		}
		meta = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (strlen(meta) > METADATA_MAX_BYTES) {
			ig_err_set(err, IG_E_INVALID_REQUEST, "metadata",
			    "metadata is %zu bytes serialized; the limit is %d", strlen(meta), METADATA_MAX_BYTES);
			goto out;
		}
	}
	if (ig_event_add(req->caller.user_id, type, msg, meta, req->request_id, &id, err) != 0)
		goto out;
	*out = ig_ok("event_id", json_object_new_int64(id));
	rc = 201;
out:
	json_object_put(b);
	return rc;
}

/* 1 when s is an RFC 3339 date-time with plausible fields (PostgreSQL
 * parses it; this keeps a malformed one a 400 rather than a 500). */
static int
rfc3339_ok(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return 0;
	s += 19;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (strcmp(s, "Z") == 0)
		return 1;
	return (s[0] == '+' || s[0] == '-') && strlen(s) == 6 && s[3] == ':' &&
	    s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[4] >= '0' && s[4] <= '9' &&
	    s[5] >= '0' && s[5] <= '9';
}

/* GET /api/monitoring/events?event_type=&user_id=&since=&limit=&cursor= */
int
ig_api_monitoring_events(ig_req *req, json_object **out, ig_err *err)
{
	char type[EVENT_TYPE_MAX + 1], uid[64], since[64], cursor[IG_PAGE_CURSOR_MAX], *next = NULL;
	int has_type, has_uid, has_since, has_cursor, limit;
	ig_event_filter f;
	ig_page pg;
	json_object *list;

	if (ig_query_limit(req, 50, 200, &limit, err) != 0 ||
	    (has_type = ig_query_param(req, "event_type", type, sizeof(type), err)) < 0 ||
	    (has_uid = ig_query_param(req, "user_id", uid, sizeof(uid), err)) < 0 ||
	    (has_since = ig_query_param(req, "since", since, sizeof(since), err)) < 0 ||
	    (has_cursor = ig_query_param(req, "cursor", cursor, sizeof(cursor), err)) < 0)
		return -1;
	if (has_type && !type_ok(type))
		return bad_type(err);
	if (has_uid && !ig_is_uuid(uid))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "user_id", "user_id must be a UUID");
	if (has_since && !rfc3339_ok(since))
		return ig_err_set(err, IG_E_INVALID_REQUEST, "since",
		    "since must be an RFC 3339 date-time, e.g. 2024-01-20T10:30:00Z");
	if (ig_page_open(&pg, IG_EVENTS_PAGE_SCOPE, limit, has_cursor ? cursor : NULL, err) != 0)
		return -1;
	f.event_type = has_type ? type : NULL;
	f.user_id = has_uid ? uid : NULL;
	f.since = has_since ? since : NULL;
	list = ig_event_list(&f, &pg, &next, err);
	if (list == NULL)
		return -1;
	*out = ig_ok("events", list);
	json_object_object_add(*out, "next_cursor", next ? json_object_new_string(next) : NULL);
	free(next);
	return 200;
}
