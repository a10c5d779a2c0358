/*
** activities.c: the activities of a course workspace: the list, one
** activity with the person's versions and the form to hand in a new one
** (multipart, from the file nginx wrote), sharing a version with the cohort
** after a reminder, the cohort's gallery with its comments, and file
** downloads through the permission check (nginx sends the bytes after
** X-Accel-Redirect).
**
** Every route here is R_WORKSPACE, so rq->seat holds the person's seat in
** the offering named by the address. An object loaded by id (a submission,
** a file, a comment) must belong to that offering, and its offering is
** asked again through access_seat; a participant then sees their own
** versions and what classmates shared, coaches and staff everything in
** their offering. Anything else is a 404, so ids reveal nothing.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "date.h"
#include "files.h"
#include "multipart.h"
#include "pages.h"
#include "store_work.h"
#include "work.h"

enum { GALLERY_LIMIT = 500 };

/* The id in capture i, or 0 when it is not a number. */
static int64_t param_id(const request *rq, int i)
{
    char *end;
    long long v = strtoll(rq->param[i], &end, 10);
    return *end || v <= 0 ? 0 : (int64_t)v;
}

/* A domain context for rq's person. */
static domain dom(request *rq)
{
    app *ap = page_app(rq);
    return domain_make(ap->db, ap->cfg, ap->tmpl, rq->a, rq->session->u.id, time(NULL));
}

/* "1.2 MB", "340 KB", "12 bytes". */
static const char *size_label(arena *a, int64_t n)
{
    if (n >= 1000 * 1000)
        return arena_printf(a, "%.1f MB", (double)n / 1e6);
    if (n >= 1000)
        return arena_printf(a, "%lld KB", (long long)((n + 500) / 1000));
    return arena_printf(a, "%lld byte%s", (long long)n, n == 1 ? "" : "s");
}

/* Whether rq's seat may see submission s: its owner, the offering's coaches
** and staff, and classmates once it is shared. */
static int may_see(const request *rq, const submission_row *s)
{
    const seat *st = rq->seat;
    return s->user_id == rq->session->u.id || st->role == SEAT_COACH || st->role == SEAT_STAFF || s->shared_at > 0;
}

/* Load submission id (capture 1) for rq, checking that it belongs to the
** offering in the address and that the person may see it (write: may
** still post there). Returns 0 with *s filled, or a status with a message:
** 404 for anything the person may not see. */
static int load_submission(request *rq, int64_t id, int write, submission_row *s)
{
    int64_t here = rq->seat->row.offering_id;
    int rc = id ? store_submission_get(page_app(rq)->db, rq->a, id, s) : 0;
    if (rc < 0)
        return page_unavailable(rq);
    seat *st;
    int denied = rc == 1 && s->offering_id == here ? access_seat(rq, s->offering_id, NULL, write, &st) : 404;
    if (denied == 0 && may_see(rq, s))
        return 0;
    if (denied == 403 || denied == 503)
        return denied;   /* access_seat said why (posting has closed, or the store failed) */
    rq->message = "There is no work at this address that you can open. The activities page lists yours and "
                  "the gallery what your cohort shared.";
    return 404;
}

/* The activity submission s answers, into act. 0, 404 when the activity
** is no longer offered (archived), or 503. */
static int activity_of(request *rq, const submission_row *s, activity_row *act)
{
    int rc = store_activity(page_app(rq)->db, rq->a, s->offering_id, s->item_key, s->user_id, act);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This activity is no longer part of the course.";
        return 404;
    }
    return 0;
}

/* The activity's address in the workspace. */
static const char *activity_url(request *rq, const char *key)
{
    return arena_printf(rq->a, "/learn/%s/activities/%s", rq->seat->row.code, key);
}

