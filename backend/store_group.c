/* store_group.c - group mailboxes (a group address delivered to its member
 * mailboxes) in the state store: add, edit (enabled + member list), delete
 * (refused while referenced unless cascade), get, list. */
#include "store_internal.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

void pn_group_clear(pn_group *g)
{
    if (!g)
        return;
    free(g->address);
    for (size_t i = 0; i < g->nmembers; i++)
        free(g->members[i]);
    free(g->members);
    memset(g, 0, sizeof(*g));
}

void pn_group_list_free(pn_group *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        pn_group_clear(&list[i]);
    free(list);
}

static bool write_members(pn_store *st, int64_t id, const pn_group *in, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "DELETE FROM group_members WHERE group_id = ?1", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, "group members", err))
        return false;
    for (size_t i = 0; i < in->nmembers; i++) {
        int64_t mid;
        if (!st_mailbox_id(st, "members", in->members[i], &mid, err))
            return false;
        s = st_prepare(st, "INSERT OR IGNORE INTO group_members(group_id, mailbox_id)"
                           " VALUES (?1, ?2)", err);
        if (!s)
            return false;
        sqlite3_bind_int64(s, 1, id);
        sqlite3_bind_int64(s, 2, mid);
        if (!st_step_done(st, s, "group members", err))
            return false;
    }
    return true;
}

bool pn_store_group_add(pn_store *st, const pn_group *in, int64_t *id_out, pn_err *err)
{
    char *lp = NULL;
    int64_t dom, id;
    if (!st_begin_write(st, "add group", err))
        return false;
    if (!st_split_address(st, "address", in->address, false, &lp, &dom, err) ||
        !st_local_domain(st, "address", dom, err) ||
        !st_name_free(st, dom, lp, "group", 0, err))
        goto fail;
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO groups(domain_id, localpart, enabled, created,"
                                     " updated) VALUES (?1, lower(?2), ?3, ?4, ?4)", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, dom);
    st_bind_text(s, 2, lp);
    sqlite3_bind_int(s, 3, in->enabled);
    sqlite3_bind_int64(s, 4, st_now());
    if (!st_step_done(st, s, "add group", err))
        goto fail;
    id = sqlite3_last_insert_rowid(st->db);
    if (!write_members(st, id, in, err))
        goto fail;
    if (!st_finish_add(st, "group", in->address, id, st_group_json, err))
        goto fail;
    if (id_out)
        *id_out = id;
    free(lp);
    return true;
fail:
    st_rollback(st);
    free(lp);
    return false;
}

bool pn_store_group_edit(pn_store *st, const pn_group *in, pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    if (!st_begin_write(st, "edit group", err))
        return false;
    entity = pn_sprintf("group %s", in->address ? in->address : "");
    if (!st_group_id(st, "address", in->address, &id, err) ||
        !st_check_rev(st, "groups", id, in->rev, entity, err))
        goto fail;
    before = st_group_json(st, id);
    sqlite3_stmt *s = st_prepare(st, "UPDATE groups SET enabled = ?2, rev = rev + 1, updated = ?3"
                                     " WHERE id = ?1", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, in->enabled);
    sqlite3_bind_int64(s, 3, st_now());
    if (!st_step_done(st, s, "edit group", err) || !write_members(st, id, in, err))
        goto fail;
    if (!st_finish_change(st, entity, "edit", before, id, st_group_json, err))
        goto fail;
    free(entity);
    free(before);
    return true;
fail:
    st_rollback(st);
    free(entity);
    free(before);
    return false;
}

bool pn_store_group_delete(pn_store *st, const char *address, int64_t rev, bool cascade,
                           pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    size_t n;
    if (!st_begin_write(st, "delete group", err))
        return false;
    entity = pn_sprintf("group %s", address ? address : "");
    if (!st_delete_check(st, "groups", entity, address, rev, cascade, st_group_id,
                         st_group_referrers, &id, &n, err))
        goto fail;
    before = st_group_json(st, id);
    static const char *const sqls[] = {
        "DELETE FROM address_destinations WHERE group_id = ?1",
        "DELETE FROM addresses WHERE id NOT IN (SELECT address_id FROM address_destinations)",
        "DELETE FROM public_owners WHERE group_id = ?1",
        "DELETE FROM groups WHERE id = ?1",
    };
    if (!st_delete_steps(st, sqls, sizeof(sqls) / sizeof(sqls[0]), 0, 0, id, "delete group", err))
        goto fail;
    if (!st_journal(st, entity, n ? "delete (cascade)" : "delete", before, NULL, err) ||
        !st_commit(st, err))
        goto fail;
    free(entity);
    free(before);
    return true;
fail:
    st_rollback(st);
    free(entity);
    free(before);
    return false;
}

#define GROUP_COLS                                                                          \
    "SELECT g.id, g.localpart || '@' || d.name, g.enabled, g.rev, g.created, g.updated"    \
    " FROM groups g JOIN domains d ON d.id = g.domain_id "

static void clear_row(void *row)
{
    pn_group_clear(row);
}

static void read_row(pn_store *st, sqlite3_stmt *s, void *row)
{
    pn_group *g = row;
    memset(g, 0, sizeof(*g));
    g->id = sqlite3_column_int64(s, 0);
    g->address = st_col_text(s, 1);
    g->enabled = sqlite3_column_int(s, 2);
    g->rev = sqlite3_column_int64(s, 3);
    g->created = sqlite3_column_int64(s, 4);
    g->updated = sqlite3_column_int64(s, 5);
    sqlite3_stmt *q = st_prepare_cached(st, ST_Q_GROUP_MEMBERS,
                                        "SELECT m.localpart || '@' || d.name AS a FROM"
                                        " group_members gm JOIN mailboxes m ON m.id ="
                                        " gm.mailbox_id JOIN domains d ON d.id = m.domain_id"
                                        " WHERE gm.group_id = ?1 ORDER BY a");
    if (!q)
        return;
    sqlite3_bind_int64(q, 1, g->id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        g->members = pn_realloc(g->members, (g->nmembers + 1) * sizeof(char *));
        g->members[g->nmembers++] = st_col_text(q, 0);
    }
    sqlite3_reset(q);
}

bool pn_store_group_get(pn_store *st, const char *address, pn_group *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    int64_t id;
    return st_group_id(st, "address", address, &id, err) &&
           st_read_one(st, GROUP_COLS "WHERE g.id = ?1", id, read_row, out, "get group", err);
}

bool pn_store_group_list(pn_store *st, pn_group **out, size_t *count, pn_err *err)
{
    void *list;
    bool ok = st_read_rows(st, st_prepare(st, GROUP_COLS "ORDER BY d.name, g.localpart", err), sizeof(**out), read_row, clear_row,
                           &list, count, "list groups", err);
    *out = list;
    return ok;
}
