/* explain.c - where mail to one address goes (explain.h): resolves the
 * address the way the rendered Postfix maps do (mailbox, group, exact
 * address, wildcard, catch-all, the RFC 5321 postmaster fallback, reject;
 * relay domains; forwards; the BCC copy; the internal flag) and records
 * every step as a tree plus the sorted list of final destinations.
 *
 * Works inside one read snapshot of the store (pn_store_begin_read) with
 * targeted queries by key or id only, so the cost depends on the size of
 * the answer (a group's members, an address's destinations), never on the
 * number of addresses in the store.
 *
 * Diagnostics: PN_E_INVALID for a malformed address (naming the field
 * "address" and the rule), PN_E_NOTFOUND naming the domain when postern
 * does not manage it, PN_E_DB when SQLite fails. */
#include "explain.h"
#include "store_internal.h"
#include "util/argv.h"
#include "util/mem.h"
#include "validate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The walk's state: the answer being built, the finals collected so far
 * and the groups and mailboxes already expanded (a group is expanded once;
 * a mailbox reached twice gets one copy, as Postfix removes duplicates). */
typedef struct walk {
    pn_store *st;
    pn_explain *out;
    pn_argv finals;
    int64_t *groups, *mailboxes;
    size_t ngroups, nmailboxes;
    pn_err *err;
} walk;

/* What a local part of a domain names (the store's `names` table). */
typedef enum name_kind { NAME_NONE, NAME_MAILBOX, NAME_GROUP, NAME_ADDRESS } name_kind;

typedef struct domain_row {
    int64_t id;
    char *name;
    bool relay;
    char *relay_host;
    int relay_port;
    char *bcc;
    int64_t catchall_id;      /* 0 = none */
} domain_row;

const char *pn_explain_kind_name(pn_explain_kind k)
{
    switch (k) {
    case PN_EX_INPUT: return "input";
    case PN_EX_MAILBOX: return "mailbox";
    case PN_EX_GROUP: return "group";
    case PN_EX_ADDRESS: return "address";
    case PN_EX_WILDCARD: return "wildcard";
    case PN_EX_CATCHALL: return "catchall";
    case PN_EX_PUBLIC: return "public";
    case PN_EX_EXTERNAL: return "external";
    case PN_EX_FORWARD: return "forward";
    case PN_EX_RELAY: return "relay";
    case PN_EX_BCC: return "bcc";
    case PN_EX_INTERNAL: return "internal";
    case PN_EX_REJECT: return "reject";
    case PN_EX_NOTE: return "note";
    }
    return "?";
}

void pn_explain_clear(pn_explain *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nsteps; i++) {
        free(e->steps[i].target);
        free(e->steps[i].text);
    }
    free(e->steps);
    for (size_t i = 0; i < e->nfinals; i++)
        free(e->finals[i]);
    free(e->finals);
    memset(e, 0, sizeof(*e));
}

static void domain_row_clear(domain_row *d)
{
    free(d->name);
    free(d->relay_host);
    free(d->bcc);
    memset(d, 0, sizeof(*d));
}

/* ---- building the answer ---- */

