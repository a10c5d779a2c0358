/*
** people.c: the staff console's people, member schools, audit log and
** codes: find a person by name, e-mail or school and see their
** registrations, payments, messages and certificates; change a role;
** resend the address confirmation; add, edit and import schools (CSV,
** all or nothing); read the audit log by person, offering, kind and date;
** edit, disable and report on a code. Every change is one conditional
** write with its audit line in the same transaction.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "access.h"
#include "app.h"
#include "csvread.h"
#include "date.h"
#include "enrol.h"
#include "multipart.h"
#include "pages.h"
#include "store_accounts.h"
#include "store_enrol.h"
#include "store_people.h"

/* People listed by one search. */
#define PEOPLE_LIMIT 100
/* Messages shown on a person's page. */
#define PERSON_MESSAGES 50
/* Audit lines on one page of the log. */
#define AUDIT_PAGE 100
/* Address confirmations a person may be sent in an hour, by staff or themselves. */
#define VERIFY_PER_HOUR 3

/* The roles an account may have, in the order the form offers them. */
static const char *const roles[] = {"participant", "coach", "staff"};

/* Whether s is one of the roles. */
static int role_ok(const char *s)
{
    for (size_t i = 0; s && i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(s, roles[i]))
            return 1;
    return 0;
}

/* A trimmed copy of form or query field name in rq's arena ("" when absent). */
static const char *field(request *rq, const kvlist *l, const char *name)
{
    const char *v = kv_get(l, name);
    if (!v)
        return "";
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    return arena_strndup(rq->a, v, n);
}

/* The id in rq->param[0] (the route allows digits only). */
static int64_t param_id(const request *rq)
{
    return strtoll(rq->param[0], NULL, 10);
}

/* Add "<key>_label" and "<key>_iso" for the Unix time in obj's key (if
** not 0 or null) in the asker's zone. */
static void when(request *rq, json_t *obj, const char *key)
{
    json_int_t t = json_integer_value(json_object_get(obj, key));
    if (t <= 0)
        return;
    json_object_set_new(obj, arena_printf(rq->a, "%s_label", key), json_string(page_when_label(rq, (time_t)t)));
    json_object_set_new(obj, arena_printf(rq->a, "%s_iso", key), json_string(page_when_iso(rq, (time_t)t)));
}

/* when() for every object of list. */
static void when_all(request *rq, json_t *list, const char *key)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
        when(rq, o, key);
}

/* Open a write transaction for a staff change: 0, or 503 with a message. */
static int begin(request *rq)
{
    if (db_begin_write(page_app(rq)->db) == 0)
        return 0;
    rq->message = "The database is busy just now, so nothing was changed. Try again in a moment.";
    return 503;
}

/* Commit the transaction of a change: 0, or 503 with a message (rolled back). */
static int commit(request *rq)
{
    db *d = page_app(rq)->db;
    if (db_commit(d) == 0)
        return 0;
    db_rollback(d);
    rq->message = "The change could not be saved just now, so nothing was changed. Try again in a moment.";
    return 503;
}

/* Roll back a failed change and answer 503 with a message. */
static int failed(request *rq)
{
    db_rollback(page_app(rq)->db);
    rq->message = "The change could not be saved just now, so nothing was changed. Try again in a moment.";
    return 503;
}

/* The audit line of a staff change by the signed-in person: 0 or -1. */
static int audit(request *rq, const char *action, const char *subject, const char *detail)
{
    return store_audit(page_app(rq)->db, rq->session->u.id, action, subject, detail, time(NULL));
}

/* Redirect to path (a path we built) with notice flash. */
static int go(request *rq, response *rs, const char *path, const char *flash)
{
    page_flash(rq, rs, flash);
    http_redirect(rs, 303, http_local_path(rq->a, path, "/staff"));
    return 0;
}

/* ---- people ---- */

/* GET /staff/people: the search by name, e-mail or school (q) and role; 400 for a search too long or an unknown role. */
int page_staff_people(request *rq, response *rs)
{
    const char *q = field(rq, &rq->query, "q"), *role = field(rq, &rq->query, "role");
    if (strlen(q) > 200) {
        rq->message = "Search for at most 200 characters: part of a name, an e-mail address or a school.";
        return 400;
    }
    if (*role && !role_ok(role)) {
        rq->message = "Choose a role from the list: participant, coach or staff.";
        return 400;
    }
    json_t *people = store_people_search(page_app(rq)->db, q, role, PEOPLE_LIMIT + 1);
    if (!people)
        return page_unavailable(rq);
    int more = json_array_size(people) > PEOPLE_LIMIT;
    if (more)
        json_array_remove(people, PEOPLE_LIMIT);
    size_t i;
    json_t *p;
    json_array_foreach(people, i, p) {
        json_object_set_new(p, "url", json_string(arena_printf(rq->a, "/staff/people/%lld",
                                                               (long long)json_integer_value(json_object_get(p, "id")))));
        json_object_set_new(p, "unverified", json_boolean(json_integer_value(json_object_get(p, "verified_at")) <= 0));
        json_object_set_new(p, "deleted", json_boolean(json_integer_value(json_object_get(p, "deleted_at")) > 0));
    }
    json_t *role_opts = json_array();
    for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++)
        json_array_append_new(role_opts, json_pack("{s:s, s:b}", "value", roles[k], "selected", !strcmp(role, roles[k])));
    json_t *ctx = json_pack("{s:o, s:s, s:o, s:b, s:b, s:i, s:i}", "people", people, "q", q, "roles", role_opts,
                            "searched", *q || *role, "more", more, "count", (int)json_array_size(people), "limit",
                            PEOPLE_LIMIT);
    return page_render(rq, rs, "pages/staff_people", ctx, "People", NULL);
}

