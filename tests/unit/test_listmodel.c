/* test_listmodel.c - unit tests of the list model (tui/listmodel.c) over a
 * small fake source: sorting and its stability, filtering and the hidden
 * count, the cursor and marks across refreshes, ranges, search, column
 * layout, paging, an empty source, and a million-row smoke run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listmodel.h"
#include "util/mem.h"

/* ---- fake source ------------------------------------------------------- */

typedef struct row {
    const char *key;
    const char *from;
    int size;
    int age;
} row;

typedef struct fake {
    const row *rows;
    size_t n;
    int match_calls;
} fake;

typedef struct size_filter {
    int min_size;
} size_filter;

enum { COL_QID, COL_FROM, COL_SIZE, COL_AGE, NCOLS };

static size_t fake_count(void *ctx)
{
    return ((fake *)ctx)->n;
}

static const char *fake_key(void *ctx, size_t r)
{
    return ((fake *)ctx)->rows[r].key;
}

static const char *fake_cell(void *ctx, size_t r, int col, pn_str *buf)
{
    const row *x = &((fake *)ctx)->rows[r];
    switch (col) {
    case COL_QID: return x->key;
    case COL_FROM: return x->from;
    case COL_SIZE: pn_str_appendf(buf, "%d", x->size); return pn_str_cstr(buf);
    default: pn_str_appendf(buf, "%dm", x->age); return pn_str_cstr(buf);
    }
}

static int cmp_int(int a, int b)
{
    return a < b ? -1 : a > b;
}

static int fake_compare(void *ctx, size_t a, size_t b, int col)
{
    const row *x = &((fake *)ctx)->rows[a], *y = &((fake *)ctx)->rows[b];
    switch (col) {
    case COL_QID: return strcmp(x->key, y->key);
    case COL_FROM: return strcmp(x->from, y->from);
    case COL_SIZE: return cmp_int(x->size, y->size);
    default: return cmp_int(x->age, y->age);
    }
}

static bool fake_match(void *ctx, size_t r, const void *filter)
{
    fake *f = ctx;
    f->match_calls++;
    return f->rows[r].size >= ((const size_filter *)filter)->min_size;
}

static const pn_column columns[NCOLS] = {
    {"qid", "QUEUE ID", 10, 12, 0, PN_ALIGN_LEFT, true, true},
    {"from", "FROM", 10, 0, 3, PN_ALIGN_LEFT, true, true},
    {"size", "SIZE", 5, 8, 1, PN_ALIGN_RIGHT, true, true},
    {"age", "AGE", 4, 0, 0, PN_ALIGN_RIGHT, false, true},
};

static const row base_rows[] = {
    {"A1", "alice@example.org", 300, 5},
    {"B2", "bob@example.net", 100, 9},
    {"C3", "carol@example.com", 300, 1},
    {"D4", "dave@example.org", 200, 5},
    {"E5", "erin@example.net", 100, 2},
    {"F6", "frank@example.com", 300, 7},
};
#define NBASE (sizeof(base_rows) / sizeof(base_rows[0]))

static pn_list_source source_for(fake *f)
{
    pn_list_source s = {
        .ctx = f, .count = fake_count, .key = fake_key, .cell = fake_cell,
        .compare = fake_compare, .match = fake_match, .search = NULL, .role = NULL,
    };
    return s;
}

/* The visible keys, in order, joined with spaces. */
static char *view(const pn_listmodel *m)
{
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < m->n_order; i++) {
        if (i)
            pn_str_append(&s, " ");
        pn_str_append(&s, m->src->key(m->src->ctx, m->order[i]));
    }
    return pn_str_steal(&s);
}

#define assert_view(m, expected) do {             \
        char *v_ = view(m);                        \
        assert_string_equal(v_, expected);         \
        free(v_);                                  \
    } while (0)

static const char *cursor_key(const pn_listmodel *m)
{
    size_t r = pn_listmodel_cursor_row(m);
    return r == SIZE_MAX ? "(none)" : m->src->key(m->src->ctx, r);
}

/* ---- tests -------------------------------------------------------------- */

