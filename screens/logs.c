/* logs.c - the Logs screen: the mail log lines of the configured sources as
 * one virtual list (logs_view.c: never loaded whole, indexed in the
 * background), highlights of queue IDs, addresses and status words
 * (logs_hl.c), a time histogram of the lines shown, follow mode, the filter
 * language of logs_filter.c typed at the core's `/` prompt, and Enter on a
 * line with a queue ID (or a Message-ID) opens the message's trace as a
 * timeline (logs_trace.c). The global go-to takes a QID or a Message-ID.
 *
 * The core's list model is only the handle through which `/` reaches this
 * screen: its source has no rows (it would cost an order array of 4 bytes
 * per line and one synchronous match pass over every line per key). The
 * screen moves its own cursor over the view's rows; the compiled filter the
 * core holds is copied here (by its serial) and counted in a background
 * job, whose count shows at the prompt through ops->filter_count. */
#include "logs_screen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/text.h"

/* ---- the empty list source (the core's handle for `/`) -------------------- */

static size_t src_count(void *ctx)
{
    (void)ctx;
    return 0;
}

static const char *src_key(void *ctx, size_t row)
{
    (void)ctx;
    (void)row;
    return "";
}

static const char *src_cell(void *ctx, size_t row, int col, pn_str *buf)
{
    (void)ctx;
    (void)row;
    (void)col;
    (void)buf;
    return "";
}

static const pn_column log_columns[] = {
    {"line", "LINE", 10, 0, 1, PN_ALIGN_LEFT, false, true},
};

/* ---- helpers ------------------------------------------------------------------ */

static void thousands(pn_str *out, uint64_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    for (int i = 0; i < len; i++) {
        pn_str_appendc(out, digits[i]);
        if ((len - i - 1) % 3 == 0 && i != len - 1)
            pn_str_appendc(out, ',');
    }
}

static void fmt_time(pn_str *out, int64_t ts_us, bool with_date)
{
    if (!ts_us) {
        pn_str_append(out, with_date ? "               " : "        ");
        return;
    }
    time_t t = (time_t)(ts_us / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    char b[32];
    strftime(b, sizeof b, with_date ? "%b %d %H:%M:%S" : "%H:%M:%S", &tm);
    pn_str_append(out, b);
}

static void clamp_view(lg *s)
{
    if (s->rows == 0) {
        s->cursor = s->top = 0;
        return;
    }
    if (s->cursor >= s->rows)
        s->cursor = s->rows - 1;
    uint64_t page = s->page > 0 ? (uint64_t)s->page : 1;
    if (s->cursor < s->top)
        s->top = s->cursor;
    if (s->cursor >= s->top + page)
        s->top = s->cursor - page + 1;
    if (s->top + page > s->rows)
        s->top = s->rows > page ? s->rows - page : 0;
}

static void move_cursor(lg *s, int64_t delta)
{
    s->moved = true;
    if (delta < 0 && (uint64_t)(-delta) > s->cursor)
        s->cursor = 0;
    else
        s->cursor += (uint64_t)delta;
    if (s->rows && s->cursor >= s->rows)
        s->cursor = s->rows - 1;
}

/* ---- ops ------------------------------------------------------------------------ */

static void *logs_create(pn_app *app)
{
    lg *s = pn_calloc(1, sizeof *s);
    s->app = app;
    s->ctx = pn_app_ctx(app);
    lg_view_init(s);
    s->src = (pn_list_source){
        .ctx = s,
        .count = src_count,
        .key = src_key,
        .cell = src_cell,
    };
    pn_listmodel_init(&s->lm, &s->src, log_columns, 1);
    return s;
}

static void logs_destroy(void *st)
{
    lg *s = st;
    if (!s)
        return;
    lg_trace_free(&s->tv);
    lg_view_free(s);
    pn_listmodel_free(&s->lm);
    free(s->status_note);
    free(s);
}

static void logs_enter(void *st)
{
    lg *s = st;
    if (!s->set_open && !s->indexing && !s->indexed)
        lg_view_start(s);
    lg_index_start(s);
}

static int logs_tick(void *st, int64_t now_ms)
{
    lg *s = st;
    int dirty = PN_DIRTY_NONE;
    const lg_filter *cf = s->lm.filter;
    unsigned serial = cf ? cf->serial : 0;
    if (serial != s->seen_serial) {
        s->seen_serial = serial;
        lg_view_set_filter(s, cf ? lg_filter_compile(cf->text, cf->now_s, NULL) : NULL);
        dirty |= PN_DIRTY_DRAW;
    }
    dirty |= lg_view_tick(s, now_ms);
    return dirty;
}

/* The queue ID (or failing that the Message-ID) of the cursor line. */
static char *cursor_key(lg *s)
{
    const char *text;
    size_t len;
    uint32_t file;
    int64_t lineno;
    if (!lg_view_row(s, s->cursor, &text, &len, &file, &lineno))
        return NULL;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, s->set.files[file].mtime);
    pn_logline pl;
    pn_logline_parse(&pc, text, len, &pl);
    if (pl.qid.n)
        return pn_strndup(pl.qid.p, pl.qid.n);
    if (pl.message_id.n)
        return pn_strndup(pl.message_id.p, pl.message_id.n);
    return NULL;
}

