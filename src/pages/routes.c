/*
** routes.c: the route table and the dispatcher every request goes through.
**
** Reading the table tells what the site answers and which guards protect
** each page; app_handle() enforces them so a handler never forgets a check.
** R_SLOW marks every route whose handler may call the payment provider
** (checkout creation, the return page's session lookup, refunds, expiring
** open checkouts, the webhook's automatic refund) or may take most of a
** second of its own (a staff report, built from a whole season's rows):
** nginx sends exactly those to the slow pool, so neither a provider that
** hangs nor a report being built holds a page worker, and with it every
** request nginx has queued on that worker's connections.
** R_BATCH marks the workspace's short writes (posts, follows, check-offs,
** comments): nginx sends exactly those to the write pool, whose worker
** commits the writes waiting together (server/serve.c).
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "app.h"
#include "cache.h"
#include "files.h"
#include "log.h"
#include "multipart.h"
#include "pages.h"

#define SLUG "([a-z0-9][a-z0-9-]{0,63})"
#define SEASON "([^/]{1,120})"   /* a season's name, as the URL encodes it */
#define CERT_NUMBER "(JM-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})"   /* certs: a certificate's number */

const route pages_routes[] = {
    {"GET", "/", page_home, R_CACHE},
    {"GET", "/courses", page_courses, R_CACHE},
    {"GET", "/courses/" SLUG, page_course, R_CACHE},
    {"GET", "/courses/" SLUG "/notify", page_course_notify, 0},
    {"POST", "/courses/" SLUG "/notify", page_course_notify, R_FORM | R_CSRF},
    {"GET", "/calendar", page_calendar, R_CACHE},
    {"GET", "/calendar\\.ics", page_calendar_ics, R_CACHE},
    {"GET", "/offerings/" SLUG "\\.ics", page_offering_ics, R_CACHE},
    {"GET", "/offerings/" SLUG, page_offering_show, R_CACHE},
    {"GET", "/healthz", page_health, 0},

    {"GET", "/signup", page_signup, 0},
    {"POST", "/signup", page_signup, R_FORM | R_CSRF},
    {"GET", "/signin", page_signin, 0},
    {"POST", "/signin", page_signin, R_FORM | R_CSRF},
    {"POST", "/signout", page_signout, R_FORM | R_CSRF | R_LOGIN},
    {"GET", "/verify", page_verify, 0},
    {"POST", "/verify", page_verify, R_FORM | R_CSRF},
    {"GET", "/reset", page_reset_request, 0},
    {"POST", "/reset", page_reset_request, R_FORM | R_CSRF},
    {"GET", "/reset/confirm", page_reset_confirm, 0},
    {"POST", "/reset/confirm", page_reset_confirm, R_FORM | R_CSRF},
    {"GET", "/account", page_account, R_LOGIN},
    {"POST", "/account/profile", page_account_profile, R_FORM | R_CSRF | R_LOGIN},
    {"POST", "/account/email", page_account_email, R_FORM | R_CSRF | R_LOGIN},
    {"GET", "/account/email/confirm", page_account_email_confirm, 0},
    {"POST", "/account/email/confirm", page_account_email_confirm, R_FORM | R_CSRF},
    {"POST", "/account/password", page_account_password, R_FORM | R_CSRF | R_LOGIN},
    {"GET", "/account/data\\.json", page_account_data, R_LOGIN},
    {"POST", "/account/delete", page_account_delete, R_FORM | R_CSRF | R_LOGIN},
    {"POST", "/account/verify/resend", page_account_verify_resend, R_FORM | R_CSRF | R_LOGIN},

    {"GET", "/offerings/" SLUG "/register", page_register, R_LOGIN},
    {"POST", "/offerings/" SLUG "/register", page_register, R_FORM | R_CSRF | R_LOGIN | R_SLOW},
    {"GET", "/my", page_my, R_LOGIN},
    {"GET", "/checkout/return", page_checkout_return, R_LOGIN | R_SLOW},
    {"POST", "/webhooks/payments", page_webhook, R_RAW | R_SLOW},
    {"GET", "/registrations/([0-9]{1,18})/pay", page_pay, R_LOGIN | R_SLOW},
    {"POST", "/registrations/([0-9]{1,18})/cancel", page_cancel, R_FORM | R_CSRF | R_LOGIN | R_SLOW},
    {"POST", "/registrations/([0-9]{1,18})/accept", page_accept, R_FORM | R_CSRF | R_LOGIN | R_SLOW},
    {"POST", "/registrations/([0-9]{1,18})/decline", page_decline, R_FORM | R_CSRF | R_LOGIN},
    {"GET", "/registrations/([0-9]{1,18})/receipt", page_receipt, R_LOGIN},
    {"GET", "/registrations/([0-9]{1,18})/cancel", page_confirm_cancel, R_LOGIN},
    {"GET", "/registrations/([0-9]{1,18})/decline", page_confirm_decline, R_LOGIN},

    /* Notifications: the list, opening and marking read, e-mail choices,
    ** one-click unsubscribe (RFC 8058: the signed token is the authority,
    ** and mail clients post without a session or CSRF token, in any
    ** form encoding, so the body is not parsed). */
    {"GET", "/notifications", page_notices, R_LOGIN},
    {"GET", "/notifications/([0-9]{1,18})", page_notice_open, R_LOGIN},
    {"POST", "/notifications/([0-9]{1,18})/read", page_notice_read, R_FORM | R_CSRF | R_LOGIN},
    {"POST", "/notifications/read", page_notices_read_all, R_FORM | R_CSRF | R_LOGIN},
    {"POST", "/account/notifications", page_account_notifications, R_FORM | R_CSRF | R_LOGIN},
    {"GET", "/unsubscribe", page_unsubscribe, 0},
    {"POST", "/unsubscribe", page_unsubscribe, R_RAW},

    /* Planning the calendar (pages/plan.c); before the roster's
    ** /staff/offerings/CODE so "new" is not taken for a code. */
    {"GET", "/staff/offerings", page_plan_offerings, R_STAFF},
    {"POST", "/staff/offerings", page_plan_create, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/offerings/new", page_plan_new, R_STAFF},
    {"GET", "/staff/offerings/" SLUG "/edit", page_plan_edit, R_STAFF},
    {"POST", "/staff/offerings/" SLUG "/edit", page_plan_edit, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/offerings/" SLUG "/publish", page_plan_publish, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/offerings/" SLUG "/unpublish", page_plan_unpublish, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/seasons", page_plan_seasons, R_STAFF},
    {"GET", "/staff/seasons/" SEASON, page_plan_season, R_STAFF},
    {"POST", "/staff/seasons/" SEASON "/publish", page_plan_season_publish, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/seasons/" SEASON "/copy", page_plan_season_copy, R_STAFF},
    {"POST", "/staff/seasons/" SEASON "/copy", page_plan_season_copy, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff", page_staff_home, R_STAFF},
    {"GET", "/staff/offerings/" SLUG, page_staff_offering, R_STAFF},
    {"POST", "/staff/registrations/([0-9]{1,18})/paid", page_staff_mark_paid, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/registrations/([0-9]{1,18})/waive", page_staff_waive, R_FORM | R_CSRF | R_STAFF | R_SLOW},
    {"POST", "/staff/registrations/([0-9]{1,18})/approve", page_staff_approve, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/registrations/([0-9]{1,18})/refund", page_staff_refund, R_FORM | R_CSRF | R_STAFF | R_SLOW},
    {"GET", "/staff/registrations/([0-9]{1,18})/refund", page_confirm_refund, R_STAFF},
    {"GET", "/staff/outbox", page_staff_outbox, R_STAFF},
    {"GET", "/staff/outbox/([0-9]{1,18})", page_staff_outbox_message, R_STAFF},
    {"POST", "/staff/outbox/([0-9]{1,18})/retry", page_staff_outbox_retry, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/codes", page_staff_codes, R_STAFF},
    {"POST", "/staff/codes", page_staff_codes, R_FORM | R_CSRF | R_STAFF},
    /* Cancelling an offering (pages/cancel.c). */
    {"GET", "/staff/offerings/" SLUG "/cancel", page_staff_cancel, R_STAFF},
    {"POST", "/staff/offerings/" SLUG "/cancel", page_staff_cancel_post, R_FORM | R_CSRF | R_STAFF | R_SLOW},
    {"POST", "/staff/offerings/" SLUG "/cancel/refunds", page_staff_cancel_refunds, R_FORM | R_CSRF | R_STAFF | R_SLOW},
    /* People, schools, the audit log and codes. */
    {"GET", "/staff/people", page_staff_people, R_STAFF},
    {"GET", "/staff/people/([0-9]{1,18})", page_staff_person, R_STAFF},
    {"POST", "/staff/people/([0-9]{1,18})/role", page_staff_person_role, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/people/([0-9]{1,18})/verify", page_staff_person_verify, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/schools", page_staff_schools, R_STAFF},
    {"POST", "/staff/schools", page_staff_schools, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/schools/import", page_staff_schools_import, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/schools/upload", page_staff_schools_upload, R_UPLOAD | R_CSRF | R_STAFF},
    {"GET", "/staff/schools/([0-9]{1,18})", page_staff_school, R_STAFF},
    {"POST", "/staff/schools/([0-9]{1,18})", page_staff_school, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/audit", page_staff_audit, R_STAFF},
    {"GET", "/staff/codes/([A-Za-z0-9-]{4,32})", page_staff_code, R_STAFF},
    {"POST", "/staff/codes/([A-Za-z0-9-]{4,32})", page_staff_code, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/codes/([A-Za-z0-9-]{4,32})/disable", page_staff_code_disable, R_FORM | R_CSRF | R_STAFF},
    /* Reports and streamed exports. */
    {"GET", "/staff/reports", page_staff_reports, R_STAFF},
    {"GET", "/staff/reports/seasons/" SEASON, page_staff_report_season, R_STAFF | R_SLOW},
    {"GET", "/staff/reports/offerings/" SLUG, page_staff_report_offering, R_STAFF | R_SLOW},
    {"GET", "/staff/exports/(rosters|payments|invoices|completions)\\.csv", page_staff_export, R_STAFF},
    /* Panel resources and the publish history (pages/panel.c). */
    {"GET", "/staff/courses", page_staff_panels, R_STAFF},
    {"GET", "/staff/courses/" SLUG "/panel", page_staff_panel, R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/recording", page_staff_panel_recording, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/captions", page_staff_panel_captions, R_UPLOAD | R_CSRF | R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/captions/remove", page_staff_panel_captions_remove,
     R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/courses/" SLUG "/panel/captions\\.vtt", page_staff_panel_vtt, R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/panelists", page_staff_panel_panelist, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/panelists/([0-9]{1,4})/remove", page_staff_panel_panelist_remove,
     R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/handouts", page_staff_panel_handout, R_UPLOAD | R_CSRF | R_STAFF},
    {"GET", "/staff/courses/" SLUG "/panel/handouts/([0-9]{1,18})", page_staff_panel_handout_file, R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/handouts/([0-9]{1,18})/remove", page_staff_panel_handout_remove,
     R_FORM | R_CSRF | R_STAFF},
    {"GET", "/learn/" SLUG "/panel/captions\\.vtt", page_learn_panel_vtt, R_WORKSPACE},
    {"GET", "/learn/" SLUG "/panel/handouts/([0-9]{1,18})", page_learn_panel_handout, R_WORKSPACE},
    /* Panel summary and transcript edited in the console (pages/panel.c). */
    {"POST", "/staff/courses/" SLUG "/panel/summary", page_staff_panel_summary, R_FORM | R_CSRF | R_STAFF},
    {"POST", "/staff/courses/" SLUG "/panel/transcript", page_staff_panel_transcript, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/staff/publishes", page_staff_publishes, R_STAFF},
    /* The course workspace: the week at a glance, the panel and the playlist. */
    {"GET", "/learn/" SLUG, page_learn_week, R_WORKSPACE},
    {"GET", "/learn/" SLUG "/panel", page_learn_panel, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/panel/watched", page_learn_watched, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"GET", "/learn/" SLUG "/playlist", page_learn_playlist, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/playlist/([0-9]{1,18})", page_learn_check, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},

    /* Workspace: discussions (pages/discuss.c). */
    {"GET", "/learn/" SLUG "/discuss", page_discuss, R_WORKSPACE},
    {"GET", "/learn/" SLUG "/discuss/" SLUG, page_discuss_space, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/discuss/" SLUG, page_discuss_start, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"GET", "/learn/" SLUG "/threads/([0-9]{1,18})", page_thread, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/reply", page_thread_reply, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/follow", page_thread_follow,
     R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/mute", page_thread_follow, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/unfollow", page_thread_follow,
     R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"POST", "/learn/" SLUG "/posts/([0-9]{1,18})/edit", page_post_edit, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"POST", "/learn/" SLUG "/posts/([0-9]{1,18})/delete", page_post_delete, R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    /* Moderation (pages/moderate.c): the offering's coaches and staff. */
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/pin", page_moderate_thread_flag,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/unpin", page_moderate_thread_flag,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/lock", page_moderate_thread_flag,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/unlock", page_moderate_thread_flag,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"GET", "/learn/" SLUG "/threads/([0-9]{1,18})/move", page_moderate_move_form, R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/threads/([0-9]{1,18})/move", page_moderate_move, R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/posts/([0-9]{1,18})/exemplary", page_moderate_post_mark,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/posts/([0-9]{1,18})/unexemplary", page_moderate_post_mark,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/posts/([0-9]{1,18})/unhide", page_moderate_post_mark,
     R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"GET", "/learn/" SLUG "/posts/([0-9]{1,18})/hide", page_moderate_hide_form, R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/posts/([0-9]{1,18})/hide", page_moderate_hide, R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"GET", "/learn/" SLUG "/wrapup", page_moderate_wrapup_form, R_WORKSPACE | R_COACH},
    {"POST", "/learn/" SLUG "/wrapup", page_moderate_wrapup, R_FORM | R_CSRF | R_WORKSPACE | R_COACH},
    {"GET", "/coach/offerings/" SLUG "/moderation", page_moderation_log, R_COACH},

    /* Activity submissions (pages/activities.c). The submit route is the one
    ** nginx location that writes the body to a file (R_UPLOAD); nginx's
    ** regex for it must match exactly this path. */
    {"GET", "/learn/" SLUG "/activities", page_activities, R_WORKSPACE},
    {"GET", "/learn/" SLUG "/activities/" SLUG, page_activity, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/activities/" SLUG "/submit", page_activity_submit, R_UPLOAD | R_CSRF | R_WORKSPACE},
    {"GET", "/learn/" SLUG "/activities/" SLUG "/gallery", page_activity_gallery, R_WORKSPACE},
    {"GET", "/learn/" SLUG "/submissions/([0-9]{1,18})/share", page_submission_share_confirm, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/submissions/([0-9]{1,18})/share", page_submission_share, R_FORM | R_CSRF | R_WORKSPACE},
    {"POST", "/learn/" SLUG "/submissions/([0-9]{1,18})/unshare", page_submission_unshare,
     R_FORM | R_CSRF | R_WORKSPACE},
    {"POST", "/learn/" SLUG "/submissions/([0-9]{1,18})/comments", page_submission_comment,
     R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"POST", "/learn/" SLUG "/submission-comments/([0-9]{1,18})/delete", page_submission_comment_delete,
     R_FORM | R_CSRF | R_WORKSPACE | R_BATCH},
    {"GET", "/learn/" SLUG "/files/([0-9]{1,18})", page_file_download, R_WORKSPACE},

    /* certs: completion sign-off, certificates and their Open Badges
    ** 2.0 documents (pages/certs.c). */
    {"GET", "/coach/offerings/" SLUG "/completion", page_coach_completion, R_COACH},
    {"POST", "/coach/offerings/" SLUG "/completion/all", page_coach_sign_off_all, R_FORM | R_CSRF | R_COACH},
    {"POST", "/coach/offerings/" SLUG "/completion/([0-9]{1,18})", page_coach_sign_off, R_FORM | R_CSRF | R_COACH},
    {"GET", "/learn/" SLUG "/certificate", page_learn_certificate, R_WORKSPACE},
    {"GET", "/certificates/" CERT_NUMBER, page_certificate, 0},
    {"POST", "/certificates/" CERT_NUMBER "/revoke", page_certificate_revoke, R_FORM | R_CSRF | R_STAFF},
    {"GET", "/badges/issuer\\.json", page_badge_issuer, R_CACHE},
    {"GET", "/badges/classes/" SLUG "\\.json", page_badge_class, R_CACHE},
    {"GET", "/badges/assertions/" CERT_NUMBER "\\.json", page_badge_assertion, 0},
    {"GET", "/badges/images/" SLUG "\\.svg", page_badge_image, R_CACHE},

    /* Announcements (pages/announce.c): everyone with a seat reads them;
    ** the handlers let coaches and staff post and withdraw. */
    {"GET", "/learn/" SLUG "/announcements", page_announcements, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/announcements", page_announce_post, R_FORM | R_CSRF | R_WORKSPACE},
    {"POST", "/learn/" SLUG "/announcements/([0-9]{1,18})/cancel", page_announce_cancel,
     R_FORM | R_CSRF | R_WORKSPACE},
    /* Roster (pages/roster.c): the coach's roster and CSV, one participant
    ** with the private messages, and the participant's side of them. */
    {"GET", "/coach/offerings/" SLUG "/roster", page_coach_roster, R_COACH},
    {"GET", "/coach/offerings/" SLUG "/roster\\.csv", page_coach_roster_csv, R_COACH},
    {"GET", "/coach/offerings/" SLUG "/people/([0-9]{1,18})", page_coach_person, R_COACH},
    {"POST", "/coach/offerings/" SLUG "/people/([0-9]{1,18})/messages", page_coach_message, R_FORM | R_CSRF | R_COACH},
    {"GET", "/learn/" SLUG "/messages", page_messages, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/messages", page_messages_send, R_FORM | R_CSRF | R_WORKSPACE},
    /* feedback: a submission's versions with their feedback, and a coach's feedback (pages/feedback.c) */
    {"GET", "/learn/" SLUG "/submissions/([0-9]{1,18})", page_submission_view, R_WORKSPACE},
    {"POST", "/learn/" SLUG "/submissions/([0-9]{1,18})/feedback", page_submission_feedback,
     R_FORM | R_CSRF | R_WORKSPACE},
    /* Coaching: where a coach lands and the "needs me" queue (pages/coach.c). */
    {"GET", "/coach", page_coach_home, R_COACH},
    {"GET", "/coach/queue", page_coach_queue, R_COACH},
    {"POST", "/coach/queue/(thread|post|submission|quiet|behind)/([0-9]{1,18})/snooze", page_coach_queue_mark,
     R_FORM | R_CSRF | R_COACH},
    {"POST", "/coach/queue/(thread|post|submission|quiet|behind)/([0-9]{1,18})/no-reply", page_coach_queue_mark,
     R_FORM | R_CSRF | R_COACH},
};

const size_t pages_n_routes = sizeof pages_routes / sizeof pages_routes[0];

int app_load(app *ap, const config *cfg, buf *err)
{
    memset(ap, 0, sizeof *ap);
    ap->cfg = cfg;
    ap->router = router_new(pages_routes, pages_n_routes, err);
    ap->tmpl = tmpl_load(cfg->templates, err);
    ap->csp = http_csp_with_forms(cfg->pay_checkout_origin);
    if (!ap->router || !ap->tmpl) {
        app_free(ap);
        return -1;
    }
    static const char *const needed[] = {"layout", "pages/error", "pages/home", "pages/courses",
                                         "pages/course", "pages/calendar", "pages/offering"};
    for (size_t i = 0; i < sizeof needed / sizeof *needed; i++)
        if (!tmpl_has(ap->tmpl, needed[i])) {
            buf_printf(err, "%s/%s.html: missing; the site needs this template\n", cfg->templates, needed[i]);
            app_free(ap);
            return -1;
        }
    return 0;
}

int app_open_db(app *ap, buf *err)
{
    ap->db = db_open(ap->cfg->database, err);
    return ap->db ? 0 : -1;
}

void app_free(app *ap)
{
    router_free(ap->router);
    tmpl_free(ap->tmpl);
    db_close(ap->db);
    json_decref(ap->site);
    cache_free(ap->views);
    ap->views = NULL;
    free(ap->csp);
    ap->csp = NULL;
    ap->router = NULL;
    ap->tmpl = NULL;
    ap->db = NULL;
    ap->site = NULL;
}

/* Read the whole body (content_length bytes, already checked against the
** limit) into the arena. Returns it, or NULL if the client sent less. */
static char *read_body(request *rq, app_read_fn read, void *rctx)
{
    size_t n = (size_t)rq->content_length, got = 0;
    char *p = arena_alloc(rq->a, n + 1);
    while (got < n) {
        long r = read(rctx, p + got, n - got);
        if (r <= 0)
            return NULL;
        got += (size_t)r;
    }
    p[n] = '\0';
    return p;
}

/* Whether the header lines in head (each ending in CRLF) hold name. */
static int has_header(const buf *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = buf_str(head); *p; p += strcspn(p, "\n"), p += *p == '\n') {
        if (!strncasecmp(p, name, n) && p[n] == ':')
            return 1;
    }
    return 0;
}

/* ---- activity submissions: uploads that nginx wrote to a file ---- */

/* The upload file mapped for this request (unmapped when it is answered). */
typedef struct upload_map {
    void *p;
    size_t n;
} upload_map;

/* Take the upload of an R_UPLOAD route: the file nginx wrote (its path in
** REQUEST_BODY_FILE, which must resolve inside [uploads] temp), mapped
** read-only into up and rq->body; its multipart parts in rq->parts and its
** text fields in rq->form. Returns 0, or 400/413/415 with rq->message. */
static int read_upload(app *ap, request *rq, upload_map *up)
{
    const config *c = ap->cfg;
    const char *path = http_param(rq, "REQUEST_BODY_FILE"), *real = NULL;
    if (!path || !*path || !files_inside(rq->a, c->uploads_temp, path, &real)) {
        rq->message = "This upload did not come through the site's upload path. Send it from the activity's page.";
        return 400;
    }
    const char *boundary = multipart_boundary(rq->a, rq->content_type);
    if (!boundary) {
        rq->message = "This form must be sent as multipart/form-data with a boundary. Send it from the activity's page.";
        return 415;
    }
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        rq->message = "The upload could not be read. Please send it again.";
        return 400;
    }
    size_t n = (size_t)sb.st_size;
    void *p = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (n && p == MAP_FAILED) {
        rq->message = "The upload could not be read. Please send it again.";
        return 400;
    }
    up->p = p;
    up->n = n;
    rq->body = p;
    rq->body_len = n;
    mp_limits lim = multipart_limits_default();
    lim.max_files = (size_t)c->uploads_max_files;
    lim.max_file = (size_t)c->uploads_max_file_mb << 20;
    lim.max_files_total = (size_t)c->uploads_max_submission_mb << 20;
    mp_part *parts = NULL;
    size_t np = 0;
    const char *msg = NULL;
    int rc = multipart_parse(rq->a, p, n, boundary, &lim, &parts, &np, &msg);
    if (rc == 0)
        rc = multipart_form(rq->a, p, parts, np, &rq->form, &msg);
    if (rc) {
        rq->message = rc == 413 ? arena_printf(rq->a, "%s A submission may hold %d files of up to %d MB each, "
                                               "%d MB in all.", msg, c->uploads_max_files, c->uploads_max_file_mb,
                                               c->uploads_max_submission_mb)
                                : msg;
        return rc;
    }
    rq->parts = parts;
    rq->n_parts = np;
    return 0;
}

/* ---- end of activity submissions ---- */

/* Route, guard, read the body and run the handler; returns 0 or an error
** status with rq->message saying why. */
static int dispatch(app *ap, request *rq, response *rs, app_read_fn read, void *rctx, upload_map *up)
{
    const route *rt = NULL;
    buf allow = BUF_INIT;
    int m = router_match(ap->router, rq, &rt, &allow);
    /* An upload's body never comes through here (nginx keeps it in a file). */
    if (rq->content_length > ap->cfg->max_body && !(m == ROUTE_FOUND && (rt->flags & R_UPLOAD))) {
        buf_free(&allow);
        rq->message = arena_printf(rq->a, "The request is larger than the %d KiB this site accepts. "
                                   "Shorten the text and send it again.", ap->cfg->max_body / 1024);
        return 413;
    }
    if (m == ROUTE_BAD_METHOD) {
        http_header(rs, "Allow", buf_str(&allow));
        rq->message = arena_printf(rq->a, "This address does not accept %s requests; it accepts %s.",
                                   rq->method, buf_str(&allow));
        buf_free(&allow);
        return 405;
    }
    buf_free(&allow);
    if (m == ROUTE_NOT_FOUND) {
        /* "/courses/" is "/courses": the address as sent (escapes kept)
        ** without its last slash, made safe ("/%09/evil.example/" must not
        ** lead off the site). */
        size_t n = strcspn(rq->uri, "?");
        if (n > 1 && rq->uri[n - 1] == '/' && (!strcmp(rq->method, "GET") || rq->head)) {
            const char *to = arena_printf(rq->a, "%.*s%s", (int)(n - 1), rq->uri, rq->uri + n);
            http_redirect(rs, 308, http_local_path(rq->a, to, "/"));
            return 0;
        }
        rq->message = "There is nothing at this address. It may have moved; the links above lead to every course.";
        return 404;
    }
    if (rt->flags & R_RAW) {
        char *body = read_body(rq, read, rctx);
        if (!body) {
            rq->message = "The request body arrived incomplete.";
            return 400;
        }
        rq->body = body;
        rq->body_len = (size_t)rq->content_length;
    }
    if (rt->flags & R_FORM) {
        if (strncmp(rq->content_type, "application/x-www-form-urlencoded", 33) != 0) {
            rq->message = "This form must be sent as application/x-www-form-urlencoded.";
            return 415;
        }
        char *body = read_body(rq, read, rctx);
        if (!body) {
            rq->message = "The form arrived incomplete. Please send it again.";
            return 400;
        }
        const char *msg = NULL;
        if (form_parse(rq->a, body, (size_t)rq->content_length, &rq->form, &msg) != 0) {
            rq->message = msg;
            return 400;
        }
    }
    if (rt->flags & R_UPLOAD) {
        int bad = read_upload(ap, rq, up);
        if (bad)
            return bad;
    }
    /* The request reads in one transaction until it first writes (db.h);
    ** not one that may wait seconds on the payment provider, which would
    ** hold its snapshot (and the log's checkpoints) that long. */
    if (ap->db && !(rt->flags & R_SLOW))
        db_request_read(ap->db);
    int down = access_load(rq, rs, !(rt->flags & R_CACHE));
    if (down)
        return down;
    if (!(rt->flags & R_CACHE) || rq->session)
        page_take_flash(rq, rs);
    int denied = access_route(rq, rs, rt->flags);
    if (denied)
        return denied == 303 ? 0 : denied;
    int status = rt->fn(rq, rs);
    /* A page seen by a signed-in person is theirs alone: never cached. */
    rs->cache_seconds = (rt->flags & R_CACHE) && !rq->session && status == 0 && rs->status == 200
                            ? ap->cfg->cache_seconds : 0;
    return status;
}

/* An http_write_fn appending to the buf ctx (a transport without pieces). */
static int write_to_buf(void *ctx, const char *p, size_t n)
{
    buf_append((buf *)ctx, p, n);
    return 0;
}

/* See app.h: app_handle_to with out as the writer; a streamed answer cut
** short leaves out as it was. */
void app_handle(app *ap, arena *a, http_getparam get, void *ctx,
                app_read_fn read, void *rctx, buf *out)
{
    size_t before = out->len;
    if (app_handle_to(ap, a, get, ctx, read, rctx, out, write_to_buf, out) != 0)
        buf_truncate(out, before);
}

/* See app.h: route, guard, run the handler, render errors, serialize; a
** streamed body goes out through write after the headers. 0 or -1. */
int app_handle_to(app *ap, arena *a, http_getparam get, void *ctx,
                  app_read_fn read, void *rctx, buf *out, http_write_fn write, void *wctx)
{
    request rq;
    response rs;
    http_response_init(&rs);
    rs.csp = ap->csp;
    const char *msg = NULL;
    int status = http_request_init(&rq, a, get, ctx, &msg);
    rq.owner = ap;
    db_trouble_clear();
    if (status) {
        rq.message = msg;
    } else {
        upload_map up = {NULL, 0};
        status = dispatch(ap, &rq, &rs, read, rctx, &up);
        if (ap->db)
            db_request_done(ap->db);
        if (up.p)
            munmap(up.p, up.n);
    }
    /* Storage that failed under the request (a full disk, an I/O error)
    ** makes whatever the handler concluded from it untrustworthy: a failed
    ** insert is not "already registered", a failed read is not "not found"
    ** and a failed list is not empty. Say so, and when to come back. */
    if (db_trouble()) {
        status = 503;
        buf_reset(&rs.head);
        rs.content_type = NULL;
        rq.message = "Our records could not be read or saved just now because the server's storage is in "
                      "trouble, so this request did not go through. Please try again in a minute.";
    }
    if (status) {
        if (status >= 500)
            log_error("%s %s: %d", rq.method, rq.uri, status);
        page_error(&rq, &rs, status, rq.message);
    }
    /* Every 503, whoever answered it (storage trouble, the domain's failed
    ** store call or transaction, a provider that did not answer, a handler
    ** setting the status itself), says when to come back. */
    if (rs.status == 503 && !has_header(&rs.head, "Retry-After"))
        http_header(&rs, "Retry-After", "60");
    ap->requests++;
    if (status || rs.status != 200)
        rs.stream = NULL;
    http_serialize(&rq, &rs, out);
    int rc = 0;
    if (rs.stream && !rq.head) {
        /* The headers go first; then the body, a chunk at a time. */
        http_stream st = {BUF_INIT, write, wctx, 0, 0};
        buf_append(&st.pending, buf_str(out), out->len);
        buf_reset(out);
        rc = http_stream_flush(&st, 1);
        if (rc == 0)
            rc = rs.stream(&rq, rs.stream_state, &st);
        if (rc == 0)
            rc = http_stream_flush(&st, 1);
        if (rc != 0)
            log_error("%s %s: the streamed answer stopped after %llu bytes", rq.method, rq.uri,
                      (unsigned long long)st.sent);
        buf_free(&st.pending);
    }
    http_response_free(&rs);
    return rc;
}

/* See app.h: a 503 for a request whose batch was not written. */
void app_unsaved(app *ap, arena *a, http_getparam get, void *ctx, buf *out)
{
    request rq;
    response rs;
    http_response_init(&rs);
    rs.csp = ap->csp;
    const char *msg = NULL;
    http_request_init(&rq, a, get, ctx, &msg);
    rq.owner = ap;
    log_error("%s %s: 503 (its batch was not written)", rq.method, rq.uri);
    page_error(&rq, &rs, 503, "What you sent could not be saved just now because the server's storage is in "
                              "trouble, so nothing was changed. Please go back and send it again in a minute.");
    http_header(&rs, "Retry-After", "60");
    http_serialize(&rq, &rs, out);
    http_response_free(&rs);
}

/* See app.h: drop what this process keeps between requests. */
void app_forget_kept(app *ap)
{
    if (ap->views)
        cache_clear(ap->views);
    json_decref(ap->site);
    ap->site = NULL;
}
