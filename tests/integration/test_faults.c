/*
** test_faults.c: the site when its storage fails. The database lives on a
** small tmpfs that the test fills to the last byte; sign-ups then get a
** 503 with a message and Retry-After (never a bare 500, never a false
** "done"), nothing half-written is left, and once room is made the same
** people sign up normally. Needs root for the mount (CI runs as root).
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"

static stack s;
static char mnt[64];

/* Write zeros to path until the file system refuses; returns bytes written. */
static long fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    static char block[4096];
    long total = 0;
    for (;;) {
        ssize_t n = write(fd, block, sizeof block);
        if (n <= 0)
            break;
        total += n;
    }
    /* Squeeze out the last partial block too. */
    for (;;) {
        ssize_t n = write(fd, block, 1);
        if (n <= 0)
            break;
        total += n;
    }
    int full = errno == ENOSPC;
    close(fd);
    return full ? total : -1;
}

/* Sign up name/email in a fresh visitor; returns the answer (caller frees). */
static http_res sign_up(const char *name, const char *email)
{
    browser b;
    browser_open(&b, &s);
    char form[512];
    snprintf(form, sizeof form, "name=%s&email=%s&password=correct-horse-battery&time_zone=UTC&school_id=&next=%%2Fmy",
             name, email);
    http_res r;
    browser_submit(&b, "/signup", "/signup", form, &r);
    browser_close(&b);
    return r;
}

/* How many accounts have this e-mail, read with the sqlite3 shell. */
static int accounts_with(const char *email)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/journeys.db' \"SELECT count(*) FROM users WHERE email = '%s'\"", mnt, email);
    buf out = BUF_INIT;
    int rc = stack_run(&s, cmd, &out);
    int n = rc == 0 ? atoi(buf_str(&out)) : -1;
    buf_free(&out);
    return n;
}

static void test_disk_full(void)
{
    /* Start from an empty write-ahead log, so every new write needs space. */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/journeys.db' 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null", mnt);
    CHECK(stack_run(&s, cmd, NULL) == 0);
    char filler[128];
    snprintf(filler, sizeof filler, "%s/filler", mnt);
    CHECK(fill(filler) > 0);

    int refused = 0, with_retry = 0, with_message = 0, bare = 0;
    for (int i = 0; i < 12; i++) {
        char email[64];
        snprintf(email, sizeof email, "full%d%%40example.org", i);
        http_res r = sign_up("Full+Disk", email);
        refused += r.status == 503;
        bare += r.status == 500;
        char *ra = http_res_header(&r, "Retry-After");
        with_retry += ra != NULL;
        free(ra);
        with_message += strstr(buf_str(&r.body), "try again in a minute") != NULL;
        if (r.status != 503)
            fprintf(stderr, "sign-up on a full disk: %ld\n%.300s\n", r.status, buf_str(&r.body));
        http_res_free(&r);
    }
    CHECK(refused == 12);
    CHECK(bare == 0);
    CHECK(with_retry == 12);
    CHECK(with_message == 12);

    /* Room again: the same people sign up, once each. */
    CHECK(unlink(filler) == 0);
    int ok = 0;
    for (int i = 0; i < 12; i++) {
        char email[64];
        snprintf(email, sizeof email, "full%d%%40example.org", i);
        http_res r = sign_up("Full+Disk", email);
        ok += r.status == 303;
        http_res_free(&r);
    }
    CHECK(ok == 12);
    CHECK(accounts_with("full0@example.org") == 1);
    CHECK(accounts_with("full11@example.org") == 1);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/journeys.db' 'PRAGMA integrity_check'", mnt);
    buf out = BUF_INIT;
    CHECK(stack_run(&s, cmd, &out) == 0);
    CHECK_CONTAINS(buf_str(&out), "ok");
    buf_free(&out);
}

int main(void)
{
    if (geteuid() != 0) {
        /* The mount needs root; CI runs as root, so this path fails there. */
        fprintf(stderr, "test_faults needs root to mount a small tmpfs\n");
        CHECK(geteuid() == 0);
        return check_done();
    }
    snprintf(mnt, sizeof mnt, "/tmp/journeys-full-XXXXXX");
    CHECK(mkdtemp(mnt) != NULL);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=8m,mode=0700") != 0) {
        perror("mount tmpfs");
        CHECK(0);
        rmdir(mnt);
        return check_done();
    }
    char db[128];
    snprintf(db, sizeof db, "JOURNEYS_PATHS_DATABASE=%s/journeys.db", mnt);
    const char *env[] = {db, NULL};
    if (stack_start(&s, env) == 0) {
        test_disk_full();
        CHECK(stack_stop(&s) == 0);
    } else {
        CHECK(0);
        stack_stop(&s);
    }
    CHECK(umount(mnt) == 0);
    rmdir(mnt);
    return check_done();
}
