/*
** cache.c: the per-process cache of versioned byte strings (see cache.h).
**
** Entries live in one array; a hash table of chains (indexes into the
** array) finds them by key, and a use counter picks the least recently used
** one to evict. Bounds are small (hundreds of entries), so eviction scans.
*/
#include "cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;        /* NULL: free slot */
    char *value;
    size_t len;       /* of value */
    size_t size;      /* bytes counted against the bound: key + value */
    uint64_t version;
    time_t expires;   /* 0: never */
    uint64_t used;    /* use counter at the last hit or put */
    uint32_t hash;
    int32_t next;     /* next entry in the chain, -1 at the end */
} entry;

struct cache {
    entry *e;
    size_t max_entries, max_bytes, n, bytes;
    int32_t *buckets; /* nbuckets heads, -1 empty */
    size_t nbuckets;  /* a power of two */
    uint64_t clock;
    uint64_t hits, misses, evictions;
};

/* FNV-1a of s. */
static uint32_t hash_of(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

cache *cache_new(size_t max_entries, size_t max_bytes)
{
    if (max_entries == 0 || max_entries > INT32_MAX / 2)
        return NULL;
    cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    c->nbuckets = 1;
    while (c->nbuckets < max_entries * 2)
        c->nbuckets *= 2;
    c->e = calloc(max_entries, sizeof *c->e);
    c->buckets = malloc(sizeof *c->buckets * c->nbuckets);
    if (!c->e || !c->buckets) {
        cache_free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->nbuckets; i++)
        c->buckets[i] = -1;
    return c;
}

/* Unlink entry i from its chain and free its memory. */
static void drop(cache *c, int32_t i)
{
    entry *x = &c->e[i];
    int32_t *p = &c->buckets[x->hash & (c->nbuckets - 1)];
    while (*p != i)
        p = &c->e[*p].next;
    *p = x->next;
    c->bytes -= x->size;
    c->n--;
    free(x->key);
    free(x->value);
    memset(x, 0, sizeof *x);
}

void cache_clear(cache *c)
{
    for (size_t i = 0; i < c->max_entries; i++)
        if (c->e[i].key)
            drop(c, (int32_t)i);
}

void cache_free(cache *c)
{
    if (!c)
        return;
    if (c->e && c->buckets)
        cache_clear(c);
    free(c->e);
    free(c->buckets);
    free(c);
}

/* The index of key's entry, or -1. */
static int32_t find(const cache *c, const char *key, uint32_t h)
{
    for (int32_t i = c->buckets[h & (c->nbuckets - 1)]; i >= 0; i = c->e[i].next)
        if (c->e[i].hash == h && !strcmp(c->e[i].key, key))
            return i;
    return -1;
}

const char *cache_get(cache *c, const char *key, uint64_t version, time_t now, size_t *len)
{
    uint32_t h = hash_of(key);
    int32_t i = find(c, key, h);
    if (i < 0 || c->e[i].version != version || (c->e[i].expires && now >= c->e[i].expires)) {
        c->misses++;
        return NULL;
    }
    c->hits++;
    c->e[i].used = ++c->clock;
    *len = c->e[i].len;
    return c->e[i].value;
}

/* Evict the least recently used entry. */
static void evict_one(cache *c)
{
    int32_t victim = -1;
    for (size_t i = 0; i < c->max_entries; i++)
        if (c->e[i].key && (victim < 0 || c->e[i].used < c->e[victim].used))
            victim = (int32_t)i;
    if (victim >= 0) {
        drop(c, victim);
        c->evictions++;
    }
}

int cache_put(cache *c, const char *key, uint64_t version, time_t expires, const char *value, size_t len)
{
    uint32_t h = hash_of(key);
    int32_t old = find(c, key, h);
    if (old >= 0)
        drop(c, old);
    size_t klen = strlen(key);
    size_t size = klen + 1 + len;
    if (size > c->max_bytes)
        return -1;
    while (c->n >= c->max_entries || c->bytes + size > c->max_bytes)
        evict_one(c);
    char *k = malloc(klen + 1), *v = malloc(len ? len : 1);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    memcpy(k, key, klen + 1);
    if (len)
        memcpy(v, value, len);
    int32_t i = 0;
    while (c->e[i].key)
        i++;
    entry *x = &c->e[i];
    *x = (entry){k, v, len, size, version, expires, ++c->clock, h, c->buckets[h & (c->nbuckets - 1)]};
    c->buckets[h & (c->nbuckets - 1)] = i;
    c->n++;
    c->bytes += size;
    return 0;
}

void cache_get_stats(const cache *c, cache_stats *out)
{
    *out = (cache_stats){c->n, c->bytes, c->hits, c->misses, c->evictions};
}
