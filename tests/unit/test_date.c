/*
** test_date.c: unit tests for date.h — parsing, round trips, weekdays,
** English labels, week arithmetic and HTTP / iCalendar stamps.
*/
#include "date.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "check.h"

/* Parse s, returning the day number, or INT32_MIN when refused. */
static int32_t parsed(const char *s)
{
    int32_t d = INT32_MIN;
    return date_parse(s, &d) == 0 ? d : INT32_MIN;
}

/* date_iso(days) as a string held in b (valid until b changes). */
static const char *iso(buf *b, int32_t days)
{
    buf_reset(b);
    date_iso(b, days);
    return buf_str(b);
}

/* Valid and invalid inputs to date_parse. */
static void test_parse(void)
{
    CHECK(parsed("1970-01-01") == 0);
    CHECK(parsed("1970-01-02") == 1);
    CHECK(parsed("1969-12-31") == -1);
    CHECK(parsed("2000-03-01") == 11017);
    CHECK(parsed("2019-10-21") == 18190);
    CHECK(parsed("1900-01-01") == -25567);
    CHECK(parsed("9999-12-31") == 2932896);
    CHECK(parsed("2020-02-29") != INT32_MIN);
    CHECK(parsed("2000-02-29") != INT32_MIN); /* divisible by 400 */
    CHECK(parsed("2019-12-31") != INT32_MIN);

    const char *bad[] = {
        "2019-02-29", "1900-02-29", "2100-02-29", "2019-13-01", "2019-00-10",
        "2019-01-00", "2019-04-31", "2019-01-32", "2019-1-01",  "2019-01-1",
        "19-01-01",   "2019-10-21x", "2019-10-21 ", " 2019-10-21", "2019/10/21",
        "20191021",   "",           "1899-12-31", "0000-01-01", "+019-01-01",
        "2019-+1-01", "2019-1a-01", "abcd-ef-gh", "2019-10-2\xC2\xB9",
        "10000-01-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t d = 12345;
        int rc = date_parse(bad[i], &d);
        if (rc != -1)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK(rc == -1);
        CHECK(d == 12345); /* untouched on failure */
    }
    int32_t d = 0;
    CHECK(date_parse(NULL, &d) == -1);
}

/* Every day from 1900-01-01 to 9999-12-31 prints and parses back to itself,
** and days go up by one with no gaps. */
static void test_round_trip(void)
{
    buf b = BUF_INIT;
    int32_t first = parsed("1900-01-01"), last = parsed("9999-12-31");
    int bad = 0, prev_wd = date_weekday(first - 1);
    for (int32_t d = first; d <= last; d++) {
        int32_t back = INT32_MIN;
        if (date_parse(iso(&b, d), &back) != 0 || back != d)
            bad++;
        int wd = date_weekday(d);
        if (wd != (prev_wd + 1) % 7)
            bad++;
        prev_wd = wd;
    }
    CHECK(bad == 0);
    CHECK_STR(iso(&b, 0), "1970-01-01");
    CHECK_STR(iso(&b, -1), "1969-12-31");
    CHECK_STR(iso(&b, 18190), "2019-10-21");
    CHECK_STR(iso(&b, parsed("2020-02-29") + 1), "2020-03-01");
    CHECK_STR(iso(&b, parsed("2019-02-28") + 1), "2019-03-01");
    /* Far outside the parse range the arithmetic is still exact. */
    CHECK_STR(iso(&b, -719468), "0000-03-01");
    buf_reset(&b);
    date_compact(&b, parsed("2019-10-21"));
    CHECK_STR(buf_str(&b), "20191021");
    buf_reset(&b);
    date_compact(&b, parsed("2020-01-04"));
    CHECK_STR(buf_str(&b), "20200104");
    buf_free(&b);
}

