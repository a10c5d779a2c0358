/*
** feedback.c: coaches' feedback on activity submissions (see feedback.h).
*/
#include "feedback.h"

#include <jansson.h>
#include <string.h>

#include "buf.h"
#include "md.h"
#include "store_feedback.h"
#include "store_work.h"

/* Whether s holds anything but white space. */
static int has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 1;
    return 0;
}

/* The rubric's levels from its JSON text (see feedback.h). */
int feedback_rubric_levels(domain *d, const char *rubric, const char ***levels)
{
    *levels = NULL;
    json_t *arr = rubric && *rubric ? json_loads(rubric, 0, NULL) : NULL;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return 0;
    }
    size_t n = json_array_size(arr);
    const char **out = arena_alloc(d->a, (n ? n : 1) * sizeof *out);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s)
            out[k++] = arena_strdup(d->a, s);
    }
    json_decref(arr);
    *levels = out;
    return k;
}

/* Check, render, then in one transaction: the conditional decision, the
** feedback row and the participant's notification (see feedback.h). */
int feedback_give(domain *d, const feedback_input *in, int64_t *feedback_id)
{
    *feedback_id = 0;
    const char *decision = in->decision ? in->decision : "";
    if (strcmp(decision, "complete") && strcmp(decision, "revise"))
        return domain_refuse(d, DOM_INVALID, "decision", "Choose a decision: complete, or revise and resubmit.");
    if (!has_text(in->body_md))
        return domain_refuse(d, DOM_INVALID, "body", "Write your feedback first: the participant reads it beside "
                             "the decision.");
    if (strlen(in->body_md) > FEEDBACK_MAX_TEXT)
        return domain_refuse(d, DOM_INVALID, "body", arena_printf(d->a, "Feedback may be at most %d characters. "
                             "Shorten it and send it again.", FEEDBACK_MAX_TEXT));
    const char **levels;
    int n = feedback_rubric_levels(d, in->rubric, &levels);
    const char *level = in->level && *in->level ? in->level : NULL;
    if (n > 0) {
        int found = 0;
        for (int i = 0; i < n && level; i++)
            found |= !strcmp(levels[i], level);
        if (!found)
            return domain_refuse(d, DOM_INVALID, "level", "Choose a level on this activity's rubric.");
    } else if (level) {
        return domain_refuse(d, DOM_INVALID, "level", "This activity has no rubric, so feedback on it takes no level.");
    }
    buf out = BUF_INIT;
    if (md_render_untrusted(&out, in->body_md, strlen(in->body_md), 0) != 0) {
        buf_free(&out);
        return domain_refuse(d, DOM_INVALID, "body", "This text could not be read as Markdown. Shorten it and send "
                             "it again.");
    }
    const char *html = arena_strndup(d->a, buf_str(&out), out.len);
    buf_free(&out);

    int rc = domain_begin(d);
    if (rc != DOM_OK)
        return rc;
    int moved = store_feedback_decide(d->db, in->submission_id, decision, in->seen, d->now);
    int64_t id = 0;
    if (moved < 0)
        rc = domain_store_failed(d);
    else if (moved == 0)
        rc = domain_refuse(d, DOM_CONFLICT, NULL, "Someone else gave feedback on this version while you were "
                           "writing, so yours was not kept. Read theirs below; your text is still in the form if "
                           "you want to send it as well.");
    else if ((id = store_feedback_insert(d->db, in->submission_id, d->actor, in->body_md, html, level, decision,
                                         d->now)) < 0)
        rc = domain_store_failed(d);
    else if (in->owner_id != d->actor &&
             store_notification_add(d->db, in->owner_id, in->offering_id, "feedback", d->actor, in->title, in->link,
                                    d->now) < 0)
        rc = domain_store_failed(d);
    rc = domain_end(d, rc);
    if (rc == DOM_OK)
        *feedback_id = id;
    return rc;
}