/* Shape the registrations of store_user_enrolments for the person page. */
static void registrations_labels(request *rq, json_t *regs)
{
    size_t i;
    json_t *r;
    json_array_foreach(regs, i, r) {
        json_t *o = json_object_get(r, "offering");
        json_object_set_new(r, "offering_code", json_incref(json_object_get(o, "code")));
        json_object_set_new(r, "course_title", json_incref(json_object_get(o, "course_title")));
        json_object_set_new(r, "offering_url", json_string(arena_printf(rq->a, "/staff/offerings/%s",
                                                                        json_string_value(json_object_get(o, "code")))));
        json_object_set_new(r, "amount_label",
                            json_string(enrol_money(rq->a, json_integer_value(json_object_get(r, "amount_cents")),
                                                    json_string_value(json_object_get(r, "currency")))));
        when(rq, r, "created_at");
    }
}

/* GET /staff/people/ID: the person's details, role form, registrations, payments, messages, certificates and audit lines; 404 for no such account. */
int page_staff_person(request *rq, response *rs)
{
    app *ap = page_app(rq);
    person_row p;
    int found = store_person_get(ap->db, rq->a, param_id(rq), &p);
    if (found < 0)
        return page_unavailable(rq);
    if (!found || !access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no account with this number. Search for the person on the People page.";
        return 404;
    }
    user_enrolment_row *reg_rows;
    int n_regs;
    json_t *regs = store_user_enrolments(ap->db, rq->a, p.id, &reg_rows, &n_regs) == 0
                       ? page_user_enrolments_json(reg_rows, n_regs)
                       : NULL;
    json_t *pays = store_person_payments(ap->db, p.id);
    json_t *msgs = store_person_messages(ap->db, p.id, PERSON_MESSAGES);
    json_t *certs = store_person_certificates(ap->db, p.id);
    json_t *coaching = store_person_offerings(ap->db, p.id);
    audit_filter f = {.person_id = p.id, .kind = "", .limit = 20};
    json_t *lines = store_audit_search(ap->db, &f);
    if (!regs || !pays || !msgs || !certs || !lines || !coaching) {
        json_decref(coaching);
        json_decref(regs);
        json_decref(pays);
        json_decref(msgs);
        json_decref(certs);
        json_decref(lines);
        return page_unavailable(rq);
    }
    registrations_labels(rq, regs);
    size_t i;
    json_t *x;
    json_array_foreach(pays, i, x) {
        const char *cur = json_string_value(json_object_get(x, "currency"));
        json_object_set_new(x, "amount_label", json_string(enrol_money(rq->a, json_integer_value(json_object_get(x, "amount_cents")), cur)));
        json_int_t back = json_integer_value(json_object_get(x, "refunded_cents"));
        json_object_set_new(x, "refunded_label", back > 0 ? json_string(enrol_money(rq->a, back, cur)) : json_null());
        when(rq, x, "created_at");
    }
    when_all(rq, msgs, "created_at");
    json_array_foreach(certs, i, x) {
        when(rq, x, "issued_at");
        when(rq, x, "revoked_at");
    }
    when_all(rq, lines, "at");
    json_t *role_opts = json_array();
    for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++)
        json_array_append_new(role_opts, json_pack("{s:s, s:b}", "value", roles[k], "selected", !strcmp(p.role, roles[k])));
    json_t *person = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:b, s:b, s:b}", "id", (json_int_t)p.id,
                               "name", p.name, "email", p.email, "role", p.role, "school", p.school_name,
                               "organisation", p.organisation, "school_role", p.school_role, "time_zone",
                               p.time_zone ? p.time_zone : "UTC", "verified", p.verified_at > 0, "deleted",
                               p.deleted_at > 0, "is_self", p.id == rq->session->u.id);
    if (!person) {
        json_decref(regs);
        json_decref(pays);
        json_decref(msgs);
        json_decref(certs);
        json_decref(lines);
        json_decref(role_opts);
        json_decref(coaching);
        return 500;
    }
    json_object_set_new(person, "created_at", json_integer((json_int_t)p.created_at));
    json_object_set_new(person, "verified_at", json_integer((json_int_t)p.verified_at));
    when(rq, person, "created_at");
    when(rq, person, "verified_at");
    const char *base = arena_printf(rq->a, "/staff/people/%lld", (long long)p.id);
    json_array_foreach(coaching, i, x) {
        const char *code = json_string_value(json_object_get(x, "offering_code"));
        json_object_set_new(x, "url", json_string(arena_printf(rq->a, "/staff/offerings/%s", code)));
    }
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:s}", "person", person, "coaching",
                            coaching, "registrations", regs, "payments", pays, "messages", msgs, "certificates", certs, "audit", lines, "roles",
                            role_opts, "role_url", arena_printf(rq->a, "%s/role", base), "verify_url",
                            arena_printf(rq->a, "%s/verify", base), "audit_url",
                            arena_printf(rq->a, "/staff/audit?person=%lld", (long long)p.id));
    return page_render(rq, rs, "pages/staff_person", ctx, p.name, NULL);
}

