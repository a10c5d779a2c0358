/*
** fuzz_vtt.c: libFuzzer target for the WebVTT checker (vtt.h) and the
** Markdown accessibility checks (mdcheck.h).
**
** The first byte picks the reader: even, the rest is a caption file; odd,
** a Markdown file. The target aborts when the checker's answer and its
** report disagree: a refusal without a reason or with a line past the
** input's last line, an acceptance without a cue or with a problem
** message left over, or an mdcheck count that differs from its lines.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdcheck.h"
#include "vtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines in text[0..n), counting a last line without its end (CR, LF, CRLF). */
static int lines_in(const char *text, size_t n)
{
    int lines = 1;
    for (size_t i = 0; i < n; i++)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= n || text[i + 1] != '\n')))
            lines++;
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    if ((data[0] & 1) == 0) {
        vtt_info info;
        int rc = vtt_check(text, n, &info);
        if (rc == 0 && (info.cues < 1 || info.why[0])) {
            fprintf(stderr, "accepted without cues or with a message\n");
            abort();
        }
        if (rc != 0 && (!info.why[0] || info.line < 0 || info.line > lines_in(text, n))) {
            fprintf(stderr, "refused without a reason or past the last line: %d %s\n", info.line, info.why);
            abort();
        }
        return 0;
    }
    buf err = BUF_INIT;
    int bad = mdcheck_text("f.md", text, n, &err);
    int counted = 0;
    for (const char *p = buf_str(&err); *p; p++)
        counted += *p == '\n';
    if (bad != counted || (bad && strncmp(buf_str(&err), "f.md:", 5))) {
        fprintf(stderr, "mdcheck count %d, lines %d\n", bad, counted);
        abort();
    }
    buf_free(&err);
    return 0;
}
