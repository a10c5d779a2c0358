/*
** smtp.c: a real SMTP server for tests, python3-aiosmtpd with its Maildir
** handler (see smtp.h).
**
** Global state: a small table of the servers now running (process group
** and folder, copied), so the atexit handler can stop them even if the
** smtp_server structs are gone by then.
*/
#include "harness.h"
#include "smtp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define MAX_LIVE 16
#define START_WAIT_MS 15000

struct live {
    const smtp_server *owner; /* NULL: free slot */
    pid_t pid;                /* 0 while paused */
    char dir[256];
};

static struct live live[MAX_LIVE]; /* servers started and not yet stopped */
static int atexit_done;

/* Sleep ms milliseconds. */
static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* End process group pid: SIGTERM, up to 3 s, then SIGKILL; reap it. */
static void kill_group(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    int reaped = 0;
    for (int i = 0; i < 60 && !reaped; i++) {
        reaped = waitpid(pid, NULL, WNOHANG) == pid;
        if (!reaped)
            nap(50);
    }
    kill(-pid, SIGKILL); /* the server if still there, and anything left in its group */
    if (!reaped)
        waitpid(pid, NULL, 0);
}

/* nftw callback: remove one file or (emptied) folder. */
static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Remove the folder dir and everything in it (nothing if dir is empty). */
static void remove_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* atexit: stop every server still running and remove its folder. */
static void stop_all(void)
{
    for (int i = 0; i < MAX_LIVE; i++) {
        if (!live[i].owner)
            continue;
        kill_group(live[i].pid);
        remove_tree(live[i].dir);
        live[i].owner = NULL;
    }
}

/* The table slot for s, or a free one when create; NULL if none. */
static struct live *slot_for(const smtp_server *s, int create)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live[i].owner == s)
            return &live[i];
    if (!create)
        return NULL;
    for (int i = 0; i < MAX_LIVE; i++)
        if (!live[i].owner) {
            live[i].owner = s;
            return &live[i];
        }
    return NULL;
}

/* 1 if something accepts connections on 127.0.0.1:port. */
static int port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Print the server's log (dir/smtp.log) on stderr, for a failed start. */
static void show_log(const smtp_server *s)
{
    char path[300];
    snprintf(path, sizeof path, "%s/smtp.log", s->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "  smtp: %s", line);
    fclose(f);
}

/* The handler: aiosmtpd's Maildir handler, except that it refuses for good
** (550) every recipient whose address starts with "refused", like a server
** that knows no such mailbox, and that, when SMTP_DELAY_MS is set, it
** stores each message and then waits that long before answering "250",
** like a slow server (a client cut off meanwhile has handed it over). */
static const char handler_py[] =
    "import asyncio, os\n"
    "from aiosmtpd.handlers import Mailbox\n"
    "DELAY = int(os.environ.get('SMTP_DELAY_MS', '0')) / 1000.0\n"
    "class Handler(Mailbox):\n"
    "    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):\n"
    "        if address.lower().startswith('refused'):\n"
    "            return '550 5.1.1 <%s>: no such mailbox here' % address\n"
    "        envelope.rcpt_tos.append(address)\n"
    "        return '250 OK'\n"
    "    async def handle_DATA(self, server, session, envelope):\n"
    "        answer = await super().handle_DATA(server, session, envelope)\n"
    "        if DELAY:\n"
    "            await asyncio.sleep(DELAY)\n"
    "        return answer\n";

/* A black hole: accepts every connection and never says a word. */
static const char blackhole_py[] =
    "import socket, sys, time\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
    "s.listen(64)\n"
    "held = []\n"
    "while True:\n"
    "    c, _ = s.accept()\n"
    "    held.append(c)\n";

