/*
** test_fcgi.c: the worker loop spoken to directly in FastCGI, on a stack
** with one worker. With FCGI_KEEP_CONN (as nginx sends with
** fastcgi_keep_conn): several requests in turn on one connection, each
** answered whole and on its own, including after a request whose body the
** application refused without reading it; a worker holding kept
** connections still answers new ones, and requests on each of several
** kept connections in any order; a kept connection the web server closes
** is let go. Without it: the worker closes the connection after the answer
** and is free at once, even while the other end stays open.
*/
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "harness.h"

enum { BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN = 5, STDOUT = 6, KEEP_CONN = 1 };

static stack s;

/* Append one FastCGI record of type for request id with content p[0..n). */
static void record(buf *out, int type, int id, const void *p, size_t n)
{
    unsigned char h[8] = {1, (unsigned char)type, (unsigned char)(id >> 8), (unsigned char)id,
                          (unsigned char)(n >> 8), (unsigned char)n, 0, 0};
    buf_append(out, (const char *)h, 8);
    if (n)
        buf_append(out, p, n);
}

/* Append a name-value pair (both shorter than 128 bytes) to params. */
static void pair(buf *params, const char *name, const char *value)
{
    unsigned char l[2] = {(unsigned char)strlen(name), (unsigned char)strlen(value)};
    buf_append(params, (const char *)l, 2);
    buf_puts(params, name);
    buf_puts(params, value);
}

/* Send one request (id 1, keep the connection) on fd and read its records
** until END_REQUEST; the STDOUT bytes go to out. Returns 0, or -1 when the
** connection ended or stalled (5 s) before the request did. */
static int exchange_as(int fd, int keep, const char *method, const char *uri, const char *ctype, const char *body,
                       buf *out)
{
    buf req = BUF_INIT, params = BUF_INIT;
    unsigned char begin[8] = {0, 1, keep ? KEEP_CONN : 0, 0, 0, 0, 0, 0};
    record(&req, BEGIN_REQUEST, 1, begin, 8);
    char cl[32];
    snprintf(cl, sizeof cl, "%zu", body ? strlen(body) : (size_t)0);
    pair(&params, "REQUEST_METHOD", method);
    pair(&params, "REQUEST_URI", uri);
    pair(&params, "SCRIPT_NAME", "");
    pair(&params, "CONTENT_LENGTH", cl);
    pair(&params, "CONTENT_TYPE", ctype ? ctype : "");
    pair(&params, "REMOTE_ADDR", "127.0.0.1");
    pair(&params, "HTTP_HOST", "127.0.0.1");
    record(&req, PARAMS, 1, params.data, params.len);
    record(&req, PARAMS, 1, NULL, 0);
    /* the body in records of at most 32 KB, as nginx sends a long one */
    for (size_t at = 0, n = body ? strlen(body) : 0; at < n; at += 32768)
        record(&req, STDIN, 1, body + at, n - at < 32768 ? n - at : 32768);
    record(&req, STDIN, 1, NULL, 0);
    int rc = write(fd, req.data, req.len) == (ssize_t)req.len ? 0 : -1;
    buf_free(&req);
    buf_free(&params);
    buf in = BUF_INIT;
    size_t at = 0;
    while (rc == 0) {
        while (in.len - at >= 8) {
            const unsigned char *h = (const unsigned char *)in.data + at;
            size_t n = (size_t)h[4] << 8 | h[5], pad = h[6];
            if (in.len - at < 8 + n + pad)
                break;
            if (h[1] == STDOUT)
                buf_append(out, (const char *)h + 8, n);
            at += 8 + n + pad;
            if (h[1] == END_REQUEST) {
                buf_free(&in);
                return 0;
            }
        }
        struct pollfd p = {fd, POLLIN, 0};
        char chunk[8192];
        ssize_t got = poll(&p, 1, 5000) == 1 ? read(fd, chunk, sizeof chunk) : -1;
        if (got <= 0)
            rc = -1;
        else
            buf_append(&in, chunk, (size_t)got);
    }
    buf_free(&in);
    return -1;
}

/* exchange_as with the connection kept. */
static int exchange(int fd, const char *method, const char *uri, const char *ctype, const char *body, buf *out)
{
    return exchange_as(fd, 1, method, uri, ctype, body, out);
}

/* A new connection to the workers' socket, or -1. */
static int dial(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", stack_path(&s, "var/journeys.sock"));
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* GET /healthz on fd (kept or not); whether it was answered "ok". */
static int healthy(int fd, int keep)
{
    buf out = BUF_INIT;
    int ok = exchange_as(fd, keep, "GET", "/healthz", NULL, NULL, &out) == 0 && strstr(buf_str(&out), "ok ");
    buf_free(&out);
    return ok;
}

/* Whether the worker left fd open after its last answer (no EOF waiting). */
static int still_open(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 50) == 0;
}

