/*
 * test_openapi.c — docs/openapi.json against the route table as it is
 * compiled now (ig_routes), so a route added without its documentation, or
 * a documented operation whose route was removed or renamed, fails `make
 * check`. Guards issue 6: "a test fails when a route in the route table is
 * missing from it or a documented path has no route". The seed system
 * published a description that listed endpoints it never served.
 */
#include "ig_autoconf.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "app/fcgi/routes.h"
#include "lib/providers/provider.h"
#include "tests/unit/ut.h"

#ifndef IG_SRCDIR
#define IG_SRCDIR "."
#endif

static const char *const http_methods[] = {
	"get", "put", "post", "delete", "options", "head", "patch", "trace", NULL,
};

static json_object *doc;

static void
load(void)
{
	doc = json_object_from_file(IG_SRCDIR "/docs/openapi.json");
	ck_assert_msg(doc != NULL, "%s/docs/openapi.json does not parse: %s", IG_SRCDIR,
	    json_util_get_last_err());
}

static void
unload(void)
{
	json_object_put(doc);
	doc = NULL;
}

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The operation object documenting route r, or NULL. */
static json_object *
operation(const ig_route *r)
{
	char lower[16];
	size_t i;

	for (i = 0; r->method[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)(r->method[i] | 0x20);
	lower[i] = '\0';
	return get(get(get(doc, "paths"), r->pattern), lower);
}

/* 1 when the table has a row for method (upper case; HEAD is GET) and
 * pattern. */
static int
routed(const char *method, const char *pattern)
{
	const char *want = strcasecmp(method, "head") == 0 ? "GET" : method;

	for (size_t i = 0; i < ig_nroutes; i++)
		if (strcasecmp(ig_routes[i].method, want) == 0 && strcmp(ig_routes[i].pattern, pattern) == 0)
			return 1;
	return 0;
}

START_TEST(document_header)
{
	json_object *info = get(doc, "info"), *bearer;

	ck_assert_str_eq(json_object_get_string(get(doc, "openapi")), "3.1.0");
	ck_assert_ptr_nonnull(info);
	ck_assert_str_eq(json_object_get_string(get(info, "title")), "imagegen");
	ck_assert_str_eq(json_object_get_string(get(info, "version")), "3.0");
	bearer = get(get(get(doc, "components"), "securitySchemes"), "bearer");
	ck_assert_str_eq(json_object_get_string(get(bearer, "type")), "http");
	ck_assert_str_eq(json_object_get_string(get(bearer, "scheme")), "bearer");
	ck_assert_ptr_nonnull(get(get(get(doc, "components"), "schemas"), "Error"));
}
END_TEST

/* Every row of the route table is documented, with responses, an x-access
 * matching its access column, and the security it needs. */
START_TEST(every_route_is_documented)
{
	int missing = 0;

	for (size_t i = 0; i < ig_nroutes; i++) {
		const ig_route *r = &ig_routes[i];
		json_object *op = operation(r), *sec;
		const char *access;

		if (op == NULL) {
			fprintf(stderr, "undocumented route: %s %s\n", r->method, r->pattern);
			missing++;
			continue;
		}
		ck_assert_msg(get(op, "summary") != NULL, "%s %s: no summary", r->method, r->pattern);
		ck_assert_msg(json_object_object_length(get(op, "responses")) > 0,
		    "%s %s: no responses", r->method, r->pattern);
		access = json_object_get_string(get(op, "x-access"));
		ck_assert_msg(access != NULL, "%s %s: no x-access", r->method, r->pattern);
		/* A public row may still be user-only in its handler (generate-image
		 * without IG_ALLOW_ANONYMOUS, batch events with a token or ticket). */
		if (r->access == IG_ACCESS_USER)
			ck_assert_msg(strcmp(access, "user") == 0, "%s %s: x-access %s, the table says user",
			    r->method, r->pattern, access);
		else if (r->access == IG_ACCESS_ADMIN)
			ck_assert_msg(strcmp(access, "admin") == 0, "%s %s: x-access %s, the table says admin",
			    r->method, r->pattern, access);
		sec = get(op, "security");
		ck_assert_msg(sec != NULL && json_object_is_type(sec, json_type_array),
		    "%s %s: no security array", r->method, r->pattern);
		if (strcmp(access, "public") == 0)
			ck_assert_msg(json_object_array_length(sec) == 0, "%s %s: public but security is not []",
			    r->method, r->pattern);
		else
			ck_assert_msg(json_object_array_length(sec) > 0, "%s %s: needs a token but security is []",
			    r->method, r->pattern);
	}
	ck_assert_msg(missing == 0, "%d route(s) of app/fcgi/routes.c missing from docs/openapi.json", missing);
}
END_TEST

/* Every documented operation has a route; the path's {params} are declared
 * as path parameters. */
START_TEST(every_documented_operation_is_routed)
{
	int stray = 0;

	json_object_object_foreach(get(doc, "paths"), path, item) {
		int ops = 0;

		for (int m = 0; http_methods[m]; m++) {
			json_object *op = get(item, http_methods[m]);
			if (op == NULL)
				continue;
			ops++;
			if (!routed(http_methods[m], path)) {
				fprintf(stderr, "documented but not routed: %s %s\n", http_methods[m], path);
				stray++;
			}
		}
		ck_assert_msg(ops > 0, "%s: a path with no operation", path);
	}
	ck_assert_msg(stray == 0, "%d documented operation(s) with no route", stray);
}
END_TEST

/* Each {name} of a pattern is a required path parameter of its operation
 * (declared on the operation or on the path item). */
static int
has_path_param(json_object *params, const char *name)
{
	size_t n = params ? json_object_array_length(params) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(params, i), *ref = get(p, "$ref");
		if (ref != NULL) {
			/* #/components/parameters/X */
			const char *s = json_object_get_string(ref), *last = strrchr(s, '/');
			p = get(get(get(doc, "components"), "parameters"), last ? last + 1 : s);
		}
		if (p && strcmp(json_object_get_string(get(p, "in")), "path") == 0 &&
		    strcmp(json_object_get_string(get(p, "name")), name) == 0)
			return 1;
	}
	return 0;
}

