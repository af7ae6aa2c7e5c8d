/* store.c - the state store handle, the whole-state snapshot (every list
 * at once) and the helpers every store_*.c uses: write transactions with the
 * read-only check, prepared statements, SQLite errors as human reasons,
 * revision checks and address resolution. */
#include "store_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

pn_store *pn_store_new(sqlite3 *db, const pn_ctx *ctx, const char *actor)
{
    pn_store *st = pn_calloc(1, sizeof(*st));
    st->db = db;
    st->ctx = ctx;
    if (actor) {
        st->actor = pn_strdup(actor);
    } else {
        struct passwd *pw = getpwuid(geteuid());
        st->actor = pw && pw->pw_name ? pn_strdup(pw->pw_name)
                                      : pn_sprintf("uid %ld", (long)geteuid());
    }
    return st;
}

void pn_store_free(pn_store *st)
{
    if (!st)
        return;
    if (st->in_read)
        pn_store_end_read(st);
    for (int i = 0; i < ST_Q_COUNT; i++)
        sqlite3_finalize(st->cached[i]);
    free(st->actor);
    free(st);
}

sqlite3_stmt *st_prepare_cached(pn_store *st, st_cached slot, const char *sql)
{
    if (!st->cached[slot] &&
        sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->cached[slot], NULL) !=
            SQLITE_OK)
        return NULL;
    sqlite3_reset(st->cached[slot]);
    sqlite3_clear_bindings(st->cached[slot]);
    return st->cached[slot];
}

sqlite3 *pn_store_db(pn_store *st)
{
    return st->db;
}

bool st_sql_error(pn_store *st, int rc, const char *what, pn_err *err)
{
    int base = rc & 0xff;
    if (base == SQLITE_BUSY || base == SQLITE_LOCKED)
        return pn_err_set(err, PN_E_DB,
                          "%s: state DB is busy (locked by another postern?): try again", what);
    return pn_err_set(err, PN_E_DB, "%s: state DB error: %s", what, sqlite3_errmsg(st->db));
}

bool pn_store_begin_read(pn_store *st, pn_err *err)
{
    if (st->in_read)
        return true;
    int rc = sqlite3_exec(st->db, "BEGIN DEFERRED", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return st_sql_error(st, rc, "read snapshot", err);
    /* A deferred transaction takes its snapshot at the first read. */
    rc = sqlite3_exec(st->db, "SELECT count(*) FROM domains", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return st_sql_error(st, rc, "read snapshot", err);
    }
    st->in_read = true;
    return true;
}

void pn_store_end_read(pn_store *st)
{
    if (!st->in_read)
        return;
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    st->in_read = false;
}

bool pn_store_state_load(pn_store *st, pn_store_state *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    /* No transaction open: one read snapshot, so the lists agree. */
    bool own_read = sqlite3_get_autocommit(st->db);
    if (own_read && !pn_store_begin_read(st, err))
        return false;
    bool ok = pn_store_domain_list(st, &out->domains, &out->ndomains, err) &&
              pn_store_mailbox_list(st, NULL, &out->mailboxes, &out->nmailboxes, err) &&
              pn_store_group_list(st, &out->groups, &out->ngroups, err) &&
              pn_store_public_list(st, &out->publics, &out->npublics, err) &&
              pn_store_address_list(st, &out->addresses, &out->naddresses, err);
    if (own_read)
        pn_store_end_read(st);
    if (!ok)
        pn_store_state_free(out);
    return ok;
}

void pn_store_state_free(pn_store_state *s)
{
    pn_domain_list_free(s->domains, s->ndomains);
    pn_mailbox_list_free(s->mailboxes, s->nmailboxes);
    pn_group_list_free(s->groups, s->ngroups);
    pn_public_list_free(s->publics, s->npublics);
    pn_address_list_free(s->addresses, s->naddresses);
    memset(s, 0, sizeof(*s));
}

bool st_begin_write(pn_store *st, const char *action, pn_err *err)
{
    if (st->ctx && !pn_ctx_check_write(st->ctx, action, err))
        return false;
    if (st->in_read)
        return pn_err_set(err, PN_E_INTERNAL, "%s: a read snapshot is open", action);
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return st_sql_error(st, rc, action, err);
    return true;
}

bool st_commit(pn_store *st, pn_err *err)
{
    int rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        st_sql_error(st, rc, "commit", err);
        st_rollback(st);
        return false;
    }
    return true;
}

void st_rollback(pn_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *st_prepare(pn_store *st, const char *sql, pn_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK) {
        st_sql_error(st, rc, "prepare", err);
        return NULL;
    }
    return s;
}

bool st_step_done(pn_store *st, sqlite3_stmt *s, const char *what, pn_err *err)
{
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return st_sql_error(st, rc, what, err);
    return true;
}

void st_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

char *st_col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? pn_strdup((const char *)t) : NULL;
}

int64_t st_now(void)
{
    return (int64_t)time(NULL);
}