static void test_kept_connection(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", stack_path(&s, "var/journeys.sock"));
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    static const struct {
        const char *method, *uri, *ctype, *body, *want;
    } steps[] = {
        {"GET", "/healthz", NULL, NULL, "ok "},
        {"GET", "/courses", NULL, NULL, "Status: 200"},
        {"GET", "/no/such/page", NULL, NULL, "Status: 404"},
        /* refused before the body is read: the next request must still parse */
        {"POST", "/signin", "text/plain", "email=a%40b.c&password=x", "Status: 415"},
        {"POST", "/signin", "application/x-www-form-urlencoded", "email=a%40b.c&password=x", "Status: 403"},
        {"GET", "/healthz", NULL, NULL, "ok "},
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        buf out = BUF_INIT;
        int rc = exchange(fd, steps[i].method, steps[i].uri, steps[i].ctype, steps[i].body, &out);
        if (rc != 0 || !strstr(buf_str(&out), steps[i].want))
            fprintf(stderr, "request %zu on the kept connection, %s %s: %s\n%.300s\n", i + 1, steps[i].method,
                    steps[i].uri, rc ? "no whole answer" : "unexpected answer", buf_str(&out));
        CHECK(rc == 0);
        CHECK_CONTAINS(buf_str(&out), steps[i].want);
        CHECK(still_open(fd));
        buf_free(&out);
    }
    close(fd);
}

/* A request whose body spans several records and reads (a form longer
** than the site takes, refused with 413 unread, and libfcgi's 8 KB reads) leaves nothing of itself on a kept connection: the next
** request on it is answered, again and again. */
static void test_kept_after_long_body(void)
{
    int fd = dial();
    CHECK(fd >= 0);
    char *body = malloc(70001);
    memcpy(body, "email=", 6);
    memset(body + 6, 'a', 69994);
    body[70000] = '\0';
    for (int round = 0; round < 3; round++) {
        buf out = BUF_INIT;
        CHECK(exchange(fd, "POST", "/signin", "application/x-www-form-urlencoded", body, &out) == 0);
        CHECK_CONTAINS(buf_str(&out), "Status: 413");
        buf_free(&out);
        CHECK(healthy(fd, 1));
    }
    free(body);
    close(fd);
}

/* The one worker holds a kept connection that stays idle: a new
** connection is still answered (the worker waits on both, it is not
** pinned to the kept one), and so are requests on three kept connections
** taken in any order, after which each is still open. */
static void test_kept_and_new(void)
{
    int a = dial();
    CHECK(a >= 0 && healthy(a, 1) && still_open(a));
    int b = dial(), c = dial();
    CHECK(b >= 0 && healthy(b, 1));
    CHECK(c >= 0 && healthy(c, 1));
    int order[] = {a, c, b, b, a, c};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        CHECK(healthy(order[i], 1));
    CHECK(still_open(a) && still_open(b) && still_open(c));
    /* Two requests sent at once on two kept connections: both answered. */
    buf out1 = BUF_INIT, out2 = BUF_INIT;
    CHECK(exchange(a, "GET", "/healthz", NULL, NULL, &out1) == 0 && exchange(c, "GET", "/healthz", NULL, NULL, &out2) == 0);
    buf_free(&out1);
    buf_free(&out2);
    /* The web server closes one: the worker lets it go and serves on. */
    close(b);
    int d = dial();
    CHECK(d >= 0 && healthy(d, 1) && healthy(a, 1) && healthy(c, 1));
    close(a);
    close(c);
    close(d);
}

/* Without FCGI_KEEP_CONN the worker ends the connection after the answer
** and does not wait for the other end to close first: with the first
** connection still open at this end, a second is answered at once. (With
** libfcgi's own close the one worker waited up to 2 s for that end.) */
static void test_closed_after_answer(void)
{
    int a = dial();
    CHECK(a >= 0 && healthy(a, 0));
    struct pollfd p = {a, POLLIN, 0};
    char c;
    CHECK(poll(&p, 1, 5000) == 1 && read(a, &c, 1) == 0); /* the worker's end is closed */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int b = dial();
    CHECK(b >= 0 && healthy(b, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs >= 1.5)
        fprintf(stderr, "the second connection waited %.2f s for the first to close\n", secs);
    CHECK(secs < 1.5);
    close(a);
    close(b);
}

int main(void)
{
    const char *env[] = {"JOURNEYS_SERVER_WORKERS=1", NULL};
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    test_kept_connection();
    test_kept_after_long_body();
    test_kept_and_new();
    test_closed_after_answer();
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
