/* test_db.c - unit tests for the state DB (backend/db.c, migrations.c):
 * file mode and pragmas, upgrading from every earlier schema version,
 * rollback of a failing migration, refusal of newer DBs and bad migration
 * lists, read-only opens, the friendly busy message and idempotent reopen.
 * Every DB lives in a fresh mkdtemp directory that is removed afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "util/mem.h"
#include "util/str.h"

#include "store_fixture.h"

typedef struct fixture {
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = pn_calloc(1, sizeof(*f));
    sf_tmpdir_make(f->dir, sizeof(f->dir), "db");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sf_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* A heap path inside the fixture directory. */
static char *tpath(void **state, const char *name)
{
    fixture *f = *state;
    return pn_sprintf("%s/%s", f->dir, name);
}

static bool table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static void assert_builtin_tables(sqlite3 *db)
{
    assert_true(table_exists(db, "meta"));
    assert_true(table_exists(db, "journal"));
    assert_true(table_exists(db, "queue_samples"));
}

/* The built-in list plus one extra migration as version n+1. */
static pn_migration *list_plus(const char *name, const char *sql, size_t *count)
{
    size_t n;
    const pn_migration *base = pn_db_migrations(&n);
    pn_migration *l = pn_calloc(n + 1, sizeof(*l));
    memcpy(l, base, n * sizeof(*l));
    l[n].version = (int)n + 1;
    l[n].name = name;
    l[n].sql = sql;
    *count = n + 1;
    return l;
}

static void test_builtin_list(void **state)
{
    (void)state;
    size_t n;
    const pn_migration *l = pn_db_migrations(&n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(l[i].version, (int)i + 1);
        assert_non_null(l[i].name);
        assert_non_null(l[i].sql);
    }
    assert_int_equal(pn_db_schema_version(), (int)n);
}

