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

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done
for t in "$BUILD"/tests/itest_*; do
    [ -x "$t" ] && run "integration/$(basename "$t" | sed 's/^itest_//')" "$t"
done

# The browser suite runs against one stack of its own.
if [ "${SKIP_BROWSER:-0}" != 1 ]; then
    dir=$(mktemp -d /tmp/journeys-browser-XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cp -r templates courses "$dir"/
    JOURNEYS_PATHS_VAR="$dir/var" PORT=$port JOURNEYS_SERVER_WORKERS=2 \
        setsid sh nginx/run.sh >"$dir/stack.log" 2>&1 &
    stackpid=$!
    up=0
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then up=1; break; fi
        sleep 0.1
    done
    if [ "$up" = 1 ]; then
        run browser env BASE_URL="http://127.0.0.1:$port" node tests/browser/run.mjs
    else
        cat "$dir/stack.log"
        failed=$((failed + 1))
        broken="$broken browser(stack did not start)"
    fi
    kill -TERM -"$stackpid" 2>/dev/null
    wait "$stackpid" 2>/dev/null
    rm -rf "$dir"
fi

[ -n "$broken" ] && echo "broken:$broken"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
