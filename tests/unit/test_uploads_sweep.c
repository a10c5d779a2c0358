/*
** test_uploads_sweep.c: the pieces of the kept-file sweep and the upload folders'
** permissions that need no web server, on real folders and a real
** database under /tmp/journeys-sweep/unit-*:
**
**   - files_prepare_dir makes a missing folder with the mode asked, takes
**     away what an existing one grants other users, warns when the folder
**     above is missing, and refuses a file, an empty setting, and (checked
**     as another user) a folder it cannot close or cannot write;
**   - files_old lists day-old kept files, removes day-old temporary files,
**     and leaves fresh ones and anything not named like ours;
**   - blobs_sweep forgets orphaned blob rows with their files, keeps a
**     referred one, removes a stray file with no row, and two sweeps racing
**     from two connections over the same orphans forget each exactly once.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "blobs.h"
#include "check.h"
#include "config.h"
#include "db.h"
#include "files.h"
#include "log.h"

static char root[64];

/* root/rel, in a static rotating buffer. */
static const char *at(const char *rel)
{
    static char b[8][512];
    static int i;
    char *p = b[i++ % 8];
    snprintf(p, sizeof b[0], "%s/%s", root, rel);
    return p;
}

/* The permission bits of path, or -1. */
static int mode_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

/* Write text to path and date it age seconds back. */
static void plant(const char *path, const char *text, long age)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    struct timeval tv[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    CHECK(utimes(path, tv) == 0);
}

