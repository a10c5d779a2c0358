/*
** certs.c: completion and certificates, the pages (see pages.h): the
** coach's completion page for an offering with sign-off one at a time or
** for all who meet the rules, the participant's own certificate page in
** the workspace, the public printable certificate with staff revocation,
** and the Open Badges 2.0 hosted documents (issuer, badge class, assertion,
** badge image) at stable URLs.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "certs.h"
#include "date.h"
#include "pages.h"
#include "store_certs.h"
#include "store_content.h"

#define OB_CONTEXT "https://w3id.org/openbadges/v2"

/* A domain context for rq, acting as the signed-in person. */
static domain dom(request *rq)
{
    app *ap = page_app(rq);
    return domain_make(ap->db, ap->cfg, ap->tmpl, rq->a, rq->session ? rq->session->u.id : 0, time(NULL));
}

/* A positive id from s (1 to 18 digits), or 0. */
static int64_t id_of(const char *s)
{
    if (!s || !*s || strlen(s) > 18)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end || v < 1 ? 0 : (int64_t)v;
}

/* "7–11 December 2026" for two ISO dates, in rq's arena. */
static const char *dates_label(request *rq, const char *starts, const char *ends)
{
    int32_t a, z;
    if (!starts || !ends || date_parse(starts, &a) != 0 || date_parse(ends, &z) != 0)
        return "";
    buf b = BUF_INIT;
    date_range_label(&b, a, z);
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* "11 December 2026": the UTC day of t, in rq's arena. */
static const char *day_label(request *rq, time_t t)
{
    buf b = BUF_INIT;
    date_label(&b, date_from_time(t));
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* The offering in capture 0 (by code), if rq's user facilitates it.
** Returns 0 with *o filled, or a status with rq->message. */
static int facilitated(request *rq, completion_offering *o)
{
    int rc = store_completion_offering(page_app(rq)->db, rq->a, 0, rq->param[0], o);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "There is no offering with this code. Your coaching page lists the offerings you facilitate.";
        return 404;
    }
    if (!access_allows(rq, ACCESS_FACILITATE, o->id)) {
        rq->message = "You do not facilitate this offering, so you cannot see or sign off its completions.";
        return 403;
    }
    return 0;
}

/* The rule's terms as the pages list them, with p's progress when p is
** not NULL: [{label, progress, met}]. */
static json_t *terms_json(request *rq, const completion_rule *r, const completion_facts *f)
{
    json_t *list = json_array();
    if (r->activities)
        json_array_append_new(list, json_pack("{s:s, s:s?, s:b}", "label", "Every activity marked complete by a coach",
                                              "progress", f ? arena_printf(rq->a, "%d of %d", f->activities_complete,
                                                                           f->activities_total) : NULL,
                                              "met", f && f->activities_complete >= f->activities_total));
    if (r->posts)
        json_array_append_new(list, json_pack("{s:s, s:s?, s:b}", "label",
                                              arena_printf(rq->a, "At least %d post%s in the discussions", r->posts,
                                                           r->posts == 1 ? "" : "s"),
                                              "progress", f ? arena_printf(rq->a, "%d of %d", f->posts < r->posts
                                                                           ? f->posts : r->posts, r->posts) : NULL,
                                              "met", f && f->posts >= r->posts));
    if (r->panel)
        json_array_append_new(list, json_pack("{s:s, s:s?, s:b}", "label", "The panel recording marked watched",
                                              "progress", f ? (f->panel ? "Watched" : "Not yet") : NULL,
                                              "met", f && f->panel));
    return list;
}

/* ---- the coach's completion page ---------------------------------------------- */

int page_coach_completion(request *rq, response *rs)
{
    completion_offering o;
    int bad = facilitated(rq, &o);
    if (bad)
        return bad;
    completion_person *people;
    int n;
    if (store_completion_people(page_app(rq)->db, rq->a, o.id, &people, &n) != 0)
        return page_unavailable(rq);
    completion_rule r;
    certs_rule(&o, &r);
    json_t *list = json_array();
    int ready = 0, signed_off = 0;
    for (int i = 0; i < n; i++) {
        const completion_person *p = &people[i];
        completion_facts f;
        certs_facts(&o, p, &f);
        int met = completion_met(&r, &f);
        ready += met && !p->signed_at;
        signed_off += p->signed_at != 0;
        json_array_append_new(list, json_pack(
            "{s:I, s:s, s:s, s:o, s:b, s:b, s:s?, s:s?, s:s?, s:s?, s:b, s:s, s:s}", "user_id", (json_int_t)p->user_id,
            "name", p->name, "email", p->email, "terms", terms_json(rq, &r, &f), "met", met, "signed",
            p->signed_at != 0, "signed_label", p->signed_at ? day_label(rq, p->signed_at) : NULL, "signed_by",
            p->signed_by, "number", p->number, "certificate_url",
            p->number ? arena_printf(rq->a, "/certificates/%s", p->number) : NULL, "revoked", p->revoked_at != 0,
            "sign_off_url", arena_printf(rq->a, "/coach/offerings/%s/completion/%lld", o.code,
                                         (long long)p->user_id),
            "person_url", arena_printf(rq->a, "/coach/offerings/%s/people/%lld", o.code, (long long)p->user_id)));
    }
    json_t *ctx = json_pack("{s:{s:s, s:s, s:s, s:s}, s:o, s:o, s:i, s:i, s:i, s:s}", "offering", "code", o.code,
                            "course_title", o.course_title, "dates_label", dates_label(rq, o.starts, o.ends),
                            "roster_url", arena_printf(rq->a, "/coach/offerings/%s/roster", o.code), "rules",
                            terms_json(rq, &r, NULL), "people", list, "count", n, "ready", ready, "signed_count",
                            signed_off, "sign_all_url", arena_printf(rq->a, "/coach/offerings/%s/completion/all", o.code));
    return page_render(rq, rs, "pages/coach_completion", ctx, arena_printf(rq->a, "Completion: %s", o.course_title),
                       NULL);
}

int page_coach_sign_off(request *rq, response *rs)
{
    completion_offering o;
    int bad = facilitated(rq, &o);
    if (bad)
        return bad;
    int64_t user_id = id_of(rq->param[1]);
    domain d = dom(rq);
    const char *number = NULL;
    int rc = certs_sign_off(&d, o.id, user_id, &number);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "signed-off");
    http_redirect(rs, 303, arena_printf(rq->a, "/coach/offerings/%s/completion", o.code));
    return 0;
}

