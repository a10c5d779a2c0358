/*
** fuzz_csvread.c: libFuzzer target for the import CSV reader (csvread.h).
** Aborts when a read file breaks a limit (too many records or fields, a
** field too long, a record starting on a line the input does not have) or
** a refusal names no message or a line outside the input, or returns rows.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: read it and check the result against the limits. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static arena *a;
    if (!a)
        a = arena_new(1 << 16);
    arena_reset(a);
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    csv_table t;
    int line;
    const char *msg;
    if (csvread_parse(a, (const char *)data, size, &t, &line, &msg) != 0) {
        if (!msg || !*msg || line < 1 || line > lines || t.n != 0 || t.rec) {
            fprintf(stderr, "bad refusal: line %d of %d, message %s\n", line, lines, msg ? msg : "(none)");
            abort();
        }
        return 0;
    }
    if (t.n > CSVREAD_MAX_RECORDS)
        abort();
    for (int r = 0; r < t.n; r++) {
        if (t.rec[r].n < 1 || t.rec[r].n > CSVREAD_MAX_FIELDS || t.rec[r].line < 1 || t.rec[r].line > lines ||
            (r > 0 && t.rec[r].line <= t.rec[r - 1].line))
            abort();
        for (int f = 0; f < t.rec[r].n; f++)
            if (!t.rec[r].field[f] || strlen(t.rec[r].field[f]) > CSVREAD_MAX_FIELD)
                abort();
    }
    return 0;
}
