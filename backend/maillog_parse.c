/* maillog_parse.c - one mail log line into time, host, program, pid, QID,
 * kind and the fields traces need (pn_logline_parse), without allocating.
 *
 * Formats: BSD syslog "Jun  3 10:40:57" (and postlogd "Jun 03"), RFC 3339
 * "2022-01-08T19:42:12.572958+00:00" (fraction optional; Z, +hh:mm or +hhmm;
 * no zone = local time, also with a space instead of 'T'), the rspamd log
 * file "2026-11-22 01:44:13 #2132(rspamd_proxy) <tag>; module; func: text",
 * with optional "<PRI>" before the time, FreeBSD "<fac.pri>" after it and
 * Solaris "[ID n fac.pri]" before the text. The message part is recognised
 * for Postfix (any program with a '/': postfix/smtpd, postfix-out/smtp,
 * postfix/submission/smtpd, /postfix-script), rspamd and Dovecot.
 *
 * Cheap first: the program and the "QID: " shape are checked before any
 * field is looked for, and every scan is bounded by the line's length. The
 * spans point into the line, except program "rspamd" for rspamd's own log
 * file (it names no program), which points at a static string. */
#include <string.h>
#include <time.h>

#include "maillog.h"

#define LIT(s) (s), (sizeof(s) - 1)

static const pn_span no_span = {"", 0};

static pn_span mkspan(const char *p, const char *e)
{
    pn_span s = {p, (uint32_t)(e - p)};
    return s;
}

