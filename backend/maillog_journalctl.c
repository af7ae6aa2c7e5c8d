/* maillog_journalctl.c - export a systemd journal with journalctl into the
 * cache file the log engine reads (see maillog_journalctl.h for the refresh
 * policy).
 *
 * Files next to the cache <hash>.log:
 *   <hash>.state   "cursor=C\nsize=N\nsource=DEV:INO:SIZE:MTIME\n": the
 *                  cursor of the last entry, the cache size it belongs to,
 *                  the journal file it came from (path sources); replaced
 *                  atomically after every successful export;
 *   <hash>.*.tmp   an export in progress (removed on failure);
 *   <hash>.lock    flock()ed during an export: one at a time.
 * A cache longer than its state says (an append cut short) is cut back; a
 * shorter one, or no state, means a full export.
 *
 * The cache is local (it sits beside the state DB); journalctl runs through
 * ctx->tr, so it will run on the managed host once that can be remote. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maillog_internal.h"
#include "maillog_journalctl.h"
#include "transport.h"
#include "util/mem.h"
#include "util/str.h"

/* Fields kept in the cache: what maillog_journal.c turns into a line
 * (journalctl always adds __CURSOR and the timestamps). */
static const char output_fields[] =
    "--output-fields=MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,_COMM,SYSLOG_PID,_PID,SYSLOG_FACILITY";

/* ---- Naming ------------------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static char *state_dir(const pn_config *cfg)
{
    const char *db = cfg && cfg->state_db ? cfg->state_db : "/var/lib/postern/state.db";
    const char *slash = strrchr(db, '/');
    if (!slash)
        return pn_strdup(".");
    if (slash == db)
        return pn_strdup("/");
    return pn_strndup(db, (size_t)(slash - db));
}

char *pn_journal_cache_path(const pn_config *cfg, const pn_log_source *src, bool is_dir)
{
    uint64_t h = 1469598103934665603ULL;
    const char *kind = src->journal_host ? "host" : is_dir ? "dir" : "file";
    h = fnv1a(h, kind, strlen(kind) + 1);
    if (!src->journal_host)
        h = fnv1a(h, src->path, strlen(src->path) + 1);
    for (size_t i = 0; i < src->n_units; i++)
        h = fnv1a(h, src->units[i], strlen(src->units[i]) + 1);
    char *dir = state_dir(cfg);
    char *path = pn_sprintf("%s%sjournal-cache/%016llx.log", dir,
                            dir[strlen(dir) - 1] == '/' ? "" : "/", (unsigned long long)h);
    free(dir);
    return path;
}

void pn_journal_argv(const pn_log_source *src, bool is_dir, const char *after_cursor, pn_argv *out)
{
    pn_argv_addv(out, "journalctl", "-o", "json", "--no-pager", output_fields, NULL);
    if (!src->journal_host)
        pn_argv_addf(out, "%s=%s", is_dir ? "--directory" : "--file", src->path);
    if (after_cursor && *after_cursor)
        pn_argv_addf(out, "--after-cursor=%s", after_cursor);
    if (src->n_units == 0)
        pn_argv_add(out, "SYSLOG_FACILITY=2");
    for (size_t i = 0; i < src->n_units; i++)
        pn_argv_addv(out, "-u", src->units[i], NULL);
}

/* ---- Local files ---------------------------------------------------------- */

static bool mkdir_p(const char *path, pn_err *err)
{
    char *p = pn_strdup(path);
    bool ok = true;
    for (char *s = p + 1; ok; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                ok = pn_err_set(err, PN_E_IO, "%s: cannot create directory: %s", p,
                                strerror(errno));
            if (end)
                break;
            *s = '/';
        }
    }
    free(p);
    return ok;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

typedef struct jstate {
    pn_str cursor;
    long long size;      /* -1: unknown */
    pn_str source;
} jstate;

static void jstate_free(jstate *s)
{
    pn_str_free(&s->cursor);
    pn_str_free(&s->source);
}

