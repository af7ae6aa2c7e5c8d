/* maillog_trace.c - pn_trace_find: the chain of one message from the lines
 * the file pass kept (maillog_trace_scan.c).
 *
 * Each QID has lives: from its first line to its `removed` line (qmgr or
 * postsuper), cut also by a gap of more than 7 days; lines of the same QID
 * after that are another message. A life is per host, except that the
 * client= line of an smtpd with its own myhostname (a content filter's
 * re-injection listener) joins the queue host's life of that QID. The
 * chain starts at the asked QID's latest life (or every life whose cleanup
 * logged the asked Message-ID) and follows: local `queued as` (loopback /
 * socket / this host; a remote one only to a host whose lines are in the
 * same log), `orig_queue_id=`, pickup `orig_id=`, bounce `notification:`
 * and local `forwarded as`, in both directions. Added: the smtpd session
 * lines (connect, TLS, disconnect) around each hop's client= line, rspamd
 * lines by QID or Message-ID, Dovecot lines by LMTP session or Message-ID,
 * all within the chain's time.
 *
 * The lines come from the file pass, or from the log index when
 * pn_trace_opts.index is set (maillog_trace_index.c: the same lines from
 * the blocks that hold the chain's keys; a partial Message-ID, or an index
 * lacking more than 32 MiB of the logs, falls back to the file pass). The
 * builder is the same, so the answers are. */
#include "maillog_index.h"
#include "maillog_trace_internal.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define SEC 1000000LL
#define LINK_WINDOW (600 * SEC)
#define LIFE_GAP (7 * 86400 * SEC)
#define REDO_MARGIN (120 * SEC)   /* another task may hold chain lines this near */

typedef struct cand {
    int file;
    int64_t offset, lineno;
    const char *text;
    size_t len;
    pn_logline l;
    int life;
    bool take;
} cand;

typedef struct life {
    pn_span host, qid;
    int first, last;          /* cand indexes */
    int64_t first_us, last_us;
    bool closed, deleted;
    int parent;               /* life index or -1 */
    const char *how;          /* how it came from the parent */
    bool in;
} life;

typedef struct builder {
    const pn_trace_opts *o;
    cand *c;
    size_t nc;
    life *lv;
    size_t nl, capl;
    int *queue;
    size_t nq;
} builder;

static bool seq(pn_span a, pn_span b)
{
    return a.n == b.n && (a.n == 0 || !memcmp(a.p, b.p, a.n));
}

static bool seqs(pn_span a, const char *s)
{
    size_t n = strlen(s);
    return a.n == n && !memcmp(a.p, s, n);
}

static char *sdup(pn_span s)
{
    return s.n ? pn_strndup(s.p, s.n) : NULL;
}

static pn_span strip_angle(pn_span s)
{
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        return (pn_span){s.p + 1, s.n - 2};
    return s;
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* ---- lives ------------------------------------------------------------------ */

static bool starts_life(const pn_logline *l)
{
    /* rspamd's own lines (its log names the QID in more than the verdict
     * line) and Dovecot's join the chain; they never start a life */
    return l->qid.n && l->kind != PN_LK_RSPAMD && l->kind != PN_LK_DOVECOT &&
           !seqs(l->program, "rspamd");
}

static void build_lives(builder *b)
{
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        c->life = -1;
        if (!starts_life(&c->l))
            continue;
        int found = -1;
        for (size_t j = b->nl; j-- > 0;)
            if (seq(b->lv[j].qid, c->l.qid) && seq(b->lv[j].host, c->l.host)) {
                found = (int)j;
                break;
            }
        if (found >= 0 && (b->lv[found].closed ||
                           (c->l.ts_us && b->lv[found].last_us &&
                            c->l.ts_us - b->lv[found].last_us > LIFE_GAP)))
            found = -1;
        if (found < 0) {
            if (b->nl == b->capl) {
                b->capl = b->capl ? b->capl * 2 : 32;
                b->lv = pn_realloc(b->lv, b->capl * sizeof(*b->lv));
            }
            life *L = &b->lv[b->nl];
            memset(L, 0, sizeof(*L));
            L->host = c->l.host;
            L->qid = c->l.qid;
            L->first = (int)i;
            L->first_us = c->l.ts_us;
            L->parent = -1;
            found = (int)b->nl++;
        }
        life *L = &b->lv[found];
        c->life = found;
        L->last = (int)i;
        if (c->l.ts_us) {
            if (!L->first_us || c->l.ts_us < L->first_us)
                L->first_us = c->l.ts_us;
            if (c->l.ts_us > L->last_us)
                L->last_us = c->l.ts_us;
        }
        if (c->l.kind == PN_LK_REMOVED)
            L->closed = true;
        if (c->l.kind == PN_LK_POSTSUPER && seqs(c->l.action, "removed"))
            L->closed = L->deleted = true;
    }
}

/* An smtpd that runs with its own myhostname (a content filter's
 * re-injection listener, `-o myhostname=...` in master.cf) logs the QID's
 * client= line under that name, while cleanup and qmgr log it under the
 * queue's host. Such a life holds nothing but smtpd lines; it joins the
 * life of the same QID on another host that has no arrival line of its own
 * and starts within a few seconds. */