static bool has_prefix(const char *p, const char *e, const char *lit, size_t n)
{
    return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

static bool span_is(pn_span s, const char *lit, size_t n)
{
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

static const char *find(const char *p, const char *e, const char *lit, size_t n)
{
    if (p >= e)
        return NULL;
    return memmem(p, (size_t)(e - p), lit, n);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* n digits at p as a number; -1 if not all digits or not enough room. */
static int digits(const char *p, const char *e, int n)
{
    if (e - p < n)
        return -1;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* ---- Queue IDs ------------------------------------------------------------ */

/* Long queue IDs: digits and consonants (no vowels), a 'z' between the time
 * and the inode parts. */
static bool long_qid_char(char c)
{
    if (is_digit(c))
        return true;
    char l = (char)(c | 0x20);
    if (l < 'a' || l > 'z')
        return false;
    return l != 'a' && l != 'e' && l != 'i' && l != 'o' && l != 'u';
}

bool pn_log_is_qid(const char *s, size_t n)
{
    if (!s || n < 6 || n > 64)
        return false;
    bool hex = true, lng = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(is_digit(c) || (c >= 'A' && c <= 'F')))
            hex = false;
        if (!long_qid_char(c))
            lng = false;
        if (!hex && !lng)
            return false;
    }
    if (hex)
        return true;
    /* Long IDs (enable_long_queue_ids) have a 'z' between the time and the
     * inode parts; generators and other tools write them without, and no
     * word of 12 characters lacks a vowel, so the alphabet and length
     * decide. */
    return lng && n >= 12;
}

/* ---- Time ------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The local zone's offset for a wall-clock time, cached per hour (mktime
 * is slow; a thread keeps its own cache). */
static _Thread_local int64_t tz_cache_hour = INT64_MIN;
static _Thread_local int64_t tz_cache_off;

static int64_t local_offset(int64_t naive)
{
    int64_t hour = naive / 3600;
    if (hour == tz_cache_hour)
        return tz_cache_off;
    time_t t = (time_t)naive;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return 0;
    tm.tm_isdst = -1;
    time_t local = mktime(&tm);
    int64_t off = local == (time_t)-1 ? 0 : naive - (int64_t)local;
    tz_cache_hour = hour;
    tz_cache_off = off;
    return off;
}

static bool valid_time(int mo, int d, int h, int mi, int s)
{
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 &&
           s >= 0 && s <= 60;
}

static int64_t naive_seconds(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* "HH:MM:SS" */
static bool parse_hms(const char *p, const char *e, int *h, int *mi, int *s)
{
    if (e - p < 8 || p[2] != ':' || p[5] != ':')
        return false;
    *h = digits(p, e, 2);
    *mi = digits(p + 3, e, 2);
    *s = digits(p + 6, e, 2);
    return *h >= 0 && *mi >= 0 && *s >= 0;
}

/* "YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+hh:mm|+hhmm]" at *pp; moves *pp past it. */
static bool parse_iso(const char **pp, const char *e, int64_t *us)
{
    const char *p = *pp;
    if (e - p < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' '))
        return false;
    int y = digits(p, e, 4), mo = digits(p + 5, e, 2), d = digits(p + 8, e, 2);
    int h, mi, s;
    if (y < 0 || mo < 0 || d < 0 || !parse_hms(p + 11, e, &h, &mi, &s) || !valid_time(mo, d, h, mi, s))
        return false;
    p += 19;
    int64_t frac = 0;
    if (p < e && (*p == '.' || *p == ',')) {
        p++;
        int nd = 0;
        while (p < e && is_digit(*p)) {
            if (nd < 6) {
                frac = frac * 10 + (*p - '0');
                nd++;
            }
            p++;
        }
        if (nd == 0)
            return false;
        for (; nd < 6; nd++)
            frac *= 10;
    }
    int64_t naive = naive_seconds(y, mo, d, h, mi, s);
    int64_t off;
    if (p < e && *p == 'Z') {
        off = 0;
        p++;
    } else if (p < e && (*p == '+' || *p == '-')) {
        int sign = *p == '-' ? -1 : 1;
        int oh = digits(p + 1, e, 2), om;
        if (oh < 0)
            return false;
        if (e - p >= 6 && p[3] == ':') {
            om = digits(p + 4, e, 2);
            p += 6;
        } else {
            om = digits(p + 3, e, 2);
            p += 5;
        }
        if (om < 0 || oh > 23 || om > 59)
            return false;
        off = sign * (oh * 3600 + om * 60);
    } else {
        off = local_offset(naive);
    }
    *us = (naive - off) * 1000000 + frac;
    *pp = p;
    return true;
}

static int month_index(const char *p)
{
    /* Case as syslog writes it: "Jan" .. "Dec". */
    switch (p[0]) {
    case 'J':
        if (p[1] == 'a' && p[2] == 'n') return 0;
        if (p[1] == 'u' && p[2] == 'n') return 5;
        if (p[1] == 'u' && p[2] == 'l') return 6;
        return -1;
    case 'F': return p[1] == 'e' && p[2] == 'b' ? 1 : -1;
    case 'M':
        if (p[1] == 'a' && p[2] == 'r') return 2;
        if (p[1] == 'a' && p[2] == 'y') return 4;
        return -1;
    case 'A':
        if (p[1] == 'p' && p[2] == 'r') return 3;
        if (p[1] == 'u' && p[2] == 'g') return 7;
        return -1;
    case 'S': return p[1] == 'e' && p[2] == 'p' ? 8 : -1;
    case 'O': return p[1] == 'c' && p[2] == 't' ? 9 : -1;
    case 'N': return p[1] == 'o' && p[2] == 'v' ? 10 : -1;
    case 'D': return p[1] == 'e' && p[2] == 'c' ? 11 : -1;
    default: return -1;
    }
}

static void year_month_of(int64_t unix_s, int *year, int *month)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (!localtime_r(&t, &tm)) {
        *year = 1970;
        *month = 0;
        return;
    }
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon;
}

void pn_logparse_init(pn_logparse_ctx *pc, int64_t file_mtime)
{
    pc->mtime = file_mtime;
    pc->last_month = -1;
    int m;
    year_month_of(file_mtime, &pc->year, &m);
}

/* The year of an undated line in month mon (0-11). The first line is in the
 * mtime's year unless its month is after the mtime's month (then the year
 * before); later a month far behind the last one (Dec -> Jan) is the next
 * year. Small steps back (lines out of order at a month's end) are not. */
static int infer_year(pn_logparse_ctx *pc, int mon)
{
    if (!pc) {
        int y, m;
        year_month_of((int64_t)time(NULL), &y, &m);
        return mon > m ? y - 1 : y;
    }
    if (pc->last_month < 0) {
        int y, m;
        year_month_of(pc->mtime, &y, &m);
        pc->year = mon > m ? y - 1 : y;
        pc->last_month = mon;
    } else if (mon < pc->last_month && pc->last_month - mon > 6) {
        pc->year++;
        pc->last_month = mon;
    } else if (mon > pc->last_month && mon - pc->last_month > 6) {
        return pc->year - 1;       /* a late line from before the wrap */
    } else {
        pc->last_month = mon;
    }
    return pc->year;
}

/* "Jun  3 10:40:57", "Jun 03 10:40:57", "Jun 3 10:40:57" */
static bool parse_bsd(pn_logparse_ctx *pc, const char **pp, const char *e, int64_t *us)
{
    const char *p = *pp;
    if (e - p < 14 || p[3] != ' ')
        return false;
    int mon = month_index(p);
    if (mon < 0)
        return false;
    p += 4;
    int d;
    if (*p == ' ' && is_digit(p[1])) {
        d = p[1] - '0';
        p += 2;
    } else if (is_digit(*p) && p + 1 < e && is_digit(p[1])) {
        d = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
    } else if (is_digit(*p)) {
        d = *p - '0';
        p += 1;
    } else {
        return false;
    }
    if (p >= e || *p != ' ')
        return false;
    p++;
    int h, mi, s;
    if (!parse_hms(p, e, &h, &mi, &s) || !valid_time(mon + 1, d, h, mi, s))
        return false;
    p += 8;
    /* ISO-ish syslog variants append ".frac" rarely; accept and drop */
    int64_t frac = 0;
    if (p < e && *p == '.') {
        const char *q = p + 1;
        int nd = 0;
        while (q < e && is_digit(*q)) {
            if (nd < 6) {
                frac = frac * 10 + (*q - '0');
                nd++;
            }
            q++;
        }
        if (nd > 0) {
            for (; nd < 6; nd++)
                frac *= 10;
            p = q;
        } else {
            frac = 0;
        }
    }
    int y = infer_year(pc, mon);
    int64_t naive = naive_seconds(y, mon + 1, d, h, mi, s);
    *us = (naive - local_offset(naive)) * 1000000 + frac;
    *pp = p;
    return true;
}

/* ---- Key=value fields -------------------------------------------------------- */

/* The value at p: "<...>" (the whole bracket, for the caller to strip) or
 * up to ',' / ' ' / end. */
static const char *value_end(const char *p, const char *e)
{
    if (p < e && *p == '<') {
        const char *gt = memchr(p, '>', (size_t)(e - p));
        if (gt)
            return gt + 1;
    }
    while (p < e && *p != ',' && *p != ' ')
        p++;
    return p;
}

static pn_span strip_angle(pn_span s)
{
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>') {
        s.p++;
        s.n -= 2;
    }
    return s;
}

