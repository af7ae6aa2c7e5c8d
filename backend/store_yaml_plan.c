/* store_yaml_plan.c - the state file against itself and the state DB: the
 * DB as it is now (one list per kind), names listed twice, a local part
 * taken by two kinds in one domain, domains and references that do not
 * exist (in the file, or without replace in the DB), and then the plan:
 * which entity is added, changed, left as it is or (replace) removed. */
#include "store_yaml_internal.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the DB now ------------------------------------------------------------ */

bool yi_db_load(pn_store *st, yi_db *db, pn_err *err)
{
    memset(db, 0, sizeof(*db));
    size_t ndefs;
    const pn_setting_def *defs = pn_store_setting_defs(&ndefs);
    db->settings = pn_calloc(ndefs ? ndefs : 1, sizeof(char *));
    db->nsettings = ndefs;
    for (size_t i = 0; i < ndefs; i++)
        if (!pn_store_setting_get(st, defs[i].key, &db->settings[i], NULL, err))
            return false;
    if (!pn_store_state_load(st, &db->state, err))
        return false;
    db->keep_domains = pn_calloc(db->state.ndomains + 1, sizeof(bool));
    db->keep_mailboxes = pn_calloc(db->state.nmailboxes + 1, sizeof(bool));
    db->keep_groups = pn_calloc(db->state.ngroups + 1, sizeof(bool));
    db->keep_publics = pn_calloc(db->state.npublics + 1, sizeof(bool));
    db->keep_addresses = pn_calloc(db->state.naddresses + 1, sizeof(bool));
    return true;
}

void yi_db_free(yi_db *db)
{
    for (size_t i = 0; i < db->nsettings; i++)
        free(db->settings[i]);
    free(db->settings);
    pn_store_state_free(&db->state);
    free(db->keep_domains);
    free(db->keep_mailboxes);
    free(db->keep_groups);
    free(db->keep_publics);
    free(db->keep_addresses);
    memset(db, 0, sizeof(*db));
}

/* ---- names, sorted for lookups ------------------------------------------- */

typedef struct yi_name {
    const char *name;
    pn_import_kind kind;
    size_t idx;               /* in the file's or the DB's array of that kind */
    const yi_node *at;        /* in the file; NULL for the DB */
} yi_name;

typedef struct yi_index {
    yi_name *v;
    size_t n, cap;
} yi_index;

static void ix_add(yi_index *ix, const char *name, pn_import_kind kind, size_t idx,
                   const yi_node *at)
{
    if (!name)
        return;
    if (ix->n == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 16;
        ix->v = pn_realloc(ix->v, ix->cap * sizeof(*ix->v));
    }
    ix->v[ix->n++] = (yi_name){name, kind, idx, at};
}

