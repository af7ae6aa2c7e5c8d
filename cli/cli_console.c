/* cli_console.c - `postern console`: open the console (TUI), or check a key
 * file.
 *
 *   postern console [--screen NAME] [--theme dark|light|mono] [--keymap default|vi]
 *   postern console --check-keys FILE
 *
 * Options win over postern.yaml's console section, which wins over the
 * defaults (queue screen, dark theme - mono with --no-color or NO_COLOR -,
 * default keys, refresh every 5 s). The console needs a terminal on stdin
 * and stdout (tests run it headless with POSTERN_TUI_HEADLESS=1).
 * --check-keys prints every diagnostic of FILE (applied over the built-in
 * default keys) as FILE:LINE:COL lines; exit 1 when there is an error. */
#include "cli.h"
#include "keymap.h"
#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const themes[] = {"dark", "light", "mono", NULL};
static const char *const keymaps[] = {"default", "vi", NULL};

static bool one_of(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], s))
            return true;
    return false;
}

static int check_keys(const char *path)
{
    pn_keymap *km = pn_keymap_new();
    size_t len = 0;
    const char *yaml = pn_keymap_builtin("default", &len);
    const char *const *names = pn_screen_names();
    if (yaml)
        pn_keymap_load(km, "default.yaml", yaml, len, names);
    pn_keymap_clear_diags(km);
    bool ok = pn_keymap_load_file(km, path, names);
    if (ok)
        pn_keymap_check(km);
    size_t n = 0, errors = 0, warnings = 0;
    const pn_keymap_diag *d = pn_keymap_diags(km, &n);
    for (size_t i = 0; i < n; i++) {
        printf("%s: %s\n", d[i].is_error ? "error" : "warning", d[i].message);
        if (d[i].is_error)
            errors++;
        else
            warnings++;
    }
    if (!ok && errors == 0) {
        printf("error: %s: cannot be loaded\n", path);
        errors++;
    }
    printf("%s: %zu error%s, %zu warning%s\n", path, errors, errors == 1 ? "" : "s", warnings,
           warnings == 1 ? "" : "s");
    pn_keymap_free(km);
    return errors ? PN_EXIT_FAIL : PN_EXIT_OK;
}

/* --opt VALUE or --opt=VALUE; advances *i. */
static bool take_value(const char *name, int argc, char **argv, int *i, const char **out, int *rc)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (!strncmp(a, name, n) && a[n] == '=') {
        *out = a + n + 1;
        return true;
    }
    if (*i + 1 >= argc) {
        *rc = pn_cli_usage("console", "%s needs a value", name);
        return false;
    }
    *out = argv[++*i];
    return true;
}

static bool is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(a, name, n) && (a[n] == '\0' || a[n] == '=');
}

static int run_console(pn_cli *cli, int argc, char **argv)
{
    const char *screen = NULL, *theme = NULL, *keymap = NULL, *check = NULL;
    int rc = PN_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--"))
            continue;
        if (is_opt(a, "--screen")) {
            if (!take_value("--screen", argc, argv, &i, &screen, &rc))
                return rc;
        } else if (is_opt(a, "--theme")) {
            if (!take_value("--theme", argc, argv, &i, &theme, &rc))
                return rc;
        } else if (is_opt(a, "--keymap")) {
            if (!take_value("--keymap", argc, argv, &i, &keymap, &rc))
                return rc;
        } else if (is_opt(a, "--check-keys")) {
            if (!take_value("--check-keys", argc, argv, &i, &check, &rc))
                return rc;
        } else {
            return a[0] == '-' ? pn_cli_usage("console", "unknown option '%s'", a)
                               : pn_cli_usage("console", "unexpected argument '%s'", a);
        }
    }
    if (check)
        return check_keys(check);
    if (screen && !pn_screen_find(screen)) {
        pn_str names = PN_STR_INIT;
        for (const char *const *n = pn_screen_names(); *n; n++)
            pn_str_appendf(&names, "%s%s", names.len ? ", " : "", *n);
        rc = pn_cli_usage("console", "unknown screen '%s' (screens: %s)", screen, pn_str_cstr(&names));
        pn_str_free(&names);
        return rc;
    }
    if (theme && !one_of(themes, theme))
        return pn_cli_usage("console", "unknown theme '%s' (themes: dark, light, mono)", theme);
    if (keymap && !one_of(keymaps, keymap))
        return pn_cli_usage("console", "unknown keymap '%s' (keymaps: default, vi)", keymap);
    const char *headless = getenv("POSTERN_TUI_HEADLESS");
    bool is_headless = headless && *headless && strcmp(headless, "0");
    if (!is_headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "postern: console: needs a terminal (stdin and stdout are not both a "
                        "terminal); use a command such as 'postern status' in scripts\n");
        return PN_EXIT_FAIL;
    }
    pn_ctx *ctx = pn_cli_ctx(cli);
    if (!ctx)
        return PN_EXIT_FAIL;
    const pn_config *cfg = ctx->cfg;
    pn_tui_opts opts = {
        .start_screen = screen,
        .no_color = cli->no_color,
        .read_only = cli->read_only || ctx->read_only,
        .theme = theme ? theme : cfg->console_theme,
        .keymap = keymap ? keymap : cfg->console_keymap,
        .refresh_interval = cfg->console_refresh < 0 ? 0 : (cfg->console_refresh == 0 ? -1
                                                                                   : cfg->console_refresh),
    };
    /* An explicit colour theme does not override NO_COLOR / --no-color. */
    if (cli->no_color && !theme)
        opts.theme = "mono";
    return pn_tui_run(ctx, &opts);
}

/* The console when postern runs with no command on a terminal. */
int pn_cli_console_default(pn_cli *cli)
{
    return run_console(cli, 1, (char *[]){(char *)"console", NULL});
}

const pn_cli_noun pn_cli_noun_console = {
    "console",
    "open the console (the default on a terminal)",
    "usage: postern console [--screen NAME] [--theme dark|light|mono] [--keymap default|vi]\n"
    "       postern console --check-keys FILE\n"
    "\n"
    "Open the keyboard-driven console. 'postern' with no command does the same\n"
    "when stdin and stdout are a terminal (else it prints 'postern status').\n"
    "\n"
    "--screen NAME   start on this screen (queue, logs, domains, mailboxes,\n"
    "                addresses, filter, relay, settings; default queue)\n"
    "--theme NAME    dark (default), light or mono; --no-color or NO_COLOR give mono\n"
    "--keymap NAME   default, or vi (vi keys over the defaults)\n"
    "--check-keys FILE\n"
    "                check a keys.yaml (applied over the default keys): print every\n"
    "                error and warning as FILE:LINE:COL, exit 1 on errors\n"
    "\n"
    "Defaults come from postern.yaml: console: { theme: NAME, keymap: NAME,\n"
    "refresh: SECONDS (0 = off) }. Your keys: $XDG_CONFIG_HOME/postern/keys.yaml\n"
    "(~/.config/postern/keys.yaml); 'postern help keys' lists the default keys,\n"
    "':keys' in the console shows the effective map. --read-only disables every\n"
    "action that changes the server.\n",
    run_console,
};
