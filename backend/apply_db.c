/* apply_db.c - the bookkeeping of apply runs in the state DB: generation
 * rows, stamping journal rows with the generation they went out in, the
 * site values of managed parameters, the apply lock, state snapshots for
 * revert, pruning old generations, and the history listing. */
#include "apply_internal.h"
#include "util/argv.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The configuration tables, parents first. */
static const char *const state_tables[] = {
    "domains", "mailboxes", "mailbox_forwards", "groups", "group_members",
    "public_mailboxes", "public_owners", "addresses", "address_destinations", "settings",
};
#define N_STATE_TABLES (sizeof(state_tables) / sizeof(state_tables[0]))

static bool db_err(sqlite3 *db, const char *what, pn_err *err)
{
    return pn_err_set(err, PN_E_DB, "%s: %s", what, sqlite3_errmsg(db));
}

static bool exec(sqlite3 *db, const char *sql, pn_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pn_err_set(err, PN_E_DB, "state DB: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

static int64_t query_int(sqlite3 *db, const char *sql, int64_t arg, int64_t dflt)
{
    sqlite3_stmt *s = NULL;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_bind_parameter_count(s))
            sqlite3_bind_int64(s, 1, arg);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
            v = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return v;
}

bool ap_db_max_journal(ap_run *r, pn_err *err)
{
    (void)err;
    r->max_journal = query_int(pn_store_db(r->st), "SELECT COALESCE(max(id), 0) FROM journal",
                               0, 0);
    return true;
}

bool ap_db_pending(ap_run *r, size_t *pending, pn_err *err)
{
    int64_t n = 0;
    if (!pn_store_pending_count(r->st, &n, err))
        return false;
    *pending = (size_t)n;
    return true;
}

static bool max_gen_cb(void *ctx, const char *name, pn_ftype type)
{
    (void)type;
    int64_t *max = ctx;
    if (!strncmp(name, "gen-", 4)) {
        int64_t n = strtoll(name + 4, NULL, 10);
        if (n > *max)
            *max = n;
    }
    return true;
}

int64_t ap_db_next_gen(ap_run *r)
{
    int64_t max = query_int(pn_store_db(r->st), "SELECT COALESCE(max(id), 0) FROM generations",
                            0, 0);
    for (int s = 0; s < PN_SVC_COUNT; s++)
        pn_list_dir(r->ctx->tr, r->root[s], max_gen_cb, &max, NULL);
    return max + 1;
}

/* ---- the lock: one apply at a time per state DB ---- */

bool ap_lock(ap_run *r, int *fd, pn_err *err)
{
    char *path = pn_sprintf("%s.apply-lock", r->ctx->cfg->state_db);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0) {
        int e = errno;
        pn_err_set(err, PN_E_IO, "apply: cannot open the lock %s: %s", path, strerror(e));
        free(path);
        return false;
    }
    free(path);
    for (int i = 0; i < 300; i++) {   /* up to 30 s */
        if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
            return true;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    close(*fd);
    *fd = -1;
    return pn_err_set(err, PN_E_CONFLICT,
                      "apply: another apply is running for this state DB; try again later");
}

void ap_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* ---- generation rows ---- */

static char *actor_name(void)
{
    struct passwd *pw = getpwuid(geteuid());
    return pw && pw->pw_name ? pn_strdup(pw->pw_name) : pn_sprintf("uid %u", (unsigned)geteuid());
}

bool ap_db_gen_insert(ap_run *r, int64_t gen, const char *snapshot, pn_err *err)
{
    sqlite3 *db = pn_store_db(r->st);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO generations(id, at, actor, status, note,"
                               " reverted_from, snapshot) VALUES (?1, ?2, ?3, 'staged', ?4,"
                               " ?5, ?6)", -1, &s, NULL) != SQLITE_OK)
        return db_err(db, "generations", err);
    char *actor = actor_name();
    sqlite3_bind_int64(s, 1, gen);
    sqlite3_bind_int64(s, 2, (int64_t)time(NULL));
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_TRANSIENT);
    if (r->opts && r->opts->note)
        sqlite3_bind_text(s, 4, r->opts->note, -1, SQLITE_TRANSIENT);
    if (r->reverted_from)
        sqlite3_bind_int64(s, 5, r->reverted_from);
    if (snapshot)
        sqlite3_bind_text(s, 6, snapshot, -1, SQLITE_TRANSIENT);
    free(actor);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? true : db_err(db, "generations", err);
}

