/* cli_group.c - `postern group ...`: distribution groups in the state store
 * (an address whose mail goes to every member mailbox). */
#include "cli_store.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define NOUN "group"

static void json_group(pn_json *j, const void *item)
{
    const pn_group *g = item;
    pn_json_obj_begin(j);
    pn_json_kstr(j, "address", g->address);
    pn_json_kbool(j, "enabled", g->enabled);
    pn_json_key(j, "members");
    pn_json_arr_begin(j);
    for (size_t i = 0; i < g->nmembers; i++)
        pn_json_str(j, g->members[i]);
    pn_json_arr_end(j);
    pn_cli_json_meta(j, g->rev, g->created, g->updated);
    pn_json_obj_end(j);
}

static void print_groups(pn_cli *cli, const pn_group *list, size_t n, bool one)
{
    pn_str s = PN_STR_INIT;
    if (cli->json) {
        pn_cli_json_entities(&s, list, sizeof(*list), n, one, json_group);
    } else if (one) {
        pn_str_append(&s, "group:    "); pn_cli_cell(&s, list->address, 0); pn_str_appendc(&s, '\n');
        pn_str_appendf(&s, "enabled:  %s\n", list->enabled ? "yes" : "no");
        for (size_t i = 0; i < list->nmembers; i++) {
            pn_str_append(&s, "member:   ");
            pn_cli_cell(&s, list->members[i], 0);
            pn_str_appendc(&s, '\n');
        }
        pn_str_appendf(&s, "revision: %lld\n", (long long)list->rev);
    } else {
        pn_str_append(&s, "GROUP                          ENABLED  MEMBERS\n");
        for (size_t i = 0; i < n; i++) {
            pn_cli_cell(&s, list[i].address, 30);
            pn_cli_cell(&s, list[i].enabled ? "yes" : "no", 8);
            pn_str_appendf(&s, "%zu\n", list[i].nmembers);
        }
    }
    pn_cli_flush(&s);
}

static bool group_list_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    (void)o;
    pn_group *list = NULL;
    size_t n = 0;
    bool ok = pn_store_group_list(st, &list, &n, err);
    if (ok)
        print_groups(cli, list, n, false);
    pn_group_list_free(list, n);
    return ok;
}

static int group_list(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " list", " ", 0, "no arguments",
                                  group_list_read);
}

static bool group_show_read(pn_cli *cli, pn_store *st, const pn_cli_opts *o, pn_err *err)
{
    pn_group g = {0};
    bool ok = pn_store_group_get(st, o->words.v[0], &g, err);
    if (ok)
        print_groups(cli, &g, 1, true);
    pn_group_clear(&g);
    return ok;
}

static int group_show(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_read_verb(cli, argc, argv, NOUN " show", " ", 1, "a group address",
                                  group_show_read);
}

static void set_members(pn_group *g, const pn_argv *list)
{
    for (size_t i = 0; i < g->nmembers; i++)
        free(g->members[i]);
    free(g->members);
    g->members = list->n ? pn_calloc(list->n, sizeof(char *)) : NULL;
    g->nmembers = list->n;
    for (size_t i = 0; i < list->n; i++)
        g->members[i] = pn_strdup(list->v[i]);
}

