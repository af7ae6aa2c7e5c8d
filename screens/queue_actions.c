/* queue_actions.c - the queue actions of the Queue screen: what the
 * selection is (marked rows, else the cursor row; whole groups in the shape
 * view), the confirmation that states the count (delete and requeue always,
 * the others when they touch more than one message; typed confirmation for
 * a delete of 100 or more), the background run through pn_queue_act /
 * pn_queue_flush, and the per-queue-ID report afterwards. */
#include "queue_screen.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define JOB_ACT "Queue action"

size_t qs_selection(qs *q, pn_argv *ids, pn_str *what)
{
    if (q->mode == QS_SHAPE)
        return qs_shape_selection(q, ids, what);
    const char **keys = NULL;
    size_t n = pn_listmodel_marked_keys(&q->lm, &keys);
    if (n) {
        for (size_t i = 0; i < n; i++)
            pn_argv_add(ids, keys[i]);
        free(keys);
        pn_str_appendf(what, "%zu marked message%s", n, n == 1 ? "" : "s");
        return n;
    }
    free(keys);
    size_t row = pn_listmodel_cursor_row(&q->lm);
    const pn_qentry *e = row == SIZE_MAX ? NULL : qs_entry(q, row);
    if (!e)
        return 0;
    pn_argv_add(ids, e->qid);
    pn_str_appendf(what, "message %s", e->qid);
    return 1;
}

typedef struct act_job {
    qs *q;
    pn_qaction action;
    bool flush;
    pn_argv ids;
    char *what;
    pn_qaction_report rep;
    bool ok;
    pn_err err;
} act_job;

static void act_run(pn_job *job, void *data)
{
    act_job *j = data;
    (void)job;
    if (j->flush)
        j->ok = pn_queue_flush(j->q->ctx, &j->err);
    else
        j->ok = pn_queue_act(j->q->ctx, j->action, (const char *const *)j->ids.v, j->ids.n,
                             &j->rep, &j->err);
}

static const char *action_title(pn_qaction a)
{
    switch (a) {
    case PN_QA_DELETE: return "Delete";
    case PN_QA_HOLD: return "Hold";
    case PN_QA_RELEASE: return "Release";
    case PN_QA_REQUEUE: return "Requeue";
    case PN_QA_RESEND: return "Resend";
    default: return "Act on";
    }
}

static const char *outcome_words(pn_qoutcome o)
{
    switch (o) {
    case PN_QO_DONE: return "done";
    case PN_QO_NOT_FOUND: return "already gone";
    default: return "FAILED";
    }
}

static void report_text(pn_str *t, const act_job *j)
{
    const pn_qaction_report *r = &j->rep;
    pn_str_appendf(t, "%s: %s\n\n", action_title(j->action), j->what);
    pn_str_appendf(t, "%zu done, %zu already gone (delivered or removed before the action), %zu failed\n",
                   r->done, r->not_found, r->failed);
    if (r->warning)
        pn_str_appendf(t, "warning: %s\n", r->warning);
    pn_str_append(t, "\nQUEUE ID              OUTCOME        POSTFIX SAID\n");
    for (size_t i = 0; i < r->n; i++) {
        const pn_qresult *x = &r->results[i];
        pn_str_appendf(t, "%-20s  %-13s  %s\n", x->qid, outcome_words(x->outcome),
                       x->detail ? x->detail : "");
    }
}

static void act_done(void *st, void *data, bool cancelled)
{
    qs *q = st;
    act_job *j = data;
    (void)cancelled;
    if (!j->ok) {
        pn_app_error(q->app, j->flush ? "Flush failed" : "Queue action failed", pn_err_msg(&j->err));
    } else if (j->flush) {
        pn_app_flash(q->app, PN_ROLE_STATUS_OK,
                     "flush: Postfix is attempting delivery of all queued mail now");
    } else {
        const pn_qaction_report *r = &j->rep;
        pn_app_flash(q->app, r->failed ? PN_ROLE_STATUS_ERROR : PN_ROLE_STATUS_OK,
                     "%s: %zu done, %zu already gone, %zu failed", action_title(j->action),
                     r->done, r->not_found, r->failed);
        if (r->n > 1 || r->failed || r->not_found || r->warning) {
            pn_str t = PN_STR_INIT;
            report_text(&t, j);
            char *title = pn_sprintf("%s: per-message outcome", action_title(j->action));
            pn_app_show_text(q->app, title, pn_str_cstr(&t));
            free(title);
            pn_str_free(&t);
        }
    }
    pn_qaction_report_free(&j->rep);
    pn_argv_free(&j->ids);
    pn_err_clear(&j->err);
    free(j->what);
    free(j);
    qs_start_listing(q);
}

