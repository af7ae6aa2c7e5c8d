/* help.c - help generated from the action table and the effective keymap:
 * the `?` overlay for the current screen (groups core, list, the screen's
 * own; dangerous actions marked; in read-only mode the refused ones are
 * greyed with "(read-only)"), the `:keys` text (every section of the
 * effective map with each binding's origin, then the load diagnostics), and
 * the key reference of `postern help keys`. */
#include "app_internal.h"
#include "keyref.h"
#include "screens.h"
#include "util/mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Does a binding's command run this action? ("sort size" runs sort.) */
static bool command_is(const char *command, const char *name)
{
    size_t n = strlen(name);
    return command && !strncmp(command, name, n) && (command[n] == '\0' || command[n] == ' ');
}

/* "q, <C-c>" for the bindings of action name in the sections. */
static void keys_of(const pn_keymap *km, const char *const *sections, const char *name, pn_str *out)
{
    pn_str k = PN_STR_INIT;
    for (size_t s = 0; sections[s]; s++) {
        const pn_binding **list = NULL;
        size_t n = pn_keymap_section(km, sections[s], &list);
        for (size_t i = 0; i < n; i++) {
            if (!command_is(list[i]->command, name))
                continue;
            pn_str_reset(&k);
            pn_keyseq_name(&k, &list[i]->seq);
            if (out->len)
                pn_str_append(out, ", ");
            pn_str_append(out, pn_str_cstr(&k));
            if (strcmp(list[i]->command, name))
                pn_str_appendf(out, " (%s)", list[i]->command + strlen(name) + 1);
        }
        free(list);
    }
    pn_str_free(&k);
}

typedef struct lines {
    pn_str text;
    int *roles;
    size_t n, cap;
} lines;

static void add_line(lines *l, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_line(lines *l, int role, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&l->text, fmt, ap);
    va_end(ap);
    pn_str_appendc(&l->text, '\n');
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->roles = pn_realloc(l->roles, l->cap * sizeof(int));
    }
    l->roles[l->n++] = role;
}

/* Is action a in this help group? The screen's group also takes the
 * actions the screen puts in its hint bar (its own commands). */
static bool in_group(const pn_action *a, const char *group, const pn_action_id *extra)
{
    if (a->flags & PN_AF_HIDDEN)
        return false;
    if (!strcmp(a->group, group))
        return true;
    for (const pn_action_id *h = extra; h && *h != PN_A_NONE; h++)
        if (*h == a->id && strcmp(a->group, "list") && strcmp(a->group, "core"))
            return true;
    return false;
}

static void help_group(pn_app *app, lines *l, const char *group, const char *heading,
                       const char *const *sections, const pn_action_id *extra)
{
    size_t count;
    const pn_action *all = pn_action_all(&count);
    bool any = false;
    for (size_t i = 0; i < count; i++)
        any = any || in_group(&all[i], group, extra);
    if (!any)
        return;
    add_line(l, PN_ROLE_HEADER, "%s", heading);
    pn_str keys = PN_STR_INIT;
    for (size_t i = 0; i < count; i++) {
        const pn_action *a = &all[i];
        if (!in_group(a, group, extra))
            continue;
        pn_str_reset(&keys);
        keys_of(app->km, sections, a->name, &keys);
        if (keys.len > 14) {        /* many keys: a line of their own */
            add_line(l, PN_ROLE_HINT_KEY, "  %s", pn_str_cstr(&keys));
            pn_str_reset(&keys);
        }
        bool refused = pn_app_action_refused(app, a);
        int role = refused ? PN_ROLE_HINT_DISABLED
                           : (a->flags & PN_AF_DANGEROUS ? PN_ROLE_DANGER : PN_ROLE_DIALOG);
        add_line(l, role, "  %-14s %-13s %s%s%s", pn_str_cstr(&keys), a->name,
                 a->help, a->flags & PN_AF_DANGEROUS ? " [dangerous]" : "",
                 refused ? " (read-only)" : "");
    }
    pn_str_free(&keys);
    add_line(l, PN_ROLE_DIALOG, "%s", "");
}

void pn_help_open(pn_app *app)
{
    const pn_screen_ops *ops = pn_app_screen(app);
    pn_slot *s = pn_app_slot(app);
    char *sec = pn_sprintf("screens.%s", ops->name);
    const char *sections[] = {sec, "global", NULL};
    lines l = {PN_STR_INIT, NULL, 0, 0};
    add_line(&l, PN_ROLE_DIALOG_TITLE, "%s: %s", ops->title, ops->help ? ops->help : "");
    if (!s->st)
        add_line(&l, PN_ROLE_DIM, "%s", ops->not_yet ? ops->not_yet : "not available yet");
    if (app->read_only)
        add_line(&l, PN_ROLE_STATUS_WARN, "%s",
                 "Read-only: actions that change the server are disabled.");
    add_line(&l, PN_ROLE_DIALOG, "%s", "");
    if (s->st) {
        char *heading = pn_sprintf("%s", ops->title);
        help_group(app, &l, ops->name, heading, sections, ops->hints);
        free(heading);
        if (ops->list)
            help_group(app, &l, "list", "List", sections, NULL);
    }
    help_group(app, &l, "core", "Everywhere", sections, NULL);
    add_line(&l, PN_ROLE_DIM, "%s", "Every key runs a command you can also type after ':'. "
                                    ":keys shows the whole key map.");
    pn_pager_open(app, "Help", pn_str_cstr(&l.text), l.roles, l.n);
    pn_str_free(&l.text);
    free(l.roles);
    free(sec);
}

