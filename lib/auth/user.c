/* user.c — see user.h and user_row.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/auth/user.h"
#include "lib/auth/user_row.h"
#include "lib/core/json.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"

enum { COL_ID, COL_USERNAME, COL_EMAIL, COL_ROLE, COL_DISPLAY, COL_CREATED, COL_LAST_LOGIN, COL_PREFS,
	COL_CONFIRMED };

/* Every statement of this module. */
#define STATEMENTS(X) \
	X(SQL_LOAD, "SELECT " IG_USER_COLS " FROM users u WHERE u.id = $1") \
	X(SQL_BY_LOGIN, "SELECT id, password_hash FROM users" \
	    " WHERE lower(username) = lower($1) OR lower(email) = lower($1) LIMIT 1") \
	X(SQL_LOGGED_IN, "UPDATE users SET last_login_at = now() WHERE id = $1") \
	X(SQL_SET_DISPLAY_NAME, "UPDATE users SET display_name = $2, updated_at = now() WHERE id = $1") \
	X(SQL_DELETE, "DELETE FROM users WHERE id = $1") \
	X(SQL_PREFS, "SELECT preferences FROM users WHERE id = $1") \
	X(SQL_PREFS_MERGE, "UPDATE users SET preferences = preferences || $2::jsonb, updated_at = now()" \
	    " WHERE id = $1") \
	/* The registration address is the confirmed one. */ \
	X(SQL_INSERT, "INSERT INTO users (username, email, confirmed_email, password_hash, display_name, role)" \
	    " VALUES ($1, $2, $2, $3, $4, $5) RETURNING id") \
	X(SQL_PASSWORD_HASH, "SELECT password_hash FROM users WHERE id = $1::uuid") \
	X(SQL_END_CREDENTIALS, \
	    "WITH u AS (UPDATE users SET password_hash = coalesce($2, password_hash)," \
	    "  tokens_valid_after = now(), updated_at = now() WHERE id = $1::uuid RETURNING id)," \
	    " f AS (UPDATE refresh_tokens SET revoked_at = now()" \
	    "  WHERE user_id = $1::uuid AND revoked_at IS NULL" \
	    "  RETURNING family_id, access_jti, created_at, spent_at IS NULL AND expires_at > now() AS live)," \
	    " j AS (INSERT INTO revoked_tokens (jti, expires_at)" \
	    "  SELECT access_jti, created_at + make_interval(secs => $3::int) FROM f" \
	    "  WHERE access_jti IS NOT NULL ON CONFLICT DO NOTHING)," \
	    " k AS (UPDATE api_keys SET revoked_at = now() WHERE user_id = $1::uuid AND revoked_at IS NULL" \
	    "  RETURNING expires_at IS NULL OR expires_at > now() AS live)" \
	    " SELECT (SELECT count(*) FROM u), (SELECT count(DISTINCT family_id) FROM f WHERE live)," \
	    " (SELECT count(*) FROM k WHERE live)") \
	/* Lock the row, remember the old address, set the new one; the \
	 * confirmed address stays. */ \
	X(SQL_SET_EMAIL, \
	    "WITH old AS (SELECT id, email, confirmed_email FROM users WHERE id = $1::uuid FOR UPDATE)" \
	    " UPDATE users u SET email = $2, updated_at = now() FROM old WHERE u.id = old.id" \
	    " RETURNING old.email, lower(old.email) = lower($2)," \
	    " lower(coalesce(old.confirmed_email, '')) = lower($2)")
IG_DB_STATEMENTS(STATEMENTS);

void
ig_user_free(ig_user *u)
{
	free(u->display_name);
	free(u->preferences);
	memset(u, 0, sizeof(*u));
}

int
ig_user_is_admin(const ig_user *u)
{
	return strcmp(u->role, "admin") == 0;
}

void
ig_user_from_row(const PGresult *r, int row, int col, ig_user *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->id, sizeof(u->id), "%s", PQgetvalue(r, row, col + COL_ID));
	snprintf(u->username, sizeof(u->username), "%s", PQgetvalue(r, row, col + COL_USERNAME));
	snprintf(u->email, sizeof(u->email), "%s", PQgetvalue(r, row, col + COL_EMAIL));
	snprintf(u->role, sizeof(u->role), "%s", PQgetvalue(r, row, col + COL_ROLE));
	if (!PQgetisnull(r, row, col + COL_DISPLAY))
		u->display_name = ig_xstrdup(PQgetvalue(r, row, col + COL_DISPLAY));
	snprintf(u->created_at, sizeof(u->created_at), "%s", PQgetvalue(r, row, col + COL_CREATED));
	snprintf(u->last_login_at, sizeof(u->last_login_at), "%s", PQgetvalue(r, row, col + COL_LAST_LOGIN));
	u->preferences = ig_xstrdup(PQgetvalue(r, row, col + COL_PREFS));
	u->email_confirmed = strcmp(PQgetvalue(r, row, col + COL_CONFIRMED), "t") == 0;
}

static json_object *
string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

json_object *
ig_user_json(const ig_user *u)
{
	json_object *o = json_object_new_object(), *prefs = NULL;
	ig_err err;

	json_object_object_add(o, "id", json_object_new_string(u->id));
	json_object_object_add(o, "username", json_object_new_string(u->username));
	json_object_object_add(o, "email", json_object_new_string(u->email));
	json_object_object_add(o, "email_confirmed", json_object_new_boolean(u->email_confirmed));
	json_object_object_add(o, "role", json_object_new_string(u->role));
	json_object_object_add(o, "display_name", string_or_null(u->display_name));
	json_object_object_add(o, "created_at", json_object_new_string(u->created_at));
	json_object_object_add(o, "last_login_at",
	    u->last_login_at[0] ? json_object_new_string(u->last_login_at) : NULL);
	if (u->preferences != NULL)
		prefs = ig_json_parse(u->preferences, strlen(u->preferences), 1000, &err);
	json_object_object_add(o, "preferences", prefs ? prefs : json_object_new_object());
	return o;
}

