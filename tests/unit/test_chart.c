/* test_chart.c - unit tests of sparkline text (tui/chart.c): exact output
 * for small series in braille, blocks and ASCII, right alignment, dropping
 * old values, all-zero and bad values, and widths beyond the series. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check(const double *v, size_t n, size_t width, pn_chart_style style, const char *want)
{
    pn_str out = PN_STR_INIT;
    pn_str_append(&out, "|");                 /* appends, never replaces */
    pn_sparkline(&out, v, n, width, style);
    assert_string_equal(pn_str_cstr(&out) + 1, want);
    assert_int_equal(pn_str_cstr(&out)[0], '|');
    pn_str_free(&out);
}

static void test_blocks(void **state)
{
    (void)state;
    static const double ramp[] = {0, 1, 2, 3, 4, 5, 6, 7};
    check(ramp, N(ramp), 8, PN_CHART_BLOCKS,
          u8"\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
    static const double two[] = {1, 2};
    check(two, N(two), 5, PN_CHART_BLOCKS, u8"   \u2585\u2588");      /* right-aligned */
    static const double old[] = {100, 0, 7};
    check(old, N(old), 2, PN_CHART_BLOCKS, u8"\u2581\u2588");        /* 100 dropped, not the scale */
    static const double bad[] = {NAN, -5, 4, INFINITY};
    check(bad, N(bad), 4, PN_CHART_BLOCKS, u8"\u2581\u2581\u2588\u2581");
}

static void test_ascii(void **state)
{
    (void)state;
    static const double ramp[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    check(ramp, N(ramp), 10, PN_CHART_ASCII, " .:-=+*#%@");
    static const double one[] = {9};
    check(one, N(one), 4, PN_CHART_ASCII, "   @");
    static const double tiny[] = {1, 1000};
    check(tiny, N(tiny), 2, PN_CHART_ASCII, ".@");                  /* a little is not none */
    check(ramp, N(ramp), 3, PN_CHART_ASCII, "#%@");                  /* the last three, rescaled */
}

static void test_braille(void **state)
{
    (void)state;
    static const double ramp[] = {0, 1, 2, 3, 4, 5, 6, 7};
    /* Dots per sample (of 4): 1 2 2 2 3 3 4 4; left column older. */
    check(ramp, N(ramp), 4, PN_CHART_BRAILLE, u8"\u28E0\u28E4\u28F6\u28FF");
    static const double pair[] = {0, 3};
    check(pair, N(pair), 2, PN_CHART_BRAILLE, u8" \u28F8");
    static const double odd[] = {3, 0, 3};                          /* first cell: right column */
    check(odd, N(odd), 2, PN_CHART_BRAILLE, u8"\u28B8\u28F8");
    static const double one[] = {3};
    check(one, N(one), 1, PN_CHART_BRAILLE, u8"\u28B8");
    /* Width 2 holds 4 samples: older ones dropped. */
    check(ramp, N(ramp), 2, PN_CHART_BRAILLE, u8"\u28F6\u28FF");
}

static void test_all_zero_and_empty(void **state)
{
    (void)state;
    static const double zeros[] = {0, 0, 0};
    check(zeros, N(zeros), 3, PN_CHART_BLOCKS, u8"\u2581\u2581\u2581");
    check(zeros, N(zeros), 3, PN_CHART_ASCII, "   ");
    check(zeros, 2, 1, PN_CHART_BRAILLE, u8"\u28C0");
    check(zeros, N(zeros), 5, PN_CHART_BRAILLE, u8"   \u2880\u28C0");
    check(NULL, 0, 3, PN_CHART_BLOCKS, "   ");
    check(NULL, 0, 2, PN_CHART_BRAILLE, "  ");
    check(zeros, N(zeros), 0, PN_CHART_ASCII, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_braille),
        cmocka_unit_test(test_all_zero_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
