/* store_internal.h - helpers shared by the store_*.c files: transactions,
 * statements, SQLite error mapping, name resolution, journal appends. */
#ifndef PN_STORE_INTERNAL_H
#define PN_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"
#include "util/str.h"

/* Statements that list the children of one row (forwards, members), run
 * once per row of a listing: prepared once per store. */
typedef enum st_cached { ST_Q_MAILBOX_FORWARDS, ST_Q_GROUP_MEMBERS, ST_Q_COUNT } st_cached;

struct pn_store {
    sqlite3 *db;
    const pn_ctx *ctx;
    char *actor;
    bool in_read;
    sqlite3_stmt *cached[ST_Q_COUNT];
};

/* The cached statement of slot (prepared from sql the first time), reset and
 * unbound; the caller resets it when done, never finalizes it. NULL on error. */
sqlite3_stmt *st_prepare_cached(pn_store *st, st_cached slot, const char *sql);

/* Read-only check, then BEGIN IMMEDIATE. action names the write ("add domain"). */
bool st_begin_write(pn_store *st, const char *action, pn_err *err);
/* COMMIT; on failure rolls back and sets err. */
bool st_commit(pn_store *st, pn_err *err);
void st_rollback(pn_store *st);
/* Prepare or set err. */
sqlite3_stmt *st_prepare(pn_store *st, const char *sql, pn_err *err);
/* Human error for a failed SQLite call (busy → the busy message). */
bool st_sql_error(pn_store *st, int rc, const char *what, pn_err *err);
/* Step a statement with no result; finalizes it. */
bool st_step_done(pn_store *st, sqlite3_stmt *s, const char *what, pn_err *err);
/* Bind text or NULL. */
void st_bind_text(sqlite3_stmt *s, int i, const char *v);
char *st_col_text(sqlite3_stmt *s, int i);   /* copy, NULL for SQL NULL */
int64_t st_now(void);

/* Domain id by name: false + PN_E_NOTFOUND "<field>: domain 'x' does not exist". */
bool st_domain_id(pn_store *st, const char *field, const char *name, int64_t *id, pn_err *err);
/* A relay domain holds no mailboxes, groups or addresses: false +
 * PN_E_INVALID naming field when domain_id is one. */
bool st_local_domain(pn_store *st, const char *field, int64_t domain_id, pn_err *err);
/* Split "local@domain" after validating; *domain_id = 0 for "local@*" when
 * allow_wildcard. Local part is returned in *local (heap). */
bool st_split_address(pn_store *st, const char *field, const char *address, bool allow_wildcard,
                      char **local, int64_t *domain_id, pn_err *err);
/* Id of the mailbox/group named by address, or PN_E_NOTFOUND naming field. */
bool st_mailbox_id(pn_store *st, const char *field, const char *address, int64_t *id,
                   pn_err *err);
bool st_group_id(pn_store *st, const char *field, const char *address, int64_t *id, pn_err *err);
/* Id of the public mailbox name (validated), or PN_E_NOTFOUND naming field
 * (store_public.c). */
bool st_public_id(pn_store *st, const char *field, const char *name, int64_t *id, pn_err *err);
/* "alice@example.com" for a mailbox/group/address id (heap). */
char *st_mailbox_name(pn_store *st, int64_t id);
char *st_group_name(pn_store *st, int64_t id);
char *st_address_name(pn_store *st, int64_t id);
/* The one-local-part-per-domain rule: false + PN_E_CONFLICT naming the owner
 * ("domain example.com: 'info' is already the group info@example.com").
 * Skips the row (kind, self_id) being edited. */
bool st_name_free(pn_store *st, int64_t domain_key, const char *local, const char *kind,
                  int64_t self_id, pn_err *err);
/* Optimistic check: rev 0 accepts any. entity e.g. "mailbox alice@example.com". */
bool st_check_rev(pn_store *st, const char *table, int64_t id, int64_t rev, const char *entity,
                  pn_err *err);
/* Bump rev/updated of a row. */
bool st_bump(pn_store *st, const char *table, int64_t id, pn_err *err);

