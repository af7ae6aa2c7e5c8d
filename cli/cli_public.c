/* cli_public.c - `postern public ...`: public (shared) mailboxes in the state
 * store, owned by user mailboxes and groups. */
#include "cli_store.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define NOUN "public"

static void owner_text(pn_str *s, const pn_public_owner *w)
{
    pn_str_appendf(s, "%s:%s", w->is_group ? "group" : "user", w->target);
}

static void json_public(pn_json *j, const void *item)
{
    const pn_public *p = item;
    pn_json_obj_begin(j);
    pn_json_kstr(j, "name", p->name);
    pn_json_key(j, "owners");
    pn_json_arr_begin(j);
    for (size_t i = 0; i < p->nowners; i++) {
        pn_json_obj_begin(j);
        pn_json_kstr(j, "kind", p->owners[i].is_group ? "group" : "user");
        pn_json_kstr(j, "target", p->owners[i].target);
        pn_json_obj_end(j);
    }
    pn_json_arr_end(j);
    pn_cli_json_meta(j, p->rev, p->created, p->updated);
    pn_json_obj_end(j);
}

static void print_publics(pn_cli *cli, const pn_public *list, size_t n, bool one)
{
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, list, sizeof(*list), n, one, json_public);
    } else if (one) {
        pn_str_append(&s, "public:   "); pn_cli_cell(&s, list->name, 0); pn_str_appendc(&s, '\n');
        for (size_t i = 0; i < list->nowners; i++) {
            pn_str t = PN_STR_INIT;
            owner_text(&t, &list->owners[i]);
            pn_str_append(&s, "owner:    ");
            pn_cli_cell(&s, pn_str_cstr(&t), 0);
            pn_str_appendc(&s, '\n');
            pn_str_free(&t);
        }
        pn_str_appendf(&s, "revision: %lld\n", (long long)list->rev);
    } else {
        pn_str_append(&s, "PUBLIC                         OWNERS\n");
        for (size_t i = 0; i < n; i++) {
            pn_str t = PN_STR_INIT;
            for (size_t k = 0; k < list[i].nowners; k++) {
                if (k)
                    pn_str_append(&t, ", ");
                owner_text(&t, &list[i].owners[k]);
            }
            pn_cli_cell(&s, list[i].name, 30);
            pn_cli_cell(&s, t.len ? pn_str_cstr(&t) : "-", 0);
            pn_str_appendc(&s, '\n');
            pn_str_free(&t);
        }
    }
    pn_cli_flush(&s);
}

static bool public_list_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    (void)o;
    pn_public *list = NULL;
    size_t n = 0;
    bool ok = pn_store_public_list(st, &list, &n, err);
    if (ok)
        print_publics(cli, list, n, false);
    pn_public_list_free(list, n);
    return ok;
}

static int public_list(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " list", " ", 0, "no arguments",
                                  public_list_read);
}

static bool public_show_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_public p = {0};
    bool ok = pn_store_public_get(st, o->words.v[0], &p, err);
    if (ok)
        print_publics(cli, &p, 1, true);
    pn_public_clear(&p);
    return ok;
}

static int public_show(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " show", " ", 1, "a public mailbox name",
                                  public_show_read);
}

/* "user:X", "group:X" or a bare mailbox address into p->owners. */
static bool set_owners(const char *noun, pn_public *p, const pn_argv *list, int *rc)
{
    for (size_t i = 0; i < p->nowners; i++)
        free(p->owners[i].target);
    free(p->owners);
    p->owners = list->n ? pn_calloc(list->n, sizeof(*p->owners)) : NULL;
    p->nowners = 0;
    for (size_t i = 0; i < list->n; i++) {
        const char *v = list->v[i];
        bool is_group = false;
        if (!strncmp(v, "group:", 6)) {
            is_group = true;
            v += 6;
        } else if (!strncmp(v, "user:", 5)) {
            v += 5;
        } else if (strchr(v, ':')) {
            *rc = pn_cli_usage(noun, "an owner is user:MAILBOX or group:GROUP, not '%s'", v);
            return false;
        }
        p->owners[p->nowners].is_group = is_group;
        p->owners[p->nowners++].target = pn_strdup(v);
    }
    return true;
}

