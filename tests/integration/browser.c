/*
** browser.c: a scripted visitor with a cookie jar (see browser.h).
*/
#include "browser.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libcurl write callback into a buf. */
static size_t sink(char *p, size_t size, size_t n, void *user)
{
    buf_append(user, p, size * n);
    return size * n;
}

void browser_open(browser *b, const stack *s)
{
    b->s = s;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    b->curl = c;
}

void browser_close(browser *b)
{
    curl_easy_cleanup(b->curl);
    b->curl = NULL;
}

/* One request with the jar; body NULL for GET. */
static int request(browser *b, const char *path, const char *body, http_res *r)
{
    CURL *c = b->curl;
    memset(r, 0, sizeof *r);
    buf_init(&r->head, 0);
    buf_init(&r->body, 0);
    char url[2048];
    snprintf(url, sizeof url, "%s%s", b->s->base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    return rc == CURLE_OK ? 0 : -1;
}

int browser_get(browser *b, const char *path, http_res *r)
{
    return request(b, path, NULL, r);
}

int browser_post(browser *b, const char *path, const char *form, http_res *r)
{
    return request(b, path, form ? form : "", r);
}

char *browser_csrf(const http_res *r)
{
    const char *p = strstr(buf_str(&r->body), "name=\"csrf\" value=\"");
    if (!p)
        return strdup("");
    p += strlen("name=\"csrf\" value=\"");
    return strndup(p, strcspn(p, "\""));
}

int browser_csrf_others(const http_res *r, const char *token, int *forms)
{
    const char *needle = "name=\"csrf\" value=\"";
    int n = 0, other = 0;
    for (const char *p = strstr(buf_str(&r->body), needle); p; p = strstr(p, needle)) {
        p += strlen(needle);
        size_t len = strcspn(p, "\"");
        n++;
        if (len != strlen(token) || strncmp(p, token, len))
            other++;
    }
    *forms = n;
    return other;
}

void browser_set_cookie(browser *b, const char *name, const char *value)
{
    char line[512];
    snprintf(line, sizeof line, "127.0.0.1\tFALSE\t/\tFALSE\t0\t%s\t%s", name, value);
    curl_easy_setopt(b->curl, CURLOPT_COOKIELIST, line);
}

char *browser_cookie(browser *b, const char *name)
{
    struct curl_slist *list = NULL, *l;
    char *out = NULL;
    curl_easy_getinfo(b->curl, CURLINFO_COOKIELIST, &list);
    for (l = list; l && !out; l = l->next) {
        /* domain, tailmatch, path, secure, expires, name, value */
        const char *f = l->data;
        for (int i = 0; i < 5 && f; i++) {
            f = strchr(f, '\t');
            if (f)
                f++;
        }
        if (f && !strncmp(f, name, strlen(name)) && f[strlen(name)] == '\t')
            out = strdup(f + strlen(name) + 1);
    }
    curl_slist_free_all(list);
    return out;
}

int browser_submit(browser *b, const char *path, const char *action, const char *form, http_res *r)
{
    http_res page;
    if (browser_get(b, path, &page) != 0) {
        http_res_free(&page);
        return -1;
    }
    char *csrf = browser_csrf(&page);
    http_res_free(&page);
    buf body = BUF_INIT;
    buf_printf(&body, "%s%scsrf=%s", form, *form ? "&" : "", csrf);
    free(csrf);
    int rc = browser_post(b, action, buf_str(&body), r);
    buf_free(&body);
    return rc;
}

long browser_sign_up(browser *b, const char *name, const char *email)
{
    char form[512];
    snprintf(form, sizeof form, "name=%s&email=%s&password=correct-horse-battery&time_zone=UTC&school_id=&next=%%2Fmy",
             name, email);
    http_res r;
    browser_submit(b, "/signup", "/signup", form, &r);
    long st = r.status;
    http_res_free(&r);
    return st;
}

char *http_res_location(const http_res *r)
{
    char *l = http_res_header(r, "Location");
    return l ? l : strdup("");
}
