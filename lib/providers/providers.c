/*
 * providers.c — the provider table and the helpers provider.h declares:
 * building exchanges, collecting images, and the one error rule of
 * PROVIDERS.md ("Retry rule for every provider") that every adapter
 * applies to a non-2xx answer.
 */
#include "ig_autoconf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/core/log.h"
#include "lib/providers/adapter.h"
#include "lib/providers/provider.h"

extern const ig_provider_ops ig_provider_gemini;
extern const ig_provider_ops ig_provider_openai;
extern const ig_provider_ops ig_provider_stability;
extern const ig_provider_ops ig_provider_huggingface;
extern const ig_provider_ops ig_provider_replicate;
extern const ig_provider_ops ig_provider_local_ai;
extern const ig_provider_ops ig_provider_builtin;

const ig_provider_ops *ig_providers[IG_PROVIDERS_MAX + 1] = {
	&ig_provider_gemini,
	&ig_provider_openai,
	&ig_provider_stability,
	&ig_provider_huggingface,
	&ig_provider_replicate,
	&ig_provider_local_ai,
	&ig_provider_builtin,
	NULL,
};

int
ig_provider_register(const ig_provider_ops *ops)
{
	size_t n = 0;

	if (ops == NULL || ops->name == NULL || ig_provider_find(ops->name) != NULL)
		return -1;
	while (ig_providers[n] != NULL)
		n++;
	if (n >= IG_PROVIDERS_MAX)
		return -1;
	ig_providers[n] = ops;
	ig_providers[n + 1] = NULL;
	return 0;
}

void
ig_provider_unregister(const char *name)
{
	size_t i = 0;

	while (ig_providers[i] != NULL && strcmp(ig_providers[i]->name, name) != 0)
		i++;
	for (; ig_providers[i] != NULL; i++)
		ig_providers[i] = ig_providers[i + 1];
}

int
ig_provider_takes_key(const ig_provider_ops *ops)
{
	return ops != NULL && !ops->key.none;
}

char *
ig_provider_names(char *out, size_t len, int keyed)
{
	size_t o = 0;

	if (len == 0)
		return out;
	out[0] = '\0';
	for (size_t i = 0; ig_providers[i] != NULL; i++) {
		int n;
		if (keyed && !ig_provider_takes_key(ig_providers[i]))
			continue;
		n = snprintf(out + o, len - o, "%s%s", o ? ", " : "", ig_providers[i]->name);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return out;
}

int
ig_provider_probe(const ig_provider_ops *ops, const char *base_url, const char *api_key,
    ig_http_req *out)
{
	if (ops->probe != NULL)
		return ops->probe(base_url, api_key, out);
	if (ops->key.probe_path == NULL)
		return -1;
	ig_http_begin(out, "GET", base_url, "%s", ops->key.probe_path);
	if (ops->key.header != NULL)
		ig_http_add_header(out, "%s: %s", ops->key.header, api_key ? api_key : "");
	else
		ig_http_bearer(out, api_key);
	return 0;
}

int
ig_provider_probe_ok(const ig_provider_ops *ops, const ig_http_resp *resp)
{
	return ops->probe_ok != NULL ? ops->probe_ok(resp) : resp->status == 200;
}

void
ig_provider_cleanup(const ig_provider_ops *ops, ig_call *call)
{
	(void)ops;
	ig_download_free(call);
	free(call->state);
	call->state = NULL;
}

/* The adapter named name, or NULL. */
const ig_provider_ops *
ig_provider_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; ig_providers[i] != NULL; i++)
		if (strcmp(ig_providers[i]->name, name) == 0)
			return ig_providers[i];
	return NULL;
}

