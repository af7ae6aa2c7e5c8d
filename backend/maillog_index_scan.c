/* maillog_index_scan.c - the index's pass over one file: read the text
 * (plain with big reads, gzip through pn_ixgz which notes access points),
 * cut it into ~PN_IX_BLOCK blocks at line boundaries, parse each line and
 * collect the (key hash, block) pairs of its queue IDs, Message-IDs,
 * addresses, client IP, SASL user, LMTP session and program[pid]. Runs on
 * a worker thread; the writer (maillog_index.c) stores the result. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maillog_index_internal.h"
#include "maillog_internal.h"
#include "util/mem.h"

/* ---- hashing ---------------------------------------------------------------- */

uint64_t pn_ixhash_start(int kind)
{
    return 0xcbf29ce484222325ULL ^ ((uint64_t)kind * 0x9E3779B97F4A7C15ULL);
}

uint64_t pn_ixhash_feed(uint64_t h, const char *s, size_t n, bool lower)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (lower && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return h;
}

uint64_t pn_ixhash_end(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h & PN_IX_KEYMASK;
}

int64_t pn_ixhash_head(const char *s, size_t n)
{
    return (int64_t)pn_ixhash_end(pn_ixhash_feed(pn_ixhash_start(0), s, n, false));
}

bool pn_ix_read_head(const pn_logfile *f, pn_str *head, pn_err *err)
{
    pn_str_truncate(head, 0);
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s: cannot open: %s",
                          f->path, strerror(errno));
    char buf[PN_IX_HEAD];
    ssize_t got = 0;
    if (f->gz) {
        pn_ixgz g;
        if (!pn_ixgz_open(&g, fd, false, err)) {
            close(fd);
            return false;
        }
        while ((size_t)got < sizeof(buf)) {
            ssize_t r = pn_ixgz_read(&g, buf + got, sizeof(buf) - (size_t)got);
            if (r <= 0)
                break;
            got += r;
        }
        pn_ixgz_close(&g);
    } else {
        while ((size_t)got < sizeof(buf)) {
            ssize_t r = pread(fd, buf + got, sizeof(buf) - (size_t)got, got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += r;
        }
    }
    close(fd);
    pn_str_appendn(head, buf, (size_t)got);
    return true;
}

/* ---- the pass ----------------------------------------------------------------------- */

typedef struct pass {
    pn_ixjob *j;
    int fd;
    pn_ixgz gz;
    bool is_gz;
    int64_t pos;          /* plain: next byte to read */
    int64_t disk_read;
    /* the block being built */
    pn_ixblk cur;
    bool open_block;
    /* keys of the current block (open addressing, cleared per block) */
    uint64_t *seen;
    size_t seen_cap, seen_n;
    pn_str conv;
} pass;

static ssize_t fill(void *src, char *dst, size_t n)
{
    pass *p = src;
    ssize_t r;
    if (p->is_gz) {
        int64_t before = p->gz.in_pos;
        r = pn_ixgz_read(&p->gz, dst, n);
        __atomic_add_fetch(p->j->progress, p->gz.in_pos - before, __ATOMIC_RELAXED);
        return r;
    }
    do
        r = pread(p->fd, dst, n, (off_t)p->pos);
    while (r < 0 && errno == EINTR);
    if (r > 0) {
        p->pos += r;
        __atomic_add_fetch(p->j->progress, (int64_t)r, __ATOMIC_RELAXED);
    }
    return r;
}

static void seen_clear(pass *p)
{
    if (p->seen_n)
        memset(p->seen, 0, p->seen_cap * sizeof(*p->seen));
    p->seen_n = 0;
}

/* true the first time a key shows up in the current block */
static bool seen_add(pass *p, uint64_t k)
{
    uint64_t v = k + 1;   /* 0 marks an empty slot */
    if (p->seen_n * 2 >= p->seen_cap) {
        size_t nc = p->seen_cap ? p->seen_cap * 2 : 1024;
        uint64_t *nv = pn_calloc(nc, sizeof(*nv));
        for (size_t i = 0; i < p->seen_cap; i++) {
            uint64_t x = p->seen[i];
            if (!x)
                continue;
            size_t h = (size_t)(x * 0x9E3779B97F4A7C15ULL) & (nc - 1);
            while (nv[h])
                h = (h + 1) & (nc - 1);
            nv[h] = x;
        }
        free(p->seen);
        p->seen = nv;
        p->seen_cap = nc;
    }
    size_t h = (size_t)(v * 0x9E3779B97F4A7C15ULL) & (p->seen_cap - 1);
    while (p->seen[h]) {
        if (p->seen[h] == v)
            return false;
        h = (h + 1) & (p->seen_cap - 1);
    }
    p->seen[h] = v;
    p->seen_n++;
    return true;
}

