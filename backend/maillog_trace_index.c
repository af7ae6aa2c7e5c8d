/* maillog_trace_index.c - the trace's hits from the log index instead of a
 * pass over the files: the same lines the scan would keep (and the builder
 * in maillog_trace.c decides from them), read from the few blocks that can
 * hold them.
 *
 * Keys are looked up in the index (a QID, a Message-ID, an smtpd process
 * "program[pid]", a Dovecot LMTP session); every line of a candidate block
 * that contains the key's text (the scan's own test) is a hit, and a hit
 * that names a known key in a parsed field (related, as in the scan) adds
 * the keys it links to: its QIDs, Message-ID, smtpd process, LMTP session.
 * Until no key is new. Keys other than the asked one live in a time window,
 * like the scan's expiring keys: from a while before the line that found
 * them to a while after their last hit (QIDs end a minute after their
 * `removed` line), so a reused QID or pid does not pull in other messages;
 * blocks whose times lie outside a key's window are not read.
 *
 * A stale index is still exact: files it does not know, and the unindexed
 * end of a grown file, come back from the lookup as tail blocks that are
 * searched line by line. When those add up to more than PN_TIX_TAIL_MAX
 * the scan is cheaper, and pn_tindex_run says so (*used = false). */
#include "maillog_index.h"
#include "maillog_trace_internal.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define SEC 1000000LL
#define BACK (600 * SEC)          /* how far before its first sighting a key's lines may be */
#define END_GRACE (60 * SEC)      /* a QID's lines after its removed line */
#define SLACK (120 * SEC)         /* block times vs key windows */

enum { TK_QID, TK_MID, TK_PROC, TK_SESSION };

typedef struct ikey {
    int kind;
    char *text;          /* as the index knows it (QID, <MID>, program[pid], session) */
    char *needle;        /* what a line must contain (the scan's test) */
    size_t nn;
    bool seed, ended;
    int64_t lo, hi, ttl; /* window (seed: unbounded) */
    int64_t done_lo, done_hi; /* window of the last pass over its blocks (none yet:
                                 INT64_MAX, INT64_MIN): a wider one needs another */
    pn_logblock *blocks;
    size_t nblocks;
    bool looked;
} ikey;

/* The lines of a block read once (several keys often share a block, and a
 * gzip block costs an inflate from its access point). */
typedef struct bcache {
    int file;
    int64_t offset;
    pn_str text;         /* the lines, each NUL-ended */
    size_t *at;          /* start of line i in text */
    pn_logpos *pos;
    size_t n, cap;
} bcache;

typedef struct tix {
    pn_logindex *ix;
    const pn_logset *ls;
    ikey *keys;
    size_t nk, capk;
    int64_t *seen;       /* (file, offset) packed, open addressing */
    size_t seen_cap, seen_n;
    pn_tscan *out;
    pn_err *err;
    bcache *cache;
    size_t ncache, capcache;
} tix;

static bool span_is(pn_span s, const char *t, size_t n)
{
    return s.n == n && (n == 0 || !memcmp(s.p, t, n));
}

static int find_key(tix *x, int kind, const char *s, size_t n)
{
    for (size_t i = 0; i < x->nk; i++)
        if (x->keys[i].kind == kind && strlen(x->keys[i].text) == n &&
            !memcmp(x->keys[i].text, s, n))
            return (int)i;
    return -1;
}

static void add_key(tix *x, int kind, const char *s, size_t n, bool seed, int64_t t,
                    int64_t ttl)
{
    if (!n)
        return;
    int i = find_key(x, kind, s, n);
    if (i >= 0) {
        ikey *k = &x->keys[i];
        if (!k->seed && t) {
            if (t - BACK < k->lo)
                k->lo = t - BACK;
            if (!k->ended && t + ttl > k->hi)
                k->hi = t + ttl;
        } else if (!k->seed && !t) {
            k->lo = INT64_MIN;
            k->hi = INT64_MAX;
        }
        return;
    }
    if (x->nk == x->capk) {
        x->capk = x->capk ? x->capk * 2 : 16;
        x->keys = pn_realloc(x->keys, x->capk * sizeof(*x->keys));
    }
    ikey *k = &x->keys[x->nk++];
    memset(k, 0, sizeof(*k));
    k->kind = kind;
    k->text = pn_strndup(s, n);
    k->seed = seed;
    k->ttl = ttl;
    k->done_lo = INT64_MAX;
    k->done_hi = INT64_MIN;
    if (seed || !t) {
        k->lo = INT64_MIN;
        k->hi = INT64_MAX;
    } else {
        k->lo = t - BACK;
        k->hi = t + ttl;
    }
    if (kind == TK_PROC)
        k->needle = pn_sprintf(" %s: ", k->text);   /* " postfix/smtpd[123]: " */
    else
        k->needle = pn_strdup(k->text);
    k->nn = strlen(k->needle);
}

