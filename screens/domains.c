/* domains.c - the Domains screen: the mail domains of the state store (name,
 * delivery local or relayed to host:port, hidden copy, catch-all, and how
 * many mailboxes, groups and addresses each has), with add and edit forms,
 * deletes that name what still uses a domain and offer the cascade, and the
 * shared apply, journal and explain actions (store_view.h).
 *
 * Every change goes to the state store through backend/store.h, the same
 * calls as `postern domain ...`; the mail server sees it at the next apply. */
#include "store_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

enum { COL_NAME, COL_DELIVERY, COL_BCC, COL_CATCHALL, COL_MAILBOXES, COL_GROUPS, COL_ADDRESSES,
       NCOLS };

static const pn_column domain_columns[NCOLS] = {
    [COL_NAME] = {"name", "DOMAIN", 14, 40, 2, PN_ALIGN_LEFT, true, true},
    [COL_DELIVERY] = {"delivery", "DELIVERY", 12, 40, 3, PN_ALIGN_LEFT, true, true},
    [COL_BCC] = {"bcc", "BCC", 8, 40, 2, PN_ALIGN_LEFT, true, true},
    [COL_CATCHALL] = {"catchall", "CATCH-ALL", 9, 40, 2, PN_ALIGN_LEFT, true, true},
    [COL_MAILBOXES] = {"mailboxes", "MBOXES", 7, 7, 0, PN_ALIGN_RIGHT, true, true},
    [COL_GROUPS] = {"groups", "GROUPS", 7, 7, 0, PN_ALIGN_RIGHT, true, true},
    [COL_ADDRESSES] = {"addresses", "ADDRS", 6, 6, 0, PN_ALIGN_RIGHT, true, true},
};

typedef struct domains_screen {
    sv_screen base;            /* first: the shared code sees this */
    sv_table table;
    pn_domain *domains;        /* the rows, for the edit form */
    size_t n;
    sv_form form;
} domains_screen;

/* ---- loading ----------------------------------------------------------------------- */

/* The domain part of an address ("" for "info@*"). */
static const char *domain_of(const char *address)
{
    const char *at = address ? strrchr(address, '@') : NULL;
    return at ? at + 1 : "";
}

/* How many of the addresses are in each domain (counts[i] for domains[i];
 * the store lists domains sorted by name, bytewise, so a binary search
 * finds each address's domain). */
