/* maillog_index.c - the on-disk log index (see maillog_index.h): opening
 * the SQLite file, bringing it up to date with a log set (identity of each
 * file, passes on worker threads, writes on this thread), freshness and key
 * lookups. The pass over a file is maillog_index_scan.c; reading a block
 * back is maillog_index_block.c. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "maillog_index.h"
#include "maillog_index_internal.h"
#include "util/mem.h"

#define FORMAT_TAG "postern-logindex"

static const pn_migration ix_migrations[] = {
    {
        1, "log index",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
        "INSERT INTO meta VALUES ('format', '" FORMAT_TAG "');"
        "CREATE TABLE files ("
        "  id INTEGER PRIMARY KEY, path TEXT NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
        "  head_hash INTEGER NOT NULL, head_len INTEGER NOT NULL,"
        "  size_indexed INTEGER NOT NULL, lines_indexed INTEGER NOT NULL,"
        "  disk_size INTEGER NOT NULL,"   /* bytes on disk when fully indexed; -1 unfinished */
        "  mtime INTEGER NOT NULL, gz INTEGER NOT NULL, fmt INTEGER NOT NULL,"
        "  nblocks INTEGER NOT NULL, nkeys INTEGER NOT NULL);"
        "CREATE TABLE blocks (file INTEGER NOT NULL, seq INTEGER NOT NULL, offset INTEGER NOT NULL,"
        "  lineno INTEGER NOT NULL, length INTEGER NOT NULL, ts_min INTEGER, ts_max INTEGER,"
        "  PRIMARY KEY (file, seq)) WITHOUT ROWID;"
        "CREATE TABLE points (id INTEGER PRIMARY KEY, file INTEGER NOT NULL,"
        "  out_off INTEGER NOT NULL, in_off INTEGER NOT NULL, bits INTEGER NOT NULL,"
        "  window BLOB NOT NULL);"
        "CREATE INDEX points_at ON points (file, out_off);",
    },
};

/* ---- errors and small SQL helpers ------------------------------------------- */

static bool sqlerr(pn_logindex *ix, pn_err *err, const char *what)
{
    return pn_err_set(err, PN_E_DB, "log index %s: %s: %s", ix->path, what, sqlite3_errmsg(ix->db));
}

static sqlite3_stmt *prep(pn_logindex *ix, const char *sql, pn_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlerr(ix, err, sql);
        return NULL;
    }
    return st;
}

static bool exec(pn_logindex *ix, const char *sql, pn_err *err)
{
    if (sqlite3_exec(ix->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqlerr(ix, err, sql);
    return true;
}

/* ---- open ------------------------------------------------------------------------- */

pn_logindex *pn_logindex_open_existing(pn_ctx *ctx)
{
    if (!ctx || !ctx->cfg || !ctx->cfg->state_db || !*ctx->cfg->state_db)
        return NULL;
    char *path = pn_logindex_default_path(ctx);
    struct stat st;
    pn_logindex *ix = NULL;
    if (path && stat(path, &st) == 0) {
        pn_err err = PN_ERR_INIT;
        ix = pn_logindex_open(ctx, path, &err);
        pn_err_clear(&err);
    }
    free(path);
    return ix;
}

char *pn_logindex_default_path(pn_ctx *ctx)
{
    const char *state = ctx && ctx->cfg && ctx->cfg->state_db ? ctx->cfg->state_db : NULL;
    if (!state || !*state)
        return pn_strdup("logindex.db");
    const char *slash = strrchr(state, '/');
    if (!slash)
        return pn_strdup("logindex.db");
    return pn_sprintf("%.*s/logindex.db", (int)(slash - state), state);
}

const char *pn_logindex_path(const pn_logindex *ix)
{
    return ix ? ix->path : "";
}

/* An existing file must be an empty SQLite DB or one of ours. */
static bool check_existing(const char *path, pn_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0)
        return true;
    sqlite3 *db = NULL;
    bool ok = false;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        pn_err_set(err, PN_E_DB, "log index %s cannot be opened: %s", path,
                   db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(db, PN_DB_BUSY_TIMEOUT_MS);
    sqlite3_stmt *st2 = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &st2, NULL) != SQLITE_OK ||
        sqlite3_step(st2) != SQLITE_ROW) {
        pn_err_set(err, PN_E_DB,
                   "log index %s is damaged or not an SQLite file (%s): delete it or run "
                   "'postern log index --rebuild'", path, sqlite3_errmsg(db));
        sqlite3_finalize(st2);
        goto out;
    }
    int tables = sqlite3_column_int(st2, 0);
    sqlite3_finalize(st2);
    if (tables == 0) {
        ok = true;
        goto out;
    }
    st2 = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'format'", -1, &st2, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st2) == SQLITE_ROW && sqlite3_column_text(st2, 0) &&
        !strcmp((const char *)sqlite3_column_text(st2, 0), FORMAT_TAG))
        ok = true;
    else
        pn_err_set(err, PN_E_DB,
                   "%s is an SQLite database but not a postern log index: refusing to use it "
                   "(give another path)", path);
    sqlite3_finalize(st2);
