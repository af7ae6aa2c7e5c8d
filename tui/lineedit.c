/* lineedit.c - the single-line editor state machine (see lineedit.h).
 *
 * The text is UTF-8 and the cursor a byte offset that always sits on a code
 * point boundary. Every key becomes either an inserted character or one of
 * the named editing commands (PN_EDIT_COMMANDS), so a keymap can rebind the
 * same commands by name (pn_lineedit_exec).
 *
 * Words: backward-word/forward-word move over runs of letters and digits
 * (any non-ASCII character counts as a letter), like Emacs M-b/M-f;
 * kill-word-backward deletes the blanks before the cursor and then the run of
 * non-blanks before them, like readline's C-w (unix-word-rubout).
 *
 * Nothing outside printable text ever enters the line: control characters,
 * DEL, C1 controls, bidi overrides and invalid UTF-8 are dropped on input
 * (keys, pn_lineedit_set, the initial text, completions). */
#include "lineedit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/mem.h"
#include "util/utf8.h"

#define HISTORY_DEFAULT_MAX 200
#define LINE_DEFAULT_MAX 4096

static const char *const edit_names[PN_EDIT_COUNT] = {
#define PN_EDIT_NAME(id, name) name,
    PN_EDIT_COMMANDS(PN_EDIT_NAME)
#undef PN_EDIT_NAME
};

/* ---- history ----------------------------------------------------------- */

void pn_history_add(pn_history *h, const char *line)
{
    if (!line || !*line)
        return;
    if (h->items.n > 0 && strcmp(h->items.v[h->items.n - 1], line) == 0)
        return;
    size_t max = h->max ? h->max : HISTORY_DEFAULT_MAX;
    while (h->items.n >= max) {
        free(h->items.v[0]);
        memmove(h->items.v, h->items.v + 1, h->items.n * sizeof(*h->items.v));  /* incl. NULL */
        h->items.n--;
    }
    pn_argv_add(&h->items, line);
}

void pn_history_free(pn_history *h)
{
    pn_argv_free(&h->items);
}

/* ---- commands by name ------------------------------------------------- */

const char *pn_edit_cmd_name(pn_edit_cmd cmd)
{
    return (unsigned)cmd < PN_EDIT_COUNT ? edit_names[cmd] : NULL;
}

bool pn_edit_cmd_parse(const char *name, pn_edit_cmd *out)
{
    for (int i = 0; i < PN_EDIT_COUNT; i++) {
        if (strcmp(edit_names[i], name) == 0) {
            if (out)
                *out = (pn_edit_cmd)i;
            return true;
        }
    }
    return false;
}

bool pn_lineedit_key_command(pn_key k, pn_edit_cmd *out)
{
    pn_edit_cmd c;
    switch (k) {
    case PN_KEY_LEFT: case PN_KEY_CTRL('b'):           c = PN_EDIT_BACKWARD_CHAR; break;
    case PN_KEY_RIGHT: case PN_KEY_CTRL('f'):          c = PN_EDIT_FORWARD_CHAR; break;
    case PN_KEY_ALT | 'b':                              c = PN_EDIT_BACKWARD_WORD; break;
    case PN_KEY_ALT | 'f':                              c = PN_EDIT_FORWARD_WORD; break;
    case PN_KEY_HOME: case PN_KEY_CTRL('a'):           c = PN_EDIT_BEGINNING_OF_LINE; break;
    case PN_KEY_END: case PN_KEY_CTRL('e'):            c = PN_EDIT_END_OF_LINE; break;
    case PN_KEY_BS: case 0x7f: case PN_KEY_CTRL('h'):  c = PN_EDIT_DELETE_BACKWARD_CHAR; break;
    case PN_KEY_DEL: case PN_KEY_CTRL('d'):            c = PN_EDIT_DELETE_CHAR; break;
    case PN_KEY_CTRL('u'):                              c = PN_EDIT_KILL_TO_START; break;
    case PN_KEY_CTRL('k'):                              c = PN_EDIT_KILL_TO_END; break;
    case PN_KEY_CTRL('w'):                              c = PN_EDIT_KILL_WORD_BACKWARD; break;
    case PN_KEY_UP:                                     c = PN_EDIT_HISTORY_PREV; break;
    case PN_KEY_DOWN:                                   c = PN_EDIT_HISTORY_NEXT; break;
    case PN_KEY_TAB: case PN_KEY_CTRL('i'):            c = PN_EDIT_COMPLETE; break;
    case PN_KEY_ENTER: case '\r': case '\n':            c = PN_EDIT_ACCEPT; break;
    case PN_KEY_ESC: case PN_KEY_CTRL('c'): case PN_KEY_CTRL('g'): c = PN_EDIT_CANCEL; break;
    default:
        return false;
    }
    if (out)
        *out = c;
    return true;
}