/* POST /staff/people/ID/role: change the role from `from` to `role`, audited; 409 when it changed meanwhile, 403 for taking the staff role from oneself. */
int page_staff_person_role(request *rq, response *rs)
{
    app *ap = page_app(rq);
    const char *from = field(rq, &rq->form, "from"), *to = field(rq, &rq->form, "role");
    if (!role_ok(to) || !role_ok(from)) {
        rq->message = "Choose the new role from the list on the person's page: participant, coach or staff.";
        return 400;
    }
    person_row p;
    int found = store_person_get(ap->db, rq->a, param_id(rq), &p);
    if (found < 0)
        return page_unavailable(rq);
    if (!found || p.deleted_at || !access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no account with this number, so no role was changed.";
        return 404;
    }
    if (p.id == rq->session->u.id && strcmp(to, "staff")) {
        rq->message = "You cannot take the staff role from yourself: ask another member of staff to do it, so the "
                      "console is never left without one.";
        return 403;
    }
    if (!strcmp(from, to)) {
        rq->message = arena_printf(rq->a, "%s is a %s already; choose another role to change it.", p.name, to);
        return 409;
    }
    const char *base = arena_printf(rq->a, "/staff/people/%lld", (long long)p.id);
    int rc = begin(rq);
    if (rc)
        return rc;
    /* One conditional write: only if the account still has the role the
    ** form showed, so two staff changing it at once cannot both win. */
    int changed = store_person_set_role(ap->db, p.id, from, to);
    if (changed < 0)
        return failed(rq);
    if (changed == 0) {
        db_rollback(ap->db);
        rq->message = arena_printf(rq->a, "The role of %s was changed by someone else meanwhile, so nothing was "
                                   "changed. Open the person's page again to see it.", p.name);
        return 409;
    }
    if (audit(rq, "role.changed", arena_printf(rq->a, "user:%lld", (long long)p.id),
              arena_printf(rq->a, "%s to %s", from, to)) != 0)
        return failed(rq);
    if ((rc = commit(rq)) != 0)
        return rc;
    return go(rq, rs, base, "role-changed");
}

/* POST /staff/people/ID/verify: queue a new confirmation link (three an hour, shared with the person's own), audited; 409 once confirmed. */
int page_staff_person_verify(request *rq, response *rs)
{
    app *ap = page_app(rq);
    person_row p;
    int found = store_person_get(ap->db, rq->a, param_id(rq), &p);
    if (found < 0)
        return page_unavailable(rq);
    if (!found || p.deleted_at || !access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no account with this number, so nothing was sent.";
        return 404;
    }
    if (p.verified_at) {
        rq->message = arena_printf(rq->a, "%s has confirmed their address already: there is nothing to send.", p.name);
        return 409;
    }
    time_t now = time(NULL);
    int rc = begin(rq);
    if (rc)
        return rc;
    /* The same allowance as the person's own resend, so a link cannot be
    ** sent over and over from either side. */
    int allowed = store_rate_hit(ap->db, arena_printf(rq->a, "verify:u:%lld", (long long)p.id), now, 3600,
                                 VERIFY_PER_HOUR);
    if (allowed < 0)
        return failed(rq);
    if (!allowed) {
        db_rollback(ap->db);
        rq->message = arena_printf(rq->a, "A confirmation link went to %s %d times in the last hour. Ask them to look "
                                   "in their spam folder, or try again in an hour.", p.email, VERIFY_PER_HOUR);
        return 429;
    }
    if (page_account_send_verify(rq, p.id, p.email, p.name) != 0 ||
        audit(rq, "user.verification-resent", arena_printf(rq->a, "user:%lld", (long long)p.id), p.email) != 0)
        return failed(rq);
    if ((rc = commit(rq)) != 0)
        return rc;
    return go(rq, rs, arena_printf(rq->a, "/staff/people/%lld", (long long)p.id), "verify-sent");
}

/* ---- member schools ---- */

/* Whether s looks like an e-mail address: one @, something either side, a
** dot after it, no spaces or angle brackets, at most 254 characters. */
static int email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return 0;
    return strcspn(s, " \t\r\n<>,;\"") == n && at[strlen(at) - 1] != '.';
}

