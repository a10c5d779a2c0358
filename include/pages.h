/*
** pages.h: the page handlers and the helpers they share.
**
** A handler reads like a short story: check who is asking (already done by
** the dispatcher from the route's flags), load from the store, decide, render
** a template. Handlers allocate from the request arena and never free;
** JSON contexts handed to page_render are consumed by it.
*/
#ifndef JOURNEYS_PAGES_H
#define JOURNEYS_PAGES_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "http.h"
#include "router.h"
#include "store_content.h"

/* The application serving rq: the dispatcher keeps it in the request's
** owner pointer, which http never looks at. */
struct app;
static inline struct app *page_app(const request *rq)
{
    return (struct app *)rq->owner;
}

/* The object every workspace page passes as "ws" (partials/workspace_nav):
** from rq->seat (an R_WORKSPACE route, or after access_seat): code, title
** (the course's), starts, ends and dates_label, is_participant, is_coach,
** is_staff, can_post, archived, and is_PART true for the part shown
** ("today", "panel", "playlist", "discuss", "activities", "notifications").
** Counts shown in the navigation (unread, notices) are 0 until a part fills
** them. NULL when rq has no seat. Each call notes the person's visit to
** the offering's workspace (workspace_visits: first and last seen, one
** upsert). */
json_t *page_ws(request *rq, const char *part);

/* An unread count as shown: "1,000+" at DISCUSS_UNREAD_CAP or more (the
** store counts up to it a thread), else the number; in rq's arena. */
const char *page_unread_label(request *rq, int n);

/* "2 December 2026, 14:05 CET": instant t in the signed-in person's own
** time zone (their account's; UTC for a visitor or a zone the system does
** not know), in rq's arena. */
const char *page_when_label(request *rq, time_t t);

/* "2026-12-02T13:05:00Z": instant t for a <time datetime>, in rq's arena. */
const char *page_when_iso(request *rq, time_t t);

/* The route table (pages/routes.c). */
extern const route pages_routes[];
extern const size_t pages_n_routes;

/* Render template name into the layout as the response body. ctx is
** consumed (decref'd); title becomes the page title; nav names the current
** section ("home", "courses", "calendar") or NULL. Returns 0 or 500, or
** 503 when ctx is NULL (a json_pack given a list the store could not read). */
int page_render(request *rq, response *rs, const char *name, json_t *ctx,
                const char *title, const char *nav);

/* A read from the store failed: set rq->message (nothing changed, try again
** in a minute) and return 503 for the handler to answer. A failed read is
** never an absence and a failed list is never empty. */
int page_unavailable(request *rq);
/* What a shared view builder returns: ctx (consumed), the page title and
** its description (in the arena; description may be NULL). */
typedef struct page_view {
    json_t *ctx;
    const char *title, *description;
} page_view;

/* Build the view of a page that is the same for everyone who asks on day
** today (its data: published content, offerings, seat counts). Fills v and
** returns 0, or returns an HTTP status (rq->message says why). */
typedef int (*page_view_fn)(request *rq, int32_t today, page_view *v);

/* How a kept fragment is found and when it is stale. key names what the
** fragment depends on besides the template and the day (a path, a thread
** id...); version is read from the database for this request and moves in
** the same transaction as any change the fragment shows (a thread's own
** version for user-generated pages); expires, if not NULL, says until when
** a fragment built now stays good without a write (0: as long as the
** version). site_version is the content version if read, else -1. */
typedef struct page_keep {
    const char *key;
    uint64_t version;
    int64_t site_version;
    time_t (*expires)(request *rq, time_t now);
} page_keep;

