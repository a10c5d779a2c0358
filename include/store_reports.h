/*
** store_reports.h: the SQL behind the staff reports and exports: counts of
** registrations by state and payment state, money, completion, discussion
** activity and coach response times for one offering or one season; the
** registrations made per day; and the rows of the CSV exports (rosters,
** payments, invoices, completions), read one at a time so an export of any
** size is never held in memory.
**
** Every read follows db.h's convention (0/-1 for a summary, 1/0/-1 for one
** row, a list in the caller's arena). What is read is returned as it is;
** the pages shape it.
*/
#ifndef JOURNEYS_STORE_REPORTS_H
#define JOURNEYS_STORE_REPORTS_H

#include <stdint.h>

#include "arena.h"
#include "db.h"

/* What a report covers: one offering (offering_id > 0), one season
** (season not NULL), or, for exports only, everything (neither). */
typedef struct report_scope {
    int64_t offering_id;
    const char *season;
} report_scope;

/* A count under a name ("active": 12). */
typedef struct report_count {
    const char *key;
    int64_t n;
} report_count;

/* Money in one currency, in cents. */
typedef struct report_money {
    const char *currency;
    int64_t paid;             /* taken by card (payments paid, later refunded or not) */
    int64_t refunded;         /* given back (refunds done) */
    int64_t invoices_open;    /* invoices issued and not yet paid */
    int64_t invoices_paid;    /* invoices marked paid */
    int64_t n_invoices_open;
} report_money;

typedef struct report_summary {
    report_count *by_state;   /* enrolments.status, most first */
    int n_state;
    report_count *by_payment; /* enrolments.payment_status, most first */
    int n_payment;
    report_money *money;      /* one per currency */
    int n_money;
    int64_t seated;           /* active registrations, settled (paid, invoiced or waived) */
    int64_t completed;        /* completions signed off */
    int64_t threads, posts, posters; /* discussion: threads, posts not deleted, people who posted */
    int64_t questions;        /* threads a participant started */
    int64_t answered;         /* of them, with a reply from one of the offering's coaches */
    int64_t answer_seconds;   /* summed time from the thread to that first reply */
    int64_t answered_in_day;  /* replies within 24 hours */
    int64_t submissions;      /* activity versions handed in */
    int64_t reviewed;         /* of them, with feedback */
    int64_t review_seconds;   /* summed time from hand-in to the first feedback */
} report_summary;

/* Registrations made on one day (UTC, "2026-11-30"). */
typedef struct report_day {
    const char *day;
    int64_t n;
} report_day;

/* One offering in a report: its heading and key numbers. */
typedef struct report_offering {
    int64_t id;
    const char *code, *course_title, *starts, *ends, *season, *currency;
    int64_t capacity, registrations, seated, completed, paid_cents;
} report_offering;

/* One season: its name, offerings and registrations. */
typedef struct report_season {
    const char *name, *first_start, *last_start;
    int64_t offerings, registrations;
} report_season;

/* The summary of scope (an offering or a season) into out, lists in a. 0 or -1. */
int store_report_summary(db *d, arena *a, const report_scope *scope, report_summary *out);

/* Registrations made per day in scope, oldest first, in a. 0 or -1. */
int store_report_days(db *d, arena *a, const report_scope *scope, report_day **list, int *n);

/* The offering with code into out (strings in a): 1, 0 when there is none, -1. */
int store_report_offering(db *d, arena *a, const char *code, report_offering *out);

/* The offerings of season, soonest first, with their numbers, in a. 0 or -1. */
int store_report_season_offerings(db *d, arena *a, const char *season, report_offering **list, int *n);

/* Every season, newest first, in a. 0 or -1. */
int store_report_seasons(db *d, arena *a, report_season **list, int *n);

/* The kinds of export and their columns, in this order:
**   EXPORT_ROSTERS      offering, course, season, starts, registration, name, email, school,
**                       status, payment, amount, currency, registered, activated
**   EXPORT_PAYMENTS     payment, offering, registration, name, email, provider session, amount,
**                       refunded, currency, status, created, updated
**   EXPORT_INVOICES     invoice, offering, registration, school, billing contact, billing email,
**                       amount, currency, status, issued, updated
**   EXPORT_COMPLETIONS  offering, course, name, email, signed off by, signed off, certificate, hours
** Amounts are "50.00"; times are "2026-12-02T13:05:00Z" (UTC) or NULL. */
typedef enum export_kind { EXPORT_ROSTERS, EXPORT_PAYMENTS, EXPORT_INVOICES, EXPORT_COMPLETIONS } export_kind;

/* One cell of an export row: text (NULL for none), or a whole number. */
typedef struct export_cell {
    const char *text;
    int64_t num;
    int is_num;
} export_cell;

/* Call fn(ctx, cells, n) for each row of the export kind over scope (an
** offering, a season, or everything), in the order the rows are read: no
** row is kept after fn returns, so memory does not grow with the export.
** The cells are valid during the call only. A non-zero return from fn
** stops the reading (not an error). Returns 0, or -1 on a read error. */
int store_export_each(db *d, export_kind kind, const report_scope *scope,
                      int (*fn)(void *ctx, const export_cell *cells, int n), void *ctx);

#endif
