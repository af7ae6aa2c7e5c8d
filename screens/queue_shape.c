/* queue_shape.c - the shape view of the Queue screen: the messages the list
 * shows (its filter applies) grouped by recipient domain, sender domain,
 * reason class or age bucket (qshape's buckets), with messages, bytes,
 * recipients and the split by queue per group. Enter opens a group as a
 * filter on the list; the queue actions act on every message of the marked
 * groups (or the group under the cursor). `/` here filters the group names. */
#include "queue_screen.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"
#include "util/text.h"

enum { SC_KEY, SC_MSGS, SC_SIZE, SC_RCPTS, SC_DEFERRED, SC_HOLD, SC_ACTIVE, SC_COUNT };

static const pn_column shape_columns[SC_COUNT] = {
    [SC_KEY] = {"group", "GROUP", 16, 60, 1, PN_ALIGN_LEFT, true, true},
    [SC_MSGS] = {"msgs", "MSGS", 6, 8, 0, PN_ALIGN_RIGHT, true, true},
    [SC_SIZE] = {"size", "SIZE", 6, 7, 0, PN_ALIGN_RIGHT, true, true},
    [SC_RCPTS] = {"rcpts", "RCPTS", 6, 8, 0, PN_ALIGN_RIGHT, true, true},
    [SC_DEFERRED] = {"deferred", "DEFERRED", 8, 8, 0, PN_ALIGN_RIGHT, true, true},
    [SC_HOLD] = {"hold", "HOLD", 6, 6, 0, PN_ALIGN_RIGHT, true, true},
    [SC_ACTIVE] = {"active", "ACTIVE", 6, 6, 0, PN_ALIGN_RIGHT, true, true},
};

static const char *const by_headers[] = {"RECIPIENT DOMAIN", "SENDER DOMAIN", "REASON CLASS",
                                         "AGE"};
static const char *const by_titles[] = {"recipient domain", "sender domain", "reason class",
                                        "age"};

static const pn_qshape_row *shape_row(const qs *q, size_t row)
{
    return row < q->shape.s.n ? &q->shape.s.rows[row] : NULL;
}

static size_t ssrc_count(void *ctx)
{
    qs *q = ctx;
    return q->shape.built ? q->shape.s.n : 0;
}

static const char *ssrc_key(void *ctx, size_t row)
{
    const pn_qshape_row *r = shape_row(ctx, row);
    return r ? r->key : "";
}

static const char *ssrc_cell(void *ctx, size_t row, int col, pn_str *buf)
{
    const pn_qshape_row *r = shape_row(ctx, row);
    if (!r)
        return "";
    pn_str_reset(buf);
    switch (col) {
    case SC_KEY: return r->key;
    case SC_MSGS: pn_str_appendf(buf, "%zu", r->messages); break;
    case SC_SIZE: pn_text_size(buf, r->bytes); break;
    case SC_RCPTS: pn_str_appendf(buf, "%zu", r->recipients); break;
    case SC_DEFERRED: pn_str_appendf(buf, "%zu", r->by_queue[PN_QN_DEFERRED]); break;
    case SC_HOLD: pn_str_appendf(buf, "%zu", r->by_queue[PN_QN_HOLD]); break;
    case SC_ACTIVE: pn_str_appendf(buf, "%zu", r->by_queue[PN_QN_ACTIVE]); break;
    default: break;
    }
    return pn_str_cstr(buf);
}

static int cmp_size(size_t a, size_t b)
{
    return a < b ? -1 : a > b;
}

static int ssrc_compare(void *ctx, size_t a, size_t b, int col)
{
    qs *q = ctx;
    const pn_qshape_row *x = shape_row(q, a), *y = shape_row(q, b);
    switch (col) {
    case SC_KEY:
        /* age buckets keep their natural order */
        return q->shape.by == PN_QSHAPE_AGE ? cmp_size(a, b) : strcasecmp(x->key, y->key);
    case SC_MSGS: return cmp_size(x->messages, y->messages);
    case SC_SIZE: return x->bytes < y->bytes ? -1 : x->bytes > y->bytes;
    case SC_RCPTS: return cmp_size(x->recipients, y->recipients);
    case SC_DEFERRED: return cmp_size(x->by_queue[PN_QN_DEFERRED], y->by_queue[PN_QN_DEFERRED]);
    case SC_HOLD: return cmp_size(x->by_queue[PN_QN_HOLD], y->by_queue[PN_QN_HOLD]);
    case SC_ACTIVE: return cmp_size(x->by_queue[PN_QN_ACTIVE], y->by_queue[PN_QN_ACTIVE]);
    default: return 0;
    }
}