static void read_state(const char *path, jstate *st)
{
    st->size = -1;
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    pn_str line = PN_STR_INIT;
    int c;
    for (;;) {
        c = fgetc(f);
        if (c != EOF && c != '\n') {
            pn_str_appendc(&line, (char)c);
            continue;
        }
        const char *l = pn_str_cstr(&line);
        if (!strncmp(l, "cursor=", 7))
            pn_str_set(&st->cursor, l + 7);
        else if (!strncmp(l, "size=", 5))
            st->size = strtoll(l + 5, NULL, 10);
        else if (!strncmp(l, "source=", 7))
            pn_str_set(&st->source, l + 7);
        pn_str_truncate(&line, 0);
        if (c == EOF)
            break;
    }
    pn_str_free(&line);
    fclose(f);
}

/* Replace path with data: temporary file, fsync, rename. */
static bool write_atomic(const char *path, const char *data, size_t len, pn_err *err)
{
    char *tmp = pn_sprintf("%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write_all(fd, data, len) && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        pn_err_set(err, PN_E_IO, "%s: cannot write: %s", path, strerror(e));
    }
    free(tmp);
    return ok;
}

static bool save_state(const char *path, const char *cursor, long long size, const char *source,
                       pn_err *err)
{
    pn_str s = PN_STR_INIT;
    pn_str_appendf(&s, "cursor=%s\nsize=%lld\nsource=%s\n", cursor, size, source);
    bool ok = write_atomic(path, pn_str_cstr(&s), s.len, err);
    pn_str_free(&s);
    return ok;
}

/* ---- Streaming journalctl's output ------------------------------------------- */

typedef struct sink {
    int fd;
    size_t bytes;        /* written to the cache */
    bool write_failed, too_big;
    int write_errno;
    long skipped;        /* records without MESSAGE */
    pn_str partial;      /* the JSON line in progress */
    pn_str conv;         /* one converted line */
    pn_str cursor;       /* __CURSOR of the last complete record */
} sink;

static void take_cursor(sink *k, const char *line, size_t len)
{
    /* (inside a string value the quotes would be escaped: no false match) */
    static const char key[] = "\"__CURSOR\":\"";
    const char *p = memmem(line, len, key, sizeof(key) - 1);
    if (!p)
        return;
    p += sizeof(key) - 1;
    const char *e = memchr(p, '"', (size_t)(line + len - p));
    if (!e)
        return;
    pn_str_truncate(&k->cursor, 0);
    pn_str_appendn(&k->cursor, p, (size_t)(e - p));
}

/* One record of `journalctl -o json`: its cursor noted, its text line
 * written to the cache. */
static bool put_record(sink *k, const char *line, size_t len)
{
    if (len == 0)
        return true;
    take_cursor(k, line, len);
    if (!pn_journal_to_syslog(line, len, &k->conv)) {
        k->skipped++;
        return true;
    }
    pn_str_appendc(&k->conv, '\n');
    if (k->bytes + k->conv.len > PN_JOURNAL_EXPORT_MAX) {
        k->too_big = true;
        return false;
    }
    if (!write_all(k->fd, k->conv.s, k->conv.len)) {
        k->write_failed = true;
        k->write_errno = errno;
        return false;
    }
    k->bytes += k->conv.len;
    return true;
}

static bool on_chunk(void *ctx, const char *data, size_t len)
{
    sink *k = ctx;
    const char *p = data, *e = data + len;
    const char *nl;
    while ((nl = memchr(p, '\n', (size_t)(e - p)))) {
        bool ok;
        if (k->partial.len) {
            pn_str_appendn(&k->partial, p, (size_t)(nl - p));
            ok = put_record(k, k->partial.s, k->partial.len);
            pn_str_truncate(&k->partial, 0);
        } else {
            ok = put_record(k, p, (size_t)(nl - p));
        }
        if (!ok)
            return false;
        p = nl + 1;
    }
    if (p < e)
        pn_str_appendn(&k->partial, p, (size_t)(e - p));
    return true;
}