/* Weekdays, from_time, today and monday_after. */
static void test_weeks(void)
{
    CHECK(date_weekday(parsed("2019-10-21")) == 0); /* Monday */
    CHECK(date_weekday(0) == 3);                    /* Thursday */
    CHECK(date_weekday(-1) == 2);
    CHECK(date_weekday(parsed("2000-01-01")) == 5); /* Saturday */
    CHECK(date_weekday(parsed("1900-01-01")) == 0); /* Monday */
    CHECK(date_weekday(parsed("2019-10-27")) == 6); /* Sunday */

    CHECK(date_from_time(0) == 0);
    CHECK(date_from_time(86399) == 0);
    CHECK(date_from_time(86400) == 1);
    CHECK(date_from_time(-1) == -1);
    CHECK(date_from_time(-86400) == -1);
    CHECK(date_from_time(-86401) == -2);
    CHECK(date_from_time(784111777) == parsed("1994-11-06"));
    int32_t today = date_today();
    CHECK(today == date_from_time(time(NULL)) ||
          today + 1 == date_from_time(time(NULL)));
    CHECK(today > parsed("2019-01-01"));

    int32_t mon = parsed("2019-10-21");
    CHECK(date_monday_after(mon, 0) == mon);
    CHECK(date_monday_after(mon + 3, 0) == mon);      /* Thursday */
    CHECK(date_monday_after(mon + 6, 0) == mon);      /* Sunday */
    CHECK(date_monday_after(mon + 7, 0) == mon + 7);  /* next Monday */
    CHECK(date_monday_after(mon + 6, 1) == mon + 7);
    CHECK(date_monday_after(mon + 2, 2) == mon + 14);
    CHECK(date_monday_after(mon + 2, -1) == mon - 7);
    CHECK(date_monday_after(0, 0) == parsed("1969-12-29"));
    CHECK(date_monday_after(parsed("2019-12-31"), 1) == parsed("2020-01-06"));
}

/* English labels: single day, same month, different months, years. */
static void test_labels(void)
{
    buf b = BUF_INIT;
    date_label(&b, parsed("2019-10-21"));
    CHECK_STR(buf_str(&b), "21 October 2019");
    buf_reset(&b);
    date_label(&b, parsed("2020-02-03"));
    CHECK_STR(buf_str(&b), "3 February 2020");
    buf_reset(&b);
    date_long_label(&b, parsed("2019-10-21"));
    CHECK_STR(buf_str(&b), "Monday, 21 October 2019");
    buf_reset(&b);
    date_long_label(&b, parsed("2020-01-05"));
    CHECK_STR(buf_str(&b), "Sunday, 5 January 2020");

    buf_reset(&b);
    date_range_label(&b, parsed("2019-10-21"), parsed("2019-10-25"));
    CHECK_STR(buf_str(&b), "21\xE2\x80\x93" "25 October 2019");
    buf_reset(&b);
    date_range_label(&b, parsed("2020-03-30"), parsed("2020-04-03"));
    CHECK_STR(buf_str(&b), "30 March \xE2\x80\x93 3 April 2020");
    buf_reset(&b);
    date_range_label(&b, parsed("2019-12-30"), parsed("2020-01-03"));
    CHECK_STR(buf_str(&b), "30 December 2019 \xE2\x80\x93 3 January 2020");
    buf_reset(&b);
    date_range_label(&b, parsed("2019-10-21"), parsed("2019-10-21"));
    CHECK_STR(buf_str(&b), "21 October 2019");
    buf_reset(&b);
    date_range_label(&b, parsed("2019-10-25"), parsed("2019-10-21"));
    CHECK_STR(buf_str(&b), "21\xE2\x80\x93" "25 October 2019");
    buf_free(&b);
}

/* HTTP and iCalendar time stamps. */
static void test_stamps(void)
{
    buf b = BUF_INIT;
    date_http(&b, 784111777);
    CHECK_STR(buf_str(&b), "Sun, 06 Nov 1994 08:49:37 GMT");
    buf_reset(&b);
    date_http(&b, 0);
    CHECK_STR(buf_str(&b), "Thu, 01 Jan 1970 00:00:00 GMT");
    buf_reset(&b);
    date_http(&b, 951782400); /* leap day */
    CHECK_STR(buf_str(&b), "Tue, 29 Feb 2000 00:00:00 GMT");
    buf_reset(&b);
    date_http(&b, 1577836799);
    CHECK_STR(buf_str(&b), "Tue, 31 Dec 2019 23:59:59 GMT");
    buf_reset(&b);
    date_http(&b, -1);
    CHECK_STR(buf_str(&b), "Wed, 31 Dec 1969 23:59:59 GMT");
    buf_reset(&b);
    date_ical_stamp(&b, 784111777);
    CHECK_STR(buf_str(&b), "19941106T084937Z");
    buf_reset(&b);
    date_ical_stamp(&b, 1571616000 + 3600 * 13 + 60 * 5 + 9);
    CHECK_STR(buf_str(&b), "20191021T130509Z");
    buf_free(&b);
}

int main(void)
{
    test_parse();
    test_round_trip();
    test_weeks();
    test_labels();
    test_stamps();
    return check_done();
}