/* NAME[IP] or NAME[IP]:PORT */
static void split_client(pn_span v, pn_span *name, pn_span *ip)
{
    const char *e = v.p + v.n;
    const char *lb = memchr(v.p, '[', v.n);
    if (!lb) {
        *name = v;
        return;
    }
    const char *rb = memchr(lb, ']', (size_t)(e - lb));
    *name = mkspan(v.p, lb);
    if (rb)
        *ip = mkspan(lb + 1, rb);
}

/* "queued as X" in a reply: X is the alphanumeric token. */
static void find_queued_as(pn_logline *o)
{
    const char *e = o->reply.p + o->reply.n;
    const char *q = find(o->reply.p, e, LIT("queued as "));
    if (q) {
        const char *s = q + 10, *t = s;
        while (t < e && is_alnum(*t))
            t++;
        if (t > s)
            o->queued_as = mkspan(s, t);
    }
    if (has_prefix(o->reply.p, e, LIT("forwarded as "))) {
        const char *s = o->reply.p + 13, *t = s;
        while (t < e && is_alnum(*t))
            t++;
        if (t > s)
            o->forwarded_as = mkspan(s, t);
    }
    /* LMTP to Dovecot: "250 2.0.0 <rcpt> SESSION Saved" */
    const char *sv = find(o->reply.p, e, LIT(" Saved"));
    if (sv && has_prefix(o->reply.p, e, LIT("250 "))) {
        const char *s = sv;
        while (s > o->reply.p && s[-1] != ' ')
            s--;
        if (s < sv && s > o->reply.p && s[-2] == '>')
            o->lmtp_session = mkspan(s, sv);
    }
}

/* "key=value, key=value status=word (reply)" until a token that is not
 * key=. */
