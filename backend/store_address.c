/* store_address.c - addresses (aliases) in the state store: an address in
 * one domain or in every local domain ("info@*"), with one or more
 * destinations of kind user mailbox, group, public mailbox or external
 * address, and the "internal" flag. Add, edit, delete, get, list. */
#include "store_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

const char *pn_dest_kind_name(pn_dest_kind k)
{
    switch (k) {
    case PN_DEST_USER: return "user";
    case PN_DEST_GROUP: return "group";
    case PN_DEST_PUBLIC: return "public";
    case PN_DEST_EXTERNAL: return "external";
    }
    return "?";
}

void pn_address_clear(pn_address *a)
{
    if (!a)
        return;
    free(a->address);
    for (size_t i = 0; i < a->ndests; i++)
        free(a->dests[i].target);
    free(a->dests);
    memset(a, 0, sizeof(*a));
}

void pn_address_list_free(pn_address *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        pn_address_clear(&list[i]);
    free(list);
}

static bool address_id(pn_store *st, const char *address, int64_t *id, pn_err *err)
{
    char *lp = NULL;
    int64_t dom;
    if (!st_split_address(st, "address", address, true, &lp, &dom, err))
        return false;
    sqlite3_stmt *s = st_prepare(st, "SELECT id FROM addresses WHERE COALESCE(domain_id, 0) = ?1"
                                     " AND localpart = ?2", err);
    if (!s) {
        free(lp);
        return false;
    }
    sqlite3_bind_int64(s, 1, dom);
    st_bind_text(s, 2, lp);
    free(lp);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        return st_sql_error(st, rc, "address", err);
    return pn_err_set(err, PN_E_NOTFOUND, "address: address %s does not exist", address);
}

static bool write_dests(pn_store *st, int64_t id, const pn_address *in, pn_err *err)
{
    if (in->ndests == 0)
        return pn_err_set(err, PN_E_INVALID,
                          "destinations: is empty: an address needs at least one destination");
    sqlite3_stmt *s = st_prepare(st, "DELETE FROM address_destinations WHERE address_id = ?1", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, "destinations", err))
        return false;
    for (size_t i = 0; i < in->ndests; i++) {
        const pn_dest *d = &in->dests[i];
        int64_t ref = 0;
        switch (d->kind) {
        case PN_DEST_USER:
            if (!st_mailbox_id(st, "destinations", d->target, &ref, err))
                return false;
            break;
        case PN_DEST_GROUP:
            if (!st_group_id(st, "destinations", d->target, &ref, err))
                return false;
            break;
        case PN_DEST_PUBLIC: {
            /* the rule first (as the import checks it), then whether it exists */
            if (!pn_valid_localpart("destinations", d->target, err))
                return false;
            sqlite3_stmt *q = st_prepare(st, "SELECT id FROM public_mailboxes WHERE name = ?1",
                                         err);
            if (!q)
                return false;
            st_bind_text(q, 1, d->target);
            int rc = sqlite3_step(q);
            if (rc == SQLITE_ROW)
                ref = sqlite3_column_int64(q, 0);
            sqlite3_finalize(q);
            if (rc != SQLITE_ROW)
                return pn_err_set(err, PN_E_NOTFOUND,
                                  "destinations: public mailbox %s does not exist",
                                  d->target ? d->target : "");
            break;
        }
        case PN_DEST_EXTERNAL:
            if (!st_valid_external("destinations", d->target, err))
                return false;
            break;
        default:
            return pn_err_set(err, PN_E_INVALID, "destinations: unknown kind %d", (int)d->kind);
        }
        s = st_prepare(st, "INSERT INTO address_destinations(address_id, kind, mailbox_id,"
                           " group_id, public_id, external) VALUES (?1, ?2, ?3, ?4, ?5, lower(?6))",
                       err);
        if (!s)
            return false;
        sqlite3_bind_int64(s, 1, id);
        st_bind_text(s, 2, pn_dest_kind_name(d->kind));
        for (int col = 3; col <= 5; col++)
            sqlite3_bind_null(s, col);
        if (d->kind == PN_DEST_USER)
            sqlite3_bind_int64(s, 3, ref);
        else if (d->kind == PN_DEST_GROUP)
            sqlite3_bind_int64(s, 4, ref);
        else if (d->kind == PN_DEST_PUBLIC)
            sqlite3_bind_int64(s, 5, ref);
        st_bind_text(s, 6, d->kind == PN_DEST_EXTERNAL ? d->target : NULL);
        if (!st_step_done(st, s, "destinations", err))
            return false;
    }
    return true;
}

