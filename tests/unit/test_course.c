/*
** test_course.c: the course-content loader.
**
** Each test builds a small course tree in a fresh mkdtemp folder (a valid
** series.md, calendar.txt and one course with its six files), changes what
** it needs, loads it and looks at the result: the fields of a valid tree,
** then one broken variant per validation rule, checking the exact
** "courses/...:LINE:" prefix, a key word of the message and how many
** problems were reported. Finally the real courses/ folder, when present in
** the working directory, must load without a problem.
*/
#include "access.h"
#include "app.h"
#include "check.h"
#include "course.h"
#include "db.h"
#include "pages.h"
#include "publish.h"
#include "store_accounts.h"
#include "store_content.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define TODAY 20779          /* 2026-11-22, a Sunday */
#define D_2026_11_30 20787   /* Monday two weeks after the week of TODAY began */
#define D_2026_01_05 20458
#define D_2026_01_09 20462
#define D_2025_12_01 20423

/* One file of a tree: path under courses/, contents (len 0: strlen). */
typedef struct file {
    const char *rel;
    const char *text;
    size_t len;
} file;

static const char SERIES[] =
    "---\n"
    "title: Test Series\n"
    "tagline: Five short courses\n"
    "organisation: Example Consortium\n"
    "partner: Example Academy\n"
    "community_url: https://community.example.org\n"
    "contact_email: team@example.org\n"
    "---\n"
    "The series **introduction**.\n";

static const char CALENDAR[] =
    "# Offerings\n"                      /* 1 */
    "\n"                                 /* 2 */
    "code: pv-2026-01\n"                 /* 3 */
    "course: purpose\n"                  /* 4 */
    "starts: 2026-01-05\n"               /* 5 */
    "ends: 2026-01-09\n"                 /* 6 */
    "price: 50.00\n"                     /* 7 */
    "capacity: 30\n"                     /* 8 */
    "opens: 2025-12-01\n"                /* 9 */
    "coach: maya@example.org\n"          /* 10 */
    "season: 2025\xE2\x80\x93" "2026\n"  /* 11 */
    "\n"                                 /* 12 */
    "# a demonstration offering\n"       /* 13 */
    "code: demo-pv\n"                    /* 14 */
    "course: purpose\n"                  /* 15 */
    "week: +2\n"                         /* 16 */
    "price: 50\n"                        /* 17 */
    "currency: EUR\n"                    /* 18 */
    "capacity: 12\n"                     /* 19 */
    "demo: yes\n";                       /* 20 */

static const char COURSE[] =
    "---\n"                                   /* 1 */
    "title: Purpose and Vision\n"             /* 2 */
    "tagline: Define a compelling reason\n"   /* 3 */
    "hours: 4-6\n"                            /* 4 */
    "summary: Name the reason to change.\n"   /* 5 */
    "outcome: A public narrative\n"           /* 6 */
    "outcome: A listening plan\n"             /* 7 */
    "---\n"                                   /* 8 */
    "Overview *text*.\n"
    "\n"
    "## How the week runs\n"
    "\n"
    "- Monday\n";

static const char PANEL[] =
    "---\n"
    "title: Finding the why\n"
    "video: https://video.example.org/v/1\n"
    "minutes: 52\n"
    "panelist: Dana Whitfield | Head of School, Juniper Hollow\n"
    "panelist: Tom\xC3\xA1s Ibarra | Teacher, Kestrel Bay Academy\n"
    "---\n"
    "Four people talk.\n";

static const char TRANSCRIPT[] =
    "**Maya:** Welcome.\n"
    "\n"
    "**Dana:** Thank you.\n";

static const char PLAYLIST[] =
    "Work through these in order.\n"     /* 1 */
    "\n"                                 /* 2 */
    "## Public narrative\n"              /* 3 */
    "kind: podcast\n"                    /* 4 */
    "minutes: 30\n"                      /* 5 */
    "link: https://example.org/pn\n"     /* 6 */
    "source: Harvard\n"                  /* 7 */
    "key: public-narrative-podcast\n"    /* 8 */
    "\n"                                 /* 9 */
    "Listen to this.\n"                  /* 10 */
    "\n"                                 /* 11 */
    "## The C# framework ##\n"           /* 12 */
    "kind: framework\n"                  /* 13 */
    "minutes: 15\n"                      /* 14 */
    "link: https://example.org/fw\n"     /* 15 */
    "key: framework\n"                   /* 16 */
    "\n"                                 /* 17 */
    "```\n"                              /* 18 */
    "## not an item\n"                   /* 19 */
    "```\n";                             /* 20 */

static const char DISCUSSIONS[] =
    "Post in both.\n"
    "\n"
    "## Which starting point is yours?\n"
    "minutes: 20\n"
    "key: starting-point\n"
    "\n"
    "Tell us.\n"
    "\n"
    "## Whose voice is missing?\n"
    "key: whose-voice\n"
    "\n"
    "Discuss.\n";

static const char ACTIVITIES[] =
    "## Public narrative\n"
    "submit: A two-minute recording or a script\n"
    "minutes: 90\n"
    "key: public-narrative\n"
    "\n"
    "Write it.\n";

static const file VALID[] = {
    {"series.md", SERIES, 0},
    {"calendar.txt", CALENDAR, 0},
    {"01-purpose/course.md", COURSE, 0},
    {"01-purpose/panel.md", PANEL, 0},
    {"01-purpose/transcript.md", TRANSCRIPT, 0},
    {"01-purpose/playlist.md", PLAYLIST, 0},
    {"01-purpose/discussions.md", DISCUSSIONS, 0},
    {"01-purpose/activities.md", ACTIVITIES, 0},
};
#define N_VALID ((int)(sizeof VALID / sizeof VALID[0]))

/* Write len bytes of text to root/rel, creating its folder. */
static void write_file(const char *root, const char *rel, const char *text, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fwrite(text, 1, len, f);
    fclose(f);
}

/* Create a temporary folder holding courses/ with the valid tree, then
** apply over (n of them): a file's text replaced, added, or (text NULL)
** removed. Returns the malloc'd path of courses/. */
static char *make_tree(const file *over, int n)
{
    char tmpl[] = "/tmp/test_course.XXXXXX";
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        exit(2);
    }
    size_t size = strlen(tmpl) + 16;
    char *root = malloc(size);
    snprintf(root, size, "%s/courses", tmpl);
    mkdir(root, 0755);
    for (int i = 0; i < N_VALID; i++)
        write_file(root, VALID[i].rel, VALID[i].text, strlen(VALID[i].text));
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", root, over[i].rel);
        if (over[i].text)
            write_file(root, over[i].rel, over[i].text,
                       over[i].len ? over[i].len : strlen(over[i].text));
        else
            unlink(path);
    }
    return root;
}

/* nftw callback: remove one entry. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Remove the temporary folder above root (root ends in "/courses") and
** free root. */
static void drop_tree(char *root)
{
    char *slash = strrchr(root, '/');
    *slash = '\0';
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(root);
}

