/*
 * monitoring_health.c — GET /api/monitoring/api-health (admin): each
 * provider probed with its adapter's cheapest authenticated call (the same
 * probe as a key test, with the server's own key and under the transport
 * rules of lib/jobs/http), the database's round trip, the image
 * directory's free space and the runners' heartbeats.
 *
 * Provider probes cost a call to a paid API, so their results are cached
 * per process for PROBE_TTL_MS; ?fresh=1 (admins only, like the route)
 * probes again at once. One thread probes at a time: the others wait for
 * it and take its results instead of probing too.
 */
#include "ig_autoconf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/monitoring.h"
#include "lib/core/config.h"
#include "lib/core/sysstat.h"
#include "lib/db/db.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/http.h"
#include "lib/jobs/pconf.h"

#define PROBE_TTL_MS 30000
#define PROBE_TIMEOUT_MS 5000
#define PROBE_MAX_BYTES (1L * 1024 * 1024)
#define MAX_PROVIDERS 16

/* What one probe of one provider found. */
typedef struct prov_health {
	const char *name;
	int configured;
	int probed;         /* 0: not called (unconfigured, or no network call) */
	int reachable;
	int key_valid;      /* meaningful when reachable */
	double latency_ms;
	long http_status;
	char error[300];
} prov_health;

static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;
static prov_health cached[MAX_PROVIDERS];
static int ncached;
static int64_t cached_at_ms;    /* 0 = never probed */
static char cached_ts[40];

static void
probe_one(const ig_provider_ops *ops, prov_health *h)
{
	const ig_pconf *pc = ig_pconf_get(ops->name);
	ig_http_req hr = { 0 };
	ig_http_resp resp;
	ig_buf buf = { 0 };
	char ctype[128];
	ig_err err = { 0 };
	int64_t t0;

	memset(h, 0, sizeof(*h));
	h->name = ops->name;
	h->configured = !ops->key.required || (pc != NULL && pc->api_key != NULL);
	if (ops->local != NULL) {
		/* builtin: no network, always there. */
		h->reachable = h->key_valid = 1;
		return;
	}
	if (!h->configured) {
		snprintf(h->error, sizeof(h->error), "not configured: the server has no %s; not called",
		    ops->settings.api_key_var ? ops->settings.api_key_var : "key setting");
		return;
	}
	if (pc == NULL || ig_provider_probe(ops, pc->base_url, pc->api_key, &hr) != 0) {
		snprintf(h->error, sizeof(h->error), "the adapter has no probe");
		goto out;
	}
	h->probed = 1;
	t0 = ig_now_us();
	if (ig_http_fetch(&hr, pc, PROBE_TIMEOUT_MS, PROBE_MAX_BYTES, &resp, &buf, ctype, &err) != 0) {
		snprintf(h->error, sizeof(h->error), "%s", err.message);
		goto out;
	}
	h->latency_ms = (double)(ig_now_us() - t0) / 1000.0;
	h->http_status = resp.status;
	if (resp.status == 0) {
		snprintf(h->error, sizeof(h->error), "%s", resp.timed_out ? "timed out" : "could not connect");
	} else if (resp.status >= 500) {
		snprintf(h->error, sizeof(h->error), "answered HTTP %ld", resp.status);
	} else {
		h->reachable = 1;
		h->key_valid = ig_provider_probe_ok(ops, &resp);
		if (!h->key_valid)
			snprintf(h->error, sizeof(h->error), "the server's key was refused (HTTP %ld)", resp.status);
	}
out:
	ig_http_req_free(&hr);
	ig_buf_free(&buf);
}

/* Fill out[] (at most MAX_PROVIDERS) from the cache, probing first when it
 * is older than PROBE_TTL_MS or fresh is set. Returns the count. */
static int
providers_health(prov_health *out, int fresh, char ts[40])
{
	int64_t asked = ig_now_ms();
	int n;

	pthread_mutex_lock(&probe_mu);
	/* A probe that started after this request arrived counts as fresh. */
	if (cached_at_ms == 0 || (fresh ? cached_at_ms < asked : asked - cached_at_ms >= PROBE_TTL_MS)) {
		ncached = 0;
		for (int i = 0; ig_providers[i] != NULL && ncached < MAX_PROVIDERS; i++)
			probe_one(ig_providers[i], &cached[ncached++]);
		cached_at_ms = ig_now_ms();
		ig_rfc3339_now(cached_ts, sizeof(cached_ts));
	}
	n = ncached;
	memcpy(out, cached, sizeof(cached[0]) * (size_t)n);
	memcpy(ts, cached_ts, 40);
	pthread_mutex_unlock(&probe_mu);
	return n;
}

