/* common.c — helpers shared by the adapters; see adapter.h. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/json.h"
#include "lib/core/util.h"
#include "lib/providers/adapter.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
ig_b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	size_t nchars = 0, o = 0;
	unsigned char quad[4];
	int q = 0, pad = 0;

	for (size_t i = 0; i < inlen; i++)
		if (in[i] != '\r' && in[i] != '\n')
			nchars++;
	if (nchars == 0 || nchars % 4 != 0)
		return -1;
	buf = ig_xmalloc(nchars / 4 * 3);
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == '\r' || c == '\n')
			continue;
		if (pad > 0 && c != '=')
			goto bad;           /* data after padding */
		if (c == '=') {
			/* '=' only in the last two places of the final quantum. */
			if (q < 2)
				goto bad;
			pad++;
			quad[q++] = 0;
		} else {
			if ((v = b64_value(c)) < 0)
				goto bad;
			quad[q++] = (unsigned char)v;
		}
		if (q == 4) {
			buf[o++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
			buf[o++] = (unsigned char)(quad[1] << 4 | quad[2] >> 2);
			buf[o++] = (unsigned char)(quad[2] << 6 | quad[3]);
			q = 0;
		}
	}
	if (pad > 2)
		goto bad;
	o -= (size_t)pad;
	if (o == 0)
		goto bad;
	*out = buf;
	*outlen = o;
	return 0;
bad:
	free(buf);
	return -1;
}

char *
ig_b64_encode(const unsigned char *in, size_t n)
{
	char *out = ig_xmalloc((n + 2) / 3 * 4 + 1), *p = out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		*p++ = b64_alphabet[(v >> 18) & 63];
		*p++ = b64_alphabet[(v >> 12) & 63];
		*p++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		*p++ = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

void
ig_http_begin(ig_http_req *r, const char *method, const char *base, const char *pathfmt, ...)
{
	ig_buf b = { 0 };
	size_t blen = base ? strlen(base) : 0;
	char *path;
	va_list ap;

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	va_start(ap, pathfmt);
	path = ig_xvasprintf(pathfmt, ap);
	va_end(ap);
	memset(r, 0, sizeof(*r));
	r->method = ig_xstrdup(method);
	if (blen > 0)
		ig_buf_append(&b, base, blen);
	if (path[0] != '/')
		ig_buf_puts(&b, "/");
	ig_buf_puts(&b, path);
	r->url = b.data;
	free(path);
}

void
ig_http_bearer(ig_http_req *r, const char *key)
{
	ig_http_add_header(r, "Authorization: Bearer %s", key ? key : "");
}

void
ig_http_download(ig_http_req *r, const char *url)
{
	memset(r, 0, sizeof(*r));
	r->method = ig_xstrdup("GET");
	r->url = ig_xstrdup(url);
	r->download = 1;
}

json_object *
ig_provider_json_text(const char *text, size_t len, ig_err *err)
{
	json_object *o;
	ig_err jerr;

	if (text == NULL || len == 0) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider sent an empty answer");
		return NULL;
	}
	o = ig_json_parse(text, len, IG_PROVIDER_MAX_ARRAY, &jerr);
	if (o == NULL) {
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider sent malformed JSON: %s",
		    jerr.message);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "the provider's answer is not a JSON object");
		return NULL;
	}
	return o;
}

json_object *
ig_provider_json(const ig_http_resp *resp, ig_err *err)
{
	return ig_provider_json_text(resp->body, resp->body ? resp->len : 0, err);
}

json_object *
ig_provider_error_json(const ig_http_resp *resp)
{
	ig_err ignored;

	return ig_provider_json(resp, &ignored);
}

