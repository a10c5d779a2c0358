/*
** feedback.c: a submission with all its versions and the feedback on each
** (/learn/CODE/submissions/ID), the coach's feedback form and its POST (a
** Markdown text, a level on the activity's rubric when it has one, and a
** decision: complete, or revise and resubmit), and the feedback shown on
** the participant's own activity page.
**
** Feedback is private: the participant who handed the work in, the
** offering's coaches and staff see it; classmates do not, even when the
** work is shared (the gallery shows the work, never its feedback). The
** routes are R_WORKSPACE, so rq->seat is the person's seat in the offering
** named by the address; a submission of another offering is a 404, and
** only those access_allows(ACCESS_FACILITATE) answers for may give
** feedback.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "feedback.h"
#include "pages.h"
#include "store_feedback.h"
#include "store_work.h"

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

/* The address of submission id in rq's workspace, in rq's arena. */
static const char *submission_url(request *rq, int64_t id)
{
    return arena_printf(rq->a, "/learn/%s/submissions/%lld", rq->seat->row.code, (long long)id);
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

/* What a state reads as. */
static const char *state_label(const char *state)
{
    if (state && !strcmp(state, "complete"))
        return "Complete";
    if (state && !strcmp(state, "revise"))
        return "Revise and resubmit";
    return "Waiting for feedback";
}

/* Load submission capture 1 for rq: it must belong to the offering in the
** address, and rq's person must be its owner or facilitate the offering
** (staff, or its coach). Returns 0 with *s filled, 503, or 404 with a
** message for anything else, so ids reveal nothing. */
static int load(request *rq, submission_row *s)
{
    int64_t id = param_id(rq, 1);
    int rc = id ? store_submission_get(page_app(rq)->db, rq->a, id, s) : 0;
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 1 && s->offering_id == rq->seat->row.offering_id &&
        (access_allows(rq, ACCESS_OWN, s->user_id) || access_allows(rq, ACCESS_FACILITATE, s->offering_id)))
        return 0;
    rq->message = "There is no work at this address that you can open. The activities page lists yours.";
    return 404;
}

/* Add each version's feedback and state to its JSON (see pages.h): two
** reads for all versions at once, strings in rq's arena. 0, or -1 when the
** store failed. */
int page_feedback_attach(request *rq, const submission_row *subs, int n, json_t *versions)
{
    int64_t *ids = arena_alloc(rq->a, (size_t)(n ? n : 1) * sizeof *ids);
    for (int i = 0; i < n; i++)
        ids[i] = subs[i].id;
    db *d = page_app(rq)->db;
    feedback_row *fb;
    submission_state_row *states;
    int nf, ns;
    if (store_feedback_of(d, rq->a, ids, n, &fb, &nf) != 0 || store_submission_states(d, rq->a, ids, n, &states, &ns))
        return -1;
    for (int i = 0; i < n; i++) {
        json_t *v = json_array_get(versions, (size_t)i);
        if (!v)
            break;
        const char *state = "waiting";
        int count = 0;
        for (int k = 0; k < ns; k++)
            if (states[k].submission_id == subs[i].id) {
                state = states[k].state;
                count = states[k].feedback_count;
            }
        json_t *list = json_array();
        for (int k = 0; k < nf; k++) {
            if (fb[k].submission_id != subs[i].id)
                continue;
            int complete = fb[k].decision && !strcmp(fb[k].decision, "complete");
            json_array_append_new(list, json_pack(
                "{s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:b, s:s}", "id", (json_int_t)fb[k].id, "coach",
                fb[k].coach_name ? fb[k].coach_name : "", "created_label", page_when_label(rq, fb[k].created_at),
                "created_iso", page_when_iso(rq, fb[k].created_at), "body_html", fb[k].body_html ? fb[k].body_html : "",
                "level", fb[k].level, "decision_label", complete ? "Complete" : "Revise and resubmit", "is_complete",
                complete, "anchor", arena_printf(rq->a, "feedback-%lld", (long long)fb[k].id)));
        }
        json_object_set_new(v, "feedback", list);
        json_object_set_new(v, "has_feedback", json_boolean(count > 0));
        json_object_set_new(v, "feedback_count", json_integer(count));
        json_object_set_new(v, "state", json_string(state));
        json_object_set_new(v, "state_label", json_string(state_label(state)));
        json_object_set_new(v, "is_complete", json_boolean(!strcmp(state, "complete")));
        json_object_set_new(v, "is_revise", json_boolean(!strcmp(state, "revise")));
        json_object_set_new(v, "review_url", json_string(submission_url(rq, subs[i].id)));
    }
    return 0;
}

