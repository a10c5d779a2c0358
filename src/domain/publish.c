/*
** publish.c: load, validate, render and store the course folder, adding
** the offerings and panel resources the database does not have yet and
** listing the file changes it leaves to the database (see publish.h).
*/
#include "publish.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "course.h"
#include "date.h"
#include "md.h"
#include "publog.h"
#include "store_accounts.h"
#include "store_content.h"
#include "store_enrol.h"
#include "store_panel.h"
#include "store_plan.h"
#include "tz.h"

/* The stored password of an account that has none yet. */
#define NO_PASSWORD "!"

/* What every step of one publish shares. */
typedef struct pub {
    db *d;
    arena *a;
    const publish_opts *o;
    const char *root;       /* how the folder appears in messages: "courses" */
    publish_report *rep;
    buf *notes, *err;
} pub;

/* Trusted Markdown as HTML in the arena; NULL (with err) if it fails. */
static const char *html(pub *P, const char *md, const char *where)
{
    if (!md)
        md = "";
    buf out = BUF_INIT;
    const char *s = NULL;
    if (md_render_trusted(&out, md, strlen(md)) == 0 && !buf_failed(&out))
        s = arena_strndup(P->a, buf_str(&out), out.len);
    else
        buf_printf(P->err, "%s: the Markdown could not be rendered\n", where);
    buf_free(&out);
    return s;
}

/* A day number as ISO text in the arena. */
static const char *iso(arena *a, int32_t day)
{
    buf b = BUF_INIT;
    date_iso(&b, day);
    const char *s = arena_strndup(a, buf_str(&b), b.len);
    buf_free(&b);
    return s;
}

/* Whether two optional strings differ (NULL equals NULL only). */
static int differ(const char *x, const char *y)
{
    return (x == NULL) != (y == NULL) || (x && strcmp(x, y));
}

/* The last component of dir, as the loader names files in its messages. */
static const char *shown_root(arena *a, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    const char *name = arena_strndup(a, dir + start, n - start);
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
        char *real = realpath(dir, NULL);
        const char *slash = real ? strrchr(real, '/') : NULL;
        name = arena_strdup(a, slash && slash[1] ? slash + 1 : "courses");
        free(real);
    }
    return name;
}

/* Note a file change left unapplied. */
static void not_applied(pub *P, const char *file, int line, const char *what, const char *field,
                        const char *in_file, const char *in_db)
{
    buf_printf(P->notes, "%s/%s:%d: %s exists; %s %s in the file, %s in the database: not applied\n", P->root,
               file, line, what, field, in_file ? in_file : "(none)", in_db ? in_db : "(none)");
    P->rep->not_applied++;
}

/* ---- courses and items ---------------------------------------------------- */

/* feedback: an activity's rubric (checked by the loader) as the JSON array
** of its levels, in P->a; NULL when it has none. */
static const char *rubric_json(pub *P, const char *rubric)
{
    const char *levels[COURSE_RUBRIC_MAX], *why;
    int n = rubric ? course_rubric_levels(P->a, rubric, levels, &why) : 0;
    if (n == 0)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_string(levels[i]));
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    const char *out = text ? arena_strdup(P->a, text) : NULL;
    free(text);
    return out;
}

/* Store the items of one section under their keys. 0 or -1. */
static int put_items(pub *P, int64_t course_id, const char *section, const item *items, int n, const char *where)
{
    for (int i = 0; i < n; i++) {
        const item *it = &items[i];
        pub_item p = {section, it->key, i + 1, it->minutes, it->title, it->kind, it->link, it->source, it->submit,
                      html(P, it->body_md, where), it->opens, it->due, rubric_json(P, it->rubric)};
        if (!p.body_html || store_put_item(P->d, course_id, &p, P->err) != 0)
            return -1;
        P->rep->items++;
    }
    return 0;
}

