/* queue_action.c - act on queued messages: delete, hold, release, requeue
 * (one `postsuper -c DIR -X -` with every ID on stdin) and resend
 * (`postqueue -c DIR -i ID`), plus `postqueue -f` (see queue.h).
 *
 * postsuper reports only on stderr and exits 0 whatever happened, so the
 * outcome of every ID is read from its per-ID lines ("QID: removed"), its
 * warnings and its summary ("Deleted: N messages"), and cross-checked. An ID
 * Postfix said nothing about is looked up in one queue listing afterwards:
 * gone means "not found" (normal: delivered or removed meanwhile), still
 * there means Postfix could not act on it (e.g. still in maildrop). */
#include "queue.h"
#include "util/mem.h"
#include "util/utf8.h"
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOT_FOUND_DETAIL "not in the queue: already delivered or removed"

static const char *const action_names[PN_QA_COUNT] = {
    "delete", "hold", "release", "requeue", "resend",
};

const char *pn_qaction_str(pn_qaction a)
{
    return (a >= 0 && a < PN_QA_COUNT) ? action_names[a] : "?";
}

bool pn_qaction_parse(const char *s, pn_qaction *out)
{
    if (!s)
        return false;
    for (int i = 0; i < PN_QA_COUNT; i++) {
        if (!strcmp(s, action_names[i])) {
            if (out)
                *out = (pn_qaction)i;
            return true;
        }
    }
    return false;
}

const char *pn_qoutcome_str(pn_qoutcome o)
{
    switch (o) {
    case PN_QO_DONE: return "done";
    case PN_QO_NOT_FOUND: return "not-found";
    case PN_QO_FAILED: return "failed";
    }
    return "?";
}

void pn_qaction_report_free(pn_qaction_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        free(rep->results[i].qid);
        free(rep->results[i].detail);
    }
    free(rep->results);
    free(rep->warning);
    memset(rep, 0, sizeof(*rep));
    rep->postfix_total = -1;
}

/* ---- helpers ------------------------------------------------------------- */

/* What postsuper does for each bulk action. */
typedef struct psuper_action {
    const char *flag;      /* postsuper option */
    const char *said;      /* per-ID line: "QID: <said>" */
    const char *summary;   /* summary line: "<summary>: N message(s)" */
    const char *verb;      /* for messages: "cannot <verb> it" */
} psuper_action;

static const psuper_action psuper_actions[] = {
    [PN_QA_DELETE] = {"-d", "removed", "Deleted", "delete"},
    [PN_QA_HOLD] = {"-h", "placed on hold", "Placed on hold", "hold"},
    [PN_QA_RELEASE] = {"-H", "released from hold", "Released from hold", "release"},
    [PN_QA_REQUEUE] = {"-r", "requeued", "Requeued", "requeue"},
};

/* Every summary postsuper may print (it prints some for other operations). */
static const char *const psuper_summaries[] = {
    "Deleted", "Placed on hold", "Released from hold", "Requeued", "Force-expired",
    "Renamed to match inode number",
};

static void set_detail(pn_qresult *r, pn_qoutcome o, const char *text, size_t len)
{
    r->outcome = o;
    free(r->detail);
    pn_str s = PN_STR_INIT;
    pn_utf8_sanitize(&s, text, len, 0);
    r->detail = pn_str_steal(&s);
}

static void add_warning(pn_qaction_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_warning(pn_qaction_report *rep, const char *fmt, ...)
{
    pn_str s = PN_STR_INIT;
    if (rep->warning) {
        pn_str_append(&s, rep->warning);
        pn_str_append(&s, "; ");
    }
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    free(rep->warning);
    rep->warning = pn_str_steal(&s);
}

static void count_outcomes(pn_qaction_report *rep)
{
    rep->done = rep->not_found = rep->failed = 0;
    for (size_t i = 0; i < rep->n; i++) {
        switch (rep->results[i].outcome) {
        case PN_QO_DONE: rep->done++; break;
        case PN_QO_NOT_FOUND: rep->not_found++; break;
        case PN_QO_FAILED: rep->failed++; break;
        }
    }
}

/* Sorted index over the results, to find an ID quickly in Postfix output. */
typedef struct qkey {
    const char *qid;
    size_t idx;             /* index into results */
} qkey;

typedef struct qindex {
    pn_qresult *results;
    qkey *keys;             /* sorted by qid, then idx */
    size_t n;
} qindex;

static int cmp_key(const void *a, const void *b)
{
    const qkey *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void qindex_build(qindex *ix, pn_qresult *results, size_t n)
{
    ix->results = results;
    ix->n = n;
    ix->keys = pn_calloc(n ? n : 1, sizeof(qkey));
    for (size_t i = 0; i < n; i++) {
        ix->keys[i].qid = results[i].qid;
        ix->keys[i].idx = i;
    }
    qsort(ix->keys, n, sizeof(qkey), cmp_key);
}

/* Index of the (first) result for qid[0..len), or -1. */
static long qindex_find(const qindex *ix, const char *qid, size_t len)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = ix->keys[mid].qid;
        int c = strncmp(m, qid, len);
        if (c == 0 && m[len] != '\0')
            c = 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ix->n && strncmp(ix->keys[lo].qid, qid, len) == 0 && ix->keys[lo].qid[len] == '\0')
        return (long)ix->keys[lo].idx;
    return -1;
}