/* The latest version's state on each activity of the list (see pages.h). */
int page_feedback_states(request *rq, const int64_t *item_ids, json_t *list)
{
    latest_state_row *st;
    int n;
    if (store_latest_states(page_app(rq)->db, rq->a, rq->seat->row.offering_id, rq->session->u.id, &st, &n) != 0)
        return -1;
    for (size_t i = 0; i < json_array_size(list); i++)
        for (int k = 0; k < n; k++)
            if (st[k].item_id == item_ids[i]) {
                json_t *a = json_array_get(list, i);
                json_object_set_new(a, "feedback_label", json_string(state_label(st[k].state)));
                json_object_set_new(a, "is_complete", json_boolean(st[k].state && !strcmp(st[k].state, "complete")));
                json_object_set_new(a, "is_revise", json_boolean(st[k].state && !strcmp(st[k].state, "revise")));
            }
    return 0;
}

/* The files of the versions as one JSON array per version (files[i] for
** subs[i]); NULL on a failed read. */
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
                json_array_append_new(out[i], json_pack("{s:s, s:s, s:s}", "name", f[k].name, "size_label",
                                                        size_label(rq->a, f[k].size), "url",
                                                        arena_printf(rq->a, "/learn/%s/files/%lld",
                                                                     rq->seat->row.code, (long long)f[k].id)));
                break;
            }
    return out;
}

/* What the coach sent back after a refusal, to show again. */
typedef struct sent {
    const char *body, *level, *decision, *error, *field;
} sent;

/* The submission page for s: every version of the owner's work on the
** activity, newest first, each with its files and feedback; for those who
** facilitate the offering, the feedback form on version s. status is the
** answer's (200, or 4xx with what was sent shown again). */
static int submission_page(request *rq, response *rs, const submission_row *s, int status, const sent *form)
{
    db *d = page_app(rq)->db;
    activity_row act;
    int rc = store_activity(d, rq->a, s->offering_id, s->item_key, s->user_id, &act);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This activity is no longer part of the course.";
        return 404;
    }
    const char *rubric;
    submission_row *subs;
    int n;
    if (store_item_rubric(d, rq->a, s->item_id, &rubric) < 0 ||
        store_submissions_of(d, rq->a, s->offering_id, s->item_id, s->user_id, &subs, &n) != 0)
        return page_unavailable(rq);
    json_t **files = files_json(rq, subs, n);
    if (!files)
        return page_unavailable(rq);
    int coach = access_allows(rq, ACCESS_FACILITATE, s->offering_id);
    int mine = s->user_id == rq->session->u.id;
    json_t *versions = json_array();
    for (int i = 0; i < n; i++) {
        json_t *links = json_loads(subs[i].links ? subs[i].links : "[]", 0, NULL);
        if (!json_is_array(links)) {
            json_decref(links);
            links = json_array();
        }
        json_array_append_new(versions, json_pack(
            "{s:I, s:i, s:s, s:s, s:s?, s:o, s:o, s:b, s:b, s:s, s:s}", "id", (json_int_t)subs[i].id, "version",
            subs[i].version, "created_label", page_when_label(rq, subs[i].created_at), "created_iso",
            page_when_iso(rq, subs[i].created_at), "body_html",
            subs[i].body_html && *subs[i].body_html ? subs[i].body_html : NULL, "links", links, "files", files[i],
            "is_shared", subs[i].shared_at > 0, "is_current", subs[i].id == s->id, "anchor",
            arena_printf(rq->a, "version-%d", subs[i].version), "feedback_url",
            arena_printf(rq->a, "%s/feedback", submission_url(rq, subs[i].id))));
    }
    if (page_feedback_attach(rq, subs, n, versions) != 0)
        return page_unavailable(rq);
    json_int_t seen = 0;
    for (int i = 0; i < n; i++)
        if (subs[i].id == s->id)
            seen = json_integer_value(json_object_get(json_array_get(versions, (size_t)i), "feedback_count"));
    domain dd = dom(rq);
    const char **levels;
    int nl = feedback_rubric_levels(&dd, rubric, &levels);
    const char *chosen = form && form->level ? form->level : "";
    json_t *lv = json_array();
    for (int i = 0; i < nl; i++)
        json_array_append_new(lv, json_pack("{s:s, s:s, s:b}", "name", levels[i], "id",
                                            arena_printf(rq->a, "level-%d", i + 1), "checked",
                                            !strcmp(levels[i], chosen)));
    const char *decision = form && form->decision ? form->decision : "";
    const char *field = form && form->field ? form->field : "";
    json_t *f = json_pack("{s:s, s:s?, s:b, s:b, s:b, s:b, s:b, s:s}", "body", form && form->body ? form->body : "",
                          "error", form ? form->error : NULL, "error_body", !strcmp(field, "body"), "error_level",
                          !strcmp(field, "level"), "error_decision", !strcmp(field, "decision"), "complete_checked",
                          !strcmp(decision, "complete"), "revise_checked", !strcmp(decision, "revise"), "error_anchor",
                          *field ? field : "feedback-body");
    if (!strcmp(field, "body"))
        json_object_set_new(f, "error_anchor", json_string("feedback-body"));
    else if (!strcmp(field, "level"))
        json_object_set_new(f, "error_anchor", json_string("level-1"));
    else if (!strcmp(field, "decision"))
        json_object_set_new(f, "error_anchor", json_string("decision-complete"));
    json_t *ctx = json_pack(
        "{s:o, s:{s:s, s:s, s:s}, s:s, s:b, s:b, s:b, s:o, s:b, s:o, s:I, s:i, s:I, s:s}", "ws",
        page_ws(rq, "activities"),
        "activity", "title", act.title, "url", arena_printf(rq->a, "/learn/%s/activities/%s", rq->seat->row.code,
                                                           act.key), "submit", act.submit ? act.submit : "",
        "participant", s->author_name ? s->author_name : "", "is_mine", mine, "can_give", coach, "has_versions",
        n > 0, "versions", versions, "has_rubric", nl > 0, "levels", lv, "current_id", (json_int_t)s->id,
        "current_version", s->version, "seen", seen, "feedback_url",
        arena_printf(rq->a, "%s/feedback", submission_url(rq, s->id)));
    json_object_set_new(ctx, "form", f);
    rs->status = status;
    return page_render(rq, rs, "pages/submission", ctx,
                       mine ? arena_printf(rq->a, "Your work: %s", act.title)
                            : arena_printf(rq->a, "%s: %s", s->author_name ? s->author_name : "Work", act.title),
                       NULL);
}

