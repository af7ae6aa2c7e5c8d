/* maillog_journal.c - a `journalctl -o json` line into the syslog-style text
 * the parser reads: "2026-11-22T01:44:13.123456+00:00 host ident[pid]: MESSAGE".
 *
 * Fields used: __REALTIME_TIMESTAMP (microseconds since the epoch, a string),
 * _HOSTNAME, SYSLOG_IDENTIFIER (else _COMM), SYSLOG_PID (else _PID) and
 * MESSAGE, which is a string or, when it is not valid text, an array of byte
 * values. Newlines inside MESSAGE become spaces (one record = one line).
 * The object is flat; nested values are skipped. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maillog.h"
#include "maillog_internal.h"

bool pn_journal_is_json(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return i + 1 < len && line[i] == '{' && (line[i + 1] == '"' || line[i + 1] == ' ');
}

typedef struct jscan {
    const char *p, *e;
} jscan;

static void skip_ws(jscan *s)
{
    while (s->p < s->e && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
        s->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool hex4(const char *p, const char *e, unsigned *v)
{
    if (e - p < 4)
        return false;
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return false;
        x = x * 16 + (unsigned)h;
    }
    *v = x;
    return true;
}

static void put_utf8(pn_str *out, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    pn_str_appendn(out, b, n);
}

/* A JSON string at s->p (at the opening quote), decoded into out when out
 * is not NULL. */