/* Why journalctl could not be used, for the user. */
static bool run_failed(const pn_log_source *src, const pn_err *e2, const pn_run_result *res,
                       const sink *k, pn_err *err)
{
    const char *what = src->journal_host ? "the host's journal" : src->path;
    if (e2 && e2->code == PN_E_EXEC && strstr(pn_err_msg(e2), "not found"))
        return pn_err_set(err, PN_E_EXEC,
                          "journal %s: journalctl is not installed (install the package that "
                          "provides it: systemd), or export the journal elsewhere with "
                          "'journalctl -o json' and list that file under logs:", what);
    if (e2 && e2->code != PN_OK)
        return pn_err_set(err, e2->code, "journal %s: %s", what, pn_err_msg(e2));
    if (k->too_big)
        return pn_err_set(err, PN_E_IO, "journal %s: the export is larger than %zu GiB: list "
                                        "the mail units under units: to narrow it",
                          what, PN_JOURNAL_EXPORT_MAX >> 30);
    if (k->write_failed)
        return pn_err_set(err, PN_E_IO, "journal %s: cannot write the cache: %s", what,
                          strerror(k->write_errno));
    if (res->timed_out)
        return pn_err_set(err, PN_E_TIMEOUT, "journal %s: journalctl timed out after %d s", what,
                          PN_JOURNAL_TIMEOUT_MS / 1000);
    pn_str first = PN_STR_INIT;
    const char *s = pn_str_cstr(&res->err);
    const char *nl = strchr(s, '\n');
    pn_str_appendn(&first, s, nl ? (size_t)(nl - s) : strlen(s));
    pn_err_set(err, PN_E_EXEC, "journal %s: journalctl failed (exit %d)%s%s", what,
               res->exit_code, first.len ? ": " : "", pn_str_cstr(&first));
    pn_str_free(&first);
    return false;
}

/* Run journalctl into the file tmp; k->cursor gets the last entry's cursor.
 * *rejected: journalctl ran and failed (a retry as a full export may work). */
static bool export_to(pn_ctx *ctx, const pn_log_source *src, bool is_dir, const char *after,
                      const char *tmp, sink *k, bool *rejected, pn_err *err)
{
    *rejected = false;
    k->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (k->fd < 0)
        return pn_err_set(err, PN_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
    pn_argv av = PN_ARGV_INIT;
    pn_journal_argv(src, is_dir, after, &av);
    pn_run_opts o = {0};
    o.timeout_ms = PN_JOURNAL_TIMEOUT_MS;
    o.on_stdout = on_chunk;
    o.cb_ctx = k;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err e2 = PN_ERR_INIT;
    bool ran = pn_run(ctx->tr, (const char *const *)pn_argv_items(&av), &o, &res, &e2);
    bool ok = ran && !res.cancelled && !res.timed_out && res.exit_code == 0;
    if (ok && k->partial.len) {      /* a last record without a newline */
        ok = put_record(k, k->partial.s, k->partial.len);
        pn_str_truncate(&k->partial, 0);
    }
    if (ok && fsync(k->fd) != 0) {
        k->write_failed = true;
        k->write_errno = errno;
        ok = false;
    }
    if (close(k->fd) != 0 && ok) {
        k->write_failed = true;
        k->write_errno = errno;
        ok = false;
    }
    k->fd = -1;
    if (!ok) {
        *rejected = ran && !res.cancelled && !res.timed_out && res.exit_code != 0;
        run_failed(src, ran ? NULL : &e2, &res, k, err);
        unlink(tmp);
    }
    pn_run_result_free(&res);
    pn_err_clear(&e2);
    pn_argv_free(&av);
    return ok;
}

/* Append the file from to the file to (both local); false with err. */
static bool append_file(const char *from, const char *to, long long at, pn_err *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = open(to, O_WRONLY | O_CLOEXEC);
    bool ok = in >= 0 && out >= 0 && lseek(out, (off_t)at, SEEK_SET) == (off_t)at;
    char buf[65536];
    while (ok) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        ok = write_all(out, buf, (size_t)n);
    }
    if (ok)
        ok = fsync(out) == 0;
    int e = errno;
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        pn_err_set(err, PN_E_IO, "%s: cannot append the new journal entries: %s", to,
                   strerror(e));
    return ok;
}

