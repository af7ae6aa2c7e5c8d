/* maillog_trace_internal.h - what the trace's file pass (maillog_trace_scan.c)
 * hands to the chain builder (maillog_trace.c). Not part of the public API.
 *
 * The pass splits the log set into tasks (a gzip file each; plain files cut
 * into byte ranges at line boundaries), runs them on a few threads, and in
 * each task keeps the lines that contain one of its keys. Keys grow as the
 * task goes: a hit line that links a known QID to another QID, a
 * Message-ID, an smtpd session or a Dovecot LMTP session adds that key, and
 * the task looks back over the previous block for lines that came out of
 * order. The builder then decides, from parsed fields, what belongs. */
#ifndef PN_MAILLOG_TRACE_INTERNAL_H
#define PN_MAILLOG_TRACE_INTERNAL_H

#include "maillog.h"

typedef struct pn_thit {
    int64_t offset;     /* of the line start in the (uncompressed) file */
    int64_t lineno;     /* task-relative until the pass ends, then 1-based in the file */
    char *text;         /* the line, no newline, NUL-terminated */
    size_t len;
} pn_thit;

typedef struct pn_ttask {
    int file;                 /* index in the log set */
    bool gz;
    int64_t begin, end;       /* byte range of a plain file (end -1: to EOF) */
    int64_t nlines;           /* lines this task owns */
    int64_t line_base;        /* lines of the file before this task */
    int64_t first_us, last_us;/* times of its first and last dated lines */
    pn_thit *hits;
    size_t n_hits, cap_hits;
    pn_argv known;            /* every key the task searched over all its lines */
    /* gzip tasks keep their first block and last two blocks of text, so
     * that a later round that needs only the file's start or end does not
     * inflate it all again */
    struct pn_tkeep {
        char *p;
        size_t n;
        int64_t off, ln;      /* of its first line (ln task-relative, 0-based) */
        int64_t edge_us;      /* head: time of its last line; tail[0]: of its first */
    } head, tail[2];
    pn_argv part_known;       /* keys searched over a kept block only, */
    int64_t part_lo, part_hi; /* ... for a chain within this window */
    pn_str notes;
    bool failed;
    pn_err err;
} pn_ttask;

typedef struct pn_tscan {
    pn_ttask *tasks;
    size_t n;
} pn_tscan;

/* mid_mode: the seed is a part of a Message-ID (hits are kept when their
 * message-id contains it); else the seeds are QIDs / exact keys. */
bool pn_tscan_run(const pn_logset *ls, const char *const *seeds, size_t nseeds, bool mid_mode,
                  int threads, pn_tscan *out, pn_err *err);
/* Search the given tasks again with a larger seed set (keys another task
 * discovered); the old hits of those tasks are kept and the new ones added.
 * The chain lies within [lo_us, hi_us] (log time, margins included): a
 * gzip task whose kept head or tail covers that window searches only it. */
bool pn_tscan_redo(const pn_logset *ls, pn_tscan *sc, const bool *which, const char *const *seeds,
                   size_t nseeds, bool mid_mode, int threads, int64_t lo_us, int64_t hi_us,
                   pn_err *err);
void pn_tscan_free(pn_tscan *sc);

/* The same hits from the log index (maillog_trace_index.c): one task per
 * file of the set, hits in file order. mid_mode: seed is a whole
 * Message-ID (without <>); when no line carries exactly it (it may be a
 * part of one) or when more than PN_TIX_TAIL_MAX bytes of the set are not
 * indexed, *used is false, out is empty and the caller scans. note gets
 * what the user should know (the index is behind); false only on errors. */
#define PN_TIX_TAIL_MAX ((int64_t)32 << 20)
struct pn_logindex;
bool pn_tindex_run(struct pn_logindex *ix, const pn_logset *ls, const char *seed, bool mid_mode,
                   pn_tscan *out, bool *used, pn_str *note, pn_err *err);

/* Is the relay of a delivery this host (loopback, a unix socket, the
 * host's own name)? Its "queued as" is then a local re-injection. */
bool pn_trace_relay_local(pn_span relay, pn_span host);
/* First label of the relay's host name ("mx2" of "mx2.example.com[..]:25"). */
pn_span pn_trace_relay_label(pn_span relay);

#endif