/* The panelists of c as two arena arrays. */
static void panelist_arrays(pub *P, const course *c, const char ***names, const char ***roles)
{
    *names = arena_alloc(P->a, sizeof **names * (size_t)(c->n_panelists + 1));
    *roles = arena_alloc(P->a, sizeof **roles * (size_t)(c->n_panelists + 1));
    for (int i = 0; i < c->n_panelists; i++) {
        (*names)[i] = c->panelists[i].name;
        (*roles)[i] = c->panelists[i].role;
    }
}

/* Compare the file's panel resources with the stored ones (st) and note
** what the database keeps. Returns whether the stored panelists stay. */
static int panel_kept(pub *P, const course *c, const pub_panel *st)
{
    const char *file = arena_printf(P->a, "%s/panel.md", c->dir);
    if (st->video) {
        if (differ(c->panel_video, st->video))
            not_applied(P, file, c->panel_video_line, arena_printf(P->a, "the panel recording of %s", c->slug),
                        "video", c->panel_video ? c->panel_video : "pending", st->video);
        if (c->panel_minutes != st->minutes)
            not_applied(P, file, c->panel_minutes_line, arena_printf(P->a, "the panel recording of %s", c->slug),
                        "minutes", arena_printf(P->a, "%d", c->panel_minutes),
                        arena_printf(P->a, "%d", st->minutes));
    }
    /* a summary or transcript written in the console stays (store_panel.h) */
    const char *summary_md = NULL, *transcript_md = NULL;
    if (store_panel_publish_text(P->d, P->a, c->slug, &summary_md, &transcript_md) == 1) {
        if (summary_md && differ(c->panel_summary_md, summary_md))
            not_applied(P, file, 1, arena_printf(P->a, "the panel summary of %s", c->slug), "summary",
                        "the file's text", "the text edited in the console");
        if (transcript_md && differ(c->transcript_md, transcript_md))
            not_applied(P, arena_printf(P->a, "%s/transcript.md", c->dir), 1,
                        arena_printf(P->a, "the panel transcript of %s", c->slug), "transcript", "the file's text",
                        "the text edited in the console");
    }
    if (st->n == 0)
        return 0;
    int same = st->n == c->n_panelists;
    for (int i = 0; same && i < st->n; i++)
        same = !strcmp(st->names[i], c->panelists[i].name) && !strcmp(st->roles[i], c->panelists[i].role);
    if (!same) {
        buf f = BUF_INIT, s = BUF_INIT;
        for (int i = 0; i < c->n_panelists; i++)
            buf_printf(&f, "%s%s", i ? "; " : "", c->panelists[i].name);
        for (int i = 0; i < st->n; i++)
            buf_printf(&s, "%s%s", i ? "; " : "", st->names[i]);
        not_applied(P, file, c->panelists_line ? c->panelists_line : 1,
                    arena_printf(P->a, "the panel of %s", c->slug), "panelists",
                    arena_strdup(P->a, buf_str(&f)), arena_strdup(P->a, buf_str(&s)));
        buf_free(&f);
        buf_free(&s);
    }
    return 1;
}

