/*
** serve.c: the process manager and the FastCGI worker loop (see serve.h).
*/
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "blobs.h"
#include "db.h"
#include "enrol.h"
#include "fcgirec.h"
#include "files.h"
#include "jobs.h"
#include "log.h"
#include "notices.h"

enum { MAX_WORKERS = 256 };

/* What a child of the manager does. The sweep and the mail each have their
** own process, so a mail server that never answers cannot hold up the
** lapse of checkout holds and waitlist offers. */
enum kind {
    K_WORKER = 0, /* serves FastCGI requests */
    K_SLOW,       /* serves the routes that call the payment provider or build a staff report */
    K_WRITE,      /* serves the short writes (R_BATCH), several to a commit */
    K_MAILER,     /* delivers the outbox */
    K_SWEEPER,    /* lets lapsed holds and offers go, asks again for stuck refunds */
    K_CHECKPOINT, /* copies the write-ahead log into the database file */
};

/* How often the checkpointer copies the log into the database file, and
** the log's size (in pages) at which another child's commit does it itself:
** only when the checkpointer has fallen behind or is gone. SQLite's
** default, 1,000 pages, put a checkpoint and its fsync into one reply in
** every twenty or so under load. */
enum { CHECKPOINT_MS = 50, CHECKPOINT_BACKSTOP = 20000 };

/* How long a worker told to stop keeps looking for connections still queued
** on the socket: it exits once none is pending for this long. */
#define DRAIN_IDLE_MS 50

struct child {
    pid_t pid;
    int generation;
    time_t started;
    int kind;         /* enum kind */
};

struct manager {
    const config *cfg;
    app ap;
    int listen_fd;
    int own_socket;   /* we created the unix socket file and remove it */
    int workers;
    /* The pools beside the page workers, each on its own unix socket:
    ** pools[K_SLOW - 1] and pools[K_WRITE - 1]. */
    struct pool {
        int fd;        /* its socket, or -1 when there is no such pool */
        int workers;   /* its size (0 with no fd) */
        const char *socket;
    } pools[2];
    int kind;         /* in a child: what it does (enum kind; for a worker, its pool) */
    int generation;
    struct child kids[2 * MAX_WORKERS];
};

/* ---- the worker ---- */

static volatile sig_atomic_t worker_stop;
static volatile sig_atomic_t worker_retire; /* SIGUSR2: a reload replaced this worker */
static int worker_spent; /* the request budget is spent: answer what kept connections carry, then exit */

/* SIGTERM/SIGINT in a child: finish the work in hand, then exit. Installed
** with SA_RESTART, so a signal never breaks the reads and writes of a
** request or a mail transfer; the waits that must end on it (ppoll,
** nanosleep) end on any signal. */
static void on_worker_stop(int sig)
{
    worker_stop = 1;
    if (sig == SIGUSR2)
        worker_retire = 1;
}

/* The common start of every child: name it for the log and for ps (the
** process's name, /proc/PID/comm, is its role), ask for SIGTERM
** when the manager dies (and exit at once if it already has: the pid it
** was forked from is not its parent any more), install the stop handler.
** A worker keeps SIGTERM and SIGINT blocked except while it waits for a
** connection (ppoll), so a stop can never slip in between its check of the
** flag and the wait; other children unblock every signal. */
static void child_setup(const char *role, pid_t manager, int worker)
{
    log_role(role);
    prctl(PR_SET_NAME, role);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct sigaction sa = {0};
    sa.sa_handler = on_worker_stop;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    sigset_t mask;
    sigemptyset(&mask);
    if (worker) {
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR2);
    }
    sigprocmask(SIG_SETMASK, &mask, NULL);
    if (getppid() != manager)
        _exit(0);
}

/* Whether the child should stop: told to, or its manager is gone. */
static int child_stopping(pid_t manager)
{
    return worker_stop || getppid() != manager;
}

/* A CGI parameter of the FastCGI request being served. */
static const char *fcgi_param(void *ctx, const char *name)
{
    return FCGX_GetParam(name, (FCGX_ParamArray)ctx);
}

/* Read request body bytes from the FastCGI stdin stream. */
static long fcgi_read(void *ctx, char *p, size_t n)
{
    int r = FCGX_GetStr(p, n > 1 << 30 ? 1 << 30 : (int)n, (FCGX_Stream *)ctx);
    return r < 0 ? -1 : r;
}

/* Write a piece of a streamed answer to the FastCGI stdout stream (an
** http_write_fn): 0, or -1 when the connection failed. */
static int fcgi_write(void *ctx, const char *p, size_t n)
{
    while (n > 0) {
        int part = n > 1 << 30 ? 1 << 30 : (int)n;
        if (FCGX_PutStr(p, part, (FCGX_Stream *)ctx) != part)
            return -1;
        p += part;
        n -= (size_t)part;
    }
    return 0;
}