static int not_here(lg *s, const pn_command *cmd, const char *why)
{
    const pn_action *a = pn_action_get(cmd->action);
    pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "%s: %s", a ? a->name : "?", why);
    return PN_DIRTY_DRAW;
}

static int logs_action(void *st, const pn_command *cmd)
{
    lg *s = st;
    if (s->tv.on) {
        int r = lg_trace_action(s, cmd);
        if (r != PN_UNHANDLED)
            return r;
    }
    int64_t page = s->page > 1 ? s->page - 1 : 1;
    switch (cmd->action) {
    case PN_A_UP:
        move_cursor(s, -(cmd->args.n ? atol(cmd->args.v[0]) : 1));
        return PN_DIRTY_DRAW;
    case PN_A_DOWN:
        move_cursor(s, cmd->args.n ? atol(cmd->args.v[0]) : 1);
        return PN_DIRTY_DRAW;
    case PN_A_PAGE_UP:
        move_cursor(s, -page);
        return PN_DIRTY_DRAW;
    case PN_A_PAGE_DOWN:
        move_cursor(s, page);
        return PN_DIRTY_DRAW;
    case PN_A_FIRST:
        s->moved = true;
        s->cursor = 0;
        return PN_DIRTY_DRAW;
    case PN_A_LAST:
        s->moved = false;
        s->cursor = s->rows ? s->rows - 1 : 0;
        return PN_DIRTY_DRAW;
    case PN_A_LEFT:
        s->hscroll = s->hscroll >= 16 ? s->hscroll - 16 : 0;
        return PN_DIRTY_DRAW;
    case PN_A_RIGHT:
        s->hscroll += 16;
        return PN_DIRTY_DRAW;
    case PN_A_OPEN:
    case PN_A_L_TRACE: {
        if (cmd->args.n) {
            lg_trace_open(s, cmd->args.v[0], false);
            return PN_DIRTY_DRAW;
        }
        char *key = cursor_key(s);
        if (!key) {
            pn_app_flash(s->app, PN_ROLE_STATUS_WARN,
                         "trace: this line names no queue ID or Message-ID");
            return PN_DIRTY_DRAW;
        }
        lg_trace_open(s, key, false);
        free(key);
        return PN_DIRTY_DRAW;
    }
    case PN_A_L_FOLLOW:
        lg_view_toggle_follow(s);
        return PN_DIRTY_DRAW;
    case PN_A_L_HISTOGRAM:
        s->show_hist = !s->show_hist;
        return PN_DIRTY_DRAW;
    case PN_A_REFRESH:
        if (s->indexing || s->filtering) {
            pn_app_flash(s->app, PN_ROLE_STATUS, "the logs are being read already");
            return PN_DIRTY_DRAW;
        }
        lg_view_start(s);
        return PN_DIRTY_DRAW;
    case PN_A_L_RAW:
    case PN_A_L_IN_QUEUE:
    case PN_A_L_NEXT_MSG:
    case PN_A_L_PREV_MSG:
        return not_here(s, cmd, "open a trace first (Enter on a line with a queue ID)");
    case PN_A_SEARCH:
    case PN_A_SEARCH_NEXT:
    case PN_A_SEARCH_PREV:
        return not_here(s, cmd, "on the Logs screen, / filters the lines as you type");
    case PN_A_SORT:
    case PN_A_SORT_REVERSE:
    case PN_A_COLUMNS:
    case PN_A_MARK:
    case PN_A_MARK_RANGE:
    case PN_A_MARK_ALL:
    case PN_A_MARK_CLEAR:
        return not_here(s, cmd, "log lines stay in file order and cannot be marked");
    case PN_A_BACK:
        return PN_DIRTY_NONE;
    default:
        return PN_UNHANDLED;
    }
}

