#!/bin/sh
# plans.sh: the query plans of the pages the bench measures, on a bench
# database. Each page is served once by `journeys request` with sqllog.so
# preloaded, which writes down every statement the page prepares; each
# statement then goes through EXPLAIN QUERY PLAN in the sqlite3 shell (the
# same SQLite library), and every plan that reads a table from end to end
# (SCAN, through an index or not; not of a constant row, of the rows a
# subquery made itself or of a table under 100 rows) is printed with the
# page that ran it.
#
#   tests/bench/plans.sh DATABASE PARTICIPANT_SESSION STAFF_SESSION
#
# The sessions are the cookie values of the bench's two accounts (bench.sh
# passes them); the database is only read by the plans, though the pages may
# write as they would on the site.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BIN=$ROOT/${BUILD:-build}/journeys
[ $# = 3 ] || { echo "usage: plans.sh DATABASE PARTICIPANT_SESSION STAFF_SESSION" >&2; exit 2; }
DB=$1
dir=$(mktemp -d /tmp/journeys-plans-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$dir/sqllog.so" tests/bench/sqllog.c -ldl

# Rows in each table, to leave out scans of small ones.
sqlite3 -readonly "$DB" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'" |
    while read -r t; do echo "$t $(sqlite3 -readonly "$DB" "SELECT count(*) FROM \"$t\"" </dev/null)"; done >"$dir/sizes"

course=$(JOURNEYS_PATHS_DATABASE="$DB" JOURNEYS_PATHS_VAR="$dir" "$BIN" request GET /courses 2>/dev/null |
    grep -o '/courses/[a-z0-9-]*' | head -n 1)
page() {
    label=$1 path=$2 cookie=$3
    rm -f "$dir/sql"
    JOURNEYS_PATHS_DATABASE="$DB" JOURNEYS_PATHS_VAR="$dir" JOURNEYS_REQUEST_HTTP_COOKIE="$cookie" \
        JOURNEYS_SQLLOG="$dir/sql" LD_PRELOAD="$dir/sqllog.so" "$BIN" request GET "$path" >"$dir/out" 2>&1 || true
    head -n 1 "$dir/out" | grep -q '200' || grep -q '^Status: 200' "$dir/out" ||
        echo "plans: $label ($path) did not answer 200: $(head -n 1 "$dir/out")" >&2
    [ -f "$dir/sql" ] || return 0
    sort -u "$dir/sql" | grep -Eiv '^ *(PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)' | while IFS= read -r sql; do
        sqlite3 -readonly "$DB" "EXPLAIN QUERY PLAN $sql" >"$dir/plan" 2>&1 || continue
        # A SCAN of a table (by its name or alias), also one walking an
        # index from end to end; small tables (under 100 rows) are left out.
        if awk -v sizes="$dir/sizes" -v sql="$sql" '
            BEGIN { while ((getline l < sizes) > 0) { split(l, f, " "); rows[f[1]] = f[2] } }
            # rows a subquery made for itself are read from its own plan
            /MATERIALIZE|CO-ROUTINE/ { for (i = 1; i <= NF; i++) if ($i ~ /MATERIALIZE|CO-ROUTINE/) sub_[$(i + 1)] = 1 }
            /SCAN/ && !/sqlite_(master|schema)/ && !/CONSTANT ROW/ {
                for (i = 1; i <= NF; i++) if ($i ~ /SCAN$/) name = $(i + 1)
                # an alias: find "table alias" in the statement
                if (name in sub_) next
                t = name
                for (tb in rows) if (tb == name || index(sql, tb " " name " ") || index(sql, tb " " name ")") || sql ~ (tb " " name "$")) t = tb
                if (!(t in rows) || rows[t] >= 100) big = 1
            }
            END { exit !big }' "$dir/plan"; then
            # One entry per statement, with every page that ran it.
            key=$(printf '%s' "$sql" | md5sum | cut -c1-16)
            if [ ! -f "$dir/q-$key" ]; then
                { echo "   $(echo "$sql" | cut -c1-400)"; sed 's/^/   /' "$dir/plan"; } >"$dir/q-$key"
                echo "$key" >>"$dir/order"
            fi
            echo "$label" >>"$dir/p-$key"
        fi
    done
}
page "anonymous /" / ""
page "anonymous /courses" /courses ""
page "anonymous course" "$course" ""
page "anonymous /calendar" /calendar ""
page "anonymous /calendar.ics" /calendar.ics ""
page "anonymous offering" /offerings/demo-pv ""
page "signed in /" / "journeys_session=$2"
page "signed in /courses" /courses "journeys_session=$2"
page "signed in course" "$course" "journeys_session=$2"
page "signed in /calendar" /calendar "journeys_session=$2"
page "signed in /calendar.ics" /calendar.ics "journeys_session=$2"
page "signed in offering" /offerings/demo-pv "journeys_session=$2"
page "signed in /my" /my "journeys_session=$2"
page "signed in register page" /offerings/demo-pv/register "journeys_session=$2"
page "staff roster of 200" /staff/offerings/bench-roster "journeys_session=$3"
# The course workspace (issue 8): the thread of 500, the home of the cohort
# of 200 and the gallery of 200 submissions in bench-cohort.
thread=$(sqlite3 -readonly "$DB" "SELECT t.id FROM threads t JOIN offerings o ON o.id = t.offering_id
    WHERE o.code = 'bench-cohort' ORDER BY t.posts DESC, t.id LIMIT 1")
activity=$(sqlite3 -readonly "$DB" "SELECT i.key FROM course_items i JOIN offerings o ON o.course_id = i.course_id
    WHERE o.code = 'bench-cohort' AND i.section = 'activity' AND i.archived_at IS NULL ORDER BY i.position LIMIT 1")
page "thread of 500, page 1" "/learn/bench-cohort/threads/$thread" "journeys_session=$2"
page "thread of 500, page 6" "/learn/bench-cohort/threads/$thread?page=6" "journeys_session=$2"
page "workspace home" /learn/bench-cohort "journeys_session=$2"
page "gallery of 200" "/learn/bench-cohort/activities/$activity/gallery" "journeys_session=$2"
if [ -f "$dir/order" ]; then
    while read -r key; do
        echo "== $(paste -sd, "$dir/p-$key" | sed 's/,/, /g'):"
        cat "$dir/q-$key"
    done <"$dir/order"
else
    echo "none"
fi
echo "(table sizes: $(sort -k2 -n -r "$dir/sizes" | head -n 6 | tr '\n' ' '))"
