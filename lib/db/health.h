/*
 * health.h — the service's health as API.md's GET /health describes it,
 * computed for the HTTP handler and the `imagegen health` command alike.
 */
#ifndef IG_DB_HEALTH_H
#define IG_DB_HEALTH_H

#include <json-c/json.h>

typedef enum ig_health_status {
	IG_HEALTHY,
	IG_DEGRADED,
	IG_UNHEALTHY,
} ig_health_status;

/* Probe the database and the directories the service needs. Returns a new
 * JSON object (caller puts it) with status, timestamp, version, environment,
 * project_root, directories, database and runners; *status gets the overall
 * verdict: unhealthy when the database cannot be reached, degraded when a
 * directory is missing. The database probe is reused for max_age_ms (0:
 * always probe). */
json_object *ig_health_collect(ig_health_status *status, int max_age_ms);

#endif
