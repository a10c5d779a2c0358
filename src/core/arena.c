/*
** arena.c: chunked bump allocator behind each request (see arena.h).
*/
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t pad[]; /* payload starts here, aligned */
};

struct arena {
    struct chunk *head; /* chunk being filled; the first chunk is last */
    size_t chunk;       /* default chunk size */
    size_t used;        /* bytes handed out since the last reset */
};

/* Abort with a message: the process cannot go on without memory. */
static void oom(size_t n)
{
    fprintf(stderr, "journeys: out of memory allocating %zu bytes\n", n);
    abort();
}

/* A fresh chunk able to hold at least n bytes. */
static struct chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(struct chunk))
        oom(size);
    struct chunk *c = malloc(sizeof(struct chunk) + size);
    if (!c)
        oom(size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

arena *arena_new(size_t chunk)
{
    arena *a = malloc(sizeof *a);
    if (!a)
        oom(sizeof *a);
    a->chunk = chunk ? chunk : 64 * 1024;
    a->head = chunk_new(a->chunk);
    a->used = 0;
    return a;
}

void arena_free(arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void arena_reset(arena *a)
{
    struct chunk *c = a->head;
    while (c->next) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    a->head = c;
    a->used = 0;
}

void *arena_alloc(arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ALIGN)
        oom(n);
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    struct chunk *c = a->head;
    if (c->size - c->used < need) {
        /* Large requests get a chunk of their own. */
        struct chunk *nc = chunk_new(need > a->chunk ? need : a->chunk);
        nc->next = c;
        a->head = c = nc;
    }
    void *p = (char *)c->pad + c->used;
    c->used += need;
    a->used += need;
    return p;
}

void *arena_zalloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n ? n : 1);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char probe[1];
    int n = vsnprintf(probe, sizeof probe, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return arena_strdup(a, "");
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t arena_used(const arena *a)
{
    return a->used;
}

size_t arena_reserved(const arena *a)
{
    size_t n = 0;
    for (const struct chunk *c = a->head; c; c = c->next)
        n += c->size;
    return n;
}

void *arena_grow(arena *a, void **list, int *n, int *cap, size_t sz)
{
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        void *bigger = arena_alloc(a, sz * (size_t)ncap);
        if (*n)
            memcpy(bigger, *list, sz * (size_t)*n);
        *list = bigger;
        *cap = ncap;
    }
    char *e = (char *)*list + sz * (size_t)(*n)++;
    memset(e, 0, sz);
    return e;
}
