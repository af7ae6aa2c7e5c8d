/* maillog_trace_scan.c - the trace's pass over the log files: tasks on
 * threads, a cheap substring search per block for the keys a task knows,
 * keys that grow from the link lines found, and a look back over the
 * previous block for lines logged out of order. A journald JSON file goes
 * through the same block steps: its records, turned into text lines by the
 * reader, are gathered into blocks that map each line to its record's
 * offset. See maillog_trace_internal.h for the contract. */
#include "maillog_trace_internal.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define BLOCK ((size_t)4 << 20)
#define BLOCK_MAX ((size_t)64 << 20)
#define CHUNK_MIN ((int64_t)48 << 20)
#define MAX_KEYS 256
#define SEC 1000000LL

enum { K_QID, K_MID, K_SUB, K_SESSION, K_DOVE };

typedef struct tkey {
    char *s;
    size_t n;
    int kind;
    bool seed;        /* never expires */
    bool fresh;       /* added during this block: look back for it */
    bool ended;       /* removed / disconnected: expires after a grace */
    int64_t last_us, ttl_us, ended_us;
} tkey;

typedef struct offset_set {
    int64_t *v;
    size_t cap, n;
} offset_set;

typedef struct scanner {
    const pn_logset *ls;
    pn_ttask *t;
    bool mid_mode;
    tkey *keys;
    size_t nk, capk;
    pn_logparse_ctx pc;
    int64_t now_us;
    offset_set seen;
    bool partial;     /* searching a kept block only: keys are not "known" for the task */
} scanner;

/* ---- small helpers ------------------------------------------------------ */

static bool span_eq(pn_span a, const char *s, size_t n)
{
    return a.n == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

/* Newlines in p[0..n): SSE2 compares 16 bytes at a time, the byte counts
 * summed with psadbw every 255 rounds (no popcount instruction needed). */
static size_t count_nl(const char *p, size_t n)
{
    size_t c = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n');
    while (n >= 16) {
        size_t rounds = n / 16 > 255 ? 255 : n / 16;
        __m128i acc = _mm_setzero_si128();
        for (size_t r = 0; r < rounds; r++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
            p += 16;
        }
        __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
        c += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_extract_epi16(sums, 4);
        n -= rounds * 16;
    }
#endif
    while (n--)
        c += *p++ == '\n';
    return c;
}

/* The first occurrence of needle in hay (memmem's answer). With SSE2: the
 * needle's first and last bytes are compared at 16 positions at once and
 * only the positions where both match are checked in full. */
static const char *find_key_in(const char *hay, size_t n, const char *needle, size_t m)
{
#ifdef __SSE2__
    if (m >= 2 && n >= m + 15) {
        const __m128i first = _mm_set1_epi8(needle[0]);
        const __m128i last = _mm_set1_epi8(needle[m - 1]);
        size_t i = 0;
        for (; i + m - 1 + 16 <= n; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(hay + i + m - 1));
            unsigned mask = (unsigned)_mm_movemask_epi8(
                _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
            while (mask) {
                unsigned bit = (unsigned)__builtin_ctz(mask);
                if (!memcmp(hay + i + bit + 1, needle + 1, m - 2))
                    return hay + i + bit;
                mask &= mask - 1;
            }
        }
        const char *r = memmem(hay + i, n - i, needle, m);
        return r;
    }
#endif
    return memmem(hay, n, needle, m);
}

static bool set_add(offset_set *s, int64_t off)
{
    if (s->n * 2 >= s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        int64_t *nv = pn_malloc(nc * sizeof(*nv));
        for (size_t i = 0; i < nc; i++)
            nv[i] = -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (s->v[i] < 0)
                continue;
            size_t h = ((uint64_t)s->v[i] * 0x9E3779B97F4A7C15ULL) & (nc - 1);
            while (nv[h] >= 0)
                h = (h + 1) & (nc - 1);
            nv[h] = s->v[i];
        }
        free(s->v);
        s->v = nv;
        s->cap = nc;
    }
    size_t h = ((uint64_t)off * 0x9E3779B97F4A7C15ULL) & (s->cap - 1);
    while (s->v[h] >= 0) {
        if (s->v[h] == off)
            return false;
        h = (h + 1) & (s->cap - 1);
    }
    s->v[h] = off;
    s->n++;
    return true;
}