static void parse_kv(pn_logline *o, const char *p, const char *e)
{
    while (p < e) {
        while (p < e && (*p == ',' || *p == ' '))
            p++;
        const char *k = p;
        while (p < e && (is_alnum(*p) || *p == '_' || *p == '-'))
            p++;
        if (p >= e || *p != '=' || p == k)
            return;
        pn_span key = mkspan(k, p);
        p++;
        const char *ve = value_end(p, e);
        pn_span v = mkspan(p, ve);
        switch (key.n) {
        case 2:
            if (span_is(key, LIT("to"))) o->to = strip_angle(v);
            break;
        case 3:
            if (span_is(key, LIT("dsn"))) o->dsn = v;
            else if (span_is(key, LIT("uid"))) {}
            break;
        case 4:
            if (span_is(key, LIT("from"))) o->from = strip_angle(v);
            else if (span_is(key, LIT("size"))) o->size = v;
            break;
        case 5:
            if (span_is(key, LIT("relay"))) o->relay = v;
            else if (span_is(key, LIT("delay"))) o->delay = v;
            else if (span_is(key, LIT("nrcpt"))) o->nrcpt = v;
            break;
        case 6:
            if (span_is(key, LIT("delays"))) o->delays = v;
            else if (span_is(key, LIT("status"))) {
                o->status = v;
                const char *r = ve;
                while (r < e && *r == ' ')
                    r++;
                if (r < e && *r == '(') {
                    const char *re = e;
                    if (re[-1] == ')' && re - 1 > r)
                        re--;
                    o->reply = mkspan(r + 1, re);
                    find_queued_as(o);
                }
                return;
            } else if (span_is(key, LIT("client"))) {
                split_client(v, &o->client_name, &o->client_ip);
            }
            break;
        case 7:
            if (span_is(key, LIT("orig_to"))) o->orig_to = strip_angle(v);
            else if (span_is(key, LIT("orig_id"))) o->orig_id = v;
            break;
        case 13:
            if (span_is(key, LIT("sasl_username"))) o->sasl_username = v;
            else if (span_is(key, LIT("orig_queue_id"))) o->orig_queue_id = v;
            break;
        default:
            break;
        }
        p = ve;
    }
}

/* reject/milter/hold lines: "... from NAME[IP]: REPLY; from=<S> to=<R> proto=..." */
static void parse_reject(pn_logline *o, const char *p, const char *e)
{
    const char *fr = find(p, e, LIT(" from "));
    const char *semi = find(p, e, LIT("; from=<"));
    if (fr && (!semi || fr < semi)) {
        const char *ns = fr + 6, *ne = ns;
        while (ne < e && *ne != ' ' && *ne != ';')
            ne++;
        if (ne > ns && ne[-1] == ':')
            ne--;
        split_client(mkspan(ns, ne), &o->client_name, &o->client_ip);
        const char *r = ne;
        if (r < e && *r == ':')
            r++;
        while (r < e && *r == ' ')
            r++;
        o->reply = mkspan(r, semi ? semi : e);
    } else {
        o->reply = mkspan(p, semi ? semi : e);
    }
    if (semi) {
        parse_kv(o, semi + 2, e);
        if (o->reply.n == 0) {             /* cleanup: "...; from=<> to=<> ...: REASON" */
            const char *r = find(semi, e, LIT(">: "));
            if (r)
                o->reply = mkspan(r + 3, e);
        }
    }
}

/* ---- Programs -------------------------------------------------------------- */

