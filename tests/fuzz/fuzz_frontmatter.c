/*
** fuzz_frontmatter.c: libFuzzer target for the course-content parsers.
**
** The first byte, modulo 5, picks what the rest of the input is read as
** (seeds start with a letter so they stay readable):
**   0 ('A')  a course.md, through course_parse_frontmatter_for_test()
**   1 ('B')  a playlist.md  } written into a small valid course tree made
**   2 ('C')  calendar.txt   } once per run under /tmp, loaded with
**   3 ('D')  a panel.md     } course_load(), then the file is put back
**   4 ('E')  series.md      }
** Besides memory errors, the target aborts when the result and the report
** disagree (success with problems, failure without) or a problem line does
** not start with the file it is about.
*/
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "course.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tree every course_load() call reads: path under courses/, text. */
static const char *const TREE[][2] = {
    {"series.md", "---\ntitle: S\ntagline: T\norganisation: O\n---\nIntro.\n"},
    {"calendar.txt", "code: x-1\ncourse: x\nstarts: 2026-01-05\nends: 2026-01-09\n"
                     "price: 50\ncapacity: 3\n"},
    {"01-x/course.md", "---\ntitle: T\ntagline: t\nhours: 4-6\nsummary: s\n---\nBody.\n"},
    {"01-x/panel.md", "---\ntitle: T\nvideo: pending\nminutes: 5\n---\n"},
    {"01-x/transcript.md", "Words.\n"},
    {"01-x/playlist.md", "## A\nkind: video\nminutes: 5\nlink: https://x.org\n\nText.\n"},
    {"01-x/discussions.md", "## P\n\nText.\n"},
    {"01-x/activities.md", "## A\nsubmit: s\nminutes: 5\n\nText.\n"},
};
#define N_TREE (sizeof TREE / sizeof TREE[0])

static char tree_top[64];   /* the mkdtemp folder; "" until made */
static char tree_root[96];  /* tree_top + "/courses" */

/* Write len bytes of text to tree_root/rel; aborts when that fails. */
static void put(const char *rel, const void *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tree_root, rel);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* nftw callback: remove one entry. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* atexit handler: remove the tree. */
static void drop_tree(void)
{
    if (tree_top[0])
        nftw(tree_top, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Make the tree on first use. */
static void make_tree(void)
{
    if (tree_top[0])
        return;
    snprintf(tree_top, sizeof tree_top, "/tmp/fuzz_frontmatter.XXXXXX");
    if (!mkdtemp(tree_top))
        abort();
    snprintf(tree_root, sizeof tree_root, "%s/courses", tree_top);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/01-x", tree_root);
    if (mkdir(tree_root, 0700) != 0 || mkdir(dir, 0700) != 0)
        abort();
    for (size_t i = 0; i < N_TREE; i++)
        put(TREE[i][0], TREE[i][1], strlen(TREE[i][1]));
    atexit(drop_tree);
}

/* Abort unless every line of err starts with prefix. */
static void check_lines(const char *err, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = err; *p;) {
        if (strncmp(p, prefix, n) != 0) {
            fprintf(stderr, "problem line without '%s': %s\n", prefix, p);
            abort();
        }
        const char *nl = strchr(p, '\n');
        if (!nl)
            abort(); /* every line ends with '\n' */
        p = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] % 5;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    int rc;
    if (mode == 0) {
        rc = course_parse_frontmatter_for_test(a, text, len, &err);
        check_lines(buf_str(&err), "course.md");
    } else {
        static const int file_of_mode[] = {0, 5, 1, 3, 0};
        const char *rel = TREE[file_of_mode[mode]][0];
        series s;
        make_tree();
        put(rel, text, len);
        rc = course_load(a, tree_root, 20779, mode & 1, &s, &err);
        put(rel, TREE[file_of_mode[mode]][1], strlen(TREE[file_of_mode[mode]][1]));
        check_lines(buf_str(&err), "courses/");
    }
    if ((rc == 0) != (err.len == 0)) {
        fprintf(stderr, "rc %d with problems:\n%s\n", rc, buf_str(&err));
        abort();
    }
    buf_free(&err);
    arena_free(a);
    return 0;
}
