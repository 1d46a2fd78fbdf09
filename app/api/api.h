/* api.h — the handlers of the route table, one file per API area. */
#ifndef IG_API_API_H
#define IG_API_API_H

#include "app/fcgi/http.h"

/* health.c */
int ig_api_health(ig_req *req, json_object **out, ig_err *err);

#endif
