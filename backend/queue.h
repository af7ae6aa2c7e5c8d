/* queue.h - the Postfix queue: list, classify, filter, shape, act, inspect.
 *
 * Facts this builds on (shared/design/lab-recipe.md section 3):
 *  - `postqueue -c DIR -j` prints one JSON object per line; listing is not
 *    atomic, so an ID may appear twice (deduplicated here) and messages
 *    vanish between list and action (reported as "not found", not failure).
 *  - postsuper reports only on stderr and exits 0 even when nothing matched;
 *    its per-ID lines and summary ("Deleted: N messages") are parsed and
 *    cross-checked. `postsuper -r` changes the QID. `postqueue -i` exits 0
 *    for an unknown ID.
 * Every command runs through the instance transport with `-c <config_dir>`.
 * Nothing here knows about curses: the CLI and the console call the same
 * functions. Actions refuse in read-only mode (pn_ctx_check_write). */
#ifndef PN_QUEUE_H
#define PN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "util/err.h"
#include "util/str.h"

typedef struct sqlite3 sqlite3;

/* ---- Entries ------------------------------------------------------------ */

typedef enum pn_qname {
    PN_QN_MAILDROP,
    PN_QN_INCOMING,
    PN_QN_ACTIVE,
    PN_QN_DEFERRED,
    PN_QN_HOLD,
    PN_QN_CORRUPT,
    PN_QN_OTHER,         /* a name this version does not know */
    PN_QN_COUNT
} pn_qname;

const char *pn_qname_str(pn_qname q);
/* Case-sensitive; returns false for unknown names. */
bool pn_qname_parse(const char *s, pn_qname *out);

/* Why a message is waiting, derived from its recipients' delay reasons. */
typedef enum pn_qclass {
    PN_QC_NONE,          /* no delay reason (new, active, never tried) */
    PN_QC_REFUSED,       /* connection refused */
    PN_QC_TIMEOUT,       /* connect or conversation timed out, lost connection */
    PN_QC_DNS,           /* host or domain not found, no MX, name service error */
    PN_QC_TLS,           /* TLS handshake or certificate failure */
    PN_QC_GREYLIST,      /* greylisting or rate limiting (4xx) */
    PN_QC_REMOTE_4XX,    /* other temporary error from the remote server */
    PN_QC_LOCAL,         /* local configuration error, lookup failure, loop */
    PN_QC_HOLD,          /* on hold (postsuper -h / HOLD action) */
    PN_QC_OTHER,         /* anything else */
    PN_QC_COUNT
} pn_qclass;

/* Stable short names: none refused timeout dns tls greylist remote-4xx local hold other */
const char *pn_qclass_str(pn_qclass c);
bool pn_qclass_parse(const char *s, pn_qclass *out);
/* Classify one delay_reason text (NULL or "" gives PN_QC_NONE). */
pn_qclass pn_qclass_of_reason(const char *reason);

typedef struct pn_qrcpt {
    char *address;
    char *reason;        /* delay_reason, may be NULL */
    pn_qclass cls;
} pn_qrcpt;

typedef struct pn_qentry {
    pn_qname queue;
    char *queue_raw;     /* queue_name exactly as Postfix printed it */
    char *qid;
    int64_t arrival;     /* unix time */
    int64_t size;        /* message_size in bytes */
    bool forced_expire;
    char *sender;        /* "" for the null sender (bounces) */
    pn_qrcpt *rcpts;
    size_t n_rcpts;
    pn_qclass cls;       /* hold if held, else the first classified recipient's */
} pn_qentry;

void pn_qentry_free(pn_qentry *e);           /* frees the members, not e */
void pn_qentry_copy(pn_qentry *dst, const pn_qentry *src);
/* Parse one `postqueue -j` line into e (zeroed by the caller). The error
 * names what is wrong with the line. */
bool pn_qentry_parse_json(const char *line, size_t len, pn_qentry *e, pn_err *err);
/* True for the null sender: "" or, as postqueue -j shows mail that
 * `sendmail -f ""` submitted, "MAILER-DAEMON". */
bool pn_qentry_null_sender(const pn_qentry *e);
/* Recipient domain of an address ("" when there is none); points into addr. */
const char *pn_addr_domain(const char *addr);

/* ---- Lifetimes (derived fields that need the instance) ------------------ */

typedef struct pn_qlimits {
    int64_t maximal_queue_lifetime;   /* seconds */
    int64_t bounce_queue_lifetime;    /* seconds, applies to null-sender mail */
} pn_qlimits;

/* Read both with one postconf call and convert Postfix time units
 * (s m h d w; bare number = days for these parameters). */
bool pn_qlimits_read(pn_ctx *ctx, pn_qlimits *out, pn_err *err);
/* Parse a Postfix time value with default unit (e.g. 'd'). -1 if invalid. */
int64_t pn_postfix_time(const char *value, char default_unit);
/* Seconds left before the message bounces (<= 0: due now; forced_expire: 0). */
int64_t pn_qentry_time_left(const pn_qentry *e, const pn_qlimits *lim, int64_t now);

