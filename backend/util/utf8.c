/* utf8.c - UTF-8 decoding and display sanitising (see utf8.h). */
#include "util/utf8.h"

#include <string.h>

size_t pn_utf8_decode(const char *str, size_t len, uint32_t *cp, bool *valid)
{
    const unsigned char *s = (const unsigned char *)str;
    uint32_t c = s[0];
    size_t need;
    uint32_t min;

    if (valid)
        *valid = true;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1; c &= 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2; c &= 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3; c &= 0x07; min = 0x10000;
    } else {
        goto bad;
    }
    if (len < need + 1)
        goto bad;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    return need + 1;
bad:
    *cp = PN_UTF8_REPLACEMENT;
    if (valid)
        *valid = false;
    return 1;
}

void pn_utf8_encode(pn_str *out, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    pn_str_appendn(out, b, n);
}

bool pn_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        bool ok;
        if (s[i] == '\0')
            return false;
        i += pn_utf8_decode(s + i, len - i, &cp, &ok);
        if (!ok)
            return false;
    }
    return true;
}

bool pn_utf8_is_unsafe(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F)
        return true;                       /* C0 controls, DEL */
    if (cp >= 0x80 && cp <= 0x9F)
        return true;                       /* C1 controls */
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return true;                       /* bidi embeddings/overrides/isolates */
    if (cp == 0x2028 || cp == 0x2029)
        return true;                       /* line/paragraph separators */
    return false;
}

size_t pn_utf8_sanitize(pn_str *out, const char *s, size_t len, int flags)
{
    size_t replaced = 0;
    size_t i = 0;
    pn_str_reserve(out, len);
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F) {       /* fast path: printable ASCII */
            size_t j = i + 1;
            while (j < len && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7F)
                j++;
            pn_str_appendn(out, s + i, j - i);
            i = j;
            continue;
        }
        uint32_t cp;
        bool ok;
        size_t n = pn_utf8_decode(s + i, len - i, &cp, &ok);
        if (cp == '\t') {
            pn_str_appendc(out, (flags & PN_SAN_KEEP_TAB) ? '\t' : ' ');
        } else if (cp == '\n' && (flags & PN_SAN_KEEP_NEWLINE)) {
            pn_str_appendc(out, '\n');
        } else if (!ok || pn_utf8_is_unsafe(cp)) {
            pn_utf8_encode(out, PN_UTF8_REPLACEMENT);
            replaced++;
        } else {
            pn_str_appendn(out, s + i, n);
        }
        i += n;
    }
    return replaced;
}

char *pn_utf8_sanitized(const char *s)
{
    pn_str out = PN_STR_INIT;
    pn_utf8_sanitize(&out, s, strlen(s), 0);
    return pn_str_steal(&out);
}
