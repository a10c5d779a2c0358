#!/bin/sh
# Start the whole stack in the foreground: migrate, publish courses/, run
# `journeys serve` and an unprivileged nginx in front of it on 127.0.0.1:$PORT.
# Ctrl-C (or SIGTERM) stops both. Runtime files live under $JOURNEYS_PATHS_VAR
# (default: var/ in the checkout). Used by `make run` and by the tests.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PORT=${PORT:-8080}
BIN=${JOURNEYS_BIN:-$ROOT/${BUILD:-build}/journeys}
VAR=${JOURNEYS_PATHS_VAR:-$ROOT/var}
export JOURNEYS_PATHS_VAR="$VAR"
export JOURNEYS_PATHS_DATABASE="${JOURNEYS_PATHS_DATABASE:-$VAR/journeys.db}"
export JOURNEYS_PATHS_PIDFILE="${JOURNEYS_PATHS_PIDFILE:-$VAR/journeys.pid}"
export JOURNEYS_SERVER_SOCKET="${JOURNEYS_SERVER_SOCKET:-$VAR/journeys.sock}"
export JOURNEYS_SITE_BASE_URL="${JOURNEYS_SITE_BASE_URL:-http://127.0.0.1:$PORT}"
NGINX=${NGINX:-/usr/sbin/nginx}

mkdir -p "$VAR/nginx/client_body" "$VAR/nginx/fastcgi" "$VAR/nginx/proxy" \
         "$VAR/nginx/uwsgi" "$VAR/nginx/scgi" "$VAR/uploads"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
sed -e "s|@PORT@|$PORT|g" -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" \
    -e "s|@SOCKET@|$JOURNEYS_SERVER_SOCKET|g" -e "s|@USER@|$USER_LINE|g" \
    nginx/dev.conf.in > "$VAR/nginx/nginx.conf"
"$NGINX" -t -q -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e stderr

"$BIN" migrate >/dev/null
"$BIN" publish
"$BIN" serve &
SERVE=$!
"$NGINX" -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e stderr &
WEB=$!

stop() {
    trap - INT TERM EXIT
    kill -TERM "$SERVE" "$WEB" 2>/dev/null || true
    wait "$SERVE" "$WEB" 2>/dev/null || true
}
trap stop INT TERM EXIT
echo "Journeys is on $JOURNEYS_SITE_BASE_URL (Ctrl-C stops it)"
while kill -0 "$SERVE" 2>/dev/null && kill -0 "$WEB" 2>/dev/null; do
    sleep 1
done
echo "a process of the stack exited; stopping" >&2
exit 1