static void step(walk *w, int depth, pn_explain_kind kind, const char *target, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static void step(walk *w, int depth, pn_explain_kind kind, const char *target, const char *fmt,
                 ...)
{
    pn_explain *e = w->out;
    e->steps = pn_realloc(e->steps, (e->nsteps + 1) * sizeof(*e->steps));
    pn_explain_step *s = &e->steps[e->nsteps++];
    s->depth = depth;
    s->kind = kind;
    s->target = target ? pn_strdup(target) : NULL;
    pn_str t = PN_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    pn_str_vappendf(&t, fmt, ap);
    va_end(ap);
    s->text = pn_str_steal(&t);
}

static void final(walk *w, const char *what, const char *where)
{
    pn_argv_addf(&w->finals, "%s %s", what, where);
}

/* Records id in the set; false when it was there already. */
static bool first_visit(int64_t **set, size_t *n, int64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if ((*set)[i] == id)
            return false;
    *set = pn_realloc(*set, (*n + 1) * sizeof(**set));
    (*set)[(*n)++] = id;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Moves the collected finals into the answer, sorted, without duplicates. */
static void take_finals(walk *w)
{
    pn_explain *e = w->out;
    if (w->finals.n)
        qsort(w->finals.v, w->finals.n, sizeof(char *), cmp_str);
    e->finals = w->finals.n ? pn_calloc(w->finals.n, sizeof(char *)) : NULL;
    for (size_t i = 0; i < w->finals.n; i++)
        if (!e->nfinals || strcmp(e->finals[e->nfinals - 1], w->finals.v[i]) != 0)
            e->finals[e->nfinals++] = pn_strdup(w->finals.v[i]);
}

/* ---- queries (by key or id only) ---- */

static sqlite3_stmt *prepare_id(walk *w, const char *sql, int64_t id)
{
    sqlite3_stmt *s = st_prepare(w->st, sql, w->err);
    if (s)
        sqlite3_bind_int64(s, 1, id);
    return s;
}

/* Finalizes s; false with err set when the last step was an SQLite error. */
static bool finish(walk *w, sqlite3_stmt *s, int rc, const char *what)
{
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return true;
    return st_sql_error(w->st, rc, what, w->err);
}

static bool domain_by_name(walk *w, const char *name, domain_row *d, bool *found)
{
    memset(d, 0, sizeof(*d));
    sqlite3_stmt *s = st_prepare(w->st, "SELECT id, name, delivery = 'relay', relay_host,"
                                        " COALESCE(relay_port, 25), bcc,"
                                        " COALESCE(catchall_mailbox_id, 0)"
                                        " FROM domains WHERE name = ?1", w->err);
    if (!s)
        return false;
    st_bind_text(s, 1, name);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        d->id = sqlite3_column_int64(s, 0);
        d->name = st_col_text(s, 1);
        d->relay = sqlite3_column_int(s, 2);
        d->relay_host = st_col_text(s, 3);
        d->relay_port = sqlite3_column_int(s, 4);
        d->bcc = st_col_text(s, 5);
        d->catchall_id = sqlite3_column_int64(s, 6);
    }
    return finish(w, s, rc, "explain: domain");
}

/* domain_key 0 = the wildcard ("local@*"). */
static bool name_lookup(walk *w, int64_t domain_key, const char *local, name_kind *kind,
                        int64_t *ref)
{
    *kind = NAME_NONE;
    *ref = 0;
    sqlite3_stmt *s = st_prepare(w->st, "SELECT kind, ref_id FROM names WHERE domain_key = ?1"
                                        " AND localpart = ?2", w->err);
    if (!s)
        return false;
    sqlite3_bind_int64(s, 1, domain_key);
    st_bind_text(s, 2, local);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        *kind = !k ? NAME_NONE
              : !strcmp(k, "mailbox") ? NAME_MAILBOX
              : !strcmp(k, "group") ? NAME_GROUP
              : NAME_ADDRESS;
        *ref = sqlite3_column_int64(s, 1);
    }
    return finish(w, s, rc, "explain: name");
}

/* Whether address lies in a domain postern manages as a local domain. */
static bool in_local_domain(walk *w, const char *address, bool *local)
{
    *local = false;
    const char *at = strrchr(address, '@');
    if (!at)
        return true;
    sqlite3_stmt *s = st_prepare(w->st, "SELECT 1 FROM domains WHERE name = ?1"
                                        " AND delivery = 'local'", w->err);
    if (!s)
        return false;
    st_bind_text(s, 1, at + 1);
    int rc = sqlite3_step(s);
    *local = rc == SQLITE_ROW;
    return finish(w, s, rc, "explain: domain");
}

/* ---- the walk ---- */

/* A forward, external destination or BCC target in a local domain is looked
 * up again by Postfix (virtual aliasing is recursive); say so. */
static bool note_local_target(walk *w, int depth, const char *address)
{
    bool local;
    if (!in_local_domain(w, address, &local))
        return false;
    if (local)
        step(w, depth, PN_EX_NOTE, address,
             "%s is in a local domain: Postfix resolves it again (explain it separately)",
             address);
    return true;
}