bool pn_store_address_add(pn_store *st, const pn_address *in, int64_t *id_out, pn_err *err)
{
    char *lp = NULL;
    int64_t dom, id;
    if (!st_begin_write(st, "add address", err))
        return false;
    if (!st_split_address(st, "address", in->address, true, &lp, &dom, err) ||
        (dom && !st_local_domain(st, "address", dom, err)) ||
        !st_name_free(st, dom, lp, "address", 0, err))
        goto fail;
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO addresses(domain_id, localpart, internal,"
                                     " created, updated) VALUES (?1, lower(?2), ?3, ?4, ?4)", err);
    if (!s)
        goto fail;
    if (dom)
        sqlite3_bind_int64(s, 1, dom);
    else
        sqlite3_bind_null(s, 1);
    st_bind_text(s, 2, lp);
    sqlite3_bind_int(s, 3, in->internal);
    sqlite3_bind_int64(s, 4, st_now());
    if (!st_step_done(st, s, "add address", err))
        goto fail;
    id = sqlite3_last_insert_rowid(st->db);
    if (!write_dests(st, id, in, err))
        goto fail;
    if (!st_finish_add(st, "address", in->address, id, st_address_json, err))
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

bool pn_store_address_edit(pn_store *st, const pn_address *in, pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    if (!st_begin_write(st, "edit address", err))
        return false;
    entity = pn_sprintf("address %s", in->address ? in->address : "");
    if (!address_id(st, in->address, &id, err) ||
        !st_check_rev(st, "addresses", id, in->rev, entity, err))
        goto fail;
    before = st_address_json(st, id);
    sqlite3_stmt *s = st_prepare(st, "UPDATE addresses SET internal = ?2, rev = rev + 1,"
                                     " updated = ?3 WHERE id = ?1", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, in->internal);
    sqlite3_bind_int64(s, 3, st_now());
    if (!st_step_done(st, s, "edit address", err) || !write_dests(st, id, in, err))
        goto fail;
    if (!st_finish_change(st, entity, "edit", before, id, st_address_json, err))
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

bool pn_store_address_delete(pn_store *st, const char *address, int64_t rev, pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    if (!st_begin_write(st, "delete address", err))
        return false;
    entity = pn_sprintf("address %s", address ? address : "");
    if (!address_id(st, address, &id, err) ||
        !st_check_rev(st, "addresses", id, rev, entity, err))
        goto fail;
    before = st_address_json(st, id);
    sqlite3_stmt *s = st_prepare(st, "DELETE FROM addresses WHERE id = ?1", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, "delete address", err) ||
        !st_journal(st, entity, "delete", before, NULL, err) || !st_commit(st, err))
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

#define ADDRESS_COLS                                                                        \
    "SELECT a.id, a.localpart || '@' || COALESCE(d.name, '*'), a.internal, a.rev,"         \
    " a.created, a.updated FROM addresses a LEFT JOIN domains d ON d.id = a.domain_id "

static void clear_row(void *row)
{
    pn_address_clear(row);
}

#define DESTS_COLS                                                                          \
    "SELECT ad.address_id, ad.kind, COALESCE("                                              \
    " (SELECT m.localpart || '@' || d.name FROM mailboxes m JOIN domains d"                 \
    "   ON d.id = m.domain_id WHERE m.id = ad.mailbox_id),"                                 \
    " (SELECT g.localpart || '@' || d.name FROM groups g JOIN domains d"                    \
    "   ON d.id = g.domain_id WHERE g.id = ad.group_id),"                                   \
    " (SELECT p.name FROM public_mailboxes p WHERE p.id = ad.public_id),"                   \
    " ad.external) FROM address_destinations ad "

static void add_dest(pn_address *a, sqlite3_stmt *q)
{
    const char *k = (const char *)sqlite3_column_text(q, 1);
    pn_dest d = {PN_DEST_EXTERNAL, st_col_text(q, 2)};
    if (strcmp(k, "user") == 0)
        d.kind = PN_DEST_USER;
    else if (strcmp(k, "group") == 0)
        d.kind = PN_DEST_GROUP;
    else if (strcmp(k, "public") == 0)
        d.kind = PN_DEST_PUBLIC;
    a->dests = pn_realloc(a->dests, (a->ndests + 1) * sizeof(*a->dests));
    a->dests[a->ndests++] = d;
}

static void read_bare(pn_store *st, sqlite3_stmt *s, void *row)
{
    (void)st;
    pn_address *a = row;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(s, 0);
    a->address = st_col_text(s, 1);
    a->internal = sqlite3_column_int(s, 2);
    a->rev = sqlite3_column_int64(s, 3);
    a->created = sqlite3_column_int64(s, 4);
    a->updated = sqlite3_column_int64(s, 5);
}

static void read_row(pn_store *st, sqlite3_stmt *s, void *row)
{
    pn_address *a = row;
    read_bare(st, s, row);
    sqlite3_stmt *q = st_prepare(st, DESTS_COLS "WHERE ad.address_id = ?1 ORDER BY ad.rowid", NULL);
    if (!q)
        return;
    sqlite3_bind_int64(q, 1, a->id);
    while (sqlite3_step(q) == SQLITE_ROW)
        add_dest(a, q);
    sqlite3_finalize(q);
}

bool pn_store_address_get(pn_store *st, const char *address, pn_address *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    int64_t id = 0;
    return address_id(st, address, &id, err) &&
           st_read_one(st, ADDRESS_COLS "WHERE a.id = ?1", id, read_row, out, "get address", err);
}

typedef struct id_index {
    int64_t id;
    size_t at;
} id_index;

static int cmp_id(const void *a, const void *b)
{
    int64_t x = ((const id_index *)a)->id, y = ((const id_index *)b)->id;
    return (x > y) - (x < y);
}

bool pn_store_address_list(pn_store *st, pn_address **out, size_t *count, pn_err *err)
{
    void *list;
    bool ok = st_read_rows(st, st_prepare(st, ADDRESS_COLS "ORDER BY COALESCE(d.name, '*'), a.localpart", err), sizeof(**out), read_bare, clear_row,
                           &list, count, "list addresses", err);
    *out = list;
    if (!ok || !*count)
        return ok;
    /* every destination in one query, attached by address id */
    id_index *ix = pn_malloc(*count * sizeof(*ix));
    for (size_t i = 0; i < *count; i++)
        ix[i] = (id_index){(*out)[i].id, i};
    qsort(ix, *count, sizeof(*ix), cmp_id);
    sqlite3_stmt *q = st_prepare(st, DESTS_COLS "ORDER BY ad.address_id, ad.rowid", err);
    int rc = SQLITE_ERROR;
    if (q) {
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            id_index key = {sqlite3_column_int64(q, 0), 0};
            id_index *hit = bsearch(&key, ix, *count, sizeof(*ix), cmp_id);
            if (hit)
                add_dest(&(*out)[hit->at], q);
        }
        sqlite3_finalize(q);
    }
    free(ix);
    if (rc != SQLITE_DONE) {
        pn_address_list_free(*out, *count);
        *out = NULL;
        *count = 0;
        return q ? st_sql_error(st, rc, "list addresses", err) : false;
    }
    return true;
}
