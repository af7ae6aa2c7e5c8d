/* term.h - the terminal layer: the only file that opens, configures and
 * restores the terminal (ncursesw).
 *
 * pn_term_open takes over the terminal (or, headless, a fake one of a given
 * size writing to /dev/null); pn_term_close gives it back. The terminal is
 * always restored: at normal exit, on SIGINT/SIGTERM/SIGHUP (they only set a
 * flag that pn_term_read_key reports as PN_KEY_EOF, so the loop ends
 * cleanly) and on crash signals (restore, then re-raise with the default
 * action). Keys come back as pn_key (keys.h); a lost terminal (EOF, EIO,
 * hang-up) is PN_KEY_EOF, never a busy loop. Roles (theme.h) become curses
 * attributes and colour pairs here. */
#ifndef PN_TERM_H
#define PN_TERM_H

#include <stdbool.h>

#include "keys.h"
#include "theme.h"
#include "util/err.h"

/* headless: cols x lines fake terminal on /dev/null (input comes from a
 * script); otherwise the real terminal on stdin/stdout. */
bool pn_term_open(bool headless, int cols, int lines, pn_err *err);
void pn_term_close(void);
bool pn_term_is_open(void);
/* Does the locale take UTF-8 (box characters, ellipsis, braille)? */
bool pn_term_utf8(void);
/* Map theme roles to attributes and colour pairs; mono (or a terminal
 * without colours) uses attributes only. */
void pn_term_apply_theme(const pn_theme *t, bool mono);
/* Curses attribute and colour pair of a role (for draw.c). */
void pn_term_role_style(pn_role r, unsigned long *attr, short *pair);
/* Wait up to timeout_ms (-1: forever) for a key; PN_KEY_NONE on timeout or
 * when wake_fd (may be -1) became readable (it is drained). PN_KEY_RESIZE
 * after a size change, PN_KEY_EOF when input is lost or a stop signal came. */
pn_key pn_term_read_key(int timeout_ms, int wake_fd);
/* Headless resize (tests): the fake terminal becomes cols x lines. */
void pn_term_resize(int cols, int lines);
/* A stop signal (SIGINT, SIGTERM, SIGHUP) arrived. */
bool pn_term_stop_requested(void);

#endif