/* A mailbox or group of a domain that has since become a relay domain:
 * render.c gives it no key, so mail for it is relayed like any address of
 * that domain. Columns col.. of s: relay flag, host, port. */
static bool relayed_member(walk *w, int depth, const char *kind, const char *name,
                           sqlite3_stmt *s, int col)
{
    if (!sqlite3_column_int(s, col))
        return false;
    const char *host = (const char *)sqlite3_column_text(s, col + 1);
    char *hop = pn_sprintf("[%s]:%d", host ? host : "?", sqlite3_column_int(s, col + 2));
    step(w, depth, PN_EX_RELAY, hop, "%s %s is in a relay domain: relayed to %s", kind, name,
         hop);
    final(w, "relay", hop);
    free(hop);
    return true;
}

#define RELAY_COLS " d.delivery = 'relay', d.relay_host, COALESCE(d.relay_port, 25)"

/* The row of the mailbox or group id: sql selects its name, a flag, a count
 * and RELAY_COLS (?1 = id). When it is in a relay domain the relay step is
 * written and *relayed set: nothing more to expand. */
typedef struct member_row {
    char *name;
    bool flag;                /* mailbox: keeps a copy; group: enabled */
    int64_t count;            /* mailbox: forwards; group: members */
    bool relayed;
} member_row;

static bool read_member(walk *w, int depth, const char *kind, const char *sql, int64_t id,
                        member_row *out)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *s = prepare_id(w, sql, id);
    if (!s)
        return false;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->name = st_col_text(s, 0);
        out->flag = sqlite3_column_int(s, 1);
        out->count = sqlite3_column_int64(s, 2);
        out->relayed = out->name && relayed_member(w, depth, kind, out->name, s, 3);
    }
    char what[32];
    snprintf(what, sizeof(what), "explain: %s", kind);
    if (!finish(w, s, rc, what))
        return false;
    if (!out->name)
        return pn_err_set(w->err, PN_E_INTERNAL, "explain: %s id %lld vanished", kind,
                          (long long)id);
    return true;
}

static bool expand_mailbox(walk *w, int depth, int64_t id)
{
    member_row row;
    if (!read_member(w, depth, "mailbox",
                     "SELECT m.localpart || '@' || d.name, m.forward_keep_copy,"
                     " (SELECT count(*) FROM mailbox_forwards f"
                     "   WHERE f.mailbox_id = m.id)," RELAY_COLS
                     " FROM mailboxes m JOIN domains d ON d.id = m.domain_id"
                     " WHERE m.id = ?1", id, &row))
        return false;
    char *name = row.name;
    bool keep = row.flag;
    int64_t nforwards = row.count;
    if (row.relayed) {
        free(name);
        return true;
    }
    bool ok = true;
    if (!first_visit(&w->mailboxes, &w->nmailboxes, id)) {
        step(w, depth, PN_EX_MAILBOX, name, "mailbox %s (reached again: one copy only)", name);
    } else if (nforwards == 0) {
        step(w, depth, PN_EX_MAILBOX, name, "mailbox %s", name);
        final(w, "mailbox", name);
    } else {
        const char *plural = nforwards == 1 ? "" : "es";
        if (keep) {
            step(w, depth, PN_EX_MAILBOX, name, "mailbox %s keeps a copy and forwards to %lld"
                 " address%s", name, (long long)nforwards, plural);
            final(w, "mailbox", name);
        } else {
            step(w, depth, PN_EX_MAILBOX, name, "mailbox %s forwards to %lld address%s and"
                 " keeps no copy", name, (long long)nforwards, plural);
        }
        sqlite3_stmt *s = prepare_id(w, "SELECT address FROM mailbox_forwards"
                                        " WHERE mailbox_id = ?1 ORDER BY address", id);
        int rc = SQLITE_DONE;
        ok = s != NULL;
        while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            char *to = st_col_text(s, 0);
            step(w, depth + 1, PN_EX_FORWARD, to, "forward to %s", to);
            final(w, "external", to);
            ok = note_local_target(w, depth + 2, to);
            free(to);
        }
        if (s)
            ok = finish(w, s, rc, "explain: forwards") && ok;
    }
    free(name);
    return ok;
}

