/*
** test_stream.c: the streamed response path. A streamed response's headers
** carry no Content-Length and no ETag (even on a page marked cacheable) and
** no body; http_stream_flush hands bytes on only once a chunk is full (or
** when told to send all), in order, counting what it sent; a writer that
** fails makes every later flush fail and drop its bytes.
*/
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "check.h"
#include "http.h"

/* A writer that keeps what it got, fails when told to, and counts calls. */
typedef struct sink {
    buf got;
    int calls;
    int fail;
} sink;

/* The sink's http_write_fn. */
static int sink_write(void *ctx, const char *p, size_t n)
{
    sink *s = ctx;
    s->calls++;
    if (s->fail)
        return -1;
    buf_append(&s->got, p, n);
    return 0;
}

/* A body that writes nothing (only its presence matters here). */
static int body_fn(request *rq, void *state, http_stream *out)
{
    (void)rq;
    (void)state;
    (void)out;
    return 0;
}

/* The CGI parameters of a GET of an export. */
static const char *get_none(void *ctx, const char *name)
{
    (void)ctx;
    if (!strcmp(name, "REQUEST_METHOD"))
        return "GET";
    if (!strcmp(name, "REQUEST_URI"))
        return "/staff/exports/rosters.csv";
    return NULL;
}

/* A streamed response's headers: no length, no ETag, no body. */
static void test_headers(void)
{
    arena *a = arena_new(0);
    request rq;
    const char *msg = NULL;
    CHECK(http_request_init(&rq, a, get_none, NULL, &msg) == 0);
    response rs;
    http_response_init(&rs);
    rs.content_type = "text/csv; charset=utf-8";
    rs.cache_seconds = 5; /* even so: a stream is never cached */
    buf_puts(&rs.body, "ignored");
    rs.stream = body_fn;
    buf out = BUF_INIT;
    http_serialize(&rq, &rs, &out);
    const char *h = buf_str(&out);
    CHECK_CONTAINS(h, "Status: 200 OK\r\n");
    CHECK_CONTAINS(h, "Content-Type: text/csv; charset=utf-8\r\n\r\n");
    CHECK_CONTAINS(h, "Cache-Control: no-store\r\n");
    CHECK(!strstr(h, "Content-Length"));
    CHECK(!strstr(h, "ETag"));
    CHECK(!strstr(h, "ignored"));
    CHECK(out.len >= 4 && !memcmp(h + out.len - 4, "\r\n\r\n", 4));
    /* The same response not streamed has its length and body. */
    rs.stream = NULL;
    buf_reset(&out);
    http_serialize(&rq, &rs, &out);
    CHECK_CONTAINS(buf_str(&out), "Content-Length: 7\r\n");
    buf_free(&out);
    http_response_free(&rs);
    arena_free(a);
}

/* Chunked hand-over, order, counting and a sticky failure. */
static void test_flush(void)
{
    sink s = {BUF_INIT, 0, 0};
    http_stream st = {BUF_INIT, sink_write, &s, 0, 0};
    buf expect = BUF_INIT;
    /* Below a chunk: nothing is sent. */
    buf_puts(&st.pending, "head\r\n");
    buf_puts(&expect, "head\r\n");
    CHECK(http_stream_flush(&st, 0) == 0);
    CHECK(s.calls == 0 && st.sent == 0);
    /* Filling past a chunk sends it all, in order, once. */
    int lines = 0;
    while (st.pending.len < HTTP_STREAM_CHUNK) {
        buf_printf(&st.pending, "\"row %d\"\r\n", lines);
        buf_printf(&expect, "\"row %d\"\r\n", lines);
        lines++;
    }
    size_t first = st.pending.len;
    CHECK(http_stream_flush(&st, 0) == 0);
    CHECK(s.calls == 1 && st.sent == first && st.pending.len == 0);
    /* The tail goes only when all is asked for. */
    buf_puts(&st.pending, "tail\r\n");
    buf_puts(&expect, "tail\r\n");
    CHECK(http_stream_flush(&st, 0) == 0 && s.calls == 1);
    CHECK(http_stream_flush(&st, 1) == 0 && s.calls == 2);
    CHECK(s.got.len == expect.len && !memcmp(buf_str(&s.got), buf_str(&expect), expect.len));
    CHECK(st.sent == expect.len);
    /* Nothing waiting: no call. */
    CHECK(http_stream_flush(&st, 1) == 0 && s.calls == 2);
    /* A failed write sticks: later bytes are dropped, every flush fails. */
    s.fail = 1;
    buf_puts(&st.pending, "lost\r\n");
    CHECK(http_stream_flush(&st, 1) == -1);
    CHECK(st.failed && st.pending.len == 0);
    s.fail = 0;
    buf_puts(&st.pending, "after\r\n");
    CHECK(http_stream_flush(&st, 1) == -1);
    CHECK(s.calls == 3 && st.sent == expect.len && st.pending.len == 0);
    buf_free(&st.pending);
    buf_free(&s.got);
    buf_free(&expect);
}

int main(void)
{
    test_headers();
    test_flush();
    return check_done();
}
