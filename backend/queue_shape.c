/* queue_shape.c - qshape-style summaries of a held queue listing (see
 * queue.h): messages, bytes, recipients and per-queue counts grouped by
 * recipient domain, sender domain, class or age bucket.
 *
 * Grouping uses an open-addressing hash table local to one build, so
 * 100,000 entries with many domains cost one hash probe per recipient and no
 * allocation apart from each new group's key. Domains are lower-cased
 * (ASCII); a recipient or sender without a domain is grouped as "(none)",
 * the null sender as "(null sender)", a message with no recipients at all
 * under rcpt-domain "(none)". A message counts once per domain it has
 * recipients in, and once in the totals. Age buckets are half-open:
 * [0,5m) [5m,10m) ... [640m,1280m) [1280m,inf); a negative age (clock skew)
 * falls in the first. The age shape always has all ten rows, in bucket
 * order; other shapes list only non-empty groups, most messages first, ties
 * by key (byte order). */
#include "queue.h"

#include "util/mem.h"
#include "util/str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KEY_NONE "(none)"
#define KEY_NULL_SENDER "(null sender)"

static const char *const age_labels[PN_QSHAPE_AGE_BUCKETS] = {
    "0-5m", "5-10m", "10-20m", "20-40m", "40-80m",
    "80-160m", "160-320m", "320-640m", "640-1280m", "1280m+",
};

const char *pn_qshape_age_label(int bucket)
{
    if (bucket < 0 || bucket >= PN_QSHAPE_AGE_BUCKETS)
        return "";
    return age_labels[bucket];
}

static int age_bucket(int64_t age)
{
    int64_t hi = 300;           /* 5 minutes */
    for (int b = 0; b < PN_QSHAPE_AGE_BUCKETS - 1; b++, hi *= 2) {
        if (age < hi)
            return b;
    }
    return PN_QSHAPE_AGE_BUCKETS - 1;
}

bool pn_qshape_by_parse(const char *s, pn_qshape_by *out)
{
    static const struct { const char *name; pn_qshape_by by; } names[] = {
        {"rcpt-domain", PN_QSHAPE_RCPT_DOMAIN}, {"sender-domain", PN_QSHAPE_SENDER_DOMAIN},
        {"class", PN_QSHAPE_CLASS}, {"age", PN_QSHAPE_AGE},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].by;
            return true;
        }
    }
    return false;
}

/* ---- grouping table ---------------------------------------------------------- */

typedef struct builder {
    pn_qshape *s;
    size_t cap;          /* rows allocated */
    uint32_t *slots;     /* row index + 1, 0 = empty */
    size_t nslots;       /* power of two */
    uint64_t *hash;      /* per row */
    size_t *last;        /* per row: 1 + index of the last entry counted */
} builder;

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ULL;            /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static void slots_grow(builder *b)
{
    size_t n = b->nslots ? b->nslots * 2 : 64;
    uint32_t *slots = pn_calloc(n, sizeof *slots);
    for (size_t r = 0; r < b->s->n; r++) {
        size_t i = (size_t)b->hash[r] & (n - 1);
        while (slots[i])
            i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)(r + 1);
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = n;
}

static size_t group(builder *b, const char *key, size_t n)
{
    uint64_t h = hash_key(key, n);
    if ((b->s->n + 1) * 2 > b->nslots)
        slots_grow(b);
    size_t i = (size_t)h & (b->nslots - 1);
    while (b->slots[i]) {
        size_t r = b->slots[i] - 1;
        if (b->hash[r] == h && strncmp(b->s->rows[r].key, key, n) == 0 &&
            b->s->rows[r].key[n] == '\0')
            return r;
        i = (i + 1) & (b->nslots - 1);
    }
    if (b->s->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->s->rows = pn_realloc(b->s->rows, b->cap * sizeof *b->s->rows);
        b->hash = pn_realloc(b->hash, b->cap * sizeof *b->hash);
        b->last = pn_realloc(b->last, b->cap * sizeof *b->last);
    }
    size_t r = b->s->n++;
    memset(&b->s->rows[r], 0, sizeof b->s->rows[r]);
    b->s->rows[r].key = pn_strndup(key, n);
    b->hash[r] = h;
    b->last[r] = 0;
    b->slots[i] = (uint32_t)(r + 1);
    return r;
}

static void count(builder *b, size_t r, const pn_qentry *e, size_t idx, size_t rcpts)
{
    pn_qshape_row *row = &b->s->rows[r];
    if (b->last[r] != idx + 1) {
        b->last[r] = idx + 1;
        row->messages++;
        row->bytes += e->size;
        row->by_queue[(unsigned)e->queue < PN_QN_COUNT ? e->queue : PN_QN_OTHER]++;
    }
    row->recipients += rcpts;
}