bool pn_trace_relay_local(pn_span relay, pn_span host)
{
    if (!relay.n)
        return false;
    const char *p = relay.p, *e = relay.p + relay.n;
    const char *br = memchr(p, '[', relay.n);
    size_t nn = br ? (size_t)(br - p) : relay.n;
    if (span_eq((pn_span){p, (uint32_t)nn}, "local", 5) ||
        span_eq((pn_span){p, (uint32_t)nn}, "localhost", 9) ||
        span_eq((pn_span){p, (uint32_t)nn}, "::1", 3) || (nn >= 4 && !memcmp(p, "127.", 4)))
        return true;
    if (br) {
        const char *a = br + 1;
        size_t an = (size_t)(e - a);
        if ((an >= 4 && !memcmp(a, "127.", 4)) || (an >= 4 && !memcmp(a, "::1]", 4)) ||
            (an >= 8 && !memcmp(a, "private/", 8)) || (an >= 7 && !memcmp(a, "public/", 7)))
            return true;
    }
    pn_span lab = pn_trace_relay_label(relay);
    return host.n && lab.n == host.n && !memcmp(lab.p, host.p, host.n);
}

pn_span pn_trace_relay_label(pn_span relay)
{
    size_t i = 0;
    while (i < relay.n && relay.p[i] != '.' && relay.p[i] != '[' && relay.p[i] != ':')
        i++;
    return (pn_span){relay.p, (uint32_t)i};
}

/* ---- keys ----------------------------------------------------------------- */

static int find_key(scanner *sc, int kind, const char *s, size_t n)
{
    for (size_t i = 0; i < sc->nk; i++)
        if (sc->keys[i].kind == kind && sc->keys[i].n == n && !memcmp(sc->keys[i].s, s, n))
            return (int)i;
    return -1;
}

static void add_key(scanner *sc, int kind, const char *s, size_t n, bool seed, int64_t ttl_us)
{
    if (!n || find_key(sc, kind, s, n) >= 0 || sc->nk >= MAX_KEYS)
        return;
    if (sc->nk == sc->capk) {
        sc->capk = sc->capk ? sc->capk * 2 : 16;
        sc->keys = pn_realloc(sc->keys, sc->capk * sizeof(*sc->keys));
    }
    tkey *k = &sc->keys[sc->nk++];
    memset(k, 0, sizeof(*k));
    k->s = pn_strndup(s, n);
    k->n = n;
    k->kind = kind;
    k->seed = seed;
    k->fresh = !seed;
    k->last_us = sc->now_us;
    k->ttl_us = ttl_us;
    if (!sc->partial)
        pn_argv_add(&sc->t->known, k->s);
}

static void expire_keys(scanner *sc)
{
    size_t w = 0;
    for (size_t i = 0; i < sc->nk; i++) {
        tkey *k = &sc->keys[i];
        bool drop = !k->seed && sc->now_us > 0 &&
                    ((k->ended && sc->now_us - k->ended_us > 60 * SEC) ||
                     (sc->now_us - k->last_us > k->ttl_us));
        if (drop) {
            free(k->s);
            continue;
        }
        sc->keys[w++] = *k;
    }
    sc->nk = w;
}

/* ---- one hit -------------------------------------------------------------- */

static bool mid_matches(scanner *sc, pn_span mid)
{
    if (!mid.n)
        return false;
    if (sc->mid_mode) {
        for (size_t i = 0; i < sc->nk; i++)
            if (sc->keys[i].kind == K_SUB && memmem(mid.p, mid.n, sc->keys[i].s, sc->keys[i].n))
                return true;
    }
    int i = find_key(sc, K_MID, mid.p, mid.n);
    if (i >= 0) {
        sc->keys[i].last_us = sc->now_us;
        return true;
    }
    return false;
}

