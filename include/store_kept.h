/*
** store_kept.h: what the workspace's kept parts read to know they are
** still current (the SQL lives in store/kept.c). See pages/kept.c.
*/
#ifndef JOURNEYS_STORE_WSPERF_H
#define JOURNEYS_STORE_WSPERF_H

#include <stdint.h>

#include "db.h"

/* A version of user_id's unread count in offering_id: it moves whenever a
** post is added, changed or removed in the offering's threads, a thread
** moves, the offering's post-first setting changes, or the person reads a
** thread (every one of these only ever grows a sum read here). 0 with
** *version set, or -1 on error (logged). */
int store_unread_version(db *d, int64_t offering_id, int64_t user_id, int64_t *version);

/* How many posts thread_id holds (threads.posts: every post row, a
** deleted one's tombstone too), -1 on error or when there is no such
** thread. */
int store_thread_post_count(db *d, int64_t thread_id);

#endif