static void test_sort_every_column_both_ways_stable(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    assert_view(&m, "A1 B2 C3 D4 E5 F6");
    assert_int_equal(m.sort_col, -1);

    pn_listmodel_sort(&m, COL_QID, true);
    assert_view(&m, "F6 E5 D4 C3 B2 A1");
    pn_listmodel_sort(&m, COL_FROM, false);
    assert_view(&m, "A1 B2 C3 D4 E5 F6");
    pn_listmodel_sort(&m, COL_FROM, true);
    assert_view(&m, "F6 E5 D4 C3 B2 A1");
    /* Ties keep source order in both directions. */
    pn_listmodel_sort(&m, COL_SIZE, false);
    assert_view(&m, "B2 E5 D4 A1 C3 F6");
    pn_listmodel_sort(&m, COL_SIZE, true);
    assert_view(&m, "A1 C3 F6 D4 B2 E5");
    /* age is not sortable: ignored, order unchanged. */
    pn_listmodel_sort(&m, COL_AGE, false);
    assert_int_equal(m.sort_col, COL_SIZE);
    assert_view(&m, "A1 C3 F6 D4 B2 E5");
    pn_listmodel_sort(&m, 99, false);
    assert_int_equal(m.sort_col, COL_SIZE);
    pn_listmodel_sort(&m, -1, true);
    assert_view(&m, "A1 B2 C3 D4 E5 F6");
    assert_false(m.sort_reverse);

    /* sort_next cycles through sortable, shown columns. */
    pn_listmodel_sort_next(&m);
    assert_int_equal(m.sort_col, COL_QID);
    assert_true(pn_listmodel_show_column(&m, "from", false));
    pn_listmodel_sort_next(&m);
    assert_int_equal(m.sort_col, COL_SIZE);
    pn_listmodel_sort_next(&m);                    /* age unsortable: wraps */
    assert_int_equal(m.sort_col, COL_QID);
    assert_false(pn_listmodel_show_column(&m, "nope", true));
    assert_int_equal(pn_listmodel_col_by_id(&m, "size"), COL_SIZE);
    assert_int_equal(pn_listmodel_col_by_id(&m, "nope"), -1);
    pn_listmodel_free(&m);
}

static void test_sort_is_stable_on_many_ties(void **state)
{
    (void)state;
    /* 1000 rows with 3 distinct sizes: exercises the merge passes. */
    enum { N = 1000 };
    row *rows = pn_calloc(N, sizeof(*rows));
    char (*keys)[8] = pn_calloc(N, sizeof(*keys));
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%04d", i);
        rows[i] = (row){keys[i], "x", (i * 7) % 3, 0};
    }
    fake f = {rows, N, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    for (int rev = 0; rev < 2; rev++) {
        pn_listmodel_sort(&m, COL_SIZE, rev);
        for (size_t i = 1; i < m.n_order; i++) {
            const row *a = &rows[m.order[i - 1]], *b = &rows[m.order[i]];
            if (a->size == b->size)
                assert_true(m.order[i - 1] < m.order[i]);
            else
                assert_true(rev ? a->size > b->size : a->size < b->size);
        }
    }
    pn_listmodel_free(&m);
    free(rows);
    free(keys);
}

static void test_filter_and_hidden_count(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    assert_int_equal(f.match_calls, 0);             /* no filter: match never called */
    size_filter big = {200};
    pn_listmodel_set_filter(&m, &big);
    assert_view(&m, "A1 C3 D4 F6");
    assert_int_equal(m.total, 6);
    assert_int_equal(pn_listmodel_hidden(&m), 2);
    pn_listmodel_sort(&m, COL_SIZE, false);         /* filter, then sort */
    assert_view(&m, "D4 A1 C3 F6");
    size_filter none = {1000};
    pn_listmodel_set_filter(&m, &none);
    assert_int_equal(m.n_order, 0);
    assert_int_equal(pn_listmodel_hidden(&m), 6);
    assert_int_equal(pn_listmodel_cursor_row(&m), SIZE_MAX);
    pn_listmodel_set_filter(&m, NULL);
    assert_int_equal(pn_listmodel_hidden(&m), 0);
    assert_int_equal(m.n_order, 6);
    pn_listmodel_free(&m);
}