/* Number of lines in s. */
static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Load a tree changed by over and check the result: the load fails, err
** has a line starting with prefix that contains word, and err has exactly
** nerr lines (nerr < 0: any number). */
static void expect_at(int at, const file *over, int n, const char *prefix, const char *word,
                      int nerr)
{
    int failed_before = check_failed;
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    char *root = make_tree(over, n);
    CHECK(course_load(a, root, TODAY, 1, &s, &err) == -1);
    const char *e = buf_str(&err);
    const char *hit = NULL;
    for (const char *p = e; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            hit = p;
            break;
        }
    CHECK(hit != NULL);
    if (hit) {
        const char *end = strchr(hit, '\n');
        char *one = strndup(hit, end ? (size_t)(end - hit) : strlen(hit));
        CHECK_CONTAINS(one, word);
        free(one);
    }
    if (nerr >= 0)
        CHECK(count_lines(e) == nerr);
    if (check_failed != failed_before)
        fprintf(stderr, "  (variant on test line %d) errors were:\n%s", at, e);
    buf_free(&err);
    arena_free(a);
    drop_tree(root);
}
#define EXPECT1(rel, text, prefix, word) \
    do { file o_[] = {{rel, text, 0}}; expect_at(__LINE__, o_, 1, prefix, word, 1); } while (0)

/* The valid tree loads with every field right. */
static void test_valid_tree(void)
{
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    char *root = make_tree(NULL, 0);
    int rc = course_load(a, root, TODAY, 1, &s, &err);
    CHECK(rc == 0);
    CHECK_STR(buf_str(&err), "");

    CHECK_STR(s.title, "Test Series");
    CHECK_STR(s.tagline, "Five short courses");
    CHECK_STR(s.organisation, "Example Consortium");
    CHECK_STR(s.partner, "Example Academy");
    CHECK_STR(s.community_url, "https://community.example.org");
    CHECK_STR(s.contact_email, "team@example.org");
    CHECK_STR(s.intro_md, "The series **introduction**.");

    CHECK(s.n_courses == 1);
    if (s.n_courses == 1) {
        const course *c = &s.courses[0];
        CHECK_STR(c->dir, "01-purpose");
        CHECK_STR(c->slug, "purpose");
        CHECK(c->position == 1);
        CHECK_STR(c->title, "Purpose and Vision");
        CHECK_STR(c->tagline, "Define a compelling reason");
        CHECK_STR(c->summary, "Name the reason to change.");
        CHECK(c->hours_min == 4 && c->hours_max == 6);
        CHECK(c->n_outcomes == 2);
        if (c->n_outcomes == 2) {
            CHECK_STR(c->outcomes[0], "A public narrative");
            CHECK_STR(c->outcomes[1], "A listening plan");
        }
        CHECK_STR(c->overview_md, "Overview *text*.\n\n## How the week runs\n\n- Monday");
        CHECK_STR(c->panel_title, "Finding the why");
        CHECK_STR(c->panel_video, "https://video.example.org/v/1");
        CHECK(c->panel_minutes == 52);
        CHECK(c->n_panelists == 2);
        if (c->n_panelists == 2) {
            CHECK_STR(c->panelists[0].name, "Dana Whitfield");
            CHECK_STR(c->panelists[0].role, "Head of School, Juniper Hollow");
            CHECK_STR(c->panelists[1].name, "Tom\xC3\xA1s Ibarra");
        }
        CHECK_STR(c->panel_summary_md, "Four people talk.");
        CHECK_STR(c->transcript_md, "**Maya:** Welcome.\n\n**Dana:** Thank you.");

        CHECK_STR(c->playlist_intro_md, "Work through these in order.");
        CHECK(c->n_playlist == 2);
        if (c->n_playlist == 2) {
            const item *p = &c->playlist[0];
            CHECK_STR(p->title, "Public narrative");
            CHECK_STR(p->kind, "podcast");
            CHECK(p->minutes == 30);
            CHECK_STR(p->link, "https://example.org/pn");
            CHECK_STR(p->source, "Harvard");
            CHECK_STR(p->body_md, "Listen to this.");
            CHECK(p->line == 3);
            CHECK_STR(p->key, "public-narrative-podcast");
            p = &c->playlist[1];
            CHECK_STR(p->title, "The C# framework");
            CHECK_STR(p->kind, "framework");
            CHECK(p->source == NULL);
            CHECK(p->line == 12);
            CHECK_STR(p->key, "framework");
            CHECK(p->key_line == 16);
            CHECK_STR(p->body_md, "```\n## not an item\n```");
        }
        CHECK_STR(c->discussions_intro_md, "Post in both.");
        CHECK(c->n_prompts == 2);
        if (c->n_prompts == 2) {
            CHECK_STR(c->prompts[0].title, "Which starting point is yours?");
            CHECK(c->prompts[0].minutes == 20);
            CHECK_STR(c->prompts[0].body_md, "Tell us.");
            CHECK(c->prompts[1].minutes == 0);
            CHECK_STR(c->prompts[1].body_md, "Discuss.");
            CHECK(c->prompts[1].line == 9);
            CHECK_STR(c->prompts[1].key, "whose-voice");
        }
        CHECK_STR(c->activities_intro_md, "");
        CHECK(c->n_activities == 1);
        if (c->n_activities == 1) {
            CHECK_STR(c->activities[0].submit, "A two-minute recording or a script");
            CHECK(c->activities[0].minutes == 90);
            CHECK_STR(c->activities[0].body_md, "Write it.");
        }
    }

    CHECK(s.n_offerings == 2);
    if (s.n_offerings == 2) {
        const offering_seed *o = &s.offerings[0];
        CHECK_STR(o->code, "pv-2026-01");
        CHECK_STR(o->course_slug, "purpose");
        CHECK(o->starts == D_2026_01_05);
        CHECK(o->ends == D_2026_01_09);
        CHECK(o->price_cents == 5000);
        CHECK_STR(o->currency, "USD");
        CHECK(o->capacity == 30);
        CHECK(o->opens == D_2025_12_01);
        CHECK(o->closes == D_2026_01_05 - 1);
        CHECK_STR(o->coach, "maya@example.org");
        CHECK_STR(o->season, "2025\xE2\x80\x93" "2026");
        CHECK(o->demo == 0);
        CHECK(o->line == 3);

        o = &s.offerings[1];
        CHECK_STR(o->code, "demo-pv");
        CHECK(o->demo == 1);
        CHECK(o->starts == D_2026_11_30);      /* Monday 2026-11-30 */
        CHECK(o->ends == D_2026_11_30 + 4);    /* Friday 2026-12-04 */
        CHECK(o->closes == D_2026_11_30 - 1);
        CHECK(o->opens == INT32_MIN);
        CHECK(o->price_cents == 5000);
        CHECK_STR(o->currency, "EUR");
        CHECK(o->coach == NULL);
        CHECK(o->line == 14);
    }
    buf_free(&err);

    /* the same tree without demo offerings */
    arena_reset(a);
    CHECK(course_load(a, root, TODAY, 0, &s, &err) == 0);
    CHECK(s.n_offerings == 1);
    if (s.n_offerings == 1)
        CHECK_STR(s.offerings[0].code, "pv-2026-01");
    buf_free(&err);

    /* week +0 on a Monday and on the Sunday that ends that week */
    arena_reset(a);
    CHECK(course_load(a, root, D_2026_11_30, 1, &s, &err) == 0);
    CHECK(s.n_offerings == 2 && s.offerings[1].starts == D_2026_11_30 + 14);
    arena_reset(a);
    CHECK(course_load(a, root, D_2026_11_30 + 6, 1, &s, &err) == 0);
    CHECK(s.n_offerings == 2 && s.offerings[1].starts == D_2026_11_30 + 14);
    buf_free(&err);

    /* root given with a trailing slash still shows as "courses" */
    arena_reset(a);
    size_t len = strlen(root);
    char *slashed = malloc(len + 2);
    memcpy(slashed, root, len);
    memcpy(slashed + len, "/", 2);
    char series_path[PATH_MAX];
    snprintf(series_path, sizeof series_path, "%s/series.md", root);
    unlink(series_path);
    buf_free(&err);
    CHECK(course_load(a, slashed, TODAY, 1, &s, &err) == -1);
    CHECK_STR(buf_str(&err), "courses/series.md: missing file\n");
    free(slashed);
    buf_free(&err);
    arena_free(a);
    drop_tree(root);
}