static void process_hit(scanner *sc, const char *line, size_t len, int key)
{
    pn_logline l;
    pn_logline_parse(&sc->pc, line, len, &l);
    if (l.ts_us > sc->now_us)
        sc->now_us = l.ts_us;
    if (key >= 0 && (size_t)key < sc->nk)
        sc->keys[key].last_us = sc->now_us;

    pn_span ids[6] = {l.qid, l.orig_queue_id, l.orig_id, l.queued_as, l.forwarded_as,
                      l.notification_qid};
    bool related = false;
    for (int i = 0; i < 6; i++) {
        if (!ids[i].n)
            continue;
        int k = find_key(sc, K_QID, ids[i].p, ids[i].n);
        if (k >= 0) {
            related = true;
            sc->keys[k].last_us = sc->now_us;
            if (i == 0 && (l.kind == PN_LK_REMOVED ||
                           (l.kind == PN_LK_POSTSUPER && span_eq(l.action, "removed", 7)))) {
                sc->keys[k].ended = true;
                sc->keys[k].ended_us = sc->now_us;
            }
        }
    }
    if (mid_matches(sc, l.message_id))
        related = true;
    if (l.kind == PN_LK_DISCONNECT && key >= 0 && sc->keys[key].kind == K_SESSION) {
        sc->keys[key].ended = true;
        sc->keys[key].ended_us = sc->now_us;
    }
    if (!related)
        return;
    for (int i = 0; i < 6; i++) {
        if (!ids[i].n)
            continue;
        bool remote = i == 3 && !pn_trace_relay_local(l.relay, l.host);
        add_key(sc, K_QID, ids[i].p, ids[i].n, false, remote ? 600 * SEC : 6 * 3600 * SEC);
    }
    if (l.message_id.n)
        add_key(sc, K_MID, l.message_id.p, l.message_id.n, false, 6 * 3600 * SEC);
    if (l.kind == PN_LK_CLIENT && l.program.n && l.pid >= 0) {
        char *s = pn_sprintf(" %.*s[%d]: ", (int)l.program.n, l.program.p, l.pid);
        add_key(sc, K_SESSION, s, strlen(s), false, 3600 * SEC);
        free(s);
    }
    if (l.lmtp_session.n)
        add_key(sc, K_DOVE, l.lmtp_session.p, l.lmtp_session.n, false, 600 * SEC);
}

static void record_hit(scanner *sc, const char *line, size_t len, int64_t off, int64_t lineno)
{
    pn_ttask *t = sc->t;
    if (t->n_hits == t->cap_hits) {
        t->cap_hits = t->cap_hits ? t->cap_hits * 2 : 64;
        t->hits = pn_realloc(t->hits, t->cap_hits * sizeof(*t->hits));
    }
    if (len > PN_LOGLINE_MAX)
        len = PN_LOGLINE_MAX;
    pn_thit *h = &t->hits[t->n_hits++];
    h->offset = off;
    h->lineno = lineno;
    h->text = pn_strndup(line, len);
    h->len = len;
}

/* A block of whole lines: its text, the file offset and task-relative line
 * number (0-based) of its first line. A block of converted lines (journald
 * JSON records turned into text) also maps each of its lines to the offset
 * of its record in the file (offs[i]: line ln + i); a plain block's offsets
 * are off + the position in the text. */
typedef struct region {
    const char *p;
    size_t n;
    int64_t off, ln;
    const int64_t *offs;
} region;

/* Search one key over a region. */
static void search_region(scanner *sc, int key, region rg)
{
    const char *base = rg.p;
    const char *p = base, *e = base + rg.n;
    const char *cnt_at = base;
    int64_t cnt_ln = rg.ln;
    while (p < e && (size_t)key < sc->nk) {
        const char *m = find_key_in(p, (size_t)(e - p), sc->keys[key].s, sc->keys[key].n);
        if (!m)
            break;
        const char *ls = m;
        while (ls > base && ls[-1] != '\n')
            ls--;
        const char *le = memchr(m, '\n', (size_t)(e - m));
        if (!le)
            le = e;
        cnt_ln += (int64_t)count_nl(cnt_at, (size_t)(ls - cnt_at));
        cnt_at = ls;
        int64_t off = rg.offs ? rg.offs[cnt_ln - rg.ln] : rg.off + (ls - base);
        if (set_add(&sc->seen, off)) {
            size_t len = (size_t)(le - ls);
            if (len && ls[len - 1] == '\r')
                len--;
            record_hit(sc, ls, len, off, cnt_ln);
            process_hit(sc, ls, len, key);
        }
        p = le + 1;
    }
}

static void scan_block(scanner *sc, region cur, region back)
{
    size_t n0 = sc->nk;
    for (size_t i = 0; i < n0 && i < sc->nk; i++) {
        sc->keys[i].fresh = false;
        search_region(sc, (int)i, cur);
    }
    for (;;) {
        bool any = false;
        for (size_t i = 0; i < sc->nk; i++) {
            if (!sc->keys[i].fresh)
                continue;
            sc->keys[i].fresh = false;
            any = true;
            if (back.n)
                search_region(sc, (int)i, back);
            search_region(sc, (int)i, cur);
        }
        if (!any)
            break;
    }
}

