/*
 * test_assistant.c — the assistant through nginx: the built-in engine's
 * answer, enhance and suggestions, and the LLM answer through the mock
 * providers (OpenAI's chat completions, Gemini's generateContent) with the
 * conversation carried across turns.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integration/itest.h"


static const char *
next_source(void)
{
	return it_source(180, 60, 200);
}

static char *
new_user(void)
{
	return it_new_user("as", next_source(), NULL);
}

static void
mock(const char *method, const char *path, const char *body, it_resp *r)
{
	char url[512];

	snprintf(url, sizeof(url), "%s%s", it_env("IG_MOCK_URL"), path);
	it_http_ex(url, method, "", body, body ? strlen(body) : 0,
	    (const char *const[]){ "Content-Type: application/json", NULL }, 10, r);
	ck_assert_int_eq(r->status, 200);
}

/* No key anywhere: the built-in engine answers, says so, and its answer is
 * computed from the prompt (what it names and lacks), with library prompts
 * in the preferred style. */
START_TEST(builtin_engine_answers_without_a_key)
{
	char *tok = new_user();
	it_resp r;
	json_object *o, *sp;
	const char *reply;

	it_json(&r, next_source(), "POST", "/api/assistant/chat", tok,
	    "{\"message\": \"a lighthouse on a cliff\", \"preferred_style\": \"watercolor\"}");
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "source", NULL), "builtin");
	reply = it_jstr(o, "reply", NULL);
	ck_assert_ptr_nonnull(strstr(reply, "lighthouse"));
	ck_assert_ptr_nonnull(strstr(reply, "Prompt: a lighthouse on a cliff, watercolor painting"));
	ck_assert(json_object_object_get_ex(o, "suggested_prompts", &sp));
	ck_assert_int_ge(json_object_array_length(sp), 1);
	ck_assert_int_eq(strlen(it_jstr(o, "conversation_id", NULL)), 36);
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, next_source(), "POST", "/api/assistant/chat", tok, "{\"message\": \"x\", \"preferred_style\": \"vaporwave\"}");
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "preferred_style");
	json_object_put(o);
	it_resp_free(&r);
	free(tok);
}
END_TEST

/* enhance adds what the analyzer finds missing and a negative prompt for
 * the style; suggestions name what is missing and give examples. */
START_TEST(enhance_and_suggestions)
{
	char *tok = new_user();
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "POST", "/api/assistant/enhance", tok, "{\"prompt\": \"a red fox\", \"style\": \"anime\"}");
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	ck_assert(strncmp(it_jstr(o, "enhanced_prompt", NULL), "a red fox, ", 11) == 0);
	ck_assert_ptr_nonnull(strstr(it_jstr(o, "enhanced_prompt", NULL), "anime style"));
	ck_assert_ptr_nonnull(strstr(it_jstr(o, "negative_prompt", NULL), "lowres"));
	ck_assert_int_ge(json_object_array_length(json_object_object_get(o, "changes")), 2);
	json_object_put(o);
	it_resp_free(&r);

	it_json(&r, next_source(), "GET", "/api/assistant/suggestions?prompt=a%20red%20fox&style=sketch", tok, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"kind\":\"missing_element\""));
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"kind\":\"example\""));
	it_resp_free(&r);
	free(tok);
}
END_TEST

/* The kinds of suggestions in o's list, comma-separated and wrapped in
 * commas (",recent,example,"), into out. */
static void
kinds(json_object *o, char *out, size_t len)
{
	json_object *list = json_object_object_get(o, "suggestions");

	snprintf(out, len, ",");
	ck_assert_msg(list != NULL && json_object_is_type(list, json_type_array), "no suggestions: %s",
	    json_object_to_json_string(o));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);
		ck_assert_msg(strlen(it_jstr(s, "text", NULL)) > 0, "empty text: %s", json_object_to_json_string(s));
		snprintf(out + strlen(out), len - strlen(out), "%s,", it_jstr(s, "kind", NULL));
	}
}

/*
 * Issue 10, item 7: the seed calls GET /api/assistant/suggestions with no
 * parameters, and it answered 400 ("prompt is required"). Without a prompt
 * it now answers general suggestions: library examples and a tip for a new
 * user; once the user has generated, their recent prompts come back with
 * what they lack added (based_on the prompt as sent); a style refines the
 * examples and the reworked prompts and adds the style's own words.
 */
