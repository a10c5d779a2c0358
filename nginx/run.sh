#!/bin/sh
# Start the whole stack in the foreground: migrate, publish courses/, run
# `journeys serve` and an unprivileged nginx in front of it on 127.0.0.1:$PORT.
# Ctrl-C (or SIGTERM) stops all it started, journeys serve before nginx. Runtime files live under $JOURNEYS_PATHS_VAR
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
export JOURNEYS_SERVER_SLOW_SOCKET="${JOURNEYS_SERVER_SLOW_SOCKET:-$VAR/journeys-slow.sock}"
export JOURNEYS_SERVER_WRITE_SOCKET="${JOURNEYS_SERVER_WRITE_SOCKET:-$VAR/journeys-write.sock}"
export JOURNEYS_SITE_BASE_URL="${JOURNEYS_SITE_BASE_URL:-http://127.0.0.1:$PORT}"
NGINX=${NGINX:-/usr/sbin/nginx}

# LOCAL_SERVICES=1 (what `make run` sets) shows the whole product: unless
# payment or mail settings are given, in the environment or in
# $JOURNEYS_CONFIG, start the payment provider's TEST stand-in
# (tests/integration/standin.py: no money moves) and a local mail catcher
# (aiosmtpd) that keeps every message in $VAR/mail, a Maildir; staff read
# them at /staff/outbox. The tests start their own and leave this off.
LOCAL_SERVICES=${LOCAL_SERVICES:-0}
EXTRA=""
# Debian's python3, where apt puts aiosmtpd (not whatever python3 is first
# on the PATH).
PY=${PYTHON:-/usr/bin/python3}