/* Whether path exists. */
static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Made, tightened, or refused with a message saying what to do. */
static void test_prepare_dir(void)
{
    buf err = BUF_INIT;
    CHECK(files_prepare_dir(at("made"), 0700, &err) == 0);
    CHECK(mode_of(at("made")) == 0700);
    CHECK(mkdir(at("open"), 0755) == 0 && chmod(at("open"), 0757) == 0);
    CHECK(files_prepare_dir(at("open"), 0750, &err) == 0);
    CHECK(mode_of(at("open")) == 0750);   /* other users' bits gone, the rest as it was */
    CHECK(err.len == 0);
    plant(at("plain"), "not a folder", 0);
    CHECK(files_prepare_dir(at("plain"), 0750, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "is not a folder");
    buf_reset(&err);
    CHECK(files_prepare_dir(at("no/such/folder"), 0750, &err) == 1);   /* a warning: no hand-ins yet */
    CHECK_CONTAINS(buf_str(&err), "hand-ins will fail until it is made");
    buf_reset(&err);
    CHECK(files_prepare_dir("", 0750, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "not set");
    buf_reset(&err);
    /* Folders this process may not change or write: checked as another
    ** user (nobody) when run as root, in a child that reports by its exit
    ** status. */
    CHECK(mkdir(at("theirs"), 0755) == 0 && chmod(at("theirs"), 0755) == 0);   /* open to all, not ours */
    CHECK(mkdir(at("shut"), 0750) == 0);                                      /* closed, not writable by us */
    CHECK(chmod(root, 0711) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(100);
        buf e = BUF_INIT;
        int ok = 0;
        if (files_prepare_dir(at("theirs"), 0750, &e) == -1 && strstr(buf_str(&e), "chmod o-rwx") &&
            strstr(buf_str(&e), "open to every user"))
            ok |= 1;
        buf_reset(&e);
        if (files_prepare_dir(at("shut"), 0750, &e) == -1 && strstr(buf_str(&e), "cannot be read and written"))
            ok |= 2;
        if (ok != 3)
            fprintf(stderr, "(as another user: %s)\n", buf_str(&e));
        _exit(ok);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status));
    CHECK(WEXITSTATUS(status) != 100);
    CHECK((WEXITSTATUS(status) & 1) == 1);   /* refused, with the command to run */
    CHECK((WEXITSTATUS(status) & 2) == 2);   /* refused, saying why */
    CHECK(mode_of(at("theirs")) == 0755);     /* and nothing changed */
    CHECK(chmod(root, 0700) == 0);
    buf_free(&err);
}

/* Old kept files listed, old temporary files removed, the rest left. */
static void test_files_old(void)
{
    arena *a = arena_new(0);
    CHECK(mkdir(at("old"), 0750) == 0 && mkdir(at("old/ab"), 0750) == 0 && mkdir(at("old/notashard"), 0750) == 0);
    char old_hex[80], new_hex[80];
    snprintf(old_hex, sizeof old_hex, "old/ab/%062d", 1);
    snprintf(new_hex, sizeof new_hex, "old/ab/%062d", 2);
    plant(at(old_hex), "x", 3 * 86400);
    plant(at(new_hex), "x", 0);
    plant(at("old/ab/.tmp-old123"), "x", 3 * 86400);
    plant(at("old/ab/.tmp-new123"), "x", 0);
    plant(at("old/ab/README"), "x", 3 * 86400);
    plant(at("old/ab/ABCD"), "x", 3 * 86400);
    plant(at("old/notashard/0000000000000000000000000000000000000000000000000000000000000000"), "x", 3 * 86400);
    const char **hex;
    int n, tmp;
    CHECK(files_old(a, at("old"), time(NULL) - 86400, &hex, &n, &tmp) == 0);
    CHECK(n == 1 && tmp == 1);
    char want[80];
    snprintf(want, sizeof want, "ab%062d", 1);
    CHECK(n == 1 && !strcmp(hex[0], want));
    CHECK(!exists(at("old/ab/.tmp-old123")) && exists(at("old/ab/.tmp-new123")));
    CHECK(exists(at(old_hex)) && exists(at(new_hex)) && exists(at("old/ab/README")));
    /* a missing folder is nothing to sweep, not an error */
    CHECK(files_old(a, at("missing"), time(NULL), &hex, &n, &tmp) == 0 && n == 0);
    arena_free(a);
}

/* ---- the sweep --------------------------------------------------------- */

static config cfg;
static char dbpath[600];

/* Run sql on d; CHECKed. */
static void exec(db *d, const char *sql)
{
    buf err = BUF_INIT;
    int rc = db_exec(d, sql, &err);
    if (rc)
        fprintf(stderr, "sql: %s: %s\n", sql, buf_str(&err));
    CHECK(rc == 0);
    buf_free(&err);
}

/* Keep content text in the files folder and give it a blob row; its hash
** into hex. */
static void keep(db *d, const char *text, char hex[FILES_HEX_LEN + 1])
{
    files_hash(text, strlen(text), hex);
    int created;
    CHECK(files_put(cfg.uploads_files, hex, text, strlen(text), &created) == 0 && created == 1);
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO blobs(sha256, size, type, created_at) VALUES ('%s', %zu, 'text/plain', 1)",
             hex, strlen(text));
    exec(d, sql);
}

/* Whether the kept file of hash hex is there. */
static int kept(const char *hex)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%.2s/%s", cfg.uploads_files, hex, hex + 2);
    return exists(p);
}

/* One racer: its own connection, one sweep. */
struct racer {
    blobs_stats st;
    int rc;
    pthread_barrier_t *go;
};

/* Thread body: open a connection, wait for the other racer, sweep once.
** Results in the struct racer at arg. */
static void *race(void *arg)
{
    struct racer *r = arg;
    buf err = BUF_INIT;
    db *d = db_open(dbpath, &err);
    arena *a = arena_new(0);
    pthread_barrier_wait(r->go);
    domain dm = domain_make(d, &cfg, NULL, a, 0, time(NULL));
    r->rc = d ? blobs_sweep(&dm, &r->st) : -1;
    arena_free(a);
    db_close(d);
    buf_free(&err);
    return NULL;
}

