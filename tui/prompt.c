/* prompt.c - the prompts on the status line: ':' command (with completion
 * and history), '/' filter as you type (live count; a bad filter shows its
 * error and keeps the last good one; Esc restores the filter from before),
 * search (incremental from where it started; Esc goes back) and go-to.
 * Editing is pn_lineedit; keys bound in modes.prompt run its named
 * commands. Each kind keeps its own history. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

typedef struct prompt {
    pn_modal base;
    enum pn_prompt_kind kind;
    pn_lineedit edit;
    char *before;              /* filter text before the prompt (FILTER) */
    char *origin_key;          /* cursor row key before the prompt (SEARCH) */
    char *error;               /* the current text does not compile */
    pn_argv cands;             /* completion candidates on display */
    long cycle;                /* next candidate to insert, -1: none */
} prompt;

static const char *label_of(enum pn_prompt_kind k)
{
    switch (k) {
    case PN_PROMPT_COMMAND: return ":";
    case PN_PROMPT_FILTER: return "filter: ";
    case PN_PROMPT_SEARCH: return "search: ";
    case PN_PROMPT_GOTO: return "go to: ";
    default: return "> ";
    }
}

static pn_listmodel *list_of(pn_app *app)
{
    pn_slot *s = pn_app_slot(app);
    return s->st && s->ops->list ? s->ops->list(s->st) : NULL;
}

static void live_filter(pn_app *app, prompt *p)
{
    pn_err err = PN_ERR_INIT;
    free(p->error);
    p->error = NULL;
    if (!pn_app_apply_filter(app, pn_str_cstr(&p->edit.text), &err))
        p->error = pn_strdup(pn_err_msg(&err));
    pn_err_clear(&err);
}

static void live_search(pn_app *app, prompt *p)
{
    pn_listmodel *m = list_of(app);
    if (!m)
        return;
    if (p->origin_key)
        pn_listmodel_goto_key(m, p->origin_key);
    const char *t = pn_str_cstr(&p->edit.text);
    free(p->error);
    p->error = NULL;
    if (*t && !pn_listmodel_search(m, t, +1, true))
        p->error = pn_sprintf("not found: %s", t);
}

static void changed(pn_app *app, prompt *p)
{
    if (!p->edit.changed)
        return;
    p->edit.changed = false;
    if (p->kind == PN_PROMPT_FILTER)
        live_filter(app, p);
    else if (p->kind == PN_PROMPT_SEARCH)
        live_search(app, p);
}

static void complete(pn_app *app, prompt *p)
{
    if (p->kind != PN_PROMPT_COMMAND)
        return;
    if (p->cycle >= 0 && p->cands.n > 1) {
        pn_lineedit_replace_word(&p->edit, p->cands.v[p->cycle]);
        p->cycle = (p->cycle + 1) % (long)p->cands.n;
        p->edit.changed = false;
        return;
    }
    const char *text = pn_str_cstr(&p->edit.text);
    pn_argv scratch = PN_ARGV_INIT;
    const char *const *values = NULL;
    const char *sp = strchr(text, ' ');
    if (sp) {
        char *first = pn_strndup(text, (size_t)(sp - text));
        const pn_action *a = pn_action_find(first);
        if (a)
            values = pn_app_arg_values(app, a->id, &scratch);
        free(first);
    }
    pn_argv_free(&p->cands);
    pn_cmdline_complete(text, pn_screen_names(), values, &p->cands);
    pn_argv_free(&scratch);
    p->cycle = -1;
    if (p->cands.n == 0) {
        pn_app_flash(app, PN_ROLE_STATUS_WARN, "no completion");
        return;
    }
    if (p->cands.n == 1) {
        char *w = pn_sprintf("%s ", p->cands.v[0]);
        pn_lineedit_replace_word(&p->edit, w);
        free(w);
        pn_argv_free(&p->cands);
        p->edit.changed = false;
        return;
    }
    /* Common prefix of the candidates; if it adds nothing, the next Tab
     * cycles through them. */
    size_t plen = strlen(p->cands.v[0]);
    for (size_t i = 1; i < p->cands.n; i++) {
        size_t k = 0;
        while (k < plen && p->cands.v[i][k] == p->cands.v[0][k])
            k++;
        plen = k;
    }
    /* the word being typed: after the last blank */
    const char *word = strrchr(text, ' ');
    word = word ? word + 1 : text;
    if (plen > strlen(word)) {
        char *pre = pn_strndup(p->cands.v[0], plen);
        pn_lineedit_replace_word(&p->edit, pre);
        free(pre);
    } else {
        p->cycle = 0;
    }
    p->edit.changed = false;
}