const char *
ig_provider_uncurated(const ig_provider_ops *ops, const ig_gen_request *req)
{
	const ig_model_decl *m;

	if (ops->open_models) {
		for (m = ops->models; m && m->id && strcmp(m->id, req->model) != 0; m++)
			;
		if (m == NULL || m->id == NULL)
			return "model";
	}
	for (const char *const *f = ops->free_form; f && *f; f++) {
		json_object *v;
		if (req->extra != NULL && json_object_object_get_ex(req->extra, *f, &v) && v != NULL)
			return *f;
	}
	return NULL;
}

int
ig_provider_key_check(const char *key, ig_err *err)
{
	size_t n = key != NULL ? strlen(key) : 0;

	if (n < IG_PROVIDER_KEY_MIN || n > IG_PROVIDER_KEY_MAX)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "api_key", "api_key must be %d to %d characters long",
		    IG_PROVIDER_KEY_MIN, IG_PROVIDER_KEY_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] <= ' ' || (unsigned char)key[i] >= 0x7f)
			return ig_err_set(err, IG_E_INVALID_REQUEST, "api_key",
			    "api_key must be printable ASCII without spaces, CR, LF or other control characters");
	return 0;
}

/* Frees every string of r and clears it. Header lines may hold a key, so
 * they are wiped first (STYLE.md 11). */
void
ig_http_req_free(ig_http_req *r)
{
	if (r == NULL)
		return;
	free(r->method);
	free(r->url);
	for (int i = 0; i < r->nheaders; i++) {
		sodium_memzero(r->headers[i], strlen(r->headers[i]));
		free(r->headers[i]);
	}
	free(r->body);
	for (int i = 0; i < r->nparts; i++) {
		free(r->parts[i].name);
		free(r->parts[i].value);
		free(r->parts[i].filename);
		free(r->parts[i].content_type);
	}
	free(r->parts);
	memset(r, 0, sizeof(*r));
}

/* Appends one "Name: value" line. More than IG_HTTP_MAX_HEADERS is a bug
 * in an adapter, not a runtime condition: abort loudly. */
void
ig_http_add_header(ig_http_req *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nheaders >= IG_HTTP_MAX_HEADERS) {
		ig_logf(IG_LOG_ERROR, "provider_bug", "more than %d request headers", IG_HTTP_MAX_HEADERS);
		abort();
	}
	va_start(ap, fmt);
	r->headers[r->nheaders++] = ig_xvasprintf(fmt, ap);
	va_end(ap);
}

void
ig_http_set_json(ig_http_req *r, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	free(r->body);
	r->body = ig_xstrdup(s);
	r->body_len = strlen(s);
	ig_http_add_header(r, "Content-Type: application/json");
	json_object_put(o);
}

void
ig_http_add_part(ig_http_req *r, const char *name, const char *value)
{
	ig_http_part *p;

	r->parts = ig_xrealloc(r->parts, sizeof(*r->parts) * (size_t)(r->nparts + 1));
	p = &r->parts[r->nparts++];
	memset(p, 0, sizeof(*p));
	p->name = ig_xstrdup(name);
	p->value = ig_xstrdup(value);
	p->value_len = strlen(value);
}

void
ig_http_add_file(ig_http_req *r, const char *name, const unsigned char *data, size_t len, const char *filename,
    const char *content_type)
{
	ig_http_part *p;

	r->parts = ig_xrealloc(r->parts, sizeof(*r->parts) * (size_t)(r->nparts + 1));
	p = &r->parts[r->nparts++];
	memset(p, 0, sizeof(*p));
	p->name = ig_xstrdup(name);
	p->value = ig_xmalloc(len + 1);
	memcpy(p->value, data, len);
	p->value[len] = '\0';
	p->value_len = len;
	p->filename = ig_xstrdup(filename);
	p->content_type = ig_xstrdup(content_type);
}

void
ig_call_add_image(ig_call *call, unsigned char *data, size_t len, int has_seed, int64_t seed)
{
	ig_gen_image *im;

	call->images = ig_xrealloc(call->images, sizeof(*call->images) * (size_t)(call->nimages + 1));
	im = &call->images[call->nimages++];
	memset(im, 0, sizeof(*im));
	im->data = data;
	im->len = len;
	im->has_seed = has_seed;
	im->seed = seed;
}