/* Start aiosmtpd on s->port with the Maildir s->dir/mail (answering each
** message after delay_ms), or with blackhole set a server that never
** answers, in a process group of its own, and wait until it accepts
** connections. 0 or -1. */
static int launch_mode(smtp_server *s, int delay_ms, int blackhole)
{
    char listen[32], maildir[300], logpath[300], module[300];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    snprintf(maildir, sizeof maildir, "%s/mail", s->dir);
    snprintf(logpath, sizeof logpath, "%s/smtp.log", s->dir);
    snprintf(module, sizeof module, "%s/refusing.py", s->dir);
    FILE *mf = fopen(module, "w");
    if (!mf || fputs(handler_py, mf) < 0 || fclose(mf) != 0) {
        fprintf(stderr, "smtp: cannot write %s\n", module);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        int in = open("/dev/null", O_RDONLY), log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in >= 0)
            dup2(in, 0);
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
        }
        setenv("PYTHONPATH", s->dir, 1);
        char delay[16];
        snprintf(delay, sizeof delay, "%d", delay_ms);
        setenv("SMTP_DELAY_MS", delay, 1);
        if (blackhole) {
            char port[16];
            snprintf(port, sizeof port, "%d", s->port);
            execl(PYTHON, "python3", "-c", blackhole_py, port, (char *)NULL);
            _exit(127);
        }
        execl(PYTHON, "python3", "-m", "aiosmtpd", "-n", "-l", listen, "-c", "refusing.Handler", maildir,
              (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    s->pid = pid;
    struct live *l = slot_for(s, 0);
    if (l)
        l->pid = pid;
    for (int waited = 0; waited < START_WAIT_MS; waited += 50) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            fprintf(stderr, "smtp: the server exited at start\n");
            show_log(s);
            s->pid = 0;
            if (l)
                l->pid = 0;
            return -1;
        }
        if (port_open(s->port))
            return 0;
        nap(50);
    }
    fprintf(stderr, "smtp: the server did not accept connections on port %d\n", s->port);
    show_log(s);
    kill_group(pid);
    s->pid = 0;
    if (l)
        l->pid = 0;
    return -1;
}

/* Start the ordinary server. */
static int launch(smtp_server *s)
{
    return launch_mode(s, 0, 0);
}

int smtp_start(smtp_server *s)
{
    memset(s, 0, sizeof *s);
    if (access(PYTHON, X_OK) != 0) {
        fprintf(stderr, "smtp: %s is missing (install python3-aiosmtpd)\n", PYTHON);
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "/tmp/journeys-smtp-XXXXXX");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "smtp: mkdtemp: %s\n", strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    const char *sub[] = {"mail", "mail/new", "mail/cur", "mail/tmp"};
    for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s/%s", s->dir, sub[i]);
        mkdir(p, 0700);
    }
    s->port = harness_free_port();
    snprintf(s->url, sizeof s->url, "smtp://127.0.0.1:%d", s->port);
    struct live *l = slot_for(s, 1);
    if (s->port < 0 || !l) {
        fprintf(stderr, "smtp: no free port or too many servers\n");
        remove_tree(s->dir);
        if (l)
            l->owner = NULL;
        return -1;
    }
    snprintf(l->dir, sizeof l->dir, "%s", s->dir);
    l->pid = 0;
    if (!atexit_done) {
        atexit(stop_all);
        atexit_done = 1;
    }
    if (launch(s) != 0) {
        smtp_stop(s);
        return -1;
    }
    return 0;
}

void smtp_stop(smtp_server *s)
{
    kill_group(s->pid);
    s->pid = 0;
    remove_tree(s->dir);
    s->dir[0] = '\0';
    struct live *l = slot_for(s, 0);
    if (l)
        l->owner = NULL;
}

int smtp_pause(smtp_server *s)
{
    if (s->pid <= 0)
        return -1;
    kill_group(s->pid);
    s->pid = 0;
    struct live *l = slot_for(s, 0);
    if (l)
        l->pid = 0;
    for (int i = 0; i < 40 && port_open(s->port); i++)
        nap(50);
    return port_open(s->port) ? -1 : 0;
}

int smtp_resume(smtp_server *s)
{
    if (s->pid > 0 || !s->dir[0])
        return -1;
    return launch(s);
}

int smtp_slow(smtp_server *s, int delay_ms)
{
    if (s->pid > 0 && smtp_pause(s) != 0)
        return -1;
    return s->dir[0] ? launch_mode(s, delay_ms, 0) : -1;
}

int smtp_blackhole(smtp_server *s)
{
    if (s->pid > 0 && smtp_pause(s) != 0)
        return -1;
    return s->dir[0] ? launch_mode(s, 0, 1) : -1;
}

const char *smtp_url(const smtp_server *s)
{
    return s->url;
}

