/*
** test_rubric.c: activity rubrics from the course files. The parser of a
** rubric line (levels, trimming, limits, duplicates), the loader's report
** of a bad rubric at its file and line, a good one kept on the activity,
** and the domain's reading of a published rubric (a JSON array) back into
** levels.
*/
#include "check.h"
#include "course.h"
#include "feedback.h"

#include <stdio.h>
#include <string.h>

/* course_rubric_levels on value: the count, with levels and why. */
static int levels_of(arena *a, const char *value, const char **levels, const char **why)
{
    *why = NULL;
    return course_rubric_levels(a, value, levels, why);
}

static void test_levels(arena *a)
{
    const char *lv[COURSE_RUBRIC_MAX], *why;
    CHECK(levels_of(a, "Beginning | Developing | Proficient | Exemplary", lv, &why) == 4);
    CHECK_STR(lv[0], "Beginning");
    CHECK_STR(lv[3], "Exemplary");
    CHECK(levels_of(a, "  Not yet|Got it  ", lv, &why) == 2);
    CHECK_STR(lv[0], "Not yet");
    CHECK_STR(lv[1], "Got it");
    CHECK(levels_of(a, "Beginning: a general belief | Exemplary: a listener acts", lv, &why) == 2);
    CHECK_STR(lv[0], "Beginning: a general belief");
    /* refused */
    CHECK(levels_of(a, "Only one", lv, &why) == 0);
    CHECK_CONTAINS(why, "at least 2");
    CHECK(levels_of(a, "A | | C", lv, &why) == 0);
    CHECK_CONTAINS(why, "empty");
    CHECK(levels_of(a, "A | B |", lv, &why) == 0);
    CHECK_CONTAINS(why, "empty");
    CHECK(levels_of(a, "", lv, &why) == 0);
    CHECK(levels_of(a, "A | B | C | D | E | F | G", lv, &why) == 0);
    CHECK_CONTAINS(why, "at most 6");
    CHECK(levels_of(a, "A | B | C | D | E | F", lv, &why) == 6);
    CHECK(levels_of(a, "Proficient | proficient", lv, &why) == 0);
    CHECK_CONTAINS(why, "same name");
    CHECK(levels_of(a, "A | 12345678901234567890123456789012345678901", lv, &why) == 0);
    CHECK_CONTAINS(why, "at most 40");
    CHECK(levels_of(a, "A | 1234567890123456789012345678901234567890", lv, &why) == 2);
    CHECK(levels_of(a, "A | B\x01", lv, &why) == 0);
    CHECK_CONTAINS(why, "control");
}

#define ACTIVITY(rubric) \
    "Intro.\n\n## Tell your story\nkey: tell-your-story\nsubmit: A script\nminutes: 30\n" rubric "\nDo it.\n"

static void test_loader(arena *a)
{
    course c;
    buf err = BUF_INIT;
    const char *good = ACTIVITY("rubric: Beginning | Developing | Proficient\n");
    CHECK(course_parse_file_for_test(a, "activities.md", good, strlen(good), &c, NULL, &err) == 0);
    CHECK(c.n_activities == 1);
    CHECK_STR(c.activities[0].rubric, "Beginning | Developing | Proficient");
    buf_reset(&err);
    const char *none = ACTIVITY("");
    CHECK(course_parse_file_for_test(a, "activities.md", none, strlen(none), &c, NULL, &err) == 0);
    CHECK(c.n_activities == 1 && c.activities[0].rubric == NULL);
    buf_reset(&err);
    const char *bad = ACTIVITY("rubric: Beginning\n");
    CHECK(course_parse_file_for_test(a, "activities.md", bad, strlen(bad), &c, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "activities.md:7: rubric 'Beginning': a rubric needs at least 2 levels");
    buf_reset(&err);
    /* a rubric on a discussion prompt is not a key prompts take */
    const char *prompt = "## Talk\nkey: talk\nrubric: A | B\n\nSay.\n";
    CHECK(course_parse_file_for_test(a, "discussions.md", prompt, strlen(prompt), &c, NULL, &err) == -1);
    CHECK_CONTAINS(buf_str(&err), "unknown key 'rubric'");
    buf_free(&err);
}

static void test_domain(arena *a)
{
    domain d = domain_make(NULL, NULL, NULL, a, 1, 0);
    const char **lv;
    CHECK(feedback_rubric_levels(&d, "[\"Not yet\",\"Got it\"]", &lv) == 2);
    CHECK_STR(lv[1], "Got it");
    CHECK(feedback_rubric_levels(&d, NULL, &lv) == 0);
    CHECK(feedback_rubric_levels(&d, "", &lv) == 0);
    CHECK(feedback_rubric_levels(&d, "not json", &lv) == 0);
    CHECK(feedback_rubric_levels(&d, "{\"a\":1}", &lv) == 0);
    /* a refused decision never reaches the database (d.db is NULL here) */
    feedback_input in = {.submission_id = 1, .owner_id = 2, .offering_id = 3, .body_md = "Good",
                         .decision = "maybe", .rubric = "[\"A\",\"B\"]"};
    int64_t id = 5;
    CHECK(feedback_give(&d, &in, &id) == DOM_INVALID && id == 0);
    CHECK_STR(d.field, "decision");
    in.decision = "complete";
    in.level = "C";
    CHECK(feedback_give(&d, &in, &id) == DOM_INVALID);
    CHECK_STR(d.field, "level");
    in.level = NULL;
    CHECK(feedback_give(&d, &in, &id) == DOM_INVALID);
    CHECK_STR(d.field, "level");
    in.level = "A";
    in.body_md = " \n";
    CHECK(feedback_give(&d, &in, &id) == DOM_INVALID);
    CHECK_STR(d.field, "body");
    in.rubric = NULL;
    in.body_md = "Good";
    CHECK(feedback_give(&d, &in, &id) == DOM_INVALID);   /* a level where there is no rubric */
    CHECK_STR(d.field, "level");
}

int main(void)
{
    arena *a = arena_new(0);
    test_levels(a);
    test_loader(a);
    test_domain(a);
    arena_free(a);
    return check_done();
}
