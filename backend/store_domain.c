/* store_domain.c - domains in the state store: add, edit, delete (refused
 * while mailboxes, groups or addresses use it, unless cascade), get, list. */
#include "store_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

void pn_domain_clear(pn_domain *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->relay_host);
    free(d->bcc);
    free(d->catchall);
    memset(d, 0, sizeof(*d));
}

void pn_domain_list_free(pn_domain *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        pn_domain_clear(&list[i]);
    free(list);
}

/* Validate the editable fields; resolve the catch-all mailbox id (0 = none). */
static bool check_fields(pn_store *st, const pn_domain *in, int64_t *catchall_id, pn_err *err)
{
    *catchall_id = 0;
    if (in->relay) {
        if (!in->relay_host || !*in->relay_host)
            return pn_err_set(err, PN_E_INVALID,
                              "relay_host: is empty: a relay domain needs the host to relay to");
        /* a host name, or an IP address (relayed to as [address]) */
        if (!pn_valid_ip("relay_host", in->relay_host, NULL) &&
            !pn_valid_hostname("relay_host", in->relay_host, err))
            return false;
        if (in->relay_port < 0 || in->relay_port > 65535)
            return pn_err_set(err, PN_E_INVALID, "relay_port: %d is not valid: must be 1-65535",
                              in->relay_port);
    } else if (in->relay_host && *in->relay_host) {
        return pn_err_set(err, PN_E_INVALID,
                          "relay_host: only a relay domain has a relay host (delivery is local)");
    }
    if (in->bcc && *in->bcc && !st_valid_external("bcc", in->bcc, err))
        return false;
    if (in->catchall && *in->catchall) {
        if (in->relay)
            return pn_err_set(err, PN_E_INVALID,
                              "catchall: a relay domain cannot have a catch-all mailbox");
        if (!st_mailbox_id(st, "catchall", in->catchall, catchall_id, err))
            return false;
    }
    return true;
}

static void bind_fields(sqlite3_stmt *s, const pn_domain *in, int64_t catchall_id)
{
    st_bind_text(s, 2, in->relay ? "relay" : "local");
    st_bind_text(s, 3, in->relay && in->relay_host && *in->relay_host ? in->relay_host : NULL);
    if (in->relay && in->relay_port > 0)
        sqlite3_bind_int(s, 4, in->relay_port);
    else
        sqlite3_bind_null(s, 4);
    st_bind_text(s, 5, in->bcc && *in->bcc ? in->bcc : NULL);
    if (catchall_id)
        sqlite3_bind_int64(s, 6, catchall_id);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_int64(s, 7, st_now());
}

bool pn_store_domain_add(pn_store *st, const pn_domain *in, int64_t *id_out, pn_err *err)
{
    if (!in->name || !*in->name)
        return pn_err_set(err, PN_E_INVALID, "name: is empty: a domain name is required");
    if (!pn_valid_domain("name", in->name, err))
        return false;
    if (!st_begin_write(st, "add domain", err))
        return false;
    int64_t catchall_id, id;
    if (!check_fields(st, in, &catchall_id, err))
        goto fail;
    if (st_domain_id(st, "name", in->name, &id, NULL)) {
        pn_err_set(err, PN_E_CONFLICT, "domain %s already exists", in->name);
        goto fail;
    }
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO domains(name, delivery, relay_host, relay_port,"
                                     " bcc, catchall_mailbox_id, created, updated)"
                                     " VALUES (lower(?1), ?2, ?3, ?4, ?5, ?6, ?7, ?7)", err);
    if (!s)
        goto fail;
    st_bind_text(s, 1, in->name);
    bind_fields(s, in, catchall_id);
    if (!st_step_done(st, s, "add domain", err))
        goto fail;
    id = sqlite3_last_insert_rowid(st->db);
    char *entity = pn_sprintf("domain %s", in->name);
    char *after = st_domain_json(st, id);
    bool ok = st_journal(st, entity, "add", NULL, after, err);
    free(entity);
    free(after);
    if (!ok || !st_commit(st, err))
        goto fail;
    if (id_out)
        *id_out = id;
    return true;
fail:
    st_rollback(st);
    return false;
}