static bool ssrc_match(void *ctx, size_t row, const void *filter)
{
    const qs_filter *f = filter;
    const pn_qshape_row *r = shape_row(ctx, row);
    if (!f || !f->on_groups || !f->groups)
        return true;
    return r && strcasestr(r->key, f->groups) != NULL;
}

static bool ssrc_search(void *ctx, size_t row, const char *needle)
{
    const pn_qshape_row *r = shape_row(ctx, row);
    return r && strcasestr(r->key, needle) != NULL;
}

static int ssrc_role(void *ctx, size_t row)
{
    const pn_qshape_row *r = shape_row(ctx, row);
    if (r && r->messages && r->by_queue[PN_QN_HOLD] == r->messages)
        return PN_ROLE_ROW_HOLD;
    return PN_ROLE_ROW;
}

void qs_shape_init(qs *q)
{
    qs_shape *sh = &q->shape;
    sh->src = (pn_list_source){
        .ctx = q,
        .count = ssrc_count,
        .key = ssrc_key,
        .cell = ssrc_cell,
        .compare = ssrc_compare,
        .match = ssrc_match,
        .search = ssrc_search,
        .role = ssrc_role,
    };
    pn_listmodel_init_copy(&sh->lm, &sh->src, shape_columns, SC_COUNT);
}

void qs_shape_free(qs *q)
{
    pn_listmodel_free(&q->shape.lm);
    if (q->shape.built)
        pn_qshape_free(&q->shape.s);
    q->shape.built = false;
}

static const pn_qfilter *main_filter(const qs *q)
{
    const qs_filter *f = q->lm.filter;
    return f && !f->on_groups ? f->messages : NULL;
}

void qs_shape_build(qs *q)
{
    qs_shape *sh = &q->shape;
    if (sh->built)
        pn_qshape_free(&sh->s);
    pn_qshape_build(&q->list, main_filter(q), sh->by, qs_now(q), &sh->s);
    sh->built = true;
    pn_listmodel_rebuild(&sh->lm);
}

bool qs_shape_set(qs *q, const char *name)
{
    qs_shape *sh = &q->shape;
    if (!name) {
        /* cycle: off -> rcpt-domain -> sender-domain -> class -> age -> off */
        if (!sh->on) {
            sh->by = PN_QSHAPE_RCPT_DOMAIN;
        } else if (sh->by == PN_QSHAPE_AGE) {
            sh->on = false;
            q->mode = QS_LIST;
            return true;
        } else {
            sh->by = (pn_qshape_by)(sh->by + 1);
        }
    } else if (strcmp(name, "off") == 0) {
        sh->on = false;
        q->mode = QS_LIST;
        return true;
    } else if (!pn_qshape_by_parse(name, &sh->by)) {
        pn_app_flash(q->app, PN_ROLE_STATUS_ERROR,
                     "shape: '%s' is not a grouping: use rcpt-domain, sender-domain, class, age or off",
                     name);
        return false;
    }
    sh->on = true;
    q->mode = QS_SHAPE;
    sh->lm.own_cols[SC_KEY].header = by_headers[sh->by];
    /* Marks name groups of one grouping: a new grouping starts unmarked,
     * in the backend's order (biggest first; age buckets in order). */
    pn_listmodel_mark_clear(&sh->lm);
    pn_listmodel_sort(&sh->lm, -1, false);
    qs_shape_build(q);
    pn_listmodel_first(&sh->lm);
    return true;
}

/* The list filter term that selects one group, or NULL if there is none. */
static char *group_filter(const qs *q, const char *key)
{
    if (key[0] == '(') {
        if (q->shape.by == PN_QSHAPE_SENDER_DOMAIN && strcmp(key, "(null sender)") == 0)
            return pn_strdup("sender:<>");
        return NULL;
    }
    switch (q->shape.by) {
    case PN_QSHAPE_RCPT_DOMAIN: return pn_sprintf("domain:%s", key);
    case PN_QSHAPE_SENDER_DOMAIN: return pn_sprintf("sender:@%s", key);
    case PN_QSHAPE_CLASS: return pn_sprintf("class:%s", key);
    case PN_QSHAPE_AGE: {
        long lo = 0, hi = 5;
        for (int b = 0; b < PN_QSHAPE_AGE_BUCKETS; b++) {
            if (strcmp(pn_qshape_age_label(b), key) == 0) {
                if (b == 0)
                    return pn_strdup("age<5m");
                if (b == PN_QSHAPE_AGE_BUCKETS - 1)
                    return pn_sprintf("age>=%ldm", lo);
                return pn_sprintf("age>=%ldm age<%ldm", lo, hi);
            }
            lo = hi;
            hi *= 2;
        }
        return NULL;
    }
    }
    return NULL;
}

