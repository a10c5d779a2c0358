/*
** test_csvread.c: the import CSV reader: ordinary files (quotes, doubled
** quotes, line breaks inside quotes, CRLF, a byte-order mark, blank lines,
** a last line without its newline) read field for field, and hostile ones
** refused with the line of the mistake: stray and unclosed quotes, text
** after a closing quote, NUL bytes, bare CR, bad UTF-8 (overlong,
** surrogate, truncated), too many fields, records or bytes in a field.
** Then a round trip against the CSV writer (csv.h), and random and mutated
** inputs that must each be either read within the limits or refused with a
** line inside the text, never anything else.
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csv.h"
#include "csvread.h"

static arena *a;

/* Parse s (len bytes, or strlen when len is 0): 0 or -1, line and message set. */
static int parse(const char *s, size_t len, csv_table *t, int *line, const char **msg)
{
    return csvread_parse(a, s, len ? len : strlen(s), t, line, msg);
}

/* Count the lines of n bytes at s (1 + newlines). */
static int lines_in(const char *s, size_t n)
{
    int k = 1;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* The refusal of s: the line it names (or 0 if s was read), the message checked non-empty. */
static int refused_at(const char *s, size_t len)
{
    csv_table t;
    int line;
    const char *msg;
    if (parse(s, len, &t, &line, &msg) == 0)
        return 0;
    CHECK(msg && *msg);
    CHECK(t.n == 0 && t.rec == NULL);
    return line;
}

/* Ordinary files, hostile ones, the round trip, then random inputs. */
int main(void)
{
    a = arena_new(1 << 16);
    csv_table t;
    int line;
    const char *msg;

    /* ordinary: quotes, doubled quotes, a comma and a line break inside quotes, CRLF */
    CHECK(parse("name,city\r\n\"Oak, Hill \"\"Upper\"\" School\",\"North\nTown\"\r\nBay School,\r\n", 0, &t, &line, &msg) == 0);
    CHECK(t.n == 3);
    CHECK_STR(t.rec[1].field[0], "Oak, Hill \"Upper\" School");
    CHECK_STR(t.rec[1].field[1], "North\nTown");
    CHECK(t.rec[1].line == 2);
    CHECK(t.rec[2].line == 4);           /* after the line break inside quotes */
    CHECK(t.rec[2].n == 2);
    CHECK_STR(t.rec[2].field[1], "");
    /* a BOM, blank lines skipped, no newline at the end, empty quoted field */
    CHECK(parse("\xEF\xBB\xBFname\n\nA\n\n\"\"\nB", 0, &t, &line, &msg) == 0);
    CHECK(t.n == 4);
    CHECK_STR(t.rec[0].field[0], "name");
    CHECK_STR(t.rec[1].field[0], "A");
    CHECK(t.rec[1].line == 3);
    CHECK(t.rec[2].n == 1 && t.rec[2].field[0][0] == '\0');   /* "" is a value, kept */
    CHECK_STR(t.rec[3].field[0], "B");
    CHECK(t.rec[3].line == 6);
    /* UTF-8 names are kept as they are */
    CHECK(parse("École Saint-Jean,Montréal\n", 0, &t, &line, &msg) == 0);
    CHECK_STR(t.rec[0].field[0], "École Saint-Jean");
    /* empty input: no records */
    CHECK(parse("", 0, &t, &line, &msg) == 0 && t.n == 0);

    /* hostile: each names the line of the mistake */
    CHECK(refused_at("name\nab\"c\n", 0) == 2);                       /* quote inside an unquoted field */
    CHECK(refused_at("name\n\"abc\"x\n", 0) == 2);                    /* text after the closing quote */
    CHECK(refused_at("name\nok\n\"never closed\nstill\n", 0) == 3);   /* the record that opened it */
    CHECK(refused_at("name\nA\nB\0C\n", 11) == 3);                    /* a NUL byte */
    CHECK(refused_at("name\rA\n", 0) == 1);                           /* a bare carriage return */
    CHECK(refused_at("name\nA\r", 0) == 2);                           /* at the very end too */
    CHECK(refused_at("ok\nok\n\xC0\xAF\n", 0) == 3);                  /* overlong '/' */
    CHECK(refused_at("ok\n\xED\xA0\x80\n", 0) == 2);                  /* a surrogate */
    CHECK(refused_at("ok\n\xE2\x82", 0) == 2);                        /* truncated at the end */
    CHECK(refused_at("\xFF\n", 0) == 1);
    CHECK(refused_at("\xF4\x90\x80\x80\n", 0) == 1);                  /* past U+10FFFF */
    char wide[200];
    memset(wide, ',', 40);
    strcpy(wide + 40, "\n");
    CHECK(refused_at(wide, 0) == 1);                                  /* 41 fields */
    wide[31] = '\n';
    wide[32] = '\0';
    CHECK(refused_at(wide, 0) == 0);                                  /* 32 fields is the most */
    char *big = malloc(CSVREAD_MAX_FIELD + 16);
    memset(big, 'x', CSVREAD_MAX_FIELD + 1);
    big[CSVREAD_MAX_FIELD + 1] = '\0';
    CHECK(refused_at(big, 0) == 1);                                   /* one byte over */
    big[CSVREAD_MAX_FIELD] = '\0';
    CHECK(refused_at(big, 0) == 0);                                   /* exactly the most */
    free(big);
    size_t nmany = (size_t)(CSVREAD_MAX_RECORDS + 1) * 2;
    char *many = malloc(nmany + 1);
    for (size_t i = 0; i < nmany; i += 2)
        many[i] = 'r', many[i + 1] = '\n';
    many[nmany] = '\0';
    CHECK(refused_at(many, nmany) == CSVREAD_MAX_RECORDS + 1);
    CHECK(refused_at(many, nmany - 2) == 0);
    free(many);

    /* round trip: what our writer writes (neutralised cells included), the reader reads back */
    buf w = BUF_INIT;
    const char *cells[] = {"=SUM(A1)", "plain", "with \"quotes\"", "two\r\nlines", "", "@x"};
    for (int i = 0; i < 6; i++)
        csv_text(&w, cells[i], i == 0);
    csv_end(&w);
    CHECK(parse(buf_str(&w), w.len, &t, &line, &msg) == 0);
    CHECK(t.n == 1 && t.rec[0].n == 6);
    CHECK_STR(t.rec[0].field[0], "'=SUM(A1)");
    CHECK_STR(t.rec[0].field[2], "with \"quotes\"");
    CHECK_STR(t.rec[0].field[3], "two\r\nlines");
    CHECK_STR(t.rec[0].field[5], "'@x");
    buf_free(&w);

    /* random and mutated inputs: read within the limits, or refused at a line inside the text */
    srand(1234);
    const char alphabet[] = "ab,\"\r\n\0\xC3\xA9\xFF ";
    const char *seed = "name,city\n\"A, \"\"B\"\"\",C\nD,E\n";
    int bad = 0, read_ok = 0, refused = 0;
    char in[256];
    for (int round = 0; round < 20000; round++) {
        size_t n;
        if (round % 2) {
            n = (size_t)(rand() % 64);
            for (size_t i = 0; i < n; i++)
                in[i] = alphabet[rand() % (int)(sizeof alphabet - 1)];
        } else {
            n = strlen(seed);
            memcpy(in, seed, n);
            for (int k = rand() % 4; k >= 0; k--)
                in[rand() % (int)n] = alphabet[rand() % (int)(sizeof alphabet - 1)];
        }
        arena_reset(a);
        if (csvread_parse(a, in, n, &t, &line, &msg) == 0) {
            read_ok++;
            for (int r = 0; r < t.n; r++) {
                bad += t.rec[r].n < 1 || t.rec[r].n > CSVREAD_MAX_FIELDS || t.rec[r].line < 1 ||
                       t.rec[r].line > lines_in(in, n);
                for (int f = 0; f < t.rec[r].n; f++)
                    bad += t.rec[r].field[f] == NULL || strlen(t.rec[r].field[f]) > CSVREAD_MAX_FIELD;
            }
        } else {
            refused++;
            bad += msg == NULL || line < 1 || line > lines_in(in, n) || t.n != 0;
        }
    }
    CHECK(bad == 0);
    CHECK(read_ok > 1000 && refused > 1000);   /* both paths were really exercised */
    arena_free(a);
    return check_done();
}
