/* storage.h — how storage.c names a stored file to the client (its
 * handlers, the Storage routes of API.md, are in api.h). */
#ifndef IG_API_STORAGE_H
#define IG_API_STORAGE_H

#include "app/fcgi/http.h"

/* The Content-Disposition value of an attachment named name (UTF-8):
 * RFC 6266's attachment; filename="ASCII fallback" with every character
 * that is not printable ASCII, and '"', '\\', '%', '/', replaced by '_'
 * (a leading '.' too), then filename*=UTF-8''percent-encoded when the
 * name needed any of that; control characters, '/' and '\\' never reach
 * either form. Malloc'ed. */
char *ig_storage_disposition(const char *name);

#endif