#define ENTRY_JOIN_WINDOW (30 * SEC)

static bool only_smtpd(builder *b, int li)
{
    life *L = &b->lv[li];
    bool client = false;
    for (int i = L->first; i <= L->last; i++) {
        const cand *c = &b->c[i];
        if (c->life != li)
            continue;
        if (!seqs(c->l.daemon, "smtpd"))
            return false;
        client |= c->l.kind == PN_LK_CLIENT;
    }
    return client;
}

static bool has_arrival(builder *b, int li)
{
    life *L = &b->lv[li];
    for (int i = L->first; i <= L->last; i++)
        if (b->c[i].life == li &&
            (b->c[i].l.kind == PN_LK_CLIENT || b->c[i].l.kind == PN_LK_PICKUP))
            return true;
    return false;
}

static void join_entry_lives(builder *b)
{
    for (size_t j = 0; j < b->nl; j++) {
        life *L = &b->lv[j];
        if (!L->qid.n || !only_smtpd(b, (int)j))
            continue;
        for (size_t k = 0; k < b->nl; k++) {
            life *M = &b->lv[k];
            if (k == j || !seq(M->qid, L->qid) || seq(M->host, L->host) || !M->qid.n)
                continue;
            int64_t d = M->first_us - L->last_us;
            if (L->last_us && M->first_us && (d < -ENTRY_JOIN_WINDOW || d > ENTRY_JOIN_WINDOW))
                continue;
            if (has_arrival(b, (int)k))
                continue;
            for (int i = L->first; i <= L->last; i++)
                if (b->c[i].life == (int)j)
                    b->c[i].life = (int)k;
            if (L->first < M->first)
                M->first = L->first;
            if (L->last > M->last)
                M->last = L->last;
            if (L->first_us && (!M->first_us || L->first_us < M->first_us))
                M->first_us = L->first_us;
            if (L->last_us > M->last_us)
                M->last_us = L->last_us;
            L->qid = (pn_span){NULL, 0};   /* an empty life: matches nothing */
            break;
        }
    }
}

/* The life of host+qid nearest to time ts (within the link window). */
static int find_life(builder *b, pn_span host, pn_span qid, int64_t ts)
{
    int best = -1;
    int64_t bestd = 0;
    for (size_t j = 0; j < b->nl; j++) {
        life *L = &b->lv[j];
        if (!seq(L->qid, qid) || !seq(L->host, host))
            continue;
        int64_t d = 0;
        if (ts && L->first_us && ts < L->first_us)
            d = L->first_us - ts;
        else if (ts && L->last_us && ts > L->last_us)
            d = ts - L->last_us;
        if (d > LINK_WINDOW && !(L->last_us == 0 || ts == 0))
            continue;
        if (best < 0 || d < bestd) {
            best = (int)j;
            bestd = d;
        }
    }
    return best;
}

static void add_life(builder *b, int li, int parent, const char *how)
{
    if (li < 0)
        return;
    life *L = &b->lv[li];
    if (parent >= 0 && parent != li && L->parent < 0 && !L->in) {
        L->parent = parent;
        L->how = how;
    }
    if (L->in)
        return;
    L->in = true;
    b->queue[b->nq++] = li;
}

static void set_parent(builder *b, int child, int parent, const char *how)
{
    if (parent < 0 || parent == child)
        return;
    if (b->lv[child].parent < 0 && b->lv[parent].parent != child) {
        b->lv[child].parent = parent;
        b->lv[child].how = how;
    }
    add_life(b, parent, -1, NULL);
}

static void follow(builder *b, int li)
{
    life *L = &b->lv[li];
    for (int i = L->first; i <= L->last; i++) {
        cand *c = &b->c[i];
        if (c->life != li)
            continue;
        const pn_logline *l = &c->l;
        if (l->queued_as.n && l->kind == PN_LK_DELIVERY) {
            if (pn_trace_relay_local(l->relay, l->host)) {
                add_life(b, find_life(b, L->host, l->queued_as, l->ts_us), li, "re-injected");
            } else {
                pn_span lab = pn_trace_relay_label(l->relay);
                if (lab.n && !seq(lab, l->host))
                    add_life(b, find_life(b, lab, l->queued_as, l->ts_us), li, "relayed");
            }
        }
        if (l->forwarded_as.n)
            add_life(b, find_life(b, L->host, l->forwarded_as, l->ts_us), li, "forwarded");
        if (l->notification_qid.n)
            add_life(b, find_life(b, L->host, l->notification_qid, l->ts_us), li, "notification");
        if (l->kind == PN_LK_CLIENT && l->orig_queue_id.n)
            set_parent(b, li, find_life(b, L->host, l->orig_queue_id, l->ts_us), "re-injected");
        if (l->kind == PN_LK_PICKUP && l->orig_id.n)
            set_parent(b, li, find_life(b, L->host, l->orig_id, l->ts_us), "requeued");
    }
    /* lines of other QIDs that name this one */
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        const pn_logline *l = &c->l;
        if (c->life < 0 || c->life == li)
            continue;
        int64_t ts = l->ts_us;
        bool near = !ts || !L->first_us ||
                    (ts >= L->first_us - LINK_WINDOW && ts <= L->last_us + LINK_WINDOW);
        if (!near)
            continue;
        if (seq(b->lv[c->life].host, L->host)) {
            if (l->kind == PN_LK_CLIENT && seq(l->orig_queue_id, L->qid))
                add_life(b, c->life, li, "re-injected");
            else if (l->kind == PN_LK_PICKUP && seq(l->orig_id, L->qid))
                add_life(b, c->life, li, "requeued");
            else if ((l->kind == PN_LK_DELIVERY && seq(l->queued_as, L->qid) &&
                      pn_trace_relay_local(l->relay, l->host)))
                set_parent(b, li, c->life, "re-injected");
            else if (seq(l->forwarded_as, L->qid))
                set_parent(b, li, c->life, "forwarded");
            else if (seq(l->notification_qid, L->qid))
                set_parent(b, li, c->life, "notification");
        } else if (l->kind == PN_LK_DELIVERY && seq(l->queued_as, L->qid) &&
                   seq(pn_trace_relay_label(l->relay), L->host)) {
            set_parent(b, li, c->life, "relayed");
        }
    }
}

