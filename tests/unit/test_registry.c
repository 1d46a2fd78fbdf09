/*
 * test_registry.c — the provider registry is the one place a provider is
 * declared (issue 11, DESIGN.md "Providers"): a test provider row added to the table
 * with ig_provider_register, and nothing else changed, shows up in every
 * list and check the API derives from it.
 *
 * These are unit checks of the functions that build those answers, called
 * in-process (an integration test would need the test row inside the
 * server binary): the model list of /v1/models (ig_api_v1_models), the
 * provider check of generate (ig_gen_check), preferences' default_provider
 * and stored keys' provider (their handlers refuse a later field, after the
 * provider passed, before any database access), the "must be one of" texts,
 * the settings (pconf) and the key scrubbing of provider error text. The
 * assistant's chat wire code (OpenAI's and Gemini's) is checked here too,
 * now that it is the adapters' chat_build / chat_parse.
 * GET /api/settings/api-providers builds its list with
 * ig_catalogue_providers from the same table and what the handler read
 * from the database (keys held, last outcomes): that list is checked here
 * with the fake's row; the database reads by the integration suites.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app/api/api.h"
#include "app/api/fields.h"
#include "app/api/generation.h"
#include "lib/jobs/pconf.h"
#include "lib/jobs/queue.h"
#include "lib/jobs/serverkey.h"
#include "lib/providers/provider.h"
#include "tests/unit/ut.h"

static const ig_model_decl fake_models[] = {
	{ "fake-1", "Fake One", 1 },
	{ "fake-2", "Fake Two", 0 },
	{ NULL, NULL, 0 },
};
static const char *const fake_key_prefixes[] = { "fk_", NULL };

static int
fake_build(ig_call *call, ig_http_req *out, ig_err *err)
{
	(void)call;
	(void)out;
	return ig_err_set(err, IG_E_INTERNAL, NULL, "not called");
}

static ig_step
fake_parse(ig_call *call, const ig_http_resp *resp, ig_http_req *next, ig_err *err)
{
	(void)call;
	(void)resp;
	(void)next;
	ig_err_set(err, IG_E_INTERNAL, NULL, "not called");
	return IG_STEP_FAIL;
}

static const ig_provider_ops fake = {
	.name = "fakeprov",
	.display_name = "A fake provider",
	.default_base_url = "https://api.fake.example",
	.models = fake_models,
	.caps = { .max_side = 2048, .max_images = 2, .latency_s = 3 },
	.key = { .required = 1, .prefixes = fake_key_prefixes, .probe_path = "/v9/me",
	    .header = "X-Fake-Key" },
	.settings = { .prefix = "IG_FAKEPROV", .base_url_var = "IG_FAKEPROV_BASE_URL",
	    .api_key_var = "IG_FAKEPROV_API_KEY", .delivery_hosts = ".files.fake.example" },
	.build = fake_build,
	.parse = fake_parse,
};

static void
setup(void)
{
	ck_assert_ptr_null(ig_provider_find("fakeprov"));
	ck_assert_int_eq(ig_provider_register(&fake), 0);
}

static void
teardown(void)
{
	ig_provider_unregister("fakeprov");
}

/* A request with body (copied: the key handler wipes the body it read). */
static ig_req
body_req(const char *body)
{
	static char copy[512];
	ig_req r;

	memset(&r, 0, sizeof(r));
	r.method = "PUT";
	r.content_type = "application/json";
	snprintf(copy, sizeof(copy), "%s", body);
	r.body = copy;
	r.body_len = strlen(copy);
	snprintf(r.caller.user_id, sizeof(r.caller.user_id), "00000000-0000-0000-0000-000000000001");
	r.caller.authenticated = 1;
	return r;
}

START_TEST(table_and_names)
{
	char names[256];

	ck_assert_ptr_eq(ig_provider_find("fakeprov"), &fake);
	ck_assert_int_eq(ig_provider_register(&fake), -1); /* a name once */
	ck_assert_str_eq(ig_provider_names(names, sizeof(names), 0),
	    "gemini, openai, stability, huggingface, replicate, local_ai, builtin, fakeprov");
	ck_assert_str_eq(ig_provider_names(names, sizeof(names), 1),
	    "gemini, openai, stability, huggingface, replicate, local_ai, fakeprov");
	ck_assert(ig_provider_takes_key(&fake));
	ig_provider_unregister("fakeprov");
	ck_assert_str_eq(ig_provider_names(names, sizeof(names), 0),
	    "gemini, openai, stability, huggingface, replicate, local_ai, builtin");
	ck_assert_ptr_null(ig_provider_find("fakeprov"));
	ck_assert_int_eq(ig_provider_register(&fake), 0);
}
END_TEST

