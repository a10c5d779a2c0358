/*
** certs.c: completion sign-off, certificates and revocation (see certs.h).
*/
#include "certs.h"

#include <ctype.h>
#include <string.h>

#include <jansson.h>

#include "crypto.h"
#include "date.h"
#include "log.h"
#include "notify.h"

#define REASON_MAX 500

void certs_rule(const completion_offering *o, completion_rule *r)
{
    const char *why;
    if (completion_parse(o->completion, r, &why) != 0)
        completion_parse(COMPLETION_DEFAULT, r, &why);
}

void certs_facts(const completion_offering *o, const completion_person *p, completion_facts *f)
{
    f->activities_total = o->activities;
    f->activities_complete = p->activities_complete;
    f->posts = p->posts;
    f->panel = p->panel;
}

/* n bytes of h as lower-case hex into out (2n + 1 bytes). */
static void hex(const unsigned char *h, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[2 * n] = '\0';
}

void certs_identity(const char *email, const char *salt, char out[CERTS_IDENTITY_LEN])
{
    buf b = BUF_INIT;
    for (const char *p = email; *p; p++)
        buf_printf(&b, "%c", tolower((unsigned char)*p));
    buf_puts(&b, salt);
    unsigned char h[CRYPTO_HASH_LEN];
    crypto_token_hash(buf_str(&b), h);
    buf_free(&b);
    memcpy(out, "sha256$", 7);
    hex(h, sizeof h, out + 7);
}

/* 32 fresh random bytes as 64 hex digits into out. */
static void random_hex(char out[2 * CRYPTO_HASH_LEN + 1])
{
    char token[CRYPTO_TOKEN_LEN + 1];
    unsigned char h[CRYPTO_HASH_LEN];
    crypto_token(token);
    crypto_token_hash(token, h);
    hex(h, sizeof h, out);
}