static void test_fresh_db(void **state)
{
    char *path = tpath(state, "fresh.db");
    pn_err err = PN_ERR_INIT;
    mode_t old = umask(022);
    sqlite3 *db = pn_db_open(path, &err);
    assert_int_equal(umask(old), 022);  /* restored */
    if (!db)
        fail_msg("open: %s", pn_err_msg(&err));

    assert_int_equal(pn_db_user_version(db), pn_db_schema_version());
    assert_builtin_tables(db);
    char *mode = sf_query_text(db, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    char *fk = sf_query_text(db, "PRAGMA foreign_keys");
    assert_string_equal(fk, "1");
    free(fk);
    char *sync = sf_query_text(db, "PRAGMA synchronous");
    assert_string_equal(sync, "1");  /* NORMAL */
    free(sync);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* The WAL file created by a write is private too. */
    assert_true(pn_db_exec(db, "INSERT INTO meta(key, value) VALUES ('k', 'v')", &err));
    char *wal = pn_sprintf("%s-wal", path);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(wal);

    pn_db_close(db);
    pn_err_clear(&err);
    free(path);
}

static void test_upgrade_from_each_version(void **state)
{
    size_t n;
    const pn_migration *list = pn_db_migrations(&n);
    for (size_t k = 0; k < n; k++) {
        char name[32];
        snprintf(name, sizeof(name), "from%zu.db", k);
        char *path = tpath(state, name);
        pn_err err = PN_ERR_INIT;

        sqlite3 *db = pn_db_open_with(path, list, k, false, &err);
        if (!db)
            fail_msg("open with %zu migrations: %s", k, pn_err_msg(&err));
        assert_int_equal(pn_db_user_version(db), (int)k);
        if (k < 1)
            assert_false(table_exists(db, "meta"));
        if (k < 2)
            assert_false(table_exists(db, "queue_samples"));
        pn_db_close(db);

        db = pn_db_open(path, &err);
        if (!db)
            fail_msg("upgrade from %zu: %s", k, pn_err_msg(&err));
        assert_int_equal(pn_db_user_version(db), (int)n);
        assert_builtin_tables(db);
        /* The upgraded schema is usable. */
        assert_true(pn_db_exec(db,
            "INSERT INTO journal(at, actor, entity, action) VALUES (1, 'root', 'domain', 'add');"
            "INSERT INTO queue_samples(at, instance, incoming, active, deferred, hold, bytes)"
            " VALUES (1, 'lab', 0, 1, 2, 3, 4);", &err));
        pn_db_close(db);
        pn_err_clear(&err);
        free(path);
    }
}

static void test_failing_migration_rolls_back(void **state)
{
    size_t count;
    pn_migration *l = list_plus("broken step",
                                "CREATE TABLE half_done(x INTEGER); THIS IS NOT SQL;", &count);
    int n = (int)count - 1;  /* the built-in versions; the broken one is n+1 */
    char *want = pn_sprintf("migration %d (broken step) failed: ", n + 1);
    char *path = tpath(state, "broken.db");
    pn_err err = PN_ERR_INIT;

    /* From scratch: 1..n are committed, n+1 fails and is rolled back. */
    assert_null(pn_db_open_with(path, l, count, false, &err));
    assert_int_equal(err.code, PN_E_DB);
    assert_contains(err.msg, want);
    assert_contains(err.msg, "syntax error");

    sqlite3 *db = pn_db_open(path, &err);
    if (!db)
        fail_msg("reopen: %s", pn_err_msg(&err));
    assert_int_equal(pn_db_user_version(db), n);
    assert_builtin_tables(db);
    assert_false(table_exists(db, "half_done"));
    pn_db_close(db);

    /* From version n, same again; the DB stays at n. */
    pn_err_clear(&err);
    assert_null(pn_db_open_with(path, l, count, false, &err));
    assert_contains(err.msg, want);
    db = pn_db_open(path, &err);
    assert_non_null(db);
    assert_int_equal(pn_db_user_version(db), n);
    assert_false(table_exists(db, "half_done"));

    /* pn_db_migrate on an open handle behaves the same. */
    assert_false(pn_db_migrate(db, l, count, &err));
    assert_contains(err.msg, want);
    assert_int_equal(pn_db_user_version(db), n);
    assert_true(sqlite3_get_autocommit(db));  /* no transaction left open */
    pn_db_close(db);

    pn_err_clear(&err);
    free(want);
    free(path);
    free(l);
}

static void test_newer_db_refused(void **state)
{
    size_t count;
    pn_migration *l = list_plus("from the future", "CREATE TABLE future(x);", &count);
    char *path = tpath(state, "newer.db");
    pn_err err = PN_ERR_INIT;

    sqlite3 *db = pn_db_open_with(path, l, count, false, &err);
    assert_non_null(db);
    assert_int_equal(pn_db_user_version(db), (int)count);
    pn_db_close(db);

    assert_null(pn_db_open(path, &err));
    assert_int_equal(err.code, PN_E_DB);
    char *want = pn_sprintf("state DB %s has schema version %zu but this postern knows only up to %zu: "
                            "upgrade postern", path, count, count - 1);
    assert_string_equal(err.msg, want);

    size_t n;
    const pn_migration *builtin = pn_db_migrations(&n);
    assert_null(pn_db_open_with(path, builtin, n, true, &err));
    assert_string_equal(err.msg, want);
    free(want);

    /* Untouched. */
    db = pn_db_open_with(path, l, count, true, &err);
    assert_non_null(db);
    assert_int_equal(pn_db_user_version(db), (int)count);
    pn_db_close(db);

    pn_err_clear(&err);
    free(path);
    free(l);
}

static void test_bad_lists_refused(void **state)
{
    static const pn_migration gap[] = {
        {1, "one", "CREATE TABLE a(x);"},
        {3, "three", "CREATE TABLE c(x);"},
    };
    static const pn_migration unsorted[] = {
        {2, "two", "CREATE TABLE b(x);"},
        {1, "one", "CREATE TABLE a(x);"},
    };
    static const pn_migration from_zero[] = {
        {0, "zero", "CREATE TABLE z(x);"},
    };
    static const pn_migration dup[] = {
        {1, "one", "CREATE TABLE a(x);"},
        {1, "one again", "CREATE TABLE b(x);"},
    };
    static const pn_migration no_sql[] = {
        {1, "one", NULL},
    };
    struct { const pn_migration *l; size_t n; const char *want; } cases[] = {
        {gap, 2, "entry 2 has version 3, expected 2"},
        {unsorted, 2, "entry 1 has version 2, expected 1"},
        {from_zero, 1, "entry 1 has version 0, expected 1"},
        {dup, 2, "entry 2 has version 1, expected 2"},
        {no_sql, 1, "migration 1 has no SQL"},
    };
    char *path = tpath(state, "lists.db");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pn_err err = PN_ERR_INIT;
        assert_null(pn_db_open_with(path, cases[i].l, cases[i].n, false, &err));
        assert_int_equal(err.code, PN_E_INTERNAL);
        assert_contains(err.msg, cases[i].want);
        /* Refused before anything touched the disk. */
        assert_int_equal(access(path, F_OK), -1);
        pn_err_clear(&err);
    }

    /* And on an open handle. */
    pn_err err = PN_ERR_INIT;
    sqlite3 *db = pn_db_open(path, &err);
    assert_non_null(db);
    assert_false(pn_db_migrate(db, gap, 2, &err));
    assert_int_equal(err.code, PN_E_INTERNAL);
    pn_db_close(db);
    pn_err_clear(&err);
    free(path);
}

