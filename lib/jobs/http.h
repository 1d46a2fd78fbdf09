/*
 * http.h — libcurl set up for a provider exchange under the transport
 * rules of PROVIDERS.md ("Hostile providers"): only the base URL's scheme
 * (also after redirects), no redirects for API calls and at most three for
 * output downloads, downloads only from the provider's allowed hosts,
 * connect and total timeouts, no signals. The runner (curl_multi) and the
 * API's own short calls (key tests, a local server's model list) share it.
 */
#ifndef IG_JOBS_HTTP_H
#define IG_JOBS_HTTP_H

#include <curl/curl.h>

#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/jobs/pconf.h"
#include "lib/providers/provider.h"

/* Apply h to e: URL, method, headers, JSON or multipart body, protocols,
 * redirects, timeouts. *hdrs and *mime receive what the caller frees after
 * the transfer (curl_slist_free_all, curl_mime_free). -1 with err when the
 * request is refused (an output URL on a host not allowed). */
int ig_http_apply(CURL *e, const ig_http_req *h, const ig_pconf *pc, long timeout_ms,
    struct curl_slist **hdrs, curl_mime **mime, ig_err *err);

/* One blocking exchange for the API's own short calls. resp->body points
 * into *buf (caller frees with ig_buf_free). 0, or -1 with err. */
int ig_http_fetch(const ig_http_req *h, const ig_pconf *pc, long timeout_ms, long max_bytes,
    ig_http_resp *resp, ig_buf *buf, char content_type[128], ig_err *err);

#endif
