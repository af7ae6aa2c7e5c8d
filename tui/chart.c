/* chart.c - sparkline text for a series of numbers (see chart.h).
 *
 * Levels: each sample is scaled to the largest value shown (NaN, infinities
 * and negative values count as 0) and rounded to the nearest level, except
 * that any value above zero gets at least the second level, so "a little"
 * never looks like "none". A zero is the lowest level: one braille dot, the
 * 1/8 block U+2581, or a blank in ASCII.
 *
 * Braille cells hold two samples, the older in the left dot column and the
 * newer in the right, each filled from the bottom (1-4 dots). Samples are
 * aligned to the right edge: with an odd count the first cell's left column
 * stays empty. Cells with no sample at all are blanks (spaces). */
#include "chart.h"

#include <math.h>
#include <stdint.h>

#include "util/utf8.h"

static const char ascii_levels[] = " .:-=+*#%@";

static double clean(double x)
{
    return isfinite(x) && x > 0 ? x : 0;
}

static int level_of(double x, double max, int levels)
{
    x = clean(x);
    if (max <= 0 || x <= 0)
        return 0;
    int l = (int)(x / max * (levels - 1) + 0.5);
    if (l < 1)
        l = 1;
    return l > levels - 1 ? levels - 1 : l;
}

/* Braille dot bits for 1..4 dots from the bottom of one column. */
static unsigned column_bits(int dots, bool right)
{
    static const unsigned left_bits[4] = {0x40, 0x04, 0x02, 0x01};
    static const unsigned right_bits[4] = {0x80, 0x20, 0x10, 0x08};
    unsigned bits = 0;
    for (int i = 0; i < dots && i < 4; i++)
        bits |= right ? right_bits[i] : left_bits[i];
    return bits;
}

static void pad(pn_str *out, size_t cells)
{
    for (size_t i = 0; i < cells; i++)
        pn_str_appendc(out, ' ');
}

void pn_sparkline(pn_str *out, const double *values, size_t n, size_t width, pn_chart_style style)
{
    if (width == 0)
        return;
    size_t per_cell = style == PN_CHART_BRAILLE ? 2 : 1;
    size_t k = n < width * per_cell ? n : width * per_cell;
    const double *v = values + (n - k);
    double max = 0;
    for (size_t i = 0; i < k; i++)
        if (clean(v[i]) > max)
            max = clean(v[i]);

    if (style == PN_CHART_BRAILLE) {
        size_t cells = (k + 1) / 2;
        pad(out, width - cells);
        size_t i = 0;
        if (k % 2) {                       /* odd count: the oldest sample alone, right column */
            pn_utf8_encode(out, 0x2800 + column_bits(level_of(v[0], max, 4) + 1, true));
            i = 1;
        }
        for (; i < k; i += 2) {            /* k - i is even here */
            unsigned bits = column_bits(level_of(v[i], max, 4) + 1, false) |
                            column_bits(level_of(v[i + 1], max, 4) + 1, true);
            pn_utf8_encode(out, 0x2800 + bits);
        }
        return;
    }

    pad(out, width - k);
    for (size_t i = 0; i < k; i++) {
        if (style == PN_CHART_BLOCKS)
            pn_utf8_encode(out, 0x2581 + (uint32_t)level_of(v[i], max, 8));
        else
            pn_str_appendc(out, ascii_levels[level_of(v[i], max, 10)]);
    }
}
