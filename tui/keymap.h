/* keymap.h - key bindings loaded from YAML, with conflict reports.
 *
 * Files: the built-in keymaps/default.yaml (embedded at build time), then
 * optionally keymaps/vi.yaml (`keymap: vi` or --keymap vi), then the user file
 * ($XDG_CONFIG_HOME/postern/keys.yaml), each applied over the previous one.
 *
 *   # keys.yaml
 *   global:                 # every screen
 *     q: quit
 *     "?": help
 *     ":": command
 *   screens:
 *     queue:                # one section per screen name
 *       D: delete
 *       H: hold
 *       gg: first
 *       x: none             # unbind
 *   modes:                  # input modes: editing keys inside prompts, forms, dialogs
 *     prompt: { <C-u>: kill-to-start }
 *     form: {}
 *     dialog: {}
 *
 * A value is a command as typed after ':' ("sort size", "screen logs"); it is
 * checked against the action table (an unknown action is an error with a
 * suggestion; mode sections take the editing commands listed in lineedit.h /
 * form.h / PN_DIALOG_COMMANDS below). Within one file the same key twice in
 * one section is an error; a prefix clash (g vs gg) in the effective map is a
 * warning naming the shadowed binding. Re-binding a key of an earlier file is
 * normal (logged as the binding's origin). Lookup: screen section, then
 * global. Errors and warnings carry file:line:column. keymaps/README.md is
 * the full reference for users.
 *
 * Stored commands are canonical: aliases resolved and arguments re-quoted
 * (`q` is stored as "quit", `queue` as "screen queue"), so pn_keymap_key_for
 * matches on the action name as written in action.h. Mode sections take
 * single, non-printing keys (a printable key would stop the user typing it;
 * dialogs may bind letters). A dangerous action on a bare Ctrl key is a
 * warning. */
#ifndef PN_KEYMAP_H
#define PN_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"
#include "util/err.h"
#include "util/str.h"

/* Commands of modes.dialog (confirmation and error boxes). Mode sections
 * are checked against: prompt = PN_EDIT_COMMANDS (lineedit.h); form =
 * PN_EDIT_COMMANDS + PN_FORM_COMMANDS (form.h); dialog = these. */
#define PN_DIALOG_COMMANDS(X)         \
    X(ACCEPT,      "dialog-accept")   \
    X(CANCEL,      "dialog-cancel")   \
    X(NEXT_BUTTON, "next-button")     \
    X(PREV_BUTTON, "prev-button")

typedef struct pn_keymap pn_keymap;

typedef struct pn_binding {
    pn_keyseq seq;
    char *command;        /* canonical; NULL when unbound with `none` */
    char *section;        /* "global", "screens.queue", "modes.prompt" */
    char *origin;         /* "default.yaml:12:5": the name given to
                           * pn_keymap_load (pn_keymap_load_file: the path
                           * as given), line and column of the key */
} pn_binding;

typedef struct pn_keymap_diag {
    bool is_error;        /* false: warning */
    char *message;        /* "keys.yaml:7:5: duplicate key 'D' in screens.queue (first at 6:5)" */
} pn_keymap_diag;

pn_keymap *pn_keymap_new(void);
void pn_keymap_free(pn_keymap *km);
/* Apply one YAML document over the map. Returns false if it had errors (the
 * map is left unchanged then); diagnostics (errors and warnings) are appended
 * and can be read with pn_keymap_diags: every error of the file is reported,
 * not only the first. `name` is used in messages and origins ("default.yaml").
 * Screen names (sections and `screen NAME` commands) are checked against
 * known_screens (NULL-terminated; NULL: not checked). An empty document is a
 * valid, empty keymap. */
bool pn_keymap_load(pn_keymap *km, const char *name, const char *yaml, size_t len,
                    const char *const *known_screens);
/* Same, reading path (named in messages and origins as given). A missing or
 * unreadable file is an error diagnostic: check for an optional user file
 * before loading it. */
bool pn_keymap_load_file(pn_keymap *km, const char *path, const char *const *known_screens);
/* Run the prefix-clash check over the effective map (after all loads):
 * global, each screen section with the global bindings it does not hide,
 * each mode. Warnings replace those of an earlier check. */
void pn_keymap_check(pn_keymap *km);
const pn_keymap_diag *pn_keymap_diags(const pn_keymap *km, size_t *n);
void pn_keymap_clear_diags(pn_keymap *km);

typedef enum pn_keymatch {
    PN_KM_NONE,       /* no binding starts with these keys */
    PN_KM_PREFIX,     /* a longer binding starts with them: wait for more */
    PN_KM_FOUND,
} pn_keymatch;

/* Look up keys typed so far in screen ("queue" or "screens.queue"; NULL:
 * global only) or mode ("modes.prompt": that section only). On PN_KM_FOUND
 * *binding is set. PN_KM_PREFIX wins when a longer binding starts with the
 * keys; *binding is then the exact binding shadowed by it, if any (NULL
 * otherwise), for a caller that runs it when the wait times out. Keys are
 * normalised (pn_key_normalize). */
pn_keymatch pn_keymap_lookup(const pn_keymap *km, const char *screen, const pn_keyseq *typed,
                             const pn_binding **binding);
/* First key sequence bound to exactly this command in screen or global
 * (for hint bars and help); NULL if none. The screen section wins over
 * global; within one, the shortest sequence, then the first bound. command
 * is compared with the canonical stored form ("delete", "screen logs"). */
const pn_binding *pn_keymap_key_for(const pn_keymap *km, const char *screen, const char *command);
/* The bindings of one section ("global", "screens.queue" or just "queue",
 * "modes.prompt"), sorted by key name (strcmp of pn_keyseq_name), for :keys
 * and help. Includes `none` entries (command NULL) so :keys can show what a
 * file unbound. Returns the count; *out is a new array (NULL when empty) the
 * caller frees with free(); the bindings stay owned by the map and are valid
 * until the next load, unbind or free. A screen section does not include the
 * global bindings. */
size_t pn_keymap_section(const pn_keymap *km, const char *section, const pn_binding ***out);
/* Remove every binding whose command names an action with any of the given
 * flags (read-only mode unbinds DANGEROUS/WRITES actions). */
void pn_keymap_unbind_flags(pn_keymap *km, int flags);

/* The embedded built-in keymaps (generated at build time from keymaps/). */
const char *pn_keymap_builtin(const char *name, size_t *len);   /* "default", "vi" */

#endif