static void finish(pn_app *app, prompt *p, bool accept)
{
    enum pn_prompt_kind kind = p->kind;
    char *text = pn_strdup(pn_str_cstr(&p->edit.text));
    char *before = p->before ? pn_strdup(p->before) : NULL;
    char *origin = p->origin_key ? pn_strdup(p->origin_key) : NULL;
    char *error = p->error ? pn_strdup(p->error) : NULL;
    if (accept)
        pn_history_add(&app->history[kind], text);
    pn_app_pop_modal(app);
    if (!accept) {
        if (kind == PN_PROMPT_FILTER)
            pn_app_set_filter(app, before ? before : "");
        if (kind == PN_PROMPT_SEARCH && origin && list_of(app))
            pn_listmodel_goto_key(list_of(app), origin);
    } else {
        switch (kind) {
        case PN_PROMPT_COMMAND:
            if (*text)
                pn_app_run_line(app, text);
            break;
        case PN_PROMPT_FILTER:
            if (error)
                pn_app_flash(app, PN_ROLE_STATUS_ERROR, "%s (the previous filter stays)", error);
            break;
        case PN_PROMPT_SEARCH:
            if (*text) {
                free(app->last_search);
                app->last_search = pn_strdup(text);
                if (error)
                    pn_app_flash(app, PN_ROLE_STATUS_WARN, "%s", error);
            }
            break;
        case PN_PROMPT_GOTO:
            if (*text) {
                pn_command c;
                memset(&c, 0, sizeof c);
                c.action = PN_A_GOTO;
                pn_argv_add(&c.args, text);
                pn_app_run_command(app, &c);
                pn_command_free(&c);
            }
            break;
        default:
            break;
        }
    }
    free(text);
    free(before);
    free(origin);
    free(error);
}

static int handle(pn_app *app, prompt *p, pn_le_result r, bool was_tab)
{
    if (!was_tab) {
        p->cycle = -1;
        if (r != PN_LE_COMPLETE)
            pn_argv_free(&p->cands);
    }
    switch (r) {
    case PN_LE_ACCEPT:
        finish(app, p, true);
        break;
    case PN_LE_CANCEL:
        finish(app, p, false);
        break;
    case PN_LE_COMPLETE:
        complete(app, p);
        break;
    default:
        changed(app, p);
        break;
    }
    return PN_DIRTY_DRAW;
}

static int prompt_key(pn_app *app, pn_modal *m, pn_key k)
{
    prompt *p = (prompt *)m;
    pn_le_result r = pn_lineedit_key(&p->edit, k);
    return handle(app, p, r, r == PN_LE_COMPLETE);
}

static int prompt_exec(pn_app *app, pn_modal *m, const char *command)
{
    prompt *p = (prompt *)m;
    pn_le_result r = pn_lineedit_exec(&p->edit, command);
    return handle(app, p, r, r == PN_LE_COMPLETE);
}

