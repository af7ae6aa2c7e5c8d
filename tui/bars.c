/* bars.c - the fixed lines around a screen: the title bar (postern, the
 * instance, the read-only and pause badges, the app's badge such as the
 * pending changes, job state, the screen's status on the right), the tab
 * bar (numbers and titles, compacted to fit; screens not
 * available yet in the disabled role), the status line (flash messages, job
 * progress, a key sequence being typed) and the hint bar, generated from the
 * live keymap so it always shows the keys actually bound. */
#include "app_internal.h"
#include "util/mem.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

pn_rect pn_bars_body(const pn_app *app)
{
    return (pn_rect){2, 0, app->lines - 4, app->cols};
}

static void job_text(pn_app *app, pn_str *out, bool with_cancel)
{
    pthread_mutex_lock(&app->job_lock);
    const pn_job *j = app->jobs;
    if (j) {
        pn_str_appendf(out, "%s...", j->title);
        if (j->progress >= 0)
            pn_str_appendf(out, " %d%%", (int)(j->progress * 100 + 0.5));
        if (with_cancel)
            pn_str_append(out, "  (Esc cancels)");
    }
    pthread_mutex_unlock(&app->job_lock);
}

static void draw_title(pn_app *app, pn_canvas *c)
{
    int w = app->cols;
    pn_draw_fill(c, (pn_rect){0, 0, 1, w}, PN_ROLE_TITLE);
    pn_str left = PN_STR_INIT;
    const char *inst = app->ctx && app->ctx->cfg ? app->ctx->cfg->instance : NULL;
    pn_str_append(&left, " postern");
    if (inst && *inst)
        pn_str_appendf(&left, " %s %s", c->unicode ? "\u00b7" : "-", inst);
    pn_str_append(&left, " ");
    int x = pn_draw_text(c, 0, 0, w, PN_ROLE_TITLE, pn_str_cstr(&left));
    pn_str_free(&left);
    if (app->read_only)
        x += pn_draw_text(c, 0, x, w - x, PN_ROLE_TITLE_BADGE, " READ-ONLY ") + 1;
    if (app->paused)
        x += pn_draw_text(c, 0, x, w - x, PN_ROLE_TITLE_BADGE, " PAUSED ") + 1;
    if (app->badge) {
        char *b = pn_sprintf(" %s ", app->badge);
        x += pn_draw_text(c, 0, x, w - x, PN_ROLE_TITLE_BADGE, b) + 1;
        free(b);
    }
    pn_str job = PN_STR_INIT;
    job_text(app, &job, false);
    if (job.len)
        x += pn_draw_text(c, 0, x + 1, w - x - 1, PN_ROLE_TITLE, pn_str_cstr(&job)) + 1;
    pn_str_free(&job);

    pn_slot *s = pn_app_slot(app);
    pn_str st = PN_STR_INIT;
    if (s->st && s->ops->status)
        s->ops->status(s->st, &st);
    if (st.len) {
        int sw = (int)pn_text_width(pn_str_cstr(&st)) + 1;
        int room = w - x - 2;
        if (room > 8) {
            if (sw > room)
                sw = room;
            pn_draw_text(c, 0, w - sw, sw - 1, PN_ROLE_TITLE, pn_str_cstr(&st));
        }
    }
    pn_str_free(&st);
}

/* Tab labels, from roomy to compact: level 0 " 1 Queue ", level 1 "1 Queue ",
 * level 2 inactive titles cut to 4 characters, level 3 inactive ones as
 * numbers only. The active tab is bracketed so it shows without colour. */
static void tab_label(pn_str *out, size_t i, const pn_screen_ops *ops, int level, bool active)
{
    pn_str_append(out, active ? "[" : (level == 0 ? " " : ""));
    if (i < 9)
        pn_str_appendf(out, "%zu ", i + 1);
    if (level <= 1 || active)
        pn_str_append(out, ops->title);
    else if (level == 2)
        pn_str_appendf(out, "%.4s", ops->title);
    else if (i >= 9)
        pn_str_appendf(out, "%.1s", ops->title);
    if (out->len && out->s[out->len - 1] == ' ')
        pn_str_truncate(out, out->len - 1);
    pn_str_append(out, active ? (level == 0 ? "]" : "] ") : " ");
}

static int tabs_width(pn_app *app, int level)
{
    int w = 0;
    pn_str l = PN_STR_INIT;
    for (size_t i = 0; i < app->nslots; i++) {
        pn_str_reset(&l);
        tab_label(&l, i, app->slots[i].ops, level, i == app->cur);
        w += (int)pn_text_width(pn_str_cstr(&l)) + (level == 0 ? 1 : 0);
    }
    pn_str_free(&l);
    return w;
}

