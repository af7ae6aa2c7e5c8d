/* maillog.h - the mail log engine: sources (rotated, compressed, journald),
 * the line parser, traces by queue ID or Message-ID, and message search.
 * The on-disk index (maillog_index.h) answers the same trace/search calls
 * faster when pn_trace_opts.index is set.
 *
 * Facts this builds on: shared/design/log-trace-anchors.md (formats, the
 * link lines Postfix writes, what other tracers miss). Nothing here knows
 * about curses; the CLI (`postern trace`, `postern log ...`) and the Logs
 * screen call the same functions.
 *
 * Files are read directly (they are local: the instance's log sources, or
 * copies given with --log); remote hosts will stream through the transport
 * later behind pn_logreader. */
#ifndef PN_MAILLOG_H
#define PN_MAILLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctx.h"
#include "util/argv.h"
#include "util/err.h"
#include "util/str.h"

/* ---- Sources ------------------------------------------------------------ */

typedef enum pn_logfmt {
    PN_LF_AUTO,          /* guess per line: syslog / RFC 3339 / journald JSON */
    PN_LF_SYSLOG,        /* "Jun  3 10:40:57 host prog[pid]: msg" (also postlogd "Jun 03") */
    PN_LF_RFC3339,       /* "2022-01-08T19:42:12.572958+00:00 host prog[pid]: msg" */
    PN_LF_JOURNAL_JSON,  /* journalctl -o json: one object per line */
} pn_logfmt;

/* One file of a log source, in reading order (oldest first). */
typedef struct pn_logfile {
    char *path;
    bool gz;             /* gzip (by magic bytes, not by name) */
    pn_logfmt fmt;
    uint64_t dev, ino;   /* identity: a rotated file keeps it under a new name */
    int64_t size;        /* bytes on disk */
    int64_t mtime;       /* unix seconds; the year of undated syslog lines */
} pn_logfile;

typedef struct pn_logset {
    pn_logfile *files;
    size_t n;
} pn_logset;

/* Every file of the given paths (each a live log whose rotated siblings are
 * found: x, x.1, x.2.gz, x-YYYYMMDD[.gz], postlogd's x.YYYYMMDD-HHMMSS.gz),
 * oldest first. paths NULL: the configured sources of ctx (cfg->logs).
 * explicit: take the paths exactly as given (--log), no sibling search. */
bool pn_logset_open(pn_ctx *ctx, const char *const *paths, size_t npaths, bool explicit,
                    pn_logset *out, pn_err *err);
void pn_logset_free(pn_logset *s);

/* Reading one file line by line (plain or gzip; journald JSON lines are
 * turned into "RFC3339 host ident[pid]: MESSAGE" text). Lines longer than
 * PN_LOGLINE_MAX are cut (and counted in the notes); invalid UTF-8 and NUL
 * bytes are passed through (the parser copes; display sanitises). A
 * truncated gzip ends the file with a note, not an error. */
#define PN_LOGLINE_MAX ((size_t)1 << 20)

typedef struct pn_logreader pn_logreader;

typedef struct pn_logpos {
    int64_t offset;      /* byte offset of the line start (uncompressed stream) */
    int64_t lineno;      /* 1-based */
} pn_logpos;

pn_logreader *pn_logreader_open(const pn_logfile *f, pn_err *err);
/* Start at a line boundary found earlier (offset + its line number); for
 * gzip files this decompresses up to it. */
bool pn_logreader_seek(pn_logreader *r, pn_logpos at, pn_err *err);
/* Next line without its newline; valid until the next call. false at EOF. */
bool pn_logreader_next(pn_logreader *r, const char **line, size_t *len, pn_logpos *pos);
/* What was skipped or cut, for the user ("3 lines cut at 1 MiB", "gzip data
 * ends early at byte N: the file is truncated"); "" if nothing. */
const char *pn_logreader_notes(const pn_logreader *r);
void pn_logreader_close(pn_logreader *r);

/* Following the live file of a source (log tail --follow, the Logs
 * screen): lines as they are appended; when the path is rotated (it names
 * another file now) the rest of the old file is read, then the new one from
 * its start; a truncated file is read again from its start, with a note. */
typedef struct pn_logfollow pn_logfollow;

pn_logfollow *pn_logfollow_open(const char *path, bool from_end, pn_err *err);
/* Wait up to timeout_ms for a line: 1 = a line, 0 = none yet, -1 = error. */
int pn_logfollow_next(pn_logfollow *f, int timeout_ms, const char **line, size_t *len,
                      pn_err *err);
const char *pn_logfollow_notes(const pn_logfollow *f);
void pn_logfollow_close(pn_logfollow *f);

/* ---- Parsed lines --------------------------------------------------------- */

/* A view into the line being parsed (no allocation). */
typedef struct pn_span {
    const char *p;
    uint32_t n;
} pn_span;

