/* render.c - the state store rendered into Postfix tables, main.cf
 * parameter values and Dovecot files (render.h says what and why). */
#include "render.h"
#include "util/argv.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *pn_service_name(pn_service s)
{
    return s == PN_SVC_POSTFIX ? "postfix" : s == PN_SVC_DOVECOT ? "dovecot" : "?";
}

/* ---- a set of lowercase strings (open addressing) ---- */

typedef struct strset {
    char **slot;
    size_t cap, n;
} strset;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 1099511628211ull;
    return h;
}

static bool set_has(const strset *set, const char *s)
{
    if (!set->cap)
        return false;
    for (size_t i = hash_str(s) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
        if (!set->slot[i])
            return false;
        if (!strcasecmp(set->slot[i], s))
            return true;
    }
}

static void set_add(strset *set, const char *s)
{
    if ((set->n + 1) * 2 > set->cap) {
        strset big = {pn_calloc(set->cap ? set->cap * 2 : 64, sizeof(char *)),
                      set->cap ? set->cap * 2 : 64, 0};
        for (size_t i = 0; i < set->cap; i++)
            if (set->slot[i])
                set_add(&big, set->slot[i]);
        for (size_t i = 0; i < set->cap; i++)
            free(set->slot[i]);
        free(set->slot);
        *set = big;
    }
    if (set_has(set, s))
        return;
    size_t i = hash_str(s) & (set->cap - 1);
    while (set->slot[i])
        i = (i + 1) & (set->cap - 1);
    set->slot[i] = pn_strdup(s);
    set->n++;
}

static void set_free(strset *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->slot[i]);
    free(set->slot);
}

/* ---- sorted "key value" tables ---- */

typedef struct table {
    pn_argv lines;
} table;

static void row(table *t, const char *key, const char *value)
{
    pn_argv_addf(&t->lines, "%s %s", key, value);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void table_text(table *t, pn_str *out, const char *title)
{
    pn_str_appendf(out, "# %s (written by postern: do not edit, run 'postern apply')\n", title);
    if (t->lines.n)
        qsort(t->lines.v, t->lines.n, sizeof(char *), cmp_line);
    for (size_t i = 0; i < t->lines.n; i++) {
        pn_str_append(out, t->lines.v[i]);
        pn_str_appendc(out, '\n');
    }
    pn_argv_free(&t->lines);
}

/* ---- parameters ---- */

bool pn_render_params(const pn_render_paths *p, pn_render_param **out, size_t *count)
{
    static const struct {
        const char *name, *file;
    } maps[] = {
        {"virtual_mailbox_domains", "vmailbox_domains"},
        {"virtual_mailbox_maps", "vmailbox"},
        {"virtual_alias_maps", "virtual"},
        {"recipient_bcc_maps", "recipient_bcc"},
        {"relay_domains", "relay_domains"},
        {"transport_maps", "transport"},
    };
    size_t n = sizeof(maps) / sizeof(maps[0]);
    pn_render_param *v = pn_calloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].name = maps[i].name;
        v[i].value = pn_sprintf("%s:%s/%s", p->map_type, p->postfix_dir, maps[i].file);
    }
    /* Outside clients first meet the disabled groups, trusted ones pass,
     * then internal addresses refuse outsiders, relay domains verify their
     * recipients downstream, and everything else must be ours. */
    v[n].name = "smtpd_relay_restrictions";
    v[n].value = pn_sprintf("check_recipient_access %s:%s/disabled_recipients,"
                            " permit_mynetworks, permit_sasl_authenticated,"
                            " check_recipient_access %s:%s/internal_access,"
                            " check_recipient_access %s:%s/relay_verify,"
                            " reject_unauth_destination",
                            p->map_type, p->postfix_dir, p->map_type, p->postfix_dir,
                            p->map_type, p->postfix_dir);
    v[n].owned = true;
    *out = v;
    *count = n + 1;
    return true;
}

/* ---- the renderer ---- */

typedef struct ctx {
    pn_store *st;
    const pn_render_paths *paths;
    pn_render_out *out;
    pn_store_state state;     /* the store as it is, in one snapshot */
    strset local_domains, relay_domains, names; /* names: local@domain with a key in virtual */
    strset active_groups;     /* enabled groups with members: they have a key */
    table virtual, vmailbox, vdomains, bcc, relay, transport, verify, internal, disabled, login;
} ctx;

static const char *domain_of(const char *address)
{
    const char *at = strrchr(address, '@');
    return at ? at + 1 : "";
}