START_TEST(suggestions_without_parameters_are_general)
{
	char *tok = new_user(), k[512], prompt[128];
	it_resp r;
	json_object *o, *list, *rec = NULL;

	it_json(&r, next_source(), "GET", "/api/assistant/suggestions", tok, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	kinds(o, k, sizeof(k));
	ck_assert_msg(strstr(k, ",example,") != NULL && strstr(k, ",tip,") != NULL, "kinds %s", k);
	ck_assert_msg(strstr(k, ",recent,") == NULL, "a new user has no recent prompts: %s", r.body.data);
	json_object_put(o);
	it_resp_free(&r);

	snprintf(prompt, sizeof(prompt), "a lighthouse %d", (int)getpid());
	it_json(&r, next_source(), "POST", "/api/generate-image", tok,
	    "{\"prompt\": \"%s\", \"api_provider\": \"builtin\", \"image_size\": \"512x512\"}", prompt);
	ck_assert_msg(r.status == 200, "generate: %ld %s", r.status, r.body.data);
	it_resp_free(&r);

	it_json(&r, next_source(), "GET", "/api/assistant/suggestions?style=anime", tok, NULL);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	kinds(o, k, sizeof(k));
	ck_assert_msg(strncmp(k, ",recent,style,", 14) == 0 && strstr(k, ",example,") != NULL, "kinds %s", k);
	list = json_object_object_get(o, "suggestions");
	rec = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(it_jstr(rec, "based_on", NULL), prompt);
	ck_assert_msg(strncmp(it_jstr(rec, "text", NULL), prompt, strlen(prompt)) == 0 &&
	    strstr(it_jstr(rec, "text", NULL), "anime style") != NULL, "recent: %s", r.body.data);
	ck_assert_ptr_nonnull(strstr(it_jstr(json_object_array_get_idx(list, 1), "text", NULL), "anime style"));
	json_object_put(o);
	it_resp_free(&r);

	/* Someone else's prompts are not mine. */
	{
		char *other = new_user();
		it_json(&r, next_source(), "GET", "/api/assistant/suggestions", other, NULL);
		ck_assert_msg(r.status == 200, "%s", r.body.data);
		ck_assert_msg(strstr(r.body.data, prompt) == NULL, "another user's prompt: %s", r.body.data);
		it_resp_free(&r);
		free(other);
	}

	it_json(&r, next_source(), "GET", "/api/assistant/suggestions?style=vaporwave", tok, NULL);
	ck_assert_int_eq(r.status, 400);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "error", "field"), "style");
	json_object_put(o);
	it_resp_free(&r);
	free(tok);
}
END_TEST

/* With a stored key the LLM answers (source names it) and the second turn
 * carries the first: the mock recorded both earlier messages. */
static void
llm_two_turns(const char *provider, const char *key, const char *mock_provider, const char *needle)
{
	char *tok = new_user(), conv[64];
	it_resp r;
	json_object *o;

	it_json(&r, next_source(), "POST", "/api/keys/providers", tok,
	    "{\"provider\": \"%s\", \"api_key\": \"%s\"}", provider, key);
	ck_assert_int_eq(r.status, 201);
	it_resp_free(&r);
	mock("POST", "/_control/reset", "{}", &r);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/assistant/chat", tok, "{\"message\": \"first turn about castles\"}");
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "source", NULL), provider);
	ck_assert(strlen(it_jstr(o, "reply", NULL)) > 0);
	snprintf(conv, sizeof(conv), "%s", it_jstr(o, "conversation_id", NULL));
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "POST", "/api/assistant/chat", tok,
	    "{\"message\": \"second turn\", \"conversation_id\": \"%s\"}", conv);
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	o = it_json_body(&r);
	ck_assert_str_eq(it_jstr(o, "conversation_id", NULL), conv);
	json_object_put(o);
	it_resp_free(&r);
	{
		char path[128];
		snprintf(path, sizeof(path), "/_control/requests?provider=%s", mock_provider);
		mock("GET", path, NULL, &r);
		/* The last request holds the first turn, its reply and the second. */
		const char *last = strstr(r.body.data, "second turn");
		ck_assert_ptr_nonnull(last);
		ck_assert_ptr_nonnull(strstr(r.body.data, needle));
		ck_assert_ptr_nonnull(strstr(r.body.data, key));
		it_resp_free(&r);
	}
	/* Another user's conversation id is not theirs to continue. */
	{
		char *other = new_user();
		it_json(&r, next_source(), "POST", "/api/assistant/chat", other,
		    "{\"message\": \"hijack\", \"conversation_id\": \"%s\"}", conv);
		ck_assert_int_eq(r.status, 404);
		it_resp_free(&r);
		free(other);
	}
	free(tok);
}

START_TEST(openai_answers_and_keeps_the_conversation)
{
	llm_two_turns("openai", "sk-good-assistant", "openai", "\"role\": \"assistant\"");
}
END_TEST

START_TEST(gemini_answers_and_keeps_the_conversation)
{
	llm_two_turns("gemini", "AIzagood-assistant", "gemini", "\"role\": \"model\"");
}
END_TEST

/* The provider catalogue says whether the caller has a stored key per
 * provider: null without a token, true only for the provider stored. */
START_TEST(catalogue_with_and_without_a_stored_key)
{
	char *tok = new_user();
	it_resp r;
	json_object *o, *list;
	int seen = 0;

	it_json(&r, next_source(), "POST", "/api/keys/providers", tok,
	    "{\"provider\": \"stability\", \"api_key\": \"sk-good-catalogue\"}");
	ck_assert_int_eq(r.status, 201);
	it_resp_free(&r);
	it_json(&r, next_source(), "GET", "/api/settings/api-providers", tok, NULL);
	ck_assert_int_eq(r.status, 200);
	o = it_json_body(&r);
	ck_assert(json_object_object_get_ex(o, "providers", &list));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *p = json_object_array_get_idx(list, i), *uk;
		const char *name = json_object_get_string(json_object_object_get(p, "name"));
		ck_assert(json_object_object_get_ex(p, "user_key", &uk) && json_object_is_type(uk, json_type_boolean));
		ck_assert_msg(json_object_get_boolean(uk) == (strcmp(name, "stability") == 0), "%s", name);
		seen++;
	}
	ck_assert_int_eq(seen, 7);
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, next_source(), "GET", "/api/settings/api-providers", NULL, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body.data, "\"user_key\":null"));
	it_resp_free(&r);
	free(tok);
}
END_TEST

IT_MAIN("assistant", NULL,
	IT_TCASE("assistant", 60,
	    &builtin_engine_answers_without_a_key,
	    &enhance_and_suggestions,
	    &suggestions_without_parameters_are_general,
	    &openai_answers_and_keeps_the_conversation,
	    &gemini_answers_and_keeps_the_conversation,
	    &catalogue_with_and_without_a_stored_key)
);