/* ---- text helpers ----------------------------------------------------- */

static size_t max_len(const pn_lineedit *le)
{
    return le->max_len ? le->max_len : LINE_DEFAULT_MAX;
}

/* A code point the editor accepts as text. */
static bool insertable(uint32_t cp)
{
    return cp >= 0x20 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) &&
           !pn_utf8_is_unsafe(cp);
}

static const char *text(const pn_lineedit *le)
{
    return pn_str_cstr(&le->text);
}

/* Append the insertable code points of s to out while out stays within max
 * bytes (a code point is never split). */
static void append_clean(pn_str *out, const char *s, size_t len, size_t max)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        bool ok;
        size_t n = pn_utf8_decode(s + i, len - i, &cp, &ok);
        if (ok && insertable(cp)) {
            if (out->len + n > max)
                break;
            pn_str_appendn(out, s + i, n);
        }
        i += n;
    }
}

/* Insert bytes at the cursor (the caller checked the limit). */
static void insert_bytes(pn_lineedit *le, const char *s, size_t n)
{
    size_t tail = le->text.len - le->cursor;
    pn_str_reserve(&le->text, n);
    memmove(le->text.s + le->cursor + n, le->text.s + le->cursor, tail + 1);  /* incl. NUL */
    memcpy(le->text.s + le->cursor, s, n);
    le->text.len += n;
    le->cursor += n;
    le->changed = true;
}

static void delete_range(pn_lineedit *le, size_t from, size_t to)
{
    if (from >= to)
        return;
    memmove(le->text.s + from, le->text.s + to, le->text.len - to + 1);
    le->text.len -= to - from;
    if (le->cursor >= to)
        le->cursor -= to - from;
    else if (le->cursor > from)
        le->cursor = from;
    le->changed = true;
}

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static size_t prev_boundary(const pn_lineedit *le, size_t pos)
{
    const char *s = text(le);
    if (pos == 0)
        return 0;
    size_t p = pos - 1;
    /* Step back over continuation bytes, at most 3, then check that the
     * sequence really ends at pos (invalid bytes count one each). */
    size_t start = p;
    while (start > 0 && pos - start < 4 && is_continuation((unsigned char)s[start]))
        start--;
    uint32_t cp;
    if (start + pn_utf8_decode(s + start, le->text.len - start, &cp, NULL) == pos)
        return start;
    return p;
}

static size_t next_boundary(const pn_lineedit *le, size_t pos)
{
    if (pos >= le->text.len)
        return le->text.len;
    uint32_t cp;
    return pos + pn_utf8_decode(text(le) + pos, le->text.len - pos, &cp, NULL);
}

static uint32_t cp_at(const pn_lineedit *le, size_t pos)
{
    uint32_t cp;
    pn_utf8_decode(text(le) + pos, le->text.len - pos, &cp, NULL);
    return cp;
}

