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

/* How many posts thread_id holds (threads.posts: every post row, a
** deleted one's tombstone too), -1 on error or when there is no such
** thread. */
int store_thread_post_count(db *d, int64_t thread_id);

#endif