static void test_cursor_follows_key_across_refresh(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    assert_string_equal(cursor_key(&m), "A1");
    pn_listmodel_move(&m, 3);
    assert_string_equal(cursor_key(&m), "D4");
    assert_true(pn_listmodel_goto_key(&m, "C3"));
    assert_int_equal(m.cursor, 2);
    assert_false(pn_listmodel_goto_key(&m, "ZZ"));
    assert_string_equal(cursor_key(&m), "C3");

    /* Refresh: rows reordered, B2 gone, a new row first. */
    static const row refreshed[] = {
        {"G7", "gina@example.org", 50, 0},
        {"F6", "frank@example.com", 300, 8},
        {"E5", "erin@example.net", 100, 3},
        {"D4", "dave@example.org", 200, 6},
        {"C3", "carol@example.com", 300, 2},
        {"A1", "alice@example.org", 300, 6},
    };
    f.rows = refreshed;
    f.n = 6;
    pn_listmodel_rebuild(&m);
    assert_string_equal(cursor_key(&m), "C3");
    assert_int_equal(m.cursor, 4);

    /* The cursor row vanishes: the cursor stays at its position. */
    static const row fewer[] = {
        {"G7", "gina@example.org", 50, 0},
        {"F6", "frank@example.com", 300, 8},
        {"E5", "erin@example.net", 100, 3},
        {"D4", "dave@example.org", 200, 6},
        {"A1", "alice@example.org", 300, 6},
    };
    f.rows = fewer;
    f.n = 5;
    pn_listmodel_rebuild(&m);
    assert_int_equal(m.cursor, 4);
    assert_string_equal(cursor_key(&m), "A1");
    /* ...or at the nearest one when the view got shorter. */
    f.n = 2;
    pn_listmodel_rebuild(&m);
    assert_int_equal(m.cursor, 1);
    assert_string_equal(cursor_key(&m), "F6");
    /* Filtering the cursor row away behaves the same. */
    size_filter big = {200};
    f.rows = refreshed;
    f.n = 6;
    pn_listmodel_rebuild(&m);
    assert_true(pn_listmodel_goto_key(&m, "E5"));
    pn_listmodel_set_filter(&m, &big);
    assert_view(&m, "F6 D4 C3 A1");
    assert_int_equal(m.cursor, 2);
    /* Moves clamp. */
    pn_listmodel_move(&m, -100);
    assert_int_equal(m.cursor, 0);
    pn_listmodel_move(&m, 100);
    assert_int_equal(m.cursor, 3);
    pn_listmodel_move(&m, -1);
    assert_int_equal(m.cursor, 2);
    pn_listmodel_first(&m);
    assert_string_equal(cursor_key(&m), "F6");
    pn_listmodel_last(&m);
    assert_string_equal(cursor_key(&m), "A1");
    pn_listmodel_free(&m);
}