out:
    sqlite3_close_v2(db);
    return ok;
}

static void resolved_free(pn_logindex *ix);

pn_logindex *pn_logindex_open(pn_ctx *ctx, const char *path, pn_err *err)
{
    char *p = path ? pn_strdup(path) : pn_logindex_default_path(ctx);
    if (!path) {
        /* the state DB's directory may not exist yet */
        char *slash = strrchr(p, '/');
        if (slash && slash != p) {
            *slash = '\0';
            mkdir(p, 0700);
            *slash = '/';
        }
    }
    if (!check_existing(p, err)) {
        free(p);
        return NULL;
    }
    sqlite3 *db = pn_db_open_with(p, ix_migrations, sizeof(ix_migrations) / sizeof(ix_migrations[0]),
                                  false, err);
    if (!db) {
        pn_err_prefix(err, "log index");
        free(p);
        return NULL;
    }
    pn_logindex *ix = pn_calloc(1, sizeof(*ix));
    ix->db = db;
    ix->path = p;
    sqlite3_exec(db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    return ix;
}

void pn_logindex_close(pn_logindex *ix)
{
    if (!ix)
        return;
    resolved_free(ix);
    pn_db_close(ix->db);
    free(ix->path);
    free(ix);
}

uint64_t pn_logindex_key(int kind, const char *key, size_t keylen)
{
    bool lower = kind == PN_IX_ADDR;
    uint64_t h = pn_ixhash_start(kind);
    if (kind == PN_IX_MSGID && (keylen == 0 || key[0] != '<')) {
        h = pn_ixhash_feed(h, "<", 1, false);
        h = pn_ixhash_feed(h, key, keylen, false);
        h = pn_ixhash_feed(h, ">", 1, false);
        return pn_ixhash_end(h);
    }
    if (kind == PN_IX_ADDR && keylen >= 2 && key[0] == '<' && key[keylen - 1] == '>') {
        key++;
        keylen -= 2;
    }
    return pn_ixhash_end(pn_ixhash_feed(h, key, keylen, lower));
}

/* ---- the files the index knows ------------------------------------------------------ */

typedef struct entry {
    int64_t id;
    char *path;
    uint64_t dev, ino;
    int64_t head_hash;
    int head_len;
    int64_t size_indexed, lines_indexed, disk_size, mtime;
    bool gz;
    int64_t nblocks, nkeys;
    bool claimed;
} entry;

static void entries_free(entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].path);
    free(e);
}

static bool load_entries(pn_logindex *ix, entry **out, size_t *n, pn_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prep(ix, "SELECT id, path, dev, ino, head_hash, head_len, size_indexed, "
                                "lines_indexed, disk_size, mtime, gz, nblocks, nkeys FROM files "
                                "ORDER BY id", err);
    if (!st)
        return false;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = pn_realloc(*out, cap * sizeof(**out));
        }
        entry *e = &(*out)[(*n)++];
        memset(e, 0, sizeof(*e));
        e->id = sqlite3_column_int64(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 1);
        e->path = pn_strdup(t ? (const char *)t : "");
        e->dev = (uint64_t)sqlite3_column_int64(st, 2);
        e->ino = (uint64_t)sqlite3_column_int64(st, 3);
        e->head_hash = sqlite3_column_int64(st, 4);
        e->head_len = sqlite3_column_int(st, 5);
        e->size_indexed = sqlite3_column_int64(st, 6);
        e->lines_indexed = sqlite3_column_int64(st, 7);
        e->disk_size = sqlite3_column_int64(st, 8);
        e->mtime = sqlite3_column_int64(st, 9);
        e->gz = sqlite3_column_int(st, 10) != 0;
        e->nblocks = sqlite3_column_int64(st, 11);
        e->nkeys = sqlite3_column_int64(st, 12);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        entries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return sqlerr(ix, err, "reading the files");
    }
    return true;
}

