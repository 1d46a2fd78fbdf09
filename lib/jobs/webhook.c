/* webhook.c — see webhook.h. The address rule, the URL check and the
 * signature; the stored secret and the sends are in webhook_send.c. */
#include "ig_autoconf.h"

#include <ctype.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <sodium.h>

#include "lib/core/config.h"
#include "lib/jobs/webhook.h"

#define MAX_URL 2048

/* Refused IPv4 ranges, most specific first (the metadata address lies in
 * the link-local range and is named apart). RFC 6890 and RFC 6598. */
static const struct v4_range {
	uint32_t net;
	int bits;
	const char *why;
} v4_refused[] = {
	{ 0xa9fea9feu, 32, "a cloud metadata address" },  /* 169.254.169.254 */
	{ 0x00000000u, 8, "an unspecified (this-network) address" },
	{ 0x0a000000u, 8, "a private address" },          /* 10/8 */
	{ 0x64400000u, 10, "a shared (CGNAT) address" },   /* 100.64/10 */
	{ 0x7f000000u, 8, "a loopback address" },          /* 127/8 */
	{ 0xa9fe0000u, 16, "a link-local address" },       /* 169.254/16 */
	{ 0xac100000u, 12, "a private address" },          /* 172.16/12 */
	{ 0xc0000000u, 24, "a reserved address" },         /* 192.0.0/24 */
	{ 0xc0a80000u, 16, "a private address" },          /* 192.168/16 */
	{ 0xc6120000u, 15, "a reserved address" },         /* 198.18/15 */
	{ 0xe0000000u, 4, "a multicast address" },         /* 224/4 */
	{ 0xf0000000u, 4, "a reserved or broadcast address" }, /* 240/4 */
};

/* What an IPv6 prefix means: refused outright, or carrying an IPv4
 * address in its last four bytes (or, for 6to4, bytes 2..5) that is
 * judged by the IPv4 table. RFC 4291, RFC 4193, RFC 6052, RFC 3056. */
enum v6_kind { V6_REFUSED, V6_EMBEDS_LAST4, V6_EMBEDS_6TO4 };

static const struct v6_range {
	unsigned char net[16];
	int bits;
	enum v6_kind kind;
	const char *why;
} v6_refused[] = {
	{ { 0 }, 128, V6_REFUSED, "an unspecified address" },
	{ { [15] = 1 }, 128, V6_REFUSED, "a loopback address" },
	{ { 0xfd, 0x00, 0x0e, 0xc2, [15] = 0x54, [14] = 0x02 }, 128, V6_REFUSED, "a cloud metadata address" },
	{ { 0xfc }, 7, V6_REFUSED, "a private (unique local) address" },
	{ { 0xfe, 0x80 }, 10, V6_REFUSED, "a link-local address" },
	{ { 0xfe, 0xc0 }, 10, V6_REFUSED, "a site-local address" },
	{ { 0xff }, 8, V6_REFUSED, "a multicast address" },
	{ { 0x01, 0x00 }, 64, V6_REFUSED, "a reserved (discard) address" },
	{ { [10] = 0xff, [11] = 0xff }, 96, V6_EMBEDS_LAST4, NULL },  /* ::ffff:a.b.c.d */
	{ { 0 }, 96, V6_EMBEDS_LAST4, NULL },                        /* ::a.b.c.d */
	{ { 0x00, 0x64, 0xff, 0x9b }, 96, V6_EMBEDS_LAST4, NULL },   /* NAT64 */
	{ { 0x20, 0x02 }, 16, V6_EMBEDS_6TO4, NULL },                /* 6to4 */
};

static int
v6_in(const unsigned char *a, const unsigned char *net, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[whole] & mask) == (net[whole] & mask);
}

static int
v4_public(uint32_t a, const char **why)
{
	for (size_t i = 0; i < sizeof(v4_refused) / sizeof(v4_refused[0]); i++) {
		uint32_t mask = v4_refused[i].bits == 0 ? 0 : 0xffffffffu << (32 - v4_refused[i].bits);
		if ((a & mask) == v4_refused[i].net) {
			if (why != NULL)
				*why = v4_refused[i].why;
			return 0;
		}
	}
	return 1;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
ig_webhook_addr_public(const struct sockaddr *sa, const char **why)
{
	if (why != NULL)
		*why = "an address of an unknown family";
	if (sa->sa_family == AF_INET)
		return v4_public(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr), why);
	if (sa->sa_family != AF_INET6)
		return 0;
	const unsigned char *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	for (size_t i = 0; i < sizeof(v6_refused) / sizeof(v6_refused[0]); i++) {
		const struct v6_range *r = &v6_refused[i];
		if (!v6_in(a, r->net, r->bits))
			continue;
		switch (r->kind) {
		case V6_REFUSED:
			if (why != NULL)
				*why = r->why;
			return 0;
		case V6_EMBEDS_LAST4:
			return v4_public(be32(a + 12), why);
		case V6_EMBEDS_6TO4:
			return v4_public(be32(a + 2), why);
		}
	}
	return 1;
}