static int ixkind(int kind)
{
    switch (kind) {
    case TK_QID:
        return PN_IX_QID;
    case TK_MID:
        return PN_IX_MSGID;
    case TK_PROC:
        return PN_IX_PROC;
    default:
        return PN_IX_SESSION;
    }
}

/* A new (file, offset)? */
static bool seen_add(tix *x, int file, int64_t off)
{
    int64_t v = ((int64_t)file << 48) ^ off;
    if ((x->seen_n + 1) * 2 > x->seen_cap) {
        size_t nc = x->seen_cap ? x->seen_cap * 2 : 1024;
        int64_t *nv = pn_malloc(nc * sizeof(*nv));
        for (size_t i = 0; i < nc; i++)
            nv[i] = -1;
        for (size_t i = 0; i < x->seen_cap; i++) {
            if (x->seen[i] < 0)
                continue;
            size_t h = ((uint64_t)x->seen[i] * 0x9E3779B97F4A7C15ULL) & (nc - 1);
            while (nv[h] >= 0)
                h = (h + 1) & (nc - 1);
            nv[h] = x->seen[i];
        }
        free(x->seen);
        x->seen = nv;
        x->seen_cap = nc;
    }
    size_t h = ((uint64_t)v * 0x9E3779B97F4A7C15ULL) & (x->seen_cap - 1);
    while (x->seen[h] >= 0) {
        if (x->seen[h] == v)
            return false;
        h = (h + 1) & (x->seen_cap - 1);
    }
    x->seen[h] = v;
    x->seen_n++;
    return true;
}

static void record(tix *x, int file, const char *line, size_t len, const pn_logpos *pos)
{
    pn_ttask *t = &x->out->tasks[file];
    if (t->n_hits == t->cap_hits) {
        t->cap_hits = t->cap_hits ? t->cap_hits * 2 : 64;
        t->hits = pn_realloc(t->hits, t->cap_hits * sizeof(*t->hits));
    }
    if (len && line[len - 1] == '\r')
        len--;
    pn_thit *h = &t->hits[t->n_hits++];
    h->offset = pos->offset;
    h->lineno = pos->lineno - 1;   /* the builder adds line_base (0) + 1 */
    h->text = pn_strndup(line, len);
    h->len = len;
}

/* The scan's process_hit: a line related to a known key adds its links. */
static void discover(tix *x, const pn_logline *l)
{
    pn_span ids[6] = {l->qid, l->orig_queue_id, l->orig_id, l->queued_as, l->forwarded_as,
                      l->notification_qid};
    bool related = false;
    for (int i = 0; i < 6 && !related; i++)
        related = ids[i].n && find_key(x, TK_QID, ids[i].p, ids[i].n) >= 0;
    if (!related && l->message_id.n)
        related = find_key(x, TK_MID, l->message_id.p, l->message_id.n) >= 0;
    if (!related)
        return;
    int64_t t = l->ts_us;
    for (int i = 0; i < 6; i++) {
        if (!ids[i].n)
            continue;
        bool remote = i == 3 && !pn_trace_relay_local(l->relay, l->host);
        add_key(x, TK_QID, ids[i].p, ids[i].n, false, t, remote ? 600 * SEC : 6 * 3600 * SEC);
    }
    if (l->message_id.n)
        add_key(x, TK_MID, l->message_id.p, l->message_id.n, false, t, 6 * 3600 * SEC);
    if (l->kind == PN_LK_CLIENT && l->program.n && l->pid >= 0) {
        char *s = pn_sprintf("%.*s[%d]", (int)l->program.n, l->program.p, l->pid);
        add_key(x, TK_PROC, s, strlen(s), false, t, 3600 * SEC);
        free(s);
    }
    if (l->lmtp_session.n)
        add_key(x, TK_SESSION, l->lmtp_session.p, l->lmtp_session.n, false, t, 600 * SEC);
}

static void add_note(pn_ttask *t, const char *note)
{
    if (!note || !*note || strstr(pn_str_cstr(&t->notes), note))
        return;
    if (t->notes.len)
        pn_str_append(&t->notes, "; ");
    pn_str_append(&t->notes, note);
}