static void parse_postfix_qid_line(pn_logline *o, const char *p, const char *e)
{
    pn_span d = o->daemon;
    if (p >= e)
        return;
    switch (*p) {
    case 'c':
        if (has_prefix(p, e, LIT("client="))) {
            o->kind = PN_LK_CLIENT;
            parse_kv(o, p, e);
            return;
        }
        if (has_prefix(p, e, LIT("conversation with ")))
            return;
        break;
    case 'u':
        if (has_prefix(p, e, LIT("uid="))) {
            o->kind = PN_LK_PICKUP;
            parse_kv(o, p, e);
            return;
        }
        break;
    case 'm':
        if (has_prefix(p, e, LIT("message-id="))) {
            o->kind = PN_LK_MESSAGE_ID;
            const char *v = p + 11;       /* without <>: the rest of the line */
            o->message_id = mkspan(v, v < e && *v == '<' ? value_end(v, e) : e);
            return;
        }
        if (has_prefix(p, e, LIT("milter-reject: ")) || has_prefix(p, e, LIT("milter-discard: ")) ||
            has_prefix(p, e, LIT("milter-hold: "))) {
            o->kind = PN_LK_MILTER;
            const char *c = memchr(p, ':', (size_t)(e - p));
            o->action = mkspan(p, c);
            parse_reject(o, c + 2, e);
            return;
        }
        break;
    case 'r':
        if (has_prefix(p, e, LIT("resent-message-id="))) {
            o->kind = PN_LK_MESSAGE_ID;
            const char *v = p + 18;
            o->message_id = mkspan(v, value_end(v, e));
            return;
        }
        if (has_prefix(p, e, LIT("reject: "))) {
            o->kind = PN_LK_REJECT;
            o->action = mkspan(p, p + 6);
            parse_reject(o, p + 8, e);
            return;
        }
        if (e - p == 7 && memcmp(p, "removed", 7) == 0) {
            if (span_is(d, LIT("postsuper"))) {
                o->kind = PN_LK_POSTSUPER;
                o->action = mkspan(p, e);
            } else {
                o->kind = PN_LK_REMOVED;
            }
            return;
        }
        if (span_is(d, LIT("postsuper")) && (e - p == 8 && memcmp(p, "requeued", 8) == 0)) {
            o->kind = PN_LK_POSTSUPER;
            o->action = mkspan(p, e);
            return;
        }
        if (span_is(d, LIT("postsuper")) && has_prefix(p, e, LIT("released from hold"))) {
            o->kind = PN_LK_POSTSUPER;
            o->action = mkspan(p, e);
            return;
        }
        break;
    case 'p':
        if (span_is(d, LIT("postsuper")) && has_prefix(p, e, LIT("placed on hold"))) {
            o->kind = PN_LK_POSTSUPER;
            o->action = mkspan(p, e);
            return;
        }
        if (has_prefix(p, e, LIT("postmaster "))) {
            const char *n = find(p, e, LIT("notification: "));
            if (n) {
                o->kind = PN_LK_NOTIFICATION;
                const char *s = n + 14, *t = s;
                while (t < e && is_alnum(*t))
                    t++;
                o->notification_qid = mkspan(s, t);
                return;
            }
        }
        break;
    case 's':
        if (has_prefix(p, e, LIT("sender "))) {
            const char *n = find(p, e, LIT("notification: "));
            if (n) {
                o->kind = PN_LK_NOTIFICATION;
                const char *s = n + 14, *t = s;
                while (t < e && is_alnum(*t))
                    t++;
                o->notification_qid = mkspan(s, t);
                return;
            }
        }
        break;
    case 'f':
        if (has_prefix(p, e, LIT("from="))) {
            parse_kv(o, p, e);
            if (span_is(o->status, LIT("expired")))
                o->kind = PN_LK_EXPIRED;
            else
                o->kind = PN_LK_QMGR_FROM;
            return;
        }
        break;
    case 't':
        if (has_prefix(p, e, LIT("to="))) {
            o->kind = PN_LK_DELIVERY;
            parse_kv(o, p, e);
            return;
        }
        break;
    case 'h':
        if (has_prefix(p, e, LIT("hold: "))) {
            o->kind = PN_LK_HOLD;
            o->action = mkspan(p, p + 4);
            parse_reject(o, p + 6, e);
            return;
        }
        break;
    default:
        break;
    }
}

static void parse_postfix(pn_logline *o, const char *p, const char *e)
{
    if (p >= e)
        return;
    bool warning = false;
    if (*p == 'w' && has_prefix(p, e, LIT("warning: "))) {
        warning = true;
        o->kind = PN_LK_WARNING;
        p += 9;
    }
    /* "QID: " or "NOQUEUE: " */
    const char *q = p;
    while (q < e && is_alnum(*q) && q - p <= 64)
        q++;
    if (q + 1 < e && *q == ':' && q[1] == ' ' && q > p) {
        size_t n = (size_t)(q - p);
        if (n == 7 && memcmp(p, "NOQUEUE", 7) == 0) {
            if (warning)
                return;
            const char *r = q + 2;
            if (has_prefix(r, e, LIT("reject: "))) {
                o->kind = PN_LK_REJECT;
                o->action = mkspan(r, r + 6);
                parse_reject(o, r + 8, e);
            } else if (has_prefix(r, e, LIT("milter-reject: "))) {
                o->kind = PN_LK_MILTER;
                o->action = mkspan(r, r + 13);
                parse_reject(o, r + 15, e);
            }
            return;
        }
        if (pn_log_is_qid(p, n)) {
            o->qid = mkspan(p, q);
            if (!warning)
                parse_postfix_qid_line(o, q + 2, e);
            return;
        }
    }
    if (warning)
        return;
    switch (*p) {
    case 'c':
        if (has_prefix(p, e, LIT("connect from "))) {
            o->kind = PN_LK_CONNECT;
            const char *s = p + 13;
            split_client(mkspan(s, value_end(s, e)), &o->client_name, &o->client_ip);
            return;
        }
        break;
    case 'd':
        if (has_prefix(p, e, LIT("disconnect from "))) {
            o->kind = PN_LK_DISCONNECT;
            const char *s = p + 16;
            split_client(mkspan(s, value_end(s, e)), &o->client_name, &o->client_ip);
            return;
        }
        break;
    case 'A': case 'T': case 'U': case 'V': {
        const char *t = find(p, e < p + 40 ? e : p + 40, LIT("TLS connection established "));
        if (t) {
            o->kind = PN_LK_TLS;
            const char *s = t + 27;
            if (has_prefix(s, e, LIT("from ")))
                s += 5;
            else if (has_prefix(s, e, LIT("to ")))
                s += 3;
            else
                return;
            const char *ve = s;
            while (ve < e && *ve != ' ' && *ve != ',')
                ve++;
            if (ve > s && ve[-1] == ':')
                ve--;
            split_client(mkspan(s, ve), &o->client_name, &o->client_ip);
        }
        break;
    }
    default:
        break;
    }
}