START_TEST(path_parameters_are_declared)
{
	for (size_t i = 0; i < ig_nroutes; i++) {
		const ig_route *r = &ig_routes[i];
		json_object *op = operation(r), *item = get(get(doc, "paths"), r->pattern);

		if (op == NULL)
			continue;
		for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
			char name[64];
			size_t len = strcspn(p + 1, "}");
			snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
			ck_assert_msg(has_path_param(get(op, "parameters"), name) ||
			    has_path_param(get(item, "parameters"), name),
			    "%s %s: path parameter %s not declared", r->method, r->pattern, name);
		}
	}
}
END_TEST

/* Walk every "$ref" and resolve it inside the document (JSON Pointer,
 * RFC 6901, local references only). */
static void
check_refs(json_object *o, int *bad)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			check_refs(json_object_array_get_idx(o, i), bad);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, v) {
		if (strcmp(key, "$ref") == 0 && json_object_is_type(v, json_type_string)) {
			const char *ref = json_object_get_string(v);
			json_object *at = doc;
			char seg[128];
			if (strncmp(ref, "#/", 2) != 0) {
				fprintf(stderr, "non-local $ref %s\n", ref);
				(*bad)++;
				continue;
			}
			for (const char *p = ref + 2; at && *p;) {
				size_t len = strcspn(p, "/");
				snprintf(seg, sizeof(seg), "%.*s", (int)len, p);
				at = get(at, seg);
				p += len + (p[len] == '/');
			}
			if (at == NULL) {
				fprintf(stderr, "unresolved $ref %s\n", ref);
				(*bad)++;
			}
		} else {
			check_refs(v, bad);
		}
	}
}

START_TEST(every_ref_resolves)
{
	int bad = 0;

	check_refs(doc, &bad);
	ck_assert_msg(bad == 0, "%d $ref(s) do not resolve", bad);
}
END_TEST

/* Issue 10: each route's body limit (the max_body column) is what the
 * document says: x-max-body absent for IG_BODY_SMALL (65536, stated in
 * PayloadTooLarge), "IG_MAX_BODY" for IG_BODY_FULL, else the bytes. */
START_TEST(body_limits_are_documented)
{
	const char *small = json_object_get_string(get(get(get(get(doc, "components"), "responses"),
	    "PayloadTooLarge"), "description"));
	char bytes[32];

	snprintf(bytes, sizeof(bytes), "%ld bytes", IG_BODY_SMALL);
	ck_assert_msg(small != NULL && strstr(small, bytes) != NULL,
	    "PayloadTooLarge does not say the default of %s", bytes);
	for (size_t i = 0; i < ig_nroutes; i++) {
		const ig_route *r = &ig_routes[i];
		json_object *op = operation(r), *mb = get(op, "x-max-body");

		if (op == NULL)
			continue;
		if (r->max_body == IG_BODY_SMALL)
			ck_assert_msg(mb == NULL, "%s %s: x-max-body %s, the table says the default",
			    r->method, r->pattern, json_object_get_string(mb));
		else if (r->max_body == IG_BODY_UPLOAD)
			ck_assert_msg(mb != NULL && json_object_is_type(mb, json_type_string) &&
			    strcmp(json_object_get_string(mb), "IG_MAX_UPLOAD") == 0,
			    "%s %s: x-max-body should be \"IG_MAX_UPLOAD\"", r->method, r->pattern);
		else if (r->max_body == IG_BODY_FULL)
			ck_assert_msg(mb != NULL && json_object_is_type(mb, json_type_string) &&
			    strcmp(json_object_get_string(mb), "IG_MAX_BODY") == 0,
			    "%s %s: x-max-body should be \"IG_MAX_BODY\"", r->method, r->pattern);
		else
			ck_assert_msg(mb != NULL && json_object_is_type(mb, json_type_int) &&
			    json_object_get_int64(mb) == r->max_body,
			    "%s %s: x-max-body should be %ld", r->method, r->pattern, r->max_body);
	}
}
END_TEST