void
ig_call_free_images(ig_call *call)
{
	for (int i = 0; i < call->nimages; i++) {
		free(call->images[i].data);
		free(call->images[i].revised_prompt);
		free(call->images[i].drawn);
	}
	free(call->images);
	call->images = NULL;
	call->nimages = 0;
}

#define RETRY_AFTER_CAP_MS (3600L * 1000L)

/* IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT". Returns
 * 0 with *t set, or -1. The obsolete RFC 850 and asctime forms are not
 * accepted: no provider we speak to sends them. */
static int
parse_imf_fixdate(const char *s, time_t *t)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char wday[4], mon[4], zone[4];
	int day, year, hh, mm, ss, used = 0;
	struct tm tm;

	if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3s%n",
	    wday, &day, mon, &year, &hh, &mm, &ss, zone, &used) != 8 || s[used] != '\0')
		return -1;
	if (strcmp(zone, "GMT") != 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strcmp(mon, months[i]) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0 || year < 1970)
		return -1;
	tm.tm_mday = day;
	tm.tm_year = year - 1900;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}

/* Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date, in ms,
 * capped at an hour so a hostile provider cannot park a job forever. A
 * date in the past means now (0). -1 when absent or unparseable. */
long
ig_retry_after_ms(const char *value)
{
	const char *p;
	long secs = 0;
	time_t when;

	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (*value == '\0')
		return -1;
	if (isdigit((unsigned char)*value)) {
		for (p = value; isdigit((unsigned char)*p); p++)
			if (secs <= RETRY_AFTER_CAP_MS / 1000)
				secs = secs * 10 + (*p - '0');
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			return -1;
		return secs >= RETRY_AFTER_CAP_MS / 1000 ? RETRY_AFTER_CAP_MS : secs * 1000;
	}
	if (parse_imf_fixdate(value, &when) != 0)
		return -1;
	if (when <= time(NULL))
		return 0;
	if (when - time(NULL) >= RETRY_AFTER_CAP_MS / 1000)
		return RETRY_AFTER_CAP_MS;
	return (long)(when - time(NULL)) * 1000;
}

/* Does word (at s, up to a delimiter) look like a credential? The key
 * prefixes of every provider in the table, and a bearer header. */
int
ig_provider_looks_like_key(const char *s)
{
	if (strncmp(s, "Bearer ", 7) == 0)
		return 1;
	for (size_t i = 0; ig_providers[i] != NULL; i++)
		for (const char *const *p = ig_providers[i]->key.prefixes; p && *p; p++)
			if (strncmp(s, *p, strlen(*p)) == 0)
				return 1;
	return 0;
}

/*
 * Copy a provider's error text into out without anything that could be a
 * key: the resolved key itself (providers echo it, OpenAI partly masked)
 * and any word that starts like one. Control bytes become spaces.
 */