/* ---- assembling the answer ------------------------------------------------------ */

static bool in_window(int64_t ts, int64_t lo, int64_t hi)
{
    return !ts || !lo || (ts >= lo && ts <= hi);
}

static void take_session(builder *b, int ci)
{
    const pn_logline *k = &b->c[ci].l;
    int lo = ci, hi = ci;
    for (int i = ci - 1; i >= 0; i--) {
        const pn_logline *l = &b->c[i].l;
        if (b->c[i].file != b->c[ci].file && i < ci - 2000)
            break;
        if (l->pid != k->pid || !seq(l->program, k->program) || !seq(l->host, k->host))
            continue;
        if (l->kind == PN_LK_DISCONNECT)
            break;
        lo = i;
        if (l->kind == PN_LK_CONNECT)
            break;
    }
    for (size_t i = (size_t)ci + 1; i < b->nc; i++) {
        const pn_logline *l = &b->c[i].l;
        if (l->pid != k->pid || !seq(l->program, k->program) || !seq(l->host, k->host))
            continue;
        if (l->kind == PN_LK_CONNECT)
            break;
        hi = (int)i;
        if (l->kind == PN_LK_DISCONNECT)
            break;
    }
    for (int i = lo; i <= hi; i++) {
        const pn_logline *l = &b->c[i].l;
        if (l->pid == k->pid && seq(l->program, k->program) && seq(l->host, k->host) &&
            (l->kind == PN_LK_CONNECT || l->kind == PN_LK_TLS || l->kind == PN_LK_DISCONNECT))
            b->c[i].take = true;
    }
}

static bool span_in(pn_span s, const pn_span *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (seq(s, v[i]))
            return true;
    return false;
}

static const char *daemon_words(pn_span program, pn_str *tmp)
{
    /* "postfix/submission/smtpd" -> "submission/smtpd" */
    const char *s = memchr(program.p, '/', program.n);
    pn_str_reset(tmp);
    if (s)
        pn_str_appendn(tmp, s + 1, program.n - (size_t)(s + 1 - program.p));
    else
        pn_str_appendn(tmp, program.p, program.n);
    return pn_str_cstr(tmp);
}

