/*
** fcgirec.c: a whole FastCGI answer as records in one writev (fcgirec.h).
*/
#include "fcgirec.h"

#include <errno.h>
#include <string.h>

/* A record header: version 1, type, request id, content length, no
** padding (the protocol's 8-byte header, big-endian). */
static void header(unsigned char *h, int type, int id, size_t len)
{
    h[0] = 1;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)((id >> 8) & 0xff);
    h[3] = (unsigned char)(id & 0xff);
    h[4] = (unsigned char)((len >> 8) & 0xff);
    h[5] = (unsigned char)(len & 0xff);
    h[6] = 0;
    h[7] = 0;
}

int fcgirec_frame(fcgirec *r, int id, const char *body, size_t n)
{
    enum { STDOUT = 6, END_REQUEST = 3 };
    size_t records = (n + FCGIREC_RECORD - 1) / FCGIREC_RECORD;
    if (records > FCGIREC_RECORDS)
        return -1;
    r->n = 0;
    for (size_t i = 0; i < records; i++) {
        size_t part = n - i * FCGIREC_RECORD < FCGIREC_RECORD ? n - i * FCGIREC_RECORD : FCGIREC_RECORD;
        header(r->head[i], STDOUT, id, part);
        r->iov[r->n++] = (struct iovec){r->head[i], 8};
        r->iov[r->n++] = (struct iovec){(void *)(body + i * FCGIREC_RECORD), part};
    }
    /* the end of stdout, then END_REQUEST: status 0 (4 bytes), complete, 3 reserved */
    header(r->end, STDOUT, id, 0);
    header(r->end + 8, END_REQUEST, id, 8);
    memset(r->end + 16, 0, 8);
    r->iov[r->n++] = (struct iovec){r->end, sizeof r->end};
    return 0;
}

int fcgirec_send(fcgirec *r, int fd)
{
    struct iovec *v = r->iov;
    int left = r->n;
    while (left > 0) {
        ssize_t w = writev(fd, v, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        /* skip what went out; a partial iovec keeps its rest */
        while (left > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            left--;
        }
        if (left > 0 && w > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    return 0;
}
