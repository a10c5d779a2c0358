/*
** test_fcgirec.c: a whole answer framed as FastCGI records (fcgirec.h),
** read back as a web server reads them: for bodies of every awkward size
** (none, one byte, a record's worth, one more, several records, the most
** it frames) the stdout records carry the body in order under the
** request's id, then the empty stdout record and END_REQUEST (status 0,
** complete); a body over the most is refused. fcgirec_send gets all of it
** through a socket whose buffer is far smaller than the answer, so its
** writes come back partial.
*/
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fcgirec.h"

/* r's iovecs as one byte string (malloc'd), its length in *len. */
static unsigned char *flatten(const fcgirec *r, size_t *len)
{
    size_t n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->iov[i].iov_len;
    unsigned char *out = malloc(n ? n : 1);
    size_t at = 0;
    for (int i = 0; i < r->n; i++) {
        memcpy(out + at, r->iov[i].iov_base, r->iov[i].iov_len);
        at += r->iov[i].iov_len;
    }
    *len = n;
    return out;
}

/* Read the records in s (len bytes) as nginx would: 1 when they are the
** stdout records of body (n bytes) under id, then the empty stdout record
** and END_REQUEST with status 0, complete, and nothing after. */
static int reads_back(const unsigned char *s, size_t len, int id, const char *body, size_t n)
{
    size_t at = 0, got = 0;
    int ended_stdout = 0, ended = 0;
    while (at + 8 <= len) {
        const unsigned char *h = s + at;
        size_t clen = ((size_t)h[4] << 8) | h[5], plen = h[6];
        int rid = (h[2] << 8) | h[3];
        if (h[0] != 1 || rid != id || at + 8 + clen + plen > len || ended)
            return 0;
        const unsigned char *c = h + 8;
        if (h[1] == 6 && !ended_stdout) {
            if (clen == 0) {
                ended_stdout = 1;
            } else {
                if (got + clen > n || memcmp(c, body + got, clen))
                    return 0;
                got += clen;
            }
        } else if (h[1] == 3 && ended_stdout) {
            if (clen != 8 || c[0] || c[1] || c[2] || c[3] || c[4] != 0)
                return 0;
            ended = 1;
        } else {
            return 0;
        }
        at += 8 + clen + plen;
    }
    return at == len && ended && got == n;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);   /* as the workers do: a closed peer is an error */
    size_t most = (size_t)FCGIREC_RECORDS * FCGIREC_RECORD;
    char *body = malloc(most + 1);
    for (size_t i = 0; i < most + 1; i++)
        body[i] = (char)('a' + (i * 7) % 26);
    static fcgirec r;
    const size_t sizes[] = {0, 1, 8, FCGIREC_RECORD - 1, FCGIREC_RECORD, FCGIREC_RECORD + 1, 200000, most};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        CHECK(fcgirec_frame(&r, 258, n ? body : NULL, n) == 0);
        size_t len;
        unsigned char *s = flatten(&r, &len);
        CHECK(reads_back(s, len, 258, body, n));
        free(s);
    }
    /* one byte more than it frames: refused, for libfcgi's stream to send */
    CHECK(fcgirec_frame(&r, 1, body, most + 1) == -1);
    /* the request id's both bytes */
    CHECK(fcgirec_frame(&r, 0xfffe, body, 10) == 0);
    {
        size_t len;
        unsigned char *s = flatten(&r, &len);
        CHECK(s[2] == 0xff && s[3] == 0xfe && reads_back(s, len, 0xfffe, body, 10));
        free(s);
    }

    /* Partial writes: a 200,000-byte answer through a socket with a small
    ** buffer, read slowly by a child that checks what it got. */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    size_t n = 200000;
    CHECK(fcgirec_frame(&r, 7, body, n) == 0);
    size_t want;
    unsigned char *expect = flatten(&r, &want);
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        unsigned char *got = malloc(want + 1);
        size_t at = 0;
        ssize_t k;
        while (at <= want && (k = read(sv[1], got + at, 1000)) > 0)
            at += (size_t)k;
        _exit(at == want && !memcmp(got, expect, want) && reads_back(got, at, 7, body, n) ? 0 : 1);
    }
    close(sv[1]);
    CHECK(fcgirec_send(&r, sv[0]) == 0);
    close(sv[0]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(expect);

    /* a closed peer: an error, not a hang */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    close(sv[1]);
    CHECK(fcgirec_frame(&r, 7, body, 1000) == 0);
    CHECK(fcgirec_send(&r, sv[0]) == -1);
    close(sv[0]);
    free(body);
    return check_done();
}
