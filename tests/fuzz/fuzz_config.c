/* fuzz_config.c - libFuzzer target: the postern.yaml parser must reject any
 * input cleanly (an error with a position) and never crash or leak. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pn_err err = PN_ERR_INIT;
    pn_config *cfg = pn_config_parse("fuzz.yaml", (const char *)data, size, &err);
    pn_config_free(cfg);
    pn_err_clear(&err);
    return 0;
}