static bool head_matches(const entry *e, const pn_str *head)
{
    return head->len >= (size_t)e->head_len &&
           pn_ixhash_head(pn_str_cstr(head), (size_t)e->head_len) == e->head_hash;
}

/* The entry that is this file: same inode and head first, else same head
 * (a copy, or the rotated file gzipped) with at least as much text. */
static entry *match_entry(entry *es, size_t n, const pn_logfile *f, const pn_str *head,
                          bool by_head)
{
    for (size_t i = 0; i < n; i++)
        if (!es[i].claimed && es[i].dev == f->dev && es[i].ino == f->ino && head_matches(&es[i], head))
            return &es[i];
    if (!by_head)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        entry *e = &es[i];
        if (e->claimed || !head_matches(e, head) || e->head_len == 0)
            continue;
        if (!f->gz && f->size < e->size_indexed)
            continue;
        return e;
    }
    return NULL;
}

static bool drop_entry(pn_logindex *ix, int64_t id, pn_err *err)
{
    char *sql = pn_sprintf("DROP TABLE IF EXISTS keys_%lld;"
                           "DELETE FROM blocks WHERE file = %lld;"
                           "DELETE FROM points WHERE file = %lld;"
                           "DELETE FROM files WHERE id = %lld;",
                           (long long)id, (long long)id, (long long)id, (long long)id);
    bool ok = exec(ix, sql, err);
    free(sql);
    return ok;
}

/* ---- update ----------------------------------------------------------------------------- */

typedef struct plan {
    pn_ixjob job;
    const pn_logfile *f;
    int64_t entry_id;     /* 0: a new file */
    pn_str head;
    bool done, written, compressed;
    int64_t disk_bytes;   /* what the pass reads on disk (progress) */
} plan;

