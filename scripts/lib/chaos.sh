# shellcheck shell=bash
# imagegen — functions of scripts/chaos (the reliability suite). Source after
# scripts/lib/stack.sh; expects CHAOS_DIR (the stack's var dir) and, for the
# helpers that talk to it, the stack's env loaded (ig_env_load).

# Several functions return figures in globals (W_*, CHAOS_*) for the caller.
# shellcheck disable=SC2034

# Background processes the suite started (one pid a line), so that the EXIT
# trap stops exactly those and nothing else.
chaos_pidfile() { printf '%s\n' "$CHAOS_DIR/run/chaos-bg.pids"; }

# chaos_bg OUTFILE CMD...: run CMD in the background (stdout+stderr to
# OUTFILE), record its pid; the pid is in CHAOS_BG_PID.
chaos_bg() {
    local out="$1"
    shift
    "$@" >"$out" 2>&1 </dev/null &
    CHAOS_BG_PID=$!
    printf '%s\n' "$CHAOS_BG_PID" >>"$(chaos_pidfile)"
}

# chaos_bg_stop_all: SIGTERM every recorded background process still alive.
chaos_bg_stop_all() {
    local f pid
    f="$(chaos_pidfile)"
    [ -f "$f" ] || return 0
    while read -r pid; do
        if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
    done <"$f"
    rm -f "$f"
}

# chaos_now_ms: wall clock in milliseconds, without forking.
chaos_now_ms() {
    local t="$EPOCHREALTIME"
    printf '%s\n' "$(( ${t%.*} * 1000 + 10#${t#*.} / 1000 ))"
}

# chaos_clock: CHAOS_NOW = chaos_now_ms, in this shell (no subshell).
chaos_clock() {
    local t="$EPOCHREALTIME"
    CHAOS_NOW=$(( ${t%.*} * 1000 + 10#${t#*.} / 1000 ))
}

# chaos_sleep SECONDS: sleep without forking (a fork costs tens of ms on a
# loaded machine, which would blur the millisecond figures).
chaos_sleep() {
    if [ -z "${CHAOS_SLEEP_FD:-}" ]; then
        exec {CHAOS_SLEEP_FD}<> <(:)
    fi
    read -r -t "$1" -u "$CHAOS_SLEEP_FD" || true
}

# chaos_sleep_until MS: sleep until the wall clock reaches MS (chaos_now_ms);
# returns at once when it has.
chaos_sleep_until() {
    local left=$(($1 - $(chaos_now_ms)))
    if [ "$left" -gt 0 ]; then
        chaos_sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
    fi
}

# chaos_children PID: the child pids of PID (the FastCGI master: its workers).
chaos_children() {
    local c=()
    read -r -a c <"/proc/$1/task/$1/children" 2>/dev/null || true
    printf '%s\n' "${c[*]}"
}

# chaos_rss_kb PID...: the sum of their VmRSS in kB.
chaos_rss_kb() {
    local pid kb sum=0
    for pid in "$@"; do
        kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
        sum=$((sum + ${kb:-0}))
    done
    printf '%s\n' "$sum"
}

# chaos_psql SQL: run SQL against the stack's database, unaligned tuples only.
chaos_psql() {
    "$(ig_pg_bindir)/psql" -h "$CHAOS_DIR/pg/run" -p "$IG_PG_PORT" -U imagegen -d imagegen \
        -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"
}

# chaos_wrk_parse FILE: read the CHAOS line of chaos_mixed.lua into W_REQ,
# W_NON2XX, W_NONJSON, W_SOCK (connect+read+write+timeout), W_P99 (ms),
# W_STATUSES, W_RPS, W_FAILED (non-2xx + socket errors) and W_RETRIED
# (chaos_probe.py load only: requests sent again after a close before any
# answer). False when the
# line is missing (wrk did not run to its end).
chaos_wrk_parse() {
    local line kv
    W_REQ=0 W_NON2XX=0 W_NONJSON=0 W_SOCK=0 W_P99=0 W_STATUSES="" W_RPS=0 W_FAILED=0 W_RETRIED=0
    line="$(grep -E '^CHAOS ' "$1" | tail -n 1)" || return 1
    for kv in ${line#CHAOS }; do
        case "$kv" in
            requests=*) W_REQ="${kv#*=}" ;;
            non2xx=*) W_NON2XX="${kv#*=}" ;;
            nonjson=*) W_NONJSON="${kv#*=}" ;;
            connect=* | read=* | write=* | timeout=*) W_SOCK=$((W_SOCK + ${kv#*=})) ;;
            p99_ms=*) W_P99="${kv#*=}" ;;
            retried=*) W_RETRIED="${kv#*=}" ;;
            statuses=*) W_STATUSES="${kv#*=}" ;;
        esac
    done
    W_RPS="$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$1")"
    W_FAILED=$((W_NON2XX + W_SOCK))
}

