/*
 * test_gen_fields.c — the request fields of the generation and assistant
 * routes, read from declared tables (app/api/fields.h): each bad request
 * answers the same status, error code, field and message as the
 * positional reads before them did, including which field is named first
 * when several are bad; the OpenAI-compatible route in OpenAI's error
 * shape (param, code). Nothing here reaches the queue.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"

/* Each request from its own loopback address (IG_GENERATE_RATE_LIMIT). */
static const char *
next_source(void)
{
	static char ip[32];
	static int n;

	snprintf(ip, sizeof(ip), "127.%d.%d.%d", 120 + (int)(getpid() % 60), 200 + n / 250, 1 + n % 250);
	n++;
	return ip;
}

typedef struct bad {
	const char *path;       /* POST with body, or GET when body is NULL */
	const char *body;
	long status;
	const char *code, *field, *message;
} bad;

/* The caller of the routes that need one: a fresh user per test, as the
 * generation rate limit (10 a minute in the test stack) counts per user. */
static char *token;

static void
as_new_user(void)
{
	free(token);
	token = it_new_user("genf", next_source(), NULL);
}

/* Send each case and compare the whole error: code, field and message
 * (OpenAI's shape for /v1/: error.code, error.param, error.message). */
static void
expect_all(const bad *cases, size_t n)
{
	char *before = it_psql("SELECT count(*) FROM jobs"), *after;

	for (size_t i = 0; i < n; i++) {
		const bad *c = &cases[i];
		int v1 = strncmp(c->path, "/v1/", 4) == 0;
		it_resp r;
		json_object *o;

		it_json(&r, next_source(), c->body ? "POST" : "GET", c->path, token, c->body ? "%s" : NULL, c->body);
		ck_assert_msg(r.status == c->status, "%s %s: status %ld, body %s", c->path, c->body ? c->body : "",
		    r.status, r.body.data);
		o = it_json_body(&r);
		ck_assert_msg(strcmp(it_js(o, "error.code"), c->code) == 0, "%s %s: code %s", c->path,
		    c->body ? c->body : "", it_js(o, "error.code"));
		ck_assert_msg(strcmp(it_js(o, v1 ? "error.param" : "error.field"), c->field) == 0, "%s %s: field %s",
		    c->path, c->body ? c->body : "", it_js(o, v1 ? "error.param" : "error.field"));
		ck_assert_msg(strcmp(it_js(o, "error.message"), c->message) == 0, "%s %s: message \"%s\"", c->path,
		    c->body ? c->body : "", it_js(o, "error.message"));
		json_object_put(o);
		it_resp_free(&r);
	}
	after = it_psql("SELECT count(*) FROM jobs");
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
}

#define BAD(path, body, field, message) { path, body, 400, "invalid_request", field, message }