static void keys_section(const pn_keymap *km, const char *section, pn_str *out)
{
    const pn_binding **list = NULL;
    size_t n = pn_keymap_section(km, section, &list);
    if (n == 0) {
        free(list);
        return;
    }
    pn_str_appendf(out, "%s\n", section);
    pn_str k = PN_STR_INIT;
    for (size_t i = 0; i < n; i++) {
        pn_str_reset(&k);
        pn_keyseq_name(&k, &list[i]->seq);
        pn_str_appendf(out, "  %-10s %-24s %s\n", pn_str_cstr(&k),
                       list[i]->command ? list[i]->command : "(none)",
                       list[i]->origin ? list[i]->origin : "");
    }
    pn_str_free(&k);
    pn_str_append(out, "\n");
    free(list);
}

void pn_help_keys_text(pn_app *app, pn_str *out)
{
    pn_str_append(out, "The effective key map: section, key, command, where the binding comes from.\n");
    if (app->read_only)
        pn_str_append(out, "Read-only: bindings of actions that change the server are removed.\n");
    pn_str_append(out, "\n");
    keys_section(app->km, "global", out);
    for (const char *const *n = pn_screen_names(); *n; n++) {
        char *sec = pn_sprintf("screens.%s", *n);
        keys_section(app->km, sec, out);
        free(sec);
    }
    keys_section(app->km, "modes.prompt", out);
    keys_section(app->km, "modes.form", out);
    keys_section(app->km, "modes.dialog", out);
    size_t nd = 0;
    const pn_keymap_diag *d = pn_keymap_diags(app->km, &nd);
    if (nd) {
        pn_str_append(out, "Diagnostics\n");
        for (size_t i = 0; i < nd; i++)
            pn_str_appendf(out, "  %s: %s\n", d[i].is_error ? "error" : "warning", d[i].message);
    }
}

/* ---- postern help keys -------------------------------------------------------------- */

void pn_keys_reference(pn_str *out)
{
    pn_keymap *km = pn_keymap_new();
    size_t len = 0;
    const char *yaml = pn_keymap_builtin("default", &len);
    size_t nscreens;
    const pn_screen_ops *const *screens = pn_screens(&nscreens);
    pn_argv names = PN_ARGV_INIT;
    for (size_t i = 0; i < nscreens; i++)
        if (strcmp(screens[i]->name, "test"))
            pn_argv_add(&names, screens[i]->name);
    if (yaml)
        pn_keymap_load(km, "default.yaml", yaml, len, (const char *const *)pn_argv_items(&names));
    pn_str_append(out,
                  "# postern keys\n\n"
                  "The console's commands and their default keys, generated from the action\n"
                  "table (tui/action.h) and keymaps/default.yaml by `postern help keys`\n"
                  "(regenerate: `postern help keys > docs/keys.md`). Every key runs a command\n"
                  "that can also be typed after `:`; keys.yaml in $XDG_CONFIG_HOME/postern\n"
                  "rebinds them (see keymaps/README.md), `:keys` shows the effective map.\n"
                  "Flags: dangerous (always confirmed), writes (refused with --read-only),\n"
                  "selection (acts on the cursor row or the marked rows), bulk (all marked).\n");
    size_t count;
    const pn_action *all = pn_action_all(&count);
    pn_argv groups = PN_ARGV_INIT;
    for (size_t i = 0; i < count; i++) {
        bool seen = false;
        for (size_t g = 0; g < groups.n; g++)
            seen = seen || !strcmp(groups.v[g], all[i].group);
        if (!seen)
            pn_argv_add(&groups, all[i].group);
    }
    pn_str keys = PN_STR_INIT;
    for (size_t g = 0; g < groups.n; g++) {
        char *sec = pn_sprintf("screens.%s", groups.v[g]);
        const char *sections[] = {"global", sec, NULL};
        pn_str_appendf(out, "\n## %s\n\n", groups.v[g]);
        for (size_t i = 0; i < count; i++) {
            const pn_action *a = &all[i];
            if (strcmp(a->group, groups.v[g]) || (a->flags & PN_AF_HIDDEN))
                continue;
            pn_str_reset(&keys);
            keys_of(km, sections, a->name, &keys);
            if (keys.len > 18) {        /* many keys: a line of their own */
                pn_str_appendf(out, "    %s\n", pn_str_cstr(&keys));
                pn_str_reset(&keys);
                pn_str_append(&keys, "");
            } else if (!keys.len) {
                pn_str_append(&keys, "(none)");
            }
            pn_str_appendf(out, "    %-18s %-13s %s", pn_str_cstr(&keys), a->name,
                           a->help);
            const char *flag_names[] = {"dangerous", "writes", "selection", "bulk"};
            bool first = true;
            for (int f = 0; f < 4; f++)
                if (a->flags & (1 << f)) {
                    pn_str_appendf(out, "%s%s", first ? " [" : ", ", flag_names[f]);
                    first = false;
                }
            pn_str_append(out, first ? "\n" : "]\n");
        }
        free(sec);
    }
    pn_str_free(&keys);
    pn_argv_free(&groups);
    pn_argv_free(&names);
    pn_keymap_free(km);
}