bool ap_db_gen_status(ap_run *r, int64_t gen, const char *status, const char *message,
                      pn_err *err)
{
    sqlite3 *db = pn_store_db(r->st);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE generations SET status = ?2, message = ?3 WHERE id = ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(db, "generations", err);
    sqlite3_bind_int64(s, 1, gen);
    sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
    if (message)
        sqlite3_bind_text(s, 3, message, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? true : db_err(db, "generations", err);
}

static bool record_sites(ap_run *r, pn_err *err)
{
    sqlite3 *db = pn_store_db(r->st);
    for (size_t i = 0; i < r->nparams; i++) {
        if (!r->params[i].record_site)
            continue;
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO apply_site_params(name, value)"
                                   " VALUES (?1, ?2)", -1, &s, NULL) != SQLITE_OK)
            return db_err(db, "site parameters", err);
        sqlite3_bind_text(s, 1, r->params[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, r->params[i].site ? r->params[i].site : "", -1,
                          SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return db_err(db, "site parameters", err);
    }
    return true;
}

static bool stamp(sqlite3 *db, int64_t gen, int64_t max_journal, pn_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE journal SET generation = ?1 WHERE generation IS NULL"
                               " AND id <= ?2", -1, &s, NULL) != SQLITE_OK)
        return db_err(db, "journal", err);
    sqlite3_bind_int64(s, 1, gen);
    sqlite3_bind_int64(s, 2, max_journal);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? true : db_err(db, "journal", err);
}

bool ap_db_gen_live(ap_run *r, int64_t gen, pn_err *err)
{
    sqlite3 *db = pn_store_db(r->st);
    if (!exec(db, "BEGIN IMMEDIATE", err))
        return false;
    char *sql = pn_sprintf("UPDATE generations SET status = 'ok' WHERE status = 'live';"
                           "UPDATE generations SET status = 'live' WHERE id = %lld;",
                           (long long)gen);
    bool ok = exec(db, sql, err) && stamp(db, gen, r->max_journal, err) &&
              record_sites(r, err) && exec(db, "COMMIT", err);
    free(sql);
    if (!ok)
        exec(db, "ROLLBACK", NULL);
    return ok;
}

bool ap_db_stamp_noop(ap_run *r, pn_err *err)
{
    int64_t live = query_int(pn_store_db(r->st),
                             "SELECT id FROM generations WHERE status = 'live'", 0, 0);
    if (!live)
        return true;
    return stamp(pn_store_db(r->st), live, r->max_journal, err);
}

bool ap_recover(ap_run *r, pn_err *err)
{
    sqlite3 *db = pn_store_db(r->st);
    int64_t staged;
    while ((staged = query_int(db, "SELECT id FROM generations WHERE status = 'staged'"
                                   " ORDER BY id LIMIT 1", 0, 0))) {
        bool swapped = false;
        for (int s = 0; s < PN_SVC_COUNT; s++)
            swapped |= ap_gen_of_link(r, s) == staged;
        if (swapped) {
            ap_log(r, "generation %lld was swapped in by an interrupted apply: it is live,"
                      " and this run reloads the services", (long long)staged);
            r->force_reload = true;
            int64_t keep = r->max_journal;
            r->max_journal = 0;
            bool ok = ap_db_gen_live(r, staged, err);
            r->max_journal = keep;
            if (!ok)
                return false;
        } else if (!ap_db_gen_status(r, staged, "failed", "interrupted before the swap", err)) {
            return false;
        }
    }
    return true;
}

/* ---- snapshots ---- */

static char *snapshot_dir(const char *state_db)
{
    const char *slash = strrchr(state_db, '/');
    return slash ? pn_sprintf("%.*s/generations", (int)(slash - state_db), state_db)
                 : pn_strdup("generations");
}

