/*
 * ticket.h — short-lived, single-purpose tickets for what cannot send an
 * Authorization header: a browser's EventSource. A ticket binds a user, a
 * purpose and a subject (e.g. "batch-events" and a batch id) to an expiry,
 * signed with HMAC-SHA256 under a key derived from IG_JWT_SECRET. It rides
 * in a URL (and so in access logs), hence seconds of life and one narrow use.
 */
#ifndef IG_AUTH_TICKET_H
#define IG_AUTH_TICKET_H

#include <stdint.h>

#include "lib/core/util.h"

#define IG_TICKET_MAX 160

/* Derive the ticket key from secret (at least 32 bytes). 0 or -1. */
int ig_ticket_setup(const char *secret);
/* A ticket for user_id to use purpose/subject until now + ttl seconds. */
int ig_ticket_make(const char *purpose, const char *subject, const char *user_id, int64_t now, int ttl,
    char out[IG_TICKET_MAX]);
/* 0 with user_id (IG_UUID_BUF bytes) filled when ticket is valid for purpose and
 * subject at now; -1 otherwise. */
int ig_ticket_check(const char *ticket, const char *purpose, const char *subject, int64_t now, char user_id[IG_UUID_BUF]);

#endif
