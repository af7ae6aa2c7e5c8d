/* timearg.c - parse the times users type (--since, --until, since:/until:
 * filter terms): RFC 3339, local dates and times, HH:MM today, or an age. */
#include "util/timearg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool pn_time_parse_arg(const char *s, int64_t now_s, int64_t *us)
{
    size_t n = strlen(s);
    if (!n)
        return false;
    /* relative: N[smhdw] ago */
    if (isdigit((unsigned char)s[0]) && n <= 12 && strchr("smhdw", s[n - 1])) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s + n - 1 && v >= 0) {
            int64_t mul = s[n - 1] == 's' ? 1 : s[n - 1] == 'm' ? 60 : s[n - 1] == 'h' ? 3600
                          : s[n - 1] == 'd' ? 86400 : 604800;
            *us = (now_s - (int64_t)v * mul) * 1000000;
            return true;
        }
    }
    /* HH:MM today (local time) */
    if (n == 5 && s[2] == ':') {
        int h = digits(s, 2), mi = digits(s + 3, 2);
        if (h < 0 || h > 23 || mi < 0 || mi > 59)
            return false;
        time_t now = (time_t)now_s;
        struct tm tm;
        localtime_r(&now, &tm);
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = 0;
        tm.tm_isdst = -1;
        *us = (int64_t)mktime(&tm) * 1000000;
        return true;
    }
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = 0, mi = 0, se = 0;
    int64_t frac = 0;
    const char *p = s + 10;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (strlen(p) < 5 || p[2] != ':')
            return false;
        h = digits(p, 2);
        mi = digits(p + 3, 2);
        p += 5;
        if (*p == ':') {
            se = digits(p + 1, 2);
            p += 3;
            if (*p == '.') {
                int64_t scale = 100000;
                for (p++; isdigit((unsigned char)*p); p++) {
                    frac += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
            return false;
    }
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    int64_t t;
    if (*p == 'Z' || *p == 'z') {
        t = (int64_t)timegm(&tm);
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh = digits(p + 1, 2), om = -1;
        if (oh < 0)
            return false;
        if (p[3] == ':')
            om = digits(p + 4, 2), p += 6;
        else
            om = digits(p + 3, 2), p += 5;
        if (om < 0)
            return false;
        t = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
    } else {
        tm.tm_isdst = -1;
        t = (int64_t)mktime(&tm);
    }
    if (*p)
        return false;
    *us = t * 1000000 + frac;
    return true;
}
