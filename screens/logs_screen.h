/* logs_screen.h - private state of the Logs screen, shared by its files:
 * logs.c (ops, drawing of the list, keys), logs_view.c (the virtual list:
 * sparse index, filtered counts, pages read on demand, follow),
 * logs_filter.c (the log filter language), logs_hl.c (highlights of a
 * line) and logs_trace.c (the trace timeline). Nothing outside
 * screens/logs*.c (and its unit test) includes this.
 *
 * Memory: the list never holds the log. The index keeps one lg_block per
 * LG_BLOCK lines (file, offset, line number, first time: 32 bytes per 256
 * lines, about 1 MiB for a 1 GiB log); a filter adds a 4-byte match count
 * per block. Rows on screen are read from the files when drawn, through a
 * small cache of decoded blocks. */
#ifndef PN_LOGS_SCREEN_H
#define PN_LOGS_SCREEN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "listmodel.h"
#include "maillog.h"
#include "ui.h"

#define LG_BLOCK 256           /* lines per index block */
#define LG_CACHE 8             /* decoded blocks kept */
#define LG_HIST_BUCKETS 64     /* histogram buckets */

/* ---- filter (logs_filter.c; no curses, unit-tested) ---------------------- */

typedef enum lg_term_kind {
    LG_T_WORD,      /* substring of the line (case-insensitive) */
    LG_T_QID,       /* qid:X   the line's queue ID (or the text names X) */
    LG_T_HOST,      /* host:H  syslog host */
    LG_T_PROG,      /* prog:P  program or its daemon part ("smtpd") */
    LG_T_STATUS,    /* status:S sent deferred bounced expired reject */
    LG_T_FROM,      /* from:GLOB sender address */
    LG_T_TO,        /* to:GLOB recipient address (to= or orig_to=) */
    LG_T_SINCE,     /* since:TIME */
    LG_T_UNTIL,     /* until:TIME */
} lg_term_kind;

typedef struct lg_term {
    lg_term_kind kind;
    bool negate;          /* "!term": lines that do not match */
    char *arg;            /* lower-cased for WORD/HOST/PROG/STATUS/globs */
    int64_t t_us;         /* SINCE/UNTIL */
} lg_term;

typedef struct lg_filter {
    char *text;           /* as typed (shown above the list) */
    unsigned serial;      /* tells one compiled filter from the next */
    int64_t now_s;        /* the clock relative times were taken from */
    lg_term *terms;
    size_t n;
    bool needs_parse;     /* some term looks at parsed fields */
} lg_filter;

/* Parse the filter language; NULL + err naming the term on a bad one. An
 * empty text gives NULL with no error. now_s anchors relative times
 * ("since:2h" = two hours before now). */
lg_filter *lg_filter_compile(const char *text, int64_t now_s, pn_err *err);
void lg_filter_free(lg_filter *f);
/* Does a parsed line match? (pl may be NULL when !f->needs_parse.) */
bool lg_filter_match(const lg_filter *f, const char *line, size_t len, const pn_logline *pl);
/* The terms as shown in the filter bar: "word 'x'  status:deferred ...". */
void lg_filter_describe(const lg_filter *f, pn_str *out);

/* ---- highlights (logs_hl.c; no curses, unit-tested) ---------------------- */

typedef struct lg_seg {
    size_t off, len;      /* bytes of the text */
    pn_role role;
} lg_seg;

/* Split text (part of the parsed line pl) into segments with highlight
 * roles: queue IDs and Message-IDs, addresses, status words (sent ok,
 * deferred warn, bounced/expired/reject error), the rest `base`. Segments
 * cover text in order. Returns how many (at most max). */
size_t lg_highlight(const pn_logline *pl, const char *text, size_t len, pn_role base, lg_seg *segs,
                    size_t max);
/* Role of a status word ("sent" -> ok ...); base when it has none. */
pn_role lg_status_role(const char *status, size_t n, pn_role base);

/* ---- the view (logs_view.c) ---------------------------------------------- */

typedef struct lg_block {
    int64_t offset;       /* first line's offset (uncompressed stream) */
    int64_t lineno;       /* first line's number (1-based) */
    int64_t ts_us;        /* first time seen in the block, 0 none */
    uint32_t file;        /* index into the set */
    uint32_t nlines;      /* <= LG_BLOCK */
    int32_t year, last_month;   /* parser state at the first line (year guesses) */
} lg_block;

/* A histogram that widens its buckets as time goes on: bucket i covers
 * [t0 + i*width, t0 + (i+1)*width). Fixed memory, one pass. */
typedef struct lg_hist {
    int64_t t0_us, width_us;
    double v[LG_HIST_BUCKETS];
    int used;             /* buckets in use (last one with data + 1) */
} lg_hist;

void lg_hist_add(lg_hist *h, int64_t ts_us);

/* One decoded block: its lines (text + offsets into it), and which of them
 * pass the filter of generation `gen`. */
