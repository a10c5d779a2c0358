/*
** harness.c: the real stack for integration tests (see harness.h).
*/
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A free TCP port on loopback (bound and released). */
int harness_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

const char *stack_path(const stack *s, const char *rel)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", s->dir, rel);
    return path;
}

/* Sleep for ms milliseconds. */
static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int harness_wait(int (*ready)(void *), void *arg, int timeout_ms)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (ready(arg))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
        if (ms >= timeout_ms)
            return ready(arg);
        nap(20);
    }
}

/* Export the configuration that points journeys at the stack's folder. */
static void export_env(const stack *s)
{
    char v[600];
    snprintf(v, sizeof v, "%s/var", s->dir);
    setenv("JOURNEYS_PATHS_VAR", v, 1);
    snprintf(v, sizeof v, "%s/var/journeys.db", s->dir);
    setenv("JOURNEYS_PATHS_DATABASE", v, 1);
    snprintf(v, sizeof v, "%s/var/journeys.pid", s->dir);
    setenv("JOURNEYS_PATHS_PIDFILE", v, 1);
    snprintf(v, sizeof v, "%s/var/journeys.sock", s->dir);
    setenv("JOURNEYS_SERVER_SOCKET", v, 1);
    snprintf(v, sizeof v, "%s/var/journeys-slow.sock", s->dir);
    setenv("JOURNEYS_SERVER_SLOW_SOCKET", v, 1);
    snprintf(v, sizeof v, "%s/var/journeys-write.sock", s->dir);
    setenv("JOURNEYS_SERVER_WRITE_SOCKET", v, 1);
    snprintf(v, sizeof v, "%s/templates", s->dir);
    setenv("JOURNEYS_PATHS_TEMPLATES", v, 1);
    snprintf(v, sizeof v, "%s/courses", s->dir);
    setenv("JOURNEYS_PATHS_COURSES", v, 1);
    setenv("JOURNEYS_SITE_BASE_URL", s->base, 1);
    snprintf(v, sizeof v, "%d", s->port);
    setenv("PORT", v, 1);
    if (!getenv("JOURNEYS_SERVER_WORKERS"))
        setenv("JOURNEYS_SERVER_WORKERS", "2", 1);
}

int stack_run(const stack *s, const char *cmd, buf *out)
{
    export_env(s);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        if (out)
            buf_append(out, chunk, n);
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int stack_start(stack *s, const char *const *env)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/journeys-test-XXXXXX");
    if (!mkdtemp(s->dir)) {
        perror("mkdtemp");
        return -1;
    }
    const char *preset = getenv("STACK_PORT");
    s->port = preset ? atoi(preset) : harness_free_port();
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp -r templates courses '%s'/ && mkdir -p '%s'/var", s->dir, s->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "harness: cannot copy templates and courses\n");
        return -1;
    }
    export_env(s);
    for (const char *const *e = env; e && *e; e++)
        putenv((char *)*e);
    char log[600];
    snprintf(log, sizeof log, "%s/stack.log", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        setpgid(0, 0);
        FILE *f = freopen(log, "w", stdout);
        (void)f;
        dup2(STDOUT_FILENO, STDERR_FILENO);
        execl("/bin/sh", "sh", "nginx/run.sh", (char *)NULL);
        _exit(127);
    }
    setpgid(s->pid, s->pid);
    for (int i = 0; i < 300; i++) {
        http_res r;
        if (http_do(s, "GET", "/healthz", NULL, NULL, &r) == 0 && r.status == 200) {
            http_res_free(&r);
            return 0;
        }
        http_res_free(&r);
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            break;
        }
        nap(50);
    }
    fprintf(stderr, "harness: the stack did not come up; its log:\n");
    snprintf(cmd, sizeof cmd, "cat '%s' >&2", log);
    if (system(cmd) != 0)
        fprintf(stderr, "(no log)\n");
    return -1;
}

/* Count sanitizer reports in the file at path; print them to stderr. */
static int sanitizer_reports(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
            strstr(line, "runtime error:")) {
            fprintf(stderr, "sanitizer: %s", line);
            n++;
        }
    }
    fclose(f);
    return n;
}

/* 1 once no process of the group *arg is left (ESRCH). */
static int group_gone(void *arg)
{
    return kill(-*(pid_t *)arg, 0) != 0 && errno == ESRCH;
}

int stack_stop(stack *s)
{
    if (s->pid > 0) {
        pid_t group = s->pid;
        kill(-s->pid, SIGTERM);
        for (int i = 0; i < 200; i++) {
            int st;
            if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                s->pid = 0;
                break;
            }
            nap(50);
        }
        if (s->pid > 0) {
            kill(-s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        /* Anything of the group still alive (a worker mid-exit) may finish
           for a while; then it goes too. */
        if (!harness_wait(group_gone, &group, 3000))
            kill(-group, SIGKILL);
        s->pid = 0;
    }
    int reports = sanitizer_reports(stack_path(s, "stack.log"));
    if (s->dir[0] && !getenv("KEEP_STACK")) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "harness: could not remove %s\n", s->dir);
    }
    return reports;
}

pid_t stack_manager(const stack *s)
{
    char path[600];
    snprintf(path, sizeof path, "%s/var/journeys.pid", s->dir);
    FILE *f = fopen(path, "r");
    long pid = -1;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    return (pid_t)pid;
}

int stack_children(pid_t pid, pid_t *out, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", (long)pid, (long)pid);
    FILE *f = fopen(path, "r");
    int n = 0;
    long c;
    if (!f)
        return 0;
    while (n < max && fscanf(f, "%ld", &c) == 1)
        out[n++] = (pid_t)c;
    fclose(f);
    return n;
}

int stack_children_named(const stack *s, const char *role, pid_t *out, int max)
{
    static pid_t kids[600];
    int n = stack_children(stack_manager(s), kids, (int)(sizeof kids / sizeof *kids)), found = 0;
    for (int i = 0; i < n; i++) {
        char path[64], name[32] = "";
        snprintf(path, sizeof path, "/proc/%ld/comm", (long)kids[i]);
        FILE *f = fopen(path, "r");
        if (f && fgets(name, sizeof name, f))
            name[strcspn(name, "\n")] = 0;
        if (f)
            fclose(f);
        if (!strcmp(name, role)) {
            if (found < max)
                out[found] = kids[i];
            found++;
        }
    }
    return found;
}

/* libcurl write callback into a buf. */
static size_t collect(char *p, size_t size, size_t n, void *user)
{
    buf_append(user, p, size * n);
    return size * n;
}

int http_do(const stack *s, const char *method, const char *path, const char *body,
            const char *const *headers, http_res *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->head, 0);
    buf_init(&r->body, 0);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    char url[1024];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    struct curl_slist *hl = NULL;
    for (const char *const *h = headers; h && *h; h++)
        hl = curl_slist_append(hl, *h);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, "GET"))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

char *http_res_header(const http_res *r, const char *name)
{
    size_t n = strlen(name);
    const char *p = buf_str(&r->head);
    while (p && *p) {
        if (!strncasecmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            return strndup(v, len);
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

void http_res_free(http_res *r)
{
    buf_free(&r->head);
    buf_free(&r->body);
}
