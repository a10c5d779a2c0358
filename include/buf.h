/*
** buf.h: growable string builder with a sticky error.
**
** Append freely; check buf_failed() once at the end. After the first failure
** (out of memory or past the limit given to buf_init) every append is a
** no-op, so a caller never writes past what it meant to allow. The data is
** always NUL-terminated once anything was appended; memory is malloc'd and
** owned by the buf until buf_free() or buf_detach().
*/
#ifndef JOURNEYS_BUF_H
#define JOURNEYS_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data;   /* NUL-terminated content, or NULL while empty */
    size_t len;   /* bytes of content, not counting the NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* most bytes of content allowed; 0 means no limit */
    int failed;   /* sticky: set by the first failed append */
} buf;

#define BUF_INIT {NULL, 0, 0, 0, 0}

/* Start an empty builder holding at most limit bytes (0: unlimited). */
void buf_init(buf *b, size_t limit);

/* Append n bytes from p / a C string / one byte / a formatted string. */
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, int c);
void buf_printf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap);

/* The content as a C string; "" while empty. Valid until the next append. */
const char *buf_str(const buf *b);

/* Non-zero once an append failed. */
int buf_failed(const buf *b);

/* Empty the builder and clear the error; keeps the allocation. */
void buf_reset(buf *b);

/* Shrink the content to its first n bytes (n <= len). */
void buf_truncate(buf *b, size_t n);

/* Hand the malloc'd string to the caller (who frees it) and leave the
** builder empty. Returns NULL if an append failed, freeing the content. */
char *buf_detach(buf *b);

/* Release the memory; the builder is empty and usable again. */
void buf_free(buf *b);

#endif