typedef enum pn_lkind {
    PN_LK_OTHER,         /* a log line of no special meaning for traces */
    PN_LK_CONNECT,       /* smtpd "connect from NAME[IP]" */
    PN_LK_DISCONNECT,    /* smtpd "disconnect from NAME[IP] ..." */
    PN_LK_TLS,           /* "... TLS connection established ..." */
    PN_LK_CLIENT,        /* smtpd "QID: client=NAME[IP][, sasl_username=U][, orig_queue_id=Q...]" */
    PN_LK_PICKUP,        /* pickup "QID: uid=N from=<S>[ orig_id=Q]" */
    PN_LK_MESSAGE_ID,    /* cleanup "QID: message-id=<ID>" (also resent-message-id) */
    PN_LK_QMGR_FROM,     /* qmgr "QID: from=<S>, size=N, nrcpt=N (queue active)" */
    PN_LK_DELIVERY,      /* smtp/lmtp/local/virtual/pipe/error/discard "QID: to=<R>, ... status=S (REPLY)" */
    PN_LK_EXPIRED,       /* qmgr "QID: from=<S>, status=expired, returned to sender" */
    PN_LK_NOTIFICATION,  /* bounce "QID: sender non-delivery notification: NEWQID" (and delay/success/postmaster) */
    PN_LK_REMOVED,       /* qmgr "QID: removed" (the end of the QID's life) */
    PN_LK_POSTSUPER,     /* postsuper "QID: removed|requeued|placed on hold|released from hold" */
    PN_LK_REJECT,        /* "NOQUEUE: reject: ..." and "QID: reject: ..." (smtpd, cleanup) */
    PN_LK_MILTER,        /* cleanup "QID: milter-reject|milter-discard|milter-hold: ..." */
    PN_LK_HOLD,          /* cleanup "QID: hold: ..." (header/body checks, milter) */
    PN_LK_RSPAMD,        /* rspamd "rspamd_task_write_log: id: <MID>, qid: <QID>, ... (default: F (ACTION): [S/R] [SYMS])" */
    PN_LK_DOVECOT,       /* dovecot lmtp "lmtp(USER)<PID><SESSION>: msgid=<MID>: saved mail to MBOX" (and sieve) */
    PN_LK_WARNING,       /* "warning: ..." (QID after the level when present) */
    PN_LK_COUNT
} pn_lkind;

const char *pn_lkind_str(pn_lkind k);

typedef struct pn_logline {
    int64_t ts_us;        /* microseconds since the epoch (UTC); 0 if the line has no time */
    bool year_guessed;    /* syslog/postlogd lines carry no year (pn_logparse_ctx) */
    pn_span host;         /* "mail" (first field after the time) */
    pn_span program;      /* "postfix/submission/smtpd", "rspamd", "dovecot" */
    pn_span instance;     /* first '/' part: "postfix", "postfix-out" ("" if none) */
    pn_span daemon;       /* last '/' part: "smtpd" */
    int pid;              /* -1 when absent */
    pn_span qid;          /* queue ID the line is about (short hex or long form), or empty */
    pn_span text;         /* everything after "program[pid]: " */
    pn_lkind kind;

    /* fields (empty when absent) */
    pn_span client_name, client_ip;   /* connect, disconnect, client= */
    pn_span message_id;   /* with the <>; cleanup, rspamd id:, dovecot msgid= */
    pn_span from, to, orig_to;        /* addresses without <> */
    pn_span relay;        /* "mail.example.com[192.0.2.1]:25", "none", "local" */
    pn_span delay, delays, dsn;
    pn_span status;       /* sent deferred bounced expired ... */
    pn_span reply;        /* the text in parentheses after status=... */
    pn_span size, nrcpt;
    pn_span sasl_username;
    pn_span orig_queue_id;   /* smtpd client= ... orig_queue_id=Q (content filter) */
    pn_span orig_id;         /* pickup ... orig_id=Q (postsuper -r) */
    pn_span queued_as;       /* from a reply "... queued as NEWQID" (may be a remote QID!) */
    pn_span forwarded_as;    /* local "status=sent (forwarded as NEWQID)" */
    pn_span notification_qid;/* bounce "... notification: NEWQID" */
    pn_span lmtp_session;    /* Dovecot session id in an lmtp reply "250 2.0.0 <r> SESSION Saved" or a dovecot prefix */
    pn_span action;          /* postsuper action; rspamd action ("no action", "reject"...) */
    pn_span score, required, symbols;   /* rspamd */
    pn_span user, mailbox;   /* dovecot lmtp(USER) ... saved mail to MAILBOX */
} pn_logline;

/* Parse state across the lines of one file: the year of undated lines is
 * taken from the file's mtime and moved back a year when a line's month is
 * after that month; a month that goes backwards (Dec -> Jan) moves it on. */