/* 1 when "host" or "host:port" (hostport) is an entry of the
 * comma-separated list (entries trimmed, compared without case). */
static int
allow_listed(const char *allow, const char *host, const char *hostport)
{
	const char *p = allow;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n > 0 && ((strlen(host) == n && strncasecmp(p, host, n) == 0) ||
		    (strlen(hostport) == n && strncasecmp(p, hostport, n) == 0)))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

#define BAD(...) ig_err_set(err, IG_E_INVALID_REQUEST, "callback_url", __VA_ARGS__)

/* Split url into t->host (no brackets), t->port and the host as the URL
 * writes it (urlhost: IPv6 in brackets). 0, or -1 with err. */
static int
parse_url(const char *url, ig_webhook_target *t, char *urlhost, size_t urlhostlen, ig_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *part = NULL;
	int rc = -1;

	if (u == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "internal error");
	if (strlen(url) > MAX_URL) {
		BAD("callback_url is longer than %d bytes", MAX_URL);
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0') {
		BAD("callback_url is not an absolute http(s) URL with a host");
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		BAD("callback_url must be http or https, not %.16s", scheme);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
		BAD("callback_url must not carry a user name or password");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_ZONEID, &part, 0) == CURLUE_OK) {
		BAD("callback_url must not name an IPv6 zone");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		BAD("callback_url has no usable port");
		goto out;
	}
	t->port = strtol(port, NULL, 10);
	if (t->port < 1 || t->port > 65535) {
		BAD("callback_url has no usable port");
		goto out;
	}
	snprintf(urlhost, urlhostlen, "%s", host);
	{
		size_t n = strlen(host);
		const char *h = host;
		if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
			h++;
			n -= 2;
		}
		if (n >= sizeof(t->host)) {
			BAD("callback_url's host is too long");
			goto out;
		}
		memcpy(t->host, h, n);
		t->host[n] = '\0';
	}
	rc = 0;
out:
	curl_free(part);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

int
ig_webhook_resolve(const char *url, const char *allow_hosts, ig_webhook_target *t, ig_err *err)
{
	struct addrinfo hints, *res = NULL;
	char urlhost[260], hostport[280];
	int allowed, gai;

	memset(t, 0, sizeof(*t));
	if (url == NULL || *url == '\0')
		return BAD("callback_url must be an http(s) URL");
	if (parse_url(url, t, urlhost, sizeof(urlhost), err) != 0)
		return -1;
	snprintf(hostport, sizeof(hostport), "%s:%ld", urlhost, t->port);
	allowed = allow_listed(allow_hosts, urlhost, hostport) || allow_listed(allow_hosts, t->host, hostport);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	gai = getaddrinfo(t->host, NULL, &hints, &res);
	if (gai != 0 || res == NULL) {
		if (res != NULL)
			freeaddrinfo(res);
		return BAD("callback_url's host %.100s does not resolve", t->host);
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		const char *why;
		if (!allowed && !ig_webhook_addr_public(ai->ai_addr, &why)) {
			freeaddrinfo(res);
			return BAD("callback_url's host %.100s resolves to %s, which webhooks may not reach",
			    t->host, why);
		}
	}
	if (res->ai_addrlen > sizeof(t->sa) ||
	    getnameinfo(res->ai_addr, res->ai_addrlen, t->addr, sizeof(t->addr), NULL, 0, NI_NUMERICHOST) != 0) {
		freeaddrinfo(res);
		return BAD("callback_url's host %.100s does not resolve", t->host);
	}
	memcpy(&t->sa, res->ai_addr, res->ai_addrlen);
	t->salen = res->ai_addrlen;
	if (t->sa.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&t->sa)->sin_port = htons((uint16_t)t->port);
	else
		((struct sockaddr_in6 *)(void *)&t->sa)->sin6_port = htons((uint16_t)t->port);
	freeaddrinfo(res);
	return 0;
}

int
ig_webhook_check_url(const char *url, ig_err *err)
{
	ig_webhook_target t;

	return ig_webhook_resolve(url, ig_cfg()->webhook_allow_hosts, &t, err);
}

int
ig_webhook_sign(const char *secret, const char *id, int64_t timestamp, const char *body,
    size_t body_len, char out[64])
{
	static const size_t plen = sizeof(IG_WEBHOOK_SECRET_PREFIX) - 1;
	unsigned char key[64], mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t keylen;
	char ts[24];

	if (strncmp(secret, IG_WEBHOOK_SECRET_PREFIX, plen) != 0 ||
	    sodium_base642bin(key, sizeof(key), secret + plen, strlen(secret + plen), NULL, &keylen, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0 || keylen == 0)
		return -1;
	snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
	crypto_auth_hmacsha256_final(&st, mac);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, 64 - 3, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
	return 0;
}
