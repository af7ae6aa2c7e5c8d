/* apply_internal.h - the working state of one apply run, shared by apply.c
 * (plan), apply_exec.c (stage, validate, swap, reload, roll back) and
 * apply_db.c (generations, lock, snapshots, history). */
#ifndef PN_APPLY_INTERNAL_H
#define PN_APPLY_INTERNAL_H

#include <stdarg.h>

#include "apply.h"
#include "render.h"
#include "util/str.h"

typedef struct ap_param {
    const char *name;
    char *live;                /* value set in main.cf now, NULL = not set */
    char *site;                /* the site part kept after postern's */
    char *want;                /* what postern sets */
    bool changed, record_site;
} ap_param;

typedef struct ap_run {
    pn_ctx *ctx;
    pn_store *st;
    const pn_apply_opts *opts;
    const char *map_type;
    char *root[PN_SVC_COUNT];      /* <dir>/postern */
    char *current[PN_SVC_COUNT];   /* <dir>/postern/current */
    pn_render_out out;
    ap_param *params;
    size_t nparams;
    char **live_name[PN_SVC_COUNT];
    pn_str *live_text[PN_SVC_COUNT];
    size_t nlive[PN_SVC_COUNT];
    bool files_changed[PN_SVC_COUNT];
    int64_t live_gen, max_journal, reverted_from;
    bool force_reload;             /* a crashed run swapped without reloading */
    bool postfix_up;               /* Postfix ran before the swap: reload it */
    pn_str log;
} ap_run;

void ap_log(ap_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Log and report progress; false = the caller cancelled. */
bool ap_step(ap_run *r, const char *step);
void ap_paths(const ap_run *r, const char *pf_dir, const char *dc_dir, pn_render_paths *p);
/* N of the gen-N a current link points at, 0 if none. */
int64_t ap_gen_of_link(ap_run *r, pn_service s);

/* apply_exec.c: everything after the plan. */
bool ap_execute(ap_run *r, pn_apply_result *res, pn_err *err);

/* apply_db.c */
bool ap_db_max_journal(ap_run *r, pn_err *err);
bool ap_db_pending(ap_run *r, size_t *pending, pn_err *err);
int64_t ap_db_next_gen(ap_run *r);
bool ap_lock(ap_run *r, int *fd, pn_err *err);
void ap_unlock(int fd);
/* A run killed after its swap: mark what the links say. */
bool ap_recover(ap_run *r, pn_err *err);
bool ap_db_gen_insert(ap_run *r, int64_t gen, const char *snapshot, pn_err *err);
bool ap_db_gen_status(ap_run *r, int64_t gen, const char *status, const char *message,
                      pn_err *err);
/* gen is live: the previous live becomes ok, pending journal rows up to
 * max_journal get gen, site values are recorded. */
bool ap_db_gen_live(ap_run *r, int64_t gen, pn_err *err);
/* Stamp pending rows with the live generation (nothing changed on disk). */
bool ap_db_stamp_noop(ap_run *r, pn_err *err);
/* Copy the configuration tables into a snapshot DB file; path is heap. */
bool ap_snapshot(ap_run *r, int64_t gen, char **path, pn_err *err);
/* Remove generations beyond the configured keep (files and snapshots). */
void ap_prune(ap_run *r);
/* Load the snapshot of *gen (0 = the one before the live one; set to the
 * number used) into the store, journalled as a revert. */
bool ap_restore_snapshot(pn_store *st, pn_ctx *ctx, int64_t *gen, pn_err *err);

#endif
