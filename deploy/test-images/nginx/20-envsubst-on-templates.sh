#!/bin/sh
# 20-envsubst-on-templates.sh — the official nginx image's template step, in
# substance: every file under $NGINX_ENVSUBST_TEMPLATE_DIR (/etc/nginx/templates)
# ending in $NGINX_ENVSUBST_TEMPLATE_SUFFIX (.template) is rendered by envsubst
# into $NGINX_ENVSUBST_OUTPUT_DIR (/etc/nginx/conf.d), keeping its relative path
# and dropping the suffix. Only variables defined in the environment (and
# matching $NGINX_ENVSUBST_FILTER, a regular expression, when set) are replaced;
# any other $name or ${name} — nginx's own variables — is left as it is.
# Not reproduced: the stream templates (NGINX_ENVSUBST_STREAM_TEMPLATE_DIR).
set -e

ME=$(basename "$0")

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

auto_envsubst() {
    template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
    suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
    output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
    filter="${NGINX_ENVSUBST_FILTER:-}"

    # "${A} ${B} ...": the names envsubst may replace (the literal ${ and the
    # word splitting of awk's output are intended).
    # shellcheck disable=SC2016,SC2046
    defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" </dev/null))
    [ -d "$template_dir" ] || return 0
    if [ ! -w "$output_dir" ]; then
        entrypoint_log "$ME: ERROR: $template_dir exists, but $output_dir is not writable"
        return 0
    fi
    find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
        relative_path="${template#"$template_dir/"}"
        output_path="$output_dir/${relative_path%"$suffix"}"
        subdir=$(dirname "$relative_path")
        mkdir -p "$output_dir/$subdir"
        entrypoint_log "$ME: Running envsubst on $template to $output_path"
        envsubst "$defined_envs" <"$template" >"$output_path"
    done
}

auto_envsubst

exit 0
