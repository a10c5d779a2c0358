/*
** test_panel.c: panel resources in the staff console and the publish
** history, through real nginx (issue 10, items 3 and 4).
**
** Who may open each console route (signed out, a participant, a coach:
** refused; staff: allowed); the recording saved with its audit row and bad
** input refused with nothing written; a panel without captions or a
** transcript kept from participants; WebVTT captions uploaded through
** nginx's upload location, refused when malformed, kept and served as the
** <track> of the workspace's <video> to the offering's participants only
** (not to a coach or participant of another offering); panelists with their
** school and handouts; two forms racing on the same revision (one wins,
** the other is told); and `journeys publish` recording who published and
** what changed, refusing an image without alt text, a heading that skips
** a level, and a recording with neither captions nor a transcript.
*/
#include <curl/curl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "browser.h"
#include "check.h"
#include "harness.h"
#include "testkit.h"
#include "sqlq.h"

static stack s;
static sqlite3 *dbh;
#define q_int(sql, p) sqlq_int(dbh, sql, p)

#define PANEL "/staff/courses/purpose-and-vision/panel"
#define BOUNDARY "----journeysPanelBoundary0f3c9a"

/* Run sql with text parameters p1, p2 (either may be NULL). */
static void q_exec(const char *sql, const char *p1, const char *p2)
{
    int rc = tk_exec(dbh, sql, p1, p2);
    if (rc == -1) {
        CHECK(!"the SQL compiles");
        return;
    }
    CHECK(rc == 0);
}

/* Sign b in with email (URL-encoded) and password. */
static void sign_in(browser *b, const char *email, const char *password)
{
    char form[256];
    snprintf(form, sizeof form, "email=%s&password=%s&next=%%2Fmy", email, password);
    http_res r;
    browser_submit(b, "/signin", "/signin", form, &r);
    CHECK(r.status == 303);
    http_res_free(&r);
}

/* Give the account email an active, paid seat in offering code. */
static void seat(const char *email, const char *code)
{
    q_exec("INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
           " created_at, updated_at, activated_at) SELECT o.id, u.id, 'active', 'paid', 5000, 'USD',"
           " unixepoch(), unixepoch(), unixepoch() FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1",
           email, code);
}

/* GET path as b: the status, the answer kept in *keep when given. */
static long get(browser *b, const char *path, http_res *keep)
{
    http_res r;
    browser_get(b, path, &r);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

/* libcurl write callback into a buf. */
static size_t sink(char *p, size_t size, size_t n, void *user)
{
    buf_append(user, p, size * n);
    return size * n;
}

/* POST body (n bytes) to path as content_type with b's cookies. */
static long post_raw(browser *b, const char *path, const char *content_type, const char *body, size_t n,
                     http_res *r)
{
    CURL *c = b->curl;
    memset(r, 0, sizeof *r);
    buf_init(&r->head, 0);
    buf_init(&r->body, 0);
    char url[2048], ct[256];
    snprintf(url, sizeof url, "%s%s", s.base, path);
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
    struct curl_slist *h = curl_slist_append(NULL, ct);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    return r->status;
}

/* The value of the hidden field rev on page body (malloc'd; "" if none). */
static char *rev_of(const char *body)
{
    const char *p = strstr(body, "name=\"rev\" value=\"");
    if (!p)
        return strdup("");
    p += strlen("name=\"rev\" value=\"");
    return strndup(p, strcspn(p, "\""));
}

/* The panel page tokens() and panel_post() read (PANEL unless a test moves it). */
static const char *panel_page = PANEL;

/* The panel page's CSRF token and revision as b (both malloc'd). */
static void tokens(browser *b, char **csrf, char **rev)
{
    http_res r;
    CHECK(get(b, panel_page, &r) == 200);
    *csrf = browser_csrf(&r);
    *rev = rev_of(buf_str(&r.body));
    http_res_free(&r);
}

/* POST form (plus csrf and rev read from the panel page now) to the panel's
** action as b; the status, the answer kept in *keep when given. */
static long panel_post(browser *b, const char *action, const char *form, http_res *keep)
{
    char *csrf, *rev;
    tokens(b, &csrf, &rev);
    char body[4096];
    snprintf(body, sizeof body, "%s%scsrf=%s&rev=%s", form, *form ? "&" : "", csrf, rev);
    http_res r;
    browser_post(b, action, body, &r);
    free(csrf);
    free(rev);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

/* POST to action as b a multipart form: the panel's CSRF token and
** revision, then the text fields (name, value pairs, NULL-terminated), then
** a file part field (when not NULL) named filename holding n bytes. */
static long multi(browser *b, const char *action, const char *const *fields, const char *field, const char *filename,
                  const char *data, size_t n, http_res *keep)
{
    char *csrf, *rev;
    tokens(b, &csrf, &rev);
    buf body = BUF_INIT;
    buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n", BOUNDARY, csrf);
    buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"rev\"\r\n\r\n%s\r\n", BOUNDARY, rev);
    for (int i = 0; fields && fields[i]; i += 2)
        buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", BOUNDARY, fields[i],
                   fields[i + 1]);
    if (field) {
        buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                          "Content-Type: application/octet-stream\r\n\r\n", BOUNDARY, field, filename);
        buf_append(&body, data, n);
        buf_puts(&body, "\r\n");
    }
    buf_printf(&body, "--%s--\r\n", BOUNDARY);
    http_res r;
    post_raw(b, action, "multipart/form-data; boundary=" BOUNDARY, body.data, body.len, &r);
    buf_free(&body);
    free(csrf);
    free(rev);
    long st = r.status;
    if (keep)
        *keep = r;
    else
        http_res_free(&r);
    return st;
}

/* Upload vtt (n bytes, named filename) as the panel's captions as b. */
static long upload(browser *b, const char *filename, const char *vtt, size_t n, http_res *keep)
{
    const char *fields[] = {"label", "English", "lang", "en", NULL};
    return multi(b, PANEL "/captions", fields, "captions", filename, vtt, n, keep);
}