static void test_read_only(void **state)
{
    size_t n;
    const pn_migration *list = pn_db_migrations(&n);
    char *path = tpath(state, "ro.db");
    pn_err err = PN_ERR_INIT;

    /* Missing: not created. */
    assert_null(pn_db_open_with(path, list, n, true, &err));
    assert_int_equal(err.code, PN_E_NOTFOUND);
    assert_contains(err.msg, "does not exist");
    assert_int_equal(access(path, F_OK), -1);

    /* Older: refused and not migrated. */
    sqlite3 *db = pn_db_open_with(path, list, 1, false, &err);
    assert_non_null(db);
    pn_db_close(db);
    assert_null(pn_db_open_with(path, list, n, true, &err));
    assert_int_equal(err.code, PN_E_DB);
    char *want = pn_sprintf("has schema version 1 but this postern needs %zu", n);
    assert_contains(err.msg, want);
    free(want);
    assert_contains(err.msg, "read-only");
    db = pn_db_open_with(path, list, 1, false, &err);
    assert_int_equal(pn_db_user_version(db), 1);
    pn_db_close(db);

    /* Current: opens, reads, refuses writes. */
    db = pn_db_open(path, &err);
    assert_non_null(db);
    pn_db_close(db);
    db = pn_db_open_with(path, list, n, true, &err);
    if (!db)
        fail_msg("read-only open: %s", pn_err_msg(&err));
    assert_int_equal(pn_db_user_version(db), (int)n);
    assert_true(table_exists(db, "journal"));
    assert_false(pn_db_exec(db, "INSERT INTO meta(key, value) VALUES ('a', 'b')", &err));
    assert_int_equal(err.code, PN_E_DB);
    assert_contains(err.msg, "readonly");
    pn_db_close(db);

    pn_err_clear(&err);
    free(path);
}