/* Store one course with its panel and items. 0 or -1. */
static int put_course(pub *P, const course *c)
{
    const char *where = arena_printf(P->a, "%s/%s", P->root, c->dir);
    pub_panel stored;
    int known = store_course_panel(P->d, P->a, c->slug, &stored, P->err);
    if (known < 0)
        return -1;
    int keep_panelists = known && panel_kept(P, c, &stored);

    json_t *outcomes = json_array();
    for (int i = 0; i < c->n_outcomes; i++)
        json_array_append_new(outcomes, json_string(c->outcomes[i]));
    char *oj = json_dumps(outcomes, JSON_COMPACT);
    json_decref(outcomes);
    if (!oj) {
        buf_printf(P->err, "%s/course.md: the outcomes could not be encoded\n", where);
        return -1;
    }
    pub_course p = {
        .slug = c->slug, .title = c->title, .tagline = c->tagline, .summary = c->summary,
        .position = c->position, .hours_min = c->hours_min, .hours_max = c->hours_max,
        .overview_html = html(P, c->overview_md, where), .outcomes_json = arena_strdup(P->a, oj),
        .panel_title = c->panel_title, .panel_video = c->panel_video,
        .panel_summary_html = html(P, c->panel_summary_md, where),
        .transcript_html = html(P, c->transcript_md, where), .panel_minutes = c->panel_minutes,
        .playlist_intro_html = html(P, c->playlist_intro_md, where),
        .discussions_intro_html = html(P, c->discussions_intro_md, where),
        .activities_intro_html = html(P, c->activities_intro_md, where),
        .captions = c->captions,
        .completion = c->completion,
    };
    free(oj);
    if (!p.overview_html || !p.panel_summary_html || !p.transcript_html || !p.playlist_intro_html ||
        !p.discussions_intro_html || !p.activities_intro_html)
        return -1;
    int64_t id = store_put_course(P->d, &p, P->err);
    if (id < 0)
        return -1;
    if (!keep_panelists) {
        const char **names, **roles;
        panelist_arrays(P, c, &names, &roles);
        if (store_put_panelists(P->d, id, names, roles, c->n_panelists, P->err) != 0)
            return -1;
    }
    pub_milestone *ms = arena_alloc(P->a, sizeof *ms * (size_t)(c->n_milestones + 1));
    for (int i = 0; i < c->n_milestones; i++)
        ms[i] = (pub_milestone){c->milestones[i].key, c->milestones[i].title, c->milestones[i].at};
    if (store_put_milestones(P->d, id, ms, c->n_milestones, P->err) != 0)
        return -1;
    P->rep->courses++;
    return put_items(P, id, "playlist", c->playlist, c->n_playlist, arena_printf(P->a, "%s/playlist.md", where)) ||
           put_items(P, id, "prompt", c->prompts, c->n_prompts, arena_printf(P->a, "%s/discussions.md", where)) ||
           put_items(P, id, "activity", c->activities, c->n_activities,
                     arena_printf(P->a, "%s/activities.md", where))
               ? -1 : 0;
}

/* Whether archive entry want ("KEY" or "SLUG/KEY") names item r. */
static int archive_matches(const char *want, const removed_item *r)
{
    const char *slash = strchr(want, '/');
    if (!slash)
        return !strcmp(want, r->key);
    return strlen(r->course_slug) == (size_t)(slash - want) && !strncmp(want, r->course_slug, (size_t)(slash - want)) &&
           !strcmp(slash + 1, r->key);
}

