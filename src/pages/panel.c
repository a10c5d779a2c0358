/*
** panel.c: panel resources in the staff console and the publish history
** (issue 10, items 3 and 4).
**
**   GET  /staff/courses                            every course's panel, and whether it can be shown
**   GET  /staff/courses/SLUG/panel                 one panel: recording, captions, panelists, handouts
**   POST /staff/courses/SLUG/panel/recording       the recording's URL and length
**   POST /staff/courses/SLUG/panel/captions        a WebVTT file (multipart, written to a file by nginx)
**   POST /staff/courses/SLUG/panel/captions/remove
**   GET  /staff/courses/SLUG/panel/captions.vtt    the kept captions, for staff to check
**   POST /staff/courses/SLUG/panel/panelists       add one; .../panelists/N/remove
**   POST /staff/courses/SLUG/panel/handouts        add a link; .../handouts/ID/remove
**   POST /staff/courses/SLUG/panel/summary         the summary, in Markdown
**   POST /staff/courses/SLUG/panel/transcript      the transcript, in Markdown (empty: none)
**   GET  /learn/CODE/panel/captions.vtt            the captions for the workspace's <track>
**   GET  /staff/publishes                          what is published, when, by whom, and each run's changes
**
** Every change is one conditional write of the panel's revision (the form
** carries the revision it was read at), then the change and its audit row,
** in one transaction: of two forms sent from the same page one wins and the
** other gets a 409.
*/
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "db.h"
#include "files.h"
#include "md.h"
#include "multipart.h"
#include "pages.h"
#include "store_enrol.h"
#include "store_panel.h"
#include "store_work.h"
#include "sniff.h"
#include "text.h"
#include "vtt.h"

/* Longest recording the form accepts, in minutes. */
#define PANEL_MAX_MINUTES 600
/* Longest summary and transcript the console keeps, in bytes of Markdown
** (the transcript stays under the form's body limit, [server] max_body). */
#define PANEL_MAX_SUMMARY 4000
#define PANEL_MAX_TRANSCRIPT 60000
/* Publish runs the history shows, and changes listed under each. */
#define PUBLISH_RUNS 30
#define PUBLISH_CHANGES 200

/* s as a JSON string, or JSON null when NULL. */
static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The trimmed value of form field name, in rq's arena ("" when absent). */
static const char *field(request *rq, const char *name)
{
    const char *v = kv_get(&rq->form, name);
    if (!v)
        return "";
    while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    return arena_strndup(rq->a, v, n);
}

/* Whether s is a plain line of text of 1 to max bytes: valid UTF-8 with no
** control characters. */
static int plain_line(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !text_utf8_valid(s, n))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

/* Whether s is an https:// URL a page may link to: a host, at most 2000
** bytes, no spaces, quotes, angle brackets, backslashes or controls. */
static int https_url(const char *s)
{
    size_t n = strlen(s);
    if (n <= 8 || n > 2000 || strncmp(s, "https://", 8) || s[8] == '/' || s[8] == '.')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F || strchr("\"'<>\\`{}|^", *p))
            return 0;
    return 1;
}

/* Whether url names a video file a <video> element can play itself. */
static int video_file(const char *url)
{
    size_t n = strcspn(url, "?#");
    static const char *const ext[] = {".mp4", ".m4v", ".webm", ".ogv"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && !strncmp(url + n - k, ext[i], k))
            return 1;
    }
    return 0;
}

/* The revision the form was read at, into *rev: 0, or 400 with a message. */
static int form_rev(request *rq, int64_t *rev)
{
    const char *v = kv_get(&rq->form, "rev");
    char *end;
    long long r = v && *v ? strtoll(v, &end, 10) : -1;
    if (!v || !*v || *end || r < 0) {
        rq->message = "This form is missing the panel's revision. Open the panel page again and repeat your change.";
        return 400;
    }
    *rev = r;
    return 0;
}

/* Load the course of the route's first capture into *pc: 0, 404 or 503. */
static int load(request *rq, panel_course_row *pc)
{
    int rc = store_panel_course(page_app(rq)->db, rq->a, rq->param[0], pc);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "There is no course with this address. Choose one from the list of panels.";
        return 404;
    }
    return 0;
}

