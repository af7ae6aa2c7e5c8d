/* queue_screen.h - private state of the Queue screen, shared by its files:
 * queue.c (ops, rows, refresh, history, actions), queue_details.c (the
 * message pane) and queue_shape.c (the grouped view). Nothing outside
 * screens/queue*.c includes this. */
#ifndef PN_QUEUE_SCREEN_H
#define PN_QUEUE_SCREEN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "listmodel.h"
#include "queue.h"
#include "ui.h"

typedef struct sqlite3 sqlite3;

typedef enum qs_mode { QS_LIST, QS_DETAILS, QS_SHAPE } qs_mode;

/* Samples of the queue kept for the header sparkline (newest last). */
#define QS_HISTORY_MAX 240

/* The compiled filter the core holds for either list: the queue filter
 * language on messages, or a plain substring on the group names of the
 * shape view. */
typedef struct qs_filter {
    bool on_groups;
    pn_qfilter *messages;
    char *groups;          /* lower-case needle */
} qs_filter;

typedef struct qs_details {
    char *qid;             /* message shown, NULL when none */
    bool loading;
    char *error;           /* why it could not be shown */
    pn_qdetails d;
    bool have;
    pn_qentry entry;       /* the row as listed when it was opened */
    bool have_entry;
    int part;              /* 0 envelope+recipients, 1 headers, 2 body */
    long scroll;           /* first line shown */
    int page;              /* lines per page at the last draw */
    long lines;            /* lines of the current part at the last draw */
} qs_details;

typedef struct qs_shape {
    pn_qshape_by by;
    bool on;
    pn_qshape s;
    bool built;
    pn_listmodel lm;
    pn_list_source src;
} qs_shape;

typedef struct qs {
    pn_app *app;
    pn_ctx *ctx;
    qs_mode mode;

    /* rows: the last listing; row i of the list source is list.items[i] */
    pn_qlist list;
    pn_qsample totals;      /* counts per queue and bytes of list (count_totals) */
    pn_qlimits lim;
    bool have_lim;
    bool loaded;            /* a listing finished at least once */
    bool loading;
    int64_t refresh_due_ms; /* next automatic refresh */
    int64_t updated_at;     /* unix time of the last listing */
    char *error;            /* last listing error, shown in the screen */
    pn_qscan_stats stats;

    /* rows that stream in during the first listing */
    pthread_mutex_t lock;
    pn_qlist incoming;

    pn_listmodel lm;
    pn_list_source src;

    /* history for the sparklines */
    sqlite3 *db;
    pn_qsample hist[QS_HISTORY_MAX];
    size_t n_hist;

    qs_details det;
    qs_shape shape;

    /* an action waiting for its confirmation */
    pn_qaction pending_action;
    bool pending_flush;
    pn_argv pending_ids;
    char *pending_what;
    /* texts of the open confirmation (they must outlive the call) */
    pn_str confirm_msg;
    pn_str confirm_title;
} qs;

/* queue.c */
int64_t qs_now(const qs *q);
/* The listed message of source row `row`, NULL past the end. */
const pn_qentry *qs_entry(const qs *q, size_t row);
/* Start a background listing unless one runs. */
void qs_start_listing(qs *q);
/* IDs the selection acts on: marked rows of the current list, else the
 * cursor row; in the shape view, every listed message of the marked or
 * cursor groups. Returns how many. */
size_t qs_selection(qs *q, pn_argv *ids, pn_str *what);
/* Start an action on ids after confirmation (takes ownership of ids). */
void qs_act(qs *q, pn_qaction action, pn_argv *ids, const char *what);
/* queue_goto.c: the screen's ops->go_to. */
bool qs_go_to(void *st, const char *target);

/* queue_actions.c */
/* Queue action of a console action (delete, hold...); false for others. */
bool qs_action_of(pn_action_id id, pn_qaction *out);
/* Run a queue action on the selection (confirmed as needed). */
int qs_do_action(qs *q, pn_qaction action);
/* Flush: confirm, then `postqueue -f`. */
int qs_do_flush(qs *q);

/* queue_details.c */
void qs_details_open(qs *q, size_t row);
int qs_details_action(qs *q, const pn_command *cmd);
void qs_details_draw(qs *q, pn_canvas *c, pn_rect area);
void qs_details_free(qs_details *d);

/* queue_shape.c */
void qs_shape_init(qs *q);
void qs_shape_free(qs *q);
/* Rebuild the groups from the rows the main list shows. */
void qs_shape_build(qs *q);
/* Cycle rcpt-domain -> sender-domain -> class -> age -> off, or set by name
 * ("off" leaves the view). false + flash on an unknown name. */
bool qs_shape_set(qs *q, const char *name);
int qs_shape_action(qs *q, const pn_command *cmd);
void qs_shape_draw(qs *q, pn_canvas *c, pn_rect area);
/* Message IDs of the groups the selection names (marked or cursor). */
size_t qs_shape_selection(qs *q, pn_argv *ids, pn_str *what);

#endif
