/* cli_address.c - `postern address ...`: addresses (aliases) in the state
 * store that deliver to mailboxes, groups, public mailboxes or external
 * addresses; "info@*" stands for the local part in every local domain. */
#include "cli_store.h"
#include "explain.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define NOUN "address"

static void dest_text(pn_str *s, const pn_dest *d)
{
    pn_str_appendf(s, "%s:%s", pn_dest_kind_name(d->kind), d->target);
}

static void json_address(pn_json *j, const void *item)
{
    const pn_address *a = item;
    pn_json_obj_begin(j);
    pn_json_kstr(j, "address", a->address);
    pn_json_kbool(j, "internal", a->internal);
    pn_json_key(j, "to");
    pn_json_arr_begin(j);
    for (size_t i = 0; i < a->ndests; i++) {
        pn_json_obj_begin(j);
        pn_json_kstr(j, "kind", pn_dest_kind_name(a->dests[i].kind));
        pn_json_kstr(j, "target", a->dests[i].target);
        pn_json_obj_end(j);
    }
    pn_json_arr_end(j);
    pn_cli_json_meta(j, a->rev, a->created, a->updated);
    pn_json_obj_end(j);
}

static void print_addresses(pn_cli *cli, const pn_address *list, size_t n, bool one)
{
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, list, sizeof(*list), n, one, json_address);
    } else if (one) {
        pn_str_append(&s, "address:  "); pn_cli_cell(&s, list->address, 0); pn_str_appendc(&s, '\n');
        pn_str_appendf(&s, "internal: %s\n", list->internal ? "yes (refuses mail from outside)" : "no");
        for (size_t i = 0; i < list->ndests; i++) {
            pn_str t = PN_STR_INIT;
            dest_text(&t, &list->dests[i]);
            pn_str_append(&s, "to:       ");
            pn_cli_cell(&s, pn_str_cstr(&t), 0);
            pn_str_appendc(&s, '\n');
            pn_str_free(&t);
        }
        pn_str_appendf(&s, "revision: %lld\n", (long long)list->rev);
    } else {
        pn_str_append(&s, "ADDRESS                        INTERNAL  TO\n");
        for (size_t i = 0; i < n; i++) {
            pn_str t = PN_STR_INIT;
            for (size_t k = 0; k < list[i].ndests; k++) {
                if (k)
                    pn_str_append(&t, ", ");
                dest_text(&t, &list[i].dests[k]);
            }
            pn_cli_cell(&s, list[i].address, 30);
            pn_cli_cell(&s, list[i].internal ? "yes" : "no", 9);
            pn_cli_cell(&s, pn_str_cstr(&t), 0);
            pn_str_appendc(&s, '\n');
            pn_str_free(&t);
        }
    }
    pn_cli_flush(&s);
}

static bool address_list_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    (void)o;
    pn_address *list = NULL;
    size_t n = 0;
    bool ok = pn_store_address_list(st, &list, &n, err);
    if (ok)
        print_addresses(cli, list, n, false);
    pn_address_list_free(list, n);
    return ok;
}

static int address_list(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " list", " ", 0, "no arguments",
                                  address_list_read);
}

static bool address_show_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_address a = {0};
    bool ok = pn_store_address_get(st, o->words.v[0], &a, err);
    if (ok)
        print_addresses(cli, &a, 1, true);
    pn_address_clear(&a);
    return ok;
}

static int address_show(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " show", " ", 1, "an address",
                                  address_show_read);
}

/* "user:X", "group:X", "public:X", "external:X" or a bare mailbox address. */
static bool set_dests(const char *noun, pn_address *a, const pn_argv *list, int *rc)
{
    static const pn_dest_kind kinds[] = {PN_DEST_USER, PN_DEST_GROUP, PN_DEST_PUBLIC,
                                         PN_DEST_EXTERNAL};
    for (size_t i = 0; i < a->ndests; i++)
        free(a->dests[i].target);
    free(a->dests);
    a->dests = list->n ? pn_calloc(list->n, sizeof(*a->dests)) : NULL;
    a->ndests = 0;
    for (size_t i = 0; i < list->n; i++) {
        const char *v = list->v[i];
        pn_dest_kind kind = PN_DEST_USER;
        const char *colon = strchr(v, ':');
        if (colon) {
            bool known = false;
            for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
                const char *kn = pn_dest_kind_name(kinds[k]);
                if (strlen(kn) == (size_t)(colon - v) && !strncmp(v, kn, (size_t)(colon - v))) {
                    kind = kinds[k];
                    known = true;
                }
            }
            if (!known) {
                *rc = pn_cli_usage(noun, "a destination is user:, group:, public: or external: "
                                         "followed by its name, not '%s'", v);
                return false;
            }
            v = colon + 1;
        }
        a->dests[a->ndests].kind = kind;
        a->dests[a->ndests++].target = pn_strdup(v);
    }
    return true;
}

