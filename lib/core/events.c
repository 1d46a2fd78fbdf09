/* events.c — see events.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/events.h"
#include "lib/db/db.h"

#define STATEMENTS(X) \
	X(SQL_ADD, \
	    "INSERT INTO events (user_id, event_type, message, metadata, request_id)" \
	    " VALUES ($1::uuid, $2, $3, $4::jsonb, $5) RETURNING id") \
	/* Filters, then the page: ids below the cursor's ($4, its sort key). */ \
	X(SQL_LIST, \
	    "SELECT e.id, e.user_id, u.username, e.event_type, e.message, e.metadata::text," \
	    " to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), e.request_id" \
	    " FROM events e LEFT JOIN users u ON u.id = e.user_id" \
	    " WHERE ($1::text IS NULL OR e.event_type = $1) AND ($2::uuid IS NULL OR e.user_id = $2::uuid)" \
	    " AND ($3::timestamptz IS NULL OR e.created_at >= $3::timestamptz)" \
	    " AND ($4::bigint IS NULL OR e.id < $4::bigint)" \
	    " ORDER BY e.id DESC LIMIT $5::int")
IG_DB_STATEMENTS(STATEMENTS);

int
ig_event_add(const char *user_id, const char *event_type, const char *message, const char *metadata,
    const char *request_id, int64_t *id, ig_err *err)
{
	const char *p[5] = { user_id, event_type, message, metadata, request_id };

	return ig_db_int64(sql[SQL_ADD], 5, p, 0, id, err);
}

static json_object *
text_or_null(PGresult *r, int i, int c)
{
	return PQgetisnull(r, i, c) ? NULL : json_object_new_string(PQgetvalue(r, i, c));
}

static json_object *
event_json(PGresult *r, int i)
{
	json_object *e = json_object_new_object(), *meta = json_tokener_parse(PQgetvalue(r, i, 5));

	json_object_object_add(e, "id", json_object_new_int64(strtoll(PQgetvalue(r, i, 0), NULL, 10)));
	json_object_object_add(e, "user_id", json_object_new_string(PQgetvalue(r, i, 1)));
	json_object_object_add(e, "username", text_or_null(r, i, 2));
	json_object_object_add(e, "event_type", json_object_new_string(PQgetvalue(r, i, 3)));
	json_object_object_add(e, "message", json_object_new_string(PQgetvalue(r, i, 4)));
	json_object_object_add(e, "metadata", meta);
	json_object_object_add(e, "created_at", json_object_new_string(PQgetvalue(r, i, 6)));
	json_object_object_add(e, "request_id", text_or_null(r, i, 7));
	return e;
}

json_object *
ig_event_list(const ig_event_filter *f, const ig_page *pg, char **next_cursor, ig_err *err)
{
	const char *p[5] = { f->event_type, f->user_id, f->since, pg->has_after ? pg->after_key : NULL,
		pg->limit_plus_one };

	return ig_page_run(pg, IG_EVENTS_PAGE_SCOPE, sql[SQL_LIST], 5, p, event_json, 0, 0, next_cursor, err);
}
