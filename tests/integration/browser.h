/*
** browser.h: a scripted visitor for integration tests: libcurl with its
** own cookie jar, so a test can sign up, sign in and post forms the way a
** browser would (redirects are not followed, so each step can be checked).
*/
#ifndef JOURNEYS_TEST_BROWSER_H
#define JOURNEYS_TEST_BROWSER_H

#include "harness.h"

typedef struct browser {
    const stack *s;
    void *curl;     /* CURL *, owning the cookie jar */
} browser;

/* A fresh visitor with no cookies. */
void browser_open(browser *b, const stack *s);
void browser_close(browser *b);

/* GET or POST (form-encoded body) path; returns 0 if an answer came. */
int browser_get(browser *b, const char *path, http_res *r);
int browser_post(browser *b, const char *path, const char *form, http_res *r);

/* The CSRF token in a page's forms (malloc'd; "" if there is none). */
char *browser_csrf(const http_res *r);

/* How many of r's forms carry a CSRF token other than token (an empty
** one, another person's, a slot left unfilled); *forms gets how many
** carry one at all. */
int browser_csrf_others(const http_res *r, const char *token, int *forms);

/* Set a cookie as if the site had (for session-fixation tests). */
void browser_set_cookie(browser *b, const char *name, const char *value);

/* The value of a cookie the browser holds (malloc'd), or NULL. */
char *browser_cookie(browser *b, const char *name);

/* GET path, take its CSRF token, and POST form plus "&csrf=TOKEN" to
** action. Returns 0 if both answered; r holds the POST's answer. */
int browser_submit(browser *b, const char *path, const char *action, const char *form, http_res *r);

/* Sign up a participant in b with the name and e-mail given (both already
** URL-encoded), password "correct-horse-battery", time zone UTC, no school,
** next=/my. Returns the POST's status (303 when it worked). */
long browser_sign_up(browser *b, const char *name, const char *email);

/* The Location header of r (malloc'd), or an empty malloc'd string. */
char *http_res_location(const http_res *r);

#endif