/* ---- drawing ------------------------------------------------------------------ */

static void draw_header(lg *s, pn_canvas *c, int w)
{
    pn_str t = PN_STR_INIT;
    if (s->open_error) {
        pn_draw_text(c, 0, 0, w, PN_ROLE_STATUS_ERROR, "Cannot open the logs");
        pn_str_free(&t);
        return;
    }
    thousands(&t, (uint64_t)s->n_lines);
    pn_str_appendf(&t, " lines in %zu file%s", s->set.n, s->set.n == 1 ? "" : "s");
    int x = pn_draw_text(c, 0, 0, w, PN_ROLE_NORMAL, pn_str_cstr(&t));
    if (s->following)
        x += 1 + pn_draw_text(c, 0, x + 1, w - x - 1, PN_ROLE_STATUS_OK, "[following]");
    const lg_hist *h = s->filter ? &s->hist_filtered : &s->hist_all;
    int spare = w - x - 4;
    if (s->show_hist && h->used > 0 && spare >= 30) {
        pn_str lab = PN_STR_INIT;
        fmt_time(&lab, h->t0_us, false);
        pn_str_append(&lab, " ");
        int lw = (int)lab.len;
        pn_str end = PN_STR_INIT;
        pn_str_append(&end, " ");
        fmt_time(&end, h->t0_us + h->width_us * h->used, false);
        int ew = (int)end.len;
        /* braille packs two buckets per cell */
        int sw = pn_draw_unicode(c) ? (h->used + 1) / 2 : h->used;
        if (sw > spare - lw - ew)
            sw = spare - lw - ew;
        int hx = w - (lw + sw + ew);
        pn_draw_text(c, 0, hx, lw, PN_ROLE_DIM, pn_str_cstr(&lab));
        pn_draw_sparkline(c, 0, hx + lw, sw, PN_ROLE_CHART, h->v, (size_t)h->used);
        pn_draw_text(c, 0, hx + lw + sw, ew, PN_ROLE_DIM, pn_str_cstr(&end));
        pn_str_free(&lab);
        pn_str_free(&end);
    }
    pn_str_free(&t);
}

static void draw_filter_bar(lg *s, pn_canvas *c, int y, int w)
{
    pn_draw_fill(c, (pn_rect){y, 0, 1, w}, PN_ROLE_NORMAL);
    int x = pn_draw_text(c, y, 0, w, PN_ROLE_DIM, "filter: ");
    x += pn_draw_text(c, y, x, w - x - 24, PN_ROLE_FILTER, s->filter->text);
    pn_str t = PN_STR_INIT;
    pn_str_append(&t, "  ");
    thousands(&t, s->rows);
    pn_str_append(&t, " of ");
    thousands(&t, (uint64_t)s->n_lines);
    pn_str_append(&t, " lines");
    if (s->filtering)
        pn_str_append(&t, " (counting...)");
    else if (s->partial)
        pn_str_append(&t, " (partial: stopped)");
    pn_draw_text(c, y, x, w - x, PN_ROLE_DIM, pn_str_cstr(&t));
    pn_str_free(&t);
}

