/* logs_trace.c - the trace of one message on the Logs screen, as a
 * timeline: the hops of its queue-ID chain (how each entered and left),
 * every recipient's final status with relay, delay, reply and mailbox, the
 * spam verdict, the notes; a key switches to the raw lines (file:line and
 * the text, highlighted). From here: the message on the Queue screen if it
 * is still queued (through the global go-to), and the next or previous
 * message of the same sender (pn_log_search by sender, then its trace).
 * Traces and searches run in background jobs on their own copy of the log
 * set (pn_trace_find reads the files itself, with every core). */
#include "logs_screen.h"
#include "maillog_index.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/text.h"

#define JOB_TRACE "Tracing"

/* ---- one highlighted line ----------------------------------------------------- */

void lg_draw_line(pn_canvas *c, int y, int x, int w, pn_role base, const char *text, size_t len,
                  const pn_logline *pl, int skip)
{
    enum { MAXSEG = 40 };
    lg_seg segs[MAXSEG];
    size_t n = lg_highlight(pl, text, len, base, segs, MAXSEG);
    if (!pl || n == 0) {
        segs[0] = (lg_seg){0, len, base};
        n = 1;
    }
    pn_str piece = PN_STR_INIT;
    int used = 0;
    for (size_t i = 0; i < n && used < w; i++) {
        size_t off = segs[i].off, l = segs[i].len;
        /* skip columns (by code points; the ellipsis of a cut piece is
         * drawn by pn_draw_text) */
        while (skip > 0 && l > 0) {
            off++;
            l--;
            while (l > 0 && ((unsigned char)text[off] & 0xC0) == 0x80) {
                off++;
                l--;
            }
            skip--;
        }
        if (!l)
            continue;
        pn_str_reset(&piece);
        for (size_t k = 0; k < l; k++)
            pn_str_appendc(&piece, text[off + k] ? text[off + k] : '?');
        used += pn_draw_text(c, y, x + used, w - used, segs[i].role, pn_str_cstr(&piece));
    }
    pn_str_free(&piece);
}

/* ---- jobs ------------------------------------------------------------------------ */

typedef struct msg_ref {
    char *qid;
    int64_t first_us;
} msg_ref;

typedef struct trace_job {
    pn_ctx *ctx;
    char *key;
    bool from_goto;
    /* next/previous message of a sender: dir != 0 */
    int dir;
    char *sender, *cur_qid;
    int64_t cur_first;
    msg_ref *msgs;
    size_t n_msgs;
    pn_trace t;
    bool ok;
    pn_err err;
} trace_job;

static bool on_msg(void *cbctx, const pn_logmsg *m)
{
    trace_job *j = cbctx;
    j->msgs = pn_realloc(j->msgs, (j->n_msgs + 1) * sizeof *j->msgs);
    j->msgs[j->n_msgs++] = (msg_ref){pn_strdup(m->qid ? m->qid : ""), m->first_us};
    return true;
}

static int cmp_msg(const void *a, const void *b)
{
    const msg_ref *x = a, *y = b;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    return strcmp(x->qid, y->qid);
}

static void trace_run(pn_job *job, void *data)
{
    trace_job *j = data;
    pn_job_progress(job, -1);
    pn_logset set = {0};
    if (!pn_logset_open(j->ctx, NULL, 0, false, &set, &j->err))
        return;
    /* The log index makes traces and searches instant when it was built. */
    pn_logindex *ix = pn_logindex_open_existing(j->ctx);
    pn_trace_opts o = {.logs = &set, .index = ix};
    if (j->dir) {
        pn_logquery q = {.sender = j->sender, .limit = 100000};
        if (!pn_log_search(&o, &q, on_msg, j, &j->err)) {
            pn_logindex_close(ix);
            pn_logset_free(&set);
            return;
        }
        qsort(j->msgs, j->n_msgs, sizeof *j->msgs, cmp_msg);
        long at = -1;
        for (size_t i = 0; i < j->n_msgs; i++)
            if (!strcmp(j->msgs[i].qid, j->cur_qid))
                at = (long)i;
        long want = -1;
        if (at >= 0) {
            want = at + j->dir;
        } else {
            /* the current message is not a search result of its own (a
             * later hop of a chain): place it by time */
            for (size_t i = 0; i < j->n_msgs; i++)
                if (j->dir > 0 ? j->msgs[i].first_us > j->cur_first
                               : j->msgs[i].first_us < j->cur_first)
                    want = j->dir > 0 ? (want < 0 ? (long)i : want) : (long)i;
        }
        if (want < 0 || want >= (long)j->n_msgs) {
            pn_err_set(&j->err, PN_E_NOTFOUND, "no %s message from %s in the logs",
                       j->dir > 0 ? "later" : "earlier", *j->sender ? j->sender : "<>");
            pn_logindex_close(ix);
            pn_logset_free(&set);
            return;
        }
        free(j->key);
        j->key = pn_strdup(j->msgs[want].qid);
    }
    if (pn_job_cancelled(job)) {
        pn_logindex_close(ix);
        pn_logset_free(&set);
        return;
    }
    j->ok = pn_trace_find(&o, j->key, &j->t, &j->err);
    pn_logindex_close(ix);
    pn_logset_free(&set);
}

