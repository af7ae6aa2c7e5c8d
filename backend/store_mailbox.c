/* store_mailbox.c - user mailboxes in the state store: add (password hashed
 * with libcrypt), edit, reset password, delete (refused while referenced,
 * naming the referrers, unless cascade), get, list; forwards live in the
 * mailbox_forwards child table. */
#include "store_internal.h"
#include "util/mem.h"
#include "validate.h"

#include <stdlib.h>
#include <string.h>

void pn_mailbox_clear(pn_mailbox *m)
{
    if (!m)
        return;
    free(m->address);
    free(m->display_name);
    free(m->password_hash);
    for (size_t i = 0; i < m->nforwards; i++)
        free(m->forwards[i]);
    free(m->forwards);
    memset(m, 0, sizeof(*m));
}

void pn_mailbox_list_free(pn_mailbox *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        pn_mailbox_clear(&list[i]);
    free(list);
}

static bool check_fields(const pn_mailbox *in, pn_err *err)
{
    if (in->display_name &&
        !pn_valid_text("display_name", in->display_name, PN_STORE_DISPLAY_NAME_MAX, err))
        return false;
    if (in->display_name && strpbrk(in->display_name, ":"))
        return pn_err_set(err, PN_E_INVALID,
                          "display_name: contains ':': not allowed (it splits passwd-file fields)");
    if (in->quota_bytes < -1)
        return pn_err_set(err, PN_E_INVALID, "quota_bytes: must be 0 or more (or default)");
    if (in->spam_retention_days < -1)
        return pn_err_set(err, PN_E_INVALID, "spam_retention_days: must be 0 or more (or default)");
    for (size_t i = 0; i < in->nforwards; i++)
        if (!st_valid_external("forwards", in->forwards[i], err))
            return false;
    return true;
}

static bool write_forwards(pn_store *st, int64_t id, const pn_mailbox *in, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "DELETE FROM mailbox_forwards WHERE mailbox_id = ?1", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, "forwards", err))
        return false;
    for (size_t i = 0; i < in->nforwards; i++) {
        s = st_prepare(st, "INSERT OR IGNORE INTO mailbox_forwards(mailbox_id, address, keep_copy)"
                           " VALUES (?1, lower(?2), ?3)", err);
        if (!s)
            return false;
        sqlite3_bind_int64(s, 1, id);
        st_bind_text(s, 2, in->forwards[i]);
        sqlite3_bind_int(s, 3, in->forward_keep_copy);
        if (!st_step_done(st, s, "forwards", err))
            return false;
    }
    return true;
}

static void bind_opt(sqlite3_stmt *s, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, v);
}

bool pn_store_mailbox_add(pn_store *st, const pn_mailbox *in, const char *password,
                          int64_t *id_out, pn_err *err)
{
    if (!check_fields(in, err))
        return false;
    char *hash = pn_store_hash_password(password, err);
    if (!hash)
        return false;
    char *lp = NULL;
    if (!st_begin_write(st, "add mailbox", err)) {
        free(hash);
        return false;
    }
    int64_t dom, id;
    if (!st_split_address(st, "address", in->address, false, &lp, &dom, err) ||
        !st_local_domain(st, "address", dom, err) ||
        !st_name_free(st, dom, lp, "mailbox", 0, err))
        goto fail;
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO mailboxes(domain_id, localpart, display_name,"
                                     " password_hash, imap, pop3, smtp, quota_bytes,"
                                     " spam_retention_days, forward_keep_copy, created, updated)"
                                     " VALUES (?1, lower(?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                                     " ?11, ?11)", err);
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, dom);
    st_bind_text(s, 2, lp);
    st_bind_text(s, 3, in->display_name ? in->display_name : "");
    st_bind_text(s, 4, hash);
    sqlite3_bind_int(s, 5, in->imap);
    sqlite3_bind_int(s, 6, in->pop3);
    sqlite3_bind_int(s, 7, in->smtp);
    bind_opt(s, 8, in->quota_bytes);
    bind_opt(s, 9, in->spam_retention_days);
    sqlite3_bind_int(s, 10, in->forward_keep_copy);
    sqlite3_bind_int64(s, 11, st_now());
    if (!st_step_done(st, s, "add mailbox", err))
        goto fail;
    id = sqlite3_last_insert_rowid(st->db);
    if (!write_forwards(st, id, in, err))
        goto fail;
    if (!st_finish_add(st, "mailbox", in->address, id, st_mailbox_json, err))
        goto fail;
    if (id_out)
        *id_out = id;
    free(hash);
    free(lp);
    return true;
