/* fuzz_store_yaml.c - libFuzzer target: a state file imported into a fresh
 * in-memory state DB, replacing and then merging, must be refused with its
 * problems or applied, never crash or leak; and whatever was applied must
 * export to a file that imports back without a single change. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "db.h"
#include "store.h"
#include "store_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *memory_db(void)
{
    sqlite3 *db = NULL;
    size_t n;
    const pn_migration *list = pn_db_migrations(&n);
    pn_err err = PN_ERR_INIT;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK ||
        !pn_db_migrate(db, list, n, &err))
        abort();
    return db;
}

/* Import text; true when it was applied. */
static bool load(pn_store *st, const char *text, size_t len, bool replace)
{
    pn_import_report rep;
    pn_err err = PN_ERR_INIT;
    bool ok = pn_store_import_yaml(st, "fuzz.yaml", text, len, replace, &rep, &err);
    if (!ok && err.code != PN_E_INVALID)
        abort();                    /* only problems may refuse it */
    pn_import_report_clear(&rep);
    pn_err_clear(&err);
    return ok;
}

/* What the DB holds exports and imports back unchanged. */
static void round_trip(pn_store *st)
{
    pn_str out = PN_STR_INIT;
    pn_err err = PN_ERR_INIT;
    pn_import_report rep;
    if (!pn_store_export_yaml(st, &out, &err) ||
        !pn_store_import_yaml(st, "export.yaml", out.s, out.len, true, &rep, &err) ||
        pn_import_report_changes(&rep))
        abort();
    pn_import_report_clear(&rep);
    pn_str_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sqlite3 *db = memory_db();
    pn_store *st = pn_store_new(db, NULL, "fuzz");
    if (load(st, (const char *)data, size, true))
        round_trip(st);
    if (load(st, (const char *)data, size, false))
        round_trip(st);
    pn_store_free(st);
    sqlite3_close(db);
    return 0;
}
