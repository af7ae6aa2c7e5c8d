/* store_yaml_apply.c - the writes of a state import, inside the one write
 * transaction its caller holds, in an order the schema's RESTRICT
 * references allow:
 *   1. settings;
 *   2. the references held by entities that change or go (destinations,
 *      owners, members, catch-alls) are dropped;
 *   3. (replace) entities the file does not list are deleted: addresses,
 *      public mailboxes, groups, mailboxes, domains;
 *   4. entities are added or updated: domains (catch-all later),
 *      mailboxes with their forwards, groups with their members, public
 *      mailboxes with their owners, addresses with their destinations;
 *   5. the catch-alls of new and changed domains are set.
 * Entities that stay as they are are not touched. Each change is journalled
 * like the store's own writes: entity, add/edit/delete, the JSON image
 * before (taken first) and after (taken last), hashes redacted. */
#include "store_yaml_internal.h"
#include "util/json.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* One journal row to write at the end. */
typedef struct yi_jrow {
    char *entity;             /* "mailbox alice@example.com" */
    const char *action;       /* "add", "edit", "delete" */
    char *before, *after;
    st_json_fn json;          /* image after, of *idp; NULL for a delete */
    const int64_t *idp;
} yi_jrow;

typedef struct yi_journal {
    yi_jrow *v;
    size_t n, cap;
} yi_journal;

static void jrow_add(yi_journal *j, char *entity, const char *action, char *before,
                     char *after, st_json_fn json, const int64_t *idp)
{
    if (j->n == j->cap) {
        j->cap = j->cap ? j->cap * 2 : 32;
        j->v = pn_realloc(j->v, j->cap * sizeof(*j->v));
    }
    j->v[j->n++] = (yi_jrow){entity, action, before, after, json, idp};
}

static void journal_free(yi_journal *j)
{
    for (size_t i = 0; i < j->n; i++) {
        free(j->v[i].entity);
        free(j->v[i].before);
        free(j->v[i].after);
    }
    free(j->v);
}

/* A statement bound to ?1 = id, run to completion. */
static bool run_id(pn_store *st, const char *sql, int64_t id, const char *what, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, sql, err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, id);
    return st_step_done(st, s, what, err);
}

static void bind_opt(sqlite3_stmt *s, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, v);
}

/* ---- settings -------------------------------------------------------------- */

static char *setting_json(const char *key, const char *value)
{
    if (!value)
        return NULL;
    pn_str out = PN_STR_INIT;
    pn_json j;
    pn_json_init(&j, &out, false);
    pn_json_obj_begin(&j);
    pn_json_kstr(&j, "key", key);
    pn_json_kstr(&j, "value", value);
    pn_json_obj_end(&j);
    return pn_str_steal(&out);
}

static bool apply_settings(pn_store *st, const yi_file *f, const yi_db *db, bool replace,
                           yi_journal *jr, pn_err *err)
{
    size_t ndefs;
    const pn_setting_def *defs = pn_store_setting_defs(&ndefs);
    for (size_t i = 0; i < ndefs && i < db->nsettings; i++) {
        const char *want, *have = db->settings[i];
        if (!yi_setting_target(f, i, replace, &want) || !yi_strcmp0(want, have))
            continue;
        sqlite3_stmt *s = st_prepare(st, want ? "INSERT INTO settings(key, value) VALUES (?1, ?2)"
                                                " ON CONFLICT(key) DO UPDATE SET"
                                                " value = excluded.value, rev = rev + 1"
                                              : "DELETE FROM settings WHERE key = ?1", err);
        if (!s)
            return false;
        st_bind_text(s, 1, defs[i].key);
        if (want)
            st_bind_text(s, 2, want);
        if (!st_step_done(st, s, "setting", err))
            return false;
        jrow_add(jr, pn_sprintf("setting %s", defs[i].key),
                 want ? (have ? "edit" : "add") : "delete", setting_json(defs[i].key, have),
                 setting_json(defs[i].key, want), NULL, NULL);
    }
    return true;
}

