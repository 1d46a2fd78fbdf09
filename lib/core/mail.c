/* mail.c — see mail.h. */
#include "ig_autoconf.h"

#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "lib/core/log.h"
#include "lib/core/mail.h"
#include "lib/core/util.h"

static int
has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

/* The bare address of "Name <addr>" (or the whole string). */
static char *
bare_address(const char *from)
{
	const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt)
		return ig_xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return ig_xstrdup(from);
}

int
ig_mail_send(const char *smtp_url, const char *from, const char *to,
    const char *subject, const char *body, ig_err *err)
{
	CURL *c;
	struct curl_slist *rcpt = NULL;
	ig_buf msg = { 0 };
	char date[64], mid[IG_UUID_BUF], *mail_from;
	time_t now = time(NULL);
	struct tm tm;
	ig_upload u = { .fd = -1 };
	CURLcode rc;

	if (has_crlf(from) || has_crlf(to) || has_crlf(subject))
		return ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "mail header fields must be one line");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	ig_uuid4(mid);
	mail_from = bare_address(from);
	ig_buf_printf(&msg,
	    "Date: %s\r\nFrom: %s\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@imagegen>\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n",
	    date, from, to, subject, mid);
	/* Body lines end in CRLF on the wire. */
	for (const char *p = body; *p; p++) {
		if (*p == '\n' && (p == body || p[-1] != '\r'))
			ig_buf_append(&msg, "\r", 1);
		ig_buf_append(&msg, p, 1);
	}
	ig_buf_puts(&msg, "\r\n");
	u.mem = (const unsigned char *)msg.data;
	u.len = msg.len;

	c = curl_easy_init();
	if (c == NULL) {
		free(mail_from);
		ig_buf_free(&msg);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
	}
	rcpt = curl_slist_append(rcpt, to);
	curl_easy_setopt(c, CURLOPT_URL, smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, ig_upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	rc = curl_easy_perform(c);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	free(mail_from);
	ig_buf_free(&msg);
	if (rc != CURLE_OK) {
		/* curl's message names the host, never the URL's credentials. */
		ig_logf(IG_LOG_WARN, "mail_failed", "SMTP delivery failed: %s", curl_easy_strerror(rc));
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the mail server is unavailable");
	}
	return 0;
}
