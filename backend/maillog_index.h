/* maillog_index.h - the on-disk index of the mail logs: which ~128 KiB
 * blocks of which file mention a queue ID, a Message-ID, an address, a
 * client IP, a SASL user, a Dovecot LMTP session or a process (program[pid]).
 *
 * Layout (a separate SQLite file, logindex.db next to the state DB; it can
 * be deleted and rebuilt at will):
 *   files(id, path, dev, ino, head_hash, head_len, size_indexed,
 *         lines_indexed, size_seen, mtime, gz, fmt, nblocks)
 *   blocks(file, seq, offset, lineno, length, ts_min, ts_max)
 *   points(file, seq, out_off, in_off, bits, window)   gzip access points
 *   keys_<file>(key, block) WITHOUT ROWID              one table per file
 * A key is a 31-bit hash of kind + text (4 bytes in SQLite's record format;
 * the space is per file, so a lookup meets an unrelated key about once in
 * 2^31 / keys-per-file), and a collision only widens the candidate set: a
 * lookup returns candidate blocks and the caller re-checks their lines;
 * answers stay exact. One key table per file makes dropping a rotated-away
 * file a DROP TABLE.
 *
 * Identity: a file already indexed (same dev+ino, or same hash of its first
 * 4 KiB of text) is only extended from where the index stopped; a rotation
 * rename only updates the path; a rotated file gzipped later keeps its
 * blocks and only gains access points (one inflate pass, no parsing); a file
 * that shrank or whose head changed is dropped and indexed again; files no
 * longer in the set are dropped. */
#ifndef PN_MAILLOG_INDEX_H
#define PN_MAILLOG_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "maillog.h"
#include "util/err.h"

/* Kinds of key (stored in the hash, so they never mix). */
typedef enum pn_ixkind {
    PN_IX_QID = 1,       /* queue ID: the line's own, orig_queue_id, orig_id, queued as,
                            forwarded as, notification (host not included: the trace
                            follows QIDs across hosts; the re-check separates them) */
    PN_IX_MSGID,         /* Message-ID with its <> */
    PN_IX_ADDR,          /* from=, to=, orig_to= address (lower-cased) */
    PN_IX_IP,            /* client IP */
    PN_IX_SASL,          /* SASL user name */
    PN_IX_SESSION,       /* Dovecot LMTP session id */
    PN_IX_PROC,          /* "program[pid]" of smtpd processes only (their connect, TLS and
                            disconnect lines carry no QID; every other daemon's do) */
} pn_ixkind;

/* Size of a block of text (cut at the next line boundary): 128 KiB, not the
 * 64 KiB first planned, keeps the index under 10% of the text (8.5% vs 9.9-10.1%). */
#define PN_IX_BLOCK ((int64_t)128 << 10)
/* Uncompressed bytes between two gzip access points. */
#define PN_IX_SPAN ((int64_t)1 << 20)

typedef struct pn_logindex pn_logindex;

/* Open (creating it) the index at path; NULL path: logindex.db in the
 * directory of ctx->cfg->state_db. A file that is not a postern log index
 * is refused with a reason (delete it or pass --rebuild); a damaged one too. */
pn_logindex *pn_logindex_open(pn_ctx *ctx, const char *path, pn_err *err);
/* Where the index of ctx lives by default (malloc'd). */
char *pn_logindex_default_path(pn_ctx *ctx);
/* The default index if it has been built (`postern log index`), else NULL:
 * for callers that trace or search and scan when there is none (the
 * screens). Never creates it; a damaged index also gives NULL (scan). */
pn_logindex *pn_logindex_open_existing(pn_ctx *ctx);
const char *pn_logindex_path(const pn_logindex *ix);
void pn_logindex_close(pn_logindex *ix);

typedef struct pn_ixstats {
    int files_added;      /* indexed from the start (new, replaced, truncated) */
    int files_extended;   /* grown since the last update: only the new part */
    int files_renamed;    /* recognised by identity under a new name */
    int files_compressed; /* now gzip: kept its blocks, gained access points */
    int files_dropped;    /* left the set (or replaced: also counted in added) */
    int files_unchanged;
    int64_t bytes_read;   /* uncompressed text read for this update */
    int64_t bytes_total;  /* uncompressed text of the whole set indexed */
    int64_t blocks, keys; /* in the index after the update */
    int64_t index_bytes;  /* the index file (with its WAL) */
    double seconds;
} pn_ixstats;

/* progress(cbctx, fraction 0..1, bytes_done, bytes_total); may be NULL. */
typedef void (*pn_ixprogress_cb)(void *cbctx, double fraction, int64_t done, int64_t total);

typedef struct pn_ixupdate_opts {
    pn_ixprogress_cb progress;
    void *cbctx;
    const volatile int *cancel;   /* polled per block; non-zero: stop (PN_E_INVALID "cancelled") */
    bool rebuild;                 /* drop everything first */
    int threads;                  /* 0: one per core */
} pn_ixupdate_opts;

/* Bring the index up to date with the set (opts may be NULL). On cancel or
 * error the files finished so far stay indexed. stats may be NULL. */
bool pn_logindex_update(pn_logindex *ix, const pn_logset *set, const pn_ixupdate_opts *opts,
                        pn_ixstats *stats, pn_err *err);

/* Is every file of the set known and indexed up to its current size? */
bool pn_logindex_fresh(pn_logindex *ix, const pn_logset *set);

/* A candidate block: read its lines with pn_ixblock_open(). */
typedef struct pn_logblock {
    int file;             /* index in the set */
    int64_t offset;       /* uncompressed offset of its first line */
    int64_t lineno;       /* 1-based line number of its first line */
    int64_t length;       /* bytes of text (-1: to the end of the file) */
    int64_t ts_min, ts_max; /* microseconds; 0 unknown */
    bool tail;            /* not indexed yet (the live file grew): scan it */
    /* gzip: the access point to start inflating from (in_off 0: the start) */
    int64_t pt_out, pt_in;
    int pt_bits;
    int64_t pt_id;        /* row of the point's window (-1: none) */
} pn_logblock;

/* Candidate blocks of one key, in set order then offset order. Files of the
 * set the index does not know (or knows under another identity) are returned
 * whole as tail blocks, and the unindexed end of a grown file as a tail
 * block, so a caller that re-checks every line gets the exact answer even
 * from a stale index. Message-IDs are looked up with their <> (added when
 * missing); addresses lower-cased. *out is malloc'd (free()). */
bool pn_logindex_lookup(pn_logindex *ix, const pn_logset *set, int kind, const char *key,
                        size_t keylen, pn_logblock **out, size_t *n, pn_err *err);

/* The hash stored for a key (tests and tools). */
uint64_t pn_logindex_key(int kind, const char *key, size_t keylen);

/* Reading the lines of one block (plain: pread; gzip: inflate from its
 * access point). Lines have no newline; valid until the next call. */
typedef struct pn_ixblock pn_ixblock;

pn_ixblock *pn_ixblock_open(pn_logindex *ix, const pn_logset *set, const pn_logblock *b,
                            pn_err *err);
/* false at the end of the block (or of the data; see pn_ixblock_notes). */
bool pn_ixblock_next(pn_ixblock *r, const char **line, size_t *len, pn_logpos *pos);
const char *pn_ixblock_notes(const pn_ixblock *r);
void pn_ixblock_close(pn_ixblock *r);

#endif
