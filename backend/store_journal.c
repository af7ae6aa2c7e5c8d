/* store_journal.c - the audit journal of the state store: one row per write
 * (actor, time, entity, action, before/after JSON images with secrets
 * redacted; generation stays NULL until an apply sets it), and the JSON
 * images of each entity taken from the DB inside the write transaction. */
#include "store_internal.h"
#include "util/json.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

bool st_journal(pn_store *st, const char *entity, const char *action, const char *before,
                const char *after, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO journal(at, actor, entity, action, before, after,"
                                     " generation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, st_now());
    st_bind_text(s, 2, st->actor);
    st_bind_text(s, 3, entity);
    st_bind_text(s, 4, action);
    st_bind_text(s, 5, before);
    st_bind_text(s, 6, after);
    return st_step_done(st, s, "journal", err);
}

/* Write the columns of the first row of sql (bound to id) as JSON members.
 * Columns named password_hash are redacted. false when no row. */
static bool row_members(pn_store *st, pn_json *j, const char *sql, int64_t id)
{
    sqlite3_stmt *s = st_prepare(st, sql, NULL);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return false;
    }
    for (int i = 0; i < sqlite3_column_count(s); i++) {
        const char *name = sqlite3_column_name(s, i);
        pn_json_key(j, name);
        if (strcmp(name, "password_hash") == 0)
            pn_json_str(j, "(redacted)");
        else if (sqlite3_column_type(s, i) == SQLITE_NULL)
            pn_json_null(j);
        else if (sqlite3_column_type(s, i) == SQLITE_INTEGER)
            pn_json_int(j, sqlite3_column_int64(s, i));
        else
            pn_json_str(j, (const char *)sqlite3_column_text(s, i));
    }
    sqlite3_finalize(s);
    return true;
}

/* key: [column 0 of every row of sql bound to id] */
static void row_array(pn_store *st, pn_json *j, const char *key, const char *sql, int64_t id)
{
    pn_json_key(j, key);
    pn_json_arr_begin(j);
    sqlite3_stmt *s = st_prepare(st, sql, NULL);
    if (s) {
        sqlite3_bind_int64(s, 1, id);
        while (sqlite3_step(s) == SQLITE_ROW)
            pn_json_str(j, (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    pn_json_arr_end(j);
}

typedef struct image_part {
    const char *key;          /* NULL: the main row */
    const char *sql;
} image_part;

static char *image(pn_store *st, const image_part *parts, size_t n, int64_t id)
{
    pn_str out = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &out, false);
    pn_json_obj_begin(&j);
    if (!row_members(st, &j, parts[0].sql, id)) {
        pn_str_free(&out);
        return NULL;
    }
    for (size_t i = 1; i < n; i++)
        row_array(st, &j, parts[i].key, parts[i].sql, id);
    pn_json_obj_end(&j);
    return pn_str_steal(&out);
}

char *st_domain_json(pn_store *st, int64_t id)
{
    static const image_part parts[] = {
        {NULL, "SELECT d.name, d.delivery, d.relay_host, d.relay_port, d.bcc,"
               " (SELECT m.localpart || '@' || md.name FROM mailboxes m JOIN domains md"
               "   ON md.id = m.domain_id WHERE m.id = d.catchall_mailbox_id) AS catchall,"
               " d.rev FROM domains d WHERE d.id = ?1"},
    };
    return image(st, parts, 1, id);
}

char *st_mailbox_json(pn_store *st, int64_t id)
{
    static const image_part parts[] = {
        {NULL, "SELECT m.localpart || '@' || d.name AS address, m.display_name, m.password_hash,"
               " m.imap, m.pop3, m.smtp, m.quota_bytes, m.spam_retention_days,"
               " m.forward_keep_copy, m.rev FROM mailboxes m JOIN domains d"
               " ON d.id = m.domain_id WHERE m.id = ?1"},
        {"forwards", "SELECT address FROM mailbox_forwards WHERE mailbox_id = ?1 ORDER BY address"},
    };
    return image(st, parts, 2, id);
}

char *st_group_json(pn_store *st, int64_t id)
{
    static const image_part parts[] = {
        {NULL, "SELECT g.localpart || '@' || d.name AS address, g.enabled, g.rev FROM groups g"
               " JOIN domains d ON d.id = g.domain_id WHERE g.id = ?1"},
        {"members", "SELECT m.localpart || '@' || d.name AS a FROM group_members gm"
                    " JOIN mailboxes m ON m.id = gm.mailbox_id JOIN domains d"
                    " ON d.id = m.domain_id WHERE gm.group_id = ?1 ORDER BY a"},
    };
    return image(st, parts, 2, id);
}

char *st_address_json(pn_store *st, int64_t id)
{
    static const image_part parts[] = {
        {NULL, "SELECT a.localpart || '@' || COALESCE(d.name, '*') AS address, a.internal, a.rev"
               " FROM addresses a LEFT JOIN domains d ON d.id = a.domain_id WHERE a.id = ?1"},
        {"destinations",
         "SELECT ad.kind || ':' || COALESCE("
         " (SELECT m.localpart || '@' || d.name FROM mailboxes m JOIN domains d"
         "   ON d.id = m.domain_id WHERE m.id = ad.mailbox_id),"
         " (SELECT g.localpart || '@' || d.name FROM groups g JOIN domains d"
         "   ON d.id = g.domain_id WHERE g.id = ad.group_id),"
         " (SELECT p.name FROM public_mailboxes p WHERE p.id = ad.public_id),"
         " ad.external) FROM address_destinations ad WHERE ad.address_id = ?1 ORDER BY ad.rowid"},
    };
    return image(st, parts, 2, id);
}

bool pn_store_journal_each(pn_store *st, size_t limit, pn_journal_cb cb, void *arg, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, "SELECT id, at, COALESCE(generation, -1), actor, entity,"
                                     " action, before, after FROM journal ORDER BY id DESC"
                                     " LIMIT ?1", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, limit ? (int64_t)limit : -1);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        pn_journal_entry e = {
            sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
            (char *)sqlite3_column_text(s, 3), (char *)sqlite3_column_text(s, 4),
            (char *)sqlite3_column_text(s, 5), (char *)sqlite3_column_text(s, 6),
            (char *)sqlite3_column_text(s, 7),
        };
        if (!cb(&e, arg)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return st_sql_error(st, rc, "journal", err);
    return true;
}

bool pn_store_pending_count(pn_store *st, int64_t *count, pn_err *err)
{
    *count = 0;
    sqlite3_stmt *s = st_prepare(st, "SELECT count(*) FROM journal WHERE generation IS NULL", err);
    if (!s)
        return false;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? true : st_sql_error(st, rc, "journal", err);
}
