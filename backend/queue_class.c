/* queue_class.c - derived queue facts: the class of a delay reason, Postfix
 * time values and queue lifetimes, and sorting a listed queue.
 *
 * Delay-reason classifier. A delay_reason is Postfix's own text, sometimes
 * followed by the remote server's reply ("host X[IP] said: 450 4.7.1 ...",
 * "host X[IP] refused to talk to me: 421 ..."). The reason is split at that
 * marker, and an ordered table of case-insensitive phrases is tried: each
 * phrase applies either to Postfix's own part or to the remote reply, and the
 * first match wins. A remote reply nothing matched is PN_QC_REMOTE_4XX (a 5xx
 * can only be a delay reason under soft_bounce, so it is temporary too);
 * anything else is PN_QC_OTHER. A leading "delivery temporarily suspended: "
 * (the destination is throttled after earlier failures) is removed first, so
 * the class is that of the failure that caused the suspension.
 * Decisions:
 *  - "No route to host", "Network is unreachable", "Host is unreachable" are
 *    PN_QC_REFUSED: like "Connection refused" they fail at once, without
 *    waiting (an ICMP reject or no local route), unlike a timeout.
 *  - "lost connection", "Connection reset by peer" and a dropped greeting are
 *    PN_QC_TIMEOUT (the conversation broke off), as queue.h defines.
 *  - TLS phrases are tested before DNS, refused and timeout ones, so that e.g.
 *    "TLS is required, but host X refused to start TLS" and "TLSA lookup
 *    error" are TLS.
 *  - Only the remote reply is searched for greylisting/rate-limit words, so a
 *    host name cannot trigger them, and a remote reply that quotes e.g.
 *    "Connection refused" (recipient verification) stays remote-4xx. */
#include "queue.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "postfix.h"
#include "util/mem.h"

/* ---- Class names --------------------------------------------------------- */

static const char *const qclass_names[PN_QC_COUNT] = {
    [PN_QC_NONE] = "none",       [PN_QC_REFUSED] = "refused", [PN_QC_TIMEOUT] = "timeout",
    [PN_QC_DNS] = "dns",         [PN_QC_TLS] = "tls",         [PN_QC_GREYLIST] = "greylist",
    [PN_QC_REMOTE_4XX] = "remote-4xx", [PN_QC_LOCAL] = "local", [PN_QC_HOLD] = "hold",
    [PN_QC_OTHER] = "other",
};

const char *pn_qclass_str(pn_qclass c)
{
    if ((int)c < 0 || c >= PN_QC_COUNT)
        return "other";
    return qclass_names[c];
}

bool pn_qclass_parse(const char *s, pn_qclass *out)
{
    if (!s)
        return false;
    for (int i = 0; i < PN_QC_COUNT; i++) {
        if (strcmp(s, qclass_names[i]) == 0) {
            if (out)
                *out = (pn_qclass)i;
            return true;
        }
    }
    return false;
}

/* ---- Classifier ---------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive (ASCII) search of needle (lower case) in hay[0..len). */
static const char *ci_find(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > len)
        return n == 0 ? hay : NULL;
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && lower((unsigned char)hay[i + k]) == needle[k])
            k++;
        if (k == n)
            return hay + i;
    }
    return NULL;
}

static bool ci_prefix(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (lower((unsigned char)*s) != *prefix)
            return false;
    return true;
}

typedef enum scope { OWN, REMOTE } scope;

typedef struct rule {
    scope where;
    const char *phrase;   /* lower case */
    pn_qclass cls;
} rule;

