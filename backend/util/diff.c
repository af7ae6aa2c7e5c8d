/* diff.c - unified diffs (diff.h). */
#include "diff.h"
#include "mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT 3
#define LCS_MAX_CELLS ((size_t)4 * 1024 * 1024)

typedef struct line {
    const char *s;
    size_t len;
} line;

typedef struct lines {
    line *v;
    size_t n;
} lines;

static void split(lines *out, const char *t, size_t len)
{
    size_t cap = 16;
    out->v = pn_malloc(cap * sizeof(*out->v));
    out->n = 0;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(t + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - t) : len;
        if (out->n == cap) {
            cap *= 2;
            out->v = pn_realloc(out->v, cap * sizeof(*out->v));
        }
        out->v[out->n++] = (line){t + i, end - i};
        i = end + 1;
    }
}

static int cmp(const line *a, const line *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int eq(const line *a, const line *b)
{
    return a->len == b->len && !memcmp(a->s, b->s, a->len);
}

/* op: '=' keep, '-' remove a[i], '+' add b[j] */
typedef struct op {
    char kind;
    size_t i, j;
} op;

typedef struct ops {
    op *v;
    size_t n, cap;
} ops;

static void push(ops *o, char kind, size_t i, size_t j)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->v = pn_realloc(o->v, o->cap * sizeof(*o->v));
    }
    o->v[o->n++] = (op){kind, i, j};
}

static void script_merge(const lines *a, const lines *b, ops *o)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : cmp(&a->v[i], &b->v[j]);
        if (c == 0) {
            push(o, '=', i++, j++);
        } else if (c < 0) {
            push(o, '-', i++, j);
        } else {
            push(o, '+', i, j++);
        }
    }
}

static void script_lcs(const lines *a, const lines *b, ops *o)
{
    size_t n = a->n, m = b->n;
    uint32_t *t = pn_calloc((n + 1) * (m + 1), sizeof(*t));
#define T(i, j) t[(size_t)(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            T(i, j) = eq(&a->v[i], &b->v[j]) ? T(i + 1, j + 1) + 1
                      : T(i + 1, j) >= T(i, j + 1) ? T(i + 1, j) : T(i, j + 1);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && eq(&a->v[i], &b->v[j]))
            push(o, '=', i++, j++);
        else if (j < m && (i == n || T(i, j + 1) >= T(i + 1, j)))
            push(o, '+', i, j++);
        else
            push(o, '-', i++, j);
    }
#undef T
    free(t);
}

static void emit(pn_str *out, char kind, const line *l, pn_diff_mask_fn mask, pn_str *buf)
{
    pn_str_appendc(out, kind);
    if (mask) {
        pn_str_truncate(buf, 0);
        const char *s = mask(l->s, l->len, buf);
        if (s == buf->s) {
            pn_str_appendn(out, buf->s, buf->len);
            pn_str_appendc(out, '\n');
            return;
        }
    }
    pn_str_appendn(out, l->s, l->len);
    pn_str_appendc(out, '\n');
}

void pn_diff_unified(pn_str *out, const char *label_a, const char *label_b, const char *a,
                     size_t alen, const char *b, size_t blen, pn_diff_mask_fn mask,
                     size_t *added, size_t *removed)
{
    size_t add = 0, rem = 0;
    lines la, lb;
    split(&la, a ? a : "", a ? alen : 0);
    split(&lb, b ? b : "", b ? blen : 0);
    ops o = {0};
    if ((la.n + 1) * (lb.n + 1) <= LCS_MAX_CELLS)
        script_lcs(&la, &lb, &o);
    else
        script_merge(&la, &lb, &o);
    pn_str buf = PN_STR_INIT;
    bool header = false;
    size_t k = 0;
    while (k < o.n) {
        while (k < o.n && o.v[k].kind == '=')
            k++;
        if (k == o.n)
            break;
        /* a hunk: from CONTEXT lines before k until a run of > 2*CONTEXT equal lines */
        size_t start = k >= CONTEXT ? k - CONTEXT : 0;
        size_t end = k;
        while (end < o.n) {
            if (o.v[end].kind != '=') {
                end++;
                continue;
            }
            size_t run = end;
            while (run < o.n && o.v[run].kind == '=')
                run++;
            if (run == o.n || run - end > 2 * CONTEXT) {
                end = end + CONTEXT < run ? end + CONTEXT : run;
                break;
            }
            end = run;
        }
        size_t na = 0, nb = 0;
        for (size_t x = start; x < end; x++) {
            na += o.v[x].kind != '+';
            nb += o.v[x].kind != '-';
        }
        if (!header) {
            pn_str_appendf(out, "--- %s\n+++ %s\n", label_a, label_b);
            header = true;
        }
        pn_str_appendf(out, "@@ -%zu,%zu +%zu,%zu @@\n", na ? o.v[start].i + 1 : o.v[start].i,
                       na, nb ? o.v[start].j + 1 : o.v[start].j, nb);
        for (size_t x = start; x < end; x++) {
            const op *p = &o.v[x];
            if (p->kind == '=') {
                emit(out, ' ', &la.v[p->i], mask, &buf);
            } else if (p->kind == '-') {
                emit(out, '-', &la.v[p->i], mask, &buf);
                rem++;
            } else {
                emit(out, '+', &lb.v[p->j], mask, &buf);
                add++;
            }
        }
        k = end;
    }
    pn_str_free(&buf);
    free(o.v);
    free(la.v);
    free(lb.v);
    if (added)
        *added = add;
    if (removed)
        *removed = rem;
}
