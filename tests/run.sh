#!/bin/sh
# Run every test program and add up their closing lines. Unit tests first,
# then integration tests through real nginx, then the browser suite in
# Chromium against a stack started here. The last line is the total:
# "N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
export BUILD
passed=0
failed=0
broken=""

# Run one program; fold its "N passed, N failed" line into the totals. A
# program that crashes or prints no such line counts as one failure.
run() {
    name=$1
    shift
    out=$(mktemp)
    "$@" >"$out" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*passed, }
        f=${f%% failed*}
        passed=$((passed + p))
        failed=$((failed + f))
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { failed=$((failed + 1)); broken="$broken $name(exit $rc)"; }
    else
        failed=$((failed + 1))
        broken="$broken $name"
    fi
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
        cat "$out"
    fi
    printf '%-28s %s\n' "$name" "${line:-no result (exit $rc)}"
    rm -f "$out"
}

# ONLY=unit, ONLY=integration or ONLY=browser runs one part; BROWSER_ONLY="a|b"
# runs only the browser tests whose names hold a or b (single words).
for t in "$BUILD"/tests/test_*; do
    [ -z "${ONLY:-}" ] || [ "$ONLY" = unit ] || break
    [ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done
for t in "$BUILD"/tests/itest_*; do
    [ -z "${ONLY:-}" ] || [ "$ONLY" = integration ] || break
    [ -x "$t" ] && run "integration/$(basename "$t" | sed 's/^itest_//')" "$t"
done

# The browser suite runs against one stack of its own.
# Its npm modules are fetched here, after the C tests have run, so a failed
# download fails only this part (the log is $BUILD/npm.log).
browser_modules() {
    [ -d tests/browser/node_modules ] && return 0
    mkdir -p "$BUILD"
    if (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) >"$BUILD/npm.log" 2>&1; then
        return 0
    fi
    tail -n 25 "$BUILD/npm.log"
    echo "browser: npm could not fetch the test modules (log: $BUILD/npm.log)"
    return 1
}
if [ "${SKIP_BROWSER:-0}" != 1 ] && { [ -z "${ONLY:-}" ] || [ "$ONLY" = browser ]; } && ! browser_modules; then
    failed=$((failed + 1))
    broken="$broken browser(npm)"
elif [ "${SKIP_BROWSER:-0}" != 1 ] && { [ -z "${ONLY:-}" ] || [ "$ONLY" = browser ]; }; then
    dir=$(mktemp -d /tmp/journeys-browser-XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    payport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    smtpport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$dir/pay" "$dir/mail"
    # The payment provider stand-in and a real SMTP server, for the sign-up
    # and payment flow.
    setsid /usr/bin/python3 tests/integration/standin.py --port "$payport" \
        --webhook-url "http://127.0.0.1:$port/webhooks/payments" --webhook-secret whsec_browser \
        --state-dir "$dir/pay" >"$dir/pay.log" 2>&1 &
    paypid=$!
    setsid /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$smtpport" -c aiosmtpd.handlers.Mailbox "$dir/mail/box" \
        >"$dir/smtp.log" 2>&1 &
    smtppid=$!
    JOURNEYS_PATHS_VAR="$dir/var" PORT=$port JOURNEYS_SERVER_WORKERS=2 \
        JOURNEYS_PAYMENTS_API_BASE="http://127.0.0.1:$payport" JOURNEYS_PAYMENTS_CHECKOUT_ORIGIN="http://127.0.0.1:$payport" \
        JOURNEYS_PAYMENTS_WEBHOOK_SECRET=whsec_browser JOURNEYS_MAIL_SMTP_URL="smtp://127.0.0.1:$smtpport" \
        JOURNEYS_JOBS_INTERVAL=1 setsid sh nginx/run.sh >"$dir/stack.log" 2>&1 &
    stackpid=$!
    up=0
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then up=1; break; fi
        sleep 0.1
    done
    if [ "$up" = 1 ]; then
        # A staff account for the staff pages' checks.
        printf 'browser-staff-password\n' | JOURNEYS_PATHS_VAR="$dir/var" JOURNEYS_PATHS_DATABASE="$dir/var/journeys.db" \
            "${BUILD:-build}/journeys" user add browser-staff@example.org --name "Browser Staff" --role staff >/dev/null
        # The demo offerings' coach, for the coach's walk.
        printf 'browser-coach-password\n' | JOURNEYS_PATHS_VAR="$dir/var" JOURNEYS_PATHS_DATABASE="$dir/var/journeys.db" \
            "${BUILD:-build}/journeys" user password maya.okafor@mastery.org >/dev/null
        # BROWSER_ONLY="a|b" gives run.mjs one --only per name.
        only=$(printf '%s' "${BROWSER_ONLY:-}" | awk -v RS='|' 'length($0) {printf " --only %s", $0}')
        run browser env BASE_URL="http://127.0.0.1:$port" STAFF_EMAIL=browser-staff@example.org \
            STAFF_PASSWORD=browser-staff-password \
            COACH_EMAIL=maya.okafor@mastery.org COACH_PASSWORD=browser-coach-password \
            node tests/browser/run.mjs $only
    else
        cat "$dir/stack.log"
        failed=$((failed + 1))
        broken="$broken browser(stack did not start)"
    fi
    kill -TERM -"$stackpid" -"$paypid" -"$smtppid" 2>/dev/null
    wait "$stackpid" "$paypid" "$smtppid" 2>/dev/null
    rm -rf "$dir"
fi

[ -n "$broken" ] && echo "broken:$broken"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
