/*
 * pipeline.h — the request pipeline of DESIGN.md, in its fixed order:
 * read (body limit → 413) → route (404 / 405 + Allow) → access → handler →
 * one serialized JSON response with X-Request-Id → metrics and access log.
 */
#ifndef IG_FCGI_PIPELINE_H
#define IG_FCGI_PIPELINE_H

#include <fcgiapp.h>

#include "app/fcgi/fcgi_in.h"
#include "lib/core/metrics.h"

/* Serve the accepted request r completely (the caller finishes it). in is
 * its body on the connection (fcgi_in.h), or NULL when libfcgi's r->in
 * reads it. */
void ig_pipeline_handle(FCGX_Request *r, ig_fcgi_in *in, ig_metrics *m);

/* The metrics block the pipeline counts into (for the monitoring
 * handlers); set by the first ig_pipeline_handle. */
const ig_metrics *ig_pipeline_metrics(void);

#endif