static json_object *
provider_json(const prov_health *h)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(h->name));
	json_object_object_add(o, "configured", json_object_new_boolean(h->configured));
	/* null: not known, because it was not called. */
	json_object_object_add(o, "reachable", h->configured ? json_object_new_boolean(h->reachable) : NULL);
	json_object_object_add(o, "key_valid", h->configured && h->reachable ?
	    json_object_new_boolean(h->key_valid) : NULL);
	json_object_object_add(o, "latency_ms", h->probed && h->http_status ? ig_monitoring_num(h->latency_ms) : NULL);
	json_object_object_add(o, "http_status", h->probed && h->http_status ? json_object_new_int((int)h->http_status) : NULL);
	json_object_object_add(o, "last_error", h->error[0] ? json_object_new_string(h->error) : NULL);
	return o;
}

static json_object *
database_json(void)
{
	json_object *o = json_object_new_object();
	double lat;
	ig_err err;

	if (ig_db_ping(&lat, &err) == 0) {
		json_object_object_add(o, "status", json_object_new_string("up"));
		json_object_object_add(o, "latency_ms", ig_monitoring_num(lat));
	} else {
		json_object_object_add(o, "status", json_object_new_string("down"));
		json_object_object_add(o, "latency_ms", NULL);
		json_object_object_add(o, "error", json_object_new_string(err.message));
	}
	return o;
}

static json_object *
storage_json(void)
{
	const char *dir = ig_cfg()->image_dir;
	json_object *o = json_object_new_object();
	uint64_t fr, tot;
	int ok = ig_sys_disk(dir, &fr, &tot) == 0 && tot > 0;

	json_object_object_add(o, "path", json_object_new_string(dir));
	json_object_object_add(o, "free_bytes", ok ? json_object_new_int64((int64_t)fr) : NULL);
	json_object_object_add(o, "total_bytes", ok ? json_object_new_int64((int64_t)tot) : NULL);
	json_object_object_add(o, "free_percent", ok ? ig_monitoring_num(100.0 * (double)fr / (double)tot) : NULL);
	return o;
}

/* Runners with a heartbeat in the last 30 s (the /health rule). */
static json_object *
runners_json(void)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	ig_runner_seen *rs = NULL;
	ig_err err;
	int n = 0, rc = ig_runners_live(30, &rs, &n, &err);

	for (int i = 0; rc == 0 && i < n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "hostname", json_object_new_string(rs[i].hostname));
		json_object_object_add(e, "pid", json_object_new_int(rs[i].pid));
		json_object_object_add(e, "heartbeat_at", json_object_new_string(rs[i].heartbeat_at));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "active", rc == 0 ? json_object_new_int(n) : NULL);
	json_object_object_add(o, "list", list);
	free(rs);
	return o;
}

/* GET /api/monitoring/api-health?fresh=0|1 */
struct health_query {
	const char *fresh;
};

static const char *const zero_one[] = { "0", "1", NULL };

static const ig_field health_query[] = {
	{ "fresh", IG_F_ENUM, 0, 0, 0, .values = zero_one, .at = IG_AT(struct health_query, fresh),
	  .msg = "fresh must be 0 or 1", .bytes = 7 },
	IG_FIELDS_END
};

int
ig_api_monitoring_api_health(ig_req *req, json_object **out, ig_err *err)
{
	prov_health hs[MAX_PROVIDERS];
	struct health_query q = { "0" };
	char ts[40];
	int n;
	json_object *list;

	if (ig_fields_query(req, health_query, &q, err) != 0)
		return -1;
	n = providers_health(hs, strcmp(q.fresh, "1") == 0, ts);
	list = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(list, provider_json(&hs[i]));
	*out = ig_ok("providers", list);
	json_object_object_add(*out, "providers_checked_at", json_object_new_string(ts));
	json_object_object_add(*out, "database", database_json());
	json_object_object_add(*out, "storage", storage_json());
	json_object_object_add(*out, "runners", runners_json());
	return 200;
}