/* Run a query with one int64 bound, returning column 0 as int64. */
static bool lookup_id(pn_store *st, const char *sql, const char *a, const char *b, int64_t *id,
                      pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, sql, err);
    if (!s)
        return false;
    st_bind_text(s, 1, a);
    if (b)
        st_bind_text(s, 2, b);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        return true;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return st_sql_error(st, rc, "lookup", err);
    return pn_err_set(err, PN_E_NOTFOUND, "not found");
}

bool st_domain_id(pn_store *st, const char *field, const char *name, int64_t *id, pn_err *err)
{
    if (!pn_valid_domain(field, name, err))
        return false;
    if (lookup_id(st, "SELECT id FROM domains WHERE name = ?1", name, NULL, id, err))
        return true;
    if (err && err->code == PN_E_NOTFOUND)
        pn_err_set(err, PN_E_NOTFOUND, "%s: domain %s does not exist", field, name);
    return false;
}

bool st_split_address(pn_store *st, const char *field, const char *address, bool allow_wildcard,
                      char **local, int64_t *domain_id, pn_err *err)
{
    if (!address || !*address)
        return pn_err_set(err, PN_E_INVALID, "%s: is empty: an address local@domain is required",
                          field);
    if (!pn_valid_text(field, address, 320, err))
        return false;
    const char *at = strrchr(address, '@');
    if (!at)
        return pn_err_set(err, PN_E_INVALID, "%s: '%s' is not valid: expected local@domain",
                          field, address);
    char *lp = pn_strndup(address, (size_t)(at - address));
    if (!pn_valid_localpart(field, lp, err)) {
        free(lp);
        return false;
    }
    const char *dom = at + 1;
    if (allow_wildcard && strcmp(dom, "*") == 0) {
        *domain_id = 0;
    } else if (!st_domain_id(st, field, dom, domain_id, err)) {
        free(lp);
        return false;
    }
    *local = lp;
    return true;
}

bool st_local_domain(pn_store *st, const char *field, int64_t domain_id, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "SELECT name, relay_host FROM domains WHERE id = ?1 AND"
                                     " delivery = 'relay'", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, domain_id);
    bool ok = true;
    if (sqlite3_step(s) == SQLITE_ROW)
        ok = pn_err_set(err, PN_E_INVALID,
                        "%s: domain %s relays its mail to %s: its mailboxes, groups and"
                        " addresses live on that server", field, sqlite3_column_text(s, 0),
                        sqlite3_column_text(s, 1));
    sqlite3_finalize(s);
    return ok;
}

static bool named_id(pn_store *st, const char *table, const char *what, const char *field,
                     const char *address, int64_t *id, pn_err *err)
{
    char *lp = NULL;
    int64_t dom = 0;
    if (!st_split_address(st, field, address, false, &lp, &dom, err))
        return false;
    char *sql = pn_sprintf("SELECT id FROM %s WHERE domain_id = %lld AND localpart = ?1", table,
                           (long long)dom);
    bool ok = lookup_id(st, sql, lp, NULL, id, err);
    free(sql);
    free(lp);
    if (!ok && err && err->code == PN_E_NOTFOUND)
        pn_err_set(err, PN_E_NOTFOUND, "%s: %s %s does not exist", field, what, address);
    return ok;
}

bool st_mailbox_id(pn_store *st, const char *field, const char *address, int64_t *id,
                   pn_err *err)
{
    return named_id(st, "mailboxes", "mailbox", field, address, id, err);
}

bool st_group_id(pn_store *st, const char *field, const char *address, int64_t *id, pn_err *err)
{
    return named_id(st, "groups", "group", field, address, id, err);
}

static char *name_of(pn_store *st, const char *table, int64_t id)
{
    char *sql = pn_sprintf("SELECT t.localpart || '@' || COALESCE(d.name, '*') FROM %s t"
                           " LEFT JOIN domains d ON d.id = t.domain_id WHERE t.id = ?1", table);
    sqlite3_stmt *s = st_prepare(st, sql, NULL);
    free(sql);
    if (!s)
        return pn_strdup("?");
    sqlite3_bind_int64(s, 1, id);
    char *r = sqlite3_step(s) == SQLITE_ROW ? st_col_text(s, 0) : NULL;
    sqlite3_finalize(s);
    return r ? r : pn_strdup("?");
}

char *st_mailbox_name(pn_store *st, int64_t id) { return name_of(st, "mailboxes", id); }
char *st_group_name(pn_store *st, int64_t id) { return name_of(st, "groups", id); }
char *st_address_name(pn_store *st, int64_t id) { return name_of(st, "addresses", id); }

