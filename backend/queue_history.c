/* queue_history.c - queue size history: take a sample (one queue scan,
 * counted per queue) into the state DB table queue_samples, prune old
 * samples, and read them back for the history graph (see queue.h). */
#include "queue.h"
#include "util/mem.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One-line reason for a failed SQLite call: never a bare result code. */
static bool db_fail(sqlite3 *db, int rc, pn_err *err, const char *what)
{
    int prim = rc & 0xff;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        return pn_err_set(err, PN_E_DB, "%s: the state DB is busy (locked by another postern?)",
                          what);
    if (prim == SQLITE_READONLY)
        return pn_err_set(err, PN_E_DB, "%s: the state DB is read-only", what);
    if (prim == SQLITE_FULL)
        return pn_err_set(err, PN_E_DB, "%s: the disk holding the state DB is full", what);
    const char *m = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return pn_err_set(err, PN_E_DB, "%s: %s", what, m ? m : sqlite3_errstr(rc));
}

static void rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *instance_name(const pn_ctx *ctx)
{
    return ctx->cfg && ctx->cfg->instance && *ctx->cfg->instance ? ctx->cfg->instance : "default";
}

static bool count_cb(void *vctx, const pn_qentry *e)
{
    pn_qsample_add(vctx, e);
    return true;
}

void pn_qsample_add(pn_qsample *s, const pn_qentry *e)
{
    int q = (e->queue >= 0 && e->queue < PN_QN_COUNT) ? (int)e->queue : PN_QN_OTHER;
    s->count[q]++;
    if (e->size > 0)
        s->bytes += e->size;
}

bool pn_queue_sample(pn_ctx *ctx, sqlite3 *db, int64_t retention_s, pn_qsample *out,
                     pn_err *err)
{
    pn_qsample s;
    memset(&s, 0, sizeof(s));
    if (!db)
        return pn_err_set(err, PN_E_DB, "queue sample: no state DB is open");

    /* Scan before taking the DB lock: the listing may take a while. */
    if (!pn_queue_scan(ctx, count_cb, &s, NULL, err)) {
        pn_err_prefix(err, "queue sample");
        return false;
    }
    s.at = (int64_t)time(NULL);
    if (!pn_queue_sample_store(db, instance_name(ctx), &s, retention_s, err))
        return false;
    if (out)
        *out = s;
    return true;
}

bool pn_queue_sample_store(sqlite3 *db, const char *inst, const pn_qsample *s,
                           int64_t retention_s, pn_err *err)
{
    if (!db)
        return pn_err_set(err, PN_E_DB, "queue sample: no state DB is open");
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, err, "queue sample: cannot start a transaction");

    static const char ins_sql[] =
        "INSERT OR REPLACE INTO queue_samples"
        " (at, instance, incoming, active, deferred, hold, maildrop, corrupt, bytes)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, ins_sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        db_fail(db, rc, err, "queue sample: cannot store it (is the state DB migrated?)");
        goto fail;
    }
    sqlite3_bind_int64(st, 1, s->at);
    sqlite3_bind_text(st, 2, inst, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, s->count[PN_QN_INCOMING]);
    sqlite3_bind_int64(st, 4, s->count[PN_QN_ACTIVE]);
    sqlite3_bind_int64(st, 5, s->count[PN_QN_DEFERRED]);
    sqlite3_bind_int64(st, 6, s->count[PN_QN_HOLD]);
    sqlite3_bind_int64(st, 7, s->count[PN_QN_MAILDROP]);
    sqlite3_bind_int64(st, 8, s->count[PN_QN_CORRUPT]);
    sqlite3_bind_int64(st, 9, s->bytes);
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        db_fail(db, rc, err, "queue sample: cannot store it");
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;

    if (retention_s > 0) {
        rc = sqlite3_prepare_v2(db, "DELETE FROM queue_samples WHERE instance = ?1 AND at < ?2",
                                -1, &st, NULL);
        if (rc != SQLITE_OK) {
            db_fail(db, rc, err, "queue sample: cannot prune old samples");
            goto fail;
        }
        sqlite3_bind_text(st, 1, inst, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, s->at - retention_s);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
            db_fail(db, rc, err, "queue sample: cannot prune old samples");
            goto fail;
        }
        sqlite3_finalize(st);
        st = NULL;
    }

    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db_fail(db, rc, err, "queue sample: cannot commit");
        goto fail;
    }
    return true;

fail:
    sqlite3_finalize(st);
    rollback(db);
    return false;
}

bool pn_queue_history(sqlite3 *db, const char *instance, int64_t since, pn_qsample **out,
                      size_t *n, pn_err *err)
{
    *out = NULL;
    *n = 0;
    if (!db)
        return pn_err_set(err, PN_E_DB, "queue history: no state DB is open");
    if (!instance)
        instance = "default";
    static const char sql[] =
        "SELECT at, incoming, active, deferred, hold, maildrop, corrupt, bytes"
        " FROM queue_samples WHERE instance = ?1 AND at >= ?2 ORDER BY at";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(db, rc, err, "queue history: cannot read the samples (is the state DB migrated?)");
    sqlite3_bind_text(st, 1, instance, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, since);

    pn_qsample *v = NULL;
    size_t len = 0, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 64;
            v = pn_realloc(v, cap * sizeof(*v));
        }
        pn_qsample *s = &v[len++];
        memset(s, 0, sizeof(*s));
        s->at = sqlite3_column_int64(st, 0);
        s->count[PN_QN_INCOMING] = (long)sqlite3_column_int64(st, 1);
        s->count[PN_QN_ACTIVE] = (long)sqlite3_column_int64(st, 2);
        s->count[PN_QN_DEFERRED] = (long)sqlite3_column_int64(st, 3);
        s->count[PN_QN_HOLD] = (long)sqlite3_column_int64(st, 4);
        s->count[PN_QN_MAILDROP] = (long)sqlite3_column_int64(st, 5);
        s->count[PN_QN_CORRUPT] = (long)sqlite3_column_int64(st, 6);
        s->bytes = sqlite3_column_int64(st, 7);
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, rc, err, "queue history: cannot read the samples");
        sqlite3_finalize(st);
        free(v);
        return false;
    }
    sqlite3_finalize(st);
    *out = v;
    *n = len;
    return true;
}
