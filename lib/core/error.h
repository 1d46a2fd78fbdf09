/*
 * error.h — the error-code table (API.md "Errors"): each code, its HTTP status
 * and its wire name, in one array. A failing operation fills an ig_err; the
 * HTTP layer turns it into {"success": false, "error": {...}}.
 */
#ifndef IG_CORE_ERROR_H
#define IG_CORE_ERROR_H

#include <stddef.h>

typedef enum ig_errcode {
	IG_E_NONE = 0,
	IG_E_INVALID_JSON,
	IG_E_INVALID_REQUEST,
	IG_E_UNAUTHORIZED,
	IG_E_TOKEN_EXPIRED,
	IG_E_FORBIDDEN,
	IG_E_NOT_FOUND,
	IG_E_METHOD_NOT_ALLOWED,
	IG_E_CONFLICT,
	IG_E_PAYLOAD_TOO_LARGE,
	IG_E_UNSUPPORTED_MEDIA_TYPE,
	IG_E_RATE_LIMITED,
	IG_E_INTERNAL,
	IG_E_UNAVAILABLE,
	IG_E_NOT_IMPLEMENTED,
	IG_E_PROVIDER_AUTH_FAILED,
	IG_E_CONTENT_FILTERED,
	IG_E_IDEMPOTENCY_MISMATCH,
	IG_E_PROVIDER_ERROR,
	IG_E_PROVIDER_TIMEOUT,
	IG_E_GATEWAY_TIMEOUT,
	IG_E_INSUFFICIENT_STORAGE,
	IG_E__MAX
} ig_errcode;

typedef struct ig_err {
	ig_errcode code;
	char message[256];
	char field[64];
} ig_err;

/* Fill err with code, an optional field name (NULL for none) and a
 * printf-formatted message. Always returns -1 so callers can
 * `return ig_err_set(...)`. */
int ig_err_set(ig_err *err, ig_errcode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The wire name ("invalid_request") and HTTP status (400) of a code. */
const char *ig_err_name(ig_errcode code);
/* The code of a wire name (as stored in jobs.error_code); IG_E_INTERNAL
 * for an unknown one. */
ig_errcode ig_err_from_name(const char *name);
int ig_err_status(ig_errcode code);

#endif
