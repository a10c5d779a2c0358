/*
** serve.c: the process manager and the FastCGI worker loop (see serve.h).
*/
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <fcgiapp.h>
#include <netinet/in.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "enrol.h"
#include "jobs.h"
#include "log.h"

enum { MAX_WORKERS = 256 };

struct child {
    pid_t pid;
    int generation;
    time_t started;
    int jobs;         /* the jobs process, not a worker */
    int slow;         /* a worker of the slow pool (slow_fd) */
};

struct manager {
    const config *cfg;
    app ap;
    int listen_fd;
    int own_socket;   /* we created the unix socket file and remove it */
    int workers;
    int slow_fd;      /* the slow pool's unix socket, or -1 when there is no pool */
    int slow_workers; /* size of the slow pool (0 with no slow_fd) */
    int generation;
    struct child kids[2 * MAX_WORKERS];
};

/* ---- the worker ---- */

static volatile sig_atomic_t worker_stop;

/* SIGTERM/SIGINT in a worker: finish the request in hand, then exit. */
static void on_worker_stop(int sig)
{
    (void)sig;
    worker_stop = 1;
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

/* The worker's life: open its own database connection, accept and serve
** until told to stop or its request budget is spent, then exit. Never
** returns. */
static void worker_main(struct manager *m)
{
    log_role("worker");
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct sigaction sa = {0};
    sa.sa_handler = on_worker_stop; /* no SA_RESTART: accept() must return */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (getppid() == 1)
        _exit(0);

    buf err = BUF_INIT;
    if (app_open_db(&m->ap, &err) != 0) {
        log_error("%s", buf_str(&err));
        _exit(3);
    }
    buf_free(&err);
    FCGX_Init();
    FCGX_Request req;
    FCGX_InitRequest(&req, m->listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
    arena *a = arena_new(0);
    buf out = BUF_INIT;
    int budget = m->cfg->max_requests;
    while (!worker_stop && budget > 0) {
        if (FCGX_Accept_r(&req) < 0) {
            if (worker_stop || errno == EINTR)
                continue;
            log_error("accept failed: %s", strerror(errno));
            break;
        }
        app_handle(&m->ap, a, fcgi_param, req.envp, fcgi_read, req.in, &out);
        FCGX_PutStr(buf_str(&out), (int)out.len, req.out);
        FCGX_Finish_r(&req);
        db_check_idle(m->ap.db);
        arena_reset(a);
        if (out.cap > 1 << 20)
            buf_free(&out);
        else
            buf_reset(&out);
        budget--;
    }
    buf_free(&out);
    arena_free(a);
    app_free(&m->ap);
    _exit(0);
}

/* The jobs process: delivers the outbox (mail, community invitations) and
** lets lapsed checkout holds and waitlist offers go, every jobs_interval
** seconds, until told to stop. Never returns. */
static void jobs_main(struct manager *m)
{
    log_role("jobs");
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct sigaction sa = {0};
    sa.sa_handler = on_worker_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    buf err = BUF_INIT;
    if (app_open_db(&m->ap, &err) != 0) {
        log_error("%s", buf_str(&err));
        _exit(3);
    }
    buf_free(&err);
    arena *a = arena_new(0);
    while (!worker_stop) {
        time_t now = time(NULL);
        jobs_stats st = {0};
        domain d = domain_make(m->ap.db, m->cfg, m->ap.tmpl, a, 0, now);
        int lapsed = enrol_sweep(&d);
        if (lapsed < 0)
            lapsed = 0;
        jobs_outbox_pass(m->ap.db, m->cfg, now, &st);
        if (st.sent || st.retried || st.failed || lapsed)
            log_info("outbox: %d sent, %d to retry, %d failed; %d registrations lapsed", st.sent, st.retried,
                     st.failed, lapsed);
        db_check_idle(m->ap.db);
        arena_reset(a);
        for (int i = 0; i < m->cfg->jobs_interval * 10 && !worker_stop; i++) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    arena_free(a);
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

/* Open the unix socket at path with a listen queue of backlog, refusing to
** take it from a live instance. Returns the fd or -1 (logged). */
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

/* Open a TCP listener on "host:port" with a listen queue of backlog.
** Returns the fd or -1 (logged). */
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

/* Open the slow pool's socket ([server] slow_socket) when the pool is
** wanted. Sets m->slow_fd (-1 and a pool of 0 when there is none). Returns
** 0, or -1 (logged) when the socket is configured but cannot be opened. */
static int open_slow_listener(struct manager *m)
{
    m->slow_fd = -1;
    if (!*m->cfg->slow_socket || m->cfg->slow_workers < 1) {
        m->slow_workers = 0;
        return 0;
    }
    m->slow_fd = open_unix(m->cfg->slow_socket, m->cfg->backlog);
    return m->slow_fd < 0 ? -1 : 0;
}

/* ---- the manager ---- */

/* Fork one worker of the page pool, or of the slow pool with slow set (or,
** with jobs set, the jobs process) of the current generation into a free
** slot. A child keeps only the socket it serves. */
static void spawn_child(struct manager *m, int jobs, int slow)
{
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
            if (slow) {
                /* fds 0-2 stay open (a socket handed in on fd 0 becomes
                ** /dev/null), so the database never lands on one of them */
                int null = m->listen_fd <= 2 ? open("/dev/null", O_RDWR) : -1;
                if (null >= 0 && dup2(null, m->listen_fd) >= 0)
                    close(null);
                else
                    close(m->listen_fd);
                m->listen_fd = m->slow_fd; /* the worker loop serves listen_fd */
            } else if (m->slow_fd >= 0) {
                close(m->slow_fd);
            }
            m->slow_fd = -1;
            if (jobs)
                jobs_main(m);
            worker_main(m);
        }
        c->pid = pid;
        c->generation = m->generation;
        c->started = time(NULL);
        c->jobs = jobs;
        c->slow = slow;
        return;
    }
    log_error("no free worker slot");
}

/* Fork one worker (with jobs set, the jobs process) of the page pool. */
static void spawn_kind(struct manager *m, int jobs)
{
    spawn_child(m, jobs, 0);
}

/* Whether the jobs process of the current generation is running. */
static int jobs_live(const struct manager *m)
{
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
        if (m->kids[i].pid && m->kids[i].jobs && m->kids[i].generation == m->generation)
            return 1;
    return 0;
}

/* Workers of the current generation of the page pool (slow 0) or the slow
** pool (slow 1) that are running. */
static int live_pool(const struct manager *m, int slow)
{
    int n = 0;
    for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
        n += m->kids[i].pid && !m->kids[i].jobs && m->kids[i].slow == slow &&
             m->kids[i].generation == m->generation;
    return n;
}

/* Start the workers the pools of the current generation lack (all of them
** for a new generation; one a fork failed to start earlier). */
static void fill_pools(struct manager *m)
{
    for (int n = live_pool(m, 0); n < m->workers; n++)
        spawn_child(m, 0, 0);
    for (int n = live_pool(m, 1); n < m->slow_workers; n++)
        spawn_child(m, 0, 1);
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
            if (current && !draining &&
                (c->jobs ? !jobs_live(m) : live_pool(m, c->slow) < (c->slow ? m->slow_workers : m->workers))) {
                if (quick && (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)) {
                    struct timespec ts = {0, 200 * 1000 * 1000}; /* do not spin on a crash loop */
                    nanosleep(&ts, NULL);
                }
                spawn_child(m, c->jobs, c->slow);
            }
        }
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
    spawn_kind(m, 1);
    signal_workers(m, SIGTERM, 1);
    log_info("reloaded: generation %d", m->generation);
}

/* SIGTERM: stop the workers gracefully, forcing them after drain_seconds. */
static void drain(struct manager *m, sigset_t *set)
{
    log_info("draining");
    signal_workers(m, SIGTERM, 0);
    time_t deadline = time(NULL) + m->cfg->drain_seconds;
    for (;;) {
        reap(m, 1);
        int any = 0;
        for (size_t i = 0; i < sizeof m->kids / sizeof *m->kids; i++)
            any |= m->kids[i].pid != 0;
        if (!any)
            return;
        if (time(NULL) >= deadline) {
            log_warn("workers still busy after %d s; killing them", m->cfg->drain_seconds);
            signal_workers(m, SIGKILL, 0);
            deadline = time(NULL) + 5;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        sigtimedwait(set, NULL, &ts);
        signal_workers(m, SIGTERM, 0); /* one blocked in accept() wakes on the next */
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
    m.workers = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (m.workers < 1)
        m.workers = 1;
    if (m.workers > MAX_WORKERS)
        m.workers = MAX_WORKERS;
    m.slow_workers = cfg->slow_workers;

    buf err = BUF_INIT;
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
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    m.listen_fd = open_listener(&m);
    if (m.listen_fd < 0 || open_slow_listener(&m) != 0) {
        if (m.listen_fd >= 0 && m.own_socket)
            unlink(cfg->socket);
        app_free(&m.ap);
        return 1;
    }
    write_pidfile(cfg->pidfile);
    fill_pools(&m);
    spawn_kind(&m, 1);
    log_info("serving on %s with %d workers", *cfg->listen ? cfg->listen : cfg->socket, m.workers);
    if (m.slow_fd >= 0)
        log_info("routes that call the payment provider: %s with %d workers", cfg->slow_socket, m.slow_workers);

    for (;;) {
        siginfo_t si;
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(&set, &si, &ts);
        if (sig == SIGCHLD || sig < 0)
            reap(&m, 0);
        else if (sig == SIGHUP)
            reload(&m);
        else if (sig == SIGTERM || sig == SIGINT)
            break;
        fill_pools(&m); /* a fork that failed earlier */
    }
    drain(&m, &set);
    if (m.own_socket)
        unlink(cfg->socket);
    if (m.slow_fd >= 0)
        unlink(cfg->slow_socket);
    unlink(cfg->pidfile);
    app_free(&m.ap);
    log_info("stopped");
    return 0;
}
