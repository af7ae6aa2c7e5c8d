/* listmodel.c - the list widget's view over a screen's rows (see listmodel.h).
 *
 * Costs, for n source rows: a rebuild is one pass of src->match plus a
 * stable merge sort (O(n log n) src->compare calls) into a uint32_t index
 * array that is reused between rebuilds; restoring the cursor is one pass of
 * src->key. Marks live in an open-addressing hash set of the row keys (the
 * only per-row allocation: one copy of each marked key); marking every row of
 * a million-row view reserves the set once, so it is never rehashed on the
 * way. When marks exist, a rebuild also makes one pass over the source to
 * drop the marks of rows that are gone, so the mark count stays true.
 *
 * Sorting: ascending by src->compare; reverse negates the comparison, so
 * rows that compare equal keep their source order in both directions.
 *
 * Layout: one blank separator column between shown columns (none before the
 * first or after the last); min widths first, left to right, and the first
 * column that does not fit is dropped with every column to its right; spare
 * width is then shared by weight (capped at max_width; rounding leftovers go
 * one column at a time to the leftmost growable columns). */
#include "listmodel.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* ---- key set ---------------------------------------------------------- */

typedef struct keyslot {
    char *key;            /* NULL: empty slot */
    uint32_t hash;
    uint32_t seen;        /* epoch of the last sweep that found the row */
} keyslot;

struct pn_keyset {
    keyslot *slots;
    size_t cap;           /* power of two, or 0 */
    size_t n;
    uint32_t epoch;
};

static uint32_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;            /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;                                   /* murmur3 finaliser */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

static size_t ks_find(const struct pn_keyset *ks, const char *key, uint32_t h)
{
    if (ks->cap == 0)
        return SIZE_MAX;
    size_t mask = ks->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const keyslot *s = &ks->slots[i];
        if (!s->key)
            return SIZE_MAX;
        if (s->hash == h && strcmp(s->key, key) == 0)
            return i;
    }
}

/* Put an owned key into a table known not to hold it and to have room. */
static void ks_place(struct pn_keyset *ks, char *key, uint32_t h, uint32_t seen)
{
    size_t mask = ks->cap - 1, i = h & mask;
    while (ks->slots[i].key)
        i = (i + 1) & mask;
    ks->slots[i] = (keyslot){key, h, seen};
    ks->n++;
}

static void ks_resize(struct pn_keyset *ks, size_t cap)
{
    keyslot *old = ks->slots;
    size_t old_cap = ks->cap;
    ks->slots = pn_calloc(cap, sizeof(*ks->slots));
    ks->cap = cap;
    ks->n = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key)
            ks_place(ks, old[i].key, old[i].hash, old[i].seen);
    free(old);
}

/* Make room for `more` keys beyond the current count (load <= 0.7). */
static void ks_reserve(struct pn_keyset *ks, size_t more)
{
    size_t want = ks->n + more;
    if (want * 10 <= ks->cap * 7)
        return;
    size_t cap = ks->cap ? ks->cap : 16;
    while (want * 10 > cap * 7)
        cap *= 2;
    ks_resize(ks, cap);
}

static bool ks_add(struct pn_keyset *ks, const char *key)
{
    uint32_t h = key_hash(key);
    if (ks_find(ks, key, h) != SIZE_MAX)
        return false;
    ks_reserve(ks, 1);
    ks_place(ks, pn_strdup(key), h, ks->epoch);
    return true;
}

/* Remove slot i, shifting later members of its probe run back (no
 * tombstones). */
