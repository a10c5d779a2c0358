/*
** notify.c: mail rendered from templates, queued in the outbox
** (see notify.h).
*/
#include "notify.h"

#include <string.h>

#include "log.h"
#include "mail.h"
#include "store_content.h"
#include "store_outbox.h"
#include "unsub.h"

/* notify_queue with the one-click unsubscribe URL unsub (may be NULL), kept
** in ctx as unsubscribe_url and on the outbox row. */
static int queue(domain *d, const char *name, const char *subject, const char *to_addr, const char *to_name,
                 json_t *ctx, const notify_attachment *attach, const char *unsub)
{
    json_t *full = json_deep_copy(ctx);
    if (!full) {
        log_error("cannot copy the context of the %s message", name);
        return DOM_ERROR;
    }
    json_t *series = store_series(d->db);
    json_object_set_new(full, "site", series ? series : json_object());
    json_object_set_new(full, "base_url", json_string(d->cfg->base_url));
    if (unsub)
        json_object_set_new(full, "unsubscribe_url", json_string(unsub));
    buf text = BUF_INIT, html = BUF_INIT;
    char txt_name[128];
    snprintf(txt_name, sizeof txt_name, "mail/%s.txt", name);
    char html_name[128];
    snprintf(html_name, sizeof html_name, "mail/%s", name);
    int rc = tmpl_render(d->tmpl, txt_name, full, &text);
    int has_html = rc == 0 && tmpl_has(d->tmpl, html_name) && tmpl_render(d->tmpl, html_name, full, &html) == 0;
    json_decref(full);
    if (rc != 0 || buf_failed(&text) || buf_failed(&html)) {
        log_error("cannot render the %s message", name);
        buf_free(&text);
        buf_free(&html);
        return DOM_ERROR;
    }
    mail_msg m = {0};
    m.to_addr = to_addr;
    m.to_name = to_name;
    m.subject = subject;
    m.text = buf_str(&text);
    m.html = has_html ? buf_str(&html) : NULL;
    m.unsubscribe = unsub;
    if (attach) {
        m.attach_name = attach->name;
        m.attach_type = attach->type;
        m.attach = attach->data;
        m.attach_len = attach->len;
    }
    int64_t id = outbox_add_mail(d->db, &m, d->now);
    buf_free(&text);
    buf_free(&html);
    if (id < 0) {
        log_error("cannot queue the %s message: %s", name, db_errmsg(d->db));
        return DOM_ERROR;
    }
    return DOM_OK;
}

int notify_queue(domain *d, const char *name, const char *subject, const char *to_addr, const char *to_name,
                 json_t *ctx, const notify_attachment *attach)
{
    return queue(d, name, subject, to_addr, to_name, ctx, attach, NULL);
}

int notify_queue_stream(domain *d, const char *name, const char *subject, const char *to_addr, const char *to_name,
                        json_t *ctx, int64_t user_id, int stream)
{
    char token[UNSUB_TOKEN_MAX];
    if (unsub_sign(d->cfg->site_secret, user_id, stream, token) != 0) {
        log_error("cannot sign the unsubscribe link of the %s message", name);
        return DOM_ERROR;
    }
    const char *url = arena_printf(d->a, "%s/unsubscribe?t=%s", d->cfg->base_url, token);
    return queue(d, name, subject, to_addr, to_name, ctx, NULL, url);
}

int notify_community(domain *d, const char *to_addr, const char *to_name)
{
    json_t *ctx = json_pack("{s:{s:s}, s:s}", "user", "name", to_name, "community_url", d->cfg->community_url);
    if (!ctx)
        return DOM_ERROR;
    int rc = notify_queue(d, "community", "Your invitation to the member community", to_addr, to_name, ctx, NULL);
    json_decref(ctx);
    if (rc == DOM_OK && *d->cfg->community_api_url && outbox_add_community(d->db, to_addr, d->now) < 0)
        rc = DOM_ERROR;
    return rc;
}