/* An activity row as the templates read it (see templates/README.md). */
static json_t *activity_json(request *rq, const activity_row *r)
{
    const char *state = r->versions == 0 ? "Not started"
                        : r->shared ? arena_printf(rq->a, "Handed in (version %d), shared", r->versions)
                                    : arena_printf(rq->a, "Handed in (version %d)", r->versions);
    const char *url = activity_url(rq, r->key);
    return json_pack("{s:s, s:s, s:i, s:s, s:s?, s:s, s:s, s:s, s:s, s:i, s:b, s:b}", "key", r->key, "title",
                     r->title, "minutes", r->minutes, "submit", r->submit, "due", r->due, "url", url, "gallery_url",
                     arena_printf(rq->a, "%s/gallery", url), "submit_url", arena_printf(rq->a, "%s/submit", url),
                     "state_label", state, "versions", r->versions, "is_started", r->versions > 0, "is_shared",
                     r->shared > 0);
}

/* The files of submissions as a JSON array per submission: files[i] is the
** array for subs[i]. NULL on a failed read. */
static json_t **files_json(request *rq, const submission_row *subs, int n)
{
    int64_t *ids = arena_alloc(rq->a, (size_t)(n ? n : 1) * sizeof *ids);
    for (int i = 0; i < n; i++)
        ids[i] = subs[i].id;
    submission_file_row *f;
    int nf;
    if (store_submission_files(page_app(rq)->db, rq->a, ids, n, &f, &nf) != 0)
        return NULL;
    json_t **out = arena_alloc(rq->a, (size_t)(n ? n : 1) * sizeof *out);
    for (int i = 0; i < n; i++)
        out[i] = json_array();
    for (int k = 0; k < nf; k++)
        for (int i = 0; i < n; i++)
            if (subs[i].id == f[k].submission_id) {
                json_array_append_new(out[i], json_pack("{s:s, s:s, s:s, s:s}", "name", f[k].name, "size_label",
                                                        size_label(rq->a, f[k].size), "type", f[k].type, "url",
                                                        arena_printf(rq->a, "/learn/%s/files/%lld",
                                                                     rq->seat->row.code, (long long)f[k].id)));
                break;
            }
    return out;
}

/* A submission as the templates read it, with its files (consumed). */
static json_t *submission_json(request *rq, const submission_row *s, json_t *files)
{
    json_t *links = json_loads(s->links ? s->links : "[]", 0, NULL);
    if (!json_is_array(links)) {
        json_decref(links);
        links = json_array();
    }
    const char *base = arena_printf(rq->a, "/learn/%s/submissions/%lld", rq->seat->row.code, (long long)s->id);
    return json_pack("{s:I, s:i, s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:s, s:s, s:s, s:s, s:s?}", "id", (json_int_t)s->id,
                     "version", s->version, "author", s->author_name ? s->author_name : "", "created_label",
                     page_when_label(rq, s->created_at), "created_iso", page_when_iso(rq, s->created_at), "links", links,
                     "files", files ? files : json_array(), "is_shared", s->shared_at > 0, "is_mine",
                     s->user_id == rq->session->u.id, "share_url", arena_printf(rq->a, "%s/share", base),
                     "unshare_url", arena_printf(rq->a, "%s/unshare", base), "comment_url",
                     arena_printf(rq->a, "%s/comments", base), "anchor", arena_printf(rq->a, "submission-%lld",
                                                                                     (long long)s->id),
                     "body_html", s->body_html && *s->body_html ? s->body_html : NULL);
}

/* The upload limits, for the form's hints. */
static json_t *limits_json(request *rq)
{
    const config *c = page_app(rq)->cfg;
    return json_pack("{s:i, s:i, s:i, s:s}", "max_files", c->uploads_max_files, "max_file_mb", c->uploads_max_file_mb,
                     "max_submission_mb", c->uploads_max_submission_mb, "types_label", sniff_allowed_label());
}

