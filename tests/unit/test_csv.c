/*
** test_csv.c: CSV cells as a spreadsheet reads them: every cell quoted,
** quotes doubled, and a text cell that begins with '=', '+', '-', '@', a
** tab or a carriage return neutralised with a leading apostrophe (and
** nothing else touched).
*/
#include "check.h"
#include "csv.h"

/* The one cell csv_text writes for s, in a static buffer. */
static const char *cell(const char *s)
{
    static char out[256];
    buf b = BUF_INIT;
    csv_text(&b, s, 1);
    snprintf(out, sizeof out, "%s", buf_str(&b));
    buf_free(&b);
    return out;
}

int main(void)
{
    /* the six openings a spreadsheet may run */
    CHECK_STR(cell("=HYPERLINK(\"http://evil.example\",\"x\")"), "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"");
    CHECK_STR(cell("+1+2"), "\"'+1+2\"");
    CHECK_STR(cell("-2+3"), "\"'-2+3\"");
    CHECK_STR(cell("@SUM(A1:A9)"), "\"'@SUM(A1:A9)\"");
    CHECK_STR(cell("\t=1+1"), "\"'\t=1+1\"");
    CHECK_STR(cell("\r=1+1"), "\"'\r=1+1\"");
    CHECK(csv_dangerous("=") && csv_dangerous("+") && csv_dangerous("-") && csv_dangerous("@") &&
          csv_dangerous("\t") && csv_dangerous("\r"));
    /* ordinary text is only quoted; a dangerous character later is harmless */
    CHECK_STR(cell("Ada Lovelace"), "\"Ada Lovelace\"");
    CHECK_STR(cell("a=b"), "\"a=b\"");
    CHECK_STR(cell("x@example.org"), "\"x@example.org\"");
    CHECK_STR(cell(" =1"), "\" =1\"");
    CHECK_STR(cell("line\nbreak"), "\"line\nbreak\"");
    CHECK_STR(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    CHECK_STR(cell(""), "\"\"");
    CHECK_STR(cell(NULL), "\"\"");
    CHECK(!csv_dangerous("") && !csv_dangerous(NULL) && !csv_dangerous("'=1") && !csv_dangerous("\n=1"));
    /* a record: commas between cells, numbers unquoted, CRLF at the end */
    buf b = BUF_INIT;
    csv_text(&b, "=1", 1);
    csv_int(&b, -5, 0);
    csv_text(&b, "ok", 0);
    csv_end(&b);
    CHECK_STR(buf_str(&b), "\"'=1\",-5,\"ok\"\r\n");
    buf_free(&b);
    return check_done();
}
