/*
** test_vtt.c: the WebVTT checker behind caption uploads (vtt.h) with
** well-formed files and hostile ones (truncated, binary, oversized,
** malformed times, arrows in text, lies about order), and the Markdown
** accessibility checks of publish (mdcheck.h): alt text and heading order,
** each reported with its line.
*/
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mdcheck.h"
#include "vtt.h"

/* Check a NUL-terminated text as WebVTT: 0 or -1, info filled. */
static int vtt(const char *s, vtt_info *info)
{
    return vtt_check(s, strlen(s), info);
}

/* Whether s is refused on line `line` with a message containing `part`. */
static int refused(const char *s, int line, const char *part)
{
    vtt_info info;
    int rc = vtt(s, &info);
    if (rc == 0 || info.line != line || !strstr(info.why, part)) {
        fprintf(stderr, "  for %.60s: rc %d line %d why \"%s\"\n", s, rc, info.line, info.why);
        return 0;
    }
    return 1;
}

static void test_good(void)
{
    vtt_info info;
    CHECK(vtt("WEBVTT\n\n00:00.000 --> 00:02.500\nHello.\n", &info) == 0);
    CHECK(info.cues == 1 && info.last_end_ms == 2500);
    /* byte-order mark, header text, CRLF, identifiers, NOTE, STYLE, settings, hours, tags */
    const char *full = "\xEF\xBB\xBFWEBVTT - Panel one\r\nKind: captions\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\n"
                       "NOTE edited by staff\r\n\r\n1\r\n00:00:01.000 --> 00:00:04.000 align:start line:90%\r\n"
                       "<v Dana Whitfield>Welcome, everyone.\r\n\r\nNOTE\r\nsecond note\r\n\r\nintro-2\r\n"
                       "01:00:05.250 --> 01:00:09.000\r\n<i>Thank you</i> &amp; welcome\r\nsecond line\r\n";
    CHECK(vtt(full, &info) == 0);
    CHECK(info.cues == 2);
    CHECK(info.last_end_ms == 3609000);
    /* old Mac line ends, and a file without a final newline */
    CHECK(vtt("WEBVTT\r\r00:01.000 --> 00:02.000\rA\r\r00:02.000 --> 00:03.000\rB", &info) == 0 && info.cues == 2);
    /* equal start times are in order */
    CHECK(vtt("WEBVTT\n\n00:01.000 --> 00:02.000\nA\n\n00:01.000 --> 00:03.000\nB\n", &info) == 0);
    /* the text may hold angle brackets and script-like words: it is shown as text */
    CHECK(vtt("WEBVTT\n\n00:01.000 --> 00:02.000\n<script>alert(1)</script>\n", &info) == 0);
    int64_t ms;
    CHECK(vtt_timestamp("01:02.003", 9, &ms) == 0 && ms == 62003);
    CHECK(vtt_timestamp("100:00:00.000", 13, &ms) == 0 && ms == 360000000);
    CHECK(vtt_timestamp("1:02:03.004", 11, &ms) != 0);   /* hours take two digits or more */
    CHECK(vtt_timestamp("00:60.000", 9, &ms) != 0);
    CHECK(vtt_timestamp("60:00.000", 9, &ms) != 0);
    CHECK(vtt_timestamp("00:01.00", 8, &ms) != 0);
    CHECK(vtt_timestamp("00:01,000", 9, &ms) != 0);       /* the SubRip comma */
    CHECK(vtt_timestamp("-0:01.000", 9, &ms) != 0);
    CHECK(vtt_timestamp(":01.000", 7, &ms) != 0);
    CHECK(vtt_timestamp("", 0, &ms) != 0);
}