static void qindex_free(qindex *ix)
{
    free(ix->keys);
    ix->keys = NULL;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Validate and de-duplicate the IDs into rep->results (request order). */
static bool collect_ids(const char *const *ids, size_t n, pn_qaction_report *rep, pn_err *err)
{
    for (size_t i = 0; i < n; i++) {
        char field[48];
        snprintf(field, sizeof(field), "queue ID %zu", i + 1);
        if (!pn_valid_qid(field, ids[i] ? ids[i] : "", err))
            return false;
    }
    rep->results = pn_calloc(n ? n : 1, sizeof(pn_qresult));
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        /* Linear for small lists; the index below handles large ones. */
        if (n <= 64) {
            for (size_t j = 0; j < rep->n && !dup; j++)
                dup = !strcmp(rep->results[j].qid, ids[i]);
        }
        if (dup)
            continue;
        pn_qresult *r = &rep->results[rep->n++];
        r->qid = pn_strdup(ids[i]);
        r->outcome = PN_QO_NOT_FOUND;
        r->detail = pn_strdup(NOT_FOUND_DETAIL);
    }
    if (n > 64 && rep->n > 1) {
        /* Drop later duplicates, keeping request order: in the sorted index
         * equal IDs are adjacent, the earliest request first. */
        qindex ix;
        qindex_build(&ix, rep->results, rep->n);
        bool *drop = pn_calloc(rep->n, sizeof(bool));
        for (size_t k = 1; k < ix.n; k++)
            if (!strcmp(ix.keys[k - 1].qid, ix.keys[k].qid))
                drop[ix.keys[k].idx] = true;
        qindex_free(&ix);
        size_t w = 0;
        for (size_t r = 0; r < rep->n; r++) {
            if (drop[r]) {
                free(rep->results[r].qid);
                free(rep->results[r].detail);
            } else {
                rep->results[w++] = rep->results[r];
            }
        }
        rep->n = w;
        free(drop);
    }
    return true;
}

/* ---- where are the IDs now? (one listing) -------------------------------- */

typedef struct locate_ctx {
    const qindex *ix;
    pn_qname *where;        /* per result; PN_QN_COUNT = not listed */
} locate_ctx;

static bool locate_cb(void *vctx, const pn_qentry *e)
{
    locate_ctx *lc = vctx;
    if (!e->qid)
        return true;
    long i = qindex_find(lc->ix, e->qid, strlen(e->qid));
    if (i >= 0)
        lc->where[i] = e->queue;
    return true;
}

/* Fill where[i] with the queue each result's ID is in (PN_QN_COUNT: absent). */
static bool locate_ids(pn_ctx *ctx, pn_qresult *results, size_t n, pn_qname *where,
                       pn_err *err)
{
    for (size_t i = 0; i < n; i++)
        where[i] = PN_QN_COUNT;
    qindex ix;
    qindex_build(&ix, results, n);
    locate_ctx lc = {&ix, where};
    bool ok = pn_queue_scan(ctx, locate_cb, &lc, NULL, err);
    qindex_free(&ix);
    return ok;
}

/* ---- postsuper ----------------------------------------------------------- */

