/* lineedit.h - a single-line editor as a pure state machine (no curses).
 *
 * Used by the ':' command line, the '/' filter prompt, the go-to prompt and
 * form text fields. UTF-8 aware: the cursor moves by code point and the
 * display position is in columns. Emacs-style keys by default:
 *   Left/Right, <C-b>/<C-f> move; Home/<C-a>, End/<C-e>; <BS>, <Del>/<C-d>;
 *   <C-u> kill to start; <C-k> kill to end; <C-w> kill previous word;
 *   <M-b>/<M-f> word moves; Up/Down walk the history; <Tab> asks for
 *   completion; Enter accepts; Esc/<C-c>/<C-g> cancels.
 * Input is limited to printable characters: control characters are never
 * inserted. */
#ifndef PN_LINEEDIT_H
#define PN_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"
#include "util/argv.h"
#include "util/str.h"

typedef struct pn_history {
    pn_argv items;        /* oldest first */
    size_t max;           /* 0: 200 */
} pn_history;

void pn_history_add(pn_history *h, const char *line);   /* skips empty and repeats */
void pn_history_free(pn_history *h);

typedef enum pn_le_result {
    PN_LE_CONTINUE,       /* keep editing (text may have changed) */
    PN_LE_ACCEPT,         /* Enter */
    PN_LE_CANCEL,         /* Esc */
    PN_LE_COMPLETE,       /* Tab: the caller offers completions */
    PN_LE_IGNORED,        /* key not handled */
} pn_le_result;

typedef struct pn_lineedit {
    pn_str text;
    size_t cursor;        /* byte offset, always on a code point boundary */
    size_t max_len;       /* bytes; 0: 4096 */
    pn_history *history;  /* may be NULL */
    long hist_pos;        /* -1: editing the new line */
    pn_str saved;         /* the new line while walking history */
    bool changed;         /* set on every text change, cleared by the caller */
} pn_lineedit;

/* Named editing commands: what a keymap's modes.prompt / modes.form section
 * may bind (keymap.c validates against this list without linking the
 * editor). pn_lineedit_key maps the built-in keys above onto them. */
#define PN_EDIT_COMMANDS(X)                         \
    X(BACKWARD_CHAR,        "backward-char")        \
    X(FORWARD_CHAR,         "forward-char")         \
    X(BACKWARD_WORD,        "backward-word")        \
    X(FORWARD_WORD,         "forward-word")         \
    X(BEGINNING_OF_LINE,    "beginning-of-line")    \
    X(END_OF_LINE,          "end-of-line")          \
    X(DELETE_BACKWARD_CHAR, "delete-backward-char") \
    X(DELETE_CHAR,          "delete-char")          \
    X(KILL_TO_START,        "kill-to-start")        \
    X(KILL_TO_END,          "kill-to-end")          \
    X(KILL_WORD_BACKWARD,   "kill-word-backward")   \
    X(HISTORY_PREV,         "history-prev")         \
    X(HISTORY_NEXT,         "history-next")         \
    X(COMPLETE,             "complete")             \
    X(ACCEPT,               "accept")               \
    X(CANCEL,               "cancel")

typedef enum pn_edit_cmd {
#define PN_EDIT_ENUM(id, name) PN_EDIT_##id,
    PN_EDIT_COMMANDS(PN_EDIT_ENUM)
#undef PN_EDIT_ENUM
    PN_EDIT_COUNT
} pn_edit_cmd;

/* Run a named editing command (a keymap binding in modes.prompt/form);
 * PN_LE_IGNORED for an unknown name. */
pn_le_result pn_lineedit_exec(pn_lineedit *le, const char *command);

/* Name of a command ("kill-to-start"), and back; parse returns false for an
 * unknown name. */
const char *pn_edit_cmd_name(pn_edit_cmd cmd);
bool pn_edit_cmd_parse(const char *name, pn_edit_cmd *out);
/* The command a built-in key stands for (the list at the top); false for
 * keys that are text or not editing keys. */
bool pn_lineedit_key_command(pn_key k, pn_edit_cmd *out);
/* Run one editing command. */
pn_le_result pn_lineedit_run(pn_lineedit *le, pn_edit_cmd cmd);
/* Insert text at the cursor (a paste): control characters are dropped and
 * the line stops at max_len on a code point boundary; false when some of the
 * (printable) text did not fit. */
bool pn_lineedit_insert(pn_lineedit *le, const char *text);

void pn_lineedit_init(pn_lineedit *le, const char *initial, pn_history *history);
void pn_lineedit_free(pn_lineedit *le);
pn_le_result pn_lineedit_key(pn_lineedit *le, pn_key k);
void pn_lineedit_set(pn_lineedit *le, const char *text);   /* cursor to end */
/* Replace the word before the cursor (completion). */
void pn_lineedit_replace_word(pn_lineedit *le, const char *word);
/* Columns from the start of the text to the cursor. */
size_t pn_lineedit_cursor_col(const pn_lineedit *le);

#endif
