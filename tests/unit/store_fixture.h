/* store_fixture.h - what the unit tests of the state DB and the store share:
 * a fresh mkdtemp directory removed with all it holds afterwards, a state DB
 * in it with a store on top (sf_setup/sf_teardown as cmocka fixtures for the
 * common case of one of each), a plain domain, assert_contains and one-value
 * queries.
 * Include it after <cmocka.h>; everything is static inline, so a test takes
 * what it needs. */
#ifndef PN_TEST_STORE_FIXTURE_H
#define PN_TEST_STORE_FIXTURE_H

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "store.h"
#include "util/mem.h"

/* dir (at least 64 bytes) becomes a new "/tmp/postern-test-NAME.XXXXXX". */
static inline void sf_tmpdir_make(char *dir, size_t size, const char *name)
{
    snprintf(dir, size, "/tmp/postern-test-%s.XXXXXX", name);
    assert_non_null(mkdtemp(dir));
}

static inline int sf_rm_entry(const char *path, const struct stat *sb, int flag,
                              struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

/* The directory and everything below it. */
static inline void sf_tmpdir_remove(const char *dir)
{
    nftw(dir, sf_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new state DB dir/file (migrated) and a writable store on it for actor. */
static inline void sf_store_open(const char *dir, const char *file, const char *actor,
                                 sqlite3 **db, pn_store **st)
{
    char *path = pn_sprintf("%s/%s", dir, file);
    pn_err err = PN_ERR_INIT;
    *db = pn_db_open(path, &err);
    if (!*db)
        fail_msg("open %s: %s", path, pn_err_msg(&err));
    free(path);
    *st = pn_store_new(*db, NULL, actor);
}

static inline void sf_store_close(sqlite3 *db, pn_store *st)
{
    pn_store_free(st);
    if (db)
        pn_db_close(db);
}

/* The common fixture: one state DB (path) and a store by "tester". Tests
 * may close and reopen db themselves; teardown closes what is left. */
typedef struct store_fixture {
    char dir[64];
    char *path;               /* dir/state.db */
    sqlite3 *db;
    pn_store *st;
} store_fixture;

static inline int sf_setup(void **state, const char *name)
{
    store_fixture *f = pn_calloc(1, sizeof(*f));
    sf_tmpdir_make(f->dir, sizeof(f->dir), name);
    f->path = pn_sprintf("%s/state.db", f->dir);
    sf_store_open(f->dir, "state.db", "tester", &f->db, &f->st);
    *state = f;
    return 0;
}

static inline int sf_teardown(void **state)
{
    store_fixture *f = *state;
    sf_store_close(f->db, f->st);
    sf_tmpdir_remove(f->dir);
    free(f->path);
    free(f);
    return 0;
}

/* A local domain with nothing set, or the test fails. */
static inline void sf_add_domain(pn_store *st, const char *name)
{
    pn_err err = PN_ERR_INIT;
    pn_domain d = {0};
    d.name = (char *)name;
    if (!pn_store_domain_add(st, &d, NULL, &err))
        fail_msg("add domain %s: %s", name, pn_err_msg(&err));
}

#define assert_contains(hay, needle)                                                        \
    do {                                                                                    \
        const char *h_ = (hay);                                                             \
        if (!h_ || !strstr(h_, (needle)))                                                   \
            fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle));           \
    } while (0)

/* The integer in the first column of the first row of sql. */
static inline int64_t sf_query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The text in the first column of the first row of sql (heap). */
static inline char *sf_query_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    char *v = pn_strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return v;
}

#endif
