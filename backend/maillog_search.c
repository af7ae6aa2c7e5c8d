/* maillog_search.c - pn_log_search: messages (one row each) whose sender,
 * recipients, client IP, SASL user, final status, text or time match.
 *
 * One pass over the files in order; each QID's summary grows until its
 * `removed` line (or the end of the logs), then it is tested and handed to
 * the callback. NOQUEUE rejects are messages of one line.
 *
 * With the log index (pn_trace_opts.index) and an exact sender, recipient,
 * SASL user or IP: the blocks of its key give the messages that have it
 * (maillog_search_index.c), and only their lines (every line of each of
 * their QIDs, NOQUEUE lines with the term) go through the same steps, in
 * file order: the same rows in the same order. Globs, CIDRs,
 * status/text/time-only queries, a stale index lacking more than 32 MiB,
 * or more than 5000 candidate messages: the scan. (One difference is
 * possible: --until stops reading a file at its first line a week past the
 * bound; a log whose times go backwards across that line may keep a line
 * the scan drops.) */
#include "maillog.h"
#include "maillog_search_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

typedef struct smsg {
    pn_logmsg m;
    pn_argv rstatus;       /* final status per recipient (parallel to m.rcpts) */
    char *client_ip, *sasl;
    bool text_hit, rejected, expired;
    char *key;             /* "host qid" */
    uint64_t order;
} smsg;

typedef struct stable {
    smsg **v;
    size_t cap, n;
} stable;

typedef struct cidr {
    int fam;
    unsigned char a[16];
    int bits;
    bool set;
} cidr;

static uint64_t hash_s(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static smsg **slot(stable *t, const char *key)
{
    size_t i = hash_s(key) & (t->cap - 1);
    while (t->v[i] && strcmp(t->v[i]->key, key))
        i = (i + 1) & (t->cap - 1);
    return &t->v[i];
}

static void table_grow(stable *t)
{
    stable nt = {pn_calloc(t->cap ? t->cap * 2 : 1024, sizeof(smsg *)), t->cap ? t->cap * 2 : 1024,
                 t->n};
    for (size_t i = 0; i < t->cap; i++)
        if (t->v[i])
            *slot(&nt, t->v[i]->key) = t->v[i];
    free(t->v);
    *t = nt;
}

static void table_del(stable *t, smsg *m)
{
    size_t i = hash_s(m->key) & (t->cap - 1);
    while (t->v[i] != m)
        i = (i + 1) & (t->cap - 1);
    t->v[i] = NULL;
    t->n--;
    /* re-place the rest of the cluster */
    for (size_t j = (i + 1) & (t->cap - 1); t->v[j]; j = (j + 1) & (t->cap - 1)) {
        smsg *x = t->v[j];
        t->v[j] = NULL;
        *slot(t, x->key) = x;
    }
}

static void msg_free(smsg *m)
{
    free(m->m.qid);
    free(m->m.host);
    free(m->m.message_id);
    free(m->m.from);
    pn_argv_free(&m->m.rcpts);
    free(m->m.status);
    pn_argv_free(&m->rstatus);
    free(m->client_ip);
    free(m->sasl);
    free(m->key);
    free(m);
}

static char *sd(pn_span s)
{
    return pn_strndup(s.n ? s.p : "", s.n);
}

static bool parse_cidr(const char *s, cidr *c)
{
    memset(c, 0, sizeof(*c));
    char *copy = pn_strdup(s);
    char *slash = strchr(copy, '/');
    if (slash)
        *slash = 0;
    c->fam = strchr(copy, ':') ? AF_INET6 : AF_INET;
    bool ok = inet_pton(c->fam, copy, c->a) == 1;
    c->bits = c->fam == AF_INET ? 32 : 128;
    if (ok && slash)
        c->bits = atoi(slash + 1);
    free(copy);
    c->set = ok;
    return ok;
}

static bool cidr_match(const cidr *c, const char *ip)
{
    unsigned char a[16];
    if (inet_pton(c->fam, ip, a) != 1)
        return false;
    int bits = c->bits;
    for (int i = 0; bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((a[i] & mask) != (c->a[i] & mask))
            return false;
    }
    return true;
}

static int status_rank(const char *s)
{
    static const char *const order[] = {"sent", "deferred", "expired", "bounced", "rejected"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, order[i]))
            return i + 1;
    return 0;
}

static bool glob(const char *pat, const char *s)
{
    return pat && s && fnmatch(pat, s, FNM_CASEFOLD) == 0;
}