/* ---- journal rows with the images before ------------------------------------ */

/* Rows for the DB entities the file drops (replace), in deletion order. */
static void plan_deletes(pn_store *st, const yi_db *db, yi_journal *jr)
{
    for (size_t i = 0; i < db->state.naddresses; i++)
        if (!db->keep_addresses[i])
            jrow_add(jr, pn_sprintf("address %s", db->state.addresses[i].address), "delete",
                     st_address_json(st, db->state.addresses[i].id), NULL, NULL, NULL);
    for (size_t i = 0; i < db->state.npublics; i++)
        if (!db->keep_publics[i])
            jrow_add(jr, pn_sprintf("public mailbox %s", db->state.publics[i].name), "delete",
                     st_public_json(st, db->state.publics[i].id), NULL, NULL, NULL);
    for (size_t i = 0; i < db->state.ngroups; i++)
        if (!db->keep_groups[i])
            jrow_add(jr, pn_sprintf("group %s", db->state.groups[i].address), "delete",
                     st_group_json(st, db->state.groups[i].id), NULL, NULL, NULL);
    for (size_t i = 0; i < db->state.nmailboxes; i++)
        if (!db->keep_mailboxes[i])
            jrow_add(jr, pn_sprintf("mailbox %s", db->state.mailboxes[i].address), "delete",
                     st_mailbox_json(st, db->state.mailboxes[i].id), NULL, NULL, NULL);
    for (size_t i = 0; i < db->state.ndomains; i++)
        if (!db->keep_domains[i])
            jrow_add(jr, pn_sprintf("domain %s", db->state.domains[i].name), "delete",
                     st_domain_json(st, db->state.domains[i].id), NULL, NULL, NULL);
}

/* A row for one entity of the file that is added or changed; *id is set to
 * the DB id of a changed one (an added one gets it when inserted). */
static void plan_change(pn_store *st, yi_journal *jr, const char *kind, const char *name,
                        yi_plan plan, int64_t old_id, int64_t *id, st_json_fn json)
{
    if (plan == YI_SAME)
        return;
    *id = plan == YI_CHANGE ? old_id : 0;
    jrow_add(jr, pn_sprintf("%s %s", kind, name), plan == YI_ADD ? "add" : "edit",
             plan == YI_CHANGE ? json(st, old_id) : NULL, NULL, json, id);
}

static void plan_changes(pn_store *st, yi_file *f, yi_journal *jr)
{
    for (size_t i = 0; i < f->ndomains; i++) {
        yi_domain *d = &f->domains[i];
        plan_change(st, jr, "domain", d->v.name, d->plan, d->old ? d->old->id : 0, &d->v.id,
                    st_domain_json);
    }
    for (size_t i = 0; i < f->nmailboxes; i++) {
        yi_mailbox *m = &f->mailboxes[i];
        plan_change(st, jr, "mailbox", m->v.address, m->plan, m->old ? m->old->id : 0, &m->v.id,
                    st_mailbox_json);
    }
    for (size_t i = 0; i < f->ngroups; i++) {
        yi_group *g = &f->groups[i];
        plan_change(st, jr, "group", g->v.address, g->plan, g->old ? g->old->id : 0, &g->v.id,
                    st_group_json);
    }
    for (size_t i = 0; i < f->npublics; i++) {
        yi_public *p = &f->publics[i];
        plan_change(st, jr, "public mailbox", p->v.name, p->plan, p->old ? p->old->id : 0,
                    &p->v.id, st_public_json);
    }
    for (size_t i = 0; i < f->naddresses; i++) {
        yi_address *a = &f->addresses[i];
        plan_change(st, jr, "address", a->v.address, a->plan, a->old ? a->old->id : 0, &a->v.id,
                    st_address_json);
    }
}