int page_coach_sign_off_all(request *rq, response *rs)
{
    completion_offering o;
    int bad = facilitated(rq, &o);
    if (bad)
        return bad;
    domain d = dom(rq);
    int n = 0;
    int rc = certs_sign_off_all(&d, o.id, &n);
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "signed-off-all");
    http_redirect(rs, 303, arena_printf(rq->a, "/coach/offerings/%s/completion", o.code));
    return 0;
}

/* ---- the participant's page in the workspace ---------------------------------- */

int page_learn_certificate(request *rq, response *rs)
{
    db *dbh = page_app(rq)->db;
    const seat *st = rq->seat;
    completion_offering o;
    int rc = store_completion_offering(dbh, rq->a, st->row.offering_id, NULL, &o);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "This offering is no longer here. My courses lists the courses you take.";
        return 404;
    }
    completion_rule r;
    certs_rule(&o, &r);
    json_t *ctx = json_pack("{s:o, s:o}", "ws", page_ws(rq, "certificate"), "rules", terms_json(rq, &r, NULL));
    if (st->role != SEAT_PARTICIPANT) {
        json_object_set_new(ctx, "completion_url",
                            json_string(arena_printf(rq->a, "/coach/offerings/%s/completion", o.code)));
        return page_render(rq, rs, "pages/learn_certificate", ctx, "Completion and certificate", NULL);
    }
    completion_person p;
    rc = store_completion_person(dbh, rq->a, o.id, rq->session->u.id, &p);
    if (rc < 0) {
        json_decref(ctx);
        return page_unavailable(rq);
    }
    if (rc == 1) {
        completion_facts f;
        certs_facts(&o, &p, &f);
        json_object_set_new(ctx, "rules", terms_json(rq, &r, &f));
        json_object_set_new(ctx, "me", json_pack("{s:b, s:b, s:s?, s:s?, s:b}", "met", completion_met(&r, &f),
                                                 "signed", p.signed_at != 0, "certificate_url",
                                                 p.number ? arena_printf(rq->a, "/certificates/%s", p.number) : NULL,
                                                 "number", p.number, "revoked", p.revoked_at != 0));
    }
    return page_render(rq, rs, "pages/learn_certificate", ctx, "Completion and certificate", NULL);
}