/* Refuse to drop items that participant data refers to, unless they are
** to be archived; archive those. Every archive entry must match. 0 or -1. */
static int check_removed_items(pub *P)
{
    removed_item *list;
    int n;
    if (store_items_removed_with_data(P->d, P->a, &list, &n, P->err) != 0)
        return -1;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const removed_item *r = &list[i];
        int archive = 0;
        for (int k = 0; k < P->o->n_archive && !archive; k++)
            archive = archive_matches(P->o->archive[k], r);
        if (!archive) {
            buf_printf(P->err,
                       "%s: the %s '%s' (key %s) of course %s is no longer in the files, but %lld row%s of "
                       "participant data (%s) refer to it; put its key back, or publish with "
                       "--archive %s/%s to retire it and keep the data\n",
                       P->root, r->section, r->title, r->key, r->course_slug, (long long)r->rows,
                       r->rows == 1 ? "" : "s", r->tables, r->course_slug, r->key);
            bad = 1;
            continue;
        }
        if (store_item_archive(P->d, r->id, P->err) != 0)
            return -1;
        buf_printf(P->notes, "archived the %s '%s' (%s/%s); its participant data is kept\n", r->section, r->title,
                   r->course_slug, r->key);
        P->rep->archived++;
    }
    for (int k = 0; k < P->o->n_archive; k++) {
        int used = 0;
        for (int i = 0; i < n && !used; i++)
            used = archive_matches(P->o->archive[k], &list[i]);
        if (!used) {
            buf_printf(P->err,
                       "--archive %s: no item with this key has left the files while holding participant "
                       "data; check the key (KEY or COURSE-SLUG/KEY)\n",
                       P->o->archive[k]);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* ---- offerings ------------------------------------------------------------------ */

/* A display name made from an e-mail's local part: "maya.okafor" gives
** "Maya Okafor". */
static const char *name_from_email(arena *a, const char *email)
{
    const char *at = strchr(email, '@');
    char *s = arena_strndup(a, email, at ? (size_t)(at - email) : strlen(email));
    int start = 1;
    for (char *p = s; *p; p++) {
        if (*p == '.' || *p == '_' || *p == '-' || *p == '+') {
            *p = ' ';
            start = 1;
        } else if (start && *p >= 'a' && *p <= 'z') {
            *p = (char)(*p - 'a' + 'A');
            start = 0;
        } else {
            start = 0;
        }
    }
    return s;
}

/* Link the account with e-mail o->coach to offering id as its coach,
** creating a coach account with no password when there is none, and
** making a participant account a coach. 0 or -1. */
static int link_coach(pub *P, const offering_seed *o, int64_t offering_id, int replace)
{
    user u;
    const char *pw = NULL;
    int64_t uid;
    int found = store_user_by_email(P->d, P->a, o->coach, &u, &pw);
    if (found < 0) {
        buf_printf(P->err, "%s/calendar.txt:%d: the account %s could not be read: %s\n", P->root, o->line, o->coach,
                   db_errmsg(P->d));
        return -1;
    }
    if (found) {
        uid = u.id;
        if (!strcmp(u.role, "participant")) {
            if (store_user_set_role(P->d, uid, "coach") != 0) {
                buf_printf(P->err, "%s/calendar.txt:%d: the account %s could not be made a coach: %s\n", P->root,
                           o->line, o->coach, db_errmsg(P->d));
                return -1;
            }
            buf_printf(P->notes, "%s/calendar.txt:%d: the account %s is now a coach\n", P->root, o->line, o->coach);
        }
    } else {
        /* NO_PASSWORD is no hash of anything: no password matches it until
        ** the coach chooses one through the reset flow. */
        uid = store_user_create(P->d, o->coach, name_from_email(P->a, o->coach), NO_PASSWORD, "coach", 0, NULL, NULL,
                                NULL, time(NULL));
        if (uid <= 0) {
            buf_printf(P->err, "%s/calendar.txt:%d: the coach account %s could not be created: %s\n", P->root,
                       o->line, o->coach, db_errmsg(P->d));
            return -1;
        }
        buf_printf(P->notes,
                   "%s/calendar.txt:%d: created a coach account for %s with no password; they choose one "
                   "through \"Forgot your password?\" on the sign-in page\n",
                   P->root, o->line, o->coach);
        P->rep->coaches_created++;
    }
    if (replace ? store_plan_file_coach(P->d, offering_id, uid, time(NULL)) != 0
                : store_offering_staff_add(P->d, offering_id, uid, "coach", P->err) != 0) {
        if (replace)
            buf_printf(P->err, "%s/calendar.txt:%d: the coach of offering %s could not be changed: %s\n", P->root,
                       o->line, o->code, db_errmsg(P->d));
        return -1;
    }
    P->rep->coaches_linked++;
    return 0;
}

/* List each field where the file's offering (f, from block o) and the
** stored one (st) differ, at the line of its key, to out, each line ending
** in verdict ("applied"); returns how many differ (the coach counts when
** the file names one and the stored one is another). */
static int offering_differences(pub *P, const offering_seed *o, const pub_offering *f, const pub_offering *st,
                                buf *out, const char *verdict)
{
    const char *what = arena_printf(P->a, "offering %s", f->code);
    struct {
        const char *field, *file, *dbv;
        int line;
    } cmp[] = {
        {"course", f->course_slug, st->course_slug, o->at.course},
        {"starts", f->starts, st->starts, o->at.starts},
        {"ends", f->ends, st->ends, o->at.ends},
        {"price", arena_printf(P->a, "%lld.%02lld", (long long)(f->price_cents / 100), (long long)(f->price_cents % 100)),
         arena_printf(P->a, "%lld.%02lld", (long long)(st->price_cents / 100), (long long)(st->price_cents % 100)),
         o->at.price},
        {"currency", f->currency, st->currency, o->at.currency},
        {"capacity", arena_printf(P->a, "%d", f->capacity), arena_printf(P->a, "%d", st->capacity), o->at.capacity},
        {"opens", f->opens, st->opens, o->at.opens},
        {"closes", f->closes, st->closes, o->at.closes},
        {"season", f->season, st->season, o->at.season},
        {"demo", f->demo ? "yes" : "no", st->demo ? "yes" : "no", o->at.demo},
        {"time_zone", f->time_zone, st->time_zone, o->at.time_zone},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof cmp / sizeof *cmp; i++)
        if (differ(cmp[i].file, cmp[i].dbv)) {
            buf_printf(out, "%s/calendar.txt:%d: %s: %s %s in the file, %s in the database: %s\n", P->root,
                       cmp[i].line, what, cmp[i].field, cmp[i].file ? cmp[i].file : "(none)",
                       cmp[i].dbv ? cmp[i].dbv : "(none)", verdict);
            n++;
        }
    if (f->coach && (!st->coach || strcasecmp(f->coach, st->coach))) {
        buf_printf(out, "%s/calendar.txt:%d: %s: coach %s in the file, %s in the database: %s\n", P->root,
                   o->at.coach, what, f->coach, st->coach ? st->coach : "(none)", verdict);
        n++;
    }
    return n;
}

/* A calendar.txt block for an offering that exists. The file
** owns it until staff edit it in the console: then its changes apply,
** except that a new course is refused (codes are never reused) and new
** dates or capacity are refused while people are registered (the console
** shows who is affected and tells them). Once the console owns it, a
** difference is refused, unless block (block_text of the file's fields)
** is the block as last published: then the console made the difference,
** and the block is left aside with a note. A refusal is an error at the
** line: nothing is published. A file offering that was withdrawn is
** published again. 0 or -1. */
static int file_changes(pub *P, const offering_seed *o, const pub_offering *f, const pub_offering *st, int64_t id,
                        const char *block)
{
    const char *owner = NULL, *last = NULL;
    int published = 1, live = 0;
    if (store_plan_owner(P->d, P->a, f->code, &owner, &published, &live, &last) != 1) {
        buf_printf(P->err, "%s/calendar.txt:%d: offering %s could not be read: %s\n", P->root, o->line, f->code,
                   db_errmsg(P->d));
        return -1;
    }
    int coach_changed = o->coach && (!st->coach || strcasecmp(o->coach, st->coach));
    const char *edit = arena_printf(P->a, "/staff/offerings/%s/edit", f->code);
    if (!strcmp(owner, "console")) {
        buf lines = BUF_INIT;
        int n = offering_differences(P, o, f, st, &lines, "refused");
        if (n > 0 && last && !strcmp(last, block)) {
            /* the console changed it, not the file */
            buf_printf(P->notes, "%s/calendar.txt:%d: offering %s is managed in the staff console; its block here, "
                                 "unchanged since it was last published, is left aside (the console's %s holds "
                                 "the offering as it is now)\n", P->root, o->line, f->code, edit);
            n = 0;
        } else if (n > 0)
            buf_printf(P->err, "%s/calendar.txt:%d: offering %s is managed in the staff console, so the file cannot "
                               "change it; change it at %s, or make the block agree with it or remove it:\n%s",
                       P->root, o->line, f->code, edit, buf_str(&lines));
        buf_free(&lines);
        return n > 0 ? -1 : 0;
    }
    buf lines = BUF_INIT;
    int changed = offering_differences(P, o, f, st, &lines, "applied");
    if (!changed && published) {
        buf_free(&lines);
        return 0;
    }
    int dates = strcmp(f->starts, st->starts) || strcmp(f->ends, st->ends);
    if (strcmp(f->course_slug, st->course_slug)) {
        buf_printf(P->err, "%s/calendar.txt:%d: offering %s is of course %s; a code is never reused for another "
                           "course: give the new offering a new code\n", P->root, o->at.course, f->code,
                   st->course_slug);
        buf_free(&lines);
        return -1;
    }
    if (live > 0 && (dates || f->capacity != st->capacity)) {
        buf_printf(P->err, "%s/calendar.txt:%d: offering %s has %d registration%s, so its %s cannot change from the "
                           "file: change it at %s, which shows who is affected and tells them\n", P->root,
                   dates ? o->at.starts : o->at.capacity, f->code, live, live == 1 ? "" : "s",
                   dates ? "dates" : "capacity", edit);
        buf_free(&lines);
        return -1;
    }
    plan_fields pf = {
        .code = f->code, .course_slug = f->course_slug, .starts = f->starts, .ends = f->ends, .opens = f->opens,
        .closes = f->closes, .currency = f->currency, .season = f->season, .time_zone = f->time_zone,
        .price_cents = f->price_cents, .capacity = f->capacity, .posting_closes_at = f->posting_closes_at,
    };
    if (store_plan_file_apply(P->d, &pf, f->demo, time(NULL)) != 1) {
        buf_printf(P->err, "%s/calendar.txt:%d: offering %s could not be updated: %s\n", P->root, o->line, f->code,
                   db_errmsg(P->d));
        buf_free(&lines);
        return -1;
    }
    buf_printf(P->notes, "%s", buf_str(&lines));
    buf_free(&lines);
    if (!published)
        buf_printf(P->notes, "%s/calendar.txt:%d: offering %s is back in the file: published again\n", P->root,
                   o->line, f->code);
    if (store_audit(P->d, 0, "offering.edited", arena_printf(P->a, "offering:%s", f->code),
                    published ? "from calendar.txt" : "from calendar.txt, published again", time(NULL)) != 0) {
        buf_printf(P->err, "%s/calendar.txt:%d: the change to offering %s could not be audited: %s\n", P->root,
                   o->line, f->code, db_errmsg(P->d));
        return -1;
    }
    P->rep->offerings_changed++;
    if (coach_changed) {
        if (link_coach(P, o, id, 1) != 0)
            return -1;
        buf_printf(P->notes, "%s/calendar.txt:%d: offering %s is now coached by %s\n", P->root, o->at.coach, f->code,
                   o->coach);
    }
    return 0;
}

/* Tell the visitors waiting for dates of the offering's course, when it
** is a real offering still ahead. 0 or -1. */
static int announce(pub *P, const offering_seed *o, int64_t offering_id)
{
    if (o->demo || o->starts <= P->o->today || !P->o->announce)
        return 0;
    date_request *list;
    int n;
    if (store_date_requests_waiting(P->d, P->a, o->course_slug, &list, &n, P->err) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (P->o->announce(P->o->announce_ctx, list[i].email, o->code) != 0) {
            buf_printf(P->err, "%s/calendar.txt:%d: the message to %s about offering %s could not be queued\n",
                       P->root, o->line, list[i].email, o->code);
            return -1;
        }
        if (store_date_request_sent(P->d, list[i].id, offering_id, time(NULL), P->err) != 0)
            return -1;
        P->rep->announced++;
    }
    return 0;
}

/* When posting closes in offering o: the end of its posting_closes day,
** or of the 14th day after its last day, in its zone. 0 with *out, or -1
** (err) when the zone cannot say. */
static int posting_closes_at(pub *P, const offering_seed *o, time_t *out)
{
    int32_t last = o->posting_closes ? o->posting_closes : o->ends + 14;
    if (tz_instant(o->time_zone, last + 1, 0, out) != 0) {
        buf_printf(P->err, "%s/calendar.txt:%d: the end of posting for offering %s could not be worked out in %s\n",
                   P->root, o->line, o->code, o->time_zone);
        return -1;
    }
    return 0;
}

/* An offering's block of the calendar file as one line of text, every
** field in a fixed order (what is recorded as it was last published, to
** tell a change in the file from a change in the console), in a. */
static const char *block_text(arena *a, const pub_offering *f)
{
    return arena_printf(a, "code=%s;course=%s;starts=%s;ends=%s;opens=%s;closes=%s;currency=%s;coach=%s;season=%s;"
                           "zone=%s;price=%lld;capacity=%d;demo=%d;posting_closes=%lld",
                        f->code, f->course_slug, f->starts, f->ends, f->opens ? f->opens : "", f->closes,
                        f->currency ? f->currency : "", f->coach ? f->coach : "", f->season ? f->season : "",
                        f->time_zone ? f->time_zone : "", (long long)f->price_cents, f->capacity, f->demo,
                        (long long)f->posting_closes_at);
}

/* Add one offering of the calendar, or compare it with the stored one. */
static int put_offering(pub *P, const offering_seed *o)
{
    time_t closes_at;
    if (posting_closes_at(P, o, &closes_at) != 0)
        return -1;
    pub_offering f = {
        .code = o->code, .course_slug = o->course_slug, .starts = iso(P->a, o->starts), .ends = iso(P->a, o->ends),
        .opens = o->opens == INT32_MIN ? NULL : iso(P->a, o->opens), .closes = iso(P->a, o->closes),
        .currency = o->currency, .coach = o->coach, .season = o->season, .price_cents = o->price_cents,
        .capacity = o->capacity, .demo = o->demo, .time_zone = o->time_zone, .posting_closes_at = closes_at,
    };
    pub_offering st;
    int exists = store_offering_seed_view(P->d, P->a, o->code, &st, P->err);
    if (exists < 0)
        return -1;
    int64_t id;
    int added = store_seed_offering(P->d, &f, &id, P->err);
    if (added < 0)
        return -1;
    const char *block = block_text(P->a, &f);
    if (added) {
        P->rep->offerings_added++;
        return (o->coach && link_coach(P, o, id, 0) != 0) || announce(P, o, id) != 0 ||
                       store_plan_file_block_set(P->d, o->code, block) != 0
                   ? -1
                   : 0;
    }
    P->rep->offerings_kept++;
    /* An offering from before offerings had zones holds the migration's
    ** 'UTC': the file's zone fills it in (and when posting closes there). */
    if (exists && st.time_zone && !strcmp(st.time_zone, "UTC") && strcmp(o->time_zone, "UTC")) {
        int filled = store_offering_zone_fill(P->d, o->code, o->time_zone, closes_at, P->err);
        if (filled < 0)
            return -1;
        if (filled) {
            buf_printf(P->notes, "%s/calendar.txt:%d: offering %s now runs in %s\n", P->root, o->at.time_zone,
                       o->code, o->time_zone);
            st.time_zone = o->time_zone;
        }
    }
    if (exists && file_changes(P, o, &f, &st, id, block) != 0)
        return -1;
    return store_plan_file_block_set(P->d, o->code, block) == 0 ? 0 : -1;
}

/* Withdraw the published offerings the file owns that are no
** longer in it (demo ones only when demo offerings are published), each
** audited; their registrations stay. 0 or -1. */
static int withdraw_unlisted(pub *P, const series *s)
{
    json_t *codes = json_array();
    for (int i = 0; i < s->n_offerings; i++)
        json_array_append_new(codes, json_string(s->offerings[i].code));
    char *text = json_dumps(codes, JSON_COMPACT);
    json_decref(codes);
    const char **gone;
    int64_t *ids;
    int n;
    int rc = text ? store_plan_unlisted(P->d, P->a, text, P->o->demo, &gone, &ids, &n) : -1;
    free(text);
    if (rc != 0) {
        buf_printf(P->err, "%s/calendar.txt: the offerings no longer in the file could not be listed: %s\n", P->root,
                   db_errmsg(P->d));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        time_t now = time(NULL);
        if (store_plan_set_published(P->d, ids[i], 0, now) < 0 ||
            store_audit(P->d, 0, "offering.unpublished", arena_printf(P->a, "offering:%s", gone[i]),
                        "no longer in calendar.txt", now) != 0) {
            buf_printf(P->err, "%s/calendar.txt: offering %s could not be withdrawn: %s\n", P->root, gone[i],
                       db_errmsg(P->d));
            return -1;
        }
        buf_printf(P->notes, "%s/calendar.txt: offering %s is no longer in the file: withdrawn from the calendar and "
                             "its feed (registrations stay)\n", P->root, gone[i]);
        P->rep->withdrawn++;
    }
    return 0;
}

/* Everything inside the publishing transaction. 0 or -1. */
static int store_all(pub *P, const series *s)
{
    const char *intro = html(P, s->intro_md, arena_printf(P->a, "%s/series.md", P->root));
    if (!intro || store_put_series(P->d, s->title, s->tagline, s->organisation, s->partner, s->community_url,
                                   s->contact_email, intro, P->err) != 0)
        return -1;
    for (int i = 0; i < s->n_courses; i++)
        if (put_course(P, &s->courses[i]) != 0)
            return -1;
    if (check_removed_items(P) != 0)
        return -1;
    for (int i = 0; i < s->n_schools; i++) {
        const school_seed *sc = &s->schools[i];
        if (store_school_put(P->d, sc->name, sc->city, sc->country, sc->invoice) != 0 ||
            store_school_billing_put(P->d, sc->name, sc->billing_name, sc->billing_email) != 0) {
            buf_printf(P->err, "%s/schools.txt:%d: the school could not be saved: %s\n", P->root, sc->line,
                       db_errmsg(P->d));
            return -1;
        }
    }
    int bad = 0;
    for (int i = 0; i < s->n_offerings; i++)
        if (put_offering(P, &s->offerings[i]) != 0)
            bad = 1;   /* every refused offering is reported, then nothing is published */
    return bad ? -1 : withdraw_unlisted(P, s);
}

int publish_courses(db *d, const publish_opts *o, publish_report *rep, buf *notes, buf *err)
{
    memset(rep, 0, sizeof *rep);
    arena *a = arena_new(0);
    pub P = {d, a, o, shown_root(a, o->dir), rep, notes, err};
    series s;
    int rc = -1;
    size_t notes_len = notes->len;
    /* The accessibility and panel checks, and the record of the run. */
    publog pl;
    if (course_load(a, o->dir, o->today, o->demo, &s, err) == 0 && publog_check(d, a, o->dir, P.root, &s, err) == 0 &&
        store_publish_begin(d, err) == 0) {
        if (publog_begin(d, a, &pl, err) == 0 && store_all(&P, &s) == 0 &&
            publog_record(d, a, &pl, o->by, rep, notes->data ? notes->data + notes_len : "", err) == 0 &&
            store_publish_commit(d, err) == 0) {
            rc = 0;
        } else {
            store_publish_abort(d);
            notes->len = notes_len;   /* nothing was created or archived */
            if (notes->data)
                notes->data[notes_len] = '\0';
        }
    }
    arena_free(a);
    return rc;
}
