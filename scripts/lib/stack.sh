# shellcheck shell=bash
# imagegen — shared shell functions for scripts/run, scripts/stop, scripts/test,
# scripts/bench and tests/support/stack.
#
# A "stack" is one var directory ($IG_VAR_DIR) holding everything of one running
# instance: its PostgreSQL cluster (pg/), the FastCGI pool's socket and pid (run/),
# nginx's rendered config and temp files (nginx/), a self-signed certificate (tls/),
# logs (log/), generated images (images/) and the settings it was started with (env,
# mode 0600: it holds the stack's secrets). A test stack also runs an SMTP sink
# (tests/fixtures/smtp_sink.py) writing to mail/ and the mock providers
# (tests/fixtures/mock_providers.py); scripts/run keeps its generated secrets in
# secrets.env. Both start the job runner imagegen-worker when it is built.
# Every stop function acts on the pid files of one var directory only, so stacks
# never touch each other or a system nginx/PostgreSQL.
#
# Source this file; it defines functions and IG_REPO, and changes no shell options.

IG_REPO="${IG_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

# Packages (Debian 12 names). "a|b" means any one of them will do; the first is
# installed when none is. Used by the scripts that source this file.
# shellcheck disable=SC2034
IG_PKGS_BUILD=(build-essential autoconf automake libtool pkg-config
    libfcgi-dev libjson-c-dev libcurl4-openssl-dev libpq-dev libgd-dev libjwt-dev
    libargon2-dev libsodium-dev libssl-dev check libsubunit-dev)
# shellcheck disable=SC2034
IG_PKGS_STACK=(postgresql "nginx-light|nginx|nginx-core|nginx-full|nginx-extras"
    openssl python3 curl ca-certificates fonts-wqy-microhei)

ig_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ig_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Packages

# ig_pkg_installed NAME: true when the Debian package NAME is installed.
ig_pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# ig_install_packages SPEC...: install the packages that are missing, and only
# when some are (apt-get update first). SPEC is a package or "a|b|c" alternatives.
ig_install_packages() {
    local spec alt ok alts missing=()
    for spec in "$@"; do
        ok=0
        IFS='|' read -r -a alts <<<"$spec"
        for alt in "${alts[@]}"; do
            if ig_pkg_installed "$alt"; then ok=1; break; fi
        done
        if [ "$ok" = 0 ]; then missing+=("${alts[0]}"); fi
    done
    if [ "${#missing[@]}" = 0 ]; then
        return 0
    fi
    ig_log "installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            ig_die "missing packages (${missing[*]}) and not root; install them with apt-get"
        sudo=(sudo -n)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q </dev/null
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# ---------------------------------------------------------------------------
# Build

# ig_build BUILD_DIR [CONFIGURE_ARG...]: autoreconf when configure is missing or
# older than its inputs, configure out of tree in BUILD_DIR (again when the
# arguments changed), then make.
ig_build() {
    local build="$1"; shift
    local f regen=0
    if [ ! -x "$IG_REPO/configure" ]; then
        regen=1
    else
        for f in "$IG_REPO/configure.ac" "$IG_REPO/Makefile.am"; do
            if [ -e "$f" ] && [ "$f" -nt "$IG_REPO/configure" ]; then regen=1; fi
        done
    fi
    if [ "$regen" = 1 ]; then
        ig_log "autoreconf -fi in $IG_REPO"
        (cd "$IG_REPO" && autoreconf -fi)
    fi
    mkdir -p "$build"
    local args="$*"
    if [ ! -f "$build/Makefile" ] || [ "$(cat "$build/.ig-configure-args" 2>/dev/null)" != "$args" ]; then
        ig_log "configure $args (in $build)"
        (cd "$build" && "$IG_REPO/configure" "$@")
        printf '%s' "$args" >"$build/.ig-configure-args"
    fi
    ig_log "make in $build"
    make -C "$build" -j"${IG_MAKE_JOBS:-2}"
}

# ---------------------------------------------------------------------------
# Helpers

ig_pg_bindir() {
    if [ -n "${IG_PG_BIN:-}" ]; then
        printf '%s\n' "$IG_PG_BIN"
        return
    fi
    local d
    d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$d" ] || ig_die "PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)"
    printf '%s\n' "$d"
}

ig_is_root() { [ "$(id -u)" = 0 ]; }

# ig_as_pg CMD...: run CMD as the unprivileged postgres user when we are root
# (PostgreSQL refuses to run as root), else as ourselves.
ig_as_pg() {
    if ig_is_root; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# ig_free_port: print a TCP port on 127.0.0.1 that is free right now.
ig_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# ig_pid_of PIDFILE NAME: print the pid in PIDFILE when that process is alive and
# its command name contains NAME (so a recycled pid is never taken for ours).
ig_pid_of() {
    local file="$1" name="$2" pid comm
    [ -s "$file" ] || return 1
    pid="$(head -n 1 "$file" | tr -dc '0-9')"
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    comm="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    case "$comm" in
        *"$name"*) printf '%s\n' "$pid" ;;
        *) return 1 ;;
    esac
}

# ig_alive PID: PID runs and is not a zombie. A process that has exited stays
# a zombie until its parent reaps it; ours are orphans by then (the shell that
# started them has gone), and an init that reaps orphans only now and then (a
# container's, a sandbox's: seen 1-2 s) must not make every stop wait for it.
ig_alive() {
    local state=""
    kill -0 "$1" 2>/dev/null || return 1
    state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
    [ "$state" != Z ]
}

# ig_group_alive PGID: a process of process group PGID runs (zombies do not count).
ig_group_alive() {
    ps -e -o pgid=,stat= 2>/dev/null | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'
}

# ig_wait_gone PID SECONDS: wait until PID has exited; false on timeout.
ig_wait_gone() {
    local pid="$1" secs="$2" i=0
    while ig_alive "$pid"; do
        if [ "$i" -ge $((secs * 10)) ]; then return 1; fi
        sleep 0.1
        i=$((i + 1))
    done
}