/* Render template name the way page_render does, keeping the rendered
** fragment in the worker's cache (pages/page.c) under (name, k->key, day)
** at k->version; a kept fragment still current is used without calling
** build. k NULL renders without keeping. The fragment never sees who is
** asking (no CSRF token, no user), so it may be served to anyone the caller
** lets see the page: check access before calling. The view gets "slot"
** (page_slots); a form in it writes value="{{slot.csrf_html | raw}}" for
** its token, which is filled with the asker's on every answer from the
** places found once when the fragment was kept (page_slots_index). The
** layout around it is rendered per request. Returns 0, or build's status,
** or 500. */
int page_render_kept(request *rq, response *rs, const char *name, const char *nav, const page_keep *k,
                     page_view_fn build);

/* page_render_kept for the public catalog pages: keyed by path, at the
** content and seat versions, good until the next seat hold or offer lapses. */
int page_render_shared(request *rq, response *rs, const char *name, const char *nav, page_view_fn build);

/* page_render_shared for a page with a variant of its path (the calendar's
** season): variant (may be NULL) is part of the key. */
int page_render_shared_as(request *rq, response *rs, const char *name, const char *nav, const char *variant,
                          page_view_fn build);

/* Render the error page for status with a message a person can act on.
** Always fills rs (falls back to plain text if templates fail). */
void page_error(request *rq, response *rs, int status, const char *message);

/* Show a notice on the next page this browser loads (after a redirect).
** code names one of the fixed notices in page.c, so nothing a visitor
** sends can become a notice. */
void page_flash(request *rq, response *rs, const char *code);

/* Read and clear the pending notice, if any (the dispatcher calls this). */
void page_take_flash(request *rq, response *rs);

/* The store's rows shaped as the templates read them (see
** templates/README.md): new JSON values the caller owns. */
json_t *page_course_json(const course_row *c);
json_t *page_course_page_json(const course_page_row *c);
json_t *page_offering_json(const offering_listing *o);

/* Read and shape in one step, scratch strings in a: the published courses
** (an array, empty on error); one course with its page's parts, or NULL;
** the offerings (all, or course_slug's; demo ones when with_demo; an array,
** empty on error); one offering by code, or NULL. Errors are logged. */
json_t *page_courses_load(db *d, arena *a);
json_t *page_course_load(db *d, arena *a, const char *slug);
json_t *page_offerings_load(db *d, arena *a, const char *course_slug, int with_demo);
json_t *page_offering_load(db *d, arena *a, const char *code);

/* Offering rows as read by the store (n of them), shaped as a JSON array
** of offering objects; the caller owns the array. */
json_t *page_offerings_json(const offering_listing *list, int n);

/* Add the labels, URLs and state flags the templates use to an offering
** from the store (see templates/README.md), as seen on day today. */
void page_offering(arena *a, json_t *offering, int32_t today);

/* A person's registrations as read (store_user_enrolments, n of them) as
** a JSON array of { id, status, payment_status, amount_cents, currency,
** hold_until, offer_until (null when unset), created_at, offering } with
** each offering shaped as page_offering_json; the caller owns it. */
struct user_enrolment_row;
json_t *page_user_enrolments_json(const struct user_enrolment_row *list, int n);

/* An iCalendar document with one all-day event per offering in list,
** appended to out; calname NULL names it after the series. */
struct app;
void page_ics(struct app *ap, json_t *list, const char *calname, buf *out);

/* ---- The course workspace: the week, panel and playlist (pages/learn.c) ---- */

/* A JSON value built only from published content (the same for everyone
** who may see it), kept by the worker under key at the content version:
** build(rq, arg) runs on a miss and its result is kept. Returns a new
** reference to the kept value, or NULL when build failed. The value is
** shared with later requests: read it, never change it (json_deep_copy
** it to change it). */
json_t *page_kept_json(request *rq, const char *key, json_t *(*build)(request *rq, const char *arg), const char *arg);

/* The privacy-enhanced player for a recording's https URL: YouTube
** (watch?v=, youtu.be/, embed/) becomes https://www.youtube-nocookie.com/embed/ID,
** Vimeo (vimeo.com/N, player.vimeo.com/video/N) becomes
** https://player.vimeo.com/video/N?dnt=1. Returns 1 with *embed (in a) and
** *host ("youtube" or "vimeo"), or 0 (both NULL) for anything else, which
** pages show as a plain link. */
int page_video_embed(arena *a, const char *url, const char **embed, const char **host);

