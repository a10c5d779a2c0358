/*
** completion.c: parse, format and test a course's completion rules (see
** completion.h).
*/
#include "completion.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Whether the n bytes at s are the word w. */
static int word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncmp(s, w, n) == 0;
}

int completion_parse(const char *text, completion_rule *r, const char **why)
{
    memset(r, 0, sizeof *r);
    if (!text || !*text)
        text = COMPLETION_DEFAULT;
    int seen_posts = 0, any = 0;
    const char *p = text;
    for (;;) {
        const char *end = p + strcspn(p, ",");
        const char *s = p, *e = end;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        size_t wl = 0;
        while (s + wl < e && !isspace((unsigned char)s[wl]))
            wl++;
        const char *arg = s + wl;
        while (arg < e && isspace((unsigned char)*arg))
            arg++;
        if (s == e) {
            *why = "completion has an empty term: write terms like 'activities, posts 3, panel' separated by "
                   "single commas";
            return -1;
        }
        if (word_is(s, wl, "activities") || word_is(s, wl, "panel")) {
            int *flag = *s == 'a' ? &r->activities : &r->panel;
            if (arg != e) {
                *why = "completion: 'activities' and 'panel' take no number";
                return -1;
            }
            if (*flag) {
                *why = "completion names the same term twice";
                return -1;
            }
            *flag = 1;
        } else if (word_is(s, wl, "posts")) {
            char *stop = NULL;
            long n = arg < e && isdigit((unsigned char)*arg) ? strtol(arg, &stop, 10) : 0;
            if (!stop || stop != e || n < 1 || n > COMPLETION_MAX_POSTS) {
                *why = "completion: 'posts' takes a whole number from 1 to 100, as in 'posts 3'";
                return -1;
            }
            if (seen_posts) {
                *why = "completion names the same term twice";
                return -1;
            }
            seen_posts = 1;
            r->posts = (int)n;
        } else {
            *why = "completion terms are 'activities', 'posts N' and 'panel', separated by commas";
            return -1;
        }
        any = 1;
        if (!*end)
            break;
        p = end + 1;
    }
    return any ? 0 : -1;
}

void completion_format(const completion_rule *r, buf *out)
{
    const char *sep = "";
    if (r->activities) {
        buf_puts(out, "activities");
        sep = ", ";
    }
    if (r->posts) {
        buf_printf(out, "%sposts %d", sep, r->posts);
        sep = ", ";
    }
    if (r->panel)
        buf_printf(out, "%spanel", sep);
}

int completion_met(const completion_rule *r, const completion_facts *f)
{
    if (r->activities && f->activities_complete < f->activities_total)
        return 0;
    if (f->posts < r->posts)
        return 0;
    if (r->panel && !f->panel)
        return 0;
    return 1;
}
