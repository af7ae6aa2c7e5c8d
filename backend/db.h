/* db.h - the SQLite state database: open, pragmas, forward-only migrations.
 *
 * pn_db_open() creates the file with mode 0600 if needed, enables WAL,
 * foreign keys and a busy timeout, then runs every pending migration from
 * the built-in list (migrations.c) in order, each in its own transaction,
 * keyed on PRAGMA user_version. A DB newer than this binary is refused.
 * SQLite errors are returned as human reasons, never raw codes. */
#ifndef PN_DB_H
#define PN_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

typedef struct sqlite3 sqlite3;

typedef struct pn_migration {
    int version;              /* 1, 2, 3 ... strictly increasing, no gaps */
    const char *name;         /* short description, e.g. "queue history samples" */
    const char *sql;          /* one or more statements */
} pn_migration;

#define PN_DB_BUSY_TIMEOUT_MS 5000

/* The built-in migration list (migrations.c). */
const pn_migration *pn_db_migrations(size_t *count);
/* Highest version of the built-in list. */
int pn_db_schema_version(void);

/* Open (creating if missing) and migrate with the built-in list. */
sqlite3 *pn_db_open(const char *path, pn_err *err);
/* Like pn_db_open, but first creates missing parent directories (mode 0700):
 * for the configured state DB, whose directory may not exist yet. */
sqlite3 *pn_db_open_state(const char *path, pn_err *err);
/* Open and migrate with a given list (tests). read_only opens without
 * creating or migrating and fails if the schema is older or newer. */
sqlite3 *pn_db_open_with(const char *path, const pn_migration *list, size_t count,
                         bool read_only, pn_err *err);
/* Run pending migrations on an open handle. */
bool pn_db_migrate(sqlite3 *db, const pn_migration *list, size_t count, pn_err *err);
int pn_db_user_version(sqlite3 *db);
/* Run SQL with no result rows; err says what failed. */
bool pn_db_exec(sqlite3 *db, const char *sql, pn_err *err);
void pn_db_close(sqlite3 *db);

/* Busy timeout used by later opens, in ms (PN_DB_BUSY_TIMEOUT_MS unless
 * changed). Tests lower it so lock tests do not wait 5 s; returns the old value. */
int pn_db_set_busy_timeout(int ms);

#endif
