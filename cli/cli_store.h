/* cli_store.h - helpers shared by the state-store nouns (domain, mailbox,
 * group, public, address): opening the store from the configuration,
 * parsing the verbs' options, the delete confirmation and small printers. */
#ifndef PN_CLI_STORE_H
#define PN_CLI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "store.h"
#include "util/argv.h"

/* An open store over the state DB named by the configuration (state_db). */
typedef struct pn_cli_store {
    sqlite3 *db;
    pn_store *st;
} pn_cli_store;

/* Opens cfg->state_db; prints the error and returns false on failure. */
bool pn_cli_store_open(pn_cli *cli, pn_cli_store *cs);
void pn_cli_store_close(pn_cli_store *cs);

/* Positional words and options of one verb, in command-line order. */
typedef struct pn_cli_opts {
    pn_argv words;
    pn_argv names;    /* option names ("--to") */
    pn_argv values;   /* parallel to names; "" for flags */
} pn_cli_opts;

/* Parses argv[first..]: flags and valued are space-separated option lists
 * with spaces around (" --yes --cascade "). Accepts --opt=value. Refuses
 * unknown options and CR/LF in any argument, naming the option (usage
 * errors, *rc set); on failure o is already freed. */
bool pn_cli_opts_parse(const char *noun, const char *flags, const char *valued, int argc,
                       char **argv, int first, pn_cli_opts *o, int *rc);
void pn_cli_opts_free(pn_cli_opts *o);
bool pn_cli_opt_has(const pn_cli_opts *o, const char *name);
/* The last value given for name, or NULL. */
const char *pn_cli_opt(const pn_cli_opts *o, const char *name);
/* Every value given for name, in order (a view; free with pn_argv_free). */
void pn_cli_opt_all(const pn_cli_opts *o, const char *name, pn_argv *out);
/* Exactly n positional words, else a usage error naming what is missing. */
bool pn_cli_opts_words(const char *noun, const pn_cli_opts *o, size_t n, const char *what,
                       int *rc);
/* --rev N (optional): 0 when absent. */
bool pn_cli_opt_rev(const char *noun, const pn_cli_opts *o, int64_t *rev, int *rc);

/* Delete: on a terminal ask (default no) showing `what` and `affected`;
 * off a terminal --yes is required (usage error otherwise). Returns false
 * when not confirmed (*rc set). */
bool pn_cli_store_confirm(const char *noun, const pn_cli_opts *o, const char *what,
                          const char *affected, int *rc);

/* "created/updated/rev" JSON keys shared by every entity. */
void pn_cli_json_meta(pn_json *j, int64_t rev, int64_t created, int64_t updated);
/* Prints text with control characters replaced, padded to width columns
 * (no padding when width is 0). */
void pn_cli_cell(pn_str *out, const char *text, int width);
/* Reports a store error for `what` and returns PN_EXIT_FAIL. */
int pn_cli_store_fail(const char *what, pn_err *err);
/* Result line after a change ("domain example.com added (revision 1); run
 * 'postern apply' to put it into effect"), or {"ok":true,...} with --json. */
int pn_cli_store_done(pn_cli *cli, const char *noun, const char *name, const char *verb,
                      int64_t rev);

/* The new password from --password-stdin (all of stdin, one trailing newline
 * dropped) or --password-file F (must not be readable by group or others).
 * *out is NULL when neither was given. Free with pn_cli_password_free. */
bool pn_cli_read_password(const char *noun, const pn_cli_opts *o, char **out, int *rc);
void pn_cli_password_free(char *pw);

/* Edits a list of strings in place: the `set` option (repeatable) replaces
 * it when given, then `add` values are appended (no duplicates) and `remove`
 * values dropped; removing a value that is not there is a usage error. */
bool pn_cli_list_edit(const char *noun, const pn_cli_opts *o, const char *set, const char *add,
                      const char *remove, pn_argv *cur, int *rc);

/* The verb dispatcher every store noun uses. */
typedef struct pn_cli_store_verbs {
    const char *noun;
    int (*list)(pn_cli *cli, int argc, char **argv);
    int (*show)(pn_cli *cli, int argc, char **argv);
    int (*add)(pn_cli *cli, int argc, char **argv);
    int (*edit)(pn_cli *cli, int argc, char **argv);
    int (*del)(pn_cli *cli, int argc, char **argv);
} pn_cli_store_verbs;

int pn_cli_store_dispatch(const pn_cli_store_verbs *v, pn_cli *cli, int argc, char **argv);

/* A command that works on the store: how its command line is checked before
 * the store is opened, and the work once it is open. */
#define PN_CLI_ANY_WORDS ((size_t)-1)
typedef struct pn_cli_store_cmd {
    const char *noun;         /* "setting set": names the command in messages */
    int first;                /* argv index of its first argument: 2 after a verb */
    const char *flags;        /* option lists as for pn_cli_opts_parse */
    const char *valued;
    size_t nwords;            /* exactly this many positional words, or
                               * PN_CLI_ANY_WORDS when check judges them */
    const char *what;         /* names the words when some are missing */
    /* Optional: what else must hold before the store is opened; false with
     * *rc set (a usage error, or a failure it reported). */
    bool (*check)(pn_cli *cli, const pn_cli_opts *o, void *arg, int *rc);
    /* The work, with the store open; returns the exit code. */
    int (*run)(pn_cli *cli, pn_store *st, const pn_cli_opts *o, void *arg);
} pn_cli_store_cmd;

/* Parses argv, checks the words and c->check, opens the store, runs c->run
 * (arg is passed to both), closes the store and frees the options. Returns
 * the exit code. */
int pn_cli_store_run(pn_cli *cli, int argc, char **argv, const pn_cli_store_cmd *c, void *arg);

/* Reads one answer line from stdin: true when it starts with y or Y. */
bool pn_cli_answer_yes(void);

/* The body of a read-only verb (list, show): fetches from the open store and
 * prints; returns false with err set when the store refuses. */
typedef bool (*pn_cli_store_read_fn)(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err);

/* The list/show skeleton: parses the options (`valued` as for
 * pn_cli_opts_parse, no flags), requires nwords positional words (`what`
 * names them), opens the store and runs `read`. Returns the exit code. */
int pn_cli_store_read_verb(pn_cli *cli, int argc, char **argv, const char *noun,
                           const char *valued, size_t nwords, const char *what,
                           pn_cli_store_read_fn read);

/* Deletes one entity by name; cascade is false when the noun has no --cascade. */
typedef bool (*pn_cli_store_delete_fn)(pn_store *st, const char *name, int64_t rev, bool cascade,
                                       pn_err *err);

/* What the delete verb of one noun needs to know. `affected_cascade` is NULL
 * when the noun takes no --cascade. */
typedef struct pn_cli_store_deleter {
    const char *noun;             /* "group" */
    const char *what;             /* "a group address" */
    const char *affected;         /* shown when confirming without --cascade */
    const char *affected_cascade; /* shown when confirming with --cascade */
    pn_cli_store_delete_fn del;
} pn_cli_store_deleter;

/* The delete skeleton: NAME [--cascade] [--yes] [--rev N], confirmation,
 * the delete and the result line. Returns the exit code. */
int pn_cli_store_delete_verb(pn_cli *cli, int argc, char **argv, const pn_cli_store_deleter *d);

/* --json output: one entity (one) or an array of n, each `size` bytes apart
 * in items and printed by json_one; ends with a newline. */
void pn_cli_json_entities(pn_str *s, const void *items, size_t size, size_t n, bool one,
                          void (*json_one)(pn_json *j, const void *item));

#endif