/* Whether the panel may be shown to participants, and if not, why. */
static const char *shown_reason(const panel_course_row *pc)
{
    if (pc->has_captions || pc->has_transcript)
        return NULL;
    return "Participants do not see the recording until it has captions or a transcript.";
}

/* The notice after a change, from the fixed list (nothing sent becomes one). */
static const char *done_notice(request *rq)
{
    static const struct { const char *code, *text; } notices[] = {
        {"recording", "The recording is saved."},
        {"captions", "The captions are checked and kept."},
        {"captions-removed", "The captions are removed."},
        {"panelist", "The panelist is added."},
        {"panelist-removed", "The panelist is removed."},
        {"handout", "The handout is added."},
        {"handout-removed", "The handout is removed."},
        {"summary", "The summary is saved."},
        {"transcript", "The transcript is saved."},
        {"transcript-removed", "The transcript is removed."},
    };
    const char *d = kv_get(&rq->query, "done");
    for (size_t i = 0; d && i < sizeof notices / sizeof *notices; i++)
        if (!strcmp(d, notices[i].code))
            return notices[i].text;
    return NULL;
}

/* Render the panel page of pc with errors (consumed; an object) and the
** values the form was sent with (consumed; an object). */
static int panel_page(request *rq, response *rs, const panel_course_row *pc, json_t *errors, json_t *values)
{
    db *d = page_app(rq)->db;
    panel_person_row *people;
    panel_handout_row *hs;
    int np, nh;
    if (store_panel_people(d, rq->a, pc->id, &people, &np) != 0 ||
        store_panel_handouts(d, rq->a, pc->id, &hs, &nh) != 0) {
        json_decref(errors);
        json_decref(values);
        return page_unavailable(rq);
    }
    json_t *pl = json_array(), *hl = json_array();
    for (int i = 0; i < np; i++)
        json_array_append_new(pl, json_pack("{s:i, s:s, s:s, s:o}", "position", people[i].position, "name",
                                            people[i].name, "role", people[i].role, "school", jstr(people[i].school)));
    for (int i = 0; i < nh; i++)
        json_array_append_new(hl, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)hs[i].id, "title", hs[i].title,
                                            "url", hs[i].url ? hs[i].url
                                                             : arena_printf(rq->a, "/staff/courses/%s/panel/handouts/%lld",
                                                                            pc->slug, (long long)hs[i].id),
                                            "filename", jstr(hs[i].filename)));
    json_t *captions = json_null();
    if (pc->has_captions)
        captions = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:o}", "filename", pc->captions_file, "label",
                             pc->captions_label, "lang", pc->captions_lang, "cues", pc->captions_cues, "when",
                             page_when_label(rq, pc->captions_at), "when_iso", page_when_iso(rq, pc->captions_at),
                             "by", jstr(pc->captions_by));
    const char *why = shown_reason(pc);
    /* a form not sent shows what is kept, or the usual choices */
    if (!json_object_get(values, "video"))
        json_object_set_new(values, "video", json_string(pc->video ? pc->video : ""));
    if (!json_object_get(values, "minutes"))
        json_object_set_new(values, "minutes", json_string(arena_printf(rq->a, "%d", pc->minutes)));
    if (!json_object_get(values, "summary"))
        json_object_set_new(values, "summary", json_string(pc->summary_md ? pc->summary_md : ""));
    if (!json_object_get(values, "transcript"))
        json_object_set_new(values, "transcript", json_string(pc->transcript_md ? pc->transcript_md : ""));
    if (!json_object_get(values, "label"))
        json_object_set_new(values, "label", json_string(pc->captions_label ? pc->captions_label : "English"));
    if (!json_object_get(values, "lang"))
        json_object_set_new(values, "lang", json_string(pc->captions_lang ? pc->captions_lang : "en"));
    int has = json_object_size(errors) > 0;
    if (has)
        rs->status = 422;
    json_t *ctx = json_pack(
        "{s:s, s:s, s:s, s:o, s:i, s:I, s:s, s:s, s:b, s:o, s:b, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:s, s:b, s:b}",
        "slug", pc->slug, "title", pc->title, "panel_title", pc->panel_title, "video", jstr(pc->video), "minutes",
        pc->minutes, "rev", (json_int_t)pc->rev, "summary_html", pc->summary_html, "transcript_html",
        pc->transcript_html, "has_transcript", pc->has_transcript, "captions", captions, "shown", why == NULL,
        "why_hidden", jstr(why), "panelists", pl, "handouts", hl, "has_errors", has, "errors", errors, "values",
        values, "notice", jstr(done_notice(rq)), "csrf", rq->csrf ? rq->csrf : "", "summary_console",
        pc->summary_md != NULL, "transcript_console", pc->transcript_md != NULL);
    return page_render(rq, rs, "pages/staff_panel", ctx, arena_printf(rq->a, "Panel: %s", pc->title), NULL);
}

