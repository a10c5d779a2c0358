/*
** publog.c: the accessibility and panel checks of a publish, and the
** record of each run (see publog.h).
*/
#include "publog.h"

#include <string.h>
#include <time.h>

#include "mdcheck.h"
#include "store_enrol.h"
#include "store_panel.h"

/* The Markdown files of one course folder, as the loader names them. */
static const char *const course_files[] = {"course.md", "panel.md", "transcript.md", "playlist.md",
                                           "discussions.md", "activities.md"};

/* Whether md holds nothing but white space. */
static int blank_md(const char *md)
{
    for (; md && *md; md++)
        if (*md != ' ' && *md != '\t' && *md != '\n' && *md != '\r')
            return 0;
    return 1;
}

int publog_check(db *d, arena *a, const char *dir, const char *root, const series *s, buf *err)
{
    int bad = mdcheck_file(arena_printf(a, "%s/series.md", root), arena_printf(a, "%s/series.md", dir), err);
    for (int i = 0; i < s->n_courses; i++) {
        const course *c = &s->courses[i];
        for (size_t f = 0; f < sizeof course_files / sizeof *course_files; f++)
            bad += mdcheck_file(arena_printf(a, "%s/%s/%s", root, c->dir, course_files[f]),
                                arena_printf(a, "%s/%s/%s", dir, c->dir, course_files[f]), err);
        /* the recording shown is the database's once it has one (publish.h) */
        int has_captions = 0;
        const char *stored = NULL;
        int known = store_panel_publish_state(d, a, c->slug, &has_captions, &stored);
        if (known < 0) {
            buf_printf(err, "%s/%s/panel.md: the stored panel could not be read: %s\n", root, c->dir, db_errmsg(d));
            bad++;
            continue;
        }
        const char *video = known && stored ? stored : c->panel_video;
        /* so is the transcript once it was written in the console */
        const char *summary_md = NULL, *transcript_md = NULL;
        if (known && store_panel_publish_text(d, a, c->slug, &summary_md, &transcript_md) < 0) {
            buf_printf(err, "%s/%s/transcript.md: the stored transcript could not be read: %s\n", root, c->dir,
                       db_errmsg(d));
            bad++;
            continue;
        }
        if (video && blank_md(transcript_md ? transcript_md : c->transcript_md) && !has_captions) {
            buf_printf(err, "%s/%s/panel.md:%d: the panel has a recording but neither captions nor a transcript; "
                            "write transcript.md or upload captions at /staff/courses/%s/panel\n",
                       root, c->dir, c->panel_video_line ? c->panel_video_line : 1, c->slug);
            bad++;
        }
    }
    return bad ? -1 : 0;
}

int publog_begin(db *d, arena *a, publog *pl, buf *err)
{
    if (store_publish_snapshot(d, a, &pl->before, &pl->n_before) != 0) {
        buf_printf(err, "what is published could not be read: %s\n", db_errmsg(d));
        return -1;
    }
    return 0;
}

int publog_record(db *d, arena *a, const publog *pl, const char *by, const publish_report *rep, const char *notes,
                  buf *err)
{
    publish_entry *after;
    int n_after;
    if (store_publish_snapshot(d, a, &after, &n_after) != 0) {
        buf_printf(err, "what was published could not be read: %s\n", db_errmsg(d));
        return -1;
    }
    /* both lists are ordered by what: walk them together */
    typedef struct { const char *change, *what, *title; } chg;
    chg *list = arena_alloc(a, sizeof *list * (size_t)(n_after + 1));
    int n = 0, added = 0, changed = 0, archived = 0;
    int i = 0, j = 0;
    while (j < n_after) {
        int cmp = i < pl->n_before ? strcmp(pl->before[i].what, after[j].what) : 1;
        if (cmp < 0) {          /* gone from the database: publish never deletes, so nothing to say */
            i++;
            continue;
        }
        const publish_entry *e = &after[j];
        const char *change = NULL;
        if (cmp > 0) {
            change = e->archived ? NULL : "added";
        } else {
            const publish_entry *b = &pl->before[i];
            if (e->archived && !b->archived)
                change = "archived";
            else if (!e->archived && strcmp(b->content ? b->content : "", e->content ? e->content : ""))
                change = "changed";
            i++;
        }
        if (change) {
            list[n++] = (chg){change, e->what, e->title ? e->title : ""};
            added += change[0] == 'a' && change[1] == 'd';
            changed += change[0] == 'c';
            archived += change[0] == 'a' && change[1] == 'r';
        }
        j++;
    }
    time_t now = time(NULL);
    const char *who = by && *by ? by : "unknown";
    int64_t run = store_publish_run_insert(d, now, who, rep->courses, rep->items, added, changed, archived, notes);
    if (run < 0) {
        buf_printf(err, "the publish could not be recorded: %s\n", db_errmsg(d));
        return -1;
    }
    for (int k = 0; k < n; k++)
        if (store_publish_change_insert(d, run, k + 1, list[k].change, list[k].what, list[k].title) != 0) {
            buf_printf(err, "the publish could not be recorded: %s\n", db_errmsg(d));
            return -1;
        }
    if (store_audit(d, 0, "content.published", arena_printf(a, "publish:%lld", (long long)run),
                    arena_printf(a, "by %s: %d added, %d changed, %d archived", who, added, changed, archived),
                    now) != 0) {
        buf_printf(err, "the publish could not be audited: %s\n", db_errmsg(d));
        return -1;
    }
    return 0;
}