/* "Deleted: 3 messages" -> label "Deleted", count 3. */
static bool parse_summary(const char *line, size_t len, const char **label, long *count)
{
    for (size_t k = 0; k < sizeof(psuper_summaries) / sizeof(psuper_summaries[0]); k++) {
        const char *s = psuper_summaries[k];
        size_t sl = strlen(s);
        if (len < sl + 3 || memcmp(line, s, sl) != 0 || line[sl] != ':' || line[sl + 1] != ' ')
            continue;
        const char *p = line + sl + 2, *end = line + len;
        long v = 0;
        if (p >= end || *p < '0' || *p > '9')
            return false;
        while (p < end && *p >= '0' && *p <= '9') {
            if (v < 100000000)
                v = v * 10 + (*p - '0');
            p++;
        }
        size_t rest = (size_t)(end - p);
        bool one = rest == 8 && !memcmp(p, " message", 8);
        bool many = rest == 9 && !memcmp(p, " messages", 9);
        if (!one && !many)
            return false;
        *label = s;
        *count = v;
        return true;
    }
    return false;
}

/* Mark every requested ID named in a warning line as failed (unless Postfix
 * also confirmed it). Returns true if the warning named at least one. */
static bool warning_names_ids(const qindex *ix, bool *confirmed, const char *text,
                              size_t len)
{
    bool any = false;
    long last = -1;         /* a path and its ID may name the same message twice */
    size_t i = 0;
    while (i < len) {
        while (i < len && !is_alnum(text[i]))
            i++;
        size_t start = i;
        while (i < len && is_alnum(text[i]))
            i++;
        if (i == start)
            continue;
        long k = qindex_find(ix, text + start, i - start);
        if (k < 0 || k == last)
            continue;
        any = true;
        last = k;
        pn_qresult *r = &ix->results[k];
        if (confirmed[k]) {
            /* Postfix did it but warned as well: keep both in the detail. */
            char *d = pn_sprintf("%s (warning: %.*s)", r->detail, (int)len, text);
            set_detail(r, PN_QO_DONE, d, strlen(d));
            free(d);
        } else {
            pn_str d = PN_STR_INIT;
            pn_str_append(&d, "warning: ");
            pn_str_appendn(&d, text, len);
            set_detail(r, PN_QO_FAILED, d.s, d.len);
            pn_str_free(&d);
        }
    }
    return any;
}

