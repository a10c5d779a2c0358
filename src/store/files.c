/*
** files.c: uploaded files on disk by SHA-256 (see files.h).
*/
#include "files.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void files_hash(const void *p, size_t n, char hex[FILES_HEX_LEN + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, p, n);
    crypto_hash_sha256_final(&s, h);
    sodium_bin2hex(hex, FILES_HEX_LEN + 1, h, sizeof h);
}

const char *files_relpath(arena *a, const char *hex)
{
    return arena_printf(a, "%.2s/%s", hex, hex + 2);
}

/* Make folder path unless it is there. 0 or -1. */
static int make_dir(const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST)
        return 0;
    log_error("files: cannot make %s: %s", path, strerror(errno));
    return -1;
}

/* Write all of p[0..n) to fd. 0 or -1. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n > (1u << 20) ? (1u << 20) : n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int files_put(const char *dir, const char *hex, const void *p, size_t n, int *created)
{
    *created = 0;
    char shard[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
    if (snprintf(shard, sizeof shard, "%s/%.2s", dir, hex) >= (int)sizeof shard ||
        snprintf(path, sizeof path, "%s/%s", shard, hex + 2) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", shard) >= (int)sizeof tmp) {
        log_error("files: the folder path %s is too long", dir);
        return -1;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == n)
        return 0;
    if (make_dir(dir) != 0 || make_dir(shard) != 0)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        log_error("files: cannot create a file in %s: %s", shard, strerror(errno));
        return -1;
    }
    if (write_all(fd, p, n) != 0 || fchmod(fd, 0640) != 0 || fsync(fd) != 0) {
        log_error("files: cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        log_error("files: cannot keep %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    *created = 1;
    return 0;
}

void files_remove(const char *dir, const char *hex)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%.2s/%s", dir, hex, hex + 2) < (int)sizeof path && unlink(path) != 0 &&
        errno != ENOENT)
        log_error("files: cannot remove %s: %s", path, strerror(errno));
}

int files_inside(arena *a, const char *dir, const char *path, const char **resolved)
{
    *resolved = NULL;
    if (!dir || !*dir || !path || !*path)
        return 0;
    char rd[PATH_MAX], rp[PATH_MAX];
    if (!realpath(dir, rd) || !realpath(path, rp))
        return 0;
    size_t n = strlen(rd);
    if (strncmp(rp, rd, n) != 0 || rp[n] != '/' || !rp[n + 1])
        return 0;
    struct stat sb;
    if (stat(rp, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    *resolved = arena_strdup(a, rp);
    return 1;
}

/* ---- the sweep of files nothing refers to ---- */

/* Whether name is n lower-case hex digits and nothing else. */
static int all_hex(const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)name[i]) || isupper((unsigned char)name[i]))
            return 0;
    return name[n] == '\0';
}

/* Walk one shard folder (path, named by the two hex digits shard) as
** files_old does. 0 or -1. */
static int old_in_shard(arena *a, const char *path, const char *shard, time_t before, const char ***hex, int *n,
                        int *cap, int *tmp_removed)
{
    DIR *sd = opendir(path);
    if (!sd) {
        log_error("files: cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(sd))) {
        int tmp = strncmp(e->d_name, ".tmp-", 5) == 0;
        if (!tmp && !all_hex(e->d_name, FILES_HEX_LEN - 2))
            continue;
        char f[PATH_MAX];
        struct stat sb;
        if (snprintf(f, sizeof f, "%s/%s", path, e->d_name) >= (int)sizeof f || lstat(f, &sb) != 0 ||
            !S_ISREG(sb.st_mode) || sb.st_mtime >= before)
            continue;
        if (tmp) {
            if (unlink(f) == 0)
                (*tmp_removed)++;
            else if (errno != ENOENT)
                log_error("files: cannot remove %s: %s", f, strerror(errno));
            continue;
        }
        *(const char **)arena_grow(a, (void **)hex, n, cap, sizeof **hex) = arena_printf(a, "%s%s", shard, e->d_name);
    }
    closedir(sd);
    return 0;
}

int files_old(arena *a, const char *dir, time_t before, const char ***hex, int *n, int *tmp_removed)
{
    *hex = NULL;
    *n = 0;
    *tmp_removed = 0;
    int cap = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        log_error("files: cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) && rc == 0) {
        if (!all_hex(e->d_name, 2))
            continue;
        char path[PATH_MAX];
        struct stat sb;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path || lstat(path, &sb) != 0 ||
            !S_ISDIR(sb.st_mode))
            continue;
        rc = old_in_shard(a, path, e->d_name, before, hex, n, &cap, tmp_removed);
    }
    closedir(d);
    return rc;
}

/* ---- the folders' permissions ---- */

int files_prepare_dir(const char *dir, unsigned mode, buf *err)
{
    if (!dir || !*dir) {
        buf_puts(err, "an [uploads] folder is not set\n");
        return -1;
    }
    if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST) {
        int missing = errno == ENOENT;
        buf_printf(err, "cannot make the folder %s: %s%s\n", dir, strerror(errno),
                   missing ? " (the folder above it is missing); hand-ins will fail until it is made" : "");
        return missing ? 1 : -1;
    }
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        buf_printf(err, "%s is not a folder; [uploads] files and temp must name folders\n", dir);
        return -1;
    }
    if ((sb.st_mode & 0007) && chmod(dir, sb.st_mode & 07770) != 0) {
        buf_printf(err, "%s is open to every user on this machine (mode %04o) and cannot be closed (%s): "
                        "run chmod o-rwx %s as its owner\n",
                   dir, (unsigned)(sb.st_mode & 07777), strerror(errno), dir);
        return -1;
    }
    if (access(dir, R_OK | W_OK | X_OK) != 0) {
        buf_printf(err, "%s cannot be read and written by this process (user %u; the folder belongs to user %u, "
                        "mode %04o): run journeys as the user nginx's workers run as, and give that user the "
                        "folder\n",
                   dir, (unsigned)geteuid(), (unsigned)sb.st_uid, (unsigned)(sb.st_mode & 07777));
        return -1;
    }
    return 0;
}
