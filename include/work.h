/*
** work.h: activity submissions in the domain layer: handing in a version
** (text, links, files), sharing it with the cohort or not, and the
** cohort's comments on shared work, with the notification a comment
** brings its owner.
**
** Each change opens its own write transaction (domain_begin/domain_end)
** and is one conditional write checked for the rows it changed: a version
** number is computed inside BEGIN IMMEDIATE and kept by the UNIQUE
** (offering, item, user, version) constraint; sharing moves only from not
** shared and back; a comment is added only while its submission is shared
** and deleted only by its author, once. Who may act on which object is
** decided by the pages (access.h) before these are called; d->actor is the
** person acting. Results are DOM_* with d->message set when not DOM_OK.
*/
#ifndef JOURNEYS_WORK_H
#define JOURNEYS_WORK_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "sniff.h"

enum {
    WORK_MAX_TEXT = 20000,     /* bytes of a submission's Markdown */
    WORK_MAX_LINKS = 20,       /* links in one submission */
    WORK_MAX_LINK = 2000,      /* bytes of one link */
    WORK_MAX_COMMENT = 5000,   /* bytes of a comment */
};

/* A file handed in: its name (already reduced to its last segment by the
** multipart parser) and its bytes, which the caller keeps alive. */
typedef struct work_file {
    const char *name;
    const unsigned char *data;
    size_t len;
} work_file;

/* Check the files of a submission before anything is kept: at most
** [uploads] max_files, each at most max_file_mb and all together at most
** max_submission_mb, none empty, each of an allowed type sniffed from its
** content (sniff.h) with a name that does not claim another type. Fills
** types[i] for each file. DOM_OK, or DOM_INVALID (field "files") with a
** message naming the file, or 413 when a limit is exceeded. */
int work_check_files(domain *d, const work_file *files, size_t n, const sniff_type **types);

/* Hand in a new version of activity item_id in offering_id for d->actor:
** body_md (Markdown, rendered once here in safe mode), links_text (one
** http(s) URL a line; blank lines ignored) and files (checked with
** work_check_files). At least one of the three must be given. Files are
** written to the [uploads] files folder by SHA-256 first, then the
** version, its blobs and file rows go in one transaction; when anything
** fails the transaction is rolled back and the files this call created
** that no row refers to are removed (under the write lock; a file found
** already there is looked for again inside the transaction, so a failing
** hand-in never removes one another hand-in refers to). DOM_OK with *version set; DOM_INVALID
** with d->field; 413; DOM_CONFLICT when a concurrent hand-in took the
** number (nothing kept); DOM_UNAVAILABLE. */
int work_submit(domain *d, int64_t offering_id, int64_t item_id, const char *body_md, const char *links_text,
                const work_file *files, size_t n, int *version);

/* Share (share = 1) or stop sharing d->actor's submission id. DOM_OK, or
** DOM_CONFLICT when it is already in that state or not theirs. */
int work_share(domain *d, int64_t submission_id, int share);

/* Comment body_md on shared submission id, owned by owner_id, in offering
** offering_id; link is where the notification points. The owner (unless
** it is d->actor) gets a notification of kind 'comment' in the same
** transaction. DOM_OK with *comment_id, DOM_INVALID (empty or too long),
** DOM_CONFLICT when the submission is no longer shared. */
int work_comment(domain *d, int64_t submission_id, int64_t owner_id, int64_t offering_id, const char *title,
                 const char *link, const char *body_md, int64_t *comment_id);

/* Delete d->actor's comment id (a tombstone stays). DOM_OK, or
** DOM_CONFLICT when it is not theirs or already deleted. */
int work_comment_delete(domain *d, int64_t comment_id);

/* Check links_text as work_submit does, and give the links as a JSON array
** text in d->a. DOM_OK or DOM_INVALID (field "links"). */
int work_links(domain *d, const char *links_text, const char **json);

#endif