static bool run_postsuper(pn_ctx *ctx, pn_qaction action, pn_qaction_report *rep,
                          pn_err *err)
{
    const psuper_action *pa = &psuper_actions[action];
    pn_str in = PN_STR_INIT;
    for (size_t i = 0; i < rep->n; i++) {
        pn_str_append(&in, rep->results[i].qid);
        pn_str_appendc(&in, '\n');
    }
    const char *argv[] = {"postsuper", "-c", ctx->cfg->postfix_config_dir, pa->flag, "-", NULL};
    pn_run_opts opts = {0};
    opts.stdin_data = pn_str_cstr(&in);
    opts.stdin_len = in.len;
    opts.timeout_ms = 60000 + (int)(rep->n > 1000000 ? 1000000 : rep->n) * 5;
    opts.err_cap = 64 * 1024 + rep->n * 160;
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_run(ctx->tr, argv, &opts, &res, err);
    pn_str_free(&in);
    if (!ok) {
        pn_err_prefix(err, "postsuper %s", pa->flag);
        pn_run_result_free(&res);
        return false;
    }

    qindex ix;
    qindex_build(&ix, rep->results, rep->n);
    bool *confirmed = pn_calloc(rep->n ? rep->n : 1, sizeof(bool));
    pn_str fatal = PN_STR_INIT, other = PN_STR_INIT;
    long total = -1;

    const char *p = pn_str_cstr(&res.err), *end = p + res.err.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *line = p;
        p = nl ? nl + 1 : end;
        size_t len = (size_t)(le - line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        if (len == 0)
            continue;
        /* Every line starts with "postsuper: " (the program name). */
        static const char prog[] = "postsuper: ";
        if (len >= sizeof(prog) - 1 && !memcmp(line, prog, sizeof(prog) - 1)) {
            line += sizeof(prog) - 1;
            len -= sizeof(prog) - 1;
        }
        if (len > 7 && !memcmp(line, "fatal: ", 7)) {
            if (fatal.len)
                pn_str_append(&fatal, "; ");
            pn_utf8_sanitize(&fatal, line + 7, len - 7, 0);
            continue;
        }
        if (len > 9 && !memcmp(line, "warning: ", 9)) {
            if (!warning_names_ids(&ix, confirmed, line + 9, len - 9)) {
                if (other.len)
                    pn_str_append(&other, "; ");
                pn_utf8_sanitize(&other, line, len, 0);
            }
            continue;
        }
        const char *label;
        long count;
        if (parse_summary(line, len, &label, &count)) {
            if (!strcmp(label, pa->summary))
                total = (total < 0 ? 0 : total) + count;
            continue;
        }
        /* "QID: what happened" */
        const char *colon = memchr(line, ':', len);
        long k = colon ? qindex_find(&ix, line, (size_t)(colon - line)) : -1;
        if (k >= 0 && (size_t)(colon - line) + 2 <= len && colon[1] == ' ') {
            const char *said = colon + 2;
            size_t slen = len - (size_t)(said - line);
            pn_qresult *r = &rep->results[k];
            if (slen == strlen(pa->said) && !memcmp(said, pa->said, slen)) {
                confirmed[k] = true;
                set_detail(r, PN_QO_DONE, said, slen);
            } else if (!confirmed[k]) {
                set_detail(r, PN_QO_FAILED, said, slen);
            }
            continue;
        }
        if (other.len)
            pn_str_append(&other, "; ");
        pn_utf8_sanitize(&other, line, len, 0);
    }
    if (res.err_truncated)
        add_warning(rep, "postsuper printed more than %zu bytes; the outcome of some IDs is unknown",
                    opts.err_cap);
    if (other.len)
        add_warning(rep, "postsuper also said: %s", other.s);
    rep->postfix_total = total;

    bool result = true;
    if (fatal.len || res.exit_code != 0 || res.timed_out) {
        if (fatal.len)
            pn_err_set(err, PN_E_EXEC, "postsuper %s failed: %s", pa->flag, fatal.s);
        else if (res.timed_out)
            pn_err_set(err, PN_E_TIMEOUT, "postsuper %s timed out after %lld ms", pa->flag,
                       (long long)res.elapsed_ms);
        else if (res.term_signal)
            pn_err_set(err, PN_E_EXEC, "postsuper %s was killed by signal %d", pa->flag,
                       res.term_signal);
        else
            pn_err_set(err, PN_E_EXEC, "postsuper %s exited with status %d", pa->flag,
                       res.exit_code);
        /* IDs Postfix did not confirm: their fate is unknown, not "not found". */
        for (size_t i = 0; i < rep->n; i++) {
            if (!confirmed[i] && rep->results[i].outcome == PN_QO_NOT_FOUND) {
                const char *m = pn_err_msg(err);
                set_detail(&rep->results[i], PN_QO_FAILED, m, strlen(m));
            }
        }
        result = false;
    } else {
        /* IDs Postfix said nothing about: gone, or somewhere postsuper does
         * not act (maildrop; hold for -h; not on hold for -H). */
        size_t silent = 0;
        for (size_t i = 0; i < rep->n; i++)
            if (!confirmed[i] && rep->results[i].outcome == PN_QO_NOT_FOUND)
                silent++;
        if (silent) {
            pn_qname *where = pn_calloc(rep->n, sizeof(pn_qname));
            pn_err lerr = PN_ERR_INIT;
            if (!locate_ids(ctx, rep->results, rep->n, where, &lerr)) {
                add_warning(rep, "could not list the queue to check the IDs Postfix did not act on: %s",
                            pn_err_msg(&lerr));
            } else {
                for (size_t i = 0; i < rep->n; i++) {
                    pn_qresult *r = &rep->results[i];
                    if (confirmed[i] || r->outcome != PN_QO_NOT_FOUND || where[i] == PN_QN_COUNT)
                        continue;
                    char *d;
                    pn_qoutcome o = PN_QO_FAILED;
                    /* Already in the state asked for: nothing to do, and
                     * nothing failed (a group hold that meets a held
                     * message must not alarm anyone). */
                    if ((action == PN_QA_HOLD && where[i] == PN_QN_HOLD) ||
                        (action == PN_QA_RELEASE && where[i] != PN_QN_MAILDROP))
                        o = PN_QO_DONE;
                    if (where[i] == PN_QN_MAILDROP)
                        d = pn_sprintf("still in maildrop: Postfix cannot %s it yet "
                                       "(pickup has not taken it; try again shortly)", pa->verb);
                    else if (action == PN_QA_HOLD && where[i] == PN_QN_HOLD)
                        d = pn_strdup("already on hold: nothing to do");
                    else if (action == PN_QA_RELEASE)
                        d = pn_sprintf("not on hold (it is in the %s queue): nothing to do",
                                       pn_qname_str(where[i]));
                    else
                        d = pn_sprintf("Postfix did not %s it (it is in the %s queue)", pa->verb,
                                       pn_qname_str(where[i]));
                    set_detail(r, o, d, strlen(d));
                    free(d);
                }
            }
            pn_err_clear(&lerr);
            free(where);
        }
    }

    count_outcomes(rep);
    size_t n_confirmed = 0;
    for (size_t i = 0; i < rep->n; i++)
        n_confirmed += confirmed[i];
    if (result) {
        if (total < 0)
            add_warning(rep, "postsuper printed no '%s:' summary line", pa->summary);
        else if ((size_t)total != n_confirmed)
            add_warning(rep, "postsuper's summary says %s: %ld but it confirmed %zu of the IDs",
                        pa->summary, total, n_confirmed);
    }

    free(confirmed);
    qindex_free(&ix);
    pn_str_free(&fatal);
    pn_str_free(&other);
    pn_run_result_free(&res);
    return result;
}

