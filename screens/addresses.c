/* addresses.c - the Addresses screen: the addresses (aliases) of the state
 * store, "info@example.com" or "info@*" for every local domain, whether
 * they are internal (mail from outside refused), and their destinations
 * (mailboxes, groups, public mailboxes, external addresses), written the
 * way the add and edit forms take them. Deletes confirm; explain shows
 * where mail to an address ends up (store_view.h).
 *
 * Every change goes to the state store through backend/store.h, the same
 * calls as `postern address ...`; the mail server sees it at the next
 * apply. */
#include "store_view.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "validate.h"

enum { COL_ADDRESS, COL_INTERNAL, COL_COUNT, COL_DESTS, COL_DOMAIN, NCOLS };

static const pn_column address_columns[NCOLS] = {
    [COL_ADDRESS] = {"address", "ADDRESS", 16, 40, 1, PN_ALIGN_LEFT, true, true},
    [COL_INTERNAL] = {"internal", "INTERNAL", 8, 8, 0, PN_ALIGN_LEFT, true, true},
    [COL_COUNT] = {"count", "TO", 3, 3, 0, PN_ALIGN_RIGHT, true, true},
    [COL_DESTS] = {"to", "DESTINATIONS", 14, 0, 4, PN_ALIGN_LEFT, true, true},
    [COL_DOMAIN] = {"domain", "DOMAIN", 10, 40, 1, PN_ALIGN_LEFT, true, false},
};

typedef struct addresses_screen {
    sv_screen base;            /* first: the shared code sees this */
    sv_table table;
    pn_address *addresses;     /* the rows, for the edit form */
    size_t n;
    sv_form form;
} addresses_screen;

/* ---- destinations as text: "alice@x, group:staff@x, public:shared, external:y@z" ---- */

static void dest_text(pn_str *out, const pn_dest *d)
{
    if (d->kind == PN_DEST_USER)
        pn_str_append(out, d->target);
    else
        pn_str_appendf(out, "%s:%s", pn_dest_kind_name(d->kind), d->target);
}

static void dests_text(pn_str *out, const pn_address *a)
{
    for (size_t i = 0; i < a->ndests; i++) {
        if (i)
            pn_str_append(out, ", ");
        dest_text(out, &a->dests[i]);
    }
}

static const struct {
    const char *prefix;
    pn_dest_kind kind;
} dest_prefixes[] = {
    {"user:", PN_DEST_USER},
    {"group:", PN_DEST_GROUP},
    {"public:", PN_DEST_PUBLIC},
    {"external:", PN_DEST_EXTERNAL},
};

/* One destination word: its kind and the target after the prefix. */
static const char *dest_parse(const char *word, pn_dest_kind *kind)
{
    for (size_t i = 0; i < sizeof(dest_prefixes) / sizeof(dest_prefixes[0]); i++) {
        size_t n = strlen(dest_prefixes[i].prefix);
        if (!strncmp(word, dest_prefixes[i].prefix, n)) {
            *kind = dest_prefixes[i].kind;
            return word + n;
        }
    }
    *kind = PN_DEST_USER;
    return word;
}

static bool check_dests(const char *label, const char *value, pn_err *err)
{
    pn_argv words = PN_ARGV_INIT;
    sv_split_list(value, &words);
    bool ok = true;
    for (size_t i = 0; i < words.n && ok; i++) {
        pn_dest_kind kind;
        const char *target = dest_parse(words.v[i], &kind);
        if (kind == PN_DEST_PUBLIC)
            ok = *target ? pn_valid_text(label, target, 64, err)
                         : pn_err_set(err, PN_E_INVALID, "%s: public: needs a name", label);
        else if (strchr(words.v[i], ':') && target == words.v[i])
            ok = pn_err_set(err, PN_E_INVALID, "%s: '%s': a destination is an address, or "
                            "user:, group:, public: or external: before it", label, words.v[i]);
        else
            ok = pn_valid_email(label, target, err);
    }
    pn_argv_free(&words);
    return ok;
}

/* info@example.com, or info@* for every local domain. */
static bool check_address(const char *label, const char *value, pn_err *err)
{
    size_t n = strlen(value);
    if (n > 2 && !strcmp(value + n - 2, "@*")) {
        char *local = pn_strndup(value, n - 2);
        bool ok = pn_valid_localpart(label, local, err);
        free(local);
        return ok;
    }
    return pn_valid_email(label, value, err);
}

/* ---- loading ----------------------------------------------------------------------- */

