/* str.c - growable string (see str.h). */
#include "util/str.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pn_str_reserve(pn_str *str, size_t extra)
{
    size_t need = str->len + extra + 1;
    if (need <= str->cap)
        return;
    size_t cap = str->cap ? str->cap : 64;
    while (cap < need)
        cap *= 2;
    str->s = pn_realloc(str->s, cap);
    str->s[str->len] = '\0';   /* a fresh buffer must read as "" */
    str->cap = cap;
}

void pn_str_appendn(pn_str *str, const void *data, size_t n)
{
    pn_str_reserve(str, n);
    if (n)
        memcpy(str->s + str->len, data, n);
    str->len += n;
    str->s[str->len] = '\0';
}

void pn_str_append(pn_str *str, const char *s)
{
    pn_str_appendn(str, s, strlen(s));
}

void pn_str_appendc(pn_str *str, char c)
{
    pn_str_appendn(str, &c, 1);
}

void pn_str_vappendf(pn_str *str, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return;
    pn_str_reserve(str, (size_t)n);
    vsnprintf(str->s + str->len, (size_t)n + 1, fmt, ap);
    str->len += (size_t)n;
}

void pn_str_appendf(pn_str *str, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(str, fmt, ap);
    va_end(ap);
}

void pn_str_set(pn_str *str, const char *s)
{
    pn_str_truncate(str, 0);
    pn_str_append(str, s);
}

void pn_str_truncate(pn_str *str, size_t len)
{
    if (len < str->len) {
        str->len = len;
        str->s[len] = '\0';
    }
}

void pn_str_reset(pn_str *str)
{
    pn_str_truncate(str, 0);
}

const char *pn_str_cstr(const pn_str *str)
{
    return str->s ? str->s : "";
}

char *pn_str_steal(pn_str *str)
{
    char *s = str->s ? str->s : pn_strdup("");
    str->s = NULL;
    str->len = str->cap = 0;
    return s;
}

void pn_str_free(pn_str *str)
{
    free(str->s);
    str->s = NULL;
    str->len = str->cap = 0;
}

void pn_str_rtrim(pn_str *str)
{
    while (str->len > 0) {
        char c = str->s[str->len - 1];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
        str->s[--str->len] = '\0';
    }
}

char *pn_sprintf(const char *fmt, ...)
{
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    return pn_str_steal(&s);
}
