/*
 * monitoring.h — what the monitoring handlers share (app/api/monitoring*.c).
 * The handlers themselves are declared in api.h with the route table's.
 */
#ifndef IG_API_MONITORING_H
#define IG_API_MONITORING_H

#include "app/fcgi/http.h"

/* 1 when the request came from this host's loopback (127.0.0.1 or ::1 as
 * nginx saw it: $remote_addr in REMOTE_ADDR). Other 127/8 addresses do not
 * count: a scraper on the host uses 127.0.0.1. */
int ig_monitoring_loopback(const ig_req *req);

/* A latency or percentage as a JSON number with two decimals. */
json_object *ig_monitoring_num(double v);

#endif
