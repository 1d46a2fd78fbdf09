/*
 * log.h — structured logging: one JSON object per line on stderr, each with
 * the time, level, event name, process id and the calling thread's request id.
 * Secrets never go through here (STYLE.md 11): callers log names, not values.
 */
#ifndef IG_CORE_LOG_H
#define IG_CORE_LOG_H

#include <json-c/json.h>

typedef enum ig_log_level {
	IG_LOG_DEBUG,
	IG_LOG_INFO,
	IG_LOG_WARN,
	IG_LOG_ERROR,
	IG_LOG__MAX
} ig_log_level;

/* Parse "debug|info|warn|error"; -1 when unknown. */
int ig_log_level_parse(const char *s);
void ig_log_set_level(ig_log_level lvl);
/* The program name printed in every line ("imagegen-fcgi", "imagegen"). */
void ig_log_set_program(const char *name);
/* The request id of the current thread; NULL clears it. The string is
 * copied. */
void ig_log_set_request_id(const char *id);
const char *ig_log_request_id(void);

/* Log event with extra fields; takes ownership of fields (may be NULL). */
void ig_log(ig_log_level lvl, const char *event, json_object *fields);
/* Log event with a printf-formatted "msg". */
void ig_logf(ig_log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