/* Final check; true to keep searching. */
static bool emit(const pn_logquery *q, const cidr *c, smsg *m, pn_logmsg_cb cb, void *cbctx,
                 size_t *count, size_t limit)
{
    const char *worst = "";
    bool any_status = false;
    for (size_t i = 0; i < m->rstatus.n; i++) {
        if (status_rank(m->rstatus.v[i]) > status_rank(worst))
            worst = m->rstatus.v[i];
        if (q->status && !strcmp(q->status, m->rstatus.v[i]))
            any_status = true;
    }
    if (m->rejected) {
        worst = "rejected";
        any_status |= q->status && !strcmp(q->status, "rejected");
    }
    if (m->expired && status_rank(worst) < status_rank("expired")) {
        worst = "expired";
        any_status |= q->status && !strcmp(q->status, "expired");
    }
    if (!*worst)
        worst = "queued";
    if (q->status && !any_status && strcmp(q->status, worst))
        return true;
    if (q->sender && !glob(q->sender, m->m.from ? m->m.from : ""))
        return true;
    if (q->rcpt) {
        bool ok = false;
        for (size_t i = 0; i < m->m.rcpts.n && !ok; i++)
            ok = glob(q->rcpt, m->m.rcpts.v[i]);
        if (!ok)
            return true;
    }
    if (c->set && !(m->client_ip && cidr_match(c, m->client_ip)))
        return true;
    if (q->sasl_user && !glob(q->sasl_user, m->sasl ? m->sasl : ""))
        return true;
    if (q->text && *q->text && !m->text_hit)
        return true;
    if (q->since_us && m->m.first_us && m->m.first_us < q->since_us)
        return true;
    if (q->until_us && m->m.first_us > q->until_us)
        return true;
    m->m.status = pn_strdup(worst);
    (*count)++;
    if (!cb(cbctx, &m->m))
        return false;
    return *count < limit;
}

static void rcpt_status(smsg *m, pn_span to, const char *status)
{
    for (size_t i = 0; i < m->m.rcpts.n; i++)
        if (strlen(m->m.rcpts.v[i]) == to.n && !memcmp(m->m.rcpts.v[i], to.p, to.n)) {
            free(m->rstatus.v[i]);
            m->rstatus.v[i] = pn_strdup(status);
            return;
        }
    pn_argv_addf(&m->m.rcpts, "%.*s", (int)to.n, to.p);
    pn_argv_add(&m->rstatus, status);
}