/* ---- The source ------------------------------------------------------------------ */

/* Does dir (or a directory right under it, the machine-id level) hold a
 * *.journal file? */
typedef struct jscan_dir {
    pn_transport *tr;
    const char *dir;
    int depth;
    bool found;
} jscan_dir;

static bool scan_entry(void *ctx, const char *name, pn_ftype type)
{
    jscan_dir *j = ctx;
    size_t n = strlen(name);
    if (type == PN_FT_FILE && ((n > 8 && !strcmp(name + n - 8, ".journal")) ||
                               (n > 9 && !strcmp(name + n - 9, ".journal~")))) {
        j->found = true;
        return false;
    }
    if (type == PN_FT_DIR && j->depth == 0) {
        char *sub = pn_sprintf("%s/%s", j->dir, name);
        jscan_dir inner = {j->tr, sub, 1, false};
        pn_list_dir(j->tr, sub, scan_entry, &inner, NULL);
        free(sub);
        j->found = inner.found;
        return !j->found;
    }
    return true;
}

static bool has_journal_files(pn_transport *tr, const char *dir)
{
    jscan_dir j = {tr, dir, 0, false};
    pn_list_dir(tr, dir, scan_entry, &j, NULL);
    return j.found;
}

/* What the journal is and whether it is there; source_sig identifies a
 * journal file (empty for a directory or the host). */
static bool check_source(pn_ctx *ctx, const pn_log_source *src, bool *is_dir, pn_str *source_sig,
                         pn_err *err)
{
    *is_dir = false;
    if (src->journal_host) {
        static const char *const dirs[] = {"/run/log/journal", "/var/log/journal"};
        for (size_t i = 0; i < 2; i++)
            if (has_journal_files(ctx->tr, dirs[i]))
                return true;
        return pn_err_set(err, PN_E_NOTFOUND,
                          "journal: this host has no systemd journal (no journal files under "
                          "/run/log/journal or /var/log/journal); list the mail log files "
                          "under logs: instead");
    }
    pn_stat st;
    pn_err e2 = PN_ERR_INIT;
    if (!pn_stat_path(ctx->tr, src->path, &st, &e2)) {
        pn_err_set(err, e2.code, "journal %s: %s", src->path,
                   e2.code == PN_E_NOTFOUND ? "no such journal file or directory" : pn_err_msg(&e2));
        pn_err_clear(&e2);
        return false;
    }
    if (st.type == PN_FT_DIR) {
        *is_dir = true;
        if (!has_journal_files(ctx->tr, src->path))
            return pn_err_set(err, PN_E_NOTFOUND, "journal %s: no journal files (*.journal) in "
                                                  "this directory", src->path);
        return true;
    }
    if (st.type != PN_FT_FILE)
        return pn_err_set(err, PN_E_INVALID, "journal %s: not a journal file or directory",
                          src->path);
    pn_str_appendf(source_sig, "%llu:%llu:%llu:%lld", (unsigned long long)st.dev,
                   (unsigned long long)st.ino, (unsigned long long)st.size, (long long)st.mtime);
    return true;
}

/* dev:ino of a source signature, to tell a grown file from a replaced one. */
static bool same_file_grown(const char *old_sig, const char *new_sig)
{
    unsigned long long od, oi, os, nd, ni, ns;
    long long om, nm;
    if (sscanf(old_sig, "%llu:%llu:%llu:%lld", &od, &oi, &os, &om) != 4 ||
        sscanf(new_sig, "%llu:%llu:%llu:%lld", &nd, &ni, &ns, &nm) != 4)
        return false;
    return od == nd && oi == ni && ns >= os;
}