typedef struct pool {
    plan *plans;
    size_t n;
    size_t next;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t progress;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (i >= p->n)
            break;
        pn_ixjob_run(&p->plans[i].job);
        pthread_mutex_lock(&p->mu);
        p->plans[i].done = true;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static bool write_job(pn_logindex *ix, plan *pl, pn_err *err)
{
    pn_ixjob *j = &pl->job;
    const pn_logfile *f = pl->f;
    bool ok = exec(ix, "BEGIN IMMEDIATE", err);
    if (!ok)
        return false;
    sqlite3_stmt *st = NULL;
    int64_t id = pl->entry_id;
    size_t head_len = pl->head.len;
    int64_t head_hash = pn_ixhash_head(pn_str_cstr(&pl->head), head_len);
    int64_t nblocks = j->n_blocks ? j->blocks[j->n_blocks - 1].seq + 1 : j->start_seq;
    bool complete = !j->cancelled && !j->failed;
    int64_t disk = complete ? f->size : -1;
    if (!id) {
        st = prep(ix, "INSERT INTO files (path, dev, ino, head_hash, head_len, size_indexed, "
                      "lines_indexed, disk_size, mtime, gz, fmt, nblocks, nkeys) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0)", err);
    } else {
        st = prep(ix, "UPDATE files SET path=?, dev=?, ino=?, head_hash=?, head_len=?, "
                      "size_indexed=?, lines_indexed=?, disk_size=?, mtime=?, gz=?, fmt=?, "
                      "nblocks=? WHERE id=?", err);
    }
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)f->dev);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->ino);
    sqlite3_bind_int64(st, 4, head_hash);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)head_len);
    sqlite3_bind_int64(st, 6, j->size_indexed);
    sqlite3_bind_int64(st, 7, j->lines_indexed);
    sqlite3_bind_int64(st, 8, disk);
    sqlite3_bind_int64(st, 9, f->mtime);
    sqlite3_bind_int(st, 10, f->gz);
    sqlite3_bind_int(st, 11, (int)f->fmt);
    sqlite3_bind_int64(st, 12, nblocks);
    if (id)
        sqlite3_bind_int64(st, 13, id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlerr(ix, err, "writing a file row");
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!id) {
        id = sqlite3_last_insert_rowid(ix->db);
        char *sql = pn_sprintf("CREATE TABLE keys_%lld (key INTEGER NOT NULL, block INTEGER NOT NULL,"
                               " PRIMARY KEY (key, block)) WITHOUT ROWID", (long long)id);
        bool c = exec(ix, sql, err);
        free(sql);
        if (!c)
            goto fail;
    }
    st = prep(ix, "INSERT OR REPLACE INTO blocks VALUES (?,?,?,?,?,?,?)", err);
    if (!st)
        goto fail;
    for (size_t i = 0; i < j->n_blocks; i++) {
        const pn_ixblk *b = &j->blocks[i];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, b->seq);
        sqlite3_bind_int64(st, 3, b->offset);
        sqlite3_bind_int64(st, 4, b->lineno);
        sqlite3_bind_int64(st, 5, b->length);
        sqlite3_bind_int64(st, 6, b->ts_min);
        sqlite3_bind_int64(st, 7, b->ts_max);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlerr(ix, err, "writing blocks");
            goto fail;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (f->gz) {
        char *sql = pn_sprintf("DELETE FROM points WHERE file = %lld", (long long)id);
        bool c = exec(ix, sql, err);
        free(sql);
        if (!c)
            goto fail;
        st = prep(ix, "INSERT INTO points (file, out_off, in_off, bits, window) VALUES (?,?,?,?,?)",
                  err);
        if (!st)
            goto fail;
        for (size_t i = 0; i < j->n_points; i++) {
            const pn_ixpoint *p = &j->points[i];
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, p->out);
            sqlite3_bind_int64(st, 3, p->in);
            sqlite3_bind_int(st, 4, p->bits);
            sqlite3_bind_blob(st, 5, p->win, (int)p->win_len, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE) {
                sqlerr(ix, err, "writing access points");
                goto fail;
            }
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        st = NULL;
    } else if (pl->entry_id) {
        char *sql = pn_sprintf("DELETE FROM points WHERE file = %lld", (long long)id);
        bool c = exec(ix, sql, err);
        free(sql);
        if (!c)
            goto fail;
    }
    {
        /* many rows per statement: far fewer VM runs and library calls */
        enum { ROWS = 128 };
        pn_str q = PN_STR_INIT;
        pn_str_appendf(&q, "INSERT OR IGNORE INTO keys_%lld VALUES (?,?)", (long long)id);
        for (int r = 1; r < ROWS; r++)
            pn_str_append(&q, ",(?,?)");
        st = prep(ix, pn_str_cstr(&q), err);
        pn_str_free(&q);
        if (!st)
            goto fail;
        sqlite3_stmt *one = NULL;
        int64_t added = 0;
        size_t i = 0;
        for (; i + ROWS <= j->n_pairs; i += ROWS) {
            for (int r = 0; r < ROWS; r++) {
                sqlite3_bind_int64(st, 2 * r + 1, (sqlite3_int64)j->pairs[i + (size_t)r].key);
                sqlite3_bind_int64(st, 2 * r + 2, j->pairs[i + (size_t)r].block);
            }
            if (sqlite3_step(st) != SQLITE_DONE) {
                sqlerr(ix, err, "writing keys");
                goto fail;
            }
            added += sqlite3_changes(ix->db);
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        st = NULL;
        if (i < j->n_pairs) {
            char *sql = pn_sprintf("INSERT OR IGNORE INTO keys_%lld VALUES (?,?)", (long long)id);
            one = prep(ix, sql, err);
            free(sql);
            if (!one)
                goto fail;
            for (; i < j->n_pairs; i++) {
                sqlite3_bind_int64(one, 1, (sqlite3_int64)j->pairs[i].key);
                sqlite3_bind_int64(one, 2, j->pairs[i].block);
                if (sqlite3_step(one) != SQLITE_DONE) {
                    sqlerr(ix, err, "writing keys");
                    sqlite3_finalize(one);
                    goto fail;
                }
                added += sqlite3_changes(ix->db);
                sqlite3_reset(one);
            }
            sqlite3_finalize(one);
        }
        char *upd = pn_sprintf("UPDATE files SET nkeys = nkeys + %lld WHERE id = %lld",
                               (long long)added, (long long)id);
        bool c = exec(ix, upd, err);
        free(upd);
        if (!c)
            goto fail;
    }
    if (!exec(ix, "COMMIT", err))
        goto fail;
    return true;
fail:
    sqlite3_finalize(st);
    sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
    return false;
}