static bool addresses_load(sv_screen *base, pn_store *st, pn_err *err)
{
    addresses_screen *a = (addresses_screen *)base;
    pn_address *list = NULL;
    size_t n = 0;
    if (!pn_store_address_list(st, &list, &n, err))
        return false;
    sv_table *t = &a->table;
    sv_table_clear(t);
    pn_str s = PN_STR_INIT;
    for (size_t i = 0; i < n; i++) {
        const pn_address *x = &list[i];
        size_t r = sv_table_add(t, x->address);
        sv_table_set(t, r, COL_ADDRESS, x->address);
        sv_table_set(t, r, COL_INTERNAL, x->internal ? "yes" : "no");
        sv_table_setf(t, r, COL_COUNT, "%zu", x->ndests);
        sv_table_set_num(t, r, COL_COUNT, (int64_t)x->ndests);
        pn_str_reset(&s);
        dests_text(&s, x);
        sv_table_set(t, r, COL_DESTS, pn_str_cstr(&s));
        const char *at = strrchr(x->address, '@');
        sv_table_set(t, r, COL_DOMAIN, at ? at + 1 : "");
    }
    pn_str_free(&s);
    sv_table_done(t);
    pn_address_list_free(a->addresses, a->n);
    a->addresses = list;
    a->n = n;
    return true;
}

static const pn_address *address_named(const addresses_screen *a, const char *name)
{
    for (size_t i = 0; name && i < a->n; i++)
        if (!strcmp(a->addresses[i].address, name))
            return &a->addresses[i];
    return NULL;
}

/* ---- forms -------------------------------------------------------------------------- */

static const pn_field_spec address_fields[] = {
    {"address", "Address", PN_FIELD_TEXT, true, 0, 0, NULL, "", check_address,
     "local@domain, or local@* for that local part in every local domain"},
    {"internal", "Internal only", PN_FIELD_BOOL, false, 0, 0, NULL, "false", NULL,
     "Refuse mail from outside (local networks and logins may send)"},
    {"destinations", "Deliver to", PN_FIELD_TEXT, true, 0, 0, NULL, "", check_dests,
     "alice@example.com, group:staff@example.com, public:N, external:A"},
};
#define N_ADDRESS_FIELDS (sizeof(address_fields) / sizeof(address_fields[0]))

/* The form's destinations into a (targets point into words). */
static void dests_from_form(const sv_form *f, pn_argv *words, pn_address *a)
{
    sv_split_list(sv_form_value(f, "destinations"), words);
    a->dests = pn_calloc(words->n ? words->n : 1, sizeof(*a->dests));
    a->ndests = words->n;
    for (size_t i = 0; i < words->n; i++)
        a->dests[i].target = (char *)dest_parse(words->v[i], &a->dests[i].kind);
    a->internal = !strcmp(sv_form_value(f, "internal"), "true");
}

static bool submit(sv_screen *s, sv_form *f, pn_store *st, char **msg, pn_err *err)
{
    (void)s;
    pn_address a = {0};
    pn_argv words = PN_ARGV_INIT;
    dests_from_form(f, &words, &a);
    bool ok;
    if (f->key) {
        a.id = f->id;
        a.rev = f->rev;
        a.address = f->key;
        ok = pn_store_address_edit(st, &a, err);
    } else {
        a.address = (char *)sv_form_value(f, "address");
        ok = pn_store_address_add(st, &a, NULL, err);
    }
    if (ok)
        *msg = pn_sprintf("address %s %s: pending until apply", a.address,
                          f->key ? "saved" : "added");
    free(a.dests);
    pn_argv_free(&words);
    return ok;
}

static int open_add(addresses_screen *a)
{
    sv_form_open(&a->base, &a->form, "Add an address", address_fields, N_ADDRESS_FIELDS, submit);
    return PN_DIRTY_DRAW;
}

static int open_edit(addresses_screen *a)
{
    const pn_address *x = address_named(a, sv_table_cursor_key(&a->table));
    if (!x) {
        pn_app_flash(a->base.app, PN_ROLE_STATUS_WARN, "edit: no address under the cursor");
        return PN_DIRTY_DRAW;
    }
    char *title = pn_sprintf("Edit address %s", x->address);
    bool opened = sv_form_open(&a->base, &a->form, title, address_fields + 1,
                               N_ADDRESS_FIELDS - 1, submit);
    free(title);
    if (!opened)
        return PN_DIRTY_DRAW;
    sv_form *f = &a->form;
    f->key = pn_strdup(x->address);
    f->id = x->id;
    f->rev = x->rev;
    sv_form_set(f, "internal", x->internal ? "true" : "false");
    pn_str s = PN_STR_INIT;
    dests_text(&s, x);
    sv_form_set(f, "destinations", pn_str_cstr(&s));
    pn_str_free(&s);
    return PN_DIRTY_DRAW;
}

/* ---- delete, explain ------------------------------------------------------------------- */

static bool delete_address(pn_store *st, const char *key, bool cascade, pn_err *err)
{
    (void)cascade;
    return pn_store_address_delete(st, key, 0, err);
}

static const sv_delete_kind address_kind = {
    .noun = "address",
    .nouns = "addresses",
    .cascade_does = NULL,
    .del = delete_address,
};