/* GET /v1/models lists the fake's models as fakeprov/<id>. */
START_TEST(v1_models)
{
	ig_req r = body_req("");
	json_object *out = NULL, *data;
	ig_err err = { 0 };
	int seen = 0;

	ck_assert_int_eq(ig_api_v1_models(&r, &out, &err), 200);
	ck_assert(json_object_object_get_ex(out, "data", &data));
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		json_object *e = json_object_array_get_idx(data, i), *id, *owner;
		ck_assert(json_object_object_get_ex(e, "id", &id));
		ck_assert(json_object_object_get_ex(e, "owned_by", &owner));
		if (strncmp(json_object_get_string(id), "fakeprov/", 9) == 0) {
			ck_assert_str_eq(json_object_get_string(owner), "fakeprov");
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	json_object_put(out);
}
END_TEST

/* GET /api/settings/api-providers lists the fake with its declared models
 * and facts, and its status from the outcomes the handler read. */
START_TEST(catalogue)
{
	ig_req r = body_req("");
	int has[IG_PROVIDERS_MAX] = { 0 }, used[IG_SK__MAX] = { 0 }, seen = 0;
	ig_job_outcome last[1];
	json_object *list;

	memset(last, 0, sizeof(last));
	snprintf(last[0].provider, sizeof(last[0].provider), "fakeprov");
	snprintf(last[0].status, sizeof(last[0].status), "failed");
	snprintf(last[0].error_code, sizeof(last[0].error_code), "provider_error");
	snprintf(last[0].finished_at, sizeof(last[0].finished_at), "2026-12-01T00:00:00.000Z");
	for (int i = 0; ig_providers[i] != NULL; i++)
		has[i] = strcmp(ig_providers[i]->name, "fakeprov") == 0;
	list = ig_catalogue_providers(&r, has, used, last, 1);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i), *v, *models, *st;
		ck_assert(json_object_object_get_ex(e, "name", &v));
		if (strcmp(json_object_get_string(v), "fakeprov") != 0)
			continue;
		seen++;
		ck_assert(json_object_object_get_ex(e, "display_name", &v));
		ck_assert_str_eq(json_object_get_string(v), "A fake provider");
		ck_assert(json_object_object_get_ex(e, "models", &models));
		ck_assert_int_eq((int)json_object_array_length(models), 2);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(models, 0), "id")),
		    "fake-1");
		ck_assert(json_object_get_boolean(json_object_object_get(e, "user_key")));
		ck_assert(json_object_get_boolean(json_object_object_get(e, "needs_key")));
		ck_assert(json_object_object_get_ex(e, "status", &st));
		ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "last_job")), "failed");
		ck_assert_str_eq(json_object_get_string(json_object_object_get(st, "last_error")), "provider_error");
	}
	ck_assert_int_eq(seen, 1);
	json_object_put(list);
}
END_TEST

/* api_provider "fakeprov" passes generate's checks with the fake's own
 * default model and bounds; an unknown one names the fake in the 400. */
START_TEST(generate_check)
{
	static const ig_gen_fields f = { "api_provider", "model", "image_size", "image_count" };
	ig_req r = body_req("");
	ig_gen g;
	ig_err err = { 0 };

	memset(&g, 0, sizeof(g));
	g.provider = "fakeprov";
	ck_assert_int_eq(ig_gen_check(&r, &g, NULL, "512x512", &f, &err), 0);
	ck_assert_ptr_eq(g.ops, &fake);
	ck_assert_str_eq(g.req.model, "fake-1");
	memset(&g, 0, sizeof(g));
	g.provider = "fakeprov";
	g.req.count = 3;
	ck_assert_int_eq(ig_gen_check(&r, &g, NULL, "512x512", &f, &err), -1);
	ck_assert_str_eq(err.field, "image_count");
	memset(&g, 0, sizeof(g));
	g.provider = "nosuch";
	ck_assert_int_eq(ig_gen_check(&r, &g, NULL, "512x512", &f, &err), -1);
	ck_assert_str_eq(err.field, "api_provider");
	ck_assert_str_eq(err.message, "api_provider must name one of gemini, openai, stability, huggingface, "
	    "replicate, local_ai, builtin, fakeprov");
}
END_TEST

/* handler refuses body naming field; the message is copied into msg. */
static void
refuses(ig_handler handler, const char *body, const char *field, char *msg, size_t len)
{
	ig_req r = body_req(body);
	json_object *out = NULL;
	ig_err err = { 0 };

	ck_assert_int_eq(handler(&r, &out, &err), -1);
	/* What the fields reader parsed stays on the request until the
	 * pipeline releases it; here, the test does. */
	ig_fields_release(&r);
	ck_assert_str_eq(err.field, field);
	snprintf(msg, len, "%s", err.message);
}