/* Whether s has a control character (a line break in a name, say). */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* Check one school's values; each problem is set in errors under its
** field name (a sentence a person can act on). */
static void school_check(const school_fields *f, json_t *errors)
{
    size_t n = strlen(f->name);
    if (n < 2 || n > 200 || has_control(f->name))
        json_object_set_new(errors, "name", json_string("Enter the school's name (2 to 200 characters)."));
    if (strlen(f->city) > 100 || has_control(f->city))
        json_object_set_new(errors, "city", json_string("Enter the town or city in at most 100 characters."));
    if (strlen(f->country) > 100 || has_control(f->country))
        json_object_set_new(errors, "country", json_string("Enter the country in at most 100 characters."));
    if (strlen(f->billing_name) > 200 || has_control(f->billing_name))
        json_object_set_new(errors, "billing_name", json_string("Enter the billing contact's name in at most 200 characters."));
    if (*f->billing_email && !email_ok(f->billing_email))
        json_object_set_new(errors, "billing_email", json_string("Enter the billing contact's e-mail address, like accounts@school.example."));
    if (f->invoice && !*f->billing_email)
        json_object_set_new(errors, "billing_email", json_string("A school that pays by invoice needs a billing e-mail address for the invoices."));
}

/* A school's values from a form. */
static school_fields school_form(request *rq)
{
    school_fields f = {field(rq, &rq->form, "name"), field(rq, &rq->form, "city"), field(rq, &rq->form, "country"),
                       field(rq, &rq->form, "billing_name"), field(rq, &rq->form, "billing_email"),
                       kv_get(&rq->form, "member") != NULL, kv_get(&rq->form, "invoice") != NULL};
    return f;
}

/* f as the form shows it again. */
static json_t *school_values(const school_fields *f)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "name", f->name, "city", f->city, "country", f->country,
                     "billing_name", f->billing_name, "billing_email", f->billing_email, "member", f->member,
                     "invoice", f->invoice);
}

/* The schools page: the list, the form that adds one (values, errors) and
** the import form (csv text, import_errors). All JSON is consumed. */
static int schools_page(request *rq, response *rs, json_t *values, json_t *errors, const char *csv, json_t *import_errors)
{
    json_t *schools = store_schools_all(page_app(rq)->db);
    if (!schools) {
        json_decref(values);
        json_decref(errors);
        json_decref(import_errors);
        return page_unavailable(rq);
    }
    size_t i;
    json_t *s;
    json_array_foreach(schools, i, s)
        json_object_set_new(s, "url", json_string(arena_printf(rq->a, "/staff/schools/%lld",
                                                               (long long)json_integer_value(json_object_get(s, "id")))));
    int has = json_object_size(errors) > 0, has_import = json_array_size(import_errors) > 0;
    if (has || has_import)
        rs->status = 422;
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:b, s:s, s:o, s:b}", "schools", schools, "values", values, "errors",
                            errors, "has_errors", has, "csv", csv, "import_errors", import_errors, "has_import_errors",
                            has_import);
    return page_render(rq, rs, "pages/staff_schools", ctx, "Member schools", NULL);
}

/* GET /staff/schools: the list and forms; POST: add a school (422 with the form again on a mistake), audited. */
int page_staff_schools(request *rq, response *rs)
{
    if (strcmp(rq->method, "POST"))
        return schools_page(rq, rs, json_pack("{s:b}", "member", 1), json_object(), "", json_array());
    app *ap = page_app(rq);
    school_fields f = school_form(rq);
    json_t *errors = json_object();
    school_check(&f, errors);
    if (!json_object_size(errors)) {
        int rc = begin(rq);
        if (rc) {
            json_decref(errors);
            return rc;
        }
        int64_t id = store_school_add(ap->db, &f);
        if (id == DB_DUPLICATE) {
            db_rollback(ap->db);
            json_object_set_new(errors, "name", json_string("There is a school with this name already: edit it from the list."));
        } else if (id < 0 || audit(rq, "school.added", arena_printf(rq->a, "school:%lld", (long long)id), f.name) != 0) {
            json_decref(errors);
            return failed(rq);
        } else {
            json_decref(errors);
            if ((rc = commit(rq)) != 0)
                return rc;
            return go(rq, rs, "/staff/schools", "school-added");
        }
    }
    return schools_page(rq, rs, school_values(&f), errors, "", json_array());
}

/* The edit page of school row s with values and errors (consumed). */
static int school_page(request *rq, response *rs, const school_row *s, json_t *values, json_t *errors)
{
    int has = json_object_size(errors) > 0;
    if (has && rs->status < 400)
        rs->status = 422;
    json_t *ctx = json_pack("{s:I, s:s, s:I, s:i, s:o, s:o, s:b, s:s}", "id", (json_int_t)s->id, "name", s->name,
                            "version", (json_int_t)s->version, "people", s->people, "values", values, "errors", errors,
                            "has_errors", has, "action", arena_printf(rq->a, "/staff/schools/%lld", (long long)s->id));
    return page_render(rq, rs, "pages/staff_school", ctx, s->name, NULL);
}

