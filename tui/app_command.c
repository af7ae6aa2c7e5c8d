/* app_command.c - running commands: a line as typed after ':' (or bound to a
 * key) is parsed by cmdline.c and run here. Core actions (quit, help,
 * screens, prompts, theme, test hooks) are handled by the core; everything
 * else goes to the current screen's ops->action first and, if the screen
 * leaves it (PN_UNHANDLED), list actions go to the shared list code
 * (app_list.c). Read-only refuses DANGEROUS and WRITES actions here too,
 * whatever way they were asked for. */
#include "app_internal.h"
#include "term.h"
#include "util/mem.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

static const char *const theme_names[] = {"dark", "light", "mono", NULL};

const char *const *pn_app_arg_values(pn_app *app, pn_action_id a, pn_argv *scratch)
{
    pn_slot *s = pn_app_slot(app);
    pn_listmodel *m = s->st && s->ops->list ? s->ops->list(s->st) : NULL;
    switch (a) {
    case PN_A_SCREEN:
        return pn_screen_names();
    case PN_A_THEME:
        return theme_names;
    case PN_A_SORT:
    case PN_A_COLUMNS:
        if (!m)
            return NULL;
        for (int i = 0; i < m->ncols; i++) {
            if (a == PN_A_SORT) {
                if (m->cols[i].sortable)
                    pn_argv_add(scratch, m->cols[i].id);
            } else {
                pn_argv_addf(scratch, "%c%s", m->col_visible[i] ? '-' : '+', m->cols[i].id);
            }
        }
        return (const char *const *)pn_argv_items(scratch);
    default:
        if (s->st && s->ops->arg_values)
            return s->ops->arg_values(s->st, a);
        return NULL;
    }
}

int pn_app_run_line(pn_app *app, const char *line)
{
    pn_command cmd;
    memset(&cmd, 0, sizeof cmd);
    pn_err err = PN_ERR_INIT;
    if (!pn_cmdline_parse(line, pn_screen_names(), &cmd, &err)) {
        pn_app_flash(app, PN_ROLE_STATUS_ERROR, "%s", pn_err_msg(&err));
        pn_err_clear(&err);
        pn_command_free(&cmd);
        return PN_DIRTY_DRAW;
    }
    int r = pn_app_run_command(app, &cmd);
    pn_command_free(&cmd);
    return r;
}

int pn_app_command(pn_app *app, const char *line)
{
    return pn_app_run_line(app, line);
}

static const char *arg(const pn_command *cmd, size_t i)
{
    return i < cmd->args.n ? cmd->args.v[i] : NULL;
}

static void go_to(pn_app *app, const char *target)
{
    for (size_t i = 0; i < app->nslots; i++) {
        pn_slot *s = &app->slots[i];
        if (!s->st || !s->ops->go_to)
            continue;
        /* While a screen looks, the app's services (pn_app_set_filter)
         * act on that screen, not on the one the user is looking at. */
        size_t prev = app->cur;
        app->cur = i;
        bool hit = s->ops->go_to(s->st, target);
        app->cur = prev;
        if (hit) {
            pn_app_switch(app, i);
            return;
        }
    }
    pn_app_flash(app, PN_ROLE_STATUS_WARN,
                 "no queue message, Message-ID, address or domain matches '%s'", target);
}

static int switch_screen(pn_app *app, const char *name)
{
    for (size_t i = 0; i < app->nslots; i++)
        if (!strcmp(app->slots[i].ops->name, name)) {
            pn_app_switch(app, i);
            return PN_DIRTY_LAYOUT;
        }
    pn_argv names = PN_ARGV_INIT;
    for (size_t i = 0; i < app->nslots; i++)
        pn_argv_add(&names, app->slots[i].ops->name);
    char *list = pn_argv_join(&names, " ");
    pn_app_flash(app, PN_ROLE_STATUS_ERROR, "screen: unknown screen '%s' (screens: %s)", name, list);
    free(list);
    pn_argv_free(&names);
    return PN_DIRTY_DRAW;
}

static int to_screen(pn_app *app, const pn_command *cmd, const pn_action *a)
{
    pn_slot *s = pn_app_slot(app);
    if (!s->st) {
        pn_app_flash(app, PN_ROLE_STATUS_WARN, "%s: %s is not available yet", a->name,
                     s->ops->title);
        return PN_DIRTY_DRAW;
    }
    if (s->ops->action) {
        int r = s->ops->action(s->st, cmd);
        if (r != PN_UNHANDLED) {
            if (r & PN_DIRTY_QUIT)
                app->quit = true;
            if (r & PN_DIRTY_LAYOUT)
                app->relayout = true;
            app->dirty = true;
            return r;
        }
    }
    if (!strcmp(a->group, "list") && s->ops->list && s->ops->list(s->st))
        return pn_app_list_action(app, cmd);
    if (cmd->action == PN_A_OPEN || cmd->action == PN_A_BACK)
        return PN_DIRTY_NONE;
    pn_app_flash(app, PN_ROLE_STATUS_WARN, "%s: not available on the %s screen", a->name,
                 s->ops->title);
    return PN_DIRTY_DRAW;
}

