/*
** test_supervise.c: the process manager under faults. A mail server that
** never answers does not hold up the sweep of lapsed holds; a message whose
** sender is killed while sending has its attempts counted and ends as
** failed; after kill -9 of the manager a new one starts at once; SIGTERM
** while a slow mail server is delivering sends no message twice and does
** not wait for the drain limit; SIGTERM under load drops no request and
** loses no acknowledged write. Each prints how long it took.
*/
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "sqlq.h"
#include "smtp.h"

static stack s;
static smtp_server mail;
static sqlite3 *dbh;
#define q_int(sql) sqlq_int(dbh, sql, NULL)

/* Sleep ms milliseconds (only between polls of a state). */
static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Milliseconds on a monotonic clock. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run sql (one or more statements); 0 or -1. */
static int q_exec(const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(dbh, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "sql: %s: %s\n", sql, err ? err : "?");
    sqlite3_free(err);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Poll condition: the integer query (a char *) gives a value > 0. */
static int query_true(void *sql)
{
    return q_int(sql) > 0;
}

/* Whether process pid has ended (gone, or a zombie nobody reaped yet). */
static int proc_gone(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    int gone = 1;
    if (fgets(line, sizeof line, f)) {
        const char *p = strrchr(line, ')');
        gone = !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
    }
    fclose(f);
    return gone;
}

/* Poll condition: the process *(pid_t *)arg has ended. */
static int gone_cond(void *arg)
{
    return proc_gone(*(pid_t *)arg);
}

/* The child of mgr that has a TCP connection open to 127.0.0.1:port (the
** one delivering mail), or -1. */
static pid_t sender_of(pid_t mgr, int port)
{
    unsigned long inodes[64];
    int n = 0;
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return -1;
    char line[512];
    while (n < 64 && fgets(line, sizeof line, f)) {
        unsigned rport, st;
        unsigned long inode;
        if (sscanf(line, " %*d: %*x:%*x %*x:%x %x %*x:%*x %*x:%*x %*x %*d %*d %lu", &rport, &st, &inode) == 3 &&
            (int)rport == port && inode)
            inodes[n++] = inode;
    }
    fclose(f);
    pid_t kids[32];
    int k = stack_children(mgr, kids, 32);
    for (int i = 0; i < k; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)kids[i]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        pid_t found = -1;
        while (found < 0 && (e = readdir(d))) {
            char p[320], target[64];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            ssize_t len = readlink(p, target, sizeof target - 1);
            if (len <= 0)
                continue;
            target[len] = '\0';
            unsigned long ino;
            if (sscanf(target, "socket:[%lu]", &ino) == 1)
                for (int j = 0; j < n; j++)
                    if (inodes[j] == ino)
                        found = kids[i];
        }
        closedir(d);
        if (found > 0)
            return found;
    }
    return -1;
}

/* Poll condition: some child of the manager is connected to the mail server. */
static int sender_connected(void *arg)
{
    (void)arg;
    return sender_of(stack_manager(&s), mail.port) > 0;
}

/* Queue one plain mail to addr, due now; returns its id. */
static long long queue_mail(const char *addr)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox(kind, recipient, subject, body_text, next_attempt_at, created_at)"
             " VALUES ('mail', '%s', 'Supervision test', 'A line of text.', 0, unixepoch())",
             addr);
    if (q_exec(sql) != 0)
        return -1;
    return sqlite3_last_insert_rowid(dbh);
}

/* Open the stack's database for the test's own queries. */
static void open_db(void)
{
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
}

