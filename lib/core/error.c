/* error.c — see error.h. */
#include "ig_autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/error.h"

static const struct {
	const char *name;
	int status;
} codes[IG_E__MAX] = {
	[IG_E_NONE] = { "none", 200 },
	[IG_E_INVALID_JSON] = { "invalid_json", 400 },
	[IG_E_INVALID_REQUEST] = { "invalid_request", 400 },
	[IG_E_UNAUTHORIZED] = { "unauthorized", 401 },
	[IG_E_TOKEN_EXPIRED] = { "token_expired", 401 },
	[IG_E_FORBIDDEN] = { "forbidden", 403 },
	[IG_E_NOT_FOUND] = { "not_found", 404 },
	[IG_E_METHOD_NOT_ALLOWED] = { "method_not_allowed", 405 },
	[IG_E_CONFLICT] = { "conflict", 409 },
	[IG_E_PAYLOAD_TOO_LARGE] = { "payload_too_large", 413 },
	[IG_E_UNSUPPORTED_MEDIA_TYPE] = { "unsupported_media_type", 415 },
	[IG_E_RATE_LIMITED] = { "rate_limited", 429 },
	[IG_E_INTERNAL] = { "internal", 500 },
	[IG_E_UNAVAILABLE] = { "unavailable", 503 },
	[IG_E_NOT_IMPLEMENTED] = { "not_implemented", 501 },
	[IG_E_PROVIDER_AUTH_FAILED] = { "provider_auth_failed", 401 },
	[IG_E_CONTENT_FILTERED] = { "content_filtered", 422 },
	[IG_E_IDEMPOTENCY_MISMATCH] = { "idempotency_mismatch", 422 },
	[IG_E_PROVIDER_ERROR] = { "provider_error", 502 },
	[IG_E_PROVIDER_TIMEOUT] = { "provider_timeout", 504 },
	/* Our own wait for a job ran out (IG_GENERATE_TIMEOUT). */
	[IG_E_GATEWAY_TIMEOUT] = { "timeout", 504 },
	/* The image store's file system is full (RFC 4918 section 11.5: the
	 * server cannot store what is needed to complete the request). */
	[IG_E_INSUFFICIENT_STORAGE] = { "insufficient_storage", 507 },
};

int
ig_err_set(ig_err *err, ig_errcode code, const char *field, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ig_err_name(ig_errcode code)
{
	return (code >= 0 && code < IG_E__MAX) ? codes[code].name : "internal";
}

int
ig_err_status(ig_errcode code)
{
	return (code >= 0 && code < IG_E__MAX) ? codes[code].status : 500;
}

ig_errcode
ig_err_from_name(const char *name)
{
	for (int i = 1; name != NULL && i < IG_E__MAX; i++)
		if (strcmp(codes[i].name, name) == 0)
			return (ig_errcode)i;
	return IG_E_INTERNAL;
}
