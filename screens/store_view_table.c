/* store_view_table.c - sv_table (store_view.h): the rows of a store screen
 * as text cells (and numbers where a column sorts by number) behind the one
 * list widget, plus the filter language of the store screens.
 *
 * A reload clears the rows and adds them again; the list model keeps the
 * cursor and the marks by row key, so they survive it. After a reload each
 * growing column is capped at what its widest cell needs (header and sort
 * mark included), so spare width goes where text would be cut. Sorting compares
 * numbers where a cell has one, else text without case, and breaks ties by
 * key, so that an order never depends on how the store listed the rows. */
#include "store_view.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"
#include "util/text.h"

/* ---- list source ------------------------------------------------------------------- */

static size_t src_count(void *ctx)
{
    return ((sv_table *)ctx)->n;
}

static const char *src_key(void *ctx, size_t row)
{
    sv_table *t = ctx;
    return row < t->n ? t->keys[row] : "";
}

static const char *cell(const sv_table *t, size_t row, int col)
{
    return row < t->n && col >= 0 && col < t->ncols ? t->cells[row * (size_t)t->ncols + (size_t)col]
                                                    : "";
}

static const char *src_cell(void *ctx, size_t row, int col, pn_str *buf)
{
    (void)buf;
    return cell(ctx, row, col);
}

static int src_compare(void *ctx, size_t a, size_t b, int col)
{
    sv_table *t = ctx;
    size_t ia = a * (size_t)t->ncols + (size_t)col, ib = b * (size_t)t->ncols + (size_t)col;
    int c;
    if (t->nums[ia] != SV_NO_NUM || t->nums[ib] != SV_NO_NUM)
        c = t->nums[ia] < t->nums[ib] ? -1 : t->nums[ia] > t->nums[ib];
    else
        c = strcasecmp(t->cells[ia], t->cells[ib]);
    return c ? c : strcasecmp(t->keys[a], t->keys[b]);
}

static bool row_has(const sv_table *t, size_t row, const char *needle)
{
    if (strcasestr(t->keys[row], needle))
        return true;
    for (int c = 0; c < t->ncols; c++)
        if (strcasestr(cell(t, row, c), needle))
            return true;
    return false;
}

static bool src_search(void *ctx, size_t row, const char *needle)
{
    return row_has(ctx, row, needle);
}

static int src_role(void *ctx, size_t row)
{
    sv_table *t = ctx;
    return row < t->n ? t->roles[row] : PN_ROLE_ROW;
}

/* ---- the filter ------------------------------------------------------------------ */

typedef struct sv_term {
    int col;                   /* -1: any cell */
    bool negate;
    char *text;
} sv_term;

typedef struct sv_filter {
    sv_term *terms;
    size_t n;
} sv_filter;

static bool src_match(void *ctx, size_t row, const void *filter)
{
    const sv_table *t = ctx;
    const sv_filter *f = filter;
    for (size_t i = 0; i < f->n; i++) {
        const sv_term *m = &f->terms[i];
        bool hit = m->col < 0 ? row_has(t, row, m->text)
                              : strcasestr(cell(t, row, m->col), m->text) != NULL;
        if (hit == m->negate)
            return false;
    }
    return true;
}

void sv_filter_free(void *filter)
{
    sv_filter *f = filter;
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->terms[i].text);
    free(f->terms);
    free(f);
}

static int column_of(const sv_table *t, const char *word, size_t len)
{
    for (int c = 0; c < t->ncols; c++)
        if (strlen(t->cols[c].id) == len && !strncasecmp(t->cols[c].id, word, len))
            return c;
    return -1;
}

void *sv_filter_compile(const sv_table *t, const char *text, pn_err *err)
{
    sv_filter *f = pn_calloc(1, sizeof(*f));
    pn_argv words = PN_ARGV_INIT;
    sv_split_list(text, &words);
    for (size_t i = 0; i < words.n; i++) {
        const char *w = words.v[i];
        sv_term m = {-1, false, NULL};
        if (w[0] == '-' && w[1]) {
            m.negate = true;
            w++;
        }
        const char *colon = strchr(w, ':');
        if (colon && colon > w) {
            m.col = column_of(t, w, (size_t)(colon - w));
            if (m.col < 0) {
                pn_str ids = PN_STR_INIT;
                for (int c = 0; c < t->ncols; c++)
                    pn_str_appendf(&ids, "%s%s", c ? " " : "", t->cols[c].id);
                pn_err_set(err, PN_E_INVALID, "filter: no column '%.*s' (columns: %s)",
                           (int)(colon - w), w, pn_str_cstr(&ids));
                pn_str_free(&ids);
                pn_argv_free(&words);
                sv_filter_free(f);
                return NULL;
            }
            w = colon + 1;
        }
        m.text = pn_strdup(w);
        f->terms = pn_realloc(f->terms, (f->n + 1) * sizeof(*f->terms));
        f->terms[f->n++] = m;
    }
    pn_argv_free(&words);
    if (!f->n) {
        sv_filter_free(f);
        return NULL;
    }
    return f;
}