/* GET /staff/schools/ID: the edit form; POST: save it at its version, audited (409 when saved meanwhile, 422 on a mistake). */
int page_staff_school(request *rq, response *rs)
{
    app *ap = page_app(rq);
    school_row s;
    int found = store_school_get(ap->db, rq->a, param_id(rq), &s);
    if (found < 0)
        return page_unavailable(rq);
    if (!found || !access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no school with this number. The Member schools page lists them all.";
        return 404;
    }
    if (strcmp(rq->method, "POST")) {
        school_fields cur = {s.name, s.city ? s.city : "", s.country ? s.country : "",
                             s.billing_name ? s.billing_name : "", s.billing_email ? s.billing_email : "", s.member,
                             s.invoice};
        return school_page(rq, rs, &s, school_values(&cur), json_object());
    }
    school_fields f = school_form(rq);
    json_t *errors = json_object();
    school_check(&f, errors);
    char *end;
    const char *vs = field(rq, &rq->form, "version");
    long long version = strtoll(vs, &end, 10);
    if (!*vs || *end) {
        json_decref(errors);
        rq->message = "The form is missing its version. Open the school's page again and make the change there.";
        return 400;
    }
    if (json_object_size(errors))
        return school_page(rq, rs, &s, school_values(&f), errors);
    int rc = begin(rq);
    if (rc) {
        json_decref(errors);
        return rc;
    }
    /* One conditional write at the version the form was read at. */
    int changed = store_school_update(ap->db, s.id, version, &f);
    if (changed == DB_DUPLICATE) {
        db_rollback(ap->db);
        json_object_set_new(errors, "name", json_string("Another school has this name already; choose another."));
        return school_page(rq, rs, &s, school_values(&f), errors);
    }
    if (changed < 0) {
        json_decref(errors);
        return failed(rq);
    }
    if (changed == 0) {
        db_rollback(ap->db);
        json_object_set_new(errors, "form", json_string("Someone else saved this school while you were editing it, so "
                                                        "your change was not saved. The form shows what is saved now."));
        rs->status = 409;
        school_row now;
        if (store_school_get(ap->db, rq->a, s.id, &now) != 1) {
            json_decref(errors);
            return page_unavailable(rq);
        }
        school_fields cur = {now.name, now.city ? now.city : "", now.country ? now.country : "",
                             now.billing_name ? now.billing_name : "", now.billing_email ? now.billing_email : "",
                             now.member, now.invoice};
        return school_page(rq, rs, &now, school_values(&cur), errors);
    }
    json_decref(errors);
    if (audit(rq, "school.edited", arena_printf(rq->a, "school:%lld", (long long)s.id),
              strcmp(s.name, f.name) ? arena_printf(rq->a, "%s, renamed from %s", f.name, s.name) : f.name) != 0)
        return failed(rq);
    if ((rc = commit(rq)) != 0)
        return rc;
    return go(rq, rs, "/staff/schools", "school-saved");
}

/* The columns a school import reads, by header name. */
enum { COL_NAME, COL_CITY, COL_COUNTRY, COL_BILLING_NAME, COL_BILLING_EMAIL, COL_MEMBER, COL_INVOICE, N_COLS };
static const char *const col_names[N_COLS] = {"name", "city", "country", "billing_name", "billing_email", "member",
                                               "invoice"};

/* A yes/no cell: 1, 0, or -1 when it is neither. Empty is dflt. */
static int yes_no(const char *s, int dflt)
{
    if (!*s)
        return dflt;
    static const char *const yes[] = {"yes", "y", "1", "true"}, *const no[] = {"no", "n", "0", "false"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i]))
            return 1;
        if (!strcasecmp(s, no[i]))
            return 0;
    }
    return -1;
}

/* Append "Line N: message" to errs (at most 50 are kept). */
static void line_error(request *rq, json_t *errs, int line, const char *msg)
{
    if (json_array_size(errs) < 50)
        json_array_append_new(errs, json_string(arena_printf(rq->a, "Line %d: %s", line, msg)));
}

