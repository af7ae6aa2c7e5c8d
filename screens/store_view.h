/* store_view.h - what the Domains, Mailboxes and Addresses screens share.
 *
 *   sv_store   one connection to the state DB for the console's store
 *              screens, a change serial that tells them to reload, and the
 *              title-bar badge "N changes not applied" (store_view.c);
 *   sv_table   a list of text cells over the one list widget: sort by any
 *              column (numbers as numbers), a small filter language, marks
 *              and the cursor kept by key across reloads (store_view_table.c);
 *   sv_screen  the part of each screen's state the shared code works on:
 *              loading when the serial moves, refresh, apply, journal and
 *              explain (store_view.c, store_view_apply.c);
 *   sv_form    add/edit forms whose store errors land on the field they
 *              name (store_view_form.c);
 *   deletes    confirmation, then the store; what it refuses because
 *              something still uses it is named in a second confirmation
 *              that offers the cascade (store_view_delete.c).
 *
 * Everything goes through backend/store.h, apply.h and explain.h: the same
 * calls as `postern domain|mailbox|group|public|address` and `postern apply`.
 * Only screens/domains.c, mailboxes*.c, addresses.c and the store_view*.c files
 * include this. */
#ifndef PN_STORE_VIEW_H
#define PN_STORE_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "form.h"
#include "listmodel.h"
#include "store.h"
#include "ui.h"
#include "util/argv.h"

/* ---- the shared store ----------------------------------------------------- */

typedef struct sv_store sv_store;

/* The first call opens the state DB (read-only in read-only mode, where a
 * missing DB is an error shown by the screens, never created); later calls
 * share it. Each acquire is paired with a release. */
sv_store *sv_store_acquire(pn_app *app);
void sv_store_release(sv_store *s);
/* NULL when the DB could not be opened; sv_store_error says why. */
pn_store *sv_store_get(sv_store *s);
const char *sv_store_error(const sv_store *s);
/* Moves whenever the stored data may have changed: a write here, a commit
 * by another process (seen at the refresh interval), an explicit refresh. */
uint64_t sv_store_serial(const sv_store *s);
/* After a write or an apply here: new serial, pending count and badge.
 * When the DB could not be opened, this tries again (refresh). */
void sv_store_changed(sv_store *s);
/* Each screen's tick: at the refresh interval (not while paused or a
 * dialog is open) look for commits by other processes. */
void sv_store_tick(sv_store *s, int64_t now_ms);
/* Changes not applied yet (the journal rows without a generation), or -1. */
int64_t sv_store_pending(const sv_store *s);

/* ---- tables --------------------------------------------------------------- */

#define SV_NO_NUM INT64_MIN

typedef struct sv_table {
    const pn_column *cols;
    int ncols;
    size_t n, cap;
    char **keys;               /* row key: the name users type */
    char **cells;              /* n * ncols, owned, never NULL */
    int64_t *nums;             /* n * ncols: sort value, or SV_NO_NUM (text) */
    int *roles;                /* per row (theme.h) */
    pn_list_source src;
    pn_listmodel lm;
} sv_table;

