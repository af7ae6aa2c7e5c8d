/* main.c - the postern binary: global options, then a noun, else the overview.
 *
 *   postern [--config FILE] [--read-only] [--json] [--no-color] [NOUN [ARGS...]]
 *   postern --version | --help | help [NOUN]
 *
 * With no noun, postern opens the console (TUI) when stdin and stdout are
 * terminals, else it prints the status overview (`postern status`). */
#include "cli.h"
#include "pn_version.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Remove global options from anywhere in argv (up to "--"); returns the new
 * argc, or -1 after printing a usage error. */
static int take_global_options(pn_cli *cli, int argc, char **argv, bool *want_version,
                               bool *want_help)
{
    int out = 1;
    bool after_dashdash = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (after_dashdash || a[0] != '-') {
            argv[out++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) {
            after_dashdash = true;
            argv[out++] = argv[i];
        } else if (!strcmp(a, "--config") || !strcmp(a, "-c")) {
            if (i + 1 >= argc) {
                pn_cli_usage("postern", "%s needs a file name", a);
                return -1;
            }
            cli->config_path = argv[++i];
        } else if (!strncmp(a, "--config=", 9)) {
            cli->config_path = a + 9;
        } else if (!strcmp(a, "--read-only")) {
            cli->read_only = true;
        } else if (!strcmp(a, "--json")) {
            cli->json = true;
        } else if (!strcmp(a, "--no-color")) {
            cli->no_color = true;
        } else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
            *want_version = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *want_help = true;
        } else {
            argv[out++] = argv[i];            /* a noun's own option */
        }
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    pn_cli cli = {0};
    bool want_version = false, want_help = false;
    const char *nc = getenv("NO_COLOR");
    cli.no_color = nc && *nc;

    argc = take_global_options(&cli, argc, argv, &want_version, &want_help);
    if (argc < 0)
        return PN_EXIT_USAGE;
    if (want_version) {
        printf("postern %s\n", PN_VERSION);
        return PN_EXIT_OK;
    }
    if (want_help)
        return pn_cli_help(argc > 1 ? argv[1] : NULL);

    int rc;
    if (argc < 2) {
        if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && !cli.json)
            rc = pn_cli_console_default(&cli);
        else
            rc = pn_cli_noun_status.run(&cli, 1, (char *[]){(char *)"status", NULL});
    } else if (!strcmp(argv[1], "help")) {
        rc = pn_cli_help(argc > 2 ? argv[2] : NULL);
    } else {
        const pn_cli_noun *noun = pn_cli_find(argv[1]);
        if (!noun)
            rc = pn_cli_usage("postern", "unknown command '%s'", argv[1]);
        else
            rc = noun->run(&cli, argc - 1, argv + 1);
    }
    pn_ctx_free(cli.ctx);
    return rc;
}