static int public_change(pn_cli *cli, int argc, char **argv, bool add)
{
    const char *noun = add ? NOUN " add" : NOUN " edit";
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    pn_cli_store cs = {0};
    pn_public p = {0};
    pn_err err = PN_ERR_INIT;
    pn_argv owners = {0};
    int64_t rev = 0;
    if (!pn_cli_opts_parse(noun, " ", add ? " --owner " : " --owner --add-owner --remove-owner --rev ",
                           argc, argv, 2, &o, &rc) ||
        !pn_cli_opts_words(noun, &o, 1, "a public mailbox name", &rc) ||
        !pn_cli_opt_rev(noun, &o, &rev, &rc))
        goto out;
    const char *name = o.words.v[0];
    if (!pn_cli_store_open(cli, &cs)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    if (add) {
        p.name = pn_strdup(name);
    } else {
        if (!pn_store_public_get(cs.st, name, &p, &err)) {
            rc = pn_cli_store_fail(noun, &err);
            goto out;
        }
        if (rev)
            p.rev = rev;
        for (size_t i = 0; i < p.nowners; i++)
            pn_argv_addf(&owners, "%s:%s", p.owners[i].is_group ? "group" : "user",
                         p.owners[i].target);
    }
    if (!pn_cli_list_edit(noun, &o, "--owner", add ? NULL : "--add-owner",
                          add ? NULL : "--remove-owner", &owners, &rc) ||
        !set_owners(noun, &p, &owners, &rc))
        goto out;
    bool ok = add ? pn_store_public_add(cs.st, &p, NULL, &err) : pn_store_public_edit(cs.st, &p, &err);
    if (!ok) {
        rc = pn_cli_store_fail(noun, &err);
        goto out;
    }
    pn_public_clear(&p);
    int64_t now_rev = pn_store_public_get(cs.st, name, &p, &err) ? p.rev : 0;
    pn_err_clear(&err);
    rc = pn_cli_store_done(cli, NOUN, name, add ? "added" : "changed", now_rev);
out:
    pn_argv_free(&owners);
    pn_public_clear(&p);
    pn_cli_store_close(&cs);
    pn_cli_opts_free(&o);
    return rc;
}

static int public_add(pn_cli *cli, int argc, char **argv) { return public_change(cli, argc, argv, true); }
static int public_edit(pn_cli *cli, int argc, char **argv) { return public_change(cli, argc, argv, false); }

static const pn_cli_store_deleter deleter = {
    NOUN, "a public mailbox name",
    "Refused while addresses deliver to it.",
    "It is also removed from address destinations (addresses "
    "left without a destination are deleted).",
    pn_store_public_delete};

static int public_delete(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_delete_verb(cli, argc, argv, &deleter);
}

static const pn_cli_store_verbs verbs = {NOUN, public_list, public_show, public_add, public_edit,
                                         public_delete};

static int public_run(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_dispatch(&verbs, cli, argc, argv);
}

const pn_cli_noun pn_cli_noun_public = {
    .name = "public",
    .summary = "list, show, add, edit and delete public (shared) mailboxes",
    .usage =
        "usage: postern public list\n"
        "       postern public show NAME\n"
        "       postern public add NAME [--owner user:MAILBOX | --owner group:GROUP ...]\n"
        "       postern public edit NAME [--owner OWNER ...] [--add-owner OWNER ...]\n"
        "                   [--remove-owner OWNER ...] [--rev N]\n"
        "       postern public delete NAME [--cascade] [--yes] [--rev N]\n"
        "\n"
        "Public mailboxes are shared folders that owners (user mailboxes, or every\n"
        "member of a group) can read and file into; addresses can deliver to them\n"
        "(--to public:NAME). NAME uses letters, digits and . _ - + = (1-64).\n"
        "An OWNER is user:MAILBOX or group:GROUP (a bare address means user:).\n"
        "In edit, --owner (repeatable) replaces the owner list; --add-owner and\n"
        "--remove-owner change it; --rev N refuses the change unless the public\n"
        "mailbox is still at revision N.\n"
        "delete is refused while addresses deliver to it, unless --cascade removes\n"
        "those destinations. It asks on a terminal; otherwise give --yes.\n"
        "\n"
        "Changes are recorded in the state DB (with a journal entry) and go out to\n"
        "Postfix and Dovecot with 'postern apply'.\n"
        "\n"
        "--json: list prints an array, show one object:\n"
        "  {\"name\", \"owners\": [{\"kind\": \"user\"|\"group\", \"target\"}], \"rev\",\n"
        "   \"created\", \"updated\"}.\n"
        "  add/edit/delete print {\"ok\": true, \"entity\", \"name\", \"action\", \"rev\"}.\n",
    .run = public_run,
};