/* Open the write transaction and move the panel's revision from the form's.
** 0 (the transaction open), or an error status with a message (nothing open). */
static int begin_change(request *rq, const panel_course_row *pc)
{
    int64_t rev;
    int rc = form_rev(rq, &rev);
    if (rc)
        return rc;
    db *d = page_app(rq)->db;
    if (db_begin_write(d) != 0)
        return page_unavailable(rq);
    int moved = store_panel_bump(d, pc->id, rev);
    if (moved == 1)
        return 0;
    db_rollback(d);
    if (moved < 0)
        return page_unavailable(rq);
    rq->message = "Someone changed this panel after you opened the page, so your change was not saved. Open the "
                  "panel page again to see what it holds now, then repeat your change if it is still needed.";
    return 409;
}

/* Audit the change, commit and send the browser back to the panel page
** with the notice code. 0, or 503 (rolled back). */
static int finish(request *rq, response *rs, const panel_course_row *pc, int write_rc, const char *action,
                  const char *detail, const char *notice)
{
    db *d = page_app(rq)->db;
    time_t now = time(NULL);
    if (write_rc < 0 || store_audit(d, rq->session->u.id, action, arena_printf(rq->a, "course:%s", pc->slug), detail,
                                    now) != 0 || db_commit(d) != 0) {
        db_rollback(d);
        return page_unavailable(rq);
    }
    http_redirect(rs, 303, arena_printf(rq->a, "/staff/courses/%s/panel?done=%s", pc->slug, notice));
    return 0;
}

/* ---- the list and the page ------------------------------------------------- */

int page_staff_panels(request *rq, response *rs)
{
    panel_list_row *list;
    int n;
    if (store_panel_list(page_app(rq)->db, rq->a, &list, &n) != 0)
        return page_unavailable(rq);
    json_t *courses = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(courses, json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:i, s:i}", "slug", list[i].slug,
                                                 "title", list[i].title, "has_video", list[i].video != NULL,
                                                 "has_captions", list[i].has_captions, "has_transcript",
                                                 list[i].has_transcript, "shown",
                                                 list[i].has_captions || list[i].has_transcript, "panelists",
                                                 list[i].panelists, "handouts", list[i].handouts));
    return page_render(rq, rs, "pages/staff_panels", json_pack("{s:o}", "courses", courses), "Panels", NULL);
}

int page_staff_panel(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    return rc ? rc : panel_page(rq, rs, &pc, json_object(), json_object());
}

/* ---- the recording --------------------------------------------------------- */

int page_staff_panel_recording(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    const char *video = field(rq, "video"), *mins = field(rq, "minutes");
    json_t *errors = json_object();
    if (*video && !https_url(video))
        json_object_set_new(errors, "video", json_string("Enter the recording's address starting with https://, "
                                                         "or leave it empty while the recording is pending."));
    char *end;
    long minutes = strtol(mins, &end, 10);
    if (!*mins || *end || minutes < 1 || minutes > PANEL_MAX_MINUTES)
        json_object_set_new(errors, "minutes", json_string("Enter the recording's length as whole minutes, from 1 "
                                                           "to 600."));
    if (json_object_size(errors))
        return panel_page(rq, rs, &pc, errors, json_pack("{s:s, s:s}", "video", video, "minutes", mins));
    json_decref(errors);
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_set_recording(page_app(rq)->db, pc.id, *video ? video : NULL, (int)minutes);
    return finish(rq, rs, &pc, w, "panel.recording",
                  arena_printf(rq->a, "%s, %ld minutes", *video ? video : "pending", minutes), "recording");
}

