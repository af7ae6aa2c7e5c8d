/* app_internal.h - the console's own state, shared by the files of the
 * terminal layer (app, bars, help, dialog, prompt, formview, dump, script,
 * draw). Screens never include this: they see ui.h and draw.h only. */
#ifndef PN_APP_INTERNAL_H
#define PN_APP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "draw.h"
#include "form.h"
#include "keymap.h"
#include "lineedit.h"
#include "theme.h"
#include "ui.h"
#include "util/argv.h"

/* ---- canvas (draw.c) ------------------------------------------------------ */

struct pn_canvas {
    pn_rect area;              /* absolute screen rectangle */
    bool unicode;
    const char *filter_text;   /* active filter of the list drawn here, or NULL */
    int hscroll;               /* columns scrolled off to the left (list widget) */
};

/* A canvas over the given absolute rectangle. */
void pn_canvas_init(pn_canvas *c, pn_rect area);
/* The role grid that mirrors the screen (for dumps): reset to NORMAL at
 * each full redraw and resized with the terminal. */
void pn_draw_begin_frame(int lines, int cols);
int pn_draw_role_at(int y, int x);
void pn_draw_free_roles(void);
/* "3,402" */
void pn_draw_thousands(pn_str *out, size_t n);
/* Put the terminal cursor at (y, x) and show it (prompts), or hide it. */
void pn_draw_cursor(pn_canvas *c, int y, int x, bool show);

/* ---- modals: prompts, dialogs, forms, text views ------------------------- */

typedef struct pn_modal pn_modal;
struct pn_modal {
    const char *mode;          /* keymap mode section ("modes.dialog") or NULL */
    bool bottom_line;          /* a prompt on the status line, not an overlay */
    const char *hint;          /* hint bar text while open ("Enter accept  Esc cancel") */
    /* A key the mode section did not bind. Returns dirty flags. */
    int (*key)(pn_app *app, pn_modal *m, pn_key k);
    /* A command bound in the mode section. */
    int (*exec)(pn_app *app, pn_modal *m, const char *command);
    void (*draw)(pn_app *app, pn_modal *m, pn_canvas *screen);
    void (*free)(pn_modal *m);
    pn_modal *below;
};

/* ---- jobs ------------------------------------------------------------------ */

struct pn_job {
    pn_app *app;
    char *title;
    void (*run)(pn_job *job, void *data);
    void (*done)(void *st, void *data, bool cancelled);
    void *st, *data;
    pthread_t thread;
    volatile bool cancel;      /* guarded by app->job_lock */
    bool finished;             /* guarded by app->job_lock */
    double progress;           /* guarded by app->job_lock; < 0 unknown */
    pn_job *next;
};

/* ---- screens ---------------------------------------------------------------- */

typedef struct pn_slot {
    const pn_screen_ops *ops;
    void *st;                  /* NULL for unavailable screens */
    char *filter_text;         /* the active filter as typed, or NULL */
    void *filter;              /* compiled (ops->filter_free frees it) */
    int hscroll;
    bool ready_traced;
    pn_list_source plain_src;  /* substring filter for screens without a language */
    const pn_list_source *orig_src;
} pn_slot;

enum pn_prompt_kind { PN_PROMPT_COMMAND, PN_PROMPT_FILTER, PN_PROMPT_SEARCH, PN_PROMPT_GOTO,
                      PN_PROMPT_KINDS };

typedef struct pn_script pn_script;

struct pn_app {
    pn_ctx *ctx;
    pn_tui_opts opts;
    bool read_only;
    bool mono;
    pn_keymap *km;
    pn_theme *theme;
    pn_slot *slots;
    size_t nslots, cur;
    pn_modal *modal;
    /* key sequence being typed (prefix of a longer binding) */
    pn_keyseq pending;
    const char *pending_section;
    int64_t pending_since;
    /* status line */
    char *flash;
    int flash_role;
    bool flash_sticky;         /* survives one key (set during the key) */
    int refresh;
    bool paused;
    char *badge;               /* title-bar notice (pn_app_set_badge) or NULL */
    bool quit;
    int exit_code;
    /* dirty state */
    bool dirty, relayout;
    int lines, cols;
    /* clock */
    bool fixed_clock;
    int64_t clock_ms;
    /* jobs */
    pthread_mutex_t job_lock;
    pn_job *jobs;
    int wake_pipe[2];
    /* prompts */
    pn_history history[PN_PROMPT_KINDS];
    char *last_search;
    /* tests and tracing */
    bool headless;
    pn_script *script;
    char *dump_dir;
    FILE *trace;
    pn_argv trace_keys;        /* "name ms" of keys waiting for their frame */
    /* start-up messages (keymap errors) shown once the loop runs */
    char *startup_error;
};

