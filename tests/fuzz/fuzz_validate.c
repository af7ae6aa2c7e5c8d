/* fuzz_validate.c - libFuzzer target: every validator on arbitrary bytes. The
 * first byte picks the validator; the rest is the value. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *v = malloc(size);
    memcpy(v, data + 1, size - 1);
    v[size - 1] = '\0';
    pn_err err = PN_ERR_INIT;
    int port;
    switch (data[0] % 11) {
    case 0: pn_valid_domain("domain", v, &err); break;
    case 1: pn_valid_hostname("hostname", v, &err); break;
    case 2: pn_valid_localpart("local part", v, &err); break;
    case 3: pn_valid_email("address", v, &err); break;
    case 4: pn_valid_ipv4("ip", v, &err); break;
    case 5: pn_valid_ipv6("ip", v, &err); break;
    case 6: pn_valid_ip("ip", v, &err); break;
    case 7: pn_valid_cidr("network", v, data[0] & 0x80, &err); break;
    case 8: pn_valid_port("port", v, &port, &err); break;
    case 9: pn_valid_qid("queue ID", v, &err); break;
    default: pn_valid_textn("text", (const char *)data + 1, size - 1, 255, &err); break;
    }
    pn_err_clear(&err);
    free(v);
    return 0;
}