static bool expand_group(walk *w, int depth, int64_t id)
{
    member_row row;
    if (!read_member(w, depth, "group",
                     "SELECT g.localpart || '@' || d.name, g.enabled,"
                     " (SELECT count(*) FROM group_members gm"
                     "   WHERE gm.group_id = g.id)," RELAY_COLS
                     " FROM groups g JOIN domains d ON d.id = g.domain_id"
                     " WHERE g.id = ?1", id, &row))
        return false;
    char *name = row.name;
    bool enabled = row.flag;
    int64_t nmembers = row.count;
    if (row.relayed) {
        free(name);
        return true;
    }
    bool ok = true;
    if (!first_visit(&w->groups, &w->ngroups, id)) {
        step(w, depth, PN_EX_NOTE, name, "group %s is reached again: expanded once above", name);
    } else if (!enabled) {
        step(w, depth, PN_EX_GROUP, name, "group %s is disabled: delivers nothing", name);
    } else if (nmembers == 0) {
        step(w, depth, PN_EX_GROUP, name, "group %s has no members: delivers nothing", name);
    } else {
        step(w, depth, PN_EX_GROUP, name, "group %s (%lld member%s)", name, (long long)nmembers,
             nmembers == 1 ? "" : "s");
        sqlite3_stmt *s = prepare_id(w, "SELECT gm.mailbox_id FROM group_members gm"
                                        " JOIN mailboxes m ON m.id = gm.mailbox_id"
                                        " JOIN domains d ON d.id = m.domain_id"
                                        " WHERE gm.group_id = ?1"
                                        " ORDER BY m.localpart || '@' || d.name", id);
        int rc = SQLITE_DONE;
        ok = s != NULL;
        while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW)
            ok = expand_mailbox(w, depth + 1, sqlite3_column_int64(s, 0));
        if (s)
            ok = finish(w, s, rc, "explain: group members") && ok;
    }
    free(name);
    return ok;
}

/* One destination row of an address: kind, mailbox, group, public, external. */
static bool expand_destination(walk *w, int depth, sqlite3_stmt *s)
{
    const char *kind = (const char *)sqlite3_column_text(s, 0);
    if (!kind)
        kind = "";
    if (!strcmp(kind, "user"))
        return expand_mailbox(w, depth, sqlite3_column_int64(s, 1));
    if (!strcmp(kind, "group"))
        return expand_group(w, depth, sqlite3_column_int64(s, 2));
    if (!strcmp(kind, "public")) {
        const char *pub = (const char *)sqlite3_column_text(s, 3);
        step(w, depth, PN_EX_PUBLIC, pub, "public mailbox %s", pub ? pub : "?");
        final(w, "public", pub ? pub : "?");
        return true;
    }
    const char *ext = (const char *)sqlite3_column_text(s, 4);
    step(w, depth, PN_EX_EXTERNAL, ext, "external %s (sent out)", ext ? ext : "?");
    final(w, "external", ext ? ext : "?");
    return !ext || note_local_target(w, depth + 1, ext);
}

/* The address (alias) id; wildcard when it is a "local@*" address. The
 * internal flag was reported by the caller. */