/* A tree written with Windows line endings, a byte-order mark and
** trailing whitespace loads the same. */
static void test_crlf(void)
{
    file over[N_VALID];
    char *texts[N_VALID];
    for (int i = 0; i < N_VALID; i++) {
        const char *src = VALID[i].text;
        char *dst = malloc(strlen(src) * 3 + 4), *p = dst;
        if (i == 2)
            p += sprintf(p, "\xEF\xBB\xBF");
        for (; *src; src++) {
            if (*src == '\n') {
                if (src > VALID[i].text && src[-1] != '\n' && i == 2)
                    *p++ = ' ', *p++ = '\t';
                *p++ = '\r';
            }
            *p++ = *src;
        }
        *p = '\0';
        texts[i] = dst;
        over[i].rel = VALID[i].rel;
        over[i].text = dst;
        over[i].len = 0;
    }
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    char *root = make_tree(over, N_VALID);
    CHECK(course_load(a, root, TODAY, 1, &s, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK(s.n_courses == 1);
    if (s.n_courses == 1) {
        CHECK_STR(s.courses[0].title, "Purpose and Vision");
        CHECK_STR(s.courses[0].outcomes[1], "A listening plan");
        CHECK_STR(s.courses[0].playlist[0].link, "https://example.org/pn");
        CHECK_STR(s.courses[0].transcript_md, "**Maya:** Welcome.\n\n**Dana:** Thank you.");
        CHECK(s.courses[0].hours_max == 6);
    }
    CHECK(s.n_offerings == 2);
    buf_free(&err);
    arena_free(a);
    drop_tree(root);
    for (int i = 0; i < N_VALID; i++)
        free(texts[i]);
}

/* Front matter and file-level rules. */
static void test_front_matter_rules(void)
{
    EXPECT1("01-purpose/panel.md", NULL, "courses/01-purpose/panel.md: ", "missing file");
    EXPECT1("series.md", NULL, "courses/series.md: ", "missing file");
    EXPECT1("calendar.txt", NULL, "courses/calendar.txt: ", "missing file");

    EXPECT1("01-purpose/course.md", "---\ntitle: T\ntagline: x\nhours: 5\nsummary: s\n",
            "courses/01-purpose/course.md:1: ", "not closed");
    EXPECT1("01-purpose/course.md", "Just text, no front matter.\n",
            "courses/01-purpose/course.md:1: ", "no front matter");
    EXPECT1("01-purpose/course.md",
            "---\ntitle: T\ntagline: x\nthis line is wrong\nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:4: ", "expected a 'key: value' line");
    EXPECT1("01-purpose/course.md", "---\ntitle: T\ntagline: x\nhours: 5\nsummary: s\ncolour: red\n---\n",
            "courses/01-purpose/course.md:6: ",
            "unknown key 'colour' (allowed: title, tagline, hours, summary, outcome, milestone, completion)");
    EXPECT1("01-purpose/course.md", "---\nTitle: T\ntitle: T\ntagline: x\nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:2: ", "malformed key line");
    EXPECT1("01-purpose/course.md", "---\ntitle:T\ntitle: T\ntagline: x\nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:2: ", "space after the colon");
    EXPECT1("01-purpose/course.md", "---\ntitle: T\ntagline: x\nhours: 5\nsummary: s\ntitle: U\n---\n",
            "courses/01-purpose/course.md:6: ", "'title' is given twice (first on line 2)");
    EXPECT1("01-purpose/course.md", "---\ntitle: T\ntagline: x\nhours: 5\n---\nbody\n",
            "courses/01-purpose/course.md:1: ", "missing the required key 'summary'");
    {
        file o[] = {{"01-purpose/course.md", "---\ntitle: T\n---\n", 0}};
        expect_at(__LINE__, o, 1, "courses/01-purpose/course.md:1: ", "'tagline'", 3);
    }
    EXPECT1("01-purpose/course.md", "---\ntitle: T\ntagline:   \nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:3: ", "'tagline' has no value");
    static const char *const bad_hours[] = {"6-4", "0", "41", "1-41", "x", "4-", "-4", "4-6-8", "4 - 6", "+5"};
    for (size_t i = 0; i < sizeof bad_hours / sizeof bad_hours[0]; i++) {
        char text[200];
        snprintf(text, sizeof text, "---\ntitle: T\ntagline: x\nhours: %s\nsummary: s\n---\n",
                 bad_hours[i]);
        EXPECT1("01-purpose/course.md", text, "courses/01-purpose/course.md:4: ", "hours");
    }
    EXPECT1("series.md", "---\ntitle: T\ntagline: t\norganisation: o\ncommunity_url: http://x.org\n---\n",
            "courses/series.md:5: ", "not an https:// URL");
    EXPECT1("series.md", "---\ntitle: T\ntagline: t\norganisation: o\ncontact_email: nobody\n---\n",
            "courses/series.md:5: ", "not an e-mail address");
    EXPECT1("series.md", "---\ntitle: T\ntagline: t\n---\n", "courses/series.md:1: ",
            "'organisation'");
}

/* panel.md rules. */
static void test_panel_rules(void)
{
    static const char *const bad_minutes[] = {"0", "601", "abc", "-5", "5.5", "1e2", "00000"};
    for (size_t i = 0; i < sizeof bad_minutes / sizeof bad_minutes[0]; i++) {
        char text[200];
        snprintf(text, sizeof text, "---\ntitle: T\nvideo: pending\nminutes: %s\n---\n",
                 bad_minutes[i]);
        EXPECT1("01-purpose/panel.md", text, "courses/01-purpose/panel.md:4: ", "minutes");
    }
    EXPECT1("01-purpose/panel.md", "---\ntitle: T\nvideo: http://video.example.org/1\nminutes: 5\n---\n",
            "courses/01-purpose/panel.md:3: ", "video 'http://video.example.org/1' is not an https:// URL");
    EXPECT1("01-purpose/panel.md", "---\ntitle: T\nvideo: https://x.org/a b\nminutes: 5\n---\n",
            "courses/01-purpose/panel.md:3: ", "https://");
    EXPECT1("01-purpose/panel.md", "---\ntitle: T\nvideo: pending\nminutes: 5\npanelist: Just A Name\n---\n",
            "courses/01-purpose/panel.md:5: ", "panelist must be 'Name | role");
    EXPECT1("01-purpose/panel.md", "---\ntitle: T\nvideo: pending\nminutes: 5\npanelist: A | b | c\n---\n",
            "courses/01-purpose/panel.md:5: ", "panelist");
    EXPECT1("01-purpose/panel.md", "---\ntitle: T\nvideo: pending\nminutes: 5\npanelist:  | role\n---\n",
            "courses/01-purpose/panel.md:5: ", "panelist");

    /* pending video loads as NULL */
    file o[] = {{"01-purpose/panel.md", "---\ntitle: T\nvideo: pending\nminutes: 600\n---\n", 0}};
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    char *root = make_tree(o, 1);
    CHECK(course_load(a, root, TODAY, 1, &s, &err) == 0);
    CHECK(s.n_courses == 1 && s.courses[0].panel_video == NULL);
    CHECK(s.n_courses == 1 && s.courses[0].panel_minutes == 600 && s.courses[0].n_panelists == 0);
    CHECK_STR(s.courses[0].panel_summary_md, "");
    buf_free(&err);
    arena_free(a);
    drop_tree(root);
}

/* playlist.md, discussions.md, activities.md rules. */
static void test_section_rules(void)
{
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: blog\nminutes: 5\nlink: https://x.org\nkey: a\n\ntext\n",
            "courses/01-purpose/playlist.md:2: ",
            "kind 'blog' is not one of article, report, video, podcast, book, case-study, tool, "
            "template, framework");
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: video\nminutes: 5\nlink: http://x.org\nkey: a\n\ntext\n",
            "courses/01-purpose/playlist.md:4: ", "not an https:// URL");
    EXPECT1("01-purpose/playlist.md",
            "intro\n\n## A\nkind: video\nminutes: 5\nkey: a\n\ntext\n",
            "courses/01-purpose/playlist.md:3: ", "item is missing the required key 'link'");
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: video\nminutes: 5\nlink: https://x.org\nkey: a\n\n##\nkind: video\nminutes: 5\nlink: https://x.org\nkey: b\n",
            "courses/01-purpose/playlist.md:7: ", "no title");
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: video\nminutes: 5\nlink: https://x.org\nkey: a\n\n## ##\nkind: video\nminutes: 5\nlink: https://x.org\nkey: b\n",
            "courses/01-purpose/playlist.md:7: ", "no title");
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: video\nKind: video\nminutes: 5\nlink: https://x.org\nkey: a\n\ntext\n",
            "courses/01-purpose/playlist.md:3: ", "malformed key line 'Kind: video'");
    {   /* the missing blank line also hides the link key after it */
        file o[] = {{"01-purpose/playlist.md",
                     "## A\nkind: video\nminutes: 5\nThe text starts too soon.\nlink: https://x.org\n", 0}};
        expect_at(__LINE__, o, 1, "courses/01-purpose/playlist.md:4: ", "missing blank line", 3);
    }
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: video\nminutes: 5\nlink: https://x.org\nminutes: 6\nkey: a\n\ntext\n",
            "courses/01-purpose/playlist.md:5: ", "given twice");
    EXPECT1("01-purpose/playlist.md",
            "## A\nkind: video\nminutes: 5\nlink: https://x.org\ncolour: red\nkey: a\n\ntext\n",
            "courses/01-purpose/playlist.md:5: ", "unknown key 'colour' (allowed: kind, minutes, link, source, key, opens, due)");
    EXPECT1("01-purpose/transcript.md", "---\ntitle: T\n---\nWords.\n",
            "courses/01-purpose/transcript.md:1: ", "takes no front matter; remove lines 1 to 3");
    EXPECT1("01-purpose/playlist.md", "## A\nkind: vid\x1b[2Jeo\nminutes: 5\nlink: https://x.org\nkey: a\n",
            "courses/01-purpose/playlist.md:2: ", "kind 'vid?[2Jeo'");
    EXPECT1("01-purpose/playlist.md", "Only an introduction.\n", "courses/01-purpose/playlist.md: ",
            "no items");
    {   /* the text straight after the heading also means the key is missing */
        file o[] = {{"01-purpose/discussions.md", "## Prompt\nWhat do you think?\n", 0}};
        expect_at(__LINE__, o, 1, "courses/01-purpose/discussions.md:2: ",
                  "expected 'key: value' lines straight after the heading", 2);
    }
    EXPECT1("01-purpose/discussions.md", "## Prompt\nminutes: 0\nkey: p\n\nx\n",
            "courses/01-purpose/discussions.md:2: ", "minutes");
    EXPECT1("01-purpose/activities.md", "## Do it\nminutes: 30\nkey: d\n\nx\n",
            "courses/01-purpose/activities.md:1: ", "missing the required key 'submit'");
    EXPECT1("01-purpose/activities.md", "## Do it\nsubmit: a thing\nminutes: 30\nkind: video\nkey: d\n\nx\n",
            "courses/01-purpose/activities.md:4: ", "unknown key 'kind' (allowed: submit, minutes, key, opens, due, rubric)");
    /* item keys: required, slug syntax, unique across the course's three lists */
    EXPECT1("01-purpose/activities.md", "## Do it\nsubmit: a thing\nminutes: 30\n\nx\n",
            "courses/01-purpose/activities.md:1: ", "missing the required key 'key'");
    static const char *const bad_keys[] = {"Public", "a--b", "-a", "a-", "a b", "a_b", "caf\xC3\xA9",
                                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof *bad_keys; i++) {
        char text[200];
        snprintf(text, sizeof text, "## Do it\nsubmit: a thing\nminutes: 30\nkey: %s\n\nx\n", bad_keys[i]);
        EXPECT1("01-purpose/activities.md", text, "courses/01-purpose/activities.md:4: ",
                "must be 1 to 60 lower-case letters and digits");
    }
    EXPECT1("01-purpose/activities.md",
            "## Do it\nsubmit: a thing\nminutes: 30\nkey: do-it\n\nx\n\n## Again\nsubmit: b\nminutes: 5\nkey: do-it\n",
            "courses/01-purpose/activities.md:11: ", "key 'do-it' is already used in activities.md line 4");
    EXPECT1("01-purpose/activities.md", "## Do it\nsubmit: a thing\nminutes: 30\nkey: whose-voice\n\nx\n",
            "courses/01-purpose/activities.md:4: ", "key 'whose-voice' is already used in discussions.md line 10");
}

