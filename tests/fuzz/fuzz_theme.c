/* fuzz_theme.c - libFuzzer target: the theme parser must reject any input
 * cleanly (an error naming name:line:col) and never crash or leak; a theme
 * it accepts has every role styled within range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pn_err err = PN_ERR_INIT;
    pn_theme *t = pn_theme_parse("fuzz.yaml", (const char *)data, size, &err);
    if (t) {
        for (int r = 0; r < PN_ROLE_COUNT; r++) {
            const pn_role_style *s = &t->roles[r];
            if (s->fg < PN_COLOR_DEFAULT || s->fg > 255 || s->bg < PN_COLOR_DEFAULT || s->bg > 255)
                abort();
            if (t->mono && (s->fg != PN_COLOR_DEFAULT || s->bg != PN_COLOR_DEFAULT))
                abort();
        }
        pn_theme_free(t);
    } else if (!err.msg) {
        abort();   /* a refusal always says why */
    }
    pn_err_clear(&err);
    return 0;
}