static void fill_hop(builder *b, int li, pn_trace *t, pn_trace_hop *h)
{
    life *L = &b->lv[li];
    h->qid = sdup(L->qid);
    h->host = sdup(L->host);
    h->parent = L->parent >= 0 ? sdup(b->lv[L->parent].qid) : NULL;
    h->size = h->nrcpt = -1;
    h->first_us = L->first_us;
    h->last_us = L->last_us;
    pn_str entered = PN_STR_INIT, left = PN_STR_INIT, tmp = PN_STR_INIT, remote = PN_STR_INIT;
    bool expired = false, milter = false, rejected = false, held = false, bounced = false;
    for (int i = L->first; i <= L->last; i++) {
        cand *c = &b->c[i];
        if (c->life != li)
            continue;
        const pn_logline *l = &c->l;
        switch (l->kind) {
        case PN_LK_CLIENT:
            if (entered.len)
                break;
            if (l->orig_queue_id.n)
                pn_str_appendf(&entered, "re-injected by a content filter from %.*s",
                               (int)l->orig_queue_id.n, l->orig_queue_id.p);
            else
                pn_str_appendf(&entered, "%s from %.*s[%.*s]", daemon_words(l->program, &tmp),
                               (int)l->client_name.n, l->client_name.p, (int)l->client_ip.n,
                               l->client_ip.p);
            if (l->sasl_username.n)
                pn_str_appendf(&entered, " (sasl %.*s)", (int)l->sasl_username.n,
                               l->sasl_username.p);
            break;
        case PN_LK_PICKUP:
            if (entered.len)
                break;
            if (l->orig_id.n)
                pn_str_appendf(&entered, "requeued from %.*s (postsuper -r)", (int)l->orig_id.n,
                               l->orig_id.p);
            else
                pn_str_append(&entered, "pickup (local submission)");
            if (!h->from && l->from.n)
                h->from = sdup(l->from);
            break;
        case PN_LK_MESSAGE_ID:
            if (!h->message_id)
                h->message_id = sdup(l->message_id);
            break;
        case PN_LK_QMGR_FROM:
            if (!h->from)
                h->from = pn_strndup(l->from.p ? l->from.p : "", l->from.n);
            if (l->size.n) {
                pn_str_reset(&tmp);
                pn_str_appendn(&tmp, l->size.p, l->size.n);
                h->size = strtol(pn_str_cstr(&tmp), NULL, 10);
            }
            if (l->nrcpt.n) {
                pn_str_reset(&tmp);
                pn_str_appendn(&tmp, l->nrcpt.p, l->nrcpt.n);
                h->nrcpt = strtol(pn_str_cstr(&tmp), NULL, 10);
            }
            break;
        case PN_LK_EXPIRED:
            expired = true;
            break;
        case PN_LK_MILTER:
            milter = true;
            break;
        case PN_LK_REJECT:
            rejected = true;
            break;
        case PN_LK_HOLD:
            held = true;
            break;
        case PN_LK_POSTSUPER:
            if (seqs(l->action, "placed on hold"))
                held = true;
            else if (seqs(l->action, "released from hold"))
                held = false;
            break;
        case PN_LK_DELIVERY:
            if (seqs(l->status, "bounced"))
                bounced = true;
            if (l->queued_as.n && seqs(l->status, "sent") &&
                !pn_trace_relay_local(l->relay, l->host)) {
                pn_span lab = pn_trace_relay_label(l->relay);
                int nx = find_life(b, lab, l->queued_as, l->ts_us);
                if (nx < 0 || !b->lv[nx].in)
                    pn_str_appendf(&remote, "; sent to %.*s (queued there as %.*s)",
                                   (int)l->relay.n, l->relay.p, (int)l->queued_as.n,
                                   l->queued_as.p);
            }
            break;
        default:
            break;
        }
    }
    if (entered.len && L->parent >= 0 && L->how && !strcmp(L->how, "re-injected") &&
        !strstr(pn_str_cstr(&entered), "re-injected")) {
        /* a content filter handed it back through an smtpd of its own */
        pn_span p = b->lv[L->parent].qid;
        pn_str_reset(&tmp);
        pn_str_appendf(&tmp, "re-injected from %.*s by %s", (int)p.n, p.p,
                       pn_str_cstr(&entered));
        pn_str_reset(&entered);
        pn_str_append(&entered, pn_str_cstr(&tmp));
    }
    if (!entered.len) {
        const char *pq = L->parent >= 0 ? "" : NULL;
        pn_span p = L->parent >= 0 ? b->lv[L->parent].qid : (pn_span){"", 0};
        if (!pq)
            pn_str_append(&entered, "arrival not in the log");
        else if (!strcmp(L->how, "notification"))
            pn_str_appendf(&entered, "bounce notification for %.*s", (int)p.n, p.p);
        else if (!strcmp(L->how, "forwarded"))
            pn_str_appendf(&entered, "forwarded (local .forward) from %.*s", (int)p.n, p.p);
        else if (!strcmp(L->how, "relayed"))
            pn_str_appendf(&entered, "relayed from %.*s on host %.*s", (int)p.n, p.p,
                           (int)b->lv[L->parent].host.n, b->lv[L->parent].host.p);
        else
            pn_str_appendf(&entered, "%s from %.*s", L->how, (int)p.n, p.p);
    }
    if (L->deleted)
        pn_str_append(&left, "deleted (postsuper)");
    else if (milter)
        pn_str_append(&left, "rejected by a milter");
    else if (expired)
        pn_str_append(&left, "expired, returned to sender");
    else if (L->closed)
        pn_str_append(&left, bounced ? "removed after delivery (some recipients bounced)"
                                     : "removed after delivery");
    else if (rejected)
        pn_str_append(&left, "rejected");
    else if (held)
        pn_str_append(&left, "on hold at the end of the log");
    else
        pn_str_append(&left, "still queued at the end of the log");
    pn_str_append(&left, pn_str_cstr(&remote));
    h->entered = pn_str_steal(&entered);
    h->left = pn_str_steal(&left);
    pn_str_free(&tmp);
    pn_str_free(&remote);
    (void)t;
}

static char *dup0(pn_span s)
{
    return pn_strndup(s.n ? s.p : "", s.n);
}