/* Where an existing entry's pass starts: the last block again when it is
 * short (the live file: its new lines join it), else after it. */
static bool resume_point(pn_logindex *ix, const entry *e, pn_ixjob *j, pn_err *err)
{
    j->start_off = e->size_indexed;
    j->start_line = e->lines_indexed + 1;
    j->start_seq = e->nblocks;
    if (e->nblocks == 0) {
        j->start_off = 0;
        j->start_line = 1;
        return true;
    }
    sqlite3_stmt *st = prep(ix, "SELECT offset, lineno, length FROM blocks WHERE file=? AND seq=?",
                            err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, e->id);
    sqlite3_bind_int64(st, 2, e->nblocks - 1);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 2) < PN_IX_BLOCK &&
        sqlite3_column_int64(st, 0) + sqlite3_column_int64(st, 2) == e->size_indexed) {
        j->start_off = sqlite3_column_int64(st, 0);
        j->start_line = sqlite3_column_int64(st, 1);
        j->start_seq = e->nblocks - 1;
    }
    sqlite3_finalize(st);
    return true;
}

static void report(const pn_ixupdate_opts *o, int64_t done, int64_t total)
{
    if (o && o->progress)
        o->progress(o->cbctx, total > 0 ? (double)done / (double)total : 1.0, done, total);
}

static bool run_plans(pn_logindex *ix, plan *plans, size_t n, const pn_ixupdate_opts *o,
                      int64_t total, pn_err *err)
{
    pool p;
    memset(&p, 0, sizeof(p));
    p.plans = plans;
    p.n = n;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    for (size_t i = 0; i < n; i++)
        plans[i].job.progress = &p.progress;
    int threads = o && o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (threads > 8)
        threads = 8;
    if ((size_t)threads > n)
        threads = (int)n;
    pthread_t th[8];
    int started = 0;
    for (int i = 0; i < threads; i++)
        if (pthread_create(&th[started], NULL, worker, &p) == 0)
            started++;
    if (!started && n)
        worker(&p);
    bool ok = true;
    size_t written = 0;
    while (written < n) {
        pthread_mutex_lock(&p.mu);
        size_t ready = n;
        for (;;) {
            for (size_t i = 0; i < n; i++)
                if (plans[i].done && !plans[i].written) {
                    ready = i;
                    break;
                }
            if (ready < n)
                break;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p.cv, &p.mu, &ts);
            pthread_mutex_unlock(&p.mu);
            report(o, __atomic_load_n(&p.progress, __ATOMIC_RELAXED), total);
            pthread_mutex_lock(&p.mu);
        }
        pthread_mutex_unlock(&p.mu);
        plan *pl = &plans[ready];
        pl->written = true;
        written++;
        if (!ok)
            continue;
        if (pl->job.failed && pl->entry_id) {
            /* the old entry does not fit this file after all: index it anew */
            pn_err_clear(&pl->job.err);
            if (!drop_entry(ix, pl->entry_id, err)) {
                ok = false;
                continue;
            }
            const pn_logfile *f = pl->job.f;
            const volatile int *cancel = pl->job.cancel;
            int64_t *prog = pl->job.progress;
            pn_ixjob_free(&pl->job);
            pl->job.f = f;
            pl->job.cancel = cancel;
            pl->job.progress = prog;
            pl->job.start_line = 1;
            pl->job.want_points = f->gz;
            pl->entry_id = 0;
            pn_ixjob_run(&pl->job);
        }
        if (pl->job.failed) {
            ok = pn_err_set(err, pl->job.err.code, "%s", pn_err_msg(&pl->job.err));
            continue;
        }
        if (!write_job(ix, pl, err))
            ok = false;
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    report(o, total, total);
    return ok;
}

static int cmp_plan_size(const void *a, const void *b)
{
    const plan *x = a, *y = b;
    return x->disk_bytes < y->disk_bytes ? 1 : x->disk_bytes > y->disk_bytes ? -1 : 0;
}

static int64_t file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

