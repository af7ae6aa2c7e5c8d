/* testscreen.c - a hidden screen of synthetic rows, the fixture of the
 * list-widget goldens and the latency bench. It exists only when
 * POSTERN_TUI_TEST_ROWS=N is set: N rows "r000001".. with a number, a word,
 * a size and a state; a substring filter (plus size>N, num<N, state:hold
 * terms, so a bad number shows the error path); a DANGEROUS `delete` that
 * confirms (typed above the threshold), removes the rows in a background
 * job and shows a per-ID report; `form` opens a form with validation;
 * `refresh` rotates the rows so marks must follow their keys. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/text.h"
#include "validate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                                    "golf", "hotel", "india", "juliet", "kilo", "lima"};
#define N_WORDS (sizeof words / sizeof words[0])

enum { COL_ID, COL_NUM, COL_WORD, COL_SIZE, COL_STATE, N_COLS };

static const pn_column test_columns[N_COLS] = {
    {"id", "ID", 8, 12, 0, PN_ALIGN_LEFT, true, true},
    {"num", "NUMBER", 6, 8, 0, PN_ALIGN_RIGHT, true, true},
    {"word", "WORD", 8, 0, 2, PN_ALIGN_LEFT, true, true},
    {"size", "SIZE", 6, 8, 0, PN_ALIGN_RIGHT, true, true},
    {"state", "STATE", 8, 10, 1, PN_ALIGN_LEFT, true, true},
};

typedef struct trow {
    uint32_t seq;             /* 1-based: the id */
    long num;
    const char *word;
    int64_t size;
    int state;                /* 0 active, 1 hold, 2 deferred */
} trow;

static const char *const state_names[] = {"active", "hold", "deferred"};

typedef struct test_screen {
    pn_app *app;
    trow *rows;
    size_t n;
    char *ids;                /* seq -> "r000001", fixed stride */
    size_t id_stride;
    size_t total_seq;
    bool *deleted;            /* by seq */
    pn_list_source src;
    pn_listmodel list;
    pn_form form;
    bool form_open;
} test_screen;

static const char *id_of(const test_screen *t, uint32_t seq)
{
    return t->ids + (size_t)(seq - 1) * t->id_stride;
}

static size_t src_count(void *ctx)
{
    return ((test_screen *)ctx)->n;
}

static const char *src_key(void *ctx, size_t row)
{
    test_screen *t = ctx;
    return id_of(t, t->rows[row].seq);
}

static const char *src_cell(void *ctx, size_t row, int col, pn_str *buf)
{
    test_screen *t = ctx;
    const trow *r = &t->rows[row];
    switch (col) {
    case COL_ID: return id_of(t, r->seq);
    case COL_NUM: pn_str_appendf(buf, "%ld", r->num); return pn_str_cstr(buf);
    case COL_WORD: return r->word;
    case COL_SIZE: pn_text_size(buf, r->size); return pn_str_cstr(buf);
    case COL_STATE: return state_names[r->state];
    default: return "";
    }
}

static int cmp_num(long long a, long long b)
{
    return a < b ? -1 : a > b;
}

static int src_compare(void *ctx, size_t a, size_t b, int col)
{
    test_screen *t = ctx;
    const trow *x = &t->rows[a], *y = &t->rows[b];
    switch (col) {
    case COL_ID: return cmp_num(x->seq, y->seq);
    case COL_NUM: return cmp_num(x->num, y->num);
    case COL_WORD: return strcmp(x->word, y->word);
    case COL_SIZE: return cmp_num(x->size, y->size);
    case COL_STATE: return strcmp(state_names[x->state], state_names[y->state]);
    default: return 0;
    }
}

/* ---- the filter: blank-separated terms, all must hold ------------------------------ */

typedef struct term {
    int kind;                 /* 0 substring, 1 size>, 2 size<, 3 num>, 4 num<, 5 state: */
    char *text;
    long long n;
} term;

typedef struct tfilter {
    term *terms;
    size_t n;
} tfilter;

static bool row_has(const test_screen *t, const trow *r, const char *needle)
{
    return strcasestr(id_of(t, r->seq), needle) || strcasestr(r->word, needle);
}