static void ks_remove_at(struct pn_keyset *ks, size_t i)
{
    size_t mask = ks->cap - 1;
    free(ks->slots[i].key);
    ks->slots[i].key = NULL;
    ks->n--;
    for (size_t j = (i + 1) & mask; ks->slots[j].key; j = (j + 1) & mask) {
        size_t home = ks->slots[j].hash & mask;
        /* Move j into the hole at i unless its home lies in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            ks->slots[i] = ks->slots[j];
            ks->slots[j].key = NULL;
            i = j;
        }
    }
}

static bool ks_remove(struct pn_keyset *ks, const char *key)
{
    size_t i = ks_find(ks, key, key_hash(key));
    if (i == SIZE_MAX)
        return false;
    ks_remove_at(ks, i);
    return true;
}

static void ks_clear(struct pn_keyset *ks)
{
    for (size_t i = 0; i < ks->cap; i++)
        free(ks->slots[i].key);
    free(ks->slots);
    ks->slots = NULL;
    ks->cap = ks->n = 0;
}

/* Keep only the keys whose `seen` equals the current epoch. */
static void ks_keep_seen(struct pn_keyset *ks)
{
    size_t kept = 0;
    for (size_t i = 0; i < ks->cap; i++)
        if (ks->slots[i].key && ks->slots[i].seen == ks->epoch)
            kept++;
    if (kept == ks->n)
        return;
    keyslot *old = ks->slots;
    size_t old_cap = ks->cap;
    ks->slots = NULL;
    ks->cap = ks->n = 0;
    if (kept)
        ks_reserve(ks, kept);
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key)
            continue;
        if (old[i].seen == ks->epoch)
            ks_place(ks, old[i].key, old[i].hash, old[i].seen);
        else
            free(old[i].key);
    }
    free(old);
}

/* ---- helpers ---------------------------------------------------------- */

static size_t source_count(const pn_listmodel *m)
{
    size_t n = m->src->count ? m->src->count(m->src->ctx) : 0;
    return n > UINT32_MAX ? UINT32_MAX : n;   /* order holds uint32_t indices */
}

static const char *row_key(const pn_listmodel *m, size_t row)
{
    const char *k = m->src->key ? m->src->key(m->src->ctx, row) : NULL;
    return k ? k : "";
}

static void set_str(char **field, const char *value)
{
    char *copy = value ? pn_strdup(value) : NULL;
    free(*field);
    *field = copy;
}

static void keep_cursor_visible(pn_listmodel *m)
{
    size_t page = m->page ? m->page : 1;
    if (m->n_order == 0) {
        m->cursor = m->top = 0;
        return;
    }
    if (m->cursor >= m->n_order)
        m->cursor = m->n_order - 1;
    if (m->top > m->cursor)
        m->top = m->cursor;
    if (m->cursor >= m->top + page)
        m->top = m->cursor - page + 1;
    /* No blank space below the last row when the view could be full. */
    if (m->n_order <= page)
        m->top = 0;
    else if (m->top > m->n_order - page)
        m->top = m->n_order - page;
}

/* Remember the cursor row's key and keep it on screen. */
static void cursor_moved(pn_listmodel *m)
{
    keep_cursor_visible(m);
    size_t row = pn_listmodel_cursor_row(m);
    set_str(&m->cursor_key, row == SIZE_MAX ? NULL : row_key(m, row));
}

static size_t find_visible_key(const pn_listmodel *m, const char *key)
{
    for (size_t i = 0; i < m->n_order; i++)
        if (strcmp(row_key(m, m->order[i]), key) == 0)
            return i;
    return SIZE_MAX;
}

/* One pass over the source: stamp the marks whose rows exist with a new
 * epoch (collecting their keys in source order when out is given), then drop
 * the rest. Returns how many marks remain. */
static size_t sweep_marks(pn_listmodel *m, const char **out)
{
    struct pn_keyset *ks = m->marks;
    if (ks->n == 0)
        return 0;
    ks->epoch++;
    size_t total = source_count(m), found = 0;
    for (size_t r = 0; r < total && found < ks->n; r++) {
        const char *k = row_key(m, r);
        size_t i = ks_find(ks, k, key_hash(k));
        if (i == SIZE_MAX || ks->slots[i].seen == ks->epoch)
            continue;                       /* unmarked, or a duplicate key */
        ks->slots[i].seen = ks->epoch;
        if (out)
            out[found] = ks->slots[i].key;
        found++;
    }
    ks_keep_seen(ks);
    return found;
}