static bool count_totals(pn_logindex *ix, pn_ixstats *s, pn_err *err)
{
    sqlite3_stmt *st = prep(ix, "SELECT coalesce(sum(size_indexed),0), coalesce(sum(nblocks),0), "
                                "coalesce(sum(nkeys),0) FROM files", err);
    if (!st)
        return false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        s->bytes_total = sqlite3_column_int64(st, 0);
        s->blocks = sqlite3_column_int64(st, 1);
        s->keys = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    sqlite3_wal_checkpoint_v2(ix->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    char *wal = pn_sprintf("%s-wal", ix->path);
    s->index_bytes = file_bytes(ix->path) + file_bytes(wal);
    free(wal);
    return true;
}

bool pn_logindex_update(pn_logindex *ix, const pn_logset *set, const pn_ixupdate_opts *o,
                        pn_ixstats *stats, pn_err *err)
{
    pn_ixstats local;
    pn_ixstats *s = stats ? stats : &local;
    resolved_free(ix);   /* the entries change */
    memset(s, 0, sizeof(*s));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    entry *es = NULL;
    size_t ne = 0;
    if (!load_entries(ix, &es, &ne, err))
        return false;
    if (o && o->rebuild) {
        for (size_t i = 0; i < ne; i++)
            if (!drop_entry(ix, es[i].id, err)) {
                entries_free(es, ne);
                return false;
            }
        entries_free(es, ne);
        es = NULL;
        ne = 0;
        if (!exec(ix, "VACUUM", err))
            return false;
    }
    plan *plans = pn_calloc(set->n ? set->n : 1, sizeof(*plans));
    size_t np = 0;
    int64_t total = 0;
    bool ok = true;
    pn_str head = PN_STR_INIT;
    entry **claim = pn_calloc(set->n ? set->n : 1, sizeof(*claim));
    /* who is who: by inode first for every file, then by head */
    for (int pass = 0; pass < 2 && ok; pass++) {
        for (size_t i = 0; i < set->n && ok; i++) {
            if (claim[i])
                continue;
            const pn_logfile *f = &set->files[i];
            if (!(ok = pn_ix_read_head(f, &head, err)))
                break;
            entry *e = match_entry(es, ne, f, &head, pass == 1);
            if (e) {
                e->claimed = true;
                claim[i] = e;
            }
        }
    }
    for (size_t i = 0; i < ne && ok; i++)
        if (!es[i].claimed) {
            ok = drop_entry(ix, es[i].id, err);
            s->files_dropped++;
        }
    for (size_t i = 0; i < set->n && ok; i++) {
        const pn_logfile *f = &set->files[i];
        entry *e = claim[i];
        if (e && !f->gz && f->size < e->size_indexed) {   /* truncated */
            ok = drop_entry(ix, e->id, err);
            s->files_dropped++;
            e = NULL;
        }
        if (!ok)
            break;
        if (e && e->gz == f->gz && e->disk_size == f->size) {
            if (strcmp(e->path, f->path) || e->dev != f->dev || e->ino != f->ino) {
                sqlite3_stmt *st = prep(ix, "UPDATE files SET path=?, dev=?, ino=? WHERE id=?", err);
                if (!(ok = st != NULL))
                    break;
                sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (sqlite3_int64)f->dev);
                sqlite3_bind_int64(st, 3, (sqlite3_int64)f->ino);
                sqlite3_bind_int64(st, 4, e->id);
                if (sqlite3_step(st) != SQLITE_DONE)
                    ok = sqlerr(ix, err, "renaming a file");
                sqlite3_finalize(st);
                s->files_renamed++;
            } else {
                s->files_unchanged++;
            }
            continue;
        }
        plan *pl = &plans[np++];
        pl->f = f;
        pl->job.f = f;
        pl->job.cancel = o ? o->cancel : NULL;
        pl->job.want_points = f->gz;
        pl->job.start_line = 1;
        if (!(ok = pn_ix_read_head(f, &pl->head, err)))
            break;
        if (e) {
            pl->entry_id = e->id;
            pl->compressed = f->gz && !e->gz;
            if (!(ok = resume_point(ix, e, &pl->job, err)))
                break;
            if (pl->compressed)
                s->files_compressed++;
            else if (strcmp(e->path, f->path) || e->dev != f->dev || e->ino != f->ino)
                s->files_renamed++;
            if (!pl->compressed)
                s->files_extended++;
        } else {
            s->files_added++;
        }
        pl->disk_bytes = f->gz ? f->size : f->size - pl->job.start_off;
        total += pl->disk_bytes;
    }
    pn_str_free(&head);
    free(claim);
    entries_free(es, ne);
    if (ok && np) {
        qsort(plans, np, sizeof(*plans), cmp_plan_size);
        for (size_t i = 0; i < np; i++)
            plans[i].job.f = plans[i].f;
        ok = run_plans(ix, plans, np, o, total, err);
    }
    for (size_t i = 0; i < np; i++) {
        s->bytes_read += plans[i].job.size_seen - (plans[i].f->gz ? 0 : plans[i].job.start_off);
        if (ok && plans[i].job.cancelled)
            ok = pn_err_set(err, PN_E_INVALID, "log index: cancelled (the files done so far stay "
                                               "indexed)");
        pn_ixjob_free(&plans[i].job);
        pn_str_free(&plans[i].head);
    }
    free(plans);
    if (ok)
        ok = count_totals(ix, s, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return ok;
}

/* ---- freshness and lookups ------------------------------------------------------------------ */

/* The entry of a set file (inode, head, gzip-ness), or NULL. */
static entry *known_entry(entry *es, size_t n, const pn_logfile *f, pn_str *head)
{
    if (!pn_ix_read_head(f, head, NULL))
        return NULL;
    entry *e = match_entry(es, n, f, head, false);
    if (!e || e->gz != f->gz || (!f->gz && f->size < e->size_indexed))
        return NULL;
    return e;
}

bool pn_logindex_fresh(pn_logindex *ix, const pn_logset *set)
{
    entry *es = NULL;
    size_t ne = 0;
    if (!load_entries(ix, &es, &ne, NULL))
        return false;
    pn_str head = PN_STR_INIT;
    bool fresh = true;
    for (size_t i = 0; i < set->n && fresh; i++) {
        entry *e = known_entry(es, ne, &set->files[i], &head);
        fresh = e && e->disk_size == set->files[i].size;
        if (e)
            e->claimed = true;
    }
    pn_str_free(&head);
    entries_free(es, ne);
    return fresh;
}

typedef struct blist {
    pn_logblock *v;
    size_t n, cap;
} blist;

static pn_logblock *push(blist *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = pn_realloc(l->v, l->cap * sizeof(*l->v));
    }
    pn_logblock *b = &l->v[l->n++];
    memset(b, 0, sizeof(*b));
    b->pt_id = -1;
    return b;
}