/* Lower-cased domain of addr into buf; "" when there is none. */
static const char *lower_domain(pn_str *buf, const char *addr, size_t *n)
{
    const char *d = addr ? pn_addr_domain(addr) : "";
    pn_str_reset(buf);
    for (; *d; d++) {
        char c = *d;
        pn_str_appendc(buf, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
    *n = buf->len;
    return pn_str_cstr(buf);
}

static int row_cmp(const void *a, const void *b)
{
    const pn_qshape_row *x = a, *y = b;
    if (x->messages != y->messages)
        return x->messages > y->messages ? -1 : 1;
    return strcmp(x->key, y->key);
}

void pn_qshape_build(const pn_qlist *l, const pn_qfilter *f, pn_qshape_by by, int64_t now,
                     pn_qshape *out)
{
    memset(out, 0, sizeof *out);
    out->by = by;
    builder b = {.s = out};
    pn_str buf = PN_STR_INIT;

    if (by == PN_QSHAPE_AGE) {
        for (int i = 0; i < PN_QSHAPE_AGE_BUCKETS; i++)
            group(&b, age_labels[i], strlen(age_labels[i]));
    }
    for (size_t idx = 0; l && idx < l->n; idx++) {
        const pn_qentry *e = &l->items[idx];
        if (f && !pn_qfilter_match(f, e, now))
            continue;
        out->total_messages++;
        out->total_bytes += e->size;
        switch (by) {
        case PN_QSHAPE_RCPT_DOMAIN:
            if (e->n_rcpts == 0)
                count(&b, group(&b, KEY_NONE, strlen(KEY_NONE)), e, idx, 0);
            for (size_t i = 0; i < e->n_rcpts; i++) {
                size_t n;
                const char *d = lower_domain(&buf, e->rcpts[i].address, &n);
                if (n == 0)
                    d = KEY_NONE, n = strlen(KEY_NONE);
                count(&b, group(&b, d, n), e, idx, 1);
            }
            break;
        case PN_QSHAPE_SENDER_DOMAIN: {
            size_t n;
            const char *d;
            if (pn_qentry_null_sender(e)) {
                d = KEY_NULL_SENDER, n = strlen(KEY_NULL_SENDER);
            } else {
                d = lower_domain(&buf, e->sender, &n);
                if (n == 0)
                    d = KEY_NONE, n = strlen(KEY_NONE);
            }
            count(&b, group(&b, d, n), e, idx, e->n_rcpts);
            break;
        }
        case PN_QSHAPE_CLASS: {
            const char *c = pn_qclass_str(e->cls);
            count(&b, group(&b, c, strlen(c)), e, idx, e->n_rcpts);
            break;
        }
        case PN_QSHAPE_AGE:
            count(&b, (size_t)age_bucket(now - e->arrival), e, idx, e->n_rcpts);
            break;
        }
    }
    if (by != PN_QSHAPE_AGE && out->n > 1)
        qsort(out->rows, out->n, sizeof *out->rows, row_cmp);
    pn_str_free(&buf);
    free(b.slots);
    free(b.hash);
    free(b.last);
}

bool pn_qshape_member(pn_qshape_by by, const char *key, const pn_qentry *e, int64_t now)
{
    if (!key)
        return false;
    switch (by) {
    case PN_QSHAPE_RCPT_DOMAIN:
        if (strcmp(key, KEY_NONE) == 0 && e->n_rcpts == 0)
            return true;
        for (size_t i = 0; i < e->n_rcpts; i++) {
            const char *a = e->rcpts[i].address;
            const char *d = a ? pn_addr_domain(a) : "";
            if (*d ? strcasecmp(d, key) == 0 : strcmp(key, KEY_NONE) == 0)
                return true;
        }
        return false;
    case PN_QSHAPE_SENDER_DOMAIN: {
        if (pn_qentry_null_sender(e))
            return strcmp(key, KEY_NULL_SENDER) == 0;
        const char *d = pn_addr_domain(e->sender);
        return *d ? strcasecmp(d, key) == 0 : strcmp(key, KEY_NONE) == 0;
    }
    case PN_QSHAPE_CLASS:
        return strcmp(pn_qclass_str(e->cls), key) == 0;
    case PN_QSHAPE_AGE:
        return strcmp(age_labels[age_bucket(now - e->arrival)], key) == 0;
    }
    return false;
}

void pn_qshape_free(pn_qshape *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->rows[i].key);
    free(s->rows);
    memset(s, 0, sizeof *s);
}