static void add_rcpts(builder *b, pn_trace *t, const pn_span *dsess, const cand *const *dlines,
                      size_t nd)
{
    size_t cap = 0;
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        if (c->life < 0 || !b->lv[c->life].in || !c->l.to.n)
            continue;
        const pn_logline *l = &c->l;
        bool deliv = l->kind == PN_LK_DELIVERY;
        bool rej = l->kind == PN_LK_MILTER || l->kind == PN_LK_REJECT;
        if (!deliv && !rej)
            continue;
        pn_trace_rcpt *r = NULL;
        for (size_t j = 0; j < t->n_rcpts; j++)
            if (seqs(l->qid, t->rcpts[j].qid) && seqs(l->to, t->rcpts[j].address) &&
                seqs(l->orig_to, t->rcpts[j].orig_to ? t->rcpts[j].orig_to : ""))
                r = &t->rcpts[j];
        if (!r) {
            if (t->n_rcpts == cap) {
                cap = cap ? cap * 2 : 8;
                t->rcpts = pn_realloc(t->rcpts, cap * sizeof(*t->rcpts));
            }
            r = &t->rcpts[t->n_rcpts++];
            memset(r, 0, sizeof(*r));
            r->qid = sdup(l->qid);
            r->address = sdup(l->to);
            r->orig_to = sdup(l->orig_to);
        }
        free(r->status);
        free(r->dsn);
        free(r->relay);
        free(r->delay);
        free(r->reply);
        r->status = deliv ? dup0(l->status) : pn_strdup("rejected");
        r->dsn = sdup(l->dsn);
        r->relay = sdup(l->relay);
        r->delay = sdup(l->delay);
        r->reply = deliv ? sdup(l->reply) : pn_strndup(l->text.p, l->text.n);
        r->ts_us = l->ts_us;
        if (deliv)
            r->attempts++;
        if (l->lmtp_session.n)
            for (size_t d = 0; d < nd; d++)
                if (seq(dsess[d], l->lmtp_session) && dlines[d]->l.mailbox.n) {
                    free(r->mailbox);
                    r->mailbox = sdup(dlines[d]->l.mailbox);
                }
        if (!r->mailbox)
            for (size_t d = 0; d < nd; d++)
                if (seq(dlines[d]->l.user, l->to) && dlines[d]->l.mailbox.n)
                    r->mailbox = sdup(dlines[d]->l.mailbox);
    }
}

/* The chain from the roots already queued; fills t. */
static void assemble(builder *b, pn_trace *t, const pn_logset *ls)
{
    for (size_t qi = 0; qi < b->nq; qi++)
        follow(b, b->queue[qi]);
    /* chain keys and window */
    size_t nmid = 0, nsess = 0, nqid = 0;
    pn_span *mids = pn_calloc(b->nc + 1, sizeof(pn_span));
    pn_span *sess = pn_calloc(b->nc + 1, sizeof(pn_span));
    pn_span *qids = pn_calloc(b->nl + 1, sizeof(pn_span));
    int64_t lo = 0, hi = 0;
    for (size_t j = 0; j < b->nl; j++) {
        life *L = &b->lv[j];
        if (!L->in)
            continue;
        qids[nqid++] = L->qid;
        if (L->first_us && (!lo || L->first_us < lo))
            lo = L->first_us;
        if (L->last_us > hi)
            hi = L->last_us;
    }
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        if (c->life < 0 || !b->lv[c->life].in)
            continue;
        c->take = true;
        if (c->l.kind == PN_LK_MESSAGE_ID && c->l.message_id.n &&
            !span_in(c->l.message_id, mids, nmid))
            mids[nmid++] = c->l.message_id;
        if (c->l.lmtp_session.n)
            sess[nsess++] = c->l.lmtp_session;
        if (c->l.kind == PN_LK_CLIENT)
            take_session(b, (int)i);
    }
    int64_t wlo = lo ? lo - LINK_WINDOW : 0, whi = hi ? hi + LINK_WINDOW : INT64_MAX;
    const cand **dl = pn_calloc(b->nc + 1, sizeof(*dl));
    pn_span *ds = pn_calloc(b->nc + 1, sizeof(*ds));
    size_t nd = 0;
    bool spam_done = false;
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        const pn_logline *l = &c->l;
        if (l->kind == PN_LK_RSPAMD || seqs(l->program, "rspamd")) {
            bool by_qid = l->qid.n && span_in(l->qid, qids, nqid);
            bool by_mid = l->message_id.n && span_in(l->message_id, mids, nmid);
            if ((by_qid || by_mid) && in_window(l->ts_us, wlo, whi)) {
                c->take = true;
                if (!spam_done && l->kind == PN_LK_RSPAMD) {
                    spam_done = true;
                    t->spam = pn_sprintf("rspamd: %.*s, score %.*s/%.*s [%.*s]", (int)l->action.n,
                                         l->action.p ? l->action.p : "", (int)l->score.n,
                                         l->score.p ? l->score.p : "", (int)l->required.n,
                                         l->required.p ? l->required.p : "", (int)l->symbols.n,
                                         l->symbols.p ? l->symbols.p : "");
                }
            }
        } else if (l->kind == PN_LK_DOVECOT) {
            bool by_s = l->lmtp_session.n && span_in(l->lmtp_session, sess, nsess);
            bool by_mid = l->message_id.n && span_in(l->message_id, mids, nmid);
            if ((by_s || by_mid) && in_window(l->ts_us, wlo, whi)) {
                c->take = true;
                dl[nd] = c;
                ds[nd++] = l->lmtp_session;
            }
        }
    }
    /* hops, in order of first appearance */
    t->hops = pn_calloc(nqid + 1, sizeof(*t->hops));
    for (size_t i = 0; i < b->nc; i++) {
        int li = b->c[i].life;
        if (li < 0 || !b->lv[li].in || b->lv[li].first != (int)i)
            continue;
        fill_hop(b, li, t, &t->hops[t->n_hops++]);
    }
    add_rcpts(b, t, ds, dl, nd);
    /* raw lines */
    size_t n = 0;
    for (size_t i = 0; i < b->nc; i++)
        n += b->c[i].take;
    t->lines = pn_calloc(n + 1, sizeof(*t->lines));
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        if (!c->take)
            continue;
        pn_trace_line *tl = &t->lines[t->n_lines++];
        tl->file = c->file;
        tl->lineno = c->lineno;
        tl->offset = c->offset;
        tl->ts_us = c->l.ts_us;
        tl->kind = c->l.kind;
        tl->qid = (c->life >= 0) ? dup0(c->l.qid) : pn_strdup("");
        tl->text = pn_strndup(c->text, c->len);
    }
    t->files = pn_calloc(ls->n + 1, sizeof(char *));
    t->n_files = ls->n;
    for (size_t i = 0; i < ls->n; i++)
        t->files[i] = pn_strdup(ls->files[i].path);
    free(mids);
    free(sess);
    free(qids);
    free(dl);
    free(ds);
}