static int cmp_order(const void *a, const void *b)
{
    const smsg *x = *(smsg *const *)a, *y = *(smsg *const *)b;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The state of one search: messages still open, what was emitted. */
typedef struct search {
    const pn_trace_opts *o;
    const pn_logquery *q;
    cidr c;
    pn_logmsg_cb cb;
    void *cbctx;
    size_t limit, count, tl;
    stable t;
    uint64_t order;
    bool go;
} search;

/* One line of a file, in file order. false: skip the rest of this file. */
static bool take_line(search *S, const char *line, size_t len, pn_logparse_ctx *pc)
{
    const pn_trace_opts *o = S->o;
    const pn_logquery *q = S->q;
    pn_logline l;
    if (!pn_logline_parse(pc, line, len, &l))
        return true;
    if (o->host && *o->host && (l.host.n != strlen(o->host) || memcmp(l.host.p, o->host, l.host.n)))
        return true;
    if (q->until_us && l.ts_us > q->until_us + 86400LL * 1000000 * 7)
        return false;
    bool noqueue = l.kind == PN_LK_REJECT && !l.qid.n;
    if (!noqueue && (!l.qid.n || l.kind == PN_LK_RSPAMD || l.kind == PN_LK_DOVECOT))
        return true;
    char *key = noqueue ? pn_strdup("")
                        : pn_sprintf("%.*s %.*s", (int)l.host.n, l.host.p, (int)l.qid.n, l.qid.p);
    smsg **sp = noqueue ? NULL : slot(&S->t, key);
    smsg *m = sp ? *sp : NULL;
    if (!m) {
        m = pn_calloc(1, sizeof(*m));
        m->key = key;
        key = NULL;
        m->order = S->order++;
        m->m.qid = noqueue ? pn_strdup("NOQUEUE") : sd(l.qid);
        m->m.host = sd(l.host);
        m->m.first_us = l.ts_us;
        if (sp) {
            *sp = m;
            if (++S->t.n * 2 > S->t.cap)
                table_grow(&S->t);
        }
    }
    free(key);
    m->m.last_us = l.ts_us;
    if (S->tl && memmem(line, len, q->text, S->tl))
        m->text_hit = true;
    switch (l.kind) {
    case PN_LK_CLIENT:
        if (!m->client_ip)
            m->client_ip = sd(l.client_ip);
        if (l.sasl_username.n && !m->sasl)
            m->sasl = sd(l.sasl_username);
        break;
    case PN_LK_MESSAGE_ID:
        if (!m->m.message_id)
            m->m.message_id = sd(l.message_id);
        break;
    case PN_LK_QMGR_FROM:
    case PN_LK_PICKUP:
        if (!m->m.from)
            m->m.from = sd(l.from);
        break;
    case PN_LK_DELIVERY: {
        char *st = sd(l.status);
        rcpt_status(m, l.to, st);
        free(st);
        break;
    }
    case PN_LK_EXPIRED:
        m->expired = true;
        break;
    case PN_LK_MILTER:
    case PN_LK_REJECT:
        m->rejected = true;
        if (!m->m.from && l.from.n)
            m->m.from = sd(l.from);
        if (l.to.n)
            rcpt_status(m, l.to, "rejected");
        if (!m->client_ip && l.client_ip.n)
            m->client_ip = sd(l.client_ip);
        break;
    default:
        break;
    }
    bool done = noqueue || l.kind == PN_LK_REMOVED ||
                (l.kind == PN_LK_POSTSUPER && l.action.n == 7 && !memcmp(l.action.p, "removed", 7));
    if (done) {
        if (!noqueue)
            table_del(&S->t, m);
        S->go = emit(q, &S->c, m, S->cb, S->cbctx, &S->count, S->limit);
        msg_free(m);
    }
    return true;
}

bool pn_log_search(const pn_trace_opts *o, const pn_logquery *q, pn_logmsg_cb cb, void *cbctx,
                   pn_err *err)
{
    search S;
    memset(&S, 0, sizeof(S));
    S.o = o;
    S.q = q;
    S.cb = cb;
    S.cbctx = cbctx;
    if (q->client_ip && *q->client_ip) {
        if (!pn_valid_cidr("ip", q->client_ip, true, err))
            return false;
        if (!parse_cidr(q->client_ip, &S.c))
            return pn_err_set(err, PN_E_INVALID, "ip: '%s' is not an IP address or CIDR",
                              q->client_ip);
    }
    S.limit = q->limit ? q->limit : 1000;
    S.tl = q->text ? strlen(q->text) : 0;
    S.go = true;
    bool ok = true, used = false;
    pn_slines L;
    memset(&L, 0, sizeof(L));
    if (o->index && !pn_search_index_lines(o->index, o->logs, q, &L, &used, err)) {
        pn_slines_free(&L);
        return false;
    }
    table_grow(&S.t);
    if (used) {
        /* the same state machine over the kept lines, in file order */
        int cur = -1;
        bool skip = false;
        pn_logparse_ctx pc;
        for (size_t i = 0; S.go && i < L.n; i++) {
            if (L.v[i].file != cur) {
                cur = L.v[i].file;
                skip = false;
                pn_logparse_init(&pc, o->logs->files[cur].mtime);
            }
            if (!skip)
                skip = !take_line(&S, L.v[i].text, L.v[i].len, &pc);
        }
    }
    pn_slines_free(&L);
    for (size_t fi = 0; !used && S.go && fi < o->logs->n; fi++) {
        pn_logreader *r = pn_logreader_open(&o->logs->files[fi], err);
        if (!r) {
            ok = false;
            break;
        }
        pn_logparse_ctx pc;
        pn_logparse_init(&pc, o->logs->files[fi].mtime);
        const char *line;
        size_t len;
        pn_logpos pos;
        while (S.go && pn_logreader_next(r, &line, &len, &pos))
            if (!take_line(&S, line, len, &pc))
                break;
        pn_logreader_close(r);
    }
    /* what is left had no removed line: in order of first appearance */
    smsg **rest = pn_calloc(S.t.n + 1, sizeof(*rest));
    size_t nr = 0;
    for (size_t i = 0; i < S.t.cap; i++)
        if (S.t.v[i])
            rest[nr++] = S.t.v[i];
    qsort(rest, nr, sizeof(*rest), cmp_order);
    for (size_t i = 0; i < nr; i++) {
        if (S.go && ok)
            S.go = emit(q, &S.c, rest[i], cb, cbctx, &S.count, S.limit);
        msg_free(rest[i]);
    }
    free(rest);
    free(S.t.v);
    return ok;
}
