/*
** scratch.h: a migrated database in a folder of its own, for the unit
** tests of the store, which write their rows with plain SQL and remove the
** folder at the end. Header-only (each unit test is one file).
*/
#ifndef JOURNEYS_TEST_SCRATCH_H
#define JOURNEYS_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"

typedef struct scratch {
    char dir[64];   /* /tmp/journeys-NAME-XXXXXX */
    char path[96];  /* dir/t.db */
} scratch;

/* Make a folder for test name and a migrated database in it: its
** connection, or NULL (said on stderr). */
static inline db *scratch_open(scratch *s, const char *name)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/journeys-%s-XXXXXX", name);
    if (!mkdtemp(s->dir)) {
        perror("mkdtemp");
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s/t.db", s->dir);
    buf err = BUF_INIT;
    db *d = db_open(s->path, &err);
    if (d && db_migrate(d, &err) != 0) {
        db_close(d);
        d = NULL;
    }
    if (!d)
        fprintf(stderr, "scratch database: %s\n", buf_str(&err));
    buf_free(&err);
    return d;
}

/* A second connection to the database of s, or NULL. */
static inline db *scratch_other(const scratch *s)
{
    buf err = BUF_INIT;
    db *d = db_open(s->path, &err);
    if (!d)
        fprintf(stderr, "scratch database: %s\n", buf_str(&err));
    buf_free(&err);
    return d;
}

/* Run SQL with no result on d; the statement and the error on stderr when
** it fails. 0 or -1. */
static inline int scratch_sql(db *d, const char *q)
{
    buf err = BUF_INIT;
    int rc = db_exec(d, q, &err);
    if (rc)
        fprintf(stderr, "sql failed: %s\n  %s\n", buf_str(&err), q);
    buf_free(&err);
    return rc;
}

/* Remove the folder of s (its connections closed first). 0 or -1. */
static inline int scratch_remove(const scratch *s)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
