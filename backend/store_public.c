/* store_public.c - public (shared) mailboxes in the state store: a named
 * mailbox owned by user mailboxes and groups (rendered later as Dovecot
 * shared folders with ACLs); add, edit owners, delete, get, list. */
#include "store_internal.h"
#include "util/json.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

void pn_public_clear(pn_public *p)
{
    if (!p)
        return;
    free(p->name);
    for (size_t i = 0; i < p->nowners; i++)
        free(p->owners[i].target);
    free(p->owners);
    memset(p, 0, sizeof(*p));
}

void pn_public_list_free(pn_public *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        pn_public_clear(&list[i]);
    free(list);
}

bool st_public_id(pn_store *st, const char *field, const char *name, int64_t *id, pn_err *err)
{
    if (!name || !*name)
        return pn_err_set(err, PN_E_INVALID, "%s: is empty: a public mailbox name is required",
                          field);
    if (!pn_valid_localpart(field, name, err))
        return false;
    sqlite3_stmt *s = st_prepare(st, "SELECT id FROM public_mailboxes WHERE name = ?1", err);
    if (!s)
        return false;
    st_bind_text(s, 1, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        return st_sql_error(st, rc, "public mailbox", err);
    return pn_err_set(err, PN_E_NOTFOUND, "%s: public mailbox %s does not exist", field, name);
}

static bool public_id(pn_store *st, const char *name, int64_t *id, pn_err *err)
{
    return st_public_id(st, "name", name, id, err);
}

/* {"name":..,"rev":..,"owners":["user:a@b","group:g@b"]} */
static char *public_json(pn_store *st, int64_t id)
{
    sqlite3_stmt *s = st_prepare(st, "SELECT name, rev FROM public_mailboxes WHERE id = ?1", NULL);
    if (!s)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return NULL;
    }
    pn_str out = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &out, false);
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "name", (const char *)sqlite3_column_text(s, 0));
    pn_json_kint(&j, "rev", sqlite3_column_int64(s, 1));
    sqlite3_finalize(s);
    pn_json_key(&j, "owners");
    pn_json_arr_begin(&j);
    s = st_prepare(st, "SELECT o.kind || ':' || COALESCE("
                       " (SELECT m.localpart || '@' || d.name FROM mailboxes m JOIN domains d"
                       "   ON d.id = m.domain_id WHERE m.id = o.mailbox_id),"
                       " (SELECT g.localpart || '@' || d.name FROM groups g JOIN domains d"
                       "   ON d.id = g.domain_id WHERE g.id = o.group_id)) AS a"
                       " FROM public_owners o WHERE o.public_id = ?1 ORDER BY a", NULL);
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            pn_json_str(&j, (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    pn_json_arr_end(&j);
    pn_json_obj_end(&j);
    return pn_str_steal(&out);
}

char *st_public_json(pn_store *st, int64_t id)
{
    return public_json(st, id);
}

static bool write_owners(pn_store *st, int64_t id, const pn_public *in, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "DELETE FROM public_owners WHERE public_id = ?1", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, "owners", err))
        return false;
    for (size_t i = 0; i < in->nowners; i++) {
        const pn_public_owner *o = &in->owners[i];
        int64_t ref;
        if (o->is_group ? !st_group_id(st, "owners", o->target, &ref, err)
                        : !st_mailbox_id(st, "owners", o->target, &ref, err))
            return false;
        s = st_prepare(st, "INSERT OR IGNORE INTO public_owners(public_id, kind, mailbox_id,"
                           " group_id) VALUES (?1, ?2, ?3, ?4)", err);
        if (!s)
            return false;
        sqlite3_bind_int64(s, 1, id);
        st_bind_text(s, 2, o->is_group ? "group" : "user");
        sqlite3_bind_null(s, 3);
        sqlite3_bind_null(s, 4);
        sqlite3_bind_int64(s, o->is_group ? 4 : 3, ref);
        if (!st_step_done(st, s, "owners", err))
            return false;
    }
    return true;
}

bool pn_store_public_add(pn_store *st, const pn_public *in, int64_t *id_out, pn_err *err)
{
    int64_t id;
    if (!st_begin_write(st, "add public mailbox", err))
        return false;
    pn_err probe = PN_ERR_INIT;
    bool exists = public_id(st, in->name, &id, &probe);
    if (!exists && probe.code != PN_E_NOTFOUND) {
        if (err) {
            pn_err_clear(err);
            *err = probe;
        } else {
            pn_err_clear(&probe);
        }
        goto fail;
    }
    pn_err_clear(&probe);
    if (exists) {
        pn_err_set(err, PN_E_CONFLICT, "public mailbox %s already exists", in->name);
        goto fail;
    }
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO public_mailboxes(name, created, updated)"
                                     " VALUES (?1, ?2, ?2)", err);
    if (!s)
        goto fail;
    st_bind_text(s, 1, in->name);
    sqlite3_bind_int64(s, 2, st_now());
    if (!st_step_done(st, s, "add public mailbox", err))
        goto fail;
    id = sqlite3_last_insert_rowid(st->db);
    if (!write_owners(st, id, in, err))
        goto fail;
    if (!st_finish_add(st, "public mailbox", in->name, id, public_json, err))
        goto fail;
    if (id_out)
        *id_out = id;
    return true;
