/* queue_internal.h - internals of the queue listing, exposed for unit tests.
 *
 * pn_queue_scan() feeds `postqueue -j` output, in whatever chunks the pipe
 * delivers, to a line splitter that parses each complete line, drops
 * duplicate queue IDs and hands entries to the caller's callback. The
 * splitter is declared here so that tests can drive it with arbitrary chunk
 * boundaries without running Postfix. Not part of the public API. */
#ifndef PN_QUEUE_INTERNAL_H
#define PN_QUEUE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "queue.h"
#include "util/str.h"

/* Longest single line accepted; a longer one is discarded and counted bad. */
#define PN_QLINE_MAX (16u * 1024 * 1024)

/* Open-addressing set of strings (queue IDs); owns its copies. */
typedef struct pn_qidset {
    char **slots;
    size_t cap;          /* power of two, or 0 */
    size_t n;
} pn_qidset;

/* Add s; returns false when it was already present. */
bool pn_qidset_add(pn_qidset *set, const char *s);
bool pn_qidset_has(const pn_qidset *set, const char *s);
void pn_qidset_free(pn_qidset *set);

typedef struct pn_qlines {
    pn_str buf;          /* the incomplete line carried across chunks */
    bool overlong;       /* current line passed max_line: skipping to '\n' */
    bool stopped;        /* the callback returned false */
    size_t max_line;
    pn_qentry_cb cb;
    void *cbctx;
    pn_qscan_stats *stats;
    pn_qidset seen;
} pn_qlines;

/* stats must be non-NULL and is not reset here. max_line 0: PN_QLINE_MAX. */
void pn_qlines_init(pn_qlines *p, size_t max_line, pn_qentry_cb cb, void *cbctx,
                    pn_qscan_stats *stats);
/* Consume a chunk; false once the callback has asked to stop. */
bool pn_qlines_feed(pn_qlines *p, const char *data, size_t len);
/* End of input: a last line without '\n' is processed. False if stopped. */
bool pn_qlines_finish(pn_qlines *p);
void pn_qlines_free(pn_qlines *p);

#endif