static char *public_user(int64_t id)
{
    return pn_sprintf("p%lld@" PN_PUBLIC_DOMAIN, (long long)id);
}

static const pn_public *public_named(const ctx *c, const char *name)
{
    for (size_t i = 0; i < c->state.npublics; i++)
        if (!strcasecmp(c->state.publics[i].name, name))
            return &c->state.publics[i];
    return NULL;
}

/* "a, b, c" for the destinations of an address. A disabled or empty group
 * has no key of its own, so Postfix would hand it to the catch-all or
 * bounce it: it is left out (explain.h: it delivers nothing). */
static char *dests_value(const ctx *c, const pn_address *a)
{
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < a->ndests; i++) {
        const pn_dest *d = &a->dests[i];
        if (d->kind == PN_DEST_GROUP && !set_has(&c->active_groups, d->target))
            continue;
        if (s.len)
            pn_str_append(&s, ", ");
        if (d->kind == PN_DEST_PUBLIC) {
            const pn_public *p = public_named(c, d->target);
            char *u = p ? public_user(p->id) : pn_strdup(d->target);
            pn_str_append(&s, u);
            free(u);
        } else {
            pn_str_append(&s, d->target);
        }
    }
    return pn_str_steal(&s);
}

static void add_probe(pn_render_out *out, const char *map, const char *key, const char *want)
{
    out->probes = pn_realloc(out->probes, (out->nprobes + 1) * sizeof(*out->probes));
    out->probes[out->nprobes++] = (pn_render_probe){map, pn_strdup(key),
                                                     want ? pn_strdup(want) : NULL};
}

static void render_domains(ctx *c)
{
    for (size_t i = 0; i < c->state.ndomains; i++) {
        const pn_domain *d = &c->state.domains[i];
        if (d->bcc) {   /* local or relay: a copy of what arrives from outside */
            char *k = pn_sprintf("@%s", d->name);
            row(&c->bcc, k, d->bcc);
            free(k);
        }
        if (d->relay) {
            set_add(&c->relay_domains, d->name);
            row(&c->relay, d->name, "OK");
            /* brackets: no MX lookup (transport(5)); IPv6 needs the ipv6: tag */
            char *next = pn_sprintf("relay:[%s%s]:%d", strchr(d->relay_host, ':') ? "ipv6:" : "",
                                    d->relay_host, d->relay_port ? d->relay_port : 25);
            row(&c->transport, d->name, next);
            free(next);
            row(&c->verify, d->name, "reject_unverified_recipient");
            continue;
        }
        set_add(&c->local_domains, d->name);
        row(&c->vdomains, d->name, "OK");
    }
    if (c->state.npublics)
        row(&c->vdomains, PN_PUBLIC_DOMAIN, "OK");
}

static void render_mailboxes(ctx *c)
{
    for (size_t i = 0; i < c->state.nmailboxes; i++) {
        const pn_mailbox *m = &c->state.mailboxes[i];
        const char *dom = domain_of(m->address);
        if (!set_has(&c->local_domains, dom))
            continue;           /* a mailbox in a relay domain is not delivered here */
        set_add(&c->names, m->address);
        char *path = pn_sprintf("%s/%.*s/", dom, (int)(strrchr(m->address, '@') - m->address),
                                m->address);
        row(&c->vmailbox, m->address, path);
        free(path);
        if (m->nforwards) {
            pn_str v = PN_STR_INIT;
            for (size_t k = 0; k < m->nforwards; k++) {
                if (k)
                    pn_str_append(&v, ", ");
                pn_str_append(&v, m->forwards[k]);
            }
            if (m->forward_keep_copy) {
                pn_str_append(&v, ", ");
                pn_str_append(&v, m->address);
            }
            row(&c->virtual, m->address, pn_str_cstr(&v));
            pn_str_free(&v);
        } else {
            row(&c->virtual, m->address, m->address);
        }
        row(&c->login, m->address, m->address);
    }
    for (size_t i = 0; i < c->state.npublics; i++) {
        char *u = public_user(c->state.publics[i].id);
        row(&c->vmailbox, u, "public/");
        free(u);
    }
}