int page_activities(request *rq, response *rs)
{
    activity_row *rows;
    int n;
    if (store_activities(page_app(rq)->db, rq->a, rq->seat->row.offering_id, rq->session->u.id, &rows, &n) != 0)
        return page_unavailable(rq);
    json_t *list = json_array();
    int64_t *item_ids = arena_alloc(rq->a, (size_t)(n ? n : 1) * sizeof *item_ids);
    for (int i = 0; i < n; i++) {
        json_array_append_new(list, activity_json(rq, &rows[i]));
        item_ids[i] = rows[i].id;
    }
    if (page_feedback_states(rq, item_ids, list) != 0)   /* feedback: where each latest version stands */
        return page_unavailable(rq);
    json_t *ctx = json_pack("{s:o, s:o}", "ws", page_ws(rq, "activities"), "activities", list);
    return page_render(rq, rs, "pages/activities", ctx, "Activities", NULL);
}

/* The activity page for key (capture 1), with form holding what was sent
** (body, links) and error (a message) after a refused hand-in; status is
** the answer's status (200, or 4xx with the form shown again). */
static int activity_page(request *rq, response *rs, int status, const char *body, const char *links,
                         const char *error, const char *field)
{
    db *d = page_app(rq)->db;
    activity_row act;
    int rc = store_activity(d, rq->a, rq->seat->row.offering_id, rq->param[1], rq->session->u.id, &act);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This course has no activity at this address. The activities page lists them all.";
        return 404;
    }
    submission_row *subs;
    int n;
    if (store_submissions_of(d, rq->a, rq->seat->row.offering_id, act.id, rq->session->u.id, &subs, &n) != 0)
        return page_unavailable(rq);
    json_t **files = files_json(rq, subs, n);
    if (!files)
        return page_unavailable(rq);
    json_t *versions = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(versions, submission_json(rq, &subs[i], files[i]));
    if (page_feedback_attach(rq, subs, n, versions) != 0)   /* feedback: the coaches' feedback on each version */
        return page_unavailable(rq);
    json_t *a = activity_json(rq, &act);
    json_object_set_new(a, "body_html", json_string(act.body_html ? act.body_html : ""));
    json_t *form = json_pack("{s:s, s:s, s:s?, s:b, s:b, s:b}", "body", body ? body : "", "links", links ? links : "",
                             "error", error, "error_body", field && !strcmp(field, "body"), "error_links",
                             field && !strcmp(field, "links"), "error_files", field && !strcmp(field, "files"));
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:b, s:o, s:o}", "ws", page_ws(rq, "activities"), "activity", a,
                            "versions", versions, "has_versions", n > 0, "form", form, "limits", limits_json(rq));
    rs->status = status;
    return page_render(rq, rs, "pages/activity", ctx, act.title, NULL);
}

int page_activity(request *rq, response *rs)
{
    return activity_page(rq, rs, 200, NULL, NULL, NULL, NULL);
}

int page_activity_submit(request *rq, response *rs)
{
    activity_row act;
    int rc = store_activity(page_app(rq)->db, rq->a, rq->seat->row.offering_id, rq->param[1], rq->session->u.id, &act);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This course has no activity at this address. The activities page lists them all.";
        return 404;
    }
    /* The file parts, in the order sent, under the field "files". */
    work_file *files = arena_alloc(rq->a, (rq->n_parts ? rq->n_parts : 1) * sizeof *files);
    size_t n = 0;
    for (size_t i = 0; i < rq->n_parts; i++) {
        const mp_part *p = &rq->parts[i];
        if (!p->filename || strcmp(p->name, "files"))
            continue;
        files[n].name = p->filename;
        files[n].data = (const unsigned char *)rq->body + p->off;
        files[n].len = p->len;
        n++;
    }
    const char *body = kv_get(&rq->form, "body"), *links = kv_get(&rq->form, "links");
    domain d = dom(rq);
    int version = 0;
    rc = work_submit(&d, rq->seat->row.offering_id, act.id, body, links, files, n, &version);
    if (rc == DOM_INVALID || rc == 413 || rc == DOM_CONFLICT) {
        const char *msg = rc == DOM_INVALID || rc == 413
                              ? arena_printf(rq->a, "%s%s", d.message, n ? " Choose your files again before sending." : "")
                              : d.message;
        return activity_page(rq, rs, rc == DOM_CONFLICT ? 409 : rc, body, links, msg, d.field);
    }
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "work-submitted");
    http_redirect(rs, 303, activity_url(rq, act.key));
    return 0;
}