/* ---- 2. and 3.: references of what changes, then what goes ------------------ */

static bool detach_changed(pn_store *st, const yi_file *f, pn_err *err)
{
    for (size_t i = 0; i < f->naddresses; i++)
        if (f->addresses[i].plan == YI_CHANGE &&
            !run_id(st, "DELETE FROM address_destinations WHERE address_id = ?1",
                    f->addresses[i].v.id, "destinations", err))
            return false;
    for (size_t i = 0; i < f->npublics; i++)
        if (f->publics[i].plan == YI_CHANGE &&
            !run_id(st, "DELETE FROM public_owners WHERE public_id = ?1", f->publics[i].v.id,
                    "owners", err))
            return false;
    for (size_t i = 0; i < f->ngroups; i++)
        if (f->groups[i].plan == YI_CHANGE &&
            !run_id(st, "DELETE FROM group_members WHERE group_id = ?1", f->groups[i].v.id,
                    "group members", err))
            return false;
    for (size_t i = 0; i < f->ndomains; i++)
        if (f->domains[i].plan == YI_CHANGE &&
            !run_id(st, "UPDATE domains SET catchall_mailbox_id = NULL WHERE id = ?1",
                    f->domains[i].v.id, "catch-all", err))
            return false;
    return true;
}

static bool delete_dropped(pn_store *st, const yi_db *db, pn_err *err)
{
    for (size_t i = 0; i < db->state.ndomains; i++)
        if (!db->keep_domains[i] &&
            !run_id(st, "UPDATE domains SET catchall_mailbox_id = NULL WHERE id = ?1",
                    db->state.domains[i].id, "catch-all", err))
            return false;
    for (size_t i = 0; i < db->state.naddresses; i++)
        if (!db->keep_addresses[i] &&
            !run_id(st, "DELETE FROM addresses WHERE id = ?1", db->state.addresses[i].id,
                    "delete address", err))
            return false;
    for (size_t i = 0; i < db->state.npublics; i++)
        if (!db->keep_publics[i] &&
            !run_id(st, "DELETE FROM public_mailboxes WHERE id = ?1", db->state.publics[i].id,
                    "delete public mailbox", err))
            return false;
    for (size_t i = 0; i < db->state.ngroups; i++)
        if (!db->keep_groups[i] &&
            !run_id(st, "DELETE FROM groups WHERE id = ?1", db->state.groups[i].id,
                    "delete group", err))
            return false;
    for (size_t i = 0; i < db->state.nmailboxes; i++)
        if (!db->keep_mailboxes[i] &&
            !run_id(st, "DELETE FROM mailboxes WHERE id = ?1", db->state.mailboxes[i].id,
                    "delete mailbox", err))
            return false;
    for (size_t i = 0; i < db->state.ndomains; i++)
        if (!db->keep_domains[i] &&
            !run_id(st, "DELETE FROM domains WHERE id = ?1", db->state.domains[i].id,
                    "delete domain", err))
            return false;
    return true;
}

/* ---- 4. adds and updates ---------------------------------------------------- */

static bool put_domain(pn_store *st, yi_domain *d, pn_err *err)
{
    const pn_domain *v = &d->v;
    sqlite3_stmt *s = st_prepare(st, d->plan == YI_ADD
        ? "INSERT INTO domains(name, delivery, relay_host, relay_port, bcc, created, updated)"
          " VALUES (lower(?1), ?2, ?3, ?4, ?5, ?6, ?6)"
        : "UPDATE domains SET delivery = ?2, relay_host = ?3, relay_port = ?4, bcc = ?5,"
          " updated = ?6, rev = rev + 1 WHERE id = ?7", err);
    if (!s)
        return false;
    if (d->plan == YI_ADD)
        st_bind_text(s, 1, v->name);
    else
        sqlite3_bind_int64(s, 7, v->id);
    st_bind_text(s, 2, v->relay ? "relay" : "local");
    st_bind_text(s, 3, v->relay ? v->relay_host : NULL);
    bind_opt(s, 4, v->relay && v->relay_port > 0 ? v->relay_port : -1);
    st_bind_text(s, 5, v->bcc);
    sqlite3_bind_int64(s, 6, st_now());
    if (!st_step_done(st, s, "import domain", err))
        return false;
    if (d->plan == YI_ADD)
        d->v.id = sqlite3_last_insert_rowid(st->db);
    return true;
}

