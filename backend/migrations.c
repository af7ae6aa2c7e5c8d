/* migrations.c - the built-in, forward-only schema history of the state DB.
 *
 * Each entry moves the schema from version N-1 to N and is applied once, in
 * its own transaction, by pn_db_migrate() (db.c), which then sets
 * PRAGMA user_version = N. Rules for whoever extends this list:
 *   - later issues APPEND migrations here; never edit, reorder or remove an
 *     old one (databases in the field have already run it);
 *   - versions are 1, 2, 3 ... without gaps;
 *   - the SQL must not contain BEGIN/COMMIT or PRAGMA user_version: the
 *     runner owns the transaction. */
#include "db.h"

static const pn_migration migrations[] = {
    {
        1, "postern metadata and audit journal",
        "CREATE TABLE meta ("
        "  key   TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ");"
        /* One row per change postern made: who, what, before/after images
         * (text, usually JSON) and the config generation it produced. */
        "CREATE TABLE journal ("
        "  id         INTEGER PRIMARY KEY,"
        "  at         INTEGER NOT NULL," /* unix time, seconds */
        "  actor      TEXT NOT NULL,"
        "  entity     TEXT NOT NULL,"
        "  action     TEXT NOT NULL,"
        "  before     TEXT,"
        "  after      TEXT,"
        "  generation INTEGER"
        ");"
        "CREATE INDEX journal_at ON journal(at);",
    },
    {
        2, "queue history samples",
        /* Periodic queue sizes per instance, for the queue history graph. */
        "CREATE TABLE queue_samples ("
        "  at       INTEGER NOT NULL," /* unix time, seconds */
        "  instance TEXT NOT NULL,"
        "  incoming INTEGER NOT NULL,"
        "  active   INTEGER NOT NULL,"
        "  deferred INTEGER NOT NULL,"
        "  hold     INTEGER NOT NULL,"
        "  maildrop INTEGER NOT NULL DEFAULT 0,"
        "  corrupt  INTEGER NOT NULL DEFAULT 0,"
        "  bytes    INTEGER NOT NULL,"
        "  PRIMARY KEY(instance, at)"
        ") WITHOUT ROWID;",
    },
    /* Append new migrations here. */
};

const pn_migration *pn_db_migrations(size_t *count)
{
    if (count)
        *count = sizeof(migrations) / sizeof(migrations[0]);
    return migrations;
}

int pn_db_schema_version(void)
{
    size_t n = sizeof(migrations) / sizeof(migrations[0]);
    return n ? migrations[n - 1].version : 0;
}
