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

/* <prefix>_<suffix> into out (IG_OPENAI_CONCURRENCY, ...); "" for a
 * provider without settings, which getenv finds nowhere. */
static void
var_name(char *out, size_t len, const char *prefix, const char *suffix)
{
	if (prefix == NULL)
		out[0] = '\0';
	else
		snprintf(out, len, "%s_%s", prefix, suffix);
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
		v = ops->settings.base_url_var ? getenv(ops->settings.base_url_var) : NULL;
		if (v == NULL || *v == '\0')
			v = ops->default_base_url ? ops->default_base_url : "";
		if (*v != '\0' && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
			snprintf(err, errlen, "%s: must be an http:// or https:// URL", ops->settings.base_url_var);
			return -1;
		}
		c->base_url = ig_xstrndup(v, strlen(v) - (strlen(v) > 0 && v[strlen(v) - 1] == '/'));
		v = ops->settings.api_key_var ? getenv(ops->settings.api_key_var) : NULL;
		c->api_key = (v && *v) ? ig_xstrdup(v) : NULL;
		var_name(name, sizeof(name), ops->settings.prefix, "CONCURRENCY");
		v = getenv(name);
		c->concurrency = 4;
		if (v != NULL) {
			if (ig_parse_int64(v, 1, 256, &n) != 0) {
				snprintf(err, errlen, "%s: must be an integer between 1 and 256", name);
				return -1;
			}
			c->concurrency = (int)n;
		}
		var_name(name, sizeof(name), ops->settings.prefix, "DOWNLOAD_HOSTS");
		v = getenv(name);
		if (v != NULL && *v != '\0') {
			c->download_hosts = ig_xstrdup(v);
			for (char *p = c->download_hosts; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		} else if (*c->base_url && url_host(c->base_url, host, sizeof(host)) == 0) {
			const char *delivery = ops->settings.delivery_hosts;
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

		if (c->ops->settings.base_url_var == NULL || c->ops->settings.api_key_var == NULL)
			continue; /* builtin: nothing to configure */
		url = ig_config_mask(c->base_url);
		printf("%s=%s\n", c->ops->settings.base_url_var, url);
		free(url);
		printf("%s=%s\n", c->ops->settings.api_key_var, c->api_key ? "(set)" : "(not set)");
		var_name(name, sizeof(name), c->ops->settings.prefix, "CONCURRENCY");
		printf("%s=%d\n", name, c->concurrency);
		var_name(name, sizeof(name), c->ops->settings.prefix, "DOWNLOAD_HOSTS");
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