static bool put_forwards(pn_store *st, const pn_mailbox *v, pn_err *err)
{
    if (!run_id(st, "DELETE FROM mailbox_forwards WHERE mailbox_id = ?1", v->id, "forwards", err))
        return false;
    for (size_t i = 0; i < v->nforwards; i++) {
        sqlite3_stmt *s = st_prepare(st, "INSERT OR IGNORE INTO mailbox_forwards(mailbox_id,"
                                         " address, keep_copy) VALUES (?1, lower(?2), ?3)", err);
        if (!s)
            return false;
        sqlite3_bind_int64(s, 1, v->id);
        st_bind_text(s, 2, v->forwards[i]);
        sqlite3_bind_int(s, 3, v->forward_keep_copy);
        if (!st_step_done(st, s, "forwards", err))
            return false;
    }
    return true;
}

static bool put_mailbox(pn_store *st, yi_mailbox *m, pn_err *err)
{
    pn_mailbox *v = &m->v;
    char *lp = NULL;
    int64_t dom = 0;
    if (!st_split_address(st, "mailboxes.address", v->address, false, &lp, &dom, err))
        return false;
    sqlite3_stmt *s = st_prepare(st, m->plan == YI_ADD
        ? "INSERT INTO mailboxes(domain_id, localpart, display_name, password_hash, imap, pop3,"
          " smtp, quota_bytes, spam_retention_days, forward_keep_copy, created, updated)"
          " VALUES (?1, lower(?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)"
        : "UPDATE mailboxes SET display_name = ?3, password_hash = ?4, imap = ?5, pop3 = ?6,"
          " smtp = ?7, quota_bytes = ?8, spam_retention_days = ?9, forward_keep_copy = ?10,"
          " updated = ?11, rev = rev + 1 WHERE id = ?12", err);
    if (!s) {
        free(lp);
        return false;
    }
    if (m->plan == YI_ADD) {
        sqlite3_bind_int64(s, 1, dom);
        st_bind_text(s, 2, lp);
    } else {
        sqlite3_bind_int64(s, 12, v->id);
    }
    free(lp);
    st_bind_text(s, 3, v->display_name ? v->display_name : "");
    st_bind_text(s, 4, v->password_hash);
    sqlite3_bind_int(s, 5, v->imap);
    sqlite3_bind_int(s, 6, v->pop3);
    sqlite3_bind_int(s, 7, v->smtp);
    bind_opt(s, 8, v->quota_bytes);
    bind_opt(s, 9, v->spam_retention_days);
    sqlite3_bind_int(s, 10, v->forward_keep_copy);
    sqlite3_bind_int64(s, 11, st_now());
    if (!st_step_done(st, s, "import mailbox", err))
        return false;
    if (m->plan == YI_ADD)
        v->id = sqlite3_last_insert_rowid(st->db);
    return put_forwards(st, v, err);
}

/* INSERT OR IGNORE of one link row (?1 = owner id, ?2 = linked id). */
static bool link(pn_store *st, const char *sql, int64_t a, int64_t b, const char *what,
                 pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, sql, err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    return st_step_done(st, s, what, err);
}

/* Insert (add) or update the row of an entity named by address, with
 * sql_add binding ?1 domain (NULL for a wildcard), ?2 local part, ?3 flag,
 * ?4 now, and sql_edit binding ?1 id, ?3 flag, ?4 now. */
