-- workspace.sql: what every bench database holds for the course workspace,
-- empty or filled: an offering in progress (bench-cohort) whose cohort of
-- 200 settled registrations includes the bench participant, a general
-- thread of 500 posts (the bench participant has read the first 250), 30
-- shorter threads across the discussion spaces, and 200 shared submissions
-- of the course's first activity for its gallery. Read by filldb.sh inside
-- its one transaction, after fixtures.sql; temp.fill holds the clock and the
-- shared password hash.

INSERT INTO main.offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,
                           season, demo, created_at, updated_at, time_zone, posting_closes_at)
SELECT 'bench-cohort', c.id, date(f.now, 'unixepoch', '-2 days'), date(f.now, 'unixepoch', '+2 days'), 5000,
       'USD', 250, date(f.now, 'unixepoch', '-60 days'), date(f.now, 'unixepoch', '-5 days'), 'bench', 0,
       f.now, f.now, 'America/New_York', unixepoch(date(f.now, 'unixepoch', '+2 days')) + 15 * 86400
FROM temp.fill f, (SELECT id FROM main.courses WHERE published = 1 ORDER BY position LIMIT 1) c;

INSERT INTO main.offering_staff(offering_id, user_id, role, created_at)
SELECT o.id, u.id, 'coach', f.now
FROM temp.fill f, main.offerings o, (SELECT id FROM main.users WHERE role = 'coach' ORDER BY id LIMIT 1) u
WHERE o.code = 'bench-cohort';

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 199)
INSERT INTO main.users(email, name, password_hash, role, time_zone, email_verified_at, created_at)
SELECT printf('cohort-%03d@bench.example', i), printf('Cohort Member %d', i), f.hash, 'participant',
       json_extract('["UTC","America/New_York","Europe/London","Asia/Singapore"]', printf('$[%d]', i % 4)),
       f.now - 86400, f.now - 86400 * 2
FROM n, temp.fill f;

-- Every k a multiple of 20: registrations.sql makes each of them active and paid.
DROP TABLE IF EXISTS temp.regs;
CREATE TEMP TABLE regs(k INTEGER PRIMARY KEY, offering_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                       starts TEXT NOT NULL);
INSERT INTO temp.regs(k, offering_id, user_id, starts)
SELECT 20 * (row_number() OVER (ORDER BY u.id) - 1), o.id, u.id, o.starts
FROM main.users u, main.offerings o
WHERE (u.email LIKE 'cohort-%@bench.example' OR u.email = 'bench@example.org') AND o.code = 'bench-cohort';