static bool expand_address(walk *w, int depth, int64_t id, bool wildcard, const char *name)
{
    sqlite3_stmt *s = prepare_id(w, "SELECT count(*) FROM address_destinations"
                                    " WHERE address_id = ?1", id);
    if (!s)
        return false;
    int rc = sqlite3_step(s);
    int64_t ndests = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (!finish(w, s, rc, "explain: address"))
        return false;
    if (wildcard)
        step(w, depth, PN_EX_WILDCARD, name,
             "wildcard address %s (every local domain) to %lld destination%s", name,
             (long long)ndests, ndests == 1 ? "" : "s");
    else
        step(w, depth, PN_EX_ADDRESS, name, "address %s to %lld destination%s", name,
             (long long)ndests, ndests == 1 ? "" : "s");
    s = prepare_id(w, "SELECT ad.kind, ad.mailbox_id, ad.group_id,"
                      " (SELECT p.name FROM public_mailboxes p WHERE p.id = ad.public_id),"
                      " ad.external FROM address_destinations ad WHERE ad.address_id = ?1"
                      " ORDER BY ad.rowid", id);
    bool ok = s != NULL;
    while (ok && (rc = sqlite3_step(s)) == SQLITE_ROW)
        ok = expand_destination(w, depth + 1, s);
    if (s)
        ok = finish(w, s, rc, "explain: destinations") && ok;
    return ok;
}

static bool address_row(walk *w, int64_t id, char **name, bool *internal)
{
    sqlite3_stmt *s = prepare_id(w, "SELECT a.localpart || '@' || COALESCE(d.name, '*'),"
                                    " a.internal FROM addresses a"
                                    " LEFT JOIN domains d ON d.id = a.domain_id WHERE a.id = ?1",
                                 id);
    if (!s)
        return false;
    int rc = sqlite3_step(s);
    *name = rc == SQLITE_ROW ? st_col_text(s, 0) : NULL;
    *internal = rc == SQLITE_ROW && sqlite3_column_int(s, 1);
    if (!finish(w, s, rc, "explain: address"))
        return false;
    if (!*name)
        return pn_err_set(w->err, PN_E_INTERNAL, "explain: address id %lld vanished",
                          (long long)id);
    return true;
}

/* An address or wildcard address matched: the internal flag, then its
 * destinations. */
static bool matched_address(walk *w, int64_t id, bool wildcard)
{
    char *name = NULL;
    bool internal;
    if (!address_row(w, id, &name, &internal))
        return false;
    if (internal) {
        w->out->internal = true;
        step(w, 1, PN_EX_INTERNAL, name,
             "internal: mail from outside is refused (trusted networks and authenticated"
             " users may send)");
    }
    bool ok = expand_address(w, 1, id, wildcard, name);
    free(name);
    return ok;
}

/* A local domain: mailbox, group, exact address, wildcard, catch-all, the
 * postmaster fallback (render.c maps postmaster@domain to the system's
 * postmaster when the domain defines neither), reject. */
static bool resolve_local(walk *w, const domain_row *d, const char *local)
{
    name_kind kind, wkind;
    int64_t ref, wref;
    if (!name_lookup(w, d->id, local, &kind, &ref) || !name_lookup(w, 0, local, &wkind, &wref))
        return false;
    if (kind != NAME_NONE && wkind != NAME_NONE)
        step(w, 1, PN_EX_NOTE, NULL,
             "the wildcard address %s@* does not apply: %s has its own %s", local, d->name,
             local);
    switch (kind) {
    case NAME_MAILBOX: return expand_mailbox(w, 1, ref);
    case NAME_GROUP: return expand_group(w, 1, ref);
    case NAME_ADDRESS: return matched_address(w, ref, false);
    case NAME_NONE: break;
    }
    if (wkind != NAME_NONE)
        return matched_address(w, wref, true);
    if (d->catchall_id) {
        char *to = st_mailbox_name(w->st, d->catchall_id);
        step(w, 1, PN_EX_CATCHALL, to,
             "catch-all of %s: no mailbox, group or address '%s' there, so %s takes it",
             d->name, local, to);
        free(to);
        return expand_mailbox(w, 2, d->catchall_id);
    }
    if (!strcmp(local, "postmaster")) {
        /* RFC 5321: the renderer sends it to the system's postmaster. */
        step(w, 1, PN_EX_NOTE, "postmaster",
             "%s has no postmaster and no catch-all: the required postmaster address goes to"
             " the system's postmaster (the local alias 'postmaster')", d->name);
        final(w, "system", "postmaster");
        return true;
    }
    w->out->rejected = true;
    step(w, 1, PN_EX_REJECT, NULL,
         "unknown: %s has no mailbox, group or address '%s' and no catch-all: rejected",
         d->name, local);
    return true;
}