/* The lines of block b, read on first use. NULL on a read error. */
static const bcache *cached_block(tix *x, const pn_logblock *b)
{
    for (size_t i = 0; i < x->ncache; i++)
        if (x->cache[i].file == b->file && x->cache[i].offset == b->offset)
            return &x->cache[i];
    pn_ixblock *r = pn_ixblock_open(x->ix, x->ls, b, x->err);
    if (!r)
        return NULL;
    if (x->ncache == x->capcache) {
        x->capcache = x->capcache ? x->capcache * 2 : 16;
        x->cache = pn_realloc(x->cache, x->capcache * sizeof(*x->cache));
    }
    bcache *c = &x->cache[x->ncache++];
    memset(c, 0, sizeof(*c));
    c->file = b->file;
    c->offset = b->offset;
    const char *line;
    size_t len;
    pn_logpos pos;
    while (pn_ixblock_next(r, &line, &len, &pos)) {
        if (len > PN_LOGLINE_MAX)
            len = PN_LOGLINE_MAX;
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 1024;
            c->at = pn_realloc(c->at, c->cap * sizeof(*c->at));
            c->pos = pn_realloc(c->pos, c->cap * sizeof(*c->pos));
        }
        c->at[c->n] = c->text.len;
        c->pos[c->n++] = pos;
        pn_str_appendn(&c->text, line, len);
        pn_str_appendn(&c->text, "", 1);
    }
    add_note(&x->out->tasks[b->file], pn_ixblock_notes(r));
    pn_ixblock_close(r);
    return c;
}

/* One pass over the candidate blocks of key ki within its window. */
static bool search_key(tix *x, size_t ki)
{
    ikey *k = &x->keys[ki];
    if (!k->looked) {
        if (!pn_logindex_lookup(x->ix, x->ls, ixkind(k->kind), k->text, strlen(k->text),
                                &k->blocks, &k->nblocks, x->err))
            return false;
        k->looked = true;
    }
    k->done_lo = k->lo;
    size_t nblocks = k->nblocks;
    for (size_t bi = 0; bi < nblocks; bi++) {
        k = &x->keys[ki];   /* discover() may move the array */
        const pn_logblock *b = &k->blocks[bi];
        if (!b->tail && !k->seed &&
            ((b->ts_max && k->lo != INT64_MIN && b->ts_max < k->lo - SLACK) ||
             (b->ts_min && k->hi != INT64_MAX && b->ts_min > k->hi + SLACK)))
            continue;
        const bcache *c = cached_block(x, b);
        if (!c)
            return false;
        pn_logparse_ctx pc;
        pn_logparse_init(&pc, x->ls->files[b->file].mtime);
        for (size_t li = 0; li < c->n; li++) {
            k = &x->keys[ki];
            const char *line = c->text.s + c->at[li];
            size_t len = (li + 1 < c->n ? c->at[li + 1] : c->text.len) - c->at[li] - 1;
            const pn_logpos *pos = &c->pos[li];
            if (len < k->nn || !memmem(line, len, k->needle, k->nn))
                continue;
            pn_logline l;
            pn_logline_parse(&pc, line, len, &l);
            int64_t t = l.ts_us;
            if (t && !k->seed && (t < k->lo || t > k->hi))
                continue;
            if (t && !k->seed && !k->ended && t + k->ttl > k->hi)
                k->hi = t + k->ttl;
            if (t && !k->seed && k->kind == TK_QID && span_is(l.qid, k->text, strlen(k->text)) &&
                (l.kind == PN_LK_REMOVED ||
                 (l.kind == PN_LK_POSTSUPER && span_is(l.action, "removed", 7)))) {
                k->ended = true;
                k->hi = t + END_GRACE;
            }
            if (!seen_add(x, b->file, pos->offset))
                continue;
            record(x, b->file, line, len, pos);
            discover(x, &l);
        }
    }
    x->keys[ki].done_hi = x->keys[ki].hi;
    return true;
}

static bool pending(const ikey *k)
{
    return k->lo < k->done_lo || k->hi > k->done_hi;
}

/* Bytes the index does not cover (tail blocks of the seed's lookup; a
 * gzip file counts at 4x its size on disk). */
static int64_t unindexed_bytes(const tix *x, const ikey *k)
{
    int64_t n = 0;
    for (size_t i = 0; i < k->nblocks; i++) {
        const pn_logblock *b = &k->blocks[i];
        if (!b->tail)
            continue;
        const pn_logfile *f = &x->ls->files[b->file];
        n += f->gz ? f->size * 4 : (f->size > b->offset ? f->size - b->offset : 0);
    }
    return n;
}

