/*
** domain.c: the domain context and its transaction helper (see domain.h).
*/
#include "domain.h"

#include "log.h"
#include "store_enrol.h"

domain domain_make(db *d, const config *cfg, tmpl_set *tmpl, arena *a, int64_t actor, time_t now)
{
    domain x = {0};
    x.db = d;
    x.cfg = cfg;
    x.tmpl = tmpl;
    x.a = a;
    x.actor = actor;
    x.now = now;
    return x;
}

int domain_refuse(domain *d, int rc, const char *field, const char *message)
{
    d->message = message;
    d->field = field;
    return rc;
}

int domain_store_failed(domain *d)
{
    return domain_refuse(d, DOM_UNAVAILABLE, NULL,
                         "The database could not be read or written just now, so nothing was changed. "
                         "Please try again in a minute.");
}

int domain_begin(domain *d)
{
    if (db_begin_write(d->db) != 0)
        return domain_store_failed(d);
    return DOM_OK;
}

int domain_end(domain *d, int rc)
{
    if (rc == DOM_OK && db_commit(d->db) == 0)
        return DOM_OK;
    db_rollback(d->db);
    if (rc == DOM_OK)
        return domain_store_failed(d);
    if (!d->message)
        d->message = rc == DOM_ERROR ? "Something went wrong on our side, so nothing was changed. Please try again."
                                     : "Nothing was changed. Please try again.";
    return rc;
}

int domain_audit(domain *d, const char *action, int64_t enrolment_id, const char *detail)
{
    if (store_audit(d->db, d->actor, action, arena_printf(d->a, "enrolment:%lld", (long long)enrolment_id), detail,
                    d->now) != 0) {
        log_error("audit %s for enrolment %lld: %s", action, (long long)enrolment_id, db_errmsg(d->db));
        return DOM_ERROR;
    }
    return DOM_OK;
}