static void job_free(trace_job *j)
{
    free(j->key);
    free(j->sender);
    free(j->cur_qid);
    for (size_t i = 0; i < j->n_msgs; i++)
        free(j->msgs[i].qid);
    free(j->msgs);
    if (!j->ok)
        pn_err_clear(&j->err);
    free(j);
}

void lg_trace_free(lg_trace_view *tv)
{
    if (tv->have)
        pn_trace_free(&tv->t);
    tv->have = false;
    free(tv->key);
    tv->key = NULL;
    free(tv->error);
    tv->error = NULL;
}

static void trace_done(void *st, void *data, bool cancelled)
{
    lg *s = st;
    trace_job *j = data;
    lg_trace_view *tv = &s->tv;
    tv->loading = false;
    tv->searching = false;
    if (cancelled) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "trace cancelled");
        if (!tv->have && !j->dir)
            tv->on = false;
    } else if (j->ok) {
        lg_trace_free(tv);
        tv->t = j->t;
        tv->have = true;
        tv->key = pn_strdup(j->key);
        tv->scroll = 0;
        tv->on = true;
        j->ok = false;   /* the trace now belongs to the view */
        memset(&j->t, 0, sizeof j->t);
    } else if (j->dir) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "%s", pn_err_msg(&j->err));
    } else if (j->from_goto && j->err.code == PN_E_NOTFOUND) {
        /* an address typed at the go-to: the lines that mention it */
        tv->on = false;
        char *q = pn_sprintf("\"%s\"", j->key);
        pn_app_set_filter(s->app, q);
        free(q);
        pn_app_flash(s->app, PN_ROLE_STATUS, "no message with the Message-ID %s: lines naming it",
                     j->key);
    } else {
        lg_trace_free(tv);
        tv->key = pn_strdup(j->key);
        tv->error = pn_strdup(pn_err_msg(&j->err));
        tv->on = true;
    }
    job_free(j);
}

static void start(lg *s, trace_job *j)
{
    j->ctx = s->ctx;
    if (!pn_app_start_job(s->app, JOB_TRACE, trace_run, trace_done, s, j)) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "a trace is running already");
        job_free(j);
        return;
    }
    s->tv.loading = true;
}

void lg_trace_open(lg *s, const char *key, bool from_goto)
{
    trace_job *j = pn_calloc(1, sizeof *j);
    j->key = pn_strdup(key);
    j->from_goto = from_goto;
    if (!s->tv.have) {
        free(s->tv.key);
        s->tv.key = pn_strdup(key);
        free(s->tv.error);
        s->tv.error = NULL;
    }
    s->tv.on = true;
    s->tv.raw = false;
    start(s, j);
}

static void neighbour(lg *s, int dir)
{
    lg_trace_view *tv = &s->tv;
    if (!tv->have || !tv->t.n_hops) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "no trace shown");
        return;
    }
    const pn_trace_hop *h0 = &tv->t.hops[0];
    if (!h0->from || !*h0->from) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN,
                     "this message has no sender (a bounce or notification): no neighbours");
        return;
    }
    trace_job *j = pn_calloc(1, sizeof *j);
    j->dir = dir;
    j->sender = pn_strdup(h0->from);
    j->cur_qid = pn_strdup(h0->qid ? h0->qid : "");
    j->cur_first = h0->first_us;
    j->key = pn_strdup("");
    tv->searching = true;
    start(s, j);
}