int page_learn_week(request *rq, response *rs);       /* GET /learn/CODE */
int page_learn_panel(request *rq, response *rs);      /* GET /learn/CODE/panel */
int page_learn_watched(request *rq, response *rs);    /* POST /learn/CODE/panel/watched (done=0 takes it back) */
int page_learn_playlist(request *rq, response *rs);   /* GET /learn/CODE/playlist */
int page_learn_check(request *rq, response *rs);      /* POST /learn/CODE/playlist/ID (done=1 or done=0) */

/* Handlers: public catalog and calendar (pages/catalog.c). */
int page_home(request *rq, response *rs);
int page_courses(request *rq, response *rs);
int page_course(request *rq, response *rs);
int page_calendar(request *rq, response *rs);
int page_offering_show(request *rq, response *rs);
int page_calendar_ics(request *rq, response *rs);
int page_offering_ics(request *rq, response *rs);
int page_health(request *rq, response *rs);
int page_course_notify(request *rq, response *rs);   /* GET form, POST keep: hear of new dates */

/* Accounts (pages/account.c). */
int page_signup(request *rq, response *rs);
int page_signin(request *rq, response *rs);
int page_signout(request *rq, response *rs);
int page_verify(request *rq, response *rs);
int page_reset_request(request *rq, response *rs);
int page_reset_confirm(request *rq, response *rs);
int page_account(request *rq, response *rs);
int page_account_profile(request *rq, response *rs);
int page_account_email(request *rq, response *rs);
int page_account_email_confirm(request *rq, response *rs);
int page_account_password(request *rq, response *rs);
int page_account_data(request *rq, response *rs);
int page_account_delete(request *rq, response *rs);
/* POST /account/verify/resend: mail an unconfirmed account a new confirmation
** link (three an hour). */
int page_account_verify_resend(request *rq, response *rs);

/* Notifications (pages/notices.c): the person's list across their
** offerings, opening one (marks it read, then its link), marking read, the
** e-mail choices on the account page, and one-click unsubscribe. */
int page_notices(request *rq, response *rs);
int page_notice_open(request *rq, response *rs);
int page_notice_read(request *rq, response *rs);
int page_notices_read_all(request *rq, response *rs);
int page_account_notifications(request *rq, response *rs);
int page_unsubscribe(request *rq, response *rs);
/* The signed-in person's e-mail choices as the account page reads them:
** {instant, digest, off, morning} booleans; NULL when the store failed. */
json_t *page_notify_prefs(request *rq);

/* Registration and payment (pages/register.c). */
int page_register(request *rq, response *rs);
int page_pay(request *rq, response *rs);
int page_pay_start(request *rq, response *rs, int64_t enrolment_id);
int page_my(request *rq, response *rs);
int page_checkout_return(request *rq, response *rs);
int page_webhook(request *rq, response *rs);
int page_cancel(request *rq, response *rs);
int page_accept(request *rq, response *rs);
int page_decline(request *rq, response *rs);
int page_receipt(request *rq, response *rs);

/* "Paid $50.00 · refunded $20.00" in the arena when refunded_cents > 0,
** else NULL (the caller shows its usual payment label). */
const char *page_paid_label(arena *a, int64_t paid_cents, int64_t refunded_cents, const char *currency);

/* Confirmation pages before an action that cannot be undone: each says what
** will happen and posts to the action's own address (pages/confirm.c). */
int page_confirm_cancel(request *rq, response *rs);
int page_confirm_decline(request *rq, response *rs);
int page_confirm_refund(request *rq, response *rs);

