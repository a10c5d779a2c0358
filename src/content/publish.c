/*
** publish.c: load, validate, render and store the course folder
** (see publish.h).
*/
#include "publish.h"

#include <jansson.h>
#include <string.h>

#include "arena.h"
#include "course.h"
#include "date.h"
#include "md.h"
#include "store_accounts.h"
#include "store_content.h"
#include "text.h"

/* Trusted Markdown as HTML in the arena; NULL (with err) if it fails. */
static const char *html(arena *a, const char *md, const char *where, buf *err)
{
    if (!md)
        md = "";
    buf out = BUF_INIT;
    const char *s = NULL;
    if (md_render_trusted(&out, md, strlen(md)) == 0 && !buf_failed(&out))
        s = arena_strndup(a, buf_str(&out), out.len);
    else
        buf_printf(err, "%s: the Markdown could not be rendered\n", where);
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

/* Store the items of one section; keys are slugs of the titles, made unique
** within the section so a renamed item becomes a new one. */
static int put_items(db *d, arena *a, int64_t course_id, const char *section, const item *items, int n,
                     const char *where, publish_report *rep, buf *err)
{
    for (int i = 0; i < n; i++) {
        const item *it = &items[i];
        const char *key = text_slug(a, it->title, 60);
        for (int j = 0; j < i; j++)
            if (!strcmp(text_slug(a, items[j].title, 60), key)) {
                buf_printf(err, "%s:%d: another item in this file has the same title; titles must differ\n",
                           where, it->line);
                return -1;
            }
        pub_item p = {section, key, i + 1, it->minutes, it->title, it->kind, it->link, it->source, it->submit,
                      html(a, it->body_md, where, err)};
        if (!p.body_html || store_put_item(d, course_id, &p, err) != 0)
            return -1;
        rep->items++;
    }
    return 0;
}

/* Store one course with its panel and items. 0 or -1. */
static int put_course(db *d, arena *a, const course *c, publish_report *rep, buf *err)
{
    json_t *outcomes = json_array();
    for (int i = 0; i < c->n_outcomes; i++)
        json_array_append_new(outcomes, json_string(c->outcomes[i]));
    char *oj = json_dumps(outcomes, JSON_COMPACT);
    json_decref(outcomes);
    const char *where = arena_printf(a, "courses/%s", c->dir);
    pub_course p = {
        .slug = c->slug, .title = c->title, .tagline = c->tagline, .summary = c->summary,
        .position = c->position, .hours_min = c->hours_min, .hours_max = c->hours_max,
        .overview_html = html(a, c->overview_md, where, err), .outcomes_json = arena_strdup(a, oj),
        .panel_title = c->panel_title, .panel_video = c->panel_video,
        .panel_summary_html = html(a, c->panel_summary_md, where, err),
        .transcript_html = html(a, c->transcript_md, where, err), .panel_minutes = c->panel_minutes,
        .playlist_intro_html = html(a, c->playlist_intro_md, where, err),
        .discussions_intro_html = html(a, c->discussions_intro_md, where, err),
        .activities_intro_html = html(a, c->activities_intro_md, where, err),
    };
    free(oj);
    if (!p.overview_html || !p.panel_summary_html || !p.transcript_html || !p.playlist_intro_html ||
        !p.discussions_intro_html || !p.activities_intro_html)
        return -1;
    int64_t id = store_put_course(d, &p, err);
    if (id < 0)
        return -1;
    const char **names = arena_alloc(a, sizeof *names * (size_t)(c->n_panelists + 1));
    const char **roles = arena_alloc(a, sizeof *roles * (size_t)(c->n_panelists + 1));
    for (int i = 0; i < c->n_panelists; i++) {
        names[i] = c->panelists[i].name;
        roles[i] = c->panelists[i].role;
    }
    if (store_put_panelists(d, id, names, roles, c->n_panelists, err) != 0)
        return -1;
    rep->courses++;
    return put_items(d, a, id, "playlist", c->playlist, c->n_playlist, arena_printf(a, "%s/playlist.md", where), rep, err) ||
           put_items(d, a, id, "prompt", c->prompts, c->n_prompts, arena_printf(a, "%s/discussions.md", where), rep, err) ||
           put_items(d, a, id, "activity", c->activities, c->n_activities, arena_printf(a, "%s/activities.md", where), rep, err)
               ? -1 : 0;
}

/* Everything inside the publishing transaction. 0 or -1. */
static int store_all(db *d, arena *a, const series *s, publish_report *rep, buf *err)
{
    const char *intro = html(a, s->intro_md, "courses/series.md", err);
    if (!intro || store_put_series(d, s->title, s->tagline, s->organisation, s->partner, s->community_url,
                                   s->contact_email, intro, err) != 0)
        return -1;
    for (int i = 0; i < s->n_courses; i++)
        if (put_course(d, a, &s->courses[i], rep, err) != 0)
            return -1;
    for (int i = 0; i < s->n_schools; i++) {
        const school_seed *sc = &s->schools[i];
        if (store_school_put(d, sc->name, sc->city, sc->country, sc->invoice) != 0 ||
            store_school_billing_put(d, sc->name, sc->billing_name, sc->billing_email) != 0) {
            buf_printf(err, "courses/schools.txt:%d: the school could not be saved: %s\n", sc->line, db_errmsg(d));
            return -1;
        }
    }
    for (int i = 0; i < s->n_offerings; i++) {
        const offering_seed *o = &s->offerings[i];
        pub_offering p = {
            .code = o->code, .course_slug = o->course_slug, .starts = iso(a, o->starts), .ends = iso(a, o->ends),
            .opens = o->opens == INT32_MIN ? NULL : iso(a, o->opens), .closes = iso(a, o->closes),
            .currency = o->currency, .coach = o->coach, .season = o->season, .price_cents = o->price_cents,
            .capacity = o->capacity, .demo = o->demo,
        };
        int rc = store_seed_offering(d, &p, err);
        if (rc < 0)
            return -1;
        if (rc)
            rep->offerings_added++;
        else
            rep->offerings_kept++;
    }
    return 0;
}

int publish_courses(db *d, const char *dir, int32_t today, int demo, publish_report *rep, buf *err)
{
    memset(rep, 0, sizeof *rep);
    arena *a = arena_new(0);
    series s;
    int rc = -1;
    if (course_load(a, dir, today, demo, &s, err) == 0 && store_publish_begin(d, err) == 0) {
        if (store_all(d, a, &s, rep, err) == 0 && store_publish_commit(d, err) == 0)
            rc = 0;
        else
            store_publish_abort(d);
    }
    arena_free(a);
    return rc;
}