/* GET /learn/CODE/submissions/ID: the submission's page for its owner, the
** offering's coaches and staff; 404 for anyone else. */
int page_submission_view(request *rq, response *rs)
{
    submission_row s;
    int rc = load(rq, &s);
    if (rc)
        return rc;
    return submission_page(rq, rs, &s, 200, NULL);
}

/* POST /learn/CODE/submissions/ID/feedback: a coach's or staff member's
** feedback on that version. 303 to it on success; the page again with the
** text kept on 422 (bad input) or 409 (other feedback came first); 403 for
** the owner, 404 for anyone who may not see the work. */
int page_submission_feedback(request *rq, response *rs)
{
    submission_row s;
    int rc = load(rq, &s);
    if (rc)
        return rc;
    if (!access_allows(rq, ACCESS_FACILITATE, s.offering_id)) {
        rq->message = "Only this offering's coaches and staff can give feedback on work.";
        return 403;
    }
    db *d = page_app(rq)->db;
    const char *rubric;
    activity_row act;
    if (store_item_rubric(d, rq->a, s.item_id, &rubric) < 0 ||
        (rc = store_activity(d, rq->a, s.offering_id, s.item_key, s.user_id, &act)) < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This activity is no longer part of the course.";
        return 404;
    }
    const char *seen_text = kv_get(&rq->form, "seen");
    char *end = NULL;
    long seen = seen_text ? strtol(seen_text, &end, 10) : -1;
    sent form = {kv_get(&rq->form, "body"), kv_get(&rq->form, "level"), kv_get(&rq->form, "decision"), NULL, NULL};
    if (!seen_text || *end || seen < 0 || seen > 100000) {
        rq->message = "This form is missing what it needs to check for other coaches' feedback. Open the work's "
                      "page again and send your feedback from there.";
        return 400;
    }
    feedback_input in = {
        .submission_id = s.id,
        .owner_id = s.user_id,
        .offering_id = s.offering_id,
        .seen = (int)seen,
        .body_md = form.body,
        .level = form.level,
        .decision = form.decision,
        .rubric = rubric,
        .link = submission_url(rq, s.id),
    };
    int complete = form.decision && !strcmp(form.decision, "complete");
    in.title = arena_printf(rq->a, "%s gave feedback on your work for %s: %s", rq->session->u.name,
                            *act.title ? act.title : "an activity", complete ? "complete" : "please revise and resubmit");
    domain dd = dom(rq);
    int64_t id;
    rc = feedback_give(&dd, &in, &id);
    if (rc == DOM_INVALID || rc == DOM_CONFLICT) {
        form.error = dd.message;
        form.field = dd.field;
        return submission_page(rq, rs, &s, rc, &form);
    }
    if (rc != DOM_OK) {
        rq->message = dd.message;
        return rc;
    }
    page_flash(rq, rs, "feedback-given");
    http_redirect(rs, 303, arena_printf(rq->a, "%s#feedback-%lld", submission_url(rq, s.id), (long long)id));
    return 0;
}