static void add_pair(pass *p, uint64_t key)
{
    if (!seen_add(p, key))
        return;
    pn_ixjob *j = p->j;
    if (j->n_pairs == j->cap_pairs) {
        j->cap_pairs = j->cap_pairs ? j->cap_pairs * 2 : 4096;
        j->pairs = pn_realloc(j->pairs, j->cap_pairs * sizeof(*j->pairs));
    }
    j->pairs[j->n_pairs++] = (pn_ixpair){key, p->cur.seq};
}

static void add_span(pass *p, int kind, pn_span s, bool lower)
{
    if (!s.n)
        return;
    add_pair(p, pn_ixhash_end(pn_ixhash_feed(pn_ixhash_start(kind), s.p, s.n, lower)));
}

static void line_keys(pass *p, const pn_logline *l)
{
    add_span(p, PN_IX_QID, l->qid, false);
    add_span(p, PN_IX_QID, l->orig_queue_id, false);
    add_span(p, PN_IX_QID, l->orig_id, false);
    add_span(p, PN_IX_QID, l->queued_as, false);
    add_span(p, PN_IX_QID, l->forwarded_as, false);
    add_span(p, PN_IX_QID, l->notification_qid, false);
    add_span(p, PN_IX_MSGID, l->message_id, false);
    add_span(p, PN_IX_ADDR, l->from, true);
    add_span(p, PN_IX_ADDR, l->to, true);
    add_span(p, PN_IX_ADDR, l->orig_to, true);
    add_span(p, PN_IX_IP, l->client_ip, false);
    add_span(p, PN_IX_SASL, l->sasl_username, false);
    add_span(p, PN_IX_SESSION, l->lmtp_session, false);
    /* smtpd's connect/TLS/disconnect lines carry no queue ID: the trace
     * finds them by the process (other daemons' lines all have the QID) */
    if (l->program.n && l->pid >= 0 && l->daemon.n == 5 && !memcmp(l->daemon.p, "smtpd", 5)) {
        char pid[24];
        int n = snprintf(pid, sizeof(pid), "[%d]", l->pid);
        uint64_t h = pn_ixhash_feed(pn_ixhash_start(PN_IX_PROC), l->program.p, l->program.n, false);
        add_pair(p, pn_ixhash_end(pn_ixhash_feed(h, pid, (size_t)n, false)));
    }
}

static void close_block(pass *p)
{
    if (!p->open_block)
        return;
    pn_ixjob *j = p->j;
    if (j->n_blocks == j->cap_blocks) {
        j->cap_blocks = j->cap_blocks ? j->cap_blocks * 2 : 64;
        j->blocks = pn_realloc(j->blocks, j->cap_blocks * sizeof(*j->blocks));
    }
    j->blocks[j->n_blocks++] = p->cur;
    p->open_block = false;
    seen_clear(p);
}

/* Sort by key then block (LSD radix over the packed 63 bits: the key
 * takes 31 and the block 32), then drop repeats. */
static void sort_pairs(pn_ixjob *j)
{
    size_t n = j->n_pairs;
    if (n < 2)
        return;
    uint64_t *a = pn_malloc(n * sizeof(*a)), *b = pn_malloc(n * sizeof(*b));
    uint64_t max_block = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = j->pairs[i].key << 32 | (uint64_t)j->pairs[i].block;
        if ((uint64_t)j->pairs[i].block > max_block)
            max_block = (uint64_t)j->pairs[i].block;
    }
    size_t *count = pn_malloc(65537 * sizeof(*count));
    for (int shift = 0; shift < 64; shift += 16) {
        if (shift == 16 && max_block < 65536)
            continue;   /* bits 16-31 are all zero */
        memset(count, 0, 65537 * sizeof(*count));
        for (size_t i = 0; i < n; i++)
            count[((a[i] >> shift) & 0xffff) + 1]++;
        for (size_t d = 0; d < 65536; d++)
            count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & 0xffff]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && a[i] == a[i - 1])
            continue;
        j->pairs[w].key = a[i] >> 32;
        j->pairs[w].block = (int64_t)(a[i] & 0xffffffffu);
        w++;
    }
    j->n_pairs = w;
    free(count);
    free(a);
    free(b);
}

static bool open_source(pass *p, pn_err *err)
{
    pn_ixjob *j = p->j;
    p->fd = open(j->f->path, O_RDONLY | O_CLOEXEC);
    if (p->fd < 0)
        return pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s: cannot open: %s",
                          j->f->path, strerror(errno));
    p->is_gz = j->f->gz;
    if (p->is_gz)
        return pn_ixgz_open(&p->gz, p->fd, j->want_points, err);
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(p->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    p->pos = j->start_off;
    return true;
}