/* ---- the whole query ---------------------------------------------------------- */

/* A queue ID is one token of letters and digits; anything else (an '@',
 * dots, brackets) can only be a Message-ID or a part of one. */
static bool is_mid_key(const char *key)
{
    for (const char *p = key; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
            return true;
    return false;
}

static void load_cands(builder *b, const pn_tscan *sc, const pn_logset *ls)
{
    size_t n = 0;
    for (size_t i = 0; i < sc->n; i++)
        n += sc->tasks[i].n_hits;
    b->c = pn_calloc(n + 1, sizeof(*b->c));
    b->nc = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const pn_ttask *tk = &sc->tasks[i];
        for (size_t j = 0; j < tk->n_hits; j++) {
            cand *c = &b->c[b->nc++];
            c->file = tk->file;
            c->offset = tk->hits[j].offset;
            c->lineno = tk->line_base + tk->hits[j].lineno + 1;
            c->text = tk->hits[j].text;
            c->len = tk->hits[j].len;
        }
    }
    qsort(b->c, b->nc, sizeof(*b->c), cmp_cand);
    /* parse in file order so undated years follow each file */
    pn_logparse_ctx pc;
    int cur = -1;
    size_t w = 0;
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        if (c->file != cur) {
            cur = c->file;
            pn_logparse_init(&pc, ls->files[cur].mtime);
        }
        pn_logline_parse(&pc, c->text, c->len, &c->l);
        const pn_trace_opts *o = b->o;
        if (o->since_us && c->l.ts_us && c->l.ts_us < o->since_us)
            continue;
        if (o->until_us && c->l.ts_us && c->l.ts_us > o->until_us)
            continue;
        if (o->host && *o->host && !seqs(c->l.host, o->host))
            continue;
        b->c[w++] = *c;
    }
    b->nc = w;
}

static void builder_free(builder *b)
{
    free(b->c);
    free(b->lv);
    free(b->queue);
    memset(b, 0, sizeof(*b));
}

/* Pick the roots; false with err when there is no answer. */
static bool pick_roots(builder *b, const char *key, bool mid_mode, pn_trace *t, pn_err *err)
{
    b->queue = pn_calloc(b->nl + 1, sizeof(int));
    b->nq = 0;
    if (!mid_mode) {
        int last = -1, count = 0;
        for (size_t j = 0; j < b->nl; j++)
            if (seqs(b->lv[j].qid, key)) {
                count++;
                if (last < 0 || b->lv[j].first_us >= b->lv[last].first_us)
                    last = (int)j;
            }
        if (last < 0)
            return pn_err_set(err, PN_E_NOTFOUND, "no log line has queue ID %s", key);
        if (count > 1)
            pn_argv_addf(&t->notes,
                         "queue ID %s was used by %d messages in these logs (it is reused); "
                         "this is the latest: use --since/--until to pick another",
                         key, count);
        add_life(b, last, -1, NULL);
        return true;
    }
    /* Message-ID: the distinct IDs that contain the key */
    pn_span cands[11];
    size_t nc = 0;
    pn_span exact = {NULL, 0};
    size_t klen = strlen(key);
    bool more = false;
    for (size_t i = 0; i < b->nc; i++) {
        pn_span m = strip_angle(b->c[i].l.message_id);
        if (!m.n || !memmem(m.p, m.n, key, klen))
            continue;
        if (m.n == klen)
            exact = m;
        bool dup = false;
        for (size_t j = 0; j < nc; j++)
            dup |= seq(cands[j], m);
        if (dup)
            continue;
        if (nc < 10)
            cands[nc++] = m;
        else
            more = true;
    }
    pn_span pick = exact;
    if (!pick.n) {
        if (nc == 0)
            return pn_err_set(err, PN_E_NOTFOUND, "no log line has a Message-ID like '%s'", key);
        if (nc > 1) {
            pn_str s = PN_STR_INIT;
            for (size_t j = 0; j < nc; j++)
                pn_str_appendf(&s, "%s<%.*s>", j ? ", " : "", (int)cands[j].n, cands[j].p);
            pn_err_set(err, PN_E_CONFLICT, "Message-ID '%s' is ambiguous: %s%s", key,
                       pn_str_cstr(&s), more ? ", ..." : "");
            pn_str_free(&s);
            return false;
        }
        pick = cands[0];
    }
    for (size_t i = 0; i < b->nc; i++) {
        const pn_logline *l = &b->c[i].l;
        if (!seq(strip_angle(l->message_id), pick))
            continue;
        if (l->kind == PN_LK_MESSAGE_ID && b->c[i].life >= 0)
            add_life(b, b->c[i].life, -1, NULL);
    }
    if (!b->nq)
        for (size_t i = 0; i < b->nc; i++) {
            const pn_logline *l = &b->c[i].l;
            if (l->kind == PN_LK_RSPAMD && l->qid.n && seq(strip_angle(l->message_id), pick))
                add_life(b, find_life(b, l->host, l->qid, l->ts_us), -1, NULL);
        }
    if (!b->nq) {
        /* only rspamd / Dovecot lines: take those with this Message-ID */
        for (size_t i = 0; i < b->nc; i++)
            if (seq(strip_angle(b->c[i].l.message_id), pick))
                b->c[i].take = true;
    }
    return true;
}

