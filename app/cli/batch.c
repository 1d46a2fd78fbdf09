/*
 * batch.c — `imagegen batch submit FILE` and `imagegen batch watch ID`: the
 * batch API from a terminal. The CLI is an HTTP client of the service
 * (IG_API_URL, default http://127.0.0.1:8080) authenticated with
 * IG_API_TOKEN (an ig_ API key or an access token), never a token on the
 * command line where other users could read it.
 */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "app/cli/cli.h"
#include "lib/core/json.h"
#include "lib/core/util.h"

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	ig_buf_append(arg, p, size * n);
	return size * n;
}

/* One API call; *status and the body (caller frees). -1 on transport errors. */
static int
call(const char *method, const char *path, const char *body, long *status, ig_buf *out)
{
	const char *base = getenv("IG_API_URL"), *token = getenv("IG_API_TOKEN");
	char url[1024], auth[4200];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (c == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s%s", base && *base ? base : "http://127.0.0.1:8080", path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (out->data == NULL)
		ig_buf_append(out, "", 0);
	if (rc != CURLE_OK) {
		fprintf(stderr, "imagegen batch: %s: %s\n", url, curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

static void
print_error(const char *what, long status, const ig_buf *body)
{
	json_object *o = json_tokener_parse(body->data), *e, *m;

	if (o && json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "message", &m))
		fprintf(stderr, "imagegen batch %s: %ld: %s\n", what, status, json_object_get_string(m));
	else
		fprintf(stderr, "imagegen batch %s: HTTP %ld\n", what, status);
	json_object_put(o);
}

/* The request body from FILE: JSON as it is (an array of prompts, or a
 * whole request object), else one prompt per line ('#' lines and blank
 * lines skipped). */
static json_object *
read_prompts(const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	ig_buf b = { 0 };
	char chunk[8192];
	size_t r;
	json_object *o = NULL, *list;
	ig_err err;
	const char *p;

	if (f == NULL) {
		fprintf(stderr, "imagegen batch submit: cannot read %s\n", file);
		return NULL;
	}
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ig_buf_append(&b, chunk, r);
	if (f != stdin)
		fclose(f);
	ig_buf_append(&b, "", 0);
	for (p = b.data; *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'; p++)
		;
	if (*p == '[' || *p == '{') {
		o = ig_json_parse(b.data, b.len, 100000, &err);
		if (o == NULL)
			fprintf(stderr, "imagegen batch submit: %s: %s\n", file, err.message);
		else if (json_object_is_type(o, json_type_array)) {
			list = o;
			o = json_object_new_object();
			json_object_object_add(o, "prompts", list);
		}
		ig_buf_free(&b);
		return o;
	}
	list = json_object_new_array();
	for (char *save, *line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		json_object_array_add(list, json_object_new_string(line));
	}
	ig_buf_free(&b);
	o = json_object_new_object();
	json_object_object_add(o, "prompts", list);
	return o;
}

/* Draw the progress bar; on a terminal it redraws one line. */
static void
bar(json_object *st, int tty)
{
	json_object *pr = json_object_object_get(st, "progress");
	int total = json_object_get_int(json_object_object_get(pr, "total"));
	int done = json_object_get_int(json_object_object_get(pr, "completed"));
	int failed = json_object_get_int(json_object_object_get(pr, "failed"));
	int canceled = json_object_get_int(json_object_object_get(pr, "canceled"));
	int width = 30, filled = total ? (done + failed + canceled) * width / total : 0;
	char line[64];

	for (int i = 0; i < width; i++)
		line[i] = i < filled ? '#' : '.';
	line[width] = '\0';
	fprintf(stderr, "%s[%s] %d/%d done, %d failed, %d canceled  %-10s%s", tty ? "\r" : "", line, done, total,
	    failed, canceled, json_object_get_string(json_object_object_get(st, "status")), tty ? "" : "\n");
	fflush(stderr);
}

static int
watch(const char *id)
{
	char path[256], last[128] = "";
	int tty = isatty(STDERR_FILENO);

	snprintf(path, sizeof(path), "/api/batch/status/%s", id);
	for (;;) {
		long status = 0;
		ig_buf body = { 0 };
		json_object *st;
		const char *s;
		char now[128];

		if (call("GET", path, NULL, &status, &body) != 0) {
			ig_buf_free(&body);
			return 1;
		}
		if (status != 200) {
			print_error("watch", status, &body);
			ig_buf_free(&body);
			return 1;
		}
		st = json_tokener_parse(body.data);
		ig_buf_free(&body);
		if (st == NULL)
			return 1;
		s = json_object_get_string(json_object_object_get(st, "status"));
		snprintf(now, sizeof(now), "%s %s", s, json_object_to_json_string(json_object_object_get(st, "progress")));
		if (tty || strcmp(now, last) != 0)
			bar(st, tty);
		snprintf(last, sizeof(last), "%s", now);
		if (strcmp(s, "queued") != 0 && strcmp(s, "processing") != 0) {
			int ok = strcmp(s, "completed") == 0;
			if (tty)
				fputc('\n', stderr);
			json_object_put(st);
			return ok ? 0 : 1;
		}
		json_object_put(st);
		sleep(1);
	}
}

int
ig_cli_batch(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[2], "watch") == 0)
		return watch(argv[3]);
	if (argc >= 4 && strcmp(argv[2], "submit") == 0) {
		const char *file = NULL, *name = NULL, *provider = NULL, *size = NULL;
		int do_watch = 0, rc;
		json_object *body, *settings;
		long status = 0;
		ig_buf out = { 0 };

		if ((rc = ig_cli_options(argc, argv, 3, (const ig_cli_opt[]) {
			{ "--watch", &do_watch, NULL },
			{ "--name", NULL, &name },
			{ "--provider", NULL, &provider },
			{ "--size", NULL, &size },
			{ NULL, NULL, NULL },
		    }, &file, "imagegen batch submit: unknown argument", NULL)) != 0)
			return rc;
		if (file == NULL || (body = read_prompts(file)) == NULL)
			return 2;
		if (name != NULL)
			json_object_object_add(body, "name", json_object_new_string(name));
		if (provider != NULL || size != NULL) {
			if (!json_object_object_get_ex(body, "settings", &settings)) {
				settings = json_object_new_object();
				json_object_object_add(body, "settings", settings);
			}
			if (provider != NULL)
				json_object_object_add(settings, "api_provider", json_object_new_string(provider));
			if (size != NULL)
				json_object_object_add(settings, "image_size", json_object_new_string(size));
		}
		rc = call("POST", "/api/batch/generate", json_object_to_json_string(body), &status, &out);
		json_object_put(body);
		if (rc != 0 || status != 202) {
			if (rc == 0)
				print_error("submit", status, &out);
			ig_buf_free(&out);
			return 1;
		}
		{
			json_object *o = json_tokener_parse(out.data), *idv;
			char id[64] = "";
			if (o && json_object_object_get_ex(o, "batch_id", &idv))
				snprintf(id, sizeof(id), "%s", json_object_get_string(idv));
			json_object_put(o);
			ig_buf_free(&out);
			printf("%s\n", id);
			fflush(stdout);
			return do_watch && id[0] ? watch(id) : 0;
		}
	}
	fprintf(stderr, "%s", IG_CLI_BATCH_HELP);
	return 2;
}