/* Time of the first or last line of a region (0 if none parses). */
static int64_t region_time(scanner *sc, region r, bool last)
{
    if (!r.n)
        return 0;
    const char *s = r.p, *e = r.p + r.n;
    if (last) {
        const char *q = e;
        if (q > s && q[-1] == '\n')
            q--;
        const char *b = q;
        while (b > s && b[-1] != '\n')
            b--;
        s = b;
        e = q;
    } else {
        const char *q = memchr(s, '\n', r.n);
        if (q)
            e = q;
    }
    pn_logparse_ctx pc = sc->pc;
    pn_logline l;
    pn_logline_parse(&pc, s, (size_t)(e - s), &l);
    return l.ts_us;
}

/* The steps that come with each block of a task, whatever its source:
 * the block is searched (and the one before it again for keys found
 * late), the task's times are noted, keys expire. */
typedef struct blockpass {
    region back, before_back;
    bool first;
} blockpass;

static void pass_block(scanner *sc, blockpass *bp, region rg)
{
    pn_ttask *t = sc->t;
    if (bp->first && rg.n) {
        t->first_us = region_time(sc, rg, false);
        bp->first = false;
    }
    scan_block(sc, rg, bp->back);
    int64_t lt = region_time(sc, rg, true);
    if (lt) {
        t->last_us = lt;
        if (lt > sc->now_us)
            sc->now_us = lt;
    }
    expire_keys(sc);
    bp->before_back = bp->back;
    bp->back = rg;
}

/* ---- reading a task ----------------------------------------------------------- */

/* A task's bytes: a plain file's range through pread, or a gzip file
 * inflated here with zlib's check value left uncomputed (inflateValidate):
 * the CRC is a tenth of the inflate time, and a damaged or cut file still
 * shows as a deflate error or a stream that ends early. Concatenated
 * members are read one after the other. */
#define ZIN ((size_t)256 << 10)

typedef struct src {
    int fd;
    bool gz;
    z_stream z;
    unsigned char *in;
    bool in_eof, member_done;
    int64_t pos, end;   /* plain: next byte, stop (-1 EOF) */
    bool eof;
} src;

static bool gz_open(src *s)
{
    memset(&s->z, 0, sizeof(s->z));
    if (inflateInit2(&s->z, 15 + 16) != Z_OK)
        return false;
    inflateValidate(&s->z, 0);
    s->in = pn_malloc(ZIN);
    s->gz = true;
    return true;
}

static void gz_close(src *s)
{
    if (!s->gz)
        return;
    inflateEnd(&s->z);
    free(s->in);
    s->in = NULL;
}

static bool gz_fill(src *s, pn_ttask *t, const char *path)
{
    if (s->z.avail_in || s->in_eof)
        return s->z.avail_in > 0;
    ssize_t r;
    do
        r = read(s->fd, s->in, ZIN);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        pn_str_appendf(&t->notes, "%s: read error: %s; ", path, strerror(errno));
    if (r <= 0) {
        s->in_eof = true;
        return false;
    }
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)r;
    return true;
}

static ssize_t gz_read(src *s, pn_ttask *t, const char *path, char *into, size_t want)
{
    if (want > (size_t)1 << 30)
        want = (size_t)1 << 30;
    s->z.next_out = (unsigned char *)into;
    s->z.avail_out = (uInt)want;
    while (s->z.avail_out) {
        if (s->member_done) {
            /* another member follows, or the file ends here */
            if (!gz_fill(s, t, path))
                break;
            if (s->z.next_in[0] != 0x1f) {
                pn_str_appendf(&t->notes, "%s: data after the gzip stream was skipped; ", path);
                s->in_eof = true;
                s->z.avail_in = 0;
                break;
            }
            inflateReset(&s->z);
            s->member_done = false;
        }
        if (!s->z.avail_in && !gz_fill(s, t, path)) {
            pn_str_appendf(&t->notes, "%s: gzip data ends early: the file is truncated; ", path);
            s->member_done = true;
            s->in_eof = true;
            break;
        }
        int zr = inflate(&s->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            s->member_done = true;
            continue;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            pn_str_appendf(&t->notes, "%s: gzip data is damaged (%s): the rest of the file was "
                           "skipped; ", path, s->z.msg ? s->z.msg : "inflate error");
            s->member_done = true;
            s->in_eof = true;
            s->z.avail_in = 0;
            break;
        }
    }
    size_t got = want - s->z.avail_out;
    if (!got)
        s->eof = true;
    return (ssize_t)got;
}

