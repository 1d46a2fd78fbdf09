/*
 * test_keys.c — the exact answers of the key routes (API.md "Accounts and
 * keys") where they refuse: each bad field of POST /api/keys and POST
 * /api/keys/providers with its field and message word for word, the 404s
 * of a key that is not the caller's, the 401s of a malformed, unknown or
 * revoked personal key, and the catalogue's user_key. Pinned when the
 * handlers moved their SQL to lib/auth (issue 11) so the move could not
 * change them; test_accounts has the successful paths.
 *
 * Needs a live stack (tests/support/stack up DIR): IG_TEST_BASE_URL.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define IP "127.0.41.1"

static char *
user(void)
{
	return it_new_user("keys", IP, NULL);
}

/* A request and the refusal it must get, word for word. */
typedef struct refusal {
	const char *body;
	long status;
	const char *code, *field, *message;
} refusal;

static void
expect_refusals(const char *path, const char *bearer, const refusal *t)
{
	for (; t->body != NULL; t++) {
		it_resp r;
		json_object *o;

		it_json(&r, IP, "POST", path, bearer, "%s", t->body);
		it_expect_error(&r, t->status, t->code, t->field, &o);
		ck_assert_msg(strcmp(it_js(o, "error.message"), t->message) == 0, "%s %s: message %s, want %s",
		    path, t->body, it_js(o, "error.message"), t->message);
		json_object_put(o);
		it_resp_free(&r);
	}
}

/* POST path as bearer with body, which must answer 201: its parsed
 * answer (the caller puts it). */