/* ---- summary and transcript ----------------------------------------------- */

/* The field's Markdown as sent, with line ends made \n and trailing blank
** space dropped, in rq's arena ("" when absent). */
static const char *markdown_field(request *rq, const char *name)
{
    const char *v = kv_get(&rq->form, name);
    if (!v)
        return "";
    size_t n = strlen(v);
    char *out = arena_alloc(rq->a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++)
        if (v[i] != '\r' || v[i + 1] != '\n')
            *o++ = v[i] == '\r' ? '\n' : v[i];
    while (o > out && (o[-1] == ' ' || o[-1] == '\t' || o[-1] == '\n'))
        o--;
    *o = '\0';
    return out;
}

/* Whether md is text a page may keep: valid UTF-8, no control characters
** but tab and newline. */
static int markdown_text(const char *md)
{
    if (!text_utf8_valid(md, strlen(md)))
        return 0;
    for (const unsigned char *p = (const unsigned char *)md; *p; p++)
        if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F)
            return 0;
    return 1;
}

/* Save the summary (transcript non-zero: the transcript) sent in the form:
** checked, rendered once through the safe Markdown module, then one
** conditional write of the panel's revision, the text and its audit row. */
static int save_text(request *rq, response *rs, int transcript)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    const char *name = transcript ? "transcript" : "summary";
    const char *md = markdown_field(rq, name);
    size_t max = transcript ? PANEL_MAX_TRANSCRIPT : PANEL_MAX_SUMMARY;
    const char *why = NULL;
    if (!transcript && !*md)
        why = "Write the summary: a few sentences on what the panel discusses.";
    else if (strlen(md) > max)
        why = arena_printf(rq->a, "The %s is %zu characters long; shorten it to at most %zu.", name, strlen(md), max);
    else if (!markdown_text(md))
        why = arena_printf(rq->a, "The %s holds characters a page cannot show (control characters or broken "
                                  "UTF-8). Paste it again as plain text.", name);
    buf html = BUF_INIT;
    if (!why && md_render_untrusted(&html, md, strlen(md), 0) != 0)
        why = arena_printf(rq->a, "The %s could not be read as Markdown. Check it and send it again.", name);
    if (why) {
        buf_free(&html);
        return panel_page(rq, rs, &pc, json_pack("{s:s}", name, why), json_pack("{s:s}", name, md));
    }
    const char *out = arena_strdup(rq->a, buf_str(&html));
    buf_free(&html);
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_set_text(page_app(rq)->db, pc.id, transcript, md, out);
    return finish(rq, rs, &pc, w, transcript ? "panel.transcript" : "panel.summary",
                  arena_printf(rq->a, "%zu characters", strlen(md)),
                  transcript && !*md ? "transcript-removed" : name);
}

int page_staff_panel_summary(request *rq, response *rs)
{
    return save_text(rq, rs, 0);
}

int page_staff_panel_transcript(request *rq, response *rs)
{
    return save_text(rq, rs, 1);
}

/* ---- captions -------------------------------------------------------------- */