bool pn_store_domain_edit(pn_store *st, const pn_domain *in, pn_err *err)
{
    if (!st_begin_write(st, "edit domain", err))
        return false;
    char *entity = NULL, *before = NULL;
    char *name = NULL;
    {
        sqlite3_stmt *q = st_prepare(st, "SELECT name FROM domains WHERE id = ?1", err);
        if (!q)
            goto fail;
        sqlite3_bind_int64(q, 1, in->id);
        if (sqlite3_step(q) == SQLITE_ROW)
            name = st_col_text(q, 0);
        sqlite3_finalize(q);
    }
    entity = pn_sprintf("domain %s", name ? name : (in->name ? in->name : "?"));
    if (!name) {
        pn_err_set(err, PN_E_CONFLICT, "%s was deleted by someone else: reload and try again",
                   entity);
        goto fail;
    }
    int64_t catchall_id;
    if (!st_check_rev(st, "domains", in->id, in->rev, entity, err) ||
        !check_fields(st, in, &catchall_id, err))
        goto fail;
    if (in->relay) {   /* its mailboxes would silently stop being delivered */
        sqlite3_stmt *q = st_prepare(st, "SELECT (SELECT count(*) FROM mailboxes WHERE"
                                         " domain_id = ?1) + (SELECT count(*) FROM groups WHERE"
                                         " domain_id = ?1) + (SELECT count(*) FROM addresses"
                                         " WHERE domain_id = ?1)", err);
        if (!q)
            goto fail;
        sqlite3_bind_int64(q, 1, in->id);
        int64_t held = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_finalize(q);
        if (held) {
            pn_err_set(err, PN_E_CONFLICT,
                       "delivery: %s still has %lld mailboxes, groups or addresses; a relay"
                       " domain holds none: delete or move them first", entity,
                       (long long)held);
            goto fail;
        }
    }
    before = st_domain_json(st, in->id);
    sqlite3_stmt *s = st_prepare(st, "UPDATE domains SET delivery = ?2, relay_host = ?3,"
                                     " relay_port = ?4, bcc = ?5, catchall_mailbox_id = ?6,"
                                     " updated = ?7, rev = rev + 1 WHERE id = ?1", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, in->id);
    bind_fields(s, in, catchall_id);
    if (!st_step_done(st, s, "edit domain", err))
        goto fail;
    if (!st_finish_change(st, entity, "edit", before, in->id, st_domain_json, err))
        goto fail;
    free(name);
    free(entity);
    free(before);
    return true;
fail:
    st_rollback(st);
    free(name);
    free(entity);
    free(before);
    return false;
}

/* Append "N mailboxes (a, b, c)" for the names in column 0 of sql. */
static size_t list_names(pn_store *st, pn_str *out, const char *one, const char *many,
                         const char *sql, int64_t id)
{
    sqlite3_stmt *s = st_prepare(st, sql, NULL);
    if (!s)
        return 0;
    sqlite3_bind_int64(s, 1, id);
    pn_str names = PN_STR_INIT;
    size_t n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (n < 5)
            pn_str_appendf(&names, "%s%s", n ? ", " : "", sqlite3_column_text(s, 0));
        n++;
    }
    sqlite3_finalize(s);
    if (n) {
        if (n > 5)
            pn_str_appendf(&names, ", ...");
        pn_str_appendf(out, "%s%zu %s (%s)", out->len ? ", " : "", n, n == 1 ? one : many,
                       pn_str_cstr(&names));
    }
    pn_str_free(&names);
    return n;
}