/* The connections a worker holds open between requests. nginx keeps
** FastCGI connections open when told to (fastcgi_keep_conn with an
** upstream keepalive pool) and sends its next request on one of them; a
** worker waits on all of its kept connections and the listening socket
** together, so a kept connection never pins it while new connections
** queue. The last wait's ready connections are served in turn before the
** worker waits again, so none is passed over. */
enum { MAX_KEPT = 256 };

struct kept {
    int fd[MAX_KEPT]; /* idle kept connections */
    int n;
    int ready[MAX_KEPT + 1]; /* from the last wait: kept fds, or -1 for the listening socket */
    int nready, at;
};

/* Forget kept connection fd (it is being served or was closed). */
static void kept_drop(struct kept *k, int fd)
{
    for (int i = 0; i < k->n; i++)
        if (k->fd[i] == fd) {
            k->fd[i] = k->fd[--k->n];
            return;
        }
}

/* Close every kept connection (the worker is leaving). nginx sees the end
** of an idle connection and drops it from its pool. */
static void kept_close_all(struct kept *k)
{
    for (int i = 0; i < k->n; i++)
        close(k->fd[i]);
    k->n = k->nready = k->at = 0;
}

/* After a request: keep its connection for the next one when the web
** server asked to (libfcgi left req->ipcFd open). A worker holding
** MAX_KEPT connections takes no new one (next_request), so there is always
** room for the one just served. */
static void kept_add(struct kept *k, FCGX_Request *req)
{
    if (req->ipcFd < 0)
        return;
    if (k->n < MAX_KEPT)
        k->fd[k->n++] = req->ipcFd;
    else
        close(req->ipcFd);
    req->ipcFd = -1;
}

/* Read the next request into req, from one of the worker's kept
** connections or a new one on the listening socket fd (non-blocking: the
** manager sets it so). The worker waits in ppoll on both, with SIGTERM and
** SIGINT let in only there; a connection another worker took first gives
** EAGAIN and it waits again.
**
** A worker holding MAX_KEPT connections takes no new one until nginx has
** closed some. A worker on its way out (told to stop, retired by a reload,
** or its budget spent) answers every request its kept connections carry
** but never closes one itself: nginx might be sending a request on it at
** that moment, and would get a reset where it expected an answer. It waits
** for nginx to close them (the upstream's keepalive_requests and
** keepalive_timeout). A worker told to stop
** also takes every connection still queued on the socket, so a drain
** drops no request; one retired or spent takes none (its replacement
** does). It returns -1 once it holds no kept connection and nothing has
** come for DRAIN_IDLE_MS, or after half of drain_seconds under a load that
** never lets up (the manager kills what is left at drain_seconds, and a
** request cut off half-way is worse than one never taken), closing what
** is left; one whose manager has died stops at once: while an orphan holds
** the socket no new manager can start. Returns 0 with a request in req,
** or -1. With wait 0 it does not wait: it returns 1 when no request is
** there already (the write pool's worker asks so to fill a batch). */
static int next_request(FCGX_Request *req, int fd, struct kept *k, pid_t manager, int drain_seconds, int wait)
{
    static time_t leaving_since;
    sigset_t open;
    sigemptyset(&open);
    for (;;) {
        if (getppid() != manager)
            break;
        int leaving = worker_stop || worker_spent;
        int take_new = !worker_retire && !worker_spent && k->n < MAX_KEPT;
        if (leaving && !leaving_since)
            leaving_since = time(NULL);
        if (leaving && time(NULL) - leaving_since >= (drain_seconds + 1) / 2)
            break;
        if (k->at < k->nready) {
            int c = k->ready[k->at++];
            int rc;
            if (c >= 0) {
                /* a request (or the end) on a kept connection; should the
                ** web server have closed it, libfcgi closes it too and tries
                ** the (non-blocking) listening socket once */
                kept_drop(k, c);
                req->ipcFd = c;
                req->keepConnection = 1;
                rc = FCGX_Accept_r(req);
            } else if (!take_new) {
                continue;
            } else {
                rc = FCGX_Accept_r(req);
            }
            if (rc >= 0)
                return 0;
            if (c >= 0 || rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || rc == -ECONNABORTED)
                continue;
            log_error("accept failed: %s", strerror(-rc));
            break;
        }
        struct pollfd p[MAX_KEPT + 1];
        int n = 0;
        for (int i = 0; i < k->n; i++)
            p[n++] = (struct pollfd){.fd = k->fd[i], .events = POLLIN};
        if (take_new)
            p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
        if (n == 0 && !wait)
            return 1;
        if (n == 0)
            break; /* on its way out, and nothing kept */
        struct timespec idle = {0, DRAIN_IDLE_MS * 1000L * 1000L}, now = {0, 0};
        int got = ppoll(p, (nfds_t)n, !wait ? &now : leaving ? &idle : NULL, &open);
        if (got == 0 && !wait)
            return 1;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            log_error("poll failed: %s", strerror(errno));
            break;
        }
        if (got == 0 && k->n == 0)
            break; /* on its way out, and nothing is queued */
        k->nready = k->at = 0;
        for (int i = 0; i < n; i++)
            if (p[i].revents)
                k->ready[k->nready++] = p[i].fd == fd ? -1 : p[i].fd;
    }
    kept_close_all(k);
    return -1;
}