/* ---- postqueue -i -------------------------------------------------------- */

static bool run_resend(pn_ctx *ctx, pn_qaction_report *rep, pn_err *err)
{
    /* postqueue -i exits 0 for an unknown ID: list first to know which exist. */
    pn_qname *where = pn_calloc(rep->n ? rep->n : 1, sizeof(pn_qname));
    if (!locate_ids(ctx, rep->results, rep->n, where, err)) {
        pn_err_prefix(err, "resend: cannot list the queue");
        free(where);
        return false;
    }
    for (size_t i = 0; i < rep->n; i++) {
        pn_qresult *r = &rep->results[i];
        if (where[i] == PN_QN_COUNT)
            continue;   /* stays "not found" */
        if (where[i] == PN_QN_HOLD) {
            static const char held[] = "on hold: release it first (postqueue -i does not deliver held mail)";
            set_detail(r, PN_QO_FAILED, held, sizeof(held) - 1);
            continue;
        }
        const char *argv[] = {"postqueue", "-c", ctx->cfg->postfix_config_dir, "-i", r->qid, NULL};
        pn_run_result res = PN_RUN_RESULT_INIT;
        pn_err rerr = PN_ERR_INIT;
        if (pn_run_ok(ctx->tr, argv, NULL, &res, &rerr)) {
            static const char done[] = "delivery attempt scheduled";
            set_detail(r, PN_QO_DONE, done, sizeof(done) - 1);
        } else {
            const char *m = pn_err_msg(&rerr);
            set_detail(r, PN_QO_FAILED, m, strlen(m));
        }
        pn_err_clear(&rerr);
        pn_run_result_free(&res);
    }
    free(where);
    count_outcomes(rep);
    return true;
}

/* ---- public -------------------------------------------------------------- */

bool pn_queue_act(pn_ctx *ctx, pn_qaction action, const char *const *ids, size_t n,
                  pn_qaction_report *rep, pn_err *err)
{
    memset(rep, 0, sizeof(*rep));
    rep->action = action;
    rep->postfix_total = -1;
    if (action < 0 || action >= PN_QA_COUNT)
        return pn_err_set(err, PN_E_INVALID, "unknown queue action %d", (int)action);
    char what[32];
    snprintf(what, sizeof(what), "queue %s", pn_qaction_str(action));
    if (!pn_ctx_check_write(ctx, what, err))
        return false;
    if (n && !ids)
        return pn_err_set(err, PN_E_INVALID, "%s: no queue IDs given", what);
    if (!collect_ids(ids, n, rep, err)) {
        pn_qaction_report_free(rep);
        rep->action = action;
        return false;
    }
    if (rep->n == 0)
        return true;
    if (action == PN_QA_RESEND)
        return run_resend(ctx, rep, err);
    return run_postsuper(ctx, action, rep, err);
}

bool pn_queue_flush(pn_ctx *ctx, pn_err *err)
{
    if (!pn_ctx_check_write(ctx, "queue flush", err))
        return false;
    const char *argv[] = {"postqueue", "-c", ctx->cfg->postfix_config_dir, "-f", NULL};
    pn_run_result res = PN_RUN_RESULT_INIT;
    bool ok = pn_run_ok(ctx->tr, argv, NULL, &res, err);
    pn_run_result_free(&res);
    return ok;
}