# Whether a setting is given: JOURNEYS_<SECTION>_<KEY> in the environment,
# or key under [section] in the configuration file.
given() {
    eval "[ -n \"\${$1+x}\" ]" && return 0
    [ -n "${JOURNEYS_CONFIG:-}" ] && [ -r "$JOURNEYS_CONFIG" ] || return 1
    awk -v sec="$2" -v key="$3" '
        /^[ \t]*\[/ { s = $0; gsub(/[][ \t]/, "", s); next }
        s == sec && $0 ~ "^[ \t]*" key "[ \t]*=" { found = 1 }
        END { exit !found }' "$JOURNEYS_CONFIG"
}

# A free TCP port on loopback.
free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait (up to 10 s) until something listens on 127.0.0.1:$1.
await_port() {
    "$PY" - "$1" <<'PY'
import socket, sys, time
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# Activity submissions: kept files, and the folder nginx writes upload
# bodies to (the application reads only files inside it).
export JOURNEYS_UPLOADS_FILES="${JOURNEYS_UPLOADS_FILES:-$VAR/files}"
export JOURNEYS_UPLOADS_TEMP="${JOURNEYS_UPLOADS_TEMP:-$VAR/upload-tmp}"
UPLOAD_MAX="$(( ${JOURNEYS_UPLOADS_MAX_SUBMISSION_MB:-25} + 1 ))m"
mkdir -p "$VAR/nginx/client_body" "$VAR/nginx/fastcgi" "$VAR/nginx/proxy" \
         "$VAR/nginx/uwsgi" "$VAR/nginx/scgi" "$JOURNEYS_UPLOADS_FILES" "$JOURNEYS_UPLOADS_TEMP"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
# JOURNEYS_ACCESS_LOG=FILE: each request's time in nginx (from its first
# byte read to its last byte sent) logged to FILE, in seconds, buffered
# until nginx is told to reopen its logs (make bench reads it).
ACCESS_LINE="access_log off;"
[ -n "${JOURNEYS_ACCESS_LOG:-}" ] &&
    ACCESS_LINE="log_format timing '\$request_time'; access_log $JOURNEYS_ACCESS_LOG timing buffer=256k;"
sed -e "s|@PORT@|$PORT|g" -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" \
    -e "s|@FILES@|$JOURNEYS_UPLOADS_FILES|g" -e "s|@UPLOAD_TMP@|$JOURNEYS_UPLOADS_TEMP|g" -e "s|@UPLOAD_MAX@|$UPLOAD_MAX|g" \
    -e "s|@SOCKET@|$JOURNEYS_SERVER_SOCKET|g" -e "s|@SLOW_SOCKET@|$JOURNEYS_SERVER_SLOW_SOCKET|g" \
    -e "s|@WRITE_SOCKET@|$JOURNEYS_SERVER_WRITE_SOCKET|g" -e "s|@USER@|$USER_LINE|g" \
    -e "s|@ACCESS_LOG@|$ACCESS_LINE|g" nginx/dev.conf.in > "$VAR/nginx/nginx.conf"
"$NGINX" -t -q -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e stderr

# Stop whatever this script started (on exit, Ctrl-C or SIGTERM): first
# journeys serve, which drains (its workers answer every request already
# handed to them, through nginx), and only then nginx, gracefully (SIGQUIT:
# it finishes sending those answers), then the local services.
SERVE=""
WEB=""
stop() {
    trap - INT TERM EXIT
    if [ -n "$SERVE" ]; then
        kill -TERM "$SERVE" 2>/dev/null || true
        wait "$SERVE" 2>/dev/null || true
    fi
    if [ -n "$WEB" ]; then
        kill -QUIT "$WEB" 2>/dev/null || true
        wait "$WEB" 2>/dev/null || true
    fi
    # shellcheck disable=SC2086 # a list of process ids
    kill -TERM $EXTRA 2>/dev/null || true
    wait $EXTRA 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

PAYMENTS_NOTE=""
MAIL_NOTE=""
if [ "$LOCAL_SERVICES" = 1 ] && ! given JOURNEYS_PAYMENTS_API_BASE payments api_base; then
    payport=$(free_port)
    if ! given JOURNEYS_PAYMENTS_WEBHOOK_SECRET payments webhook_secret; then
        JOURNEYS_PAYMENTS_WEBHOOK_SECRET="whsec_local_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    fi
    secret=${JOURNEYS_PAYMENTS_WEBHOOK_SECRET:-}
    if [ -z "$secret" ]; then
        echo "run.sh: [payments] webhook_secret is in $JOURNEYS_CONFIG; give it as JOURNEYS_PAYMENTS_WEBHOOK_SECRET too, or give api_base" >&2
        exit 1
    fi
    mkdir -p "$VAR/payments"
    "$PY" tests/integration/standin.py --port "$payport" --state-dir "$VAR/payments" \
        --webhook-url "$JOURNEYS_SITE_BASE_URL/webhooks/payments" --webhook-secret "$secret" \
        >>"$VAR/payments/standin.log" 2>&1 &
    EXTRA="$EXTRA $!"
    export JOURNEYS_PAYMENTS_API_BASE="http://127.0.0.1:$payport"
    export JOURNEYS_PAYMENTS_CHECKOUT_ORIGIN="http://127.0.0.1:$payport"
    export JOURNEYS_PAYMENTS_WEBHOOK_SECRET="$secret"
    await_port "$payport" || { echo "run.sh: the payment stand-in did not start; see $VAR/payments/standin.log" >&2; exit 1; }
    PAYMENTS_NOTE="Payments: a TEST provider on http://127.0.0.1:$payport (no card is charged)"
fi
if [ "$LOCAL_SERVICES" = 1 ] && ! given JOURNEYS_MAIL_SMTP_URL mail smtp_url; then
    smtpport=$(free_port)
    mkdir -p "$VAR/mail/cur" "$VAR/mail/new" "$VAR/mail/tmp"
    "$PY" -m aiosmtpd -n -l "127.0.0.1:$smtpport" -c aiosmtpd.handlers.Mailbox "$VAR/mail" \
        >>"$VAR/mail.log" 2>&1 &
    EXTRA="$EXTRA $!"
    export JOURNEYS_MAIL_SMTP_URL="smtp://127.0.0.1:$smtpport"
    await_port "$smtpport" || { echo "run.sh: the mail catcher did not start; see $VAR/mail.log" >&2; exit 1; }
    MAIL_NOTE="Mail: caught in $VAR/mail (staff read every message at $JOURNEYS_SITE_BASE_URL/staff/outbox)"
fi

"$BIN" migrate >/dev/null
"$BIN" publish
# With the local services, a newcomer also gets a staff account to look
# around the console with: made once, its password kept in var/ (mode 600).
STAFF_NOTE=""
if [ "$LOCAL_SERVICES" = 1 ]; then
    login="$VAR/staff-login.txt"
    if [ ! -f "$login" ]; then
        pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
        if printf '%s\n' "$pw" | "$BIN" user add staff@example.org --name "Local Staff" --role staff >/dev/null 2>&1; then
            (umask 077; printf 'e-mail: staff@example.org\npassword: %s\n' "$pw" >"$login")
        fi
    fi
    [ -f "$login" ] && STAFF_NOTE="Staff console: sign in at $JOURNEYS_SITE_BASE_URL/signin as staff@example.org, password in $login"
    # The demo offerings' coach (made by publish from courses/calendar.txt,
    # without a password) gets one too, so the coach's pages can be tried.
    coach="$VAR/coach-login.txt"
    if [ ! -f "$coach" ]; then
        pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
        if printf '%s\n' "$pw" | "$BIN" user password maya.okafor@mastery.org >/dev/null 2>&1; then
            (umask 077; printf 'e-mail: maya.okafor@mastery.org\npassword: %s\n' "$pw" >"$coach")
        fi
    fi
    [ -f "$coach" ] && STAFF_NOTE="$STAFF_NOTE
Coaching: sign in as maya.okafor@mastery.org (coach of the demo offerings), password in $coach"
fi
"$BIN" serve &
SERVE=$!
"$NGINX" -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e stderr &
WEB=$!

echo "Journeys is on $JOURNEYS_SITE_BASE_URL (Ctrl-C stops it)"
[ -z "$PAYMENTS_NOTE" ] || echo "$PAYMENTS_NOTE"
[ -z "$MAIL_NOTE" ] || echo "$MAIL_NOTE"
[ -z "$STAFF_NOTE" ] || echo "$STAFF_NOTE"
while kill -0 "$SERVE" 2>/dev/null && kill -0 "$WEB" 2>/dev/null; do
    sleep 1
done
echo "a process of the stack exited; stopping" >&2
exit 1
