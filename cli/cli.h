/* cli.h - the command-line layer: global options, the noun registry, and the
 * helpers every noun uses to report errors and print --json.
 *
 * Exit codes (documented in `postern help`): 0 success, 1 failure (the
 * operation or a check failed), 2 usage error (bad option or argument).
 * Errors go to stderr as one line: "postern: <what>: <why>". */
#ifndef PN_CLI_H
#define PN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"
#include "util/err.h"
#include "util/json.h"
#include "util/str.h"

enum { PN_EXIT_OK = 0, PN_EXIT_FAIL = 1, PN_EXIT_USAGE = 2 };

typedef struct pn_cli {
    const char *config_path;   /* --config, or NULL */
    bool read_only;            /* --read-only */
    bool json;                 /* --json */
    bool no_color;             /* --no-color (or NO_COLOR set) */
    pn_ctx *ctx;               /* loaded on first use */
} pn_cli;

typedef struct pn_cli_noun {
    const char *name;
    const char *summary;       /* one line for `postern help` */
    const char *usage;         /* full text for `postern help NAME` */
    /* argv[0] is the noun; global options were already removed. */
    int (*run)(pn_cli *cli, int argc, char **argv);
} pn_cli_noun;

/* The registry: every noun once, in help order. */
#define PN_CLI_NOUNS(X) \
    X(status)           \
    X(doctor)           \
    X(queue)            \
    X(trace)            \
    X(log)              \
    X(config)           \
    X(domain)           \
    X(mailbox)          \
    X(group)            \
    X(public)           \
    X(address)          \
    X(export)           \
    X(import)           \
    X(setting)          \
    X(apply)            \
    X(revert)           \
    X(history)          \
    X(console)

#define PN_CLI_DECLARE(n) extern const pn_cli_noun pn_cli_noun_##n;
PN_CLI_NOUNS(PN_CLI_DECLARE)
#undef PN_CLI_DECLARE

const pn_cli_noun *pn_cli_find(const char *name);
/* Load config and build the context once; prints the error and returns NULL
 * on failure. */
pn_ctx *pn_cli_ctx(pn_cli *cli);
/* "postern: what: reason" on stderr; returns PN_EXIT_FAIL. */
int pn_cli_fail(const char *what, const pn_err *err);
/* "postern: noun: message (see 'postern help noun')"; returns PN_EXIT_USAGE. */
int pn_cli_usage(const char *noun, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reject any argument left after the noun's own options. */
bool pn_cli_no_more_args(const char *noun, int argc, char **argv, int first, int *rc);
/* Write s to stdout, then free it. */
void pn_cli_flush(pn_str *s);
int pn_cli_help(const char *topic);
/* No command on a terminal: the console (cli_console.c). */
int pn_cli_console_default(pn_cli *cli);

#endif
