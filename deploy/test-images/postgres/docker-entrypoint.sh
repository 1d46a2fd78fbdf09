#!/usr/bin/env bash
# docker-entrypoint.sh — the part of the official postgres image's entrypoint
# that docker-compose.yml relies on, rewritten for the test stand-in:
#   - started as root: make $PGDATA and the socket directory the postgres user's,
#     then run again as postgres;
#   - an empty $PGDATA: initdb with POSTGRES_USER as the superuser and
#     POSTGRES_PASSWORD as its password, create POSTGRES_DB (default: the user's
#     name) on a server listening on the unix socket only, and append
#     "host all all all scram-sha-256" to pg_hba.conf (TCP from other hosts needs
#     the password; initdb's own lines keep the local socket and loopback trusted);
#   - then exec the command (postgres).
# Not reproduced: /docker-entrypoint-initdb.d scripts, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD, the *_FILE secret variants.
set -Eeo pipefail

log() { printf 'docker-entrypoint: %s\n' "$*"; }

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$PGDATA" /var/run/postgresql
        chown postgres:postgres "$PGDATA" /var/run/postgresql
        chmod 0700 "$PGDATA"
        chmod 3777 /var/run/postgresql
        exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
    fi
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -z "${POSTGRES_PASSWORD:-}" ]; then
            log 'error: the database is uninitialized and POSTGRES_PASSWORD is not set' >&2
            exit 1
        fi
        POSTGRES_USER="${POSTGRES_USER:-postgres}"
        POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
        log "initialising $PGDATA (superuser $POSTGRES_USER, database $POSTGRES_DB)"
        initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
            -D "$PGDATA"
        printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
        pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
        if [ "$POSTGRES_DB" != postgres ]; then
            psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc \
                --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
        fi
        pg_ctl -D "$PGDATA" -m fast -w stop
        log 'PostgreSQL init process complete; ready for start up.'
    else
        log "$PGDATA holds a database; skipping initialisation"
    fi
fi

exec "$@"
