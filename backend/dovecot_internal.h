/* dovecot_internal.h - what dovecot.c and dovecot_public.c share: running
 * doveadm against the configured instance, turning a failed run into one
 * human line, and logging each call. Not for callers outside backend/
 * (the unit tests include it to check the failure messages). */
#ifndef PN_DOVECOT_INTERNAL_H
#define PN_DOVECOT_INTERNAL_H

#include <stdbool.h>

#include "ctx.h"
#include "transport.h"
#include "util/argv.h"
#include "util/err.h"
#include "util/str.h"

/* One user's answer, and a walk over every user (quota get -A). */
#define PN_DOVEADM_TIMEOUT_MS 15000
#define PN_DOVEADM_ALL_TIMEOUT_MS 300000

/* Builds `doveadm -c <conf> [-f tab]` into argv (then the caller adds the
 * command and its arguments). */
void pn_doveadm_argv(const pn_ctx *ctx, bool tab, pn_argv *argv);

/* Runs argv with a timeout (ms). true when doveadm ran, whatever its exit
 * status (read res->exit_code and res->timed_out); false when it could not
 * run at all, with err saying why in words ("doveadm is not installed ..."). */
bool pn_doveadm_run(pn_ctx *ctx, pn_argv *argv, int timeout_ms, pn_run_result *res,
                    pn_err *err);

/* Sets err from a run that failed (non-zero exit, signal or timeout):
 * `what` names the action ("quota get"), user the user it was for (or
 * NULL). Always returns false. */
bool pn_doveadm_fail(const pn_ctx *ctx, const char *what, const char *user,
                     const pn_run_result *res, pn_err *err);

/* Appends "<argv joined>: <outcome>\n" to log (NULL: nothing), sanitised. */
void pn_doveadm_log(pn_str *log, const pn_argv *argv, const char *outcome);

#endif
