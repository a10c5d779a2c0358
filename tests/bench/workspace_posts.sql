-- workspace_posts.sql: the cohort's discussions and shared work in
-- bench-cohort (see workspace.sql), read after registrations.sql made the
-- cohort's registrations. Posts are made by recursive common table
-- expressions, never one statement per row.

DROP TABLE IF EXISTS temp.cohort;
CREATE TEMP TABLE cohort(r INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
INSERT INTO temp.cohort(r, user_id)
SELECT row_number() OVER (ORDER BY e.user_id) - 1, e.user_id
FROM main.enrolments e JOIN main.offerings o ON o.id = e.offering_id
WHERE o.code = 'bench-cohort';

-- The long general thread.
INSERT INTO main.threads(offering_id, prompt_id, author_id, title, created_at, last_post_at, posts, version)
SELECT o.id, NULL, (SELECT user_id FROM temp.cohort WHERE r = 1), 'What does mastery look like in your classroom?',
       f.now - 86400 * 2, f.now - 60, 500, 500
FROM main.offerings o, temp.fill f WHERE o.code = 'bench-cohort';

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO main.posts(thread_id, author_id, body_md, body_html, created_at)
SELECT (SELECT max(id) FROM main.threads), (SELECT user_id FROM temp.cohort WHERE r = (i * 7) % 200),
       printf('Reply %d: in my school we tried **standards-based** reporting for one unit and kept notes.', i),
       printf('<p>Reply %d: in my school we tried <strong>standards-based</strong> reporting for one unit and kept notes.</p>', i),
       f.now - 86400 * 2 + i * 300
FROM n, temp.fill f;

UPDATE main.threads SET last_post_id = (SELECT max(id) FROM main.posts WHERE thread_id = threads.id)
WHERE id = (SELECT max(id) FROM main.threads);

INSERT INTO main.thread_reads(user_id, thread_id, last_post_id)
SELECT u.id, t.id, (SELECT id FROM main.posts WHERE thread_id = t.id ORDER BY id LIMIT 1 OFFSET 249)
FROM main.users u, main.threads t WHERE u.email = 'bench@example.org' AND t.id = (SELECT max(id) FROM main.threads);

-- Thirty shorter threads across the course's prompts and the general space.
DROP TABLE IF EXISTS temp.spaces;
CREATE TEMP TABLE spaces(r INTEGER PRIMARY KEY, prompt_id INTEGER);
INSERT INTO temp.spaces(r, prompt_id) VALUES (0, NULL);
INSERT INTO temp.spaces(r, prompt_id)
SELECT row_number() OVER (ORDER BY ci.position), ci.id
FROM main.course_items ci JOIN main.offerings o ON o.course_id = ci.course_id
WHERE o.code = 'bench-cohort' AND ci.section = 'prompt' AND ci.archived_at IS NULL;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30)
INSERT INTO main.threads(offering_id, prompt_id, author_id, title, created_at, last_post_at, posts, version)
SELECT o.id, (SELECT prompt_id FROM temp.spaces WHERE r = i % (SELECT count(*) FROM temp.spaces)),
       (SELECT user_id FROM temp.cohort WHERE r = (i * 13) % 200), printf('Question %d from the cohort', i),
       f.now - 86400 + i * 600, f.now - 86400 + i * 600 + 9 * 120, 10, 10
FROM n, main.offerings o, temp.fill f WHERE o.code = 'bench-cohort';

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299)
INSERT INTO main.posts(thread_id, author_id, body_md, body_html, created_at)
SELECT t.id, (SELECT user_id FROM temp.cohort WHERE r = (i * 11) % 200),
       printf('Post %d: a short answer with a [link](https://example.org/%d).', i, i),
       printf('<p>Post %d: a short answer with a <a href="https://example.org/%d" rel="nofollow ugc noopener">link</a>.</p>', i, i),
       t.created_at + (i % 10) * 120
FROM n JOIN main.threads t ON t.title = printf('Question %d from the cohort', i / 10 + 1)
 AND t.offering_id = (SELECT id FROM main.offerings WHERE code = 'bench-cohort');

UPDATE main.threads SET last_post_id = (SELECT max(id) FROM main.posts WHERE thread_id = threads.id)
WHERE offering_id = (SELECT id FROM main.offerings WHERE code = 'bench-cohort') AND last_post_id IS NULL;

-- Everyone shares a version of the first activity: the gallery of 200.
INSERT INTO main.submissions(offering_id, item_id, user_id, version, body_md, body_html, links, created_at, shared_at)
SELECT o.id, a.id, c.user_id, 1,
       printf('My draft, number %d. It covers the three parts and ends with one request.', c.r),
       printf('<p>My draft, number %d. It covers the three parts and ends with one request.</p>', c.r),
       '["https://example.org/draft"]', f.now - 86400 + c.r * 60, f.now - 86400 + c.r * 60 + 30
FROM temp.cohort c, temp.fill f, main.offerings o,
     (SELECT ci.id FROM main.course_items ci JOIN main.offerings o2 ON o2.course_id = ci.course_id
      WHERE o2.code = 'bench-cohort' AND ci.section = 'activity' AND ci.archived_at IS NULL
      ORDER BY ci.position LIMIT 1) a
WHERE o.code = 'bench-cohort';

DROP TABLE temp.cohort;
DROP TABLE temp.spaces;
