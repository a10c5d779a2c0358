/*
** publish.h: `journeys publish`: courses/ to the database, all or nothing.
**
** The folder is loaded and validated first; every mistake is reported as
** "file:line: what is wrong" and nothing is written. Then each Markdown text
** is rendered once to HTML (trusted mode) and the whole series is replaced
** in one transaction, so readers see either the old content or the new.
*/
#ifndef JOURNEYS_PUBLISH_H
#define JOURNEYS_PUBLISH_H

#include <stdint.h>

#include "buf.h"
#include "db.h"

typedef struct publish_report {
    int courses, items, offerings_added, offerings_kept;
} publish_report;

/* Publish the courses folder at dir into d as seen on day today (anchors
** demo weeks); demo offerings only when demo is set. Returns 0, or -1 with
** the problems in err and the database unchanged. */
int publish_courses(db *d, const char *dir, int32_t today, int demo, publish_report *rep, buf *err);

#endif
