/*
** test_cache.c: unit tests for cache.h — hits only at the stored version
** and before the expiry, replacement, and the entry and byte bounds.
*/
#include "cache.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

/* The value under key at version (as a string in a static buffer), or NULL. */
static const char *got(cache *c, const char *key, uint64_t version, time_t now)
{
    static char out[256];
    size_t len = 0;
    const char *v = cache_get(c, key, version, now, &len);
    if (!v || len >= sizeof out)
        return NULL;
    memcpy(out, v, len);
    out[len] = '\0';
    return out;
}

/* A stored value comes back at its version only. */
static void test_versions(void)
{
    cache *c = cache_new(8, 4096);
    CHECK(c != NULL);
    CHECK(got(c, "a", 1, 100) == NULL);
    CHECK(cache_put(c, "a", 1, 0, "alpha", 5) == 0);
    CHECK_STR(got(c, "a", 1, 100), "alpha");
    CHECK(got(c, "a", 2, 100) == NULL);   /* the data moved on: stale */
    CHECK(got(c, "a", 0, 100) == NULL);
    CHECK(got(c, "b", 1, 100) == NULL);
    CHECK(cache_put(c, "a", 2, 0, "beta", 4) == 0);
    CHECK_STR(got(c, "a", 2, 100), "beta");
    CHECK(got(c, "a", 1, 100) == NULL);
    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.entries == 1);
    CHECK(st.hits == 2);
    CHECK(st.misses == 5);
    cache_free(c);
}

/* An entry with an expiry is a miss from that time on. */
static void test_expiry(void)
{
    cache *c = cache_new(4, 4096);
    CHECK(cache_put(c, "k", 7, 1000, "v", 1) == 0);
    CHECK_STR(got(c, "k", 7, 999), "v");
    CHECK(got(c, "k", 7, 1000) == NULL);
    CHECK(got(c, "k", 7, 5000) == NULL);
    CHECK(cache_put(c, "e", 7, 0, "", 0) == 0);     /* an empty value is a value */
    size_t len = 99;
    CHECK(cache_get(c, "e", 7, 5000, &len) != NULL && len == 0);
    cache_free(c);
}

/* The least recently used entry goes when the entry bound is reached. */
static void test_entry_bound(void)
{
    cache *c = cache_new(3, 1 << 20);
    CHECK(cache_put(c, "1", 1, 0, "one", 3) == 0);
    CHECK(cache_put(c, "2", 1, 0, "two", 3) == 0);
    CHECK(cache_put(c, "3", 1, 0, "three", 5) == 0);
    CHECK(got(c, "1", 1, 0) != NULL);          /* 1 is now more recent than 2 */
    CHECK(cache_put(c, "4", 1, 0, "four", 4) == 0);
    CHECK(got(c, "2", 1, 0) == NULL);
    CHECK_STR(got(c, "1", 1, 0), "one");
    CHECK_STR(got(c, "3", 1, 0), "three");
    CHECK_STR(got(c, "4", 1, 0), "four");
    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.entries == 3);
    CHECK(st.evictions == 1);
    /* Many keys through a small cache: never more than the bound, and the
    ** newest is always there. */
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        CHECK(cache_put(c, key, (uint64_t)i, 0, key, strlen(key)) == 0);
        CHECK_STR(got(c, key, (uint64_t)i, 0), key);
    }
    cache_get_stats(c, &st);
    CHECK(st.entries == 3);
    cache_clear(c);
    cache_get_stats(c, &st);
    CHECK(st.entries == 0 && st.bytes == 0);
    CHECK(got(c, "key-999", 999, 0) == NULL);
    cache_free(c);
}

/* Keys and values count against the byte bound; a value larger than the
** whole bound is refused and leaves nothing behind. */
static void test_byte_bound(void)
{
    cache *c = cache_new(100, 64);
    char big[100];
    memset(big, 'x', sizeof big);
    CHECK(cache_put(c, "a", 1, 0, big, 30) == 0);   /* 32 bytes with its key */
    CHECK(cache_put(c, "b", 1, 0, big, 30) == 0);   /* 64 */
    CHECK(cache_put(c, "c", 1, 0, big, 10) == 0);   /* evicts a */
    CHECK(got(c, "a", 1, 0) == NULL);
    CHECK(got(c, "b", 1, 0) != NULL);
    cache_stats st;
    cache_get_stats(c, &st);
    CHECK(st.bytes <= 64);
    CHECK(cache_put(c, "huge", 1, 0, big, sizeof big) == -1);
    CHECK(got(c, "huge", 1, 0) == NULL);
    /* Replacing a key with a refused value drops the old one too: never a
    ** stale copy left behind. */
    CHECK(cache_put(c, "b", 2, 0, big, sizeof big) == -1);
    CHECK(got(c, "b", 1, 0) == NULL);
    cache_free(c);
}

int main(void)
{
    test_versions();
    test_expiry();
    test_entry_bound();
    test_byte_bound();
    return check_done();
}