/* PUT /api/settings/user-preferences: default_provider "fakeprov" passes
 * (the bad theme after it is what is refused, before any query). */
START_TEST(preferences)
{
	char msg[256];

	refuses(ig_api_prefs_put, "{\"default_provider\": \"fakeprov\", \"theme\": \"purple\"}", "theme",
	    msg, sizeof(msg));
	refuses(ig_api_prefs_put, "{\"default_provider\": \"nosuch\"}", "default_provider", msg, sizeof(msg));
	ck_assert_str_eq(msg, "default_provider must be one of gemini, openai, stability, huggingface, "
	    "replicate, local_ai, builtin, fakeprov");
}
END_TEST

/* POST /api/keys/providers: provider "fakeprov" passes (the short api_key
 * after it is what is refused, before any query); builtin takes no key. */
START_TEST(stored_keys)
{
	char msg[256];

	refuses(ig_api_provider_key_add, "{\"provider\": \"fakeprov\", \"api_key\": \"short\"}", "api_key",
	    msg, sizeof(msg));
	refuses(ig_api_provider_key_add, "{\"provider\": \"builtin\", \"api_key\": \"short\"}", "provider",
	    msg, sizeof(msg));
	ck_assert_str_eq(msg, "provider must be one of gemini, openai, stability, huggingface, "
	    "replicate, local_ai, fakeprov");
}
END_TEST

/* The fake's settings are read under its own names; its delivery hosts
 * join its API host; its probe is the default one. */
START_TEST(settings_and_probe)
{
	char err[256];
	const ig_pconf *pc;
	ig_http_req h;

	setenv("IG_FAKEPROV_BASE_URL", "https://api.fake.example:8443/", 1);
	setenv("IG_FAKEPROV_API_KEY", "fk_0123456789", 1);
	setenv("IG_FAKEPROV_CONCURRENCY", "7", 1);
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), 0);
	pc = ig_pconf_get("fakeprov");
	ck_assert_ptr_nonnull(pc);
	ck_assert_str_eq(pc->base_url, "https://api.fake.example:8443");
	ck_assert_str_eq(pc->api_key, "fk_0123456789");
	ck_assert_int_eq(pc->concurrency, 7);
	ck_assert_str_eq(pc->download_hosts, "api.fake.example:8443,.files.fake.example");
	ck_assert(ig_pconf_download_allowed(pc, "https://eu.files.fake.example/x.png"));
	ck_assert(!ig_pconf_download_allowed(pc, "https://elsewhere.example/x.png"));
	setenv("IG_FAKEPROV_BASE_URL", "ftp://nope", 1);
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), -1);
	ck_assert_str_eq(err, "IG_FAKEPROV_BASE_URL: must be an http:// or https:// URL");
	unsetenv("IG_FAKEPROV_BASE_URL");
	unsetenv("IG_FAKEPROV_API_KEY");
	unsetenv("IG_FAKEPROV_CONCURRENCY");
	ck_assert_int_eq(ig_pconf_load(err, sizeof(err)), 0);

	ck_assert_int_eq(ig_provider_probe(&fake, "https://api.fake.example/", "fk_abcdefgh", &h), 0);
	ck_assert_str_eq(h.method, "GET");
	ck_assert_str_eq(h.url, "https://api.fake.example/v9/me");
	ck_assert_int_eq(h.nheaders, 1);
	ck_assert_str_eq(h.headers[0], "X-Fake-Key: fk_abcdefgh");
	ig_http_req_free(&h);
	ck_assert_int_eq(ig_provider_probe(ig_provider_find("builtin"), "", NULL, &h), -1);
}
END_TEST

/* A word shaped like the fake's keys is scrubbed from provider error text,
 * whichever provider's answer carries it. */
START_TEST(key_scrubbing)
{
	ig_call call;
	ig_http_resp resp;
	ig_err err = { 0 };

	memset(&call, 0, sizeof(call));
	memset(&resp, 0, sizeof(resp));
	resp.status = 400;
	ck_assert(ig_provider_looks_like_key("fk_secretvalue"));
	ck_assert(ig_provider_looks_like_key("sk-secretvalue"));
	ck_assert(!ig_provider_looks_like_key("fkz"));
	ck_assert_int_eq(ig_provider_http_error(&call, &resp, 0, "bad key fk_secretvalue here", &err), IG_STEP_FAIL);
	ck_assert_ptr_null(strstr(err.message, "fk_secret"));
	ck_assert_ptr_nonnull(strstr(err.message, "[redacted]"));
	ig_provider_unregister("fakeprov");
	ck_assert(!ig_provider_looks_like_key("fk_secretvalue"));
	ck_assert_int_eq(ig_provider_register(&fake), 0);
}
END_TEST