static int open_group(qs *q)
{
    size_t row = pn_listmodel_cursor_row(&q->shape.lm);
    const pn_qshape_row *r = row == SIZE_MAX ? NULL : shape_row(q, row);
    if (!r)
        return PN_DIRTY_DRAW;
    char *term = group_filter(q, r->key);
    if (!term) {
        pn_app_flash(q->app, PN_ROLE_STATUS_WARN,
                     "group %s cannot be written as a filter; mark it and act on it here", r->key);
        return PN_DIRTY_DRAW;
    }
    const pn_qfilter *cur = main_filter(q);
    char *text = cur && *pn_qfilter_text(cur) ? pn_sprintf("%s %s", pn_qfilter_text(cur), term)
                                               : pn_strdup(term);
    q->mode = QS_LIST;
    pn_app_set_filter(q->app, text);
    pn_listmodel_first(&q->lm);
    free(text);
    free(term);
    return PN_DIRTY_DRAW;
}

size_t qs_shape_selection(qs *q, pn_argv *ids, pn_str *what)
{
    qs_shape *sh = &q->shape;
    const char **keys = NULL;
    size_t ng = pn_listmodel_marked_keys(&sh->lm, &keys);
    if (ng == 0) {
        free(keys);
        size_t row = pn_listmodel_cursor_row(&sh->lm);
        const pn_qshape_row *r = row == SIZE_MAX ? NULL : shape_row(q, row);
        if (!r)
            return 0;
        keys = pn_malloc(sizeof(*keys));
        keys[0] = r->key;
        ng = 1;
    }
    int64_t now = qs_now(q);
    const pn_qfilter *f = main_filter(q);
    for (size_t i = 0; i < q->list.n; i++) {
        const pn_qentry *e = &q->list.items[i];
        if (f && !pn_qfilter_match(f, e, now))
            continue;
        for (size_t k = 0; k < ng; k++) {
            if (pn_qshape_member(sh->by, keys[k], e, now)) {
                pn_argv_add(ids, e->qid);
                break;
            }
        }
    }
    if (ng == 1)
        pn_str_appendf(what, "every message of %s %s", by_titles[sh->by], keys[0]);
    else
        pn_str_appendf(what, "every message of %zu marked %s groups", ng, by_titles[sh->by]);
    free(keys);
    return ids->n;
}

int qs_shape_action(qs *q, const pn_command *cmd)
{
    switch (cmd->action) {
    case PN_A_OPEN:
        return open_group(q);
    case PN_A_BACK:
        q->shape.on = false;
        q->mode = QS_LIST;
        return PN_DIRTY_DRAW;
    case PN_A_Q_DETAILS:
        pn_app_flash(q->app, PN_ROLE_STATUS, "details: open a group (Enter), then a message");
        return PN_DIRTY_DRAW;
    case PN_A_REFRESH:
        return PN_UNHANDLED;   /* the listing refreshes; the groups follow */
    default:
        return PN_UNHANDLED;
    }
}

void qs_shape_draw(qs *q, pn_canvas *c, pn_rect area)
{
    qs_shape *sh = &q->shape;
    pn_str t = PN_STR_INIT;
    pn_str_appendf(&t, "Shape by %s: %zu groups over %zu messages (", by_titles[sh->by],
                   sh->built ? sh->s.n : 0, sh->built ? sh->s.total_messages : 0);
    pn_text_size(&t, sh->built ? sh->s.total_bytes : 0);
    pn_str_append(&t, ")");
    const pn_qfilter *f = main_filter(q);
    if (f && *pn_qfilter_text(f))
        pn_str_appendf(&t, " matching %s", pn_qfilter_text(f));
    pn_str_append(&t, "   x next grouping, Enter open group, Esc back");
    pn_draw_text_pad(c, area.y, 0, area.w, PN_ROLE_DIM, pn_str_cstr(&t));
    pn_str_free(&t);
    pn_rect list = {area.y + 1, area.x, area.h - 1, area.w};
    pn_draw_list(c, list, &sh->lm);
}