/* Journal: append a row (before/after may be NULL). */
bool st_journal(pn_store *st, const char *entity, const char *action, const char *before,
                const char *after, pn_err *err);
/* JSON images of one row (heap, NULL if it does not exist); secrets redacted. */
char *st_domain_json(pn_store *st, int64_t id);
char *st_mailbox_json(pn_store *st, int64_t id);
char *st_group_json(pn_store *st, int64_t id);
char *st_address_json(pn_store *st, int64_t id);
char *st_public_json(pn_store *st, int64_t id);     /* store_public.c */
/* A setting's value validated and normalised as pn_store_setting_set does
 * ("100M" -> "104857600"; *out heap); unknown key: PN_E_INVALID. */
bool st_setting_normalize(const char *key, const char *value, char **out, pn_err *err);
/* Validate a field that ends up in maps (no ',' ':' etc. beyond validators). */
bool st_valid_external(const char *field, const char *value, pn_err *err);

/* What refers to a mailbox / group, as a phrase appended to out
 * ("the destination of address x@y and a member of group g@y"); returns
 * how many references there are (store_refs.c). */
size_t st_mailbox_referrers(pn_store *st, int64_t id, pn_str *out);
size_t st_group_referrers(pn_store *st, int64_t id, pn_str *out);
/* Journal a "delete (cascade)" row for each (kind, id) row of sql (?1 =
 * id when sql has a parameter); st_orphan_addresses_sql selects the
 * addresses left without destinations. */
bool st_journal_cascade(pn_store *st, const char *sql, int64_t id, pn_err *err);
extern const char *const st_orphan_addresses_sql;

/* Reads one row into out: the statement sql is bound to ?1 = id. false with
 * err set (what names the read) when there is no such row or SQLite fails. */
typedef void (*st_read_row_fn)(pn_store *st, sqlite3_stmt *s, void *row);
bool st_read_one(pn_store *st, const char *sql, int64_t id, st_read_row_fn read, void *out,
                 const char *what, pn_err *err);
/* Reads every row of s (prepared and bound; NULL when preparing failed, err
 * already set) into a new array of zeroed size-byte rows. On failure the rows
 * read so far are cleared and freed, and *out is NULL. */
typedef void (*st_clear_row_fn)(void *row);
bool st_read_rows(pn_store *st, sqlite3_stmt *s, size_t size, st_read_row_fn read,
                  st_clear_row_fn clear, void **out, size_t *count, const char *what,
                  pn_err *err);
/* The statements sqls[first..n) of a delete, each bound to ?1 = id when it
 * has a parameter; after statement orphans_after the addresses left without
 * destinations are journalled (st_orphan_addresses_sql). */
bool st_delete_steps(pn_store *st, const char *const *sqls, size_t n, size_t first,
                     size_t orphans_after, int64_t id, const char *what, pn_err *err);

/* The checks before deleting the mailbox or group `address`: its id, the
 * revision (rev 0 accepts any) and, unless cascade, that nothing refers to
 * it (PN_E_CONFLICT naming the referrers). *nrefs is how many refer to it. */
typedef bool (*st_id_fn)(pn_store *st, const char *field, const char *address, int64_t *id,
                         pn_err *err);
typedef size_t (*st_referrers_fn)(pn_store *st, int64_t id, pn_str *out);
bool st_delete_check(pn_store *st, const char *table, const char *entity, const char *address,
                     int64_t rev, bool cascade, st_id_fn id_of, st_referrers_fn referrers,
                     int64_t *id, size_t *nrefs, pn_err *err);

/* The end of an add or edit: journals the row's JSON image now (json_of)
 * as `action` of entity, after `before` (NULL for an add), and commits. */
typedef char *(*st_json_fn)(pn_store *st, int64_t id);
bool st_finish_change(pn_store *st, const char *entity, const char *action, const char *before,
                      int64_t id, st_json_fn json_of, pn_err *err);
/* st_finish_change for an add: entity is "<kind> <name>". */
bool st_finish_add(pn_store *st, const char *kind, const char *name, int64_t id,
                   st_json_fn json_of, pn_err *err);

#endif
