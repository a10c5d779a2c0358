#!/bin/sh
# make bench: wrk against the real stack (nginx/run.sh) on loopback. Each
# page is measured beside nginx serving a static file of about the same size
# in the same run, and reported as a ratio to it, so the figures mean
# something on any machine. Every line runs twice: on a database with only
# the bench fixtures (tests/bench/filldb.sh --fixtures-only) and on a filled
# one (100,000 users, 2,000 offerings, 200,000 registrations, 2,000,000
# posts); then the two are compared line by line. Also reports the workers'
# memory. The course workspace's lines (workspace_lines, reply_line) are
# those of the offering bench-cohort (tests/bench/workspace.sql). The staff
# lines add the season report of the largest season and the streamed CSV
# exports (one offering's roster, every registration, every payment), each
# with its time to the last byte against nginx sending the same bytes as a
# static file and the workers' peak memory while it ran (export_lines).
#
#   BENCH_SECONDS=10   seconds per URL
#   BENCH_CONNS=64     concurrent connections
#   BENCH_FILLED=0     skip the run on the filled database
#   BENCH_KEEP=1       keep the scratch directory (databases, logs)
#   BENCH_MILLION=1    afterwards, send a million requests to one page and
#                      report the workers' resident memory before and after
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
BIN=$ROOT/${BUILD:-build}/journeys
PASSWORD=bench-password-1
dir=$(mktemp -d /tmp/journeys-bench-XXXXXX)
# Yardsticks of the pages' sizes, served by nginx from static/ while the
# bench runs (ignored by git, removed on the way out).
yard=static/.bench-$$
stack=""

# Stop the stack on the way out. Under set -e a failing `wait` (the stack
# ends by the signal it was sent) would end the script with its status, so
# every step here is allowed to fail; the script keeps its own status.
stop_stack() {
    [ -n "$stack" ] || return 0
    kill -TERM -"$stack" 2>/dev/null || true
    wait "$stack" 2>/dev/null || true
    stack=""
}
cleanup() {
    stop_stack
    rm -rf "$yard"
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$yard"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Make the database for run $1 (empty or filled) in $dir/$1 and print how
# long the generator took.
make_db() {
    var="$dir/$1"
    mkdir -p "$var"
    export JOURNEYS_PATHS_VAR="$var" JOURNEYS_PATHS_DATABASE="$var/journeys.db"
    "$BIN" migrate >/dev/null 2>&1
    "$BIN" publish >/dev/null 2>&1
    t0=$(date +%s.%N)
    if [ "$1" = filled ]; then
        BENCH_PASSWORD=$PASSWORD sh tests/bench/filldb.sh
    else
        BENCH_PASSWORD=$PASSWORD sh tests/bench/filldb.sh --fixtures-only
    fi
    t1=$(date +%s.%N)
    unset JOURNEYS_PATHS_VAR JOURNEYS_PATHS_DATABASE
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}'
}

# Start the stack of run $1 on a fresh port ($base); wait until it answers.
start_stack() {
    port=$(free_port)
    base="http://127.0.0.1:$port"
    JOURNEYS_PATHS_VAR="$dir/$1" PORT=$port JOURNEYS_ACCESS_LOG="$dir/$1/timing.log" \
        JOURNEYS_SITE_SIGNIN_PER_ACCOUNT=1000000 \
        JOURNEYS_SITE_SIGNIN_PER_ADDRESS=1000000 JOURNEYS_SERVER_MAX_REQUESTS=100000000 \
        setsid sh nginx/run.sh >"$dir/$1/stack.log" 2>&1 &
    stack=$!
    for _ in $(seq 1 100); do
        curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench: the stack did not answer; see $dir/$1/stack.log" >&2
    exit 1
}

# Resident memory (KiB) of the workers: the manager's children.
workers_rss() {
    mgr=$(cat "$var/journeys.pid")
    total=0
    for c in $(cat /proc/"$mgr"/task/"$mgr"/children); do
        kb=$(awk '/^VmRSS/ {print $2}' /proc/"$c"/status 2>/dev/null || echo 0)
        total=$((total + kb))
    done
    echo "$total"
}