/* Send out (n bytes), the whole answer, with the request's ending records
** in one write (fcgirec.h). 1 when sent; 0 when it is too large to frame
** (the caller sends it through libfcgi's stream); -1 when the connection
** failed (then it is closed, not kept). */
static int send_whole(FCGX_Request *req, const char *out, size_t n)
{
    static fcgirec r;
    if (FCGX_FFlush(req->out) != 0 || fcgirec_frame(&r, req->requestId, out, n) != 0)
        return 0;
    if (fcgirec_send(&r, req->ipcFd) != 0) {
        req->keepConnection = 0;
        return -1;
    }
    return 1;
}

/* Send the rest of the answer (out, n bytes: the whole answer, or nothing
** after a streamed one) and end the request. libfcgi closes a
** connection it does not keep by shutting down its side and then waiting
** (up to 2 s) for the web server to close the other, so that bytes still
** coming cannot make the kernel reset the connection under the answer;
** that wait held the worker for a round trip of nginx's event loop on
** every request (see the README's Performance section). Once the request
** has been read to its end (the empty stdin record: nothing more will
** come), a plain close is as safe, so the worker reads what is left of
** stdin (nothing, for a GET) and, when it got to the end, closes at once.
** A request cut short keeps libfcgi's careful close. Every request's
** stdin is read to its end, kept connection or not (see below), before
** the answer's end goes out: nginx may send the next request on a kept
** connection as soon as it has the end, and libfcgi's reading ahead must
** not take it for this one's. */
static void finish_request(FCGX_Request *req, const char *out, size_t n)
{
    int clean = 0;
    if (req->in) {
        char rest[4096];
        while (FCGX_GetStr(rest, sizeof rest, req->in) > 0)
            ;
        clean = FCGX_HasSeenEOF(req->in) && FCGX_GetError(req->in) == 0;
    }
    /* A kept connection carries the next request only once this one's
    ** stdin has been read to its end: records left unread (the tail of a
    ** long body, its closing empty record) would be taken for the next
    ** request's and fail it. One that could not be read to the end is
    ** closed instead of kept. */
    if (req->keepConnection && !clean)
        req->keepConnection = 0;
    else if (!req->keepConnection && clean)
        FCGX_Detach(req);
    int sent = n ? send_whole(req, out, n) : 0;
    if (n && !sent)
        FCGX_PutStr(out, (int)n, req->out);
    if (sent) {
        /* the answer and its ending records are out already: what
        ** FCGX_Finish_r does, without closing the streams (which would
        ** send the ending records again) */
        FCGX_Free(req, !req->keepConnection || !clean);
    } else {
        FCGX_Finish_r(req);
    }
    req->detached = 0;
}

/* Open the child's own connection to the database; exit with status 3
** (logged) when it cannot be opened. Its commits copy the log into the
** database file only past CHECKPOINT_BACKSTOP pages: that is the
** checkpointer's work, and a commit that does it holds the writers' gate
** through the copy and its fsync (the mailer's, at SQLite's 1,000, held
** every writer for 7 to 27 ms under a run of replies). */
static void child_open_db(struct manager *m)
{
    buf err = BUF_INIT;
    if (app_open_db(&m->ap, &err) != 0) {
        log_error("%s", buf_str(&err));
        _exit(3);
    }
    buf_free(&err);
    db_autocheckpoint(m->ap.db, CHECKPOINT_BACKSTOP);
}

/* The most requests the write pool's worker puts into one batch, and how
** long it goes on adding to one (it holds the writers' gate meanwhile). */
enum { BATCH_MAX = 32, BATCH_MS = 5 };

/* Milliseconds on the monotonic clock. */
static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Count one request against the worker's budget; once it is spent, the
** manager starts a replacement now, not when this one is gone. */
static void spend(pid_t manager, int *budget)
{
    if (--*budget <= 0 && !worker_spent) {
        worker_spent = 1;
        kill(manager, SIGUSR1);
    }
}

