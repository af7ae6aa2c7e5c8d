/* queue.c - the Queue screen: the Postfix queue as one list (queue, ID, age,
 * size, sender, first recipient, reason class and text, time left before
 * bounce), refreshed in the background with rows streaming in on the first
 * listing, a sparkline of queue count and size from the history samples, and
 * the queue actions (delete, hold, release, requeue, resend, flush) on the
 * cursor row, the marked rows, or a whole group of the shape view, each
 * confirmed with its count and reported per queue ID afterwards.
 *
 * Everything goes through backend/queue.h, the same calls as `postern queue`.
 * The details pane lives in queue_details.c, the shape view in queue_shape.c,
 * the actions in queue_actions.c, the go-to in queue_goto.c. */
#include "queue_screen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db.h"
#include "util/mem.h"
#include "util/text.h"

enum { COL_Q, COL_QID, COL_AGE, COL_SIZE, COL_SENDER, COL_RCPT, COL_CLASS, COL_REASON, COL_LEFT,
       NCOLS };

/* Q column: one letter per queue, so meaning never rests on colour alone. */
static const pn_column queue_columns[NCOLS] = {
    [COL_Q] = {"queue", "Q", 1, 1, 0, PN_ALIGN_LEFT, true, true},
    [COL_QID] = {"qid", "QUEUE ID", 10, 20, 0, PN_ALIGN_LEFT, true, true},
    [COL_AGE] = {"age", "AGE", 5, 6, 0, PN_ALIGN_RIGHT, true, true},
    [COL_SIZE] = {"size", "SIZE", 5, 6, 0, PN_ALIGN_RIGHT, true, true},
    [COL_SENDER] = {"sender", "SENDER", 11, 40, 3, PN_ALIGN_LEFT, true, true},
    [COL_RCPT] = {"rcpt", "RECIPIENT", 11, 44, 3, PN_ALIGN_LEFT, true, true},
    [COL_CLASS] = {"class", "CLASS", 10, 10, 0, PN_ALIGN_LEFT, true, true},
    [COL_REASON] = {"reason", "REASON", 10, 0, 4, PN_ALIGN_LEFT, true, true},
    [COL_LEFT] = {"left", "LEFT", 5, 6, 0, PN_ALIGN_RIGHT, true, true},
};

#define HISTORY_RETENTION_S (24 * 3600)
#define HISTORY_WINDOW_S 3600
#define JOB_LIST "Listing the queue"

int64_t qs_now(const qs *q)
{
    return pn_app_time(q->app);
}

const pn_qentry *qs_entry(const qs *q, size_t row)
{
    return row < q->list.n ? &q->list.items[row] : NULL;
}

static char queue_letter(pn_qname n)
{
    switch (n) {
    case PN_QN_DEFERRED: return 'D';
    case PN_QN_HOLD: return 'H';
    case PN_QN_ACTIVE: return 'A';
    case PN_QN_INCOMING: return 'I';
    case PN_QN_MAILDROP: return 'M';
    case PN_QN_CORRUPT: return 'C';
    default: return '?';
    }
}

/* The reason shown for a message: the first recipient's that has one. */
static const char *entry_reason(const pn_qentry *e)
{
    for (size_t i = 0; i < e->n_rcpts; i++) {
        if (e->rcpts[i].reason && *e->rcpts[i].reason)
            return e->rcpts[i].reason;
    }
    return "";
}

/* ---- list source ---------------------------------------------------------- */

static size_t src_count(void *ctx)
{
    return ((qs *)ctx)->list.n;
}

static const char *src_key(void *ctx, size_t row)
{
    const pn_qentry *e = qs_entry(ctx, row);
    return e ? e->qid : "";
}

