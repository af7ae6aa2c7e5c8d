/* action.h - the one action table: every command a user can run.
 *
 * From this table come the `:` command line (names and completion), the `?`
 * help overlay, the bottom hint bar, `:keys`, and the key section of the man
 * page. A keymap binds key sequences to commands, i.e. an action name plus
 * optional arguments, exactly what a user could type after `:`.
 *
 * Flags: DANGEROUS (destroys data: always confirmed, unbound in read-only),
 * WRITES (changes the server: refused in read-only), NEEDS_SELECTION (acts on
 * the cursor row or marked rows), BULK (acts on all marked / matching rows),
 * HIDDEN (not shown in hints/help; test and internal commands).
 * group: "core", "list" (shared list behaviour) or a screen name. */
#ifndef PN_ACTION_H
#define PN_ACTION_H

#include <stdbool.h>
#include <stddef.h>

enum {
    PN_AF_DANGEROUS = 1 << 0,
    PN_AF_WRITES = 1 << 1,
    PN_AF_NEEDS_SELECTION = 1 << 2,
    PN_AF_BULK = 1 << 3,
    PN_AF_HIDDEN = 1 << 4,
};

/*   id            name             group    short   help */
#define PN_ACTIONS(X)                                                                                   \
    X(QUIT,          "quit",          "core",  "quit",    "Quit postern", 0)                               \
    X(HELP,          "help",          "core",  "help",    "Show the keys and commands of this screen", 0)  \
    X(COMMAND,       "command",       "core",  "cmd",     "Open the : command line", 0)                    \
    X(GOTO,          "goto",          "core",  "goto",    "Go to a queue ID, Message-ID, address or domain", 0) \
    X(SCREEN,        "screen",        "core",  "screen",  "Switch to a screen: screen NAME", 0)            \
    X(NEXT_SCREEN,   "next-screen",   "core",  "next",    "Next screen", 0)                                \
    X(PREV_SCREEN,   "prev-screen",   "core",  "prev",    "Previous screen", 0)                            \
    X(REFRESH,       "refresh",       "core",  "refresh", "Reload the data now", 0)                        \
    X(PAUSE,         "pause",         "core",  "pause",   "Pause or resume automatic refresh", 0)          \
    X(KEYS,          "keys",          "core",  "keys",    "Show the effective key map and where each binding comes from", 0) \
    X(THEME,         "theme",         "core",  "theme",   "Switch theme: theme dark|light|mono", 0)        \
    X(REDRAW,        "redraw",        "core",  "redraw",  "Redraw the whole terminal", 0)                  \
    X(DUMP_SCREEN,   "dump-screen",   "core",  "dump",    "Write the screen as text: dump-screen NAME", PN_AF_HIDDEN) \
    X(TICK,          "tick",          "core",  "tick",    "Advance the test clock: tick SECONDS", PN_AF_HIDDEN) \
    X(RESIZE,        "resize",        "core",  "resize",  "Resize the headless test terminal: resize COLSxLINES", PN_AF_HIDDEN) \
    X(FORM,          "form",          "core",  "form",    "Open the test form (test screen only)", PN_AF_HIDDEN) \
    X(UP,            "up",            "list",  "up",      "Move up", 0)                                    \
    X(DOWN,          "down",          "list",  "down",    "Move down", 0)                                  \
    X(PAGE_UP,       "page-up",       "list",  "pgup",    "Page up", 0)                                    \
    X(PAGE_DOWN,     "page-down",     "list",  "pgdn",    "Page down", 0)                                  \
    X(FIRST,         "first",         "list",  "first",   "First row", 0)                                  \
    X(LAST,          "last",          "list",  "last",    "Last row", 0)                                   \
    X(LEFT,          "left",          "list",  "left",    "Scroll left", 0)                                \
    X(RIGHT,         "right",         "list",  "right",   "Scroll right", 0)                               \
    X(OPEN,          "open",          "list",  "open",    "Open the row under the cursor", 0)              \
    X(BACK,          "back",          "list",  "back",    "Close the pane or view, go back", 0)            \
    X(FILTER,        "filter",        "list",  "filter",  "Filter the rows as you type: filter [TEXT]", 0) \
    X(FILTER_CLEAR,  "filter-clear",  "list",  "unfilt",  "Remove the filter", 0)                          \
    X(SEARCH,        "search",        "list",  "search",  "Search forward: search TEXT", 0)                \
    X(SEARCH_NEXT,   "search-next",   "list",  "next",    "Next search match", 0)                          \
    X(SEARCH_PREV,   "search-prev",   "list",  "prev",    "Previous search match", 0)                      \
    X(SORT,          "sort",          "list",  "sort",    "Sort by a column: sort [COLUMN] (no column: next)", 0) \
    X(SORT_REVERSE,  "sort-reverse",  "list",  "rev",     "Reverse the sort order", 0)                     \
    X(COLUMNS,       "columns",       "list",  "cols",    "Choose the columns: columns [+COL|-COL]", 0)    \
    X(MARK,          "mark",          "list",  "mark",    "Mark or unmark the row under the cursor", 0)    \
    X(MARK_RANGE,    "mark-range",    "list",  "range",   "Mark from the last mark to the cursor", 0)      \
    X(MARK_ALL,      "mark-all",      "list",  "all",     "Mark every row matching the filter", 0)         \
    X(MARK_CLEAR,    "mark-clear",    "list",  "unmark",  "Clear all marks", 0)                            \
    X(Q_DELETE,      "delete",        "queue", "delete",  "Delete the selected rows", PN_AF_DANGEROUS | PN_AF_WRITES | PN_AF_NEEDS_SELECTION | PN_AF_BULK) \
    X(Q_HOLD,        "hold",          "queue", "hold",    "Put the selected messages on hold", PN_AF_WRITES | PN_AF_NEEDS_SELECTION | PN_AF_BULK) \
    X(Q_RELEASE,     "release",       "queue", "release", "Release the selected messages from hold", PN_AF_WRITES | PN_AF_NEEDS_SELECTION | PN_AF_BULK) \
    X(Q_REQUEUE,     "requeue",       "queue", "requeue", "Requeue the selected messages (new queue IDs)", PN_AF_WRITES | PN_AF_NEEDS_SELECTION | PN_AF_BULK) \
    X(Q_RESEND,      "resend",        "queue", "resend",  "Attempt delivery of the selected messages now", PN_AF_WRITES | PN_AF_NEEDS_SELECTION | PN_AF_BULK) \
    X(Q_FLUSH,       "flush",         "queue", "flush",   "Attempt delivery of all queued mail now", PN_AF_WRITES) \
    X(Q_DETAILS,     "details",       "queue", "details", "Show the message: envelope, recipients, headers, body", PN_AF_NEEDS_SELECTION) \
    X(Q_PART,        "part",          "queue", "part",    "Details pane part: part envelope|headers|body", 0) \
    X(Q_SHAPE,       "shape",         "queue", "shape",   "Group the queue: shape rcpt-domain|sender-domain|class|age|off", 0) \
    X(L_FOLLOW,      "follow",        "logs",  "follow",  "Follow the live log: new lines appear and the view sticks to the end", 0) \
    X(L_TRACE,       "trace",         "logs",  "trace",   "Trace a message: trace [QID|Message-ID] (no argument: the line under the cursor)", 0) \
    X(L_RAW,         "raw",           "logs",  "raw",     "In a trace: switch between the timeline and its raw log lines", 0) \
    X(L_IN_QUEUE,    "in-queue",      "logs",  "queue",   "In a trace: show the message on the Queue screen if it is still queued", 0) \
    X(L_NEXT_MSG,    "next-message",  "logs",  "next-msg", "In a trace: the next message of the same sender", 0) \
    X(L_PREV_MSG,    "prev-message",  "logs",  "prev-msg", "In a trace: the previous message of the same sender", 0) \
    X(L_HISTOGRAM,   "histogram",     "logs",  "hist",    "Show or hide the time histogram above the log lines", 0) \
    X(C_ADD,         "add",           "domains", "add",   "Add an entry to the list shown (a form)", PN_AF_WRITES) \
    X(C_EDIT,        "edit",          "domains", "edit",  "Edit the row under the cursor (a form)", PN_AF_WRITES | PN_AF_NEEDS_SELECTION) \
    X(C_APPLY,       "apply",         "domains", "apply", "Put the pending changes into effect (the diff, confirm, apply)", PN_AF_WRITES) \
    X(C_JOURNAL,     "journal",       "domains", "journal", "Show every change, newest first, and the generation that applied it", 0) \
    X(C_KIND,        "kind",          "mailboxes", "kind", "Show mailboxes, groups or public mailboxes: kind [mailboxes|groups|public]", 0) \
    X(C_EXPLAIN,     "explain",       "addresses", "explain", "Where mail to an address goes: explain [ADDRESS] (default: the row)", 0)