/* Whether s is a language tag a <track srclang> takes: two or three
** letters, then up to three subtags of letters and digits. */
static int lang_tag(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
    if (n < 2 || n > 3)
        return 0;
    for (int sub = 0; s[n] == '-'; sub++) {
        size_t k = strspn(s + n + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
        if (sub >= 3 || k < 1 || k > 8)
            return 0;
        n += 1 + k;
    }
    return s[n] == '\0';
}

int page_staff_panel_captions(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    const char *label = field(rq, "label"), *lang = field(rq, "lang");
    const mp_part *file = NULL;
    for (size_t i = 0; i < rq->n_parts; i++)
        if (rq->parts[i].filename && !strcmp(rq->parts[i].name, "captions"))
            file = file ? file : &rq->parts[i];
    json_t *errors = json_object();
    vtt_info info = {0};
    if (!file || file->len == 0)
        json_object_set_new(errors, "captions", json_string("Choose the captions file (WebVTT, ending in .vtt)."));
    else if (vtt_check(rq->body + file->off, file->len, &info) != 0)
        json_object_set_new(errors, "captions",
                            json_string(info.line ? arena_printf(rq->a, "%s, line %d: %s.", file->filename, info.line,
                                                                 info.why)
                                                  : arena_printf(rq->a, "%s: %s.", file->filename, info.why)));
    if (!plain_line(label, 60))
        json_object_set_new(errors, "label", json_string("Name the captions for the player's menu, such as English "
                                                         "(up to 60 characters)."));
    if (!lang_tag(lang))
        json_object_set_new(errors, "lang", json_string("Enter the captions' language as a tag such as en, fr or "
                                                        "pt-BR."));
    if (json_object_size(errors))
        return panel_page(rq, rs, &pc, errors, json_pack("{s:s, s:s}", "label", label, "lang", lang));
    json_decref(errors);
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_put_captions(page_app(rq)->db, pc.id, rq->body + file->off, file->len, file->filename, label,
                                     lang, info.cues, rq->session->u.id, time(NULL));
    return finish(rq, rs, &pc, w, "panel.captions",
                  arena_printf(rq->a, "%s: %d cues, %s (%s)", file->filename, info.cues, label, lang), "captions");
}

int page_staff_panel_captions_remove(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_delete_captions(page_app(rq)->db, pc.id);
    if (w == 0) {
        db_rollback(page_app(rq)->db);
        rq->message = "This panel has no captions to remove.";
        return 409;
    }
    return finish(rq, rs, &pc, w, "panel.captions_removed", pc.captions_file, "captions-removed");
}

/* Answer with the WebVTT text of course slug, or 404 when it has none. */
static int serve_vtt(request *rq, response *rs, const char *slug)
{
    const char *vtt;
    size_t n;
    int rc = store_panel_captions(page_app(rq)->db, rq->a, slug, &vtt, &n);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This panel has no captions yet.";
        return 404;
    }
    rs->content_type = "text/vtt; charset=utf-8";
    http_header(rs, "X-Content-Type-Options", "nosniff");
    buf_append(&rs->body, vtt, n);
    return 0;
}

int page_staff_panel_vtt(request *rq, response *rs)
{
    return serve_vtt(rq, rs, rq->param[0]);
}

int page_learn_panel_vtt(request *rq, response *rs)
{
    /* the dispatcher found the seat (R_WORKSPACE); the captions are its course's */
    return serve_vtt(rq, rs, rq->seat->row.course_slug);
}

/* ---- panelists and handouts ------------------------------------------------ */

int page_staff_panel_panelist(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    const char *name = field(rq, "name"), *role = field(rq, "role"), *school = field(rq, "school");
    json_t *errors = json_object();
    if (!plain_line(name, 120))
        json_object_set_new(errors, "name", json_string("Enter the panelist's name (up to 120 characters)."));
    if (!plain_line(role, 160))
        json_object_set_new(errors, "role", json_string("Enter the panelist's role, such as Head of School (up to "
                                                        "160 characters)."));
    if (*school && !plain_line(school, 160))
        json_object_set_new(errors, "school", json_string("Enter the school on one line (up to 160 characters), or "
                                                          "leave it empty."));
    if (json_object_size(errors))
        return panel_page(rq, rs, &pc, errors,
                          json_pack("{s:s, s:s, s:s}", "name", name, "role", role, "school", school));
    json_decref(errors);
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_add_person(page_app(rq)->db, pc.id, name, role, *school ? school : NULL);
    return finish(rq, rs, &pc, w, "panel.panelist_added", name, "panelist");
}

int page_staff_panel_panelist_remove(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_delete_person(page_app(rq)->db, pc.id, atoi(rq->param[1]));
    if (w == 0) {
        db_rollback(page_app(rq)->db);
        rq->message = "That panelist is not on this panel any more. Open the panel page again.";
        return 404;
    }
    return finish(rq, rs, &pc, w, "panel.panelist_removed", arena_printf(rq->a, "position %s", rq->param[1]),
                  "panelist-removed");
}