/* Activity submissions (pages/activities.c): the list, one activity with
** the person's versions and the hand-in form (R_UPLOAD), sharing after a
** reminder, the cohort's gallery with comments, and downloads through the
** permission check (X-Accel-Redirect). Every one is R_WORKSPACE. */
int page_activities(request *rq, response *rs);
int page_activity(request *rq, response *rs);
int page_activity_submit(request *rq, response *rs);
int page_activity_gallery(request *rq, response *rs);
int page_submission_share_confirm(request *rq, response *rs);
int page_submission_share(request *rq, response *rs);
int page_submission_unshare(request *rq, response *rs);
int page_submission_comment(request *rq, response *rs);
int page_submission_comment_delete(request *rq, response *rs);
int page_file_download(request *rq, response *rs);

/* feedback: a submission with all its versions and the feedback on each,
** and a coach's feedback on a version (pages/feedback.c); both R_WORKSPACE.
** page_feedback_attach adds to each version object versions[i] (the JSON
** of subs[i]) its feedback, state and state_label, has_feedback and
** review_url (the submission's page): 0, or -1 when the store failed. */
int page_submission_view(request *rq, response *rs);
int page_submission_feedback(request *rq, response *rs);
struct submission_row;
int page_feedback_attach(request *rq, const struct submission_row *subs, int n, json_t *versions);
/* Add to each activity object of list (from page_activities, in order,
** each with its "key") the state of rq's person's latest version:
** feedback_label ("Complete", "Revise and resubmit", "Waiting for
** feedback"), is_complete, is_revise; nothing for one not handed in.
** item_ids[i] is the id of the activity at list[i]. 0, or -1 when the
** store failed. */
int page_feedback_states(request *rq, const int64_t *item_ids, json_t *list);

/* The staff console (pages/staff.c). */
int page_staff_home(request *rq, response *rs);
int page_staff_offering(request *rq, response *rs);
int page_staff_mark_paid(request *rq, response *rs);
int page_staff_waive(request *rq, response *rs);
int page_staff_approve(request *rq, response *rs);
int page_staff_refund(request *rq, response *rs);
int page_staff_outbox(request *rq, response *rs);
int page_staff_outbox_retry(request *rq, response *rs);
int page_staff_outbox_message(request *rq, response *rs);
int page_staff_codes(request *rq, response *rs);
/* Cancelling an offering (pages/cancel.c): the explanation and
** afterwards what was done (GET), the cancellation itself (POST), and
** asking the provider again for refunds it did not confirm. */
int page_staff_cancel(request *rq, response *rs);
int page_staff_cancel_post(request *rq, response *rs);
int page_staff_cancel_refunds(request *rq, response *rs);
/* Reports and streamed CSV exports (pages/reports.c), all R_STAFF. */
int page_staff_reports(request *rq, response *rs);         /* GET /staff/reports */
int page_staff_report_season(request *rq, response *rs);   /* GET /staff/reports/seasons/NAME */
int page_staff_report_offering(request *rq, response *rs); /* GET /staff/reports/offerings/CODE */
int page_staff_export(request *rq, response *rs);          /* GET /staff/exports/KIND.csv */

/* Workspace: discussions (pages/discuss.c). Each runs on an R_WORKSPACE
** route (rq->seat set); a thread or post in capture 1 is checked against
** its own offering. GET the spaces, a space's threads, a thread's posts;
** POST start a thread (a space's address), reply, follow/mute/unfollow
** (the path's last segment), edit and delete one's own post. */
int page_discuss(request *rq, response *rs);
int page_discuss_space(request *rq, response *rs);
int page_discuss_start(request *rq, response *rs);
int page_thread(request *rq, response *rs);
int page_thread_reply(request *rq, response *rs);
int page_thread_follow(request *rq, response *rs);
int page_post_edit(request *rq, response *rs);
int page_post_delete(request *rq, response *rs);