static const rule rules[] = {
    /* TLS (smtp_tls_security_level, DANE, certificate checks) */
    {OWN, "tls is required", PN_QC_TLS},
    {OWN, "cannot start tls", PN_QC_TLS},
    {OWN, "certificate verification failed", PN_QC_TLS},
    {OWN, "certificate not verified", PN_QC_TLS},
    {OWN, "certificate not trusted", PN_QC_TLS},
    {OWN, "untrusted issuer", PN_QC_TLS},
    {OWN, "tlsa lookup", PN_QC_TLS},
    {OWN, "ssl_connect error", PN_QC_TLS},
    {OWN, "tls handshake", PN_QC_TLS},
    {OWN, "tls library problem", PN_QC_TLS},
    {OWN, "tls engine", PN_QC_TLS},
    {REMOTE, "must issue a starttls", PN_QC_TLS},
    /* DNS */
    {OWN, "host or domain name not found", PN_QC_DNS},
    {OWN, "name service error", PN_QC_DNS},
    {OWN, "host not found", PN_QC_DNS},
    {OWN, "unable to look up host", PN_QC_DNS},
    {OWN, "name or service not known", PN_QC_DNS},
    {OWN, "temporary failure in name resolution", PN_QC_DNS},
    {OWN, "no mx host", PN_QC_DNS},
    {OWN, "valid address record", PN_QC_DNS},
    {OWN, "malformed name server reply", PN_QC_DNS},
    {OWN, "(nullmx)", PN_QC_DNS},
    /* Local: transport, lookup tables, loops, local delivery */
    {OWN, "mail transport unavailable", PN_QC_LOCAL},
    {OWN, "unknown mail transport error", PN_QC_LOCAL},
    {OWN, "temporary lookup failure", PN_QC_LOCAL},
    {OWN, "loops back to myself", PN_QC_LOCAL},
    {OWN, "local configuration error", PN_QC_LOCAL},
    {OWN, "mail system configuration error", PN_QC_LOCAL},
    {OWN, "lookup table", PN_QC_LOCAL},
    {OWN, "table lookup problem", PN_QC_LOCAL},
    {OWN, "lookup error", PN_QC_LOCAL},
    {OWN, "mail forwarding loop", PN_QC_LOCAL},
    {OWN, "unreasonable virtual_alias_maps", PN_QC_LOCAL},
    {OWN, "no space left on device", PN_QC_LOCAL},
    {OWN, "insufficient system resources", PN_QC_LOCAL},
    {OWN, "permission denied", PN_QC_LOCAL},
    {OWN, "no such file or directory", PN_QC_LOCAL},
    {OWN, "cannot update mailbox", PN_QC_LOCAL},
    {OWN, "command died with status", PN_QC_LOCAL},
    {OWN, "command time limit exceeded", PN_QC_LOCAL},
    /* Refused: the connection failed at once */
    {OWN, "connection refused", PN_QC_REFUSED},
    {OWN, "no route to host", PN_QC_REFUSED},
    {OWN, "network is unreachable", PN_QC_REFUSED},
    {OWN, "host is unreachable", PN_QC_REFUSED},
    /* Timeout: connect or conversation timed out, connection lost */
    {OWN, "timed out", PN_QC_TIMEOUT},
    {OWN, "timeout", PN_QC_TIMEOUT},
    {OWN, "lost connection", PN_QC_TIMEOUT},
    {OWN, "connection reset", PN_QC_TIMEOUT},
    {OWN, "dropped connection", PN_QC_TIMEOUT},
    /* Greylisting and rate limits, in the remote server's reply */
    {REMOTE, "greylist", PN_QC_GREYLIST},
    {REMOTE, "graylist", PN_QC_GREYLIST},
    {REMOTE, "grey-list", PN_QC_GREYLIST},
    {REMOTE, "gray-list", PN_QC_GREYLIST},
    {REMOTE, "grey list", PN_QC_GREYLIST},
    {REMOTE, "gray list", PN_QC_GREYLIST},
    {REMOTE, "try again later", PN_QC_GREYLIST},
    {REMOTE, "try later", PN_QC_GREYLIST},
    {REMOTE, "retry later", PN_QC_GREYLIST},
    {REMOTE, "rate limit", PN_QC_GREYLIST},
    {REMOTE, "ratelimit", PN_QC_GREYLIST},
    {REMOTE, "rate-limit", PN_QC_GREYLIST},
    {REMOTE, "too many connections", PN_QC_GREYLIST},
    {REMOTE, "too many concurrent", PN_QC_GREYLIST},
    {REMOTE, "too many messages", PN_QC_GREYLIST},
    {REMOTE, "4.7.28", PN_QC_GREYLIST},
    {REMOTE, "unusual rate", PN_QC_GREYLIST},
    {REMOTE, "at a rate", PN_QC_GREYLIST},
    {REMOTE, "temporarily deferred", PN_QC_GREYLIST},
    {REMOTE, "throttl", PN_QC_GREYLIST},
    {REMOTE, "too fast", PN_QC_GREYLIST},
};

#define SUSPENDED "delivery temporarily suspended: "

