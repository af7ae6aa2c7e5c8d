/* store_refs.c - who refers to a mailbox or a group, as one human phrase for
 * refused deletes: "is the destination of 2 addresses (sales@example.com,
 * info@*) and a member of group staff@example.com". */
#include "store_internal.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

typedef struct ref_query {
    const char *phrase_one;   /* "the destination of address" */
    const char *many_head;    /* "the destination of" */
    const char *many_tail;    /* "addresses" */
    const char *sql;
} ref_query;

static const ref_query mailbox_refs[] = {
    {"the destination of address", "the destination of", "addresses",
     "SELECT a.localpart || '@' || COALESCE(d.name, '*') FROM address_destinations ad"
     " JOIN addresses a ON a.id = ad.address_id LEFT JOIN domains d ON d.id = a.domain_id"
     " WHERE ad.mailbox_id = ?1 ORDER BY 1"},
    {"a member of group", "a member of", "groups",
     "SELECT g.localpart || '@' || d.name FROM group_members gm JOIN groups g"
     " ON g.id = gm.group_id JOIN domains d ON d.id = g.domain_id WHERE gm.mailbox_id = ?1"
     " ORDER BY 1"},
    {"the catch-all of domain", "the catch-all of", "domains",
     "SELECT name FROM domains WHERE catchall_mailbox_id = ?1 ORDER BY 1"},
    {"an owner of public mailbox", "an owner of", "public mailboxes",
     "SELECT p.name FROM public_owners o JOIN public_mailboxes p ON p.id = o.public_id"
     " WHERE o.mailbox_id = ?1 ORDER BY 1"},
};

static const ref_query group_refs[] = {
    {"the destination of address", "the destination of", "addresses",
     "SELECT a.localpart || '@' || COALESCE(d.name, '*') FROM address_destinations ad"
     " JOIN addresses a ON a.id = ad.address_id LEFT JOIN domains d ON d.id = a.domain_id"
     " WHERE ad.group_id = ?1 ORDER BY 1"},
    {"an owner of public mailbox", "an owner of", "public mailboxes",
     "SELECT p.name FROM public_owners o JOIN public_mailboxes p ON p.id = o.public_id"
     " WHERE o.group_id = ?1 ORDER BY 1"},
};

static size_t run(pn_store *st, const ref_query *q, int64_t id, pn_str *parts)
{
    sqlite3_stmt *s = st_prepare(st, q->sql, NULL);
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
    if (n == 1)
        pn_str_appendf(parts, "%s %s", q->phrase_one, pn_str_cstr(&names));
    else if (n > 1) {
        pn_str_appendf(parts, "%s %zu %s", q->many_head, n, q->many_tail);
        pn_str_appendf(parts, " (%s%s)", pn_str_cstr(&names), n > 5 ? ", ..." : "");
    }
    pn_str_free(&names);
    return n;
}

static size_t describe(pn_store *st, const ref_query *qs, size_t nq, int64_t id, pn_str *out)
{
    pn_str part[4] = {PN_STR_INIT, PN_STR_INIT, PN_STR_INIT, PN_STR_INIT};
    size_t total = 0, nparts = 0;
    for (size_t i = 0; i < nq && i < 4; i++) {
        size_t n = run(st, &qs[i], id, &part[nparts]);
        if (n) {
            total += n;
            nparts++;
        }
    }
    for (size_t i = 0; i < nparts; i++) {
        if (i)
            pn_str_append(out, i + 1 == nparts ? " and " : ", ");
        pn_str_append(out, pn_str_cstr(&part[i]));
    }
    for (size_t i = 0; i < 4; i++)
        pn_str_free(&part[i]);
    return total;
}

size_t st_mailbox_referrers(pn_store *st, int64_t id, pn_str *out)
{
    return describe(st, mailbox_refs, sizeof(mailbox_refs) / sizeof(mailbox_refs[0]), id, out);
}

size_t st_group_referrers(pn_store *st, int64_t id, pn_str *out)
{
    return describe(st, group_refs, sizeof(group_refs) / sizeof(group_refs[0]), id, out);
}

/* Journal one "delete (cascade)" row per entity that sql selects as
 * (kind, id) rows, kind being 'mailbox', 'group' or 'address'. */
bool st_journal_cascade(pn_store *st, const char *sql, int64_t id, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, sql, err);
    if (!s)
        return false;
    if (sqlite3_bind_parameter_count(s))
        sqlite3_bind_int64(s, 1, id);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(s, 0);
        int64_t rid = sqlite3_column_int64(s, 1);
        char *name, *before;
        if (strcmp(kind, "mailbox") == 0) {
            name = st_mailbox_name(st, rid);
            before = st_mailbox_json(st, rid);
        } else if (strcmp(kind, "group") == 0) {
            name = st_group_name(st, rid);
            before = st_group_json(st, rid);
        } else {
            name = st_address_name(st, rid);
            before = st_address_json(st, rid);
        }
        char *entity = pn_sprintf("%s %s", kind, name);
        ok = st_journal(st, entity, "delete (cascade)", before, NULL, err);
        free(entity);
        free(name);
        free(before);
    }
    sqlite3_finalize(s);
    return ok;
}

const char *const st_orphan_addresses_sql =
    "SELECT 'address', id FROM addresses"
    " WHERE id NOT IN (SELECT address_id FROM address_destinations)";