static void test_marks_survive_refresh(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    pn_listmodel_mark_toggle(&m);                   /* A1 */
    pn_listmodel_move(&m, 1);
    pn_listmodel_mark_toggle(&m);                   /* B2 */
    pn_listmodel_move(&m, 3);
    pn_listmodel_mark_toggle(&m);                   /* E5 */
    pn_listmodel_mark_toggle(&m);                   /* E5 again: unmarked */
    pn_listmodel_mark_toggle(&m);                   /* and marked */
    assert_int_equal(pn_listmodel_mark_count(&m), 3);
    assert_true(pn_listmodel_is_marked(&m, 0));
    assert_true(pn_listmodel_is_marked(&m, 1));
    assert_false(pn_listmodel_is_marked(&m, 2));
    assert_false(pn_listmodel_is_marked(&m, 99));

    static const row refreshed[] = {
        {"E5", "erin@example.net", 100, 3},
        {"D4", "dave@example.org", 200, 6},
        {"A1", "alice@example.org", 300, 6},
        {"H8", "hal@example.org", 1, 0},
    };
    /* Marks still held before the rebuild; marked_keys already drops B2. */
    f.rows = refreshed;
    f.n = 4;
    const char **keys;
    size_t n = pn_listmodel_marked_keys(&m, &keys);
    assert_int_equal(n, 2);
    assert_string_equal(keys[0], "E5");            /* source order */
    assert_string_equal(keys[1], "A1");
    free(keys);
    assert_int_equal(pn_listmodel_mark_count(&m), 2);
    pn_listmodel_rebuild(&m);
    assert_true(pn_listmodel_is_marked(&m, 0));
    assert_false(pn_listmodel_is_marked(&m, 1));
    assert_true(pn_listmodel_is_marked(&m, 2));
    assert_false(pn_listmodel_is_marked(&m, 3));

    /* A rebuild alone drops vanished marks too. */
    static const row only_d[] = {{"D4", "dave@example.org", 200, 6}};
    f.rows = only_d;
    f.n = 1;
    pn_listmodel_rebuild(&m);
    assert_int_equal(pn_listmodel_mark_count(&m), 0);
    n = pn_listmodel_marked_keys(&m, &keys);
    assert_int_equal(n, 0);
    assert_null(keys);

    /* A filter hides marked rows but keeps their marks. */
    f.rows = base_rows;
    f.n = NBASE;
    pn_listmodel_rebuild(&m);
    pn_listmodel_first(&m);
    pn_listmodel_mark_toggle(&m);                   /* A1 (size 300) */
    pn_listmodel_move(&m, 1);
    pn_listmodel_mark_toggle(&m);                   /* B2 (size 100) */
    size_filter big = {200};
    pn_listmodel_set_filter(&m, &big);
    assert_int_equal(pn_listmodel_mark_count(&m), 2);
    n = pn_listmodel_marked_keys(&m, &keys);
    assert_int_equal(n, 2);
    free(keys);
    pn_listmodel_mark_clear(&m);
    assert_int_equal(pn_listmodel_mark_count(&m), 0);
    assert_null(m.range_anchor);
    pn_listmodel_free(&m);
}

static void test_mark_range(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    pn_listmodel_move(&m, 1);
    pn_listmodel_mark_toggle(&m);                   /* anchor B2 */
    pn_listmodel_move(&m, 2);
    pn_listmodel_mark_range(&m);                    /* B2..D4 */
    assert_int_equal(pn_listmodel_mark_count(&m), 3);
    assert_true(pn_listmodel_is_marked(&m, 2));
    assert_string_equal(m.range_anchor, "D4");
    /* Upwards from the new anchor. */
    pn_listmodel_sort(&m, COL_QID, true);           /* F6 E5 D4 C3 B2 A1 */
    pn_listmodel_first(&m);                         /* F6 */
    pn_listmodel_mark_range(&m);                    /* D4..F6 */
    assert_int_equal(pn_listmodel_mark_count(&m), 5);
    assert_false(pn_listmodel_is_marked(&m, 0));
    /* Anchor gone: only the cursor row. */
    pn_listmodel_mark_clear(&m);
    pn_listmodel_move(&m, 1);                       /* E5 */
    pn_listmodel_mark_range(&m);
    assert_int_equal(pn_listmodel_mark_count(&m), 1);
    assert_true(pn_listmodel_is_marked(&m, 4));
    free(m.range_anchor);
    m.range_anchor = pn_strdup("ZZ");               /* vanished anchor */
    pn_listmodel_move(&m, 1);                       /* D4 */
    pn_listmodel_mark_range(&m);
    assert_int_equal(pn_listmodel_mark_count(&m), 2);
    pn_listmodel_free(&m);
}

static void test_mark_all_with_filter(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    size_filter big = {250};
    pn_listmodel_set_filter(&m, &big);
    assert_int_equal(pn_listmodel_mark_all(&m), 3);  /* A1 C3 F6 */
    assert_int_equal(pn_listmodel_mark_count(&m), 3);
    pn_listmodel_set_filter(&m, NULL);
    assert_true(pn_listmodel_is_marked(&m, 0));
    assert_false(pn_listmodel_is_marked(&m, 1));
    assert_true(pn_listmodel_is_marked(&m, 2));
    assert_false(pn_listmodel_is_marked(&m, 3));
    assert_true(pn_listmodel_is_marked(&m, 5));
    assert_int_equal(pn_listmodel_mark_all(&m), 6);
    assert_int_equal(pn_listmodel_mark_count(&m), 6);
    pn_listmodel_free(&m);
}

static bool size_search(void *ctx, size_t r, const char *needle)
{
    return ((fake *)ctx)->rows[r].size == atoi(needle);
}

