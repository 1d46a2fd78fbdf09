/*
 * library.h — the prompt library (table prompt_library, migration
 * 005_prompts.sql) and the observed generation times that estimates are
 * made from. The statements of this area live in library.c.
 */
#ifndef IG_PROMPTS_LIBRARY_H
#define IG_PROMPTS_LIBRARY_H

#include <libpq-fe.h>

#include "lib/core/error.h"

/* The categories and styles of the library, NULL-terminated. The
 * migration's CHECK constraints hold the same lists. */
extern const char *const ig_prompt_categories[];
extern const char *const ig_prompt_styles[];

/* 1 when name is in list (NULL-terminated). */
int ig_prompt_list_has(const char *const *list, const char *name);

/* Up to limit library prompts, in random order, filtered by category and
 * style (each NULL for any). Returns rows (prompt, category, style) that
 * the caller PQclear()s, or NULL with err. */
PGresult *ig_prompt_suggestions(const char *category, const char *style, int limit, ig_err *err);

/* A library prompt. */
typedef struct ig_prompt_entry {
	char *prompt;
	char *category;
	char *style;
} ig_prompt_entry;

/* ig_prompt_suggestions as structs: *out (free with ig_prompt_entries_free)
 * and *n. 0 or -1 with err. */
int ig_prompt_suggest(const char *category, const char *style, int limit, ig_prompt_entry **out, int *n,
    ig_err *err);
void ig_prompt_entries_free(ig_prompt_entry *e, int n);

/* How many of a user's latest jobs ig_prompt_recent looks through. */
#define IG_RECENT_JOBS_WINDOW 50

/*
 * The distinct prompts of user_id's latest IG_RECENT_JOBS_WINDOW generation
 * jobs (any outcome), newest first, at most limit of them: what the
 * assistant's general suggestions start from. Returns a NULL-terminated
 * array the caller frees with ig_prompt_list_free (an empty one when the
 * user has none), or NULL with err.
 */
char **ig_prompt_recent(const char *user_id, int limit, ig_err *err);
void ig_prompt_list_free(char **list);

/* How many recent succeeded jobs an estimate looks at, and how many it
 * needs before it trusts them over the declared latency. */
#define IG_ESTIMATE_WINDOW 200
#define IG_ESTIMATE_MIN_SAMPLES 5

/* Durations (finished_at − started_at) of the last IG_ESTIMATE_WINDOW
 * succeeded jobs of provider: how many there were and their 25th and 75th
 * percentiles in seconds (0 when none). 0, or -1 with err. */
int ig_provider_durations(const char *provider, int *samples, double *p25, double *p75, ig_err *err);

/*
 * The estimated range in whole seconds, lo < hi: from history when samples
 * reaches IG_ESTIMATE_MIN_SAMPLES (floor of p25 to ceil of p75), else from
 * the declared typical latency (half of it, at least 1, to double).
 * Returns 1 when the range is observed, 0 when declared.
 */
int ig_estimate_range(int samples, double p25, double p75, int typical_s, int *lo, int *hi);

#endif
