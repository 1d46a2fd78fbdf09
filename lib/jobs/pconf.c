/* pconf.c — see pconf.h. */
#include "ig_autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/jobs/pconf.h"

#define MAX_PROVIDERS 16

static ig_pconf confs[MAX_PROVIDERS];
static int nconfs;

static void
var_name(char *out, size_t len, const char *provider, const char *suffix)
{
	size_t o = (size_t)snprintf(out, len, "IG_");

	for (const char *p = provider; *p && o + 1 < len; p++)
		out[o++] = (char)toupper((unsigned char)*p);
	snprintf(out + o, len - o, "_%s", suffix);
}

/* The variable naming provider's base URL: IG_<PROVIDER>_BASE_URL, except
 * local_ai's, which is the server itself (IG_LOCAL_AI_URL). */
static void
base_url_var(char *out, size_t len, const char *provider)
{
	if (strcmp(provider, "local_ai") == 0)
		snprintf(out, len, "IG_LOCAL_AI_URL");
	else
		var_name(out, len, provider, "BASE_URL");
}

/* "host" or "host:port" of url, lower-cased, into out; -1 if unparsable. */
static int
url_host(const char *url, char *out, size_t len)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	int rc = -1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			snprintf(out, len, "%s:%s", host, port);
		else
			snprintf(out, len, "%s", host);
		for (char *c = out; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		rc = 0;
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Where each provider's output URLs live besides its API host. */
static const char *
default_delivery(const char *provider)
{
	if (strcmp(provider, "replicate") == 0)
		return ".replicate.delivery";
	if (strcmp(provider, "openai") == 0)
		return "oaidalleapiprodscus.blob.core.windows.net";
	return NULL;
}

int
ig_pconf_load(char *err, size_t errlen)
{
	for (int i = 0; i < nconfs; i++) {
		free(confs[i].base_url);
		if (confs[i].api_key != NULL)
			sodium_memzero(confs[i].api_key, strlen(confs[i].api_key));
		free(confs[i].api_key);
		free(confs[i].download_hosts);
	}
	nconfs = 0;
	for (int i = 0; ig_providers[i] != NULL && i < MAX_PROVIDERS; i++) {
		const ig_provider_ops *ops = ig_providers[i];
		ig_pconf *c = &confs[nconfs++];
		char name[64], host[256];
		const char *v;
		int64_t n;

		memset(c, 0, sizeof(*c));
		c->ops = ops;
		base_url_var(name, sizeof(name), ops->name);
		v = getenv(name);
		if (v == NULL || *v == '\0')
			v = ops->default_base_url ? ops->default_base_url : "";
		if (*v != '\0' && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
			snprintf(err, errlen, "%s: must be an http:// or https:// URL", name);
			return -1;
		}
		c->base_url = ig_xstrndup(v, strlen(v) - (strlen(v) > 0 && v[strlen(v) - 1] == '/'));
		var_name(name, sizeof(name), ops->name, "API_KEY");
		v = getenv(name);
		c->api_key = (v && *v) ? ig_xstrdup(v) : NULL;
		var_name(name, sizeof(name), ops->name, "CONCURRENCY");
		v = getenv(name);
		c->concurrency = 4;
		if (v != NULL) {
			if (ig_parse_int64(v, 1, 256, &n) != 0) {
				snprintf(err, errlen, "%s: must be an integer between 1 and 256", name);
				return -1;
			}
			c->concurrency = (int)n;
		}
		var_name(name, sizeof(name), ops->name, "DOWNLOAD_HOSTS");
		v = getenv(name);
		if (v != NULL && *v != '\0') {
			c->download_hosts = ig_xstrdup(v);
			for (char *p = c->download_hosts; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		} else if (*c->base_url && url_host(c->base_url, host, sizeof(host)) == 0) {
			const char *delivery = default_delivery(ops->name);
			c->download_hosts = delivery ? ig_xasprintf("%s,%s", host, delivery) : ig_xstrdup(host);
		} else {
			c->download_hosts = ig_xstrdup("");
		}
	}
	return 0;
}

void
ig_pconf_dump(void)
{
	for (int i = 0; i < nconfs; i++) {
		const ig_pconf *c = &confs[i];
		char name[64], *url;

		if (c->ops->default_base_url == NULL)
			continue; /* builtin: nothing to configure */
		base_url_var(name, sizeof(name), c->ops->name);
		url = ig_config_mask(c->base_url);
		printf("%s=%s\n", name, url);
		free(url);
		var_name(name, sizeof(name), c->ops->name, "API_KEY");
		printf("%s=%s\n", name, c->api_key ? "(set)" : "(not set)");
		var_name(name, sizeof(name), c->ops->name, "CONCURRENCY");
		printf("%s=%d\n", name, c->concurrency);
		var_name(name, sizeof(name), c->ops->name, "DOWNLOAD_HOSTS");
		printf("%s=%s\n", name, c->download_hosts);
	}
}

const ig_pconf *
ig_pconf_get(const char *name)
{
	for (int i = 0; i < nconfs; i++)
		if (strcmp(confs[i].ops->name, name) == 0)
			return &confs[i];
	return NULL;
}

int
ig_pconf_download_allowed(const ig_pconf *p, const char *url)
{
	char host[256];
	size_t hl;

	if (url_host(url, host, sizeof(host)) != 0)
		return 0;
	hl = strlen(host);
	for (const char *s = p->download_hosts; *s;) {
		size_t n = strcspn(s, ",");
		while (n > 0 && *s == ' ') {
			s++;
			n--;
		}
		if (n == hl && strncmp(s, host, n) == 0)
			return 1;
		/* ".example.com" allows example.com and every subdomain. */
		if (n > 1 && *s == '.' && ((hl == n - 1 && strncmp(host, s + 1, n - 1) == 0) ||
		    (hl > n && strncmp(host + hl - n, s, n) == 0)))
			return 1;
		s += strcspn(s, ",");
		s += *s == ',';
	}
	return 0;
}
