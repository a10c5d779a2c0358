/*
** fcgirec.h: a whole FastCGI answer framed as records and written in one
** system call.
**
** libfcgi's output stream cuts an answer into records of 8 KB and writes
** each as its buffer fills: five writes, and five wake-ups of nginx, for a
** 40 KB page. The protocol allows records of up to 65,535 bytes of
** content, so an answer that is complete before it is sent (every page
** but the streamed exports) goes out as its stdout records, the empty
** record that ends stdout and the END_REQUEST record, in one writev. The
** worker then frees the request without libfcgi's close (FCGX_Free), which
** would send the ending records a second time.
*/
#ifndef JOURNEYS_FCGIREC_H
#define JOURNEYS_FCGIREC_H

#include <stddef.h>
#include <sys/uio.h>

enum {
    FCGIREC_RECORD = 65535,            /* the most content one record holds */
    FCGIREC_RECORDS = 32,              /* stdout records at most: 2 MB */
};

typedef struct fcgirec {
    struct iovec iov[2 * FCGIREC_RECORDS + 1];
    unsigned char head[FCGIREC_RECORDS][8];
    unsigned char end[24];             /* the empty stdout record, END_REQUEST */
    int n;                             /* iovecs in use */
} fcgirec;

/* Frame body (n bytes, NULL when n is 0) as request id's answer: stdout
** records of up to FCGIREC_RECORD bytes, the empty stdout record, and
** END_REQUEST (application status 0, request complete). r's iovecs point
** into body and into r. Returns 0, or -1 when the body needs more than
** FCGIREC_RECORDS records (send it through libfcgi's stream instead). */
int fcgirec_frame(fcgirec *r, int id, const char *body, size_t n);

/* Write all of r's iovecs to fd, again after a partial write or an
** interrupted one. 0, or -1 when the connection failed. */
int fcgirec_send(fcgirec *r, int fd);

#endif
