#!/bin/sh
# cpu.sh: the CPU time the stack spends per request on one URL, in
# microseconds: user and system time of journeys serve and nginx (the
# manager, the master and all their children) over a wrk run, divided by
# the requests answered. Unlike requests per second it hardly moves with
# what else the machine is running, so it is the figure to compare two
# builds or settings on a shared machine.
#
#   tests/bench/cpu.sh VAR URL [COOKIE]
#
# VAR is the stack's runtime folder (JOURNEYS_PATHS_VAR of nginx/run.sh:
# it holds journeys.pid and nginx/nginx.pid); COOKIE is a Cookie header
# value, e.g. journeys_session=... Prints "URL requests us/request".
#   CPU_SECONDS=5  CPU_CONNS=64
set -eu
[ $# -ge 2 ] || { echo "usage: cpu.sh VAR URL [COOKIE]" >&2; exit 2; }
var=$1
url=$2
cookie=${3:-}
tck=$(getconf CLK_TCK)

# The pids of the stack: both parents and their children.
pids() {
    for p in $(cat "$var/journeys.pid" "$var/nginx/nginx.pid"); do
        echo "$p"
        cat /proc/"$p"/task/"$p"/children 2>/dev/null | tr ' ' '\n'
    done | grep -v '^$'
}

# Clock ticks of user and system time the stack's processes have used.
ticks() {
    for p in $(pids); do
        awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || true
    done | awk '{s += $1} END {print s + 0}'
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
t0=$(ticks)
if [ -n "$cookie" ]; then
    wrk -t2 -c"${CPU_CONNS:-64}" -d"${CPU_SECONDS:-5}s" -H "Cookie: $cookie" "$url" >"$out" 2>&1 || true
else
    wrk -t2 -c"${CPU_CONNS:-64}" -d"${CPU_SECONDS:-5}s" "$url" >"$out" 2>&1 || true
fi
t1=$(ticks)
n=$(awk '/requests in/ {print $1}' "$out")
awk -v u="$url" -v a="$t0" -v b="$t1" -v n="${n:-0}" -v hz="$tck" \
    'BEGIN {printf "%s %d %.0f\n", u, n, (n > 0 ? (b - a) * 1000000 / hz / n : 0)}'