# Sign in as $1 through the site; print the session cookie's value.
sign_in() {
    jar="$dir/jar-$1"
    rm -f "$jar"
    token=$(curl -fsS -c "$jar" "$base/signin" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -fsS -b "$jar" -c "$jar" -o /dev/null -d "email=$(echo "$1" | sed 's/@/%40/')&password=$PASSWORD&csrf=$token" \
        "$base/signin"
    awk '$6 == "journeys_session" {print $7}' "$jar"
}

# Wait until the workers are idle again (requests of a slow page left
# queued by the last line would be counted against the next): a bare
# worker answer comes back within 100 ms, or a minute has passed.
settle() {
    for _ in $(seq 1 600); do
        t=$(curl -fsS -o /dev/null -w '%{time_total}' "$base/healthz" 2>/dev/null || echo 9)
        awk -v t="$t" 'BEGIN {exit !(t < 0.1)}' && return 0
        sleep 0.1
    done
    echo "  (the workers were still busy after a minute)" >&2
}

# The times nginx logged (JOURNEYS_ACCESS_LOG, nginx/run.sh) start afresh.
timing_start() {
    : >"$dir/$run/timing.log"
}

# The 99th percentile of the times nginx logged since timing_start, from
# its first byte read to its last byte sent: what the stack itself took,
# without the time a request waits for the load generator on the same
# cores. nginx is told to reopen its log, which writes out its buffer;
# waits for as many lines as wrk counted answers. Prints e.g. 4ms (nginx
# logs milliseconds: <1ms below one).
timing_p99() {
    want=$(awk '/requests in/ {print $1}' "$dir/wrk.out")
    kill -USR1 "$(cat "$dir/$run/nginx/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 1 100); do
        [ "$(wc -l <"$dir/$run/timing.log")" -ge "${want:-0}" ] && break
        sleep 0.1
    done
    sort -n "$dir/$run/timing.log" | awk '{t[NR] = $1} END {
        if (NR == 0) { print "-"; exit }
        i = int(NR * 0.99); if (i < NR * 0.99) i++; if (i < 1) i = 1
        if (t[i] < 0.001) print "<1ms"; else printf "%dms\n", t[i] * 1000 + 0.5 }'
}

# Print "rps p50 p99" for one URL; $2 is a Cookie header or empty; the p99
# nginx saw goes to $dir/srv99. A page that answers other than 2xx/3xx
# under load fails the bench.
wrk_line() {
    settle
    timing_start
    if [ -n "$2" ]; then
        wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -H "Cookie: $2" "$1" >"$dir/wrk.out" 2>&1 || true
    else
        wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency "$1" >"$dir/wrk.out" 2>&1 || true
    fi
    if grep -q 'Non-2xx' "$dir/wrk.out"; then
        echo "bench: $1 answered errors under load:" >&2
        cat "$dir/wrk.out" >&2
        exit 1
    fi
    # A request that takes longer than the timeout is counted, not timed:
    # say so beside the figures.
    awk '/timeout [0-9]/ {n = $NF; if (n > 0) printf "  (%d requests got no answer within 10 s)\n", n > "/dev/stderr"}' \
        "$dir/wrk.out"
    timing_p99 >"$dir/srv99"
    awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
         END {printf "%s %s %s\n", rps, p50, p99}' "$dir/wrk.out"
}