/* The worker's life: open its own database connection, accept and serve
** until its request budget is spent (then it takes no new connection and
** answers what its kept connections already carry), or until it is told
** to stop and no connection is left queued on the socket (so a drain drops
** none), or its manager has died; then exit. Never returns.
**
** The write pool's worker (K_WRITE) serves the requests waiting for it in
** one batch (db.h): after each one it takes the next already there,
** without waiting, up to BATCH_MAX or for BATCH_MS, and commits them all
** at once; only then do their answers go out, so none says "saved" before
** it is. Under
** load the requests share a commit and the pages it writes (the counters,
** the newest rows of each table and index); alone, a request is a batch of
** one and waits for nothing. A batch that could not be written is
** answered with a 503 for every request in it. The worker writes alone,
** so SQLite keeps its page cache from one batch to the next. */
static void worker_main(struct manager *m, pid_t manager)
{
    child_setup(m->kind == K_WRITE ? "writer" : m->kind == K_SLOW ? "slow-worker" : "worker", manager, 1);
    /* A page's buffers (up to a few hundred KB) come from the heap and stay
    ** there between requests: given back to the kernel after each request
    ** (glibc's defaults), every large page paid for its memory again in
    ** page faults, a tenth of the staff roster's time. At most 8 MiB of
    ** freed memory is kept. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
    child_open_db(m);
    db *d = m->ap.db;
    FCGX_Init();
    int batch_max = m->kind == K_WRITE ? BATCH_MAX : 1;
    static FCGX_Request req[BATCH_MAX];
    static buf out[BATCH_MAX];
    for (int i = 0; i < batch_max; i++)
        FCGX_InitRequest(&req[i], m->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
    static struct kept k;
    arena *a = arena_new(0);
    int budget = m->cfg->max_requests;
    int drain = m->cfg->drain_seconds;
    unsigned long long batches = 0, batched_requests = 0;
    int largest = 0;
    while (next_request(&req[0], m->listen_fd, &k, manager, drain, 1) == 0) {
        int batched = batch_max > 1 && db_batch_begin(d) == 0;
        int n = 0, cut = 0;
        if (!batched) {
            cut = app_handle_to(&m->ap, a, fcgi_param, req[0].envp, fcgi_read, req[0].in, &out[0], fcgi_write,
                                req[0].out);
            spend(manager, &budget);
            n = 1;
        } else {
            /* answers are held until the commit, so none is streamed */
            int lost = 0;
            long long until = mono_ms() + BATCH_MS;
            do {
                db_batch_step(d);
                app_handle(&m->ap, a, fcgi_param, req[n].envp, fcgi_read, req[n].in, &out[n]);
                lost = db_batch_step_end(d) != 0;
                spend(manager, &budget);
                n++;
            } while (!lost && n < batch_max && mono_ms() < until &&
                     next_request(&req[n], m->listen_fd, &k, manager, drain, 0) == 0);
            batches++;
            batched_requests += (unsigned)n;
            largest = n > largest ? n : largest;
            if (db_batch_end(d) != 0) {
                app_forget_kept(&m->ap);
                for (int i = 0; i < n; i++) {
                    buf_reset(&out[i]);
                    app_unsaved(&m->ap, a, fcgi_param, req[i].envp, &out[i]);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            /* The connection stays open as nginx asked, even on the way
            ** out: closed by the worker, nginx could already have sent the
            ** next request on it (it learns of the end only after reading
            ** this answer) and would answer 502. nginx closes it in its
            ** own time (keepalive_requests, keepalive_timeout). */
            if (cut) {
                /* A streamed answer that broke off half-way: close the
                ** connection without ending the request, so nginx (and the
                ** client after it) sees the answer cut short. */
                req[i].keepConnection = 0;
                FCGX_Free(&req[i], 1);
            } else {
                /* a whole answer (every one but a streamed export, which
                ** went out through req.out as it was made) in one write
                ** with its end */
                finish_request(&req[i], buf_str(&out[i]), out[i].len);
            }
            kept_add(&k, &req[i]);
            if (out[i].cap > 1 << 20)
                buf_free(&out[i]);
            else
                buf_reset(&out[i]);
        }
        db_check_idle(d);
        arena_reset(a);
    }
    kept_close_all(&k);
    if (batches)
        log_info("write pool: %llu requests in %llu commits, at most %d in one", batched_requests, batches, largest);
    for (int i = 0; i < batch_max; i++)
        buf_free(&out[i]);
    arena_free(a);
    app_free(&m->ap);
    _exit(0);
}

/* Close the sockets of the pools beside the page workers, all but that
** of kind keep (-1: all of them). */
static void close_pools(struct manager *m, int keep)
{
    for (int i = 0; i < 2; i++)
        if (i + 1 != keep && m->pools[i].fd >= 0) {
            close(m->pools[i].fd);
            m->pools[i].fd = -1;
        }
}

/* Remove the socket files of the pools the manager opened. */
static void unlink_pools(struct manager *m)
{
    for (int i = 0; i < 2; i++)
        if (m->pools[i].fd >= 0)
            unlink(m->pools[i].socket);
}

