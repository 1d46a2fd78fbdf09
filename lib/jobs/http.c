/* http.c — see http.h. */
#include "ig_autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "lib/core/log.h"
#include "lib/jobs/http.h"
#include "lib/jobs/webhook.h"

/* url's host (IPv6 without brackets) into host; 0, or -1 when url has none. */
static int
url_host(const char *url, char *host, size_t len)
{
	CURLU *u = curl_url();
	char *h = NULL;
	int rc = -1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		size_t n = strlen(h);
		const char *p = h;
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			p++;
			n -= 2;
		}
		snprintf(host, len, "%.*s", (int)n, p);
		rc = 0;
	}
	curl_free(h);
	curl_url_cleanup(u);
	return rc;
}

int
ig_http_download_addr_ok(const char *url, const struct sockaddr *sa, const char **why)
{
	char host[256];
	unsigned char lit[sizeof(struct in6_addr)];

	if (ig_webhook_addr_public(sa, why))
		return 1;
	if (url_host(url, host, sizeof(host)) != 0)
		return 0;
	if (sa->sa_family == AF_INET && inet_pton(AF_INET, host, lit) == 1)
		return memcmp(lit, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4) == 0;
	if (sa->sa_family == AF_INET6 && inet_pton(AF_INET6, host, lit) == 1)
		return memcmp(lit, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16) == 0;
	return 0;
}

/* CURLOPT_OPENSOCKETFUNCTION of downloads: every connection, to every
 * address a name resolves to (also one re-resolved later: DNS rebinding),
 * is checked before it is made. clientp is the ig_http_req, which lives as
 * long as its transfer. */
static curl_socket_t
download_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	const ig_http_req *h = clientp;
	const char *why = "";
	char host[256];

	if (purpose == CURLSOCKTYPE_IPCXN && !ig_http_download_addr_ok(h->url, &a->addr, &why)) {
		if (url_host(h->url, host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "?");
		ig_logf(IG_LOG_WARN, "download_address_refused",
		    "an output download%s: %.200s is %s; downloads reach public addresses only, or one named by address",
		    h->hop ? " (after a redirect)" : "", host, why);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

int
ig_http_apply(CURL *e, const ig_http_req *h, const ig_pconf *pc, long timeout_ms,
    struct curl_slist **hdrs, curl_mime **mime, ig_err *err)
{
	const char *proto = strncmp(pc->base_url, "https://", 8) == 0 ? "https" : "http";
	char host[256];

	*hdrs = NULL;
	*mime = NULL;
	if (h->download && !ig_pconf_download_allowed(pc, h->url)) {
		if (url_host(h->url, host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "?");
		if (h->hop > 0)
			return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
			    "the output download was redirected (hop %d) to %.100s, a host not in %s's download allow-list;"
			    " the redirect was refused", h->hop, host, pc->ops->name);
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
		    "the provider's output URL is on %.100s, a host not in %s's download allow-list", host, pc->ops->name);
	}
	curl_easy_setopt(e, CURLOPT_URL, h->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, proto);
	/* Redirects are never followed by libcurl: a download's redirect comes
	 * back to the adapter (ig_provider_download_error) and its target is a
	 * new download, checked here like the first URL. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	if (h->download) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, download_socket);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, (void *)(uintptr_t)h);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "imagegen/" PACKAGE_VERSION);
	*hdrs = curl_slist_append(NULL, "Expect:");
	for (int i = 0; i < h->nheaders; i++)
		*hdrs = curl_slist_append(*hdrs, h->headers[i]);
	if (h->parts != NULL && h->nparts > 0) {
		*mime = curl_mime_init(e);
		for (int i = 0; i < h->nparts; i++) {
			curl_mimepart *part = curl_mime_addpart(*mime);
			curl_mime_name(part, h->parts[i].name);
			curl_mime_data(part, h->parts[i].value, h->parts[i].value_len);
			if (h->parts[i].filename)
				curl_mime_filename(part, h->parts[i].filename);
			if (h->parts[i].content_type)
				curl_mime_type(part, h->parts[i].content_type);
		}
		curl_easy_setopt(e, CURLOPT_MIMEPOST, *mime);
	} else if (h->body != NULL) {
		*hdrs = curl_slist_append(*hdrs, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->body_len);
	}
	if (h->method != NULL && strcmp(h->method, "GET") != 0 && strcmp(h->method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, h->method);
	else if (h->method != NULL && strcmp(h->method, "POST") == 0 && h->body == NULL && h->parts == NULL)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
	return 0;
}

typedef struct sink {
	ig_buf *buf;
	long max;
	int too_big;
	char *content_type;
} sink;

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	sink *s = arg;

	if ((long)(s->buf->len + size * n) > s->max) {
		s->too_big = 1;
		return 0;
	}
	ig_buf_append(s->buf, p, size * n);
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	sink *s = arg;
	size_t len = size * n;

	if (len > 13 && strncasecmp(p, "content-type:", 13) == 0) {
		const char *v = p + 13;
		size_t vl = len - 13;
		while (vl > 0 && *v == ' ') {
			v++;
			vl--;
		}
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
			vl--;
		snprintf(s->content_type, 128, "%.*s", (int)vl, v);
	}
	return len;
}

int
ig_http_fetch(const ig_http_req *h, const ig_pconf *pc, long timeout_ms, long max_bytes,
    ig_http_resp *resp, ig_buf *buf, char content_type[128], ig_err *err)
{
	CURL *e = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	curl_mime *mime = NULL;
	sink s = { buf, max_bytes, 0, content_type };
	CURLcode rc;
	long status = 0;

	memset(resp, 0, sizeof(*resp));
	content_type[0] = '\0';
	if (e == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
	if (ig_http_apply(e, h, pc, timeout_ms, &hdrs, &mime, err) != 0) {
		curl_easy_cleanup(e);
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &s);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_mime_free(mime);
	curl_easy_cleanup(e);
	if (buf->data == NULL)
		ig_buf_append(buf, "", 0);
	if (s.too_big)
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider's answer is too large");
	resp->status = rc == CURLE_OK ? status : 0;
	resp->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	resp->transport_error = rc != CURLE_OK && !resp->timed_out;
	resp->body = buf->data;
	resp->len = buf->len;
	resp->content_type = content_type[0] ? content_type : NULL;
	return 0;
}