int page_staff_panel_handout(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    const config *cfg = page_app(rq)->cfg;
    const char *title = field(rq, "title"), *url = field(rq, "url");
    const mp_part *file = NULL;
    for (size_t i = 0; i < rq->n_parts; i++)
        if (rq->parts[i].filename && !strcmp(rq->parts[i].name, "file") && rq->parts[i].len)
            file = file ? file : &rq->parts[i];
    json_t *errors = json_object();
    if (!plain_line(title, 160))
        json_object_set_new(errors, "title", json_string("Give the handout a title (up to 160 characters)."));
    const sniff_type *type = NULL;
    if (file && *url)
        json_object_set_new(errors, "url", json_string("Give either a link or a file, not both."));
    else if (!file && !https_url(url))
        json_object_set_new(errors, "url", json_string("Enter the handout's address starting with https://, or "
                                                       "choose a file."));
    else if (file && (!(type = sniff((const unsigned char *)rq->body + file->off, file->len)) ||
                      !sniff_name_fits(type, file->filename)))
        json_object_set_new(errors, "file", json_string(arena_printf(rq->a, "%s is not a file type handouts may be "
                                                                     "(%s), or its name does not match what it "
                                                                     "holds.", file->filename,
                                                                     sniff_allowed_label())));
    if (json_object_size(errors))
        return panel_page(rq, rs, &pc, errors, json_pack("{s:s, s:s}", "title", title, "url", url));
    json_decref(errors);
    db *d = page_app(rq)->db;
    if (!file) {
        if ((rc = begin_change(rq, &pc)))
            return rc;
        int64_t id = store_panel_add_handout(d, pc.id, title, url, rq->session->u.id, time(NULL));
        return finish(rq, rs, &pc, id < 0 ? -1 : 0, "panel.handout_added", arena_printf(rq->a, "%s <%s>", title, url),
                      "handout");
    }
    /* the bytes first, outside the transaction; under the lock, make sure
    ** they are still there (a sweep may have removed an orphan meanwhile) */
    const char *bytes = rq->body + file->off;
    char hex[FILES_HEX_LEN + 1];
    files_hash(bytes, file->len, hex);
    int created = 0, again = 0;
    if (files_put(cfg->uploads_files, hex, bytes, file->len, &created) != 0)
        return page_unavailable(rq);
    if ((rc = begin_change(rq, &pc))) {
        if (created)
            files_remove(cfg->uploads_files, hex);
        return rc;
    }
    time_t now = time(NULL);
    int64_t id = -1;
    if (files_put(cfg->uploads_files, hex, bytes, file->len, &again) == 0 &&
        store_blob_add(d, hex, (int64_t)file->len, type->mime, now) == 0)
        id = store_panel_add_handout_file(d, pc.id, title, hex, file->filename, type->mime, (int64_t)file->len,
                                          rq->session->u.id, now);
    rc = finish(rq, rs, &pc, id < 0 ? -1 : 0, "panel.handout_added",
                arena_printf(rq->a, "%s (%s, %zu bytes)", title, file->filename, file->len), "handout");
    if (rc && (created || again))
        files_remove(cfg->uploads_files, hex);
    return rc;
}

/* A Content-Disposition value for an attachment named name, in a: an ASCII
** fallback (anything but letters, digits, space and ._-() becomes '_') and
** the exact name in RFC 5987 form. */
static const char *attachment(arena *a, const char *name)
{
    buf b = BUF_INIT;
    buf_puts(&b, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        unsigned char c = *p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._-() ", c);
        if (c >= 0x80)
            while ((p[1] & 0xC0) == 0x80)
                p++;
        buf_putc(&b, keep ? c : '_');
    }
    buf_puts(&b, "\"; filename*=UTF-8''");
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p))
            buf_putc(&b, *p);
        else
            buf_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    const char *out = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return out;
}

/* Send handout id of course slug when it is a kept file: X-Accel-Redirect
** to the protected files, as an attachment with its checked type. 0, 404 or 503. */
static int serve_handout(request *rq, response *rs, const char *slug, const char *id_text)
{
    panel_handout_row h;
    int rc = store_panel_handout(page_app(rq)->db, rq->a, slug, strtoll(id_text, NULL, 10), &h);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0 || !h.sha256) {
        rq->message = "There is no handout file at this address.";
        return 404;
    }
    http_header(rs, "Content-Disposition", attachment(rq->a, h.filename));
    http_header(rs, "X-Accel-Redirect", arena_printf(rq->a, "/protected/%s", files_relpath(rq->a, h.sha256)));
    rs->content_type = h.type;
    return 0;
}