static void test_hostile(void)
{
    vtt_info info;
    CHECK(refused("", 1, "must begin with the line WEBVTT"));
    CHECK(refused("WEBVTTX\n\n00:01.000 --> 00:02.000\nA\n", 1, "WEBVTT"));
    CHECK(refused("webvtt\n", 1, "WEBVTT"));
    CHECK(refused("1\n00:00:01,000 --> 00:00:02,000\nA SubRip file\n", 1, "WEBVTT"));
    CHECK(refused("WEBVTT\n", 0, "no cues"));
    CHECK(refused("WEBVTT\n\nNOTE only a note\n", 0, "no cues"));
    CHECK(refused("WEBVTT\n00:01.000 --> 00:02.000\nA\n", 2, "blank line after the WEBVTT header"));
    CHECK(refused("WEBVTT\n\n00:01,000 --> 00:02.000\nA\n", 3, "start time"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02\nA\n", 3, "end time"));
    CHECK(refused("WEBVTT\n\n00:01.000 -> 00:02.000\nA\n", 4, "timing line"));   /* an identifier, then text */
    CHECK(refused("WEBVTT\n\n00:01.000 00:02.000\nA\n", 4, "timing line"));
    CHECK(refused("WEBVTT\n\n00:03.000 --> 00:02.000\nA\n", 3, "ends before"));
    CHECK(refused("WEBVTT\n\n00:02.000 --> 00:02.000\nA\n", 3, "ends before"));
    CHECK(refused("WEBVTT\n\n00:05.000 --> 00:06.000\nA\n\n00:01.000 --> 00:02.000\nB\n", 6, "time order"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000 --> 00:03.000\nA\n", 3, "only one"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n\n", 4, "no text"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n", 3, "no text"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\nA\n00:02.000 --> 00:03.000\nB\n", 5, "blank line between"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\nA\n\nSTYLE\n::cue {}\n", 6, "before the first cue"));
    CHECK(refused("WEBVTT\n\nNOTE a --> b\n", 3, "may not appear"));
    CHECK(refused("WEBVTT\n\nid\n\n00:01.000 --> 00:02.000\nA\n", 4, "followed by its timing line"));
    /* bytes that are not text */
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\nA\x01\n", 4, "control character"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\nA\x7f\n", 4, "control character"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n\xC3\x28\n", 4, "UTF-8"));
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n\xED\xA0\x80\n", 4, "UTF-8"));   /* a surrogate */
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n\xC0\xAF\n", 4, "UTF-8"));       /* overlong '/' */
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n\xF4\x90\x80\x80\n", 4, "UTF-8")); /* past U+10FFFF */
    CHECK(refused("WEBVTT\n\n00:01.000 --> 00:02.000\n\xE2\x82", 4, "UTF-8"));           /* cut short */
    const char nul[] = "WEBVTT\n\n00:01.000 --> 00:02.000\nA\0B\n";
    CHECK(vtt_check(nul, sizeof nul - 1, &info) == -1 && info.line == 4 && strstr(info.why, "NUL"));
    /* a PNG is not captions */
    const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    CHECK(vtt_check(png, sizeof png - 1, &info) == -1 && info.line == 1);
    /* a line too long, a file too large, too many cues */
    size_t n = VTT_MAX_LINE + 64;
    char *big = malloc(n + 64);
    strcpy(big, "WEBVTT\n\n00:01.000 --> 00:02.000\n");
    size_t k = strlen(big);
    memset(big + k, 'a', VTT_MAX_LINE + 1);
    big[k + VTT_MAX_LINE + 1] = '\0';
    CHECK(refused(big, 4, "longer than"));
    free(big);
    CHECK(vtt_check("WEBVTT\n", (size_t)VTT_MAX_BYTES + 1, &info) == -1 && strstr(info.why, "larger than"));
    size_t cap = (size_t)(VTT_MAX_CUES + 2) * 32 + 16, len = 0;
    char *many = malloc(cap);
    len += (size_t)sprintf(many, "WEBVTT\n\n");
    for (int i = 0; i <= VTT_MAX_CUES; i++)
        len += (size_t)sprintf(many + len, "%02d:%02d.000 --> %02d:%02d.500\nx\n\n", i / 3600 % 60, i / 60 % 60,
                               i / 3600 % 60, i / 60 % 60);
    CHECK(vtt_check(many, len, &info) == -1 && strstr(info.why, "more than"));
    /* every prefix of a good file is accepted or refused, never read past */
    const char *good = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nHello\n\n00:05.000 --> 00:06.000\nBye\n";
    int accepted = 0;
    for (size_t cut = 0; cut <= strlen(good); cut++) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, good, cut);
        accepted += vtt_check(copy, cut, &info) == 0;
        free(copy);
    }
    CHECK(accepted >= 2);
    free(many);
    /* random bytes after a valid header: never a crash, mostly refused */
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char bytes[256];
        size_t m = 8 + (size_t)(round % 200);
        memcpy(bytes, "WEBVTT\n\n", 8);
        for (size_t i = 8; i < m; i++) {
            seed = seed * 1103515245u + 12345u;
            bytes[i] = "0123456789:.-> \nA\r\xc3\xa9"[(seed >> 16) % 21];
        }
        (void)vtt_check(bytes, m, &info);
        CHECK(info.line >= 0);
    }
}

static void test_mdcheck(void)
{
    buf err = BUF_INIT;
    CHECK(mdcheck_text("x.md", "# Title\n\n## A\n\n### B\n\n## C\n\n#### D\n", 36, &err) == 1);
    CHECK_CONTAINS(buf_str(&err), "x.md:9: a level-4 heading follows a level-2 one");
    buf_reset(&err);
    const char *ok = "---\ntitle: t\n# not a heading\n---\n## Intro\n\n### Detail\n\n## Next\n\n![A chart of grades](https://x/y.png)\n";
    CHECK(mdcheck_text("ok.md", ok, strlen(ok), &err) == 0);
    CHECK(err.len == 0);
    const char *img = "## A\n\nText ![](https://x/a.png) and ![  ](b.png)\n\n<img src=\"c.png\">\n<IMG SRC=d.png alt=\"\">\n"
                      "<img src=e.png alt=\"An e\">\n`![](code.png)` is code\n\n```\n![](fenced.png)\n#### fenced\n```\n"
                      "#### gap\n![ok][ref]\n![][ref]\n\\![](escaped)\n";
    CHECK(mdcheck_text("img.md", img, strlen(img), &err) == 6);
    CHECK_CONTAINS(buf_str(&err), "img.md:3: an image has no alt text");
    CHECK_CONTAINS(buf_str(&err), "img.md:5: an <img> has no alt text");
    CHECK_CONTAINS(buf_str(&err), "img.md:6: an <img> has no alt text");
    CHECK_CONTAINS(buf_str(&err), "img.md:14: a level-4 heading follows a level-2 one");
    CHECK_CONTAINS(buf_str(&err), "img.md:16: an image has no alt text");
    CHECK(!strstr(buf_str(&err), "img.md:7:") && !strstr(buf_str(&err), "img.md:8:") &&
          !strstr(buf_str(&err), "img.md:11:") && !strstr(buf_str(&err), "img.md:15:") &&
          !strstr(buf_str(&err), "img.md:17:"));
    buf_reset(&err);
    /* going up any number of levels is fine; "#hashtag" is not a heading */
    const char *up = "## A\n### B\n#### C\n## D\n#hashtag\n####### seven\n";
    CHECK(mdcheck_text("up.md", up, strlen(up), &err) == 0);
    buf_free(&err);
}

int main(void)
{
    test_good();
    test_hostile();
    test_mdcheck();
    return check_done();
}