/* rspamd_task_write_log: id: <MID>, qid: <QID>, ip: IP, user: U, from: <S>,
 * (default: F (ACTION): [S/R] [SYMS]), len: ... */
static void parse_rspamd(pn_logline *o, const char *p, const char *e)
{
    const char *w = find(p, e, LIT("rspamd_task_write_log: "));
    if (!w) {
        /* rspamd_message_parse: ... queue-id: <QID> */
        const char *q = find(p, e, LIT("queue-id: <"));
        if (q) {
            const char *s = q + 11, *t = memchr(s, '>', (size_t)(e - s));
            if (t && pn_log_is_qid(s, (size_t)(t - s)))
                o->qid = mkspan(s, t);
        }
        return;
    }
    o->kind = PN_LK_RSPAMD;
    p = w + 23;
    /* the comma-separated "key: value" prefix until the "(metric: " part */
    while (p < e) {
        while (p < e && (*p == ' ' || *p == ','))
            p++;
        if (p < e && *p == '(')
            break;
        const char *k = p;
        while (p < e && *p != ':' && *p != ',' && *p != ' ' && *p != '(')
            p++;
        if (p + 1 >= e || *p != ':' || p[1] != ' ')
            break;
        pn_span key = mkspan(k, p);
        p += 2;
        const char *ve = value_end(p, e);
        pn_span v = mkspan(p, ve);
        if (span_is(key, LIT("id")))
            o->message_id = v;
        else if (span_is(key, LIT("qid"))) {
            pn_span qs = strip_angle(v);
            if (qs.n > 0)
                o->qid = qs;
        } else if (span_is(key, LIT("ip")))
            o->client_ip = v;
        else if (span_is(key, LIT("user")))
            o->sasl_username = v;
        else if (span_is(key, LIT("from")))
            o->from = strip_angle(v);
        p = ve;
    }
    /* "(default: F (no action): [0.90/15.00] [SYM(1.00){},...]), len: ..." */
    if (p >= e || *p != '(')
        return;
    const char *close = find(p, e, LIT("): ["));
    if (!close)
        return;
    const char *open = close;
    while (open > p && *open != '(')
        open--;
    if (open > p)
        o->action = mkspan(open + 1, close);
    const char *s = close + 4;
    const char *slash = s, *se;
    while (slash < e && *slash != '/' && *slash != ']')
        slash++;
    if (slash >= e || *slash != '/')
        return;
    o->score = mkspan(s, slash);
    se = slash + 1;
    while (se < e && *se != ']')
        se++;
    o->required = mkspan(slash + 1, se);
    if (se + 2 < e && se[1] == ' ' && se[2] == '[') {
        const char *ss = se + 3;
        const char *end = find(ss, e, LIT("]), "));
        if (!end) {
            end = e;
            if (end - ss >= 2 && end[-1] == ')' && end[-2] == ']')
                end -= 2;
        }
        o->symbols = mkspan(ss, end);
    }
}

/* lmtp(USER)<PID><SESSION>: Info: msgid=<MID> ...: saved mail to MBOX
 * lmtp(PID, USER): SESSION: msgid=<MID>: saved mail to MBOX (2.2)
 * ... sieve: msgid=<MID> ...: stored mail into mailbox 'MBOX' */
