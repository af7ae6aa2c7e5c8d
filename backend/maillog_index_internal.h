/* maillog_index_internal.h - what the index's file pass
 * (maillog_index_scan.c) hands to the writer (maillog_index.c), and the
 * gzip inflater with access points shared by the pass and the block reader
 * (maillog_index_gz.c). Not part of the public API. */
#ifndef PN_MAILLOG_INDEX_INTERNAL_H
#define PN_MAILLOG_INDEX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "maillog.h"
#include "maillog_index.h"
#include "util/str.h"

#define PN_IX_HEAD 4096            /* bytes of text hashed for identity */
#define PN_IX_KEYMASK (((uint64_t)1 << 31) - 1)   /* 4 bytes in a record */

/* Streaming key hash: start, feed bytes (lower-cased when asked), finish. */
uint64_t pn_ixhash_start(int kind);
uint64_t pn_ixhash_feed(uint64_t h, const char *s, size_t n, bool lower);
uint64_t pn_ixhash_end(uint64_t h);
/* Hash of the first n bytes of a file's head (identity). */
int64_t pn_ixhash_head(const char *s, size_t n);

/* ---- gzip with access points ------------------------------------------------- */

typedef struct pn_ixpoint {
    int64_t out, in;      /* uncompressed offset; compressed offset of the next byte */
    int bits;             /* bits of the byte before `in` still to use (0-7) */
    unsigned char *win;   /* the 32 KiB window before out, deflated (compress2) */
    size_t win_len;
} pn_ixpoint;

typedef struct pn_ixgz {
    int fd;
    z_stream zs;
    bool raw;             /* started at an access point (raw deflate) */
    bool ended, damaged;
    unsigned char *in;
    size_t in_cap;
    int64_t in_pos;       /* file offset of the next byte to read into `in` */
    int64_t out_total;    /* uncompressed bytes produced */
    /* recording points (the pass) */
    bool record;
    int64_t last_point;
    pn_ixpoint *points;
    size_t n_points, cap_points;
    pn_str note;
} pn_ixgz;

/* From the start of the file (record: collect access points every PN_IX_SPAN). */
bool pn_ixgz_open(pn_ixgz *g, int fd, bool record, pn_err *err);
/* From an access point whose window (inflated) is win/win_len. */
bool pn_ixgz_open_at(pn_ixgz *g, int fd, int64_t out, int64_t in, int bits,
                     const unsigned char *win, size_t win_len, pn_err *err);
/* Up to n bytes of text: > 0 bytes, 0 end (see g->note when damaged). */
ssize_t pn_ixgz_read(pn_ixgz *g, char *dst, size_t n);
void pn_ixgz_close(pn_ixgz *g);
void pn_ixpoints_free(pn_ixpoint *p, size_t n);

/* ---- the pass over one file ----------------------------------------------------- */

typedef struct pn_ixblk {
    int64_t seq, offset, lineno, length, ts_min, ts_max;
} pn_ixblk;

typedef struct pn_ixpair {
    uint64_t key;
    int64_t block;        /* seq */
} pn_ixpair;

typedef struct pn_ixjob {
    /* in */
    const pn_logfile *f;
    int64_t start_off;    /* first byte to index (a line start) */
    int64_t start_line;   /* 1-based line number there */
    int64_t start_seq;    /* block number to start with */
    bool want_points;     /* gzip: record access points (inflate from the start) */
    const volatile int *cancel;
    int64_t *progress;    /* bytes read on disk, updated atomically */
    /* out */
    pn_ixblk *blocks;
    size_t n_blocks, cap_blocks;
    pn_ixpair *pairs;     /* sorted by key then block, unique */
    size_t n_pairs, cap_pairs;
    pn_ixpoint *points;
    size_t n_points;
    int64_t size_indexed, lines_indexed;
    int64_t size_seen;    /* plain: bytes on disk; gzip: uncompressed bytes read */
    int64_t head_hash;
    int head_len;
    bool cancelled, failed;
    pn_err err;
    pn_str notes;
} pn_ixjob;

/* Run the pass (any thread). */
void pn_ixjob_run(pn_ixjob *j);
void pn_ixjob_free(pn_ixjob *j);

/* The head (first PN_IX_HEAD bytes of text) of a file, for identity. */
bool pn_ix_read_head(const pn_logfile *f, pn_str *head, pn_err *err);

/* The open index (shared by maillog_index.c and the block reader). */
typedef struct sqlite3 sqlite3;
struct pn_ixresolved;
struct pn_logindex {
    sqlite3 *db;
    char *path;
    struct pn_ixresolved *resolved;   /* lookups: the set's files matched once (maillog_index.c) */
};

#endif