/* Issue 10: the operations that hold a thread for long (the hold column)
 * say x-hold "long", and no other does. */
START_TEST(long_operations_are_documented)
{
	for (size_t i = 0; i < ig_nroutes; i++) {
		const ig_route *r = &ig_routes[i];
		json_object *op = operation(r), *h = get(op, "x-hold");
		int said = h != NULL && strcmp(json_object_get_string(h), "long") == 0;

		if (op == NULL)
			continue;
		ck_assert_msg(said == (r->hold == IG_HOLD_LONG) && (h == NULL || said),
		    "%s %s: x-hold %s, the table says %s", r->method, r->pattern,
		    h ? json_object_get_string(h) : "absent", r->hold == IG_HOLD_LONG ? "long" : "short");
	}
}
END_TEST

/* Issue 11: the document's provider enums are the registry's table, in
 * its order: every provider where one is named (api_provider,
 * default_provider, Provider.name), those that take a key where a key is
 * stored (provider), and the assistant's source: builtin, then the
 * providers with chat in their chat_order. Found by walking the document:
 * an enum under one of those property names that holds a registry name. */
static int
chat_source_enum_ok(json_object *e)
{
	size_t n = 0;
	int last = -1;

	if (json_object_array_length(e) < 1 ||
	    strcmp(json_object_get_string(json_object_array_get_idx(e, 0)), ig_provider_builtin.name) != 0)
		return 0;
	for (size_t i = 0; ig_providers[i] != NULL; i++)
		n += ig_providers[i]->chat.build != NULL;
	if (json_object_array_length(e) != n + 1)
		return 0;
	for (size_t i = 1; i < json_object_array_length(e); i++) {
		const ig_provider_ops *ops = ig_provider_find(json_object_get_string(json_object_array_get_idx(e, i)));
		if (ops == NULL || ops->chat.build == NULL || ops->chat.order <= last)
			return 0;
		last = ops->chat.order;
	}
	return 1;
}

static void
check_provider_enums(json_object *o, const char *key, int *checked, int *bad)
{
	json_object *e;

	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			check_provider_enums(json_object_array_get_idx(o, i), NULL, checked, bad);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	e = get(o, "enum");
	if (key != NULL && e != NULL && json_object_is_type(e, json_type_array) &&
	    json_object_array_length(e) > 0 &&
	    ig_provider_find(json_object_get_string(json_object_array_get_idx(e, 0))) != NULL) {
		int keyed = strcmp(key, "provider") == 0;
		size_t n = 0;
		if (strcmp(key, "source") == 0) {
			(*checked)++;
			if (!chat_source_enum_ok(e)) {
				fprintf(stderr, "source enum: not builtin and the chat providers in chat_order\n");
				(*bad)++;
			}
		} else if (keyed || strcmp(key, "api_provider") == 0 || strcmp(key, "default_provider") == 0 ||
		    strcmp(key, "name") == 0) {
			(*checked)++;
			for (size_t i = 0; ig_providers[i] != NULL; i++) {
				const char *want = ig_providers[i]->name;
				if (keyed && !ig_provider_takes_key(ig_providers[i]))
					continue;
				if (n >= json_object_array_length(e) ||
				    strcmp(json_object_get_string(json_object_array_get_idx(e, n)), want) != 0) {
					fprintf(stderr, "%s enum: %s missing or out of the registry's order\n", key, want);
					(*bad)++;
				}
				n++;
			}
			if (n != json_object_array_length(e)) {
				fprintf(stderr, "%s enum: %zu names, the registry has %zu\n", key,
				    json_object_array_length(e), n);
				(*bad)++;
			}
		}
	}
	json_object_object_foreach(o, k, v) {
		check_provider_enums(v, k, checked, bad);
	}
}

START_TEST(provider_enums_are_the_registry)
{
	int checked = 0, bad = 0;

	check_provider_enums(doc, NULL, &checked, &bad);
	printf("provider enums checked: %d\n", checked);
	ck_assert_int_ge(checked, 9);
	ck_assert_msg(bad == 0, "%d provider enum(s) differ from the registry", bad);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("openapi");
	TCase *tc = tcase_create("coverage");

	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, document_header);
	tcase_add_test(tc, every_route_is_documented);
	tcase_add_test(tc, every_documented_operation_is_routed);
	tcase_add_test(tc, path_parameters_are_declared);
	tcase_add_test(tc, every_ref_resolves);
	tcase_add_test(tc, body_limits_are_documented);
	tcase_add_test(tc, long_operations_are_documented);
	tcase_add_test(tc, provider_enums_are_the_registry);
	suite_add_tcase(s, tc);
	return s;
}

UT_MAIN(suite)