# The yardstick for a page of $1 bytes: a static file of that size rounded
# to two significant digits, measured once per run. Prints its req/s.
yardstick() {
    sz=$(awk -v n="$1" 'BEGIN {p = 1; while (n >= 100 * p) p *= 10; printf "%d", int(n / p + 0.5) * p}')
    [ "$sz" -gt 0 ] || sz=100
    f="$yard/$sz.html"
    if [ ! -f "$f" ]; then
        while [ "$(cat "$f" 2>/dev/null | wc -c)" -lt "$sz" ]; do cat static/yardstick.html >>"$f"; done
        head -c "$sz" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    fi
    if [ ! -f "$dir/$run/static-$sz" ]; then
        curl -fsS -o /dev/null "$base/$f"
        wrk_line "$base/$f" "" >"$dir/$run/static-$sz"
        r=$(cat "$dir/$run/static-$sz")
        printf '%-36s %8s %10s %10s %10s %8s %10s\n' "/$f" "$sz" $r 1.00 "$(cat "$dir/srv99")" >&2
    fi
    cut -d' ' -f1 "$dir/$run/static-$sz"
}

# Measure one line: label, path, cookie (or empty). Prints the table line
# and keeps "label bytes rps p50 p99 ratio nginx-p99" in $dir/$run/lines.
line() {
    if [ -n "$3" ]; then
        curl -fsS -H "Cookie: $3" -o "$dir/page" "$base$2"
    else
        curl -fsS -o "$dir/page" "$base$2"
    fi
    bytes=$(wc -c <"$dir/page")
    if [ -n "$3" ] && grep -q '<html' "$dir/page" && ! grep -q 'action="/signout"' "$dir/page"; then
        echo "bench: $2 is not signed in with the session given" >&2
        exit 1
    fi
    # The yardstick prints its own line (on stderr) the first time.
    srps=$(yardstick "$bytes")
    r=$(wrk_line "$base$2" "$3")
    rps=${r%% *}
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
    srv=$(cat "$dir/srv99")
    printf '%-36s %8s %10s %10s %10s %8s %10s\n' "$1" "$bytes" $r "$ratio" "$srv"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$bytes" $r "$ratio" "$srv" >>"$dir/$run/lines"
}

# One whole run on database $1.
bench_run() {
    run=$1
    secs=$(make_db "$run")
    start_stack "$run"
    var="$dir/$run"
    : >"$dir/$run/lines"
    users=$(sqlite3 "$var/journeys.db" "SELECT count(*) FROM users")
    offs=$(sqlite3 "$var/journeys.db" "SELECT count(*) FROM offerings")
    regs=$(sqlite3 "$var/journeys.db" "SELECT count(*) FROM enrolments")
    echo
    echo "== $run database: $users users, $offs offerings, $regs registrations (made in $secs s)"
    echo "workers' memory at start: $(workers_rss) KiB"
    participant=$(sign_in bench@example.org)
    staff=$(sign_in bench-staff@example.org)
    course=$(curl -fsS "$base/courses" | grep -o '/courses/[a-z0-9-]*' | head -n 1)
    echo "(p99: as wrk saw it, on the same cores as the stack; nginx p99: each request's time inside nginx)"
    printf '%-36s %8s %10s %10s %10s %8s %10s\n' URL bytes req/s p50 p99 ratio "nginx p99"
    {
        echo "Anonymous (nginx's microcache):"
        for path in / /courses "$course" /calendar /calendar.ics /offerings/demo-pv; do
            curl -fsS -o /dev/null "$base$path"
            line "$path" "$path" ""
        done
        echo "A bare worker answer (no cache):"
        line "/healthz" /healthz "journeys_session=bench"
        echo "Signed in (a participant's session; rendered by a worker every time):"
        for path in / /courses "$course" /calendar /calendar.ics /offerings/demo-pv; do
            line "signed in $path" "$path" "journeys_session=$participant"
        done
        line "signed in /my" /my "journeys_session=$participant"
        line "signed in register page" /offerings/demo-pv/register "journeys_session=$participant"
        echo "Signed in as staff:"
        line "staff roster of 200, page 1" /staff/offerings/bench-roster "journeys_session=$staff"
        report_lines
        workspace_lines
        coach_lines
    } 2>&1
    # Before the sign-ins: argon2id's 64 MiB would count as a worker's peak.
    export_lines
    reply_line
    signin_line
    echo "workers' memory after: $(workers_rss) KiB"
    if [ "${BENCH_MILLION:-0}" = 1 ] && [ "$run" = empty ]; then
        million "$participant"
    fi
    stop_stack
    if [ "$run" = filled ]; then
        echo
        echo "== query plans on the filled database that read a large table from end to end:"
        sh tests/bench/plans.sh "$var/journeys.db" "$participant" "$staff"
    fi
}

