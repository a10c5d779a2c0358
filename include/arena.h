/*
** arena.h: per-request bump allocator.
**
** Every request owns one arena. Handlers allocate from it freely and never
** free; the worker calls arena_reset() after the response is sent, which keeps
** the first chunk and returns the rest to the system, so a worker's memory
** stays flat however many requests it serves.
**
** Out of memory is not a request error: the allocators abort(), the process
** manager restarts the worker.
*/
#ifndef JOURNEYS_ARENA_H
#define JOURNEYS_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena arena;

/* Create an arena whose chunks are at least chunk bytes (0: 64 KiB).
** Caller owns the result; release with arena_free(). */
arena *arena_new(size_t chunk);

/* Release the arena and everything allocated from it. NULL is a no-op. */
void arena_free(arena *a);

/* Forget every allocation; keep the first chunk for reuse. Pointers
** obtained before the call are invalid after it. */
void arena_reset(arena *a);

/* n bytes aligned for any type, uninitialised. Never returns NULL. */
void *arena_alloc(arena *a, size_t n);

/* n zeroed bytes. Never returns NULL. */
void *arena_zalloc(arena *a, size_t n);

/* Copies of s (NUL-terminated), of its first n bytes, and of a formatted
** string. NULL s gives NULL. Results live until the next reset. */
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);

/* Make room in a growing array kept in a: one more of *n elements of size
** sz in *list, doubling *cap (from 8) when full and copying what is there.
** Returns the new element, zeroed, and counts it in *n. */
void *arena_grow(arena *a, void **list, int *n, int *cap, size_t sz);
char *arena_printf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);

/* Bytes handed out since the last reset, and bytes held from the system. */
size_t arena_used(const arena *a);
size_t arena_reserved(const arena *a);

#endif