static ssize_t src_read(src *s, pn_ttask *t, const char *path, char *into, size_t want)
{
    if (s->eof)
        return 0;
    if (s->gz)
        return gz_read(s, t, path, into, want);
    if (s->end >= 0 && (int64_t)want > s->end - s->pos)
        want = (size_t)(s->end - s->pos);
    if (!want) {
        s->eof = true;
        return 0;
    }
    ssize_t r;
    do
        r = pread(s->fd, into, want, s->pos);
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        if (r < 0)
            pn_str_appendf(&t->notes, "%s: read error: %s; ", path, strerror(errno));
        s->eof = true;
        return 0;
    }
    s->pos += r;
    return r;
}

static void run_task_blocks(scanner *sc)
{
    pn_ttask *t = sc->t;
    const pn_logfile *f = &sc->ls->files[t->file];
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        t->failed = true;
        pn_err_set(&t->err, PN_E_IO, "%s: cannot open: %s", f->path, strerror(errno));
        return;
    }
    src s;
    memset(&s, 0, sizeof(s));
    s.fd = fd;
    s.pos = t->begin;
    s.end = t->end;
    if (t->gz && !gz_open(&s)) {
        close(fd);
        t->failed = true;
        pn_err_set(&t->err, PN_E_IO, "%s: cannot read gzip data", f->path);
        return;
    }
    /* two blocks: the previous one is searched again for keys found late
     * (lines out of order) */
    size_t cap[2] = {BLOCK, BLOCK};
    char *buf[2] = {pn_malloc(cap[0]), pn_malloc(cap[1])};
    int cur = 0;
    size_t have = 0;              /* bytes in buf[cur] (carry + new) */
    int64_t off = t->begin, ln = 0;
    blockpass bp;
    memset(&bp, 0, sizeof(bp));
    bp.first = true;
    for (;;) {
        if (have == cap[cur]) {
            if (cap[cur] >= BLOCK_MAX) {
                /* a monstrous line: cut it here */
            } else {
                cap[cur] *= 2;
                buf[cur] = pn_realloc(buf[cur], cap[cur]);
            }
        }
        ssize_t r = have < cap[cur] ? src_read(&s, t, f->path, buf[cur] + have, cap[cur] - have)
                                    : 0;
        bool eof = r == 0 && s.eof;
        have += (size_t)(r > 0 ? r : 0);
        if (!eof && have < cap[cur] && r > 0)
            continue;   /* fill the block */
        size_t use;
        if (eof) {
            use = have;
        } else {
            const char *nl = memrchr(buf[cur], '\n', have);
            if (!nl && cap[cur] < BLOCK_MAX)
                continue;   /* grow and read on */
            use = nl ? (size_t)(nl - buf[cur]) + 1 : have;
        }
        region rg = {buf[cur], use, off, ln, NULL};
        pass_block(sc, &bp, rg);
        size_t nls = count_nl(rg.p, rg.n);
        if (eof && use && rg.p[use - 1] != '\n')
            nls++;
        ln += (int64_t)nls;
        off += (int64_t)use;
        if (eof)
            break;
        int nxt = 1 - cur;
        size_t carry = have - use;
        if (carry > cap[nxt]) {
            cap[nxt] = carry * 2;
            buf[nxt] = pn_realloc(buf[nxt], cap[nxt]);
        }
        memcpy(buf[nxt], buf[cur] + use, carry);
        if (t->gz && !t->head.p && rg.n) {
            /* a gzip task keeps its first block (the buffer is taken, not copied) */
            t->head = (struct pn_tkeep){buf[cur], rg.n, rg.off, rg.ln, region_time(sc, rg, true)};
            buf[cur] = pn_malloc(cap[cur]);
            bp.back = (region){t->head.p, rg.n, rg.off, rg.ln, NULL};
        }
        have = carry;
        cur = nxt;
    }
    t->nlines = ln;
    region back = bp.back, before_back = bp.before_back;
    if (t->gz && t->head.p && back.n && before_back.n && before_back.p != t->head.p) {
        /* ... and its last two blocks, still in the two buffers */
        int last = back.p == buf[0] ? 0 : 1;
        t->tail[0] = (struct pn_tkeep){buf[1 - last], before_back.n, before_back.off,
                                       before_back.ln, region_time(sc, before_back, false)};
        t->tail[1] = (struct pn_tkeep){buf[last], back.n, back.off, back.ln, 0};
        buf[0] = buf[1] = NULL;
    }
    free(buf[0]);
    free(buf[1]);
    gz_close(&s);
    close(fd);
}