/* POST /staff/schools/import: read the pasted CSV, check every line, then add or update every school in one transaction with one audit line; 422 with line-numbered mistakes and nothing written otherwise. */
/* Import the schools of the CSV text (len bytes; shown is what the
** textarea shows again on a mistake): check every line, then add or
** update every school in one transaction with one audit line, and
** redirect; or 422 with line-numbered mistakes and nothing written. */
static int import_csv(request *rq, response *rs, const char *text, size_t len, const char *csv)
{
    app *ap = page_app(rq);
    json_t *errs = json_array();
    csv_table t;
    int line;
    const char *msg;
    if (csvread_parse(rq->a, text, len, &t, &line, &msg) != 0) {
        line_error(rq, errs, line, msg);
        return schools_page(rq, rs, json_pack("{s:b}", "member", 1), json_object(), csv, errs);
    }
    if (t.n < 2) {
        json_array_append_new(errs, json_string("Paste a header line (name,city,country,billing_name,billing_email,"
                                                "member,invoice) and at least one school under it."));
        return schools_page(rq, rs, json_pack("{s:b}", "member", 1), json_object(), csv, errs);
    }
    /* The header names the columns, in any order; name is required. */
    int col[N_COLS];
    for (int c = 0; c < N_COLS; c++)
        col[c] = -1;
    for (int k = 0; k < t.rec[0].n; k++) {
        const char *h = t.rec[0].field[k];
        int known = 0;
        for (int c = 0; c < N_COLS; c++) {
            if (!strcasecmp(h, col_names[c])) {
                if (col[c] >= 0)
                    line_error(rq, errs, t.rec[0].line, arena_printf(rq->a, "the column \"%s\" is named twice.", h));
                col[c] = k;
                known = 1;
            }
        }
        if (!known)
            line_error(rq, errs, t.rec[0].line,
                       arena_printf(rq->a, "the column \"%.40s\" is not one we import. Use name, city, country, "
                                    "billing_name, billing_email, member and invoice.", h));
    }
    if (col[COL_NAME] < 0)
        line_error(rq, errs, t.rec[0].line, "the header has no \"name\" column.");
    school_fields *rows = arena_zalloc(rq->a, sizeof *rows * (size_t)t.n);
    json_t *seen = json_object();
    /* Rows are read only under a good header; every row's mistakes are listed. */
    int header_bad = json_array_size(errs) > 0;
    for (int r = 1; r < t.n && !header_bad; r++) {
        const csv_record *rec = &t.rec[r];
        if (rec->n != t.rec[0].n) {
            line_error(rq, errs, rec->line, arena_printf(rq->a, "this line has %d fields; the header has %d.", rec->n,
                                                         t.rec[0].n));
            continue;
        }
        const char *v[N_COLS];
        for (int c = 0; c < N_COLS; c++)
            v[c] = col[c] >= 0 ? rec->field[col[c]] : "";
        int member = yes_no(v[COL_MEMBER], 1), invoice = yes_no(v[COL_INVOICE], 0);
        if (member < 0 || invoice < 0) {
            line_error(rq, errs, rec->line, "member and invoice take yes or no (or leave them empty).");
            continue;
        }
        school_fields f = {v[COL_NAME], v[COL_CITY], v[COL_COUNTRY], v[COL_BILLING_NAME], v[COL_BILLING_EMAIL],
                           member, invoice};
        json_t *e = json_object();
        school_check(&f, e);
        const char *key;
        json_t *m;
        json_object_foreach(e, key, m)
            line_error(rq, errs, rec->line, json_string_value(m));
        json_decref(e);
        if (json_object_get(seen, f.name))
            line_error(rq, errs, rec->line, arena_printf(rq->a, "the school \"%s\" is named on line %d already.", f.name,
                                                         (int)json_integer_value(json_object_get(seen, f.name))));
        json_object_set_new(seen, f.name, json_integer(rec->line));
        rows[r] = f;
    }
    json_decref(seen);
    if (json_array_size(errs))
        return schools_page(rq, rs, json_pack("{s:b}", "member", 1), json_object(), csv, errs);
    json_decref(errs);
    /* All or nothing: every row in one transaction. */
    int rc = begin(rq);
    if (rc)
        return rc;
    int added = 0, updated = 0;
    for (int r = 1; r < t.n; r++) {
        int64_t id;
        int had = store_school_id_by_name(ap->db, rows[r].name, &id);
        if (had < 0 || store_school_upsert(ap->db, &rows[r]) != 0)
            return failed(rq);
        if (had)
            updated++;
        else
            added++;
    }
    if (audit(rq, "school.imported", "schools", arena_printf(rq->a, "%d added, %d updated", added, updated)) != 0)
        return failed(rq);
    if ((rc = commit(rq)) != 0)
        return rc;
    return go(rq, rs, "/staff/schools", "schools-imported");
}

/* POST /staff/schools/import: the CSV pasted into the form's text box. */
int page_staff_schools_import(request *rq, response *rs)
{
    const char *csv = kv_get(&rq->form, "csv");
    csv = csv ? csv : "";
    return import_csv(rq, rs, csv, strlen(csv), csv);
}

/* POST /staff/schools/upload: the CSV file chosen in the form (its part
** "file", read from the upload nginx wrote); 422 when none was chosen. */
int page_staff_schools_upload(request *rq, response *rs)
{
    for (size_t i = 0; i < rq->n_parts; i++) {
        const mp_part *p = &rq->parts[i];
        if (p->filename && !strcmp(p->name, "file"))
            return import_csv(rq, rs, (const char *)rq->body + p->off, p->len, "");
    }
    json_t *errs = json_array();
    json_array_append_new(errs, json_string("Choose the CSV file to import, or paste its text below."));
    return schools_page(rq, rs, json_pack("{s:b}", "member", 1), json_object(), "", errs);
}

/* ---- the audit log ---- */

/* The kinds of change the audit log is filtered by, with their labels. */
static const char *const kinds[][2] = {{"money", "Money"},         {"seats", "Seats"},
                                       {"roles", "Roles"},         {"moderation", "Moderation"},
                                       {"publishing", "Publishing"}, {"settings", "Settings"}};

