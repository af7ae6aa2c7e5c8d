/* apply.h - puts the state store into effect: render, stage, validate, swap,
 * reload, and roll back on failure; generations, history and revert.
 *
 * Layout on the managed host (all through the transport):
 *   <postfix config_dir>/postern/gen-N/      lookup tables of generation N
 *   <postfix config_dir>/postern/current  -> gen-N   (symlink, swapped atomically)
 *   <dovecot config dir>/postern/gen-N/      passwd-file, userdb, deny lists,
 *                                            dovecot.conf (the include)
 *   <dovecot config dir>/postern/current  -> gen-N
 * main.cf points at postern/current/... for the parameters postern manages
 * (render.h lists them); they are set with `postconf -c DIR -e` only when
 * their value differs. Dovecot's configuration must `!include_try` the file
 * postern/current/dovecot.conf (postern doctor and apply say so).
 *
 * A run: render from one read snapshot of the store -> write gen-N.stage ->
 * postmap -> validate (postconf -n with warnings as errors, postfix check,
 * postmap -q probes, doveconf -n) -> rename to gen-N -> swap the symlinks ->
 * postconf -e -> reload what changed -> post checks -> record generation N
 * and stamp the pending journal rows with it. Any failure before the swap
 * leaves the live configuration untouched; a failure after it points the
 * symlinks and parameters back at the previous generation and reloads again.
 * The last `keep` generations stay on disk; each has a snapshot of the state
 * (next to the state DB) so that revert can restore it. */
#ifndef PN_APPLY_H
#define PN_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "store.h"
#include "util/err.h"

#define PN_APPLY_KEEP_DEFAULT 10

typedef enum pn_change_kind { PN_CHANGE_ADD, PN_CHANGE_MODIFY, PN_CHANGE_REMOVE } pn_change_kind;

/* One managed file or main.cf parameter whose content changes. */
typedef struct pn_apply_change {
    char *service;             /* "postfix" or "dovecot" */
    char *name;                /* "virtual", "passwd", "main.cf virtual_alias_maps" */
    pn_change_kind kind;
    char *diff;                /* unified diff of this item; secrets masked */
    size_t added, removed;     /* lines */
} pn_apply_change;

typedef struct pn_apply_plan {
    int64_t generation;        /* the number the apply will create */
    int64_t live_generation;   /* the one in effect, 0 = none yet */
    pn_apply_change *changes;
    size_t nchanges;
    size_t pending;            /* journal rows not in any generation yet */
    bool reload_postfix, reload_dovecot;
    char *diff;                /* every change, one unified diff */
} pn_apply_plan;

void pn_apply_plan_clear(pn_apply_plan *p);

/* Progress reports ("validating: postfix check") and cancellation: return
 * false from the callback to stop before the swap (after it, the run goes
 * to its end). */
typedef bool (*pn_apply_progress_cb)(void *arg, const char *step);

typedef struct pn_apply_opts {
    bool dry_run;              /* plan only: nothing is written */
    pn_apply_progress_cb progress;
    void *arg;
    const char *note;          /* free text recorded with the generation */
} pn_apply_opts;

typedef struct pn_apply_result {
    int64_t generation;        /* created (0 when nothing changed or dry run) */
    bool changed;              /* something was different */
    bool rolled_back;          /* a post-swap step failed; the previous one is back */
    pn_apply_plan plan;        /* what was (or, dry run: would be) changed */
    char *log;                 /* the steps run, one per line */
} pn_apply_result;

void pn_apply_result_clear(pn_apply_result *r);

/* What an apply would change now (same as a dry run). */
bool pn_apply_plan_make(pn_ctx *ctx, pn_store *st, pn_apply_plan *plan, pn_err *err);
/* Apply the store. Refused in read-only mode. */
bool pn_apply_run(pn_ctx *ctx, pn_store *st, const pn_apply_opts *opts, pn_apply_result *res,
                  pn_err *err);
/* Restore the state of generation gen (0 = the one before the live one)
 * into the store, journal it, and apply it as a new generation. */
bool pn_apply_revert(pn_ctx *ctx, pn_store *st, int64_t gen, const pn_apply_opts *opts,
                     pn_apply_result *res, pn_err *err);

typedef struct pn_generation {
    int64_t id, at;
    char *actor;
    char *status;              /* "live", "ok", "rolled-back", "failed" */
    char *message;             /* failure reason or note */
    int64_t reverted_from;     /* revert source, 0 = none */
    int64_t njournal;          /* journal rows it put into effect */
    bool on_disk;              /* files still kept (revert possible) */
} pn_generation;

/* Newest first, at most limit (0 = all). */
bool pn_apply_history(pn_store *st, size_t limit, pn_generation **out, size_t *count,
                      pn_err *err);
void pn_generation_list_free(pn_generation *list, size_t count);

#endif