/* ---- the public certificate ----------------------------------------------------- */

/* The certificate whose number is capture 0: 0 with *c, or 404/503. */
static int certificate_load(request *rq, certificate_row *c)
{
    int rc = store_certificate_get(page_app(rq)->db, rq->a, rq->param[0], c);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "There is no certificate with this number. Check the number on the certificate: it reads "
                      "like JM-1A2B-3C4D-5E6F.";
        return 404;
    }
    return 0;
}

/* The series' organisation name, as the layout has it. */
static const char *organisation(request *rq)
{
    json_t *series = store_series(page_app(rq)->db);
    const char *s = json_string_value(json_object_get(series, "organisation"));
    const char *out = arena_strdup(rq->a, s ? s : "");
    json_decref(series);
    return out;
}

int page_certificate(request *rq, response *rs)
{
    certificate_row c;
    int bad = certificate_load(rq, &c);
    if (bad)
        return bad;
    const char *base = page_app(rq)->cfg->base_url;
    int is_staff = rq->session && !strcmp(rq->session->u.role, "staff");
    json_t *ctx = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b, s:s?, s:s?}, s:b, s:s}",
                            "certificate", "number", c.number, "name", c.recipient_name, "course_title",
                            c.course_title, "course_url", arena_printf(rq->a, "/courses/%s", c.course_slug),
                            "dates_label", dates_label(rq, c.starts, c.ends), "hours", (int)(c.hours + 0.5),
                            "coach", c.coach_name, "organisation", organisation(rq), "issued_label",
                            day_label(rq, c.issued_at), "verify_url",
                            arena_printf(rq->a, "%s/certificates/%s", base, c.number), "assertion_url",
                            arena_printf(rq->a, "/badges/assertions/%s.json", c.number), "revoked", c.revoked_at != 0,
                            "revoked_label", c.revoked_at ? day_label(rq, c.revoked_at) : NULL, "revoke_reason",
                            c.revoke_reason, "is_staff", is_staff, "revoke_url",
                            arena_printf(rq->a, "/certificates/%s/revoke", c.number));
    return page_render(rq, rs, "pages/certificate", ctx,
                       arena_printf(rq->a, "Certificate %s: %s", c.number, c.course_title), NULL);
}

int page_certificate_revoke(request *rq, response *rs)
{
    certificate_row c;
    int bad = certificate_load(rq, &c);
    if (bad)
        return bad;
    domain d = dom(rq);
    int rc = certs_revoke(&d, c.number, kv_get(&rq->form, "reason"));
    if (rc != DOM_OK) {
        rq->message = d.message;
        return rc;
    }
    page_flash(rq, rs, "revoked");
    http_redirect(rs, 303, arena_printf(rq->a, "/certificates/%s", c.number));
    return 0;
}

/* ---- Open Badges 2.0 hosted documents ------------------------------------------- */

/* Answer with doc (consumed) as JSON-LD and status. */
static int json_answer(request *rq, response *rs, json_t *doc, int status)
{
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!s)
        return page_unavailable(rq);
    buf_puts(&rs->body, s);
    buf_puts(&rs->body, "\n");
    free(s);
    rs->status = status;
    rs->content_type = "application/ld+json; charset=utf-8";
    return 0;
}

int page_badge_issuer(request *rq, response *rs)
{
    const config *cfg = page_app(rq)->cfg;
    json_t *series = store_series(page_app(rq)->db);
    if (!series)
        return page_unavailable(rq);
    const char *org = json_string_value(json_object_get(series, "organisation"));
    const char *email = json_string_value(json_object_get(series, "contact_email"));
    const char *tagline = json_string_value(json_object_get(series, "tagline"));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "@context", OB_CONTEXT, "type", "Issuer", "id",
                            arena_printf(rq->a, "%s/badges/issuer.json", cfg->base_url), "name", org ? org : "",
                            "url", cfg->base_url, "email", email && *email ? email : cfg->mail_from,
                            "description", tagline);
    json_decref(series);
    return json_answer(rq, rs, doc, 200);
}