# chaos_pct PART WHOLE: PART/WHOLE in percent, 3 decimals.
chaos_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", 100 * a / b; else print "0.000" }'
}

# chaos_lt PCT LIMIT: true when the percentage PCT is below LIMIT.
chaos_lt() {
    awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# chaos_timebar VALUE LIMIT UNIT: "VALUEUNIT (bar <= LIMITUNIT)", " OVER" after when
# VALUE exceeds LIMIT. Timing figures are printed, never asserted.
chaos_timebar() {
    local over=""
    if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; then over=" OVER"; fi
    printf '%s%s (bar <= %s%s)%s' "$1" "$3" "$2" "$3" "$over"
}

# chaos_failbar FAILED TOTAL LIMIT_PCT: "failed=F/T (P%, bar < L%)".
chaos_failbar() {
    printf 'failed=%s/%s (%s%%, bar < %s%%)' "$1" "$2" "$(chaos_pct "$1" "$2")" "$3"
}

# chaos_rate_ok FAILED TOTAL LIMIT_PCT: true when TOTAL > 0 and FAILED/TOTAL
# is below LIMIT_PCT percent.
chaos_rate_ok() {
    [ "$2" -gt 0 ] && chaos_lt "$(chaos_pct "$1" "$2")" "$3"
}

# chaos_wrk DURATION CONNECTIONS OUT: mixed traffic (chaos_mixed.lua) against
# the stack in the background for DURATION seconds; pid in CHAOS_BG_PID.
chaos_wrk() {
    chaos_bg "$3" env CHAOS_TOKEN="$CHAOS_KEY" \
        wrk -t2 -c"$2" -d"$1s" --timeout 10s --latency -s "$IG_REPO/scripts/lib/chaos_mixed.lua" \
        "$IG_TEST_BASE_URL"
}

# chaos_api METHOD PATH [BODY]: one authenticated API call; sets CHAOS_STATUS
# (000: no answer) and CHAOS_BODY. Call it in the current shell (not in $(...)),
# or the two are lost.
chaos_api() {
    local out
    out="$(curl -s -w '\n%{http_code}' -X "$1" -H "Authorization: Bearer $CHAOS_KEY" \
        -H 'Content-Type: application/json' --max-time 90 ${3:+--data-binary "$3"} \
        "$IG_TEST_BASE_URL$2" || true)"
    CHAOS_STATUS="${out##*$'\n'}"
    CHAOS_BODY="${out%$'\n'*}"
}

# chaos_field NAME [TEXT]: the value of the first "NAME": string, boolean,
# null or number in TEXT (default CHAOS_BODY); nothing when absent. Bash
# only: a Python start takes seconds on two cores under full load.
chaos_field() {
    local text="${2-$CHAOS_BODY}" re="\"$1\":(\"([^\"\\\\]*)\"|(true|false|null|-?[0-9.]+))"
    if [[ $text =~ $re ]]; then
        printf '%s\n' "${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
    fi
}

# chaos_batch N SIZE TAG: submit a builtin batch of N prompts of SIZE;
# prints its id ("" on failure).
chaos_batch() {
    local i body
    body='{"settings": {"api_provider": "builtin", "image_size": "'"$2"'"}, "prompts": ['
    for i in $(seq 1 "$1"); do
        [ "$i" = 1 ] || body+=", "
        body+="\"$3 item $i, a lighthouse at dusk\""
    done
    body+=']}'
    chaos_api POST /api/batch/generate "$body"
    chaos_field batch_id
}

# chaos_batch_wait ID SECONDS: wait until no job of the batch is queued or
# running; false on timeout.
chaos_batch_wait() {
    local i left
    for i in $(seq 1 $(($2 * 2))); do
        left="$(chaos_psql "SELECT count(*) FROM jobs WHERE batch_id = '$1' AND status IN ('queued', 'running')" 2>/dev/null || echo x)"
        [ "$left" = 0 ] && return 0
        chaos_sleep 0.5
    done
    return 1
}

# chaos_batch_check ID N: every one of the N items of batch ID ended exactly
# once: one job per item, succeeded, exactly one images row, whose file is on
# disk complete (size and SHA-256 as recorded). Prints figures; sets
# CHAOS_ORPHANS to the image files on disk that no row references.
chaos_batch_check() {
    local id="$1" n="$2" rows bad=0 f size sha
    local jobs ok once files missing=0 corrupt=0
    jobs="$(chaos_psql "SELECT count(DISTINCT item_index) FROM jobs WHERE batch_id = '$id'")"
    ok="$(chaos_psql "SELECT count(*) FROM jobs WHERE batch_id = '$id' AND status = 'succeeded'")"
    once="$(chaos_psql "SELECT count(*) FROM (SELECT j.id FROM jobs j JOIN images i ON i.job_id = j.id
        WHERE j.batch_id = '$id' GROUP BY j.id HAVING count(*) = 1) x")"
    rows="$(chaos_psql "SELECT count(*) FROM images i JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '$id'")"
    files="$(chaos_psql "SELECT i.filename || ' ' || i.size_bytes || ' ' || i.sha256 FROM images i
        JOIN jobs j ON j.id = i.job_id WHERE j.batch_id = '$id'")"
    while read -r f size sha; do
        [ -n "$f" ] || continue
        if [ ! -f "$IG_IMAGE_DIR/$f" ]; then
            missing=$((missing + 1))
        elif [ "$(stat -c %s "$IG_IMAGE_DIR/$f")" != "$size" ] ||
            [ "$(sha256sum "$IG_IMAGE_DIR/$f" | cut -d' ' -f1)" != "$sha" ]; then
            corrupt=$((corrupt + 1))
        fi
    done <<<"$files"
    chaos_orphans
    [ "$jobs" = "$n" ] && [ "$ok" = "$n" ] && [ "$once" = "$n" ] && [ "$rows" = "$n" ] &&
        [ "$missing" = 0 ] && [ "$corrupt" = 0 ] || bad=1
    printf 'items=%s succeeded=%s one_image=%s image_rows=%s files_missing=%s files_corrupt=%s' \
        "$n" "$ok" "$once" "$rows" "$missing" "$corrupt"
    return "$bad"
}

# chaos_orphans: CHAOS_ORPHANS = image files (not dot files) in IG_IMAGE_DIR
# that no images row names (as image or thumbnail), CHAOS_TMP = leftover
# temporary files (.tmp-*) of interrupted writes.
chaos_orphans() {
    local known
    known="$(chaos_psql "SELECT filename FROM images UNION ALL SELECT thumbnail FROM images WHERE thumbnail IS NOT NULL")"
    CHAOS_ORPHANS="$(find "$IG_IMAGE_DIR" -maxdepth 1 -type f ! -name '.*' -printf '%f\n' |
        grep -c -v -x -F -f <(printf '%s\n' "$known") || true)"
    CHAOS_TMP="$(find "$IG_IMAGE_DIR" -maxdepth 1 -type f -name '.tmp-*' | wc -l)"
}