/* (1) A mail server that accepts and never answers holds the mailer, not
** the sweep: a hold that lapses meanwhile is let go within seconds. */
static void test_sweep_not_starved(void)
{
    CHECK(queue_mail("stuck@example.org") > 0);
    /* The mail is claimed (its lease runs into the future): the sender is
    ** now waiting on the black hole. */
    CHECK(harness_wait(query_true, "SELECT count(*) FROM outbox WHERE next_attempt_at > unixepoch() + 10", 10000));
    CHECK(harness_wait(sender_connected, NULL, 10000));
    CHECK(q_exec("INSERT INTO users(email, name, password_hash, created_at)"
                 " VALUES ('hold@example.org', 'Hold Lapse', 'x', unixepoch());"
                 "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                 " hold_until, created_at, updated_at)"
                 " VALUES ((SELECT min(id) FROM offerings), (SELECT id FROM users WHERE email = 'hold@example.org'),"
                 " 'pending', 'unpaid', 1000, 'EUR', unixepoch() - 5, unixepoch() - 60, unixepoch() - 60)") == 0);
    long long t0 = now_ms();
    int swept = harness_wait(query_true,
                             "SELECT count(*) FROM enrolments WHERE status = 'expired' AND user_id ="
                             " (SELECT id FROM users WHERE email = 'hold@example.org')",
                             5000);
    CHECK(swept);
    fprintf(stderr, "lapsed hold swept in %lld ms while the mail server does not answer\n", now_ms() - t0);
}

/* (2) Killing the sender while it holds a claimed message counts the
** attempt; with the limit at 2, the third kill ends the message as failed
** without another try. */
static void test_poison_counted(void)
{
    long long id = q_int("SELECT id FROM outbox WHERE recipient = 'stuck@example.org'");
    CHECK(id > 0);
    char sql[256];
    for (int k = 1; k <= 3; k++) {
        CHECK(harness_wait(sender_connected, NULL, 10000));
        pid_t sender = sender_of(stack_manager(&s), mail.port);
        CHECK(sender > 0);
        if (sender <= 0)
            return;
        CHECK(kill(sender, SIGKILL) == 0);
        CHECK(harness_wait(gone_cond, &sender, 5000));
        snprintf(sql, sizeof sql, "SELECT attempts = %d FROM outbox WHERE id = %lld", k, id);
        int counted = q_int(sql) == 1;
        CHECK(counted);
        if (!counted) {
            snprintf(sql, sizeof sql, "SELECT attempts FROM outbox WHERE id = %lld", id);
            fprintf(stderr, "after kill %d: attempts = %lld\n", k, q_int(sql));
            return;
        }
        /* Due again at once, rather than when the lease runs out. */
        snprintf(sql, sizeof sql, "UPDATE outbox SET next_attempt_at = 0 WHERE id = %lld", id);
        CHECK(q_exec(sql) == 0);
    }
    snprintf(sql, sizeof sql, "SELECT failed_at IS NOT NULL AND last_error LIKE 'given up%%' FROM outbox WHERE id = %lld",
             id);
    CHECK(harness_wait(query_true, sql, 10000));
    snprintf(sql, sizeof sql, "SELECT attempts FROM outbox WHERE id = %lld", id);
    CHECK(q_int(sql) >= 3); /* the claim that gave up counted one too */
}

