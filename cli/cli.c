/* cli.c - noun registry, help text and the helpers shared by every noun. */
#include "cli.h"
#include "keyref.h"
#include "pn_version.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PN_CLI_ENTRY(n) &pn_cli_noun_##n,
static const pn_cli_noun *const nouns[] = {PN_CLI_NOUNS(PN_CLI_ENTRY)};
#undef PN_CLI_ENTRY
#define N_NOUNS (sizeof(nouns) / sizeof(nouns[0]))

const pn_cli_noun *pn_cli_find(const char *name)
{
    for (size_t i = 0; i < N_NOUNS; i++)
        if (!strcmp(nouns[i]->name, name))
            return nouns[i];
    return NULL;
}

pn_ctx *pn_cli_ctx(pn_cli *cli)
{
    if (cli->ctx)
        return cli->ctx;
    pn_err err = PN_ERR_INIT;
    pn_config *cfg = pn_config_load(cli->config_path, &err);
    if (!cfg) {
        pn_cli_fail("configuration", &err);
        pn_err_clear(&err);
        return NULL;
    }
    cli->ctx = pn_ctx_new_local(cfg, cli->read_only);
    return cli->ctx;
}

int pn_cli_fail(const char *what, const pn_err *err)
{
    char *clean = pn_utf8_sanitized(pn_err_msg(err));
    fprintf(stderr, "postern: %s: %s\n", what, clean);
    free(clean);
    return PN_EXIT_FAIL;
}

int pn_cli_usage(const char *noun, const char *fmt, ...)
{
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    char *clean = pn_utf8_sanitized(pn_str_cstr(&s));
    if (!strcmp(noun, "postern"))
        fprintf(stderr, "postern: %s (see 'postern help')\n", clean);
    else
        fprintf(stderr, "postern: %s: %s (see 'postern help %s')\n", noun, clean, noun);
    free(clean);
    pn_str_free(&s);
    return PN_EXIT_USAGE;
}

bool pn_cli_no_more_args(const char *noun, int argc, char **argv, int first, int *rc)
{
    for (int i = first; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            continue;
        *rc = argv[i][0] == '-' ? pn_cli_usage(noun, "unknown option '%s'", argv[i])
                                : pn_cli_usage(noun, "unexpected argument '%s'", argv[i]);
        return false;
    }
    return true;
}

void pn_cli_flush(pn_str *s)
{
    if (s->len)
        fwrite(s->s, 1, s->len, stdout);
    pn_str_free(s);
    fflush(stdout);
}

static const char general_help[] =
    "usage: postern [GLOBAL OPTIONS] [COMMAND [ARGS...]]\n"
    "\n"
    "A keyboard-driven console for a Postfix + Dovecot + Rspamd mail server.\n"
    "With no command, postern opens the console when stdin and stdout are a\n"
    "terminal, and prints the status overview otherwise.\n"
    "\n"
    "Global options (anywhere on the line):\n"
    "  --config FILE   use this postern.yaml instead of the search order\n"
    "                  ($POSTERN_CONFIG, ~/.config/postern/postern.yaml,\n"
    "                  /etc/postern/postern.yaml, built-in defaults)\n"
    "  --read-only     refuse every change (enforced in the backend)\n"
    "  --json          machine-readable output where a command supports it\n"
    "  --no-color      no colours (also when NO_COLOR is set)\n"
    "  --version       print the version\n"
    "  --help          this text; 'postern help COMMAND' for one command\n"
    "\n"
    "Commands:\n";

static const char exit_help[] =
    "\n"
    "Exit status: 0 success, 1 failure (an operation or a check failed),\n"
    "2 usage error (unknown command, bad option or argument).\n"
    "Errors are printed on stderr as one line: 'postern: WHAT: WHY'.\n";

int pn_cli_help(const char *topic)
{
    if (topic && !strcmp(topic, "keys")) {
        pn_str ref = PN_STR_INIT;
        pn_keys_reference(&ref);
        pn_cli_flush(&ref);
        return PN_EXIT_OK;
    }
    if (topic) {
        const pn_cli_noun *n = pn_cli_find(topic);
        if (!n)
            return pn_cli_usage("postern", "no help for unknown command '%s'", topic);
        fputs(n->usage, stdout);
        fputs(exit_help, stdout);
        return PN_EXIT_OK;
    }
    printf("postern %s\n\n", PN_VERSION);
    fputs(general_help, stdout);
    for (size_t i = 0; i < N_NOUNS; i++)
        printf("  %-14s %s\n", nouns[i]->name, nouns[i]->summary);
    printf("  %-14s %s\n", "help", "show help for a command ('help keys': the console's keys)");
    fputs(exit_help, stdout);
    return PN_EXIT_OK;
}