typedef struct lg_cached {
    size_t block;         /* SIZE_MAX: empty slot */
    unsigned gen;
    uint64_t used;        /* LRU stamp */
    pn_str text;          /* lines, each NUL-terminated */
    uint32_t start[LG_BLOCK];
    uint32_t len[LG_BLOCK];
    uint16_t match[LG_BLOCK];   /* indices of matching lines */
    uint32_t nlines, nmatch;
} lg_cached;

/* A reader kept open between pages, so that paging forward in a gzip file
 * does not decompress from the start again. */
typedef struct lg_reader {
    pn_logreader *r;
    uint32_t file;
    int64_t next_lineno;  /* line number the next read returns */
} lg_reader;

typedef struct lg_trace_view {
    bool on;
    bool loading;
    bool raw;             /* raw lines instead of the timeline */
    char *key;            /* what was asked */
    char *error;
    bool from_goto;       /* an address-like go-to: fall back to a filter */
    pn_trace t;
    bool have;
    long scroll;
    int page;
    long nlines;          /* lines at the last draw */
    /* same-sender navigation */
    bool searching;
} lg_trace_view;

typedef struct lg {
    pn_app *app;
    pn_ctx *ctx;

    pn_logset set;
    bool set_open;
    char *open_error;     /* why the logs could not be opened */

    /* the index; blocks stream in from the index job */
    lg_block *blocks;
    size_t n_blocks, cap_blocks;
    int64_t n_lines;
    bool indexing, indexed;
    pthread_mutex_t lock;
    lg_block *incoming;
    size_t n_incoming, cap_incoming;
    int64_t incoming_lines;
    char *index_notes;
    lg_hist hist_all;

    /* the filter and its per-block counts (NULL counts: no filter) */
    lg_filter *filter;    /* our copy of the active filter (NULL: none) */
    unsigned seen_serial; /* serial of the core's filter we last took */
    unsigned next_serial;
    unsigned gen;         /* bumps with every filter change */
    uint32_t *counts;     /* per block, for the current filter */
    uint64_t *cum;        /* prefix sums of the row counts: n_blocks + 1 */
    size_t n_cum;         /* blocks the prefix sums cover */
    uint64_t rows;        /* rows in the view */
    bool filtering;
    bool pending;         /* the filter changed while a count ran */
    bool partial;         /* the count was cancelled: later blocks count 0 */
    void *fjob;           /* the running count (logs_view.c) */
    atomic_size_t fdone;  /* blocks the running count has finished */
    lg_hist hist_filtered;
    uint64_t matched_lines;      /* total when the filter job finished */

    /* cursor and scrolling in rows */
    uint64_t cursor, top;
    bool moved;           /* the user moved: indexing no longer jumps to the end */
    int page;
    int hscroll;          /* columns the text is shifted left */
    bool show_hist;

    /* block cache and the kept reader */
    lg_cached *cache;     /* LG_CACHE slots */
    uint64_t stamp;
    lg_reader rd;

    /* follow */
    bool following;
    pn_logfollow *follow;
    int64_t follow_due_ms;

    lg_trace_view tv;
    bool probing_queue;   /* in-queue asks the go-to: the Logs screen stays out */
    pn_listmodel lm;      /* the core's handle for `/` (see logs.c) */
    pn_list_source src;
    char *status_note;
    bool ix_started;      /* the log index update of this visit was started */
} lg;

/* logs_index.c: bring the on-disk log index up to date in the background
 * (the first time the screen is shown), so that traces answer from it. */
void lg_index_start(lg *s);

/* logs_view.c */
void lg_view_init(lg *s);
void lg_view_free(lg *s);
/* Open the configured logs and start indexing in the background. */
void lg_view_start(lg *s);
/* Tick: move streamed blocks in; follow. Returns dirty flags. */
int lg_view_tick(lg *s, int64_t now_ms);
/* Rebuild the prefix sums after blocks or counts changed. */
void lg_view_recount(lg *s);
/* A new filter (a copy the view owns; NULL: none): start counting it in
 * the background (after the running count stops, if one runs). */
void lg_view_set_filter(lg *s, lg_filter *f);
/* Row r of the view: its text (NUL-terminated, valid until the next call
 * that reads), length, file and line number. false past the end or when
 * the file cannot be read. */
bool lg_view_row(lg *s, uint64_t r, const char **text, size_t *len, uint32_t *file,
                 int64_t *lineno);
/* Row of the view nearest to (file, lineno), for keeping the place. */
uint64_t lg_view_find(lg *s, uint32_t file, int64_t lineno);
bool lg_view_toggle_follow(lg *s);

/* logs_trace.c */
/* Start tracing key (QID or Message-ID) in the background. */
void lg_trace_open(lg *s, const char *key, bool from_goto);
int lg_trace_action(lg *s, const pn_command *cmd);
void lg_trace_draw(lg *s, pn_canvas *c, pn_rect area);
void lg_trace_free(lg_trace_view *tv);
/* Draw one log line (raw text) with highlights at (y, x) in w columns,
 * skipping the first `skip` columns. */
void lg_draw_line(pn_canvas *c, int y, int x, int w, pn_role base, const char *text, size_t len,
                  const pn_logline *pl, int skip);
/* A copy of a log set (jobs get their own). */
void lg_logset_copy(const pn_logset *from, pn_logset *to);

#endif