static void draw_row(lg *s, pn_canvas *c, int y, int w, uint64_t r, bool with_date, int progw)
{
    const char *text;
    size_t len;
    uint32_t file;
    int64_t lineno;
    bool cur = r == s->cursor;
    pn_role base = cur ? PN_ROLE_ROW_CURSOR : PN_ROLE_ROW;
    pn_draw_fill(c, (pn_rect){y, 0, 1, w}, base);
    if (!lg_view_row(s, r, &text, &len, &file, &lineno))
        return;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, s->set.files[file].mtime);
    pn_logline pl;
    bool ok = pn_logline_parse(&pc, text, len, &pl);
    pn_str t = PN_STR_INIT;
    int x = 0;
    if (ok) {
        fmt_time(&t, pl.ts_us, with_date);
        x += pn_draw_text(c, y, x, w - x, cur ? base : PN_ROLE_DIM, pn_str_cstr(&t)) + 1;
        pn_str_reset(&t);
        pn_span prog = pl.daemon.n ? pl.daemon : pl.program;
        pn_str_appendn(&t, prog.p, prog.n);
        pn_draw_text_pad(c, y, x, progw, cur ? base : PN_ROLE_DIM, pn_str_cstr(&t));
        x += progw + 1;
        size_t off = (size_t)(pl.text.p - text);
        lg_draw_line(c, y, x, w - x, base, text + off, len - off, cur ? NULL : &pl, s->hscroll);
    } else {
        lg_draw_line(c, y, x, w - x, base, text, len, NULL, s->hscroll);
    }
    pn_str_free(&t);
}

static void logs_draw(void *st, pn_canvas *c, pn_rect area)
{
    lg *s = st;
    if (area.h < 4)
        return;
    if (s->tv.on) {
        lg_trace_draw(s, c, area);
        return;
    }
    draw_header(s, c, area.w);
    if (s->open_error) {
        pn_draw_text(c, 2, 1, area.w - 2, PN_ROLE_NORMAL, s->open_error);
        pn_draw_text(c, 4, 1, area.w - 2, PN_ROLE_DIM,
                     "The log files come from 'logs:' in postern.yaml (Ctrl-R reads them again).");
        return;
    }
    int y = 1;
    if (s->filter) {
        draw_filter_bar(s, c, y, area.w);
        y++;
    }
    int h = area.h - y - 1;
    s->page = h > 0 ? h : 1;
    clamp_view(s);
    if (s->rows == 0) {
        const char *msg = s->indexing ? "Reading the logs..."
                          : s->filter ? (s->filtering ? "Counting the matching lines..."
                                                      : "No line matches the filter (Esc-/ or "
                                                        ":filter-clear shows every line).")
                                      : "The logs are empty.";
        pn_draw_text(c, y + 1, 2, area.w - 4, PN_ROLE_DIM, msg);
    }
    bool with_date = area.w >= 100;
    int progw = area.w >= 100 ? 10 : 7;
    for (int i = 0; i < h && s->top + (uint64_t)i < s->rows; i++)
        draw_row(s, c, y + i, area.w, s->top + (uint64_t)i, with_date, progw);
    /* footer: where the cursor is */
    pn_str t = PN_STR_INIT;
    const char *text;
    size_t len;
    uint32_t file;
    int64_t lineno;
    if (s->rows && lg_view_row(s, s->cursor, &text, &len, &file, &lineno)) {
        const char *path = s->set.files[file].path;
        const char *base = strrchr(path, '/');
        pn_str_appendf(&t, "%s:%lld", base ? base + 1 : path, (long long)lineno);
        pn_str_append(&t, "   row ");
        thousands(&t, s->cursor + 1);
        pn_str_append(&t, " of ");
        thousands(&t, s->rows);
    }
    if (s->index_notes)
        pn_str_appendf(&t, "   note: %s", s->index_notes);
    while (t.len && t.s[t.len - 1] == '\n')
        pn_str_truncate(&t, t.len - 1);
    pn_draw_fill(c, (pn_rect){area.h - 1, 0, 1, area.w}, PN_ROLE_NORMAL);
    pn_draw_text(c, area.h - 1, 0, area.w, PN_ROLE_DIM, pn_str_cstr(&t));
    pn_str_free(&t);
}