/* journald JSON (and any format the reader converts): the reader turns
 * each record into a text line, the lines are gathered into blocks of a
 * text file's size, each mapping its lines to their records' offsets, and
 * the blocks go through the same steps as a text file's (the look back for
 * lines out of order, the expiring keys): the same records as text give
 * the same hits. */
typedef struct lineblock {
    pn_str text;          /* the converted lines, each ended by '\n' */
    int64_t *offs;        /* file offset of each line's record */
    size_t n, cap;
    int64_t ln;           /* 0-based line number of its first line */
} lineblock;

static void lineblock_add(lineblock *b, const char *line, size_t len, pn_logpos pos)
{
    if (!b->n)
        b->ln = pos.lineno - 1;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->offs = pn_realloc(b->offs, b->cap * sizeof(*b->offs));
    }
    b->offs[b->n++] = pos.offset;
    size_t at = b->text.len;
    pn_str_appendn(&b->text, line, len);
    /* a record is one line (the reader already folds MESSAGE's newlines) */
    for (size_t i = at; i < b->text.len; i++)
        if (b->text.s[i] == '\n')
            b->text.s[i] = ' ';
    pn_str_appendc(&b->text, '\n');
}

static void run_task_lines(scanner *sc)
{
    pn_ttask *t = sc->t;
    const pn_logfile *f = &sc->ls->files[t->file];
    pn_err e = PN_ERR_INIT;
    pn_logreader *r = pn_logreader_open(f, &e);
    if (!r) {
        t->failed = true;
        t->err = e;
        return;
    }
    /* two blocks: the one searched and the one before it (the look back) */
    lineblock lb[2];
    memset(lb, 0, sizeof(lb));
    int cur = 0;
    blockpass bp;
    memset(&bp, 0, sizeof(bp));
    bp.first = true;
    int64_t n = 0;
    for (bool more = true; more;) {
        const char *line;
        size_t len;
        pn_logpos pos;
        more = pn_logreader_next(r, &line, &len, &pos);
        lineblock *b = &lb[cur];
        if (more) {
            lineblock_add(b, line, len, pos);
            n = pos.lineno;
            if (b->text.len < BLOCK)
                continue;
        }
        if (!b->n)
            continue;
        pass_block(sc, &bp, (region){b->text.s, b->text.len, b->offs[0], b->ln, b->offs});
        cur = 1 - cur;
        pn_str_truncate(&lb[cur].text, 0);
        lb[cur].n = 0;
    }
    const char *notes = pn_logreader_notes(r);
    if (notes && *notes)
        pn_str_appendf(&t->notes, "%s: %s; ", f->path, notes);
    pn_logreader_close(r);
    for (int i = 0; i < 2; i++) {
        pn_str_free(&lb[i].text);
        free(lb[i].offs);
    }
    t->nlines = n;
}

/* The kept blocks of a gzip task that cover [lo_us, hi_us]: its head, its
 * tail (two blocks), or NULL. */
static const struct pn_tkeep *kept_window(const pn_ttask *t, int64_t lo_us, int64_t hi_us)
{
    if (!t->gz || !t->head.p || !t->tail[0].p || !lo_us || !hi_us)
        return NULL;
    if (t->head.edge_us && hi_us <= t->head.edge_us)
        return &t->head;
    if (t->tail[0].edge_us && lo_us >= t->tail[0].edge_us)
        return &t->tail[0];
    return NULL;
}