static void render_groups(ctx *c)
{
    for (size_t i = 0; i < c->state.ngroups; i++) {
        const pn_group *g = &c->state.groups[i];
        if (!set_has(&c->local_domains, domain_of(g->address)))
            continue;
        set_add(&c->names, g->address);
        if (!g->enabled || !g->nmembers) {
            row(&c->disabled, g->address,
                g->enabled ? "550 5.1.1 group has no members" : "550 5.1.1 group is disabled");
            continue;
        }
        set_add(&c->active_groups, g->address);
        pn_str v = PN_STR_INIT;
        for (size_t k = 0; k < g->nmembers; k++) {
            if (k)
                pn_str_append(&v, ", ");
            pn_str_append(&v, g->members[k]);
        }
        row(&c->virtual, g->address, pn_str_cstr(&v));
        row(&c->login, g->address, pn_str_cstr(&v));
        pn_str_free(&v);
    }
}

static void render_address(ctx *c, const pn_address *a, const char *key)
{
    char *v = dests_value(c, a);
    if (v[0])
        row(&c->virtual, key, v);
    else
        row(&c->disabled, key, "550 5.1.1 no active destination");
    free(v);
    if (a->internal)
        row(&c->internal, key, "REJECT access denied");
}

static void render_addresses(ctx *c)
{
    /* exact ones first: they hide wildcards of the same local part */
    for (size_t i = 0; i < c->state.naddresses; i++) {
        const pn_address *a = &c->state.addresses[i];
        const char *dom = domain_of(a->address);
        if (!strcmp(dom, "*") || !set_has(&c->local_domains, dom))
            continue;
        set_add(&c->names, a->address);
        render_address(c, a, a->address);
    }
    for (size_t i = 0; i < c->state.naddresses; i++) {
        const pn_address *a = &c->state.addresses[i];
        if (strcmp(domain_of(a->address), "*"))
            continue;
        int local_len = (int)(strrchr(a->address, '@') - a->address);
        for (size_t d = 0; d < c->state.ndomains; d++) {
            if (c->state.domains[d].relay)
                continue;
            char *key = pn_sprintf("%.*s@%s", local_len, a->address, c->state.domains[d].name);
            if (!set_has(&c->names, key)) {
                set_add(&c->names, key);
                render_address(c, a, key);
            }
            free(key);
        }
    }
}

/* Catch-alls and the RFC 5321 postmaster fallback (to the system postmaster
 * of $myorigin) for local domains that define neither. */
static void render_domain_tail(ctx *c)
{
    for (size_t i = 0; i < c->state.ndomains; i++) {
        const pn_domain *d = &c->state.domains[i];
        if (d->relay)
            continue;
        char *pm = pn_sprintf("postmaster@%s", d->name);
        char *at = pn_sprintf("@%s", d->name);
        bool own = set_has(&c->names, pm);
        if (d->catchall)
            row(&c->virtual, at, d->catchall);
        else if (!own)
            row(&c->virtual, pm, "postmaster");
        /* postmap -q looks up one key: probe the one that answers */
        add_probe(c->out, "virtual", own || !d->catchall ? pm : at, NULL);
        free(at);
        free(pm);
    }
}

static void add_file(pn_render_out *out, pn_service svc, const char *name, pn_str *text,
                     int mode, bool map, bool secret)
{
    out->files = pn_realloc(out->files, (out->nfiles + 1) * sizeof(*out->files));
    out->files[out->nfiles++] = (pn_render_file){svc, name, *text, mode, map, secret};
    *text = (pn_str)PN_STR_INIT;
}

static void finish_table(ctx *c, table *t, const char *name, const char *title)
{
    pn_str s = PN_STR_INIT;
    /* sample the virtual table for probes: exact destinations of some keys */
    if (!strcmp(name, "virtual") && t->lines.n) {
        qsort(t->lines.v, t->lines.n, sizeof(char *), cmp_line);
        size_t step = t->lines.n > 20 ? t->lines.n / 20 : 1;
        for (size_t i = 0; i < t->lines.n; i += step) {
            const char *line = t->lines.v[i];
            const char *sp = strchr(line, ' ');
            char *key = pn_strndup(line, (size_t)(sp - line));
            add_probe(c->out, "virtual", key, sp + 1);
            free(key);
        }
    }
    if (!strcmp(name, "vmailbox"))
        for (size_t i = 0; i < t->lines.n; i++) {
            const char *sp = strchr(t->lines.v[i], ' ');
            char *key = pn_strndup(t->lines.v[i], (size_t)(sp - t->lines.v[i]));
            add_probe(c->out, "vmailbox", key, NULL);
            free(key);
        }
    table_text(t, &s, title);
    add_file(c->out, PN_SVC_POSTFIX, name, &s, 0644, true, false);
}

/* A Dovecot passwd-file field must not hold ':' or a line break; extra
 * fields are space separated. */
