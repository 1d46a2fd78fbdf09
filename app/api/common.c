/* common.c — helpers shared by the handlers; see api.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "app/api/api.h"
#include "lib/auth/activity.h"
#include "lib/core/config.h"
#include "lib/core/json.h"
#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/store/image_store.h"

/* Arrays in request bodies: the largest any endpoint takes (batch prompts). */
#define BODY_MAX_ARRAY 1000

json_object *
ig_body_object(ig_req *req, const char *const *allowed, ig_err *err)
{
	json_object *o;

	if (req->content_type != NULL && *req->content_type != '\0' &&
	    strncasecmp(req->content_type, "application/json", 16) != 0) {
		ig_err_set(err, IG_E_UNSUPPORTED_MEDIA_TYPE, NULL, "the body must be application/json");
		return NULL;
	}
	o = ig_json_parse(req->body ? req->body : "", req->body_len, BODY_MAX_ARRAY, err);
	if (o == NULL)
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		ig_err_set(err, IG_E_INVALID_REQUEST, NULL, "the body must be a JSON object");
		return NULL;
	}
	if (allowed != NULL && ig_json_only_keys(o, allowed, err) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ig_query_param(const ig_req *req, const char *name, char *out, size_t outlen, ig_err *err)
{
	size_t nlen = strlen(name);

	for (const char *p = req->query; p && *p;) {
		size_t len = strcspn(p, "&");
		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t o = 0;
			for (size_t i = nlen + 1; i < len; i++) {
				char c = p[i];
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					int hi = i + 2 < len ? hexval(p[i + 1]) : -1, lo = i + 2 < len ? hexval(p[i + 2]) : -1;
					if (hi < 0 || lo < 0)
						return ig_err_set(err, IG_E_INVALID_REQUEST, name, "%s is not URL-encoded correctly", name);
					c = (char)(hi * 16 + lo);
					i += 2;
				}
				if (c == '\0' || o + 1 >= outlen)
					return ig_err_set(err, IG_E_INVALID_REQUEST, name, "%s is too long or holds a NUL", name);
				out[o++] = c;
			}
			out[o] = '\0';
			return 1;
		}
		p += len;
		p += *p == '&';
	}
	return 0;
}

int
ig_query_limit(const ig_req *req, int def, int max, int *out, ig_err *err)
{
	char buf[16];
	int64_t v;
	int rc = ig_query_param(req, "limit", buf, sizeof(buf), err);

	if (rc < 0)
		return -1;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	if (ig_parse_int64(buf, 1, max, &v) != 0)
		return ig_err_set(err, IG_E_INVALID_REQUEST, "limit", "limit must be an integer between 1 and %d", max);
	*out = (int)v;
	return 0;
}

/* Left for keys.c, catalogue.c and generate.c until their statements move
 * to lib/ (issue 11): goes with the last of them. */
json_object *
ig_ok(const char *key, json_object *value)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "success", json_object_new_boolean(1));
	if (key != NULL)
		json_object_object_add(o, key, value);
	return o;
}

json_object *
ig_ok_page(const char *key, json_object *list, char *next)
{
	json_object *o = ig_ok(key, list);

	json_object_object_add(o, "next_cursor", next != NULL ? json_object_new_string(next) : NULL);
	free(next);
	return o;
}

int
ig_ok_found(int found, const char *what, const char *key, json_object *value, json_object **out, ig_err *err)
{
	if (found <= 0) {
		json_object_put(value);
		return found < 0 ? IG_FAILED : ig_err_set(err, IG_E_NOT_FOUND, NULL, "no such %s", what);
	}
	*out = ig_ok(key, value);
	return 200;
}

json_object *
ig_out_json(const void *row, const ig_out *m)
{
	json_object *o = json_object_new_object();

	for (; m->name != NULL; m++) {
		const char *v = (const char *)row + m->at;
		json_object *a;
		char *words, *save;

		if (!m->csv) {
			json_object_object_add(o, m->name, *v ? json_object_new_string(v) : NULL);
			continue;
		}
		a = json_object_new_array();
		words = ig_xstrdup(v);
		for (char *t = strtok_r(words, ",", &save); t; t = strtok_r(NULL, ",", &save))
			json_object_array_add(a, json_object_new_string(t));
		free(words);
		json_object_object_add(o, m->name, a);
	}
	return o;
}

/* ig_activity and ig_activity_told: from ip, or NULL. */
static void
record_activity(const char *user_id, const char *kind, const char *ip, json_object *details)
{
	ig_err err;

	if (ig_activity_add(user_id, kind, ip,
		details ? json_object_to_json_string_ext(details, JSON_C_TO_STRING_PLAIN) : NULL, &err) != 0)
		ig_logf(IG_LOG_WARN, "activity_not_recorded", "%s: %s", kind, err.message);
	json_object_put(details);
}

void
ig_activity(ig_req *req, const char *user_id, const char *kind, json_object *details)
{
	record_activity(user_id, kind, req->remote_addr, details);
}

void
ig_activity_told(const char *user_id, const char *kind, json_object *details)
{
	record_activity(user_id, kind, NULL, details);
}

int
ig_is_uuid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hexval(s[i]) < 0) {
			return 0;
		}
	}
	return 1;
}

json_object *
ig_image_b64(const char *filename)
{
	unsigned char *buf = NULL;
	size_t len;
	json_object *o = NULL;
	ig_err err;

	if (ig_images_get(filename, IG_IMAGE_READ_MAX, &buf, &len, &err) == 1 && len > 0) {
		char *enc = ig_base64_encode(buf, len);
		o = json_object_new_string(enc);
		free(enc);
	}
	free(buf);
	return o;
}

/* 1 when s is an RFC 3339 date-time with plausible fields (PostgreSQL
 * parses it; this keeps a malformed one a 400 rather than a 500). */
int
ig_rfc3339_ok(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return 0;
	s += 19;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (strcmp(s, "Z") == 0)
		return 1;
	return (s[0] == '+' || s[0] == '-') && strlen(s) == 6 && s[3] == ':' &&
	    s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[4] >= '0' && s[4] <= '9' &&
	    s[5] >= '0' && s[5] <= '9';
}
