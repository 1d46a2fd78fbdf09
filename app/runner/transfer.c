/* transfer.c — see transfer.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app/runner/transfer.h"
#include "lib/jobs/http.h"
#include "lib/core/config.h"
#include "lib/core/log.h"
#include "lib/core/util.h"

struct ig_runner {
	CURLM *multi;
	ig_active *head;
};

ig_runner *
ig_runner_new(void)
{
	ig_runner *rn = ig_xcalloc(1, sizeof(*rn));

	rn->multi = curl_multi_init();
	return rn;
}

static void
end_transfer(ig_runner *rn, ig_active *a)
{
	if (a->easy != NULL) {
		curl_multi_remove_handle(rn->multi, a->easy);
		curl_easy_cleanup(a->easy);
		a->easy = NULL;
	}
	curl_slist_free_all(a->hdrs);
	a->hdrs = NULL;
	curl_mime_free(a->mime);
	a->mime = NULL;
	ig_buf_free(&a->body);
	a->in_flight = 0;
}

ig_active *
ig_runner_add(ig_runner *rn, ig_job *job)
{
	ig_active *a = ig_xcalloc(1, sizeof(*a));

	a->job = *job;
	memset(job, 0, sizeof(*job));
	a->started_ms = ig_now_ms();
	a->next = rn->head;
	rn->head = a;
	return a;
}

void
ig_runner_drop(ig_runner *rn, ig_active *a)
{
	ig_active **pp;

	for (pp = &rn->head; *pp && *pp != a; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = a->next;
	end_transfer(rn, a);
	if (a->ops != NULL)
		ig_provider_cleanup(a->ops, &a->call);
	ig_call_free_images(&a->call);
	ig_http_req_free(&a->hreq);
	free(a->src);
	if (a->key != NULL) {
		sodium_memzero(a->key, strlen(a->key));
		free(a->key);
	}
	ig_job_free(&a->job);
	free(a);
}

void
ig_runner_free(ig_runner *rn)
{
	while (rn->head != NULL)
		ig_runner_drop(rn, rn->head);
	curl_multi_cleanup(rn->multi);
	free(rn);
}

int
ig_runner_count(ig_runner *rn, const char *provider)
{
	int n = 0;

	for (ig_active *a = rn->head; a; a = a->next)
		if (provider == NULL || strcmp(a->job.provider, provider) == 0)
			n++;
	return n;
}

void
ig_runner_park(ig_runner *rn, ig_active *a)
{
	end_transfer(rn, a);
	a->scheduled = 0;
}

void
ig_runner_schedule(ig_runner *rn, ig_active *a, long delay_ms)
{
	(void)rn;
	a->scheduled = 1;
	a->wake_at_ms = ig_now_ms() + (delay_ms > 0 ? delay_ms : 0);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	ig_active *a = arg;
	size_t len = size * n;

	if ((long)(a->body.len + len) > a->max_bytes) {
		a->too_big = 1;
		return 0;   /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	ig_buf_append(&a->body, p, len);
	return len;
}

/* Keep the few response headers adapters look at. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	ig_active *a = arg;
	size_t len = size * n;
	static const struct {
		const char *name;
		size_t off, cap;
	} keep[] = {
		{ "content-type", offsetof(ig_active, content_type), sizeof(((ig_active *)0)->content_type) },
		{ "retry-after", offsetof(ig_active, retry_after), sizeof(((ig_active *)0)->retry_after) },
		{ "finish-reason", offsetof(ig_active, finish_reason), sizeof(((ig_active *)0)->finish_reason) },
		{ "seed", offsetof(ig_active, seed), sizeof(((ig_active *)0)->seed) },
	};

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		size_t nl = strlen(keep[i].name);
		if (len > nl + 1 && strncasecmp(p, keep[i].name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t vl = len - nl - 1;
			while (vl > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
				vl--;
			snprintf((char *)a + keep[i].off, keep[i].cap, "%.*s", (int)vl, v);
		}
	}
	return len;
}

/* Set up and add the easy handle for a->hreq; -1 with err when the request
 * itself is refused (a download host not allowed). */
static int
start(ig_runner *rn, ig_active *a, ig_err *err)
{
	const ig_config *c = ig_cfg();
	CURL *e = curl_easy_init();

	if (e == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "out of memory");
	if (ig_http_apply(e, &a->hreq, a->pconf, (long)c->provider_timeout * 1000L, &a->hdrs, &a->mime, err) != 0) {
		curl_slist_free_all(a->hdrs);
		a->hdrs = NULL;
		curl_easy_cleanup(e);
		return -1;
	}
	a->easy = e;
	a->max_bytes = a->hreq.max_bytes > 0 ? a->hreq.max_bytes : c->max_download;
	a->too_big = 0;
	a->content_type[0] = a->retry_after[0] = a->finish_reason[0] = a->seed[0] = '\0';
	curl_easy_setopt(e, CURLOPT_PRIVATE, a);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
	curl_multi_add_handle(rn->multi, e);
	a->in_flight = 1;
	a->scheduled = 0;
	return 0;
}

