-- coach.sql: what every bench database holds for the coach's pages, empty
-- or filled: a coach (bench-coach@example.org, made by filldb.sh) of ten
-- offerings in progress (bench-coach-01 to -10, across the courses), each
-- with a cohort of 200 settled registrations, so the queue has every kind
-- of row to compute: a third of each cohort quiet for three days, the
-- rest seen an hour ago; half of each cohort's work on the first activity
-- waiting for feedback; 20 threads per offering, every other one with a
-- coach's reply and a participant's answer after it; and posts in the
-- first prompt by a quarter of the cohort (the rest are behind when it
-- falls due). Read by filldb.sh inside its one transaction; temp.fill
-- holds the clock and the shared password hash.

INSERT INTO main.offerings(code, course_id, starts, ends, price_cents, currency, capacity, opens, closes,
                           season, demo, created_at, updated_at, time_zone, posting_closes_at)
SELECT printf('bench-coach-%02d', n.i), c.id, date(f.now, 'unixepoch', '-2 days'),
       date(f.now, 'unixepoch', '+2 days'), 5000, 'USD', 250, date(f.now, 'unixepoch', '-60 days'),
       date(f.now, 'unixepoch', '-5 days'), 'bench', 0, f.now, f.now, 'UTC',
       unixepoch(date(f.now, 'unixepoch', '+2 days')) + 15 * 86400
FROM temp.fill f,
     (WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10) SELECT i FROM k) n,
     (SELECT id, row_number() OVER (ORDER BY position) - 1 AS r FROM main.courses WHERE published = 1) c
WHERE c.r = (n.i - 1) % (SELECT count(*) FROM main.courses WHERE published = 1);

INSERT INTO main.offering_staff(offering_id, user_id, role, created_at)
SELECT o.id, u.id, 'coach', f.now
FROM temp.fill f, main.offerings o, main.users u
WHERE o.code LIKE 'bench-coach-%' AND u.email = 'bench-coach@example.org';

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999)
-- Their e-mail choice is off, so the jobs process mails none of them while
-- the bench runs (each retry would be a write that makes every worker
-- compute the queue afresh).
INSERT INTO main.users(email, name, password_hash, role, time_zone, email_verified_at, created_at, notify_mail)
SELECT printf('coach-%02d-%03d@bench.example', i / 200 + 1, i % 200), printf('Coached Member %d', i), f.hash,
       'participant', 'UTC', f.now - 86400 * 10, f.now - 86400 * 20, 'off'
FROM n, temp.fill f;

DROP TABLE IF EXISTS temp.coached;
CREATE TEMP TABLE coached(r INTEGER NOT NULL, offering_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                          PRIMARY KEY (offering_id, r));
INSERT INTO temp.coached(r, offering_id, user_id)
SELECT CAST(substr(u.email, 10, 3) AS INTEGER), o.id, u.id
FROM main.users u JOIN main.offerings o ON o.code = 'bench-coach-' || substr(u.email, 7, 2)
WHERE u.email LIKE 'coach-%@bench.example';

INSERT INTO main.enrolments(offering_id, user_id, status, payment_status, amount_cents, currency, created_at,
                            updated_at, activated_at)
SELECT c.offering_id, c.user_id, 'active', CASE WHEN c.r % 10 = 0 THEN 'waived' ELSE 'paid' END,
       5000, 'USD', f.now - 86400 * 9, f.now - 86400 * 9, f.now - 86400 * 9
FROM temp.coached c, temp.fill f;

INSERT INTO main.workspace_visits(offering_id, user_id, first_at, last_at)
SELECT c.offering_id, c.user_id, f.now - 86400 * 2, f.now - CASE WHEN c.r % 3 = 0 THEN 86400 * 3 ELSE 3600 END
FROM temp.coached c, temp.fill f;

-- Half of each cohort handed in the first activity; it waits for feedback.
INSERT INTO main.submissions(offering_id, item_id, user_id, version, body_md, body_html, created_at)
SELECT c.offering_id, a.id, c.user_id, 1, printf('Draft %d.', c.r), printf('<p>Draft %d.</p>', c.r),
       f.now - 86400 + c.r * 60
FROM temp.coached c, temp.fill f, main.offerings o,
     (SELECT course_id, id, row_number() OVER (PARTITION BY course_id ORDER BY position) AS p
      FROM main.course_items WHERE section = 'activity' AND archived_at IS NULL) a
WHERE o.id = c.offering_id AND a.course_id = o.course_id AND a.p = 1 AND c.r % 2 = 0;

-- Twenty threads per offering in its first prompt's space, three posts each.
INSERT INTO main.threads(offering_id, prompt_id, author_id, title, created_at, last_post_at, posts, version)
SELECT c.offering_id, q.id, c.user_id, printf('Coached question %d', c.r), f.now - 86400 + c.r * 60,
       f.now - 86400 + c.r * 60 + 240, 3, 3
FROM temp.coached c, temp.fill f, main.offerings o,
     (SELECT course_id, id, row_number() OVER (PARTITION BY course_id ORDER BY position) AS p
      FROM main.course_items WHERE section = 'prompt' AND archived_at IS NULL) q
WHERE o.id = c.offering_id AND q.course_id = o.course_id AND q.p = 1 AND c.r % 10 = 0 AND c.r < 200;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2)
INSERT INTO main.posts(thread_id, author_id, body_md, body_html, created_at)
SELECT t.id,
       CASE WHEN n.i = 0 THEN t.author_id
            WHEN n.i = 1 AND (t.created_at / 600) % 2 = 0
            THEN (SELECT id FROM main.users WHERE email = 'bench-coach@example.org')
            ELSE (SELECT user_id FROM temp.coached c2 WHERE c2.offering_id = t.offering_id
                  AND c2.r = ((t.created_at / 60) % 200 + n.i * 5) % 200) END,
       printf('Post %d in the thread.', n.i), printf('<p>Post %d in the thread.</p>', n.i), t.created_at + n.i * 120
FROM n, main.threads t JOIN main.offerings o ON o.id = t.offering_id
WHERE o.code LIKE 'bench-coach-%';

UPDATE main.threads SET last_post_id = (SELECT max(id) FROM main.posts WHERE thread_id = threads.id)
WHERE offering_id IN (SELECT id FROM main.offerings WHERE code LIKE 'bench-coach-%');

DROP TABLE temp.coached;
