-- fixtures.sql: what every bench database holds, empty or filled, so that
-- each signed-in line measures the same page on both: an offering with
-- exactly 200 registrations for the staff roster (bench-roster, 200 people
-- roster-NNN@bench.example) and two registrations of the bench participant
-- (bench@example.org) for My courses. Read by filldb.sh inside its one
-- transaction; temp.fill holds the clock and the shared password hash.

INSERT INTO main.offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,
                           season, demo, created_at, updated_at)
SELECT 'bench-roster', c.id, date(f.now, 'unixepoch', '+63 days', 'weekday 1'),
       date(f.now, 'unixepoch', '+63 days', 'weekday 1', '+4 days'), 5000, 'USD', 250,
       date(f.now, 'unixepoch', '-30 days'), date(f.now, 'unixepoch', '+63 days', 'weekday 1', '-3 days'),
       'bench', 0, f.now, f.now
FROM temp.fill f, (SELECT id FROM main.courses WHERE published = 1 ORDER BY position LIMIT 1) c;

INSERT INTO main.offering_staff(offering_id, user_id, role, created_at)
SELECT o.id, u.id, 'coach', f.now
FROM temp.fill f, main.offerings o, (SELECT id FROM main.users WHERE role = 'coach' ORDER BY id LIMIT 1) u
WHERE o.code = 'bench-roster';

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO main.users(email, name, password_hash, role, school_id, time_zone, email_verified_at, created_at)
SELECT printf('roster-%03d@bench.example', i), printf('Roster Person %d', i), f.hash, 'participant',
       CASE WHEN i % 3 = 0 THEN (SELECT id FROM temp.sch WHERE r = i % (SELECT count(*) FROM temp.sch)) END,
       'UTC', f.now - 86400, f.now - 86400 * 2
FROM n, temp.fill f;

DROP TABLE IF EXISTS temp.regs;
CREATE TEMP TABLE regs(k INTEGER PRIMARY KEY, offering_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                       starts TEXT NOT NULL);
INSERT INTO temp.regs(k, offering_id, user_id, starts)
SELECT row_number() OVER (ORDER BY u.id) - 1, o.id, u.id, date(f.now, 'unixepoch')
FROM main.users u, main.offerings o, temp.fill f
WHERE u.email LIKE 'roster-%@bench.example' AND o.code = 'bench-roster';
-- The bench participant: one paid (k % 20 = 0) and one waived (15).
INSERT INTO temp.regs(k, offering_id, user_id, starts)
SELECT 1000 + 15 * (o.code = 'gp-2019-11'), o.id, u.id, o.starts
FROM main.users u, main.offerings o
WHERE u.email = 'bench@example.org' AND o.code IN ('pv-2019-10', 'gp-2019-11');