static bool put_named(pn_store *st, yi_plan plan, const char *address, bool wildcard,
                      const char *sql_add, const char *sql_edit, bool flag, int64_t *id,
                      const char *what, pn_err *err)
{
    char *lp = NULL;
    int64_t dom = 0;
    if (plan == YI_ADD && !st_split_address(st, what, address, wildcard, &lp, &dom, err))
        return false;
    sqlite3_stmt *s = st_prepare(st, plan == YI_ADD ? sql_add : sql_edit, err);
    if (!s) {
        free(lp);
        return false;
    }
    if (plan == YI_ADD) {
        if (dom)
            sqlite3_bind_int64(s, 1, dom);
        else
            sqlite3_bind_null(s, 1);
        st_bind_text(s, 2, lp);
    } else {
        sqlite3_bind_int64(s, 1, *id);
    }
    free(lp);
    sqlite3_bind_int(s, 3, flag);
    sqlite3_bind_int64(s, 4, st_now());
    if (!st_step_done(st, s, what, err))
        return false;
    if (plan == YI_ADD)
        *id = sqlite3_last_insert_rowid(st->db);
    return true;
}

static bool put_group(pn_store *st, yi_group *g, pn_err *err)
{
    if (!put_named(st, g->plan, g->v.address, false,
                   "INSERT INTO groups(domain_id, localpart, enabled, created, updated)"
                   " VALUES (?1, lower(?2), ?3, ?4, ?4)",
                   "UPDATE groups SET enabled = ?3, updated = ?4, rev = rev + 1 WHERE id = ?1",
                   g->v.enabled, &g->v.id, "groups.address", err))
        return false;
    for (size_t i = 0; i < g->v.nmembers; i++) {
        int64_t mid;
        if (!st_mailbox_id(st, "groups.members", g->v.members[i], &mid, err) ||
            !link(st, "INSERT OR IGNORE INTO group_members(group_id, mailbox_id) VALUES (?1, ?2)",
                  g->v.id, mid, "group members", err))
            return false;
    }
    return true;
}

static bool put_public(pn_store *st, yi_public *p, pn_err *err)
{
    sqlite3_stmt *s = st_prepare(st, p->plan == YI_ADD
        ? "INSERT INTO public_mailboxes(name, created, updated) VALUES (?2, ?3, ?3)"
        : "UPDATE public_mailboxes SET name = ?2, updated = ?3, rev = rev + 1 WHERE id = ?1",
        err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, p->v.id);
    st_bind_text(s, 2, p->v.name);
    sqlite3_bind_int64(s, 3, st_now());
    if (!st_step_done(st, s, "import public mailbox", err))
        return false;
    if (p->plan == YI_ADD)
        p->v.id = sqlite3_last_insert_rowid(st->db);
    for (size_t i = 0; i < p->v.nowners; i++) {
        const pn_public_owner *o = &p->v.owners[i];
        int64_t ref;
        if (o->is_group ? !st_group_id(st, "public.owners", o->target, &ref, err)
                        : !st_mailbox_id(st, "public.owners", o->target, &ref, err))
            return false;
        if (!link(st, o->is_group ? "INSERT OR IGNORE INTO public_owners(public_id, kind,"
                                    " group_id) VALUES (?1, 'group', ?2)"
                                  : "INSERT OR IGNORE INTO public_owners(public_id, kind,"
                                    " mailbox_id) VALUES (?1, 'user', ?2)",
                  p->v.id, ref, "owners", err))
            return false;
    }
    return true;
}