static bool resolve(walk *w, const domain_row *d, const char *local)
{
    if (d->relay) {
        char *hop = pn_sprintf("[%s]:%d", d->relay_host ? d->relay_host : "?", d->relay_port);
        step(w, 1, PN_EX_RELAY, hop,
             "%s is a relay domain: relayed to %s, which is asked first whether it accepts"
             " the recipient (reject_unverified_recipient)", d->name, hop);
        final(w, "relay", hop);
        free(hop);
        if (d->bcc) {   /* render.c copies relay domains' inbound mail too */
            step(w, 1, PN_EX_BCC, d->bcc,
                 "hidden copy (BCC) to %s of each message arriving for %s (recipient_bcc_maps)",
                 d->bcc, d->name);
            final(w, "bcc", d->bcc);
            return note_local_target(w, 2, d->bcc);
        }
        return true;
    }
    if (!resolve_local(w, d, local))
        return false;
    if (w->out->rejected)
        return true;
    if (w->finals.n == 0) {
        /* Only disabled or empty groups on the way. */
        w->out->rejected = true;
        step(w, 1, PN_EX_REJECT, NULL, "no destination delivers it: rejected");
        return true;
    }
    if (d->bcc) {
        step(w, 1, PN_EX_BCC, d->bcc,
             "hidden copy (BCC) to %s of each message arriving for %s (recipient_bcc_maps)",
             d->bcc, d->name);
        final(w, "bcc", d->bcc);
        return note_local_target(w, 2, d->bcc);
    }
    return true;
}

/* Validates "local@domain" and splits it, lower-cased. */
static bool split_input(const char *address, char **local, char **domain, pn_err *err)
{
    if (!address || !*address)
        return pn_err_set(err, PN_E_INVALID, "address: is empty: an address local@domain is "
                                             "required");
    if (!pn_valid_text("address", address, 320, err))
        return false;
    const char *at = strrchr(address, '@');
    if (!at)
        return pn_err_set(err, PN_E_INVALID, "address: '%s' is not valid: expected local@domain",
                          address);
    if (!strcmp(at + 1, "*"))
        return pn_err_set(err, PN_E_INVALID, "address: '%s' is not valid: explain one domain's"
                                             " address (local@domain), not local@*", address);
    char *lp = pn_strndup(address, (size_t)(at - address));
    char *dom = pn_strdup(at + 1);
    if (!pn_valid_localpart("address", lp, err) || !pn_valid_domain("address", dom, err) ||
        !pn_valid_email("address", address, err)) {
        free(lp);
        free(dom);
        return false;
    }
    for (char *p = lp; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (char *p = dom; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    *local = lp;
    *domain = dom;
    return true;
}

bool pn_explain_address(pn_store *st, const char *address, pn_explain *out, pn_err *err)
{
    memset(out, 0, sizeof(*out));
    char *local = NULL, *dom = NULL;
    if (!split_input(address, &local, &dom, err))
        return false;
    bool began = !st->in_read;
    if (!pn_store_begin_read(st, err)) {
        free(local);
        free(dom);
        return false;
    }
    walk w = {.st = st, .out = out, .err = err};
    domain_row d;
    bool found = false;
    bool ok = domain_by_name(&w, dom, &d, &found);
    if (ok && !found)
        ok = pn_err_set(err, PN_E_NOTFOUND,
                        "address: domain %s is not managed by postern (neither a local nor a"
                        " relay domain)", dom);
    if (ok) {
        char *input = pn_sprintf("%s@%s", local, dom);
        step(&w, 0, PN_EX_INPUT, input, "%s (%s domain %s)", input,
             d.relay ? "relay" : "local", d.name);
        free(input);
        ok = resolve(&w, &d, local);
    }
    if (began)
        pn_store_end_read(st);
    if (ok)
        take_finals(&w);
    else
        pn_explain_clear(out);
    domain_row_clear(&d);
    pn_argv_free(&w.finals);
    free(w.groups);
    free(w.mailboxes);
    free(local);
    free(dom);
    return ok;
}
