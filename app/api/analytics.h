/* analytics.h — the handlers of app/api/analytics.c (issue 13). */
#ifndef IG_API_ANALYTICS_H
#define IG_API_ANALYTICS_H

#include "app/fcgi/http.h"

/* GET /api/analytics/usage-stats (from, to, scope). */
int ig_api_analytics_usage(ig_req *req, json_object **out, ig_err *err);
/* GET /api/analytics/popular-prompts (limit, from, to, scope). */
int ig_api_analytics_prompts(ig_req *req, json_object **out, ig_err *err);
/* GET /api/analytics/generation-trends (interval, from, to, tz, scope). */
int ig_api_analytics_trends(ig_req *req, json_object **out, ig_err *err);

#endif