/* Moderation (pages/moderate.c), for the offering's coaches and staff. The
** /learn routes are R_WORKSPACE | R_COACH; a thread or post in capture 1 is
** checked against its own offering, then access_allows(ACCESS_FACILITATE).
** POST pin/unpin/lock/unlock a thread (the path's last segment), GET the
** move form and POST the move (space, reason), POST exemplary/unexemplary/
** unhide a post, GET the hide form and POST the hide (reason), GET the
** wrap-up form and POST the wrap-up; GET /coach/offerings/CODE/moderation,
** the log (R_COACH). */
int page_moderate_thread_flag(request *rq, response *rs);
int page_moderate_move_form(request *rq, response *rs);
int page_moderate_move(request *rq, response *rs);
int page_moderate_post_mark(request *rq, response *rs);
int page_moderate_hide_form(request *rq, response *rs);
int page_moderate_hide(request *rq, response *rs);
int page_moderate_wrapup_form(request *rq, response *rs);
int page_moderate_wrapup(request *rq, response *rs);
int page_moderation_log(request *rq, response *rs);

/* The thread page's "moderate" keys (templates/pages/thread.html) for a
** person who moderates thread t's offering: whether it is pinned and
** locked, the addresses of the pin/lock toggles, the move form and the
** log, and the spaces it can move to; NULL for anyone else (or when the
** spaces could not be read). A struct thread_row from store_discuss.h. */
struct thread_row;
json_t *page_moderate_thread_keys(request *rq, const struct thread_row *t);

/* certs: completion and certificates (pages/certs.c). The coach's
** completion page for an offering (R_COACH, then the per-offering check)
** with sign-off one at a time or for all who meet the rules; the
** participant's page in the workspace; the public certificate and staff
** revocation; the Open Badges 2.0 issuer, badge class, assertion (410 with
** revoked: true once revoked) and badge image. */
int page_coach_completion(request *rq, response *rs);
int page_coach_sign_off(request *rq, response *rs);
int page_coach_sign_off_all(request *rq, response *rs);
int page_learn_certificate(request *rq, response *rs);
int page_certificate(request *rq, response *rs);
int page_certificate_revoke(request *rq, response *rs);
int page_badge_issuer(request *rq, response *rs);
int page_badge_class(request *rq, response *rs);
int page_badge_assertion(request *rq, response *rs);
int page_badge_image(request *rq, response *rs);

/* Announcements (pages/announce.c), each on an R_WORKSPACE route: GET the
** list (with the form for the offering's coaches and staff, and their
** scheduled ones), POST one (now or scheduled), POST .../ID/cancel to
** withdraw a scheduled one. page_announce_latest: the newest published
** announcement of rq->seat's offering as the week page shows it (title,
** author_name, body_html, when_label, when_iso, url, all_url), or a JSON
** null when there is none or it could not be read. */
int page_announcements(request *rq, response *rs);
int page_announce_post(request *rq, response *rs);
int page_announce_cancel(request *rq, response *rs);
json_t *page_announce_latest(request *rq);
/* Roster (pages/roster.c): a coach's roster of an offering a page at a
** time and as CSV, one participant's page with the private thread of
** messages and the form that sends one (R_COACH, then ACCESS_FACILITATE on
** the offering), and the participant's side of the thread (R_WORKSPACE). */
int page_coach_roster(request *rq, response *rs);      /* GET /coach/offerings/CODE/roster?page=N */
int page_coach_roster_csv(request *rq, response *rs);  /* GET /coach/offerings/CODE/roster.csv */
int page_coach_person(request *rq, response *rs);      /* GET /coach/offerings/CODE/people/ID */
int page_coach_message(request *rq, response *rs);     /* POST /coach/offerings/CODE/people/ID/messages */
int page_messages(request *rq, response *rs);          /* GET /learn/CODE/messages */
int page_messages_send(request *rq, response *rs);     /* POST /learn/CODE/messages */
/* ---- signed-in parts kept per worker by their own version
** (pages/kept.c) ---- */