static int group_change(pn_cli *cli, int argc, char **argv, bool add)
{
    const char *noun = add ? NOUN " add" : NOUN " edit";
    pn_cli_opts o;
    int rc = PN_EXIT_OK;
    pn_cli_store cs = {0};
    pn_group g = {0};
    pn_err err = PN_ERR_INIT;
    pn_argv members = {0};
    int64_t rev = 0;
    if (!pn_cli_opts_parse(noun, add ? " --disabled " : " --enable --disable --no-members ",
                           add ? " --member " : " --member --add-member --remove-member --rev ",
                           argc, argv, 2, &o, &rc) ||
        !pn_cli_opts_words(noun, &o, 1, "a group address", &rc) ||
        !pn_cli_opt_rev(noun, &o, &rev, &rc))
        goto out;
    const char *address = o.words.v[0];
    if (!pn_cli_store_open(cli, &cs)) {
        rc = PN_EXIT_FAIL;
        goto out;
    }
    if (add) {
        g.address = pn_strdup(address);
        g.enabled = !pn_cli_opt_has(&o, "--disabled");
    } else {
        if (!pn_store_group_get(cs.st, address, &g, &err)) {
            rc = pn_cli_store_fail(noun, &err);
            goto out;
        }
        if (pn_cli_opt_has(&o, "--enable")) g.enabled = true;
        if (pn_cli_opt_has(&o, "--disable")) g.enabled = false;
        if (rev)
            g.rev = rev;
        if (!pn_cli_opt_has(&o, "--no-members"))
            for (size_t i = 0; i < g.nmembers; i++)
                pn_argv_add(&members, g.members[i]);
    }
    if (!pn_cli_list_edit(noun, &o, "--member", add ? NULL : "--add-member",
                          add ? NULL : "--remove-member", &members, &rc))
        goto out;
    set_members(&g, &members);
    bool ok = add ? pn_store_group_add(cs.st, &g, NULL, &err) : pn_store_group_edit(cs.st, &g, &err);
    if (!ok) {
        rc = pn_cli_store_fail(noun, &err);
        goto out;
    }
    pn_group_clear(&g);
    int64_t now_rev = pn_store_group_get(cs.st, address, &g, &err) ? g.rev : 0;
    pn_err_clear(&err);
    rc = pn_cli_store_done(cli, NOUN, address, add ? "added" : "changed", now_rev);
out:
    pn_argv_free(&members);
    pn_group_clear(&g);
    pn_cli_store_close(&cs);
    pn_cli_opts_free(&o);
    return rc;
}

static int group_add(pn_cli *cli, int argc, char **argv) { return group_change(cli, argc, argv, true); }
static int group_edit(pn_cli *cli, int argc, char **argv) { return group_change(cli, argc, argv, false); }

static const pn_cli_store_deleter deleter = {
    NOUN, "a group address",
    "Refused while addresses or public mailboxes name it.",
    "It is also removed from address destinations and public "
    "mailbox owners (addresses left without a destination are deleted).",
    pn_store_group_delete};

static int group_delete(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_delete_verb(cli, argc, argv, &deleter);
}

static const pn_cli_store_verbs verbs = {NOUN, group_list, group_show, group_add, group_edit,
                                         group_delete};

static int group_run(pn_cli *cli, int argc, char **argv)
{
    return pn_cli_store_dispatch(&verbs, cli, argc, argv);
}

const pn_cli_noun pn_cli_noun_group = {
    .name = "group",
    .summary = "list, show, add, edit and delete distribution groups",
    .usage =
        "usage: postern group list\n"
        "       postern group show ADDRESS\n"
        "       postern group add ADDRESS [--member MAILBOX ...] [--disabled]\n"
        "       postern group edit ADDRESS [--member MAILBOX ... | --no-members]\n"
        "                  [--add-member MAILBOX ...] [--remove-member MAILBOX ...]\n"
        "                  [--enable | --disable] [--rev N]\n"
        "       postern group delete ADDRESS [--cascade] [--yes] [--rev N]\n"
        "\n"
        "A group is an address in a local domain whose mail goes to every member;\n"
        "members are existing mailboxes. Its local part cannot also be a mailbox or\n"
        "an address of the same domain. In edit, --member (repeatable) replaces the\n"
        "member list; --add-member and --remove-member change it; --rev N refuses\n"
        "the change unless the group is still at revision N.\n"
        "delete is refused while addresses or public mailboxes name the group, unless\n"
        "--cascade removes those references. It asks on a terminal; otherwise give --yes.\n"
        "\n"
        "Changes are recorded in the state DB (with a journal entry) and go out to\n"
        "Postfix and Dovecot with 'postern apply'.\n"
        "\n"
        "--json: list prints an array, show one object:\n"
        "  {\"address\", \"enabled\", \"members\": [...], \"rev\", \"created\", \"updated\"}.\n"
        "  add/edit/delete print {\"ok\": true, \"entity\", \"name\", \"action\", \"rev\"}.\n",
    .run = group_run,
};
