/* apply.c - the apply pipeline (apply.h). Placeholder while the renderer is
 * written: every entry point reports that apply is not available yet. */
#include "apply.h"

#include <stdlib.h>

void pn_apply_plan_clear(pn_apply_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nchanges; i++) {
        free(p->changes[i].service);
        free(p->changes[i].name);
        free(p->changes[i].diff);
    }
    free(p->changes);
    free(p->diff);
    *p = (pn_apply_plan){0};
}

void pn_apply_result_clear(pn_apply_result *r)
{
    if (!r)
        return;
    pn_apply_plan_clear(&r->plan);
    free(r->log);
    *r = (pn_apply_result){0};
}

bool pn_apply_plan_make(pn_ctx *ctx, pn_store *st, pn_apply_plan *plan, pn_err *err)
{
    (void)ctx; (void)st; *plan = (pn_apply_plan){0};
    return pn_err_set(err, PN_E_INTERNAL, "apply: not available yet");
}

bool pn_apply_run(pn_ctx *ctx, pn_store *st, const pn_apply_opts *opts, pn_apply_result *res,
                  pn_err *err)
{
    (void)ctx; (void)st; (void)opts; *res = (pn_apply_result){0};
    return pn_err_set(err, PN_E_INTERNAL, "apply: not available yet");
}

bool pn_apply_revert(pn_ctx *ctx, pn_store *st, int64_t gen, const pn_apply_opts *opts,
                     pn_apply_result *res, pn_err *err)
{
    (void)ctx; (void)st; (void)gen; (void)opts; *res = (pn_apply_result){0};
    return pn_err_set(err, PN_E_INTERNAL, "apply: not available yet");
}

bool pn_apply_history(pn_store *st, size_t limit, pn_generation **out, size_t *count,
                      pn_err *err)
{
    (void)st; (void)limit; (void)err; *out = NULL; *count = 0;
    return true;
}

void pn_generation_list_free(pn_generation *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].actor);
        free(list[i].status);
        free(list[i].message);
    }
    free(list);
}