bool ap_snapshot(ap_run *r, int64_t gen, char **path, pn_err *err)
{
    *path = NULL;
    char *dir = snapshot_dir(r->ctx->cfg->state_db);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        int e = errno;
        pn_err_set(err, PN_E_IO, "snapshot: cannot create %s: %s", dir, strerror(e));
        free(dir);
        return false;
    }
    char *file = pn_sprintf("%s/gen-%lld.db", dir, (long long)gen);
    free(dir);
    unlink(file);
    int fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);  /* holds hashes */
    if (fd >= 0)
        close(fd);
    sqlite3 *db = pn_store_db(r->st);
    sqlite3_stmt *s = NULL;
    bool ok = sqlite3_prepare_v2(db, "ATTACH ?1 AS snap", -1, &s, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_text(s, 1, file, -1, SQLITE_STATIC);
        ok = sqlite3_step(s) == SQLITE_DONE;
    }
    sqlite3_finalize(s);
    if (!ok) {
        db_err(db, "snapshot", err);
        free(file);
        return false;
    }
    pn_str sql = PN_STR_INIT;
    pn_str_append(&sql, "BEGIN;");
    for (size_t i = 0; i < N_STATE_TABLES; i++)
        pn_str_appendf(&sql, "CREATE TABLE snap.%s AS SELECT * FROM main.%s;", state_tables[i],
                       state_tables[i]);
    pn_str_append(&sql, "COMMIT;");
    ok = exec(db, pn_str_cstr(&sql), err);
    if (!ok)
        exec(db, "ROLLBACK", NULL);
    pn_str_free(&sql);
    exec(db, "DETACH snap", NULL);
    if (!ok) {
        unlink(file);
        free(file);
        return false;
    }
    *path = file;
    return true;
}

bool ap_restore_snapshot(pn_store *st, pn_ctx *ctx, int64_t *gen, pn_err *err)
{
    (void)ctx;
    sqlite3 *db = pn_store_db(st);
    if (*gen <= 0)
        *gen = query_int(db, "SELECT max(id) FROM generations WHERE status IN ('ok')"
                             " AND pruned = 0 AND id < (SELECT COALESCE(max(id), 0) FROM"
                             " generations WHERE status = 'live')", 0, 0);
    if (*gen <= 0)
        return pn_err_set(err, PN_E_NOTFOUND, "revert: there is no earlier generation to go"
                                              " back to");
    sqlite3_stmt *s = NULL;
    char *file = NULL, *status = NULL;
    int64_t pruned = 1;
    if (sqlite3_prepare_v2(db, "SELECT snapshot, status, pruned FROM generations WHERE id = ?1",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, *gen);
        if (sqlite3_step(s) == SQLITE_ROW) {
            if (sqlite3_column_text(s, 0))
                file = pn_strdup((const char *)sqlite3_column_text(s, 0));
            status = pn_strdup((const char *)sqlite3_column_text(s, 1));
            pruned = sqlite3_column_int64(s, 2);
        }
    }
    sqlite3_finalize(s);
    bool ok = true;
    if (!status)
        ok = pn_err_set(err, PN_E_NOTFOUND, "revert: generation %lld does not exist",
                        (long long)*gen);
    else if (strcmp(status, "ok") && strcmp(status, "live"))
        ok = pn_err_set(err, PN_E_INVALID, "revert: generation %lld %s; only one that went"
                        " live can be restored", (long long)*gen,
                        !strcmp(status, "failed") ? "failed validation" : "was rolled back");
    else if (pruned || !file || access(file, R_OK) != 0)
        ok = pn_err_set(err, PN_E_NOTFOUND, "revert: generation %lld is no longer kept"
                        " (apply.keep in postern.yaml)", (long long)*gen);
    free(status);
    if (!ok) {
        free(file);
        return false;
    }
    /* one transaction: empty the configuration, copy the snapshot, journal it */
    pn_str sql = PN_STR_INIT;
    char *quoted = sqlite3_mprintf("%Q", file);
    pn_str_appendf(&sql, "ATTACH %s AS snap;", quoted);
    sqlite3_free(quoted);
    ok = exec(db, pn_str_cstr(&sql), err);
    pn_str_truncate(&sql, 0);
    if (!ok) {
        free(file);
        pn_str_free(&sql);
        return false;
    }
    pn_str_append(&sql, "BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON;");
    for (size_t i = N_STATE_TABLES; i-- > 0;)
        pn_str_appendf(&sql, "DELETE FROM main.%s;", state_tables[i]);
    for (size_t i = 0; i < N_STATE_TABLES; i++)
        pn_str_appendf(&sql, "INSERT INTO main.%s SELECT * FROM snap.%s;", state_tables[i],
                       state_tables[i]);
    char *actor = actor_name();
    char *j = sqlite3_mprintf("INSERT INTO journal(at, actor, entity, action, before, after,"
                              " generation) VALUES (%lld, %Q, 'state', 'revert', NULL,"
                              " '{\"restored_generation\":%lld}', NULL);",
                              (long long)time(NULL), actor, (long long)*gen);
    pn_str_append(&sql, j);
    sqlite3_free(j);
    free(actor);
    pn_str_append(&sql, "COMMIT;");
    ok = exec(db, pn_str_cstr(&sql), err);
    if (!ok)
        exec(db, "ROLLBACK", NULL);
    exec(db, "DETACH snap", NULL);
    pn_str_free(&sql);
    free(file);
    return ok;
}