/* GET /staff/audit: the audit and moderation logs by person, offering, kind and days, a hundred lines a page; 400/404 for a filter that names nothing. */
int page_staff_audit(request *rq, response *rs)
{
    app *ap = page_app(rq);
    const char *person = field(rq, &rq->query, "person"), *offering = field(rq, &rq->query, "offering");
    const char *kind = field(rq, &rq->query, "kind"), *from = field(rq, &rq->query, "from");
    const char *to = field(rq, &rq->query, "to"), *pg = field(rq, &rq->query, "page");
    audit_filter f = {.kind = kind, .limit = AUDIT_PAGE + 1};
    int known = !*kind;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        known |= !strcmp(kind, kinds[k][0]);
    if (!known) {
        rq->message = "Choose a kind of change from the list: money, seats, roles, moderation, publishing or settings.";
        return 400;
    }
    const char *person_label = NULL;
    if (*person) {
        char *end;
        long long id = strtoll(person, &end, 10);
        if (!*end && id > 0) {
            person_row p;
            int found = store_person_get(ap->db, rq->a, id, &p);
            if (found < 0)
                return page_unavailable(rq);
            f.person_id = found ? p.id : -1;
            person_label = found ? p.name : NULL;
        } else {
            user u;
            int found = store_user_by_email(ap->db, rq->a, person, &u, NULL);
            if (found < 0)
                return page_unavailable(rq);
            f.person_id = found ? u.id : -1;
            person_label = found ? u.name : NULL;
        }
        if (f.person_id < 0) {
            rq->message = "There is no account with this e-mail address or number. Find the person on the People page "
                          "and follow the link to their audit lines.";
            return 404;
        }
    }
    if (*offering) {
        offering_row o;
        int found = strlen(offering) <= 64 ? store_offering_row(ap->db, rq->a, offering, &o) : 0;
        if (found < 0)
            return page_unavailable(rq);
        if (!found) {
            rq->message = "There is no offering with this code. The staff overview lists every offering's code.";
            return 404;
        }
        f.offering_id = o.id;
    }
    int32_t day;
    if (*from) {
        if (date_parse(from, &day) != 0) {
            rq->message = "Enter the first day as YYYY-MM-DD, or leave it empty.";
            return 400;
        }
        f.from = (time_t)day * 86400;
    }
    if (*to) {
        if (date_parse(to, &day) != 0) {
            rq->message = "Enter the last day as YYYY-MM-DD, or leave it empty.";
            return 400;
        }
        f.to = (time_t)(day + 1) * 86400;
    }
    int page = 1;
    if (*pg) {
        char *end;
        long n = strtol(pg, &end, 10);
        if (*end || n < 1 || n > 100000) {
            rq->message = "A page of the audit log is a whole number from 1 on; follow the links under the log.";
            return 400;
        }
        page = (int)n;
    }
    f.offset = (page - 1) * AUDIT_PAGE;
    json_t *lines = store_audit_search(ap->db, &f);
    if (!lines)
        return page_unavailable(rq);
    int more = json_array_size(lines) > AUDIT_PAGE;
    if (more)
        json_array_remove(lines, AUDIT_PAGE);
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        when(rq, l, "at");
        json_int_t pid = json_integer_value(json_object_get(l, "person_id"));
        if (pid > 0)
            json_object_set_new(l, "person_url", json_string(arena_printf(rq->a, "/staff/people/%lld", (long long)pid)));
        json_int_t aid = json_integer_value(json_object_get(l, "actor_id"));
        if (aid > 0)
            json_object_set_new(l, "actor_url", json_string(arena_printf(rq->a, "/staff/people/%lld", (long long)aid)));
    }
    json_t *kind_opts = json_array();
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        json_array_append_new(kind_opts, json_pack("{s:s, s:s, s:b}", "value", kinds[k][0], "label", kinds[k][1],
                                                   "selected", !strcmp(kind, kinds[k][0])));
    /* Page links keep the filter (each value URL-encoded by the template). */
    json_t *filter = json_pack("{s:s, s:s, s:s, s:s, s:s}", "person", person, "offering", offering, "kind", kind,
                               "from", from, "to", to);
    json_t *ctx = json_pack("{s:o, s:o, s:o, s:s?, s:i, s:i, s:i, s:b, s:b, s:b}", "lines", lines, "kinds", kind_opts,
                            "filter", filter, "person_label", person_label, "page", page, "prev_page", page - 1,
                            "next_page", page + 1, "has_prev", page > 1, "has_next", more, "filtered",
                            *person || *offering || *kind || *from || *to);
    return page_render(rq, rs, "pages/staff_audit", ctx, "Audit log", NULL);
}

/* ---- codes ---- */

/* The code page for c with values and errors (consumed). */
static int code_page(request *rq, response *rs, const code_info *c, json_t *values, json_t *errors)
{
    json_t *uses = store_code_uses(page_app(rq)->db, c->id);
    if (!uses) {
        json_decref(values);
        json_decref(errors);
        return page_unavailable(rq);
    }
    size_t i;
    json_t *u;
    json_array_foreach(uses, i, u) {
        when(rq, u, "created_at");
        json_object_set_new(u, "amount_label", json_string(enrol_money(rq->a, json_integer_value(json_object_get(u, "amount_cents")),
                                                                        json_string_value(json_object_get(u, "currency")))));
        json_object_set_new(u, "person_url", json_string(arena_printf(rq->a, "/staff/people/%lld",
                                                                      (long long)json_integer_value(json_object_get(u, "user_id")))));
    }
    int has = json_object_size(errors) > 0;
    if (has && rs->status < 400)
        rs->status = 422;
    json_t *ctx = json_pack("{s:s, s:s?, s:i, s:i, s:i, s:s?, s:b, s:o, s:o, s:o, s:b, s:s, s:s, s:i}", "code", c->code,
                            "offering_code", c->offering_code, "percent_off", c->percent_off, "uses", c->uses,
                            "max_uses", c->max_uses, "expires_on", c->expires_on, "disabled", c->disabled_at > 0,
                            "registrations", uses, "values", values, "errors", errors, "has_errors", has, "action",
                            arena_printf(rq->a, "/staff/codes/%s", c->code), "disable_url",
                            arena_printf(rq->a, "/staff/codes/%s/disable", c->code), "count", (int)json_array_size(uses));
    if (ctx && c->disabled_at) {
        json_object_set_new(ctx, "disabled_at", json_integer((json_int_t)c->disabled_at));
        when(rq, ctx, "disabled_at");
    }
    return page_render(rq, rs, "pages/staff_code", ctx, arena_printf(rq->a, "Code %s", c->code), NULL);
}

