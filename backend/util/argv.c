/* argv.c - argument vector (see argv.h). */
#include "util/argv.h"
#include "util/mem.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdlib.h>

static void grow(pn_argv *a)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 8;
        a->v = pn_realloc(a->v, a->cap * sizeof(*a->v));
    }
}

static void add_owned(pn_argv *a, char *s)
{
    grow(a);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

void pn_argv_add(pn_argv *a, const char *s)
{
    add_owned(a, pn_strdup(s));
}

void pn_argv_addv(pn_argv *a, ...)
{
    va_list ap;
    va_start(ap, a);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL)
        pn_argv_add(a, s);
    va_end(ap);
}

void pn_argv_addf(pn_argv *a, const char *fmt, ...)
{
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    add_owned(a, pn_str_steal(&s));
}

char *const *pn_argv_items(pn_argv *a)
{
    if (!a->v) {
        grow(a);
        a->v[0] = NULL;
    }
    return a->v;
}

void pn_argv_free(pn_argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

char *pn_argv_join(const pn_argv *a, const char *sep)
{
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < a->n; i++) {
        if (i)
            pn_str_append(&s, sep);
        pn_str_append(&s, a->v[i]);
    }
    return pn_str_steal(&s);
}
