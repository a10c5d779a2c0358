/*
** sqllog.c: a preload library for the bench's query plans (plans.sh). Put
** in LD_PRELOAD of one `journeys request`, it appends the text of every
** statement the program prepares to the file named by JOURNEYS_SQLLOG, one
** statement a line (line breaks become spaces), then prepares it with
** SQLite as usual. Nothing else changes; without JOURNEYS_SQLLOG it only
** passes the calls on.
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Append the first n bytes of sql (all of it when n < 0) as one line to
** $JOURNEYS_SQLLOG. Failures are ignored: the log is a help, not a need.
** Allocates a copy it frees before returning. */
static void log_sql(const char *sql, int n)
{
    const char *path = getenv("JOURNEYS_SQLLOG");
    if (!path || !sql)
        return;
    size_t len = n < 0 ? strlen(sql) : strnlen(sql, (size_t)n);
    char *line = malloc(len + 1);
    if (!line)
        return;
    for (size_t i = 0; i < len; i++)
        line[i] = sql[i] == '\n' || sql[i] == '\r' ? ' ' : sql[i];
    line[len] = '\n';
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, len + 1);
        (void)w;
        close(fd);
    }
    free(line);
}

/* SQLite's own sqlite3_prepare_v3, after logging the statement. */
int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned int flags, sqlite3_stmt **st, const char **tail)
{
    static int (*real)(sqlite3 *, const char *, int, unsigned int, sqlite3_stmt **, const char **);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sqlite3_prepare_v3");
    log_sql(sql, n);
    return real(db, sql, n, flags, st, tail);
}

/* SQLite's own sqlite3_prepare_v2, after logging the statement. */
int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail)
{
    static int (*real)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "sqlite3_prepare_v2");
    log_sql(sql, n);
    return real(db, sql, n, st, tail);
}
