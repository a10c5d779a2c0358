/*
** store_kept.h: what the workspace's kept parts read to know they are
** still current (the SQL lives in store/kept.c). See pages/kept.c.
*/
#ifndef JOURNEYS_STORE_WSPERF_H
#define JOURNEYS_STORE_WSPERF_H

#include <stdint.h>

#include "db.h"

/* A version of user_id's unread count in offering_id: it moves whenever a
** thread of the offering changes (a post added, changed or removed, a
** thread moved: discuss_versions), the person's read marks change
** (read_versions) or the offering's post-first setting does. Both counters
** are moved by triggers (schema 21). 0 with *version set, or -1 on error. */
int store_unread_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version);

/* A version of user_id's week in offering_id: it moves whenever their
** progress there changes (a part checked off or on, a post written or
** removed, a submission made or changed: ws_versions, moved by triggers)
** or the published content does (meta content_version, which offerings'
** changes move too). 0 with *version set, or -1 on error. */
int store_ws_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version);

/* A version of what the coach pages show about offering_id (its roster,
** its part of the queue and of the landing page): it moves whenever a
** thread of it changes (discuss_versions), anything about its cohort does
** (cohort_versions: seats, progress, submissions, decisions, visits,
** messages, sign-offs, certificates, queue marks, people's names, e-mails,
** time zones and roles) or the published content does (content_version,
** which offerings' and their staff's changes move too). Writes elsewhere
** (another offering, the outbox, sessions, notifications) leave it. 0
** with *version set, or -1 on error. */
int store_cohort_version(db *d, int64_t offering_id, uint64_t *version);

/* A version of the coach pages of user_id: with all clear, the
** store_cohort_version of every offering they coach, with which ones
** they are (so the list changing moves it too); with all set (staff,
** whose pages cover every offering), a number that moves at every commit
** to the database by any connection (PRAGMA data_version and this
** connection's own changes), since counting 2,000 offerings would cost
** more than it saves. 0 with *version set, or -1 on error. */
int store_coach_version(db *d, int64_t user_id, int all, uint64_t *version);

/* How many posts thread_id holds (threads.posts: every post row, a
** deleted one's tombstone too), -1 on error or when there is no such
** thread. */
int store_thread_post_count(db *d, int64_t thread_id);

#endif
