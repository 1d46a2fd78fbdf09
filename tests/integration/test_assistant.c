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
	static char ip[32];
	static int n;

	snprintf(ip, sizeof(ip), "127.%d.%d.%d", 180 + (int)(getpid() % 60), 200 + n / 250, 1 + n % 250);
	n++;
	return ip;
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
	it_json(&r, next_source(), "GET", "/api/assistant/suggestions", tok, NULL);
	ck_assert_int_eq(r.status, 400);
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

int
main(void)
{
	Suite *s = suite_create("assistant");
	TCase *tc = tcase_create("assistant");
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, builtin_engine_answers_without_a_key);
	tcase_add_test(tc, enhance_and_suggestions);
	tcase_add_test(tc, openai_answers_and_keeps_the_conversation);
	tcase_add_test(tc, gemini_answers_and_keeps_the_conversation);
	tcase_add_test(tc, catalogue_with_and_without_a_stored_key);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
