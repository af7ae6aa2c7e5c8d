/* cli_logopts.h - options shared by `postern trace` and `postern log`:
 * --log PATH (repeatable), --since/--until TIME, --host, and the log set
 * they select (the given files, or the configured sources). */
#ifndef PN_CLI_LOGOPTS_H
#define PN_CLI_LOGOPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "maillog.h"
#include "util/argv.h"

typedef struct pn_cli_logopts {
    pn_argv logs;          /* --log paths */
    int64_t since_us, until_us;
    const char *host;
    const char *index;     /* --index FILE (trace, log search) */
    bool no_index;         /* --no-index: scan the files */
} pn_cli_logopts;

/* --since/--until take a TIME as backend/util/timearg.h reads it. */
/* If argv[*i] is one of the shared options, take it (and its value) and
 * return true; *rc is set (usage error) when its value is bad. */
bool pn_cli_logopt(const char *noun, pn_cli_logopts *o, int argc, char **argv, int *i, int *rc);
/* The files to read: --log paths exactly as given, else the configured
 * sources with their rotated siblings. Prints the error; false on failure. */
bool pn_cli_logset(pn_cli *cli, const pn_cli_logopts *o, pn_logset *out);
void pn_cli_logopts_free(pn_cli_logopts *o);

/* --index FILE and --no-index (trace and log search): like pn_cli_logopt. */
bool pn_cli_indexopt(const char *noun, pn_cli_logopts *o, int argc, char **argv, int *i, int *rc);
/* The log index to answer from: --index FILE (it must exist: `postern log
 * index --index FILE` builds it), else the default one beside the state DB
 * when it exists and no --log was given; NULL with --no-index or when there
 * is none (the files are scanned: same answers, slower). A default index
 * that cannot be opened is named on stderr and skipped. Prints the error
 * and returns false only for a bad --index FILE. */
struct pn_logindex;
bool pn_cli_logindex(pn_cli *cli, const pn_cli_logopts *o, struct pn_logindex **out);
/* Both: the files and the index to answer from (trace, log search); on
 * false the error was printed and nothing is left open. */
bool pn_cli_logsources(pn_cli *cli, const pn_cli_logopts *o, pn_logset *ls,
                       struct pn_logindex **ix);

#endif