static bool put_destination(pn_store *st, int64_t address_id, const pn_dest *d, pn_err *err)
{
    static const char field[] = "addresses.destinations";
    int64_t ref = 0;
    bool ok = d->kind == PN_DEST_USER     ? st_mailbox_id(st, field, d->target, &ref, err)
              : d->kind == PN_DEST_GROUP  ? st_group_id(st, field, d->target, &ref, err)
              : d->kind == PN_DEST_PUBLIC ? st_public_id(st, field, d->target, &ref, err)
                                          : true;
    if (!ok)
        return false;
    sqlite3_stmt *s = st_prepare(st, "INSERT INTO address_destinations(address_id, kind,"
                                     " mailbox_id, group_id, public_id, external)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5, lower(?6))", err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, address_id);
    st_bind_text(s, 2, pn_dest_kind_name(d->kind));
    bind_opt(s, 3, d->kind == PN_DEST_USER ? ref : -1);
    bind_opt(s, 4, d->kind == PN_DEST_GROUP ? ref : -1);
    bind_opt(s, 5, d->kind == PN_DEST_PUBLIC ? ref : -1);
    st_bind_text(s, 6, d->kind == PN_DEST_EXTERNAL ? d->target : NULL);
    return st_step_done(st, s, "destinations", err);
}

static bool put_address(pn_store *st, yi_address *a, pn_err *err)
{
    if (!put_named(st, a->plan, a->v.address, true,
                   "INSERT INTO addresses(domain_id, localpart, internal, created, updated)"
                   " VALUES (?1, lower(?2), ?3, ?4, ?4)",
                   "UPDATE addresses SET internal = ?3, updated = ?4, rev = rev + 1 WHERE id = ?1",
                   a->v.internal, &a->v.id, "addresses.address", err))
        return false;
    for (size_t i = 0; i < a->v.ndests; i++)
        if (!put_destination(st, a->v.id, &a->v.dests[i], err))
            return false;
    return true;
}

static bool put_all(pn_store *st, yi_file *f, pn_err *err)
{
    for (size_t i = 0; i < f->ndomains; i++)
        if (f->domains[i].plan != YI_SAME && !put_domain(st, &f->domains[i], err))
            return false;
    for (size_t i = 0; i < f->nmailboxes; i++)
        if (f->mailboxes[i].plan != YI_SAME && !put_mailbox(st, &f->mailboxes[i], err))
            return false;
    for (size_t i = 0; i < f->ngroups; i++)
        if (f->groups[i].plan != YI_SAME && !put_group(st, &f->groups[i], err))
            return false;
    for (size_t i = 0; i < f->npublics; i++)
        if (f->publics[i].plan != YI_SAME && !put_public(st, &f->publics[i], err))
            return false;
    for (size_t i = 0; i < f->naddresses; i++)
        if (f->addresses[i].plan != YI_SAME && !put_address(st, &f->addresses[i], err))
            return false;
    /* 5. catch-alls, now that every mailbox is there */
    for (size_t i = 0; i < f->ndomains; i++) {
        const yi_domain *d = &f->domains[i];
        int64_t mid;
        if (d->plan == YI_SAME || !d->v.catchall)
            continue;
        if (!st_mailbox_id(st, "domains.catch_all", d->v.catchall, &mid, err) ||
            !link(st, "UPDATE domains SET catchall_mailbox_id = ?2 WHERE id = ?1", d->v.id, mid,
                  "catch-all", err))
            return false;
    }
    return true;
}

bool yi_apply(pn_store *st, yi_file *f, yi_db *db, bool replace, pn_err *err)
{
    yi_journal jr = {0};
    bool ok = apply_settings(st, f, db, replace, &jr, err);
    if (ok) {
        if (replace)
            plan_deletes(st, db, &jr);
        plan_changes(st, f, &jr);
        ok = detach_changed(st, f, err) && (!replace || delete_dropped(st, db, err)) &&
             put_all(st, f, err);
    }
    for (size_t i = 0; ok && i < jr.n; i++) {
        yi_jrow *r = &jr.v[i];
        if (r->json)
            r->after = r->json(st, *r->idp);
        ok = st_journal(st, r->entity, r->action, r->before, r->after, err);
    }
    journal_free(&jr);
    return ok;
}