bool st_name_free(pn_store *st, int64_t domain_key, const char *local, const char *kind,
                  int64_t self_id, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "SELECT kind, ref_id FROM names WHERE domain_key = ?1"
                                     " AND localpart = ?2 AND NOT (kind = ?3 AND ref_id = ?4)",
                                 err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, domain_key);
    st_bind_text(s, 2, local);
    st_bind_text(s, 3, kind);
    sqlite3_bind_int64(s, 4, self_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(s);
        return true;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return st_sql_error(st, rc, "name check", err);
    }
    char *okind = st_col_text(s, 0);
    int64_t oid = sqlite3_column_int64(s, 1);
    sqlite3_finalize(s);
    char *oname = strcmp(okind, "mailbox") == 0 ? st_mailbox_name(st, oid)
                  : strcmp(okind, "group") == 0 ? st_group_name(st, oid)
                                                : st_address_name(st, oid);
    const char *at = strchr(oname, '@');
    const char *dom = at ? at + 1 : "*";
    if (domain_key == 0)
        pn_err_set(err, PN_E_CONFLICT, "every domain: '%s' is already the %s %s", local, okind,
                   oname);
    else
        pn_err_set(err, PN_E_CONFLICT, "domain %s: '%s' is already the %s %s", dom, local, okind,
                   oname);
    free(okind);
    free(oname);
    return false;
}

bool st_check_rev(pn_store *st, const char *table, int64_t id, int64_t rev, const char *entity,
                  pn_err *err)
{
    char *sql = pn_sprintf("SELECT rev FROM %s WHERE id = ?1", table);
    sqlite3_stmt *s = st_prepare(st, sql, err);
    free(sql);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        if (rc == SQLITE_DONE)
            return pn_err_set(err, PN_E_CONFLICT,
                              "%s was deleted by someone else: reload and try again", entity);
        return st_sql_error(st, rc, entity, err);
    }
    int64_t cur = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rev != 0 && cur != rev)
        return pn_err_set(err, PN_E_CONFLICT,
                          "%s was changed by someone else (revision %lld, you edited %lld):"
                          " reload and try again",
                          entity, (long long)cur, (long long)rev);
    return true;
}

bool st_bump(pn_store *st, const char *table, int64_t id, pn_err *err)
{
    char *sql = pn_sprintf("UPDATE %s SET rev = rev + 1, updated = ?2 WHERE id = ?1", table);
    sqlite3_stmt *s = st_prepare(st, sql, err);
    free(sql);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, st_now());
    return st_step_done(st, s, "update revision", err);
}

bool st_valid_external(const char *field, const char *value, pn_err *err)
{
    if (!value || !*value)
        return pn_err_set(err, PN_E_INVALID, "%s: is empty: an email address is required", field);
    return pn_valid_email(field, value, err);
}

bool st_read_one(pn_store *st, const char *sql, int64_t id, st_read_row_fn read, void *out,
                 const char *what, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, sql, err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read(st, s, out);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return st_sql_error(st, rc, what, err);
    return true;
}

bool st_read_rows(pn_store *st, sqlite3_stmt *s, size_t size, st_read_row_fn read,
                  st_clear_row_fn clear, void **out, size_t *count, const char *what,
                  pn_err *err)
{
    *out = NULL;
    *count = 0;
    if (!s)
        return false;
    char *list = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        list = pn_realloc(list, (n + 1) * size);
        memset(list + n * size, 0, size);
        read(st, s, list + n++ * size);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < n; i++)
            clear(list + i * size);
        free(list);
        return st_sql_error(st, rc, what, err);
    }
    *out = list;
    *count = n;
    return true;
}

bool st_delete_steps(pn_store *st, const char *const *sqls, size_t n, size_t first,
                     size_t orphans_after, int64_t id, const char *what, pn_err *err)
{
    for (size_t i = first; i < n; i++) {
        sqlite3_stmt *s = st_prepare(st, sqls[i], err);
        if (!s)
            return false;
        if (sqlite3_bind_parameter_count(s))
            sqlite3_bind_int64(s, 1, id);
        if (!st_step_done(st, s, what, err))
            return false;
        if (i == orphans_after && !st_journal_cascade(st, st_orphan_addresses_sql, 0, err))
            return false;
    }
    return true;
}

bool st_delete_check(pn_store *st, const char *table, const char *entity, const char *address,
                     int64_t rev, bool cascade, st_id_fn id_of, st_referrers_fn referrers,
                     int64_t *id, size_t *nrefs, pn_err *err)
{
    *nrefs = 0;
    if (!id_of(st, "address", address, id, err) || !st_check_rev(st, table, *id, rev, entity, err))
        return false;
    pn_str refs = PN_STR_INIT;
    *nrefs = referrers(st, *id, &refs);
    bool ok = !*nrefs || cascade;
    if (!ok)
        pn_err_set(err, PN_E_CONFLICT, "%s is %s: remove those first or delete with cascade",
                   entity, pn_str_cstr(&refs));
    pn_str_free(&refs);
    return ok;
}

bool st_finish_change(pn_store *st, const char *entity, const char *action, const char *before,
                      int64_t id, st_json_fn json_of, pn_err *err)
{
    char *after = json_of(st, id);
    bool ok = st_journal(st, entity, action, before, after, err) && st_commit(st, err);
    free(after);
    return ok;
}

bool st_finish_add(pn_store *st, const char *kind, const char *name, int64_t id,
                   st_json_fn json_of, pn_err *err)
{
    char *entity = pn_sprintf("%s %s", kind, name);
    bool ok = st_finish_change(st, entity, "add", NULL, id, json_of, err);
    free(entity);
    return ok;
}
