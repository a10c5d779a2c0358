#!/bin/sh
# filldb.sh: make a bench database. Run after `journeys migrate` and
# `journeys publish` on the database named by JOURNEYS_PATHS_DATABASE:
#
#   tests/bench/filldb.sh            the bench fixtures, then grow the database
#                                    to FILL_USERS users (100000), FILL_OFFERINGS
#                                    offerings (2000) and FILL_REGISTRATIONS
#                                    registrations (200000), with their payments,
#                                    refunds and audit lines, and the discussions
#                                    to FILL_POSTS posts (2000000) across them
#   tests/bench/filldb.sh --fixtures-only
#                                    only what every bench database holds: the
#                                    bench accounts, an offering with exactly 200
#                                    registrations (bench-roster) and two
#                                    registrations of the bench participant, and
#                                    the workspace of an offering in progress
#                                    (bench-cohort: 200 settled registrations
#                                    with the bench participant's among them, a
#                                    500-post thread, 30 more threads and 200
#                                    shared submissions; workspace*.sql)
#
# The accounts the bench signs in with are made through `journeys user add`
# (password BENCH_PASSWORD): bench@example.org, a participant, and
# bench-staff@example.org, staff. Every other account shares the
# participant's password hash. Everything else is written by the sqlite3
# shell in one transaction with foreign keys on, so a constraint that fails
# leaves the database as it was.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${JOURNEYS_BIN:-$ROOT/${BUILD:-build}/journeys}
DB=${JOURNEYS_PATHS_DATABASE:?set JOURNEYS_PATHS_DATABASE to the database to fill}
PASSWORD=${BENCH_PASSWORD:-bench-password-1}
bulk=1
case "${1:-}" in
    --fixtures-only) bulk=0 ;;
    "") ;;
    *) echo "usage: filldb.sh [--fixtures-only]" >&2; exit 2 ;;
esac
command -v sqlite3 >/dev/null || { echo "filldb: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 1; }
[ -n "$(sqlite3 "$DB" "SELECT 1 FROM courses WHERE published = 1 LIMIT 1" 2>/dev/null)" ] ||
    { echo "filldb: $DB has no published course; run journeys migrate and journeys publish first" >&2; exit 1; }
[ -z "$(sqlite3 "$DB" "SELECT 1 FROM offerings WHERE code = 'bench-roster'")" ] ||
    { echo "filldb: $DB is a bench database already" >&2; exit 1; }

echo "$PASSWORD" | "$BIN" user add bench@example.org --name "Bench Participant" >/dev/null
echo "$PASSWORD" | "$BIN" user add bench-staff@example.org --name "Bench Staff" --role staff >/dev/null
# coaching: the coach of ten offerings of 200 (coach.sql)
echo "$PASSWORD" | "$BIN" user add bench-coach@example.org --name "Bench Coach" --role coach >/dev/null

users=${FILL_USERS:-100000}
offerings=${FILL_OFFERINGS:-2000}
registrations=${FILL_REGISTRATIONS:-200000}
posts=${FILL_POSTS:-2000000}
for n in "$users" "$offerings" "$registrations" "$posts"; do
    case $n in *[!0-9]* | "") echo "filldb: counts are whole numbers, not '$n'" >&2; exit 2 ;; esac
done

{
    echo "PRAGMA foreign_keys = ON;"
    echo "PRAGMA cache_size = -262144;"
    echo "PRAGMA temp_store = MEMORY;"
    echo ".bail on"
    echo "BEGIN IMMEDIATE;"
    echo "CREATE TEMP TABLE fill(now INTEGER NOT NULL, hash TEXT NOT NULL, users INTEGER NOT NULL,"
    echo "  offerings INTEGER NOT NULL, registrations INTEGER NOT NULL, posts INTEGER NOT NULL);"
    echo "INSERT INTO temp.fill SELECT unixepoch(), password_hash, $users, $offerings, $registrations, $posts"
    echo "  FROM main.users WHERE email = 'bench@example.org';"
    echo "CREATE TEMP TABLE sch(r INTEGER PRIMARY KEY, id INTEGER NOT NULL);"
    echo "INSERT INTO temp.sch SELECT row_number() OVER (ORDER BY id) - 1, id FROM main.schools;"
    cat "$ROOT/tests/bench/fixtures.sql" "$ROOT/tests/bench/registrations.sql" \
        "$ROOT/tests/bench/workspace.sql" "$ROOT/tests/bench/registrations.sql" "$ROOT/tests/bench/workspace_posts.sql" \
        "$ROOT/tests/bench/coach.sql"
    if [ "$bulk" = 1 ]; then
        cat "$ROOT/tests/bench/bulk.sql" "$ROOT/tests/bench/registrations.sql" \
            "$ROOT/tests/bench/workspace_bulk.sql"
    fi
    echo "PRAGMA foreign_key_check;"
    echo "COMMIT;"
} | sqlite3 -batch "$DB" >"$DB.fill-check"
# foreign_key_check prints a line for each broken reference (the
# transaction is committed by then: a broken one fails the bench loudly).
if [ -s "$DB.fill-check" ]; then
    echo "filldb: broken references:" >&2
    head -n 5 "$DB.fill-check" >&2
    exit 1
fi
rm -f "$DB.fill-check"