fail:
    st_rollback(st);
    return false;
}

bool pn_store_public_edit(pn_store *st, const pn_public *in, pn_err *err)
{
    char *entity = NULL, *before = NULL;
    if (!st_begin_write(st, "edit public mailbox", err))
        return false;
    entity = pn_sprintf("public mailbox %s", in->name ? in->name : "");
    if (!st_check_rev(st, "public_mailboxes", in->id, in->rev, entity, err))
        goto fail;
    before = public_json(st, in->id);
    if (!st_bump(st, "public_mailboxes", in->id, err) || !write_owners(st, in->id, in, err))
        goto fail;
    if (!st_finish_change(st, entity, "edit", before, in->id, public_json, err))
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

bool pn_store_public_delete(pn_store *st, const char *name, int64_t rev, bool cascade,
                            pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    if (!st_begin_write(st, "delete public mailbox", err))
        return false;
    entity = pn_sprintf("public mailbox %s", name ? name : "");
    if (!public_id(st, name, &id, err) ||
        !st_check_rev(st, "public_mailboxes", id, rev, entity, err))
        goto fail;
    sqlite3_stmt *q = st_prepare(st, "SELECT a.localpart || '@' || COALESCE(d.name, '*') AS n"
                                     " FROM address_destinations ad JOIN addresses a"
                                     " ON a.id = ad.address_id LEFT JOIN domains d"
                                     " ON d.id = a.domain_id WHERE ad.public_id = ?1 ORDER BY n",
                                 err);
    if (!q)
        goto fail;
    sqlite3_bind_int64(q, 1, id);
    pn_str refs = PN_STR_INIT;
    size_t n = 0;
    while (sqlite3_step(q) == SQLITE_ROW)
        pn_str_appendf(&refs, "%s%s", n++ ? ", " : "", sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    if (n && !cascade) {
        pn_err_set(err, PN_E_CONFLICT, "%s is the destination of %s %s: remove those first or"
                   " delete with cascade", entity, n == 1 ? "address" : "addresses",
                   pn_str_cstr(&refs));
        pn_str_free(&refs);
        goto fail;
    }
    pn_str_free(&refs);
    before = public_json(st, id);
    static const char *const sqls[] = {
        "DELETE FROM address_destinations WHERE public_id = ?1",
        "DELETE FROM addresses WHERE id NOT IN (SELECT address_id FROM address_destinations)",
        "DELETE FROM public_mailboxes WHERE id = ?1",
    };
    if (!st_delete_steps(st, sqls, sizeof(sqls) / sizeof(sqls[0]), 0, 0, id, "delete public mailbox", err))
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

static void clear_row(void *row)
{
    pn_public_clear(row);
}

static void read_row(pn_store *st, sqlite3_stmt *s, void *row)
{
    pn_public *p = row;
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(s, 0);
    p->name = st_col_text(s, 1);
    p->rev = sqlite3_column_int64(s, 2);
    p->created = sqlite3_column_int64(s, 3);
    p->updated = sqlite3_column_int64(s, 4);
    sqlite3_stmt *q = st_prepare(st, "SELECT o.kind, COALESCE("
                       " (SELECT m.localpart || '@' || d.name FROM mailboxes m JOIN domains d"
                       "   ON d.id = m.domain_id WHERE m.id = o.mailbox_id),"
                       " (SELECT g.localpart || '@' || d.name FROM groups g JOIN domains d"
                       "   ON d.id = g.domain_id WHERE g.id = o.group_id)) AS a"
                       " FROM public_owners o WHERE o.public_id = ?1 ORDER BY o.kind DESC, a",
                       NULL);
    if (!q)
        return;
    sqlite3_bind_int64(q, 1, p->id);
    while (sqlite3_step(q) == SQLITE_ROW) {
        p->owners = pn_realloc(p->owners, (p->nowners + 1) * sizeof(*p->owners));
        p->owners[p->nowners].is_group =
            strcmp((const char *)sqlite3_column_text(q, 0), "group") == 0;
        p->owners[p->nowners++].target = st_col_text(q, 1);
    }
    sqlite3_finalize(q);
}

#define PUBLIC_COLS "SELECT id, name, rev, created, updated FROM public_mailboxes "

bool pn_store_public_get(pn_store *st, const char *name, pn_public *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    int64_t id = 0;
    return public_id(st, name, &id, err) &&
           st_read_one(st, PUBLIC_COLS "WHERE id = ?1", id, read_row, out, "get public mailbox", err);
}

bool pn_store_public_list(pn_store *st, pn_public **out, size_t *count, pn_err *err)
{
    void *list;
    bool ok = st_read_rows(st, st_prepare(st, PUBLIC_COLS "ORDER BY name", err), sizeof(**out), read_row, clear_row,
                           &list, count, "list public mailboxes", err);
    *out = list;
    return ok;
}
