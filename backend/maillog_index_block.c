/* maillog_index_block.c - reading back the lines of one candidate block of
 * the log index: plain files with pread over the block's byte range, gzip
 * files by inflating from the block's access point (its window is stored
 * deflated in the index) and skipping to the block's first line. journald
 * JSON lines are converted as the reader does. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maillog_index.h"
#include "maillog_index_internal.h"
#include "maillog_internal.h"
#include "util/mem.h"

struct pn_ixblock {
    int fd;
    bool is_gz;
    pn_ixgz gz;
    int64_t pos, end;     /* stream offsets: next byte, stop (-1: end of data) */
    int64_t lineno;
    bool json;
    pn_linebuf lb;
    pn_str conv;
    pn_str notes;
    char *path;
};

static ssize_t fill(void *src, char *dst, size_t n)
{
    pn_ixblock *r = src;
    if (r->end >= 0 && (int64_t)n > r->end - r->pos)
        n = (size_t)(r->end - r->pos);
    if (!n)
        return 0;
    ssize_t got;
    if (r->is_gz) {
        got = pn_ixgz_read(&r->gz, dst, n);
    } else {
        do
            got = pread(r->fd, dst, n, (off_t)r->pos);
        while (got < 0 && errno == EINTR);
    }
    if (got > 0)
        r->pos += got;
    return got;
}

static bool load_window(pn_logindex *ix, int64_t id, unsigned char **win, size_t *len, pn_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ix->db, "SELECT window FROM points WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return pn_err_set(err, PN_E_DB, "log index %s: %s", ix->path, sqlite3_errmsg(ix->db));
    sqlite3_bind_int64(st, 1, id);
    bool ok = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(st, 0);
        uLongf out = 32768;
        *win = pn_malloc(out);
        if (b && uncompress(*win, &out, b, (uLong)sqlite3_column_bytes(st, 0)) == Z_OK) {
            *len = out;
            ok = true;
        } else {
            free(*win);
            *win = NULL;
            pn_err_set(err, PN_E_DB, "log index %s: access point %lld is damaged (rebuild the "
                                     "index)", ix->path, (long long)id);
        }
    } else {
        pn_err_set(err, PN_E_DB, "log index %s: access point %lld is missing (update the index)",
                   ix->path, (long long)id);
    }
    sqlite3_finalize(st);
    return ok;
}

pn_ixblock *pn_ixblock_open(pn_logindex *ix, const pn_logset *set, const pn_logblock *b,
                            pn_err *err)
{
    if (b->file < 0 || (size_t)b->file >= set->n) {
        pn_err_set(err, PN_E_INVALID, "log block: file %d is not in the set", b->file);
        return NULL;
    }
    const pn_logfile *f = &set->files[b->file];
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s: cannot open: %s", f->path,
                   strerror(errno));
        return NULL;
    }
    pn_ixblock *r = pn_calloc(1, sizeof(*r));
    r->fd = fd;
    r->path = pn_strdup(f->path);
    r->is_gz = f->gz;
    r->json = f->fmt == PN_LF_JOURNAL_JSON || f->fmt == PN_LF_AUTO;
    r->lineno = b->lineno - 1;
    if (f->gz) {
        bool ok;
        if (b->pt_id >= 0 && ix) {
            unsigned char *win = NULL;
            size_t wl = 0;
            ok = load_window(ix, b->pt_id, &win, &wl, err) &&
                 pn_ixgz_open_at(&r->gz, fd, b->pt_out, b->pt_in, b->pt_bits, win, wl, err);
            free(win);
        } else {
            ok = pn_ixgz_open(&r->gz, fd, false, err);
        }
        if (!ok) {
            close(fd);
            free(r->path);
            free(r);
            return NULL;
        }
        /* skip to the block's first line */
        char skip[65536];
        while (r->gz.out_total < b->offset) {
            int64_t want = b->offset - r->gz.out_total;
            ssize_t got = pn_ixgz_read(&r->gz, skip, want < (int64_t)sizeof(skip) ? (size_t)want
                                                                                 : sizeof(skip));
            if (got <= 0)
                break;
        }
    }
    r->pos = b->offset;
    r->end = b->length >= 0 ? b->offset + b->length : -1;
    pn_linebuf_init(&r->lb, b->offset);
    return r;
}

bool pn_ixblock_next(pn_ixblock *r, const char **line, size_t *len, pn_logpos *pos)
{
    int64_t off = 0;
    if (pn_linebuf_next(&r->lb, fill, r, true, line, len, &off) != 1) {
        if (r->is_gz && r->gz.note.len && !r->notes.len)
            pn_str_appendf(&r->notes, "%s: %s", r->path, pn_str_cstr(&r->gz.note));
        return false;
    }
    r->lineno++;
    if (pos) {
        pos->offset = off;
        pos->lineno = r->lineno;
    }
    if (r->json && *len && (*line)[0] == '{' && pn_journal_is_json(*line, *len)) {
        pn_journal_to_syslog(*line, *len, &r->conv);
        *line = pn_str_cstr(&r->conv);
        *len = r->conv.len;
    }
    return true;
}

const char *pn_ixblock_notes(const pn_ixblock *r)
{
    return r ? pn_str_cstr(&r->notes) : "";
}

void pn_ixblock_close(pn_ixblock *r)
{
    if (!r)
        return;
    if (r->is_gz)
        pn_ixgz_close(&r->gz);
    close(r->fd);
    pn_linebuf_free(&r->lb);
    pn_str_free(&r->conv);
    pn_str_free(&r->notes);
    free(r->path);
    free(r);
}