static int address_change(pn_cli *cli, int argc, char **argv, bool add)
{
    const char *noun = add ? NOUN " add" : NOUN " edit";
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    pn_cli_store cs = {0};
    pn_address a = {0};
    pn_err err = PN_ERR_INIT;
    pn_argv dests = {0};
    int64_t rev = 0;
    if (!pn_cli_opts_parse(noun, add ? " --internal " : " --internal --no-internal ",
                           add ? " --to " : " --to --add-to --remove-to --rev ", argc, argv, 2,
                           &o, &rc) ||
        !pn_cli_opts_words(noun, &o, 1, "an address", &rc) ||
        !pn_cli_opt_rev(noun, &o, &rev, &rc))
        goto out;
    const char *address = o.words.v[0];
    if (add && !pn_cli_opt_has(&o, "--to")) {
        rc = pn_cli_usage(noun, "give at least one destination with --to");
        goto out;
    }
    if (!pn_cli_store_open(cli, &cs)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    if (add) {
        a.address = pn_strdup(address);
    } else {
        if (!pn_store_address_get(cs.st, address, &a, &err)) {
            rc = pn_cli_store_fail(noun, &err);
            goto out;
        }
        if (rev)
            a.rev = rev;
        for (size_t i = 0; i < a.ndests; i++)
            pn_argv_addf(&dests, "%s:%s", pn_dest_kind_name(a.dests[i].kind), a.dests[i].target);
    }
    if (pn_cli_opt_has(&o, "--internal")) a.internal = true;
    if (pn_cli_opt_has(&o, "--no-internal")) a.internal = false;
    /* Normalise the given values so --remove-to alice@x matches user:alice@x. */
    pn_cli_opts norm = {0};
    for (size_t i = 0; i < o.names.n; i++) {
        const char *v = o.values.v[i];
        pn_argv_add(&norm.names, o.names.v[i]);
        if (!strcmp(o.names.v[i], "--rev") || strchr(v, ':'))
            pn_argv_add(&norm.values, v);
        else
            pn_argv_addf(&norm.values, "user:%s", v);
    }
    bool ok = pn_cli_list_edit(noun, &norm, "--to", add ? NULL : "--add-to",
                               add ? NULL : "--remove-to", &dests, &rc);
    pn_cli_opts_free(&norm);
    if (!ok || !set_dests(noun, &a, &dests, &rc))
        goto out;
    ok = add ? pn_store_address_add(cs.st, &a, NULL, &err) : pn_store_address_edit(cs.st, &a, &err);
    if (!ok) {
        rc = pn_cli_store_fail(noun, &err);
        goto out;
    }
    pn_address_clear(&a);
    int64_t now_rev = pn_store_address_get(cs.st, address, &a, &err) ? a.rev : 0;
    pn_err_clear(&err);
    rc = pn_cli_store_done(cli, NOUN, address, add ? "added" : "changed", now_rev);
out:
    pn_argv_free(&dests);
    pn_address_clear(&a);
    pn_cli_store_close(&cs);
    pn_cli_opts_free(&o);
    return rc;
}

static int address_add(pn_cli *cli, int argc, char **argv) { return address_change(cli, argc, argv, true); }
static int address_edit(pn_cli *cli, int argc, char **argv) { return address_change(cli, argc, argv, false); }

/* Addresses have no --cascade: nothing else refers to them. */
static bool address_delete_one(pn_store *st, const char *name, int64_t rev, bool cascade,
                               pn_err *err)
{
    (void)cascade;
    return pn_store_address_delete(st, name, rev, err);
}

static const pn_cli_store_deleter deleter = {
    NOUN, "an address", "Nothing else refers to an address.", NULL, address_delete_one};

static int address_delete(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_delete_verb(cli, argc, argv, &deleter);
}

/* explain: the tree (two spaces per depth), then where copies end up. */
static void print_explain(pn_cli *cli, const char *address, const pn_explain *e)
{
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_json j;
        pn_json_init(&j, &s, false);
        pn_json_obj_begin(&j);
        pn_json_kstr(&j, "address", e->nsteps ? e->steps[0].target : address);
        pn_json_kbool(&j, "rejected", e->rejected);
        pn_json_kbool(&j, "internal", e->internal);
        pn_json_key(&j, "steps");
        pn_json_arr_begin(&j);
        for (size_t i = 0; i < e->nsteps; i++) {
            pn_json_obj_begin(&j);
            pn_json_kint(&j, "depth", e->steps[i].depth);
            pn_json_kstr(&j, "kind", pn_explain_kind_name(e->steps[i].kind));
            pn_json_kstr(&j, "target", e->steps[i].target);
            pn_json_kstr(&j, "text", e->steps[i].text);
            pn_json_obj_end(&j);
        }
        pn_json_arr_end(&j);
        pn_json_key(&j, "finals");
        pn_json_arr_begin(&j);
        for (size_t i = 0; i < e->nfinals; i++)
            pn_json_str(&j, e->finals[i]);
        pn_json_arr_end(&j);
        pn_json_obj_end(&j);
        pn_str_appendc(&s, '\n');
    } else {
        for (size_t i = 0; i < e->nsteps; i++) {
            for (int d = 0; d < e->steps[i].depth; d++)
                pn_str_append(&s, "  ");
            pn_cli_cell(&s, e->steps[i].text, 0);
            pn_str_appendc(&s, '\n');
        }
        pn_str_append(&s, "Ends up in:");
        if (!e->nfinals)
            pn_str_append(&s, " nothing (rejected)");
        pn_str_appendc(&s, '\n');
        for (size_t i = 0; i < e->nfinals; i++) {
            pn_str_append(&s, "  ");
            pn_cli_cell(&s, e->finals[i], 0);
            pn_str_appendc(&s, '\n');
        }
    }
    pn_cli_flush(&s);
}

