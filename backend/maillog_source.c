/* maillog_source.c - the files of the mail log sources and reading them.
 *
 * pn_logset_open() lists every file of each source, oldest first: the live
 * file's rotated siblings come from pn_log_series() (doctor.c knows the
 * naming schemes), then each file is looked at: identity (dev, ino), size,
 * mtime, gzip by its magic bytes, journald JSON by its first line. A
 * journal source (`journal:` in postern.yaml) is first exported by
 * journalctl into its cache file of RFC 3339 lines (maillog_journalctl.c),
 * which then joins the set like any log file.
 *
 * pn_logreader reads one file line by line with big reads (plain) or zlib's
 * streaming inflate (gzip); journald JSON records become syslog-style text.
 * Over-long lines are cut, a truncated gzip stream ends the file with a
 * note; neither is an error. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "doctor.h"
#include "config.h"
#include "maillog.h"
#include "maillog_internal.h"
#include "maillog_journalctl.h"
#include "util/mem.h"

/* ---- The set of files ------------------------------------------------------ */

static pn_logfmt fmt_from_config(const char *format)
{
    if (!format)
        return PN_LF_AUTO;
    if (!strcmp(format, "journal-json"))
        return PN_LF_JOURNAL_JSON;
    if (!strcmp(format, "rfc3339"))
        return PN_LF_RFC3339;
    if (!strcmp(format, "syslog"))
        return PN_LF_SYSLOG;
    return PN_LF_AUTO;
}

