/*
** work.c: activity submissions, sharing and comments (see work.h).
*/
#include "work.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"
#include "log.h"
#include "md.h"
#include "store_work.h"
#include "text.h"

/* A result of a conditional change as a domain result. */
static int moved(domain *d, int rc, const char *message)
{
    if (rc < 0)
        return domain_store_failed(d);
    if (rc == 0)
        return domain_refuse(d, DOM_CONFLICT, NULL, message);
    return DOM_OK;
}

int work_check_files(domain *d, const work_file *files, size_t n, const sniff_type **types)
{
    const config *c = d->cfg;
    size_t per_file = (size_t)c->uploads_max_file_mb << 20, total = 0;
    if (n > (size_t)c->uploads_max_files)
        return domain_refuse(d, 413, "files", arena_printf(d->a, "A submission may hold at most %d files; this one "
                             "has %zu. Combine some of them, or leave some out.", c->uploads_max_files, n));
    for (size_t i = 0; i < n; i++) {
        const work_file *f = &files[i];
        if (f->len > per_file)
            return domain_refuse(d, 413, "files", arena_printf(d->a, "%s is larger than %d MB, the most one file may "
                                 "be. Make it smaller (export a PDF, reduce the images) and send it again.", f->name,
                                 c->uploads_max_file_mb));
        total += f->len;
    }
    if (total > (size_t)c->uploads_max_submission_mb << 20)
        return domain_refuse(d, 413, "files", arena_printf(d->a, "The files are larger than %d MB together, the "
                             "most one submission may hold. Leave some out or make them smaller.",
                             c->uploads_max_submission_mb));
    for (size_t i = 0; i < n; i++) {
        const work_file *f = &files[i];
        if (f->len == 0)
            return domain_refuse(d, DOM_INVALID, "files", arena_printf(d->a, "%s is empty. Choose the file again; "
                                 "it may not have been saved.", f->name));
        types[i] = sniff(f->data, f->len);
        if (!types[i])
            return domain_refuse(d, DOM_INVALID, "files", arena_printf(d->a, "%s is not a type of file we accept. "
                                 "We accept %s.", f->name, sniff_allowed_label()));
        if (!sniff_name_fits(types[i], f->name))
            return domain_refuse(d, DOM_INVALID, "files", arena_printf(d->a, "%s is not what its name says: its "
                                 "content is a %s. Rename it or choose the right file.", f->name, types[i]->label));
    }
    return DOM_OK;
}

/* Whether url is an http(s) link we keep: a scheme, a host, and no space,
** control character, quote, angle bracket, backslash or backtick. */
static int link_ok(const char *url, size_t n)
{
    size_t skip;
    if (n > 7 && !strncasecmp(url, "http://", 7))
        skip = 7;
    else if (n > 8 && !strncasecmp(url, "https://", 8))
        skip = 8;
    else
        return 0;
    if (url[skip] == '/' || url[skip] == '?' || url[skip] == '#' || url[skip] == '@')
        return 0;
    if (!text_utf8_valid(url, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f || strchr("\"'<>\\`{}|^", c))
            return 0;
    }
    return 1;
}

int work_links(domain *d, const char *links_text, const char **json)
{
    json_t *arr = json_array();
    const char *p = links_text ? links_text : "";
    int line = 0;
    while (*p) {
        size_t len = strcspn(p, "\r\n");
        line++;
        const char *s = p;
        size_t n = len;
        while (n && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n) {
            if (n > WORK_MAX_LINK || !link_ok(s, n)) {
                json_decref(arr);
                return domain_refuse(d, DOM_INVALID, "links", arena_printf(d->a, "Line %d of the links is not a web "
                                     "address we can link to. Put one address a line, each starting with http:// "
                                     "or https://.", line));
            }
            if (json_array_size(arr) >= WORK_MAX_LINKS) {
                json_decref(arr);
                return domain_refuse(d, DOM_INVALID, "links", arena_printf(d->a, "A submission may hold at most %d "
                                     "links.", WORK_MAX_LINKS));
            }
            json_array_append_new(arr, json_stringn(s, n));
        }
        p += len;
        while (*p == '\r' || *p == '\n')
            p++;
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (!text)
        return domain_refuse(d, DOM_ERROR, NULL, "The links could not be read.");
    *json = arena_strdup(d->a, text);
    free(text);
    return DOM_OK;
}

/* Render Markdown a person wrote, safely, into d->a. DOM_OK or an error. */
static int render(domain *d, const char *md, const char **html)
{
    buf out = BUF_INIT;
    if (md_render_untrusted(&out, md, strlen(md), 0) != 0) {
        buf_free(&out);
        return domain_refuse(d, DOM_INVALID, "body", "This text could not be read as Markdown. Shorten it and send "
                             "it again.");
    }
    *html = arena_strndup(d->a, buf_str(&out), out.len);
    buf_free(&out);
    return DOM_OK;
}

/* Whether s holds anything but white space. */
static int has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 1;
    return 0;
}

