/* db.c - the SQLite state database: open with safe pragmas, and the
 * forward-only migration runner keyed on PRAGMA user_version (see db.h).
 *
 * Errors are one-line human reasons; SQLITE_BUSY/SQLITE_LOCKED always become
 * "state DB is busy (locked by another postern?) after 5 s". */
#include "db.h"
#include "util/mem.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int busy_timeout_ms = PN_DB_BUSY_TIMEOUT_MS;

int pn_db_set_busy_timeout(int ms)
{
    int old = busy_timeout_ms;
    busy_timeout_ms = ms < 0 ? 0 : ms;
    return old;
}

static bool is_busy(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

static bool busy_error(pn_err *err)
{
    if (busy_timeout_ms % 1000 == 0)
        return pn_err_set(err, PN_E_DB, "state DB is busy (locked by another postern?) after %d s",
                          busy_timeout_ms / 1000);
    return pn_err_set(err, PN_E_DB, "state DB is busy (locked by another postern?) after %d ms",
                      busy_timeout_ms);
}

static const char *db_path(sqlite3 *db)
{
    const char *p = sqlite3_db_filename(db, "main");
    return p && *p ? p : "(in memory)";
}

/* Report a failed SQLite call: the busy message, or "<what>: <sqlite reason>". */
static bool sql_error(sqlite3 *db, int rc, pn_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool sql_error(sqlite3 *db, int rc, pn_err *err, const char *fmt, ...)
{
    if (is_busy(rc))
        return busy_error(err);
    pn_str s = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&s, fmt, ap);
    va_end(ap);
    bool r = pn_err_set(err, PN_E_DB, "%s: %s", pn_str_cstr(&s),
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    pn_str_free(&s);
    return r;
}

/* Run a single-row query and return column 0 as int or (copied) text. */
static bool query_one(sqlite3 *db, const char *sql, int *ival, char **tval, pn_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, err, "state DB %s: %s", db_path(db), sql);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        bool r;
        if (rc == SQLITE_DONE)
            r = pn_err_set(err, PN_E_DB, "state DB %s: %s returned no row", db_path(db), sql);
        else
            r = sql_error(db, rc, err, "state DB %s: %s", db_path(db), sql);
        sqlite3_finalize(st);
        return r;
    }
    if (ival)
        *ival = sqlite3_column_int(st, 0);
    if (tval) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        *tval = pn_strdup(t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    return true;
}

int pn_db_user_version(sqlite3 *db)
{
    int v = -1;
    if (!db || !query_one(db, "PRAGMA user_version", &v, NULL, NULL))
        return -1;
    return v;
}

bool pn_db_exec(sqlite3 *db, const char *sql, pn_err *err)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, err, "state DB %s", db_path(db));
    return true;
}

void pn_db_close(sqlite3 *db)
{
    if (db)
        sqlite3_close_v2(db);
}

static void rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* Versions must be 1..n in order, each with a name and SQL. */
static bool validate_list(const pn_migration *list, size_t count, pn_err *err)
{
    if (count && !list)
        return pn_err_set(err, PN_E_INTERNAL, "migration list is NULL but has %zu entries", count);
    if (count > 1000000)
        return pn_err_set(err, PN_E_INTERNAL, "migration list is implausibly long (%zu entries)", count);
    for (size_t i = 0; i < count; i++) {
        if (list[i].version != (int)i + 1)
            return pn_err_set(err, PN_E_INTERNAL,
                              "migration list is invalid: entry %zu has version %d, expected %d "
                              "(versions must be 1, 2, 3 ... in order without gaps)",
                              i + 1, list[i].version, (int)i + 1);
        if (!list[i].name || !list[i].sql)
            return pn_err_set(err, PN_E_INTERNAL,
                              "migration list is invalid: migration %d has no %s",
                              list[i].version, list[i].name ? "SQL" : "name");
    }
    return true;
}

static bool too_new(sqlite3 *db, int have, int known, pn_err *err)
{
    return pn_err_set(err, PN_E_DB,
                      "state DB %s has schema version %d but this postern knows only up to %d: "
                      "upgrade postern",
                      db_path(db), have, known);
}

static bool bad_version(sqlite3 *db, int have, pn_err *err)
{
    return pn_err_set(err, PN_E_DB, "state DB %s has an invalid schema version %d",
                      db_path(db), have);
}

/* Apply the migration after the current version, in one transaction.
 * *done is set when nothing was left to do (another process may have migrated
 * between our check and our lock, so the version is re-read under the lock). */
