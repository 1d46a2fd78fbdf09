/* health.c — see health.h. */
#include "ig_autoconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/health.h"

/* The seed API's version string, kept as published; the build's own
 * version goes in app_version. */
#define IG_API_VERSION "3.0"

/* Runners whose heartbeat is older than this are not counted as active. */
static const char *const active_runners_sql =
    "SELECT count(*) FROM runners WHERE heartbeat_at > now() - interval '30 seconds'";

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static json_object *
directories(int *all_present)
{
	const ig_config *c = ig_cfg();
	const char *dirs[] = { c->var_dir, c->image_dir };
	json_object *o = json_object_new_object(), *missing = json_object_new_array();

	*all_present = 1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!is_dir(dirs[i])) {
			json_object_array_add(missing, json_object_new_string(dirs[i]));
			*all_present = 0;
		}
	}
	json_object_object_add(o, "missing", missing);
	json_object_object_add(o, "all_present", json_object_new_boolean(*all_present));
	return o;
}

/* What one probe of the database found. */
typedef struct probe {
	int64_t at_ms;      /* monotonic time of the probe; 0 = never */
	int db_up;
	double latency_ms;
	int runners;        /* -1 when unknown */
	char error[256];
} probe;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static probe cache;
static int probing;

static void
probe_now(probe *p)
{
	ig_err err;
	PGresult *r;

	memset(p, 0, sizeof(*p));
	p->runners = -1;
	p->db_up = ig_db_ping(&p->latency_ms, &err) == 0;
	if (!p->db_up) {
		snprintf(p->error, sizeof(p->error), "%s", err.message);
	} else if ((r = ig_db_exec(active_runners_sql, 0, NULL, IG_DB_IDEMPOTENT, &err)) != NULL) {
		p->runners = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	p->at_ms = ig_now_ms();
}

/*
 * A probe at most max_age_ms old. Only one thread of a process probes at a
 * time; while it does, the others answer from the previous probe, so a
 * flood of /health requests costs the database one query per interval and a
 * hung database holds one thread, not all of them.
 */
static void
probe_cached(probe *out, int max_age_ms)
{
	pthread_mutex_lock(&cache_mu);
	if (cache.at_ms != 0 && (ig_now_ms() - cache.at_ms < max_age_ms || probing)) {
		*out = cache;
		pthread_mutex_unlock(&cache_mu);
		return;
	}
	probing = 1;
	pthread_mutex_unlock(&cache_mu);
	probe_now(out);
	pthread_mutex_lock(&cache_mu);
	cache = *out;
	probing = 0;
	pthread_mutex_unlock(&cache_mu);
}

json_object *
ig_health_collect(ig_health_status *status, int max_age_ms)
{
	const ig_config *c = ig_cfg();
	json_object *o = json_object_new_object(), *db = json_object_new_object(),
		    *runners = json_object_new_object();
	char ts[40];
	probe p;
	int db_up, all_present;

	probe_cached(&p, max_age_ms);
	db_up = p.db_up;
	json_object_object_add(db, "status", json_object_new_string(db_up ? "up" : "down"));
	if (db_up) {
		char ms[32];
		snprintf(ms, sizeof(ms), "%.2f", p.latency_ms);
		json_object_object_add(db, "latency_ms", json_object_new_double_s(p.latency_ms, ms));
	} else {
		json_object_object_add(db, "latency_ms", NULL);
	}
	if (!db_up)
		json_object_object_add(db, "error", json_object_new_string(p.error));
	json_object_object_add(runners, "active", p.runners >= 0 ? json_object_new_int(p.runners) : NULL);

	json_object *dirs = directories(&all_present);
	*status = !db_up ? IG_UNHEALTHY : !all_present ? IG_DEGRADED : IG_HEALTHY;

	ig_rfc3339_now(ts, sizeof(ts));
	static const char *const names[] = { "healthy", "degraded", "unhealthy" };
	json_object_object_add(o, "status", json_object_new_string(names[*status]));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "version", json_object_new_string(IG_API_VERSION));
	json_object_object_add(o, "app_version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "environment", json_object_new_string(c->environment));
	json_object_object_add(o, "project_root", json_object_new_string(c->project_root));
	json_object_object_add(o, "directories", dirs);
	json_object_object_add(o, "database", db);
	json_object_object_add(o, "runners", runners);
	return o;
}
