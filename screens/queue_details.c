/* queue_details.c - the message pane of the Queue screen: envelope and every
 * recipient with its own delay reason, the headers and the body, fetched with
 * postcat in the background (capped, sanitised by the backend), paged and
 * wrapped to the width, with the Message-ID shown ready for the trace.
 * Left/Right switch the part, the list keys scroll, Esc goes back; queue
 * actions here act on this one message. */
#include "queue_screen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "util/mem.h"
#include "util/text.h"
#include "util/utf8.h"

#define JOB_DETAILS "Reading the message"
#define DETAILS_CAP ((size_t)1 << 20)

enum { PART_ENVELOPE, PART_HEADERS, PART_BODY, PART_COUNT };
static const char *const part_names[PART_COUNT] = {"envelope", "headers", "body"};
static const char *const part_titles[PART_COUNT] = {"Envelope", "Headers", "Body"};

void qs_details_free(qs_details *d)
{
    free(d->qid);
    free(d->error);
    if (d->have)
        pn_qdetails_free(&d->d);
    if (d->have_entry)
        pn_qentry_free(&d->entry);
    memset(d, 0, sizeof(*d));
}

typedef struct det_job {
    qs *q;
    char *qid;
    pn_qdetails d;
    bool ok;
    pn_err err;
} det_job;

static void det_run(pn_job *job, void *data)
{
    det_job *j = data;
    (void)job;
    j->ok = pn_queue_details(j->q->ctx, j->qid, PN_QP_ENVELOPE | PN_QP_HEADERS | PN_QP_BODY,
                             DETAILS_CAP, &j->d, &j->err);
}

static void det_done(void *st, void *data, bool cancelled)
{
    qs *q = st;
    det_job *j = data;
    qs_details *d = &q->det;
    /* Only if the pane still shows the message this job read. */
    if (d->qid && strcmp(d->qid, j->qid) == 0) {
        d->loading = false;
        if (cancelled) {
            d->error = pn_strdup("cancelled");
        } else if (j->ok) {
            d->d = j->d;
            d->have = true;
            memset(&j->d, 0, sizeof(j->d));
        } else {
            d->error = pn_strdup(j->err.code == PN_E_NOTFOUND
                                     ? "the message is no longer in the queue (delivered, "
                                       "bounced or removed)"
                                     : pn_err_msg(&j->err));
        }
    }
    if (j->ok)
        pn_qdetails_free(&j->d);
    pn_err_clear(&j->err);
    free(j->qid);
    free(j);
}

static void details_load(qs *q)
{
    qs_details *d = &q->det;
    free(d->error);
    d->error = NULL;
    if (d->have) {
        pn_qdetails_free(&d->d);
        d->have = false;
    }
    det_job *j = pn_calloc(1, sizeof(*j));
    j->q = q;
    j->qid = pn_strdup(d->qid);
    if (!pn_app_start_job(q->app, JOB_DETAILS, det_run, det_done, q, j)) {
        d->error = pn_strdup("another message is being read; press F5 to retry");
        free(j->qid);
        free(j);
        return;
    }
    d->loading = true;
}

void qs_details_open(qs *q, size_t row)
{
    if (row >= q->list.n)
        return;
    qs_details_free(&q->det);
    const pn_qentry *e = &q->list.items[row];
    q->det.qid = pn_strdup(e->qid);
    pn_qentry_copy(&q->det.entry, e);
    q->det.have_entry = true;
    q->det.part = PART_ENVELOPE;
    q->mode = QS_DETAILS;
    details_load(q);
}

static void scroll(qs_details *d, long delta)
{
    long max = d->lines - d->page;
    if (max < 0)
        max = 0;
    d->scroll += delta;
    if (d->scroll > max)
        d->scroll = max;
    if (d->scroll < 0)
        d->scroll = 0;
}

static int set_part(qs *q, int part)
{
    q->det.part = (part + PART_COUNT) % PART_COUNT;
    q->det.scroll = 0;
    return PN_DIRTY_DRAW;
}

