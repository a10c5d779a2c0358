/*
** community.c: invitations to a Discourse-compatible forum (see
** community.h), one HTTP POST with libcurl.
*/
#include "community.h"

#include <curl/curl.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

#define INVITE_TIMEOUT 20L      /* seconds, to connect and in all */
#define RESPONSE_MAX (64 * 1024) /* response bytes kept for inspection */

/* CURLOPT_WRITEFUNCTION: keep the first RESPONSE_MAX bytes of the answer in
** the buf at ud and quietly drop the rest. */
static size_t keep_response(char *p, size_t size, size_t nitems, void *ud)
{
    buf *b = ud;
    size_t n = size * nitems;
    if (b->len < RESPONSE_MAX)
        buf_append(b, p, n < RESPONSE_MAX - b->len ? n : RESPONSE_MAX - b->len);
    return n;
}

/* 1 if the JSON string v mentions "already" (any case). */
static int says_already(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && strcasestr(s, "already") != NULL;
}

/* 1 if a 422 body says the address is already invited or a member: an
** "errors" array or an "error" / "message" string containing "already". */
static int already_there(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    if (!j)
        return 0;
    int yes = says_already(json_object_get(j, "error")) || says_already(json_object_get(j, "message"));
    json_t *errors = json_object_get(j, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        if (says_already(e))
            yes = 1;
    }
    json_decref(j);
    return yes;
}

/* Append the first line of body, at most 200 bytes, to err. */
static void put_excerpt(buf *err, const char *body)
{
    size_t n = strcspn(body, "\r\n");
    buf_append(err, body, n < 200 ? n : 200);
}

int community_invite(const config *cfg, const char *addr, buf *err)
{
    const char *base = cfg->community_api_url ? cfg->community_api_url : "";
    if (!*base)
        return 0;
    if (!mail_addr_valid(addr)) {
        buf_puts(err, "community: invalid address");
        return -1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        buf_puts(err, "community: cannot start libcurl");
        return -1;
    }
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    buf url = BUF_INIT, form = BUF_INIT, key = BUF_INIT, user = BUF_INIT, body = BUF_INIT;
    buf_append(&url, base, blen);
    buf_puts(&url, "/invites.json");
    char *esc = curl_easy_escape(c, addr, 0);
    if (esc)
        buf_printf(&form, "email=%s", esc);
    curl_free(esc);
    buf_printf(&key, "Api-Key: %s", cfg->community_api_key ? cfg->community_api_key : "");
    buf_printf(&user, "Api-Username: %s", cfg->community_api_user ? cfg->community_api_user : "");
    struct curl_slist *h = curl_slist_append(NULL, buf_str(&key));
    struct curl_slist *h2 = h ? curl_slist_append(h, buf_str(&user)) : NULL;
    struct curl_slist *h3 = h2 ? curl_slist_append(h2, "Accept: application/json") : NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, buf_str(&url));
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, buf_str(&form));
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form.len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_response);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, INVITE_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, INVITE_TIMEOUT);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    int ok;
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    if (h3 && form.len > 0 && !buf_failed(&url) && !buf_failed(&form) && !buf_failed(&key) &&
        !buf_failed(&user))
        rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        buf_puts(err, "community: ");
        put_excerpt(err, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        ok = -1;
    } else if ((status >= 200 && status < 300) || (status == 422 && already_there(buf_str(&body)))) {
        ok = 0;
    } else {
        buf_printf(err, "community: HTTP %ld: ", status);
        put_excerpt(err, buf_str(&body));
        ok = -1;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    buf_free(&url);
    buf_free(&form);
    buf_free(&key);
    buf_free(&user);
    buf_free(&body);
    return ok;
}
