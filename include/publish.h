/*
** publish.h: `journeys publish`: courses/ to the database, all or nothing.
**
** The folder is loaded and validated first; every mistake is reported as
** "file:line: what is wrong" and nothing is written. Then each Markdown text
** is rendered once to HTML (trusted mode) and the series is stored in one
** transaction, so readers see either the old content or the new.
**
** Who owns what: course text (series, overview, panel title and summary,
** transcript, playlist, prompts, activities) comes from the files on every
** publish. Panel resources (recording, its length, panelists) belong to
** the database once they exist, because staff edit them in the browser:
** publish adds new ones and lists each file change it did not apply in
** notes, one line each:
**
**     courses/01-purpose/panel.md:3: the panel recording of purpose exists; video ... : not applied
**
** An offering belongs to the file until staff save it in the console
** (offerings.managed_by): the file's changes apply, each listed ("...:
** applied"), except a new course for a code, or new dates or capacity
** while people are registered, which are errors; an offering the file
** owns that left it is withdrawn (unpublished, audited). Once the console
** owns it, every difference is an error at its line ("...: refused").
**
** Items (playlist items, prompts, activities) are identified by their key.
** An item whose key left the files while participant data refers to it
** stops the publish, unless its key is listed to be archived.
*/
#ifndef JOURNEYS_PUBLISH_H
#define JOURNEYS_PUBLISH_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"

typedef struct publish_opts {
    const char *dir;             /* the courses folder */
    int32_t today;               /* anchors demo weeks; offerings after it are announced */
    int demo;                    /* publish demo offerings */
    const char *const *archive;  /* keys to archive: "KEY" or "COURSE-SLUG/KEY" */
    int n_archive;
    /* Called inside the transaction for each visitor who asked to hear of
    ** new dates of a course that just got a new offering (code): queue the
    ** message and return 0, or -1 to abandon the publish. NULL: nobody is
    ** told and the requests stay waiting. */
    int (*announce)(void *ctx, const char *email, const char *code);
    void *announce_ctx;
    const char *by;              /* who publishes, recorded with the run (NULL: "unknown") */
} publish_opts;

typedef struct publish_report {
    int courses, items, offerings_added, offerings_kept;
    int coaches_linked, coaches_created, archived, announced, not_applied;
    int offerings_changed, withdrawn;   /* file changes applied; offerings no longer in the file */
} publish_report;

/* Publish o->dir into d. Returns 0, or -1 with the problems in err and the
** database unchanged. Lines about file changes not applied, coach accounts
** created and items archived are appended to notes (also on success). */
int publish_courses(db *d, const publish_opts *o, publish_report *rep, buf *notes, buf *err);

#endif