typedef struct pn_logparse_ctx {
    int year;             /* current guess */
    int last_month;       /* 0-11, -1 none yet */
    int64_t mtime;
} pn_logparse_ctx;

void pn_logparse_init(pn_logparse_ctx *pc, int64_t file_mtime);
/* Parse one line (any format above; "<PRI>" prefixes and the "[ID n fac.pri]"
 * and "<fac.pri>" variants are skipped). Never reads beyond len, never
 * allocates. Returns false for a blank line or one with no recognisable
 * "program[pid]:" (kind OTHER, fields empty, text = the whole line). */
bool pn_logline_parse(pn_logparse_ctx *pc, const char *line, size_t len, pn_logline *out);
/* Is s a queue ID in either format (short hex >= 6, long form >= 12 chars)? */
bool pn_log_is_qid(const char *s, size_t n);

/* ---- Trace ----------------------------------------------------------------- */

typedef struct pn_trace_line {
    int file;             /* index into pn_trace.files */
    int64_t lineno;       /* 1-based */
    int64_t offset;
    int64_t ts_us;
    pn_lkind kind;
    char *qid;            /* the QID it belongs to ("" for session/dovecot lines) */
    char *text;           /* the raw line (not sanitised: display does that) */
} pn_trace_line;

typedef struct pn_trace_rcpt {
    char *qid;            /* the hop that delivered/deferred it */
    char *address, *orig_to;
    char *status;         /* the final status of this recipient in this hop */
    char *dsn, *relay, *delay, *reply;
    int64_t ts_us;
    int attempts;         /* delivery lines seen for it in this hop */
    char *mailbox;        /* Dovecot "saved mail to" mailbox, when joined */
} pn_trace_rcpt;

typedef struct pn_trace_hop {
    char *qid;
    char *host;           /* syslog host field */
    char *parent;         /* QID this hop came from (NULL for the first) */
    char *entered;        /* "smtpd from mail.example.com[192.0.2.1] (sasl alice)",
                             "pickup (local submission)", "re-injected from QID",
                             "bounce notification for QID", "requeued from QID" */
    char *left;           /* "removed after delivery", "deleted (postsuper)",
                             "still queued at the end of the log", "expired, returned to sender" */
    char *from, *message_id;
    long size, nrcpt;     /* -1 unknown */
    int64_t first_us, last_us;
} pn_trace_hop;

typedef struct pn_trace {
    char *query;          /* what was asked */
    char **files;         /* paths of the files lines come from */
    size_t n_files;
    pn_trace_hop *hops;   /* in order of first appearance */
    size_t n_hops;
    pn_trace_rcpt *rcpts;
    size_t n_rcpts;
    char *spam;           /* "rspamd: no action, score -0.64/20.00 [SYMBOLS]" or NULL */
    pn_trace_line *lines; /* every line of the trace, in file order */
    size_t n_lines;
    pn_argv notes;        /* skipped data, ambiguous matches, QID reuse avoided ... */
} pn_trace;

typedef struct pn_trace_opts {
    const pn_logset *logs;
    int64_t since_us, until_us;   /* 0: unbounded */
    const char *host;             /* only this syslog host (central logs); NULL: all */
    int threads;                  /* 0: one per core */
    struct pn_logindex *index;    /* the log index (maillog_index.h), or NULL: scan the
                                     files. Same answers either way: a stale index is
                                     completed by searching what it lacks */
} pn_trace_opts;

/* Trace a message from a queue ID or a Message-ID (with or without <>, or a
 * unique part of one). PN_E_NOTFOUND when nothing matches; PN_E_CONFLICT
 * naming the candidates when a partial Message-ID is ambiguous. */
bool pn_trace_find(const pn_trace_opts *o, const char *key, pn_trace *out, pn_err *err);
void pn_trace_free(pn_trace *t);

/* ---- Search ---------------------------------------------------------------- */

typedef struct pn_logquery {
    const char *sender;       /* address glob */
    const char *rcpt;         /* address glob */
    const char *client_ip;    /* IP or CIDR */
    const char *sasl_user;
    const char *status;       /* sent deferred bounced expired rejected */
    const char *text;         /* substring of any line of the message */
    int64_t since_us, until_us;
    size_t limit;             /* 0: 1000 */
} pn_logquery;

/* One message found: its first QID and a summary. */
typedef struct pn_logmsg {
    char *qid, *host, *message_id, *from;
    pn_argv rcpts;
    char *status;             /* worst final status over its recipients */
    int64_t first_us, last_us;
} pn_logmsg;

typedef bool (*pn_logmsg_cb)(void *cbctx, const pn_logmsg *m);
bool pn_log_search(const pn_trace_opts *o, const pn_logquery *q, pn_logmsg_cb cb, void *cbctx,
                   pn_err *err);

#endif
