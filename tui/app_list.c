/* app_list.c - the shared list behaviour every screen with a list gets:
 * moves, pages, sort, columns, marks, filter and search, all on the
 * screen's pn_listmodel (ops->list). A screen with no filter language of
 * its own (no ops->filter_compile) gets a case-insensitive substring filter
 * over src->search or the visible cells. */
#include "app_internal.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct plain_filter {
    char *needle;
    const pn_list_source *orig;
    const pn_listmodel *m;
} plain_filter;

static bool plain_match(void *ctx, size_t row, const void *filter)
{
    const plain_filter *f = filter;
    if (f->orig->search)
        return f->orig->search(ctx, row, f->needle);
    pn_str buf = PN_STR_INIT;
    bool hit = false;
    for (int c = 0; c < f->m->ncols && !hit; c++) {
        if (!f->m->col_visible[c])
            continue;
        pn_str_reset(&buf);
        const char *t = f->orig->cell(ctx, row, c, &buf);
        hit = t && strcasestr(t, f->needle);
    }
    pn_str_free(&buf);
    return hit;
}

static void free_compiled(pn_slot *s, void *f)
{
    if (!f)
        return;
    if (s->orig_src) {
        plain_filter *p = f;
        free(p->needle);
        free(p);
    } else if (s->ops->filter_free) {
        s->ops->filter_free(f);
    }
}

void pn_app_slot_free_filter(pn_slot *s)
{
    free_compiled(s, s->filter);
    s->filter = NULL;
    free(s->filter_text);
    s->filter_text = NULL;
}

static pn_listmodel *current_list(pn_app *app)
{
    pn_slot *s = pn_app_slot(app);
    return s->st && s->ops->list ? s->ops->list(s->st) : NULL;
}

bool pn_app_apply_filter(pn_app *app, const char *text, pn_err *err)
{
    pn_slot *s = pn_app_slot(app);
    pn_listmodel *m = current_list(app);
    if (!m)
        return pn_err_set(err, PN_E_INVALID, "filter: the %s screen has no list", s->ops->title);
    void *f = NULL;
    bool empty = !text || !*text;
    if (s->ops->filter_compile) {
        if (!empty) {
            pn_err_clear(err);
            f = s->ops->filter_compile(s->st, text, err);
            if (!f && err && err->code != PN_OK)
                return false;
        }
    } else if (!empty) {
        if (!s->orig_src || (m->src != &s->plain_src && m->src != s->orig_src)) {
            s->orig_src = m->src;
            s->plain_src = *m->src;
            s->plain_src.match = plain_match;
        }
        plain_filter *p = pn_calloc(1, sizeof *p);
        p->needle = pn_strdup(text);
        p->orig = s->orig_src;
        p->m = m;
        f = p;
    }
    if (s->orig_src)
        m->src = f ? &s->plain_src : s->orig_src;
    void *old = s->filter;
    pn_listmodel_set_filter(m, f);
    free_compiled(s, old);
    s->filter = f;
    free(s->filter_text);
    s->filter_text = empty ? NULL : pn_strdup(text);
    app->dirty = true;
    return true;
}

bool pn_app_set_filter(pn_app *app, const char *text)
{
    pn_err err = PN_ERR_INIT;
    bool ok = pn_app_apply_filter(app, text, &err);
    if (!ok) {
        pn_app_flash(app, PN_ROLE_STATUS_ERROR, "%s", pn_err_msg(&err));
        pn_err_clear(&err);
    }
    return ok;
}

void pn_app_search(pn_app *app, const char *needle, int dir, bool include_cursor)
{
    pn_listmodel *m = current_list(app);
    if (!m || !needle || !*needle)
        return;
    if (!pn_listmodel_search(m, needle, dir, include_cursor))
        pn_app_flash(app, PN_ROLE_STATUS_WARN, "not found: %s", needle);
    app->dirty = true;
}

static long count_arg(const pn_command *cmd, long dflt)
{
    if (!cmd->args.n)
        return dflt;
    char *end;
    long n = strtol(cmd->args.v[0], &end, 10);
    return *end || n <= 0 ? dflt : n;
}

static int visible_columns(const pn_listmodel *m)
{
    int n = 0;
    for (int i = 0; i < m->ncols; i++)
        n += m->col_visible[i] ? 1 : 0;
    return n;
}