/* Load the code named in param[0]: 0, or 404/503 with a message. */
static int load_code(request *rq, code_info *c)
{
    int found = store_code_get(page_app(rq)->db, rq->a, rq->param[0], c);
    if (found < 0)
        return page_unavailable(rq);
    if (!found || !access_allows(rq, ACCESS_STAFF, 0)) {
        rq->message = "There is no code like this. The codes page lists them all.";
        return 404;
    }
    return 0;
}

/* GET /staff/codes/CODE: the code, its form and who used it; POST: a new limit and expiry, audited (422 on a mistake, 409 when disabled or used past the limit meanwhile). */
int page_staff_code(request *rq, response *rs)
{
    app *ap = page_app(rq);
    code_info c;
    int rc = load_code(rq, &c);
    if (rc)
        return rc;
    if (strcmp(rq->method, "POST")) {
        json_t *values = json_pack("{s:s, s:s}", "max_uses", c.max_uses ? arena_printf(rq->a, "%d", c.max_uses) : "",
                                   "expires_on", c.expires_on ? c.expires_on : "");
        return code_page(rq, rs, &c, values, json_object());
    }
    const char *max = field(rq, &rq->form, "max_uses"), *expires = field(rq, &rq->form, "expires_on");
    json_t *errors = json_object();
    long uses = 0;
    if (*max) {
        char *end;
        uses = strtol(max, &end, 10);
        if (*end || uses < 1 || uses > 100000)
            json_object_set_new(errors, "max_uses", json_string("Enter a whole number of uses, or leave it empty for no limit."));
        else if (uses < c.uses)
            json_object_set_new(errors, "max_uses", json_string(arena_printf(rq->a, "The code is used %d times already; "
                                                                            "the limit cannot be lower.", c.uses)));
    }
    int32_t day;
    if (*expires && date_parse(expires, &day) != 0)
        json_object_set_new(errors, "expires_on", json_string("Enter a date as YYYY-MM-DD, or leave it empty."));
    if (c.disabled_at)
        json_object_set_new(errors, "form", json_string("This code is disabled, so it cannot be edited."));
    json_t *values = json_pack("{s:s, s:s}", "max_uses", max, "expires_on", expires);
    if (json_object_size(errors)) {
        if (c.disabled_at)
            rs->status = 409;
        return code_page(rq, rs, &c, values, errors);
    }
    if ((rc = begin(rq)) != 0) {
        json_decref(values);
        json_decref(errors);
        return rc;
    }
    int changed = store_code_edit(ap->db, c.id, (int)uses, *expires ? expires : NULL);
    if (changed < 0) {
        json_decref(values);
        json_decref(errors);
        return failed(rq);
    }
    if (changed == 0) {
        db_rollback(ap->db);
        code_info now;
        if (store_code_get(ap->db, rq->a, c.code, &now) != 1) {
            json_decref(values);
            json_decref(errors);
            return page_unavailable(rq);
        }
        json_object_set_new(errors, "form", json_string(now.disabled_at ? "This code was disabled meanwhile, so it was "
                                                                          "not changed."
                                                                        : "The code was used meanwhile more often than "
                                                                          "the new limit, so it was not changed."));
        rs->status = 409;
        return code_page(rq, rs, &now, values, errors);
    }
    json_decref(values);
    json_decref(errors);
    if (audit(rq, "code.edited", arena_printf(rq->a, "code:%s", c.code),
              arena_printf(rq->a, "limit %s, expires %s", *max ? max : "none", *expires ? expires : "never")) != 0)
        return failed(rq);
    if ((rc = commit(rq)) != 0)
        return rc;
    return go(rq, rs, arena_printf(rq->a, "/staff/codes/%s", c.code), "code-saved");
}

/* POST /staff/codes/CODE/disable: disable the code once, audited; 409 when it is disabled already. */
int page_staff_code_disable(request *rq, response *rs)
{
    app *ap = page_app(rq);
    code_info c;
    int rc = load_code(rq, &c);
    if (rc)
        return rc;
    if ((rc = begin(rq)) != 0)
        return rc;
    /* One conditional write: a code is disabled once. */
    int changed = store_code_disable(ap->db, c.id, time(NULL));
    if (changed < 0)
        return failed(rq);
    if (changed == 0) {
        db_rollback(ap->db);
        rq->message = "This code is disabled already.";
        return 409;
    }
    if (audit(rq, "code.disabled", arena_printf(rq->a, "code:%s", c.code), NULL) != 0)
        return failed(rq);
    if ((rc = commit(rq)) != 0)
        return rc;
    return go(rq, rs, arena_printf(rq->a, "/staff/codes/%s", c.code), "code-disabled");
}
