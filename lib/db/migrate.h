/*
 * migrate.h — schema migrations: sql/migrations/NNN_name.sql, applied in
 * order, each once, each in its own transaction, recorded with a checksum in
 * schema_migrations. A session advisory lock serialises concurrent runs, so
 * two processes starting together cannot both apply one migration.
 */
#ifndef IG_DB_MIGRATE_H
#define IG_DB_MIGRATE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "lib/core/error.h"

typedef struct ig_migration {
	int version;
	char name[128];     /* file name */
	char *path;
} ig_migration;

/* List the migration files of dir in version order into *out (caller frees
 * with ig_migrations_free). Files not named NNN_name.sql are ignored; two
 * files with the same number are an error. Returns the count, or -1 with
 * err. */
int ig_migrations_list(const char *dir, ig_migration **out, ig_err *err);
void ig_migrations_free(ig_migration *m, int n);

/* Apply every pending migration of dir on c. *applied gets the number
 * applied now. A recorded migration whose file changed since is an error.
 * Returns 0 or -1 with err. */
int ig_migrate(PGconn *c, const char *dir, int *applied, ig_err *err);

/* Count the migrations of dir not yet applied on c; -1 with err. */
int ig_migrate_pending(PGconn *c, const char *dir, ig_err *err);

#endif