/* ---- rows ---------------------------------------------------------------------------- */

void sv_table_init(sv_table *t, const pn_column *cols, int ncols)
{
    memset(t, 0, sizeof(*t));
    t->cols = cols;
    t->ncols = ncols;
    t->src = (pn_list_source){
        .ctx = t,
        .count = src_count,
        .key = src_key,
        .cell = src_cell,
        .compare = src_compare,
        .match = src_match,
        .search = src_search,
        .role = src_role,
    };
    pn_listmodel_init_copy(&t->lm, &t->src, cols, ncols);
}

void sv_table_clear(sv_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->keys[i]);
        for (int c = 0; c < t->ncols; c++)
            free(t->cells[i * (size_t)t->ncols + (size_t)c]);
    }
    t->n = 0;
}

void sv_table_free(sv_table *t)
{
    sv_table_clear(t);
    pn_listmodel_free(&t->lm);
    free(t->keys);
    free(t->cells);
    free(t->nums);
    free(t->roles);
    memset(t, 0, sizeof(*t));
}

size_t sv_table_add(sv_table *t, const char *key)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->keys = pn_realloc(t->keys, t->cap * sizeof(*t->keys));
        t->cells = pn_realloc(t->cells, t->cap * (size_t)t->ncols * sizeof(*t->cells));
        t->nums = pn_realloc(t->nums, t->cap * (size_t)t->ncols * sizeof(*t->nums));
        t->roles = pn_realloc(t->roles, t->cap * sizeof(*t->roles));
    }
    size_t row = t->n++;
    t->keys[row] = pn_strdup(key ? key : "");
    for (int c = 0; c < t->ncols; c++) {
        t->cells[row * (size_t)t->ncols + (size_t)c] = pn_strdup("");
        t->nums[row * (size_t)t->ncols + (size_t)c] = SV_NO_NUM;
    }
    t->roles[row] = PN_ROLE_ROW;
    return row;
}

void sv_table_set(sv_table *t, size_t row, int col, const char *text)
{
    if (row >= t->n || col < 0 || col >= t->ncols)
        return;
    char **p = &t->cells[row * (size_t)t->ncols + (size_t)col];
    free(*p);
    *p = pn_strdup(text ? text : "");
}

void sv_table_setf(sv_table *t, size_t row, int col, const char *fmt, ...)
{
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    sv_table_set(t, row, col, pn_str_cstr(&s));
    pn_str_free(&s);
}

void sv_table_set_num(sv_table *t, size_t row, int col, int64_t num)
{
    if (row < t->n && col >= 0 && col < t->ncols)
        t->nums[row * (size_t)t->ncols + (size_t)col] = num;
}

void sv_table_set_role(sv_table *t, size_t row, int role)
{
    if (row < t->n)
        t->roles[row] = role;
}

/* Cap each growing column at its widest cell (never below its minimum,
 * never above the screen's own maximum). */
static void fit_columns(sv_table *t)
{
    for (int c = 0; c < t->ncols; c++) {
        const pn_column *orig = &t->cols[c];
        if (orig->weight <= 0)
            continue;
        int need = (int)pn_text_width(orig->header) + 1;
        for (size_t r = 0; r < t->n; r++) {
            int w = (int)pn_text_width(cell(t, r, c));
            if (w > need)
                need = w;
        }
        if (need < orig->min_width)
            need = orig->min_width;
        if (orig->max_width > 0 && need > orig->max_width)
            need = orig->max_width;
        t->lm.own_cols[c].max_width = need;
    }
}

void sv_table_done(sv_table *t)
{
    fit_columns(t);
    pn_listmodel_rebuild(&t->lm);
}

size_t sv_table_find(const sv_table *t, const char *key)
{
    for (size_t i = 0; key && i < t->n; i++)
        if (!strcmp(t->keys[i], key))
            return i;
    return SIZE_MAX;
}

const char *sv_table_cursor_key(const sv_table *t)
{
    size_t row = pn_listmodel_cursor_row(&t->lm);
    return row < t->n ? t->keys[row] : NULL;
}

size_t sv_table_selection(sv_table *t, pn_argv *keys)
{
    const char **marked = NULL;
    size_t n = pn_listmodel_marked_keys(&t->lm, &marked);
    for (size_t i = 0; i < n; i++)
        pn_argv_add(keys, marked[i]);
    free(marked);
    if (n)
        return n;
    const char *k = sv_table_cursor_key(t);
    if (!k)
        return 0;
    pn_argv_add(keys, k);
    return 1;
}