static bool is_word_char(uint32_t cp)
{
    if (cp >= 0x80)
        return true;
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

static bool is_blank(uint32_t cp)
{
    return cp == ' ' || cp == '\t';
}

static size_t word_start_before(const pn_lineedit *le, size_t pos)
{
    while (pos > 0 && !is_word_char(cp_at(le, prev_boundary(le, pos))))
        pos = prev_boundary(le, pos);
    while (pos > 0 && is_word_char(cp_at(le, prev_boundary(le, pos))))
        pos = prev_boundary(le, pos);
    return pos;
}

static size_t word_end_after(const pn_lineedit *le, size_t pos)
{
    while (pos < le->text.len && !is_word_char(cp_at(le, pos)))
        pos = next_boundary(le, pos);
    while (pos < le->text.len && is_word_char(cp_at(le, pos)))
        pos = next_boundary(le, pos);
    return pos;
}

/* Start of the blank-delimited token that ends at pos. */
static size_t token_start_before(const pn_lineedit *le, size_t pos)
{
    while (pos > 0 && !is_blank(cp_at(le, prev_boundary(le, pos))))
        pos = prev_boundary(le, pos);
    return pos;
}

/* Replace the whole text (already clean) and put the cursor at the end. */
static void replace_text(pn_lineedit *le, const char *s)
{
    pn_str clean = PN_STR_INIT;
    append_clean(&clean, s, strlen(s), max_len(le));
    if (clean.len != le->text.len || memcmp(pn_str_cstr(&clean), text(le), clean.len) != 0)
        le->changed = true;
    pn_str_set(&le->text, pn_str_cstr(&clean));
    le->cursor = le->text.len;
    pn_str_free(&clean);
}

/* ---- editor ----------------------------------------------------------- */

void pn_lineedit_init(pn_lineedit *le, const char *initial, pn_history *history)
{
    memset(le, 0, sizeof(*le));
    le->history = history;
    le->hist_pos = -1;
    pn_str_set(&le->text, "");
    if (initial)
        replace_text(le, initial);
    le->changed = false;
}

void pn_lineedit_free(pn_lineedit *le)
{
    pn_str_free(&le->text);
    pn_str_free(&le->saved);
    le->cursor = 0;
}

void pn_lineedit_set(pn_lineedit *le, const char *s)
{
    replace_text(le, s ? s : "");
}

bool pn_lineedit_insert(pn_lineedit *le, const char *s)
{
    size_t max = max_len(le);
    size_t room = le->text.len < max ? max - le->text.len : 0;
    pn_str whole = PN_STR_INIT, fits = PN_STR_INIT;
    append_clean(&whole, s, strlen(s), SIZE_MAX);
    append_clean(&fits, pn_str_cstr(&whole), whole.len, room);
    if (fits.len > 0)
        insert_bytes(le, fits.s, fits.len);
    bool all = fits.len == whole.len;
    pn_str_free(&whole);
    pn_str_free(&fits);
    return all;
}

void pn_lineedit_replace_word(pn_lineedit *le, const char *word)
{
    size_t start = token_start_before(le, le->cursor);
    delete_range(le, start, le->cursor);
    le->cursor = start;
    pn_lineedit_insert(le, word ? word : "");
    le->changed = true;
}

size_t pn_lineedit_cursor_col(const pn_lineedit *le)
{
    const char *s = text(le);
    size_t i = 0, col = 0;
    while (i < le->cursor) {
        uint32_t cp;
        i += pn_utf8_decode(s + i, le->cursor - i, &cp, NULL);
        int w = wcwidth((wchar_t)cp);
        col += w < 0 ? 1 : (size_t)w;
    }
    return col;
}

static void history_show(pn_lineedit *le, const char *line)
{
    replace_text(le, line);
}

static void history_prev(pn_lineedit *le)
{
    pn_history *h = le->history;
    if (!h || h->items.n == 0)
        return;
    if (le->hist_pos < 0) {
        pn_str_set(&le->saved, text(le));
        le->hist_pos = (long)h->items.n - 1;
    } else if (le->hist_pos > 0) {
        le->hist_pos--;
    } else {
        return;   /* already at the oldest */
    }
    if ((size_t)le->hist_pos >= h->items.n)   /* history shrank under us */
        le->hist_pos = (long)h->items.n - 1;
    history_show(le, h->items.v[le->hist_pos]);
}

static void history_next(pn_lineedit *le)
{
    pn_history *h = le->history;
    if (le->hist_pos < 0)
        return;
    if (h && (size_t)le->hist_pos + 1 < h->items.n) {
        le->hist_pos++;
        history_show(le, h->items.v[le->hist_pos]);
        return;
    }
    le->hist_pos = -1;
    history_show(le, pn_str_cstr(&le->saved));
    pn_str_set(&le->saved, "");
}

pn_le_result pn_lineedit_run(pn_lineedit *le, pn_edit_cmd cmd)
{
    switch (cmd) {
    case PN_EDIT_BACKWARD_CHAR:
        le->cursor = prev_boundary(le, le->cursor);
        break;
    case PN_EDIT_FORWARD_CHAR:
        le->cursor = next_boundary(le, le->cursor);
        break;
    case PN_EDIT_BACKWARD_WORD:
        le->cursor = word_start_before(le, le->cursor);
        break;
    case PN_EDIT_FORWARD_WORD:
        le->cursor = word_end_after(le, le->cursor);
        break;
    case PN_EDIT_BEGINNING_OF_LINE:
        le->cursor = 0;
        break;
    case PN_EDIT_END_OF_LINE:
        le->cursor = le->text.len;
        break;
    case PN_EDIT_DELETE_BACKWARD_CHAR:
        delete_range(le, prev_boundary(le, le->cursor), le->cursor);
        break;
    case PN_EDIT_DELETE_CHAR:
        delete_range(le, le->cursor, next_boundary(le, le->cursor));
        break;
    case PN_EDIT_KILL_TO_START:
        delete_range(le, 0, le->cursor);
        break;
    case PN_EDIT_KILL_TO_END:
        delete_range(le, le->cursor, le->text.len);
        break;
    case PN_EDIT_KILL_WORD_BACKWARD: {
        size_t p = le->cursor;
        while (p > 0 && is_blank(cp_at(le, prev_boundary(le, p))))
            p = prev_boundary(le, p);
        p = token_start_before(le, p);
        delete_range(le, p, le->cursor);
        break;
    }
    case PN_EDIT_HISTORY_PREV:
        history_prev(le);
        break;
    case PN_EDIT_HISTORY_NEXT:
        history_next(le);
        break;
    case PN_EDIT_COMPLETE:
        return PN_LE_COMPLETE;
    case PN_EDIT_ACCEPT:
        return PN_LE_ACCEPT;
    case PN_EDIT_CANCEL:
        return PN_LE_CANCEL;
    default:
        return PN_LE_IGNORED;
    }
    return PN_LE_CONTINUE;
}

pn_le_result pn_lineedit_exec(pn_lineedit *le, const char *command)
{
    pn_edit_cmd cmd;
    if (!command || !pn_edit_cmd_parse(command, &cmd))
        return PN_LE_IGNORED;
    return pn_lineedit_run(le, cmd);
}

pn_le_result pn_lineedit_key(pn_lineedit *le, pn_key k)
{
    pn_edit_cmd cmd;
    if (pn_lineedit_key_command(k, &cmd))
        return pn_lineedit_run(le, cmd);
    if (k >= PN_KEY_SPECIAL || !insertable(k))
        return PN_LE_IGNORED;
    pn_str enc = PN_STR_INIT;
    pn_utf8_encode(&enc, k);
    if (le->text.len + enc.len <= max_len(le))
        insert_bytes(le, enc.s, enc.len);
    pn_str_free(&enc);
    return PN_LE_CONTINUE;   /* consumed even when the line is full */
}