int pn_app_run_command(pn_app *app, const pn_command *cmd)
{
    const pn_action *a = pn_action_get(cmd->action);
    if (!a)
        return PN_DIRTY_NONE;
    if (pn_app_action_refused(app, a)) {
        pn_app_flash(app, PN_ROLE_STATUS_ERROR, "read-only: %s is disabled", a->name);
        return PN_DIRTY_DRAW;
    }
    app->dirty = true;
    pn_err err = PN_ERR_INIT;
    switch (cmd->action) {
    case PN_A_QUIT:
        app->quit = true;
        return PN_DIRTY_QUIT;
    case PN_A_HELP:
        pn_help_open(app);
        return PN_DIRTY_DRAW;
    case PN_A_COMMAND: {
        char *init = cmd->args.n ? pn_argv_join(&cmd->args, " ") : NULL;
        pn_prompt_open(app, PN_PROMPT_COMMAND, init);
        free(init);
        return PN_DIRTY_DRAW;
    }
    case PN_A_GOTO:
        if (cmd->args.n) {
            char *t = pn_argv_join(&cmd->args, " ");
            go_to(app, t);
            free(t);
        } else {
            pn_prompt_open(app, PN_PROMPT_GOTO, NULL);
        }
        return PN_DIRTY_LAYOUT;
    case PN_A_SCREEN:
        if (!arg(cmd, 0)) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "screen: which screen? (screen NAME)");
            return PN_DIRTY_DRAW;
        }
        return switch_screen(app, arg(cmd, 0));
    case PN_A_NEXT_SCREEN:
        pn_app_switch(app, (app->cur + 1) % app->nslots);
        return PN_DIRTY_LAYOUT;
    case PN_A_PREV_SCREEN:
        pn_app_switch(app, (app->cur + app->nslots - 1) % app->nslots);
        return PN_DIRTY_LAYOUT;
    case PN_A_PAUSE:
        app->paused = !app->paused;
        pn_app_flash(app, PN_ROLE_STATUS, app->paused ? "automatic refresh paused (p resumes)"
                                                      : "automatic refresh resumed");
        return PN_DIRTY_DRAW;
    case PN_A_KEYS: {
        pn_str t = PN_STR_INIT;
        pn_help_keys_text(app, &t);
        pn_app_show_text(app, "Keys", pn_str_cstr(&t));
        pn_str_free(&t);
        return PN_DIRTY_DRAW;
    }
    case PN_A_THEME:
        if (!arg(cmd, 0)) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "theme: which theme? (theme dark|light|mono)");
        } else if (!pn_app_set_theme(app, arg(cmd, 0), &err)) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "theme: %s", pn_err_msg(&err));
            pn_err_clear(&err);
        } else if (app->mono && strcmp(arg(cmd, 0), "mono")) {
            pn_app_flash(app, PN_ROLE_STATUS, "theme %s: colours are off (NO_COLOR or --no-color)",
                         arg(cmd, 0));
        } else {
            pn_app_flash(app, PN_ROLE_STATUS, "theme %s", arg(cmd, 0));
        }
        return PN_DIRTY_LAYOUT;
    case PN_A_REDRAW:
        clearok(curscr, TRUE);
        app->relayout = true;
        return PN_DIRTY_LAYOUT;
    case PN_A_DUMP_SCREEN:
        if (!arg(cmd, 0)) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "dump-screen: give a NAME");
            return PN_DIRTY_DRAW;
        }
        pn_app_draw(app);
        if (!pn_dump_screen(app, arg(cmd, 0), &err)) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "dump-screen: %s", pn_err_msg(&err));
            pn_err_clear(&err);
        }
        return PN_DIRTY_NONE;
    case PN_A_TICK: {
        long n = arg(cmd, 0) ? strtol(arg(cmd, 0), NULL, 10) : 1;
        if (!app->fixed_clock) {
            pn_app_flash(app, PN_ROLE_STATUS_WARN, "tick: only with a test clock (POSTERN_TUI_CLOCK)");
            return PN_DIRTY_DRAW;
        }
        app->clock_ms += (int64_t)n * 1000;
        return PN_DIRTY_DRAW;
    }
    case PN_A_RESIZE: {
        int cols, lines;
        if (!app->headless) {
            pn_app_flash(app, PN_ROLE_STATUS_WARN, "resize: only in a headless test run");
        } else if (!arg(cmd, 0) || !pn_app_parse_size(arg(cmd, 0), &cols, &lines)) {
            pn_app_flash(app, PN_ROLE_STATUS_ERROR, "resize: give COLSxLINES, e.g. resize 80x24");
        } else {
            pn_term_resize(cols, lines);
            app->relayout = true;
        }
        return PN_DIRTY_LAYOUT;
    }
    case PN_A_REFRESH: {
        pn_slot *s = pn_app_slot(app);
        if (s->st && s->ops->action) {
            int r = s->ops->action(s->st, cmd);
            if (r != PN_UNHANDLED)
                return r;
        }
        return PN_DIRTY_DRAW;
    }
    default:
        return to_screen(app, cmd, a);
    }
}
