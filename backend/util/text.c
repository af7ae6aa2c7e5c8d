/* text.c - width-aware fitting and human formats (see text.h). */
#include "util/text.h"
#include "util/utf8.h"

#include <string.h>
#include <wchar.h>

static int cp_width(uint32_t cp)
{
    int w = wcwidth((wchar_t)cp);
    if (w < 0)
        return cp < 0x80 ? 1 : 1;   /* unknown in this locale: assume one column */
    return w;
}

size_t pn_text_width(const char *s)
{
    return pn_text_width_n(s, strlen(s));
}

size_t pn_text_width_n(const char *s, size_t len)
{
    size_t i = 0, w = 0;
    while (i < len) {
        uint32_t cp;
        i += pn_utf8_decode(s + i, len - i, &cp, NULL);
        w += (size_t)cp_width(cp);
    }
    return w;
}

void pn_text_fit(pn_str *out, const char *s, size_t width, bool pad)
{
    pn_str clean = PN_STR_INIT;
    pn_utf8_sanitize(&clean, s, strlen(s), 0);
    const char *c = pn_str_cstr(&clean);
    size_t total = pn_text_width(c);
    size_t used = 0;
    if (total <= width) {
        pn_str_append(out, c);
        used = total;
    } else if (width > 0) {
        /* Keep width-1 columns, then the ellipsis (one column). */
        size_t i = 0, len = clean.len;
        while (i < len) {
            uint32_t cp;
            size_t n = pn_utf8_decode(c + i, len - i, &cp, NULL);
            size_t w = (size_t)cp_width(cp);
            if (used + w > width - 1)
                break;
            pn_str_appendn(out, c + i, n);
            used += w;
            i += n;
        }
        pn_str_append(out, "\xe2\x80\xa6");   /* U+2026 */
        used++;
    }
    if (pad)
        for (; used < width; used++)
            pn_str_appendc(out, ' ');
    pn_str_free(&clean);
}

void pn_text_age(pn_str *out, int64_t s)
{
    if (s < 0) {
        pn_str_append(out, "-");
    } else if (s < 60) {
        pn_str_appendf(out, "%llds", (long long)s);
    } else if (s < 3600) {
        pn_str_appendf(out, "%lldm", (long long)(s / 60));
    } else if (s < 86400) {
        pn_str_appendf(out, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    } else {
        pn_str_appendf(out, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    }
}

void pn_text_size(pn_str *out, int64_t b)
{
    static const char units[] = "KMGT";
    if (b < 1024) {
        pn_str_appendf(out, "%lld", (long long)b);
        return;
    }
    double v = (double)b;
    int u = -1;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    if (v < 10)
        pn_str_appendf(out, "%.1f%c", v, units[u]);
    else
        pn_str_appendf(out, "%.0f%c", v, units[u]);
}
