/* keys.h - key codes and key names, with no curses dependency.
 *
 * A pn_key is a Unicode code point for printable keys and control characters
 * (Ctrl-R is 0x12), or PN_KEY_SPECIAL + n for named keys; PN_KEY_ALT may be
 * OR-ed in (Alt/Meta, sent by terminals as ESC + key). tui/term.c maps
 * ncurses key codes to these, so everything above the terminal layer (keymaps,
 * line editor, scripts) is testable without a terminal.
 *
 * Key names, as written in keymaps and scripts (case matters for letters):
 *   a  A  ?  /  :  é            a printable character as itself
 *   <Space> <Enter> <Esc> <Tab> <S-Tab> <BS> <Del> <Ins>
 *   <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <F1>..<F12>
 *   <C-r>  (Ctrl + letter, also <C-Space>)   <M-x> (Alt/Meta + key)
 *   <lt> for a literal '<'
 * A key sequence is keys written one after another: "gg", "<C-w>j", "ZZ".
 *
 * Inside < > names and modifiers are case-insensitive and common aliases are
 * read (<CR> <Return> = <Enter>, <Escape>, <Backspace>, <Delete>, <Insert>,
 * <PageUp> <PageDown>, <BTab> <BackTab> = <S-Tab>, <A-x> = <M-x>, <gt> '>',
 * <Bar> '|'); names are always printed in the canonical form above. A
 * printable character after M- keeps its case (<M-x> is not <M-X>); after C-
 * it does not (<C-R> is <C-r>). A literal '<' is always written <lt>: a '<'
 * that does not start a known name is an error, never a character.
 *
 * Ctrl keys that terminals send as the same byte as a named key ARE that
 * key: <C-i> is <Tab> (0x09), <C-m> is <Enter> (0x0D), <C-[> is <Esc>
 * (0x1B); 0x7F is <BS>. pn_key_normalize() maps such raw bytes onto the
 * named keys, and pn_key_parse() returns the named key, so a binding on
 * <C-i> and one on <Tab> are the same binding. <C-j> (0x0A) and <C-h> (0x08)
 * are separate codes here; the terminal layer may deliver those bytes as
 * <Enter> and <BS> instead (tui/term.c does, as many terminals send them for
 * these keys), and then bindings on <C-j>/<C-h> never fire. <C-Space> (a NUL
 * byte on the wire) is PN_KEY_C_SPACE, because 0 means "no key". */
#ifndef PN_KEYS_H
#define PN_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/str.h"

typedef uint32_t pn_key;

#define PN_KEY_NONE 0u
#define PN_KEY_SPECIAL 0x200000u
#define PN_KEY_ALT 0x40000000u

enum {
    PN_KEY_UP = PN_KEY_SPECIAL + 1, PN_KEY_DOWN, PN_KEY_LEFT, PN_KEY_RIGHT,
    PN_KEY_PGUP, PN_KEY_PGDN, PN_KEY_HOME, PN_KEY_END,
    PN_KEY_ENTER, PN_KEY_ESC, PN_KEY_TAB, PN_KEY_BTAB, PN_KEY_BS, PN_KEY_DEL, PN_KEY_INS,
    PN_KEY_F1, PN_KEY_F2, PN_KEY_F3, PN_KEY_F4, PN_KEY_F5, PN_KEY_F6,
    PN_KEY_F7, PN_KEY_F8, PN_KEY_F9, PN_KEY_F10, PN_KEY_F11, PN_KEY_F12,
    PN_KEY_RESIZE,    /* the terminal changed size (never bound) */
    PN_KEY_EOF,       /* input is gone: the program must end (never bound) */
    PN_KEY_C_SPACE,   /* Ctrl-Space (NUL from the terminal) */
};

#define PN_KEY_CTRL(c) ((pn_key)((c) & 0x1f))
#define PN_KEYSEQ_MAX 4

typedef struct pn_keyseq {
    pn_key keys[PN_KEYSEQ_MAX];
    int n;
} pn_keyseq;

/* Parse one key name at *p, advancing *p; false + err naming the problem. */
bool pn_key_parse(const char **p, pn_key *out, pn_err *err);
/* Parse a whole sequence ("gg", "<C-w>j"); 1..PN_KEYSEQ_MAX keys. */
bool pn_keyseq_parse(const char *text, pn_keyseq *out, pn_err *err);
/* Canonical name of a key / sequence (the form pn_key_parse reads back),
 * appended to out. */
void pn_key_name(pn_str *out, pn_key k);
void pn_keyseq_name(pn_str *out, const pn_keyseq *s);
/* Map raw control bytes onto the named keys they are (0x09 -> PN_KEY_TAB,
 * 0x0D -> PN_KEY_ENTER, 0x1B -> PN_KEY_ESC, 0x7F -> PN_KEY_BS, also under
 * PN_KEY_ALT); other keys are returned unchanged. Lookups normalise what
 * the terminal layer gives, so either form works there. */
pn_key pn_key_normalize(pn_key k);
/* True for a key that types a character: a printable code point without
 * Alt (including ' '). */
bool pn_key_is_printable(pn_key k);
/* Compare sequences key by key (after normalising). */
bool pn_keyseq_equal(const pn_keyseq *a, const pn_keyseq *b);
/* a is a proper prefix of b */
bool pn_keyseq_is_prefix(const pn_keyseq *a, const pn_keyseq *b);

#endif
