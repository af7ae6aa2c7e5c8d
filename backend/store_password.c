/* store_password.c - password hashing for mailboxes with libcrypt:
 * yescrypt ("$y$") when the library has it, else SHA512-CRYPT ("$6$"), with
 * a fresh salt from crypt_gensalt_rn. The plaintext is never stored. */
#include "store.h"
#include "util/mem.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

char *pn_store_hash_password(const char *password, pn_err *err)
{
    if (!password || !*password)
        return pn_err_set(err, PN_E_INVALID, "password: is empty: a password is required"), NULL;
    if (strlen(password) > PN_STORE_PASSWORD_MAX)
        return pn_err_set(err, PN_E_INVALID, "password: is too long: at most %d bytes",
                          PN_STORE_PASSWORD_MAX), NULL;
    for (const unsigned char *p = (const unsigned char *)password; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return pn_err_set(err, PN_E_INVALID,
                              "password: contains a control character: not allowed"), NULL;
    static const char *const prefixes[] = {"$y$", "$6$"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        char salt[CRYPT_GENSALT_OUTPUT_SIZE];
        if (!crypt_gensalt_rn(prefixes[i], 0, NULL, 0, salt, (int)sizeof(salt)))
            continue;
        struct crypt_data *cd = pn_calloc(1, sizeof(*cd));
        char *h = crypt_r(password, salt, cd);
        char *r = h && h[0] == '$' ? pn_strdup(h) : NULL;
        explicit_bzero(cd, sizeof(*cd));
        free(cd);
        if (r)
            return r;
    }
    pn_err_set(err, PN_E_INTERNAL, "password: libcrypt supports neither yescrypt nor SHA512-CRYPT");
    return NULL;
}
