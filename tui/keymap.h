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
 *     prompt: { <C-u>: kill-line }
 *     form: {}
 *     dialog: {}
 *
 * A value is a command as typed after ':' ("sort size", "screen logs"); it is
 * checked against the action table (an unknown action is an error with a
 * suggestion; mode sections take the editing commands listed in lineedit.h /
 * dialog.h). Within one file the same key twice in one section is an error;
 * a prefix clash (g vs gg) in the effective map is a warning naming the
 * shadowed binding. Re-binding a key of an earlier file is normal (logged as
 * the binding's origin). Lookup: screen section, then global. Errors and
 * warnings carry file:line:column. */
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
    char *command;        /* NULL when unbound with `none` */
    char *section;        /* "global", "screens.queue", "modes.prompt" */
    char *origin;         /* "default.yaml:12:5" */
} pn_binding;

typedef struct pn_keymap_diag {
    bool is_error;        /* false: warning */
    char *message;        /* "keys.yaml:7:5: duplicate key 'D' in screens.queue (first at 6:5)" */
} pn_keymap_diag;

pn_keymap *pn_keymap_new(void);
void pn_keymap_free(pn_keymap *km);
/* Apply one YAML document over the map. Returns false if it had errors (the
 * map is left unchanged then); diagnostics (errors and warnings) are appended
 * and can be read with pn_keymap_diags. `name` is used in messages. Screen
 * names are checked against known_screens (NULL-terminated). */
bool pn_keymap_load(pn_keymap *km, const char *name, const char *yaml, size_t len,
                    const char *const *known_screens);
bool pn_keymap_load_file(pn_keymap *km, const char *path, const char *const *known_screens);
/* Run the prefix-clash check over the effective map (after all loads). */
void pn_keymap_check(pn_keymap *km);
const pn_keymap_diag *pn_keymap_diags(const pn_keymap *km, size_t *n);
void pn_keymap_clear_diags(pn_keymap *km);

typedef enum pn_keymatch {
    PN_KM_NONE,       /* no binding starts with these keys */
    PN_KM_PREFIX,     /* a longer binding starts with them: wait for more */
    PN_KM_FOUND,
} pn_keymatch;

/* Look up keys typed so far in screen (NULL: global only) or mode
 * ("modes.prompt"). On PN_KM_FOUND *binding is set. */
pn_keymatch pn_keymap_lookup(const pn_keymap *km, const char *screen, const pn_keyseq *typed,
                             const pn_binding **binding);
/* First key sequence bound to exactly this command in screen or global
 * (for hint bars and help); NULL if none. */
const pn_binding *pn_keymap_key_for(const pn_keymap *km, const char *screen, const char *command);
/* All effective bindings of a section, sorted by key (for :keys and help). */
size_t pn_keymap_section(const pn_keymap *km, const char *section, const pn_binding ***out);
/* Remove every binding whose command names an action with any of the given
 * flags (read-only mode unbinds DANGEROUS/WRITES actions). */
void pn_keymap_unbind_flags(pn_keymap *km, int flags);

/* The embedded built-in keymaps (generated at build time from keymaps/). */
const char *pn_keymap_builtin(const char *name, size_t *len);   /* "default", "vi" */

#endif