/* The first bytes of a file, inflated when it is gzip. */
static bool sniff(const char *path, bool *gz, pn_str *head, pn_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pn_err_set(err, PN_E_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char magic[2];
    ssize_t n = read(fd, magic, 2);
    *gz = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    char buf[4096];
    if (*gz) {
        if (lseek(fd, 0, SEEK_SET) < 0) {
            close(fd);
            return pn_err_set(err, PN_E_IO, "%s: cannot seek: %s", path, strerror(errno));
        }
        gzFile g = gzdopen(fd, "rb");
        if (!g) {
            close(fd);
            return pn_err_set(err, PN_E_IO, "%s: cannot read gzip data", path);
        }
        int got = gzread(g, buf, sizeof(buf));
        if (got > 0)
            pn_str_appendn(head, buf, (size_t)got);
        gzclose(g);
        return true;
    }
    if (n > 0)
        pn_str_appendn(head, magic, (size_t)n);
    ssize_t got = read(fd, buf, sizeof(buf) - 2);
    if (got > 0)
        pn_str_appendn(head, buf, (size_t)got);
    close(fd);
    return true;
}

static pn_logfmt detect_fmt(const pn_str *head, pn_logfmt configured)
{
    const char *p = pn_str_cstr(head), *e = p + head->len;
    while (p < e && (*p == '\n' || *p == '\r' || *p == ' '))
        p++;
    const char *nl = memchr(p, '\n', (size_t)(e - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
    if (pn_journal_is_json(p, n))
        return PN_LF_JOURNAL_JSON;
    if (configured != PN_LF_AUTO)
        return configured;
    if (n >= 10 && p[4] == '-' && p[7] == '-' && p[0] >= '0' && p[0] <= '9')
        return PN_LF_RFC3339;
    return n > 0 ? PN_LF_SYSLOG : PN_LF_AUTO;
}

static bool add_file(pn_logset *s, size_t *cap, const char *path, pn_logfmt configured, pn_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s: %s", path,
                          strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pn_err_set(err, PN_E_INVALID, "%s: not a regular file", path);
    for (size_t i = 0; i < s->n; i++)          /* the same file under two names */
        if (s->files[i].dev == (uint64_t)st.st_dev && s->files[i].ino == (uint64_t)st.st_ino)
            return true;
    pn_str head = PN_STR_INIT;
    bool gz = false;
    if (!sniff(path, &gz, &head, err)) {
        pn_str_free(&head);
        return false;
    }
    if (s->n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        s->files = pn_realloc(s->files, *cap * sizeof(*s->files));
    }
    pn_logfile *f = &s->files[s->n++];
    memset(f, 0, sizeof(*f));
    f->path = pn_strdup(path);
    f->gz = gz;
    f->fmt = detect_fmt(&head, configured);
    f->dev = (uint64_t)st.st_dev;
    f->ino = (uint64_t)st.st_ino;
    f->size = (int64_t)st.st_size;
    f->mtime = (int64_t)st.st_mtime;
    pn_str_free(&head);
    return true;
}

static bool add_series(pn_ctx *ctx, pn_logset *s, size_t *cap, const char *path, pn_logfmt fmt,
                       pn_err *err)
{
    pn_log_file *files = NULL;
    size_t n = 0;
    if (!pn_log_series(ctx, path, &files, &n, err)) {
        if (!err || err->code == PN_OK)
            pn_err_set(err, PN_E_NOTFOUND, "%s: no such log file", path);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        pn_err e2 = PN_ERR_INIT;
        if (!add_file(s, cap, files[i].path, fmt, &e2)) {
            /* a rotated file that vanished meanwhile is not an error */
            if (e2.code != PN_E_NOTFOUND || !files[i].rotated) {
                ok = false;
                pn_err_set(err, e2.code, "%s", pn_err_msg(&e2));
            }
        }
        pn_err_clear(&e2);
    }
    pn_log_files_free(files, n);
    return ok;
}

bool pn_logset_open(pn_ctx *ctx, const char *const *paths, size_t npaths, bool explicit,
                    pn_logset *out, pn_err *err)
{
    out->files = NULL;
    out->n = 0;
    size_t cap = 0;
    bool ok = true;
    if (paths) {
        for (size_t i = 0; i < npaths && ok; i++) {
            if (explicit || !ctx)
                ok = add_file(out, &cap, paths[i], PN_LF_AUTO, err);
            else
                ok = add_series(ctx, out, &cap, paths[i], PN_LF_AUTO, err);
        }
    } else {
        if (!ctx || !ctx->cfg || ctx->cfg->n_logs == 0) {
            ok = pn_err_set(err, PN_E_CONFIG, "logs: no log sources configured in postern.yaml");
        }
        for (size_t i = 0; ok && i < ctx->cfg->n_logs; i++) {
            const pn_log_source *src = &ctx->cfg->logs[i];
            if (src->journal) {
                char *cache = NULL;
                ok = pn_journal_export(ctx, src, &cache, err) &&
                     add_file(out, &cap, cache, PN_LF_RFC3339, err);
                free(cache);
                continue;
            }
            ok = add_series(ctx, out, &cap, src->path, fmt_from_config(src->format), err);
        }
    }
    if (!ok)
        pn_logset_free(out);
    return ok;
}

void pn_logset_free(pn_logset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->files[i].path);
    free(s->files);
    s->files = NULL;
    s->n = 0;
}

/* ---- Reading one file ----------------------------------------------------------- */

struct pn_logreader {
    char *path;
    pn_logfmt fmt;
    int fd;
    gzFile gz;
    bool gz_ended;        /* gzip stream ended early or is corrupt */
    bool read_failed;
    pn_linebuf lb;
    int64_t lineno;
    pn_str conv;          /* a converted journald record */
    long journal_bad;
    pn_str gz_note;
    pn_str notes;
};

static ssize_t fill_plain(void *src, char *dst, size_t n)
{
    pn_logreader *r = src;
    for (;;) {
        ssize_t got = read(r->fd, dst, n);
        if (got >= 0)
            return got;
        if (errno != EINTR) {
            r->read_failed = true;
            return -1;
        }
    }
}

static ssize_t fill_gz(void *src, char *dst, size_t n)
{
    pn_logreader *r = src;
    if (r->gz_ended)
        return 0;
    if (n > (size_t)1 << 30)
        n = (size_t)1 << 30;
    int got = gzread(r->gz, dst, (unsigned)n);
    if (got > 0)
        return got;
    int zerr = Z_OK;
    const char *msg = gzerror(r->gz, &zerr);
    if (got == 0 && (zerr == Z_OK || zerr == Z_STREAM_END))
        return 0;
    /* truncated or corrupt: what came before stays valid */
    r->gz_ended = true;
    pn_str_truncate(&r->gz_note, 0);
    if (zerr == Z_BUF_ERROR)
        pn_str_appendf(&r->gz_note, "gzip data ends early at byte %lld of %s: the file is truncated",
                       (long long)gzoffset(r->gz), r->path);
    else
        pn_str_appendf(&r->gz_note, "gzip data is damaged at byte %lld of %s (%s): the rest is skipped",
                       (long long)gzoffset(r->gz), r->path, msg ? msg : "error");
    return 0;
}

pn_logreader *pn_logreader_open(const pn_logfile *f, pn_err *err)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s: cannot open: %s", f->path,
                   strerror(errno));
        return NULL;
    }
    pn_logreader *r = pn_calloc(1, sizeof(*r));
    r->path = pn_strdup(f->path);
    r->fmt = f->fmt;
    r->fd = fd;
    if (f->gz) {
        r->gz = gzdopen(fd, "rb");
        if (!r->gz) {
            close(fd);
            free(r->path);
            free(r);
            pn_err_set(err, PN_E_IO, "%s: cannot read gzip data", f->path);
            return NULL;
        }
        gzbuffer(r->gz, 256 * 1024);
        r->fd = -1;
    } else {
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    pn_linebuf_init(&r->lb, 0);
    return r;
}

