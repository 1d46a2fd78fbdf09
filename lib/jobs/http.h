/*
 * http.h — libcurl set up for a provider exchange under the transport
 * rules of PROVIDERS.md ("Hostile providers"): only the base URL's scheme,
 * no redirects followed by libcurl (an output download's redirect goes back
 * to the adapter, which asks for its target as a new download: at most
 * IG_DOWNLOAD_MAX_HOPS, each hop checked here like the first URL), downloads
 * only from the provider's allowed hosts and only to public addresses (every
 * connection checked as it is opened), connect and total timeouts, no
 * signals. The runner (curl_multi) and the API's own short calls (key tests,
 * a local server's model list) share it.
 */
#ifndef IG_JOBS_HTTP_H
#define IG_JOBS_HTTP_H

#include <curl/curl.h>

#include "lib/core/error.h"
#include "lib/core/util.h"
#include "lib/jobs/pconf.h"
#include "lib/providers/provider.h"

/* Apply h to e: URL, method, headers, JSON or multipart body, protocols,
 * redirects, timeouts, the address check of downloads. h must stay valid
 * until the transfer ends (its body and, for a download, h itself are used
 * in place). *hdrs and *mime receive what the caller frees after the
 * transfer (curl_slist_free_all, curl_mime_free). -1 with err when the
 * request is refused (an output URL, or a redirect's target, on a host not
 * allowed: the message names the host and the hop). */
int ig_http_apply(CURL *e, const ig_http_req *h, const ig_pconf *pc, long timeout_ms,
    struct curl_slist **hdrs, curl_mime **mime, ig_err *err);

/* 1 when an output download of url may connect to sa: a public address
 * (ig_webhook_addr_public, the webhook sender's rule), or the very address
 * url names as its host (an IP literal, which the allow-list let through:
 * a local server, the test stack's mock). A host NAME that resolves to a
 * loopback, private or link-local address is refused, allow-listed or not.
 * why (may be NULL) gets the range refused. */
struct sockaddr;
int ig_http_download_addr_ok(const char *url, const struct sockaddr *sa, const char **why);

/* One blocking exchange for the API's own short calls. resp->body points
 * into *buf (caller frees with ig_buf_free). 0, or -1 with err. */
int ig_http_fetch(const ig_http_req *h, const ig_pconf *pc, long timeout_ms, long max_bytes,
    ig_http_resp *resp, ig_buf *buf, char content_type[128], ig_err *err);

#endif
