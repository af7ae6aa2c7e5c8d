/* maillog_search_internal.h - what the index side of a message search
 * (maillog_search_index.c) hands to pn_log_search (maillog_search.c). Not
 * part of the public API. */
#ifndef PN_MAILLOG_SEARCH_INTERNAL_H
#define PN_MAILLOG_SEARCH_INTERNAL_H

#include "maillog.h"
#include "maillog_index.h"

/* A line kept for the search, with where it is. */
typedef struct pn_sline {
    int file;
    int64_t offset;
    char *text;
    size_t len;
} pn_sline;

typedef struct pn_slines {
    pn_sline *v;
    size_t n, cap;
    pn_argv qids;            /* the candidate messages' queue IDs */
} pn_slines;

/* The lines of every message that has the query's most selective exact
 * term, in file order, each once. *used false (L empty) when the index
 * cannot help: no exact term (globs, CIDRs, status/text only), more than
 * 32 MiB of the logs not indexed, more than 5000 candidate messages; the
 * caller scans. false only on errors. */
bool pn_search_index_lines(pn_logindex *ix, const pn_logset *ls, const pn_logquery *q,
                           pn_slines *L, bool *used, pn_err *err);
void pn_slines_free(pn_slines *L);

#endif
