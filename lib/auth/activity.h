/*
 * activity.h — a user's activity log (sql/migrations/002 user_activity):
 * logins, changes to the account, keys and webhooks, newest first.
 */
#ifndef IG_AUTH_ACTIVITY_H
#define IG_AUTH_ACTIVITY_H

#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"

/* Record an event of user_id seen from ip (may be NULL); details: a JSON
 * object's text (NULL for {}). 0 or -1 with err. */
int ig_activity_add(const char *user_id, const char *kind, const char *ip, const char *details, ig_err *err);

/*
 * A page of user_id's activity, newest first: up to limit entries {id,
 * kind, ip, details, created_at} with an id below before (0: from the
 * newest) into *list; next (24 bytes) gets the id to pass as before for
 * the next page, "" on the last one. 0 or -1 with err.
 */
int ig_activity_list(const char *user_id, int64_t before, int limit, json_object **list, char next[24],
    ig_err *err);

#endif