# --- The course workspace (issue 8) ---
# The bench participant's pages in bench-cohort (tests/bench/workspace.sql):
# the general thread of 500 posts, its first page and the page with the
# first post the participant had not read (post 251; showing it marks the
# page read, so from the second request on it is a page of read posts), the
# workspace home for the cohort of 200 and the gallery of 200 shared
# submissions of the course's first activity. Sets $ws_thread for reply_line.
workspace_lines() {
    ws_thread=$(sqlite3 "$var/journeys.db" "SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id
        WHERE o.code = 'bench-cohort' ORDER BY t.posts DESC, t.id LIMIT 1")
    unread=$(sqlite3 "$var/journeys.db" "SELECT min(p.id) FROM posts p, thread_reads r, users u
        WHERE p.thread_id = $ws_thread AND r.thread_id = p.thread_id AND r.user_id = u.id
        AND u.email = 'bench@example.org' AND p.id > r.last_post_id")
    activity=$(sqlite3 "$var/journeys.db" "SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id
        WHERE o.code = 'bench-cohort' AND i.section = 'activity' AND i.archived_at IS NULL ORDER BY i.position LIMIT 1")
    echo "Signed in, the course workspace (bench-cohort: a cohort of 200):"
    line "thread of 500, page 1" "/learn/bench-cohort/threads/$ws_thread" "journeys_session=$participant"
    line "thread of 500, first unread's page" "/learn/bench-cohort/threads/$ws_thread?post=$unread" \
        "journeys_session=$participant"
    line "workspace home, cohort of 200" /learn/bench-cohort "journeys_session=$participant"
    line "gallery of 200 submissions" "/learn/bench-cohort/activities/$activity/gallery" \
        "journeys_session=$participant"
}

# --- Coaching (issue 9) ---
# The bench coach (tests/bench/coach.sql) facilitates ten offerings in
# progress of 200 participants each: the "needs me" queue across all ten
# and the landing page that counts what waits in each, and the first page
# of one offering's roster; then the same two pages for staff, which cover
# every offering of the 2,000 still open for posting.
coach_lines() {
    coach=$(sign_in bench-coach@example.org)
    echo "Signed in as a coach of 10 offerings of 200 (bench-coach-01 to -10):"
    line "coach queue, 10 offerings of 200" /coach/queue "journeys_session=$coach"
    line "coach landing, 10 offerings" /coach "journeys_session=$coach"
    line "coach roster, 200, page 1" /coach/offerings/bench-coach-01/roster "journeys_session=$coach"
    echo "Signed in as staff, whose coach pages cover every offering still open for posting:"
    line "staff's coach landing" /coach "journeys_session=$staff"
    line "staff's coach queue" /coach/queue "journeys_session=$staff"
}

# --- Staff reports and streamed exports (issue 10) ---
# The season report of the season with the most registrations, under load.
report_lines() {
    season=$(sqlite3 "$var/journeys.db" "SELECT o.season FROM offerings o JOIN enrolments e ON e.offering_id = o.id
        GROUP BY o.season ORDER BY count(*) DESC LIMIT 1")
    n=$(sqlite3 "$var/journeys.db" "SELECT count(*) FROM offerings o JOIN enrolments e ON e.offering_id = o.id
        WHERE o.season = '$season'")
    enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$season")
    echo "Staff reports (the season with the most registrations: $season, $n registrations):"
    line "staff season report" "/staff/reports/seasons/$enc" "journeys_session=$staff"
}

# The peak resident memory (KiB) of the busiest worker since the last
# reset_peaks: the largest VmHWM among the manager's children.
reset_peaks() {
    mgr=$(cat "$var/journeys.pid")
    for c in $(cat /proc/"$mgr"/task/"$mgr"/children); do echo 5 >/proc/"$c"/clear_refs 2>/dev/null || true; done
}
peak_rss() {
    mgr=$(cat "$var/journeys.pid")
    max=0
    for c in $(cat /proc/"$mgr"/task/"$mgr"/children); do
        kb=$(awk '/^VmHWM/ {print $2}' /proc/"$c"/status 2>/dev/null || echo 0)
        [ "${kb:-0}" -gt "$max" ] && max=$kb
    done
    echo "$max"
}

# One export, signed in as staff, fetched once: its rows, bytes, time to
# the last byte, that time as a ratio to nginx sending a static file of the
# same bytes, and the workers' peak memory while it ran (VmHWM, reset just
# before), beside their memory before it.
export_line() {
    settle
    before=$(workers_rss)
    reset_peaks
    t=$(curl -fsS -H "Cookie: journeys_session=$staff" -o "$dir/export.csv" -w '%{time_total}' "$base$2")
    peak=$(peak_rss)
    rows=$(($(wc -l <"$dir/export.csv") - 1))
    bytes=$(wc -c <"$dir/export.csv")
    cp "$dir/export.csv" "$yard/export.csv"
    curl -fsS -o /dev/null "$base/$yard/export.csv"
    ts=$(curl -fsS -o /dev/null -w '%{time_total}' "$base/$yard/export.csv")
    rm -f "$yard/export.csv"
    ratio=$(awk -v a="$t" -v b="$ts" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')
    printf '%-36s %8s %10s %9ss %9ss %8s %10s %10s\n' "$1" "$rows" "$bytes" "$t" "$ts" "$ratio" "$before" "$peak"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rows" "$bytes" "$t" "$ratio" "$before" "$peak" >>"$dir/$run/exports"
}

# The roster exports: one offering (200 registrations) and every
# registration in the database (200,000 when filled). Streamed, the worker's
# peak memory is the same for both.
export_lines() {
    echo "Staff CSV exports, streamed (uptime: $(uptime | sed 's/.*load/load/')):"
    printf '%-36s %8s %10s %10s %10s %8s %10s %10s\n' export rows bytes "last byte" static ratio "RSS KiB" "peak KiB"
    : >"$dir/$run/exports"
    export_line "roster CSV, one offering" "/staff/exports/rosters.csv?offering=bench-roster"
    export_line "roster CSV, every registration" "/staff/exports/rosters.csv"
    export_line "payments CSV, every payment" "/staff/exports/payments.csv"
    awk -F'\t' 'NR == 1 {p = $7} NR == 2 && p > 0 {printf "peak memory, every registration / one offering: %.2f (%d rows / %d rows)\n", $7 / p, $2, rows1} NR == 1 {rows1 = $2}' \
        "$dir/$run/exports"
}

# POST a reply to the thread of 500 under load, with the session's CSRF
# token from the thread page; each answers 303 to the new post. Runs after
# the pages above (the thread grows by every reply). The ratio is to the
# static file of the thread page's size.
reply_line() {
    token=$(curl -fsS -H "Cookie: journeys_session=$participant" "$base/learn/bench-cohort/threads/$ws_thread" |
        sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    cat >"$dir/reply.lua" <<LUA
wrk.method = "POST"
wrk.body = "csrf=$token&quote_id=&body=A+reply+written+under+load%2C+with+**some+emphasis**+and+a+sentence+or+two."
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "journeys_session=$participant"
LUA
    url="$base/learn/bench-cohort/threads/$ws_thread/reply"
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: journeys_session=$participant" \
        -d "csrf=$token&quote_id=&body=One+reply+before+the+load." "$url")
    if [ "$code" != 303 ]; then
        echo "bench: POST $url answered $code, not 303" >&2
        exit 1
    fi
    settle
    timing_start
    wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -s "$dir/reply.lua" "$url" >"$dir/wrk.out" 2>&1 || true
    srv=$(timing_p99)
    if grep -q 'Non-2xx' "$dir/wrk.out"; then
        echo "bench: $url answered errors under load:" >&2
        cat "$dir/wrk.out" >&2
        exit 1
    fi
    r=$(awk '/^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
        END {printf "%s %s %s\n", rps, p50, p99}' "$dir/wrk.out")
    rps=${r%% *}
    bytes=$(awk -F'\t' '$1 == "thread of 500, page 1" {print $2}' "$dir/$run/lines")
    srps=$(yardstick "$bytes" 2>/dev/null)
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
    printf '%-36s %8s %10s %10s %10s %8s %10s\n' "POST a reply (303)" - $r "$ratio" "$srv"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "POST a reply (303)" - $r "$ratio" "$srv" >>"$dir/$run/lines"
}

# POST /signin under load: argon2id at libsodium's interactive cost.
signin_line() {
    jar="$dir/jar-load"
    rm -f "$jar"
    token=$(curl -fsS -c "$jar" "$base/signin" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    csrf_cookie=$(awk '$6 == "journeys_csrf" {print $7}' "$jar")
    cat >"$dir/signin.lua" <<LUA
wrk.method = "POST"
wrk.body = "email=bench%40example.org&password=$PASSWORD&csrf=$token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "journeys_csrf=$csrf_cookie"
LUA
    echo "Signing in (argon2id, libsodium's interactive cost: 2 passes over 64 MiB per sign-in):"
    r=$(wrk -t2 -c4 -d"${SECS}s" --latency -s "$dir/signin.lua" "$base/signin" 2>/dev/null | awk '
        /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /^Requests\/sec/ {rps=$2}
        END {printf "%s %s %s\n", rps, p50, p99}')
    rps=${r%% *}
    srps=$(cut -d' ' -f1 "$(ls "$dir/$run"/static-* | head -n 1)")
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.4f", (b > 0 ? a / b : 0)}')
    printf '%-36s %8s %10s %10s %10s %8s\n' "POST /signin" "-" $r "$ratio"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "POST /signin" - $r "$ratio" >>"$dir/$run/lines"
}

# About a million requests rendered by the workers (a session skips the
# microcache): long enough at the rate measured for the calendar.
million() {
    rate=$(awk -F'\t' '$1 == "signed in /calendar" {print $3}' "$dir/$run/lines")
    secs=$(awk -v r="$rate" 'BEGIN {printf "%d", (r > 0 ? 1000000 / r : 300) + 5}')
    before=$(workers_rss)
    wrk -t2 -c"$CONNS" -d"${secs}s" -H "Cookie: journeys_session=$1" "$base/calendar" 2>/dev/null |
        grep -E "requests in"
    echo "workers' memory: $before KiB before, $(workers_rss) KiB after"
}

echo "journeys bench: $SECS s per URL, $CONNS connections, $(nproc) cores"
echo "(static lines are the yardsticks: nginx serving a file of about the page's size)"
bench_run empty
[ "${BENCH_FILLED:-1}" = 0 ] || bench_run filled

if [ -s "$dir/filled/lines" ] 2>/dev/null; then
    echo
    echo "== filled / empty, line by line (req/s: below 1 is slower when filled; p99: above 1 is slower)"
    printf '%-36s %8s %8s %10s %10s %8s %10s %10s %8s\n' line "bytes e" "bytes f" "req/s e" "req/s f" "f/e" \
        "p99 e" "p99 f" "f/e"
    awk -F'\t' '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        NR == FNR { b[$1] = $2; r[$1] = $3; p[$1] = $5; next }
        ($1 in r) {
            printf "%-36s %8s %8s %10s %10s %8.2f %10s %10s %8.2f\n", $1, b[$1], $2, r[$1], $3,
                (r[$1] > 0 ? $3 / r[$1] : 0), p[$1], $5, (ms(p[$1]) > 0 ? ms($5) / ms(p[$1]) : 0)
        }' "$dir/empty/lines" "$dir/filled/lines"
fi