static bool migrate_step(sqlite3 *db, const pn_migration *list, int known, bool *done,
                         pn_err *err)
{
    *done = false;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sql_error(db, rc, err, "state DB %s: cannot start migration", db_path(db));

    int cur;
    if (!query_one(db, "PRAGMA user_version", &cur, NULL, err)) {
        rollback(db);
        return false;
    }
    if (cur < 0) {
        rollback(db);
        return bad_version(db, cur, err);
    }
    if (cur > known) {
        rollback(db);
        return too_new(db, cur, known, err);
    }
    if (cur == known) {
        rollback(db);
        *done = true;
        return true;
    }

    const pn_migration *m = &list[cur];
    rc = sqlite3_exec(db, m->sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        char set[64];
        snprintf(set, sizeof(set), "PRAGMA user_version = %d", m->version);
        rc = sqlite3_exec(db, set, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        /* Format the reason before ROLLBACK replaces the error message. */
        bool r = sql_error(db, rc, err, "migration %d (%s) failed", m->version, m->name);
        rollback(db);
        return r;
    }
    return true;
}

bool pn_db_migrate(sqlite3 *db, const pn_migration *list, size_t count, pn_err *err)
{
    if (!validate_list(list, count, err))
        return false;
    int known = (int)count;

    /* Fast path without a write lock: already current (or too new). */
    int cur;
    if (!query_one(db, "PRAGMA user_version", &cur, NULL, err))
        return false;
    if (cur < 0)
        return bad_version(db, cur, err);
    if (cur > known)
        return too_new(db, cur, known, err);

    while (cur < known) {
        bool done;
        if (!migrate_step(db, list, known, &done, err))
            return false;
        if (done)
            break;
        cur = pn_db_user_version(db);
        if (cur < 0)
            return pn_err_set(err, PN_E_DB, "state DB %s: cannot read the schema version",
                              db_path(db));
    }
    return true;
}

static sqlite3 *open_read_only(const char *path, const pn_migration *list, size_t count,
                               pn_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            pn_err_set(err, PN_E_NOTFOUND,
                       "state DB %s does not exist (run postern once without read-only mode to create it)",
                       path);
            return NULL;
        }
        pn_err_set(err, PN_E_DB, "cannot open state DB %s: %s", path, strerror(errno));
        return NULL;
    }

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        sql_error(db, rc, err, "cannot open state DB %s", path);
        pn_db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, busy_timeout_ms);

    int known = (int)count, cur, fk;
    if (!query_one(db, "PRAGMA user_version", &cur, NULL, err))
        goto fail;
    if (cur < 0) {
        bad_version(db, cur, err);
        goto fail;
    }
    if (cur > known) {
        too_new(db, cur, known, err);
        goto fail;
    }
    if (cur < known) {
        pn_err_set(err, PN_E_DB,
                   "state DB %s has schema version %d but this postern needs %d, and read-only "
                   "mode cannot upgrade it: run postern once without read-only mode",
                   path, cur, known);
        goto fail;
    }
    if (!pn_db_exec(db, "PRAGMA foreign_keys = ON", err) ||
        !query_one(db, "PRAGMA foreign_keys", &fk, NULL, err))
        goto fail;
    return db;

fail:
    pn_db_close(db);
    return NULL;
}

sqlite3 *pn_db_open_with(const char *path, const pn_migration *list, size_t count,
                         bool read_only, pn_err *err)
{
    if (!path || !*path) {
        pn_err_set(err, PN_E_INVALID, "state DB path is empty");
        return NULL;
    }
    /* The state DB is always a file: no in-memory or URI names (open() below
     * would create a stray file named like that). */
    if (!strcmp(path, ":memory:") || !strncmp(path, "file:", 5)) {
        pn_err_set(err, PN_E_INVALID, "state DB path '%s' is not a file path", path);
        return NULL;
    }
    if (!validate_list(list, count, err))
        return NULL;
    if (read_only)
        return open_read_only(path, list, count, err);

    /* Create the file 0600 ourselves so it is never briefly world-readable;
     * umask 077 also covers the -wal/-shm files SQLite creates while open
     * (SQLite copies the DB file's mode to them, but be safe). umask is
     * process-wide: postern opens the state DB from one thread. */
    mode_t old_umask = umask(077);
    sqlite3 *db = NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        pn_err_set(err, errno == ENOENT ? PN_E_NOTFOUND : PN_E_DB,
                   "cannot create state DB %s: %s", path, strerror(errno));
        goto fail;
    }
    close(fd);

    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        sql_error(db, rc, err, "cannot open state DB %s", path);
        goto fail;
    }
    sqlite3_busy_timeout(db, busy_timeout_ms);

    char *mode = NULL;
    if (!query_one(db, "PRAGMA journal_mode = WAL", NULL, &mode, err))
        goto fail;
    if (strcasecmp(mode, "wal") != 0) {
        pn_err_set(err, PN_E_DB, "state DB %s: cannot enable WAL journal mode (still '%s')",
                   path, mode);
        free(mode);
        goto fail;
    }
    free(mode);

    int fk = 0;
    if (!pn_db_exec(db, "PRAGMA foreign_keys = ON", err) ||
        !query_one(db, "PRAGMA foreign_keys", &fk, NULL, err))
        goto fail;
    if (fk != 1) {
        pn_err_set(err, PN_E_DB, "state DB %s: cannot enable foreign keys", path);
        goto fail;
    }
    if (!pn_db_exec(db, "PRAGMA synchronous = NORMAL", err))
        goto fail;
    if (!pn_db_migrate(db, list, count, err))
        goto fail;

    umask(old_umask);
    return db;

fail:
    pn_db_close(db);
    umask(old_umask);
    return NULL;
}

sqlite3 *pn_db_open(const char *path, pn_err *err)
{
    size_t n;
    const pn_migration *list = pn_db_migrations(&n);
    return pn_db_open_with(path, list, n, false, err);
}

sqlite3 *pn_db_open_state(const char *path, pn_err *err)
{
    if (!path || path[0] != '/')
        return pn_db_open(path, err);
    char *dir = pn_strdup(path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            pn_err_set(err, PN_E_IO, "cannot create the state DB directory %s: %s", dir, strerror(e));
            free(dir);
            return NULL;
        }
        *p = '/';
    }
    free(dir);
    return pn_db_open(path, err);
}