void pn_ixjob_run(pn_ixjob *j)
{
    pass p;
    memset(&p, 0, sizeof(p));
    p.j = j;
    p.fd = -1;
    if (!open_source(&p, &j->err)) {
        j->failed = true;
        if (p.fd >= 0)
            close(p.fd);
        return;
    }
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, j->f->mtime);
    pn_linebuf lb;
    /* gzip is read from its start: lines before start_off are skipped */
    pn_linebuf_init(&lb, p.is_gz ? 0 : j->start_off);
    bool json = j->f->fmt == PN_LF_JOURNAL_JSON || j->f->fmt == PN_LF_AUTO;
    int64_t lineno = j->start_line - 1;
    int64_t end_ok = j->start_off;      /* after the last complete line indexed */
    int64_t gz_line = 0;
    p.cur.seq = j->start_seq;
    const char *line;
    size_t len;
    int64_t off;
    int rc;
    while ((rc = pn_linebuf_next(&lb, fill, &p, p.is_gz, &line, &len, &off)) == 1) {
        if (p.is_gz && off < j->start_off) {
            gz_line++;
            continue;
        }
        if (p.is_gz && off == j->start_off && gz_line + 1 != j->start_line && j->start_line > 0) {
            /* the compressed copy does not line up with what was indexed */
            j->failed = true;
            pn_err_set(&j->err, PN_E_INVALID, "%s: line %lld is not where the index had it",
                       j->f->path, (long long)j->start_line);
            break;
        }
        if (j->cancel && *j->cancel) {
            j->cancelled = true;
            break;
        }
        lineno++;
        if (!p.open_block) {
            p.cur.offset = off;
            p.cur.lineno = lineno;
            p.cur.length = 0;
            p.cur.ts_min = p.cur.ts_max = 0;
            p.open_block = true;
        }
        const char *text = line;
        size_t tlen = len;
        if (json && len && line[0] == '{' && pn_journal_is_json(line, len)) {
            pn_journal_to_syslog(line, len, &p.conv);
            text = pn_str_cstr(&p.conv);
            tlen = p.conv.len;
        }
        pn_logline l;
        pn_logline_parse(&pc, text, tlen, &l);
        line_keys(&p, &l);
        if (l.ts_us) {
            if (!p.cur.ts_min || l.ts_us < p.cur.ts_min)
                p.cur.ts_min = l.ts_us;
            if (l.ts_us > p.cur.ts_max)
                p.cur.ts_max = l.ts_us;
        }
        end_ok = lb.skipping ? off + (int64_t)len : lb.base + (int64_t)lb.start;
        p.cur.length = end_ok - p.cur.offset;
        if (p.cur.length >= PN_IX_BLOCK) {
            close_block(&p);
            p.cur.seq++;
        }
    }
    close_block(&p);
    if (rc < 0 && !j->failed) {
        j->failed = true;
        pn_err_set(&j->err, PN_E_IO, "%s: read error: %s", j->f->path, strerror(errno));
    }
    if (p.is_gz) {
        if (p.gz.note.len)
            pn_str_appendf(&j->notes, "%s: %s", j->f->path, pn_str_cstr(&p.gz.note));
        if (!j->failed && !j->cancelled && end_ok < j->start_off) {
            j->failed = true;
            pn_err_set(&j->err, PN_E_INVALID, "%s: has less text than the index had",
                       j->f->path);
        }
        j->size_seen = p.gz.out_total;
        j->points = p.gz.points;
        j->n_points = p.gz.n_points;
        p.gz.points = NULL;
        p.gz.n_points = 0;
        pn_ixgz_close(&p.gz);
    } else {
        j->size_seen = p.pos;   /* bytes of the file read */
    }
    if (lb.cut)
        pn_str_appendf(&j->notes, "%s%s: %ld line%s cut at 1 MiB", j->notes.len ? "; " : "",
                       j->f->path, lb.cut, lb.cut == 1 ? "" : "s");
    j->size_indexed = end_ok;
    j->lines_indexed = lineno;
    pn_linebuf_free(&lb);
    close(p.fd);
    free(p.seen);
    pn_str_free(&p.conv);
    sort_pairs(j);
}

void pn_ixjob_free(pn_ixjob *j)
{
    free(j->blocks);
    free(j->pairs);
    pn_ixpoints_free(j->points, j->n_points);
    pn_err_clear(&j->err);
    pn_str_free(&j->notes);
    memset(j, 0, sizeof(*j));
}
