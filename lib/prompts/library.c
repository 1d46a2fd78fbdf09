/* library.c — the prompt library and generation-time statistics; see
 * library.h. Every statement is parameterized. */
#include "ig_autoconf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/prompts/library.h"

/* Every statement of this module. */
#define STATEMENTS(X) \
	X(SQL_SUGGESTIONS, \
	    "SELECT prompt, category, style FROM prompt_library" \
	    " WHERE ($1::text IS NULL OR category = $1) AND ($2::text IS NULL OR style = $2)" \
	    " ORDER BY random() LIMIT $3::int") \
	/* The window first (jobs_user_idx), then distinct prompts by their \
	 * latest use: a user with many jobs costs no more than one with 50. */ \
	X(SQL_RECENT, "SELECT prompt FROM (SELECT request->>'prompt' AS prompt, created_at FROM jobs" \
	    "  WHERE user_id = $1::uuid ORDER BY created_at DESC LIMIT $2::int) recent" \
	    " WHERE prompt IS NOT NULL AND prompt <> ''" \
	    " GROUP BY prompt ORDER BY max(created_at) DESC LIMIT $3::int") \
	X(SQL_DURATIONS, "SELECT count(*)," \
	    " coalesce(percentile_cont(0.25) WITHIN GROUP (ORDER BY d), 0)," \
	    " coalesce(percentile_cont(0.75) WITHIN GROUP (ORDER BY d), 0)" \
	    " FROM (SELECT extract(epoch FROM finished_at - started_at)::float8 AS d FROM jobs" \
	    "  WHERE provider = $1 AND status = 'succeeded' AND started_at IS NOT NULL" \
	    "  AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT $2::int) recent")
IG_DB_STATEMENTS(STATEMENTS);

const char *const ig_prompt_categories[] = {
	"landscape", "portrait", "abstract", "architecture", "animals", "fantasy", "sci_fi",
	"product", "food", NULL
};

const char *const ig_prompt_styles[] = {
	"realistic", "anime", "oil_painting", "watercolor", "pixel_art", "cyberpunk",
	"3d_render", "sketch", NULL
};

int
ig_prompt_list_has(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

PGresult *
ig_prompt_suggestions(const char *category, const char *style, int limit, ig_err *err)
{
	char lim[16];
	const char *p[3] = { category, style, lim };

	snprintf(lim, sizeof(lim), "%d", limit);
	return ig_db_exec(sql[SQL_SUGGESTIONS], 3, p, IG_DB_IDEMPOTENT, err);
}

char **
ig_prompt_recent(const char *user_id, int limit, ig_err *err)
{
	char lim[16], win[16];
	const char *p[3] = { user_id, win, lim };
	PGresult *r;
	char **out;
	int n;

	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(win, sizeof(win), "%d", IG_RECENT_JOBS_WINDOW);
	r = ig_db_exec(sql[SQL_RECENT], 3, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return NULL;
	n = PQntuples(r);
	out = ig_xmalloc(((size_t)n + 1) * sizeof(*out));
	for (int i = 0; i < n; i++)
		out[i] = ig_xstrdup(PQgetvalue(r, i, 0));
	out[n] = NULL;
	PQclear(r);
	return out;
}

void
ig_prompt_list_free(char **list)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

int
ig_provider_durations(const char *provider, int *samples, double *p25, double *p75, ig_err *err)
{
	char win[16];
	const char *p[2] = { provider, win };
	PGresult *r;

	snprintf(win, sizeof(win), "%d", IG_ESTIMATE_WINDOW);
	r = ig_db_exec(sql[SQL_DURATIONS],
	    2, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	*samples = atoi(PQgetvalue(r, 0, 0));
	*p25 = strtod(PQgetvalue(r, 0, 1), NULL);
	*p75 = strtod(PQgetvalue(r, 0, 2), NULL);
	PQclear(r);
	return 0;
}

int
ig_estimate_range(int samples, double p25, double p75, int typical_s, int *lo, int *hi)
{
	if (samples >= IG_ESTIMATE_MIN_SAMPLES) {
		*lo = (int)floor(p25);
		*hi = (int)ceil(p75);
		if (*hi <= *lo)
			*hi = *lo + 1;
		return 1;
	}
	*lo = typical_s / 2 > 1 ? typical_s / 2 : 1;
	*hi = typical_s * 2 > *lo ? typical_s * 2 : *lo + 1;
	return 0;
}

static void
entry_row(PGresult *r, int i, void *elem)
{
	ig_prompt_entry *e = elem;

	e->prompt = ig_xstrdup(PQgetvalue(r, i, 0));
	e->category = ig_xstrdup(PQgetvalue(r, i, 1));
	e->style = ig_xstrdup(PQgetvalue(r, i, 2));
}

int
ig_prompt_suggest(const char *category, const char *style, int limit, ig_prompt_entry **out, int *n,
    ig_err *err)
{
	*out = ig_db_array(ig_prompt_suggestions(category, style, limit, err), sizeof(**out), entry_row, n);
	return *out != NULL ? 0 : -1;
}

void
ig_prompt_entries_free(ig_prompt_entry *e, int n)
{
	static const size_t strs[] = { IG_DB_STR(ig_prompt_entry, prompt), IG_DB_STR(ig_prompt_entry, category),
		IG_DB_STR(ig_prompt_entry, style), IG_DB_STRS_END };

	ig_db_array_free(e, n, sizeof(*e), strs);
}
