/* chart.h - turning a series of numbers into sparkline text (no curses).
 *
 * Braille (2 samples per cell, 4 levels each), block elements (1 sample per
 * cell, 8 levels), or ASCII (" .:-=+*#%@"). Values are scaled to the largest
 * in the window; an all-zero series draws the lowest level. */
#ifndef PN_CHART_H
#define PN_CHART_H

#include <stddef.h>

#include "util/str.h"

typedef enum pn_chart_style { PN_CHART_BRAILLE, PN_CHART_BLOCKS, PN_CHART_ASCII } pn_chart_style;

/* Append exactly `width` cells for the last values of the series (older
 * values are dropped; a short series is right-aligned, padded with blanks). */
void pn_sparkline(pn_str *out, const double *values, size_t n, size_t width, pn_chart_style style);

#endif