static void parse_dovecot(pn_logline *o, const char *p, const char *e)
{
    if (!has_prefix(p, e, LIT("lmtp(")))
        return;
    const char *u = p + 5;
    const char *ue = memchr(u, ')', (size_t)(e - u));
    if (!ue)
        return;
    const char *comma = memchr(u, ',', (size_t)(ue - u));
    if (comma) {
        u = comma + 1;
        while (u < ue && *u == ' ')
            u++;
    }
    const char *d = u;
    while (d < ue && is_digit(*d))
        d++;
    if (d < ue)                                /* not just a pid */
        o->user = mkspan(u, ue);
    const char *r = ue + 1;
    if (r < e && *r == '<') {
        const char *pe = memchr(r, '>', (size_t)(e - r));
        if (pe && pe + 1 < e && pe[1] == '<') {
            const char *ss = pe + 2, *se = memchr(ss, '>', (size_t)(e - ss));
            if (se) {
                o->lmtp_session = mkspan(ss, se);
                r = se + 1;
            }
        }
    } else if (r + 1 < e && r[0] == ':' && r[1] == ' ') {
        const char *ss = r + 2, *se = ss;
        while (se < e && *se != ':' && *se != ' ')
            se++;
        if (se < e && *se == ':' && se - ss >= 8 && !has_prefix(ss, e, LIT("Info")) &&
            !has_prefix(ss, e, LIT("sieve")) && !has_prefix(ss, e, LIT("msgid"))) {
            o->lmtp_session = mkspan(ss, se);
            r = se + 1;
        }
    }
    const char *m = find(r, e, LIT("msgid="));
    if (!m)
        return;
    const char *ms = m + 6;
    o->message_id = mkspan(ms, value_end(ms, e));
    const char *v = o->message_id.p + o->message_id.n;
    const char *fr = find(v, e, LIT(" from=<"));
    if (fr && fr - v < 4) {
        const char *fs = fr + 6;
        o->from = strip_angle(mkspan(fs, value_end(fs, e)));
    }
    const char *sv = find(v, e, LIT("saved mail to "));
    if (sv) {
        o->kind = PN_LK_DOVECOT;
        o->mailbox = mkspan(sv + 14, e);
        return;
    }
    sv = find(v, e, LIT("stored mail into mailbox '"));
    if (sv) {
        o->kind = PN_LK_DOVECOT;
        const char *bs = sv + 26;
        const char *be = e;
        if (be > bs && be[-1] == '\'')
            be--;
        o->mailbox = mkspan(bs, be);
    }
}

/* Milters and filters that prefix their lines with the queue ID (OpenDKIM,
 * OpenDMARC): "QID: text". */
static void parse_other_qid(pn_logline *o, const char *p, const char *e)
{
    const char *q = p;
    while (q < e && is_alnum(*q) && q - p <= 64)
        q++;
    if (q + 1 < e && *q == ':' && q[1] == ' ' && pn_log_is_qid(p, (size_t)(q - p)))
        o->qid = mkspan(p, q);
}

/* ---- The line --------------------------------------------------------------- */

#define E {"", 0}
static const pn_logline empty_line = {
    .ts_us = 0, .year_guessed = false, .host = E, .program = E, .instance = E, .daemon = E,
    .pid = -1, .qid = E, .text = E, .kind = PN_LK_OTHER,
    .client_name = E, .client_ip = E, .message_id = E, .from = E, .to = E, .orig_to = E,
    .relay = E, .delay = E, .delays = E, .dsn = E, .status = E, .reply = E, .size = E,
    .nrcpt = E, .sasl_username = E, .orig_queue_id = E, .orig_id = E, .queued_as = E,
    .forwarded_as = E, .notification_qid = E, .lmtp_session = E, .action = E, .score = E,
    .required = E, .symbols = E, .user = E, .mailbox = E,
};
#undef E

static void clear_line(pn_logline *o, const char *line, size_t len)
{
    *o = empty_line;
    if (line)
        o->text = mkspan(line, line + len);
}

static const char rspamd_name[] = "rspamd";

/* The rspamd log file: "#PID(type) <tag>; module; func: text" after the time. */
static bool parse_rspamd_file(pn_logline *o, const char *p, const char *e)
{
    if (p >= e || *p != '#')
        return false;
    const char *d = p + 1;
    int pid = 0;
    while (d < e && is_digit(*d) && pid < 100000000)
        pid = pid * 10 + (*d++ - '0');
    if (d == p + 1 || d >= e || *d != '(')
        return false;
    const char *te = memchr(d, ')', (size_t)(e - d));
    if (!te)
        return false;
    o->program = mkspan(rspamd_name, rspamd_name + 6);
    o->daemon = mkspan(d + 1, te);
    o->pid = pid;
    const char *t = te + 1;
    while (t < e && *t == ' ')
        t++;
    o->text = mkspan(t, e);
    parse_rspamd(o, t, e);
    return true;
}

