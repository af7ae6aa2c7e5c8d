/* cmdline.h - parse what the user typed after ':' (or a keymap value) into
 * an action and its arguments, and complete it.
 *
 * Syntax: NAME [ARG...]; arguments are split on blanks, "double quotes" keep
 * blanks. Aliases: q -> quit, h -> help, and every screen name -> `screen
 * NAME` (`:queue`, `:logs`). Unknown names are an error with a suggestion.
 *
 * Details: a quote may start or end anywhere in a word (a"b c"d is one word
 * `ab cd`); inside quotes \" is a quote and \\ a backslash, elsewhere a
 * backslash is an ordinary character. Control characters (tabs too),
 * invalid UTF-8 and bidi overrides are refused with the column. Action names
 * win over screen aliases: `:filter` is the filter action, `:screen filter`
 * the screen. `screen` takes exactly one argument, a known screen name (when
 * a screen list is given). */
#ifndef PN_CMDLINE_H
#define PN_CMDLINE_H

#include <stdbool.h>

#include "action.h"
#include "util/argv.h"
#include "util/err.h"
#include "util/str.h"

typedef struct pn_command {
    pn_action_id action;
    pn_argv args;
} pn_command;

/* screens: NULL-terminated list of screen names that act as aliases. */
/* Errors: PN_E_NOTFOUND for an unknown command name, PN_E_INVALID for the
 * rest. out is always initialised (free it with pn_command_free either way). */
bool pn_cmdline_parse(const char *text, const char *const *screens, pn_command *out, pn_err *err);
void pn_command_free(pn_command *c);
/* Split into words (quotes removed), refusing control characters and an
 * unterminated quote; words is appended to. */
bool pn_cmdline_split(const char *text, pn_argv *words, pn_err *err);
/* The action the first word names (alias and screen names resolved), or
 * PN_A_NONE; e.g. to choose the arg_values for completion. */
pn_action_id pn_cmdline_action_of(const char *text, const char *const *screens);
/* Closest command name (actions, aliases, screens) to an unknown word. */
const char *pn_cmdline_suggest(const char *word, const char *const *screens);
/* Append the canonical text of a command: the action name and its
 * arguments, quoted where needed, so pn_cmdline_parse reads it back. */
void pn_command_format(pn_str *out, const pn_command *c);
/* Candidates for the word being typed at the end of text: action names and
 * screen names for the first word; for arguments, the action's own
 * candidates given by arg_values (NULL-terminated; may be NULL). Candidates
 * are whole words that start with what is typed, appended to out: sorted
 * for the first word (hidden actions left out), in arg_values order for
 * arguments; quoted when they hold blanks or the word was begun with a
 * quote. With arg_values NULL, the argument of `screen` completes over
 * screens. Text with control characters completes to nothing. */
void pn_cmdline_complete(const char *text, const char *const *screens,
                         const char *const *arg_values, pn_argv *out);

#endif
