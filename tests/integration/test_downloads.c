/*
 * test_downloads.c — provider output downloads check every redirect hop
 * (issue 10, item 6). The mock OpenAI answers with an output URL on its own
 * allowed host (127.0.0.1:PORT) that redirects (302) to the same mock by
 * another name, localhost:PORT, which is not in IG_OPENAI_DOWNLOAD_HOSTS.
 * Before the fix libcurl followed the redirect and fetched the image from
 * there (the allow-list was checked on the first URL only); now the job
 * fails with an error naming the refused redirect, and the mock never sees
 * a request for localhost.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

static void
mock(const char *method, const char *path, const char *body, it_resp *r)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s%s", path[0] == '/' ? it_env("IG_MOCK_URL") : "", path);
	it_http_ex(url, method, "", body, body ? strlen(body) : 0,
	    (const char *const[]){ "Content-Type: application/json", "Authorization: Bearer sk-good-dl", NULL }, 10, r);
	ck_assert_msg(r->status == 200, "mock %s: %ld %s", path, r->status, r->body.data);
}

/* Requests the mock saw whose Host header starts with host. */
static int
requests_to(const char *host)
{
	it_resp r;
	json_object *o, *reqs;
	int n = 0;

	mock("GET", "/_control/requests", NULL, &r);
	o = it_json_body(&r);
	reqs = json_object_object_get(o, "requests");
	for (size_t i = 0; i < json_object_array_length(reqs); i++) {
		json_object *h = json_object_object_get(json_object_array_get_idx(reqs, i), "headers");
		const char *v = json_object_get_string(json_object_object_get(h, "host"));
		if (v != NULL && strncmp(v, host, strlen(host)) == 0)
			n++;
	}
	json_object_put(o);
	it_resp_free(&r);
	return n;
}

/* A real output file on the mock (to be fetched by another name): its
 * path into file. */
static void
output_file(char *file, size_t len)
{
	it_resp r;
	json_object *o;

	mock("POST", "/_control/reset", "{}", &r);
	it_resp_free(&r);
	mock("POST", "/openai/v1/images/generations",
	    "{\"model\": \"dall-e-2\", \"prompt\": \"a download target\", \"size\": \"256x256\", \"response_format\": \"url\"}", &r);
	o = it_json_body(&r);
	snprintf(file, len, "%s", strstr(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(json_object_object_get(o, "data"), 0), "url")), "/openai/files/"));
	json_object_put(o);
	it_resp_free(&r);
}

/* The next OpenAI generation answers with url as its one output. */
static void
script_output(const char *url)
{
	char script[2048];
	it_resp r;

	snprintf(script, sizeof(script), "{\"provider\": \"openai\", \"responses\": [{\"mode\": \"raw\", \"status\": 200,"
	    " \"body\": {\"created\": 1, \"data\": [{\"url\": \"%s\"}]}}]}", url);
	mock("POST", "/_control/script", script, &r);
	it_resp_free(&r);
}

/* A fresh user's OpenAI generation, which must fail 502 provider_error
 * with a message containing want. */
static void
generation_fails(const char *what, const char *want)
{
	char *tok = it_new_user("dl", "127.0.3.1", NULL);
	it_resp r;
	json_object *o;

	it_json(&r, "127.0.3.2", "POST", "/api/generate-image", tok,
	    "{\"prompt\": \"%s %d\", \"api_provider\": \"openai\", \"api_key\": \"sk-good-dl\","
	    " \"model\": \"dall-e-2\", \"image_size\": \"256x256\", \"no_cache\": true}", what, (int)getpid());
	printf("  generate-image, %s -> %ld %s\n", what, r.status, r.body.data);
	ck_assert_msg(r.status == 502, "%ld %s", r.status, r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "code"), "provider_error");
	ck_assert_msg(strstr(it_jstr(o, "error", "message"), want) != NULL, "%s", it_jstr(o, "error", "message"));
	json_object_put(o);
	it_resp_free(&r);
	free(tok);
}

START_TEST(redirect_to_a_host_not_allowed_is_refused)
{
	const char *base = it_env("IG_MOCK_URL");   /* http://127.0.0.1:PORT */
	char file[512], url[1024];

	output_file(file, sizeof(file));
	snprintf(url, sizeof(url), "%s/openai/redirect?to=http%%3A%%2F%%2Flocalhost%%3A%s%s", base,
	    strrchr(base, ':') + 1, file);
	script_output(url);
	generation_fails("a redirected download", "redirected (hop 1) to localhost");
	ck_assert_int_eq(requests_to("localhost"), 0);
	ck_assert_int_ge(requests_to("127.0.0.1"), 2);    /* the generation and the first hop */
}
END_TEST

/* The worker log, whole. Caller frees. */
static char *
worker_log(void)
{
	char path[512], *log;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/log/worker.log", it_env("IG_TEST_STACK"));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	log = calloc(1, (size_t)n + 1);
	fseek(f, 0, SEEK_SET);
	ck_assert(fread(log, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return log;
}

/* DNS rebinding, or an allow-listed NAME that resolves inward: with
 * localhost:PORT in IG_OPENAI_DOWNLOAD_HOSTS the host check passes, but the
 * connection goes to 127.0.0.1 through a name, which is refused as it is
 * opened (the URL does not name that address). */
START_TEST(allowed_name_resolving_to_loopback_is_refused)
{
	const char *base = it_env("IG_MOCK_URL");
	const char *port = strrchr(base, ':') + 1;
	char file[512], url[1024], over[256], *log;

	snprintf(over, sizeof(over), "IG_OPENAI_DOWNLOAD_HOSTS=127.0.0.1:%s,localhost:%s", port, port);
	setenv("IG_STACK_OVERRIDES", over, 1);
	it_stack("worker-start");
	unsetenv("IG_STACK_OVERRIDES");
	output_file(file, sizeof(file));
	snprintf(url, sizeof(url), "http://localhost:%s%s", port, file);
	script_output(url);
	generation_fails("an output on an inward name", "address was refused");
	ck_assert_int_eq(requests_to("localhost"), 0);
	log = worker_log();
	ck_assert_ptr_nonnull(strstr(log, "download_address_refused"));
	ck_assert_ptr_nonnull(strstr(log, "localhost is a loopback address"));
	free(log);
}
END_TEST

static void
restore_worker(void)
{
	it_stack("worker-start");
}

IT_MAIN("downloads", NULL,
	{ .name = "downloads", .timeout_s = 90, .setup = NULL, .teardown = restore_worker,
	    .tests = IT_TESTS(&redirect_to_a_host_not_allowed_is_refused, &allowed_name_resolving_to_loopback_is_refused)
	}
);