/* Names of the messages in dir/mail/new and dir/mail/cur as "new/NAME" or
** "cur/NAME", malloc'd, sorted by NAME (arrival order); *n set. NULL with
** *n = 0 when there are none; *n = -1 on error. Caller frees each and the
** array. */
static char **list_messages(const smtp_server *s, int *n)
{
    char **names = NULL;
    int count = 0, cap = 0;
    const char *subs[] = {"new", "cur"};
    for (int k = 0; k < 2; k++) {
        char p[300];
        snprintf(p, sizeof p, "%s/mail/%s", s->dir, subs[k]);
        DIR *d = opendir(p);
        if (!d) {
            for (int i = 0; i < count; i++)
                free(names[i]);
            free(names);
            *n = -1;
            return NULL;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            if (count == cap) {
                cap = cap ? cap * 2 : 16;
                char **grown = realloc(names, (size_t)cap * sizeof *names);
                if (!grown)
                    abort();
                names = grown;
            }
            size_t len = strlen(e->d_name) + 5;
            names[count] = malloc(len);
            if (!names[count])
                abort();
            snprintf(names[count++], len, "%s/%s", subs[k], e->d_name);
        }
        closedir(d);
    }
    *n = count;
    return names;
}

/* qsort comparator: message names by the part after "new/" or "cur/". */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 4, *(char *const *)b + 4);
}

int smtp_count(const smtp_server *s)
{
    int n;
    char **names = list_messages(s, &n);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return n;
}

int smtp_read_all(const smtp_server *s, buf *out)
{
    int n;
    char **names = list_messages(s, &n);
    if (n < 0)
        return -1;
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, by_name);
    int ok = n;
    for (int i = 0; i < n; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/mail/%s", s->dir, names[i]);
        FILE *f = fopen(p, "rb");
        if (!f) {
            ok = -1;
        } else {
            char chunk[4096];
            size_t got, total = 0;
            int last = '\n';
            while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
                buf_append(out, chunk, got);
                last = chunk[got - 1];
                total += got;
            }
            if (total == 0 || last != '\n')
                buf_putc(out, '\n');
            fclose(f);
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

int smtp_mail_count(const smtp_server *s, const char *needle)
{
    buf all = BUF_INIT;
    smtp_read_all(s, &all);
    int n = 0;
    for (const char *p = buf_str(&all); (p = strstr(p, needle)); p++)
        n++;
    buf_free(&all);
    return n;
}

struct mail_wait {
    const smtp_server *s;
    const char *needle;
    int n;
};

/* harness_wait condition: enough of the needle is stored. */
static int enough_mail(void *arg)
{
    const struct mail_wait *w = arg;
    return smtp_mail_count(w->s, w->needle) >= w->n;
}

int smtp_wait_mail(const smtp_server *s, const char *needle, int n)
{
    struct mail_wait w = {s, needle, n};
    if (harness_wait(enough_mail, &w, 15000))
        return 1;
    fprintf(stderr, "mail containing \"%s\": %d, wanted %d\n", needle, smtp_mail_count(s, needle), n);
    return 0;
}

char *smtp_mail_link(const smtp_server *s, const char *prefix)
{
    buf all = BUF_INIT, flat = BUF_INIT;
    smtp_read_all(s, &all);
    const char *p = buf_str(&all);
    for (size_t i = 0; i < all.len; i++) {
        if (p[i] == '=' && p[i + 1] == '\n') {
            i++;
        } else if (p[i] == '=' && p[i + 1] == '\r' && p[i + 2] == '\n') {
            i += 2;
        } else if (p[i] == '=' && isxdigit((unsigned char)p[i + 1]) && isxdigit((unsigned char)p[i + 2])) {
            char hex[3] = {p[i + 1], p[i + 2], 0};
            buf_putc(&flat, (int)strtol(hex, NULL, 16));
            i += 2;
        } else {
            buf_putc(&flat, p[i]);
        }
    }
    char *out = NULL;
    const char *last = NULL;
    for (const char *q = buf_str(&flat); (q = strstr(q, prefix)); q++)
        last = q;
    if (last)
        out = strndup(last, strcspn(last, " \r\n\"<>"));
    buf_free(&all);
    buf_free(&flat);
    return out;
}