static int columns_command(pn_app *app, pn_listmodel *m, const pn_command *cmd)
{
    if (!cmd->args.n) {
        pn_dialog_columns(app, m);
        return PN_DIRTY_DRAW;
    }
    for (size_t i = 0; i < cmd->args.n; i++) {
        const char *a = cmd->args.v[i];
        bool show = true;
        if (*a == '+' || *a == '-') {
            show = *a == '+';
            a++;
        }
        int c = pn_listmodel_col_by_id(m, a);
        if (c < 0) {
            pn_argv ids = PN_ARGV_INIT;
            for (int k = 0; k < m->ncols; k++)
                pn_argv_add(&ids, m->cols[k].id);
            char *list = pn_argv_join(&ids, " ");
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "columns: no column '%s' (columns: %s)", a, list);
            free(list);
            pn_argv_free(&ids);
            return PN_DIRTY_DRAW;
        }
        if (!show && m->col_visible[c] && visible_columns(m) == 1) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "columns: at least one column stays visible");
            return PN_DIRTY_DRAW;
        }
        m->col_visible[c] = show;
    }
    return PN_DIRTY_LAYOUT;
}

int pn_app_list_action(pn_app *app, const pn_command *cmd)
{
    pn_slot *s = pn_app_slot(app);
    pn_listmodel *m = current_list(app);
    if (!m)
        return PN_DIRTY_NONE;
    long page = m->page > 1 ? (long)m->page - 1 : 1;
    app->dirty = true;
    switch (cmd->action) {
    case PN_A_UP:
        pn_listmodel_move(m, -count_arg(cmd, 1));
        break;
    case PN_A_DOWN:
        pn_listmodel_move(m, count_arg(cmd, 1));
        break;
    case PN_A_PAGE_UP:
        pn_listmodel_move(m, -page);
        break;
    case PN_A_PAGE_DOWN:
        pn_listmodel_move(m, page);
        break;
    case PN_A_FIRST:
        pn_listmodel_first(m);
        break;
    case PN_A_LAST:
        pn_listmodel_last(m);
        break;
    case PN_A_LEFT:
        if (s->hscroll > 0)
            s->hscroll--;
        break;
    case PN_A_RIGHT:
        if (s->hscroll < visible_columns(m) - 1)
            s->hscroll++;
        break;
    case PN_A_FILTER:
        if (cmd->args.n) {
            char *t = pn_argv_join(&cmd->args, " ");
            pn_app_set_filter(app, t);
            free(t);
        } else {
            pn_prompt_open(app, PN_PROMPT_FILTER, s->filter_text);
        }
        break;
    case PN_A_FILTER_CLEAR:
        pn_app_set_filter(app, "");
        break;
    case PN_A_SEARCH:
        if (cmd->args.n) {
            char *t = pn_argv_join(&cmd->args, " ");
            free(app->last_search);
            app->last_search = t;
            pn_app_search(app, t, +1, true);
        } else {
            pn_prompt_open(app, PN_PROMPT_SEARCH, NULL);
        }
        break;
    case PN_A_SEARCH_NEXT:
    case PN_A_SEARCH_PREV:
        if (!app->last_search)
            pn_app_flash(app, PN_ROLE_STATUS, "no search yet");
        else
            pn_app_search(app, app->last_search, cmd->action == PN_A_SEARCH_NEXT ? +1 : -1, false);
        break;
    case PN_A_SORT:
        if (cmd->args.n) {
            int c = pn_listmodel_col_by_id(m, cmd->args.v[0]);
            if (c < 0 || !m->cols[c].sortable) {
                pn_argv ids = PN_ARGV_INIT;
                for (int k = 0; k < m->ncols; k++)
                    if (m->cols[k].sortable)
                        pn_argv_add(&ids, m->cols[k].id);
                char *list = pn_argv_join(&ids, " ");
                pn_app_flash(app, PN_ROLE_STATUS_ERROR, "sort: no sortable column '%s' (columns: %s)",
                             cmd->args.v[0], list);
                free(list);
                pn_argv_free(&ids);
            } else {
                pn_listmodel_sort(m, c, false);
            }
        } else {
            pn_listmodel_sort_next(m);
        }
        break;
    case PN_A_SORT_REVERSE:
        pn_listmodel_sort(m, m->sort_col, !m->sort_reverse);
        break;
    case PN_A_COLUMNS:
        return columns_command(app, m, cmd);
    case PN_A_MARK:
        pn_listmodel_mark_toggle(m);
        pn_listmodel_move(m, 1);
        break;
    case PN_A_MARK_RANGE:
        pn_listmodel_mark_range(m);
        break;
    case PN_A_MARK_ALL: {
        size_t n = pn_listmodel_mark_all(m);
        pn_str t = PN_STR_INIT;
        pn_draw_thousands(&t, n);
        pn_app_flash(app, PN_ROLE_STATUS, "%s rows marked%s", pn_str_cstr(&t),
                     s->filter_text ? " (all matching the filter)" : "");
        pn_str_free(&t);
        break;
    }
    case PN_A_MARK_CLEAR:
        pn_listmodel_mark_clear(m);
        break;
    default:
        return PN_DIRTY_NONE;
    }
    return PN_DIRTY_DRAW;
}
