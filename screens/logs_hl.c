/* logs_hl.c - highlights of one log line for the Logs screen: queue IDs and
 * Message-IDs, mail addresses and status words each get a role
 * (tui/theme.h), from the fields the line parser found, so nothing is
 * guessed twice. Status words carry meaning: their roles are bold in the
 * monochrome theme and the word itself is always shown, so colour is never
 * the only cue. No curses here. */
#include "logs_screen.h"

#include <string.h>
#include <strings.h>

pn_role lg_status_role(const char *status, size_t n, pn_role base)
{
    if (n == 4 && !strncasecmp(status, "sent", 4))
        return PN_ROLE_LOG_OK;
    if (n == 8 && !strncasecmp(status, "deferred", 8))
        return PN_ROLE_LOG_WARN;
    if ((n == 7 && !strncasecmp(status, "bounced", 7)) ||
        (n == 7 && !strncasecmp(status, "expired", 7)) ||
        (n == 6 && !strncasecmp(status, "reject", 6)) ||
        (n == 13 && !strncasecmp(status, "milter-reject", 13)))
        return PN_ROLE_LOG_ERROR;
    return base;
}

typedef struct mark {
    size_t off, len;
    pn_role role;
} mark;

static void add_mark(mark *m, size_t *n, size_t max, const char *text, size_t len, pn_span s,
                     pn_role role)
{
    if (!s.n || !s.p || s.p < text || s.p + s.n > text + len || *n >= max)
        return;
    size_t off = (size_t)(s.p - text);
    /* keep marks disjoint: drop one that overlaps an earlier mark */
    for (size_t i = 0; i < *n; i++)
        if (off < m[i].off + m[i].len && m[i].off < off + s.n)
            return;
    m[*n] = (mark){off, s.n, role};
    (*n)++;
}

/* The word "reject:" (NOQUEUE and QID rejects), "milter-reject:". */
static pn_span find_word(const char *text, size_t len, const char *w)
{
    size_t m = strlen(w);
    for (size_t i = 0; i + m <= len; i++)
        if (!memcmp(text + i, w, m))
            return (pn_span){text + i, (uint32_t)m};
    return (pn_span){NULL, 0};
}

size_t lg_highlight(const pn_logline *pl, const char *text, size_t len, pn_role base, lg_seg *segs,
                    size_t max)
{
    enum { MAXM = 16 };
    mark m[MAXM];
    size_t n = 0;
    if (pl) {
        add_mark(m, &n, MAXM, text, len, pl->qid, PN_ROLE_LOG_ID);
        add_mark(m, &n, MAXM, text, len, pl->message_id, PN_ROLE_LOG_ID);
        add_mark(m, &n, MAXM, text, len, pl->queued_as, PN_ROLE_LOG_ID);
        add_mark(m, &n, MAXM, text, len, pl->notification_qid, PN_ROLE_LOG_ID);
        add_mark(m, &n, MAXM, text, len, pl->orig_queue_id, PN_ROLE_LOG_ID);
        add_mark(m, &n, MAXM, text, len, pl->forwarded_as, PN_ROLE_LOG_ID);
        add_mark(m, &n, MAXM, text, len, pl->from, PN_ROLE_LOG_ADDR);
        add_mark(m, &n, MAXM, text, len, pl->to, PN_ROLE_LOG_ADDR);
        add_mark(m, &n, MAXM, text, len, pl->orig_to, PN_ROLE_LOG_ADDR);
        add_mark(m, &n, MAXM, text, len, pl->user, PN_ROLE_LOG_ADDR);
        if (pl->status.n)
            add_mark(m, &n, MAXM, text, len, pl->status,
                     lg_status_role(pl->status.p, pl->status.n, PN_ROLE_LOG_WARN));
        if (pl->kind == PN_LK_REJECT)
            add_mark(m, &n, MAXM, text, len, find_word(text, len, "reject:"), PN_ROLE_LOG_ERROR);
        if (pl->kind == PN_LK_MILTER)
            add_mark(m, &n, MAXM, text, len, find_word(text, len, "milter-"), PN_ROLE_LOG_ERROR);
        if (pl->kind == PN_LK_WARNING)
            add_mark(m, &n, MAXM, text, len, find_word(text, len, "warning:"), PN_ROLE_LOG_WARN);
    }
    /* sort by offset (insertion sort: a handful) */
    for (size_t i = 1; i < n; i++) {
        mark k = m[i];
        size_t j = i;
        while (j > 0 && m[j - 1].off > k.off) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = k;
    }
    size_t out = 0, at = 0;
    for (size_t i = 0; i < n && out + 2 <= max; i++) {
        if (m[i].off > at)
            segs[out++] = (lg_seg){at, m[i].off - at, base};
        segs[out++] = (lg_seg){m[i].off, m[i].len, m[i].role};
        at = m[i].off + m[i].len;
    }
    if (at < len && out < max)
        segs[out++] = (lg_seg){at, len - at, base};
    return out;
}
