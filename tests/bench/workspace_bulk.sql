-- workspace_bulk.sql: grow the discussions of a filled bench database to
-- 2,000,000 posts (FILL_POSTS in temp.fill.posts) across its offerings other
-- than the bench ones: 25 posts a thread, each thread's author and posters
-- taken from the users in turn. Read by filldb.sh inside its one
-- transaction, after bulk.sql.

DROP TABLE IF EXISTS temp.offs;
CREATE TEMP TABLE offs(r INTEGER PRIMARY KEY, id INTEGER NOT NULL, at INTEGER NOT NULL);
INSERT INTO temp.offs(r, id, at)
SELECT row_number() OVER (ORDER BY id) - 1, id, unixepoch(starts)
FROM main.offerings WHERE code NOT LIKE 'bench-%';

DROP TABLE IF EXISTS temp.ppl;
CREATE TEMP TABLE ppl(r INTEGER PRIMARY KEY, id INTEGER NOT NULL);
INSERT INTO temp.ppl(r, id) SELECT row_number() OVER (ORDER BY id) - 1, id FROM main.users;

-- Threads first (posts / 25 of them, spread over the offerings in turn).
WITH RECURSIVE n(i) AS (
  SELECT 0 WHERE (SELECT posts FROM temp.fill) >= 25
  UNION ALL SELECT i + 1 FROM n WHERE i + 1 < (SELECT posts FROM temp.fill) / 25)
INSERT INTO main.threads(offering_id, prompt_id, author_id, title, created_at, last_post_at, posts, version)
SELECT o.id, NULL, (SELECT id FROM temp.ppl WHERE r = (i * 37) % (SELECT count(*) FROM temp.ppl)),
       printf('Thread %d of the cohort', i), o.at + (i % 97) * 600, o.at + (i % 97) * 600 + 24 * 300, 25, 25
FROM n JOIN temp.offs o ON o.r = n.i % (SELECT count(*) FROM temp.offs);

DROP TABLE IF EXISTS temp.newthreads;
CREATE TEMP TABLE newthreads(r INTEGER PRIMARY KEY, id INTEGER NOT NULL, at INTEGER NOT NULL);
INSERT INTO temp.newthreads(r, id, at)
SELECT row_number() OVER (ORDER BY id) - 1, id, created_at FROM main.threads WHERE title LIKE 'Thread % of the cohort';

WITH RECURSIVE n(i) AS (
  SELECT 0 WHERE (SELECT count(*) FROM temp.newthreads) > 0
  UNION ALL SELECT i + 1 FROM n WHERE i + 1 < (SELECT count(*) FROM temp.newthreads) * 25)
INSERT INTO main.posts(thread_id, author_id, body_md, body_html, created_at)
SELECT t.id, (SELECT id FROM temp.ppl WHERE r = (i * 53) % (SELECT count(*) FROM temp.ppl)),
       'A reply with some *emphasis* and a plain sentence or two about practice.',
       '<p>A reply with some <em>emphasis</em> and a plain sentence or two about practice.</p>',
       t.at + (i % 25) * 300
FROM n JOIN temp.newthreads t ON t.r = n.i / 25;

UPDATE main.threads SET last_post_id = (SELECT max(id) FROM main.posts WHERE thread_id = threads.id)
WHERE last_post_id IS NULL;

DROP TABLE temp.offs;
DROP TABLE temp.ppl;
DROP TABLE temp.newthreads;