static bool dovecot_safe(const char *what, const char *v, bool allow_space, pn_err *err)
{
    for (const char *p = v; *p; p++)
        if (*p == ':' || *p == '\n' || *p == '\r' || (!allow_space && *p == ' '))
            return pn_err_set(err, PN_E_INVALID,
                              "%s: '%s' cannot go into a Dovecot passwd-file (no ':', no"
                              " spaces, no line breaks)", what, v);
    return true;
}

static void quota_field(pn_str *s, int64_t bytes)
{
    if (bytes == 0)
        pn_str_append(s, "*:storage=0");
    else if (bytes % (1024 * 1024) == 0)
        pn_str_appendf(s, "*:storage=%lldM", (long long)(bytes / (1024 * 1024)));
    else
        pn_str_appendf(s, "*:storage=%lldk", (long long)((bytes + 1023) / 1024));
}

static bool render_dovecot(ctx *c, pn_err *err)
{
    const pn_render_paths *p = c->paths;
    if (!dovecot_safe("dovecot.mail_root", p->mail_root, false, err) ||
        !dovecot_safe("dovecot.public_dir", p->public_dir, false, err))
        return false;
    table passwd = {0}, users = {0}, deny = {0};
    pn_argv names = {0};
    for (size_t i = 0; i < c->state.nmailboxes; i++) {
        const pn_mailbox *m = &c->state.mailboxes[i];
        const char *dom = domain_of(m->address);
        if (!set_has(&c->local_domains, dom))
            continue;
        if (!dovecot_safe("password hash", m->password_hash ? m->password_hash : "", false,
                          err)) {
            pn_argv_free(&passwd.lines);
            pn_argv_free(&users.lines);
            pn_argv_free(&deny.lines);
            pn_argv_free(&names);
            return false;
        }
        pn_argv_addf(&passwd.lines, "%s:{CRYPT}%s", m->address,
                     m->password_hash ? m->password_hash : "!");
        pn_str extra = PN_STR_INIT;
        if (m->quota_bytes >= 0) {
            pn_str_append(&extra, "userdb_quota_rule=");
            quota_field(&extra, m->quota_bytes);
        }
        pn_str groups = PN_STR_INIT;
        for (size_t g = 0; g < c->state.ngroups; g++)
            for (size_t k = 0; k < c->state.groups[g].nmembers; k++)
                if (!strcasecmp(c->state.groups[g].members[k], m->address)) {
                    /* ACL identifiers are matched lower-case (dovecot_public.c) */
                    pn_str_append(&groups, groups.len ? "," : "");
                    for (const char *ch = c->state.groups[g].address; *ch; ch++)
                        pn_str_appendc(&groups, (char)tolower((unsigned char)*ch));
                }
        if (groups.len)
            pn_str_appendf(&extra, "%suserdb_acl_groups=%s", extra.len ? " " : "",
                           pn_str_cstr(&groups));
        pn_str_free(&groups);
        pn_argv_addf(&users.lines, "%s:::::%s/%s/%.*s::%s", m->address, p->mail_root, dom,
                     (int)(strrchr(m->address, '@') - m->address), m->address,
                     pn_str_cstr(&extra));
        pn_str_free(&extra);
        pn_argv_add(&names, m->address);
        if (!m->imap)
            pn_argv_addf(&deny.lines, "imap/%s", m->address);
        if (!m->pop3)
            pn_argv_addf(&deny.lines, "pop3/%s", m->address);
        if (!m->smtp)
            pn_argv_addf(&deny.lines, "smtp/%s", m->address);
    }
    for (size_t i = 0; i < c->state.npublics; i++) {
        const pn_public *pub = &c->state.publics[i];
        char *u = public_user(pub->id);
        /* home outside the public tree: quota and index files stay out of it */
        pn_argv_addf(&users.lines,
                     "%s:::::%s/" PN_PUBLIC_DOMAIN "/p%lld::userdb_mail=maildir:%s:INBOX=%s/.%s"
                     " userdb_quota_rule=*:storage=0",
                     u, p->mail_root, (long long)pub->id, p->public_dir, p->public_dir,
                     pub->name);
        pn_argv_add(&names, u);
        free(u);
    }
    pn_str s = PN_STR_INIT;
    table_text(&passwd, &s, "Dovecot passdb: mailbox password hashes");
    add_file(c->out, PN_SVC_DOVECOT, "passwd", &s, 0640, false, true);
    table_text(&users, &s, "Dovecot userdb: homes, quotas, ACL groups, public folders");
    add_file(c->out, PN_SVC_DOVECOT, "users", &s, 0644, false, false);
    table_text(&deny, &s, "Dovecot deny passdb: service/user pairs refused");
    add_file(c->out, PN_SVC_DOVECOT, "deny", &s, 0644, false, false);

    pn_str_appendf(&s,
                   "# Dovecot settings of postern (written by postern: do not edit,"
                   " run 'postern apply').\n"
                   "# Included from dovecot.conf with: !include_try %s/dovecot.conf\n"
                   "passdb {\n"
                   "  driver = passwd-file\n"
                   "  args = username_format=%%s/%%Lu %s/deny\n"
                   "  deny = yes\n"
                   "}\n"
                   "passdb {\n"
                   "  driver = passwd-file\n"
                   "  args = scheme=CRYPT username_format=%%Lu %s/passwd\n"
                   "}\n"
                   "userdb {\n"
                   "  driver = passwd-file\n"
                   "  args = username_format=%%Lu %s/users\n"
                   "  default_fields = uid=%s gid=%s\n"
                   "}\n",
                   p->dovecot_dir, p->dovecot_dir, p->dovecot_dir, p->dovecot_dir,
                   p->mail_user, p->mail_group);
    int64_t q = pn_store_setting_int(c->st, "mailbox.default_quota", -1);
    if (q >= 0) {
        pn_str_append(&s, "plugin {\n  quota_rule = ");
        quota_field(&s, q);
        pn_str_append(&s, "\n}\n");
    }
    add_file(c->out, PN_SVC_DOVECOT, "dovecot.conf", &s, 0644, false, false);
    if (names.n)
        qsort(names.v, names.n, sizeof(char *), cmp_line);
    c->out->users = names.v;
    c->out->nusers = names.n;
    return true;
}

