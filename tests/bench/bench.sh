#!/bin/sh
# make bench: wrk against the real stack on loopback. Each page is measured
# beside nginx serving a static file of about the same size in the same run,
# and reported as a ratio to it, so the figures mean something on any
# machine. Also reports the workers' memory before and after.
#
#   BENCH_SECONDS=10   seconds per URL
#   BENCH_CONNS=64     concurrent connections
#   BENCH_MILLION=1    afterwards, send a million requests to one page and
#                      report the workers' resident memory before and after
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
dir=$(mktemp -d /tmp/journeys-bench-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
JOURNEYS_PATHS_VAR="$dir/var" PORT=$port JOURNEYS_SITE_SIGNIN_PER_ACCOUNT=1000000 \
    JOURNEYS_SITE_SIGNIN_PER_ADDRESS=1000000 JOURNEYS_SERVER_MAX_REQUESTS=100000000 setsid sh nginx/run.sh >"$dir/stack.log" 2>&1 &
stack=$!
# Stop the stack on the way out. Under set -e a failing `wait` (the stack
# ends by the signal it was sent) would end the script with its status, so
# every step here is allowed to fail; the script keeps its own status.
stop_stack() {
    kill -TERM -"$stack" 2>/dev/null || true
    wait "$stack" 2>/dev/null || true
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap stop_stack EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

# Resident memory (KiB) of the workers: the manager's children.
workers_rss() {
    mgr=$(cat "$dir/var/journeys.pid")
    total=0
    for c in $(cat /proc/"$mgr"/task/"$mgr"/children); do
        kb=$(awk '/^VmRSS/ {print $2}' /proc/"$c"/status 2>/dev/null || echo 0)
        total=$((total + kb))
    done
    echo "$total"
}

# Print "rps p50 p99" for one URL (after one request that fills the cache).
measure() {
    curl -fsS -o /dev/null "$1"
    wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$1" 2>/dev/null | awk '
        /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
        END {printf "%s %s %s\n", rps, p50, p99}'
}

# The same with a session cookie, which bypasses nginx's microcache.
measure_uncached() {
    wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: journeys_session=bench" "$1" 2>/dev/null | awk '
        /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
        END {printf "%s %s %s\n", rps, p50, p99}'
}

size() { curl -fsS "$1" | wc -c; }

echo "journeys bench: $SECS s per URL, $CONNS connections, $(nproc) cores"
echo "workers' memory at start: $(workers_rss) KiB"
static=$(measure "$base/static/yardstick.html")
srps=${static%% *}
printf '%-24s %8s %10s %10s %10s %8s\n' URL bytes req/s p50 p99 ratio
printf '%-24s %8s %10s %10s %10s %8s\n' /static/yardstick.html "$(size "$base/static/yardstick.html")" $static 1.00
course=$(curl -fsS "$base/courses" | grep -o '/courses/[a-z0-9-]*' | head -n 1)
for path in / /courses "$course" /calendar /calendar.ics; do
    r=$(measure "$base$path")
    rps=${r%% *}
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
    printf '%-24s %8s %10s %10s %10s %8s\n' "$path" "$(size "$base$path")" $r "$ratio"
done
echo "The same pages with a session cookie (no microcache: every request rendered by a worker):"
for path in / /courses "$course" /calendar /calendar.ics; do
    r=$(measure_uncached "$base$path")
    rps=${r%% *}
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
    printf '%-24s %8s %10s %10s %10s %8s\n' "$path" "$(size "$base$path")" $r "$ratio"
done

# A signed-in participant: an account, a session cookie, a CSRF token.
echo 'bench-password-1' | JOURNEYS_PATHS_VAR="$dir/var" JOURNEYS_PATHS_DATABASE="$dir/var/journeys.db" \
    "${BUILD:-build}"/journeys user add bench@example.org --name Bench >/dev/null
jar="$dir/jar"
token=$(curl -fsS -c "$jar" "$base/signin" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
csrf_cookie=$(awk '$6 == "journeys_csrf" {print $7}' "$jar")
curl -fsS -b "$jar" -c "$jar" -o /dev/null -d "email=bench%40example.org&password=bench-password-1&csrf=$token" "$base/signin"
session=$(awk '$6 == "journeys_session" {print $7}' "$jar")
cat >"$dir/signin.lua" <<LUA
wrk.method = "POST"
wrk.body = "email=bench%40example.org&password=bench-password-1&csrf=$token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "journeys_csrf=$csrf_cookie"
LUA
echo "Signed in (argon2id, libsodium's interactive cost: 2 passes over 64 MiB per sign-in):"
r=$(wrk -t2 -c4 -d"${SECS}s" --latency -s "$dir/signin.lua" "$base/signin" 2>/dev/null | awk '
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
    END {printf "%s %s %s\n", rps, p50, p99}')
rps=${r%% *}
printf '%-24s %8s %10s %10s %10s %8s\n' "POST /signin" "-" $r "$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.4f", a / b}')"
r=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "Cookie: journeys_session=$session" "$base/offerings/demo-pv/register" 2>/dev/null | awk '
    /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
    END {printf "%s %s %s\n", rps, p50, p99}')
rps=${r%% *}
printf '%-24s %8s %10s %10s %10s %8s\n' "register page" "$(curl -fsS -H "Cookie: journeys_session=$session" "$base/offerings/demo-pv/register" | wc -c)" $r "$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.2f", a / b}')"
echo "workers' memory after: $(workers_rss) KiB"

if [ "${BENCH_MILLION:-0}" = 1 ]; then
    # About a million requests rendered by the workers (a session cookie
    # skips the microcache): long enough at the rate just measured.
    rate=$(measure_uncached "$base/calendar")
    secs=$(awk -v r="${rate%% *}" 'BEGIN {printf "%d", (r > 0 ? 1000000 / r : 300) + 5}')
    before=$(workers_rss)
    wrk -t2 -c"$CONNS" -d"${secs}s" -H "Cookie: journeys_session=$session" "$base/calendar" 2>/dev/null |
        grep -E "requests in"
    echo "workers' memory: $before KiB before, $(workers_rss) KiB after"
fi
