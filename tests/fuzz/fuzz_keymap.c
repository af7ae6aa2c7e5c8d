/* fuzz_keymap.c - libFuzzer target: the keymap loader, key names and the
 * command line must reject any input cleanly (errors with a position) and
 * never crash or leak, whatever the bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "keymap.h"
#include "keys.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const screens[] = {"queue", "logs", "domains", "mailboxes", "addresses",
                                      "filter", "relay", "settings", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* as a keymap file, over the default map */
    pn_keymap *km = pn_keymap_new();
    size_t dlen;
    const char *def = pn_keymap_builtin("default", &dlen);
    if (def)
        pn_keymap_load(km, "default.yaml", def, dlen, screens);
    pn_keymap_load(km, "fuzz.yaml", (const char *)data, size, screens);
    pn_keymap_check(km);
    size_t nd;
    pn_keymap_diags(km, &nd);
    const pn_binding **list;
    size_t n = pn_keymap_section(km, "global", &list);
    for (size_t i = 0; i < n && i < 8; i++) {
        const pn_binding *b;
        pn_keymap_lookup(km, "queue", &list[i]->seq, &b);
        if (list[i]->command)
            pn_keymap_key_for(km, "queue", list[i]->command);
    }
    free(list);
    pn_keymap_unbind_flags(km, PN_AF_DANGEROUS | PN_AF_WRITES);
    pn_keymap_free(km);

    /* as a key sequence and as a command line */
    char *text = pn_strndup((const char *)data, size);
    pn_keyseq seq;
    pn_err err = PN_ERR_INIT;
    if (pn_keyseq_parse(text, &seq, &err)) {
        pn_str name = PN_STR_INIT;
        pn_keyseq_name(&name, &seq);
        pn_keyseq again;
        if (!pn_keyseq_parse(pn_str_cstr(&name), &again, NULL) || !pn_keyseq_equal(&seq, &again))
            abort();                     /* a printed name must read back */
        pn_str_free(&name);
    }
    pn_err_clear(&err);
    pn_command c;
    if (pn_cmdline_parse(text, screens, &c, &err)) {
        pn_str canon = PN_STR_INIT;
        pn_command_format(&canon, &c);
        pn_command c2;
        if (!pn_cmdline_parse(pn_str_cstr(&canon), screens, &c2, NULL) || c2.action != c.action ||
            c2.args.n != c.args.n)
            abort();                     /* the canonical form must read back */
        pn_command_free(&c2);
        pn_str_free(&canon);
    }
    pn_command_free(&c);
    pn_err_clear(&err);
    pn_argv comp = PN_ARGV_INIT;
    pn_cmdline_complete(text, screens, NULL, &comp);
    pn_argv_free(&comp);
    free(text);
    return 0;
}
