/*
 * pconf.h — per-provider settings, IG_<PROVIDER>_* for every adapter of the
 * provider table: BASE_URL (default: the provider's public API; local_ai:
 * IG_LOCAL_AI_URL), API_KEY (the server's own key, optional), CONCURRENCY
 * (calls in flight per runner, default 4) and DOWNLOAD_HOSTS (hosts output
 * URLs may be fetched from; default: the base URL's host). Validated as a
 * whole at start, like lib/core/config.
 */
#ifndef IG_JOBS_PCONF_H
#define IG_JOBS_PCONF_H

#include <stddef.h>

#include "lib/providers/provider.h"

typedef struct ig_pconf {
	const ig_provider_ops *ops;
	char *base_url;
	char *api_key;          /* NULL when not set */
	int concurrency;
	char *download_hosts;   /* comma-separated host or host:port */
} ig_pconf;

/* Read every provider's settings. 0, or -1 with a message naming the
 * variable in err. */
int ig_pconf_load(char *err, size_t errlen);
/* Print "NAME=value" of every networked provider's settings, for
 * `imagegen config`: URLs through ig_config_mask, API keys only as "(set)"
 * or "(not set)". */
void ig_pconf_dump(void);
/* The settings of provider name, or NULL for an unknown provider. */
const ig_pconf *ig_pconf_get(const char *name);
/* 1 when url's host (and port) is allowed for downloads of provider p. */
int ig_pconf_download_allowed(const ig_pconf *p, const char *url);

#endif
