/*
** test_enrol.c: the registration rules that need no database: the money
** parser behind the refund form and the cancellation policy.
*/
#include <stdint.h>

#include "check.h"
#include "config.h"
#include "date.h"
#include "enrol.h"

static void test_parse_money(void)
{
    CHECK(enrol_parse_money("50") == 5000);
    CHECK(enrol_parse_money("50.5") == 5050);
    CHECK(enrol_parse_money("50.05") == 5005);
    CHECK(enrol_parse_money("0.01") == 1);
    CHECK(enrol_parse_money("0") == 0);
    /* Hostile and malformed amounts are refused, never half-read. */
    static const char *const bad[] = {NULL, "", ".", "50.", ".5", "-5", "+5", "5e3", "50.005", "50,00", " 50",
                                      "50 ", "1.2.3", "0x10", "$50", "50.0a", "9999999999999", "１０"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(enrol_parse_money(bad[i]) == -1);
}

static void test_may_cancel(void)
{
    config cfg = {0};
    cfg.cancel_days = 3;
    int32_t start;
    CHECK(date_parse("2026-12-10", &start) == 0);
    CHECK(enrol_may_cancel(&cfg, "active", "2026-12-10", start - 3));
    CHECK(!enrol_may_cancel(&cfg, "active", "2026-12-10", start - 2));
    CHECK(enrol_may_cancel(&cfg, "waitlisted", "2026-12-10", start - 10));
    CHECK(enrol_may_cancel(&cfg, "offered", "2026-12-10", start - 10));
    CHECK(enrol_may_cancel(&cfg, "pending", "2026-12-10", start - 10));
    CHECK(!enrol_may_cancel(&cfg, "cancelled", "2026-12-10", start - 10));
    CHECK(!enrol_may_cancel(&cfg, "refunded", "2026-12-10", start - 10));
    CHECK(!enrol_may_cancel(&cfg, "active", "not a date", start - 10));
}

int main(void)
{
    test_parse_money();
    test_may_cancel();
    return check_done();
}