/* Write text to the file rel inside the stack's folder. */
static void write_file(const char *rel, const char *text, const char *mode)
{
    FILE *f = fopen(stack_path(&s, rel), mode);
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The whole file rel inside the stack's folder (malloc'd). */
static char *read_file(const char *rel)
{
    FILE *f = fopen(stack_path(&s, rel), "rb");
    buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    if (f)
        fclose(f);
    return buf_detach(&b);
}

static const char *GOOD_VTT = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Dana Whitfield>We said it several "
                              "times before anyone heard it.\n\n00:00:04.500 --> 00:00:08.000\nThe story made it ours.\n";

int main(void)
{
    if (stack_start(&s, NULL) != 0) {
        CHECK(!"the stack starts");
        stack_stop(&s);
        return check_done();
    }
    buf out = BUF_INIT;
    CHECK(stack_run(&s, "echo 'staff-password-1' | \"${BUILD:-build}\"/journeys user add staff@example.org "
                        "--name 'Sam Staff' --role staff && echo 'coach-password-1' | \"${BUILD:-build}\"/journeys user"
                        " add coach@example.org --name 'Cora Coach' --role coach && echo 'coach-password-2' |"
                        " \"${BUILD:-build}\"/journeys user add other-coach@example.org --name 'Otto Other' --role coach",
                        &out) == 0);
    buf_free(&out);
    CHECK(sqlite3_open(stack_path(&s, "var/journeys.db"), &dbh) == SQLITE_OK);
    sqlite3_busy_timeout(dbh, 10000);
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", "coach@example.org", "demo-pv");
    q_exec("INSERT INTO offering_staff(offering_id, user_id, role, created_at) SELECT o.id, u.id, 'coach', unixepoch()"
           " FROM offerings o, users u WHERE o.code = ?2 AND u.email = ?1", "other-coach@example.org", "demo-gp");

    browser alice, carol, coach, other, staff, anon;
    browser_open(&alice, &s);
    browser_open(&carol, &s);
    browser_open(&coach, &s);
    browser_open(&other, &s);
    browser_open(&staff, &s);
    browser_open(&anon, &s);
    CHECK(browser_sign_up(&alice, "Alice+Anders", "alice%40example.org") == 303);
    CHECK(browser_sign_up(&carol, "Carol+Other", "carol%40example.org") == 303);
    seat("alice@example.org", "demo-pv");
    seat("carol@example.org", "demo-gp");
    sign_in(&coach, "coach%40example.org", "coach-password-1");
    sign_in(&other, "other-coach%40example.org", "coach-password-2");
    sign_in(&staff, "staff%40example.org", "staff-password-1");

    /* ---- who may open the console's routes ---- */
    const char *gets[] = {"/staff/courses", PANEL, "/staff/publishes", PANEL "/captions.vtt"};
    for (size_t i = 0; i < sizeof gets / sizeof *gets; i++) {
        http_res r;
        CHECK(get(&anon, gets[i], &r) == 303);
        char *loc = http_res_location(&r);
        CHECK_CONTAINS(loc, "/signin");
        free(loc);
        http_res_free(&r);
        CHECK(get(&alice, gets[i], NULL) == 403);
        CHECK(get(&coach, gets[i], NULL) == 403);
    }
    CHECK(get(&staff, "/staff/courses", NULL) == 200);
    CHECK(get(&staff, "/staff/publishes", NULL) == 200);
    CHECK(get(&staff, "/staff/courses/no-such-course/panel", NULL) == 404);
    CHECK(get(&staff, PANEL "/captions.vtt", NULL) == 404);   /* none yet */
    /* unsafe routes: a coach and a participant with their own valid CSRF tokens are refused */
    {
        http_res r;
        browser_get(&coach, "/my", &r);
        char *t = browser_csrf(&r);
        http_res_free(&r);
        char form[512];
        snprintf(form, sizeof form, "video=https%%3A%%2F%%2Fevil.example%%2Fx.mp4&minutes=5&rev=0&csrf=%s", t);
        browser_post(&coach, PANEL "/recording", form, &r);
        CHECK(r.status == 403);
        http_res_free(&r);
        snprintf(form, sizeof form, "name=X&role=Y&rev=0&csrf=%s", t);
        browser_post(&coach, PANEL "/panelists", form, &r);
        CHECK(r.status == 403);
        http_res_free(&r);
        free(t);
        /* signed out: a form body is refused before anything is read (415), a multipart one by the staff guard */
        browser_post(&anon, PANEL "/handouts", "title=X&url=https%3A%2F%2Fx.example&rev=0", &r);
        CHECK(r.status == 415);
        http_res_free(&r);
        const char *body = "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nX\r\n--" BOUNDARY
                           "\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://x.example\r\n--" BOUNDARY "--\r\n";
        CHECK(post_raw(&anon, PANEL "/handouts", "multipart/form-data; boundary=" BOUNDARY, body, strlen(body), &r) == 403 ||
              r.status == 303);
        http_res_free(&r);
        CHECK(q_int("SELECT count(*) FROM panel_handouts", NULL) == 0);
    }
    /* every unsafe console route, as a participant and as a coach, each with their own CSRF token */
    {
        const char *posts[] = {PANEL "/recording", PANEL "/captions/remove", PANEL "/panelists",
                               PANEL "/panelists/1/remove", PANEL "/handouts/1/remove"};
        browser *who[] = {&alice, &coach};
        for (size_t w = 0; w < 2; w++) {
            http_res rr;
            browser_get(who[w], "/my", &rr);
            char *t = browser_csrf(&rr);
            http_res_free(&rr);
            char form[512];
            snprintf(form, sizeof form, "video=&minutes=5&name=X&role=Y&rev=0&csrf=%s", t);
            for (size_t i = 0; i < sizeof posts / sizeof *posts; i++) {
                browser_post(who[w], posts[i], form, &rr);
                CHECK(rr.status == 403);
                http_res_free(&rr);
            }
            const char *mp = "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nX\r\n--" BOUNDARY "--\r\n";
            buf body = BUF_INIT;
            buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n%s", BOUNDARY, t, mp);
            CHECK(post_raw(who[w], PANEL "/handouts", "multipart/form-data; boundary=" BOUNDARY, body.data, body.len,
                           &rr) == 403);
            http_res_free(&rr);
            buf_free(&body);
            free(t);
        }
    }
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action LIKE 'panel.%'", NULL) == 0);
    CHECK(q_int("SELECT panel_video IS NULL FROM courses WHERE slug = 'purpose-and-vision'", NULL) == 1);
    /* staff without the CSRF token are refused too */
    {
        http_res r;
        browser_post(&staff, PANEL "/recording", "video=&minutes=50&rev=0", &r);
        CHECK(r.status == 403);
        http_res_free(&r);
    }

    /* ---- the list and the page ---- */
    http_res r;
    CHECK(get(&staff, "/staff/courses", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"" PANEL "\"");
    CHECK_CONTAINS(buf_str(&r.body), "Graduate Profile");
    http_res_free(&r);
    CHECK(get(&staff, "/staff", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/staff/courses\"");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/staff/publishes\"");
    http_res_free(&r);
    CHECK(get(&staff, PANEL, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Dana Whitfield");
    CHECK_CONTAINS(buf_str(&r.body), "enctype=\"multipart/form-data\"");
    CHECK_CONTAINS(buf_str(&r.body), "Read the transcript");
    http_res_free(&r);

    /* ---- the recording: bad input refused, nothing written ---- */
    CHECK(panel_post(&staff, PANEL "/recording", "video=javascript%3Aalert(1)&minutes=52", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "starting with https://");
    http_res_free(&r);
    CHECK(panel_post(&staff, PANEL "/recording", "video=http%3A%2F%2Fmedia.example.org%2Fpv.mp4&minutes=52", NULL) == 422);
    CHECK(panel_post(&staff, PANEL "/recording", "video=https%3A%2F%2Fmedia.example.org%2Fpv.mp4&minutes=0", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "whole minutes");
    http_res_free(&r);
    CHECK(q_int("SELECT panel_video IS NULL FROM courses WHERE slug = 'purpose-and-vision'", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action LIKE 'panel.%'", NULL) == 0);
    CHECK(panel_post(&staff, PANEL "/recording", "video=https%3A%2F%2Fmedia.example.org%2Fpanels%2Fpv.mp4&minutes=52",
                     &r) == 303);
    char *loc = http_res_location(&r);
    CHECK_CONTAINS(loc, PANEL "?done=recording");
    free(loc);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM courses WHERE slug = 'purpose-and-vision'"
                " AND panel_video = 'https://media.example.org/panels/pv.mp4' AND panel_minutes = 52", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.action = 'panel.recording'"
                " AND a.subject = 'course:purpose-and-vision' AND u.email = 'staff@example.org'", NULL) == 1);

    /* ---- with a transcript, participants see the video (no captions yet: no track) ---- */
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<video controls preload=\"metadata\" src=\"https://media.example.org/panels/pv.mp4\"");
    CHECK(strstr(buf_str(&r.body), "<track") == NULL);
    char *csp = http_res_header(&r, "Content-Security-Policy");
    CHECK_CONTAINS(csp, "media-src 'self' https:");
    free(csp);
    http_res_free(&r);

    /* ---- without captions or a transcript, the recording is kept from participants ---- */
    q_exec("UPDATE courses SET transcript_html = '' WHERE slug = 'purpose-and-vision'", NULL, NULL);
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK(strstr(buf_str(&r.body), "pv.mp4") == NULL);
    CHECK_CONTAINS(buf_str(&r.body), "once its captions are ready");
    http_res_free(&r);
    CHECK(get(&staff, "/staff/courses", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Hidden from participants");
    http_res_free(&r);
    CHECK(get(&staff, PANEL, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "do not see the recording until it has captions or a transcript");
    http_res_free(&r);

    /* ---- captions: malformed files refused with their line, nothing kept ---- */
    const char *bad_vtt = "WEBVTT\n\n00:00:01,000 --> 00:00:04,000\nA SubRip time\n";
    CHECK(upload(&staff, "panel.vtt", bad_vtt, strlen(bad_vtt), &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "panel.vtt, line 3: the cue&#39;s start time");
    http_res_free(&r);
    CHECK(upload(&staff, "panel.srt", "1\n00:00:01,000 --> 00:00:02,000\nx\n", 34, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "must begin with the line WEBVTT");
    http_res_free(&r);
    const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    CHECK(upload(&staff, "x.vtt", png, sizeof png - 1, NULL) == 422);
    CHECK(q_int("SELECT count(*) FROM panel_captions", NULL) == 0);
    /* a coach cannot upload (the upload route is staff-only too) */
    {
        http_res rr;
        browser_get(&coach, "/my", &rr);
        char *t = browser_csrf(&rr);
        http_res_free(&rr);
        buf body = BUF_INIT;
        buf_printf(&body, "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n--%s\r\n"
                          "Content-Disposition: form-data; name=\"captions\"; filename=\"c.vtt\"\r\n\r\n%s\r\n--%s--\r\n",
                   BOUNDARY, t, BOUNDARY, GOOD_VTT, BOUNDARY);
        CHECK(post_raw(&coach, PANEL "/captions", "multipart/form-data; boundary=" BOUNDARY, body.data, body.len,
                       &rr) == 403);
        http_res_free(&rr);
        buf_free(&body);
        free(t);
    }
    CHECK(q_int("SELECT count(*) FROM panel_captions", NULL) == 0);

    /* ---- good captions: kept, audited, and the track is on the participant's page ---- */
    CHECK(upload(&staff, "pv-en.vtt", GOOD_VTT, strlen(GOOD_VTT), &r) == 303);
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM panel_captions WHERE cues = 2 AND filename = 'pv-en.vtt' AND lang = 'en'", NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'panel.captions'", NULL) == 1);
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "src=\"https://media.example.org/panels/pv.mp4\"");
    CHECK_CONTAINS(buf_str(&r.body), "<track kind=\"captions\" src=\"/learn/demo-pv/panel/captions.vtt\" srclang=\"en\""
                                     " label=\"English\" default>");
    http_res_free(&r);
    CHECK(get(&alice, "/learn/demo-pv/panel/captions.vtt", &r) == 200);
    CHECK_STR(buf_str(&r.body), GOOD_VTT);
    char *ct = http_res_header(&r, "Content-Type");
    CHECK_CONTAINS(ct, "text/vtt");
    free(ct);
    char *nosniff = http_res_header(&r, "X-Content-Type-Options");
    CHECK_CONTAINS(nosniff, "nosniff");
    free(nosniff);
    http_res_free(&r);
    CHECK(get(&staff, PANEL "/captions.vtt", &r) == 200);
    CHECK_STR(buf_str(&r.body), GOOD_VTT);
    http_res_free(&r);
    /* the offering's coach may; another offering's coach and participant may not; signed out may not */
    CHECK(get(&coach, "/learn/demo-pv/panel/captions.vtt", NULL) == 200);
    CHECK(get(&other, "/learn/demo-pv/panel/captions.vtt", NULL) == 403);
    CHECK(get(&carol, "/learn/demo-pv/panel/captions.vtt", NULL) == 403);
    CHECK(get(&anon, "/learn/demo-pv/panel/captions.vtt", NULL) == 303);
    /* carol's own course has no captions: 404, not pv's */
    CHECK(get(&carol, "/learn/demo-gp/panel/captions.vtt", NULL) == 404);

    /* ---- a YouTube recording: the captions file beside the embed ---- */
    CHECK(panel_post(&staff, PANEL "/recording", "video=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3DabcDEF12345&minutes=52",
                     NULL) == 303);
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "youtube-nocookie.com/embed/abcDEF12345");
    CHECK_CONTAINS(buf_str(&r.body), "href=\"/learn/demo-pv/panel/captions.vtt\" type=\"text/vtt\">Captions (English, WebVTT)");
    http_res_free(&r);

    /* ---- panelists and handouts ---- */
    CHECK(panel_post(&staff, PANEL "/panelists", "name=&role=Teacher", &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "Enter the panelist&#39;s name");
    http_res_free(&r);
    CHECK(panel_post(&staff, PANEL "/panelists",
                     "name=Rosa+%3Cb%3ELind%3C%2Fb%3E&role=Assessment+lead&school=Juniper+Hollow+Upper+School", NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM panelists p JOIN courses c ON c.id = p.course_id WHERE c.slug = 'purpose-and-vision'"
                " AND p.name = 'Rosa <b>Lind</b>' AND p.school = 'Juniper Hollow Upper School'", NULL) == 1);
    CHECK(get(&staff, PANEL, &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Rosa &lt;b&gt;Lind&lt;/b&gt;");
    CHECK_CONTAINS(buf_str(&r.body), "Assessment lead, Juniper Hollow Upper School");
    http_res_free(&r);
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Rosa &lt;b&gt;Lind&lt;/b&gt;</span> <span class=\"panelists__role\">Assessment lead,"
                                     " Juniper Hollow Upper School</span>");
    http_res_free(&r);
    /* the public course page lists the panelist with the school too (its kept copy moved with the change) */
    CHECK(get(&anon, "/courses/purpose-and-vision", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "Assessment lead, Juniper Hollow Upper School");
    http_res_free(&r);
    long long pos = q_int("SELECT max(p.position) FROM panelists p JOIN courses c ON c.id = p.course_id"
                          " WHERE c.slug = 'purpose-and-vision'", NULL);
    char path[256];
    snprintf(path, sizeof path, PANEL "/panelists/%lld/remove", pos);
    CHECK(panel_post(&staff, path, "", NULL) == 303);
    CHECK(panel_post(&staff, path, "", NULL) == 404);
    CHECK(q_int("SELECT count(*) FROM panelists WHERE name = 'Rosa <b>Lind</b>'", NULL) == 0);
    const char *bad_link[] = {"title", "Ganz worksheet", "url", "javascript:alert(1)", NULL};
    CHECK(multi(&staff, PANEL "/handouts", bad_link, NULL, NULL, NULL, 0, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "starting with https://");
    http_res_free(&r);
    const char *link[] = {"title", "Public narrative worksheet", "url", "https://files.example.org/ganz-worksheet.pdf", NULL};
    CHECK(multi(&staff, PANEL "/handouts", link, NULL, NULL, NULL, 0, NULL) == 303);
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "<a href=\"https://files.example.org/ganz-worksheet.pdf\" rel=\"noopener noreferrer\">"
                                     "Public narrative worksheet</a>");
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action IN ('panel.panelist_added', 'panel.panelist_removed',"
                " 'panel.handout_added')", NULL) == 3);
    /* a handout file: checked by its bytes, kept by hash, opened by the offering's seats only */
    const char pdf[] = "%PDF-1.4\n% a handout for the panel\n%%EOF\n";
    const char *liar[] = {"title", "Agenda", "url", "", NULL};
    long long blobs = q_int("SELECT count(*) FROM blobs", NULL);
    CHECK(multi(&staff, PANEL "/handouts", liar, "file", "agenda.pdf", "<html><script>alert(1)</script></html>", 38, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "agenda.pdf is not a file type handouts may be");
    http_res_free(&r);
    const char *both[] = {"title", "Agenda", "url", "https://files.example.org/a.pdf", NULL};
    CHECK(multi(&staff, PANEL "/handouts", both, "file", "agenda.pdf", pdf, sizeof pdf - 1, &r) == 422);
    CHECK_CONTAINS(buf_str(&r.body), "either a link or a file, not both");
    http_res_free(&r);
    CHECK(q_int("SELECT count(*) FROM blobs", NULL) == blobs);
    CHECK(q_int("SELECT count(*) FROM panel_handouts WHERE title = 'Agenda'", NULL) == 0);
    const char *agenda[] = {"title", "Agenda", "url", "", NULL};
    CHECK(multi(&staff, PANEL "/handouts", agenda, "file", "agenda \xc3\xa9t\xc3\xa9.pdf", pdf, sizeof pdf - 1, NULL) == 303);
    CHECK(q_int("SELECT count(*) FROM panel_handouts h JOIN blobs b ON b.sha256 = h.sha256 WHERE h.title = 'Agenda'"
                " AND h.type = 'application/pdf' AND b.type = 'application/pdf'", NULL) == 1);
    long long hid = q_int("SELECT id FROM panel_handouts WHERE title = 'Agenda'", NULL);
    char hpath[128];
    snprintf(hpath, sizeof hpath, "/learn/demo-pv/panel/handouts/%lld", hid);
    CHECK(get(&alice, "/learn/demo-pv/panel", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), hpath);
    http_res_free(&r);
    CHECK(get(&alice, hpath, &r) == 200);
    CHECK(r.body.len == sizeof pdf - 1 && !memcmp(r.body.data, pdf, sizeof pdf - 1));
    char *cd = http_res_header(&r, "Content-Disposition");
    CHECK_CONTAINS(cd, "attachment; filename=\"agenda _t_.pdf\"; filename*=UTF-8''agenda%20%C3%A9t%C3%A9.pdf");
    free(cd);
    char *hct = http_res_header(&r, "Content-Type");
    CHECK_CONTAINS(hct, "application/pdf");
    free(hct);
    http_res_free(&r);
    CHECK(get(&coach, hpath, NULL) == 200);
    CHECK(get(&other, hpath, NULL) == 403);
    CHECK(get(&carol, hpath, NULL) == 403);
    CHECK(get(&anon, hpath, NULL) == 303);
    snprintf(hpath, sizeof hpath, "/learn/demo-gp/panel/handouts/%lld", hid);
    CHECK(get(&carol, hpath, NULL) == 404);   /* another course's handout, by id */
    snprintf(hpath, sizeof hpath, PANEL "/handouts/%lld", hid);
    CHECK(get(&staff, hpath, NULL) == 200);
    CHECK(get(&coach, hpath, NULL) == 403);
    /* the sweep of kept files passes over a handout's blob */
    CHECK(q_int("SELECT count(*) FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM submission_files f WHERE f.sha256 = b.sha256)"
                " AND NOT EXISTS (SELECT 1 FROM panel_handouts h WHERE h.sha256 = b.sha256)", NULL) == 0);

    /* ---- a stale form: the revision moved, so it is refused and nothing changes ---- */
    {
        char *csrf, *rev;
        tokens(&staff, &csrf, &rev);
        char form[512];
        snprintf(form, sizeof form, "name=First&role=Teacher&csrf=%s&rev=%s", csrf, rev);
        CHECK(browser_post(&staff, PANEL "/panelists", form, &r) == 0 && r.status == 303);
        http_res_free(&r);
        snprintf(form, sizeof form, "name=Second&role=Teacher&csrf=%s&rev=%s", csrf, rev);
        CHECK(browser_post(&staff, PANEL "/panelists", form, &r) == 0 && r.status == 409);
        CHECK_CONTAINS(buf_str(&r.body), "Someone changed this panel after you opened the page");
        http_res_free(&r);
        CHECK(q_int("SELECT count(*) FROM panelists WHERE name = 'Second'", NULL) == 0);
        CHECK(q_int("SELECT count(*) FROM panelists WHERE name = 'First'", NULL) == 1);
        /* a race: two processes send forms read at the same revision; exactly one wins */
        free(csrf);
        free(rev);
        tokens(&staff, &csrf, &rev);
        long long before = q_int("SELECT panel_rev FROM courses WHERE slug = 'purpose-and-vision'", NULL);
        int wins = 0, lost = 0;
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                browser b2 = staff;
                /* never the parent's kept connection: each racer opens its own */
                curl_easy_setopt(b2.curl, CURLOPT_FRESH_CONNECT, 1L);
                curl_easy_setopt(b2.curl, CURLOPT_FORBID_REUSE, 1L);
                char f2[512];
                snprintf(f2, sizeof f2, "video=https%%3A%%2F%%2Fmedia.example.org%%2Frace-%d.mp4&minutes=5%d&csrf=%s&rev=%s",
                         k, k, csrf, rev);
                http_res rr;
                int ok = browser_post(&b2, PANEL "/recording", f2, &rr) == 0;
                if (ok && rr.status != 303 && rr.status != 409)
                    fprintf(stderr, "race: status %ld: %.300s\n", rr.status, buf_str(&rr.body));
                _exit(!ok ? 9 : rr.status == 303 ? 0 : rr.status == 409 ? 1 : 2);
            }
        }
        for (int k = 0; k < 2; k++) {
            int st = 0;
            waitpid(kids[k], &st, 0);
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 9;
            if (code > 1)
                fprintf(stderr, "race: a request ended with %d\n", code);
            wins += code == 0;
            lost += code == 1;
        }
        if (wins != 1 || lost != 1)
            fprintf(stderr, "race: %d won, %d lost\n", wins, lost);
        CHECK(wins == 1 && lost == 1);
        CHECK(q_int("SELECT panel_rev FROM courses WHERE slug = 'purpose-and-vision'", NULL) == before + 1);
        CHECK(q_int("SELECT count(*) FROM courses WHERE panel_video LIKE 'https://media.example.org/race-%'", NULL) == 1);
        free(csrf);
        free(rev);
    }

    /* ---- the publish history ---- */
    CHECK(get(&staff, "/staff/publishes", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "5 courses and");
    CHECK_CONTAINS(buf_str(&r.body), "added");
    http_res_free(&r);
    long long runs = q_int("SELECT count(*) FROM publish_runs", NULL);
    CHECK(runs >= 1);
    /* an edited playlist item and a new one, published by a named person */
    char *pl = read_file("courses/02-graduate-profile/playlist.md");
    CHECK(pl && strstr(pl, "## "));
    free(pl);
    write_file("courses/02-graduate-profile/playlist.md",
               "\n## A new reading on graduate profiles\nkey: new-reading-on-profiles\nkind: article\nminutes: 10\n"
               "link: https://example.org/profiles\n\nA short reading added for this test.\n", "a");
    write_file("courses/02-graduate-profile/course.md", "\nOne more sentence of overview.\n", "a");
    buf o2 = BUF_INIT;
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish --by 'Pat Publisher' 2>&1", &o2) == 0);
    buf_free(&o2);
    CHECK(q_int("SELECT count(*) FROM publish_runs", NULL) == runs + 1);
    CHECK(q_int("SELECT count(*) FROM publish_changes c JOIN publish_runs r ON r.id = c.run_id WHERE r.by_name ="
                " 'Pat Publisher' AND c.change = 'added' AND c.what = 'graduate-profile/playlist/new-reading-on-profiles'",
                NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM publish_changes c JOIN publish_runs r ON r.id = c.run_id WHERE r.by_name ="
                " 'Pat Publisher' AND c.change = 'changed' AND c.what = 'graduate-profile'", NULL) == 1);
    /* the transcript emptied above comes back from the files: that course changed too, and nothing else */
    CHECK(q_int("SELECT count(*) FROM publish_changes c JOIN publish_runs r ON r.id = c.run_id WHERE r.by_name ="
                " 'Pat Publisher' AND c.change = 'changed' AND c.what = 'purpose-and-vision'", NULL) == 1);
    CHECK(q_int("SELECT added = 1 AND changed = 2 AND archived = 0 FROM publish_runs WHERE by_name = 'Pat Publisher'",
                NULL) == 1);
    CHECK(q_int("SELECT count(*) FROM audit_log WHERE action = 'content.published' AND detail LIKE 'by Pat Publisher:%'",
                NULL) == 1);
    CHECK(get(&staff, "/staff/publishes", &r) == 200);
    CHECK_CONTAINS(buf_str(&r.body), "by Pat Publisher");
    CHECK_CONTAINS(buf_str(&r.body), "<strong>added</strong>: A new reading on graduate profiles "
                                     "<code>graduate-profile/playlist/new-reading-on-profiles</code>");
    http_res_free(&r);

    /* ---- publish refusals, each with file:line, and nothing recorded ---- */
    runs = q_int("SELECT count(*) FROM publish_runs", NULL);
    char *course_md = read_file("courses/03-learning-model/course.md");
    write_file("courses/03-learning-model/course.md", "\n## Pictures\n\n![](https://example.org/chart.png)\n\n#### Too deep\n", "a");
    buf o3 = BUF_INIT;
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &o3) != 0);
    CHECK_CONTAINS(buf_str(&o3), "courses/03-learning-model/course.md:");
    CHECK_CONTAINS(buf_str(&o3), ": an image has no alt text");
    CHECK_CONTAINS(buf_str(&o3), ": a level-4 heading follows a level-2 one");
    CHECK_CONTAINS(buf_str(&o3), "Nothing was published");
    buf_free(&o3);
    write_file("courses/03-learning-model/course.md", course_md, "w");
    free(course_md);
    /* a recording with neither captions nor a transcript (Alignment has no stored recording) */
    char *panel_md = read_file("courses/04-alignment/panel.md");
    char *fixed = malloc(strlen(panel_md) + 128);
    strcpy(fixed, panel_md);
    char *v = strstr(fixed, "video: pending");
    CHECK(v != NULL);
    if (v) {
        char *rest = strdup(v + strlen("video: pending"));
        sprintf(v, "video: https://www.youtube.com/watch?v=abcDEF12345%s", rest);
        free(rest);
    }
    write_file("courses/04-alignment/panel.md", fixed, "w");
    write_file("courses/04-alignment/transcript.md", "\n", "w");
    buf o4 = BUF_INIT;
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &o4) != 0);
    CHECK_CONTAINS(buf_str(&o4), "courses/04-alignment/panel.md:");
    CHECK_CONTAINS(buf_str(&o4), "the panel has a recording but neither captions nor a transcript");
    buf_free(&o4);
    CHECK(q_int("SELECT count(*) FROM publish_runs", NULL) == runs);
    CHECK(q_int("SELECT panel_video IS NULL FROM courses WHERE slug = 'alignment'", NULL) == 1);
    /* captions uploaded in the console satisfy the rule */
    q_exec("INSERT INTO panel_captions(course_id, vtt, filename, label, lang, cues, uploaded_at) SELECT id, ?1,"
           " 'al.vtt', 'English', 'en', 2, unixepoch() FROM courses WHERE slug = 'alignment'", GOOD_VTT, NULL);
    buf o5 = BUF_INIT;
    CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &o5) == 0);
    buf_free(&o5);
    CHECK(q_int("SELECT count(*) FROM publish_runs", NULL) == runs + 1);
    CHECK(q_int("SELECT panel_video = 'https://www.youtube.com/watch?v=abcDEF12345' FROM courses WHERE slug = 'alignment'",
                NULL) == 1);
    write_file("courses/04-alignment/panel.md", panel_md, "w");
    free(panel_md);
    free(fixed);

    /* ---- the summary and transcript edited in the console (Graduate Profile) ---- */
    {
#define GP "/staff/courses/graduate-profile/panel"
        const char *text_posts[] = {GP "/summary", GP "/transcript"};
        panel_page = GP;
        /* signed out: refused before anything is read; participant and coaches (either offering): 403 */
        browser *who[] = {&carol, &alice, &coach, &other};
        for (size_t i = 0; i < 2; i++) {
            CHECK(browser_post(&anon, text_posts[i], "summary=x&transcript=x&rev=0", &r) == 0 &&
                  (r.status == 303 || r.status == 403));
            http_res_free(&r);
            for (size_t w = 0; w < sizeof who / sizeof *who; w++) {
                browser_get(who[w], "/my", &r);
                char *t = browser_csrf(&r);
                http_res_free(&r);
                char form[256];
                snprintf(form, sizeof form, "summary=Taken&transcript=Taken&rev=0&csrf=%s", t);
                CHECK(browser_post(who[w], text_posts[i], form, &r) == 0 && r.status == 403);
                http_res_free(&r);
                free(t);
            }
        }
        /* staff without a CSRF token */
        CHECK(browser_post(&staff, GP "/summary", "summary=Taken&rev=0", &r) == 0 && r.status == 403);
        http_res_free(&r);
        /* bad input: 422 with a message, nothing written */
        CHECK(panel_post(&staff, GP "/summary", "summary=+%0D%0A+", &r) == 422);
        CHECK_CONTAINS(buf_str(&r.body), "Write the summary");
        CHECK_CONTAINS(buf_str(&r.body), "aria-invalid=\"true\"");
        http_res_free(&r);
        CHECK(panel_post(&staff, GP "/transcript", "transcript=Bell%01rings", &r) == 422);
        CHECK_CONTAINS(buf_str(&r.body), "characters a page cannot show");
        CHECK_CONTAINS(buf_str(&r.body), "Bell");   /* what was sent comes back to be fixed */
        http_res_free(&r);
        {
            char *csrf, *rev;
            tokens(&staff, &csrf, &rev);
            buf big = BUF_INIT;
            buf_puts(&big, "summary=");
            for (int i = 0; i < 4001; i++)
                buf_putc(&big, 'a');
            buf_printf(&big, "&csrf=%s&rev=%s", csrf, rev);
            CHECK(browser_post(&staff, GP "/summary", buf_str(&big), &r) == 0 && r.status == 422);
            CHECK_CONTAINS(buf_str(&r.body), "shorten it to at most 4000");
            http_res_free(&r);
            buf_free(&big);
            free(csrf);
            free(rev);
        }
        CHECK(q_int("SELECT count(*) FROM courses WHERE panel_summary_md IS NOT NULL OR transcript_md IS NOT NULL",
                    NULL) == 0);
        CHECK(q_int("SELECT count(*) FROM audit_log WHERE action IN ('panel.summary', 'panel.transcript')", NULL) == 0);

        /* saved, rendered once through the safe Markdown module: scripts and javascript: links are inert */
        long long rev0 = q_int("SELECT panel_rev FROM courses WHERE slug = 'graduate-profile'", NULL);
        CHECK(panel_post(&staff, GP "/summary",
                         "summary=Heads+weigh+the+**graduate+profile**.%0D%0A%0D%0A%3Cscript%3Ealert(1)%3C%2Fscript%3E+"
                         "%5Bclick%5D(javascript%3Aalert(2))", &r) == 303);
        loc = http_res_location(&r);
        CHECK_CONTAINS(loc, GP "?done=summary");
        free(loc);
        http_res_free(&r);
        CHECK(panel_post(&staff, GP "/transcript",
                         "transcript=**Host%3A**+Welcome+to+the+profile+panel.%0D%0A%0D%0A%3Cimg+src%3Dx+onerror%3Dalert(3)%3E",
                         &r) == 303);
        http_res_free(&r);
        CHECK(q_int("SELECT panel_rev FROM courses WHERE slug = 'graduate-profile'", NULL) == rev0 + 2);
        CHECK(q_int("SELECT panel_summary_html LIKE '%<strong>graduate profile</strong>%' AND panel_summary_html NOT LIKE"
                    " '%<script%' AND panel_summary_html NOT LIKE '%href=\"javascript%' AND panel_summary_md LIKE"
                    " '%<script>alert(1)</script>%' FROM courses WHERE slug = 'graduate-profile'", NULL) == 1);
        CHECK(q_int("SELECT transcript_html LIKE '%<strong>Host:</strong> Welcome to the profile panel.%' AND"
                    " transcript_html NOT LIKE '%<img%' FROM courses WHERE slug = 'graduate-profile'", NULL) == 1);
        CHECK(q_int("SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE u.email = ?1 AND"
                    " a.subject = 'course:graduate-profile' AND a.action IN ('panel.summary', 'panel.transcript')",
                    "staff@example.org") == 2);
        CHECK(get(&staff, GP "?done=transcript", &r) == 200);
        CHECK_CONTAINS(buf_str(&r.body), "The transcript is saved.");
        CHECK_CONTAINS(buf_str(&r.body), "Edited here: publishing the course files keeps this text.");
        CHECK_CONTAINS(buf_str(&r.body), "&lt;script&gt;alert(1)&lt;/script&gt;");   /* the Markdown in the textarea */
        CHECK(strstr(buf_str(&r.body), "<script>alert") == NULL);
        CHECK(strstr(buf_str(&r.body), "<img src=x") == NULL);
        CHECK_CONTAINS(buf_str(&r.body), "&lt;img src=x onerror=alert(3)&gt;");
        http_res_free(&r);
        /* the workspace shows the new text at once, on every worker's kept page */
        for (int i = 0; i < 6; i++) {
            CHECK(get(&carol, "/learn/demo-gp/panel", &r) == 200);
            CHECK_CONTAINS(buf_str(&r.body), "Heads weigh the <strong>graduate profile</strong>.");
            CHECK_CONTAINS(buf_str(&r.body), "Welcome to the profile panel.");
            CHECK(strstr(buf_str(&r.body), "<script>alert") == NULL);
            CHECK(strstr(buf_str(&r.body), "href=\"javascript") == NULL);
            CHECK(strstr(buf_str(&r.body), "<img src=\"x\"") == NULL && strstr(buf_str(&r.body), "<img src=x") == NULL);
            http_res_free(&r);
        }
        /* another offering's participant does not get this workspace */
        CHECK(get(&alice, "/learn/demo-gp/panel", NULL) != 200);

        /* a stale form and a race: two forms read at one revision, exactly one wins */
        char *csrf, *rev;
        tokens(&staff, &csrf, &rev);
        long long before = q_int("SELECT panel_rev FROM courses WHERE slug = 'graduate-profile'", NULL);
        int wins = 0, lost = 0;
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            if (kids[k] == 0) {
                browser b2 = staff;
                curl_easy_setopt(b2.curl, CURLOPT_FRESH_CONNECT, 1L);
                curl_easy_setopt(b2.curl, CURLOPT_FORBID_REUSE, 1L);
                char f2[512];
                snprintf(f2, sizeof f2, "%s=Racer+%d+wrote+this.&csrf=%s&rev=%s", k ? "transcript" : "summary", k,
                         csrf, rev);
                http_res rr;
                int ok = browser_post(&b2, k ? GP "/transcript" : GP "/summary", f2, &rr) == 0;
                _exit(!ok ? 9 : rr.status == 303 ? 0 : rr.status == 409 ? 1 : 2);
            }
        }
        for (int k = 0; k < 2; k++) {
            int st = 0;
            waitpid(kids[k], &st, 0);
            int code = WIFEXITED(st) ? WEXITSTATUS(st) : 9;
            wins += code == 0;
            lost += code == 1;
        }
        CHECK(wins == 1 && lost == 1);
        CHECK(q_int("SELECT panel_rev FROM courses WHERE slug = 'graduate-profile'", NULL) == before + 1);
        CHECK(q_int("SELECT (panel_summary_md LIKE 'Racer%') + (transcript_md LIKE 'Racer%') FROM courses WHERE slug ="
                    " 'graduate-profile'", NULL) == 1);
        /* the loser's form, sent again as it was: 409 and nothing changes */
        char f3[512];
        snprintf(f3, sizeof f3, "summary=Late+text.&csrf=%s&rev=%s", csrf, rev);
        CHECK(browser_post(&staff, GP "/summary", f3, &r) == 0 && r.status == 409);
        http_res_free(&r);
        CHECK(q_int("SELECT count(*) FROM courses WHERE panel_summary_md = 'Late text.'", NULL) == 0);
        free(csrf);
        free(rev);

        /* publish keeps what the console wrote and names the file's text as not applied */
        CHECK(panel_post(&staff, GP "/summary", "summary=The+console%27s+summary.", NULL) == 303);
        CHECK(panel_post(&staff, GP "/transcript", "transcript=The+console%27s+transcript.", NULL) == 303);
        buf o6 = BUF_INIT;
        CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &o6) == 0);
        CHECK_CONTAINS(buf_str(&o6), "the panel summary of graduate-profile exists");
        CHECK_CONTAINS(buf_str(&o6), "the panel transcript of graduate-profile exists");
        buf_free(&o6);
        CHECK(q_int("SELECT panel_summary_html = '<p>The console’s summary.</p>' OR panel_summary_html LIKE"
                    " '%The console%s summary.%' FROM courses WHERE slug = 'graduate-profile'", NULL) == 1);
        CHECK(q_int("SELECT transcript_html LIKE '%The console%s transcript.%' FROM courses WHERE slug ="
                    " 'graduate-profile'", NULL) == 1);
        /* other courses still take their text from the files */
        CHECK(q_int("SELECT count(*) FROM courses WHERE slug <> 'graduate-profile' AND (panel_summary_md IS NOT NULL"
                    " OR transcript_md IS NOT NULL)", NULL) == 0);

        /* an empty transcript: without captions, the recording is not shown, and publish says so */
        CHECK(panel_post(&staff, GP "/recording", "video=https%3A%2F%2Fmedia.example.org%2Fgp.mp4&minutes=55", NULL) ==
              303);
        CHECK(get(&carol, "/learn/demo-gp/panel", &r) == 200);
        CHECK_CONTAINS(buf_str(&r.body), "gp.mp4");
        http_res_free(&r);
        CHECK(panel_post(&staff, GP "/transcript", "transcript=", &r) == 303);
        loc = http_res_location(&r);
        CHECK_CONTAINS(loc, "done=transcript-removed");
        free(loc);
        http_res_free(&r);
        CHECK(q_int("SELECT transcript_md = '' AND transcript_html = '' FROM courses WHERE slug = 'graduate-profile'",
                    NULL) == 1);
        CHECK(get(&carol, "/learn/demo-gp/panel", &r) == 200);
        CHECK(strstr(buf_str(&r.body), "gp.mp4") == NULL);
        CHECK_CONTAINS(buf_str(&r.body), "once its captions are ready");
        CHECK_CONTAINS(buf_str(&r.body), "The console");   /* the summary is still there */
        http_res_free(&r);
        CHECK(get(&staff, GP, &r) == 200);
        CHECK_CONTAINS(buf_str(&r.body), "do not see the recording until it has captions or a transcript");
        http_res_free(&r);
        runs = q_int("SELECT count(*) FROM publish_runs", NULL);
        buf o7 = BUF_INIT;
        CHECK(stack_run(&s, "\"${BUILD:-build}\"/journeys publish 2>&1", &o7) != 0);
        CHECK_CONTAINS(buf_str(&o7), "courses/02-graduate-profile/panel.md:");
        CHECK_CONTAINS(buf_str(&o7), "neither captions nor a transcript");
        buf_free(&o7);
        CHECK(q_int("SELECT count(*) FROM publish_runs", NULL) == runs);
        panel_page = PANEL;
#undef GP
    }

    browser_close(&alice);
    browser_close(&carol);
    browser_close(&coach);
    browser_close(&other);
    browser_close(&staff);
    browser_close(&anon);
    sqlite3_close(dbh);
    CHECK(stack_stop(&s) == 0);
    return check_done();
}