/* Every accepted hit again: a key found later may relate an earlier line. */
static void rediscover(tix *x)
{
    for (size_t fi = 0; fi < x->out->n; fi++) {
        pn_ttask *t = &x->out->tasks[fi];
        pn_logparse_ctx pc;
        pn_logparse_init(&pc, x->ls->files[fi].mtime);
        for (size_t i = 0; i < t->n_hits; i++) {
            pn_logline l;
            pn_logline_parse(&pc, t->hits[i].text, t->hits[i].len, &l);
            discover(x, &l);
        }
    }
}

static int cmp_hit(const void *a, const void *b)
{
    const pn_thit *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

bool pn_tindex_run(pn_logindex *ix, const pn_logset *ls, const char *seed, bool mid_mode,
                   pn_tscan *out, bool *used, pn_str *note, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    *used = false;
    tix x;
    memset(&x, 0, sizeof(x));
    x.ix = ix;
    x.ls = ls;
    x.out = out;
    x.err = err;
    out->tasks = pn_calloc(ls->n + 1, sizeof(*out->tasks));
    out->n = ls->n;
    for (size_t i = 0; i < ls->n; i++) {
        out->tasks[i].file = (int)i;
        out->tasks[i].gz = ls->files[i].gz;
        out->tasks[i].end = -1;
    }
    bool ok = true;
    if (mid_mode) {
        char *m = pn_sprintf("<%s>", seed);
        add_key(&x, TK_MID, m, strlen(m), true, 0, 0);
        free(m);
    } else {
        add_key(&x, TK_QID, seed, strlen(seed), true, 0, 0);
    }
    /* the seed first: how much of the set is not indexed? */
    ok = search_key(&x, 0);
    if (ok) {
        int64_t behind = unindexed_bytes(&x, &x.keys[0]);
        if (behind > PN_TIX_TAIL_MAX) {
            pn_str_appendf(note, "the log index is %lld MiB behind the logs: scanned them "
                                 "instead (postern log index brings it up to date)",
                           (long long)(behind >> 20));
            goto done;
        }
        if (behind > 0)
            pn_str_appendf(note, "the log index is behind the logs: %lld KiB not indexed yet "
                                 "were searched line by line",
                           (long long)((behind + 1023) >> 10));
    }
    if (ok && mid_mode) {
        /* a whole Message-ID: some line must carry exactly it; else it may be
         * a part of one, which only the scan can find */
        bool exact = false;
        const char *m = x.keys[0].text;
        size_t mn = strlen(m);
        for (size_t fi = 0; fi < out->n && !exact; fi++) {
            pn_ttask *t = &out->tasks[fi];
            pn_logparse_ctx pc;
            pn_logparse_init(&pc, ls->files[fi].mtime);
            for (size_t i = 0; i < t->n_hits && !exact; i++) {
                pn_logline l;
                pn_logline_parse(&pc, t->hits[i].text, t->hits[i].len, &l);
                exact = span_is(l.message_id, m, mn);
            }
        }
        if (!exact) {
            pn_str_truncate(note, 0);
            goto done;
        }
    }
    while (ok) {
        bool any = false;
        for (size_t i = 0; ok && i < x.nk; i++) {
            if (!pending(&x.keys[i]))
                continue;
            any = true;
            ok = search_key(&x, i);
        }
        if (!ok)
            break;
        if (!any) {
            size_t before = x.nk;
            rediscover(&x);
            bool again = x.nk != before;
            for (size_t i = 0; i < x.nk && !again; i++)
                again = pending(&x.keys[i]);
            if (!again)
                break;
        }
    }
    if (ok) {
        for (size_t i = 0; i < out->n; i++)
            if (out->tasks[i].n_hits > 1)
                qsort(out->tasks[i].hits, out->tasks[i].n_hits, sizeof(pn_thit), cmp_hit);
        *used = true;
    }
done:
    for (size_t i = 0; i < x.nk; i++) {
        free(x.keys[i].text);
        free(x.keys[i].needle);
        free(x.keys[i].blocks);
    }
    free(x.keys);
    free(x.seen);
    for (size_t i = 0; i < x.ncache; i++) {
        pn_str_free(&x.cache[i].text);
        free(x.cache[i].at);
        free(x.cache[i].pos);
    }
    free(x.cache);
    if (!*used)
        pn_tscan_free(out);
    return ok;
}
