/*
** check.h: the few macros every test program uses.
**
** CHECK(cond) counts a pass or prints the failing condition with file and
** line; CHECK_STR compares strings; check_done() prints the closing line
** "N passed, N failed" and returns the exit status for main().
*/
#ifndef JOURNEYS_CHECK_H
#define JOURNEYS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
    if (cond) check_passed++; \
    else { check_failed++; \
        fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_STR(got, want) do { \
    const char *g_ = (got), *w_ = (want); \
    if (g_ && w_ && strcmp(g_, w_) == 0) check_passed++; \
    else { check_failed++; \
        fprintf(stderr, "%s:%d: FAILED: %s\n  got:  \"%s\"\n  want: \"%s\"\n", \
                __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define CHECK_CONTAINS(hay, needle) do { \
    const char *h_ = (hay), *n_ = (needle); \
    if (h_ && n_ && strstr(h_, n_)) check_passed++; \
    else { check_failed++; \
        fprintf(stderr, "%s:%d: FAILED: %s does not contain \"%s\"\n  in: \"%.400s\"\n", \
                __FILE__, __LINE__, #hay, n_ ? n_ : "(null)", h_ ? h_ : "(null)"); } \
} while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