/* What p still lacks under rule r in o, as one sentence (in d->a). */
static const char *missing(domain *d, const completion_rule *r, const completion_facts *f, const char *name)
{
    buf b = BUF_INIT;
    buf_printf(&b, "%s has not met the completion rules yet:", name);
    const char *sep = " ";
    if (r->activities && f->activities_complete < f->activities_total) {
        buf_printf(&b, "%s%d of %d activities marked complete", sep, f->activities_complete, f->activities_total);
        sep = "; ";
    }
    if (f->posts < r->posts) {
        buf_printf(&b, "%s%d of %d posts", sep, f->posts, r->posts);
        sep = "; ";
    }
    if (r->panel && !f->panel)
        buf_printf(&b, "%sthe panel is not marked watched", sep);
    buf_puts(&b, ". Sign off once they have.");
    const char *s = arena_strdup(d->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* "7–11 December 2026" for the offering's dates (in d->a). */
static const char *dates_label(domain *d, const char *starts, const char *ends)
{
    int32_t a, z;
    if (date_parse(starts, &a) != 0 || date_parse(ends, &z) != 0)
        return arena_printf(d->a, "%s to %s", starts, ends);
    buf b = BUF_INIT;
    date_range_label(&b, a, z);
    const char *s = arena_strdup(d->a, buf_str(&b));
    buf_free(&b);
    return s;
}

/* Issue the certificate for p in o, signed by d->actor, with its
** notification and e-mail; inside the transaction. */
static int issue(domain *d, const completion_offering *o, const completion_person *p, const char **number)
{
    char rnd[2 * CRYPTO_HASH_LEN + 1], salt[2 * CRYPTO_HASH_LEN + 1], identity[CERTS_IDENTITY_LEN];
    random_hex(rnd);
    random_hex(salt);
    salt[32] = '\0';
    for (int i = 0; i < 12; i++)
        rnd[i] = (char)toupper((unsigned char)rnd[i]);
    certificate_row c = {0};
    c.number = arena_printf(d->a, "JM-%.4s-%.4s-%.4s", rnd, rnd + 4, rnd + 8);
    certs_identity(p->email, salt, identity);
    c.offering_id = o->id;
    c.user_id = p->user_id;
    c.coach_id = d->actor;
    c.recipient_name = p->name;
    c.salt = salt;
    c.identity_hash = identity;
    c.hours = o->hours_max;
    c.issued_at = d->now;
    int64_t id = store_certificate_add(d->db, &c);
    if (id < 0)
        return id == DB_DUPLICATE ? domain_refuse(d, DOM_CONFLICT, NULL, "A certificate for this person was issued "
                                                  "at the same moment; reload the page to see it.")
                                  : domain_store_failed(d);
    const char *link = arena_printf(d->a, "/certificates/%s", c.number);
    const char *title = arena_printf(d->a, "Your certificate for %s is ready", o->course_title);
    if (store_certificate_notice(d->db, p->user_id, o->id, d->actor, title, link, d->now) < 0)
        return domain_store_failed(d);
    json_t *ctx = json_pack("{s:{s:s}, s:s, s:s, s:s, s:i, s:s, s:s}", "user", "name", p->name, "course_title",
                            o->course_title, "dates_label", dates_label(d, o->starts, o->ends), "number", c.number,
                            "hours", o->hours_max, "certificate_url",
                            arena_printf(d->a, "%s%s", d->cfg->base_url, link), "assertion_url",
                            arena_printf(d->a, "%s/badges/assertions/%s.json", d->cfg->base_url, c.number));
    if (!ctx)
        return DOM_ERROR;
    int rc = notify_queue(d, "certificate", title, p->email, p->name, ctx, NULL);
    json_decref(ctx);
    if (rc == DOM_OK)
        *number = c.number;
    return rc;
}

/* certs_sign_off inside its transaction. */
static int sign_off(domain *d, int64_t offering_id, int64_t user_id, const char **number)
{
    completion_offering o;
    completion_person p;
    int rc = store_completion_offering(d->db, d->a, offering_id, NULL, &o);
    if (rc <= 0)
        return rc < 0 ? domain_store_failed(d) : domain_refuse(d, DOM_NOT_FOUND, NULL, "There is no such offering.");
    rc = store_completion_person(d->db, d->a, offering_id, user_id, &p);
    if (rc <= 0)
        return rc < 0 ? domain_store_failed(d)
                      : domain_refuse(d, DOM_NOT_FOUND, NULL, "That person is not a participant of this offering, "
                                      "so there is no completion to sign off.");
    if (p.signed_at)
        return domain_refuse(d, DOM_CONFLICT, NULL,
                             arena_printf(d->a, "%s is signed off already%s%s.", p.name, p.signed_by ? " by " : "",
                                          p.signed_by ? p.signed_by : ""));
    completion_rule r;
    completion_facts f;
    certs_rule(&o, &r);
    certs_facts(&o, &p, &f);
    if (!completion_met(&r, &f))
        return domain_refuse(d, DOM_INVALID, NULL, missing(d, &r, &f, p.name));
    rc = store_completion_add(d->db, offering_id, user_id, d->actor, d->now);
    if (rc < 0)
        return domain_store_failed(d);
    if (rc == 0)
        return domain_refuse(d, DOM_CONFLICT, NULL,
                             arena_printf(d->a, "%s was signed off by someone else a moment ago.", p.name));
    return issue(d, &o, &p, number);
}

int certs_sign_off(domain *d, int64_t offering_id, int64_t user_id, const char **number)
{
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    return domain_end(d, sign_off(d, offering_id, user_id, number));
}

int certs_sign_off_all(domain *d, int64_t offering_id, int *n_signed)
{
    *n_signed = 0;
    completion_offering o;
    completion_person *people;
    int n;
    int rc = store_completion_offering(d->db, d->a, offering_id, NULL, &o);
    if (rc <= 0)
        return rc < 0 ? domain_store_failed(d) : domain_refuse(d, DOM_NOT_FOUND, NULL, "There is no such offering.");
    if (store_completion_people(d->db, d->a, offering_id, &people, &n) != 0)
        return domain_store_failed(d);
    completion_rule r;
    certs_rule(&o, &r);
    for (int i = 0; i < n; i++) {
        completion_facts f;
        certs_facts(&o, &people[i], &f);
        if (people[i].signed_at || !completion_met(&r, &f))
            continue;
        const char *number;
        rc = certs_sign_off(d, offering_id, people[i].user_id, &number);
        if (rc == DOM_OK)
            (*n_signed)++;
        else if (rc != DOM_CONFLICT && rc != DOM_INVALID)
            return rc;
    }
    d->message = NULL;
    return DOM_OK;
}

int certs_revoke(domain *d, const char *number, const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;
    while (n && isspace((unsigned char)reason[n - 1]))
        n--;
    while (n && isspace((unsigned char)*reason)) {
        reason++;
        n--;
    }
    if (n == 0 || n > REASON_MAX)
        return domain_refuse(d, DOM_INVALID, "reason", "Say why the certificate is revoked (up to 500 characters): "
                             "the reason is shown wherever the certificate is checked.");
    const char *why = arena_strndup(d->a, reason, n);
    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    certificate_row c;
    rc = store_certificate_get(d->db, d->a, number, &c);
    if (rc <= 0)
        return domain_end(d, rc < 0 ? domain_store_failed(d)
                                    : domain_refuse(d, DOM_NOT_FOUND, NULL, "There is no certificate with that number."));
    rc = store_certificate_revoke(d->db, number, d->actor, why, d->now);
    if (rc < 0)
        return domain_end(d, domain_store_failed(d));
    if (rc == 0)
        return domain_end(d, domain_refuse(d, DOM_CONFLICT, NULL, "This certificate is revoked already."));
    return domain_end(d, DOM_OK);
}
