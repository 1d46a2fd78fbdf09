/* page.c — see page.h. */
#include "ig_autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/auth/token.h"
#include "lib/core/config.h"
#include "lib/core/util.h"
#include "lib/db/db.h"
#include "lib/db/page.h"

#define PAIR_MAX (2 * IG_PAGE_PART_MAX)

/* HMAC-SHA256 over "scope|key\nid", under a key of its own derived from
 * IG_SECRET_KEY (a cursor can never pass for a ticket or a token). */
static void
mac(const char *scope, const unsigned char *pair, size_t n, unsigned char out[crypto_auth_hmacsha256_BYTES])
{
	const ig_config *c = ig_cfg();
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	crypto_auth_hmacsha256_state st;

	crypto_generichash(key, sizeof(key), (const unsigned char *)"imagegen page cursor v1", 23,
	    c->secret_key, sizeof(c->secret_key));
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)scope, strlen(scope));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"|", 1);
	crypto_auth_hmacsha256_update(&st, pair, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(key, sizeof(key));
}

int
ig_page_cursor(const char *scope, const char *key, const char *id, char out[IG_PAGE_CURSOR_MAX])
{
	unsigned char pair[PAIR_MAX], m[crypto_auth_hmacsha256_BYTES];
	size_t kl = strlen(key), il = strlen(id), n = kl + 1 + il, len;

	if (kl >= IG_PAGE_PART_MAX || il >= IG_PAGE_PART_MAX)
		return -1;
	memcpy(pair, key, kl);
	pair[kl] = '\n';
	memcpy(pair + kl + 1, id, il);
	mac(scope, pair, n, m);
	ig_b64url_encode(pair, n, out);
	len = strlen(out);
	out[len++] = '.';
	ig_b64url_encode(m, sizeof(m), out + len);
	return 0;
}

static int
bad(ig_err *err)
{
	return ig_err_set(err, IG_E_INVALID_REQUEST, "cursor", "cursor must be the next_cursor of the previous page");
}

int
ig_page_open(ig_page *pg, const char *scope, int limit, const char *cursor, ig_err *err)
{
	unsigned char pair[PAIR_MAX + 1], m[crypto_auth_hmacsha256_BYTES], want[crypto_auth_hmacsha256_BYTES];
	const char *dot, *nl;
	int n;

	memset(pg, 0, sizeof(*pg));
	pg->limit = limit;
	snprintf(pg->limit_plus_one, sizeof(pg->limit_plus_one), "%d", limit + 1);
	if (cursor == NULL || *cursor == '\0')
		return 0;
	if (strlen(cursor) >= IG_PAGE_CURSOR_MAX || (dot = strchr(cursor, '.')) == NULL)
		return bad(err);
	n = ig_b64url_decode(cursor, (size_t)(dot - cursor), pair, PAIR_MAX);
	if (n < 2 || ig_b64url_decode(dot + 1, strlen(dot + 1), m, sizeof(m)) != (int)sizeof(m))
		return bad(err);
	mac(scope, pair, (size_t)n, want);
	if (sodium_memcmp(m, want, sizeof(m)) != 0)
		return bad(err);
	pair[n] = '\0';
	if (memchr(pair, '\0', (size_t)n) != NULL || (nl = strchr((char *)pair, '\n')) == NULL)
		return bad(err);
	if ((size_t)(nl - (char *)pair) >= sizeof(pg->after_key) || strlen(nl + 1) >= sizeof(pg->after_id))
		return bad(err);
	memcpy(pg->after_key, pair, (size_t)(nl - (char *)pair));
	pg->after_key[nl - (char *)pair] = '\0';
	strcpy(pg->after_id, nl + 1);
	pg->has_after = 1;
	return 0;
}

char *
ig_page_next(const ig_page *pg, const char *scope, int nrows, const char *key, const char *id)
{
	char c[IG_PAGE_CURSOR_MAX];

	if (nrows <= pg->limit || ig_page_cursor(scope, key, id, c) != 0)
		return NULL;
	return ig_xstrdup(c);
}

json_object *
ig_page_run(const ig_page *pg, const char *scope, const char *sql, int nparams,
    const char *const *params, json_object *(*row)(PGresult *r, int i), int key_col, int id_col,
    char **next_cursor, ig_err *err)
{
	PGresult *r;
	json_object *list;
	int n;

	*next_cursor = NULL;
	r = ig_db_exec(sql, nparams, params, IG_DB_IDEMPOTENT, err);
	if (r == NULL)
		return NULL;
	list = json_object_new_array();
	n = PQntuples(r);
	for (int i = 0; i < n && i < pg->limit; i++)
		json_object_array_add(list, row(r, i));
	if (n > pg->limit)
		*next_cursor = ig_page_next(pg, scope, n, PQgetvalue(r, pg->limit - 1, key_col),
		    PQgetvalue(r, pg->limit - 1, id_col));
	PQclear(r);
	return list;
}

json_object *
ig_page_run_of(const ig_page *pg, const char *scope, const char *sql, const char *owner_id,
    json_object *(*row)(PGresult *r, int i), int key_col, int id_col, char **next_cursor, ig_err *err)
{
	const char *p[4] = { owner_id, pg->has_after ? pg->after_key : NULL, pg->has_after ? pg->after_id : NULL,
		pg->limit_plus_one };

	return ig_page_run(pg, scope, sql, 4, p, row, key_col, id_col, next_cursor, err);
}

json_object *
ig_page_row_json(PGresult *r, int i, const ig_page_field *fields, size_t n)
{
	json_object *o = json_object_new_object(), *v;

	for (size_t k = 0; k < n; k++) {
		const ig_page_field *f = &fields[k];
		const char *text = PQgetvalue(r, i, f->col);

		switch (f->how) {
		case IG_PAGE_STR:
			v = json_object_new_string(text);
			break;
		case IG_PAGE_STR_OR_NULL:
			v = PQgetisnull(r, i, f->col) ? NULL : json_object_new_string(text);
			break;
		case IG_PAGE_NONEMPTY:
			v = *text != '\0' ? json_object_new_string(text) : NULL;
			break;
		case IG_PAGE_INT64:
			v = json_object_new_int64(strtoll(text, NULL, 10));
			break;
		case IG_PAGE_BOOL:
			v = json_object_new_boolean(strcmp(text, "t") == 0);
			break;
		case IG_PAGE_USER:
			v = NULL;
			if (*text != '\0') {
				v = json_object_new_object();
				json_object_object_add(v, "id", json_object_new_string(text));
				json_object_object_add(v, "username",
				    json_object_new_string(PQgetvalue(r, i, f->col + 1)));
			}
			break;
		default:
			v = NULL;
			break;
		}
		json_object_object_add(o, f->name, v);
	}
	return o;
}