bool pn_logreader_seek(pn_logreader *r, pn_logpos at, pn_err *err)
{
    if (at.offset < 0)
        return pn_err_set(err, PN_E_INVALID, "%s: negative offset", r->path);
    if (!r->gz) {
        if (lseek(r->fd, (off_t)at.offset, SEEK_SET) < 0)
            return pn_err_set(err, PN_E_IO, "%s: cannot seek to %lld: %s", r->path,
                              (long long)at.offset, strerror(errno));
        pn_linebuf_reset(&r->lb, at.offset);
    } else {
        int64_t pos = r->lb.base + (int64_t)r->lb.end;   /* bytes inflated so far */
        int64_t cur = r->lb.base + (int64_t)r->lb.start;
        if (at.offset >= cur && at.offset <= pos) {
            /* already in the buffer */
            r->lb.start = (size_t)(at.offset - r->lb.base);
            r->lb.skipping = false;
        } else {
            if (at.offset < pos) {
                if (gzrewind(r->gz) != 0)
                    return pn_err_set(err, PN_E_IO, "%s: cannot rewind gzip data", r->path);
                r->gz_ended = false;
                pos = 0;
            }
            while (pos < at.offset) {
                size_t want = r->lb.cap - 1;
                if ((int64_t)want > at.offset - pos)
                    want = (size_t)(at.offset - pos);
                ssize_t got = fill_gz(r, r->lb.buf, want);
                if (got <= 0)
                    return pn_err_set(err, PN_E_INVALID, "%s: offset %lld is beyond the data",
                                      r->path, (long long)at.offset);
                pos += got;
            }
            pn_linebuf_reset(&r->lb, at.offset);
        }
    }
    r->lineno = at.lineno > 0 ? at.lineno - 1 : 0;
    return true;
}

static void build_notes(pn_logreader *r)
{
    pn_str_truncate(&r->notes, 0);
    if (r->lb.cut > 0)
        pn_str_appendf(&r->notes, "%ld line%s cut at 1 MiB", r->lb.cut, r->lb.cut == 1 ? "" : "s");
    if (r->journal_bad > 0)
        pn_str_appendf(&r->notes, "%s%ld journald record%s without MESSAGE kept as is",
                       r->notes.len ? "; " : "", r->journal_bad, r->journal_bad == 1 ? "" : "s");
    if (r->gz_note.len)
        pn_str_appendf(&r->notes, "%s%s", r->notes.len ? "; " : "", r->gz_note.s);
    if (r->read_failed)
        pn_str_appendf(&r->notes, "%sread error in %s: the rest was not read",
                       r->notes.len ? "; " : "", r->path);
}

bool pn_logreader_next(pn_logreader *r, const char **line, size_t *len, pn_logpos *pos)
{
    long cut_before = r->lb.cut;
    int64_t off = 0;
    int rc = pn_linebuf_next(&r->lb, r->gz ? fill_gz : fill_plain, r, true, line, len, &off);
    if (rc != 1) {
        build_notes(r);
        return false;
    }
    r->lineno++;
    if (pos) {
        pos->offset = off;
        pos->lineno = r->lineno;
    }
    if ((r->fmt == PN_LF_JOURNAL_JSON || r->fmt == PN_LF_AUTO) && *len > 0 && (*line)[0] == '{' &&
        pn_journal_is_json(*line, *len)) {
        long bad_before = r->journal_bad;
        if (!pn_journal_to_syslog(*line, *len, &r->conv))
            r->journal_bad++;
        if (r->conv.len > PN_LOGLINE_MAX) {
            pn_str_truncate(&r->conv, PN_LOGLINE_MAX);
            r->lb.cut++;
        }
        *line = pn_str_cstr(&r->conv);
        *len = r->conv.len;
        if (r->journal_bad != bad_before || r->lb.cut != cut_before)
            build_notes(r);
    } else if (r->lb.cut != cut_before) {
        build_notes(r);
    }
    return true;
}

const char *pn_logreader_notes(const pn_logreader *r)
{
    return r ? pn_str_cstr(&r->notes) : "";
}

void pn_logreader_close(pn_logreader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    else if (r->fd >= 0)
        close(r->fd);
    pn_linebuf_free(&r->lb);
    pn_str_free(&r->conv);
    pn_str_free(&r->gz_note);
    pn_str_free(&r->notes);
    free(r->path);
    free(r);
}