static const char *explain_target(sv_screen *base)
{
    addresses_screen *a = (addresses_screen *)base;
    const char *key = sv_table_cursor_key(&a->table);
    if (!key) {
        pn_app_flash(base->app, PN_ROLE_STATUS_WARN, "explain: no address under the cursor");
        return NULL;
    }
    size_t n = strlen(key);
    if (n > 2 && !strcmp(key + n - 2, "@*")) {
        /* A wildcard stands for every local domain: ask which one. */
        char *line = pn_sprintf("command explain %.*s@", (int)(n - 2), key);
        pn_app_command(base->app, line);
        free(line);
        return NULL;
    }
    return key;
}

/* ---- ops ------------------------------------------------------------------------------------ */

static void *addresses_create(pn_app *app)
{
    addresses_screen *a = pn_calloc(1, sizeof(*a));
    sv_screen_init(&a->base, app);
    a->base.load = addresses_load;
    a->base.explain_target = explain_target;
    sv_table_init(&a->table, address_columns, NCOLS);
    sv_screen_reload(&a->base);
    return a;
}

static void addresses_destroy(void *st)
{
    addresses_screen *a = st;
    sv_form_free(&a->form);
    sv_screen_fini(&a->base);
    sv_table_free(&a->table);
    pn_address_list_free(a->addresses, a->n);
    free(a);
}

static int addresses_tick(void *st, int64_t now_ms)
{
    return sv_screen_tick(st, now_ms);
}

static int addresses_action(void *st, const pn_command *cmd)
{
    addresses_screen *a = st;
    switch (cmd->action) {
    case PN_A_C_ADD:
        return open_add(a);
    case PN_A_OPEN:
    case PN_A_C_EDIT:
        return open_edit(a);
    case PN_A_Q_DELETE: {
        pn_argv keys = PN_ARGV_INIT;
        sv_table_selection(&a->table, &keys);
        sv_delete_start(&a->base, &address_kind, &keys, &a->table.lm);
        pn_argv_free(&keys);
        return PN_DIRTY_DRAW;
    }
    default:
        return sv_screen_action(&a->base, cmd);
    }
}

static void addresses_draw(void *st, pn_canvas *c, pn_rect area)
{
    addresses_screen *a = st;
    if (sv_screen_draw_problem(&a->base, c, area))
        return;
    pn_draw_list(c, area, &a->table.lm);
    if (a->n == 0)
        pn_draw_text(c, area.y + 2, area.x + 2, area.w - 4, PN_ROLE_DIM,
                     pn_app_read_only(a->base.app) ? "No addresses in the state store."
                                                   : "No addresses yet: a adds one.");
}

static void addresses_status(void *st, pn_str *out)
{
    addresses_screen *a = st;
    pn_str_appendf(out, "%zu address%s", a->n, a->n == 1 ? "" : "es");
}

static pn_listmodel *addresses_list(void *st)
{
    return &((addresses_screen *)st)->table.lm;
}

static void *addresses_filter_compile(void *st, const char *text, pn_err *err)
{
    return sv_filter_compile(&((addresses_screen *)st)->table, text, err);
}

static bool addresses_go_to(void *st, const char *target)
{
    addresses_screen *a = st;
    if (sv_table_find(&a->table, target) == SIZE_MAX)
        return false;
    if (!pn_listmodel_goto_key(&a->table.lm, target)) {
        pn_app_set_filter(a->base.app, "");
        pn_listmodel_goto_key(&a->table.lm, target);
    }
    return true;
}

static const char *const sort_values[] = {"address", "internal", "count", "to", "domain", NULL};

static const char *const *addresses_arg_values(void *st, pn_action_id a)
{
    (void)st;
    return a == PN_A_SORT ? sort_values : NULL;
}

static bool addresses_ready(void *st)
{
    return ((addresses_screen *)st)->base.loaded;
}

static const pn_action_id addresses_hints[] = {
    PN_A_C_ADD, PN_A_C_EDIT, PN_A_Q_DELETE, PN_A_C_EXPLAIN, PN_A_C_APPLY, PN_A_C_JOURNAL,
    PN_A_NONE,
};

extern const pn_screen_ops pn_screen_addresses;
const pn_screen_ops pn_screen_addresses = {
    .name = "addresses",
    .title = "Addresses",
    .help = "Addresses (aliases) and where they deliver; explain follows one to its mailboxes",
    .available = true,
    .create = addresses_create,
    .destroy = addresses_destroy,
    .tick = addresses_tick,
    .action = addresses_action,
    .draw = addresses_draw,
    .status = addresses_status,
    .list = addresses_list,
    .filter_compile = addresses_filter_compile,
    .filter_free = sv_filter_free,
    .arg_values = addresses_arg_values,
    .go_to = addresses_go_to,
    .hints = addresses_hints,
    .ready = addresses_ready,
};
