/* ctx.h - one managed instance: its configuration, its transport, the mode.
 *
 * Every backend operation takes a pn_ctx. Writes call pn_ctx_check_write()
 * first, so --read-only is enforced here in the backend and not only hidden
 * in the user interface. */
#ifndef PN_CTX_H
#define PN_CTX_H

#include <stdbool.h>

#include "config.h"
#include "transport.h"
#include "util/err.h"

typedef struct pn_ctx {
    pn_config *cfg;
    pn_transport *tr;
    bool read_only;
} pn_ctx;

/* Takes ownership of cfg; read_only is OR-ed with cfg->read_only. */
pn_ctx *pn_ctx_new_local(pn_config *cfg, bool read_only);
void pn_ctx_free(pn_ctx *ctx);
/* false + PN_E_READONLY naming the action when the context is read-only. */
bool pn_ctx_check_write(const pn_ctx *ctx, const char *action, pn_err *err);

#endif