static bool address_explain_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_explain e = {0};
    bool ok = pn_explain_address(st, o->words.v[0], &e, err);
    if (ok)
        print_explain(cli, o->words.v[0], &e);
    pn_explain_clear(&e);
    return ok;
}

static int address_explain(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " explain", " ", 1, "an address",
                                  address_explain_read);
}

static const pn_cli_store_verbs verbs = {NOUN, address_list, address_show, address_add,
                                         address_edit, address_delete};

static int address_run(pn_cli *cli, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "explain"))
        return address_explain(cli, argc, argv);
    return pn_cli_store_dispatch(&verbs, cli, argc, argv);
}

const pn_cli_noun pn_cli_noun_address = {
    .name = "address",
    .summary = "list, show, add, edit, delete and explain addresses (aliases)",
    .usage =
        "usage: postern address list\n"
        "       postern address show ADDRESS\n"
        "       postern address add ADDRESS --to DEST ... [--internal]\n"
        "       postern address edit ADDRESS [--to DEST ...] [--add-to DEST ...]\n"
        "                    [--remove-to DEST ...] [--internal | --no-internal] [--rev N]\n"
        "       postern address delete ADDRESS [--yes] [--rev N]\n"
        "       postern address explain ADDRESS\n"
        "\n"
        "An address delivers its mail to one or more destinations. DEST is\n"
        "user:MAILBOX (or a bare mailbox address), group:GROUP, public:NAME or\n"
        "external:ADDR. ADDRESS may be LOCAL@* to exist in every local domain\n"
        "(e.g. info@*). Its local part cannot also be a mailbox or group of the same\n"
        "domain. --internal refuses mail from outside the server.\n"
        "In edit, --to (repeatable) replaces the destinations; --add-to and\n"
        "--remove-to change them; --rev N refuses the change unless the address is\n"
        "still at revision N. delete asks on a terminal; otherwise give --yes.\n"
        "\n"
        "explain shows where mail to ADDRESS (any address of a domain postern\n"
        "manages) would go after the next apply: the mailbox, group, address,\n"
        "wildcard or catch-all that takes it, groups expanded, forwards, the\n"
        "domain's hidden copy (BCC), the internal flag, or the relay host; then\n"
        "\"Ends up in:\" and every final destination. A rejected address is an\n"
        "answer (exit 0); an invalid address or an unmanaged domain is exit 1.\n"
        "\n"
        "Changes are recorded in the state DB (with a journal entry) and go out to\n"
        "Postfix and Dovecot with 'postern apply'.\n"
        "\n"
        "--json: list prints an array, show one object:\n"
        "  {\"address\", \"internal\", \"to\": [{\"kind\": \"user\"|\"group\"|\"public\"|\"external\",\n"
        "   \"target\"}], \"rev\", \"created\", \"updated\"}.\n"
        "  add/edit/delete print {\"ok\": true, \"entity\", \"name\", \"action\", \"rev\"}.\n"
        "  explain prints {\"address\", \"rejected\", \"internal\", \"steps\": [{\"depth\",\n"
        "   \"kind\", \"target\", \"text\"}], \"finals\": [\"mailbox a@example.com\", ...]}.\n",
    .run = address_run,
};
