/* maillog_internal.h - pieces shared by the mail log reader and follower
 * (not part of the public maillog.h contract): a line splitter over big
 * reads that cuts over-long lines, and the journald JSON converter. */
#ifndef PN_MAILLOG_INTERNAL_H
#define PN_MAILLOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/str.h"

/* Bytes asked for per read: big reads keep a scan near memory speed. */
#define PN_LOGBUF_READ ((size_t)1 << 20)

/* Fills dst with up to n bytes: > 0 bytes read, 0 end of data, -1 error. */
typedef ssize_t (*pn_linebuf_fill)(void *src, char *dst, size_t n);

typedef struct pn_linebuf {
    char *buf;
    size_t cap, start, end;
    int64_t base;        /* stream offset of buf[0] */
    bool skipping;       /* dropping the rest of a line that was cut */
    long cut;            /* lines cut at PN_LOGLINE_MAX */
} pn_linebuf;

void pn_linebuf_init(pn_linebuf *lb, int64_t base);
void pn_linebuf_reset(pn_linebuf *lb, int64_t base);
void pn_linebuf_free(pn_linebuf *lb);
/* The next line (without "\n" or "\r\n", NUL-terminated in place) and its
 * stream offset. 1: a line; 0: no complete line (end of data: a last line
 * without a newline is returned only when emit_partial); -1: read error
 * (errno kept). */
int pn_linebuf_next(pn_linebuf *lb, pn_linebuf_fill fill, void *src, bool emit_partial,
                    const char **line, size_t *len, int64_t *off);
/* Bytes held that are not yet returned (a partial last line). */
size_t pn_linebuf_pending(const pn_linebuf *lb);

/* Does the line look like a journald JSON object? */
bool pn_journal_is_json(const char *line, size_t len);
/* "RFC3339 host ident[pid]: MESSAGE" from a `journalctl -o json` line into
 * out (replaced). false when the object has no MESSAGE (out then holds the
 * line as it was). */
bool pn_journal_to_syslog(const char *line, size_t len, pn_str *out);

#endif