static void
user_row(PGresult *r, int i, void *u)
{
	ig_user_from_row(r, i, 0, u);
}

int
ig_user_load(const char *id, ig_user *u, ig_err *err)
{
	return ig_db_one(sql[SQL_LOAD], IG_DB_ARGS(id), IG_DB_IDEMPOTENT, user_row, u, err);
}

/* Where a row of SQL_BY_LOGIN (id, hash) or SQL_PASSWORD_HASH (hash) goes. */
struct login {
	char *id;                       /* NULL: the statement has no id */
	char *hash;
};

static void
login_row(PGresult *r, int i, void *out)
{
	struct login *l = out;
	int c = 0;

	if (l->id != NULL)
		snprintf(l->id, IG_UUID_BUF, "%s", PQgetvalue(r, i, c++));
	/* A stored hash too long for ours cannot verify: it stays "". */
	if (snprintf(l->hash, IG_PASSWORD_HASH_MAX, "%s", PQgetvalue(r, i, c)) >= IG_PASSWORD_HASH_MAX)
		l->hash[0] = '\0';
}

int
ig_user_by_login(const char *username_or_email, char id[IG_UUID_BUF], char hash[IG_PASSWORD_HASH_MAX],
    ig_err *err)
{
	const char *p[1] = { username_or_email };
	struct login l = { id, hash };
	int rc = ig_db_one(sql[SQL_BY_LOGIN], 1, p, IG_DB_IDEMPOTENT, login_row, &l, err);

	return rc < 0 ? -1 : rc == 0;
}

int
ig_user_logged_in(const char *id, ig_err *err)
{
	return ig_db_run(sql[SQL_LOGGED_IN], IG_DB_ARGS(id), 0, err);
}

int
ig_user_set_display_name(const char *id, const char *display_name, ig_err *err)
{
	return ig_db_run(sql[SQL_SET_DISPLAY_NAME], IG_DB_ARGS(id, display_name), 0, err);
}

int
ig_user_delete(const char *id, ig_err *err)
{
	return ig_db_run(sql[SQL_DELETE], IG_DB_ARGS(id), 0, err);
}

static void
prefs_row(PGresult *r, int i, void *json)
{
	*(char **)json = ig_xstrdup(PQgetvalue(r, i, 0));
}

int
ig_user_prefs(const char *id, char **json, ig_err *err)
{
	return ig_db_one(sql[SQL_PREFS], IG_DB_ARGS(id), IG_DB_IDEMPOTENT, prefs_row, json, err);
}

int
ig_user_prefs_merge(const char *id, const char *json, ig_err *err)
{
	return ig_db_run(sql[SQL_PREFS_MERGE], IG_DB_ARGS(id, json), 0, err);
}

int
ig_user_insert(const char *username, const char *email, const char *password_hash,
    const char *display_name, const char *role, char id[IG_UUID_BUF], ig_err *err)
{
	const char *p[5] = { username, email, password_hash, display_name, role };

	if (ig_db_value(sql[SQL_INSERT], 5, p, 0, id, IG_UUID_BUF, err) >= 0)
		return 0;
	if (strcmp(ig_db_sqlstate(), "23505") == 0)
		return ig_err_set(err, IG_E_CONFLICT, NULL, "that username or email address is already registered");
	return -1;
}

int
ig_user_password_hash(const char *id, char hash[IG_PASSWORD_HASH_MAX], ig_err *err)
{
	const char *p[1] = { id };
	struct login l = { NULL, hash };
	int rc = ig_db_one(sql[SQL_PASSWORD_HASH], 1, p, IG_DB_IDEMPOTENT, login_row, &l, err);

	return rc < 0 ? -1 : rc == 0;
}

int
ig_user_end_credentials(const char *id, const char *password_hash, int access_ttl_s, ig_revoked *out,
    ig_err *err)
{
	char ttl[16];
	const char *p[3] = { id, password_hash, ttl };
	PGresult *r;
	int rc = -1;

	snprintf(ttl, sizeof(ttl), "%d", access_ttl_s);
	r = ig_db_exec(sql[SQL_END_CREDENTIALS], 3, p, 0, err);
	if (r == NULL)
		return -1;
	if (atoi(PQgetvalue(r, 0, 0)) != 1) {
		ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
		goto out;
	}
	out->sessions = atoi(PQgetvalue(r, 0, 1));
	out->api_keys = atoi(PQgetvalue(r, 0, 2));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
ig_user_set_email(const char *id, const char *email, char old[IG_EMAIL_BUF], int *same, int *confirmed,
    ig_err *err)
{
	const char *p[2] = { id, email };
	PGresult *r = ig_db_exec(sql[SQL_SET_EMAIL], 2, p, 0, err);

	if (r == NULL) {
		if (strcmp(ig_db_sqlstate(), "23505") == 0)
			ig_err_set(err, IG_E_CONFLICT, "email", "that email address is already registered");
		return -1;
	}
	if (PQntuples(r) != 1) {
		PQclear(r);
		return ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such user");
	}
	snprintf(old, IG_EMAIL_BUF, "%s", PQgetvalue(r, 0, 0));
	*same = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	*confirmed = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	PQclear(r);
	return 0;
}