/* The criteria narrative of a course's completion rules, in rq's arena. */
static const char *criteria(request *rq, const char *rule_text)
{
    completion_rule r;
    const char *why;
    if (completion_parse(rule_text, &r, &why) != 0)
        completion_parse(COMPLETION_DEFAULT, &r, &why);
    buf b = BUF_INIT;
    buf_puts(&b, "Take part in a dated, coach-facilitated offering of the course and be signed off by its coach, "
                 "having met the course's completion rules:");
    if (r.activities)
        buf_puts(&b, " every practical activity marked complete by the coach;");
    if (r.posts)
        buf_printf(&b, " at least %d post%s in the course discussions;", r.posts, r.posts == 1 ? "" : "s");
    if (r.panel)
        buf_puts(&b, " the recorded panel discussion watched;");
    b.len--;
    buf_puts(&b, ".");
    const char *s = arena_strdup(rq->a, buf_str(&b));
    buf_free(&b);
    return s;
}

int page_badge_class(request *rq, response *rs)
{
    const char *base = page_app(rq)->cfg->base_url, *title, *summary, *rule;
    int rc = store_course_completion(page_app(rq)->db, rq->a, rq->param[0], &title, &summary, &rule);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "There is no course with this name, so there is no badge for it.";
        return 404;
    }
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "@context", OB_CONTEXT, "type",
                            "BadgeClass", "id", arena_printf(rq->a, "%s/badges/classes/%s.json", base, rq->param[0]),
                            "name", title, "description", summary, "image",
                            arena_printf(rq->a, "%s/badges/images/%s.svg", base, rq->param[0]), "criteria", "id",
                            arena_printf(rq->a, "%s/courses/%s", base, rq->param[0]), "narrative",
                            criteria(rq, rule), "issuer", arena_printf(rq->a, "%s/badges/issuer.json", base));
    return json_answer(rq, rs, doc, 200);
}

int page_badge_assertion(request *rq, response *rs)
{
    certificate_row c;
    int bad = certificate_load(rq, &c);
    if (bad)
        return bad;
    const char *base = page_app(rq)->cfg->base_url;
    struct tm tm;
    time_t t = c.issued_at;
    gmtime_r(&t, &tm);
    char iso[32];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:{s:s, s:b, s:s, s:s}, s:s, s:{s:s}, s:s, s:s, s:s}", "@context",
                            OB_CONTEXT, "type", "Assertion", "id",
                            arena_printf(rq->a, "%s/badges/assertions/%s.json", base, c.number), "recipient", "type",
                            "email", "hashed", 1, "salt", c.salt, "identity", c.identity_hash, "badge",
                            arena_printf(rq->a, "%s/badges/classes/%s.json", base, c.course_slug), "verification",
                            "type", "hosted", "issuedOn", iso, "image",
                            arena_printf(rq->a, "%s/badges/images/%s.svg", base, c.course_slug), "evidence",
                            arena_printf(rq->a, "%s/certificates/%s", base, c.number));
    if (doc && c.revoked_at) {
        json_object_set_new(doc, "revoked", json_true());
        json_object_set_new(doc, "revocationReason", json_string(c.revoke_reason ? c.revoke_reason : ""));
    }
    /* A revoked hosted assertion answers 410 Gone, as Open Badges 2.0 asks. */
    return json_answer(rq, rs, doc, c.revoked_at ? 410 : 200);
}

int page_badge_image(request *rq, response *rs)
{
    app *ap = page_app(rq);
    const char *title, *summary, *rule;
    int rc = store_course_completion(ap->db, rq->a, rq->param[0], &title, &summary, &rule);
    if (rc < 0)
        return page_unavailable(rq);
    if (rc == 0) {
        rq->message = "There is no course with this name, so there is no badge image for it.";
        return 404;
    }
    json_t *series = store_series(ap->db);
    const char *org = json_string_value(json_object_get(series, "organisation"));
    json_t *ctx = json_pack("{s:s, s:s}", "title", title, "organisation", org ? org : "");
    json_decref(series);
    int bad = !ctx || tmpl_render(ap->tmpl, "badges/image", ctx, &rs->body) != 0;
    json_decref(ctx);
    if (bad)
        return 500;
    rs->content_type = "image/svg+xml";
    return 0;
}