static void test_search_wraps_both_ways(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    /* Cells: case-insensitive substring on shown columns. */
    assert_true(pn_listmodel_search(&m, "EXAMPLE.NET", 1, true));
    assert_string_equal(cursor_key(&m), "B2");
    assert_true(pn_listmodel_search(&m, "example.net", 1, true));   /* stays */
    assert_string_equal(cursor_key(&m), "B2");
    assert_true(pn_listmodel_search(&m, "example.net", 1, false));
    assert_string_equal(cursor_key(&m), "E5");
    assert_true(pn_listmodel_search(&m, "example.net", 1, false));  /* wraps */
    assert_string_equal(cursor_key(&m), "B2");
    assert_true(pn_listmodel_search(&m, "example.net", -1, false)); /* wraps back */
    assert_string_equal(cursor_key(&m), "E5");
    assert_true(pn_listmodel_search(&m, "a1", -1, false));
    assert_string_equal(cursor_key(&m), "A1");
    assert_true(pn_listmodel_search(&m, "200", 1, false));          /* size cell */
    assert_string_equal(cursor_key(&m), "D4");
    assert_false(pn_listmodel_search(&m, "nobody", 1, false));
    assert_string_equal(cursor_key(&m), "D4");
    assert_false(pn_listmodel_search(&m, "", 1, false));
    /* Hidden columns are not searched. */
    pn_listmodel_show_column(&m, "from", false);
    assert_false(pn_listmodel_search(&m, "frank", 1, true));
    pn_listmodel_show_column(&m, "from", true);
    assert_true(pn_listmodel_search(&m, "frank", 1, true));
    assert_string_equal(cursor_key(&m), "F6");
    /* With the source's own search. */
    src.search = size_search;
    assert_true(pn_listmodel_search(&m, "100", 1, false));
    assert_string_equal(cursor_key(&m), "B2");
    assert_true(pn_listmodel_search(&m, "100", -1, false));
    assert_string_equal(cursor_key(&m), "E5");
    pn_listmodel_free(&m);
}

static int sum_with_separators(const int *w, int n)
{
    int total = 0, shown = 0;
    for (int i = 0; i < n; i++) {
        if (w[i]) {
            total += w[i];
            shown++;
        }
    }
    return shown ? total + shown - 1 : 0;
}

