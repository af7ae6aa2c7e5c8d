/* maillog_search_index.c - the lines a message search needs, from the log
 * index: the candidate blocks of the query's most selective exact term
 * (sender, recipient, SASL user, client IP) give the messages that carry
 * it; every line of each of their queue IDs (and the NOQUEUE rejects with
 * the term) is read, in file order, for pn_log_search's usual steps. See
 * maillog_search_internal.h. */
#include "maillog_search_internal.h"
#include "util/mem.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static bool has_glob(const char *s)
{
    return strpbrk(s, "*?[\\") != NULL;
}

/* An IP as Postfix writes it (inet_ntop's form): only then is it a key. */
static bool canonical_ip(const char *s)
{
    unsigned char a[16];
    char back[64];
    int fam = strchr(s, ':') ? AF_INET6 : AF_INET;
    return inet_pton(fam, s, a) == 1 && inet_ntop(fam, a, back, sizeof(back)) &&
           !strcmp(back, s);
}

static bool ci_eq(pn_span a, const char *s)
{
    size_t n = strlen(s);
    if (a.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a.p[i], y = (unsigned char)s[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

static int cmp_line(const void *a, const void *b)
{
    const pn_sline *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void pn_slines_free(pn_slines *L)
{
    for (size_t i = 0; i < L->n; i++)
        free(L->v[i].text);
    free(L->v);
    pn_argv_free(&L->qids);
    memset(L, 0, sizeof(*L));
}

static void keep_line(pn_slines *L, int file, const char *line, size_t len, const pn_logpos *pos)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 256;
        L->v = pn_realloc(L->v, L->cap * sizeof(*L->v));
    }
    pn_sline *s = &L->v[L->n++];
    s->file = file;
    s->offset = pos->offset;
    s->text = pn_strndup(line, len);
    s->len = len;
}

/* Does the line carry the driving term in the field the query tests? */
static bool line_has_term(int kind, const char *term, const pn_logline *l)
{
    switch (kind) {
    case PN_IX_ADDR:
        return ci_eq(l->from, term) || ci_eq(l->to, term) || ci_eq(l->orig_to, term);
    case PN_IX_IP:
        return l->client_ip.n == strlen(term) && !memcmp(l->client_ip.p, term, l->client_ip.n);
    default:
        return l->sasl_username.n == strlen(term) &&
               !memcmp(l->sasl_username.p, term, l->sasl_username.n);
    }
}

/* Read the blocks; keep lines whose parsed field passes want (term or QID). */
static bool read_blocks(pn_logindex *ix, const pn_logset *ls, const pn_logblock *b, size_t nb,
                        int kind, const char *term, pn_slines *L, pn_err *err)
{
    size_t tn = strlen(term);
    for (size_t i = 0; i < nb; i++) {
        pn_ixblock *r = pn_ixblock_open(ix, ls, &b[i], err);
        if (!r)
            return false;
        pn_logparse_ctx pc;
        pn_logparse_init(&pc, ls->files[b[i].file].mtime);
        const char *line;
        size_t len;
        pn_logpos pos;
        while (pn_ixblock_next(r, &line, &len, &pos)) {
            if (len > PN_LOGLINE_MAX)
                len = PN_LOGLINE_MAX;
            if (len && line[len - 1] == '\r')
                len--;
            if (kind != PN_IX_ADDR && !memmem(line, len, term, tn))
                continue;
            pn_logline l;
            if (!pn_logline_parse(&pc, line, len, &l))
                continue;
            if (kind == PN_IX_QID) {
                if (l.qid.n == tn && !memcmp(l.qid.p, term, tn))
                    keep_line(L, b[i].file, line, len, &pos);
                continue;
            }
            if (!line_has_term(kind, term, &l))
                continue;
            if (l.kind == PN_LK_REJECT && !l.qid.n)
                keep_line(L, b[i].file, line, len, &pos);   /* a NOQUEUE message */
            else if (l.qid.n && l.kind != PN_LK_RSPAMD && l.kind != PN_LK_DOVECOT) {
                bool dup = false;
                for (size_t k = L->qids.n; k-- > 0 && !dup;)
                    dup = strlen(L->qids.v[k]) == l.qid.n && !memcmp(L->qids.v[k], l.qid.p, l.qid.n);
                if (!dup)
                    pn_argv_addf(&L->qids, "%.*s", (int)l.qid.n, l.qid.p);
            }
        }
        pn_ixblock_close(r);
    }
    return true;
}

typedef struct sterm {
    int kind;
    const char *term;
} sterm;

#define SEARCH_TAIL_MAX ((int64_t)32 << 20)
#define SEARCH_QIDS_MAX 5000

static int64_t tail_bytes(const pn_logset *ls, const pn_logblock *b, size_t nb)
{
    int64_t n = 0;
    for (size_t i = 0; i < nb; i++)
        if (b[i].tail) {
            const pn_logfile *f = &ls->files[b[i].file];
            n += f->gz ? f->size * 4 : (f->size > b[i].offset ? f->size - b[i].offset : 0);
        }
    return n;
}

bool pn_search_index_lines(pn_logindex *ix, const pn_logset *ls, const pn_logquery *q,
                           pn_slines *L, bool *used, pn_err *err)
{
    *used = false;
    sterm terms[4];
    size_t nt = 0;
    if (q->sender && *q->sender && !has_glob(q->sender))
        terms[nt++] = (sterm){PN_IX_ADDR, q->sender};
    if (q->rcpt && *q->rcpt && !has_glob(q->rcpt))
        terms[nt++] = (sterm){PN_IX_ADDR, q->rcpt};
    if (q->sasl_user && *q->sasl_user && !has_glob(q->sasl_user))
        terms[nt++] = (sterm){PN_IX_SASL, q->sasl_user};
    if (q->client_ip && *q->client_ip && canonical_ip(q->client_ip))
        terms[nt++] = (sterm){PN_IX_IP, q->client_ip};
    if (!nt)
        return true;
    pn_logblock *best = NULL;
    size_t nbest = 0, bi = 0;
    for (size_t i = 0; i < nt; i++) {
        pn_logblock *b;
        size_t nb;
        if (!pn_logindex_lookup(ix, ls, terms[i].kind, terms[i].term, strlen(terms[i].term), &b,
                                &nb, err)) {
            free(best);
            return false;
        }
        if (!best || nb < nbest) {
            free(best);
            best = b;
            nbest = nb;
            bi = i;
        } else {
            free(b);
        }
    }
    bool ok = true;
    if (tail_bytes(ls, best, nbest) > SEARCH_TAIL_MAX)
        goto out;
    if (!(ok = read_blocks(ix, ls, best, nbest, terms[bi].kind, terms[bi].term, L, err)))
        goto out;
    if (L->qids.n > SEARCH_QIDS_MAX)
        goto out;
    for (size_t i = 0; ok && i < L->qids.n; i++) {
        pn_logblock *b;
        size_t nb;
        const char *qid = L->qids.v[i];
        if (!(ok = pn_logindex_lookup(ix, ls, PN_IX_QID, qid, strlen(qid), &b, &nb, err)))
            break;
        ok = read_blocks(ix, ls, b, nb, PN_IX_QID, qid, L, err);
        free(b);
    }
    if (ok) {
        if (L->n > 1)
            qsort(L->v, L->n, sizeof(*L->v), cmp_line);
        size_t w = 0;   /* a line found by two QIDs' blocks once */
        for (size_t i = 0; i < L->n; i++) {
            if (w && L->v[w - 1].file == L->v[i].file && L->v[w - 1].offset == L->v[i].offset) {
                free(L->v[i].text);
                continue;
            }
            L->v[w++] = L->v[i];
        }
        L->n = w;
        *used = true;
    }
out:
    free(best);
    return ok;
}

