/* ui.h - what a screen sees of the console: the ops struct it implements,
 * and the services the application offers it. No curses types appear here:
 * screens draw through tui/draw.h and never call curses themselves.
 *
 * The loop: input (a terminal, or a script in tests) -> keymap -> command ->
 * the core's own actions (quit, screens, prompts, the shared list actions on
 * the screen's list model) or the screen's ops->action -> dirty flags ->
 * only then does the loop draw. Handlers change state and return flags; they
 * never draw. */
#ifndef PN_UI_H
#define PN_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "cmdline.h"
#include "ctx.h"
#include "listmodel.h"
#include "util/err.h"
#include "util/str.h"

typedef struct pn_rect {
    int y, x, h, w;
} pn_rect;

/* Dirty flags returned by handlers. */
enum {
    PN_DIRTY_NONE = 0,
    PN_DIRTY_DRAW = 1 << 0,      /* redraw */
    PN_DIRTY_LAYOUT = 1 << 1,    /* recompute layout, then redraw */
    PN_DIRTY_QUIT = 1 << 2,
    PN_UNHANDLED = 1 << 30,      /* not this handler's action */
};

typedef struct pn_app pn_app;
typedef struct pn_canvas pn_canvas;   /* see draw.h */

typedef struct pn_screen_ops {
    const char *name;        /* "queue": also `:queue`, the keymap section screens.queue */
    const char *title;       /* "Queue" (tab label) */
    const char *help;        /* one line for `?` */
    bool available;          /* false: listed, shows an honest "not available yet" */
    const char *not_yet;     /* for unavailable screens: what will bring it */

    void *(*create)(pn_app *app);
    void (*destroy)(void *st);
    void (*enter)(void *st);                  /* became the visible screen */
    void (*leave)(void *st);
    /* Called each loop turn (>= every 200 ms, also while hidden); start or
     * finish background work here. now_ms is the app clock. */
    int (*tick)(void *st, int64_t now_ms);
    /* A command for this screen (its own actions, and list actions it wants
     * to handle itself). Return PN_UNHANDLED to let the core handle it. */
    int (*action)(void *st, const pn_command *cmd);
    void (*draw)(void *st, pn_canvas *c, pn_rect area);
    /* Right-hand part of the title bar: "312 msgs  updated 12:01:05". */
    void (*status)(void *st, pn_str *out);
    /* The screen's list, if it has one: the core then handles the shared
     * list actions (move, sort, columns, marks, filter, search) on it. */
    pn_listmodel *(*list)(void *st);
    /* Filter language of this screen: compile text for pn_listmodel_set_filter
     * (NULL + err on a bad filter; "" gives NULL = no filter). */
    void *(*filter_compile)(void *st, const char *text, pn_err *err);
    void (*filter_free)(void *filter);
    /* Completion candidates for an action's argument (NULL-terminated). */
    const char *const *(*arg_values)(void *st, pn_action_id a);
    /* Global go-to: QID, Message-ID, address or domain. true if it jumped. */
    bool (*go_to)(void *st, const char *target);
    /* Hint-bar actions of this screen, in order (PN_A_NONE terminated). */
    const pn_action_id *hints;
    /* Optional: the screen has its first rows (POSTERN_TUI_TRACE writes
     * "ready <ms>" the first time this is true for the start screen). */
    bool (*ready)(void *st);
    /* Optional: the live count shown at the `/` prompt, for a screen that
     * filters in the background instead of through its list model
     * ("1,204 of 3,402,118 lines"; the Logs screen). */
    void (*filter_count)(void *st, pn_str *out);
} pn_screen_ops;

/* The registry (tui/registry.c): every screen once, in tab order. */
const pn_screen_ops *const *pn_screens(size_t *n);
const pn_screen_ops *pn_screen_find(const char *name);
/* NULL-terminated list of screen names (cmdline aliases, keymap sections). */
const char *const *pn_screen_names(void);

/* ---- services of the application to screens ---------------------------- */

pn_ctx *pn_app_ctx(pn_app *app);
bool pn_app_read_only(const pn_app *app);
/* Milliseconds; the real monotonic-ish wall clock, or the fixed test clock
 * advanced by `:tick` in scripted runs. Also unix seconds for ages. */