json_object *
ig_jget(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *
ig_jstr(json_object *o, const char *key)
{
	json_object *v = ig_jget(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

const char *
ig_jstr_any(json_object *o, ...)
{
	const char *key, *s = NULL;
	va_list ap;

	va_start(ap, o);
	while (s == NULL && (key = va_arg(ap, const char *)) != NULL)
		s = ig_jstr(o, key);
	va_end(ap);
	return s;
}

int
ig_image_magic_ok(const unsigned char *d, size_t len)
{
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return 1;
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return 1;
	if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
		return 1;
	return 0;
}

int
ig_call_add_b64_image(ig_call *call, const char *b64, int has_seed, int64_t seed, ig_err *err)
{
	unsigned char *data;
	size_t len;

	if (b64 == NULL || ig_b64_decode(b64, strlen(b64), &data, &len) != 0)
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
		    "the provider's image is not valid base64");
	if (!ig_image_magic_ok(data, len)) {
		free(data);
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
		    "the provider's image is not PNG, JPEG or WebP");
	}
	ig_call_add_image(call, data, len, has_seed, seed);
	return 0;
}

int
ig_call_add_raw_image(ig_call *call, const ig_http_resp *resp, int has_seed, int64_t seed,
    ig_err *err)
{
	unsigned char *data;

	if (resp->body == NULL || !ig_image_magic_ok((const unsigned char *)resp->body, resp->len))
		return ig_err_set(err, IG_E_PROVIDER_ERROR, NULL,
		    "the provider's answer is not a PNG, JPEG or WebP image");
	data = ig_xmalloc(resp->len);
	memcpy(data, resp->body, resp->len);
	ig_call_add_image(call, data, resp->len, has_seed, seed);
	call->redirects = 0;
	return 0;
}

void *
ig_call_state(ig_call *call, size_t size)
{
	call->state = ig_xcalloc(1, size);
	return call->state;
}

void *
ig_call_begin(ig_call *call, int (*validate)(const ig_gen_request *req, ig_err *err), size_t size,
    ig_err *err)
{
	if (validate(call->req, err) != 0)
		return NULL;
	return ig_call_state(call, size);
}

void
ig_download_add(ig_call *call, const char *url, const char *revised)
{
	struct ig_downloads *d = &call->downloads;

	d->urls = ig_xrealloc(d->urls, sizeof(char *) * (size_t)(d->n + 1));
	d->revised = ig_xrealloc(d->revised, sizeof(char *) * (size_t)(d->n + 1));
	d->urls[d->n] = ig_xstrdup(url);
	d->revised[d->n++] = revised ? ig_xstrdup(revised) : NULL;
}

int
ig_download_pending(const ig_call *call)
{
	return call->downloads.next < call->downloads.n;
}

int
ig_download_next(ig_call *call, ig_http_req *next)
{
	if (ig_download_pending(call)) {
		ig_http_download(next, call->downloads.urls[call->downloads.next]);
		return 1;
	}
	ig_download_free(call);
	return 0;
}

int
ig_download_take(ig_call *call, const ig_http_resp *resp, int has_seed, int64_t seed, ig_err *err)
{
	struct ig_downloads *d = &call->downloads;

	if (ig_call_add_raw_image(call, resp, has_seed, seed, err) != 0)
		return -1;
	call->images[call->nimages - 1].revised_prompt = d->revised[d->next];
	d->revised[d->next++] = NULL;
	return 0;
}

void
ig_download_free(ig_call *call)
{
	struct ig_downloads *d = &call->downloads;

	for (int i = 0; i < d->n; i++) {
		free(d->urls[i]);
		free(d->revised[i]);
	}
	free(d->urls);
	free(d->revised);
	memset(d, 0, sizeof(*d));
}

ig_step
ig_provider_download_error(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	call->retry_ms = 0;
	if (resp->status == 301 || resp->status == 302 || resp->status == 303 || resp->status == 307 ||
	    resp->status == 308) {
		if (resp->location == NULL || *resp->location == '\0') {
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "downloading an output: HTTP %ld without a Location",
			    resp->status);
			return IG_STEP_FAIL;
		}
		if (++call->redirects > IG_DOWNLOAD_MAX_HOPS) {
			ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "downloading an output: more than %d redirects",
			    IG_DOWNLOAD_MAX_HOPS);
			return IG_STEP_FAIL;
		}
		ig_http_download(next, resp->location);
		next->hop = call->redirects;
		return IG_STEP_NEXT;
	}
	if (resp->timed_out) {
		ig_err_set(err, IG_E_PROVIDER_TIMEOUT, NULL, "downloading an output timed out");
		return IG_STEP_FAIL;
	}
	if (resp->transport_error || resp->status == 0)
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "downloading an output failed: no answer (the connection"
		    " failed, or its address was refused: downloads reach public addresses only)");
	else
		ig_err_set(err, IG_E_PROVIDER_ERROR, NULL, "downloading an output failed (HTTP %ld)", resp->status);
	if (resp->transport_error || resp->status == 0 || resp->status == 408 ||
	    resp->status == 429 || resp->status >= 500) {
		long ra = ig_retry_after_ms(resp->retry_after);
		call->retry_ms = ra > 0 ? ra : 0;
		return IG_STEP_RETRY;
	}
	return IG_STEP_FAIL;
}

const char *
ig_nearest_aspect(int width, int height, const char *const *ratios)
{
	const char *best = ratios[0];
	double want = log((double)width / (double)height), bestd = INFINITY;

	for (size_t i = 0; ratios[i] != NULL; i++) {
		int a, b;
		double d;

		if (sscanf(ratios[i], "%d:%d", &a, &b) != 2 || a <= 0 || b <= 0)
			continue;
		d = fabs(log((double)a / (double)b) - want);
		if (d < bestd - 1e-12) {
			bestd = d;
			best = ratios[i];
		}
	}
	return best;
}

int
ig_model_id_safe(const char *id, int slashes)
{
	size_t seglen = 0, len = 0;
	const char *seg = id;

	if (id == NULL || *id == '\0')
		return 0;
	for (const char *p = id;; p++, len++) {
		if (len > 200)
			return 0;
		if (*p == '/' || *p == '\0') {
			if (seglen == 0 || (seglen == 1 && seg[0] == '.') ||
			    (seglen == 2 && seg[0] == '.' && seg[1] == '.'))
				return 0;
			if (*p == '\0')
				return 1;
			if (--slashes < 0)
				return 0;
			seg = p + 1;
			seglen = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
		seglen++;
	}
}

int64_t
ig_seed_at(const ig_gen_request *req, int i, int64_t modulus)
{
	int64_t s;

	if (!req->has_seed || modulus <= 0)
		return 0;
	s = req->seed % modulus;
	if (s < 0)
		s += modulus;
	return (s + (i % modulus)) % modulus;
}

int
ig_extra_number(const ig_gen_request *req, const char *key, double min, double max,
    double dflt, double *out, ig_err *err)
{
	json_object *v;
	double d;

	*out = dflt;
	if (req->extra == NULL || !json_object_object_get_ex(req->extra, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s must be a number", key);
	d = json_object_get_double(v);
	if (!(d >= min && d <= max))
		return ig_err_set(err, IG_E_INVALID_REQUEST, key, "%s must be between %g and %g",
		    key, min, max);
	*out = d;
	return 0;
}

int
ig_extra_string(const ig_gen_request *req, const char *key, size_t maxlen, const char **out,
    ig_err *err)
{
	json_object *v;

	*out = NULL;
	if (req->extra == NULL || !json_object_object_get_ex(req->extra, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string) || strlen(json_object_get_string(v)) > maxlen)
		return ig_err_set(err, IG_E_INVALID_REQUEST, key,
		    "%s must be a string of at most %zu bytes", key, maxlen);
	*out = json_object_get_string(v);
	return 0;
}