/* By name (ASCII case-insensitive, as the DB's NOCASE), then file order. */
static int ix_cmp(const void *pa, const void *pb)
{
    const yi_name *a = pa, *b = pb;
    int r = strcasecmp(a->name, b->name);
    if (r)
        return r;
    if (a->at && b->at && a->at->line != b->at->line)
        return a->at->line < b->at->line ? -1 : 1;
    if (a->at && b->at && a->at->col != b->at->col)
        return a->at->col < b->at->col ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void ix_sort(yi_index *ix)
{
    if (ix->n)
        qsort(ix->v, ix->n, sizeof(*ix->v), ix_cmp);
}

/* The first entry called name, of kind (any kind when all). */
static const yi_name *ix_find(const yi_index *ix, const char *name, pn_import_kind kind, bool all)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcasecmp(ix->v[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ix->n && !strcasecmp(ix->v[i].name, name); i++)
        if (all || ix->v[i].kind == kind)
            return &ix->v[i];
    return NULL;
}

static const char *kind_word(pn_import_kind k)
{
    switch (k) {
    case PN_IMPORT_DOMAINS: return "domain";
    case PN_IMPORT_MAILBOXES: return "mailbox";
    case PN_IMPORT_GROUPS: return "group";
    case PN_IMPORT_PUBLIC: return "public mailbox";
    case PN_IMPORT_ADDRESSES: return "address";
    default: return "setting";
    }
}

static const char *name_field(pn_import_kind k)
{
    switch (k) {
    case PN_IMPORT_DOMAINS: return "domains.name";
    case PN_IMPORT_MAILBOXES: return "mailboxes.address";
    case PN_IMPORT_GROUPS: return "groups.address";
    case PN_IMPORT_PUBLIC: return "public.name";
    case PN_IMPORT_ADDRESSES: return "addresses.address";
    default: return "settings";
    }
}

/* The file's and the DB's names: domains, public mailboxes, and the
 * mailboxes, groups and addresses that share one local part per domain. */
typedef struct yi_sets {
    yi_index fdom, fpub, fnames;
    yi_index ddom, dpub, dnames;
    bool replace;
} yi_sets;

static void build_sets(yi_sets *s, const yi_file *f, const yi_db *db)
{
    for (size_t i = 0; i < f->ndomains; i++)
        ix_add(&s->fdom, f->domains[i].v.name, PN_IMPORT_DOMAINS, i, f->domains[i].name_at);
    for (size_t i = 0; i < f->npublics; i++)
        ix_add(&s->fpub, f->publics[i].v.name, PN_IMPORT_PUBLIC, i, f->publics[i].name_at);
    for (size_t i = 0; i < f->nmailboxes; i++)
        ix_add(&s->fnames, f->mailboxes[i].v.address, PN_IMPORT_MAILBOXES, i,
               f->mailboxes[i].name_at);
    for (size_t i = 0; i < f->ngroups; i++)
        ix_add(&s->fnames, f->groups[i].v.address, PN_IMPORT_GROUPS, i, f->groups[i].name_at);
    for (size_t i = 0; i < f->naddresses; i++)
        ix_add(&s->fnames, f->addresses[i].v.address, PN_IMPORT_ADDRESSES, i,
               f->addresses[i].name_at);
    for (size_t i = 0; i < db->state.ndomains; i++)
        ix_add(&s->ddom, db->state.domains[i].name, PN_IMPORT_DOMAINS, i, NULL);
    for (size_t i = 0; i < db->state.npublics; i++)
        ix_add(&s->dpub, db->state.publics[i].name, PN_IMPORT_PUBLIC, i, NULL);
    for (size_t i = 0; i < db->state.nmailboxes; i++)
        ix_add(&s->dnames, db->state.mailboxes[i].address, PN_IMPORT_MAILBOXES, i, NULL);
    for (size_t i = 0; i < db->state.ngroups; i++)
        ix_add(&s->dnames, db->state.groups[i].address, PN_IMPORT_GROUPS, i, NULL);
    for (size_t i = 0; i < db->state.naddresses; i++)
        ix_add(&s->dnames, db->state.addresses[i].address, PN_IMPORT_ADDRESSES, i, NULL);
    yi_index *all[] = {&s->fdom, &s->fpub, &s->fnames, &s->ddom, &s->dpub, &s->dnames};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        ix_sort(all[i]);
}

static void free_sets(yi_sets *s)
{
    free(s->fdom.v);
    free(s->fpub.v);
    free(s->fnames.v);
    free(s->ddom.v);
    free(s->dpub.v);
    free(s->dnames.v);
}

/* ---- cross checks ---------------------------------------------------------- */

/* Every name after the first of its run: listed twice, or (another kind)
 * the same local part in the same domain. */
static void report_duplicates(yi_ctx *c, const yi_index *ix)
{
    size_t first = 0;
    for (size_t i = 1; i < ix->n; i++) {
        if (strcasecmp(ix->v[i].name, ix->v[first].name)) {
            first = i;
            continue;
        }
        const yi_name *a = &ix->v[first], *b = &ix->v[i];
        if (a->kind == b->kind)
            yi_problem(c, b->at, "%s: %s is listed twice (first at line %d)", name_field(b->kind),
                       b->name, a->at->line);
        else
            yi_problem(c, b->at, "%s: %s is also the %s at line %d: a local part is used once"
                                 " per domain", name_field(b->kind), b->name, kind_word(a->kind),
                       a->at->line);
    }
}

/* Without replace, the DB's entities stay: a name of the file may not be
 * another kind there. */
static void report_kind_changes(yi_ctx *c, const yi_sets *s)
{
    for (size_t i = 0; i < s->fnames.n; i++) {
        const yi_name *e = &s->fnames.v[i];
        const yi_name *d = ix_find(&s->dnames, e->name, e->kind, true);
        if (d && d->kind != e->kind && !ix_find(&s->dnames, e->name, e->kind, false))
            yi_problem(c, e->at, "%s: %s is a %s in the state DB: a local part is used once per"
                                 " domain (delete it first, or import with --replace)",
                       name_field(e->kind), e->name, kind_word(d->kind));
    }
}

static bool exists(const yi_sets *s, pn_import_kind kind, const char *name)
{
    const yi_index *f = kind == PN_IMPORT_DOMAINS ? &s->fdom
                        : kind == PN_IMPORT_PUBLIC ? &s->fpub : &s->fnames;
    const yi_index *d = kind == PN_IMPORT_DOMAINS ? &s->ddom
                        : kind == PN_IMPORT_PUBLIC ? &s->dpub : &s->dnames;
    return ix_find(f, name, kind, false) || (!s->replace && ix_find(d, name, kind, false));
}

static const char *not_found_where(const yi_sets *s)
{
    return s->replace ? "not in the file, which replaces the whole state"
                      : "neither in the file nor in the state DB";
}

static void check_ref(yi_ctx *c, const yi_sets *s, const yi_node *at, const char *field,
                      pn_import_kind kind, const char *name)
{
    if (name && !exists(s, kind, name))
        yi_problem(c, at, "%s: %s %s does not exist (%s)", field, kind_word(kind), name,
                   not_found_where(s));
}

static void check_domain_of(yi_ctx *c, const yi_sets *s, const yi_node *at, const char *field,
                            const char *address)
{
    const char *dom = yi_domain_of(address);
    if (address && strcmp(dom, "*") && !exists(s, PN_IMPORT_DOMAINS, dom))
        yi_problem(c, at, "%s: domain %s does not exist (%s)", field, dom, not_found_where(s));
}

static void check_references(yi_ctx *c, const yi_sets *s, const yi_file *f)
{
    for (size_t i = 0; i < f->ndomains; i++)
        check_ref(c, s, f->domains[i].catchall_at, "domains.catch_all", PN_IMPORT_MAILBOXES,
                  f->domains[i].v.catchall);
    for (size_t i = 0; i < f->nmailboxes; i++)
        check_domain_of(c, s, f->mailboxes[i].name_at, "mailboxes.address",
                        f->mailboxes[i].v.address);
    for (size_t i = 0; i < f->ngroups; i++) {
        const yi_group *g = &f->groups[i];
        check_domain_of(c, s, g->name_at, "groups.address", g->v.address);
        for (size_t k = 0; k < g->v.nmembers; k++)
            check_ref(c, s, g->member_at[k], "groups.members", PN_IMPORT_MAILBOXES,
                      g->v.members[k]);
    }
    for (size_t i = 0; i < f->npublics; i++) {
        const yi_public *p = &f->publics[i];
        for (size_t k = 0; k < p->v.nowners; k++)
            check_ref(c, s, p->owner_at[k], "public.owners",
                      p->v.owners[k].is_group ? PN_IMPORT_GROUPS : PN_IMPORT_MAILBOXES,
                      p->v.owners[k].target);
    }
    for (size_t i = 0; i < f->naddresses; i++) {
        const yi_address *a = &f->addresses[i];
        check_domain_of(c, s, a->name_at, "addresses.address", a->v.address);
        for (size_t k = 0; k < a->v.ndests; k++) {
            const pn_dest *d = &a->v.dests[k];
            if (d->kind == PN_DEST_EXTERNAL)
                continue;
            check_ref(c, s, a->dest_at[k], "addresses.destinations",
                      d->kind == PN_DEST_USER ? PN_IMPORT_MAILBOXES
                      : d->kind == PN_DEST_GROUP ? PN_IMPORT_GROUPS : PN_IMPORT_PUBLIC,
                      d->target);
        }
    }
}

/* ---- the plan -------------------------------------------------------------- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same strings, in any order (neither list holds one twice). */
static bool same_strings(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    if (!na)
        return true;
    char **x = pn_malloc(na * sizeof(char *)), **y = pn_malloc(na * sizeof(char *));
    memcpy(x, a, na * sizeof(char *));
    memcpy(y, b, na * sizeof(char *));
    qsort(x, na, sizeof(char *), str_cmp);
    qsort(y, na, sizeof(char *), str_cmp);
    bool same = true;
    for (size_t i = 0; i < na && same; i++)
        same = !strcmp(x[i], y[i]);
    free(x);
    free(y);
    return same;
}

static bool domain_same(const pn_domain *a, const pn_domain *b)
{
    return a->relay == b->relay && !yi_strcmp0(a->relay_host, b->relay_host) &&
           a->relay_port == b->relay_port && !yi_strcmp0(a->bcc, b->bcc) &&
           !yi_strcmp0(a->catchall, b->catchall);
}

static bool mailbox_same(const pn_mailbox *a, const pn_mailbox *b)
{
    return !yi_strcmp0(a->display_name, b->display_name) &&
           !yi_strcmp0(a->password_hash, b->password_hash) && a->imap == b->imap &&
           a->pop3 == b->pop3 && a->smtp == b->smtp && a->quota_bytes == b->quota_bytes &&
           a->spam_retention_days == b->spam_retention_days &&
           a->forward_keep_copy == b->forward_keep_copy &&
           same_strings(a->forwards, a->nforwards, b->forwards, b->nforwards);
}

static bool group_same(const pn_group *a, const pn_group *b)
{
    return a->enabled == b->enabled &&
           same_strings(a->members, a->nmembers, b->members, b->nmembers);
}

static char **owner_words(const pn_public *p)
{
    char **w = pn_calloc(p->nowners + 1, sizeof(char *));
    for (size_t i = 0; i < p->nowners; i++)
        w[i] = pn_sprintf("%s:%s", p->owners[i].is_group ? "group" : "user", p->owners[i].target);
    return w;
}

static bool public_same(const pn_public *a, const pn_public *b)
{
    if (strcmp(a->name, b->name) || a->nowners != b->nowners)
        return false;
    char **x = owner_words(a), **y = owner_words(b);
    bool same = same_strings(x, a->nowners, y, b->nowners);
    for (size_t i = 0; i < a->nowners; i++) {
        free(x[i]);
        free(y[i]);
    }
    free(x);
    free(y);
    return same;
}

/* Destinations keep their order; a public mailbox is named without case. */
static bool address_same(const pn_address *a, const pn_address *b)
{
    if (a->internal != b->internal || a->ndests != b->ndests)
        return false;
    for (size_t i = 0; i < a->ndests; i++) {
        const pn_dest *x = &a->dests[i], *y = &b->dests[i];
        if (x->kind != y->kind ||
            (x->kind == PN_DEST_PUBLIC ? strcasecmp(x->target, y->target)
                                       : strcmp(x->target, y->target)))
            return false;
    }
    return true;
}

static void count(pn_import_counts *k, yi_plan plan)
{
    if (plan == YI_ADD)
        k->added++;
    else if (plan == YI_CHANGE)
        k->changed++;
    else
        k->unchanged++;
}

static size_t count_removed(const bool *keep, size_t n)
{
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        r += !keep[i];
    return r;
}

/* The DB entry of the same kind and name, marked kept; NULL when new. */
static const yi_name *match(const yi_index *ix, const char *name, pn_import_kind kind,
                            bool *keep)
{
    const yi_name *d = name ? ix_find(ix, name, kind, false) : NULL;
    if (d)
        keep[d->idx] = true;
    return d;
}

/* The key is left out or null (a value that is there but wrong was
 * reported when it was read). */
static bool is_absent(const yi_node *map, const char *key)
{
    const yi_node *n = pn_yaml_lookup(map, key);
    return !n || pn_yaml_is_null(n);
}

static void plan_entities(yi_ctx *c, const yi_sets *s, yi_file *f, yi_db *db,
                          pn_import_report *rep)
{
    for (size_t i = 0; i < f->ndomains; i++) {
        yi_domain *d = &f->domains[i];
        const yi_name *m = match(&s->ddom, d->v.name, PN_IMPORT_DOMAINS, db->keep_domains);
        d->old = m ? &db->state.domains[m->idx] : NULL;
        d->plan = !d->old ? YI_ADD : domain_same(&d->v, d->old) ? YI_SAME : YI_CHANGE;
        if (d->v.name)
            count(&rep->counts[PN_IMPORT_DOMAINS], d->plan);
    }
    for (size_t i = 0; i < f->nmailboxes; i++) {
        yi_mailbox *mb = &f->mailboxes[i];
        const yi_name *m = match(&s->dnames, mb->v.address, PN_IMPORT_MAILBOXES,
                                 db->keep_mailboxes);
        mb->old = m ? &db->state.mailboxes[m->idx] : NULL;
        if (!mb->has_hash && mb->old && mb->old->password_hash)
            mb->v.password_hash = pn_strdup(mb->old->password_hash);
        else if (!mb->has_hash && mb->v.address && is_absent(mb->at, "password_hash"))
            yi_problem(c, mb->at, "mailboxes.password_hash: is missing: a new mailbox needs the"
                                  " hash of its password (postern export writes it)");
        mb->plan = !mb->old ? YI_ADD : mailbox_same(&mb->v, mb->old) ? YI_SAME : YI_CHANGE;
        if (mb->v.address)
            count(&rep->counts[PN_IMPORT_MAILBOXES], mb->plan);
    }
    for (size_t i = 0; i < f->ngroups; i++) {
        yi_group *g = &f->groups[i];
        const yi_name *m = match(&s->dnames, g->v.address, PN_IMPORT_GROUPS, db->keep_groups);
        g->old = m ? &db->state.groups[m->idx] : NULL;
        g->plan = !g->old ? YI_ADD : group_same(&g->v, g->old) ? YI_SAME : YI_CHANGE;
        if (g->v.address)
            count(&rep->counts[PN_IMPORT_GROUPS], g->plan);
    }
    for (size_t i = 0; i < f->npublics; i++) {
        yi_public *p = &f->publics[i];
        const yi_name *m = match(&s->dpub, p->v.name, PN_IMPORT_PUBLIC, db->keep_publics);
        p->old = m ? &db->state.publics[m->idx] : NULL;
        p->plan = !p->old ? YI_ADD : public_same(&p->v, p->old) ? YI_SAME : YI_CHANGE;
        if (p->v.name)
            count(&rep->counts[PN_IMPORT_PUBLIC], p->plan);
    }
    for (size_t i = 0; i < f->naddresses; i++) {
        yi_address *a = &f->addresses[i];
        const yi_name *m = match(&s->dnames, a->v.address, PN_IMPORT_ADDRESSES,
                                 db->keep_addresses);
        a->old = m ? &db->state.addresses[m->idx] : NULL;
        a->plan = !a->old ? YI_ADD : address_same(&a->v, a->old) ? YI_SAME : YI_CHANGE;
        if (a->v.address)
            count(&rep->counts[PN_IMPORT_ADDRESSES], a->plan);
    }
    if (s->replace) {
        rep->counts[PN_IMPORT_DOMAINS].removed =
            count_removed(db->keep_domains, db->state.ndomains);
        rep->counts[PN_IMPORT_MAILBOXES].removed =
            count_removed(db->keep_mailboxes, db->state.nmailboxes);
        rep->counts[PN_IMPORT_GROUPS].removed = count_removed(db->keep_groups, db->state.ngroups);
        rep->counts[PN_IMPORT_PUBLIC].removed = count_removed(db->keep_publics, db->state.npublics);
        rep->counts[PN_IMPORT_ADDRESSES].removed =
            count_removed(db->keep_addresses, db->state.naddresses);
    }
}

bool yi_setting_target(const yi_file *f, size_t i, bool replace, const char **value)
{
    size_t ndefs;
    const pn_setting_def *defs = pn_store_setting_defs(&ndefs);
    bool given = false;
    *value = NULL;
    for (size_t k = 0; k < f->nsettings; k++)
        if (!strcmp(f->settings[k].key, defs[i].key)) {
            given = true;
            *value = f->settings[k].value;
        }
    return given || replace;
}

static void plan_settings(const yi_file *f, const yi_db *db, bool replace, pn_import_report *rep)
{
    pn_import_counts *k = &rep->counts[PN_IMPORT_SETTINGS];
    for (size_t i = 0; i < db->nsettings; i++) {
        const char *want, *have = db->settings[i];
        if (!yi_setting_target(f, i, replace, &want))
            continue;
        if (!yi_strcmp0(want, have)) {
            if (want)
                k->unchanged++;
        } else if (!have) {
            k->added++;
        } else if (!want) {
            k->removed++;
        } else {
            k->changed++;
        }
    }
}

void yi_check_and_plan(yi_ctx *c, yi_file *f, yi_db *db, bool replace, pn_import_report *rep)
{
    yi_sets s;
    memset(&s, 0, sizeof(s));
    s.replace = replace;
    build_sets(&s, f, db);
    report_duplicates(c, &s.fdom);
    report_duplicates(c, &s.fpub);
    report_duplicates(c, &s.fnames);
    if (!replace)
        report_kind_changes(c, &s);
    check_references(c, &s, f);
    plan_settings(f, db, replace, rep);
    plan_entities(c, &s, f, db, rep);
    free_sets(&s);
}