static void start_act(qs *q, pn_qaction action, bool flush, pn_argv *ids, const char *what)
{
    act_job *j = pn_calloc(1, sizeof(*j));
    j->q = q;
    j->action = action;
    j->flush = flush;
    if (ids) {
        j->ids = *ids;
        memset(ids, 0, sizeof(*ids));
    }
    j->what = pn_strdup(what ? what : "");
    if (!pn_app_start_job(q->app, JOB_ACT, act_run, act_done, q, j)) {
        pn_app_flash(q->app, PN_ROLE_STATUS_WARN, "another queue action is still running");
        pn_argv_free(&j->ids);
        free(j->what);
        free(j);
    }
}

static void confirm_done(void *st, bool yes)
{
    qs *q = st;
    if (yes)
        start_act(q, q->pending_action, q->pending_flush, &q->pending_ids, q->pending_what);
    else
        pn_app_flash(q->app, PN_ROLE_STATUS, "cancelled: nothing was changed");
    pn_argv_free(&q->pending_ids);
    free(q->pending_what);
    q->pending_what = NULL;
}

void qs_act(qs *q, pn_qaction action, pn_argv *ids, const char *what)
{
    size_t n = ids->n;
    bool must_confirm = action == PN_QA_DELETE || action == PN_QA_REQUEUE || n > 1;
    if (!must_confirm) {
        start_act(q, action, false, ids, what);
        return;
    }
    pn_argv_free(&q->pending_ids);
    q->pending_ids = *ids;
    memset(ids, 0, sizeof(*ids));
    q->pending_action = action;
    q->pending_flush = false;
    free(q->pending_what);
    q->pending_what = pn_strdup(what);

    const char *tail = "";
    switch (action) {
    case PN_QA_DELETE: tail = " They are removed from the queue for good; senders are not told."; break;
    case PN_QA_HOLD: tail = " Held mail is not delivered until released (and still expires)."; break;
    case PN_QA_REQUEUE: tail = " Each message gets a new queue ID."; break;
    case PN_QA_RESEND: tail = " Postfix attempts delivery now."; break;
    default: break;
    }
    pn_str_reset(&q->confirm_title);
    pn_str_appendf(&q->confirm_title, "%s messages", action_title(action));
    pn_str_reset(&q->confirm_msg);
    pn_str_appendf(&q->confirm_msg, "%s %zu message%s (%s)?%s", action_title(action), n,
                   n == 1 ? "" : "s", what, tail);
    pn_confirm spec = {
        .title = pn_str_cstr(&q->confirm_title),
        .message = pn_str_cstr(&q->confirm_msg),
        .yes_label = action_title(action),
        .count = n,
        .dangerous = action == PN_QA_DELETE,
        .typed_threshold = 100,
        .typed_word = action == PN_QA_DELETE ? "DELETE" : NULL,
    };
    pn_app_confirm(q->app, &spec, confirm_done, q);
}

int qs_do_action(qs *q, pn_qaction action)
{
    pn_argv ids = PN_ARGV_INIT;
    pn_str what = PN_STR_INIT;
    size_t n = qs_selection(q, &ids, &what);
    if (n == 0) {
        pn_app_flash(q->app, PN_ROLE_STATUS_WARN, "%s: no message selected",
                     pn_qaction_str(action));
    } else {
        qs_act(q, action, &ids, pn_str_cstr(&what));
    }
    pn_argv_free(&ids);
    pn_str_free(&what);
    return PN_DIRTY_DRAW;
}

int qs_do_flush(qs *q)
{
    size_t n = q->list.n;
    pn_str_reset(&q->confirm_msg);
    pn_str_appendf(&q->confirm_msg,
                   "Attempt delivery of all %zu queued message%s now (postqueue -f)? Held mail stays on hold.",
                   n, n == 1 ? "" : "s");
    pn_argv_free(&q->pending_ids);
    q->pending_flush = true;
    free(q->pending_what);
    q->pending_what = pn_strdup("all queued mail");
    pn_confirm spec = {
        .title = "Flush the queue",
        .message = pn_str_cstr(&q->confirm_msg),
        .yes_label = "Flush",
        .count = n,
        .dangerous = false,
    };
    pn_app_confirm(q->app, &spec, confirm_done, q);
    return PN_DIRTY_DRAW;
}

bool qs_action_of(pn_action_id id, pn_qaction *out)
{
    switch (id) {
    case PN_A_Q_DELETE: *out = PN_QA_DELETE; return true;
    case PN_A_Q_HOLD: *out = PN_QA_HOLD; return true;
    case PN_A_Q_RELEASE: *out = PN_QA_RELEASE; return true;
    case PN_A_Q_REQUEUE: *out = PN_QA_REQUEUE; return true;
    case PN_A_Q_RESEND: *out = PN_QA_RESEND; return true;
    default: return false;
    }
}