static const char *src_cell(void *ctx, size_t row, int col, pn_str *buf)
{
    qs *q = ctx;
    const pn_qentry *e = qs_entry(q, row);
    if (!e)
        return "";
    pn_str_reset(buf);
    switch (col) {
    case COL_Q:
        pn_str_appendc(buf, queue_letter(e->queue));
        return pn_str_cstr(buf);
    case COL_QID:
        return e->qid;
    case COL_AGE:
        pn_text_age(buf, qs_now(q) - e->arrival);
        return pn_str_cstr(buf);
    case COL_SIZE:
        pn_text_size(buf, e->size);
        return pn_str_cstr(buf);
    case COL_SENDER:
        return pn_qentry_null_sender(e) ? "<>" : e->sender;
    case COL_RCPT:
        if (e->n_rcpts == 0)
            return "";
        pn_str_append(buf, e->rcpts[0].address);
        if (e->n_rcpts > 1)
            pn_str_appendf(buf, " +%zu", e->n_rcpts - 1);
        return pn_str_cstr(buf);
    case COL_CLASS:
        return e->cls == PN_QC_NONE ? "" : pn_qclass_str(e->cls);
    case COL_REASON:
        return entry_reason(e);
    case COL_LEFT: {
        if (!q->have_lim)
            return "";
        int64_t left = pn_qentry_time_left(e, &q->lim, qs_now(q));
        if (left <= 0)
            return "due";
        pn_text_age(buf, left);
        return pn_str_cstr(buf);
    }
    default:
        return "";
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

static int compare_column(qs *q, const pn_qentry *x, const pn_qentry *y, int col);

/* Ties are broken by first recipient, then queue ID, so that an order never
 * depends on how Postfix happened to list the queue. */
static int src_compare(void *ctx, size_t a, size_t b, int col)
{
    qs *q = ctx;
    const pn_qentry *x = qs_entry(q, a), *y = qs_entry(q, b);
    int c = compare_column(q, x, y, col);
    if (c == 0 && col != COL_RCPT)
        c = compare_column(q, x, y, COL_RCPT);
    if (c == 0 && col != COL_QID)
        c = strcmp(x->qid, y->qid);
    return c;
}

static int compare_column(qs *q, const pn_qentry *x, const pn_qentry *y, int col)
{
    switch (col) {
    case COL_Q: return cmp_i64(x->queue, y->queue);
    case COL_QID: return strcmp(x->qid, y->qid);
    case COL_AGE: return cmp_i64(y->arrival, x->arrival);   /* youngest first */
    case COL_SIZE: return cmp_i64(x->size, y->size);
    case COL_SENDER: return strcasecmp(x->sender, y->sender);
    case COL_RCPT:
        return strcasecmp(x->n_rcpts ? x->rcpts[0].address : "",
                          y->n_rcpts ? y->rcpts[0].address : "");
    case COL_CLASS: return strcmp(pn_qclass_str(x->cls), pn_qclass_str(y->cls));
    case COL_REASON: return strcasecmp(entry_reason(x), entry_reason(y));
    case COL_LEFT:
        if (!q->have_lim)
            return 0;
        return cmp_i64(pn_qentry_time_left(x, &q->lim, qs_now(q)),
                       pn_qentry_time_left(y, &q->lim, qs_now(q)));
    default: return 0;
    }
}

static bool src_match(void *ctx, size_t row, const void *filter)
{
    qs *q = ctx;
    const qs_filter *f = filter;
    if (!f || f->on_groups || !f->messages)
        return true;
    return pn_qfilter_match(f->messages, qs_entry(q, row), qs_now(q));
}

static bool contains_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

static bool src_search(void *ctx, size_t row, const char *needle)
{
    const pn_qentry *e = qs_entry(ctx, row);
    if (!e)
        return false;
    if (contains_ci(e->qid, needle) || contains_ci(e->sender, needle))
        return true;
    for (size_t i = 0; i < e->n_rcpts; i++) {
        if (contains_ci(e->rcpts[i].address, needle) || contains_ci(e->rcpts[i].reason, needle))
            return true;
    }
    return false;
}

static int src_role(void *ctx, size_t row)
{
    const pn_qentry *e = qs_entry(ctx, row);
    if (!e)
        return PN_ROLE_ROW;
    switch (e->queue) {
    case PN_QN_HOLD: return PN_ROLE_ROW_HOLD;
    case PN_QN_ACTIVE: return PN_ROLE_ROW_ACTIVE;
    case PN_QN_CORRUPT: return PN_ROLE_ROW_ERROR;
    case PN_QN_DEFERRED: return PN_ROLE_ROW_DEFERRED;
    default: return PN_ROLE_ROW;
    }
}

/* ---- history ------------------------------------------------------------ */

static const char *instance_name(const qs *q)
{
    const pn_config *cfg = q->ctx->cfg;
    return cfg && cfg->instance && *cfg->instance ? cfg->instance : "default";
}

static void history_push(qs *q, const pn_qsample *s)
{
    if (q->n_hist == QS_HISTORY_MAX) {
        memmove(q->hist, q->hist + 1, (QS_HISTORY_MAX - 1) * sizeof(q->hist[0]));
        q->n_hist--;
    }
    q->hist[q->n_hist++] = *s;
}

static void history_open(qs *q)
{
    /* The samples are postern's own state, but a read-only console writes
     * nothing at all: it keeps them in memory then. */
    if (q->ctx->read_only || !q->ctx->cfg || !q->ctx->cfg->state_db)
        return;
    pn_err err = PN_ERR_INIT;
    q->db = pn_db_open_state(q->ctx->cfg->state_db, &err);
    if (!q->db) {
        pn_err_clear(&err);
        return;
    }
    pn_qsample *old = NULL;
    size_t n = 0;
    if (pn_queue_history(q->db, instance_name(q), qs_now(q) - HISTORY_WINDOW_S, &old, &n, &err)) {
        size_t from = n > QS_HISTORY_MAX ? n - QS_HISTORY_MAX : 0;
        for (size_t i = from; i < n; i++)
            history_push(q, &old[i]);
    }
    free(old);
    pn_err_clear(&err);
}

/* Count per queue and bytes of the rows, once each time they change: the
 * header draws them and the history records them. */
static void count_totals(qs *q)
{
    memset(&q->totals, 0, sizeof(q->totals));
    for (size_t i = 0; i < q->list.n; i++)
        pn_qsample_add(&q->totals, &q->list.items[i]);
}

static void history_record(qs *q)
{
    pn_qsample s = q->totals;
    s.at = q->updated_at;
    if (q->n_hist && q->hist[q->n_hist - 1].at == s.at)
        q->n_hist--;   /* two listings in one second: keep the newer */
    history_push(q, &s);
    if (q->db) {
        pn_err err = PN_ERR_INIT;
        if (!pn_queue_sample_store(q->db, instance_name(q), &s, HISTORY_RETENTION_S, &err))
            pn_app_flash(q->app, PN_ROLE_STATUS_WARN, "queue history not stored: %s",
                         pn_err_msg(&err));
        pn_err_clear(&err);
    }
}

/* ---- listing -------------------------------------------------------------- */

typedef struct list_job {
    qs *q;
    pn_job *job;
    bool stream;        /* first listing: rows go to q->incoming as they come */
    pn_qlist out;
    pn_qlimits lim;
    bool have_lim;
    pn_qscan_stats stats;
    bool ok;
    pn_err err;
} list_job;

static bool on_listed(void *vctx, const pn_qentry *e)
{
    list_job *j = vctx;
    if (pn_job_cancelled(j->job))
        return false;
    if (j->stream) {
        pthread_mutex_lock(&j->q->lock);
        pn_qlist_push(&j->q->incoming, e);
        pthread_mutex_unlock(&j->q->lock);
    } else {
        pn_qlist_push(&j->out, e);
    }
    return true;
}

static void list_run(pn_job *job, void *data)
{
    list_job *j = data;
    j->job = job;
    pn_job_progress(job, -1);
    j->have_lim = pn_qlimits_read(j->q->ctx, &j->lim, NULL);
    j->ok = pn_queue_scan(j->q->ctx, on_listed, j, &j->stats, &j->err);
}

/* Move the rows that streamed in into the list (loop thread only). */
static bool drain_incoming(qs *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->incoming.n;
    if (n) {
        if (q->list.n + n > q->list.cap) {
            size_t cap = q->list.cap ? q->list.cap : 256;
            while (cap < q->list.n + n)
                cap *= 2;
            q->list.items = pn_realloc(q->list.items, cap * sizeof(*q->list.items));
            q->list.cap = cap;
        }
        memcpy(q->list.items + q->list.n, q->incoming.items, n * sizeof(*q->list.items));
        q->list.n += n;
        q->incoming.n = 0;   /* entries moved: their members now belong to list */
    }
    pthread_mutex_unlock(&q->lock);
    return n > 0;
}

static void fit_qid_column(qs *q)
{
    /* Long queue IDs (enable_long_queue_ids) are wider than short hex ones:
     * the column takes the widest ID listed so that none is cut. */
    int w = queue_columns[COL_QID].min_width;
    for (size_t i = 0; i < q->list.n; i++) {
        int len = (int)strlen(q->list.items[i].qid);
        if (len > w)
            w = len;
    }
    q->lm.own_cols[COL_QID].min_width = w > 20 ? 20 : w;
}

static void list_done(void *st, void *data, bool cancelled)
{
    qs *q = st;
    list_job *j = data;
    q->loading = false;
    if (j->stream) {
        drain_incoming(q);
    } else if (!cancelled && j->ok) {
        pn_qlist_free(&q->list);
        q->list = j->out;
        memset(&j->out, 0, sizeof(j->out));
    }
    count_totals(q);
    if (!cancelled && j->ok) {
        free(q->error);
        q->error = NULL;
        q->loaded = true;
        q->stats = j->stats;
        q->updated_at = qs_now(q);
        q->list.listed_at = q->updated_at;
        if (j->have_lim) {
            q->lim = j->lim;
            q->have_lim = true;
        }
        history_record(q);
    } else if (!cancelled) {
        free(q->error);
        q->error = pn_strdup(pn_err_msg(&j->err));
        q->loaded = true;   /* show the error instead of "loading" */
    } else {
        pn_app_flash(q->app, PN_ROLE_STATUS_WARN, "queue listing cancelled");
    }
    fit_qid_column(q);
    pn_listmodel_rebuild(&q->lm);
    if (q->shape.on)
        qs_shape_build(q);
    int interval = pn_app_refresh_interval(q->app);
    q->refresh_due_ms = pn_app_now_ms(q->app) + (interval > 0 ? interval : 5) * 1000;
    pn_qlist_free(&j->out);
    pn_err_clear(&j->err);
    free(j);
}

void qs_start_listing(qs *q)
{
    if (q->loading)
        return;
    list_job *j = pn_calloc(1, sizeof(*j));
    j->q = q;
    j->stream = !q->loaded;
    if (!pn_app_start_job(q->app, JOB_LIST, list_run, list_done, q, j)) {
        free(j);
        return;
    }
    q->loading = true;
}

/* ---- ops ---------------------------------------------------------------------- */

static void *queue_create(pn_app *app)
{
    qs *q = pn_calloc(1, sizeof(*q));
    q->app = app;
    q->ctx = pn_app_ctx(app);
    pthread_mutex_init(&q->lock, NULL);
    q->src = (pn_list_source){
        .ctx = q,
        .count = src_count,
        .key = src_key,
        .cell = src_cell,
        .compare = src_compare,
        .match = src_match,
        .search = src_search,
        .role = src_role,
    };
    pn_listmodel_init_copy(&q->lm, &q->src, queue_columns, NCOLS);
    /* Oldest first, as an administrator triages a queue. */
    pn_listmodel_sort(&q->lm, COL_AGE, true);
    qs_shape_init(q);
    history_open(q);
    return q;
}

static void queue_destroy(void *st)
{
    qs *q = st;
    if (!q)
        return;
    pn_listmodel_free(&q->lm);
    qs_shape_free(q);
    qs_details_free(&q->det);
    pn_qlist_free(&q->list);
    pn_qlist_free(&q->incoming);
    pn_argv_free(&q->pending_ids);
    free(q->pending_what);
    pn_str_free(&q->confirm_msg);
    pn_str_free(&q->confirm_title);
    free(q->error);
    if (q->db)
        pn_db_close(q->db);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

static void queue_enter(void *st)
{
    qs *q = st;
    if (!q->loaded)
        qs_start_listing(q);
}

static int queue_tick(void *st, int64_t now_ms)
{
    qs *q = st;
    int dirty = PN_DIRTY_NONE;
    if (q->loading && !q->loaded && drain_incoming(q)) {
        count_totals(q);
        fit_qid_column(q);
        pn_listmodel_rebuild(&q->lm);
        dirty |= PN_DIRTY_DRAW;
    }
    if (!q->loaded && !q->loading) {
        qs_start_listing(q);
        return dirty | PN_DIRTY_DRAW;
    }
    int interval = pn_app_refresh_interval(q->app);
    if (q->loaded && !q->loading && interval > 0 && !pn_app_paused(q->app) &&
        !pn_app_modal(q->app) && now_ms >= q->refresh_due_ms && q->mode != QS_DETAILS) {
        qs_start_listing(q);
        dirty |= PN_DIRTY_DRAW;
    }
    return dirty;
}

static int queue_action(void *st, const pn_command *cmd)
{
    qs *q = st;
    int r = PN_UNHANDLED;
    if (q->mode == QS_DETAILS && (r = qs_details_action(q, cmd)) != PN_UNHANDLED)
        return r;
    if (q->mode == QS_SHAPE && (r = qs_shape_action(q, cmd)) != PN_UNHANDLED)
        return r;

    pn_qaction qa;
    if (qs_action_of(cmd->action, &qa))
        return qs_do_action(q, qa);
    switch (cmd->action) {
    case PN_A_Q_FLUSH:
        return qs_do_flush(q);
    case PN_A_REFRESH:
        if (q->loading)
            pn_app_flash(q->app, PN_ROLE_STATUS, "the queue is being listed already");
        qs_start_listing(q);
        return PN_DIRTY_DRAW;
    case PN_A_OPEN:
    case PN_A_Q_DETAILS: {
        size_t row = pn_listmodel_cursor_row(&q->lm);
        if (row == SIZE_MAX) {
            pn_app_flash(q->app, PN_ROLE_STATUS_WARN, "no message under the cursor");
            return PN_DIRTY_DRAW;
        }
        qs_details_open(q, row);
        return PN_DIRTY_DRAW;
    }
    case PN_A_Q_SHAPE:
        qs_shape_set(q, cmd->args.n ? cmd->args.v[0] : NULL);
        return PN_DIRTY_DRAW;
    case PN_A_Q_PART:
        pn_app_flash(q->app, PN_ROLE_STATUS, "part: open a message first (Enter)");
        return PN_DIRTY_DRAW;
    default:
        return PN_UNHANDLED;
    }
}

static void lift_to_min(double *v, size_t n)
{
    double lo = v[0];
    for (size_t i = 1; i < n; i++)
        if (v[i] < lo)
            lo = v[i];
    for (size_t i = 0; i < n; i++)
        v[i] -= lo;
}

static void draw_header(qs *q, pn_canvas *c, int w)
{
    pn_str t = PN_STR_INIT;
    const long *by_q = q->totals.count;
    pn_str_appendf(&t, "deferred %ld  hold %ld  active %ld  incoming %ld  ", by_q[PN_QN_DEFERRED],
                   by_q[PN_QN_HOLD], by_q[PN_QN_ACTIVE], by_q[PN_QN_INCOMING] + by_q[PN_QN_MAILDROP]);
    if (by_q[PN_QN_CORRUPT])
        pn_str_appendf(&t, "corrupt %ld  ", by_q[PN_QN_CORRUPT]);
    pn_text_size(&t, q->totals.bytes);
    int used = pn_draw_text(c, 0, 0, w, PN_ROLE_NORMAL, pn_str_cstr(&t));
    pn_str_free(&t);

    /* Sparklines of count and size over the samples in memory. */
    int spare = w - used - 2;
    if (spare >= 24 && q->n_hist > 0) {
        int sw = (spare - 16) / 2;
        if (sw > 30)
            sw = 30;
        double counts[QS_HISTORY_MAX], sizes[QS_HISTORY_MAX];
        for (size_t i = 0; i < q->n_hist; i++) {
            long n = 0;
            for (int k = 0; k < PN_QN_COUNT; k++)
                n += q->hist[i].count[k];
            counts[i] = (double)n;
            sizes[i] = (double)q->hist[i].bytes;
        }
        /* A queue of thousands that moves by tens would draw as a flat
         * full bar scaled from zero: scale from the window's minimum. */
        lift_to_min(counts, q->n_hist);
        lift_to_min(sizes, q->n_hist);
        int x = w - (2 * sw + 14);
        pn_draw_text(c, 0, x, 5, PN_ROLE_DIM, "msgs ");
        pn_draw_sparkline(c, 0, x + 5, sw, PN_ROLE_CHART, counts, q->n_hist);
        pn_draw_text(c, 0, x + 5 + sw + 2, 5, PN_ROLE_DIM, "size ");
        pn_draw_sparkline(c, 0, x + 12 + sw, sw, PN_ROLE_CHART, sizes, q->n_hist);
    }
}

static void queue_draw(void *st, pn_canvas *c, pn_rect area)
{
    qs *q = st;
    if (area.h < 3)
        return;
    draw_header(q, c, area.w);
    pn_rect body = {1, 0, area.h - 1, area.w};
    if (q->mode == QS_DETAILS) {
        qs_details_draw(q, c, body);
        return;
    }
    if (q->mode == QS_SHAPE) {
        qs_shape_draw(q, c, body);
        return;
    }
    if (q->error) {
        pn_draw_text(c, 2, 1, area.w - 2, PN_ROLE_STATUS_ERROR, "Cannot list the queue:");
        pn_draw_text(c, 3, 1, area.w - 2, PN_ROLE_NORMAL, q->error);
        pn_draw_text(c, 5, 1, area.w - 2, PN_ROLE_DIM,
                     "postern retries at the next refresh (F5 or Ctrl-R retries now).");
        return;
    }
    if (!q->loaded && q->list.n == 0) {
        pn_draw_text(c, 2, 1, area.w - 2, PN_ROLE_DIM, "Listing the queue...");
        return;
    }
    if (q->loaded && q->list.n == 0) {
        pn_draw_list(c, body, &q->lm);
        pn_draw_text(c, 3, 2, area.w - 4, PN_ROLE_DIM, "The queue is empty.");
        return;
    }
    pn_draw_list(c, body, &q->lm);
}

static void queue_status(void *st, pn_str *out)
{
    qs *q = st;
    if (!q->loaded) {
        pn_str_appendf(out, "listing... %zu so far", q->list.n);
        return;
    }
    pn_str_appendf(out, "%zu msg%s", q->list.n, q->list.n == 1 ? "" : "s");
    if (q->loading)
        pn_str_append(out, "  refreshing...");
    if (q->updated_at) {
        time_t t = (time_t)q->updated_at;
        struct tm tm;
        localtime_r(&t, &tm);
        pn_str_appendf(out, "  updated %02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
}

/* For the launch trace: the first rows are on screen (they stream in
 * during the first listing), or the listing ended (empty queue, error). */
static bool queue_ready(void *st)
{
    const qs *q = st;
    return q->loaded || q->list.n > 0;
}

static pn_listmodel *queue_list(void *st)
{
    qs *q = st;
    if (q->mode == QS_DETAILS)
        return NULL;
    if (q->mode == QS_SHAPE)
        return &q->shape.lm;
    return &q->lm;
}

static void *queue_filter_compile(void *st, const char *text, pn_err *err)
{
    qs *q = st;
    while (*text == ' ')
        text++;
    if (!*text)
        return NULL;
    qs_filter *f = pn_calloc(1, sizeof(*f));
    if (q->mode == QS_SHAPE) {
        f->on_groups = true;
        f->groups = pn_strdup(text);
        return f;
    }
    f->messages = pn_qfilter_parse(text, err);
    if (!f->messages) {
        free(f);
        return NULL;
    }
    return f;
}

static void queue_filter_free(void *filter)
{
    qs_filter *f = filter;
    if (!f)
        return;
    pn_qfilter_free(f->messages);
    free(f->groups);
    free(f);
}

static const char *const shape_values[] = {"rcpt-domain", "sender-domain", "class", "age", "off",
                                           NULL};
static const char *const part_values[] = {"envelope", "headers", "body", NULL};
static const char *const sort_values[] = {"queue", "qid", "age", "size", "sender", "rcpt",
                                          "class", "reason", "left", NULL};

static const char *const *queue_arg_values(void *st, pn_action_id a)
{
    (void)st;
    switch (a) {
    case PN_A_Q_SHAPE: return shape_values;
    case PN_A_Q_PART: return part_values;
    case PN_A_SORT: return sort_values;
    default: return NULL;
    }
}

static const pn_action_id queue_hints[] = {
    PN_A_OPEN, PN_A_MARK, PN_A_MARK_ALL, PN_A_Q_HOLD, PN_A_Q_RELEASE, PN_A_Q_DELETE,
    PN_A_Q_RESEND, PN_A_Q_SHAPE, PN_A_NONE,
};

extern const pn_screen_ops pn_screen_queue;
const pn_screen_ops pn_screen_queue = {
    .name = "queue",
    .title = "Queue",
    .help = "The Postfix queue: find, inspect, hold, release, requeue, resend and delete mail",
    .available = true,
    .create = queue_create,
    .destroy = queue_destroy,
    .enter = queue_enter,
    .tick = queue_tick,
    .action = queue_action,
    .draw = queue_draw,
    .status = queue_status,
    .list = queue_list,
    .filter_compile = queue_filter_compile,
    .filter_free = queue_filter_free,
    .arg_values = queue_arg_values,
    .go_to = qs_go_to,
    .ready = queue_ready,
    .hints = queue_hints,
};