fail:
    st_rollback(st);
    free(hash);
    free(lp);
    return false;
}

/* Shared by edit and set_password: resolve, check rev, run update, journal. */
static bool update(pn_store *st, const char *action, const char *address, int64_t rev,
                   const pn_mailbox *in, const char *hash, pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    if (!st_begin_write(st, action, err))
        return false;
    entity = pn_sprintf("mailbox %s", address ? address : "");
    if (!st_mailbox_id(st, "address", address, &id, err) ||
        !st_check_rev(st, "mailboxes", id, rev, entity, err))
        goto fail;
    before = st_mailbox_json(st, id);
    sqlite3_stmt *s;
    if (hash) {
        s = st_prepare(st, "UPDATE mailboxes SET password_hash = ?2, rev = rev + 1, updated = ?3"
                           " WHERE id = ?1", err);
        if (!s)
            goto fail;
        st_bind_text(s, 2, hash);
        sqlite3_bind_int64(s, 3, st_now());
    } else {
        s = st_prepare(st, "UPDATE mailboxes SET display_name = ?2, imap = ?3, pop3 = ?4,"
                           " smtp = ?5, quota_bytes = ?6, spam_retention_days = ?7,"
                           " forward_keep_copy = ?8, rev = rev + 1, updated = ?9 WHERE id = ?1",
                       err);
        if (!s)
            goto fail;
        st_bind_text(s, 2, in->display_name ? in->display_name : "");
        sqlite3_bind_int(s, 3, in->imap);
        sqlite3_bind_int(s, 4, in->pop3);
        sqlite3_bind_int(s, 5, in->smtp);
        bind_opt(s, 6, in->quota_bytes);
        bind_opt(s, 7, in->spam_retention_days);
        sqlite3_bind_int(s, 8, in->forward_keep_copy);
        sqlite3_bind_int64(s, 9, st_now());
    }
    sqlite3_bind_int64(s, 1, id);
    if (!st_step_done(st, s, action, err))
        goto fail;
    if (!hash && !write_forwards(st, id, in, err))
        goto fail;
    if (!st_finish_change(st, entity, hash ? "set password" : "edit", before, id,
                          st_mailbox_json, err))
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

bool pn_store_mailbox_edit(pn_store *st, const pn_mailbox *in, pn_err *err)
{
    if (!check_fields(in, err))
        return false;
    return update(st, "edit mailbox", in->address, in->rev, in, NULL, err);
}

bool pn_store_mailbox_set_password(pn_store *st, const char *address, int64_t rev,
                                   const char *password, pn_err *err)
{
    char *hash = pn_store_hash_password(password, err);
    if (!hash)
        return false;
    bool ok = update(st, "set password", address, rev, NULL, hash, err);
    explicit_bzero(hash, strlen(hash));
    free(hash);
    return ok;
}

bool pn_store_mailbox_delete(pn_store *st, const char *address, int64_t rev, bool cascade,
                             pn_err *err)
{
    char *entity = NULL, *before = NULL;
    int64_t id;
    size_t n;
    if (!st_begin_write(st, "delete mailbox", err))
        return false;
    entity = pn_sprintf("mailbox %s", address ? address : "");
    if (!st_delete_check(st, "mailboxes", entity, address, rev, cascade, st_mailbox_id,
                         st_mailbox_referrers, &id, &n, err))
        goto fail;
    before = st_mailbox_json(st, id);
    static const char *const sqls[] = {
        "DELETE FROM address_destinations WHERE mailbox_id = ?1",
        "DELETE FROM addresses WHERE id NOT IN (SELECT address_id FROM address_destinations)",
        "DELETE FROM group_members WHERE mailbox_id = ?1",
        "DELETE FROM public_owners WHERE mailbox_id = ?1",
        "UPDATE domains SET catchall_mailbox_id = NULL, rev = rev + 1 WHERE catchall_mailbox_id = ?1",
        "DELETE FROM mailboxes WHERE id = ?1",
    };
    /* Unreferenced: only the last statement (the mailbox itself) is needed. */
    if (!st_delete_steps(st, sqls, sizeof(sqls) / sizeof(sqls[0]), n ? 0 : 5, 0, id, "delete mailbox", err))
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

#define MAILBOX_COLS                                                                        \
    "SELECT m.id, m.localpart || '@' || d.name, m.display_name, m.password_hash, m.imap,"  \
    " m.pop3, m.smtp, COALESCE(m.quota_bytes, -1), COALESCE(m.spam_retention_days, -1),"   \
    " m.forward_keep_copy, m.rev, m.created, m.updated FROM mailboxes m JOIN domains d"    \
    " ON d.id = m.domain_id "

static void clear_row(void *row)
{
    pn_mailbox_clear(row);
}

static void read_row(pn_store *st, sqlite3_stmt *s, void *row)
{
    pn_mailbox *m = row;
    m->id = sqlite3_column_int64(s, 0);
    m->address = st_col_text(s, 1);
    m->display_name = st_col_text(s, 2);
    m->password_hash = st_col_text(s, 3);
    m->imap = sqlite3_column_int(s, 4);
    m->pop3 = sqlite3_column_int(s, 5);
    m->smtp = sqlite3_column_int(s, 6);
    m->quota_bytes = sqlite3_column_int64(s, 7);
    m->spam_retention_days = sqlite3_column_int(s, 8);
    m->forward_keep_copy = sqlite3_column_int(s, 9);
    m->rev = sqlite3_column_int64(s, 10);
    m->created = sqlite3_column_int64(s, 11);
    m->updated = sqlite3_column_int64(s, 12);
    sqlite3_stmt *f = st_prepare_cached(st, ST_Q_MAILBOX_FORWARDS,
                                        "SELECT address FROM mailbox_forwards WHERE"
                                        " mailbox_id = ?1 ORDER BY address");
    if (!f)
        return;
    sqlite3_bind_int64(f, 1, m->id);
    while (sqlite3_step(f) == SQLITE_ROW) {
        m->forwards = pn_realloc(m->forwards, (m->nforwards + 1) * sizeof(char *));
        m->forwards[m->nforwards++] = st_col_text(f, 0);
    }
    sqlite3_reset(f);
}

bool pn_store_mailbox_get(pn_store *st, const char *address, pn_mailbox *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    int64_t id;
    return st_mailbox_id(st, "address", address, &id, err) &&
           st_read_one(st, MAILBOX_COLS "WHERE m.id = ?1", id, read_row, out, "get mailbox", err);
}

bool pn_store_mailbox_list(pn_store *st, const char *domain, pn_mailbox **out, size_t *count,
                           pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, MAILBOX_COLS "WHERE ?1 IS NULL OR d.name = ?1"
                                                  " ORDER BY d.name, m.localpart", err);
    if (s)
        st_bind_text(s, 1, domain);
    void *list;
    bool ok = st_read_rows(st, s, sizeof(**out), read_row, clear_row, &list, count,
                           "list mailboxes", err);
    *out = list;
    return ok;
}