static void test_layout(void **state)
{
    (void)state;
    fake f = {base_rows, NBASE, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    int w[NCOLS];
    /* 80: mins 10+10+5+4 + 3 separators = 32, spare 48 by weight 3:1 (size
     * capped at 8 -> from takes the rest). */
    assert_int_equal(pn_listmodel_layout(&m, 80, w), 4);
    assert_int_equal(w[COL_QID], 10);          /* weight 0: fixed */
    assert_int_equal(w[COL_SIZE], 8);          /* max_width */
    assert_int_equal(w[COL_AGE], 4);
    assert_int_equal(w[COL_FROM], 80 - 3 - 10 - 8 - 4);
    assert_int_equal(sum_with_separators(w, NCOLS), 80);
    /* 200: the same shape, from grows without a maximum. */
    assert_int_equal(pn_listmodel_layout(&m, 200, w), 4);
    assert_int_equal(w[COL_FROM], 200 - 3 - 10 - 8 - 4);
    assert_int_equal(sum_with_separators(w, NCOLS), 200);
    /* 30: qid 10 + 1 + from 10 + 1 + size 5 = 27; age (4 + 1) does not fit. */
    assert_int_equal(pn_listmodel_layout(&m, 30, w), 3);
    assert_int_equal(w[COL_AGE], 0);
    assert_int_equal(w[COL_QID], 10);
    assert_int_equal(w[COL_FROM] + w[COL_SIZE], 30 - 2 - 10);
    assert_int_equal(w[COL_FROM], 13);         /* 3 spare: 3/4 -> 2, 1/4 -> 0, leftover 1 */
    assert_int_equal(w[COL_SIZE], 5);          /* to the leftmost growable column */
    assert_true(sum_with_separators(w, NCOLS) <= 30);
    /* 15: only qid fits; everything right of the first misfit is dropped. */
    assert_int_equal(pn_listmodel_layout(&m, 15, w), 1);
    assert_int_equal(w[COL_QID], 10);          /* weight 0: the rest stays blank */
    assert_int_equal(w[COL_FROM] + w[COL_SIZE] + w[COL_AGE], 0);
    assert_int_equal(pn_listmodel_layout(&m, 5, w), 0);
    /* Hidden columns get 0 and free their width. */
    pn_listmodel_show_column(&m, "from", false);
    assert_int_equal(pn_listmodel_layout(&m, 30, w), 3);
    assert_int_equal(w[COL_FROM], 0);
    assert_int_equal(w[COL_SIZE], 8);          /* the only weighted column, capped */
    assert_int_equal(w[COL_AGE], 4);
    pn_listmodel_free(&m);

    /* Weights share in proportion. */
    static const pn_column even[] = {
        {"a", "A", 4, 0, 1, PN_ALIGN_LEFT, true, true},
        {"b", "B", 4, 0, 3, PN_ALIGN_LEFT, true, true},
    };
    pn_listmodel_init(&m, &src, even, 2);
    int w2[2];
    assert_int_equal(pn_listmodel_layout(&m, 49, w2), 2);
    assert_int_equal(w2[0], 4 + 10);
    assert_int_equal(w2[1], 4 + 30);
    pn_listmodel_free(&m);
}

static void test_page_keeps_cursor_visible(void **state)
{
    (void)state;
    enum { N = 100 };
    row *rows = pn_calloc(N, sizeof(*rows));
    char (*keys)[8] = pn_calloc(N, sizeof(*keys));
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "r%02d", i);
        rows[i] = (row){keys[i], "x", i, 0};
    }
    fake f = {rows, N, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    pn_listmodel_set_page(&m, 10);
    assert_int_equal(m.top, 0);
    pn_listmodel_move(&m, 9);
    assert_int_equal(m.top, 0);
    pn_listmodel_move(&m, 1);
    assert_int_equal(m.cursor, 10);
    assert_int_equal(m.top, 1);
    pn_listmodel_move(&m, 25);                      /* a page down and more */
    assert_int_equal(m.top, 26);
    pn_listmodel_move(&m, -5);                      /* inside the page: top stays */
    assert_int_equal(m.top, 26);
    pn_listmodel_move(&m, -10);
    assert_int_equal(m.cursor, 20);
    assert_int_equal(m.top, 20);
    pn_listmodel_last(&m);
    assert_int_equal(m.top, 90);
    pn_listmodel_set_page(&m, 4);                   /* window shrank */
    assert_int_equal(m.top, 96);
    pn_listmodel_set_page(&m, 30);                  /* grew: no blank rows below */
    assert_int_equal(m.top, 70);
    size_filter few = {95};                         /* 5 rows left */
    pn_listmodel_set_filter(&m, &few);
    assert_int_equal(m.top, 0);
    assert_int_equal(m.cursor, 4);
    assert_true(m.cursor >= m.top && m.cursor < m.top + m.page);
    pn_listmodel_free(&m);
    free(rows);
    free(keys);
}

static void test_empty_source(void **state)
{
    (void)state;
    fake f = {NULL, 0, 0};
    pn_list_source src = source_for(&f);
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    assert_int_equal(pn_listmodel_cursor_row(&m), SIZE_MAX);
    pn_listmodel_move(&m, 1);
    pn_listmodel_move(&m, -1);
    pn_listmodel_first(&m);
    pn_listmodel_last(&m);
    pn_listmodel_set_page(&m, 10);
    assert_int_equal(pn_listmodel_cursor_row(&m), SIZE_MAX);
    assert_int_equal(m.cursor, 0);
    assert_int_equal(m.top, 0);
    pn_listmodel_mark_toggle(&m);
    pn_listmodel_mark_range(&m);
    assert_int_equal(pn_listmodel_mark_all(&m), 0);
    assert_int_equal(pn_listmodel_mark_count(&m), 0);
    assert_false(pn_listmodel_search(&m, "x", 1, true));
    assert_false(pn_listmodel_goto_key(&m, "x"));
    pn_listmodel_sort(&m, COL_QID, false);
    assert_int_equal(pn_listmodel_hidden(&m), 0);
    const char **keys;
    assert_int_equal(pn_listmodel_marked_keys(&m, &keys), 0);
    assert_null(keys);
    assert_null(m.cursor_key);
    pn_listmodel_free(&m);
}