pn_qclass pn_qclass_of_reason(const char *reason)
{
    if (!reason || !*reason)
        return PN_QC_NONE;
    const char *s = reason;
    while (ci_prefix(s, SUSPENDED))
        s += strlen(SUSPENDED);
    size_t len = strlen(s);
    if (len == 0)
        return PN_QC_OTHER;

    /* Split Postfix's own words from the remote server's reply. */
    static const char *const markers[] = {"said: ", "refused to talk to me: "};
    size_t own_len = len;
    const char *remote = NULL;
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        const char *m = ci_find(s, len, markers[i]);
        if (m && (size_t)(m - s) < own_len) {
            own_len = (size_t)(m - s);
            remote = m + strlen(markers[i]);
        }
    }
    size_t remote_len = remote ? len - (size_t)(remote - s) : 0;

    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const rule *r = &rules[i];
        if (r->where == OWN ? ci_find(s, own_len, r->phrase) != NULL
                            : remote && ci_find(remote, remote_len, r->phrase) != NULL)
            return r->cls;
    }
    return remote ? PN_QC_REMOTE_4XX : PN_QC_OTHER;
}

/* ---- Postfix time values ------------------------------------------------- */

static int64_t unit_seconds(char u)
{
    switch (u) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return -1;
    }
}

int64_t pn_postfix_time(const char *value, char default_unit)
{
    int64_t dmult = unit_seconds(default_unit);
    if (!value || dmult < 0)
        return -1;
    const char *p = value;
    if (*p < '0' || *p > '9')
        return -1;
    int64_t n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (n > (INT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    int64_t mult = dmult;
    if (*p) {
        mult = unit_seconds(*p);
        if (mult < 0 || p[1] != '\0')
            return -1;
    }
    if (n > INT64_MAX / mult)
        return -1;
    return n * mult;
}

bool pn_qlimits_read(pn_ctx *ctx, pn_qlimits *out, pn_err *err)
{
    const char *names[2] = {"maximal_queue_lifetime", "bounce_queue_lifetime"};
    char *values[2] = {NULL, NULL};
    if (!pn_postfix_params(ctx, names, 2, values, err))
        return false;
    int64_t secs[2];
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
        secs[i] = pn_postfix_time(values[i], 'd');
        if (secs[i] < 0)
            ok = pn_err_set(err, PN_E_INVALID,
                            "%s: '%.60s' is not a Postfix time value (a number with an "
                            "optional unit s, m, h, d or w)",
                            names[i], values[i] ? values[i] : "");
    }
    free(values[0]);
    free(values[1]);
    if (!ok)
        return false;
    out->maximal_queue_lifetime = secs[0];
    out->bounce_queue_lifetime = secs[1];
    return true;
}

int64_t pn_qentry_time_left(const pn_qentry *e, const pn_qlimits *lim, int64_t now)
{
    if (e->forced_expire)
        return 0;
    /* Postfix's defaults when the caller has no limits. */
    int64_t max_life = lim ? lim->maximal_queue_lifetime : 5 * 86400;
    int64_t bounce_life = lim ? lim->bounce_queue_lifetime : 5 * 86400;
    bool null_sender = pn_qentry_null_sender(e);
    return e->arrival + (null_sender ? bounce_life : max_life) - now;
}

/* ---- Sorting ------------------------------------------------------------- */

bool pn_qsort_parse(const char *s, pn_qsort *out)
{
    static const struct {
        const char *name;
        pn_qsort key;
    } names[] = {
        {"none", PN_QS_NONE},     {"age", PN_QS_AGE},       {"size", PN_QS_SIZE},
        {"sender", PN_QS_SENDER}, {"rcpt", PN_QS_RCPT},     {"reason", PN_QS_REASON},
        {"queue", PN_QS_QUEUE},   {"id", PN_QS_ID},         {"class", PN_QS_CLASS},
        {"time-left", PN_QS_TIME_LEFT},
    };
    if (!s)
        return false;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            if (out)
                *out = names[i].key;
            return true;
        }
    }
    return false;
}

typedef struct sort_ctx {
    pn_qsort key;
    bool reverse;
    const pn_qlimits *lim;
    int64_t now;
} sort_ctx;

static int ci_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = lower((unsigned char)*a), cb = lower((unsigned char)*b);
        if (ca != cb || ca == 0)
            return ca < cb ? -1 : ca > cb ? 1 : 0;
    }
}