void sv_table_init(sv_table *t, const pn_column *cols, int ncols);
void sv_table_free(sv_table *t);
/* Reloading: clear, add the rows, then done (marks and cursor follow keys). */
void sv_table_clear(sv_table *t);
size_t sv_table_add(sv_table *t, const char *key);
void sv_table_set(sv_table *t, size_t row, int col, const char *text);
void sv_table_setf(sv_table *t, size_t row, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sv_table_set_num(sv_table *t, size_t row, int col, int64_t num);
void sv_table_set_role(sv_table *t, size_t row, int role);
void sv_table_done(sv_table *t);
/* Row index of a key, or SIZE_MAX. */
size_t sv_table_find(const sv_table *t, const char *key);
/* Key of the cursor row, or NULL. */
const char *sv_table_cursor_key(const sv_table *t);
/* Keys the selection acts on: the marked rows, else the cursor row. */
size_t sv_table_selection(sv_table *t, pn_argv *keys);

/* The filter of the store screens: blank-separated terms that must all
 * hold; WORD matches any cell (case ignored), COLUMN:TEXT one column by
 * its id (hidden columns too: domain:example.com), a leading '-' inverts a
 * term. false + err naming the unknown column. */
void *sv_filter_compile(const sv_table *t, const char *text, pn_err *err);
void sv_filter_free(void *filter);

/* ---- screens ---------------------------------------------------------------- */

typedef struct sv_screen sv_screen;
struct sv_screen {
    pn_app *app;
    pn_ctx *ctx;
    sv_store *store;
    uint64_t loaded_serial;
    bool loaded;
    char *error;               /* why the rows could not be read, or NULL */
    /* work waiting for an answer in a dialog (freed with the screen when
     * the console quits first) */
    struct sv_delete_run *deleting;
    struct sv_apply_run *applying;
    /* The screen's loader: read the store into its tables (false + err). */
    bool (*load)(sv_screen *s, pn_store *st, pn_err *err);
    /* The address the explain action takes from the cursor row, or NULL
     * after a flash saying why there is none. */
    const char *(*explain_target)(sv_screen *s);
};

void sv_screen_init(sv_screen *s, pn_app *app);
void sv_screen_fini(sv_screen *s);
/* Load now (after a change made here). */
void sv_screen_reload(sv_screen *s);
/* ops->tick: reload when the serial moved. */
int sv_screen_tick(sv_screen *s, int64_t now_ms);
/* refresh, apply, journal, explain; PN_UNHANDLED for the rest. */
int sv_screen_action(sv_screen *s, const pn_command *cmd);
/* The body when there are no rows to show: the store's error or the
 * load error. true if it drew something (then the list is not drawn). */
bool sv_screen_draw_problem(sv_screen *s, pn_canvas *c, pn_rect area);
/* A write action needs the store: false + flash when it is not open. */
pn_store *sv_screen_store(sv_screen *s, const char *action);

/* store_view_apply.c */
void sv_apply_start(sv_screen *s);
void sv_apply_discard(sv_screen *s);
void sv_journal_show(sv_screen *s);
void sv_explain_show(sv_screen *s, const char *address);

/* ---- forms (store_view_form.c) --------------------------------------------------- */

typedef struct sv_form sv_form;
/* The store call of a submitted form; false + err (whose "field: ..."
 * prefix names the field to show it on). On success *done_msg (heap) is
 * the flash message. */
typedef bool (*sv_submit_fn)(sv_screen *s, sv_form *f, pn_store *st, char **done_msg,
                             pn_err *err);

struct sv_form {
    pn_form form;
    bool open;
    char *title;
    /* what is being edited: key and revision (add: NULL and 0) */
    char *key;
    int64_t id, rev;
    int kind;                  /* the screen's own tag (which entity) */
    sv_submit_fn submit;
    sv_screen *owner;
};

/* Open a form over the screen (f must stay where it is while open); false
 * (and a flash) when f is open already. */
bool sv_form_open(sv_screen *s, sv_form *f, const char *title, const pn_field_spec *specs,
                  size_t n, sv_submit_fn submit);
void sv_form_free(sv_form *f);
/* Set a field's value as text ("true"/"false" for yes/no fields, the
 * choice's name for choices). */
void sv_form_set(sv_form *f, const char *id, const char *value);
const char *sv_form_value(const sv_form *f, const char *id);
/* Set an error on a field the submit callback found (then return false
 * with err left clear: the form reopens with it). */
void sv_form_field_error(sv_form *f, const char *id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Split a list field ("a@x, b@y c@z") into words. */
void sv_split_list(const char *text, pn_argv *out);
/* Field checks: a list of addresses; a size or "default"; days or "default". */
bool sv_check_address_list(const char *label, const char *value, pn_err *err);
bool sv_check_quota(const char *label, const char *value, pn_err *err);
bool sv_check_days(const char *label, const char *value, pn_err *err);
/* "default" or "" -> -1, else the size / number. */
int64_t sv_parse_quota(const char *value);
int sv_parse_days(const char *value);
/* "default", "no limit" or "2.0G" (lists) */
void sv_quota_text(pn_str *out, int64_t bytes);
/* "default", or the exact size as typed: "2G", "500M", "1048577" (forms) */
void sv_quota_input(pn_str *out, int64_t bytes);

/* ---- deletes (store_view_delete.c) ------------------------------------------------ */

typedef struct sv_delete_kind {
    const char *noun;          /* "domain" */
    const char *nouns;         /* "domains" */
    /* what the cascade does, after "Deleting anyway ": "also removes their
     * mailboxes, groups and addresses"; NULL: no cascade */
    const char *cascade_does;
    bool (*del)(pn_store *st, const char *key, bool cascade, pn_err *err);
} sv_delete_kind;

/* Confirm and delete keys (taken over; a static kind); the marks of list
 * are cleared once the user confirms. */
void sv_delete_start(sv_screen *s, const sv_delete_kind *kind, pn_argv *keys,
                     pn_listmodel *list);
/* Drop a delete still waiting for its confirmation. */
void sv_delete_discard(sv_screen *s);

#endif