static char *calendar_with(const char *key, const char *value, const char *extra);

/* Folder names, duplicates, encoding and size. */
static void test_folder_and_encoding_rules(void)
{
    EXPECT1("1-bad/notes.txt", "x", "courses/1-bad: ", "NN-slug");
    EXPECT1("01-Bad/notes.txt", "x", "courses/01-Bad: ", "NN-slug");
    EXPECT1("01-/notes.txt", "x", "courses/01-: ", "NN-slug");
    EXPECT1("01-bad-/notes.txt", "x", "courses/01-bad-: ", "NN-slug");
    EXPECT1("01_bad/notes.txt", "x", "courses/01_bad: ", "NN-slug");

    /* a second course with the same number, then one with the same slug */
    file dup_pos[N_VALID - 2 + 1];
    file dup_slug[N_VALID - 2 + 1];
    for (int i = 2; i < N_VALID; i++) {
        static char pos_rel[8][64], slug_rel[8][64];
        snprintf(pos_rel[i], sizeof pos_rel[i], "01-other/%s", strchr(VALID[i].rel, '/') + 1);
        snprintf(slug_rel[i], sizeof slug_rel[i], "02-purpose/%s", strchr(VALID[i].rel, '/') + 1);
        dup_pos[i - 2] = (file){pos_rel[i], VALID[i].text, 0};
        dup_slug[i - 2] = (file){slug_rel[i], VALID[i].text, 0};
    }
    expect_at(__LINE__, dup_pos, N_VALID - 2, "courses/01-purpose: ",
              "number 01 is also used by 01-other", 1);
    expect_at(__LINE__, dup_slug, N_VALID - 2, "courses/02-purpose: ",
              "slug 'purpose' is also used by 01-purpose", 1);

    EXPECT1("01-purpose/course.md",
            "---\ntitle: T\ntagline: bad \xFF byte\nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:3: ", "invalid UTF-8");
    EXPECT1("01-purpose/course.md",
            "---\ntitle: T\ntagline: overlong \xC0\xAF\nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:3: ", "invalid UTF-8");
    EXPECT1("01-purpose/course.md",
            "---\ntitle: T\ntagline: surrogate \xED\xA0\x80\nhours: 5\nsummary: s\n---\n",
            "courses/01-purpose/course.md:3: ", "invalid UTF-8");
    {
        char *text = calendar_with(NULL, NULL, "season: Ma\xE2\x82ya\n");
        file o[] = {{"calendar.txt", text, 0}};
        expect_at(__LINE__, o, 1, "courses/calendar.txt:7: ", "invalid UTF-8", 1);
        free(text);
    }
    {
        static const char nul[] = "**Maya:** hi\n\nsecond\0line\n";
        file o[] = {{"01-purpose/transcript.md", nul, sizeof nul - 1}};
        expect_at(__LINE__, o, 1, "courses/01-purpose/transcript.md:3: ", "NUL byte", 1);
    }
    {
        size_t big = 1024 * 1024 + 1;
        char *text = malloc(big);
        memset(text, 'a', big);
        file o[] = {{"01-purpose/transcript.md", text, big}};
        expect_at(__LINE__, o, 1, "courses/01-purpose/transcript.md: ", "larger than 1 MiB", 1);
        text[big - 1] = '\n'; /* exactly 1 MiB + 1 with a newline: still too big */
        expect_at(__LINE__, o, 1, "courses/01-purpose/transcript.md: ", "larger than 1 MiB", 1);
        o[0].len = big - 1;   /* exactly 1 MiB is fine: no problem at all */
        arena *a = arena_new(0);
        buf err = BUF_INIT;
        series s;
        char *root = make_tree(o, 1);
        CHECK(course_load(a, root, TODAY, 1, &s, &err) == 0);
        buf_free(&err);
        arena_free(a);
        drop_tree(root);
        free(text);
    }
    {   /* no course folder at all */
        arena *a = arena_new(0);
        buf err = BUF_INIT;
        series s;
        char tmpl[] = "/tmp/test_course.XXXXXX";
        CHECK(mkdtemp(tmpl) != NULL);
        char root[64];
        snprintf(root, sizeof root, "%s/courses", tmpl);
        CHECK(course_load(a, root, TODAY, 1, &s, &err) == -1);
        CHECK_STR(buf_str(&err), "courses: the content folder does not exist or is not a folder\n");
        buf_free(&err);
        mkdir(root, 0755);
        CHECK(course_load(a, root, TODAY, 1, &s, &err) == -1);
        CHECK_CONTAINS(buf_str(&err), "courses: no course folders");
        CHECK_CONTAINS(buf_str(&err), "courses/series.md: missing file");
        buf_free(&err);
        rmdir(root);
        rmdir(tmpl);
        arena_free(a);
    }
}

