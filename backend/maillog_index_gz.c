/* maillog_index_gz.c - gzip text with access points (the idea of zlib's
 * examples/zran.c, written anew): while inflating a whole file, every
 * PN_IX_SPAN bytes of output at a deflate block boundary the inflate state
 * is noted (compressed offset, pending bits, the 32 KiB window, deflated), so
 * that a block of text can later be read by starting a raw inflate there
 * instead of at the start of the file. Concatenated gzip members are
 * followed; a truncated or damaged stream ends the text with a note. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "maillog_index_internal.h"
#include "util/mem.h"

#define IN_CHUNK ((size_t)256 << 10)
#define WINDOW 32768

static void init_common(pn_ixgz *g, int fd)
{
    memset(g, 0, sizeof(*g));
    g->fd = fd;
    g->in_cap = IN_CHUNK;
    g->in = pn_malloc(g->in_cap);
}

bool pn_ixgz_open(pn_ixgz *g, int fd, bool record, pn_err *err)
{
    init_common(g, fd);
    g->record = record;
    if (inflateInit2(&g->zs, 15 + 16) != Z_OK) {
        free(g->in);
        g->in = NULL;
        return pn_err_set(err, PN_E_INTERNAL, "zlib: cannot start inflating");
    }
    return true;
}

static ssize_t pread_full(int fd, void *buf, size_t n, int64_t at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(at + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

bool pn_ixgz_open_at(pn_ixgz *g, int fd, int64_t out, int64_t in, int bits,
                     const unsigned char *win, size_t win_len, pn_err *err)
{
    init_common(g, fd);
    g->raw = true;
    if (inflateInit2(&g->zs, -15) != Z_OK) {
        free(g->in);
        g->in = NULL;
        return pn_err_set(err, PN_E_INTERNAL, "zlib: cannot start inflating");
    }
    g->in_pos = in;
    g->out_total = out;
    if (bits) {
        unsigned char c;
        if (pread_full(fd, &c, 1, in - 1) != 1) {
            pn_ixgz_close(g);
            return pn_err_set(err, PN_E_IO, "gzip access point at byte %lld is beyond the file",
                              (long long)in);
        }
        inflatePrime(&g->zs, bits, c >> (8 - bits));
    }
    if (win_len && inflateSetDictionary(&g->zs, win, (uInt)win_len) != Z_OK) {
        pn_ixgz_close(g);
        return pn_err_set(err, PN_E_INVALID, "gzip access point at byte %lld is damaged",
                          (long long)in);
    }
    return true;
}

static void add_point(pn_ixgz *g)
{
    unsigned char win[WINDOW];
    uInt wl = WINDOW;
    if (inflateGetDictionary(&g->zs, win, &wl) != Z_OK)
        return;
    uLongf cl = compressBound(wl);
    unsigned char *c = pn_malloc(cl);
    if (compress2(c, &cl, win, wl, 6) != Z_OK) {
        free(c);
        return;
    }
    if (g->n_points == g->cap_points) {
        g->cap_points = g->cap_points ? g->cap_points * 2 : 64;
        g->points = pn_realloc(g->points, g->cap_points * sizeof(*g->points));
    }
    pn_ixpoint *p = &g->points[g->n_points++];
    p->out = g->out_total;
    p->in = g->in_pos - (int64_t)g->zs.avail_in;
    p->bits = g->zs.data_type & 7;
    p->win = pn_realloc(c, cl ? cl : 1);
    p->win_len = cl;
    g->last_point = g->out_total;
}

/* The bytes after a member's end: the trailer (raw mode only) and maybe
 * another member. true: go on with the next member. */
static bool next_member(pn_ixgz *g)
{
    if (g->raw) {
        /* skip the 8-byte trailer, then read the next header as gzip */
        size_t skip = 8;
        while (skip) {
            if (!g->zs.avail_in) {
                ssize_t r = pread_full(g->fd, g->in, g->in_cap, g->in_pos);
                if (r <= 0)
                    return false;
                g->in_pos += r;
                g->zs.next_in = g->in;
                g->zs.avail_in = (uInt)r;
            }
            size_t k = g->zs.avail_in < skip ? g->zs.avail_in : skip;
            g->zs.next_in += k;
            g->zs.avail_in -= (uInt)k;
            skip -= k;
        }
        if (inflateReset2(&g->zs, 15 + 16) != Z_OK)
            return false;
        g->raw = false;
    } else if (inflateReset(&g->zs) != Z_OK) {
        return false;
    }
    if (!g->zs.avail_in) {
        ssize_t r = pread_full(g->fd, g->in, g->in_cap, g->in_pos);
        if (r <= 0)
            return false;
        g->in_pos += r;
        g->zs.next_in = g->in;
        g->zs.avail_in = (uInt)r;
    }
    /* padding of zeros after the last member is common: not another member */
    return g->zs.avail_in >= 2 && g->zs.next_in[0] == 0x1f && g->zs.next_in[1] == 0x8b;
}

ssize_t pn_ixgz_read(pn_ixgz *g, char *dst, size_t n)
{
    if (n > ((size_t)1 << 30))
        n = (size_t)1 << 30;
    while (!g->ended) {
        if (!g->zs.avail_in) {
            ssize_t r = pread_full(g->fd, g->in, g->in_cap, g->in_pos);
            if (r < 0) {
                pn_str_appendf(&g->note, "read error at byte %lld: %s", (long long)g->in_pos,
                               strerror(errno));
                g->ended = g->damaged = true;
                break;
            }
            if (r == 0) {
                pn_str_appendf(&g->note, "gzip data ends early at byte %lld: the file is truncated",
                               (long long)g->in_pos);
                g->ended = g->damaged = true;
                break;
            }
            g->in_pos += r;
            g->zs.next_in = g->in;
            g->zs.avail_in = (uInt)r;
        }
        g->zs.next_out = (unsigned char *)dst;
        g->zs.avail_out = (uInt)n;
        int rc = inflate(&g->zs, g->record ? Z_BLOCK : Z_NO_FLUSH);
        size_t got = n - g->zs.avail_out;
        g->out_total += (int64_t)got;
        if (rc == Z_STREAM_END) {
            if (!next_member(g))
                g->ended = true;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            pn_str_appendf(&g->note, "gzip data is damaged near byte %lld (%s): the rest is skipped",
                           (long long)(g->in_pos - (int64_t)g->zs.avail_in),
                           g->zs.msg ? g->zs.msg : "error");
            g->ended = g->damaged = true;
        } else if (g->record && (g->zs.data_type & 128) && !(g->zs.data_type & 64) &&
                   g->out_total - g->last_point >= PN_IX_SPAN) {
            add_point(g);
        }
        if (got)
            return (ssize_t)got;
    }
    return 0;
}

void pn_ixpoints_free(pn_ixpoint *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i].win);
    free(p);
}

void pn_ixgz_close(pn_ixgz *g)
{
    inflateEnd(&g->zs);
    free(g->in);
    g->in = NULL;
    pn_ixpoints_free(g->points, g->n_points);
    g->points = NULL;
    g->n_points = 0;
    pn_str_free(&g->note);
}
