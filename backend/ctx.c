/* ctx.c - instance context and the backend read-only guard (see ctx.h). */
#include "ctx.h"
#include "util/mem.h"

#include <stdlib.h>

pn_ctx *pn_ctx_new_local(pn_config *cfg, bool read_only)
{
    pn_ctx *ctx = pn_calloc(1, sizeof(*ctx));
    ctx->cfg = cfg;
    ctx->tr = pn_transport_local_new();
    ctx->read_only = read_only || (cfg && cfg->read_only);
    return ctx;
}

void pn_ctx_free(pn_ctx *ctx)
{
    if (!ctx)
        return;
    pn_transport_free(ctx->tr);
    pn_config_free(ctx->cfg);
    free(ctx);
}

bool pn_ctx_check_write(const pn_ctx *ctx, const char *action, pn_err *err)
{
    if (ctx->read_only)
        return pn_err_set(err, PN_E_READONLY,
                          "%s refused: postern is running read-only (--read-only or read_only: true in %s)",
                          action, ctx->cfg && ctx->cfg->source ? ctx->cfg->source : "the configuration");
    return true;
}