static bool scan_string(jscan *s, pn_str *out, bool newline_to_space)
{
    if (s->p >= s->e || *s->p != '"')
        return false;
    s->p++;
    while (s->p < s->e) {
        const char *run = s->p;
        while (s->p < s->e && *s->p != '"' && *s->p != '\\')
            s->p++;
        if (out && s->p > run)
            pn_str_appendn(out, run, (size_t)(s->p - run));
        if (s->p >= s->e)
            return false;
        if (*s->p == '"') {
            s->p++;
            return true;
        }
        s->p++;                                  /* backslash */
        if (s->p >= s->e)
            return false;
        char c = *s->p++;
        char lit = 0;
        switch (c) {
        case 'n': lit = newline_to_space ? ' ' : '\n'; break;
        case 't': lit = '\t'; break;
        case 'r': lit = newline_to_space ? ' ' : '\r'; break;
        case 'b': lit = '\b'; break;
        case 'f': lit = '\f'; break;
        case '/': lit = '/'; break;
        case '\\': lit = '\\'; break;
        case '"': lit = '"'; break;
        case 'u': {
            unsigned cp;
            if (!hex4(s->p, s->e, &cp))
                return false;
            s->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (s->e - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u' &&
                    hex4(s->p + 2, s->e, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                    s->p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            if (out)
                put_utf8(out, cp);
            continue;
        }
        default: lit = c; break;
        }
        if (out)
            pn_str_appendc(out, lit);
    }
    return false;
}

/* Any value; strings and byte arrays go to out (when not NULL), numbers as
 * their text. Nested objects and arrays of other things are skipped. */
static bool scan_value(jscan *s, pn_str *out, bool newline_to_space)
{
    skip_ws(s);
    if (s->p >= s->e)
        return false;
    char c = *s->p;
    if (c == '"')
        return scan_string(s, out, newline_to_space);
    if (c == '[' || c == '{') {
        char open = c, close = c == '[' ? ']' : '}';
        int depth = 0;
        bool bytes = c == '[';
        s->p++;
        depth = 1;
        long cur = -1;
        while (s->p < s->e && depth > 0) {
            char d = *s->p;
            if (d == '"') {
                bytes = false;
                if (!scan_string(s, NULL, false))
                    return false;
                continue;
            }
            if (d == open || d == '[' || d == '{') {
                depth++;
                bytes = false;
            } else if (d == close || d == ']' || d == '}') {
                depth--;
            }
            if (depth == 1 && d >= '0' && d <= '9') {
                cur = cur > 255 ? cur : (cur < 0 ? 0 : cur * 10) + (d - '0');
                if (cur > 255)
                    bytes = false;
            } else if (cur >= 0) {
                if (bytes && out) {
                    char b = (char)cur;
                    if (newline_to_space && (b == '\n' || b == '\r'))
                        b = ' ';
                    pn_str_appendc(out, b);
                }
                cur = -1;
            }
            s->p++;
        }
        return depth == 0;
    }
    const char *v = s->p;
    while (s->p < s->e && *s->p != ',' && *s->p != '}' && *s->p != ' ')
        s->p++;
    if (out && !(s->p - v == 4 && memcmp(v, "null", 4) == 0))
        pn_str_appendn(out, v, (size_t)(s->p - v));
    return s->p > v;
}

static bool key_is(const pn_str *k, const char *lit)
{
    return k->len == strlen(lit) && memcmp(k->s, lit, k->len) == 0;
}

bool pn_journal_to_syslog(const char *line, size_t len, pn_str *out)
{
    pn_str key = PN_STR_INIT, ts = PN_STR_INIT, host = PN_STR_INIT, ident = PN_STR_INIT,
           comm = PN_STR_INIT, spid = PN_STR_INIT, pid = PN_STR_INIT, msg = PN_STR_INIT;
    bool have_msg = false, ok = false;
    jscan s = {line, line + len};
    skip_ws(&s);
    if (s.p >= s.e || *s.p != '{')
        goto done;
    s.p++;
    for (;;) {
        skip_ws(&s);
        if (s.p < s.e && *s.p == '}')
            break;
        pn_str_truncate(&key, 0);
        if (!scan_string(&s, &key, false))
            goto done;
        skip_ws(&s);
        if (s.p >= s.e || *s.p != ':')
            goto done;
        s.p++;
        pn_str *dst = NULL;
        bool nl = false;
        if (key_is(&key, "MESSAGE")) {
            dst = &msg;
            nl = true;
            have_msg = true;
        } else if (key_is(&key, "__REALTIME_TIMESTAMP")) {
            dst = &ts;
        } else if (key_is(&key, "_HOSTNAME")) {
            dst = &host;
        } else if (key_is(&key, "SYSLOG_IDENTIFIER")) {
            dst = &ident;
        } else if (key_is(&key, "_COMM")) {
            dst = &comm;
        } else if (key_is(&key, "SYSLOG_PID")) {
            dst = &spid;
        } else if (key_is(&key, "_PID")) {
            dst = &pid;
        }
        if (dst)
            pn_str_truncate(dst, 0);
        if (!scan_value(&s, dst, nl))
            goto done;
        skip_ws(&s);
        if (s.p < s.e && *s.p == ',') {
            s.p++;
            continue;
        }
        if (s.p < s.e && *s.p == '}')
            break;
        goto done;
    }
    if (!have_msg)
        goto done;
    ok = true;
done:
    pn_str_truncate(out, 0);
    if (!ok) {
        pn_str_appendn(out, line, len);
    } else {
        const char *tss = pn_str_cstr(&ts);
        char *endp;
        long long us = strtoll(tss, &endp, 10);
        if (*tss && *endp == '\0' && us > 0) {
            time_t sec = (time_t)(us / 1000000);
            struct tm tm;
            gmtime_r(&sec, &tm);
            pn_str_appendf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00 ", tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000);
        }
        pn_str_append(out, host.len ? host.s : "localhost");
        pn_str_appendc(out, ' ');
        const pn_str *id = ident.len ? &ident : comm.len ? &comm : NULL;
        pn_str_append(out, id ? id->s : "unknown");
        const pn_str *pd = spid.len ? &spid : pid.len ? &pid : NULL;
        if (pd)
            pn_str_appendf(out, "[%s]", pd->s);
        pn_str_append(out, ": ");
        if (msg.len)
            pn_str_appendn(out, msg.s, msg.len);
    }
    pn_str_free(&key);
    pn_str_free(&ts);
    pn_str_free(&host);
    pn_str_free(&ident);
    pn_str_free(&comm);
    pn_str_free(&spid);
    pn_str_free(&pid);
    pn_str_free(&msg);
    return ok;
}