int64_t pn_app_now_ms(const pn_app *app);
int64_t pn_app_time(const pn_app *app);
/* One-line message in the status line until the next key (role: theme.h). */
void pn_app_flash(pn_app *app, int role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A short notice in the title bar on every screen, next to READ-ONLY and
 * PAUSED, until replaced or cleared (NULL or ""): "3 changes not applied".
 * The text itself carries the meaning (it is drawn as a badge, not only in
 * a colour). */
void pn_app_set_badge(pn_app *app, const char *text);
/* Auto-refresh interval of the screens (seconds; 0 = off) and pause state. */
int pn_app_refresh_interval(const pn_app *app);
bool pn_app_paused(const pn_app *app);
/* True while a prompt, form or dialog is open (refresh must wait). */
bool pn_app_modal(const pn_app *app);

/* Confirmation dialog. The safe choice (Cancel) is focused; the text states
 * how many items the action touches; at or above typed_threshold items the
 * user must type the word and the count ("DELETE 4312"). done() is called
 * once with the answer, from the loop. */
typedef struct pn_confirm {
    const char *title;        /* "Delete messages" */
    const char *message;      /* "Delete 12 messages from the queue? ..." */
    const char *yes_label;    /* "Delete" */
    size_t count;
    bool dangerous;           /* danger role, typed confirmation above threshold */
    size_t typed_threshold;   /* 0: default 100 */
    const char *typed_word;   /* "DELETE" */
} pn_confirm;
void pn_app_confirm(pn_app *app, const pn_confirm *spec, void (*done)(void *st, bool yes), void *st);
/* Set the filter of the current screen's list as if typed at the `/`
 * prompt (compiled with ops->filter_compile; "" clears it). The active
 * filter text shown by the core follows. A screen's go_to uses it to show
 * every message of an address or domain. false + flash if it does not compile. */
bool pn_app_set_filter(pn_app *app, const char *text);
/* A form over the screen (tui/formview.c draws it and feeds it keys; the
 * keymap section modes.form adds bindings). The form stays the caller's:
 * done() is called once from the loop, submitted = every field valid and
 * OK chosen; free the form there or later, not before. */
typedef struct pn_form pn_form;
void pn_app_form(pn_app *app, pn_form *form, void (*done)(void *st, pn_form *form, bool submitted),
                 void *st);
/* Run a command line as if typed after ':' and accepted ("goto QID",
 * "screen queue"); returns the dirty flags. For a screen that hands the
 * user to another screen (the Logs trace's "in-queue"). */
int pn_app_command(pn_app *app, const char *line);
/* Error box (dismissed with any key). */
void pn_app_error(pn_app *app, const char *title, const char *message);
/* A scrollable text view over the screen (`:keys`, action reports). */
void pn_app_show_text(pn_app *app, const char *title, const char *text);

/* Background work: run() in a worker thread (it must not touch curses or
 * screen state other than its own job data); done() later in the loop
 * thread. Progress and cancel: the job polls pn_job_cancelled() and may set
 * pn_job_progress(); the status line shows "title... 40%  (Esc cancels)". In
 * scripted runs the loop waits for every job before reading the next input,
 * so tests are deterministic. Returns false if a job with that title runs. */
typedef struct pn_job pn_job;
bool pn_app_start_job(pn_app *app, const char *title, void (*run)(pn_job *job, void *data),
                      void (*done)(void *st, void *data, bool cancelled), void *st, void *data);
bool pn_job_cancelled(const pn_job *job);
void pn_job_progress(pn_job *job, double fraction);   /* 0..1, <0 unknown */
bool pn_app_job_running(const pn_app *app, const char *title);

/* ---- entry point --------------------------------------------------------- */

typedef struct pn_tui_opts {
    const char *start_screen;   /* NULL: "queue" */
    bool no_color;
    bool read_only;
    const char *theme;          /* NULL: "dark" (mono with no_color) */
    const char *keymap;         /* NULL: "default"; "vi" adds keymaps/vi.yaml */
    int refresh_interval;       /* seconds; 0: default 5; < 0: off */
} pn_tui_opts;

/* Run the console until quit. Takes over the terminal and always restores
 * it (normal exit, SIGINT/SIGTERM/SIGHUP, crash signals). Headless/scripted
 * mode is selected by the environment, for tests:
 *   POSTERN_TUI_SCRIPT=FILE   read keys and :commands from FILE instead of the
 *                             terminal (one item per line: a key sequence
 *                             like "j" "<C-r>" "gg", or ":command args")
 *   POSTERN_TUI_HEADLESS=1    no real terminal: output to /dev/null with
 *                             POSTERN_TUI_SIZE=COLSxLINES (default 100x30)
 *   POSTERN_TUI_DUMP_DIR=DIR  where :dump-screen NAME writes NAME.screen
 *   POSTERN_TUI_CLOCK=EPOCH   fixed clock (advanced by :tick N)
 * Returns the process exit code. */
int pn_tui_run(pn_ctx *ctx, const pn_tui_opts *opts);

#endif