/* The hop still in the queue, else the last hop. */
static const char *queue_qid(const pn_trace *t)
{
    for (size_t i = 0; i < t->n_hops; i++)
        if (t->hops[i].left && strstr(t->hops[i].left, "still queued"))
            return t->hops[i].qid;
    return t->n_hops ? t->hops[t->n_hops - 1].qid : NULL;
}

int lg_trace_action(lg *s, const pn_command *cmd)
{
    lg_trace_view *tv = &s->tv;
    long page = tv->page > 1 ? tv->page - 1 : 1;
    switch (cmd->action) {
    case PN_A_BACK:
        tv->on = false;
        return PN_DIRTY_DRAW;
    case PN_A_UP:
        tv->scroll = tv->scroll > 0 ? tv->scroll - 1 : 0;
        return PN_DIRTY_DRAW;
    case PN_A_DOWN:
        tv->scroll++;
        return PN_DIRTY_DRAW;
    case PN_A_PAGE_UP:
        tv->scroll = tv->scroll > page ? tv->scroll - page : 0;
        return PN_DIRTY_DRAW;
    case PN_A_PAGE_DOWN:
        tv->scroll += page;
        return PN_DIRTY_DRAW;
    case PN_A_FIRST:
        tv->scroll = 0;
        return PN_DIRTY_DRAW;
    case PN_A_LAST:
        tv->scroll = tv->nlines;
        return PN_DIRTY_DRAW;
    case PN_A_L_RAW:
        tv->raw = !tv->raw;
        tv->scroll = 0;
        return PN_DIRTY_DRAW;
    case PN_A_OPEN:
        return PN_DIRTY_NONE;
    case PN_A_L_TRACE:
        if (!cmd->args.n)
            return PN_DIRTY_NONE;
        return PN_UNHANDLED;
    case PN_A_L_NEXT_MSG:
    case PN_A_L_PREV_MSG:
        neighbour(s, cmd->action == PN_A_L_NEXT_MSG ? +1 : -1);
        return PN_DIRTY_DRAW;
    case PN_A_L_IN_QUEUE: {
        const char *qid = tv->have ? queue_qid(&tv->t) : NULL;
        if (!qid) {
            pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "in-queue: no queue ID in this trace");
            return PN_DIRTY_DRAW;
        }
        char *line = pn_sprintf("goto %s", qid);
        s->probing_queue = true;
        int r = pn_app_command(s->app, line);
        s->probing_queue = false;
        free(line);
        return r | PN_DIRTY_LAYOUT;
    }
    case PN_A_L_FOLLOW:
    case PN_A_L_HISTOGRAM:
        tv->on = false;
        return PN_UNHANDLED;
    default:
        return PN_UNHANDLED;
    }
}

/* ---- the timeline as lines --------------------------------------------------------- */

typedef struct tl_seg {
    pn_role role;
    char *text;
} tl_seg;

typedef struct tl_line {
    tl_seg seg[8];
    int n;
    int raw;              /* >= 0: index of a raw trace line drawn highlighted */
} tl_line;

typedef struct tl {
    tl_line *v;
    size_t n;
} tl;

static tl_line *tl_new(tl *t)
{
    t->v = pn_realloc(t->v, (t->n + 1) * sizeof *t->v);
    tl_line *l = &t->v[t->n++];
    memset(l, 0, sizeof *l);
    l->raw = -1;
    return l;
}

static void tl_add(tl_line *l, pn_role role, const char *text)
{
    if (l->n < 8)
        l->seg[l->n++] = (tl_seg){role, pn_strdup(text ? text : "")};
}

static void tl_addf(tl_line *l, pn_role role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tl_addf(tl_line *l, pn_role role, const char *fmt, ...)
{
    pn_str t = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&t, fmt, ap);
    va_end(ap);
    if (l->n < 8)
        l->seg[l->n++] = (tl_seg){role, pn_str_steal(&t)};
    else
        pn_str_free(&t);
}

static void tl_free(tl *t)
{
    for (size_t i = 0; i < t->n; i++)
        for (int k = 0; k < t->v[i].n; k++)
            free(t->v[i].seg[k].text);
    free(t->v);
}