int qs_details_action(qs *q, const pn_command *cmd)
{
    qs_details *d = &q->det;
    long page = d->page > 1 ? d->page - 1 : 1;
    pn_qaction qa;
    if (qs_action_of(cmd->action, &qa)) {
        if (!d->qid)
            return PN_DIRTY_DRAW;
        pn_argv ids = PN_ARGV_INIT;
        pn_argv_add(&ids, d->qid);
        char *what = pn_sprintf("message %s", d->qid);
        qs_act(q, qa, &ids, what);
        free(what);
        pn_argv_free(&ids);
        return PN_DIRTY_DRAW;
    }
    switch (cmd->action) {
    case PN_A_BACK:
        q->mode = QS_LIST;
        return PN_DIRTY_DRAW;
    case PN_A_UP: scroll(d, -1); return PN_DIRTY_DRAW;
    case PN_A_DOWN: scroll(d, 1); return PN_DIRTY_DRAW;
    case PN_A_PAGE_UP: scroll(d, -page); return PN_DIRTY_DRAW;
    case PN_A_PAGE_DOWN: scroll(d, page); return PN_DIRTY_DRAW;
    case PN_A_FIRST: d->scroll = 0; return PN_DIRTY_DRAW;
    case PN_A_LAST: scroll(d, d->lines); return PN_DIRTY_DRAW;
    case PN_A_LEFT: return set_part(q, d->part - 1);
    case PN_A_RIGHT: return set_part(q, d->part + 1);
    case PN_A_OPEN: return PN_DIRTY_NONE;
    case PN_A_REFRESH:
        details_load(q);
        return PN_DIRTY_DRAW;
    case PN_A_Q_PART:
        if (cmd->args.n == 0)
            return set_part(q, d->part + 1);
        for (int i = 0; i < PART_COUNT; i++) {
            if (strcmp(cmd->args.v[0], part_names[i]) == 0)
                return set_part(q, i);
        }
        pn_app_flash(q->app, PN_ROLE_STATUS_ERROR,
                     "part: '%s' is not a part: use envelope, headers or body", cmd->args.v[0]);
        return PN_DIRTY_DRAW;
    case PN_A_Q_DETAILS:
        return PN_DIRTY_NONE;
    case PN_A_Q_SHAPE:
    case PN_A_SORT:
    case PN_A_SORT_REVERSE:
    case PN_A_FILTER:
    case PN_A_MARK:
    case PN_A_MARK_ALL:
    case PN_A_MARK_RANGE:
    case PN_A_COLUMNS:
        pn_app_flash(q->app, PN_ROLE_STATUS_WARN, "%s: close the message first (Esc)",
                     pn_action_get(cmd->action)->name);
        return PN_DIRTY_DRAW;
    default:
        return PN_UNHANDLED;
    }
}

/* ---- drawing --------------------------------------------------------------- */

/* Calls line(y-th wrapped line) for each screen line of text wrapped at w
 * columns, from wrapped line `from`, at most `max` lines; returns the total
 * number of wrapped lines. */
typedef struct wrap_out {
    pn_canvas *c;
    int y0, x, w;
    long from, max;
    pn_role role;
} wrap_out;

static void emit(wrap_out *o, long idx, const char *s, size_t len)
{
    if (!o || idx < o->from || idx >= o->from + o->max)
        return;
    char *line = pn_strndup(s, len);
    pn_draw_text(o->c, o->y0 + (int)(idx - o->from), o->x, o->w, o->role, line);
    free(line);
}

static long wrap_text(const char *text, size_t len, int w, wrap_out *o, long idx)
{
    size_t i = 0;
    while (i <= len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n')
            eol++;
        /* split [i, eol) into pieces of at most w columns */
        size_t start = i;
        int cols = 0;
        size_t p = i;
        if (p == eol) {
            emit(o, idx++, "", 0);
        }
        while (p < eol) {
            uint32_t cp;
            bool valid;
            size_t n = pn_utf8_decode(text + p, eol - p, &cp, &valid);
            int cw = cp == '\t' ? 1 : wcwidth((wchar_t)cp);
            if (cw < 0)
                cw = 1;
            if (cols + cw > w && p > start) {
                emit(o, idx++, text + start, p - start);
                start = p;
                cols = 0;
            }
            cols += cw;
            p += n;
        }
        if (p > start)
            emit(o, idx++, text + start, p - start);
        if (eol >= len)
            break;
        i = eol + 1;
    }
    return idx;
}

static void envelope_text(const qs *q, pn_str *t)
{
    const qs_details *d = &q->det;
    const pn_qentry *e = &d->entry;
    pn_str_appendf(t, "Recipients (%zu), each with its own state:\n", e->n_rcpts);
    for (size_t i = 0; i < e->n_rcpts; i++) {
        const pn_qrcpt *r = &e->rcpts[i];
        pn_str_appendf(t, "  %s  [%s]\n", r->address,
                       r->cls == PN_QC_NONE ? "no delay reason" : pn_qclass_str(r->cls));
        if (r->reason && *r->reason)
            pn_str_appendf(t, "      %s\n", r->reason);
    }
    pn_str_append(t, "\n");
    if (d->have) {
        pn_str_append(t, "Envelope (postcat -e):\n");
        pn_str_appendn(t, d->d.envelope.s ? d->d.envelope.s : "", d->d.envelope.len);
        if (d->d.envelope_truncated)
            pn_str_append(t, "\n[... cut at 1 MiB ...]");
    }
}

