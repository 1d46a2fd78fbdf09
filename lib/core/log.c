/* log.c — see log.h. */
#include "ig_autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/log.h"
#include "lib/core/util.h"

static const char *const level_names[IG_LOG__MAX] = {
	"debug", "info", "warn", "error",
};

static ig_log_level min_level = IG_LOG_INFO;
static const char *program = "imagegen";
static __thread char request_id[65];

int
ig_log_level_parse(const char *s)
{
	for (int i = 0; i < IG_LOG__MAX; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void
ig_log_set_level(ig_log_level lvl)
{
	min_level = lvl;
}

void
ig_log_set_program(const char *name)
{
	program = name;
}

void
ig_log_set_request_id(const char *id)
{
	if (id == NULL) {
		request_id[0] = '\0';
		return;
	}
	snprintf(request_id, sizeof(request_id), "%s", id);
}

const char *
ig_log_request_id(void)
{
	return request_id[0] ? request_id : NULL;
}

void
ig_log(ig_log_level lvl, const char *event, json_object *fields)
{
	char ts[40];
	json_object *o;
	const char *line;
	size_t len;

	if (lvl < min_level || lvl >= IG_LOG__MAX) {
		json_object_put(fields);
		return;
	}
	ig_rfc3339_now(ts, sizeof(ts));
	o = json_object_new_object();
	json_object_object_add(o, "ts", json_object_new_string(ts));
	json_object_object_add(o, "level", json_object_new_string(level_names[lvl]));
	json_object_object_add(o, "event", json_object_new_string(event));
	json_object_object_add(o, "program", json_object_new_string(program));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	if (request_id[0])
		json_object_object_add(o, "request_id", json_object_new_string(request_id));
	if (fields != NULL) {
		json_object_object_foreach(fields, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_object_put(fields);
	}
	line = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	/* One write per line so lines from many threads never interleave. */
	{
		char *out = ig_xmalloc(len + 1);
		memcpy(out, line, len);
		out[len] = '\n';
		ssize_t w = write(STDERR_FILENO, out, len + 1);
		(void)w;
		free(out);
	}
	json_object_put(o);
}

void
ig_logf(ig_log_level lvl, const char *event, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	json_object *f;

	if (lvl < min_level)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	f = json_object_new_object();
	json_object_object_add(f, "msg", json_object_new_string(msg ? msg : "?"));
	free(msg);
	ig_log(lvl, event, f);
}
