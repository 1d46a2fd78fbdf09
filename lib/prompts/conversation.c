/* conversation.c — see conversation.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/rows.h"
#include "lib/prompts/conversation.h"

/* Every statement of this module. */
#define STATEMENTS(X) \
	X(SQL_OWNED, "SELECT 1 FROM assistant_messages WHERE conversation_id = $1 AND user_id = $2 LIMIT 1") \
	X(SQL_HISTORY, "SELECT role, content FROM (SELECT id, role, content FROM assistant_messages" \
	    " WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2::int) t ORDER BY id") \
	X(SQL_APPEND, "INSERT INTO assistant_messages (conversation_id, user_id, role, content, source)" \
	    " VALUES ($1, $2, $3, $4, $5)")
IG_DB_STATEMENTS(STATEMENTS);

int
ig_conv_owned(const char *conv, const char *user_id, ig_err *err)
{
	return ig_db_any(sql[SQL_OWNED], IG_DB_ARGS(conv, user_id), IG_DB_IDEMPOTENT, err);
}

int
ig_conv_history(const char *conv, int limit, ig_conv_turn **out, int *n, ig_err *err)
{
	char lim[16];
	const char *p[2] = { conv, lim };
	PGresult *r;

	*out = NULL;
	*n = 0;
	snprintf(lim, sizeof(lim), "%d", limit);
	r = ig_db_exec(sql[SQL_HISTORY], 2, p, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return -1;
	*n = PQntuples(r);
	if (*n > 0)
		*out = ig_xcalloc((size_t)*n, sizeof(**out));
	for (int i = 0; i < *n; i++) {
		snprintf((*out)[i].role, sizeof((*out)[i].role), "%s", PQgetvalue(r, i, 0));
		(*out)[i].content = ig_xstrdup(PQgetvalue(r, i, 1));
	}
	PQclear(r);
	return 0;
}

void
ig_conv_turns_free(ig_conv_turn *t, int n)
{
	static const size_t strs[] = { IG_DB_STR(ig_conv_turn, content), IG_DB_STRS_END };

	ig_db_array_free(t, n, sizeof(*t), strs);
}

int
ig_conv_append(const char *conv, const char *user_id, const char *role, const char *content,
    const char *source, ig_err *err)
{
	return ig_db_run(sql[SQL_APPEND], IG_DB_ARGS(conv, user_id, role, content, source), 0, err);
}
