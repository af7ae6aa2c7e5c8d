/* draw.h - everything a screen may draw, width-aware and sanitised.
 *
 * A pn_canvas is the area the core gives a screen; coordinates are relative
 * to the rect passed to ops->draw. Text is sanitised (control characters,
 * invalid UTF-8 replaced) and measured with wcwidth; text wider than its
 * space is cut with an ellipsis. Roles come from theme.h. The canvas is the
 * only path to the terminal, so the headless dump sees exactly what a user
 * would. */
#ifndef PN_DRAW_H
#define PN_DRAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listmodel.h"
#include "theme.h"
#include "ui.h"

/* Text at (y, x) in at most w columns (w < 0: to the right edge). Returns
 * the columns used. */
int pn_draw_text(pn_canvas *c, int y, int x, int w, pn_role role, const char *text);
/* Same, padded with blanks to exactly w columns. */
void pn_draw_text_pad(pn_canvas *c, int y, int x, int w, pn_role role, const char *text);
void pn_draw_fill(pn_canvas *c, pn_rect r, pn_role role);
void pn_draw_hline(pn_canvas *c, int y, int x, int w, pn_role role);
/* A box with a title (dialogs, panes). */
void pn_draw_box(pn_canvas *c, pn_rect r, pn_role role, const char *title);
/* Does the terminal take UTF-8 box/block characters? (ASCII fallback if not.) */
bool pn_draw_unicode(const pn_canvas *c);

/* The one list widget: header, rows on demand from the model's source,
 * cursor, marks (a marker column, not only colour), the sort indicator, and
 * a footer line "12 of 3,402 rows (3,390 hidden by filter) 2 marked". */
void pn_draw_list(pn_canvas *c, pn_rect r, pn_listmodel *m);

/* Sparkline of values in w columns (braille or block characters; ASCII
 * fallback), scaled to the max. */
void pn_draw_sparkline(pn_canvas *c, int y, int x, int w, pn_role role, const double *values,
                       size_t n);

#endif