bool pn_render(pn_store *st, const pn_render_paths *paths, pn_render_out *out, pn_err *err)
{
    *out = (pn_render_out){0};
    ctx c = {.st = st, .paths = paths, .out = out};
    bool ok = pn_store_state_load(st, &c.state, err);
    if (ok) {
        render_domains(&c);
        render_mailboxes(&c);
        render_groups(&c);
        render_addresses(&c);
        render_domain_tail(&c);
        finish_table(&c, &c.vdomains, "vmailbox_domains", "local mail domains");
        finish_table(&c, &c.vmailbox, "vmailbox", "mailboxes");
        finish_table(&c, &c.virtual, "virtual", "aliases, groups, wildcards, catch-alls");
        finish_table(&c, &c.bcc, "recipient_bcc", "hidden copies of inbound mail");
        finish_table(&c, &c.relay, "relay_domains", "relay domains");
        finish_table(&c, &c.transport, "transport", "relay domain next hops");
        finish_table(&c, &c.verify, "relay_verify", "relay domain recipient verification");
        finish_table(&c, &c.internal, "internal_access", "internal addresses");
        finish_table(&c, &c.disabled, "disabled_recipients", "disabled or empty groups");
        finish_table(&c, &c.login, "sender_login", "logins allowed to send as an address");
        ok = render_dovecot(&c, err);
        pn_render_params(paths, &out->params, &out->nparams);
    }
    table *tables[] = {&c.virtual, &c.vmailbox, &c.vdomains, &c.bcc, &c.relay,
                       &c.transport, &c.verify, &c.internal, &c.disabled, &c.login};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        pn_argv_free(&tables[i]->lines);
    pn_store_state_free(&c.state);
    set_free(&c.local_domains);
    set_free(&c.relay_domains);
    set_free(&c.names);
    set_free(&c.active_groups);
    if (!ok)
        pn_render_out_clear(out);
    return ok;
}

void pn_render_out_clear(pn_render_out *out)
{
    for (size_t i = 0; i < out->nfiles; i++)
        pn_str_free(&out->files[i].text);
    free(out->files);
    for (size_t i = 0; i < out->nparams; i++)
        free(out->params[i].value);
    free(out->params);
    for (size_t i = 0; i < out->nprobes; i++) {
        free(out->probes[i].key);
        free(out->probes[i].want);
    }
    free(out->probes);
    for (size_t i = 0; i < out->nusers; i++)
        free(out->users[i]);
    free(out->users);
    *out = (pn_render_out){0};
}

const pn_render_file *pn_render_file_get(const pn_render_out *out, const char *name)
{
    for (size_t i = 0; i < out->nfiles; i++)
        if (!strcmp(out->files[i].name, name))
            return &out->files[i];
    return NULL;
}