# ig_check_traverse DIR USER: die with an explanation when USER cannot reach DIR
# (every parent needs the x bit for USER).
ig_check_traverse() {
    local dir="$1" user="$2" p
    ig_is_root || return 0
    id "$user" >/dev/null 2>&1 || return 0
    if runuser -u "$user" -- test -x "$dir" 2>/dev/null; then
        return 0
    fi
    p="$dir"
    while [ "$p" != / ]; do
        if ! runuser -u "$user" -- test -x "$p" 2>/dev/null && runuser -u "$user" -- test -x "$(dirname "$p")" 2>/dev/null; then
            break
        fi
        p="$(dirname "$p")"
    done
    ig_die "user '$user' cannot traverse '$p' (mode $(stat -c %A "$p")), so it cannot reach $dir.
  Started as root, nginx workers run as www-data, PostgreSQL as postgres and the app
  (imagegen-fcgi, imagegen-worker, imagegen) as ${IG_RUN_USER:-imagegen}; each needs the x bit on
  every directory above the paths it uses (the var dir; for the app also the repo and
  the build dir). Fix with: chmod o+x '$p'  (or set IG_VAR_DIR to a path under /srv
  or /tmp)."
}

# ---------------------------------------------------------------------------
# The app's own user. Started as root, the scripts run imagegen-fcgi,
# imagegen-worker and `imagegen migrate` as IG_RUN_USER (default imagegen), an
# unprivileged system user, as the container runs them (its user imagegen, uid
# 10001): a bug in a request handler or the runner then reaches only what that
# user may touch. It owns the image dir, may create its socket in the run dir
# (sticky, owned by root: root's pid files there stay out of its reach), is in
# IG_SOCKET_GROUP (the master gives the socket to that group, which only a member
# may do), and reads the repo and the build dir. Not root: the programs run as
# the caller and none of this applies.

# ig_app_user_ensure: create IG_RUN_USER when missing (a system user without
# home or login shell, with IG_SOCKET_GROUP as supplementary group) and add it
# to IG_SOCKET_GROUP when it exists without. No-op when not root.
ig_app_user_ensure() {
    local user group gid
    ig_is_root || return 0
    export IG_RUN_USER="${IG_RUN_USER:-imagegen}"
    user="$IG_RUN_USER"
    if [ "$(id -u "$user" 2>/dev/null)" = 0 ]; then ig_die "IG_RUN_USER must not be root"; fi
    group="${IG_SOCKET_GROUP:-www-data}"
    gid="$(getent group "$group" | cut -d: -f3)"
    if ! id "$user" >/dev/null 2>&1; then
        ig_log "creating system user $user${gid:+ (supplementary group $group)}"
        useradd --system --no-create-home --shell /usr/sbin/nologin \
            ${gid:+--groups "$gid"} "$user" ||
            ig_die "useradd $user failed"
    elif [ -n "$gid" ] && ! id -G "$user" | tr ' ' '\n' | grep -qx "$gid"; then
        ig_log "adding user $user to group $group (IG_SOCKET_GROUP)"
        usermod -a -G "$gid" "$user" || ig_die "usermod -a -G $group $user failed"
    fi
}