/* Keys the chain found, as the file pass spells them. */
static void chain_keys(builder *b, const char *seed, pn_argv *keys, int64_t *lo, int64_t *hi)
{
    pn_argv_add(keys, seed);
    *lo = 0;
    *hi = 0;
    bool open = false;
    for (size_t j = 0; j < b->nl; j++) {
        life *L = &b->lv[j];
        if (!L->in)
            continue;
        pn_argv_addf(keys, "%.*s", (int)L->qid.n, L->qid.p);
        if (L->first_us && (!*lo || L->first_us < *lo))
            *lo = L->first_us;
        if (L->last_us > *hi)
            *hi = L->last_us;
        open |= !L->closed;
    }
    for (size_t i = 0; i < b->nc; i++) {
        cand *c = &b->c[i];
        if (c->life < 0 || !b->lv[c->life].in)
            continue;
        if (c->l.kind == PN_LK_MESSAGE_ID && c->l.message_id.n)
            pn_argv_addf(keys, "%.*s", (int)c->l.message_id.n, c->l.message_id.p);
        if (c->l.kind == PN_LK_CLIENT && c->l.program.n && c->l.pid >= 0)
            pn_argv_addf(keys, " %.*s[%d]: ", (int)c->l.program.n, c->l.program.p, c->l.pid);
    }
    if (open)
        *hi = INT64_MAX;
}

/* Has the task searched for key k over all its lines, or over a kept
 * block that covers the window [lo, hi]? */
static bool known(const pn_ttask *t, const char *k, int64_t lo, int64_t hi)
{
    for (size_t i = 0; i < t->known.n; i++)
        if (!strcmp(t->known.v[i], k))
            return true;
    if (lo && t->part_lo && lo >= t->part_lo && hi <= t->part_hi)
        for (size_t i = 0; i < t->part_known.n; i++)
            if (!strcmp(t->part_known.v[i], k))
                return true;
    return false;
}