/* The key's rows first (CROSS JOIN fixes SQLite's join order: left to
 * itself it walks every block of the file and probes the key in each). */
static bool lookup_file(pn_logindex *ix, int fi, const entry *e, uint64_t key, blist *l,
                        pn_err *err)
{
    char *sql = pn_sprintf("SELECT b.offset, b.lineno, b.length, b.ts_min, b.ts_max FROM keys_%lld k "
                           "CROSS JOIN blocks b ON b.file = %lld AND b.seq = k.block WHERE k.key = ? "
                           "ORDER BY k.block", (long long)e->id, (long long)e->id);
    sqlite3_stmt *st = prep(ix, sql, err);
    free(sql);
    if (!st)
        return false;
    sqlite3_stmt *pt = NULL;
    if (e->gz && !(pt = prep(ix, "SELECT id, out_off, in_off, bits FROM points WHERE file = ? AND "
                                 "out_off <= ? ORDER BY out_off DESC LIMIT 1", err))) {
        sqlite3_finalize(st);
        return false;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)key);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        pn_logblock *b = push(l);
        b->file = fi;
        b->offset = sqlite3_column_int64(st, 0);
        b->lineno = sqlite3_column_int64(st, 1);
        b->length = sqlite3_column_int64(st, 2);
        b->ts_min = sqlite3_column_int64(st, 3);
        b->ts_max = sqlite3_column_int64(st, 4);
        if (pt) {
            sqlite3_bind_int64(pt, 1, e->id);
            sqlite3_bind_int64(pt, 2, b->offset);
            if (sqlite3_step(pt) == SQLITE_ROW) {
                b->pt_id = sqlite3_column_int64(pt, 0);
                b->pt_out = sqlite3_column_int64(pt, 1);
                b->pt_in = sqlite3_column_int64(pt, 2);
                b->pt_bits = sqlite3_column_int(pt, 3);
            }
            sqlite3_reset(pt);
        }
    }
    bool ok = rc == SQLITE_DONE || sqlerr(ix, err, "looking up a key");
    sqlite3_finalize(st);
    sqlite3_finalize(pt);
    return ok;
}