static void test_busy(void **state)
{
    size_t n;
    const pn_migration *list = pn_db_migrations(&n);
    char *path = tpath(state, "busy.db");
    pn_err err = PN_ERR_INIT;
    int old = pn_db_set_busy_timeout(200);
    assert_int_equal(old, PN_DB_BUSY_TIMEOUT_MS);

    /* A WAL DB with a pending migration while another connection writes. */
    sqlite3 *db = pn_db_open_with(path, list, 1, false, &err);
    assert_non_null(db);
    pn_db_close(db);
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    assert_null(pn_db_open(path, &err));
    assert_int_equal(err.code, PN_E_DB);
    assert_string_equal(err.msg, "state DB is busy (locked by another postern?) after 200 ms");

    /* A whole-second timeout reads in seconds (the default says "after 5 s"). */
    pn_db_set_busy_timeout(1000);
    assert_null(pn_db_open(path, &err));
    assert_string_equal(err.msg, "state DB is busy (locked by another postern?) after 1 s");
    pn_db_set_busy_timeout(200);

    /* An up-to-date DB can still be opened (WAL readers are not blocked). */
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    db = pn_db_open(path, &err);
    assert_non_null(db);
    pn_db_close(db);
    assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
    db = pn_db_open(path, &err);
    if (!db)
        fail_msg("open of a current DB while another writes: %s", pn_err_msg(&err));
    assert_int_equal(pn_db_user_version(db), (int)n);
    /* ... but writing through it is busy, with the same message. */
    assert_false(pn_db_exec(db, "INSERT INTO meta(key, value) VALUES ('a', 'b')", &err));
    assert_string_equal(err.msg, "state DB is busy (locked by another postern?) after 200 ms");
    pn_db_close(db);
    sqlite3_close(other);

    /* A rollback-journal DB held exclusively: even the WAL switch is busy. */
    char *plain = tpath(state, "plain.db");
    assert_int_equal(sqlite3_open(plain, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "CREATE TABLE x(y); BEGIN EXCLUSIVE; INSERT INTO x VALUES (1);",
                                  NULL, NULL, NULL), SQLITE_OK);
    assert_null(pn_db_open(plain, &err));
    assert_string_equal(err.msg, "state DB is busy (locked by another postern?) after 200 ms");
    sqlite3_close(other);

    pn_db_set_busy_timeout(old);
    pn_err_clear(&err);
    free(plain);
    free(path);
}

static void test_reopen_idempotent(void **state)
{
    char *path = tpath(state, "again.db");
    pn_err err = PN_ERR_INIT;
    sqlite3 *db = pn_db_open(path, &err);
    assert_non_null(db);
    assert_true(pn_db_exec(db, "INSERT INTO meta(key, value) VALUES ('created', 'yes')", &err));
    pn_db_close(db);

    for (int i = 0; i < 3; i++) {
        db = pn_db_open(path, &err);
        if (!db)
            fail_msg("reopen %d: %s", i, pn_err_msg(&err));
        assert_int_equal(pn_db_user_version(db), pn_db_schema_version());
        char *v = sf_query_text(db, "SELECT value FROM meta WHERE key = 'created'");
        assert_string_equal(v, "yes");
        free(v);
        char *c = sf_query_text(db, "SELECT count(*) FROM meta");
        assert_string_equal(c, "1");
        free(c);
        /* Migrating an up-to-date handle is a no-op. */
        size_t n;
        const pn_migration *list = pn_db_migrations(&n);
        assert_true(pn_db_migrate(db, list, n, &err));
        pn_db_close(db);
    }

    /* An existing file keeps its mode (only new files are created 0600). */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    pn_err_clear(&err);
    free(path);
}

static void test_open_errors(void **state)
{
    pn_err err = PN_ERR_INIT;

    assert_null(pn_db_open("", &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_null(pn_db_open(NULL, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_null(pn_db_open(":memory:", &err));
    assert_int_equal(err.code, PN_E_INVALID);
    assert_contains(err.msg, "is not a file path");
    assert_int_equal(access(":memory:", F_OK), -1);

    char *missing = tpath(state, "no/such/dir/x.db");
    assert_null(pn_db_open(missing, &err));
    assert_contains(err.msg, "cannot create state DB");
    assert_contains(err.msg, "No such file or directory");
    free(missing);

    char *junk = tpath(state, "junk.db");
    FILE *fp = fopen(junk, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database at all\n", fp);
    fclose(fp);
    assert_null(pn_db_open(junk, &err));
    assert_int_equal(err.code, PN_E_DB);
    assert_contains(err.msg, junk);
    assert_contains(err.msg, "file is not a database");
    free(junk);

    fixture *f = *state;
    assert_null(pn_db_open(f->dir, &err));  /* a directory */
    assert_contains(err.msg, "cannot create state DB");

    pn_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_list),
        cmocka_unit_test_setup_teardown(test_fresh_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_each_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_db_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lists_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