static void run_task(const pn_logset *ls, pn_ttask *t, const char *const *seeds, size_t nseeds,
                     bool mid_mode, const struct pn_tkeep *only, int64_t lo_us, int64_t hi_us)
{
    scanner sc;
    memset(&sc, 0, sizeof(sc));
    sc.ls = ls;
    sc.t = t;
    sc.mid_mode = mid_mode;
    sc.partial = only != NULL;
    pn_logparse_init(&sc.pc, ls->files[t->file].mtime);
    for (size_t i = 0; i < nseeds; i++) {
        const char *k = seeds[i];
        int kind = K_QID;
        if (mid_mode && i == 0)
            kind = K_SUB;
        else if (k[0] == '<')
            kind = K_MID;
        add_key(&sc, kind, k, strlen(k), true, 0);
    }
    if (only) {
        /* a later round over a kept block: the hits found before stay */
        for (size_t i = 0; i < t->n_hits; i++)
            set_add(&sc.seen, t->hits[i].offset);
        region rg = {only->p, only->n, only->off, only->ln, NULL};
        region none = {NULL, 0, 0, 0, NULL};
        scan_block(&sc, rg, none);
        if (only == &t->tail[0])
            scan_block(&sc, (region){t->tail[1].p, t->tail[1].n, t->tail[1].off, t->tail[1].ln, NULL},
                       rg);
        pn_argv_free(&t->part_known);
        for (size_t i = 0; i < nseeds; i++)
            pn_argv_add(&t->part_known, seeds[i]);
        t->part_lo = lo_us;
        t->part_hi = hi_us;
    } else if (ls->files[t->file].fmt == PN_LF_JOURNAL_JSON) {
        run_task_lines(&sc);
    } else {
        run_task_blocks(&sc);
    }
    for (size_t i = 0; i < sc.nk; i++)
        free(sc.keys[i].s);
    free(sc.keys);
    free(sc.seen.v);
}

/* ---- tasks and threads ---------------------------------------------------------- */

/* The first line start at or after pos (pos itself when the byte before is '\n'). */
static int64_t line_start_after(int fd, int64_t pos, int64_t size)
{
    if (pos <= 0)
        return 0;
    char b[65536];
    int64_t at = pos - 1;
    while (at < size) {
        ssize_t r = pread(fd, b, sizeof(b), at);
        if (r <= 0)
            return size;
        const char *nl = memchr(b, '\n', (size_t)r);
        if (nl)
            return at + (nl - b) + 1;
        at += r;
    }
    return size;
}

static void make_tasks(const pn_logset *ls, int threads, pn_tscan *out)
{
    size_t cap = 16;
    out->tasks = pn_calloc(cap, sizeof(*out->tasks));
    out->n = 0;
    for (size_t i = 0; i < ls->n; i++) {
        const pn_logfile *f = &ls->files[i];
        int64_t size = f->size;
        int chunks = 1;
        if (!f->gz && f->fmt != PN_LF_JOURNAL_JSON && size > 2 * CHUNK_MIN) {
            chunks = (int)(size / CHUNK_MIN);
            if (chunks > 64)
                chunks = 64;
            if (chunks < threads)
                chunks = threads;
        }
        int fd = chunks > 1 ? open(f->path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0)
            chunks = 1;
        int64_t prev = 0;
        for (int c = 0; c < chunks; c++) {
            int64_t end = -1;
            if (c < chunks - 1) {
                end = line_start_after(fd, size * (c + 1) / chunks, size);
                if (end <= prev)
                    continue;
            }
            if (out->n == cap) {
                cap *= 2;
                out->tasks = pn_realloc(out->tasks, cap * sizeof(*out->tasks));
            }
            pn_ttask *t = &out->tasks[out->n++];
            memset(t, 0, sizeof(*t));
            t->file = (int)i;
            t->gz = f->gz;
            t->begin = prev;
            t->end = end;
            if (end < 0)
                break;
            prev = end;
        }
        if (fd >= 0)
            close(fd);
    }
}

typedef struct pool {
    const pn_logset *ls;
    pn_ttask **order;
    const struct pn_tkeep **only;   /* per order entry: a kept block to search, or NULL */
    size_t n;
    size_t next;
    const char *const *seeds;
    size_t nseeds;
    bool mid_mode;
    int64_t lo_us, hi_us;     /* the chain's window in a later round */
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (i >= p->n)
            break;
        run_task(p->ls, p->order[i], p->seeds, p->nseeds, p->mid_mode, p->only[i], p->lo_us,
                 p->hi_us);
    }
    return NULL;
}