static void count_by_domain(const pn_domain *domains, size_t n, const char *const *addrs,
                            size_t naddrs, int64_t *counts)
{
    for (size_t a = 0; a < naddrs; a++) {
        const char *d = domain_of(addrs[a]);
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(domains[mid].name, d);
            if (c == 0) {
                counts[mid]++;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
}

static bool read_names(pn_store *st, pn_argv *mailboxes, pn_argv *groups, pn_argv *addresses,
                       pn_err *err)
{
    pn_mailbox *m = NULL;
    pn_group *g = NULL;
    pn_address *a = NULL;
    size_t nm = 0, ng = 0, na = 0;
    bool ok = pn_store_mailbox_list(st, NULL, &m, &nm, err) &&
              pn_store_group_list(st, &g, &ng, err) && pn_store_address_list(st, &a, &na, err);
    for (size_t i = 0; i < nm; i++)
        pn_argv_add(mailboxes, m[i].address);
    for (size_t i = 0; i < ng; i++)
        pn_argv_add(groups, g[i].address);
    for (size_t i = 0; i < na; i++)
        pn_argv_add(addresses, a[i].address);
    pn_mailbox_list_free(m, nm);
    pn_group_list_free(g, ng);
    pn_address_list_free(a, na);
    return ok;
}

static bool domains_load(sv_screen *base, pn_store *st, pn_err *err)
{
    domains_screen *d = (domains_screen *)base;
    pn_domain *list = NULL;
    size_t n = 0;
    pn_argv mb = PN_ARGV_INIT, gr = PN_ARGV_INIT, ad = PN_ARGV_INIT;
    bool ok = pn_store_begin_read(st, err);
    if (ok) {
        ok = pn_store_domain_list(st, &list, &n, err) && read_names(st, &mb, &gr, &ad, err);
        pn_store_end_read(st);
    }
    if (!ok) {
        pn_domain_list_free(list, n);
        pn_argv_free(&mb);
        pn_argv_free(&gr);
        pn_argv_free(&ad);
        return false;
    }
    int64_t *counts = pn_calloc(3 * (n ? n : 1), sizeof(*counts));
    count_by_domain(list, n, (const char *const *)mb.v, mb.n, counts);
    count_by_domain(list, n, (const char *const *)gr.v, gr.n, counts + n);
    count_by_domain(list, n, (const char *const *)ad.v, ad.n, counts + 2 * n);

    sv_table *t = &d->table;
    sv_table_clear(t);
    for (size_t i = 0; i < n; i++) {
        const pn_domain *x = &list[i];
        size_t r = sv_table_add(t, x->name);
        sv_table_set(t, r, COL_NAME, x->name);
        if (!x->relay)
            sv_table_set(t, r, COL_DELIVERY, "local");
        else if (x->relay_port > 0)
            sv_table_setf(t, r, COL_DELIVERY, "relay %s:%d", x->relay_host, x->relay_port);
        else
            sv_table_setf(t, r, COL_DELIVERY, "relay %s", x->relay_host);
        sv_table_set(t, r, COL_BCC, x->bcc);
        sv_table_set(t, r, COL_CATCHALL, x->catchall);
        for (int k = 0; k < 3; k++) {
            sv_table_setf(t, r, COL_MAILBOXES + k, "%lld", (long long)counts[(size_t)k * n + i]);
            sv_table_set_num(t, r, COL_MAILBOXES + k, counts[(size_t)k * n + i]);
        }
    }
    sv_table_done(t);
    free(counts);
    pn_argv_free(&mb);
    pn_argv_free(&gr);
    pn_argv_free(&ad);
    pn_domain_list_free(d->domains, d->n);
    d->domains = list;
    d->n = n;
    return true;
}

static const pn_domain *domain_named(const domains_screen *d, const char *name)
{
    for (size_t i = 0; name && i < d->n; i++)
        if (!strcmp(d->domains[i].name, name))
            return &d->domains[i];
    return NULL;
}

/* ---- forms -------------------------------------------------------------------------- */

static const char *const delivery_choices[] = {"local", "relay", NULL};

static const pn_field_spec domain_fields[] = {
    {"name", "Domain", PN_FIELD_TEXT, true, 0, 0, NULL, "", pn_field_check_domain,
     "The mail domain, e.g. example.org (it cannot be renamed later)"},
    {"delivery", "Delivery", PN_FIELD_CHOICE, false, 0, 0, delivery_choices, "local", NULL,
     "local: mailboxes here; relay: pass its mail on to another server"},
    {"relay_host", "Relay host", PN_FIELD_TEXT, false, 0, 0, NULL, "", pn_field_check_hostname,
     "Relay only: the server that takes this domain's mail"},
    {"relay_port", "Relay port", PN_FIELD_NUMBER, false, 1, 65535, NULL, "", NULL,
     "Relay only: the port of that server; empty for 25"},
    {"bcc", "Hidden copy to", PN_FIELD_TEXT, false, 0, 0, NULL, "", pn_field_check_email,
     "A hidden copy (BCC) of mail from outside goes here; empty: none"},
    {"catchall", "Catch-all", PN_FIELD_TEXT, false, 0, 0, NULL, "", pn_field_check_email,
     "A mailbox for mail to unknown addresses of the domain; empty: none"},
};
#define N_DOMAIN_FIELDS (sizeof(domain_fields) / sizeof(domain_fields[0]))

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static void domain_from_form(const sv_form *f, pn_domain *d)
{
    d->relay = !strcmp(sv_form_value(f, "delivery"), "relay");
    d->relay_host = (char *)or_null(sv_form_value(f, "relay_host"));
    d->relay_port = atoi(sv_form_value(f, "relay_port"));
    d->bcc = (char *)or_null(sv_form_value(f, "bcc"));
    d->catchall = (char *)or_null(sv_form_value(f, "catchall"));
}

static bool submit_add(sv_screen *s, sv_form *f, pn_store *st, char **msg, pn_err *err)
{
    (void)s;
    pn_domain d = {0};
    domain_from_form(f, &d);
    d.name = (char *)sv_form_value(f, "name");
    if (!pn_store_domain_add(st, &d, NULL, err))
        return false;
    *msg = pn_sprintf("domain %s added: pending until apply", d.name);
    return true;
}

static bool submit_edit(sv_screen *s, sv_form *f, pn_store *st, char **msg, pn_err *err)
{
    (void)s;
    pn_domain d = {0};
    domain_from_form(f, &d);
    d.id = f->id;
    d.rev = f->rev;
    d.name = f->key;
    if (!pn_store_domain_edit(st, &d, err))
        return false;
    *msg = pn_sprintf("domain %s saved: pending until apply", f->key);
    return true;
}

static int open_add(domains_screen *d)
{
    sv_form_open(&d->base, &d->form, "Add a domain", domain_fields, N_DOMAIN_FIELDS, submit_add);
    return PN_DIRTY_DRAW;
}

static int open_edit(domains_screen *d)
{
    const pn_domain *x = domain_named(d, sv_table_cursor_key(&d->table));
    if (!x) {
        pn_app_flash(d->base.app, PN_ROLE_STATUS_WARN, "edit: no domain under the cursor");
        return PN_DIRTY_DRAW;
    }
    char *title = pn_sprintf("Edit domain %s", x->name);
    bool opened = sv_form_open(&d->base, &d->form, title, domain_fields + 1, N_DOMAIN_FIELDS - 1,
                               submit_edit);
    free(title);
    if (!opened)
        return PN_DIRTY_DRAW;
    sv_form *f = &d->form;
    f->key = pn_strdup(x->name);
    f->id = x->id;
    f->rev = x->rev;
    sv_form_set(f, "delivery", x->relay ? "relay" : "local");
    sv_form_set(f, "relay_host", x->relay_host);
    char port[16] = "";
    if (x->relay_port > 0)
        snprintf(port, sizeof(port), "%d", x->relay_port);
    sv_form_set(f, "relay_port", port);
    sv_form_set(f, "bcc", x->bcc);
    sv_form_set(f, "catchall", x->catchall);
    return PN_DIRTY_DRAW;
}

/* ---- delete ---------------------------------------------------------------------------- */

static bool delete_domain(pn_store *st, const char *key, bool cascade, pn_err *err)
{
    return pn_store_domain_delete(st, key, 0, cascade, err);
}

static const sv_delete_kind domain_kind = {
    .noun = "domain",
    .nouns = "domains",
    .cascade_does = "also deletes every mailbox, group and address of the domain, and takes "
                    "them out of other groups, addresses and public mailboxes",
    .del = delete_domain,
};

/* ---- ops ------------------------------------------------------------------------------------ */

static void *domains_create(pn_app *app)
{
    domains_screen *d = pn_calloc(1, sizeof(*d));
    sv_screen_init(&d->base, app);
    d->base.load = domains_load;
    sv_table_init(&d->table, domain_columns, NCOLS);
    sv_screen_reload(&d->base);
    return d;
}

static void domains_destroy(void *st)
{
    domains_screen *d = st;
    sv_form_free(&d->form);
    sv_screen_fini(&d->base);
    sv_table_free(&d->table);
    pn_domain_list_free(d->domains, d->n);
    free(d);
}

static int domains_tick(void *st, int64_t now_ms)
{
    return sv_screen_tick(st, now_ms);
}

static int domains_action(void *st, const pn_command *cmd)
{
    domains_screen *d = st;
    switch (cmd->action) {
    case PN_A_C_ADD:
        return open_add(d);
    case PN_A_OPEN:
    case PN_A_C_EDIT:
        return open_edit(d);
    case PN_A_Q_DELETE: {
        pn_argv keys = PN_ARGV_INIT;
        sv_table_selection(&d->table, &keys);
        sv_delete_start(&d->base, &domain_kind, &keys, &d->table.lm);
        pn_argv_free(&keys);
        return PN_DIRTY_DRAW;
    }
    default:
        return sv_screen_action(&d->base, cmd);
    }
}

static void domains_draw(void *st, pn_canvas *c, pn_rect area)
{
    domains_screen *d = st;
    if (sv_screen_draw_problem(&d->base, c, area))
        return;
    pn_draw_list(c, area, &d->table.lm);
    if (d->n == 0)
        pn_draw_text(c, area.y + 2, area.x + 2, area.w - 4, PN_ROLE_DIM,
                     pn_app_read_only(d->base.app) ? "No domains in the state store."
                                                   : "No domains yet: a adds one.");
}

static void domains_status(void *st, pn_str *out)
{
    domains_screen *d = st;
    pn_str_appendf(out, "%zu domain%s", d->n, d->n == 1 ? "" : "s");
}

static pn_listmodel *domains_list(void *st)
{
    return &((domains_screen *)st)->table.lm;
}

static void *domains_filter_compile(void *st, const char *text, pn_err *err)
{
    return sv_filter_compile(&((domains_screen *)st)->table, text, err);
}

static bool domains_go_to(void *st, const char *target)
{
    domains_screen *d = st;
    if (sv_table_find(&d->table, target) == SIZE_MAX)
        return false;
    if (!pn_listmodel_goto_key(&d->table.lm, target)) {
        pn_app_set_filter(d->base.app, "");
        pn_listmodel_goto_key(&d->table.lm, target);
    }
    return true;
}

static const char *const sort_values[] = {"name", "delivery", "bcc", "catchall", "mailboxes",
                                          "groups", "addresses", NULL};

static const char *const *domains_arg_values(void *st, pn_action_id a)
{
    (void)st;
    return a == PN_A_SORT ? sort_values : NULL;
}

static bool domains_ready(void *st)
{
    return ((domains_screen *)st)->base.loaded;
}

static const pn_action_id domains_hints[] = {
    PN_A_C_ADD, PN_A_C_EDIT, PN_A_Q_DELETE, PN_A_C_APPLY, PN_A_C_JOURNAL, PN_A_NONE,
};

extern const pn_screen_ops pn_screen_domains;
const pn_screen_ops pn_screen_domains = {
    .name = "domains",
    .title = "Domains",
    .help = "Mail domains: local or relayed, hidden copy, catch-all; changes go out with apply",
    .available = true,
    .create = domains_create,
    .destroy = domains_destroy,
    .tick = domains_tick,
    .action = domains_action,
    .draw = domains_draw,
    .status = domains_status,
    .list = domains_list,
    .filter_compile = domains_filter_compile,
    .filter_free = sv_filter_free,
    .arg_values = domains_arg_values,
    .go_to = domains_go_to,
    .hints = domains_hints,
    .ready = domains_ready,
};