/* ---- Listing ------------------------------------------------------------- */

/* Called for every entry; the entry is only valid during the call (copy it to
 * keep it). Return false to stop the listing. */
typedef bool (*pn_qentry_cb)(void *cbctx, const pn_qentry *e);

typedef struct pn_qscan_stats {
    size_t entries;      /* delivered to the callback */
    size_t duplicates;   /* IDs Postfix listed twice (skipped) */
    size_t bad_lines;    /* lines that did not parse (skipped, counted) */
} pn_qscan_stats;

/* Stream `postqueue -c DIR -j` into the callback: constant memory in the
 * number of entries apart from the ID set used for de-duplication. */
bool pn_queue_scan(pn_ctx *ctx, pn_qentry_cb cb, void *cbctx, pn_qscan_stats *stats,
                   pn_err *err);

/* A held list of entries. */
typedef struct pn_qlist {
    pn_qentry *items;
    size_t n, cap;
    int64_t listed_at;   /* unix time of the listing */
} pn_qlist;

bool pn_queue_list(pn_ctx *ctx, pn_qlist *out, pn_qscan_stats *stats, pn_err *err);
void pn_qlist_push(pn_qlist *l, const pn_qentry *e);   /* copies */
void pn_qlist_free(pn_qlist *l);

typedef enum pn_qsort {
    PN_QS_NONE, PN_QS_AGE, PN_QS_SIZE, PN_QS_SENDER, PN_QS_RCPT, PN_QS_REASON,
    PN_QS_QUEUE, PN_QS_ID, PN_QS_CLASS, PN_QS_TIME_LEFT
} pn_qsort;
bool pn_qsort_parse(const char *s, pn_qsort *out);
/* Stable sort; oldest first for age, biggest first for size, else ascending. */
void pn_qlist_sort(pn_qlist *l, pn_qsort key, bool reverse, const pn_qlimits *lim, int64_t now);

/* ---- Filter language ----------------------------------------------------- *
 * Whitespace-separated terms, all of which must match (AND); a leading '!'
 * negates a term. Terms:
 *   queue:deferred        queue name (maildrop incoming active deferred hold corrupt)
 *   sender:GLOB  from:    sender address glob (* ?), case-insensitive;
 *                         "@example.com" means "*@example.com"; "<>" the null sender
 *   rcpt:GLOB    to:      any recipient matches the glob
 *   domain:GLOB           any recipient domain matches
 *   reason:/REGEX/        any recipient's delay reason (POSIX ERE, case-insensitive);
 *   reason:TEXT           substring, case-insensitive
 *   class:dns             reason class (none refused timeout dns tls greylist remote-4xx local hold other)
 *   id:GLOB               queue ID glob (case-sensitive)
 *   age>2h age<=30m       comparisons < <= > >= = on age (s m h d w)
 *   size>1M               ... and on size (bytes, k/K, m/M, g/G = powers of 1024)
 *   TEXT                  bare word: substring of ID, sender or any recipient
 * Quotes ("...") allow spaces inside a value. */

typedef struct pn_qfilter pn_qfilter;

/* Parse; on error err names the term, its position (1-based column) and the
 * rule, e.g. "filter: term 2 'age>>2h' at column 17: ...". Empty = match all. */
pn_qfilter *pn_qfilter_parse(const char *text, pn_err *err);
bool pn_qfilter_match(const pn_qfilter *f, const pn_qentry *e, int64_t now);
/* The normalised text of the filter, for display. */
const char *pn_qfilter_text(const pn_qfilter *f);
void pn_qfilter_free(pn_qfilter *f);

/* ---- Shape --------------------------------------------------------------- */

typedef enum pn_qshape_by {
    PN_QSHAPE_RCPT_DOMAIN, PN_QSHAPE_SENDER_DOMAIN, PN_QSHAPE_CLASS, PN_QSHAPE_AGE
} pn_qshape_by;
bool pn_qshape_by_parse(const char *s, pn_qshape_by *out);

#define PN_QSHAPE_AGE_BUCKETS 10   /* 0-5m 5-10m 10-20m ... 640-1280m 1280m+ */

typedef struct pn_qshape_row {
    char *key;           /* domain, class name or age bucket label */
    size_t messages;     /* messages in this group */
    int64_t bytes;       /* their total size */
    size_t recipients;   /* recipients in this group (rcpt-domain: of that domain) */
    size_t by_queue[PN_QN_COUNT];
} pn_qshape_row;

typedef struct pn_qshape {
    pn_qshape_by by;
    pn_qshape_row *rows; /* biggest groups first (age: bucket order) */
    size_t n;
    size_t total_messages;   /* distinct messages */
    int64_t total_bytes;
} pn_qshape;