/* ---- a million rows ---------------------------------------------------- */

typedef struct big {
    char *keys;        /* BIG_KEY bytes per row */
    uint32_t *value;
    size_t n;
} big;

#define BIG_KEY 12

static size_t big_count(void *ctx) { return ((big *)ctx)->n; }
static const char *big_key(void *ctx, size_t r) { return ((big *)ctx)->keys + r * BIG_KEY; }

static int big_compare(void *ctx, size_t a, size_t b, int col)
{
    (void)col;
    const big *g = ctx;
    return g->value[a] < g->value[b] ? -1 : g->value[a] > g->value[b];
}

static bool big_match(void *ctx, size_t r, const void *filter)
{
    return ((big *)ctx)->value[r] % 10 < *(const uint32_t *)filter;
}

static void test_million_rows(void **state)
{
    (void)state;
    enum { N = 1000000 };
    big g = {pn_malloc((size_t)N * BIG_KEY), pn_malloc((size_t)N * sizeof(uint32_t)), N};
    uint32_t x = 12345;
    for (size_t i = 0; i < N; i++) {
        snprintf(g.keys + i * BIG_KEY, BIG_KEY, "Q%09zX", i);
        x = x * 1103515245u + 12345u;            /* LCG: shuffled values */
        g.value[i] = x >> 8;
    }
    pn_list_source src = {.ctx = &g, .count = big_count, .key = big_key,
                          .compare = big_compare, .match = big_match};
    pn_listmodel m;
    pn_listmodel_init(&m, &src, columns, NCOLS);
    assert_int_equal(m.n_order, N);
    pn_listmodel_set_page(&m, 40);
    pn_listmodel_move(&m, 500000);
    const char *key_before = big_key(&g, pn_listmodel_cursor_row(&m));

    pn_listmodel_sort(&m, COL_SIZE, false);
    for (size_t i = 1; i < m.n_order; i += 997)
        assert_true(g.value[m.order[i - 1]] <= g.value[m.order[i]]);
    assert_string_equal(big_key(&g, pn_listmodel_cursor_row(&m)), key_before);

    uint32_t keep = 3;                              /* ~30% of the rows */
    pn_listmodel_set_filter(&m, &keep);
    assert_true(m.n_order > N / 5 && m.n_order < N / 2);
    assert_int_equal(pn_listmodel_hidden(&m) + m.n_order, N);

    size_t visible = m.n_order;
    assert_int_equal(pn_listmodel_mark_all(&m), visible);
    assert_int_equal(pn_listmodel_mark_count(&m), visible);
    pn_listmodel_set_filter(&m, NULL);
    pn_listmodel_sort(&m, COL_SIZE, true);
    assert_int_equal(pn_listmodel_mark_count(&m), visible);
    assert_int_equal(pn_listmodel_mark_all(&m), N);

    /* A refresh in which the last half of the rows is gone. */
    g.n = N / 2;
    pn_listmodel_rebuild(&m);
    const char **keys;
    size_t n = pn_listmodel_marked_keys(&m, &keys);
    assert_int_equal(n, N / 2);
    assert_string_equal(keys[0], big_key(&g, 0));
    assert_string_equal(keys[n - 1], big_key(&g, N / 2 - 1));
    free(keys);
    pn_listmodel_mark_clear(&m);
    pn_listmodel_free(&m);
    free(g.keys);
    free(g.value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_every_column_both_ways_stable),
        cmocka_unit_test(test_sort_is_stable_on_many_ties),
        cmocka_unit_test(test_filter_and_hidden_count),
        cmocka_unit_test(test_cursor_follows_key_across_refresh),
        cmocka_unit_test(test_marks_survive_refresh),
        cmocka_unit_test(test_mark_range),
        cmocka_unit_test(test_mark_all_with_filter),
        cmocka_unit_test(test_search_wraps_both_ways),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_page_keeps_cursor_visible),
        cmocka_unit_test(test_empty_source),
        cmocka_unit_test(test_million_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