/* Remove the files created by this call that no blob row refers to. The
** check and the removal hold the write lock, and a hand-in that found a
** file already there looks again inside its own transaction (work_submit),
** so a file another hand-in is about to refer to is either still there or
** written again. Outside any transaction; a lock not had leaves the files
** (an orphan costs disk, never a missing file). */
static void forget_files(domain *d, char (*hex)[FILES_HEX_LEN + 1], const int *created, size_t n)
{
    size_t any = 0;
    for (size_t i = 0; i < n; i++)
        any += created[i] != 0;
    if (!any || db_begin_write(d->db) != 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (created[i] && store_blob_exists(d->db, hex[i]) == 0)
            files_remove(d->cfg->uploads_files, hex[i]);
    if (db_commit(d->db) != 0)
        db_rollback(d->db);
}

int work_submit(domain *d, int64_t offering_id, int64_t item_id, const char *body_md, const char *links_text,
                const work_file *files, size_t n, int *version)
{
    *version = 0;
    body_md = body_md ? body_md : "";
    if (strlen(body_md) > WORK_MAX_TEXT)
        return domain_refuse(d, DOM_INVALID, "body", arena_printf(d->a, "The text is longer than the %d characters "
                             "a submission may hold. Shorten it, or attach it as a file.", WORK_MAX_TEXT));
    const char *links = NULL;
    int rc = work_links(d, links_text, &links);
    if (rc != DOM_OK)
        return rc;
    if (!has_text(body_md) && !strcmp(links, "[]") && n == 0)
        return domain_refuse(d, DOM_INVALID, "body", "There is nothing to hand in yet: write some text, add a link "
                             "or choose a file.");
    const sniff_type **types = arena_zalloc(d->a, (n ? n : 1) * sizeof *types);
    if ((rc = work_check_files(d, files, n, types)) != DOM_OK)
        return rc;
    const char *html = "";
    if (has_text(body_md) && (rc = render(d, body_md, &html)) != DOM_OK)
        return rc;

    /* Keep the bytes first, outside the transaction (a disk write is slow);
    ** the rows that make them part of a submission come after. */
    char (*hex)[FILES_HEX_LEN + 1] = arena_alloc(d->a, (n ? n : 1) * sizeof *hex);
    int *created = arena_zalloc(d->a, (n ? n : 1) * sizeof *created);
    for (size_t i = 0; i < n; i++) {
        files_hash(files[i].data, files[i].len, hex[i]);
        if (files_put(d->cfg->uploads_files, hex[i], files[i].data, files[i].len, &created[i]) != 0) {
            forget_files(d, hex, created, i);
            return domain_refuse(d, DOM_UNAVAILABLE, "files", "Your files could not be saved just now, so nothing "
                                 "was handed in. Please try again in a few minutes.");
        }
    }
    if ((rc = domain_begin(d)) != DOM_OK) {
        forget_files(d, hex, created, n);
        return rc;
    }
    /* A file that was there already may have been removed meanwhile by a
    ** hand-in that failed (forget_files): under the lock, make sure. */
    for (size_t i = 0; i < n; i++) {
        int again = 0;
        if (!created[i] && files_put(d->cfg->uploads_files, hex[i], files[i].data, files[i].len, &again) != 0) {
            domain_end(d, DOM_UNAVAILABLE);
            forget_files(d, hex, created, n);
            return domain_refuse(d, DOM_UNAVAILABLE, "files", "Your files could not be saved just now, so nothing "
                                 "was handed in. Please try again in a few minutes.");
        }
        created[i] |= again;
    }
    int v = store_submission_next_version(d->db, offering_id, item_id, d->actor);
    int64_t id = v > 0 ? store_submission_insert(d->db, offering_id, item_id, d->actor, v, body_md, html, links, d->now)
                       : -1;
    if (id == DB_DUPLICATE)
        rc = domain_refuse(d, DOM_CONFLICT, NULL, "Another copy of this submission arrived at the same moment, so this "
                           "one was not kept. Check your versions below before sending it again.");
    else if (id < 0)
        rc = domain_store_failed(d);
    for (size_t i = 0; i < n && rc == DOM_OK; i++) {
        if (store_blob_add(d->db, hex[i], (int64_t)files[i].len, types[i]->mime, d->now) != 0 ||
            store_submission_file_add(d->db, id, (int)i + 1, files[i].name, types[i]->mime, (int64_t)files[i].len,
                                      hex[i]) < 0)
            rc = domain_store_failed(d);
    }
    rc = domain_end(d, rc);
    if (rc != DOM_OK) {
        forget_files(d, hex, created, n);
        return rc;
    }
    *version = v;
    return DOM_OK;
}

int work_share(domain *d, int64_t submission_id, int share)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    rc = moved(d, store_submission_share(d->db, submission_id, d->actor, share, d->now),
               share ? "This version is already shared with your cohort." : "This version is not shared any more.");
    return domain_end(d, rc);
}

int work_comment(domain *d, int64_t submission_id, int64_t owner_id, int64_t offering_id, const char *title,
                 const char *link, const char *body_md, int64_t *comment_id)
{
    *comment_id = 0;
    if (!has_text(body_md))
        return domain_refuse(d, DOM_INVALID, "body", "Write your comment first.");
    if (strlen(body_md) > WORK_MAX_COMMENT)
        return domain_refuse(d, DOM_INVALID, "body", arena_printf(d->a, "A comment may be at most %d characters. "
                             "Shorten it and send it again.", WORK_MAX_COMMENT));
    const char *html;
    int rc = render(d, body_md, &html);
    if (rc != DOM_OK)
        return rc;
    if ((rc = domain_begin(d)) != DOM_OK)
        return rc;
    int64_t id = store_comment_add(d->db, submission_id, d->actor, body_md, html, d->now);
    rc = moved(d, id < 0 ? -1 : id > 0, "This work is no longer shared, so it cannot take comments.");
    if (rc == DOM_OK && owner_id != d->actor &&
        store_notification_add(d->db, owner_id, offering_id, "comment", d->actor, title, link, d->now) < 0)
        rc = domain_store_failed(d);
    rc = domain_end(d, rc);
    if (rc == DOM_OK)
        *comment_id = id;
    return rc;
}

int work_comment_delete(domain *d, int64_t comment_id)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    rc = moved(d, store_comment_delete(d->db, comment_id, d->actor, d->now), "This comment is deleted already.");
    return domain_end(d, rc);
}
