/* migrate.c — see migrate.h. */
#include "ig_autoconf.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/core/log.h"
#include "lib/core/util.h"
#include "lib/db/migrate.h"

/* pg_advisory_lock key: "imgmigr" as bytes; any constant unique to us. */
#define MIGRATE_LOCK_KEY "7596843418822004338"

static const char *const create_table_sql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static int
parse_name(const char *name, int *version)
{
	size_t n = strlen(name);

	if (n < 9 || n >= sizeof(((ig_migration *)0)->name))
		return -1;
	for (int i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	if (name[3] != '_' || strcmp(name + n - 4, ".sql") != 0)
		return -1;
	for (size_t i = 4; i < n - 4; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -1;
	}
	*version = (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
	return 0;
}

static int
cmp_migration(const void *a, const void *b)
{
	return ((const ig_migration *)a)->version - ((const ig_migration *)b)->version;
}

void
ig_migrations_free(ig_migration *m, int n)
{
	for (int i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

int
ig_migrations_list(const char *dir, ig_migration **out, ig_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	ig_migration *m = NULL;
	int n = 0;

	if (d == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot open migrations directory %s", dir);
	while ((e = readdir(d)) != NULL) {
		int v;
		if (parse_name(e->d_name, &v) != 0)
			continue;
		m = ig_xrealloc(m, sizeof(*m) * (size_t)(n + 1));
		m[n].version = v;
		snprintf(m[n].name, sizeof(m[n].name), "%s", e->d_name);
		m[n].path = ig_xasprintf("%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(m, (size_t)n, sizeof(*m), cmp_migration);
	for (int i = 1; i < n; i++) {
		if (m[i].version == m[i - 1].version) {
			ig_err_set(err, IG_E_INTERNAL, NULL, "two migrations share number %03d: %s and %s",
			    m[i].version, m[i - 1].name, m[i].name);
			ig_migrations_free(m, n);
			return -1;
		}
	}
	*out = m;
	return n;
}

/* Read a whole file into a NUL-terminated string; NULL on failure. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ig_buf b = { 0 };
	char chunk[8192];
	size_t r;

	if (f == NULL)
		return NULL;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ig_buf_append(&b, chunk, r);
	fclose(f);
	if (b.data == NULL)
		ig_buf_append(&b, "", 0);
	*len = b.len;
	return b.data;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Run sql (possibly several statements) and require success. */
static int
run(PGconn *c, const char *sql, int nparams, const char *const *params, ig_err *err, const char *what)
{
	PGresult *r = nparams ? PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		char msg[200];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		PQclear(r);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "%s: %s", what, msg);
	}
	PQclear(r);
	return 0;
}

/* Checksum recorded for version, or "" if not applied; -1 on error. */
static int
recorded(PGconn *c, int version, char out[65], ig_err *err)
{
	char v[16];
	const char *p[1] = { v };
	PGresult *r;

	snprintf(v, sizeof(v), "%d", version);
	r = PQexecParams(c, "SELECT checksum FROM schema_migrations WHERE version = $1",
	    1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot read schema_migrations");
	}
	snprintf(out, 65, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return 0;
}

static int
apply_one(PGconn *c, const ig_migration *m, int *applied, ig_err *err)
{
	size_t len;
	char *sql = read_file(m->path, &len);
	char sum[65], have[65], ver[16];
	const char *p[3] = { ver, m->name, sum };
	int rc = -1;

	if (sql == NULL)
		return ig_err_set(err, IG_E_INTERNAL, NULL, "cannot read %s", m->path);
	sha256_hex(sql, len, sum);
	snprintf(ver, sizeof(ver), "%d", m->version);
	if (recorded(c, m->version, have, err) != 0)
		goto out;
	if (have[0] != '\0') {
		if (strcmp(have, sum) != 0) {
			ig_err_set(err, IG_E_INTERNAL, NULL,
			    "migration %s changed after it was applied; add a new migration instead", m->name);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (run(c, "BEGIN", 0, NULL, err, "BEGIN") != 0)
		goto out;
	if (run(c, sql, 0, NULL, err, m->name) != 0 ||
	    run(c, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
		3, p, err, "record migration") != 0 ||
	    run(c, "COMMIT", 0, NULL, err, "COMMIT") != 0) {
		PQclear(PQexec(c, "ROLLBACK"));
		goto out;
	}
	ig_logf(IG_LOG_INFO, "migration_applied", "%s", m->name);
	(*applied)++;
	rc = 0;
out:
	free(sql);
	return rc;
}

int
ig_migrate(PGconn *c, const char *dir, int *applied, ig_err *err)
{
	ig_migration *m = NULL;
	const char *key[1] = { MIGRATE_LOCK_KEY };
	int n, rc = 0;

	*applied = 0;
	n = ig_migrations_list(dir, &m, err);
	if (n < 0)
		return -1;
	if (run(c, "SELECT pg_advisory_lock($1::bigint)", 1, key, err, "advisory lock") != 0) {
		ig_migrations_free(m, n);
		return -1;
	}
	if (run(c, create_table_sql, 0, NULL, err, "create schema_migrations") != 0)
		rc = -1;
	for (int i = 0; rc == 0 && i < n; i++)
		rc = apply_one(c, &m[i], applied, err);
	PQclear(PQexecParams(c, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, key, NULL, NULL, 0));
	ig_migrations_free(m, n);
	return rc;
}

int
ig_migrate_pending(PGconn *c, const char *dir, ig_err *err)
{
	ig_migration *m = NULL;
	PGresult *r;
	int n, pending = 0;

	n = ig_migrations_list(dir, &m, err);
	if (n < 0)
		return -1;
	r = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		ig_migrations_free(m, n);
		return ig_err_set(err, IG_E_UNAVAILABLE, NULL, "the database is unavailable");
	}
	if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		PQclear(r);
		ig_migrations_free(m, n);
		return n;
	}
	PQclear(r);
	for (int i = 0; i < n; i++) {
		char have[65];
		if (recorded(c, m[i].version, have, err) != 0) {
			ig_migrations_free(m, n);
			return -1;
		}
		if (have[0] == '\0')
			pending++;
	}
	ig_migrations_free(m, n);
	return pending;
}
