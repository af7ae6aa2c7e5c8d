/* mem.c - allocation wrappers that abort on out-of-memory (see mem.h). */
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "postern: out of memory allocating %zu bytes\n", n);
    abort();
}

void *pn_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *pn_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *pn_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *pn_strdup(const char *s)
{
    return pn_strndup(s, strlen(s));
}

char *pn_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = pn_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void pn_freep(void *pp)
{
    void **p = pp;
    free(*p);
    *p = NULL;
}