/* The assistant's chat wire code lives in the adapters: OpenAI's Chat
 * Completions and Gemini's generateContent, built from the same turns. */
static const ig_chat_turn chat_turns[] = {
	{ "user", "a cat" },
	{ "assistant", "Prompt: a cat on a mat" },
	{ "user", "more light" },
};

/* What ops's chat_parse reads in a 200 answer of body (caller frees). */
static char *
chat_reply(const ig_provider_ops *ops, const char *body)
{
	ig_http_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.body = body;
	resp.len = strlen(body);
	return ops->chat.parse(&resp);
}

/* The string at o[i].key of an array o. */
static const char *
at(json_object *o, size_t i, const char *key)
{
	return json_object_get_string(json_object_object_get(json_object_array_get_idx(o, i), key));
}

START_TEST(chat_openai)
{
	const ig_provider_ops *oa = ig_provider_find("openai");
	ig_http_req h;
	json_object *b, *msgs;
	const char *ok = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Prompt: bright\"}}]}";
	char *reply;

	ck_assert_int_eq(oa->chat.build("http://h:1", "sk-abcdefgh", "be brief", chat_turns, 3, &h), 0);
	ck_assert_str_eq(h.method, "POST");
	ck_assert_str_eq(h.url, "http://h:1/v1/chat/completions");
	ck_assert_str_eq(h.headers[0], "Authorization: Bearer sk-abcdefgh");
	ck_assert_str_eq(h.headers[1], "Content-Type: application/json");
	b = json_tokener_parse(h.body);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(b, "model")), "gpt-4o-mini");
	msgs = json_object_object_get(b, "messages");
	ck_assert_int_eq((int)json_object_array_length(msgs), 4);
	ck_assert_str_eq(at(msgs, 0, "role"), "system");
	ck_assert_str_eq(at(msgs, 0, "content"), "be brief");
	ck_assert_str_eq(at(msgs, 2, "role"), "assistant");
	ck_assert_str_eq(at(msgs, 3, "content"), "more light");
	json_object_put(b);
	ig_http_req_free(&h);

	reply = chat_reply(oa, ok);
	ck_assert_str_eq(reply, "Prompt: bright");
	free(reply);
	ck_assert_ptr_null(chat_reply(oa, "{\"choices\":[]}"));
	ck_assert_ptr_null(chat_reply(oa, "not json"));
}
END_TEST

START_TEST(chat_gemini)
{
	const ig_provider_ops *gm = ig_provider_find("gemini");
	ig_http_req h;
	json_object *b, *contents;
	const char *ok = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Prompt: \"},{\"text\":\"bright\"}]}}]}";
	char *reply;

	ck_assert_int_eq(gm->chat.build("http://h:1/", "AIzaabcdefgh", "be brief", chat_turns, 3, &h), 0);
	ck_assert_str_eq(h.method, "POST");
	ck_assert_str_eq(h.url, "http://h:1/v1beta/models/gemini-2.5-flash:generateContent");
	ck_assert_str_eq(h.headers[0], "x-goog-api-key: AIzaabcdefgh");
	b = json_tokener_parse(h.body);
	ck_assert_str_eq(at(json_object_object_get(json_object_object_get(b, "system_instruction"), "parts"), 0, "text"),
	    "be brief");
	contents = json_object_object_get(b, "contents");
	ck_assert_int_eq((int)json_object_array_length(contents), 3);
	ck_assert_str_eq(at(contents, 1, "role"), "model");
	ck_assert_str_eq(at(contents, 2, "role"), "user");
	json_object_put(b);
	ig_http_req_free(&h);

	reply = chat_reply(gm, ok);
	ck_assert_str_eq(reply, "Prompt: bright");
	free(reply);
	ck_assert_ptr_null(chat_reply(gm, "{\"candidates\":[]}"));
	ck_assert_ptr_null(chat_reply(gm, "not json"));
	/* Only these two chat, OpenAI first. */
	for (size_t i = 0; ig_providers[i] != NULL; i++)
		if (ig_providers[i] != gm && ig_providers[i] != ig_provider_find("openai"))
			ck_assert_ptr_null(ig_providers[i]->chat.build);
	ck_assert_int_lt(ig_provider_find("openai")->chat.order, gm->chat.order);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("fake provider");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, table_and_names);
	tcase_add_test(tc, v1_models);
	tcase_add_test(tc, catalogue);
	tcase_add_test(tc, generate_check);
	tcase_add_test(tc, preferences);
	tcase_add_test(tc, stored_keys);
	tcase_add_test(tc, settings_and_probe);
	tcase_add_test(tc, key_scrubbing);
	tcase_add_test(tc, chat_openai);
	tcase_add_test(tc, chat_gemini);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