static bool src_match(void *ctx, size_t row, const void *filter)
{
    test_screen *t = ctx;
    const tfilter *f = filter;
    const trow *r = &t->rows[row];
    for (size_t i = 0; i < f->n; i++) {
        const term *m = &f->terms[i];
        bool ok;
        switch (m->kind) {
        case 1: ok = r->size > m->n; break;
        case 2: ok = r->size < m->n; break;
        case 3: ok = r->num > m->n; break;
        case 4: ok = r->num < m->n; break;
        case 5: ok = !strcasecmp(state_names[r->state], m->text); break;
        default: ok = row_has(t, r, m->text); break;
        }
        if (!ok)
            return false;
    }
    return true;
}

static bool src_search(void *ctx, size_t row, const char *needle)
{
    test_screen *t = ctx;
    return row_has(t, &t->rows[row], needle);
}

static int src_role(void *ctx, size_t row)
{
    test_screen *t = ctx;
    switch (t->rows[row].state) {
    case 1: return PN_ROLE_ROW_HOLD;
    case 2: return PN_ROLE_ROW_DEFERRED;
    default: return PN_ROLE_ROW;
    }
}

static void filter_free(void *filter)
{
    tfilter *f = filter;
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->terms[i].text);
    free(f->terms);
    free(f);
}

static void *filter_compile(void *st, const char *text, pn_err *err)
{
    (void)st;
    tfilter *f = pn_calloc(1, sizeof *f);
    char *copy = pn_strdup(text);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        term m = {0, NULL, 0};
        const char *num = NULL;
        if (!strncmp(w, "size>", 5) || !strncmp(w, "size<", 5)) {
            m.kind = w[4] == '>' ? 1 : 2;
            num = w + 5;
        } else if (!strncmp(w, "num>", 4) || !strncmp(w, "num<", 4)) {
            m.kind = w[3] == '>' ? 3 : 4;
            num = w + 4;
        } else if (!strncmp(w, "state:", 6)) {
            m.kind = 5;
            if (strcmp(w + 6, "active") && strcmp(w + 6, "hold") && strcmp(w + 6, "deferred")) {
                pn_err_set(err, PN_E_INVALID, "filter: unknown state '%s' (active, hold, deferred)",
                           w + 6);
                goto fail;
            }
        }
        if (num) {
            char *end;
            m.n = strtoll(num, &end, 10);
            if (!*num || *end) {
                pn_err_set(err, PN_E_INVALID, "filter: '%s' is not a number in '%s'", num, w);
                goto fail;
            }
        }
        m.text = pn_strdup(m.kind == 5 ? w + 6 : w);
        f->terms = pn_realloc(f->terms, (f->n + 1) * sizeof *f->terms);
        f->terms[f->n++] = m;
    }
    free(copy);
    if (!f->n) {
        filter_free(f);
        return NULL;
    }
    return f;
fail:
    free(copy);
    filter_free(f);
    return NULL;
}

/* ---- rows --------------------------------------------------------------------------- */

static void make_rows(test_screen *t, size_t n)
{
    size_t digits = 6;
    for (size_t v = n; v >= 1000000; v /= 10)
        digits++;
    t->id_stride = digits + 2;
    t->total_seq = n;
    t->ids = pn_malloc(t->id_stride * (n ? n : 1));
    t->rows = pn_calloc(n ? n : 1, sizeof *t->rows);
    t->deleted = pn_calloc(n + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        uint32_t seq = (uint32_t)(i + 1);
        snprintf(t->ids + i * t->id_stride, t->id_stride, "r%0*u", (int)digits, seq);
        trow *r = &t->rows[i];
        r->seq = seq;
        r->num = (long)((seq * 7919u) % 10007u);
        r->word = words[(seq * 31u) % N_WORDS];
        r->size = (int64_t)((seq * 2654435761u) % 5000000u) + 300;
        r->state = seq % 7 == 0 ? 1 : (seq % 11 == 0 ? 2 : 0);
    }
    t->n = n;
}

/* Refresh: the same rows, rotated by one (marks and cursor follow keys). */
static void rotate_rows(test_screen *t)
{
    if (t->n < 2)
        return;
    trow first = t->rows[0];
    memmove(t->rows, t->rows + 1, (t->n - 1) * sizeof *t->rows);
    t->rows[t->n - 1] = first;
    pn_listmodel_rebuild(&t->list);
}

