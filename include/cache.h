/*
** cache.h: a small per-process cache of byte strings: key -> (version,
** expiry, value).
**
** A worker keeps what it built from data that changes rarely (a rendered
** fragment of a page, for one) and asks for it again with the version it
** read from the database for this request: an entry stored under another
** version, or past its expiry, is a miss. The cache holds at most a fixed
** number of entries and bytes; the least recently used entry goes first.
** It is not shared between processes and not thread-safe: each worker has
** its own, and a version bumped in the database (in the same transaction as
** the change) tells every worker its copy is stale.
*/
#ifndef JOURNEYS_CACHE_H
#define JOURNEYS_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cache cache;

/* A cache of at most max_entries entries and max_bytes bytes of keys and
** values together. NULL when out of memory. Free with cache_free. */
cache *cache_new(size_t max_entries, size_t max_bytes);

/* Release the cache and every value in it (NULL is a no-op). */
void cache_free(cache *c);

/* The value stored under key when it was stored with this version and its
** expiry (if any) is after now; NULL otherwise. *len gets the value's length.
** The pointer stays valid until the next cache_put or cache_free on c; the
** cache owns it. */
const char *cache_get(cache *c, const char *key, uint64_t version, time_t now, size_t *len);

/* Store a copy of the len bytes at value under key with version, replacing
** what was there; expires 0 means it does not expire with time, otherwise
** cache_get misses from that time on. Evicts the least recently used
** entries to stay within the bounds. Returns 0, or -1 (nothing stored) when
** the entry alone exceeds the byte bound or memory runs out. */
int cache_put(cache *c, const char *key, uint64_t version, time_t expires, const char *value, size_t len);

/* Forget every entry. */
void cache_clear(cache *c);

/* Counters for tests and logs. */
typedef struct cache_stats {
    size_t entries, bytes;
    uint64_t hits, misses, evictions;
} cache_stats;

void cache_get_stats(const cache *c, cache_stats *out);

#endif
