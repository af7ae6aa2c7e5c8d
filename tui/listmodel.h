/* listmodel.h - the curses-free heart of the one list widget every screen uses.
 *
 * The rows live in the screen (a queue listing, log lines, domains); the
 * model keeps only a view over them: which rows pass the filter, in which
 * order, where the cursor and the top row are, and which rows are marked.
 * Marks and the cursor are keyed by each row's stable key (queue ID,
 * address), so they survive a refresh that reorders, adds or removes rows.
 * Rows are only ever touched on demand through the source callbacks, so a
 * million rows cost an index array, never a rendering.
 *
 * Filtering is the screen's business (it owns the filter language): the
 * model calls src->match with the compiled filter the screen gave it. */
#ifndef PN_LISTMODEL_H
#define PN_LISTMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

typedef enum pn_align { PN_ALIGN_LEFT, PN_ALIGN_RIGHT } pn_align;

typedef struct pn_column {
    const char *id;        /* "qid", "age": used by `sort COL` and `columns` */
    const char *header;    /* "QUEUE ID" */
    int min_width;         /* columns it needs */
    int max_width;         /* 0: no maximum */
    int weight;            /* share of spare width (0: fixed at min_width) */
    pn_align align;
    bool sortable;
    bool visible;          /* default visibility */
} pn_column;

typedef struct pn_list_source {
    void *ctx;
    size_t (*count)(void *ctx);
    /* Stable key of row i (valid until the next refresh of the rows). */
    const char *(*key)(void *ctx, size_t row);
    /* Cell text (unsanitised is fine: drawing sanitises). Write into buf if
     * needed and return it, or return a pointer owned by the source. */
    const char *(*cell)(void *ctx, size_t row, int col, pn_str *buf);
    /* Compare rows a and b on column col (<0, 0, >0), ascending. */
    int (*compare)(void *ctx, size_t a, size_t b, int col);
    /* Does row pass the compiled filter? NULL filter never reaches here. */
    bool (*match)(void *ctx, size_t row, const void *filter);
    /* Search hit for `/`-less incremental search (substring; may be NULL to
     * use the visible cells). */
    bool (*search)(void *ctx, size_t row, const char *needle);
    /* Theme role of the row (tui/theme.h), e.g. hold -> PN_ROLE_ROW_HOLD. */
    int (*role)(void *ctx, size_t row);
} pn_list_source;

typedef struct pn_listmodel {
    const pn_list_source *src;
    const pn_column *cols;
    int ncols;
    bool *col_visible;         /* per column, user's choice */
    /* view */
    uint32_t *order;           /* visible rows (source indices), in display order */
    size_t n_order, cap_order;
    size_t total;              /* rows in the source */
    size_t cursor;             /* index into order */
    size_t top;                /* first displayed index into order */
    size_t page;               /* rows per page (set by the widget on layout) */
    int sort_col;              /* -1: source order */
    bool sort_reverse;
    const void *filter;        /* compiled filter or NULL */
    /* marks, by row key */
    struct pn_keyset *marks;
    char *cursor_key;          /* key of the cursor row, kept across rebuilds */
    char *range_anchor;        /* key of the last marked row (mark-range) */
    pn_column *own_cols;       /* the private copy of pn_listmodel_init_copy */
} pn_listmodel;

/* init builds the first view (it calls src->count, so the source must be
 * usable, possibly empty). */
void pn_listmodel_init(pn_listmodel *m, const pn_list_source *src, const pn_column *cols, int ncols);
/* Same, with a private copy of the columns that the screen may change
 * (a width fitted to the data, a header naming the grouping): own_cols,
 * freed by pn_listmodel_free. */
void pn_listmodel_init_copy(pn_listmodel *m, const pn_list_source *src, const pn_column *cols,
                            int ncols);
void pn_listmodel_free(pn_listmodel *m);
/* Recompute order (filter, then stable sort) after the rows, the filter or
 * the sort changed; the cursor stays on the same key if it is still there,
 * else on the nearest position. */
void pn_listmodel_rebuild(pn_listmodel *m);
void pn_listmodel_set_filter(pn_listmodel *m, const void *filter);   /* then rebuild */
/* col -1: source order; an unknown or unsortable column is ignored. Rows
 * that compare equal keep their source order in both directions. */
void pn_listmodel_sort(pn_listmodel *m, int col, bool reverse);      /* then rebuild */
/* Cycle to the next sortable visible column (sort with no argument). */
void pn_listmodel_sort_next(pn_listmodel *m);
int pn_listmodel_col_by_id(const pn_listmodel *m, const char *id);

/* Cursor movement; all clamp and keep the cursor visible. */
void pn_listmodel_move(pn_listmodel *m, long delta);
void pn_listmodel_first(pn_listmodel *m);
void pn_listmodel_last(pn_listmodel *m);
void pn_listmodel_set_page(pn_listmodel *m, size_t rows);
/* Source row under the cursor, or SIZE_MAX when the view is empty. */
size_t pn_listmodel_cursor_row(const pn_listmodel *m);
/* Move the cursor to the row with this key; false if it is not visible. */
bool pn_listmodel_goto_key(pn_listmodel *m, const char *key);
/* Incremental search from the cursor (dir +1/-1, wrapping); true if found. */
bool pn_listmodel_search(pn_listmodel *m, const char *needle, int dir, bool include_cursor);

/* Marks. */
/* Toggling makes the cursor row the range anchor; mark_range marks every
 * visible row from the anchor to the cursor (just the cursor row when the
 * anchor is gone or filtered out) and moves the anchor to the cursor.
 * mark_all returns the number of visible rows (all now marked). Marks of
 * rows that left the source are dropped at the next rebuild. */
void pn_listmodel_mark_toggle(pn_listmodel *m);            /* cursor row */
void pn_listmodel_mark_range(pn_listmodel *m);             /* anchor .. cursor */
size_t pn_listmodel_mark_all(pn_listmodel *m);             /* every visible row */
void pn_listmodel_mark_clear(pn_listmodel *m);
bool pn_listmodel_is_marked(const pn_listmodel *m, size_t row);
size_t pn_listmodel_mark_count(const pn_listmodel *m);
/* Keys of marked rows that are still present in the source, in source order
 * (marks of rows that vanished are dropped here). Caller frees the array,
 * not the strings (they stay valid until the marks change). *keys is NULL
 * when the result is 0. */
size_t pn_listmodel_marked_keys(pn_listmodel *m, const char ***keys);

size_t pn_listmodel_hidden(const pn_listmodel *m);   /* rows the filter hides */

/* Column widths for a total width: min widths first, spare width shared by
 * weight, columns that do not fit are dropped from the right. widths[i] = 0
 * for hidden columns. Returns the number of columns shown. Shown columns are
 * separated by one blank column (not counted in widths[]): the widths plus
 * (shown - 1) never exceed width. */
int pn_listmodel_layout(const pn_listmodel *m, int width, int *widths);
/* Show or hide a column by id (the `columns` command); false for an unknown
 * id. Takes effect at the next layout (search looks at shown columns). */
bool pn_listmodel_show_column(pn_listmodel *m, const char *id, bool show);

#endif