static uint32_t seq_of_key(const test_screen *t, const char *key)
{
    if (!key || key[0] != 'r')
        return 0;
    unsigned long v = strtoul(key + 1, NULL, 10);
    return v >= 1 && v <= t->total_seq ? (uint32_t)v : 0;
}

/* ---- delete: confirm, a job, then the report ------------------------------------------- */

typedef struct delete_job {
    char **keys;
    size_t n;
    size_t done;
} delete_job;

static void delete_run(pn_job *job, void *data)
{
    delete_job *d = data;
    for (size_t i = 0; i < d->n; i++) {
        if (pn_job_cancelled(job))
            break;
        d->done = i + 1;
        if (i % 1024 == 0)
            pn_job_progress(job, (double)i / (double)d->n);
    }
}

static void delete_done(void *st, void *data, bool cancelled)
{
    test_screen *t = st;
    delete_job *d = data;
    pn_str report = PN_STR_INIT;
    size_t removed = 0;
    for (size_t i = 0; i < d->n; i++) {
        uint32_t seq = seq_of_key(t, d->keys[i]);
        if (i < d->done && seq && !t->deleted[seq]) {
            t->deleted[seq] = true;
            removed++;
            pn_str_appendf(&report, "%s  deleted\n", d->keys[i]);
        } else {
            pn_str_appendf(&report, "%s  %s\n", d->keys[i], cancelled ? "not deleted (cancelled)"
                                                                      : "not found");
        }
    }
    size_t out = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!t->deleted[t->rows[i].seq])
            t->rows[out++] = t->rows[i];
    t->n = out;
    pn_listmodel_rebuild(&t->list);
    pn_str title = PN_STR_INIT;
    pn_str_appendf(&title, "Deleted %zu of %zu rows", removed, d->n);
    pn_app_show_text(t->app, pn_str_cstr(&title), pn_str_cstr(&report));
    pn_str_free(&title);
    pn_str_free(&report);
    for (size_t i = 0; i < d->n; i++)
        free(d->keys[i]);
    free(d->keys);
    free(d);
}

static void delete_answer(void *st, bool yes)
{
    test_screen *t = st;
    if (!yes) {
        pn_app_flash(t->app, PN_ROLE_STATUS, "delete cancelled: nothing was deleted");
        return;
    }
    const char **keys = NULL;
    size_t n = pn_listmodel_marked_keys(&t->list, &keys);
    delete_job *d = pn_calloc(1, sizeof *d);
    if (n == 0) {
        size_t row = pn_listmodel_cursor_row(&t->list);
        if (row != (size_t)-1) {
            d->keys = pn_malloc(sizeof(char *));
            d->keys[0] = pn_strdup(src_key(t, row));
            d->n = 1;
        }
    } else {
        d->keys = pn_malloc(n * sizeof(char *));
        for (size_t i = 0; i < n; i++)
            d->keys[i] = pn_strdup(keys[i]);
        d->n = n;
    }
    free(keys);
    pn_listmodel_mark_clear(&t->list);
    if (!pn_app_start_job(t->app, "deleting", delete_run, delete_done, t, d)) {
        for (size_t i = 0; i < d->n; i++)
            free(d->keys[i]);
        free(d->keys);
        free(d);
    }
}

static int ask_delete(test_screen *t)
{
    size_t n = pn_listmodel_mark_count(&t->list);
    if (n == 0 && pn_listmodel_cursor_row(&t->list) != (size_t)-1)
        n = 1;
    if (n == 0) {
        pn_app_flash(t->app, PN_ROLE_STATUS_WARN, "delete: no row selected");
        return PN_DIRTY_DRAW;
    }
    pn_str msg = PN_STR_INIT;
    pn_str_appendf(&msg, "Delete %zu row%s from the test list? This cannot be undone.", n,
                   n == 1 ? "" : "s");
    pn_confirm spec = {
        .title = "Delete rows",
        .message = pn_str_cstr(&msg),
        .yes_label = "Delete",
        .count = n,
        .dangerous = true,
        .typed_word = "DELETE",
    };
    pn_app_confirm(t->app, &spec, delete_answer, t);
    pn_str_free(&msg);
    return PN_DIRTY_DRAW;
}

/* ---- the form -------------------------------------------------------------------------- */

