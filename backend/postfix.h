/* postfix.h - facts about the managed Postfix instance, read through its own tools.
 *
 * Every call runs postconf/postfix as argv vectors through the instance's
 * transport, always with `-c <config_dir>` so a private instance (the lab, a
 * multi-instance setup) is addressed exactly as `postconf -c` would. */
#ifndef PN_POSTFIX_H
#define PN_POSTFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "ctx.h"
#include "util/argv.h"
#include "util/err.h"
#include "util/str.h"

/* Queues as Postfix names them, in display order. */
#define PN_POSTFIX_QUEUES "maildrop", "incoming", "active", "deferred", "hold", "corrupt"
#define PN_POSTFIX_NQUEUES 6

typedef struct pn_queue_counts {
    long count[PN_POSTFIX_NQUEUES];   /* -1 when the queue directory is unreadable */
} pn_queue_counts;

const char *pn_postfix_queue_name(int i);

/* Values of several main.cf parameters with one `postconf -c DIR -h NAME...`
 * call; values[i] receives a heap string for names[i]. */
bool pn_postfix_params(pn_ctx *ctx, const char *const *names, size_t n, char **values,
                       pn_err *err);
/* One parameter: heap string or NULL with err. */
char *pn_postfix_param(pn_ctx *ctx, const char *name, pn_err *err);
/* `postconf -m`: supported lookup table types, one per entry. */
bool pn_postfix_lookup_types(pn_ctx *ctx, pn_argv *out, pn_err *err);
/* `postfix -c DIR status`: true when the master is running. */
bool pn_postfix_running(pn_ctx *ctx, pn_err *err);
/* Count queue files per queue under queue_dir (directory walk, no postqueue). */
bool pn_postfix_queue_counts(pn_ctx *ctx, const char *queue_dir, pn_queue_counts *out,
                             pn_err *err);
/* Parse "3.7.11" into a comparable number (3007011); -1 if unparsable. */
long pn_postfix_version_number(const char *version);

#endif
