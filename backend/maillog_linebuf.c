/* maillog_linebuf.c - split a byte stream into lines with big reads and
 * memchr, cutting lines longer than PN_LOGLINE_MAX (the rest of such a
 * line is skipped and counted). Used by the log reader and the follower. */
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "maillog_internal.h"
#include "util/mem.h"

void pn_linebuf_init(pn_linebuf *lb, int64_t base)
{
    memset(lb, 0, sizeof(*lb));
    lb->cap = PN_LOGLINE_MAX + PN_LOGBUF_READ + 1;
    lb->buf = pn_malloc(lb->cap);
    lb->base = base;
}

void pn_linebuf_reset(pn_linebuf *lb, int64_t base)
{
    lb->start = lb->end = 0;
    lb->base = base;
    lb->skipping = false;
}

void pn_linebuf_free(pn_linebuf *lb)
{
    free(lb->buf);
    lb->buf = NULL;
}

size_t pn_linebuf_pending(const pn_linebuf *lb)
{
    return lb->end - lb->start;
}

/* Room for one more read: move the unread bytes to the front. */
static void compact(pn_linebuf *lb)
{
    if (lb->start == 0)
        return;
    size_t n = lb->end - lb->start;
    memmove(lb->buf, lb->buf + lb->start, n);
    lb->base += (int64_t)lb->start;
    lb->start = 0;
    lb->end = n;
}

/* 1 more data, 0 end, -1 error */
static int fill_more(pn_linebuf *lb, pn_linebuf_fill fill, void *src)
{
    if (lb->cap - 1 - lb->end < PN_LOGBUF_READ)
        compact(lb);
    size_t room = lb->cap - 1 - lb->end;
    ssize_t got = fill(src, lb->buf + lb->end, room);
    if (got < 0)
        return -1;
    if (got == 0)
        return 0;
    lb->end += (size_t)got;
    return 1;
}

static void give(pn_linebuf *lb, size_t from, size_t n, const char **line, size_t *len,
                 int64_t *off)
{
    char *p = lb->buf + from;
    size_t l = n;
    if (l > 0 && p[l - 1] == '\r')
        l--;
    p[l] = '\0';
    *line = p;
    *len = l;
    *off = lb->base + (int64_t)from;
}

int pn_linebuf_next(pn_linebuf *lb, pn_linebuf_fill fill, void *src, bool emit_partial,
                    const char **line, size_t *len, int64_t *off)
{
    for (;;) {
        if (lb->skipping) {
            char *nl = memchr(lb->buf + lb->start, '\n', lb->end - lb->start);
            if (nl) {
                lb->start = (size_t)(nl - lb->buf) + 1;
                lb->skipping = false;
            } else {
                lb->start = lb->end;
                int f = fill_more(lb, fill, src);
                if (f <= 0)
                    return f;
                continue;
            }
        }
        size_t avail = lb->end - lb->start;
        char *s = lb->buf + lb->start;
        char *nl = memchr(s, '\n', avail < PN_LOGLINE_MAX + 1 ? avail : PN_LOGLINE_MAX + 1);
        if (nl) {
            size_t from = lb->start;
            lb->start = (size_t)(nl - lb->buf) + 1;
            give(lb, from, (size_t)(nl - s), line, len, off);
            return 1;
        }
        if (avail > PN_LOGLINE_MAX) {
            /* cut: the first PN_LOGLINE_MAX bytes are the line */
            size_t from = lb->start;
            lb->start += PN_LOGLINE_MAX;
            lb->skipping = true;
            lb->cut++;
            /* the byte after the cut is dropped anyway: it can hold the NUL */
            char *p = lb->buf + from;
            p[PN_LOGLINE_MAX] = '\0';
            *line = p;
            *len = PN_LOGLINE_MAX;
            *off = lb->base + (int64_t)from;
            lb->start++;
            return 1;
        }
        int f = fill_more(lb, fill, src);
        if (f < 0)
            return -1;
        if (f == 0) {
            if (avail > 0 && emit_partial) {
                size_t from = lb->start;
                lb->start = lb->end;
                give(lb, from, avail, line, len, off);
                return 1;
            }
            return 0;
        }
    }
}