static void
finished(ig_runner *rn, ig_active *a, CURLcode rc)
{
	ig_http_resp resp;
	long status = 0;

	memset(&resp, 0, sizeof(resp));
	curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &status);
	if (a->body.data == NULL)
		ig_buf_append(&a->body, "", 0);
	resp.status = rc == CURLE_OK ? status : 0;
	resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	resp.transport_error = rc != CURLE_OK && !resp.timed_out;
	resp.body = a->body.data;
	resp.len = a->body.len;
	resp.content_type = a->content_type[0] ? a->content_type : NULL;
	resp.retry_after = a->retry_after[0] ? a->retry_after : NULL;
	resp.finish_reason = a->finish_reason[0] ? a->finish_reason : NULL;
	resp.seed = a->seed[0] ? a->seed : NULL;
	curl_easy_getinfo(a->easy, CURLINFO_REDIRECT_URL, &resp.location);   /* owned by a->easy */
	if (rc != CURLE_OK)
		ig_logf(IG_LOG_WARN, "provider_transfer_failed", "job %s (%s): %s", a->job.id, a->job.provider,
		    a->too_big ? "response over the size limit" : curl_easy_strerror(rc));
	curl_multi_remove_handle(rn->multi, a->easy);
	/* The adapter sees the response while the buffers are alive; the
	 * transfer is torn down afterwards unless the call was dropped. */
	{
		CURL *e = a->easy;
		ig_buf body = a->body;
		struct curl_slist *h = a->hdrs;
		curl_mime *m = a->mime;

		a->easy = NULL;
		a->hdrs = NULL;
		a->mime = NULL;
		memset(&a->body, 0, sizeof(a->body));
		a->in_flight = 0;
		if (a->too_big) {
			ig_err err;
			/* Final: the same answer would come again. */
			ig_err_set(&err, IG_E_PROVIDER_ERROR, NULL, "the provider's answer was larger than IG_MAX_DOWNLOAD");
			ig_runner_fail(rn, a, &err);
		} else {
			ig_runner_response(rn, a, &resp);
		}
		curl_easy_cleanup(e);
		ig_buf_free(&body);
		curl_slist_free_all(h);
		curl_mime_free(m);
	}
}

/* Advance the transfers and hand each finished one to its call. */
static void
deliver(ig_runner *rn)
{
	int running, left;
	CURLMsg *msg;

	curl_multi_perform(rn->multi, &running);
	while ((msg = curl_multi_info_read(rn->multi, &left)) != NULL) {
		ig_active *a = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&a);
		finished(rn, a, msg->data.result);
	}
}

void
ig_runner_poll(ig_runner *rn, const int *fds, int nfds, int max_wait_ms)
{
	int64_t now = ig_now_ms(), next_wake = now + max_wait_ms;
	struct curl_waitfd extra[4];
	int numfds, nextra = 0;

	for (int i = 0; i < nfds && nextra < 4; i++)
		if (fds[i] >= 0)
			extra[nextra++] = (struct curl_waitfd){ .fd = fds[i], .events = CURL_WAIT_POLLIN };

	for (ig_active *a = rn->head, *nx; a; a = nx) {
		nx = a->next;
		if (!a->scheduled)
			continue;
		if (a->wake_at_ms <= now) {
			ig_err err = { 0 };
			if (start(rn, a, &err) != 0) {
				a->scheduled = 0;
				ig_runner_fail(rn, a, &err);
			}
		} else if (a->wake_at_ms < next_wake) {
			next_wake = a->wake_at_ms;
		}
	}
	deliver(rn);
	{
		long wait = (long)(next_wake - ig_now_ms());
		if (wait < 0)
			wait = 0;
		curl_multi_poll(rn->multi, nextra > 0 ? extra : NULL, (unsigned)nextra, (int)wait, &numfds);
	}
	deliver(rn);
}

void
ig_runner_cancel_upstream(ig_active *a)
{
	ig_http_req cancel = { 0 };
	ig_err err;

	if (a->ops != NULL && a->ops->cancel != NULL && a->call.upstream_id[0] != '\0' &&
	    a->ops->cancel(&a->call, &cancel) == 1) {
		ig_http_resp resp;
		ig_buf buf = { 0 };
		char ctype[128];
		if (ig_http_fetch(&cancel, a->pconf, 5000, 65536, &resp, &buf, ctype, &err) == 0)
			ig_logf(IG_LOG_INFO, "upstream_canceled", "job %s: %s answered %ld", a->job.id,
			    a->job.provider, resp.status);
		ig_buf_free(&buf);
	}
	ig_http_req_free(&cancel);
}

const char **
ig_runner_held(ig_runner *rn)
{
	const char **ids = ig_xcalloc((size_t)ig_runner_count(rn, NULL) + 1, sizeof(*ids));
	int n = 0;

	for (ig_active *a = rn->head; a; a = a->next)
		ids[n++] = a->job.id;
	return ids;
}

ig_active *
ig_runner_find(ig_runner *rn, const char *job_id)
{
	for (ig_active *a = rn->head; a; a = a->next)
		if (strcmp(a->job.id, job_id) == 0)
			return a;
	return NULL;
}

void
ig_runner_release_all(ig_runner *rn, const char *runner_id)
{
	ig_err err;

	for (ig_active *a = rn->head, *nx; a; a = nx) {
		nx = a->next;
		if (a->on_pool)
			continue;
		/* Another runner will start the job afresh: stop the work the
		 * provider is still doing for this attempt (Replicate). */
		ig_runner_cancel_upstream(a);
		ig_logf(IG_LOG_INFO, "job_released", "job %s back to the queue", a->job.id);
		ig_job_release(&a->job, runner_id, &err);
		ig_runner_drop(rn, a);
	}
}