static void draw_tabs(pn_app *app, pn_canvas *c)
{
    int level = 0;
    while (level < 3 && tabs_width(app, level) > app->cols)
        level++;
    pn_draw_fill(c, (pn_rect){1, 0, 1, app->cols}, PN_ROLE_TAB);
    int x = 0;
    pn_str l = PN_STR_INIT;
    for (size_t i = 0; i < app->nslots && x < app->cols; i++) {
        const pn_screen_ops *ops = app->slots[i].ops;
        bool active = i == app->cur;
        pn_str_reset(&l);
        tab_label(&l, i, ops, level, active);
        pn_role role = active ? PN_ROLE_TAB_ACTIVE
                              : (app->slots[i].st ? PN_ROLE_TAB : PN_ROLE_TAB_DISABLED);
        x += pn_draw_text(c, 1, x, app->cols - x, role, pn_str_cstr(&l));
        if (level == 0)
            x++;
    }
    pn_str_free(&l);
}

static void draw_status(pn_app *app, pn_canvas *c)
{
    int y = app->lines - 2;
    pn_draw_fill(c, (pn_rect){y, 0, 1, app->cols}, PN_ROLE_STATUS);
    if (app->flash) {
        pn_draw_text(c, y, 0, app->cols, (pn_role)app->flash_role, app->flash);
        return;
    }
    pn_str t = PN_STR_INIT;
    if (app->pending.n) {
        pn_keyseq_name(&t, &app->pending);
        pn_str_append(&t, " ...");
    } else {
        job_text(app, &t, true);
    }
    if (t.len)
        pn_draw_text(c, y, 0, app->cols, PN_ROLE_STATUS, pn_str_cstr(&t));
    pn_str_free(&t);
}

/* One "key label" pair; returns false when it does not fit. */
static bool hint(pn_canvas *c, int y, int *x, int w, const char *key, const char *label)
{
    int need = (int)pn_text_width(key) + 1 + (int)pn_text_width(label) + 2;
    if (*x + need > w)
        return false;
    *x += pn_draw_text(c, y, *x, w - *x, PN_ROLE_HINT_KEY, key);
    *x += 1;
    *x += pn_draw_text(c, y, *x, w - *x, PN_ROLE_HINT_TEXT, label);
    *x += 2;
    return true;
}

static bool action_hint(pn_app *app, pn_canvas *c, int y, int *x, pn_action_id id)
{
    const pn_action *a = pn_action_get(id);
    if (!a || pn_app_action_refused(app, a))
        return true;
    const pn_binding *b = pn_keymap_key_for(app->km, pn_app_screen(app)->name, a->name);
    if (!b)
        return true;
    pn_str k = PN_STR_INIT;
    pn_keyseq_name(&k, &b->seq);
    /* "<Space>" reads better as "Space" in the bar */
    const char *key = pn_str_cstr(&k);
    if (k.len > 2 && key[0] == '<' && key[k.len - 1] == '>' && !strchr(key + 1, '<')) {
        memmove(k.s, k.s + 1, k.len - 2);
        pn_str_truncate(&k, k.len - 2);
    }
    bool ok = hint(c, y, x, app->cols, pn_str_cstr(&k), a->shortname);
    pn_str_free(&k);
    return ok;
}

void pn_bars_hints(pn_app *app, pn_canvas *c, int y)
{
    pn_draw_fill(c, (pn_rect){y, 0, 1, app->cols}, PN_ROLE_HINT_TEXT);
    int x = 1;
    if (app->modal) {
        if (app->modal->hint)
            pn_draw_text(c, y, x, app->cols - x, PN_ROLE_HINT_TEXT, app->modal->hint);
        return;
    }
    pn_slot *s = pn_app_slot(app);
    if (s->st && s->ops->hints)
        for (const pn_action_id *h = s->ops->hints; *h != PN_A_NONE; h++)
            if (!action_hint(app, c, y, &x, *h))
                return;
    static const pn_action_id core[] = {PN_A_HELP, PN_A_COMMAND, PN_A_FILTER, PN_A_GOTO, PN_A_QUIT};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++) {
        if (core[i] == PN_A_FILTER && !(s->st && s->ops->list))
            continue;
        if (!action_hint(app, c, y, &x, core[i]))
            return;
    }
}

void pn_bars_draw(pn_app *app, pn_canvas *c)
{
    draw_title(app, c);
    draw_tabs(app, c);
    draw_status(app, c);
    pn_bars_hints(app, c, app->lines - 1);
}