int page_submission_share_confirm(request *rq, response *rs)
{
    submission_row s;
    int rc = load_submission(rq, param_id(rq, 1), 0, &s);
    if (rc)
        return rc;
    if (s.user_id != rq->session->u.id) {
        rq->message = "Only the person who handed in this work can share it.";
        return 403;
    }
    activity_row act;
    if ((rc = activity_of(rq, &s, &act)) != 0)
        return rc;
    json_t **files = files_json(rq, &s, 1);
    if (!files)
        return page_unavailable(rq);
    json_t *ctx = json_pack("{s:o, s:o, s:o}", "ws", page_ws(rq, "activities"), "activity", activity_json(rq, &act),
                            "submission", submission_json(rq, &s, files[0]));
    return page_render(rq, rs, "pages/activity_share", ctx, "Share your work", NULL);
}

/* Share (share = 1) or stop sharing the submission in capture 1. */
static int share(request *rq, response *rs, int on)
{
    submission_row s;
    int rc = load_submission(rq, param_id(rq, 1), 1, &s);
    if (rc)
        return rc;
    if (s.user_id != rq->session->u.id) {
        rq->message = "Only the person who handed in this work can share it or stop sharing it.";
        return 403;
    }
    domain d = dom(rq);
    rc = work_share(&d, s.id, on);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, on ? "work-shared" : "work-unshared");
    if (on)
        http_redirect(rs, 303, arena_printf(rq->a, "%s/gallery#submission-%lld", activity_url(rq, s.item_key),
                                            (long long)s.id));
    else
        http_redirect(rs, 303, activity_url(rq, s.item_key));
    return 0;
}

int page_submission_share(request *rq, response *rs)
{
    return share(rq, rs, 1);
}

int page_submission_unshare(request *rq, response *rs)
{
    return share(rq, rs, 0);
}

/* ---- the gallery, a page at a time, kept per worker ---- */

/* Shared works on one page of a gallery. */
enum { GALLERY_PAGE = 50 };

/* How long a kept gallery page stays good at most: a guard, since every
** change it shows moves its version (migration 13). */
enum { GALLERY_KEEP_SECONDS = 300 };

/* The gallery page asked for by ?page= (1 when absent) into *page: 0, or
** 400 with a message for anything but a whole number from 1 on. */
static int gallery_page_param(request *rq, int *page)
{
    const char *p = kv_get(&rq->query, "page");
    *page = 1;
    if (!p)
        return 0;
    int n = 0, ok = *p != '\0' && strlen(p) <= 6;
    for (const char *c = p; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        n = n * 10 + (*c - '0');
    }
    if (!ok || n < 1) {
        rq->message = "A gallery page is a whole number from 1 on; follow the page links under the gallery.";
        return 400;
    }
    *page = n;
    return 0;
}

/* What one gallery page is built from: the activity, the page (1-based)
** of total shared works, and a refused comment to show again under its
** submission (comment_for 0: none). */
typedef struct gallery_args {
    const activity_row *act;
    int page, total;
    int64_t comment_for;
    const char *comment_body, *comment_error;
} gallery_args;

/* The paging of a gallery page: which works are shown and links to the
** pages before and after (JSON null for none). */
static json_t *gallery_paging(request *rq, const char *url, int page, int total, int shown)
{
    int pages = total > 0 ? (total + GALLERY_PAGE - 1) / GALLERY_PAGE : 1;
    int first = (page - 1) * GALLERY_PAGE + 1;
    json_t *prev = page > 1 ? json_string(page == 2 ? url : arena_printf(rq->a, "%s?page=%d", url, page - 1))
                            : json_null();
    json_t *next = page < pages ? json_string(arena_printf(rq->a, "%s?page=%d", url, page + 1)) : json_null();
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:b, s:o, s:o}", "page", page, "pages", pages, "first", first,
                     "last", first + shown - 1, "total", total, "several", pages > 1, "prev_url", prev,
                     "next_url", next);
}