static json_object *
created(const char *path, const char *bearer, const char *body)
{
	it_resp r;
	json_object *o;

	it_json(&r, IP, "POST", path, bearer, "%s", body);
	IT_EXPECT(&r, 201);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* A key made as tok with body has these scopes (a JSON array's text) and
 * an expiry or none. */
static void
key_scopes(const char *tok, const char *body, const char *scopes, int expires)
{
	json_object *o = created("/api/keys", tok, body);

	ck_assert_str_eq(json_object_to_json_string_ext(it_jneed(o, "scopes", json_type_array),
	    JSON_C_TO_STRING_PLAIN), scopes);
	ck_assert_int_eq(it_jpath(o, "expires_at") != NULL, expires);
	json_object_put(o);
}

#define SCOPES "scopes must be a non-empty array of read, generate, admin"

START_TEST(api_key_refusals_name_the_field_and_say_why)
{
	char *tok = user(), body[256];
	static const refusal t[] = {
		{ "{\"scopes\":[\"read\"]}", 400, "invalid_request", "name", "name is required" },
		{ "{\"name\":7}", 400, "invalid_request", "name", "name must be a string" },
		{ "{\"name\":\"\"}", 400, "invalid_request", "name", "name must be between 1 and 100 characters long" },
		{ "{\"name\":\"x\",\"scopes\":\"read\"}", 400, "invalid_request", "scopes", SCOPES },
		{ "{\"name\":\"x\",\"scopes\":[]}", 400, "invalid_request", "scopes", SCOPES },
		{ "{\"name\":\"x\",\"scopes\":[\"read\",\"generate\",\"admin\",\"read\"]}", 400, "invalid_request",
		  "scopes", SCOPES },
		{ "{\"name\":\"x\",\"scopes\":[\"root\"]}", 400, "invalid_request", "scopes", SCOPES },
		{ "{\"name\":\"x\",\"scopes\":[\"read\",5]}", 400, "invalid_request", "scopes", SCOPES },
		{ "{\"name\":\"x\",\"scopes\":[\"read\",\"admin\",\"read\"]}", 400, "invalid_request", "scopes",
		  "scope read is listed twice" },
		{ "{\"name\":\"x\",\"expires_in\":59}", 400, "invalid_request", "expires_in",
		  "expires_in must be between 60 and 31536000" },
		{ "{\"name\":\"x\",\"expires_in\":\"soon\"}", 400, "invalid_request", "expires_in",
		  "expires_in must be an integer" },
		{ "{\"name\":\"x\",\"owner\":\"y\"}", 400, "invalid_request", "owner", "unknown field owner" },
		{ NULL, 0, NULL, NULL, NULL }
	};
	refusal long_name[] = {
		{ body, 400, "invalid_request", "name", "name must be between 1 and 100 characters long" },
		{ NULL, 0, NULL, NULL, NULL }
	};

	expect_refusals("/api/keys", tok, t);
	/* 100 characters of two bytes each pass; 101 do not. */
	strcpy(body, "{\"name\":\"");
	for (int i = 0; i < 101; i++)
		strcat(body, "\xc3\xa9");
	strcat(body, "\"}");
	expect_refusals("/api/keys", tok, long_name);
	strcpy(body + strlen(body) - 4, "\"}");
	json_object_put(created("/api/keys", tok, body));
	/* null scopes are the default; given ones keep their order. */
	key_scopes(tok, "{\"name\":\"n\",\"scopes\":null}", "[\"read\",\"generate\"]", 0);
	key_scopes(tok, "{\"name\":\"n\",\"scopes\":[\"admin\",\"read\"],\"expires_in\":60}", "[\"admin\",\"read\"]", 1);
	free(tok);
}
END_TEST

START_TEST(provider_key_refusals_name_the_field_and_say_why)
{
	char *tok = user();
	static const refusal t[] = {
		{ "{\"api_key\":\"sk-abcdefgh\"}", 400, "invalid_request", "provider", "provider is required" },
		{ "{\"provider\":\"\",\"api_key\":\"sk-abcdefgh\"}", 400, "invalid_request", "provider",
		  "provider must be between 1 and 32 characters long" },
		{ "{\"provider\":\"openai\"}", 400, "invalid_request", "api_key", "api_key is required" },
		{ "{\"provider\":\"openai\",\"api_key\":\"sk-abcdefgh\",\"name\":\"\"}", 400, "invalid_request", "name",
		  "name must be between 1 and 100 characters long" },
		{ "{\"provider\":\"openai\",\"api_key\":\"sk-abcdefgh\",\"label\":\"x\"}", 400, "invalid_request", "label",
		  "unknown field label" },
		{ NULL, 0, NULL, NULL, NULL }
	};
	it_resp r;
	json_object *o;

	expect_refusals("/api/keys/providers", tok, t);
	/* The messages that come from the registry and the key check: the
	 * field named, whatever the wording. */
	it_json(&r, IP, "POST", "/api/keys/providers", tok, "{\"provider\":\"builtin\",\"api_key\":\"sk-abcdefgh\"}");
	it_expect_error(&r, 400, "invalid_request", "provider", &o);
	ck_assert(strncmp(it_js(o, "error.message"), "provider must be one of ", 24) == 0);
	ck_assert(strstr(it_js(o, "error.message"), "builtin") == NULL);
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, IP, "POST", "/api/keys/providers", tok, "{\"provider\":\"openai\",\"api_key\":\"sk abcdefgh\"}");
	it_expect_error(&r, 400, "invalid_request", "api_key", NULL);
	it_resp_free(&r);
	free(tok);
}
END_TEST

/* The key routes answer 404 for an id that is not a uuid, that names no
 * key, or that names someone else's. */
START_TEST(other_users_keys_are_not_found)
{
	char *a = user(), *b = user(), path[128], id[64], pid[64];
	const char *paths[] = { "/api/keys/%s", "/api/keys/providers/%s", NULL };
	it_resp r;
	json_object *o;

	o = created("/api/keys", a, "{\"name\":\"mine\"}");
	snprintf(id, sizeof(id), "%s", it_js(o, "id"));
	json_object_put(o);
	o = created("/api/keys/providers", a, "{\"provider\":\"openai\",\"api_key\":\"sk-abcdefgh1234\"}");
	snprintf(pid, sizeof(pid), "%s", it_js(o, "provider_key.id"));
	ck_assert_str_eq(it_js(o, "provider_key.last4"), "1234");
	ck_assert_str_eq(it_js(o, "provider_key.name"), "openai");
	json_object_put(o);
	for (int i = 0; paths[i] != NULL; i++) {
		const char *ids[] = { "not-a-uuid", "00000000-0000-0000-0000-000000000000", i ? pid : id, NULL };
		for (int j = 0; ids[j] != NULL; j++) {
			snprintf(path, sizeof(path), paths[i], ids[j]);
			it_json(&r, IP, "DELETE", path, b, NULL);
			it_expect_error(&r, 404, "not_found", NULL, &o);
			ck_assert_str_eq(it_js(o, "error.message"), "no such key");
			json_object_put(o);
			it_resp_free(&r);
		}
	}
	snprintf(path, sizeof(path), "/api/keys/providers/%s/test", pid);
	it_json(&r, IP, "POST", path, b, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	it_json(&r, IP, "POST", "/api/keys/providers/nope/test", a, NULL);
	it_expect_error(&r, 404, "not_found", NULL, NULL);
	it_resp_free(&r);
	/* Still there for its owner. */
	it_json(&r, IP, "GET", "/api/keys", a, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	ck_assert_int_eq(json_object_array_length(it_jneed(o, "api_keys", json_type_array)), 1);
	ck_assert_int_eq(json_object_array_length(it_jneed(o, "provider_keys", json_type_array)), 1);
	json_object_put(o);
	it_resp_free(&r);
	free(a);
	free(b);
}
END_TEST

/* A personal key: malformed, unknown and revoked ones are refused with
 * their own words; a working one is its owner. */
START_TEST(personal_key_401s_say_why)
{
	char *tok = user(), key[64], id[64], path[128];
	it_resp r;
	json_object *o;

	it_json(&r, IP, "GET", "/api/user", "ig_short", NULL);
	it_expect_error(&r, 401, "unauthorized", NULL, &o);
	ck_assert_str_eq(it_js(o, "error.message"), "invalid API key");
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, IP, "GET", "/api/user", "ig_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
	it_expect_error(&r, 401, "unauthorized", NULL, &o);
	ck_assert_str_eq(it_js(o, "error.message"), "invalid, expired or revoked API key");
	json_object_put(o);
	it_resp_free(&r);
	o = created("/api/keys", tok, "{\"name\":\"k\",\"scopes\":[\"read\"]}");
	snprintf(key, sizeof(key), "%s", it_js(o, "key"));
	snprintf(id, sizeof(id), "%s", it_js(o, "id"));
	json_object_put(o);
	it_resp_free(&r);
	it_json(&r, IP, "GET", "/api/user", key, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	/* The user object comes from the key's one query (req->user). */
	it_js(o, "user.username");
	ck_assert_str_eq(it_js(o, "user.role"), "user");
	ck_assert(strstr(it_js(o, "user.email"), "@example.test") != NULL);
	it_js(o, "user.created_at");
	json_object_put(o);
	it_resp_free(&r);
	/* A read key may not make keys. */
	it_json(&r, IP, "POST", "/api/keys", key, "{\"name\":\"k2\"}");
	it_expect_error(&r, 403, "forbidden", NULL, NULL);
	it_resp_free(&r);
	/* Its use is recorded. */
	it_json(&r, IP, "GET", "/api/keys", tok, NULL);
	o = it_json_body(&r);
	ck_assert_str_eq(it_js(o, "api_keys.0.id"), id);
	it_js(o, "api_keys.0.last_used_at");
	json_object_put(o);
	it_resp_free(&r);
	snprintf(path, sizeof(path), "/api/keys/%s", id);
	it_json(&r, IP, "DELETE", path, tok, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	it_json(&r, IP, "GET", "/api/user", key, NULL);
	it_expect_error(&r, 401, "unauthorized", NULL, &o);
	ck_assert_str_eq(it_js(o, "error.message"), "invalid, expired or revoked API key");
	json_object_put(o);
	it_resp_free(&r);
	free(tok);
}
END_TEST

/* The providers of the catalogue as bearer (NULL: anonymous) sees it;
 * the whole answer is in *o (the caller puts it). */
static json_object *
catalogue(const char *bearer, json_object **o)
{
	it_resp r;

	it_json(&r, IP, "GET", "/api/settings/api-providers", bearer, NULL);
	IT_EXPECT(&r, 200);
	*o = it_json_body(&r);
	it_resp_free(&r);
	return it_jneed(*o, "providers", json_type_array);
}

/* user_key in the catalogue: true where the caller stored a key, false
 * elsewhere, null without a caller. */
START_TEST(catalogue_user_key_follows_stored_keys)
{
	char *tok = user();
	json_object *o, *list;

	json_object_put(created("/api/keys/providers", tok, "{\"provider\":\"stability\",\"api_key\":\"sk-abcdefgh\"}"));
	list = catalogue(tok, &o);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		int mine = strcmp(it_js(e, "name"), "stability") == 0;
		ck_assert_int_eq(it_jbool(e, "user_key"), mine);
		if (mine)
			ck_assert_str_eq(it_js(e, "key_source"), "own");
	}
	json_object_put(o);
	list = catalogue(NULL, &o);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		ck_assert(it_jhas(json_object_array_get_idx(list, i), "user_key"));
		ck_assert(it_jpath(json_object_array_get_idx(list, i), "user_key") == NULL);
	}
	json_object_put(o);
	free(tok);
}
END_TEST

/* A key made as tok (POST path with body) and deleted again (DELETE
 * path/{the answer's idpath}): the answer of its making (caller puts). */
static json_object *
made_and_deleted(const char *tok, const char *path, const char *body, const char *idpath)
{
	json_object *o = created(path, tok, body);
	char del[256];
	it_resp r;

	snprintf(del, sizeof(del), "%s/%s", path, it_js(o, idpath));
	it_json(&r, IP, "DELETE", del, tok, NULL);
	IT_EXPECT(&r, 200);
	it_resp_free(&r);
	return o;
}

/* The first page of tok's activity (caller puts). */
static json_object *
activity(const char *tok)
{
	it_resp r;
	json_object *o;

	it_json(&r, IP, "GET", "/api/user/activity?limit=100", tok, NULL);
	IT_EXPECT(&r, 200);
	o = it_json_body(&r);
	it_resp_free(&r);
	return o;
}

/* The details of the newest event of kind in list (an activity page),
 * as plain JSON text, are want. */
static void
event_is(json_object *list, const char *kind, const char *want)
{
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		if (strcmp(it_js(e, "kind"), kind) != 0)
			continue;
		ck_assert_msg(strcmp(json_object_to_json_string_ext(it_jpath(e, "details"), JSON_C_TO_STRING_PLAIN),
		    want) == 0, "%s: details %s, want %s", kind,
		    json_object_to_json_string_ext(it_jpath(e, "details"), JSON_C_TO_STRING_PLAIN), want);
		return;
	}
	ck_abort_msg("no %s event", kind);
}

/* The caller's activity records of each key made or ended what names it
 * to its owner, exactly: a personal key's id, name and prefix, a stored
 * key's id and provider; never the secret or its last four. Pinned when
 * these details came to be declared beside the keys' answers (keys.c). */
START_TEST(key_events_name_the_key_and_nothing_secret)
{
	char *tok = user(), api[512], stored[512];
	json_object *o, *list;

	o = made_and_deleted(tok, "/api/keys", "{\"name\":\"for events\"}", "id");
	snprintf(api, sizeof(api), "{\"id\":\"%s\",\"name\":\"for events\",\"prefix\":\"%s\"}", it_js(o, "id"),
	    it_js(o, "prefix"));
	json_object_put(o);
	o = made_and_deleted(tok, "/api/keys/providers", "{\"provider\":\"openai\",\"api_key\":\"sk-events-00005678\"}",
	    "provider_key.id");
	snprintf(stored, sizeof(stored), "{\"id\":\"%s\",\"provider\":\"openai\"}", it_js(o, "provider_key.id"));
	json_object_put(o);

	o = activity(tok);
	list = it_jneed(o, "activity", json_type_array);
	event_is(list, "api_key_created", api);
	event_is(list, "api_key_revoked", api);
	event_is(list, "provider_key_added", stored);
	event_is(list, "provider_key_deleted", stored);
	json_object_put(o);
	free(tok);
}
END_TEST

IT_MAIN("keys", NULL,
    IT_TCASE("keys", 60, &api_key_refusals_name_the_field_and_say_why,
	&provider_key_refusals_name_the_field_and_say_why,
	&other_users_keys_are_not_found, &personal_key_401s_say_why, &catalogue_user_key_follows_stored_keys,
	&key_events_name_the_key_and_nothing_secret));