START_TEST(generate_image_fields)
{
	static const bad cases[] = {
		BAD("/api/generate-image", "{}", "prompt", "prompt is required"),
		BAD("/api/generate-image", "{\"prompt\": 1}", "prompt", "prompt must be a string"),
		BAD("/api/generate-image", "{\"prompt\": \"\"}", "prompt", "prompt must be between 1 and 4000 characters long"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"colour\": 1}", "colour", "unknown field colour"),
		/* Unknown keys before any field's own check. */
		BAD("/api/generate-image", "{\"image_count\": 0, \"colour\": 1}", "colour", "unknown field colour"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"negative_prompt\": 5}", "negative_prompt",
		    "negative_prompt must be a string"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"api_provider\": \"\"}", "api_provider",
		    "api_provider must be between 1 and 32 characters long"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"model\": \"\"}", "model",
		    "model must be between 1 and 200 characters long"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"image_size\": \"1x\"}", "image_size",
		    "image_size must be between 3 and 11 characters long"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"image_count\": 0}", "image_count",
		    "image_count must be between 1 and 10"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"image_count\": 1.5}", "image_count",
		    "image_count must be an integer"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"seed\": 4294967296}", "seed",
		    "seed must be between 0 and 4294967295"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"style\": \"\"}", "style",
		    "style must be between 1 and 50 characters long"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"quality\": 2}", "quality", "quality must be a string"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"response_format\": \"png\"}", "response_format",
		    "response_format must be url or b64_json"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"response_format\": \"\"}", "response_format",
		    "response_format must be between 1 and 16 characters long"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"no_cache\": \"yes\"}", "no_cache",
		    "no_cache must be true or false"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"api_key\": \"\"}", "api_key",
		    "api_key must be between 1 and 4096 characters long"),
		/* The first bad field in the order they are read. */
		BAD("/api/generate-image", "{\"api_key\": \"\", \"style\": \"\", \"image_count\": 0, \"prompt\": \"x\"}",
		    "image_count", "image_count must be between 1 and 10"),
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"no_cache\": 1, \"response_format\": \"png\"}",
		    "response_format", "response_format must be url or b64_json"),
		/* Another route's own fields are unknown here. */
		BAD("/api/generate-image", "{\"prompt\": \"x\", \"guidance_scale\": 7}", "guidance_scale",
		    "unknown field guidance_scale"),
	};

	expect_all(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(provider_route_fields)
{
	static const bad cases[] = {
		BAD("/api/huggingface/generate", "{\"prompt\": \"x\", \"api_provider\": \"openai\"}", "api_provider",
		    "unknown field api_provider"),
		BAD("/api/replicate/generate", "{\"prompt\": \"x\", \"steps\": 3}", "steps", "unknown field steps"),
		BAD("/api/local_ai/generate", "{\"prompt\": \"x\", \"version\": \"v\"}", "version", "unknown field version"),
		BAD("/api/local_ai/generate", "{\"steps\": 3}", "prompt", "prompt is required"),
		BAD("/api/huggingface/generate", "{\"prompt\": \"x\", \"image_count\": 11, \"guidance_scale\": 7}",
		    "image_count", "image_count must be between 1 and 10"),
	};

	as_new_user();
	expect_all(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(openai_compatible_fields)
{
	static const bad cases[] = {
		BAD("/v1/images/generations", "{}", "prompt", "prompt is required"),
		BAD("/v1/images/generations", "{\"prompt\": \"x\", \"negative_prompt\": \"y\"}", "negative_prompt",
		    "unknown field negative_prompt"),
		BAD("/v1/images/generations", "{\"prompt\": \"x\", \"size\": \"\"}", "size",
		    "size must be between 1 and 16 characters long"),
		BAD("/v1/images/generations", "{\"prompt\": \"x\", \"user\": 3}", "user", "user must be a string"),
		BAD("/v1/images/generations", "{\"prompt\": \"x\", \"n\": 11}", "n", "n must be between 1 and 10"),
		BAD("/v1/images/generations", "{\"prompt\": \"x\", \"response_format\": \"png\"}", "response_format",
		    "response_format must be url or b64_json"),
		/* The format's values are checked after every field was read. */
		BAD("/v1/images/generations", "{\"prompt\": \"x\", \"response_format\": \"png\", \"n\": 0}", "n",
		    "n must be between 1 and 10"),
	};

	as_new_user();
	expect_all(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(assistant_fields)
{
	static const bad cases[] = {
		BAD("/api/assistant/chat", "{}", "message", "message is required"),
		BAD("/api/assistant/chat", "{\"message\": \"x\", \"mood\": 1}", "mood", "unknown field mood"),
		BAD("/api/assistant/chat", "{\"message\": \"x\", \"context\": 4}", "context", "context must be a string"),
		BAD("/api/assistant/chat", "{\"message\": \"x\", \"preferred_style\": \"\"}", "preferred_style",
		    "preferred_style must be between 1 and 32 characters long"),
		BAD("/api/assistant/chat", "{\"message\": \"x\", \"preferred_style\": \"vaporwave\"}", "preferred_style",
		    "preferred_style must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk,"
		    " 3d_render, sketch"),
		BAD("/api/assistant/chat", "{\"message\": \"x\", \"conversation_id\": \"abc\"}", "conversation_id",
		    "conversation_id must be between 36 and 36 characters long"),
		{ "/api/assistant/chat", "{\"message\": \"x\", \"conversation_id\": \"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz\"}",
		  404, "not_found", "conversation_id", "no such conversation" },
		{ "/api/assistant/chat", "{\"message\": \"x\", \"conversation_id\": \"00000000-0000-4000-8000-000000000000\"}",
		  404, "not_found", "conversation_id", "no such conversation" },
		BAD("/api/assistant/enhance", "{\"style\": \"anime\"}", "prompt", "prompt is required"),
		BAD("/api/assistant/enhance", "{\"prompt\": \"x\", \"style\": \"vaporwave\"}", "style",
		    "style must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk, 3d_render, sketch"),
		BAD("/api/assistant/enhance", "{\"prompt\": \"x\", \"negative_prompt\": \"y\"}", "negative_prompt",
		    "unknown field negative_prompt"),
		BAD("/api/assistant/suggestions?style=vaporwave", NULL, "style",
		    "style must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk, 3d_render, sketch"),
		BAD("/api/assistant/suggestions?style=", NULL, "style",
		    "style must be one of realistic, anime, oil_painting, watercolor, pixel_art, cyberpunk, 3d_render, sketch"),
		BAD("/api/assistant/suggestions?style=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, "style",
		    "style is too long or holds a NUL"),
		BAD("/api/assistant/suggestions?prompt=%zz", NULL, "prompt", "prompt is not URL-encoded correctly"),
		BAD("/api/assistant/suggestions?prompt=a%00b", NULL, "prompt", "prompt is too long or holds a NUL"),
	};

	as_new_user();
	expect_all(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

IT_MAIN("gen_fields", NULL,
	IT_TCASE("generate", 60, &generate_image_fields),
	IT_TCASE("user routes", 60, &provider_route_fields, &openai_compatible_fields, &assistant_fields)
);