static void
scrub_message(const char *msg, const char *key, char *out, size_t outlen)
{
	size_t o = 0, keylen = key ? strlen(key) : 0;
	const char *s = msg;
	int word_start = 1;

	while (*s != '\0' && o + 1 < outlen) {
		if ((keylen >= 4 && strncmp(s, key, keylen) == 0) || (word_start && ig_provider_looks_like_key(s))) {
			const char *r = "[redacted]";
			while (*r && o + 1 < outlen)
				out[o++] = *r++;
			if (keylen >= 4 && strncmp(s, key, keylen) == 0)
				s += keylen;
			while (*s != '\0' && !isspace((unsigned char)*s) && *s != '"' && *s != ',' &&
			    *s != '\'' && !(*s == '.' && (s[1] == '\0' || isspace((unsigned char)s[1]))))
				s++;
			word_start = 0;
			continue;
		}
		out[o++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? ' ' : *s;
		word_start = !isalnum((unsigned char)*s) && *s != '_' && *s != '-';
		s++;
	}
	out[o] = '\0';
}

/*
 * The common rule (PROVIDERS.md) for an answer that is not a success:
 *  - timed_out → FAIL provider_timeout: the runner's timeout is the whole
 *    call's budget, so there is no time left to retry in;
 *  - transport errors, 408, 429 (unless quota_exhausted), 500, 502, 503,
 *    504 → RETRY with call->retry_ms from Retry-After (0 = runner's
 *    back-off). err is filled anyway: it is what the runner reports when
 *    it gives up (rate_limited for 429, provider_timeout for 408/504,
 *    provider_error otherwise);
 *  - 429 with quota_exhausted, and 402 (out of credit: Stability, Replicate,
 *    Hugging Face) → FAIL rate_limited: waiting does not refill a quota;
 *  - 401, 403 → FAIL provider_auth_failed;
 *  - anything else (400, 404, 422, ...) → FAIL provider_error.
 * The message carries the provider's text with keys scrubbed.
 */
/* The rule's answer to each status: the error code, its text before the
 * provider's (with " (HTTP n)" when with_status) and whether waiting may
 * help. The last row (status 0) is every other status. */
static const struct http_rule {
	long status[3];
	ig_errcode code;
	const char *what;
	int with_status, retry;
} http_rules[] = {
	{ { 402 }, IG_E_RATE_LIMITED, "the provider account is out of credit", 0, 0 },
	{ { 429 }, IG_E_RATE_LIMITED, "the provider's rate limit", 0, 1 },
	{ { 408, 504 }, IG_E_PROVIDER_TIMEOUT, "the provider timed out", 1, 1 },
	{ { 500, 502, 503 }, IG_E_PROVIDER_ERROR, "the provider failed", 1, 1 },
	{ { 401, 403 }, IG_E_PROVIDER_AUTH_FAILED, "the provider refused the API key", 1, 0 },
	{ { 0 }, IG_E_PROVIDER_ERROR, "the provider refused the request", 1, 0 },
};

ig_step
ig_provider_http_error(ig_call *call, const ig_http_resp *resp, int quota_exhausted,
    const char *message, ig_err *err)
{
	const struct http_rule *rule;
	char text[200];
	long ra;
	int quota;
	const char *key = call->req ? call->req->api_key : NULL;

	scrub_message(message ? message : "no error message", key, text, sizeof(text));
	call->retry_ms = 0;
	if (resp->timed_out) {
		ig_err_set(err, IG_E_PROVIDER_TIMEOUT, NULL, "the provider did not answer in time");
		return IG_STEP_FAIL;
	}
	if (resp->transport_error || resp->status == 0) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "could not reach the provider");
		return IG_STEP_RETRY;
	}
	for (rule = http_rules; rule->status[0] != 0; rule++)
		if (resp->status == rule->status[0] || resp->status == rule->status[1] ||
		    resp->status == rule->status[2])
			break;
	quota = resp->status == 429 && quota_exhausted;
	if (rule->with_status)
		ig_err_set(err, rule->code, NULL, "%s (HTTP %ld): %s", rule->what, resp->status, text);
	else
		ig_err_set(err, rule->code, NULL, "%s%s: %s", rule->what, quota ? " (quota exhausted)" : "", text);
	if (!rule->retry || quota)
		return IG_STEP_FAIL;
	ra = ig_retry_after_ms(resp->retry_after);
	call->retry_ms = ra > 0 ? ra : 0;
	return IG_STEP_RETRY;
}

/* See adapter.h. */
ig_step
ig_provider_fail(ig_call *call, ig_errcode code, const char *what, const char *message, ig_err *err)
{
	char text[200];

	scrub_message(message ? message : "", call->req ? call->req->api_key : NULL, text, sizeof(text));
	ig_err_set(err, code, NULL, "%s%s%s", what, text[0] ? ": " : "", text);
	return IG_STEP_FAIL;
}