static int i64_cmp(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static const char *first_rcpt(const pn_qentry *e)
{
    return e->n_rcpts ? e->rcpts[0].address : NULL;
}

/* The first recipient's delay reason that is present (as for e->cls). */
static const char *first_reason(const pn_qentry *e)
{
    for (size_t i = 0; i < e->n_rcpts; i++)
        if (e->rcpts[i].reason && e->rcpts[i].reason[0])
            return e->rcpts[i].reason;
    return NULL;
}

/* Compare two optional strings: a missing value sorts last in both
 * directions; present values compare case-insensitively. */
static int opt_str_cmp(const char *a, const char *b, bool reverse)
{
    if (!a || !b)
        return (a == NULL) - (b == NULL);
    int r = ci_cmp(a, b);
    return reverse ? -r : r;
}

static int entry_cmp(const sort_ctx *c, const pn_qentry *a, const pn_qentry *b)
{
    int r = 0;
    switch (c->key) {
    case PN_QS_NONE: return 0;
    case PN_QS_AGE: r = i64_cmp(a->arrival, b->arrival); break;     /* oldest first */
    case PN_QS_SIZE: r = i64_cmp(b->size, a->size); break;          /* biggest first */
    case PN_QS_SENDER: r = ci_cmp(a->sender ? a->sender : "", b->sender ? b->sender : ""); break;
    case PN_QS_RCPT: return opt_str_cmp(first_rcpt(a), first_rcpt(b), c->reverse);
    case PN_QS_REASON: return opt_str_cmp(first_reason(a), first_reason(b), c->reverse);
    case PN_QS_QUEUE:
        r = i64_cmp(a->queue, b->queue);
        if (r == 0 && a->queue == PN_QN_OTHER)
            r = strcmp(a->queue_raw ? a->queue_raw : "", b->queue_raw ? b->queue_raw : "");
        break;
    case PN_QS_ID: r = strcmp(a->qid ? a->qid : "", b->qid ? b->qid : ""); break;
    case PN_QS_CLASS: r = i64_cmp(a->cls, b->cls); break;
    case PN_QS_TIME_LEFT:
        r = i64_cmp(pn_qentry_time_left(a, c->lim, c->now),
                    pn_qentry_time_left(b, c->lim, c->now));
        break;
    }
    if (r > 0)
        r = 1;
    else if (r < 0)
        r = -1;
    return c->reverse ? -r : r;
}

/* Stable merge sort of v[0..n) using tmp (n entries) as scratch. */
static void merge_sort(const sort_ctx *c, pn_qentry *v, pn_qentry *tmp, size_t n)
{
    if (n < 2)
        return;
    if (n <= 8) {   /* insertion sort: stable, cheap for small runs */
        for (size_t i = 1; i < n; i++) {
            pn_qentry x = v[i];
            size_t k = i;
            while (k > 0 && entry_cmp(c, &v[k - 1], &x) > 0) {
                v[k] = v[k - 1];
                k--;
            }
            v[k] = x;
        }
        return;
    }
    size_t mid = n / 2;
    merge_sort(c, v, tmp, mid);
    merge_sort(c, v + mid, tmp, n - mid);
    if (entry_cmp(c, &v[mid - 1], &v[mid]) <= 0)
        return;
    memcpy(tmp, v, n * sizeof(*v));
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        v[k++] = entry_cmp(c, &tmp[j], &tmp[i]) < 0 ? tmp[j++] : tmp[i++];
    while (i < mid)
        v[k++] = tmp[i++];
    while (j < n)
        v[k++] = tmp[j++];
}

void pn_qlist_sort(pn_qlist *l, pn_qsort key, bool reverse, const pn_qlimits *lim, int64_t now)
{
    if (!l || l->n < 2)
        return;
    if (key == PN_QS_NONE) {
        if (reverse)
            for (size_t i = 0, j = l->n - 1; i < j; i++, j--) {
                pn_qentry t = l->items[i];
                l->items[i] = l->items[j];
                l->items[j] = t;
            }
        return;
    }
    sort_ctx c = {key, reverse, lim, now};
    pn_qentry *tmp = pn_malloc(l->n * sizeof(*tmp));
    merge_sort(&c, l->items, tmp, l->n);
    free(tmp);
}