# ig_app_dirs VAR: give IG_RUN_USER what it needs in VAR and check that it
# reaches everything else it reads: the socket's directory (VAR/run: root-owned,
# group the user's, mode 1775), the image dir (owned by the user), the repo's
# migrations and openapi.json and the build's programs. Dies naming the
# directory in the way. No-op when not root.
ig_app_dirs() {
    local var="$1" user group sockdir
    ig_is_root || return 0
    ig_app_user_ensure
    user="$IG_RUN_USER"
    group="$(id -g "$user")"
    chown root:"$group" "$var/run"
    chmod 1775 "$var/run"
    chown "$user:$group" "$IG_IMAGE_DIR"
    # Stored files: the app's, readable by nginx's group only; setgid, so
    # the per-user directories the app makes (0750) are nginx's group too.
    chown "$user:www-data" "$IG_STORAGE_DIR"
    chmod 2750 "$IG_STORAGE_DIR"
    case "${IG_SOCKET:-}" in
        /*)
            sockdir="$(dirname "$IG_SOCKET")"
            ig_check_traverse "$sockdir" "$user"
            runuser -u "$user" -- test -w "$sockdir" ||
                ig_die "user $user cannot create the socket $IG_SOCKET: no write access to $sockdir"
            ;;
    esac
    ig_check_traverse "$IG_IMAGE_DIR" "$user"
    ig_check_traverse "$IG_STORAGE_DIR" "$user"
    ig_check_traverse "$IG_PROJECT_ROOT" "$user"
    ig_check_traverse "$IG_MIGRATIONS_DIR" "$user"
    ig_check_traverse "$(dirname "$IG_OPENAPI_PATH")" "$user"
    ig_check_traverse "$IG_BUILD_DIR/app" "$user"
    runuser -u "$user" -- test -r "$IG_MIGRATIONS_DIR" ||
        ig_die "user $user cannot read $IG_MIGRATIONS_DIR"
    runuser -u "$user" -- test -r "$IG_OPENAPI_PATH" ||
        ig_die "user $user cannot read $IG_OPENAPI_PATH"
}

# ig_app_exec CMD...: replace this shell by CMD, run as IG_RUN_USER (its uid, its
# primary group and its supplementary groups) when root, else as ourselves.
# setpriv (util-linux) changes the ids and execs, without forking: a pid taken
# of this shell (e.g. $! of a background subshell) is CMD's. The environment
# (the IG_* settings, the secrets) is passed on unchanged.
ig_app_exec() {
    if ig_is_root; then
        local user="${IG_RUN_USER:-imagegen}"
        id "$user" >/dev/null 2>&1 || ig_die "user $user does not exist (ig_app_user_ensure)"
        exec setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --init-groups -- "$@"
    fi
    exec "$@"
}

# ig_tail_logs VAR: print the end of every log of the stack (for failures).
ig_tail_logs() {
    local var="$1" f
    for f in "$var/log/fcgi.log" "$var/log/worker.log" "$var/log/nginx-error.log" \
        "$var/log/postgres.log" "$var/log/smtp.log" "$var/log/mock.log" "$var/log/webhook.log"; do
        [ -f "$f" ] || continue
        printf '\n----- last lines of %s -----\n' "$f" >&2
        tail -n "${IG_LOG_TAIL:-40}" "$f" >&2 || true
    done
}

# ---------------------------------------------------------------------------
# Secrets

# ig_random_hex BYTES: print BYTES random bytes from the kernel as lowercase hex.
ig_random_hex() {
    local hex
    hex="$(od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n')"
    [ "${#hex}" = $(($1 * 2)) ] || ig_die "could not read $1 random bytes from /dev/urandom"
    printf '%s\n' "$hex"
}

# ig_secrets_generate: export a fresh IG_JWT_SECRET (32 random bytes as 64 hex
# characters, used as the HS256 key as it is) and IG_SECRET_KEY (32 bytes as 64
# hex digits, the libsodium secretbox master key). Used by the test stack.
ig_secrets_generate() {
    IG_JWT_SECRET="$(ig_random_hex 32)"
    IG_SECRET_KEY="$(ig_random_hex 32)"
    export IG_JWT_SECRET IG_SECRET_KEY
}

# ig_secrets_check: die (naming the variable, never its value) when a secret is
# missing or malformed, before imagegen-fcgi would refuse it less helpfully.
ig_secrets_check() {
    [ "${#IG_JWT_SECRET}" -ge 32 ] || ig_die "IG_JWT_SECRET must be at least 32 bytes long"
    [[ "$IG_SECRET_KEY" =~ ^[0-9a-fA-F]{64}$ ]] ||
        ig_die "IG_SECRET_KEY must be exactly 64 hex digits (32 bytes)"
}

# ig_secrets_local VAR: the secrets of the local stack. A value already in the
# environment wins; otherwise it comes from VAR/secrets.env, which is created on
# the first run (mode 0600, fresh random values) and reused afterwards so that
# tokens and stored provider keys survive restarts. Nothing is printed.
ig_secrets_local() {
    local var="$1" file="$1/secrets.env" jwt key tmp
    jwt="" key=""
    if [ -f "$file" ]; then
        jwt="$(sed -n 's/^IG_JWT_SECRET=//p' "$file" | head -n 1)"
        key="$(sed -n 's/^IG_SECRET_KEY=//p' "$file" | head -n 1)"
    fi
    if [ -z "$jwt" ] || [ -z "$key" ]; then
        ig_log "generating secrets into $file"
        jwt="${jwt:-$(ig_random_hex 32)}"
        key="${key:-$(ig_random_hex 32)}"
        tmp="$file.tmp"
        (umask 077 && printf '# imagegen local stack secrets (scripts/run); keep private, never commit.\nIG_JWT_SECRET=%s\nIG_SECRET_KEY=%s\n' \
            "$jwt" "$key" >"$tmp")
        chmod 600 "$tmp"
        mv "$tmp" "$file"
    fi
    export IG_JWT_SECRET="${IG_JWT_SECRET:-$jwt}"
    export IG_SECRET_KEY="${IG_SECRET_KEY:-$key}"
    ig_secrets_check
}

# ---------------------------------------------------------------------------
# Settings

# ig_stack_configure VAR MODE: set and export every IG_* setting of the stack in
# VAR, keeping values already in the environment. MODE is dev or test.
ig_stack_configure() {
    local var="$1" mode="$2"
    export IG_VAR_DIR="$var"
    export IG_BUILD_DIR="${IG_BUILD_DIR:-$IG_REPO/build}"
    export IG_PROJECT_ROOT="${IG_PROJECT_ROOT:-$IG_REPO}"
    export IG_MIGRATIONS_DIR="${IG_MIGRATIONS_DIR:-$IG_REPO/sql/migrations}"
    export IG_OPENAPI_PATH="${IG_OPENAPI_PATH:-$IG_REPO/docs/openapi.json}"
    export IG_WEB_ROOT="${IG_WEB_ROOT:-$IG_REPO/web}"
    export IG_LISTEN_HOST="${IG_LISTEN_HOST:-127.0.0.1}"
    export IG_HTTP_PORT="${IG_HTTP_PORT:-8080}"
    export IG_HTTPS_PORT="${IG_HTTPS_PORT:-8443}"
    export IG_PG_PORT="${IG_PG_PORT:-5433}"
    export IG_SOCKET="${IG_SOCKET:-$var/run/imagegen.sock}"
    export IG_IMAGE_DIR="${IG_IMAGE_DIR:-$var/images}"
    export IG_STORAGE_DIR="${IG_STORAGE_DIR:-$var/files}"
    export IG_DATABASE_URL="${IG_DATABASE_URL:-host=$var/pg/run port=$IG_PG_PORT dbname=imagegen user=imagegen}"
    export IG_TLS_CERT="${IG_TLS_CERT:-$var/tls/cert.pem}"
    export IG_TLS_KEY="${IG_TLS_KEY:-$var/tls/key.pem}"
    if ig_is_root; then
        export IG_SOCKET_GROUP="${IG_SOCKET_GROUP:-www-data}"
    else
        export IG_SOCKET_GROUP="${IG_SOCKET_GROUP:-$(id -g)}"
    fi
    export IG_DRAIN_TIMEOUT="${IG_DRAIN_TIMEOUT:-30}"
    case "$mode" in
        dev)
            export IG_ENVIRONMENT="${IG_ENVIRONMENT:-development}"
            export IG_ALLOW_ANONYMOUS="${IG_ALLOW_ANONYMOUS:-1}"
            export IG_LOG_LEVEL="${IG_LOG_LEVEL:-info}"
            # No mail server locally unless the user names one: reset mails are
            # then only logged by the app.
            export IG_SMTP_URL="${IG_SMTP_URL:-}"
            export IG_PUBLIC_URL="${IG_PUBLIC_URL:-https://localhost:$IG_HTTPS_PORT}"
            ;;
        test)
            export IG_ENVIRONMENT="${IG_ENVIRONMENT:-test}"
            export IG_LOG_LEVEL="${IG_LOG_LEVEL:-debug}"
            export IG_PG_FAST="${IG_PG_FAST:-1}"
            ;;
        *) ig_die "ig_stack_configure: unknown mode $mode" ;;
    esac
}

# ig_env_write VAR: write every exported IG_* variable to VAR/env as
# shell-sourceable export lines, mode 0600 (the secrets are among them).
ig_env_write() {
    local var="$1" name tmp
    tmp="$var/env.tmp"
    rm -f "$tmp"
    (umask 077 && : >"$tmp")
    {
        printf '# imagegen stack settings, written by scripts/lib/stack.sh; source it.\n'
        while IFS= read -r name; do
            case "$name" in
                IG_*) printf 'export %s=%q\n' "$name" "${!name}" ;;
            esac
        done < <(compgen -e | sort)
    } >>"$tmp"
    chmod 600 "$tmp"
    mv "$tmp" "$var/env"
}

# ig_env_load VAR: source VAR/env (written by a previous up/run).
ig_env_load() {
    local var="$1"
    [ -f "$var/env" ] || ig_die "$var/env not found: no stack was set up in $var"
    # shellcheck source=/dev/null
    . "$var/env"
}

# ig_env_overrides: export each IG_NAME=value word of $IG_STACK_OVERRIDES (a
# test restarting the pool with one setting changed); DIR/env is not touched,
# so the next start without overrides restores the stack's settings.
ig_env_overrides() {
    local kv
    for kv in ${IG_STACK_OVERRIDES:-}; do
        [[ "$kv" =~ ^IG_[A-Z0-9_]+= ]] || ig_die "IG_STACK_OVERRIDES: not IG_NAME=value: $kv"
        ig_log "override ${kv%%=*} for this start"
        export "${kv?}"
    done
}

# ig_stack_dirs VAR: create the var dir layout, traversable by nginx/postgres.
ig_stack_dirs() {
    local var="$1" d
    for d in "$var" "$var/run" "$var/log" "$var/nginx" "$var/nginx/tmp" "$var/nginx/server.d" \
        "$var/tls" "$var/pg" "$IG_IMAGE_DIR" "$IG_STORAGE_DIR"; do
        mkdir -p "$d"
        chmod 755 "$d"
    done
    ig_check_traverse "$var/run" www-data
    ig_check_traverse "$IG_IMAGE_DIR" www-data
    ig_check_traverse "$IG_STORAGE_DIR" www-data
    ig_check_traverse "$var/pg" postgres
    ig_app_dirs "$var"
}

# ---------------------------------------------------------------------------
# TLS

# ig_tls_ensure: make a self-signed EC P-256 certificate for localhost/127.0.0.1
# at IG_TLS_CERT/IG_TLS_KEY unless both exist.
ig_tls_ensure() {
    if [ -s "$IG_TLS_CERT" ] && [ -s "$IG_TLS_KEY" ]; then
        return 0
    fi
    ig_log "creating self-signed certificate $IG_TLS_CERT"
    mkdir -p "$(dirname "$IG_TLS_CERT")" "$(dirname "$IG_TLS_KEY")"
    (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -days 825 -subj /CN=localhost \
        -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
        -keyout "$IG_TLS_KEY" -out "$IG_TLS_CERT" 2>/dev/null)
    chmod 644 "$IG_TLS_CERT"
}

# ---------------------------------------------------------------------------
# PostgreSQL: a private cluster in VAR/pg/data, reachable only through the unix
# socket in VAR/pg/run (no TCP), trust for local connections as user imagegen.

ig_pg_running() {
    local var="$1"
    [ -f "$var/pg/data/PG_VERSION" ] || return 1
    ig_as_pg "$(ig_pg_bindir)/pg_ctl" -D "$var/pg/data" status >/dev/null 2>&1
}

ig_pg_init() {
    local var="$1" bindir
    if [ -f "$var/pg/data/PG_VERSION" ]; then
        return 0
    fi
    bindir="$(ig_pg_bindir)"
    ig_log "initdb in $var/pg/data"
    mkdir -p "$var/pg/data" "$var/pg/run"
    chmod 700 "$var/pg/data"
    touch "$var/log/postgres.log"
    if ig_is_root; then
        chown postgres: "$var/pg" "$var/pg/data" "$var/pg/run" "$var/log/postgres.log"
    fi
    ig_as_pg "$bindir/initdb" -D "$var/pg/data" -U imagegen --auth-local=trust \
        --auth-host=reject -E UTF8 --no-locale >"$var/log/pg-initdb.log" 2>&1 ||
        { cat "$var/log/pg-initdb.log" >&2; ig_die "initdb failed"; }
    # shellcheck disable=SC2016 # $1 is expanded by the inner sh
    ig_as_pg sh -c 'printf "\ninclude = '\''imagegen.conf'\''\n" >>"$1/postgresql.conf"' sh "$var/pg/data"
}

# ig_pg_write_conf VAR: (re)write the settings that depend on the stack's paths.
ig_pg_write_conf() {
    local var="$1" conf
    conf="# written by scripts/lib/stack.sh at every start
listen_addresses = ''
unix_socket_directories = '$var/pg/run'
port = $IG_PG_PORT
"
    if [ "${IG_PG_FAST:-0}" = 1 ]; then
        conf+="# throw-away test cluster: durability is not wanted, speed is
fsync = off
synchronous_commit = off
full_page_writes = off
"
    fi
    # shellcheck disable=SC2016 # $1 is expanded by the inner sh
    printf '%s' "$conf" | ig_as_pg sh -c 'cat >"$1/imagegen.conf"' sh "$var/pg/data"
}

ig_pg_start() {
    local var="$1" bindir
    bindir="$(ig_pg_bindir)"
    ig_pg_init "$var"
    if ig_pg_running "$var"; then
        return 0
    fi
    ig_pg_write_conf "$var"
    ig_log "starting PostgreSQL (socket $var/pg/run/.s.PGSQL.$IG_PG_PORT)"
    ig_as_pg "$bindir/pg_ctl" -D "$var/pg/data" -l "$var/log/postgres.log" -w -t 60 start >/dev/null ||
        { ig_tail_logs "$var"; ig_die "PostgreSQL did not start"; }
}

ig_pg_stop() {
    local var="$1"
    if ig_pg_running "$var"; then
        ig_log "stopping PostgreSQL in $var/pg/data"
        ig_as_pg "$(ig_pg_bindir)/pg_ctl" -D "$var/pg/data" -w -t 60 stop -m fast >/dev/null
    fi
}

# ig_db_create: create database imagegen unless it exists.
ig_db_create() {
    local var="$1" bindir exists
    bindir="$(ig_pg_bindir)"
    exists="$("$bindir/psql" -h "$var/pg/run" -p "$IG_PG_PORT" -U imagegen -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'imagegen'")"
    if [ "$exists" != 1 ]; then
        ig_log "createdb imagegen"
        "$bindir/createdb" -h "$var/pg/run" -p "$IG_PG_PORT" -U imagegen imagegen
    fi
}

# ig_migrate: apply the migrations, as IG_RUN_USER when root (so a missing read
# permission on the repo shows here, as it would in the container).
ig_migrate() {
    ig_log "imagegen migrate"
    (cd "$IG_PROJECT_ROOT" && ig_app_exec "$IG_BUILD_DIR/app/imagegen" migrate)
}

# ---------------------------------------------------------------------------
# FastCGI pool (imagegen-fcgi master + workers)

ig_pool_pid() { ig_pid_of "$1/run/fcgi.pid" imagegen-fcgi; }

# ig_pool_start VAR: start the pool in its own session, logging to VAR/log/fcgi.log.
# A master still alive (e.g. draining after a SIGTERM) is stopped first, so this
# always ends with a fresh pool.
ig_pool_start() {
    local var="$1" bin pid i
    bin="$IG_BUILD_DIR/app/imagegen-fcgi"
    [ -x "$bin" ] || ig_die "$bin not found: build first (scripts/run builds into build/)"
    ig_pool_stop "$var"
    case "$IG_SOCKET" in
        /*) rm -f "$IG_SOCKET" ;;
    esac
    ig_log "starting imagegen-fcgi (workers=${IG_WORKERS:-2} threads=${IG_THREADS:-8})"
    # In a non-interactive shell the background child is not a process-group
    # leader, so setsid execs without forking; setpriv (ig_app_exec, as root)
    # execs too, so $! is the master's pid.
    (cd "$IG_PROJECT_ROOT" && ig_app_exec setsid "$bin") >>"$var/log/fcgi.log" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$var/run/fcgi.pid"
    for i in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            ig_tail_logs "$var"
            ig_die "imagegen-fcgi exited at startup (see $var/log/fcgi.log)"
        fi
        case "$IG_SOCKET" in
            /*) [ -S "$IG_SOCKET" ] && return 0 ;;
            *) [ "$i" -ge 5 ] && return 0 ;;
        esac
        sleep 0.1
    done
    ig_tail_logs "$var"
    ig_die "imagegen-fcgi did not create $IG_SOCKET within 10 s"
}

# ig_pool_stop VAR: SIGTERM the master (it drains in-flight requests), wait for the
# whole process group; SIGKILL the group after IG_DRAIN_TIMEOUT + 5 s.
ig_pool_stop() {
    local var="$1" pid
    if ! pid="$(ig_pool_pid "$var")"; then
        rm -f "$var/run/fcgi.pid"
        return 0
    fi
    ig_log "stopping imagegen-fcgi (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! ig_wait_gone "$pid" $(( ${IG_DRAIN_TIMEOUT:-30} + 5 )); then
        ig_log "imagegen-fcgi did not exit in time; killing its process group"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        ig_wait_gone "$pid" 5 || true
    fi
    # Workers share the master's process group (setsid made it the leader).
    local i
    for i in $(seq 1 50); do
        ig_group_alive "$pid" || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$var/run/fcgi.pid"
}

# ---------------------------------------------------------------------------
# nginx

ig_nginx_pid() { ig_pid_of "$1/run/nginx.pid" nginx; }

# ig_render TEMPLATE OUT: replace ${IG_*} placeholders with the environment's
# values (only those; nginx's own $variables are left alone). An unset
# placeholder is an error.
ig_render() {
    local template="$1" out="$2"
    python3 - "$template" "$out" <<'PY'
import os, re, sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf-8").read()
missing = []
def sub(m):
    name = m.group(1)
    if name not in os.environ:
        missing.append(name)
        return m.group(0)
    return os.environ[name]
text = re.sub(r"\$\{(IG_[A-Z0-9_]+)\}", sub, text)
if missing:
    sys.exit("render %s: unset placeholders: %s" % (src, ", ".join(sorted(set(missing)))))
with open(dst + ".tmp", "w", encoding="utf-8") as f:
    f.write(text)
os.replace(dst + ".tmp", dst)
PY
}

# ig_nginx_render VAR: write VAR/nginx/nginx.conf and VAR/nginx/imagegen.conf.
# With IG_NGINX_BENCH=1 the bench-only location is added.
ig_nginx_render() {
    local var="$1"
    if ig_is_root; then
        export IG_NGINX_USER_LINE="user www-data;"
    else
        IG_NGINX_USER_LINE="# not root: workers run as $(id -un)"
        export IG_NGINX_USER_LINE
    fi
    export IG_NGINX_WORKERS="${IG_NGINX_WORKERS:-auto}"
    export IG_NGINX_SNIPPETS="$IG_REPO/nginx/snippets"
    export IG_NGINX_INCLUDE_DIR="$var/nginx/server.d"
    export IG_NGINX_ACCESS_LOG="$var/log/nginx-access.log"
    case "$IG_SOCKET" in
        /*) export IG_FASTCGI_PASS="unix:$IG_SOCKET" ;;
        *) export IG_FASTCGI_PASS="$IG_SOCKET" ;;
    esac
    mkdir -p "$var/nginx/tmp" "$var/nginx/server.d"
    ig_render "$IG_REPO/nginx/nginx.conf.template" "$var/nginx/nginx.conf"
    ig_render "$IG_REPO/nginx/imagegen.conf.template" "$var/nginx/imagegen.conf"
    if [ "${IG_NGINX_BENCH:-0}" = 1 ]; then
        cp "$IG_REPO/nginx/bench.conf" "$var/nginx/server.d/bench.conf"
    else
        rm -f "$var/nginx/server.d/bench.conf"
    fi
}

ig_nginx_cmd() {
    local var="$1"; shift
    nginx -p "$var/nginx/" -e "$var/log/nginx-error.log" -c "$var/nginx/nginx.conf" "$@"
}

# ig_nginx_start VAR: render, test and start nginx; reload it when already running.
ig_nginx_start() {
    local var="$1" pid
    ig_nginx_render "$var"
    ig_nginx_cmd "$var" -t -q || ig_die "nginx configuration test failed ($var/nginx/nginx.conf)"
    if pid="$(ig_nginx_pid "$var")"; then
        ig_log "reloading nginx (pid $pid)"
        kill -HUP "$pid"
        return 0
    fi
    ig_log "starting nginx on ${IG_LISTEN_HOST}:${IG_HTTP_PORT} and :${IG_HTTPS_PORT} (TLS)"
    ig_nginx_cmd "$var" || { ig_tail_logs "$var"; ig_die "nginx did not start"; }
}

ig_nginx_stop() {
    local var="$1" pid
    if pid="$(ig_nginx_pid "$var")"; then
        ig_log "stopping nginx (pid $pid)"
        # TERM is nginx's fast shutdown; the stack is going away as a whole.
        kill -TERM "$pid" 2>/dev/null || true
        ig_wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$var/run/nginx.pid"
}

# ---------------------------------------------------------------------------
# Test fixtures (test stacks only): the Python servers of tests/fixtures, each
# on loopback, writing its port to VAR/run/KEY.port, its pid to VAR/run/KEY.pid
# and its output to VAR/log/KEY.log. One start and one stop for all three.

# ig_fixture_start VAR KEY NAME PORT [ARG...]: start tests/fixtures/NAME.py on
# 127.0.0.1:PORT (0: any free port) with ARGs, after stopping the one VAR may
# already run; wait until it listens and set IG_FIXTURE_PORT to its port. Dies
# (showing the logs) when it does not start.
ig_fixture_start() {
    local var="$1" key="$2" name="$3" port="$4" pid i
    local secs="${ig_fixture_secs:-10}"
    shift 4
    ig_fixture_stop "$var" "$key" "$name"
    mkdir -p "$var/run" "$var/log"
    rm -f "$var/run/$key.port"
    ig_log "starting $name on 127.0.0.1:$port (0: any free port) $*"
    setsid python3 "$IG_REPO/tests/fixtures/$name.py" --host 127.0.0.1 --port "$port" \
        --port-file "$var/run/$key.port" --pid-file "$var/run/$key.pid" "$@" \
        >>"$var/log/$key.log" 2>&1 </dev/null &
    pid=$!
    for i in $(seq 1 $((secs * 10))); do
        if [ -s "$var/run/$key.port" ]; then
            IG_FIXTURE_PORT="$(tr -dc '0-9' <"$var/run/$key.port")"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    ig_tail_logs "$var"
    ig_die "$name did not start (see $var/log/$key.log; i=$i)"
}

# ig_fixture_stop VAR KEY NAME: SIGTERM the fixture NAME of VAR, if one runs,
# and wait for it.
ig_fixture_stop() {
    local var="$1" key="$2" name="$3" pid
    if pid="$(ig_pid_of "$var/run/$key.pid" "$name")"; then
        ig_log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        ig_wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$var/run/$key.pid" "$var/run/$key.port"
}

# SMTP sink: tests/fixtures/smtp_sink.py, storing every message the app sends
# as VAR/mail/NNNNNN.eml.
# ig_smtp_start VAR PORT [SINK_ARG...]: start the sink on 127.0.0.1:PORT (0: a
# free port) and export IG_SMTP_URL and IG_TEST_MAIL_DIR. SINK_ARG (e.g.
# --fail-rcpt) is passed on.
ig_smtp_start() {
    local var="$1" port="$2"
    shift 2
    mkdir -p "$var/mail"
    chmod 755 "$var/mail"
    ig_fixture_start "$var" smtp smtp_sink "$port" --dir "$var/mail" "$@"
    export IG_SMTP_URL="smtp://127.0.0.1:$IG_FIXTURE_PORT"
    export IG_TEST_MAIL_DIR="$var/mail"
}
ig_smtp_stop() { ig_fixture_stop "$1" smtp smtp_sink; }

# Mock providers: tests/fixtures/mock_providers.py, one server for all six
# provider wire formats under path prefixes.
# ig_mock_start VAR [MOCK_ARG...]: start the mock on a free 127.0.0.1 port (or
# on IG_MOCK_PORT when set: a restart keeps the URLs the running app has) and
# export IG_MOCK_URL plus every provider's base URL and download-host allowance
# pointing at it.
ig_mock_start() {
    local var="$1" port
    shift
    ig_fixture_start "$var" mock mock_providers "${IG_MOCK_PORT:-0}" "$@"
    port="$IG_FIXTURE_PORT"
    export IG_MOCK_URL="http://127.0.0.1:$port"
    export IG_OPENAI_BASE_URL="$IG_MOCK_URL/openai"
    export IG_STABILITY_BASE_URL="$IG_MOCK_URL/stability"
    export IG_GEMINI_BASE_URL="$IG_MOCK_URL/gemini"
    export IG_HUGGINGFACE_BASE_URL="$IG_MOCK_URL/huggingface"
    export IG_REPLICATE_BASE_URL="$IG_MOCK_URL/replicate"
    export IG_LOCAL_AI_URL="$IG_MOCK_URL/local_ai"
    export IG_REPLICATE_DOWNLOAD_HOSTS="127.0.0.1:$port"
    export IG_OPENAI_DOWNLOAD_HOSTS="127.0.0.1:$port"
}
ig_mock_stop() { ig_fixture_stop "$1" mock mock_providers; }

# Webhook receiver: tests/fixtures/webhook_receiver.py, storing every webhook
# the runners send as VAR/webhooks/NNNNNN.json.
# ig_webhook_start VAR: start the receiver on a free 127.0.0.1 port and export
# IG_TEST_WEBHOOK_URL, IG_TEST_WEBHOOK_DIR and IG_WEBHOOK_ALLOW_HOSTS (its
# host:port only: loopback targets stay refused otherwise).
ig_webhook_start() {
    local var="$1"
    mkdir -p "$var/webhooks"
    ig_fixture_start "$var" webhook webhook_receiver 0 --dir "$var/webhooks"
    export IG_TEST_WEBHOOK_URL="http://127.0.0.1:$IG_FIXTURE_PORT/hook"
    export IG_TEST_WEBHOOK_DIR="$var/webhooks"
    export IG_WEBHOOK_ALLOW_HOSTS="127.0.0.1:$IG_FIXTURE_PORT"
}
ig_webhook_stop() { ig_fixture_stop "$1" webhook webhook_receiver; }

# S3 server: tests/fixtures/s3_server.py, moto's server with request signing
# enforced (one IAM user and key, one bucket), and tests/fixtures/s3_flaky.py,
# a proxy in front of it that fails on demand (the retry tests).
# ig_s3_start VAR: start both on free 127.0.0.1 ports and export the app's
# IG_S3_* settings (path-style) and IG_TEST_S3_FLAKY_URL.
ig_s3_start() {
    local var="$1" ig_fixture_secs=60
    mkdir -p "$var/run"
    rm -f "$var/run/s3.creds"
    ig_fixture_start "$var" s3 s3_server 0 --bucket imagegen-test --region us-east-1 \
        --creds-file "$var/run/s3.creds"
    export IG_S3_ENDPOINT="http://127.0.0.1:$IG_FIXTURE_PORT" IG_S3_REGION=us-east-1
    export IG_S3_BUCKET=imagegen-test IG_S3_PATH_STYLE=1
    # shellcheck source=/dev/null
    . "$var/run/s3.creds"
    export IG_S3_ACCESS_KEY IG_S3_SECRET_KEY
    ig_fixture_start "$var" s3flaky s3_flaky 0 --upstream "$IG_S3_ENDPOINT"
    export IG_TEST_S3_FLAKY_URL="http://127.0.0.1:$IG_FIXTURE_PORT"
}
ig_s3_stop() {
    ig_fixture_stop "$1" s3flaky s3_flaky
    ig_fixture_stop "$1" s3 s3_server
    rm -f "$1/run/s3.creds"
}

# ---------------------------------------------------------------------------
# Job runner (imagegen-worker): started only when the build has one.

ig_worker_bin() { printf '%s\n' "$IG_BUILD_DIR/app/imagegen-worker"; }
ig_worker_pid() { ig_pid_of "$1/run/worker.pid" imagegen-worker; }

# ig_worker_start VAR: start imagegen-worker in its own session, logging to
# VAR/log/worker.log, pid in VAR/run/worker.pid. A runner still alive is stopped
# first. Without a built runner this logs and does nothing (returns 0).
ig_worker_start() {
    local var="$1" bin pid i
    bin="$(ig_worker_bin)"
    if [ ! -x "$bin" ]; then
        ig_log "no $bin (not built yet): job runner not started"
        return 0
    fi
    ig_worker_stop "$var"
    mkdir -p "$var/run" "$var/log"
    ig_log "starting imagegen-worker"
    # As for the pool: setpriv and setsid both exec, $! is the runner's pid.
    (cd "$IG_PROJECT_ROOT" && ig_app_exec setsid "$bin") >>"$var/log/worker.log" 2>&1 </dev/null &
    pid=$!
    printf '%s\n' "$pid" >"$var/run/worker.pid"
    # It must survive its start-up (settings, database connection).
    for i in $(seq 1 5); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$var/run/worker.pid"
            ig_tail_logs "$var"
            ig_die "imagegen-worker exited at startup (see $var/log/worker.log; i=$i)"
        fi
        sleep 0.1
    done
}

# ig_worker_stop VAR: SIGTERM the runner (it finishes or releases its jobs) and
# wait; SIGKILL its process group after IG_DRAIN_TIMEOUT + 5 s.
ig_worker_stop() {
    local var="$1" pid
    if ! pid="$(ig_worker_pid "$var")"; then
        rm -f "$var/run/worker.pid"
        return 0
    fi
    ig_log "stopping imagegen-worker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    if ! ig_wait_gone "$pid" $(( ${IG_DRAIN_TIMEOUT:-30} + 5 )); then
        ig_log "imagegen-worker did not exit in time; killing its process group"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        ig_wait_gone "$pid" 5 || true
    fi
    rm -f "$var/run/worker.pid"
}

# ig_worker_kill9 VAR: SIGKILL the runner's process group at once (tests of a
# runner dying mid-job: its jobs must be re-claimed after the lease).
ig_worker_kill9() {
    local var="$1" pid
    if pid="$(ig_worker_pid "$var")"; then
        ig_log "killing imagegen-worker with SIGKILL (pid $pid)"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        ig_wait_gone "$pid" 5 || true
    fi
    rm -f "$var/run/worker.pid"
}

# ---------------------------------------------------------------------------
# A second app host (the "several hosts" tests, tests/integration/test_two_hosts.c)

# ig_host2_up VAR: start a second complete app host beside the stack in VAR, in
# its own var dir VAR/host2: its own loopback ports, nginx, imagegen-fcgi pool,
# imagegen-worker, socket, image and file dirs and TLS certificate, sharing
# VAR's PostgreSQL, S3 server, secrets (IG_JWT_SECRET, IG_SECRET_KEY), mock
# providers, SMTP sink and webhook receiver, as hosts behind one load balancer
# share them. The settings are VAR/env's (loaded by the caller) with those
# per-host paths and ports replaced and $IG_STACK_OVERRIDES applied; they are
# written to VAR/host2/env, and VAR/env gains IG_TEST_HOST2_URL (its base URL).
# Every per-var-dir command (pool-start, worker-kill9, down…) works on VAR/host2.
ig_host2_up() {
    local var="$1" h="$1/host2"
    ig_pg_running "$var" || ig_die "no PostgreSQL runs in $var: stack up $var first"
    mkdir -p "$h"
    chmod 755 "$h"
    IG_HTTP_PORT="$(ig_free_port)"
    IG_HTTPS_PORT="$(ig_free_port)"
    while [ "$IG_HTTPS_PORT" = "$IG_HTTP_PORT" ]; do IG_HTTPS_PORT="$(ig_free_port)"; done
    export IG_HTTP_PORT IG_HTTPS_PORT
    export IG_VAR_DIR="$h" IG_SOCKET="$h/run/imagegen.sock" IG_IMAGE_DIR="$h/images"
    export IG_STORAGE_DIR="$h/files" IG_TLS_CERT="$h/tls/cert.pem" IG_TLS_KEY="$h/tls/key.pem"
    IG_TEST_BASE_URL="$(ig_base_url)"
    IG_TEST_HTTPS_URL="$(ig_https_url)"
    export IG_TEST_BASE_URL IG_TEST_HTTPS_URL IG_TEST_STACK="$h"
    ig_env_overrides
    ig_stack_dirs "$h"
    ig_env_write "$h"
    ig_tls_ensure
    ig_pool_start "$h"
    ig_worker_start "$h"
    ig_nginx_start "$h"
    ig_wait_health "$h"
    sed -i '/^export IG_TEST_HOST2_URL=/d' "$var/env"
    printf 'export IG_TEST_HOST2_URL=%q\n' "$IG_TEST_BASE_URL" >>"$var/env"
    ig_log "second host up in $h: $IG_TEST_BASE_URL"
}

# ig_host2_down VAR: stop VAR/host2's nginx, pool and runner (what it shares
# with VAR keeps running) and take IG_TEST_HOST2_URL out of VAR/env.
ig_host2_down() {
    local var="$1" h="$1/host2"
    [ -d "$h" ] || return 0
    ig_nginx_stop "$h"
    ig_pool_stop "$h"
    ig_worker_stop "$h"
    if [ -f "$var/env" ]; then sed -i '/^export IG_TEST_HOST2_URL=/d' "$var/env"; fi
}

# ---------------------------------------------------------------------------
# Whole stack

ig_base_url() {
    local host="$IG_LISTEN_HOST"
    case "$host" in 0.0.0.0 | '*' | '') host=127.0.0.1 ;; esac
    printf 'http://%s:%s\n' "$host" "$IG_HTTP_PORT"
}

ig_https_url() {
    local host="$IG_LISTEN_HOST"
    case "$host" in 0.0.0.0 | '*' | '') host=127.0.0.1 ;; esac
    printf 'https://%s:%s\n' "$host" "$IG_HTTPS_PORT"
}

# ig_wait_health VAR [SECONDS]: wait until GET /health through nginx answers 200.
ig_wait_health() {
    local var="$1" secs="${2:-30}" url i code
    url="$(ig_base_url)/health"
    for i in $(seq 1 $((secs * 5))); do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)"
        if [ "$code" = 200 ]; then
            return 0
        fi
        sleep 0.2
    done
    ig_tail_logs "$var"
    ig_die "$url did not answer 200 within ${secs} s (last status: ${code:-none}; i=$i)"
}

# ig_stack_up VAR: start PostgreSQL, migrate, the pool and nginx, using the
# settings already exported (ig_stack_configure, the secrets, and the SMTP sink's
# URL when the caller started one) and saving them to VAR/env.
ig_stack_up() {
    local var="$1"
    ig_stack_dirs "$var"
    ig_env_write "$var"
    ig_tls_ensure
    ig_pg_start "$var"
    ig_db_create "$var"
    ig_migrate
    ig_pool_start "$var"
    ig_worker_start "$var"
    ig_nginx_start "$var"
    ig_wait_health "$var"
}

# ig_stack_down VAR: stop the second host VAR/host2 (if any), nginx, the pool,
# the job runner, PostgreSQL, and the SMTP sink, mock providers, webhook
# receiver and S3 server (if any) of this var dir only.
ig_stack_down() {
    local var="$1"
    ig_host2_down "$var"
    ig_nginx_stop "$var"
    ig_pool_stop "$var"
    ig_worker_stop "$var"
    ig_pg_stop "$var"
    ig_smtp_stop "$var"
    ig_mock_stop "$var"
    ig_webhook_stop "$var"
    ig_s3_stop "$var"
}