int page_staff_panel_handout_file(request *rq, response *rs)
{
    return serve_handout(rq, rs, rq->param[0], rq->param[1]);
}

int page_learn_panel_handout(request *rq, response *rs)
{
    /* the dispatcher found the seat (R_WORKSPACE); the handout must be its course's */
    return serve_handout(rq, rs, rq->seat->row.course_slug, rq->param[1]);
}

int page_staff_panel_handout_remove(request *rq, response *rs)
{
    panel_course_row pc;
    int rc = load(rq, &pc);
    if (rc)
        return rc;
    if ((rc = begin_change(rq, &pc)))
        return rc;
    int w = store_panel_delete_handout(page_app(rq)->db, pc.id, strtoll(rq->param[1], NULL, 10));
    if (w == 0) {
        db_rollback(page_app(rq)->db);
        rq->message = "That handout is not on this panel any more. Open the panel page again.";
        return 404;
    }
    return finish(rq, rs, &pc, w, "panel.handout_removed", arena_printf(rq->a, "handout %s", rq->param[1]),
                  "handout-removed");
}

/* ---- the workspace's panel page -------------------------------------------- */

json_t *page_panel_resources(request *rq, const char *slug, const char *code, const char *video)
{
    db *d = page_app(rq)->db;
    panel_course_row pc;
    panel_handout_row *hs;
    int nh;
    if (store_panel_course(d, rq->a, slug, &pc) != 1 || store_panel_handouts(d, rq->a, pc.id, &hs, &nh) != 0)
        return NULL;
    json_t *hl = json_array();
    for (int i = 0; i < nh; i++)
        json_array_append_new(hl, json_pack("{s:s, s:s, s:o}", "title", hs[i].title, "url",
                                            hs[i].url ? hs[i].url
                                                      : arena_printf(rq->a, "/learn/%s/panel/handouts/%lld", code,
                                                                     (long long)hs[i].id),
                                            "filename", jstr(hs[i].filename)));
    json_t *captions = json_null();
    if (pc.has_captions)
        captions = json_pack("{s:s, s:s, s:s}", "src", arena_printf(rq->a, "/learn/%s/panel/captions.vtt", code),
                             "label", pc.captions_label, "lang", pc.captions_lang);
    return json_pack("{s:b, s:b, s:o, s:o}", "shown", shown_reason(&pc) == NULL, "video_file",
                     video && video_file(video), "captions", captions, "handouts", hl);
}

/* ---- the publish history --------------------------------------------------- */

int page_staff_publishes(request *rq, response *rs)
{
    publish_run_row *runs;
    int n;
    if (store_publish_runs(page_app(rq)->db, rq->a, PUBLISH_RUNS, PUBLISH_CHANGES, &runs, &n) != 0)
        return page_unavailable(rq);
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        json_t *changes = json_array();
        for (int k = 0; k < runs[i].n_changes; k++)
            json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "change", runs[i].changes[k].change, "what",
                                                     runs[i].changes[k].what, "title", runs[i].changes[k].title));
        int total = runs[i].added + runs[i].changed + runs[i].archived;
        json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:b, s:s}",
                                              "id", (json_int_t)runs[i].id, "when", page_when_label(rq, runs[i].at),
                                              "when_iso", page_when_iso(rq, runs[i].at), "by", runs[i].by, "courses",
                                              runs[i].courses, "items", runs[i].items, "added", runs[i].added,
                                              "changed", runs[i].changed, "archived", runs[i].archived, "changes",
                                              changes, "more", total > runs[i].n_changes, "notes", runs[i].notes));
    }
    json_t *latest = n ? json_incref(json_array_get(list, 0)) : json_null();
    return page_render(rq, rs, "pages/staff_publishes", json_pack("{s:o, s:o}", "runs", list, "latest", latest),
                       "Publishes", NULL);
}