/* ---- sorting ---------------------------------------------------------- */

typedef struct sorter {
    const pn_list_source *src;
    int col;
    bool reverse;
} sorter;

static int sort_cmp(const sorter *s, uint32_t a, uint32_t b)
{
    int c = s->src->compare(s->src->ctx, a, b, s->col);
    return s->reverse ? -c : c;
}

#define SORT_RUN 32

static void insertion_sort(const sorter *s, uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > 0 && sort_cmp(s, v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Stable bottom-up merge sort: runs of SORT_RUN by insertion, then merges
 * that alternate between v and a scratch buffer. */
static void stable_sort(const sorter *s, uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i += SORT_RUN)
        insertion_sort(s, v + i, n - i < SORT_RUN ? n - i : SORT_RUN);
    if (n <= SORT_RUN)
        return;
    uint32_t *tmp = pn_malloc(n * sizeof(*tmp));
    uint32_t *from = v, *to = tmp;
    for (size_t width = SORT_RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = sort_cmp(s, from[j], from[i]) < 0 ? from[j++] : from[i++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        uint32_t *t = from;
        from = to;
        to = t;
    }
    if (from != v)
        memcpy(v, from, n * sizeof(*v));
    free(tmp);
}

/* ---- life cycle ------------------------------------------------------- */

void pn_listmodel_init(pn_listmodel *m, const pn_list_source *src, const pn_column *cols, int ncols)
{
    memset(m, 0, sizeof(*m));
    m->src = src;
    m->cols = cols;
    m->ncols = ncols;
    m->col_visible = pn_calloc(ncols > 0 ? (size_t)ncols : 1, sizeof(bool));
    for (int i = 0; i < ncols; i++)
        m->col_visible[i] = cols[i].visible;
    m->sort_col = -1;
    m->marks = pn_calloc(1, sizeof(*m->marks));
    pn_listmodel_rebuild(m);
}

void pn_listmodel_init_copy(pn_listmodel *m, const pn_list_source *src, const pn_column *cols,
                            int ncols)
{
    size_t n = ncols > 0 ? (size_t)ncols : 1;
    pn_column *copy = pn_malloc(n * sizeof(*copy));
    memcpy(copy, cols, (size_t)(ncols > 0 ? ncols : 0) * sizeof(*copy));
    pn_listmodel_init(m, src, copy, ncols);
    m->own_cols = copy;
}

void pn_listmodel_free(pn_listmodel *m)
{
    free(m->own_cols);
    free(m->col_visible);
    free(m->order);
    if (m->marks) {
        ks_clear(m->marks);
        free(m->marks);
    }
    free(m->cursor_key);
    free(m->range_anchor);
    memset(m, 0, sizeof(*m));
}

void pn_listmodel_rebuild(pn_listmodel *m)
{
    size_t total = source_count(m);
    if (total > m->cap_order) {
        free(m->order);
        m->order = pn_malloc(total * sizeof(*m->order));
        m->cap_order = total;
    }
    m->total = total;
    size_t n = 0;
    bool filtering = m->filter && m->src->match;
    for (size_t r = 0; r < total; r++)
        if (!filtering || m->src->match(m->src->ctx, r, m->filter))
            m->order[n++] = (uint32_t)r;
    m->n_order = n;

    if (m->sort_col >= 0 && m->sort_col < m->ncols && m->src->compare) {
        sorter s = {m->src, m->sort_col, m->sort_reverse};
        stable_sort(&s, m->order, n);
    }

    sweep_marks(m, NULL);

    if (m->cursor_key) {
        size_t at = find_visible_key(m, m->cursor_key);
        if (at != SIZE_MAX)
            m->cursor = at;
    }
    cursor_moved(m);
}

void pn_listmodel_set_filter(pn_listmodel *m, const void *filter)
{
    m->filter = filter;
    pn_listmodel_rebuild(m);
}

void pn_listmodel_sort(pn_listmodel *m, int col, bool reverse)
{
    if (col < -1 || col >= m->ncols || (col >= 0 && !m->cols[col].sortable))
        return;
    m->sort_col = col;
    m->sort_reverse = col >= 0 && reverse;
    pn_listmodel_rebuild(m);
}

void pn_listmodel_sort_next(pn_listmodel *m)
{
    for (int step = 1; step <= m->ncols; step++) {
        int c = ((m->sort_col < 0 ? -1 : m->sort_col) + step) % m->ncols;
        if (m->cols[c].sortable && m->col_visible[c]) {
            pn_listmodel_sort(m, c, false);
            return;
        }
    }
}

int pn_listmodel_col_by_id(const pn_listmodel *m, const char *id)
{
    for (int i = 0; i < m->ncols; i++)
        if (m->cols[i].id && strcmp(m->cols[i].id, id) == 0)
            return i;
    return -1;
}

bool pn_listmodel_show_column(pn_listmodel *m, const char *id, bool show)
{
    int c = pn_listmodel_col_by_id(m, id);
    if (c < 0)
        return false;
    m->col_visible[c] = show;
    return true;
}

/* ---- cursor ----------------------------------------------------------- */

void pn_listmodel_move(pn_listmodel *m, long delta)
{
    if (m->n_order == 0)
        return;
    size_t last = m->n_order - 1;
    if (delta < 0) {
        size_t back = (size_t)(-(delta + 1)) + 1;
        m->cursor = back >= m->cursor ? 0 : m->cursor - back;
    } else {
        size_t fwd = (size_t)delta;
        m->cursor = fwd >= last - m->cursor ? last : m->cursor + fwd;
    }
    cursor_moved(m);
}

void pn_listmodel_first(pn_listmodel *m)
{
    m->cursor = 0;
    cursor_moved(m);
}

void pn_listmodel_last(pn_listmodel *m)
{
    m->cursor = m->n_order ? m->n_order - 1 : 0;
    cursor_moved(m);
}

void pn_listmodel_set_page(pn_listmodel *m, size_t rows)
{
    m->page = rows;
    keep_cursor_visible(m);
}

size_t pn_listmodel_cursor_row(const pn_listmodel *m)
{
    if (m->n_order == 0 || m->cursor >= m->n_order)
        return SIZE_MAX;
    return m->order[m->cursor];
}

bool pn_listmodel_goto_key(pn_listmodel *m, const char *key)
{
    size_t at = find_visible_key(m, key);
    if (at == SIZE_MAX)
        return false;
    m->cursor = at;
    cursor_moved(m);
    return true;
}

static bool row_matches(const pn_listmodel *m, size_t row, const char *needle, pn_str *buf)
{
    if (m->src->search)
        return m->src->search(m->src->ctx, row, needle);
    if (!m->src->cell)
        return false;
    for (int c = 0; c < m->ncols; c++) {
        if (!m->col_visible[c])
            continue;
        pn_str_reset(buf);
        const char *text = m->src->cell(m->src->ctx, row, c, buf);
        if (text && strcasestr(text, needle))
            return true;
    }
    return false;
}

bool pn_listmodel_search(pn_listmodel *m, const char *needle, int dir, bool include_cursor)
{
    if (m->n_order == 0 || !needle || !*needle)
        return false;
    size_t n = m->n_order;
    size_t step = dir < 0 ? n - 1 : 1;            /* -1 modulo n */
    size_t i = include_cursor ? m->cursor : (m->cursor + step) % n;
    pn_str buf = PN_STR_INIT;
    bool found = false;
    for (size_t tries = 0; tries < n; tries++, i = (i + step) % n) {
        if (row_matches(m, m->order[i], needle, &buf)) {
            found = true;
            break;
        }
    }
    pn_str_free(&buf);
    if (found) {
        m->cursor = i;
        cursor_moved(m);
    }
    return found;
}

/* ---- marks ------------------------------------------------------------ */

void pn_listmodel_mark_toggle(pn_listmodel *m)
{
    size_t row = pn_listmodel_cursor_row(m);
    if (row == SIZE_MAX)
        return;
    const char *k = row_key(m, row);
    if (!ks_remove(m->marks, k))
        ks_add(m->marks, k);
    set_str(&m->range_anchor, k);
}

void pn_listmodel_mark_range(pn_listmodel *m)
{
    size_t row = pn_listmodel_cursor_row(m);
    if (row == SIZE_MAX)
        return;
    size_t from = m->cursor, to = m->cursor;
    size_t at = m->range_anchor ? find_visible_key(m, m->range_anchor) : SIZE_MAX;
    if (at != SIZE_MAX) {
        from = at < m->cursor ? at : m->cursor;
        to = at < m->cursor ? m->cursor : at;
    }
    ks_reserve(m->marks, to - from + 1);
    for (size_t i = from; i <= to; i++)
        ks_add(m->marks, row_key(m, m->order[i]));
    set_str(&m->range_anchor, row_key(m, row));
}

size_t pn_listmodel_mark_all(pn_listmodel *m)
{
    ks_reserve(m->marks, m->n_order);
    for (size_t i = 0; i < m->n_order; i++)
        ks_add(m->marks, row_key(m, m->order[i]));
    return m->n_order;
}

void pn_listmodel_mark_clear(pn_listmodel *m)
{
    ks_clear(m->marks);
    set_str(&m->range_anchor, NULL);
}

bool pn_listmodel_is_marked(const pn_listmodel *m, size_t row)
{
    if (m->marks->n == 0 || row >= m->total)
        return false;
    const char *k = row_key(m, row);
    return ks_find(m->marks, k, key_hash(k)) != SIZE_MAX;
}

size_t pn_listmodel_mark_count(const pn_listmodel *m)
{
    return m->marks->n;
}

size_t pn_listmodel_marked_keys(pn_listmodel *m, const char ***keys)
{
    *keys = NULL;
    if (m->marks->n == 0)
        return 0;
    const char **out = pn_malloc(m->marks->n * sizeof(*out));
    size_t n = sweep_marks(m, out);
    if (n == 0) {
        free(out);
        out = NULL;
    }
    *keys = out;
    return n;
}

size_t pn_listmodel_hidden(const pn_listmodel *m)
{
    return m->total - m->n_order;
}

/* ---- layout ----------------------------------------------------------- */

static bool can_grow(const pn_column *c, int w)
{
    return c->weight > 0 && (c->max_width <= 0 || w < c->max_width);
}

int pn_listmodel_layout(const pn_listmodel *m, int width, int *widths)
{
    int used = 0, shown = 0;
    bool full = false;
    for (int i = 0; i < m->ncols; i++) {
        widths[i] = 0;
        if (!m->col_visible[i] || full)
            continue;
        const pn_column *c = &m->cols[i];
        int w = c->min_width > 0 ? c->min_width : 1;
        int need = w + (shown ? 1 : 0);
        if (used + need > width) {
            full = true;           /* drop this one and everything right of it */
            continue;
        }
        widths[i] = w;
        used += need;
        shown++;
    }

    int spare = width - used;
    while (spare > 0) {
        long wsum = 0;
        for (int i = 0; i < m->ncols; i++)
            if (widths[i] && can_grow(&m->cols[i], widths[i]))
                wsum += m->cols[i].weight;
        if (wsum == 0)
            break;
        int pool = spare, given = 0;
        for (int i = 0; i < m->ncols; i++) {
            const pn_column *c = &m->cols[i];
            if (!widths[i] || !can_grow(c, widths[i]))
                continue;
            int g = (int)((long)pool * c->weight / wsum);
            if (c->max_width > 0 && g > c->max_width - widths[i])
                g = c->max_width - widths[i];
            widths[i] += g;
            given += g;
        }
        spare -= given;
        if (given == 0) {
            /* Rounding left less than one column per share: hand them out
             * one at a time from the left. */
            for (int i = 0; i < m->ncols && spare > 0; i++) {
                if (widths[i] && can_grow(&m->cols[i], widths[i])) {
                    widths[i]++;
                    spare--;
                }
            }
        }
    }
    return shown;
}
