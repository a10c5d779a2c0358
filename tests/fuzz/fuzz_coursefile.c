/*
** fuzz_coursefile.c: libFuzzer target for the course files' week fields
** and the panel recording's player.
**
** The first byte, modulo 7, picks what the rest of the input is read as
** (seeds start with a letter so they stay readable):
**   0 ('F') course.md (milestones)      3 ('I') activities.md (opens, due)
**   1 ('G') panel.md (captions)          4 ('J') discussions.md
**   2 ('H') playlist.md (opens, due)     5 ('K') calendar.txt (time_zone, posting_closes)
**   6 ('L') a recording's URL, through page_video_embed()
** For the files, through course_parse_file_for_test(): the target aborts
** when the result and the report disagree, a problem line does not start
** with the file it is about, or a parsed date is out of range. For a URL:
** it aborts unless a framed result is exactly one of the two players with
** an id of safe characters.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "course.h"
#include "pages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless every line of err starts with prefix and ends with '\n'. */
static void check_lines(const char *err, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = err; *p;) {
        const char *nl = strchr(p, '\n');
        if (strncmp(p, prefix, n) != 0 || !nl) {
            fprintf(stderr, "problem line without '%s': %s\n", prefix, p);
            abort();
        }
        p = nl + 1;
    }
}

/* Abort when an item's parsed dates are out of range. */
static void check_items(const item *it, int n)
{
    for (int i = 0; i < n; i++) {
        if ((it[i].opens && (it[i].opens_day < 1 || it[i].opens_day > 14 || it[i].opens_minute > 1439)) ||
            (it[i].due && (it[i].due_day < 1 || it[i].due_day > 14 || it[i].due_minute > 1439)))
            abort();
    }
}

/* Abort unless embed is prefix followed by 1 to max characters of set,
** then the tail. */
static void check_embed(const char *embed)
{
    static const char yt[] = "https://www.youtube-nocookie.com/embed/", vm[] = "https://player.vimeo.com/video/";
    const char *id;
    size_t n;
    if (!strncmp(embed, yt, sizeof yt - 1)) {
        id = embed + sizeof yt - 1;
        n = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
        if (n != 11 || id[n])
            abort();
    } else if (!strncmp(embed, vm, sizeof vm - 1)) {
        id = embed + sizeof vm - 1;
        n = strspn(id, "0123456789");
        if (n == 0 || n > 12 || strcmp(id + n, "?dnt=1"))
            abort();
    } else {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const files[] = {"course.md", "panel.md", "playlist.md", "activities.md",
                                        "discussions.md", "calendar.txt"};
    if (size == 0)
        return 0;
    int mode = (data[0] - 'F' + 7 * 40) % 7;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    arena *a = arena_new(0);
    if (mode == 6) {
        char *url = arena_alloc(a, len + 1);
        memcpy(url, text, len);
        url[len] = '\0';
        const char *embed, *host;
        if (page_video_embed(a, url, &embed, &host))
            check_embed(embed);
        else if (embed || host)
            abort();
        arena_free(a);
        return 0;
    }
    buf err = BUF_INIT;
    course c;
    offering_seed o;
    memset(&o, 0, sizeof o);
    int rc = course_parse_file_for_test(a, files[mode], text, len, &c, &o, &err);
    check_lines(buf_str(&err), files[mode]);
    if ((rc == 0) != (err.len == 0)) {
        fprintf(stderr, "rc %d with problems:\n%s\n", rc, buf_str(&err));
        abort();
    }
    if (rc == 0) {
        check_items(c.playlist, c.n_playlist);
        check_items(c.prompts, c.n_prompts);
        check_items(c.activities, c.n_activities);
        for (int i = 0; i < c.n_milestones; i++)
            if (c.milestones[i].day < 1 || c.milestones[i].day > 14 || !c.milestones[i].key[0])
                abort();
    }
    buf_free(&err);
    arena_free(a);
    return 0;
}
