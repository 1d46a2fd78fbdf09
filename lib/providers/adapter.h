/*
 * adapter.h — helpers shared by the adapters in lib/providers/ only (the
 * runner and the app see provider.h). Implemented in common.c, except
 * ig_provider_fail (providers.c, beside the key scrubbing it shares).
 */
#ifndef IG_PROVIDERS_ADAPTER_H
#define IG_PROVIDERS_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/core/error.h"
#include "lib/providers/provider.h"

/* Largest JSON array we accept in a provider's answer (strict parse). */
#define IG_PROVIDER_MAX_ARRAY 1024

/*
 * Decode standard base64 (RFC 4648 §4, padding required when the input is
 * not a multiple of 4; CR/LF ignored). Returns 0 with *out malloc'ed (the
 * caller frees) and *outlen set, or -1 on any other byte, a misplaced '='
 * or an empty result.
 */
int ig_b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);
/* Encode n bytes as standard base64 with padding; the caller frees. */
char *ig_b64_encode(const unsigned char *in, size_t n);

/* Start a request: clears *r and sets method and a URL made of base and
 * the printf-formatted path, with exactly one '/' between them. */
void ig_http_begin(ig_http_req *r, const char *method, const char *base, const char *pathfmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Add "Authorization: Bearer <key>" (an empty key when NULL). */
void ig_http_bearer(ig_http_req *r, const char *key);

/* A GET of an output URL a provider handed back: no credentials, the
 * runner's download host allow-list applies. */
void ig_http_download(ig_http_req *r, const char *url);

/* Parse a provider's JSON answer strictly. NULL with err provider_error
 * (never invalid_json: the caller's request was fine). */
json_object *ig_provider_json(const ig_http_resp *resp, ig_err *err);
/* The same for len bytes of text (a JSON document inside a JSON string). */
json_object *ig_provider_json_text(const char *text, size_t len, ig_err *err);
/* An error answer's JSON object, or NULL when its body is not one (error
 * bodies need not be JSON; the lookups below take NULL). */
json_object *ig_provider_error_json(const ig_http_resp *resp);

/* Member lookups that tolerate a missing or mistyped value: NULL / 0. */
const char *ig_jstr(json_object *o, const char *key);
/* The first of the keys (ended by NULL) that o holds as a string: where
 * providers put an error's text under one of several names. */
const char *ig_jstr_any(json_object *o, ...) __attribute__((sentinel));
json_object *ig_jget(json_object *o, const char *key, json_type type);

/* 1 when data starts with a PNG, JPEG or WebP signature. */
int ig_image_magic_ok(const unsigned char *data, size_t len);

/* Decode a base64 image into the call; -1 with err provider_error when the
 * bytes are not base64 or not an image. */
int ig_call_add_b64_image(ig_call *call, const char *b64, int has_seed, int64_t seed, ig_err *err);
/* Copy a raw image body into the call; -1 with err provider_error when it
 * is not an image we accept. */
int ig_call_add_raw_image(ig_call *call, const ig_http_resp *resp, int has_seed, int64_t seed,
    ig_err *err);

/* FAIL with code and "what: <provider text>", the text scrubbed of keys
 * like every provider message. Returns IG_STEP_FAIL. */
ig_step ig_provider_fail(ig_call *call, ig_errcode code, const char *what, const char *message,
    ig_err *err);

/* An output download did not answer 2xx. A redirect (301, 302, 303, 307,
 * 308) is followed here, one hop at a time, at most IG_DOWNLOAD_MAX_HOPS:
 * *next is the download of its target (hop n), which the runner checks
 * against the allow-list like the first URL (lib/jobs/http.c). 5xx and
 * transport errors retry, anything else is a provider error (a 403 from a
 * storage host is not our key's fault). */
#define IG_DOWNLOAD_MAX_HOPS 3
ig_step ig_provider_download_error(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err);

/* The call's state: one zeroed allocation of size bytes, set as
 * call->state and freed by ig_provider_cleanup. */
void *ig_call_state(ig_call *call, size_t size);

/* The start of every adapter's build: call's request checked by the
 * adapter's own validate (its ops' .validate), then the call's state made
 * (ig_call_state). The state, or NULL with err when the request is refused. */
void *ig_call_begin(ig_call *call, int (*validate)(const ig_gen_request *req, ig_err *err), size_t size,
    ig_err *err);

/* The call's output downloads (ig_call.downloads). Queue url with the
 * prompt it was revised to (or NULL). */
void ig_download_add(ig_call *call, const char *url, const char *revised);
/* 1 while a queued download is under way: the answer being parsed is its. */
int ig_download_pending(const ig_call *call);
/* Ask for the next queued download: 1 with *next set, or 0 when none is
 * left (the queue is then emptied). */
int ig_download_next(ig_call *call, ig_http_req *next);
/* A 2xx answer to the pending download: the call's next image (has_seed,
 * seed, the URL's revised prompt). 0, or -1 with err when it is not an
 * image (ig_call_add_raw_image). */
int ig_download_take(ig_call *call, const ig_http_resp *resp, int has_seed, int64_t seed, ig_err *err);
/* Free the queue (ig_provider_cleanup does). */
void ig_download_free(ig_call *call);

/* The nearest of the "W:H" ratios (NULL-terminated) to width×height,
 * measured as the distance between log-ratios. */
const char *ig_nearest_aspect(int width, int height, const char *const *ratios);

/* 1 when a model id is safe to put in a URL path: [A-Za-z0-9._-] plus
 * (when slashes > 0) up to that many '/' separators, no empty, "." or ".."
 * segment. */
int ig_model_id_safe(const char *id, int slashes);

/* Seed of image i of a request with a fixed seed, wrapped below modulus. */
int64_t ig_seed_at(const ig_gen_request *req, int i, int64_t modulus);

/* A number from req->extra (int or double), or dflt when absent. -1 with
 * err naming key when present but not a number in [min, max]. */
int ig_extra_number(const ig_gen_request *req, const char *key, double min, double max,
    double dflt, double *out, ig_err *err);
/* A string from req->extra of at most maxlen bytes, or NULL when absent. -1
 * with err when present but not a string. */
int ig_extra_string(const ig_gen_request *req, const char *key, size_t maxlen, const char **out,
    ig_err *err);

#endif
