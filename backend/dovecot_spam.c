/* dovecot_spam.c - the spam retention job: for every mailbox whose
 * retention (its own, else the setting mailbox.default_spam_retention_days)
 * is at least one day, expunge what has sat in its spam folder longer,
 * with `doveadm expunge ... savedbefore Nd` (the time the message was
 * saved, not its Date: header, which the sender controls). Meant for a
 * daily timer: `postern mailbox expunge-spam`. */
#include "dovecot.h"
#include "dovecot_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

/* A folder name that can go into argv and means one mailbox. */
static bool valid_folder(const char *folder, pn_err *err)
{
    if (!pn_valid_text("folder", folder, 200, err))
        return false;
    if (!folder[0] || folder[0] == '-' || strpbrk(folder, "*%\"\\"))
        return pn_err_set(err, PN_E_INVALID, "folder: must be a mailbox name, not empty, without"
                                             " wildcards (* %%), quotes or a leading '-'");
    return true;
}

bool pn_dovecot_expunge_spam(pn_ctx *ctx, pn_store *st, const char *folder, bool dry_run,
                             pn_str *report, size_t *failed, pn_err *err)
{
    *failed = 0;
    if (!valid_folder(folder, err))
        return false;
    if (!dry_run && !pn_ctx_check_write(ctx, "expunge spam", err))
        return false;
    int64_t dflt = pn_store_setting_int(st, "mailbox.default_spam_retention_days", 0);
    pn_mailbox *list = NULL;
    size_t n = 0;
    if (!pn_store_mailbox_list(st, NULL, &list, &n, err))
        return false;
    for (size_t i = 0; i < n; i++) {
        int64_t days = list[i].spam_retention_days >= 0 ? list[i].spam_retention_days : dflt;
        if (days < 1) {
            pn_str_appendf(report, "%s\tkept\t(no retention)\n", list[i].address);
            continue;
        }
        pn_argv argv = {0};
        pn_doveadm_argv(ctx, false, &argv);
        pn_argv_addv(&argv, "expunge", "-u", list[i].address, "mailbox", folder, "savedbefore",
                     NULL);
        pn_argv_addf(&argv, "%lldd", (long long)days);
        if (dry_run) {
            pn_str_appendf(report, "%s\twould expunge\t%s saved over %lld days ago\n",
                           list[i].address, folder, (long long)days);
            pn_argv_free(&argv);
            continue;
        }
        pn_run_result res = PN_RUN_RESULT_INIT;
        pn_err e = PN_ERR_INIT;
        if (!pn_doveadm_run(ctx, &argv, PN_DOVEADM_TIMEOUT_MS, &res, &e)) {
            pn_run_result_free(&res);
            pn_argv_free(&argv);
            pn_mailbox_list_free(list, n);
            *err = e;
            return false;            /* doveadm is not there: no point going on */
        }
        const char *out = pn_str_cstr(&res.err);
        if (res.exit_code == 0) {
            pn_str_appendf(report, "%s\texpunged\t%s saved over %lld days ago\n",
                           list[i].address, folder, (long long)days);
        } else if (strstr(out, "doesn't exist") || strstr(out, "does not exist")) {
            pn_str_appendf(report, "%s\tnothing to do\tno folder %s\n", list[i].address, folder);
        } else {
            pn_doveadm_fail(ctx, "expunge", list[i].address, &res, &e);
            pn_str_appendf(report, "%s\tfailed\t%s\n", list[i].address, pn_err_msg(&e));
            (*failed)++;
        }
        pn_err_clear(&e);
        pn_run_result_free(&res);
        pn_argv_free(&argv);
    }
    pn_mailbox_list_free(list, n);
    return true;
}
