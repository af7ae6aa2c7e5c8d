/* queue_goto.c - the global go-to on the Queue screen: a queue ID jumps to
 * its row, a Message-ID to the row of the message the maillog names for it,
 * an address or a domain shows their messages through the filter (the
 * user's filter is only replaced when something matches). */
#include "queue_screen.h"

#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "maillog_index.h"
#include "util/mem.h"
#include "validate.h"

/* The Message-ID of a queued message is in its headers, not in the
 * listing: the log engine's trace names every queue ID of the message
 * (rotated, compressed and journald sources included); the newest one that
 * is still queued is the row to go to. */
static char *qid_from_log(qs *q, const char *msgid)
{
    pn_logset set;
    pn_err err = PN_ERR_INIT;
    if (!pn_logset_open(q->ctx, NULL, 0, false, &set, &err)) {
        pn_err_clear(&err);
        return NULL;
    }
    pn_logindex *ix = pn_logindex_open_existing(q->ctx);
    pn_trace_opts o = {.logs = &set, .index = ix};
    pn_trace t;
    char *found = NULL;
    if (pn_trace_find(&o, msgid, &t, &err)) {
        for (size_t h = t.n_hops; h-- > 0 && !found;) {
            for (size_t i = 0; i < q->list.n; i++) {
                if (strcmp(q->list.items[i].qid, t.hops[h].qid) == 0) {
                    found = pn_strdup(t.hops[h].qid);
                    break;
                }
            }
        }
        pn_trace_free(&t);
    }
    pn_err_clear(&err);
    pn_logindex_close(ix);
    pn_logset_free(&set);
    return found;
}

static bool goto_qid(qs *q, const char *qid)
{
    bool present = false;
    for (size_t i = 0; i < q->list.n && !present; i++)
        present = strcmp(q->list.items[i].qid, qid) == 0;
    if (!present)
        return false;
    q->mode = QS_LIST;
    if (!pn_listmodel_goto_key(&q->lm, qid)) {
        pn_app_set_filter(q->app, "");
        pn_listmodel_goto_key(&q->lm, qid);
    }
    return true;
}

/* How many listed messages the filter text selects (0 if it does not parse). */
static size_t filter_hits(qs *q, const char *text)
{
    pn_qfilter *f = pn_qfilter_parse(text, NULL);
    if (!f)
        return 0;
    size_t n = 0;
    int64_t now = qs_now(q);
    for (size_t i = 0; i < q->list.n; i++)
        n += pn_qfilter_match(f, &q->list.items[i], now);
    pn_qfilter_free(f);
    return n;
}

/* Show exactly the messages of an address or domain: the first filter that
 * selects any. The user's filter is only replaced on a hit. */
static bool goto_filter(qs *q, const char *const *texts)
{
    for (size_t i = 0; texts[i]; i++) {
        if (filter_hits(q, texts[i]) == 0)
            continue;
        q->mode = QS_LIST;
        if (!pn_app_set_filter(q->app, texts[i]))
            return false;
        pn_listmodel_first(&q->lm);
        return true;
    }
    return false;
}

/* The first of the filters "<first><value>" and "<second><value>" (value
 * in quotes when asked) that selects any message. */
static bool goto_either(qs *q, const char *first, const char *second, const char *value,
                        bool quote)
{
    const char *q1 = quote ? "\"" : "";
    char *a = pn_sprintf("%s%s%s%s", first, q1, value, q1);
    char *b = pn_sprintf("%s%s%s%s", second, q1, value, q1);
    const char *const texts[] = {a, b, NULL};
    bool ok = goto_filter(q, texts);
    free(a);
    free(b);
    return ok;
}

bool qs_go_to(void *st, const char *target)
{
    qs *q = st;
    pn_str t = PN_STR_INIT;
    while (*target == ' ')
        target++;
    pn_str_set(&t, target);
    pn_str_rtrim(&t);
    const char *s = pn_str_cstr(&t);
    bool ok = false;
    if (!*s || strchr(s, '"'))
        goto out;
    if (pn_valid_qid("queue ID", s, NULL)) {
        ok = goto_qid(q, s);
        goto out;
    }
    bool bracketed = s[0] == '<';
    if (strchr(s, '@') && (bracketed || !pn_valid_email("address", s, NULL))) {
        pn_str id = PN_STR_INIT;
        pn_str_set(&id, bracketed ? s + 1 : s);
        if (id.len && id.s[id.len - 1] == '>')
            pn_str_truncate(&id, id.len - 1);
        char *qid = qid_from_log(q, pn_str_cstr(&id));
        if (qid)
            ok = goto_qid(q, qid);
        free(qid);
        pn_str_free(&id);
        goto out;
    }
    if (pn_valid_email("address", s, NULL))
        ok = goto_either(q, "sender:", "rcpt:", s, true);      /* sender, or any recipient */
    else if (pn_valid_domain("domain", s, NULL))
        ok = goto_either(q, "domain:", "sender:@", s, false);  /* a recipient's, or the sender's */
out:
    pn_str_free(&t);
    return ok;
}

