/* cmdline.h - parse what the user typed after ':' (or a keymap value) into
 * an action and its arguments, and complete it.
 *
 * Syntax: NAME [ARG...]; arguments are split on blanks, "double quotes" keep
 * blanks. Aliases: q -> quit, h -> help, and every screen name -> `screen
 * NAME` (`:queue`, `:logs`). Unknown names are an error with a suggestion. */
#ifndef PN_CMDLINE_H
#define PN_CMDLINE_H

#include <stdbool.h>

#include "action.h"
#include "util/argv.h"
#include "util/err.h"

typedef struct pn_command {
    pn_action_id action;
    pn_argv args;
} pn_command;

/* screens: NULL-terminated list of screen names that act as aliases. */
bool pn_cmdline_parse(const char *text, const char *const *screens, pn_command *out, pn_err *err);
void pn_command_free(pn_command *c);
/* Candidates for the word being typed at the end of text: action names and
 * screen names for the first word; for arguments, the action's own
 * candidates given by arg_values (NULL-terminated; may be NULL). */
void pn_cmdline_complete(const char *text, const char *const *screens,
                         const char *const *arg_values, pn_argv *out);

#endif