/* ---- pruning ---- */

typedef struct gen_list {
    int64_t *v;
    size_t n;
    pn_argv stale;   /* *.stage directories */
} gen_list;

static bool list_cb(void *ctx, const char *name, pn_ftype type)
{
    gen_list *l = ctx;
    if (type != PN_FT_DIR || strncmp(name, "gen-", 4))
        return true;
    if (strstr(name, ".stage")) {
        pn_argv_add(&l->stale, name);
        return true;
    }
    l->v = pn_realloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = strtoll(name + 4, NULL, 10);
    return true;
}

static int cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

void ap_prune(ap_run *r)
{
    int keep = r->ctx->cfg->apply_keep > 1 ? r->ctx->cfg->apply_keep : PN_APPLY_KEEP_DEFAULT;
    sqlite3 *db = pn_store_db(r->st);
    for (int s = 0; s < PN_SVC_COUNT; s++) {
        gen_list l = {0};
        pn_list_dir(r->ctx->tr, r->root[s], list_cb, &l, NULL);
        int64_t live = ap_gen_of_link(r, s);
        if (l.n)
            qsort(l.v, l.n, sizeof(*l.v), cmp_desc);
        for (size_t i = (size_t)keep; i < l.n; i++) {
            if (l.v[i] == live)
                continue;
            char *dir = pn_sprintf("%s/gen-%lld", r->root[s], (long long)l.v[i]);
            if (pn_remove(r->ctx->tr, dir, NULL))
                ap_log(r, "removed old generation %s", dir);
            free(dir);
            if (s == PN_SVC_POSTFIX) {
                char *sql = pn_sprintf("UPDATE generations SET pruned = 1 WHERE id = %lld",
                                       (long long)l.v[i]);
                exec(db, sql, NULL);
                free(sql);
                char *snapdir = snapshot_dir(r->ctx->cfg->state_db);
                char *file = pn_sprintf("%s/gen-%lld.db", snapdir, (long long)l.v[i]);
                unlink(file);
                free(file);
                free(snapdir);
            }
        }
        for (size_t i = 0; i < l.stale.n; i++) {
            char *dir = pn_sprintf("%s/%s", r->root[s], l.stale.v[i]);
            pn_remove(r->ctx->tr, dir, NULL);
            free(dir);
        }
        free(l.v);
        pn_argv_free(&l.stale);
    }
}

/* ---- history ---- */

bool pn_apply_history(pn_store *st, size_t limit, pn_generation **out, size_t *count,
                      pn_err *err)
{
    *out = NULL;
    *count = 0;
    sqlite3 *db = pn_store_db(st);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT g.id, g.at, g.actor, g.status,"
                               " COALESCE(g.message, g.note), COALESCE(g.reverted_from, 0),"
                               " (SELECT count(*) FROM journal j WHERE j.generation = g.id),"
                               " g.pruned FROM generations g ORDER BY g.id DESC LIMIT ?1",
                           -1, &s, NULL) != SQLITE_OK)
        return db_err(db, "history", err);
    sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : -1);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = pn_realloc(*out, (*count + 1) * sizeof(**out));
        pn_generation *g = &(*out)[(*count)++];
        const char *msg = (const char *)sqlite3_column_text(s, 4);
        *g = (pn_generation){
            sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
            pn_strdup((const char *)sqlite3_column_text(s, 2)),
            pn_strdup((const char *)sqlite3_column_text(s, 3)),
            msg ? pn_strdup(msg) : NULL, sqlite3_column_int64(s, 5),
            sqlite3_column_int64(s, 6), sqlite3_column_int64(s, 7) == 0,
        };
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        pn_generation_list_free(*out, *count);
        *out = NULL;
        *count = 0;
        return db_err(db, "history", err);
    }
    return true;
}

void pn_generation_list_free(pn_generation *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].actor);
        free(list[i].status);
        free(list[i].message);
    }
    free(list);
}