void qs_details_draw(qs *q, pn_canvas *c, pn_rect area)
{
    qs_details *d = &q->det;
    const pn_qentry *e = &d->entry;
    int y = area.y, w = area.w;
    if (area.h < 6)
        return;
    pn_str t = PN_STR_INIT;
    pn_str_appendf(&t, "Message %s  queue %s  size ", d->qid ? d->qid : "?",
                   d->have_entry ? pn_qname_str(e->queue) : "?");
    pn_text_size(&t, e->size);
    if (d->have_entry) {
        time_t at = (time_t)e->arrival;
        struct tm tm;
        localtime_r(&at, &tm);
        pn_str_appendf(&t, "  arrived %04d-%02d-%02d %02d:%02d:%02d (", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        pn_text_age(&t, qs_now(q) - e->arrival);
        pn_str_append(&t, " ago)");
    }
    pn_draw_text_pad(c, y++, 0, w, PN_ROLE_HEADER, pn_str_cstr(&t));

    pn_str_reset(&t);
    pn_str_appendf(&t, "From %s", d->have_entry && !pn_qentry_null_sender(e) ? e->sender : "<> (null sender)");
    if (d->have && d->d.subject)
        pn_str_appendf(&t, "   Subject %s", d->d.subject);
    pn_draw_text(c, y++, 0, w, PN_ROLE_NORMAL, pn_str_cstr(&t));

    pn_str_reset(&t);
    if (d->have && d->d.message_id)
        pn_str_appendf(&t, "Message-ID %s", d->d.message_id);
    else if (d->have)
        pn_str_append(&t, "Message-ID (none in the headers)");
    pn_draw_text(c, y++, 0, w, PN_ROLE_NORMAL, pn_str_cstr(&t));

    /* part tabs */
    int x = 0;
    for (int i = 0; i < PART_COUNT; i++) {
        pn_str_reset(&t);
        pn_str_appendf(&t, i == d->part ? "[%s]" : " %s ", part_titles[i]);
        x += pn_draw_text(c, y, x, w - x, i == d->part ? PN_ROLE_TAB_ACTIVE : PN_ROLE_TAB,
                          pn_str_cstr(&t));
        x += pn_draw_text(c, y, x, w - x, PN_ROLE_NORMAL, " ");
    }
    pn_draw_text(c, y, x + 1, w - x - 1, PN_ROLE_DIM,
                 "Left/Right part  Up/Down/PgUp/PgDn scroll  Esc back");
    y++;
    pn_draw_hline(c, y++, 0, w, PN_ROLE_DIM);

    int page = area.y + area.h - y;
    d->page = page;
    if (d->error) {
        pn_draw_text(c, y, 1, w - 1, PN_ROLE_STATUS_ERROR, d->error);
        pn_str_free(&t);
        return;
    }
    pn_str_reset(&t);
    switch (d->part) {
    case PART_ENVELOPE:
        envelope_text(q, &t);
        break;
    case PART_HEADERS:
        if (d->have) {
            pn_str_appendn(&t, d->d.headers.s ? d->d.headers.s : "", d->d.headers.len);
            if (d->d.headers_truncated)
                pn_str_append(&t, "\n[... cut at 1 MiB ...]");
        }
        break;
    default:
        if (d->have) {
            pn_str_appendn(&t, d->d.body.s ? d->d.body.s : "", d->d.body.len);
            if (d->d.body_truncated)
                pn_str_append(&t, "\n[... cut at 1 MiB ...]");
        }
        break;
    }
    if (d->loading && (d->part != PART_ENVELOPE || !t.len)) {
        pn_draw_text(c, y, 1, w - 1, PN_ROLE_DIM, "Reading the message (postcat)...");
        pn_str_free(&t);
        return;
    }
    d->lines = wrap_text(pn_str_cstr(&t), t.len, w > 1 ? w : 1, NULL, 0);
    scroll(d, 0);
    wrap_out o = {c, y, 0, w, d->scroll, page, PN_ROLE_NORMAL};
    wrap_text(pn_str_cstr(&t), t.len, w > 1 ? w : 1, &o, 0);
    pn_str_free(&t);
}