static const char *const modes[] = {"fast", "careful", NULL};

static const pn_field_spec form_fields[] = {
    {"domain", "Domain", PN_FIELD_TEXT, true, 0, 0, NULL, "", pn_valid_domain,
     "The mail domain, e.g. example.org"},
    {"count", "Count", PN_FIELD_NUMBER, true, 1, 1000, NULL, "10", NULL, "How many, 1 to 1000"},
    {"notify", "Notify", PN_FIELD_BOOL, false, 0, 0, NULL, "false", NULL, "Space toggles"},
    {"mode", "Mode", PN_FIELD_CHOICE, false, 0, 0, modes, "fast", NULL, "Left/Right choose"},
    {"secret", "Secret", PN_FIELD_SECRET, false, 0, 0, NULL, "", NULL, "Never shown"},
};

static void form_done(void *st, pn_form *form, bool submitted)
{
    test_screen *t = st;
    if (submitted)
        pn_app_flash(t->app, PN_ROLE_STATUS_OK, "form: domain=%s count=%s notify=%s mode=%s",
                     pn_form_value(form, "domain"), pn_form_value(form, "count"),
                     pn_form_value(form, "notify"), pn_form_value(form, "mode"));
    else
        pn_app_flash(t->app, PN_ROLE_STATUS, "form cancelled");
    pn_form_free(form);
    t->form_open = false;
}

/* ---- ops ----------------------------------------------------------------------------------- */

static void *test_create(pn_app *app)
{
    test_screen *t = pn_calloc(1, sizeof *t);
    t->app = app;
    const char *env = getenv("POSTERN_TUI_TEST_ROWS");
    long n = env ? strtol(env, NULL, 10) : 0;
    if (n < 0)
        n = 0;
    if (n > 10000000)
        n = 10000000;
    make_rows(t, (size_t)n);
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
    pn_listmodel_init(&t->list, &t->src, test_columns, N_COLS);
    pn_listmodel_rebuild(&t->list);
    return t;
}

static void test_destroy(void *st)
{
    test_screen *t = st;
    pn_listmodel_free(&t->list);
    if (t->form_open)
        pn_form_free(&t->form);
    free(t->rows);
    free(t->ids);
    free(t->deleted);
    free(t);
}

static int test_action(void *st, const pn_command *cmd)
{
    test_screen *t = st;
    switch (cmd->action) {
    case PN_A_REFRESH:
        rotate_rows(t);
        return PN_DIRTY_DRAW;
    case PN_A_Q_DELETE:
        return ask_delete(t);
    case PN_A_FORM:
        if (t->form_open)
            return PN_DIRTY_NONE;
        pn_form_init(&t->form, "Test form", form_fields, sizeof form_fields / sizeof form_fields[0]);
        t->form_open = true;
        pn_app_form(t->app, &t->form, form_done, t);
        return PN_DIRTY_DRAW;
    default:
        return PN_UNHANDLED;
    }
}

static void test_draw(void *st, pn_canvas *c, pn_rect area)
{
    test_screen *t = st;
    pn_draw_list(c, area, &t->list);
}

static void test_status(void *st, pn_str *out)
{
    test_screen *t = st;
    pn_draw_thousands(out, t->n);
    pn_str_append(out, " test rows");
}

static pn_listmodel *test_list(void *st)
{
    return &((test_screen *)st)->list;
}

static bool test_go_to(void *st, const char *target)
{
    test_screen *t = st;
    return pn_listmodel_goto_key(&t->list, target);
}

static bool test_ready(void *st)
{
    (void)st;
    return true;
}

static const pn_action_id test_hints[] = {PN_A_MARK, PN_A_SORT, PN_A_Q_DELETE, PN_A_NONE};

const pn_screen_ops pn_screen_test = {
    .name = "test",
    .title = "Test",
    .help = "Synthetic rows for tests and benches (POSTERN_TUI_TEST_ROWS)",
    .available = true,
    .create = test_create,
    .destroy = test_destroy,
    .action = test_action,
    .draw = test_draw,
    .status = test_status,
    .list = test_list,
    .filter_compile = filter_compile,
    .filter_free = filter_free,
    .go_to = test_go_to,
    .hints = test_hints,
    .ready = test_ready,
};