static void logs_status(void *st, pn_str *out)
{
    lg *s = st;
    if (s->indexing) {
        pn_str_append(out, "reading... ");
        thousands(out, (uint64_t)s->n_lines);
        pn_str_append(out, " lines so far");
        return;
    }
    thousands(out, (uint64_t)s->n_lines);
    pn_str_append(out, " lines");
    if (s->following)
        pn_str_append(out, "  following");
}

static bool logs_ready(void *st)
{
    const lg *s = st;
    return s->indexed || s->n_blocks > 0;
}

static pn_listmodel *logs_list(void *st)
{
    lg *s = st;
    return s->tv.on ? NULL : &s->lm;
}

static void *logs_filter_compile(void *st, const char *text, pn_err *err)
{
    lg *s = st;
    lg_filter *f = lg_filter_compile(text, pn_app_time(s->app), err);
    if (f)
        f->serial = ++s->next_serial ? s->next_serial : ++s->next_serial;
    return f;
}

static void logs_filter_free(void *filter)
{
    lg_filter_free(filter);
}

static void logs_filter_count(void *st, pn_str *out)
{
    lg *s = st;
    /* the prompt's filter may be newer than the count: say so */
    const lg_filter *cf = s->lm.filter;
    if ((cf ? cf->serial : 0) != s->seen_serial || s->filtering) {
        pn_str_append(out, "counting... ");
        thousands(out, s->rows);
    } else {
        thousands(out, s->rows);
    }
    pn_str_append(out, " of ");
    thousands(out, (uint64_t)s->n_lines);
    pn_str_append(out, " lines");
}

static bool looks_like_message(const char *t)
{
    size_t n = strlen(t);
    if (pn_log_is_qid(t, n))
        return true;
    if (n > 2 && t[0] == '<' && t[n - 1] == '>')
        return true;
    return strchr(t, '@') != NULL && !strchr(t, ' ');
}

static bool logs_go_to(void *st, const char *target)
{
    lg *s = st;
    if (s->probing_queue)
        return false;
    while (*target == ' ')
        target++;
    if (!*target || !looks_like_message(target))
        return false;
    if (!s->set_open && !s->indexing && !s->indexed)
        lg_view_start(s);
    size_t n = strlen(target);
    bool bracketed = target[0] == '<' && target[n - 1] == '>';
    lg_trace_open(s, target, !pn_log_is_qid(target, n) && !bracketed);
    return true;
}

/* One list for both views: the trace keys only act in a trace. */
static const pn_action_id logs_hints[] = {
    PN_A_OPEN, PN_A_L_FOLLOW, PN_A_L_RAW, PN_A_L_NEXT_MSG, PN_A_L_PREV_MSG, PN_A_L_IN_QUEUE,
    PN_A_L_HISTOGRAM, PN_A_NONE,
};

static const char *const hist_values[] = {NULL};

static const char *const *logs_arg_values(void *st, pn_action_id a)
{
    (void)st;
    (void)a;
    return hist_values;
}

extern const pn_screen_ops pn_screen_logs;
const pn_screen_ops pn_screen_logs = {
    .name = "logs",
    .title = "Logs",
    .help = "Mail log lines and message traces: filter, follow, trace by queue ID or Message-ID",
    .available = true,
    .create = logs_create,
    .destroy = logs_destroy,
    .enter = logs_enter,
    .tick = logs_tick,
    .action = logs_action,
    .draw = logs_draw,
    .status = logs_status,
    .list = logs_list,
    .filter_compile = logs_filter_compile,
    .filter_free = logs_filter_free,
    .arg_values = logs_arg_values,
    .go_to = logs_go_to,
    .hints = logs_hints,
    .ready = logs_ready,
    .filter_count = logs_filter_count,
};