typedef enum pn_action_id {
#define PN_ACTION_ENUM(id, name, group, shortname, help, flags) PN_A_##id,
    PN_ACTIONS(PN_ACTION_ENUM)
#undef PN_ACTION_ENUM
    PN_A_COUNT,
    PN_A_NONE = -1
} pn_action_id;

typedef struct pn_action {
    pn_action_id id;
    const char *name;      /* what the user types after ':' */
    const char *group;
    const char *shortname; /* label in the hint bar */
    const char *help;
    int flags;
} pn_action;

const pn_action *pn_action_get(pn_action_id id);
/* Exact name; NULL if unknown. */
const pn_action *pn_action_find(const char *name);
/* Closest known name for an unknown one (edit distance), or NULL. */
const char *pn_action_suggest(const char *name);
/* All actions, in table order. */
const pn_action *pn_action_all(size_t *count);
/* The name in names[0..n) closest to an unknown word, for "did you mean"
 * messages: the smallest edit distance (insertions, deletions, changes,
 * swapped neighbours; ASCII case ignored) within 1 for words up to 3
 * characters, 2 up to 6, else 3; failing that the shortest name the word
 * (2+ characters) starts. NULL when nothing is close. n may be SIZE_MAX
 * for a NULL-terminated list. */
const char *pn_closest_name(const char *word, const char *const *names, size_t n);

#endif