/* Build a kept fragment's view: *ctx gets a new object the template
** reads (consumed by the caller); *expires (the caller's bound) may be
** moved earlier, to when something the view shows changes with time alone.
** Returns 0, or an HTTP status with rq->message saying why. */
typedef int (*page_fragment_fn)(request *rq, void *arg, json_t **ctx, time_t *expires);

/* Template name rendered for everyone who may see it and kept by this
** worker under (name, day, key) at version, good until expires (0: as
** long as the version); key NULL renders without keeping. On a miss
** build(rq, arg, &ctx) makes the view, to which "slot" (page_slots) is
** added. The fragment must hold nothing of the asker but slots; they are
** filled for rq on every answer, the sections opened by page_slot_at(id)
** kept only when id is mark (0: none). *html (in rq's arena, *len bytes)
** is the filled fragment. Returns 0, build's status, or 500. Check access
** first. */
int page_fragment_kept(request *rq, const char *name, const char *key, uint64_t version, time_t expires,
                       page_fragment_fn build, void *arg, int64_t mark, const char **html, size_t *len);

/* The slots a kept template writes: {csrf_html, mine_end_html,
** at_end_html} (a new object); page_slot_mine opens a section kept only
** for user_id, page_slot_at one kept only where the answer's mark is id
** (both in rq's arena). All carry this process's secret. */
json_t *page_slots(request *rq);
const char *page_slot_mine(request *rq, int64_t user_id);
const char *page_slot_at(request *rq, int64_t id);

/* The slots of html (n bytes, under 4 GB) found once, with html after
** them, as a blob appended to b (b->failed on failure), for
** page_slots_apply to fill on each answer. */
void page_slots_index(const char *html, size_t n, buf *b);

/* The html of blob (n bytes, from page_slots_index) with its slots filled
** for rq (no mark: page_slot_at sections left out), in rq's arena; *out_n
** its length. NULL when blob is not of that shape. */
const char *page_slots_apply(request *rq, const char *blob, size_t n, size_t *out_n);

/* n numbers kept by this worker under key at version (see
** page_keep_ints): 1 with v[0..n-1] set, or 0 when none are kept. */
int page_kept_ints(const char *key, uint64_t version, int64_t *v, int n);

/* Keep v[0..n-1] under key at version until expires (0: no time limit);
** a failure only means they are worked out again next time. */
void page_keep_ints(const char *key, uint64_t version, time_t expires, const int64_t *v, int n);

/* store_unread_total kept by this worker per person and offering at
** store_unread_version (at most a minute). The count, or -1. */
int page_unread_kept(request *rq, int64_t offering_id, int64_t user_id, int post_first_applies);
/* Coaching (pages/coach.c): where a coach lands (their offerings, staff
** every one, by phase with cohort and what waits), the "needs me" queue
** across them, oldest first, and the forms that snooze a row or mark it
** as needing no reply. Every one is R_COACH. */
int page_coach_home(request *rq, response *rs);
int page_coach_queue(request *rq, response *rs);
int page_coach_queue_mark(request *rq, response *rs);

/* The staff console's people, schools, audit log and codes
** (pages/people.c), each on an R_STAFF route (R_FORM | R_CSRF to change). */
int page_staff_people(request *rq, response *rs);        /* GET /staff/people?q=&role= */
int page_staff_person(request *rq, response *rs);        /* GET /staff/people/ID */
int page_staff_person_role(request *rq, response *rs);   /* POST /staff/people/ID/role (from, role) */
int page_staff_person_verify(request *rq, response *rs); /* POST /staff/people/ID/verify */
int page_staff_schools(request *rq, response *rs);       /* GET, POST /staff/schools (add one) */
int page_staff_school(request *rq, response *rs);        /* GET, POST /staff/schools/ID (edit, version) */
int page_staff_schools_import(request *rq, response *rs);/* POST /staff/schools/import (csv) */
int page_staff_schools_upload(request *rq, response *rs);/* POST /staff/schools/upload (a CSV file, R_UPLOAD) */
int page_staff_audit(request *rq, response *rs);         /* GET /staff/audit?person=&offering=&kind=&from=&to=&page= */
int page_staff_code(request *rq, response *rs);          /* GET, POST /staff/codes/CODE (limit, expiry; who used it) */
int page_staff_code_disable(request *rq, response *rs);  /* POST /staff/codes/CODE/disable */
/* Queue the address-confirmation mail to an account (pages/account.c),
** inside the caller's write transaction: 0 or -1. */
int page_account_send_verify(request *rq, int64_t user_id, const char *email, const char *name);