static int64_t task_cost(const pn_logset *ls, const pn_ttask *t)
{
    const pn_logfile *f = &ls->files[t->file];
    if (t->gz)
        return f->size * 8;   /* inflating costs far more per byte on disk */
    int64_t end = t->end >= 0 ? t->end : f->size;
    return end - t->begin;
}

static int cmp_cost_desc(const void *a, const void *b, void *ctx)
{
    const pn_logset *ls = ctx;
    int64_t x = task_cost(ls, *(pn_ttask *const *)a), y = task_cost(ls, *(pn_ttask *const *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

static void clear_task(pn_ttask *t)
{
    for (size_t i = 0; i < t->n_hits; i++)
        free(t->hits[i].text);
    free(t->hits);
    t->hits = NULL;
    t->n_hits = t->cap_hits = 0;
    pn_argv_free(&t->known);
    pn_str_free(&t->notes);
    pn_err_clear(&t->err);
    t->failed = false;
    t->nlines = 0;
    t->first_us = t->last_us = 0;
    free(t->head.p);
    free(t->tail[0].p);
    free(t->tail[1].p);
    pn_argv_free(&t->part_known);
    t->part_lo = t->part_hi = 0;
    memset(&t->head, 0, sizeof(t->head));
    memset(t->tail, 0, sizeof(t->tail));
}

static bool run_pool(const pn_logset *ls, pn_tscan *sc, const bool *which, const char *const *seeds,
                     size_t nseeds, bool mid_mode, int threads, int64_t lo_us, int64_t hi_us,
                     pn_err *err)
{
    pool p = {ls, pn_calloc(sc->n ? sc->n : 1, sizeof(pn_ttask *)),
              pn_calloc(sc->n ? sc->n : 1, sizeof(struct pn_tkeep *)), 0, 0, seeds, nseeds,
              mid_mode, lo_us, hi_us};
    for (size_t i = 0; i < sc->n; i++)
        if (!which || which[i]) {
            if (!which || !kept_window(&sc->tasks[i], lo_us, hi_us))
                clear_task(&sc->tasks[i]);
            p.order[p.n++] = &sc->tasks[i];
        }
    qsort_r(p.order, p.n, sizeof(*p.order), cmp_cost_desc, (void *)ls);
    for (size_t i = 0; i < p.n; i++)
        p.only[i] = which ? kept_window(p.order[i], lo_us, hi_us) : NULL;
    if (threads <= 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        threads = nc > 0 ? (int)nc : 1;
    }
    if (threads > 16)
        threads = 16;
    if ((size_t)threads > p.n)
        threads = p.n ? (int)p.n : 1;
    pthread_t *th = pn_calloc((size_t)threads, sizeof(*th));
    int started = 0;
    for (int i = 1; i < threads; i++)
        if (pthread_create(&th[i], NULL, worker, &p) == 0)
            started++;
        else
            break;
    worker(&p);
    for (int i = 1; i <= started; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(p.order);
    free(p.only);
    /* line numbers: each file's tasks in order of their ranges */
    int64_t base = 0;
    for (size_t i = 0; i < sc->n; i++) {
        if (i == 0 || sc->tasks[i].file != sc->tasks[i - 1].file)
            base = 0;
        sc->tasks[i].line_base = base;
        base += sc->tasks[i].nlines;
    }
    for (size_t i = 0; i < sc->n; i++)
        if (sc->tasks[i].failed) {
            pn_err_set(err, sc->tasks[i].err.code, "%s", pn_err_msg(&sc->tasks[i].err));
            return false;
        }
    return true;
}

bool pn_tscan_run(const pn_logset *ls, const char *const *seeds, size_t nseeds, bool mid_mode,
                  int threads, pn_tscan *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    make_tasks(ls, threads > 0 ? threads : 2, out);
    return run_pool(ls, out, NULL, seeds, nseeds, mid_mode, threads, 0, 0, err);
}

bool pn_tscan_redo(const pn_logset *ls, pn_tscan *sc, const bool *which, const char *const *seeds,
                   size_t nseeds, bool mid_mode, int threads, int64_t lo_us, int64_t hi_us,
                   pn_err *err)
{
    return run_pool(ls, sc, which, seeds, nseeds, mid_mode, threads, lo_us, hi_us, err);
}

void pn_tscan_free(pn_tscan *sc)
{
    for (size_t i = 0; i < sc->n; i++)
        clear_task(&sc->tasks[i]);
    free(sc->tasks);
    sc->tasks = NULL;
    sc->n = 0;
}