static bool find_once(const pn_trace_opts *o, const char *key_in, bool force_mid, pn_trace *out,
                      pn_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!o || !o->logs || !key_in)
        return pn_err_set(err, PN_E_INVALID, "trace: no logs or no key");
    /* the key: trim blanks and <> */
    size_t kl = strlen(key_in);
    while (kl && (key_in[kl - 1] == ' ' || key_in[kl - 1] == '\t' || key_in[kl - 1] == '\n'))
        kl--;
    while (kl && (*key_in == ' ' || *key_in == '\t')) {
        key_in++;
        kl--;
    }
    bool had_angle = kl >= 2 && key_in[0] == '<' && key_in[kl - 1] == '>';
    if (had_angle) {
        key_in++;
        kl -= 2;
    }
    char *key = pn_strndup(key_in, kl);
    if (!*key) {
        free(key);
        return pn_err_set(err, PN_E_INVALID, "trace: the key is empty: give a queue ID or a "
                                             "Message-ID");
    }
    bool mid_mode = force_mid || had_angle || is_mid_key(key);
    out->query = pn_strdup(key);
    pn_tscan sc;
    const char *seeds[1] = {key};
    bool from_index = false;
    pn_str ixnote = PN_STR_INIT;
    if (o->index && !pn_tindex_run(o->index, o->logs, key, mid_mode, &sc, &from_index, &ixnote,
                                   err)) {
        pn_str_free(&ixnote);
        free(key);
        pn_trace_free(out);
        return false;
    }
    if (ixnote.len)
        pn_argv_add(&out->notes, pn_str_cstr(&ixnote));
    pn_str_free(&ixnote);
    if (!from_index && !pn_tscan_run(o->logs, seeds, 1, mid_mode, o->threads, &sc, err)) {
        pn_tscan_free(&sc);
        free(key);
        pn_trace_free(out);
        return false;
    }
    builder b;
    bool ok = false;
    for (int round = 0;; round++) {
        memset(&b, 0, sizeof(b));
        b.o = o;
        load_cands(&b, &sc, o->logs);
        build_lives(&b);
        join_entry_lives(&b);
        pn_trace probe;
        memset(&probe, 0, sizeof(probe));
        ok = pick_roots(&b, key, mid_mode, &probe, err);
        pn_argv_free(&probe.notes);
        if (!ok || round == 2 || from_index)   /* the index pass found the whole chain */
            break;
        for (size_t qi = 0; qi < b.nq; qi++)
            follow(&b, b.queue[qi]);
        pn_argv keys = PN_ARGV_INIT;
        int64_t lo, hi;
        chain_keys(&b, key, &keys, &lo, &hi);
        bool *which = pn_calloc(sc.n + 1, sizeof(bool));
        bool any = false;
        int64_t wlo = lo ? lo - REDO_MARGIN : 0;
        int64_t whi = hi == INT64_MAX || !hi ? INT64_MAX : hi + REDO_MARGIN;
        for (size_t i = 0; i < sc.n; i++) {
            const pn_ttask *tk = &sc.tasks[i];
            bool overlap = !lo || !tk->first_us || !tk->last_us ||
                           (tk->last_us >= lo - REDO_MARGIN &&
                            (hi == INT64_MAX || tk->first_us <= hi + REDO_MARGIN));
            if (!overlap)
                continue;
            for (size_t k = 1; k < keys.n && !which[i]; k++)
                if (!known(tk, keys.v[k], wlo, whi))
                    which[i] = true;
            any |= which[i];
        }
        if (any) {
            builder_free(&b);
            ok = pn_tscan_redo(o->logs, &sc, which, (const char *const *)keys.v, keys.n,
                               mid_mode, o->threads, wlo, whi, err);
        }
        free(which);
        pn_argv_free(&keys);
        if (!ok)
            break;
        if (!any)
            break;
    }
    if (ok) {
        /* a fresh pass over the same lives: roots again, then the chain */
        for (size_t j = 0; j < b.nl; j++) {
            b.lv[j].in = false;
            b.lv[j].parent = -1;
            b.lv[j].how = NULL;
        }
        free(b.queue);
        ok = pick_roots(&b, key, mid_mode, out, err);
        if (ok)
            assemble(&b, out, o->logs);
        if (ok && !out->n_lines) {
            ok = pn_err_set(err, PN_E_NOTFOUND, "nothing in the logs matches '%s'", key);
        }
        for (size_t i = 0; ok && i < sc.n; i++)
            if (sc.tasks[i].notes.len)
                pn_argv_add(&out->notes, pn_str_cstr(&sc.tasks[i].notes));
    }
    builder_free(&b);
    pn_tscan_free(&sc);
    free(key);
    if (!ok)
        pn_trace_free(out);
    return ok;
}

bool pn_trace_find(const pn_trace_opts *o, const char *key, pn_trace *out, pn_err *err)
{
    pn_err e1 = PN_ERR_INIT;
    if (find_once(o, key, false, out, &e1)) {
        pn_err_clear(&e1);
        return true;
    }
    /* a token that names no queue ID may be a part of a Message-ID */
    bool retry = e1.code == PN_E_NOTFOUND && key && !is_mid_key(key) && key[0] != '<';
    if (!retry || !find_once(o, key, true, out, NULL)) {
        if (retry)
            pn_err_set(err, PN_E_NOTFOUND, "no log line has queue ID or Message-ID '%s'", key);
        else
            pn_err_set(err, e1.code, "%s", pn_err_msg(&e1));
        pn_err_clear(&e1);
        return false;
    }
    pn_err_clear(&e1);
    return true;
}

void pn_trace_free(pn_trace *t)
{
    if (!t)
        return;
    free(t->query);
    for (size_t i = 0; i < t->n_files; i++)
        free(t->files[i]);
    free(t->files);
    for (size_t i = 0; i < t->n_hops; i++) {
        pn_trace_hop *h = &t->hops[i];
        free(h->qid);
        free(h->host);
        free(h->parent);
        free(h->entered);
        free(h->left);
        free(h->from);
        free(h->message_id);
    }
    free(t->hops);
    for (size_t i = 0; i < t->n_rcpts; i++) {
        pn_trace_rcpt *r = &t->rcpts[i];
        free(r->qid);
        free(r->address);
        free(r->orig_to);
        free(r->status);
        free(r->dsn);
        free(r->relay);
        free(r->delay);
        free(r->reply);
        free(r->mailbox);
    }
    free(t->rcpts);
    free(t->spam);
    for (size_t i = 0; i < t->n_lines; i++) {
        free(t->lines[i].qid);
        free(t->lines[i].text);
    }
    free(t->lines);
    pn_argv_free(&t->notes);
    memset(t, 0, sizeof(*t));
}
