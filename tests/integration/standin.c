/*
** standin.c: start, stop and call the payment provider stand-in (see
** standin.h).
**
** Global state: a small table of the stand-ins now running (process group
** and folder, copied), so that the atexit handler can stop them even after
** the standin structs are gone.
*/
#include "harness.h"
#include "standin.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define SCRIPT "tests/integration/standin.py"
#define RUNNING_MAX 8
#define START_MS 15000
#define TRIES 3

/* A stand-in started and not yet stopped. */
struct running {
    int used;
    pid_t pid;
    char dir[256];
};

static struct running running[RUNNING_MAX]; /* see the file comment */
static int atexit_set;

/* Sleep ms milliseconds. */
static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* End process group pid: SIGTERM, wait up to 3 s, then SIGKILL for the
** group; reap the leader. Nothing for pid <= 0. */
static void end_group(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    int gone = 0;
    for (int i = 0; i < 60 && !gone; i++) {
        gone = waitpid(pid, NULL, WNOHANG) == pid;
        if (!gone)
            pause_ms(50);
    }
    kill(-pid, SIGKILL);
    if (!gone)
        waitpid(pid, NULL, 0);
}

/* nftw callback: remove one entry (folders come after their contents). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    remove(path);
    return 0;
}

/* Remove the folder dir with everything in it; nothing when dir is "". */
static void remove_dir(const char *dir)
{
    if (dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* atexit: stop every stand-in still running and remove its folder. */
static void stop_running(void)
{
    for (int i = 0; i < RUNNING_MAX; i++) {
        if (!running[i].used)
            continue;
        end_group(running[i].pid);
        remove_dir(running[i].dir);
        running[i].used = 0;
    }
}

/* Remember (pid, dir) in the table; returns the slot or NULL when full. */
static struct running *remember(pid_t pid, const char *dir)
{
    for (int i = 0; i < RUNNING_MAX; i++) {
        if (!running[i].used) {
            running[i].used = 1;
            running[i].pid = pid;
            snprintf(running[i].dir, sizeof running[i].dir, "%s", dir);
            return &running[i];
        }
    }
    return NULL;
}

/* Drop the table entry for pid, if any. */
static void forget(pid_t pid)
{
    for (int i = 0; i < RUNNING_MAX; i++)
        if (running[i].used && running[i].pid == pid)
            running[i].used = 0;
}

/* Copy the stand-in's log (dir/standin.log) to stderr. */
static void print_log(const standin *s)
{
    char path[300];
    snprintf(path, sizeof path, "%s/standin.log", s->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "  standin: %s", line);
    fclose(f);
}

/* Child side of fork: own process group, die with the parent, output to
** the log, exec python. Never returns. */
static void exec_child(const standin *s, const char *script, const char *webhook_url,
                       const char *secret)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    char port[16], log[300];
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(log, sizeof log, "%s/standin.log", s->dir);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0)
        dup2(in, 0);
    if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
    }
    setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
    execl(PYTHON, "python3", script, "--port", port, "--webhook-url",
          webhook_url ? webhook_url : "", "--webhook-secret", secret, "--state-dir", s->dir,
          (char *)NULL);
    _exit(127);
}

/* One launch on a fresh port: fork, exec, wait for /_test/health. Returns
** 0 when it answers, 1 when python exited early (perhaps the port was taken
** meanwhile; worth another try), -1 when it never answered. */
static int launch(standin *s, const char *script, const char *webhook_url, const char *secret)
{
    s->port = harness_free_port();
    if (s->port < 0)
        return -1;
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        exec_child(s, script, webhook_url, secret);
    setpgid(pid, pid);
    s->pid = pid;
    struct running *r = remember(pid, s->dir);
    for (int waited = 0; waited < START_MS; waited += 50) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            if (r)
                r->used = 0;
            s->pid = 0;
            return 1;
        }
        if (standin_call(s, "GET", "/_test/health", NULL, NULL) == 200)
            return 0;
        pause_ms(50);
    }
    end_group(pid);
    forget(pid);
    s->pid = 0;
    return -1;
}

int standin_start(standin *s, const char *webhook_url, const char *secret)
{
    memset(s, 0, sizeof *s);
    if (!atexit_set) {
        atexit(stop_running);
        atexit_set = 1;
    }
    const char *script = getenv("JOURNEYS_STANDIN");
    if (!script || !*script)
        script = SCRIPT;
    if (access(script, R_OK) != 0 || access(PYTHON, X_OK) != 0) {
        fprintf(stderr, "standin: need %s and %s (run from the repository root)\n", PYTHON, script);
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "/tmp/journeys-standin-XXXXXX");
    if (!mkdtemp(s->dir)) {
        perror("standin: mkdtemp");
        s->dir[0] = '\0';
        return -1;
    }
    int rc = 1;
    for (int i = 0; i < TRIES && rc == 1; i++)
        rc = launch(s, script, webhook_url, secret ? secret : "");
    if (rc == 0)
        return 0;
    fprintf(stderr, "standin: the stand-in did not start; its log:\n");
    print_log(s);
    remove_dir(s->dir);
    s->dir[0] = '\0';
    return -1;
}

void standin_stop(standin *s)
{
    if (s->pid > 0) {
        end_group(s->pid);
        forget(s->pid);
        s->pid = 0;
    }
    remove_dir(s->dir);
    s->dir[0] = '\0';
}

const char *standin_base(const standin *s)
{
    return s->base;
}

/* libcurl write callback: append to the buf in user (if any). */
static size_t gather(char *p, size_t size, size_t n, void *user)
{
    if (user)
        buf_append(user, p, size * n);
    return size * n;
}

int standin_call(standin *s, const char *method, const char *path, const char *body, buf *out)
{
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    buf url = BUF_INIT;
    buf_printf(&url, "%s%s", s->base, path);
    struct curl_slist *hl = NULL;
    if (body)
        hl = curl_slist_append(hl, body[0] == '{' || body[0] == '['
                                       ? "Content-Type: application/json"
                                       : "Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(c, CURLOPT_URL, buf_str(&url));
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gather);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (strcmp(method, "GET"))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    buf_free(&url);
    return (int)status;
}
