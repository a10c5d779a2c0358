-- bulk.sql: grow a bench database to temp.fill's totals of users,
-- offerings and registrations (counting what is there already), read by
-- filldb.sh inside its one transaction after fixtures.sql. Rows are made by
-- recursive common table expressions, never one statement per row. The
-- new registrations go to the new offerings only, so bench-roster keeps
-- exactly 200; registrations.sql then adds their payments and audit lines.
--
-- Every user shares temp.fill's password hash (argon2id for each would take
-- hours). One in 500 is a coach; the coaches take the new offerings in turn.

WITH RECURSIVE n(i) AS (
  SELECT 1 WHERE (SELECT users FROM temp.fill) > (SELECT count(*) FROM main.users)
  UNION ALL
  SELECT i + 1 FROM n WHERE i < (SELECT users FROM temp.fill) - (SELECT count(*) FROM main.users))
INSERT INTO main.users(email, name, password_hash, role, school_id, organisation, time_zone,
                       email_verified_at, created_at)
SELECT printf('person%06d@fill.example', i),
       json_extract('["Ada","Bongani","Chiara","Dmitri","Esi","Farid","Greta","Hiroshi","Ines","Jonah",' ||
                    '"Kalani","Leilani","Mateo","Nadia","Olu","Priya"]', printf('$[%d]', i % 16)) || ' ' ||
       json_extract('["Abara","Brennan","Costa","Dlamini","Eriksen","Fontaine","Gallo","Haddad","Ito",' ||
                    '"Jansen","Kowalski","Lindqvist","Moreau"]', printf('$[%d]', (i / 16) % 13)),
       f.hash, CASE WHEN i % 500 = 0 THEN 'coach' ELSE 'participant' END,
       CASE WHEN i % 4 = 0 THEN (SELECT id FROM temp.sch WHERE r = i % (SELECT count(*) FROM temp.sch)) END,
       CASE WHEN i % 4 = 1 THEN 'Community member' END,
       json_extract('["UTC","America/New_York","America/Chicago","America/Los_Angeles","Europe/London",' ||
                    '"Europe/Lisbon","Asia/Singapore","Australia/Sydney"]', printf('$[%d]', i % 8)),
       CASE WHEN i % 10 <> 9 THEN f.now - 86400 * (i % 1500) END, f.now - 86400 * (i % 1500) - 3600
FROM n, temp.fill f;

-- The offerings: about two and a half a week from January 2016, courses in
-- turn, registration open for sixty days before the Friday before, posting
-- closing at the end of the 14th day after the last (as publish and the
-- staff console set it; an offering without it stays open, and counted in
-- the coaches' queues, for ever).
DROP TABLE IF EXISTS temp.newoff;
CREATE TEMP TABLE newoff(i INTEGER PRIMARY KEY, starts TEXT NOT NULL);
WITH RECURSIVE n(i) AS (
  SELECT 1 WHERE (SELECT offerings FROM temp.fill) > (SELECT count(*) FROM main.offerings)
  UNION ALL
  SELECT i + 1 FROM n WHERE i < (SELECT offerings FROM temp.fill) - (SELECT count(*) FROM main.offerings))
INSERT INTO temp.newoff(i, starts)
SELECT i, date('2016-01-04', printf('+%d days', 7 * ((i - 1) * 2 / 5))) FROM n;

INSERT INTO main.offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,
                           season, demo, created_at, updated_at, posting_closes_at)
SELECT printf('%s-f%05d', substr(c.slug, 1, 2), n.i), c.id, n.starts, date(n.starts, '+4 days'),
       5000, 'USD', 120, date(n.starts, '-63 days'), date(n.starts, '-3 days'),
       CASE WHEN strftime('%m', n.starts) >= '08'
            THEN strftime('%Y', n.starts) || '–' || (strftime('%Y', n.starts) + 1)
            ELSE (strftime('%Y', n.starts) - 1) || '–' || strftime('%Y', n.starts) END,
       0, unixepoch(n.starts) - 86400 * 90, unixepoch(n.starts) - 86400 * 90, unixepoch(n.starts, '+19 days')
FROM temp.newoff n
JOIN (SELECT id, slug, row_number() OVER (ORDER BY position) - 1 AS r,
             count(*) OVER () AS nc FROM main.courses WHERE published = 1) c
  ON c.r = n.i % c.nc
ORDER BY n.i;

INSERT INTO main.offering_staff(offering_id, user_id, role, created_at)
SELECT o.id, co.id, 'coach', o.created_at
FROM (SELECT id, created_at, row_number() OVER (ORDER BY id) - 1 AS r FROM main.offerings
      WHERE code GLOB '??-f[0-9][0-9][0-9][0-9][0-9]') o
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS r, count(*) OVER () AS nc
      FROM main.users WHERE role = 'coach' AND email GLOB 'person*@fill.example') co
  ON co.r = o.r % co.nc;

-- The registrations: the k-th goes to generated user u = k mod U, in round
-- r = k div U, on generated offering (7u + 13r) mod O; a person's rounds land
-- on different offerings, so no one holds two live registrations for one.
DROP TABLE IF EXISTS temp.regs;
CREATE TEMP TABLE regs(k INTEGER PRIMARY KEY, offering_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                       starts TEXT NOT NULL);
DROP TABLE IF EXISTS temp.gu;
CREATE TEMP TABLE gu(r INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO temp.gu(r, id)
SELECT row_number() OVER (ORDER BY id) - 1, id FROM main.users WHERE email GLOB 'person*@fill.example';
DROP TABLE IF EXISTS temp.go;
CREATE TEMP TABLE go(r INTEGER PRIMARY KEY, id INTEGER NOT NULL, starts TEXT NOT NULL);
INSERT INTO temp.go(r, id, starts)
SELECT row_number() OVER (ORDER BY id) - 1, id, starts FROM main.offerings
WHERE code GLOB '??-f[0-9][0-9][0-9][0-9][0-9]';

WITH RECURSIVE
  dims(nu, no, want) AS (
    SELECT (SELECT count(*) FROM temp.gu), (SELECT count(*) FROM temp.go),
           (SELECT registrations FROM temp.fill) - (SELECT count(*) FROM main.enrolments)),
  n(k) AS (
    SELECT 0 FROM dims WHERE want > 0 AND nu > 0 AND no > 0
    UNION ALL
    SELECT k + 1 FROM n, dims WHERE k + 1 < want)
INSERT INTO temp.regs(k, offering_id, user_id, starts)
SELECT n.k, go.id, gu.id, go.starts
FROM n, dims
JOIN temp.gu gu ON gu.r = n.k % dims.nu
JOIN temp.go go ON go.r = (7 * (n.k % dims.nu) + 13 * (n.k / dims.nu)) % dims.no;

DROP TABLE temp.gu;
DROP TABLE temp.go;
DROP TABLE temp.newoff;
