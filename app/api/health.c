/* health.c — GET /health (API.md "Health and monitoring"). */
#include "ig_autoconf.h"

#include "app/api/api.h"
#include "lib/core/config.h"
#include "lib/db/health.h"

/* 200 when healthy or degraded, 503 when unhealthy (the database is down),
 * so load balancers and docker's health check see the truth. */
int
ig_api_health(ig_req *req, json_object **out, ig_err *err)
{
	ig_health_status st;

	(void)req;
	(void)err;
	*out = ig_health_collect(&st, ig_cfg()->health_cache_ms);
	return st == IG_UNHEALTHY ? 503 : 200;
}