/* Planning the calendar in the staff console (pages/plan.c). */
int page_plan_offerings(request *rq, response *rs);      /* GET /staff/offerings */
int page_plan_new(request *rq, response *rs);            /* GET /staff/offerings/new */
int page_plan_create(request *rq, response *rs);         /* POST /staff/offerings */
int page_plan_edit(request *rq, response *rs);           /* GET, POST /staff/offerings/CODE/edit */
int page_plan_publish(request *rq, response *rs);        /* POST /staff/offerings/CODE/publish */
int page_plan_unpublish(request *rq, response *rs);      /* POST /staff/offerings/CODE/unpublish */
int page_plan_seasons(request *rq, response *rs);        /* GET /staff/seasons */
int page_plan_season(request *rq, response *rs);         /* GET /staff/seasons/NAME */
int page_plan_season_publish(request *rq, response *rs); /* POST /staff/seasons/NAME/publish */
int page_plan_season_copy(request *rq, response *rs);    /* GET, POST /staff/seasons/NAME/copy */

/* Panel resources in the staff console and the publish history
** (pages/panel.c; R_STAFF, R_FORM | R_CSRF or R_UPLOAD | R_CSRF when
** unsafe), and the captions of a workspace's panel (R_WORKSPACE).
** page_panel_resources: what the workspace panel page of course slug in
** offering code adds (shown, video_file, captions {src, label, lang} or
** null, handouts [{title, url}]) for the recording video (NULL: pending),
** a new object, or NULL when it cannot be read. */
int page_staff_panels(request *rq, response *rs);               /* GET /staff/courses */
int page_staff_panel(request *rq, response *rs);                /* GET /staff/courses/SLUG/panel */
int page_staff_panel_recording(request *rq, response *rs);      /* POST .../panel/recording */
int page_staff_panel_captions(request *rq, response *rs);       /* POST .../panel/captions (multipart) */
int page_staff_panel_captions_remove(request *rq, response *rs);/* POST .../panel/captions/remove */
int page_staff_panel_vtt(request *rq, response *rs);            /* GET .../panel/captions.vtt */
int page_staff_panel_panelist(request *rq, response *rs);       /* POST .../panel/panelists */
int page_staff_panel_panelist_remove(request *rq, response *rs);/* POST .../panel/panelists/N/remove */
int page_staff_panel_handout(request *rq, response *rs);        /* POST .../panel/handouts */
int page_staff_panel_handout_remove(request *rq, response *rs); /* POST .../panel/handouts/ID/remove */
int page_staff_panel_handout_file(request *rq, response *rs);   /* GET .../panel/handouts/ID (a kept file) */
int page_learn_panel_handout(request *rq, response *rs);        /* GET /learn/CODE/panel/handouts/ID */
/* The panel's summary and transcript edited in the console (Markdown). */
int page_staff_panel_summary(request *rq, response *rs);        /* POST .../panel/summary */
int page_staff_panel_transcript(request *rq, response *rs);     /* POST .../panel/transcript (empty: none) */
int page_learn_panel_vtt(request *rq, response *rs);            /* GET /learn/CODE/panel/captions.vtt */
int page_staff_publishes(request *rq, response *rs);            /* GET /staff/publishes */
json_t *page_panel_resources(request *rq, const char *slug, const char *code, const char *video);

#endif
