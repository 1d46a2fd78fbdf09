/* activity.c — see activity.h. */
#include "ig_autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/auth/activity.h"
#include "lib/core/json.h"
#include "lib/db/db.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Every statement of this module. */
#define STATEMENTS(X) \
	X(SQL_ADD, "INSERT INTO user_activity (user_id, kind, ip, details) VALUES ($1, $2, $3, $4::jsonb)") \
	X(SQL_LIST, "SELECT id, kind, ip, details, " TS("created_at") " FROM user_activity" \
	    " WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)" \
	    " ORDER BY id DESC LIMIT $3::int")
IG_DB_STATEMENTS(STATEMENTS);

int
ig_activity_add(const char *user_id, const char *kind, const char *ip, const char *details, ig_err *err)
{
	return ig_db_run(sql[SQL_ADD], IG_DB_ARGS(user_id, kind, ip, details ? details : "{}"), 0, err);
}

static json_object *
string_or_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : json_object_new_string(PQgetvalue(r, row, col));
}

int
ig_activity_list(const char *user_id, int64_t before, int limit, json_object **list, char next[24],
    ig_err *err)
{
	char cur[24], lim[16];
	const char *p[3] = { user_id, NULL, lim };
	PGresult *r;

	if (before > 0) {
		snprintf(cur, sizeof(cur), "%" PRId64, before);
		p[1] = cur;
	}
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	r = ig_db_exec(sql[SQL_LIST], 3, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	*list = json_object_new_array();
	for (int i = 0; i < PQntuples(r) && i < limit; i++) {
		json_object *a = json_object_new_object(), *d;
		ig_err e;
		const char *dj = PQgetvalue(r, i, 3);
		json_object_object_add(a, "id", json_object_new_string(PQgetvalue(r, i, 0)));
		json_object_object_add(a, "kind", string_or_null(r, i, 1));
		json_object_object_add(a, "ip", string_or_null(r, i, 2));
		d = ig_json_parse(dj, strlen(dj), 1000, &e);
		json_object_object_add(a, "details", d ? d : json_object_new_object());
		json_object_object_add(a, "created_at", string_or_null(r, i, 4));
		json_object_array_add(*list, a);
	}
	next[0] = '\0';
	if (PQntuples(r) > limit)
		snprintf(next, 24, "%s", PQgetvalue(r, limit - 1, 0));
	PQclear(r);
	return 0;
}