/* One sweep on planted rows and files, then two racing over 60 orphans. */
static void test_sweep(void)
{
    buf err = BUF_INIT;
    snprintf(dbpath, sizeof dbpath, "%s/sweep.db", root);
    db *d = db_open(dbpath, &err);
    CHECK(d != NULL && db_migrate(d, &err) == 0);
    CHECK(config_load(&cfg, NULL, &err) == 0);
    free(cfg.uploads_files);
    cfg.uploads_files = strdup(at("files"));
    CHECK(files_prepare_dir(cfg.uploads_files, 0750, &err) == 0);

    /* one sweep: an orphan goes, a referred blob stays, a day-old stray
    ** with no row goes */
    char orphan[FILES_HEX_LEN + 1], referred[FILES_HEX_LEN + 1];
    keep(d, "nobody refers to me", orphan);
    keep(d, "a submission refers to me", referred);
    char sql[300];
    exec(d, "PRAGMA foreign_keys=OFF");
    snprintf(sql, sizeof sql, "INSERT INTO submission_files(submission_id, position, name, type, size, sha256)"
             " VALUES (1, 1, 'a.txt', 'text/plain', 25, '%s')", referred);
    exec(d, sql);
    exec(d, "PRAGMA foreign_keys=ON");
    char stray[FILES_HEX_LEN + 1], stray_path[600];
    files_hash("a stray", 7, stray);
    int created;
    CHECK(files_put(cfg.uploads_files, stray, "a stray", 7, &created) == 0);
    snprintf(stray_path, sizeof stray_path, "%s/%.2s/%s", cfg.uploads_files, stray, stray + 2);
    struct timeval tv[2] = {{time(NULL) - 2 * 86400, 0}, {time(NULL) - 2 * 86400, 0}};
    CHECK(utimes(stray_path, tv) == 0);
    char ref_path[600];
    snprintf(ref_path, sizeof ref_path, "%s/%.2s/%s", cfg.uploads_files, referred, referred + 2);
    CHECK(utimes(ref_path, tv) == 0);   /* old, but it has its row */

    arena *a = arena_new(0);
    domain dm = domain_make(d, &cfg, NULL, a, 0, time(NULL));
    blobs_stats st;
    CHECK(blobs_sweep(&dm, &st) == DOM_OK);
    CHECK(st.forgotten == 1 && st.lost == 0 && st.strays == 1);
    CHECK(!kept(orphan) && kept(referred) && !kept(stray));
    CHECK(db_check_idle(d) == 0);
    /* a second sweep finds nothing */
    CHECK(blobs_sweep(&dm, &st) == DOM_OK);
    CHECK(st.forgotten == 0 && st.strays == 0);
    CHECK(kept(referred));

    /* two sweeps racing over the same orphans: each forgotten exactly once */
    enum { N = 60 };
    char hex[N][FILES_HEX_LEN + 1];
    for (int i = 0; i < N; i++) {
        char text[32];
        snprintf(text, sizeof text, "orphan number %d", i);
        keep(d, text, hex[i]);
    }
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    struct racer r1 = {.go = &go}, r2 = {.go = &go};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, race, &r1);
    pthread_create(&t2, NULL, race, &r2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&go);
    CHECK(r1.rc == DOM_OK && r2.rc == DOM_OK);
    printf("(the racers forgot %d and %d, and found %d and %d forgotten by the other)\n", r1.st.forgotten,
           r2.st.forgotten, r1.st.lost, r2.st.lost);
    CHECK(r1.st.forgotten + r2.st.forgotten == N);
    int left = 0;
    for (int i = 0; i < N; i++)
        left += kept(hex[i]);
    CHECK(left == 0);
    sqlite3_stmt *q;
    CHECK(sqlite3_prepare_v2(db_handle(d), "SELECT count(*) FROM blobs", -1, &q, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1);   /* the referred one */
    sqlite3_finalize(q);
    CHECK(kept(referred));

    arena_free(a);
    db_close(d);
    config_free(&cfg);
    buf_free(&err);
}

/* Everything under a fresh folder in /tmp/journeys-sweep, removed at the end. */
int main(void)
{
    log_quiet(1);
    mkdir("/tmp/journeys-sweep", 0711);
    chmod("/tmp/journeys-sweep", 0711);   /* another user may pass through, not list */
    snprintf(root, sizeof root, "/tmp/journeys-sweep/unit-XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_prepare_dir();
    test_files_old();
    test_sweep();
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx %s && rm -rf %s", root, root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return check_done();
}