/* The view of one gallery page (a page_fragment_fn): the same for everyone
** in the offering who reads it in the same time zone and may or may not
** post; a comment's delete form sits in a section kept only for its author. */
static int gallery_view(request *rq, void *arg, json_t **ctx, time_t *expires)
{
    (void)expires;
    const gallery_args *g = arg;
    db *d = page_app(rq)->db;
    submission_row *subs;
    int n;
    if (store_gallery_page(d, rq->a, rq->seat->row.offering_id, g->act->id, GALLERY_PAGE, (g->page - 1) * GALLERY_PAGE,
                           &subs, &n) != 0)
        return page_unavailable(rq);
    json_t **files = files_json(rq, subs, n);
    int64_t *ids = arena_alloc(rq->a, (size_t)(n ? n : 1) * sizeof *ids);
    for (int i = 0; i < n; i++)
        ids[i] = subs[i].id;
    comment_row *cs;
    int nc;
    if (!files || store_comments_of(d, rq->a, ids, n, &cs, &nc) != 0)
        return page_unavailable(rq);
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *sub = submission_json(rq, &subs[i], files[i]);
        json_object_del(sub, "is_mine");   /* nothing of the asker in a kept page */
        json_t *comments = json_array();
        for (int k = 0; k < nc; k++) {
            if (cs[k].submission_id != subs[i].id)
                continue;
            json_array_append_new(comments, json_pack(
                "{s:I, s:s, s:s, s:s, s:s?, s:b, s:s, s:s}", "id", (json_int_t)cs[k].id, "author",
                cs[k].author_name ? cs[k].author_name : "", "created_label", page_when_label(rq, cs[k].created_at),
                "created_iso", page_when_iso(rq, cs[k].created_at), "body_html",
                cs[k].deleted_at ? NULL : cs[k].body_html, "is_deleted", cs[k].deleted_at > 0, "mine_html",
                page_slot_mine(rq, cs[k].author_id), "delete_url",
                arena_printf(rq->a, "/learn/%s/submission-comments/%lld/delete", rq->seat->row.code,
                             (long long)cs[k].id)));
        }
        json_object_set_new(sub, "comments", comments);
        json_object_set_new(sub, "has_comments", json_boolean(json_array_size(comments) > 0));
        if (g->comment_for == subs[i].id) {
            json_object_set_new(sub, "comment_body", json_string(g->comment_body ? g->comment_body : ""));
            json_object_set_new(sub, "comment_error", json_string(g->comment_error ? g->comment_error : ""));
        }
        json_array_append_new(items, sub);
    }
    const char *url = arena_printf(rq->a, "%s/gallery", activity_url(rq, g->act->key));
    *ctx = json_pack("{s:o, s:b, s:b, s:o}", "submissions", items, "has_submissions", n > 0, "can_post",
                     rq->seat->can_post, "paging", gallery_paging(rq, url, g->page, g->total, n));
    return *ctx ? 0 : page_unavailable(rq);
}

/* How many works activity_id's gallery holds in this offering, or -1.
** The count moves only with the gallery's version (migration 13's
** triggers), so the worker keeps it under that version: counting walked
** every shared work's index entry on each page. */
static int gallery_total(request *rq, int64_t activity_id, int64_t version)
{
    const char *key =
        arena_printf(rq->a, "gallery-count %lld %lld", (long long)rq->seat->row.offering_id, (long long)activity_id);
    int64_t v;
    if (page_kept_ints(key, (uint64_t)version, &v, 1))
        return (int)v;
    int total = store_gallery_count(page_app(rq)->db, rq->seat->row.offering_id, activity_id);
    if (total >= 0) {
        v = total;
        page_keep_ints(key, (uint64_t)version, time(NULL) + GALLERY_KEEP_SECONDS, &v, 1);
    }
    return total;
}

