/*
 * mail.h — plain-text mail through an SMTP server with libcurl
 * (RFC 5321 transport, RFC 5322 message). STARTTLS is used when the server
 * offers it; smtps:// URLs speak TLS from the start; credentials may be in
 * the URL (smtp://user:pass@host:587).
 */
#ifndef IG_CORE_MAIL_H
#define IG_CORE_MAIL_H

#include "lib/core/error.h"

/* Send one message. from may be "Name <addr>"; to is a bare address.
 * Header fields must not hold CR or LF (checked: header injection). Returns
 * 0, or -1 with err (unavailable when the server cannot be reached or
 * refuses). */
int ig_mail_send(const char *smtp_url, const char *from, const char *to,
    const char *subject, const char *body, ig_err *err);

#endif