/* A child that serves no requests lets go of the listening socket at once,
** so that once the manager and its workers are gone (even killed) nothing
** holds it and a new manager can take it. fd 0 is refilled from /dev/null
** so it cannot be reused by accident. */
static void drop_listener(struct manager *m)
{
    close_pools(m, -1);
    if (m->listen_fd == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null > 0) {
            dup2(null, 0);
            close(null);
        }
    } else {
        close(m->listen_fd);
    }
    m->listen_fd = -1;
}

/* Sleep up to seconds, waking every 100 ms to see whether to stop. */
static void child_pause(int seconds, pid_t manager)
{
    for (int i = 0; i < seconds * 10 && !child_stopping(manager); i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* The mailer: turns notifications into e-mail and sends the workspace
** e-mails (notices_pass), then delivers the outbox (mail, community
** invitations), every jobs_interval seconds until told to stop or orphaned. It looks at the
** stop flag between messages, never in the middle of one (the transfer
** itself is bounded by the mail timeout): a message is either delivered
** and marked sent, or left for retry with its attempt counted. Never
** returns. */
static void mailer_main(struct manager *m, pid_t manager)
{
    child_setup("mailer", manager, 0);
    child_open_db(m);
    arena *a = arena_new(0);
    while (!child_stopping(manager)) {
        /* Notifications and workspace e-mails first: a short pass of
        ** database work that only queues mail, so the outbox run below
        ** sends what it queued. */
        domain d = domain_make(m->ap.db, m->cfg, m->ap.tmpl, a, 0, time(NULL));
        notices_stats ns;
        if (notices_pass(&d, &ns) == DOM_OK && (ns.instant || ns.digests || ns.week_start || ns.morning))
            log_info("notifications: %d at once, %d digests, %d start-of-week, %d morning e-mails queued",
                     ns.instant, ns.digests, ns.week_start, ns.morning);
        arena_reset(a);
        db_check_idle(m->ap.db);
        jobs_stats st = {0};
        jobs_outbox_run(m->ap.db, m->cfg, time(NULL), &st, &worker_stop);
        if (st.sent || st.retried || st.failed)
            log_info("outbox: %d sent, %d to retry, %d failed", st.sent, st.retried, st.failed);
        db_check_idle(m->ap.db);
        child_pause(m->cfg->jobs_interval, manager);
    }
    arena_free(a);
    app_free(&m->ap);
    _exit(0);
}

/* The sweeper: lets lapsed checkout holds and waitlist offers go (and asks
** the provider again about refunds left pending), and every [uploads]
** sweep_seconds removes the kept files no submission refers to (blobs.h);
** it looks every jobs_interval seconds, until told to stop or orphaned.
** Never returns. */
static void sweeper_main(struct manager *m, pid_t manager)
{
    child_setup("sweeper", manager, 0);
    child_open_db(m);
    arena *a = arena_new(0);
    time_t files_swept = 0; /* when the kept files were last swept */
    while (!child_stopping(manager)) {
        domain d = domain_make(m->ap.db, m->cfg, m->ap.tmpl, a, 0, time(NULL));
        int lapsed = enrol_sweep(&d);
        if (lapsed > 0)
            log_info("%d registrations lapsed", lapsed);
        db_check_idle(m->ap.db);
        arena_reset(a);
        /* files no submission refers to any more */
        if (d.now - files_swept >= m->cfg->uploads_sweep_seconds) {
            blobs_stats bs;
            if (blobs_sweep(&d, &bs) == DOM_OK)
                files_swept = d.now;
            if (bs.forgotten || bs.strays)
                log_info("files: %d no longer referred to and %d strays removed", bs.forgotten, bs.strays);
            db_check_idle(m->ap.db);
            arena_reset(a);
        }
        child_pause(m->cfg->jobs_interval, manager);
    }
    arena_free(a);
    app_free(&m->ap);
    _exit(0);
}

/* The checkpointer: every CHECKPOINT_MS copies what the write-ahead log
** holds into the database file (db_checkpoint, which never waits for a
** reader or holds up a writer), so that requests do not: the workers'
** own checkpoint waits for CHECKPOINT_BACKSTOP pages. Copying many
** commits at once also writes a page changed by each of them once. One
** last pass on the way out. Never returns. */
static void checkpointer_main(struct manager *m, pid_t manager)
{
    child_setup("checkpointer", manager, 0);
    child_open_db(m);
    while (!child_stopping(manager)) {
        db_checkpoint(m->ap.db, NULL, NULL);
        struct timespec ts = {0, CHECKPOINT_MS * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    db_checkpoint(m->ap.db, NULL, NULL);
    app_free(&m->ap);
    _exit(0);
}

/* ---- the listening socket ---- */

/* Whether fd is a socket in the listening state. */
static int is_listening_socket(int fd)
{
    int v = 0;
    socklen_t len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

/* Open the unix socket at path, refusing to take it from a live instance.
** Returns the fd or -1 (logged). */
static int open_unix(const char *path, int backlog)
{
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        log_error("%s: socket path too long (at most %zu bytes)", path, sizeof sa.sun_path - 1);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat stt;
    if (lstat(path, &stt) == 0) {
        if (!S_ISSOCK(stt.st_mode)) {
            log_error("%s exists and is not a socket; refusing to replace it", path);
            return -1;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (probe >= 0)
            close(probe);
        if (live) {
            log_error("another journeys serve is listening on %s; stop it first", path);
            return -1;
        }
        unlink(path); /* a stale socket left by a crash */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(path, 0660) != 0 ||
        listen(fd, backlog) != 0) {
        log_error("%s: cannot listen: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Open a TCP listener on "host:port". Returns the fd or -1 (logged). */
static int open_tcp(const char *addr, int backlog)
{
    const char *colon = strrchr(addr, ':');
    if (!colon) {
        log_error("listen = %s: expected host:port", addr);
        return -1;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints, &res);
    if (rc != 0) {
        log_error("listen = %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, res->ai_socktype, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
        log_error("listen = %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Choose the listening socket: systemd's, one on fd 0, the configured TCP
** address, or the unix socket. Returns the fd or -1. */
static int open_listener(struct manager *m)
{
    const char *lfds = getenv("LISTEN_FDS"), *lpid = getenv("LISTEN_PID");
    if (lfds && lpid && atoi(lfds) >= 1 && (pid_t)atol(lpid) == getpid() && is_listening_socket(3)) {
        log_info("using the socket passed by systemd");
        return 3;
    }
    if (is_listening_socket(0)) {
        log_info("using the socket handed in on fd 0");
        return 0;
    }
    if (*m->cfg->listen)
        return open_tcp(m->cfg->listen, m->cfg->backlog);
    m->own_socket = 1;
    return open_unix(m->cfg->socket, m->cfg->backlog);
}

/* Make fd non-blocking: workers wait in poll and accept without blocking
** (next_request). 0 or -1 (logged). */
static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        log_error("cannot make the listening socket non-blocking: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Open the sockets of the pools beside the page workers that are wanted
** (the slow pool, [server] slow_socket; the write pool, write_socket),
** non-blocking. A pool not wanted has fd -1 and no workers. Returns 0, or
** -1 (logged) when a socket is configured but cannot be opened; the
** caller removes those opened. */
static int open_pools(struct manager *m)
{
    for (int i = 0; i < 2; i++) {
        struct pool *p = &m->pools[i];
        if (!*p->socket || p->workers < 1) {
            p->workers = 0;
            continue;
        }
        if ((p->fd = open_unix(p->socket, m->cfg->backlog)) < 0 || set_nonblocking(p->fd) != 0)
            return -1;
    }
    return 0;
}

/* ---- the manager ---- */

/* Fork one child of the given kind (enum kind) of the current generation
** into a free slot. A child keeps only the socket it serves: a mailer,
** sweeper or checkpointer closes both first thing, a worker of one pool the other's. */
static void spawn_kind(struct manager *m, int kind)
{
    pid_t manager = getpid();
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++) {
        struct child *c = &m->kids[i];
        if (c->pid)
            continue;
        pid_t pid = fork();
        if (pid < 0) {
            log_error("fork failed: %s", strerror(errno));
            return;
        }
        if (pid == 0) {
            m->kind = kind;
            if (kind == K_SLOW || kind == K_WRITE) {
                /* fds 0-2 stay open (a socket handed in on fd 0 becomes
                ** /dev/null), so the database never lands on one of them */
                int null = m->listen_fd <= 2 ? open("/dev/null", O_RDWR) : -1;
                if (null >= 0 && dup2(null, m->listen_fd) >= 0)
                    close(null);
                else
                    close(m->listen_fd);
                m->listen_fd = m->pools[kind - 1].fd; /* the worker loop serves listen_fd */
                close_pools(m, kind);
            } else if (kind == K_WORKER) {
                close_pools(m, -1);
            } else {
                drop_listener(m);
            }
            if (kind == K_MAILER)
                mailer_main(m, manager);
            if (kind == K_SWEEPER)
                sweeper_main(m, manager);
            if (kind == K_CHECKPOINT)
                checkpointer_main(m, manager);
            worker_main(m, manager);
        }
        c->pid = pid;
        c->generation = m->generation;
        c->started = time(NULL);
        c->kind = kind;
        return;
    }
    log_error("no free worker slot");
}


/* Fork the mailer, the sweeper and the checkpointer of the current
** generation. */
static void spawn_background(struct manager *m)
{
    spawn_kind(m, K_MAILER);
    spawn_kind(m, K_SWEEPER);
    spawn_kind(m, K_CHECKPOINT);
}

/* Children of this kind of the current generation that are running. */
static int live_kind(const struct manager *m, int kind)
{
    int n = 0;
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
        n += m->kids[i].pid && m->kids[i].kind == kind && m->kids[i].generation == m->generation;
    return n;
}

/* How many children of a kind the current generation should have. */
static int wanted(const struct manager *m, int kind)
{
    return kind == K_WORKER ? m->workers : kind == K_SLOW || kind == K_WRITE ? m->pools[kind - 1].workers : 1;
}

/* Start the workers the pools of the current generation lack (all of them
** for a new generation; one a fork failed to start earlier). */
static void fill_pools(struct manager *m)
{
    for (int n = live_kind(m, K_WORKER); n < m->workers; n++)
        spawn_kind(m, K_WORKER);
    for (int kind = K_SLOW; kind <= K_WRITE; kind++)
        for (int n = live_kind(m, kind); n < m->pools[kind - 1].workers; n++)
            spawn_kind(m, kind);
}

/* Send sig to every worker, or only to generations older than the current. */
static void signal_workers(struct manager *m, int sig, int only_old)
{
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
        if (m->kids[i].pid && (!only_old || m->kids[i].generation != m->generation))
            kill(m->kids[i].pid, sig);
}

/* Collect exited workers; replace current-generation ones unless draining. */
static void reap(struct manager *m, int draining)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++) {
            struct child *c = &m->kids[i];
            if (c->pid != pid)
                continue;
            int current = c->generation == m->generation;
            int quick = time(NULL) - c->started < 1;
            c->pid = 0;
            if (WIFSIGNALED(status))
                log_warn("worker %ld killed by signal %d", (long)pid, WTERMSIG(status));
            else if (WEXITSTATUS(status) != 0)
                log_warn("worker %ld exited with status %d", (long)pid, WEXITSTATUS(status));
            if (current && !draining && live_kind(m, c->kind) < wanted(m, c->kind)) {
                if (quick && (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)) {
                    struct timespec ts = {0, 200 * 1000 * 1000}; /* do not spin on a crash loop */
                    nanosleep(&ts, NULL);
                }
                spawn_kind(m, c->kind);
            }
        }
    }
}

/* SIGUSR1 from worker pid: its request budget is spent, and it will exit
** once nginx has closed the connections it keeps. It no longer counts
** towards its pool (as if of an older generation), so fill_pools starts
** its replacement now. A signal from anyone else is ignored. */
static void let_go(struct manager *m, pid_t pid)
{
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++) {
        struct child *c = &m->kids[i];
        if (c->pid == pid && pid > 0 && (c->kind == K_WORKER || c->kind == K_SLOW) && c->generation == m->generation)
            c->generation = m->generation - 1;
    }
}

/* SIGHUP: parse the templates again; if they are sound, start a new
** generation and retire the old one as it finishes its requests. */
static void reload(struct manager *m)
{
    app fresh;
    buf err = BUF_INIT;
    if (app_load(&fresh, m->cfg, &err) != 0) {
        log_error("reload refused, still serving the previous templates:\n%s", buf_str(&err));
        buf_free(&err);
        return;
    }
    buf_free(&err);
    app_free(&m->ap);
    m->ap = fresh;
    m->generation++;
    fill_pools(m);
    spawn_background(m);
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
        if (m->kids[i].pid && m->kids[i].generation != m->generation)
            kill(m->kids[i].pid, m->kids[i].kind == K_WORKER || m->kids[i].kind == K_SLOW ? SIGUSR2 : SIGTERM);
    log_info("reloaded: generation %d", m->generation);
}

/* Send sig to the children of one kind, of every generation. */
static void signal_kind(struct manager *m, int kind, int sig)
{
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
        if (m->kids[i].pid && m->kids[i].kind == kind)
            kill(m->kids[i].pid, sig);
}

/* SIGTERM: stop the children gracefully. Workers finish their request and
** every connection still queued on the socket, which the manager keeps
** open until they are done; the mailer finishes the message in hand. A
** worker or the sweeper still busy after drain_seconds is killed; the
** mailer gets as long as one mail transfer may take (twice the mail
** timeout, see mail_send) so that it is never killed between handing a
** message over and recording it sent. */
static void drain(struct manager *m, sigset_t *set)
{
    log_info("draining");
    signal_workers(m, SIGTERM, 0);
    time_t start = time(NULL);
    time_t deadline = start + m->cfg->drain_seconds;
    int mail_wait = 2 * (m->cfg->smtp_timeout > 0 ? m->cfg->smtp_timeout : 20) + 5;
    time_t mail_deadline = start + (mail_wait > m->cfg->drain_seconds ? mail_wait : m->cfg->drain_seconds);
    for (;;) {
        reap(m, 1);
        int any = 0;
        for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
            any |= m->kids[i].pid != 0;
        if (!any)
            return;
        time_t now = time(NULL);
        if (now >= deadline) {
            if (live_kind(m, K_WORKER) || live_kind(m, K_SLOW) || live_kind(m, K_SWEEPER) ||
                live_kind(m, K_CHECKPOINT))
                log_warn("workers still busy after %d s; killing them", m->cfg->drain_seconds);
            signal_kind(m, K_WORKER, SIGKILL);
            signal_kind(m, K_SLOW, SIGKILL);
            signal_kind(m, K_SWEEPER, SIGKILL);
            signal_kind(m, K_CHECKPOINT, SIGKILL);
            deadline = now + 5;
        }
        if (now >= mail_deadline) {
            log_warn("the mailer is still busy after %ld s; killing it", (long)(now - start));
            signal_kind(m, K_MAILER, SIGKILL);
            mail_deadline = now + 5;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        sigtimedwait(set, NULL, &ts);
    }
}

/* Write the manager's pid where operators and tests can find it. */
static void write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_warn("%s: cannot write the pid file: %s", path, strerror(errno));
        return;
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
}

int serve_main(const config *cfg)
{
    static struct manager m; /* large; lives for the process */
    log_role("manager");
    m.cfg = cfg;
    /* Two page workers per core by default: a worker holds the FastCGI
    ** connections nginx keeps with it, so with one per core a request could
    ** wait behind its worker's queue while another worker's was short; two
    ** per core let the kernel share the cores between more queues. Measured
    ** on the gallery of 200 at 64 connections: a p99 of 20-34 ms with one
    ** per core, 16-19 ms with two, for the same CPU per request (README,
    ** Performance). */
    m.workers = cfg->workers > 0 ? cfg->workers : 2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (m.workers < 1)
        m.workers = 1;
    if (m.workers > MAX_WORKERS)
        m.workers = MAX_WORKERS;
    m.pools[K_SLOW - 1] = (struct pool){-1, cfg->slow_workers, cfg->slow_socket};
    m.pools[K_WRITE - 1] = (struct pool){-1, cfg->write_workers, cfg->write_socket};

    buf err = BUF_INIT;
    /* the upload folders, made and closed to other users of the
    ** machine (main() set the umask for everything else). */
    int kept = files_prepare_dir(cfg->uploads_files, 0750, &err);
    int bodies = kept < 0 ? kept : files_prepare_dir(cfg->uploads_temp, 0700, &err);
    if (kept < 0 || bodies < 0) {
        log_error("the upload folders are not ready:\n%s", buf_str(&err));
        buf_free(&err);
        return 1;
    }
    if (kept > 0 || bodies > 0)
        log_warn("%s", buf_str(&err));
    buf_reset(&err);
    if (config_check_production(cfg, &err) > 0) {
        log_error("refusing to serve %s with development settings:\n%s", cfg->base_url, buf_str(&err));
        buf_free(&err);
        return 1;
    }
    db *d = db_open(cfg->database, &err);
    if (!d || db_migrate(d, &err) != 0) {
        log_error("%s", buf_str(&err));
        db_close(d);
        buf_free(&err);
        return 1;
    }
    db_close(d); /* never carry a connection across fork() */
    if (app_load(&m.ap, cfg, &err) != 0) {
        log_error("the templates have errors:\n%s", buf_str(&err));
        buf_free(&err);
        return 1;
    }
    buf_free(&err);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    m.listen_fd = open_listener(&m);
    if (m.listen_fd < 0 || set_nonblocking(m.listen_fd) != 0 || open_pools(&m) != 0) {
        if (m.listen_fd >= 0 && m.own_socket)
            unlink(cfg->socket);
        unlink_pools(&m);
        app_free(&m.ap);
        return 1;
    }
    write_pidfile(cfg->pidfile);
    fill_pools(&m);
    spawn_background(&m);
    log_info("serving on %s with %d workers", *cfg->listen ? cfg->listen : cfg->socket, m.workers);
    if (m.pools[K_SLOW - 1].fd >= 0)
        log_info("payment provider calls and staff reports: %s with %d worker%s", cfg->slow_socket,
                 m.pools[K_SLOW - 1].workers, m.pools[K_SLOW - 1].workers == 1 ? "" : "s");
    if (m.pools[K_WRITE - 1].fd >= 0)
        log_info("short writes, several to a commit: %s with %d worker%s", cfg->write_socket,
                 m.pools[K_WRITE - 1].workers, m.pools[K_WRITE - 1].workers == 1 ? "" : "s");

    for (;;) {
        siginfo_t si;
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, &si, &ts);
        if (sig == SIGCHLD || sig < 0)
            reap(&m, 0);
        else if (sig == SIGHUP)
            reload(&m);
        else if (sig == SIGUSR1)
            let_go(&m, si.si_pid);
        else if (sig == SIGTERM || sig == SIGINT)
            break;
        fill_pools(&m); /* a fork that failed earlier */
    }
    drain(&m, &set);
    if (m.own_socket)
        unlink(cfg->socket);
    unlink_pools(&m);
    unlink(cfg->pidfile);
    app_free(&m.ap);
    log_info("stopped");
    return 0;
}