/* A message with recipients in several domains counts once in each of its
 * domains' rows, and once in the totals. */
void pn_qshape_build(const pn_qlist *l, const pn_qfilter *f, pn_qshape_by by, int64_t now,
                     pn_qshape *out);
/* Does entry e belong to the group key (for acting on a whole group)? */
bool pn_qshape_member(pn_qshape_by by, const char *key, const pn_qentry *e, int64_t now);
const char *pn_qshape_age_label(int bucket);
void pn_qshape_free(pn_qshape *s);

/* ---- Actions ------------------------------------------------------------- */

typedef enum pn_qaction {
    PN_QA_DELETE,    /* postsuper -d - */
    PN_QA_HOLD,      /* postsuper -h - */
    PN_QA_RELEASE,   /* postsuper -H - */
    PN_QA_REQUEUE,   /* postsuper -r - (the message gets a new QID) */
    PN_QA_RESEND,    /* postqueue -i ID */
    PN_QA_COUNT
} pn_qaction;

const char *pn_qaction_str(pn_qaction a);           /* "delete", "hold", ... */
bool pn_qaction_parse(const char *s, pn_qaction *out);

typedef enum pn_qoutcome {
    PN_QO_DONE,       /* Postfix confirmed it, or it already was as asked (held, not held) */
    PN_QO_NOT_FOUND,  /* not in the queue (already delivered or removed): normal */
    PN_QO_FAILED      /* Postfix said something went wrong */
} pn_qoutcome;
const char *pn_qoutcome_str(pn_qoutcome o);

typedef struct pn_qresult {
    char *qid;
    pn_qoutcome outcome;
    char *detail;     /* Postfix's own words for this ID, or why it failed */
} pn_qresult;

typedef struct pn_qaction_report {
    pn_qaction action;
    pn_qresult *results;  /* one per requested ID, in request order */
    size_t n;
    size_t done, not_found, failed;
    long postfix_total;   /* from Postfix's summary line, -1 if none */
    char *warning;        /* e.g. the summary disagreed with the per-ID lines */
} pn_qaction_report;

/* Act on a list of IDs (validated first: an invalid ID fails the whole call
 * before anything runs). Bulk actions pass every ID on stdin to one postsuper
 * process. Refuses in read-only mode. */
bool pn_queue_act(pn_ctx *ctx, pn_qaction action, const char *const *ids, size_t n,
                  pn_qaction_report *rep, pn_err *err);
/* `postqueue -f`: attempt delivery of everything now. */
bool pn_queue_flush(pn_ctx *ctx, pn_err *err);
void pn_qaction_report_free(pn_qaction_report *rep);

/* ---- Details (postcat) --------------------------------------------------- */

typedef enum pn_qpart { PN_QP_ENVELOPE = 1, PN_QP_HEADERS = 2, PN_QP_BODY = 4 } pn_qpart;

typedef struct pn_qdetails {
    char *qid;
    pn_str envelope;     /* sanitised for display (newlines kept) */
    pn_str headers;
    pn_str body;
    bool envelope_truncated, headers_truncated, body_truncated;
    char *message_id;    /* from the headers, unfolded, with <>; NULL if none */
    char *subject;       /* raw header value (RFC 2047 not decoded), sanitised */
} pn_qdetails;

/* Fetch the requested parts with `postcat -c DIR -q ID` (-e, -h, -b) capped
 * at cap bytes each (0: 1 MiB). PN_E_NOTFOUND when the message is gone. */
bool pn_queue_details(pn_ctx *ctx, const char *qid, int parts, size_t cap,
                      pn_qdetails *out, pn_err *err);
void pn_qdetails_free(pn_qdetails *d);
/* Find the Message-ID in a raw header block (handles folding and case). */
char *pn_headers_message_id(const char *headers, size_t len);

/* ---- History ------------------------------------------------------------- */

typedef struct pn_qsample {
    int64_t at;
    long count[PN_QN_COUNT];
    int64_t bytes;
} pn_qsample;

/* Take one sample (a queue scan) and store it in the state DB
 * (queue_samples), deleting samples older than retention_s. */
bool pn_queue_sample(pn_ctx *ctx, sqlite3 *db, int64_t retention_s, pn_qsample *out,
                     pn_err *err);
/* Count one entry into a sample (for callers that already list the queue). */
void pn_qsample_add(pn_qsample *s, const pn_qentry *e);
/* Store a sample taken by the caller (s->at set) for instance inst. */
bool pn_queue_sample_store(sqlite3 *db, const char *inst, const pn_qsample *s,
                           int64_t retention_s, pn_err *err);
/* Samples since `since`, oldest first (caller frees *out). */
bool pn_queue_history(sqlite3 *db, const char *instance, int64_t since, pn_qsample **out,
                      size_t *n, pn_err *err);

#endif