static void prompt_draw(pn_app *app, pn_modal *m, pn_canvas *c)
{
    prompt *p = (prompt *)m;
    int y = app->lines - 2;
    pn_draw_fill(c, (pn_rect){y, 0, 1, app->cols}, PN_ROLE_NORMAL);
    const char *label = label_of(p->kind);
    int x = pn_draw_text(c, y, 0, app->cols, PN_ROLE_PROMPT, label);
    /* Right side: live count or the error. */
    pn_str right = PN_STR_INIT;
    pn_role rrole = PN_ROLE_STATUS;
    if (p->error) {
        pn_str_append(&right, p->error);
        rrole = PN_ROLE_STATUS_ERROR;
    } else if (p->kind == PN_PROMPT_FILTER && pn_app_slot(app)->st &&
               pn_app_slot(app)->ops->filter_count) {
        pn_app_slot(app)->ops->filter_count(pn_app_slot(app)->st, &right);
    } else if (p->kind == PN_PROMPT_FILTER && list_of(app)) {
        pn_listmodel *lm = list_of(app);
        pn_draw_thousands(&right, lm->n_order);
        pn_str_append(&right, " of ");
        pn_draw_thousands(&right, lm->total);
        pn_str_append(&right, " rows");
    }
    int rw = (int)pn_text_width(pn_str_cstr(&right));
    int avail = app->cols - x - 1;
    if (rw > avail / 2)
        rw = avail / 2;
    int tw = avail - (rw ? rw + 2 : 0);
    /* Scroll the text so the cursor stays visible. */
    size_t col = pn_lineedit_cursor_col(&p->edit);
    const char *text = pn_str_cstr(&p->edit.text);
    int shift = (int)col >= tw ? (int)col - tw + 1 : 0;
    if (shift == 0) {
        pn_draw_text(c, y, x, tw, PN_ROLE_NORMAL, text);
    } else {
        /* drop code points until `shift` columns are gone */
        size_t i = 0, len = strlen(text);
        int gone = 0;
        pn_str tmp = PN_STR_INIT;
        while (i < len && gone < shift) {
            size_t k = 1;
            while (i + k < len && ((unsigned char)text[i + k] & 0xC0) == 0x80)
                k++;
            pn_str_appendn(&tmp, text + i, k);
            gone = (int)pn_text_width(pn_str_cstr(&tmp));
            i += k;
        }
        pn_str_free(&tmp);
        pn_draw_text(c, y, x, tw, PN_ROLE_NORMAL, text + i);
        col -= (size_t)gone;
    }
    if (rw)
        pn_draw_text(c, y, app->cols - rw - 1, rw, rrole, pn_str_cstr(&right));
    pn_str_free(&right);
    if (p->cands.n > 1) {
        pn_str line = PN_STR_INIT;
        for (size_t i = 0; i < p->cands.n; i++)
            pn_str_appendf(&line, "%s%s", i ? "  " : "", p->cands.v[i]);
        pn_draw_text_pad(c, y - 1, 0, app->cols, PN_ROLE_DIALOG, pn_str_cstr(&line));
        pn_str_free(&line);
    }
    pn_draw_cursor(c, y, x + (int)col, true);
}

static void prompt_free(pn_modal *m)
{
    prompt *p = (prompt *)m;
    pn_lineedit_free(&p->edit);
    free(p->before);
    free(p->origin_key);
    free(p->error);
    pn_argv_free(&p->cands);
    free(p);
}

void pn_prompt_open(pn_app *app, enum pn_prompt_kind kind, const char *initial)
{
    prompt *p = pn_calloc(1, sizeof *p);
    p->base.mode = "modes.prompt";
    p->base.bottom_line = true;
    p->base.key = prompt_key;
    p->base.exec = prompt_exec;
    p->base.draw = prompt_draw;
    p->base.free = prompt_free;
    p->kind = kind;
    p->cycle = -1;
    switch (kind) {
    case PN_PROMPT_COMMAND:
        p->base.hint = "Enter run  Tab complete  Up/Down history  Esc cancel";
        break;
    case PN_PROMPT_FILTER:
        p->base.hint = "type to filter  Enter keep  Esc restore the previous filter";
        break;
    case PN_PROMPT_SEARCH:
        p->base.hint = "type to search  Enter stay here  Esc go back  n/N next/previous";
        break;
    default:
        p->base.hint = "queue ID, Message-ID, address or domain  Enter go  Esc cancel";
        break;
    }
    pn_slot *s = pn_app_slot(app);
    if (kind == PN_PROMPT_FILTER && s->filter_text)
        p->before = pn_strdup(s->filter_text);
    if (kind == PN_PROMPT_SEARCH) {
        pn_listmodel *m = list_of(app);
        size_t row = m ? pn_listmodel_cursor_row(m) : (size_t)-1;
        if (m && row != (size_t)-1) {
            p->origin_key = pn_strdup(m->src->key(m->src->ctx, row));
        }
    }
    pn_lineedit_init(&p->edit, initial ? initial : "", &app->history[kind]);
    p->edit.changed = false;
    pn_app_push_modal(app, &p->base);
}
