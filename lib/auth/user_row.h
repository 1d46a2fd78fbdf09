/*
 * user_row.h — for lib/ modules whose statements return a user's row
 * beside their own columns (the session check, the API-key check): the
 * users columns to select (table alias u) and the reader that fills an
 * ig_user from them. Handlers use lib/auth/user.h.
 */
#ifndef IG_AUTH_USER_ROW_H
#define IG_AUTH_USER_ROW_H

#include <libpq-fe.h>

#include "lib/auth/user.h"

#define IG_USER_SQL_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The columns ig_user_from_row reads, in order, from table alias u. */
#define IG_USER_COLS "u.id, u.username, u.email, u.role, u.display_name, " \
	IG_USER_SQL_TS("u.created_at") ", " IG_USER_SQL_TS("u.last_login_at") ", u.preferences, " \
	"lower(u.email) IS NOT DISTINCT FROM lower(u.confirmed_email)"

/* Fill *u (ig_user_free it) from IG_USER_COLS at row of r, from column col. */
void ig_user_from_row(const PGresult *r, int row, int col, ig_user *u);

#endif