/* What lookups learn about a set once: the index's entry of each of its
 * files (or none). Kept while the set is the same object with files of the
 * same identity, size and mtime, and no update ran on this handle; it
 * saves reading every file's head (inflating the gzip ones) per lookup. */
typedef struct pn_ixresolved {
    const pn_logset *set;
    size_t n;
    struct rsnap {
        uint64_t dev, ino;
        int64_t size, mtime;
        bool gz;
    } *snap;
    entry *es;
    size_t ne;
    int *match;                    /* entry index per file of the set, -1: unknown */
} pn_ixresolved;

static void resolved_free(pn_logindex *ix)
{
    pn_ixresolved *r = ix->resolved;
    if (!r)
        return;
    free(r->snap);
    entries_free(r->es, r->ne);
    free(r->match);
    free(r);
    ix->resolved = NULL;
}

static const pn_ixresolved *resolve(pn_logindex *ix, const pn_logset *set, pn_err *err)
{
    pn_ixresolved *r = ix->resolved;
    if (r && r->set == set && r->n == set->n) {
        bool same = true;
        for (size_t i = 0; i < set->n && same; i++) {
            const pn_logfile *f = &set->files[i];
            same = r->snap[i].dev == f->dev && r->snap[i].ino == f->ino &&
                   r->snap[i].size == f->size && r->snap[i].mtime == f->mtime &&
                   r->snap[i].gz == f->gz;
        }
        if (same)
            return r;
    }
    resolved_free(ix);
    r = pn_calloc(1, sizeof(*r));
    if (!load_entries(ix, &r->es, &r->ne, err)) {
        free(r);
        return NULL;
    }
    r->set = set;
    r->n = set->n;
    r->snap = pn_calloc(set->n + 1, sizeof(*r->snap));
    r->match = pn_calloc(set->n + 1, sizeof(int));
    pn_str head = PN_STR_INIT;
    for (size_t i = 0; i < set->n; i++) {
        const pn_logfile *f = &set->files[i];
        r->snap[i] = (struct rsnap){f->dev, f->ino, f->size, f->mtime, f->gz};
        entry *e = known_entry(r->es, r->ne, f, &head);
        if (e)
            e->claimed = true;
        r->match[i] = e ? (int)(e - r->es) : -1;
    }
    pn_str_free(&head);
    ix->resolved = r;
    return r;
}

bool pn_logindex_lookup(pn_logindex *ix, const pn_logset *set, int kind, const char *key,
                        size_t keylen, pn_logblock **out, size_t *n, pn_err *err)
{
    *out = NULL;
    *n = 0;
    if (kind < PN_IX_QID || kind > PN_IX_PROC)
        return pn_err_set(err, PN_E_INVALID, "log index: unknown key kind %d", kind);
    uint64_t h = pn_logindex_key(kind, key, keylen);
    const pn_ixresolved *rs = resolve(ix, set, err);
    if (!rs)
        return false;
    blist l = {NULL, 0, 0};
    bool ok = true;
    for (size_t i = 0; i < set->n && ok; i++) {
        const pn_logfile *f = &set->files[i];
        const entry *e = rs->match[i] >= 0 ? &rs->es[rs->match[i]] : NULL;
        if (!e || (f->gz && e->disk_size != f->size)) {
            pn_logblock *b = push(&l);          /* unknown: all of it */
            b->file = (int)i;
            b->lineno = 1;
            b->length = -1;
            b->tail = true;
            continue;
        }
        ok = lookup_file(ix, (int)i, e, h, &l, err);
        if (ok && !f->gz && (f->size > e->size_indexed)) {
            pn_logblock *b = push(&l);
            b->file = (int)i;
            b->offset = e->size_indexed;
            b->lineno = e->lines_indexed + 1;
            b->length = -1;
            b->tail = true;
        }
    }
    if (!ok) {
        free(l.v);
        return false;
    }
    *out = l.v;
    *n = l.n;
    return true;
}