/* The gallery of activity key (capture 1), the page in ?page=;
** comment_error and comment_for show a refused comment again under its
** submission (that answer is built afresh, never kept). */
static int gallery_page(request *rq, response *rs, int status, int64_t comment_for, const char *comment_body,
                        const char *comment_error)
{
    db *d = page_app(rq)->db;
    int page;
    int rc = comment_for ? (page = 1, 0) : gallery_page_param(rq, &page);
    if (rc)
        return rc;
    /* The nav first: it notes the visit, a write, which must not run
    ** inside the read below. */
    json_t *ws = page_ws(rq, "activities");
    /* One read for the page: its statements see one state of the database. */
    int reading = db_begin_read(d) == 0;
    activity_row act;
    rc = store_activity(d, rq->a, rq->seat->row.offering_id, rq->param[1], rq->session->u.id, &act);
    int64_t version = 0;
    int total = 0;
    if (rc == 1 && (store_gallery_version(d, rq->seat->row.offering_id, act.id, &version) != 0 ||
                    (total = gallery_total(rq, act.id, version)) < 0))
        rc = -1;
    if (rc < 0) {
        rc = page_unavailable(rq);
        goto done;
    }
    if (rc == 0) {
        rq->message = "This course has no activity at this address. The activities page lists them all.";
        rc = 404;
        goto done;
    }
    /* A refused comment names its submission on the page it sits on. */
    if (comment_for) {
        submission_row *all;
        int n;
        if (store_gallery(d, rq->a, rq->seat->row.offering_id, act.id, GALLERY_LIMIT, &all, &n) != 0) {
            rc = page_unavailable(rq);
            goto done;
        }
        for (int i = 0; i < n; i++)
            if (all[i].id == comment_for)
                page = i / GALLERY_PAGE + 1;
    }
    int pages = total > 0 ? (total + GALLERY_PAGE - 1) / GALLERY_PAGE : 1;
    if (page > pages) {
        rq->message = arena_printf(rq->a, "This gallery has %d page%s; follow the page links under the gallery.", pages,
                                   pages > 1 ? "s" : "");
        rc = 404;
        goto done;
    }
    gallery_args g = {&act, page, total, comment_for, comment_body, comment_error};
    /* Kept per worker under the gallery's version, by page, the reader's
    ** time zone (the labels) and whether they may post (the forms). */
    const char *zone = rq->session->u.time_zone ? rq->session->u.time_zone : "";
    const char *key = comment_for ? NULL
                                  : arena_printf(rq->a, "gallery %lld %lld p%d c%d %zu:%s",
                                                 (long long)rq->seat->row.offering_id, (long long)act.id, page,
                                                 rq->seat->can_post != 0, strlen(zone), zone);
    const char *html;
    size_t len;
    rc = page_fragment_kept(rq, "partials/gallery_list", key, (uint64_t)version, time(NULL) + GALLERY_KEEP_SECONDS,
                            gallery_view, &g, 0, &html, &len);
    if (rc)
        goto done;
    json_t *ctx = json_pack("{s:o, s:o}", "ws", ws, "activity", activity_json(rq, &act));
    ws = NULL;
    /* our own rendering of valid UTF-8: not checked again (a fifth of the
    ** page's time went to checking it) */
    if (ctx)
        json_object_set_new(ctx, "gallery_html", json_stringn_nocheck(html, len));
    rs->status = status;
    rc = page_render(rq, rs, "pages/activity_gallery", ctx,
                     page > 1 ? arena_printf(rq->a, "Gallery: %s, page %d", act.title, page)
                              : arena_printf(rq->a, "Gallery: %s", act.title),
                     NULL);
done:
    json_decref(ws);
    if (reading)
        db_rollback(d);
    return rc;
}