static void hms(char *b, size_t n, int64_t us)
{
    if (!us) {
        snprintf(b, n, "--:--:--");
        return;
    }
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(b, n, "%b %d %H:%M:%S", &tm);
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static void build_timeline(const pn_trace *t, tl *out)
{
    tl_line *l;
    const pn_trace_hop *h0 = t->n_hops ? &t->hops[0] : NULL;
    l = tl_new(out);
    tl_add(l, PN_ROLE_HEADER, "Message ");
    tl_add(l, PN_ROLE_LOG_ID, h0 && h0->message_id ? h0->message_id : "(no Message-ID logged)");
    l = tl_new(out);
    tl_add(l, PN_ROLE_DIM, "From    ");
    tl_add(l, PN_ROLE_LOG_ADDR, h0 && h0->from ? (*h0->from ? h0->from : "<>") : "?");
    if (h0 && h0->size >= 0)
        tl_addf(l, PN_ROLE_NORMAL, "   size %ld", h0->size);
    tl_addf(l, PN_ROLE_DIM, "   %zu hop%s, %zu recipient%s, %zu line%s", t->n_hops,
            t->n_hops == 1 ? "" : "s", t->n_rcpts, t->n_rcpts == 1 ? "" : "s", t->n_lines,
            t->n_lines == 1 ? "" : "s");
    l = tl_new(out);
    tl_add(l, PN_ROLE_DIM, "Spam    ");
    tl_add(l, PN_ROLE_NORMAL, t->spam ? t->spam : "no verdict logged");
    tl_new(out);

    l = tl_new(out);
    tl_add(l, PN_ROLE_HEADER, "Hops");
    char a[32], b[32];
    for (size_t i = 0; i < t->n_hops; i++) {
        const pn_trace_hop *h = &t->hops[i];
        hms(a, sizeof a, h->first_us);
        hms(b, sizeof b, h->last_us);
        l = tl_new(out);
        tl_addf(l, PN_ROLE_DIM, "%2zu ", i + 1);
        tl_add(l, PN_ROLE_LOG_ID, or_empty(h->qid));
        tl_addf(l, PN_ROLE_DIM, "  %s  %s .. %s", or_empty(h->host), a, b + 7);
        l = tl_new(out);
        tl_add(l, PN_ROLE_DIM, "    in   ");
        tl_add(l, PN_ROLE_NORMAL, h->entered ? h->entered : "?");
        l = tl_new(out);
        tl_add(l, PN_ROLE_DIM, "    out  ");
        pn_role r = PN_ROLE_NORMAL;
        if (h->left && strstr(h->left, "still queued"))
            r = PN_ROLE_LOG_WARN;
        else if (h->left && (strstr(h->left, "expired") || strstr(h->left, "deleted") ||
                             strstr(h->left, "reject")))
            r = PN_ROLE_LOG_ERROR;
        tl_add(l, r, h->left ? h->left : "?");
    }
    tl_new(out);
    l = tl_new(out);
    tl_add(l, PN_ROLE_HEADER, "Recipients");
    for (size_t i = 0; i < t->n_rcpts; i++) {
        const pn_trace_rcpt *rc = &t->rcpts[i];
        const char *st = rc->status ? rc->status : "?";
        l = tl_new(out);
        tl_add(l, PN_ROLE_NORMAL, "   ");
        pn_str w = PN_STR_INIT;
        pn_text_fit(&w, st, 9, true);
        tl_add(l, lg_status_role(st, strlen(st), PN_ROLE_NORMAL), pn_str_cstr(&w));
        pn_str_free(&w);
        tl_add(l, PN_ROLE_NORMAL, " ");
        tl_add(l, PN_ROLE_LOG_ADDR, or_empty(rc->address));
        if (rc->orig_to && *rc->orig_to && (!rc->address || strcmp(rc->orig_to, rc->address)))
            tl_addf(l, PN_ROLE_DIM, " (to %s)", rc->orig_to);
        tl_addf(l, PN_ROLE_DIM, "  hop %s", or_empty(rc->qid));
        if (rc->mailbox && *rc->mailbox)
            tl_addf(l, PN_ROLE_NORMAL, "  mailbox %s", rc->mailbox);
        l = tl_new(out);
        tl_add(l, PN_ROLE_DIM, "             ");
        pn_str d = PN_STR_INIT;
        if (rc->relay)
            pn_str_appendf(&d, "relay %s  ", rc->relay);
        if (rc->delay)
            pn_str_appendf(&d, "delay %ss  ", rc->delay);
        if (rc->dsn)
            pn_str_appendf(&d, "dsn %s  ", rc->dsn);
        if (rc->attempts > 1)
            pn_str_appendf(&d, "%d attempts  ", rc->attempts);
        if (rc->reply)
            pn_str_appendf(&d, "(%s)", rc->reply);
        tl_add(l, PN_ROLE_DIM, pn_str_cstr(&d));
        pn_str_free(&d);
    }
    if (t->n_rcpts == 0) {
        l = tl_new(out);
        tl_add(l, PN_ROLE_DIM, "   no delivery logged");
    }
    if (t->notes.n) {
        tl_new(out);
        l = tl_new(out);
        tl_add(l, PN_ROLE_HEADER, "Notes");
        for (size_t i = 0; i < t->notes.n; i++) {
            l = tl_new(out);
            tl_add(l, PN_ROLE_NORMAL, "   ");
            tl_add(l, PN_ROLE_LOG_WARN, t->notes.v[i]);
        }
    }
}

static void build_raw(const pn_trace *t, tl *out)
{
    for (size_t i = 0; i < t->n_lines; i++) {
        const pn_trace_line *tl_ = &t->lines[i];
        tl_line *l = tl_new(out);
        const char *path = tl_->file >= 0 && (size_t)tl_->file < t->n_files ? t->files[tl_->file]
                                                                           : "?";
        const char *base = strrchr(path, '/');
        tl_addf(l, PN_ROLE_DIM, "%s:%lld ", base ? base + 1 : path, (long long)tl_->lineno);
        l->raw = (int)i;
    }
}

void lg_trace_draw(lg *s, pn_canvas *c, pn_rect area)
{
    lg_trace_view *tv = &s->tv;
    int w = area.w;
    pn_str t = PN_STR_INIT;
    pn_str_appendf(&t, "Trace %s", tv->key ? tv->key : "");
    int x = pn_draw_text(c, 0, 0, w, PN_ROLE_HEADER, pn_str_cstr(&t));
    pn_str_reset(&t);
    if (tv->loading)
        pn_str_append(&t, tv->searching ? "  looking for the sender's other messages..." : "  tracing...");
    else if (tv->have)
        pn_str_append(&t, tv->raw ? "  raw lines" : "  timeline");
    pn_draw_text(c, 0, x, w - x, PN_ROLE_DIM, pn_str_cstr(&t));
    pn_str_free(&t);
    if (tv->error && !tv->have) {
        pn_draw_text(c, 2, 1, w - 2, PN_ROLE_STATUS_ERROR, "No trace:");
        pn_draw_text(c, 3, 1, w - 2, PN_ROLE_NORMAL, tv->error);
        pn_draw_text(c, 5, 1, w - 2, PN_ROLE_DIM, "Esc goes back to the log lines.");
        return;
    }
    if (!tv->have)
        return;
    tl lines = {0};
    if (tv->raw)
        build_raw(&tv->t, &lines);
    else
        build_timeline(&tv->t, &lines);
    int h = area.h - 1;
    tv->page = h;
    tv->nlines = (long)lines.n;
    long maxscroll = (long)lines.n > h ? (long)lines.n - h : 0;
    if (tv->scroll > maxscroll)
        tv->scroll = maxscroll;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, 0);
    for (int i = 0; i < h && tv->scroll + i < (long)lines.n; i++) {
        tl_line *l = &lines.v[tv->scroll + i];
        int y = 1 + i, cx = 0;
        for (int k = 0; k < l->n && cx < w; k++)
            cx += pn_draw_text(c, y, cx, w - cx, l->seg[k].role, l->seg[k].text);
        if (l->raw >= 0 && cx < w) {
            const pn_trace_line *rl = &tv->t.lines[l->raw];
            size_t len = strlen(rl->text);
            pn_logline pl;
            bool ok = pn_logline_parse(&pc, rl->text, len, &pl);
            lg_draw_line(c, y, cx, w - cx, PN_ROLE_NORMAL, rl->text, len, ok ? &pl : NULL, 0);
        }
    }
    tl_free(&lines);
}