/* Build a calendar of the valid first block with line key replaced by
** "key: value" (value NULL: the line dropped), plus extra lines. */
static char *calendar_with(const char *key, const char *value, const char *extra)
{
    static const char *const base[][2] = {
        {"code", "pv-1"},       {"course", "purpose"}, {"starts", "2026-01-05"},
        {"ends", "2026-01-09"}, {"price", "50.00"},    {"capacity", "30"},
    };
    buf b = BUF_INIT;
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        if (key && strcmp(base[i][0], key) == 0) {
            if (value)
                buf_printf(&b, "%s: %s\n", key, value);
        } else {
            buf_printf(&b, "%s: %s\n", base[i][0], base[i][1]);
        }
    }
    if (extra)
        buf_puts(&b, extra);
    return buf_detach(&b);
}

/* Expect the calendar built by calendar_with to fail with the line prefix
** and word, and nerr problems. */
static void expect_calendar(int at, const char *key, const char *value, const char *extra,
                            const char *prefix, const char *word, int nerr)
{
    char *text = calendar_with(key, value, extra);
    file o[] = {{"calendar.txt", text, 0}};
    expect_at(at, o, 1, prefix, word, nerr);
    free(text);
}
#define EXPECT_CAL(key, value, extra, prefix, word) \
    expect_calendar(__LINE__, key, value, extra, prefix, word, 1)

