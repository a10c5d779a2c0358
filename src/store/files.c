/*
** files.c: uploaded files on disk by SHA-256 (see files.h).
*/
#include "files.h"

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