bool pn_journal_export(pn_ctx *ctx, const pn_log_source *src, char **cache_path, pn_err *err)
{
    *cache_path = NULL;
    if (!ctx || !ctx->tr)
        return pn_err_set(err, PN_E_INTERNAL, "journal: no transport to run journalctl");
    bool is_dir = false;
    pn_str sig = PN_STR_INIT;
    if (!check_source(ctx, src, &is_dir, &sig, err)) {
        pn_str_free(&sig);
        return false;
    }
    char *cache = pn_journal_cache_path(ctx->cfg, src, is_dir);
    char *dir = pn_strndup(cache, (size_t)(strrchr(cache, '/') - cache));
    char *state_path = pn_sprintf("%.*s.state", (int)(strlen(cache) - 4), cache);
    char *tmp = pn_sprintf("%s.%ld.tmp", cache, (long)getpid());
    jstate st = {PN_STR_INIT, -1, PN_STR_INIT};
    sink k = {-1, 0, false, false, 0, 0, PN_STR_INIT, PN_STR_INIT, PN_STR_INIT};
    int lock_fd = -1;
    bool ok = mkdir_p(dir, err);
    if (!ok)
        goto out;
    /* one export at a time per cache (the console and a CLI run may meet) */
    char *lock_path = pn_sprintf("%.*s.lock", (int)(strlen(cache) - 4), cache);
    lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(lock_path);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
        ok = pn_err_set(err, PN_E_IO, "%s: cannot lock the journal cache: %s", dir,
                        strerror(errno));
        goto out;
    }

    /* Can the cache be continued? */
    read_state(state_path, &st);
    struct stat cs;
    bool incremental = st.size >= 0 && st.cursor.len > 0 && stat(cache, &cs) == 0 &&
                       (long long)cs.st_size >= st.size;
    if (incremental && sig.len && strcmp(pn_str_cstr(&st.source), pn_str_cstr(&sig)) != 0 &&
        !same_file_grown(pn_str_cstr(&st.source), pn_str_cstr(&sig)))
        incremental = false;                 /* the journal file was replaced */
    if (incremental && (long long)cs.st_size > st.size && truncate(cache, (off_t)st.size) != 0)
        incremental = false;                 /* an append cut short, and cannot be undone */

    bool rejected = false;
    if (incremental) {
        ok = export_to(ctx, src, is_dir, pn_str_cstr(&st.cursor), tmp, &k, &rejected, err);
        if (ok) {
            if (k.bytes > 0)
                ok = append_file(tmp, cache, st.size, err) &&
                     save_state(state_path, pn_str_cstr(&k.cursor), st.size + (long long)k.bytes,
                                pn_str_cstr(&sig), err);
            else if (sig.len && strcmp(pn_str_cstr(&st.source), pn_str_cstr(&sig)) != 0)
                ok = save_state(state_path, pn_str_cstr(&st.cursor), st.size, pn_str_cstr(&sig),
                                err);
            unlink(tmp);
            goto out;
        }
        if (!rejected)
            goto out;
        pn_err_clear(err);                  /* the cursor was refused: start again */
        k.bytes = 0;
        k.skipped = 0;
        k.write_failed = k.too_big = false;
        pn_str_truncate(&k.partial, 0);
        pn_str_truncate(&k.cursor, 0);
    }
    ok = export_to(ctx, src, is_dir, NULL, tmp, &k, &rejected, err);
    if (ok)
        unlink(state_path);   /* a crash before the new state: a full export next time */
    if (ok && rename(tmp, cache) != 0) {
        ok = pn_err_set(err, PN_E_IO, "%s: cannot rename into place: %s", cache, strerror(errno));
        unlink(tmp);
    }
    if (ok)
        ok = save_state(state_path, pn_str_cstr(&k.cursor), (long long)k.bytes, pn_str_cstr(&sig),
                        err);
out:
    if (ok) {
        *cache_path = cache;
        cache = NULL;
    }
    if (lock_fd >= 0)
        close(lock_fd);
    jstate_free(&st);
    pn_str_free(&k.partial);
    pn_str_free(&k.conv);
    pn_str_free(&k.cursor);
    pn_str_free(&sig);
    free(cache);
    free(dir);
    free(state_path);
    free(tmp);
    return ok;
}