bool pn_logline_parse(pn_logparse_ctx *pc, const char *line, size_t len, pn_logline *out)
{
    clear_line(out, line, len);
    if (!line || len == 0 || len > UINT32_MAX)
        return false;
    const char *p = line, *e = line + len;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    if (p < e && *p == '<') {                  /* <PRI> */
        const char *q = p + 1;
        while (q < e && is_digit(*q) && q - p < 5)
            q++;
        if (q < e && *q == '>' && q > p + 1) {
            p = q + 1;
            if (p + 1 < e && is_digit(*p) && p[1] == ' ')   /* RFC 5424 version */
                p += 2;
        }
    }
    int64_t us = 0;
    bool timed = false, iso = false;
    if (p < e && is_digit(*p)) {
        if (parse_iso(&p, e, &us)) {
            timed = true;
            iso = true;
        }
    } else if (p < e && *p >= 'A' && *p <= 'S') {
        if (parse_bsd(pc, &p, e, &us)) {
            timed = true;
            out->year_guessed = true;
        }
    }
    if (timed) {
        out->ts_us = us;
        while (p < e && *p == ' ')
            p++;
        if (iso && parse_rspamd_file(out, p, e))
            return true;
        if (p < e && *p == '<') {              /* FreeBSD <mail.info> */
            const char *gt = memchr(p, '>', (size_t)(e - p) < 32 ? (size_t)(e - p) : 32);
            if (gt) {
                p = gt + 1;
                while (p < e && *p == ' ')
                    p++;
            }
        }
        const char *h = p;
        while (p < e && *p != ' ')
            p++;
        if (p == h || p >= e)
            return false;
        out->host = mkspan(h, p);
        while (p < e && *p == ' ')
            p++;
    }
    /* program[pid]: or program: */
    const char *ps = p;
    while (p < e && *p != '[' && *p != ':' && *p != ' ')
        p++;
    if (p == ps || p >= e)
        goto unrecognised;
    const char *pe = p;
    int pid = -1;
    if (*p == '[') {
        p++;
        const char *ds = p;
        pid = 0;
        while (p < e && is_digit(*p) && p - ds < 9)
            pid = pid * 10 + (*p++ - '0');
        if (p == ds || p >= e || *p != ']')
            goto unrecognised;
        p++;
    }
    if (p >= e || *p != ':' || (p + 1 < e && p[1] != ' '))
        goto unrecognised;
    if (!timed && pid < 0 && !memchr(ps, '/', (size_t)(pe - ps)))
        goto unrecognised;                 /* "Subject: x" is not a log line */
    p++;
    if (p < e)
        p++;
    out->program = mkspan(ps, pe);
    out->pid = pid;
    const char *s1 = memchr(ps, '/', (size_t)(pe - ps));
    if (s1) {
        out->instance = mkspan(ps, s1);
        const char *d = pe;
        while (d[-1] != '/')
            d--;
        out->daemon = mkspan(d, pe);
    } else {
        out->daemon = out->program;
    }
    if (has_prefix(p, e, LIT("[ID "))) {       /* Solaris [ID n fac.pri] */
        const char *rb = memchr(p, ']', (size_t)(e - p));
        if (rb) {
            p = rb + 1;
            while (p < e && *p == ' ')
                p++;
        }
    }
    out->text = mkspan(p, e);
    if (s1)
        parse_postfix(out, p, e);
    else if (span_is(out->program, LIT("rspamd")))
        parse_rspamd(out, p, e);
    else if (span_is(out->program, LIT("dovecot")))
        parse_dovecot(out, p, e);
    else
        parse_other_qid(out, p, e);
    return true;

unrecognised:
    out->host = out->program = no_span;
    out->text = mkspan(line, e);
    return false;
}

const char *pn_lkind_str(pn_lkind k)
{
    static const char *const names[PN_LK_COUNT] = {
        [PN_LK_OTHER] = "other",
        [PN_LK_CONNECT] = "connect",
        [PN_LK_DISCONNECT] = "disconnect",
        [PN_LK_TLS] = "tls",
        [PN_LK_CLIENT] = "client",
        [PN_LK_PICKUP] = "pickup",
        [PN_LK_MESSAGE_ID] = "message-id",
        [PN_LK_QMGR_FROM] = "qmgr-from",
        [PN_LK_DELIVERY] = "delivery",
        [PN_LK_EXPIRED] = "expired",
        [PN_LK_NOTIFICATION] = "notification",
        [PN_LK_REMOVED] = "removed",
        [PN_LK_POSTSUPER] = "postsuper",
        [PN_LK_REJECT] = "reject",
        [PN_LK_MILTER] = "milter",
        [PN_LK_HOLD] = "hold",
        [PN_LK_RSPAMD] = "rspamd",
        [PN_LK_DOVECOT] = "dovecot",
        [PN_LK_WARNING] = "warning",
    };
    if ((unsigned)k >= PN_LK_COUNT)
        return "?";
    return names[k];
}
