/* maillog_follow.c - follow the live file of a log source (tail -F).
 *
 * The path is polled: appended bytes are read as they come; when the path
 * names another file (rotation: dev/ino changed) the old file is read to
 * its end, then the new one from its start; when the file shrinks below
 * what was read (truncation, copytruncate) it is read again from its start.
 * A last line without its newline waits for the newline, except at a
 * rotation where it is the file's last line. Both events leave a note. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "maillog.h"
#include "maillog_internal.h"
#include "util/mem.h"

/* How often the path is looked at while waiting. */
#define FOLLOW_POLL_MS 100

struct pn_logfollow {
    char *path;
    int fd;                 /* -1: the path does not exist yet */
    uint64_t dev, ino;
    int64_t read_pos;       /* bytes read from fd so far */
    pn_linebuf lb;
    long rotations, truncations;
    pn_str notes;
};

static ssize_t fill_fd(void *src, char *dst, size_t n)
{
    pn_logfollow *f = src;
    if (f->fd < 0)
        return 0;
    for (;;) {
        ssize_t got = read(f->fd, dst, n);
        if (got > 0)
            f->read_pos += got;
        if (got >= 0)
            return got;
        if (errno != EINTR)
            return -1;
    }
}

static void build_notes(pn_logfollow *f)
{
    pn_str_truncate(&f->notes, 0);
    if (f->rotations)
        pn_str_appendf(&f->notes, "%s rotated %ld time%s", f->path, f->rotations,
                       f->rotations == 1 ? "" : "s");
    if (f->truncations)
        pn_str_appendf(&f->notes, "%s%s truncated %ld time%s: read again from its start",
                       f->notes.len ? "; " : "", f->path, f->truncations,
                       f->truncations == 1 ? "" : "s");
    if (f->lb.cut)
        pn_str_appendf(&f->notes, "%s%ld line%s cut at 1 MiB", f->notes.len ? "; " : "", f->lb.cut,
                       f->lb.cut == 1 ? "" : "s");
}

/* Open the path (from its start); false when it does not exist (yet). */
static bool open_path(pn_logfollow *f, pn_err *err)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_IO, "%s: cannot open: %s",
                          f->path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return pn_err_set(err, PN_E_IO, "%s: %s", f->path, strerror(errno));
    }
    f->fd = fd;
    f->dev = (uint64_t)st.st_dev;
    f->ino = (uint64_t)st.st_ino;
    f->read_pos = 0;
    pn_linebuf_reset(&f->lb, 0);
    return true;
}

pn_logfollow *pn_logfollow_open(const char *path, bool from_end, pn_err *err)
{
    pn_logfollow *f = pn_calloc(1, sizeof(*f));
    f->path = pn_strdup(path);
    f->fd = -1;
    pn_linebuf_init(&f->lb, 0);
    if (!open_path(f, err)) {
        pn_logfollow_close(f);
        return NULL;
    }
    if (from_end) {
        off_t end = lseek(f->fd, 0, SEEK_END);
        if (end > 0) {
            f->read_pos = (int64_t)end;
            pn_linebuf_reset(&f->lb, (int64_t)end);
        }
    }
    return f;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After the end of the data: has the path been rotated or truncated?
 * 1: something changed (read again), 0: nothing, -1 error. */
static int check_path(pn_logfollow *f, const char **line, size_t *len, bool *gave, pn_err *err)
{
    *gave = false;
    struct stat st;
    if (stat(f->path, &st) != 0) {
        if (errno == ENOENT)
            return 0;            /* renamed away, the new one is not there yet */
        pn_err_set(err, PN_E_IO, "%s: %s", f->path, strerror(errno));
        return -1;
    }
    if (f->fd >= 0 && (uint64_t)st.st_dev == f->dev && (uint64_t)st.st_ino == f->ino) {
        if ((int64_t)st.st_size < f->read_pos) {
            f->truncations++;
            if (lseek(f->fd, 0, SEEK_SET) < 0) {
                pn_err_set(err, PN_E_IO, "%s: cannot seek: %s", f->path, strerror(errno));
                return -1;
            }
            f->read_pos = 0;
            pn_linebuf_reset(&f->lb, 0);
            build_notes(f);
            return 1;
        }
        return 0;
    }
    /* rotated: the old file is read to its end (done), its last line
     * without a newline is given now, then the new file is opened */
    if (f->fd >= 0) {
        int64_t off;
        int rc = pn_linebuf_next(&f->lb, fill_fd, f, true, line, len, &off);
        if (rc == 1) {
            *gave = true;
            return 1;
        }
        close(f->fd);
        f->fd = -1;
        f->rotations++;
        build_notes(f);
    }
    pn_err e2 = PN_ERR_INIT;
    if (!open_path(f, &e2)) {
        bool missing = e2.code == PN_E_NOTFOUND;
        if (!missing)
            pn_err_set(err, e2.code, "%s", pn_err_msg(&e2));
        pn_err_clear(&e2);
        return missing ? 0 : -1;
    }
    return 1;
}

int pn_logfollow_next(pn_logfollow *f, int timeout_ms, const char **line, size_t *len,
                      pn_err *err)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (f->fd >= 0) {
            long cut_before = f->lb.cut;
            int64_t off;
            int rc = pn_linebuf_next(&f->lb, fill_fd, f, false, line, len, &off);
            if (rc < 0) {
                pn_err_set(err, PN_E_IO, "%s: read error: %s", f->path, strerror(errno));
                return -1;
            }
            if (f->lb.cut != cut_before)
                build_notes(f);
            if (rc == 1)
                return 1;
        }
        bool gave;
        int c = check_path(f, line, len, &gave, err);
        if (c < 0)
            return -1;
        if (gave)
            return 1;
        if (c == 1)
            continue;
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 0;
        sleep_ms(left < FOLLOW_POLL_MS ? (int)left : FOLLOW_POLL_MS);
    }
}

const char *pn_logfollow_notes(const pn_logfollow *f)
{
    return f ? pn_str_cstr(&f->notes) : "";
}

void pn_logfollow_close(pn_logfollow *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    pn_linebuf_free(&f->lb);
    pn_str_free(&f->notes);
    free(f->path);
    free(f);
}