/* calendar.txt rules. Lines: 1 code, 2 course, 3 starts, 4 ends, 5 price,
** 6 capacity (a replaced key keeps its line; a dropped one shifts the rest). */
static void test_calendar_rules(void)
{
    EXPECT_CAL(NULL, NULL, "room: 4\n", "courses/calendar.txt:7: ",
               "unknown key 'room' (allowed: code, course, starts, ends, week, price, currency, "
               "capacity, opens, closes, coach, season, demo, time_zone, posting_closes)");
    EXPECT_CAL("price", NULL, NULL, "courses/calendar.txt:1: ",
               "offering is missing the required key 'price'");
    EXPECT_CAL(NULL, NULL, "coach: a@example.org\ncoach: b@example.org\n", "courses/calendar.txt:8: ", "given twice");
    EXPECT_CAL(NULL, NULL, "coach: Maya Okafor\n", "courses/calendar.txt:7: ",
               "coach 'Maya Okafor' must be the coach's e-mail address");
    EXPECT_CAL(NULL, NULL, "not a key line\n", "courses/calendar.txt:7: ", "expected a 'key: value' line");
    static const char *const bad_dates[] = {"2026-02-30", "2026-13-01", "26-01-01", "2026-1-5",
                                            "2025-02-29", "1900-02-29", "2026/01/05", "2026-00-10",
                                            "1899-12-31", "2026-01-32", "tomorrow"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++)
        EXPECT_CAL("starts", bad_dates[i], NULL, "courses/calendar.txt:3: ", "not a real date");
    EXPECT_CAL("ends", "2026-01-04", NULL, "courses/calendar.txt:4: ", "ends is before starts");
    EXPECT_CAL(NULL, NULL, "week: +1\ndemo: yes\n", "courses/calendar.txt:7: ",
               "either week or starts and ends");
    EXPECT_CAL("starts", NULL, NULL, "courses/calendar.txt:1: ", "missing starts");
    {
        char *text = strdup("code: d\ncourse: purpose\nprice: 1\ncapacity: 1\n");
        file o[] = {{"calendar.txt", text, 0}};
        expect_at(__LINE__, o, 1, "courses/calendar.txt:1: ", "missing starts and ends", 1);
        free(text);
    }
    {
        char *text = strdup("code: d\ncourse: purpose\nweek: +1\nprice: 1\ncapacity: 1\n");
        file o[] = {{"calendar.txt", text, 0}};
        expect_at(__LINE__, o, 1, "courses/calendar.txt:3: ", "demo: yes", 1);
        free(text);
    }
    {
        char *text = strdup("code: d\ncourse: purpose\nweek: 2\nprice: 1\ncapacity: 1\ndemo: yes\n");
        file o[] = {{"calendar.txt", text, 0}};
        expect_at(__LINE__, o, 1, "courses/calendar.txt:3: ", "week must be +N", 1);
        free(text);
    }
    EXPECT_CAL(NULL, NULL, "demo: maybe\n", "courses/calendar.txt:7: ", "'yes' or 'no'");
    EXPECT_CAL("course", "nonesuch", NULL, "courses/calendar.txt:2: ",
               "course 'nonesuch' is not the slug of any course folder");
    expect_calendar(__LINE__, NULL, NULL,
                    "\ncode: pv-1\ncourse: purpose\nstarts: 2026-02-02\nends: 2026-02-06\nprice: 5\ncapacity: 3\n",
                    "courses/calendar.txt:8: ", "code 'pv-1' is already used on line 1", 1);
    static const char *const bad_codes[] = {"PV-1", "pv_1", "pv 1",
                                            "a1234567890123456789012345678901234567890"};
    for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++)
        EXPECT_CAL("code", bad_codes[i], NULL, "courses/calendar.txt:1: ", "lower-case letters");
    static const char *const bad_prices[] = {"50.5", "$50", "50.000", ".50", "50.", "-5", "1234567890", "5,00"};
    for (size_t i = 0; i < sizeof bad_prices / sizeof bad_prices[0]; i++)
        EXPECT_CAL("price", bad_prices[i], NULL, "courses/calendar.txt:5: ", "price");
    static const char *const bad_caps[] = {"0", "-1", "ten", "1000000", "3.5"};
    for (size_t i = 0; i < sizeof bad_caps / sizeof bad_caps[0]; i++)
        EXPECT_CAL("capacity", bad_caps[i], NULL, "courses/calendar.txt:6: ", "capacity");
    EXPECT_CAL(NULL, NULL, "closes: 2026-01-10\n", "courses/calendar.txt:7: ",
               "closes is after the offering ends");
    EXPECT_CAL(NULL, NULL, "opens: 2026-01-06\n", "courses/calendar.txt:7: ",
               "opens is after registration closes");
    EXPECT_CAL(NULL, NULL, "opens: 2026-01-03\nopens: 2026-01-02\n", "courses/calendar.txt:8: ",
               "given twice");
    static const char *const bad_currencies[] = {"usd", "US", "USDX", "U$D"};
    for (size_t i = 0; i < sizeof bad_currencies / sizeof bad_currencies[0]; i++) {
        char extra[40];
        snprintf(extra, sizeof extra, "currency: %s\n", bad_currencies[i]);
        EXPECT_CAL(NULL, NULL, extra, "courses/calendar.txt:7: ", "three capital letters");
    }

    /* good values: whole price, leap day, closes on the last day */
    char *text = calendar_with("price", "7", "closes: 2024-03-01\nopens: 2024-02-01\n");
    char *p = strstr(text, "2026-01-05");
    memcpy(p, "2024-02-29", 10);
    p = strstr(text, "2026-01-09");
    memcpy(p, "2024-03-01", 10);
    file o[] = {{"calendar.txt", text, 0}};
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    char *root = make_tree(o, 1);
    CHECK(course_load(a, root, TODAY, 1, &s, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK(s.n_offerings == 1);
    if (s.n_offerings == 1) {
        CHECK(s.offerings[0].price_cents == 700);
        CHECK(s.offerings[0].starts == 19782); /* 2024-02-29 */
        CHECK(s.offerings[0].closes == 19783);
        CHECK(s.offerings[0].ends == 19783);
    }
    buf_free(&err);
    arena_free(a);
    drop_tree(root);
    free(text);
}

/* Several problems in several files are all reported, in a stable order. */
static void test_many_errors(void)
{
    file o[] = {
        {"series.md", "---\ntitle: T\ntagline: t\norganisation: o\nfoo: bar\n---\n", 0},
        {"01-purpose/course.md", "---\ntitle: T\ntagline: x\nhours: 99\nsummary: s\n---\n", 0},
        {"01-purpose/playlist.md", "## A\nkind: blog\nminutes: 5\nlink: https://x.org\nkey: a\n\nx\n", 0},
        {"01-purpose/activities.md", NULL, 0},
        {"calendar.txt", "code: BAD\ncourse: nope\nstarts: 2026-01-05\nends: 2026-01-09\nprice: 1\ncapacity: 1\n", 0},
        {"7-x/a.md", "x", 0},
    };
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    char *root = make_tree(o, (int)(sizeof o / sizeof o[0]));
    CHECK(course_load(a, root, TODAY, 1, &s, &err) == -1);
    const char *e = buf_str(&err);
    CHECK_STR(e,
              "courses/series.md:5: unknown key 'foo' (allowed: title, tagline, organisation, "
              "partner, community_url, contact_email, time_zone)\n"
              "courses/01-purpose/course.md:4: hours '99' must be a whole number or a range like "
              "4-6, between 1 and 40\n"
              "courses/01-purpose/playlist.md:2: kind 'blog' is not one of article, report, video, "
              "podcast, book, case-study, tool, template, framework\n"
              "courses/01-purpose/activities.md: missing file\n"
              "courses/7-x: a course folder must be named NN-slug: two digits, a hyphen, then "
              "lower-case letters, digits and hyphens (like 01-purpose-and-vision)\n"
              "courses/calendar.txt:1: code 'BAD' must be 1 to 40 lower-case letters, digits and "
              "hyphens\n"
              "courses/calendar.txt:2: course 'nope' is not the slug of any course folder\n");
    buf_free(&err);
    arena_free(a);
    drop_tree(root);
}

/* The test hook for fuzzing parses one course.md text. */
static void test_frontmatter_hook(void)
{
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    CHECK(course_parse_frontmatter_for_test(a, COURSE, strlen(COURSE), &err) == 0);
    CHECK_STR(buf_str(&err), "");
    const char bad[] = "---\ntitle: T\nhours: 0\n";
    CHECK(course_parse_frontmatter_for_test(a, bad, strlen(bad), &err) == -1);
    CHECK_STR(buf_str(&err), "course.md:1: front matter is not closed: add a '---' line after the keys\n");
    buf_reset(&err);
    const char bad2[] = "---\ntitle: T\ntagline: t\nhours: 0\nsummary: s\n---\n";
    CHECK(course_parse_frontmatter_for_test(a, bad2, strlen(bad2), &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "course.md:4: hours '0'");
    buf_reset(&err);
    CHECK(course_parse_frontmatter_for_test(a, "", 0, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "course.md:1: no front matter");
    buf_reset(&err);
    CHECK(course_parse_frontmatter_for_test(a, "---\n---\0x", 9, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "course.md:2: NUL byte");
    buf_free(&err);
    arena_free(a);
}

/* The real content folder, when the test runs from the repository root. */
static void test_real_courses(void)
{
    if (access("courses/series.md", F_OK) != 0) {
        printf("note: courses/series.md not found; real content not checked\n");
        return;
    }
    arena *a = arena_new(0);
    buf err = BUF_INIT;
    series s;
    int rc = course_load(a, "courses", TODAY, 1, &s, &err);
    if (rc != 0)
        fprintf(stderr, "courses/ problems:\n%s", buf_str(&err));
    CHECK(rc == 0);
    CHECK(s.n_courses == 5);
    for (int i = 0; i < s.n_courses; i++)
        CHECK(s.courses[i].position == i + 1);
    buf_free(&err);
    arena_free(a);
}

/* ---- publishing into a database -------------------------------------- */

/* What the announce hook was asked to send. */
static int announced;
static char announced_to[128], announced_code[64];

/* The announce hook of the tests: records the call. */
static int record_announce(void *ctx, const char *email, const char *code)
{
    (void)ctx;
    announced++;
    snprintf(announced_to, sizeof announced_to, "%s", email);
    snprintf(announced_code, sizeof announced_code, "%s", code);
    return 0;
}

/* Publish root into d; notes and err are reset first. */
static int publish_into(db *d, const char *root, const char *const *archive, int n_archive, buf *notes, buf *err)
{
    buf_reset(notes);
    buf_reset(err);
    publish_opts o = {root, TODAY, 0, archive, n_archive, record_announce, NULL, NULL};
    publish_report rep;
    return publish_courses(d, &o, &rep, notes, err);
}

/* Replace root/rel with text. */
static void rewrite(const char *root, const char *rel, const char *text)
{
    write_file(root, rel, text, strlen(text));
}

/* The capacity published for offering pv-2026-01; -1 when it is not there. */
static json_int_t capacity_of(db *d, arena *a)
{
    json_t *o = page_offering_load(d, a, "pv-2026-01");
    json_int_t c = o ? json_integer_value(json_object_get(o, "capacity")) : -1;
    json_decref(o);
    return c;
}

/* Whether the published course "purpose" lists a prompt with this key. */
static int has_prompt(db *d, const char *key)
{
    arena *a = arena_new(0);
    json_t *c = page_course_load(d, a, "purpose");
    int found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(c, "prompts"), i, it)
        found |= !strcmp(json_string_value(json_object_get(it, "key")), key);
    json_decref(c);
    arena_free(a);
    return found;
}

/* Coaches become accounts linked to offerings; offerings and panel
** resources in the database win over the files, and each difference is
** listed; items keep their identity by key, and one holding participant
** data is only dropped when archived; waiting visitors hear of new dates. */
static void test_publish(void)
{
    char *root = make_tree(NULL, 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/../j.db", root);
    buf err = BUF_INIT, notes = BUF_INIT;
    db *d = db_open(path, &err);
    CHECK(d && db_migrate(d, &err) == 0);
    if (!d) {
        drop_tree(root);
        return;
    }
    arena *a = arena_new(0);

    /* first publish: the coach's account is made, without a password */
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK_CONTAINS(buf_str(&notes), "courses/calendar.txt:3: created a coach account for maya@example.org");
    user u;
    const char *pw = NULL;
    CHECK(store_user_by_email(d, a, "maya@example.org", &u, &pw) == 1);
    CHECK_STR(u.role, "coach");
    CHECK_STR(u.name, "Maya");
    CHECK(pw && !crypto_password_check("", pw) && !crypto_password_check("!", pw));
    json_t *o = page_offering_load(d, a, "pv-2026-01");
    CHECK(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "coach")), "Maya");
    CHECK(store_offering_staff_has(d, json_integer_value(json_object_get(o, "id")), u.id, "coach") == 1);
    CHECK(store_offering_staff_has(d, json_integer_value(json_object_get(o, "id")), u.id + 1, "coach") == 0);
    {   /* the one access helper: a coach facilitates the offerings they are linked to, staff all */
        int64_t oid = json_integer_value(json_object_get(o, "id"));
        app ap = {0};
        ap.db = d;
        session sess = {0};
        request rq = {0};
        rq.owner = &ap;
        rq.session = &sess;
        sess.u = u;
        CHECK(access_allows(&rq, ACCESS_FACILITATE, oid) == 1);
        CHECK(access_allows(&rq, ACCESS_FACILITATE, oid + 1000) == 0);
        sess.u.id = u.id + 1000;   /* another coach */
        CHECK(access_allows(&rq, ACCESS_FACILITATE, oid) == 0);
        sess.u = u;
        sess.u.role = "participant";
        CHECK(access_allows(&rq, ACCESS_FACILITATE, oid) == 0);
        sess.u.role = "staff";
        CHECK(access_allows(&rq, ACCESS_FACILITATE, oid) == 1);
        rq.session = NULL;
        CHECK(access_allows(&rq, ACCESS_FACILITATE, oid) == 0);
    }
    json_decref(o);

    /* the file changes capacity, coach and the panel: an offering the file
    ** still owns takes them (each listed as applied, the new coach's
    ** account made); the panel's recording stays the database's */
    char *cal = strdup(CALENDAR);
    memcpy(strstr(cal, "capacity: 30"), "capacity: 31", 12);
    char *coach = strstr(cal, "maya@example.org");
    memcpy(coach, "kate", 4);
    rewrite(root, "calendar.txt", cal);
    char *panel = strdup(PANEL);
    memcpy(strstr(panel, "v/1"), "v/2", 3);
    rewrite(root, "01-purpose/panel.md", panel);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK_CONTAINS(buf_str(&notes), "courses/calendar.txt:8: offering pv-2026-01: capacity 31 in the file, "
                                    "30 in the database: applied\n");
    CHECK_CONTAINS(buf_str(&notes), "courses/calendar.txt:10: offering pv-2026-01: coach kate@example.org in "
                                    "the file, maya@example.org in the database: applied\n");
    CHECK_CONTAINS(buf_str(&notes), "courses/01-purpose/panel.md:3: the panel recording of purpose exists; video "
                                    "https://video.example.org/v/2 in the file, https://video.example.org/v/1 in "
                                    "the database: not applied\n");
    o = page_offering_load(d, a, "pv-2026-01");
    CHECK(json_integer_value(json_object_get(o, "capacity")) == 31);
    CHECK_STR(json_string_value(json_object_get(o, "coach")), "Kate");
    json_decref(o);
    CHECK(store_user_by_email(d, a, "kate@example.org", &u, NULL) == 1);
    {   /* the change is in the audit log */
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db_handle(d), "SELECT count(*) FROM audit_log WHERE action = 'offering.edited'"
                                         " AND subject = 'offering:pv-2026-01'", -1, &st, NULL);
        CHECK(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
        sqlite3_finalize(st);
    }

    /* once the console owns it (and changed it), the file's block, as it
    ** was last published, is left aside with a note: the file still
    ** publishes */
    CHECK(db_exec(d, "UPDATE offerings SET managed_by = 'console', capacity = 25 WHERE code = 'pv-2026-01'", &err) == 0);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    CHECK_CONTAINS(buf_str(&notes), "courses/calendar.txt:3: offering pv-2026-01 is managed in the staff console; its "
                                    "block here, unchanged since it was last published, is left aside");
    CHECK(capacity_of(d, a) == 25);
    /* a change to the block since is refused at its line, and nothing is
    ** published */
    memcpy(strstr(cal, "capacity: 31"), "capacity: 33", 12);
    rewrite(root, "calendar.txt", cal);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "courses/calendar.txt:3: offering pv-2026-01 is managed in the staff console");
    CHECK_CONTAINS(buf_str(&err), "courses/calendar.txt:8: offering pv-2026-01: capacity 33 in the file, 25 in the "
                                  "database: refused\n");
    CHECK(capacity_of(d, a) == 25);
    /* an agreeing block publishes again; the file no longer changes it */
    memcpy(strstr(cal, "capacity: 33"), "capacity: 25", 12);
    rewrite(root, "calendar.txt", cal);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK_STR(buf_str(&err), "");
    /* a file-owned offering with people registered keeps its dates and
    ** seats unless the console changes them */
    CHECK(db_exec(d, "UPDATE offerings SET managed_by = 'file' WHERE code = 'pv-2026-01';"
                     "INSERT INTO enrolments(offering_id, user_id, status, payment_status, amount_cents, currency,"
                     " created_at, updated_at) SELECT id, (SELECT id FROM users LIMIT 1), 'active', 'paid', 5000,"
                     " 'USD', 1, 1 FROM offerings WHERE code = 'pv-2026-01'", &err) == 0);
    memcpy(strstr(cal, "capacity: 25"), "capacity: 20", 12);
    rewrite(root, "calendar.txt", cal);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "courses/calendar.txt:8: offering pv-2026-01 has 1 registration, so its capacity "
                                  "cannot change from the file: change it at /staff/offerings/pv-2026-01/edit");
    memcpy(strstr(cal, "capacity: 20"), "capacity: 25", 12);
    rewrite(root, "calendar.txt", cal);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    /* an offering removed from the file is withdrawn, not left public;
    ** back in the file, it is published again */
    rewrite(root, "calendar.txt", "# Offerings\n");
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK_CONTAINS(buf_str(&notes), "offering pv-2026-01 is no longer in the file: withdrawn from the calendar");
    o = page_offering_load(d, a, "pv-2026-01");
    CHECK(o && !json_is_true(json_object_get(o, "published")));
    json_decref(o);
    {   /* and out of the lists the calendar and its feed read */
        offering_listing *list;
        int n = -1;
        CHECK(store_offering_listings(d, a, NULL, 1, &list, &n) == 0);
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= !strcmp(list[i].code, "pv-2026-01");
        CHECK(n >= 0 && !seen);
    }
    rewrite(root, "calendar.txt", cal);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK_CONTAINS(buf_str(&notes), "offering pv-2026-01 is back in the file: published again");
    o = page_offering_load(d, a, "pv-2026-01");
    CHECK(o && json_is_true(json_object_get(o, "published")));
    json_decref(o);
    course_page_row kept;
    CHECK(store_course_page(d, a, "purpose", &kept) == 1);
    CHECK_STR(kept.panel_video, "https://video.example.org/v/1");
    /* the public page's view says there is a recording, never where */
    json_t *c = page_course_load(d, a, "purpose");
    CHECK(json_is_true(json_object_get(json_object_get(c, "panel"), "has_video")));
    CHECK(json_object_get(json_object_get(c, "panel"), "video_url") == NULL);
    json_decref(c);

    /* renaming a key without participant data is allowed (the item is new) */
    char *disc = strdup(DISCUSSIONS);
    memcpy(strstr(disc, "key: whose-voice"), "key: whose-views", 16);
    rewrite(root, "01-purpose/discussions.md", disc);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK(has_prompt(d, "whose-views") && !has_prompt(d, "whose-voice"));

    /* with participant data on the item, removing its key is refused... */
    CHECK(db_exec(d, "CREATE TABLE test_posts(id INTEGER PRIMARY KEY,"
                     " item_id INTEGER NOT NULL REFERENCES course_items(id));"
                     "INSERT INTO test_posts(item_id) SELECT id FROM course_items WHERE key = 'whose-views';",
                  &err) == 0);
    rewrite(root, "01-purpose/discussions.md", DISCUSSIONS);
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "the prompt 'Whose voice is missing?' (key whose-views) of course purpose is no "
                                  "longer in the files, but 1 row of participant data (test_posts) refer to it");
    CHECK_CONTAINS(buf_str(&err), "--archive purpose/whose-views");
    CHECK(has_prompt(d, "whose-views") && !has_prompt(d, "whose-voice"));
    /* ...an archive entry that matches nothing is refused too... */
    const char *typo[] = {"purpose/whose-views", "nothing-here"};
    CHECK(publish_into(d, root, typo, 2, &notes, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "--archive nothing-here: no item with this key");
    CHECK(has_prompt(d, "whose-views"));
    /* ...and archiving it keeps the data and retires the item */
    CHECK(publish_into(d, root, typo, 1, &notes, &err) == 0);
    CHECK_CONTAINS(buf_str(&notes), "archived the prompt 'Whose voice is missing?' (purpose/whose-views)");
    CHECK(has_prompt(d, "whose-voice") && !has_prompt(d, "whose-views"));
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);   /* archived: no longer in the way */

    /* a visitor waiting for dates hears of a new offering once */
    CHECK(store_date_request_add(d, "purpose", "someone@example.org", 1) == 1);
    CHECK(store_date_request_add(d, "no-such-course", "someone@example.org", 1) == 0);
    announced = 0;
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK(announced == 0);
    buf more = BUF_INIT;
    buf_printf(&more, "%s\ncode: pv-2027-01\ncourse: purpose\nstarts: 2027-01-04\nends: 2027-01-08\n"
                      "price: 50\ncapacity: 20\nseason: 2027\n", cal);
    rewrite(root, "calendar.txt", buf_str(&more));
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK(announced == 1);
    CHECK_STR(announced_to, "someone@example.org");
    CHECK_STR(announced_code, "pv-2027-01");
    CHECK(publish_into(d, root, NULL, 0, &notes, &err) == 0);
    CHECK(announced == 1);

    buf_free(&more);
    free(cal);
    free(panel);
    free(disc);
    arena_free(a);
    db_close(d);
    buf_free(&err);
    buf_free(&notes);
    drop_tree(root);
}

int main(void)
{
    test_valid_tree();
    test_crlf();
    test_front_matter_rules();
    test_panel_rules();
    test_section_rules();
    test_folder_and_encoding_rules();
    test_calendar_rules();
    test_many_errors();
    test_frontmatter_hook();
    test_real_courses();
    test_publish();
    return check_done();
}
