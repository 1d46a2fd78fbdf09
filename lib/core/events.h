/*
 * events.h — the client events of API.md "Health and monitoring" (table
 * events, migrations 006_monitoring.sql and 008_event_types.sql): the one
 * owner of its statements.
 */
#ifndef IG_CORE_EVENTS_H
#define IG_CORE_EVENTS_H

#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/db/page.h"

/* The scope of the event list's cursors (lib/db/page.h). */
#define IG_EVENTS_PAGE_SCOPE "events"

/* Store one event (metadata: JSON object text or NULL; request_id may be
 * NULL); *id gets its id. 0 or -1 with err. */
int ig_event_add(const char *user_id, const char *event_type, const char *message, const char *metadata,
    const char *request_id, int64_t *id, ig_err *err);

/* What the list keeps: each NULL for any. since is an RFC 3339 time. */
typedef struct ig_event_filter {
	const char *event_type;
	const char *user_id;
	const char *since;
} ig_event_filter;

/*
 * A page of events, newest first, every filter applied before the page's
 * limit: an array of {id, user_id, username, event_type, message, metadata,
 * created_at, request_id}. *next_cursor gets the malloc'ed cursor of the
 * next page, or NULL on the last one. NULL with err.
 */
json_object *ig_event_list(const ig_event_filter *f, const ig_page *pg, char **next_cursor, ig_err *err);

#endif