int page_activity_gallery(request *rq, response *rs)
{
    return gallery_page(rq, rs, 200, 0, NULL, NULL);
}

int page_submission_comment(request *rq, response *rs)
{
    submission_row s;
    int rc = load_submission(rq, param_id(rq, 1), 1, &s);
    if (rc)
        return rc;
    if (!s.shared_at) {
        rq->message = "This work is not shared with the cohort, so it cannot take comments.";
        return 409;
    }
    const char *url = arena_printf(rq->a, "%s/gallery#submission-%lld", activity_url(rq, s.item_key), (long long)s.id);
    activity_row act;
    if ((rc = activity_of(rq, &s, &act)) != 0)
        return rc;
    const char *title = arena_printf(rq->a, "%s commented on your work for %s", rq->session->u.name, act.title);
    const char *body = kv_get(&rq->form, "body");
    domain d = dom(rq);
    int64_t id;
    rc = work_comment(&d, s.id, s.user_id, s.offering_id, title, url, body ? body : "", &id);
    if (rc == DOM_INVALID) {
        rq->param[1] = s.item_key;   /* the gallery of this submission's activity */
        return gallery_page(rq, rs, 422, s.id, body, d.message);
    }
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "comment-added");
    http_redirect(rs, 303, arena_printf(rq->a, "%s/gallery#submission-%lld", activity_url(rq, s.item_key),
                                        (long long)s.id));
    return 0;
}

int page_submission_comment_delete(request *rq, response *rs)
{
    int64_t id = param_id(rq, 1), offering = 0;
    comment_row c;
    int rc = id ? store_comment_get(page_app(rq)->db, rq->a, id, &c, &offering) : 0;
    if (rc < 0)
        return page_unavailable(rq);
    submission_row s;
    if (rc == 1 && c.author_id == rq->session->u.id) {
        rc = load_submission(rq, c.submission_id, 1, &s);
        if (rc == 403 || rc == 503)
            return rc;
        rc = rc == 0;
    } else {
        rc = 0;
    }
    if (!rc) {
        rq->message = "There is no comment of yours at this address.";
        return 404;
    }
    domain d = dom(rq);
    rc = work_comment_delete(&d, id);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "comment-deleted");
    http_redirect(rs, 303, arena_printf(rq->a, "%s/gallery#submission-%lld", activity_url(rq, s.item_key),
                                        (long long)s.id));
    return 0;
}

/* Append to b the file name for a Content-Disposition header: an ASCII
** fallback (filename="...": anything but letters, digits and ._-()
** becomes '_') and the exact name in RFC 5987 form (filename*=UTF-8''...). */
static void disposition(buf *b, const char *name)
{
    buf_puts(b, "attachment; filename=\"");
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++) {
        unsigned char c = *p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                   c == '_' || c == '-' || c == '(' || c == ')' || c == ' ';
        if (c >= 0x80) {
            while ((p[1] & 0xC0) == 0x80)
                p++;
        }
        buf_append(b, keep ? (const char *)&c : "_", 1);
    }
    if (!n)
        buf_puts(b, "file");
    buf_puts(b, "\"; filename*=UTF-8''");
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c)) {
            buf_append(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

int page_file_download(request *rq, response *rs)
{
    int64_t id = param_id(rq, 1);
    submission_file_row f;
    submission_row s;
    int rc = id ? store_file_get(page_app(rq)->db, rq->a, id, &f, &s) : 0;
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0 || load_submission(rq, s.id, 0, &s) != 0) {
        rq->message = "There is no file at this address that you can open.";
        return 404;
    }
    buf cd = BUF_INIT;
    disposition(&cd, f.name);
    http_header(rs, "Content-Disposition", buf_str(&cd));
    buf_free(&cd);
    http_header(rs, "X-Accel-Redirect", arena_printf(rq->a, "/protected/%s", files_relpath(rq->a, f.sha256)));
    rs->content_type = f.type;
    return 0;
}