/* app.c */
pn_slot *pn_app_slot(pn_app *app);
const pn_screen_ops *pn_app_screen(pn_app *app);
void pn_app_push_modal(pn_app *app, pn_modal *m);
/* Close the top modal (and free it). */
void pn_app_pop_modal(pn_app *app);
/* Run a command line (as accepted at the : prompt). Returns dirty flags. */
int pn_app_run_line(pn_app *app, const char *line);
int pn_app_run_command(pn_app *app, const pn_command *cmd);
bool pn_app_switch(pn_app *app, size_t index);
/* Draw everything now (the loop does this when dirty; dumps force it). */
void pn_app_draw(pn_app *app);
/* "COLSxLINES" */
bool pn_app_parse_size(const char *s, int *cols, int *lines);
void pn_app_set_dirty(pn_app *app);
/* Is this action refused (read-only)? */
bool pn_app_action_refused(const pn_app *app, const pn_action *a);
/* Hidden actions in the keymap/command sense: true when unbound in read-only. */
const pn_theme *pn_app_theme(const pn_app *app);
bool pn_app_set_theme(pn_app *app, const char *name, pn_err *err);
/* Candidates for the argument of an action (core ones and the screen's). */
const char *const *pn_app_arg_values(pn_app *app, pn_action_id a, pn_argv *scratch);

/* app_list.c: the shared list actions on the current screen's list. */
int pn_app_list_action(pn_app *app, const pn_command *cmd);
/* Apply filter text to the current screen (live, from the / prompt); false
 * + err when it does not compile (the previous filter stays). */
bool pn_app_apply_filter(pn_app *app, const char *text, pn_err *err);
void pn_app_search(pn_app *app, const char *needle, int dir, bool include_cursor);
void pn_app_slot_free_filter(pn_slot *s);

/* bars.c */
void pn_bars_draw(pn_app *app, pn_canvas *screen);
/* Layout of the screen area between the bars. */
pn_rect pn_bars_body(const pn_app *app);
void pn_bars_hints(pn_app *app, pn_canvas *screen, int y);

/* help.c */
void pn_help_open(pn_app *app);
void pn_help_keys_text(pn_app *app, pn_str *out);

/* dialog.c */
void pn_dialog_columns(pn_app *app, pn_listmodel *m);
/* A scrollable text view; roles per line (NULL: dialog role). */
void pn_pager_open(pn_app *app, const char *title, const char *text, const int *line_roles,
                   size_t n_roles);

/* prompt.c */
void pn_prompt_open(pn_app *app, enum pn_prompt_kind kind, const char *initial);

/* dump.c */
bool pn_dump_screen(pn_app *app, const char *name, pn_err *err);
/* One character per role for the role layer of dumps (legend in
 * tests/golden/README.md). */
char pn_dump_role_char(int role);

/* script.c: scripted input, one item at a time. */
typedef enum pn_script_kind {
    PN_SCRIPT_END,
    PN_SCRIPT_KEYS,            /* keys[]: pressed one by one */
    PN_SCRIPT_COMMAND,         /* text: run as if accepted at the : prompt */
    PN_SCRIPT_WAIT,
} pn_script_kind;
typedef struct pn_script_item {
    pn_script_kind kind;
    pn_key *keys;
    size_t n_keys;
    char *text;
    int line;
} pn_script_item;
pn_script *pn_script_open(const char *path, pn_err *err);
pn_script *pn_script_from_text(const char *name, const char *text, size_t len);
/* Next item; false + err (file:line) on a bad key name, true with
 * PN_SCRIPT_END at the end. The item is valid until the next call. */
bool pn_script_next(pn_script *s, pn_script_item *item, pn_err *err);
void pn_script_free(pn_script *s);

/* testscreen.c (registered when POSTERN_TUI_TEST_ROWS is set) */
extern const pn_screen_ops pn_screen_test;

#endif