bool pn_store_domain_delete(pn_store *st, const char *name, int64_t rev, bool cascade,
                            pn_err *err)
{
    if (!st_begin_write(st, "delete domain", err))
        return false;
    char *entity = pn_sprintf("domain %s", name ? name : "");
    char *before = NULL;
    pn_str refs = PN_STR_INIT;
    int64_t id;
    if (!st_domain_id(st, "domain", name, &id, err) ||
        !st_check_rev(st, "domains", id, rev, entity, err))
        goto fail;
    size_t n = 0;
    n += list_names(st, &refs, "mailbox", "mailboxes",
                    "SELECT localpart || '@' || (SELECT name FROM domains"
                    " WHERE id = ?1) FROM mailboxes WHERE domain_id = ?1 ORDER BY localpart", id);
    n += list_names(st, &refs, "group", "groups",
                    "SELECT localpart || '@' || (SELECT name FROM domains"
                    " WHERE id = ?1) FROM groups WHERE domain_id = ?1 ORDER BY localpart", id);
    n += list_names(st, &refs, "address", "addresses",
                    "SELECT localpart || '@' || (SELECT name FROM domains"
                    " WHERE id = ?1) FROM addresses WHERE domain_id = ?1 ORDER BY localpart", id);
    if (n && !cascade) {
        pn_err_set(err, PN_E_CONFLICT, "%s is still used by %s: delete them first or cascade",
                   entity, pn_str_cstr(&refs));
        goto fail;
    }
    before = st_domain_json(st, id);
    if (cascade) {
        /* Children one by one through the public deletes would nest
         * transactions; do it here, journaling each. */
        static const char *const sqls[] = {
            "UPDATE domains SET catchall_mailbox_id = NULL WHERE id = ?1",
            "DELETE FROM addresses WHERE domain_id = ?1",
            "DELETE FROM address_destinations WHERE mailbox_id IN"
            " (SELECT id FROM mailboxes WHERE domain_id = ?1) OR group_id IN"
            " (SELECT id FROM groups WHERE domain_id = ?1)",
            "DELETE FROM addresses WHERE id NOT IN"
            " (SELECT address_id FROM address_destinations)",
            "DELETE FROM public_owners WHERE mailbox_id IN"
            " (SELECT id FROM mailboxes WHERE domain_id = ?1) OR group_id IN"
            " (SELECT id FROM groups WHERE domain_id = ?1)",
            "UPDATE domains SET catchall_mailbox_id = NULL WHERE catchall_mailbox_id IN"
            " (SELECT id FROM mailboxes WHERE domain_id = ?1)",
            "DELETE FROM group_members WHERE mailbox_id IN"
            " (SELECT id FROM mailboxes WHERE domain_id = ?1)",
            "DELETE FROM groups WHERE domain_id = ?1",
            "DELETE FROM mailboxes WHERE domain_id = ?1",
        };
        if (!st_journal_cascade(st, "SELECT 'address', id FROM addresses WHERE domain_id = ?1"
                                    " UNION ALL SELECT 'group', id FROM groups WHERE domain_id = ?1"
                                    " UNION ALL SELECT 'mailbox', id FROM mailboxes"
                                    " WHERE domain_id = ?1", id, err))
            goto fail;
        if (!st_delete_steps(st, sqls, sizeof(sqls) / sizeof(sqls[0]), 0, 2, id, "delete domain",
                             err))
            goto fail;
    }
    sqlite3_stmt *s = st_prepare(st, "DELETE FROM domains WHERE id = ?1", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, "delete domain", err))
        goto fail;
    if (!st_journal(st, entity, cascade && n ? "delete (cascade)" : "delete", before, NULL, err) ||
        !st_commit(st, err))
        goto fail;
    free(entity);
    free(before);
    pn_str_free(&refs);
    return true;
fail:
    st_rollback(st);
    free(entity);
    free(before);
    pn_str_free(&refs);
    return false;
}

#define DOMAIN_COLS                                                                         \
    "SELECT d.id, d.name, d.delivery, d.relay_host, d.relay_port, d.bcc,"                  \
    " (SELECT m.localpart || '@' || md.name FROM mailboxes m JOIN domains md"              \
    "   ON md.id = m.domain_id WHERE m.id = d.catchall_mailbox_id),"                       \
    " d.rev, d.created, d.updated FROM domains d "

static void clear_row(void *row)
{
    pn_domain_clear(row);
}

static void read_row(pn_store *st, sqlite3_stmt *s, void *row)
{
    (void)st;
    pn_domain *d = row;
    d->id = sqlite3_column_int64(s, 0);
    d->name = st_col_text(s, 1);
    d->relay = strcmp((const char *)sqlite3_column_text(s, 2), "relay") == 0;
    d->relay_host = st_col_text(s, 3);
    d->relay_port = sqlite3_column_int(s, 4);
    d->bcc = st_col_text(s, 5);
    d->catchall = st_col_text(s, 6);
    d->rev = sqlite3_column_int64(s, 7);
    d->created = sqlite3_column_int64(s, 8);
    d->updated = sqlite3_column_int64(s, 9);
}

bool pn_store_domain_get(pn_store *st, const char *name, pn_domain *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!pn_valid_domain("domain", name, err))
        return false;
    sqlite3_stmt *s = st_prepare(st, DOMAIN_COLS "WHERE d.name = ?1", err);
    if (!s)
        return false;
    st_bind_text(s, 1, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_row(st, s, out);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        return st_sql_error(st, rc, "get domain", err);
    return pn_err_set(err, PN_E_NOTFOUND, "domain %s does not exist", name);
}

bool pn_store_domain_list(pn_store *st, pn_domain **out, size_t *count, pn_err *err)
{
    void *list;
    bool ok = st_read_rows(st, st_prepare(st, DOMAIN_COLS "ORDER BY d.name", err), sizeof(**out),
                           read_row, clear_row, &list, count, "list domains", err);
    *out = list;
    return ok;
}