/* Whether something accepts connections on the unix socket at path. */
static int socket_answers(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* (3) kill -9 of the manager while the mailer is stuck: a new manager
** takes the socket at once. */
static void test_restart_after_kill(void)
{
    CHECK(queue_mail("stuck-again@example.org") > 0);
    CHECK(harness_wait(sender_connected, NULL, 10000));
    pid_t mgr = stack_manager(&s);
    CHECK(mgr > 0);
    if (mgr <= 0)
        return;
    char sock[512], logp[512];
    snprintf(sock, sizeof sock, "%s", stack_path(&s, "var/journeys.sock"));
    snprintf(logp, sizeof logp, "%s", stack_path(&s, "restart.log"));
    CHECK(kill(mgr, SIGKILL) == 0);
    long long t0 = now_ms();
    pid_t fresh = -1;
    int up = 0, refused = 0;
    while (!up && now_ms() - t0 < 5000) {
        if (fresh <= 0) {
            fresh = fork();
            if (fresh == 0) {
                FILE *f = freopen(logp, "a", stdout);
                (void)f;
                dup2(STDOUT_FILENO, STDERR_FILENO);
                const char *bin = getenv("BUILD") ? getenv("BUILD") : "build";
                char path[256];
                snprintf(path, sizeof path, "%s/journeys", bin);
                execl(getenv("JOURNEYS_BIN") ? getenv("JOURNEYS_BIN") : path, "journeys", "serve", (char *)NULL);
                _exit(127);
            }
        }
        nap(20);
        if (waitpid(fresh, NULL, WNOHANG) == fresh) {
            refused++;
            fresh = -1;
            continue;
        }
        up = stack_manager(&s) == fresh && socket_answers(sock);
    }
    CHECK(up);
    fprintf(stderr, "restart after kill -9 of the manager: %s in %lld ms (%d refused)\n", up ? "up" : "NOT up",
            now_ms() - t0, refused);
    if (fresh > 0) {
        kill(fresh, SIGTERM);
        waitpid(fresh, NULL, 0);
    }
}

/* (4) SIGTERM while a slow mail server is delivering: the manager is gone
** well before the drain limit (5 s), and every message the server holds is
** marked sent, once (nothing handed over and left to be sent again). */
static void test_drain_slow_mail(void)
{
    for (int i = 0; i < 8; i++) {
        char addr[64];
        snprintf(addr, sizeof addr, "slow%d@example.org", i);
        CHECK(queue_mail(addr) > 0);
    }
    CHECK(harness_wait(query_true, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL", 15000));
    CHECK(harness_wait(sender_connected, NULL, 10000));
    pid_t mgr = stack_manager(&s);
    pid_t kids[16];
    int n = stack_children(mgr, kids, 16);
    long long t0 = now_ms();
    CHECK(kill(mgr, SIGTERM) == 0);
    CHECK(harness_wait(gone_cond, &mgr, 30000));
    long long took = now_ms() - t0;
    fprintf(stderr, "drain with a slow mail server: the manager exited after %lld ms (limit 5000)\n", took);
    CHECK(took < 3000);
    for (int i = 0; i < n; i++)
        CHECK(harness_wait(gone_cond, &kids[i], 30000));
    long long sent = q_int("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL");
    int held = smtp_count(&mail);
    buf all = BUF_INIT;
    smtp_read_all(&mail, &all);
    /* Distinct Message-IDs in the Maildir. */
    char ids[64][128];
    int distinct = 0;
    for (const char *p = buf_str(&all); (p = strstr(p, "\nMessage-ID: ")) != NULL; p++) {
        char id[128];
        if (sscanf(p + 13, "%127s", id) != 1)
            continue;
        int seen = 0;
        for (int i = 0; i < distinct; i++)
            seen |= !strcmp(ids[i], id);
        if (!seen && distinct < 64)
            snprintf(ids[distinct++], sizeof ids[0], "%s", id);
    }
    buf_free(&all);
    fprintf(stderr, "slow mail: %d held by the server (%d distinct), %lld marked sent\n", held, distinct, sent);
    CHECK(held == sent);
    CHECK(distinct == held);
}

struct shot {
    browser b;
    char form[256];
    long status;
};

/* Post the sign-up form of one shot. */
static void *fire(void *arg)
{
    struct shot *x = arg;
    http_res r;
    x->status = browser_post(&x->b, "/signup", x->form, &r) == 0 ? r.status : 0;
    http_res_free(&r);
    return NULL;
}

enum { LOAD = 50 };

/* (5) SIGTERM to the stack while LOAD sign-ups (each hashing a password)
** are in flight or queued: every one is answered (no 502, 504 or cut-off
** connection) and every sign-up acknowledged is in the database. */
static void test_drain_under_load(void)
{
    static struct shot shots[LOAD];
    for (int i = 0; i < LOAD; i++) {
        browser_open(&shots[i].b, &s);
        /* A loaded machine may take longer than the browser's usual limit
        ** to hash fifty passwords on two workers; a cut-off is for the
        ** server to cause, not the client. */
        curl_easy_setopt((CURL *)shots[i].b.curl, CURLOPT_TIMEOUT, 150L);
        http_res r;
        browser_get(&shots[i].b, "/signup", &r);
        char *csrf = browser_csrf(&r);
        http_res_free(&r);
        snprintf(shots[i].form, sizeof shots[i].form,
                 "name=Load+Person&email=load%d%%40example.org&password=correct-horse-battery&time_zone=UTC"
                 "&school_id=&next=%%2Fmy&csrf=%s",
                 i, csrf);
        free(csrf);
    }
    pthread_t t[LOAD];
    for (int i = 0; i < LOAD; i++)
        pthread_create(&t[i], NULL, fire, &shots[i]);
    CHECK(harness_wait(query_true, "SELECT count(*) >= 2 FROM users WHERE email LIKE 'load%'", 20000));
    long long t0 = now_ms();
    CHECK(kill(s.pid, SIGTERM) == 0);
    for (int i = 0; i < LOAD; i++)
        pthread_join(t[i], NULL);
    int ok = 0;
    for (int i = 0; i < LOAD; i++) {
        ok += shots[i].status == 303;
        if (shots[i].status != 303)
            fprintf(stderr, "sign-up %d during the drain: status %ld\n", i, shots[i].status);
        browser_close(&shots[i].b);
    }
    int st;
    waitpid(s.pid, &st, 0);
    s.pid = 0;
    fprintf(stderr, "drain under load: %d of %d answered 303; the stack stopped %lld ms after SIGTERM\n", ok, LOAD,
            now_ms() - t0);
    CHECK(ok == LOAD);
    long long stored = q_int("SELECT count(*) FROM users WHERE email LIKE 'load%'");
    CHECK(stored == ok);
}

/* Start a stack with the mail server and these settings; 0 or -1. */
static int start(const char *const *extra)
{
    static char url[160];
    snprintf(url, sizeof url, "JOURNEYS_MAIL_SMTP_URL=%s", smtp_url(&mail));
    const char *env[16];
    int n = 0;
    env[n++] = url;
    env[n++] = "JOURNEYS_JOBS_INTERVAL=1";
    for (; extra && *extra && n < 15; extra++)
        env[n++] = *extra;
    env[n] = NULL;
    if (stack_start(&s, env) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return -1;
    }
    open_db();
    return 0;
}

/* Close the test's database handle and stop the stack. */
static void finish(void)
{
    sqlite3_close(dbh);
    dbh = NULL;
    CHECK(stack_stop(&s) == 0);
}

int main(void)
{
    if (smtp_start(&mail) != 0) {
        CHECK(!"the SMTP server starts");
        return check_done();
    }
    CHECK(smtp_blackhole(&mail) == 0);
    const char *black[] = {"JOURNEYS_MAIL_TIMEOUT=20", "JOURNEYS_MAIL_MAX_ATTEMPTS=2", NULL};
    if (start(black) == 0) {
        test_sweep_not_starved();
        test_poison_counted();
        test_restart_after_kill();
        finish();
    }
    CHECK(smtp_slow(&mail, 1500) == 0);
    const char *slow[] = {"JOURNEYS_MAIL_TIMEOUT=10", "JOURNEYS_SERVER_DRAIN_SECONDS=5", NULL};
    if (start(slow) == 0) {
        test_drain_slow_mail();
        finish();
    }
    const char *load[] = {"JOURNEYS_SERVER_DRAIN_SECONDS=120", NULL};
    if (start(load) == 0) {
        test_drain_under_load();
        finish();
    }
    smtp_stop(&mail);
    return check_done();
}
